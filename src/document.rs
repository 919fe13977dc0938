//! Recognising what a JSON file is: a raw policy, a policy wrapped in AWS CLI output, or
//! another AWS document (an ACL, a Block Public Access configuration, ...).
//!
//! Users point the tool at whatever JSON they have; it must not call an ACL a broken policy,
//! and it must find the policy inside `aws s3api get-bucket-policy` output, whose `Policy`
//! is the policy serialised as a JSON string.

use crate::json::{self, Kind, Value};
use crate::policy::PolicyKind;
use crate::source::Span;
use std::borrow::Cow;

/// What a JSON document was recognised as.
#[derive(Debug)]
pub enum Document {
    /// A policy (possibly unwrapped from CLI output).
    Policy {
        /// The policy's root value; spans point into the file.
        root: Value,
        /// The kind, given, hinted by the file name, or detected.
        kind: PolicyKind,
        /// How the kind was decided.
        kind_source: KindSource,
        /// The CLI output shape it was found in, if any.
        wrapper: Option<&'static str>,
    },
    /// A policy embedded as a string that is not itself valid JSON.
    EmbeddedSyntaxError {
        /// The error, with spans into the file.
        error: json::Error,
        /// The CLI output shape.
        wrapper: &'static str,
    },
    /// A recognised AWS document that is not a policy.
    Other {
        /// What it is, e.g. `bucket ACL`.
        what: &'static str,
    },
    /// JSON that is neither.
    Unrecognised,
}

/// What a JSON document was recognised as, borrowing the policy from the value it was found in
/// when it is there (a raw policy, or an object inside CLI output) instead of copying it.
#[derive(Debug)]
pub enum Recognised<'v> {
    /// A policy (possibly unwrapped from CLI output).
    Policy {
        /// The policy's root value; spans point into the file. Owned when it was parsed from
        /// a string embedded in the document.
        root: Cow<'v, Value>,
        /// The kind, given, hinted by the file name, or detected.
        kind: PolicyKind,
        /// How the kind was decided.
        kind_source: KindSource,
        /// The CLI output shape it was found in, if any.
        wrapper: Option<&'static str>,
    },
    /// A policy embedded as a string that is not itself valid JSON.
    EmbeddedSyntaxError {
        /// The error, with spans into the file.
        error: json::Error,
        /// The CLI output shape.
        wrapper: &'static str,
    },
    /// A recognised AWS document that is not a policy.
    Other {
        /// What it is, e.g. `bucket ACL`.
        what: &'static str,
    },
    /// JSON that is neither.
    Unrecognised,
}

/// How a policy's kind was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KindSource {
    /// `--kind` on the command line.
    Given,
    /// The file name (e.g. `deny-regions.scp.json`).
    FileName,
    /// The CLI output shape (e.g. an Organizations policy's `Type`).
    Wrapper,
    /// The policy's content (a Principal means a resource policy).
    Content,
}

/// Top-level keys of non-policy AWS CLI outputs, and what they are.
const OTHER_DOCUMENTS: &[(&str, &str)] = &[
    ("Grants", "ACL"),
    ("AccessControlPolicy", "ACL"),
    (
        "PublicAccessBlockConfiguration",
        "Block Public Access configuration",
    ),
    ("OwnershipControls", "Object Ownership controls"),
    (
        "ServerSideEncryptionConfiguration",
        "default encryption configuration",
    ),
    ("LoggingEnabled", "server access logging configuration"),
    ("CORSRules", "CORS configuration"),
    ("ObjectLockConfiguration", "Object Lock configuration"),
    ("LocationConstraint", "bucket location"),
    ("PolicyStatus", "bucket policy status"),
    ("NetworkOrigin", "access point description"),
    ("AccessPointArn", "access point description"),
    ("AccessPoint", "Multi-Region Access Point description"),
    ("Configuration", "Object Lambda access point configuration"),
    (
        "SupportingAccessPoint",
        "Object Lambda access point configuration",
    ),
    ("UserDetailList", "account authorization details"),
    ("RoleDetailList", "account authorization details"),
    ("TopicConfigurations", "notification configuration"),
    ("QueueConfigurations", "notification configuration"),
    ("LambdaFunctionConfigurations", "notification configuration"),
    ("EventBridgeConfiguration", "notification configuration"),
    ("Rules", "lifecycle or replication configuration"),
    ("ReplicationConfiguration", "replication configuration"),
    ("MFADelete", "versioning configuration"),
    ("TagSet", "tag set"),
    ("EvaluationResults", "policy simulator output"),
    ("EventSelectors", "CloudTrail event selectors"),
    // SNS topic or SQS queue attributes without a `Policy` (a queue without one).
    ("Attributes", "SNS or SQS attributes"),
    ("AdvancedEventSelectors", "CloudTrail event selectors"),
    ("Buckets", "bucket list"),
    ("KeyMetadata", "KMS key description"),
    ("VpcEndpoints", "VPC endpoint description"),
    ("SSEKMSKeyId", "object metadata (head-object)"),
    ("ServerSideEncryption", "object metadata (head-object)"),
    ("s3-access", "s3-access manifest"),
    ("requests", "s3-access scenario"),
    // A scenario of proofs alone (`docs/scenarios.md`); `only` is too common a key to tell.
    ("never", "s3-access scenario"),
    ("no-public", "s3-access scenario"),
    ("no-plain-http", "s3-access scenario"),
];

