//! `lint` on infrastructure as code, through the binary: Terraform modules, plans and
//! CloudFormation templates found and read, findings named by their resource in every format,
//! unknowns noted (E016), suppression comments, and other JSON and YAML skipped quietly.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn lint_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .current_dir(dir)
        .arg("lint")
        .arg("--no-config")
        .args(args)
        .output()
        .unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iac")
}

/// A fresh directory with `files` (path, text) written into it.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

const PUBLIC_TF: &str = r#"variable "principal" {}

resource "aws_s3_bucket_policy" "p" {
  bucket = "amzn-s3-demo-bucket"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = var.principal }, Action = "s3:GetObject", Resource = "arn:aws:s3:::amzn-s3-demo-bucket/*" }]
  })
}
"#;

#[test]
fn a_tf_file_is_read_with_its_module_and_var_files() {
    let dir = tree(&[
        ("main.tf", PUBLIC_TF),
        (
            "vars.tf",
            "# the variable's default lives in another file of the module\n",
        ),
        ("prod.tfvars", "principal = \"*\"\n"),
    ]);
    // Without a value the principal is unknown: a note, never a clean "no finding".
    let o = lint_in(dir.path(), &["main.tf", "--format", "concise"]);
    let text = out(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "main.tf:7:58: E016 uncertain: `var.principal` at 7:58 is not known before apply"
        ) && text.contains("(in aws_s3_bucket_policy.p)"),
        "{text}"
    );
    // With the value the public grant is found, in the .tf line, named by its address.
    let o = lint_in(
        dir.path(),
        &[
            "main.tf",
            "--var-file",
            "prod.tfvars",
            "--format",
            "concise",
        ],
    );
    let text = out(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains("main.tf:7:50: S101") && text.contains("(in aws_s3_bucket_policy.p)"),
        "{text}"
    );
    assert!(!text.contains("E016"), "{text}");
    // terraform.tfvars is read as Terraform reads it.
    std::fs::rename(
        dir.path().join("prod.tfvars"),
        dir.path().join("terraform.tfvars"),
    )
    .unwrap();
    let o = lint_in(dir.path(), &[".", "--format", "concise"]);
    assert!(out(&o).contains("S101"), "{}", out(&o));
    // A var file that does not exist is a usage error.
    let o = lint_in(dir.path(), &["main.tf", "--var-file", "missing.tfvars"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn every_format_names_the_resource() {
    let dir = tree(&[
        ("main.tf", PUBLIC_TF),
        ("terraform.tfvars", "principal = \"*\"\n"),
    ]);
    let json: serde_json::Value =
        serde_json::from_slice(&lint_in(dir.path(), &["--format", "json"]).stdout).unwrap();
    let s101 = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "S101")
        .unwrap();
    assert_eq!(s101["address"], "aws_s3_bucket_policy.p");
    assert_eq!(
        (s101["line"].as_u64(), s101["file"].as_str()),
        (Some(7), Some("./main.tf"))
    );
    let files = json["files"].as_array().unwrap();
    assert_eq!(files[0]["document"]["type"], "iac");
    let sarif: serde_json::Value =
        serde_json::from_slice(&lint_in(dir.path(), &["--format", "sarif"]).stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let logical = &r["locations"][0]["logicalLocations"][0];
        assert_eq!(logical["kind"], "resource");
        assert_eq!(logical["fullyQualifiedName"], "aws_s3_bucket_policy.p");
    }
    let github = out(&lint_in(dir.path(), &["--format", "github"]));
    assert!(
        github.contains("file=main.tf,line=7") && github.contains("(in aws_s3_bucket_policy.p)"),
        "{github}"
    );
    let human = out(&lint_in(dir.path(), &[]));
    assert!(human.contains("here, in aws_s3_bucket_policy.p"), "{human}");
}

#[test]
fn plans_and_templates_are_linted_where_they_were_errors_before() {
    let plan = fixtures().join("terraform/plan");
    let o = lint_in(&plan, &[".", "--format", "concise"]);
    let text = out(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains("P107") && text.contains("(in module.logs.aws_s3_bucket_policy.this)"),
        "{text}"
    );
    assert!(!text.contains("E007"), "{text}");
    let cfn = fixtures().join("cloudformation");
    for file in ["site.yaml", "site.json"] {
        let o = lint_in(&cfn, &[file, "--format", "concise"]);
        let text = out(&o);
        assert!(
            text.contains("P204") && text.contains("(in Reader.Policies[read])"),
            "{file}: {text}"
        );
        assert!(!text.contains("E001"), "{file}: {text}");
        // The two variants of an undecided Fn::If report one finding per place.
        assert_eq!(text.matches(": P107 ").count(), 1, "{file}: {text}");
    }
}

#[test]
fn other_json_and_yaml_are_skipped_quietly_but_misspelt_policies_are_not() {
    let dir = tree(&[
        (
            "package.json",
            r#"{"name": "x", "version": "1.0.0", "scripts": {}}"#,
        ),
        ("tsconfig.json", r#"{"compilerOptions": {"strict": true}}"#),
        (".github/workflows/ci.yml", "on: push\njobs: {}\n"),
        ("config.yaml", "server:\n  port: 8080\n"),
        ("typo.json", r#"{"Version": "2012-10-17", "Statment": []}"#),
        (
            "statement.json",
            r#"{"Effect": "Allow", "Action": "s3:GetObject"}"#,
        ),
        ("lower.json", r#"{"statement": []}"#),
        (
            "template.yaml",
            "Resources:\n  B:\n    Type: AWS::S3::Bucket\n",
        ),
    ]);
    let o = lint_in(dir.path(), &["--format", "concise", "--verbose"]);
    let text = out(&o);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !text.contains("package.json") && !text.contains("tsconfig.json"),
        "{text}"
    );
    assert!(!text.contains("config.yaml"), "{text}");
    assert!(text.contains("typo.json:1:27: P101"), "{text}");
    assert!(text.contains("statement.json:1:1: E007"), "{text}");
    assert!(text.contains("lower.json:1:2: P101"), "{text}");
    assert!(
        text.contains("3 files skipped: not AWS documents"),
        "{text}"
    );
    assert!(
        err.contains("skipped ./package.json: not an AWS document")
            && err.contains("skipped ./config.yaml"),
        "{err}"
    );
    // Named on the command line, a file is always read.
    let o = lint_in(
        dir.path(),
        &["package.json", "config.yaml", "--format", "concise"],
    );
    let text = out(&o);
    assert!(text.contains("package.json:1:1: E007"), "{text}");
    assert!(
        text.contains(
            "config.yaml:1:1: E007 this YAML is neither a policy nor a recognised AWS document"
        ),
        "{text}"
    );
}

#[test]
fn suppression_comments_cover_their_block() {
    let suppressed = PUBLIC_TF.replace(
        "resource \"aws_s3_bucket_policy\"",
        "# s3-access: ignore S101,S201 a public website bucket, reviewed\nresource \"aws_s3_bucket_policy\"",
    );
    let dir = tree(&[
        ("main.tf", &suppressed),
        ("terraform.tfvars", "principal = \"*\"\n"),
    ]);
    let o = lint_in(dir.path(), &["--format", "concise"]);
    let text = out(&o);
    assert!(!text.contains("S101") && !text.contains("S201"), "{text}");
    assert!(text.contains("suppressed"), "{text}");
    // Without a reason the comment still suppresses, and says it lacks one.
    let bare = PUBLIC_TF.replace(
        "resource \"aws_s3_bucket_policy\"",
        "// s3-access: ignore S101\nresource \"aws_s3_bucket_policy\"",
    );
    std::fs::write(dir.path().join("main.tf"), bare).unwrap();
    let text = out(&lint_in(dir.path(), &["--format", "concise"]));
    assert!(!text.contains("S101"), "{text}");
    assert!(
        text.contains("main.tf:3:1: C004 this suppression comment does not say why"),
        "{text}"
    );
}

#[test]
fn placeholders_do_not_raise_grammar_findings() {
    // The resource ARN is partly unknown: no P301 about the placeholder, one E016 instead.
    let tf = r#"data "aws_s3_bucket" "b" {
  bucket = "x"
}
resource "aws_s3_bucket_policy" "p" {
  bucket = "amzn-s3-demo-bucket"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Deny", Principal = "*", Action = "s3:*", Resource = data.aws_s3_bucket.b.arn,
      Condition = { Bool = { "aws:SecureTransport" = "false" } } }]
  })
}
"#;
    let dir = tree(&[("main.tf", tf)]);
    let text = out(&lint_in(dir.path(), &["--format", "concise"]));
    assert!(text.contains("E016"), "{text}");
    assert!(!text.contains(": P3"), "{text}");
    // A whole `Statement` that is unknown reads as a string: no E008 about it.
    let whole = r#"resource "aws_s3_bucket_policy" "logs" {
  bucket = "amzn-s3-demo-bucket"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = concat(jsondecode(data.aws_iam_policy_document.a.json).Statement)
  })
}
"#;
    std::fs::write(dir.path().join("main.tf"), whole).unwrap();
    let text = out(&lint_in(dir.path(), &["--format", "concise"]));
    assert!(text.contains("main.tf:5:17: E016"), "{text}");
    assert!(!text.contains("E008"), "{text}");
}

