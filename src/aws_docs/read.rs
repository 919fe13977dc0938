//! Shared helpers for reading AWS CLI output into typed documents, with located errors.
//!
//! A [`Reader`] walks a span-keeping [`Value`] and records a [`Finding`] for every value that
//! does not have the shape the AWS CLI prints, naming the value by its path in the document
//! (`Grants[2].Permission`) and pointing at the exact token. Reading never stops at the first
//! problem: the caller gets every error of the file at once.
//!
//! Fields AWS may add later and that s3-access does not use are ignored, but a key that is a
//! near-miss of a known field (`BlockPublicPolicys`) is an error: reading it as "absent" would
//! silently change the meaning (a missing Block Public Access flag reads as `false`).

use crate::diagnostic::Finding;
use crate::json::{self, ErrorKind, Kind, Value};
use crate::load::{FileKind, FileReport, Located};
use crate::policy::Spanned;
use crate::registry::{Code, Severity};
use crate::source::{SourceFile, Span};
use std::path::Path;

/// A document type that can be read from AWS CLI output.
pub trait AwsDocument: Sized {
    /// What the document is, for messages and reports (e.g. `bucket ACL`).
    const WHAT: &'static str;

    /// The code of shape errors ([`Code::DocumentShape`] for AWS documents).
    const CODE: Code = Code::DocumentShape;

    /// Reads the document from `value` (the root of the file). Returns `None` when the shape
    /// is wrong, after recording why in `reader`.
    fn read(value: &Value, reader: &mut Reader) -> Option<Self>;
}

/// A typed document together with the file it was read from.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    /// The file (its text is kept for rendering findings later).
    pub source: SourceFile,
    /// The parsed JSON root.
    pub root: Value,
    /// The typed document.
    pub doc: T,
    /// Findings below error severity (e.g. a byte-order mark), located.
    pub notes: Vec<Located>,
}

/// Collects findings while reading one document.
#[derive(Debug)]
pub struct Reader {
    source: SourceFile,
    code: Code,
    findings: Vec<Finding>,
}

