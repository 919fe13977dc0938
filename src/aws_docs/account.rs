//! An account's IAM configuration: `aws iam get-account-authorization-details` output.
//!
//! The output lists users, groups and roles with their inline policies, attached managed
//! policy ARNs, permissions boundaries and tags, and the managed policies with every stored
//! version. Policy documents are lowered to [`Policy`] values with spans into the file, so an
//! evaluation can point at the statement that decided. The AWS CLI prints documents as JSON
//! objects; the raw IAM API returns them as URL-encoded strings, which some tools keep. Both
//! are read (see [`read::parse_string_document`]).
//!
//! Only the default version of each managed policy is lowered. Lint findings below error
//! severity inside the documents are dropped: IAM accepted these documents, and
//! `s3-access lint` is the place for style advice.

use super::read::{self, AwsDocument, Reader, at, join};
use crate::diagnostic::Finding;
use crate::json::{Kind, Value};
use crate::load::{self, LoadOptions};
use crate::policy::{Policy, PolicyKind, Spanned};
use crate::registry::{Code, Severity};
use crate::source::{SourceFile, Span};

/// The file a policy document read from elsewhere is written in (two are the same file when
/// their names are).
#[derive(Debug, Clone)]
pub struct DocumentFile(pub SourceFile);

impl PartialEq for DocumentFile {
    fn eq(&self, other: &DocumentFile) -> bool {
        self.0.name() == other.0.name()
    }
}

/// An inline policy of a user, group or role.
#[derive(Debug, Clone, PartialEq)]
pub struct InlinePolicy {
    /// `PolicyName`.
    pub name: Spanned<String>,
    /// The lowered `PolicyDocument`.
    pub policy: Policy,
    /// Whether the document was a URL-encoded string.
    pub url_encoded: bool,
    /// The span of the `{PolicyName, PolicyDocument}` object.
    pub span: Span,
    /// The file the document is written in, when not the details' own file (a policy read
    /// from infrastructure as code, `iac::identity`).
    pub source: Option<DocumentFile>,
}

/// A managed policy attached to a user, group or role.
#[derive(Debug, Clone, PartialEq)]
pub struct AttachedPolicy {
    /// `PolicyName`, if present.
    pub name: Option<String>,
    /// `PolicyArn`.
    pub arn: Spanned<String>,
}

/// A resource tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// `Key`.
    pub key: String,
    /// `Value`.
    pub value: String,
}

/// An IAM user (`UserDetailList` entry).
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// `UserName`.
    pub name: Spanned<String>,
    /// `Arn`.
    pub arn: Spanned<String>,
    /// `Path`.
    pub path: Option<String>,
    /// `UserId` (the unique id, `AIDA...`).
    pub id: Option<String>,
    /// `GroupList`: names of the groups the user is in.
    pub groups: Vec<Spanned<String>>,
    /// `UserPolicyList`.
    pub inline_policies: Vec<InlinePolicy>,
    /// `AttachedManagedPolicies`.
    pub attached: Vec<AttachedPolicy>,
    /// `PermissionsBoundary.PermissionsBoundaryArn`.
    pub boundary: Option<Spanned<String>>,
    /// `Tags`.
    pub tags: Vec<Tag>,
    /// The span of the entry.
    pub span: Span,
}

/// An IAM group (`GroupDetailList` entry).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// `GroupName`.
    pub name: Spanned<String>,
    /// `Arn`.
    pub arn: Spanned<String>,
    /// `Path`.
    pub path: Option<String>,
    /// `GroupId`.
    pub id: Option<String>,
    /// `GroupPolicyList`.
    pub inline_policies: Vec<InlinePolicy>,
    /// `AttachedManagedPolicies`.
    pub attached: Vec<AttachedPolicy>,
    /// The span of the entry.
    pub span: Span,
}

