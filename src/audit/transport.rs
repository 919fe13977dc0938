//! S201 insecure-transport-allowed: some request over plain HTTP (`aws:SecureTransport`
//! false) is not refused by a Deny statement of the bucket policy. (A bucket folder without
//! any bucket policy gets S201 from the settings checks, `settings/transport.rs`.)
//!
//! The question goes to [`super::coverage`]: for every request with `aws:SecureTransport =
//! false` (and so no `s3:TlsVersion`), which S3 actions on the bucket ARN and on every object
//! do the Deny statements refuse, for everyone, whatever else the request holds? Any form that
//! refuses them all passes (`Bool` or `BoolIfExists`, `"false"` or `false`, one statement or
//! several, `s3:*` or `*`, `NumericLessThanIfExists` on `s3:TlsVersion`); whatever is left is
//! named: the bucket ARN, actions, principals exempted, conditions that limit a Deny.

use super::coverage::{self, Principals, Question, Universe};
use super::{Audited, Context, head, statement};
use crate::diagnostic::{Finding, Witness, WitnessKey};
use crate::eval::graph::{Graph, Layer};
use crate::policy::Statement;
use crate::registry::Code;

/// The plain-HTTP question: `aws:SecureTransport` is false and there is no TLS version.
pub fn question() -> Question {
    Question::new(&[
        ("aws:SecureTransport", Some("false")),
        ("s3:TlsVersion", None),
    ])
}

// rule: S201
/// Runs S201 on the bucket policy of `ctx.graph`: one finding naming whatever requests over
/// plain HTTP no Deny refuses, and why each Deny that tries falls short.
pub fn check(ctx: &Context<'_>, out: &mut Vec<Audited>) {
    let graph = ctx.graph;
    let Some((_, doc)) = graph.documents_of(Layer::Bucket).next() else {
        return;
    };
    // A Deny about another bucket is no cover of this one (S401 reports it); one that fires
    // only on another key (an encryption header) says nothing about transport.
    let covers: Vec<coverage::Cover> = coverage::covers(graph, ctx.shapes, &question(), None)
        .into_iter()
        .filter(|c| c.bucket || c.some_objects)
        .filter(|c| c.limited_by.is_none() || about_transport(graph, c.statement))
        .collect();
    let gaps = coverage::gaps(&covers, coverage::all_actions());
    if gaps.is_closed() {
        return;
    }
    let bucket_arn = format!("arn:aws:s3:::{}", coverage::shown_bucket(ctx.bucket));
    let mut parts = gap_parts(&gaps, &bucket_arn);
    let mut related = Vec::new();
    for c in &covers {
        let Some((_, st, _)) = statement(graph, c.statement) else {
            continue;
        };
        if let Some(why) = why_partial(c, st) {
            parts.push(why.clone());
            related.push((head(st), why));
        } else {
            related.push((
                head(st),
                format!("{} refuses plain HTTP for part of the requests", st.label()),
            ));
        }
    }
    let described_gap = !parts.is_empty();
    if !described_gap && !covers.is_empty() && !covers.iter().any(|c| c.bucket) {
        parts.push(format!("no Deny covers the bucket ARN `{bucket_arn}`"));
    }
    if !described_gap && !covers.is_empty() && !covers.iter().any(|c| c.some_objects) {
        parts.push(format!("no Deny covers its objects `{bucket_arn}/*`"));
    }
    if let Some(label) = tls_version_trap(graph) {
        parts.push(format!(
            "{label} limits `s3:TlsVersion`, which plain-HTTP requests do not have, so without `IfExists` it does not refuse them"
        ));
    }
    let message = if covers.is_empty() && parts.is_empty() {
        "no Deny statement refuses requests made over plain HTTP (`aws:SecureTransport` false)"
            .to_string()
    } else {
        format!(
            "{}: {}",
            if covers.is_empty() {
                "no Deny statement refuses requests made over plain HTTP (`aws:SecureTransport` false)"
            } else {
                "requests over plain HTTP are only partly refused"
            },
            parts.join("; ")
        )
    };
    let span = covers
        .first()
        .and_then(|c| statement(graph, c.statement))
        .map_or(super::policy_head(&doc.policy), |(_, st, _)| head(st));
    let mut f = Finding::new(Code::InsecureTransportAllowed, span, message).with_help(format!(
        "add a statement that refuses every request over HTTP, for the bucket and its objects: \
         {{\"Sid\": \"DenyInsecureTransport\", \"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\": \"s3:*\", \
         \"Resource\": [\"{bucket_arn}\", \"{bucket_arn}/*\"], \"Condition\": {{\"Bool\": {{\"aws:SecureTransport\": \"false\"}}}}}}"
    ));
    for (span, m) in related.into_iter().skip(1) {
        f = f.with_related(span, m);
    }
    if let Some(w) = plain_http_witness(ctx, &gaps) {
        if w.principal == "anonymous" {
            f.message = format!("anyone gets in over plain HTTP (e.g. `{w}`); {}", f.message);
        }
        f = f.with_witness(w);
    }
    out.push(Audited {
        source: doc.source.clone(),
        finding: f,
    });
}

