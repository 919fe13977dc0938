//! Infrastructure as code: Terraform (HCL and plan JSON) and CloudFormation (JSON and YAML,
//! SAM, CDK output) read into the one document model.
//!
//! A reader turns an IaC file into an [`Extracted`]: the policies and bucket settings it
//! declares, as JSON values ([`crate::json::Value`]) whose spans point into the IaC file itself.
//! The rest of the pipeline (parse, validate, audit, decide, locate) then works unchanged, and
//! every finding lands on the line and column the user edits, inside `jsonencode(...)`, a
//! heredoc or a policy-document block alike. What cannot be known offline (a data source, a
//! remote module, a value known only after apply, a parameter without a default) is an
//! [`Unknown`]: it never makes anything look safe, and where it decides a verdict the output
//! names it with its place.

pub mod cloudformation;
pub mod identity;
pub mod model;
pub mod recognise;
pub mod terraform;

use crate::diagnostic::Finding;
use crate::json::Value;
use crate::load::{self, Analysis, FileKind, FileReport, LoadOptions, Located};
use crate::policy::PolicyKind;
use crate::source::{SourceFile, Span};

/// The IaC formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Terraform configuration (`.tf`, `.tf.json`).
    Terraform,
    /// A Terraform plan (`terraform show -json`).
    TerraformPlan,
    /// A CloudFormation, SAM or CDK-synthesised template, JSON or YAML.
    CloudFormation,
}

impl Format {
    /// The name shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Terraform => "Terraform",
            Format::TerraformPlan => "Terraform plan",
            Format::CloudFormation => "CloudFormation template",
        }
    }
}

/// Everything an IaC file declares that s3-access reads.
#[derive(Debug, Clone)]
pub struct Extracted {
    /// The file as read: every span below is a byte range of its text.
    pub source: SourceFile,
    /// Which format it is.
    pub format: Format,
    /// The policies, in file order.
    pub policies: Vec<IacPolicy>,
    /// The buckets, each with the settings linked to it.
    pub buckets: Vec<IacBucket>,
    /// Values that cannot be known offline, in file order.
    pub unknowns: Vec<Unknown>,
    /// Problems reading the file: syntax errors (E-codes) and constructs the reader does not
    /// follow (notes), each located.
    pub findings: Vec<Finding>,
    /// The IAM roles, users, groups and managed policies it declares, and what attaches them.
    pub iam: Iam,
    /// The S3 access points it declares (their policies are in `policies`).
    pub access_points: Vec<IacAccessPoint>,
}

/// An S3 access point a configuration declares.
#[derive(Debug, Clone)]
pub struct IacAccessPoint {
    /// The resource address or logical id.
    pub address: String,
    /// The access point name, when known offline.
    pub name: Option<String>,
    /// The bucket behind it; `None` when not known offline.
    pub bucket: Option<Attachment>,
    /// `VpcId` when requests are limited to one VPC (the value as declared, possibly holding
    /// an unknown); `None` for an access point open to the Internet.
    pub vpc: Option<Value>,
    /// Its Block Public Access flags as declared, `{"BlockPublicAcls": ..., ...}`, every flag
    /// given; `None` when not declared (AWS then turns every flag on).
    pub public_access_block: Option<Value>,
    /// The declaring block.
    pub span: Span,
}

/// The IAM side of a configuration: who the identity policies belong to.
#[derive(Debug, Clone, Default)]
pub struct Iam {
    /// Roles, users, groups and customer managed policies, in file order.
    pub entities: Vec<IamEntity>,
    /// Managed policy attachments and group memberships.
    pub links: Vec<IamLink>,
}

/// What an [`IamEntity`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IamKind {
    /// An IAM role.
    Role,
    /// An IAM user.
    User,
    /// An IAM group.
    Group,
    /// A customer managed policy (its document is the [`IacPolicy`] of the same address).
    ManagedPolicy,
}

/// A role, user, group or managed policy a configuration declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamEntity {
    /// The resource address or logical id.
    pub address: String,
    /// Which kind.
    pub kind: IamKind,
    /// The IAM name, when known offline.
    pub name: Option<String>,
    /// The IAM path (`/` when not set).
    pub path: String,
    /// The declaring block.
    pub span: Span,
}

/// One end of an [`IamLink`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IamRef {
    /// A resource of the configuration, by address or logical id.
    Address(String),
    /// A role, user or group by its IAM name.
    Name(String),
    /// A managed policy by ARN (an AWS managed policy, or one declared elsewhere).
    Arn(String),
    /// A value not known offline: the expression as written.
    Unknown(String),
}

/// What a [`IamLink`] says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IamLinkKind {
    /// A policy (managed, or CloudFormation's `AWS::IAM::Policy`) attached to a principal.
    Policy,
    /// A user in a group.
    Member,
    /// A managed policy set as a role's or user's permissions boundary
    /// (`permissions_boundary`, `PermissionsBoundary`).
    Boundary,
}

/// A policy attached to a role, user or group, or a user put in a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamLink {
    /// What it says.
    pub kind: IamLinkKind,
    /// The policy (or the group, for [`IamLinkKind::Member`]).
    pub from: IamRef,
    /// The role, user or group (the user, for a membership).
    pub to: IamRef,
    /// Where it is written.
    pub span: Span,
}

