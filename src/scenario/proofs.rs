//! Proofs in scenario files: assertions over **all** requests (`never`, `no-public`,
//! `no-plain-http`, `only`), each answered by the exact engine ([`crate::exact`]): proven,
//! failed with a counter-example request (replayed through `decide`), or uncertain, which
//! fails too (`docs/scenarios.md`, "Proofs").

use super::problems::Problems;
use crate::eval::{Caller, Graph};
use crate::exact::who_can::with_assumed_identity;
use crate::exact::{self, Class, Finding, PrincipalScope, Question, Reason, ReasonKind, Scope};
use crate::json::{Kind, Value};
use crate::source::Span;

/// The top-level keys of a scenario that hold proofs.
pub(super) const KEYS: &[&str] = &["never", "no-public", "no-plain-http", "only"];
const NEVER: &[&str] = &["principal", "action", "resource"];
const PLAIN_HTTP: &[&str] = &["action", "resource"];
const ONLY: &[&str] = &["principal", "action"];

/// Who an assertion is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Who {
    /// Anonymous callers, AWS services, and IAM principals of accounts other than the bucket
    /// owner's whose request carries no `aws:PrincipalOrgID` or another organisation's.
    OutsideOrg,
    /// Unsigned requests.
    Anonymous,
    /// IAM principals of accounts no document names.
    AnyOtherAccount,
    /// Every principal of one account.
    Account(String),
    /// Exactly this caller (an IAM or STS ARN, or a service principal).
    Caller(Caller),
}

/// One assertion, as read.
pub(super) struct ProofSpec {
    /// How it reads, for the results table.
    pub name: String,
    /// Where it is written.
    pub span: Span,
    /// What it asserts.
    pub kind: ProofKind,
}

/// What an assertion says.
pub(super) enum ProofKind {
    /// No request of `who`, for these actions (all when empty) and resource, is allowed.
    Never {
        who: Who,
        actions: Vec<String>,
        resource: Option<String>,
    },
    /// No request from anonymous callers or from principals of any AWS account is allowed.
    NoPublic,
    /// No request over plain HTTP (`aws:SecureTransport` false) is allowed, for these actions
    /// (all when empty) and resource.
    NoPlainHttp {
        actions: Vec<String>,
        resource: Option<String>,
    },
    /// Every allowed request is one of these callers making one of these actions.
    Only(Vec<(Who, Vec<String>)>),
}

/// Reads the assertions of a scenario (the members named in [`KEYS`]).
pub(super) fn read(root: &Value, problems: &mut Problems) -> Vec<ProofSpec> {
    let mut out = Vec::new();
    if let Some(v) = root.get("never") {
        for item in items(v) {
            if let Some(p) = never(item, problems) {
                out.push(p);
            }
        }
    }
    if let Some(v) = root.get("no-public") {
        match v.kind {
            Kind::Bool(true) => out.push(ProofSpec {
                name: "no-public".into(),
                span: v.span,
                kind: ProofKind::NoPublic,
            }),
            Kind::Bool(false) => {}
            _ => problems.error(v.span, "`no-public` must be true or false"),
        }
    }
    if let Some(v) = root.get("no-plain-http")
        && let Some(p) = plain_http(v, problems)
    {
        out.push(p);
    }
    if let Some(v) = root.get("only")
        && let Some(p) = only(v, problems)
    {
        out.push(p);
    }
    out
}

/// An object, or the items of an array.
fn items(v: &Value) -> &[Value] {
    match &v.kind {
        Kind::Array(items) => items,
        _ => std::slice::from_ref(v),
    }
}

fn never(item: &Value, problems: &mut Problems) -> Option<ProofSpec> {
    if item.as_object().is_none() {
        problems.error(
            item.span,
            "each `never` assertion is an object with `principal`, and optionally `action` and `resource`",
        );
        return None;
    }
    problems.unknown_keys(item, NEVER, "`never` assertion");
    let (who, who_text) = principal(item, problems)?;
    let actions = actions(item, problems)?;
    let resource = resource(item, problems)?;
    let name = named(format!("never {who_text}"), &actions, resource.as_deref());
    Some(ProofSpec {
        name,
        span: item.span,
        kind: ProofKind::Never {
            who,
            actions,
            resource,
        },
    })
}

