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
        with_grants in any::<bool>(),
    ) {
        let action = if write { "s3:PutObject" } else { "s3:GetObject" };
        let mut i = input(CALLERS[caller], action);
        i.bucket_policy = Some(fixture("partner-bucket-policy.json"));
        i.head_object = None;
        // Grants only allow: a Deny added to the key policy still never grants with them.
        if with_grants {
            i.kms_grants = Some(fixture("grants.json"));
        }
        let tag = format!("p{caller}{write}{bucket_key}{with_grants}{deny}{picks:?}").replace([' ', ',', '[', ']'], "");
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
fn hostile_grant_lists_are_located_errors_or_decided_in_bounded_time() {
    use s3_access::aws_docs::kms::KeyGrants;
    use s3_access::aws_docs::read::read_str;
    let deep = format!(
        "{{\"Grants\": [{{\"GranteePrincipal\": \"a\", \"Constraints\": {{\"EncryptionContextSubset\": {}1{}}}}}]}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let nul = "{\"Grants\": [{\"GranteePrincipal\": \"arn:aws:iam::444455556666:role/p\u{0}\", \"Operations\": [\"Decrypt\"]}]}";
    let wildcard = r#"{"Grants": [{"GranteePrincipal": "arn:aws:iam::444455556666:role/*", "Operations": ["Decrypt"]}]}"#;
    let wrong_op = r#"{"Grants": [{"GranteePrincipal": "a", "Operations": ["decrypt", 5, null]}]}"#;
    for text in [
        r#"{"Aliases": [{"AliasName": "alias/\u0000x", "TargetKeyId": 5}]}"#,
        r#"{"Aliases": [{"AliasName": "reports"}], "Truncated": "no"}"#,
    ] {
        let report = read_str::<s3_access::aws_docs::kms::KeyAliases>("a.json", text).unwrap_err();
        assert!(!report.findings.is_empty(), "{text}");
    }
    for text in [deep.as_str(), nul, wildcard, wrong_op] {
        let report = read_str::<KeyGrants>("g.json", text).unwrap_err();
        assert!(
            !report.findings.is_empty(),
            "{}",
            &text[..text.len().min(80)]
        );
        for f in report.findings {
            let span = f.finding.span;
            assert!(text.get(span.start as usize..span.end as usize).is_some());
        }
    }
    // 200 grants, each with a 2,000-pair constraint that almost matches: decided, and
    // none of them allows.
    let pairs: Vec<String> = (0..2_000).map(|n| format!("\"k{n}\": \"v\"")).collect();
    let one = format!(
        r#"{{"GranteePrincipal": "arn:aws:iam::444455556666:role/partner", "Operations": ["Decrypt"], "Constraints": {{"EncryptionContextSubset": {{"aws:s3:arn": "arn:aws:s3:::amzn-s3-demo-bucket/reports/q3.csv", {}}}}}}}"#,
        pairs.join(", ")
    );
    let many = format!(r#"{{"Grants": [{}]}}"#, vec![one; 200].join(", "));
    let mut i = partner("partner", "s3:GetObject");
    i.kms_grants = Some(file("many-grants", &many));
    let start = std::time::Instant::now();
    assert_eq!(decide(&i).1, Some(Decision::ImplicitDeny));
    assert!(start.elapsed() < std::time::Duration::from_secs(60));
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

/// The partner of the grants fixture: S3 lets it read and write through the bucket policy and
/// its own S3-only identity policy; the key policy names only the key's account.
fn partner(role: &str, action: &str) -> QueryInput {
    let mut i = input(&format!("arn:aws:iam::444455556666:role/{role}"), action);
    i.bucket_policy = Some(fixture("partner-bucket-policy.json"));
    i.identity_policy = vec![file(
        "partner-s3-only",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}]}"#,
    )];
    i.key_policy = Some(fixture("key-policy.json"));
    i.kms_grants = Some(fixture("grants.json"));
    i
}

#[test]
fn a_grant_allows_its_grantee_without_an_identity_policy_for_kms() {
    // Without the grants the key policy does not let the partner in.
    let mut i = partner("partner", "s3:GetObject");
    i.kms_grants = None;
    assert_eq!(
        decide(&i),
        (Decision::ImplicitDeny, Some(Decision::ImplicitDeny))
    );
    // The grant names the partner's role for Decrypt on this object's encryption context;
    // the partner's identity policy allows no KMS action at all.
    i.kms_grants = Some(fixture("grants.json"));
    assert_eq!(decide(&i), (Decision::Allow, Some(Decision::Allow)));
    let mut notices = Vec::new();
    let q = query::load(&i, &mut notices).unwrap();
    let (_, leg) = q.decide_with_kms();
    assert_eq!(leg.unwrap().call.response.kms_grants, [0]);
}

#[test]
fn a_grant_holds_only_for_its_operations_and_encryption_context() {
    // Another object: EncryptionContextSubset names reports/q3.csv only.
    let mut other = partner("partner", "s3:GetObject");
    other.resource = "arn:aws:s3:::amzn-s3-demo-bucket/reports/q4.csv".into();
    assert_eq!(decide(&other).1, Some(Decision::ImplicitDeny));
    // Writing needs GenerateDataKey, which the partner's grant does not give.
    assert_eq!(
        decide(&partner("partner", "s3:PutObject")).1,
        Some(Decision::ImplicitDeny)
    );
    // The backup role's grant needs the context to equal the bucket ARN: an S3 Bucket Key.
    let mut backup = partner("backup", "s3:PutObject");
    assert_eq!(decide(&backup).1, Some(Decision::ImplicitDeny));
    backup.sse_kms_key = None;
    backup.head_object = Some(fixture("head-object-bucket-key.json"));
    backup.action = "s3:GetObject".into();
    backup.key_policy = Some(file(
        "owner-account-only",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}"#,
    ));
    assert_eq!(decide(&backup), (Decision::Allow, Some(Decision::Allow)));
    // Constraint keys are compared without case, values with case.
    let grants = std::fs::read_to_string(fixture("grants.json")).unwrap();
    let mut i = partner("partner", "s3:GetObject");
    i.kms_grants = Some(file(
        "grants-key-case",
        &grants.replace("\"aws:s3:arn\"", "\"AWS:S3:ARN\""),
    ));
    assert_eq!(decide(&i).1, Some(Decision::Allow));
    i.kms_grants = Some(file(
        "grants-value-case",
        &grants.replace("q3.csv", "Q3.csv"),
    ));
    assert_eq!(decide(&i).1, Some(Decision::ImplicitDeny));
}

#[test]
fn a_grant_cannot_override_an_explicit_deny_or_an_scp() {
    let mut i = partner("partner", "s3:GetObject");
    i.key_policy = Some(file(
        "deny-partner",
        r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
            {"Effect": "Deny", "Principal": {"AWS": "444455556666"}, "Action": "kms:Decrypt", "Resource": "*"}]}"#,
    ));
    assert_eq!(
        decide(&i),
        (Decision::ExplicitDeny, Some(Decision::ExplicitDeny))
    );
    let mut s = partner("partner", "s3:GetObject");
    s.scp = vec![file(
        "scp-s3-only",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#,
    )];
    assert_eq!(decide(&s).1, Some(Decision::ImplicitDeny));
}

