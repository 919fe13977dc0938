//! The evaluation graph: every document of a scenario, compiled once into statements that
//! carry typed predicates (principal, action, resource, conditions), indexed by layer and by
//! action so that a query visits only the statements that can apply.
//!
//! The compiled statements are plain data (sets of patterns and typed condition values), so
//! a later symbolic analysis ("is there any request such that ...") can walk the same
//! structure instead of re-reading policies.

use crate::arn::{ArnPattern, ArnRule};
use crate::eval::condition::{self, Compiled as CompiledCondition};
use crate::eval::request::{Caller, Request};
use crate::eval::s3_facts::S3Facts;
use crate::policy::{AwsPrincipal, Effect, Policy, PolicyKind, PrincipalKind, Statement};
use crate::source::SourceFile;
use crate::variables;
use crate::wildcard::{Case, Pattern};
use std::collections::HashMap;
use std::sync::Arc;

/// The layers a request passes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layer {
    /// Service control policies, one set per organisation level (root first).
    Scp,
    /// Resource control policies, one set per organisation level.
    Rcp,
    /// The caller's identity-based policies.
    Identity,
    /// The caller's permissions boundary.
    PermissionsBoundary,
    /// The session policy of the caller's session.
    Session,
    /// The bucket policy.
    Bucket,
    /// An access point policy (requests through that access point only).
    AccessPoint,
    /// A KMS key policy: the resource policy of the KMS request S3 makes for an SSE-KMS
    /// object (the KMS leg of a query).
    KeyPolicy,
    /// A VPC endpoint policy: a gate on requests that come through that endpoint (the
    /// document's level is the index of its endpoint in [`Graph::vpc_endpoints`]).
    VpcEndpoint,
}

/// Number of layers (the size of per-layer tables).
pub(crate) const LAYERS: usize = 9;

impl Layer {
    /// All layers, in evaluation-report order.
    pub const ALL: [Layer; LAYERS] = [
        Layer::Scp,
        Layer::Rcp,
        Layer::PermissionsBoundary,
        Layer::Session,
        Layer::Identity,
        Layer::AccessPoint,
        Layer::Bucket,
        Layer::KeyPolicy,
        Layer::VpcEndpoint,
    ];

    /// The policy kind this layer's documents are read as: the one mapping between layers and
    /// kinds.
    pub fn kind(self) -> PolicyKind {
        match self {
            Layer::Scp => PolicyKind::Scp,
            Layer::Rcp => PolicyKind::Rcp,
            Layer::Identity => PolicyKind::Identity,
            Layer::PermissionsBoundary => PolicyKind::PermissionsBoundary,
            Layer::Session => PolicyKind::Session,
            Layer::Bucket => PolicyKind::Bucket,
            Layer::AccessPoint => PolicyKind::AccessPoint,
            // A key policy is another service's resource policy: it names principals and is
            // validated as one.
            Layer::KeyPolicy => PolicyKind::Resource,
            // AWS rule: an endpoint policy is a resource-based policy and "must contain a
            // Principal element" (PrivateLink "Control access to VPC endpoints using endpoint
            // policies").
            Layer::VpcEndpoint => PolicyKind::Resource,
        }
    }

    /// The layer whose documents are of `kind`; `None` for kinds no request passes through
    /// here (role trust policies, other services' resource policies).
    pub fn of_kind(kind: PolicyKind) -> Option<Layer> {
        // Resource policies of other services in general are not key policies.
        Layer::ALL
            .into_iter()
            .find(|l| l.kind() == kind && !matches!(l, Layer::KeyPolicy | Layer::VpcEndpoint))
    }

    /// Whether the layer holds resource-based policies (they name principals).
    pub fn is_resource_policy(self) -> bool {
        matches!(self, Layer::Bucket | Layer::AccessPoint | Layer::KeyPolicy)
    }

    /// A display name.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Scp => "SCP",
            Layer::Rcp => "RCP",
            Layer::Identity => "identity policy",
            Layer::PermissionsBoundary => "permissions boundary",
            Layer::Session => "session policy",
            Layer::Bucket => "bucket policy",
            Layer::AccessPoint => "access point policy",
            Layer::KeyPolicy => "key policy",
            Layer::VpcEndpoint => "VPC endpoint policy",
        }
    }
}

