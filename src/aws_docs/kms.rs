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

/// One grant of `aws kms list-grants` output: who may use the key for which operations.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyGrant {
    /// `GranteePrincipal`: an IAM ARN or a service principal.
    pub grantee: Spanned<String>,
    /// `Operations`, e.g. `Decrypt`, `GenerateDataKey`.
    pub operations: Vec<String>,
    /// Whether the grant has `Constraints` (encryption context conditions).
    pub constrained: bool,
}

/// `aws kms list-grants` output: `{"Grants": [...]}`.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyGrants {
    /// The grants.
    pub grants: Vec<KeyGrant>,
}

impl AwsDocument for KeyGrants {
    const WHAT: &'static str = "KMS grants (list-grants)";

    fn read(value: &Value, r: &mut Reader) -> Option<KeyGrants> {
        r.object(value, "")?;
        r.near_misses(value, &["Grants", "Truncated", "NextMarker"], "");
        let list = r.required(value, "Grants", "")?;
        let items = r.array(list, "Grants")?;
        let before = r.error_count();
        let mut grants = Vec::new();
        for (i, g) in items.iter().enumerate() {
            let path = read::at("Grants", i);
            if r.object(g, &path).is_none() {
                continue;
            }
            let grantee = r.req_string(g, "GranteePrincipal", &path);
            let operations = r
                .opt_strings(g, "Operations", &path)
                .into_iter()
                .map(|o| o.value)
                .collect();
            if let Some(grantee) = grantee {
                grants.push(KeyGrant {
                    grantee,
                    operations,
                    constrained: g.get("Constraints").is_some(),
                });
            }
        }
        (r.error_count() == before).then_some(KeyGrants { grants })
    }
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
        assert_eq!(g.grants[0].operations, ["Decrypt", "DescribeKey"]);
        assert!(g.grants[0].constrained);
        for bad in [
            r#"{"Grants": [{"Operations": []}]}"#,
            r#"{"Grants": 5}"#,
            "{}",
        ] {
            assert!(read_str::<KeyGrants>("g.json", bad).is_err(), "{bad}");
        }
    }
}
