//! The decision flow (IAM "Policy evaluation logic" and "Cross-account policy evaluation
//! logic" pages): explicit deny anywhere wins; every SCP and RCP level must allow; then the
//! same-account union or the cross-account intersection of identity and resource grants, with
//! permissions boundaries and session policies as caps.

use crate::eval::condition::{self, Verdict};
use crate::eval::graph::{CompiledStatement, GrantKind, Graph, LAYERS, Layer, Mismatch};
use crate::eval::request::{Caller, Request};
use crate::eval::s3::{AclMatch, AclRef, BpaFlag, BpaLevel, Place, Target};
use crate::policy::Effect;
use crate::s3::NetworkOrigin;
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

/// A stage of the decision: a policy layer, or one of the S3 rules beside the policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// The bucket ACL.
    BucketAcl,
    /// The object ACL.
    ObjectAcl,
    /// Object Ownership: who owns the object, and whether ACLs apply.
    ObjectOwnership,
    /// Block Public Access.
    BlockPublicAccess,
    /// The access point's own rules (network origin, no anonymous requests).
    AccessPointNetwork,
    /// A policy layer (serialised as the layer's own name).
    #[serde(untagged)]
    Policy(Layer),
}

impl From<Layer> for Stage {
    fn from(l: Layer) -> Stage {
        Stage::Policy(l)
    }
}

impl Stage {
    /// A display name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Policy(l) => l.as_str(),
            Stage::BucketAcl => "bucket ACL",
            Stage::ObjectAcl => "object ACL",
            Stage::ObjectOwnership => "object ownership",
            Stage::BlockPublicAccess => "Block Public Access",
            Stage::AccessPointNetwork => "access point",
        }
    }
}

/// What a layer contributed.
#[derive(Debug, Clone, Serialize)]
pub struct LayerReport {
    /// The layer or stage.
    pub layer: Stage,
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
    /// The ACL grants among the grants that allowed it.
    pub grants: Vec<AclRef>,
    /// The S3 rules that blocked it (Block Public Access, access point restrictions).
    pub blocks: Vec<Block>,
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
    /// Statement id, when a statement is the cause.
    #[serde(skip)]
    pub statement: Option<usize>,
    /// Why.
    pub reason: String,
    /// Whether it matters only when the request is not allowed (an Allow that could not be
    /// judged); such entries are dropped from an `Allow`.
    #[serde(skip)]
    pub if_not_allowed: bool,
}

/// An S3 rule that rejected the request although some grant would have allowed it. S3
/// answers such requests with Access Denied whatever the policies say, so the decision is
/// `ExplicitDeny` (reference §1.3: a BPA block behaves like an explicit deny).
#[derive(Debug, Clone)]
pub struct Block {
    /// The rule.
    pub rule: BlockRule,
    /// A sentence.
    pub reason: String,
    /// Where the setting is written.
    pub place: Option<Place>,
}

/// Which S3 rule blocked a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "kebab-case")]
pub enum BlockRule {
    /// A Block Public Access flag, set at `level`.
    BlockPublicAccess {
        /// The flag.
        flag: BpaFlag,
        /// The level that sets it.
        level: BpaLevel,
    },
    /// Access points take no anonymous requests.
    AccessPointAnonymous,
    /// A VPC-origin access point takes requests from its VPC only.
    AccessPointNetwork,
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
        Layer::AccessPoint => Err("the request does not go through an access point"),
    }
}

/// A resource-side grant: an Allow statement of a resource policy, or an ACL grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grantor {
    Statement(usize),
    Acl(AclRef),
}

/// A grant that Block Public Access removed, with the flag and the level that removed it.
#[derive(Debug, Clone, Copy)]
struct Dropped {
    grant: (Grantor, GrantKind),
    flag: BpaFlag,
}

