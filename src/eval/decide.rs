//! The decision flow (IAM "Policy evaluation logic" and "Cross-account policy evaluation
//! logic" pages): explicit deny anywhere wins; every SCP and RCP level must allow; then the
//! same-account union or the cross-account intersection of identity and resource grants, with
//! permissions boundaries and session policies as caps.

use crate::eval::condition::{self, Verdict};
use crate::eval::graph::{CompiledStatement, GrantKind, Graph, Layer, Mismatch};
use crate::eval::request::{Caller, Request};
use crate::policy::Effect;
use serde::Serialize;

/// The three outcomes of IAM evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Decision {
    /// Some layer allows and nothing denies.
    Allow,
    /// A Deny statement matched.
    ExplicitDeny,
    /// Nothing allowed (or a guardrail had no matching Allow).
    ImplicitDeny,
}

impl Decision {
    /// `Allow`, `ExplicitDeny` or `ImplicitDeny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "Allow",
            Decision::ExplicitDeny => "ExplicitDeny",
            Decision::ImplicitDeny => "ImplicitDeny",
        }
    }

    /// Parses the names above (case-insensitive, `-`/`_` ignored).
    pub fn parse(s: &str) -> Option<Decision> {
        let norm: String = s
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        match norm.as_str() {
            "allow" | "allowed" => Some(Decision::Allow),
            "explicitdeny" | "denied" | "deny" => Some(Decision::ExplicitDeny),
            "implicitdeny" => Some(Decision::ImplicitDeny),
            _ => None,
        }
    }
}

/// How one statement fared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Outcome {
    /// Every element matched.
    Matched,
    /// An element did not match.
    NotMatched {
        /// The first element that failed.
        mismatch: Mismatch,
    },
    /// The layer does not apply to this request.
    NotApplicable,
}

/// One step of the trace.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// Statement id in the graph.
    #[serde(skip)]
    pub statement: usize,
    /// Its layer.
    pub layer: Layer,
    /// What happened.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What a layer contributed.
#[derive(Debug, Clone, Serialize)]
pub struct LayerReport {
    /// The layer.
    pub layer: Layer,
    /// Organisation level, for SCPs and RCPs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<usize>,
    /// A one-line verdict for the layer.
    pub verdict: String,
}

/// The answer to one request.
#[derive(Debug, Clone)]
pub struct Response {
    /// The decision.
    pub decision: Decision,
    /// The statements that determined it (Deny statements that won, or the Allows that granted).
    pub determining: Vec<usize>,
    /// What each layer contributed.
    pub layers: Vec<LayerReport>,
    /// Every statement's outcome (only when a trace was asked for).
    pub trace: Vec<Step>,
    /// Why the answer might be wrong, with the place (never silently "denied").
    pub uncertain: Vec<Uncertainty>,
    /// Assumptions made (e.g. a resource owner that was not given).
    pub notes: Vec<String>,
}

/// Something the evaluator could not model exactly.
#[derive(Debug, Clone, Serialize)]
pub struct Uncertainty {
    /// Statement id.
    #[serde(skip)]
    pub statement: usize,
    /// Why.
    pub reason: String,
}

/// Evaluates one statement fully: principal, action, resource, conditions.
/// `bypass_not_principal` treats a `NotPrincipal` exclusion as a match (the boundary rule).
pub fn match_statement(
    s: &CompiledStatement,
    request: &Request,
    bypass_not_principal: bool,
) -> (Result<GrantKind, Mismatch>, bool) {
    let grant = match s.principal_grant(&request.caller) {
        Some(g) => g,
        None if bypass_not_principal && s.principal.as_ref().is_some_and(|p| p.0) => {
            GrantKind::Direct
        }
        None => return (Err(Mismatch::Principal), false),
    };
    if !s.matches_action(request) {
        return (Err(Mismatch::Action), false);
    }
    if !s.matches_resource(request) {
        return (Err(Mismatch::Resource), false);
    }
    for (index, c) in s.conditions.iter().enumerate() {
        match condition::evaluate(c, &request.context) {
            Verdict::True => {}
            Verdict::False => return (Err(Mismatch::Condition { index }), false),
            Verdict::Unknown => return (Err(Mismatch::Unknown { index }), true),
        }
    }
    (Ok(grant), false)
}

