//! The search: for each principal class, action and resource region, the statements that can
//! apply; their conditions split by key; the free keys tried region by region, keeping one
//! assignment per distinct set of statements still able to match (two assignments that leave
//! the same statements matching get the same decision); then one `decide` per remaining
//! assignment, on a concrete request.

use super::FastMap as HashMap;
use super::automaton::{self, Glob, Test};
use super::keys::{self, Availability};
use super::principals::{self, Class};
use super::regions::{self, Written};
use super::{ClassExploration, Finding, FindingClass, Question, Reason, ReasonKind};
use crate::arn::ArnPattern;
use crate::eval::Decision;
use crate::eval::condition::{self, Compiled, Verdict};
use crate::eval::context::{Context, Origin};
use crate::eval::decide::{Response, Target};
use crate::eval::graph::{GrantKind, Graph, ResourceMatcher};
use crate::eval::request::{Caller, Request};
use crate::policy::BaseOperator;
use crate::wildcard::{self, Case};

/// Most distinct statement sets kept per request region.
const STATE_LIMIT: usize = 4096;
/// Most product states of the object-key and action automata.
const AUTOMATON_LIMIT: usize = 50_000;

/// How each representative request is judged: by default, allowed by `decide` on the
/// question's graph; a diff judges by two graphs (`super::diff`) over the regions of their union.
pub(super) trait Judge: Sync {
    /// The response that makes `request` a finding and the finding's outcome (see
    /// [`FindingClass::outcome`]), or `None`; uncertainties go to `reasons`. A judge
    /// implements this or [`Judge::judge_among`] (each is the other without the hint).
    fn judge(&self, request: &Request, reasons: &mut Vec<Reason>) -> Option<(Response, usize)> {
        self.judge_among(request, reasons, None)
    }
    /// [`Judge::judge`], told by `hint` for each statement of a graph whether its action and
    /// resource match `request` ([`crate::eval::decide::decide_among`]). A judge deciding on
    /// that graph itself uses it.
    fn judge_among(
        &self,
        request: &Request,
        reasons: &mut Vec<Reason>,
        _hint: Option<Hint<'_>>,
    ) -> Option<(Response, usize)> {
        self.judge(request, reasons)
    }
    /// Whether a finding of `outcome` holds again when rebuilt from its printable parts.
    fn replays(&self, f: &Finding, outcome: usize) -> bool;
    /// The KMS legs the judge applies: their requests split the regions too (`kms_leg`).
    fn legs(&self) -> &[super::kms_leg::Leg] {
        &[]
    }
    /// Whether `request` could be a finding though no statement of `graph` matched it:
    /// whether `decide` allows it so, or leaves an uncertainty that could hide an allow.
    /// `None` when the judge cannot tell (it does not decide on `graph` alone).
    fn without_statements(&self, _graph: &Graph, _request: &Request) -> Option<bool> {
        None
    }
}

/// [`Judge::without_statements`] for a judge deciding on `own` alone: `decide` on `request`,
/// told that every statement misses it.
pub(super) fn allowed_without_statements(
    own: &Graph,
    graph: &Graph,
    request: &Request,
) -> Option<bool> {
    if !std::ptr::eq(own, graph) {
        return None;
    }
    let response = crate::eval::decide::decide_among(own, request, &|_| Target::Misses);
    Some(
        response.decision == Decision::Allow || response.uncertain.iter().any(|u| u.if_not_allowed),
    )
}

/// The default judge: `decide` on one graph allows.
pub(super) struct Allowed<'g> {
    pub(super) graph: &'g Graph,
    pub(super) owner: &'g str,
    pub(super) now: i64,
}

impl Judge for Allowed<'_> {
    fn judge_among(
        &self,
        request: &Request,
        reasons: &mut Vec<Reason>,
        hint: Option<Hint<'_>>,
    ) -> Option<(Response, usize)> {
        let response = decide_on(self.graph, request, reasons, hint);
        (response.decision == Decision::Allow).then_some((response, 0))
    }

    fn replays(&self, f: &Finding, _: usize) -> bool {
        super::replay(self.graph, f, self.owner, self.now)
    }

    fn without_statements(&self, graph: &Graph, request: &Request) -> Option<bool> {
        allowed_without_statements(self.graph, graph, request)
    }
}

/// What the search knows of a request: for each statement of the graph, whether its action
/// and resource match it.
pub(super) type Hint<'a> = (&'a Graph, &'a dyn Fn(usize) -> Target);

/// `decide` on `own` (a judge's graph), told what `hint` says where it speaks of `own`; the
/// uncertainties that could hide an allow go to `reasons`.
pub(super) fn decide_on(
    own: &Graph,
    request: &Request,
    reasons: &mut Vec<Reason>,
    hint: Option<Hint<'_>>,
) -> Response {
    let target = match hint {
        Some((graph, target)) if std::ptr::eq(graph, own) => target,
        _ => &|_| Target::Unknown,
    };
    let response = crate::eval::decide::decide_among(own, request, target);
    uncertain_reasons(&response, reasons);
    response
}

/// The evaluator's uncertainties about `response` that could hide an allow.
pub(super) fn uncertain_reasons(response: &Response, reasons: &mut Vec<Reason>) {
    for u in &response.uncertain {
        if u.if_not_allowed {
            reasons.push(Reason::new(
                ReasonKind::Evaluator,
                u.statement,
                u.reason.clone(),
            ));
        }
    }
}

/// An action to try, and which resources it is authorized against.
#[derive(Clone)]
struct ActionCand {
    name: String,
    on_bucket: bool,
    on_object: bool,
    unknown: bool,
}

/// A free condition dimension: one key, or the request time (two keys, one instant).
#[derive(Clone)]
struct Dim {
    /// Lowercase keys it sets.
    keys: Vec<String>,
    /// The key as first written, for output.
    shown: String,
    time: bool,
    /// Present values (each a list: a set for multi-valued keys).
    values: Vec<Vec<String>>,
    /// A context per value holding only this dimension's keys (what an assignment of the
    /// value sets on a request), and the empty context last.
    contexts: Vec<Context>,
}

impl Dim {
    /// The context value `i` sets (`None`: the dimension absent, nothing set).
    fn value_context(&self, i: Option<usize>) -> Option<&Context> {
        i.filter(|i| *i < self.values.len())
            .and_then(|i| self.contexts.get(i))
    }
}

/// An assignment of dimensions to a value index (`None`: absent).
type Assignment = Vec<(usize, Option<usize>)>;

/// Everything computed once per question.
struct Prepared<'q> {
    q: &'q Question<'q>,
    judge: &'q dyn Judge,
    classes: Vec<Class>,
    actions: Vec<ActionCand>,
    /// The resources: the bucket ARN, then one object ARN per object key tried.
    resource_arns: Vec<String>,
    dims: Vec<Dim>,
    scope: Vec<Compiled>,
    /// Per statement, the reasons that apply when it takes part.
    statement_reasons: Vec<Vec<Reason>>,
    /// Per statement, the dimension of each condition (`None`: a key derived from the caller).
    cond_dims: Vec<Vec<Option<usize>>>,
    /// Per statement and condition on a dimension, whether it holds under each of the
    /// dimension's contexts ([`Dim::contexts`]): the same in every region, so it is evaluated
    /// once here instead of in every region's assignments.
    cond_holds: Vec<Vec<Vec<bool>>>,
    /// The dimension of each of the scope's conditions.
    scope_dims: Vec<Option<usize>>,
    /// Per VPC endpoint policy of the graph, the condition that the request comes through
    /// it: `decide` gates such requests, so they must not share an assignment with others.
    gates: Vec<Compiled>,
    /// The dimension of each gate condition.
    gate_dims: Vec<Option<usize>>,
    /// The resources tried, per combination of bucket (bit 0) and object (bit 1) actions
    /// ([`Prepared::resources`]).
    targets: Vec<Vec<(usize, Option<usize>)>>,
    /// The statements with a policy variable in their `Resource` (their match depends on
    /// the request's context: `resource_bits` counts them as matching every resource).
    variable: Bits,
    /// Whether alike actions and object keys share one decision (off only to check that
    /// the reductions change nothing).
    reduce: bool,
    /// Whether each finding is replayed as it is found.
    replay_each: bool,
    /// Per action, the statements whose action patterns match it.
    action_bits: Vec<Bits>,
    /// Per resource, the statements whose Resource can match it (a Resource with a policy
    /// variable can match any: `decide` judges it on the request's context).
    resource_bits: Vec<Bits>,
    /// Per action, the first action `decide` reads alike by name (see [`name_classes`]);
    /// `None` when it does not read the name.
    by_name: Vec<Option<usize>>,
    /// Per resource, what `decide` reads of it beside the statements' Resource patterns:
    /// resources with the same number are alike (see [`resource_facts`]).
    resource_facts: Vec<usize>,
    /// The distinct sets of keys some action never carries though they may otherwise be
    /// present (S3 keys the catalogue does not list for it), each as a flag per dimension.
    nevers: Vec<Vec<bool>>,
    /// Per action, its set in `nevers`.
    never_of: Vec<usize>,
    /// Per action, the first action alike for `decide` whatever the caller, but for the keys
    /// it carries (`None`: decided on its own; the reductions are off, or `decide` reads its
    /// name). Two actions alike on the same resources whose keys can appear alike for a
    /// caller get the same decisions on the same requests: `decide` reads an action whose
    /// name it does not read only through the resources it is authorized against, whether
    /// the catalogue knows it, which statements' action patterns match it and how each
    /// condition key can appear with it (and the RCP service check: every action tried is
    /// `s3:`).
    action_rep: Vec<Option<usize>>,
    /// The accounts the S3 facts name (owner, ACL grantees, object and access point owners):
    /// `decide` compares the caller's account with these.
    fact_accounts: Vec<String>,
    /// The keys the policy variables of the statements and the scope read (lowercase;
    /// `None` when one cannot be parsed): a class follows another only when they give these
    /// keys the same values.
    variables: Option<Vec<String>>,
    /// The judge's KMS legs.
    legs: &'q [super::kms_leg::Leg],
    /// The Allow statements.
    allows: Bits,
    /// The Allow statements with a condition operator `decide` does not know (it reports an
    /// uncertainty when the rest of such a statement matches).
    unsure_allows: Bits,
}

/// What `decide` can tell about a principal class (see [`Prepared::class_signature`]).
#[derive(PartialEq, Eq, Hash)]
struct ClassSignature {
    kind: std::mem::Discriminant<Caller>,
    facts: [bool; 3],
    principal_type: &'static str,
    /// The account if the S3 facts name it, `Some("")` for another account.
    account: Option<String>,
    service: Option<String>,
    /// How each statement's principal names the caller (`GrantKind` as a number, 0: not;
    /// plus 4 when a Federated principal may name it).
    grants: Vec<u8>,
    conditions: Vec<bool>,
    /// The caller's value of each key the policy variables read.
    variables: Vec<Option<Vec<String>>>,
    avail: Vec<Availability>,
}

