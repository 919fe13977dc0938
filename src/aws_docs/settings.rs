//! Bucket and account settings as the AWS CLI prints them: Block Public Access, Object
//! Ownership, default encryption, versioning (and MFA Delete), server access logging, CORS,
//! Object Lock, event notifications, location and policy status.
//!
//! Each reader accepts the output of the `aws s3api get-*` command named on the type (and,
//! where the CLI's input and output differ only by a wrapper, the input form too). Every
//! struct keeps the span of the value it came from, so later findings can point at it.

use super::acl::{self, Grant};
use super::read::{self, AwsDocument, Reader, at, join};
use crate::json::{Kind, Value};
use crate::policy::Spanned;
use crate::source::Span;

/// A Block Public Access configuration (bucket, account or access point level).
///
/// Read from `aws s3api get-public-access-block` and `aws s3control get-public-access-block`
/// output (`{"PublicAccessBlockConfiguration": {...}}`) or the bare configuration. A missing
/// flag is `false`, as in the S3 API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PublicAccessBlock {
    /// Reject PUTs of public ACLs.
    pub block_public_acls: bool,
    /// Ignore public grants of ACLs at request time.
    pub ignore_public_acls: bool,
    /// Reject PUTs of public bucket and access point policies.
    pub block_public_policy: bool,
    /// Restrict a public policy's grants to AWS services and the owner account.
    pub restrict_public_buckets: bool,
    /// The span of the configuration object (`Span::default()` when not read from a file).
    pub span: Span,
}

impl PublicAccessBlock {
    /// All four flags on (the default for new buckets since April 2023).
    pub fn all_on() -> PublicAccessBlock {
        PublicAccessBlock {
            block_public_acls: true,
            ignore_public_acls: true,
            block_public_policy: true,
            restrict_public_buckets: true,
            span: Span::default(),
        }
    }

    /// Whether all four flags are on.
    pub fn is_all_on(&self) -> bool {
        self.block_public_acls
            && self.ignore_public_acls
            && self.block_public_policy
            && self.restrict_public_buckets
    }

    /// The flag-wise OR of two levels (the effective setting: the most restrictive wins). The
    /// result keeps the span of `self`.
    pub fn union(&self, other: &PublicAccessBlock) -> PublicAccessBlock {
        PublicAccessBlock {
            block_public_acls: self.block_public_acls || other.block_public_acls,
            ignore_public_acls: self.ignore_public_acls || other.ignore_public_acls,
            block_public_policy: self.block_public_policy || other.block_public_policy,
            restrict_public_buckets: self.restrict_public_buckets || other.restrict_public_buckets,
            span: self.span,
        }
    }
}

const BPA_FLAGS: &[&str] = &[
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
];

/// Reads the four flags of a configuration object at `path`.
pub(crate) fn read_bpa_flags(v: &Value, path: &str, r: &mut Reader) -> Option<PublicAccessBlock> {
    r.object(v, path)?;
    r.near_misses(v, BPA_FLAGS, path);
    let before = r.error_count();
    let mut flag = |key: &str| r.opt_bool(v, key, path).unwrap_or(false);
    let out = PublicAccessBlock {
        block_public_acls: flag("BlockPublicAcls"),
        ignore_public_acls: flag("IgnorePublicAcls"),
        block_public_policy: flag("BlockPublicPolicy"),
        restrict_public_buckets: flag("RestrictPublicBuckets"),
        span: v.span,
    };
    (r.error_count() == before).then_some(out)
}

impl AwsDocument for PublicAccessBlock {
    const WHAT: &'static str = "Block Public Access configuration";

    fn read(value: &Value, r: &mut Reader) -> Option<PublicAccessBlock> {
        r.object(value, "")?;
        if let Some(inner) = value.get("PublicAccessBlockConfiguration") {
            r.near_misses(value, &["PublicAccessBlockConfiguration"], "");
            return read_bpa_flags(inner, "PublicAccessBlockConfiguration", r);
        }
        let bare = value
            .as_object()
            .unwrap_or(&[])
            .iter()
            .any(|m| BPA_FLAGS.contains(&&*m.key));
        if !bare {
            let mut known = BPA_FLAGS.to_vec();
            known.push("PublicAccessBlockConfiguration");
            let before = r.error_count();
            r.near_misses(value, &known, "");
            if r.error_count() == before {
                r.error(
                    read::head(value.span),
                    "the document has no `PublicAccessBlockConfiguration`",
                );
            }
            return None;
        }
        read_bpa_flags(value, "", r)
    }
}

/// The S3 Object Ownership setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectOwnership {
    /// ACLs disabled; the bucket owner owns every object (the default since April 2023).
    BucketOwnerEnforced,
    /// ACLs enabled; the bucket owner owns objects uploaded with `bucket-owner-full-control`.
    BucketOwnerPreferred,
    /// ACLs enabled; the uploading account owns the object.
    ObjectWriter,
}