/// The path of member `key` of the value at `path` (`Grants[2]` + `Permission` →
/// `Grants[2].Permission`).
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The path of element `index` of the array at `path` (`Grants` + 2 → `Grants[2]`).
pub fn at(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

/// The first byte of a span (where a "missing member" finding points: the opening brace).
pub fn head(span: Span) -> Span {
    Span::new(span.start as usize, span.start as usize + 1)
}

/// How a value is named in type errors: "the string `true`", "the number `1`", "an object".
pub fn describe(v: &Value) -> String {
    match &v.kind {
        Kind::String(s) => format!("the string `{s}`"),
        Kind::Null => "null".to_string(),
        Kind::Bool(b) => format!("`{b}`"),
        Kind::Number(n) => format!("the number `{n}`"),
        Kind::Array(_) => "an array".to_string(),
        Kind::Object(_) => "an object".to_string(),
    }
}

fn name_of(path: &str) -> String {
    if path.is_empty() {
        "the document".to_string()
    } else {
        format!("`{path}`")
    }
}

impl Reader {
    // rule: E009
    /// A reader of a document in `source` whose errors carry [`Code::DocumentShape`].
    pub fn new(source: &SourceFile) -> Reader {
        Reader::with_code(source, Code::DocumentShape)
    }

    /// A reader whose errors carry `code` (manifests use [`Code::BucketFolder`]).
    pub fn with_code(source: &SourceFile, code: Code) -> Reader {
        Reader {
            source: source.clone(),
            code,
            findings: Vec::new(),
        }
    }

    /// The file being read.
    pub fn source(&self) -> &SourceFile {
        &self.source
    }

    /// Records an error at `span`.
    pub fn error(&mut self, span: Span, message: impl Into<String>) {
        self.findings.push(Finding::new(self.code, span, message));
    }

    /// Records an error at `span` with advice.
    pub fn error_with_help(
        &mut self,
        span: Span,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.findings
            .push(Finding::new(self.code, span, message).with_help(help));
    }

    /// Records any finding (e.g. one from linting an embedded policy).
    pub fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Whether an error-severity finding has been recorded.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// The number of findings recorded so far (to tell whether a step added errors).
    pub fn error_count(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    /// Every finding recorded.
    pub fn finish(self) -> Vec<Finding> {
        self.findings
    }

    fn type_error(&mut self, v: &Value, path: &str, expected: &str) {
        self.error(
            v.span,
            format!(
                "{} must be {expected}, found {}",
                name_of(path),
                describe(v)
            ),
        );
    }

    /// `v` as an object, or an error.
    pub fn object<'v>(&mut self, v: &'v Value, path: &str) -> Option<&'v [json::Member]> {
        match v.as_object() {
            Some(m) => Some(m),
            None => {
                self.type_error(v, path, "an object");
                None
            }
        }
    }

    /// Member `key` of the object `obj`, or an error at the object's opening brace.
    pub fn required<'v>(&mut self, obj: &'v Value, key: &str, path: &str) -> Option<&'v Value> {
        obj.as_object()?;
        match obj.get(key) {
            Some(v) => Some(v),
            None => {
                self.error(head(obj.span), format!("{} has no `{key}`", name_of(path)));
                None
            }
        }
    }

    /// `v` as a string, or an error.
    pub fn string(&mut self, v: &Value, path: &str) -> Option<Spanned<String>> {
        match v.as_str() {
            Some(s) => Some(Spanned {
                value: s.to_string(),
                span: v.span,
            }),
            None => {
                self.type_error(v, path, "a string");
                None
            }
        }
    }

    /// `v` as a boolean, or an error.
    pub fn boolean(&mut self, v: &Value, path: &str) -> Option<bool> {
        match v.kind {
            Kind::Bool(b) => Some(b),
            _ => {
                self.type_error(v, path, "`true` or `false`");
                None
            }
        }
    }

    /// `v` as a non-negative integer, or an error.
    pub fn integer(&mut self, v: &Value, path: &str) -> Option<u64> {
        match &v.kind {
            Kind::Number(n) => match n.parse::<u64>() {
                Ok(i) => Some(i),
                Err(_) => {
                    self.type_error(v, path, "a non-negative whole number");
                    None
                }
            },
            _ => {
                self.type_error(v, path, "a number");
                None
            }
        }
    }

    /// `v` as an array, or an error.
    pub fn array<'v>(&mut self, v: &'v Value, path: &str) -> Option<&'v [Value]> {
        match v.as_array() {
            Some(items) => Some(items),
            None => {
                self.type_error(v, path, "an array");
                None
            }
        }
    }

    /// `v` as an array of strings; a wrong element is an error and is skipped.
    pub fn strings(&mut self, v: &Value, path: &str) -> Option<Vec<Spanned<String>>> {
        let items = self.array(v, path)?;
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            if let Some(s) = self.string(item, &at(path, i)) {
                out.push(s);
            }
        }
        Some(out)
    }

    /// `v` as one of the named values (`choices` pairs a spelling with its meaning), or an
    /// error listing every accepted spelling and suggesting the closest.
    pub fn one_of<T: Copy>(&mut self, v: &Value, path: &str, choices: &[(&str, T)]) -> Option<T> {
        let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
        let Some(s) = v.as_str() else {
            self.type_error(v, path, &format!("one of {}", names.join(", ")));
            return None;
        };
        if let Some((_, t)) = choices.iter().find(|(n, _)| *n == s) {
            return Some(*t);
        }
        let message = format!(
            "{} must be one of {}, found `{s}`",
            name_of(path),
            names.join(", ")
        );
        match crate::suggest::closest(s, names.iter().copied()) {
            Some(hint) => self.error_with_help(v.span, message, format!("did you mean `{hint}`?")),
            None => self.error(v.span, message),
        }
        None
    }

    /// Member `key` as a required string.
    pub fn req_string(&mut self, obj: &Value, key: &str, path: &str) -> Option<Spanned<String>> {
        let v = self.required(obj, key, path)?;
        self.string(v, &join(path, key))
    }

    /// Member `key` as an optional string (absent is fine; a wrong type is an error).
    pub fn opt_string(&mut self, obj: &Value, key: &str, path: &str) -> Option<Spanned<String>> {
        let v = obj.get(key)?;
        self.string(v, &join(path, key))
    }

    /// Member `key` as an optional boolean.
    pub fn opt_bool(&mut self, obj: &Value, key: &str, path: &str) -> Option<bool> {
        let v = obj.get(key)?;
        self.boolean(v, &join(path, key))
    }

    /// Member `key` as an optional array of strings (absent reads as empty).
    pub fn opt_strings(&mut self, obj: &Value, key: &str, path: &str) -> Vec<Spanned<String>> {
        obj.get(key)
            .and_then(|v| self.strings(v, &join(path, key)))
            .unwrap_or_default()
    }

    /// Member `key`, required, as an array of objects, each with its path; near-misses of
    /// `known` are flagged in each, and an item that is not an object is an error, left out.
    pub fn required_objects<'v>(
        &mut self,
        obj: &'v Value,
        key: &str,
        path: &str,
        known: &[&str],
    ) -> Option<Vec<(&'v Value, String)>> {
        let list = self.required(obj, key, path)?;
        let list_path = join(path, key);
        let items = self.array(list, &list_path)?;
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let at = at(&list_path, i);
            if self.object(item, &at).is_none() {
                continue;
            }
            self.near_misses(item, known, &at);
            out.push((item, at));
        }
        Some(out)
    }

    /// Flags keys of `obj` that are near-misses of `known` (a different case, or a small
    /// typo). Other unknown keys are ignored: AWS adds output fields over time.
    pub fn near_misses(&mut self, obj: &Value, known: &[&str], path: &str) {
        for m in obj.as_object().unwrap_or(&[]) {
            if known.contains(&&*m.key) {
                continue;
            }
            if let Some(hint) = crate::suggest::closest(&m.key, known.iter().copied()) {
                let place = if path.is_empty() {
                    String::new()
                } else {
                    format!(" in `{path}`")
                };
                self.error_with_help(
                    m.key_span,
                    format!("unknown key `{}`{place}", m.key),
                    format!("did you mean `{hint}`? AWS field names are case-sensitive"),
                );
            }
        }
    }

    /// Flags every key of `obj` that is not in `known` (for s3-access's own files).
    pub fn only_keys(&mut self, obj: &Value, known: &[&str], what: &str) {
        for m in obj.as_object().unwrap_or(&[]) {
            if known.contains(&&*m.key) {
                continue;
            }
            let message = format!("unknown {what} key `{}`", m.key);
            match crate::suggest::closest(&m.key, known.iter().copied()) {
                Some(hint) => {
                    self.error_with_help(m.key_span, message, format!("did you mean `{hint}`?"))
                }
                None => self.error_with_help(
                    m.key_span,
                    message,
                    format!("the keys are {}", known.join(", ")),
                ),
            }
        }
    }
}