/// `no-plain-http`: `true`, or an object narrowing it to some actions and a resource.
fn plain_http(v: &Value, problems: &mut Problems) -> Option<ProofSpec> {
    let (actions, resource) = match &v.kind {
        Kind::Bool(true) => (Vec::new(), None),
        Kind::Bool(false) => return None,
        Kind::Object(_) => {
            problems.unknown_keys(v, PLAIN_HTTP, "`no-plain-http` assertion");
            (actions(v, problems)?, resource(v, problems)?)
        }
        _ => {
            problems.error(
                v.span,
                "`no-plain-http` must be true, false, or an object with `action` and `resource`",
            );
            return None;
        }
    };
    Some(ProofSpec {
        name: named("no-plain-http".into(), &actions, resource.as_deref()),
        span: v.span,
        kind: ProofKind::NoPlainHttp { actions, resource },
    })
}

/// An assertion's name: what it is about, its actions and resource.
fn named(mut name: String, actions: &[String], resource: Option<&str>) -> String {
    if !actions.is_empty() {
        name.push_str(&format!(" {}", actions.join(",")));
    }
    if let Some(r) = resource {
        name.push_str(&format!(" on {r}"));
    }
    name
}

/// The `resource` of an assertion (`Some(None)` when absent; `None` when wrong, reported).
fn resource(item: &Value, problems: &mut Problems) -> Option<Option<String>> {
    let Some(v) = item.get("resource") else {
        return Some(None);
    };
    match v.as_str() {
        Some(r) if r.starts_with("arn:aws:s3:::") && r.len() > "arn:aws:s3:::".len() => {
            Some(Some(r.to_string()))
        }
        _ => {
            problems.error(
                v.span,
                "`resource` must be an S3 ARN or ARN pattern, e.g. `arn:aws:s3:::bkt/*`",
            );
            None
        }
    }
}

fn only(v: &Value, problems: &mut Problems) -> Option<ProofSpec> {
    let list = match &v.kind {
        Kind::Array(items) if !items.is_empty() => items,
        _ => {
            problems.error(
                v.span,
                "`only` must be a non-empty array of {\"principal\": …, \"action\": …}",
            );
            return None;
        }
    };
    let mut entries = Vec::new();
    let mut names = Vec::new();
    for item in list {
        if item.as_object().is_none() {
            problems.error(item.span, "each `only` entry is an object with `principal`");
            continue;
        }
        problems.unknown_keys(item, ONLY, "`only` entry");
        let (Some((who, text)), Some(actions)) =
            (principal(item, problems), actions(item, problems))
        else {
            continue;
        };
        names.push(if actions.is_empty() {
            text
        } else {
            format!("{text} {}", actions.join(","))
        });
        entries.push((who, actions));
    }
    (entries.len() == list.len()).then(|| ProofSpec {
        name: format!("only {}", names.join("; ")),
        span: v.span,
        kind: ProofKind::Only(entries),
    })
}

/// The `principal` of an assertion, and how it is written.
fn principal(item: &Value, problems: &mut Problems) -> Option<(Who, String)> {
    let Some(v) = item.get("principal") else {
        let start = item.span.start as usize;
        problems.error(Span::new(start, start + 1), "missing `principal`");
        return None;
    };
    let Some(s) = v.as_str() else {
        problems.error(v.span, "`principal` must be a string");
        return None;
    };
    let who = match s {
        "outside-org" => Who::OutsideOrg,
        "anonymous" | "*" => Who::Anonymous,
        "any-other-account" => Who::AnyOtherAccount,
        _ if crate::arn::is_account_id(s) => Who::Account(s.to_string()),
        _ => match Caller::parse(s) {
            Ok(c) => Who::Caller(c),
            Err(e) => {
                problems.error(
                    v.span,
                    format!("{e}; or `outside-org`, `anonymous`, `any-other-account`"),
                );
                return None;
            }
        },
    };
    Some((who, s.to_string()))
}

