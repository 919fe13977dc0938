//! GitHub Actions workflow commands: one `::error`, `::warning` or `::notice` line per
//! finding, which the runner turns into an annotation on the file and line of the pull request.
//!
//! The runner shows at most [`LIMIT`] annotations of each type per step (actions/toolkit,
//! docs/problem-matchers.md, "Limitations"), in the order printed. So the annotations are
//! gathered over the whole run ([`Annotations`]) and printed most severe first (errors,
//! warnings, notices; then by file and line), at most [`LIMIT`] of each type; what is left out
//! is counted by code on one plain log line per code.

use crate::lint::{FileReport, Located};
use crate::registry::Severity;
use crate::source::LineCol;
use std::collections::BTreeMap;

/// Annotations of one type (error, warning, notice) GitHub shows per step.
pub const LIMIT: usize = 10;

/// One annotation: where, how severe, its title and message (text from the input is escaped
/// when the line is written).
#[derive(Debug, Clone)]
pub struct Annotation {
    /// `error`, `warning` or `notice`.
    pub severity: Severity,
    /// The file relative to the repository root, with `/` separators.
    pub path: String,
    /// Where it starts.
    pub start: LineCol,
    /// Where it ends, when known.
    pub end: Option<LineCol>,
    /// The title; findings left out are counted by title.
    pub title: String,
    /// The message.
    pub message: String,
}

impl Annotation {
    /// The workflow command line.
    fn line(&self) -> String {
        let mut props = vec![
            format!("file={}", property(&self.path)),
            format!("line={}", self.start.line),
        ];
        match self.end {
            // The runner ignores columns on an annotation that spans lines.
            Some(end) if end.line == self.start.line => {
                props.push(format!("col={}", self.start.column));
                props.push(format!("endLine={}", end.line));
                props.push(format!("endColumn={}", end.column));
            }
            Some(end) => props.push(format!("endLine={}", end.line)),
            None => props.push(format!("col={}", self.start.column)),
        }
        props.push(format!("title={}", property(&self.title)));
        format!(
            "::{} {}::{}\n",
            command(self.severity),
            props.join(","),
            data(&self.message)
        )
    }

    /// Most severe first, then file, line, column and title.
    fn key(&self) -> (std::cmp::Reverse<Severity>, &str, u32, u32, &str) {
        (
            std::cmp::Reverse(self.severity),
            &self.path,
            self.start.line,
            self.start.column,
            &self.title,
        )
    }
}

/// The annotations of a run: for each severity the first [`LIMIT`] in print order, and the
/// count by title of those left out. Memory stays bounded whatever the run finds.
#[derive(Debug, Default)]
pub struct Annotations {
    kept: Vec<Annotation>,
    left_out: BTreeMap<(std::cmp::Reverse<Severity>, String), usize>,
}

impl Annotations {
    /// Adds a file's findings. `path` is the file relative to the repository root, with `/`
    /// separators (what the runner matches against the checkout).
    pub fn add(&mut self, report: &FileReport, path: &str) {
        self.extend(report.findings.iter().map(|item| of_finding(item, path)));
    }

    /// Adds annotations.
    pub fn extend(&mut self, annotations: impl IntoIterator<Item = Annotation>) {
        self.kept.extend(annotations);
        self.kept.sort_by(|a, b| a.key().cmp(&b.key()));
        let mut shown: BTreeMap<Severity, usize> = BTreeMap::new();
        let left_out = &mut self.left_out;
        self.kept.retain(|a| {
            let n = shown.entry(a.severity).or_insert(0);
            *n += 1;
            if *n > LIMIT {
                *left_out
                    .entry((std::cmp::Reverse(a.severity), a.title.clone()))
                    .or_insert(0) += 1;
            }
            *n <= LIMIT
        });
    }

    /// The annotation lines, most severe first, then one line per title (code) for the
    /// findings left out (most severe first), after a line that says why and `elsewhere`:
    /// where to see them all.
    pub fn finish(&self, elsewhere: &str) -> String {
        let mut out: String = self.kept.iter().map(Annotation::line).collect();
        if !self.left_out.is_empty() {
            out.push_str(&format!(
                "not annotated (GitHub shows {LIMIT} annotations of each type per step; \
                 {elsewhere}):\n"
            ));
        }
        for ((severity, title), n) in &self.left_out {
            let severity = severity.0.as_str();
            out.push_str(&format!(
                "  {title}: {n} {severity}{}\n",
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

/// The annotation of a lint finding: titled by its code and name, help after the message.
fn of_finding(item: &Located, path: &str) -> Annotation {
    let f = &item.finding;
    let mut message = f.message.clone();
    if let Some(a) = &item.address {
        message.push_str(&format!(" (in {a})"));
    }
    if let Some(h) = &f.help {
        message.push_str("\nhelp: ");
        message.push_str(h);
    }
    Annotation {
        severity: f.severity,
        path: path.to_string(),
        start: item.start,
        end: Some(item.end),
        title: format!("{} {}", f.code.as_str(), f.code.name()),
        message,
    }
}

/// The annotation lines of a file's findings, in the order of its findings. `path` is the file
/// relative to the repository root, with `/` separators.
pub fn annotations(report: &FileReport, path: &str) -> String {
    report
        .findings
        .iter()
        .map(|item| of_finding(item, path).line())
        .collect()
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
