//! Proofs in scenario files (`never`, `no-public`, `no-plain-http`, `only`): proven
//! exhaustively, failed with a counter-example that `decide` allows again here, uncertain
//! (which fails), and located errors for assertions that cannot be read.

use s3_access::eval::{self, Caller, Decision, Graph, Layer, Request};
use s3_access::source::SourceFile;
use std::path::Path;
use std::process::Command;

const OWNER: &str = "111122223333";

/// A scenario over one bucket policy (and no identity policy: callers' own are assumed to
/// allow), with `assertions` as its top-level members.
fn scenario(policy: &str, assertions: &str) -> String {
    format!(
        r#"{{
  "bucket_owner": "{OWNER}",
  "time": "2026-01-01T00:00:00Z",
  "policies": {{"bucket": {policy}}},
  {assertions}
}}
"#
    )
}

const PUBLIC_READ: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
   "Resource": "arn:aws:s3:::bkt/public/*"}]}"#;

const ORG_READ: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "OrgRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
   "Resource": "arn:aws:s3:::bkt/*",
   "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}},
  {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "444455556666"},
   "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::bkt"}]}"#;

fn check(dir: &Path, text: &str) -> (i32, serde_json::Value, String) {
    let path = dir.join("s.json");
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args(["check", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let doc = serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or(-1), doc, err)
}

fn row<'a>(doc: &'a serde_json::Value, starts: &str) -> &'a serde_json::Value {
    doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["request"].as_str().unwrap().starts_with(starts))
        .unwrap_or_else(|| panic!("no row {starts} in {doc}"))
}

/// Decides a counter-example again, here, on the bucket policy plus the assumed identity
/// policy the proof used.
fn allowed(policy: &str, example: &serde_json::Value) -> bool {
    let mut g = Graph::new();
    eval::add_source(&mut g, SourceFile::new("b.json", policy), Layer::Bucket, 0).unwrap();
    let any =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    eval::add_source(&mut g, SourceFile::new("i.json", any), Layer::Identity, 0).unwrap();
    let mut context = Vec::new();
    for kv in example["context"].as_array().unwrap() {
        for v in kv["values"].as_array().unwrap() {
            context.push((
                kv["key"].as_str().unwrap().to_string(),
                v.as_str().unwrap().to_string(),
            ));
        }
    }
    let r = Request::new(
        Caller::parse(example["caller"].as_str().unwrap()).unwrap(),
        example["action"].as_str().unwrap(),
        example["resource"].as_str().unwrap(),
        Some(OWNER),
        &context,
        1_767_225_600,
    );
    eval::decide(&g, &r, false).decision == Decision::Allow
}

