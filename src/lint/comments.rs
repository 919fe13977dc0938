//! Suppression comments in IaC files: `# s3-access: ignore S201 reason` (`#` or `//` in
//! HCL, `#` in YAML). JSON has no comments, so suppressions of JSON files (plans, JSON
//! templates, policies) stay in `.s3-access.toml` (src/config.rs), which applies to IaC files
//! as well. docs/iac.md states the rule.
//!
//! A comment on its own line covers the block that starts on the next line: that line and the
//! lines after it up to the next line indented as much or less (a closing `}` or `]` still
//! belongs to the block), so above a `resource` or a template's logical id it covers the whole
//! resource, above a statement line that line's element. A comment after code on a line
//! covers that line.

use super::{FileReport, Located};
use crate::diagnostic::Finding;
use crate::registry::Code;
use crate::source::Span;

/// The marker a suppression comment starts with, after `#` or `//`.
const MARKER: &str = "s3-access: ignore";

/// The most suppression comments honoured in one file (a hostile file could hold hundreds of
/// thousands); past this many the rest suppress nothing and one warning says so, so the file
/// never looks cleaner than it is.
const MAX_COMMENTS: usize = 1_000;

/// One suppression comment.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Comment {
    /// The codes it names.
    codes: Vec<Code>,
    /// The lines (1-based, inclusive) it covers.
    lines: (u32, u32),
    /// The comment text, for a finding about the comment itself.
    span: Span,
    /// Whether it says why.
    has_reason: bool,
}

/// Removes the findings the file's suppression comments cover, adds a warning for a comment
/// without a reason or naming no known code; returns how many findings were removed.
pub fn apply(report: &mut FileReport) -> usize {
    let text = report.source.text();
    if !text.contains(MARKER) {
        return 0;
    }
    let (comments, problems) = comments(text);
    let before = report.findings.len();
    report.findings.retain(|f| {
        !comments.iter().any(|c| {
            c.codes.contains(&f.finding.code)
                && c.lines.0 <= f.start.line
                && f.start.line <= c.lines.1
        })
    });
    let removed = before - report.findings.len();
    if !problems.is_empty() {
        let located = crate::load::locate(&report.source, problems, &[]);
        report.findings.extend(located);
        report
            .findings
            .sort_by_key(|f: &Located| (f.finding.span.start, f.finding.span.end, f.finding.code));
    }
    removed
}

/// The suppression comments of `text`, and the findings about malformed ones. One pass over
/// the lines, plus one scan per distinct block (stacked comments share theirs): linear in the
/// file however many comments it has, and no per-line allocation.
fn comments(text: &str) -> (Vec<Comment>, Vec<Finding>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    // Block ends by head line index, and the last head found (line index, byte offset).
    let mut ends: std::collections::HashMap<usize, u32> = std::collections::HashMap::new();
    let mut last_head: Option<(usize, usize)> = None;
    let mut next = 0;
    for (i, line) in text.split('\n').enumerate() {
        let start = next;
        next += line.len() + 1;
        if !line.contains(MARKER) {
            continue;
        }
        let Some((at, body)) = comment_body(line) else {
            continue;
        };
        let Some(rest) = body.trim_start().strip_prefix(MARKER) else {
            continue;
        };
        let span = Span::new(start + at, start + line.trim_end().len());
        if out.len() == MAX_COMMENTS {
            problems.push(too_many(span));
            break;
        }
        let mut words = rest.split_whitespace().peekable();
        let mut codes = Vec::new();
        let mut unknown = Vec::new();
        while let Some(w) = words.next_if(|w| looks_like_code(w)) {
            for c in w.split(',').filter(|c| !c.is_empty()) {
                match Code::lookup(c) {
                    Some(code) => codes.push(code),
                    None => unknown.push(c.to_string()),
                }
            }
        }
        let has_reason = words.peek().is_some();
        if let Some(f) = malformed(span, &codes, &unknown, has_reason) {
            problems.push(f);
        }
        let n = line_number(i);
        let own_line = line.get(..at).is_some_and(|b| b.trim().is_empty());
        let lines = if own_line {
            // Lines between a comment and its head are blank or comments, so a later comment
            // before the same head shares it.
            let head = match last_head {
                Some(h) if h.0 > i => h,
                _ => next_significant(text, next, i + 1),
            };
            last_head = Some(head);
            let end = *ends
                .entry(head.0)
                .or_insert_with(|| block_end(text, head.1, head.0));
            (n + 1, end.max(n + 1))
        } else {
            (n, n)
        };
        out.push(Comment {
            codes,
            lines,
            span,
            has_reason,
        });
    }
    (out, problems)
}

/// The 1-based line number of line index `i`.
fn line_number(i: usize) -> u32 {
    u32::try_from(i + 1).unwrap_or(u32::MAX)
}