/// A document of the graph.
#[derive(Debug, Clone)]
pub struct Document {
    /// The file it came from.
    pub source: SourceFile,
    /// The parsed policy.
    pub policy: std::sync::Arc<Policy>,
    /// Its layer.
    pub layer: Layer,
    /// Organisation level (0 = root) for SCPs and RCPs; for access point policies, the index
    /// of the access point in [`Graph::s3`]; 0 otherwise.
    pub level: usize,
}

/// A principal entry, compiled.
#[derive(Debug, Clone)]
pub enum PrincipalMatcher {
    /// `"*"` or `{"AWS": "*"}`: everyone, including anonymous callers.
    Everyone,
    /// An AWS principal.
    Aws(AwsPrincipal),
    /// A service principal name.
    Service(String),
    /// A canonical user id: the account it identifies, where the S3 facts know which one.
    CanonicalUser(String),
    /// A principal form that never matches a request we model (Federated, or an invalid
    /// value); kept for the trace.
    Other(String),
}

/// How a matching resource-policy principal entry grants (IAM evaluation logic, same account).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GrantKind {
    /// The account: delegates to the account's own identity policies.
    Account,
    /// The role ARN (for its sessions) or the parent user: still capped by boundary and session policy.
    Role,
    /// The exact caller (user, session, federated user, service, everyone): grants by itself.
    Direct,
}

/// A compiled statement.
#[derive(Debug, Clone)]
pub struct CompiledStatement {
    /// Index of the document in the graph.
    pub doc: usize,
    /// Index of the statement within its policy.
    pub index: usize,
    /// Allow or Deny.
    pub effect: Effect,
    /// The principal entries, and whether it is `NotPrincipal`; `None` when absent.
    pub principal: Option<(bool, Vec<PrincipalMatcher>)>,
    /// Action patterns (lowercase-insensitive) and whether it is `NotAction`.
    pub actions: (bool, Vec<Arc<Pattern>>),
    /// Resource patterns and whether it is `NotResource`; `None` when absent.
    pub resources: Option<(bool, Vec<ResourceMatcher>)>,
    /// The conditions (all must hold).
    pub conditions: Vec<CompiledCondition>,
}

/// A compiled Resource entry.
#[derive(Debug, Clone)]
pub enum ResourceMatcher {
    /// A pattern without variables.
    Fixed(Arc<ArnPattern>),
    /// A pattern with policy variables, resolved per request.
    Variable(String),
}

/// FNV-1a ([`crate::catalog::Fnv`]): the index keys are short action names; SipHash's DoS
/// resistance buys nothing here and costs more than the rest of a query.
type FastMap<V> = HashMap<String, V, std::hash::BuildHasherDefault<crate::catalog::Fnv>>;

/// Per-layer index from action to statements.
#[derive(Debug, Default, Clone)]
struct ActionIndex {
    /// Literal actions, lowercase `service:action`.
    exact: FastMap<Vec<usize>>,
    /// Wildcard actions of one service, by lowercase service prefix.
    by_service: FastMap<Vec<usize>>,
    /// `*`, `NotAction`, and anything else that may match any service.
    any: Vec<usize>,
}

/// The compiled graph.
#[derive(Debug, Default, Clone)]
pub struct Graph {
    /// The documents.
    pub documents: Vec<Document>,
    /// All statements.
    pub statements: Vec<CompiledStatement>,
    index: [ActionIndex; LAYERS],
    /// Organisation levels per layer (SCP/RCP), indexed by `Layer as usize`.
    levels: [usize; LAYERS],
    /// Whether a layer has any document, indexed by `Layer as usize`.
    present: [bool; LAYERS],
    /// The S3 facts beyond policies: ACLs, Object Ownership, Block Public Access, access points.
    pub s3: crate::eval::s3_facts::S3Facts,
    /// The grants of the KMS key, in the KMS leg's graph: each allows its grantee its
    /// operations besides the key policy (`eval::kms`).
    pub kms_grants: Vec<crate::eval::kms::KmsGrant>,
    /// Whether each resource-policy document is public (computed once, on first use).
    publicity: std::sync::OnceLock<Vec<bool>>,
    /// Compiled patterns by source text: statements repeat the same actions and resources.
    cache: PatternCache,
    /// The VPC endpoints whose policies are in [`Layer::VpcEndpoint`], by document level.
    pub vpc_endpoints: Vec<crate::eval::vpce::Endpoint>,
}