/// The flags of a Block Public Access configuration (S3 `PublicAccessBlockConfiguration`).
const BPA_FLAGS: &[&str] = &[
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
];

/// Recognises `root`. `forced` is `--kind`; `file_name` may hint a kind (`*.scp.json`).
pub fn recognise(text: &str, root: Value, forced: Option<PolicyKind>, file_name: &str) -> Document {
    let (found, kind, kind_source, wrapper) =
        match recognise_borrowed(text, &root, forced, file_name) {
            Recognised::Policy {
                root: found,
                kind,
                kind_source,
                wrapper,
            } => (
                match found {
                    // The root itself: hand it over rather than copy it.
                    Cow::Borrowed(v) if std::ptr::eq(v, &root) => None,
                    other => Some(other.into_owned()),
                },
                kind,
                kind_source,
                wrapper,
            ),
            Recognised::EmbeddedSyntaxError { error, wrapper } => {
                return Document::EmbeddedSyntaxError { error, wrapper };
            }
            Recognised::Other { what } => return Document::Other { what },
            Recognised::Unrecognised => return Document::Unrecognised,
        };
    Document::Policy {
        root: found.unwrap_or(root),
        kind,
        kind_source,
        wrapper,
    }
}

/// Like [`recognise`], without taking or copying `root`.
pub fn recognise_borrowed<'v>(
    text: &str,
    root: &'v Value,
    forced: Option<PolicyKind>,
    file_name: &str,
) -> Recognised<'v> {
    let Some(members) = root.as_object() else {
        return Recognised::Unrecognised;
    };
    let has = |k: &str| members.iter().any(|m| &*m.key == k);

    // `aws s3api get-bucket-policy` / `aws s3control get-access-point-policy`.
    if let Some(p) = root.get("Policy") {
        match &p.kind {
            Kind::String(_) if members.len() == 1 => {
                return embedded(
                    text,
                    p.span,
                    forced,
                    file_name,
                    "get-bucket-policy output",
                    None,
                );
            }
            // `aws kms get-key-policy`: {"Policy": "..", "PolicyName": "default"}, a key policy.
            Kind::String(_) if members.len() == 2 && has("PolicyName") => {
                return embedded(
                    text,
                    p.span,
                    forced,
                    file_name,
                    "kms get-key-policy output",
                    Some(PolicyKind::Resource),
                );
            }
            // `aws glacier get-vault-lock`: {"Policy": "..", "State": .., "ExpirationDate": ..,
            // "CreationDate": ..}, a vault lock policy (Glacier API GetVaultLock).
            Kind::String(_) if vault_lock(root).is_some() => {
                return embedded(
                    text,
                    p.span,
                    forced,
                    file_name,
                    "glacier get-vault-lock output",
                    Some(PolicyKind::Resource),
                );
            }
            // `aws lambda get-policy`: {"Policy": "..", "RevisionId": ".."}, a function's
            // resource policy.
            Kind::String(_) if members.len() == 2 && has("RevisionId") => {
                return embedded(
                    text,
                    p.span,
                    forced,
                    file_name,
                    "lambda get-policy output",
                    Some(PolicyKind::Resource),
                );
            }
            // `aws s3control get-multi-region-access-point-policy`:
            // {"Policy": {"Established": {"Policy": ".."}, "Proposed": {"Policy": ".."}}}; the
            // established policy is the one in force (S3 API GetMultiRegionAccessPointPolicy).
            Kind::Object(_) if members.len() == 1 && multi_region_policy(p).is_some() => {
                let literal = multi_region_policy(p).map_or(p.span, |l| l.span);
                return embedded(
                    text,
                    literal,
                    forced,
                    file_name,
                    "get-multi-region-access-point-policy output",
                    Some(PolicyKind::Resource),
                );
            }
            // `aws organizations describe-policy`: {"Policy": {"PolicySummary": {..}, "Content": ".."}}
            Kind::Object(_) => {
                if let Some(content) = p.get("Content") {
                    let org_kind = p
                        .get("PolicySummary")
                        .and_then(|s| s.get("Type"))
                        .and_then(Value::as_str)
                        .and_then(|t| match t {
                            "SERVICE_CONTROL_POLICY" => Some(PolicyKind::Scp),
                            "RESOURCE_CONTROL_POLICY" => Some(PolicyKind::Rcp),
                            _ => None,
                        });
                    if let Kind::String(_) = content.kind {
                        return embedded(
                            text,
                            content.span,
                            forced,
                            file_name,
                            "organizations describe-policy output",
                            org_kind,
                        );
                    }
                }
            }
            _ => {}
        }
    }
    // `aws sns get-topic-attributes` / `aws sqs get-queue-attributes`: {"Attributes":
    // {"Policy": "..", ...}}, the topic's or queue's resource policy.
    if let Some(p) = root.get("Attributes").and_then(|a| a.get("Policy"))
        && let Kind::String(_) = p.kind
    {
        return embedded(
            text,
            p.span,
            forced,
            file_name,
            "sns get-topic-attributes or sqs get-queue-attributes output",
            Some(PolicyKind::Resource),
        );
    }
    // `aws glacier get-vault-access-policy`: {"policy": {"Policy": ".."}}, a vault's access
    // policy (Glacier API GetVaultAccessPolicy).
    if members.len() == 1
        && let Some(p) = root.get("policy").and_then(|v| v.get("Policy"))
        && let Kind::String(_) = p.kind
    {
        return embedded(
            text,
            p.span,
            forced,
            file_name,
            "glacier get-vault-access-policy output",
            Some(PolicyKind::Resource),
        );
    }
    // `aws iam get-policy-version`: {"PolicyVersion": {"Document": {..} or "..."}}
    if let Some(doc) = root.get("PolicyVersion").and_then(|v| v.get("Document")) {
        return nested(text, doc, forced, file_name, "get-policy-version output");
    }
    // `aws iam get-role-policy` / `get-user-policy` / `get-group-policy`.
    if let Some(doc) = root.get("PolicyDocument") {
        return nested(text, doc, forced, file_name, "get-*-policy output");
    }
    // A policy has a Statement (perhaps misspelled) or a policy-language Version.
    let looks_like_policy = members.iter().any(|m| {
        m.key.eq_ignore_ascii_case("Statement")
            || crate::suggest::closest(&m.key, ["Statement"]).is_some()
            || (m.key.eq_ignore_ascii_case("Version")
                && m.value
                    .as_str()
                    .is_some_and(|v| v.starts_with("20") && v.len() == 10))
    });
    if looks_like_policy {
        return policy(Cow::Borrowed(root), forced, file_name, None, None);
    }
    if is_list_grants(root) {
        return Recognised::Other {
            what: "KMS grants (list-grants)",
        };
    }
    for (key, what) in OTHER_DOCUMENTS {
        if has(key) {
            return Recognised::Other { what };
        }
    }
    if has("Owner") && has("Grants") {
        return Recognised::Other { what: "ACL" };
    }
    // The bare form of a Block Public Access configuration (the `put-public-access-block`
    // input), which bucket folders accept too: only the four flags, at least one of them.
    if !members.is_empty() && members.iter().all(|m| BPA_FLAGS.contains(&&*m.key)) {
        return Recognised::Other {
            what: "Block Public Access configuration",
        };
    }
    Recognised::Unrecognised
}

