//! The identity side: the caller's identity policies, capped by its permissions boundary and
//! session policy; one verdict shared by every authorization of a request (IAM "Policy
//! evaluation logic").

use super::guardrails;
use super::matching::Matches;
use crate::eval::graph::{GrantKind, Graph, Layer};
use crate::eval::request::Caller;

/// The identity side's verdict, shared by every authorization.
pub(super) struct IdentitySide {
    /// The identity-policy Allow statements that matched.
    pub(super) identity: Vec<usize>,
    /// The boundary and session Allow statements that matched.
    pub(super) caps: Vec<usize>,
    /// An identity policy allows, and the boundary and session policy let it through.
    pub(super) identity_ok: bool,
    /// The permissions boundary lets the request through.
    pub(super) boundary_ok: bool,
    /// The session policy lets the request through.
    pub(super) session_ok: bool,
    /// When the caller's own account owns the bucket: the bucket-policy Allow statements that
    /// grant the caller as its identity policies could (naming it, or its role within the
    /// caps). They speak for the caller's account in the user context.
    pub(super) own_bucket_policy: Vec<usize>,
}

impl IdentitySide {
    /// The identity side of `caller` from the statements that matched.
    pub(super) fn of(
        graph: &Graph,
        caller: &Caller,
        bucket_owner: &str,
        matches: &Matches,
    ) -> IdentitySide {
        let identity: Vec<usize> = matches
            .allows(Layer::Identity)
            .iter()
            .map(|(id, _)| *id)
            .collect();
        let boundary_ok = guardrails::boundary_allows(graph, matches);
        let session_ok = guardrails::session_allows(graph, caller, matches);
        // AWS rule: "If the parent AWS account owns the resource (bucket or object), it can
        // grant resource permissions to its IAM principal by using either the user policy or
        // the resource policy" (S3 "How Amazon S3 authorizes a request for an object
        // operation", user context).
        let owns_bucket = !bucket_owner.is_empty() && caller.account() == Some(bucket_owner);
        let own_bucket_policy = if owns_bucket {
            matches
                .allows(Layer::Bucket)
                .into_iter()
                .filter(|(_, kind)| match kind {
                    GrantKind::Direct => true,
                    GrantKind::Role => boundary_ok && session_ok,
                    GrantKind::Account => false,
                })
                .map(|(id, _)| id)
                .collect()
        } else {
            Vec::new()
        };
        IdentitySide {
            own_bucket_policy,
            identity_ok: !identity.is_empty() && boundary_ok && session_ok,
            identity,
            caps: guardrails::cap_statements(matches),
            boundary_ok,
            session_ok,
        }
    }
}