/// An IAM role (`RoleDetailList` entry).
#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    /// `RoleName`.
    pub name: Spanned<String>,
    /// `Arn`.
    pub arn: Spanned<String>,
    /// `Path`.
    pub path: Option<String>,
    /// `RoleId` (the unique id, `AROA...`).
    pub id: Option<String>,
    /// The lowered `AssumeRolePolicyDocument` (kind [`PolicyKind::Trust`]).
    pub trust_policy: Option<Policy>,
    /// `RolePolicyList`.
    pub inline_policies: Vec<InlinePolicy>,
    /// `AttachedManagedPolicies`.
    pub attached: Vec<AttachedPolicy>,
    /// `PermissionsBoundary.PermissionsBoundaryArn`.
    pub boundary: Option<Spanned<String>>,
    /// `Tags`.
    pub tags: Vec<Tag>,
    /// The span of the entry.
    pub span: Span,
}

/// A managed policy (`Policies` entry), customer- or AWS-managed.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagedPolicy {
    /// `PolicyName`.
    pub name: Spanned<String>,
    /// `Arn`.
    pub arn: Spanned<String>,
    /// `PolicyId`.
    pub id: Option<String>,
    /// `Path`.
    pub path: Option<String>,
    /// `DefaultVersionId`.
    pub default_version_id: Option<String>,
    /// `IsAttachable`.
    pub is_attachable: Option<bool>,
    /// The lowered document of the default version (kind [`PolicyKind::Identity`]; set the
    /// kind to [`PolicyKind::PermissionsBoundary`] when using it as a boundary).
    pub document: Policy,
    /// The span of the entry.
    pub span: Span,
    /// The file the document is written in, when not the details' own file (infrastructure
    /// as code).
    pub source: Option<DocumentFile>,
}

/// `aws iam get-account-authorization-details` output.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizationDetails {
    /// `UserDetailList`.
    pub users: Vec<User>,
    /// `GroupDetailList`.
    pub groups: Vec<Group>,
    /// `RoleDetailList`.
    pub roles: Vec<Role>,
    /// `Policies`.
    pub policies: Vec<ManagedPolicy>,
    /// The span of the document.
    pub span: Span,
    /// What is not known offline about a principal's permissions, by principal ARN (`*`: any
    /// principal listed; a user's also apply through its groups' ARNs): sentences for the
    /// output. Empty for the AWS CLI output; infrastructure as code fills it (`iac::identity`).
    pub unknowns: Vec<(String, String)>,
    /// The positions in `unknowns` of entries that add no permission the policies as read
    /// lack: a value already read at its widest (an Allow value as `*`, a Deny holding one
    /// left out) or a permissions boundary not applied. The others (a policy or group that may
    /// be missing) may allow more than the policies read.
    pub widened: Vec<usize>,
}

/// Where an identity policy of a principal comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin<'a> {
    /// An inline policy of the principal itself.
    Inline {
        /// The policy name.
        name: &'a str,
    },
    /// A managed policy attached to the principal.
    Managed {
        /// The policy ARN.
        arn: &'a str,
    },
    /// An inline policy of a group the user is in.
    GroupInline {
        /// The group name.
        group: &'a str,
        /// The policy name.
        name: &'a str,
    },
    /// A managed policy attached to a group the user is in.
    GroupManaged {
        /// The group name.
        group: &'a str,
        /// The policy ARN.
        arn: &'a str,
    },
}

/// One identity policy that applies to a principal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IdentityPolicy<'a> {
    /// The lowered policy.
    pub policy: &'a Policy,
    /// The file it is written in, when not the details' own.
    pub source: Option<&'a DocumentFile>,
    /// Where it comes from.
    pub origin: Origin<'a>,
}

/// A reference the output does not resolve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unresolved<'a> {
    /// An attached managed policy ARN with no entry in `Policies` (e.g. the output was
    /// filtered with `--filter`).
    ManagedPolicy(&'a Spanned<String>),
    /// A group name with no entry in `GroupDetailList`.
    Group(&'a Spanned<String>),
}

/// The identity policies of one principal.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityPolicies<'a> {
    /// Inline, then attached, then (for users) each group's inline and attached policies.
    pub policies: Vec<IdentityPolicy<'a>>,
    /// References that could not be resolved; the set of policies is then incomplete.
    pub unresolved: Vec<Unresolved<'a>>,
}