/// The `action` of an assertion: a string or an array of strings (IAM wildcards); empty for
/// every action.
fn actions(item: &Value, problems: &mut Problems) -> Option<Vec<String>> {
    let Some(v) = item.get("action") else {
        return Some(Vec::new());
    };
    let mut out = Vec::new();
    for a in items(v) {
        match a.as_str() {
            Some(s) if s.contains(':') || s == "*" => out.push(s.to_string()),
            _ => {
                problems.error(
                    a.span,
                    "`action` must be an action such as `s3:GetObject` (wildcards allowed), or an array of them",
                );
                return None;
            }
        }
    }
    if out.is_empty() {
        problems.error(v.span, "`action` must not be empty");
        return None;
    }
    Some(out)
}

/// How an assertion came out.
#[derive(Debug, Clone)]
pub enum ProofVerdict {
    /// No request of the region is allowed: exhaustively, by the engine.
    Proven,
    /// A request that breaks the assertion, replayed through `decide`.
    Failed(Box<Finding>),
    /// Not proven and no counter-example found: why.
    Uncertain(Vec<Reason>),
}

/// The outcome of one assertion.
#[derive(Debug)]
pub struct ProofOutcome {
    /// How it reads.
    pub name: String,
    /// Where it is written.
    pub span: Span,
    /// The verdict.
    pub verdict: ProofVerdict,
    /// The graph it was proved on (with the assumed identity policy when none is given): the
    /// statements of the counter-example and reasons are its ids.
    pub graph: std::rc::Rc<Graph>,
    /// The bucket owner used.
    pub owner: String,
}

impl ProofOutcome {
    /// Whether the assertion is proven.
    pub fn passed(&self) -> bool {
        matches!(self.verdict, ProofVerdict::Proven)
    }
}

/// What every assertion of a scenario is proved against.
pub(super) struct Setting<'a> {
    pub graph: &'a Graph,
    pub owner: Option<&'a str>,
    pub organization: Option<&'a str>,
    pub now: i64,
    /// The key the bucket's objects are encrypted with: the KMS leg counts.
    pub kms: Option<&'a crate::eval::kms::KmsKey>,
}

/// Proves each assertion on the scenario's documents; an assertion that cannot be asked
/// (no bucket name, no organisation) is reported where it is written.
pub(super) fn prove(
    specs: Vec<ProofSpec>,
    setting: &Setting<'_>,
    problems: &mut Problems,
) -> Vec<ProofOutcome> {
    if specs.is_empty() {
        return Vec::new();
    }
    let (graph, _) = with_assumed_identity(setting.graph);
    let owner = setting
        .owner
        .map_or_else(|| exact::who_can::unnamed_owner(&graph), str::to_string);
    let named: Vec<String> = exact::principals::classes(&graph, &owner, &mut Vec::new())
        .iter()
        .filter(|c| !c.other_account)
        .filter_map(|c| c.caller.account().map(str::to_string))
        .collect();
    let leg = setting
        .kms
        .map(|k| exact::kms_leg::Leg::new(&graph, k.clone()));
    let graph = std::rc::Rc::new(graph);
    let mut out = Vec::new();
    for spec in specs {
        let resource = match &spec.kind {
            ProofKind::Never { resource, .. } | ProofKind::NoPlainHttp { resource, .. } => {
                resource.as_deref()
            }
            _ => None,
        };
        let Some(bucket) = bucket_name(setting.graph, resource) else {
            problems.error(
                spec.span,
                "the bucket is not known: give `s3.bucket`, or a `resource` in this assertion",
            );
            continue;
        };
        let ask = Ask {
            graph: &graph,
            leg: leg.as_ref(),
            named: named.clone(),
            bucket: &bucket,
            owner: &owner,
            now: setting.now,
        };
        let verdict = match &spec.kind {
            ProofKind::Never {
                who: Who::OutsideOrg,
                ..
            } if organization(setting).is_none() => {
                problems.error(
                    spec.span,
                    "`outside-org` needs the organisation: give the scenario an `organization` (o-…), or name exactly one `aws:PrincipalOrgID` in its documents",
                );
                continue;
            }
            ProofKind::Never {
                who,
                actions,
                resource,
            } => never_verdict(&ask, who, actions, resource.clone(), (setting, false)),
            ProofKind::NoPublic => {
                let anonymous = never_verdict(&ask, &Who::Anonymous, &[], None, (setting, true));
                let any = never_verdict(&ask, &Who::AnyOtherAccount, &[], None, (setting, true));
                either(anonymous, any)
            }
            ProofKind::NoPlainHttp { actions, resource } => {
                let scope = Scope {
                    actions: actions.clone(),
                    resource: resource.clone(),
                    ..Scope::default()
                };
                match scope.with_conditions(r#"{"Bool": {"aws:SecureTransport": "false"}}"#) {
                    Ok(scope) => ask.first(scope, &|_| true),
                    Err(e) => {
                        ProofVerdict::Uncertain(vec![Reason::new(ReasonKind::Model, None, e)])
                    }
                }
            }
            ProofKind::Only(entries) => ask.first_finding(Scope::default(), &|f: &Finding| {
                !entries.iter().any(|(who, actions)| {
                    admits(who, &f.class, &owner, &ask.named, true)
                        && (actions.is_empty()
                            || actions.iter().any(|a| {
                                crate::wildcard::matches(
                                    a,
                                    &f.request.action,
                                    crate::wildcard::Case::Insensitive,
                                )
                            }))
                })
            }),
        };
        out.push(ProofOutcome {
            name: spec.name,
            span: spec.span,
            verdict,
            graph: graph.clone(),
            owner: owner.clone(),
        });
    }
    out
}

