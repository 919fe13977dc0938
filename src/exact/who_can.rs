//! `who-can`: every kind of caller that can get into a bucket, found by exploring every
//! request with the exact engine, stratified the way Access Analyzer reports findings
//! (public: anonymous or any AWS account; other accounts; the same account; AWS services),
//! each group with its actions, resources, the condition values common to all its requests,
//! one witness request and the statements and ACL grants that grant it.

use super::{Class, Exploration, Finding, PrincipalScope, Question, Reason, Scope};
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
    /// The graph the findings refer to (the bucket's, with the assumed identity policy).
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
    let (graph, identity_assumed) = with_assumed_identity(&model.graph);
    let (owner, owner_assumed) = match &model.owner {
        Some(o) => (o.clone(), false),
        None => (unnamed_owner(&graph), true),
    };
    let e = {
        let q = Question {
            graph: &graph,
            bucket: model.name.clone(),
            owner: owner.clone(),
            now: options.now,
            scope: Scope {
                principals: PrincipalScope::All,
                actions: options.actions.clone(),
                resource: options.resource.clone(),
                conditions: Vec::new(),
            },
        };
        super::explore(&q)
    };
    let Exploration {
        findings,
        mut reasons,
        decided,
    } = e;
    // Values not known offline (an unknown Allow principal is read as `*`, an unknown Block
    // Public Access flag as off): the answer is uncertain and says which and where.
    reasons.extend(unsettled(&model.graph));
    WhoCan {
        bucket: model.name.clone(),
        groups: group(findings, &owner),
        owner,
        owner_assumed,
        identity_assumed,
        graph,
        reasons,
        decided,
    }
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
        // Access Analyzer's reading: a grant to another account is access if that account's
        // administrators allow it; a caller's identity policies that are not given may allow
        // anything.
        let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        let _ = crate::eval::add_source(
            &mut graph,
            SourceFile::new(ASSUMED_IDENTITY, text),
            Layer::Identity,
            0,
        );
    }
    (graph, assumed)
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

/// Groups findings by principal class and what grants them.
pub(super) fn group(findings: Vec<Finding>, owner: &str) -> Vec<Group> {
    let mut groups: Vec<(Vec<Finding>, Vec<usize>, Vec<AclRef>)> = Vec::new();
    // The findings of one principal class are contiguous (`explore` returns them class by
    // class): the groups of the current class, by what grants them.
    let mut current: std::collections::BTreeMap<(Vec<usize>, Vec<AclRef>), usize> =
        std::collections::BTreeMap::new();
    for f in findings {
        let mut statements = f.response.determining.clone();
        statements.sort_unstable();
        statements.dedup();
        let mut grants = f.response.grants.clone();
        grants.sort();
        let same_class = groups
            .last()
            .and_then(|(fs, _, _)| fs.first())
            .is_some_and(|x| x.class.caller == f.class.caller);
        if !same_class {
            current.clear();
        }
        let key = (statements, grants);
        match current.get(&key) {
            Some(&i) => {
                if let Some((fs, _, _)) = groups.get_mut(i) {
                    fs.push(f);
                }
            }
            None => {
                current.insert(key.clone(), groups.len());
                groups.push((vec![f], key.0, key.1));
            }
        }
    }
    let mut out: Vec<Group> = groups
        .into_iter()
        .filter_map(|(fs, statements, grants)| summarise(fs, statements, grants, owner))
        .collect();
    out.sort_by(|a, b| {
        (a.stratum, a.class.caller.to_string()).cmp(&(b.stratum, b.class.caller.to_string()))
    });
    out
}

fn summarise(
    fs: Vec<Finding>,
    statements: Vec<usize>,
    grants: Vec<AclRef>,
    owner: &str,
) -> Option<Group> {
    let first = fs.first()?.clone();
    let mut actions: Vec<String> = Vec::new();
    let mut resources: Vec<String> = Vec::new();
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for f in &fs {
        if seen.insert(&f.request.action) {
            actions.push(f.request.action.clone());
        }
    }
    seen.clear();
    for f in &fs {
        if seen.insert(&f.request.resource) {
            resources.push(f.request.resource.clone());
        }
    }
    actions.sort_by_key(|a| action_rank(a));
    Some(Group {
        stratum: stratum(&first.class, owner),
        class: first.class.clone(),
        unknown_action: fs.iter().any(|f| f.unknown_action),
        actions,
        resources,
        when: common_values(&fs),
        statements,
        grants,
        witness: first,
    })
}

/// The condition keys whose value (or absence) is the same in every finding.
fn common_values(fs: &[Finding]) -> Vec<(String, Option<Vec<String>>)> {
    let value = |f: &Finding, k: &str| -> Option<Option<Vec<String>>> {
        if let Some((_, v)) = f.given.iter().find(|(g, _)| g.eq_ignore_ascii_case(k)) {
            return Some(Some(v.clone()));
        }
        f.absent
            .iter()
            .any(|a| a.eq_ignore_ascii_case(k))
            .then_some(None)
    };
    let Some(first) = fs.first() else {
        return Vec::new();
    };
    let keys: Vec<String> = first
        .given
        .iter()
        .map(|(k, _)| k.clone())
        .chain(first.absent.iter().cloned())
        .collect();
    keys.into_iter()
        .filter_map(|k| {
            let v = value(first, &k)?;
            fs.iter()
                .all(|f| value(f, &k).as_ref() == Some(&v))
                .then_some((k, v))
        })
        .collect()
}
