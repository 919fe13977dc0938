//! `who-can`: every kind of caller that can get into a bucket, found by exploring every
//! request with the exact engine, stratified the way Access Analyzer reports findings
//! (public: anonymous or any AWS account; other accounts; the same account; AWS services),
//! each group with its actions, resources, the condition values common to all its requests,
//! one witness request and the statements and ACL grants that grant it.

use super::search::Judge;
use super::{
    Class, ClassExploration, Finding, FindingClass, PrincipalScope, Question, Reason, Scope,
};
use crate::eval::bucket::BucketModel;
use crate::eval::graph::{Graph, Layer};
use crate::eval::request::Caller;
use crate::eval::s3_facts::AclRef;
use crate::source::SourceFile;

/// What the caller of `who-can` restricts.
#[derive(Debug, Clone, Default)]
pub struct WhoCanOptions {
    /// Action patterns; empty for every action.
    pub actions: Vec<String>,
    /// A resource ARN pattern; `None` for the bucket and its objects.
    pub resource: Option<String>,
    /// The earliest request time, epoch seconds.
    pub now: i64,
}

/// The strata of findings, in the order they are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stratum {
    /// Anonymous callers, or principals of any AWS account.
    Public,
    /// Principals of another named account.
    OtherAccount,
    /// Principals of the bucket owner's account.
    SameAccount,
    /// AWS service principals.
    Service,
}

/// One kind of caller with what it can do, as one decision grants it.
#[derive(Debug, Clone)]
pub struct Group {
    /// The stratum.
    pub stratum: Stratum,
    /// The principal class.
    pub class: Class,
    /// The actions, everyday ones first.
    pub actions: Vec<String>,
    /// Whether some action is one the catalogue does not know.
    pub unknown_action: bool,
    /// The resources of the requests found (the bucket ARN and example object ARNs).
    pub resources: Vec<String>,
    /// Condition keys with the same values in every request found (empty values: absent).
    pub when: Vec<(String, Option<Vec<String>>)>,
    /// The statements that grant (graph ids).
    pub statements: Vec<usize>,
    /// The ACL grants that grant.
    pub grants: Vec<AclRef>,
    /// One witness request.
    pub witness: Finding,
}

/// The answer of `who-can` for one bucket.
#[derive(Debug, Clone)]
pub struct WhoCan {
    /// The bucket.
    pub bucket: String,
    /// The owner account used.
    pub owner: String,
    /// Whether the owner was not given (an account no document names is assumed).
    pub owner_assumed: bool,
    /// Whether the callers' own identity policies were not given and are assumed to allow.
    pub identity_assumed: bool,
    /// The roles and users of the owner's account answered with their own identity policies
    /// (the owner's IAM configuration lists them), by ARN; every other caller keeps the
    /// assumed ones.
    pub own_identity: Vec<String>,
    /// The graph the findings refer to (the bucket's, with the assumed identity policy, then
    /// each principal's of `own_identity`).
    pub graph: Graph,
    /// The groups, by stratum.
    pub groups: Vec<Group>,
    /// Why the absence of a caller is not proof.
    pub reasons: Vec<Reason>,
    /// Representative requests decided.
    pub decided: usize,
}

/// The name of the document standing for "the caller's own identity policies allow it".
pub const ASSUMED_IDENTITY: &str = "(assumed: the caller's own identity policies allow it)";

/// Explores every request to `model`'s bucket and groups the allowed ones.
pub fn who_can(model: &BucketModel, options: &WhoCanOptions) -> WhoCan {
    who_can_with(model, options, true)
}

