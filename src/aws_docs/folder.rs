//! Bucket folders: one directory per bucket holding a manifest (`s3-access.json`) and the AWS
//! CLI outputs that describe the bucket, under fixed names; and account folders, holding the
//! owner account's Block Public Access settings and IAM authorization details.
//!
//! The layout is documented in `docs/bucket-folder.md`. Every file except the manifest is
//! optional, and the three states are kept apart:
//!
//! - the file is missing: the configuration is **unknown** ([`Setting::Unknown`]);
//! - the file holds `{}`: the configuration is **absent on AWS** ([`Setting::Absent`]), what
//!   the CLI reports with errors such as `NoSuchBucketPolicy`;
//! - otherwise: the configuration, read into its typed document ([`Setting::Present`]).
//!
//! An empty file is an error: the AWS CLI prints nothing when a command fails, so an empty
//! file cannot be told apart from a failed fetch.

use super::access_point::AccessPoint;
use super::account::AuthorizationDetails;
use super::acl::Acl;
use super::cloudtrail::EventSelectors;
use super::destination::DestinationPolicy;
use super::kms::{KeyAliases, KeyGrants, KeyMetadata, ObjectHead};
use super::multi_region::MultiRegionAccessPoint;
use super::object_lambda::{ObjectLambdaAccessPoint, ObjectLambdaConfiguration};
use super::read::{self, AwsDocument, Loaded, Reader, at, join};
use super::settings::{
    Cors, DestinationKind, Encryption, Location, Logging, Notifications, ObjectLock,
    ObjectOwnership, OwnershipControls, PolicyStatus, PublicAccessBlock, Versioning,
};
use super::vpce::VpcEndpoints;
use crate::contain::Root;
use crate::diagnostic::Finding;
use crate::json::{Kind, Value};
use crate::load::{FileKind, FileReport};
use crate::policy::Spanned;
use crate::registry::Code;
use crate::source::{SourceFile, Span};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The manifest's file name, in bucket and account folders.
pub const MANIFEST: &str = "s3-access.json";
/// The manifest format version this reader understands (the optional `s3-access` key).
pub const FORMAT_VERSION: u64 = 1;
/// The folder of access points inside a bucket folder.
pub const ACCESS_POINTS_DIR: &str = "access-points";
/// The folder of Multi-Region Access Points inside a bucket folder.
pub const MULTI_REGION_DIR: &str = "multi-region-access-points";
/// The folder of S3 Object Lambda access points inside a bucket folder.
pub const OBJECT_LAMBDA_DIR: &str = "object-lambda-access-points";

/// What a directory is by its manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FolderKind {
    /// A bucket folder: the manifest names a bucket.
    Bucket,
    /// An account folder: a manifest without a bucket.
    Account,
}

/// What `dir` is by its manifest (read within the size limit, with the strict reader); `None`
/// when it has no readable manifest. The one test of "is this a bucket or account folder".
pub fn folder_kind(dir: &Path) -> Option<FolderKind> {
    let bytes = crate::load::read_limited(&dir.join(MANIFEST)).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let root = crate::json::parse(&text).ok()?;
    Some(match root.get("bucket") {
        Some(_) => FolderKind::Bucket,
        None => FolderKind::Account,
    })
}

/// Whether `path` lies in a bucket or account folder (a manifest up to three levels up, as
/// for `access-points/NAME/policy.json`).
pub fn in_folder(path: &Path) -> bool {
    path.ancestors()
        .skip(1)
        .take(3)
        .any(|d| d.join(MANIFEST).is_file())
}

/// Loads a policy file; in a bucket or account folder, `{}` records that a configuration does
/// not exist on AWS (docs/bucket-folder.md): a recognised document, not a broken policy.
pub fn analyze_path(
    path: &Path,
    options: &crate::load::LoadOptions<'_>,
) -> Result<crate::load::Analysis, std::io::Error> {
    let mut analysis = crate::load::analyze_path(path, options)?;
    absent_in_folder(path, &mut analysis);
    Ok(analysis)
}

/// The bucket-folder reading of a loaded file: `{}` in a bucket or account folder records
/// that a configuration does not exist on AWS, not a broken policy.
pub fn absent_in_folder(path: &Path, analysis: &mut crate::load::Analysis) {
    let report = &mut analysis.report;
    if report.source.text().trim() == "{}" && in_folder(path) {
        report
            .findings
            .retain(|f| f.finding.code != Code::NotAPolicy);
        report.file_kind = FileKind::Other {
            what: "absent configuration (bucket folder)",
        };
    }
}

/// The fixed file names of a bucket folder.
pub mod names {
    /// `aws s3api get-bucket-policy` output, or the policy itself.
    pub const POLICY: &str = "policy.json";
    /// `aws s3api get-bucket-acl` output.
    pub const ACL: &str = "acl.json";
    /// `aws s3api get-bucket-ownership-controls` output.
    pub const OWNERSHIP_CONTROLS: &str = "ownership-controls.json";
    /// `aws s3api get-public-access-block` output (bucket level), or in an account folder
    /// `aws s3control get-public-access-block` output (account level).
    pub const PUBLIC_ACCESS_BLOCK: &str = "public-access-block.json";
    /// `aws s3api get-bucket-policy-status` output.
    pub const POLICY_STATUS: &str = "policy-status.json";
    /// `aws s3api get-bucket-encryption` output.
    pub const ENCRYPTION: &str = "encryption.json";
    /// `aws s3api get-bucket-versioning` output.
    pub const VERSIONING: &str = "versioning.json";
    /// `aws s3api get-bucket-logging` output.
    pub const LOGGING: &str = "logging.json";
    /// `aws s3api get-bucket-cors` output.
    pub const CORS: &str = "cors.json";
    /// `aws s3api get-object-lock-configuration` output.
    pub const OBJECT_LOCK: &str = "object-lock.json";
    /// `aws s3api get-bucket-notification-configuration` output.
    pub const NOTIFICATION: &str = "notification.json";
    /// `aws s3api get-bucket-location` output.
    pub const LOCATION: &str = "location.json";
    /// `aws ec2 describe-vpc-endpoints` output: the S3 VPC endpoints and their policies.
    pub const VPC_ENDPOINTS: &str = "vpc-endpoints.json";
    /// `aws s3control get-access-point` output, in `access-points/<name>/`.
    pub const ACCESS_POINT: &str = "access-point.json";
    /// `aws s3control get-multi-region-access-point` output, in
    /// `multi-region-access-points/<name>/` (beside `policy.json`, the
    /// `get-multi-region-access-point-policy` output).
    pub const MULTI_REGION_ACCESS_POINT: &str = "multi-region-access-point.json";
    /// `aws s3control get-access-point-configuration-for-object-lambda` output, in
    /// `object-lambda-access-points/<name>/` (beside `policy.json`, the
    /// `get-access-point-policy-for-object-lambda` output, and `object-lambda-access-point.json`).
    pub const OBJECT_LAMBDA_CONFIGURATION: &str = "configuration.json";
    /// `aws s3control get-access-point-for-object-lambda` output.
    pub const OBJECT_LAMBDA_ACCESS_POINT: &str = "object-lambda-access-point.json";
    /// `aws iam get-account-authorization-details` output, in an account folder.
    pub const AUTHORIZATION_DETAILS: &str = "authorization-details.json";
    /// The folder of `aws cloudtrail get-event-selectors` outputs (one `.json` per trail), in
    /// an account folder or a bucket folder.
    pub const TRAILS_DIR: &str = "trails";
    /// The folder of the KMS keys the bucket's objects use: `kms/<key-id>/key-policy.json`
    /// (`aws kms get-key-policy` output), `kms/<key-id>/describe-key.json`,
    /// `kms/<key-id>/grants.json` and `kms/<key-id>/aliases.json`.
    pub const KMS_DIR: &str = "kms";
    /// The folder of the event notification destinations' policies:
    /// `destinations/{sns,sqs,lambda}/<name>.json` ([`super::super::destination::file_of`]).
    pub const DESTINATIONS_DIR: &str = "destinations";

