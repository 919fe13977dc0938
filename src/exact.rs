//! The exact engine: "is there a request in this region that the full decision allows?",
//! answered over every request at once, each "yes" with a concrete request replayed through
//! [`crate::eval::decide`], each "no" exact for what is modelled, and "uncertain, because …"
//! with the place wherever something is not (design: `docs/exact-analysis.md`).
//!
//! Every request dimension is split into the regions the documents' constants tell apart:
//! principal classes ([`principals`]), the catalogue's S3 actions plus the regions of actions
//! it does not know, object keys as the atoms of the resource patterns' automata
//! ([`automaton`]), and every free condition key by type ([`regions`]). The decision is
//! constant on a region, so the search ([`search`]) evaluates one representative request per
//! reachable combination, pruning the condition keys statement by statement.

pub mod automaton;
pub mod claim;
pub mod diff;
mod identities;
pub mod keys;
pub mod kms_leg;
pub mod principals;
pub mod regions;
mod search;
pub mod who_can;

use crate::eval::decide::Response;
use crate::eval::graph::Graph;
use crate::eval::request::{Caller, Request};
use crate::policy::Condition;

pub use principals::Class;

/// The search's maps and sets: keyed by bit vectors and small structs it builds millions of
/// times, where SipHash's resistance to chosen keys buys nothing (the keys come from the
/// documents, not from a network) and cost a tenth of a `who-can`. Fixed seeds: the same input
/// gives the same run.
type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;
type FastSet<K> = std::collections::HashSet<K, foldhash::fast::FixedState>;

/// Which callers a question is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PrincipalScope {
    /// Every caller.
    #[default]
    All,
    /// Unsigned requests only.
    Anonymous,
    /// The principals of one account (its root, users, roles, sessions, federated users).
    Account(String),
    /// Every signed caller outside this account (other accounts and AWS services).
    OutsideAccount(String),
    /// AWS service principals.
    Services,
    /// Exactly this caller.
    Caller(Caller),
    /// Every caller but these (`who-can` answers them with their own identity policies).
    AllBut(Vec<Caller>),
}

impl PrincipalScope {
    fn admits(&self, caller: &Caller) -> bool {
        match self {
            PrincipalScope::All => true,
            PrincipalScope::Anonymous => *caller == Caller::Anonymous,
            PrincipalScope::Account(a) => caller.account() == Some(a.as_str()),
            PrincipalScope::OutsideAccount(a) => {
                *caller != Caller::Anonymous && caller.account() != Some(a.as_str())
            }
            PrincipalScope::Services => matches!(caller, Caller::Service { .. }),
            PrincipalScope::Caller(c) => c == caller,
            PrincipalScope::AllBut(them) => !them.contains(caller),
        }
    }
}

/// The region a question restricts itself to: principals, actions, resources and conditions
/// the request must satisfy (a property P such as "over plain HTTP").
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The callers.
    pub principals: PrincipalScope,
    /// Action patterns (IAM wildcards, any case); empty for every action.
    pub actions: Vec<String>,
    /// A resource ARN pattern (IAM wildcards); `None` for the bucket and all its objects.
    pub resource: Option<String>,
    /// Conditions (as in a policy) every request of the region satisfies.
    pub conditions: Vec<Condition>,
}

impl Scope {
    /// Adds conditions written as a policy's Condition block, e.g.
    /// `{"Bool": {"aws:SecureTransport": "false"}}` for "over plain HTTP".
    pub fn with_conditions(mut self, block: &str) -> Result<Scope, String> {
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{block}}}}}"#
        );
        let value = crate::json::parse(&text).map_err(|e| format!("{block}: {e:?}"))?;
        let parsed =
            crate::policy::parse::parse_policy(&value, crate::policy::PolicyKind::Identity);
        let statement = parsed
            .policy
            .and_then(|p| p.statements.into_iter().next())
            .ok_or_else(|| format!("`{block}` is not a Condition block"))?;
        if statement.conditions.is_empty() {
            return Err(format!("`{block}` holds no condition"));
        }
        self.conditions.extend(statement.conditions);
        Ok(self)
    }
}