/// The finding for a JSON syntax or encoding error.
pub fn json_error(e: &json::Error) -> Finding {
    crate::load::json_error(e, None)
}

/// Parses a file as strict JSON. On success returns the root and the findings so far (a
/// byte-order mark note, duplicate keys); on a syntax error returns the findings. An empty file
/// is an error with advice: a bucket folder records "absent on AWS" as `{}`, never as nothing.
pub fn parse_source(source: &SourceFile) -> Result<(Value, Vec<Finding>), Vec<Finding>> {
    let text = source.text();
    let mut findings = Vec::new();
    let bom = json::bom_len(text);
    if bom > 0 {
        findings.push(
            Finding::new(
                Code::ByteOrderMark,
                Span::new(0, bom),
                "the file starts with a UTF-8 byte-order mark",
            )
            .with_help("s3-access skips it"),
        );
    }
    match json::parse(text) {
        Ok(root) => {
            crate::policy::parse::all_duplicate_keys(&root, &mut findings);
            Ok((root, findings))
        }
        Err(e) if e.kind == ErrorKind::Empty => {
            findings.push(
                Finding::new(Code::DocumentShape, e.span, "the file is empty").with_help(
                    "write `{}` to record that the bucket has no such configuration, or delete \
                     the file if it is unknown (the AWS CLI prints nothing when a command fails)",
                ),
            );
            Err(findings)
        }
        Err(e) => {
            findings.push(json_error(&e));
            Err(findings)
        }
    }
}

/// Reads a typed document from an already parsed root.
pub fn read_value<T: AwsDocument>(
    source: &SourceFile,
    root: Value,
    mut findings: Vec<Finding>,
) -> Result<Loaded<T>, FileReport> {
    let mut reader = Reader::with_code(source, T::CODE);
    let doc = T::read(&root, &mut reader);
    let failed = reader.has_errors();
    findings.extend(reader.finish());
    let has_errors = failed || findings.iter().any(|f| f.severity == Severity::Error);
    match doc {
        Some(doc) if !has_errors => {
            let notes = report(
                source,
                FileKind::Other { what: T::WHAT },
                findings,
                Some(&root),
            )
            .findings;
            Ok(Loaded {
                source: source.clone(),
                root,
                doc,
                notes,
            })
        }
        _ => Err(report(
            source,
            FileKind::Other { what: T::WHAT },
            findings,
            Some(&root),
        )),
    }
}

