//! The KMS leg in the exact engine: a read or write of an object under SSE-KMS is served only
//! when the KMS request S3 makes with the caller's credentials is allowed too (S3 "Using
//! server-side encryption with AWS KMS keys"). A [`Leg`] judges every representative request
//! as S3 leg ∧ KMS leg, and splits the search's regions where the KMS request varies with the
//! S3 request (design: `docs/exact-analysis.md`, "The KMS leg"):
//!
//! - the statements of the leg (key policy and caller-side documents) that can apply to the
//!   KMS request are entries of the region, their conditions on keys S3 forwards (the global
//!   keys) free like any other, the others fixed by the region and evaluated on the KMS
//!   request itself (`kms:CallerAccount` follows the caller, `kms:EncryptionContext:aws:s3:arn`
//!   the object or, with an S3 Bucket Key, the bucket, `kms:ViaService` the key's region);
//! - the encryption context's patterns split object keys like Resource patterns do;
//! - a write's encryption headers (which key, or none) split writes.

use super::automaton::{Glob, Test};
use super::keys::Availability;
use super::search::{self, Entry, Judge};
use super::who_can::Group;
use super::{Finding, Question, Reason, ReasonKind};
use crate::eval::bucket::BucketModel;
use crate::eval::condition::{self, Compiled, Verdict};
use crate::eval::context::{Context, Origin};
use crate::eval::decide::{Decision, Response, decide};
use crate::eval::graph::{Graph, Layer};
use crate::eval::kms::{BucketKms, KmsKey, header_key, key_dir_name, kms_actions, leg_request};
use crate::eval::request::Request;
use crate::policy::{BaseOperator, OperatorFamily};

/// The encryption context key S3 sets (lowercase).
const CONTEXT_KEY: &str = "kms:encryptioncontext:aws:s3:arn";

/// The layers whose statements decide the KMS request (`eval::kms::leg_graph`).
const LEG_LAYERS: [Layer; 6] = [
    Layer::Scp,
    Layer::Rcp,
    Layer::Identity,
    Layer::PermissionsBoundary,
    Layer::Session,
    Layer::KeyPolicy,
];

/// The KMS leg of one bucket's objects: the key and the graph its requests are decided on.
#[derive(Debug, Clone)]
pub struct Leg {
    key: KmsKey,
    /// The leg's graph: the caller-side documents, the key policy and the grants.
    graph: Graph,
    /// Whether reads assume every object is under `key` (the bucket's default encryption).
    assumed: bool,
}

impl Leg {
    /// The leg of `key` for requests judged on `graph`, which holds the key policy as
    /// [`Layer::KeyPolicy`] documents and the key's grants (see [`with_key`]).
    pub fn new(graph: &Graph, key: KmsKey) -> Leg {
        let mut leg = crate::eval::kms::leg_graph(graph);
        leg.kms_grants.extend(graph.kms_grants.iter().cloned());
        Leg {
            assumed: key.assumed || key.from.contains("default encryption"),
            key,
            graph: leg,
        }
    }

    /// The key.
    pub fn key(&self) -> &KmsKey {
        &self.key
    }

    /// Whether `key` as written in a request header names this leg's key.
    fn names(&self, key: &str) -> bool {
        key == self.key.arn || key == key_dir_name(&self.key.arn)
    }