/// One policy an IaC file declares.
#[derive(Debug, Clone)]
pub struct IacPolicy {
    /// Where it comes from: the resource address (`aws_s3_bucket_policy.this`,
    /// `module.logs.aws_s3_bucket_policy.this[0]`, `data.aws_iam_policy_document.tls`) or the
    /// logical id (`BucketPolicy`), with the property when there are several
    /// (`Role.AssumeRolePolicyDocument`).
    pub address: String,
    /// What kind of policy it is: decided by the resource type, never guessed.
    pub kind: PolicyKind,
    /// The policy document, spans in [`Extracted::source`].
    pub document: Value,
    /// What the policy is attached to, where known: the bucket of a bucket policy, the access
    /// point of an access point policy, the role, user or group of an identity policy.
    pub attached_to: Option<Attachment>,
}

/// What a policy is attached to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attachment {
    /// A bucket declared in the same configuration, by its address or logical id.
    Bucket(String),
    /// A bucket known only by name (a literal, or a bucket declared elsewhere).
    BucketName(String),
    /// An access point declared in the same configuration.
    AccessPoint(String),
    /// A role, user or group declared in the same configuration.
    Principal(String),
}

/// One bucket an IaC file declares, with its settings.
#[derive(Debug, Clone)]
pub struct IacBucket {
    /// The resource address or logical id.
    pub address: String,
    /// The bucket name, when known.
    pub name: Option<String>,
    /// The declaring block (resource or template entry).
    pub span: Span,
    /// The settings, each shaped as the AWS CLI prints it and keyed by its bucket-folder file
    /// name (`crate::aws_docs::folder::names`, e.g. `public-access-block.json` holding
    /// `{"PublicAccessBlockConfiguration": {...}}`), so the bucket-folder readers read them;
    /// spans in [`Extracted::source`]. A setting that is not declared is not listed.
    pub settings: Vec<(&'static str, Value)>,
}

impl Extracted {
    /// The unknowns written inside `span` (a policy document's or a bucket setting's): a
    /// verdict that depends on such a value is uncertain, never safe.
    pub fn unknowns_in(&self, span: Span) -> impl Iterator<Item = &Unknown> {
        self.unknowns
            .iter()
            .filter(move |u| span.start <= u.span.start && u.span.end <= span.end)
    }
}

/// A value that cannot be known offline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// The expression as written (`data.aws_caller_identity.current.account_id`, `!Ref Env`).
    pub expression: String,
    /// Where it is.
    pub span: Span,
    /// Why it is unknown, in a few words (`a data source`, `known only after apply`).
    pub why: String,
}

/// An object a reader builds (an AWS CLI shape from IaC properties), spanning `span`: each
/// key takes the place of its value, so a finding on the key points at what the user wrote.
pub fn object(span: Span, members: Vec<(&str, Value)>) -> Value {
    Value {
        kind: crate::json::Kind::Object(
            members
                .into_iter()
                .map(|(k, value)| crate::json::Member {
                    key: k.into(),
                    key_span: value.span,
                    value,
                })
                .collect(),
        ),
        span,
    }
}

/// Loads every policy of an IaC file (grammar and validation, plus `options.check`, the lint
/// run's audit) into one report of the IaC file: findings are located in the IaC text and
/// each policy's JSON pointer is relative to its document.
pub fn analyze(extracted: &Extracted, options: &LoadOptions<'_>) -> Analysis {
    let mut findings: Vec<Located> = Vec::new();
    let mut policies = Vec::new();
    for p in &extracted.policies {
        let forced = LoadOptions {
            kind: Some(p.kind),
            check: options.check,
        };
        let a = load::analyze_value(extracted.source.clone(), &p.document, &forced, Vec::new());
        findings.extend(a.report.findings);
        policies.extend(a.policies);
    }
    let own = load::locate(&extracted.source, extracted.findings.clone(), &[]);
    findings.extend(own);
    findings.sort_by_key(|f| (f.finding.span.start, f.finding.span.end, f.finding.code));
    Analysis {
        report: FileReport {
            source: extracted.source.clone(),
            file_kind: FileKind::Iac {
                format: extracted.format.as_str(),
                policies: extracted.policies.len(),
            },
            findings,
        },
        policies,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Code;

    /// A heredoc policy in a `.tf` file, as a reader would hand it over: the JSON parsed from
    /// the heredoc, its spans shifted to the heredoc's place in the file.
    fn heredoc_policy(text: &str) -> Value {
        let start = text.find("{\"Version\"").unwrap();
        let end = text.find("\nEOF").unwrap();
        let mut v = crate::json::parse(&text[start..end]).unwrap();
        let shift = u32::try_from(start).unwrap();
        v.remap(&|at| at + shift);
        v
    }

    #[test]
    fn findings_are_located_in_the_iac_file() {
        let text = "resource \"aws_s3_bucket_policy\" \"p\" {\n  bucket = \"b\"\n  policy = <<EOF\n{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Alow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}]}\nEOF\n}\n";
        let source = SourceFile::new("main.tf", text);
        let document = heredoc_policy(text);
        let extracted = Extracted {
            source: source.clone(),
            format: Format::Terraform,
            policies: vec![IacPolicy {
                address: "aws_s3_bucket_policy.p".into(),
                kind: PolicyKind::Bucket,
                document,
                attached_to: Some(Attachment::BucketName("b".into())),
            }],
            buckets: Vec::new(),
            unknowns: Vec::new(),
            findings: Vec::new(),
            iam: Iam::default(),
            access_points: Vec::new(),
        };
        let a = analyze(&extracted, &LoadOptions::default());
        let f = a
            .report
            .findings
            .iter()
            .find(|f| f.finding.code == Code::InvalidEffect)
            .unwrap();
        assert_eq!((f.start.line, f.path.as_str()), (4, "/Statement/0/Effect"));
        assert_eq!(source.slice(f.finding.span), "\"Alow\"");
        assert_eq!(
            a.report.file_kind,
            FileKind::Iac {
                format: "Terraform",
                policies: 1,
            }
        );
    }
}
