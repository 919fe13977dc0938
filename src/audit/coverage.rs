//! Deny coverage: for every request that has a given property (sent over plain HTTP, an
//! upload without an encryption header, ...), which principals, S3 actions and resources do
//! the Deny statements of a policy refuse?
//!
//! The question is answered on the compiled statements with the evaluator's own matchers:
//! each action of the catalogue against the statement's action patterns, the bucket and its
//! objects against its resource patterns, and each condition with
//! [`crate::eval::condition::evaluate`]: conditions on the question's keys against the
//! question's context, conditions on any other key against every witness value of that key
//! (absent, each value the policy names, and values beside them). A Deny counts as covering
//! only if it fires whatever the other keys hold; one that fires only sometimes is reported as
//! partial with the condition that limits it. Equivalent policies therefore get the same
//! answer, whatever operator spelling, value type or statement split they use.

use crate::catalog;
use crate::eval::condition::{self, Verdict};
use crate::eval::context::{Context, Origin};
use crate::eval::graph::{CompiledStatement, Graph, PrincipalMatcher, ResourceMatcher};
use crate::policy::{BaseOperator, Effect, Statement};
use crate::wildcard::{self, Case, Pattern};
use std::sync::OnceLock;

/// A set of actions of the [`Universe`], as a bitset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Actions([u64; 4]);

impl Actions {
    fn set(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    /// Whether action `i` is in the set.
    pub fn has(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// The union.
    pub fn or(self, o: Actions) -> Actions {
        let mut out = self;
        for (a, b) in out.0.iter_mut().zip(o.0) {
            *a |= b;
        }
        out
    }

    /// The intersection.
    pub fn and(self, o: Actions) -> Actions {
        let mut out = self;
        for (a, b) in out.0.iter_mut().zip(o.0) {
            *a &= b;
        }
        out
    }

    /// The actions of `self` not in `o`.
    pub fn minus(self, o: Actions) -> Actions {
        let mut out = self;
        for (a, b) in out.0.iter_mut().zip(o.0) {
            *a &= !b;
        }
        out
    }

    /// How many.
    pub fn count(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.count() == 0
    }

    /// The members, in catalogue order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..256).filter(|i| self.has(*i))
    }
}

/// The S3 actions that act on a bucket or on objects (the catalogue's resource types
/// `bucket`, `object`, `accesspoint`, `accesspointobject`), in catalogue order.
pub struct Universe {
    /// `s3:Name`.
    pub names: Vec<String>,
    /// `s3:name`.
    pub lower: Vec<String>,
    /// The actions authorized against the bucket ARN.
    pub on_bucket: Actions,
    /// The actions authorized against object ARNs.
    pub on_object: Actions,
}

impl Universe {
    /// The universe, built once from the catalogue.
    pub fn get() -> &'static Universe {
        static U: OnceLock<Universe> = OnceLock::new();
        U.get_or_init(|| {
            let mut u = Universe {
                names: Vec::new(),
                lower: Vec::new(),
                on_bucket: Actions::default(),
                on_object: Actions::default(),
            };
            let Some(service) = catalog::service("s3") else {
                return u;
            };
            for a in service.actions() {
                let types: Vec<&str> = a.resource_types().iter().map(|r| r.name()).collect();
                let bucket = types.iter().any(|t| *t == "bucket" || *t == "accesspoint");
                let object = types
                    .iter()
                    .any(|t| *t == "object" || *t == "accesspointobject");
                if !(bucket || object) || u.names.len() >= 256 {
                    continue;
                }
                let i = u.names.len();
                u.names.push(format!("s3:{}", a.name()));
                u.lower
                    .push(format!("s3:{}", a.name().to_ascii_lowercase()));
                if bucket {
                    u.on_bucket.set(i);
                }
                if object {
                    u.on_object.set(i);
                }
            }
            u
        })
    }

    /// The index of `s3:Name` (case-insensitive).
    pub fn index(&self, action: &str) -> Option<usize> {
        let lower = action.to_ascii_lowercase();
        self.lower.iter().position(|a| *a == lower)
    }

