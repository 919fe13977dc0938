//! Terraform configuration read into the IaC model: one fixture per construct under
//! tests/fixtures/iac/terraform/, each checked for the extracted policy or setting and for a
//! finding located at the line and column of the `.tf` file.

use s3_access::iac::terraform::{self, FsReader, ModuleRead};
use s3_access::iac::{self, Attachment, Extracted};
use s3_access::json::{Kind, Value};
use s3_access::load::LoadOptions;
use s3_access::policy::PolicyKind;
use s3_access::registry::Code;
use s3_access::source::SourceFile;
use std::path::{Path, PathBuf};
use std::rc::Rc;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/iac/terraform")
        .join(name)
}

/// Reads a module directory the way a caller would: its `.tf` and `.tf.json` files and
/// `*.tfvars`.
pub fn read_dir(dir: &Path) -> ModuleRead {
    let mut tf = Vec::new();
    let mut vars = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let text = || std::fs::read_to_string(&p).unwrap();
        let json_syntax = p.to_string_lossy().ends_with(".tf.json");
        match p.extension().and_then(|e| e.to_str()) {
            Some("tf") => tf.push(SourceFile::new(p.display().to_string(), text())),
            Some("json") if json_syntax => {
                tf.push(SourceFile::new(p.display().to_string(), text()))
            }
            Some("tfvars") => vars.push(SourceFile::new(p.display().to_string(), text())),
            _ => {}
        }
    }
    terraform::read_module(dir, tf, &vars, Rc::new(FsReader))
}

/// A JSON tree without spans, for comparing with `serde_json::json!`.
pub fn plain(v: &Value) -> serde_json::Value {
    match &v.kind {
        Kind::Null => serde_json::Value::Null,
        Kind::Bool(b) => (*b).into(),
        Kind::Number(n) => serde_json::from_str(n).unwrap(),
        Kind::String(s) => s.to_string().into(),
        Kind::Array(a) => a.iter().map(plain).collect(),
        Kind::Object(m) => m
            .iter()
            .map(|m| (m.key.to_string(), plain(&m.value)))
            .collect(),
    }
}

/// Line and column of the first finding with `code`.
fn located(e: &Extracted, code: Code) -> (u32, u32) {
    let a = iac::analyze(e, &LoadOptions::default());
    let f = a
        .report
        .findings
        .iter()
        .find(|f| f.finding.code == code)
        .unwrap_or_else(|| panic!("no {code:?} in {:?}", a.report.findings));
    (f.start.line, f.start.column)
}

fn only(dir: &str) -> Extracted {
    let r = read_dir(&fixture(dir));
    assert_eq!(
        r.files.len(),
        1,
        "{:?}",
        r.files
            .iter()
            .map(|f| f.source.name().to_string())
            .collect::<Vec<_>>()
    );
    r.files.into_iter().next().unwrap()
}

#[test]
fn heredoc_policy_is_located_in_the_heredoc() {
    let e = only("heredoc");
    let p = &e.policies[0];
    assert_eq!(p.address, "aws_s3_bucket_policy.site");
    assert_eq!(
        p.attached_to,
        Some(Attachment::Bucket("aws_s3_bucket.site".into()))
    );
    let st = &plain(&p.document)["Statement"][0];
    assert_eq!(st["Resource"], "arn:aws:s3:::amzn-s3-demo-bucket/*");
    assert_eq!(located(&e, Code::InvalidEffect), (13, 21));
}

#[test]
fn jsonencode_resolves_variables_locals_and_format() {
    let e = only("jsonencode");
    let doc = plain(&e.policies[0].document);
    assert_eq!(
        doc["Statement"][0]["Resource"],
        "arn:aws:s3:::amzn-s3-demo-bucket/*"
    );
    assert_eq!(doc["Statement"][0]["Principal"]["AWS"], "*");
    assert_eq!(
        e.policies[0].attached_to,
        Some(Attachment::BucketName("amzn-s3-demo-bucket".into()))
    );
    assert_eq!(located(&e, Code::InvalidEffect), (14, 19));
}

