//! The sweep: every statement of every layer that applies, matched against the request as
//! that layer sees it, with the trace steps and the uncertainties matching gives.

use super::access_point::Route;
use super::response::{LayerReport, Outcome, Response, Step, Uncertainty};
use super::{Target, match_statement_with};
use crate::eval::graph::{CompiledStatement, GrantKind, Graph, LAYERS, Layer, Mismatch};
use crate::eval::request::{Caller, Request};
use crate::policy::Effect;

/// A statement that matched the request.
#[derive(Debug, Clone, Copy)]
pub(super) struct Match {
    /// Statement id in the graph.
    pub(super) statement: usize,
    /// Its layer.
    pub(super) layer: Layer,
    /// Allow or Deny.
    pub(super) effect: Effect,
    /// How its principal names the caller.
    pub(super) grant: GrantKind,
    /// Matched against the bucket's view of a request through an access point (the second
    /// pass of the VPC endpoint layer), not the access point's.
    pub(super) bucket_view: bool,
}

/// The statements that matched, and which layers apply to the request.
pub(super) struct Matches {
    list: Vec<Match>,
    applicable: [bool; LAYERS],
}

impl Matches {
    /// Matches the statements of every layer of `graph`. With `explain`, every statement is
    /// evaluated and recorded in the trace, and a layer that does not apply is reported;
    /// without, only the action index's candidates, less those `target` says miss the
    /// request's action or resource (such a statement can neither match nor leave an
    /// uncertainty, which needs both to match); those it says match, naming the caller as
    /// it says, are matched on their conditions only.
    pub(super) fn sweep(
        graph: &Graph,
        route: &Route<'_>,
        explain: bool,
        target: Option<&dyn Fn(usize) -> Target>,
        r: &mut Response,
    ) -> Matches {
        let mut m = Matches {
            // Room for the statements a request usually matches: no regrowth.
            list: Vec::with_capacity(16),
            applicable: [false; LAYERS],
        };
        for (li, layer) in Layer::ALL.iter().copied().enumerate() {
            if !graph.has_layer(layer) {
                continue;
            }
            let req = route.view(layer);
            // Without a trace, only the action index's candidates (a statement may be listed
            // twice; the determining list is deduplicated at the end). No allocation on that path.
            let all = if explain {
                graph.all_of(layer)
            } else {
                Vec::new()
            };
            let known = |id: usize| target.map_or(Target::Unknown, |t| t(id));
            let fast = (!explain).then(|| {
                graph
                    .candidates(layer, req)
                    .map(|id| (id, known(id)))
                    .filter(|(_, t)| *t != Target::Misses)
            });
            let ids = all
                .iter()
                .map(|id| (*id, Target::Unknown))
                .chain(fast.into_iter().flatten());
            if let Err(why) = applicability(graph, layer, req, route.access_point) {
                if explain && !all.is_empty() {
                    r.layers.push(LayerReport {
                        layer: layer.into(),
                        level: None,
                        verdict: format!("not applicable: {why}"),
                    });
                    for id in all.iter().copied() {
                        r.trace.push(Step {
                            statement: id,
                            layer,
                            outcome: Outcome::NotApplicable,
                        });
                    }
                }
                continue;
            }
            if let Some(slot) = m.applicable.get_mut(li) {
                *slot = true;
            }
            for (id, t) in ids {
                m.match_one(graph, route, layer, (id, t), false, explain, r);
            }
            // AWS rule: "Requests from your VPC to S3 only succeed through an access point if
            // the VPC endpoint policy grants access to both the access point and the underlying
            // bucket" (S3 "Creating access points restricted to a virtual private cloud"; for
            // Multi-Region Access Points, S3 "Configuring a Multi-Region Access Point for use
            // with AWS PrivateLink"): the endpoint policy is matched against the bucket's view
            // too, without a second trace line. (The action index depends on the action only,
            // the same in both views.)
            if layer == Layer::VpcEndpoint && route.access_point.is_some() {
                let again: Vec<usize> = if explain {
                    all
                } else {
                    graph.candidates(layer, req).collect()
                };
                for id in again {
                    m.match_one(graph, route, layer, (id, Target::Unknown), true, false, r);
                }
            }
        }
        m
    }

