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

/// The suppression comments of `text`, and the findings about malformed ones.
fn comments(text: &str) -> (Vec<Comment>, Vec<Finding>) {
    let lines: Vec<(usize, &str)> = line_starts(text);
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, &(start, line)) in lines.iter().enumerate() {
        let Some((at, body)) = comment_body(line) else {
            continue;
        };
        let Some(rest) = body.trim_start().strip_prefix(MARKER) else {
            continue;
        };
        let span = Span::new(start + at, start + line.trim_end().len());
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
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let own_line = line[..at].trim().is_empty();
        let lines = if own_line {
            (n + 1, block_end(&lines, i + 1).max(n + 1))
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

// rule: C003
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

/// Whether a word of a comment is a code list (`S201`, `S201,S203`) rather than the reason.
fn looks_like_code(w: &str) -> bool {
    w.split(',').filter(|c| !c.is_empty()).all(|c| {
        let b = c.as_bytes();
        b.len() == 4 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit)
    }) && !w.trim_matches(',').is_empty()
}

/// Each line with the byte offset where it starts.
fn line_starts(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for line in text.split('\n') {
        out.push((start, line));
        start += line.len() + 1;
    }
    out
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

/// The last line (1-based) of the block starting at line index `first`: up to the next line
/// indented as much or less, blank and comment lines skipped, closing brackets included.
fn block_end(lines: &[(usize, &str)], first: usize) -> u32 {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let Some(&(_, head)) = lines.get(first) else {
        return 0;
    };
    let base = indent(head);
    let mut last = first;
    for (j, &(_, l)) in lines.iter().enumerate().skip(first + 1) {
        let t = l.trim_start();
        if t.is_empty() || t.starts_with('#') || t.starts_with("//") {
            continue;
        }
        if indent(l) <= base && !t.starts_with(['}', ']', ')']) {
            break;
        }
        last = j;
    }
    u32::try_from(last + 1).unwrap_or(u32::MAX)
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
