//! One model behind every command: the buckets an IaC unit declares (a Terraform module, a
//! template, a plan) become the same in-memory bucket folders ([`BucketFolder`]) that the
//! folder reader gives, so the one model builder (`BucketModel::from_folder`) and every
//! analysis after it work unchanged.
//!
//! What a unit does not declare is read as the configuration says: no bucket policy resource
//! means no bucket policy, no ACL means the default ACL (owner only); what it cannot say (Block
//! Public Access or Object Ownership not declared, the owner account's settings) stays
//! unknown. A value not known offline is never handed to the AWS-document readers as if it were
//! the value: a Block Public Access flag is read as off, an ACL or Object Ownership holding
//! one is unknown, and each is listed in [`BucketFolder::unsettled`] with its place, so a
//! verdict it touches is uncertain.

use super::{Attachment, Extracted, Format, IacBucket, Unknown};
use crate::aws_docs::folder::{
    AccessPointFolder, AccountFolder, AccountManifest, BucketFolder, Manifest, Part, RawPolicy,
    Setting, Unsettled, names,
};
use crate::aws_docs::read::{self, AwsDocument, Loaded};
use crate::aws_docs::{Acl, OwnershipControls, PublicAccessBlock};
use crate::contain::Root;
use crate::json::{Kind, Value};
use crate::load::FileReport;
use crate::policy::{PolicyKind, Spanned};
use crate::source::{SourceFile, Span};
use std::path::{Path, PathBuf};

/// The account id of a bucket read from IaC: the owner account is not in the configuration,
/// so it is the symbolic own account, as CloudFormation's `AWS::AccountId` reads.
pub const OWN_ACCOUNT: &str = super::cloudformation::intrinsics::OWN_ACCOUNT;

/// A bucket an IaC unit declares, as a bucket folder.
#[derive(Debug, Clone)]
pub struct IacBucketFolder {
    /// The resource address or logical id (`aws_s3_bucket.logs`, `LogsBucket`).
    pub address: String,
    /// The bucket with its settings and policy; spans in the IaC files.
    pub folder: BucketFolder,
    /// Settings whose shape the AWS-document readers refused, located in the IaC file; such a
    /// setting is unknown in `folder`.
    pub errors: Vec<FileReport>,
    /// The files that declare part of it (the bucket, a setting, its policy), as named.
    pub files: Vec<String>,
}

