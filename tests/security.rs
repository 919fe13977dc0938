//! Safe on untrusted pull requests (docs/security.md): the reported ways to make s3-access
//! print the CI machine's secrets, replayed in every output format with a planted secret (an
//! environment variable and a file outside the tree); control characters in the input never
//! reach the output raw; the source starts no process and opens no connection outside
//! `src/git.rs`.

use crate::layering::rust_files;
use proptest::prelude::*;
use s3_access::report::is_unsafe;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The secret in the environment of every run.
const ENV_MARKER: &str = "S3A-ENV-SECRET-7f3a9c";
/// The secret in a file outside the tree.
const FILE_MARKER: &str = "S3A-FILE-SECRET-51be02";

/// A scratch directory: `repo/` (the tree checked, the working directory) beside `secret/`,
/// which holds the file outside the tree.
struct Scene {
    _dir: tempfile::TempDir,
    base: PathBuf,
}

impl Scene {
    fn new() -> Scene {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().to_path_buf();
        std::fs::create_dir_all(base.join("repo")).unwrap();
        std::fs::create_dir_all(base.join("secret")).unwrap();
        // JSON whose first line is the secret, as a credentials file could be.
        let creds = format!("{{\"token\": \"{FILE_MARKER}\"}}\n");
        std::fs::write(base.join("secret/creds.json"), &creds).unwrap();
        std::fs::write(base.join("secret/s3-access.json"), &creds).unwrap();
        std::fs::write(base.join("secret/policy.json"), FILE_MARKER).unwrap();
        Scene { _dir: dir, base }
    }

    fn repo(&self) -> PathBuf {
        self.base.join("repo")
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.repo().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Runs the binary in `repo/` with the secret in its environment.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_s3-access"))
            .args(args)
            .current_dir(self.repo())
            .env("S3A_SECRET_MARKER", ENV_MARKER)
            .env_remove("NO_COLOR")
            .output()
            .unwrap()
    }
}

/// Every format of `command`, read from its `--help` (a format added later is covered).
fn formats(command: &str) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args([command, "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    let section = help
        .split("--format <FORMAT>")
        .nth(1)
        .and_then(|s| s.split("[default").next())
        .unwrap_or("");
    let found: Vec<String> = section
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- "))
        .filter_map(|l| l.split(':').next())
        .map(str::to_string)
        .collect();
    assert!(found.len() >= 2, "no formats in `{command} --help`: {help}");
    found
}

/// Both streams, lossily decoded.
fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// No secret in either stream; `what` names the run.
fn assert_no_secret(out: &Output, what: &str) {
    let (stdout, stderr) = text(out);
    for marker in [ENV_MARKER, FILE_MARKER] {
        assert!(
            !stdout.contains(marker) && !stderr.contains(marker),
            "{what}: the secret {marker} was printed\n{stdout}\n{stderr}"
        );
    }
}

/// A bucket folder whose manifest names files outside the tree.
fn hostile_folder(s: &Scene) {
    s.write(
        "b/s3-access.json",
        r#"{
  "bucket": "b",
  "account": "111122223333",
  "account_dir": "../../secret",
  "objects": [
    {"key": "k1", "acl": "/proc/self/environ"},
    {"key": "k2", "acl": "../../secret/creds.json"}
  ]
}
"#,
    );
    s.write("b/policy.json", "{}\n");
}

#[test]
fn a_manifest_naming_files_outside_the_tree_reports_the_reference_in_every_format() {
    let s = Scene::new();
    hostile_folder(&s);
    for format in formats("lint") {
        let out = s.run(&["lint", ".", "--format", &format]);
        assert_no_secret(&out, &format!("lint --format {format}"));
        let (stdout, _) = text(&out);
        assert!(stdout.contains("E011"), "{format}: {stdout}");
        // Both references are named where they are written.
        assert!(stdout.contains("s3-access.json"), "{format}: {stdout}");
    }
    for format in formats("public") {
        let out = s.run(&["public", "b", "--format", &format]);
        assert_no_secret(&out, &format!("public --format {format}"));
        let (_, stderr) = text(&out);
        assert!(stderr.contains("E011"), "{format}: {stderr}");
    }
    for format in formats("query") {
        let out = s.run(&[
            "query",
            "--bucket",
            "b",
            "--principal",
            "anonymous",
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::b/k1",
            "--format",
            &format,
        ]);
        assert_no_secret(&out, &format!("query --format {format}"));
        assert!(text(&out).1.contains("E011"), "{format}");
    }
}

