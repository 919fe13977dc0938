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
pub mod iac;
pub mod inputs;
pub mod multi_region;
pub mod object_lambda;
pub mod unsettled;

pub use crate::eval::publicity::{DocumentPublicity, document_publicity};
pub use crate::publicity::{
    PolicyOn, Provenance, Restriction, StatementVerdict, classify_statement, is_identity_key,
};

use crate::aws_docs::acl::{Acl, Grant};
use crate::catalog::AccessLevel;
use crate::eval::graph::Graph;
use serde::Serialize;

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
                crate::aws_docs::acl::Grantee::AllUsers => {
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
