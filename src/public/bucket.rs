//! One verdict per bucket. Every access path (the bucket policy, the bucket ACL, each object
//! ACL, each access point) is judged public or not by [`crate::public`], then Block Public
//! Access is applied: `RestrictPublicBuckets` limits a public policy to AWS services and the
//! owner account, `IgnorePublicAcls` drops public ACL grants, and BucketOwnerEnforced turns
//! ACLs off. What is not known is never "not public": a path whose document is missing is
//! `unknown`, and Block Public Access that was not given blocks nothing.

use crate::aws_docs::NetworkOrigin;
use crate::eval::graph::{Graph, Layer};
use crate::eval::s3_facts::{BpaFlag, BpaSetting, Place};
use crate::public::{self, PublicGrant, StatementVerdict};
use serde::Serialize;

pub use crate::eval::bucket::Known;

/// The status of one access path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Public and nothing blocks it.
    Public,
    /// Public by its document, but Block Public Access (or disabled ACLs) blocks it.
    Blocked,
    /// Not public.
    NotPublic,
    /// The document was not given: nothing can be said.
    Unknown,
}

/// The verdict on a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Some path is public.
    Public,
    /// Every path is public-free or blocked, and something is blocked.
    Blocked,
    /// No path is public.
    NotPublic,
    /// No path is known to be public, but some could not be judged.
    Uncertain,
}

impl Verdict {
    /// Whether the bucket must be treated as public (fail closed: uncertain counts).
    pub fn is_public(self) -> bool {
        matches!(self, Verdict::Public | Verdict::Uncertain)
    }
}

/// Which kind of path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PathKind {
    /// The bucket policy.
    BucketPolicy,
    /// The bucket ACL.
    BucketAcl,
    /// An object ACL.
    ObjectAcl,
    /// An access point (its policy and network origin).
    AccessPoint,
    /// A Multi-Region Access Point routing to the bucket (its policy).
    MultiRegionAccessPoint,
    /// An S3 Object Lambda access point whose supporting access point is on the bucket.
    ObjectLambdaAccessPoint,
}

/// A location for output.
#[derive(Debug, Clone, Serialize)]
pub struct Location {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl Location {
    fn of(place: &Place) -> Location {
        let p = place.source.line_col(place.span.start);
        Location {
            file: place.source.name().to_string(),
            line: p.line,
            column: p.column,
        }
    }

