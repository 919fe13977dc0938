//! The S3 rules beside the policies: ACL grants, Object Ownership and Block Public Access at
//! request time (S3 "Access control list (ACL) overview", "Controlling ownership of objects",
//! "Blocking public access"), and their lines in the layer table.

use super::Evaluation;
use super::access_point;
use super::resource::{Authority, Grantor};
use super::response::{Block, BlockRule, LayerReport, Response, Stage, Uncertainty};
use crate::eval::graph::{GrantKind, Graph, Layer};
use crate::eval::request::Caller;
use crate::eval::s3_facts::{AclMatch, AclRef, BpaFlag, S3Facts};
use crate::policy::Effect;

/// A grant that Block Public Access removed, with the flag that removed it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Dropped {
    pub(super) grant: (Grantor, GrantKind),
    pub(super) flag: BpaFlag,
}

/// What the S3 stages saw, for the layer reports.
#[derive(Default)]
pub(super) struct S3Seen {
    acl: Vec<AclMatch>,
    dropped: Vec<Dropped>,
    pub(super) foreign_owner: Option<String>,
}

/// The grants of one authorization: its layer's Allow statements and, for the bucket, the
/// ACL grants; minus what Object Ownership and Block Public Access take away (returned as
/// `dropped` when Block Public Access took it).
pub(super) fn resource_grants(
    ev: &Evaluation<'_>,
    auth: &Authority<'_>,
    seen: &mut S3Seen,
    r: &mut Response,
) -> (Vec<(Grantor, GrantKind)>, Vec<Dropped>) {
    let (mut kept, mut dropped) = statement_grants(ev, auth);
    let s3 = &ev.graph.s3;
    if auth.layer == Layer::Bucket && (s3.bucket_acl.is_some() || !s3.objects.is_empty()) {
        acl_grants(s3, auth, &mut kept, &mut dropped, seen, r);
    }
    seen.dropped.extend(
        dropped
            .iter()
            .filter(|d| matches!(d.grant.0, Grantor::Statement(_))),
    );
    (kept, dropped)
}

/// The Allow statements of the authorization's layer that matched, split into those kept and
/// those RestrictPublicBuckets removed; none for another account's object.
fn statement_grants(
    ev: &Evaluation<'_>,
    auth: &Authority<'_>,
) -> (Vec<(Grantor, GrantKind)>, Vec<Dropped>) {
    let graph = ev.graph;
    let s3 = &graph.s3;
    let caller = &auth.request.caller;
    // AWS rule: RestrictPublicBuckets "restricts access to an access point or bucket with a
    // public policy to only AWS service principals and authorized users within the bucket
    // owner's account and access point owner's account" (S3 "Blocking public access",
    // RestrictPublicBuckets).
    let restrict = if s3.is_empty() {
        None
    } else {
        s3.bpa_setter(BpaFlag::RestrictPublicBuckets, auth.access_point)
    };
    let bucket_owner = ev.route.bucket().resource_account.as_str();
    let access_point_owner = auth
        .access_point
        .and_then(|i| s3.access_points.get(i))
        .map(|ap| ap.account.as_str());
    let exempt = matches!(caller, Caller::Service { .. })
        || caller
            .account()
            .is_some_and(|a| a == auth.owner || a == bucket_owner || Some(a) == access_point_owner);
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for m in ev.matches.iter() {
        if m.layer != auth.layer || m.effect != Effect::Allow {
            continue;
        }
        if auth.foreign_object {
            continue;
        }
        let grant = (Grantor::Statement(m.statement), m.grant);
        let public = restrict.is_some()
            && graph
                .statements
                .get(m.statement)
                .is_some_and(|s| graph.document_is_public(s.doc));
        if public && !exempt {
            dropped.push(Dropped {
                grant,
                flag: BpaFlag::RestrictPublicBuckets,
            });
        } else {
            kept.push(grant);
        }
    }
    (kept, dropped)
}

/// Adds the ACL grants that cover the request to `kept`, or to `dropped` when
/// IgnorePublicAcls removes them; an ACL grant that cannot be judged is an uncertainty.
fn acl_grants(
    s3: &S3Facts,
    auth: &Authority<'_>,
    kept: &mut Vec<(Grantor, GrantKind)>,
    dropped: &mut Vec<Dropped>,
    seen: &mut S3Seen,
    r: &mut Response,
) {
    let mut acl = Vec::new();
    let mut unknown = Vec::new();
    s3.acl_grants(
        &auth.request.caller,
        &auth.request.action_lower,
        auth.target,
        &auth.request.resource_account,
        &mut acl,
        &mut unknown,
    );
    // AWS rule: IgnorePublicAcls makes S3 ignore grants to All Users and Authenticated
    // Users (S3 "Blocking public access", IgnorePublicAcls).
    let ignore = s3
        .bpa_setter(BpaFlag::IgnorePublicAcls, auth.access_point)
        .is_some();
    for m in &acl {
        let grant = (Grantor::Acl(m.grant), m.kind);
        if m.public && ignore {
            let d = Dropped {
                grant,
                flag: BpaFlag::IgnorePublicAcls,
            };
            dropped.push(d);
            seen.dropped.push(d);
        } else {
            kept.push(grant);
        }
    }
    seen.acl.extend(acl);
    for reason in unknown {
        r.uncertain.push(Uncertainty {
            statement: None,
            reason,
            if_not_allowed: true,
        });
    }
}

