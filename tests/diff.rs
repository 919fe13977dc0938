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

/// `diff` exits 1 when new access cannot be ruled out, so the CI formats must say why: an
/// uncertain-only answer is a warning annotation at the statement that makes it uncertain.
#[test]
fn an_uncertain_answer_is_annotated_in_github_and_sarif_never_silent() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let grant = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}"#;
    write(
        d,
        "old.json",
        &format!(r#"{{"Version":"2012-10-17","Statement":[{grant}]}}"#),
    );
    let home = r#"{"Sid":"Home","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/home/${aws:username}/*"}"#;
    write(
        d,
        "new.json",
        &format!("{{\"Version\":\"2012-10-17\",\"Statement\":[{grant},\n{home}]}}"),
    );
    let (code, out, _) = cli(d, &["old.json", "new.json", "--format", "github"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("::warning file=new.json,line=2,col=1,")
            && out.contains("title=uncertain::bucket `bkt`: a Resource holds a policy variable"),
        "{out}"
    );
    let (code, out, _) = cli(d, &["old.json", "new.json", "--format", "sarif"]);
    assert_eq!(code, 1);
    let log: serde_json::Value = serde_json::from_str(&out).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{out}");
    assert_eq!(
        (results[0]["ruleId"].as_str(), results[0]["level"].as_str()),
        (Some("uncertain"), Some("warning"))
    );
    assert!(crate::sarif_schema::errors_of(&log).is_empty());
}

/// The one-line formats show the witness whole: a request without the condition value that
/// lets it in would not be a witness a user can replay.
#[test]
fn one_line_witnesses_carry_their_condition_values() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "old.json", PARTNER);
    write(
        d,
        "new.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}"#,
    );
    let (code, out, _) = cli(d, &["old.json", "new.json", "--format", "concise"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("(e.g. anonymous s3:GetObject on arn:aws:s3:::bkt/")
            && out.contains(" with aws:SourceIp=203.0.113."),
        "{out}"
    );
}

/// A plan whose apply turns an account-only read of `bkt` public (line 4: the planned policy);
/// `acl` is the planned ACL resource's canned ACL and `action` the policy change's action.
fn plan(after_principal: &str, acl: Option<&str>, action: &str) -> String {
    let policy = |p: &str| {
        format!(
            r#""{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":{p},\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::bkt/*\"}}]}}""#
        )
    };
    let acl = acl.map_or(String::new(), |a| {
        format!(
            "{{\"address\":\"module.logs.aws_s3_bucket_acl.b\",\"mode\":\"managed\",\"type\":\"aws_s3_bucket_acl\",\"name\":\"b\",\"values\":{{\"bucket\":\"bkt\",\"acl\":\"{a}\"}}}},\n"
        )
    });
    let before = policy(r#"{\"AWS\":\"111122223333\"}"#);
    format!(
        r#"{{"format_version":"1.2","planned_values":{{"root_module":{{"child_modules":[{{"address":"module.logs","resources":[
{{"address":"module.logs.aws_s3_bucket.b","mode":"managed","type":"aws_s3_bucket","name":"b","values":{{"bucket":"bkt"}}}},
{acl}{{"address":"module.logs.aws_s3_bucket_policy.b","mode":"managed","type":"aws_s3_bucket_policy","name":"b","values":{{"bucket":"bkt",
"policy":{}}}}}]}}]}}}},
"resource_changes":[{{"address":"module.logs.aws_s3_bucket_policy.b","type":"aws_s3_bucket_policy","change":{{"actions":["{action}"],
"before":{{"bucket":"bkt","policy":{before}}},"after":{{}},"after_unknown":{{}}}}}}]}}
"#,
        policy(after_principal)
    )
}

