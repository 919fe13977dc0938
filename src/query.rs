//! The input of one access question (`s3-access query`): the caller, action, resource and
//! context as written, and the documents by path. [`load`] checks them, reads the documents
//! into a graph and builds the request; everything it has to say on the way (warnings,
//! findings of the documents, refusals) comes back as [`Notice`]s, in order.

use crate::aws_docs::{self, AwsDocument, Loaded};
use crate::catalog::{self, KeyType};
use crate::contain::Root;
use crate::eval::bucket::BucketModel;
use crate::eval::s3_facts::{BpaLevel, Target};
use crate::eval::{self, Caller, Graph, Layer, Request, Response};
use crate::load::FileReport;
use crate::registry::Code;
use crate::{arn, values};
use std::fmt;
use std::path::{Path, PathBuf};

mod checks;
pub mod kms;
mod vpce;

/// One access question as given on the command line: strings and paths, not yet checked.
#[derive(Debug, Clone, Default)]
pub struct QueryInput {
    /// The caller: `anonymous`, an account id, an IAM or STS ARN, or a service principal.
    pub principal: String,
    /// The action, e.g. `s3:GetObject`.
    pub action: String,
    /// The resource ARN (`*` for actions without a resource).
    pub resource: String,
    /// The account that owns the bucket (default: the caller's account).
    pub bucket_owner: Option<String>,
    /// Request context values, `KEY=VALUE`; a repeated key is multi-valued.
    pub context: Vec<String>,
    /// The caller's identity-based policies.
    pub identity_policy: Vec<PathBuf>,
    /// The bucket policy.
    pub bucket_policy: Option<PathBuf>,
    /// The caller's permissions boundary.
    pub permissions_boundary: Option<PathBuf>,
    /// The session policy.
    pub session_policy: Option<PathBuf>,
    /// SCPs, one file per organisation level, root first.
    pub scp: Vec<PathBuf>,
    /// RCPs, one file per organisation level, root first.
    pub rcp: Vec<PathBuf>,
    /// The request time (ISO 8601 or epoch seconds; default: now).
    pub time: Option<String>,
    /// A bucket folder.
    pub bucket: Option<PathBuf>,
    /// The bucket ACL.
    pub bucket_acl: Option<PathBuf>,
    /// The ACL of the requested object.
    pub object_acl: Option<PathBuf>,
    /// The account that owns the requested object (default: the bucket owner).
    pub object_owner: Option<String>,
    /// Object Ownership.
    pub ownership_controls: Option<PathBuf>,
    /// The bucket's Block Public Access.
    pub public_access_block: Option<PathBuf>,
    /// The account's Block Public Access.
    pub account_public_access_block: Option<PathBuf>,
    /// Access point folders.
    pub access_point: Vec<PathBuf>,
    /// `--root`: a directory that the paths a bucket or access point folder names may lead
    /// into, besides the folder itself (docs/security.md).
    pub root: Option<PathBuf>,
    /// The key policy of the object's KMS key (`aws kms get-key-policy` output or the policy).
    pub key_policy: Option<PathBuf>,
    /// The object's KMS key (`aws kms describe-key` output).
    pub describe_key: Option<PathBuf>,
    /// The object's metadata (`aws s3api head-object` output): its encryption.
    pub head_object: Option<PathBuf>,
    /// What if the object were encrypted with this KMS key (ARN).
    pub sse_kms_key: Option<String>,
    /// The grants of the object's KMS key (`aws kms list-grants` output).
    pub kms_grants: Option<PathBuf>,
    /// VPC endpoint policies (`aws ec2 describe-vpc-endpoints` output or one endpoint
    /// policy): a gate on requests that come through the endpoint.
    pub vpce_policy: Option<PathBuf>,
}

/// A question ready to be decided.
#[derive(Debug)]
pub struct Query {
    /// Every document, compiled.
    pub graph: Graph,
    /// The request.
    pub request: Request,
    /// What loading did on the caller's behalf (identity found in the account folder), as
    /// sentences for the answer.
    pub notes: Vec<String>,
    /// The KMS side, when the object is encrypted with AWS KMS.
    pub kms: Option<kms::KmsSetup>,
}