#[test]
fn grants_of_another_key_are_refused() {
    let mut i = partner("partner", "s3:GetObject");
    i.sse_kms_key = Some(KEY.replace("1234abcd", "9999abcd"));
    let mut notices = Vec::new();
    assert!(query::load(&i, &mut notices).is_err());
    assert!(
        format!("{notices:?}").contains("KmsGrantsOtherKey"),
        "{notices:?}"
    );
}

#[test]
fn query_shows_the_grant_that_allowed_with_its_line() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "query",
            "--principal",
            "arn:aws:iam::444455556666:role/partner",
            "--action",
            "s3:GetObject",
            "--resource",
            OBJECT,
            "--bucket-owner",
            "111122223333",
            "--identity-policy",
            "policies/kms/reader-identity.json",
            "--bucket-policy",
            "policies/kms/partner-bucket-policy.json",
            "--sse-kms-key",
            KEY,
            "--key-policy",
            "policies/kms/key-policy.json",
            "--kms-grants",
            "policies/kms/grants.json",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("Allow: "), "{text}");
    assert!(
        text.contains("grant `0c237476b39f8bc44e45212e08498fbe3151305030726c0590dd8d3e9f3d6a60` of the KMS key to"),
        "{text}"
    );
    // The grantee in the file, and the grant's row in the trace.
    assert!(text.contains("policies/kms/grants.json:8:33"), "{text}");
    assert!(text.contains("policies/kms/grants.json:3:9"), "{text}");
    assert!(
        text.contains("note: neither the key policy nor IAM policies allow kms:Decrypt; a grant of the key does"),
        "{text}"
    );
    assert!(
        text.contains("no: the grantee principal is not the caller"),
        "{text}"
    );
}