/// A statement (or the scope's conditions) in one request region: its conditions on free
/// dimensions, each with its dimension and, when known in advance, whether it holds under each
/// of the dimension's contexts (`Prepared::cond_holds`).
pub(super) struct Entry<'a> {
    pub(super) statement: Option<usize>,
    pub(super) conds: Vec<(&'a Compiled, usize, Option<&'a [bool]>)>,
}

/// How an exploration runs.
#[derive(Debug, Clone, Copy)]
pub(super) struct Mode {
    /// Stop after this many finding classes (`None`: every one).
    pub(super) limit: Option<usize>,
    /// Whether alike actions and object keys share one decision (off only to check that the
    /// reductions change nothing).
    pub(super) reduce: bool,
    /// Whether every finding is replayed as it is found; off when the caller replays the
    /// findings it shows (`who-can` and `diff` replay each group's witness).
    pub(super) replay_each: bool,
}

impl Mode {
    /// Every finding, each replayed.
    pub(super) fn all(reduce: bool) -> Mode {
        Mode {
            limit: None,
            reduce,
            replay_each: true,
        }
    }

    /// Every finding; the caller replays those it shows.
    pub(super) fn shown(reduce: bool) -> Mode {
        Mode {
            replay_each: false,
            ..Mode::all(reduce)
        }
    }
}

pub(super) fn explore(q: &Question<'_>, mode: Mode) -> ClassExploration {
    let judge = Allowed {
        graph: q.graph,
        owner: &q.owner,
        now: q.now,
    };
    explore_by(q, &judge, mode)
}

/// Explores `q`'s regions (computed from `q.graph`), judging each representative by `judge`;
/// `mode.reduce` merges the action and key classes `decide` cannot tell apart (exact; off
/// only to test that).
pub(super) fn explore_by<'q>(
    q: &'q Question<'q>,
    judge: &'q dyn Judge,
    mode: Mode,
) -> ClassExploration {
    explore_sharing(q, judge, mode, &Splits::default())
}

/// [`explore_by`], with the splits other questions computed (see [`Splits`]).
pub(super) fn explore_sharing<'q>(
    q: &'q Question<'q>,
    judge: &'q dyn Judge,
    mode: Mode,
    splits: &Splits,
) -> ClassExploration {
    use rayon::prelude::*;
    let limit = mode.limit;
    let mut reasons: Vec<Reason> = Vec::new();
    let p = Prepared::new(q, judge, &mut reasons, mode, splits);
    let admitted: Vec<(usize, &Class)> = p
        .classes
        .iter()
        .filter(|c| q.scope.principals.admits(&c.caller))
        .enumerate()
        .collect();
    let n = q.graph.statements.len();
    let mut out = ClassExploration::default();
    match limit {
        // Every finding: the principal classes are independent, explored in parallel (the
        // results are collected in class order, so the output does not depend on timing).
        // A class alike an earlier one (see `Prepared::class_signature`) follows it; the
        // classes alike but for the statements that name them share their regions' decisions
        // (see `sharing`).
        None => {
            let one = |i: usize, class: &Class, memo: &mut Memo| {
                let mut o = Found::new(i);
                let mut r = Vec::new();
                let mut noted = Bits::indices(n, |_| false);
                p.class_regions(class, memo, &mut o, &mut r, &mut noted, None);
                (o, r)
            };
            let signatures: Vec<Option<ClassSignature>> = admitted
                .iter()
                .map(|(_, class)| p.class_signature(class))
                .collect();
            let leaders = leaders(&signatures);
            let explored: Vec<Vec<(usize, Explored)>> = sharing(signatures, &leaders)
                .par_iter()
                .map(|members| {
                    let mut memo = Memo::default();
                    members
                        .iter()
                        .filter_map(|k| {
                            let (i, class) = admitted.get(*k)?;
                            Some((*k, one(*i, class, &mut memo)))
                        })
                        .collect()
                })
                .collect();
            let mut led: Vec<Option<Explored>> = admitted.iter().map(|_| None).collect();
            for (k, found) in explored.into_iter().flatten() {
                if let Some(slot) = led.get_mut(k) {
                    *slot = Some(found);
                }
            }
            let followed: Vec<Option<(Found, Vec<Reason>)>> = admitted
                .par_iter()
                .zip(&leaders)
                .map(|((i, class), l)| {
                    let (leader, _) = led.get((*l)?)?.as_ref()?;
                    Some(
                        p.follow(class, *i, leader)
                            .unwrap_or_else(|| one(*i, class, &mut Memo::default())),
                    )
                })
                .collect();
            let parts: Vec<Explored> = led
                .into_iter()
                .zip(followed)
                .filter_map(|(a, b)| a.or(b))
                .collect();
            // Findings are large: moved once, into room made for all of them.
            out.classes
                .reserve(parts.iter().map(|(o, _)| o.classes.len()).sum());
            for (o, r) in parts {
                out.classes.extend(o.classes);
                out.decided += o.decided;
                reasons.extend(r);
            }
        }
        Some(_) => {
            let mut noted = Bits::indices(n, |_| false);
            for (i, class) in admitted {
                let mut o = Found::new(i);
                let mut memo = Memo::default();
                let stop =
                    p.class_regions(class, &mut memo, &mut o, &mut reasons, &mut noted, limit);
                out.classes.extend(o.classes);
                out.decided += o.decided;
                if stop {
                    break;
                }
            }
        }
    }
    reasons.sort_by_key(|r| (r.kind, r.statement));
    reasons.dedup();
    out.reasons = reasons;
    out.actions = p
        .actions
        .iter()
        .map(|a| (a.name.clone(), a.unknown))
        .collect();
    out.resources = p.resource_arns;
    out
}

/// For each admitted class (its signature, [`Prepared::class_signature`]), the earlier class
/// it is alike (`None`: explored itself).
fn leaders(signatures: &[Option<ClassSignature>]) -> Vec<Option<usize>> {
    let mut first: HashMap<&ClassSignature, usize> = HashMap::default();
    signatures
        .iter()
        .enumerate()
        .map(|(k, sig)| {
            let lead = *first.entry(sig.as_ref()?).or_insert(k);
            (lead != k).then_some(lead)
        })
        .collect()
}

/// The classes explored themselves (`leaders[k]` is `None`), in groups that share one memo of
/// region decisions, each group in class order: classes alike in everything their
/// `signatures` hold but how the statements name them. `decide` reads only the statements of
/// a region (those whose principal names the caller, among them), and the region's key holds
/// them and how each names the caller ([`RegionKey`]), so a region of one such class decides
/// as the region of another with the same key.
fn sharing(signatures: Vec<Option<ClassSignature>>, leaders: &[Option<usize>]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut first: HashMap<ClassSignature, usize> = HashMap::default();
    for (k, sig) in signatures.into_iter().enumerate() {
        if leaders.get(k).copied().flatten().is_some() {
            continue;
        }
        let Some(mut sig) = sig else {
            groups.push(vec![k]);
            continue;
        };
        sig.grants.clear();
        let g = *first.entry(sig).or_insert(groups.len());
        match groups.get_mut(g) {
            Some(members) => members.push(k),
            None => groups.push(vec![k]),
        }
    }
    groups
}

/// A class's findings and the reasons its exploration noted.
type Explored = (Found, Vec<Reason>);

/// The findings of one principal class, as classes of alike requests.
struct Found {
    principal: usize,
    classes: Vec<FindingClass>,
    decided: usize,
}

impl Found {
    fn new(principal: usize) -> Found {
        Found {
            principal,
            classes: Vec::new(),
            decided: 0,
        }
    }
}

/// The conditions every region is split by beyond the statements': each VPC endpoint
/// policy's gate, and the KMS legs' encryption headers (`kms_leg`).
fn gates_written(graph: &Graph, legs: &[super::kms_leg::Leg]) -> Vec<crate::policy::Condition> {
    let mut gates = gate_conditions(graph);
    gates.extend(super::kms_leg::header_conditions(legs));
    gates
}

/// A split computed once per distinct input, shared between questions.
type Shared<K, V> = std::sync::Mutex<HashMap<K, std::sync::Arc<V>>>;

/// What a split gives: its result and the reasons it noted.
type Split<T> = (T, Vec<Reason>);

/// The action split's inputs: the action patterns (lowercase, sorted) and the scope's actions.
type ActionInputs = (Vec<String>, Vec<String>);
/// The object-key split's inputs: the resource patterns (sorted), the bucket, the scope's
/// resource and the listed objects' keys.
type ObjectInputs = (Vec<String>, String, Option<String>, Vec<String>);
/// The condition split's inputs: every condition as written (with its statement), the owner
/// and the time.
type DimInputs = (Vec<(String, String, Written)>, String, i64);
/// The condition split: the dimensions, and the dimension of each lowercase key.
type Dims = (Vec<Dim>, HashMap<String, usize>);

/// The action, object-key and condition splits of questions, each kept by everything it
/// reads: `who-can` asks one question per declared principal, on the bucket's graph plus that
/// principal's identity policies, and a split those add no pattern or condition to is
/// computed once. Each split is a function of its inputs, so a shared one is the one the
/// question would compute.
#[derive(Default)]
pub(super) struct Splits {
    /// Whether splits are kept at all (not for a question asked alone).
    keep: bool,
    actions: Shared<ActionInputs, Split<Vec<ActionCand>>>,
    /// Not kept with KMS legs (their tests split keys too).
    objects: Shared<ObjectInputs, Split<Vec<String>>>,
    dims: Shared<DimInputs, Split<Dims>>,
}