impl Query {
    /// The answer, with the loading notes, and what the question left out that could change
    /// it (a request region the policies test, identity policies of a cross-account caller).
    pub fn decide(&self) -> Response {
        self.decide_with_kms().0
    }

    /// The answer and the KMS leg: for an SSE-KMS object the decision is Allow only when S3
    /// and KMS both allow; the answer's notes say which leg denied.
    pub fn decide_with_kms(&self) -> (Response, Option<eval::kms::KmsLeg>) {
        if let Some(d) = self.decide_object_lambda() {
            let mut response = d.response();
            response.notes.extend(self.notes.iter().cloned());
            return (response, None);
        }
        let mut response = self.decide_s3();
        let Some(setup) = &self.kms else {
            return (response, None);
        };
        let leg = kms::decide(setup, &self.request);
        match (&leg, setup) {
            (Some(leg), _) => kms::fold(&mut response, leg),
            (None, kms::KmsSetup::Unknown(why)) if response.decision == eval::Decision::Allow => {
                response.uncertain.push(eval::decide::Uncertainty {
                    statement: None,
                    reason: why.clone(),
                    if_not_allowed: false,
                });
            }
            _ => {}
        }
        (response, leg)
    }

    /// The legs of a request through an S3 Object Lambda access point of the bucket folder
    /// (`arn:aws:s3-object-lambda:…:accesspoint/NAME[/object/KEY]`), decided; `None` for any
    /// other request.
    pub fn decide_object_lambda(&self) -> Option<eval::object_lambda::ObjectLambdaDecision> {
        eval::object_lambda::decide_through(&self.graph, &self.request, true)
    }

    /// The answer of S3's own leg.
    fn decide_s3(&self) -> Response {
        let mut response = eval::decide(&self.graph, &self.request, true);
        if aws_docs::object_lambda::olap_parts(&self.request.resource).is_some() {
            let reason = if self
                .graph
                .s3
                .object_lambda_of(&self.request.resource)
                .is_some()
            {
                format!(
                    "requests through an Object Lambda access point are authorized as `s3-object-lambda:` actions; `{}` is evaluated as written, without the supporting access point, the bucket or the Lambda function",
                    self.request.action
                )
            } else {
                "the resource is an Object Lambda access point that was not given (`object-lambda-access-points/` in a bucket folder given with --bucket): only this request is evaluated, not the supporting access point, the bucket or the Lambda function it also needs".to_string()
            };
            response.uncertain.push(eval::decide::Uncertainty {
                statement: None,
                reason,
                if_not_allowed: false,
            });
        }
        response.notes.extend(self.notes.iter().cloned());
        let region = checks::missing_region(&self.graph, &self.request, response.decision);
        response.notes.extend(region);
        let identity = checks::missing_identity(&self.graph, &self.request, &response);
        response.notes.extend(identity);
        response
    }
}

/// Something loading has to say, in the order it happened.
#[derive(Debug)]
pub enum Notice {
    /// A context value that is not of its key's type: conditions on it will never match.
    Warning(ContextWarning),
    /// A context key AWS does not have or never sets for the action, or an action that does
    /// not apply to the resource: the question is answered, but not the one meant.
    Input(InputWarning),
    /// The findings of a document that was read (warnings of one that was used, errors of
    /// one that was refused).
    Findings(FileReport),
    /// Why the question cannot be answered.
    Error(QueryError),
}

/// A `--context` value that is not of its key's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextWarning {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
    /// What is wrong with it.
    pub why: String,
}

impl fmt::Display for ContextWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "--context {}={}: {}; conditions on it will not match",
            self.key, self.value, self.why
        )
    }
}

/// A part of the question that AWS would not send as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputWarning {
    /// The flag, e.g. `--context`.
    pub flag: &'static str,
    /// Its value as given.
    pub value: String,
    /// What is wrong with it.
    pub why: String,
}

impl fmt::Display for InputWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.flag, self.value, self.why)
    }
}

