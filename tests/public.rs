//! The meaning of public: every fixture under `policies/public/` gets the verdict its name
//! says, bucket folders combine their paths with Block Public Access, what is unknown is never
//! "not public", and the `public` command keeps its output and exit-code contract.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary; a bucket folder given sits beside its account folder (`../account`), so
/// the folder's parent is passed as `--root` (the paths a folder names stay inside the root).
fn run(args: &[&str]) -> Output {
    let widen = args
        .iter()
        .find(|a| a.ends_with("example-bucket"))
        .and_then(|a| Path::new(a).parent())
        .map(|p| vec!["--root".to_string(), p.display().to_string()])
        .unwrap_or_default();
    Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args(args)
        .args(widen)
        .current_dir(root())
        .output()
        .unwrap()
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = run(args);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn every_definition_fixture_gets_the_verdict_its_name_says() {
    let dir = root().join("policies/public");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 40, "the fixtures cover the definition");
    let doc = json(&["public", "--format", "json", "policies/public"]);
    let buckets = doc["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), files.len());
    for b in buckets {
        let source = b["source"].as_str().unwrap();
        let name = Path::new(source).file_stem().unwrap().to_str().unwrap();
        let expected = if name.starts_with("not-public-") {
            "not-public"
        } else {
            assert!(name.starts_with("public-"), "{name}");
            "public"
        };
        assert_eq!(b["verdict"], expected, "{name}: {b:#}");
        assert_eq!(b["public"], expected == "public", "{name}");
        // A public statement says what opens and how to fix it.
        for p in b["paths"].as_array().unwrap() {
            for s in p["statements"].as_array().into_iter().flatten() {
                if s["public"] == true {
                    assert!(s["fix"].is_string(), "{name}: {s:#}");
                    assert!(s["reason"].is_string());
                } else if let Some(r) = s.get("restricted_by") {
                    assert!(r["provenance"].is_string(), "{name}");
                }
            }
        }
    }
}

#[test]
fn public_statements_name_the_access_they_open() {
    let doc = json(&[
        "public",
        "--format",
        "json",
        "policies/public/public-aws-example-mixed-cloudtrail-account-star.json",
    ]);
    let statements = &doc["buckets"][0]["paths"][0]["statements"];
    let public: Vec<&serde_json::Value> = statements
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["public"] == true)
        .collect();
    assert_eq!(public.len(), 1, "only `Everyone` is public: {statements:#}");
    assert_eq!(public[0]["sid"], "Everyone");
    assert_eq!(public[0]["access"], serde_json::json!(["read"]));
    assert_eq!(public[0]["actions"], serde_json::json!(["GetObject"]));
    let put = doc["buckets"][0]["paths"][0]["put_time"][0]
        .as_str()
        .unwrap();
    assert!(put.contains("BlockPublicPolicy"), "{put}");
}

