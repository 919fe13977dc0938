//! GitHub Actions workflow commands: one `::error`, `::warning` or `::notice` line per
//! finding, which the runner turns into an annotation on the file and line of the pull request.
//!
//! The runner shows at most [`LIMIT`] annotations of each type per step (actions/toolkit,
//! docs/problem-matchers.md, "Limitations"), in the order printed. So the annotations are
//! gathered over the whole run ([`Annotations`]) and printed most severe first (errors,
//! warnings, notices; then by file and line), at most [`LIMIT`] of each type; what is left out
//! is counted by code on one plain log line per code.

use crate::lint::FileReport;
use crate::registry::{Code, Severity};
use std::collections::BTreeMap;

/// Annotations of one type (error, warning, notice) GitHub shows per step.
pub const LIMIT: usize = 10;

/// One annotation waiting to be printed: its order key and its command line.
#[derive(Debug)]
struct Pending {
    /// Most severe first, then file, line, column and code.
    key: (std::cmp::Reverse<Severity>, String, u32, u32, Code),
    line: String,
}

/// The annotations of a run: for each severity the first [`LIMIT`] in print order, and the
/// count by code of those left out. Memory stays bounded whatever the run finds.
#[derive(Debug, Default)]
pub struct Annotations {
    kept: Vec<Pending>,
    left_out: BTreeMap<(std::cmp::Reverse<Severity>, Code), usize>,
}

impl Annotations {
    /// Adds a file's findings. `path` is the file relative to the repository root, with `/`
    /// separators (what the runner matches against the checkout).
    pub fn add(&mut self, report: &FileReport, path: &str) {
        for (item, line) in report.findings.iter().zip(lines(report, path)) {
            let f = &item.finding;
            self.kept.push(Pending {
                key: (
                    std::cmp::Reverse(f.severity),
                    path.to_string(),
                    item.start.line,
                    item.start.column,
                    f.code,
                ),
                line,
            });
        }
        self.kept.sort_by(|a, b| a.key.cmp(&b.key));
        let mut shown: BTreeMap<Severity, usize> = BTreeMap::new();
        let left_out = &mut self.left_out;
        self.kept.retain(|p| {
            let n = shown.entry(p.key.0.0).or_insert(0);
            *n += 1;
            if *n > LIMIT {
                *left_out.entry((p.key.0, p.key.4)).or_insert(0) += 1;
            }
            *n <= LIMIT
        });
    }

    /// The annotation lines, most severe first, then one line per code for the findings left
    /// out (most severe first).
    pub fn finish(&self) -> String {
        let mut out: String = self.kept.iter().map(|p| p.line.as_str()).collect();
        if !self.left_out.is_empty() {
            out.push_str(&format!(
                "not annotated (GitHub shows {LIMIT} annotations of each type per step; \
                 `--format sarif` with code scanning, or `human`, lists every finding):\n"
            ));
        }
        for ((severity, code), n) in &self.left_out {
            let severity = severity.0.as_str();
            out.push_str(&format!(
                "  {} {}: {n} {severity}{}\n",
                code.as_str(),
                code.name(),
                if *n == 1 { "" } else { "s" }
            ));
        }
        out
    }
}

/// The workflow command of a severity.
fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// The annotation lines of a file's findings, in the order of its findings. `path` is the file
/// relative to the repository root, with `/` separators.
pub fn annotations(report: &FileReport, path: &str) -> String {
    lines(report, path).concat()
}

/// One annotation line per finding of the file.
fn lines(report: &FileReport, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for item in &report.findings {
        let f = &item.finding;
        let command = command(f.severity);
        let mut props = vec![
            format!("file={}", property(path)),
            format!("line={}", item.start.line),
        ];
        // The runner ignores columns on an annotation that spans lines.
        if item.start.line == item.end.line {
            props.push(format!("col={}", item.start.column));
            props.push(format!("endLine={}", item.end.line));
            props.push(format!("endColumn={}", item.end.column));
        } else {
            props.push(format!("endLine={}", item.end.line));
        }
        props.push(format!(
            "title={}",
            property(&format!("{} {}", f.code.as_str(), f.code.name()))
        ));
        let mut message = f.message.clone();
        if let Some(h) = &f.help {
            message.push_str("\nhelp: ");
            message.push_str(h);
        }
        out.push(format!(
            "::{command} {}::{}\n",
            props.join(","),
            data(&message)
        ));
    }
    out
}

/// Escapes a command's message: `%`, CR and LF.
pub fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: as [`data`], and `:` and `,`.
pub fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_workflow_command_rules() {
        assert_eq!(data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
