//! `lint` runs the bucket-level audit of bucket folders on every bucket an IaC unit declares
//! (docs/iac.md, "The bucket audit"): findings at their place in the IaC text, named by the
//! resource, no confident finding on a value not known offline.

use std::process::Command;

/// `lint --format json` on `file` (written into a fresh directory as `name`): (code, line,
/// address) of each finding.
fn lint(name: &str, text: &str) -> Vec<(String, u64, String)> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .current_dir(dir.path())
        .args(["lint", "--no-config", "--format", "json", name])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["address"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn has(found: &[(String, u64, String)], code: &str, line: u64, address: &str) -> bool {
    found
        .iter()
        .any(|(c, l, a)| c == code && *l == line && a == address)
}

const LEGACY_TF: &str = r#"resource "aws_s3_bucket" "legacy" {
  bucket = "amzn-s3-demo-legacy"
  acl    = "public-read"
}
"#;

const SPLIT_TF: &str = r#"resource "aws_s3_bucket" "split" {
  bucket = "amzn-s3-demo-split"
}

resource "aws_s3_bucket_acl" "split" {
  bucket = aws_s3_bucket.split.id
  acl    = "public-read"
}
"#;

const BPA_ON_TF: &str = r#"resource "aws_s3_bucket" "b" {
  bucket = "amzn-s3-demo-on"
}

resource "aws_s3_bucket_public_access_block" "b" {
  bucket                  = aws_s3_bucket.b.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
"#;

#[test]
fn a_public_read_acl_in_terraform_is_s105_at_its_line() {
    let found = lint("main.tf", LEGACY_TF);
    assert!(has(&found, "S105", 3, "aws_s3_bucket.legacy"), "{found:?}");
    let found = lint("main.tf", SPLIT_TF);
    assert!(has(&found, "S105", 7, "aws_s3_bucket.split"), "{found:?}");
}

#[test]
fn a_public_read_template_bucket_is_s105() {
    let template = "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  Site:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: amzn-s3-demo-site\n      AccessControl: PublicRead\n";
    let found = lint("template.yaml", template);
    assert!(has(&found, "S105", 7, "Site"), "{found:?}");
}

#[test]
fn block_public_access_all_on_is_no_s501_and_off_is() {
    let found = lint("main.tf", BPA_ON_TF);
    assert!(!found.iter().any(|f| f.0 == "S501"), "{found:?}");
    let off = BPA_ON_TF.replace(
        "block_public_acls       = true",
        "block_public_acls       = false",
    );
    let found = lint("main.tf", &off);
    assert!(has(&found, "S501", 7, "aws_s3_bucket.b"), "{found:?}");
}

#[test]
fn an_unknown_block_public_access_flag_is_a_note_not_s501() {
    let text = format!(
        "variable \"flag\" {{}}\n\n{}",
        BPA_ON_TF.replace(
            "block_public_acls       = true",
            "block_public_acls       = var.flag"
        )
    );
    let found = lint("main.tf", &text);
    assert!(!found.iter().any(|f| f.0 == "S501"), "{found:?}");
    assert!(has(&found, "E016", 9, "aws_s3_bucket.b"), "{found:?}");
}

#[test]
fn a_bucket_without_policy_is_s201_at_the_bucket_once() {
    let found = lint("main.tf", LEGACY_TF);
    let s201: Vec<_> = found.iter().filter(|f| f.0 == "S201").collect();
    assert_eq!(s201.len(), 1, "{found:?}");
    assert!(has(&found, "S201", 1, "aws_s3_bucket.legacy"), "{found:?}");
    // With a TLS Deny in its policy, no S201.
    let with_policy = format!(
        "{LEGACY_TF}\nresource \"aws_s3_bucket_policy\" \"p\" {{\n  bucket = aws_s3_bucket.legacy.id\n  policy = jsonencode({{\n    Version = \"2012-10-17\"\n    Statement = [{{ Effect = \"Deny\", Principal = \"*\", Action = \"s3:*\", Resource = [\"arn:aws:s3:::amzn-s3-demo-legacy\", \"arn:aws:s3:::amzn-s3-demo-legacy/*\"], Condition = {{ Bool = {{ \"aws:SecureTransport\" = \"false\" }} }} }}]\n  }})\n}}\n"
    );
    let found = lint("main.tf", &with_policy);
    assert!(!found.iter().any(|f| f.0 == "S201"), "{found:?}");
}

#[test]
fn the_audit_reads_nothing_outside_the_file_for_a_policy_file() {
    // A plain policy is not an IaC bucket: no bucket-level finding is added to it.
    let found = lint(
        "policy.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}]}"#,
    );
    assert!(
        !found.iter().any(|f| f.0 == "S105" || f.0 == "S501"),
        "{found:?}"
    );
}

#[test]
fn a_tls_deny_holding_an_unknown_is_no_s201_or_s203() {
    // The Deny's resources hold a parameter without a default: the model leaves the Deny out
    // (it may not apply), so "nothing refuses plain HTTP" would be a guess.
    let template = "AWSTemplateFormatVersion: \"2010-09-09\"\nParameters:\n  AppName:\n    Type: String\nResources:\n  Data:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub ${AppName}-data\n  DataPolicy:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: !Ref Data\n      PolicyDocument:\n        Statement:\n          - Effect: Deny\n            Principal: '*'\n            Action: 's3:*'\n            Resource:\n              - !Sub arn:aws:s3:::${AppName}-data\n              - !Sub arn:aws:s3:::${AppName}-data/*\n            Condition:\n              Bool:\n                aws:SecureTransport: false\n";
    let found = lint("template.yaml", template);
    assert!(
        !found.iter().any(|f| f.0 == "S201" || f.0 == "S203"),
        "{found:?}"
    );
    assert!(found.iter().any(|f| f.0 == "E016"), "{found:?}");
}

/// S519 (off by default) on CloudFormation buckets, turned on by the configuration: the
/// bucket's `ObjectLockEnabled: true` enables Object Lock even when its configuration leaves
/// its own `ObjectLockEnabled` out; a configuration without either is reported; a bucket that
/// declares no Object Lock at all is not judged.
#[test]
fn object_lock_missing_on_templates_when_configured() {
    let template = |bucket_level: &str, config: &str| {
        format!(
            "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  Data:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: amzn-s3-demo-data\n{bucket_level}{config}"
        )
    };
    let rule = "      ObjectLockConfiguration:\n        Rule:\n          DefaultRetention:\n            Mode: COMPLIANCE\n            Days: 30\n";
    let s519 = |text: &str, configured: bool| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.yaml"), text).unwrap();
        if configured {
            std::fs::write(
                dir.path().join(".s3-access.toml"),
                "[rules]\nS519 = \"warning\"\n",
            )
            .unwrap();
        }
        let o = Command::new(env!("CARGO_BIN_EXE_s3-access"))
            .current_dir(dir.path())
            .args(["lint", "--format", "json", "t.yaml"])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "S519")
            .count()
    };
    let enabled = template("      ObjectLockEnabled: true\n", rule);
    let not_enabled = template("", rule);
    let undeclared = template("", "");
    assert_eq!(s519(&enabled, true), 0, "{enabled}");
    assert_eq!(s519(&not_enabled, true), 1, "{not_enabled}");
    assert_eq!(s519(&not_enabled, false), 0, "off by default");
    assert_eq!(s519(&undeclared, true), 0, "not declared: not judged");
}