#[test]
fn a_scenario_naming_files_outside_the_tree_reports_the_reference_in_every_format() {
    let s = Scene::new();
    s.write(
        "sc/s.json",
        r#"{
  "policies": {"bucket": "/proc/self/environ", "identity": ["../../secret/creds.json"]},
  "s3": {"bucket_acl": "../../secret/creds.json", "bucket_folder": "../../secret"},
  "requests": [{"principal": "anonymous", "action": "s3:GetObject",
                "resource": "arn:aws:s3:::b/k", "expect": "Allow"}]
}
"#,
    );
    for format in formats("check") {
        let out = s.run(&["check", "sc", "--format", &format]);
        assert_no_secret(&out, &format!("check --format {format}"));
        assert_eq!(out.status.code(), Some(2), "{format}");
        let (_, stderr) = text(&out);
        assert_eq!(
            stderr.matches("E011(reference-outside-root)").count(),
            4,
            "{format}: {stderr}"
        );
        assert!(stderr.contains("s.json:2:"), "{format}: {stderr}");
    }
}

#[cfg(unix)]
#[test]
fn symbolic_links_in_the_tree_are_skipped_with_a_note_and_never_followed_out() {
    use std::os::unix::fs::symlink;
    let s = Scene::new();
    let repo = s.repo();
    symlink("/proc/self/environ", repo.join("environ.json")).unwrap();
    symlink(s.base.join("secret/creds.json"), repo.join("creds.json")).unwrap();
    symlink(s.base.join("secret"), repo.join("outside")).unwrap();
    std::fs::create_dir_all(repo.join("in")).unwrap();
    symlink(&repo, repo.join("in/loop")).unwrap();
    s.write("p.json", r#"{"Version": "2012-10-17", "Statement": []}"#);
    for follow in [false, true] {
        for format in formats("lint") {
            let mut args = vec!["lint", ".", "--format", &format];
            if follow {
                args.push("--follow");
            }
            let out = s.run(&args);
            let what = format!("{args:?}");
            assert_no_secret(&out, &what);
            assert_ne!(out.status.code(), Some(2), "{what}");
            let (_, stderr) = text(&out);
            for link in ["environ.json", "creds.json", "outside"] {
                assert!(
                    stderr.contains(&format!("note: skipped ./{link}")),
                    "{what}: {stderr}"
                );
            }
        }
    }
    // A link inside the tree is followed with --follow only.
    symlink(repo.join("p.json"), repo.join("q.json")).unwrap();
    let files = |args: &[&str]| -> u64 {
        let out = s.run(args);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["summary"]["files"].as_u64().unwrap()
    };
    assert_eq!(files(&["lint", ".", "--format", "json"]), 1);
    assert_eq!(files(&["lint", ".", "--format", "json", "--follow"]), 2);
}

#[cfg(target_os = "linux")]
#[test]
fn kernel_pseudo_files_are_never_read() {
    let s = Scene::new();
    for format in formats("lint") {
        let out = s.run(&["lint", "/proc/self/environ", "--format", &format]);
        assert_no_secret(&out, &format);
        assert_eq!(out.status.code(), Some(2), "{format}");
        assert!(text(&out).1.contains("pseudo-file"), "{format}");
    }
    let out = s.run(&[
        "query",
        "--bucket-policy",
        "/proc/self/environ",
        "--principal",
        "anonymous",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::b/k",
    ]);
    assert_no_secret(&out, "query --bucket-policy /proc/self/environ");
}

/// A policy whose Sid, keys and values hold terminal escape sequences (erase line, cursor up,
/// CSI, DEL, a direction override), in a file whose name holds one too; with `bad_action`, an
/// action holds them as well (an unknown action: S3 would reject the policy, so `public`
/// cannot judge it).
fn forged_policy_with(bad_action: bool) -> String {
    let evil = r"\u001b[2K\u001b[1A\u009b2J\u007f\u202e";
    let extra = if bad_action {
        format!(r#", "s3:Get{evil}""#)
    } else {
        String::new()
    };
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Sid": "x{evil}All good", "Effect": "Allow",
  "Principal": "*", "Action": ["s3:GetObject"{extra}], "Resource": "arn:aws:s3:::b{evil}/*",
  "Condition": {{"StringEquals": {{"aws:Referer{evil}": "v{evil}"}}}}}}]}}
"#
    )
}

/// The forged policy with a forged action too.
fn forged_policy() -> String {
    forged_policy_with(true)
}

/// No character that acts on a terminal, other than the line feeds of the layout.
fn assert_inert(out: &Output, what: &str) {
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        let bad: Vec<char> = text
            .chars()
            .filter(|c| is_unsafe(*c) && *c != '\n')
            .collect();
        assert!(bad.is_empty(), "{what} {stream}: {bad:?}\n{text}");
    }
}

