//! CloudFormation templates: the JSON/YAML twin fixtures under
//! `tests/fixtures/iac/cloudformation/`, and the real templates of `../shared/corpus/iac`
//! (skipped with a message when that folder is absent).

use s3_access::aws_docs::read::{AwsDocument, read_value};
use s3_access::aws_docs::{
    Acl, Cors, Encryption, Logging, Notifications, OwnershipControls, PublicAccessBlock, Versioning,
};
use s3_access::iac::cloudformation::{self, MAX_TEMPLATE_BYTES};
use s3_access::iac::{self, Attachment, Extracted};
use s3_access::json::{Kind, Value};
use s3_access::load::LoadOptions;
use s3_access::policy::PolicyKind;
use s3_access::registry::Severity;
use s3_access::source::SourceFile;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> Extracted {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/iac/cloudformation")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    cloudformation::read(SourceFile::new(name, text)).unwrap()
}

/// The value without spans, as compact JSON.
fn plain(v: &Value) -> String {
    match &v.kind {
        Kind::Null => "null".into(),
        Kind::Bool(b) => b.to_string(),
        Kind::Number(n) => n.to_string(),
        Kind::String(s) => format!("{s:?}"),
        Kind::Array(items) => format!(
            "[{}]",
            items.iter().map(plain).collect::<Vec<_>>().join(",")
        ),
        Kind::Object(members) => format!(
            "{{{}}}",
            members
                .iter()
                .map(|m| format!("{:?}:{}", m.key, plain(&m.value)))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

fn setting<'a>(x: &'a Extracted, bucket: &str, name: &str) -> &'a Value {
    let b = x.buckets.iter().find(|b| b.address == bucket).unwrap();
    &b.settings.iter().find(|(n, _)| *n == name).unwrap().1
}

/// Reads a setting with the bucket-folder reader of its file: no finding.
fn reads_clean<T: AwsDocument>(x: &Extracted, name: &str) -> T {
    let v = setting(x, "Site", name).clone();
    match read_value::<T>(&x.source, v, Vec::new()) {
        Ok(loaded) => loaded.doc,
        Err(report) => panic!("{name}: {:?}", report.findings),
    }
}

#[test]
fn yaml_and_json_twins_give_the_same_buckets_policies_and_settings() {
    let (y, j) = (fixture("site.yaml"), fixture("site.json"));
    for x in [&y, &j] {
        let b = &x.buckets[0];
        assert_eq!(
            (b.address.as_str(), b.name.as_deref()),
            ("Site", Some("site-live"))
        );
        let names: Vec<&str> = b.settings.iter().map(|s| s.0).collect();
        assert_eq!(
            names,
            [
                "acl.json",
                "public-access-block.json",
                "ownership-controls.json",
                "encryption.json",
                "versioning.json",
                "logging.json",
                "cors.json",
                "notification.json"
            ]
        );
        let addresses: Vec<&str> = x.policies.iter().map(|p| p.address.as_str()).collect();
        assert_eq!(
            addresses,
            [
                "SitePolicy [PartnerGiven=true]",
                "SitePolicy [PartnerGiven=false]",
                "Reader.AssumeRolePolicyDocument",
                "Reader.Policies[read]"
            ]
        );
        assert_eq!(
            x.policies[0].attached_to,
            Some(Attachment::Bucket("Site".into()))
        );
        assert_eq!(x.policies[2].kind, PolicyKind::Trust);
        assert_eq!(
            x.policies[3].attached_to,
            Some(Attachment::Principal("Reader".into()))
        );
    }
    for i in 0..y.policies.len() {
        assert_eq!(
            plain(&y.policies[i].document),
            plain(&j.policies[i].document)
        );
    }
    for (a, b) in y.buckets[0].settings.iter().zip(&j.buckets[0].settings) {
        assert_eq!(plain(&a.1), plain(&b.1), "{}", a.0);
    }
}

#[test]
fn intrinsics_resolve_and_both_variants_of_an_undecided_if_are_kept() {
    let x = fixture("site.yaml");
    let doc = plain(&x.policies[0].document);
    assert!(
        doc.contains(r#""Resource":"arn:aws:s3:::site-live/*""#),
        "{doc}"
    );
    // Partner has no default: the principal is another account, never the template's own.
    assert!(
        doc.contains(r#""AWS":"arn:aws:iam::9999"#),
        "the undecided If's true branch: {doc}"
    );
    let other = plain(&x.policies[1].document);
    assert!(other.contains(r#""AWS":"000000000000""#), "{other}");
    assert!(
        x.unknowns.iter().any(|u| u.expression.contains("Partner")),
        "{:?}",
        x.unknowns
    );
    // The unknown partner account is inside both variants' documents, so a verdict on them
    // can say it is uncertain; the trust policy has none.
    assert!(x.unknowns_in(x.policies[0].document.span).count() > 0);
    assert!(x.unknowns_in(x.policies[1].document.span).count() > 0);
    assert_eq!(x.unknowns_in(x.policies[2].document.span).count(), 0);
    let identity = plain(&x.policies[3].document);
    assert!(identity.contains(r#""Resource":"arn:aws:s3:::site-live/*""#));
}

#[test]
fn bucket_settings_have_the_aws_cli_shapes() {
    let x = fixture("site.yaml");
    let acl: Acl = reads_clean(&x, "acl.json");
    assert!(acl.is_public());
    let bpa: PublicAccessBlock = reads_clean(&x, "public-access-block.json");
    assert!(!bpa.block_public_policy);
    let own: OwnershipControls = reads_clean(&x, "ownership-controls.json");
    assert!(format!("{own:?}").contains("ObjectWriter"));
    let _: Encryption = reads_clean(&x, "encryption.json");
    assert!(plain(setting(&x, "Site", "encryption.json")).contains(
        r#"{"ServerSideEncryptionConfiguration":{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"}}]}}"#
    ));
    let _: Versioning = reads_clean(&x, "versioning.json");
    let _: Logging = reads_clean(&x, "logging.json");
    // No DestinationBucketName: CloudFormation logs to the bucket itself.
    assert!(plain(setting(&x, "Site", "logging.json")).contains(r#""TargetBucket":"site-live""#));
    let _: Cors = reads_clean(&x, "cors.json");
    assert!(plain(setting(&x, "Site", "cors.json")).contains(r#""MaxAgeSeconds":600"#));
    let _: Notifications = reads_clean(&x, "notification.json");
    assert!(
        plain(setting(&x, "Site", "notification.json"))
            .contains(r#""QueueArn":"arn:aws:sqs:stack-region:000000000000:stack-queue""#)
    );
}

fn located(x: &Extracted) -> Vec<(String, u32, u32)> {
    let a = iac::analyze(x, &LoadOptions::default());
    a.report
        .findings
        .iter()
        .map(|f| {
            (
                f.finding.code.as_str().to_string(),
                f.start.line,
                f.start.column,
            )
        })
        .collect()
}

#[test]
fn findings_are_located_where_the_template_is_edited() {
    let y = located(&fixture("site.yaml"));
    assert!(y.contains(&("P107".into(), 61, 21)), "{y:?}");
    assert!(y.contains(&("P204".into(), 81, 25)), "{y:?}");
    let j = located(&fixture("site.json"));
    assert!(j.contains(&("P107".into(), 148, 25)), "{j:?}");
    assert!(j.contains(&("P204".into(), 197, 33)), "{j:?}");
}

#[test]
fn template_errors_are_located_and_never_hang() {
    let x = fixture("broken.yaml");
    let got = located(&x);
    for line in [6, 10, 17] {
        assert!(
            got.iter().any(|(c, l, _)| c == "E013" && *l == line),
            "line {line}: {got:?}"
        );
    }
    // The self-referring name is unknown; the bucket is still found.
    assert_eq!(x.buckets.len(), 1);
    assert!(!x.unknowns.is_empty());
}

#[test]
fn other_yaml_and_json_are_not_templates() {
    for (name, text) in [
        ("package.json", r#"{"name": "x", "version": "1.0.0"}"#),
        (
            "deploy.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n",
        ),
        ("policy.json", r#"{"Version":"2012-10-17","Statement":[]}"#),
        ("broken.yaml", "a: [\n"),
    ] {
        assert!(
            cloudformation::read(SourceFile::new(name, text)).is_none(),
            "{name}"
        );
    }
    let bad = cloudformation::read(SourceFile::new(
        "t.yaml",
        "AWSTemplateFormatVersion: '2010-09-09'\nResources: [\n",
    ))
    .unwrap();
    assert_eq!(bad.findings[0].code.as_str(), "E012");
}

#[test]
fn hostile_templates_end_in_a_located_error() {
    // A template larger than the limit is refused before it is parsed.
    let big = format!(
        "AWSTemplateFormatVersion: '2010-09-09'\n#{}\n",
        "x".repeat(MAX_TEMPLATE_BYTES)
    );
    let x = cloudformation::read(SourceFile::new("big.yaml", big)).unwrap();
    assert_eq!(x.findings[0].code.as_str(), "E004");
}

#[allow(clippy::print_stderr, reason = "a skipped test must say so")]
fn skip() {
    eprintln!("skipped: ../shared/corpus/iac is absent");
}

/// The corpus of real templates, next to the repository (as CI lays it out).
fn corpus() -> Option<PathBuf> {
    crate::shared_corpus("iac").filter(|p| p.join("index.jsonl").is_file())
}

fn corpus_templates(dir: &Path) -> Vec<String> {
    let index = std::fs::read_to_string(dir.join("index.jsonl")).unwrap();
    index
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| matches!(v["kind"].as_str(), Some("cfn-json" | "cfn-yaml")))
        .filter_map(|v| v["path"].as_str().map(str::to_string))
        .collect()
}

/// Buckets declared in any `Resources` map of the tree (an independent count: the reader
/// looks only at the top level, and notes the constructs that hide resources from it).
fn buckets_in_tree(v: &Value) -> usize {
    let mut n = 0;
    if let Some(resources) = v.get("Resources").and_then(Value::as_object) {
        n += resources
            .iter()
            .filter(|m| m.value.get("Type").and_then(Value::as_str) == Some("AWS::S3::Bucket"))
            .count();
    }
    let nested = |m: &s3_access::json::Member| match (&*m.key, m.value.as_str()) {
        ("TemplateBody", Some(body)) => cloudformation::yaml::parse(body)
            .map(|(t, _)| buckets_in_tree(&t))
            .unwrap_or(0),
        _ => buckets_in_tree(&m.value),
    };
    match &v.kind {
        Kind::Object(members) => n + members.iter().map(nested).sum::<usize>(),
        Kind::Array(items) => n + items.iter().map(buckets_in_tree).sum::<usize>(),
        _ => n,
    }
}

fn buckets_in_text(text: &str) -> usize {
    let tree = if text.trim_start().starts_with('{') {
        s3_access::json::parse(text).unwrap()
    } else {
        cloudformation::yaml::parse(text).unwrap().0
    };
    buckets_in_tree(&tree)
}

#[test]
fn every_corpus_template_reads_without_errors_and_every_bucket_is_found() {
    let Some(dir) = corpus() else {
        return skip();
    };
    let paths = corpus_templates(&dir);
    assert!(paths.len() >= 50, "{}", paths.len());
    let mut found = 0;
    for p in &paths {
        let text = std::fs::read_to_string(dir.join(p)).unwrap();
        let expected = buckets_in_text(&text);
        let x = cloudformation::read(SourceFile::new(p.clone(), text))
            .unwrap_or_else(|| panic!("{p}: not recognised as a template"));
        let errors: Vec<_> = x
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{p}: {errors:?}");
        // Fn::ForEach loops make more buckets than the text declares.
        let noted = x.findings.iter().any(|f| f.code.as_str() == "E014")
            || (p.contains("foreach") && x.buckets.len() > expected);
        assert!(
            x.buckets.len() == expected || noted,
            "{p}: {} buckets found, {expected} declared",
            x.buckets.len()
        );
        found += x.buckets.len();
    }
    assert!(found >= 60, "{found}");
}

/// What the reader makes of a template, one line per item, for snapshots.
fn summary(x: &Extracted) -> String {
    let mut out = String::new();
    for b in &x.buckets {
        let names: Vec<&str> = b.settings.iter().map(|s| s.0).collect();
        out.push_str(&format!(
            "bucket {} {:?} {}\n",
            b.address,
            b.name,
            names.join(" ")
        ));
    }
    for p in &x.policies {
        out.push_str(&format!(
            "policy {} {} {:?}\n",
            p.address,
            p.kind.as_str(),
            p.attached_to
        ));
    }
    for u in &x.unknowns {
        let at = x.source.line_col(u.span.start);
        out.push_str(&format!("unknown {}:{} {}\n", at.line, at.column, u.why));
    }
    for (code, line, column) in located(x) {
        out.push_str(&format!("finding {code} {line}:{column}\n"));
    }
    out
}

/// A dozen templates checked by hand against the corpus README notes (asserted below) and
/// snapshotted whole.
#[test]
fn a_dozen_corpus_templates_match_the_notes() {
    let Some(dir) = corpus() else {
        return skip();
    };
    let read = |p: &str| {
        let text = std::fs::read_to_string(dir.join(p)).unwrap();
        cloudformation::read(SourceFile::new(p, text)).unwrap()
    };
    let files = [
        "aws-cfn-templates/S3/s3-bucket-and-policy-for-caa-v1.yaml",
        "aws-cfn-templates/S3/compliant-bucket.json",
        "aws-cfn-templates/ElasticLoadBalancing/ELB_Access_Logs_And_Connection_Draining.yaml",
        "aws-cfn-templates/Solutions/CloudFrontCustomOriginLambda@Edge/CloudFront.yaml",
        "aws-cfn-templates/Solutions/S3CrossAccountReplicationWithKMS/templates/destination.yaml",
        "aws-cfn-templates/Solutions/VPCFlowLogs/templates/VPCFlowLogsS3.cfn.yaml",
        "aws-cfn-templates/RainModules/bucket.yml",
        "cfn-policy-validator/test_files/public_access_test.yml",
        "cfn-policy-validator/skills/iam-policy-validator/evaluations/fixtures/public-bucket.yaml",
        "cfn-policy-validator/skills/iam-policy-validator/evaluations/fixtures/invalid-and-wildcard-policies.yaml",
        "checkov/tests/cloudformation/checks/resource/aws/S3Templates/ExampleS3.yaml",
        "aws-solutions-constructs/source/patterns/@aws-solutions-constructs/aws-cloudfront-oai-s3/test/integ.cftoais3-no-arguments.js.snapshot/cftoais3-no-arguments.template.json",
    ];
    let mut all = String::new();
    for f in files {
        all.push_str(&format!("== {f}\n{}", summary(&read(f))));
    }
    insta::assert_snapshot!(all);

    // caa-v1: the publisher account (a parameter without a default) gets ListBucket/GetObject:
    // another account, not the template's own.
    let caa = read(files[0]);
    let doc = plain(&caa.policies[0].document);
    assert!(doc.contains("arn:aws:iam::9999"), "{doc}");
    // ELB: the log-writing principal comes from a region-keyed mapping: unknown, recorded.
    let elb = read(files[2]);
    assert!(
        elb.unknowns
            .iter()
            .any(|u| u.expression.contains("FindInMap"))
    );
    // CloudFront logging bucket: LogDeliveryWrite ACL with ObjectWriter ownership.
    let cf = read(files[3]);
    let acl = plain(setting_of(&cf, "acl.json"));
    assert!(
        acl.contains("http://acs.amazonaws.com/groups/s3/LogDelivery"),
        "{acl}"
    );
    assert!(plain(setting_of(&cf, "ownership-controls.json")).contains("ObjectWriter"));
    // The public bucket policy grants `*` GetObject on the bucket's objects.
    let public = read(files[8]);
    let doc = plain(&public.policies[0].document);
    assert!(
        doc.contains(r#""Principal":"*""#) && doc.contains("/*"),
        "{doc}"
    );
    // The typo'd action is found in the template.
    let typo = located(&read(files[9]));
    assert!(
        typo.iter().any(|(c, l, _)| c == "P204" && *l == 29),
        "{typo:?}"
    );
    // checkov: PublicRead and PublicReadWrite canned ACLs are public grants.
    let ck = read(files[10]);
    let public_acls = ck
        .buckets
        .iter()
        .flat_map(|b| &b.settings)
        .filter(|(n, v)| *n == "acl.json" && plain(v).contains("global/AllUsers"))
        .count();
    assert_eq!(public_acls, 3);
}

fn setting_of<'a>(x: &'a Extracted, name: &str) -> &'a Value {
    x.buckets
        .iter()
        .flat_map(|b| &b.settings)
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .unwrap()
}

#[test]
fn a_stackset_template_body_is_read_with_findings_located_in_the_outer_file() {
    let Some(dir) = corpus() else {
        return skip();
    };
    let p = "aws-cfn-templates/CloudFormation/StackSets/templates/common-resources-stackset.yaml";
    let text = std::fs::read_to_string(dir.join(p)).unwrap();
    let x = cloudformation::read(SourceFile::new(p, text)).unwrap();
    let buckets: Vec<&str> = x.buckets.iter().map(|b| b.address.as_str()).collect();
    assert_eq!(
        buckets,
        [
            "StackSet/StorageLogBucket",
            "StackSet/StorageBucket",
            "StackSet/StorageReplicaBucket"
        ]
    );
    // The invalid replication action of the nested template, at its line in this file.
    let got = located(&x);
    assert!(got.contains(&("P204".into(), 167, 25)), "{got:?}");
    for b in &x.buckets {
        assert!(x.source.slice(b.span).contains("AWS::S3::Bucket"));
    }
}

#[test]
fn fn_for_each_loops_are_expanded() {
    let text = "Transform: AWS::LanguageExtensions\nParameters:\n  Envs: {Type: CommaDelimitedList, Default: 'dev,prod'}\nResources:\n  Fn::ForEach::Envs:\n    - Env\n    - !Ref Envs\n    - Fn::ForEach::Kinds:\n        - Kind\n        - [logs, data]\n        - Bucket&{Env}${Kind}:\n            Type: AWS::S3::Bucket\n            Properties:\n              BucketName: !Sub '${Env}-${Kind}'\n";
    let x = cloudformation::read(SourceFile::new("loop.yaml", text)).unwrap();
    let got: Vec<(&str, Option<&str>)> = x
        .buckets
        .iter()
        .map(|b| (b.address.as_str(), b.name.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("Bucketdevlogs", Some("dev-logs")),
            ("Bucketdevdata", Some("dev-data")),
            ("Bucketprodlogs", Some("prod-logs")),
            ("Bucketproddata", Some("prod-data"))
        ]
    );
    // A loop over an unknown collection is left alone and noted.
    let text = "Transform: AWS::LanguageExtensions\nParameters:\n  Envs: {Type: CommaDelimitedList}\nResources:\n  Fn::ForEach::Envs:\n    - Env\n    - !Ref Envs\n    - B${Env}: {Type: AWS::S3::Bucket}\n  Other: {Type: AWS::S3::Bucket}\n";
    let x = cloudformation::read(SourceFile::new("loop.yaml", text)).unwrap();
    assert_eq!(x.buckets.len(), 1);
    assert_eq!(x.findings[0].code.as_str(), "E014");
}

/// SAM's S3 policy templates expand as the SAM translator expands them (its own test output
/// in the corpus).
#[test]
fn sam_s3_policy_templates_expand_as_sam_does() {
    let Some(dir) = corpus() else {
        return skip();
    };
    let read = |p: &str| {
        let text = std::fs::read_to_string(dir.join(p)).unwrap();
        cloudformation::read(SourceFile::new(p, text)).unwrap()
    };
    let input = read("sam-translator/tests/translator/input/all_policy_templates.yaml");
    let output = read("sam-translator/tests/translator/output/all_policy_templates.json");
    assert_eq!(input.policies.len(), 4);
    for p in &input.policies {
        let i = p.address.rsplit('[').next().unwrap().trim_end_matches(']');
        let want = format!("KitchenSinkFunctionRole.Policies[KitchenSinkFunctionRolePolicy{i}]");
        let expected = output.policies.iter().find(|q| q.address == want).unwrap();
        assert_eq!(
            plain(&p.document),
            plain(&expected.document),
            "{}",
            p.address
        );
        assert!(p.document.get("Statement").is_some());
    }
}
