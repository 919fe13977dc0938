//! The KMS side of an SSE-KMS object, as the AWS CLI prints it: `aws kms describe-key` (which
//! key, whose, AWS-managed or not) and `aws s3api head-object` (which key encrypts an object,
//! and whether with an S3 Bucket Key). Key policies are policies and go through `document`
//! (`aws kms get-key-policy` output is recognised there).

use super::read::{self, AwsDocument, Reader, join};
use super::settings::{SSE_ALGORITHMS, SseAlgorithm};
use crate::json::Value;
use crate::policy::Spanned;

/// Who manages a KMS key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyManager {
    /// `AWS`: an AWS managed key such as `aws/s3`, whose key policy cannot be changed.
    Aws,
    /// `CUSTOMER`: a customer managed key.
    Customer,
}

/// `aws kms describe-key` output: `{"KeyMetadata": {...}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyMetadata {
    /// `Arn`: the key ARN.
    pub arn: Spanned<String>,
    /// `AWSAccountId`: the account that owns the key.
    pub account: Spanned<String>,
    /// `KeyManager`, when printed.
    pub manager: Option<KeyManager>,
    /// `KeyState` (`Enabled`, `Disabled`, `PendingDeletion`, ...), when printed.
    pub state: Option<Spanned<String>>,
}

impl KeyMetadata {
    /// Whether the key is an AWS managed key (its key policy is fixed by AWS).
    pub fn aws_managed(&self) -> bool {
        self.manager == Some(KeyManager::Aws)
    }
}

const KEY_FIELDS: &[&str] = &["Arn", "AWSAccountId", "KeyId", "KeyManager", "KeyState"];

impl AwsDocument for KeyMetadata {
    const WHAT: &'static str = "KMS key description";

    fn read(value: &Value, r: &mut Reader) -> Option<KeyMetadata> {
        r.object(value, "")?;
        r.near_misses(value, &["KeyMetadata"], "");
        let meta = r.required(value, "KeyMetadata", "")?;
        let path = "KeyMetadata";
        r.object(meta, path)?;
        r.near_misses(meta, KEY_FIELDS, path);
        let before = r.error_count();
        let arn = r.req_string(meta, "Arn", path);
        let account = r.req_string(meta, "AWSAccountId", path);
        let manager = meta.get("KeyManager").and_then(|v| {
            let choices = [("AWS", KeyManager::Aws), ("CUSTOMER", KeyManager::Customer)];
            r.one_of(v, &join(path, "KeyManager"), &choices)
        });
        let state = r.opt_string(meta, "KeyState", path);
        if let (Some(a), Some(acc)) = (&arn, &account)
            && !key_arn_of_account(&a.value, &acc.value)
        {
            r.error(
                a.span,
                format!(
                    "`KeyMetadata.Arn` is not a KMS key ARN of account {} (arn:aws:kms:REGION:ACCOUNT:key/ID)",
                    acc.value
                ),
            );
        }
        if r.error_count() != before {
            return None;
        }
        Some(KeyMetadata {
            arn: arn?,
            account: account?,
            manager,
            state,
        })
    }
}

/// Whether `arn` is a KMS key ARN (`arn:PARTITION:kms:REGION:ACCOUNT:key/ID`) of `account`.
pub fn key_arn_of_account(arn: &str, account: &str) -> bool {
    crate::arn::parse(arn).is_ok_and(|a| {
        a.service == "kms"
            && !a.region.is_empty()
            && a.account == account
            && a.resource
                .strip_prefix("key/")
                .is_some_and(|id| !id.is_empty())
    })
}

/// `aws s3api head-object` output: how the object is encrypted. Other fields are ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectHead {
    /// `ServerSideEncryption`, when printed (absent on unencrypted legacy objects).
    pub algorithm: Option<SseAlgorithm>,
    /// `SSEKMSKeyId`: the key ARN, for SSE-KMS and DSSE-KMS objects.
    pub kms_key: Option<Spanned<String>>,
    /// `BucketKeyEnabled`: the object was encrypted with an S3 Bucket Key.
    pub bucket_key: bool,
}