/// The policy string of `get-multi-region-access-point-policy` output (`Policy` given): the
/// established policy, or the proposed one while none is established yet.
pub fn multi_region_policy(policy: &Value) -> Option<&Value> {
    let members = policy.as_object()?;
    if members.is_empty()
        || !members
            .iter()
            .all(|m| &*m.key == "Established" || &*m.key == "Proposed")
    {
        return None;
    }
    ["Established", "Proposed"].iter().find_map(|k| {
        let s = policy.get(k)?.get("Policy")?;
        matches!(s.kind, Kind::String(_)).then_some(s)
    })
}

/// The members `aws glacier get-vault-lock` prints (Glacier API GetVaultLock).
const VAULT_LOCK_KEYS: &[&str] = &["Policy", "State", "ExpirationDate", "CreationDate"];

/// The `Policy` string and the `State` of `aws glacier get-vault-lock` output: a `Policy`
/// string and a `State`, and no member the command does not print.
pub fn vault_lock(root: &Value) -> Option<(&Value, &Value)> {
    let members = root.as_object()?;
    if !members.iter().all(|m| VAULT_LOCK_KEYS.contains(&&*m.key)) {
        return None;
    }
    let policy = root.get("Policy")?;
    matches!(policy.kind, Kind::String(_)).then_some((policy, root.get("State")?))
}

