//! The roles and users infrastructure as code declares, behind `who-can` and `query --bucket`:
//! each answered with its own identity policies and permissions boundary (`iac::identity`,
//! `exact::identities`), the same answer an account folder with the same IAM configuration
//! gives; what is not known offline is uncertain, never "no access".

use std::path::PathBuf;
use std::process::{Command, Output};

const DIR: &str = "tests/fixtures/iac/identity";
const TF: &str = "tf";
const CFN: &str = "cfn/template.yaml";
const FOLDER: &str = "folder";
const OBJECT: &str = "arn:aws:s3:::example-data/x";

fn run_in(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `who-can --format json` on one input: its only bucket.
fn who_can_in(dir: &std::path::Path, input: &str) -> serde_json::Value {
    let out = run_in(dir, &["who-can", "--format", "json", input]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    let buckets = v["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 1, "{v:#}");
    buckets[0].clone()
}

fn who_can(fixture: &str) -> serde_json::Value {
    who_can_in(&root(), &format!("{DIR}/{fixture}"))
}

/// Each group as (principal, actions, resources, witness caller, action and resource): what
/// the answer says, without the places that grant it.
fn answer(b: &serde_json::Value) -> Vec<String> {
    b["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            format!(
                "{} | {} | {} | {} {} on {}",
                g["principal"],
                g["actions"],
                g["resources"],
                g["witness"]["caller"],
                g["witness"]["action"],
                g["witness"]["resource"]
            )
        })
        .collect()
}

/// The actions of the groups of `principal` (a described class), sorted.
fn actions_of(b: &serde_json::Value, principal: &str) -> Vec<String> {
    let mut out: Vec<String> = b["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["principal"] == principal)
        .flat_map(|g| g["actions"].as_array().unwrap().clone())
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    out.sort();
    out.dedup();
    out
}

fn role(name: &str) -> String {
    format!("`arn:aws:sts::000000000000:assumed-role/{name}/s3-access`")
}

fn uncertain(b: &serde_json::Value) -> String {
    b["uncertain"].to_string()
}

#[test]
fn who_can_answers_declared_roles_and_users_with_their_own_policies() {
    for fixture in [TF, CFN] {
        let b = who_can(fixture);
        let own = b["own_identity"].as_array().unwrap();
        assert_eq!(own.len(), 5, "{b:#}");
        // Its own inline policy: reads only.
        assert_eq!(actions_of(&b, &role("reader")), ["s3:GetObject"], "{b:#}");
        // Policies that grant nothing on S3: not a caller that can get in.
        assert!(actions_of(&b, &role("unrelated")).is_empty(), "{b:#}");
        // No identity policy, but the bucket policy names it: that grant alone suffices in
        // the owner's account.
        assert_eq!(actions_of(&b, &role("named")), ["s3:ListBucket"], "{b:#}");
        let named = b["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["principal"] == role("named"))
            .unwrap();
        assert_eq!(named["statements"][0]["layer"], "bucket", "{b:#}");
        // `s3:*` capped by its permissions boundary.
        assert_eq!(
            actions_of(&b, &role("bounded")),
            ["s3:GetObject", "s3:ListBucket"],
            "{b:#}"
        );
        // The rest of the account keeps the assumed identity policies.
        assert!(
            actions_of(&b, "any role session of account 000000000000").len() > 100,
            "{b:#}"
        );
        assert_eq!(b["identity_assumed"], true);
    }
}

#[test]
fn a_boundary_known_only_by_arn_is_not_applied_and_said() {
    for fixture in [TF, CFN] {
        let b = who_can(fixture);
        let admin = "`arn:aws:iam::000000000000:user/admin`";
        assert_eq!(actions_of(&b, admin), ["s3:PutObject"], "{b:#}");
        let u = uncertain(&b);
        assert!(
            u.contains("the permissions boundary `arn:aws:iam::aws:policy/PowerUserAccess` set at")
                && u.contains("it is not applied"),
            "{u}"
        );
    }
}

#[test]
fn an_iac_unit_gives_the_answer_of_the_equivalent_account_folder() {
    let folder = answer(&who_can(FOLDER));
    assert!(folder.len() >= 6, "{folder:#?}");
    assert_eq!(answer(&who_can(TF)), folder);
    assert_eq!(answer(&who_can(CFN)), folder);
}

#[test]
fn a_principal_whose_policies_are_not_all_known_keeps_every_action_and_is_uncertain() {
    // `auditor` has an AWS managed policy through its group (not carried): never "no access".
    let b = who_can_in(&root(), "tests/fixtures/iac/model/identity_tf");
    let auditor = "`arn:aws:iam::000000000000:user/auditor`";
    assert!(actions_of(&b, auditor).len() > 100, "{b:#}");
    let u = uncertain(&b);
    assert!(
        u.contains("`arn:aws:iam::000000000000:user/auditor`: managed policy `arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess`"),
        "{u}"
    );
    assert!(u.contains("taken as allowing everything"), "{u}");
    // A value not known inside a policy is read at its widest: said, no more.
    assert!(
        u.contains("`arn:aws:iam::000000000000:role/reader`: `var.target`")
            && u.contains("(a variable without a default or value), and the answer may differ"),
        "{u}"
    );
}

/// `query --bucket` on `input` as `who` (of the symbolic own account): the decision and the
/// text.
fn query_in(dir: &std::path::Path, input: &str, who: &str, action: &str) -> (String, String) {
    let principal = format!("arn:aws:iam::000000000000:{who}");
    // A bucket folder's account folder is beside it: the tree read is their parent.
    let parent = std::path::Path::new(input).parent().unwrap();
    let tree = parent.to_str().filter(|p| !p.is_empty()).unwrap_or(".");
    let out = run_in(
        dir,
        &[
            "query",
            "--bucket",
            input,
            "--root",
            tree,
            "--principal",
            &principal,
            "--action",
            action,
            "--resource",
            OBJECT,
        ],
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (text.split(':').next().unwrap_or("").to_string(), text)
}

#[test]
fn query_applies_the_permissions_boundary_of_terraform_and_cloudformation() {
    for input in [
        format!("{DIR}/{TF}"),
        format!("{DIR}/{CFN}"),
        format!("{DIR}/{FOLDER}/example-data"),
    ] {
        let (d, text) = query_in(&root(), &input, "role/bounded", "s3:GetObject");
        assert_eq!(d, "Allow", "{text}");
        assert!(text.contains("permissions boundary"), "{text}");
        // The identity policy allows `s3:*`; the boundary does not let `s3:PutObject` through.
        let (d, text) = query_in(&root(), &input, "role/bounded", "s3:PutObject");
        assert_eq!(d, "ImplicitDeny", "{text}");
    }
}

/// A module of `main.tf` in a fresh directory.
fn module(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), text).unwrap();
    dir
}

const BOUNDED_BY_VARIABLE: &str = r#"variable "boundary" {}

resource "aws_s3_bucket" "data" {
  bucket = "example-data"
}

resource "aws_iam_role" "bounded" {
  name                 = "bounded"
  assume_role_policy   = "{}"
  permissions_boundary = var.boundary
  inline_policy {
    name   = "all"
    policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }] })
  }
}
"#;