impl ObjectHead {
    /// The KMS key ARN of an object encrypted with AWS KMS.
    pub fn kms_key(&self) -> Option<&Spanned<String>> {
        self.algorithm
            .is_some_and(SseAlgorithm::uses_kms)
            .then_some(self.kms_key.as_ref())
            .flatten()
    }
}

const HEAD_FIELDS: &[&str] = &["ServerSideEncryption", "SSEKMSKeyId", "BucketKeyEnabled"];

impl AwsDocument for ObjectHead {
    const WHAT: &'static str = "object metadata (head-object)";

    fn read(value: &Value, r: &mut Reader) -> Option<ObjectHead> {
        r.object(value, "")?;
        r.near_misses(value, HEAD_FIELDS, "");
        let before = r.error_count();
        let algorithm = value
            .get("ServerSideEncryption")
            .and_then(|v| r.one_of(v, "ServerSideEncryption", SSE_ALGORITHMS));
        let kms_key = r.opt_string(value, "SSEKMSKeyId", "");
        let bucket_key = r.opt_bool(value, "BucketKeyEnabled", "").unwrap_or(false);
        if algorithm.is_some_and(SseAlgorithm::uses_kms) && kms_key.is_none() {
            r.error(
                read::head(value.span),
                "the object is encrypted with AWS KMS but the document has no `SSEKMSKeyId`",
            );
        }
        (r.error_count() == before).then_some(ObjectHead {
            algorithm,
            kms_key,
            bucket_key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws_docs::read::read_str;

    #[test]
    fn describe_key_gives_the_key_its_account_and_manager() {
        let text = r#"{"KeyMetadata": {"AWSAccountId": "111122223333", "KeyId": "k1",
            "Arn": "arn:aws:kms:us-east-1:111122223333:key/k1", "KeyManager": "AWS",
            "KeyState": "Enabled", "Description": "Default key"}}"#;
        let k = read_str::<KeyMetadata>("k.json", text).unwrap().doc;
        assert_eq!(k.arn.value, "arn:aws:kms:us-east-1:111122223333:key/k1");
        assert_eq!(k.account.value, "111122223333");
        assert!(k.aws_managed());
    }

    #[test]
    fn describe_key_of_the_wrong_shape_is_a_located_error() {
        for text in [
            r#"{"KeyMetadata": {"AWSAccountId": "111122223333", "Arn": "arn:aws:kms:us-east-1:444455556666:key/k1"}}"#,
            r#"{"KeyMetadata": {"AWSAccountId": "111122223333", "Arn": "arn:aws:s3:::b"}}"#,
            r#"{"KeyMetadata": {"Arn": "arn:aws:kms:us-east-1:111122223333:key/k1"}}"#,
            r#"{"KeyMetadata": {"AWSAccountId": "1", "Arn": "a", "KeyManager": "Aws"}}"#,
            r#"{"Keymetadata": {}}"#,
            r#"[]"#,
        ] {
            let report = read_str::<KeyMetadata>("k.json", text).unwrap_err();
            assert!(!report.findings.is_empty(), "{text}");
        }
    }

    #[test]
    fn head_object_gives_the_key_and_bucket_key() {
        let text = r#"{"ContentLength": 3, "ServerSideEncryption": "aws:kms",
            "SSEKMSKeyId": "arn:aws:kms:us-east-1:111122223333:key/k1", "BucketKeyEnabled": true}"#;
        let h = read_str::<ObjectHead>("h.json", text).unwrap().doc;
        assert_eq!(
            h.kms_key().map(|k| k.value.as_str()),
            Some("arn:aws:kms:us-east-1:111122223333:key/k1")
        );
        assert!(h.bucket_key);
        let sse_s3 = read_str::<ObjectHead>("h.json", r#"{"ServerSideEncryption": "AES256"}"#);
        assert!(sse_s3.unwrap().doc.kms_key().is_none());
        for bad in [
            r#"{"ServerSideEncryption": "aws:kms"}"#,
            r#"{"ServerSideEncryption": "kms"}"#,
            r#"{"BucketKeyEnabled": "yes"}"#,
            r#"{"SSEKmsKeyId": "x"}"#,
        ] {
            assert!(read_str::<ObjectHead>("h.json", bad).is_err(), "{bad}");
        }
    }
}

/// One grant of `aws kms list-grants` output: who may use the key for which operations, and
/// under which encryption context.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyGrant {
    /// The grant object in the file, for the answer's file:line:col.
    pub span: crate::source::Span,
    /// `GrantId`, when printed.
    pub id: Option<Spanned<String>>,
    /// `KeyId`: the key ARN the grant is for, when printed.
    pub key_id: Option<Spanned<String>>,
    /// `GranteePrincipal`: an IAM ARN, an account, or a service principal.
    pub grantee: Spanned<String>,
    /// `RetiringPrincipal`, when printed (it may retire the grant; it gets no operation).
    pub retiring: Option<Spanned<String>>,
    /// `Operations`, e.g. `Decrypt`, `GenerateDataKey`.
    pub operations: Vec<Spanned<String>>,
    /// `Constraints.EncryptionContextSubset`: pairs the request's context must include.
    pub subset: Option<Vec<(String, String)>>,
    /// `Constraints.EncryptionContextEquals`: the request's context must be exactly these.
    pub equals: Option<Vec<(String, String)>>,
}

