//! The witness of one statement's access claim: "is there a request this Allow statement
//! grants, to these callers and for these actions, that no Deny of its document refuses?".
//!
//! The risk audit and `public` ask it for each statement they report. It is asked narrowly,
//! so that it stays cheap enough for `lint` over thousands of policies:
//!
//! 0. a statement with a condition on a key no request in scope carries (a key only IAM
//!    principals carry, for anonymous callers) grants nothing, without a search;
//! 1. a likely request (the caller, each action in the order given, the bucket ARN or an
//!    object key the statement's resources name, the default context) is decided on the whole
//!    graph; when it is allowed and the statement is among those that grant it, that request
//!    is the witness (for a root caller and a statement testing the caller's identity, a role
//!    session of its account is tried too);
//! 2. when an unconditional Deny of the document (for anonymous callers, also one whose
//!    conditions are on keys they never carry or carry fixed; or two "Deny unless" statements
//!    on one key naming no value in common) covers every request in scope, the claim
//!    is "refused by that Deny" as soon as one request the statement alone grants is known
//!    (the likely one, else the engine's), whatever the number of actions;
//! 3. otherwise the exact engine is asked on a graph of the statement's own document cut down
//!    to the statement and the document's Deny statements (no S3 facts), with the callers and
//!    actions in scope; when it says no, it is asked again without the Deny statements (the
//!    likely request first), which tells "refused by a Deny" (and by which, on a request the
//!    statement alone would let through) from "the statement grants nothing here" (a
//!    condition no such request meets).

use super::{Answer, Class, Finding, PrincipalScope, Question, Reason, Scope};
use crate::eval::graph::Graph;
use crate::eval::request::{Caller, Request};
use crate::eval::{Decision, decide};
use crate::policy::Effect;

/// What the question found about one statement.
#[derive(Debug, Clone)]
pub enum Claim {
    /// A request the statement grants gets through: the witness, replayed through `decide`.
    Proven(Box<Finding>),
    /// Every request the statement grants in scope is refused by Deny statements (graph ids of
    /// the statements refusing one such request).
    Denied(Vec<usize>),
    /// The statement grants no request in scope, whatever the Deny statements say (a
    /// condition no such request meets, a multi-valued key with a bare operator, ...).
    Nothing,
    /// No witness was found but the model does not cover everything: why.
    Uncertain(Vec<Reason>),
}

/// One statement's claim to ask about.
#[derive(Debug, Clone)]
pub struct StatementQuestion<'g> {
    /// The whole graph (the likely request is decided on it).
    pub graph: &'g Graph,
    /// The Allow statement (graph id).
    pub statement: usize,
    /// The bucket.
    pub bucket: &'g str,
    /// The bucket owner, if known (an account no document names otherwise).
    pub owner: Option<&'g str>,
    /// The callers.
    pub principals: PrincipalScope,
    /// The likely caller, tried first (it must be in `principals`).
    pub likely: Caller,
    /// Exact action names, the likeliest first.
    pub actions: &'g [String],
    /// The request time, epoch seconds.
    pub now: i64,
}

/// Asks about one statement's claim (see the module documentation for how).
pub fn claim(q: &StatementQuestion<'_>) -> Claim {
    if let Some(r) = outside_model(q.graph, q.statement) {
        return Claim::Uncertain(vec![r]);
    }
    if never_granted(q) {
        return Claim::Nothing;
    }
    let identity = q.principals != PrincipalScope::Anonymous;
    // Anonymous callers need no identity policy: the whole graph decides the likely request.
    if !identity && let Some(f) = likely_witness(q, q.graph, q.statement) {
        return Claim::Proven(Box::new(f));
    }
    let Some(cut) = cut_graph(q.graph, q.statement, true, identity) else {
        return Claim::Uncertain(Vec::new());
    };
    // Signed callers: on the cut graph, where their own identity policies are assumed.
    let at = cut.ids.iter().position(|i| *i == q.statement).unwrap_or(0);
    if identity && let Some(f) = likely_witness(q, &cut.graph, at) {
        return Claim::Proven(Box::new(f));
    }
    // An unconditional Deny covering every request in scope: no search for a way through,
    // only for a request the statement grants (to tell "refused" from "grants nothing").
    if covering_deny(q) {
        return refused(q, &cut, identity);
    }
    match engine(q, &cut.graph) {
        Answer::Yes(f) => return Claim::Proven(f),
        Answer::Uncertain(r) => return Claim::Uncertain(r),
        Answer::No if q.actions.len() > ENGINE_ACTIONS => return truncated(q),
        Answer::No => {}
    }
    // Without Deny statements the statement alone is the cut graph: it grants nothing here.
    if cut.ids.len() == 1 {
        return Claim::Nothing;
    }
    refused(q, &cut, identity)
}

