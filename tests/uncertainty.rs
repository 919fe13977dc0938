//! The soundness rule where the evaluator meets what it does not model: never a silent
//! "denied" or "allowed". Today that is an unknown condition operator in a Deny
//! (`Uncertainty` in `src/eval/decide.rs`); `docs/robustness.md` lists the cases.

use s3_access::eval::{self, Caller, Decision, Graph, Layer, Request};
use s3_access::json;
use s3_access::policy::{PolicyKind, parse::parse_policy};
use s3_access::report::{self, Style};
use s3_access::source::SourceFile;

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
    let dir = std::env::temp_dir().join(format!("s3a-uncertain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bucket.json");
    std::fs::write(&path, BUCKET).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args([
            "query",
            "--principal",
            "anonymous",
            "--action",
            "s3:GetObject",
        ])
        .args(["--resource", "arn:aws:s3:::b/k", "--bucket-policy"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "no decision may be printed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("P401") && stderr.contains("cannot be evaluated"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
