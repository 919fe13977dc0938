//! VPC endpoint policies (issue 15, item 2): a gate on requests that come through the
//! endpoint (they carry `aws:SourceVpce`), for every caller, the bucket owner and anonymous
//! callers included: the policy must allow, and a Deny there denies; `query --vpce-policy`
//! and the bucket folder's `vpc-endpoints.json`; the exact engine decides requests through
//! the endpoint apart from the others; adding a Deny to the endpoint policy never grants.

use crate::properties::{build, docs};
use proptest::prelude::*;
use s3_access::aws_docs::read::read_str;
use s3_access::aws_docs::vpce::VpcEndpoints;
use s3_access::eval::{self, Caller, Decision, Graph, Layer, Request};
use s3_access::exact::{self, Answer, PrincipalScope, Question, Scope};
use s3_access::query::{self, QueryInput};
use s3_access::source::SourceFile;
use std::path::PathBuf;
use std::process::Command;

const OWNER: &str = "111122223333";
const NOW: i64 = 1_767_225_600;
const VPCE: &str = "vpce-1a2b3c4d";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("policies/vpce")
        .join(name)
}

fn policy(statements: &str) -> String {
    format!(r#"{{"Version": "2012-10-17", "Statement": [{statements}]}}"#)
}

/// The `describe-vpc-endpoints` output of one S3 endpoint `id` with `policy`.
fn describe(id: &str, policy: &str) -> String {
    let quoted = serde_json::Value::String(policy.to_string()).to_string();
    format!(
        r#"{{"VpcEndpoints": [{{"VpcEndpointId": "{id}", "VpcId": "vpc-111bbb22", "ServiceName": "com.amazonaws.us-east-1.s3", "PolicyDocument": {quoted}}}]}}"#
    )
}

/// A graph with `bucket` as the bucket policy (if any) and the endpoints of `endpoints`.
fn graph(bucket: Option<&str>, endpoints: &str) -> Graph {
    let mut g = Graph::new();
    if let Some(b) = bucket {
        eval::add_source(
            &mut g,
            SourceFile::new("bucket.json", b.to_string()),
            Layer::Bucket,
            0,
        )
        .unwrap();
    }
    let loaded = read_str::<VpcEndpoints>("endpoints.json", endpoints).unwrap();
    eval::vpce::add_endpoints(&mut g, &loaded).unwrap();
    g
}

fn request(principal: &str, action: &str, resource: &str, vpce: Option<&str>) -> Request {
    let context: Vec<(String, String)> = vpce
        .map(|v| ("aws:SourceVpce".to_string(), v.to_string()))
        .into_iter()
        .collect();
    Request::new(
        Caller::parse(principal).unwrap(),
        action,
        resource,
        Some(OWNER),
        &context,
        NOW,
    )
}

const PUBLIC_READ: &str = r#"{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}"#;
const ONLY_BKT: &str = r#"{"Sid":"OnlyBkt","Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::bkt/*"}"#;

#[test]
fn the_endpoint_policy_gates_every_caller_through_it() {
    let g = graph(
        Some(&policy(PUBLIC_READ)),
        &describe(VPCE, &policy(ONLY_BKT)),
    );
    let decide = |principal: &str, action: &str, resource: &str, vpce: Option<&str>| {
        eval::decide(&g, &request(principal, action, resource, vpce), true).decision
    };
    // Through the endpoint: its Allow lets the bucket policy's grant through.
    assert_eq!(
        decide(
            "anonymous",
            "s3:GetObject",
            "arn:aws:s3:::bkt/k",
            Some(VPCE)
        ),
        Decision::Allow
    );
    // The bucket owner's root user needs no grant, but the endpoint policy must still allow.
    assert_eq!(
        decide(OWNER, "s3:GetObject", "arn:aws:s3:::other/k", None),
        Decision::Allow
    );
    assert_eq!(
        decide(OWNER, "s3:GetObject", "arn:aws:s3:::other/k", Some(VPCE)),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(OWNER, "s3:DeleteObject", "arn:aws:s3:::bkt/k", Some(VPCE)),
        Decision::ImplicitDeny
    );
    // Another endpoint's policy was not given: this one does not apply; nor without one.
    assert_eq!(
        decide(
            OWNER,
            "s3:DeleteObject",
            "arn:aws:s3:::bkt/k",
            Some("vpce-0other")
        ),
        Decision::Allow
    );
    // The endpoint never grants by itself.
    assert_eq!(
        decide(
            "anonymous",
            "s3:PutObject",
            "arn:aws:s3:::bkt/k",
            Some(VPCE)
        ),
        Decision::ImplicitDeny
    );
}

#[test]
fn a_deny_in_the_endpoint_policy_denies_and_is_located() {
    let g = graph(
        None,
        &std::fs::read_to_string(fixture("describe-vpc-endpoints.json")).unwrap(),
    );
    let r = eval::decide(
        &g,
        &request(
            OWNER,
            "s3:DeleteObject",
            "arn:aws:s3:::amzn-s3-demo-bucket/k",
            Some(VPCE),
        ),
        true,
    );
    assert_eq!(r.decision, Decision::ExplicitDeny);
    let [id] = r.determining.as_slice() else {
        panic!("{:?}", r.determining)
    };
    assert_eq!(g.layer_of(*id), Some(Layer::VpcEndpoint));
    // The gate's verdict names the endpoint when nothing there allows.
    let r = eval::decide(
        &g,
        &request(
            OWNER,
            "s3:GetObject",
            "arn:aws:s3:::elsewhere/k",
            Some(VPCE),
        ),
        true,
    );
    assert_eq!(r.decision, Decision::ImplicitDeny);
    assert!(
        r.layers
            .iter()
            .any(|l| l.verdict.starts_with("denies") && l.verdict.contains(VPCE)),
        "{:?}",
        r.layers
    );
}

#[test]
fn a_policy_without_an_endpoint_id_gates_every_endpoint() {
    let g = graph(None, &policy(ONLY_BKT));
    let decide = |vpce: Option<&str>| {
        eval::decide(
            &g,
            &request(OWNER, "s3:ListBucket", "arn:aws:s3:::bkt", vpce),
            false,
        )
        .decision
    };
    assert_eq!(decide(None), Decision::Allow);
    assert_eq!(decide(Some("vpce-0any")), Decision::ImplicitDeny);
}

fn input(principal: &str, action: &str, resource: &str) -> QueryInput {
    QueryInput {
        principal: principal.into(),
        action: action.into(),
        resource: resource.into(),
        bucket_owner: Some(OWNER.into()),
        ..QueryInput::default()
    }
}

#[test]
fn query_takes_the_files_endpoint_as_the_default_source_vpce() {
    let mut i = input(
        "arn:aws:sts::111122223333:assumed-role/app/s1",
        "s3:GetObject",
        "arn:aws:s3:::amzn-s3-demo-bucket/k",
    );
    i.bucket_policy = Some(fixture("bucket-policy-vpce-only.json"));
    let decide = |i: &QueryInput| {
        let mut notices = Vec::new();
        let q = query::load(i, &mut notices).unwrap_or_else(|_| panic!("{notices:?}"));
        (q.decide(), q.request)
    };
    // Without the endpoint the bucket policy's Deny of every other endpoint decides.
    assert_eq!(decide(&i).0.decision, Decision::ExplicitDeny);
    i.vpce_policy = Some(fixture("describe-vpc-endpoints.json"));
    let (r, request) = decide(&i);
    assert_eq!(r.decision, Decision::Allow, "{:?}", r.layers);
    assert_eq!(eval::vpce::request_endpoint(&request), Some(VPCE));
    assert!(r.notes.iter().any(|n| n.contains("taken to come through")));
    assert_eq!(
        request
            .context
            .get("aws:SourceVpc")
            .and_then(|e| e.values.first())
            .map(String::as_str),
        Some("vpc-111bbb22")
    );
    // The endpoint denies deletes, whatever the bucket policy grants.
    i.action = "s3:DeleteObject".into();
    assert_eq!(decide(&i).0.decision, Decision::ExplicitDeny);
    // A request through another endpoint: this policy does not apply, the bucket's Deny does.
    i.action = "s3:GetObject".into();
    i.context = vec!["aws:SourceVpce=vpce-0other".into()];
    assert_eq!(decide(&i).0.decision, Decision::ExplicitDeny);
    // A policy on its own gates only requests that say they come through an endpoint.
    i.context = Vec::new();
    i.vpce_policy = Some(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vpce/endpoint-policy.json"),
    );
    let (r, request) = decide(&i);
    assert_eq!(eval::vpce::request_endpoint(&request), None);
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("no VPC endpoint policy applies"))
    );
}

