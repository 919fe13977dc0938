//! The resource side: one authorization per owner of what the request touches, each judged
//! with the identity side by the same-account union or the cross-account intersection (IAM
//! "Policy evaluation logic", "Cross-account policy evaluation logic"; S3 "How Amazon S3
//! authorizes a request").

use super::Evaluation;
use super::identity::IdentitySide;
use super::response::{Decision, Response};
use super::s3_layer::{self, S3Seen};
use crate::eval::graph::{GrantKind, Layer};
use crate::eval::request::{Caller, Request};
use crate::eval::s3_facts::{AclRef, Target};
use std::borrow::Cow;

/// A resource-side grant: an Allow statement of a resource policy, or an ACL grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Grantor {
    Statement(usize),
    Acl(AclRef),
}

/// One authorization S3 makes for a request: a resource layer in the name of its owner
/// account. A request through an access point needs two, the access point's and the
/// bucket's (S3 "Access points" pages: both must allow).
pub(super) struct Authority<'a> {
    pub(super) layer: Layer,
    /// The account in whose name the resource side grants: the bucket owner, the object
    /// owner (for another account's object), or the access point's owner.
    pub(super) owner: Cow<'a, str>,
    /// The request as this layer sees it.
    pub(super) request: &'a Request,
    /// The object belongs to an account other than the bucket owner.
    pub(super) foreign_object: bool,
    /// The access point the request goes through.
    pub(super) access_point: Option<usize>,
    /// What the bucket-side resource is, for ACLs.
    pub(super) target: Target<'a>,
}

/// Judges every authorization with the identity side: all must allow. Sets the decision to
/// `Allow` with its determining statements and ACL grants, or to `ExplicitDeny` when only a
/// grant Block Public Access removed would have allowed. Returns what the S3 stages saw.
pub(super) fn authorize(ev: &Evaluation<'_>, ident: &IdentitySide, r: &mut Response) -> S3Seen {
    let mut seen = S3Seen::default();
    let caller = &ev.request.caller;
    let mut determining: Vec<Grantor> = Vec::new();
    let mut allowed = true;
    for auth in &authorities(ev, &mut seen) {
        let (kept, dropped) = s3_layer::resource_grants(ev, auth, &mut seen, r);
        let key_policy = auth.layer == Layer::KeyPolicy;
        match combine(caller, &auth.owner, ident, &kept, key_policy) {
            Some(d) => determining.extend(d),
            None => {
                allowed = false;
                if !dropped.is_empty() {
                    let all: Vec<(Grantor, GrantKind)> = kept
                        .iter()
                        .copied()
                        .chain(dropped.iter().map(|d| d.grant))
                        .collect();
                    if combine(caller, &auth.owner, ident, &all, key_policy).is_some() {
                        for d in &dropped {
                            s3_layer::push_block(r, ev.graph, d.flag, auth.access_point);
                        }
                    }
                }
                break;
            }
        }
    }
    if allowed {
        r.decision = Decision::Allow;
        for g in determining {
            match g {
                Grantor::Statement(id) => r.determining.push(id),
                Grantor::Acl(a) => {
                    if !r.grants.contains(&a) {
                        r.grants.push(a);
                    }
                }
            }
        }
    } else if !r.blocks.is_empty() {
        r.decision = Decision::ExplicitDeny;
    }
    seen
}

/// Actions that act on an object whoever owns it: writing it anew, and the bucket owner's
/// right to delete any object of its bucket (S3 "How Amazon S3 authorizes a request for an
/// object operation"; ACL overview, WRITE).
fn ownership_free(action_lower: &str) -> bool {
    matches!(
        action_lower,
        "s3:putobject" | "s3:deleteobject" | "s3:deleteobjectversion"
    )
}

/// The authorizations the request needs, in order: the access point's (when it goes through
/// one), then the bucket's in the name of the bucket or object owner.
fn authorities<'a>(ev: &'a Evaluation<'_>, seen: &mut S3Seen) -> Vec<Authority<'a>> {
    let s3 = &ev.graph.s3;
    let route = &ev.route;
    // The KMS leg: one authorization, the key policy's, in the name of the key's account.
    if ev.graph.has_layer(Layer::KeyPolicy) && ev.request.action_lower.starts_with("kms:") {
        let request = route.main();
        return vec![Authority {
            layer: Layer::KeyPolicy,
            owner: Cow::Borrowed(request.resource_account.as_str()),
            request,
            foreign_object: false,
            access_point: None,
            target: Target::Other,
        }];
    }
    let mut authorities: Vec<Authority<'a>> = Vec::with_capacity(2);
    if let Some(i) = route.access_point
        && let Some(ap) = s3.access_points.get(i)
    {
        authorities.push(Authority {
            layer: Layer::AccessPoint,
            owner: Cow::Borrowed(ap.account.as_str()),
            request: route.main(),
            foreign_object: false,
            access_point: Some(i),
            target: Target::Other,
        });
    }
    let bucket_req = route.bucket();
    let target = if s3.is_empty() {
        Target::Other
    } else {
        s3.target(&bucket_req.resource)
    };
    let bucket_owner = bucket_req.resource_account.as_str();
    let (owner, foreign_object) = match target {
        // AWS rule: for an object of another account, only the object owner can grant; the
        // bucket policy can only deny (S3 "How Amazon S3 authorizes a request for an object
        // operation").
        Target::Object { key } if !ownership_free(&ev.request.action_lower) => {
            let o = s3.object_owner(key, bucket_owner);
            let foreign = !o.is_empty() && !bucket_owner.is_empty() && o != bucket_owner;
            (Cow::Owned(o), foreign)
        }
        _ => (Cow::Borrowed(bucket_owner), false),
    };
    if foreign_object {
        seen.foreign_owner = Some(owner.to_string());
    }
    authorities.push(Authority {
        layer: Layer::Bucket,
        owner,
        request: bucket_req,
        foreign_object,
        access_point: route.access_point,
        target,
    });
    authorities
}

