//! Baselines: the findings a team has accepted, kept as fingerprints in a JSON file, so that a
//! run reports only the findings that are new (`lint --baseline FILE`, written with
//! `lint --write-baseline FILE`; docs/baseline.md).
//!
//! A fingerprint is the one SARIF output carries in `partialFingerprints`
//! ([`fingerprints`] computes both): a hash of the code, the file's path, the JSON pointer with
//! the statement's index left out, and the finding's own text with whitespace outside strings
//! removed, plus the occurrence number of that combination in the file. No line number goes
//! in, so adding lines, reformatting or moving a statement does not change it.

use super::{FileReport, Located};
use crate::diagnostic::Finding;
use crate::json::{self, Value};
use crate::registry::Code;
use crate::source::{SourceFile, Span};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

/// The version of the baseline file format.
pub const VERSION: u64 = 1;

/// The fingerprints of a file's findings, in the order of its findings. `path` is the file
/// relative to the directory of the run, with `/` separators (as SARIF writes it).
pub fn fingerprints(report: &FileReport, path: &str) -> Vec<String> {
    let text = report.source.text();
    let mut occurrences: HashMap<(Code, String, u64), usize> = HashMap::new();
    report
        .findings
        .iter()
        .map(|item| {
            let element = text
                .get(item.finding.span.start as usize..item.finding.span.end as usize)
                .unwrap_or("");
            let pointer = without_statement_index(&item.path);
            let what = normalised_hash(element);
            let n = occurrences
                .entry((item.finding.code, pointer.clone(), what))
                .or_insert(0);
            *n += 1;
            hash_parts(&[
                item.finding.code.as_str(),
                path,
                &pointer,
                &format!("{what:016x}"),
                &n.to_string(),
            ])
        })
        .collect()
}

/// `/Statement/3/Action/0` as `/Statement/*/Action/0`: the place inside the statement,
/// whichever index the statement has.
fn without_statement_index(pointer: &str) -> String {
    let mut out = String::with_capacity(pointer.len());
    let mut parts = pointer.split('/').peekable();
    let mut first = true;
    while let Some(part) = parts.next() {
        if !first {
            out.push('/');
        }
        first = false;
        out.push_str(part);
        if part == "Statement"
            && let Some(index) = parts.peek()
            && !index.is_empty()
            && index.bytes().all(|b| b.is_ascii_digit())
        {
            parts.next();
            out.push_str("/*");
        }
    }
    out
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv(hash: u64, byte: u8) -> u64 {
    (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME)
}

/// FNV-1a (64-bit) over `text` with whitespace outside double-quoted strings left out, so
/// reindenting or reflowing an element does not change it.
fn normalised_hash(text: &str) -> u64 {
    let mut hash = FNV_OFFSET;
    let mut in_string = false;
    let mut escaped = false;
    for b in text.bytes() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if b.is_ascii_whitespace() {
            continue;
        }
        hash = fnv(hash, b);
    }
    hash
}

/// FNV-1a (64-bit) over the parts, each ended by a zero byte, as 16 hex digits.
pub fn hash_parts(parts: &[&str]) -> String {
    let mut hash = FNV_OFFSET;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            hash = fnv(hash, b);
        }
    }
    format!("{hash:016x}")
}

/// One accepted finding in a baseline file: the fingerprint, and the code and path for the
/// people who read the file (matching uses the fingerprint alone).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Entry {
    /// The file, relative to the directory of the run.
    pub path: String,
    /// The code.
    pub code: &'static str,
    /// The fingerprint.
    pub fingerprint: String,
}

/// The baseline file being written: every finding of a run.
#[derive(Debug, Default)]
pub struct BaselineWriter {
    entries: BTreeSet<Entry>,
}

impl BaselineWriter {
    /// Adds a report's findings; `path` as for [`fingerprints`].
    pub fn add(&mut self, report: &FileReport, path: &str) {
        for (item, fingerprint) in report.findings.iter().zip(fingerprints(report, path)) {
            self.entries.insert(Entry {
                path: path.to_string(),
                code: item.finding.code.as_str(),
                fingerprint,
            });
        }
    }

    /// How many findings it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The file's text: `{"version": 1, "tool": "s3-access", "fingerprints": [...]}`, sorted
    /// by path, code and fingerprint so that it diffs well.
    pub fn text(&self) -> serde_json::Result<String> {
        #[derive(Serialize)]
        struct File<'a> {
            version: u64,
            tool: &'static str,
            fingerprints: Vec<&'a Entry>,
        }
        let file = File {
            version: VERSION,
            tool: "s3-access",
            fingerprints: self.entries.iter().collect(),
        };
        Ok(serde_json::to_string_pretty(&file)? + "\n")
    }
}