/// Grants the property draws from: to the caller, its role, its account, another principal,
/// for reads or writes, constrained or not.
const GRANTS: &[&str] = &[
    r#"{"GranteePrincipal": "arn:aws:iam::444455556666:role/partner", "Operations": ["Decrypt"]}"#,
    r#"{"GranteePrincipal": "arn:aws:iam::444455556666:role/partner", "Operations": ["GenerateDataKey", "Decrypt"], "Constraints": {"EncryptionContextSubset": {"aws:s3:arn": "arn:aws:s3:::amzn-s3-demo-bucket/reports/q3.csv"}}}"#,
    r#"{"GranteePrincipal": "arn:aws:iam::444455556666:root", "Operations": ["Decrypt", "GenerateDataKey"]}"#,
    r#"{"GranteePrincipal": "arn:aws:iam::111122223333:user/reader", "Operations": ["Decrypt"], "Constraints": {"EncryptionContextEquals": {"aws:s3:arn": "arn:aws:s3:::amzn-s3-demo-bucket"}}}"#,
    r#"{"GranteePrincipal": "arn:aws:iam::111122223333:role/other", "Operations": ["Decrypt", "GenerateDataKey"]}"#,
];

fn grants(picks: &[bool]) -> String {
    let gs: Vec<&str> = GRANTS
        .iter()
        .zip(picks)
        .filter(|(_, on)| **on)
        .map(|(g, _)| *g)
        .collect();
    format!(r#"{{"Grants": [{}], "Truncated": false}}"#, gs.join(", "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn removing_a_grant_never_grants(
        picks in proptest::collection::vec(any::<bool>(), GRANTS.len()),
        removed in 0..GRANTS.len(),
        caller in 0..CALLERS.len(),
        key_statements in proptest::collection::vec(any::<bool>(), KEY_STATEMENTS.len()),
        write in any::<bool>(),
        bucket_key in any::<bool>(),
    ) {
        let action = if write { "s3:PutObject" } else { "s3:GetObject" };
        let mut i = input(CALLERS[caller], action);
        i.bucket_policy = Some(fixture("partner-bucket-policy.json"));
        let tag = format!("g{caller}{write}{bucket_key}{removed}{picks:?}{key_statements:?}")
            .replace([' ', ',', '[', ']'], "");
        i.key_policy = Some(file(&format!("{tag}-key"), &key_policy(&key_statements, None)));
        if bucket_key {
            i.sse_kms_key = None;
            i.head_object = Some(fixture("head-object-bucket-key.json"));
        }
        let mut with = picks.clone();
        with[removed] = true;
        i.kms_grants = Some(file(&format!("{tag}-with"), &grants(&with)));
        let (before, leg_before) = decide(&i);
        with[removed] = false;
        i.kms_grants = Some(file(&format!("{tag}-without"), &grants(&with)));
        let (after, leg_after) = decide(&i);
        if before != Decision::Allow {
            prop_assert_ne!(after, Decision::Allow);
        }
        if leg_before != Some(Decision::Allow) {
            prop_assert_ne!(leg_after, Some(Decision::Allow));
        }
    }
}