    fn at(source: &crate::source::SourceFile, offset: u32) -> Location {
        let p = source.line_col(offset);
        Location {
            file: source.name().to_string(),
            line: p.line,
            column: p.column,
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A Block Public Access flag that blocks a path.
#[derive(Debug, Clone, Serialize)]
pub struct BlockedBy {
    /// The flag.
    pub flag: BpaFlag,
    /// The level that sets it.
    pub level: crate::eval::s3_facts::BpaLevel,
    /// Where it is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Location>,
}

impl BlockedBy {
    pub(super) fn from(flag: BpaFlag, s: &BpaSetting) -> BlockedBy {
        BlockedBy {
            flag,
            level: s.level,
            at: s.place_of(flag).map(|p| Location::of(&p)),
        }
    }
}

impl std::fmt::Display for BlockedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} setting", self.flag.as_str(), self.level.as_str())?;
        if let Some(at) = &self.at {
            write!(f, ", {at}")?;
        }
        f.write_str(")")
    }
}

/// One statement's verdict, placed in its file.
#[derive(Debug, Clone, Serialize)]
pub struct StatementOut {
    /// The Sid, if any.
    pub sid: Option<String>,
    /// Where the statement starts.
    pub at: Location,
    /// The verdict.
    #[serde(flatten)]
    pub verdict: StatementVerdict,
    /// What it opens: `read`, `write`, `list`, `permissions-management`, `tagging`.
    pub access: Vec<&'static str>,
    /// The S3 actions it covers (when few; otherwise only the count).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<String>>,
    /// How many S3 actions it covers.
    pub action_count: usize,
    /// Its Resource entries.
    pub resources: Vec<String>,
    /// For a public statement of a bucket policy: a request it grants that the evaluator
    /// allows (anonymous when one gets in, else a caller of another account or an AWS service),
    /// found by the exact engine ([`crate::exact::claim`]). Absent when every such request is
    /// refused (a Deny: the statement is still public by S3's definition) or cannot be decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<crate::diagnostic::Witness>,
}

/// One access path of a bucket.
#[derive(Debug, Clone, Serialize)]
pub struct Path {
    /// Which kind.
    pub kind: PathKind,
    /// A display name (`bucket policy`, ``object `k` ACL``, ``access point `ap` ``).
    pub name: String,
    /// The file it was read from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The status.
    pub status: Status,
    /// Why, in sentences.
    pub reasons: Vec<String>,
    /// Allow statements and their verdicts (policies).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<StatementOut>,
    /// Public grants (ACLs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<PublicGrantOut>,
    /// The setting that blocks it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<BlockedBy>,
    /// What Block Public Access would do when the document is written (PUT time).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub put_time: Vec<String>,
}

impl Path {
    /// A path, not public until judged otherwise.
    pub(crate) fn new(kind: PathKind, name: impl Into<String>, file: Option<String>) -> Path {
        Path {
            kind,
            name: name.into(),
            file,
            status: Status::NotPublic,
            reasons: Vec::new(),
            statements: Vec::new(),
            grants: Vec::new(),
            blocked_by: None,
            put_time: Vec::new(),
        }
    }
}

/// A public ACL grant, placed in its file.
#[derive(Debug, Clone, Serialize)]
pub struct PublicGrantOut {
    /// The grant.
    #[serde(flatten)]
    pub grant: PublicGrant,
    /// Where it is written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Location>,
}

/// The verdict on one bucket with all its paths.
#[derive(Debug, Clone, Serialize)]
pub struct BucketVerdict {
    /// The bucket name (or the file, for a policy judged alone).
    pub bucket: String,
    /// The folder or file judged.
    pub source: String,
    /// Whether it must be treated as public (true for `public` and `uncertain`).
    pub public: bool,
    /// The verdict.
    pub verdict: Verdict,
    /// Every path.
    pub paths: Vec<Path>,
    /// The reasons for the verdict, one sentence each.
    pub reasons: Vec<String>,
}

/// Judges the bucket described by `graph` (its bucket and access point policies, and its S3
/// facts) given what is `known`.
pub fn analyze(graph: &Graph, known: &Known, bucket: &str, source: &str) -> BucketVerdict {
    let mut paths = Vec::new();
    if known.policy_only {
        // A policy judged alone: a bucket policy, or an access point policy.
        if graph.has_layer(Layer::Bucket) || graph.s3.access_points.is_empty() {
            paths.push(policy_path(graph, known, bucket));
        }
        for i in 0..graph.s3.access_points.len() {
            paths.push(access_point_path(graph, known, i));
        }
    } else {
        paths.push(policy_path(graph, known, bucket));
        paths.push(bucket_acl_path(graph, known));
        for i in 0..graph.s3.objects.len() {
            if let Some(p) = object_acl_path(graph, known, i) {
                paths.push(p);
            }
        }
        paths.push(other_objects_path(graph, known));
        for i in 0..graph.s3.access_points.len() {
            paths.push(access_point_path(graph, known, i));
        }
        if !known.access_points {
            let mut p = Path::new(PathKind::AccessPoint, "access points", None);
            p.status = Status::Unknown;
            p.reasons.push(
                "the bucket's access points were not given (no `access-points/` folder); an access point policy could grant public access".into(),
            );
            paths.push(p);
        }
        if let Some(p) = super::multi_region::unknown_path(graph, known) {
            paths.push(p);
        }
        let olap = super::object_lambda::paths(graph, &paths);
        paths.extend(olap);
    }
    super::unsettled::apply(graph, &mut paths);
    let any = |s: Status| paths.iter().any(|p| p.status == s);
    let verdict = if any(Status::Public) {
        Verdict::Public
    } else if any(Status::Unknown) {
        Verdict::Uncertain
    } else if any(Status::Blocked) {
        Verdict::Blocked
    } else {
        Verdict::NotPublic
    };
    let mut reasons = Vec::new();
    for p in &paths {
        match p.status {
            Status::Public => reasons.push(format!(
                "the {} is public: {}",
                p.name,
                p.reasons.first().cloned().unwrap_or_default()
            )),
            Status::Blocked => reasons.push(format!(
                "the {} is public but blocked by {}",
                p.name,
                p.blocked_by
                    .as_ref()
                    .map_or_else(|| "disabled ACLs".to_string(), ToString::to_string)
            )),
            Status::Unknown => reasons.push(format!(
                "the {} is unknown: {}",
                p.name,
                p.reasons.first().cloned().unwrap_or_default()
            )),
            Status::NotPublic => {}
        }
    }
    if reasons.is_empty() {
        reasons.push("no access path is public".into());
    }
    BucketVerdict {
        bucket: bucket.to_string(),
        source: source.to_string(),
        public: verdict.is_public(),
        verdict,
        paths,
        reasons,
    }
}

/// The first level that sets `flag`, or whether some level is unknown.
fn blocker(
    graph: &Graph,
    known: &Known,
    flag: BpaFlag,
    access_point: Option<usize>,
) -> (Option<BlockedBy>, bool) {
    let setter = graph
        .s3
        .bpa_setter(flag, access_point)
        .map(|s| BlockedBy::from(flag, s));
    let unknown = !known.policy_only && (!known.account_bpa || !known.bucket_bpa);
    (setter, unknown)
}

fn put_time(graph: &Graph, flag: BpaFlag, access_point: Option<usize>, what: &str) -> String {
    match graph.s3.bpa_setter(flag, access_point) {
        Some(s) => format!(
            "{} would reject this {what} if it were written now; as it is already in place, it stays in force",
            BlockedBy::from(flag, s)
        ),
        None => format!(
            "with {} on, S3 would reject this {what} when it is written",
            flag.as_str()
        ),
    }
}

/// Applies RestrictPublicBuckets to a public policy path: blocked when a level sets it,
/// otherwise public (with why nothing is known to block it).
fn restrict(path: &mut Path, setter: Option<BlockedBy>, owner: &str, unknown: Option<&str>) {
    match setter {
        Some(b) => {
            path.status = Status::Blocked;
            path.reasons.push(format!(
                "{b} limits its grants to AWS service principals and principals of {owner}"
            ));
            path.blocked_by = Some(b);
        }
        None => {
            path.status = Status::Public;
            if let Some(u) = unknown {
                path.reasons.push(u.to_string());
            }
        }
    }
}

/// Why a policy with Allow statements is not public.
pub(super) const FIXED_ONLY: &str = "every Allow statement grants only to fixed principals or fixed values of keys that identify the caller";

/// The public-access verdict of every Allow statement of the policies `docs`, for the report.
fn policy_statements(graph: &Graph, docs: &[usize], bucket: &str) -> Vec<StatementOut> {
    docs.iter()
        .flat_map(|&doc| {
            let publicity = public::document_publicity(graph, doc);
            let mut out = statements_out(graph, doc, &publicity.statements);
            let in_bucket_policy = graph.documents.get(doc).map(|d| d.layer) == Some(Layer::Bucket);
            for (s, (id, v)) in out.iter_mut().zip(&publicity.statements) {
                if in_bucket_policy && v.public {
                    s.witness = witness(graph, *id, bucket);
                }
            }
            out
        })
        .collect()
}

/// A request public statement `id` grants that gets through, everyday actions tried first.
fn witness(graph: &Graph, id: usize, bucket: &str) -> Option<crate::diagnostic::Witness> {
    let u = crate::eval::actions::Universe::get();
    let s = graph.statements.get(id)?;
    let actions: Vec<String> = u
        .everyday_first(&u.actions_of(s))
        .into_iter()
        .map(str::to_string)
        .collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    match crate::exact::claim::public_claim(graph, id, bucket, None, &actions, now) {
        crate::exact::claim::Claim::Proven(f) => Some(crate::exact::claim::witness(&f)),
        _ => None,
    }
}

pub(super) fn statements_out(
    graph: &Graph,
    doc: usize,
    verdicts: &[(usize, StatementVerdict)],
) -> Vec<StatementOut> {
    let Some(d) = graph.documents.get(doc) else {
        return Vec::new();
    };
    verdicts
        .iter()
        .filter_map(|(id, v)| {
            let st = d.policy.statements.get(v.index)?;
            let access = public::statement_access(graph, *id);
            let count = access.actions.len();
            Some(StatementOut {
                sid: st.sid.as_ref().map(|s| s.value.clone()),
                at: Location::at(&d.source, st.span.start),
                verdict: v.clone(),
                access: access.classes(),
                actions: (count <= 12).then(|| access.actions.clone()),
                action_count: count,
                resources: st
                    .resource
                    .as_ref()
                    .map(|r| {
                        let mut v: Vec<String> = r.items.iter().map(|i| i.value.clone()).collect();
                        if r.negated {
                            v.insert(0, "NotResource:".into());
                        }
                        v
                    })
                    .unwrap_or_default(),
                witness: None,
            })
        })
        .collect()
}

fn describe_public(st: &[StatementOut]) -> String {
    let public: Vec<String> = st
        .iter()
        .filter(|s| s.verdict.public)
        .map(|s| {
            let label = match &s.sid {
                Some(sid) if !sid.is_empty() => format!("Sid `{sid}`"),
                _ => format!("statement #{}", s.verdict.index + 1),
            };
            let access = if s.access.is_empty() {
                "no S3 action".to_string()
            } else {
                s.access.join(", ")
            };
            format!("{label} ({}) opens {access}", s.at)
        })
        .collect();
    public.join("; ")
}

fn policy_path(graph: &Graph, known: &Known, bucket: &str) -> Path {
    let docs: Vec<usize> = graph.documents_of(Layer::Bucket).map(|(i, _)| i).collect();
    let file = docs
        .first()
        .and_then(|d| graph.documents.get(*d))
        .map(|d| d.source.name().to_string());
    let mut path = Path::new(PathKind::BucketPolicy, "bucket policy", file);
    if docs.is_empty() {
        if known.policy {
            path.reasons.push("the bucket has no bucket policy".into());
        } else {
            path.status = Status::Unknown;
            path.reasons.push("the bucket policy was not given".into());
        }
        return path;
    }
    path.statements = policy_statements(graph, &docs, bucket);
    if !path.statements.iter().any(|s| s.verdict.public) {
        path.reasons.push(if path.statements.is_empty() {
            "the policy has no Allow statement".into()
        } else {
            FIXED_ONLY.into()
        });
        return path;
    }
    path.reasons.push(describe_public(&path.statements));
    path.put_time
        .push(put_time(graph, BpaFlag::BlockPublicPolicy, None, "policy"));
    let (setter, unknown) = blocker(graph, known, BpaFlag::RestrictPublicBuckets, None);
    let unknown_reason = if known.policy_only {
        Some("judged alone: Block Public Access settings were not given")
    } else if unknown {
        Some(
            "the account or bucket Block Public Access settings are unknown, so nothing is known to block it",
        )
    } else {
        None
    };
    restrict(&mut path, setter, "the owner account", unknown_reason);
    path
}

fn acl_path(
    graph: &Graph,
    known: &Known,
    kind: PathKind,
    name: String,
    acl: Option<&crate::eval::s3_facts::AclFacts>,
    acl_known: bool,
    on_object: bool,
) -> Path {
    let file = acl.and_then(|a| a.source.as_ref().map(|s| s.name().to_string()));
    let mut path = Path::new(kind, name, file);
    // AWS rule: under BucketOwnerEnforced, ACLs play no part in authorization (S3 "Object
    // Ownership" page).
    if !graph.s3.acls_enabled() {
        path.reasons
            .push("ACLs are disabled (Object Ownership is BucketOwnerEnforced)".into());
        if acl.is_some_and(|a| a.acl.is_public()) {
            path.status = Status::Blocked;
        }
        return path;
    }
    let Some(acl) = acl else {
        if acl_known {
            path.reasons.push("no ACL".into());
        } else {
            path.status = Status::Unknown;
            path.reasons
                .push("the ACL was not given, and Object Ownership does not rule ACLs out".into());
        }
        return path;
    };
    let grants = public::acl_public_grants(&acl.acl, on_object);
    if grants.is_empty() {
        path.reasons
            .push("no grant to All Users or Authenticated Users".into());
        return path;
    }
    path.reasons.push(
        grants
            .iter()
            .map(|g| g.reason.clone())
            .collect::<Vec<_>>()
            .join("; "),
    );
    path.grants = grants
        .into_iter()
        .map(|grant| {
            let at = acl.source.as_ref().and_then(|s| {
                acl.acl
                    .grants
                    .get(grant.index)
                    .filter(|g| g.span.end > g.span.start)
                    .map(|g| Location::at(s, g.span.start))
            });
            PublicGrantOut { grant, at }
        })
        .collect();
    path.put_time
        .push(put_time(graph, BpaFlag::BlockPublicAcls, None, "ACL"));
    let (setter, unknown) = blocker(graph, known, BpaFlag::IgnorePublicAcls, None);
    match setter {
        Some(b) => {
            path.status = Status::Blocked;
            path.reasons.push(format!("{b} drops these grants"));
            path.blocked_by = Some(b);
        }
        None => {
            path.status = Status::Public;
            if unknown {
                path.reasons.push(
                    "the account or bucket Block Public Access settings are unknown, so nothing is known to block it".into(),
                );
            }
        }
    }
    path
}

fn bucket_acl_path(graph: &Graph, known: &Known) -> Path {
    acl_path(
        graph,
        known,
        PathKind::BucketAcl,
        "bucket ACL".into(),
        graph.s3.bucket_acl.as_ref(),
        known.bucket_acl,
        false,
    )
}

fn object_acl_path(graph: &Graph, known: &Known, i: usize) -> Option<Path> {
    let o = graph.s3.objects.get(i)?;
    Some(acl_path(
        graph,
        known,
        PathKind::ObjectAcl,
        format!("object `{}` ACL", o.key),
        o.acl.as_ref(),
        false,
        true,
    ))
}

/// The objects the inputs do not list: with ACLs enabled, any of them may carry a public ACL
/// unless `IgnorePublicAcls` is on somewhere.
fn other_objects_path(graph: &Graph, known: &Known) -> Path {
    let mut path = Path::new(PathKind::ObjectAcl, "ACLs of objects not listed", None);
    if !graph.s3.acls_enabled() {
        path.reasons
            .push("ACLs are disabled (Object Ownership is BucketOwnerEnforced)".into());
        return path;
    }
    match blocker(graph, known, BpaFlag::IgnorePublicAcls, None).0 {
        Some(b) => path.reasons.push(format!("{b} drops any public grant")),
        None => {
            path.status = Status::Unknown;
            path.reasons.push(
                "ACLs are enabled and IgnorePublicAcls is not known to be on, so any object may have a public ACL; turn IgnorePublicAcls on or set Object Ownership to BucketOwnerEnforced".into(),
            );
        }
    }
    path
}

fn access_point_path(graph: &Graph, known: &Known, i: usize) -> Path {
    let mut path = judge_access_point(graph, known, i);
    if let Some(a) = graph.s3.access_points.get(i) {
        super::multi_region::pending(a, &mut path);
    }
    path
}

/// The access point path as its policy, network origin and Block Public Access make it.
fn judge_access_point(graph: &Graph, known: &Known, i: usize) -> Path {
    let ap = graph.s3.access_points.get(i);
    let name = ap.map_or_else(|| "access point".to_string(), |a| a.label());
    let docs: Vec<usize> = graph
        .documents_of(Layer::AccessPoint)
        .filter(|(_, d)| d.level == i)
        .map(|(d, _)| d)
        .collect();
    let file = docs
        .first()
        .and_then(|d| graph.documents.get(*d))
        .map(|d| d.source.name().to_string());
    let kind = if ap.is_some_and(|a| a.is_multi_region()) {
        PathKind::MultiRegionAccessPoint
    } else {
        PathKind::AccessPoint
    };
    let mut path = Path::new(kind, name, file);
    // AWS rule: an access point with a VPC network origin is never public (S3 "The meaning
    // of public", access points).
    if let Some(NetworkOrigin::Vpc { vpc_id }) = ap.map(|a| &a.network) {
        path.reasons.push(format!(
            "its network origin is VPC `{vpc_id}`: only requests from that VPC reach it"
        ));
        return path;
    }
    if docs.is_empty() && ap.is_some_and(|a| !a.policy_known) {
        path.status = Status::Unknown;
        path.reasons.push(
            "its policy was not given (no `policy.json`): it could grant public access".into(),
        );
        return path;
    }
    if docs.is_empty() {
        path.reasons.push(
            "no access point policy: it grants nothing by itself (identity policies and the bucket policy decide)".into(),
        );
        return path;
    }
    path.statements = policy_statements(graph, &docs, "");
    if !path.statements.iter().any(|s| s.verdict.public) {
        path.reasons.push(FIXED_ONLY.into());
        return path;
    }
    path.reasons.push(describe_public(&path.statements));
    let multi_region = ap.is_some_and(|a| a.is_multi_region());
    let what = if multi_region {
        "Multi-Region Access Point policy"
    } else {
        "access point policy"
    };
    path.put_time
        .push(put_time(graph, BpaFlag::BlockPublicPolicy, Some(i), what));
    if multi_region {
        // AWS rule: "You can't change the Block Public Access settings for a Multi-Region
        // Access Point after it has been created" (S3 "Blocking public access with Amazon S3
        // Multi-Region Access Points").
        path.put_time.push(
            "a Multi-Region Access Point's own Block Public Access settings cannot be changed after it is created: to turn them on, create a new one (or turn them on at the bucket or account level)".into(),
        );
    }
    let (setter, unknown) = blocker(graph, known, BpaFlag::RestrictPublicBuckets, Some(i));
    let ap_unknown = ap.is_some_and(|a| a.bpa.is_none());
    let unknown_reason = (unknown || ap_unknown).then_some(
        "some Block Public Access settings are unknown, so nothing is known to block it",
    );
    let owner = if multi_region {
        "the Multi-Region Access Point's account"
    } else {
        "the access point's account"
    };
    restrict(&mut path, setter, owner, unknown_reason);
    if path.status == Status::Public {
        path.reasons
            .push("requests through it must also be allowed by the bucket policy".into());
    }
    path
}
