//! `query` checks its input (issue 13, item 3): an unknown action is an error with a
//! suggestion; context keys AWS does not have or never sets for the action, and an action on
//! a resource of another type, are warnings before the verdict; a request region the
//! policies test and identity policies of a cross-account caller are named in the notes;
//! `aws:CurrentTime` and `aws:EpochTime` stay one instant.

use s3_access::eval::Decision;
use s3_access::query::{self, Notice, QueryInput};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temporary policy file for one test.
fn policy(tag: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("s3a-query-input-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{tag}.json"));
    std::fs::write(&path, text).unwrap();
    path
}

fn input(principal: &str, action: &str, resource: &str) -> QueryInput {
    QueryInput {
        principal: principal.into(),
        action: action.into(),
        resource: resource.into(),
        ..QueryInput::default()
    }
}

/// The warnings and errors loading says, as printed.
fn said(notices: &[Notice]) -> Vec<String> {
    notices
        .iter()
        .filter_map(|n| match n {
            Notice::Warning(w) => Some(format!("warning: {w}")),
            Notice::Input(w) => Some(format!("warning: {w}")),
            Notice::Error(e) => Some(format!("error: {e}")),
            Notice::Findings(_) => None,
        })
        .collect()
}

const USER: &str = "arn:aws:iam::111122223333:user/alice";
const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;

#[test]
fn an_unknown_action_is_an_error_with_the_closest_action() {
    let mut notices = Vec::new();
    let q = input(USER, "s3:GetObjects", "arn:aws:s3:::b/k");
    assert!(query::load(&q, &mut notices).is_err());
    assert_eq!(
        said(&notices),
        ["error: --action `s3` has no action `GetObjects`; did you mean `s3:GetObject`?"]
    );
    let mut notices = Vec::new();
    assert!(query::load(&input(USER, "s4:GetObject", "*"), &mut notices).is_err());
    assert!(
        said(&notices)[0].contains("did you mean `s3`?"),
        "{notices:?}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args(["query", "--principal", USER, "--action", "s3:GetObjects"])
        .args(["--resource", "arn:aws:s3:::b/k"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn context_keys_aws_does_not_send_are_warned_about_before_the_answer() {
    let mut q = input(USER, "s3:GetObject", "arn:aws:s3:::b/k");
    q.identity_policy = vec![policy("allow-all", ALLOW_ALL)];
    q.context = vec![
        "aws:SecureTransprot=false".into(),
        "s3:prefix=home/".into(),
        "kms:ViaService=s3.us-east-1.amazonaws.com".into(),
        "aws:SourceIp=10.0.0.1".into(),
    ];
    let mut notices = Vec::new();
    let loaded = query::load(&q, &mut notices).unwrap();
    let said = said(&notices);
    assert_eq!(said.len(), 3, "{said:#?}");
    assert!(
        said[0].contains("did you mean `aws:SecureTransport`?"),
        "{said:#?}"
    );
    assert!(said[1].contains("requests for `s3:GetObject` never carry `s3:prefix`"));
    assert!(said[2].contains("never carry `kms:ViaService`"));
    // The misspelt key is not the real one: the request is still over HTTPS.
    let secure = loaded.request.context.get("aws:SecureTransport").unwrap();
    assert_eq!(*secure.values, ["true"]);
}

#[test]
fn an_action_on_a_resource_of_another_type_is_warned_about() {
    let mut q = input(USER, "s3:GetObject", "arn:aws:s3:::b");
    q.identity_policy = vec![policy("allow-all-2", ALLOW_ALL)];
    let mut notices = Vec::new();
    query::load(&q, &mut notices).unwrap();
    let said = said(&notices);
    assert_eq!(said.len(), 1, "{said:#?}");
    assert!(
        said[0].starts_with("warning: --resource arn:aws:s3:::b: `s3:GetObject` does not apply")
    );
    let mut notices = Vec::new();
    let fine = input(USER, "s3:ListBucket", "arn:aws:s3:::b");
    query::load(&fine, &mut notices).unwrap();
    assert!(said_nothing(&notices), "{notices:?}");
}

fn said_nothing(notices: &[Notice]) -> bool {
    said(notices).is_empty()
}

#[test]
fn a_region_the_policies_test_is_named_when_absent_and_taken_from_the_bucket_when_known() {
    let scp = policy(
        "region-scp",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]}}}]}"#,
    );
    let mut q = input(USER, "s3:GetObject", "arn:aws:s3:::b/k");
    q.identity_policy = vec![policy("allow-all-3", ALLOW_ALL)];
    q.scp = vec![scp.clone()];
    let response = query::load(&q, &mut Vec::new()).unwrap().decide();
    assert_eq!(response.decision, Decision::ExplicitDeny);
    let note = response
        .notes
        .iter()
        .find(|n| n.contains("aws:RequestedRegion"))
        .unwrap_or_else(|| panic!("{:?}", response.notes));
    assert!(
        note.contains("`aws:RequestedRegion=eu-west-1` the decision would be Allow"),
        "{note}"
    );
    // A bucket folder records the region (eu-west-1): the request carries it.
    let mut q = input(
        USER,
        "s3:GetObject",
        "arn:aws:s3:::example-bucket/public/logo.png",
    );
    q.bucket = Some(root().join("policies/buckets/example-bucket"));
    // The folder names its account folder beside it: the tree is `policies/buckets`.
    q.root = Some(root().join("policies/buckets"));
    q.identity_policy = vec![policy("allow-all-4", ALLOW_ALL)];
    q.scp = vec![scp];
    let loaded = query::load(&q, &mut Vec::new()).unwrap();
    let region = loaded.request.context.get("aws:RequestedRegion").unwrap();
    assert_eq!(*region.values, ["eu-west-1"]);
    let response = loaded.decide();
    assert!(
        !response
            .notes
            .iter()
            .any(|n| n.contains("aws:RequestedRegion"))
    );
}