fn never_verdict(
    ask: &Ask<'_>,
    who: &Who,
    actions: &[String],
    resource: Option<String>,
    (setting, public): (&Setting<'_>, bool),
) -> ProofVerdict {
    let mut scope = Scope {
        actions: actions.to_vec(),
        resource,
        ..Scope::default()
    };
    if let Who::Caller(c) = who {
        scope.principals = PrincipalScope::Caller(c.clone());
        return ask.first(scope, &|_| true);
    }
    // `no-public` does not count principals of the organisation's accounts as public.
    let org = organization(setting).filter(|_| *who == Who::OutsideOrg || public);
    if let Some(org) = org {
        // Negated operators are true when the key is absent (IAM "Condition operators"):
        // anonymous callers and services, which carry no organisation id, stay in the scope.
        let block = format!(
            r#"{{"StringNotEquals": {{"aws:PrincipalOrgID": {}}}}}"#,
            serde_json::Value::String(org)
        );
        scope = match scope.with_conditions(&block) {
            Ok(s) => s,
            Err(e) => {
                return ProofVerdict::Uncertain(vec![Reason::new(ReasonKind::Model, None, e)]);
            }
        };
    }
    ask.first(scope, &|c| admits(who, c, ask.owner, &ask.named, false))
}

/// The first failure of two verdicts, else the first uncertainty (reasons of both), else proven.
fn either(a: ProofVerdict, b: ProofVerdict) -> ProofVerdict {
    match (a, b) {
        (f @ ProofVerdict::Failed(_), _) | (_, f @ ProofVerdict::Failed(_)) => f,
        (ProofVerdict::Uncertain(mut x), ProofVerdict::Uncertain(y)) => {
            x.extend(y);
            ProofVerdict::Uncertain(x)
        }
        (u @ ProofVerdict::Uncertain(_), _) | (_, u @ ProofVerdict::Uncertain(_)) => u,
        (ProofVerdict::Proven, ProofVerdict::Proven) => ProofVerdict::Proven,
    }
}

/// Whether the principal class `c` is among `who` (for a bucket owned by `owner`). In a
/// `never` assertion (`strict` false) an account no document names is in the class of every
/// such account, whose representative then stands for it; in `only` (`strict`) that class
/// stands for other accounts too, so it is never admitted for one account.
fn admits(who: &Who, c: &Class, owner: &str, named: &[String], strict: bool) -> bool {
    match who {
        Who::OutsideOrg => c.caller.account() != Some(owner),
        Who::Anonymous => c.caller == Caller::Anonymous,
        Who::AnyOtherAccount => c.other_account && c.caller.account().is_some(),
        Who::Account(a) if !strict && !named.contains(a) => {
            c.other_account && c.caller.account().is_some()
        }
        Who::Account(a) => c.caller.account() == Some(a.as_str()) && !c.other_account,
        Who::Caller(caller) => !c.unnamed && same_principal(caller, &c.caller),
    }
}

/// Whether `entry` names `caller`: the same caller, or (a role ARN) any session of the role.
fn same_principal(entry: &Caller, caller: &Caller) -> bool {
    match (entry, caller) {
        (
            Caller::Session {
                account: a,
                role: r,
                ..
            },
            Caller::Session {
                account: b,
                role: s,
                ..
            },
        ) => a == b && r == s,
        _ => entry == caller,
    }
}

/// One question's fixed parts.
struct Ask<'a> {
    graph: &'a Graph,
    /// The KMS leg of the scenario's key, when it gives one.
    leg: Option<&'a exact::kms_leg::Leg>,
    /// The accounts documents name (principal classes other than "any other account").
    named: Vec<String>,
    bucket: &'a str,
    owner: &'a str,
    now: i64,
}