    /// Every file name of a bucket folder (besides the manifest).
    pub const BUCKET_FILES: &[&str] = &[
        POLICY,
        ACL,
        OWNERSHIP_CONTROLS,
        PUBLIC_ACCESS_BLOCK,
        POLICY_STATUS,
        ENCRYPTION,
        VERSIONING,
        LOGGING,
        CORS,
        OBJECT_LOCK,
        NOTIFICATION,
        LOCATION,
        VPC_ENDPOINTS,
    ];
}

/// What a folder says about one configuration.
#[derive(Debug, Clone)]
pub enum Setting<T> {
    /// The file is missing: nothing is known.
    Unknown,
    /// The file holds `{}`: the configuration does not exist on AWS.
    Absent {
        /// The file.
        source: SourceFile,
    },
    /// The configuration.
    Present(Loaded<T>),
}

impl<T> Setting<T> {
    /// The typed document, when present.
    pub fn doc(&self) -> Option<&T> {
        match self {
            Setting::Present(l) => Some(&l.doc),
            _ => None,
        }
    }

    /// The loaded file, when present.
    pub fn loaded(&self) -> Option<&Loaded<T>> {
        match self {
            Setting::Present(l) => Some(l),
            _ => None,
        }
    }

    /// Whether the folder does not say.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Setting::Unknown)
    }

    /// Whether the folder records that the configuration does not exist on AWS.
    pub fn is_absent(&self) -> bool {
        matches!(self, Setting::Absent { .. })
    }
}

/// A policy file (`policy.json`), kept as JSON for the caller to lower with
/// [`crate::load::analyze_value`]: a raw policy, or `get-bucket-policy` /
/// `get-access-point-policy` output (`{"Policy": "<policy as a string>"}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawPolicy {
    /// Whether the file is CLI output with the policy as a string under `Policy`.
    pub wrapped: bool,
}

impl AwsDocument for RawPolicy {
    const WHAT: &'static str = "policy";

    fn read(value: &Value, r: &mut Reader) -> Option<RawPolicy> {
        r.object(value, "")?;
        let wrapped = matches!(value.get("Policy").map(|p| &p.kind), Some(Kind::String(_)));
        Some(RawPolicy { wrapped })
    }
}

/// An object listed in the manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectRef {
    /// `key`: the object key.
    pub key: Spanned<String>,
    /// `acl`: the path of its `get-object-acl` output, relative to the bucket folder.
    pub acl: Option<Spanned<String>>,
    /// `owner_account`: the account that owns the object, if known.
    pub owner_account: Option<Spanned<String>>,
    /// `head`: the path of its `head-object` output (its encryption), relative to the bucket
    /// folder.
    pub head: Option<Spanned<String>>,
    /// The span of the entry.
    pub span: Span,
}

/// A bucket folder's manifest (`s3-access.json`).
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// `bucket`: the bucket name.
    pub bucket: Spanned<String>,
    /// `account`: the 12-digit id of the account that owns the bucket.
    pub account: Spanned<String>,
    /// `canonical_id`: the owner account's canonical user id (what ACLs name).
    pub canonical_id: Option<Spanned<String>>,
    /// `region`: the bucket's region.
    pub region: Option<Spanned<String>>,
    /// `account_dir`: the owner's account folder, relative to the bucket folder.
    pub account_dir: Option<Spanned<String>>,
    /// `objects`: objects whose ACLs and owners are recorded.
    pub objects: Vec<ObjectRef>,
    /// The span of the manifest object.
    pub span: Span,
}

/// An account folder's manifest (`s3-access.json`).
#[derive(Debug, Clone, PartialEq)]
pub struct AccountManifest {
    /// `account`: the 12-digit account id.
    pub account: Spanned<String>,
    /// `canonical_id`: the account's canonical user id.
    pub canonical_id: Option<Spanned<String>>,
    /// The span of the manifest object.
    pub span: Span,
}

const BUCKET_KEYS: &[&str] = &[
    "s3-access",
    "bucket",
    "account",
    "canonical_id",
    "region",
    "account_dir",
    "objects",
];
const ACCOUNT_KEYS: &[&str] = &["s3-access", "account", "canonical_id"];
const OBJECT_KEYS: &[&str] = &["key", "acl", "owner_account", "head"];