#[test]
fn identity_policies_of_a_cross_account_caller_are_named_when_not_given() {
    let bucket = policy(
        "partner-bucket",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#,
    );
    let mut q = input(
        "arn:aws:iam::444455556666:user/bob",
        "s3:GetObject",
        "arn:aws:s3:::b/k",
    );
    q.bucket_policy = Some(bucket);
    q.bucket_owner = Some("111122223333".into());
    let response = query::load(&q, &mut Vec::new()).unwrap().decide();
    assert_eq!(response.decision, Decision::ImplicitDeny);
    assert!(
        response
            .notes
            .iter()
            .any(|n| n.contains("account 444455556666") && n.contains("--identity-policy")),
        "{:?}",
        response.notes
    );
    q.identity_policy = vec![policy("allow-all-5", ALLOW_ALL)];
    let response = query::load(&q, &mut Vec::new()).unwrap().decide();
    assert_eq!(response.decision, Decision::Allow);
    assert!(
        !response
            .notes
            .iter()
            .any(|n| n.contains("--identity-policy"))
    );
}

#[test]
fn the_current_time_and_the_epoch_time_stay_one_instant() {
    let mut q = input(USER, "s3:GetObject", "arn:aws:s3:::b/k");
    q.context = vec!["aws:CurrentTime=2030-01-01T00:00:00Z".into()];
    let loaded = query::load(&q, &mut Vec::new()).unwrap();
    let epoch = loaded.request.context.get("aws:EpochTime").unwrap();
    assert_eq!(*epoch.values, ["1893456000"]);
    q.context = vec!["aws:EpochTime=1893456000".into()];
    let loaded = query::load(&q, &mut Vec::new()).unwrap();
    let current = loaded.request.context.get("aws:CurrentTime").unwrap();
    assert_eq!(*current.values, ["2030-01-01T00:00:00Z"]);
}