/// Which layers apply to the request, and why not when they do not.
fn applicability(graph: &Graph, layer: Layer, request: &Request) -> Result<(), &'static str> {
    let caller = &request.caller;
    match layer {
        Layer::Identity | Layer::PermissionsBoundary => {
            if caller.has_identity_policies() {
                Ok(())
            } else {
                Err("identity-side policies do not apply to this caller")
            }
        }
        Layer::Session => {
            if caller.has_session() {
                Ok(())
            } else {
                Err("only role sessions and federated users have session policies")
            }
        }
        // AWS rule: SCPs restrict principals of member accounts only: not anonymous callers,
        // AWS service principals or service-linked roles (Organizations SCP page).
        Layer::Scp => match caller {
            Caller::Anonymous | Caller::Service { .. } => Err("SCPs do not apply to this caller"),
            c if c.is_service_linked_role() => Err("SCPs do not restrict service-linked roles"),
            _ => Ok(()),
        },
        // AWS rule: RCPs apply to requests for the member account's resources, whoever calls,
        // except service-linked roles (Organizations RCP page).
        Layer::Rcp => {
            if caller.is_service_linked_role() {
                Err("RCPs do not restrict service-linked roles")
            } else if !request
                .action_lower
                .split_once(':')
                .is_some_and(|(svc, _)| crate::catalog::rcp_supported(svc))
            {
                Err("the service does not support RCPs")
            } else {
                Ok(())
            }
        }
        Layer::Bucket => {
            if graph.has_layer(Layer::Bucket) {
                Ok(())
            } else {
                Err("no bucket policy")
            }
        }
    }
}

