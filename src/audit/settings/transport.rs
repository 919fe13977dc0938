//! Plain HTTP for a bucket with no bucket policy at all: with nothing to ask the Deny
//! coverage about, the folder's empty `policy.json` is the finding's place.

use super::{at_start, push};
use crate::audit::Audited;
use crate::aws_docs::folder::{BucketFolder, Setting};
use crate::diagnostic::Finding;
use crate::registry::Code;

// S201 for a bucket without any policy: see audit::transport::check, the main rule.
/// No bucket policy, so no Deny refuses requests over plain HTTP.
pub(super) fn without_bucket_policy(folder: &BucketFolder, out: &mut Vec<Audited>) {
    if let Setting::Absent { source } = &folder.policy {
        push(
            out,
            source,
            Finding::new(
                Code::InsecureTransportAllowed,
                at_start(source),
                "the bucket has no bucket policy, so nothing refuses requests made over plain HTTP",
            )
            .with_help("add a bucket policy that denies `aws:SecureTransport` false for the bucket and its objects"),
        );
    }
}