    /// The KMS action S3 calls with this key for `request`, or `None` when it calls none:
    /// the request is no object read or write, or a write's headers ask for another
    /// algorithm (no KMS) or another key (whose leg is the caller's own choice).
    pub fn action(&self, request: &Request) -> Option<&'static str> {
        let (action, _) = kms_actions(&request.action_lower)?;
        let is_object = request
            .resource
            .split_once(":::")
            .is_some_and(|(_, p)| p.contains('/'));
        if !is_object {
            return None;
        }
        // AWS rule: a write's `x-amz-server-side-encryption` headers override the bucket's
        // default encryption (S3 "Setting default server-side encryption behavior").
        if request.action_lower == "s3:putobject"
            && let Some(asked) = header_key(request)
        {
            match asked {
                Some(k) if self.names(&k) => {}
                _ => return None,
            }
        }
        Some(action)
    }

    /// The KMS request S3 makes for `s3` (an object read or write): the S3 request carries no
    /// KMS keys (only global and S3 ones), so any the search set are dropped first.
    fn kms_request(&self, s3: &Request, action: &str) -> Request {
        let mut s3 = s3.clone();
        let kms_keys: Vec<String> = s3
            .context
            .entries()
            .iter()
            .filter(|e| {
                e.key
                    .get(..4)
                    .is_some_and(|p| p.eq_ignore_ascii_case("kms:"))
            })
            .map(|e| e.key.to_string())
            .collect();
        for k in kms_keys {
            s3.context.remove(&k);
        }
        leg_request(&s3, &self.key, action, &s3.resource)
    }

    /// The KMS leg's response to `s3`, when S3 calls this key for it.
    pub fn decide(&self, s3: &Request) -> Option<Response> {
        let action = self.action(s3)?;
        let request = self.kms_request(s3, action);
        Some(decide(&self.graph, &request, false))
    }

    /// Whether the leg lets `s3` through (true when S3 calls no KMS for it); a denial of a
    /// read notes that objects under another key are not modelled.
    pub(super) fn allows(&self, s3: &Request, reasons: &mut Vec<Reason>) -> bool {
        // Which key an alias names is not known here: not a "yes" on S3 alone, not a "no".
        if s3.action_lower == "s3:putobject"
            && let Some(Some(k)) = header_key(s3)
            && crate::aws_docs::kms::is_alias(&k)
        {
            reasons.push(Reason::new(
                ReasonKind::Model,
                None,
                format!(
                    "a write that names its KMS key by the alias `{k}` is not decided: which key that is (and whether it is {}) is not known",
                    self.key.arn
                ),
            ));
            return false;
        }
        let Some(response) = self.decide(s3) else {
            return true;
        };
        if response.decision == Decision::Allow {
            return true;
        }
        for u in response.uncertain.iter().filter(|u| u.if_not_allowed) {
            reasons.push(Reason::new(
                ReasonKind::Evaluator,
                None,
                format!("KMS leg: {}", u.reason),
            ));
        }
        if self.assumed && s3.action_lower != "s3:putobject" {
            reasons.push(Reason::new(
                ReasonKind::Model,
                None,
                format!(
                    "reads that S3 allows but the KMS leg of {} denies are not counted; that is the key of the bucket's default encryption, and an object written before it, with another key or without KMS may still be readable",
                    self.key.arn
                ),
            ));
        }
        false
    }

    /// Whether a finding holds through the leg when rebuilt from its printable parts.
    pub fn replays(&self, f: &Finding, owner: &str, now: i64) -> bool {
        self.allows(&search::rebuild(f, owner, now), &mut Vec::new())
    }

    /// The entries the leg adds to a region whose request (the S3 request `base`, holding
    /// only what the region fixes) calls KMS: every leg statement of `graph` that can apply to
    /// the KMS request, its conditions on forwarded keys free (their dimension in `dims`), the
    /// others evaluated on the KMS request (false: the statement cannot match here).
    pub(super) fn entries<'a>(
        &self,
        graph: &'a Graph,
        dims: &[Vec<Option<usize>>],
        avail: &[Availability],
        base: &Request,
    ) -> Vec<Entry<'a>> {
        let Some(action) = self.action(base) else {
            return Vec::new();
        };
        let kms = self.kms_request(base, action);
        let caller = &kms.caller;
        let mut out = Vec::new();
        for (id, s) in graph.statements.iter().enumerate() {
            let in_leg = graph
                .documents
                .get(s.doc)
                .is_some_and(|d| LEG_LAYERS.contains(&d.layer));
            let named = s.principal_grant(caller, &graph.s3).is_some()
                || s.principal.as_ref().is_some_and(|p| p.0)
                || crate::eval::decide::federated_may_name(graph, s, caller);
            if !in_leg || !named || !s.matches_action(&kms) || !s.matches_resource(&kms) {
                continue;
            }
            let cond_dims = dims.get(id).map_or(&[][..], Vec::as_slice);
            let mut conds = Vec::new();
            let mut possible = true;
            for (i, c) in s.conditions.iter().enumerate() {
                let slot = search::slot(cond_dims.get(i).copied().flatten(), avail);
                match slot.filter(|_| forwarded(&c.key)) {
                    Some(d) => conds.push((c, d, None)),
                    None => possible &= condition::evaluate(c, &kms.context) == Verdict::True,
                }
            }
            if possible {
                out.push(Entry {
                    statement: Some(id),
                    conds,
                });
            }
        }
        out
    }

    /// The leg statements' conditions on the encryption context, when it follows the object
    /// (no S3 Bucket Key).
    fn context_conditions<'a>(&self, graph: &'a Graph) -> Vec<&'a Compiled> {
        if self.key.bucket_key {
            return Vec::new();
        }
        graph
            .statements
            .iter()
            .filter(|s| {
                graph
                    .documents
                    .get(s.doc)
                    .is_some_and(|d| LEG_LAYERS.contains(&d.layer))
            })
            .flat_map(|s| s.conditions.iter())
            .filter(|c| c.key.eq_ignore_ascii_case(CONTEXT_KEY))
            .collect()
    }

    /// The encryption context's patterns as tests over the object keys of `bucket`, so that
    /// keys they tell apart are tried apart.
    pub(super) fn key_tests(&self, graph: &Graph, bucket: &str) -> Vec<Test> {
        let prefix = format!("arn:aws:s3:::{bucket}/");
        let mut out: Vec<Test> = self
            .grant_contexts(graph)
            .into_iter()
            .map(|v| Test {
                glob: Glob::literal(v, false),
                prefix: prefix.clone(),
            })
            .collect();
        for s in &graph.statements {
            let Some((d, st)) = graph.written(s) else {
                continue;
            };
            if self.key.bucket_key || !LEG_LAYERS.contains(&d.layer) {
                continue;
            }
            for c in &st.conditions {
                if !c.key.value.eq_ignore_ascii_case(CONTEXT_KEY) {
                    continue;
                }
                let base = c.operator.value.base;
                for v in &c.values {
                    if let Some(glob) = glob_of(base, &v.text) {
                        out.push(Test {
                            glob,
                            prefix: prefix.clone(),
                        });
                    }
                }
            }
        }
        out
    }

    /// The encryption context values the key's grants constrain (`aws:s3:arn` in
    /// `EncryptionContextSubset`/`Equals`), when the context follows the object.
    fn grant_contexts<'a>(&self, graph: &'a Graph) -> Vec<&'a str> {
        if self.key.bucket_key {
            return Vec::new();
        }
        // AWS rule: in a grant constraint the key is not case sensitive, the value is (KMS
        // API Reference, GrantConstraints).
        graph
            .kms_grants
            .iter()
            .flat_map(|g| g.grant.subset.iter().chain(&g.grant.equals).flatten())
            .filter(|(k, _)| k.eq_ignore_ascii_case("aws:s3:arn"))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// How the encryption context's conditions and grant constraints judge the object `arn`:
    /// keys alike in every one get the same KMS decision.
    pub(super) fn key_bits(&self, graph: &Graph, arn: &str) -> Vec<bool> {
        let mut ctx = Context::default();
        ctx.set(CONTEXT_KEY, vec![arn.to_string()], Origin::Given);
        self.context_conditions(graph)
            .into_iter()
            .map(|c| condition::evaluate(c, &ctx) == Verdict::True)
            .chain(self.grant_contexts(graph).into_iter().map(|v| v == arn))
            .collect()
    }
}