fn is_canonical_id(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn format_version(v: &Value, r: &mut Reader) {
    let Some(version) = v.get("s3-access") else {
        return;
    };
    if r.integer(version, "s3-access")
        .is_some_and(|n| n != FORMAT_VERSION)
    {
        r.error(
            version.span,
            format!(
                "this s3-access reads manifest format {FORMAT_VERSION}, found {}",
                crate::aws_docs::read::describe(version)
            ),
        );
    }
}

fn account_id(v: &Value, key: &str, path: &str, r: &mut Reader) -> Option<Spanned<String>> {
    let s = r.string(v, &join(path, key))?;
    if !crate::arn::is_account_id(&s.value) {
        r.error(
            s.span,
            format!(
                "`{}` must be a 12-digit AWS account id, found `{}`",
                join(path, key),
                s.value
            ),
        );
        return None;
    }
    Some(s)
}

fn canonical_id(v: &Value, r: &mut Reader) -> Option<Spanned<String>> {
    let s = r.string(v, "canonical_id")?;
    if !is_canonical_id(&s.value) {
        r.error_with_help(
            s.span,
            format!(
                "`canonical_id` must be 64 lowercase hexadecimal digits, found `{}`",
                s.value
            ),
            "`aws s3api list-buckets --query Owner.ID --output text` prints it",
        );
        return None;
    }
    Some(s)
}

fn non_empty(v: &Value, key: &str, path: &str, r: &mut Reader) -> Option<Spanned<String>> {
    let s = r.string(v, &join(path, key))?;
    if s.value.is_empty() {
        r.error(s.span, format!("`{}` must not be empty", join(path, key)));
        return None;
    }
    Some(s)
}

fn read_object_ref(v: &Value, path: &str, r: &mut Reader) -> Option<ObjectRef> {
    r.object(v, path)?;
    r.only_keys(v, OBJECT_KEYS, "object");
    let key = r
        .required(v, "key", path)
        .and_then(|k| r.string(k, &join(path, "key")));
    let acl = v.get("acl").and_then(|a| non_empty(a, "acl", path, r));
    let head = v.get("head").and_then(|a| non_empty(a, "head", path, r));
    let owner_account = v
        .get("owner_account")
        .and_then(|a| account_id(a, "owner_account", path, r));
    Some(ObjectRef {
        key: key?,
        acl,
        owner_account,
        head,
        span: v.span,
    })
}

impl AwsDocument for Manifest {
    const WHAT: &'static str = "s3-access bucket manifest";
    const CODE: Code = Code::BucketFolder;

    fn read(value: &Value, r: &mut Reader) -> Option<Manifest> {
        r.object(value, "")?;
        r.only_keys(value, BUCKET_KEYS, "manifest");
        let before = r.error_count();
        format_version(value, r);
        let bucket = r.required(value, "bucket", "").and_then(|b| {
            let s = non_empty(b, "bucket", "", r)?;
            if s.value.contains(['/', ' ', ':']) {
                r.error(
                    s.span,
                    format!("`bucket` must be a bucket name, found `{}`", s.value),
                );
            }
            Some(s)
        });
        let account = r
            .required(value, "account", "")
            .and_then(|a| account_id(a, "account", "", r));
        let canonical_id = value.get("canonical_id").and_then(|c| canonical_id(c, r));
        let region = value
            .get("region")
            .and_then(|v| non_empty(v, "region", "", r));
        let account_dir = value
            .get("account_dir")
            .and_then(|v| non_empty(v, "account_dir", "", r));
        let mut objects: Vec<ObjectRef> = Vec::new();
        if let Some(list) = value.get("objects") {
            for (i, item) in r.array(list, "objects").unwrap_or(&[]).iter().enumerate() {
                let Some(o) = read_object_ref(item, &at("objects", i), r) else {
                    continue;
                };
                if let Some(first) = objects.iter().find(|x| x.key.value == o.key.value) {
                    r.push(
                        Finding::new(
                            Code::BucketFolder,
                            o.key.span,
                            format!("object `{}` is listed twice", o.key.value),
                        )
                        .with_related(first.key.span, "first listed here"),
                    );
                }
                objects.push(o);
            }
        }
        if r.error_count() != before {
            return None;
        }
        Some(Manifest {
            bucket: bucket?,
            account: account?,
            canonical_id,
            region,
            account_dir,
            objects,
            span: value.span,
        })
    }
}

impl AwsDocument for AccountManifest {
    const WHAT: &'static str = "s3-access account manifest";
    const CODE: Code = Code::BucketFolder;

    fn read(value: &Value, r: &mut Reader) -> Option<AccountManifest> {
        r.object(value, "")?;
        r.only_keys(value, ACCOUNT_KEYS, "account manifest");
        let before = r.error_count();
        format_version(value, r);
        let account = r
            .required(value, "account", "")
            .and_then(|a| account_id(a, "account", "", r));
        let canonical_id = value.get("canonical_id").and_then(|c| canonical_id(c, r));
        if r.error_count() != before {
            return None;
        }
        Some(AccountManifest {
            account: account?,
            canonical_id,
            span: value.span,
        })
    }
}

/// An access point folder (`access-points/<name>/`).
#[derive(Debug, Clone)]
pub struct AccessPointFolder {
    /// The folder name, which must be the access point's name.
    pub name: String,
    /// `access-point.json`.
    pub access_point: Setting<AccessPoint>,
    /// `policy.json`: the access point policy.
    pub policy: Setting<RawPolicy>,
}

/// A Multi-Region Access Point folder (`multi-region-access-points/<name>/`).
#[derive(Debug, Clone)]
pub struct MultiRegionFolder {
    /// The folder name, which must be the Multi-Region Access Point's name.
    pub name: String,
    /// `multi-region-access-point.json`.
    pub access_point: Setting<MultiRegionAccessPoint>,
    /// `policy.json`: the Multi-Region Access Point policy.
    pub policy: Setting<RawPolicy>,
}

/// An S3 Object Lambda access point folder (`object-lambda-access-points/<name>/`).
#[derive(Debug, Clone)]
pub struct ObjectLambdaFolder {
    /// The folder name: the Object Lambda access point's name.
    pub name: String,
    /// `configuration.json`: its supporting access point and transformations.
    pub configuration: Setting<ObjectLambdaConfiguration>,
    /// `policy.json`: its policy.
    pub policy: Setting<RawPolicy>,
    /// `object-lambda-access-point.json`: its description (own Block Public Access).
    pub access_point: Setting<ObjectLambdaAccessPoint>,
}

/// An object listed in the manifest, with its ACL.
#[derive(Debug, Clone)]
pub struct ObjectEntry {
    /// The object key (span in the manifest).
    pub key: Spanned<String>,
    /// The owning account, if the manifest says.
    pub owner_account: Option<Spanned<String>>,
    /// The object ACL (unknown when the manifest names no file).
    pub acl: Setting<Acl>,
    /// The object's `head-object` output (unknown when the manifest names no file).
    pub head: Setting<ObjectHead>,
}

/// An account folder.
#[derive(Debug, Clone)]
pub struct AccountFolder {
    /// The directory.
    pub dir: PathBuf,
    /// `s3-access.json`.
    pub manifest: Loaded<AccountManifest>,
    /// `public-access-block.json`: the account-level Block Public Access settings.
    pub public_access_block: Setting<PublicAccessBlock>,
    /// `authorization-details.json`.
    pub authorization_details: Setting<AuthorizationDetails>,
    /// `trails/*.json`, one per trail in file-name order; `None` when there is no `trails`
    /// folder (unknown), empty when it is empty (the account has no trail).
    pub trails: Option<Vec<Loaded<EventSelectors>>>,
    /// Files and folders that are not part of the layout (ignored).
    pub unknown_files: Vec<PathBuf>,
}

/// A bucket folder, loaded.
#[derive(Debug, Clone)]
pub struct BucketFolder {
    /// The directory.
    pub dir: PathBuf,
    /// The tree it was loaded within (what else may be read for it).
    pub root: Root,
    /// `s3-access.json`.
    pub manifest: Loaded<Manifest>,
    /// `policy.json`.
    pub policy: Setting<RawPolicy>,
    /// `acl.json`.
    pub acl: Setting<Acl>,
    /// `ownership-controls.json`.
    pub ownership_controls: Setting<OwnershipControls>,
    /// `public-access-block.json` (bucket level).
    pub public_access_block: Setting<PublicAccessBlock>,
    /// `policy-status.json`.
    pub policy_status: Setting<PolicyStatus>,
    /// `encryption.json`.
    pub encryption: Setting<Encryption>,
    /// `versioning.json`.
    pub versioning: Setting<Versioning>,
    /// `logging.json`.
    pub logging: Setting<Logging>,
    /// `cors.json`.
    pub cors: Setting<Cors>,
    /// `object-lock.json`.
    pub object_lock: Setting<ObjectLock>,
    /// `notification.json`.
    pub notification: Setting<Notifications>,
    /// `location.json`.
    pub location: Setting<Location>,
    /// `vpc-endpoints.json`: the S3 VPC endpoints and their policies.
    pub vpc_endpoints: Setting<VpcEndpoints>,
    /// `access-points/<name>/`, sorted by name; `None` when there is no `access-points`
    /// folder (unknown), empty when the folder is empty (the bucket has no access points).
    pub access_points: Option<Vec<AccessPointFolder>>,
    /// `multi-region-access-points/<name>/`, sorted by name; `None` when there is no such
    /// folder (unknown), empty when it is empty (no Multi-Region Access Point routes to the
    /// bucket).
    pub multi_region_access_points: Option<Vec<MultiRegionFolder>>,
    /// `object-lambda-access-points/<name>/`, sorted by name; `None` when there is no such
    /// folder (unknown), empty when it is empty (no Object Lambda access point uses the
    /// bucket's access points).
    pub object_lambda_access_points: Option<Vec<ObjectLambdaFolder>>,
    /// The objects of the manifest, in manifest order.
    pub objects: Vec<ObjectEntry>,
    /// The owner's account folder, if the manifest names one.
    pub account: Option<AccountFolder>,
    /// `kms/<key-id>/`, sorted by key id: the KMS keys the bucket's objects use.
    pub kms_keys: Vec<KmsKeyFolder>,
    /// `destinations/{sns,sqs,lambda}/*.json`: the policies of the event notification
    /// destinations; `None` when there is no `destinations` folder (unknown).
    pub destinations: Option<Vec<DestinationFile>>,
    /// `trails/*.json`: event selectors of trails that may record this bucket's data events
    /// besides the account folder's (an organisation trail of the management account, say);
    /// `None` when there is no `trails` folder.
    pub trails: Option<Vec<Loaded<EventSelectors>>>,
    /// Files and folders that are not part of the layout (ignored).
    pub unknown_files: Vec<PathBuf>,
    /// Values the documents above depend on that are not known offline (a bucket read from
    /// infrastructure as code: a variable without a value, a data source); empty for a folder
    /// on disk. A verdict drawn from one is uncertain, never safe.
    pub unsettled: Vec<Unsettled>,
}

/// Which part of a bucket a value not known offline belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// The bucket policy (a value inside it, or the whole policy).
    Policy,
    /// A Deny statement of the bucket policy, left out because it may not apply (a Deny never
    /// makes a policy non-public, so only who can get in may change).
    PolicyDeny,
    /// The policy of the access point of this name.
    AccessPointPolicy(String),
    /// The bucket ACL (the setting is then unknown).
    Acl,
    /// A Block Public Access flag (bucket or account level), read as off.
    PublicAccessBlock,
    /// Object Ownership (the setting is then unknown).
    Ownership,
    /// The bucket name.
    Name,
    /// The access points: which ones the bucket has.
    AccessPoints,
}