/// A principal's permissions boundary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Boundary<'a> {
    /// The boundary policy ARN.
    pub arn: &'a Spanned<String>,
    /// The managed policy, if the output has it.
    pub policy: Option<&'a ManagedPolicy>,
}

/// The principal behind an ARN.
enum Principal<'a> {
    User(&'a User),
    Role(&'a Role),
}

impl AuthorizationDetails {
    /// The user with this ARN.
    pub fn user(&self, arn: &str) -> Option<&User> {
        self.users.iter().find(|u| u.arn.value == arn)
    }

    /// The role with this ARN, or the role of an assumed-role session ARN
    /// (`arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`).
    pub fn role(&self, arn: &str) -> Option<&Role> {
        if let Some(role) = self.roles.iter().find(|r| r.arn.value == arn) {
            return Some(role);
        }
        let parsed = crate::arn::parse(arn).ok()?;
        if parsed.service != "sts" {
            return None;
        }
        let rest = parsed.resource.strip_prefix("assumed-role/")?;
        let name = rest.split('/').next()?;
        self.roles.iter().find(|r| {
            r.name.value == name
                && crate::arn::parse(&r.arn.value)
                    .is_ok_and(|a| a.account == parsed.account && a.partition == parsed.partition)
        })
    }

    /// The group with this name.
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name.value == name)
    }

    /// The managed policy with this ARN.
    pub fn managed_policy(&self, arn: &str) -> Option<&ManagedPolicy> {
        self.policies.iter().find(|p| p.arn.value == arn)
    }

    fn principal(&self, arn: &str) -> Option<Principal<'_>> {
        self.user(arn)
            .map(Principal::User)
            .or_else(|| self.role(arn).map(Principal::Role))
    }

    /// The identity policies of the user or role with this ARN (an assumed-role session ARN
    /// resolves to its role): inline, attached, and for a user every group's. `None` when the
    /// output has no such principal.
    pub fn identity_policies_of(&self, principal_arn: &str) -> Option<IdentityPolicies<'_>> {
        let mut out = IdentityPolicies {
            policies: Vec::new(),
            unresolved: Vec::new(),
        };
        let (inline, attached) = match self.principal(principal_arn)? {
            Principal::User(u) => (&u.inline_policies, &u.attached),
            Principal::Role(r) => (&r.inline_policies, &r.attached),
        };
        for p in inline {
            out.policies.push(IdentityPolicy {
                policy: &p.policy,
                source: p.source.as_ref(),
                origin: Origin::Inline {
                    name: &p.name.value,
                },
            });
        }
        self.add_attached(attached, None, &mut out);
        if let Some(Principal::User(u)) = self.principal(principal_arn) {
            for g in &u.groups {
                let Some(group) = self.group(&g.value) else {
                    out.unresolved.push(Unresolved::Group(g));
                    continue;
                };
                for p in &group.inline_policies {
                    out.policies.push(IdentityPolicy {
                        policy: &p.policy,
                        source: p.source.as_ref(),
                        origin: Origin::GroupInline {
                            group: &group.name.value,
                            name: &p.name.value,
                        },
                    });
                }
                self.add_attached(&group.attached, Some(&group.name.value), &mut out);
            }
        }
        Some(out)
    }

    fn add_attached<'a>(
        &'a self,
        attached: &'a [AttachedPolicy],
        group: Option<&'a str>,
        out: &mut IdentityPolicies<'a>,
    ) {
        for a in attached {
            match self.managed_policy(&a.arn.value) {
                Some(m) => out.policies.push(IdentityPolicy {
                    policy: &m.document,
                    source: m.source.as_ref(),
                    origin: match group {
                        Some(group) => Origin::GroupManaged {
                            group,
                            arn: &a.arn.value,
                        },
                        None => Origin::Managed { arn: &a.arn.value },
                    },
                }),
                None => out.unresolved.push(Unresolved::ManagedPolicy(&a.arn)),
            }
        }
    }

    /// The permissions boundary of the user or role with this ARN, if it has one.
    pub fn boundary_of(&self, principal_arn: &str) -> Option<Boundary<'_>> {
        let arn = match self.principal(principal_arn)? {
            Principal::User(u) => u.boundary.as_ref()?,
            Principal::Role(r) => r.boundary.as_ref()?,
        };
        Some(Boundary {
            arn,
            policy: self.managed_policy(&arn.value),
        })
    }

    /// Every user, group and role ARN, with its span (for account consistency checks).
    pub fn principal_arns(&self) -> impl Iterator<Item = &Spanned<String>> {
        self.users
            .iter()
            .map(|u| &u.arn)
            .chain(self.groups.iter().map(|g| &g.arn))
            .chain(self.roles.iter().map(|r| &r.arn))
    }
}