#[test]
fn the_example_bucket_is_public_through_an_object_acl() {
    let doc = json(&[
        "public",
        "--format",
        "json",
        "policies/buckets/example-bucket",
    ]);
    let b = &doc["buckets"][0];
    assert_eq!(b["bucket"], "example-bucket");
    assert_eq!(b["verdict"], "public");
    let status = |name: &str| {
        b["paths"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["status"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no path {name}: {b:#}"))
    };
    assert_eq!(status("bucket policy"), "not-public");
    assert_eq!(status("bucket ACL"), "not-public");
    assert_eq!(status("object `public/logo.png` ACL"), "public");
    assert_eq!(status("access point `reports-ap`"), "not-public");
    assert_eq!(status("ACLs of objects not listed"), "unknown");
    let out = run(&["public", "policies/buckets/example-bucket"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

/// Copies the example bucket folder (and its account folder) to a temporary directory.
fn copy_example(tmp: &Path) -> PathBuf {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            let target = to.join(e.file_name());
            if e.path().is_dir() {
                copy(&e.path(), &target);
            } else {
                std::fs::copy(e.path(), target).unwrap();
            }
        }
    }
    copy(
        &root().join("policies/buckets/example-bucket"),
        &tmp.join("example-bucket"),
    );
    copy(
        &root().join("policies/buckets/account"),
        &tmp.join("account"),
    );
    tmp.join("example-bucket")
}

#[test]
fn block_public_access_and_bucket_owner_enforced_change_the_verdict() {
    let tmp = tempdir("bpa");
    let bucket = copy_example(&tmp);
    let b = bucket.display().to_string();
    // IgnorePublicAcls at the account level blocks the public object ACL.
    std::fs::write(
        tmp.join("account/public-access-block.json"),
        r#"{"PublicAccessBlockConfiguration":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true}}"#,
    )
    .unwrap();
    let doc = json(&["public", "--format", "json", &b]);
    assert_eq!(doc["buckets"][0]["verdict"], "blocked", "{doc:#}");
    let blocked = doc["buckets"][0]["paths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["status"] == "blocked")
        .unwrap();
    assert_eq!(blocked["blocked_by"]["flag"], "IgnorePublicAcls");
    assert_eq!(blocked["blocked_by"]["level"], "account");
    assert!(
        blocked["blocked_by"]["at"]["file"]
            .as_str()
            .unwrap()
            .ends_with("account/public-access-block.json")
    );
    assert_eq!(run(&["public", &b]).status.code(), Some(0));
    // With ACLs disabled, no ACL path is public whatever it lists.
    std::fs::write(
        tmp.join("account/public-access-block.json"),
        r#"{"PublicAccessBlockConfiguration":{"BlockPublicAcls":false,"IgnorePublicAcls":false,"BlockPublicPolicy":false,"RestrictPublicBuckets":false}}"#,
    )
    .unwrap();
    std::fs::write(
        bucket.join("ownership-controls.json"),
        r#"{"OwnershipControls":{"Rules":[{"ObjectOwnership":"BucketOwnerEnforced"}]}}"#,
    )
    .unwrap();
    let doc = json(&["public", "--format", "json", &b]);
    assert_eq!(doc["buckets"][0]["verdict"], "blocked", "{doc:#}");
}

#[test]
fn what_is_not_given_is_never_reported_not_public() {
    let tmp = tempdir("unknown");
    let bucket = copy_example(&tmp);
    let b = bucket.display().to_string();
    // Make every path non-public, then remove the bucket policy file: unknown, not safe.
    std::fs::write(
        bucket.join("ownership-controls.json"),
        r#"{"OwnershipControls":{"Rules":[{"ObjectOwnership":"BucketOwnerEnforced"}]}}"#,
    )
    .unwrap();
    let doc = json(&["public", "--format", "json", &b]);
    assert_eq!(doc["buckets"][0]["verdict"], "blocked", "{doc:#}");
    std::fs::remove_file(bucket.join("policy.json")).unwrap();
    let doc = json(&["public", "--format", "json", &b]);
    assert_eq!(doc["buckets"][0]["verdict"], "uncertain", "{doc:#}");
    assert_eq!(doc["buckets"][0]["public"], true);
    assert_eq!(run(&["public", &b]).status.code(), Some(1));
    // A public policy with unknown Block Public Access is public, never "blocked".
    std::fs::write(
        bucket.join("policy.json"),
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*"}]}"#,
    )
    .unwrap();
    std::fs::remove_file(bucket.join("public-access-block.json")).unwrap();
    std::fs::remove_file(tmp.join("account/public-access-block.json")).unwrap();
    let doc = json(&["public", "--format", "json", &b]);
    assert_eq!(doc["buckets"][0]["verdict"], "public", "{doc:#}");
    let reasons = doc["buckets"][0]["paths"][0]["reasons"].to_string();
    assert!(reasons.contains("unknown"), "{reasons}");
}

#[test]
fn bad_input_exits_2_and_non_policies_are_skipped() {
    assert_eq!(
        run(&["public", "policies/invalid/P107-invalid-effect.json"])
            .status
            .code(),
        Some(2)
    );
    // An identity policy cannot be public; it is skipped.
    let doc = json(&[
        "public",
        "--format",
        "json",
        "policies/valid/identity-s3-home-prefix.json",
    ]);
    assert_eq!(doc["buckets"], serde_json::json!([]));
}

#[test]
fn public_one_line_formats_place_each_verdict_at_its_statement_or_grant() {
    let out = run(&[
        "public",
        "--format",
        "concise",
        "policies/buckets/example-bucket",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let acl = "policies/buckets/example-bucket/objects/public-logo.png.acl.json:";
    assert!(
        text.lines()
            .any(|l| l.starts_with(acl) && l.contains(": public bucket `example-bucket`")),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.contains(": uncertain bucket")),
        "{text}"
    );
    assert!(
        text.ends_with("1 bucket: 1 public or uncertain\n"),
        "{text}"
    );
    // A public statement is placed at its line; an input in error gives its findings.
    let out = run(&[
        "public",
        "--format",
        "concise",
        "policies/public/public-aws-example-star.json",
        "policies/invalid/P107-invalid-effect.json",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("policies/public/public-aws-example-star.json:"))
        .unwrap();
    let at: Vec<u32> = line
        .split(':')
        .skip(1)
        .take(2)
        .map(|n| n.parse().unwrap())
        .collect();
    assert!(at[0] > 1, "{line}");
    assert!(line.contains(" public bucket `"), "{line}");
    assert!(text.contains("policies/invalid/P107-invalid-effect.json:6:17: P107 invalid-effect"));
    // GitHub: annotations, most severe first, at most 10 per type, the rest counted.
    let out = run(&["public", "--format", "github", "policies/public"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let errors = text.lines().filter(|l| l.starts_with("::error ")).count();
    assert_eq!(errors, 10, "{text}");
    assert!(text.contains("title=public::bucket `"), "{text}");
    assert!(text.contains("\n  public: "), "{text}");
}

#[test]
fn help_texts_say_what_each_format_prints() {
    for (command, wrong) in [
        ("query", "every finding"),
        ("check", "every finding"),
        ("check", "source snippets"),
        ("public", "every finding"),
        ("who-can", "every finding"),
    ] {
        let out = run(&[command, "--help"]);
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(help.contains("--format"), "{command}");
        assert!(
            !help.contains(wrong),
            "{command} --help says {wrong}:\n{help}"
        );
    }
    let help = String::from_utf8(run(&["public", "--help"]).stdout).unwrap();
    for format in ["human", "concise", "json", "github"] {
        assert!(help.contains(&format!("- {format}:")), "{help}");
    }
}

#[test]
fn every_input_is_listed_with_its_verdict_error_or_reason_for_skipping() {
    let files = [
        "policies/public/public-aws-example-star.json",
        "policies/invalid/P107-invalid-effect.json",
        "policies/valid/identity-s3-home-prefix.json",
    ];
    for command in ["public", "who-can"] {
        let mut args = vec![command, "--format", "json"];
        args.extend(files);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{command}");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let inputs = doc["inputs"].as_array().unwrap();
        assert_eq!(inputs.len(), 3, "{command}: {doc:#}");
        assert_eq!(doc["buckets"].as_array().unwrap().len(), 1, "{command}");
        for (entry, file) in inputs.iter().zip(files) {
            assert_eq!(entry["path"], file, "{command}: {entry:#}");
        }
        let judged = if command == "public" {
            "public"
        } else {
            "outside-access"
        };
        assert_eq!(inputs[0]["verdict"], judged, "{command}: {doc:#}");
        assert_eq!(inputs[1]["verdict"], "error", "{command}");
        assert!(inputs[1]["error"].as_str().unwrap().contains("error"));
        let diagnostic = &inputs[1]["diagnostics"][0];
        assert_eq!(diagnostic["code"], "P107", "{command}: {doc:#}");
        assert_eq!(diagnostic["file"], files[1]);
        assert!(diagnostic["line"].as_u64().unwrap() > 0);
        assert_eq!(inputs[2]["verdict"], "skipped", "{command}");
        let reason = inputs[2]["reason"].as_str().unwrap();
        assert!(reason.contains("identity"), "{reason}");
    }
    // Human output lists the inputs not judged in the table and counts them.
    let mut args = vec!["public"];
    args.extend(files);
    let text = String::from_utf8(run(&args).stdout).unwrap();
    for file in files {
        assert!(text.contains(file), "{file}: {text}");
    }
    assert!(
        text.contains("2 inputs not judged (1 error, 1 skipped)"),
        "{text}"
    );
    args[0] = "who-can";
    let text = String::from_utf8(run(&args).stdout).unwrap();
    assert!(text.contains(&format!("{}: ERROR: ", files[1])), "{text}");
    assert!(text.contains(&format!("{}: skipped: ", files[2])), "{text}");
}

#[test]
fn queries_on_a_bucket_folder_use_its_acls_ownership_and_access_points() {
    let q = |extra: &[&str]| {
        let mut args = vec![
            "query",
            "--format",
            "json",
            "--bucket",
            "policies/buckets/example-bucket",
        ];
        args.extend_from_slice(extra);
        json(&args)
    };
    // The public object ACL lets anonymous callers read the logo; the grant is located.
    let d = q(&[
        "--principal",
        "anonymous",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::example-bucket/public/logo.png",
    ]);
    assert_eq!(d["decision"], "Allow");
    let grant = &d["determining"][0];
    assert_eq!(grant["kind"], "acl-grant");
    assert_eq!(grant["grantee"], "AllUsers");
    assert!(grant["line"].as_u64().unwrap() > 0);
    // The partner's object is not the bucket owner's: its ACL grants the owner account READ,
    // so bob's identity policy (AmazonS3ReadOnlyAccess, from the account folder) is needed and
    // enough.
    let d = q(&[
        "--principal",
        "arn:aws:iam::111122223333:user/bob",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::example-bucket/uploads/partner/2026-03-report.csv",
    ]);
    assert_eq!(d["decision"], "Allow", "{d:#}");
    // The VPC access point rejects requests from elsewhere, at its description.
    let through_ap = [
        "--principal",
        "arn:aws:sts::111122223333:assumed-role/analyst/a",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:eu-west-1:111122223333:accesspoint/reports-ap/object/reports/q1.csv",
    ];
    let d = q(&through_ap);
    assert_eq!(d["decision"], "ExplicitDeny", "{d:#}");
    assert_eq!(d["determining"][0]["rule"], "access-point-network");
    let d = q(&[
        &through_ap[..],
        &["--context", "aws:SourceVpc=vpc-1a2b3c4d"],
    ]
    .concat());
    assert_eq!(d["decision"], "Allow", "{d:#}");
    // A contradicting owner is refused.
    let out = run(&[
        "query",
        "--bucket",
        "policies/buckets/example-bucket",
        "--bucket-owner",
        "999988887777",
        "--principal",
        "anonymous",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::example-bucket/a",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn individual_s3_flags_work_without_a_folder() {
    // An anonymous request to a bucket owned by 111122223333 whose ACL grants AllUsers WRITE.
    let anonymous = |action: &str, resource: &str, extra: &[&str]| {
        let mut args = vec![
            "query",
            "--format",
            "json",
            "--principal",
            "anonymous",
            "--action",
            action,
            "--resource",
            resource,
            "--bucket-owner",
            "111122223333",
            "--bucket-acl",
            "tests/fixtures/s3/custodian-acl-all-users-write.json",
        ];
        args.extend_from_slice(extra);
        json(&args)
    };
    // WRITE to AllUsers does not let anyone list.
    let d = anonymous(
        "s3:ListBucket",
        "arn:aws:s3:::custodian-bucket",
        &[
            "--public-access-block",
            "tests/fixtures/s3/custodian-bpa-all-off.json",
        ],
    );
    assert_eq!(d["decision"], "ImplicitDeny", "{d:#}");
    // The account's IgnorePublicAcls drops the only grant that would allow it.
    let d = anonymous(
        "s3:PutObject",
        "arn:aws:s3:::custodian-bucket/x",
        &[
            "--account-public-access-block",
            "tests/fixtures/s3/awscli-s3control-get-public-access-block.json",
        ],
    );
    assert_eq!(d["decision"], "ExplicitDeny", "{d:#}");
    assert_eq!(d["determining"][0]["kind"], "block");
    assert_eq!(d["determining"][0]["flag"], "IgnorePublicAcls", "{d:#}");
    assert_eq!(d["determining"][0]["level"], "account");
    // Without it, the grant to AllUsers lets anonymous callers write.
    let d = anonymous("s3:PutObject", "arn:aws:s3:::custodian-bucket/x", &[]);
    assert_eq!(d["decision"], "Allow", "{d:#}");
}

fn tempdir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("s3-access-public-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

mod properties {
    //! Invariants of the definition, on random bucket policies: removing a statement never
    //! makes a non-public policy public; a Deny never changes the verdict; an Allow never makes
    //! a public policy non-public.

    use proptest::prelude::*;
    use s3_access::eval::{Graph, Layer};
    use s3_access::source::SourceFile;

    const PRINCIPALS: &[&str] = &[
        r#""Principal": "*""#,
        r#""Principal": {"AWS": "*"}"#,
        r#""Principal": {"AWS": "111122223333"}"#,
        r#""Principal": {"AWS": "arn:aws:iam::444455556666:role/Partner"}"#,
        r#""Principal": {"Service": "cloudtrail.amazonaws.com"}"#,
        r#""Principal": {"Federated": "cognito-identity.amazonaws.com"}"#,
        r#""NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}"#,
        r#""Principal": {"AWS": ["arn:aws:iam::111122223333:root", "*"]}"#,
    ];
    const CONDITIONS: &[&str] = &[
        "",
        r#", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorgid"}}"#,
        r#", "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-exampleorgid"}}"#,
        r#", "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}"#,
        r#", "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "0.0.0.0/1"]}}"#,
        r#", "Condition": {"StringLike": {"aws:SourceVpce": "vpce-*"}}"#,
        r#", "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}"#,
        r#", "Condition": {"StringEqualsIfExists": {"aws:SourceAccount": "111122223333"}}"#,
        r#", "Condition": {"Bool": {"aws:SecureTransport": "true"}}"#,
        r#", "Condition": {"StringLike": {"aws:userid": "AROAEXAMPLEID:*"}}"#,
        r#", "Condition": {"StringLike": {"aws:Referer": "https://example.com/*"}}"#,
        r#", "Condition": {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-exampleorgid"}}"#,
    ];
    const ACTIONS: &[&str] = &[
        r#""s3:GetObject""#,
        r#""s3:*""#,
        r#"["s3:PutObject", "s3:ListBucket"]"#,
    ];

    #[derive(Debug, Clone)]
    struct St {
        allow: bool,
        principal: usize,
        condition: usize,
        action: usize,
    }

    fn statement() -> impl Strategy<Value = St> {
        (
            any::<bool>(),
            0..PRINCIPALS.len(),
            0..CONDITIONS.len(),
            0..ACTIONS.len(),
        )
            .prop_map(|(allow, principal, condition, action)| St {
                allow,
                principal,
                condition,
                action,
            })
    }

    fn render(sts: &[St]) -> String {
        let body: Vec<String> = sts
            .iter()
            .map(|s| {
                format!(
                    r#"{{"Effect": "{}", {}, "Action": {}, "Resource": ["arn:aws:s3:::bkt", "arn:aws:s3:::bkt/*"]{}}}"#,
                    if s.allow { "Allow" } else { "Deny" },
                    PRINCIPALS[s.principal],
                    ACTIONS[s.action],
                    CONDITIONS[s.condition]
                )
            })
            .collect();
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
            body.join(", ")
        )
    }

    /// Whether the policy is public; `None` when it is not a valid bucket policy.
    fn public(sts: &[St]) -> Option<bool> {
        let mut g = Graph::new();
        let source = SourceFile::new("generated.json", render(sts));
        s3_access::eval::add_source(&mut g, source, Layer::Bucket, 0).ok()?;
        Some(s3_access::public::document_publicity(&g, 0).is_public())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn removing_a_statement_never_makes_a_policy_public(sts in prop::collection::vec(statement(), 1..6), pick in 0usize..6) {
            let Some(before) = public(&sts) else { return Ok(()) };
            prop_assume!(sts.len() > 1);
            let mut fewer = sts.clone();
            fewer.remove(pick % sts.len());
            if let Some(after) = public(&fewer)
                && !before {
                    prop_assert!(!after, "{}", render(&fewer));
                }
        }

        #[test]
        fn a_deny_never_changes_the_verdict(sts in prop::collection::vec(statement(), 1..5), extra in statement()) {
            let Some(before) = public(&sts) else { return Ok(()) };
            let mut more = sts.clone();
            more.push(St { allow: false, ..extra });
            if let Some(after) = public(&more) {
                prop_assert_eq!(before, after, "{}", render(&more));
            }
        }

        #[test]
        fn an_allow_never_makes_a_public_policy_non_public(sts in prop::collection::vec(statement(), 1..5), extra in statement()) {
            let Some(before) = public(&sts) else { return Ok(()) };
            let mut more = sts.clone();
            more.push(St { allow: true, ..extra });
            if let Some(after) = public(&more)
                && before {
                    prop_assert!(after, "{}", render(&more));
                }
        }
    }
}