/// One authorization S3 makes for a request: a resource layer in the name of its owner
/// account. A request through an access point needs two, the access point's and the
/// bucket's (S3 "Access points" pages: both must allow).
struct Authority<'a> {
    layer: Layer,
    /// The account in whose name the resource side grants: the bucket owner, the object
    /// owner (for another account's object), or the access point's owner.
    owner: std::borrow::Cow<'a, str>,
    /// The request as this layer sees it.
    request: &'a Request,
    /// The object belongs to an account other than the bucket owner.
    foreign_object: bool,
    /// The access point the request goes through.
    access_point: Option<usize>,
    /// What the bucket-side resource is, for ACLs.
    target: Target<'a>,
}

/// The identity side's verdict, shared by every authorization.
struct IdentitySide {
    identity: Vec<usize>,
    caps: Vec<usize>,
    identity_ok: bool,
    boundary_ok: bool,
    session_ok: bool,
}

/// What the S3 stages saw, for the layer reports.
#[derive(Default)]
struct S3Seen {
    acl: Vec<AclMatch>,
    dropped: Vec<Dropped>,
    foreign_owner: Option<String>,
}

/// Actions that act on an object whoever owns it: writing it anew, and the bucket owner's
/// right to delete any object of its bucket (S3 "How Amazon S3 authorizes a request for an
/// object operation"; ACL overview, WRITE).
fn ownership_free(action_lower: &str) -> bool {
    matches!(
        action_lower,
        "s3:putobject" | "s3:deleteobject" | "s3:deleteobjectversion"
    )
}

