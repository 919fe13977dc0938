//! Checks on a bucket's settings, from a bucket folder (`docs/bucket-folder.md`): one file per
//! theme, each check a small function beside its code. A setting the folder does not have is
//! not judged: only what is known is reported.
//!
//! - `block_public_access`: S501 block-public-access-off;
//! - `acls`: S502 acls-enabled (Object Ownership), S105 public-acl-grant and S306
//!   permissions-management-granted for ACL grants;
//! - `transport`: S201 insecure-transport-allowed, for a bucket with no bucket policy at all;
//! - `encryption`: S205 default-encryption-missing, S204 kms-key-of-another-account for the
//!   default encryption key;
//! - `logging`: S503 access-logging-off, S504 logging-loop, S505 logging-target-other-region;
//! - `versioning`: S506 versioning-off, S507 mfa-delete-off;
//! - `object_lock`: S508 governance-bypass-granted, S519 object-lock-missing (off by default);
//! - `cors`: S509 cors-any-origin-write;
//! - `access_points`: S511 access-point-internet-origin;
//! - `kms`: S514 aws-managed-key-shared, S515 readable-not-decryptable, S308
//!   key-decrypt-outside-account (the KMS leg of reads);
//! - `notifications`: S516 notification-destination-refused, S517
//!   notification-destination-open, S518 notification-destination-unchecked, and S307 for the
//!   destinations' policies (main rule in `services.rs`).
//!
//! The presigned-URL note (S510) is a bucket-policy check: [`super::presigned`].

mod access_points;
mod acls;
mod block_public_access;
mod cors;
mod encryption;
mod kms;
mod logging;
mod notifications;
mod object_lock;
mod transport;
mod versioning;

use super::Audited;
use crate::aws_docs::folder::BucketFolder;
use crate::diagnostic::Finding;
use crate::eval::bucket::BucketModel;
use crate::source::{SourceFile, Span};

/// Runs every settings check on a bucket folder. `bucket` is the folder loaded for
/// evaluation; `trust` the accounts and organisations the configuration trusts. The order is
/// the order findings are reported in.
pub fn check(
    bucket: &BucketModel,
    folder: &BucketFolder,
    trust: &super::Trust,
    out: &mut Vec<Audited>,
) {
    block_public_access::check(bucket, out);
    acls::check(bucket, folder, out);
    transport::without_bucket_policy(folder, out);
    encryption::check(bucket, folder, out);
    logging::check(bucket, folder, out);
    versioning::check(folder, out);
    object_lock::check(bucket, folder, out);
    cors::check(folder, out);
    access_points::check(folder, out);
    kms::check(bucket, folder, trust, out);
    notifications::check(folder, out);
}

/// Where a finding about a whole file points: its first byte.
fn at_start(source: &SourceFile) -> Span {
    Span::new(0, source.text().len().min(1))
}

/// Records a finding in `source`.
fn push(out: &mut Vec<Audited>, source: &SourceFile, f: Finding) {
    out.push(Audited {
        source: source.clone(),
        finding: f,
    });
}