#[test]
fn a_plan_is_a_diff_of_the_buckets_before_and_after_the_apply() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "plan.json", &plan(r#"\"*\""#, None, "update"));
    let (code, out, err) = cli(d, &["--plan", "plan.json"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("module.logs.aws_s3_bucket.b"), "{out}");
    assert!(out.contains("new access:"), "{out}");
    assert!(out.contains("anyone, anonymously"), "{out}");
    // Located at the NEW statement: the planned policy, line 4 of the plan.
    assert!(out.contains("granted by plan.json:4:"), "{out}");
    // The only path given, a plan: the same; GitHub annotations on the planned policy's line.
    let (code, gh, _) = cli(d, &["plan.json", "--format", "github"]);
    assert_eq!(code, 1);
    assert!(gh.contains("::error file=plan.json,line=4,"), "{gh}");
    assert!(
        gh.contains("::module.logs.aws_s3_bucket.b: new access for anyone"),
        "{gh}"
    );
    // SARIF names the resource address as a logical location.
    let (code, sarif, _) = cli(d, &["--plan", "plan.json", "--format", "sarif"]);
    assert_eq!(code, 1);
    assert!(
        sarif.contains(r#""fullyQualifiedName": "module.logs.aws_s3_bucket.b""#),
        "{sarif}"
    );
    let (code, json, _) = cli(d, &["--plan", "plan.json", "--format", "json"]);
    assert_eq!(code, 1);
    assert!(json.contains("module.logs.aws_s3_bucket.b"), "{json}");
    // No change to the policy: no new access, exit 0; the old access listed with --removed.
    write(
        d,
        "same.json",
        &plan(r#"{\"AWS\":\"111122223333\"}"#, None, "no-op"),
    );
    let (code, out, err) = cli(d, &["--plan", "same.json"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 with new access"), "{out}");
    // Back from public to the account: the public read taken away; nothing proven new, but the
    // account's read is uncertain: Block Public Access before the apply (unknown) may have
    // kept the public policy from granting it.
    let back = plan(r#"{\"AWS\":\"111122223333\"}"#, None, "update").replace(
        r#""before":{"bucket":"bkt","policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"111122223333\"}"#,
        r#""before":{"bucket":"bkt","policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\""#,
    );
    write(d, "back.json", &back);
    let (code, out, err) = cli(d, &["--plan", "back.json", "--removed"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("0 with new access"), "{out}");
    assert!(out.contains("may have been allowed before it"), "{out}");
    assert!(out.contains("removed access:"), "{out}");
    assert!(out.contains("anyone, anonymously"), "{out}");
    // Bad input: not a plan, unreadable, cut short, nested 100,000 deep, paths and --plan
    // together: exit 2 with a located error, no panic.
    write(d, "policy.json", PARTNER);
    let text = plan(r#"\"*\""#, None, "update");
    write(d, "cut.json", &text[..text.len() / 2]);
    write(d, "deep.json", &"[".repeat(100_000));
    for args in [
        &["--plan", "policy.json"][..],
        &["--plan", "missing.json"],
        &["--plan", "cut.json"],
        &["--plan", "deep.json"],
        &["--plan", "plan.json", "policy.json"],
    ] {
        let (code, out, err) = cli(d, args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    assert!(
        cli(d, &["--plan", "policy.json"])
            .2
            .contains("not a Terraform plan")
    );
    assert!(
        cli(d, &["--plan", "missing.json"])
            .2
            .contains("cannot read missing.json")
    );
    assert!(cli(d, &["--plan", "cut.json"]).2.contains("cut.json:"));
}

#[test]
fn an_acl_already_public_before_an_apply_is_uncertain_never_new_nor_safe() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The policy does not change; the planned ACL is public-read, but the plan does not say
    // what it was before: maybe public-read already.
    write(
        d,
        "plan.json",
        &plan(
            r#"{\"AWS\":\"111122223333\"}"#,
            Some("public-read"),
            "no-op",
        ),
    );
    let (code, out, err) = cli(d, &["--plan", "plan.json"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("0 with new access"), "{out}");
    assert!(out.contains("UNCERTAIN"), "{out}");
    assert!(out.contains("may have been allowed before it"), "{out}");
    // A private planned ACL with the same policy: nothing can be new.
    write(
        d,
        "private.json",
        &plan(r#"{\"AWS\":\"111122223333\"}"#, Some("private"), "no-op"),
    );
    let (code, out, err) = cli(d, &["--plan", "private.json"]);
    assert_eq!(code, 0, "{out}{err}");
}

/// A plan whose `aws_s3_bucket_acl` grants (an `access_control_policy`) go from `before` to
/// `after` (`true`: a READ grant to All Users besides the owner's), Block Public Access and
/// Object Ownership given before and after; the planned grants on line 6.
fn grants_plan(before: bool, after: bool) -> String {
    let acp = |public: bool| {
        let all = r#",{"grantee":[{"type":"Group","uri":"http://acs.amazonaws.com/groups/global/AllUsers"}],"permission":"READ"}"#;
        format!(
            r#"{{"bucket":"bkt","acl":null,"access_control_policy":[{{"grant":[{{"grantee":[{{"type":"CanonicalUser","id":"abc"}}],"permission":"FULL_CONTROL"}}{}],"owner":[{{"id":"abc"}}]}}]}}"#,
            if public { all } else { "" }
        )
    };
    let bpa = r#"{"bucket":"bkt","block_public_acls":false,"ignore_public_acls":false,"block_public_policy":true,"restrict_public_buckets":true}"#;
    let own = r#"{"bucket":"bkt","rule":[{"object_ownership":"ObjectWriter"}]}"#;
    let res = |t: &str, v: &str| {
        format!(r#"{{"address":"{t}.b","mode":"managed","type":"{t}","name":"b","values":{v}}}"#)
    };
    let change = |t: &str, b: &str, a: &str| {
        format!(
            r#"{{"address":"{t}.b","mode":"managed","type":"{t}","name":"b","change":{{"actions":["update"],"before":{b},"after":{a},"after_unknown":{{}}}}}}"#
        )
    };
    let bucket = r#"{"bucket":"bkt"}"#;
    format!(
        "{{\"format_version\":\"1.2\",\"planned_values\":{{\"root_module\":{{\"resources\":[\n{},\n{},\n{},\n\n{}\n]}}}},\n\"resource_changes\":[{},\n{},\n{},\n{}]}}\n",
        res("aws_s3_bucket", bucket),
        res("aws_s3_bucket_public_access_block", bpa),
        res("aws_s3_bucket_ownership_controls", own),
        res("aws_s3_bucket_acl", &acp(after)),
        change("aws_s3_bucket", bucket, bucket),
        change("aws_s3_bucket_acl", &acp(before), &acp(after)),
        change("aws_s3_bucket_public_access_block", bpa, bpa),
        change("aws_s3_bucket_ownership_controls", own, own),
    )
}

#[test]
fn a_plan_whose_acl_grants_open_the_bucket_is_new_access() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "opens.json", &grants_plan(false, true));
    let (code, out, err) = cli(d, &["--plan", "opens.json"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("1 with new access"), "{out}");
    assert!(
        out.contains("e.g. anonymous s3:ListBucket on arn:aws:s3:::bkt")
            && out.contains("granted by an ACL grant of READ to AllUsers"),
        "{out}"
    );
    assert!(!out.contains("UNCERTAIN"), "{out}");
    // The same grants before and after: nothing new, and nothing uncertain.
    write(d, "same.json", &grants_plan(true, true));
    let (code, out, err) = cli(d, &["--plan", "same.json"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 with new access"), "{out}");
    // Closing it: nothing new; the public read is removed.
    write(d, "closes.json", &grants_plan(true, false));
    let (code, out, err) = cli(d, &["--plan", "closes.json", "--removed"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("removed access:") && out.contains("anyone, anonymously"),
        "{out}"
    );
}

/// A Terraform bucket whose policy reads `principal`; the policy's statement on line 9.
fn terraform(principal: &str) -> String {
    format!(
        r#"resource "aws_s3_bucket" "b" {{
  bucket = "bkt"
}}

resource "aws_s3_bucket_policy" "b" {{
  bucket = aws_s3_bucket.b.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Principal = {principal}
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::bkt/*"
    }}]
  }})
}}
"#
    )
}

const ACCOUNT: &str = r#"{ AWS = "arn:aws:iam::111122223333:root" }"#;

#[test]
fn two_terraform_files_are_paired_by_bucket_address() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "old/main.tf", &terraform(ACCOUNT));
    write(d, "new/main.tf", &terraform(r#""*""#));
    let (code, out, err) = cli(d, &["old/main.tf", "new/main.tf"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("old/main.tf#aws_s3_bucket.b -> new/main.tf#aws_s3_bucket.b"),
        "{out}"
    );
    assert!(out.contains("granted by new/main.tf:9:18"), "{out}");
    let (code, out, err) = cli(d, &["old/main.tf", "old/main.tf"]);
    assert_eq!(code, 0, "{out}{err}");
    // OLD's principal not known offline (read as `*`) must not hide the new public read.
    let unknown = terraform("var.reader") + "variable \"reader\" {}\n";
    write(d, "unknown/main.tf", &unknown);
    let (code, out, err) = cli(d, &["unknown/main.tf", "new/main.tf"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("UNCERTAIN"), "{out}");
    assert!(
        out.contains("`var.reader` at unknown/main.tf:11:19"),
        "{out}"
    );
}

#[test]
fn a_terraform_directory_is_compared_with_a_git_revision() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "infra/main.tf", &terraform(ACCOUNT));
    git(d, &["init", "-q"]);
    git(d, &["add", "--all"]);
    git(d, &["commit", "-q", "-m", "one"]);
    let (code, out, err) = cli(d, &["--base", "HEAD", "infra/"]);
    assert_eq!(code, 0, "{out}{err}");
    write(d, "infra/main.tf", &terraform(r#""*""#));
    let (code, out, err) = cli(d, &["--base", "HEAD", "infra/", "--format", "github"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("::error file=infra/main.tf,line=9,"), "{out}");
}

#[test]
fn a_policy_known_only_after_the_apply_makes_the_plan_diff_uncertain() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let plan = plan(r#"{\"AWS\":\"111122223333\"}"#, None, "update").replace(
        r#""after_unknown":{}"#,
        r#""after_unknown":{"policy":true}"#,
    );
    // The planned policy's value left out, as Terraform writes one known only after apply.
    let mut lines: Vec<String> = plan.lines().map(str::to_string).collect();
    lines[2] = lines[2].trim_end_matches(',').to_string();
    lines[3] = "}}]}]}},".to_string();
    let plan = lines.join("\n");
    write(d, "plan.json", &plan);
    let (code, out, err) = cli(d, &["--plan", "plan.json"]);
    assert_eq!(code, 1, "{plan}\n{out}{err}");
    assert!(out.contains("UNCERTAIN"), "{out}");
    assert!(out.contains("is not known before apply"), "{out}");
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
    // One line per granting statement, naming every kind of caller it newly lets in (here
    // the one public statement: anonymous callers, other accounts, services), as many lines as
    // github annotations.
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].contains("and 6 more kinds of caller")
            && lines[0].contains("the root user of any other AWS account")
            && lines[0].contains("AWS services: the service `logging.s3.amazonaws.com`"),
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

/// A plan of bucket `bkt` with its ACL, Block Public Access and Object Ownership resources:
/// `before` and `after` give each resource's canned ACL and the flags (all four alike).
fn plan_with_settings(acl: (&str, &str), bpa: (bool, bool)) -> String {
    let res = |t: &str, v: String| {
        format!(
            r#"{{"address":"aws_s3_bucket{t}.b","mode":"managed","type":"aws_s3_bucket{t}","name":"b","values":{v}}}"#
        )
    };
    let change = |t: &str, before: String, after: String| {
        format!(
            r#"{{"address":"aws_s3_bucket{t}.b","mode":"managed","type":"aws_s3_bucket{t}","change":{{"actions":["update"],"before":{before},"after":{after},"after_unknown":{{}}}}}}"#
        )
    };
    let acl_v = |a: &str| format!(r#"{{"bucket":"bkt","acl":"{a}"}}"#);
    let bpa_v = |on: bool| {
        format!(
            r#"{{"bucket":"bkt","block_public_acls":{on},"ignore_public_acls":{on},"block_public_policy":{on},"restrict_public_buckets":{on}}}"#
        )
    };
    let own = r#"{"bucket":"bkt","rule":[{"object_ownership":"BucketOwnerPreferred"}]}"#;
    format!(
        r#"{{"format_version":"1.2","planned_values":{{"root_module":{{"resources":[
{},
{},
{},
{}]}}}},
"resource_changes":[
{},
{},
{}]}}
"#,
        res("", r#"{"bucket":"bkt"}"#.into()),
        res("_acl", acl_v(acl.1)),
        res("_public_access_block", bpa_v(bpa.1)),
        res("_ownership_controls", own.into()),
        change("_acl", acl_v(acl.0), acl_v(acl.1)),
        change("_public_access_block", bpa_v(bpa.0), bpa_v(bpa.1)),
        change("_ownership_controls", own.into(), own.into()),
    )
}

#[test]
fn a_plan_with_settings_before_the_apply_is_an_exact_diff() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Public-read before and after, Block Public Access off on both sides: nothing is new,
    // and the plan says so for certain (before, this was "may have been allowed before it").
    write(
        d,
        "same.json",
        &plan_with_settings(("public-read", "public-read"), (false, false)),
    );
    let (code, out, err) = cli(d, &["--plan", "same.json"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 with new access"), "{out}");
    assert!(!out.contains("UNCERTAIN"), "{out}");
    // Private before, public-read after: new access, certain, for anyone.
    write(
        d,
        "open.json",
        &plan_with_settings(("private", "public-read"), (false, false)),
    );
    let (code, out, err) = cli(d, &["--plan", "open.json"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("new access:"), "{out}");
    assert!(out.contains("anyone"), "{out}");
    assert!(!out.contains("may have been allowed before it"), "{out}");
    // The public ACL kept, Block Public Access turned off by the apply: new access.
    write(
        d,
        "unblock.json",
        &plan_with_settings(("public-read", "public-read"), (true, false)),
    );
    let (code, out, err) = cli(d, &["--plan", "unblock.json"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("new access:"), "{out}");
    // Removed with --removed: public before, private after.
    write(
        d,
        "close.json",
        &plan_with_settings(("public-read", "private"), (false, false)),
    );
    let (code, out, err) = cli(d, &["--plan", "close.json", "--removed"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("removed access:"), "{out}");
}