#[test]
fn a_public_grant_fails_never_anonymous_and_no_public_with_a_counter_example() {
    let dir = tempfile::tempdir().unwrap();
    let text = scenario(
        PUBLIC_READ,
        r#""never": [{"principal": "anonymous", "action": "s3:GetObject"},
                     {"principal": "anonymous", "action": "s3:PutObject"}],
  "no-public": true"#,
    );
    let (code, doc, err) = check(dir.path(), &text);
    assert_eq!(code, 1, "{err}");
    let get = row(&doc, "never anonymous s3:GetObject");
    assert_eq!(get["decision"], "counter-example");
    assert_eq!(get["passed"], false);
    let example = &get["result"]["counter_example"];
    assert_eq!(example["caller"], "anonymous");
    assert!(
        example["resource"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:s3:::bkt/public/")
    );
    assert!(allowed(PUBLIC_READ, example));
    assert_eq!(get["result"]["statements"][0]["sid"], "PublicRead");
    assert_eq!(get["result"]["statements"][0]["line"], 5);
    // Nobody anonymous can write: proven.
    assert_eq!(
        row(&doc, "never anonymous s3:PutObject")["decision"],
        "proven"
    );
    assert_eq!(row(&doc, "no-public")["decision"], "counter-example");
    // The human output shows the counter-example and the statement.
    let out = Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .arg("check")
        .arg(dir.path().join("s.json"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("counter-example (allowed, replayed through the evaluator): anonymous s3:GetObject on arn:aws:s3:::bkt/public/"),
        "{text}"
    );
    assert!(text.contains("s.json:5:3 Sid `PublicRead`"), "{text}");
}

#[test]
fn outside_org_is_relative_to_the_organisation_of_the_documents() {
    let dir = tempfile::tempdir().unwrap();
    // The documents name one organisation: outside it, nobody reads.
    let text = scenario(
        ORG_READ,
        r#""never": [{"principal": "outside-org", "action": "s3:GetObject"}], "no-public": true"#,
    );
    let (code, doc, err) = check(dir.path(), &text);
    assert_eq!(code, 0, "{err}{doc}");
    assert_eq!(row(&doc, "never outside-org")["decision"], "proven");
    // Against another organisation, the org's members are outside: a counter-example
    // carrying the documents' organisation id.
    let text = scenario(
        ORG_READ,
        r#""organization": "o-zzzzzzzzzz", "never": [{"principal": "outside-org", "action": "s3:GetObject"}]"#,
    );
    let (code, doc, _) = check(dir.path(), &text);
    assert_eq!(code, 1);
    let example = &row(&doc, "never outside-org")["result"]["counter_example"];
    assert!(example.to_string().contains("o-a1b2c3d4e5"), "{example}");
    assert!(allowed(ORG_READ, example));
    // The partner account lists the bucket whatever its organisation.
    let text = scenario(
        ORG_READ,
        r#""never": [{"principal": "outside-org", "action": "s3:ListBucket"}, {"principal": "444455556666"}]"#,
    );
    let (code, doc, _) = check(dir.path(), &text);
    assert_eq!(code, 1);
    let example = &row(&doc, "never outside-org")["result"]["counter_example"];
    assert!(
        example["caller"].as_str().unwrap().contains("444455556666"),
        "{example}"
    );
    assert!(allowed(ORG_READ, example));
    assert_eq!(
        row(&doc, "never 444455556666")["decision"],
        "counter-example"
    );
}

#[test]
fn an_account_no_document_names_is_covered_by_any_other_account() {
    let dir = tempfile::tempdir().unwrap();
    let text = scenario(
        PUBLIC_READ,
        r#""never": [{"principal": "123456789012", "action": "s3:GetObject"}, {"principal": "any-other-account"}]"#,
    );
    let (code, doc, _) = check(dir.path(), &text);
    assert_eq!(code, 1);
    assert_eq!(
        row(&doc, "never 123456789012")["decision"],
        "counter-example"
    );
    assert_eq!(
        row(&doc, "never any-other-account")["decision"],
        "counter-example"
    );
}

#[test]
fn plain_http_and_only() {
    let dir = tempfile::tempdir().unwrap();
    let text = scenario(
        PUBLIC_READ,
        r#""no-plain-http": {"action": "s3:GetObject"},
  "only": [{"principal": "111122223333"}]"#,
    );
    let (code, doc, _) = check(dir.path(), &text);
    assert_eq!(code, 1);
    let http = &row(&doc, "no-plain-http")["result"]["counter_example"];
    assert!(http.to_string().contains(r#""values":["false"]"#), "{http}");
    assert!(allowed(PUBLIC_READ, http));
    let only = &row(&doc, "only")["result"]["counter_example"];
    assert!(!only["caller"].as_str().unwrap().contains(OWNER), "{only}");
    assert!(allowed(PUBLIC_READ, only));
    // Everyone may read public/*: with anonymous and every account admitted for reading,
    // `only` is proven.
    let text = scenario(
        PUBLIC_READ,
        r#""only": [{"principal": "111122223333"}, {"principal": "anonymous", "action": "s3:GetObject"},
           {"principal": "any-other-account", "action": "s3:GetObject"}, {"principal": "outside-org", "action": "s3:GetObject"}],
  "organization": "o-a1b2c3d4e5""#,
    );
    let (code, doc, err) = check(dir.path(), &text);
    assert_eq!(code, 0, "{err}{doc}");
}

#[test]
fn an_assertion_the_engine_cannot_decide_is_uncertain_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let policy = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "Home", "Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:GetObject",
   "Resource": "arn:aws:s3:::bkt/home/${aws:username}/*"}]}"#;
    let text = scenario(
        policy,
        r#""never": [{"principal": "any-other-account", "action": "s3:GetObject"}]"#,
    );
    let (code, doc, _) = check(dir.path(), &text);
    assert_eq!(code, 1);
    let r = row(&doc, "never any-other-account");
    assert_eq!(r["decision"], "uncertain");
    assert_eq!(r["result"]["uncertain"][0]["kind"], "variable");
}