#[test]
fn a_boundary_not_known_offline_is_uncertain_never_no_access() {
    let dir = module(BOUNDED_BY_VARIABLE);
    // The boundary may restrict, but is not known: the identity policy's answer, uncertain.
    let (d, text) = query_in(dir.path(), "main.tf", "role/bounded", "s3:PutObject");
    assert_eq!(d, "Allow", "{text}");
    assert!(
        text.contains("uncertain: the permissions boundary `var.boundary` at ./main.tf:10:26 is not known offline; it is not applied"),
        "{text}"
    );
    let b = who_can_in(dir.path(), "main.tf");
    assert!(actions_of(&b, &role("bounded")).len() > 100, "{b:#}");
    assert!(
        uncertain(&b).contains("`var.boundary` at ./main.tf:10:26"),
        "{b:#}"
    );
}

#[test]
fn public_is_unchanged_by_identity_policies() {
    // Anonymous callers and other accounts do not use the owner's identity policies.
    let out = run_in(
        &root(),
        &["public", "--format", "json", &format!("{DIR}/{TF}")],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["buckets"][0]["verdict"], "not-public", "{v:#}");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn thousands_of_roles_stay_bounded_and_the_rest_keep_the_assumed_policies() {
    let dir = tempfile::tempdir().unwrap();
    let from = root().join(DIR).join(FOLDER);
    for sub in ["example-data", "account"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        for f in std::fs::read_dir(from.join(sub)).unwrap() {
            let f = f.unwrap().path();
            std::fs::copy(&f, dir.path().join(sub).join(f.file_name().unwrap())).unwrap();
        }
    }
    let details = dir.path().join("account/authorization-details.json");
    let mut d: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&details).unwrap()).unwrap();
    let roles = d["RoleDetailList"].as_array_mut().unwrap();
    for i in 0..300 {
        roles.push(serde_json::json!({
            "Path": "/", "RoleName": format!("r{i}"),
            "Arn": format!("arn:aws:iam::000000000000:role/r{i}"),
            "RolePolicyList": [], "AttachedManagedPolicies": []
        }));
    }
    std::fs::write(&details, d.to_string()).unwrap();
    let b = who_can_in(dir.path(), ".");
    assert_eq!(b["own_identity"].as_array().unwrap().len(), 256);
    assert!(
        uncertain(&b).contains("49 more roles and users of the account are listed"),
        "{b:#}"
    );
    // The first ones are still answered with their own policies.
    assert_eq!(actions_of(&b, &role("reader")), ["s3:GetObject"], "{b:#}");
}

const BOUNDARY_WITH_UNKNOWN: &str = r#"variable "allowed" {}

resource "aws_s3_bucket" "data" {
  bucket = "example-data"
}

resource "aws_iam_role" "bounded" {
  name                 = "bounded"
  assume_role_policy   = "{}"
  permissions_boundary = aws_iam_policy.boundary.arn
  inline_policy {
    name   = "all"
    policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }] })
  }
}

resource "aws_iam_policy" "boundary" {
  name   = "boundary"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = var.allowed, Resource = "*" }] })
}
"#;

#[test]
fn a_value_not_known_in_a_boundary_is_read_at_its_widest_and_said() {
    let dir = module(BOUNDARY_WITH_UNKNOWN);
    let (d, text) = query_in(dir.path(), "main.tf", "role/bounded", "s3:PutObject");
    assert_eq!(d, "Allow", "{text}");
    assert!(
        text.contains("uncertain: `var.allowed` at ./main.tf:19:91 in identity policy `aws_iam_policy.boundary`"),
        "{text}"
    );
    let b = who_can_in(dir.path(), "main.tf");
    assert!(actions_of(&b, &role("bounded")).len() > 100, "{b:#}");
    assert!(
        uncertain(&b).contains("`var.allowed` at ./main.tf:19:91"),
        "{b:#}"
    );
}
