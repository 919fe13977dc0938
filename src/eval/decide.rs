//! The decision flow (IAM "Policy evaluation logic" and "Cross-account policy evaluation
//! logic" pages): explicit deny anywhere wins; every SCP and RCP level must allow; then the
//! same-account union or the cross-account intersection of identity and resource grants, with
//! permissions boundaries and session policies as caps; and beside the policies the S3 layer:
//! ACLs, Object Ownership, Block Public Access and access points.
//!
//! This file holds the rule and the statement matcher; the detail of each stage lives beside
//! it: `matching` (every statement against the request), `access_point` (the route through an
//! access point and its own rules), `guardrails` (SCP and RCP levels, boundary and session
//! caps), `identity` (the identity side), `resource` (one authorization per owner, same- and
//! cross-account), `s3_layer` (ACLs, Object Ownership, Block Public Access) and `response`
//! (the answer and its layer table).

mod access_point;
mod endpoint;
mod federated;
mod guardrails;
mod identity;
mod kms_grants;
mod matching;
mod resource;
mod response;
mod s3_layer;

pub(crate) use federated::may_name as federated_may_name;
pub use response::{
    Block, BlockRule, Decision, LayerReport, Outcome, Response, Stage, Step, Uncertainty,
};
pub use s3_layer::grantee_name;

use crate::eval::condition::{self, Verdict};
use crate::eval::graph::{CompiledStatement, GrantKind, Graph, Layer, Mismatch};
use crate::eval::request::{Caller, Request};
use crate::eval::s3_facts::S3Facts;
use crate::policy::Effect;
use access_point::Route;
use identity::IdentitySide;
use matching::Matches;
use s3_layer::S3Seen;

/// Evaluates one statement fully: principal, action, resource, conditions.
/// `bypass_not_principal` treats a `NotPrincipal` exclusion as a match (the boundary rule);
/// `s3` tells which account a canonical user principal is.
pub fn match_statement(
    s: &CompiledStatement,
    request: &Request,
    s3: &S3Facts,
    bypass_not_principal: bool,
) -> (Result<GrantKind, Mismatch>, bool) {
    match_statement_with(s, request, s3, bypass_not_principal, Target::Unknown)
}

/// [`match_statement`], with what is known of the statement (`target`): its principal,
/// action and resource are not matched again when known (`Target::Named`).
fn match_statement_with(
    s: &CompiledStatement,
    request: &Request,
    s3: &S3Facts,
    bypass_not_principal: bool,
    target: Target,
) -> (Result<GrantKind, Mismatch>, bool) {
    let (principal, target_matches) = match target {
        Target::Named(grant) => (grant, true),
        _ => (s.principal_grant(&request.caller, s3), false),
    };
    let grant = match principal {
        Some(g) => g,
        None if bypass_not_principal && s.principal.as_ref().is_some_and(|p| p.0) => {
            GrantKind::Direct
        }
        None => return (Err(Mismatch::Principal), false),
    };
    if !target_matches && !s.matches_action(request) {
        return (Err(Mismatch::Action), false);
    }
    if !target_matches && !s.matches_resource(request) {
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

/// What every stage of one decision reads: the graph, the request, its route and the
/// statements that matched.
struct Evaluation<'a> {
    graph: &'a Graph,
    request: &'a Request,
    route: Route<'a>,
    matches: Matches,
    explain: bool,
}

/// Decides `request`. With `explain`, every statement of every layer is evaluated and
/// recorded in the trace; without, only the statements the index selects.
pub fn decide(graph: &Graph, request: &Request, explain: bool) -> Response {
    decide_with(graph, request, explain, None)
}

/// Whether a statement's action and resource match a request, as the caller of
/// [`decide_among`] knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Both match, and the statement's principal names the request's caller so
    /// ([`CompiledStatement::principal_grant`]; `None`: it does not name it): only the
    /// conditions are left to match.
    Named(Option<GrantKind>),
    /// One of them does not: the statement neither matches nor leaves an uncertainty (each
    /// needs both to match).
    Misses,
    /// Not known: matched as `decide` does.
    Unknown,
}