#[test]
fn tf_json_is_read_with_its_module_and_located_in_the_json() {
    // Terraform JSON syntax: a public bucket policy from a variable in a `.tf` file of the
    // same directory, the finding at the JSON line and column.
    let policy = r#"{
  "resource": {
    "aws_s3_bucket_policy": {
      "p": {
        "bucket": "amzn-s3-demo-bucket",
        "policy": "${jsonencode({Version = \"2012-10-17\", Statement = [{Effect = \"Allow\", Principal = var.who, Action = \"s3:GetObject\", Resource = \"arn:aws:s3:::amzn-s3-demo-bucket/*\"}]})}"
      }
    }
  }
}
"#;
    let dir = tree(&[
        ("main.tf.json", policy),
        ("vars.tf", "variable \"who\" {\n  default = \"*\"\n}\n"),
    ]);
    let o = lint_in(dir.path(), &["--format", "concise"]);
    let text = out(&o);
    assert!(text.contains("main.tf.json:6:"), "{text}");
    assert!(text.contains(" S101 "), "{text}");
    assert!(!text.contains("E014"), "{text}");
    assert_eq!(o.status.code(), Some(1), "{text}");
    // Named on its own, it is still read with its directory.
    let o = lint_in(dir.path(), &["--format", "concise", "main.tf.json"]);
    assert!(out(&o).contains(" S101 "), "{}", out(&o));
}