// ---------------------------------------------------------------------------------------
// The KMS leg in who-can: each group's witness replayed through the leg of the bucket's
// default encryption key.
// ---------------------------------------------------------------------------------------

/// A copy of the `kms-bucket` folder with `key_policy` (none: removed) and `encryption`.
fn kms_folder(tag: &str, key_policy: Option<&str>, bucket_key: bool) -> PathBuf {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies/buckets/kms-bucket");
    let dir = std::env::temp_dir().join(format!("s3a-kms-who-{tag}-{}", std::process::id()));
    let key_dir = dir.join("kms/1234abcd-12ab-34cd-56ef-1234567890ab");
    std::fs::create_dir_all(&key_dir).unwrap();
    std::fs::create_dir_all(dir.join("objects")).unwrap();
    for f in [
        "s3-access.json",
        "policy.json",
        "objects/reports-q3.csv.head.json",
    ] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    let encryption = std::fs::read_to_string(src.join("encryption.json")).unwrap();
    std::fs::write(
        dir.join("encryption.json"),
        encryption.replace(
            "\"BucketKeyEnabled\": true",
            &format!("\"BucketKeyEnabled\": {bucket_key}"),
        ),
    )
    .unwrap();
    std::fs::copy(
        src.join("kms/1234abcd-12ab-34cd-56ef-1234567890ab/describe-key.json"),
        key_dir.join("describe-key.json"),
    )
    .unwrap();
    if let Some(p) = key_policy {
        std::fs::write(key_dir.join("key-policy.json"), p).unwrap();
    }
    dir
}

fn who_can_reasons(dir: &std::path::Path) -> Vec<String> {
    use s3_access::eval::bucket::BucketModel;
    use s3_access::exact::who_can::{WhoCanOptions, who_can};
    let root = s3_access::lint::Root::new(&[dir.to_path_buf()], None);
    let folder = s3_access::aws_docs::load_bucket(dir, &root).unwrap_or_else(|e| panic!("{e:?}"));
    let model = BucketModel::from_folder(&folder).unwrap_or_else(|e| panic!("{e:?}"));
    let options = WhoCanOptions {
        actions: vec!["s3:GetObject".into(), "s3:PutObject".into()],
        resource: None,
        now: 1_767_225_600,
    };
    who_can(&model, &options)
        .reasons
        .into_iter()
        .map(|r| r.message)
        .collect()
}

/// The actions each account's callers are found to do on objects, by `who-can` on `dir`
/// (reads and writes), and the reasons.
fn who_can_actions(dir: &std::path::Path) -> (Vec<(String, String)>, Vec<String>) {
    use s3_access::eval::bucket::BucketModel;
    use s3_access::exact::who_can::{WhoCanOptions, who_can};
    let root = s3_access::lint::Root::new(&[dir.to_path_buf()], None);
    let folder = s3_access::aws_docs::load_bucket(dir, &root).unwrap_or_else(|e| panic!("{e:?}"));
    let model = BucketModel::from_folder(&folder).unwrap_or_else(|e| panic!("{e:?}"));
    let options = WhoCanOptions {
        actions: vec!["s3:GetObject".into(), "s3:PutObject".into()],
        resource: None,
        now: 1_767_225_600,
    };
    let w = who_can(&model, &options);
    let mut found: Vec<(String, String)> = Vec::new();
    for g in &w.groups {
        let account = g.class.caller.account().unwrap_or("-").to_string();
        for a in &g.actions {
            if !found.contains(&(account.clone(), a.clone())) {
                found.push((account.clone(), a.clone()));
            }
        }
        // Every witness that calls KMS under the default key passes the leg when replayed.
        let r = &g.witness.request;
        if r.action == "s3:PutObject" && account == "444455556666" {
            let alg = r.context.get("s3:x-amz-server-side-encryption");
            assert!(
                alg.is_some(),
                "a KMS-denied writer's witness names another algorithm: {r:?}"
            );
        }
    }
    (found, w.reasons.into_iter().map(|r| r.message).collect())
}

