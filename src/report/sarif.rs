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
use serde_json::{Value, json};
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

/// The log is written in three pieces, so that results stream file by file: [`prefix`] (the
/// tool and its rules), each file's [`results`] (items of the run's `results` array, written
/// with [`crate::report::stream::ArrayStream`] at indent 6), and [`suffix`] (whether the run
/// succeeded).
pub fn prefix() -> serde_json::Result<String> {
    let rules: Vec<Value> = RULES.iter().map(rule).collect();
    let home = repository();
    let tool = json!({"driver": {
        "name": "s3-access",
        "informationUri": home,
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    }});
    let base = json!({"%SRCROOT%": {
        "description": {"text": "The repository root: the directory s3-access lint ran in."},
    }});
    Ok(format!(
        "{{\n  \"$schema\": {},\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {{\n      \"tool\": {},\n      \"columnKind\": \"unicodeCodePoints\",\n      \"originalUriBaseIds\": {},\n      \"results\": [",
        serde_json::to_string(SCHEMA)?,
        crate::report::stream::pretty_at(&tool, 6)?,
        crate::report::stream::pretty_at(&base, 6)?,
    ))
}

/// The end of the log, after the `results` array is closed. `successful` is false when some
/// file could not be read.
pub fn suffix(successful: bool) -> serde_json::Result<String> {
    let invocations = json!([{"executionSuccessful": successful}]);
    Ok(format!(
        ",\n      \"invocations\": {}\n    }}\n  ]\n}}",
        crate::report::stream::pretty_at(&invocations, 6)?
    ))
}

/// The results of a file's findings. `path` is the file relative to the repository root (the
/// `%SRCROOT%` that code scanning resolves against), with `/` separators.
pub fn results(report: &FileReport, path: &str) -> Vec<Value> {
    let mut out = Vec::new();
    {
        let uri = uri_reference(path);
        let mut occurrences: HashMap<(&str, &str, &str), usize> = HashMap::new();
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
            let related: Vec<Value> = f
                .related
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    json!({
                        "id": i + 1,
                        "message": {"text": r.message},
                        "physicalLocation": physical(
                            &uri,
                            report.source.line_col(r.span.start),
                            report.source.line_col(r.span.end),
                        ),
                    })
                })
                .collect();
            let mut result = json!({
                "ruleId": info.code,
                "ruleIndex": f.code as usize,
                "level": level(f.severity),
                "message": {"text": text},
                "locations": [{
                    "physicalLocation": physical(&uri, item.start, item.end),
                }],
                "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
                "properties": {"pointer": item.path},
            });
            if !related.is_empty() {
                result["relatedLocations"] = Value::Array(related);
            }
            out.push(result);
        }
    }
    out
}

fn rule(r: &RuleInfo) -> Value {
    json!({
        "id": r.code,
        "name": r.name,
        "shortDescription": {"text": sentence(r.summary)},
        "fullDescription": {"text": what_it_flags(r.doc).unwrap_or_else(|| sentence(r.summary))},
        "help": {"text": r.doc, "markdown": r.doc},
        "helpUri": format!("{}/blob/main/docs/rules/{}.md", repository(), r.code),
        "defaultConfiguration": {"level": level(r.severity)},
        "properties": {"tags": [category(r.code)]},
    })
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

fn physical(uri: &str, start: LineCol, end: LineCol) -> Value {
    json!({
        "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
        "region": {
            "startLine": start.line,
            "startColumn": start.column,
            "endLine": end.line,
            "endColumn": end.column,
        },
    })
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
    fn full_description_is_the_first_paragraph_of_what_it_flags() {
        let doc = "# X\n\n## What it flags\n\nOne\ntwo.\n\nMore.\n\n## Why";
        assert_eq!(what_it_flags(doc).as_deref(), Some("One two."));
        assert_eq!(sentence("a thing"), "A thing.");
    }
}
