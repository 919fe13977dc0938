//! The grants of a KMS key in the KMS leg: when the key policy (with IAM, if it lets IAM in)
//! does not allow, a grant naming the caller for the operation, under its encryption context
//! constraints, does. Grants only allow; explicit denies and the SCP and RCP levels were
//! applied before (KMS "Grants in AWS KMS", "Grant constraints").

use super::Evaluation;
use super::identity::IdentitySide;
use super::resource::Grantor;
use super::response::{Response, Uncertainty};
use crate::eval::graph::GrantKind;

/// The grants that allow the KMS request, or `None`. A grant needs no identity policy of the
/// caller; a grant to the caller's role is capped by its permissions boundary and session
/// policy, as a key policy naming the role is; a grant to the caller's account counts
/// through the account's identity policies, as the account principal of a key policy does.
// AWS rule: "When authorizing access to a KMS key, grants are considered along with key
// policies and IAM policies"; a grantee principal is an account, user, role, federated user
// or assumed-role user, named as in policies (KMS "Grants in AWS KMS", CreateGrant).
pub(super) fn allow(
    ev: &Evaluation<'_>,
    ident: &IdentitySide,
    r: &mut Response,
) -> Option<Vec<Grantor>> {
    let request = ev.route.main();
    let mut allowing = Vec::new();
    for (i, g) in ev.graph.kms_grants.iter().enumerate() {
        let ok = match g.applies(request) {
            Ok(GrantKind::Direct) => true,
            Ok(GrantKind::Role) => ident.boundary_ok && ident.session_ok,
            Ok(GrantKind::Account) => {
                if !ident.identity_ok {
                    r.uncertain.push(Uncertainty {
                        statement: None,
                        reason: format!(
                            "a grant of the key names the caller's account ({}) for {}; s3-access counts it only through the account's identity policies, which do not allow",
                            g.grant.grantee.value, request.action
                        ),
                        if_not_allowed: true,
                    });
                }
                ident.identity_ok
            }
            Err(_) => false,
        };
        if ok {
            allowing.push(Grantor::KmsGrant(i));
        }
    }
    if ev.explain && !allowing.is_empty() {
        r.notes.push(format!(
            "neither the key policy nor IAM policies allow {}; {} of the key do{}",
            request.action,
            if allowing.len() == 1 {
                "a grant"
            } else {
                "grants"
            },
            if allowing.len() == 1 { "es" } else { "" }
        ));
    }
    (!allowing.is_empty()).then_some(allowing)
}