/// [`decide`] without a trace, told for each statement whether its action and resource match
/// the request (`target(id)`): the exact engine knows it per region, and matching them again
/// was most of each decision. The answer is `decide`'s. A request through an access point is
/// matched against two views of it: there `target` is not used.
pub fn decide_among(
    graph: &Graph,
    request: &Request,
    target: &dyn Fn(usize) -> Target,
) -> Response {
    decide_with(graph, request, false, Some(target))
}

fn decide_with(
    graph: &Graph,
    request: &Request,
    explain: bool,
    target: Option<&dyn Fn(usize) -> Target>,
) -> Response {
    let mut r = Response::empty();
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
    let route = Route::of(graph, request, explain, &mut r.notes);
    r.uncertain.extend(route.doubts(graph));
    // `target` speaks of the request itself: only where every layer sees it as it is.
    let target = target.filter(|_| route.access_point.is_none() && !explain);
    let matches = Matches::sweep(graph, &route, explain, target, &mut r);
    let ev = Evaluation {
        graph,
        request,
        route,
        matches,
        explain,
    };
    let seen = apply_rule(&ev, &mut r);
    response::summarise(&ev, &seen, &mut r);
    r
}

/// The rule, in AWS's order: sets the decision, the statements that determined it and the
/// S3 rules that blocked it; returns what the S3 stages saw, for the layer table.
fn apply_rule(ev: &Evaluation<'_>, r: &mut Response) -> S3Seen {
    // 1. Explicit deny anywhere wins.
    let denies = explicit_denies(ev);
    if !denies.is_empty() {
        r.decision = Decision::ExplicitDeny;
        r.determining = denies;
        return S3Seen::default();
    }
    // The access point's own rules: no anonymous callers, its network origin.
    if let Some(block) = ev.route.own_rules_block(ev.graph, &ev.request.caller) {
        r.decision = Decision::ExplicitDeny;
        r.blocks.push(block);
        return S3Seen::default();
    }
    // 2. Organisation guardrails: every SCP and RCP level must allow.
    if let Some((layer, level)) = guardrails::level_without_allow(ev.graph, &ev.matches) {
        r.decision = Decision::ImplicitDeny;
        if ev.explain {
            r.layers.push(guardrails::level_report(layer, level));
        }
        return S3Seen::default();
    }
    // A VPC endpoint the request comes through: its policy must allow.
    if let Some(report) = endpoint::without_allow(ev) {
        r.decision = Decision::ImplicitDeny;
        if ev.explain {
            r.layers.push(report);
        }
        return S3Seen::default();
    }
    // 3. The identity side, capped by the permissions boundary and the session policy.
    let identity = IdentitySide::of(
        ev.graph,
        &ev.request.caller,
        &ev.route.bucket().resource_account,
        &ev.matches,
    );
    // 4. The resource side, one authorization per owner, each with its S3 rules.
    let seen = resource::authorize(ev, &identity, r);
    // 5. Operations S3 serves to the bucket owner's account only, whatever is granted.
    if r.decision == Decision::Allow
        && let Some(block) = owner_account_only(ev)
    {
        r.decision = Decision::ExplicitDeny;
        r.determining.clear();
        r.grants.clear();
        r.blocks.push(block);
    }
    // The endpoint policy's Allow let the request through: it determined it too.
    if r.decision == Decision::Allow {
        r.determining.extend(endpoint::allowing(ev));
    }
    seen
}

/// The block of a bucket-policy operation by an identity outside the bucket owner's account.
// AWS rule: "If you have the correct permissions, but you're not using an identity that
// belongs to the bucket owner's account, Amazon S3 returns a 405 Method Not Allowed error"
// (S3 API Reference, GetBucketPolicy, PutBucketPolicy and DeleteBucketPolicy pages).
fn owner_account_only(ev: &Evaluation<'_>) -> Option<Block> {
    let request = ev.request;
    let owner = ev.route.bucket().resource_account.as_str();
    let policy_operation = matches!(
        request.action_lower.as_str(),
        "s3:getbucketpolicy" | "s3:putbucketpolicy" | "s3:deletebucketpolicy"
    );
    if !policy_operation || owner.is_empty() || request.caller.account() == Some(owner) {
        return None;
    }
    Some(Block {
        rule: BlockRule::BucketOwnerAccountOnly,
        reason: format!(
            "S3 serves `{}` only to identities of the bucket owner's account ({owner}); another caller gets 405 Method Not Allowed, whatever it is granted",
            request.action
        ),
        place: None,
    })
}