/// Why a question cannot be answered.
#[derive(Debug)]
pub enum QueryError {
    /// An action AWS does not have.
    Action(String),
    /// The principal is not one the evaluator knows.
    Principal(String),
    /// A context entry without `=` or key.
    Context(String),
    /// The time is not a date.
    Time(String),
    /// A document or folder with errors (its findings come before).
    CannotUse(PathBuf),
    /// A policy with errors, or without a policy (its findings come before).
    CannotEvaluate(PathBuf),
    /// An object ACL or owner for a resource that is not an object.
    NotAnObject,
    /// `--bucket-owner` says another owner than the folder's manifest.
    OwnerContradiction {
        /// The owner given.
        given: String,
        /// The folder's owner.
        folder: String,
    },
    /// The bucket policy given twice (by file and by folder).
    TwoBucketPolicies,
    /// A policy file that could not be read.
    Load(eval::LoadError),
    /// `--bucket` names infrastructure as code without one bucket to take (none, or several
    /// and no `#ADDRESS`): the message says which it declares.
    IacBucket(String),
    /// `--sse-kms-key` (or the object's key) and `--describe-key` name different keys.
    KmsKeyContradiction {
        /// The key given.
        given: String,
        /// The key described.
        described: String,
    },
    /// `--kms-grants` (or the folder's `grants.json`) lists grants of another key.
    KmsGrantsOtherKey {
        /// The grants file.
        file: PathBuf,
        /// The key a grant is for.
        grant_key: String,
        /// The object's key.
        key: String,
    },
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::Action(e) => write!(f, "--action {e}"),
            QueryError::Principal(e) => write!(f, "--principal {e}"),
            QueryError::Context(kv) => write!(f, "--context `{kv}` is not KEY=VALUE"),
            QueryError::Time(e) => write!(f, "--time {e}"),
            QueryError::CannotUse(path) => {
                write!(f, "{} cannot be used: fix the errors above", path.display())
            }
            QueryError::CannotEvaluate(path) => write!(
                f,
                "{} cannot be evaluated: fix the errors above",
                path.display()
            ),
            QueryError::NotAnObject => f.write_str(
                "--object-acl and --object-owner need an object resource (arn:aws:s3:::BUCKET/KEY)",
            ),
            QueryError::OwnerContradiction { given, folder } => write!(
                f,
                "--bucket-owner {given} contradicts the bucket folder, whose owner is {folder}"
            ),
            QueryError::TwoBucketPolicies => {
                f.write_str("--bucket-policy and --bucket both give the bucket policy; use one")
            }
            QueryError::Load(e) => write!(f, "{e}"),
            QueryError::IacBucket(message) => f.write_str(message),
            QueryError::KmsKeyContradiction { given, described } => write!(
                f,
                "the object's KMS key is {given}, but --describe-key describes {described}"
            ),
            QueryError::KmsGrantsOtherKey {
                file,
                grant_key,
                key,
            } => write!(
                f,
                "{} lists a grant of the KMS key {grant_key}, but the object's key is {key}",
                file.display()
            ),
        }
    }
}

impl std::error::Error for QueryError {}

/// The question cannot be answered; the notices say why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused;