#[test]
fn control_characters_in_the_input_never_reach_any_output_raw() {
    let s = Scene::new();
    let name = if cfg!(unix) {
        "p\u{1b}[2K.json"
    } else {
        "p.json"
    };
    s.write(name, &forged_policy());
    s.write("raw.json", "{\"Sid\": \"\u{1b}[2K\u{9b}1A\"\u{7}}\n");
    for format in formats("lint") {
        let out = s.run(&["lint", ".", "--format", &format]);
        assert_inert(&out, &format!("lint --format {format}"));
        assert!(
            text(&out).0.contains("2K"),
            "{format}: the Sid is shown escaped"
        );
    }
    for format in formats("public") {
        let out = s.run(&["public", ".", "--format", &format]);
        assert_inert(&out, &format!("public --format {format}"));
        let out = s.run(&[
            "query",
            "--bucket-policy",
            name,
            "--principal",
            "anonymous",
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::b\u{1b}[2K\u{9b}2J\u{7f}\u{202e}/k",
            "--format",
            &format,
        ]);
        assert_inert(&out, &format!("query --format {format}"));
    }
    // JSON output keeps the value: a JSON reader gets the Sid back as written (a policy S3
    // accepts, so that `public` judges it).
    s.write(name, &forged_policy_with(false));
    let out = s.run(&["public", ".", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc.to_string().contains("\\u001b[2K"), "{doc}");
    // The exact engine's answers quote bucket names, principals and condition values too.
    for format in formats("who-can") {
        let out = s.run(&["who-can", ".", "--format", &format]);
        assert_inert(&out, &format!("who-can --format {format}"));
    }
    s.write(
        "old.json",
        &forged_policy_with(false).replace("Allow", "Deny"),
    );
    for format in formats("diff") {
        let out = s.run(&["diff", "old.json", name, "--format", &format]);
        assert_inert(&out, &format!("diff --format {format}"));
    }
}

#[test]
fn coloured_human_output_holds_only_its_own_colour_codes() {
    use s3_access::lint::{self, LintOptions};
    use s3_access::report::{self, Style};
    let r = lint::lint_bytes(
        "f\u{1b}[2K.json",
        forged_policy().into_bytes(),
        &LintOptions::default(),
    );
    assert!(!r.findings.is_empty());
    let out = report::human(&r, Style::Fancy);
    // Every escape is a colour (SGR) sequence: ESC [ digits and semicolons m.
    let mut rest = out.as_str();
    while let Some(at) = rest.find('\u{1b}') {
        rest = &rest[at + 1..];
        let seq: String = rest
            .chars()
            .take_while(|c| !c.is_ascii_alphabetic())
            .collect();
        assert!(rest.starts_with('['), "{out}");
        assert!(
            seq[1..].chars().all(|c| c.is_ascii_digit() || c == ';')
                && rest[seq.len()..].starts_with('m'),
            "not a colour code: {seq:?}\n{out}"
        );
    }
    assert!(
        !out.chars()
            .any(|c| is_unsafe(c) && c != '\n' && c != '\u{1b}'),
        "{out}"
    );
}

/// Source lines of `src/` outside comments.
fn code_lines(path: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(i, l)| (i + 1, l.to_string()))
        .collect()
}

#[test]
fn no_process_and_no_network_outside_the_git_runner() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    // Starting a process, or any socket: only `src/git.rs` may. `std::net` is allowed for
    // its address types (condition values are IP ranges), the binary's exit code too.
    let forbidden = [
        "Command::new",
        "process::Command",
        "process::Stdio",
        "process::Child",
        "TcpStream",
        "TcpListener",
        "UdpSocket",
        "ToSocketAddrs",
        "unix::net",
        "lookup_host",
    ];
    // The address types, alone or grouped (`use std::net::{IpAddr, Ipv4Addr};`).
    let address_types = ["IpAddr", "Ipv4Addr", "Ipv6Addr", "AddrParseError"];
    let only_addresses = |line: &str| {
        line.split("std::net::").skip(1).all(|rest| {
            let list: String = match rest.strip_prefix('{') {
                Some(group) => group.split('}').next().unwrap_or("").to_string(),
                None => rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect(),
            };
            // `std::net::*` names nothing: not only addresses.
            !list.trim().is_empty()
                && list
                    .split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .all(|n| address_types.contains(&n))
        })
    };
    let mut found = Vec::new();
    for f in &files {
        if f.ends_with("src/git.rs") {
            continue;
        }
        for (n, line) in code_lines(f) {
            let process = line.contains("std::process") && !line.contains("std::process::ExitCode");
            let net = line.contains("std::net") && !only_addresses(&line);
            if process || net || forbidden.iter().any(|w| line.contains(w)) {
                found.push(format!("{}:{n}: {}", f.display(), line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "outside src/git.rs:\n{}",
        found.join("\n")
    );
    // The check itself sees what it looks for.
    let git = code_lines(&src.join("git.rs"));
    assert!(git.iter().any(|(_, l)| l.contains("Command::new")));
}

/// A path to the planted file, in one of the forms a document can write it.
fn reference() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("/proc/self/environ".to_string()),
        (0usize..4)
            .prop_map(|extra| { format!("{}../../secret/creds.json", "x/../".repeat(extra)) }),
        Just("../../secret".to_string()),
        Just("link/creds.json".to_string()),
        Just("./../../secret/policy.json".to_string()),
    ]
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(8, |n: u32| n.min(64))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// Bucket folders and scenarios naming the planted file in random places: its bytes
    /// never reach any output of any command.
    #[test]
    fn no_output_holds_bytes_of_a_file_outside_the_root(
        acl in reference(),
        account in reference(),
        policy in reference(),
        doc in reference(),
    ) {
        let s = Scene::new();
        std::fs::create_dir_all(s.repo().join("b")).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(s.base.join("secret"), s.repo().join("b/link")).unwrap();
        s.write("b/s3-access.json", &format!(
            r#"{{"bucket": "b", "account": "111122223333", "account_dir": {account:?},
                "objects": [{{"key": "k", "acl": {acl:?}}}]}}"#
        ));
        s.write("sc/s.json", &format!(
            r#"{{"policies": {{"bucket": {policy:?}}}, "s3": {{"public_access_block": {{"bucket": {doc:?}}}}},
                "requests": [{{"principal": "anonymous", "action": "s3:GetObject",
                "resource": "arn:aws:s3:::b/k", "expect": "Allow"}}]}}"#
        ));
        let mut runs: Vec<Vec<String>> = Vec::new();
        for format in formats("lint") {
            runs.push(vec!["lint".into(), ".".into(), "--format".into(), format.clone()]);
            runs.push(vec!["lint".into(), ".".into(), "--follow".into(), "--format".into(), format]);
        }
        for format in formats("check") {
            runs.push(vec!["check".into(), "sc".into(), "--format".into(), format.clone()]);
            runs.push(vec!["public".into(), "b".into(), "--format".into(), format]);
        }
        for args in runs {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = s.run(&args);
            let (stdout, stderr) = text(&out);
            for marker in [ENV_MARKER, FILE_MARKER] {
                prop_assert!(!stdout.contains(marker) && !stderr.contains(marker),
                    "{args:?} printed {marker}\n{stdout}\n{stderr}");
            }
        }
    }
}

