//! SARIF 2.1.0 output, as GitHub code scanning and other SARIF viewers read it.
//!
//! One run whose `tool.driver.rules` is the whole registry (so `ruleIndex` is stable), and one
//! result per finding with its region, related locations and a fingerprint that does not
//! depend on line numbers ([`crate::lint::baseline::fingerprints`], the one a baseline keeps),
//! so an alert keeps its identity when lines are added above it. Columns count Unicode code points, as in every
//! other output, and the run says so (`columnKind`).

use crate::lint::FileReport;
use crate::registry::{RULES, RuleInfo, Severity};
use crate::source::LineCol;
use serde::Serialize;
use serde::ser::SerializeMap;

/// The schema this output follows.
pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The key of our entry in `partialFingerprints`; the version changes if the recipe does.
pub const FINGERPRINT_KEY: &str = "s3AccessFinding/v2";

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
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
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
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
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
    /// The rule's index in the driver's rules; `None` for a result no registry code raises.
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
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

/// The tool and its rules. `help_uri_base` is where the rule pages are published
/// ([`crate::config::help_uri_base`]); without one, rules have no `helpUri`.
pub fn tool(help_uri_base: Option<&str>) -> Tool {
    Tool {
        driver: Driver {
            information_uri: repository(),
            name: "s3-access",
            rules: RULES.iter().map(|r| rule(r, help_uri_base)).collect(),
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
pub fn prefix(help_uri_base: Option<&str>) -> serde_json::Result<String> {
    Ok(format!(
        "{{\n  \"$schema\": {},\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {{\n      \"tool\": {},\n      \"columnKind\": \"unicodeCodePoints\",\n      \"originalUriBaseIds\": {},\n      \"results\": [",
        serde_json::to_string(SCHEMA)?,
        crate::report::stream::pretty_at(&tool(help_uri_base), 6)?,
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
    let mut out = Vec::new();
    let fingerprints = crate::lint::baseline::fingerprints(report, path);
    for (item, fingerprint) in report.findings.iter().zip(fingerprints) {
        let f = &item.finding;
        let info = f.code.info();
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
            rule_index: Some(f.code as usize),
        });
    }
    out
}

impl<'a> SarifResult<'a> {
    /// The result, its location naming the resource `address` of an IaC file.
    pub fn at_resource(mut self, address: Option<&'a str>) -> SarifResult<'a> {
        self.locations[0]
            .logical_locations
            .extend(address.map(|a| Logical {
                fully_qualified_name: a,
                kind: "resource",
                name: a,
            }));
        self
    }
}

/// A result that no registry code raises (`diff`'s `new-access`), at `path` from `start` to
/// `end`; `pointer` and `occurrence` enter the fingerprint as for the registry's results.
pub fn located<'a>(
    rule_id: &'static str,
    severity: Severity,
    path: &str,
    (start, end): (LineCol, LineCol),
    message: String,
    pointer: &'a str,
    occurrence: usize,
) -> SarifResult<'a> {
    let uri = uri_reference(path);
    SarifResult {
        level: level(severity),
        locations: [Location {
            physical_location: physical(&uri, start, end),
            logical_locations: Vec::new(),
        }],
        partial_fingerprints: Fingerprint(crate::lint::baseline::hash_parts(&[
            rule_id,
            path,
            pointer,
            &occurrence.to_string(),
        ])),
        message: Text { text: message },
        properties: ResultProperties { pointer },
        related_locations: Vec::new(),
        rule_id,
        rule_index: None,
    }
}

/// The whole log of `results`: the tool, `%SRCROOT%` and whether the run succeeded.
pub fn log(results: Vec<SarifResult<'_>>, successful: bool) -> SarifLog<'_> {
    SarifLog {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: tool(None),
            column_kind: "unicodeCodePoints",
            original_uri_base_ids: base_ids(),
            results,
            invocations: invocations(successful),
        }],
    }
}

fn rule(r: &RuleInfo, help_uri_base: Option<&str>) -> Rule {
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
        help_uri: help_uri_base.map(|base| format!("{base}/docs/rules/{}.md", r.code)),
        id: r.code,
        name: r.name,
        properties: RuleProperties {
            security_severity: security_severity(r.code, r.severity),
            tags: [category(r.code)],
        },
        short_description: Text {
            text: sentence(r.summary),
        },
    }
}

