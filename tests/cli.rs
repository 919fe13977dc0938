//! The command-line contract: exit codes, JSON fields, stdin, colour.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn run_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn exit_codes_follow_the_contract() {
    assert_eq!(run(&["lint", "policies/valid"]).status.code(), Some(0));
    assert_eq!(
        run(&["lint", "policies/invalid/P107-invalid-effect.json"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(run(&["lint", "no/such/file.json"]).status.code(), Some(2));
    assert_eq!(
        run(&["lint", "--format", "yaml", "policies"]).status.code(),
        Some(2)
    );
    // A warning fails only when asked to.
    let warn = "policies/invalid/P204-unknown-action.json";
    assert_eq!(run(&["lint", warn]).status.code(), Some(0));
    assert_eq!(
        run(&["lint", "--fail-on", "warning", warn]).status.code(),
        Some(1)
    );
}

#[test]
fn json_output_has_every_contract_field() {
    let out = run(&[
        "lint",
        "--format",
        "json",
        "policies/invalid/P107-invalid-effect.json",
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &doc["findings"][0];
    for field in [
        "code",
        "name",
        "severity",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "path",
    ] {
        assert!(!f[field].is_null(), "missing `{field}` in {f}");
    }
    let effect = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "P107")
        .unwrap();
    assert_eq!(effect["name"], "invalid-effect");
    assert_eq!(effect["severity"], "error");
    assert!(effect["line"].as_u64().unwrap() >= 1 && effect["column"].as_u64().unwrap() >= 1);
    assert!(effect["path"].as_str().unwrap().ends_with("/Effect"));
}

#[test]
fn stdin_is_read_with_a_dash() {
    let out = run_stdin(
        &["lint", "--format", "json", "-"],
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObjct","Resource":"*"}]}"#,
    );
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"][0]["code"], "P204");
    assert_eq!(doc["findings"][0]["file"], "<stdin>");
    assert!(
        doc["findings"][0]["help"]
            .as_str()
            .unwrap()
            .contains("s3:GetObject")
    );
}

#[test]
fn piped_human_output_is_plain_and_points_at_the_line() {
    let out = run(&["lint", "policies/invalid/P107-invalid-effect.json"]);
    let text = stdout(&out);
    assert!(
        !text.contains('\u{1b}'),
        "colour escape codes in piped output"
    );
    assert!(text.contains("P107(invalid-effect)"));
    assert!(text.contains("policies/invalid/P107-invalid-effect.json:"));
    assert!(text.contains("1 error"));
}

#[test]
fn rules_and_explain_document_every_code() {
    let out = stdout(&run(&["rules"]));
    for r in s3_access::registry::RULES {
        assert!(
            out.contains(r.code) && out.contains(r.name),
            "{} missing from `rules`",
            r.code
        );
    }
    let page = run(&["explain", "resource-type-mismatch"]);
    assert_eq!(page.status.code(), Some(0));
    assert!(stdout(&page).starts_with("# P303 resource-type-mismatch"));
    assert_eq!(run(&["explain", "X999"]).status.code(), Some(2));
}

/// An SCP level given as `[]` (nothing attached) is an organisation level where nothing is
/// allowed (Organizations "SCP evaluation"), not a file that is "not a policy".
#[test]
fn an_empty_scp_level_denies_instead_of_being_refused() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let full = write(
        "full.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    );
    let empty = write("empty.json", "[]\n");
    let identity = write(
        "identity.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
    );
    // The decision for GetObject by an identity-allowed user, with `flags` naming the levels.
    let decision = |flags: &[&str]| {
        let mut args = vec![
            "query",
            "--principal",
            "arn:aws:iam::111122223333:user/a",
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::b/k",
            "--bucket-owner",
            "111122223333",
            "--identity-policy",
            &identity,
            "--format",
            "json",
        ];
        args.extend_from_slice(flags);
        let out = run(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["decision"].as_str().unwrap().to_string()
    };
    assert_eq!(decision(&["--scp", &full, "--scp", &full]), "Allow");
    assert_eq!(decision(&["--scp", &full, "--scp", &empty]), "ImplicitDeny");
    // RCPs: RCPFullAWSAccess is attached at every level, so an empty RCP level denies nothing.
    assert_eq!(decision(&["--rcp", &empty]), "Allow");
}

/// `--format concise`: one `path:line:column: CODE message` line per finding, then the summary;
/// the exit code follows the same contract as the other formats.
#[test]
fn concise_format_prints_one_line_per_finding() {
    let out = run(&[
        "lint",
        "--no-config",
        "--format",
        "concise",
        "policies/invalid/P107-invalid-effect.json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.first().is_some_and(
            |l| l.starts_with("policies/invalid/P107-invalid-effect.json:")
                && l.contains(": P107 ")
        ),
        "{text}"
    );
    assert!(
        lines.last().is_some_and(|l| l.starts_with("1 file (")),
        "{text}"
    );
    assert!(!text.contains('╭'), "no snippets: {text}");
}

/// `rules --format json` lists every code of the registry with its contract fields, and says
/// which rules are off unless the configuration asks for them.
#[test]
fn rules_as_json_list_every_code() {
    let out = run(&["rules", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = doc.as_array().unwrap();
    assert_eq!(rules.len(), s3_access::registry::RULES.len());
    for r in rules {
        for field in [
            "code",
            "name",
            "severity",
            "on_by_default",
            "summary",
            "page",
        ] {
            assert!(r.get(field).is_some(), "{field} in {r}");
        }
    }
    let s510 = rules.iter().find(|r| r["code"] == "S510").unwrap();
    assert_eq!(s510["on_by_default"], false);
    let human = stdout(&run(&["rules"]));
    assert!(human.contains("note (off)"), "{human}");
}

/// `check DIR` runs the scenario files it finds and skips other JSON there quietly (a policy
/// kept beside its scenario, `package.json`); JSON that does not parse still fails the run, and
/// a non-scenario named on the command line is still an error.
#[test]
fn check_runs_only_scenarios_found_in_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "policy.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#,
    );
    write("package.json", r#"{"name": "site", "version": "1.0.0"}"#);
    write(
        "scenario.json",
        r#"{"policies": {"bucket": "policy.json"}, "requests": [{"name": "anyone reads",
            "principal": "anonymous", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k",
            "bucket_owner": "111122223333", "expect": "Allow"}]}"#,
    );
    let d = dir.path().display().to_string();
    let out = run(&["check", &d]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout(&out).contains("1 passed, 0 failed"),
        "{}",
        stdout(&out)
    );
    // Named on the command line, a policy is not a scenario: an error.
    let policy = dir.path().join("policy.json").display().to_string();
    assert_eq!(run(&["check", &policy]).status.code(), Some(2));
    // A file that is not JSON at all is not silently skipped.
    write("broken.json", "{\"requests\": [");
    assert_eq!(run(&["check", &d]).status.code(), Some(2));
}