/// Checks the input, reads every document and builds the request. Notices (warnings,
/// findings, errors) are pushed in the order they arise; every error among them ends in
/// [`Refused`].
pub fn load(input: &QueryInput, notices: &mut Vec<Notice>) -> Result<Query, Refused> {
    let mut caller =
        Caller::parse(&input.principal).map_err(|e| stop(notices, QueryError::Principal(e)))?;
    let (service, action) = checks::action(&input.action).map_err(|e| stop(notices, e))?;
    let context = parse_context(&input.context).map_err(|e| stop(notices, e))?;
    for (key, value) in &context {
        if let Some(why) = checks::context_key(key, service, action) {
            let value = format!("{key}={value}");
            let flag = "--context";
            notices.push(Notice::Input(InputWarning { flag, value, why }));
        } else if let Some(why) = context_value_problem(key, value) {
            let (key, value) = (key.clone(), value.clone());
            notices.push(Notice::Warning(ContextWarning { key, value, why }));
        }
    }
    if let Some(why) = checks::resource_type(service, action, &input.resource) {
        let value = input.resource.clone();
        notices.push(Notice::Input(InputWarning {
            flag: "--resource",
            value,
            why,
        }));
    }
    let now = parse_time(input.time.as_deref()).map_err(|e| stop(notices, QueryError::Time(e)))?;
    let (mut bucket, region, folder_kms, from_iac) = load_bucket(input, notices)?;
    let owner = bucket_owner(input, &bucket).map_err(|e| stop(notices, e))?;
    let mut notes = Vec::new();
    if input.bucket.is_some() && input.identity_policy.is_empty() {
        notes = bucket.add_identity_of(&mut caller, input.permissions_boundary.is_none());
    }
    let mut graph = std::mem::take(&mut bucket.graph);
    // A bucket read from IaC: each value not known before apply may change the answer.
    notes.extend(graph.s3.unsettled.iter().map(|u| {
        format!(
            "uncertain: {}; the answer may differ once it is known",
            u.describe()
        )
    }));
    let files = policy_files(input).map_err(|e| stop(notices, e))?;
    for r in std::mem::take(&mut bucket.reports) {
        if !r.findings.is_empty() {
            notices.push(Notice::Findings(r));
        }
    }
    add_policy_files(&mut graph, &files, notices)?;
    let mut context = context;
    vpce::load(input, &mut graph, &mut context, &mut notes, notices)?;
    let mut request = Request::new(
        caller,
        &input.action,
        &input.resource,
        owner.as_deref(),
        &context,
        now,
    );
    checks::default_region(&mut request, region.as_deref());
    if let Some(note) = iac_owner_note(input, &mut request).filter(|_| from_iac) {
        notes.insert(0, note);
    }
    let kms = kms::load(input, &graph, &request, &folder_kms, notices)?;
    if graph.s3.object_lambda_of(&request.resource).is_some() && folder_kms.default.is_some() {
        notes.push("uncertain: the bucket's default encryption uses AWS KMS, and the KMS leg of a request through an Object Lambda access point is not evaluated: KMS may deny what S3 allows".into());
    }
    Ok(Query {
        graph,
        request,
        notes,
        kms,
    })
}

/// For a bucket read from IaC without `--bucket-owner`: the owner is the configuration's own
/// account, symbolic (`iac::model::OWN_ACCOUNT`) and not known offline. The request keeps the
/// caller's account as the owner (the configuration may be deployed there; assuming another
/// account could deny wrongly), and the note says so instead of "the owner was not given".
fn iac_owner_note(input: &QueryInput, request: &mut Request) -> Option<String> {
    if input.bucket_owner.is_some() || request.resource_account_given {
        return None;
    }
    request.resource_account_given = true;
    let assumed = if request.resource_account.is_empty() {
        "none: the caller has no account".to_string()
    } else {
        request.resource_account.clone()
    };
    Some(format!(
        "the bucket owner is the IaC placeholder account (symbolic, {}): the account the configuration is deployed to, not known offline, so the owner is taken to be the caller's account ({assumed}); --bucket-owner names the real one",
        crate::iac::model::OWN_ACCOUNT
    ))
}

/// The bucket owner: the one given, unless the bucket folder says another; else the folder's.
fn bucket_owner(input: &QueryInput, bucket: &BucketModel) -> Result<Option<String>, QueryError> {
    match (&input.bucket_owner, &bucket.owner) {
        (Some(given), Some(folder)) if given != folder => Err(QueryError::OwnerContradiction {
            given: given.clone(),
            folder: folder.clone(),
        }),
        (Some(given), _) => Ok(Some(given.clone())),
        (None, folder) => Ok(folder.clone()),
    }
}

