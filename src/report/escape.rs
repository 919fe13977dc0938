//! Output that cannot be forged: every renderer escapes the text it takes from the input
//! (Sids, keys, values, paths, file names, source lines) with [`escape`], so a policy cannot
//! move the cursor, erase a line, hide a finding or reorder a line on the terminal or in a CI
//! log (docs/security.md).
//!
//! Human and GitHub output show an escaped character as `\u{1b}`; JSON and SARIF as the JSON
//! escape `\u001b`, which a JSON reader turns back into the character (serde_json escapes
//! U+0000–U+001F itself, but not DEL, the C1 controls such as CSI U+009B, nor the Unicode
//! direction controls).

use crate::source::{SourceFile, Span};
use miette::{LabeledSpan, MietteError, SourceCode, SpanContents};
use std::borrow::Cow;
use std::fmt::Write;

/// How an escaped character is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// `\u{1b}`, for people (human output, GitHub annotations).
    Visible,
    /// `\u001b`, inside JSON strings (JSON and SARIF documents).
    Json,
}

/// Which of the characters [`is_unsafe`] calls unsafe are kept, because the renderer itself
/// lays text out with them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// None: a one-line field (a file name, a label).
    Nothing,
    /// Line feeds: a message, a whole rendered output.
    Newlines,
    /// Line feeds, tabs and the carriage return of a CR LF pair: the lines of a source file.
    Layout,
}

/// Whether printing `c` could act on a terminal or log instead of showing: the control
/// characters (C0, DEL, C1 such as CSI U+009B), the Unicode direction marks, embeddings,
/// overrides and isolates that reorder a line, and the line and paragraph separators.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// Whether a byte may start an unsafe character: an ASCII control, or the first byte of C1
/// controls (`0xC2`) and of the U+20xx marks (`0xE2`). A quick filter before the exact test;
/// none of these is a UTF-8 continuation byte, so a byte it passes starts a character.
const MAY_START_UNSAFE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = b < 0x20 || b == 0x7f || b == 0xc2 || b == 0xe2;
        b += 1;
    }
    table
};

/// Whether the character starting at byte `i` of `bytes` (a character boundary) must be
/// escaped: [`is_unsafe`] and not kept, tested on its UTF-8 bytes without decoding text.
#[inline]
fn escapes_at(bytes: &[u8], i: usize, keep: Keep) -> bool {
    // Past the end reads as 0: a character is never cut (the text is UTF-8).
    let at = |k: usize| bytes.get(i + k).copied().unwrap_or(0);
    match at(0) {
        b'\n' => keep == Keep::Nothing,
        b'\t' => keep != Keep::Layout,
        b'\r' => keep != Keep::Layout || at(1) != b'\n',
        // C1 controls U+0080–U+009F.
        0xc2 => matches!(at(1), 0x80..=0x9f),
        // U+200E, U+200F, U+2028–U+202E, U+2066–U+2069.
        0xe2 => match at(1) {
            0x80 => matches!(at(2), 0x8e | 0x8f | 0xa8..=0xae),
            0x81 => matches!(at(2), 0xa6..=0xa9),
            _ => false,
        },
        // C0 controls and DEL.
        b => b < 0x20 || b == 0x7f,
    }
}

/// The byte offset of the first character at or after `from` (a character boundary) that
/// `escape` must escape: one pass over the bytes, a table look-up each, decoding nothing
/// (rendered output has a line feed or a box-drawing character every 20 bytes or so).
fn next_escaped(text: &str, from: usize, keep: Keep) -> Option<usize> {
    let bytes = text.as_bytes();
    let rest = bytes.get(from..)?;
    rest.iter()
        .enumerate()
        .find(|(i, b)| MAY_START_UNSAFE[usize::from(**b)] && escapes_at(bytes, from + i, keep))
        .map(|(i, _)| from + i)
}

/// The one escaping function of every renderer: `text` with each unsafe character that
/// `keep` does not keep written as `how` says. Borrowed when there is nothing to escape (the
/// usual case), so normal output is unchanged and costs one scan of the bytes.
pub fn escape(text: &str, keep: Keep, how: Escape) -> Cow<'_, str> {
    let Some(first) = next_escaped(text, 0, keep) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 16);
    let (mut done, mut next) = (0, Some(first));
    while let Some(at) = next {
        out.push_str(text.get(done..at).unwrap_or(""));
        let Some(c) = text.get(at..).and_then(|t| t.chars().next()) else {
            break;
        };
        // Writing to a String cannot fail.
        let _ = match how {
            Escape::Visible => write!(out, "\\u{{{:x}}}", u32::from(c)),
            Escape::Json => write!(out, "\\u{:04x}", u32::from(c)),
        };
        done = at + c.len_utf8();
        next = next_escaped(text, done, keep);
    }
    out.push_str(text.get(done..).unwrap_or(""));
    Cow::Owned(out)
}