/// [`who_can`], with the reductions of the search (alike principals, actions and object keys
/// decided once) on or off: off only in tests that check they change no answer.
#[doc(hidden)]
pub fn who_can_with(model: &BucketModel, options: &WhoCanOptions, reduce: bool) -> WhoCan {
    let (graph, identity_assumed) = with_assumed_identity(&model.graph);
    // The KMS leg of the default encryption's key, its key policy in the graph.
    let (graph, leg, leg_unknown) = super::kms_leg::of_model(model, graph);
    let legs: &[super::kms_leg::Leg] = leg.as_slice();
    let (owner, owner_assumed) = match &model.owner {
        Some(o) => (o.clone(), false),
        None => (unnamed_owner(&graph), true),
    };
    // The owner's roles and users its IAM configuration lists are answered with their own
    // identity policies (below), not in this exploration.
    let (declared, limit) = super::identities::declared(model, &owner);
    let own_callers: Vec<Caller> = declared.iter().map(|d| d.caller.clone()).collect();
    let q = Question {
        graph: &graph,
        bucket: model.name.clone(),
        owner: owner.clone(),
        now: options.now,
        scope: Scope {
            principals: if own_callers.is_empty() {
                PrincipalScope::All
            } else {
                PrincipalScope::AllBut(own_callers)
            },
            actions: options.actions.clone(),
            resource: options.resource.clone(),
            conditions: Vec::new(),
        },
    };
    let judge = super::kms_leg::LegAllowed {
        graph: &graph,
        legs,
        owner: &owner,
        now: options.now,
    };
    // The declared principals' graphs are the bucket's plus their own identity policies:
    // the splits those add nothing to are computed once, for the main question, first.
    let splits = if declared.is_empty() {
        super::search::Splits::default()
    } else {
        let splits = super::search::Splits::kept();
        splits.warm(&q, &judge);
        splits
    };
    // The main exploration and the declared principals' run side by side.
    let mode = super::search::Mode::shown(reduce);
    let (e, own) = rayon::join(
        || super::search::explore_sharing(&q, &judge, mode, &splits),
        || own_identities(model, declared, &owner, options, reduce, &splits),
    );
    let mut replayed = Vec::new();
    let mut groups = group(&e, &owner, &|f, o| judge.replays(f, o), &mut replayed);
    let ClassExploration {
        mut reasons,
        mut decided,
        ..
    } = e;
    reasons.extend(limit);
    // Values not known offline (an unknown Allow principal is read as `*`, an unknown Block
    // Public Access flag as off): the answer is uncertain and says which and where.
    reasons.extend(unsettled(&model.graph));
    if !replayed.is_empty() {
        reasons.extend(replayed);
        reasons.sort_by_key(|r| (r.kind, r.statement));
        reasons.dedup();
    }
    reasons.extend(leg_unknown.and_then(|why| super::kms_leg::unknown_reason(&why, &groups)));
    let mut graph = graph;
    let mut own_identity = Vec::new();
    if !own.is_empty() {
        for o in own {
            decided += o.decided;
            own_identity.extend(o.declared.caller.principal_arn());
            o.render(model, &mut graph, &mut groups, &mut reasons);
        }
        sort_groups(&mut groups);
    }
    WhoCan {
        bucket: model.name.clone(),
        groups,
        owner,
        owner_assumed,
        identity_assumed,
        own_identity,
        graph,
        reasons,
        decided,
    }
}

/// The answer for one role or user of the owner's account its IAM configuration lists
/// ([`super::identities`]), on its own graph.
struct Own {
    declared: super::identities::Declared,
    groups: Vec<Group>,
    reasons: Vec<Reason>,
    decided: usize,
}

impl Own {
    /// Appends the principal's own documents to `rendered` (the graph the answer refers to),
    /// and its groups and reasons, their statement ids renumbered into it.
    fn render(
        self,
        model: &BucketModel,
        rendered: &mut Graph,
        groups: &mut Vec<Group>,
        reasons: &mut Vec<Reason>,
    ) {
        let shared = (model.graph.documents.len(), model.graph.statements.len());
        let at = rendered.statements.len();
        for doc in self.declared.graph.documents.iter().skip(shared.0) {
            rendered.add(doc.source.clone(), doc.policy.clone(), doc.layer, doc.level);
        }
        let renumber = |id: usize| super::identities::renumber(id, shared.1, at);
        for mut g in self.groups {
            g.statements.iter_mut().for_each(|id| *id = renumber(*id));
            groups.push(g);
        }
        for mut r in self.reasons {
            r.statement = r.statement.map(renumber);
            if !reasons.contains(&r) {
                reasons.push(r);
            }
        }
    }
}

/// Explores each role and user of the owner's account (`declared`) with its own identity
/// side (in parallel; the answers in the configuration's order).
fn own_identities(
    model: &BucketModel,
    declared: Vec<super::identities::Declared>,
    owner: &str,
    options: &WhoCanOptions,
    reduce: bool,
    splits: &super::search::Splits,
) -> Vec<Own> {
    use rayon::prelude::*;
    declared
        .into_par_iter()
        .map(|mut d| {
            // The KMS leg of the default encryption's key, its key policy in this graph too.
            let (graph, leg, leg_unknown) =
                super::kms_leg::of_model(model, std::mem::take(&mut d.graph));
            d.graph = graph;
            let legs: &[super::kms_leg::Leg] = leg.as_slice();
            let q = Question {
                graph: &d.graph,
                bucket: model.name.clone(),
                owner: owner.to_string(),
                now: options.now,
                scope: Scope {
                    principals: PrincipalScope::Caller(d.caller.clone()),
                    actions: options.actions.clone(),
                    resource: options.resource.clone(),
                    conditions: Vec::new(),
                },
            };
            let judge = super::kms_leg::LegAllowed {
                graph: &d.graph,
                legs,
                owner,
                now: options.now,
            };
            let mode = super::search::Mode::shown(reduce);
            let e = super::search::explore_sharing(&q, &judge, mode, splits);
            let mut reasons = Vec::new();
            let groups = group(&e, owner, &|f, o| judge.replays(f, o), &mut reasons);
            reasons.extend(e.reasons);
            reasons
                .extend(leg_unknown.and_then(|why| super::kms_leg::unknown_reason(&why, &groups)));
            reasons.extend(d.reasons.iter().cloned());
            Own {
                decided: e.decided,
                declared: d,
                groups,
                reasons,
            }
        })
        .collect()
}