/// A baseline read from its file.
#[derive(Debug, Default)]
pub struct Baseline {
    fingerprints: HashSet<String>,
}

/// Why a baseline file cannot be used.
#[derive(Debug)]
pub enum BaselineError {
    /// The file could not be read.
    Io(std::io::Error),
    /// The file is not a baseline: located findings say where.
    Invalid(Box<FileReport>),
}

impl std::fmt::Display for BaselineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BaselineError::Io(e) => write!(f, "cannot read the baseline: {e}"),
            BaselineError::Invalid(r) => {
                write!(f, "{} is not a valid baseline file", r.source.name())
            }
        }
    }
}

impl std::error::Error for BaselineError {}

impl Baseline {
    /// Reads a baseline file (size-limited, like every input).
    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        let bytes = crate::load::read_limited(path).map_err(BaselineError::Io)?;
        if bytes.len() > json::MAX_INPUT_BYTES {
            return Err(BaselineError::Io(std::io::Error::other(
                "over the 64 MiB input limit",
            )));
        }
        let name = path.display().to_string();
        let text = match json::decode_utf8(bytes) {
            Ok(t) => t,
            Err((e, lossy)) => {
                let source = SourceFile::new(name, lossy);
                let finding = crate::load::json_error(&e, None);
                return Err(invalid(source, vec![finding]));
            }
        };
        Baseline::parse(SourceFile::new(name, text))
    }

    /// Checks a baseline file's text: JSON, `version` 1, and `fingerprints`, an array of
    /// objects each with a `fingerprint` of 16 hexadecimal digits.
    pub fn parse(source: SourceFile) -> Result<Baseline, BaselineError> {
        let root = match json::parse(source.text()) {
            Ok(v) => v,
            Err(e) => {
                let finding = crate::load::json_error(&e, None);
                return Err(invalid(source, vec![finding]));
            }
        };
        let mut problems = Vec::new();
        let mut baseline = Baseline::default();
        read_document(&root, &mut baseline, &mut problems);
        if problems.is_empty() {
            Ok(baseline)
        } else {
            Err(invalid(source, problems))
        }
    }

    /// How many fingerprints it holds.
    pub fn len(&self) -> usize {
        self.fingerprints.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.fingerprints.is_empty()
    }

    /// Removes from `report` the findings the baseline holds and returns how many; `path` as
    /// for [`fingerprints`].
    pub fn filter(&self, report: &mut FileReport, path: &str) -> usize {
        if self.fingerprints.is_empty() || report.findings.is_empty() {
            return 0;
        }
        let keep: Vec<bool> = fingerprints(report, path)
            .iter()
            .map(|f| !self.fingerprints.contains(f))
            .collect();
        let before = report.findings.len();
        let mut keep = keep.into_iter();
        report
            .findings
            .retain(|_: &Located| keep.next().unwrap_or(true));
        before - report.findings.len()
    }
}

/// The report of a bad baseline file.
fn invalid(source: SourceFile, findings: Vec<Finding>) -> BaselineError {
    let root = json::parse(source.text()).ok();
    let roots: Vec<&Value> = root.iter().collect();
    let findings = crate::load::locate(&source, findings, &roots);
    BaselineError::Invalid(Box::new(FileReport {
        source,
        file_kind: super::FileKind::Unknown,
        findings,
    }))
}

/// Reads the document's members into `baseline`; what is wrong goes to `problems`.
fn read_document(root: &Value, baseline: &mut Baseline, problems: &mut Vec<Finding>) {
    if root.as_object().is_none() {
        problems.push(bad(
            root.span,
            "a baseline is a JSON object with `version` and `fingerprints`",
        ));
        return;
    }
    match root.get("version") {
        Some(v) if matches!(&v.kind, json::Kind::Number(n) if &**n == "1") => {}
        Some(v) => problems.push(bad(
            v.span,
            &format!(
                "baseline version {} is not one this s3-access reads (1)",
                short(v)
            ),
        )),
        None => problems.push(bad(root.span, "the baseline has no `version`")),
    }
    let Some(list) = root.get("fingerprints") else {
        problems.push(bad(root.span, "the baseline has no `fingerprints`"));
        return;
    };
    let Some(items) = list.as_array() else {
        problems.push(bad(list.span, "`fingerprints` is not an array"));
        return;
    };
    for item in items {
        match item.get("fingerprint") {
            Some(f) if f.as_str().is_some_and(is_fingerprint) => {
                baseline
                    .fingerprints
                    .insert(f.as_str().unwrap_or_default().to_string());
            }
            Some(f) => problems.push(bad(
                f.span,
                &format!("{} is not a fingerprint (16 hexadecimal digits)", short(f)),
            )),
            None => problems.push(bad(item.span, "an entry without a `fingerprint`")),
        }
    }
}

