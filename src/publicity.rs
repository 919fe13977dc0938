//! S3's definition of a public policy statement (S3 User Guide, "Blocking public access to
//! your Amazon S3 storage", section "The meaning of 'public'"), judged on the statement alone:
//! an Allow statement is public unless it grants only to fixed principals or pins an
//! identity-narrowing condition key to fixed values with a positive operator. It sits below
//! the evaluation graph, which caches each document's verdict; [`crate::public`] builds the
//! bucket verdicts on it.

use crate::policy::{
    BaseOperator, Condition, Effect, OperatorFamily, PrincipalKind, SetQualifier, Statement,
};
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
            let Some(arn) = crate::arn::Arn::split(value) else {
                return Err("is not an ARN");
            };
            // Partition, service, region and account must be fixed; the account must be given.
            let head_fixed = arn.parts()[..5].iter().all(|p| !wild(p)) && !arn.account.is_empty();
            if !head_fixed {
                return Err("leaves the account, region or partition open");
            }
            // A wildcard may stand for the access point name, not for anything before it.
            if shape == KeyShape::DataAccessPointArn
                && wild(arn.resource)
                && !arn.resource.starts_with("accesspoint/")
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
