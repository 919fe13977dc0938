//! The identity side: the caller's identity policies, capped by its permissions boundary and
//! session policy; one verdict shared by every authorization of a request (IAM "Policy
//! evaluation logic").

use super::guardrails;
use super::matching::Matches;
use crate::eval::graph::{Graph, Layer};
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
}

impl IdentitySide {
    /// The identity side of `caller` from the statements that matched.
    pub(super) fn of(graph: &Graph, caller: &Caller, matches: &Matches) -> IdentitySide {
        let identity: Vec<usize> = matches
            .allows(Layer::Identity)
            .iter()
            .map(|(id, _)| *id)
            .collect();
        let boundary_ok = guardrails::boundary_allows(graph, matches);
        let session_ok = guardrails::session_allows(graph, caller, matches);
        IdentitySide {
            identity_ok: !identity.is_empty() && boundary_ok && session_ok,
            identity,
            caps: guardrails::cap_statements(matches),
            boundary_ok,
            session_ok,
        }
    }
}
