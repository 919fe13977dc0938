//! `who-can`'s finding formats: `concise` (every caller group, reason and input not judged
//! one a line, then the summary), `github` and `sarif` (the same without the owner's own
//! account; public callers errors, other accounts warnings, AWS services notes), each placed at
//! the granting statement.

use std::path::Path;
use std::process::Command;

/// A partner account's read of everything (statement on line 4), a public read of `reports/*`
/// (line 11).
const POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Partner",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::bkt/*"
    },
    {
      "Sid": "PublicReports",
      "Effect": "Allow",
      "Principal": "*",
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::bkt/reports/*"
    }
  ]
}
"#;

/// A Deny whose condition holds a policy variable (line 4): the answer is uncertain.
const VARIABLE: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Tagged",
      "Effect": "Deny",
      "Principal": "*",
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::other/*",
      "Condition": {"StringNotEquals": {"aws:PrincipalTag/x": "${aws:PrincipalTag/y}"}}
    }
  ]
}
"#;

fn who_can(dir: &Path, format: &str) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args([
            "who-can", "p.json", "v.json", "bad.json", "--format", format,
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn inputs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.json"), POLICY).unwrap();
    std::fs::write(dir.path().join("v.json"), VARIABLE).unwrap();
    std::fs::write(dir.path().join("bad.json"), "{\"Version\": ").unwrap();
    dir
}

const SUMMARY: &str = "2 buckets: 1 open to callers outside the owner's account, 1 uncertain; 1 input not judged (1 error, 0 skipped)";

#[test]
fn concise_has_a_line_per_caller_group_reason_and_input_not_judged() {
    let dir = inputs();
    let (code, out) = who_can(dir.path(), "concise");
    assert_eq!(code, 2, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.last(), Some(&SUMMARY), "{out}");
    assert!(
        lines.contains(&"p.json:11:5: public bucket `bkt`: anyone, anonymously (public (anonymous, or any AWS account)) can `s3:GetObject` (e.g. anonymous s3:GetObject on arn:aws:s3:::bkt/reports/); granted by p.json:11:5 Sid `PublicReports` (bucket policy)"),
        "{out}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(
            "p.json:4:5: other-account bucket `bkt`: the root user of account 444455556666 "
        )),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("p.json:11:5: aws-service ")),
        "{out}"
    );
    // The owner's account is listed; the root user needs no statement: placed at the input.
    assert!(
        lines
            .iter()
            .any(|l| l
                .starts_with("p.json:1:1: same-account bucket `bkt`: the root user of account ")),
        "{out}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("v.json:4:5: uncertain bucket `other`: a condition on `aws:PrincipalTag/x` holds a policy variable")),
        "{out}"
    );
    assert!(
        lines.contains(&"bad.json:1:1: error cannot be judged: 1 error in it"),
        "{out}"
    );
}

#[test]
fn github_annotates_each_group_outside_the_owners_account_by_stratum() {
    let dir = inputs();
    let (code, out) = who_can(dir.path(), "github");
    assert_eq!(code, 2, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.last(), Some(&SUMMARY), "{out}");
    assert!(
        lines.iter().any(|l| l.starts_with(
            "::error file=p.json,line=11,endLine=17,title=public::bucket `bkt`: anyone, anonymously"
        )),
        "{out}"
    );
    assert!(lines.iter().any(|l| l.starts_with("::warning file=p.json,line=4,endLine=10,title=other-account::")), "{out}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("::notice file=p.json,line=11,endLine=17,title=aws-service::")),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("::warning file=v.json,line=4,endLine=11,title=uncertain::")),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("::error file=bad.json,line=1,col=1,title=error::")),
        "{out}"
    );
    assert!(!out.contains("same-account"), "{out}");
}

#[test]
fn sarif_has_a_result_per_annotation_and_follows_the_schema() {
    let dir = inputs();
    let (code, out) = who_can(dir.path(), "sarif");
    assert_eq!(code, 2, "{out}");
    let log: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(crate::sarif_schema::errors_of(&log).is_empty());
    let run = &log["runs"][0];
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    let results = run["results"].as_array().unwrap();
    let (_, github) = who_can(dir.path(), "github");
    assert_eq!(results.len(), github.lines().count() - 1, "{github}");
    let level_of = |rule: &str| -> Vec<&str> {
        results
            .iter()
            .filter(|r| r["ruleId"] == rule)
            .map(|r| r["level"].as_str().unwrap())
            .collect()
    };
    assert!(level_of("public").iter().all(|l| *l == "error") && !level_of("public").is_empty());
    assert!(level_of("other-account").iter().all(|l| *l == "warning"));
    assert!(level_of("aws-service").iter().all(|l| *l == "note"));
    assert!(level_of("same-account").is_empty());
    let public = results.iter().find(|r| r["ruleId"] == "public").unwrap();
    let loc = &public["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "p.json");
    assert_eq!(
        (
            loc["region"]["startLine"].as_u64(),
            loc["region"]["startColumn"].as_u64()
        ),
        (Some(11), Some(5))
    );
    // Results of one statement differ in their fingerprints.
    let mut prints: Vec<String> = results
        .iter()
        .map(|r| r["partialFingerprints"].to_string())
        .collect();
    prints.sort();
    prints.dedup();
    assert_eq!(prints.len(), results.len());
}

#[test]
fn each_group_says_the_conditions_it_depends_on_in_words() {
    // An Allow pinned to a range, uploads that need SSE-KMS, a transport Deny for everything
    // and a VPC endpoint Deny for uploads only: each group names the granting statement's
    // conditions and the Denies its witness escapes only through theirs, never a Deny of
    // another action.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("c.json"),
        r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "Office", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bkt/*",
   "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}},
  {"Sid": "Uploads", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "s3:PutObject",
   "Resource": "arn:aws:s3:::bkt/*", "Condition": {"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}},
  {"Sid": "DenyHTTP", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::bkt", "arn:aws:s3:::bkt/*"],
   "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
  {"Sid": "DenyOutsideVpce", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::bkt/*",
   "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c"}}}
]}"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args(["who-can", "c.json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("conditions: only from `203.0.113.0/24` (Sid `Office`); refused over plain HTTP (Sid `DenyHTTP`)\n"),
        "{text}"
    );
    assert!(
        text.contains("conditions: only with SSE-KMS (Sid `Uploads`); refused over plain HTTP (Sid `DenyHTTP`); refused unless through the VPC endpoint `vpce-1a2b3c` (Sid `DenyOutsideVpce`)\n"),
        "{text}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args(["who-can", "c.json", "--format", "json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let groups = v["buckets"][0]["groups"].as_array().unwrap();
    let anonymous = groups
        .iter()
        .find(|g| g["principal"] == "anyone, anonymously")
        .unwrap();
    assert_eq!(
        anonymous["conditions"],
        serde_json::json!([
            "only from `203.0.113.0/24` (Sid `Office`)",
            "refused over plain HTTP (Sid `DenyHTTP`)"
        ])
    );
}
