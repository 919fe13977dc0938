//! Multi-Region Access Points in `public`: each one given is judged as an access point path
//! (its policy by S3's definition of public, after its own Block Public Access and the
//! bucket's and account's). When none were given, this decides whether that is a doubt.

use super::bucket::{Path, PathKind, Status};
use crate::eval::bucket::Known;
use crate::eval::graph::{Graph, Layer};
use crate::eval::s3_facts::AccessPointFacts;
use crate::policy::Effect;

/// The condition keys whose value differs between a request to the bucket and one through an
/// access point (S3 "Configuring IAM policies for using access points", delegation).
const ACCESS_POINT_KEYS: [&str; 3] = [
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
    "s3:accesspointnetworkorigin",
];

/// The unknown path for Multi-Region Access Points that were not given, when one could open
/// the bucket: a request through one must also be allowed by the bucket policy (S3
/// "Permissions" for Multi-Region Access Points), so only a bucket policy that lets in requests
/// through access points (an Allow conditioned on their keys) can be opened by one the
/// statements alone do not show.
pub fn unknown_path(graph: &Graph, known: &Known) -> Option<Path> {
    if known.multi_region || known.policy_only {
        return None;
    }
    let delegates = graph.statements.iter().any(|s| {
        s.effect == Effect::Allow
            && graph
                .documents
                .get(s.doc)
                .is_some_and(|d| d.layer == Layer::Bucket)
            && s.conditions
                .iter()
                .any(|c| ACCESS_POINT_KEYS.contains(&c.key.to_ascii_lowercase().as_str()))
    });
    if !delegates {
        return None;
    }
    let mut p = Path::new(
        PathKind::MultiRegionAccessPoint,
        "Multi-Region Access Points",
        None,
    );
    p.status = Status::Unknown;
    p.reasons.push(
        "the bucket policy lets in requests through access points, and the Multi-Region Access Points routing to the bucket were not given (no `multi-region-access-points/` folder); one with a public policy could open it".into(),
    );
    Some(p)
}

/// A policy change still being applied leaves a verdict short of public open: the proposed
/// policy may open what the established one does not.
pub fn pending(ap: &AccessPointFacts, path: &mut Path) {
    let Some(place) = &ap.pending else { return };
    let at = place.source.line_col(place.span.start);
    let why = format!(
        "a proposed policy ({}:{}:{}) differs from the established one and replaces it once S3 has applied it",
        place.source.name(),
        at.line,
        at.column
    );
    if path.status == Status::Public {
        path.reasons.push(why);
    } else {
        path.status = Status::Unknown;
        path.reasons.insert(0, why);
    }
}