impl ObjectOwnership {
    /// The spelling in the S3 API.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectOwnership::BucketOwnerEnforced => "BucketOwnerEnforced",
            ObjectOwnership::BucketOwnerPreferred => "BucketOwnerPreferred",
            ObjectOwnership::ObjectWriter => "ObjectWriter",
        }
    }

    /// Whether ACLs take part in authorization under this setting.
    pub fn acls_enabled(self) -> bool {
        self != ObjectOwnership::BucketOwnerEnforced
    }
}

/// `aws s3api get-bucket-ownership-controls` output:
/// `{"OwnershipControls": {"Rules": [{"ObjectOwnership": "..."}]}}` (or the bare
/// `{"Rules": [...]}` that `put-bucket-ownership-controls` takes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnershipControls {
    /// The setting (S3 allows exactly one rule).
    pub ownership: ObjectOwnership,
    /// The span of the `ObjectOwnership` value.
    pub span: Span,
}

const OWNERSHIPS: &[(&str, ObjectOwnership)] = &[
    ("BucketOwnerEnforced", ObjectOwnership::BucketOwnerEnforced),
    (
        "BucketOwnerPreferred",
        ObjectOwnership::BucketOwnerPreferred,
    ),
    ("ObjectWriter", ObjectOwnership::ObjectWriter),
];

impl AwsDocument for OwnershipControls {
    const WHAT: &'static str = "Object Ownership controls";

    fn read(value: &Value, r: &mut Reader) -> Option<OwnershipControls> {
        r.object(value, "")?;
        let (body, path) = match value.get("OwnershipControls") {
            Some(inner) => (inner, "OwnershipControls"),
            None => (value, ""),
        };
        r.near_misses(value, &["OwnershipControls", "Rules"], "");
        r.object(body, path)?;
        let rules_path = join(path, "Rules");
        let rules = r.required(body, "Rules", path)?;
        let items = r.array(rules, &rules_path)?;
        let [rule] = items else {
            r.error(
                rules.span,
                format!(
                    "`{rules_path}` must hold exactly one rule, found {}",
                    items.len()
                ),
            );
            return None;
        };
        let rule_path = at(&rules_path, 0);
        r.object(rule, &rule_path)?;
        r.near_misses(rule, &["ObjectOwnership"], &rule_path);
        let v = r.required(rule, "ObjectOwnership", &rule_path)?;
        let ownership = r.one_of(v, &join(&rule_path, "ObjectOwnership"), OWNERSHIPS)?;
        Some(OwnershipControls {
            ownership,
            span: v.span,
        })
    }
}

/// A default server-side encryption algorithm (`SSEAlgorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SseAlgorithm {
    /// `AES256`: SSE-S3.
    Aes256,
    /// `aws:kms`: SSE-KMS.
    AwsKms,
    /// `aws:kms:dsse`: dual-layer SSE-KMS.
    AwsKmsDsse,
    /// `aws:fsx`: FSx-attached buckets.
    AwsFsx,
}

impl SseAlgorithm {
    /// Whether the algorithm uses AWS KMS keys.
    pub fn uses_kms(self) -> bool {
        matches!(self, SseAlgorithm::AwsKms | SseAlgorithm::AwsKmsDsse)
    }
}

pub(crate) const SSE_ALGORITHMS: &[(&str, SseAlgorithm)] = &[
    ("AES256", SseAlgorithm::Aes256),
    ("aws:kms", SseAlgorithm::AwsKms),
    ("aws:kms:dsse", SseAlgorithm::AwsKmsDsse),
    ("aws:fsx", SseAlgorithm::AwsFsx),
];

/// An encryption type that a bucket can block for new uploads (`BlockedEncryptionTypes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockedEncryptionType {
    /// `SSE-C`: uploads with customer-provided keys are rejected.
    SseC,
    /// `NONE`: nothing is blocked.
    None,
}

const BLOCKED_TYPES: &[(&str, BlockedEncryptionType)] = &[
    ("SSE-C", BlockedEncryptionType::SseC),
    ("NONE", BlockedEncryptionType::None),
];

/// The default encryption of a rule (`ApplyServerSideEncryptionByDefault`).
#[derive(Debug, Clone, PartialEq)]
pub struct SseDefault {
    /// The algorithm.
    pub algorithm: SseAlgorithm,
    /// `KMSMasterKeyID` (key id, key ARN or alias); `None` with `aws:kms` means `aws/s3`.
    pub kms_key: Option<Spanned<String>>,
    /// The span of the object.
    pub span: Span,
}