/// The claim when no request the statement grants in scope gets through `cut` (which has
/// the document's Deny statements): `Denied` by the Deny statements refusing one request the
/// statement alone lets through (the likely one, else one the engine finds), `Nothing` when
/// there is none.
fn refused(q: &StatementQuestion<'_>, cut: &Cut, identity: bool) -> Claim {
    let Some(alone) = cut_graph(q.graph, q.statement, false, identity) else {
        return Claim::Uncertain(Vec::new());
    };
    let request = match likely_witness(q, &alone.graph, 0) {
        Some(f) => f.request,
        None => match engine(q, &alone.graph) {
            Answer::Yes(f) => f.request,
            Answer::Uncertain(r) => return Claim::Uncertain(r),
            Answer::No if q.actions.len() > ENGINE_ACTIONS => return truncated(q),
            Answer::No => return Claim::Nothing,
        },
    };
    let r = decide(&cut.graph, &request, false);
    let ids: Vec<usize> = r
        .determining
        .iter()
        .filter_map(|i| cut.ids.get(*i).copied())
        .filter(|i| {
            q.graph
                .statements
                .get(*i)
                .is_some_and(|s| s.effect == Effect::Deny)
        })
        .collect();
    if r.decision == Decision::ExplicitDeny && !ids.is_empty() {
        Claim::Denied(ids)
    } else {
        Claim::Uncertain(Vec::new())
    }
}

/// Whether the statement grants no request in scope because one of its conditions tests,
/// with an operator that is false when the key is absent, a key no such request carries: a
/// key only IAM principals, services or signed requests carry, for anonymous callers; a key
/// AWS never sets, or an S3 key the claim's actions do not carry, for any caller
/// ([`super::keys::availability_for`]). A condition on a key missing from the request is
/// false unless the operator is negated, `...IfExists`, `Null` or `ForAllValues` (IAM
/// "Condition keys that are not present in the request context").
fn never_granted(q: &StatementQuestion<'_>) -> bool {
    use super::keys::{Availability, availability_for};
    use crate::policy::{BaseOperator, SetQualifier};
    let Some((_, st)) = q
        .graph
        .statements
        .get(q.statement)
        .and_then(|s| q.graph.written(s))
    else {
        return false;
    };
    let anonymous = q.principals == PrincipalScope::Anonymous;
    // A signed caller stands for the others: the keys judged for them do not depend on who.
    let caller = if anonymous {
        Caller::Anonymous
    } else {
        other_account(None)
    };
    !q.actions.is_empty()
        && st.conditions.iter().any(|c| {
            let op = &c.operator.value;
            let key = c.key.value.as_str();
            let false_when_absent = !op.base.is_negated()
                && !op.if_exists
                && !matches!(op.base, BaseOperator::Null | BaseOperator::Unknown)
                && op.set != Some(SetQualifier::ForAllValues);
            // Other callers: only what holds for every caller (a key AWS never sets, an S3
            // key tied to actions).
            let judged = anonymous
                || !crate::catalog::is_known_key(key)
                || key.to_ascii_lowercase().starts_with("s3:");
            false_when_absent
                && judged
                && q.actions
                    .iter()
                    .all(|a| availability_for(key, &caller, a) == Availability::Never)
        })
}

