//! The KMS leg of `query` (issue 15, item 1): S3 serves an SSE-KMS object only when the KMS
//! request it makes with the caller's credentials is allowed too; the key policy must allow
//! (identity policies count only through its account principal); the S3 Bucket Key changes
//! the encryption context; adding a Deny to the key policy never grants.

use proptest::prelude::*;
use s3_access::eval::Decision;
use s3_access::query::{self, QueryInput};
use std::path::PathBuf;

const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const OBJECT: &str = "arn:aws:s3:::amzn-s3-demo-bucket/reports/q3.csv";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("policies/kms")
        .join(name)
}

/// A temporary policy file for one test.
fn file(tag: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("s3a-kms-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{tag}.json"));
    std::fs::write(&path, text).unwrap();
    path
}

fn input(principal: &str, action: &str) -> QueryInput {
    QueryInput {
        principal: principal.into(),
        action: action.into(),
        resource: OBJECT.into(),
        bucket_owner: Some("111122223333".into()),
        identity_policy: vec![fixture("reader-identity.json")],
        sse_kms_key: Some(KEY.into()),
        ..QueryInput::default()
    }
}

/// The combined decision and the KMS leg's decision.
fn decide(input: &QueryInput) -> (Decision, Option<Decision>) {
    let mut notices = Vec::new();
    let q = query::load(input, &mut notices).unwrap_or_else(|_| panic!("{notices:?}"));
    let (r, leg) = q.decide_with_kms();
    (r.decision, leg.map(|l| l.call.response.decision))
}

const USER: &str = "arn:aws:iam::111122223333:user/reader";

#[test]
fn the_bucket_key_context_is_the_bucket_arn() {
    // The key policy denies kms:Decrypt unless the encryption context is an object under
    // reports/: true of the object ARN, not of the bucket ARN an S3 Bucket Key uses.
    let mut i = input(USER, "s3:GetObject");
    i.sse_kms_key = None;
    i.key_policy = Some(fixture("key-policy.json"));
    i.head_object = Some(fixture("head-object.json"));
    assert_eq!(decide(&i), (Decision::Allow, Some(Decision::Allow)));
    i.head_object = Some(fixture("head-object-bucket-key.json"));
    assert_eq!(
        decide(&i),
        (Decision::ExplicitDeny, Some(Decision::ExplicitDeny))
    );
}

#[test]
fn identity_policies_count_only_when_the_key_policy_allows_the_account() {
    let owner_only = file(
        "owner-only",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:user/admin"},
            "Action": "kms:*", "Resource": "*"}]}"#,
    );
    let mut i = input(USER, "s3:GetObject");
    i.key_policy = Some(owner_only);
    assert_eq!(
        decide(&i),
        (Decision::ImplicitDeny, Some(Decision::ImplicitDeny))
    );
    // Not even the account's root user.
    let mut root = input("111122223333", "s3:GetObject");
    root.key_policy = i.key_policy.clone();
    assert_eq!(decide(&root).1, Some(Decision::ImplicitDeny));
    i.key_policy = Some(fixture("key-policy-cross-account.json"));
    assert_eq!(decide(&i), (Decision::Allow, Some(Decision::Allow)));
}

#[test]
fn another_account_needs_the_key_policy_and_its_own_policies() {
    let partner = "arn:aws:iam::444455556666:role/partner";
    let bucket = file(
        "bucket",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*"}]}"#,
    );
    let mut i = input(partner, "s3:GetObject");
    i.bucket_policy = Some(bucket);
    i.key_policy = Some(fixture("key-policy.json"));
    // S3 allows; the key policy names only its own account.
    assert_eq!(
        decide(&i),
        (Decision::ImplicitDeny, Some(Decision::ImplicitDeny))
    );
    i.key_policy = Some(fixture("key-policy-cross-account.json"));
    assert_eq!(decide(&i), (Decision::Allow, Some(Decision::Allow)));
    // kms:ViaService pins the grant to S3 in us-east-1: a key of another region is S3 there.
    i.sse_kms_key = Some(KEY.replace("us-east-1", "eu-west-1"));
    assert_eq!(
        decide(&i),
        (Decision::ImplicitDeny, Some(Decision::ImplicitDeny))
    );
    // Writing needs kms:GenerateDataKey, which the identity policy does not allow.
    let mut w = input(partner, "s3:PutObject");
    w.bucket_policy = i.bucket_policy.clone();
    w.key_policy = Some(fixture("key-policy-cross-account.json"));
    w.identity_policy = vec![file(
        "partner-put",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "s3:PutObject", "Resource": "*"}]}"#,
    )];
    assert_eq!(
        decide(&w),
        (Decision::ImplicitDeny, Some(Decision::ImplicitDeny))
    );
}