impl KeyGrant {
    /// Whether the grant has encryption context constraints.
    pub fn constrained(&self) -> bool {
        self.subset.is_some() || self.equals.is_some()
    }
}

/// `aws kms list-grants` output: `{"Grants": [...]}`.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyGrants {
    /// The grants.
    pub grants: Vec<KeyGrant>,
}

/// The operations a grant can allow (KMS API Reference, CreateGrant, `Operations`).
pub const GRANT_OPERATIONS: &[&str] = &[
    "Decrypt",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "ReEncryptFrom",
    "ReEncryptTo",
    "Sign",
    "Verify",
    "GetPublicKey",
    "CreateGrant",
    "RetireGrant",
    "DescribeKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateMac",
    "VerifyMac",
    "DeriveSharedSecret",
];

const GRANT_FIELDS: &[&str] = &[
    "KeyId",
    "GrantId",
    "Name",
    "CreationDate",
    "GranteePrincipal",
    "RetiringPrincipal",
    "IssuingAccount",
    "Operations",
    "Constraints",
];

const CONSTRAINT_FIELDS: &[&str] = &["EncryptionContextSubset", "EncryptionContextEquals"];

impl AwsDocument for KeyGrants {
    const WHAT: &'static str = "KMS grants (list-grants)";

    fn read(value: &Value, r: &mut Reader) -> Option<KeyGrants> {
        r.object(value, "")?;
        r.near_misses(value, &["Grants", "Truncated", "NextMarker"], "");
        let list = r.required(value, "Grants", "")?;
        let items = r.array(list, "Grants")?;
        let before = r.error_count();
        let grants = items
            .iter()
            .enumerate()
            .filter_map(|(i, g)| read_grant(g, &read::at("Grants", i), r))
            .collect();
        (r.error_count() == before).then_some(KeyGrants { grants })
    }
}