/// Decides `request`. With `explain`, every statement of every layer is evaluated and
/// recorded in the trace; without, only the statements the index selects.
pub fn decide(graph: &Graph, request: &Request, explain: bool) -> Response {
    let mut r = Response {
        decision: Decision::ImplicitDeny,
        determining: Vec::new(),
        grants: Vec::new(),
        blocks: Vec::new(),
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
    let s3 = &graph.s3;
    let s3_active = !s3.is_empty();

    // The route: directly to the bucket, or through an access point, whose policy sees the
    // access point ARN while the bucket policy sees the bucket's ARN; both see the access
    // point keys (S3 "Configuring IAM policies for using access points").
    let route = if s3.access_points.is_empty() {
        None
    } else {
        s3.access_point_of(&request.resource)
    };
    if explain && route.is_none() && request.resource.contains(":accesspoint/") {
        r.notes.push("the resource is an access point ARN, but that access point was not given (--access-point DIR); it is evaluated as written".into());
    }
    let (ap_view, bucket_view) =
        match route.and_then(|(i, key)| Some((i, key, s3.access_points.get(i)?))) {
            Some((_, key, ap)) => {
                let head = request
                    .resource
                    .find(&format!("accesspoint/{}", ap.name))
                    .map_or(request.resource.as_str(), |at| {
                        request
                            .resource
                            .get(..at + 12 + ap.name.len())
                            .unwrap_or("")
                    });
                let partition = crate::arn::split(&request.resource).map_or("aws", |p| p[1]);
                let origin = match ap.network {
                    NetworkOrigin::Internet => "Internet",
                    NetworkOrigin::Vpc { .. } => "VPC",
                };
                let extra = [
                    ("s3:DataAccessPointArn", head.to_string()),
                    ("s3:DataAccessPointAccount", ap.account.clone()),
                    ("s3:AccessPointNetworkOrigin", origin.to_string()),
                ];
                let bucket_resource = match key {
                    Some(k) => format!("arn:{partition}:s3:::{}/{k}", ap.bucket),
                    None => format!("arn:{partition}:s3:::{}", ap.bucket),
                };
                (
                    Some(request.retarget(&request.resource, &ap.account, &extra)),
                    Some(request.retarget(&bucket_resource, &request.resource_account, &extra)),
                )
            }
            None => (None, None),
        };
    let main = ap_view.as_ref().unwrap_or(request);
    let bucket_req = bucket_view.as_ref().unwrap_or(main);
    let view = |layer: Layer| -> &Request {
        if layer == Layer::Bucket {
            bucket_req
        } else {
            main
        }
    };
    let route_ap = route.map(|(i, _)| i);

    // Matches per layer: (statement id, effect, grant kind).
    let mut matched: Vec<(usize, Layer, Effect, GrantKind)> = Vec::new();
    let mut applicable = [false; LAYERS];
    for (li, layer) in Layer::ALL.iter().enumerate() {
        if !graph.has_layer(*layer) {
            continue;
        }
        let req = view(*layer);
        let app = if *layer == Layer::AccessPoint {
            route_ap
                .map(|_| ())
                .ok_or("the request does not go through an access point")
        } else {
            applicability(graph, *layer, req)
        };
        // Without a trace, only the action index's candidates (a statement may be listed
        // twice; the determining list is deduplicated at the end). No allocation on that path.
        let all = if explain {
            graph.all_of(*layer)
        } else {
            Vec::new()
        };
        let fast = (!explain).then(|| graph.candidates(*layer, req));
        let ids = all.iter().copied().chain(fast.into_iter().flatten());
        if let Err(why) = app {
            if explain && !all.is_empty() {
                r.layers.push(LayerReport {
                    layer: (*layer).into(),
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
            // Another access point's policy does not take part.
            if *layer == Layer::AccessPoint
                && graph.documents.get(s.doc).map(|d| d.level) != route_ap
            {
                continue;
            }
            // AWS rule: with a permissions boundary attached, a resource-policy Deny with
            // NotPrincipal always applies (IAM "NotPrincipal" page).
            let bypass = layer.is_resource_policy()
                && s.effect == Effect::Deny
                && graph.has_layer(Layer::PermissionsBoundary)
                && req.caller.has_identity_policies();
            let (result, unknown) = match_statement(s, req, bypass);
            if unknown {
                r.uncertain.push(Uncertainty {
                    statement: Some(id),
                    reason: match s.effect {
                        Effect::Deny => "a Deny statement has a condition operator s3-access does not know; it is treated as not matching, so access it should block may be reported as allowed".into(),
                        Effect::Allow => "an Allow statement has a condition operator s3-access does not know; it is treated as not matching, so access it grants may be reported as denied".into(),
                    },
                    if_not_allowed: s.effect == Effect::Allow,
                });
            }
            // A Deny that fails only on a key AWS never sets (a misspelt key, most often) is
            // silently dead: say so rather than answer as if it were meant.
            if let (Effect::Deny, Err(Mismatch::Condition { index })) = (s.effect, &result) {
                if let Some(c) = s.conditions.get(*index) {
                    if !c.known_key && req.context.get(&c.key).is_none() {
                        let hint = crate::suggest::closest(
                            &c.key,
                            crate::catalog::global_keys().iter().map(|k| k.name()),
                        )
                        .map(|k| format!(" (`{k}`?)"))
                        .unwrap_or_default();
                        r.uncertain.push(Uncertainty {
                            statement: Some(id),
                            reason: format!(
                                "a Deny statement conditions on `{}`, a key AWS never sets{hint}: it can never match; if the key is misspelt, the Deny was meant to apply",
                                c.key
                            ),
                            if_not_allowed: false,
                        });
                    }
                }
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
    let mut seen = S3Seen::default();

    // 1. Explicit deny anywhere wins.
    let owner_root_policy_exemption = matches!(&request.caller, Caller::Root { account, .. } if *account == bucket_req.resource_account)
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
        summarise(graph, &mut r, &matched, main, explain, &seen, route_ap);
        return r;
    }

    // The access point's own rules.
    if let Some(ap) = route_ap.and_then(|i| s3.access_points.get(i)) {
        // AWS rule: access points do not support anonymous access (S3 "Access points
        // restrictions and limitations").
        let block = if request.caller == Caller::Anonymous {
            Some((
                BlockRule::AccessPointAnonymous,
                format!(
                    "access point `{}` does not accept anonymous requests",
                    ap.name
                ),
            ))
        } else if let NetworkOrigin::Vpc { vpc_id } = &ap.network {
            // AWS rule: an access point restricted to a VPC rejects requests from elsewhere
            // (S3 "Creating access points restricted to a virtual private cloud").
            let from = main
                .context
                .get("aws:SourceVpc")
                .and_then(|e| e.values.first());
            (from != Some(vpc_id)).then(|| {
                (
                    BlockRule::AccessPointNetwork,
                    format!(
                        "access point `{}` takes requests from VPC `{vpc_id}` only; the request's aws:SourceVpc is {}",
                        ap.name,
                        from.map_or_else(|| "absent".to_string(), |v| format!("`{v}`"))
                    ),
                )
            })
        } else {
            None
        };
        if let Some((rule, reason)) = block {
            r.decision = Decision::ExplicitDeny;
            r.blocks.push(Block {
                rule,
                reason,
                place: ap.place.clone(),
            });
            summarise(graph, &mut r, &matched, main, explain, &seen, route_ap);
            return r;
        }
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
                        layer: layer.into(),
                        level: Some(level),
                        verdict: format!(
                            "no {} at organisation level {} allows the request",
                            layer.as_str(),
                            level + 1
                        ),
                    });
                }
                summarise(graph, &mut r, &matched, main, explain, &seen, route_ap);
                return r;
            }
        }
    }

    // 3. The identity side.
    let identity: Vec<usize> = allows(Layer::Identity).iter().map(|(id, _)| *id).collect();
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
    let ident = IdentitySide {
        identity_ok: !identity.is_empty() && boundary_ok && session_ok,
        identity,
        caps: allows(Layer::PermissionsBoundary)
            .into_iter()
            .chain(allows(Layer::Session))
            .map(|(id, _)| id)
            .collect(),
        boundary_ok,
        session_ok,
    };

    // 4. The resource side, one authorization per owner.
    let mut authorities: Vec<Authority<'_>> = Vec::with_capacity(2);
    if let Some(i) = route_ap {
        if let Some(ap) = s3.access_points.get(i) {
            authorities.push(Authority {
                layer: Layer::AccessPoint,
                owner: std::borrow::Cow::Borrowed(ap.account.as_str()),
                request: main,
                foreign_object: false,
                access_point: Some(i),
                target: Target::Other,
            });
        }
    }
    let target = if s3_active {
        s3.target(&bucket_req.resource)
    } else {
        Target::Other
    };
    let bucket_owner = bucket_req.resource_account.as_str();
    let (owner, foreign_object) = match target {
        // AWS rule: for an object of another account, only the object owner can grant; the
        // bucket policy can only deny (S3 "How Amazon S3 authorizes a request for an object
        // operation").
        Target::Object { key } if !ownership_free(&request.action_lower) => {
            let o = s3.object_owner(key, bucket_owner);
            let foreign = !o.is_empty() && !bucket_owner.is_empty() && o != bucket_owner;
            (std::borrow::Cow::Owned(o), foreign)
        }
        _ => (std::borrow::Cow::Borrowed(bucket_owner), false),
    };
    if foreign_object {
        seen.foreign_owner = Some(owner.to_string());
    }
    authorities.push(Authority {
        layer: Layer::Bucket,
        owner,
        request: bucket_req,
        foreign_object,
        access_point: route_ap,
        target,
    });

    let mut determining: Vec<Grantor> = Vec::new();
    let mut allowed = true;
    for auth in &authorities {
        let (kept, dropped) = resource_grants(graph, auth, &matched, &mut seen, &mut r);
        match core(&request.caller, &auth.owner, &ident, &kept) {
            Some(d) => determining.extend(d),
            None => {
                allowed = false;
                if !dropped.is_empty() {
                    let all: Vec<(Grantor, GrantKind)> = kept
                        .iter()
                        .copied()
                        .chain(dropped.iter().map(|d| d.grant))
                        .collect();
                    if core(&request.caller, &auth.owner, &ident, &all).is_some() {
                        for d in &dropped {
                            push_block(&mut r, graph, d.flag, auth.access_point);
                        }
                    }
                }
                break;
            }
        }
    }
    if allowed {
        r.decision = Decision::Allow;
        for g in determining {
            match g {
                Grantor::Statement(id) => r.determining.push(id),
                Grantor::Acl(a) => {
                    if !r.grants.contains(&a) {
                        r.grants.push(a);
                    }
                }
            }
        }
    } else if !r.blocks.is_empty() {
        r.decision = Decision::ExplicitDeny;
    }
    summarise(graph, &mut r, &matched, main, explain, &seen, route_ap);
    r
}

/// Records that `flag` blocked the request (once per flag).
fn push_block(r: &mut Response, graph: &Graph, flag: BpaFlag, access_point: Option<usize>) {
    let Some(setting) = graph.s3.bpa_setter(flag, access_point) else {
        return;
    };
    let rule = BlockRule::BlockPublicAccess {
        flag,
        level: setting.level,
    };
    if r.blocks.iter().any(|b| b.rule == rule) {
        return;
    }
    let what = match flag {
        BpaFlag::RestrictPublicBuckets => {
            "the policy that would allow the request is public, so only AWS services and principals of the owner account may use its grants"
        }
        _ => "public ACL grants are ignored, and only such a grant would allow the request",
    };
    r.blocks.push(Block {
        rule,
        reason: format!(
            "blocked by {} ({} setting): {what}",
            flag.as_str(),
            setting.level.as_str()
        ),
        place: setting.place_of(flag),
    });
}

/// The grants of one authorization: its layer's Allow statements and, for the bucket, the
/// ACL grants; minus what Object Ownership and Block Public Access take away (returned as
/// `dropped` when Block Public Access took it).
fn resource_grants(
    graph: &Graph,
    auth: &Authority<'_>,
    matched: &[(usize, Layer, Effect, GrantKind)],
    seen: &mut S3Seen,
    r: &mut Response,
) -> (Vec<(Grantor, GrantKind)>, Vec<Dropped>) {
    let s3 = &graph.s3;
    let caller = &auth.request.caller;
    // AWS rule: RestrictPublicBuckets keeps a public policy's grants for AWS service
    // principals and principals of the policy owner's account only (S3 "Blocking public
    // access", RestrictPublicBuckets).
    let restrict = if s3.is_empty() {
        None
    } else {
        s3.bpa_setter(BpaFlag::RestrictPublicBuckets, auth.access_point)
    };
    let exempt = matches!(caller, Caller::Service { .. }) || caller.account() == Some(&auth.owner);
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for (id, layer, effect, kind) in matched {
        if *layer != auth.layer || *effect != Effect::Allow {
            continue;
        }
        if auth.foreign_object {
            continue;
        }
        let grant = (Grantor::Statement(*id), *kind);
        let public = restrict.is_some()
            && graph
                .statements
                .get(*id)
                .is_some_and(|s| graph.document_is_public(s.doc));
        if public && !exempt {
            dropped.push(Dropped {
                grant,
                flag: BpaFlag::RestrictPublicBuckets,
            });
        } else {
            kept.push(grant);
        }
    }
    if auth.layer == Layer::Bucket && (s3.bucket_acl.is_some() || !s3.objects.is_empty()) {
        let mut acl = Vec::new();
        let mut unknown = Vec::new();
        s3.acl_grants(
            caller,
            &auth.request.action_lower,
            auth.target,
            &auth.request.resource_account,
            &mut acl,
            &mut unknown,
        );
        // AWS rule: IgnorePublicAcls makes S3 ignore grants to All Users and Authenticated
        // Users (S3 "Blocking public access", IgnorePublicAcls).
        let ignore = s3
            .bpa_setter(BpaFlag::IgnorePublicAcls, auth.access_point)
            .is_some();
        for m in &acl {
            let grant = (Grantor::Acl(m.grant), m.kind);
            if m.public && ignore {
                let d = Dropped {
                    grant,
                    flag: BpaFlag::IgnorePublicAcls,
                };
                dropped.push(d);
                seen.dropped.push(d);
            } else {
                kept.push(grant);
            }
        }
        seen.acl.extend(acl);
        for reason in unknown {
            r.uncertain.push(Uncertainty {
                statement: None,
                reason,
                if_not_allowed: true,
            });
        }
    }
    seen.dropped.extend(
        dropped
            .iter()
            .filter(|d| matches!(d.grant.0, Grantor::Statement(_))),
    );
    (kept, dropped)
}

/// The core rule for one authorization (IAM "Policy evaluation logic" and "Cross-account
/// policy evaluation logic"): the grantors that allow, or `None`.
fn core(
    caller: &Caller,
    owner: &str,
    ident: &IdentitySide,
    grants: &[(Grantor, GrantKind)],
) -> Option<Vec<Grantor>> {
    let of = |kind: GrantKind| -> Vec<Grantor> {
        grants
            .iter()
            .filter(|(_, k)| *k == kind)
            .map(|(g, _)| *g)
            .collect()
    };
    let direct = of(GrantKind::Direct);
    let same_account = caller.account().is_some_and(|a| a == owner);
    fn statements(ids: &[usize]) -> impl Iterator<Item = Grantor> + '_ {
        ids.iter().map(|id| Grantor::Statement(*id))
    }
    match caller {
        // Anonymous callers and service principals are allowed only by a resource-side grant
        // naming them.
        Caller::Anonymous | Caller::Service { .. } => (!direct.is_empty()).then_some(direct),
        // AWS rule: the root user needs no identity policy in its own account.
        Caller::Root { .. } if same_account => Some(direct),
        Caller::Root { .. } => {
            (!grants.is_empty()).then(|| grants.iter().map(|(g, _)| *g).collect())
        }
        _ if same_account => {
            // AWS rule (same account): identity OR resource policy; a role-ARN grant is still
            // capped by boundary and session policy; an account grant delegates to identity.
            let role = of(GrantKind::Role);
            if !direct.is_empty() {
                Some(direct)
            } else if ident.identity_ok {
                let mut d: Vec<Grantor> = statements(&ident.identity).collect();
                d.extend(statements(&ident.caps));
                d.extend(of(GrantKind::Account));
                Some(d)
            } else if !role.is_empty() && ident.boundary_ok && ident.session_ok {
                let mut d = role;
                d.extend(statements(&ident.caps));
                Some(d)
            } else {
                None
            }
        }
        _ => {
            // AWS rule (cross account): the resource side must name the caller (in any form)
            // AND the caller's own account must allow.
            if !grants.is_empty() && ident.identity_ok {
                let mut d: Vec<Grantor> = grants.iter().map(|(g, _)| *g).collect();
                d.extend(statements(&ident.identity));
                d.extend(statements(&ident.caps));
                Some(d)
            } else {
                None
            }
        }
    }
}

