//! Decisions: every scenario under `policies/scenarios/` gets its expected decision, and the
//! human and JSON renderings of a few traces are snapshotted.

use s3_access::eval::{self, Caller, Graph, Layer, Request};
use s3_access::report::{Style, query};
use s3_access::scenario;
use s3_access::source::SourceFile;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_scenario_gets_its_expected_decision() {
    // The documented scenarios, and the reproductions of bugs the differential test found.
    let dirs = vec![
        root().join("policies/scenarios"),
        root().join("scripts/difftest/repro"),
    ];
    let mut errors = Vec::new();
    let files = s3_access::lint::collect_files(&dirs, s3_access::lint::Links::Skip, &mut errors);
    assert!(errors.is_empty());
    let mut failures = Vec::new();
    let mut count = 0;
    // Scenarios name policies across the repository (`../valid/...`).
    let tree = s3_access::lint::Root::new(&[root().to_path_buf()], None);
    for path in files {
        let source = SourceFile::new(
            path.display().to_string(),
            std::fs::read_to_string(&path).unwrap(),
        );
        let report = match scenario::run(source, &path, 1_767_225_600, &tree) {
            Ok(r) => r,
            Err(bad) => {
                let text: String = bad
                    .reports
                    .iter()
                    .map(|r| s3_access::report::human(r, Style::Plain))
                    .collect();
                panic!("{} is invalid:\n{text}", path.display());
            }
        };
        for o in &report.outcomes {
            count += 1;
            if !o.passed() {
                failures.push(format!(
                    "{} :: {}: expected {}, got {}\n{}",
                    path.display(),
                    o.name,
                    o.expected.as_str(),
                    o.response.decision.as_str(),
                    query::human(&o.graph, &o.response, &o.request, Style::Plain)
                ));
            }
        }
    }
    assert!(count >= 4, "only {count} requests");
    assert!(
        failures.is_empty(),
        "{} failing requests:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn graph(bucket: &str, identity: &[&str]) -> Graph {
    let mut g = Graph::new();
    eval::add_source(
        &mut g,
        SourceFile::new("bucket-policy.json", bucket),
        Layer::Bucket,
        0,
    )
    .unwrap();
    for (i, p) in identity.iter().enumerate() {
        eval::add_source(
            &mut g,
            SourceFile::new(format!("identity-{i}.json"), *p),
            Layer::Identity,
            0,
        )
        .unwrap();
    }
    g
}

const BUCKET: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DenyInsecureTransport",
      "Effect": "Deny",
      "Principal": "*",
      "Action": "s3:*",
      "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket", "arn:aws:s3:::amzn-s3-demo-bucket/*"],
      "Condition": {"Bool": {"aws:SecureTransport": "false"}}
    },
    {
      "Sid": "PartnerRead",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::444455556666:role/Partner"},
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/shared/*"
    }
  ]
}"#;

const PARTNER_IDENTITY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "ReadPartnerBucket", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*"}
  ]
}"#;

fn request(principal: &str, key: &str, context: &[(&str, &str)]) -> Request {
    let given: Vec<(String, String)> = context
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Request::new(
        Caller::parse(principal).unwrap(),
        "s3:GetObject",
        &format!("arn:aws:s3:::amzn-s3-demo-bucket/{key}"),
        Some("111122223333"),
        &given,
        1_767_225_600,
    )
}

#[test]
fn cross_account_allow_trace() {
    let g = graph(BUCKET, &[PARTNER_IDENTITY]);
    let r = request(
        "arn:aws:sts::444455556666:assumed-role/Partner/etl",
        "shared/report.csv",
        &[],
    );
    let response = eval::decide(&g, &r, true);
    assert_eq!(response.decision, eval::Decision::Allow);
    insta::assert_snapshot!(query::human(&g, &response, &r, Style::Plain));
    insta::assert_json_snapshot!(query::json(&g, &response, &r));
}

#[test]
fn explicit_deny_trace_names_the_statement_and_the_condition_of_the_others() {
    let g = graph(BUCKET, &[PARTNER_IDENTITY]);
    let r = request(
        "arn:aws:sts::444455556666:assumed-role/Partner/etl",
        "shared/report.csv",
        &[("aws:SecureTransport", "false")],
    );
    let response = eval::decide(&g, &r, true);
    assert_eq!(response.decision, eval::Decision::ExplicitDeny);
    insta::assert_snapshot!(query::human(&g, &response, &r, Style::Plain));
}

#[test]
fn implicit_deny_trace_shows_why_nothing_matched() {
    let g = graph(BUCKET, &[PARTNER_IDENTITY]);
    let r = request(
        "arn:aws:sts::444455556666:assumed-role/Partner/etl",
        "private/payroll.csv",
        &[],
    );
    let response = eval::decide(&g, &r, true);
    assert_eq!(response.decision, eval::Decision::ImplicitDeny);
    insta::assert_json_snapshot!(query::json(&g, &response, &r)["trace"]);
}