/// Lowers one policy document (an object, a JSON string or a URL-encoded string).
fn lower(doc: &Value, path: &str, kind: PolicyKind, r: &mut Reader) -> Option<(Policy, bool)> {
    let source = r.source().clone();
    let (value, url_encoded) = match &doc.kind {
        Kind::Object(_) => (None, false),
        Kind::String(s) => {
            let encoded = read::is_url_encoded(s);
            match read::parse_string_document(&source, doc) {
                Ok(v) => (Some(v), encoded),
                Err(e) => {
                    let mut f = read::json_error(&e);
                    f.message = format!("{} in the policy document `{path}`", f.message);
                    r.push(f);
                    return None;
                }
            }
        }
        _ => {
            r.error(
                doc.span,
                format!(
                    "`{path}` must be a policy document (an object or a string), found {}",
                    read::describe(doc)
                ),
            );
            return None;
        }
    };
    let root = value.as_ref().unwrap_or(doc);
    let analysis = load::analyze_value(source, root, &LoadOptions::of_kind(kind), Vec::new());
    let mut failed = false;
    for located in analysis.report.findings {
        let f: Finding = located.finding;
        // The size of a URL-encoded document in the file is not its size for IAM.
        if url_encoded && f.code == Code::PolicyTooLarge {
            continue;
        }
        if f.severity == Severity::Error {
            failed = true;
            r.push(f);
        }
    }
    let policy = analysis.policies.into_iter().next();
    if policy.is_none() && !failed {
        r.error(
            read::head(doc.span),
            format!("`{path}` is not a policy document"),
        );
    }
    if failed {
        return None;
    }
    Some((policy?, url_encoded))
}

fn read_inline_list(
    entry: &Value,
    key: &str,
    path: &str,
    r: &mut Reader,
) -> Option<Vec<InlinePolicy>> {
    let Some(list) = entry.get(key) else {
        return Some(Vec::new());
    };
    let lp = join(path, key);
    let items = r.array(list, &lp)?;
    let before = r.error_count();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = at(&lp, i);
        if r.object(item, &p).is_none() {
            continue;
        }
        r.near_misses(item, &["PolicyName", "PolicyDocument"], &p);
        let name = r.req_string(item, "PolicyName", &p);
        let lowered = r
            .required(item, "PolicyDocument", &p)
            .and_then(|d| lower(d, &join(&p, "PolicyDocument"), PolicyKind::Identity, r));
        if let (Some(name), Some((policy, url_encoded))) = (name, lowered) {
            out.push(InlinePolicy {
                name,
                policy,
                url_encoded,
                span: item.span,
                source: None,
            });
        }
    }
    (r.error_count() == before).then_some(out)
}