/// Deduplicates the determining statements and, with `explain`, fills in the per-layer verdicts.
fn summarise(
    graph: &Graph,
    r: &mut Response,
    matched: &[(usize, Layer, Effect, GrantKind)],
    request: &Request,
    explain: bool,
    seen: &S3Seen,
    route_ap: Option<usize>,
) {
    r.determining.sort_unstable();
    r.determining.dedup();
    if r.decision == Decision::Allow {
        r.uncertain.retain(|u| !u.if_not_allowed);
    }
    if !explain {
        return;
    }
    for layer in Layer::ALL {
        if !graph.has_layer(layer) || r.layers.iter().any(|l| l.layer == layer.into()) {
            continue;
        }
        let app = if layer == Layer::AccessPoint {
            route_ap
                .map(|_| ())
                .ok_or("the request does not go through an access point")
        } else {
            applicability(graph, layer, request)
        };
        if let Err(why) = app {
            r.layers.push(LayerReport {
                layer: layer.into(),
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
            if layer.is_resource_policy() {
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
            layer: layer.into(),
            level: None,
            verdict,
        });
    }
    s3_reports(graph, r, seen, route_ap);
}

/// The layer reports of the S3 stages: access point, ownership, ACLs, Block Public Access.
fn s3_reports(graph: &Graph, r: &mut Response, seen: &S3Seen, route_ap: Option<usize>) {
    let s3 = &graph.s3;
    if s3.is_empty() {
        return;
    }
    let mut push = |layer: Stage, verdict: String| {
        r.layers.push(LayerReport {
            layer,
            level: None,
            verdict,
        })
    };
    if let Some(ap) = route_ap.and_then(|i| s3.access_points.get(i)) {
        let origin = match &ap.network {
            NetworkOrigin::Internet => "Internet origin".to_string(),
            NetworkOrigin::Vpc { vpc_id } => format!("VPC `{vpc_id}` origin"),
        };
        push(
            Stage::AccessPointNetwork,
            format!(
                "through access point `{}` of account {} ({origin}): its policy and the bucket's must both allow",
                ap.name, ap.account
            ),
        );
    }
    if let Some(owner) = &seen.foreign_owner {
        push(
            Stage::ObjectOwnership,
            format!(
                "the object belongs to account {owner}, not the bucket owner: the bucket policy's Allow statements do not apply (its Deny statements do)"
            ),
        );
    }
    if let Some((o, _)) = &s3.ownership {
        if !o.acls_enabled() && (s3.bucket_acl.is_some() || !s3.objects.is_empty()) {
            push(
                Stage::ObjectOwnership,
                "Object Ownership is BucketOwnerEnforced: ACLs are disabled".to_string(),
            );
        }
    }
    if s3.acls_enabled() {
        for (stage, is_bucket) in [(Stage::BucketAcl, true), (Stage::ObjectAcl, false)] {
            let present = if is_bucket {
                s3.bucket_acl.is_some()
            } else {
                s3.objects.iter().any(|o| o.acl.is_some())
            };
            if !present {
                continue;
            }
            let grants: Vec<String> = seen
                .acl
                .iter()
                .filter(|m| matches!(m.grant, AclRef::Bucket { .. }) == is_bucket)
                .filter_map(|m| {
                    let (_, g) = s3.grant(m.grant)?;
                    let ignored = seen
                        .dropped
                        .iter()
                        .any(|d| d.grant.0 == Grantor::Acl(m.grant));
                    let index = match m.grant {
                        AclRef::Bucket { grant } | AclRef::Object { grant, .. } => grant,
                    };
                    Some(format!(
                        "grant #{} ({} to {}){}",
                        index + 1,
                        g.permission,
                        grantee_name(&g.grantee),
                        if ignored {
                            " is ignored (IgnorePublicAcls)"
                        } else if m.kind == GrantKind::Account {
                            " delegates to the account's identity policies"
                        } else {
                            " covers the request"
                        }
                    ))
                })
                .collect();
            push(
                stage,
                if grants.is_empty() {
                    "no grant covers the request".to_string()
                } else {
                    grants.join("; ")
                },
            );
        }
    }
    let levels = s3.bpa_levels(route_ap);
    if !levels.is_empty() {
        let on: Vec<String> = BpaFlag::ALL
            .iter()
            .filter_map(|f| {
                s3.bpa_setter(*f, route_ap)
                    .map(|s| format!("{} ({})", f.as_str(), s.level.as_str()))
            })
            .collect();
        let restricted = seen
            .dropped
            .iter()
            .any(|d| d.flag == BpaFlag::RestrictPublicBuckets);
        let verdict = if on.is_empty() {
            "every flag is off".to_string()
        } else if restricted {
            format!(
                "on: {}; a public policy's grants were removed for this caller",
                on.join(", ")
            )
        } else {
            format!("on: {}", on.join(", "))
        };
        push(Stage::BlockPublicAccess, verdict);
    }
}

/// A grantee for output.
pub fn grantee_name(g: &crate::s3::acl::Grantee) -> String {
    use crate::s3::acl::Grantee;
    match g {
        Grantee::CanonicalUser { id, display_name } => match display_name {
            Some(n) => format!("canonical user `{n}`"),
            None => format!("canonical user `{}…`", id.get(..12).unwrap_or(id.as_str())),
        },
        Grantee::AllUsers => "AllUsers".into(),
        Grantee::AuthenticatedUsers => "AuthenticatedUsers".into(),
        Grantee::LogDelivery => "LogDelivery".into(),
        Grantee::Email(e) => format!("e-mail `{e}`"),
        Grantee::Group(u) => format!("group `{u}`"),
    }
}