impl Ask<'_> {
    /// The first allowed request of `scope` whose class `keep` admits.
    fn first(&self, scope: Scope, keep: &dyn Fn(&Class) -> bool) -> ProofVerdict {
        self.first_finding(scope, &|f: &Finding| keep(&f.class))
    }

    /// The first allowed request of `scope` that `keep` admits, replayed through `decide`.
    fn first_finding(&self, scope: Scope, keep: &dyn Fn(&Finding) -> bool) -> ProofVerdict {
        let q = Question {
            graph: self.graph,
            bucket: self.bucket.to_string(),
            owner: self.owner.to_string(),
            now: self.now,
            scope,
        };
        let e = match self.leg {
            Some(leg) => exact::kms_leg::explore(&q, leg),
            None => exact::explore(&q),
        };
        let replays = |f: &Finding| {
            exact::replay(self.graph, f, self.owner, self.now)
                && self.leg.is_none_or(|l| l.replays(f, self.owner, self.now))
        };
        match e.findings.into_iter().find(|f| keep(f)) {
            Some(f) if replays(&f) => ProofVerdict::Failed(Box::new(f)),
            Some(f) => ProofVerdict::Uncertain(vec![Reason::new(
                ReasonKind::Replay,
                None,
                format!(
                    "the counter-example {} {} on {} does not replay (a bug: please report it)",
                    f.request.caller, f.request.action, f.request.resource
                ),
            )]),
            None if e.reasons.is_empty() => ProofVerdict::Proven,
            None => ProofVerdict::Uncertain(e.reasons),
        }
    }
}

/// The organisation `outside-org` is relative to: the scenario's `organization`, or the one
/// `aws:PrincipalOrgID` value its documents name.
fn organization(setting: &Setting<'_>) -> Option<String> {
    if let Some(o) = setting.organization {
        return Some(o.to_string());
    }
    let mut found: Vec<String> = Vec::new();
    for s in &setting.graph.statements {
        let Some((_, st)) = setting.graph.written(s) else {
            continue;
        };
        for c in &st.conditions {
            if c.key.value.eq_ignore_ascii_case("aws:PrincipalOrgID") {
                found.extend(c.values.iter().map(|v| v.text.clone()));
            }
        }
    }
    found.sort();
    found.dedup();
    match found.as_slice() {
        [one] if !one.contains(['*', '?', '$']) => Some(one.clone()),
        _ => None,
    }
}

/// The bucket the assertions are about: the `s3` section's, the assertion's resource's, or
/// the one the documents name.
fn bucket_name(graph: &Graph, resource: Option<&str>) -> Option<String> {
    if let Some(b) = &graph.s3.bucket {
        return Some(b.clone());
    }
    let from_resource = resource
        .and_then(|r| r.strip_prefix("arn:aws:s3:::"))
        .map(|r| r.split('/').next().unwrap_or(""))
        .filter(|b| !b.is_empty() && !b.contains(['*', '?']));
    from_resource
        .map(str::to_string)
        .or_else(|| crate::eval::bucket::named_bucket(graph))
}