fn read_attached(entry: &Value, path: &str, r: &mut Reader) -> Option<Vec<AttachedPolicy>> {
    let Some(list) = entry.get("AttachedManagedPolicies") else {
        return Some(Vec::new());
    };
    let lp = join(path, "AttachedManagedPolicies");
    let items = r.array(list, &lp)?;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = at(&lp, i);
        if r.object(item, &p).is_none() {
            continue;
        }
        r.near_misses(item, &["PolicyName", "PolicyArn"], &p);
        let name = r.opt_string(item, "PolicyName", &p).map(|s| s.value);
        if let Some(arn) = r.req_string(item, "PolicyArn", &p) {
            out.push(AttachedPolicy { name, arn });
        }
    }
    Some(out)
}

fn read_boundary(entry: &Value, path: &str, r: &mut Reader) -> Option<Spanned<String>> {
    let b = entry.get("PermissionsBoundary")?;
    let p = join(path, "PermissionsBoundary");
    r.object(b, &p)?;
    r.near_misses(
        b,
        &["PermissionsBoundaryType", "PermissionsBoundaryArn"],
        &p,
    );
    r.req_string(b, "PermissionsBoundaryArn", &p)
}

fn read_tags(entry: &Value, path: &str, r: &mut Reader) -> Vec<Tag> {
    let Some(list) = entry.get("Tags") else {
        return Vec::new();
    };
    let lp = join(path, "Tags");
    let mut out = Vec::new();
    for (i, item) in r.array(list, &lp).unwrap_or(&[]).iter().enumerate() {
        let p = at(&lp, i);
        if r.object(item, &p).is_none() {
            continue;
        }
        r.near_misses(item, &["Key", "Value"], &p);
        let key = r.req_string(item, "Key", &p);
        let value = r.req_string(item, "Value", &p);
        if let (Some(key), Some(value)) = (key, value) {
            out.push(Tag {
                key: key.value,
                value: value.value,
            });
        }
    }
    out
}

const USER_KEYS: &[&str] = &[
    "Path",
    "UserName",
    "UserId",
    "Arn",
    "CreateDate",
    "UserPolicyList",
    "GroupList",
    "AttachedManagedPolicies",
    "PermissionsBoundary",
    "Tags",
];
const GROUP_KEYS: &[&str] = &[
    "Path",
    "GroupName",
    "GroupId",
    "Arn",
    "CreateDate",
    "GroupPolicyList",
    "AttachedManagedPolicies",
];
const ROLE_KEYS: &[&str] = &[
    "Path",
    "RoleName",
    "RoleId",
    "Arn",
    "CreateDate",
    "AssumeRolePolicyDocument",
    "InstanceProfileList",
    "RolePolicyList",
    "AttachedManagedPolicies",
    "PermissionsBoundary",
    "Tags",
    "RoleLastUsed",
];
const POLICY_KEYS: &[&str] = &[
    "PolicyName",
    "PolicyId",
    "Arn",
    "Path",
    "DefaultVersionId",
    "AttachmentCount",
    "PermissionsBoundaryUsageCount",
    "IsAttachable",
    "Description",
    "CreateDate",
    "UpdateDate",
    "PolicyVersionList",
];

fn read_user(v: &Value, p: &str, r: &mut Reader) -> Option<User> {
    r.object(v, p)?;
    r.near_misses(v, USER_KEYS, p);
    let before = r.error_count();
    let name = r.req_string(v, "UserName", p);
    let arn = r.req_string(v, "Arn", p);
    let path = r.opt_string(v, "Path", p).map(|s| s.value);
    let id = r.opt_string(v, "UserId", p).map(|s| s.value);
    let groups = r.opt_strings(v, "GroupList", p);
    let inline_policies = read_inline_list(v, "UserPolicyList", p, r);
    let attached = read_attached(v, p, r);
    let boundary = read_boundary(v, p, r);
    let tags = read_tags(v, p, r);
    if r.error_count() != before {
        return None;
    }
    Some(User {
        name: name?,
        arn: arn?,
        path,
        id,
        groups,
        inline_policies: inline_policies?,
        attached: attached?,
        boundary,
        tags,
        span: v.span,
    })
}

