//! Values not known offline (a bucket read from infrastructure as code, `iac::model`) make the
//! verdicts they touch uncertain: a path judged "not public" on a policy that holds an unknown
//! Allow statement, or "public" only because an unknown Block Public Access flag was read as
//! off, becomes `unknown`, with the expression and its place. The soundness rule of
//! docs/iac.md: an unknown never makes anything look safe, nor certainly public.

use super::bucket::{Path, PathKind, Status};
use crate::aws_docs::folder::{Part, Unsettled};
use crate::eval::graph::{Graph, Layer};
use crate::policy::Effect;

/// Applies the graph's unsettled values to the paths of its bucket.
pub fn apply(graph: &Graph, paths: &mut Vec<Path>) {
    let all = &graph.s3.unsettled;
    if all.is_empty() {
        return;
    }
    let of = |part: Part| -> Vec<&Unsettled> { all.iter().filter(|u| u.part == part).collect() };
    for p in paths.iter_mut() {
        match p.kind {
            PathKind::BucketPolicy => policy(graph, p, of(Part::Policy)),
            PathKind::BucketAcl => {
                let acl = of(Part::Acl);
                if p.status == Status::Unknown && !acl.is_empty() {
                    p.reasons.insert(0, because("the ACL", &acl));
                }
            }
            PathKind::ObjectAcl
            | PathKind::AccessPoint
            | PathKind::MultiRegionAccessPoint
            | PathKind::ObjectLambdaAccessPoint => {}
        }
        let bpa = of(Part::PublicAccessBlock);
        if p.status == Status::Public && !bpa.is_empty() {
            // An unknown flag was read as off: the path is public unless it is on.
            p.status = Status::Unknown;
            p.reasons.insert(
                0,
                format!(
                    "public unless Block Public Access blocks it, and {}",
                    list(&bpa)
                ),
            );
        }
    }
    let doubt = of(Part::AccessPoints);
    if !doubt.is_empty() {
        let mut p = Path::new(PathKind::AccessPoint, "access points", None);
        p.status = Status::Unknown;
        p.reasons
            .push(because("an access point of the bucket", &doubt));
        paths.push(p);
    }
}

fn list(us: &[&Unsettled]) -> String {
    us.iter()
        .map(|u| u.describe())
        .collect::<Vec<_>>()
        .join("; ")
}

fn because(what: &str, us: &[&Unsettled]) -> String {
    format!("{what} could be public: {}", list(us))
}

/// The bucket policy path: unknowns inside an Allow statement, or a whole policy not known,
/// leave "not public" open; a public verdict stands only if some public statement holds none.
fn policy(graph: &Graph, p: &mut Path, us: Vec<&Unsettled>) {
    if us.is_empty() || matches!(p.status, Status::Blocked | Status::Unknown) {
        return;
    }
    let docs: Vec<usize> = graph.documents_of(Layer::Bucket).map(|(i, _)| i).collect();
    // Which statements hold which unknowns; an unknown outside every statement (a whole
    // policy, a second policy) touches the policy as a whole.
    let mut loose: Vec<&Unsettled> = Vec::new();
    let mut in_allow: Vec<(usize, &Unsettled)> = Vec::new();
    for u in &us {
        let at = docs.iter().find_map(|&d| {
            let doc = graph.documents.get(d)?;
            if !doc.source.same(&u.source) {
                return None;
            }
            doc.policy
                .statements
                .iter()
                .enumerate()
                .find(|(_, s)| s.span.start <= u.span.start && u.span.end <= s.span.end)
        });
        let within = |span: Option<crate::source::Span>| {
            span.is_some_and(|x| x.start <= u.span.start && u.span.end <= x.end)
        };
        match at {
            // Deny statements never make a policy non-public, and neither actions nor
            // resources decide whether a statement is (S3 "The meaning of public").
            Some((_, s)) if s.effect.value == Effect::Deny => {}
            Some((_, s))
                if within(s.action.as_ref().map(|a| a.span))
                    || within(s.resource.as_ref().map(|r| r.span)) => {}
            Some((i, _)) => in_allow.push((i, u)),
            None => loose.push(u),
        }
    }
    let certain_public = p
        .statements
        .iter()
        .any(|s| s.verdict.public && !in_allow.iter().any(|(i, _)| *i == s.verdict.index));
    if certain_public {
        return;
    }
    let touched: Vec<&Unsettled> = loose
        .into_iter()
        .chain(in_allow.into_iter().map(|(_, u)| u))
        .collect();
    if touched.is_empty() {
        return;
    }
    if docs.is_empty() {
        // "No bucket policy" no longer holds: a policy the unit holds only as an unknown.
        p.reasons.clear();
    }
    p.status = Status::Unknown;
    p.reasons.insert(0, because("the bucket policy", &touched));
}