#[test]
fn policy_document_renders_as_the_provider_does() {
    let e = only("policy_document");
    let doc = plain(&e.policies[0].document);
    let expected = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "TLS", "Effect": "Deny", "Action": "s3:*",
             "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], "Principal": "*",
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            {"Sid": "Home", "Effect": "Alow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*",
             "Principal": {"Service": "logging.s3.amazonaws.com"}}
        ]
    });
    assert_eq!(doc, expected);
    // The overriding statement's bad effect is located in the block that wrote it.
    assert_eq!(located(&e, Code::InvalidEffect), (31, 17));
}

#[test]
fn policy_document_turns_ampersand_variables_into_policy_variables() {
    let e = only("policy_document");
    // The overridden "Home" statement is gone; check the source document on its own.
    let src = std::fs::read_to_string(fixture("policy_document/main.tf")).unwrap();
    let cut = src.replace(
        "override_policy_documents = [data.aws_iam_policy_document.extra.json]",
        "",
    );
    let e2 = terraform::read_file(SourceFile::new("main.tf", cut));
    let doc = plain(&e2.policies[0].document);
    assert_eq!(
        doc["Statement"][1]["Resource"],
        "arn:aws:s3:::b/home/${aws:username}/*"
    );
    assert_eq!(e.policies.len(), 1);
}

#[test]
fn split_resources_link_to_their_bucket_under_count_and_for_each() {
    let e = only("split");
    let addresses: Vec<&str> = e.buckets.iter().map(|b| b.address.as_str()).collect();
    assert_eq!(
        addresses,
        [
            "aws_s3_bucket.this[\"data\"]",
            "aws_s3_bucket.this[\"logs\"]",
            "aws_s3_bucket.single[0]"
        ]
    );
    // Each bucket's settings but its Object Lock, known absent here (`{}`).
    let settings = |i: usize| {
        e.buckets[i]
            .settings
            .iter()
            .filter(|(n, v)| !(*n == "object-lock.json" && plain(v) == serde_json::json!({})))
            .map(|(n, v)| (*n, plain(v)))
            .collect::<Vec<_>>()
    };
    let logs = settings(1);
    assert_eq!(logs[0].0, "public-access-block.json");
    assert_eq!(
        logs[0].1["PublicAccessBlockConfiguration"]["BlockPublicPolicy"],
        true
    );
    assert_eq!(
        settings(0)[0].1["PublicAccessBlockConfiguration"]["BlockPublicPolicy"],
        false
    );
    let single = settings(2);
    assert_eq!(
        single[0],
        (
            "ownership-controls.json",
            serde_json::json!({"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}})
        )
    );
    assert_eq!(
        single[1],
        ("versioning.json", serde_json::json!({"Status": "Enabled"}))
    );
}

#[test]
fn legacy_inline_blocks_become_bucket_settings() {
    let e = only("legacy");
    let b = &e.buckets[0];
    let names: Vec<&str> = b.settings.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "acl.json",
            "versioning.json",
            "logging.json",
            "encryption.json",
            // No `object_lock_enabled`: Object Lock known absent (`{}`).
            "object-lock.json"
        ]
    );
    let acl = plain(&b.settings[0].1);
    assert_eq!(
        acl["Grants"][1]["Grantee"]["URI"],
        "http://acs.amazonaws.com/groups/global/AllUsers"
    );
    assert_eq!(acl["Grants"][1]["Permission"], "READ");
    // The owner is not known offline: its id is an unknown placeholder, listed with its place.
    let owner = acl["Owner"]["ID"].as_str().unwrap();
    assert!(owner.starts_with("${iac:unknown-"), "{owner}");
    assert_eq!(
        plain(&b.settings[1].1),
        serde_json::json!({"Status": "Enabled"})
    );
    assert_eq!(e.policies[0].kind, PolicyKind::Bucket);
    assert_eq!(located(&e, Code::UnknownAction), (23, 85));
}