    /// Names of a set, at most `max`, with "and N more"; the most used actions first.
    pub fn describe(&self, set: &Actions, max: usize) -> String {
        const FIRST: &[&str] = &[
            "s3:GetObject",
            "s3:PutObject",
            "s3:ListBucket",
            "s3:DeleteObject",
            "s3:GetBucketPolicy",
            "s3:PutBucketPolicy",
            "s3:GetBucketAcl",
            "s3:ListBucketVersions",
            "s3:GetObjectVersion",
            "s3:DeleteObjectVersion",
        ];
        let mut names: Vec<&str> = set
            .iter()
            .filter_map(|i| self.names.get(i).map(String::as_str))
            .collect();
        names.sort_by_key(|n| FIRST.iter().position(|f| f == n).unwrap_or(FIRST.len()));
        let shown: Vec<String> = names.iter().take(max).map(|n| format!("`{n}`")).collect();
        if names.len() > max {
            format!("{} and {} more", shown.join(", "), names.len() - max)
        } else {
            shown.join(", ")
        }
    }
}

/// The property every request of the question has: context keys with fixed values
/// (`Some`) or absent (`None`).
#[derive(Debug, Clone)]
pub struct Question {
    /// The keys and their values.
    pub keys: Vec<(String, Option<String>)>,
}

impl Question {
    fn is_question_key(&self, key: &str) -> bool {
        self.keys.iter().any(|(k, _)| k.eq_ignore_ascii_case(key))
    }

    /// A question from `(key, value or absent)` pairs.
    pub fn new(keys: &[(&str, Option<&str>)]) -> Question {
        Question {
            keys: keys
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.map(str::to_string)))
                .collect(),
        }
    }

    fn context(&self) -> Context {
        let mut c = Context::default();
        for (k, v) in &self.keys {
            if let Some(v) = v {
                c.set(k, vec![v.clone()], Origin::Given);
            }
        }
        c
    }
}

/// Whom a Deny statement refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principals {
    /// Everyone (`*`, `{"AWS": "*"}`).
    Everyone,
    /// Everyone but the principals `NotPrincipal` lists.
    AllBut(Vec<String>),
    /// Only the principals listed.
    Only(Vec<String>),
}

/// What one Deny statement refuses, for the requests of a question.
#[derive(Debug, Clone)]
pub struct Cover {
    /// The graph statement id.
    pub statement: usize,
    /// Index of the statement in its policy.
    pub index: usize,
    /// Whom.
    pub principals: Principals,
    /// Which S3 actions.
    pub actions: Actions,
    /// Whether the bucket ARN is among its resources.
    pub bucket: bool,
    /// Whether every object of the bucket is.
    pub all_objects: bool,
    /// Whether some objects are (a prefix).
    pub some_objects: bool,
    /// `None` when it fires for every request of the question; otherwise why not always
    /// (another key's condition, an unknown operator).
    pub limited_by: Option<String>,
}

impl Cover {
    /// Whether it refuses everyone, whatever else the request holds.
    pub fn unconditional(&self) -> bool {
        self.principals == Principals::Everyone && self.limited_by.is_none()
    }
}

