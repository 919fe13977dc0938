//! The meaning of "public", as S3 Block Public Access defines it (S3 User Guide, "Blocking
//! public access to your Amazon S3 storage", section "The meaning of 'public'").
//!
//! - A bucket or access point policy is public unless **every Allow statement** grants only to
//!   fixed principals, or pins at least one identity-narrowing condition key to fixed values
//!   with a positive operator. Deny statements never make a policy non-public, and actions are
//!   ignored (BPA also considers actions AWS may add later).
//! - An ACL is public when it grants anything to All Users or Authenticated Users.
//!
//! Every verdict carries its reason, the key that restricted it and where that rule comes from
//! ([`Provenance`]), the access the statement opens, and what would make it non-public. The
//! choices are documented in `docs/public-access.md`. [`bucket`] combines the paths of a
//! bucket (policy, ACLs, access points) with Block Public Access into one verdict; [`inputs`]
//! finds and loads the buckets to judge.

pub mod bucket;
pub mod inputs;

use crate::catalog::AccessLevel;
use crate::eval::graph::{Graph, Layer};
use crate::policy::{
    BaseOperator, Condition, Effect, OperatorFamily, PrincipalKind, SetQualifier, Statement,
};
use crate::s3::acl::{Acl, Grant};
use serde::Serialize;

/// Where a rule of the definition comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Provenance {
    /// The key is on the S3 User Guide's list.
    AwsGuide,
    /// A principal-identifying key: the guide's first bullet ("an AWS principal, user, role,
    /// or service principal", e.g. `aws:PrincipalOrgID`); iam-simulate's classifier agrees.
    PrincipalKey,
    /// Not on the guide's list; accepted because iam-simulate's runtime classifier accepts it
    /// (reference D8: take the union, say which rule fired).
    IamSimulate,
}

impl Provenance {
    /// A short description for output.
    pub fn describe(self) -> &'static str {
        match self {
            Provenance::AwsGuide => "on the S3 User Guide's list",
            Provenance::PrincipalKey => {
                "a principal key (the S3 User Guide's first item, e.g. aws:PrincipalOrgID)"
            }
            Provenance::IamSimulate => {
                "not on the S3 User Guide's list; accepted as iam-simulate's classifier does"
            }
        }
    }
}

/// How a key's values are judged fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyShape {
    /// A plain identifier (account id, VPC id, org id, key id): no wildcard, no variable.
    Plain,
    /// An ARN with every part fixed.
    Arn,
    /// `aws:PrincipalArn`: partition, service, region and account fixed; wildcards only in
    /// the resource part.
    PrincipalArn,
    /// `s3:DataAccessPointArn`: in a bucket policy, the access point name may be a wildcard
    /// when account and region are fixed; in an access point policy it never restricts.
    DataAccessPointArn,
    /// `aws:SourceIp`: CIDRs no broader than /8 (IPv4) or /32 (IPv6).
    SourceIp,
    /// `aws:userid`: fixed, or the `ROLEID:*` shape (any session of one role).
    UserId,
    /// `aws:PrincipalOrgPaths`: a fixed path, optionally ending in `*`.
    OrgPath,
    /// `aws:PrincipalIsAWSService` with `Bool` true.
    BoolTrue,
}