/// The first significant line at or after byte `offset` (line index `index`): its index and
/// offset (past the end when there is none).
fn next_significant(text: &str, mut offset: usize, mut index: usize) -> (usize, usize) {
    while let Some(rest) = text.get(offset..).filter(|r| !r.is_empty()) {
        let line = rest.split('\n').next().unwrap_or("");
        if significant(line) {
            return (index, offset);
        }
        offset += line.len() + 1;
        index += 1;
    }
    (index, offset)
}

// rule: C004
/// A suppression comment without a reason, or naming no code the registry has: every
/// suppression says why (as `reason` is required in `.s3-access.toml`), and a misspelt code
/// would suppress nothing.
fn malformed(span: Span, codes: &[Code], unknown: &[String], has_reason: bool) -> Option<Finding> {
    let message = if !unknown.is_empty() {
        format!(
            "this suppression comment names {}, which s3-access does not have",
            unknown
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else if codes.is_empty() {
        "this suppression comment names no code".to_string()
    } else if !has_reason {
        "this suppression comment does not say why".to_string()
    } else {
        return None;
    };
    Some(
        Finding::new(Code::SuppressionComment, span, message)
            .with_help("write `s3-access: ignore CODE reason`, e.g. `# s3-access: ignore S201 served through CloudFront only`"),
    )
}

/// The warning that a file has more suppression comments than are honoured.
fn too_many(span: Span) -> Finding {
    Finding::new(
        Code::SuppressionComment,
        span,
        format!("more than {MAX_COMMENTS} suppression comments in this file; this one and the rest suppress nothing"),
    )
    .with_help("suppress by file and code in .s3-access.toml instead")
}

/// Whether a line holds something besides blanks and a comment.
fn significant(line: &str) -> bool {
    let t = line.trim_start();
    !(t.is_empty() || t.starts_with('#') || t.starts_with("//"))
}

/// Whether a word of a comment is a code list (`S201`, `S201,S203`) rather than the reason.
fn looks_like_code(w: &str) -> bool {
    w.split(',').filter(|c| !c.is_empty()).all(|c| {
        let b = c.as_bytes();
        b.len() == 4 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit)
    }) && !w.trim_matches(',').is_empty()
}

/// The comment of a line: its offset in the line and the text after `#` or `//`. A `#` or
/// `//` inside a string is not a comment (quotes are counted, escapes skipped).
fn comment_body(line: &str) -> Option<(usize, &str)> {
    let bytes = line.as_bytes();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'#' if !in_string => return Some((i, &line[i + 1..])),
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => {
                return Some((i, &line[i + 2..]));
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The last line (1-based) of the block whose head is line index `head` at byte `offset`: up
/// to the next line indented as much or less, blank and comment lines skipped, closing
/// brackets included.
fn block_end(text: &str, offset: usize, head: usize) -> u32 {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut lines = text.get(offset..).unwrap_or("").split('\n');
    let Some(first) = lines.next() else {
        return line_number(head);
    };
    let base = indent(first);
    let mut last = head;
    for (k, l) in lines.enumerate() {
        if !significant(l) {
            continue;
        }
        let t = l.trim_start();
        if indent(l) <= base && !t.starts_with(['}', ']', ')']) {
            break;
        }
        last = head + 1 + k;
    }
    line_number(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comment_covers_the_block_below_it_or_its_own_line() {
        let text = "# s3-access: ignore S201 served only through CloudFront\nresource \"a\" \"b\" {\n  x = 1\n}\nresource \"c\" \"d\" {} // s3-access: ignore P204,P203 legacy\nlater = 1\n";
        let (c, problems) = comments(text);
        assert!(problems.is_empty());
        assert_eq!(c[0].codes, vec![Code::InsecureTransportAllowed]);
        assert_eq!(c[0].lines, (2, 4));
        assert_eq!(c[1].lines, (5, 5));
        assert_eq!(c[1].codes.len(), 2);
    }

    #[test]
    fn yaml_blocks_end_at_the_next_sibling() {
        let text = "Resources:\n  # s3-access: ignore S101 public website\n  Site:\n    Type: AWS::S3::BucketPolicy\n    Properties: {}\n  Other:\n    Type: x\n";
        let (c, _) = comments(text);
        assert_eq!(c[0].lines, (3, 5));
    }

    #[test]
    fn malformed_comments_are_reported_and_strings_are_not_comments() {
        let (c, problems) = comments(
            "# s3-access: ignore S201\n# s3-access: ignore S999 why\nx = \"# s3-access: ignore S201 no\"\n",
        );
        assert_eq!(c.len(), 2);
        assert_eq!(problems.len(), 2);
        assert!(problems[0].message.contains("does not say why"));
        assert!(problems[1].message.contains("`S999`"));
    }
}