/// One reason per value of the bucket not known offline (infrastructure as code).
pub fn unsettled(graph: &Graph) -> impl Iterator<Item = Reason> + '_ {
    graph.s3.unsettled.iter().map(|u| {
        Reason::new(
            super::ReasonKind::IacUnknown,
            None,
            format!("{}: the answer may differ once it is known", u.describe()),
        )
    })
}

/// `graph`, with a document standing for "the caller's own identity policies allow it" when
/// it has no identity policy; true when that document was added.
pub fn with_assumed_identity(graph: &Graph) -> (Graph, bool) {
    let mut graph = graph.clone();
    let assumed = !graph.has_layer(Layer::Identity);
    if assumed {
        add_assumed_identity(&mut graph);
    }
    (graph, assumed)
}

/// Adds the document standing for "the caller's own identity policies allow it".
pub(super) fn add_assumed_identity(graph: &mut Graph) {
    if let Some((source, policy, compiled)) = assumed_identity() {
        graph.add_compiled(
            source.clone(),
            std::sync::Arc::clone(policy),
            compiled.clone(),
            Layer::Identity,
            0,
        );
    }
}

/// The identity policy that allows everything: its source, policy and compiled statements.
type AssumedIdentity = (
    SourceFile,
    std::sync::Arc<crate::policy::Policy>,
    Vec<crate::eval::graph::CompiledStatement>,
);

/// The document standing for "the caller's own identity policies allow it", parsed and
/// compiled once.
pub(super) fn assumed_identity() -> Option<&'static AssumedIdentity> {
    // Access Analyzer's reading: a grant to another account is access if that account's
    // administrators allow it; a caller's identity policies that are not given may allow
    // anything.
    static ONCE: std::sync::OnceLock<Option<AssumedIdentity>> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        let value = crate::json::parse(text).ok()?;
        let policy = crate::policy::parse::parse_policy(&value, crate::policy::PolicyKind::Identity)
            .policy?;
        let source = SourceFile::new(ASSUMED_IDENTITY, text);
        let policy = std::sync::Arc::new(policy);
        let mut alone = Graph::new();
        alone.add(source.clone(), std::sync::Arc::clone(&policy), Layer::Identity, 0);
        Some((source, policy, alone.statements))
    })
    .as_ref()
}

/// An account id no document of `graph` names.
pub fn unnamed_owner(graph: &Graph) -> String {
    let mut reasons = Vec::new();
    let classes = super::principals::classes(graph, "", &mut reasons);
    classes
        .iter()
        .find(|c| c.other_account)
        .and_then(|c| c.caller.account().map(str::to_string))
        .unwrap_or_else(|| "999999999999".into())
}

fn stratum(class: &Class, owner: &str) -> Stratum {
    match &class.caller {
        Caller::Anonymous => Stratum::Public,
        Caller::Service { .. } => Stratum::Service,
        _ if class.other_account => Stratum::Public,
        c if c.account() == Some(owner) => Stratum::SameAccount,
        _ => Stratum::OtherAccount,
    }
}

/// Actions users meet every day, shown first.
fn action_rank(a: &str) -> (usize, String) {
    (crate::eval::actions::everyday_rank(a), a.to_string())
}