/// The buckets of one IaC unit: `files` read together (a module directory's files, a
/// template, a plan) and the account-level settings (`terraform::ModuleRead::account`: index
/// into `files`, address, bucket-folder file name, value). `root` is the tree the run may
/// read (kept on each folder). One entry per bucket address, in declaration order.
pub fn bucket_folders(
    files: &[Extracted],
    account: &[(usize, String, &'static str, Value)],
    root: &Root,
) -> Vec<IacBucketFolder> {
    let mut groups: Vec<(String, Vec<(usize, &IacBucket)>)> = Vec::new();
    for (i, e) in files.iter().enumerate() {
        for b in &e.buckets {
            match groups.iter_mut().find(|(a, _)| *a == b.address) {
                Some((_, parts)) => parts.push((i, b)),
                None => groups.push((b.address.clone(), vec![(i, b)])),
            }
        }
    }
    let account_folder = account_folder(files, account, super::identity::authorization(files));
    groups
        .into_iter()
        .map(|(address, parts)| {
            let mut f = build(files, &address, &parts, root);
            f.folder.account = account_folder.as_ref().map(|(a, _)| a.clone());
            if let Some((_, unsettled)) = &account_folder {
                f.folder.unsettled.extend(unsettled.iter().cloned());
            }
            f
        })
        .collect()
}

/// One bucket's folder from its declarations (one per file that declares part of it).
fn build(
    files: &[Extracted],
    address: &str,
    parts: &[(usize, &IacBucket)],
    root: &Root,
) -> IacBucketFolder {
    let (first_file, first) = parts[0];
    let source = files[first_file].source.clone();
    let name = parts.iter().find_map(|(_, b)| b.name.clone());
    let mut unsettled = Vec::new();
    if name.is_none() {
        unsettled.push(Unsettled {
            part: Part::Name,
            expression: format!("{address}.bucket"),
            why: "the bucket name is not known offline".into(),
            source: source.clone(),
            span: first.span,
        });
    }
    let shown = name.clone().unwrap_or_else(|| address.to_string());
    let mut folder = empty_folder(&source, first.span, &shown, root);
    let mut errors = Vec::new();
    let mut acl_declared = false;
    for (i, b) in parts {
        let e = &files[*i];
        for (setting, value) in &b.settings {
            acl_declared |= *setting == names::ACL;
            let mut reading = Reading {
                e,
                errors: &mut errors,
                unsettled: &mut unsettled,
            };
            reading.setting(&mut folder, setting, value);
        }
    }
    if !acl_declared {
        // AWS rule: a new bucket's default ACL grants its owner full control and nothing
        // else (S3 User Guide, "Access control list (ACL) overview", Default ACL).
        let owner_only = super::object(first.span, vec![("Grants", array(first.span))]);
        let mut reading = Reading {
            e: &files[first_file],
            errors: &mut errors,
            unsettled: &mut unsettled,
        };
        folder.acl = reading.read::<Acl>(owner_only);
    }
    bucket_policy(files, address, name.as_deref(), &mut folder, &mut unsettled);
    access_points(files, address, name.as_deref(), &mut folder, &mut unsettled);
    folder.unsettled = unsettled;
    let mut declaring: Vec<String> = parts
        .iter()
        .map(|(i, _)| files[*i].source.name().to_string())
        .collect();
    declaring.extend(folder.policy.loaded().map(|l| l.source.name().to_string()));
    declaring.dedup();
    IacBucketFolder {
        address: address.to_string(),
        folder,
        errors,
        files: declaring,
    }
}

/// A bucket folder that declares nothing yet: every setting unknown.
fn empty_folder(source: &SourceFile, span: Span, bucket: &str, root: &Root) -> BucketFolder {
    let manifest = Loaded {
        source: source.clone(),
        root: super::object(span, Vec::new()),
        doc: Manifest {
            bucket: Spanned {
                value: bucket.to_string(),
                span,
            },
            account: Spanned {
                value: OWN_ACCOUNT.to_string(),
                span,
            },
            canonical_id: None,
            region: None,
            account_dir: None,
            objects: Vec::new(),
            span,
        },
        notes: Vec::new(),
    };
    BucketFolder {
        dir: PathBuf::from(source.name()),
        root: root.clone(),
        manifest,
        policy: Setting::Unknown,
        acl: Setting::Unknown,
        ownership_controls: Setting::Unknown,
        public_access_block: Setting::Unknown,
        policy_status: Setting::Unknown,
        encryption: Setting::Unknown,
        versioning: Setting::Unknown,
        logging: Setting::Unknown,
        cors: Setting::Unknown,
        object_lock: Setting::Unknown,
        notification: Setting::Unknown,
        location: Setting::Unknown,
        access_points: None,
        multi_region_access_points: None,
        object_lambda_access_points: None,
        objects: Vec::new(),
        account: None,
        unknown_files: Vec::new(),
        unsettled: Vec::new(),
        // `aws_kms_key` policies are not linked to buckets yet: the KMS leg stays uncertain.
        kms_keys: Vec::new(),
        vpc_endpoints: Setting::Unknown,
        destinations: None,
        trails: None,
    }
}

/// Reads settings of one IaC file into typed documents, recording refusals and unknowns.
struct Reading<'a> {
    e: &'a Extracted,
    errors: &'a mut Vec<FileReport>,
    unsettled: &'a mut Vec<Unsettled>,
}

impl Reading<'_> {
    /// Reads `value` as a `T`; a shape error is a located report and the setting unknown.
    fn read<T: AwsDocument>(&mut self, value: Value) -> Setting<T> {
        match read::read_value::<T>(&self.e.source, value, Vec::new()) {
            Ok(l) => Setting::Present(l),
            Err(report) => {
                self.errors.push(report);
                Setting::Unknown
            }
        }
    }

    /// Reads `value` as a `T`; a shape error leaves the setting unknown, unreported.
    fn quiet<T: AwsDocument>(&mut self, value: Value) -> Setting<T> {
        read::read_value::<T>(&self.e.source, value, Vec::new())
            .map_or(Setting::Unknown, Setting::Present)
    }

    fn unsettle(&mut self, part: Part, held: &[&Unknown]) {
        for u in held {
            self.unsettled
                .push(unsettled(part.clone(), u, &self.e.source));
        }
    }

    /// One setting (`name` is its bucket-folder file name) into `folder`.
    fn setting(&mut self, folder: &mut BucketFolder, name: &str, value: &Value) {
        // Canonical user ids (the owner's, known only from AWS) never make a grant public:
        // only the All Users and Authenticated Users groups do (S3 "The meaning of public").
        let skip: &[&str] = if name == names::ACL {
            &["Owner", "ID", "DisplayName"]
        } else {
            &[]
        };
        let held = held(value, self.e, skip);
        if name == names::PUBLIC_ACCESS_BLOCK {
            // A flag not known offline is read as off (it could be), and said.
            self.unsettle(Part::PublicAccessBlock, &held);
            let v = assume_off(value.clone(), self.e);
            folder.public_access_block = self.read::<PublicAccessBlock>(v);
            return;
        }
        if !held.is_empty() {
            // A setting holding an unknown is unknown as a whole.
            match name {
                n if n == names::ACL => self.unsettle(Part::Acl, &held),
                n if n == names::OWNERSHIP_CONTROLS => self.unsettle(Part::Ownership, &held),
                _ => {}
            }
            return;
        }
        let v = value.clone();
        match name {
            n if n == names::ACL => folder.acl = self.read(v),
            n if n == names::OWNERSHIP_CONTROLS => {
                folder.ownership_controls = self.read::<OwnershipControls>(v)
            }
            // Settings no verdict of access depends on: one the readers refuse is unknown here
            // (`lint` reports it), not a reason to refuse the bucket.
            n if n == names::ENCRYPTION => folder.encryption = self.quiet(v),
            n if n == names::VERSIONING => folder.versioning = self.quiet(v),
            n if n == names::LOGGING => folder.logging = self.quiet(v),
            n if n == names::CORS => folder.cors = self.quiet(v),
            n if n == names::OBJECT_LOCK => folder.object_lock = self.quiet(v),
            n if n == names::NOTIFICATION => folder.notification = self.quiet(v),
            _ => {}
        }
    }
}