/// `aws kms list-grants` output, which shares the `Grants` key with an ACL: no `Owner`, and
/// a grant names a `GranteePrincipal` (or the list is paged with `Truncated`).
fn is_list_grants(root: &Value) -> bool {
    let Some(grants) = root.get("Grants") else {
        return false;
    };
    root.get("Owner").is_none()
        && (root.get("Truncated").is_some()
            || grants
                .as_array()
                .is_some_and(|gs| gs.iter().any(|g| g.get("GranteePrincipal").is_some())))
}

/// A policy that may be an object or a (URL-encoded or plain) JSON string.
fn nested<'v>(
    text: &str,
    doc: &'v Value,
    forced: Option<PolicyKind>,
    name: &str,
    wrapper: &'static str,
) -> Recognised<'v> {
    match &doc.kind {
        Kind::String(_) => embedded(text, doc.span, forced, name, wrapper, None),
        _ => policy(
            Cow::Borrowed(doc),
            forced,
            name,
            Some(wrapper),
            Some(PolicyKind::Identity),
        ),
    }
}

fn embedded<'v>(
    text: &str,
    literal: Span,
    forced: Option<PolicyKind>,
    name: &str,
    wrapper: &'static str,
    wrapper_kind: Option<PolicyKind>,
) -> Recognised<'v> {
    match json::parse_embedded(text, literal) {
        Ok(root) => policy(Cow::Owned(root), forced, name, Some(wrapper), wrapper_kind),
        Err(error) => Recognised::EmbeddedSyntaxError { error, wrapper },
    }
}

fn policy<'v>(
    root: Cow<'v, Value>,
    forced: Option<PolicyKind>,
    file_name: &str,
    wrapper: Option<&'static str>,
    wrapper_kind: Option<PolicyKind>,
) -> Recognised<'v> {
    let (kind, kind_source) = if let Some(k) = forced {
        (k, KindSource::Given)
    } else if let Some(k) = kind_from_file_name(file_name) {
        (k, KindSource::FileName)
    } else if let Some(k) = wrapper_kind {
        (k, KindSource::Wrapper)
    } else {
        (kind_from_content(&root), KindSource::Content)
    };
    Recognised::Policy {
        root,
        kind,
        kind_source,
        wrapper,
    }
}

/// A kind named by a word in the file name: `scp`, `rcp`, `session-policy`, `boundary`, ...
pub fn kind_from_file_name(file_name: &str) -> Option<PolicyKind> {
    let base = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(file_name)
        .to_ascii_lowercase();
    let words: Vec<&str> = base.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    let has = |w: &str| words.contains(&w);
    if has("scp") {
        Some(PolicyKind::Scp)
    } else if has("rcp") {
        Some(PolicyKind::Rcp)
    } else if has("boundary") {
        Some(PolicyKind::PermissionsBoundary)
    } else if has("session") && has("policy") {
        Some(PolicyKind::Session)
    } else if has("trust") {
        Some(PolicyKind::Trust)
    } else {
        None
    }
}

