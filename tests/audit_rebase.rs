//! The audit rebased on the exact engine (issue 11, item 4): the five cases users met, each
//! a policy linted as `s3-access lint` does, with what the findings must and must not say.

use s3_access::lint::{LintOptions, lint_text};
use s3_access::report::json_findings;
use s3_access::source::SourceFile;

/// The JSON findings of linting `text` as a file named `policy.json`.
fn lint(text: &str) -> Vec<serde_json::Value> {
    let report = lint_text(
        SourceFile::new("policy.json", text),
        &LintOptions {
            audit: true,
            ..LintOptions::default()
        },
    );
    json_findings(&report)
        .iter()
        .map(|f| serde_json::to_value(f).unwrap())
        .collect()
}

fn of<'a>(found: &'a [serde_json::Value], code: &str) -> Vec<&'a serde_json::Value> {
    found.iter().filter(|f| f["code"] == code).collect()
}

fn message(f: &serde_json::Value) -> &str {
    f["message"].as_str().unwrap()
}

#[test]
fn an_object_only_grant_claims_object_actions_everyday_first() {
    let found = lint(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::bkt/*"}]}"#,
    );
    for f in found.iter().filter(|f| {
        ["S101", "S102", "S103", "S104", "S302", "S306"].contains(&f["code"].as_str().unwrap())
    }) {
        let m = message(f);
        for bucket_action in [
            "s3:PutBucketPolicy",
            "s3:PutBucketAcl",
            "s3:CreateBucket",
            "s3:DescribeJob",
        ] {
            assert!(!m.contains(bucket_action), "{m}");
        }
    }
    let read = of(&found, "S101");
    assert_eq!(read.len(), 1);
    assert!(
        message(read[0]).contains("(`s3:GetObject`, `s3:GetObjectVersion`"),
        "{}",
        message(read[0])
    );
    // The claim carries a request the evaluator allows.
    let w = &read[0]["witness"];
    assert_eq!(w["principal"], "anonymous");
    assert_eq!(w["action"], "s3:GetObject");
    assert!(
        w["resource"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:s3:::bkt/")
    );
    let write = of(&found, "S102");
    assert!(message(write[0]).contains("(`s3:PutObject`, `s3:DeleteObject`"));
    let manage = of(&found, "S306");
    assert_eq!(manage.len(), 1);
    assert!(message(manage[0]).contains("`s3:PutObjectAcl`"));
}

#[test]
fn a_public_statement_every_request_of_which_a_deny_refuses_is_a_note_naming_the_deny() {
    let found = lint(
        r#"{"Version":"2012-10-17","Statement":[
{"Sid":"Read","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"},
{"Sid":"D","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}"#,
    );
    let read = of(&found, "S101");
    assert_eq!(read.len(), 1);
    assert_eq!(read[0]["severity"], "note");
    let m = message(read[0]);
    assert!(m.contains("public by S3's definition"), "{m}");
    assert!(m.contains("Block Public Access would act on it"), "{m}");
    assert!(m.contains("no request to read"), "{m}");
    assert!(m.contains("because of Sid `D` at 3:8"), "{m}");
    assert!(!m.contains("lets anyone"), "{m}");
    assert!(read[0].get("witness").is_none());
    // Without the Deny the same statement is an error with a witness.
    let found = lint(
        r#"{"Version":"2012-10-17","Statement":[
{"Sid":"Read","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}"#,
    );
    let read = of(&found, "S101");
    assert_eq!(read[0]["severity"], "error");
    assert_eq!(read[0]["witness"]["action"], "s3:GetObject");
}

#[test]
fn s201_names_only_transport_denies_and_never_the_internal_bucket() {
    let found = lint(
        r#"{"Version":"2012-10-17","Statement":[
{"Sid":"Enc","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::bkt/*","Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}}},
{"Sid":"Tls","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::bkt/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#,
    );
    let s201 = of(&found, "S201");
    assert_eq!(s201.len(), 1);
    let m = message(s201[0]);
    assert!(!m.contains("Enc"), "{m}");
    assert!(
        m.contains("not for the bucket ARN `arn:aws:s3:::bkt`"),
        "{m}"
    );
    // The finding points at the transport Deny, and names a request that gets through.
    assert_eq!(s201[0]["path"], "/Statement/1/Sid");
    let w = &s201[0]["witness"];
    assert_eq!(w["resource"], "arn:aws:s3:::bkt");
    assert_eq!(w["context"][0]["key"], "aws:SecureTransport");
    assert_eq!(w["context"][0]["values"][0], "false");
    // A policy that names no bucket: the fix shows AWS's example name.
    let found = lint(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}"#,
    );
    for f in &found {
        let text = f.to_string();
        assert!(!text.contains("s3-access-witness-bucket"), "{text}");
    }
    let s201 = of(&found, "S201");
    assert!(
        s201[0]["help"]
            .as_str()
            .unwrap()
            .contains("arn:aws:s3:::amzn-s3-demo-bucket")
    );
    // Anyone gets in over plain HTTP here: the message says so, with the request.
    assert!(message(s201[0]).starts_with("anyone gets in over plain HTTP (e.g. `anonymous"));
}

#[test]
fn cross_account_findings_come_whatever_key_pins_the_account() {
    for (key, operator, value) in [
        ("aws:SourceOwner", "StringEquals", "444455556666"),
        (
            "aws:SourceArn",
            "ArnLike",
            "arn:aws:sns:us-east-1:444455556666:topic",
        ),
        (
            "aws:PrincipalArn",
            "ArnEquals",
            "arn:aws:iam::444455556666:role/reader",
        ),
        ("aws:SourceAccount", "StringEquals", "444455556666"),
        ("aws:PrincipalAccount", "StringEquals", "444455556666"),
    ] {
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*","Condition":{{"{operator}":{{"{key}":"{value}"}}}}}}]}}"#
        );
        let found = lint(&text);
        let s301 = of(&found, "S301");
        assert_eq!(s301.len(), 1, "{key}: {found:?}");
        assert!(message(s301[0]).contains("account 444455556666"), "{key}");
        let w = &s301[0]["witness"];
        assert_eq!(w["action"], "s3:GetObject", "{key}");
    }
}

#[test]
fn a_statement_that_never_matches_is_not_called_public() {
    // `aws:CalledVia` is multi-valued: a bare `StringEquals` never matches it (P406).
    let found = lint(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"Via","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*","Condition":{"StringEquals":{"aws:CalledVia":"athena.amazonaws.com"}}}]}"#,
    );
    assert_eq!(of(&found, "P406").len(), 1);
    assert!(of(&found, "S101").is_empty(), "{found:?}");
    // `s3:prefix` is set only for listing: an object-only grant under it grants nothing.
    let found = lint(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::bkt/*","Condition":{"StringEquals":{"s3:prefix":"mp3"}}}]}"#,
    );
    for code in ["S101", "S102", "S103", "S104", "S306"] {
        assert!(of(&found, code).is_empty(), "{code}: {found:?}");
    }
}

#[test]
fn claims_the_engine_cannot_decide_keep_todays_finding() {
    // A web-identity provider: the engine has no caller for it, so no "no access" from it.
    let found = lint(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}"#,
    );
    assert_eq!(of(&found, "S101").len(), 1, "{found:?}");
    // A delegation to another account's access points: requests through access points are
    // not enumerated, so the cross-account finding stays.
    let found = lint(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*","Condition":{"StringEquals":{"s3:DataAccessPointAccount":"444455556666"}}}]}"#,
    );
    assert_eq!(of(&found, "S301").len(), 1, "{found:?}");
}

#[test]
fn the_likely_request_meets_the_statement_and_escapes_deny_unless_conditions() {
    // The statement's own condition (a Referer) and a "Deny unless through this endpoint":
    // the witness is built from both, and is a request that really gets through.
    let found = lint(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"Site","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/site/*","Condition":{"StringLike":{"aws:Referer":"https://www.example.com/*"}}},{"Sid":"Vpce","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::bkt/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}]}"#,
    );
    let s101 = of(&found, "S101");
    assert_eq!(s101.len(), 1, "{found:?}");
    let w = &s101[0]["witness"];
    assert_eq!(w["principal"], "anonymous", "{w}");
    assert_eq!(w["resource"], "arn:aws:s3:::bkt/site/x", "{w}");
    let context = w["context"].as_array().unwrap();
    let value = |k: &str| {
        context
            .iter()
            .find(|c| c["key"] == k)
            .map(|c| c["values"][0].clone())
    };
    assert_eq!(value("aws:Referer").unwrap(), "https://www.example.com/x");
    assert_eq!(value("aws:SourceVpce").unwrap(), "vpce-1a2b3c4d");
}

#[test]
fn a_service_pinned_to_an_account_is_the_likely_cross_account_caller() {
    let found = lint(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::bkt/*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:sns:us-east-1:444455556666:topic"}}}]}"#,
    );
    let s301 = of(&found, "S301");
    assert_eq!(s301.len(), 1, "{found:?}");
    let w = &s301[0]["witness"];
    assert_eq!(w["principal"], "sns.amazonaws.com", "{w}");
    assert_eq!(w["context"][0]["key"], "aws:SourceArn", "{w}");
}

#[test]
fn an_unconditional_deny_of_everything_refuses_every_access_level_whatever_its_size() {
    // `s3:*` to `*` next to a Deny of `s3:*` on every bucket: every level is refused, also
    // the read and write levels, which name more actions than the engine is asked about.
    let found = lint(
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"},
{"Sid":"TestBlock","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::*"}]}"#,
    );
    for code in ["S101", "S102", "S103", "S104"] {
        let f = of(&found, code);
        assert_eq!(f.len(), 1, "{code}: {found:?}");
        assert_eq!(f[0]["severity"], "note", "{code}");
        let m = message(f[0]);
        assert!(
            m.contains("because of Sid `TestBlock` at 2:8"),
            "{code}: {m}"
        );
    }
    // Nobody outside gets to manage permissions: no S306.
    assert!(of(&found, "S306").is_empty(), "{found:?}");
    // The same Deny on one prefix only covers nothing: the claims stay.
    let found = lint(
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"},
{"Sid":"Some","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::bkt/secret/*"}]}"#,
    );
    let read = of(&found, "S101");
    assert_eq!(read[0]["severity"], "error", "{found:?}");
    assert!(read[0]["witness"].is_object());
}

#[test]
fn a_refused_statement_that_grants_nothing_is_not_reported() {
    // The Deny covers everything, but the Allow grants no request at all (`s3:prefix` is
    // only set for listing): no note about a Deny, no finding.
    let found = lint(
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*","Condition":{"StringEquals":{"s3:prefix":"a"}}},
{"Sid":"All","Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}"#,
    );
    assert!(of(&found, "S101").is_empty(), "{found:?}");
}

#[test]
fn a_deny_of_everyone_but_a_service_refuses_anonymous_callers_and_other_accounts() {
    let found = lint(
        r#"{"Statement":[{"Sid":"Allow","Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:s3:::example/*"},
{"Sid":"Deny","Effect":"Deny","NotPrincipal":{"Service":"lambda.amazonaws.com"},"Action":"*","Resource":"arn:aws:s3:::example/*"}]}"#,
    );
    // The service the Deny spares gets through: the claim stands, with that witness.
    let read = of(&found, "S101");
    assert_eq!(read.len(), 1, "{found:?}");
    assert_eq!(read[0]["severity"], "error");
    assert_eq!(read[0]["witness"]["principal"], "lambda.amazonaws.com");
}

#[test]
fn witnesses_fill_wildcards_with_text_and_give_no_tags_to_root_users() {
    // `arn:aws:cloudfront::*:distribution/*`: the witness fills both wildcards.
    let found = lint(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:cloudfront::*:distribution/*"}}}]}"#,
    );
    let read = of(&found, "S101");
    assert_eq!(read.len(), 1, "{found:?}");
    let context = read[0]["witness"]["context"].as_array().unwrap();
    let arn = context
        .iter()
        .find(|c| c["key"] == "aws:SourceArn")
        .map(|c| c["values"][0].as_str().unwrap().to_string())
        .unwrap();
    assert_eq!(arn, "arn:aws:cloudfront::123456789012:distribution/example");
    // A condition on the caller's tags: a root user has none, so a role session is shown.
    let found = lint(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"analytics"}}}]}"#,
    );
    let read = of(&found, "S101");
    assert_eq!(read.len(), 1, "{found:?}");
    let w = &read[0]["witness"];
    assert!(
        w["principal"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:sts::999999999999:assumed-role/"),
        "{w}"
    );
    assert_eq!(w["context"][0]["key"], "aws:PrincipalTag/team", "{w}");
}

/// The anonymous claim of the public statement of `statements` (graph id 0) about `actions`.
fn anonymous_claim(statements: &str, actions: &[String]) -> s3_access::exact::claim::Claim {
    use s3_access::eval::{Caller, Graph, Layer};
    use s3_access::exact::PrincipalScope;
    use s3_access::exact::claim::{StatementQuestion, claim};
    let mut graph = Graph::new();
    let text = format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#);
    s3_access::eval::add_source(
        &mut graph,
        SourceFile::new("bucket.json", text),
        Layer::Bucket,
        0,
    )
    .unwrap();
    claim(&StatementQuestion {
        graph: &graph,
        statement: 0,
        bucket: "bkt",
        owner: Some("111122223333"),
        principals: PrincipalScope::Anonymous,
        likely: Caller::Anonymous,
        actions,
        now: 1_767_225_600,
    })
}

#[test]
fn a_deny_whose_conditions_hold_for_every_anonymous_request_covers_them_all() {
    use s3_access::exact::claim::Claim;
    // More actions than the engine is asked about: only the covering Deny, judged on one
    // anonymous request, proves that none gets through (the engine's "no" would be partial).
    let actions: Vec<String> = [
        "GetObject",
        "GetObjectVersion",
        "GetObjectAcl",
        "GetObjectVersionAcl",
        "GetObjectTagging",
        "GetObjectVersionTagging",
        "GetObjectAttributes",
        "GetObjectVersionAttributes",
        "GetObjectRetention",
        "GetObjectLegalHold",
        "GetObjectTorrent",
        "GetObjectVersionTorrent",
        "GetObjectVersionForReplication",
        "PutObject",
        "DeleteObject",
        "DeleteObjectVersion",
        "PutObjectAcl",
        "PutObjectTagging",
    ]
    .iter()
    .map(|a| format!("s3:{a}"))
    .collect();
    assert!(actions.len() > 16);
    let allow = r#"{"Sid":"Read","Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::bkt/*"}"#;
    let deny = |condition: &str| {
        format!(
            r#"{allow},{{"Sid":"DenyOutsideOrg","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::bkt","arn:aws:s3:::bkt/*"],"Condition":{condition}}}"#
        )
    };
    // Absent for anonymous callers (IAM principals only), and derived from the caller.
    let org = deny(
        r#"{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-abc"},"BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}"#,
    );
    let claim = anonymous_claim(&org, &actions);
    assert!(
        matches!(&claim, Claim::Denied(ids) if ids == &[1]),
        "{claim:?}"
    );
    let typed = deny(r#"{"StringEquals":{"aws:PrincipalType":"Anonymous"}}"#);
    assert!(matches!(
        anonymous_claim(&typed, &actions),
        Claim::Denied(_)
    ));
    // A key an anonymous request may carry (the endpoint): no cover, some request escapes it.
    let vpce = deny(r#"{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}"#);
    assert!(matches!(anonymous_claim(&vpce, &actions), Claim::Proven(_)));
    // "Deny unless through vpce-1" beside "Deny unless through vpce-2": no request gets
    // through either, whoever makes it; with an endpoint in common, one through it does.
    let endpoints = |first: &str, second: &str| {
        format!(
            r#"{},{{"Sid":"ViaOther","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::bkt","arn:aws:s3:::bkt/*"],"Condition":{{"StringNotEquals":{{"aws:SourceVpce":{second}}}}}}}"#,
            deny(&format!(
                r#"{{"StringNotEquals":{{"aws:SourceVpce":{first}}}}}"#
            ))
        )
    };
    let apart = endpoints(r#""vpce-1""#, r#"["vpce-2","vpce-3"]"#);
    let claim = anonymous_claim(&apart, &actions);
    assert!(
        matches!(&claim, Claim::Denied(ids) if !ids.is_empty()),
        "{claim:?}"
    );
    let shared = endpoints(r#"["vpce-1","vpce-2"]"#, r#""vpce-2""#);
    let claim = anonymous_claim(&shared, &actions);
    assert!(matches!(&claim, Claim::Proven(_)), "{claim:?}");
    // A condition false for anonymous callers: it covers none of them.
    let named = deny(r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}"#);
    assert!(matches!(
        anonymous_claim(&named, &actions),
        Claim::Proven(_)
    ));
}