impl Splits {
    /// The three splits of `q`, computed side by side where not already known, their reasons
    /// kept in this order.
    fn of(
        &self,
        q: &Question<'_>,
        legs: &[super::kms_leg::Leg],
        gates: &[crate::policy::Condition],
    ) -> (Split<Vec<ActionCand>>, Split<Vec<String>>, Split<Dims>) {
        let (a, (o, d)) = rayon::join(
            || {
                let inputs = (action_patterns(q), q.scope.actions.clone());
                self.shared(&self.actions, inputs, |(patterns, _)| {
                    let mut r = Vec::new();
                    (actions(q, patterns, &mut r), r)
                })
            },
            || {
                rayon::join(
                    || {
                        // The KMS legs split object keys by the encryption context.
                        let leg_tests: Vec<Test> = legs
                            .iter()
                            .flat_map(|l| l.key_tests(q.graph, &q.bucket))
                            .collect();
                        let patterns = key_patterns(q);
                        let compute = |patterns: &Vec<String>| {
                            let mut r = Vec::new();
                            (object_keys(q, patterns, &leg_tests, &mut r), r)
                        };
                        if !leg_tests.is_empty() {
                            return compute(&patterns);
                        }
                        let listed = q.graph.s3.objects.iter().map(|o| o.key.clone()).collect();
                        let inputs = (patterns, q.bucket.clone(), q.scope.resource.clone(), listed);
                        self.shared(&self.objects, inputs, |(p, ..)| compute(p))
                    },
                    || {
                        let inputs = (written(q, gates), q.owner.clone(), q.now);
                        self.shared(&self.dims, inputs, |(all, ..)| {
                            let mut r = Vec::new();
                            (dims(q, all, &mut r), r)
                        })
                    },
                )
            },
        );
        (a, o, d)
    }

    /// Splits kept for the questions that share them.
    pub(super) fn kept() -> Splits {
        Splits {
            keep: true,
            ..Splits::default()
        }
    }

    /// Computes the splits of `q` as judged by `judge`, for questions asked next.
    pub(super) fn warm(&self, q: &Question<'_>, judge: &dyn Judge) {
        let legs = judge.legs();
        self.of(q, legs, &gates_written(q.graph, legs));
    }

    /// The split kept under `inputs`, computed by `compute` (outside the lock) if not yet.
    fn shared<K: std::hash::Hash + Eq, V: Clone>(
        &self,
        memo: &Shared<K, V>,
        inputs: K,
        compute: impl FnOnce(&K) -> V,
    ) -> V {
        if !self.keep {
            return compute(&inputs);
        }
        if let Some(v) = memo.lock().ok().and_then(|m| m.get(&inputs).cloned()) {
            return V::clone(&v);
        }
        let v = compute(&inputs);
        if let Ok(mut m) = memo.lock() {
            m.entry(inputs)
                .or_insert_with(|| std::sync::Arc::new(v.clone()));
        }
        v
    }
}