/// A value a bucket's documents depend on that is not known offline.
#[derive(Debug, Clone)]
pub struct Unsettled {
    /// What it decides.
    pub part: Part,
    /// The expression as written (`var.reader`, `!Ref Principal`).
    pub expression: String,
    /// Why it is not known, in a few words.
    pub why: String,
    /// The file it is written in.
    pub source: SourceFile,
    /// Where.
    pub span: Span,
}

impl Unsettled {
    /// "`expr` at file:line:col is not known before apply (why)": what output says of it.
    pub fn describe(&self) -> String {
        let at = self.source.line_col(self.span.start);
        format!(
            "`{}` at {}:{}:{} is not known before apply ({})",
            self.expression,
            self.source.name(),
            at.line,
            at.column,
            self.why
        )
    }
}

/// The policy file of one event notification destination (`destinations/<service>/<name>.json`).
#[derive(Debug, Clone)]
pub struct DestinationFile {
    /// What the destination is (by its folder: `sns`, `sqs`, `lambda`).
    pub kind: DestinationKind,
    /// The file name without `.json`: the topic, queue or function name (with `.QUALIFIER`
    /// for a function version or alias).
    pub name: String,
    /// The policy: `{}` records that the destination has none.
    pub policy: Setting<DestinationPolicy>,
}

/// One KMS key of a bucket folder (`kms/<key-id>/`).
#[derive(Debug, Clone)]
pub struct KmsKeyFolder {
    /// The folder name: the key id.
    pub id: String,
    /// `describe-key.json`.
    pub describe: Setting<KeyMetadata>,
    /// `key-policy.json`.
    pub policy: Setting<RawPolicy>,
    /// `grants.json` (`aws kms list-grants` output), when fetched.
    pub grants: Setting<KeyGrants>,
    /// `aliases.json` (`aws kms list-aliases --key-id KEY` output), when fetched.
    pub aliases: Setting<KeyAliases>,
}

impl BucketFolder {
    /// The policy file of the notification destination `arn` of `kind`: `None` when the
    /// folder does not hold it (the destination is then not checked).
    pub fn destination(&self, kind: DestinationKind, arn: &str) -> Option<&DestinationFile> {
        let (_, name) = super::destination::file_of(kind, arn)?;
        self.destinations
            .as_ref()?
            .iter()
            .find(|d| d.kind == kind && d.name == name)
    }

    /// The bucket name.
    pub fn bucket(&self) -> &str {
        &self.manifest.doc.bucket.value
    }

    /// The owner account id.
    pub fn account_id(&self) -> &str {
        &self.manifest.doc.account.value
    }

    /// The Object Ownership setting in force: the recorded one; `ObjectWriter` when the
    /// folder records that the bucket has no ownership controls (how buckets without them
    /// behave); `None` when unknown.
    pub fn object_ownership(&self) -> Option<ObjectOwnership> {
        match &self.ownership_controls {
            Setting::Present(l) => Some(l.doc.ownership),
            Setting::Absent { .. } => Some(ObjectOwnership::ObjectWriter),
            Setting::Unknown => None,
        }
    }

    /// The region: from `location.json`, else from the manifest.
    pub fn region(&self) -> Option<&str> {
        self.location.doc().map(|l| l.region.as_str()).or(self
            .manifest
            .doc
            .region
            .as_ref()
            .map(|r| r.value.as_str()))
    }
}

/// Whether `{}` may stand for "absent on AWS" in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Empty {
    /// `{}` means the configuration does not exist.
    MeansAbsent,
    /// The configuration always exists; `{}` is an error naming it.
    Never(&'static str),
}

/// Loads files and collects the reports of failed ones; a file outside `root` (a fixed name
/// that is a symbolic link out of the tree) is refused, not read.
struct Loader<'r> {
    errors: Vec<FileReport>,
    root: &'r Root,
}

