//! The guardrails around every grant: each SCP level must allow (Organizations "SCP
//! evaluation"); RCPs only deny, since the full-access RCP is attached at every level and
//! cannot be detached (Organizations "Resource control policies"); and a permissions boundary
//! and a session policy cap what identity policies grant (IAM "Permissions boundaries for IAM
//! entities", "Session policies").

use super::matching::Matches;
use super::response::LayerReport;
use crate::eval::graph::{Graph, Layer};
use crate::eval::request::Caller;

/// The first SCP level with no matching Allow, as its layer and level; `None` when every level
/// allows. RCP levels never lack an Allow: `RCPFullAWSAccess` allows everything at each of them.
// AWS rule: "RCPFullAWSAccess ... is automatically attached to the root, every OU, and every
// account in your organization ... you can't detach it" (Organizations "Resource control
// policies"), so RCP Allow statements never decide and only RCP Denies take access away.
pub(super) fn level_without_allow(graph: &Graph, matches: &Matches) -> Option<(Layer, usize)> {
    for layer in [Layer::Scp] {
        if !matches.is_applicable(layer) {
            continue;
        }
        let granted = matches.allows(layer);
        for level in 0..graph.levels(layer) {
            let at_level = granted.iter().any(|(id, _)| {
                graph
                    .statements
                    .get(*id)
                    .and_then(|s| graph.documents.get(s.doc))
                    .is_some_and(|d| d.level == level)
            });
            if !at_level {
                return Some((layer, level));
            }
        }
    }
    None
}

/// The layer table's line for an organisation level that allows nothing.
pub(super) fn level_report(layer: Layer, level: usize) -> LayerReport {
    LayerReport {
        layer: layer.into(),
        level: Some(level),
        verdict: format!(
            "no {} at organisation level {} allows the request",
            layer.as_str(),
            level + 1
        ),
    }
}

/// Whether the permissions boundary lets the identity side through: it does not apply, is
/// absent, or has a matching Allow.
pub(super) fn boundary_allows(graph: &Graph, matches: &Matches) -> bool {
    !matches.is_applicable(Layer::PermissionsBoundary)
        || !graph.has_layer(Layer::PermissionsBoundary)
        || !matches.allows(Layer::PermissionsBoundary).is_empty()
}

/// Whether the session policy lets the identity side through: it does not apply, is absent,
/// or has a matching Allow.
pub(super) fn session_allows(graph: &Graph, caller: &Caller, matches: &Matches) -> bool {
    // AWS rule: a federated user (GetFederationToken) without a session policy gets no
    // permissions from its user's identity policies (IAM "Permissions for GetFederationToken").
    let federated_without_policy =
        matches!(caller, Caller::FederatedUser { .. }) && !graph.has_layer(Layer::Session);
    !federated_without_policy
        && (!matches.is_applicable(Layer::Session)
            || !graph.has_layer(Layer::Session)
            || !matches.allows(Layer::Session).is_empty())
}

/// The boundary and session Allow statements that matched: they determine, with the grant,
/// any decision that passes through them.
pub(super) fn cap_statements(matches: &Matches) -> Vec<usize> {
    matches
        .allows(Layer::PermissionsBoundary)
        .into_iter()
        .chain(matches.allows(Layer::Session))
        .map(|(id, _)| id)
        .collect()
}