impl<'q> Prepared<'q> {
    fn new(
        q: &'q Question<'q>,
        judge: &'q dyn Judge,
        reasons: &mut Vec<Reason>,
        mode: Mode,
        splits: &Splits,
    ) -> Prepared<'q> {
        let reduce = mode.reduce;
        let graph = q.graph;
        let legs = judge.legs();
        let classes = match &q.scope.principals {
            super::PrincipalScope::Caller(c) => vec![Class {
                caller: c.clone(),
                unnamed: false,
                other_account: false,
            }],
            _ => {
                let key_accounts: Vec<String> =
                    legs.iter().map(|l| l.key().account.clone()).collect();
                principals::classes_with(graph, &q.owner, &key_accounts, reasons)
            }
        };
        let gate_written = gates_written(graph, legs);
        let ((actions, mut r1), (objects, mut r2), ((dims, dim_of), mut r3)) =
            splits.of(q, legs, &gate_written);
        reasons.append(&mut r1);
        reasons.append(&mut r2);
        let scope: Vec<Compiled> = q
            .scope
            .conditions
            .iter()
            .map(|c| condition::compile(c, false))
            .collect();
        reasons.append(&mut r3);
        if !graph.s3.access_points.is_empty() {
            let through = if graph.s3.access_points.iter().any(|a| a.is_multi_region()) {
                "access points and Multi-Region Access Points"
            } else {
                "access points"
            };
            reasons.push(Reason::new(
                ReasonKind::Model,
                None,
                format!("requests through the bucket's {through} are not enumerated yet; only requests to the bucket itself are"),
            ));
        }
        let of = |c: &Compiled| dim_of.get(&c.key.to_ascii_lowercase()).copied();
        let cond_dims: Vec<Vec<Option<usize>>> = graph
            .statements
            .iter()
            .map(|s| s.conditions.iter().map(of).collect())
            .collect();
        let cond_holds = graph
            .statements
            .iter()
            .zip(&cond_dims)
            .map(|(s, ds)| {
                s.conditions
                    .iter()
                    .zip(ds)
                    .map(|(c, d)| {
                        d.and_then(|d| dims.get(d))
                            .map(|dim| {
                                dim.contexts
                                    .iter()
                                    .map(|ctx| condition::evaluate(c, ctx) == Verdict::True)
                                    .collect()
                            })
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .collect();
        let scope_dims = scope.iter().map(of).collect();
        let variables = variables(q, &scope);
        let gates: Vec<Compiled> = gate_written
            .iter()
            .map(|c| condition::compile(c, false))
            .collect();
        let gate_dims = gates.iter().map(of).collect();
        let lowers: Vec<String> = actions
            .iter()
            .map(|a| a.name.to_ascii_lowercase())
            .collect();
        let action_bits: Vec<Bits> = lowers
            .iter()
            .map(|lower| Bits::of(&graph.statements, |s| s.matches_action_lower(lower)))
            .collect();
        let (nevers, never_of) = distinct(never_for(&dims, &actions));
        let action_rep = action_reps(&actions, &lowers, &action_bits, reduce);
        let bucket = format!("arn:aws:s3:::{}", q.bucket);
        let mut resource_arns = vec![bucket.clone()];
        resource_arns.extend(objects.iter().map(|k| format!("{bucket}/{k}")));
        let in_scope = match &q.scope.resource {
            Some(p) => {
                let p = ArnPattern::resource(p);
                resource_arns.iter().map(|r| p.is_match(r)).collect()
            }
            None => vec![true; resource_arns.len()],
        };
        // One request, retargeted to each resource.
        let mut r = Request::new(
            Caller::Anonymous,
            "s3:*",
            &bucket,
            Some(&q.owner),
            &[],
            q.now,
        );
        let resource_bits: Vec<Bits> = resource_arns
            .iter()
            .map(|arn| {
                r.set_target("s3:*", arn);
                Bits::of(&graph.statements, |s| {
                    variable_resource(s) || s.matches_resource(&r)
                })
            })
            .collect();
        let key_classes = if reduce {
            key_classes(q, legs, &objects, &resource_bits)
        } else {
            vec![None; objects.len()]
        };
        let targets = (0..4usize)
            .map(|at| {
                let (on_bucket, on_object) = (at & 1 != 0, at & 2 != 0);
                let bucket = on_bucket.then_some((0, None));
                let keys = (0..objects.len())
                    .filter(|_| on_object)
                    .map(|i| (i + 1, key_classes.get(i).copied().flatten()));
                bucket
                    .into_iter()
                    .chain(keys)
                    .filter(|(r, _)| in_scope.get(*r).copied().unwrap_or(false))
                    .collect()
            })
            .collect();
        let resource_facts = resource_facts(q, &objects);
        let by_name = name_classes(graph, &actions);
        Prepared {
            q,
            judge,
            classes,
            actions,
            resource_arns,
            dims,
            scope,
            statement_reasons: statement_reasons(graph),
            cond_dims,
            cond_holds,
            scope_dims,
            gates,
            gate_dims,
            reduce,
            replay_each: mode.replay_each,
            action_bits,
            resource_bits,
            resource_facts,
            targets,
            variable: Bits::of(&graph.statements, variable_resource),
            by_name,
            nevers,
            never_of,
            action_rep,
            fact_accounts: fact_accounts(q),
            variables,
            legs,
            allows: Bits::of(&graph.statements, |s| {
                s.effect == crate::policy::Effect::Allow
            }),
            unsure_allows: Bits::of(&graph.statements, |s| {
                s.effect == crate::policy::Effect::Allow
                    && s.conditions.iter().any(|c| c.base == BaseOperator::Unknown)
            }),
        }
    }

    /// What `decide` can tell about a principal class: `None` when the class is explored on
    /// its own (the reductions are off, a policy variable cannot be parsed, VPC endpoints or
    /// a KMS leg take part). Two classes alike in all of it get the same decision on the same
    /// (action, resource, context): `decide` reads the caller only through its kind and the
    /// facts of its kind (identity policies, session, service-linked role, principal type),
    /// its account compared with the owner and the accounts of the S3 facts (ACL grantees,
    /// object and access point owners), its service name, how each statement's principal
    /// names it, and the keys derived from it, which conditions read (each condition's value
    /// on the caller's keys, the values of the keys policy variables read, and which keys the
    /// caller can send at all).
    fn class_signature(&self, class: &Class) -> Option<ClassSignature> {
        // A VPC endpoint policy's principals name callers outside the graph's statements:
        // with endpoints, every class is explored on its own.
        // A KMS leg decides on more than the S3 graph reads: no class follows another.
        if !self.reduce
            || self.variables.is_none()
            || !self.q.graph.vpc_endpoints.is_empty()
            || !self.legs.is_empty()
        {
            return None;
        }
        let (q, caller) = (self.q, &class.caller);
        let graph = q.graph;
        let bucket = self.resource_arns.first()?;
        let base = Request::new(
            caller.clone(),
            "s3:GetObject",
            bucket,
            Some(&q.owner),
            &[],
            q.now,
        );
        let holds = |c: &Compiled| condition::evaluate(c, &base.context) == Verdict::True;
        let conditions = graph
            .statements
            .iter()
            .flat_map(|s| s.conditions.iter())
            .chain(&self.scope)
            .map(holds)
            .collect();
        let account = caller.account().map(|a| {
            if self.fact_accounts.iter().any(|f| f == a) {
                a.to_string()
            } else {
                String::new()
            }
        });
        Some(ClassSignature {
            kind: std::mem::discriminant(caller),
            facts: [
                caller.has_identity_policies(),
                caller.has_session(),
                caller.is_service_linked_role(),
            ],
            principal_type: caller.principal_type(),
            account,
            service: match caller {
                Caller::Service { name } => Some(name.clone()),
                _ => None,
            },
            grants: self.grant_kinds(caller),
            conditions,
            // Policy variables read the caller's keys (`aws:username`, `aws:userid`, tags):
            // alike classes give them the same values (IAM "Policy variables" page).
            variables: self
                .variables
                .iter()
                .flatten()
                .map(|k| base.context.get(k).map(|e| e.values.to_vec()))
                .collect(),
            avail: self
                .dims
                .iter()
                .map(|d| {
                    d.keys
                        .first()
                        .map_or(Availability::Never, |k| keys::availability(k, caller))
                })
                .collect(),
        })
    }

    /// How each statement's principal names `caller` (`GrantKind` as a number, 0: not; plus
    /// 4 when a Federated principal may name it).
    fn grant_kinds(&self, caller: &Caller) -> Vec<u8> {
        let graph = self.q.graph;
        graph
            .statements
            .iter()
            .map(|s| {
                let federated = crate::eval::decide::federated_may_name(graph, s, caller);
                let kind = match s.principal_grant(caller, &graph.s3) {
                    None => 0,
                    Some(GrantKind::Account) => 1,
                    Some(GrantKind::Role) => 2,
                    Some(GrantKind::Direct) => 3,
                };
                kind + if federated { 4 } else { 0 }
            })
            .collect()
    }

    /// The findings of `class`, alike the class `leader` was found for: each of the leader's
    /// findings with this caller, judged again (the region search would try the same
    /// requests and keep the same ones). `None` if one is judged otherwise (then the class is
    /// explored on its own).
    fn follow(
        &self,
        class: &Class,
        principal: usize,
        leader: &Found,
    ) -> Option<(Found, Vec<Reason>)> {
        let q = self.q;
        let mut out = Found::new(principal);
        let mut reasons = Vec::new();
        for c in &leader.classes {
            let f = &c.finding;
            let mut request = Request::new(
                class.caller.clone(),
                &f.request.action,
                &f.request.resource,
                Some(&q.owner),
                &[],
                q.now,
            );
            for (k, v) in &f.given {
                request.context.set(k, v.clone(), Origin::Given);
            }
            for k in &f.absent {
                request.context.remove(k);
            }
            out.decided += 1;
            let (response, outcome) = self.judge.judge(&request, &mut reasons)?;
            let finding = Finding {
                class: class.clone(),
                unknown_action: f.unknown_action,
                request,
                given: f.given.clone(),
                absent: f.absent.clone(),
                response,
            };
            if outcome != c.outcome || (self.replay_each && !self.judge.replays(&finding, outcome))
            {
                return None;
            }
            out.classes.push(FindingClass {
                finding: Box::new(finding),
                actions: c.actions.clone(),
                resources: c.resources.clone(),
                principal,
                outcome,
            });
        }
        Some((out, reasons))
    }

    /// Tries every action and resource region for one principal class; true when `limit`
    /// findings have been found. With the reductions on, an action alike an earlier one (see
    /// [`Prepared::action_rep`]) whose keys can appear alike for the caller and an object key
    /// alike an earlier one (see
    /// [`key_classes`]) are not decided again: they join the earlier findings' classes; and a
    /// region alike an earlier one of the class (see [`RegionKey`]) takes its decisions.
    fn class_regions(
        &self,
        class: &Class,
        memo: &mut Memo,
        out: &mut Found,
        reasons: &mut Vec<Reason>,
        noted: &mut Bits,
        limit: Option<usize>,
    ) -> bool {
        let q = self.q;
        // How each key can appear for this caller.
        let by_caller: Vec<Availability> = self
            .dims
            .iter()
            .map(|d| {
                d.keys.first().map_or(Availability::Never, |k| {
                    keys::availability(k, &class.caller)
                })
            })
            .collect();
        // One request per class, renamed and retargeted per region: what `Request::new` sets
        // depends on the caller, the owner and the time, and on the action only through its
        // service (every action tried is `s3:`); building it anew per action was the search's
        // largest cost.
        let bucket = self.resource_arns.first().map_or("", String::as_str);
        let class_base = Request::new(
            class.caller.clone(),
            "s3:*",
            bucket,
            Some(&q.owner),
            &[],
            q.now,
        );
        let mut work = Work::new(class_base.clone(), self.dims.len());
        // How each statement names the caller, and the statements that name it (or apply
        // to every caller but those they name: `NotPrincipal`), once per class.
        // Statements of a layer `decide` passes over for this caller (identity-side policies
        // for a caller without them, say) are not the class's.
        let kinds = self.grant_kinds(&class.caller);
        let graph = q.graph;
        let statements = &graph.statements;
        let mut applies = [true; crate::eval::graph::LAYERS];
        for l in crate::eval::graph::Layer::ALL {
            if let Some(slot) = applies.get_mut(l as usize) {
                *slot = crate::eval::decide::layer_applies_to_caller(graph, l, &class_base);
            }
        }
        let named = Bits::indices(statements.len(), |i| {
            let takes_part = graph
                .layer_of(i)
                .is_none_or(|l| applies.get(l as usize).copied().unwrap_or(true));
            let names = kinds.get(i).is_some_and(|k| *k != 0)
                || statements
                    .get(i)
                    .and_then(|s| s.principal.as_ref())
                    .is_some_and(|p| p.0);
            takes_part && names
        });
        // How each condition key can appear per action: an action only removes the S3 keys
        // it does not carry (`Prepared::nevers`), so once per set of keys removed; and which of
        // those sets give the same availability for this caller.
        let masked: Vec<Vec<Availability>> = self
            .nevers
            .iter()
            .map(|never| {
                by_caller
                    .iter()
                    .zip(never.iter().copied().chain(std::iter::repeat(false)))
                    .map(|(a, dropped)| {
                        if *a == Availability::Free && dropped {
                            Availability::Never
                        } else {
                            *a
                        }
                    })
                    .collect()
            })
            .collect();
        let (_, alike) = distinct(masked.iter().collect());
        // Per action alike (`Prepared::action_rep`) and availability, its findings.
        let mut done: HashMap<(usize, usize), std::ops::Range<usize>> = HashMap::default();
        // Per key class, the findings of its first key (for the action at hand).
        let mut keys_done: HashMap<usize, std::ops::Range<usize>> = HashMap::default();
        for (index, action) in self.actions.iter().enumerate() {
            let resources = self.resources(action);
            if resources.is_empty() {
                continue;
            }
            let m = self.never_of.get(index).copied().unwrap_or(0);
            let Some(avail) = masked.get(m) else {
                continue;
            };
            let sig = self
                .action_rep
                .get(index)
                .copied()
                .flatten()
                .map(|rep| (rep, alike.get(m).copied().unwrap_or(m)));
            if let Some(range) = sig.as_ref().and_then(|s| done.get(s)) {
                for c in out.classes.get_mut(range.clone()).into_iter().flatten() {
                    c.actions.push(index);
                }
                continue;
            }
            let start = out.classes.len();
            keys_done.clear();
            for (resource, key_class) in resources {
                if let Some(range) = key_class.and_then(|k| keys_done.get(&k)) {
                    for c in out.classes.get_mut(range.clone()).into_iter().flatten() {
                        c.resources.push(*resource);
                    }
                } else {
                    let region = Region {
                        class,
                        action: (index, action),
                        resource: *resource,
                        avail,
                        base: &class_base,
                        named: &named,
                        kinds: &kinds,
                    };
                    let held = self.region(&region, &mut work, memo, out, reasons, noted);
                    if let Some(k) = key_class {
                        keys_done.insert(*k, held);
                    }
                }
                if limit.is_some_and(|l| out.classes.len() >= l) {
                    return true;
                }
            }
            if let Some(sig) = sig {
                done.insert(sig, start..out.classes.len());
            }
        }
        false
    }

    /// The resources `action` is tried on, within the scope (positions in `resource_arns`),
    /// each with the class of its object key (`None` for the bucket, or when keys are not
    /// reduced): one list per combination of bucket and object actions, built once.
    fn resources(&self, action: &ActionCand) -> &[(usize, Option<usize>)] {
        let at = usize::from(action.on_bucket) | usize::from(action.on_object) << 1;
        self.targets.get(at).map_or(&[], Vec::as_slice)
    }

    /// The dimension of a condition in a region, or `None` when the region fixes its key
    /// (derived from the caller, or never present).
    fn slot(dim: Option<usize>, avail: &[Availability]) -> Option<usize> {
        let d = dim?;
        match avail.get(d) {
            Some(Availability::Derived | Availability::Never) | None => None,
            Some(_) => Some(d),
        }
    }

    /// Writes the key under which a region's decisions are kept for the class into `key`
    /// (see [`RegionKey`]); false when the reductions are off or a KMS leg is judged.
    fn region_key(&self, r: &Region<'_>, statements: &Bits, key: &mut Vec<u64>) -> bool {
        // With a KMS leg, the leg's own statements and encryption context decide too, and the
        // key does not hold them: every region is decided on its own.
        if !self.reduce || !self.legs.is_empty() {
            return false;
        }
        let Some((by_name, resource)) = self.reads(r) else {
            return false;
        };
        RegionKey::pack(key, statements, r.kinds, by_name, resource, r.avail);
        true
    }

    /// What `decide` reads of a region's action and resource beside the statements: the
    /// action by name when it reads the name ([`name_classes`]; else `None`), and the
    /// resource's facts ([`resource_facts`]).
    fn reads(&self, r: &Region<'_>) -> Option<(Option<usize>, usize)> {
        let (index, _) = r.action;
        let by_name = self.by_name.get(index).copied().unwrap_or(Some(index));
        Some((by_name, self.resource_facts.get(r.resource).copied()?))
    }

    /// Tries one request region: principal class, action and resource. A region alike an
    /// earlier one of the class (the same [`RegionKey`]) gets the same decisions without
    /// `decide`: only its allowed assignments are rebuilt, as findings of this region.
    fn region(
        &self,
        r: &Region<'_>,
        work: &mut Work,
        memo: &mut Memo,
        out: &mut Found,
        reasons: &mut Vec<Reason>,
        noted: &mut Bits,
    ) -> std::ops::Range<usize> {
        let (index, _) = r.action;
        let (Some(a), Some(res)) = (
            self.action_bits.get(index),
            self.resource_bits.get(r.resource),
        ) else {
            return out.classes.len()..out.classes.len();
        };
        // The statements whose action and resource match the region's request (a variable
        // Resource counted as matching): `decide` need not match them again.
        let mut may_match = std::mem::take(&mut work.may_match);
        let mut statements = std::mem::take(&mut work.statements);
        a.and_into(res, &mut may_match);
        r.named.and_into(&may_match, &mut statements);
        let held = self.region_among(r, &may_match, &statements, work, memo, out, reasons, noted);
        work.may_match = may_match;
        work.statements = statements;
        held
    }

    /// [`Prepared::region`], given the statements whose action and resource match the
    /// region's request (`may_match`) and those of them that name the caller (`statements`).
    #[allow(
        clippy::too_many_arguments,
        reason = "the region's state, passed through"
    )]
    fn region_among(
        &self,
        r: &Region<'_>,
        may_match: &Bits,
        statements: &Bits,
        work: &mut Work,
        memo: &mut Memo,
        out: &mut Found,
        reasons: &mut Vec<Reason>,
        noted: &mut Bits,
    ) -> std::ops::Range<usize> {
        let q = self.q;
        // Only a region with a statement not noted yet notes anything (most regions have
        // none): a word-wise test first.
        let fresh = statements
            .0
            .iter()
            .zip(noted.0.iter().chain(std::iter::repeat(&0)))
            .any(|(s, n)| s & !n != 0);
        if fresh {
            for id in statements.ones() {
                self.note(id, noted, reasons);
            }
        }
        let mut key = std::mem::take(&mut work.key);
        let keyed = self.region_key(r, statements, &mut key);
        let from = out.classes.len();
        if let Some(d) = keyed.then(|| memo.get_mut(key.as_slice())).flatten() {
            work.key = key;
            reasons.extend(d.reasons.iter().cloned());
            // The last region of this class and action with the same key holds these
            // findings already (one class each): this resource joins them.
            if let Some((_, _, held)) = d.last.as_ref().filter(|(p, a, held)| {
                (*p, *a) == (out.principal, r.action.0) && held.len() == d.findings.len()
            }) {
                for c in out.classes.get_mut(held.clone()).into_iter().flatten() {
                    c.resources.push(r.resource);
                }
                return held.clone();
            }
            if !d.findings.is_empty() {
                self.region_request(r, work);
                for (assignment, response, outcome) in &d.findings {
                    self.set_assignment(work, assignment);
                    self.emit(
                        r,
                        &work.request,
                        assignment,
                        (response.clone(), *outcome),
                        out,
                        reasons,
                    );
                }
            }
            let held = from..out.classes.len();
            d.last = Some((out.principal, r.action.0, held.clone()));
            return held;
        }
        self.region_request(r, work);
        let base = r.base;
        let mut entries: Vec<Entry<'_>> = Vec::new();
        for id in statements.ones() {
            let Some(s) = q.graph.statements.get(id) else {
                continue;
            };
            let dims = self.cond_dims.get(id).map_or(&[][..], Vec::as_slice);
            let holds = self.cond_holds.get(id).map_or(&[][..], Vec::as_slice);
            if let Some(e) = entry(Some(id), &s.conditions, dims, holds, r.avail, base) {
                entries.push(e);
            }
        }
        // The statements of the KMS request S3 makes for this one, when it makes one.
        for leg in self.legs {
            // The leg reads the region's own action and object (the KMS call, the encryption
            // context), not the class's request.
            for e in leg.entries(q.graph, &self.cond_dims, r.avail, &work.request) {
                if let Some(id) = e.statement {
                    self.note(id, noted, reasons);
                }
                entries.push(e);
            }
        }
        // Each endpoint gate as an entry of its own, so that requests through the endpoint
        // and the others are decided apart (the scope's entry stays last).
        for (gate, dim) in self.gates.iter().zip(&self.gate_dims) {
            if let Some(e) = entry(
                None,
                std::slice::from_ref(gate),
                &[*dim],
                &[],
                r.avail,
                base,
            ) {
                entries.push(e);
            }
        }
        let mut decided = Decided::default();
        let target = |id: usize| {
            if !may_match.contains(id) {
                Target::Misses
            } else if self.variable.contains(id) {
                Target::Unknown
            } else {
                Target::Named(granted(r.kinds.get(id).copied().unwrap_or(0)))
            }
        };
        if let Some(scope) = entry(None, &self.scope, &self.scope_dims, &[], r.avail, base) {
            entries.push(scope);
            let without = &mut work.without;
            let assignments =
                if self.nothing_to_find(statements, &entries, r, &work.request, without) {
                    Vec::new()
                } else {
                    self.assignments(&entries, r.avail, &mut decided.reasons, &mut work.scratch)
                };
            for assignment in assignments {
                self.set_assignment(work, &assignment);
                out.decided += 1;
                let hint: Hint<'_> = (q.graph, &target);
                let Some((response, outcome)) =
                    self.judge
                        .judge_among(&work.request, &mut decided.reasons, Some(hint))
                else {
                    continue;
                };
                if keyed {
                    decided
                        .findings
                        .push((assignment.clone(), response.clone(), outcome));
                }
                self.emit(
                    r,
                    &work.request,
                    &assignment,
                    (response, outcome),
                    out,
                    reasons,
                );
            }
        }
        reasons.extend(decided.reasons.iter().cloned());
        let held = from..out.classes.len();
        if keyed {
            decided.last = Some((out.principal, r.action.0, held.clone()));
            memo.insert(key.as_slice().into(), decided);
        }
        work.key = key;
        held
    }

    /// Whether no request of a region can be a finding, known without trying its assignments:
    /// no Allow statement of the region can match any of them (each fails a condition on a
    /// key the region fixes, and none has an unknown operator: `decide` reports an
    /// uncertainty for such a statement though it does not match; the uncertainty of a
    /// Federated principal needs its conditions to hold), and the judge finds that
    /// `decide` allows nothing there without statements ([`Judge::without_statements`], on the
    /// region's request: what an assignment changes, the keys of free dimensions, only the
    /// statements' conditions read; asked once per action read by name and resource facts,
    /// all else `decide` reads of the region). An assignment can then only add matching Deny
    /// statements, which take allows away and leave no uncertainty that could hide one. Off
    /// with the reductions, with KMS legs and with VPC endpoint gates (they decide on more
    /// than the region's statements).
    fn nothing_to_find(
        &self,
        statements: &Bits,
        entries: &[Entry<'_>],
        r: &Region<'_>,
        request: &Request,
        without: &mut HashMap<(Option<usize>, usize), Option<bool>>,
    ) -> bool {
        if !self.reduce || !self.legs.is_empty() || !self.gates.is_empty() {
            return false;
        }
        let alive = entries
            .iter()
            .filter_map(|e| e.statement)
            .any(|id| self.allows.contains(id));
        let unsure = statements.ones().any(|id| self.unsure_allows.contains(id));
        if alive || unsure {
            return false;
        }
        let Some(reads) = self.reads(r) else {
            return false;
        };
        let found = *without
            .entry(reads)
            .or_insert_with(|| self.judge.without_statements(self.q.graph, request));
        found == Some(false)
    }

    /// Makes `work` the request of a region: the class's request with the region's action and
    /// resource, the keys an earlier region's assignments set back as the class's request has
    /// them (changed in place: building each region's request anew was a tenth of `who-can`).
    fn region_request(&self, r: &Region<'_>, work: &mut Work) {
        let (_, action) = r.action;
        let arn = self
            .resource_arns
            .get(r.resource)
            .map_or("", String::as_str);
        work.request.set_target(&action.name, arn);
        for (d, dirty) in work.dirty.iter_mut().enumerate() {
            if !std::mem::take(dirty) {
                continue;
            }
            for k in self.dims.get(d).map_or(&[][..], |dim| dim.keys.as_slice()) {
                match r.base.context.get(k) {
                    Some(e) => work.request.context.set_entry(e, e.origin),
                    None => work.request.context.remove(k),
                }
            }
        }
    }

    /// Notes the reasons statement `id` brings, the first time it takes part.
    fn note(&self, id: usize, noted: &mut Bits, reasons: &mut Vec<Reason>) {
        if id < self.q.graph.statements.len() && !noted.contains(id) {
            automaton::insert(&mut noted.0, id);
            reasons.extend(
                self.statement_reasons
                    .get(id)
                    .into_iter()
                    .flatten()
                    .cloned(),
            );
        }
    }

    /// The assignments of the free dimensions that leave distinct sets of entries able to
    /// match, the scope's entry (the last) among them. Dimension by dimension, each value
    /// kills the entries with a condition on the dimension that fails there: the same entries
    /// whatever the state, so they are found once per value. A state is the entries still
    /// alive, as bits, kept in one buffer; only a new state allocates (its assignment).
    fn assignments(
        &self,
        entries: &[Entry<'_>],
        avail: &[Availability],
        reasons: &mut Vec<Reason>,
        scratch: &mut Scratch,
    ) -> Vec<Assignment> {
        let Scratch {
            used,
            alive,
            next_alive,
            kills,
            tried,
            seen,
            a,
        } = scratch;
        used.clear();
        used.extend(
            entries
                .iter()
                .flat_map(|e| e.conds.iter().map(|(_, d, _)| *d)),
        );
        used.sort_unstable();
        used.dedup();
        let n = entries.len();
        let words = n.div_ceil(64).max(1);
        // The states' alive bits, `words` per state, and their assignments.
        alive.clear();
        alive.resize(words, 0);
        (0..n).for_each(|i| automaton::insert(alive, i));
        let mut states: Vec<Assignment> = vec![Vec::new()];
        let mut next = Vec::new();
        a.clear();
        a.resize(words, 0);
        for &d in used.iter() {
            let Some(dim) = self.dims.get(d) else {
                continue;
            };
            let free = avail.get(d) == Some(&Availability::Free);
            kills.clear();
            tried.clear();
            for opt in (0..dim.values.len()).map(Some).chain(free.then_some(None)) {
                let at = opt.unwrap_or(dim.contexts.len().saturating_sub(1));
                // A value without a context is not tried.
                let Some(ctx) = dim.contexts.get(at) else {
                    continue;
                };
                let fails = |c: &Compiled, holds: Option<&[bool]>| match holds {
                    Some(h) => !h.get(at).copied().unwrap_or(false),
                    None => condition::evaluate(c, ctx) != Verdict::True,
                };
                let from = kills.len();
                kills.resize(from + words, 0);
                let kill = kills.get_mut(from..).unwrap_or_default();
                for (i, e) in entries.iter().enumerate() {
                    if e.conds
                        .iter()
                        .any(|(c, cd, holds)| *cd == d && fails(c, *holds))
                    {
                        automaton::insert(kill, i);
                    }
                }
                tried.push(opt);
            }
            seen.clear();
            next_alive.clear();
            next.clear();
            for (state, assign) in alive.chunks_exact(words).zip(&states) {
                for (opt, kill) in tried.iter().zip(kills.chunks_exact(words)) {
                    for ((x, s), k) in a.iter_mut().zip(state).zip(kill) {
                        *x = s & !k;
                    }
                    // The scope's entry must stay alive: a request outside the scope is not asked about.
                    let scoped = n.checked_sub(1).is_some_and(|i| automaton::contains(a, i));
                    if !scoped || !seen.insert(a) {
                        continue;
                    }
                    next_alive.extend_from_slice(a);
                    let mut assign_more = Vec::with_capacity(assign.len() + 1);
                    assign_more.extend_from_slice(assign);
                    assign_more.push((d, *opt));
                    next.push(assign_more);
                }
            }
            if next.len() > STATE_LIMIT {
                reasons.push(Reason::new(
                    ReasonKind::Limit,
                    entries.first().and_then(|e| e.statement),
                    format!("the conditions combine into more than {STATE_LIMIT} cases for one principal, action and resource; the rest are not tried"),
                ));
                next.truncate(STATE_LIMIT);
                next_alive.truncate(STATE_LIMIT * words);
            }
            std::mem::swap(alive, next_alive);
            std::mem::swap(&mut states, &mut next);
        }
        states
    }

    /// Sets one assignment's keys on the region's request. Every assignment of a region sets
    /// or removes the same dimensions, so the request is reused from one assignment to the
    /// next (no copy per request): it holds exactly the region's context plus the assignment.
    /// The dimensions set are marked, for the next region to set them back.
    fn set_assignment(&self, work: &mut Work, assignment: &[(usize, Option<usize>)]) {
        for (d, opt) in assignment {
            let Some(dim) = self.dims.get(*d) else {
                continue;
            };
            if let Some(dirty) = work.dirty.get_mut(*d) {
                *dirty = true;
            }
            let request = &mut work.request;
            // The value's entries are shared with the dimension's context, not copied.
            match dim.value_context(*opt) {
                Some(ctx) => {
                    for e in ctx.entries() {
                        request.context.set_entry(e, Origin::Given);
                    }
                }
                None => {
                    for k in &dim.keys {
                        request.context.remove(k);
                    }
                }
            }
        }
    }

    /// Records `request`, judged `response` with `outcome`, as a finding of the region (after
    /// replaying it, when each finding is replayed as found).
    fn emit(
        &self,
        r: &Region<'_>,
        request: &Request,
        assignment: &[(usize, Option<usize>)],
        (response, outcome): (Response, usize),
        out: &mut Found,
        reasons: &mut Vec<Reason>,
    ) {
        let mut given: Vec<(String, Vec<String>)> = Vec::new();
        let mut absent: Vec<String> = Vec::new();
        for (d, opt) in assignment {
            let Some(dim) = self.dims.get(*d) else {
                continue;
            };
            match dim.value_context(*opt) {
                Some(ctx) => given.extend(
                    ctx.entries()
                        .iter()
                        .map(|e| (e.key.to_string(), e.values.to_vec())),
                ),
                None => absent.push(dim.shown.clone()),
            }
        }
        let (index, action) = r.action;
        let finding = Finding {
            class: r.class.clone(),
            unknown_action: action.unknown,
            request: request.clone(),
            given,
            absent,
            response,
        };
        if self.replay_each && !self.judge.replays(&finding, outcome) {
            debug_assert!(false, "witness does not replay: {:?}", finding.request);
            reasons.push(Reason::not_replayed(&finding.request));
            return;
        }
        // Alike actions and resources are pushed next: room for a few, no regrowth at once.
        let (mut actions, mut resources) = (Vec::with_capacity(4), Vec::with_capacity(4));
        actions.push(index);
        resources.push(r.resource);
        out.classes.push(FindingClass {
            finding: Box::new(finding),
            actions,
            resources,
            principal: out.principal,
            outcome,
        });
    }
}

/// How a statement's principal names the caller, from its byte of [`Prepared::grant_kinds`].
fn granted(kind: u8) -> Option<GrantKind> {
    match kind & 3 {
        1 => Some(GrantKind::Account),
        2 => Some(GrantKind::Role),
        3 => Some(GrantKind::Direct),
        _ => None,
    }
}

/// One request region: a principal class, an action and one resource.
struct Region<'r> {
    class: &'r Class,
    /// The action and its position.
    action: (usize, &'r ActionCand),
    /// The resource's position in `Prepared::resource_arns`.
    resource: usize,
    /// How each dimension's keys can appear in the region.
    avail: &'r [Availability],
    /// The class's request (its caller, owner and time).
    base: &'r Request,
    /// The statements whose principal names the class's caller.
    named: &'r Bits,
    /// How each statement's principal names the class's caller ([`Prepared::grant_kinds`]).
    kinds: &'r [u8],
}

/// What `decide` reads of a region, for one principal class: the statements whose principal,
/// action and resource all match (`decide` reads no other statement's conditions, and the
/// region's entries, hence its assignments, are made of these) and how each of them names the
/// caller, how each condition key can appear, the action by name when `decide` reads its name
/// (`eval::decide::reads_action_name`), and the resource's facts ([`resource_facts`]). Two
/// regions with the same key, of one class or of classes alike but for the statements that
/// name them ([`sharing`]), get the same decision on the same assignment.
///
/// Packed into words, in one buffer per class reused from region to region (a region found
/// alike allocates nothing): the statements' bits, how each of them names the caller (a byte
/// each), the action read by name (0: not read), the resource's facts, and how each
/// dimension's keys can appear (a byte each). The statements' bits fix how many bytes follow.
struct RegionKey;

impl RegionKey {
    /// Writes the key of a region into `key`.
    fn pack(
        key: &mut Vec<u64>,
        statements: &Bits,
        kinds: &[u8],
        action: Option<usize>,
        resource: usize,
        avail: &[Availability],
    ) {
        key.clear();
        key.extend_from_slice(&statements.0);
        let grants = statements
            .ones()
            .map(|i| kinds.get(i).copied().unwrap_or(0));
        RegionKey::bytes(key, grants);
        key.push(action.map_or(0, |a| a as u64 + 1));
        key.push(resource as u64);
        RegionKey::bytes(key, avail.iter().map(|a| *a as u8));
    }

    /// Appends `bytes`, eight to a word.
    fn bytes(key: &mut Vec<u64>, bytes: impl Iterator<Item = u8>) {
        let mut word = 0u64;
        let mut n = 0;
        for b in bytes {
            word |= u64::from(b) << (8 * n);
            n += 1;
            if n == 8 {
                key.push(word);
                (word, n) = (0, 0);
            }
        }
        if n > 0 {
            key.push(word);
        }
    }
}

/// The request a class's regions are decided on, changed in place from region to region,
/// and which dimensions the last region's assignments set.
struct Work {
    request: Request,
    dirty: Vec<bool>,
    /// The region's key ([`RegionKey`]), written in place.
    key: Vec<u64>,
    /// The region's statements whose action and resource match, and those of them that name
    /// the caller, written in place.
    may_match: Bits,
    statements: Bits,
    /// The buffers of [`Prepared::assignments`], reused from region to region.
    scratch: Scratch,
    /// What the judge found without statements ([`Judge::without_statements`]), per action
    /// read by name and resource facts: all `decide` reads of a region beside its statements
    /// and the caller (see [`RegionKey`]).
    without: HashMap<(Option<usize>, usize), Option<bool>>,
}

/// The buffers [`Prepared::assignments`] works in: the dimensions used, the states' alive
/// bits now and next, per value the entries it kills and the values tried, the states met,
/// and one state being formed.
#[derive(Default)]
struct Scratch {
    used: Vec<usize>,
    alive: Vec<u64>,
    next_alive: Vec<u64>,
    kills: Vec<u64>,
    tried: Vec<Option<usize>>,
    seen: Seen,
    a: Vec<u64>,
}

impl Work {
    fn new(request: Request, dims: usize) -> Work {
        Work {
            request,
            dirty: vec![false; dims],
            key: Vec::new(),
            may_match: Bits::default(),
            statements: Bits::default(),
            scratch: Scratch::default(),
            without: HashMap::default(),
        }
    }
}

/// The decisions of the regions explored, by key ([`RegionKey`]).
type Memo = HashMap<Box<[u64]>, Decided>;

/// The decisions of a region: each allowed assignment with its response and outcome, and
/// the reasons the region noted (the search's limits, the evaluator's uncertainties).
#[derive(Default)]
struct Decided {
    findings: Vec<(Assignment, Response, usize)>,
    reasons: Vec<Reason>,
    /// The class, action and finding classes of the last region these decisions were found
    /// for: a region of the same class and action with the same key joins those classes.
    last: Option<(usize, usize, std::ops::Range<usize>)>,
}

/// The states met at one dimension of [`Prepared::assignments`], by their alive bits: one
/// word (64 entries) is the usual case, kept without allocating.
#[derive(Default)]
struct Seen {
    one: super::FastSet<u64>,
    many: super::FastSet<Vec<u64>>,
}

impl Seen {
    fn clear(&mut self) {
        self.one.clear();
        self.many.clear();
    }

    /// Whether `bits` were not met yet (they are now).
    fn insert(&mut self, bits: &[u64]) -> bool {
        match bits {
            [one] => self.one.insert(*one),
            _ => !self.many.contains(bits) && self.many.insert(bits.to_vec()),
        }
    }
}

/// A set of statements (graph ids) as bits.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
struct Bits(Vec<u64>);

impl Bits {
    /// Whether position `i` is in the set.
    fn contains(&self, i: usize) -> bool {
        automaton::contains(&self.0, i)
    }

    /// The statements of `items` for which `f` holds.
    fn of<T>(items: &[T], mut f: impl FnMut(&T) -> bool) -> Bits {
        Bits::indices(items.len(), |i| items.get(i).is_some_and(&mut f))
    }

    /// The positions below `n` for which `f` holds.
    fn indices(n: usize, mut f: impl FnMut(usize) -> bool) -> Bits {
        let mut words = vec![0u64; n.div_ceil(64)];
        for i in (0..n).filter(|i| f(*i)) {
            automaton::insert(&mut words, i);
        }
        Bits(words)
    }

    /// The intersection with `other`, written into `out` (its buffer reused).
    fn and_into(&self, other: &Bits, out: &mut Bits) {
        out.0.clear();
        out.0
            .extend(self.0.iter().zip(&other.0).map(|(a, b)| a & b));
    }

    /// The members, ascending.
    fn ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(w, word)| {
            // Each set bit in turn, lowest first.
            let mut rest = *word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let b = rest.trailing_zeros() as usize;
                    rest &= rest - 1;
                    w * 64 + b
                })
            })
        })
    }
}