#[test]
fn local_module_is_read_with_its_inputs() {
    let r = read_dir(&fixture("module"));
    let child = r
        .files
        .iter()
        .find(|f| f.source.name().contains("child"))
        .unwrap();
    assert_eq!(
        child.policies[0].address,
        "module.logs.aws_s3_bucket_policy.this"
    );
    assert_eq!(
        child.policies[0].attached_to,
        Some(Attachment::Bucket("module.logs.aws_s3_bucket.this".into()))
    );
    assert_eq!(child.buckets[0].name.as_deref(), Some("amzn-s3-demo-logs"));
    let doc = plain(&child.policies[0].document);
    assert_eq!(
        doc["Statement"][0]["Resource"],
        "arn:aws:s3:::amzn-s3-demo-logs/*"
    );
    assert_eq!(located(child, Code::InvalidEffect), (12, 19));
}

#[test]
fn unknowns_are_placeholders_listed_with_their_place() {
    let e = only("unknowns");
    let p = &e.policies[0];
    let principal = plain(&p.document)["Statement"][0]["Principal"]["AWS"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(principal, "arn:aws:iam::${iac:unknown-0}:root");
    let u = terraform::unknowns_in(&p.document, &e);
    assert_eq!(u.len(), 1);
    assert_eq!(
        u[0].expression,
        "data.aws_caller_identity.current.account_id"
    );
    assert_eq!(e.source.line_col(u[0].span.start).line, 13);
    // The managed policy read from AWS is a whole unknown policy, not skipped silently.
    assert_eq!(e.policies.len(), 1);
    assert!(
        e.unknowns
            .iter()
            .any(|u| u.why.contains("`aws_iam_policy.copy`")
                && u.expression == "data.aws_iam_policy.managed.policy")
    );
}

#[test]
fn iam_kms_and_organizations_policies_have_their_kinds() {
    let r = read_dir(&fixture("iam"));
    let e = &r.files[0];
    let kinds: Vec<(&str, PolicyKind)> = e
        .policies
        .iter()
        .map(|p| (p.address.as_str(), p.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("aws_iam_role.app.assume_role_policy", PolicyKind::Trust),
            ("aws_iam_role.app.inline_policy", PolicyKind::Identity),
            ("aws_iam_role_policy.write", PolicyKind::Identity),
            ("aws_organizations_policy.rcp", PolicyKind::Rcp),
            ("aws_kms_key.k", PolicyKind::Resource),
        ]
    );
    assert_eq!(
        e.policies[2].attached_to,
        Some(Attachment::Principal("aws_iam_role.app".into()))
    );
    let (_, address, name, v) = &r.account[0];
    assert_eq!(
        (address.as_str(), *name),
        (
            "aws_s3_account_public_access_block.acct",
            "public-access-block.json"
        )
    );
    assert_eq!(
        plain(v)["PublicAccessBlockConfiguration"]["IgnorePublicAcls"],
        false
    );
}

#[test]
fn dynamic_blocks_and_conditionals_expand() {
    let e = only("dynamic");
    let doc = plain(&e.policies[0].document);
    let sids: Vec<&str> = doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Sid"].as_str().unwrap())
        .collect();
    assert_eq!(sids, ["audit", "ops"]);
    assert_eq!(
        doc["Statement"][1]["Principal"]["AWS"],
        "arn:aws:iam::444455556666:role/ops"
    );
}

#[test]
fn a_module_that_sources_itself_is_a_located_error() {
    let e = only("self_module");
    let f = e
        .findings
        .iter()
        .find(|f| f.code == Code::TerraformSyntax)
        .unwrap();
    assert_eq!(e.source.line_col(f.span.start).line, 2);
}

#[test]
fn tfvars_values_replace_missing_defaults() {
    let e = only("tfvars");
    let doc = plain(&e.policies[0].document);
    assert_eq!(doc["Statement"][0]["Principal"]["AWS"], "*");
    // Without the tfvars the variable is an unknown.
    let text = std::fs::read_to_string(fixture("tfvars/main.tf")).unwrap();
    let e2 = terraform::read_file(SourceFile::new("main.tf", text));
    assert!(e2.unknowns.iter().any(|u| u.expression == "var.principal"));
}

#[test]
fn syntax_errors_are_located() {
    let e = terraform::read_file(SourceFile::new(
        "bad.tf",
        "resource \"a\" \"b\" {\n  x = \n}\n",
    ));
    let f = e
        .findings
        .iter()
        .find(|f| f.code == Code::TerraformSyntax)
        .unwrap();
    assert_eq!(e.source.line_col(f.span.start).line, 2, "{}", f.message);
}

/// The real Terraform of the shared corpus: `../shared/corpus/iac` beside the checkout (or
/// two levels up, from a worktree), if present.
#[allow(clippy::print_stderr, reason = "a skipped case must say so")]
fn corpus_root() -> Option<PathBuf> {
    let found = crate::shared_corpus("iac");
    if found.is_none() {
        eprintln!("skipped: ../shared/corpus/iac is absent");
    }
    found
}

/// Every directory under `root` holding `.tf` files, sorted.
fn tf_dirs(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut has_tf = false;
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "tf") {
                has_tf = true;
            }
        }
        if has_tf {
            out.push(d);
        }
    }
    out.sort();
    out
}