/// Interned compiled patterns, so a pattern written many times is compiled once.
#[derive(Debug, Default, Clone)]
struct PatternCache {
    actions: FastMap<Arc<Pattern>>,
    resources: FastMap<Arc<ArnPattern>>,
}

impl PatternCache {
    fn action(&mut self, text: &str) -> Arc<Pattern> {
        let lower = text.to_ascii_lowercase();
        if let Some(p) = self.actions.get(&lower) {
            return Arc::clone(p);
        }
        // Actions are case-insensitive: compile them lowercase and match the lowercase action.
        let p = Arc::new(Pattern::new(&lower));
        self.actions.insert(lower, Arc::clone(&p));
        p
    }

    fn resource(&mut self, text: &str) -> Arc<ArnPattern> {
        if let Some(p) = self.resources.get(text) {
            return Arc::clone(p);
        }
        let p = Arc::new(ArnPattern::resource(text));
        self.resources.insert(text.to_string(), Arc::clone(&p));
        p
    }
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Graph {
        Graph::default()
    }

    /// Adds one policy document to a layer (for SCPs/RCPs, at organisation `level`).
    /// Documents are shared (`Arc`), so one parsed policy can serve many graphs.
    pub fn add(
        &mut self,
        source: SourceFile,
        policy: impl Into<std::sync::Arc<Policy>>,
        layer: Layer,
        level: usize,
    ) {
        let policy: std::sync::Arc<Policy> = policy.into();
        let doc = self.documents.len();
        let substitute = policy.substitutes_variables();
        for (index, s) in policy.statements.iter().enumerate() {
            let id = self.statements.len();
            let compiled = compile_statement(doc, index, s, substitute, &mut self.cache);
            if let Some(entry) = self.index.get_mut(layer as usize) {
                index_actions(entry, id, s);
            }
            self.statements.push(compiled);
        }
        self.record(source, policy, layer, level);
    }

    /// Adds a document whose statements another graph compiled already: `compiled[i]` is
    /// statement `i` of `policy`, compiled from the same text under the same `Version` (so
    /// the same as [`Graph::add`] would make). A cut of a graph (one statement and its
    /// document's Deny statements) is built this way without compiling them again.
    pub fn add_compiled(
        &mut self,
        source: SourceFile,
        policy: impl Into<std::sync::Arc<Policy>>,
        compiled: Vec<CompiledStatement>,
        layer: Layer,
        level: usize,
    ) {
        let policy: std::sync::Arc<Policy> = policy.into();
        if compiled.len() != policy.statements.len() {
            // Not the statements of this policy: compile them.
            return self.add(source, policy, layer, level);
        }
        let doc = self.documents.len();
        for (index, (s, mut c)) in policy.statements.iter().zip(compiled).enumerate() {
            let id = self.statements.len();
            c.doc = doc;
            c.index = index;
            if let Some(entry) = self.index.get_mut(layer as usize) {
                index_actions(entry, id, s);
            }
            self.statements.push(c);
        }
        self.record(source, policy, layer, level);
    }

    /// Records a document whose statements were just pushed: its layer is present, at
    /// `level`.
    fn record(
        &mut self,
        source: SourceFile,
        policy: std::sync::Arc<Policy>,
        layer: Layer,
        level: usize,
    ) {
        if let Some(n) = self.levels.get_mut(layer as usize) {
            *n = (*n).max(level + 1);
        }
        if let Some(p) = self.present.get_mut(layer as usize) {
            *p = true;
        }
        self.documents.push(Document {
            source,
            policy,
            layer,
            level,
        });
    }