#[test]
fn query_refuses_an_invalid_endpoint_policy_with_its_place() {
    let dir = std::env::temp_dir().join(format!("s3a-vpce-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.json");
    // No Principal: AWS refuses an endpoint policy without one.
    let bad = policy(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#);
    std::fs::write(&path, describe(VPCE, &bad)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args(["query", "--principal", OWNER, "--action", "s3:GetObject"])
        .args(["--resource", "arn:aws:s3:::bkt/k", "--vpce-policy"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.json:1:"), "{err}");
    assert!(err.contains("cannot be evaluated"), "{err}");
}

#[test]
fn query_shows_the_endpoint_layer_and_the_denying_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args(["query", "--principal", OWNER, "--action", "s3:DeleteObject"])
        .args(["--resource", "arn:aws:s3:::amzn-s3-demo-bucket/k"])
        .arg("--vpce-policy")
        .arg(fixture("describe-vpc-endpoints.json"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["decision"], "ExplicitDeny");
    let denied = v["trace"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["outcome"] == "matched")
        .unwrap();
    assert_eq!(denied["layer"], "vpc-endpoint");
    assert_eq!(denied["sid"], "No-deletes-through-the-endpoint");
    // Inside the string the CLI prints: line 9 of the file, not of the policy.
    assert_eq!(denied["line"], 9);
}

#[test]
fn a_bucket_folder_reads_its_vpc_endpoints() {
    let dir = std::env::temp_dir().join(format!("s3a-vpce-folder-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("s3-access.json"),
        r#"{"s3-access": 1, "bucket": "bkt", "account": "111122223333"}"#,
    )
    .unwrap();
    std::fs::write(dir.join("policy.json"), policy(PUBLIC_READ)).unwrap();
    std::fs::write(
        dir.join("vpc-endpoints.json"),
        describe(VPCE, &policy(ONLY_BKT)),
    )
    .unwrap();
    let mut i = input(OWNER, "s3:DeleteObject", "arn:aws:s3:::bkt/k");
    i.bucket_owner = None;
    i.bucket = Some(dir.clone());
    let decide = |i: &QueryInput| {
        let mut notices = Vec::new();
        let q = query::load(i, &mut notices).unwrap_or_else(|_| panic!("{notices:?}"));
        q.decide().decision
    };
    // The folder's endpoints gate the requests that come through them only.
    assert_eq!(decide(&i), Decision::Allow);
    i.context = vec![format!("aws:SourceVpce={VPCE}")];
    assert_eq!(decide(&i), Decision::ImplicitDeny);
    // `{}`: no endpoints.
    std::fs::write(dir.join("vpc-endpoints.json"), "{}").unwrap();
    assert_eq!(decide(&i), Decision::Allow);
}

fn question<'g>(graph: &'g Graph, principals: PrincipalScope, actions: &[&str]) -> Question<'g> {
    Question {
        graph,
        bucket: "bkt".into(),
        owner: OWNER.into(),
        now: NOW,
        scope: Scope {
            principals,
            actions: actions.iter().map(|a| a.to_string()).collect(),
            ..Scope::default()
        },
    }
}

#[test]
fn the_engine_decides_requests_through_the_endpoint_apart() {
    // Anonymous reads are allowed outside the endpoint, which denies everything to them.
    let deny_all = policy(r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}"#);
    let g = graph(Some(&policy(PUBLIC_READ)), &describe(VPCE, &deny_all));
    let e = exact::explore(&question(&g, PrincipalScope::Anonymous, &["s3:GetObject"]));
    assert!(e.reasons.is_empty(), "{:?}", e.reasons);
    assert!(!e.findings.is_empty());
    for f in &e.findings {
        assert_ne!(
            eval::vpce::request_endpoint(&f.request),
            Some(VPCE),
            "{f:?}"
        );
    }
    // A bucket reachable only through the endpoint, whose policy allows reads only: no
    // write anywhere, reads only through the endpoint.
    let only_vpce = policy(
        r#"{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::bkt/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}"#,
    );
    let reads =
        policy(r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}"#);
    let g = graph(Some(&only_vpce), &describe(VPCE, &reads));
    let put = exact::ask(&question(&g, PrincipalScope::Anonymous, &["s3:PutObject"]));
    assert!(matches!(put, Answer::No), "{put:?}");
    let get = exact::ask(&question(&g, PrincipalScope::Anonymous, &["s3:GetObject"]));
    let Answer::Yes(f) = get else {
        panic!("{get:?}")
    };
    assert_eq!(eval::vpce::request_endpoint(&f.request), Some(VPCE));
}

#[test]
fn the_engine_keeps_requests_outside_a_policy_without_an_id() {
    // `StringNotEquals` holds both for another endpoint and for no endpoint at all; only the
    // second gets past a policy given without its endpoint id that allows nothing.
    let bucket = policy(
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-0blocked"}}}"#,
    );
    let nothing = policy(
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::nowhere"}"#,
    );
    let g = graph(Some(&bucket), &nothing);
    let a = exact::ask(&question(&g, PrincipalScope::Anonymous, &["s3:GetObject"]));
    let Answer::Yes(f) = a else { panic!("{a:?}") };
    assert_eq!(eval::vpce::request_endpoint(&f.request), None);
}

/// Endpoint policy statements the property draws from.
const ENDPOINT_STATEMENTS: &[&str] = &[
    r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}"#,
    r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}"#,
    r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}}"#,
    r#"{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"*"}"#,
    r#"{"Effect":"Allow","Principal":"*","Action":"s3:List*","Resource":"arn:aws:s3:::bkt"}"#,
];
const DENIES: &[&str] = &[
    r#"{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"*"}"#,
    r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::bkt/k*"}"#,
    r#"{"Effect":"Deny","Principal":"*","NotAction":"s3:ListBucket","Resource":"*"}"#,
    r#"{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
];
const CALLERS: &[&str] = &[
    "anonymous",
    "111122223333",
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:sts::444455556666:assumed-role/Partner/etl",
];
const RESOURCES: &[&str] = &[
    "arn:aws:s3:::bkt/k1",
    "arn:aws:s3:::bkt",
    "arn:aws:s3:::other/x",
];
const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:DeleteObject",
];

