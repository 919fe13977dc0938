//! What is wrong with a scenario, in the order it is found: findings located in the scenario
//! file itself, then the reports of the documents it names.

use super::Invalid;
use crate::diagnostic::Finding;
use crate::json::Value;
use crate::load::{self, FileReport};
use crate::registry::Code;
use crate::source::{SourceFile, Span};

/// A place among the scenario file's findings, taken when the reader passes a document
/// reference. A problem found only when that document is loaded goes there, so the findings
/// keep the order of the file although loading comes after reading.
#[derive(Debug, Clone, Copy)]
pub(super) struct Mark(usize);

/// The problems of one scenario run.
#[derive(Default)]
pub(super) struct Problems {
    /// Findings located in the scenario file.
    findings: Vec<Finding>,
    /// How many findings went in at a mark so far: each shifts the later marks by one.
    inserted: usize,
    /// Reports of the documents the scenario names (policies, S3 documents, bucket folders).
    reports: Vec<FileReport>,
}

impl Problems {
    /// A value of the wrong type or shape in the scenario file.
    pub(super) fn error(&mut self, span: Span, message: impl Into<String>) {
        self.findings
            .push(Finding::new(Code::WrongType, span, message));
    }

    /// A finding made elsewhere (a reference refused by [`crate::contain`]).
    pub(super) fn finding(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Reports the members of `v` (when an object) not named in `allowed`, with the closest
    /// allowed name when there is one: a typo must not silently skip a check.
    pub(super) fn unknown_keys(&mut self, v: &Value, allowed: &[&str], what: &str) {
        for m in v.as_object().unwrap_or(&[]) {
            if !allowed.contains(&&*m.key) {
                let hint = crate::suggest::closest(&m.key, allowed.iter().copied())
                    .map(|h| format!("; did you mean `{h}`?"))
                    .unwrap_or_default();
                self.findings.push(Finding::new(
                    Code::UnknownElement,
                    m.key_span,
                    format!("unknown {what} field `{}`{hint}", m.key),
                ));
            }
        }
    }

    /// The place of the next finding, for a problem that loading may find later.
    pub(super) fn mark(&self) -> Mark {
        Mark(self.findings.len())
    }

    /// A wrong value found when loading, reported at `mark`. Marks must be used in the order
    /// they were taken (loading follows the reader's order).
    pub(super) fn error_at(&mut self, mark: Mark, span: Span, message: impl Into<String>) {
        let finding = Finding::new(Code::WrongType, span, message);
        self.findings.insert(mark.0 + self.inserted, finding);
        self.inserted += 1;
    }

    /// A document the scenario names has errors.
    pub(super) fn report(&mut self, report: FileReport) {
        self.reports.push(report);
    }

    /// Documents the scenario names have errors.
    pub(super) fn reports(&mut self, reports: Vec<FileReport>) {
        self.reports.extend(reports);
    }

    /// Nothing if all went well; otherwise every problem, the scenario file's own first.
    pub(super) fn finish(self, source: &SourceFile) -> Result<(), Invalid> {
        let mut reports = self.reports;
        if !self.findings.is_empty() {
            reports.insert(0, located(source.clone(), self.findings));
        }
        if reports.is_empty() {
            Ok(())
        } else {
            Err(Invalid { reports })
        }
    }
}

/// The scenario file's findings as a lint report, so they render like any other file's.
fn located(source: SourceFile, findings: Vec<Finding>) -> FileReport {
    let located = findings
        .into_iter()
        .map(|finding| {
            let start = source.line_col(finding.span.start);
            let end = source.line_col(finding.span.end);
            load::Located {
                finding,
                path: String::new(),
                start,
                end,
                address: None,
            }
        })
        .collect();
    FileReport {
        source,
        file_kind: load::FileKind::Unknown,
        findings: located,
    }
}