/// Per directory: files, policies, buckets (address: settings), unknowns, E-codes.
fn corpus_summary(root: &Path) -> Vec<String> {
    let mut lines = Vec::new();
    for dir in tf_dirs(root) {
        let r = read_dir(&dir);
        let rel = dir.strip_prefix(root).unwrap().display().to_string();
        let mut buckets = Vec::new();
        let (mut policies, mut unknowns, mut errors) = (0, 0, Vec::new());
        for e in &r.files {
            policies += e.policies.len();
            unknowns += e.unknowns.len();
            for b in &e.buckets {
                let names: Vec<&str> = b
                    .settings
                    .iter()
                    .map(|(n, _)| n.trim_end_matches(".json"))
                    .collect();
                buckets.push(format!("{} [{}]", b.address, names.join(" ")));
            }
            for f in &e.findings {
                errors.push(format!(
                    "{:?} {}:{} {}",
                    f.code,
                    e.source.name().rsplit('/').next().unwrap(),
                    e.source.line_col(f.span.start).line,
                    f.message
                ));
            }
        }
        lines.push(format!(
            "{rel}: {} files, {policies} policies, {unknowns} unknowns, {} buckets",
            r.files.len(),
            buckets.len()
        ));
        lines.extend(buckets.into_iter().map(|b| format!("  bucket {b}")));
        lines.extend(errors.into_iter().map(|e| format!("  finding {e}")));
    }
    lines
}

#[test]
fn corpus_terraform_reads_without_errors() {
    let Some(root) = corpus_root() else { return };
    let summary = corpus_summary(&root);
    let findings: Vec<&str> = summary
        .iter()
        .filter(|l| l.starts_with("  finding"))
        .map(String::as_str)
        .collect();
    // The one genuinely broken input: a heredoc policy missing a comma (checkov's fixture of
    // a policy AWS rejects).
    let broken = "  finding JsonSyntax main.tf:149 expected `,` or the end of the list in the policy embedded in aws_s3_bucket_policy.pass3";
    assert_eq!(findings, [broken]);
    insta::assert_snapshot!("corpus_terraform", summary.join("\n"));
}

fn plan(path: &Path) -> terraform::plan::PlanRead {
    let text = terraform::plan::decode(std::fs::read(path).unwrap()).unwrap();
    terraform::plan::read_plan(SourceFile::new(path.display().to_string(), text))
}