/// Whether `c` fires for the question's requests: `Ok` if always, `Err(why)` if only
/// sometimes or never (for the question's own keys, "never" is `Err` too).
fn condition_fires(
    c: &condition::Compiled,
    source: &crate::policy::Condition,
    q: &Question,
    qctx: &Context,
) -> Result<(), Option<String>> {
    if c.base == BaseOperator::Unknown {
        return Err(Some(format!(
            "`{}` is not an operator s3-access knows",
            source.operator.value.text
        )));
    }
    if q.is_question_key(&c.key) {
        return match condition::evaluate(c, qctx) {
            Verdict::True => Ok(()),
            _ => Err(None),
        };
    }
    // Another key: the Deny covers every request only if the condition holds whatever that
    // key's value is. Witnesses: absent, each value the policy names, and values beside them.
    let mut witnesses: Vec<Option<String>> = vec![None];
    // A key AWS never sets is absent from every request: that is its only value.
    let known = crate::catalog::condition_key(&c.key).is_some();
    if known {
        witnesses.push(Some("s3-access-witness".into()));
    }
    for v in source.values.iter().filter(|_| known) {
        witnesses.push(Some(v.text.clone()));
        witnesses.push(Some(format!("{}x", v.text)));
        if let Some(n) = crate::values::parse_number(&v.text) {
            witnesses.push(Some((n - 1.0).to_string()));
            witnesses.push(Some((n + 1.0).to_string()));
        }
        if let Some(ms) = crate::values::parse_date(&v.text) {
            witnesses.push(Some(((ms / 1000) - 86_400).to_string()));
            witnesses.push(Some(((ms / 1000) + 86_400).to_string()));
        }
    }
    let mut holds = 0;
    let total = witnesses.len();
    for w in witnesses {
        let mut ctx = qctx.clone();
        if let Some(v) = &w {
            ctx.set(&c.key, vec![v.clone()], Origin::Given);
        }
        if condition::evaluate(c, &ctx) == Verdict::True {
            holds += 1;
        }
    }
    if holds == total {
        return Ok(());
    }
    if holds == 0 {
        // Never true whatever the key holds: the statement never fires.
        return Err(None);
    }
    let values: Vec<String> = source
        .values
        .iter()
        .map(|v| format!("`{}`", v.text))
        .collect();
    Err(Some(format!(
        "only when `{}` on `{}` against {} holds",
        source.operator.value.text,
        source.key.value,
        values.join(", ")
    )))
}

/// What Deny statement `id` of `graph` refuses for the question, on `bucket` and its objects;
/// `None` when it never fires for the question's requests.
pub fn cover(graph: &Graph, id: usize, q: &Question, bucket: &str) -> Option<Cover> {
    let s = graph.statements.get(id)?;
    if s.effect != Effect::Deny {
        return None;
    }
    let st = statement_of(graph, s)?;
    let qctx = q.context();
    let mut limited_by = None;
    for (c, source) in s.conditions.iter().zip(&st.conditions) {
        match condition_fires(c, source, q, &qctx) {
            Ok(()) => {}
            Err(None) => return None,
            Err(Some(why)) => {
                limited_by.get_or_insert(why);
            }
        }
    }
    let u = Universe::get();
    let mut actions = Actions::default();
    for (i, a) in u.lower.iter().enumerate() {
        if s.matches_action_lower(a) {
            actions.set(i);
        }
    }
    let (bucket_hit, all_objects, some_objects) = resources(s, st, bucket);
    Some(Cover {
        statement: id,
        index: s.index,
        principals: principals(s, st),
        actions,
        bucket: bucket_hit,
        all_objects,
        some_objects,
        limited_by,
    })
}

fn statement_of<'g>(graph: &'g Graph, s: &CompiledStatement) -> Option<&'g Statement> {
    graph
        .documents
        .get(s.doc)
        .and_then(|d| d.policy.statements.get(s.index))
}

fn principals(s: &CompiledStatement, st: &Statement) -> Principals {
    let Some((negated, items)) = &s.principal else {
        return Principals::Everyone;
    };
    let names: Vec<String> = st
        .principal
        .as_ref()
        .map(|p| p.items.iter().map(|i| i.value.clone()).collect())
        .unwrap_or_default();
    if *negated {
        Principals::AllBut(names)
    } else if items
        .iter()
        .any(|m| matches!(m, PrincipalMatcher::Everyone))
    {
        Principals::Everyone
    } else {
        Principals::Only(names)
    }
}

