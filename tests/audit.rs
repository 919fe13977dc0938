//! The risk audit: every rule has failing and passing fixtures under `policies/audit/<CODE>/`
//! (policy files, or bucket folders for configuration rules); a `fail-*` fixture raises its
//! folder's code, a `pass-*` fixture does not, and the findings of each failing fixture are
//! snapshotted. `transport/` and `encryption/` hold the equivalence sets of S201 and S202:
//! every equivalent form must pass and every near-miss, named after its mistake, must fail.

use s3_access::config::Config;
use s3_access::lint::run::{Event, LintRun, RunInput};
use s3_access::registry::{Code, RULES};
use s3_access::report::json_findings;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The findings of `code` when linting `path` alone, without a configuration file: the lint
/// run of `s3-access lint --no-config`, called in the library. The path is given relative to
/// the repository root (the directory tests run in), as the command line would name it.
fn findings(path: &Path, code: &str) -> Vec<serde_json::Value> {
    let cwd = root();
    findings_with(path, code, &Config::defaults(&cwd))
}

/// The configuration a fixture folder brings: its `.s3-access.toml` (a code that is off by
/// default turned on, or S201 suppressed so that S203 stands alone), else the defaults.
fn folder_config(dir: &Path) -> Config {
    let file = dir.join(".s3-access.toml");
    if file.is_file() {
        Config::load(&file, &root()).unwrap_or_else(|e| panic!("{e}"))
    } else {
        Config::defaults(&root())
    }
}

/// Like [`findings`], with `config`.
fn findings_with(path: &Path, code: &str, config: &Config) -> Vec<serde_json::Value> {
    let rel = path.strip_prefix(root()).unwrap();
    let cwd = root();
    let paths = [rel.to_path_buf()];
    let run = LintRun::collect(RunInput {
        paths: &paths,
        config,
        cwd: &cwd,
        kind: None,
        fail_on: None,
        follow: false,
        root: None,
    });
    assert!(run.walk_errors().is_empty(), "{:?}", run.walk_errors());
    let mut found = Vec::new();
    let outcome = run.run(|event| {
        let report = match event {
            Event::File(r) | Event::Extra(r) => r,
            Event::Skipped(_) => return Ok(()),
            Event::Unreadable { path, error } => {
                return Err(format!("{}: {error}", path.display()));
            }
        };
        found.extend(
            json_findings(report)
                .into_iter()
                .filter(|f| f.code == code)
                .map(|f| {
                    serde_json::json!({
                        "file": f.file,
                        "line": f.line,
                        "column": f.column,
                        "severity": f.severity,
                        "message": f.message,
                    })
                }),
        );
        Ok(())
    });
    outcome.unwrap_or_else(|e| panic!("{e}"));
    found
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn code_of(dir: &Path) -> String {
    match dir.file_name().unwrap().to_str().unwrap() {
        "transport" => "S201".into(),
        "encryption" => "S202".into(),
        other => other.to_string(),
    }
}

#[test]
fn every_fixture_raises_its_code_or_not_as_its_name_says() {
    let mut checked = 0;
    for dir in entries(&root().join("policies/audit")) {
        let code = code_of(&dir);
        assert!(
            Code::lookup(&code).is_some(),
            "{}: no such code",
            dir.display()
        );
        let config = folder_config(&dir);
        for entry in entries(&dir) {
            let name = entry.file_stem().unwrap().to_str().unwrap().to_string();
            if name.starts_with('.') {
                continue;
            }
            let found = findings_with(&entry, &code, &config);
            if name.starts_with("pass-") {
                assert!(found.is_empty(), "{code}/{name} must pass: {found:#?}");
            } else {
                assert!(
                    name.starts_with("fail-"),
                    "{code}/{name}: name it fail-* or pass-*"
                );
                assert!(!found.is_empty(), "{code}/{name} must raise {code}");
                insta::with_settings!({snapshot_suffix => format!("{code}-{name}")}, {
                    insta::assert_json_snapshot!(found);
                });
            }
            checked += 1;
        }
    }
    assert!(checked >= 90, "only {checked} fixtures");
}

#[test]
fn every_audit_rule_has_a_failing_and_a_passing_fixture() {
    let dirs: Vec<PathBuf> = entries(&root().join("policies/audit"));
    for r in RULES.iter().filter(|r| r.code.starts_with('S')) {
        let fixtures: Vec<String> = dirs
            .iter()
            .filter(|d| code_of(d) == r.code)
            .flat_map(|d| entries(d))
            .map(|e| e.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert!(
            fixtures.iter().any(|f| f.starts_with("fail-")),
            "{} has no failing fixture",
            r.code
        );
        assert!(
            fixtures.iter().any(|f| f.starts_with("pass-")),
            "{} has no passing fixture",
            r.code
        );
    }
}

#[test]
fn transport_equivalents_all_pass_and_near_misses_all_fail() {
    let dir = root().join("policies/audit/transport");
    let all = entries(&dir);
    let (pass, fail): (Vec<&PathBuf>, Vec<&PathBuf>) = all.iter().partition(|p| {
        p.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("pass-")
    });
    assert!(pass.len() >= 10 && fail.len() >= 10);
    // The forms peers get wrong: Prowler passes a Deny of s3:PutObject alone, Checkov an
    // Allow conditioned on SecureTransport true; both must fail here, and say why.
    let only_put = findings(&dir.join("fail-only-put-object.json"), "S201");
    assert!(
        only_put[0]["message"]
            .as_str()
            .unwrap()
            .contains("only `s3:PutObject` is refused")
    );
    let objects = findings(&dir.join("fail-objects-only.json"), "S201");
    assert!(
        objects[0]["message"]
            .as_str()
            .unwrap()
            .contains("not for the bucket ARN")
    );
    let exempt = findings(&dir.join("fail-not-principal-exemption.json"), "S201");
    assert!(exempt[0]["message"].as_str().unwrap().contains("exempts"));
}

#[test]
fn a_misspelt_key_in_a_deny_is_reported_as_a_dead_statement() {
    let f = findings(
        &root().join("policies/audit/transport/fail-misspelt-key.json"),
        "S401",
    );
    assert_eq!(f.len(), 1);
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `aws:SecureTransport`?")
    );
}

#[test]
fn identity_policies_get_the_kind_independent_checks_and_nothing_else() {
    // Identity policies skip the audit graph unless they have a Deny or an Allow with
    // NotAction/NotResource; those two must still be checked.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("audit-identity");
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, statements: &str| {
        let path = dir.join(name);
        std::fs::write(
            &path,
            format!(r#"{{"Version": "2012-10-17", "Statement": [{statements}]}}"#),
        )
        .unwrap();
        path
    };
    let allow = r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}"#;
    let not_action = write(
        "not-action.json",
        r#"{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}"#,
    );
    assert_eq!(findings(&not_action, "S303").len(), 1);
    let dead_deny = write(
        "dead-deny.json",
        &format!(
            r#"{allow}, {{"Effect": "Deny", "Action": "s3:DeleteObjekt", "Resource": "arn:aws:s3:::b/*"}}"#
        ),
    );
    assert_eq!(findings(&dead_deny, "S401").len(), 1);
    let plain = write("plain.json", allow);
    for code in ["S303", "S304", "S401", "S201", "S510"] {
        assert!(findings(&plain, code).is_empty(), "{code}");
    }
}

#[test]
fn sse_c_over_http_is_said_by_s201_unless_s201_is_suppressed() {
    let fixture = root().join("policies/audit/S203/fail-no-transport-or-sse-c-deny.json");
    assert!(
        findings(&fixture, "S203").is_empty(),
        "S203 folded into S201"
    );
    let s201 = findings(&fixture, "S201");
    assert_eq!(s201.len(), 1);
    let message = s201[0]["message"].as_str().unwrap();
    assert!(
        message.contains("customer-provided keys (SSE-C)"),
        "{message}"
    );
    let suppressed = folder_config(&root().join("policies/audit/S203"));
    assert_eq!(findings_with(&fixture, "S203", &suppressed).len(), 1);
}

#[test]
fn presigned_url_limits_are_reported_only_when_configured() {
    let fixture = root().join("policies/audit/S510/fail-no-limit.json");
    assert!(
        findings(&fixture, "S510").is_empty(),
        "S510 is off by default"
    );
    let on = folder_config(&root().join("policies/audit/S510"));
    assert_eq!(findings_with(&fixture, "S510", &on).len(), 1);
}

#[test]
fn object_lock_missing_is_reported_only_when_configured() {
    let dir = root().join("policies/audit/S519");
    let fixture = dir.join("fail-absent");
    assert!(
        findings(&fixture, "S519").is_empty(),
        "S519 is off by default"
    );
    let on = folder_config(&dir);
    let found = findings_with(&fixture, "S519", &on);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["severity"], "warning");
    // Not fetched: nothing is known, so nothing is said.
    assert!(findings_with(&dir.join("pass-not-fetched"), "S519", &on).is_empty());
}