/// The `security-severity` of a rule, from its kind (its code's letter and series) and its
/// default severity: the number GitHub code scanning ranks security alerts by (9.0 and over
/// critical, 7.0–8.9 high, 4.0–6.9 medium, under 4.0 low; GitHub Docs, "SARIF support for
/// code scanning", `reportingDescriptor`). The table and its reasons are in
/// docs/severities.md.
pub fn security_severity(code: &str, severity: Severity) -> &'static str {
    let public_exposure = code.starts_with("S1");
    let risk = code.starts_with('S');
    match (public_exposure, risk, severity) {
        // Anyone on the Internet can read, write, list or re-permission the bucket.
        (true, _, Severity::Error) => "9.5",
        (true, _, Severity::Warning) => "7.5",
        (true, _, Severity::Note) => "4.0",
        // A risk to the bucket short of public exposure (cross-account, plain HTTP, ...).
        (false, true, Severity::Error) => "8.0",
        (false, true, Severity::Warning) => "5.5",
        (false, true, Severity::Note) => "2.0",
        // Validity: a document AWS rejects, or that cannot mean what it says.
        (false, false, Severity::Error) => "5.0",
        (false, false, Severity::Warning) => "3.0",
        (false, false, Severity::Note) => "1.0",
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
        let mut text = prefix(Some("https://example.com/s3")).unwrap();
        for r in &results {
            text.push_str(&stream.item(r).unwrap());
        }
        text.push_str(&stream.close());
        text.push_str(&suffix(true).unwrap());
        let log = SarifLog {
            schema: SCHEMA,
            version: "2.1.0",
            runs: [Run {
                tool: tool(Some("https://example.com/s3")),
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
    fn security_severity_follows_kind_and_severity_within_githubs_bands() {
        let band = |score: &str| {
            let x: f64 = score.parse().unwrap();
            assert!((0.0..=10.0).contains(&x) && score.contains('.'), "{score}");
            match x {
                x if x >= 9.0 => "critical",
                x if x >= 7.0 => "high",
                x if x >= 4.0 => "medium",
                _ => "low",
            }
        };
        assert_eq!(band(security_severity("S101", Severity::Error)), "critical");
        assert_eq!(band(security_severity("S306", Severity::Error)), "high");
        assert_eq!(band(security_severity("S201", Severity::Warning)), "medium");
        assert_eq!(band(security_severity("S507", Severity::Note)), "low");
        assert_eq!(band(security_severity("P107", Severity::Error)), "medium");
        assert_eq!(band(security_severity("P204", Severity::Warning)), "low");
        // Within a kind, a more severe rule never ranks lower.
        for code in ["S101", "S201", "P204", "E001", "C001"] {
            let at = |s| security_severity(code, s).parse::<f64>().unwrap();
            assert!(at(Severity::Error) > at(Severity::Warning));
            assert!(at(Severity::Warning) > at(Severity::Note));
        }
        let rules = tool(None).driver.rules;
        assert!(rules.iter().all(|r| r.help_uri.is_none()));
        let rules = tool(Some("https://x.example/b")).driver.rules;
        assert_eq!(
            rules[0].help_uri.as_deref(),
            Some(format!("https://x.example/b/docs/rules/{}.md", rules[0].id).as_str())
        );
    }

    #[test]
    fn full_description_is_the_first_paragraph_of_what_it_flags() {
        let doc = "# X\n\n## What it flags\n\nOne\ntwo.\n\nMore.\n\n## Why";
        assert_eq!(what_it_flags(doc).as_deref(), Some("One two."));
        assert_eq!(sentence("a thing"), "A thing.");
    }
}