/// A question about one bucket.
#[derive(Debug, Clone)]
pub struct Question<'g> {
    /// Every document that takes part (bucket and access point policies, S3 facts, SCPs, RCPs,
    /// and the identity-side layers, which apply to every IAM caller).
    pub graph: &'g Graph,
    /// The bucket name.
    pub bucket: String,
    /// The account that owns the bucket.
    pub owner: String,
    /// The earliest request time, epoch seconds (times before it are not requests anyone can
    /// still make).
    pub now: i64,
    /// The region asked about.
    pub scope: Scope,
}

/// What makes an answer uncertain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReasonKind {
    /// A policy variable ties a value to another key: not modelled.
    Variable,
    /// A construct the model does not cover exactly.
    Model,
    /// Principal classes may not separate what a condition on a caller-derived key does.
    Principals,
    /// A size limit of the search was reached.
    Limit,
    /// The evaluator itself is uncertain about a request (unknown operator, unknown account).
    Evaluator,
    /// A witness did not replay as found: a bug; the answer is withheld.
    Replay,
    /// A value of the bucket read from infrastructure as code is not known before apply (a
    /// variable without a value, a data source): the answer holds for the values assumed.
    IacUnknown,
}

/// Why an answer is uncertain, and where.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reason {
    /// The kind.
    pub kind: ReasonKind,
    /// The statement (graph id) it comes from, if any.
    pub statement: Option<usize>,
    /// What is not modelled and what it may change.
    pub message: String,
}

impl Reason {
    /// A reason.
    pub fn new(kind: ReasonKind, statement: Option<usize>, message: String) -> Reason {
        Reason {
            kind,
            statement,
            message,
        }
    }

    /// A witness that does not replay: `r` was found allowed and is not when rebuilt (a
    /// bug); its finding is withheld and the answer uncertain.
    pub(crate) fn not_replayed(r: &Request) -> Reason {
        Reason::new(
            ReasonKind::Replay,
            None,
            format!(
                "a request found allowed ({} {} on {}) is not allowed when rebuilt; the finding is withheld (a bug: please report it)",
                r.caller, r.action, r.resource
            ),
        )
    }
}

/// One request the full decision allows: its principal class, the request and the decision.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The principal class the caller stands for.
    pub class: Class,
    /// Whether the action is one the catalogue does not know.
    pub unknown_action: bool,
    /// The witness request.
    pub request: Request,
    /// The condition keys the witness sets, with their values (empty: present without value).
    pub given: Vec<(String, Vec<String>)>,
    /// The free keys the witness leaves absent on purpose.
    pub absent: Vec<String>,
    /// The decision on the witness (statements and ACL grants that allow it).
    pub response: Response,
}

/// Every allowed request class found, and what makes the enumeration inexact.
#[derive(Debug, Clone, Default)]
pub struct Exploration {
    /// One finding per allowed combination of regions.
    pub findings: Vec<Finding>,
    /// Reasons the absence of a finding is not proof.
    pub reasons: Vec<Reason>,
    /// How many representative requests were decided.
    pub decided: usize,
}

/// One decided finding and the alike requests it stands for: each of `actions` on each of
/// `resources` gets the same decision on the same context (the reductions of the search), so
/// one witness, decided and replayed, answers for all of them.
#[derive(Debug, Clone)]
pub struct FindingClass {
    /// The decided witness; its action and resource are the first of the lists. Boxed: a
    /// finding is large, and lists of classes grow and move.
    pub finding: Box<Finding>,
    /// The alike actions: positions in [`ClassExploration::actions`], ascending.
    pub actions: Vec<usize>,
    /// The alike resources: positions in [`ClassExploration::resources`], ascending.
    pub resources: Vec<usize>,
    /// The position of the principal class in the exploration's order.
    pub principal: usize,
    /// What kind of finding it is: 0 for an allowed request; a diff explored once for both
    /// directions tells new access (0) from removed access (1).
    pub outcome: usize,
}