/// Whether the resources cover the bucket ARN, every object, some objects.
fn resources(s: &CompiledStatement, st: &Statement, bucket: &str) -> (bool, bool, bool) {
    let Some((negated, items)) = &s.resources else {
        return (false, false, false);
    };
    let texts = st
        .resource
        .as_ref()
        .map(|r| r.items.as_slice())
        .unwrap_or(&[]);
    let bucket_arn = format!("arn:aws:s3:::{bucket}");
    let objects = Pattern::new(&format!("arn:aws:s3:::{bucket}/*"));
    let witness = format!("arn:aws:s3:::{bucket}/s3-access-witness");
    let mut hit_bucket = false;
    let mut all = false;
    let mut some = false;
    for (m, source) in items.iter().zip(texts) {
        let ResourceMatcher::Fixed(p) = m else {
            // A variable entry matches per request: never all objects.
            some = true;
            continue;
        };
        let text = Pattern::new(&source.value);
        if p.is_match(&bucket_arn) {
            hit_bucket = true;
        }
        let covers = wildcard::covers(&text, &objects, Case::Sensitive) && p.is_match(&witness);
        let meets = wildcard::intersects(&text, &objects, Case::Sensitive);
        all |= covers;
        some |= meets;
    }
    if *negated {
        // NotResource: everything except what the entries name.
        (!hit_bucket, !some, true)
    } else {
        (hit_bucket, all, some || all)
    }
}

/// The covers of every Deny statement of the graph's bucket-policy documents.
pub fn covers(graph: &Graph, q: &Question, bucket: &str) -> Vec<Cover> {
    (0..graph.statements.len())
        .filter(|id| graph.layer_of(*id) == Some(crate::eval::Layer::Bucket))
        .filter_map(|id| cover(graph, id, q, bucket))
        .collect()
}

/// What the covers leave open: the actions not refused for everyone on the bucket ARN and on
/// every object.
#[derive(Debug, Clone, Default)]
pub struct Gaps {
    /// Bucket actions not refused on the bucket ARN.
    pub bucket: Actions,
    /// Object actions not refused on every object.
    pub objects: Actions,
}

impl Gaps {
    /// Whether nothing is left open.
    pub fn is_closed(&self) -> bool {
        self.bucket.is_empty() && self.objects.is_empty()
    }
}

/// The gaps left by the unconditional covers, restricted to `needed` actions.
pub fn gaps(covers: &[Cover], needed: Actions) -> Gaps {
    let u = Universe::get();
    let mut on_bucket = Actions::default();
    let mut on_objects = Actions::default();
    for c in covers.iter().filter(|c| c.unconditional()) {
        if c.bucket {
            on_bucket = on_bucket.or(c.actions);
        }
        if c.all_objects {
            on_objects = on_objects.or(c.actions);
        }
    }
    Gaps {
        bucket: u.on_bucket.and(needed).minus(on_bucket),
        objects: u.on_object.and(needed).minus(on_objects),
    }
}

/// Every action of the universe.
pub fn all_actions() -> Actions {
    let u = Universe::get();
    u.on_bucket.or(u.on_object)
}

/// The bucket a policy is about: the one its S3 resources name most often (ignoring
/// wildcards in the name), or a stand-in.
pub fn bucket_of(graph: &Graph) -> String {
    // Allow statements say which bucket the policy is for; a Deny may name others by mistake.
    let mut counts: Vec<(String, usize)> = Vec::new();
    for d in &graph.documents {
        for st in &d.policy.statements {
            let weight = if st.effect.value == Effect::Allow {
                2
            } else {
                1
            };
            for r in st.resource.iter().flat_map(|r| r.items.iter()) {
                let Some(parts) = crate::arn::split(&r.value) else {
                    continue;
                };
                if parts[2] != "s3" || !parts[3].is_empty() || !parts[4].is_empty() {
                    continue;
                }
                let b = parts[5].split('/').next().unwrap_or("");
                if b.is_empty() || b.contains(['*', '?', '$']) {
                    continue;
                }
                match counts.iter_mut().find(|(n, _)| n == b) {
                    Some((_, c)) => *c += weight,
                    None => counts.push((b.to_string(), weight)),
                }
            }
        }
    }
    counts
        .into_iter()
        .rev()
        .max_by_key(|(_, c)| *c)
        .map_or_else(|| "s3-access-witness-bucket".to_string(), |(b, _)| b)
}