/// Adds every policy file to the graph. All are tried, so that every broken one is reported;
/// any of them refuses the question.
fn add_policy_files(
    graph: &mut Graph,
    files: &[(&Path, Layer, usize)],
    notices: &mut Vec<Notice>,
) -> Result<(), Refused> {
    let mut failed = false;
    for &(path, layer, level) in files {
        match eval::add_file(graph, path, layer, level) {
            // Warnings matter here: a misspelt key in a Deny is a warning, and a dead Deny.
            Ok(r) if !r.findings.is_empty() => notices.push(Notice::Findings(r)),
            Ok(_) => {}
            Err(eval::LoadError::Invalid(report) | eval::LoadError::NoPolicy(report)) => {
                notices.push(Notice::Findings(*report));
                notices.push(Notice::Error(QueryError::CannotEvaluate(
                    path.to_path_buf(),
                )));
                failed = true;
            }
            Err(e) => {
                notices.push(Notice::Error(QueryError::Load(e)));
                failed = true;
            }
        }
    }
    if failed { Err(Refused) } else { Ok(()) }
}

/// `KEY=VALUE` pairs, in order.
fn parse_context(entries: &[String]) -> Result<Vec<(String, String)>, QueryError> {
    entries
        .iter()
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(QueryError::Context(kv.clone())),
        })
        .collect()
}

/// The policy files with their layer and organisation level, in the order they are added.
fn policy_files(input: &QueryInput) -> Result<Vec<(&Path, Layer, usize)>, QueryError> {
    let mut files: Vec<(&Path, Layer, usize)> = Vec::new();
    for p in &input.identity_policy {
        files.push((p, Layer::Identity, 0));
    }
    if let Some(p) = &input.bucket_policy {
        if input.bucket.is_some() {
            return Err(QueryError::TwoBucketPolicies);
        }
        files.push((p, Layer::Bucket, 0));
    }
    if let Some(p) = &input.permissions_boundary {
        files.push((p, Layer::PermissionsBoundary, 0));
    }
    if let Some(p) = &input.session_policy {
        files.push((p, Layer::Session, 0));
    }
    for (level, p) in input.scp.iter().enumerate() {
        files.push((p, Layer::Scp, level));
    }
    for (level, p) in input.rcp.iter().enumerate() {
        files.push((p, Layer::Rcp, level));
    }
    Ok(files)
}

/// Why a context value is not of its key's type, if it is not (the operators would then
/// never match it).
pub fn context_value_problem(key: &str, value: &str) -> Option<String> {
    let info = catalog::condition_key(key)?;
    let ok = match info.value_type() {
        KeyType::IpAddress => values::parse_cidr(value).is_some(),
        KeyType::Date => values::parse_date(value).is_some(),
        KeyType::Numeric => values::parse_number(value).is_some(),
        KeyType::Bool => values::parse_bool(value).is_some(),
        KeyType::Binary => values::decode_base64(value).is_some(),
        KeyType::Arn => arn::split(value).is_some(),
        KeyType::String => true,
    };
    (!ok).then(|| format!("not a valid {} value", info.value_type().as_str()))
}

/// Parses a request time: epoch seconds or an ISO 8601 date; `None` is now.
pub fn parse_time(s: Option<&str>) -> Result<i64, String> {
    match s {
        None => Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))),
        Some(t) => values::parse_date(t)
            .map(|ms| ms.div_euclid(1000))
            .ok_or_else(|| format!("`{t}` is not a date (ISO 8601 or epoch seconds)")),
    }
}

/// The bucket an S3 bucket or object ARN names (`arn:aws:s3:::BUCKET[/KEY]`).
fn bucket_of(resource: &str) -> Option<&str> {
    let arn = arn::parse(resource).ok()?;
    let bucket_arn = arn.service == "s3" && arn.region.is_empty() && arn.account.is_empty();
    bucket_arn.then(|| arn.resource.split('/').next().unwrap_or(""))
}