impl Loader<'_> {
    fn fail(&mut self, report: FileReport) {
        if let Some(existing) = self
            .errors
            .iter_mut()
            .find(|e| e.source.same(&report.source))
        {
            existing.findings.extend(report.findings);
            existing
                .findings
                .sort_by_key(|f| (f.finding.span.start, f.finding.span.end));
        } else {
            self.errors.push(report);
        }
    }

    /// Records a consistency error in a loaded file.
    fn flag<T: AwsDocument>(&mut self, loaded: &Loaded<T>, finding: Finding) {
        self.fail(read::report(
            &loaded.source,
            FileKind::Other { what: T::WHAT },
            vec![finding],
            Some(&loaded.root),
        ));
    }

    /// The `.json` files of a `trails` folder, each a trail's event selectors; `None` when the
    /// folder does not exist.
    fn trails(&mut self, dir: &Path) -> Option<Vec<Loaded<EventSelectors>>> {
        if !dir.is_dir() {
            return None;
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|e| e == "json"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        let trails = files
            .iter()
            .filter_map(|f| {
                match self
                    .setting::<EventSelectors>(f, Empty::Never("a trail always has selectors"))
                {
                    Setting::Present(t) => Some(t),
                    Setting::Absent { .. } | Setting::Unknown => None,
                }
            })
            .collect();
        Some(trails)
    }

    fn setting<T: AwsDocument>(&mut self, path: &Path, empty: Empty) -> Setting<T> {
        if !path.exists() {
            return Setting::Unknown;
        }
        if !self.root.contains(path) {
            let source = SourceFile::new(path.display().to_string(), "");
            let refused = crate::contain::Refused {
                written: path.display().to_string(),
                why: crate::contain::Refusal::Outside,
            };
            self.fail(read::report(
                &source,
                FileKind::Unknown,
                vec![refused.finding(Span::default())],
                None,
            ));
            return Setting::Unknown;
        }
        if path.is_dir() {
            let source = SourceFile::new(path.display().to_string(), "");
            self.fail(read::report(
                &source,
                FileKind::Unknown,
                vec![Finding::new(
                    Code::BucketFolder,
                    Span::default(),
                    "this is a folder, where the layout has a JSON file",
                )],
                None,
            ));
            return Setting::Unknown;
        }
        let source = match read::load_text(path, Code::BucketFolder) {
            Ok(s) => s,
            Err(report) => {
                self.fail(report);
                return Setting::Unknown;
            }
        };
        let (root, findings) = match read::parse_source(&source) {
            Ok(parsed) => parsed,
            Err(findings) => {
                self.fail(read::report(&source, FileKind::Unknown, findings, None));
                return Setting::Unknown;
            }
        };
        if root.as_object().is_some_and(<[_]>::is_empty) {
            return match empty {
                Empty::MeansAbsent => Setting::Absent { source },
                Empty::Never(what) => {
                    let f = Finding::new(
                        Code::BucketFolder,
                        root.span,
                        format!("`{{}}` records a configuration that is absent on AWS, but {what}"),
                    )
                    .with_help("delete the file if the configuration is unknown");
                    self.fail(read::report(
                        &source,
                        FileKind::Other { what: T::WHAT },
                        vec![f],
                        Some(&root),
                    ));
                    Setting::Unknown
                }
            };
        }
        match read::read_value::<T>(&source, root, findings) {
            Ok(loaded) => Setting::Present(loaded),
            Err(report) => {
                self.fail(report);
                Setting::Unknown
            }
        }
    }

    fn manifest<T: AwsDocument>(&mut self, dir: &Path) -> Option<Loaded<T>> {
        let path = dir.join(MANIFEST);
        if !path.is_file() {
            let source = SourceFile::new(path.display().to_string(), "");
            self.fail(read::report(
                &source,
                FileKind::Unknown,
                vec![
                    Finding::new(
                        Code::BucketFolder,
                        Span::default(),
                        format!("`{}` has no manifest `{MANIFEST}`", dir.display()),
                    )
                    .with_help("see docs/bucket-folder.md; scripts/fetch-bucket.sh writes one"),
                ],
                None,
            ));
            return None;
        }
        match self.setting::<T>(&path, Empty::Never("a manifest needs at least `account`")) {
            Setting::Present(l) => Some(l),
            _ => None,
        }
    }
}

/// The entries of `dir` that are not in `known` (dot files are skipped), sorted.
fn unknown_entries(dir: &Path, known: &BTreeSet<String>) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            !name.starts_with('.') && !known.contains(&name)
        })
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

/// The first component of a relative path that stays inside its folder, e.g. `objects` for
/// `objects/a.acl.json`; `None` for paths that leave it.
fn first_component(path: &str) -> Option<String> {
    let mut parts = Path::new(path).components();
    match parts.next()? {
        std::path::Component::Normal(c) => Some(c.to_string_lossy().into_owned()),
        _ => None,
    }
}

