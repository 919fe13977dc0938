//! SARIF 2.1.0 output, as GitHub code scanning and other SARIF viewers read it.
//!
//! One run whose `tool.driver.rules` is the whole registry (so `ruleIndex` is stable), and one
//! result per finding with its region, related locations and a fingerprint that does not
//! depend on line numbers: code, file, JSON pointer and message, so an alert keeps its
//! identity when lines are added above it. Columns count Unicode code points, as in every
//! other output, and the run says so (`columnKind`).

use crate::lint::FileReport;
use crate::registry::{RULES, RuleInfo, Severity};
use crate::source::LineCol;
use serde::Serialize;
use serde::ser::SerializeMap;
use std::collections::HashMap;

/// The schema this output follows.
pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The key of our entry in `partialFingerprints`; the version changes if the recipe does.
pub const FINGERPRINT_KEY: &str = "s3AccessFinding/v1";

/// Where the project lives (the package's `repository`, or the default).
pub fn repository() -> &'static str {
    match env!("CARGO_PKG_REPOSITORY") {
        "" => "https://github.com/s3-access/s3-access",
        r => r.trim_end_matches('/'),
    }
}

// The typed model of the log. Objects written as single members of a hand-written frame
// ([`prefix`], [`suffix`]) declare their fields in sorted order, the order the log has always
// had; [`SarifLog`] and [`Run`] are the frame itself, in its own order.

/// A whole SARIF log, members in the order [`prefix`], [`results`] and [`suffix`] write them.
#[derive(Debug, Serialize)]
pub struct SarifLog<'a> {
    /// [`SCHEMA`].
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    /// `2.1.0`.
    pub version: &'static str,
    /// One run.
    pub runs: [Run<'a>; 1],
}

/// The one run of the log.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run<'a> {
    /// s3-access and its rules.
    pub tool: Tool,
    /// How columns are counted.
    pub column_kind: &'static str,
    /// What `%SRCROOT%` is.
    pub original_uri_base_ids: BaseIds,
    /// One result per finding.
    pub results: Vec<SarifResult<'a>>,
    /// Whether the run read every file.
    pub invocations: [Invocation; 1],
}

/// The tool.
#[derive(Debug, Serialize)]
pub struct Tool {
    /// s3-access.
    pub driver: Driver,
}

/// s3-access, its version and every rule of the registry (so `ruleIndex` is stable).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Driver {
    information_uri: &'static str,
    name: &'static str,
    rules: Vec<Rule>,
    semantic_version: &'static str,
    version: &'static str,
}

/// One rule: a code of the registry.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    default_configuration: Level,
    full_description: Text,
    help: Help,
    help_uri: String,
    id: &'static str,
    name: &'static str,
    properties: RuleProperties,
    short_description: Text,
}

#[derive(Debug, Serialize)]
struct Level {
    level: &'static str,
}

#[derive(Debug, Serialize)]
struct Text {
    text: String,
}

#[derive(Debug, Serialize)]
struct Help {
    markdown: &'static str,
    text: &'static str,
}

#[derive(Debug, Serialize)]
struct RuleProperties {
    tags: [&'static str; 1],
}

/// `originalUriBaseIds`: the one base, `%SRCROOT%`.
#[derive(Debug, Serialize)]
pub struct BaseIds {
    #[serde(rename = "%SRCROOT%")]
    src_root: BaseId,
}

#[derive(Debug, Serialize)]
struct BaseId {
    description: Text,
}

/// Whether the run succeeded.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invocation {
    execution_successful: bool,
}

/// One result: a finding with its place, related places and fingerprint.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult<'a> {
    level: &'static str,
    locations: [Location<'a>; 1],
    message: Text,
    partial_fingerprints: Fingerprint,
    properties: ResultProperties<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation<'a>>,
    rule_id: &'static str,
    rule_index: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    /// In an IaC file: the resource address or logical id, as a `resource`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<Logical<'a>>,
    physical_location: Physical,
}

/// A logical location: the resource a finding of an IaC file belongs to
/// (`aws_s3_bucket_policy.this`, `BucketPolicy`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Logical<'a> {
    fully_qualified_name: &'a str,
    kind: &'static str,
    name: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation<'a> {
    id: usize,
    message: TextRef<'a>,
    physical_location: Physical,
}

#[derive(Debug, Serialize)]
struct TextRef<'a> {
    text: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: Artifact,
    region: Region,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Artifact {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    end_column: u32,
    end_line: u32,
    start_column: u32,
    start_line: u32,
}