#[test]
fn plans_name_addresses_keep_before_and_mark_unknowns() {
    let r = plan(&fixture("plan/plan.json"));
    let e = &r.after;
    assert_eq!(e.policies.len(), 1);
    let p = &e.policies[0];
    assert_eq!(p.address, "module.logs.aws_s3_bucket_policy.this");
    assert_eq!(
        p.attached_to,
        Some(Attachment::Bucket("module.logs.aws_s3_bucket.this".into()))
    );
    // Located inside the JSON string of `values.policy`.
    assert_eq!(located(e, Code::InvalidEffect), (40, 83));
    let b = &e.buckets[0];
    assert_eq!(b.settings[0].0, "public-access-block.json");
    assert_eq!(
        plain(&b.settings[0].1)["PublicAccessBlockConfiguration"]["BlockPublicPolicy"],
        false
    );
    assert!(
        e.unknowns
            .iter()
            .any(|u| u.expression == "aws_s3_bucket_policy.unknown.policy"
                && u.why.contains("after apply"))
    );
    assert_eq!(r.before.len(), 1);
    assert_eq!(
        plain(&r.before[0].document)["Statement"],
        serde_json::json!([])
    );
}

#[test]
fn a_utf16_plan_with_bom_is_decoded() {
    let mut bytes = vec![0xFF, 0xFE];
    for u in "{\"format_version\":\"1.2\",\"planned_values\":{}}".encode_utf16() {
        bytes.extend(u.to_le_bytes());
    }
    let text = terraform::plan::decode(bytes).unwrap();
    let r = terraform::plan::read_plan(SourceFile::new("p.json", text));
    assert!(r.after.findings.is_empty());
    let r = terraform::plan::read_plan(SourceFile::new("p.json", "{\"a\": 1}"));
    assert_eq!(r.after.findings[0].code, Code::TerraformSyntax);
}

#[test]
fn corpus_plans_read_without_errors() {
    let Some(root) = corpus_root() else { return };
    let mut lines = Vec::new();
    let mut stack = vec![root.clone()];
    let mut plans = Vec::new();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json")
                && std::fs::read(&p)
                    .unwrap()
                    .windows(14)
                    .any(|w| w == b"format_version" || w == b"f\0o\0r\0m\0a\0t\0_\0")
            {
                plans.push(p);
            }
        }
    }
    plans.sort();
    assert_eq!(plans.len(), 12, "{plans:?}");
    for p in plans {
        let r = plan(&p);
        let e = &r.after;
        let rel = p.strip_prefix(&root).unwrap().display();
        assert!(e.findings.is_empty(), "{rel}: {:?}", e.findings);
        let a = iac::analyze(e, &LoadOptions::default());
        let errors = a
            .report
            .findings
            .iter()
            .filter(|f| f.finding.code.as_str().starts_with('E'))
            .count();
        assert_eq!(errors, 0, "{rel}");
        lines.push(format!(
            "{rel}: {} policies ({} before), {} buckets, {} unknowns",
            e.policies.len(),
            r.before.len(),
            e.buckets.len(),
            e.unknowns.len()
        ));
        for b in &e.buckets {
            let names: Vec<&str> = b
                .settings
                .iter()
                .map(|(n, _)| n.trim_end_matches(".json"))
                .collect();
            lines.push(format!("  bucket {} [{}]", b.address, names.join(" ")));
        }
    }
    insta::assert_snapshot!("corpus_plans", lines.join("\n"));
}

#[test]
fn plan_role_inline_policies_are_identity_policies_of_the_role() {
    let text = r#"{"format_version":"1.2","planned_values":{"root_module":{"resources":[{"address":"aws_iam_role.r","mode":"managed","type":"aws_iam_role","name":"r","values":{"assume_role_policy":"{\"Version\":\"2012-10-17\",\"Statement\":[]}","inline_policy":[{"name":"a","policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}"}]}}]}}}"#;
    let r = terraform::plan::read_plan(SourceFile::new("p.json", text));
    let kinds: Vec<(&str, PolicyKind)> = r
        .after
        .policies
        .iter()
        .map(|p| (p.address.as_str(), p.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("aws_iam_role.r", PolicyKind::Trust),
            ("aws_iam_role.r.inline_policy", PolicyKind::Identity)
        ]
    );
    assert_eq!(
        r.after.policies[1].attached_to,
        Some(Attachment::Principal("aws_iam_role.r".into()))
    );
}