fn unsettled(part: Part, u: &Unknown, source: &SourceFile) -> Unsettled {
    Unsettled {
        part,
        expression: u.expression.clone(),
        why: u.why.clone(),
        source: source.clone(),
        span: u.span,
    }
}

/// The bucket policy: the one bucket policy of the unit attached to this bucket (by address
/// or name); none declared means none (the configuration's answer), but a policy the unit
/// holds only as an unknown, or a second policy for the same bucket, unsettles it.
fn bucket_policy(
    files: &[Extracted],
    address: &str,
    name: Option<&str>,
    folder: &mut BucketFolder,
    unsettled: &mut Vec<Unsettled>,
) {
    let mine = |a: &Option<Attachment>| match a {
        Some(Attachment::Bucket(x)) => x == address,
        Some(Attachment::BucketName(n)) => Some(n.as_str()) == name,
        _ => false,
    };
    let mut found = false;
    for e in files {
        for p in e.policies.iter().filter(|p| p.kind == PolicyKind::Bucket) {
            // A policy whose bucket is not known offline could be this bucket's.
            let open = match &p.attached_to {
                // (not a legacy inline policy, which has its bucket's address)
                None => !files
                    .iter()
                    .any(|f| f.buckets.iter().any(|b| b.address == p.address)),
                Some(Attachment::BucketName(_)) => name.is_none(),
                _ => false,
            };
            if open {
                unsettled.push(Unsettled {
                    part: Part::Policy,
                    expression: p.address.clone(),
                    why: "a bucket policy whose bucket is not known offline".into(),
                    source: e.source.clone(),
                    span: p.document.span,
                });
            }
            // The legacy inline `policy` of `aws_s3_bucket` has the bucket's own address.
            if !(mine(&p.attached_to) || p.attached_to.is_none() && p.address == address) {
                continue;
            }
            let denies = deny_spans(&p.document);
            for u in held(&p.document, e, &[]) {
                let deny = denies
                    .iter()
                    .any(|d| d.start <= u.span.start && u.span.end <= d.end);
                let part = if deny { Part::PolicyDeny } else { Part::Policy };
                unsettled.push(self::unsettled(part, u, &e.source));
            }
            if found {
                // AWS rule: a bucket has one policy; a second PutBucketPolicy replaces the
                // first (S3 API Reference, PutBucketPolicy), so which one holds is open.
                unsettled.push(Unsettled {
                    part: Part::Policy,
                    expression: p.address.clone(),
                    why: "a second policy for the same bucket: which one is in force depends on the order of apply".into(),
                    source: e.source.clone(),
                    span: p.document.span,
                });
                continue;
            }
            found = true;
            let root = widen(p.document.clone(), e);
            folder.policy = if no_statement(&root) && !no_statement(&p.document) {
                // Only Deny statements holding unknowns: what is left grants nothing.
                Setting::Absent {
                    source: e.source.clone(),
                }
            } else {
                Setting::Present(Loaded {
                    source: e.source.clone(),
                    root,
                    doc: RawPolicy { wrapped: false },
                    notes: Vec::new(),
                })
            };
        }
        for u in e.unknowns.iter().filter(|u| whole_policy(u)) {
            unsettled.push(self::unsettled(Part::Policy, u, &e.source));
        }
    }
    if !found {
        folder.policy = Setting::Absent {
            source: folder.manifest.source.clone(),
        };
    }
}

/// Whether `u` is a whole policy not known offline: which bucket it belongs to is then not
/// known either (the readers' wording, `terraform` and `terraform::plan`).
fn whole_policy(u: &Unknown) -> bool {
    u.why.starts_with("the whole policy of")
}