/// Whether statement `id` has a condition on a transport key (`aws:SecureTransport`,
/// `s3:TlsVersion`).
fn about_transport(graph: &Graph, id: usize) -> bool {
    statement(graph, id).is_some_and(|(_, st, _)| {
        st.conditions.iter().any(|c| {
            c.key.value.eq_ignore_ascii_case("aws:SecureTransport")
                || c.key.value.eq_ignore_ascii_case("s3:TlsVersion")
        })
    })
}

/// A request over plain HTTP that gets through, decided on the whole graph: an anonymous one
/// when some Allow lets anyone in, else one by the root user of the owner account (which needs
/// no policy in its own account; IAM "Policy evaluation logic"), with the everyday actions the
/// Deny statements leave open tried first.
fn plain_http_witness(ctx: &Context<'_>, gaps: &coverage::Gaps) -> Option<Witness> {
    use crate::eval::request::{Caller, Request};
    let u = Universe::get();
    let owner = ctx.owner.unwrap_or("111122223333");
    let root = Caller::parse(owner).ok()?;
    let bucket_arn = format!("arn:aws:s3:::{}", coverage::shown_bucket(ctx.bucket));
    let object_arn = format!("{bucket_arn}/example-object");
    let given = [("aws:SecureTransport".to_string(), "false".to_string())];
    let mut ranked: Vec<(usize, &str, &str)> = Vec::new();
    for (set, resource) in [(&gaps.objects, &object_arn), (&gaps.bucket, &bucket_arn)] {
        for i in u.everyday_first_ids(set).take(8) {
            if let Some(a) = u.names.get(i) {
                ranked.push((u.rank(i), a, resource));
            }
        }
    }
    ranked.sort_by_key(|(rank, _, _)| *rank);
    let tries: Vec<(&str, &str)> = ranked.into_iter().map(|(_, a, r)| (a, r)).collect();
    // AWS rule: anonymous callers are allowed only by a resource-side grant naming them (IAM
    // "Policy evaluation logic"; `eval::decide`'s resource side): with no Allow statement whose
    // principal matches them and no ACL or other S3 fact, no try of theirs can get through.
    let graph = ctx.graph;
    let anonymous_grant = !graph.s3.is_empty()
        || graph.statements.iter().any(|s| {
            s.effect == crate::policy::Effect::Allow
                && s.principal_grant(&Caller::Anonymous, &graph.s3).is_some()
        });
    let callers = if anonymous_grant {
        vec![Caller::Anonymous, root]
    } else {
        vec![root]
    };
    for caller in callers {
        // One request per caller, moved from try to try (its context does not depend on them).
        let mut request: Option<Request> = None;
        for (action, resource) in &tries {
            let r = match &mut request {
                Some(r) => {
                    r.set_target(action, resource);
                    r
                }
                None => request.insert(Request::new(
                    caller.clone(),
                    action,
                    resource,
                    Some(owner),
                    &given,
                    super::now(),
                )),
            };
            if crate::eval::decide(ctx.graph, r, false).decision == crate::eval::Decision::Allow {
                return Some(Witness {
                    principal: caller.to_string(),
                    action: (*action).to_string(),
                    resource: (*resource).to_string(),
                    context: vec![WitnessKey {
                        key: "aws:SecureTransport".into(),
                        values: vec!["false".into()],
                    }],
                });
            }
        }
    }
    None
}