fn is_fingerprint(s: &str) -> bool {
    s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A value as a message quotes it: its JSON type, or a short string.
fn short(v: &Value) -> String {
    match &v.kind {
        json::Kind::String(s) if s.chars().count() <= 40 => format!("`{s}`"),
        json::Kind::Number(n) if n.len() <= 20 => format!("`{n}`"),
        _ => format!("a {}", v.type_name()),
    }
}

// rule: C003
/// A problem in a baseline file.
fn bad(span: Span, message: &str) -> Finding {
    Finding::new(Code::InvalidBaseline, span, message).with_help(
        "write the baseline again with `s3-access lint --write-baseline FILE`; docs/baseline.md",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::{LintOptions, lint_text};

    fn lint(text: &str) -> FileReport {
        lint_text(
            SourceFile::new("p.json", text),
            &LintOptions {
                audit: true,
                ..LintOptions::default()
            },
        )
    }

    const POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "A", "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"},
  {"Sid": "B", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}"#;

    #[test]
    fn fingerprints_ignore_lines_layout_and_statement_order() {
        let before = lint(POLICY);
        let a = fingerprints(&before, "p.json");
        assert!(a.len() >= 2);
        let unique: HashSet<&String> = a.iter().collect();
        assert_eq!(unique.len(), a.len(), "{a:?}");
        // Reindented, lines added above, statements swapped: the same set.
        let moved = r#"{
    "Version": "2012-10-17",


    "Statement": [
        {"Sid": "B", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
        {"Sid": "A", "Effect": "Allow", "Principal": "*",
         "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}
    ]
}"#;
        let after = lint(moved);
        let mut x = a.clone();
        let mut y = fingerprints(&after, "p.json");
        x.sort();
        y.sort();
        assert_eq!(x, y);
        // Another file or another text: other fingerprints.
        assert!(
            fingerprints(&before, "q.json")
                .iter()
                .all(|f| !a.contains(f))
        );
        // Another principal is another element: the finding on it is new.
        let changed =
            lint(&POLICY.replacen(r#""Principal": "*""#, r#""Principal": {"AWS": "*"}"#, 1));
        assert_ne!(fingerprints(&changed, "p.json"), a);
    }

    #[test]
    fn a_written_baseline_removes_exactly_its_findings() {
        let report = lint(POLICY);
        let mut w = BaselineWriter::default();
        w.add(&report, "p.json");
        assert_eq!(w.len(), report.findings.len());
        let text = w.text().unwrap();
        let baseline = Baseline::parse(SourceFile::new("b.json", text)).unwrap();
        let mut same = report.clone();
        assert_eq!(baseline.filter(&mut same, "p.json"), report.findings.len());
        assert!(same.findings.is_empty());
        // A new finding is kept.
        let grown = POLICY.replace(
            "]}",
            r#", {"Sid": "C", "Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b"}]}"#,
        );
        let mut more = lint(&grown);
        let total = more.findings.len();
        let removed = baseline.filter(&mut more, "p.json");
        assert_eq!(removed, report.findings.len());
        assert_eq!(more.findings.len(), total - removed);
        assert!(!more.findings.is_empty());
    }

    #[test]
    fn a_bad_baseline_is_located() {
        let cases = [
            ("{\"version\": 1, \"fingerprints\": [", Code::JsonSyntax, 1),
            ("[]", Code::InvalidBaseline, 1),
            (
                "{\"version\": 2, \"fingerprints\": []}",
                Code::InvalidBaseline,
                1,
            ),
            (
                "{\"version\": 1,\n \"fingerprints\": [{\"fingerprint\": \"xyz\"}]}",
                Code::InvalidBaseline,
                2,
            ),
        ];
        for (text, code, line) in cases {
            let Err(BaselineError::Invalid(r)) = Baseline::parse(SourceFile::new("b.json", text))
            else {
                panic!("{text} should be refused");
            };
            assert_eq!(r.findings[0].finding.code, code, "{text}");
            assert_eq!(r.findings[0].start.line, line, "{text}");
        }
        assert!(
            Baseline::parse(SourceFile::new(
                "b.json",
                "{\"version\": 1, \"fingerprints\": []}"
            ))
            .unwrap()
            .is_empty()
        );
    }

    #[test]
    fn statement_indexes_are_left_out_of_the_pointer() {
        assert_eq!(
            without_statement_index("/Statement/12/Action/0"),
            "/Statement/*/Action/0"
        );
        assert_eq!(
            without_statement_index("/Statement/Action"),
            "/Statement/Action"
        );
        assert_eq!(without_statement_index(""), "");
        assert_eq!(
            normalised_hash("{ \"a b\" :\n 1 }"),
            normalised_hash("{\"a b\":1}")
        );
        assert_ne!(normalised_hash("\"a b\""), normalised_hash("\"ab\""));
    }
}