/// Decides `request`. With `explain`, every statement of every layer is evaluated and
/// recorded in the trace; without, only the statements the index selects.
pub fn decide(graph: &Graph, request: &Request, explain: bool) -> Response {
    let mut r = Response {
        decision: Decision::ImplicitDeny,
        determining: Vec::new(),
        layers: Vec::new(),
        trace: Vec::new(),
        uncertain: Vec::new(),
        notes: Vec::new(),
    };
    if explain && !request.resource_account_given {
        r.notes.push(format!(
            "the resource owner was not given; assumed to be the caller's account ({})",
            if request.resource_account.is_empty() {
                "none"
            } else {
                &request.resource_account
            }
        ));
    }
    // Matches per layer: (statement id, effect, grant kind).
    let mut matched: Vec<(usize, Layer, Effect, GrantKind)> = Vec::new();
    let mut applicable = [false; 6];
    for (li, layer) in Layer::ALL.iter().enumerate() {
        if !graph.has_layer(*layer) {
            continue;
        }
        let app = applicability(graph, *layer, request);
        // Without a trace, only the action index's candidates (a statement may be listed
        // twice; the determining list is deduplicated at the end). No allocation on that path.
        let all = if explain {
            graph.all_of(*layer)
        } else {
            Vec::new()
        };
        let fast = (!explain).then(|| graph.candidates(*layer, request));
        let ids = all.iter().copied().chain(fast.into_iter().flatten());
        if let Err(why) = app {
            if explain && !all.is_empty() {
                r.layers.push(LayerReport {
                    layer: *layer,
                    level: None,
                    verdict: format!("not applicable: {why}"),
                });
                for id in all.iter().copied() {
                    r.trace.push(Step {
                        statement: id,
                        layer: *layer,
                        outcome: Outcome::NotApplicable,
                    });
                }
            }
            continue;
        }
        if let Some(slot) = applicable.get_mut(li) {
            *slot = true;
        }
        for id in ids {
            let Some(s) = graph.statements.get(id) else {
                continue;
            };
            // AWS rule: with a permissions boundary attached, a resource-policy Deny with
            // NotPrincipal always applies (IAM "NotPrincipal" page).
            let bypass = *layer == Layer::Bucket
                && s.effect == Effect::Deny
                && graph.has_layer(Layer::PermissionsBoundary)
                && request.caller.has_identity_policies();
            let (result, unknown) = match_statement(s, request, bypass);
            if unknown && s.effect == Effect::Deny {
                r.uncertain.push(Uncertainty {
                    statement: id,
                    reason: "a Deny statement has a condition operator s3-access does not know; it is treated as not matching, so access it should block may be reported as allowed".into(),
                });
            }
            match result {
                Ok(grant) => {
                    matched.push((id, *layer, s.effect, grant));
                    if explain {
                        r.trace.push(Step {
                            statement: id,
                            layer: *layer,
                            outcome: Outcome::Matched,
                        });
                    }
                }
                Err(mismatch) => {
                    if explain {
                        r.trace.push(Step {
                            statement: id,
                            layer: *layer,
                            outcome: Outcome::NotMatched { mismatch },
                        });
                    }
                }
            }
        }
    }
    let is_applicable = |layer: Layer| {
        Layer::ALL
            .iter()
            .position(|l| *l == layer)
            .and_then(|i| applicable.get(i))
            .copied()
            .unwrap_or(false)
    };

    // 1. Explicit deny anywhere wins.
    let owner_root_policy_exemption = matches!(&request.caller, Caller::Root { account, .. } if *account == request.resource_account)
        && [
            "s3:getbucketpolicy",
            "s3:putbucketpolicy",
            "s3:deletebucketpolicy",
        ]
        .contains(&request.action_lower.as_str());
    let denies: Vec<usize> = matched
        .iter()
        // AWS rule: the bucket owner's root user can always read, change and delete the bucket
        // policy despite its Deny statements (S3 PutBucketPolicy API page).
        .filter(|(_, layer, effect, _)| {
            *effect == Effect::Deny && !(owner_root_policy_exemption && *layer == Layer::Bucket)
        })
        .map(|(id, ..)| *id)
        .collect();
    if !denies.is_empty() {
        r.decision = Decision::ExplicitDeny;
        r.determining = denies;
        summarise(graph, &mut r, &matched, request, explain);
        return r;
    }
    let allows = |layer: Layer| -> Vec<(usize, GrantKind)> {
        matched
            .iter()
            .filter(|(_, l, e, _)| *l == layer && *e == Effect::Allow)
            .map(|(id, _, _, g)| (*id, *g))
            .collect()
    };

    // 2. Organisation guardrails: every level must allow.
    for layer in [Layer::Scp, Layer::Rcp] {
        if !is_applicable(layer) {
            continue;
        }
        let levels = graph.levels(layer);
        let granted = allows(layer);
        for level in 0..levels {
            let at_level = granted.iter().any(|(id, _)| {
                graph
                    .statements
                    .get(*id)
                    .and_then(|s| graph.documents.get(s.doc))
                    .is_some_and(|d| d.level == level)
            });
            if !at_level {
                r.decision = Decision::ImplicitDeny;
                if explain {
                    r.layers.push(LayerReport {
                        layer,
                        level: Some(level),
                        verdict: format!(
                            "no {} at organisation level {} allows the request",
                            layer.as_str(),
                            level + 1
                        ),
                    });
                }
                summarise(graph, &mut r, &matched, request, explain);
                return r;
            }
        }
    }

    // 3. Grants.
    let identity = allows(Layer::Identity);
    let boundary_ok = !is_applicable(Layer::PermissionsBoundary)
        || !graph.has_layer(Layer::PermissionsBoundary)
        || !allows(Layer::PermissionsBoundary).is_empty();
    // AWS rule: a federated user (GetFederationToken) without a session policy gets no
    // permissions from its user's identity policies (IAM "Permissions for GetFederationToken").
    let federated_without_policy =
        matches!(request.caller, Caller::FederatedUser { .. }) && !graph.has_layer(Layer::Session);
    let session_ok = !federated_without_policy
        && (!is_applicable(Layer::Session)
            || !graph.has_layer(Layer::Session)
            || !allows(Layer::Session).is_empty());
    let resource = allows(Layer::Bucket);
    let best = |kind: GrantKind| {
        resource
            .iter()
            .filter(|(_, g)| *g == kind)
            .map(|(id, _)| *id)
            .collect::<Vec<_>>()
    };
    let direct = best(GrantKind::Direct);
    let role = best(GrantKind::Role);
    let account = best(GrantKind::Account);
    let identity_ok = !identity.is_empty() && boundary_ok && session_ok;
    let caps: Vec<usize> = allows(Layer::PermissionsBoundary)
        .into_iter()
        .chain(allows(Layer::Session))
        .map(|(id, _)| id)
        .collect();
    let ids = |v: &[(usize, GrantKind)]| v.iter().map(|(id, _)| *id).collect::<Vec<_>>();

    let (allowed, determining): (bool, Vec<usize>) = match &request.caller {
        // Anonymous callers and service principals are allowed only by a resource policy naming them.
        Caller::Anonymous | Caller::Service { .. } => (!direct.is_empty(), direct.clone()),
        // AWS rule: the root user needs no identity policy in its own account.
        Caller::Root { .. } if request.same_account() => (true, direct.clone()),
        Caller::Root { .. } => (!resource.is_empty(), ids(&resource)),
        _ if request.same_account() => {
            // AWS rule (same account): identity OR resource policy; a role-ARN grant is still
            // capped by boundary and session policy; an account grant delegates to identity.
            if !direct.is_empty() {
                (true, direct.clone())
            } else if identity_ok {
                let mut d = ids(&identity);
                d.extend(caps.iter().copied());
                d.extend(account.iter().copied());
                (true, d)
            } else if !role.is_empty() && boundary_ok && session_ok {
                let mut d = role.clone();
                d.extend(caps.iter().copied());
                (true, d)
            } else {
                (false, Vec::new())
            }
        }
        _ => {
            // AWS rule (cross account): the resource policy must name the caller (in any form)
            // AND the caller's own account must allow.
            if !resource.is_empty() && identity_ok {
                let mut d = ids(&resource);
                d.extend(ids(&identity));
                d.extend(caps.iter().copied());
                (true, d)
            } else {
                (false, Vec::new())
            }
        }
    };
    if allowed {
        r.decision = Decision::Allow;
        let mut d = determining;
        d.sort_unstable();
        d.dedup();
        r.determining = d;
    }
    summarise(graph, &mut r, &matched, request, explain);
    r
}