/// Human text (a message, a line of output): everything but line feeds escaped, visibly.
pub fn escape_text(text: &str) -> Cow<'_, str> {
    escape(text, Keep::Newlines, Escape::Visible)
}

/// A value as pretty JSON with every unsafe character escaped. In serialised JSON the only
/// raw characters outside strings are spaces and line feeds, so escaping the whole text
/// escapes exactly the strings' characters, with JSON escapes a reader decodes.
pub fn json_text(value: &impl serde::Serialize) -> serde_json::Result<String> {
    let text = serde_json::to_string_pretty(value)?;
    Ok(escape_json(text))
}

/// A serialised JSON text (or a piece of one) with every unsafe character escaped.
pub(crate) fn escape_json(text: String) -> String {
    match escape(&text, Keep::Newlines, Escape::Json) {
        Cow::Borrowed(_) => text,
        Cow::Owned(o) => o,
    }
}

/// A label with its text escaped, when it has characters to escape.
pub(super) fn label(l: &LabeledSpan) -> Option<LabeledSpan> {
    let Cow::Owned(text) = escape(l.label()?, Keep::Nothing, Escape::Visible) else {
        return None;
    };
    Some(if l.primary() {
        LabeledSpan::new_primary_with_span(Some(text), *l.inner())
    } else {
        LabeledSpan::new_with_span(Some(text), *l.inner())
    })
}

/// Whether a snippet's lines must be escaped.
pub(super) enum Hostile {
    /// Nothing to escape: render from the file.
    No,
    /// Render from this escaped window, with these labels.
    Yes(Window, Vec<LabeledSpan>),
    /// The labels are too far apart to copy the lines between them: render without source.
    TooWide,
}

/// Escaped lines of a file: what a snippet shows when its lines hold unsafe characters.
#[derive(Debug)]
pub(super) struct Window {
    name: String,
    text: String,
    /// The 0-based line of the file the window starts at.
    first_line: usize,
}

/// The most bytes of a file copied to escape one snippet.
const MAX_WINDOW: usize = 64 * 1024;

impl Window {
    /// The escaped window around `labels` in `source`, when its lines or name hold unsafe
    /// characters (two lines of context each side: miette shows one).
    pub(super) fn around(source: &SourceFile, labels: &[LabeledSpan]) -> Hostile {
        let text = source.text();
        let lo = labels.iter().map(LabeledSpan::offset).min().unwrap_or(0);
        let hi = labels
            .iter()
            .map(|l| l.offset().saturating_add(l.len()))
            .max()
            .unwrap_or(0);
        let at = |o: usize| source.line_span(u32::try_from(o).unwrap_or(u32::MAX));
        let mut start = at(lo).start as usize;
        let mut end = at(hi).end as usize;
        for _ in 0..2 {
            start = at(start.saturating_sub(1)).start as usize;
            end = at(end.saturating_add(1).min(text.len())).end as usize;
        }
        let end = (end + 1).min(text.len());
        // Only the lines around each label are shown: test those (labels far apart, such as a
        // duplicate key and its first place, would make the whole window quadratic to scan).
        let around = |o: usize| {
            let (mut a, mut b) = (at(o).start as usize, at(o).end as usize);
            for _ in 0..2 {
                a = at(a.saturating_sub(1)).start as usize;
                b = at(b.saturating_add(1).min(text.len())).end as usize;
            }
            text.get(a..(b + 1).min(text.len())).unwrap_or("")
        };
        let name = escape(source.name(), Keep::Nothing, Escape::Visible);
        let shown_unsafe = labels.iter().any(|l| {
            let (a, b) = (l.offset(), l.offset().saturating_add(l.len()));
            // A label over many lines shows its first and last lines.
            [a, b].iter().any(|&o| {
                matches!(
                    escape(around(o), Keep::Layout, Escape::Visible),
                    Cow::Owned(_)
                )
            })
        });
        if matches!(name, Cow::Borrowed(_)) && !shown_unsafe {
            return Hostile::No;
        }
        if end.saturating_sub(start) > MAX_WINDOW {
            return Hostile::TooWide;
        }
        let Some(lines) = text.get(start..end) else {
            return Hostile::No;
        };
        let escaped = escape(lines, Keep::Layout, Escape::Visible);
        let moved = |o: usize| {
            let before = text.get(start..o.clamp(start, end)).unwrap_or("");
            escape(before, Keep::Layout, Escape::Visible).len()
        };
        let labels = labels
            .iter()
            .map(|l| {
                let (a, b) = (moved(l.offset()), moved(l.offset().saturating_add(l.len())));
                let span = Span::new(a, b.max(a));
                let text = l.label().map(str::to_string);
                if l.primary() {
                    LabeledSpan::new_primary_with_span(text, span)
                } else {
                    LabeledSpan::new_with_span(text, span)
                }
            })
            .collect();
        let first_line = source
            .line_col(u32::try_from(start).unwrap_or(u32::MAX))
            .line as usize;
        Hostile::Yes(
            Window {
                name: name.into_owned(),
                text: escaped.into_owned(),
                first_line: first_line.saturating_sub(1),
            },
            labels,
        )
    }
}