/// The engine's answer on `graph` (a cut graph) about the claim's callers and its first
/// [`ENGINE_ACTIONS`] actions.
fn engine(q: &StatementQuestion<'_>, graph: &Graph) -> Answer {
    let owner = q
        .owner
        .map_or_else(|| super::who_can::unnamed_owner(graph), str::to_string);
    // "Outside an unknown owner" is outside the account standing for it.
    let principals = match &q.principals {
        PrincipalScope::OutsideAccount(a) if a.is_empty() => {
            PrincipalScope::OutsideAccount(owner.clone())
        }
        other => other.clone(),
    };
    // The engine's bound: its action regions grow fast with the actions in scope (a grant of
    // `*` at one access level names a hundred), so it is asked about the likeliest few; a
    // "no" about those is then no proof for the rest ([`truncated`]).
    super::ask(&Question {
        graph,
        bucket: q.bucket.to_string(),
        owner,
        now: q.now,
        scope: Scope {
            principals,
            actions: q.actions.iter().take(ENGINE_ACTIONS).cloned().collect(),
            resource: None,
            conditions: Vec::new(),
        },
    })
}

/// The engine said no about the first [`ENGINE_ACTIONS`] actions only: uncertain, never "no
/// access".
fn truncated(q: &StatementQuestion<'_>) -> Claim {
    Claim::Uncertain(vec![Reason::new(
        super::ReasonKind::Model,
        Some(q.statement),
        format!(
            "only the first {ENGINE_ACTIONS} of its {} actions were searched",
            q.actions.len()
        ),
    )])
}

/// Whether an unconditional Deny of the statement's document refuses every request in
/// scope: a Deny statement with no condition (for anonymous callers, or conditions that
/// hold for every anonymous request: [`AnonymousConditions`]; or two "Deny unless" statements
/// naming no value in common: [`disjoint`]), `Principal` `*` (every caller, anonymous ones
/// included; for anonymous callers any principal matching them), an `Action` matching every action of the claim and a `Resource` covering the
/// bucket and all its objects. An explicit Deny in a resource policy overrides any Allow
/// (IAM "Policy evaluation logic", "Explicit deny").
fn covering_deny(q: &StatementQuestion<'_>) -> bool {
    use crate::eval::graph::PrincipalMatcher;
    let Some(s) = q.graph.statements.get(q.statement) else {
        return false;
    };
    let bucket_arn = format!("arn:aws:s3:::{}", q.bucket);
    let objects = format!("{bucket_arn}/");
    let u = crate::eval::actions::Universe::get();
    let on = |set: crate::eval::actions::Actions| {
        q.actions
            .iter()
            .any(|a| u.index(a).is_none_or(|i| set.has(i)))
    };
    let (on_bucket, on_objects) = (on(u.on_bucket), on(u.on_object));
    let covers = |pattern: &str, text: &str| {
        pattern == "*"
            || pattern
                .strip_suffix('*')
                .is_some_and(|head| !head.contains(['*', '?', '$']) && text.starts_with(head))
    };
    // Every caller in scope: `*`; for anonymous callers, the one caller matching will do (a
    // `NotPrincipal` naming only services or accounts).
    let every_caller = |d: &crate::eval::graph::CompiledStatement| match &d.principal {
        Some((false, items))
            if items
                .iter()
                .any(|m| matches!(m, PrincipalMatcher::Everyone)) =>
        {
            true
        }
        _ => {
            q.principals == PrincipalScope::Anonymous
                && d.principal_grant(&Caller::Anonymous, &q.graph.s3).is_some()
        }
    };
    let mut anonymous = AnonymousConditions::default();
    let mut unless: Vec<&crate::policy::Condition> = Vec::new();
    let one = q.graph.statements_of(s.doc).any(|id| {
        let Some(d) = q.graph.statements.get(id) else {
            return false;
        };
        let Some((_, written)) = q.graph.written(d) else {
            return false;
        };
        let in_scope = d.effect == Effect::Deny
            && every_caller(d)
            && !q.actions.is_empty()
            && q.actions
                .iter()
                .all(|a| d.matches_action_lower(&a.to_ascii_lowercase()))
            && written.resource.as_ref().is_some_and(|r| {
                !r.negated
                    && (!on_objects || r.items.iter().any(|i| covers(&i.value, &objects)))
                    && (!on_bucket || r.items.iter().any(|i| covers(&i.value, &bucket_arn)))
            });
        if !in_scope {
            return false;
        }
        if (d.conditions.is_empty() && written.conditions.is_empty())
            || anonymous.always_true(q, d, written)
        {
            return true;
        }
        unless.extend(deny_unless(written));
        false
    });
    one || disjoint(&unless)
}