/// The identity-narrowing keys, lowercase.
const KEYS: &[(&str, KeyShape, Provenance)] = &[
    ("aws:sourceip", KeyShape::SourceIp, Provenance::AwsGuide),
    ("aws:sourcearn", KeyShape::Arn, Provenance::AwsGuide),
    ("aws:sourcevpc", KeyShape::Plain, Provenance::AwsGuide),
    ("aws:sourcevpce", KeyShape::Plain, Provenance::AwsGuide),
    ("aws:sourceowner", KeyShape::Plain, Provenance::AwsGuide),
    ("aws:sourceaccount", KeyShape::Plain, Provenance::AwsGuide),
    (
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
        KeyShape::Plain,
        Provenance::AwsGuide,
    ),
    ("aws:userid", KeyShape::UserId, Provenance::AwsGuide),
    (
        "s3:dataaccesspointarn",
        KeyShape::DataAccessPointArn,
        Provenance::AwsGuide,
    ),
    (
        "s3:dataaccesspointaccount",
        KeyShape::Plain,
        Provenance::AwsGuide,
    ),
    ("aws:principalorgid", KeyShape::Plain, Provenance::AwsGuide),
    (
        "aws:principalaccount",
        KeyShape::Plain,
        Provenance::PrincipalKey,
    ),
    (
        "aws:principalarn",
        KeyShape::PrincipalArn,
        Provenance::PrincipalKey,
    ),
    (
        "aws:principalorgpaths",
        KeyShape::OrgPath,
        Provenance::PrincipalKey,
    ),
    (
        "aws:principalisawsservice",
        KeyShape::BoolTrue,
        Provenance::PrincipalKey,
    ),
    (
        "aws:principalservicename",
        KeyShape::Plain,
        Provenance::PrincipalKey,
    ),
    (
        "aws:principalservicenameslist",
        KeyShape::Plain,
        Provenance::PrincipalKey,
    ),
    ("aws:sourcevpcarn", KeyShape::Arn, Provenance::IamSimulate),
    ("aws:vpceaccount", KeyShape::Plain, Provenance::IamSimulate),
    ("aws:vpceorgid", KeyShape::Plain, Provenance::IamSimulate),
    (
        "aws:vpceorgpaths",
        KeyShape::OrgPath,
        Provenance::IamSimulate,
    ),
];

/// Whether a condition key narrows who can call, by the definition (any provenance).
pub fn is_identity_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    KEYS.iter().any(|(k, _, _)| *k == lower)
}

/// Which kind of resource policy a statement is in (the definitions differ slightly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyOn {
    /// A bucket policy.
    Bucket,
    /// An access point policy.
    AccessPoint,
}

/// The condition that makes a `*` statement non-public.
#[derive(Debug, Clone, Serialize)]
pub struct Restriction {
    /// Index of the condition within the statement.
    pub condition: usize,
    /// The key as written.
    pub key: String,
    /// Where the rule comes from.
    pub provenance: Provenance,
}