#[test]
fn the_e011_fixture_reports_each_reference_where_it_is_written() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args(["lint", "--format", "json"])
        .arg("tests/fixtures/security/E011-reference-outside-root")
        .current_dir(dir)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut at: Vec<(u64, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "E011")
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    at.sort();
    assert_eq!(
        at,
        [
            (5, "/account_dir".to_string()),
            (7, "/objects/0/acl".to_string()),
            (8, "/objects/1/acl".to_string())
        ]
    );
    // The package manifest two levels up is not read: its text is nowhere.
    assert!(!String::from_utf8_lossy(&out.stdout).contains("[package]"));
}

#[test]
fn an_escaped_snippet_keeps_its_underline_under_the_escaped_character() {
    use s3_access::lint::{self, LintOptions};
    use s3_access::report::{self, Style};
    let text = "{\"Version\": \"2012-10-17\",\n \"Statement\": [{\"Sid\": \"\u{1b}[2K\", \"Effect\": \"Alow\"}]}";
    let r = lint::lint_bytes("t.json", text.as_bytes().to_vec(), &LintOptions::default());
    let out = report::human(&r, Style::Plain);
    let lines: Vec<&str> = out.lines().collect();
    let source = lines
        .iter()
        .position(|l| l.contains("\"Sid\""))
        .unwrap_or_else(|| panic!("{out}"));
    let column = |l: &str, pat: &str| l.find(pat).map(|b| l[..b].chars().count());
    // The first label line under the source line starts its underline at the escape.
    let under = lines[source + 1];
    assert_eq!(
        column(under, "─"),
        column(lines[source], "\\u{1b}"),
        "\n{out}"
    );
    // ... and spans the six characters of `\u{1b}`.
    assert!(under.trim_end().ends_with("───┬──"), "{out}");
}

#[cfg(unix)]
#[test]
fn a_configuration_linked_out_of_the_tree_or_to_proc_is_not_read() {
    let s = Scene::new();
    s.write("p.json", r#"{"Version": "2012-10-17", "Statement": []}"#);
    for target in [
        PathBuf::from("/proc/self/environ"),
        s.base.join("secret/creds.json"),
    ] {
        let link = s.repo().join(".s3-access.toml");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&target, &link).unwrap();
        for format in formats("lint") {
            let out = s.run(&["lint", ".", "--format", &format]);
            let what = format!("{target:?} {format}");
            assert_no_secret(&out, &what);
            assert_eq!(out.status.code(), Some(2), "{what}");
        }
    }
}