    /// Records organisation level `level` of `layer` (SCPs or RCPs) as given with no policy:
    /// an empty list at that level. For SCPs nothing then allows at that level.
    // AWS rule: "if no SCP is attached at a level, nothing is allowed at that level" (every
    // level needs an Allow; Organizations "SCP evaluation").
    pub fn add_empty_level(&mut self, layer: Layer, level: usize) {
        if !matches!(layer, Layer::Scp | Layer::Rcp) {
            return;
        }
        if let Some(n) = self.levels.get_mut(layer as usize) {
            *n = (*n).max(level + 1);
        }
        if let Some(p) = self.present.get_mut(layer as usize) {
            *p = true;
        }
    }

    /// Number of organisation levels given for SCPs or RCPs.
    pub fn levels(&self, layer: Layer) -> usize {
        if matches!(layer, Layer::Scp | Layer::Rcp) {
            self.levels.get(layer as usize).copied().unwrap_or(0)
        } else {
            0
        }
    }

    /// Whether any document was given for `layer`.
    pub fn has_layer(&self, layer: Layer) -> bool {
        self.present.get(layer as usize).copied().unwrap_or(false)
    }

    /// The layer of a statement.
    pub fn layer_of(&self, statement: usize) -> Option<Layer> {
        let s = self.statements.get(statement)?;
        self.documents.get(s.doc).map(|d| d.layer)
    }

    /// The candidate statements of `layer` for `request`: a superset of those whose action
    /// matches (a statement may appear twice). Allocation-free.
    pub fn candidates<'g>(
        &'g self,
        layer: Layer,
        request: &Request,
    ) -> impl Iterator<Item = usize> + 'g {
        let idx = self.index.get(layer as usize);
        let any = idx.map(|i| i.any.as_slice()).unwrap_or(&[]);
        let exact = idx
            .and_then(|i| i.exact.get(&request.action_lower))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        // The service prefix, found byte by byte: it is a few letters long, and this runs for
        // every layer of every decision.
        let action = &request.action_lower;
        let svc = action
            .bytes()
            .position(|b| b == b':')
            .and_then(|i| action.get(..i))
            .unwrap_or("");
        let by_service = idx
            .and_then(|i| i.by_service.get(svc))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        any.iter().chain(exact).chain(by_service).copied()
    }

    /// Every statement of `layer`, in order.
    pub fn all_of(&self, layer: Layer) -> Vec<usize> {
        (0..self.statements.len())
            .filter(|i| self.layer_of(*i) == Some(layer))
            .collect()
    }

    /// How output names the layer of document `d`: its layer, or for the policy of a
    /// Multi-Region Access Point (an access point of the graph) that kind of policy.
    pub fn layer_name(&self, d: &Document) -> &'static str {
        let multi_region = d.layer == Layer::AccessPoint
            && self
                .s3
                .access_points
                .get(d.level)
                .is_some_and(|a| a.is_multi_region());
        if multi_region {
            "Multi-Region Access Point policy"
        } else if d.layer == Layer::Bucket && self.s3.object_lambda_leg {
            "Object Lambda access point policy"
        } else {
            d.layer.as_str()
        }
    }

    /// The documents of `layer` (for access point policies: of every access point).
    pub fn documents_of(&self, layer: Layer) -> impl Iterator<Item = (usize, &Document)> {
        self.documents
            .iter()
            .enumerate()
            .filter(move |(_, d)| d.layer == layer)
    }

    /// The document of compiled statement `s` and the statement as written in it.
    pub fn written(&self, s: &CompiledStatement) -> Option<(&Document, &Statement)> {
        let doc = self.documents.get(s.doc)?;
        Some((doc, doc.policy.statements.get(s.index)?))
    }

    /// The statements of document `doc`, as graph statement ids.
    pub fn statements_of(&self, doc: usize) -> impl Iterator<Item = usize> + '_ {
        self.statements
            .iter()
            .enumerate()
            .filter(move |(_, s)| s.doc == doc)
            .map(|(i, _)| i)
    }

    /// Whether document `doc` (a bucket or access point policy) is public by AWS's
    /// definition; computed for every document on first use and cached.
    pub fn document_is_public(&self, doc: usize) -> bool {
        let all = self.publicity.get_or_init(|| {
            (0..self.documents.len())
                .map(|d| super::publicity::document_publicity(self, d).is_public())
                .collect()
        });
        all.get(doc).copied().unwrap_or(true)
    }
}