/// One rule of a default encryption configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct EncryptionRule {
    /// The default encryption applied to uploads without encryption headers.
    pub default: Option<SseDefault>,
    /// `BucketKeyEnabled`, if present.
    pub bucket_key_enabled: Option<bool>,
    /// `BlockedEncryptionTypes.EncryptionType`.
    pub blocked: Vec<BlockedEncryptionType>,
    /// The span of the rule object.
    pub span: Span,
}

impl EncryptionRule {
    /// Whether uploads with customer-provided keys (SSE-C) are blocked.
    pub fn blocks_sse_c(&self) -> bool {
        self.blocked.contains(&BlockedEncryptionType::SseC)
    }
}

/// `aws s3api get-bucket-encryption` output:
/// `{"ServerSideEncryptionConfiguration": {"Rules": [...]}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Encryption {
    /// The rules (S3 uses one).
    pub rules: Vec<EncryptionRule>,
    /// The span of the configuration object.
    pub span: Span,
}

fn read_encryption_rule(v: &Value, path: &str, r: &mut Reader) -> Option<EncryptionRule> {
    r.object(v, path)?;
    r.near_misses(
        v,
        &[
            "ApplyServerSideEncryptionByDefault",
            "BucketKeyEnabled",
            "BlockedEncryptionTypes",
        ],
        path,
    );
    let before = r.error_count();
    let default = match v.get("ApplyServerSideEncryptionByDefault") {
        Some(d) => {
            let p = join(path, "ApplyServerSideEncryptionByDefault");
            r.object(d, &p).and_then(|_| {
                r.near_misses(d, &["SSEAlgorithm", "KMSMasterKeyID"], &p);
                let alg = r.required(d, "SSEAlgorithm", &p)?;
                let algorithm = r.one_of(alg, &join(&p, "SSEAlgorithm"), SSE_ALGORITHMS)?;
                let kms_key = r.opt_string(d, "KMSMasterKeyID", &p);
                if let Some(k) = &kms_key
                    && !algorithm.uses_kms()
                {
                    r.error(
                        k.span,
                        format!(
                            "`{}` applies only to aws:kms and aws:kms:dsse",
                            join(&p, "KMSMasterKeyID")
                        ),
                    );
                }
                Some(SseDefault {
                    algorithm,
                    kms_key,
                    span: d.span,
                })
            })
        }
        None => None,
    };
    let bucket_key_enabled = r.opt_bool(v, "BucketKeyEnabled", path);
    let mut blocked = Vec::new();
    if let Some(b) = v.get("BlockedEncryptionTypes") {
        let p = join(path, "BlockedEncryptionTypes");
        if r.object(b, &p).is_some() {
            r.near_misses(b, &["EncryptionType"], &p);
            if let Some(types) = b.get("EncryptionType") {
                let tp = join(&p, "EncryptionType");
                for (i, t) in r.array(types, &tp).unwrap_or(&[]).iter().enumerate() {
                    if let Some(t) = r.one_of(t, &at(&tp, i), BLOCKED_TYPES) {
                        blocked.push(t);
                    }
                }
            }
        }
    }
    (r.error_count() == before).then_some(EncryptionRule {
        default,
        bucket_key_enabled,
        blocked,
        span: v.span,
    })
}

impl AwsDocument for Encryption {
    const WHAT: &'static str = "default encryption configuration";

    fn read(value: &Value, r: &mut Reader) -> Option<Encryption> {
        r.object(value, "")?;
        let (body, path) = match value.get("ServerSideEncryptionConfiguration") {
            Some(inner) => (inner, "ServerSideEncryptionConfiguration"),
            None if value.get("Rules").is_some() => (value, ""),
            None => {
                r.near_misses(value, &["ServerSideEncryptionConfiguration"], "");
                r.error(
                    read::head(value.span),
                    "the document has no `ServerSideEncryptionConfiguration`",
                );
                return None;
            }
        };
        r.near_misses(value, &["ServerSideEncryptionConfiguration", "Rules"], "");
        r.object(body, path)?;
        let rules_path = join(path, "Rules");
        let rules = r.required(body, "Rules", path)?;
        let items = r.array(rules, &rules_path)?;
        let before = r.error_count();
        let rules: Vec<EncryptionRule> = items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| read_encryption_rule(v, &at(&rules_path, i), r))
            .collect();
        (r.error_count() == before).then_some(Encryption {
            rules,
            span: body.span,
        })
    }
}

/// The versioning state of a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VersioningStatus {
    /// Versioning was never enabled (`get-bucket-versioning` prints `{}` or nothing).
    Unversioned,
    /// `Enabled`.
    Enabled,
    /// `Suspended`.
    Suspended,
}

