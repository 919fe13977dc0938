//! `lint` outputs (human table, SARIF, GitHub annotations) and the configuration file, through
//! the binary as users run it.

use std::path::Path;
use std::process::{Command, Output};

const P204: &str = "policies/invalid/P204-unknown-action.json";
const P303: &str = "policies/invalid/P303-resource-type-mismatch.json";
const P107: &str = "policies/invalid/P107-invalid-effect.json";

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A temporary project with a configuration and policies copied from `policies/`.
fn project(config: Option<&str>, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    if let Some(c) = config {
        std::fs::write(dir.path().join(".s3-access.toml"), c).unwrap();
    }
    for (to, from) in files {
        let target = dir.path().join(to);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(repo().join(from), target).unwrap();
    }
    dir
}

fn sarif(dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["lint", "--format", "sarif"];
    all.extend_from_slice(args);
    let out = run_in(dir, &all);
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn human_output_ends_with_the_summary_line_and_a_table_by_code() {
    let out = run_in(repo(), &["lint", "--no-config", P204, P303, P107]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let tail = &stdout[stdout.find("3 files").unwrap()..];
    insta::assert_snapshot!(tail);
}

#[test]
fn sarif_results_carry_rule_region_fingerprint_and_related_locations() {
    let doc = sarif(repo(), &["--no-config", P204, P303]);
    let run = &doc["runs"][0];
    insta::assert_json_snapshot!(run["results"]);
    assert_eq!(doc["version"], "2.1.0");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["tool"]["driver"]["name"], "s3-access");
    assert_eq!(run["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn sarif_rules_are_the_registry_with_its_documentation() {
    let base = "https://example.com/s3-access/blob/v1";
    let doc = sarif(repo(), &["--no-config", "--help-uri-base", base, P204]);
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), s3_access::registry::RULES.len());
    for (rule, info) in rules.iter().zip(s3_access::registry::RULES) {
        assert_eq!(rule["id"], info.code);
        assert_eq!(rule["name"], info.name);
        assert_eq!(
            rule["defaultConfiguration"]["level"],
            info.severity.as_str()
        );
        assert_eq!(rule["help"]["markdown"], info.doc);
        let page = format!("docs/rules/{}.md", info.code);
        assert_eq!(rule["helpUri"], format!("{base}/{page}"));
        let score = rule["properties"]["security-severity"].as_str().unwrap();
        assert!(
            (0.0..=10.0).contains(&score.parse::<f64>().unwrap()),
            "{score}"
        );
        assert!(repo().join(&page).is_file(), "{page} does not exist");
        let full = rule["fullDescription"]["text"].as_str().unwrap();
        assert!(
            !full.is_empty() && !full.contains("##"),
            "{}: {full}",
            info.code
        );
    }
    // Every result's ruleIndex points at its rule.
    for r in doc["runs"][0]["results"].as_array().unwrap() {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
}

#[test]
fn sarif_help_uri_comes_from_the_flag_or_the_configuration_and_is_omitted_without() {
    let rules = |doc: &serde_json::Value| doc["runs"][0]["tool"]["driver"]["rules"].clone();
    let none = sarif(repo(), &["--no-config", P204]);
    assert!(
        rules(&none)
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r.get("helpUri").is_none())
    );
    assert!(rules(&none)[0]["help"]["markdown"].is_string());
    let dir = project(
        Some("[output]\nhelp-uri-base = \"https://docs.example/s3/\"\n"),
        &[("p.json", P204)],
    );
    let configured = sarif(dir.path(), &["p.json"]);
    assert_eq!(
        rules(&configured)[0]["helpUri"],
        "https://docs.example/s3/docs/rules/E001.md"
    );
    let flag = sarif(
        dir.path(),
        &["--help-uri-base", "https://other.example", "p.json"],
    );
    assert_eq!(
        rules(&flag)[0]["helpUri"],
        "https://other.example/docs/rules/E001.md"
    );
    // A bad base is a usage error (exit 2), on the command line or in the configuration.
    let out = run_in(
        dir.path(),
        &["lint", "--help-uri-base", "docs/rules", "p.json"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    std::fs::write(
        dir.path().join(".s3-access.toml"),
        "[output]\nhelp-uri-base = \"x\"\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["lint", "p.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(".s3-access.toml:2:17"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn sarif_fingerprints_survive_edits_above_the_finding() {
    let dir = project(None, &[("p.json", P204)]);
    let before = sarif(dir.path(), &["p.json"]);
    let path = dir.path().join("p.json");
    let original = std::fs::read_to_string(&path).unwrap();
    // Three new lines above the finding: a Sid and an Id.
    let edited = original.replacen("{\n", "{\n  \"Id\": \"reports\",\n\n\n", 1);
    std::fs::write(&path, edited).unwrap();
    let after = sarif(dir.path(), &["p.json"]);
    let p204 = |doc: &serde_json::Value| {
        doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ruleId"] == "P204")
            .unwrap()
            .clone()
    };
    let (b, a) = (p204(&before), p204(&after));
    assert_eq!(b["ruleId"], "P204");
    let line = |r: &serde_json::Value| {
        r["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(line(&a), line(&b) + 3);
    assert_eq!(b["partialFingerprints"], a["partialFingerprints"]);
    assert_eq!(
        b["locations"][0]["physicalLocation"]["artifactLocation"],
        serde_json::json!({"uri": "p.json", "uriBaseId": "%SRCROOT%"})
    );
}

#[test]
fn sarif_paths_are_relative_to_the_working_directory_with_forward_slashes() {
    let dir = project(None, &[("infra/my policies/p.json", P204)]);
    let doc = sarif(dir.path(), &["./infra"]);
    let uri = &doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"];
    assert_eq!(uri, "infra/my%20policies/p.json");
}

#[test]
fn github_format_prints_workflow_commands() {
    let out = run_in(
        repo(),
        &[
            "lint",
            "--no-config",
            "--format",
            "github",
            P204,
            P303,
            P107,
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(text(&out.stdout));
}

#[test]
fn github_annotations_come_most_severe_first_within_the_limit_and_the_rest_is_counted() {
    let args = ["lint", "--no-config", "--fail-on", "never", "policies/"];
    let out = run_in(repo(), &[&args[..], &["--format", "github"]].concat());
    let stdout = text(&out.stdout);
    let mut ranks = Vec::new();
    let mut per_type = std::collections::BTreeMap::new();
    let mut left_out = 0;
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("::") {
            let kind = rest.split(' ').next().unwrap();
            ranks.push(
                ["error", "warning", "notice"]
                    .iter()
                    .position(|k| *k == kind)
                    .unwrap(),
            );
            *per_type.entry(kind.to_string()).or_insert(0) += 1;
        } else if let Some(count) = line.strip_prefix("  ") {
            let (_, rest) = count.split_once(": ").unwrap();
            left_out += rest.split(' ').next().unwrap().parse::<usize>().unwrap();
        }
    }
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{stdout}");
    assert!(per_type.values().all(|n| *n <= 10), "{per_type:?}");
    assert_eq!(per_type.get("error"), Some(&10), "{stdout}");
    // Every finding is annotated or counted.
    let json: serde_json::Value = serde_json::from_slice(
        &run_in(repo(), &[&args[..], &["--format", "json"]].concat()).stdout,
    )
    .unwrap();
    let total = json["findings"].as_array().unwrap().len();
    assert!(left_out > 0, "{stdout}");
    assert!(stdout.contains("\nnot annotated (GitHub shows 10 annotations of each type per step"));
    assert_eq!(
        per_type.values().sum::<usize>() + left_out,
        total,
        "{stdout}"
    );
}

#[test]
fn a_baseline_hides_the_findings_it_holds_in_every_format_and_keys_on_sarif_fingerprints() {
    let dir = project(None, &[("p/a.json", P204), ("p/b.json", P303)]);
    let d = dir.path();
    let out = run_in(d, &["lint", "p", "--write-baseline", "base.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let base: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("base.json")).unwrap()).unwrap();
    assert_eq!(base["version"], 1);
    let entries = base["fingerprints"].as_array().unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e["code"] == "P204" && e["path"] == "p/a.json")
    );
    // The fingerprints are SARIF's.
    let log = sarif(d, &["p"]);
    let mut from_sarif: Vec<String> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["partialFingerprints"]["s3AccessFinding/v2"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let mut from_base: Vec<String> = entries
        .iter()
        .map(|e| e["fingerprint"].as_str().unwrap().to_string())
        .collect();
    from_sarif.sort();
    from_base.sort();
    assert_eq!(from_sarif, from_base);
    // Moved lines and a new finding: only the new one is reported, in every format.
    let a = std::fs::read_to_string(d.join("p/a.json")).unwrap();
    // A statement inserted before the old one (its index changes), lines above it.
    let new = r#"{"Sid": "New", "Effect": "Allow", "Action": "s3:GetObjectz", "Resource": "*"},"#;
    let moved = format!("\n\n{}", a.replacen('[', &format!("[\n{new}"), 1));
    std::fs::write(d.join("p/a.json"), moved).unwrap();
    let base_args = ["lint", "p", "--baseline", "base.json"];
    let human = run_in(d, &base_args);
    let stdout = text(&human.stdout);
    assert!(
        stdout.contains(&format!(", {} in the baseline", entries.len())),
        "{stdout}"
    );
    assert!(
        stdout.contains("GetObjectz") && !stdout.contains("`GetObjects`"),
        "{stdout}"
    );
    let json: serde_json::Value = serde_json::from_slice(
        &run_in(d, &[&base_args[..], &["--format", "json"]].concat()).stdout,
    )
    .unwrap();
    assert_eq!(json["summary"]["baselined"], entries.len());
    assert_eq!(json["findings"].as_array().unwrap().len(), 1, "{json:#}");
    let log = sarif(d, &["p", "--baseline", "base.json"]);
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 1);
    for format in ["github", "concise"] {
        let out = text(&run_in(d, &[&base_args[..], &["--format", format]].concat()).stdout);
        assert!(
            out.contains("GetObjectz") && !out.contains("`GetObjects`"),
            "{format}: {out}"
        );
    }
    // Without a baseline the JSON summary has no `baselined`.
    let json: serde_json::Value =
        serde_json::from_slice(&run_in(d, &["lint", "p", "--format", "json"]).stdout).unwrap();
    assert!(json["summary"].get("baselined").is_none());
    // A bad baseline is a located error, exit 2.
    std::fs::write(d.join("bad.json"), "{\"version\": 1,\n\"fingerprints\": 3}").unwrap();
    let out = run_in(d, &["lint", "p", "--baseline", "bad.json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("C003") && err.contains("bad.json:2:17"),
        "{err}"
    );
}

#[test]
fn fail_on_comes_from_the_command_line_then_the_configuration() {
    let dir = project(Some("fail-on = \"warning\"\n"), &[("p.json", P204)]);
    let code = |args: &[&str]| run_in(dir.path(), args).status.code();
    assert_eq!(code(&["lint", "p.json"]), Some(1));
    assert_eq!(code(&["lint", "--fail-on", "error", "p.json"]), Some(0));
    assert_eq!(code(&["lint", "--no-config", "p.json"]), Some(0));
    assert_eq!(
        code(&["lint", "--fail-on", "note", "--no-config", "p.json"]),
        Some(1)
    );
    let bad = project(None, &[("p.json", P107)]);
    assert_eq!(
        run_in(bad.path(), &["lint", "--fail-on", "never", "p.json"])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn the_configuration_is_found_from_a_subdirectory() {
    let config = "[rules]\nunknown-action = \"error\"\n";
    let dir = project(Some(config), &[("policies/p.json", P204)]);
    let sub = dir.path().join("policies");
    let out = run_in(&sub, &["lint", "--format", "json", "p.json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"][0]["code"], "P204");
    assert_eq!(doc["findings"][0]["severity"], "error");
    assert!(doc["config"].as_str().unwrap().ends_with(".s3-access.toml"));
    // --no-config ignores it; --config names another one.
    let plain = run_in(&sub, &["lint", "--no-config", "--format", "json", "p.json"]);
    let doc: serde_json::Value = serde_json::from_slice(&plain.stdout).unwrap();
    assert_eq!(doc["findings"][0]["severity"], "warning");
    assert!(doc["config"].is_null());
    std::fs::write(sub.join("quiet.toml"), "[rules]\nP204 = \"allow\"\n").unwrap();
    let quiet = run_in(
        &sub,
        &[
            "lint",
            "--config",
            "quiet.toml",
            "--format",
            "json",
            "p.json",
        ],
    );
    let doc: serde_json::Value = serde_json::from_slice(&quiet.stdout).unwrap();
    assert_eq!(doc["findings"], serde_json::json!([]));
}

#[test]
fn an_invalid_configuration_stops_the_run_with_located_errors() {
    let config = "[trust]\naccounts = [\"111122223333\"]\norganisation = [\"o-abc123defg\"]\n\n[paths]\nexlude = [\"vendor/**\"]\n";
    let dir = project(Some(config), &[("p.json", P204)]);
    let out = run_in(dir.path(), &["lint", "p.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing is linted");
    insta::assert_snapshot!(text(&out.stderr));
    // Bad values, all at once, each at its place.
    let values = "[rules]\nP204 = \"warn\"\n\n[trust]\naccounts = [\"11112222333\"]\n";
    std::fs::write(dir.path().join(".s3-access.toml"), values).unwrap();
    let out = run_in(dir.path(), &["lint", "--format", "sarif", "p.json"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("[.s3-access.toml:2:8]"), "{stderr}");
    assert!(stderr.contains("did you mean \"warning\"?"), "{stderr}");
    assert!(stderr.contains("[.s3-access.toml:5:13]"), "{stderr}");
    assert!(stderr.contains("(2 problems)"), "{stderr}");
    let missing = run_in(dir.path(), &["lint", "--config", "nope.toml", "p.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("cannot read nope.toml"));
}

#[test]
fn suppressions_remove_findings_and_stale_ones_are_reported() {
    let config = r#"[[suppress]]
file = "policies/*.json"
sid = "PartnerReadReports"
code = "resource-type-mismatch"
reason = "the partner reads the bucket listing through another grant"

[[suppress]]
file = "policies/p303.json"
sid = "RenamedSince"
code = "P303"
reason = "kept to show the stale note"
"#;
    let dir = project(
        Some(config),
        &[("policies/p303.json", P303), ("policies/p204.json", P204)],
    );
    let out = run_in(dir.path(), &["lint", "--format", "json", "."]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<(&str, &str, u64)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        vec![
            ("P204", "./policies/p204.json", 7),
            ("C002", ".s3-access.toml", 7)
        ]
    );
    assert_eq!(doc["summary"]["suppressed"], 1);
    assert_eq!(out.status.code(), Some(0), "P204 is a warning, C002 a note");
}

#[test]
fn excluded_paths_are_skipped_even_when_named() {
    let dir = project(
        Some("[paths]\nexclude = [\"vendor\"]\n"),
        &[
            ("vendor/bad.json", P107),
            ("ok.json", "policies/valid/identity-admin-with-mfa.json"),
        ],
    );
    let out = run_in(dir.path(), &["lint", "."]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("1 file (1 policy"));
    let named = run_in(dir.path(), &["lint", "vendor/bad.json"]);
    assert_eq!(named.status.code(), Some(0));
    assert!(text(&named.stdout).starts_with("0 files"));
}

#[test]
fn the_documented_example_configuration_is_valid() {
    let doc = std::fs::read_to_string(repo().join("docs/configuration.md")).unwrap();
    let example = doc
        .split("## A complete example")
        .nth(1)
        .and_then(|rest| rest.split("```toml\n").nth(1))
        .and_then(|block| block.split("```").next())
        .unwrap();
    let source = s3_access::source::SourceFile::new("docs/configuration.md", example);
    let config = s3_access::config::Config::parse(source, repo().to_path_buf(), repo())
        .unwrap_or_else(|r| {
            panic!(
                "{}",
                s3_access::report::human(&r, s3_access::report::Style::Plain)
            )
        });
    assert_eq!(config.suppressions.len(), 2);
    assert_eq!(config.trust.accounts.len(), 2);
    assert!(config.is_excluded(Path::new("cdk.out/stack/policy.json")));
}
