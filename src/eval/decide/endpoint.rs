//! The VPC endpoint gate: a request that comes through an endpoint whose policy is given must
//! be allowed by that policy, whoever makes it (PrivateLink "Control access to VPC endpoints
//! using endpoint policies"); a Deny there is an explicit deny like any other, found by the
//! sweep. The policy never grants: its Allow only lets the other layers' grant through.

use super::Evaluation;
use super::response::LayerReport;
use crate::eval::graph::{GrantKind, Graph, Layer};
use crate::eval::request::Request;
use crate::eval::vpce;

/// Whether the endpoint policy document `doc` takes part in `request`: the request comes
/// through its endpoint.
pub(super) fn takes_part(graph: &Graph, doc: usize, request: &Request) -> bool {
    graph
        .documents
        .get(doc)
        .and_then(|d| graph.vpc_endpoints.get(d.level))
        .is_some_and(|e| e.gates(request))
}

/// Whether the endpoint layer applies to `request`, and why not when it does not.
pub(super) fn applicability(graph: &Graph, request: &Request) -> Result<(), &'static str> {
    if vpce::request_endpoint(request).is_none() {
        Err("the request does not come through a VPC endpoint (no aws:SourceVpce)")
    } else if vpce::gating(graph, request).is_empty() {
        Err("the request comes through a VPC endpoint whose policy was not given")
    } else {
        Ok(())
    }
}

/// The layer table's line for the first endpoint the request comes through whose policy has
/// no matching Allow (for a request through an access point: for the access point and for
/// the bucket both); `None` when every such policy allows (or none applies).
// AWS rule: the endpoint policy "control[s] which AWS principals can use the endpoint to
// access an AWS service"; a request it does not allow is denied (PrivateLink "Control access
// to VPC endpoints using endpoint policies"; reference §1.3 step 4). Through an access point
// it must grant "both the access point and the underlying bucket" (S3 "Creating access
// points restricted to a virtual private cloud").
pub(super) fn without_allow(ev: &Evaluation<'_>) -> Option<LayerReport> {
    if !ev.matches.is_applicable(Layer::VpcEndpoint) {
        return None;
    }
    let request = ev.route.view(Layer::VpcEndpoint);
    let level_of = |id: usize| {
        ev.graph
            .statements
            .get(id)
            .and_then(|s| ev.graph.documents.get(s.doc))
            .map(|d| d.level)
    };
    let main = allowing_in(ev, false);
    let bucket = allowing_in(ev, true);
    let through_access_point = ev.route.access_point.is_some();
    let lacks = |allows: &[usize], i: usize| !allows.iter().any(|id| level_of(*id) == Some(i));
    vpce::gating(ev.graph, request)
        .into_iter()
        .find_map(|i| {
            let what = if lacks(&main, i) {
                "allows the request"
            } else if through_access_point && lacks(&bucket, i) {
                "allows it on the bucket (a request through an access point needs an Allow for the access point and one for the bucket)"
            } else {
                return None;
            };
            Some((i, what))
        })
        .map(|(i, what)| LayerReport {
            layer: Layer::VpcEndpoint.into(),
            level: None,
            verdict: format!(
                "denies: no statement of the policy of {} {what}, and a request through the endpoint needs one",
                ev.graph
                    .vpc_endpoints
                    .get(i)
                    .map_or_else(|| "the endpoint".to_string(), vpce::Endpoint::describe)
            ),
        })
}

/// The endpoint Allow statements that let the request through (in either view). An account
/// principal there names the account's root user only: it does not delegate to the
/// account's identities.
pub(super) fn allowing(ev: &Evaluation<'_>) -> Vec<usize> {
    let mut ids = allowing_in(ev, false);
    ids.extend(allowing_in(ev, true));
    ids
}

/// The endpoint Allow statements that matched one view of the request.
// AWS rule: in an endpoint policy, with "AWS": "account_id" "access is granted to the AWS
// account root user only, and not all users and roles for the account" (PrivateLink "Control
// access to VPC endpoints using endpoint policies", principals for gateway endpoints).
fn allowing_in(ev: &Evaluation<'_>, bucket_view: bool) -> Vec<usize> {
    ev.matches
        .allows_in(Layer::VpcEndpoint, bucket_view)
        .into_iter()
        .filter(|(_, kind)| *kind != GrantKind::Account)
        .map(|(id, _)| id)
        .collect()
}