/// The verdict on one Allow statement.
#[derive(Debug, Clone, Serialize)]
pub struct StatementVerdict {
    /// Index of the statement in its policy.
    pub index: usize,
    /// Whether it makes the policy public.
    pub public: bool,
    /// Why, in one sentence.
    pub reason: String,
    /// The condition that restricts it, when that is what makes it non-public.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restricted_by: Option<Restriction>,
    /// Why each identity-key condition did not restrict (for public statements).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_restricting: Vec<String>,
    /// What would make it non-public (for public statements).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// Classifies one statement of a resource policy; `None` for Deny statements (they never
/// decide publicity).
pub fn classify_statement(st: &Statement, on: PolicyOn) -> Option<StatementVerdict> {
    if st.effect.value == Effect::Deny {
        return None;
    }
    let verdict = |public: bool, reason: String| StatementVerdict {
        index: st.index,
        public,
        reason,
        restricted_by: None,
        not_restricting: Vec::new(),
        fix: None,
    };
    let Some(principal) = &st.principal else {
        return Some(verdict(
            false,
            "the statement has no Principal, so it matches no request".into(),
        ));
    };
    if principal.negated {
        let mut v = verdict(
            true,
            "NotPrincipal with Allow grants to everyone not listed, anonymous callers included"
                .into(),
        );
        v.fix = Some("name the principals in `Principal` instead of excluding some".into());
        return Some(v);
    }
    let everyone = principal.items.iter().any(|p| {
        p.kind == PrincipalKind::Everyone || (p.kind == PrincipalKind::Aws && p.value == "*")
    });
    // AWS rule: a Federated (web identity) principal is public (S3 "The meaning of public",
    // graph.facebook.com example).
    let federated = principal
        .items
        .iter()
        .find(|p| p.kind == PrincipalKind::Federated);
    if !everyone {
        if let Some(f) = federated {
            let mut v = verdict(
                true,
                format!(
                    "the Federated principal `{}` lets any user of that identity provider in",
                    f.value
                ),
            );
            v.fix = Some("grant to the IAM role that federated users assume instead".into());
            return Some(v);
        }
        return Some(verdict(
            false,
            "grants only to fixed principals (accounts, users, roles, services)".into(),
        ));
    }
    let mut not_restricting = Vec::new();
    for (i, c) in st.conditions.iter().enumerate() {
        match restriction(c, on) {
            Ok(provenance) => {
                let mut v = verdict(
                    false,
                    format!(
                        "`Principal: *` is limited by `{}` on `{}` to fixed values",
                        c.operator.value.text, c.key.value
                    ),
                );
                v.restricted_by = Some(Restriction {
                    condition: i,
                    key: c.key.value.clone(),
                    provenance,
                });
                return Some(v);
            }
            Err(Some(why)) => not_restricting.push(why),
            Err(None) => {}
        }
    }
    let mut v = verdict(
        true,
        if st.conditions.is_empty() {
            "`Principal: *` with no condition: anyone, anonymous callers included".into()
        } else {
            "`Principal: *` and no condition pins a key that identifies the caller to fixed values"
                .into()
        },
    );
    v.not_restricting = not_restricting;
    v.fix = Some(
        "name specific accounts or roles in `Principal`, or add a condition that pins \
         aws:PrincipalOrgID, aws:SourceVpce, aws:SourceAccount, aws:SourceArn or aws:SourceIp \
         (no broader than /8) to fixed values"
            .into(),
    );
    Some(v)
}

/// Whether condition `c` restricts a `*` principal: `Ok` with the rule's provenance; `Err`
/// with why not (`None` when the key does not identify the caller at all).
fn restriction(c: &Condition, on: PolicyOn) -> Result<Provenance, Option<String>> {
    let lower = c.key.value.to_ascii_lowercase();
    let Some((_, shape, provenance)) = KEYS.iter().find(|(k, _, _)| *k == lower) else {
        return Err(None);
    };
    let op = &c.operator.value;
    let key = &c.key.value;
    let no = |why: String| Err(Some(format!("`{}` on `{key}`: {why}", op.text)));
    if op.base.is_negated() {
        return no("a negated operator does not pin a value".into());
    }
    if op.if_exists {
        return no("`...IfExists` also matches requests without the key".into());
    }
    if op.set == Some(SetQualifier::ForAllValues) {
        return no("`ForAllValues` is true for a request without the key".into());
    }
    let family = op.base.family();
    let operator_fits = match shape {
        KeyShape::SourceIp => op.base == BaseOperator::IpAddress,
        KeyShape::BoolTrue => op.base == BaseOperator::Bool,
        KeyShape::Arn | KeyShape::PrincipalArn | KeyShape::DataAccessPointArn => {
            matches!(family, OperatorFamily::Arn | OperatorFamily::String)
        }
        _ => family == OperatorFamily::String,
    };
    if !operator_fits || op.base == BaseOperator::Unknown {
        return no("this operator does not pin the key to fixed values".into());
    }
    if c.values.is_empty() {
        return no("no value".into());
    }
    if *shape == KeyShape::DataAccessPointArn && on == PolicyOn::AccessPoint {
        // AWS rule: in an access point policy, a grant keyed on s3:DataAccessPointArn is
        // public (S3 "The meaning of public", access points).
        return no("in an access point policy this key does not make a grant non-public".into());
    }
    for v in &c.values {
        if let Err(why) = fixed_value(*shape, &v.text) {
            return no(format!("`{}` {why}", v.text));
        }
    }
    Ok(*provenance)
}

/// Whether one value is fixed for a key of `shape`.
fn fixed_value(shape: KeyShape, value: &str) -> Result<(), &'static str> {
    if value.contains("${") {
        return Err("holds a policy variable");
    }
    let wild = |s: &str| s.contains(['*', '?']);
    match shape {
        KeyShape::Plain => {
            if wild(value) {
                Err("has a wildcard")
            } else if value.is_empty() {
                Err("is empty")
            } else {
                Ok(())
            }
        }
        KeyShape::Arn => {
            if wild(value) {
                Err("has a wildcard")
            } else {
                Ok(())
            }
        }
        KeyShape::PrincipalArn | KeyShape::DataAccessPointArn => {
            let Some(parts) = crate::arn::split(value) else {
                return Err("is not an ARN");
            };
            // Partition, service, region and account must be fixed; the account must be given.
            let head_fixed = parts[..5].iter().all(|p| !wild(p)) && !parts[4].is_empty();
            if !head_fixed {
                return Err("leaves the account, region or partition open");
            }
            // A wildcard may stand for the access point name, not for anything before it.
            if shape == KeyShape::DataAccessPointArn
                && wild(parts[5])
                && !parts[5].starts_with("accesspoint/")
            {
                return Err("has a wildcard outside the access point name");
            }
            Ok(())
        }
        KeyShape::SourceIp => {
            let Some(net) = crate::values::parse_cidr(value) else {
                return Err("is not an IP address or CIDR");
            };
            // AWS rule: CIDRs broader than /8 (IPv4) or /32 (IPv6) are not fixed (S3 "The
            // meaning of public"); private ranges are exempt only when the whole block lies
            // inside one (reference D9).
            let narrow = match net {
                ipnet::IpNet::V4(n) => n.prefix_len() >= 8,
                ipnet::IpNet::V6(n) => n.prefix_len() >= 32,
            };
            if narrow || crate::values::is_private_range(&net) {
                Ok(())
            } else {
                Err("is broader than /8 (IPv4) or /32 (IPv6)")
            }
        }
        KeyShape::UserId => {
            // AWS rule: aws:userid is fixed "outside the pattern AROLEID:*"; read, as
            // iam-simulate and policyuniverse do, as accepting ROLEID:* (reference D19).
            let role_sessions = value.strip_suffix(":*").is_some_and(|id| {
                !id.is_empty()
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            });
            if role_sessions || !wild(value) {
                Ok(())
            } else {
                Err("has a wildcard other than `ROLEID:*`")
            }
        }
        KeyShape::OrgPath => {
            let body = value.strip_suffix('*').unwrap_or(value);
            if !body.starts_with("o-") || wild(body) {
                Err("is not a fixed organisation path")
            } else {
                Ok(())
            }
        }
        KeyShape::BoolTrue => match crate::values::parse_bool(value) {
            Some(true) => Ok(()),
            _ => Err("is not `true`"),
        },
    }
}

