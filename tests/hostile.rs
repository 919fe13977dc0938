//! Hostile input: every case gets a clear, located finding (or a clean result) in bounded
//! time, never a panic or a hang. Sizes are those of the robustness issue where a debug build
//! can afford them; `scripts/hostile.sh` runs the full-size cases against a release build.

use s3_access::eval::{self, Caller, Graph, Layer, Request};
use s3_access::lint::{self, FileReport, LintOptions};
use s3_access::source::SourceFile;
use std::process::Command;

fn lint_bytes(bytes: &[u8]) -> FileReport {
    lint::lint_bytes("hostile.json", bytes.to_vec(), &LintOptions::default())
}

fn codes(r: &FileReport) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.finding.code.as_str()).collect()
}

fn policy_with_resource(resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":{resource}}}]}}"#
    )
}

#[test]
fn a_100_mb_file_is_refused_before_it_is_read() {
    let dir = std::env::temp_dir().join(format!("s3a-big-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.json");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(100 * 1024 * 1024).unwrap(); // sparse: costs no disk
    let r = lint::lint_path(&path, &LintOptions::default()).unwrap();
    assert_eq!(codes(&r), vec!["E004"]);
    assert!(
        r.findings[0]
            .finding
            .message
            .contains("over the 64 MiB limit")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn nesting_100_000_deep_is_an_input_limit_error() {
    let r = lint_bytes("[".repeat(100_000).as_bytes());
    assert_eq!(codes(&r), vec!["E004"]);
    assert_eq!(r.findings[0].start.column, 129);
}

#[test]
fn objects_nested_100_000_deep_and_deep_embedded_policies_are_input_limit_errors() {
    let r = lint_bytes("{\"a\":".repeat(100_000).as_bytes());
    assert_eq!(codes(&r), vec!["E004"]);
    // The same inside a policy that get-bucket-policy output embeds as a string.
    let inner = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let wrapped = format!("{{\"Policy\": \"{inner}\"}}");
    let r = lint_bytes(wrapped.as_bytes());
    assert_eq!(codes(&r), vec!["E004"]);
    assert!(r.findings[0].finding.message.contains("embedded"));
}

#[test]
fn a_100_mb_stream_on_standard_input_is_cut_at_the_limit() {
    let mut child = bin()
        .args(["lint", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let block = vec![b' '; 1 << 20];
        // The reader stops at the limit and exits; a broken pipe then ends the writing.
        for _ in 0..100 {
            if stdin.write_all(&block).is_err() {
                break;
            }
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("E004") && stdout.contains("input larger than 64 MiB"),
        "{stdout}"
    );
}

#[test]
fn nul_bytes_anywhere_are_located_and_never_match() {
    // A raw NUL where a key is expected, and where a value is.
    let r = lint_bytes(b"{\"Version\": \"2012-10-17\",\x00 \"Statement\": []}");
    assert_eq!(codes(&r), vec!["E001"]);
    let at = (r.findings[0].start.line, r.findings[0].start.column);
    assert_eq!(at, (1, 26));
    assert!(
        r.findings[0]
            .finding
            .message
            .contains("keys must be strings")
    );
    let r = lint_bytes(b"{\"Version\": \x00\"2012-10-17\"}");
    assert_eq!(codes(&r), vec!["E001"]);
    assert_eq!(r.findings[0].start.column, 13);
    let message = &r.findings[0].finding.message;
    assert!(message.contains("unexpected character `\\0`"), "{message}");
    // An escaped NUL is valid JSON: the action is reported and matches no real action.
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:Get\u0000Object","Resource":"*"}]}"#;
    let r = lint_bytes(text.as_bytes());
    assert!(codes(&r).contains(&"P204"), "{:?}", codes(&r));
    // A file that is only whitespace, or only a byte-order mark, is empty.
    for empty in [&b" \n\t\r "[..], "\u{feff}".as_bytes()] {
        let r = lint_bytes(empty);
        assert!(codes(&r).contains(&"E001"), "{:?}", codes(&r));
        assert!(
            r.findings
                .iter()
                .any(|f| f.finding.message.contains("empty"))
        );
    }
}

#[test]
fn an_out_of_range_request_time_is_a_usage_error() {
    let dir = temp_dir("time");
    let policy = dir.join("p.json");
    std::fs::write(&policy, policy_with_resource("\"*\"")).unwrap();
    for time in ["99999-01-01", "2020-02-30", "999999999999999", "1e999"] {
        let out = run_within(
            60,
            bin()
                .args(["query", "--principal", "arn:aws:iam::111122223333:user/u"])
                .args(["--action", "s3:GetObject", "--resource", "arn:aws:s3:::b/k"])
                .arg("--identity-policy")
                .arg(&policy)
                .args(["--time", time]),
        );
        assert_eq!(out.status.code(), Some(2), "{time}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("--time") && stderr.contains(time),
            "{stderr}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_array_of_a_million_resources_is_linted() {
    let items: Vec<String> = (0..1_000_000)
        .map(|i| format!("\"arn:aws:s3:::b/k{i}\""))
        .collect();
    let r = lint_bytes(policy_with_resource(&format!("[{}]", items.join(","))).as_bytes());
    // Too large for any policy quota, and otherwise valid.
    assert_eq!(codes(&r), vec!["P118"]);
}

#[test]
fn ten_megabyte_strings_are_linted_and_quoted_briefly() {
    let action = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:{}","Resource":"*"}}]}}"#,
        "a".repeat(10_000_000)
    );
    let r = lint_bytes(action.as_bytes());
    assert!(codes(&r).contains(&"P204"));
    assert!(r.findings.iter().all(|f| f.finding.message.len() < 500));
    let rendered = s3_access::report::human(&r, s3_access::report::Style::Plain);
    assert!(
        rendered.len() < 10_000,
        "the snippet of a 10 MB line must not be printed"
    );
    let resource = policy_with_resource(&format!("\"arn:aws:s3:::{}\"", "a".repeat(10_000_000)));
    assert!(
        lint_bytes(resource.as_bytes())
            .findings
            .iter()
            .all(|f| f.finding.code.as_str() != "E001")
    );
}

#[test]
fn pathological_wildcards_against_long_resources_finish() {
    let pattern = format!("\"arn:aws:s3:::{}b\"", "*a".repeat(2_000));
    let mut g = Graph::new();
    eval::add_source(
        &mut g,
        SourceFile::new("p.json", policy_with_resource(&pattern)),
        Layer::Identity,
        0,
    )
    .unwrap();
    let resource = format!("arn:aws:s3:::{}", "a".repeat(1_000_000));
    let caller = Caller::parse("arn:aws:iam::111122223333:user/u").unwrap();
    let r = Request::new(
        caller,
        "s3:GetObject",
        &resource,
        Some("111122223333"),
        &[],
        0,
    );
    assert_eq!(
        eval::decide(&g, &r, true).decision,
        eval::Decision::ImplicitDeny
    );
}

#[test]
fn encoding_problems_are_located() {
    let r = lint_bytes(b"{\"Version\": \"2012-10-17\", \"Id\": \"\xff\"}");
    assert_eq!(codes(&r), vec!["E005"]);
    assert_eq!(
        (r.findings[0].start.line, r.findings[0].start.column),
        (1, 34)
    );
    let bom = lint_bytes(format!("\u{feff}{}", policy_with_resource("\"*\"")).as_bytes());
    assert_eq!(codes(&bom), vec!["E006"]);
    let nul = lint_bytes(b"{\"Version\": \"2012-10-17\", \"Id\": \"a\x00b\"}");
    assert_eq!(codes(&nul), vec!["E001"]);
    assert!(
        nul.findings[0]
            .finding
            .message
            .contains("control character")
    );
    let empty = lint_bytes(b"");
    assert_eq!(codes(&empty), vec!["E001"]);
    assert!(empty.findings[0].finding.message.contains("empty"));
}

#[test]
fn out_of_range_values_are_type_errors_not_crashes() {
    let cond = |op: &str, key: &str, value: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{{"{op}":{{"{key}":{value}}}}}}}]}}"#
        )
    };
    for (op, key, value) in [
        ("NumericLessThan", "s3:max-keys", "1e999"),
        (
            "NumericLessThan",
            "s3:max-keys",
            r#""99999999999999999999999999999999999999999999999999999999999999999999999""#,
        ),
        (
            "DateLessThan",
            "aws:CurrentTime",
            r#""99999-01-01T00:00:00Z""#,
        ),
        ("DateLessThan", "aws:CurrentTime", r#""2020-02-30""#),
        ("DateLessThan", "aws:EpochTime", r#""999999999999""#),
        (
            "DateLessThan",
            "aws:CurrentTime",
            r#""2020-01-01T24:00:00Z""#,
        ),
        ("NumericLessThan", "s3:max-keys", "-1e-999"),
        ("IpAddress", "aws:SourceIp", r#""1.2.3.4/99""#),
        ("IpAddress", "aws:SourceIp", r#""2001:db8::/129""#),
        ("IpAddress", "aws:SourceIp", r#""300.1.1.1""#),
    ] {
        let r = lint_bytes(cond(op, key, value).as_bytes());
        assert_eq!(codes(&r), vec!["P403"], "{op} {value}");
    }
}

#[test]
fn duplicate_and_case_variant_keys_name_both_places() {
    let r = lint_bytes(br#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","effect":"Deny","Effect":"Deny","Action":"*","Resource":"*"}]}"#);
    let c = codes(&r);
    assert!(c.contains(&"E002") && c.contains(&"E003"), "{c:?}");
    assert!(r.findings.iter().all(|f| !f.finding.related.is_empty()));
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_s3-access"))
}

/// Runs `f` on another thread and fails the test if it takes longer than `secs`: the bound is
/// generous (a debug build on a loaded machine), so only a hang or a quadratic blow-up trips it.
fn within<T: Send + 'static>(secs: u64, what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(secs)) {
        Ok(v) => v,
        Err(_) => panic!("{what} did not finish within {secs} s"),
    }
}

/// Says that a case cannot run on this system (the rest of the test still runs).
#[allow(clippy::print_stderr, reason = "a skipped case must say so")]
fn skip(why: &str) {
    eprintln!("skipped: {why}");
}

/// Runs the binary and kills it (failing the test) if it has not exited after `secs`.
fn run_within(secs: u64, cmd: &mut Command) -> std::process::Output {
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(secs)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
            panic!("s3-access did not exit within {secs} s");
        }
    }
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("s3a-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An object with `n` extra members after a valid `Version` and an empty `Statement`.
fn object_with_members(n: usize, member: impl Fn(usize) -> String, sep: &str) -> Vec<u8> {
    let mut text = String::from("{\"Version\":\"2012-10-17\",\"Statement\":[]");
    for i in 0..n {
        text.push(',');
        text.push_str(sep);
        text.push_str(&member(i));
    }
    text.push('}');
    text.into_bytes()
}

#[test]
fn many_statements_with_sids_are_checked_in_linear_time() {
    let mut statements: Vec<String> = (0..100_000)
        .map(|i| {
            format!(r#"{{"Sid":"S{i}","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#)
        })
        .collect();
    statements
        .push(r#"{"Sid":"S7","Effect":"Deny","Action":"s3:GetObject","Resource":"*"}"#.into());
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",\n")
    );
    let r = within(60, "100,000 Sids", move || lint_bytes(text.as_bytes()));
    let dup: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.finding.code.as_str() == "P115")
        .collect();
    assert_eq!(dup.len(), 1);
    assert_eq!(dup[0].start.line, 100_001);
    // The related location is the first use, on line 8 (statement S7).
    let first = dup[0].finding.related[0].span;
    assert_eq!(r.source.line_col(first.start).line, 8);
}

#[test]
fn objects_with_a_hundred_thousand_bad_keys_are_capped_not_quadratic() {
    type Member = Box<dyn Fn(usize) -> String + Send>;
    let cases: [(&str, Member); 3] = [
        ("P101", Box::new(|i| format!("\"k{i}\":0"))),
        ("E002", Box::new(|_| "\"a\":0".to_string())),
        // Distinct keys that differ only by case: the bits of `i` choose the case of each letter.
        (
            "E003",
            Box::new(|i| {
                let key: String = (0..17)
                    .map(|b| if i >> b & 1 == 1 { 'K' } else { 'k' })
                    .collect();
                format!("\"{key}\":0")
            }),
        ),
    ];
    // Minified and one key per line: the column index and the snippet window both matter.
    for ((code, member), sep) in cases.into_iter().zip(["", "\n", ""]) {
        {
            let text = object_with_members(100_000, &member, sep);
            let r = within(60, code, move || {
                let r = lint_bytes(&text);
                let human = s3_access::report::human(&r, s3_access::report::Style::Plain);
                (r, human.len())
            });
            let (r, rendered) = r;
            let c = codes(&r);
            assert_eq!(c.len(), lint::MAX_FINDINGS + 1, "{code}");
            assert!(c.contains(&code), "{code}: {:?}", &c[..3]);
            let last = r.findings.last().unwrap();
            assert_eq!(last.finding.code.as_str(), "E004");
            assert!(last.finding.message.contains("more than 10000 findings"));
            assert!(rendered < 20_000_000, "{code}: {rendered} bytes of output");
        }
    }
}

#[test]
fn a_file_of_many_policies_with_findings_finishes_and_locates_them() {
    let text = format!("[{}]", vec!["{\"Statement\":[]}"; 20_000].join(",\n"));
    let r = within(60, "20,000 policies", move || lint_bytes(text.as_bytes()));
    assert_eq!(r.findings.len(), lint::MAX_FINDINGS + 1);
    // Findings are in source order, each located in its own policy.
    let f = &r.findings[lint::MAX_FINDINGS - 1];
    assert_eq!(f.start.line, lint::MAX_FINDINGS as u32 / 2);
    assert_eq!(f.path, "/Statement");
}

#[test]
fn columns_at_the_end_of_a_long_minified_line_are_exact() {
    let id = "é".repeat(500_000);
    let text = format!(
        r#"{{"Version":"2012-10-17","Id":"{id}","Statement":[{{"Effect":"Alow","Action":"s3:GetObject","Resource":"*"}}]}}"#
    );
    let column = text[..text.find("\"Alow").unwrap()].chars().count() as u32 + 1;
    let r = within(60, "a 1 MB line", move || lint_bytes(text.as_bytes()));
    let f = r
        .findings
        .iter()
        .find(|f| f.finding.code.as_str() == "P107")
        .unwrap();
    assert_eq!((f.start.line, f.start.column), (1, column));
}

#[test]
fn devices_and_pipes_are_read_only_up_to_the_size_limit() {
    if !std::path::Path::new("/dev/zero").exists() {
        skip("no /dev/zero on this system");
        return;
    }
    let r = within(60, "lint /dev/zero", || {
        lint::lint_path(std::path::Path::new("/dev/zero"), &LintOptions::default()).unwrap()
    });
    assert_eq!(codes(&r), vec!["E004"]);
    let loaded = within(60, "query /dev/zero", || {
        let mut g = Graph::new();
        eval::add_file(
            &mut g,
            std::path::Path::new("/dev/zero"),
            Layer::Identity,
            0,
        )
        .map(|_| ())
        .map_err(|e| match e {
            eval::LoadError::Invalid(r) => codes(&r).join(","),
            other => other.to_string(),
        })
    });
    assert_eq!(loaded, Err("E004".to_string()));
}

#[cfg(unix)]
#[test]
fn a_pipe_and_an_unreadable_file_in_a_linted_directory_are_errors_not_hangs() {
    let dir = temp_dir("fifo");
    std::fs::write(dir.join("ok.json"), policy_with_resource("\"*\"")).unwrap();
    // Nobody writes to the pipe: opening it would block forever.
    let made = Command::new("mkfifo")
        .arg(dir.join("pipe.json"))
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        skip("mkfifo is not available");
        return;
    }
    // Tests run as root in CI, where permissions do not stop a read; /proc/self/mem is a
    // regular file that fails to read at offset 0 for anyone.
    let mem = std::path::Path::new("/proc/self/mem");
    let unreadable = mem.exists() && std::fs::read(mem).is_err();
    if unreadable {
        std::os::unix::fs::symlink(mem, dir.join("mem.json")).unwrap();
    } else {
        skip("/proc/self/mem is missing or readable: the unreadable-file case");
    }
    let out = run_within(60, bin().args(["lint", "--format", "json"]).arg(&dir));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pipe.json") && stderr.contains("not a regular file"),
        "{stderr}"
    );
    if unreadable {
        assert!(stderr.contains("mem.json"), "{stderr}");
    }
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["files"], 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_broken_links_in_a_linted_directory() {
    let dir = std::env::temp_dir().join(format!("s3a-links-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/p.json"), policy_with_resource("\"*\"")).unwrap();
    std::os::unix::fs::symlink(&dir, dir.join("sub/loop")).unwrap();
    std::os::unix::fs::symlink(dir.join("missing.json"), dir.join("broken.json")).unwrap();
    let out = bin()
        .args(["lint", "--format", "json"])
        .arg(&dir)
        .output()
        .unwrap();
    // Links are not followed by default: each is a note with its path (not an I/O error).
    assert_ne!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("note: skipped") && stderr.contains("broken.json"),
        "{stderr}"
    );
    assert!(stderr.contains("loop"), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["files"], 1);
    // With --follow, the loop is walked once and the broken link is still a note.
    let out = bin()
        .args(["lint", "--follow", "--format", "json"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken.json"), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["files"], 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_directory_of_100_000_files_is_linted_in_order() {
    let dir = temp_dir("many");
    let text = policy_with_resource("\"*\"");
    // Hard links: 100,000 directory entries without writing 100,000 files (a new original
    // every 30,000, under the file systems' link limits).
    let mut original = dir.join("p000000.json");
    for i in 0..100_000 {
        let name = dir.join(format!("p{i:06}.json"));
        if i == 50_000 {
            std::fs::write(&name, "{").unwrap();
        } else if i % 30_000 == 0 {
            std::fs::write(&name, &text).unwrap();
            original = name;
        } else {
            std::fs::hard_link(&original, &name).unwrap();
        }
    }
    let out = run_within(300, bin().args(["lint", "--format", "json"]).arg(&dir));
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["files"], 100_000);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    assert!(
        doc["findings"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with("p050000.json")
    );
    let files = doc["files"].as_array().unwrap();
    assert!(
        files
            .windows(2)
            .all(|w| w[0]["file"].as_str() < w[1]["file"].as_str())
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_reads_a_device_only_up_to_the_limit() {
    if !std::path::Path::new("/dev/zero").exists() {
        skip("no /dev/zero on this system");
        return;
    }
    let out = run_within(60, bin().args(["check", "/dev/zero"]));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("input larger than 64 MiB"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn a_pipe_in_a_bucket_folder_is_an_error_not_a_hang() {
    let dir = temp_dir("bucket-fifo");
    std::fs::write(
        dir.join("policy.json"),
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#,
    )
    .unwrap();
    // Nobody writes to the pipe: reading the ACL from it would block forever.
    let made = Command::new("mkfifo")
        .arg(dir.join("acl.json"))
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        skip("mkfifo is not available");
        return;
    }
    let out = run_within(60, bin().args(["public", "--format", "json"]).arg(&dir));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("acl.json") && stderr.contains("not a regular file"),
        "{stderr}"
    );
    // The public policy is still judged: a pipe never turns into "not public".
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------------------------------
// CloudFormation templates (issue 12): each a located error or an unknown, in bounded time.
// ---------------------------------------------------------------------------------------

fn template_codes(name: &str, text: String) -> Vec<&'static str> {
    let source = SourceFile::new(name, text);
    let x = s3_access::iac::cloudformation::read(source).unwrap();
    x.findings.iter().map(|f| f.code.as_str()).collect()
}

#[test]
fn a_yaml_alias_bomb_is_refused_not_expanded() {
    let mut text = String::from(
        "AWSTemplateFormatVersion: '2010-09-09'\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for i in 1..10 {
        let p = i - 1;
        let refs = vec![format!("*a{p}"); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    text.push_str("Resources: {}\n");
    let codes = within(30, "the alias bomb", move || {
        template_codes("bomb.yaml", text)
    });
    assert_eq!(codes, ["E004"]);
}

#[test]
fn yaml_nested_100_000_deep_is_an_input_limit_error() {
    for body in [
        "[".repeat(100_000),
        "- ".repeat(100_000),
        "{a: ".repeat(100_000),
    ] {
        let text =
            format!("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  X:\n    {body}\n");
        let codes = within(30, "deep YAML", move || template_codes("deep.yaml", text));
        assert_eq!(codes, ["E004"]);
    }
    let json = format!(
        "{{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"Resources\": {}",
        "[".repeat(100_000)
    );
    let codes = within(30, "deep JSON template", move || {
        template_codes("deep.json", json)
    });
    assert_eq!(codes, ["E004"]);
}

#[test]
fn a_fn_sub_that_refers_to_itself_is_a_located_error() {
    let text = "Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub '${A}-x'\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub '${C}-b'\n  C:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Join ['-', [!Ref B, c]]\nConditions:\n  P: !Condition Q\n  Q: !Not [!Condition P]\n".to_string();
    let t = text.clone();
    let x = within(30, "self-referring Fn::Sub", move || {
        s3_access::iac::cloudformation::read(SourceFile::new("cycle.yaml", t)).unwrap()
    });
    let lines: Vec<(&str, u32)> = x
        .findings
        .iter()
        .map(|f| (f.code.as_str(), x.source.line_col(f.span.start).line))
        .collect();
    assert!(lines.contains(&("E013", 5)), "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|(c, l)| *c == "E013" && (*l == 9 || *l == 13)),
        "{lines:?}"
    );
    assert_eq!(x.buckets.len(), 3);
    assert!(!x.unknowns.is_empty());
}

#[test]
fn a_huge_template_is_refused_before_it_is_parsed() {
    let text = format!(
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n{}",
        "  B: {Type: AWS::S3::Bucket}\n".repeat(200_000)
    );
    let codes = within(10, "a 5 MB template", move || {
        template_codes("huge.yaml", text)
    });
    assert_eq!(codes, ["E004"]);
}

#[test]
fn fn_for_each_loops_cannot_multiply_a_template_without_bound() {
    let values = vec!["v"; 1000].join(", ");
    let body = vec!["x"; 2000].join(", ");
    let text = format!(
        "Resources:\n  Fn::ForEach::A:\n    - I\n    - [{values}]\n    - Fn::ForEach::B:\n        - J\n        - [{values}]\n        - B${{I}}${{J}}:\n            Type: AWS::S3::Bucket\n            Properties: {{Tags: [{body}]}}\n  Plain: {{Type: AWS::S3::Bucket}}\n"
    );
    let x = within(30, "a ForEach bomb", move || {
        s3_access::iac::cloudformation::read(SourceFile::new("loops.yaml", text)).unwrap()
    });
    // Not expanded (over the bound): noted, and the plain bucket still read.
    assert_eq!(x.buckets.len(), 1);
    assert!(x.findings.iter().any(|f| f.code.as_str() == "E014"));
}

// ---------------------------------------------------------------------------------------
// Terraform: each case a located E-code or an unknown, in bounded time and memory.
// ---------------------------------------------------------------------------------------

fn terraform(text: String) -> s3_access::iac::Extracted {
    s3_access::iac::terraform::read_file(SourceFile::new("hostile.tf", text))
}

fn tf_codes(e: &s3_access::iac::Extracted) -> Vec<&'static str> {
    e.findings.iter().map(|f| f.code.as_str()).collect()
}

#[test]
fn hcl_nested_100_000_deep_is_a_located_syntax_error() {
    let e = terraform(format!("x = {}", "[".repeat(100_000)));
    assert_eq!(tf_codes(&e), vec!["E015"]);
    let e = terraform(format!("{}\n", "a {\n".repeat(100_000)));
    assert_eq!(tf_codes(&e), vec!["E015"]);
}

#[test]
fn terraform_json_syntax_deep_or_broken_is_a_located_error() {
    let json = |text: String| {
        s3_access::iac::terraform::read_file(SourceFile::new("hostile.tf.json", text))
    };
    // JSON nested 100,000 deep: the JSON reader's depth limit, located.
    let e = json(format!("{{\"locals\": {{\"x\": {}", "[".repeat(100_000)));
    assert_eq!(tf_codes(&e), vec!["E004"]);
    // A template that never closes: located at its JSON string.
    let text = "{\"locals\": {\"x\": \"${var.a\"}}".to_string();
    let e = json(text.clone());
    assert_eq!(tf_codes(&e), vec!["E015"]);
    let at = e.findings[0].span.start as usize;
    assert!((17..text.len()).contains(&at), "{at}");
    // An interpolation nested 100,000 deep inside a string: the HCL parser's limit.
    let e = json(format!(
        "{{\"locals\": {{\"x\": \"${{{}}}\"}}}}",
        "(".repeat(100_000)
    ));
    assert_eq!(tf_codes(&e), vec!["E015"]);
    // 20,000 resources of one type: read in bounded time, each bucket found.
    let buckets: Vec<String> = (0..20_000)
        .map(|i| format!("\"b{i}\": {{\"bucket\": \"amzn-s3-demo-bucket-{i}\"}}"))
        .collect();
    let e = json(format!(
        "{{\"resource\": {{\"aws_s3_bucket\": {{{}}}}}}}",
        buckets.join(", ")
    ));
    assert_eq!(e.buckets.len(), 20_000);
}

#[test]
fn a_heredoc_that_never_ends_is_a_located_syntax_error() {
    let text = format!(
        "resource \"aws_s3_bucket_policy\" \"p\" {{\n  policy = <<EOF\n{}",
        "{\"a\": 1}\n".repeat(100_000)
    );
    let e = terraform(text);
    assert_eq!(tf_codes(&e), vec!["E015"]);
    assert_eq!(e.source.line_col(e.findings[0].span.start).line, 3);
}

#[test]
fn a_tf_file_over_the_size_limit_is_refused_before_it_is_read() {
    use s3_access::iac::terraform::{FsReader, ModuleReader};
    let dir = std::env::temp_dir().join(format!("s3a-big-tf-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("big")).unwrap();
    let f = std::fs::File::create(dir.join("big/main.tf")).unwrap();
    f.set_len(100 * 1024 * 1024).unwrap(); // sparse: costs no disk
    assert!(
        FsReader
            .read(&dir.join("big/main.tf"))
            .unwrap_err()
            .contains("larger than 8 MB")
    );
    // A module call of that directory is a located error in the caller.
    let main = "module \"big\" {\n  source = \"./big\"\n}\n";
    let r = s3_access::iac::terraform::read_module(
        &dir,
        vec![SourceFile::new(
            dir.join("main.tf").display().to_string(),
            main,
        )],
        &[],
        std::rc::Rc::new(FsReader),
    );
    let e = &r.files[0];
    assert_eq!(tf_codes(e), vec!["E015"]);
    assert!(
        e.findings[0].message.contains("larger than 8 MB"),
        "{}",
        e.findings[0].message
    );
    // Text over the limit handed over directly is an input-limit error, not parsed.
    let e = terraform(" ".repeat(s3_access::iac::terraform::MAX_TF_BYTES + 1));
    assert_eq!(tf_codes(&e), vec!["E004"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A plan's ACL grants, access points and IAM links in bulk: read in one pass each (no
/// quadratic merge of IAM references), every grant and link kept.
#[test]
fn a_plan_of_100_000_grants_and_20_000_iam_links_is_read_linearly() {
    let grant = r#"{"grantee":[{"type":"Group","uri":"http://acs.amazonaws.com/groups/global/AllUsers"}],"permission":"READ"}"#;
    let grants = vec![grant; 100_000].join(",");
    let mut resources = vec![
        r#"{"address":"aws_s3_bucket.b","mode":"managed","type":"aws_s3_bucket","name":"b","values":{"bucket":"bkt"}}"#.to_string(),
        format!(
            r#"{{"address":"aws_s3_bucket_acl.b","mode":"managed","type":"aws_s3_bucket_acl","name":"b","values":{{"bucket":"bkt","access_control_policy":[{{"grant":[{grants}],"owner":[{{"id":"abc"}}]}}]}}}}"#
        ),
    ];
    for i in 0..10_000 {
        resources.push(format!(
            r#"{{"address":"aws_iam_role.r{i}","mode":"managed","type":"aws_iam_role","name":"r{i}","values":{{"name":"r{i}"}}}}"#
        ));
        resources.push(format!(
            r#"{{"address":"aws_iam_policy.p{i}","mode":"managed","type":"aws_iam_policy","name":"p{i}","values":{{"name":"p{i}"}}}}"#
        ));
        for j in [i, (i + 1) % 10_000] {
            resources.push(format!(
                r#"{{"address":"aws_iam_role_policy_attachment.a{i}_{j}","mode":"managed","type":"aws_iam_role_policy_attachment","name":"a","values":{{"role":"r{i}","policy_arn":"arn:aws:iam::123456789012:policy/p{j}"}}}}"#
            ));
        }
    }
    let text = format!(
        r#"{{"format_version":"1.2","planned_values":{{"root_module":{{"resources":[{}]}}}}}}"#,
        resources.join(",\n")
    );
    let read = s3_access::iac::terraform::plan::read_plan(SourceFile::new("big.json", text));
    let e = &read.after;
    assert!(e.findings.is_empty(), "{:?}", e.findings.first());
    let acl = e.buckets[0]
        .settings
        .iter()
        .find(|(n, _)| *n == "acl.json")
        .unwrap();
    assert_eq!(
        acl.1
            .get("Grants")
            .and_then(|g| g.as_array())
            .map(<[_]>::len),
        Some(100_000)
    );
    assert_eq!(e.iam.entities.len(), 20_000);
    assert_eq!(e.iam.links.len(), 20_000);
    assert!(
        e.iam
            .links
            .iter()
            .all(|l| matches!(l.from, s3_access::iac::IamRef::Address(_)))
    );
}

#[test]
fn for_each_over_a_million_generated_elements_is_an_unknown_expansion() {
    // `range` is not evaluated: the expansion is unknown, read as one instance.
    let text = "resource \"aws_s3_bucket\" \"b\" {\n  for_each = toset([for i in range(1000000) : tostring(i)])\n  bucket = each.key\n}\n";
    let e = terraform(text.to_string());
    assert_eq!(e.buckets.len(), 1);
    assert_eq!(e.buckets[0].address, "aws_s3_bucket.b[?]");
    // A literal list of a million elements: over the expansion limit, also unknown.
    let list = vec!["\"x\""; 1_000_000].join(",");
    let text = format!(
        "locals {{\n  xs = [{list}]\n}}\nresource \"aws_s3_bucket\" \"b\" {{\n  for_each = toset(local.xs)\n  bucket = each.key\n}}\n"
    );
    let e = terraform(text);
    assert_eq!(e.buckets.len(), 1);
    assert!(
        e.unknowns.iter().any(|u| u.expression == "toset(local.xs)"),
        "{:?}",
        e.unknowns
    );
}

#[test]
fn a_module_that_sources_itself_is_a_located_error_not_a_hang() {
    use s3_access::iac::terraform::FsReader;
    let dir = std::env::temp_dir().join(format!("s3a-self-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("a")).unwrap();
    // a -> b -> a: a cycle through two directories.
    std::fs::write(
        dir.join("a/main.tf"),
        "module \"b\" {\n  source = \"../b\"\n}\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("b")).unwrap();
    std::fs::write(
        dir.join("b/main.tf"),
        "module \"a\" {\n  source = \"../a\"\n}\n",
    )
    .unwrap();
    let text = std::fs::read_to_string(dir.join("a/main.tf")).unwrap();
    let r = s3_access::iac::terraform::read_module(
        &dir.join("a"),
        vec![SourceFile::new(
            dir.join("a/main.tf").display().to_string(),
            text,
        )],
        &[],
        std::rc::Rc::new(FsReader),
    );
    let all: Vec<&str> = r.files.iter().flat_map(tf_codes).collect();
    assert_eq!(all, vec!["E015"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn hostile_baseline_files_are_refused_with_located_findings_or_read_in_bounded_time() {
    use s3_access::lint::baseline::{Baseline, BaselineError};
    let dir = std::env::temp_dir().join(format!("s3a-baseline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // 100 MB: refused before it is read.
    let big = dir.join("big.json");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(100 * 1024 * 1024)
        .unwrap();
    assert!(matches!(Baseline::read(&big), Err(BaselineError::Io(_))));
    let refused = |text: &[u8]| -> Vec<&'static str> {
        let path = dir.join("b.json");
        std::fs::write(&path, text).unwrap();
        match Baseline::read(&path) {
            Err(BaselineError::Invalid(r)) => {
                assert!(r.findings.iter().all(|f| f.start.line >= 1));
                codes(&r)
            }
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(refused(&b"[".repeat(100_000)), vec!["E004"]);
    assert_eq!(
        refused(b"{\"version\": 1, \"fingerprints\": [\xff]}"),
        vec!["E005"]
    );
    // A raw NUL is a JSON error; an escaped one is text that is not a fingerprint.
    assert_eq!(
        refused(b"{\"version\": 1, \"fingerprints\": [\"\0\"]}"),
        vec!["E001"]
    );
    assert_eq!(
        refused(b"{\"version\": 1, \"fingerprints\": [{\"fingerprint\": \"\\u0000\"}]}"),
        vec!["C003"]
    );
    let huge = format!(
        "{{\"version\": 1, \"fingerprints\": [{{\"fingerprint\": \"{}\"}}]}}",
        "a".repeat(10_000_000)
    );
    let codes_of_huge = refused(huge.as_bytes());
    assert_eq!(codes_of_huge, vec!["C003"]);
    // 200,000 entries are read.
    let entry = r#"{"fingerprint": "0123456789abcdef"},"#;
    let many = format!(
        "{{\"version\": 1, \"fingerprints\": [{}{{\"fingerprint\": \"fedcba9876543210\"}}]}}",
        entry.repeat(200_000)
    );
    let path = dir.join("many.json");
    std::fs::write(&path, many).unwrap();
    assert_eq!(Baseline::read(&path).unwrap().len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------------------------------
// The same IaC inputs through the `lint` binary (issue 12 item 7): each a located error or an
// unknown, in bounded time; scripts/hostile.sh runs them at full size with time and memory.
// ---------------------------------------------------------------------------------------

/// The codes of a `lint --format json` run on `path` (in `dir`), and its exit code.
fn lint_codes(dir: &std::path::Path, path: &str) -> (Vec<String>, Option<i32>) {
    let out = run_within(
        120,
        bin()
            .current_dir(dir)
            .args(["lint", "--no-config", "--format", "json", path]),
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{path}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    let mut codes: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    codes.dedup();
    (codes, out.status.code())
}

#[test]
fn hostile_iac_through_lint_is_bounded_and_located() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let w = |name: &str, text: String| {
        let p = d.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    let mut bomb = String::from(
        "AWSTemplateFormatVersion: '2010-09-09'\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for i in 1..10 {
        bomb.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            vec![format!("*a{}", i - 1); 10].join(", ")
        ));
    }
    bomb.push_str("Resources: {}\n");
    w("alias-bomb.yaml", bomb);
    w(
        "deep.yaml",
        format!(
            "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  X:\n    {}\n",
            "[".repeat(100_000)
        ),
    );
    w("deep/main.tf", format!("x = {}", "[".repeat(100_000)));
    w(
        "heredoc/main.tf",
        format!(
            "resource \"aws_s3_bucket_policy\" \"p\" {{\n  policy = <<EOF\n{}",
            "{\"a\": 1}\n".repeat(10_000)
        ),
    );
    w(
        "range/main.tf",
        "resource \"aws_s3_bucket\" \"b\" {\n  for_each = toset([for i in range(1000000) : tostring(i)])\n  bucket = each.key\n}\n".into(),
    );
    w(
        "json/main.tf.json",
        "{\"locals\": {\"x\": \"${var.a\"}}".into(),
    );
    w(
        "self/main.tf",
        "module \"me\" {\n  source = \"./\"\n}\n".into(),
    );
    w(
        "sub-self.yaml",
        "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub \"${Bucket}-logs\"\n".into(),
    );
    std::fs::create_dir_all(d.join("big")).unwrap();
    std::fs::File::create(d.join("big/main.tf"))
        .unwrap()
        .set_len(100 * 1024 * 1024)
        .unwrap(); // sparse: costs no disk
    for (path, codes, exit) in [
        ("alias-bomb.yaml", vec!["E004"], 1),
        ("deep.yaml", vec!["E004"], 1),
        ("deep/main.tf", vec!["E015"], 1),
        ("heredoc/main.tf", vec!["E015"], 1),
        ("big/main.tf", vec!["E004"], 1),
        // `range` is not evaluated: the expansion is an unknown, noted, never dropped.
        ("range/main.tf", vec!["E016"], 0),
        ("self", vec!["E015"], 1),
        ("json/main.tf.json", vec!["E015"], 1),
        // The bucket audit still sees a bucket without a policy (its name is the error).
        ("sub-self.yaml", vec!["S201", "E013"], 1),
    ] {
        let (found, code) = lint_codes(d, path);
        assert_eq!(found, codes, "{path}");
        assert_eq!(code, Some(exit), "{path}");
    }
}

#[test]
fn many_suppression_comments_stay_linear_and_bounded() {
    // 100,000 stacked comments above one block, then a 100,000-line block (4.5 MB): one scan per
    // block, at most 1,000 comments honoured, the rest said to suppress nothing.
    let mut text = "# s3-access: ignore S101 reviewed\n".repeat(100_000);
    text.push_str("resource \"aws_s3_bucket\" \"b\" {\n");
    text.push_str(&"  # filler\n".repeat(100_000));
    text.push_str("}\n");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), text).unwrap();
    let (codes, exit) = lint_codes(dir.path(), "main.tf");
    assert_eq!(codes, vec!["C004"]);
    assert_eq!(exit, Some(0));
}

// ---------------------------------------------------------------------------------------
// Services around a bucket (issue 15, item 3): notification destination policies and
// CloudTrail event selectors, each a located error or a bounded answer.
// ---------------------------------------------------------------------------------------

/// A bucket folder whose notification configuration is `notification` and whose
/// `destinations/` holds `files` (path under `destinations/`, content).
fn notification_folder(
    tag: &str,
    notification: &str,
    files: &[(&str, String)],
) -> std::path::PathBuf {
    let dir = temp_dir(tag);
    std::fs::write(
        dir.join("s3-access.json"),
        r#"{"bucket": "amzn-s3-demo-bucket", "account": "111122223333"}"#,
    )
    .unwrap();
    std::fs::write(dir.join("notification.json"), notification).unwrap();
    for (path, text) in files {
        let p = dir.join("destinations").join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// `lint --format json` of `dir`: every finding as (code, file, line, column, message).
fn lint_json(dir: &std::path::Path) -> Vec<(String, String, u64, u64, String)> {
    let out = run_within(
        120,
        bin()
            .args([
                "lint",
                "--no-config",
                "--format",
                "json",
                "--fail-on",
                "never",
            ])
            .arg(dir),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn destination_policies_of_every_wrong_shape_are_located_errors() {
    let queue = "arn:aws:sqs:us-east-1:111122223333:q";
    let notification = format!(
        r#"{{"QueueConfigurations": [{{"QueueArn": "{queue}", "Events": ["s3:ObjectCreated:*"]}}]}}"#
    );
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    for (text, code) in [
        (
            format!(r#"{{"Attributes": {{"Policy": 7, "QueueArn": "{queue}"}}}}"#),
            "E009",
        ),
        (r#"{"Attributes": {"Polcy": "{}"}}"#.to_string(), "E009"),
        (
            r#"{"Attributes": {"QueueArn": "arn:aws:sqs:us-east-1:111122223333:other"}}"#
                .to_string(),
            "E010",
        ),
        (
            format!(r#"{{"Attributes": {{"Policy": "{deep}"}}}}"#),
            "E004",
        ),
        (
            r#"{"Attributes": {"Policy": "{\"Statement\": ["}}"#.to_string(),
            "E001",
        ),
        ("[]".to_string(), "E009"),
    ] {
        let dir = notification_folder("dest-shape", &notification, &[("sqs/q.json", text.clone())]);
        let found = lint_json(&dir);
        assert!(
            found
                .iter()
                .any(|f| f.0 == code && f.1.ends_with("q.json") && f.2 >= 1),
            "{text}: {found:?}"
        );
        // A destination whose file cannot be read is never reported as able to receive, nor
        // as fine: the error stands for it.
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn findings_inside_an_escaped_policy_string_point_into_the_string() {
    let function = "arn:aws:lambda:us-east-1:111122223333:function:f";
    let notification = format!(
        r#"{{"LambdaFunctionConfigurations": [{{"LambdaFunctionArn": "{function}", "Events": ["s3:ObjectCreated:*"]}}]}}"#
    );
    // The quotes before the Sid are written as \u0022: every escape shifts the offsets.
    let policy = format!(
        r#"{{"Policy": "{{\u0022Version\u0022:\u00222012-10-17\u0022,\u0022Statement\u0022:[{{\"Sid\":\"open\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"lambda:InvokeFunction\",\"Resource\":\"{function}\"}}]}}", "RevisionId": "r"}}"#
    );
    let column = policy.find(r#"\"open\""#).unwrap() + 1;
    let dir = notification_folder("dest-escapes", &notification, &[("lambda/f.json", policy)]);
    let found = lint_json(&dir);
    let open: Vec<_> = found.iter().filter(|f| f.0 == "S517").collect();
    assert_eq!(open.len(), 1, "{found:?}");
    assert_eq!((open[0].2, open[0].3), (1, column as u64), "{found:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn five_thousand_notifications_and_names_that_leave_the_folder_finish_and_stay_inside() {
    let mut items = Vec::new();
    for i in 0..5_000 {
        items.push(format!(
            r#"{{"QueueArn": "arn:aws:sqs:us-east-1:111122223333:q{}", "Events": ["s3:ObjectCreated:*"]}}"#,
            i % 100
        ));
    }
    // A queue "name" that is a path: no file is looked for outside destinations/.
    items.push(r#"{"QueueArn": "arn:aws:sqs:us-east-1:111122223333:../../../etc/passwd", "Events": ["s3:ObjectCreated:*"]}"#.to_string());
    let notification = format!(r#"{{"QueueConfigurations": [{}]}}"#, items.join(","));
    let policy = r#"{"Attributes": {"Policy": "{\"Version\":\"2012-10-17\",\"Statement\":[]}"}}"#;
    let dir = notification_folder(
        "dest-many",
        &notification,
        &[("sqs/q7.json", policy.to_string())],
    );
    let found = lint_json(&dir);
    let refused = found.iter().filter(|f| f.0 == "S516").count();
    let unchecked = found.iter().filter(|f| f.0 == "S518").count();
    assert_eq!(refused, 50, "q7 is named 50 times and refuses S3");
    assert_eq!(unchecked, 4_951);
    assert!(
        found
            .iter()
            .any(|f| f.0 == "S518" && f.4.contains("names no SQS queue"))
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_encrypted_destination_key_is_checked_in_each_form_and_stays_inside_the_folder() {
    let queue = "arn:aws:sqs:us-east-1:111122223333:q";
    let notification = format!(
        r#"{{"QueueConfigurations": [{{"QueueArn": "{queue}", "Events": ["s3:ObjectCreated:*"]}}]}}"#
    );
    let allow_s3 = format!(
        r#"{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":{{\"Service\":\"s3.amazonaws.com\"}},\"Action\":\"sqs:SendMessage\",\"Resource\":\"{queue}\",\"Condition\":{{\"ArnLike\":{{\"aws:SourceArn\":\"arn:aws:s3:::amzn-s3-demo-bucket\"}}}}}}]}}"#
    );
    let queue_file = |key: &str| {
        format!(
            r#"{{"Attributes": {{"QueueArn": "{queue}", "Policy": "{allow_s3}", "KmsMasterKeyId": "{key}"}}}}"#
        )
    };
    let key_id = "1234abcd-12ab-34cd-56ef-1234567890ab";
    let key_policy = |statements: &str| {
        format!(r#"{{"Policy": "{{\"Version\":\"2012-10-17\",\"Statement\":[{statements}]}}"}}"#)
    };
    let s3_may = r#"{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"s3.amazonaws.com\"},\"Action\":[\"kms:GenerateDataKey\",\"kms:Decrypt\"],\"Resource\":\"*\"}"#;
    let root_only = r#"{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}"#;
    let aliases =
        format!(r#"{{"Aliases": [{{"AliasName": "alias/events", "TargetKeyId": "{key_id}"}}]}}"#);
    // (KmsMasterKeyId, key policy in kms/<id>/, aliases, the code expected or none).
    let cases: Vec<(String, Option<&str>, bool, Option<&str>)> = vec![
        ("alias/aws/sqs".into(), None, false, Some("S523")),
        (key_id.into(), Some(root_only), false, Some("S523")),
        (key_id.into(), Some(s3_may), false, None),
        (
            format!("arn:aws:kms:us-east-1:111122223333:key/{key_id}"),
            Some(s3_may),
            false,
            None,
        ),
        ("alias/events".into(), Some(root_only), true, Some("S523")),
        ("alias/events".into(), Some(s3_may), true, None),
        // Not in the folder: noted as not checked, never passed over as fine.
        (key_id.into(), None, false, Some("S518")),
        ("alias/unknown".into(), Some(s3_may), true, Some("S518")),
        // A key "id" that is a path: looked for under kms/ only.
        ("../../../../etc/passwd".into(), None, false, Some("S518")),
        // An empty key is how the CLI prints an unencrypted queue.
        (String::new(), None, false, None),
    ];
    for (key, policy, with_aliases, expected) in cases {
        let dir = notification_folder(
            "dest-kms",
            &notification,
            &[("sqs/q.json", queue_file(&key))],
        );
        let key_dir = dir.join("kms").join(key_id);
        std::fs::create_dir_all(&key_dir).unwrap();
        if let Some(statements) = policy {
            std::fs::write(key_dir.join("key-policy.json"), key_policy(statements)).unwrap();
        }
        if with_aliases {
            std::fs::write(key_dir.join("aliases.json"), &aliases).unwrap();
        }
        let found = lint_json(&dir);
        let got: Vec<&str> = found
            .iter()
            .filter(|f| f.0 == "S523" || f.0 == "S518")
            .map(|f| f.0.as_str())
            .collect();
        assert_eq!(
            got,
            expected.into_iter().collect::<Vec<_>>(),
            "{key}: {found:?}"
        );
        if let Some(f) = found.iter().find(|f| f.0 == "S523" || f.0 == "S518") {
            // Located at KmsMasterKeyId in the queue's file.
            assert!(f.1.ends_with("q.json") && f.2 == 1, "{key}: {f:?}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn a_hundred_thousand_event_selectors_are_read_in_bounded_time() {
    use s3_access::aws_docs::cloudtrail::EventSelectors;
    let one = r#"{"ReadWriteType": "ReadOnly", "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::other/"]}]}"#;
    let text = format!(
        r#"{{"EventSelectors": [{}]}}"#,
        vec![one; 100_000].join(",")
    );
    let doc = within(60, "reading 100,000 selectors", move || {
        s3_access::aws_docs::read::read_str::<EventSelectors>("t.json", &text)
            .unwrap()
            .doc
    });
    assert_eq!(doc.records("amzn-s3-demo-bucket"), Default::default());
}
// Multi-Region Access Points (issue 15 item 4): each reader a located error or a document, in
// bounded time; a pipe in their folder an error, never a hang.
// ---------------------------------------------------------------------------------------

#[test]
fn hostile_multi_region_access_point_documents_are_located_errors() {
    use s3_access::aws_docs::MultiRegionAccessPoint;
    use s3_access::aws_docs::read::read_str;
    let deep = format!(
        "{{\"AccessPoint\": {}1{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let region = r#"{"Bucket": "b", "Region": "eu-west-1", "BucketAccountId": "111122223333"}"#;
    let many = format!(
        r#"{{"AccessPoint": {{"Name": "m", "Alias": "abc.mrap", "Regions": [{}]}}}}"#,
        vec![region; 200_000].join(",")
    );
    let nul = "{\"AccessPoint\": {\"Name\": \"m\", \"Alias\": \"abc\u{0}.mrap\", \"Regions\": []}}";
    let wrong = r#"{"AccessPoint": {"Name": 5, "Alias": [], "Regions": {"Bucket": "b"}, "PublicAccessBlock": {"BlockPublicAcls": "yes"}}}"#;
    let cases = [
        (deep, false),
        (many, true),
        (nul.to_string(), false),
        (wrong.to_string(), false),
    ];
    let checked = within(60, "Multi-Region Access Point documents", move || {
        for (text, ok) in &cases {
            let read = read_str::<MultiRegionAccessPoint>("m.json", text);
            assert_eq!(read.is_ok(), *ok, "{}", &text[..text.len().min(80)]);
            if let Ok(m) = &read {
                assert_eq!(m.doc.regions.len(), 200_000);
            }
            for f in read.err().map(|r| r.findings).into_iter().flatten() {
                let span = f.finding.span;
                assert!(text.get(span.start as usize..span.end as usize).is_some());
            }
        }
        cases.len()
    });
    assert_eq!(checked, 4);
    // The policy output: an embedded policy nested too deep, and one that is not JSON, are
    // located errors of the policy file.
    let nested = format!(
        r#"{{"Policy": {{"Established": {{"Policy": "{}1{}"}}}}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    for text in [
        nested.as_str(),
        r#"{"Policy": {"Established": {"Policy": "{not json"}}}"#,
    ] {
        let r = lint_bytes(text.as_bytes());
        assert!(!r.findings.is_empty(), "{}", &text[..text.len().min(60)]);
        assert_eq!(r.max_severity(), Some(s3_access::registry::Severity::Error));
    }
}

#[cfg(unix)]
#[test]
fn a_pipe_as_a_multi_region_access_point_description_is_an_error_not_a_hang() {
    let dir = temp_dir("mrap-fifo");
    std::fs::write(
        dir.join("s3-access.json"),
        r#"{"bucket": "b", "account": "111122223333"}"#,
    )
    .unwrap();
    let sub = dir.join("multi-region-access-points/reports");
    std::fs::create_dir_all(&sub).unwrap();
    let made = Command::new("mkfifo")
        .arg(sub.join("multi-region-access-point.json"))
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        skip("mkfifo is not available");
        return;
    }
    let out = run_within(60, bin().args(["public", "--format", "json"]).arg(&dir));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("multi-region-access-point.json") && stderr.contains("not a regular file"),
        "{stderr}"
    );
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ten_thousand_roles_with_policies_and_attachments_are_linked_in_bounded_time() {
    // Each role has an inline policy and a managed policy attached by reference, and ten
    // thousand more policies name a role not known offline: linking stays linear (no scan per
    // pair). Built directly: the Terraform evaluator's own cost is another matter.
    use s3_access::iac::{
        Attachment, Extracted, Format, IacPolicy, Iam, IamEntity, IamKind, IamLink, IamLinkKind,
        IamRef,
    };
    use s3_access::policy::PolicyKind;
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    let doc = s3_access::json::parse(text).unwrap();
    let span = doc.span;
    let policy = |address: String, attached_to| IacPolicy {
        address,
        kind: PolicyKind::Identity,
        document: doc.clone(),
        attached_to,
    };
    let entity = |address: String, kind| IamEntity {
        name: Some(address.replace('.', "-")),
        address,
        kind,
        path: "/".into(),
        span,
    };
    let mut e = Extracted {
        source: SourceFile::new("hostile.tf", text),
        format: Format::Terraform,
        policies: vec![policy("aws_iam_policy.p".into(), None)],
        buckets: Vec::new(),
        unknowns: Vec::new(),
        findings: Vec::new(),
        iam: Iam {
            entities: vec![entity("aws_iam_policy.p".into(), IamKind::ManagedPolicy)],
            links: Vec::new(),
        },
        access_points: Vec::new(),
    };
    for i in 0..10_000 {
        let role = format!("aws_iam_role.r{i}");
        e.iam.entities.push(entity(role.clone(), IamKind::Role));
        e.iam.links.push(IamLink {
            kind: IamLinkKind::Policy,
            from: IamRef::Address("aws_iam_policy.p".into()),
            to: IamRef::Address(role.clone()),
            span,
        });
        let inline = Some(Attachment::Principal(role));
        e.policies
            .push(policy(format!("aws_iam_role_policy.i{i}"), inline));
        e.policies
            .push(policy(format!("aws_iam_role_policy.lost{i}"), None));
    }
    let details = within(60, "linking 10,000 roles", move || {
        s3_access::iac::identity::authorization(std::slice::from_ref(&e)).unwrap()
    });
    let d = &details.doc;
    assert_eq!(d.roles.len(), 10_000);
    assert!(
        d.roles
            .iter()
            .all(|r| r.inline_policies.len() == 1 && r.attached.len() == 1)
    );
    // The policies of a role not known offline: one note each, for any principal.
    assert_eq!(d.unknowns.len(), 10_000);
    assert!(d.unknowns.iter().all(|(who, _)| who == "*"));
}

#[test]
fn variable_files_nested_100_000_deep_or_broken_are_located_errors() {
    // `.tfvars.json` nested 100,000 deep, and a `.tfvars` heredoc that never ends: each a
    // located error in a report of its own, the module still read.
    let main = SourceFile::new("main.tf", "variable \"x\" {}\n");
    for (name, text) in [
        (
            "deep.tfvars.json",
            format!("{{\"x\": {}", "[".repeat(100_000)),
        ),
        (
            "open.tfvars",
            format!("x = <<EOF\n{}", "a\n".repeat(100_000)),
        ),
    ] {
        let vars = [SourceFile::new(name, text)];
        let main = main.clone();
        let r = within(60, name, move || {
            s3_access::iac::terraform::read_module(
                std::path::Path::new("."),
                vec![main.clone()],
                &vars,
                std::rc::Rc::new(s3_access::iac::terraform::NoModules),
            )
        });
        let e = r.files.iter().find(|e| e.source.name() == name).unwrap();
        assert_eq!(e.findings.len(), 1, "{name}: {:?}", e.findings);
        assert_eq!(
            e.findings[0].severity,
            s3_access::registry::Severity::Error,
            "{name}"
        );
    }
}

#[test]
fn malformed_glacier_vault_lock_output_is_located_not_a_crash() {
    let options = LintOptions {
        audit: true,
        ..LintOptions::default()
    };
    let lint = |text: &str| lint::lint_bytes("vault.json", text.as_bytes().to_vec(), &options);
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    for (text, code, column) in [
        // A Policy that is not a string: not get-vault-lock output.
        (r#"{"Policy": 5, "State": "Locked"}"#.to_string(), "E007", 1),
        (
            r#"{"Policy": ["x"], "State": "Locked"}"#.to_string(),
            "E007",
            1,
        ),
        (r#"{"policy": {"Policy": 7}}"#.to_string(), "E007", 1),
        (r#"{"policy": {"Policy": null}}"#.to_string(), "E007", 1),
        // A member get-vault-lock does not print.
        (
            r#"{"Policy": "{}", "State": "Locked", "Extra": 1}"#.to_string(),
            "E007",
            1,
        ),
        // The embedded policy cut short, or nested too deep.
        (
            r#"{"Policy": "{\"Statement\": [", "State": "Locked"}"#.to_string(),
            "E001",
            30,
        ),
        (
            format!(r#"{{"Policy": "{deep}", "State": "Locked"}}"#),
            "E004",
            0,
        ),
        (
            format!(r#"{{"policy": {{"Policy": "{deep}"}}}}"#),
            "E004",
            0,
        ),
        // An embedded policy that is not an object.
        (
            r#"{"Policy": "[]", "State": "InProgress"}"#.to_string(),
            "E008",
            0,
        ),
    ] {
        let o = options.clone();
        let r = within(10, "vault lock", move || {
            lint::lint_bytes("vault.json", text.into_bytes(), &o)
        });
        let cs = codes(&r);
        assert!(cs.contains(&code), "{}: {cs:?}", r.source.text());
        if column > 0 {
            let f = r
                .findings
                .iter()
                .find(|f| f.finding.code.as_str() == code)
                .unwrap();
            assert_eq!(f.start.column, column, "{}", r.source.text());
        }
    }
    // A State that is not a string, or another word: no S521, the policy still linted.
    for state in ["5", "null", "\"locked\"", "{\"a\": 1}"] {
        let text = format!(
            r#"{{"Policy": "{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"glacier:DeleteArchive\",\"Resource\":\"*\",\"Condition\":{{\"NumericLessThan\":{{\"glacier:ArchiveAgeInDays\":\"1\"}}}}}}]}}", "State": {state}}}"#
        );
        let r = lint(&text);
        assert!(codes(&r).is_empty(), "{text}: {:?}", codes(&r));
    }
}

// ---------------------------------------------------------------------------------------
// S3 Object Lambda access points (issue 15 item 4): each reader a located error or a
// document, in bounded time; a pipe in their folder an error, never a hang.
// ---------------------------------------------------------------------------------------

#[test]
fn hostile_object_lambda_documents_are_located_errors() {
    use s3_access::aws_docs::object_lambda::{ObjectLambdaAccessPoint, ObjectLambdaConfiguration};
    use s3_access::aws_docs::read::read_str;
    let deep = format!(
        "{{\"Configuration\": {}1{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let one = r#"{"Actions": ["GetObject"], "ContentTransformation": {"AwsLambda": {"FunctionArn": "arn:aws:lambda:us-east-1:111122223333:function:f"}}}"#;
    let many = format!(
        r#"{{"Configuration": {{"SupportingAccessPoint": "arn:aws:s3:us-east-1:111122223333:accesspoint/ap", "TransformationConfigurations": [{}]}}}}"#,
        vec![one; 100_000].join(",")
    );
    let nul = "{\"SupportingAccessPoint\": \"arn:aws:s3:us-east-1:111122223333:accesspoint/a\u{0}p\", \"TransformationConfigurations\": []}";
    let wrong = r#"{"Configuration": {"SupportingAccessPoint": 5, "TransformationConfigurations": {"Actions": "GetObject"}}}"#;
    let cases = [
        (deep, false),
        (many, true),
        (nul.to_string(), false),
        (wrong.to_string(), false),
    ];
    let checked = within(60, "Object Lambda access point documents", move || {
        for (text, ok) in &cases {
            let read = read_str::<ObjectLambdaConfiguration>("c.json", text);
            assert_eq!(read.is_ok(), *ok, "{}", &text[..text.len().min(80)]);
            if let Ok(c) = &read {
                assert_eq!(c.doc.transformations.len(), 100_000);
            }
            for f in read.err().map(|r| r.findings).into_iter().flatten() {
                let span = f.finding.span;
                assert!(text.get(span.start as usize..span.end as usize).is_some());
            }
            let described = read_str::<ObjectLambdaAccessPoint>("d.json", text);
            for f in described.err().map(|r| r.findings).into_iter().flatten() {
                let span = f.finding.span;
                assert!(text.get(span.start as usize..span.end as usize).is_some());
            }
        }
        cases.len()
    });
    assert_eq!(checked, 4);
}

#[cfg(unix)]
#[test]
fn a_pipe_as_an_object_lambda_configuration_is_an_error_not_a_hang() {
    let dir = temp_dir("olap-fifo");
    std::fs::write(
        dir.join("s3-access.json"),
        r#"{"bucket": "b", "account": "111122223333"}"#,
    )
    .unwrap();
    let sub = dir.join("object-lambda-access-points/olap");
    std::fs::create_dir_all(&sub).unwrap();
    let made = Command::new("mkfifo")
        .arg(sub.join("configuration.json"))
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        skip("mkfifo is not available");
        return;
    }
    let out = run_within(60, bin().args(["public", "--format", "json"]).arg(&dir));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("configuration.json") && stderr.contains("not a regular file"),
        "{stderr}"
    );
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}
