//! Default encryption: whether the bucket has one (S205), and whose KMS key it uses (S204).
//! S3 encrypts every new object by default, but a configuration without a default algorithm
//! or without any configuration leaves the choice to each upload (S3 "Setting default
//! server-side encryption behavior for Amazon S3 buckets").

use super::{at_start, push};
use crate::audit::Audited;
use crate::aws_docs::Encryption;
use crate::aws_docs::folder::{BucketFolder, Setting};
use crate::aws_docs::read::Loaded;
use crate::diagnostic::Finding;
use crate::eval::bucket::BucketModel;
use crate::registry::Code;

/// Runs S205, then S204 on each rule's key.
pub(super) fn check(bucket: &BucketModel, folder: &BucketFolder, out: &mut Vec<Audited>) {
    let owner = bucket.owner.as_deref().unwrap_or("");
    default_encryption_missing(&folder.encryption, out);
    if let Setting::Present(l) = &folder.encryption {
        default_key_of_another_account(l, owner, out);
    }
}

// rule: S205
/// No encryption configuration, or one that sets no default algorithm.
fn default_encryption_missing(setting: &Setting<Encryption>, out: &mut Vec<Audited>) {
    match setting {
        Setting::Absent { source } => push(
            out,
            source,
            Finding::new(
                Code::DefaultEncryptionMissing,
                at_start(source),
                "the bucket has no default encryption configuration",
            )
            .with_help("set default encryption (SSE-KMS with a customer managed key, or at least SSE-S3): aws s3api put-bucket-encryption"),
        ),
        Setting::Present(l) if l.doc.rules.iter().all(|r| r.default.is_none()) => push(
            out,
            &l.source,
            Finding::new(
                Code::DefaultEncryptionMissing,
                l.doc.span,
                "the encryption configuration sets no default algorithm",
            )
            .with_help("add ApplyServerSideEncryptionByDefault with SSEAlgorithm aws:kms or AES256"),
        ),
        _ => {}
    }
}

// S204 for the default encryption key: see audit::encryption::other_account_key, the main rule.
/// A default KMS key of an account other than the bucket owner's (`owner`, empty when not
/// known: then nothing is judged).
fn default_key_of_another_account(l: &Loaded<Encryption>, owner: &str, out: &mut Vec<Audited>) {
    for r in &l.doc.rules {
        let Some(key) = r.default.as_ref().and_then(|d| d.kms_key.as_ref()) else {
            continue;
        };
        let Some(arn) = crate::arn::Arn::split(&key.value) else {
            continue;
        };
        if !owner.is_empty() && !arn.account.is_empty() && arn.account != owner {
            push(
                out,
                &l.source,
                Finding::new(
                    Code::KmsKeyOfAnotherAccount,
                    key.span,
                    format!(
                        "default encryption uses a KMS key of account {}, not the bucket owner's ({owner}): that account controls who can read every new object",
                        arn.account
                    ),
                )
                .with_help("use a customer managed key of the bucket owner's account"),
            );
        }
    }
}