/// [`Prepared::slot`], for the KMS legs' entries.
pub(super) fn slot(dim: Option<usize>, avail: &[Availability]) -> Option<usize> {
    Prepared::slot(dim, avail)
}

/// The entry of a statement's conditions in a region (its keys' availability `avail`, its
/// request `base`): `None` when a condition on a key the region fixes is false (the statement
/// cannot match in this region).
fn entry<'a>(
    statement: Option<usize>,
    conditions: &'a [Compiled],
    dims: &[Option<usize>],
    holds: &'a [Vec<bool>],
    avail: &[Availability],
    base: &Request,
) -> Option<Entry<'a>> {
    let mut conds = Vec::with_capacity(conditions.len());
    for (i, c) in conditions.iter().enumerate() {
        match Prepared::slot(dims.get(i).copied().flatten(), avail) {
            Some(d) => conds.push((
                c,
                d,
                holds.get(i).filter(|h| !h.is_empty()).map(Vec::as_slice),
            )),
            None => {
                if condition::evaluate(c, &base.context) != Verdict::True {
                    return None;
                }
            }
        }
    }
    Some(Entry { statement, conds })
}

/// Per action and dimension, whether the action never carries the dimension's key, which a
/// signed IAM caller may otherwise send (an S3 key the catalogue does not list for it).
/// The distinct items of `items` in first-seen order, and the position of each item among
/// them.
fn distinct<T: PartialEq>(items: Vec<T>) -> (Vec<T>, Vec<usize>) {
    let mut out: Vec<T> = Vec::new();
    let mut of = Vec::with_capacity(items.len());
    for item in items {
        match out.iter().position(|o| *o == item) {
            Some(i) => of.push(i),
            None => {
                of.push(out.len());
                out.push(item);
            }
        }
    }
    (out, of)
}

