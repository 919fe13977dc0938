//! What `query` checks in the question before answering it: the action is one AWS has; each
//! context key is one AWS sets, for this action; the action applies to the resource's type.
//! After the answer: keys every real request carries that were left out but would change
//! it, and layers that were not given but could decide.

use super::QueryError;
use crate::catalog::{self, Action, Service};
use crate::eval::context::Origin;
use crate::eval::{self, Caller, Decision, Graph, Layer, Request, Response};

/// The action of the question in the catalogue; an error with the closest known name when
/// AWS has no such action (a request names exactly one action, without wildcards).
pub(super) fn action(action: &str) -> Result<(&'static Service, &'static Action), QueryError> {
    let unknown = |why: String| QueryError::Action(why);
    let Some((svc, name)) = action.split_once(':') else {
        return Err(unknown(format!(
            "`{action}` is not of the form service:Action (e.g. s3:GetObject)"
        )));
    };
    if action.contains(['*', '?']) {
        return Err(unknown(format!(
            "`{action}` has a wildcard; a request is for exactly one action"
        )));
    }
    let Some(service) = catalog::service(svc) else {
        let prefixes = catalog::services().iter().map(|s| s.prefix());
        return Err(unknown(match crate::suggest::closest(svc, prefixes) {
            Some(p) => format!("`{svc}` is not a service prefix AWS has; did you mean `{p}`?"),
            None => format!(
                "`{svc}` is not a service prefix AWS has (the catalogue is {})",
                catalog::data_version()
            ),
        }));
    };
    match service.action(name) {
        Some(a) => Ok((service, a)),
        None => {
            let names = service.actions().iter().map(Action::name);
            Err(unknown(match crate::suggest::closest(name, names) {
                Some(n) => format!(
                    "`{svc}` has no action `{name}`; did you mean `{}:{n}`?",
                    service.prefix()
                ),
                None => format!(
                    "`{svc}` has no action `{name}` (the catalogue is {})",
                    catalog::data_version()
                ),
            }))
        }
    }
}

/// Why a `--context` key will not take part in the decision as the user expects, if so: a key
/// AWS does not have (with the closest one), or one that requests for this action never
/// carry.
pub(super) fn context_key(key: &str, service: &Service, action: &Action) -> Option<String> {
    let Some(info) = catalog::condition_key(key) else {
        if catalog::is_tag_style_key(key) {
            return None;
        }
        let candidates = catalog::global_keys()
            .iter()
            .map(|k| k.name())
            .chain(service.condition_keys().iter().copied());
        return Some(match crate::suggest::closest(key, candidates) {
            Some(k) => format!(
                "not a condition key AWS has (did you mean `{k}`?); the request is judged as if it were not given"
            ),
            None => "not a condition key AWS has; the request is judged as if it were not given"
                .to_string(),
        });
    };
    let global = catalog::global_keys()
        .iter()
        .any(|g| g.name().eq_ignore_ascii_case(info.name()));
    if global {
        return None;
    }
    let label = format!("{}:{}", service.prefix(), action.name());
    // AWS rule: a service sets only the keys its "Condition keys" table lists, and per action
    // only those of that action's row (Service Authorization Reference).
    let applies = if service.has_details() {
        service.action_supports_key(action, info.name())
    } else {
        service.has_condition_key(info.name())
    };
    (!applies).then(|| {
        format!(
            "requests for `{label}` never carry `{}`, so a real request would not have it",
            info.name()
        )
    })
}

/// Why the action does not apply to the resource, if it does not: an S3 action on an ARN of a
/// type it does not take (`s3:GetObject` on a bucket ARN grants nothing in AWS).
pub(super) fn resource_type(
    service: &'static Service,
    action: &Action,
    resource: &str,
) -> Option<String> {
    if !service.has_details() || crate::arn::parse(resource).is_err() {
        return None;
    }
    if crate::validate::action_accepts_resource(service, action, resource) {
        return None;
    }
    let types: Vec<&str> = action.resource_types().iter().map(|t| t.name()).collect();
    let expected = if types.is_empty() {
        "\"*\" (it takes no resource)".to_string()
    } else {
        format!("a resource of type {}", types.join(" or "))
    };
    Some(format!(
        "`{}:{}` does not apply to `{resource}`: it needs {expected}; AWS would not authorize such a request",
        service.prefix(),
        action.name()
    ))
}

/// Sets `aws:RequestedRegion` to the bucket's region when the question gives none: every
/// real request carries the region it is sent to, and a request to a bucket goes to its
/// region (docs/semantics.md, "Request defaults").
pub(super) fn default_region(request: &mut Request, region: Option<&str>) {
    if let Some(region) = region
        && request.context.get("aws:RequestedRegion").is_none()
    {
        request.context.set(
            "aws:RequestedRegion",
            vec![region.to_string()],
            Origin::Default,
        );
    }
}

/// Keys every real request carries that the question left out, and that would change the
/// answer: each region a policy names is tried as the request's region, and the first that
/// decides otherwise is named.
pub(super) fn missing_region(
    graph: &Graph,
    request: &Request,
    decision: Decision,
) -> Option<String> {
    const KEY: &str = "aws:RequestedRegion";
    if request.context.get(KEY).is_some() {
        return None;
    }
    let mut regions: Vec<&str> = Vec::new();
    for d in &graph.documents {
        for c in d.policy.statements.iter().flat_map(|s| &s.conditions) {
            if c.key.value.eq_ignore_ascii_case(KEY) {
                regions.extend(
                    c.values
                        .iter()
                        .map(|v| v.text.as_str())
                        .filter(|v| !v.contains(['*', '?', '$'])),
                );
            }
        }
    }
    regions.sort_unstable();
    regions.dedup();
    regions.into_iter().take(16).find_map(|region| {
        let mut tried = request.clone();
        tried.context.set(KEY, vec![region.to_string()], Origin::Given);
        let other = eval::decide(graph, &tried, false).decision;
        (other != decision).then(|| {
            format!(
                "`{KEY}` is absent from this request, yet every real request has one and the policies test it: with `{KEY}={region}` the decision would be {}; give the bucket's region with --context {KEY}=REGION, or a bucket folder that records it",
                other.as_str()
            )
        })
    })
}

/// A layer that was not given but could change the answer: the identity-based policies of a
/// caller from another account than the resource's (a cross-account request needs an Allow
/// on both sides).
// AWS rule: IAM "Cross-account policy evaluation logic": the caller's account must allow too.
pub(super) fn missing_identity(
    graph: &Graph,
    request: &Request,
    response: &Response,
) -> Option<String> {
    if response.decision == Decision::ExplicitDeny
        || graph.documents_of(Layer::Identity).next().is_some()
    {
        return None;
    }
    let account = match &request.caller {
        Caller::Anonymous | Caller::Service { .. } => return None,
        other => other.account()?,
    };
    if request.resource_account.is_empty() || account == request.resource_account {
        return None;
    }
    Some(format!(
        "the caller is in account {account}, not the resource owner's ({}): a cross-account request also needs an Allow in the caller's identity-based policies, which were not given (--identity-policy), so none was assumed",
        request.resource_account
    ))
}