/// `aws s3api get-bucket-versioning` output: `{"Status": ..., "MFADelete": ...}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Versioning {
    /// The versioning state.
    pub status: VersioningStatus,
    /// `MFADelete`: `Some(true)` for `Enabled`, `Some(false)` for `Disabled`, `None` if absent.
    pub mfa_delete: Option<bool>,
    /// The span of the document.
    pub span: Span,
}

impl AwsDocument for Versioning {
    const WHAT: &'static str = "versioning configuration";

    fn read(value: &Value, r: &mut Reader) -> Option<Versioning> {
        r.object(value, "")?;
        // `put-bucket-versioning` takes `MFADelete` as `MfaDelete`; the output spells it MFADelete.
        r.near_misses(value, &["Status", "MFADelete"], "");
        let before = r.error_count();
        let status = match value.get("Status") {
            Some(s) => r
                .one_of(
                    s,
                    "Status",
                    &[
                        ("Enabled", VersioningStatus::Enabled),
                        ("Suspended", VersioningStatus::Suspended),
                    ],
                )
                .unwrap_or(VersioningStatus::Unversioned),
            None => VersioningStatus::Unversioned,
        };
        let mfa_delete = value
            .get("MFADelete")
            .and_then(|m| r.one_of(m, "MFADelete", &[("Enabled", true), ("Disabled", false)]));
        (r.error_count() == before).then_some(Versioning {
            status,
            mfa_delete,
            span: value.span,
        })
    }
}

/// How server access log object keys are formed (`TargetObjectKeyFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogKeyFormat {
    /// `SimplePrefix`: `[prefix]YYYY-mm-DD-HH-MM-SS-UniqueString`.
    Simple,
    /// `PartitionedPrefix` by event time.
    PartitionedByEventTime,
    /// `PartitionedPrefix` by delivery time.
    PartitionedByDeliveryTime,
}

/// Where a bucket's server access logs go (`LoggingEnabled`).
#[derive(Debug, Clone, PartialEq)]
pub struct LoggingTarget {
    /// `TargetBucket`.
    pub bucket: Spanned<String>,
    /// `TargetPrefix` (empty when absent).
    pub prefix: Spanned<String>,
    /// `TargetGrants` (legacy; rejected when the target bucket enforces bucket ownership).
    pub grants: Vec<Grant>,
    /// `TargetObjectKeyFormat`, if present.
    pub key_format: Option<LogKeyFormat>,
    /// The span of the `LoggingEnabled` object.
    pub span: Span,
}

/// `aws s3api get-bucket-logging` output: `{"LoggingEnabled": {...}}`, or `{}` when logging
/// is off.
#[derive(Debug, Clone, PartialEq)]
pub struct Logging {
    /// The target, when logging is on.
    pub target: Option<LoggingTarget>,
    /// The span of the document.
    pub span: Span,
}

fn read_key_format(v: &Value, path: &str, r: &mut Reader) -> Option<LogKeyFormat> {
    r.object(v, path)?;
    r.near_misses(v, &["SimplePrefix", "PartitionedPrefix"], path);
    match (v.get("SimplePrefix"), v.get("PartitionedPrefix")) {
        (Some(s), None) => {
            r.object(s, &join(path, "SimplePrefix"))?;
            Some(LogKeyFormat::Simple)
        }
        (None, Some(p)) => {
            let pp = join(path, "PartitionedPrefix");
            r.object(p, &pp)?;
            r.near_misses(p, &["PartitionDateSource"], &pp);
            match p.get("PartitionDateSource") {
                Some(src) => r.one_of(
                    src,
                    &join(&pp, "PartitionDateSource"),
                    &[
                        ("EventTime", LogKeyFormat::PartitionedByEventTime),
                        ("DeliveryTime", LogKeyFormat::PartitionedByDeliveryTime),
                    ],
                ),
                None => Some(LogKeyFormat::PartitionedByDeliveryTime),
            }
        }
        _ => {
            r.error(
                v.span,
                format!("`{path}` must have exactly one of `SimplePrefix` and `PartitionedPrefix`"),
            );
            None
        }
    }
}

impl AwsDocument for Logging {
    const WHAT: &'static str = "server access logging configuration";