#[test]
fn the_mistakes_aws_rejects_or_that_disable_a_deny_fail_the_default_run() {
    let severity = |path: &str, code: &str| {
        let f = findings(&root().join(path), code);
        assert_eq!(f.len(), 1, "{path}: {f:#?}");
        f[0]["severity"].as_str().unwrap().to_string()
    };
    // A misspelt key keeps the TLS Deny from ever applying: an error in the lint run.
    assert_eq!(
        severity("policies/audit/transport/fail-misspelt-key.json", "P402"),
        "error"
    );
    // The same kind of key in an Allow grants nothing, and may be a key newer than the
    // catalogue: a warning.
    assert_eq!(
        severity("policies/invalid/P402-unknown-condition-key.json", "P402"),
        "warning"
    );
    // S3 rejects a bucket policy with an unknown action; IAM stores an identity policy with one.
    assert_eq!(
        severity(
            "policies/invalid/P204-unknown-action-in-bucket-policy.json",
            "P204"
        ),
        "error"
    );
    assert_eq!(
        severity("policies/invalid/P204-unknown-action.json", "P204"),
        "warning"
    );
    // A retired service is stale, not misspelt: a note.
    assert_eq!(
        severity("policies/valid/identity-retired-service.json", "P203"),
        "note"
    );
}

#[test]
fn s301_asks_for_trusted_accounts_only_until_some_are_configured() {
    let text = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}]}"#;
    let analysis = s3_access::lint::analyze_bytes(
        "bucket.json",
        text.as_bytes().to_vec(),
        &s3_access::lint::LintOptions::default(),
    );
    let policy = &analysis.policies[0];
    let s301 = |trust: &s3_access::audit::Trust| {
        s3_access::audit::policy(policy, &analysis.report.source, trust, None)
            .into_iter()
            .find(|f| f.code == Code::CrossAccountAccess)
            .unwrap()
            .message
    };
    let hint = "list your own accounts under [trust]";
    assert!(s301(&Default::default()).contains(hint));
    let trusted = s3_access::audit::Trust {
        accounts: vec!["111122223333".into()],
        organizations: Vec::new(),
    };
    let message = s301(&trusted);
    assert!(!message.contains(hint), "{message}");
    assert!(message.contains("444455556666"), "{message}");
}