/// Reads a typed document from a source text.
pub fn read_source<T: AwsDocument>(source: &SourceFile) -> Result<Loaded<T>, FileReport> {
    match parse_source(source) {
        Ok((root, findings)) => read_value(source, root, findings),
        Err(findings) => Err(report(source, FileKind::Unknown, findings, None)),
    }
}

/// Reads a typed document from a text under a display name (for tests and tools).
pub fn read_str<T: AwsDocument>(name: &str, text: &str) -> Result<Loaded<T>, FileReport> {
    read_source(&SourceFile::new(name, text))
}

/// Reads a file's text, enforcing the size limit and UTF-8. A read failure is a finding with
/// `io_code` at the start of an empty source named after the path.
pub fn load_text(path: &Path, io_code: Code) -> Result<SourceFile, FileReport> {
    let name = path.display().to_string();
    let fail = |code: Code, span: Span, message: String, text: String| {
        let source = SourceFile::new(name.clone(), text);
        report(
            &source,
            FileKind::Unknown,
            vec![Finding::new(code, span, message)],
            None,
        )
    };
    let meta = std::fs::metadata(path).map_err(|e| {
        fail(
            io_code,
            Span::default(),
            format!("cannot read the file: {e}"),
            String::new(),
        )
    })?;
    // A pipe or a device would block or never end: only regular files are read.
    if !meta.is_file() {
        return Err(fail(
            io_code,
            Span::default(),
            "not a regular file (a pipe, socket or device)".to_string(),
            String::new(),
        ));
    }
    if meta.len() > json::MAX_INPUT_BYTES as u64 {
        return Err(fail(
            Code::InputLimit,
            Span::default(),
            format!(
                "the file is {} bytes, over the {} MiB limit",
                meta.len(),
                json::MAX_INPUT_BYTES >> 20
            ),
            String::new(),
        ));
    }
    // At most one byte past the limit, even if the file grows while it is read.
    let bytes = crate::load::read_limited(path).map_err(|e| {
        fail(
            io_code,
            Span::default(),
            format!("cannot read the file: {e}"),
            String::new(),
        )
    })?;
    match json::decode_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(name, text)),
        Err((e, lossy)) => {
            let source = SourceFile::new(name, lossy);
            Err(report(
                &source,
                FileKind::Unknown,
                vec![json_error(&e)],
                None,
            ))
        }
    }
}

/// Places findings in their file: sorted, de-duplicated, with line/column and the JSON pointer
/// of the offending value under `root`.
pub fn report(
    source: &SourceFile,
    file_kind: FileKind,
    mut findings: Vec<Finding>,
    root: Option<&Value>,
) -> FileReport {
    findings.sort_by_key(|f| (f.span.start, f.span.end, f.code));
    findings.dedup_by(|a, b| a.code == b.code && a.span == b.span && a.message == b.message);
    let roots: Vec<&Value> = root.into_iter().collect();
    let findings = findings
        .into_iter()
        .map(|finding| Located::within(source, &roots, finding))
        .collect();
    FileReport {
        source: source.clone(),
        file_kind,
        findings,
    }
}

/// Parses a policy document that AWS returned as a JSON string: either JSON text (spans map
/// back into the file exactly) or URL-encoded JSON text, as the IAM API returns documents
/// (RFC 3986 percent-encoding; `+` is kept as a plus sign). For URL-encoded text whose string
/// literal holds no JSON escapes, every span points at the encoded characters in the file;
/// otherwise every span is the whole string literal.
pub fn parse_string_document(source: &SourceFile, literal: &Value) -> Result<Value, json::Error> {
    let Some(value) = literal.as_str() else {
        return Err(json::Error {
            kind: ErrorKind::UnexpectedChar('?'),
            span: literal.span,
        });
    };
    if !is_url_encoded(value) {
        return json::parse_embedded(source.text(), literal.span);
    }
    let raw = source.slice(literal.span);
    let exact = raw.len() == value.len() + 2 && raw.get(1..raw.len() - 1) == Some(value);
    let inner_start = literal.span.start as usize + 1;
    let mut bytes = Vec::with_capacity(value.len());
    let mut offsets: Vec<usize> = Vec::with_capacity(value.len());
    let b = value.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let decoded = if c == b'%' {
            b.get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        } else {
            None
        };
        offsets.push(inner_start + i);
        match decoded {
            Some(byte) => {
                bytes.push(byte);
                i += 3;
            }
            None => {
                bytes.push(c);
                i += 1;
            }
        }
    }
    let end = literal.span.end.saturating_sub(1) as usize;
    let whole = literal.span;
    let text = String::from_utf8(bytes).map_err(|_| json::Error {
        kind: ErrorKind::InvalidUtf8,
        span: whole,
    })?;
    let relocate = |d: u32| -> u32 {
        let at = offsets.get(d as usize).copied().unwrap_or(end);
        u32::try_from(at).unwrap_or(u32::MAX)
    };
    match json::parse(&text) {
        Ok(mut v) => {
            if exact {
                v.remap(&relocate);
            } else {
                clamp_to(&mut v, whole);
            }
            Ok(v)
        }
        Err(mut e) => {
            e.span = if exact {
                Span {
                    start: relocate(e.span.start),
                    end: relocate(e.span.end),
                }
            } else {
                whole
            };
            Err(e)
        }
    }
}

