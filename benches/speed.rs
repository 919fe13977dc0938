//! Speed benchmarks: parsing and linting one policy, plain serde_json parsing as the floor,
//! compiling a bucket's evaluation graph, and one query on a compiled graph.
//! Run with `cargo bench`; figures are recorded in docs/performance.md.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark harness"
)]

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use s3_access::eval::{self, Caller, Graph, Layer, Request};
use s3_access::lint::{self, LintOptions};
use s3_access::source::SourceFile;

/// A 20-statement bucket policy in the style of real ones.
fn bucket_policy() -> String {
    let mut statements = Vec::new();
    for i in 0..20 {
        let st = match i % 5 {
            0 => format!(
                r#"{{"Sid":"DenyInsecure{i}","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"],"Condition":{{"Bool":{{"aws:SecureTransport":"false"}}}}}}"#
            ),
            1 => format!(
                r#"{{"Sid":"PartnerRead{i}","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::444455556666:role/Partner{i}"}},"Action":["s3:GetObject","s3:GetObjectVersion"],"Resource":"arn:aws:s3:::amzn-s3-demo-bucket/partner{i}/*"}}"#
            ),
            2 => format!(
                r#"{{"Sid":"VpceOnly{i}","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/upload{i}/*","Condition":{{"StringNotEquals":{{"aws:SourceVpce":["vpce-1a2b3c4d","vpce-5e6f7a8b"]}}}}}}"#
            ),
            3 => format!(
                r#"{{"Sid":"List{i}","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111122223333:root"}},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::amzn-s3-demo-bucket","Condition":{{"StringLike":{{"s3:prefix":["home/${{aws:username}}/*","shared/*"]}}}}}}"#
            ),
            _ => format!(
                r#"{{"Sid":"OrgRead{i}","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/public{i}/*","Condition":{{"StringEquals":{{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}},"IpAddress":{{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]}}}}}}"#
            ),
        };
        statements.push(st);
    }
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

fn identity_policy(i: usize) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Read{i}","Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"]}},{{"Sid":"NoDelete{i}","Effect":"Deny","Action":"s3:DeleteObject*","Resource":"*"}},{{"Sid":"Ec2{i}","Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}}]}}"#
    )
}

fn graph() -> Graph {
    let mut g = Graph::new();
    eval::add_source(
        &mut g,
        SourceFile::new("bucket.json", bucket_policy()),
        Layer::Bucket,
        0,
    )
    .unwrap();
    for i in 0..5 {
        eval::add_source(
            &mut g,
            SourceFile::new(format!("id{i}.json"), identity_policy(i)),
            Layer::Identity,
            0,
        )
        .unwrap();
    }
    g
}

fn benches(c: &mut Criterion) {
    let text = bucket_policy();
    c.bench_function(
        "serde_json parse (floor), 20-statement bucket policy",
        |b| b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(&text)).unwrap()),
    );
    c.bench_function(
        "strict span-keeping parse, 20-statement bucket policy",
        |b| b.iter(|| s3_access::json::parse(black_box(&text)).unwrap()),
    );
    c.bench_function("lint (all rules), 20-statement bucket policy", |b| {
        b.iter(|| {
            lint::lint_text(
                SourceFile::new("bucket.json", black_box(text.clone())),
                &LintOptions::default(),
            )
        })
    });
    let parsed: Vec<(SourceFile, std::sync::Arc<s3_access::policy::Policy>)> = {
        let mut out = Vec::new();
        let a = lint::analyze(
            SourceFile::new("bucket.json", bucket_policy()),
            &LintOptions {
                kind: Some(s3_access::policy::PolicyKind::Bucket),
                ..LintOptions::default()
            },
        );
        out.push((
            a.report.source.clone(),
            a.policies.into_iter().next().unwrap().into(),
        ));
        for i in 0..5 {
            let a = lint::analyze(
                SourceFile::new(format!("id{i}.json"), identity_policy(i)),
                &LintOptions::default(),
            );
            out.push((
                a.report.source.clone(),
                a.policies.into_iter().next().unwrap().into(),
            ));
        }
        out
    };
    c.bench_function(
        "compile graph: 20-statement bucket policy + 5 identity policies",
        |b| {
            b.iter(|| {
                let mut g = Graph::new();
                for (i, (src, p)) in parsed.iter().enumerate() {
                    let layer = if i == 0 {
                        Layer::Bucket
                    } else {
                        Layer::Identity
                    };
                    g.add(src.clone(), p.clone(), layer, 0);
                }
                g
            })
        },
    );
    let g = graph();
    let caller = Caller::parse("arn:aws:sts::444455556666:assumed-role/Partner1/alice").unwrap();
    let request = Request::new(
        caller,
        "s3:GetObject",
        "arn:aws:s3:::amzn-s3-demo-bucket/partner1/report.csv",
        Some("111122223333"),
        &[],
        1_700_000_000,
    );
    c.bench_function("query on a compiled graph (cross-account session)", |b| {
        b.iter(|| eval::decide(black_box(&g), black_box(&request), false))
    });
    let user = Caller::parse("arn:aws:iam::111122223333:user/bob").unwrap();
    let same = Request::new(
        user,
        "s3:ListBucket",
        "arn:aws:s3:::amzn-s3-demo-bucket",
        Some("111122223333"),
        &[("s3:prefix".into(), "home/bob/x".into())],
        1_700_000_000,
    );
    c.bench_function(
        "query on a compiled graph (same-account user, variables)",
        |b| b.iter(|| eval::decide(black_box(&g), black_box(&same), false)),
    );
}

criterion_group!(speed, benches);
criterion_main!(speed);
