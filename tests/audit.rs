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
    let rel = path.strip_prefix(root()).unwrap();
    let cwd = root();
    let config = Config::defaults(&cwd);
    let paths = [rel.to_path_buf()];
    let run = LintRun::collect(RunInput {
        paths: &paths,
        config: &config,
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
        for entry in entries(&dir) {
            let name = entry.file_stem().unwrap().to_str().unwrap().to_string();
            let found = findings(&entry, &code);
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
