//! Terraform plans give what `.tf` gives: ACL grants (`access_control_policy`, a legacy
//! `grant` list) read into the same ACL model as a bucket folder's `acl.json`, with one reader
//! for both; what the plan knows only after apply stays unknown, located.

use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const GRANTS: &str = "tests/fixtures/iac/grants";

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

/// `public --format json` on one fixture: its only bucket and the exit code.
fn public(fixture: &str) -> (serde_json::Value, i32) {
    let out = run(&["public", "--format", "json", fixture]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let buckets = v["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 1, "{v:#}");
    (buckets[0].clone(), out.status.code().unwrap())
}

/// The bucket ACL path of `public --format json` on `fixture` (under [`GRANTS`]), and the verdict.
fn acl_path(fixture: &str) -> (serde_json::Value, String) {
    let (b, _) = public(&format!("{GRANTS}/{fixture}"));
    let path = b["paths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "bucket-acl")
        .unwrap_or_else(|| panic!("{b:#}"))
        .clone();
    (path, b["verdict"].as_str().unwrap().to_string())
}

#[test]
fn a_plan_legacy_grant_list_to_authenticated_users_is_public() {
    let (acl, verdict) = acl_path("plan_legacy_grant/plan.json");
    assert_eq!(
        (acl["status"].as_str(), verdict.as_str()),
        (Some("public"), "public"),
        "{acl:#}"
    );
    assert_eq!(acl["grants"][0]["grantee"], "AuthenticatedUsers", "{acl:#}");
}

#[test]
fn a_plan_acl_of_the_owner_and_an_email_grantee_is_not_public() {
    let (acl, _) = acl_path("plan_owner_only/plan.json");
    assert_eq!(acl["status"], "not-public", "{acl:#}");
}

#[test]
fn a_plan_grantee_known_only_after_apply_is_unknown_and_located() {
    let (acl, verdict) = acl_path("plan_unknown/plan.json");
    assert_eq!(
        (acl["status"].as_str(), verdict.as_str()),
        (Some("unknown"), "uncertain"),
        "{acl:#}"
    );
    let reason = acl["reasons"][0].as_str().unwrap();
    assert!(
        reason.contains("`aws_s3_bucket_acl.b.access_control_policy[0].grant[1].grantee[0].uri` at tests/fixtures/iac/grants/plan_unknown/plan.json:6:15"),
        "{reason}"
    );
}

#[test]
fn tf_grants_with_an_email_grantee_read_as_the_acl_reader_reads_them() {
    // Before: the e-mail grantee was a CanonicalUser without `ID` (E009, bucket not judged).
    let (acl, verdict) = acl_path("tf_public");
    assert_eq!(
        (acl["status"].as_str(), verdict.as_str()),
        (Some("public"), "public"),
        "{acl:#}"
    );
    assert_eq!(acl["grants"].as_array().unwrap().len(), 1, "{acl:#}");
    assert_eq!(acl["grants"][0]["grantee"], "AllUsers");
}

#[test]
fn tf_grants_to_the_owner_only_are_not_public() {
    let (acl, _) = acl_path("tf_owner_only");
    assert_eq!(acl["status"], "not-public", "{acl:#}");
}

#[test]
fn a_tf_legacy_grant_to_a_group_from_a_variable_is_unknown_and_located() {
    let (acl, verdict) = acl_path("tf_unknown");
    assert_eq!(
        (acl["status"].as_str(), verdict.as_str()),
        (Some("unknown"), "uncertain"),
        "{acl:#}"
    );
    let reason = acl["reasons"][0].as_str().unwrap();
    assert!(
        reason.contains("`var.reader_group` at tests/fixtures/iac/grants/tf_unknown/main.tf:17:19"),
        "{reason}"
    );
}

#[test]
fn plan_and_tf_grants_lint_at_the_grant() {
    let out = run(&["lint", "--no-config", "--format", "concise", GRANTS]);
    let text = String::from_utf8_lossy(&out.stdout);
    // The public grants (S105) at the grant in the plan and in the `.tf` file.
    assert!(
        text.contains("plan_legacy_grant/plan.json:5:3: S105 the bucket ACL grants READ to Authenticated Users"),
        "{text}"
    );
    assert!(text.contains("tf_public/main.tf:8:5: S105"), "{text}");
    assert!(!text.contains("E009"), "{text}");
}
