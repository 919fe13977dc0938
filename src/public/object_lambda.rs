//! S3 Object Lambda access points in `public`: one is a public path when its policy is public
//! by S3's definition, its own Block Public Access does not restrict it, and its supporting
//! access point is a public path too (the request through the supporting access point is
//! made with the caller's credentials, so a stranger must pass that access point's policy;
//! S3 "Configuring IAM policies for Object Lambda access points"). The Lambda function's own
//! policy is not read: it is never taken to close the path.

use super::bucket::{BlockedBy, FIXED_ONLY, Path, PathKind, Status, statements_out};
use crate::eval::graph::{Graph, Layer};
use crate::eval::object_lambda::ObjectLambdaFacts;
use crate::eval::s3_facts::BpaFlag;

/// The path of every Object Lambda access point of the bucket, judged after the access point
/// paths in `so_far`.
pub fn paths(graph: &Graph, so_far: &[Path]) -> Vec<Path> {
    graph
        .s3
        .object_lambda
        .iter()
        .map(|o| path(graph, o, so_far))
        .collect()
}

/// One Object Lambda access point's path.
fn path(graph: &Graph, olap: &ObjectLambdaFacts, so_far: &[Path]) -> Path {
    let file = olap.policy.first().map(|(s, _)| s.name().to_string());
    let mut path = Path::new(PathKind::ObjectLambdaAccessPoint, olap.label(), file);
    if !olap.policy_known {
        path.status = Status::Unknown;
        path.reasons.push(
            "its policy was not given (no `policy.json`): it could grant public access".into(),
        );
        return path;
    }
    if olap.policy.is_empty() {
        path.reasons.push(
            "no Object Lambda access point policy: it grants nothing to other accounts".into(),
        );
        return path;
    }
    let leg = olap.leg_graph(&Graph::new());
    let docs: Vec<usize> = leg.documents_of(Layer::Bucket).map(|(i, _)| i).collect();
    path.statements = docs
        .iter()
        .flat_map(|&doc| {
            let publicity = super::document_publicity(&leg, doc);
            statements_out(&leg, doc, &publicity.statements)
        })
        .collect();
    let public: Vec<String> = path
        .statements
        .iter()
        .filter(|s| s.verdict.public)
        .map(|s| match &s.sid {
            Some(sid) if !sid.is_empty() => format!("Sid `{sid}` ({})", s.at),
            _ => format!("statement #{} ({})", s.verdict.index + 1, s.at),
        })
        .collect();
    if public.is_empty() {
        path.reasons.push(FIXED_ONLY.into());
        return path;
    }
    path.reasons.push(format!(
        "its policy is public: {} lets anyone call it",
        public.join("; ")
    ));
    // AWS rule: RestrictPublicBuckets "restricts access to an access point or bucket with a
    // public policy to only AWS service principals and authorized users within the bucket
    // owner's account and access point owner's account" (S3 "Blocking public access"); an
    // Object Lambda access point's own setting "is turned on and can not be edited" (S3 API
    // GetAccessPointForObjectLambda).
    match &olap.bpa {
        Some(s) if BpaFlag::RestrictPublicBuckets.of(&s.flags) => {
            let b = BlockedBy::from(BpaFlag::RestrictPublicBuckets, s);
            path.status = Status::Blocked;
            path.reasons.push(format!(
                "{b} limits its grants to AWS service principals and principals of the Object Lambda access point's account"
            ));
            path.blocked_by = Some(b);
            return path;
        }
        Some(_) => {}
        None => {
            path.status = Status::Unknown;
            path.reasons.push(
                "its own Block Public Access settings were not given (no `object-lambda-access-point.json`; S3 turns them on at creation)".into(),
            );
            return path;
        }
    }
    supporting(graph, olap, so_far, &mut path);
    path
}

/// Sets the status of a public Object Lambda access point path from its supporting access
/// point's path.
fn supporting(graph: &Graph, olap: &ObjectLambdaFacts, so_far: &[Path], path: &mut Path) {
    let label = graph
        .s3
        .access_point_of(&olap.supporting)
        .and_then(|(i, _)| graph.s3.access_points.get(i))
        .map(|a| a.label());
    let through = label.as_ref().and_then(|l| {
        so_far
            .iter()
            .find(|p| p.kind == PathKind::AccessPoint && p.name == *l)
    });
    match through.map(|p| (p.status, p)) {
        None => {
            path.status = Status::Unknown;
            path.reasons.push(format!(
                "its supporting access point {} was not given: whether a stranger gets through it is not known",
                olap.supporting
            ));
        }
        Some((Status::Public, _)) => {
            path.status = Status::Public;
            path.reasons.push(format!(
                "its supporting access point {} is public too; requests through it must also be allowed by the bucket policy",
                olap.supporting
            ));
        }
        Some((Status::Unknown, _)) => {
            path.status = Status::Unknown;
            path.reasons.push(format!(
                "whether its supporting access point {} is public is not known",
                olap.supporting
            ));
        }
        Some((status, p)) => {
            path.status = status;
            path.blocked_by = p.blocked_by.clone();
            path.reasons.push(format!(
                "but its supporting access point {} is not open to strangers: S3 Object Lambda reaches it with the caller's credentials",
                olap.supporting
            ));
        }
    }
}