/// Access points: the ones the unit declares for this bucket, each with its description
/// (name, network origin, Block Public Access) and its policy; the configuration declares no
/// other (an access point made elsewhere is not in it, as for a bucket folder's
/// `access-points/`). An access point whose bucket is not known offline, or an access point
/// policy of no declared access point, may be this bucket's: its access points are then open
/// to doubt.
fn access_points(
    files: &[Extracted],
    address: &str,
    name: Option<&str>,
    folder: &mut BucketFolder,
    unsettled: &mut Vec<Unsettled>,
) {
    let mut aps = Vec::new();
    let doubt = |why: &str, what: &str, e: &Extracted, span: Span| Unsettled {
        part: Part::AccessPoints,
        expression: what.to_string(),
        why: why.into(),
        source: e.source.clone(),
        span,
    };
    let declared = |p: &super::IacPolicy| {
        files.iter().flat_map(|e| &e.access_points).any(|ap| {
            p.address == ap.address
                || p.attached_to == Some(Attachment::AccessPoint(ap.address.clone()))
        })
    };
    for e in files {
        for ap in &e.access_points {
            let mine = match &ap.bucket {
                Some(Attachment::Bucket(a)) => a == address,
                Some(Attachment::BucketName(n)) => Some(n.as_str()) == name,
                _ => {
                    let why = "an access point whose bucket is not known offline";
                    unsettled.push(doubt(why, &ap.address, e, ap.span));
                    false
                }
            };
            if mine {
                aps.push(access_point(files, e, ap, folder.bucket(), unsettled));
            }
        }
        for p in e
            .policies
            .iter()
            .filter(|p| p.kind == PolicyKind::AccessPoint)
        {
            if !declared(p) {
                let why =
                    "an access point policy of an access point the configuration does not declare";
                unsettled.push(doubt(why, &p.address, e, p.document.span));
            }
        }
    }
    folder.access_points = Some(aps);
}

/// One access point as an access point folder: its description in the shape
/// `aws s3control get-access-point` prints, and its policy (the first one declared for it).
fn access_point(
    files: &[Extracted],
    e: &Extracted,
    ap: &super::IacAccessPoint,
    bucket: &str,
    unsettled: &mut Vec<Unsettled>,
) -> AccessPointFolder {
    let span = ap.span;
    let text = |s: &str| Value {
        kind: Kind::String(s.into()),
        span,
    };
    let name = ap.name.clone().unwrap_or_else(|| {
        unsettled.push(Unsettled {
            part: Part::AccessPoints,
            expression: format!("{}.name", ap.address),
            why: "the access point name is not known offline".into(),
            source: e.source.clone(),
            span,
        });
        ap.address.clone()
    });
    let mut members = vec![("Name", text(&name)), ("Bucket", text(bucket))];
    match &ap.vpc {
        Some(vpc) => {
            members.push(("NetworkOrigin", text("VPC")));
            members.push((
                "VpcConfiguration",
                super::object(vpc.span, vec![("VpcId", vpc.clone())]),
            ));
        }
        None => members.push(("NetworkOrigin", text("Internet"))),
    }
    if let Some(flags) = &ap.public_access_block {
        for u in held(flags, e, &[]) {
            unsettled.push(self::unsettled(Part::AccessPoints, u, &e.source));
        }
        members.push((
            "PublicAccessBlockConfiguration",
            assume_off(flags.clone(), e),
        ));
    } else {
        // AWS rule: every Block Public Access setting of a new access point is on unless
        // turned off (S3 User Guide, "Managing public access to access points").
        let on = |k| {
            (
                k,
                Value {
                    kind: Kind::Bool(true),
                    span,
                },
            )
        };
        let flags = [
            "BlockPublicAcls",
            "IgnorePublicAcls",
            "BlockPublicPolicy",
            "RestrictPublicBuckets",
        ];
        members.push((
            "PublicAccessBlockConfiguration",
            super::object(span, flags.map(on).to_vec()),
        ));
    }
    let access_point = read::read_value::<crate::aws_docs::AccessPoint>(
        &e.source,
        super::object(span, members),
        Vec::new(),
    )
    .map_or(Setting::Unknown, Setting::Present);
    let mut policy = Setting::Absent {
        source: e.source.clone(),
    };
    let mut found = false;
    for f in files {
        for p in f.policies.iter().filter(|p| {
            p.kind == PolicyKind::AccessPoint
                && (p.address == ap.address
                    || p.attached_to == Some(Attachment::AccessPoint(ap.address.clone())))
        }) {
            let held = held(&p.document, f, &[]);
            for u in &held {
                unsettled.push(self::unsettled(Part::AccessPoints, u, &f.source));
            }
            if found {
                // Like a bucket, an access point has one policy; the last applied holds.
                unsettled.push(Unsettled {
                    part: Part::AccessPoints,
                    expression: p.address.clone(),
                    why: "a second policy for the same access point: which one is in force depends on the order of apply".into(),
                    source: f.source.clone(),
                    span: p.document.span,
                });
                continue;
            }
            found = true;
            policy = Setting::Present(Loaded {
                source: f.source.clone(),
                root: widen(p.document.clone(), f),
                doc: RawPolicy { wrapped: false },
                notes: Vec::new(),
            });
        }
    }
    AccessPointFolder {
        name,
        access_point,
        policy,
    }
}