#[test]
fn s3_denies_first_and_no_kms_call_means_no_leg() {
    // S3 denies (no identity policy allows): S3's answer, whatever KMS says.
    let mut i = input(USER, "s3:GetObject");
    i.identity_policy = Vec::new();
    i.key_policy = Some(file(
        "names-reader",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:user/reader"},
            "Action": "kms:Decrypt", "Resource": "*"}]}"#,
    ));
    assert_eq!(decide(&i), (Decision::ImplicitDeny, Some(Decision::Allow)));
    // s3:ListBucket makes no KMS call.
    let mut l = input(USER, "s3:ListBucket");
    l.resource = "arn:aws:s3:::amzn-s3-demo-bucket".into();
    l.key_policy = Some(fixture("key-policy.json"));
    assert_eq!(decide(&l).1, None);
}

#[test]
fn an_unknown_key_policy_is_uncertain_not_allowed_silently() {
    let mut notices = Vec::new();
    let i = input(USER, "s3:GetObject");
    let q = query::load(&i, &mut notices).unwrap();
    let r = q.decide();
    assert_eq!(r.decision, Decision::Allow);
    assert!(
        r.uncertain.iter().any(|u| u.reason.contains("key policy")),
        "{:?}",
        r.uncertain
    );
}

#[test]
fn query_explains_a_kms_denial_with_the_key_policy_line() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "query",
            "--principal",
            USER,
            "--action",
            "s3:GetObject",
            "--resource",
            OBJECT,
            "--bucket-owner",
            "111122223333",
            "--identity-policy",
            "policies/kms/reader-identity.json",
            "--head-object",
            "policies/kms/head-object-bucket-key.json",
            "--key-policy",
            "policies/kms/key-policy.json",
            "--time",
            "2026-12-01T00:00:00Z",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("ExplicitDeny: "), "{text}");
    assert!(
        text.contains("S3 allows the request, but the KMS leg denies"),
        "{text}"
    );
    assert!(text.contains("KMS leg: the object's key is"), "{text}");
    assert!(
        text.contains("Sid `DecryptOnlyThroughS3ForTheReports` of the key policy denies"),
        "{text}"
    );
    assert!(
        text.contains("policies/kms/key-policy.json:2:332"),
        "{text}"
    );
    assert!(
        text.contains("kms:EncryptionContext:aws:s3:arn | arn:aws:s3:::amzn-s3-demo-bucket "),
        "{text}"
    );
}

/// Key policy statements the property draws from: grants to the account, the caller, another
/// account and everyone, pinned or not by the keys S3 sets.
const KEY_STATEMENTS: &[&str] = &[
    r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}"#,
    r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/reader"}, "Action": "kms:Decrypt", "Resource": "*"}"#,
    r#"{"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*", "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}}"#,
    r#"{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*", "Condition": {"StringEquals": {"kms:CallerAccount": "111122223333"}}}"#,
    r#"{"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringLike": {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::amzn-s3-demo-bucket/*"}}}"#,
    r#"{"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*", "Condition": {"Bool": {"aws:ViaAWSService": "false"}}}"#,
];

const DENIES: &[&str] = &[
    r#"{"Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}"#,
    r#"{"Effect": "Deny", "Principal": {"AWS": "444455556666"}, "Action": "kms:*", "Resource": "*"}"#,
    r#"{"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*", "Condition": {"StringNotEquals": {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::amzn-s3-demo-bucket"}}}"#,
    r#"{"Effect": "Deny", "Principal": "*", "NotAction": "kms:Decrypt", "Resource": "*"}"#,
];

const CALLERS: &[&str] = &[
    "arn:aws:iam::111122223333:user/reader",
    "111122223333",
    "arn:aws:iam::444455556666:role/partner",
    "anonymous",
];