/// Per action, the first action alike for `decide` but for the keys it carries (see
/// [`Prepared::action_rep`]).
fn action_reps(
    actions: &[ActionCand],
    lowers: &[String],
    bits: &[Bits],
    reduce: bool,
) -> Vec<Option<usize>> {
    let mut first: HashMap<(bool, bool, bool, &Bits), usize> = HashMap::default();
    actions
        .iter()
        .zip(lowers)
        .zip(bits)
        .enumerate()
        .map(|(i, ((a, lower), b))| {
            if !reduce || crate::eval::decide::reads_action_name(lower) {
                return None;
            }
            Some(
                *first
                    .entry((a.on_bucket, a.on_object, a.unknown, b))
                    .or_insert(i),
            )
        })
        .collect()
}

fn never_for(dims: &[Dim], actions: &[ActionCand]) -> Vec<Vec<bool>> {
    // Any signed IAM caller: the key's availability before the action is considered.
    let probe = Caller::Root {
        partition: "aws".into(),
        account: "000000000000".into(),
    };
    let free: Vec<Option<&str>> = dims
        .iter()
        .map(|d| {
            d.keys
                .first()
                .map(String::as_str)
                .filter(|k| keys::availability(k, &probe) == Availability::Free)
        })
        .collect();
    actions
        .iter()
        .map(|a| {
            let known = crate::catalog::action(&a.name);
            free.iter()
                .map(|k| k.is_some_and(|k| keys::never_carries(k, &a.name, || known)))
                .collect()
        })
        .collect()
}

