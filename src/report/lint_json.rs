//! The JSON document of a lint run: every finding, every file with what it turned out to be,
//! the counts, and the configuration used. [`LintDocument`] is its typed model;
//! [`LintJsonWriter`] writes the same bytes piece by piece as the run goes, so memory stays
//! bounded by one file's findings (only the short `files` entries are kept until the end).

use super::stream::{ArrayStream, pretty_at};
use super::{JsonFinding, Summary, json_findings};
use crate::document::KindSource;
use crate::lint::{FileKind, FileReport};
use crate::policy::PolicyKind;
use serde::Serialize;

/// The whole document, members in the order they are written (a contract: never reordered).
#[derive(Debug, Serialize)]
pub struct LintDocument<'a> {
    /// Every finding, file by file.
    pub findings: Vec<JsonFinding<'a>>,
    /// Every linted file.
    pub files: Vec<FileEntry<'a>>,
    /// The counts.
    pub summary: &'a Summary,
    /// The configuration file used, if any.
    pub config: Option<&'a str>,
}

/// One entry of `files`. Fields in sorted order, as the document has always written them.
#[derive(Debug, Serialize)]
pub struct FileEntry<'a> {
    /// What the file turned out to be.
    pub document: Document,
    /// The file, as given.
    pub file: &'a str,
}

impl<'a> FileEntry<'a> {
    /// The entry of a linted file.
    pub fn of(report: &'a FileReport) -> FileEntry<'a> {
        FileEntry {
            document: Document::of(&report.file_kind),
            file: report.source.name(),
        }
    }
}

/// A [`FileKind`] as `files` entries write it: the same members as its own serialisation,
/// with the keys in sorted order (`type` among them, not first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    /// The format of an infrastructure-as-code file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<&'static str>,
    /// The policy's kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<PolicyKind>,
    /// How the policy's kind was decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind_source: Option<KindSource>,
    /// `policy`, `other`, `iac` or `unknown`.
    #[serde(rename = "type")]
    pub kind_of_file: &'static str,
    /// What a recognised non-policy document is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub what: Option<&'static str>,
    /// The AWS CLI output shape a policy was unwrapped from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wrapper: Option<&'static str>,
}

impl Document {
    /// The entry of a file kind.
    pub fn of(file_kind: &FileKind) -> Document {
        let mut d = Document {
            format: None,
            kind: None,
            kind_source: None,
            kind_of_file: "unknown",
            what: None,
            wrapper: None,
        };
        match *file_kind {
            FileKind::Policy {
                kind,
                kind_source,
                wrapper,
            } => {
                d.kind_of_file = "policy";
                d.kind = Some(kind);
                d.kind_source = Some(kind_source);
                d.wrapper = wrapper;
            }
            FileKind::Other { what } => {
                d.kind_of_file = "other";
                d.what = Some(what);
            }
            FileKind::Iac { format, .. } => {
                d.kind_of_file = "iac";
                d.format = Some(format);
            }
            FileKind::Unknown => {}
        }
        d
    }
}

/// Writes a [`LintDocument`] as the run goes: [`LintJsonWriter::START`], then each report's
/// [`findings`](LintJsonWriter::findings), then [`finish`](LintJsonWriter::finish).
#[derive(Debug)]
pub struct LintJsonWriter {
    findings: ArrayStream,
    files: ArrayStream,
    /// The `files` items so far, rendered (a few hundred bytes per file).
    files_text: String,
}

impl Default for LintJsonWriter {
    fn default() -> LintJsonWriter {
        LintJsonWriter {
            findings: ArrayStream::new(2),
            files: ArrayStream::new(2),
            files_text: String::new(),
        }
    }
}

impl LintJsonWriter {
    /// The opening of the document, up to the `findings` array's bracket.
    pub const START: &'static str = "{\n  \"findings\": [";

    /// The `findings` items of one report.
    pub fn findings(&mut self, report: &FileReport) -> serde_json::Result<String> {
        let mut out = String::new();
        for f in json_findings(report) {
            out.push_str(&self.findings.item(&f)?);
        }
        Ok(out)
    }

    /// Records a linted file for the `files` array.
    pub fn file(&mut self, report: &FileReport) -> serde_json::Result<()> {
        let item = self.files.item(&FileEntry::of(report))?;
        self.files_text.push_str(&item);
        Ok(())
    }

    /// The end of the document: the `findings` array closed, `files`, `summary` and `config`
    /// (with a final newline).
    pub fn finish(
        &mut self,
        summary: &Summary,
        config: Option<&str>,
    ) -> serde_json::Result<String> {
        let files = format!("[{}{}", self.files_text, self.files.close());
        Ok(format!(
            "{},\n  \"files\": {files},\n  \"summary\": {},\n  \"config\": {}\n}}\n",
            self.findings.close(),
            pretty_at(summary, 2)?,
            pretty_at(&config, 2)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::{LintOptions, lint_text};
    use crate::source::SourceFile;

    fn streamed(reports: &[FileReport], summary: &Summary, config: Option<&str>) -> String {
        let mut w = LintJsonWriter::default();
        let mut out = LintJsonWriter::START.to_string();
        for r in reports {
            w.file(r).unwrap();
            out.push_str(&w.findings(r).unwrap());
        }
        out.push_str(&w.finish(summary, config).unwrap());
        out
    }

    #[test]
    fn a_document_entry_has_the_members_of_the_file_kind() {
        let kinds = [
            FileKind::Policy {
                kind: PolicyKind::Bucket,
                kind_source: KindSource::Content,
                wrapper: Some("get-bucket-policy output"),
            },
            FileKind::Policy {
                kind: PolicyKind::Scp,
                kind_source: KindSource::Content,
                wrapper: None,
            },
            FileKind::Other { what: "ACL" },
            FileKind::Unknown,
        ];
        for k in &kinds {
            let entry = serde_json::to_string(&Document::of(k)).unwrap();
            let sorted = serde_json::to_value(k).unwrap().to_string();
            assert_eq!(entry, sorted);
        }
    }

    #[test]
    fn the_streamed_document_is_the_typed_document() {
        let bad = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Alow", "Action": "s3:GetObjct", "Resource": "*"}]}"#;
        let reports = vec![
            lint_text(SourceFile::new("a.json", bad), &LintOptions::default()),
            lint_text(SourceFile::new("b.json", "{}"), &LintOptions::default()),
        ];
        let mut summary = Summary::default();
        for r in &reports {
            summary.add(r);
        }
        let doc = LintDocument {
            findings: reports.iter().flat_map(json_findings).collect(),
            files: reports.iter().map(FileEntry::of).collect(),
            summary: &summary,
            config: Some("x.toml"),
        };
        assert!(doc.findings.len() >= 2);
        let whole = serde_json::to_string_pretty(&doc).unwrap() + "\n";
        assert_eq!(streamed(&reports, &summary, Some("x.toml")), whole);
        let empty = LintDocument {
            findings: Vec::new(),
            files: Vec::new(),
            summary: &Summary::default(),
            config: None,
        };
        let whole = serde_json::to_string_pretty(&empty).unwrap() + "\n";
        assert_eq!(streamed(&[], &Summary::default(), None), whole);
    }
}