fn index_actions(idx: &mut ActionIndex, id: usize, s: &Statement) {
    let Some(block) = &s.action else {
        // No Action: the statement matches nothing; keep it out of the index.
        return;
    };
    if block.negated {
        idx.any.push(id);
        return;
    }
    for item in &block.items {
        let lower = item.value.to_ascii_lowercase();
        match lower.split_once(':') {
            Some((svc, name)) if !svc.contains(['*', '?']) => {
                let slot = if name.contains(['*', '?']) {
                    idx.by_service.entry(svc.to_string()).or_default()
                } else {
                    idx.exact.entry(lower.clone()).or_default()
                };
                if slot.last() != Some(&id) {
                    slot.push(id);
                }
            }
            _ => {
                if idx.any.last() != Some(&id) {
                    idx.any.push(id);
                }
            }
        }
    }
}

fn compile_statement(
    doc: usize,
    index: usize,
    s: &Statement,
    substitute: bool,
    cache: &mut PatternCache,
) -> CompiledStatement {
    let principal = s.principal.as_ref().map(|p| {
        let items = p
            .items
            .iter()
            .map(|item| match item.kind {
                PrincipalKind::Everyone => PrincipalMatcher::Everyone,
                PrincipalKind::Aws if item.value == "*" => PrincipalMatcher::Everyone,
                PrincipalKind::Aws => match AwsPrincipal::parse(&item.value) {
                    Ok(a) => PrincipalMatcher::Aws(a),
                    Err(_) => PrincipalMatcher::Other(item.value.clone()),
                },
                PrincipalKind::Service => PrincipalMatcher::Service(item.value.clone()),
                PrincipalKind::CanonicalUser => PrincipalMatcher::CanonicalUser(item.value.clone()),
                PrincipalKind::Federated => PrincipalMatcher::Other(item.value.clone()),
            })
            .collect();
        (p.negated, items)
    });
    let actions = match &s.action {
        Some(a) => (
            a.negated,
            a.items.iter().map(|i| cache.action(&i.value)).collect(),
        ),
        None => (false, Vec::new()),
    };
    let resources = s.resource.as_ref().map(|r| {
        let items = r
            .items
            .iter()
            .map(|i| {
                if substitute && variables::contains_variable(&i.value) {
                    ResourceMatcher::Variable(i.value.clone())
                } else {
                    ResourceMatcher::Fixed(cache.resource(&i.value))
                }
            })
            .collect();
        (r.negated, items)
    });
    CompiledStatement {
        doc,
        index,
        effect: s.effect.value,
        principal,
        actions,
        resources,
        conditions: s
            .conditions
            .iter()
            .map(|c| condition::compile(c, substitute))
            .collect(),
    }
}

/// The first part of a statement that did not match, for the trace.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "element", rename_all = "kebab-case")]
pub enum Mismatch {
    /// The principal is not named (or is excluded by NotPrincipal).
    Principal,
    /// The action is not covered (or excluded by NotAction).
    Action,
    /// The resource is not covered (or excluded by NotResource).
    Resource,
    /// A condition is false.
    Condition {
        /// Index of the condition within the statement.
        index: usize,
    },
    /// A condition could not be evaluated (unknown operator).
    Unknown {
        /// Index of the condition within the statement.
        index: usize,
    },
}

impl CompiledStatement {
    /// Whether the action matches.
    pub fn matches_action(&self, request: &Request) -> bool {
        self.matches_action_lower(&request.action_lower)
    }

    /// Whether the action `lower` (lowercase `service:name`) matches.
    pub fn matches_action_lower(&self, lower: &str) -> bool {
        let any = self
            .actions
            .1
            .iter()
            .any(|p| p.is_match(lower, Case::Sensitive));
        any != self.actions.0
    }