#[test]
fn skip_unrecognised_treats_named_files_as_found() {
    let dir = tree(&[
        ("package.json", r#"{"name": "x", "version": "1.0.0"}"#),
        ("typo.json", r#"{"Statment": []}"#),
    ]);
    let o = lint_in(
        dir.path(),
        &[
            "--skip-unrecognised",
            "package.json",
            "typo.json",
            "--format",
            "concise",
        ],
    );
    let text = out(&o);
    assert!(!text.contains("package.json"), "{text}");
    assert!(text.contains("typo.json:1:2: P101"), "{text}");
    assert!(text.contains("1 file skipped: not AWS documents"), "{text}");
}

#[test]
fn a_finding_in_a_policy_document_data_block_names_the_resource_using_it() {
    let dir = fixtures().join("terraform/policy_document");
    let text = out(&lint_in(&dir, &[".", "--format", "concise"]));
    assert!(
        text.contains(
            "main.tf:31:17: P107 `Alow` is not a valid Effect (in aws_s3_bucket_policy.b)"
        ),
        "{text}"
    );
}

/// The summary's `policies` counts the policies IaC files declare, as it counts policy files
/// (issue 12): a Terraform file with a bucket policy and an IAM policy, and a template with one.
#[test]
fn the_summary_counts_the_policies_of_iac_files() {
    let iam_tf = r#"resource "aws_iam_policy" "read" {
  name   = "read"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::amzn-s3-demo-bucket/*" }]
  })
}
"#;
    let template = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: amzn-s3-demo-bucket
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Deny
            Principal: "*"
            Action: "s3:*"
            Resource: "arn:aws:s3:::amzn-s3-demo-bucket/*"
            Condition:
              Bool:
                aws:SecureTransport: "false"
"#;
    let dir = tree(&[
        ("tf/main.tf", PUBLIC_TF),
        ("tf/iam.tf", iam_tf),
        ("cfn/template.yaml", template),
    ]);
    let policies = |args: &[&str]| {
        let o = lint_in(dir.path(), args);
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        doc["summary"]["policies"].as_u64().unwrap()
    };
    assert_eq!(policies(&["tf", "--format", "json"]), 2);
    assert_eq!(policies(&["cfn", "--format", "json"]), 1);
    assert_eq!(policies(&[".", "--format", "json"]), 3);
}