/// The account folder of the unit's account-level settings
/// (`aws_s3_account_public_access_block`), with the unknowns its flags hold, and its IAM
/// configuration (`iac::identity`); `None` when the unit declares neither.
fn account_folder(
    files: &[Extracted],
    account: &[(usize, String, &'static str, Value)],
    authorization: Option<Loaded<crate::aws_docs::AuthorizationDetails>>,
) -> Option<(AccountFolder, Vec<Unsettled>)> {
    let bpa = account
        .iter()
        .find(|(_, _, n, _)| *n == names::PUBLIC_ACCESS_BLOCK)
        .and_then(|(i, _, _, value)| Some((files.get(*i)?, value)));
    let mut errors = Vec::new();
    let mut unsettled = Vec::new();
    let (e, span, public_access_block) = match bpa {
        Some((e, value)) => {
            let mut reading = Reading {
                e,
                errors: &mut errors,
                unsettled: &mut unsettled,
            };
            reading.unsettle(Part::PublicAccessBlock, &held(value, e, &[]));
            let read = reading.read::<PublicAccessBlock>(assume_off(value.clone(), e));
            (e, value.span, read)
        }
        // Not declared: the account's setting is not in the configuration.
        None if authorization.is_some() => (files.first()?, Span::new(0, 0), Setting::Unknown),
        None => return None,
    };
    let manifest = Loaded {
        source: e.source.clone(),
        root: super::object(span, Vec::new()),
        doc: AccountManifest {
            account: Spanned {
                value: OWN_ACCOUNT.to_string(),
                span,
            },
            canonical_id: None,
            span,
        },
        notes: Vec::new(),
    };
    let folder = AccountFolder {
        dir: PathBuf::from(e.source.name()),
        manifest,
        public_access_block,
        authorization_details: authorization.map_or(Setting::Unknown, Setting::Present),
        trails: None,
        unknown_files: Vec::new(),
    };
    Some((folder, unsettled))
}

fn array(span: Span) -> Value {
    Value {
        kind: Kind::Array(Vec::new()),
        span,
    }
}

/// The unknowns `v` holds: string leaves carrying a placeholder (Terraform's
/// `${iac:unknown-N}` by index; CloudFormation's `unknown-...` and `9999...` account ids by
/// place), members named in `skip` left out.
pub fn held<'a>(v: &Value, e: &'a Extracted, skip: &[&str]) -> Vec<&'a Unknown> {
    let mut out: Vec<&Unknown> = Vec::new();
    leaves(v, skip, &mut |s, span| {
        let found: Vec<&Unknown> = match e.format {
            Format::Terraform | Format::TerraformPlan => {
                super::terraform::value::placeholder_ids(s)
                    .into_iter()
                    .filter_map(|i| e.unknowns.get(i))
                    .collect()
            }
            Format::CloudFormation if cfn_placeholder(s) => e
                .unknowns
                .iter()
                .filter(|u| overlaps(u.span, span))
                .collect(),
            Format::CloudFormation => Vec::new(),
        };
        for u in found {
            if !out.iter().any(|x| std::ptr::eq(*x, u)) {
                out.push(u);
            }
        }
    });
    out
}

fn leaves(v: &Value, skip: &[&str], f: &mut impl FnMut(&str, Span)) {
    match &v.kind {
        Kind::String(s) => f(s, v.span),
        Kind::Array(items) => items.iter().for_each(|x| leaves(x, skip, f)),
        Kind::Object(members) => members
            .iter()
            .filter(|m| !skip.contains(&&*m.key))
            .for_each(|m| leaves(&m.value, skip, f)),
        _ => {}
    }
}

/// Whether a CloudFormation string carries the reader's placeholder of an unknown value.
fn cfn_placeholder(s: &str) -> bool {
    s.contains("unknown-")
        || s.as_bytes()
            .windows(12)
            .any(|w| w.starts_with(b"9999") && w.iter().all(u8::is_ascii_digit))
}

fn overlaps(a: Span, b: Span) -> bool {
    (a.start < b.end && b.start < a.end) || a == b
}

/// `v` with every string leaf that holds an unknown replaced by `false`: a Block Public Access
/// flag not known offline could be off, so it blocks nothing.
fn assume_off(mut v: Value, e: &Extracted) -> Value {
    fn walk(v: &mut Value, e: &Extracted) {
        let unknown = match &v.kind {
            Kind::String(_) => !held(v, e, &[]).is_empty(),
            _ => false,
        };
        if unknown {
            v.kind = Kind::Bool(false);
            return;
        }
        match &mut v.kind {
            Kind::Array(items) => items.iter_mut().for_each(|x| walk(x, e)),
            Kind::Object(members) => members.iter_mut().for_each(|m| walk(&mut m.value, e)),
            _ => {}
        }
    }
    walk(&mut v, e);
    v
}