/// The glob a string or ARN condition value is compared with (as the string regions do).
fn glob_of(base: BaseOperator, text: &str) -> Option<Glob> {
    Some(match base {
        BaseOperator::StringLike | BaseOperator::StringNotLike => Glob::wildcards(text),
        BaseOperator::StringEqualsIgnoreCase | BaseOperator::StringNotEqualsIgnoreCase => {
            Glob::literal(text, true)
        }
        b if b.family() == OperatorFamily::Arn => Glob::arn(text)?,
        b if b.family() == OperatorFamily::String => Glob::literal(text, false),
        _ => return None,
    })
}

/// Whether a key of the S3 request reaches the KMS request unchanged: the global keys
/// except those the KMS request sets itself (`eval::kms::leg_request`, `Request::forwarded`);
/// S3 keys are dropped and KMS keys are set by KMS.
fn forwarded(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    lower.starts_with("aws:")
        && !matches!(
            lower.as_str(),
            "aws:viaawsservice" | "aws:requestedregion" | "aws:resourceaccount"
        )
}

/// The conditions that split writes by their encryption headers, as the leg reads them:
/// the algorithm asks for KMS, or is absent (the default decides); the key id names the
/// leg's key, or is absent. One condition each, so that each is an entry of its own.
pub(super) fn header_conditions(legs: &[Leg]) -> Vec<crate::policy::Condition> {
    if legs.is_empty() {
        return Vec::new();
    }
    let mut keys: Vec<String> = Vec::new();
    for l in legs {
        keys.push(l.key.arn.clone());
        keys.push(key_dir_name(&l.key.arn));
    }
    let blocks = [
        serde_json::json!({"StringEquals": {"s3:x-amz-server-side-encryption": ["aws:kms", "aws:kms:dsse"]}}),
        serde_json::json!({"Null": {"s3:x-amz-server-side-encryption": "true"}}),
        serde_json::json!({"StringEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": keys}}),
        serde_json::json!({"Null": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "true"}}),
    ];
    blocks
        .iter()
        .filter_map(|b| super::Scope::default().with_conditions(&b.to_string()).ok())
        .flat_map(|s| s.conditions)
        .collect()
}

/// `graph` with the key policy (as [`Layer::KeyPolicy`] documents) and grants of
/// `key_graph`: the key policy's principals and conditions then take part in the regions;
/// `decide` applies a key policy to KMS requests only, so S3's decisions do not change.
pub fn with_key(graph: &Graph, key_graph: &Graph) -> Graph {
    let mut g = graph.clone();
    for d in &key_graph.documents {
        g.add(d.source.clone(), d.policy.clone(), d.layer, d.level);
    }
    g.kms_grants.extend(key_graph.kms_grants.iter().cloned());
    g
}