/// Deduplicates the determining statements and, with `explain`, fills in the per-layer verdicts.
fn summarise(
    graph: &Graph,
    r: &mut Response,
    matched: &[(usize, Layer, Effect, GrantKind)],
    request: &Request,
    explain: bool,
) {
    r.determining.sort_unstable();
    r.determining.dedup();
    if !explain {
        return;
    }
    for layer in Layer::ALL {
        if !graph.has_layer(layer) || r.layers.iter().any(|l| l.layer == layer) {
            continue;
        }
        if let Err(why) = applicability(graph, layer, request) {
            r.layers.push(LayerReport {
                layer,
                level: None,
                verdict: format!("not applicable: {why}"),
            });
            continue;
        }
        let of = |effect: Effect| {
            matched
                .iter()
                .filter(|(_, l, e, _)| *l == layer && *e == effect)
                .count()
        };
        let (deny, allow) = (of(Effect::Deny), of(Effect::Allow));
        let verdict = if deny > 0 {
            format!(
                "explicit deny ({deny} statement{})",
                if deny == 1 { "" } else { "s" }
            )
        } else if allow > 0 {
            let kinds: Vec<&str> = matched
                .iter()
                .filter(|(_, l, e, _)| *l == layer && *e == Effect::Allow)
                .map(|(_, _, _, g)| match g {
                    GrantKind::Direct => "names the caller",
                    GrantKind::Role => "names the caller's role",
                    GrantKind::Account => "names the caller's account",
                })
                .collect();
            if layer == Layer::Bucket {
                format!("allows ({})", kinds.first().copied().unwrap_or(""))
            } else {
                format!(
                    "allows ({allow} statement{})",
                    if allow == 1 { "" } else { "s" }
                )
            }
        } else {
            "no statement matches".to_string()
        };
        r.layers.push(LayerReport {
            layer,
            level: None,
            verdict,
        });
    }
}
