//! S401 deny-never-matches: a Deny statement that no request can match, so the access it
//! means to refuse goes through silently. Asked of the evaluator: the statement's action
//! patterns against every action of the catalogue; each condition on a key AWS never sets,
//! evaluated with the key absent (as every request has it); its resources against the bucket
//! and its objects.

use super::{Audited, Context, head, statement};
use crate::catalog;
use crate::diagnostic::Finding;
use crate::eval::condition::{self, Verdict};
use crate::eval::context::Context as RequestContext;
use crate::eval::graph::Layer;
use crate::policy::{BaseOperator, Effect};
use crate::registry::Code;
use crate::wildcard::{self, Case};

/// Whether any action of the catalogue matches `pattern` (`service:name`, wildcards allowed).
fn action_exists(pattern: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let Some((svc, name)) = pattern.split_once(':') else {
        return false;
    };
    let Some(service) = catalog::service(&svc.to_ascii_lowercase()) else {
        return false;
    };
    if !name.contains(['*', '?']) {
        return service.action(name).is_some();
    }
    let p = wildcard::Pattern::new(&name.to_ascii_lowercase());
    service
        .actions()
        .iter()
        .any(|a| p.is_match(&a.name().to_ascii_lowercase(), Case::Sensitive))
}

// rule: S401
/// Runs S401 on every Deny statement of the graph.
pub fn check(ctx: &Context<'_>, out: &mut Vec<Audited>) {
    let graph = ctx.graph;
    let empty = RequestContext::default();
    for id in 0..graph.statements.len() {
        let Some((source, st, layer)) = statement(graph, id) else {
            continue;
        };
        if st.effect.value != Effect::Deny {
            continue;
        }
        let Some(compiled) = graph.statements.get(id) else {
            continue;
        };
        let mut reasons = Vec::new();
        if let Some(a) = st.action.as_ref().filter(|a| !a.negated)
            && !a.items.iter().any(|i| action_exists(&i.value))
        {
            reasons.push(format!(
                "its actions ({}) match no AWS action",
                a.items
                    .iter()
                    .map(|i| format!("`{}`", i.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        for (c, source_c) in compiled.conditions.iter().zip(&st.conditions) {
            if c.base == BaseOperator::Unknown {
                reasons.push(format!(
                    "`{}` is not a condition operator, so the condition is never true (and AWS rejects the policy)",
                    source_c.operator.value.text
                ));
                continue;
            }
            // A key AWS never sets is absent from every request.
            if catalog::condition_key(&c.key).is_none()
                && condition::evaluate(c, &empty) == Verdict::False
            {
                let hint = crate::suggest::closest(
                    &c.key,
                    catalog::global_keys().iter().map(|k| k.name()),
                )
                .map(|k| format!(" (did you mean `{k}`?)"))
                .unwrap_or_default();
                reasons.push(format!(
                    "`{}` is not a key AWS sets{hint}, so `{}` on it is never true",
                    source_c.key.value, source_c.operator.value.text
                ));
            }
        }
        if layer == Layer::Bucket && ctx.bucket != super::coverage::PLACEHOLDER_BUCKET {
            let bucket_arn = format!("arn:aws:s3:::{}", ctx.bucket);
            let object = format!("{bucket_arn}/s3-access-witness");
            if let Some((negated, items)) = &compiled.resources {
                let texts = st
                    .resource
                    .as_ref()
                    .map(|r| r.items.as_slice())
                    .unwrap_or(&[]);
                let objects = wildcard::Pattern::new(&format!("{bucket_arn}/*"));
                let touches = items.iter().zip(texts).any(|(m, t)| match m {
                    crate::eval::graph::ResourceMatcher::Fixed(p) => {
                        p.is_match(&bucket_arn)
                            || p.is_match(&object)
                            || wildcard::intersects(
                                &wildcard::Pattern::new(&t.value),
                                &objects,
                                Case::Sensitive,
                            )
                    }
                    crate::eval::graph::ResourceMatcher::Variable(_) => true,
                });
                if !*negated && !touches {
                    reasons.push(format!(
                        "its resources are not in bucket `{}`, the bucket this policy is for",
                        ctx.bucket
                    ));
                }
            }
        }
        if reasons.is_empty() {
            continue;
        }
        out.push(Audited {
            source: source.clone(),
            finding: Finding::new(
                Code::DenyNeverMatches,
                head(st),
                format!(
                    "{} can never match: {}; what it means to refuse is not refused",
                    st.label(),
                    reasons.join("; ")
                ),
            )
            .with_help("fix the misspelt action, key, operator or bucket name; s3-access checks each against the AWS catalogue"),
        });
    }
}
