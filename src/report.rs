//! Renderers: findings as human diagnostics (miette), as JSON ([`lint_json`]), as a summary
//! table, as SARIF ([`sarif`]) and as GitHub workflow annotations ([`github`]), and a whole
//! lint run in any of these ([`lint_output`]); decisions in [`query`], access tests in
//! [`check`], public-access verdicts in [`public`]. They return strings; the binary decides
//! where they go.

pub mod check;
pub mod diff;
pub mod github;
pub mod lint_json;
pub mod lint_output;
pub mod object_lambda;
pub mod public;
pub mod query;
pub mod sarif;
pub mod stream;
pub mod who_can;

mod escape;
pub use escape::{Escape, Keep, escape, escape_text, is_unsafe, json_text};

pub use crate::lint::run::Summary;

use crate::lint::{FileReport, Located};
use crate::registry::{Code, Severity};
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan};
use serde::Serialize;
use std::borrow::Cow;
use std::fmt;

/// How human output looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Colour and Unicode graphics, for a terminal.
    Fancy,
    /// No colour, plain characters, for pipes, files, CI logs and `NO_COLOR`.
    Plain,
}

/// A diagnostic to render with miette: a message, labels into one source file, a severity.
pub(crate) struct Snippet<'a> {
    pub(crate) source: &'a crate::source::SourceFile,
    pub(crate) message: String,
    pub(crate) code: Option<String>,
    pub(crate) severity: miette::Severity,
    pub(crate) help: Option<String>,
    pub(crate) labels: Vec<LabeledSpan>,
}

impl fmt::Debug for Snippet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Snippet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Snippet<'_> {}

impl Diagnostic for Snippet<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

impl Snippet<'_> {
    /// Renders with the style's handler (one line as a fallback). Every piece of text taken
    /// from the input (message, help, labels, file name, source lines) is escaped first
    /// ([`escape`]): a control character in a policy must not act on the terminal or log.
    pub(crate) fn render(mut self, style: Style, out: &mut String) {
        // A snippet of a huge line (minified JSON, a 10 MB string) would print the whole
        // line; above this many bytes, show the location and message without the snippet.
        const MAX_SNIPPET_LINE: usize = 2_000;
        if let Cow::Owned(message) = escape_text(&self.message) {
            self.message = message;
        }
        if let Some(Cow::Owned(help)) = self.help.as_deref().map(escape_text) {
            self.help = Some(help);
        }
        for label in &mut self.labels {
            if let Some(escaped) = escape::label(label) {
                *label = escaped;
            }
        }
        let too_long = self.labels.iter().any(|l| {
            let at = u32::try_from(l.offset()).unwrap_or(u32::MAX);
            self.source.line_span(at).len() > MAX_SNIPPET_LINE
        });
        if too_long {
            self.render_compact(out);
            out.push('\n');
            return;
        }
        // miette indents the message by 4 columns and the help by 8 within a width of 98.
        self.message = wrap(&self.message, HANDLER_WIDTH - 2 - 4);
        self.help = self.help.map(|h| wrap(&h, HANDLER_WIDTH - 2 - 8));
        let rendered = match escape::Window::around(self.source, &self.labels) {
            escape::Hostile::No => handler(style).render_report(out, &self),
            escape::Hostile::Yes(window, labels) => {
                let escaped = Escaped {
                    inner: &self,
                    window: &window,
                    labels,
                };
                handler(style).render_report(out, &escaped)
            }
            escape::Hostile::TooWide => {
                self.render_compact(out);
                Ok(())
            }
        };
        if rendered.is_err() {
            out.push_str(&self.message);
        }
        out.push('\n');
    }

    /// `file:line:col: severity[code]: message`, the labels and the help, without a snippet.
    fn render_compact(&self, out: &mut String) {
        let severity = match self.severity {
            miette::Severity::Error => "error",
            miette::Severity::Warning => "warning",
            miette::Severity::Advice => "note",
        };
        let code = self
            .code
            .as_deref()
            .map(|c| format!("[{c}]"))
            .unwrap_or_default();
        for (i, l) in self.labels.iter().enumerate() {
            let pos = self
                .source
                .line_col(u32::try_from(l.offset()).unwrap_or(u32::MAX));
            let name = escape(self.source.name(), Keep::Nothing, Escape::Visible);
            let where_ = format!("{name}:{}:{}", pos.line, pos.column);
            if i == 0 {
                out.push_str(&format!("{where_}: {severity}{code}: {}\n", self.message));
            } else if let Some(label) = l.label() {
                out.push_str(&format!("  {where_}: {label}\n"));
            }
        }
        if let Some(h) = &self.help {
            for line in h.lines() {
                out.push_str(&format!("  help: {line}\n"));
            }
        }
    }
}

/// A snippet whose source lines hold characters to escape: rendered from an escaped window
/// of its file, the labels moved to match.
struct Escaped<'a, 'b> {
    inner: &'a Snippet<'b>,
    window: &'a escape::Window,
    labels: Vec<LabeledSpan>,
}