/// The condition of a Deny statement that refuses every request but those with one of a few
/// values of a single-valued key: its only condition, `StringNotEquals` (or `...IfExists`)
/// on a key AWS declares single-valued, values without policy variables ("Deny unless the
/// request comes through endpoint `vpce-1`").
fn deny_unless(st: &crate::policy::Statement) -> Option<&crate::policy::Condition> {
    let [c] = st.conditions.as_slice() else {
        return None;
    };
    let op = &c.operator.value;
    let single_valued =
        crate::catalog::condition_key(&c.key.value).is_some_and(|k| !k.multi_valued());
    (op.base == crate::policy::BaseOperator::StringNotEquals
        && op.set.is_none()
        && single_valued
        && !c.values.is_empty()
        && !c.values.iter().any(|v| v.text.contains("${")))
    .then_some(c)
}

/// Whether two of the "Deny unless" conditions ([`deny_unless`]) on the same key name no
/// value in common, so that every request is refused by one of their statements: a request
/// without the key by both (a negated operator is true when the key is absent, IAM
/// "Condition keys that are not present in the request context"), a request with a value
/// by the one that does not name it (`StringNotEquals` compares exactly, IAM "String
/// condition operators"). "Deny unless through `vpce-1`" beside "Deny unless through
/// `vpce-2`" refuses everything.
fn disjoint(unless: &[&crate::policy::Condition]) -> bool {
    unless.iter().enumerate().any(|(i, a)| {
        unless.iter().skip(i + 1).any(|b| {
            a.key.value.eq_ignore_ascii_case(&b.key.value)
                && !a
                    .values
                    .iter()
                    .any(|v| b.values.iter().any(|w| w.text == v.text))
        })
    })
}

/// Whether the conditions of a Deny statement hold for every anonymous request in scope,
/// judged once on one anonymous request (built on first use): each condition is on a key
/// anonymous requests never carry (`aws:PrincipalOrgID`; not `aws:SourceVpce`) or one
/// `Request::new` derives from the anonymous caller alone, names no policy variable, and is
/// true there. Such a key is absent, or has the same value, in every anonymous request, so
/// the condition's verdict is the same for all of them (IAM "Condition keys that are not
/// present in the request context": `...IfExists` and negated operators are true then).
#[derive(Default)]
struct AnonymousConditions {
    request: Option<Request>,
}