/// Whether the statements of `layer` can take part in a decision on `request` by who calls
/// it alone: false for identity-side policies and permissions boundaries when the caller has
/// none, session policies when it has no session, SCPs when they do not restrict it (the
/// sweep passes over such a layer); true for every other layer, whose taking part depends on
/// more than the caller.
pub(crate) fn layer_applies_to_caller(graph: &Graph, layer: Layer, request: &Request) -> bool {
    match layer {
        Layer::Identity | Layer::PermissionsBoundary | Layer::Session | Layer::Scp => {
            matching::applicability(graph, layer, request, None).is_ok()
        }
        _ => true,
    }
}

/// Whether `decide` reads the action (lowercase) by its name, beyond the statements' action
/// patterns, the RCP service check and the catalogue's condition keys: the bucket-policy
/// operations (owner-only, root exemption), the writes and deletes that act whatever owns the
/// object, and every action an ACL permission covers. The exact engine decides such an action
/// on its own; others that every statement's action patterns treat alike share one decision.
pub(crate) fn reads_action_name(action_lower: &str) -> bool {
    name_reading(action_lower).is_some()
}

/// How `decide` reads an action by its name (see [`reads_action_name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum NameReading {
    /// By the name itself: the bucket-policy operations, and the writes and deletes that act
    /// whatever owns the object.
    Itself,
    /// Only as the ACL permissions that cover it ([`acl_coverage`]). Two actions with the
    /// same bits are alike to every ACL grant, apart from the text of the uncertainty about a
    /// grantee of unknown account, which names the action.
    Acl(u16),
}

/// The ACL permissions that cover the action (lowercase): bit `2 * p + o` for permission `p`
/// of [`crate::aws_docs::acl::Permission::ALL`] on the bucket (`o` = 0) or on an object
/// (`o` = 1); 0 when none does.
pub(crate) fn acl_coverage(action_lower: &str) -> u16 {
    let mut bits = 0u16;
    for (p, permission) in crate::aws_docs::acl::Permission::ALL.iter().enumerate() {
        for (o, on_object) in [false, true].into_iter().enumerate() {
            if permission
                .actions(on_object)
                .iter()
                .any(|a| a.eq_ignore_ascii_case(action_lower))
            {
                bits |= 1 << (2 * p + o);
            }
        }
    }
    bits
}

/// How `decide` reads the action (lowercase) by its name; `None` when it does not.
pub(crate) fn name_reading(action_lower: &str) -> Option<NameReading> {
    const NAMED: [&str; 6] = [
        "s3:getbucketpolicy",
        "s3:putbucketpolicy",
        "s3:deletebucketpolicy",
        "s3:putobject",
        "s3:deleteobject",
        "s3:deleteobjectversion",
    ];
    if NAMED.contains(&action_lower) {
        return Some(NameReading::Itself);
    }
    let bits = acl_coverage(action_lower);
    (bits != 0).then_some(NameReading::Acl(bits))
}

/// The Deny statements that matched, less those the bucket owner's root user is exempt from.
fn explicit_denies(ev: &Evaluation<'_>) -> Vec<usize> {
    let request = ev.request;
    let owner_root_policy_exemption = matches!(&request.caller, Caller::Root { account, .. } if *account == ev.route.bucket().resource_account)
        && [
            "s3:getbucketpolicy",
            "s3:putbucketpolicy",
            "s3:deletebucketpolicy",
        ]
        .contains(&request.action_lower.as_str());
    ev.matches
        .iter()
        // AWS rule: the bucket owner's root user can always read, change and delete the bucket
        // policy despite its Deny statements (S3 PutBucketPolicy API page).
        .filter(|m| {
            m.effect == Effect::Deny && !(owner_root_policy_exemption && m.layer == Layer::Bucket)
        })
        .map(|m| m.statement)
        .collect()
}