fn endpoint_graph(base: &Graph, picks: &[bool], deny: Option<usize>) -> Graph {
    let mut g = base.clone();
    let mut sts: Vec<&str> = ENDPOINT_STATEMENTS
        .iter()
        .zip(picks)
        .filter(|(_, on)| **on)
        .map(|(s, _)| *s)
        .collect();
    if let Some(d) = deny.and_then(|d| DENIES.get(d)) {
        sts.push(d);
    }
    if sts.is_empty() {
        return g;
    }
    let loaded =
        read_str::<VpcEndpoints>("e.json", &describe(VPCE, &policy(&sts.join(",")))).unwrap();
    eval::vpce::add_endpoints(&mut g, &loaded).unwrap();
    g
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn adding_a_deny_to_the_endpoint_policy_never_grants(
        d in docs(),
        picks in proptest::collection::vec(any::<bool>(), ENDPOINT_STATEMENTS.len()),
        deny in 0..DENIES.len(),
        caller in 0..CALLERS.len(),
        action in 0..ACTIONS.len(),
        resource in 0..RESOURCES.len(),
        through in any::<bool>(),
        https in any::<bool>(),
    ) {
        let base = build(&d);
        let mut context = vec![("aws:SecureTransport".to_string(), https.to_string())];
        if through {
            context.push(("aws:SourceVpce".to_string(), VPCE.to_string()));
        }
        let r = Request::new(
            Caller::parse(CALLERS[caller]).unwrap(),
            ACTIONS[action],
            RESOURCES[resource],
            Some(OWNER),
            &context,
            NOW,
        );
        let without = eval::decide(&base, &r, false).decision;
        let before = eval::decide(&endpoint_graph(&base, &picks, None), &r, true).decision;
        let after = eval::decide(&endpoint_graph(&base, &picks, Some(deny)), &r, false).decision;
        // The endpoint policy never grants; a Deny added to it never grants either.
        if without != Decision::Allow {
            prop_assert_ne!(before, Decision::Allow);
        }
        if before != Decision::Allow {
            prop_assert_ne!(after, Decision::Allow);
        }
        // A request that does not come through the endpoint is decided as without it.
        if !through {
            prop_assert_eq!(before, without);
        }
    }
}