/// The bucket of a query: the folder given with `--bucket`, then the individual S3 flags;
/// and the bucket's region, when the folder records it (manifest, else `location.json`); and
/// whether the bucket was read from infrastructure as code.
fn load_bucket(
    input: &QueryInput,
    notices: &mut Vec<Notice>,
) -> Result<(BucketModel, Option<String>, kms::FolderKms, bool), Refused> {
    let mut region = None;
    let mut folder_kms = kms::FolderKms::default();
    let mut from_iac = false;
    let mut bucket = match &input.bucket {
        Some(path) if let Some(b) = iac_bucket(path, input, notices) => {
            from_iac = true;
            b?
        }
        Some(dir) => {
            let root = Root::new(std::slice::from_ref(dir), input.root.as_deref());
            let folder = aws_docs::load_bucket(dir, &root).map_err(|r| refuse(notices, r, dir))?;
            region = folder
                .manifest
                .doc
                .region
                .as_ref()
                .map(|r| r.value.clone())
                .or_else(|| folder.location.doc().map(|l| l.region.clone()));
            folder_kms = kms::from_folder(&folder);
            BucketModel::from_folder(&folder).map_err(|r| refuse_evaluation(notices, r, dir))?
        }
        None => {
            let mut b = BucketModel::new("");
            b.owner = input.bucket_owner.clone();
            // The bucket is the one the resource names, so ACLs apply to it only.
            if let Some(name) = bucket_of(&input.resource) {
                b.name = name.to_string();
                b.graph.s3.bucket = Some(name.to_string());
            }
            b
        }
    };
    if let Some(p) = &input.ownership_controls {
        let l = read_doc::<aws_docs::OwnershipControls>(p, notices)?;
        bucket.set_ownership(&l);
    }
    if let Some(p) = &input.bucket_acl {
        let l = read_doc::<aws_docs::Acl>(p, notices)?;
        bucket.set_bucket_acl(&l);
    }
    if let Some(p) = &input.public_access_block {
        let l = read_doc::<aws_docs::PublicAccessBlock>(p, notices)?;
        bucket.set_bpa(BpaLevel::Bucket, &l);
    }
    if let Some(p) = &input.account_public_access_block {
        let l = read_doc::<aws_docs::PublicAccessBlock>(p, notices)?;
        bucket.set_bpa(BpaLevel::Account, &l);
    }
    for dir in &input.access_point {
        let root = Root::new(std::slice::from_ref(dir), input.root.as_deref());
        let folder =
            aws_docs::folder::load_access_point(dir, &root).map_err(|r| refuse(notices, r, dir))?;
        bucket
            .add_access_point(&folder)
            .map_err(|r| refuse_evaluation(notices, r, dir))?;
    }
    if input.object_owner.is_some() || input.object_acl.is_some() {
        set_object(input, &mut bucket, notices)?;
    }
    Ok((bucket, region, folder_kms, from_iac))
}

/// The bucket of `--bucket` when it is infrastructure as code (a `.tf` file or module
/// directory, a plan, a template; `FILE#ADDRESS` picks one of several), built by
/// `iac::model`; `None` for anything else (a bucket folder).
fn iac_bucket(
    path: &Path,
    input: &QueryInput,
    notices: &mut Vec<Notice>,
) -> Option<Result<BucketModel, Refused>> {
    use crate::iac::model::{self, NotPicked};
    let (file, address) = match model::split_address(path) {
        Some((f, a)) => (f, Some(a)),
        None => (path.to_path_buf(), None),
    };
    let root = Root::new(std::slice::from_ref(&file), input.root.as_deref());
    let unit = model::read_path(&file, &root)?;
    Some(match model::pick(&unit, &file, address.as_deref(), &root) {
        // The owner is not in the configuration: `--bucket-owner`, else the caller's account,
        // as for a bucket given by its files.
        Ok(b) => BucketModel::from_folder(&b.folder)
            .map(|mut m| {
                m.owner = input.bucket_owner.clone();
                m
            })
            .map_err(|r| refuse_evaluation(notices, r, path)),
        Err(NotPicked::Errors(r)) => Err(refuse(notices, r, path)),
        Err(NotPicked::Other(message)) => Err(stop(notices, QueryError::IacBucket(message))),
    })
}

