//! Versioning and MFA Delete: without versioning an overwrite or delete is final (S506); with
//! it but without MFA Delete, whoever may delete versions can erase the history (S507). AWS
//! rule: only the root user can enable MFA Delete, and only on a versioned bucket (S3
//! "Configuring MFA delete").

use super::{at_start, push};
use crate::audit::Audited;
use crate::aws_docs::folder::{BucketFolder, Setting};
use crate::aws_docs::settings::VersioningStatus;
use crate::diagnostic::Finding;
use crate::registry::Code;

/// Runs S506, or S507 on a versioned bucket (at most one of them fires).
pub(super) fn check(folder: &BucketFolder, out: &mut Vec<Audited>) {
    versioning_off(folder, out);
    mfa_delete_off(folder, out);
}

// rule: S506
/// Versioning suspended or never enabled.
fn versioning_off(folder: &BucketFolder, out: &mut Vec<Audited>) {
    match &folder.versioning {
        Setting::Present(l) if l.doc.status != VersioningStatus::Enabled => push(
            out,
            &l.source,
            Finding::new(
                Code::VersioningOff,
                l.doc.span,
                format!(
                    "versioning is {}: an overwrite or delete loses the object for good",
                    match l.doc.status {
                        VersioningStatus::Suspended => "suspended",
                        _ => "not enabled",
                    }
                ),
            )
            .with_help("enable versioning (with a lifecycle rule for noncurrent versions)"),
        ),
        Setting::Absent { source } => push(
            out,
            source,
            Finding::new(
                Code::VersioningOff,
                at_start(source),
                "versioning has never been enabled: an overwrite or delete loses the object for good",
            )
            .with_help("enable versioning"),
        ),
        _ => {}
    }
}

// rule: S507
/// A versioned bucket without MFA Delete.
fn mfa_delete_off(folder: &BucketFolder, out: &mut Vec<Audited>) {
    if let Setting::Present(l) = &folder.versioning
        && l.doc.status == VersioningStatus::Enabled
        && l.doc.mfa_delete != Some(true)
    {
        push(
                out,
                &l.source,
                Finding::new(
                    Code::MfaDeleteOff,
                    l.doc.span,
                    "MFA Delete is off: anyone who may delete object versions can destroy the history without a second factor",
                )
                .with_help("the root user can enable it with aws s3api put-bucket-versioning --mfa"),
            );
    }
}