fn key_policy(picks: &[bool], extra: Option<usize>) -> String {
    let mut sts: Vec<&str> = KEY_STATEMENTS
        .iter()
        .zip(picks)
        .filter(|(_, on)| **on)
        .map(|(s, _)| *s)
        .collect();
    if sts.is_empty() {
        sts.push(KEY_STATEMENTS[0]);
    }
    if let Some(d) = extra {
        sts.push(DENIES[d]);
    }
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
        sts.join(", ")
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn adding_a_deny_to_the_key_policy_never_grants(
        picks in proptest::collection::vec(any::<bool>(), KEY_STATEMENTS.len()),
        deny in 0..DENIES.len(),
        caller in 0..CALLERS.len(),
        write in any::<bool>(),
        bucket_key in any::<bool>(),
    ) {
        let action = if write { "s3:PutObject" } else { "s3:GetObject" };
        let mut i = input(CALLERS[caller], action);
        i.bucket_policy = Some(fixture("partner-bucket-policy.json"));
        i.head_object = None;
        let tag = format!("p{caller}{write}{bucket_key}{deny}{picks:?}").replace([' ', ',', '[', ']'], "");
        i.key_policy = Some(file(&format!("{tag}-before"), &key_policy(&picks, None)));
        if bucket_key {
            i.sse_kms_key = None;
            i.head_object = Some(fixture("head-object-bucket-key.json"));
        }
        let (before, leg_before) = decide(&i);
        i.key_policy = Some(file(&format!("{tag}-after"), &key_policy(&picks, Some(deny))));
        let (after, leg_after) = decide(&i);
        if before != Decision::Allow {
            prop_assert_ne!(after, Decision::Allow);
        }
        if leg_before != Some(Decision::Allow) {
            prop_assert_ne!(leg_after, Some(Decision::Allow));
        }
    }
}

#[test]
fn a_bucket_folder_gives_the_object_head_the_key_and_its_policy() {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies/buckets/kms-bucket");
    let mut i = input(USER, "s3:GetObject");
    i.sse_kms_key = None;
    i.bucket_owner = None;
    i.bucket = Some(folder);
    // objects/reports-q3.csv.head.json: an S3 Bucket Key, so the context is the bucket ARN,
    // which the key policy's Deny refuses.
    assert_eq!(
        decide(&i),
        (Decision::ExplicitDeny, Some(Decision::ExplicitDeny))
    );
    // Another object: the default encryption's key, with its Bucket Key too.
    i.resource = "arn:aws:s3:::amzn-s3-demo-bucket/reports/other.csv".into();
    assert_eq!(decide(&i).1, Some(Decision::ExplicitDeny));
    // What if it were encrypted with another key of another account: its key policy is not
    // in the folder, so the answer is uncertain rather than Allow.
    i.sse_kms_key = Some("arn:aws:kms:us-east-1:444455556666:key/other".into());
    let mut notices = Vec::new();
    let q = query::load(&i, &mut notices).unwrap();
    let r = q.decide();
    assert_eq!(r.decision, Decision::Allow);
    assert!(!r.uncertain.is_empty());
}

#[test]
fn describe_key_must_describe_the_objects_key() {
    let mut i = input(USER, "s3:GetObject");
    i.key_policy = Some(fixture("key-policy.json"));
    i.describe_key = Some(fixture("describe-key.json"));
    i.sse_kms_key = Some(KEY.replace("1234abcd", "9999abcd"));
    let mut notices = Vec::new();
    assert!(query::load(&i, &mut notices).is_err());
    assert!(
        format!("{notices:?}").contains("KmsKeyContradiction"),
        "{notices:?}"
    );
}

#[test]
fn the_aws_managed_key_serves_its_own_account_only() {
    // Default encryption without a key id: the aws/s3 key, found in the folder's kms/ by
    // its KeyManager; its key policy allows callers of the owner account through S3.
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies/buckets/kms-aws-managed");
    let mut i = input(USER, "s3:GetObject");
    i.sse_kms_key = None;
    i.bucket_owner = None;
    i.bucket = Some(folder);
    i.resource = "arn:aws:s3:::amzn-s3-demo-bucket2/x.csv".into();
    assert_eq!(decide(&i), (Decision::Allow, Some(Decision::Allow)));
    // The partner account is allowed by the bucket policy, but kms:CallerAccount is not the
    // key's account: the read cannot work. The key was assumed from the default encryption,
    // so the denial is marked uncertain.
    i.principal = "arn:aws:iam::444455556666:role/partner".into();
    let mut notices = Vec::new();
    let q = query::load(&i, &mut notices).unwrap();
    let (r, leg) = q.decide_with_kms();
    assert_eq!(r.decision, Decision::ImplicitDeny);
    assert_eq!(
        leg.map(|l| (l.key.aws_managed, l.call.response.decision)),
        Some((true, Decision::ImplicitDeny))
    );
    assert!(
        r.uncertain.iter().any(|u| u.reason.contains("assumed")),
        "{:?}",
        r.uncertain
    );
}