    fn read(value: &Value, r: &mut Reader) -> Option<Logging> {
        r.object(value, "")?;
        r.near_misses(value, &["LoggingEnabled"], "");
        let Some(le) = value.get("LoggingEnabled") else {
            return Some(Logging {
                target: None,
                span: value.span,
            });
        };
        let path = "LoggingEnabled";
        r.object(le, path)?;
        r.near_misses(
            le,
            &[
                "TargetBucket",
                "TargetPrefix",
                "TargetGrants",
                "TargetObjectKeyFormat",
            ],
            path,
        );
        let before = r.error_count();
        let bucket = r.req_string(le, "TargetBucket", path);
        let prefix = r.opt_string(le, "TargetPrefix", path).unwrap_or(Spanned {
            value: String::new(),
            span: read::head(le.span),
        });
        let grants = match le.get("TargetGrants") {
            Some(g) => acl::read_grants(g, &join(path, "TargetGrants"), acl::LOG_PERMISSIONS, r)
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let key_format = le
            .get("TargetObjectKeyFormat")
            .and_then(|k| read_key_format(k, &join(path, "TargetObjectKeyFormat"), r));
        if r.error_count() != before {
            return None;
        }
        Some(Logging {
            target: Some(LoggingTarget {
                bucket: bucket?,
                prefix,
                grants,
                key_format,
                span: le.span,
            }),
            span: value.span,
        })
    }
}

/// An HTTP method a CORS rule allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CorsMethod {
    /// `GET`.
    Get,
    /// `PUT`.
    Put,
    /// `POST`.
    Post,
    /// `DELETE`.
    Delete,
    /// `HEAD`.
    Head,
}

const CORS_METHODS: &[(&str, CorsMethod)] = &[
    ("GET", CorsMethod::Get),
    ("PUT", CorsMethod::Put),
    ("POST", CorsMethod::Post),
    ("DELETE", CorsMethod::Delete),
    ("HEAD", CorsMethod::Head),
];

/// One CORS rule.
#[derive(Debug, Clone, PartialEq)]
pub struct CorsRule {
    /// `ID`, if present.
    pub id: Option<String>,
    /// `AllowedOrigins` (each may hold one `*`).
    pub allowed_origins: Vec<Spanned<String>>,
    /// `AllowedMethods`.
    pub allowed_methods: Vec<CorsMethod>,
    /// `AllowedHeaders`.
    pub allowed_headers: Vec<Spanned<String>>,
    /// `ExposeHeaders`.
    pub expose_headers: Vec<Spanned<String>>,
    /// `MaxAgeSeconds`.
    pub max_age_seconds: Option<u64>,
    /// The span of the rule object.
    pub span: Span,
}

/// `aws s3api get-bucket-cors` output: `{"CORSRules": [...]}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cors {
    /// The rules; S3 uses the first that matches a request.
    pub rules: Vec<CorsRule>,
    /// The span of the document.
    pub span: Span,
}

fn read_cors_rule(v: &Value, path: &str, r: &mut Reader) -> Option<CorsRule> {
    r.object(v, path)?;
    r.near_misses(
        v,
        &[
            "ID",
            "AllowedOrigins",
            "AllowedMethods",
            "AllowedHeaders",
            "ExposeHeaders",
            "MaxAgeSeconds",
        ],
        path,
    );
    let before = r.error_count();
    let id = r.opt_string(v, "ID", path).map(|s| s.value);
    let origins = r.required(v, "AllowedOrigins", path);
    let allowed_origins = origins
        .and_then(|o| r.strings(o, &join(path, "AllowedOrigins")))
        .unwrap_or_default();
    let mut allowed_methods = Vec::new();
    if let Some(m) = r.required(v, "AllowedMethods", path) {
        let mp = join(path, "AllowedMethods");
        for (i, item) in r.array(m, &mp).unwrap_or(&[]).iter().enumerate() {
            if let Some(method) = r.one_of(item, &at(&mp, i), CORS_METHODS) {
                allowed_methods.push(method);
            }
        }
    }
    let allowed_headers = r.opt_strings(v, "AllowedHeaders", path);
    let expose_headers = r.opt_strings(v, "ExposeHeaders", path);
    let max_age_seconds = v
        .get("MaxAgeSeconds")
        .and_then(|m| r.integer(m, &join(path, "MaxAgeSeconds")));
    (r.error_count() == before).then_some(CorsRule {
        id,
        allowed_origins,
        allowed_methods,
        allowed_headers,
        expose_headers,
        max_age_seconds,
        span: v.span,
    })
}

impl AwsDocument for Cors {
    const WHAT: &'static str = "CORS configuration";

    fn read(value: &Value, r: &mut Reader) -> Option<Cors> {
        r.object(value, "")?;
        r.near_misses(value, &["CORSRules"], "");
        let rules = r.required(value, "CORSRules", "")?;
        let items = r.array(rules, "CORSRules")?;
        let before = r.error_count();
        let rules: Vec<CorsRule> = items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| read_cors_rule(v, &at("CORSRules", i), r))
            .collect();
        (r.error_count() == before).then_some(Cors {
            rules,
            span: value.span,
        })
    }
}

/// An Object Lock retention mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetentionMode {
    /// `GOVERNANCE`: removable with `s3:BypassGovernanceRetention` and the bypass header.
    Governance,
    /// `COMPLIANCE`: nobody can delete or shorten it.
    Compliance,
}

