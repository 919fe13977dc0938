//! AWS service principals in a resource policy.
//!
//! - S307 service-grant-unpinned: an Allow to a service principal (`logging.s3.amazonaws.com`,
//!   `cloudtrail.amazonaws.com`, `delivery.logs.amazonaws.com`, ...) that no condition ties to
//!   the account, resource or organisation on whose behalf the service acts. The service then
//!   writes (or reads) for whichever of its customers names this bucket: the confused deputy.
//!   AWS rule: use the `aws:SourceArn`, `aws:SourceAccount`, `aws:SourceOrgID` or
//!   `aws:SourceOrgPaths` global condition keys in resource policies that grant to services
//!   (IAM "The confused deputy problem"; S3 "Cross-service confused deputy prevention").
//!
//! A grant is pinned by a positive condition of the Allow on one of those keys whose values are
//! all fixed (an account id, an ARN with a fixed account or a fixed bucket name, an
//! organisation id), or by a Deny of the same policy that refuses the service when the key
//! differs from fixed values.

use super::{Audited, Context, statement};
use crate::arn::{Arn, is_account_id};
use crate::diagnostic::Finding;
use crate::policy::{Condition, Effect, PrincipalKind, Statement};
use crate::registry::Code;

/// The condition keys that name on whose behalf a service acts (lower case).
const SOURCE_KEYS: &[&str] = &[
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
];

// rule: S307
/// Runs S307 on the resource policies of `ctx.graph`, once per service principal of an
/// Allow statement.
pub fn check(ctx: &Context<'_>, out: &mut Vec<Audited>) {
    let graph = ctx.graph;
    let statements: Vec<_> = (0..graph.statements.len())
        .filter_map(|id| statement(graph, id))
        .filter(|(_, _, layer)| layer.is_resource_policy())
        .collect();
    for (source, st, _) in &statements {
        if st.effect.value != Effect::Allow {
            continue;
        }
        let Some(p) = st.principal.as_ref().filter(|p| !p.negated) else {
            continue;
        };
        if st.conditions.iter().any(|c| pins(c, false)) {
            continue;
        }
        for item in p.items.iter().filter(|i| i.kind == PrincipalKind::Service) {
            let denied_elsewhere = statements.iter().any(|(_, other, _)| {
                other.effect.value == Effect::Deny
                    && names_service(other, &item.value)
                    && other.conditions.iter().any(|c| pins(c, true))
            });
            if denied_elsewhere {
                continue;
            }
            out.push(Audited {
                source: (*source).clone(),
                finding: Finding::new(
                    Code::ServiceGrantUnpinned,
                    item.span,
                    format!(
                        "`{}` is granted without a condition on aws:SourceAccount, aws:SourceArn or aws:SourceOrgID: the service may use this grant on behalf of any of its customers (confused deputy)",
                        item.value
                    ),
                )
                .with_help("add the account or resource the service acts for, e.g. \"Condition\": {\"StringEquals\": {\"aws:SourceAccount\": \"111122223333\"}, \"ArnLike\": {\"aws:SourceArn\": \"arn:aws:s3:::SOURCE-BUCKET\"}}"),
            });
        }
    }
}

/// Whether statement `st` applies to service principal `service`.
fn names_service(st: &Statement, service: &str) -> bool {
    st.principal.as_ref().is_some_and(|p| {
        !p.negated
            && p.items.iter().any(|i| match i.kind {
                PrincipalKind::Everyone => true,
                PrincipalKind::Aws => i.value == "*",
                PrincipalKind::Service => i.value.eq_ignore_ascii_case(service),
                PrincipalKind::Federated | PrincipalKind::CanonicalUser => false,
            })
    })
}

/// Whether condition `c` ties the request to fixed source values: with a positive operator
/// (an Allow's condition), or with a negated one (a Deny's: it refuses every other source).
fn pins(c: &Condition, negated: bool) -> bool {
    let key = c.key.value.to_ascii_lowercase();
    let op = &c.operator.value;
    if !SOURCE_KEYS.contains(&key.as_str())
        || op.base.is_negated() != negated
        || c.values.is_empty()
    {
        return false;
    }
    // An Allow's `...IfExists` is true when the key is absent; `ForAllValues` is true when the
    // key is absent too: neither pins.
    if !negated && (op.if_exists || op.set == Some(crate::policy::SetQualifier::ForAllValues)) {
        return false;
    }
    c.values.iter().all(|v| fixed_source(&key, &v.text))
}

/// Whether `value` names one source for `key`: no wildcard where the account or bucket is.
fn fixed_source(key: &str, value: &str) -> bool {
    let wild = |s: &str| s.contains(['*', '?']) || s.contains("${");
    match key {
        "aws:sourceaccount" => is_account_id(value),
        "aws:sourcearn" => Arn::split(value).is_some_and(|arn| {
            let bucket = arn.resource.split('/').next().unwrap_or("");
            // S3 bucket ARNs carry no account, but bucket names are global: a fixed name is one
            // bucket of one account, also as `arn:aws:s3:*:*:NAME` (the S3 console's form in
            // destination policies: `*` matches the empty region and account).
            (is_account_id(arn.account) && !wild(arn.partition))
                || (arn.service == "s3"
                    && matches!(arn.account, "" | "*")
                    && matches!(arn.region, "" | "*")
                    && !bucket.is_empty()
                    && !wild(bucket))
        }),
        "aws:sourceorgid" => value.starts_with("o-") && !wild(value),
        // `o-a1b2c3d4e5/r-ab12/ou-...`: the organisation part must be fixed.
        _ => value
            .split('/')
            .next()
            .is_some_and(|org| org.starts_with("o-") && !wild(org)),
    }
}