/// The IaC files read together for one input: a Terraform module directory (the directory
/// given, or the one holding a `.tf` file given), a plan or a template.
#[derive(Debug, Clone)]
pub struct Unit {
    /// One per file (for a module: its files, then its local child modules' files).
    pub files: Vec<Extracted>,
    /// Account-level settings (see [`bucket_folders`]).
    pub account: Vec<(usize, String, &'static str, Value)>,
}

impl Unit {
    /// The buckets it declares, as bucket folders.
    pub fn buckets(&self, root: &Root) -> Vec<IacBucketFolder> {
        bucket_folders(&self.files, &self.account, root)
    }

    /// The reading errors (syntax, limits), one report per file that has one.
    pub fn errors(&self) -> Vec<FileReport> {
        self.files
            .iter()
            .filter(|e| {
                e.findings
                    .iter()
                    .any(|f| f.severity == crate::registry::Severity::Error)
            })
            .map(|e| FileReport {
                source: e.source.clone(),
                file_kind: crate::load::FileKind::Iac {
                    format: e.format.as_str(),
                    policies: e.policies.len(),
                },
                findings: crate::load::locate(&e.source, e.findings.clone(), &[]),
            })
            .collect()
    }
}

/// Whether `path` names Terraform configuration by its name (`.tf`).
pub fn is_terraform(path: &std::path::Path) -> bool {
    super::recognise::by_name(path) == super::recognise::ByName::Terraform
}

/// Reads the Terraform module in directory `dir` with the variable files Terraform loads by
/// itself (`terraform.tfvars`, then `*.auto.tfvars` in name order: Terraform docs, "Variable
/// Definition Precedence"); `None` when it holds no `.tf` file. The directory's own files are
/// the input; local child modules and `file()` arguments are read only inside `root`, as
/// `lint` reads them.
pub fn read_module_dir(dir: &std::path::Path, root: &Root) -> Option<Result<Unit, String>> {
    use super::terraform::{Contained, FsReader, ModuleReader};
    let reader = FsReader;
    let paths = reader.tf_files(dir).ok()?;
    if paths.is_empty() {
        return None;
    }
    let read = |p: &std::path::Path| {
        reader
            .read(p)
            .map(|t| SourceFile::new(p.display().to_string(), t))
            .map_err(|e| format!("cannot read {}: {e}", p.display()))
    };
    let files: Result<Vec<SourceFile>, String> = paths.iter().map(|p| read(p)).collect();
    let vars = super::terraform::autoload_var_files(dir);
    let tfvars: Result<Vec<SourceFile>, String> = vars.iter().map(|p| read(p)).collect();
    Some(files.and_then(|files| {
        let read = super::terraform::read_module(
            dir,
            files,
            &tfvars?,
            std::rc::Rc::new(Contained { root: root.clone() }),
        );
        Ok(Unit {
            files: read.files,
            account: read.account,
        })
    }))
}

/// Reads a plan (`terraform show -json`) or a CloudFormation template from `source`; `None`
/// for any other text (a policy, an AWS CLI output, other JSON or YAML).
pub fn read_document(source: SourceFile) -> Option<Unit> {
    super::recognise::read_document(source).map(|e| Unit {
        files: vec![e],
        account: Vec::new(),
    })
}

/// `doc` as the policy readers may take it when values are not known offline (the verdicts
/// a statement holding one touches are uncertain, `public::unsettled`): in an Allow statement a
/// `Principal`, `Action` or `Resource` value holding an unknown is read as `*` (it could be
/// anything, so it could grant to anyone); a Deny statement holding one is left out (it may
/// not apply, and a Deny never makes a policy non-public). The placeholder itself is no
/// principal, action or resource the readers accept.
pub(super) fn widen(mut doc: Value, e: &Extracted) -> Value {
    if let Kind::Object(members) = &mut doc.kind {
        for m in members.iter_mut().filter(|m| &*m.key == "Statement") {
            match &mut m.value.kind {
                Kind::Array(items) => {
                    items.retain(|st| !is_effect(st, "Deny") || held(st, e, &[]).is_empty());
                    items.iter_mut().for_each(|st| widen_allow(st, e));
                }
                _ => widen_allow(&mut m.value, e),
            }
        }
    }
    doc
}

/// The spans of the Deny statements of a policy document.
fn deny_spans(doc: &Value) -> Vec<Span> {
    statements(doc)
        .into_iter()
        .filter(|st| is_effect(st, "Deny"))
        .map(|st| st.span)
        .collect()
}

fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement").map(|s| &s.kind) {
        Some(Kind::Array(items)) => items.iter().collect(),
        Some(_) => doc.get("Statement").into_iter().collect(),
        None => Vec::new(),
    }
}