#[test]
fn file_policies_are_read_from_the_module_and_located_at_the_call() {
    let e = only("file_policy");
    let doc = plain(&e.policies[0].document);
    assert_eq!(doc["Statement"][0]["Action"], "s3:GetObjekt");
    // The text comes from another file: its findings point at the `file(...)` call.
    assert_eq!(located(&e, Code::UnknownAction), (3, 12));
}

#[test]
fn toset_and_distinct_compare_numbers_by_value_and_strings_by_text() {
    // `same`'s rule, kept by the linear `dedup`: a number equals a number or a numeric string
    // of the same value; two strings are equal only when their text is.
    let tf = r#"
resource "aws_s3_bucket_policy" "p" {
  bucket = "amzn-s3-demo-bucket"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111122223333:root" }
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::amzn-s3-demo-bucket/*"
      Condition = {
        StringEquals = {
          "s3:prefix"           = toset(["1", "01", 1, "1", "x", "x"])
          "aws:SourceAccount"   = distinct([1, "1", "01", 1.0, "x"])
        }
      }
    }]
  })
}
"#;
    let e = terraform::read_file(SourceFile::new("main.tf", tf));
    let doc = plain(&e.policies[0].document);
    let c = &doc["Statement"][0]["Condition"]["StringEquals"];
    assert_eq!(c["s3:prefix"], serde_json::json!(["1", "01", "x"]));
    assert_eq!(c["aws:SourceAccount"], serde_json::json!([1, "x"]));
}

#[test]
fn terraform_json_syntax_reads_as_native_syntax_located_in_the_json() {
    let e = only("json_syntax");
    assert!(e.source.name().ends_with("main.tf.json"));
    assert!(e.findings.is_empty(), "{:?}", e.findings);
    // The bucket with its split settings, linked through `"${aws_s3_bucket.site.id}"`.
    assert_eq!(e.buckets.len(), 1);
    let b = &e.buckets[0];
    assert_eq!(b.address, "aws_s3_bucket.site");
    assert_eq!(b.name.as_deref(), Some("amzn-s3-demo-bucket"));
    let settings: Vec<&str> = b.settings.iter().map(|(n, _)| *n).collect();
    // No `object_lock_enabled` and no Object Lock resource: known absent (`{}`).
    assert_eq!(
        settings,
        [
            "object-lock.json",
            "public-access-block.json",
            "versioning.json"
        ]
    );
    assert_eq!(plain(&b.settings[0].1), serde_json::json!({}));
    // The policy document's statement blocks (an array of objects), principals given as one
    // object and as an array; the role policy's `jsonencode` inside a template string.
    let addresses: Vec<&str> = e.policies.iter().map(|p| p.address.as_str()).collect();
    assert_eq!(
        addresses,
        ["aws_s3_bucket_policy.site", "aws_iam_role_policy.reader"]
    );
    let site = plain(&e.policies[0].document);
    assert_eq!(site["Statement"][0]["Principal"], "*");
    assert_eq!(
        site["Statement"][0]["Resource"],
        "arn:aws:s3:::amzn-s3-demo-bucket/*"
    );
    let reader = plain(&e.policies[1].document);
    assert_eq!(
        reader["Statement"][0]["Resource"],
        "arn:aws:s3:::amzn-s3-demo-bucket/*"
    );
    // Findings at the JSON line and column: `"identifiers": ["*"]` of the public statement,
    // the unknown `var.reader` inside its string.
    let principal = e.policies[0]
        .document
        .get("Statement")
        .unwrap()
        .as_array()
        .unwrap()[0]
        .get("Principal")
        .unwrap()
        .span;
    let at = e.source.line_col(principal.start);
    assert_eq!((at.line, at.column), (61, 31));
    assert_eq!(located(&e, Code::InvalidPrincipal), (71, 36));
    let u = &e.unknowns[0];
    assert_eq!(u.expression, "var.reader");
    let at = e.source.line_col(u.span.start);
    assert_eq!((at.line, at.column), (71, 36));
    // A variable default is a literal, never a template.
    let lit = r#"{"variable": {"v": {"default": "${x}"}},
      "resource": {"aws_s3_bucket": {"b": {"bucket": "${var.v}"}}}}"#;
    let e = terraform::read_file(SourceFile::new("lit.tf.json", lit));
    assert_eq!(e.buckets[0].name.as_deref(), Some("${x}"));
}

#[test]
fn terraform_json_and_native_files_of_a_directory_are_one_module() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("vars.tf.json"),
        r#"{"variable": {"name": {"default": "amzn-s3-demo-bucket"}}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = var.name\n}\n",
    )
    .unwrap();
    let r = read_dir_all(dir.path());
    assert_eq!(r.files.len(), 2);
    let bucket = r.files.iter().flat_map(|f| &f.buckets).next().unwrap();
    assert_eq!(bucket.name.as_deref(), Some("amzn-s3-demo-bucket"));
}

/// Reads every Terraform file of `dir` (`.tf` and `.tf.json`) as one module.
fn read_dir_all(dir: &Path) -> ModuleRead {
    use s3_access::iac::terraform::ModuleReader;
    let files = FsReader
        .tf_files(dir)
        .unwrap()
        .into_iter()
        .map(|p| SourceFile::new(p.display().to_string(), FsReader.read(&p).unwrap()))
        .collect();
    terraform::read_module(dir, files, &[], Rc::new(FsReader))
}

#[test]
fn object_lock_enabled_is_read_and_its_absence_known() {
    let lock = |tf: &str| -> Vec<(String, serde_json::Value)> {
        let e = terraform::read_file(SourceFile::new("main.tf", tf));
        e.buckets
            .iter()
            .flat_map(|b| {
                b.settings
                    .iter()
                    .filter(|(n, _)| *n == "object-lock.json")
                    .map(|(_, v)| (b.address.clone(), plain(v)))
            })
            .collect()
    };
    let on =
        "resource \"aws_s3_bucket\" \"a\" {\n  bucket = \"a\"\n  object_lock_enabled = true\n}\n";
    assert_eq!(
        lock(on),
        [(
            "aws_s3_bucket.a".to_string(),
            serde_json::json!({"ObjectLockConfiguration": {"ObjectLockEnabled": "Enabled"}})
        )]
    );
    // Absent (the provider's default, false): no Object Lock, known.
    let off = "resource \"aws_s3_bucket\" \"a\" {\n  bucket = \"a\"\n}\n";
    assert_eq!(
        lock(off),
        [("aws_s3_bucket.a".to_string(), serde_json::json!({}))]
    );
    // A split resource of the bucket replaces it (the later setting is read).
    let split = format!(
        "{off}resource \"aws_s3_bucket_object_lock_configuration\" \"l\" {{\n  bucket = aws_s3_bucket.a.id\n}}\n"
    );
    let got = lock(&split);
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[1].1["ObjectLockConfiguration"]["ObjectLockEnabled"],
        "Enabled"
    );
    // One whose bucket is not known may be this bucket's: nothing is claimed absent.
    let unknown = format!(
        "{off}variable \"b\" {{}}\nresource \"aws_s3_bucket_object_lock_configuration\" \"l\" {{\n  bucket = var.b\n}}\n"
    );
    assert!(
        lock(&unknown)
            .iter()
            .all(|(_, v)| v != &serde_json::json!({}))
    );
    // Not known offline: unknown, not absent.
    let var = "variable \"l\" {}\nresource \"aws_s3_bucket\" \"a\" {\n  bucket = \"a\"\n  object_lock_enabled = var.l\n}\n";
    assert!(lock(var).is_empty());
}