// ---------------------------------------------------------------------------------------
// Hostile input (tests/hostile.rs style): the KMS readers give located findings in bounded
// time, never a panic or a hang.
// ---------------------------------------------------------------------------------------

#[test]
fn hostile_kms_documents_are_located_errors() {
    use s3_access::aws_docs::kms::{KeyMetadata, ObjectHead};
    use s3_access::aws_docs::read::read_str;
    let deep = format!(
        "{{\"KeyMetadata\": {}1{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let huge_arn = format!(
        "{{\"KeyMetadata\": {{\"AWSAccountId\": \"111122223333\", \"Arn\": \"arn:aws:kms:us-east-1:111122223333:key/{}\"}}}}",
        "k".repeat(5_000_000)
    );
    let nul = "{\"ServerSideEncryption\": \"aws:kms\u{0}\", \"SSEKMSKeyId\": \"x\"}";
    for (text, ok) in [
        (deep.as_str(), false),
        (huge_arn.as_str(), true),
        (nul, false),
    ] {
        let d = read_str::<KeyMetadata>("d.json", text);
        let h = read_str::<ObjectHead>("h.json", text);
        assert_eq!(d.is_ok(), ok, "{}", &text[..text.len().min(80)]);
        for findings in [d.err().map(|r| r.findings), h.err().map(|r| r.findings)]
            .into_iter()
            .flatten()
        {
            assert!(!findings.is_empty());
            for f in findings {
                assert!(
                    text.get(f.finding.span.start as usize..f.finding.span.end as usize)
                        .is_some()
                );
            }
        }
    }
}

#[test]
fn a_pipe_as_a_key_policy_in_a_bucket_folder_is_an_error_not_a_hang() {
    let dir = std::env::temp_dir().join(format!("s3a-kms-fifo-{}", std::process::id()));
    let key_dir = dir.join("kms/k1");
    std::fs::create_dir_all(&key_dir).unwrap();
    std::fs::write(
        dir.join("s3-access.json"),
        r#"{"s3-access": 1, "bucket": "b", "account": "111122223333", "region": "us-east-1"}"#,
    )
    .unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(key_dir.join("key-policy.json"))
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        #[allow(clippy::print_stderr, reason = "a skipped case must say so")]
        {
            eprintln!("skipped: mkfifo is not available");
        }
        return;
    }
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args([
            "query",
            "--principal",
            USER,
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::b/k",
            "--sse-kms-key",
            "arn:aws:kms:us-east-1:111122223333:key/k1",
            "--bucket",
        ])
        .arg(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            panic!("query hung on a pipe in kms/");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("key-policy.json"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_grant_naming_the_caller_makes_a_kms_denial_uncertain() {
    let dir = std::env::temp_dir().join(format!("s3a-kms-grants-{}", std::process::id()));
    let key_dir = dir.join("kms/1234abcd-12ab-34cd-56ef-1234567890ab");
    std::fs::create_dir_all(&key_dir).unwrap();
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("policies/audit/S515/fail-partner-not-in-key-policy");
    for f in ["s3-access.json", "policy.json", "encryption.json"] {
        std::fs::copy(fixtures.join(f), dir.join(f)).unwrap();
    }
    for f in ["key-policy.json", "describe-key.json"] {
        std::fs::copy(
            fixtures
                .join("kms/1234abcd-12ab-34cd-56ef-1234567890ab")
                .join(f),
            key_dir.join(f),
        )
        .unwrap();
    }
    let mut i = input("arn:aws:iam::444455556666:role/partner", "s3:GetObject");
    i.bucket_owner = None;
    i.bucket = Some(dir.clone());
    i.resource = "arn:aws:s3:::amzn-s3-demo-bucket/reports/q3.csv".into();
    let run = |i: &QueryInput| {
        let mut notices = Vec::new();
        let q = query::load(i, &mut notices).unwrap_or_else(|_| panic!("{notices:?}"));
        q.decide()
    };
    let r = run(&i);
    assert_eq!(r.decision, Decision::ImplicitDeny);
    assert!(r.uncertain.is_empty(), "{:?}", r.uncertain);
    std::fs::write(
        key_dir.join("grants.json"),
        r#"{"Grants": [{"GranteePrincipal": "arn:aws:iam::444455556666:role/partner",
            "Operations": ["Decrypt"], "GrantId": "g1"}], "Truncated": false}"#,
    )
    .unwrap();
    let r = run(&i);
    assert_eq!(r.decision, Decision::ImplicitDeny);
    assert!(
        r.uncertain
            .iter()
            .any(|u| u.reason.contains("a grant of the key")),
        "{:?}",
        r.uncertain
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