/// The leg of `model`'s default encryption over `graph` (the bucket's graph as the engine
/// asks it): the graph with the key, and the leg; or, when the bucket uses KMS but the leg
/// cannot be decided, why.
pub fn of_model(model: &BucketModel, graph: Graph) -> (Graph, Option<Leg>, Option<String>) {
    match &model.kms {
        Some(BucketKms::Known { key, graph: k }) => {
            let g = with_key(&graph, k);
            let leg = Leg::new(&g, key.clone());
            (g, Some(leg), None)
        }
        Some(BucketKms::Unknown(why)) => (graph, None, Some(why.clone())),
        None => (graph, None, None),
    }
}

/// The reason `who-can` gives when the bucket uses KMS but the leg cannot be decided and some
/// group reads or writes objects.
pub fn unknown_reason(why: &str, groups: &[Group]) -> Option<Reason> {
    let calls = groups.iter().any(|g| {
        g.actions
            .iter()
            .any(|a| kms_actions(&a.to_ascii_lowercase()).is_some())
    });
    calls.then(|| {
        Reason::new(
            ReasonKind::Model,
            None,
            format!(
                "the KMS leg is not modelled: {why}; the reads and writes of SSE-KMS objects below also need KMS to allow"
            ),
        )
    })
}

/// The default judge with the KMS leg: `decide` on one graph allows, and so does the leg.
pub(super) struct LegAllowed<'g> {
    pub(super) graph: &'g Graph,
    pub(super) legs: &'g [Leg],
    pub(super) owner: &'g str,
    pub(super) now: i64,
}

impl Judge for LegAllowed<'_> {
    fn judge_among(
        &self,
        request: &Request,
        reasons: &mut Vec<Reason>,
        hint: Option<search::Hint<'_>>,
    ) -> Option<(Response, usize)> {
        let response = search::decide_on(self.graph, request, reasons, hint);
        (response.decision == Decision::Allow
            && self.legs.iter().all(|l| l.allows(request, reasons)))
        .then_some((response, 0))
    }

    fn replays(&self, f: &Finding, _: usize) -> bool {
        super::replay(self.graph, f, self.owner, self.now)
            && self.legs.iter().all(|l| l.replays(f, self.owner, self.now))
    }

    fn legs(&self) -> &[Leg] {
        self.legs
    }

    fn without_statements(&self, graph: &Graph, request: &Request) -> Option<bool> {
        // A leg decides on its key policy too: only without one is the S3 decision all.
        if !self.legs.is_empty() {
            return None;
        }
        search::allowed_without_statements(self.graph, graph, request)
    }
}

/// [`super::ask`] with the KMS leg: the first request of the question that S3 and the leg
/// both allow (`question.graph` holds the key policy: [`with_key`]).
pub fn ask(question: &Question<'_>, leg: &Leg) -> super::Answer {
    let legs = std::slice::from_ref(leg);
    let judge = LegAllowed {
        graph: question.graph,
        legs,
        owner: &question.owner,
        now: question.now,
    };
    let mode = search::Mode {
        limit: Some(1),
        ..search::Mode::all(true)
    };
    let mut e = search::explore_by(question, &judge, mode);
    match e.classes.pop() {
        Some(c) => super::Answer::Yes(c.finding),
        None if e.reasons.is_empty() => super::Answer::No,
        None => super::Answer::Uncertain(e.reasons),
    }
}

/// [`super::explore`] with the KMS leg.
pub fn explore(question: &Question<'_>, leg: &Leg) -> super::Exploration {
    let legs = std::slice::from_ref(leg);
    let judge = LegAllowed {
        graph: question.graph,
        legs,
        owner: &question.owner,
        now: question.now,
    };
    search::explore_by(question, &judge, search::Mode::all(true)).expand()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_actions_that_call_kms_are_decided_by_name() {
        // The search decides each action `decide` reads by name on its own; the leg reads
        // these by name too, so they must be among them.
        for a in ["s3:getobject", "s3:getobjectversion", "s3:putobject"] {
            assert!(kms_actions(a).is_some());
            assert!(crate::eval::decide::reads_action_name(a), "{a}");
        }
    }

    #[test]
    fn forwarded_keys_are_the_global_ones_the_kms_request_does_not_set() {
        assert!(forwarded("aws:SourceIp"));
        assert!(forwarded("aws:PrincipalOrgID"));
        assert!(!forwarded("aws:ViaAWSService"));
        assert!(!forwarded("s3:x-amz-server-side-encryption"));
        assert!(!forwarded("kms:CallerAccount"));
    }
}