/// What a set of actions lets someone do, by the access levels of the S3 actions it covers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Access {
    /// Read actions (`s3:GetObject`, ...).
    pub read: bool,
    /// Write actions (`s3:PutObject`, `s3:DeleteObject`, ...).
    pub write: bool,
    /// List actions (`s3:ListBucket`, ...).
    pub list: bool,
    /// Permissions management (`s3:PutBucketPolicy`, `s3:PutBucketAcl`, ...).
    pub permissions_management: bool,
    /// Tagging actions.
    pub tagging: bool,
    /// The S3 actions covered (names without `s3:`), in catalogue order.
    #[serde(skip)]
    pub actions: Vec<String>,
}

impl Access {
    /// The classes present, as words (`read`, `write`, `list`, `permissions-management`,
    /// `tagging`).
    pub fn classes(&self) -> Vec<&'static str> {
        [
            (self.read, "read"),
            (self.write, "write"),
            (self.list, "list"),
            (self.permissions_management, "permissions-management"),
            (self.tagging, "tagging"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| n)
        .collect()
    }

    fn add(&mut self, level: AccessLevel, name: &str) {
        match level {
            AccessLevel::Read => self.read = true,
            AccessLevel::Write => self.write = true,
            AccessLevel::List => self.list = true,
            AccessLevel::PermissionsManagement => self.permissions_management = true,
            AccessLevel::Tagging => self.tagging = true,
        }
        self.actions.push(name.to_string());
    }
}