/// One element of `Grants`.
fn read_grant(g: &Value, path: &str, r: &mut Reader) -> Option<KeyGrant> {
    r.object(g, path)?;
    r.near_misses(g, GRANT_FIELDS, path);
    let grantee = r.req_string(g, "GranteePrincipal", path);
    if let Some(p) = &grantee
        && p.value.starts_with("arn:")
        && let Err(e) = crate::policy::AwsPrincipal::parse(&p.value)
    {
        r.error(p.span, format!("`GranteePrincipal` {}", e.message));
    }
    let mut operations = Vec::new();
    if let Some(ops) = g.get("Operations") {
        let ops_path = join(path, "Operations");
        for (i, op) in r.array(ops, &ops_path).unwrap_or(&[]).iter().enumerate() {
            let choices: Vec<(&str, &str)> = GRANT_OPERATIONS.iter().map(|o| (*o, *o)).collect();
            if let Some(name) = r.one_of(op, &read::at(&ops_path, i), &choices) {
                operations.push(Spanned {
                    value: name.to_string(),
                    span: op.span,
                });
            }
        }
    }
    let (subset, equals) = match g.get("Constraints") {
        Some(c) => {
            let c_path = join(path, "Constraints");
            r.object(c, &c_path);
            r.near_misses(c, CONSTRAINT_FIELDS, &c_path);
            let pairs = |r: &mut Reader, key: &str| {
                let v = c.get(key)?;
                context_pairs(v, &join(&c_path, key), r)
            };
            (
                pairs(r, "EncryptionContextSubset"),
                pairs(r, "EncryptionContextEquals"),
            )
        }
        None => (None, None),
    };
    Some(KeyGrant {
        span: g.span,
        id: r.opt_string(g, "GrantId", path),
        key_id: r.opt_string(g, "KeyId", path),
        grantee: grantee?,
        retiring: r.opt_string(g, "RetiringPrincipal", path),
        operations,
        subset,
        equals,
    })
}

/// An encryption context constraint: an object of string values. An empty one constrains
/// nothing (IAM Access Analyzer "KmsGrantConstraints": "An empty map is treated as not
/// specified").
fn context_pairs(v: &Value, path: &str, r: &mut Reader) -> Option<Vec<(String, String)>> {
    let members = r.object(v, path)?;
    let mut pairs = Vec::with_capacity(members.len());
    for m in members {
        if let Some(s) = r.string(&m.value, &join(path, &m.key)) {
            pairs.push((m.key.to_string(), s.value));
        }
    }
    (!pairs.is_empty()).then_some(pairs)
}

/// One alias of `aws kms list-aliases --key-id KEY` output.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyAlias {
    /// `AliasName`: `alias/NAME`.
    pub name: Spanned<String>,
    /// `AliasArn`, when printed.
    pub arn: Option<Spanned<String>>,
    /// `TargetKeyId`: the key id the alias points to, when printed.
    pub target: Option<Spanned<String>>,
}

/// `aws kms list-aliases` output: `{"Aliases": [...]}`.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyAliases {
    /// The aliases.
    pub aliases: Vec<KeyAlias>,
}

impl KeyAliases {
    /// Whether `written` (`alias/NAME` or an alias ARN) is one of the aliases, pointing to
    /// the key `key_id` (when the alias says which key it points to).
    pub fn names(&self, written: &str, key_id: &str) -> bool {
        self.aliases.iter().any(|a| {
            let same =
                a.name.value == written || a.arn.as_ref().is_some_and(|r| r.value == written);
            same && a.target.as_ref().is_none_or(|t| t.value == key_id)
        })
    }
}

const ALIAS_FIELDS: &[&str] = &[
    "AliasName",
    "AliasArn",
    "TargetKeyId",
    "CreationDate",
    "LastUpdatedDate",
];

impl AwsDocument for KeyAliases {
    const WHAT: &'static str = "KMS aliases (list-aliases)";

    fn read(value: &Value, r: &mut Reader) -> Option<KeyAliases> {
        r.object(value, "")?;
        r.near_misses(value, &["Aliases", "Truncated", "NextMarker"], "");
        let list = r.required(value, "Aliases", "")?;
        let items = r.array(list, "Aliases")?;
        let before = r.error_count();
        let mut aliases = Vec::new();
        for (i, a) in items.iter().enumerate() {
            let path = read::at("Aliases", i);
            if r.object(a, &path).is_none() {
                continue;
            }
            r.near_misses(a, ALIAS_FIELDS, &path);
            let name = r.req_string(a, "AliasName", &path);
            if let Some(n) = &name
                && !n.value.starts_with("alias/")
            {
                r.error(
                    n.span,
                    format!("`{path}.AliasName` must start with `alias/`"),
                );
            }
            let arn = r.opt_string(a, "AliasArn", &path);
            let target = r.opt_string(a, "TargetKeyId", &path);
            if let Some(name) = name {
                aliases.push(KeyAlias { name, arn, target });
            }
        }
        (r.error_count() == before).then_some(KeyAliases { aliases })
    }
}

