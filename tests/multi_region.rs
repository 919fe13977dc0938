//! Multi-Region Access Points (issue 15, item 4): a request through one must be allowed by its
//! policy and by the bucket policy; its own Block Public Access applies with the bucket's and
//! the account's; it takes no anonymous requests; `public` judges its policy by S3's
//! definition; a policy change still being applied and Multi-Region Access Points that were not
//! given are doubts, never "not public" (S3 User Guide, "Permissions" and "Blocking public
//! access with Amazon S3 Multi-Region Access Points").

use s3_access::aws_docs::folder::load_bucket;
use s3_access::contain::Root;
use s3_access::eval::Decision;
use s3_access::eval::bucket::BucketModel;
use s3_access::eval::decide::BlockRule;
use s3_access::public::bucket::{Status, analyze};
use s3_access::query::{self, QueryInput};
use std::path::{Path, PathBuf};

const MRAP: &str = "arn:aws:s3::111122223333:accesspoint/mfzwi23gnjvgw.mrap";
const PARTNER: &str = "arn:aws:iam::444455556666:user/reader";
const OWNER_USER: &str = "arn:aws:iam::111122223333:user/etl";
const MRAP_DIR: &str = "multi-region-access-points/reports";

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies/buckets/mrap-bucket")
}

/// A copy of the fixture folder in a temporary directory, with `edits` (path, new text).
fn copy_with(tag: &str, edits: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("s3a-mrap-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&fixture(), &dir);
    for (rel, text) in edits {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
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

/// A temporary policy file, one per call (tests run in parallel).
fn file(tag: &str, text: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("s3a-mrap-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{tag}-{n}.json"));
    std::fs::write(&path, text).unwrap();
    path
}

fn allow_all_s3() -> PathBuf {
    file(
        "allow-all",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#,
    )
}

fn request(folder: &Path, principal: &str, key: &str, identity: Vec<PathBuf>) -> QueryInput {
    QueryInput {
        principal: principal.into(),
        action: "s3:GetObject".into(),
        resource: format!("{MRAP}/object/{key}"),
        bucket: Some(folder.to_path_buf()),
        identity_policy: identity,
        ..QueryInput::default()
    }
}

fn decide(input: &QueryInput) -> s3_access::eval::Response {
    let mut notices = Vec::new();
    let q = query::load(input, &mut notices).unwrap_or_else(|_| panic!("{notices:?}"));
    q.decide()
}

/// Loads a bucket folder within itself.
fn load(dir: &Path) -> Result<s3_access::aws_docs::BucketFolder, Vec<s3_access::load::FileReport>> {
    load_bucket(dir, &Root::new(&[dir.to_path_buf()], None))
}

fn mrap_status(folder: &Path) -> (Status, Vec<String>) {
    let loaded = load(folder).unwrap();
    let model = BucketModel::from_folder(&loaded).unwrap();
    let verdict = analyze(&model.graph, &model.known, "b", "f");
    let p = verdict
        .paths
        .iter()
        .find(|p| p.name.starts_with("Multi-Region Access Point"))
        .unwrap_or_else(|| panic!("{:#?}", verdict.paths));
    (p.status, p.reasons.clone())
}

#[test]
fn cross_account_requests_need_the_mrap_policy_and_the_bucket_policy() {
    let dir = fixture();
    // The Multi-Region Access Point grants the partner shared/, the bucket delegates to the
    // owner's access points, the partner's own policy allows.
    let shared = request(&dir, PARTNER, "shared/a.csv", vec![allow_all_s3()]);
    assert_eq!(decide(&shared).decision, Decision::Allow);
    // Outside what the Multi-Region Access Point policy grants: nothing.
    let private = request(&dir, PARTNER, "private/a.csv", vec![allow_all_s3()]);
    assert_eq!(decide(&private).decision, Decision::ImplicitDeny);
    // Without the bucket's delegation, its policy does not allow: nothing either.
    let closed = copy_with("closed", &[("policy.json", "{}")]);
    let shared = request(&closed, PARTNER, "shared/a.csv", vec![allow_all_s3()]);
    assert_eq!(decide(&shared).decision, Decision::ImplicitDeny);
}

#[test]
fn same_account_requests_need_only_the_identity_policy() {
    // "For same account requests, only the underlying IAM policy, which grants the
    // appropriate access, is required" (S3 "Permissions" for Multi-Region Access Points).
    let dir = copy_with(
        "same",
        &[
            ("policy.json", "{}"),
            (&format!("{MRAP_DIR}/policy.json"), "{}"),
        ],
    );
    let on_mrap = file(
        "on-mrap",
        &format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "{MRAP}/object/*"}}]}}"#
        ),
    );
    let r = decide(&request(&dir, OWNER_USER, "private/a.csv", vec![on_mrap]));
    assert_eq!(r.decision, Decision::Allow);
    // An identity allow on the bucket's ARN does not cover the Multi-Region Access Point's.
    let on_bucket = file(
        "on-bucket",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::mrap-reports-eu/*"}]}"#,
    );
    let r = decide(&request(&dir, OWNER_USER, "private/a.csv", vec![on_bucket]));
    assert_eq!(r.decision, Decision::ImplicitDeny);
}

#[test]
fn anonymous_requests_are_refused() {
    // "Multi-Region Access Points don't support anonymous requests" (S3 "Multi-Region Access
    // Point restrictions and limitations"), even where its policy grants `*`.
    let r = decide(&request(
        &fixture(),
        "anonymous",
        "public/logo.png",
        Vec::new(),
    ));
    assert_eq!(r.decision, Decision::ExplicitDeny);
    assert_eq!(r.blocks[0].rule, BlockRule::AccessPointAnonymous);
    assert!(
        r.blocks[0]
            .reason
            .contains("Multi-Region Access Point `reports`")
    );
}

#[test]
fn its_own_block_public_access_restricts_its_public_policy() {
    let dir = fixture();
    // The policy's `Principal: *` statement lets another account in while its own
    // RestrictPublicBuckets is off ...
    let public = request(&dir, PARTNER, "public/logo.png", vec![allow_all_s3()]);
    assert_eq!(decide(&public).decision, Decision::Allow);
    assert_eq!(mrap_status(&dir).0, Status::Public);
    // ... and not once it is on: only the owner's accounts remain (S3 applies the most
    // restrictive combination of the Multi-Region Access Point's, the bucket's and the
    // accounts' settings).
    let desc = std::fs::read_to_string(dir.join(MRAP_DIR).join("multi-region-access-point.json"))
        .unwrap()
        .replace(
            r#""RestrictPublicBuckets": false"#,
            r#""RestrictPublicBuckets": true"#,
        );
    let restricted = copy_with(
        "restricted",
        &[(&format!("{MRAP_DIR}/multi-region-access-point.json"), &desc)],
    );
    let public = request(
        &restricted,
        PARTNER,
        "public/logo.png",
        vec![allow_all_s3()],
    );
    assert_ne!(decide(&public).decision, Decision::Allow);
    // The whole policy is public, so its grant to the partner goes too; the owner's account
    // keeps its access (S3 "Blocking public access", RestrictPublicBuckets).
    let shared = request(&restricted, PARTNER, "shared/a.csv", vec![allow_all_s3()]);
    let r = decide(&shared);
    assert_eq!(r.decision, Decision::ExplicitDeny);
    assert!(
        r.blocks[0]
            .reason
            .contains("RestrictPublicBuckets (Multi-Region Access Point setting)"),
        "{:?}",
        r.blocks
    );
    let owner = request(
        &restricted,
        OWNER_USER,
        "public/logo.png",
        vec![allow_all_s3()],
    );
    assert_eq!(decide(&owner).decision, Decision::Allow);
    assert_eq!(mrap_status(&restricted).0, Status::Blocked);
}

#[test]
fn a_proposed_policy_still_being_applied_is_a_doubt() {
    let policy = std::fs::read_to_string(fixture().join(MRAP_DIR).join("policy.json")).unwrap();
    // Established: the partner only (not public); proposed: also `Principal: *`.
    let established_end = policy.find("\"Proposed\"").unwrap();
    let private = policy[..established_end].replace(
        "\"Principal\\\":\\\"*\\\"",
        "\"Principal\\\":{\\\"AWS\\\":\\\"arn:aws:iam::444455556666:root\\\"}",
    );
    let edited = format!("{private}{}", &policy[established_end..]);
    assert_ne!(edited, policy);
    let dir = copy_with("pending", &[(&format!("{MRAP_DIR}/policy.json"), &edited)]);
    let (status, reasons) = mrap_status(&dir);
    assert_eq!(status, Status::Unknown, "{reasons:?}");
    assert!(reasons[0].contains("proposed policy"), "{reasons:?}");
    let r = decide(&request(
        &dir,
        PARTNER,
        "shared/a.csv",
        vec![allow_all_s3()],
    ));
    assert!(
        r.uncertain
            .iter()
            .any(|u| u.reason.contains("proposed policy")),
        "{:?}",
        r.uncertain
    );
    // The same text in both: nothing pending.
    let (status, _) = mrap_status(&fixture());
    assert_eq!(status, Status::Public);
}

#[test]
fn mraps_not_given_are_a_doubt_only_where_the_bucket_delegates() {
    let without = copy_with("without", &[]);
    std::fs::remove_dir_all(without.join("multi-region-access-points")).unwrap();
    std::fs::create_dir_all(without.join("access-points")).unwrap();
    let loaded = load(&without).unwrap();
    let model = BucketModel::from_folder(&loaded).unwrap();
    let verdict = analyze(&model.graph, &model.known, "b", "f");
    let unknown = verdict
        .paths
        .iter()
        .find(|p| p.name == "Multi-Region Access Points")
        .unwrap_or_else(|| panic!("{:#?}", verdict.paths));
    assert_eq!(unknown.status, Status::Unknown);
    assert!(verdict.verdict.is_public());
    // A bucket policy that does not let requests through access points in: no doubt.
    let plain = copy_with(
        "plain",
        &[(
            "policy.json",
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::mrap-reports-eu/*"}]}"#,
        )],
    );
    std::fs::remove_dir_all(plain.join("multi-region-access-points")).unwrap();
    std::fs::create_dir_all(plain.join("access-points")).unwrap();
    let loaded = load(&plain).unwrap();
    let model = BucketModel::from_folder(&loaded).unwrap();
    let verdict = analyze(&model.graph, &model.known, "b", "f");
    assert!(
        verdict
            .paths
            .iter()
            .all(|p| !p.name.contains("Multi-Region"))
    );
}

#[test]
fn a_description_must_fit_its_folder() {
    let desc = std::fs::read_to_string(
        fixture()
            .join(MRAP_DIR)
            .join("multi-region-access-point.json"),
    )
    .unwrap()
    .replace("\"mrap-reports-eu\"", "\"someone-else\"");
    let other = copy_with(
        "other",
        &[(&format!("{MRAP_DIR}/multi-region-access-point.json"), &desc)],
    );
    let errors = load(&other).unwrap_err();
    assert!(
        format!("{errors:?}").contains("does not route to bucket `mrap-reports-eu`"),
        "{errors:?}"
    );
    let missing = copy_with("missing", &[]);
    std::fs::remove_file(
        missing
            .join(MRAP_DIR)
            .join("multi-region-access-point.json"),
    )
    .unwrap();
    let errors = load(&missing).unwrap_err();
    assert!(
        format!("{errors:?}").contains("get-multi-region-access-point"),
        "{errors:?}"
    );
}

#[test]
fn the_policy_output_is_recognised_as_the_established_policy() {
    use s3_access::document::{Document, recognise};
    let policy = |sid: &str| {
        format!(
            r#"{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Sid\":\"{sid}\",\"Effect\":\"Allow\",\"Principal\":{{\"AWS\":\"111122223333\"}},\"Action\":\"s3:GetObject\",\"Resource\":\"{MRAP}/object/*\"}}]}}"#
        )
    };
    let sid_of = |text: &str| match recognise(
        text,
        s3_access::json::parse(text).unwrap(),
        None,
        "policy.json",
    ) {
        Document::Policy { root, wrapper, .. } => {
            assert_eq!(wrapper, Some("get-multi-region-access-point-policy output"));
            root.get("Statement").unwrap().as_array().unwrap()[0]
                .get("Sid")
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        }
        other => panic!("{other:?}"),
    };
    let both = format!(
        r#"{{"Policy": {{"Established": {{"Policy": "{}"}}, "Proposed": {{"Policy": "{}"}}}}}}"#,
        policy("InForce"),
        policy("Coming")
    );
    assert_eq!(sid_of(&both), "InForce");
    // Before any policy is established, the proposed one is what there is.
    let proposed = format!(
        r#"{{"Policy": {{"Proposed": {{"Policy": "{}"}}}}}}"#,
        policy("Coming")
    );
    assert_eq!(sid_of(&proposed), "Coming");
    // Another object under `Policy` is not taken for it.
    let other = r#"{"Policy": {"Established": {"Policy": 3}}}"#;
    assert!(!matches!(
        recognise(
            other,
            s3_access::json::parse(other).unwrap(),
            None,
            "policy.json"
        ),
        Document::Policy { .. }
    ));
}

#[test]
fn a_policy_not_given_is_unknown_not_empty() {
    let dir = copy_with("no-policy", &[]);
    std::fs::remove_file(dir.join(MRAP_DIR).join("policy.json")).unwrap();
    let (status, reasons) = mrap_status(&dir);
    assert_eq!(status, Status::Unknown, "{reasons:?}");
    let r = decide(&request(
        &dir,
        PARTNER,
        "shared/a.csv",
        vec![allow_all_s3()],
    ));
    assert_eq!(r.decision, Decision::ImplicitDeny);
    assert!(
        r.uncertain
            .iter()
            .any(|u| u.reason.contains("was not given")),
        "{:?}",
        r.uncertain
    );
    // `{}`: it has no policy, which grants nothing by itself.
    let none = copy_with("none", &[(&format!("{MRAP_DIR}/policy.json"), "{}")]);
    assert_eq!(mrap_status(&none).0, Status::NotPublic);
}

#[test]
fn who_can_says_requests_through_it_are_not_enumerated() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .arg("who-can")
        .arg(fixture())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("uncertain, because")
            && stdout.contains("Multi-Region Access Points are not enumerated yet"),
        "{stdout}"
    );
}

#[test]
fn query_names_the_multi_region_access_point_policy_in_its_trace() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args(["query", "--color", "never", "--bucket"])
        .arg(fixture())
        .args([
            "--principal",
            PARTNER,
            "--action",
            "s3:GetObject",
            "--resource",
        ])
        .arg(format!("{MRAP}/object/shared/a.csv"))
        .arg("--identity-policy")
        .arg(allow_all_s3())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("Allow"), "{stdout}");
    assert!(
        stdout.contains("Sid `PartnerReadsShared` of the Multi-Region Access Point policy allows"),
        "{stdout}"
    );
    assert!(
        stdout.contains("| Multi-Region Access Point policy | Sid `PartnerReadsShared`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("| Multi-Region Access Point policy | allows"),
        "{stdout}"
    );
}

#[test]
fn public_json_gives_the_path_its_own_kind() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args(["public", "--format", "json"])
        .arg(fixture())
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths = doc["buckets"][0]["paths"].as_array().unwrap();
    let mrap = paths
        .iter()
        .find(|p| p["kind"] == "multi-region-access-point")
        .unwrap_or_else(|| panic!("{paths:#?}"));
    assert_eq!(mrap["status"], "public");
    assert!(mrap["name"].as_str().unwrap().contains("`reports`"));
}

#[test]
fn lint_and_public_name_the_multi_region_access_point_policy() {
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_s3-access"))
            .args(args)
            .arg(fixture())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let lint = run(&["lint", "--format", "json"]);
    assert!(
        lint.contains(
            "Sid `EveryoneReadsPublic` of the Multi-Region Access Point policy lets anyone read"
        ),
        "{lint}"
    );
    let public = run(&["public", "--color", "never"]);
    assert!(
        public.contains(
            "Sid `EveryoneReadsPublic` of the Multi-Region Access Point policy is public"
        ),
        "{public}"
    );
}

/// Statements a Multi-Region Access Point policy of the property below is made of.
const MRAP_STATEMENTS: &[&str] = &[
    r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3::111122223333:accesspoint/mfzwi23gnjvgw.mrap/object/public/*"}"#,
    r#"{"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "s3:*", "Resource": "arn:aws:s3::111122223333:accesspoint/mfzwi23gnjvgw.mrap/object/*"}"#,
    r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/etl"}, "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}"#,
    r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalAccount": "444455556666"}}}"#,
];

/// Deny statements added to it.
const MRAP_DENIES: &[&str] = &[
    r#"{"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}"#,
    r#"{"Effect": "Deny", "Principal": {"AWS": "444455556666"}, "Action": "s3:*", "Resource": "arn:aws:s3::111122223333:accesspoint/mfzwi23gnjvgw.mrap/object/shared/*"}"#,
    r#"{"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:user/etl"}, "Action": "s3:PutObject", "Resource": "*"}"#,
];

const MRAP_CALLERS: &[&str] = &[
    PARTNER,
    OWNER_USER,
    "anonymous",
    "arn:aws:iam::777788889999:role/x",
];

fn mrap_policy(statements: &[&str]) -> String {
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
        statements.join(",")
    )
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 48, ..Default::default() })]

    #[test]
    fn adding_a_deny_to_the_mrap_policy_never_grants(
        picks in proptest::collection::vec(proptest::prelude::any::<bool>(), MRAP_STATEMENTS.len()),
        deny in 0..MRAP_DENIES.len(),
        caller in 0..MRAP_CALLERS.len(),
        key in proptest::sample::select(vec!["public/a", "shared/b", "private/c"]),
        write in proptest::prelude::any::<bool>(),
    ) {
        let chosen: Vec<&str> = MRAP_STATEMENTS
            .iter()
            .zip(&picks)
            .filter(|(_, p)| **p)
            .map(|(s, _)| *s)
            .collect();
        let mut with_deny = chosen.clone();
        with_deny.push(MRAP_DENIES[deny]);
        let decision = |statements: &[&str], tag: &str| {
            let text = if statements.is_empty() { "{}".to_string() } else { mrap_policy(statements) };
            let dir = copy_with(tag, &[(&format!("{MRAP_DIR}/policy.json"), &text)]);
            let mut i = request(&dir, MRAP_CALLERS[caller], key, vec![allow_all_s3()]);
            if write {
                i.action = "s3:PutObject".into();
            }
            let d = decide(&i).decision;
            std::fs::remove_dir_all(&dir).unwrap();
            d
        };
        let before = decision(&chosen, "prop-before");
        let after = decision(&with_deny, "prop-after");
        if before != Decision::Allow {
            proptest::prop_assert_ne!(after, Decision::Allow);
        }
    }
}

#[test]
fn a_multi_region_access_point_not_given_leaves_a_denial_uncertain() {
    let r = decide(&QueryInput {
        principal: PARTNER.into(),
        action: "s3:GetObject".into(),
        resource: "arn:aws:s3::111122223333:accesspoint/zzzzzzzzzzzzz.mrap/object/shared/a.csv"
            .into(),
        bucket: Some(fixture()),
        identity_policy: vec![allow_all_s3()],
        ..QueryInput::default()
    });
    assert_ne!(r.decision, Decision::Allow);
    assert!(
        r.uncertain.iter().any(|u| u
            .reason
            .contains("`zzzzzzzzzzzzz.mrap` is a Multi-Region Access Point that was not given")),
        "{:?}",
        r.uncertain
    );
    // One that was given leaves no such doubt.
    let r = decide(&request(
        &fixture(),
        PARTNER,
        "shared/a.csv",
        vec![allow_all_s3()],
    ));
    assert!(r.uncertain.is_empty(), "{:?}", r.uncertain);
}