/// The length of a default retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetentionPeriod {
    /// `Days`.
    Days(u64),
    /// `Years`.
    Years(u64),
}

/// A default retention applied to new object versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultRetention {
    /// The mode.
    pub mode: RetentionMode,
    /// The period.
    pub period: RetentionPeriod,
    /// The span of the `DefaultRetention` object.
    pub span: Span,
}

/// `aws s3api get-object-lock-configuration` output:
/// `{"ObjectLockConfiguration": {"ObjectLockEnabled": "Enabled", "Rule": {...}}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectLock {
    /// Whether Object Lock is enabled on the bucket.
    pub enabled: bool,
    /// The default retention, if any.
    pub default_retention: Option<DefaultRetention>,
    /// The span of the configuration object.
    pub span: Span,
}

fn read_retention(v: &Value, path: &str, r: &mut Reader) -> Option<DefaultRetention> {
    r.object(v, path)?;
    r.near_misses(v, &["Mode", "Days", "Years"], path);
    let mode = r.required(v, "Mode", path).and_then(|m| {
        r.one_of(
            m,
            &join(path, "Mode"),
            &[
                ("GOVERNANCE", RetentionMode::Governance),
                ("COMPLIANCE", RetentionMode::Compliance),
            ],
        )
    });
    let period = match (v.get("Days"), v.get("Years")) {
        (Some(d), None) => r.integer(d, &join(path, "Days")).map(RetentionPeriod::Days),
        (None, Some(y)) => r
            .integer(y, &join(path, "Years"))
            .map(RetentionPeriod::Years),
        _ => {
            r.error(
                v.span,
                format!("`{path}` must have exactly one of `Days` and `Years`"),
            );
            None
        }
    };
    Some(DefaultRetention {
        mode: mode?,
        period: period?,
        span: v.span,
    })
}

impl AwsDocument for ObjectLock {
    const WHAT: &'static str = "Object Lock configuration";

    fn read(value: &Value, r: &mut Reader) -> Option<ObjectLock> {
        r.object(value, "")?;
        r.near_misses(value, &["ObjectLockConfiguration"], "");
        let (body, path) = match value.get("ObjectLockConfiguration") {
            Some(inner) => (inner, "ObjectLockConfiguration"),
            None if value.get("ObjectLockEnabled").is_some() => (value, ""),
            None => {
                r.error(
                    read::head(value.span),
                    "the document has no `ObjectLockConfiguration`",
                );
                return None;
            }
        };
        r.object(body, path)?;
        r.near_misses(body, &["ObjectLockEnabled", "Rule"], path);
        let before = r.error_count();
        let enabled = body
            .get("ObjectLockEnabled")
            .and_then(|e| r.one_of(e, &join(path, "ObjectLockEnabled"), &[("Enabled", true)]))
            .unwrap_or(false);
        let mut default_retention = None;
        if let Some(rule) = body.get("Rule") {
            let rp = join(path, "Rule");
            if r.object(rule, &rp).is_some() {
                r.near_misses(rule, &["DefaultRetention"], &rp);
                if let Some(d) = rule.get("DefaultRetention") {
                    default_retention = read_retention(d, &join(&rp, "DefaultRetention"), r);
                }
            }
        }
        (r.error_count() == before).then_some(ObjectLock {
            enabled,
            default_retention,
            span: body.span,
        })
    }
}

/// The kind of an event notification destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DestinationKind {
    /// An SNS topic (`TopicConfigurations`).
    Topic,
    /// An SQS queue (`QueueConfigurations`).
    Queue,
    /// A Lambda function (`LambdaFunctionConfigurations`).
    LambdaFunction,
}

/// A key-name filter rule of a notification.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterRule {
    /// `true` for `prefix`, `false` for `suffix`.
    pub is_prefix: bool,
    /// The value.
    pub value: Spanned<String>,
}

/// One notification configuration (topic, queue or function).
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// What the destination is.
    pub kind: DestinationKind,
    /// `Id`, if present.
    pub id: Option<String>,
    /// `TopicArn`, `QueueArn` or `LambdaFunctionArn`.
    pub arn: Spanned<String>,
    /// `Events` (e.g. `s3:ObjectCreated:*`).
    pub events: Vec<Spanned<String>>,
    /// `Filter.Key.FilterRules`.
    pub filter: Vec<FilterRule>,
    /// The span of the configuration object.
    pub span: Span,
}

/// `aws s3api get-bucket-notification-configuration` output.
#[derive(Debug, Clone, PartialEq)]
pub struct Notifications {
    /// Topic, queue and function configurations, in that order.
    pub destinations: Vec<Notification>,
    /// Whether events are sent to Amazon EventBridge (`EventBridgeConfiguration`).
    pub event_bridge: bool,
    /// The span of the document.
    pub span: Span,
}