/// The access a set of S3 actions gives, by their access levels.
pub fn access_of(set: crate::eval::actions::Actions) -> Access {
    let u = crate::eval::actions::Universe::get();
    let mut access = Access::default();
    for i in set.iter() {
        if let (Some(level), Some(name)) = (u.levels.get(i), u.names.get(i)) {
            access.add(*level, name.strip_prefix("s3:").unwrap_or(name));
        }
    }
    access
}

/// The S3 access statement `id` of the graph grants, by the catalogue's access levels.
pub fn statement_access(graph: &Graph, id: usize) -> Access {
    match graph.statements.get(id) {
        Some(s) => access_of(crate::eval::actions::Universe::get().actions_of(s)),
        None => Access::default(),
    }
}

/// The publicity of one resource-policy document of a graph.
#[derive(Debug, Clone)]
pub struct DocumentPublicity {
    /// The document.
    pub doc: usize,
    /// One verdict per Allow statement, with the graph statement id.
    pub statements: Vec<(usize, StatementVerdict)>,
}

impl DocumentPublicity {
    /// Whether some Allow statement is public.
    pub fn is_public(&self) -> bool {
        self.statements.iter().any(|(_, v)| v.public)
    }

    /// The public statements.
    pub fn public_statements(&self) -> impl Iterator<Item = &(usize, StatementVerdict)> {
        self.statements.iter().filter(|(_, v)| v.public)
    }
}

/// Classifies every Allow statement of document `doc`. Documents of identity-side layers are
/// never public (they grant to their principal only).
pub fn document_publicity(graph: &Graph, doc: usize) -> DocumentPublicity {
    let mut out = DocumentPublicity {
        doc,
        statements: Vec::new(),
    };
    let Some(d) = graph.documents.get(doc) else {
        return out;
    };
    let on = match d.layer {
        Layer::Bucket => PolicyOn::Bucket,
        Layer::AccessPoint => PolicyOn::AccessPoint,
        _ => return out,
    };
    for id in graph.statements_of(doc) {
        let Some(st) = graph
            .statements
            .get(id)
            .and_then(|s| d.policy.statements.get(s.index))
        else {
            continue;
        };
        if let Some(v) = classify_statement(st, on) {
            out.statements.push((id, v));
        }
    }
    out
}

/// A public grant of an ACL.
#[derive(Debug, Clone, Serialize)]
pub struct PublicGrant {
    /// Index in the ACL's grants.
    pub index: usize,
    /// `AllUsers` or `AuthenticatedUsers`.
    pub grantee: &'static str,
    /// The permission.
    pub permission: &'static str,
    /// The actions it allows.
    pub actions: Vec<&'static str>,
    /// Why it is public.
    pub reason: String,
}