fn read_group(v: &Value, p: &str, r: &mut Reader) -> Option<Group> {
    r.object(v, p)?;
    r.near_misses(v, GROUP_KEYS, p);
    let before = r.error_count();
    let name = r.req_string(v, "GroupName", p);
    let arn = r.req_string(v, "Arn", p);
    let path = r.opt_string(v, "Path", p).map(|s| s.value);
    let id = r.opt_string(v, "GroupId", p).map(|s| s.value);
    let inline_policies = read_inline_list(v, "GroupPolicyList", p, r);
    let attached = read_attached(v, p, r);
    if r.error_count() != before {
        return None;
    }
    Some(Group {
        name: name?,
        arn: arn?,
        path,
        id,
        inline_policies: inline_policies?,
        attached: attached?,
        span: v.span,
    })
}

fn read_role(v: &Value, p: &str, r: &mut Reader) -> Option<Role> {
    r.object(v, p)?;
    r.near_misses(v, ROLE_KEYS, p);
    let before = r.error_count();
    let name = r.req_string(v, "RoleName", p);
    let arn = r.req_string(v, "Arn", p);
    let path = r.opt_string(v, "Path", p).map(|s| s.value);
    let id = r.opt_string(v, "RoleId", p).map(|s| s.value);
    let trust_policy = v.get("AssumeRolePolicyDocument").and_then(|d| {
        lower(
            d,
            &join(p, "AssumeRolePolicyDocument"),
            PolicyKind::Trust,
            r,
        )
        .map(|(policy, _)| policy)
    });
    let inline_policies = read_inline_list(v, "RolePolicyList", p, r);
    let attached = read_attached(v, p, r);
    let boundary = read_boundary(v, p, r);
    let tags = read_tags(v, p, r);
    if r.error_count() != before {
        return None;
    }
    Some(Role {
        name: name?,
        arn: arn?,
        path,
        id,
        trust_policy,
        inline_policies: inline_policies?,
        attached: attached?,
        boundary,
        tags,
        span: v.span,
    })
}

fn read_managed(v: &Value, p: &str, r: &mut Reader) -> Option<ManagedPolicy> {
    r.object(v, p)?;
    r.near_misses(v, POLICY_KEYS, p);
    let before = r.error_count();
    let name = r.req_string(v, "PolicyName", p);
    let arn = r.req_string(v, "Arn", p);
    let id = r.opt_string(v, "PolicyId", p).map(|s| s.value);
    let path = r.opt_string(v, "Path", p).map(|s| s.value);
    let default_version_id = r.opt_string(v, "DefaultVersionId", p).map(|s| s.value);
    let is_attachable = r.opt_bool(v, "IsAttachable", p);
    let vp = join(p, "PolicyVersionList");
    let versions = r
        .required(v, "PolicyVersionList", p)
        .and_then(|l| r.array(l, &vp))
        .unwrap_or(&[]);
    // The default version: the one marked IsDefaultVersion, else the one named by
    // DefaultVersionId. Other versions are not read.
    let mut chosen = None;
    for (i, version) in versions.iter().enumerate() {
        let ip = at(&vp, i);
        if r.object(version, &ip).is_none() {
            continue;
        }
        r.near_misses(
            version,
            &["Document", "VersionId", "IsDefaultVersion", "CreateDate"],
            &ip,
        );
        let is_default = r.opt_bool(version, "IsDefaultVersion", &ip) == Some(true);
        let named = version.get("VersionId").and_then(Value::as_str);
        if is_default
            || (chosen.is_none() && named.is_some() && named == default_version_id.as_deref())
        {
            chosen = Some((version, ip));
            if is_default {
                break;
            }
        }
    }
    let document = match chosen {
        Some((version, ip)) => r.required(version, "Document", &ip).and_then(|d| {
            lower(d, &join(&ip, "Document"), PolicyKind::Identity, r).map(|(policy, _)| policy)
        }),
        None => {
            if r.error_count() == before {
                r.error(
                    read::head(v.span),
                    format!("`{vp}` has no default version document"),
                );
            }
            None
        }
    };
    if r.error_count() != before {
        return None;
    }
    Some(ManagedPolicy {
        name: name?,
        arn: arn?,
        id,
        path,
        default_version_id,
        is_attachable,
        document: document?,
        span: v.span,
        source: None,
    })
}

