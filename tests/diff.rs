//! `s3-access diff` and `exact::diff`: the access NEW grants that OLD did not, each finding's
//! witness decided again on both versions; directories paired by relative path; a real git
//! revision as OLD; every output format.

use s3_access::eval::bucket::BucketModel;
use s3_access::eval::{self, Decision};
use s3_access::exact::diff::diff;
use s3_access::exact::who_can::{Stratum, WhoCanOptions};
use s3_access::source::SourceFile;
use std::path::Path;
use std::process::Command;

const NOW: i64 = 1_767_225_600;

const PARTNER: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Partner",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::bkt/*"
    }
  ]
}
"#;

/// PARTNER plus a public read of `reports/*`, the new statement on line 11.
const PUBLIC: &str = r#"{
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

/// PARTNER tightened to `shared/*` over HTTPS.
const TIGHT: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Partner",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::bkt/shared/*",
      "Condition": {"Bool": {"aws:SecureTransport": "true"}}
    }
  ]
}
"#;

fn model(name: &str, text: &str) -> BucketModel {
    BucketModel::from_policy(SourceFile::new(name, text), false).unwrap()
}

fn options() -> WhoCanOptions {
    WhoCanOptions {
        now: NOW,
        ..WhoCanOptions::default()
    }
}

#[test]
fn a_new_public_statement_is_new_access_with_a_witness_both_versions_agree_on() {
    let old = model("old.json", PARTNER);
    let new = model("new.json", PUBLIC);
    let d = diff(Some(&old), Some(&new), &options(), true);
    assert!(d.reasons.is_empty(), "{:?}", d.reasons);
    assert!(d.removed.is_empty());
    let public: Vec<_> = d
        .added
        .iter()
        .filter(|g| g.stratum == Stratum::Public)
        .collect();
    assert!(!public.is_empty());
    let (old_g, new_g) = (d.old.as_ref().unwrap(), d.new.as_ref().unwrap());
    for g in &d.added {
        let r = &g.witness.request;
        assert!(r.resource.starts_with("arn:aws:s3:::bkt/reports/"), "{r:?}");
        assert_eq!(r.action, "s3:GetObject");
        // Decided again, independently of the engine: NEW allows, OLD does not.
        assert_eq!(eval::decide(new_g, r, false).decision, Decision::Allow);
        assert_ne!(eval::decide(old_g, r, false).decision, Decision::Allow);
        let located = g
            .statements
            .iter()
            .filter_map(|id| s3_access::report::query::statement_ref(new_g, *id))
            .find(|s| s.file == "new.json")
            .unwrap();
        assert_eq!((located.line, located.column), (11, 5));
        assert_eq!(located.sid.as_deref(), Some("PublicReports"));
    }
    // The partner kept its access: nothing new for account 444455556666's root.
    assert!(
        !d.added
            .iter()
            .any(|g| g.witness.request.caller.to_string() == "arn:aws:iam::444455556666:root")
    );
}

#[test]
fn tightening_is_no_new_access_and_the_removed_access_is_listed() {
    let d = diff(
        Some(&model("old.json", PARTNER)),
        Some(&model("new.json", TIGHT)),
        &options(),
        true,
    );
    assert!(d.added.is_empty(), "{:?}", d.added);
    let partner = d
        .removed
        .iter()
        .find(|g| g.witness.request.caller.to_string() == "arn:aws:iam::444455556666:root")
        .unwrap();
    let r = &partner.witness.request;
    let old_g = d.old.as_ref().unwrap();
    assert_eq!(eval::decide(old_g, r, false).decision, Decision::Allow);
    assert_ne!(
        eval::decide(d.new.as_ref().unwrap(), r, false).decision,
        Decision::Allow
    );
    let s = s3_access::report::query::statement_ref(old_g, partner.statements[0]).unwrap();
    assert_eq!((s.file.as_str(), s.line), ("old.json", 4));
}

#[test]
fn a_bucket_only_in_new_is_all_new_and_only_in_old_all_removed() {
    let m = model("p.json", PARTNER);
    let added = diff(None, Some(&m), &options(), true);
    assert!(added.removed.is_empty());
    assert!(
        added
            .added
            .iter()
            .any(|g| g.witness.request.caller.to_string() == "arn:aws:iam::444455556666:root")
    );
    let gone = diff(Some(&m), None, &options(), true);
    assert!(gone.added.is_empty());
    assert_eq!(gone.removed.len(), added.added.len());
}