/// Whether a policy document has an empty `Statement` array.
fn no_statement(doc: &Value) -> bool {
    matches!(doc.get("Statement").map(|s| &s.kind), Some(Kind::Array(items)) if items.is_empty())
}

fn is_effect(st: &Value, effect: &str) -> bool {
    st.get("Effect").and_then(Value::as_str) == Some(effect)
}

fn widen_allow(st: &mut Value, e: &Extracted) {
    if !is_effect(st, "Allow") {
        return;
    }
    if let Kind::Object(members) = &mut st.kind {
        for m in members
            .iter_mut()
            .filter(|m| ["Principal", "Action", "Resource"].contains(&&*m.key))
        {
            any_value(&mut m.value, e);
        }
    }
}

fn any_value(v: &mut Value, e: &Extracted) {
    if matches!(v.kind, Kind::String(_)) {
        if !held(v, e, &[]).is_empty() {
            v.kind = Kind::String("*".into());
        }
        return;
    }
    match &mut v.kind {
        Kind::Array(items) => items.iter_mut().for_each(|x| any_value(x, e)),
        Kind::Object(members) => members.iter_mut().for_each(|m| any_value(&mut m.value, e)),
        _ => {}
    }
}

/// Reads the unit of `path`: a directory's module, a `.tf` file's directory's module, or a
/// plan or template; `None` for anything else. What a module refers to is read only inside
/// `root`.
pub fn read_path(path: &Path, root: &Root) -> Option<Unit> {
    if path.is_dir() {
        return read_module_dir(path, root).map(|r| r.unwrap_or_else(|e| unreadable(path, &e)));
    }
    if is_terraform(path) {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        return read_module_dir(dir, root).map(|r| r.unwrap_or_else(|e| unreadable(path, &e)));
    }
    use super::recognise::{ByName, by_name};
    if !matches!(by_name(path), ByName::Json | ByName::Yaml) {
        return None;
    }
    let bytes = crate::load::read_limited(path).ok()?;
    let text = super::terraform::plan::decode(bytes).ok()?;
    read_document(SourceFile::new(path.display().to_string(), text))
}

/// A unit that could not be read: its one file with the error.
fn unreadable(path: &Path, error: &str) -> Unit {
    let mut e = super::terraform::empty(
        SourceFile::new(path.display().to_string(), ""),
        Format::Terraform,
    );
    e.findings.push(crate::diagnostic::Finding::new(
        crate::registry::Code::TerraformSyntax,
        crate::source::Span::new(0, 0),
        error.to_string(),
    ));
    Unit {
        files: vec![e],
        account: Vec::new(),
    }
}

/// `FILE#ADDRESS` (one bucket of an IaC file: `main.tf#aws_s3_bucket.logs`) split at the
/// first `#` after which the file exists (an address may hold `#` too: `x["a#b"]`); `None`
/// when `path` exists as written or no such split exists.
pub fn split_address(path: &Path) -> Option<(PathBuf, String)> {
    if path.exists() {
        return None;
    }
    let text = path.to_str()?;
    text.match_indices('#')
        .map(|(i, _)| (&text[..i], &text[i + 1..]))
        .find(|(file, _)| Path::new(file).exists())
        .map(|(file, address)| (PathBuf::from(file), address.to_string()))
}

/// Why no single bucket was picked.
#[derive(Debug)]
pub enum NotPicked {
    /// The unit or the bucket's settings have errors.
    Errors(Vec<FileReport>),
    /// No such bucket, or several and none named: the message says which there are.
    Other(String),
}

/// The bucket `address` of `unit` (read from `file`); without an address, its only bucket.
pub fn pick(
    unit: &Unit,
    file: &Path,
    address: Option<&str>,
    root: &Root,
) -> Result<IacBucketFolder, NotPicked> {
    let errors = unit.errors();
    if !errors.is_empty() {
        return Err(NotPicked::Errors(errors));
    }
    let mut buckets = unit.buckets(root);
    let names = |bs: &[IacBucketFolder]| {
        let all: Vec<&str> = bs.iter().map(|b| b.address.as_str()).collect();
        if all.is_empty() {
            "none".to_string()
        } else {
            all.join(", ")
        }
    };
    let at = match address {
        Some(a) => buckets.iter().position(|b| b.address == a),
        None if buckets.len() == 1 => Some(0),
        None if buckets.is_empty() => None,
        None => {
            return Err(NotPicked::Other(format!(
                "{} declares several buckets: name one as {}#ADDRESS ({})",
                file.display(),
                file.display(),
                names(&buckets)
            )));
        }
    };
    let Some(at) = at else {
        return Err(NotPicked::Other(format!(
            "{} declares no bucket{}; it declares: {}",
            file.display(),
            address.map(|a| format!(" `{a}`")).unwrap_or_default(),
            names(&buckets)
        )));
    };
    let b = buckets.swap_remove(at);
    if b.errors.is_empty() {
        Ok(b)
    } else {
        Err(NotPicked::Errors(b.errors))
    }
}