impl fmt::Debug for Escaped<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.message)
    }
}

impl fmt::Display for Escaped<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.message)
    }
}

impl std::error::Error for Escaped<'_, '_> {}

impl Diagnostic for Escaped<'_, '_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.code()
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.inner.severity)
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.help()
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.window)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// The width miette lays diagnostics out in.
const HANDLER_WIDTH: usize = 100;

fn handler(style: Style) -> GraphicalReportHandler {
    match style {
        Style::Fancy => GraphicalReportHandler::new_themed(GraphicalTheme::unicode()),
        Style::Plain => GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()),
    }
    .with_width(HANDLER_WIDTH)
    .with_links(false)
    // Messages come wrapped by [`wrap`]: miette's own wrapping (textwrap with the Unicode
    // line-break algorithm) was a third of the time of a 10,000-file lint.
    .with_wrap_lines(false)
}

/// Wraps every line of `text` at spaces so that none is wider than `width` characters
/// (first fit); a word longer than `width` (an ARN, a JSON statement) stays whole so that it
/// can be copied.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / width.max(1) + 1);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let ascii = line.is_ascii();
        if ascii && line.len() <= width {
            out.push_str(line);
            continue;
        }
        // A line's own indentation (a nested list, a JSON example) is kept.
        let body = line.trim_start_matches(' ');
        let indent = &line[..line.len() - body.len()];
        out.push_str(indent);
        let mut used = indent.len();
        let start = used;
        for word in body.split(' ').filter(|w| !w.is_empty()) {
            let len = if ascii {
                word.len()
            } else {
                word.chars().count()
            };
            if used > start && used + 1 + len > width {
                out.push('\n');
                out.push_str(indent);
                used = start;
            } else if used > start {
                out.push(' ');
                used += 1;
            }
            out.push_str(word);
            used += len;
        }
    }
    out
}

/// Renders every finding of a file as miette diagnostics.
pub fn human(report: &FileReport, style: Style) -> String {
    let mut out = String::new();
    for item in &report.findings {
        let f = &item.finding;
        let explain = format!("`s3-access explain {}` for details", f.code.as_str());
        let snippet = Snippet {
            source: &report.source,
            message: f.message.clone(),
            code: Some(format!("{}({})", f.code.as_str(), f.code.name())),
            severity: match f.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
                Severity::Note => miette::Severity::Advice,
            },
            help: Some(match &f.help {
                Some(h) => format!("{h}\n{explain}"),
                None => explain,
            }),
            labels: std::iter::once(LabeledSpan::new_primary_with_span(
                Some(match &item.address {
                    Some(a) => format!("here, in {a}"),
                    None => "here".to_string(),
                }),
                f.span,
            ))
            .chain(
                f.related
                    .iter()
                    .map(|r| LabeledSpan::new_with_span(Some(r.message.clone()), r.span)),
            )
            .collect(),
        };
        snippet.render(style, &mut out);
    }
    out
}

/// One finding as `file:line:column: severity[CODE]: message` (input escaped).
pub fn one_line(report: &FileReport, item: &Located) -> String {
    format!(
        "{}:{}:{}: {}[{}]: {}",
        escape(report.source.name(), Keep::Nothing, Escape::Visible),
        item.start.line,
        item.start.column,
        item.finding.severity,
        item.finding.code,
        escape_text(&item.finding.message)
    )
}

/// The JSON form of one finding (a contract: field names never change).
#[derive(Debug, Serialize)]
pub struct JsonFinding<'a> {
    /// Stable code, e.g. `P107`.
    pub code: &'static str,
    /// Stable kebab-case name.
    pub name: &'static str,
    /// `error`, `warning` or `note`.
    pub severity: Severity,
    /// The message.
    pub message: &'a str,
    /// Advice, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<&'a str>,
    /// The file, as given.
    pub file: &'a str,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// 1-based line of the end.
    pub end_line: u32,
    /// 1-based column just past the end.
    pub end_column: u32,
    /// JSON pointer to the offending value.
    pub path: &'a str,
    /// The request that proves an access claim (risk findings), replayed through `decide`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<&'a crate::diagnostic::Witness>,
    /// In an IaC file: the resource address or logical id the finding belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<&'a str>,
}

/// The JSON form of a file's findings.
pub fn json_findings(report: &FileReport) -> Vec<JsonFinding<'_>> {
    report
        .findings
        .iter()
        .map(|l| JsonFinding {
            code: l.finding.code.as_str(),
            name: l.finding.code.name(),
            severity: l.finding.severity,
            message: &l.finding.message,
            help: l.finding.help.as_deref(),
            file: report.source.name(),
            line: l.start.line,
            column: l.start.column,
            end_line: l.end.line,
            end_column: l.end.column,
            path: &l.path,
            witness: l.finding.witness.as_deref(),
            address: l.address.as_deref(),
        })
        .collect()
}