/// Hostile endpoint files: located findings, never a panic; sizes a debug build affords.
#[test]
fn hostile_endpoint_files_are_located_errors_or_read() {
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    let cases: Vec<String> = vec![
        // A policy string nested deep: an input-limit error inside the string.
        format!(r#"{{"VpcEndpoints": [{{"VpcEndpointId": "vpce-1", "PolicyDocument": "{deep}"}}]}}"#),
        // A NUL byte and a broken escape inside the embedded policy.
        "{\"VpcEndpoints\": [{\"VpcEndpointId\": \"vpce-1\", \"PolicyDocument\": \"{\\u0000}\"}]}".into(),
        r#"{"VpcEndpoints": [{"VpcEndpointId": "vpce-1", "PolicyDocument": "{\"Statement\": \"\\x\"}"}]}"#.into(),
        // Ids of the wrong type, a list of the wrong type, an empty file.
        r#"{"VpcEndpoints": [{"VpcEndpointId": 7}]}"#.into(),
        r#"{"VpcEndpoints": [1, null, "x"]}"#.into(),
        String::new(),
    ];
    for text in &cases {
        let report =
            read_str::<VpcEndpoints>("h.json", text).expect_err(&text[..text.len().min(80)]);
        assert!(!report.findings.is_empty());
        for f in &report.findings {
            assert!(
                text.get(f.finding.span.start as usize..f.finding.span.end as usize)
                    .is_some()
            );
        }
    }
    // Ten thousand endpoints, each with a policy: read and added, one document each.
    let one = r#"{"VpcEndpointId": "vpce-ID", "ServiceName": "com.amazonaws.us-east-1.s3", "PolicyDocument": "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}"}"#;
    let many: Vec<String> = (0..10_000)
        .map(|i| one.replace("ID", &i.to_string()))
        .collect();
    let text = format!(r#"{{"VpcEndpoints": [{}]}}"#, many.join(","));
    let loaded = read_str::<VpcEndpoints>("many.json", &text).unwrap();
    let mut g = Graph::new();
    eval::vpce::add_endpoints(&mut g, &loaded).unwrap();
    assert_eq!(g.vpc_endpoints.len(), 10_000);
    let r = request(
        OWNER,
        "s3:PutObject",
        "arn:aws:s3:::bkt/k",
        Some("vpce-9999"),
    );
    assert_eq!(eval::decide(&g, &r, false).decision, Decision::ImplicitDeny);
}

#[test]
fn who_can_on_a_bucket_folder_goes_through_its_endpoint() {
    let dir = std::env::temp_dir().join(format!("s3a-vpce-who-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("s3-access.json"),
        r#"{"s3-access": 1, "bucket": "bkt", "account": "111122223333"}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("policy.json"),
        policy(
            r#"{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::bkt/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}"#,
        ),
    )
    .unwrap();
    let reads =
        policy(r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}"#);
    std::fs::write(dir.join("vpc-endpoints.json"), describe(VPCE, &reads)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args(["who-can", "--action", "s3:*Object"])
        .arg(&dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // Reads through the endpoint, with its policy among the statements; no write through it
    // (the owner's root user still writes directly, without an endpoint).
    assert!(text.contains("with aws:SourceVpce=vpce-1a2b3c4d"), "{text}");
    assert!(text.contains("(VPC endpoint policy)"), "{text}");
    assert!(
        !text
            .lines()
            .any(|l| l.contains("s3:PutObject") && l.contains("aws:SourceVpce=")),
        "{text}"
    );
    let anonymous = text.split("anyone, anonymously").nth(1).unwrap();
    let anonymous = anonymous.split("e.g.").next().unwrap();
    assert!(!anonymous.contains("s3:PutObject"), "{text}");
}

#[test]
fn a_source_ip_on_a_request_through_an_endpoint_is_flagged() {
    let mut i = input(OWNER, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/k");
    i.vpce_policy = Some(fixture("describe-vpc-endpoints.json"));
    i.context = vec!["aws:SourceIp=203.0.113.7".into()];
    let mut notices = Vec::new();
    assert!(query::load(&i, &mut notices).is_ok());
    assert!(
        notices
            .iter()
            .any(|n| matches!(n, query::Notice::Input(w) if w.why.contains("aws:VpcSourceIp"))),
        "{notices:?}"
    );
    // Without the endpoint, nothing to say.
    i.vpce_policy = None;
    let mut notices = Vec::new();
    assert!(query::load(&i, &mut notices).is_ok());
    assert!(notices.is_empty(), "{notices:?}");
}

/// `lint` (with the audit) on a text.
fn lint_text(name: &str, text: &str) -> s3_access::lint::FileReport {
    let options = s3_access::lint::LintOptions {
        audit: true,
        ..Default::default()
    };
    s3_access::lint::lint_bytes(name, text.as_bytes().to_vec(), &options)
}

/// `(code, line, column)` of every finding.
fn found(r: &s3_access::lint::FileReport) -> Vec<(&'static str, u32, u32)> {
    r.findings
        .iter()
        .map(|f| (f.finding.code.as_str(), f.start.line, f.start.column))
        .collect()
}

#[test]
fn endpoint_policies_in_describe_output_are_linted_inside_the_string() {
    // A misspelt action inside the PolicyDocument string: P204 at it, as for any embedded
    // policy; before, the file passed as a "VPC endpoint description" not linted.
    let text = describe(
        VPCE,
        &policy(
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObjekt","Resource":"arn:aws:s3:::bkt/*"}"#,
        ),
    );
    let r = lint_text("e.json", &text);
    let [(code, 1, column)] = found(&r)[..] else {
        panic!("{:?}", found(&r))
    };
    assert_eq!(code, "P204");
    let at = text
        .char_indices()
        .nth(column as usize - 1)
        .map(|(i, _)| i)
        .unwrap();
    assert!(
        text[at..].starts_with(r#"\"s3:GetObjekt"#),
        "{}",
        &text[at..]
    );
    assert!(matches!(
        r.file_kind,
        s3_access::lint::FileKind::Policy {
            wrapper: Some("ec2 describe-vpc-endpoints output"),
            ..
        }
    ));
    // The repository's example is clean, and is now counted as a policy.
    let clean = std::fs::read_to_string(fixture("describe-vpc-endpoints.json")).unwrap();
    assert!(found(&lint_text("d.json", &clean)).is_empty());
    // A PolicyDocument that is not JSON is a located error, not a document passed over.
    let broken = r#"{"VpcEndpoints": [{"VpcEndpointId": "vpce-1", "PolicyDocument": "{nope"}]}"#;
    let r = lint_text("b.json", broken);
    assert!(
        r.findings
            .iter()
            .any(|f| f.finding.message.contains("not a JSON policy")),
        "{:?}",
        found(&r)
    );
    assert_eq!(r.max_severity(), Some(s3_access::registry::Severity::Error));
}

#[test]
fn s522_flags_the_default_full_access_policy_of_a_gateway_endpoint_only() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies/audit/S522");
    let codes = |name: &str| -> Vec<&'static str> {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        lint_text(name, &text)
            .findings
            .iter()
            .map(|f| f.finding.code.as_str())
            .filter(|c| c.starts_with('S'))
            .collect()
    };
    assert_eq!(codes("fail-default-full-access.json"), vec!["S522"]);
    assert_eq!(
        codes("fail-every-s3-action-on-every-bucket.json"),
        vec!["S522"]
    );
    assert!(codes("pass-own-bucket-only.json").is_empty());
    assert!(codes("pass-own-organisation-only.json").is_empty());
    assert!(codes("pass-interface-endpoint.json").is_empty());
    // The evaluator decides, not the text: a Deny of writes, a partner-only Principal, or
    // only reads, and the endpoint no longer gives full access.
    let gateway = |statements: &str| {
        describe(VPCE, &policy(statements))
            .replace(r#""VpcId""#, r#""VpcEndpointType": "Gateway", "VpcId""#)
    };
    let full = r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}"#;
    let s522 = |text: String| {
        lint_text("g.json", &text)
            .findings
            .iter()
            .any(|f| f.finding.code.as_str() == "S522")
    };
    assert!(s522(gateway(full)));
    let deny_put = r#"{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"*","Condition":{"StringNotEquals":{"aws:ResourceAccount":"111122223333"}}}"#;
    assert!(!s522(gateway(&format!("{full},{deny_put}"))));
    assert!(!s522(gateway(
        r#"{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"*","Resource":"*"}"#
    )));
    assert!(!s522(gateway(
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:Get*","Resource":"*"}"#
    )));
    // The finding is located at the policy, inside the string.
    let r = lint_text("g.json", &gateway(full));
    let f = r
        .findings
        .iter()
        .find(|f| f.finding.code.as_str() == "S522")
        .unwrap();
    let text = gateway(full);
    assert_eq!(
        &text[f.finding.span.start as usize..f.finding.span.end as usize],
        "{"
    );
    assert!(f.finding.span.start as usize > text.find("PolicyDocument").unwrap());
}

/// A policy lowered without validation (a graph built by a library caller, as the fuzzers
/// do): an operator s3-access does not know stays in it.
fn unvalidated(graph: &mut Graph, name: &str, text: &str, layer: Layer) {
    let root = s3_access::json::parse(text).unwrap();
    let kind = if layer == Layer::Identity {
        s3_access::policy::PolicyKind::Identity
    } else {
        s3_access::policy::PolicyKind::Resource
    };
    let policy = s3_access::policy::parse::parse_policy(&root, kind)
        .policy
        .unwrap();
    graph.add(SourceFile::new(name, text.to_string()), policy, layer, 0);
}

#[test]
fn through_an_access_point_the_endpoint_is_asked_twice_but_doubts_once() {
    use s3_access::eval::s3_facts::{AccessPointFacts, AccessPointKind};
    let ap = "arn:aws:s3:us-west-2:111122223333:accesspoint/ap";
    let mut g = Graph::new();
    g.s3.bucket = Some("bkt".into());
    g.s3.access_points.push(AccessPointFacts {
        name: "ap".into(),
        kind: AccessPointKind::Regional,
        account: OWNER.into(),
        region: Some("us-west-2".into()),
        bucket: "bkt".into(),
        network: s3_access::aws_docs::NetworkOrigin::Internet,
        bpa: None,
        place: None,
        pending: None,
        policy_known: true,
    });
    unvalidated(
        &mut g,
        "id.json",
        r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
        Layer::Identity,
    );
    g.vpc_endpoints.push(eval::vpce::Endpoint {
        id: Some(VPCE.into()),
        vpc: None,
        from: "e.json".into(),
    });
    let endpoint = |resources: &str| {
        format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":{resources}}},{{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{{"StringEqualz":{{"aws:SourceVpc":"vpc-1"}}}}}}]}}"#
        )
    };
    let decide = |resources: &str| {
        let mut g = g.clone();
        unvalidated(&mut g, "e.json", &endpoint(resources), Layer::VpcEndpoint);
        let r = request(
            "arn:aws:sts::111122223333:assumed-role/app/s1",
            "s3:GetObject",
            &format!("{ap}/object/k"),
            Some(VPCE),
        );
        eval::decide(&g, &r, true)
    };
    // Both the access point and the bucket granted: allowed, with the unknown operator's
    // doubt said once though the statement was matched against both.
    let both = decide(&format!(r#"["{ap}/object/*","arn:aws:s3:::bkt/*"]"#));
    assert_eq!(both.decision, Decision::Allow, "{:?}", both.layers);
    let doubts = both
        .uncertain
        .iter()
        .filter(|u| u.reason.contains("condition operator"))
        .count();
    assert_eq!(doubts, 1, "{:?}", both.uncertain);
    // The access point alone, or the bucket alone: the endpoint denies.
    let ap_only = decide(&format!(r#""{ap}/object/*""#));
    assert_eq!(ap_only.decision, Decision::ImplicitDeny);
    assert!(
        ap_only
            .layers
            .iter()
            .any(|l| l.verdict.contains("allows it on the bucket"))
    );
    assert_eq!(
        decide(r#""arn:aws:s3:::bkt/*""#).decision,
        Decision::ImplicitDeny
    );
}

#[test]
fn a_broken_endpoint_file_in_a_bucket_folder_is_reported_once() {
    use s3_access::lint::run::{Event, LintRun, RunInput};
    let cwd = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let config = s3_access::config::Config::defaults(&cwd);
    let paths = [PathBuf::from("tests/fixtures/vpce/broken-in-folder")];
    let run = LintRun::collect(RunInput {
        paths: &paths,
        config: &config,
        cwd: &cwd,
        kind: None,
        fail_on: None,
        follow: false,
        root: None,
    });
    let mut shapes = 0;
    run.run(|event| {
        if let Event::File(r) | Event::Extra(r) = event {
            shapes += r
                .findings
                .iter()
                .filter(|f| f.finding.message.contains("is not a JSON policy"))
                .count();
        }
        Ok::<(), String>(())
    })
    .unwrap();
    // The folder's reading reports it; the endpoint lint of the same file does not again.
    assert_eq!(shapes, 1);
}