#[test]
fn assertions_that_cannot_be_read_are_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (assertions, message) in [
        (
            r#""never": [{"principal": "nobody"}]"#,
            "is not a principal",
        ),
        (
            r#""never": [{"principal": "anonymous", "actions": "s3:GetObject"}]"#,
            "unknown `never` assertion field `actions`; did you mean `action`?",
        ),
        (
            r#""never": [{"principal": "anonymous", "action": 3}]"#,
            "`action` must be an action",
        ),
        (
            r#""never": [{"principal": "anonymous", "resource": "bkt/*"}]"#,
            "`resource` must be an S3 ARN",
        ),
        (
            r#""never": [{"action": "s3:GetObject"}]"#,
            "missing `principal`",
        ),
        (r#""no-public": "yes""#, "`no-public` must be true or false"),
        (
            r#""no-plain-http": 1"#,
            "`no-plain-http` must be true, false, or an object",
        ),
        (r#""only": []"#, "`only` must be a non-empty array"),
        (
            r#""organization": "o-1", "no-public": true"#,
            "`organization` must be an organization id",
        ),
        (
            r#""never": [{"principal": "outside-org"}]"#,
            "`outside-org` needs the organisation",
        ),
    ] {
        let (code, _, err) = check(dir.path(), &scenario(PUBLIC_READ, assertions));
        assert_eq!(code, 2, "{assertions}: {err}");
        assert!(err.contains(message), "{assertions}: {err}");
        assert!(err.contains("s.json:"), "{assertions}: {err}");
    }
    // Without a bucket name anywhere, an assertion cannot be asked.
    let policy = r#"{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}"#;
    let (code, _, err) = check(dir.path(), &scenario(policy, r#""no-public": true"#));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("the bucket is not known"), "{err}");
    // A scenario of assertions alone, found in a directory, is run (not skipped as other JSON).
    let sub = dir.path().join("tree");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(
        sub.join("a.json"),
        scenario(PUBLIC_READ, r#""no-public": true"#),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .arg("check")
        .arg(&sub)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 passed, 1 failed"));
}

#[test]
fn lint_takes_a_scenario_of_proofs_alone_for_a_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("proofs.json");
    std::fs::write(&path, scenario(PUBLIC_READ, r#""no-public": true"#)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args(["lint", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("E007"), "{text}");
    assert!(text.contains("s3-access scenario"), "{text}");
}

#[test]
fn the_scenarios_kms_key_counts_in_the_proofs() {
    // The bucket policy lets the partner read; the key the objects are encrypted with lets
    // only the owner's account decrypt: with the scenario's `kms`, "the partner never reads"
    // is proven; without it, S3 alone lets the partner read. Writes need no KMS when they ask
    // for another algorithm, so "the partner never writes" fails either way.
    let dir = tempfile::tempdir().unwrap();
    let policy = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "444455556666"},
   "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::bkt/*"}]}"#;
    let key_policy = r#"{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
   "Action": "kms:*", "Resource": "*"}]}"#;
    let assertions = r#""never": [{"principal": "444455556666", "action": "s3:GetObject"},
            {"principal": "444455556666", "action": "s3:PutObject"}]"#;
    let text = |kms: &str| {
        format!(
            r#"{{
  "bucket_owner": "{OWNER}",
  "time": "2026-01-01T00:00:00Z",
  "policies": {{"bucket": {policy}, "key_policy": {key_policy}}},
  {kms}
  {assertions}
}}
"#
        )
    };
    let with = text(r#""kms": {"key": "arn:aws:kms:us-east-1:111122223333:key/k1"},"#);
    let (code, doc, err) = check(dir.path(), &with);
    assert_eq!(code, 1, "{doc} {err}");
    let reads = row(&doc, "never 444455556666 s3:GetObject");
    assert_eq!(reads["decision"], "proven", "{doc}");
    let writes = row(&doc, "never 444455556666 s3:PutObject");
    assert_eq!(writes["decision"], "counter-example", "{doc}");
    let (_, doc, _) = check(dir.path(), &text(""));
    let reads = row(&doc, "never 444455556666 s3:GetObject");
    assert_eq!(reads["decision"], "counter-example", "{doc}");
    // A grant of the key to the partner lets it read again.
    let granted = text(
        r#""kms": {"key": "arn:aws:kms:us-east-1:111122223333:key/k1", "grants": {"Grants": [
      {"GranteePrincipal": "arn:aws:iam::444455556666:root", "Operations": ["Decrypt"]}]}},"#,
    );
    let (_, doc, err) = check(dir.path(), &granted);
    let reads = row(&doc, "never 444455556666 s3:GetObject");
    assert_eq!(reads["decision"], "counter-example", "{doc} {err}");
}