/// Loads an account folder (`s3-access.json`, `public-access-block.json`,
/// `authorization-details.json`). Every file except the manifest is optional.
pub fn load_account(dir: &Path, root: &Root) -> Result<AccountFolder, Vec<FileReport>> {
    let mut l = Loader {
        errors: Vec::new(),
        root,
    };
    let manifest = l.manifest::<AccountManifest>(dir);
    let public_access_block =
        l.setting::<PublicAccessBlock>(&dir.join(names::PUBLIC_ACCESS_BLOCK), Empty::MeansAbsent);
    let authorization_details = l.setting::<AuthorizationDetails>(
        &dir.join(names::AUTHORIZATION_DETAILS),
        Empty::Never("every account has IAM authorization details"),
    );
    let trails = l.trails(&dir.join(names::TRAILS_DIR));
    let Some(manifest) = manifest else {
        return Err(l.errors);
    };
    if let Setting::Present(details) = &authorization_details {
        let account = &manifest.doc.account.value;
        for arn in details.doc.principal_arns() {
            let other = crate::arn::parse(&arn.value)
                .ok()
                .map(|a| a.account.to_string())
                .filter(|a| a != account);
            if let Some(other) = other {
                l.flag(
                    details,
                    Finding::new(
                        Code::BucketFolder,
                        arn.span,
                        format!(
                            "this principal is in account {other}, but the account folder is for {account}"
                        ),
                    ),
                );
            }
        }
    }
    let known: BTreeSet<String> = [
        MANIFEST,
        names::PUBLIC_ACCESS_BLOCK,
        names::AUTHORIZATION_DETAILS,
        names::TRAILS_DIR,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if !l.errors.is_empty() {
        return Err(l.errors);
    }
    Ok(AccountFolder {
        dir: dir.to_path_buf(),
        manifest,
        public_access_block,
        authorization_details,
        trails,
        unknown_files: unknown_entries(dir, &known),
    })
}

fn load_access_points(
    dir: &Path,
    manifest: &Loaded<Manifest>,
    l: &mut Loader<'_>,
    unknown: &mut Vec<PathBuf>,
) -> Option<Vec<AccessPointFolder>> {
    let mut out = Vec::new();
    for (name, sub) in subfolders(&dir.join(ACCESS_POINTS_DIR), unknown)? {
        let (access_point, policy) = read_access_point(&sub, &mut *l, unknown);
        if let Setting::Present(ap) = &access_point {
            let m = &manifest.doc;
            if ap.doc.name.value != name {
                l.flag(
                    ap,
                    Finding::new(
                        Code::BucketFolder,
                        ap.doc.name.span,
                        format!(
                            "the access point is `{}`, but its folder is `{name}`",
                            ap.doc.name.value
                        ),
                    ),
                );
            }
            if ap.doc.bucket.value != m.bucket.value {
                l.flag(
                    ap,
                    Finding::new(
                        Code::BucketFolder,
                        ap.doc.bucket.span,
                        format!(
                            "the access point is on bucket `{}`, but this folder is for `{}`",
                            ap.doc.bucket.value, m.bucket.value
                        ),
                    ),
                );
            }
            if let Some(b) = &ap.doc.bucket_account
                && b.value != m.account.value
            {
                l.flag(
                    ap,
                    Finding::new(
                        Code::BucketFolder,
                        b.span,
                        format!(
                            "the bucket account is {}, but the manifest says {}",
                            b.value, m.account.value
                        ),
                    ),
                );
            }
        }
        out.push(AccessPointFolder {
            name,
            access_point,
            policy,
        });
    }
    Some(out)
}

/// The subfolders of `root` by name, sorted, skipping hidden entries; other files go to
/// `unknown`. `None` when `root` is not a folder (unknown).
fn subfolders(root: &Path, unknown: &mut Vec<PathBuf>) -> Option<Vec<(String, PathBuf)>> {
    if !root.is_dir() {
        return None;
    }
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    subdirs.sort();
    let mut out = Vec::new();
    for sub in subdirs {
        let name = sub
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if sub.is_dir() {
            out.push((name, sub));
        } else {
            unknown.push(sub);
        }
    }
    Some(out)
}

/// Loads `multi-region-access-points/<name>/`: each description must name its folder and
/// route to this bucket, in the manifest's account.
fn load_multi_region(
    dir: &Path,
    manifest: &Loaded<Manifest>,
    l: &mut Loader<'_>,
    unknown: &mut Vec<PathBuf>,
) -> Option<Vec<MultiRegionFolder>> {
    let mut out = Vec::new();
    for (name, sub) in subfolders(&dir.join(MULTI_REGION_DIR), unknown)? {
        let access_point = l.setting::<MultiRegionAccessPoint>(
            &sub.join(names::MULTI_REGION_ACCESS_POINT),
            Empty::Never("a Multi-Region Access Point always has a description"),
        );
        let policy = l.setting::<RawPolicy>(&sub.join(names::POLICY), Empty::MeansAbsent);
        let known: BTreeSet<String> = [names::MULTI_REGION_ACCESS_POINT, names::POLICY]
            .iter()
            .map(|s| s.to_string())
            .collect();
        unknown.extend(unknown_entries(&sub, &known));
        match &access_point {
            Setting::Present(ap) => check_multi_region(ap, &name, &manifest.doc, l),
            // Without its description its alias is unknown, so requests through it could not
            // be told apart: the folder is refused rather than the route left out.
            _ if !sub.join(names::MULTI_REGION_ACCESS_POINT).exists() => {
                let path = sub.join(names::MULTI_REGION_ACCESS_POINT);
                let source = SourceFile::new(path.display().to_string(), String::new());
                let finding = Finding::new(
                    Code::BucketFolder,
                    Span::new(0, 0),
                    format!(
                        "`{}` is missing: a Multi-Region Access Point folder needs the output of `aws s3control get-multi-region-access-point`",
                        path.display()
                    ),
                );
                l.fail(read::report(
                    &source,
                    FileKind::Unknown,
                    vec![finding],
                    None,
                ));
            }
            _ => {}
        }
        out.push(MultiRegionFolder {
            name,
            access_point,
            policy,
        });
    }
    Some(out)
}

/// Loads `object-lambda-access-points/<name>/`: a configuration is required (without it the
/// supporting access point is not known), and the description must name its folder.
fn load_object_lambda(
    dir: &Path,
    l: &mut Loader<'_>,
    unknown: &mut Vec<PathBuf>,
) -> Option<Vec<ObjectLambdaFolder>> {
    let mut out = Vec::new();
    for (name, sub) in subfolders(&dir.join(OBJECT_LAMBDA_DIR), unknown)? {
        let config_path = sub.join(names::OBJECT_LAMBDA_CONFIGURATION);
        let configuration = l.setting::<ObjectLambdaConfiguration>(
            &config_path,
            Empty::Never("an Object Lambda access point always has a configuration"),
        );
        let policy = l.setting::<RawPolicy>(&sub.join(names::POLICY), Empty::MeansAbsent);
        let access_point = l.setting::<ObjectLambdaAccessPoint>(
            &sub.join(names::OBJECT_LAMBDA_ACCESS_POINT),
            Empty::Never("an Object Lambda access point always has a description"),
        );
        let known: BTreeSet<String> = [
            names::OBJECT_LAMBDA_CONFIGURATION,
            names::POLICY,
            names::OBJECT_LAMBDA_ACCESS_POINT,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        unknown.extend(unknown_entries(&sub, &known));
        if let Setting::Present(d) = &access_point
            && d.doc.name.value != name
        {
            let message = format!(
                "the Object Lambda access point is `{}`, but its folder is `{name}`",
                d.doc.name.value
            );
            l.flag(
                d,
                Finding::new(Code::BucketFolder, d.doc.name.span, message),
            );
        }
        if !config_path.exists() {
            // Without its configuration the supporting access point is not known: the folder
            // is refused rather than the route left out.
            let source = SourceFile::new(config_path.display().to_string(), String::new());
            let finding = Finding::new(
                Code::BucketFolder,
                Span::new(0, 0),
                format!(
                    "`{}` is missing: an Object Lambda access point folder needs the output of `aws s3control get-access-point-configuration-for-object-lambda`",
                    config_path.display()
                ),
            );
            l.fail(read::report(
                &source,
                FileKind::Unknown,
                vec![finding],
                None,
            ));
        }
        out.push(ObjectLambdaFolder {
            name,
            configuration,
            policy,
            access_point,
        });
    }
    Some(out)
}

/// Flags a Multi-Region Access Point description that does not fit its folder: another name,
/// no route to this bucket, or this bucket under another account.
fn check_multi_region(
    ap: &Loaded<MultiRegionAccessPoint>,
    folder: &str,
    m: &Manifest,
    l: &mut Loader<'_>,
) {
    let d = &ap.doc;
    if d.name.value != folder {
        let message = format!(
            "the Multi-Region Access Point is `{}`, but its folder is `{folder}`",
            d.name.value
        );
        l.flag(ap, Finding::new(Code::BucketFolder, d.name.span, message));
    }
    match d.regions.iter().find(|r| r.bucket.value == m.bucket.value) {
        None => {
            let message = format!(
                "the Multi-Region Access Point does not route to bucket `{}`, which this folder is for",
                m.bucket.value
            );
            l.flag(
                ap,
                Finding::new(Code::BucketFolder, read::head(d.span), message),
            );
        }
        Some(r) => {
            if let Some(b) = &r.bucket_account
                && b.value != m.account.value
            {
                let message = format!(
                    "the bucket account is {}, but the manifest says {}",
                    b.value, m.account.value
                );
                l.flag(ap, Finding::new(Code::BucketFolder, b.span, message));
            }
        }
    }
}

/// Reads `access-point.json` and `policy.json` of an access point folder.
fn read_access_point(
    dir: &Path,
    l: &mut Loader<'_>,
    unknown: &mut Vec<PathBuf>,
) -> (Setting<AccessPoint>, Setting<RawPolicy>) {
    let access_point = l.setting::<AccessPoint>(
        &dir.join(names::ACCESS_POINT),
        Empty::Never("an access point always has a description"),
    );
    let policy = l.setting::<RawPolicy>(&dir.join(names::POLICY), Empty::MeansAbsent);
    let known: BTreeSet<String> = [names::ACCESS_POINT, names::POLICY]
        .iter()
        .map(|s| s.to_string())
        .collect();
    unknown.extend(unknown_entries(dir, &known));
    (access_point, policy)
}

/// Loads one access point folder on its own (`access-point.json`, `policy.json`), for
/// `query --access-point DIR`; its description is required.
pub fn load_access_point(dir: &Path, root: &Root) -> Result<AccessPointFolder, Vec<FileReport>> {
    let mut l = Loader {
        errors: Vec::new(),
        root,
    };
    let mut unknown = Vec::new();
    let (access_point, policy) = read_access_point(dir, &mut l, &mut unknown);
    if !l.errors.is_empty() {
        return Err(l.errors);
    }
    let name = match &access_point {
        Setting::Present(ap) => ap.doc.name.value.clone(),
        _ => {
            let path = dir.join(names::ACCESS_POINT);
            let source = SourceFile::new(path.display().to_string(), String::new());
            let finding = Finding::new(
                Code::BucketFolder,
                Span::new(0, 0),
                format!(
                    "`{}` is missing: an access point folder needs the output of `aws s3control get-access-point`",
                    path.display()
                ),
            );
            return Err(vec![read::report(
                &source,
                FileKind::Unknown,
                vec![finding],
                None,
            )]);
        }
    };
    Ok(AccessPointFolder {
        name,
        access_point,
        policy,
    })
}

// rule: E010
/// Loads a bucket folder: the manifest (required), every CLI output present under its fixed
/// name, the access points, the object ACLs the manifest lists and the account folder it
/// names. Returns every file with an error (shape errors, files that contradict the
/// manifest, paths that lead outside `root`) when there is one.
pub fn load_bucket(dir: &Path, root: &Root) -> Result<BucketFolder, Vec<FileReport>> {
    let mut l = Loader {
        errors: Vec::new(),
        root,
    };
    let Some(manifest) = l.manifest::<Manifest>(dir) else {
        return Err(l.errors);
    };
    let file = |name: &str| dir.join(name);
    let policy = l.setting::<RawPolicy>(&file(names::POLICY), Empty::MeansAbsent);
    let acl = l.setting::<Acl>(&file(names::ACL), Empty::Never("every bucket has an ACL"));
    let ownership_controls =
        l.setting::<OwnershipControls>(&file(names::OWNERSHIP_CONTROLS), Empty::MeansAbsent);
    let public_access_block =
        l.setting::<PublicAccessBlock>(&file(names::PUBLIC_ACCESS_BLOCK), Empty::MeansAbsent);
    let policy_status = l.setting::<PolicyStatus>(&file(names::POLICY_STATUS), Empty::MeansAbsent);
    let encryption = l.setting::<Encryption>(&file(names::ENCRYPTION), Empty::MeansAbsent);
    let versioning = l.setting::<Versioning>(&file(names::VERSIONING), Empty::MeansAbsent);
    let logging = l.setting::<Logging>(&file(names::LOGGING), Empty::MeansAbsent);
    let cors = l.setting::<Cors>(&file(names::CORS), Empty::MeansAbsent);
    let object_lock = l.setting::<ObjectLock>(&file(names::OBJECT_LOCK), Empty::MeansAbsent);
    let notification = l.setting::<Notifications>(&file(names::NOTIFICATION), Empty::MeansAbsent);
    let location = l.setting::<Location>(
        &file(names::LOCATION),
        Empty::Never("every bucket has a location"),
    );
    let vpc_endpoints = l.setting::<VpcEndpoints>(&file(names::VPC_ENDPOINTS), Empty::MeansAbsent);
    let m = &manifest.doc;

    if let (Setting::Present(a), Some(expected)) = (&acl, &m.canonical_id)
        && let Some(owner) = &a.doc.owner
        && owner.id != expected.value
    {
        l.flag(
            a,
            Finding::new(
                Code::BucketFolder,
                owner.span,
                format!(
                    "the ACL's owner is `{}`, but the manifest's canonical id is `{}`",
                    owner.id, expected.value
                ),
            )
            .with_help("the bucket ACL's owner is the bucket owner; is this another bucket's ACL?"),
        );
    }
    if let (Setting::Present(loc), Some(region)) = (&location, &m.region)
        && loc.doc.region != region.value
    {
        l.flag(
            loc,
            Finding::new(
                Code::BucketFolder,
                loc.doc.span,
                format!(
                    "the bucket is in {}, but the manifest's region is {}",
                    loc.doc.region, region.value
                ),
            ),
        );
    }

    let mut unknown = Vec::new();
    let access_points = load_access_points(dir, &manifest, &mut l, &mut unknown);
    let multi_region_access_points = load_multi_region(dir, &manifest, &mut l, &mut unknown);
    let object_lambda_access_points = load_object_lambda(dir, &mut l, &mut unknown);

    let mut known: BTreeSet<String> = names::BUCKET_FILES.iter().map(|s| s.to_string()).collect();
    known.insert(MANIFEST.to_string());
    known.insert(ACCESS_POINTS_DIR.to_string());
    known.insert(MULTI_REGION_DIR.to_string());
    known.insert(OBJECT_LAMBDA_DIR.to_string());
    known.insert(names::KMS_DIR.to_string());
    known.insert(names::DESTINATIONS_DIR.to_string());
    known.insert(names::TRAILS_DIR.to_string());

    let mut manifest_findings = Vec::new();
    let objects = load_objects(dir, m, &mut l, &mut known, &mut manifest_findings);
    let kms_keys = load_kms_keys(dir, &mut l, &mut unknown);
    let destinations = load_destinations(dir, &mut l, &mut unknown);
    let trails = l.trails(&dir.join(names::TRAILS_DIR));
    let account = load_account_dir(dir, &manifest, &mut l, &mut known, &mut manifest_findings);
    for f in manifest_findings {
        l.flag(&manifest, f);
    }
    unknown.extend(unknown_entries(dir, &known));
    unknown.sort();
    if !l.errors.is_empty() {
        return Err(l.errors);
    }
    Ok(BucketFolder {
        dir: dir.to_path_buf(),
        root: root.clone(),
        manifest,
        policy,
        acl,
        ownership_controls,
        public_access_block,
        policy_status,
        encryption,
        versioning,
        logging,
        cors,
        object_lock,
        notification,
        location,
        vpc_endpoints,
        access_points,
        multi_region_access_points,
        object_lambda_access_points,
        objects,
        account,
        kms_keys,
        destinations,
        trails,
        unknown_files: unknown,
        unsettled: Vec::new(),
    })
}

/// The service folders of `destinations/` and the destination kind each holds.
const DESTINATION_DIRS: &[(&str, DestinationKind)] = &[
    ("sns", DestinationKind::Topic),
    ("sqs", DestinationKind::Queue),
    ("lambda", DestinationKind::LambdaFunction),
];

/// The policy files under `destinations/`, by service folder then name; `None` when the
/// folder does not exist. A file whose own ARN (`TopicArn`, `QueueArn`) is not the one its
/// place says is a consistency error: it would be judged as another destination's policy.
fn load_destinations(
    dir: &Path,
    l: &mut Loader<'_>,
    unknown: &mut Vec<PathBuf>,
) -> Option<Vec<DestinationFile>> {
    let root = dir.join(names::DESTINATIONS_DIR);
    if !root.is_dir() {
        return None;
    }
    let known: BTreeSet<String> = DESTINATION_DIRS
        .iter()
        .map(|(d, _)| d.to_string())
        .collect();
    unknown.extend(unknown_entries(&root, &known));
    let mut out = Vec::new();
    for (sub, kind) in DESTINATION_DIRS {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(sub))
            .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        for file in files {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let Some(stem) = name.strip_suffix(".json").filter(|_| file.is_file()) else {
                if !name.starts_with('.') {
                    unknown.push(file);
                }
                continue;
            };
            let policy = l.setting::<DestinationPolicy>(&file, Empty::MeansAbsent);
            if let Setting::Present(p) = &policy
                && let Some(arn) = &p.doc.arn
                && super::destination::file_of(*kind, &arn.value)
                    .is_none_or(|(s, n)| s != *sub || n != stem)
            {
                l.flag(
                    p,
                    Finding::new(
                        Code::BucketFolder,
                        arn.span,
                        format!("this is the policy of `{}`, but its place `{sub}/{name}` is for another destination", arn.value),
                    )
                    .with_help("name the file after the destination: destinations/sns/TOPIC.json, destinations/sqs/QUEUE.json, destinations/lambda/FUNCTION.json"),
                );
            }
            out.push(DestinationFile {
                kind: *kind,
                name: stem.to_string(),
                policy,
            });
        }
    }
    Some(out)
}

/// The key folders under `kms/`, sorted by name; files there are not part of the layout.
fn load_kms_keys(dir: &Path, l: &mut Loader<'_>, unknown: &mut Vec<PathBuf>) -> Vec<KmsKeyFolder> {
    let kms = dir.join(names::KMS_DIR);
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(&kms)
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    subdirs.sort();
    let mut out = Vec::new();
    for sub in subdirs {
        let id = sub
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if id.starts_with('.') {
            continue;
        }
        if !sub.is_dir() {
            unknown.push(sub);
            continue;
        }
        out.push(KmsKeyFolder {
            describe: l.setting::<KeyMetadata>(
                &sub.join("describe-key.json"),
                Empty::Never("describe-key always describes the key"),
            ),
            policy: l.setting::<RawPolicy>(
                &sub.join("key-policy.json"),
                Empty::Never("every KMS key has a key policy"),
            ),
            grants: l.setting::<KeyGrants>(
                &sub.join("grants.json"),
                Empty::Never("list-grants always prints `Grants`"),
            ),
            aliases: l.setting::<KeyAliases>(
                &sub.join("aliases.json"),
                Empty::Never("list-aliases always prints `Aliases`"),
            ),
            id,
        });
    }
    out
}

/// The objects the manifest lists, with their ACLs: each ACL path resolved within the root
/// ([`Root::resolve`]); a refused or missing one is a finding at the path in the manifest.
fn load_objects(
    dir: &Path,
    m: &Manifest,
    l: &mut Loader<'_>,
    known: &mut BTreeSet<String>,
    manifest_findings: &mut Vec<Finding>,
) -> Vec<ObjectEntry> {
    let mut objects = Vec::new();
    for o in &m.objects {
        let mut file = |rel: &Option<Spanned<String>>, what: &str| {
            let rel = rel.as_ref()?;
            if let Some(c) = first_component(&rel.value) {
                known.insert(c);
            }
            match l.root.resolve(dir, &rel.value) {
                Err(refused) => {
                    manifest_findings.push(refused.finding(rel.span));
                    None
                }
                Ok(path) if path.exists() => Some(path),
                Ok(_) => {
                    manifest_findings.push(Finding::new(
                        Code::BucketFolder,
                        rel.span,
                        format!("the {what} file `{}` does not exist", rel.value),
                    ));
                    None
                }
            }
        };
        let acl_path = file(&o.acl, "object ACL");
        let head_path = file(&o.head, "head-object");
        let acl = acl_path.map_or(Setting::Unknown, |p| {
            l.setting::<Acl>(&p, Empty::Never("every object has an ACL"))
        });
        let head = head_path.map_or(Setting::Unknown, |p| {
            l.setting::<ObjectHead>(&p, Empty::Never("head-object always prints metadata"))
        });
        objects.push(ObjectEntry {
            key: o.key.clone(),
            owner_account: o.owner_account.clone(),
            acl,
            head,
        });
    }
    objects
}

/// The owner's account folder the manifest names, resolved within the root; a refused or
/// missing one is a finding at `account_dir` in the manifest.
fn load_account_dir(
    dir: &Path,
    manifest: &Loaded<Manifest>,
    l: &mut Loader<'_>,
    known: &mut BTreeSet<String>,
    manifest_findings: &mut Vec<Finding>,
) -> Option<AccountFolder> {
    let root = l.root;
    let m = &manifest.doc;
    let mut account = None;
    if let Some(rel) = &m.account_dir {
        if let Some(c) = first_component(&rel.value) {
            known.insert(c);
        }
        match root.resolve(dir, &rel.value) {
            Err(refused) => manifest_findings.push(refused.finding(rel.span)),
            Ok(path) if !path.is_dir() => manifest_findings.push(Finding::new(
                Code::BucketFolder,
                rel.span,
                format!("the account folder `{}` does not exist", rel.value),
            )),
            Ok(path) => match load_account(&path, root) {
                Ok(a) => {
                    check_account(manifest, &a, l);
                    account = Some(a);
                }
                Err(reports) => reports.into_iter().for_each(|r| l.fail(r)),
            },
        }
    }
    account
}

fn check_account(manifest: &Loaded<Manifest>, account: &AccountFolder, l: &mut Loader) {
    let m = &manifest.doc;
    let a = &account.manifest.doc;
    if a.account.value != m.account.value {
        l.flag(
            &account.manifest,
            Finding::new(
                Code::BucketFolder,
                a.account.span,
                format!(
                    "this account folder is for {}, but bucket `{}` belongs to {}",
                    a.account.value, m.bucket.value, m.account.value
                ),
            ),
        );
    }
    if let (Some(x), Some(y)) = (&a.canonical_id, &m.canonical_id)
        && x.value != y.value
    {
        l.flag(
            &account.manifest,
            Finding::new(
                Code::BucketFolder,
                x.span,
                format!(
                    "the account's canonical id differs from the bucket manifest's `{}`",
                    y.value
                ),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws_docs::read::read_str;

    #[test]
    fn manifests_reject_unknown_keys_with_a_suggestion() {
        let err = read_str::<Manifest>(
            "s3-access.json",
            r#"{"bucket": "b", "account": "111122223333", "regoin": "eu-west-1"}"#,
        )
        .unwrap_err();
        let f = &err.findings[0];
        assert_eq!(f.finding.code, Code::BucketFolder);
        assert_eq!(f.finding.message, "unknown manifest key `regoin`");
        assert_eq!(f.finding.help.as_deref(), Some("did you mean `region`?"));
        assert_eq!((f.start.line, f.start.column), (1, 44));
    }

    #[test]
    fn manifests_check_ids_and_duplicate_objects() {
        let err = read_str::<Manifest>(
            "s3-access.json",
            r#"{"s3-access": 2, "bucket": "b", "account": "1111", "canonical_id": "ABC",
                "objects": [{"key": "a"}, {"key": "a", "owner": "x"}]}"#,
        )
        .unwrap_err();
        let messages: Vec<&str> = err
            .findings
            .iter()
            .map(|f| f.finding.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "this s3-access reads manifest format 1, found the number `2`",
                "`account` must be a 12-digit AWS account id, found `1111`",
                "`canonical_id` must be 64 lowercase hexadecimal digits, found `ABC`",
                "object `a` is listed twice",
                "unknown object key `owner`",
            ]
        );
    }

    #[test]
    fn first_components_stay_inside_the_folder() {
        assert_eq!(
            first_component("objects/a.acl.json").as_deref(),
            Some("objects")
        );
        assert_eq!(first_component("../account"), None);
        assert_eq!(first_component("account").as_deref(), Some("account"));
    }
}
