//! The soundness rule where the evaluator meets what it does not model: never a silent
//! "denied" or "allowed". Today that is an unknown condition operator in a Deny
//! (`Uncertainty` in `src/eval/decide/response.rs`); `docs/robustness.md` lists the cases.

use s3_access::eval::{self, Caller, Decision, Graph, Layer, Request};
use s3_access::json;
use s3_access::policy::{PolicyKind, parse::parse_policy};
use s3_access::report::{self, Style};
use s3_access::source::SourceFile;
use std::path::{Path, PathBuf};

const IDENTITY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

/// A bucket policy whose Deny has a misspelt operator, on line 4.
const BUCKET: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
  {"Sid": "OnlyFromVpce", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*",
   "Condition": {"StringNotEqualz": {"aws:SourceVpce": "vpce-1"}}}
]}"#;

/// The graph as a library caller may build it: parsed, without the lint gate.
fn ungated(text: &str, kind: PolicyKind, layer: Layer, g: &mut Graph) {
    let policy = parse_policy(&json::parse(text).unwrap(), kind)
        .policy
        .unwrap();
    g.add(
        SourceFile::new(format!("{layer:?}.json"), text),
        policy,
        layer,
        0,
    );
}

fn request(caller: &str) -> Request {
    Request::new(
        Caller::parse(caller).unwrap(),
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        Some("111122223333"),
        &[],
        1_767_225_600,
    )
}

#[test]
fn an_unknown_operator_in_a_deny_makes_the_answer_uncertain_with_the_place() {
    let mut g = Graph::new();
    ungated(BUCKET, PolicyKind::Bucket, Layer::Bucket, &mut g);
    ungated(IDENTITY, PolicyKind::Identity, Layer::Identity, &mut g);
    for caller in ["anonymous", "arn:aws:iam::111122223333:user/alice"] {
        for explain in [false, true] {
            let r = request(caller);
            let response = eval::decide(&g, &r, explain);
            // The Deny is treated as not matching, so the Allow stands: and that is flagged.
            assert_eq!(response.decision, Decision::Allow);
            assert_eq!(response.uncertain.len(), 1, "{caller}");
            let u = &response.uncertain[0];
            assert!(u.reason.contains("condition operator"), "{}", u.reason);
            let id = u.statement.expect("the statement is named");
            assert_eq!(g.layer_of(id), Some(Layer::Bucket));
            assert_eq!(g.statements[id].index, 1);
            if explain {
                let human = report::query::human(&g, &response, &r, Style::Plain);
                let line = human
                    .lines()
                    .find(|l| l.starts_with("uncertain:"))
                    .unwrap_or_else(|| panic!("no uncertain line in\n{human}"));
                assert!(line.contains("Bucket.json:3:3"), "{line}");
                let doc = report::query::json(&g, &response, &r);
                assert_eq!(doc["uncertain"][0]["statement"]["index"], 1);
            }
        }
    }
}

#[test]
fn an_unknown_operator_that_cannot_change_the_answer_is_not_reported() {
    let mut g = Graph::new();
    ungated(BUCKET, PolicyKind::Bucket, Layer::Bucket, &mut g);
    // The Deny covers s3:* on b/*, not other buckets: for them it does not matter.
    let r = Request::new(
        Caller::Anonymous,
        "s3:GetObject",
        "arn:aws:s3:::other/k",
        Some("111122223333"),
        &[],
        0,
    );
    let response = eval::decide(&g, &r, true);
    assert_eq!(response.decision, Decision::ImplicitDeny);
    assert!(response.uncertain.is_empty());
}

