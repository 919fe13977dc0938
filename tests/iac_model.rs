//! IaC buckets behind every command (`iac::model`): a `.tf` module, a plan or a template gives
//! the same bucket a folder gives, `public`, `who-can` and `query --bucket` judge it, and a
//! value not known before apply makes the verdict it touches uncertain, with its place.

use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const DIR: &str = "tests/fixtures/iac/model";

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn json(args: &[&str]) -> (serde_json::Value, i32) {
    let out = run(args);
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v, out.status.code().unwrap())
}

/// `public --format json` on one fixture: its only bucket and the exit code.
fn public(fixture: &str) -> (serde_json::Value, i32) {
    let path = format!("{DIR}/{fixture}");
    let (v, code) = json(&["public", "--format", "json", &path]);
    let buckets = v["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 1, "{v:#}");
    (buckets[0].clone(), code)
}

fn policy_path(b: &serde_json::Value) -> &serde_json::Value {
    b["paths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "bucket-policy")
        .unwrap()
}

#[test]
fn a_public_policy_with_split_bpa_under_count_is_public_at_its_tf_line() {
    let (b, code) = public("public_tf");
    assert_eq!((b["verdict"].as_str(), code), (Some("public"), 1), "{b:#}");
    assert_eq!(b["bucket"], "example-site");
    assert_eq!(b["source"], format!("{DIR}/public_tf#aws_s3_bucket.site"));
    let st = &policy_path(&b)["statements"][0];
    assert_eq!(st["at"]["file"], format!("{DIR}/public_tf/main.tf"));
    assert_eq!(
        (st["at"]["line"].as_u64(), st["sid"].as_str()),
        (Some(24), Some("PublicRead"))
    );
}

#[test]
fn the_same_bucket_with_bpa_on_is_blocked() {
    let (b, code) = public("blocked_tf");
    assert_eq!((b["verdict"].as_str(), code), (Some("blocked"), 0), "{b:#}");
    let blocker = &policy_path(&b)["blocked_by"];
    assert_eq!(blocker["flag"], "RestrictPublicBuckets");
    assert_eq!(blocker["at"]["line"], 16);
}

#[test]
fn a_principal_from_a_variable_without_default_is_uncertain_and_located() {
    let (b, code) = public("unknown_principal");
    assert_eq!(
        (b["verdict"].as_str(), code),
        (Some("uncertain"), 1),
        "{b:#}"
    );
    let p = policy_path(&b);
    assert_eq!(p["status"], "unknown");
    let reason = p["reasons"][0].as_str().unwrap();
    assert!(
        reason.contains("`var.reader` at tests/fixtures/iac/model/unknown_principal/main.tf:24:27 is not known before apply"),
        "{reason}"
    );
}

#[test]
fn a_bpa_flag_from_a_data_source_is_read_as_off_and_uncertain() {
    let (b, code) = public("unknown_bpa");
    assert_eq!(
        (b["verdict"].as_str(), code),
        (Some("uncertain"), 1),
        "{b:#}"
    );
    let reason = policy_path(&b)["reasons"][0].as_str().unwrap();
    assert!(
        reason.contains("`data.aws_ssm_parameter.strict.value` at tests/fixtures/iac/model/unknown_bpa/main.tf:13:29"),
        "{reason}"
    );
}

#[test]
fn a_cloudformation_public_read_acl_is_public_via_the_acl() {
    let (b, code) = public("cfn_acl/template.yaml");
    assert_eq!((b["verdict"].as_str(), code), (Some("public"), 1), "{b:#}");
    let acl = b["paths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "bucket-acl")
        .unwrap();
    assert_eq!(acl["status"], "public");
    assert_eq!(acl["grants"][0]["grantee"], "AllUsers");
    assert_eq!(
        b["source"],
        format!("{DIR}/cfn_acl/template.yaml#SiteBucket")
    );
}

#[test]
fn a_plan_whose_policy_is_known_only_after_apply_is_uncertain() {
    let (b, code) = public("plan_unknown/plan.json");
    assert_eq!(
        (b["verdict"].as_str(), code),
        (Some("uncertain"), 1),
        "{b:#}"
    );
    let p = policy_path(&b);
    let reason = p["reasons"][0].as_str().unwrap();
    assert!(reason.contains("aws_s3_bucket_policy.logs"), "{reason}");
    // Not "the bucket has no bucket policy": the policy is there, its text is unknown.
    assert_eq!(p["reasons"].as_array().unwrap().len(), 1, "{p:#}");
}

/// An `aws_s3_bucket_acl` in a plan whose grants are an `access_control_policy` (here one to
/// All Users): the grants are read, located in the plan (before: the ACL was unknown).
#[test]
fn a_plan_acl_given_as_grants_to_all_users_is_public() {
    let (b, code) = public("plan_acl_grants/plan.json");
    assert_eq!((b["verdict"].as_str(), code), (Some("public"), 1), "{b:#}");
    let acl = b["paths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "bucket-acl")
        .unwrap_or_else(|| panic!("{b:#}"));
    assert_eq!(acl["status"], "public", "{acl:#}");
    assert_eq!(acl["grants"][0]["grantee"], "AllUsers", "{acl:#}");
}

/// A plan of the AWS provider before v4: the bucket's own `acl = "public-read"` is its ACL.
#[test]
fn a_plan_bucket_with_a_legacy_public_read_acl_is_public() {
    let (b, code) = public("plan_legacy_acl/plan.json");
    assert_eq!((b["verdict"].as_str(), code), (Some("public"), 1), "{b:#}");
}

#[test]
fn a_directory_gives_one_input_per_bucket_and_file_hash_address_picks_one() {
    let (v, code) = json(&["public", "--format", "json", DIR]);
    let sources: Vec<&str> = v["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources.len(), 16, "{sources:?}");
    assert_eq!(code, 1);
    let one = format!("{DIR}/blocked_tf/main.tf#aws_s3_bucket.site");
    let (v, code) = json(&["public", "--format", "json", &one]);
    assert_eq!(
        (v["buckets"][0]["verdict"].as_str(), code),
        (Some("blocked"), 0)
    );
    let none = format!("{DIR}/blocked_tf/main.tf#aws_s3_bucket.nope");
    let out = run(&["public", &none]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("declares no bucket `aws_s3_bucket.nope`; it declares: aws_s3_bucket.site"),
        "{err}"
    );
}

#[test]
fn who_can_says_uncertain_with_the_unknown_expression() {
    let path = format!("{DIR}/unknown_principal");
    let (v, code) = json(&["who-can", "--format", "json", &path]);
    assert_eq!(code, 1);
    let uncertain = v["buckets"][0]["uncertain"].as_array().unwrap();
    assert!(
        uncertain.iter().any(|r| r["kind"] == "iac-unknown"
            && r["message"].as_str().unwrap().contains("`var.reader` at")),
        "{uncertain:#?}"
    );
}

#[test]
fn query_takes_a_tf_bucket() {
    let ask = |bucket: &str| {
        let out = run(&[
            "query",
            "--principal",
            "anonymous",
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::example-site/a.txt",
            "--bucket",
            bucket,
        ]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    };
    assert!(ask(&format!("{DIR}/public_tf/main.tf")).starts_with("Allow"));
    assert!(ask(&format!("{DIR}/blocked_tf#aws_s3_bucket.site")).starts_with("ExplicitDeny"));
}

#[test]
fn hostile_trees_and_addresses_end_in_clear_errors() {
    let tmp = std::env::temp_dir().join(format!("s3-access-iac-model-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let mut deep = tmp.clone();
    for _ in 0..100 {
        deep = deep.join("d");
    }
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(
        deep.join("main.tf"),
        "resource \"aws_s3_bucket\" \"b\" {}\n",
    )
    .unwrap();
    // A module 100 directories down is found (an empty bucket: uncertain, exit 1).
    let out = run(&["public", tmp.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("/d#aws_s3_bucket.b"), "{text}");
    // An address with odd characters is a name like any other: not declared, said so.
    let odd = format!("{DIR}/public_tf/main.tf#\u{1b}[31m../../x#y");
    let out = run(&["public", &odd]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("declares no bucket"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err:?}");
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn query_on_a_tf_bucket_with_an_unknown_says_uncertain() {
    let out = run(&[
        "query",
        "--principal",
        "arn:aws:iam::111122223333:user/u",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::example-data/a",
        "--bucket",
        &format!("{DIR}/unknown_principal/main.tf"),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("note: uncertain: `var.reader` at tests/fixtures/iac/model/unknown_principal/main.tf:24:27"),
        "{text}"
    );
}

#[test]
fn a_legacy_inline_policy_belongs_to_its_bucket() {
    let (b, code) = public("legacy_inline");
    assert_eq!((b["verdict"].as_str(), code), (Some("public"), 1), "{b:#}");
    assert_eq!(policy_path(&b)["statements"][0]["sid"], "Site");
}

#[test]
fn a_policy_whose_bucket_is_unknown_unsettles_the_buckets_it_could_be_on() {
    let (b, code) = public("unknown_bucket");
    assert_eq!(
        (b["verdict"].as_str(), code),
        (Some("uncertain"), 1),
        "{b:#}"
    );
    let reason = policy_path(&b)["reasons"][0].as_str().unwrap();
    assert!(
        reason.contains("`aws_s3_bucket_policy.elsewhere` at"),
        "{reason}"
    );
}

#[test]
fn an_inline_policy_of_one_bucket_leaves_the_other_alone() {
    let path = format!("{DIR}/legacy_two");
    let (v, _) = json(&["public", "--format", "json", &path]);
    let verdicts: Vec<(&str, &str)> = v["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["bucket"].as_str().unwrap(),
                b["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            ("example-open-v3", "public"),
            ("example-closed-v3", "not-public")
        ]
    );
}

#[test]
fn a_tf_file_gives_the_buckets_it_declares_part_of() {
    // ownership.tf declares only a setting of the bucket main.tf declares.
    let path = format!("{DIR}/blocked_tf/ownership.tf");
    let (v, code) = json(&["public", "--format", "json", &path]);
    assert_eq!(v["buckets"][0]["bucket"], "example-site", "{v:#}");
    assert_eq!(code, 0);
}

/// A local module outside the paths given is not read by `public` (a module `source` in a
/// pull request must not read the machine that runs the check), as `lint` does not read it;
/// `--root` widens what may be read.
#[test]
fn public_reads_local_modules_only_inside_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("infra")).unwrap();
    std::fs::create_dir_all(d.join("shared")).unwrap();
    std::fs::write(
        d.join("infra/main.tf"),
        "module \"m\" {\n  source = \"../shared\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        d.join("shared/main.tf"),
        r#"resource "aws_s3_bucket" "x" {
  bucket = "outside-bucket"
}

resource "aws_s3_bucket_policy" "x" {
  bucket = aws_s3_bucket.x.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "${aws_s3_bucket.x.arn}/*" }]
  })
}
"#,
    )
    .unwrap();
    let infra = d.join("infra");
    let infra = infra.to_str().unwrap();
    let (v, _) = json(&["public", "--format", "json", infra]);
    let text = v.to_string();
    assert!(!text.contains("outside-bucket"), "{v:#}");
    assert!(text.contains("outside the paths given"), "{v:#}");
    let (v, code) = json(&[
        "public",
        "--format",
        "json",
        "--root",
        d.to_str().unwrap(),
        infra,
    ]);
    assert!(v.to_string().contains("outside-bucket"), "{v:#}");
    assert_eq!(code, 1, "{v:#}");
}

/// `query --bucket` on an IaC unit as principal `who` (of the symbolic own account): the
/// decision (first word) and all the text.
fn query_as(fixture: &str, who: &str, action: &str, resource: &str) -> (String, String) {
    let path = format!("{DIR}/{fixture}");
    let principal = format!("arn:aws:iam::000000000000:{who}");
    let out = run(&[
        "query",
        "--bucket",
        &path,
        "--principal",
        &principal,
        "--action",
        action,
        "--resource",
        resource,
    ]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let decision = text.split(':').next().unwrap_or("").to_string();
    (decision, text)
}

const OBJECT: &str = "arn:aws:s3:::example-data/x";

#[test]
fn terraform_identity_policies_apply_to_their_role_user_and_group() {
    // A managed policy attached by reference in `managed_policy_arns`.
    let (d, text) = query_as("identity_tf", "role/reader", "s3:GetObject", OBJECT);
    assert_eq!(d, "Allow", "{text}");
    assert!(text.contains("identity_tf/main.tf:18:18"), "{text}");
    let (d, text) = query_as("identity_tf", "role/reader", "s3:PutObject", OBJECT);
    assert_eq!(d, "ImplicitDeny", "{text}");
    // `aws_iam_user_policy` linked by `aws_iam_user.writer.name`.
    let (d, text) = query_as("identity_tf", "user/writer", "s3:PutObject", OBJECT);
    assert_eq!(d, "Allow", "{text}");
}

#[test]
fn terraform_identity_values_not_known_offline_are_uncertain_never_no_access() {
    // An AWS managed policy (not carried) through a group the user is in.
    let (d, text) = query_as("identity_tf", "user/auditor", "s3:GetObject", OBJECT);
    assert_eq!(d, "ImplicitDeny", "{text}");
    assert!(
        text.contains("uncertain: managed policy `arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess` attached at tests/fixtures/iac/model/identity_tf/main.tf:39:16"),
        "{text}"
    );
    // A `Resource` from a variable without a value is read as `*`, and said.
    let (d, text) = query_as("identity_tf", "role/reader", "s3:DeleteObject", OBJECT);
    assert_eq!(d, "Allow", "{text}");
    assert!(text.contains("uncertain: `var.target` at"), "{text}");
    // A policy whose role is not known offline may be any principal's.
    assert!(
        text.contains("`aws_iam_role_policy.elsewhere` at tests/fixtures/iac/model/identity_tf/main.tf:70:23 is attached to a principal not known offline"),
        "{text}"
    );
}

#[test]
fn cloudformation_identity_policies_apply_through_managed_arns_policies_and_groups() {
    let t = "identity_cfn/template.yaml";
    let (d, text) = query_as(t, "role/reader", "s3:GetObject", OBJECT);
    assert_eq!(d, "Allow", "{text}");
    assert!(text.contains("2 identity policies"), "{text}");
    let (d, text) = query_as(
        t,
        "role/reader",
        "s3:ListBucket",
        "arn:aws:s3:::example-data",
    );
    assert_eq!(d, "Allow", "{text}");
    // AWS::IAM::Policy on the group, the user in the group by `Groups: [!Ref Writers]`.
    let (d, text) = query_as(t, "user/writer", "s3:PutObject", OBJECT);
    assert_eq!(d, "Allow", "{text}");
    let (d, text) = query_as(t, "user/writer", "s3:GetObject", OBJECT);
    assert_eq!(d, "ImplicitDeny", "{text}");
    assert!(
        text.contains("uncertain: the managed policy `!Ref ExtraPolicy` attached at tests/fixtures/iac/model/identity_cfn/template.yaml:44:11 is not known offline"),
        "{text}"
    );
}

/// The access point paths of a `public --format json` bucket: (name, status, reasons).
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

#[test]
fn terraform_access_points_are_judged_with_their_policy_and_default_bpa() {
    let (b, code) = public("access_point_tf");
    assert_eq!((b["verdict"].as_str(), code), (Some("public"), 1), "{b:#}");
    let aps = access_point_paths(&b);
    assert_eq!(aps.len(), 2, "{aps:?}");
    // `aws_s3control_access_point_policy` linked by `aws_s3_access_point.open.arn`.
    assert_eq!(
        (aps[0].0.as_str(), aps[0].1.as_str()),
        ("access point `open`", "public")
    );
    assert!(
        aps[0].2.contains("access_point_tf/main.tf:30:18"),
        "{aps:?}"
    );
    // No `public_access_block_configuration`: every flag on, as AWS creates it.
    assert_eq!(
        (aps[1].0.as_str(), aps[1].1.as_str()),
        ("access point `default`", "blocked")
    );
}

#[test]
fn cloudformation_access_points_keep_their_network_origin_and_policy() {
    let (b, code) = public("access_point_cfn/template.yaml");
    assert_eq!((b["verdict"].as_str(), code), (Some("public"), 1), "{b:#}");
    let aps = access_point_paths(&b);
    assert_eq!(aps[0].1, "not-public", "{aps:?}");
    assert!(aps[0].2.contains("vpc-0example"), "{aps:?}");
    assert_eq!(aps[1].1, "public", "{aps:?}");
    assert!(aps[1].2.contains("template.yaml:39:13"), "{aps:?}");
}

/// A copy of the `unknown_principal` module in a temporary directory, with `extra` files.
fn module_with(extra: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let main = std::fs::read_to_string(root().join(DIR).join("unknown_principal/main.tf")).unwrap();
    std::fs::write(dir.path().join("main.tf"), main).unwrap();
    for (name, text) in extra {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn terraform_tfvars_json_gives_variable_values() {
    // `var.reader` from terraform.tfvars.json: the policy is known, and public.
    let dir = module_with(&[("terraform.tfvars.json", "{\n  \"reader\": \"*\"\n}\n")]);
    let path = dir.path().display().to_string();
    let (v, code) = json(&["public", "--format", "json", &path]);
    let b = &v["buckets"][0];
    assert_eq!((b["verdict"].as_str(), code), (Some("public"), 1), "{v:#}");
    // A later *.auto.tfvars.json wins: an account, not public.
    std::fs::write(
        dir.path().join("x.auto.tfvars.json"),
        "{\"reader\": \"111122223333\"}",
    )
    .unwrap();
    let (v, code) = json(&["public", "--format", "json", &path]);
    let b = &v["buckets"][0];
    assert_eq!(
        (b["verdict"].as_str(), code),
        (Some("not-public"), 0),
        "{v:#}"
    );
}

#[test]
fn a_tfvars_file_that_does_not_parse_is_a_located_error() {
    let dir = module_with(&[("terraform.tfvars", "reader = \"*\"\nbroken = [\n")]);
    let path = dir.path().display().to_string();
    let out = run(&["lint", "--no-config", "--format", "concise", &path]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("terraform.tfvars:3:1: E015 not valid HCL"),
        "{text}"
    );
    // `public` does not judge the module on values it could not read.
    let out = run(&["public", &path]);
    assert_eq!(out.status.code(), Some(2));
    let dir = module_with(&[("terraform.tfvars.json", "{\"reader\": ")]);
    let out = run(&[
        "lint",
        "--no-config",
        "--format",
        "concise",
        &dir.path().display().to_string(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("terraform.tfvars.json:1:"), "{text}");
    assert_eq!(out.status.code(), Some(1), "{text}");
}

/// `query --bucket` on IaC names the owner as the configuration's symbolic account, not "not
/// given" (issue 12); the request stays the caller's account, and `--bucket-owner` replaces it.
#[test]
fn query_on_iac_names_the_placeholder_owner() {
    let ask = |extra: &[&str]| {
        let mut args = vec![
            "query",
            "--principal",
            "arn:aws:iam::111122223333:user/u",
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::example-site/a.txt",
            "--bucket",
        ];
        let bucket = format!("{DIR}/public_tf/main.tf");
        args.push(&bucket);
        args.extend_from_slice(extra);
        String::from_utf8_lossy(&run(&args).stdout).into_owned()
    };
    let text = ask(&[]);
    assert!(
        text.contains(
            "note: the bucket owner is the IaC placeholder account (symbolic, 000000000000)"
        ),
        "{text}"
    );
    assert!(
        text.contains("the caller's account (111122223333)"),
        "{text}"
    );
    assert!(!text.contains("the resource owner was not given"), "{text}");
    assert!(text.starts_with("Allow"), "{text}");
    let given = ask(&["--bucket-owner", "444455556666"]);
    assert!(!given.contains("placeholder"), "{given}");
    assert!(!given.contains("owner was not given"), "{given}");
}