    /// Matches statement `id` of `layer` (against the bucket's view with `bucket_view`), its
    /// action and resource not again when `target` says they match; records the match, the
    /// trace step and any uncertainty.
    #[allow(
        clippy::too_many_arguments,
        reason = "the sweep's state, passed through"
    )]
    fn match_one(
        &mut self,
        graph: &Graph,
        route: &Route<'_>,
        layer: Layer,
        (id, target): (usize, Target),
        bucket_view: bool,
        explain: bool,
        r: &mut Response,
    ) {
        let Some(s) = graph.statements.get(id) else {
            return;
        };
        // Another access point's policy does not take part.
        if layer == Layer::AccessPoint
            && graph.documents.get(s.doc).map(|d| d.level) != route.access_point
        {
            return;
        }
        let req = if bucket_view {
            route.bucket()
        } else {
            route.view(layer)
        };
        // Nor the policy of an endpoint the request does not come through.
        if layer == Layer::VpcEndpoint && !super::endpoint::takes_part(graph, s.doc, req) {
            return;
        }
        // AWS rule: with a permissions boundary attached, a resource-policy Deny with
        // NotPrincipal always applies (IAM "NotPrincipal" page).
        let bypass = layer.is_resource_policy()
            && s.effect == Effect::Deny
            && graph.has_layer(Layer::PermissionsBoundary)
            && req.caller.has_identity_policies();
        let (result, unknown) = match_statement_with(s, req, &graph.s3, bypass, target);
        let found = [
            unknown.then(|| unknown_operator(id, s.effect)),
            dead_deny(id, s, &result, req),
            super::federated::uncertainty(graph, id, s, layer, &result, req),
        ];
        for u in found.into_iter().flatten() {
            // The bucket's view of an endpoint statement says again what the main view said.
            let again = bucket_view
                && r.uncertain
                    .iter()
                    .any(|o| o.statement == u.statement && o.reason == u.reason);
            if !again {
                r.uncertain.push(u);
            }
        }
        let outcome = match result {
            Ok(grant) => {
                self.list.push(Match {
                    statement: id,
                    layer,
                    effect: s.effect,
                    grant,
                    bucket_view,
                });
                Outcome::Matched
            }
            Err(mismatch) => Outcome::NotMatched { mismatch },
        };
        if explain {
            r.trace.push(Step {
                statement: id,
                layer,
                outcome,
            });
        }
    }

    /// Every match, in the order found.
    pub(super) fn iter(&self) -> impl Iterator<Item = &Match> {
        self.list.iter()
    }

    /// The Allow statements of `layer` that matched, with how they name the caller.
    pub(super) fn allows(&self, layer: Layer) -> Vec<(usize, GrantKind)> {
        self.list
            .iter()
            .filter(|m| m.layer == layer && m.effect == Effect::Allow)
            .map(|m| (m.statement, m.grant))
            .collect()
    }

    /// The Allow statements of `layer` that matched the bucket's view (`bucket_view`) or the
    /// main view of the request.
    pub(super) fn allows_in(&self, layer: Layer, bucket_view: bool) -> Vec<(usize, GrantKind)> {
        self.list
            .iter()
            .filter(|m| m.layer == layer && m.effect == Effect::Allow)
            .filter(|m| m.bucket_view == bucket_view)
            .map(|m| (m.statement, m.grant))
            .collect()
    }

    /// Whether `layer` applied to the request (and so was matched).
    pub(super) fn is_applicable(&self, layer: Layer) -> bool {
        Layer::ALL
            .iter()
            .position(|l| *l == layer)
            .and_then(|i| self.applicable.get(i))
            .copied()
            .unwrap_or(false)
    }
}

/// Whether `layer` applies to the request, and why not when it does not. `access_point` is
/// the access point the request goes through.
pub(super) fn applicability(
    graph: &Graph,
    layer: Layer,
    request: &Request,
    access_point: Option<usize>,
) -> Result<(), &'static str> {
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
        Layer::AccessPoint => access_point
            .map(|_| ())
            .ok_or("the request does not go through an access point"),
        Layer::VpcEndpoint => super::endpoint::applicability(graph, request),
        Layer::KeyPolicy => {
            if !graph.has_layer(Layer::KeyPolicy) {
                Err("no key policy")
            } else if !request.action_lower.starts_with("kms:") {
                Err("a key policy applies to KMS requests only")
            } else {
                Ok(())
            }
        }
    }
}

/// A statement whose condition operator is unknown: treated as not matching, so the answer
/// may be wrong in the direction its effect says.
fn unknown_operator(id: usize, effect: Effect) -> Uncertainty {
    Uncertainty {
        statement: Some(id),
        reason: match effect {
            Effect::Deny => "a Deny statement has a condition operator s3-access does not know; it is treated as not matching, so access it should block may be reported as allowed".into(),
            Effect::Allow => "an Allow statement has a condition operator s3-access does not know; it is treated as not matching, so access it grants may be reported as denied".into(),
        },
        if_not_allowed: effect == Effect::Allow,
    }
}

/// A Deny that fails only on a key AWS never sets (a misspelt key, most often) is silently
/// dead: say so rather than answer as if it were meant.
fn dead_deny(
    id: usize,
    s: &CompiledStatement,
    result: &Result<GrantKind, Mismatch>,
    req: &Request,
) -> Option<Uncertainty> {
    let (Effect::Deny, Err(Mismatch::Condition { index })) = (s.effect, result) else {
        return None;
    };
    let c = s.conditions.get(*index)?;
    if c.known_key || req.context.get(&c.key).is_some() {
        return None;
    }
    let hint = crate::suggest::closest(
        &c.key,
        crate::catalog::global_keys().iter().map(|k| k.name()),
    )
    .map(|k| format!(" (`{k}`?)"))
    .unwrap_or_default();
    Some(Uncertainty {
        statement: Some(id),
        reason: format!(
            "a Deny statement conditions on `{}`, a key AWS never sets{hint}: it can never match; if the key is misspelt, the Deny was meant to apply",
            c.key
        ),
        if_not_allowed: false,
    })
}
