//! The SARIF output validated against the official SARIF 2.1.0 JSON schema
//! (`tests/schemas/sarif-schema-2.1.0.json`, OASIS; see its licence notice beside it).

use std::path::Path;
use std::process::Command;

fn schema() -> jsonschema::Validator {
    let text = include_str!("schemas/sarif-schema-2.1.0.json");
    let schema: serde_json::Value = serde_json::from_str(text).unwrap();
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn errors(validator: &jsonschema::Validator, doc: &serde_json::Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// The schema errors of a SARIF log (for other commands' tests).
pub fn errors_of(doc: &serde_json::Value) -> Vec<String> {
    errors(&schema(), doc)
}

fn lint_sarif(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .args(["lint", "--format", "sarif"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn sarif_output_of_every_example_policy_is_valid_sarif_2_1_0() {
    let validator = schema();
    // Every example: each code's invalid policy, CLI outputs, related locations, notes.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = lint_sarif(root, &["--no-config", "policies"]);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(results.len() > 40, "{} results", results.len());
    assert!(results.iter().any(|r| r.get("relatedLocations").is_some()));
    for level in ["error", "warning", "note"] {
        assert!(results.iter().any(|r| r["level"] == level), "no {level}");
    }
    let problems = errors(&validator, &doc);
    assert!(problems.is_empty(), "{problems:#?}");

    // A clean run and a run with a configuration (stale-suppression notes on the TOML file).
    let clean = lint_sarif(
        root,
        &["--no-config", "policies/valid/identity-s3-home-prefix.json"],
    );
    assert_eq!(clean["runs"][0]["results"], serde_json::json!([]));
    assert!(errors(&validator, &clean).is_empty());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".s3-access.toml"),
        "[[suppress]]\nfile = \"gone.json\"\ncode = \"P204\"\nreason = \"removed\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("odd name:1.json"), "{\"Statement\": []}").unwrap();
    let configured = lint_sarif(dir.path(), &["."]);
    let ids: Vec<&str> = configured["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"C002") && ids.contains(&"P102"), "{ids:?}");
    let problems = errors(&validator, &configured);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_schema_check_rejects_what_sarif_does_not_allow() {
    // The validator really checks: a wrong level, a zero line, a malformed URI and an unknown
    // property fail.
    let validator = schema();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let good = lint_sarif(
        root,
        &["--no-config", "policies/invalid/P204-unknown-action.json"],
    );
    let mut bad_level = good.clone();
    bad_level["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!errors(&validator, &bad_level).is_empty());
    let mut bad_line = good.clone();
    bad_line["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(!errors(&validator, &bad_line).is_empty());
    let mut bad_uri = good.clone();
    bad_uri["runs"][0]["tool"]["driver"]["informationUri"] = "not a uri".into();
    assert!(
        !errors(&validator, &bad_uri).is_empty(),
        "formats are checked"
    );
    let mut extra = good;
    extra["runs"][0]["tool"]["driver"]["colour"] = "blue".into();
    assert!(!errors(&validator, &extra).is_empty());
}