impl AnonymousConditions {
    fn always_true(
        &mut self,
        q: &StatementQuestion<'_>,
        d: &crate::eval::graph::CompiledStatement,
        written: &crate::policy::Statement,
    ) -> bool {
        use super::keys::{Availability, availability, availability_for};
        use crate::eval::condition::{Verdict, evaluate};
        let fixed = |key: &str| {
            let derived = availability(key, &Caller::Anonymous) == Availability::Derived
                && !key.eq_ignore_ascii_case("aws:ResourceAccount")
                && !key.eq_ignore_ascii_case("s3:ResourceAccount");
            derived
                || q.actions
                    .iter()
                    .all(|a| availability_for(key, &Caller::Anonymous, a) == Availability::Never)
        };
        if q.principals != PrincipalScope::Anonymous
            || q.actions.is_empty()
            || written.conditions.is_empty()
            || !written
                .conditions
                .iter()
                .all(|c| fixed(&c.key.value) && !c.values.iter().any(|v| v.text.contains("${")))
        {
            return false;
        }
        let Some(action) = q.actions.first() else {
            return false;
        };
        let request = self.request.get_or_insert_with(|| {
            let resource = format!("arn:aws:s3:::{}", q.bucket);
            let owner = q.owner.unwrap_or(UNKNOWN_OWNER);
            Request::new(
                Caller::Anonymous,
                action,
                &resource,
                Some(owner),
                &[],
                q.now,
            )
        });
        d.conditions
            .iter()
            .all(|c| evaluate(c, &request.context) == Verdict::True)
    }
}

/// How many actions of a claim the engine is asked about (see [`claim`]).
const ENGINE_ACTIONS: usize = 16;

/// Only the first step of [`claim`]: the likely request, when it gets through. For claims
/// made on many statements where a miss keeps today's finding (`Uncertain`), so no engine
/// search is paid for.
pub fn likely_only(q: &StatementQuestion<'_>) -> Claim {
    likely_first(std::slice::from_ref(q))
        .map_or(Claim::Uncertain(Vec::new()), |f| Claim::Proven(Box::new(f)))
}