    /// Whether the resource matches (statements without Resource match nothing).
    pub fn matches_resource(&self, request: &Request) -> bool {
        let Some((negated, items)) = &self.resources else {
            return false;
        };
        // The request's ARN is split into its parts once, and only for a pattern that reads
        // them (most are a literal head and a tail).
        let mut split: Option<Option<[&str; 6]>> = None;
        let any = items.iter().any(|m| {
            let parts = match m {
                ResourceMatcher::Fixed(p) if p.reads_parts() => {
                    *split.get_or_insert_with(|| request.resource_split())
                }
                _ => None,
            };
            resource_item_matches(m, request, parts.as_ref())
        });
        any != *negated
    }

    /// How the principal element matches the caller: `None` if it does not.
    /// Identity-side statements (no principal element) match with `Direct`.
    /// `s3` tells which account a canonical user id is.
    pub fn principal_grant(&self, caller: &Caller, s3: &S3Facts) -> Option<GrantKind> {
        let Some((negated, items)) = &self.principal else {
            return Some(GrantKind::Direct);
        };
        if *negated {
            let named = |kinds: &[GrantKind]| {
                items
                    .iter()
                    .any(|m| principal_entry(m, caller, s3).is_some_and(|k| kinds.contains(&k)))
            };
            let excluded = match (self.effect, caller) {
                // AWS rule: with Deny, a principal escapes only when every identity AWS may
                // evaluate is listed: the account, the role (for sessions) and the principal
                // itself; the page's example denies another session of a listed role
                // (IAM "NotPrincipal" page).
                (Effect::Deny, Caller::Session { .. }) => {
                    named(&[GrantKind::Account])
                        && named(&[GrantKind::Role])
                        && named(&[GrantKind::Direct])
                }
                (Effect::Deny, Caller::User { .. } | Caller::FederatedUser { .. }) => {
                    named(&[GrantKind::Account]) && named(&[GrantKind::Direct])
                }
                // AWS rule: with Allow, everyone except the principals named (IAM "NotPrincipal" page).
                _ => named(&[GrantKind::Account, GrantKind::Role, GrantKind::Direct]),
            };
            return if excluded {
                None
            } else {
                Some(GrantKind::Direct)
            };
        }
        items
            .iter()
            .filter_map(|m| principal_entry(m, caller, s3))
            .max()
    }
}

/// How one principal entry matches the caller.
fn principal_entry(m: &PrincipalMatcher, caller: &Caller, s3: &S3Facts) -> Option<GrantKind> {
    match (m, caller) {
        // AWS rule: a canonical user id and the account id "identify the same account" (IAM
        // "Principal" element page, canonical user principals); S3 may store either.
        (PrincipalMatcher::CanonicalUser(id), c) => {
            let account = s3.account_of_canonical(id)?.to_string();
            aws_entry(&AwsPrincipal::Account { account }, c)
        }
        (PrincipalMatcher::Everyone, _) => Some(GrantKind::Direct),
        (PrincipalMatcher::Service(s), Caller::Service { name })
            if s.eq_ignore_ascii_case(name) =>
        {
            Some(GrantKind::Direct)
        }
        (PrincipalMatcher::Aws(p), c) => aws_entry(p, c),
        _ => None,
    }
}