/// `partialFingerprints`: one entry under [`FINGERPRINT_KEY`].
#[derive(Debug)]
struct Fingerprint(String);

impl Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(FINGERPRINT_KEY, &self.0)?;
        map.end()
    }
}

#[derive(Debug, Serialize)]
struct ResultProperties<'a> {
    pointer: &'a str,
}

/// The tool and its rules.
pub fn tool() -> Tool {
    Tool {
        driver: Driver {
            information_uri: repository(),
            name: "s3-access",
            rules: RULES.iter().map(rule).collect(),
            semantic_version: env!("CARGO_PKG_VERSION"),
            version: env!("CARGO_PKG_VERSION"),
        },
    }
}

/// `%SRCROOT%`: the directory the run was made in.
pub fn base_ids() -> BaseIds {
    BaseIds {
        src_root: BaseId {
            description: Text {
                text: "The repository root: the directory s3-access lint ran in.".to_string(),
            },
        },
    }
}

/// The run's `invocations`: `successful` is false when some file could not be read.
pub fn invocations(successful: bool) -> [Invocation; 1] {
    [Invocation {
        execution_successful: successful,
    }]
}

/// The log is written in three pieces, so that results stream file by file: [`prefix`] (the
/// tool and its rules), each file's [`results`] (items of the run's `results` array, written
/// with [`crate::report::stream::ArrayStream`] at indent 6), and [`suffix`] (whether the run
/// succeeded). Together they are the bytes of a [`SarifLog`].
pub fn prefix() -> serde_json::Result<String> {
    Ok(format!(
        "{{\n  \"$schema\": {},\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {{\n      \"tool\": {},\n      \"columnKind\": \"unicodeCodePoints\",\n      \"originalUriBaseIds\": {},\n      \"results\": [",
        serde_json::to_string(SCHEMA)?,
        crate::report::stream::pretty_at(&tool(), 6)?,
        crate::report::stream::pretty_at(&base_ids(), 6)?,
    ))
}

/// The end of the log, after the `results` array is closed. `successful` is false when some
/// file could not be read.
pub fn suffix(successful: bool) -> serde_json::Result<String> {
    Ok(format!(
        ",\n      \"invocations\": {}\n    }}\n  ]\n}}",
        crate::report::stream::pretty_at(&invocations(successful), 6)?
    ))
}

/// The results of a file's findings. `path` is the file relative to the repository root (the
/// `%SRCROOT%` that code scanning resolves against), with `/` separators.
pub fn results<'a>(report: &'a FileReport, path: &str) -> Vec<SarifResult<'a>> {
    let uri = uri_reference(path);
    let mut occurrences: HashMap<(&str, &str, &str), usize> = HashMap::new();
    let mut out = Vec::new();
    for item in &report.findings {
        let f = &item.finding;
        let info = f.code.info();
        let n = occurrences
            .entry((info.code, item.path.as_str(), f.message.as_str()))
            .or_insert(0);
        *n += 1;
        let fingerprint = fingerprint(info.code, path, &item.path, &f.message, *n);
        let mut text = f.message.clone();
        if let Some(h) = &f.help {
            text.push_str("\nhelp: ");
            text.push_str(h);
        }
        let related_locations = f
            .related
            .iter()
            .enumerate()
            .map(|(i, r)| RelatedLocation {
                id: i + 1,
                message: TextRef { text: &r.message },
                physical_location: physical(
                    &uri,
                    report.source.line_col(r.span.start),
                    report.source.line_col(r.span.end),
                ),
            })
            .collect();
        out.push(SarifResult {
            level: level(f.severity),
            locations: [Location {
                logical_locations: item
                    .address
                    .iter()
                    .map(|a| Logical {
                        fully_qualified_name: a,
                        kind: "resource",
                        name: a,
                    })
                    .collect(),
                physical_location: physical(&uri, item.start, item.end),
            }],
            message: Text { text },
            partial_fingerprints: Fingerprint(fingerprint),
            properties: ResultProperties {
                pointer: &item.path,
            },
            related_locations,
            rule_id: info.code,
            rule_index: f.code as usize,
        });
    }
    out
}

fn rule(r: &RuleInfo) -> Rule {
    Rule {
        default_configuration: Level {
            level: level(r.severity),
        },
        full_description: Text {
            text: what_it_flags(r.doc).unwrap_or_else(|| sentence(r.summary)),
        },
        help: Help {
            markdown: r.doc,
            text: r.doc,
        },
        help_uri: format!("{}/blob/main/docs/rules/{}.md", repository(), r.code),
        id: r.code,
        name: r.name,
        properties: RuleProperties {
            tags: [category(r.code)],
        },
        short_description: Text {
            text: sentence(r.summary),
        },
    }
}