/// Sets every span under `v` to `span` (for documents whose positions cannot be mapped).
fn clamp_to(v: &mut Value, span: Span) {
    v.span = span;
    match &mut v.kind {
        Kind::Array(items) => items.iter_mut().for_each(|i| clamp_to(i, span)),
        Kind::Object(members) => {
            for m in members {
                m.key_span = span;
                clamp_to(&mut m.value, span);
            }
        }
        _ => {}
    }
}

/// Whether a string document is URL-encoded JSON rather than JSON text.
pub fn is_url_encoded(value: &str) -> bool {
    let t = value.trim_start();
    !t.starts_with('{') && !t.starts_with('[') && t.contains('%')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_descriptions_read_naturally() {
        assert_eq!(join("", "Grants"), "Grants");
        assert_eq!(join(&at("Grants", 2), "Permission"), "Grants[2].Permission");
        let v = json::parse(r#"["x", 1, {}]"#).unwrap();
        let items = v.as_array().unwrap();
        assert_eq!(describe(&items[0]), "the string `x`");
        assert_eq!(describe(&items[1]), "the number `1`");
        assert_eq!(describe(&items[2]), "an object");
    }

    #[test]
    fn one_of_names_the_choices_and_suggests_the_closest() {
        let text = r#"{"P": "WRTIE"}"#;
        let source = SourceFile::new("t.json", text);
        let root = json::parse(text).unwrap();
        let mut r = Reader::new(&source);
        let got = r.one_of(
            root.get("P").unwrap(),
            "Grants[2].Permission",
            &[("READ", 1), ("WRITE", 2)],
        );
        assert_eq!(got, None);
        let f = r.finish();
        assert_eq!(
            f[0].message,
            "`Grants[2].Permission` must be one of READ, WRITE, found `WRTIE`"
        );
        assert_eq!(f[0].help.as_deref(), Some("did you mean `WRITE`?"));
        assert_eq!(source.slice(f[0].span), "\"WRTIE\"");
    }

    #[test]
    fn url_encoded_documents_map_spans_into_the_file() {
        let text = r#"{"D": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D"}"#;
        let source = SourceFile::new("t.json", text);
        let root = json::parse(text).unwrap();
        let doc = parse_string_document(&source, root.get("D").unwrap()).unwrap();
        let version = doc.get("Version").unwrap();
        assert_eq!(version.as_str(), Some("2012-10-17"));
        assert_eq!(source.slice(version.span), "%222012-10-17%22");
        let statement = doc.get("Statement").unwrap();
        assert_eq!(source.slice(statement.span), "%5B%5D");
    }

    #[test]
    fn plain_json_string_documents_and_errors_are_located() {
        let text = r#"{"D": "{\"Version\": \"2012-10-17\"}", "E": "%7B%22a%22%3A%7D"}"#;
        let source = SourceFile::new("t.json", text);
        let root = json::parse(text).unwrap();
        let doc = parse_string_document(&source, root.get("D").unwrap()).unwrap();
        assert_eq!(
            source.slice(doc.get("Version").unwrap().span),
            "\\\"2012-10-17\\\""
        );
        let err = parse_string_document(&source, root.get("E").unwrap()).unwrap_err();
        assert_eq!(source.slice(err.span), "%7D");
    }

    #[test]
    fn empty_files_get_advice_about_the_absent_marker() {
        let source = SourceFile::new("policy.json", "  \n");
        let findings = parse_source(&source).unwrap_err();
        assert_eq!(findings[0].code, Code::DocumentShape);
        assert!(findings[0].help.as_deref().unwrap().contains("`{}`"));
    }
}