/// The two sides of a Terraform plan, for `diff`: the buckets before the apply and after it.
#[derive(Debug, Clone)]
pub struct PlanSides {
    /// Before: each bucket that exists before the apply with its policy, ACL, Block Public
    /// Access, Object Ownership and versioning before it (`resource_changes[].change.before`;
    /// a resource the apply creates is absent).
    pub old: Vec<IacBucketFolder>,
    /// After: the planned values (`planned_values`), as `public` reads the plan.
    pub new: Vec<IacBucketFolder>,
}

/// Reads a plan (`terraform show -json`, text already decoded) into its two sides. Addresses
/// are the plan's (`module.logs.aws_s3_bucket.this`), the same on both sides.
pub fn plan_sides(source: SourceFile, root: &Root) -> PlanSides {
    let read = super::terraform::plan::read_plan(source);
    let new = bucket_folders(std::slice::from_ref(&read.after), &[], root);
    // The resources before the apply, read as the planned ones are: what they do not declare
    // is what the configuration says (no ACL resource: the default ACL) or unknown (Block
    // Public Access, Object Ownership), as after it.
    let old = bucket_folders(std::slice::from_ref(&read.prior), &[], root);
    PlanSides { old, new }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = r#"{"format_version":"1.2","planned_values":{"root_module":{"resources":[
{"address":"aws_s3_bucket.b","mode":"managed","type":"aws_s3_bucket","name":"b","values":{"bucket":"bkt"}},
{"address":"aws_s3_bucket_policy.b","mode":"managed","type":"aws_s3_bucket_policy","name":"b","values":{"bucket":"bkt",
"policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::bkt/*\"}]}"}}]}},
"resource_changes":[{"address":"aws_s3_bucket_policy.b","type":"aws_s3_bucket_policy","change":{"actions":["update"],
"before":{"bucket":"bkt","policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"111122223333\"},\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::bkt/*\"}]}"},
"after":{},"after_unknown":{}}}]}"#;

    fn principal(f: &IacBucketFolder) -> String {
        let l = f.folder.policy.loaded().unwrap();
        let st = &l.root.get("Statement").unwrap().as_array().unwrap()[0];
        let p = st.get("Principal").unwrap();
        l.source.slice(p.span).to_string()
    }

    #[test]
    fn a_plan_gives_the_policy_before_and_after_for_the_same_bucket() {
        let sides = plan_sides(SourceFile::new("plan.json", PLAN), &Root::default());
        assert_eq!(sides.old.len(), 1);
        assert_eq!(sides.new.len(), 1);
        assert_eq!(sides.old[0].address, "aws_s3_bucket.b");
        assert_eq!(sides.new[0].address, "aws_s3_bucket.b");
        assert_eq!(principal(&sides.new[0]), "\\\"*\\\"");
        assert!(principal(&sides.old[0]).contains("111122223333"));
        // No ACL resource before or after: the default ACL on both sides.
        assert!(!sides.old[0].folder.acl.is_unknown());
        assert!(!sides.new[0].folder.acl.is_unknown());
    }

    #[test]
    fn a_template_with_two_buckets_gives_two_folders_with_their_settings() {
        let t = "Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: a\n      AccessControl: PublicRead\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      PublicAccessBlockConfiguration:\n        BlockPublicAcls: !Ref Strict\n        IgnorePublicAcls: true\n        BlockPublicPolicy: true\n        RestrictPublicBuckets: true\nParameters:\n  Strict:\n    Type: String\n";
        let unit = read_document(SourceFile::new("t.yaml", t)).unwrap();
        let buckets = unit.buckets(&Root::default());
        assert_eq!(buckets.len(), 2);
        assert_eq!(buckets[0].folder.bucket(), "a");
        assert!(buckets[0].folder.acl.doc().unwrap().is_public());
        // B's name is the reader's symbol for the name CloudFormation generates; its unknown
        // flag is read as off and listed.
        assert_eq!(buckets[1].folder.bucket(), "stack-b");
        let bpa = buckets[1].folder.public_access_block.doc().unwrap();
        assert!(!bpa.block_public_acls && bpa.ignore_public_acls);
        let parts: Vec<&Part> = buckets[1]
            .folder
            .unsettled
            .iter()
            .map(|u| &u.part)
            .collect();
        assert_eq!(parts, [&Part::PublicAccessBlock]);
    }
}