/// Whether a key as written is an alias (`alias/NAME` or an alias ARN).
pub fn is_alias(key: &str) -> bool {
    key.starts_with("alias/")
        || crate::arn::parse(key)
            .is_ok_and(|a| a.service == "kms" && a.resource.starts_with("alias/"))
}

#[cfg(test)]
mod grant_tests {
    use super::*;
    use crate::aws_docs::read::read_str;

    #[test]
    fn list_grants_gives_grantees_and_operations() {
        let text = r#"{"Grants": [{"KeyId": "k", "GrantId": "g", "GranteePrincipal":
            "arn:aws:iam::111122223333:role/reader", "Operations": ["Decrypt", "DescribeKey"],
            "Constraints": {"EncryptionContextSubset": {"aws:s3:arn": "arn:aws:s3:::b"}}}],
            "Truncated": false}"#;
        let g = read_str::<KeyGrants>("g.json", text).unwrap().doc;
        assert_eq!(g.grants.len(), 1);
        let ops: Vec<&str> = g.grants[0]
            .operations
            .iter()
            .map(|o| o.value.as_str())
            .collect();
        assert_eq!(ops, ["Decrypt", "DescribeKey"]);
        assert!(g.grants[0].constrained());
        assert_eq!(
            g.grants[0].subset.as_deref(),
            Some(&[("aws:s3:arn".to_string(), "arn:aws:s3:::b".to_string())][..])
        );
        for bad in [
            r#"{"Grants": [{"Operations": []}]}"#,
            r#"{"Grants": 5}"#,
            "{}",
            r#"{"Grants": [{"GranteePrincipal": "a", "Operations": ["Decrypts"]}]}"#,
            r#"{"Grants": [{"GranteePrincipal": "a", "Operations": "Decrypt"}]}"#,
            r#"{"Grants": [{"GranteePrincipal": "a", "Constraints": {"EncryptionContextSubset": {"k": 1}}}]}"#,
            r#"{"Grants": [{"GranteePrincipal": "a", "Constraints": {"EncryptionContextSubSet": {}}}]}"#,
            r#"{"Grants": [{"GranteePrincipal": "a", "Constraints": []}]}"#,
            r#"{"Grants": [{"GranteePrincipal": 7}]}"#,
        ] {
            assert!(read_str::<KeyGrants>("g.json", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn list_aliases_names_the_key_by_name_or_arn() {
        let text = r#"{"Aliases": [{"AliasName": "alias/reports", "AliasArn":
            "arn:aws:kms:us-east-1:111122223333:alias/reports", "TargetKeyId": "k1"}]}"#;
        let a = read_str::<KeyAliases>("a.json", text).unwrap().doc;
        assert!(a.names("alias/reports", "k1"));
        assert!(a.names("arn:aws:kms:us-east-1:111122223333:alias/reports", "k1"));
        assert!(!a.names("alias/reports", "k2"));
        assert!(!a.names("alias/other", "k1"));
        assert!(is_alias("alias/reports") && is_alias("arn:aws:kms:us-east-1:1:alias/x"));
        assert!(!is_alias("arn:aws:kms:us-east-1:111122223333:key/k1"));
        for bad in [
            r#"{"Aliases": [{"AliasName": "reports"}]}"#,
            r#"{"Aliases": [{"AliasArn": "x"}]}"#,
            r#"{"Aliases": {}}"#,
            r#"{"aliases": []}"#,
        ] {
            assert!(read_str::<KeyAliases>("a.json", bad).is_err(), "{bad}");
        }
    }
}
