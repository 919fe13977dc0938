//! Server access logging: whether it is on (S503), and whether its target can work: not the
//! bucket itself (S504), in the same region (S505), and letting S3's log delivery write this
//! bucket's logs (S512). AWS rule: the target bucket must be in the same Region as the source
//! bucket, and its bucket policy must grant `logging.s3.amazonaws.com` `s3:PutObject` on the
//! target prefix (or, with ACLs enabled, its ACL the Log Delivery group WRITE) (S3 "Logging
//! requests with server access logging", "Permissions for log delivery").

use super::{at_start, push};
use crate::audit::Audited;
use crate::aws_docs::Logging;
use crate::aws_docs::folder::{BucketFolder, Setting};
use crate::aws_docs::read::Loaded;
use crate::aws_docs::settings::LoggingTarget;
use crate::diagnostic::Finding;
use crate::eval::bucket::BucketModel;
use crate::eval::s3_facts::LOG_DELIVERY_SERVICE;
use crate::eval::{Caller, Decision, Request, decide};
use crate::registry::Code;

/// Runs S503, or S504, S505 and S512 on the log target when there is one; S513 on the
/// account's trails when they are given.
pub(super) fn check(bucket: &BucketModel, folder: &BucketFolder, out: &mut Vec<Audited>) {
    access_logging_off(&folder.logging, out);
    object_events_not_logged(folder, out);
    if let Setting::Present(l) = &folder.logging
        && let Some(t) = &l.doc.target
        && !logging_loop(bucket, l, t, out)
    {
        let target = sibling_folder(folder, &t.bucket.value);
        if let Some(target) = &target {
            target_in_other_region(folder, target, l, t, out);
            log_delivery_refused(bucket, target, l, t, out);
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
    target: &BucketFolder,
    l: &Loaded<Logging>,
    t: &LoggingTarget,
    out: &mut Vec<Audited>,
) {
    let (Some(region), Some(other)) = (folder.region(), target.region()) else {
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

// rule: S513
/// No trail of the account folder or the bucket folder records the bucket's object-level
/// reads or writes (data events). Judged only when one of them has a `trails` folder: without
/// one, nothing is known.
// AWS rule: CloudTrail logs S3 object-level API activity only as data events, which a trail
// records only when an event selector names the bucket (CloudTrail "Logging data events").
fn object_events_not_logged(folder: &BucketFolder, out: &mut Vec<Audited>) {
    let account_trails = folder.account.as_ref().and_then(|a| a.trails.as_ref());
    if account_trails.is_none() && folder.trails.is_none() {
        return;
    }
    let trails: Vec<_> = folder
        .trails
        .iter()
        .chain(account_trails)
        .flatten()
        .collect();
    let bucket = folder.bucket();
    let mut c = crate::aws_docs::cloudtrail::Coverage::default();
    for t in &trails {
        t.doc.coverage(bucket, &mut c);
    }
    let (full, part) = (c.full, c.partial);
    let missing = match (full.reads, full.writes) {
        (true, true) => return,
        (false, false) => "reads or writes",
        (true, false) => "writes (PutObject, DeleteObject, ...)",
        (false, true) => "reads (GetObject, ...)",
    };
    // Recorded in part (a key prefix, an `eventName` filter): say what is, and why.
    let partly = (part.reads && !full.reads) || (part.writes && !full.writes);
    let state = |f: bool, p: bool| match (f, p) {
        (true, _) => "fully",
        (false, true) => "only in part",
        (false, false) => "not at all",
    };
    let (source, span) = match (trails.first(), &folder.account) {
        (Some(t), _) => (
            &t.source,
            t.doc.trail.as_ref().map_or(at_start(&t.source), |a| a.span),
        ),
        (None, Some(account)) if account_trails.is_some() => {
            (&account.manifest.source, at_start(&account.manifest.source))
        }
        (None, _) => (&folder.manifest.source, at_start(&folder.manifest.source)),
    };
    let whose = match (&folder.account, account_trails, &folder.trails) {
        (Some(account), Some(_), None) => {
            format!("of account {}", account.manifest.doc.account.value)
        }
        (_, Some(_), Some(_)) => "of the bucket or account folder".to_string(),
        _ => "of the bucket folder".to_string(),
    };
    push(
        out,
        source,
        Finding::new(
            Code::ObjectEventsNotLogged,
            span,
            if partly {
                format!(
                    "the trails {whose} record the object-level reads of `{bucket}` {} and its writes {} (CloudTrail data events; {}): the rest leaves no record to alert on",
                    state(full.reads, part.reads),
                    state(full.writes, part.writes),
                    c.limits.join(", ")
                )
            } else {
                format!(
                    "no trail {whose} records object-level {missing} of `{bucket}` (CloudTrail data events): such activity leaves no record to alert on"
                )
            },
        )
        .with_help(format!("add a data event selector for the bucket: aws cloudtrail put-event-selectors --trail-name TRAIL --advanced-event-selectors '[{{\"Name\": \"{bucket} objects\", \"FieldSelectors\": [{{\"Field\": \"eventCategory\", \"Equals\": [\"Data\"]}}, {{\"Field\": \"resources.type\", \"Equals\": [\"AWS::S3::Object\"]}}, {{\"Field\": \"resources.ARN\", \"StartsWith\": [\"arn:aws:s3:::{bucket}/\"]}}]}}]'")),
    );
}

// rule: S512
/// The target's bucket folder is given and its policy and ACL do not let S3's log delivery
/// write this bucket's logs: asked of the evaluator, as the request S3 makes for each log
/// object. Judged only when the target's policy and ACLs are known.
fn log_delivery_refused(
    bucket: &BucketModel,
    target: &BucketFolder,
    l: &Loaded<Logging>,
    t: &LoggingTarget,
    out: &mut Vec<Audited>,
) {
    let Ok(model) = BucketModel::from_folder(target) else {
        return;
    };
    let acls_known = model.known.bucket_acl || !model.graph.s3.acls_enabled();
    if !model.known.policy || !acls_known {
        return;
    }
    let source_owner = bucket.owner.clone().unwrap_or_default();
    let resource = format!(
        "arn:aws:s3:::{}/{}s3-access-log-object",
        t.bucket.value, t.prefix.value
    );
    // The request S3's log delivery makes: it names the source bucket and its account.
    let context = vec![
        (
            "aws:SourceArn".to_string(),
            format!("arn:aws:s3:::{}", bucket.name),
        ),
        ("aws:SourceAccount".to_string(), source_owner),
    ];
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let request = Request::new(
        Caller::Service {
            name: LOG_DELIVERY_SERVICE.to_string(),
        },
        "s3:PutObject",
        &resource,
        Some(target.account_id()),
        &context,
        now,
    );
    let response = decide(&model.graph, &request, false);
    if response.decision == Decision::Allow {
        return;
    }
    push(
        out,
        &l.source,
        Finding::new(
            Code::LogDeliveryRefused,
            t.bucket.span,
            format!(
                "S3 cannot deliver this bucket's access logs: the target `{}` does not let {LOG_DELIVERY_SERVICE} write `{}` for `{}` ({} for s3:PutObject on {resource} with aws:SourceArn arn:aws:s3:::{})",
                t.bucket.value,
                if t.prefix.value.is_empty() { "*" } else { &t.prefix.value },
                bucket.name,
                response.decision.as_str(),
                bucket.name
            ),
        )
        .with_help(format!("add to the target's bucket policy: {{\"Effect\": \"Allow\", \"Principal\": {{\"Service\": \"{LOG_DELIVERY_SERVICE}\"}}, \"Action\": \"s3:PutObject\", \"Resource\": \"arn:aws:s3:::{}/{}*\", \"Condition\": {{\"ArnLike\": {{\"aws:SourceArn\": \"arn:aws:s3:::{}\"}}, \"StringEquals\": {{\"aws:SourceAccount\": \"{}\"}}}}}}", t.bucket.value, t.prefix.value, bucket.name, bucket.owner.as_deref().unwrap_or("ACCOUNT"))),
    );
}

/// The bucket folder of `bucket` beside `folder` (a sibling directory of the same parent),
/// if there is one: its manifest read within the size limit, then the folder loaded.
fn sibling_folder(folder: &BucketFolder, bucket: &str) -> Option<BucketFolder> {
    let parent = folder.dir.parent()?;
    let mut dirs: Vec<std::path::PathBuf> = std::fs::read_dir(parent)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|d| d.is_dir() && *d != folder.dir)
        // Only inside the tree the folder was loaded within (docs/security.md).
        .filter(|d| folder.root.contains(d))
        .collect();
    dirs.sort();
    dirs.into_iter().find_map(|dir| {
        let bytes = crate::load::read_limited(&dir.join(crate::aws_docs::folder::MANIFEST)).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let v = crate::json::parse(&text).ok()?;
        (v.get("bucket").and_then(crate::json::Value::as_str) == Some(bucket))
            .then(|| crate::aws_docs::load_bucket(&dir, &folder.root).ok())
            .flatten()
    })
}
