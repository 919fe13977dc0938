//! The conventions every command follows (issue 13): shell completions, the shipped manual
//! pages, `--color` with `NO_COLOR` and `CLICOLOR_FORCE`, `--quiet`.

use std::path::Path;
use std::process::{Command, Output};

/// The binary with no colour variables from the environment running the tests.
fn cmd(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_s3-access"));
    c.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR");
    c
}

fn run(args: &[&str]) -> Output {
    cmd(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The commands `--help` lists (the generated `help` left out).
fn subcommands() -> Vec<String> {
    let help = text(&run(&["--help"]).stdout);
    let section = help.split("Commands:").nth(1).unwrap();
    let section = section.split("\n\n").next().unwrap();
    let names: Vec<String> = section
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_owned)
        .collect();
    assert!(names.len() >= 8, "{names:?}");
    names
}

#[test]
fn bash_completions_name_every_command() {
    let out = run(&["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0));
    let script = text(&out.stdout);
    for name in subcommands() {
        // clap_complete's bash script dispatches on `s3__access,NAME)`.
        let key = format!("s3__access,{name})");
        assert!(script.contains(&key), "no completion case for `{name}`");
    }
    assert!(script.contains("--format"), "options are completed too");
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let out = run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(text(&out.stdout).contains("who-can"), "{shell}");
    }
    assert_eq!(run(&["completions", "tcsh"]).status.code(), Some(2));
}

/// The pages in `man/` are what `s3-access man DIR` writes now. `S3A_BLESS=1` rewrites them.
#[test]
fn shipped_manual_pages_are_current() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let fresh = tempfile::tempdir().unwrap();
    let dir = fresh.path().to_str().unwrap();
    assert_eq!(run(&["man", dir]).status.code(), Some(0));
    let names = |d: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .map(|r| {
                r.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    let generated = names(fresh.path());
    assert!(generated.contains(&"s3-access.1".to_owned()));
    assert!(generated.contains(&"s3-access-who-can.1".to_owned()));
    if std::env::var_os("S3A_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(&shipped).unwrap();
        for old in names(&shipped) {
            std::fs::remove_file(shipped.join(old)).unwrap();
        }
        for name in &generated {
            std::fs::copy(fresh.path().join(name), shipped.join(name)).unwrap();
        }
        return;
    }
    let refresh = "the manual pages in man/ are stale: refresh them with \
                   `S3A_BLESS=1 cargo test --locked --test integration shipped_manual_pages` \
                   and commit man/";
    assert_eq!(names(&shipped), generated, "{refresh}");
    for name in &generated {
        let now = std::fs::read_to_string(fresh.path().join(name)).unwrap();
        let kept = std::fs::read_to_string(shipped.join(name)).unwrap();
        assert!(now == kept, "{name}: {refresh}");
    }
}

const FINDINGS: &str = "policies/invalid/P107-invalid-effect.json";
const ESC: char = '\u{1b}';

fn coloured(out: &Output) -> bool {
    text(&out.stdout).contains(ESC)
}

#[test]
fn color_flag_and_environment_decide_together() {
    // Piped: plain unless forced.
    assert!(!coloured(&run(&["lint", FINDINGS])));
    assert!(coloured(&run(&["lint", FINDINGS, "--color", "always"])));
    assert!(coloured(&run(&["--color", "always", "lint", FINDINGS])));
    assert!(!coloured(&run(&["lint", FINDINGS, "--color", "never"])));
    // CLICOLOR_FORCE (not "0") colours a pipe, unless NO_COLOR or --color never.
    let forced = |value: &str, extra: &[&str]| {
        let mut c = cmd(&["lint", FINDINGS]);
        c.args(extra).env("CLICOLOR_FORCE", value);
        coloured(&c.output().unwrap())
    };
    assert!(forced("1", &[]));
    assert!(!forced("0", &[]));
    assert!(!forced("1", &["--color", "never"]));
    let mut c = cmd(&["lint", FINDINGS]);
    c.env("CLICOLOR_FORCE", "1").env("NO_COLOR", "1");
    assert!(!coloured(&c.output().unwrap()));
    // NO_COLOR gives way to --color always only; an empty NO_COLOR is unset.
    let mut c = cmd(&["lint", FINDINGS, "--color", "always"]);
    c.env("NO_COLOR", "1");
    assert!(coloured(&c.output().unwrap()));
    let mut c = cmd(&["lint", FINDINGS]);
    c.env("NO_COLOR", "").env("CLICOLOR_FORCE", "1");
    assert!(coloured(&c.output().unwrap()));
    assert_eq!(
        run(&["lint", FINDINGS, "--color", "sometimes"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn color_applies_to_the_help_and_usage_errors_too() {
    let help = |args: &[&str]| text(&run(args).stdout).contains(ESC);
    assert!(help(&["--color", "always", "lint", "--help"]));
    assert!(help(&["lint", "--help", "--color=always"]));
    assert!(!help(&["lint", "--help"]));
    assert!(!help(&["--color", "never", "lint", "--help"]));
    let error = run(&["lint", "--colour-typo", "--color", "always"]);
    assert_eq!(error.status.code(), Some(2));
    assert!(text(&error.stderr).contains(ESC));
}

#[test]
fn color_applies_to_stderr_and_every_command() {
    // A refused policy's findings go to stderr, styled by the same decision.
    let args = [
        "query",
        "--principal",
        "111122223333",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::amzn-s3-demo-bucket/a",
        "--bucket-policy",
        FINDINGS,
    ];
    let plain = run(&args);
    assert_eq!(plain.status.code(), Some(2));
    assert!(!text(&plain.stderr).contains(ESC));
    let mut always = args.to_vec();
    always.extend(["--color", "always"]);
    let out = run(&always);
    assert!(text(&out.stderr).contains(ESC), "{}", text(&out.stderr));
    for command in [
        "query", "check", "public", "who-can", "rules", "explain", "lint",
    ] {
        let help = text(&run(&[command, "--help"]).stdout);
        assert!(help.contains("--color <WHEN>"), "{command}");
        assert!(help.contains("--quiet"), "{command}");
    }
    // The rules table has no colour, but Unicode lines on a terminal: those follow too.
    assert!(text(&run(&["rules", "--color", "always"]).stdout).contains('│'));
    assert!(!text(&run(&["rules"]).stdout).contains('│'));
}

/// Stdout lines of a run.
fn lines(out: &Output) -> Vec<String> {
    text(&out.stdout).lines().map(str::to_owned).collect()
}

#[test]
fn quiet_lint_keeps_the_findings_and_drops_the_summary() {
    let loud = run(&["lint", FINDINGS]);
    let quiet = run(&["lint", "--quiet", FINDINGS]);
    assert_eq!(quiet.status.code(), loud.status.code());
    assert!(text(&loud.stdout).contains("1 file (1 policy"));
    let q = text(&quiet.stdout);
    assert!(q.contains("P107(invalid-effect)"), "{q}");
    assert!(!q.contains("1 file (") && !q.contains("| count |"), "{q}");
    let concise = run(&["-q", "lint", "--format", "concise", FINDINGS]);
    assert_eq!(
        lines(&concise),
        ["policies/invalid/P107-invalid-effect.json:6:17: P107 `allow` is not a valid Effect"]
    );
    // Machine formats are the findings: unchanged.
    let json = |extra: &[&str]| {
        let mut args = vec!["lint", "--format", "json", FINDINGS];
        args.extend(extra);
        run(&args).stdout
    };
    assert_eq!(json(&["-q"]), json(&[]));
}

#[test]
fn quiet_query_prints_the_decision_line_only() {
    let args = [
        "query",
        "--principal",
        "arn:aws:iam::111122223333:user/reader",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::amzn-s3-demo-bucket/report.csv",
        "--bucket-owner",
        "111122223333",
        "--bucket-policy",
        "policies/valid/bucket-policy-enforce-tls.json",
        "--context",
        "aws:SecureTransport=false",
        "--expect",
        "Allow",
    ];
    let loud = run(&args);
    let mut q = args.to_vec();
    q.push("--quiet");
    let quiet = run(&q);
    assert_eq!(quiet.status.code(), Some(1));
    assert_eq!(quiet.status.code(), loud.status.code());
    assert!(lines(&loud).len() > 5);
    assert_eq!(
        lines(&quiet),
        [
            "ExplicitDeny: arn:aws:iam::111122223333:user/reader → s3:GetObject on arn:aws:s3:::amzn-s3-demo-bucket/report.csv"
        ]
    );
    assert!(text(&quiet.stderr).contains("expected Allow, got ExplicitDeny"));
}

#[test]
fn quiet_check_prints_only_the_requests_that_fail() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = r#"{
  "bucket_owner": "111122223333",
  "policies": {"identity": [{"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}]},
  "requests": [
    {"name": "reads", "principal": "arn:aws:iam::111122223333:user/u",
     "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k", "expect": "Allow"},
    {"name": "writes", "principal": "arn:aws:iam::111122223333:user/u",
     "action": "s3:PutObject", "resource": "arn:aws:s3:::b/k", "expect": "Allow"}
  ]
}"#;
    let file = dir.path().join("s.json");
    std::fs::write(&file, scenario).unwrap();
    let file = file.to_str().unwrap();
    let loud = run(&["check", file]);
    let quiet = run(&["check", "-q", file]);
    assert_eq!(loud.status.code(), Some(1));
    assert_eq!(quiet.status.code(), Some(1));
    assert!(text(&loud.stdout).contains("1 passed, 1 failed"));
    let q = text(&quiet.stdout);
    assert!(q.contains("writes") && q.contains("FAIL"), "{q}");
    assert!(
        !q.contains("reads") && !q.contains("passed") && !q.contains("──"),
        "{q}"
    );
    // All passing: nothing at all.
    let pass = run(&[
        "check",
        "-q",
        "policies/scenarios/enforce-tls.json",
        "--root",
        "policies",
    ]);
    assert_eq!(pass.status.code(), Some(0));
    assert_eq!(text(&pass.stdout), "");
}

#[test]
fn quiet_public_and_who_can_print_one_line_per_verdict() {
    let args = [
        "policies/buckets/example-bucket",
        "--root",
        "policies/buckets",
    ];
    let public = |extra: &[&str]| {
        let mut a = vec!["public"];
        a.extend(args);
        a.extend(extra);
        run(&a)
    };
    let (loud, quiet) = (public(&[]), public(&["-q"]));
    assert_eq!(quiet.status.code(), loud.status.code());
    assert!(lines(&loud).len() > 3);
    assert_eq!(
        lines(&quiet),
        ["example-bucket (policies/buckets/example-bucket): PUBLIC"]
    );
    let who = |extra: &[&str]| {
        let mut a = vec!["who-can"];
        a.extend(args);
        a.extend(extra);
        run(&a)
    };
    let (loud, quiet) = (who(&[]), who(&["--quiet"]));
    assert_eq!(quiet.status.code(), loud.status.code());
    let q = lines(&quiet);
    assert!(q.iter().all(|l| l.starts_with("example-bucket: ")), "{q:?}");
    assert!(q.contains(
        &"example-bucket: public (anonymous, or any AWS account): anyone, anonymously".to_owned()
    ));
    assert!(
        q.iter()
            .any(|l| l.starts_with("example-bucket: uncertain: "))
    );
    let mut sorted = q.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), q.len(), "a caller said twice: {q:?}");
    assert!(!text(&quiet.stdout).contains("granted by"));
}

#[test]
fn every_command_says_what_it_prints() {
    for command in subcommands() {
        let help = text(&run(&[&command, "--help"]).stdout);
        let about = help.split("\n\n").next().unwrap();
        assert!(
            about.contains("prints"),
            "`{command} --help` begins: {about}"
        );
    }
    let check = text(&run(&["check", "--help"]).stdout);
    assert!(check.contains("pass/fail table"), "{check}");
}
