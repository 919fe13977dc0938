//! The output of a lint run in each format, rendered report by report as the run hands them
//! out ([`crate::lint::run`]): the opening, each file's part, and the end with the counts.

use super::lint_json::LintJsonWriter;
use super::stream::ArrayStream;
use super::{Style, github, human, sarif};
use crate::config;
use crate::lint::FileReport;
use crate::lint::run::Outcome;
use std::path::{Path, PathBuf};

/// The formats of `lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LintFormat {
    /// Diagnostics with source snippets, a summary line and a table by code.
    Human,
    /// One JSON document with every finding ([`super::lint_json`]).
    Json,
    /// SARIF 2.1.0 ([`sarif`]).
    Sarif,
    /// GitHub Actions workflow commands ([`github`]).
    Github,
    /// One line per finding, `path:line:column: CODE message`, then the summary line.
    Concise,
}

/// Renders a lint run in one format.
#[derive(Debug)]
pub struct LintOutput {
    writer: Writer,
    /// Where the rule pages are published, for SARIF's `helpUri`.
    help_uri_base: Option<String>,
}

#[derive(Debug)]
enum Writer {
    Human(Style),
    Json(LintJsonWriter),
    /// Paths in SARIF and annotations are relative to the directory of the run.
    Sarif {
        results: ArrayStream,
        cwd: PathBuf,
    },
    /// Annotations are gathered and printed at the end, most severe first ([`github`]).
    Github {
        cwd: PathBuf,
        annotations: github::Annotations,
    },
    Concise {
        cwd: PathBuf,
    },
}

impl LintOutput {
    /// An output in `format`; `style` is for human output, `cwd` the directory SARIF and
    /// GitHub paths are relative to.
    pub fn new(format: LintFormat, style: Style, cwd: &Path) -> LintOutput {
        let writer = match format {
            LintFormat::Human => Writer::Human(style),
            LintFormat::Json => Writer::Json(LintJsonWriter::default()),
            LintFormat::Sarif => Writer::Sarif {
                results: ArrayStream::new(6),
                cwd: cwd.to_path_buf(),
            },
            LintFormat::Github => Writer::Github {
                cwd: cwd.to_path_buf(),
                annotations: github::Annotations::default(),
            },
            LintFormat::Concise => Writer::Concise {
                cwd: cwd.to_path_buf(),
            },
        };
        LintOutput {
            writer,
            help_uri_base: None,
        }
    }

    /// The same output, its SARIF rules linking their pages under `base`
    /// ([`crate::config::help_uri_base`]); without a base they have no `helpUri`.
    pub fn with_help_uri_base(mut self, base: Option<String>) -> LintOutput {
        self.help_uri_base = base;
        self
    }

    /// Text taken from the input escaped as the format needs ([`super::escape`]): JSON
    /// escapes in JSON and SARIF, visible escapes in GitHub annotations and plain human
    /// output (coloured human output escapes in its snippets, around its own colour codes).
    fn safe(&self, text: String) -> String {
        match &self.writer {
            Writer::Json(_) | Writer::Sarif { .. } => super::escape::escape_json(text),
            Writer::Human(Style::Fancy) => text,
            Writer::Human(Style::Plain) | Writer::Github { .. } | Writer::Concise { .. } => {
                match super::escape_text(&text) {
                    std::borrow::Cow::Borrowed(_) => text,
                    std::borrow::Cow::Owned(o) => o,
                }
            }
        }
    }

    /// What comes before the first report.
    pub fn start(&self) -> serde_json::Result<String> {
        self.start_raw().map(|t| self.safe(t))
    }

    fn start_raw(&self) -> serde_json::Result<String> {
        match &self.writer {
            Writer::Json(_) => Ok(LintJsonWriter::START.to_string()),
            Writer::Sarif { .. } => sarif::prefix(self.help_uri_base.as_deref()),
            Writer::Human(_) | Writer::Github { .. } | Writer::Concise { .. } => Ok(String::new()),
        }
    }

    /// The part of a linted file (JSON also lists it under `files`).
    pub fn file(&mut self, report: &FileReport) -> serde_json::Result<String> {
        if let Writer::Json(json) = &mut self.writer {
            json.file(report)?;
        }
        self.findings(report)
    }

    /// The findings of a report, for a linted file or another one (a bucket-folder document
    /// outside the paths, the configuration).
    pub fn findings(&mut self, report: &FileReport) -> serde_json::Result<String> {
        let text = self.findings_raw(report)?;
        Ok(self.safe(text))
    }

    fn findings_raw(&mut self, report: &FileReport) -> serde_json::Result<String> {
        let repo_path =
            |cwd: &Path| config::relative_path(Path::new(report.source.name()), cwd, cwd);
        match &mut self.writer {
            Writer::Human(style) => Ok(human(report, *style)),
            Writer::Json(json) => json.findings(report),
            Writer::Sarif { results, cwd } => {
                let mut out = String::new();
                for r in sarif::results(report, &repo_path(cwd)) {
                    out.push_str(&results.item(&r)?);
                }
                Ok(out)
            }
            Writer::Github { cwd, annotations } => {
                annotations.add(report, &repo_path(cwd));
                Ok(String::new())
            }
            Writer::Concise { cwd } => {
                let path = repo_path(cwd);
                Ok(report
                    .findings
                    .iter()
                    .map(|f| {
                        let within = f
                            .address
                            .as_ref()
                            .map(|a| format!(" (in {a})"))
                            .unwrap_or_default();
                        format!(
                            "{path}:{}:{}: {} {}{within}\n",
                            f.start.line, f.start.column, f.finding.code, f.finding.message
                        )
                    })
                    .collect())
            }
        }
    }

    /// The end: the summary (human, GitHub), the counts and configuration (JSON), whether the
    /// run read every file (SARIF); with a final newline.
    pub fn finish(
        &mut self,
        outcome: &Outcome,
        config: Option<&str>,
    ) -> serde_json::Result<String> {
        let text = self.finish_raw(outcome, config)?;
        Ok(self.safe(text))
    }

    fn finish_raw(
        &mut self,
        outcome: &Outcome,
        config: Option<&str>,
    ) -> serde_json::Result<String> {
        let summary = &outcome.summary;
        match &mut self.writer {
            Writer::Human(style) => {
                let mut out = format!("{}\n", summary.line());
                if let Some(table) = summary.table(*style) {
                    out.push_str(&format!("{table}\n"));
                }
                Ok(out)
            }
            Writer::Json(json) => json.finish(summary, config),
            Writer::Sarif { results, .. } => Ok(format!(
                "{}{}\n",
                results.close(),
                sarif::suffix(!outcome.unreadable)?
            )),
            Writer::Github { annotations, .. } => Ok(format!(
                "{}{}\n",
                annotations
                    .finish("`--format sarif` with code scanning, or `human`, lists every finding"),
                summary.line()
            )),
            Writer::Concise { .. } => Ok(format!("{}\n", summary.line())),
        }
    }
}