/// Whether a statement's Resource holds a policy variable (its match depends on the context).
fn variable_resource(s: &crate::eval::graph::CompiledStatement) -> bool {
    s.resources.as_ref().is_some_and(|(_, items)| {
        items
            .iter()
            .any(|m| matches!(m, ResourceMatcher::Variable(_)))
    })
}

/// How `decide` reads the action (lowercase) by its name on `graph`, beyond the statements'
/// action patterns, the catalogue's condition keys and the RCP service check
/// ([`crate::eval::decide::name_reading`]); `None` when it does not. Without S3 facts the
/// actions an ACL permission covers are not read by name: `decide` reads those names only
/// through ACL grants, Object Ownership and the object's owner, all S3 facts (the
/// bucket-policy operations, which it reads whatever the facts, are no ACL permission's).
fn reads_name(graph: &Graph, lower: &str) -> Option<crate::eval::decide::NameReading> {
    let reading = crate::eval::decide::name_reading(lower)?;
    let acl_permission = crate::eval::decide::acl_coverage(lower) != 0;
    (!(graph.s3.is_empty() && acl_permission)).then_some(reading)
}

/// Per action, the first action `decide` reads alike by name (`None`: it does not read the
/// name, see [`reads_name`]): the actions it reads only as the ACL permissions that cover
/// them are alike when the same permissions cover them, unless an ACL names a canonical user
/// of unknown account (the uncertainty it brings names the action); every other action read
/// by name is on its own.
fn name_classes(graph: &Graph, actions: &[ActionCand]) -> Vec<Option<usize>> {
    use crate::eval::decide::NameReading;
    let s3 = &graph.s3;
    let unknown_grantee = s3
        .bucket_acl
        .iter()
        .chain(s3.objects.iter().filter_map(|o| o.acl.as_ref()))
        .flat_map(|a| &a.acl.grants)
        .filter_map(|g| g.grantee.canonical_id())
        .any(|id| s3.account_of_canonical(id).is_none());
    let mut first: HashMap<u16, usize> = HashMap::default();
    actions
        .iter()
        .enumerate()
        .map(
            |(i, a)| match reads_name(graph, &a.name.to_ascii_lowercase())? {
                NameReading::Acl(bits) if !unknown_grantee => Some(*first.entry(bits).or_insert(i)),
                _ => Some(i),
            },
        )
        .collect()
}

/// What `decide` reads of each resource beside the statements' Resource patterns, as a
/// number (equal: alike): the bucket (0); an object the S3 facts do not list (1), whose
/// owner and ACL are the bucket's defaults; a listed object (its owner, its ACL) or any
/// resource when a Resource holds a policy variable, on its own (2 + its position).
fn resource_facts(q: &Question<'_>, objects: &[String]) -> Vec<usize> {
    let variable = q.graph.statements.iter().any(variable_resource);
    let mut out = vec![if variable { 2 } else { 0 }];
    out.extend(objects.iter().enumerate().map(|(i, key)| {
        if variable || q.graph.s3.object(key).is_some() {
            3 + i
        } else {
            1
        }
    }));
    out
}

/// The class of each object key: keys every statement's Resource treats alike and that the
/// S3 facts do not list get one decision (`decide` reads an object key only through the
/// statements' resource patterns and the listed objects' owners and ACLs). `None` for every
/// key when a Resource holds a policy variable (its match depends on the request's context).
fn key_classes(
    q: &Question<'_>,
    legs: &[super::kms_leg::Leg],
    objects: &[String],
    resource_bits: &[Bits],
) -> Vec<Option<usize>> {
    let graph = q.graph;
    let variable = graph.statements.iter().any(variable_resource);
    if variable {
        return vec![None; objects.len()];
    }
    let mut seen: HashMap<(Bits, Vec<bool>), usize> = HashMap::default();
    objects
        .iter()
        .enumerate()
        .map(|(i, key)| {
            if graph.s3.object(key).is_some() {
                return None;
            }
            // Which statements' Resource matches the key: its resource's bits (no statement
            // has a variable Resource here, so they are exactly `matches_resource`).
            let bits = resource_bits.get(i + 1)?.clone();
            let arn = format!("arn:aws:s3:::{}/{key}", q.bucket);
            // The KMS legs read the key through the encryption context.
            let leg_bits: Vec<bool> = legs.iter().flat_map(|l| l.key_bits(graph, &arn)).collect();
            let next = seen.len();
            Some(*seen.entry((bits, leg_bits)).or_insert(next))
        })
        .collect()
}

/// The accounts the S3 facts name: the owner, ACL grantees' accounts, object owners and
/// access point owners.
fn fact_accounts(q: &Question<'_>) -> Vec<String> {
    let s3 = &q.graph.s3;
    let mut out = vec![q.owner.clone()];
    out.extend(s3.canonical_ids.iter().map(|(_, a)| a.clone()));
    out.extend(s3.objects.iter().filter_map(|o| o.owner_account.clone()));
    out.extend(s3.object_owner.clone());
    out.extend(s3.access_points.iter().map(|a| a.account.clone()));
    out.sort();
    out.dedup();
    out
}

/// The keys the policy variables of the statements' Resource and conditions and of the scope
/// read, lowercase and sorted; `None` when a variable cannot be parsed.
fn variables(q: &Question<'_>, scope: &[Compiled]) -> Option<Vec<String>> {
    let conditions = scope
        .iter()
        .chain(q.graph.statements.iter().flat_map(|s| s.conditions.iter()))
        .flat_map(|c| c.values.iter())
        .filter_map(|v| match v {
            condition::Value::Variable(raw) => Some(raw.as_str()),
            _ => None,
        });
    let resources = q
        .graph
        .statements
        .iter()
        .flat_map(|s| s.resources.iter().flat_map(|(_, items)| items))
        .filter_map(|m| match m {
            ResourceMatcher::Variable(raw) => Some(raw.as_str()),
            ResourceMatcher::Fixed(_) => None,
        });
    let mut keys = Vec::new();
    for raw in conditions.chain(resources) {
        for part in crate::variables::parse(raw).ok()? {
            if let crate::variables::Part::Variable { key, .. } = part {
                keys.push(key.to_ascii_lowercase());
            }
        }
    }
    keys.sort();
    keys.dedup();
    Some(keys)
}

/// The keys and values a dimension's value sets (the time sets both time keys).
fn dim_entries(dim: &Dim, values: &[String]) -> Vec<(String, Vec<String>)> {
    if dim.time {
        let secs: i64 = values.first().and_then(|v| v.parse().ok()).unwrap_or(0);
        return vec![
            (
                "aws:CurrentTime".into(),
                vec![crate::eval::context::iso8601(secs)],
            ),
            ("aws:EpochTime".into(), vec![secs.to_string()]),
        ];
    }
    vec![(dim.shown.clone(), values.to_vec())]
}

/// The request a finding stands for, rebuilt from its printable parts.
pub(super) fn rebuild(f: &Finding, owner: &str, now: i64) -> Request {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (k, vs) in &f.given {
        for v in vs {
            pairs.push((k.clone(), v.clone()));
        }
    }
    let r = &f.request;
    let mut out = Request::new(
        r.caller.clone(),
        &r.action,
        &r.resource,
        Some(owner),
        &pairs,
        now,
    );
    for (k, vs) in &f.given {
        if vs.is_empty() {
            out.context.set(k, Vec::new(), Origin::Given);
        }
    }
    out
}

/// The conditions "the request comes through this VPC endpoint", one per endpoint policy of
/// the graph (`eval::vpce::region_conditions`).
fn gate_conditions(graph: &Graph) -> Vec<crate::policy::Condition> {
    crate::eval::vpce::region_conditions(graph)
        .iter()
        .filter_map(|block| super::Scope::default().with_conditions(block).ok())
        .flat_map(|s| s.conditions)
        .collect()
}

/// Every condition written in the graph, the scope and the endpoint gates, by lowercase key.
fn written(q: &Question<'_>, gates: &[crate::policy::Condition]) -> Vec<(String, String, Written)> {
    let mut out = Vec::new();
    let graph = q.graph;
    for (id, s) in graph.statements.iter().enumerate() {
        let Some((_, st)) = graph.written(s) else {
            continue;
        };
        for c in &st.conditions {
            out.push(written_one(c, Some(id)));
        }
    }
    for c in q.scope.conditions.iter().chain(gates) {
        out.push(written_one(c, None));
    }
    out
}

fn written_one(
    c: &crate::policy::Condition,
    statement: Option<usize>,
) -> (String, String, Written) {
    (
        c.key.value.to_ascii_lowercase(),
        c.key.value.clone(),
        Written {
            base: c.operator.value.base,
            texts: c.values.iter().map(|v| v.text.clone()).collect(),
            statement,
        },
    )
}