/// Applies `--object-acl` and `--object-owner` to the object the resource names.
fn set_object(
    input: &QueryInput,
    bucket: &mut BucketModel,
    notices: &mut Vec<Notice>,
) -> Result<(), Refused> {
    let s3 = &bucket.graph.s3;
    let key = match s3.target(&input.resource) {
        Target::Object { key } => Some(key.to_string()),
        _ => s3
            .access_point_of(&input.resource)
            .and_then(|(_, k)| k.map(str::to_string)),
    };
    let Some(key) = key else {
        return Err(stop(notices, QueryError::NotAnObject));
    };
    if let Some(p) = &input.object_acl {
        let l = read_doc::<aws_docs::Acl>(p, notices)?;
        bucket.set_object_acl(&key, &l);
    }
    if let Some(owner) = &input.object_owner {
        match bucket.graph.s3.objects.iter_mut().find(|o| o.key == key) {
            Some(o) => o.owner_account = Some(owner.clone()),
            None => bucket.graph.s3.object_owner = Some(owner.clone()),
        }
    }
    Ok(())
}

/// Reads one AWS document given by a flag; a file that cannot be read gives its findings, one
/// with errors its findings and a refusal.
fn read_doc<T: AwsDocument>(path: &Path, notices: &mut Vec<Notice>) -> Result<Loaded<T>, Refused> {
    let source = aws_docs::read::load_text(path, Code::DocumentShape).map_err(|r| {
        notices.push(Notice::Findings(r));
        Refused
    })?;
    aws_docs::read::read_source::<T>(&source).map_err(|r| refuse(notices, vec![r], path))
}

/// The error that stops the loading.
fn stop(notices: &mut Vec<Notice>, error: QueryError) -> Refused {
    notices.push(Notice::Error(error));
    Refused
}

/// The findings that make the document or folder at `path` unusable, and the refusal.
fn refuse(notices: &mut Vec<Notice>, reports: Vec<FileReport>, path: &Path) -> Refused {
    notices.extend(reports.into_iter().map(Notice::Findings));
    notices.push(Notice::Error(QueryError::CannotUse(path.to_path_buf())));
    Refused
}

/// The findings that keep the folder at `path` from being evaluated, and the refusal.
fn refuse_evaluation(notices: &mut Vec<Notice>, reports: Vec<FileReport>, path: &Path) -> Refused {
    notices.extend(reports.into_iter().map(Notice::Findings));
    notices.push(Notice::Error(QueryError::CannotEvaluate(
        path.to_path_buf(),
    )));
    Refused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_comes_from_an_s3_bucket_or_object_arn() {
        assert_eq!(bucket_of("arn:aws:s3:::b/k/x"), Some("b"));
        assert_eq!(bucket_of("arn:aws:s3:::b"), Some("b"));
        assert_eq!(
            bucket_of("arn:aws:s3:us-east-1:111122223333:accesspoint/ap"),
            None
        );
        assert_eq!(bucket_of("arn:aws:iam::111122223333:role/r"), None);
        assert_eq!(bucket_of("*"), None);
    }

    #[test]
    fn refusals_say_what_the_command_always_said() {
        let mut notices = Vec::new();
        let input = QueryInput {
            principal: "anonymous".into(),
            action: "s3:GetObject".into(),
            resource: "arn:aws:s3:::b/k".into(),
            context: vec!["aws:SourceIp=nope".into(), "=x".into()],
            ..QueryInput::default()
        };
        assert!(load(&input, &mut notices).is_err());
        let [Notice::Error(e)] = notices.as_slice() else {
            panic!("{notices:?}")
        };
        assert_eq!(e.to_string(), "--context `=x` is not KEY=VALUE");
        notices.clear();
        let input = QueryInput {
            context: vec!["aws:SourceIp=nope".into()],
            time: Some("yesterday".into()),
            ..input
        };
        assert!(load(&input, &mut notices).is_err());
        let [Notice::Warning(w), Notice::Error(e)] = notices.as_slice() else {
            panic!("{notices:?}")
        };
        assert_eq!(
            w.to_string(),
            "--context aws:SourceIp=nope: not a valid IPAddress value; conditions on it will not match"
        );
        assert_eq!(
            e.to_string(),
            "--time `yesterday` is not a date (ISO 8601 or epoch seconds)"
        );
    }
}