/// Groups the findings by principal class and what grants them. A group's actions and
/// resources are those of all its members (each finding class stands for its alike actions
/// and resources), the resources in the order an unreduced exploration first meets them; its
/// witness is its first finding in that order, one that was decided, and is replayed here by
/// `replays` (a witness that does not replay is a bug: its group is withheld and the answer
/// uncertain, as a finding that does not replay is during the search).
pub(super) fn group(
    e: &ClassExploration,
    owner: &str,
    replays: &(dyn Fn(&Finding, usize) -> bool + Sync),
    reasons: &mut Vec<Reason>,
) -> Vec<Group> {
    use rayon::prelude::*;
    let mut groups: Vec<Vec<&FindingClass>> = Vec::new();
    // The findings of one principal class are contiguous (`explore` returns them class by
    // class): the groups of the current class, by what grants them.
    let mut current: std::collections::BTreeMap<(Vec<usize>, Vec<AclRef>), usize> =
        std::collections::BTreeMap::new();
    let mut principal = None;
    for c in &e.classes {
        if principal != Some(c.principal) {
            current.clear();
            principal = Some(c.principal);
        }
        let mut statements = c.finding.response.determining.clone();
        statements.sort_unstable();
        statements.dedup();
        let mut grants = c.finding.response.grants.clone();
        grants.sort();
        match current.get(&(statements.clone(), grants.clone())) {
            Some(&i) => {
                if let Some(fs) = groups.get_mut(i) {
                    fs.push(c);
                }
            }
            None => {
                current.insert((statements, grants), groups.len());
                groups.push(vec![c]);
            }
        }
    }
    // Each group's witness replayed and the group summarised, in parallel (in group order).
    let summarised: Vec<Option<Result<Group, Reason>>> = groups
        .into_par_iter()
        .map(|fs| {
            let w = fs.first()?;
            if !replays(&w.finding, w.outcome) {
                debug_assert!(false, "witness does not replay: {:?}", w.finding.request);
                return Some(Err(Reason::not_replayed(&w.finding.request)));
            }
            summarise(&fs, e, owner).map(Ok)
        })
        .collect();
    let mut out = Vec::new();
    for g in summarised.into_iter().flatten() {
        match g {
            Ok(g) => out.push(g),
            Err(r) => reasons.push(r),
        }
    }
    sort_groups(&mut out);
    out
}

/// Groups in the order they are shown: by stratum, then caller (stable; each caller written
/// out once, not twice per comparison).
fn sort_groups(groups: &mut [Group]) {
    groups.sort_by_cached_key(|g| (g.stratum, g.class.caller.to_string()));
}

/// One group: `fs` are in the order they were decided, which is the order of their first
/// (witness) request in an unreduced exploration.
fn summarise(fs: &[&FindingClass], e: &ClassExploration, owner: &str) -> Option<Group> {
    let first = &fs.first()?.finding;
    let mut statements = first.response.determining.clone();
    statements.sort_unstable();
    statements.dedup();
    let mut grants = first.response.grants.clone();
    grants.sort();
    let mut actions: Vec<usize> = fs.iter().flat_map(|c| c.actions.iter().copied()).collect();
    actions.sort_unstable();
    actions.dedup();
    let mut actions: Vec<String> = actions
        .into_iter()
        .filter_map(|a| e.actions.get(a).map(|(name, _)| name.clone()))
        .collect();
    actions.sort_by_cached_key(|a| action_rank(a));
    // A resource first appears with the first action of the first class holding it.
    let mut first_seen: std::collections::BTreeMap<usize, usize> = Default::default();
    for c in fs {
        let a = c.actions.first().copied().unwrap_or(0);
        for r in &c.resources {
            let seen = first_seen.entry(*r).or_insert(a);
            *seen = (*seen).min(a);
        }
    }
    let mut resources: Vec<(usize, usize)> = first_seen.into_iter().map(|(r, a)| (a, r)).collect();
    resources.sort_unstable();
    let findings: Vec<&Finding> = fs.iter().map(|c| &*c.finding).collect();
    Some(Group {
        stratum: stratum(&first.class, owner),
        class: first.class.clone(),
        unknown_action: fs.iter().any(|c| c.finding.unknown_action),
        actions,
        resources: resources
            .into_iter()
            .filter_map(|(_, r)| e.resources.get(r).cloned())
            .collect(),
        when: common_values(&findings),
        statements,
        grants,
        witness: Finding::clone(first),
    })
}

/// The value of `k` in `f`: `Some(Some(values))`, `Some(None)` when absent, `None` when `f`
/// says nothing of it.
fn finding_value<'f>(f: &'f Finding, k: &str) -> Option<Option<&'f [String]>> {
    if let Some((_, v)) = f.given.iter().find(|(g, _)| g.eq_ignore_ascii_case(k)) {
        return Some(Some(v.as_slice()));
    }
    f.absent
        .iter()
        .any(|a| a.eq_ignore_ascii_case(k))
        .then_some(None)
}

/// The condition keys whose value (or absence) is the same in every finding.
fn common_values(fs: &[&Finding]) -> Vec<(String, Option<Vec<String>>)> {
    let Some(first) = fs.first() else {
        return Vec::new();
    };
    let keys = first
        .given
        .iter()
        .map(|(k, _)| k.as_str())
        .chain(first.absent.iter().map(String::as_str));
    keys.filter_map(|k| {
        let v = finding_value(first, k)?;
        fs.iter()
            .all(|f| finding_value(f, k) == Some(v))
            .then(|| (k.to_string(), v.map(<[String]>::to_vec)))
    })
    .collect()
}
