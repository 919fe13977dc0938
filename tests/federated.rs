//! `Federated` principals in bucket and access point policies (issue 11, item 1): a web
//! identity or SAML user calls S3 as a session of the role it assumed, and the request model
//! does not say which identity provider a session came from, so an Allow naming a Federated
//! principal makes a denial of a role session uncertain (with the statement's place), in
//! `query` and in the exact engine, never a plain "no access".

use s3_access::eval::{self, Caller, Decision, Graph, Layer, Request};
use s3_access::exact::{self, Answer, PrincipalScope, Question, ReasonKind, Scope};
use s3_access::source::SourceFile;

const OWNER: &str = "111122223333";
const NOW: i64 = 1_767_225_600;

fn bucket_graph(statements: &str) -> Graph {
    let mut g = Graph::new();
    let policy = format!(r#"{{"Version": "2012-10-17", "Statement": [{statements}]}}"#);
    eval::add_source(
        &mut g,
        SourceFile::new("bucket.json", policy),
        Layer::Bucket,
        0,
    )
    .unwrap();
    g
}

fn decide(g: &Graph, principal: &str, context: &[(&str, &str)], explain: bool) -> eval::Response {
    let context: Vec<(String, String)> = context
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let r = Request::new(
        Caller::parse(principal).unwrap(),
        "s3:GetObject",
        "arn:aws:s3:::bkt/k",
        Some(OWNER),
        &context,
        NOW,
    );
    eval::decide(g, &r, explain)
}

const WEB_IDENTITY: &str = r#"{"Sid":"AppUsers","Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}"#;

#[test]
fn a_federated_grant_makes_a_role_sessions_denial_uncertain_and_located() {
    let g = bucket_graph(WEB_IDENTITY);
    for explain in [false, true] {
        let r = decide(
            &g,
            "arn:aws:sts::444455556666:assumed-role/web/u1",
            &[],
            explain,
        );
        assert_eq!(r.decision, Decision::ImplicitDeny);
        let [u] = r.uncertain.as_slice() else {
            panic!("{:?}", r.uncertain)
        };
        assert!(
            u.reason.contains("cognito-identity.amazonaws.com"),
            "{}",
            u.reason
        );
        assert_eq!(
            u.statement.and_then(|id| g.layer_of(id)),
            Some(Layer::Bucket)
        );
    }
    // Callers that are never web identity or SAML sessions: a plain answer.
    for principal in [
        "anonymous",
        "arn:aws:iam::444455556666:user/u",
        "444455556666",
    ] {
        let r = decide(&g, principal, &[], true);
        assert!(r.uncertain.is_empty(), "{principal}: {:?}", r.uncertain);
    }
}

#[test]
fn a_federated_grant_that_does_not_cover_the_request_is_no_reason() {
    // Its condition is false for this request: nothing it could grant.
    let g = bucket_graph(
        r#"{"Effect":"Allow","Principal":{"Federated":"accounts.google.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#,
    );
    let r = decide(
        &g,
        "arn:aws:sts::444455556666:assumed-role/web/u1",
        &[("aws:SourceIp", "198.51.100.7")],
        true,
    );
    assert!(r.uncertain.is_empty(), "{:?}", r.uncertain);
    let r = decide(
        &g,
        "arn:aws:sts::444455556666:assumed-role/web/u1",
        &[("aws:SourceIp", "203.0.113.9")],
        true,
    );
    assert_eq!(r.uncertain.len(), 1);
}

fn question(g: &Graph, principals: PrincipalScope) -> Question<'_> {
    Question {
        graph: g,
        bucket: "bkt".into(),
        owner: OWNER.into(),
        now: NOW,
        scope: Scope {
            principals,
            actions: vec!["s3:GetObject".into()],
            ..Scope::default()
        },
    }
}

#[test]
fn the_engine_never_answers_no_past_a_federated_grant() {
    // A condition only the Federated statement tests: the engine must still reach a request
    // where it holds, and report the statement.
    let g = bucket_graph(
        r#"{"Sid":"Web","Effect":"Allow","Principal":{"Federated":"graph.facebook.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#,
    );
    let a = exact::ask(&question(&g, PrincipalScope::OutsideAccount(OWNER.into())));
    let Answer::Uncertain(reasons) = a else {
        panic!("{a:?}")
    };
    assert!(
        reasons.iter().any(|r| r.kind == ReasonKind::Evaluator
            && r.statement.is_some()
            && r.message.contains("graph.facebook.com")),
        "{reasons:?}"
    );
    // Anonymous callers are not sessions: a plain "no".
    let a = exact::ask(&question(&g, PrincipalScope::Anonymous));
    assert!(matches!(a, Answer::No), "{a:?}");
}

#[test]
fn who_can_names_the_federated_statement() {
    let dir = std::env::temp_dir().join(format!("s3a-federated-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bucket-policy.json");
    let policy = format!(r#"{{"Version": "2012-10-17", "Statement": [{WEB_IDENTITY}]}}"#);
    std::fs::write(&path, policy).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args(["who-can", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("cognito-identity.amazonaws.com"), "{text}");
    assert!(text.contains("bucket-policy.json"), "{text}");
}
