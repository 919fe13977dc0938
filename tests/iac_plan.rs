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

const PLANS: &str = "tests/fixtures/iac/plan_model";

/// The access point paths of a bucket: name, status, reasons.
fn access_point_paths(b: &serde_json::Value) -> Vec<(String, String, String)> {
    b["paths"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "access-point")
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["status"].as_str().unwrap().to_string(),
                p["reasons"].to_string(),
            )
        })
        .collect()
}

/// The plan twin of `iac_model`'s `access_point_tf`: the access points of a plan are linked
/// to their bucket (by the configuration's reference) and their routes judged.
#[test]
fn plan_access_points_are_judged_with_their_policy_and_flags() {
    let (b, code) = public(&format!("{PLANS}/access_points/plan.json"));
    assert_eq!((b["verdict"].as_str(), code), (Some("public"), 1), "{b:#}");
    let aps = access_point_paths(&b);
    assert_eq!(aps.len(), 2, "{aps:?}");
    // Its own `policy`, and every flag on: blocked.
    assert_eq!(
        (aps[0].0.as_str(), aps[0].1.as_str()),
        ("access point `default`", "blocked"),
        "{aps:?}"
    );
    // `aws_s3control_access_point_policy` linked by `aws_s3_access_point.open.arn`, whose
    // value is known only after apply; the access point's computed `policy` is not a second
    // one, nor an unknown.
    assert_eq!(
        (aps[1].0.as_str(), aps[1].1.as_str()),
        ("access point `open`", "public"),
        "{aps:?}"
    );
    assert!(aps[1].2.contains("plan.json:11:55"), "{aps:?}");
    assert!(
        !b.to_string().contains("is known only after apply"),
        "{b:#}"
    );
}

/// `diff --plan` on access points the apply adds to a bucket that exists: the exploration
/// does not enumerate access point routes yet, so it is uncertain, never "no new access".
#[test]
fn a_plan_diff_adding_access_points_to_a_bucket_is_never_silent() {
    let plan = std::fs::read_to_string(root().join(PLANS).join("access_points/plan.json")).unwrap();
    // The bucket and its Block Public Access exist before the apply, unchanged.
    let before = |t: &str, v: &str| {
        (
            format!(
                r#""address":"{t}.data","mode":"managed","type":"{t}","name":"data","change":{{"actions":["create"],"before":null,"after":{{}}"#
            ),
            format!(
                r#""address":"{t}.data","mode":"managed","type":"{t}","name":"data","change":{{"actions":["no-op"],"before":{v},"after":{v}"#
            ),
        )
    };
    let mut plan = plan;
    for (t, v) in [
        ("aws_s3_bucket", r#"{"bucket":"example-data"}"#),
        (
            "aws_s3_bucket_public_access_block",
            r#"{"bucket":"example-data","block_public_acls":true,"ignore_public_acls":true,"block_public_policy":false,"restrict_public_buckets":false}"#,
        ),
    ] {
        let (from, to) = before(t, v);
        assert!(plan.contains(&from), "{from}");
        plan = plan.replace(&from, &to);
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plan.json"), &plan).unwrap();
    let path = dir.path().join("plan.json");
    let out = run(&["diff", "--plan", path.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("(before the apply) ->"), "{text}");
    assert!(
        text.contains("requests through the bucket's access points are not enumerated yet"),
        "{text}"
    );
}

/// `query --bucket` on a plan as principal `who` of the symbolic own account: the decision
/// (first word) and all the text.
fn query_as(who: &str, action: &str) -> (String, String) {
    let out = run(&[
        "query",
        "--bucket",
        &format!("{PLANS}/identity/plan.json"),
        "--principal",
        &format!("arn:aws:iam::000000000000:{who}"),
        "--action",
        action,
        "--resource",
        "arn:aws:s3:::example-data/x",
    ]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (text.split(':').next().unwrap_or("").to_string(), text)
}

/// The plan twin of `iac_model`'s `identity_tf`: principals, managed policies and their links
/// come from planned values and the configuration's references, so `query --bucket plan.json`
/// applies a principal's own policies (before: none, every answer "no identity policy").
#[test]
fn plan_identity_policies_apply_to_their_role_user_and_group() {
    // An `aws_iam_policy` attached by `aws_iam_role_policy_attachment`, whose `policy_arn` is
    // known only after apply: linked by the configuration's reference.
    let (d, text) = query_as("role/reader", "s3:GetObject");
    assert_eq!(d, "Allow", "{text}");
    assert!(text.contains("identity/plan.json:4:"), "{text}");
    let (d, text) = query_as("role/reader", "s3:PutObject");
    assert_eq!(d, "ImplicitDeny", "{text}");
    // `aws_iam_user_policy` linked to its user.
    let (d, text) = query_as("user/writer", "s3:PutObject");
    assert_eq!(d, "Allow", "{text}");
    assert!(text.contains("1 identity policy of"), "{text}");
}

#[test]
fn plan_identity_values_not_known_offline_are_uncertain_never_no_access() {
    // An AWS managed policy (not carried) through the group the user is in.
    let (d, text) = query_as("user/auditor", "s3:GetObject");
    assert_eq!(d, "ImplicitDeny", "{text}");
    assert!(
        text.contains("uncertain: managed policy `arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess` attached at tests/fixtures/iac/plan_model/identity/plan.json:9:"),
        "{text}"
    );
    // A role policy whose role is known only after apply may be any principal's.
    assert!(
        text.contains("`aws_iam_role_policy.elsewhere` at tests/fixtures/iac/plan_model/identity/plan.json:12:")
            && text.contains("is attached to a principal not known offline"),
        "{text}"
    );
}