/// The public grants of an ACL (S3 "The meaning of public": grants to All Users or
/// Authenticated Users). `on_object` selects the object mapping of permissions to actions.
pub fn acl_public_grants(acl: &Acl, on_object: bool) -> Vec<PublicGrant> {
    acl.grants
        .iter()
        .enumerate()
        .filter(|(_, g)| g.grantee.is_public())
        .map(|(index, g): (usize, &Grant)| {
            let (grantee, who) = match g.grantee {
                crate::s3::acl::Grantee::AllUsers => {
                    ("AllUsers", "everyone, anonymous callers included")
                }
                _ => (
                    "AuthenticatedUsers",
                    "any signed request from any AWS account",
                ),
            };
            PublicGrant {
                index,
                grantee,
                permission: g.permission.as_str(),
                actions: g.permission.actions(on_object).to_vec(),
                reason: format!("{} to {grantee}: {who}", g.permission),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{PolicyKind, parse};

    fn verdict(statement: &str, on: PolicyOn) -> StatementVerdict {
        let text = format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#);
        let root = crate::json::parse(&text).unwrap();
        let parsed = parse::parse_policy(&root, PolicyKind::Bucket);
        let policy = parsed.policy.unwrap();
        classify_statement(&policy.statements[0], on).unwrap()
    }

    fn public(condition: &str) -> bool {
        let st = format!(
            r#"{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{condition}}}"#
        );
        verdict(&st, PolicyOn::Bucket).public
    }

    #[test]
    fn aws_documented_examples() {
        // S3 "The meaning of public": the three public and the one non-public example.
        let fb = r#"{"Principal":{"Federated":"graph.facebook.com"},"Resource":"*","Action":"s3:PutObject","Effect":"Allow"}"#;
        assert!(verdict(fb, PolicyOn::Bucket).public);
        let star = r#"{"Principal":"*","Resource":"*","Action":"s3:PutObject","Effect":"Allow"}"#;
        assert!(verdict(star, PolicyOn::Bucket).public);
        assert!(public(r#"{"StringLike":{"aws:SourceVpc":"vpc-*"}}"#));
        assert!(!public(
            r#"{"StringEquals":{"aws:SourceVpc":"vpc-91237329"}}"#
        ));
    }

    #[test]
    fn source_ip_width_rule_at_its_edges() {
        assert!(!public(r#"{"IpAddress":{"aws:SourceIp":"11.0.0.0/8"}}"#));
        assert!(public(r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/7"}}"#));
        assert!(public(r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/1"}}"#));
        assert!(!public(
            r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#
        ));
        assert!(!public(r#"{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}"#));
        assert!(public(r#"{"IpAddress":{"aws:SourceIp":"2001:db8::/31"}}"#));
        // One broad CIDR among narrow ones voids the restriction.
        assert!(public(
            r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","0.0.0.0/0"]}}"#
        ));
    }

    #[test]
    fn negated_if_exists_and_for_all_values_never_restrict() {
        assert!(public(
            r#"{"StringNotEquals":{"aws:PrincipalOrgID":"o-123"}}"#
        ));
        assert!(public(
            r#"{"StringEqualsIfExists":{"aws:PrincipalOrgID":"o-123"}}"#
        ));
        assert!(public(
            r#"{"ForAllValues:StringEquals":{"aws:PrincipalOrgID":"o-123"}}"#
        ));
        assert!(!public(
            r#"{"StringEquals":{"aws:PrincipalOrgID":"o-123"}}"#
        ));
        assert!(public(r#"{"Bool":{"aws:SecureTransport":"true"}}"#));
        assert!(public(
            r#"{"StringEquals":{"aws:Referer":"https://example.com"}}"#
        ));
    }

    #[test]
    fn userid_and_access_point_arn_wildcard_exceptions() {
        assert!(!public(
            r#"{"StringLike":{"aws:userid":"AROAEXAMPLEID:*"}}"#
        ));
        assert!(public(r#"{"StringLike":{"aws:userid":"*:alice"}}"#));
        let ap = r#"{"ArnLike":{"s3:DataAccessPointArn":"arn:aws:s3:us-west-2:123456789012:accesspoint/*"}}"#;
        assert!(!public(ap));
        assert!(public(
            r#"{"ArnLike":{"s3:DataAccessPointArn":"arn:aws:s3:us-west-2:*:accesspoint/*"}}"#
        ));
        let st = format!(
            r#"{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{ap}}}"#
        );
        assert!(verdict(&st, PolicyOn::AccessPoint).public);
    }

    #[test]
    fn fixed_principals_are_not_public_and_not_principal_is() {
        let acct = r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}"#;
        assert!(!verdict(acct, PolicyOn::Bucket).public);
        let svc = r#"{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"*"}"#;
        assert!(!verdict(svc, PolicyOn::Bucket).public);
        let any =
            r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"*"}"#;
        assert!(verdict(any, PolicyOn::Bucket).public);
    }
}