/// [`Exploration`] with the alike requests kept as classes instead of one finding each.
#[derive(Debug, Clone, Default)]
pub struct ClassExploration {
    /// The findings, class by class, each principal's in the order they were decided.
    pub classes: Vec<FindingClass>,
    /// Every action tried (name, and whether the catalogue does not know it), in order.
    pub actions: Vec<(String, bool)>,
    /// Every resource tried (the bucket ARN first, then the object ARNs), in order.
    pub resources: Vec<String>,
    /// Reasons the absence of a finding is not proof.
    pub reasons: Vec<Reason>,
    /// How many representative requests were decided.
    pub decided: usize,
}

impl ClassExploration {
    /// One finding per allowed request region, in the order of an exploration without the
    /// reductions: by principal class, action, resource, then as decided.
    pub fn expand(&self) -> Exploration {
        let mut members: Vec<(usize, usize, usize, usize)> = Vec::new();
        for (i, c) in self.classes.iter().enumerate() {
            for a in &c.actions {
                for r in &c.resources {
                    members.push((c.principal, *a, *r, i));
                }
            }
        }
        members.sort_unstable();
        let findings = members
            .into_iter()
            .filter_map(|(_, a, r, i)| {
                let c = self.classes.get(i)?;
                let mut f = Finding::clone(&c.finding);
                if c.actions.first() != Some(&a) {
                    let (name, unknown) = self.actions.get(a)?;
                    f.request.action.clone_from(name);
                    f.request.action_lower = name.to_ascii_lowercase();
                    f.unknown_action = *unknown;
                }
                if c.resources.first() != Some(&r) {
                    let owner = f.request.resource_account.clone();
                    f.request = f.request.retarget(self.resources.get(r)?, &owner, &[]);
                }
                Some(f)
            })
            .collect();
        Exploration {
            findings,
            reasons: self.reasons.clone(),
            decided: self.decided,
        }
    }
}

/// The answer to a question.
#[derive(Debug, Clone)]
pub enum Answer {
    /// Some request of the region is allowed: here is one, replayed through `decide`.
    Yes(Box<Finding>),
    /// No request of the region is allowed.
    No,
    /// No allowed request was found, but the model does not cover everything: why.
    Uncertain(Vec<Reason>),
}

/// Answers `question`: the first allowed request found, or "no", or "uncertain".
pub fn ask(question: &Question<'_>) -> Answer {
    let mode = search::Mode {
        limit: Some(1),
        ..search::Mode::all(true)
    };
    let mut e = search::explore(question, mode);
    match e.classes.pop() {
        Some(c) => Answer::Yes(c.finding),
        None if e.reasons.is_empty() => Answer::No,
        None => Answer::Uncertain(e.reasons),
    }
}

/// Enumerates every allowed region combination of `question` (one finding each).
pub fn explore(question: &Question<'_>) -> Exploration {
    search::explore(question, search::Mode::all(true)).expand()
}

/// [`explore`] with the alike actions and resources of each decided finding kept as one
/// class: what `who-can` and `diff` summarise, without one request per member.
pub fn explore_classes(question: &Question<'_>) -> ClassExploration {
    search::explore(question, search::Mode::all(true))
}

/// [`explore`] without the reductions (alike actions and object keys decided once): every
/// action and key region decided on its own. For tests that check the reductions are exact.
#[doc(hidden)]
pub fn explore_unreduced(question: &Question<'_>) -> Exploration {
    search::explore(question, search::Mode::all(false)).expand()
}

/// Replays a finding the way a user would: a request rebuilt from its printable parts
/// (caller, action, resource, owner, the keys given), through `decide`. True when it is
/// allowed again.
pub fn replay(graph: &Graph, f: &Finding, owner: &str, now: i64) -> bool {
    let r = search::rebuild(f, owner, now);
    crate::eval::decide(graph, &r, false).decision == crate::eval::Decision::Allow
}