/// Records that `flag` blocked the request (once per flag).
pub(super) fn push_block(
    r: &mut Response,
    graph: &Graph,
    flag: BpaFlag,
    access_point: Option<usize>,
) {
    let Some(setting) = graph.s3.bpa_setter(flag, access_point) else {
        return;
    };
    let rule = BlockRule::BlockPublicAccess {
        flag,
        level: setting.level,
    };
    if r.blocks.iter().any(|b| b.rule == rule) {
        return;
    }
    let what = match flag {
        BpaFlag::RestrictPublicBuckets => {
            "the policy that would allow the request is public, so only AWS services and principals of the owner account may use its grants"
        }
        _ => "public ACL grants are ignored, and only such a grant would allow the request",
    };
    r.blocks.push(Block {
        rule,
        reason: format!(
            "blocked by {} ({} setting): {what}",
            flag.as_str(),
            setting.level.as_str()
        ),
        place: setting.place_of(flag),
    });
}

/// The layer reports of the S3 stages: access point, ownership, ACLs, Block Public Access.
pub(super) fn reports(graph: &Graph, r: &mut Response, seen: &S3Seen, route_ap: Option<usize>) {
    let s3 = &graph.s3;
    if s3.is_empty() {
        return;
    }
    let mut push = |layer: Stage, verdict: String| {
        r.layers.push(LayerReport {
            layer,
            level: None,
            verdict,
        })
    };
    if let Some(ap) = route_ap.and_then(|i| s3.access_points.get(i)) {
        push(Stage::AccessPointNetwork, access_point::report(ap));
    }
    if let Some(owner) = &seen.foreign_owner {
        push(
            Stage::ObjectOwnership,
            format!(
                "the object belongs to account {owner}, not the bucket owner: the bucket policy's Allow statements do not apply (its Deny statements do)"
            ),
        );
    }
    if let Some((o, _)) = &s3.ownership
        && !o.acls_enabled()
        && (s3.bucket_acl.is_some() || !s3.objects.is_empty())
    {
        push(
            Stage::ObjectOwnership,
            "Object Ownership is BucketOwnerEnforced: ACLs are disabled".to_string(),
        );
    }
    if s3.acls_enabled() {
        for (stage, is_bucket) in [(Stage::BucketAcl, true), (Stage::ObjectAcl, false)] {
            if let Some(verdict) = acl_report(s3, seen, is_bucket) {
                push(stage, verdict);
            }
        }
    }
    if let Some(verdict) = bpa_report(s3, seen, route_ap) {
        push(Stage::BlockPublicAccess, verdict);
    }
}

/// The bucket ACL's line (or, with `is_bucket` false, the object ACLs'), when there is one.
fn acl_report(s3: &S3Facts, seen: &S3Seen, is_bucket: bool) -> Option<String> {
    let present = if is_bucket {
        s3.bucket_acl.is_some()
    } else {
        s3.objects.iter().any(|o| o.acl.is_some())
    };
    if !present {
        return None;
    }
    let grants: Vec<String> = seen
        .acl
        .iter()
        .filter(|m| matches!(m.grant, AclRef::Bucket { .. }) == is_bucket)
        .filter_map(|m| {
            let (_, g) = s3.grant(m.grant)?;
            let ignored = seen
                .dropped
                .iter()
                .any(|d| d.grant.0 == Grantor::Acl(m.grant));
            let index = match m.grant {
                AclRef::Bucket { grant } | AclRef::Object { grant, .. } => grant,
            };
            Some(format!(
                "grant #{} ({} to {}){}",
                index + 1,
                g.permission,
                grantee_name(&g.grantee),
                if ignored {
                    " is ignored (IgnorePublicAcls)"
                } else if m.kind == GrantKind::Account {
                    " delegates to the account's identity policies"
                } else {
                    " covers the request"
                }
            ))
        })
        .collect();
    Some(if grants.is_empty() {
        "no grant covers the request".to_string()
    } else {
        grants.join("; ")
    })
}

/// Block Public Access's line: the flags that are on and where, when any level is known.
fn bpa_report(s3: &S3Facts, seen: &S3Seen, route_ap: Option<usize>) -> Option<String> {
    let levels = s3.bpa_levels(route_ap);
    if levels.is_empty() {
        return None;
    }
    let on: Vec<String> = BpaFlag::ALL
        .iter()
        .filter_map(|f| {
            s3.bpa_setter(*f, route_ap)
                .map(|s| format!("{} ({})", f.as_str(), s.level.as_str()))
        })
        .collect();
    let restricted = seen
        .dropped
        .iter()
        .any(|d| d.flag == BpaFlag::RestrictPublicBuckets);
    Some(if on.is_empty() {
        "every flag is off".to_string()
    } else if restricted {
        format!(
            "on: {}; a public policy's grants were removed for this caller",
            on.join(", ")
        )
    } else {
        format!("on: {}", on.join(", "))
    })
}

/// A grantee for output.
pub fn grantee_name(g: &crate::aws_docs::acl::Grantee) -> String {
    use crate::aws_docs::acl::Grantee;
    match g {
        Grantee::CanonicalUser { id, display_name } => match display_name {
            Some(n) => format!("canonical user `{n}`"),
            None => format!("canonical user `{}…`", id.get(..12).unwrap_or(id.as_str())),
        },
        Grantee::AllUsers => "AllUsers".into(),
        Grantee::AuthenticatedUsers => "AuthenticatedUsers".into(),
        Grantee::LogDelivery => "LogDelivery".into(),
        Grantee::Email(e) => format!("e-mail `{e}`"),
        Grantee::Group(u) => format!("group `{u}`"),
    }
}