const NOTIFICATION_LISTS: &[(&str, &str, DestinationKind)] = &[
    ("TopicConfigurations", "TopicArn", DestinationKind::Topic),
    ("QueueConfigurations", "QueueArn", DestinationKind::Queue),
    (
        "LambdaFunctionConfigurations",
        "LambdaFunctionArn",
        DestinationKind::LambdaFunction,
    ),
];

fn read_filter(v: &Value, path: &str, r: &mut Reader) -> Vec<FilterRule> {
    let mut out = Vec::new();
    if r.object(v, path).is_none() {
        return out;
    }
    r.near_misses(v, &["Key"], path);
    let Some(key) = v.get("Key") else {
        return out;
    };
    let kp = join(path, "Key");
    if r.object(key, &kp).is_none() {
        return out;
    }
    r.near_misses(key, &["FilterRules"], &kp);
    let Some(rules) = key.get("FilterRules") else {
        return out;
    };
    let rp = join(&kp, "FilterRules");
    for (i, rule) in r.array(rules, &rp).unwrap_or(&[]).iter().enumerate() {
        let p = at(&rp, i);
        if r.object(rule, &p).is_none() {
            continue;
        }
        r.near_misses(rule, &["Name", "Value"], &p);
        // The API documents `prefix`/`suffix`; GetBucketNotificationConfiguration returns
        // `Prefix`/`Suffix`. Both are accepted.
        let name = r.required(rule, "Name", &p).and_then(|n| {
            r.one_of(
                n,
                &join(&p, "Name"),
                &[
                    ("prefix", true),
                    ("suffix", false),
                    ("Prefix", true),
                    ("Suffix", false),
                ],
            )
        });
        let value = r.req_string(rule, "Value", &p);
        if let (Some(is_prefix), Some(value)) = (name, value) {
            out.push(FilterRule { is_prefix, value });
        }
    }
    out
}

impl AwsDocument for Notifications {
    const WHAT: &'static str = "notification configuration";

    fn read(value: &Value, r: &mut Reader) -> Option<Notifications> {
        r.object(value, "")?;
        let mut known: Vec<&str> = NOTIFICATION_LISTS.iter().map(|(k, _, _)| *k).collect();
        known.push("EventBridgeConfiguration");
        r.near_misses(value, &known, "");
        let before = r.error_count();
        let mut destinations = Vec::new();
        for (list, arn_key, kind) in NOTIFICATION_LISTS {
            let Some(items) = value.get(list) else {
                continue;
            };
            for (i, item) in r.array(items, list).unwrap_or(&[]).iter().enumerate() {
                let p = at(list, i);
                if r.object(item, &p).is_none() {
                    continue;
                }
                r.near_misses(item, &["Id", *arn_key, "Events", "Filter"], &p);
                let id = r.opt_string(item, "Id", &p).map(|s| s.value);
                let arn = r.req_string(item, arn_key, &p);
                let events = match r.required(item, "Events", &p) {
                    Some(e) => r.strings(e, &join(&p, "Events")).unwrap_or_default(),
                    None => Vec::new(),
                };
                for e in &events {
                    if !e.value.starts_with("s3:") {
                        r.error(
                            e.span,
                            format!("an S3 event name starts with `s3:`, found `{}`", e.value),
                        );
                    }
                }
                let filter = item
                    .get("Filter")
                    .map(|f| read_filter(f, &join(&p, "Filter"), r))
                    .unwrap_or_default();
                if let Some(arn) = arn {
                    destinations.push(Notification {
                        kind: *kind,
                        id,
                        arn,
                        events,
                        filter,
                        span: item.span,
                    });
                }
            }
        }
        let event_bridge = match value.get("EventBridgeConfiguration") {
            Some(e) => r.object(e, "EventBridgeConfiguration").is_some(),
            None => false,
        };
        (r.error_count() == before).then_some(Notifications {
            destinations,
            event_bridge,
            span: value.span,
        })
    }
}

/// `aws s3api get-bucket-location` output: `{"LocationConstraint": ...}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    /// The constraint as printed (`None` for `null`).
    pub constraint: Option<Spanned<String>>,
    /// The region: `null` and `""` mean us-east-1, the legacy `EU` means eu-west-1.
    pub region: String,
    /// The span of the `LocationConstraint` value.
    pub span: Span,
}

/// The region a `LocationConstraint` stands for.
pub fn region_of(constraint: Option<&str>) -> &str {
    match constraint {
        None | Some("") => "us-east-1",
        Some("EU") => "eu-west-1",
        Some(other) => other,
    }
}

impl AwsDocument for Location {
    const WHAT: &'static str = "bucket location";

