//! Server access logging: whether it is on (S503), and whether its target can work: not the
//! bucket itself (S504), and in the same region (S505). AWS rule: the target bucket must be in
//! the same Region as the source bucket (S3 "Logging requests with server access logging").

use super::{at_start, push};
use crate::audit::Audited;
use crate::aws_docs::Logging;
use crate::aws_docs::folder::{BucketFolder, Setting};
use crate::aws_docs::read::Loaded;
use crate::aws_docs::settings::LoggingTarget;
use crate::diagnostic::Finding;
use crate::eval::bucket::BucketModel;
use crate::registry::Code;

/// Runs S503, or S504 and S505 on the log target when there is one.
pub(super) fn check(bucket: &BucketModel, folder: &BucketFolder, out: &mut Vec<Audited>) {
    access_logging_off(&folder.logging, out);
    if let Setting::Present(l) = &folder.logging {
        if let Some(t) = &l.doc.target {
            if !logging_loop(bucket, l, t, out) {
                target_in_other_region(folder, l, t, out);
            }
        }
    }
}

// rule: S503
/// Logging off: a configuration without a target, or none at all.
fn access_logging_off(setting: &Setting<Logging>, out: &mut Vec<Audited>) {
    match setting {
        Setting::Present(l) if l.doc.target.is_none() => push(
            out,
            &l.source,
            Finding::new(Code::AccessLoggingOff, l.doc.span, "server access logging is off")
                .with_help("enable it into a separate log bucket of the same account and region: aws s3api put-bucket-logging"),
        ),
        Setting::Absent { source } => push(
            out,
            source,
            Finding::new(Code::AccessLoggingOff, at_start(source), "server access logging is off")
                .with_help("enable it into a separate log bucket: aws s3api put-bucket-logging"),
        ),
        _ => {}
    }
}

// rule: S504
/// The bucket logs into itself; returns whether it does.
fn logging_loop(
    bucket: &BucketModel,
    l: &Loaded<Logging>,
    t: &LoggingTarget,
    out: &mut Vec<Audited>,
) -> bool {
    if t.bucket.value != bucket.name {
        return false;
    }
    push(
        out,
        &l.source,
        Finding::new(
            Code::LoggingLoop,
            t.bucket.span,
            "the bucket logs into itself: every log delivery is itself logged, without end",
        )
        .with_help("deliver the logs to a separate bucket"),
    );
    true
}

// rule: S505
/// The log target is a sibling bucket folder of another region. Judged only when both
/// regions are known.
fn target_in_other_region(
    folder: &BucketFolder,
    l: &Loaded<Logging>,
    t: &LoggingTarget,
    out: &mut Vec<Audited>,
) {
    let Some(region) = bucket_region(folder) else {
        return;
    };
    let Some(other) = sibling_region(folder, &t.bucket.value) else {
        return;
    };
    if other != region {
        push(
            out,
            &l.source,
            Finding::new(
                Code::LoggingTargetOtherRegion,
                t.bucket.span,
                format!(
                    "the log target `{}` is in {other}, the bucket in {region}: S3 delivers server access logs only within a region",
                    t.bucket.value
                ),
            )
            .with_help("use a log bucket in the same region and account"),
        );
    }
}

fn bucket_region(folder: &BucketFolder) -> Option<String> {
    folder.region().map(str::to_string)
}

/// The region of a sibling bucket folder for `bucket`, if the parent directory has one.
fn sibling_region(folder: &BucketFolder, bucket: &str) -> Option<String> {
    let parent = folder.dir.parent()?;
    for e in std::fs::read_dir(parent).ok()?.flatten() {
        let dir = e.path();
        // Only inside the tree the folder was loaded within (docs/security.md).
        if !dir.is_dir() || dir == folder.dir || !folder.root.contains(&dir) {
            continue;
        }
        let manifest = dir.join(crate::aws_docs::folder::MANIFEST);
        let Ok(text) = crate::load::read_limited(&manifest).map(String::from_utf8) else {
            continue;
        };
        let Ok(text) = text else {
            continue;
        };
        let Ok(v) = crate::json::parse(&text) else {
            continue;
        };
        if v.get("bucket").and_then(crate::json::Value::as_str) == Some(bucket) {
            return crate::aws_docs::load_bucket(&dir, &folder.root)
                .ok()
                .and_then(|f| f.region().map(str::to_string));
        }
    }
    None
}