/// The grantors of one kind.
fn grantors_of(grants: &[(Grantor, GrantKind)], kind: GrantKind) -> Vec<Grantor> {
    grants
        .iter()
        .filter(|(_, k)| *k == kind)
        .map(|(g, _)| *g)
        .collect()
}

/// The KMS rule in the key's own account: the key policy grants by itself when it names the
/// caller (or its role, within the caps); identity policies count only when the key policy
/// allows the account through its root principal (KMS "Key policies in AWS KMS", "Allows
/// access to the AWS account and enables IAM policies").
fn key_policy_same_account(
    ident: &IdentitySide,
    grants: &[(Grantor, GrantKind)],
) -> Option<Vec<Grantor>> {
    let of = |kind: GrantKind| grantors_of(grants, kind);
    let (direct, role, account) = (
        of(GrantKind::Direct),
        of(GrantKind::Role),
        of(GrantKind::Account),
    );
    let caps = ident.caps.iter().map(|id| Grantor::Statement(*id));
    if !direct.is_empty() {
        Some(direct)
    } else if !account.is_empty() && ident.identity_ok {
        let mut d = account;
        d.extend(ident.identity.iter().map(|id| Grantor::Statement(*id)));
        d.extend(caps);
        Some(d)
    } else if !role.is_empty() && ident.boundary_ok && ident.session_ok {
        let mut d = role;
        d.extend(caps);
        Some(d)
    } else {
        None
    }
}

/// The core rule for one authorization (IAM "Policy evaluation logic" and "Cross-account
/// policy evaluation logic"): the grantors that allow, or `None`. `key_policy`: the
/// authorization is a KMS key policy's, where the key policy must allow.
fn combine(
    caller: &Caller,
    owner: &str,
    ident: &IdentitySide,
    grants: &[(Grantor, GrantKind)],
    key_policy: bool,
) -> Option<Vec<Grantor>> {
    let of = |kind: GrantKind| grantors_of(grants, kind);
    let direct = of(GrantKind::Direct);
    let same_account = caller.account().is_some_and(|a| a == owner);
    fn statements(ids: &[usize]) -> impl Iterator<Item = Grantor> + '_ {
        ids.iter().map(|id| Grantor::Statement(*id))
    }
    match caller {
        // AWS rule: KMS takes no anonymous requests; S3 cannot read an SSE-KMS object for an
        // anonymous caller (S3 "Using server-side encryption with AWS KMS keys").
        Caller::Anonymous if key_policy => None,
        // Anonymous callers and service principals are allowed only by a resource-side grant
        // naming them.
        Caller::Anonymous | Caller::Service { .. } => (!direct.is_empty()).then_some(direct),
        // AWS rule: "Unless the key policy explicitly allows it, you cannot use IAM policies
        // to allow access to a KMS key"; not even the account's root user is exempt (KMS
        // "Key policies in AWS KMS").
        Caller::Root { .. } if key_policy && same_account => {
            (!grants.is_empty()).then(|| grants.iter().map(|(g, _)| *g).collect())
        }
        _ if key_policy && same_account => key_policy_same_account(ident, grants),
        // AWS rule: the root user needs no identity policy in its own account.
        Caller::Root { .. } if same_account => Some(direct),
        Caller::Root { .. } => {
            (!grants.is_empty()).then(|| grants.iter().map(|(g, _)| *g).collect())
        }
        _ if same_account => {
            // AWS rule (same account): identity OR resource policy; a role-ARN grant is still
            // capped by boundary and session policy; an account grant delegates to identity.
            let role = of(GrantKind::Role);
            if !direct.is_empty() {
                Some(direct)
            } else if ident.identity_ok {
                let mut d: Vec<Grantor> = statements(&ident.identity).collect();
                d.extend(statements(&ident.caps));
                d.extend(of(GrantKind::Account));
                Some(d)
            } else if !role.is_empty() && ident.boundary_ok && ident.session_ok {
                let mut d = role;
                d.extend(statements(&ident.caps));
                Some(d)
            } else {
                None
            }
        }
        _ => {
            // AWS rule (cross account): the resource side must name the caller (in any form)
            // AND the caller's own account must allow: through its identity policies, or its
            // bucket policy when it owns the bucket and another account the object (S3 "How
            // Amazon S3 authorizes a request for an object operation", user context).
            let own_account = if ident.identity_ok {
                &ident.identity
            } else {
                &ident.own_bucket_policy
            };
            if !grants.is_empty() && !own_account.is_empty() {
                let mut d: Vec<Grantor> = grants.iter().map(|(g, _)| *g).collect();
                d.extend(statements(own_account));
                d.extend(statements(&ident.caps));
                Some(d)
            } else {
                None
            }
        }
    }
}
