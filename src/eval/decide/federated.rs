//! `Federated` principals in bucket and access point policies. A web identity or SAML user
//! reaches S3 as a session of the role it assumed, and the request model does not say which
//! identity provider a session came from: such a grant may apply to a role session of any
//! account, so an answer that would deny without it is uncertain, never "no access".

use super::response::Uncertainty;
use crate::eval::condition::{self, Verdict};
use crate::eval::graph::{CompiledStatement, Graph, Layer, Mismatch};
use crate::eval::request::{Caller, Request};
use crate::policy::{Effect, PrincipalKind};

/// The uncertainty of an Allow statement of a bucket or access point policy that failed only
/// on its principal, and names a `Federated` principal that a role session may stand for.
// AWS rule: a Federated principal such as graph.facebook.com in a bucket policy lets the users
// of that identity provider in (S3 "Blocking public access to your Amazon S3 storage", the
// meaning of "public"); web identity and SAML users call AWS as sessions of the role they
// assumed (IAM "Principal" element, web identity and SAML session principals).
pub(super) fn uncertainty(
    graph: &Graph,
    id: usize,
    s: &CompiledStatement,
    layer: Layer,
    result: &Result<crate::eval::graph::GrantKind, Mismatch>,
    request: &Request,
) -> Option<Uncertainty> {
    let grant_policy = matches!(layer, Layer::Bucket | Layer::AccessPoint);
    if !grant_policy
        || s.effect != Effect::Allow
        || !matches!(result, Err(Mismatch::Principal))
        || !matches!(request.caller, Caller::Session { .. })
    {
        return None;
    }
    let provider = provider(graph, s)?;
    let rest_matches = s.matches_action(request)
        && s.matches_resource(request)
        && s.conditions
            .iter()
            .all(|c| condition::evaluate(c, &request.context) == Verdict::True);
    rest_matches.then(|| Uncertainty {
        statement: Some(id),
        reason: format!(
            "an Allow statement names the Federated principal `{}`: if this role session was assumed by a user of that identity provider, the statement may grant the request; s3-access does not know which identity provider a session comes from",
            provider
        ),
        if_not_allowed: true,
    })
}

/// The `Federated` principal a statement names (not under `NotPrincipal`), if any.
fn provider<'g>(graph: &'g Graph, s: &CompiledStatement) -> Option<&'g str> {
    let (_, written) = graph.written(s)?;
    let principal = written.principal.as_ref().filter(|p| !p.negated)?;
    principal
        .items
        .iter()
        .find(|p| p.kind == PrincipalKind::Federated)
        .map(|p| p.value.as_str())
}

/// Whether `s` is an Allow statement whose `Federated` principal may stand for `caller` (a
/// role session): the exact engine explores its conditions for such callers, so that the
/// uncertainty `decide` reports is found wherever the statement could apply.
pub(crate) fn may_name(graph: &Graph, s: &CompiledStatement, caller: &Caller) -> bool {
    s.effect == Effect::Allow
        && matches!(caller, Caller::Session { .. })
        && graph
            .documents
            .get(s.doc)
            .is_some_and(|d| matches!(d.layer, Layer::Bucket | Layer::AccessPoint))
        && provider(graph, s).is_some()
}