fn can(found: &[(String, String)], account: &str, action: &str) -> bool {
    found.iter().any(|(a, x)| a == account && x == action)
}

#[test]
fn who_can_counts_only_requests_the_kms_leg_lets_through() {
    // The key policy lets only its own account in: the partner's reads of objects under the
    // default key are not a "yes" (KMS denies them), its writes are (a write may ask for
    // another algorithm than the default's, and S3 then calls no KMS).
    let owner_only = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}"#;
    let dir = kms_folder("owner", Some(owner_only), false);
    let (found, reasons) = who_can_actions(&dir);
    assert!(!can(&found, "444455556666", "s3:GetObject"), "{found:?}");
    assert!(can(&found, "444455556666", "s3:PutObject"), "{found:?}");
    assert!(can(&found, "111122223333", "s3:GetObject"), "{found:?}");
    // Objects under another key may still be readable: said, never a plain "no".
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("reads that S3 allows but the KMS leg of")),
        "{reasons:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    // A key policy that lets the partner's account use the key through S3: it reads.
    let shared = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"]},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"}]}"#;
    let dir = kms_folder("shared", Some(shared), false);
    let (found, reasons) = who_can_actions(&dir);
    assert!(can(&found, "444455556666", "s3:GetObject"), "{found:?}");
    assert!(!reasons.iter().any(|r| r.contains("KMS")), "{reasons:?}");
    std::fs::remove_dir_all(&dir).unwrap();
    // The same through a grant instead of the key policy.
    let dir = kms_folder("grant", Some(owner_only), false);
    std::fs::write(
        dir.join("kms/1234abcd-12ab-34cd-56ef-1234567890ab/grants.json"),
        r#"{"Grants": [{"GranteePrincipal": "arn:aws:iam::444455556666:root",
            "Operations": ["Decrypt", "GenerateDataKey"]}], "Truncated": false}"#,
    )
    .unwrap();
    let (found, reasons) = who_can_actions(&dir);
    assert!(can(&found, "444455556666", "s3:GetObject"), "{found:?}");
    assert!(!reasons.iter().any(|r| r.contains("KMS")), "{reasons:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn who_can_splits_readers_by_the_encryption_context() {
    // The partner may decrypt only objects under reports/ (without a Bucket Key the context is
    // the object ARN): its reads are found there and nowhere else; with a Bucket Key the
    // context is the bucket ARN and no read of the partner passes.
    let by_prefix = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"]},
        "Action": "kms:Decrypt", "Resource": "*",
        "Condition": {"StringLike": {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::amzn-s3-demo-bucket/reports/*"},
                      "StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:CallerAccount": "444455556666"}}}]}"#;
    let resources = |dir: &std::path::Path| {
        use s3_access::eval::bucket::BucketModel;
        use s3_access::exact::who_can::{WhoCanOptions, who_can};
        let root = s3_access::lint::Root::new(&[dir.to_path_buf()], None);
        let folder = s3_access::aws_docs::load_bucket(dir, &root).unwrap();
        let model = BucketModel::from_folder(&folder).unwrap();
        let options = WhoCanOptions {
            actions: vec!["s3:GetObject".into()],
            resource: None,
            now: 1_767_225_600,
        };
        let w = who_can(&model, &options);
        let mut out: Vec<(String, String)> = Vec::new();
        for g in &w.groups {
            let account = g.class.caller.account().unwrap_or("-").to_string();
            out.extend(g.resources.iter().map(|r| (account.clone(), r.clone())));
        }
        out
    };
    let dir = kms_folder("prefix", Some(by_prefix), false);
    let found = resources(&dir);
    let partner: Vec<&String> = found
        .iter()
        .filter(|(a, _)| a == "444455556666")
        .map(|(_, r)| r)
        .collect();
    assert!(!partner.is_empty(), "{found:?}");
    assert!(
        partner
            .iter()
            .all(|r| r.starts_with("arn:aws:s3:::amzn-s3-demo-bucket/reports/")),
        "{found:?}"
    );
    // The owner's account is not the `kms:CallerAccount` the statement names.
    assert!(!found.iter().any(|(a, _)| a == "111122223333"), "{found:?}");
    std::fs::remove_dir_all(&dir).unwrap();
    let dir = kms_folder("prefix-bk", Some(by_prefix), true);
    assert!(resources(&dir).is_empty(), "{:?}", resources(&dir));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn who_can_without_the_key_policy_says_the_kms_leg_is_not_modelled() {
    let dir = kms_folder("none", None, true);
    let reasons = who_can_reasons(&dir);
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("the KMS leg is not modelled")),
        "{reasons:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn s515_counts_a_grant_that_lets_the_reader_decrypt() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("policies/audit/S515/fail-partner-not-in-key-policy");
    let dir = std::env::temp_dir().join(format!("s3a-kms-s515-{}", std::process::id()));
    let key_dir = dir.join("kms/1234abcd-12ab-34cd-56ef-1234567890ab");
    std::fs::create_dir_all(&key_dir).unwrap();
    for f in ["s3-access.json", "policy.json", "encryption.json"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    for f in ["key-policy.json", "describe-key.json"] {
        std::fs::copy(
            src.join("kms/1234abcd-12ab-34cd-56ef-1234567890ab").join(f),
            key_dir.join(f),
        )
        .unwrap();
    }
    let lint = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_s3-access"))
            .args(["lint", "--no-config"])
            .arg(&dir)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(lint().contains("S515"));
    std::fs::write(
        key_dir.join("grants.json"),
        r#"{"Grants": [{"GranteePrincipal": "arn:aws:iam::444455556666:root",
            "Operations": ["Decrypt"]}], "Truncated": false}"#,
    )
    .unwrap();
    assert!(!lint().contains("S515"), "{}", lint());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn s308_does_not_flag_an_account_the_configuration_trusts() {
    let dir = std::env::temp_dir().join(format!("s3a-kms-trust-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |config: &str| {
        let path = dir.join(format!("{}.toml", config.len()));
        std::fs::write(&path, config).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_s3-access"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["lint", "policies/audit/S308/fail-named-partner", "--config"])
            .arg(&path)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(run("[trust]\naccounts = [\"123456789012\"]\n").contains("S308"));
    assert!(!run("[trust]\naccounts = [\"444455556666\"]\n").contains("S308"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_default_key_given_by_an_alias_is_found_through_aliases_json() {
    let shared = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"]},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"}]}"#;
    let dir = kms_folder("alias", Some(shared), false);
    let encryption = std::fs::read_to_string(dir.join("encryption.json")).unwrap();
    std::fs::write(
        dir.join("encryption.json"),
        encryption.replace(KEY, "alias/reports"),
    )
    .unwrap();
    // The object's head is not given for this object: the read assumes the default key.
    let mut i = input("arn:aws:iam::444455556666:role/partner", "s3:GetObject");
    i.sse_kms_key = None;
    i.bucket_owner = None;
    i.bucket = Some(dir.clone());
    i.resource = "arn:aws:s3:::amzn-s3-demo-bucket/other.csv".into();
    let run = |i: &QueryInput| {
        let mut notices = Vec::new();
        let q = query::load(i, &mut notices).unwrap_or_else(|_| panic!("{notices:?}"));
        q.decide_with_kms()
    };
    // Without aliases.json, which key the alias names is unknown: S3's Allow is uncertain.
    let (r, leg) = run(&i);
    assert!(leg.is_none());
    assert!(
        r.uncertain
            .iter()
            .any(|u| u.reason.contains("aliases.json")),
        "{:?}",
        r.uncertain
    );
    assert!(
        who_can_reasons(&dir)
            .iter()
            .any(|m| m.contains("by the alias alias/reports")),
        "{:?}",
        who_can_reasons(&dir)
    );
    std::fs::write(
        dir.join("kms/1234abcd-12ab-34cd-56ef-1234567890ab/aliases.json"),
        r#"{"Aliases": [{"AliasName": "alias/reports", "AliasArn": "arn:aws:kms:us-east-1:111122223333:alias/reports",
            "TargetKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}], "Truncated": false}"#,
    )
    .unwrap();
    let (r, leg) = run(&i);
    assert_eq!(leg.map(|l| l.key.arn), Some(KEY.to_string()));
    assert_eq!(r.decision, Decision::Allow);
    assert!(!who_can_reasons(&dir).iter().any(|m| m.contains("KMS")));
    // The alias ARN names the same key.
    i.sse_kms_key = Some("arn:aws:kms:us-east-1:111122223333:alias/reports".into());
    assert_eq!(run(&i).1.map(|l| l.key.arn), Some(KEY.to_string()));
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------------------------------
// The KMS leg in diff.
// ---------------------------------------------------------------------------------------

fn folder_model(dir: &std::path::Path) -> s3_access::eval::bucket::BucketModel {
    let root = s3_access::lint::Root::new(&[dir.to_path_buf()], None);
    let folder = s3_access::aws_docs::load_bucket(dir, &root).unwrap_or_else(|e| panic!("{e:?}"));
    s3_access::eval::bucket::BucketModel::from_folder(&folder).unwrap_or_else(|e| panic!("{e:?}"))
}

/// (account, action) of each access `diff OLD NEW` finds new, and its reasons.
fn added(
    old: &std::path::Path,
    new: &std::path::Path,
    actions: &[&str],
) -> (Vec<(String, String)>, Vec<String>) {
    use s3_access::exact::who_can::WhoCanOptions;
    let options = WhoCanOptions {
        actions: actions.iter().map(|a| a.to_string()).collect(),
        resource: None,
        now: 1_767_225_600,
    };
    let d = s3_access::exact::diff::diff(
        Some(&folder_model(old)),
        Some(&folder_model(new)),
        &options,
        false,
    );
    let mut out = Vec::new();
    for g in &d.added {
        let account = g.class.caller.account().unwrap_or("-").to_string();
        for a in &g.actions {
            if !out.contains(&(account.clone(), a.clone())) {
                out.push((account.clone(), a.clone()));
            }
        }
    }
    (out, d.reasons.into_iter().map(|r| r.message).collect())
}

const OWNER_ONLY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}"#;
const SHARED: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"]},
    "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"}]}"#;

#[test]
fn diff_does_not_report_reads_the_kms_leg_denies_as_new_access() {
    // NEW grants the partner reads and writes in the bucket policy; the key policy lets only
    // the owner's account decrypt: the reads are not new access (for objects under the
    // default key; other objects are said to be uncertain), the writes are.
    let old = kms_folder("diff-old", Some(OWNER_ONLY), false);
    std::fs::write(
        old.join("policy.json"),
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*",
            "Action": "s3:DeleteBucket", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket"}]}"#,
    )
    .unwrap();
    let new = kms_folder("diff-new", Some(OWNER_ONLY), false);
    let (found, reasons) = added(&old, &new, &["s3:GetObject", "s3:PutObject"]);
    assert!(!can(&found, "444455556666", "s3:GetObject"), "{found:?}");
    assert!(can(&found, "444455556666", "s3:PutObject"), "{found:?}");
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("reads that S3 allows but the KMS leg of")),
        "{reasons:?}"
    );
    // Without the key, the reads are new access.
    for dir in [&old, &new] {
        std::fs::remove_dir_all(dir.join("kms")).unwrap();
        std::fs::remove_file(dir.join("encryption.json")).unwrap();
    }
    let (found, _) = added(&old, &new, &["s3:GetObject"]);
    assert!(can(&found, "444455556666", "s3:GetObject"), "{found:?}");
    std::fs::remove_dir_all(&old).unwrap();
    std::fs::remove_dir_all(&new).unwrap();
}

#[test]
fn diff_shows_the_access_a_key_policy_change_adds() {
    // The same bucket policy; the key policy now lets the partner's account in: its reads
    // are new, and so are its writes under the default key (no encryption header).
    let old = kms_folder("kp-old", Some(OWNER_ONLY), false);
    let new = kms_folder("kp-new", Some(SHARED), false);
    let (found, reasons) = added(&old, &new, &["s3:GetObject", "s3:PutObject"]);
    assert!(can(&found, "444455556666", "s3:GetObject"), "{found:?}");
    assert!(can(&found, "444455556666", "s3:PutObject"), "{found:?}");
    assert!(!can(&found, "111122223333", "s3:GetObject"), "{found:?}");
    assert!(!reasons.iter().any(|r| r.contains("KMS")), "{reasons:?}");
    // The change the other way round adds nothing.
    let (found, _) = added(&new, &old, &["s3:GetObject", "s3:PutObject"]);
    assert!(found.is_empty(), "{found:?}");
    std::fs::remove_dir_all(&old).unwrap();
    std::fs::remove_dir_all(&new).unwrap();
}

#[test]
fn who_can_counts_no_write_the_bucket_policy_forces_through_a_refusing_key() {
    // The bucket policy refuses uploads that do not ask for SSE-KMS with the bucket's key:
    // every write then calls that key, whose policy lets only the owner's account in, so
    // the partner cannot write at all; with the partner in the key policy it can. Asking
    // for SSE-KMS alone is not enough: a writer may name a key of its own.
    let policy = |extra: &str| {
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [
        {{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::444455556666:root"}},
         "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*"}},
        {{"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
         "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
         "Condition": {{"StringNotEquals": {{"s3:x-amz-server-side-encryption": "aws:kms"}}}}}}{extra}]}}"#
        )
    };
    let only_kms = policy("");
    let force = policy(&format!(
        r#", {{"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
         "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
         "Condition": {{"StringNotEquals": {{"s3:x-amz-server-side-encryption-aws-kms-key-id": "{KEY}"}}}}}}"#
    ));
    let dir = kms_folder("kms-only", Some(OWNER_ONLY), false);
    std::fs::write(dir.join("policy.json"), &only_kms).unwrap();
    let (found, _) = who_can_actions(&dir);
    assert!(can(&found, "444455556666", "s3:PutObject"), "{found:?}");
    std::fs::remove_dir_all(&dir).unwrap();
    let dir = kms_folder("force", Some(OWNER_ONLY), false);
    std::fs::write(dir.join("policy.json"), &force).unwrap();
    let (found, _) = who_can_actions(&dir);
    assert!(!can(&found, "444455556666", "s3:PutObject"), "{found:?}");
    assert!(can(&found, "111122223333", "s3:PutObject"), "{found:?}");
    std::fs::remove_dir_all(&dir).unwrap();
    let dir = kms_folder("force-shared", Some(SHARED), false);
    std::fs::write(dir.join("policy.json"), &force).unwrap();
    let (found, _) = who_can_actions(&dir);
    assert!(can(&found, "444455556666", "s3:PutObject"), "{found:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