impl SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let contents =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            contents.data(),
            *contents.span(),
            contents.line() + self.first_line,
            contents.column(),
            contents.line_count() + self.first_line,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        let text = "a\u{1b}[2K\u{9b}1A\u{7f}\té\n\u{202e}z";
        assert_eq!(
            escape(text, Keep::Newlines, Escape::Visible),
            "a\\u{1b}[2K\\u{9b}1A\\u{7f}\\u{9}é\n\\u{202e}z"
        );
        assert_eq!(
            escape(text, Keep::Nothing, Escape::Json),
            "a\\u001b[2K\\u009b1A\\u007f\\u0009é\\u000a\\u202ez"
        );
        assert_eq!(
            escape("x\r\n\ty\rz", Keep::Layout, Escape::Visible),
            "x\r\n\ty\\u{d}z"
        );
        assert!(matches!(
            escape("plain é → │ ─ text\n", Keep::Newlines, Escape::Visible),
            Cow::Borrowed(_)
        ));
    }

    /// The definition `escape` implements: each character tested with [`is_unsafe`].
    fn by_characters(text: &str, keep: Keep, how: Escape) -> String {
        let mut out = String::new();
        for (i, c) in text.char_indices() {
            let kept = match keep {
                Keep::Nothing => false,
                Keep::Newlines => c == '\n',
                Keep::Layout => {
                    c == '\n' || c == '\t' || (c == '\r' && text[i + 1..].starts_with('\n'))
                }
            };
            match how {
                _ if !is_unsafe(c) || kept => out.push(c),
                Escape::Visible => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
                Escape::Json => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            }
        }
        out
    }

    #[test]
    fn the_byte_level_test_escapes_exactly_the_unsafe_characters() {
        // Every character sharing a first byte with an unsafe one (U+0000–U+0FFF, U+2000–U+2FFF),
        // in every place that matters to `Keep::Layout`, and a few others.
        let chars = (0u32..0x1000)
            .chain(0x2000..0x3000)
            .chain([0xfeff, 0xfffd, 0x1f600, 0x10ffff])
            .filter_map(char::from_u32);
        for c in chars {
            for text in [
                format!("{c}"),
                format!("a{c}b\n"),
                format!("\r{c}\r\n\t"),
                format!("é{c}\r"),
                // At many offsets, after ASCII, before two-byte characters.
                format!(
                    "{}{c}{}\r",
                    "x".repeat(u32::from(c) as usize % 41),
                    "é".repeat(9)
                ),
            ] {
                for keep in [Keep::Nothing, Keep::Newlines, Keep::Layout] {
                    for how in [Escape::Visible, Escape::Json] {
                        let got = escape(&text, keep, how);
                        let want = by_characters(&text, keep, how);
                        assert_eq!(got, want, "{text:?} {keep:?} {how:?}");
                        assert_eq!(matches!(got, Cow::Borrowed(_)), want == text);
                    }
                }
            }
        }
    }

    #[test]
    fn escaped_json_reads_back_to_the_same_value() {
        let value =
            serde_json::json!({"Sid": "x\u{1b}[2K\u{9b}\u{7f}\u{85}\u{202e}y", "n": [1, 2]});
        let text = json_text(&value).unwrap();
        assert!(!text.chars().any(|c| is_unsafe(c) && c != '\n'), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }
}
