//! Event notification destinations under change (issue 15, "Tests"): removing an Allow from
//! an SQS queue policy never makes a destination that refused S3's delivery (S516) receive
//! it, never opens a closed destination (S517), and never changes whether a destination is
//! checked at all (S518). A destination that can no longer receive must stay reported; a
//! removal that closes a destination may only drop S517.

use proptest::prelude::*;
use s3_access::lint::{LintOptions, Root, folder};
use std::path::{Path, PathBuf};

const QUEUE: &str = "arn:aws:sqs:us-east-1:111122223333:amzn-s3-demo-queue";

/// Allow statements a queue policy of the property is made of.
const ALLOWS: &[&str] = &[
    // S3's delivery for this bucket, pinned as the S3 guide shows.
    r#"{"Sid":"S3Delivers","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"SQS:SendMessage","Resource":"QUEUE","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:*:*:amzn-s3-demo-bucket"},"StringEquals":{"aws:SourceAccount":"111122223333"}}}"#,
    // S3's delivery for another bucket only.
    r#"{"Sid":"OtherBucket","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"QUEUE","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::amzn-s3-demo-other-bucket"}}}"#,
    // Anyone sends.
    r#"{"Sid":"AnyoneSends","Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"QUEUE"}"#,
    // Anyone, pinned to this bucket.
    r#"{"Sid":"StarPinned","Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"QUEUE","Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:s3:::amzn-s3-demo-bucket"}}}"#,
    // The owner account administers the queue.
    r#"{"Sid":"Owner","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sqs:*","Resource":"QUEUE"}"#,
    // A partner reads the events.
    r#"{"Sid":"PartnerReads","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":["sqs:ReceiveMessage","sqs:DeleteMessage"],"Resource":"QUEUE"}"#,
    // S3 let in with no pin (the confused deputy).
    r#"{"Sid":"S3Unpinned","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"*"}"#,
];

/// Always present, so that a policy never ends up without statements: a Deny only denies.
const BASE: &str = r#"{"Sid":"KeepQueue","Effect":"Deny","Principal":"*","Action":"sqs:DeleteQueue","Resource":"QUEUE"}"#;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("policies/audit/S516/pass-queue-policy-from-the-s3-guide")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// The codes S516–S518 the folder audit gives the bucket folder whose queue policy holds
/// `allows` (indexes into [`ALLOWS`]) besides [`BASE`].
fn codes(tag: &str, allows: &[usize]) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("s3a-dest-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&fixture(), &dir);
    let mut statements: Vec<&str> = allows.iter().map(|i| ALLOWS[*i]).collect();
    statements.push(BASE);
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
    .replace("QUEUE", QUEUE);
    let file = serde_json::json!({"Attributes": {"QueueArn": QUEUE, "Policy": policy}});
    std::fs::write(
        dir.join("destinations/sqs/amzn-s3-demo-queue.json"),
        file.to_string(),
    )
    .unwrap();
    let options = LintOptions {
        audit: true,
        ..LintOptions::default()
    };
    let found = folder::audit(
        &[dir.join("notification.json")],
        &options,
        &Root::new(std::slice::from_ref(&dir), None),
    );
    let mut out: Vec<String> = found
        .leftovers()
        .iter()
        .flat_map(|r| r.findings.iter())
        .map(|f| f.finding.code.as_str().to_string())
        .filter(|c| matches!(c.as_str(), "S516" | "S517" | "S518"))
        .collect();
    out.sort();
    std::fs::remove_dir_all(&dir).unwrap();
    out
}

#[test]
fn the_pool_reaches_every_answer() {
    // The property below would hold vacuously if no policy of the pool were refused or open.
    assert_eq!(codes("delivers", &[0]), Vec::<String>::new());
    assert_eq!(codes("other", &[1]), vec!["S516"]);
    assert_eq!(codes("open", &[0, 2]), vec!["S517"]);
    assert_eq!(codes("none", &[]), vec!["S516"]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn removing_an_allow_never_hides_a_refused_or_unchecked_destination(
        picks in proptest::collection::vec(any::<bool>(), ALLOWS.len()),
        removed in 0..ALLOWS.len(),
    ) {
        let mut with: Vec<usize> = (0..ALLOWS.len()).filter(|i| picks[*i]).collect();
        if !with.contains(&removed) {
            with.push(removed);
            with.sort_unstable();
        }
        let without: Vec<usize> = with.iter().copied().filter(|i| *i != removed).collect();
        let tag = format!("{picks:?}{removed}").replace([' ', ',', '[', ']'], "");
        let before = codes(&format!("{tag}-b"), &with);
        let after = codes(&format!("{tag}-a"), &without);
        let has = |v: &[String], c: &str| v.iter().any(|x| x == c);
        // A destination that refused S3's delivery still refuses it.
        if has(&before, "S516") {
            prop_assert!(has(&after, "S516"), "{before:?} -> {after:?}");
        }
        // Removing an Allow never opens a destination.
        if has(&after, "S517") {
            prop_assert!(has(&before, "S517"), "{before:?} -> {after:?}");
        }
        prop_assert_eq!(has(&before, "S518"), has(&after, "S518"));
    }
}
