//! Object Lock in governance mode: its retention holds only against those who may not bypass
//! it. AWS rule: a principal with `s3:BypassGovernanceRetention` can delete or shorten the
//! retention of locked versions (S3 "Locking objects with Object Lock", governance mode).
//! Without Object Lock (S519, off by default) no version is write-once-read-many at all.

use super::{at_start, push};
use crate::audit::{Audited, statement};
use crate::aws_docs::folder::{BucketFolder, Setting};
use crate::aws_docs::settings::RetentionMode;
use crate::diagnostic::Finding;
use crate::eval::bucket::BucketModel;
use crate::eval::graph::Layer;
use crate::policy::{Effect, PrincipalKind, Statement};
use crate::registry::Code;

/// Runs S519 and S508.
pub(super) fn check(bucket: &BucketModel, folder: &BucketFolder, out: &mut Vec<Audited>) {
    missing(folder, out);
    governance_bypass(bucket, folder, out);
}

// rule: S519
/// Object Lock absent (`{}`: no configuration on AWS) or not enabled. A folder without the
/// file says nothing: not judged. AWS rule: only Object Lock keeps versions from deletion and
/// overwrite for a retention period (S3 "Locking objects with Object Lock").
fn missing(folder: &BucketFolder, out: &mut Vec<Audited>) {
    let (source, span) = match &folder.object_lock {
        Setting::Present(l) if !l.doc.enabled => (&l.source, l.doc.span),
        Setting::Absent { source } => (source, at_start(source)),
        _ => return,
    };
    push(
        out,
        source,
        Finding::new(
            Code::ObjectLockMissing,
            span,
            "Object Lock is not enabled: no retention keeps object versions from being deleted or overwritten",
        )
        .with_help("enable Object Lock (put-object-lock-configuration, versioning on) with a default retention"),
    );
}

// rule: S508
/// On a bucket whose default retention is in governance mode, each bucket-policy Allow of
/// `s3:BypassGovernanceRetention` beyond the owner account.
fn governance_bypass(bucket: &BucketModel, folder: &BucketFolder, out: &mut Vec<Audited>) {
    let Setting::Present(l) = &folder.object_lock else {
        return;
    };
    let governance = l
        .doc
        .default_retention
        .as_ref()
        .is_some_and(|r| r.mode == RetentionMode::Governance);
    if !l.doc.enabled || !governance {
        return;
    }
    let owner = bucket.owner.as_deref().unwrap_or("");
    let graph = &bucket.graph;
    for id in 0..graph.statements.len() {
        let Some((source, st, Layer::Bucket)) = statement(graph, id) else {
            continue;
        };
        if st.effect.value != Effect::Allow
            || !graph
                .statements
                .get(id)
                .is_some_and(|s| s.matches_action_lower("s3:bypassgovernanceretention"))
        {
            continue;
        }
        if beyond_owner(st, owner) {
            push(
                out,
                source,
                Finding::new(
                    Code::GovernanceBypassGranted,
                    st.action.as_ref().map_or(st.effect.span, |a| a.span),
                    format!(
                        "{} grants s3:BypassGovernanceRetention beyond the owner account, while Object Lock retains objects in GOVERNANCE mode: they can delete locked versions",
                        st.label()
                    ),
                )
                .with_help("grant s3:BypassGovernanceRetention to a break-glass role only, or use COMPLIANCE mode"),
            );
        }
    }
}

/// Whether the statement's principal reaches beyond the owner account: `NotPrincipal`,
/// everyone, or an AWS principal that does not name `owner`.
fn beyond_owner(st: &Statement, owner: &str) -> bool {
    st.principal.as_ref().is_some_and(|p| {
        p.negated
            || p.items.iter().any(|i| {
                i.kind == PrincipalKind::Everyone
                    || (i.kind == PrincipalKind::Aws
                        && (i.value == "*" || !i.value.contains(owner)))
            })
    })
}