/// The free dimensions: one per key written (the two time keys share one).
fn dims(q: &Question<'_>, all: &[(String, String, Written)], reasons: &mut Vec<Reason>) -> Dims {
    let mut order: Vec<(String, String)> = Vec::new();
    for (lower, shown, _) in all {
        if !order.iter().any(|(l, _)| l == lower) {
            order.push((lower.clone(), shown.clone()));
        }
    }
    let probe = Caller::Root {
        partition: "aws".into(),
        account: q.owner.clone(),
    };
    let mut dims: Vec<Dim> = Vec::new();
    let mut dim_of: HashMap<String, usize> = HashMap::default();
    let time_written: Vec<Written> = all
        .iter()
        .filter(|(l, _, _)| keys::availability(l, &probe) == Availability::Time)
        .map(|(_, _, w)| w.clone())
        .collect();
    for (lower, shown) in order {
        let availability = keys::availability(&lower, &probe);
        if availability == Availability::Derived || dim_of.contains_key(&lower) {
            continue;
        }
        if availability == Availability::Time {
            let values: Vec<Vec<String>> = regions::time_values(&time_written, q.now)
                .into_iter()
                .map(|s| vec![s.to_string()])
                .collect();
            let keys = vec!["aws:currenttime".to_string(), "aws:epochtime".to_string()];
            for k in &keys {
                dim_of.insert(k.clone(), dims.len());
            }
            dims.push(make_dim(keys, "aws:CurrentTime".into(), true, values));
            continue;
        }
        let these: Vec<Written> = all
            .iter()
            .filter(|(l, _, _)| *l == lower)
            .map(|(_, _, w)| w.clone())
            .collect();
        let values = regions::key_values(&shown, &these, reasons);
        dim_of.insert(lower.clone(), dims.len());
        dims.push(make_dim(vec![lower], shown, false, values));
    }
    (dims, dim_of)
}

fn make_dim(keys: Vec<String>, shown: String, time: bool, values: Vec<Vec<String>>) -> Dim {
    let mut dim = Dim {
        keys,
        shown,
        time,
        values,
        contexts: Vec::new(),
    };
    let mut contexts: Vec<Context> = dim
        .values
        .iter()
        .map(|v| {
            let mut ctx = Context::default();
            for (k, vs) in dim_entries(&dim, v) {
                ctx.set(&k, vs, Origin::Given);
            }
            ctx
        })
        .collect();
    contexts.push(Context::default());
    dim.contexts = contexts;
    dim
}

/// The action patterns of `q`'s statements and scope, lowercase, sorted, each once.
fn action_patterns(q: &Question<'_>) -> Vec<String> {
    let mut patterns: Vec<String> = q
        .graph
        .statements
        .iter()
        .flat_map(|s| s.actions.1.iter().map(|p| p.as_str().to_ascii_lowercase()))
        .chain(q.scope.actions.iter().map(|p| p.to_ascii_lowercase()))
        .collect();
    patterns.sort();
    patterns.dedup();
    patterns
}

/// The actions tried: every S3 action of the catalogue, and one per region of actions the
/// catalogue does not know that the documents' action patterns (`patterns`) tell apart.
fn actions(q: &Question<'_>, patterns: &[String], reasons: &mut Vec<Reason>) -> Vec<ActionCand> {
    let u = crate::eval::actions::Universe::get();
    let mut out: Vec<ActionCand> = Vec::new();
    for (i, name) in u.names.iter().enumerate() {
        let (b, o) = (u.on_bucket.has(i), u.on_object.has(i));
        if b || o {
            out.push(ActionCand {
                name: name.clone(),
                on_bucket: b,
                on_object: o,
                unknown: false,
            });
        }
    }
    let tests: Vec<Test> = patterns
        .iter()
        .map(|p| Test {
            glob: Glob::wildcards(p),
            prefix: "s3:".into(),
        })
        .collect();
    let scope: Vec<String> = q
        .scope
        .actions
        .iter()
        .map(|p| p.to_ascii_lowercase())
        .collect();
    let required: Vec<usize> = (0..patterns.len())
        .filter(|i| patterns.get(*i).is_some_and(|p| scope.contains(p)))
        .collect();
    // One action the catalogue does not know per region of the patterns, even where catalogue
    // actions share the region: an unknown action has none of their particular rules.
    match automaton::atoms(&tests, &required, 1, "zqxjk", AUTOMATON_LIMIT) {
        Ok(atoms) => {
            for a in atoms
                .into_iter()
                .filter(|a| u.index(&format!("s3:{}", a.witness)).is_none())
            {
                out.push(ActionCand {
                    name: format!("s3:{}", a.witness),
                    on_bucket: true,
                    on_object: true,
                    unknown: true,
                });
            }
        }
        Err(_) => reasons.push(Reason::new(
            ReasonKind::Limit,
            None,
            "the action patterns combine into too many states; actions the catalogue does not know are not tried".into(),
        )),
    }
    if !q.scope.actions.is_empty() {
        out.retain(|a| {
            q.scope
                .actions
                .iter()
                .any(|p| wildcard::matches(p, &a.name, Case::Insensitive))
        });
    }
    out
}

/// A resource pattern as a test over object keys of `bucket`: `None` when it matches every
/// key alike (all of them, or none).
fn key_test(pattern: &str, bucket: &str) -> Option<Test> {
    if pattern.bytes().all(|b| b == b'*') {
        return None;
    }
    const FIXED: [&str; 5] = ["arn", "aws", "s3", "", ""];
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    let n = parts.len();
    let (last, head) = parts.split_last()?;
    if n < 6 && !last.ends_with('*') {
        return None;
    }
    let heads_match = head
        .iter()
        .zip(FIXED)
        .all(|(p, f)| wildcard::matches(p, f, Case::Sensitive));
    if !heads_match {
        return None;
    }
    // The rest of the ARN from the last part on, up to the key.
    let rest: Vec<&str> = FIXED.iter().skip(n - 1).copied().collect();
    let mut prefix = rest.join(":");
    if !rest.is_empty() {
        prefix.push(':');
    }
    prefix.push_str(bucket);
    prefix.push('/');
    Some(Test {
        glob: Glob::wildcards(last),
        prefix,
    })
}

/// The resource patterns of `q`'s statements (written, without policy variables) and scope,
/// sorted, each once.
fn key_patterns(q: &Question<'_>) -> Vec<String> {
    let graph = q.graph;
    let mut patterns: Vec<String> = Vec::new();
    for s in &graph.statements {
        let Some((_, st)) = graph.written(s) else {
            continue;
        };
        if let Some((_, items)) = &s.resources {
            for (m, item) in items.iter().zip(st.resource.iter().flat_map(|r| &r.items)) {
                if matches!(m, ResourceMatcher::Fixed(_)) {
                    patterns.push(item.value.clone());
                }
            }
        }
    }
    patterns.extend(q.scope.resource.iter().cloned());
    patterns.sort();
    patterns.dedup();
    patterns
}

/// The object keys tried: one per atom of the resource patterns (`patterns`: the statements'
/// and the scope's; and `extra` tests, and the objects the S3 facts list), each checked
/// against the real matcher.
fn object_keys(
    q: &Question<'_>,
    patterns: &[String],
    extra: &[Test],
    reasons: &mut Vec<Reason>,
) -> Vec<String> {
    let graph = q.graph;
    let mut tests: Vec<(Option<String>, Test)> = patterns
        .iter()
        .filter_map(|p| key_test(p, &q.bucket).map(|t| (Some(p.clone()), t)))
        .collect();
    tests.extend(extra.iter().map(|t| (None, t.clone())));
    for o in &graph.s3.objects {
        tests.push((
            None,
            Test {
                glob: Glob::literal(&o.key, false),
                prefix: String::new(),
            },
        ));
    }
    let only: Vec<Test> = tests.iter().map(|(_, t)| t.clone()).collect();
    let required: Vec<usize> = tests
        .iter()
        .enumerate()
        .filter(|(_, (p, _))| p.is_some() && *p == q.scope.resource)
        .map(|(i, _)| i)
        .collect();
    let atoms = match automaton::atoms(&only, &required, 1, "x0-", AUTOMATON_LIMIT) {
        Ok(a) => a,
        Err(_) => {
            reasons.push(Reason::new(
                ReasonKind::Limit,
                None,
                "the resource patterns combine into too many states; only some object keys are tried".into(),
            ));
            return vec!["s3-access-witness".into()];
        }
    };
    // Each witness checked against the real matcher, each pattern compiled once.
    let matchers: Vec<Option<(&String, ArnPattern)>> = tests
        .iter()
        .map(|(p, _)| p.as_ref().map(|p| (p, ArnPattern::resource(p))))
        .collect();
    for a in &atoms {
        let arn = format!("arn:aws:s3:::{}/{}", q.bucket, a.witness);
        for (matcher, expected) in matchers.iter().zip(&a.accepts) {
            if let Some((p, m)) = matcher
                && m.is_match(&arn) != *expected
            {
                debug_assert!(false, "automaton of {p} disagrees on {arn}");
                reasons.push(Reason::new(
                    ReasonKind::Replay,
                    None,
                    format!("the automaton of `{p}` disagrees with the matcher on `{arn}` (a bug)"),
                ));
            }
        }
    }
    atoms.into_iter().map(|a| a.witness).collect()
}

/// The reasons each statement brings when it takes part: policy variables and operators the
/// evaluator does not know.
fn statement_reasons(graph: &Graph) -> Vec<Vec<Reason>> {
    graph
        .statements
        .iter()
        .enumerate()
        .map(|(id, s)| {
            let mut out = Vec::new();
            if s.resources.as_ref().is_some_and(|(_, items)| {
                items.iter().any(|m| matches!(m, ResourceMatcher::Variable(_)))
            }) {
                out.push(Reason::new(
                    ReasonKind::Variable,
                    Some(id),
                    "a Resource holds a policy variable; the object keys it matches depend on the caller and are not enumerated".into(),
                ));
            }
            for c in &s.conditions {
                if c.values.iter().any(|v| matches!(v, condition::Value::Variable(_))) {
                    out.push(Reason::new(
                        ReasonKind::Variable,
                        Some(id),
                        format!("a condition on `{}` holds a policy variable; the values it matches depend on other keys and are not enumerated", c.key),
                    ));
                }
                if c.base == BaseOperator::Unknown {
                    out.push(Reason::new(
                        ReasonKind::Evaluator,
                        Some(id),
                        format!("a condition on `{}` has an operator the evaluator does not know", c.key),
                    ));
                }
            }
            out
        })
        .collect()
}
