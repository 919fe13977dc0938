//! Policies AWS accepted must produce no error: a sample of the AWS managed policies and the
//! bucket policies of the AWS documentation (see tests/corpus/*/NOTICE.md).

use s3_access::lint::{self, FileKind, LintOptions};
use s3_access::policy::PolicyKind;
use s3_access::registry::Severity;
use s3_access::report;
use std::path::{Path, PathBuf};

fn files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut errors = Vec::new();
    let files = lint::collect_files(&[dir], lint::Links::Skip, &mut errors);
    assert!(errors.is_empty());
    files
}

fn errors_in(files: &[PathBuf]) -> Vec<String> {
    let mut out = Vec::new();
    for path in files {
        let report = lint::lint_path(path, &LintOptions::default()).unwrap();
        for f in &report.findings {
            if f.finding.severity == Severity::Error {
                out.push(report::one_line(&report, f));
            }
        }
    }
    out
}

#[test]
fn aws_managed_policies_have_no_errors() {
    let files = files("tests/corpus/managed-policies");
    assert!(files.len() >= 300, "sample too small: {}", files.len());
    let errors = errors_in(&files);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn aws_documentation_bucket_policies_have_no_errors_and_are_detected_as_resource_policies() {
    let files = files("tests/corpus/awsdocs-bucket-policies");
    assert!(files.len() >= 100, "sample too small: {}", files.len());
    let errors = errors_in(&files);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    for path in &files {
        let report = lint::lint_path(path, &LintOptions::default()).unwrap();
        assert!(
            matches!(
                report.file_kind,
                FileKind::Policy {
                    kind: PolicyKind::Bucket | PolicyKind::AccessPoint | PolicyKind::Resource,
                    ..
                }
            ),
            "{}: {:?}",
            path.display(),
            report.file_kind
        );
    }
}
