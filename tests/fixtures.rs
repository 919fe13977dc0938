//! Every example policy under `policies/`: invalid ones render the expected diagnostic at the
//! offending token (snapshotted), valid ones lint clean.

use s3_access::lint::{self, FileKind, LintOptions};
use s3_access::registry::Severity;
use s3_access::report::{self, Style};
use std::path::Path;

fn lint_fixture(path: &Path) -> lint::FileReport {
    let name = format!(
        "policies/{}/{}",
        path.parent()
            .and_then(|p| p.file_name())
            .unwrap()
            .to_string_lossy(),
        path.file_name().unwrap().to_string_lossy()
    );
    lint::lint_bytes(&name, std::fs::read(path).unwrap(), &LintOptions::default())
}

#[test]
fn invalid_fixtures_report_their_code_at_the_offending_token() {
    insta::glob!("../policies/invalid", "*.json", |path| {
        let report = lint_fixture(path);
        let file_name = path.file_name().unwrap().to_string_lossy().to_string();
        let expected = file_name.split('-').next().unwrap();
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.finding.code.as_str() == expected),
            "{file_name}: expected a {expected} finding, got {:?}",
            report
                .findings
                .iter()
                .map(|f| f.finding.code.as_str())
                .collect::<Vec<_>>()
        );
        let mut rendered = String::new();
        for f in &report.findings {
            rendered.push_str(&report::one_line(&report, f));
            rendered.push_str(&format!(
                " [{}] `{}`\n",
                f.path,
                report.source.slice(f.finding.span)
            ));
        }
        rendered.push('\n');
        rendered.push_str(&report::human(&report, Style::Plain));
        insta::assert_snapshot!(rendered);
    });
}

#[test]
fn valid_fixtures_lint_clean() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/valid");
    let mut policies = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let report = lint_fixture(&path);
        let noisy: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.finding.severity >= Severity::Warning)
            .map(|f| report::one_line(&report, f))
            .collect();
        assert!(noisy.is_empty(), "{}", noisy.join("\n"));
        if matches!(report.file_kind, FileKind::Policy { .. }) {
            policies += 1;
        }
    }
    assert!(policies >= 10, "only {policies} valid example policies");
}