fn category(code: &str) -> &'static str {
    match code.as_bytes().first() {
        Some(b'E') => "syntax",
        Some(b'P') => "policy",
        Some(b'S') => "security",
        Some(b'C') => "configuration",
        _ => "other",
    }
}

/// A summary as a sentence: capitalised, with a final period.
fn sentence(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// The first paragraph under `## What it flags`, joined into one line.
fn what_it_flags(doc: &str) -> Option<String> {
    let after = doc.split("## What it flags").nth(1)?;
    let paragraph: Vec<&str> = after
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::trim)
        .collect();
    (!paragraph.is_empty()).then(|| paragraph.join(" "))
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn physical(uri: &str, start: LineCol, end: LineCol) -> Physical {
    Physical {
        artifact_location: Artifact {
            uri: uri.to_string(),
            uri_base_id: "%SRCROOT%",
        },
        region: Region {
            end_column: end.column,
            end_line: end.line,
            start_column: start.column,
            start_line: start.line,
        },
    }
}

/// A stable fingerprint: FNV-1a (64-bit) over the code, file, pointer, message and the
/// occurrence number of that combination in the file, as 16 hex digits.
pub fn fingerprint(
    code: &str,
    path: &str,
    pointer: &str,
    message: &str,
    occurrence: usize,
) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    let occurrence = occurrence.to_string();
    for part in [code, path, pointer, message, &occurrence] {
        for b in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("{hash:016x}")
}

/// A relative path as a URI reference: `/` kept, everything outside the unreserved and
/// sub-delimiter characters percent-encoded (`:` too, so a first segment never reads as a
/// scheme).
pub fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
            );
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri_reference("policies/a b.json"), "policies/a%20b.json");
        assert_eq!(uri_reference("c:d/é.json"), "c%3Ad/%C3%A9.json");
        assert_eq!(uri_reference("x/100%.json"), "x/100%25.json");
    }

    #[test]
    fn fingerprints_depend_on_what_not_where() {
        let a = fingerprint("P204", "p.json", "/Statement/0/Action", "m", 1);
        assert_eq!(
            a,
            fingerprint("P204", "p.json", "/Statement/0/Action", "m", 1)
        );
        assert_ne!(
            a,
            fingerprint("P204", "q.json", "/Statement/0/Action", "m", 1)
        );
        assert_ne!(
            a,
            fingerprint("P204", "p.json", "/Statement/1/Action", "m", 1)
        );
        assert_ne!(
            a,
            fingerprint("P204", "p.json", "/Statement/0/Action", "m", 2)
        );
        assert_eq!(a.len(), 16);
    }

    #[test]
    fn the_streamed_log_is_the_typed_log() {
        use crate::lint::{LintOptions, lint_text};
        use crate::report::stream::ArrayStream;
        let bad = r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}"#;
        let report = lint_text(
            crate::source::SourceFile::new("p.json", bad),
            &LintOptions {
                audit: true,
                ..LintOptions::default()
            },
        );
        let results = super::results(&report, "dir/p.json");
        assert!(results.iter().any(|r| !r.related_locations.is_empty()));
        let mut stream = ArrayStream::new(6);
        let mut text = prefix().unwrap();
        for r in &results {
            text.push_str(&stream.item(r).unwrap());
        }
        text.push_str(&stream.close());
        text.push_str(&suffix(true).unwrap());
        let log = SarifLog {
            schema: SCHEMA,
            version: "2.1.0",
            runs: [Run {
                tool: tool(),
                column_kind: "unicodeCodePoints",
                original_uri_base_ids: base_ids(),
                results: super::results(&report, "dir/p.json"),
                invocations: invocations(true),
            }],
        };
        assert_eq!(text, serde_json::to_string_pretty(&log).unwrap());
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let first = &value["runs"][0]["results"][0];
        assert!(first["partialFingerprints"][FINGERPRINT_KEY].is_string());
    }

    #[test]
    fn full_description_is_the_first_paragraph_of_what_it_flags() {
        let doc = "# X\n\n## What it flags\n\nOne\ntwo.\n\nMore.\n\n## Why";
        assert_eq!(what_it_flags(doc).as_deref(), Some("One two."));
        assert_eq!(sentence("a thing"), "A thing.");
    }
}