/// Detects the kind from content: a Principal means a resource policy, and the resources
/// tell which service's.
pub fn kind_from_content<'v>(root: &'v Value) -> PolicyKind {
    let statements: Vec<&Value> = match root.get("Statement").map(|s| &s.kind) {
        Some(Kind::Array(items)) => items.iter().collect(),
        Some(Kind::Object(_)) => root.get("Statement").into_iter().collect(),
        _ => Vec::new(),
    };
    let has_principal = statements
        .iter()
        .any(|s| s.get("Principal").is_some() || s.get("NotPrincipal").is_some());
    if !has_principal {
        return PolicyKind::Identity;
    }
    let strings = |v: Option<&'v Value>| -> Vec<&'v str> {
        match v.map(|v| &v.kind) {
            Some(Kind::String(s)) => vec![&**s],
            Some(Kind::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    };
    let mut resources = Vec::new();
    let mut actions = Vec::new();
    for s in &statements {
        resources.extend(strings(s.get("Resource")));
        resources.extend(strings(s.get("NotResource")));
        actions.extend(strings(s.get("Action")));
        actions.extend(strings(s.get("NotAction")));
    }
    if resources.is_empty()
        && !actions.is_empty()
        && actions.iter().all(|a| starts_with_ci(a, "sts:"))
    {
        return PolicyKind::Trust;
    }
    let is_ap = |r: &str| {
        crate::arn::parse(r)
            .is_ok_and(|a| a.service == "s3" && a.resource.starts_with("accesspoint/"))
    };
    let is_s3 = |r: &str| {
        crate::arn::parse(r).is_ok_and(|a| a.service == "s3" || a.service == "s3-object-lambda")
    };
    // An Object Lambda access point policy names its Object Lambda access point: S3 stores it
    // as it stores access point policies (S3 API PutAccessPointPolicyForObjectLambda).
    let is_olap = |r: &str| crate::arn::parse(r).is_ok_and(|a| a.service == "s3-object-lambda");
    if !resources.is_empty() && resources.iter().all(|r| is_ap(r) || is_olap(r)) {
        PolicyKind::AccessPoint
    } else if resources.iter().any(|r| is_s3(r))
        || (resources.iter().all(|r| *r == "*") && actions.iter().any(|a| starts_with_ci(a, "s3:")))
    {
        PolicyKind::Bucket
    } else {
        PolicyKind::Resource
    }
}

/// Whether `s` starts with the ASCII `prefix`, ignoring ASCII case.
fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.as_bytes()
        .get(..prefix.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(prefix.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(text: &str, name: &str) -> Option<PolicyKind> {
        match recognise(text, json::parse(text).unwrap(), None, name) {
            Document::Policy { kind, .. } => Some(kind),
            _ => None,
        }
    }

    #[test]
    fn kinds_are_detected_from_content_and_name() {
        let identity = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
        assert_eq!(kind_of(identity, "p.json"), Some(PolicyKind::Identity));
        assert_eq!(kind_of(identity, "deny.scp.json"), Some(PolicyKind::Scp));
        let bucket = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
        assert_eq!(kind_of(bucket, "p.json"), Some(PolicyKind::Bucket));
        let ap = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:us-east-1:111122223333:accesspoint/ap/object/*"}]}"#;
        assert_eq!(kind_of(ap, "p.json"), Some(PolicyKind::AccessPoint));
        let sqs = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:111122223333:q"}]}"#;
        assert_eq!(kind_of(sqs, "p.json"), Some(PolicyKind::Resource));
        let trust = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        assert_eq!(kind_of(trust, "p.json"), Some(PolicyKind::Trust));
    }

    #[test]
    fn cli_wrappers_are_unwrapped_and_other_documents_recognised() {
        let wrapped = r#"{"Policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}]}"}"#;
        assert!(matches!(
            recognise(wrapped, json::parse(wrapped).unwrap(), None, "x.json"),
            Document::Policy {
                kind: PolicyKind::Bucket,
                wrapper: Some(_),
                ..
            }
        ));
        let acl = r#"{"Owner":{"ID":"abc"},"Grants":[]}"#;
        assert!(matches!(
            recognise(acl, json::parse(acl).unwrap(), None, "acl.json"),
            Document::Other { what: "ACL" }
        ));
        for grants in [
            r#"{"Grants":[{"GranteePrincipal":"arn:aws:iam::111122223333:role/r","Operations":["Decrypt"]}]}"#,
            r#"{"Grants":[],"Truncated":false}"#,
        ] {
            assert!(matches!(
                recognise(grants, json::parse(grants).unwrap(), None, "grants.json"),
                Document::Other {
                    what: "KMS grants (list-grants)"
                }
            ));
        }
        let bpa = r#"{"BlockPublicAcls": true, "IgnorePublicAcls": false}"#;
        assert!(matches!(
            recognise(bpa, json::parse(bpa).unwrap(), None, "bpa.json"),
            Document::Other {
                what: "Block Public Access configuration"
            }
        ));
        let pkg = r#"{"name":"x","version":"1.0.0"}"#;
        assert!(matches!(
            recognise(pkg, json::parse(pkg).unwrap(), None, "package.json"),
            Document::Unrecognised
        ));
    }
}