/// How an `AWS` principal (or a KMS grantee) names the caller: `None` if it does not.
pub(crate) fn aws_entry(p: &AwsPrincipal, caller: &Caller) -> Option<GrantKind> {
    // AWS rule: the user and role name parts of a principal ARN are case-sensitive
    // (IAM "Principal" element page, IAM user principals).
    match (p, caller) {
        // AWS rule: an account principal means every principal of that account, and grants
        // only through the account's identity policies (IAM "Principal" element page); the
        // root user needs no identity policy.
        (AwsPrincipal::Account { account }, Caller::Root { account: a, .. }) if account == a => {
            Some(GrantKind::Direct)
        }
        (AwsPrincipal::Account { account }, c) if c.account() == Some(account.as_str()) => {
            Some(GrantKind::Account)
        }
        (
            AwsPrincipal::User {
                account,
                name,
                partition,
            },
            Caller::User {
                account: a,
                name: n,
                partition: p,
                ..
            },
        ) if account == a && name == n && partition == p => Some(GrantKind::Direct),
        // AWS rule: a role ARN matches every session of the role (IAM "Principal" page, role sessions).
        (
            AwsPrincipal::Role {
                account,
                name,
                partition,
            },
            Caller::Session {
                account: a,
                role,
                partition: p,
                ..
            },
        ) if account == a && name == role && partition == p => Some(GrantKind::Role),
        (
            AwsPrincipal::AssumedRole {
                account,
                role,
                session,
                partition,
            },
            Caller::Session {
                account: a,
                role: r,
                session: s,
                partition: p,
                ..
            },
        ) if account == a && role == r && session == s && partition == p => Some(GrantKind::Direct),
        (
            AwsPrincipal::FederatedUser {
                account,
                name,
                partition,
            },
            Caller::FederatedUser {
                account: a,
                name: n,
                partition: p,
            },
        ) if account == a && name == n && partition == p => Some(GrantKind::Direct),
        _ => None,
    }
}

fn resource_item_matches(
    m: &ResourceMatcher,
    request: &Request,
    split: Option<&[&str; 6]>,
) -> bool {
    match m {
        ResourceMatcher::Fixed(p) => {
            if request.resource == "*" {
                // AWS rule: actions without a resource type take Resource "*"; AWS examples
                // also use arn:aws:s3:::* for them (S3 "Policy actions" page; reference D15).
                return p.matches_everything()
                    || p.is_match("arn:aws:s3:::*") && request.action_lower.starts_with("s3:");
            }
            p.is_match_split(&request.resource, split)
        }
        ResourceMatcher::Variable(raw) => {
            let lookup = |key: &str| condition::lookup_single(&request.context, key);
            let mut failed = false;
            let p = ArnPattern::compile(raw, ArnRule::Resource, |part| {
                let compiled = variables::parse(part)
                    .ok()
                    .and_then(|parts| variables::to_pattern(&parts, lookup));
                failed |= compiled.is_none();
                compiled
            });
            // AWS rule: an entry whose variable has no value matches no resource (IAM "Policy variables" page).
            !failed && p.is_match(&request.resource)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_added_compiled_is_the_document_added_from_its_text() {
        let text = r#"{"Version":"2012-10-17","Statement":[
{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":["s3:Get*","s3:ListBucket"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/${aws:username}/*"]},
{"Effect":"Deny","Principal":"*","NotAction":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#;
        let mut whole = Graph::new();
        crate::eval::add_source(
            &mut whole,
            SourceFile::new("b.json", text),
            Layer::Bucket,
            0,
        )
        .unwrap();
        let doc = whole.documents.first().unwrap();
        let mut again = Graph::new();
        // A document first, so the copied statements get new document numbers.
        again.add(
            doc.source.clone(),
            Arc::clone(&doc.policy),
            Layer::Identity,
            0,
        );
        again.add_compiled(
            doc.source.clone(),
            Arc::clone(&doc.policy),
            whole.statements.clone(),
            Layer::Bucket,
            0,
        );
        let mut compiled = Graph::new();
        compiled.add(
            doc.source.clone(),
            Arc::clone(&doc.policy),
            Layer::Identity,
            0,
        );
        compiled.add(
            doc.source.clone(),
            Arc::clone(&doc.policy),
            Layer::Bucket,
            0,
        );
        assert_eq!(
            format!("{:?}", again.statements),
            format!("{:?}", compiled.statements)
        );
        assert_eq!(
            format!("{:?}", again.index),
            format!("{:?}", compiled.index)
        );
        assert_eq!(again.levels, compiled.levels);
        assert_eq!(again.present, compiled.present);
        // Statements of another policy are compiled from the text instead.
        let mut wrong = Graph::new();
        wrong.add_compiled(
            doc.source.clone(),
            Arc::clone(&doc.policy),
            Vec::new(),
            Layer::Bucket,
            0,
        );
        assert_eq!(wrong.statements.len(), 2);
    }
}