impl Summary {
    /// A table of the findings by code, most severe first; `None` when there are none.
    pub fn table(&self, style: Style) -> Option<String> {
        if self.by_code.is_empty() {
            return None;
        }
        let mut rows: Vec<(&(Code, Severity), &usize)> = self.by_code.iter().collect();
        rows.sort_by(|a, b| b.0.1.cmp(&a.0.1).then(a.0.0.cmp(&b.0.0)));
        let mut table = comfy_table::Table::new();
        match style {
            Style::Fancy => table.load_style(comfy_table::presets::UTF8_FULL_CONDENSED),
            Style::Plain => table.load_style(comfy_table::presets::ASCII_MARKDOWN),
        };
        table.set_header(["code", "name", "severity", "count"]);
        for ((code, severity), n) in rows {
            table.add_row([
                code.as_str().to_string(),
                code.name().to_string(),
                severity.as_str().to_string(),
                n.to_string(),
            ]);
        }
        if let Some(col) = table.column_mut(3) {
            col.set_cell_alignment(comfy_table::CellAlignment::Right);
        }
        Some(table.to_string())
    }

    /// One line, e.g. `12 files (10 policies, 2 other documents): 1 error, 3 warnings, 0 notes`.
    pub fn line(&self) -> String {
        let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
        let mut line = format!(
            "{} ({}, {}): {}, {}, {}",
            plural(self.files, "file"),
            plural(self.policies, "policy").replace("policys", "policies"),
            plural(self.other_documents, "other document"),
            plural(self.errors, "error"),
            plural(self.warnings, "warning"),
            plural(self.notes, "note"),
        );
        if self.suppressed > 0 {
            line.push_str(&format!(", {} suppressed", self.suppressed));
        }
        if let Some(n) = self.baselined {
            line.push_str(&format!(", {n} in the baseline"));
        }
        if self.skipped > 0 {
            line.push_str(&format!(
                "; {} skipped: not AWS documents",
                plural(self.skipped, "file")
            ));
        }
        line
    }
}

/// A table of the registry: code, name, severity (`(off)` for a rule that runs only when the
/// configuration gives it a level), summary.
pub fn rules_table(style: Style) -> String {
    let mut table = comfy_table::Table::new();
    match style {
        Style::Fancy => table.load_style(comfy_table::presets::UTF8_FULL_CONDENSED),
        Style::Plain => table.load_style(comfy_table::presets::ASCII_MARKDOWN),
    };
    table.set_header(["code", "name", "severity", "summary"]);
    for (code, r) in Code::ALL.iter().zip(crate::registry::RULES) {
        let severity = if code.on_by_default() {
            r.severity.as_str().to_string()
        } else {
            format!("{} (off)", r.severity.as_str())
        };
        table.add_row([r.code, r.name, &severity, r.summary]);
    }
    table.to_string()
}

/// One rule of the registry as `rules --format json` lists it (a contract: field names never
/// change).
#[derive(Debug, Serialize)]
pub struct RuleEntry {
    /// The stable code, e.g. `P303`.
    pub code: &'static str,
    /// The stable kebab-case name.
    pub name: &'static str,
    /// The default severity.
    pub severity: Severity,
    /// Whether the rule runs without the configuration asking for it.
    pub on_by_default: bool,
    /// One line.
    pub summary: &'static str,
    /// The documentation page in the repository.
    pub page: String,
}

/// Every rule of the registry, in code order.
pub fn rules_list() -> Vec<RuleEntry> {
    Code::ALL
        .iter()
        .zip(crate::registry::RULES)
        .map(|(code, r)| RuleEntry {
            code: r.code,
            name: r.name,
            severity: r.severity,
            on_by_default: code.on_by_default(),
            summary: r.summary,
            page: format!("docs/rules/{}.md", r.code),
        })
        .collect()
}

/// A table for terminal output: fitted to the width on a terminal, never wrapped in pipes.
pub(crate) fn table(style: Style) -> comfy_table::Table {
    let mut t = comfy_table::Table::new();
    t.load_style(match style {
        Style::Fancy => comfy_table::presets::UTF8_FULL_CONDENSED,
        Style::Plain => comfy_table::presets::ASCII_MARKDOWN,
    });
    // On a terminal, fit the width; in pipes and files, never wrap (lines stay greppable).
    if style == Style::Fancy {
        t.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrapping_keeps_arns_whole_and_lines_within_the_width() {
        let arn = "arn:aws:s3:us-east-1:111122223333:amzn-s3-demo-bucket/reports/*";
        let text = format!("S3 bucket and object ARNs have no region or account: `{arn}` matches");
        let out = wrap(&text, 60);
        assert_eq!(
            out,
            format!("S3 bucket and object ARNs have no region or account:\n`{arn}`\nmatches")
        );
        // Every line but the one holding the over-long ARN fits.
        assert!(
            out.lines()
                .filter(|l| !l.contains(arn))
                .all(|l| l.len() <= 60)
        );
    }

    #[test]
    fn wrapping_keeps_line_breaks_and_indentation() {
        let out = wrap("first line\n    an indented example that is long", 20);
        assert_eq!(
            out,
            "first line\n    an indented\n    example that is\n    long"
        );
    }
}