fn read_list<T>(
    value: &Value,
    key: &str,
    r: &mut Reader,
    one: impl Fn(&Value, &str, &mut Reader) -> Option<T>,
) -> Vec<T> {
    let Some(list) = value.get(key) else {
        return Vec::new();
    };
    r.array(list, key)
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .filter_map(|(i, v)| one(v, &at(key, i), r))
        .collect()
}

impl AwsDocument for AuthorizationDetails {
    const WHAT: &'static str = "account authorization details";

    fn read(value: &Value, r: &mut Reader) -> Option<AuthorizationDetails> {
        r.object(value, "")?;
        let lists = [
            "UserDetailList",
            "GroupDetailList",
            "RoleDetailList",
            "Policies",
        ];
        let mut known = lists.to_vec();
        known.extend(["IsTruncated", "Marker"]);
        r.near_misses(value, &known, "");
        if !lists.iter().any(|k| value.get(k).is_some()) {
            r.error(
                read::head(value.span),
                "the document has none of `UserDetailList`, `GroupDetailList`, `RoleDetailList` \
                 and `Policies` (as `aws iam get-account-authorization-details` prints them)",
            );
            return None;
        }
        let before = r.error_count();
        if let Some(t) = value.get("IsTruncated")
            && r.boolean(t, "IsTruncated") == Some(true)
        {
            r.error_with_help(
                t.span,
                "the output is truncated: some users, groups, roles or policies are missing",
                "run `aws iam get-account-authorization-details` without `--max-items` or \
                     `--no-paginate`, so the CLI fetches every page",
            );
        }
        let users = read_list(value, "UserDetailList", r, read_user);
        let groups = read_list(value, "GroupDetailList", r, read_group);
        let roles = read_list(value, "RoleDetailList", r, read_role);
        let policies = read_list(value, "Policies", r, read_managed);
        (r.error_count() == before).then_some(AuthorizationDetails {
            users,
            groups,
            roles,
            policies,
            span: value.span,
            unknowns: Vec::new(),
            widened: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws_docs::read::read_str;

    const DETAILS: &str = r#"{
  "UserDetailList": [
    {"UserName": "alice", "Arn": "arn:aws:iam::111122223333:user/alice", "Path": "/", "UserId": "AIDAEXAMPLEALICE",
     "GroupList": ["readers", "ghosts"],
     "UserPolicyList": [{"PolicyName": "own", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/alice/*"}]}}],
     "AttachedManagedPolicies": [{"PolicyName": "Missing", "PolicyArn": "arn:aws:iam::111122223333:policy/Missing"}],
     "PermissionsBoundary": {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/Boundary"},
     "Tags": [{"Key": "team", "Value": "data"}]}
  ],
  "GroupDetailList": [
    {"GroupName": "readers", "Arn": "arn:aws:iam::111122223333:group/readers",
     "GroupPolicyList": [{"PolicyName": "enc", "PolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AListBucket%22%2C%22Resource%22%3A%22arn%3Aaws%3As3%3A%3A%3Ab%22%7D%5D%7D"}],
     "AttachedManagedPolicies": [{"PolicyName": "Read", "PolicyArn": "arn:aws:iam::111122223333:policy/Read"}]}
  ],
  "RoleDetailList": [
    {"RoleName": "app", "Arn": "arn:aws:iam::111122223333:role/service/app",
     "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
     "RolePolicyList": [], "AttachedManagedPolicies": [{"PolicyName": "Read", "PolicyArn": "arn:aws:iam::111122223333:policy/Read"}]}
  ],
  "Policies": [
    {"PolicyName": "Read", "Arn": "arn:aws:iam::111122223333:policy/Read", "DefaultVersionId": "v2",
     "PolicyVersionList": [
       {"VersionId": "v2", "IsDefaultVersion": true, "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}},
       {"VersionId": "v1", "IsDefaultVersion": false, "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}}
     ]},
    {"PolicyName": "Boundary", "Arn": "arn:aws:iam::111122223333:policy/Boundary", "DefaultVersionId": "v1",
     "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true, "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}}]}
  ]
}"#;

    #[test]
    fn a_users_policies_include_its_groups_and_report_what_is_missing() {
        let loaded = read_str::<AuthorizationDetails>("d.json", DETAILS).unwrap();
        let d = &loaded.doc;
        let got = d
            .identity_policies_of("arn:aws:iam::111122223333:user/alice")
            .unwrap();
        let origins: Vec<Origin<'_>> = got.policies.iter().map(|p| p.origin).collect();
        assert_eq!(
            origins,
            [
                Origin::Inline { name: "own" },
                Origin::GroupInline {
                    group: "readers",
                    name: "enc"
                },
                Origin::GroupManaged {
                    group: "readers",
                    arn: "arn:aws:iam::111122223333:policy/Read"
                },
            ]
        );
        assert_eq!(got.unresolved.len(), 2);
        // The default version (v2) is the one lowered.
        let read = d
            .managed_policy("arn:aws:iam::111122223333:policy/Read")
            .unwrap();
        assert_eq!(
            read.document.statements[0].action.as_ref().unwrap().items[0].value,
            "s3:GetObject"
        );
        let boundary = d
            .boundary_of("arn:aws:iam::111122223333:user/alice")
            .unwrap();
        assert!(boundary.policy.is_some());
        assert_eq!(d.users[0].tags[0].key, "team");
    }

    #[test]
    fn url_encoded_documents_are_lowered_with_spans_into_the_file() {
        let loaded = read_str::<AuthorizationDetails>("d.json", DETAILS).unwrap();
        let inline = &loaded.doc.groups[0].inline_policies[0];
        assert!(inline.url_encoded);
        let action = &inline.policy.statements[0].action.as_ref().unwrap().items[0];
        assert_eq!(action.value, "s3:ListBucket");
        assert_eq!(loaded.source.slice(action.span), "%22s3%3AListBucket%22");
    }

    #[test]
    fn roles_resolve_from_session_arns_and_carry_their_trust_policy() {
        let d = read_str::<AuthorizationDetails>("d.json", DETAILS)
            .unwrap()
            .doc;
        let role = d
            .role("arn:aws:sts::111122223333:assumed-role/app/i-0abc")
            .unwrap();
        assert_eq!(role.name.value, "app");
        assert_eq!(role.trust_policy.as_ref().unwrap().kind, PolicyKind::Trust);
        assert!(
            d.role("arn:aws:sts::444455556666:assumed-role/app/x")
                .is_none()
        );
        let got = d
            .identity_policies_of("arn:aws:sts::111122223333:assumed-role/app/i-0abc")
            .unwrap();
        assert_eq!(got.policies.len(), 1);
        assert!(
            d.identity_policies_of("arn:aws:iam::111122223333:user/bob")
                .is_none()
        );
    }

    #[test]
    fn policy_errors_inside_the_output_are_located_in_the_file() {
        let text = DETAILS.replace(
            r#""Effect": "Allow", "Action": "s3:PutObject""#,
            r#""Effect": "Alow", "Action": "s3:PutObject""#,
        );
        let err = read_str::<AuthorizationDetails>("d.json", &text).unwrap_err();
        let f = err
            .findings
            .iter()
            .find(|f| f.finding.code == Code::InvalidEffect)
            .unwrap();
        assert_eq!(err.source.slice(f.finding.span), "\"Alow\"");
        assert_eq!(
            f.path,
            "/UserDetailList/0/UserPolicyList/0/PolicyDocument/Statement/0/Effect"
        );
    }
}