#[test]
fn through_lint_and_query_a_document_with_an_unknown_operator_is_refused_where_it_is() {
    let mut g = Graph::new();
    match eval::add_source(&mut g, SourceFile::new("b.json", BUCKET), Layer::Bucket, 0) {
        Err(eval::LoadError::Invalid(r)) => {
            let f = r
                .findings
                .iter()
                .find(|f| f.finding.code.as_str() == "P401")
                .unwrap();
            assert_eq!((f.start.line, f.start.column), (4, 18));
            assert!(
                f.finding
                    .help
                    .as_deref()
                    .unwrap_or("")
                    .contains("StringNotEquals")
            );
        }
        other => panic!(
            "expected a refusal, got {:?}",
            other.map(|r| r.findings.len())
        ),
    }
    assert!(g.statements.is_empty());
    let (dir, path) = write_file("refused", "bucket.json", BUCKET);
    let out = anonymous_read(&path, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "no decision may be printed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("P401") && stderr.contains("cannot be evaluated"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Writes `text` to `name` in a fresh temporary folder for the test `tag`; returns both.
fn write_file(tag: &str, name: &str, text: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("s3a-uncertain-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// `s3-access query` of an anonymous `s3:GetObject` on `arn:aws:s3:::b/k` under the bucket
/// policy at `path`, with `extra` arguments.
fn anonymous_read(path: &Path, extra: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args([
            "query",
            "--principal",
            "anonymous",
            "--action",
            "s3:GetObject",
        ])
        .args(["--resource", "arn:aws:s3:::b/k"])
        .args(extra)
        .arg("--bucket-policy")
        .arg(path)
        .output()
        .unwrap()
}

/// A bucket policy whose transport Deny names a key AWS never sets (`aws:SecureTransprt`).
const MISSPELT_KEY: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
  {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*",
   "Condition": {"Bool": {"aws:SecureTransprt": "false"}}}
]}"#;

#[test]
fn a_deny_on_a_key_aws_never_sets_is_flagged_with_the_likely_key() {
    let mut g = Graph::new();
    ungated(MISSPELT_KEY, PolicyKind::Bucket, Layer::Bucket, &mut g);
    let response = eval::decide(&g, &request("anonymous"), false);
    assert_eq!(response.decision, Decision::Allow);
    assert_eq!(response.uncertain.len(), 1);
    let u = &response.uncertain[0];
    assert!(u.reason.contains("`aws:SecureTransprt`"), "{}", u.reason);
    assert!(u.reason.contains("`aws:SecureTransport`?"), "{}", u.reason);
    assert_eq!(u.statement.map(|id| g.statements[id].index), Some(1));
}

#[test]
fn a_deny_on_a_known_key_the_request_lacks_is_an_ordinary_answer() {
    // `aws:SourceVpce` is absent from requests that do not come through an endpoint: the
    // Deny not matching them is AWS's behaviour, not a modelling gap.
    let text = MISSPELT_KEY
        .replace("aws:SecureTransprt", "aws:SourceVpce")
        .replace("\"Bool\"", "\"StringEquals\"")
        .replace("\"false\"", "\"vpce-1\"");
    let mut g = Graph::new();
    ungated(&text, PolicyKind::Bucket, Layer::Bucket, &mut g);
    let response = eval::decide(&g, &request("anonymous"), false);
    assert_eq!(response.decision, Decision::Allow);
    assert!(response.uncertain.is_empty(), "{:?}", response.uncertain);
}

#[test]
fn an_unknown_operator_in_an_allow_matters_only_when_nothing_else_allows() {
    let lone = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEqualz":{"aws:username":"alice"}}}]}"#;
    let mut g = Graph::new();
    ungated(lone, PolicyKind::Identity, Layer::Identity, &mut g);
    let alice = "arn:aws:iam::111122223333:user/alice";
    let denied = eval::decide(&g, &request(alice), true);
    assert_eq!(denied.decision, Decision::ImplicitDeny);
    assert_eq!(
        denied.uncertain.len(),
        1,
        "a denial that may be wrong is flagged"
    );
    assert!(
        denied.uncertain[0]
            .reason
            .contains("may be reported as denied")
    );
    // With another Allow granting the request, the unjudged Allow cannot change the answer.
    ungated(IDENTITY, PolicyKind::Identity, Layer::Identity, &mut g);
    let allowed = eval::decide(&g, &request(alice), true);
    assert_eq!(allowed.decision, Decision::Allow);
    assert!(allowed.uncertain.is_empty(), "{:?}", allowed.uncertain);
}

#[test]
fn query_expect_fails_closed_on_an_uncertain_answer() {
    let (dir, path) = write_file("expect", "bucket.json", MISSPELT_KEY);
    let query = |expect: &str| anonymous_read(&path, &["--expect", expect]);
    // The decision printed is Allow, yet an expectation of Allow is not met: the Deny was
    // probably meant to apply, and the caller must look.
    let out = query("Allow");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("aws:SecureTransprt"), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("uncertain"), "{stderr}");
    assert_eq!(query("ExplicitDeny").status.code(), Some(1));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_reports_an_uncertain_request_and_does_not_pass_it() {
    let scenario = format!(
        r#"{{"bucket_owner": "111122223333", "policies": {{"bucket": {MISSPELT_KEY}}},
  "requests": [{{"name": "anonymous read", "principal": "anonymous", "action": "s3:GetObject",
    "resource": "arn:aws:s3:::b/k", "expect": "Allow"}}]}}"#
    );
    let (dir, path) = write_file("check", "scenario.json", &scenario);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .arg("check")
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let row = stdout
        .lines()
        .find(|l| l.starts_with('|') && l.contains("anonymous read"))
        .unwrap_or_else(|| panic!("no row in\n{stdout}"));
    assert!(row.contains("UNCERTAIN"), "{row}");
    assert!(
        stdout
            .contains("0 passed, 1 failed (1 with the expected decision but an uncertain answer)"),
        "{stdout}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
