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