fn cli(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .arg("diff")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn the_command_exits_1_on_new_access_0_on_none_and_2_on_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "old.json", PARTNER);
    write(d, "new.json", PUBLIC);
    write(d, "tight.json", TIGHT);
    write(d, "bad.json", "{\"Version\": ");
    let (code, out, _) = cli(d, &["old.json", "new.json"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("new access:"), "{out}");
    assert!(out.contains("anyone, anonymously"), "{out}");
    assert!(
        out.contains("e.g. anonymous s3:GetObject on arn:aws:s3:::bkt/reports/"),
        "{out}"
    );
    assert!(out.contains("new.json:11:5 Sid `PublicReports`"), "{out}");

    let (code, out, _) = cli(d, &["old.json", "tight.json"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no new access"), "{out}");
    assert!(!out.contains("removed access"), "{out}");
    let (code, out, _) = cli(d, &["old.json", "tight.json", "--removed"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("removed access:"), "{out}");
    assert!(out.contains("old.json:4:5 Sid `Partner`"), "{out}");

    let (code, out, _) = cli(d, &["old.json", "old.json"]);
    assert_eq!(code, 0, "{out}");
    // The scope flags narrow the question as for who-can.
    let (code, out, _) = cli(d, &["old.json", "new.json", "--action", "s3:PutObject"]);
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = cli(
        d,
        &[
            "old.json",
            "new.json",
            "--resource",
            "arn:aws:s3:::bkt/private/*",
        ],
    );
    assert_eq!(code, 0, "{out}");

    let (code, _, err) = cli(d, &["old.json", "bad.json"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = cli(d, &["old.json"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("give OLD and NEW"), "{err}");
}

#[test]
fn directories_are_paired_by_relative_path() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // a: changed; b: only in OLD; c: only in NEW; d: the same in both.
    write(d, "old/team/a.json", PARTNER);
    write(d, "old/b.json", PARTNER);
    write(d, "old/d.json", PUBLIC);
    write(d, "new/team/a.json", PUBLIC);
    write(d, "new/c.json", TIGHT);
    write(d, "new/d.json", PUBLIC);
    let (code, out, err) = cli(d, &["old", "new", "--format", "json", "--removed"]);
    assert_eq!(code, 1, "{out}{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let pairs = doc["pairs"].as_array().unwrap();
    let find = |new: Option<&str>, old: Option<&str>| {
        pairs
            .iter()
            .find(|p| {
                p["new"].as_str().map(|s| s.replace('\\', "/")).as_deref() == new
                    && p["old"].as_str().map(|s| s.replace('\\', "/")).as_deref() == old
            })
            .unwrap_or_else(|| panic!("{new:?} {old:?} in {out}"))
    };
    let a = find(Some("new/team/a.json"), Some("old/team/a.json"));
    assert!(!a["added"].as_array().unwrap().is_empty());
    assert_eq!(a["added"][0]["statements"][0]["sid"], "PublicReports");
    let c = find(Some("new/c.json"), None);
    assert!(!c["added"].as_array().unwrap().is_empty());
    let b = find(None, Some("old/b.json"));
    assert!(b["added"].as_array().unwrap().is_empty());
    assert!(!b["removed"].as_array().unwrap().is_empty());
    let same = find(Some("new/d.json"), Some("old/d.json"));
    assert!(same["added"].as_array().unwrap().is_empty());
    assert!(same["removed"].as_array().unwrap().is_empty());
    assert_eq!(pairs.len(), 4);
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .unwrap()
        .status
        .success();
    assert!(ok, "git {args:?}");
}

#[test]
fn the_working_tree_is_compared_with_a_git_revision() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "policies/bucket.json", PARTNER);
    write(d, "policies/gone.json", TIGHT);
    git(d, &["init", "-q"]);
    git(d, &["add", "--all"]);
    git(d, &["commit", "-q", "-m", "one"]);
    write(d, "policies/bucket.json", PUBLIC);
    git(d, &["commit", "-q", "-a", "-m", "two"]);
    // The working tree is the second commit: against the first, the public statement is new.
    let (code, out, err) = cli(d, &["--base", "HEAD~1", "policies"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("HEAD~1:policies/bucket.json -> policies/bucket.json"),
        "{out}"
    );
    assert!(
        out.contains("policies/bucket.json:11:5 Sid `PublicReports`"),
        "{out}"
    );
    // Against itself, nothing is new; with no path, the whole working tree is compared.
    let (code, out, err) = cli(d, &["--base", "HEAD"]);
    assert_eq!(code, 0, "{out}{err}");
    // A file deleted from the working tree is removed access, with OLD's statement located.
    std::fs::remove_file(d.join("policies/gone.json")).unwrap();
    let (code, out, err) = cli(d, &["--base", "HEAD", "--removed"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("HEAD:policies/gone.json (removed)"), "{out}");
    assert!(
        out.contains("HEAD:policies/gone.json:4:5 Sid `Partner`"),
        "{out}"
    );
    // Named on its own, the deleted file is removed access too, not an unreadable input.
    let (code, out, err) = cli(d, &["--base", "HEAD", "--removed", "policies/gone.json"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("HEAD:policies/gone.json (removed)"), "{out}");
    // Bad revisions and paths outside the tree are input errors.
    let (code, _, err) = cli(d, &["--base", "no-such-ref"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = cli(d, &["--base", "HEAD", "../elsewhere"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn sarif_and_github_annotate_the_granting_line_of_new() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "old.json", PARTNER);
    write(d, "new.json", PUBLIC);
    let (code, out, _) = cli(d, &["old.json", "new.json", "--format", "github"]);
    assert_eq!(code, 1);
    let first = out.lines().next().unwrap();
    assert!(
        first.starts_with("::error file=new.json,line=11,endLine=17,title=new-access::new access for anyone, anonymously"),
        "{out}"
    );
    let (code, out, _) = cli(d, &["old.json", "new.json", "--format", "sarif"]);
    assert_eq!(code, 1);
    let log: serde_json::Value = serde_json::from_str(&out).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    let r = &results[0];
    assert_eq!(r["ruleId"], "new-access");
    let region = &r["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(11), Some(5))
    );
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "new.json"
    );
    assert!(crate::sarif_schema::errors_of(&log).is_empty());
    // No new access: an empty log, exit 0.
    let (code, out, _) = cli(d, &["new.json", "old.json", "--format", "sarif"]);
    assert_eq!(code, 0);
    let log: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(log["runs"][0]["results"].as_array().unwrap().is_empty());
    let (code, out, _) = cli(d, &["new.json", "old.json", "--format", "github"]);
    assert_eq!((code, out.trim()), (0, ""));
}

/// PARTNER plus a Deny whose condition holds a policy variable: no new access, but uncertain.
const VARIABLE: &str = r#"{
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
      "Sid": "Tagged",
      "Effect": "Deny",
      "Principal": "*",
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::bkt/*",
      "Condition": {"StringNotEquals": {"aws:PrincipalTag/x": "${aws:PrincipalTag/y}"}}
    }
  ]
}
"#;

#[test]
fn concise_has_a_line_per_granting_statement_and_per_uncertainty_then_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "old.json", PARTNER);
    write(d, "new.json", PUBLIC);
    write(d, "var.json", VARIABLE);
    let (code, out, _) = cli(d, &["old.json", "new.json", "--format", "concise"]);
    assert_eq!(code, 1, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.last(), Some(&"1 bucket compared: 1 with new access"));
    assert!(
        lines[0].starts_with("new.json:11:5: new-access new access for anyone, anonymously"),
        "{out}"
    );
    // As many lines as github annotations: one per caller group and granting statement.
    assert!(
        lines[..lines.len() - 1]
            .iter()
            .all(|l| l.starts_with("new.json:11:5: new-access ")),
        "{out}"
    );
    let (_, github, _) = cli(d, &["old.json", "new.json", "--format", "github"]);
    assert_eq!(lines.len() - 1, github.lines().count(), "{github}");
    // Uncertainty is never dropped: located at its statement, exit 1.
    let (code, out, _) = cli(d, &["old.json", "var.json", "--format", "concise"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("var.json:11:5: uncertain bucket `bkt`: a condition on `aws:PrincipalTag/x` holds a policy variable"),
        "{out}"
    );
    assert!(
        out.ends_with("1 bucket compared: 0 with new access\n"),
        "{out}"
    );
    // Nothing new: only the summary line, exit 0.
    let (code, out, _) = cli(d, &["new.json", "old.json", "--format", "concise"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "1 bucket compared: 0 with new access\n")
    );
}