/// What the gaps leave open over plain HTTP, in words: the few actions refused when that is
/// shorter, else which of the bucket ARN and its objects is not covered.
fn gap_parts(gaps: &coverage::Gaps, bucket_arn: &str) -> Vec<String> {
    let u = Universe::get();
    let mut parts = Vec::new();
    let all_bucket = u.on_bucket;
    let all_objects = u.on_object;
    let refused = all_bucket
        .minus(gaps.bucket)
        .or(all_objects.minus(gaps.objects));
    if !refused.is_empty() && refused.count() <= 5 {
        parts.push(format!(
            "only {} {} refused; everything else is not (e.g. {})",
            u.describe(&refused, 5),
            if refused.count() == 1 { "is" } else { "are" },
            u.describe(&gaps.bucket.or(gaps.objects), 3)
        ));
        return parts;
    }
    match (
        gaps.bucket.count() == all_bucket.count(),
        gaps.objects.count() == all_objects.count(),
    ) {
        (true, true) => {}
        (true, false) if gaps.objects.is_empty() => parts.push(format!(
            "refused for the objects but not for the bucket ARN `{bucket_arn}` (bucket actions such as {})",
            u.describe(&gaps.bucket, 3)
        )),
        (false, true) if gaps.bucket.is_empty() => parts.push(format!(
            "refused for the bucket ARN but not for its objects (`{bucket_arn}/*`: {})",
            u.describe(&gaps.objects, 3)
        )),
        _ => {
            if !gaps.bucket.is_empty() {
                parts.push(format!(
                    "not refused for {} of {} actions on the bucket ARN ({})",
                    gaps.bucket.count(),
                    all_bucket.count(),
                    u.describe(&gaps.bucket, 3)
                ));
            }
            if !gaps.objects.is_empty() {
                parts.push(format!(
                    "not refused for {} of {} actions on its objects ({})",
                    gaps.objects.count(),
                    all_objects.count(),
                    u.describe(&gaps.objects, 3)
                ));
            }
        }
    }
    parts
}

/// Why a Deny refuses plain HTTP only partly: principals exempted or singled out, a
/// condition that limits it, or only some objects. `None` when none of these says it.
fn why_partial(c: &coverage::Cover, st: &Statement) -> Option<String> {
    let listed = |names: &[String]| {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (&c.principals, &c.limited_by) {
        (Principals::AllBut(names), _) => Some(format!(
            "{} exempts {} (NotPrincipal)",
            st.label(),
            listed(names)
        )),
        (Principals::Only(names), _) => {
            Some(format!("{} refuses only {}", st.label(), listed(names)))
        }
        (_, Some(limit)) => Some(format!("{} refuses them {limit}", st.label())),
        _ if c.some_objects && !c.all_objects => Some(format!(
            "{} {} ({})",
            st.label(),
            if st.resource.as_ref().is_some_and(|r| r.negated) {
                "excludes objects with NotResource"
            } else {
                "covers only some objects"
            },
            st.resource
                .as_ref()
                .map(|r| r
                    .items
                    .iter()
                    .map(|i| format!("`{}`", i.value))
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default()
        )),
        _ => None,
    }
}

/// The label of the first bucket-policy Deny that limits `s3:TlsVersion` without
/// `IfExists`. Plain-HTTP requests have no TLS version, so such a minimum-version Deny does
/// not refuse them.
fn tls_version_trap(graph: &Graph) -> Option<String> {
    (0..graph.statements.len()).find_map(|id| {
        let (_, st, layer) = statement(graph, id)?;
        (layer == Layer::Bucket
            && st.effect.value == crate::policy::Effect::Deny
            && st.conditions.iter().any(|c| {
                c.key.value.eq_ignore_ascii_case("s3:TlsVersion") && !c.operator.value.if_exists
            }))
        .then(|| st.label())
    })
}