/// [`likely_only`] for several questions about one statement of one graph, in order: the
/// first witness. The cut graph of signed callers is built once for all of them.
pub fn likely_first(qs: &[StatementQuestion<'_>]) -> Option<Finding> {
    let first = qs.first()?;
    if outside_model(first.graph, first.statement).is_some() {
        return None;
    }
    let mut cut: Option<Option<Cut>> = None;
    qs.iter().find_map(|q| {
        if q.principals == PrincipalScope::Anonymous {
            return likely_witness(q, q.graph, q.statement);
        }
        let c = cut
            .get_or_insert_with(|| cut_graph(q.graph, q.statement, true, true))
            .as_ref()?;
        let at = c.ids.iter().position(|i| *i == q.statement)?;
        likely_witness(q, &c.graph, at)
    })
}

/// Whether any caller outside the owner account gets through with one of `actions` by
/// statement `id` of a resource policy: anonymous callers first, then signed callers of other
/// accounts and AWS services, who may get in where anonymous ones do not (a Deny with
/// `NotPrincipal`, a condition only a signed request meets, such as a pattern on
/// `aws:PrincipalArn`). `Denied` only when a Deny refuses both.
pub fn public_claim(
    graph: &Graph,
    id: usize,
    bucket: &str,
    owner: Option<&str>,
    actions: &[String],
    now: i64,
) -> Claim {
    let ask = |principals: PrincipalScope, likely: Caller| {
        claim(&StatementQuestion {
            graph,
            statement: id,
            bucket,
            owner,
            principals,
            likely,
            actions,
            now,
        })
    };
    let anonymous = ask(PrincipalScope::Anonymous, Caller::Anonymous);
    if matches!(anonymous, Claim::Proven(_)) {
        return anonymous;
    }
    let signed = ask(
        PrincipalScope::OutsideAccount(owner.unwrap_or("").to_string()),
        other_account(owner),
    );
    match (anonymous, signed) {
        (_, p @ Claim::Proven(_)) => p,
        (Claim::Uncertain(r), _) | (_, Claim::Uncertain(r)) => Claim::Uncertain(r),
        (Claim::Denied(mut a), Claim::Denied(b)) => {
            a.extend(b);
            Claim::Denied(a)
        }
        (d @ Claim::Denied(_), _) | (_, d @ Claim::Denied(_)) => d,
        _ => Claim::Nothing,
    }
}

/// The root user of an account that is not the owner's, as the likely outside caller.
fn other_account(owner: Option<&str>) -> Caller {
    let account = if owner == Some("999999999999") {
        "999999999998"
    } else {
        "999999999999"
    };
    Caller::parse(account).unwrap_or(Caller::Anonymous)
}

/// The witness of a finding as findings and reports carry it: caller, action, resource and
/// the context keys it sets.
pub fn witness(f: &Finding) -> crate::diagnostic::Witness {
    let r = &f.request;
    let mut context: Vec<crate::diagnostic::WitnessKey> = f
        .given
        .iter()
        .map(|(k, v)| crate::diagnostic::WitnessKey {
            key: k.clone(),
            values: v.clone(),
        })
        .collect();
    context.sort_by(|a, b| a.key.cmp(&b.key));
    crate::diagnostic::Witness {
        principal: r.caller.to_string(),
        action: r.action.clone(),
        resource: r.resource.clone(),
        context,
    }
}

/// Why the engine cannot answer for statement `id`, if it cannot: a principal it has no
/// caller for (a web-identity `Federated` provider, a canonical user id whose account is not
/// known), or a grant through access points (`s3:DataAccessPointAccount`, ...), whose
/// requests are not enumerated yet. A "no" there would be a wrong "no access".
fn outside_model(graph: &Graph, id: usize) -> Option<Reason> {
    use crate::eval::graph::PrincipalMatcher;
    let s = graph.statements.get(id)?;
    let odd_principal = s.principal.as_ref().is_some_and(|(_, items)| {
        items.iter().any(|m| {
            matches!(m, PrincipalMatcher::Other(_))
                || matches!(m, PrincipalMatcher::CanonicalUser(c)
                    if !graph.s3.canonical_ids.iter().any(|(k, _)| k == c))
        })
    });
    if odd_principal {
        return Some(Reason::new(
            super::ReasonKind::Model,
            Some(id),
            "a principal the engine has no caller for (a web-identity provider, an unknown canonical user)".into(),
        ));
    }
    let access_point_key = graph.written(s).is_some_and(|(_, st)| {
        st.conditions.iter().any(|c| {
            let k = c.key.value.to_ascii_lowercase();
            k.starts_with("s3:dataaccesspoint") || k == "s3:accesspointnetworkorigin"
        })
    });
    access_point_key.then(|| {
        Reason::new(
            super::ReasonKind::Model,
            Some(id),
            "a grant through access points, whose requests are not enumerated yet".into(),
        )
    })
}

/// The likely request, when `graph` allows it and its statement `statement` grants it: of
/// the likely caller, else of a role session of its account (see [`likely_callers`]).
fn likely_witness(q: &StatementQuestion<'_>, graph: &Graph, statement: usize) -> Option<Finding> {
    likely_callers(q, graph, statement)
        .iter()
        .find_map(|caller| likely_witness_of(q, graph, statement, caller))
}

/// The callers the likely request is tried with: the likely caller, and when it is an
/// account's root user and the statement tests a key of the caller's identity (its tags,
/// type, ARN, ...), a role session of that account: root users carry no tags and are of
/// type `Account` (IAM "AWS global condition context keys", aws:PrincipalTag and
/// aws:PrincipalType).
fn likely_callers(q: &StatementQuestion<'_>, graph: &Graph, statement: usize) -> Vec<Caller> {
    let mut out = vec![q.likely.clone()];
    let identity_key = graph
        .statements
        .get(statement)
        .and_then(|s| graph.written(s))
        .is_some_and(|(_, st)| {
            st.conditions.iter().any(|c| {
                let k = c.key.value.to_ascii_lowercase();
                k.starts_with("aws:principal") || k == "aws:userid" || k == "aws:username"
            })
        });
    if let Caller::Root { partition, account } = &q.likely
        && identity_key
    {
        out.push(Caller::Session {
            partition: partition.clone(),
            account: account.clone(),
            role_path: "/".into(),
            role: "example-role".into(),
            session: "example-session".into(),
        });
    }
    out.retain(|c| q.principals.admits(c));
    out
}

/// [`likely_witness`] for one caller.
fn likely_witness_of(
    q: &StatementQuestion<'_>,
    graph: &Graph,
    statement: usize,
    caller: &Caller,
) -> Option<Finding> {
    let s = graph.statements.get(statement)?;
    let (_, written) = graph.written(s)?;
    let bucket_arn = format!("arn:aws:s3:::{}", q.bucket);
    let object_arn = format!("{bucket_arn}/{}", object_key(written, q.bucket));
    let u = crate::eval::actions::Universe::get();
    let owner = q.owner.unwrap_or(UNKNOWN_OWNER);
    for action in q.actions {
        let i = u.index(action)?;
        let mut resources = Vec::new();
        if u.on_bucket.has(i) {
            resources.push(bucket_arn.as_str());
        }
        if u.on_object.has(i) {
            resources.push(object_arn.as_str());
        }
        let given = statement_context(graph, s.doc, written, caller, action);
        for resource in resources {
            let request =
                Request::new(caller.clone(), action, resource, Some(owner), &given, q.now);
            if !s.matches_resource(&request) {
                continue;
            }
            let response = decide(graph, &request, false);
            if response.decision != Decision::Allow || !response.determining.contains(&statement) {
                continue;
            }
            let f = Finding {
                class: Class {
                    caller: caller.clone(),
                    unnamed: false,
                    other_account: false,
                },
                unknown_action: false,
                request,
                given: given
                    .iter()
                    .map(|(k, v)| (k.clone(), vec![v.clone()]))
                    .collect(),
                absent: Vec::new(),
                response,
            };
            // The request was built from the witness's printable parts (caller, action,
            // resource, owner, one value per key given) as `replay` rebuilds it, and was just
            // allowed on this graph: replaying it decides the same request again.
            debug_assert!(super::replay(graph, &f, owner, q.now));
            return Some(f);
        }
    }
    None
}

/// The context values the likely request of `caller` for `action` gives: first so that the
/// statement's own positive conditions can hold, then so that the negated conditions of the
/// Deny statements of its document (`doc`) do not (the request comes through the endpoint,
/// network or address a "Deny unless ..." names). For each condition on a key the request
/// may carry (`keys::availability_for`: not derived from the caller, present for this caller
/// and action), one value it names, wildcards filled with `x`, an IP range's first address.
/// `Null`, `ForAllValues`, numbers, dates and policy variables are left out. The decision
/// then checks the request against every statement, so a value that does not fit only costs
/// the cheap path.
fn statement_context(
    graph: &Graph,
    doc: usize,
    st: &crate::policy::Statement,
    caller: &Caller,
    action: &str,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    fill(&mut out, st, false, caller, action);
    for id in graph.statements_of(doc) {
        if let Some(s) = graph
            .statements
            .get(id)
            .filter(|s| s.effect == Effect::Deny)
            && let Some((_, deny)) = graph.written(s)
        {
            fill(&mut out, deny, true, caller, action);
        }
    }
    out
}

/// Adds to `out` a value for each condition of `st` whose operator is negated (`negated`) or
/// not, on a key not set yet (see [`statement_context`]).
fn fill(
    out: &mut Vec<(String, String)>,
    st: &crate::policy::Statement,
    negated: bool,
    caller: &Caller,
    action: &str,
) {
    use super::keys::{Availability, availability_for};
    use crate::policy::{OperatorFamily, SetQualifier};
    for c in &st.conditions {
        let op = &c.operator.value;
        if op.base.is_negated() != negated || op.set == Some(SetQualifier::ForAllValues) {
            continue;
        }
        let key = c.key.value.as_str();
        // Root users have no tags (IAM "Tags for AWS Identity and Access Management resources").
        let untagged = matches!(caller, Caller::Root { .. })
            && key.to_ascii_lowercase().starts_with("aws:principaltag/");
        if untagged
            || !matches!(
                availability_for(key, caller, action),
                Availability::Free | Availability::Always
            )
            || out.iter().any(|(k, _)| k.eq_ignore_ascii_case(key))
        {
            continue;
        }
        let Some(v) = c
            .values
            .iter()
            .map(|v| v.text.as_str())
            .find(|v| !v.contains("${"))
        else {
            continue;
        };
        let value = match op.base.family() {
            OperatorFamily::String | OperatorFamily::Arn => v.replace(['*', '?'], "x"),
            OperatorFamily::Bool => v.to_string(),
            OperatorFamily::Ip => v.split('/').next().unwrap_or(v).to_string(),
            _ => continue,
        };
        out.push((key.to_string(), value));
    }
}

/// The owner the likely request names when the bucket owner is not known: it matters only to
/// callers of that account, and the likely callers are anonymous or of another named account.
const UNKNOWN_OWNER: &str = "000000000000";

/// An object key the statement's resources name: the first object pattern of the bucket,
/// wildcards filled with `x` (the real matcher then checks it).
fn object_key(st: &crate::policy::Statement, bucket: &str) -> String {
    let prefix = format!("arn:aws:s3:::{bucket}/");
    st.resource
        .iter()
        .filter(|r| !r.negated)
        .flat_map(|r| r.items.iter())
        .find_map(|r| r.value.strip_prefix(&prefix).map(str::to_string))
        .map(|k| k.replace(['*', '?'], "x"))
        .filter(|k| !k.is_empty() && !k.contains("${"))
        .unwrap_or_else(|| "example-object".to_string())
}

/// A graph of one statement's document cut down to the statement (and, with `denies`, the
/// document's Deny statements), with the graph id of each of its statements; with
/// `identity`, plus an identity policy that allows everything (for callers of other accounts).
struct Cut {
    graph: Graph,
    ids: Vec<usize>,
}

fn cut_graph(graph: &Graph, statement: usize, denies: bool, identity: bool) -> Option<Cut> {
    let s = graph.statements.get(statement)?;
    let doc = graph.documents.get(s.doc)?;
    let ids: Vec<usize> = graph
        .statements_of(s.doc)
        .filter(|i| {
            *i == statement
                || (denies
                    && graph
                        .statements
                        .get(*i)
                        .is_some_and(|x| x.effect == Effect::Deny))
        })
        .collect();
    // Only the kept statements are copied, compiled as they are in `graph`.
    let kept: Vec<&crate::eval::graph::CompiledStatement> = ids
        .iter()
        .filter_map(|i| graph.statements.get(*i))
        .collect();
    let policy = crate::policy::Policy {
        kind: doc.policy.kind,
        version: doc.policy.version.clone(),
        id: doc.policy.id.clone(),
        statements: kept
            .iter()
            .filter_map(|x| doc.policy.statements.get(x.index).cloned())
            .collect(),
        span: doc.policy.span,
    };
    let compiled = kept.into_iter().cloned().collect();
    let mut cut = Graph::new();
    cut.add_compiled(doc.source.clone(), policy, compiled, doc.layer, doc.level);
    // Block Public Access still acts; ACLs and access points are other ways in, not this
    // statement's (and access points are outside the engine's model).
    let facts = &graph.s3;
    cut.s3 = crate::eval::s3_facts::S3Facts {
        bucket: facts.bucket.clone(),
        canonical_ids: facts.canonical_ids.clone(),
        ownership: facts.ownership.clone(),
        object_owner: facts.object_owner.clone(),
        account_bpa: facts.account_bpa.clone(),
        bucket_bpa: facts.bucket_bpa.clone(),
        ..Default::default()
    };
    if identity && let Some((source, policy, compiled)) = super::who_can::assumed_identity() {
        // Access Analyzer's reading, as in `who-can`: the callers' own identity policies,
        // not given, may allow anything.
        cut.add_compiled(
            source.clone(),
            std::sync::Arc::clone(policy),
            compiled.clone(),
            crate::eval::graph::Layer::Identity,
            0,
        );
    }
    Some(Cut { graph: cut, ids })
}
