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

pub use crate::eval::actions::{Actions, Universe};
use crate::eval::condition::{self, Verdict};
use crate::eval::context::{Context, Origin};
use crate::eval::graph::{CompiledStatement, Graph, PrincipalMatcher, ResourceMatcher};
use crate::policy::{BaseOperator, Effect, Statement};
use crate::wildcard::{self, Case, Pattern};

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
    // One context, the key's value changed per witness (setting an existing key is cheap).
    let mut ctx = qctx.clone();
    for w in witnesses {
        match &w {
            Some(v) => ctx.set(&c.key, vec![v.clone()], Origin::Given),
            None => ctx.remove(&c.key),
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

/// What a statement is about, whatever the request: its S3 actions, whom it names, and
/// whether it covers the bucket ARN and its objects. Computed once per policy.
#[derive(Debug, Clone)]
pub struct Shape {
    /// The S3 actions it covers.
    pub actions: Actions,
    /// Whom.
    pub principals: Principals,
    /// Whether the bucket ARN is among its resources.
    pub bucket: bool,
    /// Whether every object of the bucket is.
    pub all_objects: bool,
    /// Whether some objects are.
    pub some_objects: bool,
}

impl Shape {
    /// The actions that apply to the statement's resources: bucket actions when the bucket
    /// ARN is among them, object actions when objects are. `s3:*` on `bucket/*` grants no
    /// `s3:PutBucketPolicy`: S3 authorizes each action against its own resource type (S3
    /// "Actions, resources, and condition keys for Amazon S3").
    pub fn applicable(&self) -> Actions {
        let u = Universe::get();
        let mut on = Actions::default();
        if self.bucket {
            on = on.or(u.on_bucket);
        }
        if self.some_objects || self.all_objects {
            on = on.or(u.on_object);
        }
        self.actions.and(on)
    }
}

/// The shapes of every statement of a graph, for one bucket.
#[derive(Debug, Clone, Default)]
pub struct Shapes {
    shapes: Vec<Option<Shape>>,
}

impl Shapes {
    /// Computes the shape of every statement of `graph`, for `bucket`.
    pub fn new(graph: &Graph, bucket: &str) -> Shapes {
        let u = Universe::get();
        let arns = BucketArns::new(bucket);
        let shapes = (0..graph.statements.len())
            .map(|id| {
                let s = graph.statements.get(id)?;
                let st = statement_of(graph, s)?;
                // An access point policy names the access point's ARNs, not the bucket's: every
                // resource type is taken to apply, so its claims stay as broad as the
                // statement's actions (never fewer than it may grant).
                let (bucket_hit, all_objects, some_objects) =
                    if graph.layer_of(id) == Some(crate::eval::Layer::AccessPoint) {
                        (true, true, true)
                    } else {
                        resources(s, st, &arns)
                    };
                // An Object Lambda access point policy grants `s3-object-lambda:` actions:
                // they open the S3 operations of the same names.
                let mut actions = u.actions_of(s);
                if graph.layer_of(id) == Some(crate::eval::Layer::AccessPoint) {
                    actions = actions.or(u.object_lambda_actions_of(s));
                }
                Some(Shape {
                    actions,
                    principals: principals(s, st),
                    bucket: bucket_hit,
                    all_objects,
                    some_objects,
                })
            })
            .collect();
        Shapes { shapes }
    }

    /// The shape of statement `id`.
    pub fn get(&self, id: usize) -> Option<&Shape> {
        self.shapes.get(id).and_then(Option::as_ref)
    }

    /// The S3 access statement `id` grants, by the access levels of the actions that apply
    /// to its resources ([`Shape::applicable`]).
    pub fn access(&self, id: usize) -> crate::public::Access {
        self.get(id)
            .map(|s| crate::public::access_of(s.applicable()))
            .unwrap_or_default()
    }
}

/// What Deny statement `id` refuses for the question; `None` when it never fires for the
/// question's requests.
pub fn cover(graph: &Graph, shapes: &Shapes, id: usize, q: &Question) -> Option<Cover> {
    cover_in(graph, shapes, id, q, &q.context())
}

fn cover_in(
    graph: &Graph,
    shapes: &Shapes,
    id: usize,
    q: &Question,
    qctx: &Context,
) -> Option<Cover> {
    let s = graph.statements.get(id)?;
    if s.effect != Effect::Deny {
        return None;
    }
    let st = statement_of(graph, s)?;
    let shape = shapes.get(id)?;
    let mut limited_by = None;
    for (c, source) in s.conditions.iter().zip(&st.conditions) {
        match condition_fires(c, source, q, qctx) {
            Ok(()) => {}
            Err(None) => return None,
            Err(Some(why)) => {
                limited_by.get_or_insert(why);
            }
        }
    }
    Some(Cover {
        statement: id,
        index: s.index,
        principals: shape.principals.clone(),
        actions: shape.actions,
        bucket: shape.bucket,
        all_objects: shape.all_objects,
        some_objects: shape.some_objects,
        limited_by,
    })
}

fn statement_of<'g>(graph: &'g Graph, s: &CompiledStatement) -> Option<&'g Statement> {
    graph.written(s).map(|(_, st)| st)
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
/// The bucket's ARNs, built once per policy.
struct BucketArns {
    bucket: String,
    objects_prefix: String,
    objects: Pattern,
    witness: String,
}

impl BucketArns {
    fn new(bucket: &str) -> BucketArns {
        let objects_prefix = format!("arn:aws:s3:::{bucket}/");
        BucketArns {
            bucket: format!("arn:aws:s3:::{bucket}"),
            objects: Pattern::new(&format!("{objects_prefix}*")),
            witness: format!("{objects_prefix}s3-access-witness"),
            objects_prefix,
        }
    }

    /// Whether the entry `text` covers every object of the bucket, and whether some.
    fn objects(&self, text: &str, compiled: &crate::arn::ArnPattern) -> (bool, bool) {
        let wild = |t: &str| t.contains(['*', '?']);
        if !wild(text) {
            // A literal names one resource: some object at most.
            return (false, text.starts_with(&self.objects_prefix));
        }
        if let Some(prefix) = text.strip_suffix('*').filter(|p| !wild(p)) {
            // `PREFIX*`, the common shape: covers all objects when the objects' prefix
            // extends it, meets some when either extends the other.
            let all = self.objects_prefix.starts_with(prefix) && compiled.is_match(&self.witness);
            let some = all || prefix.starts_with(&self.objects_prefix);
            return (all, some);
        }
        let text = Pattern::new(text);
        let all = wildcard::covers(&text, &self.objects, Case::Sensitive)
            && compiled.is_match(&self.witness);
        (
            all,
            all || wildcard::intersects(&text, &self.objects, Case::Sensitive),
        )
    }
}

/// Whether the resources cover the bucket ARN, every object, some objects.
fn resources(s: &CompiledStatement, st: &Statement, arns: &BucketArns) -> (bool, bool, bool) {
    let Some((negated, items)) = &s.resources else {
        return (false, false, false);
    };
    let texts = st
        .resource
        .as_ref()
        .map(|r| r.items.as_slice())
        .unwrap_or(&[]);
    let mut hit_bucket = false;
    let mut all = false;
    let mut some = false;
    for (m, source) in items.iter().zip(texts) {
        let ResourceMatcher::Fixed(p) = m else {
            // A variable entry matches per request: never all objects.
            some = true;
            continue;
        };
        if p.is_match(&arns.bucket) {
            hit_bucket = true;
        }
        let (covers, meets) = arns.objects(&source.value, p);
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

/// The covers of the Deny statements of the graph's bucket-policy documents (of those in
/// `only`, when given).
pub fn covers(graph: &Graph, shapes: &Shapes, q: &Question, only: Option<&[usize]>) -> Vec<Cover> {
    let pick = |id: &usize| only.is_none_or(|o| o.contains(id));
    let qctx = q.context();
    (0..graph.statements.len())
        .filter(pick)
        .filter(|id| graph.layer_of(*id) == Some(crate::eval::Layer::Bucket))
        .filter_map(|id| cover_in(graph, shapes, id, q, &qctx))
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

/// Every S3 action that acts on a bucket or objects.
pub fn all_actions() -> Actions {
    let u = Universe::get();
    u.on_bucket.or(u.on_object)
}

/// The stand-in [`bucket_of`] returns when no resource names a bucket: internal, never shown
/// (messages show [`EXAMPLE_BUCKET`] instead).
pub const PLACEHOLDER_BUCKET: &str = "s3-access-witness-bucket";

/// The bucket name messages show when the policy names none: AWS's documented example name.
pub const EXAMPLE_BUCKET: &str = "amzn-s3-demo-bucket";

/// The bucket name to show for `bucket`: the example name instead of the internal stand-in.
pub fn shown_bucket(bucket: &str) -> &str {
    if bucket == PLACEHOLDER_BUCKET {
        EXAMPLE_BUCKET
    } else {
        bucket
    }
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
                let Some(arn) = crate::arn::Arn::split(&r.value) else {
                    continue;
                };
                if arn.service != "s3" || !arn.region.is_empty() || !arn.account.is_empty() {
                    continue;
                }
                let b = arn.resource.split('/').next().unwrap_or("");
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
        .map_or_else(|| PLACEHOLDER_BUCKET.to_string(), |(b, _)| b)
}