    fn read(value: &Value, r: &mut Reader) -> Option<Location> {
        r.object(value, "")?;
        r.near_misses(value, &["LocationConstraint"], "");
        let v = r.required(value, "LocationConstraint", "")?;
        let constraint = match &v.kind {
            Kind::Null => None,
            _ => Some(r.string(v, "LocationConstraint")?),
        };
        let region = region_of(constraint.as_ref().map(|c| c.value.as_str())).to_string();
        Some(Location {
            constraint,
            region,
            span: v.span,
        })
    }
}

/// `aws s3api get-bucket-policy-status` output: `{"PolicyStatus": {"IsPublic": bool}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyStatus {
    /// Whether S3 considers the bucket policy public.
    pub is_public: bool,
    /// The span of the `IsPublic` value.
    pub span: Span,
}

impl AwsDocument for PolicyStatus {
    const WHAT: &'static str = "bucket policy status";

    fn read(value: &Value, r: &mut Reader) -> Option<PolicyStatus> {
        r.object(value, "")?;
        r.near_misses(value, &["PolicyStatus"], "");
        let body = r.required(value, "PolicyStatus", "")?;
        r.object(body, "PolicyStatus")?;
        r.near_misses(body, &["IsPublic"], "PolicyStatus");
        let v = r.required(body, "IsPublic", "PolicyStatus")?;
        let is_public = r.boolean(v, "PolicyStatus.IsPublic")?;
        Some(PolicyStatus {
            is_public,
            span: v.span,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws_docs::read::read_str;

    #[test]
    fn block_public_access_union_is_a_flagwise_or() {
        let a = PublicAccessBlock {
            block_public_acls: true,
            ..PublicAccessBlock::default()
        };
        let b = PublicAccessBlock {
            restrict_public_buckets: true,
            ..PublicAccessBlock::default()
        };
        let u = a.union(&b);
        assert!(u.block_public_acls && u.restrict_public_buckets);
        assert!(!u.ignore_public_acls && !u.block_public_policy);
        assert!(!u.is_all_on());
        assert!(u.union(&PublicAccessBlock::all_on()).is_all_on());
    }

    #[test]
    fn a_missing_flag_is_false_and_a_near_miss_is_an_error() {
        let bpa = read_str::<PublicAccessBlock>(
            "bpa.json",
            r#"{"PublicAccessBlockConfiguration": {"BlockPublicAcls": true}}"#,
        )
        .unwrap()
        .doc;
        assert!(bpa.block_public_acls && !bpa.restrict_public_buckets);
        let err = read_str::<PublicAccessBlock>(
            "bpa.json",
            r#"{"PublicAccessBlockConfiguration": {"BlockPublicPolicys": true}}"#,
        )
        .unwrap_err();
        assert_eq!(
            err.findings[0].finding.message,
            "unknown key `BlockPublicPolicys` in `PublicAccessBlockConfiguration`"
        );
    }

    #[test]
    fn locations_normalise_to_regions() {
        for (text, region) in [
            (r#"{"LocationConstraint": null}"#, "us-east-1"),
            (r#"{"LocationConstraint": ""}"#, "us-east-1"),
            (r#"{"LocationConstraint": "EU"}"#, "eu-west-1"),
            (r#"{"LocationConstraint": "ap-south-2"}"#, "ap-south-2"),
        ] {
            assert_eq!(
                read_str::<Location>("l.json", text).unwrap().doc.region,
                region
            );
        }
    }

    #[test]
    fn versioning_and_object_lock_read_their_states() {
        let v = read_str::<Versioning>("v.json", "{}").unwrap().doc;
        assert_eq!(v.status, VersioningStatus::Unversioned);
        let v = read_str::<Versioning>(
            "v.json",
            r#"{"Status": "Suspended", "MFADelete": "Enabled"}"#,
        )
        .unwrap()
        .doc;
        assert_eq!(
            (v.status, v.mfa_delete),
            (VersioningStatus::Suspended, Some(true))
        );
        let err = read_str::<ObjectLock>(
            "o.json",
            r#"{"ObjectLockConfiguration": {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1, "Years": 1}}}}"#,
        )
        .unwrap_err();
        assert!(
            err.findings[0]
                .finding
                .message
                .contains("exactly one of `Days` and `Years`")
        );
    }

    #[test]
    fn encryption_rejects_a_kms_key_without_kms() {
        let err = read_str::<Encryption>(
            "e.json",
            r#"{"ServerSideEncryptionConfiguration": {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256", "KMSMasterKeyID": "k"}}]}}"#,
        )
        .unwrap_err();
        assert_eq!(
            err.findings[0].finding.message,
            "`ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.KMSMasterKeyID` applies only to aws:kms and aws:kms:dsse"
        );
    }
}
