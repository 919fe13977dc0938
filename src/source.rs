//! Source files, byte spans and line/column positions.
//!
//! Every node the reader produces carries a [`Span`] of byte offsets into the text of the file
//! the user has, so a diagnostic can always point at the exact token, even inside a policy that
//! the AWS CLI embedded as a JSON string.

use std::sync::Arc;

/// A half-open range of byte offsets `[start, end)` into a source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from two byte offsets (saturating at `u32::MAX`).
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }

    /// Whether the span covers no byte.
    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }

    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        miette::SourceSpan::new((span.start as usize).into(), span.len())
    }
}

/// A 1-based line and column (columns count Unicode scalar values, as editors do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct LineCol {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

/// A named source text with a line index, shared cheaply between findings.
#[derive(Debug, Clone)]
pub struct SourceFile {
    inner: Arc<SourceInner>,
}

#[derive(Debug)]
struct SourceInner {
    name: String,
    text: String,
    /// Built on first use: most files linted have no finding to place.
    index: std::sync::OnceLock<Index>,
}

/// Where lines start, and character counts, for placing findings.
#[derive(Debug)]
struct Index {
    line_starts: Vec<u32>,
    /// The number of characters before each multiple of [`CHECKPOINT`] bytes, so a column is
    /// found without counting a whole (possibly megabytes long, minified) line.
    char_checkpoints: Vec<u32>,
    /// Whether the text has a `\r` (miette then counts lines differently from `line_starts`).
    has_cr: bool,
    /// Whether every character is one byte (columns are then byte differences).
    ascii: bool,
}

impl Index {
    fn of(text: &str) -> Index {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0u32];
        let mut char_checkpoints = Vec::with_capacity(bytes.len() / CHECKPOINT + 2);
        let mut chars = 0u32;
        // One checkpoint-sized chunk at a time: the character count and the `\r` test are
        // branch-free loops the compiler vectorises; only newlines are visited one by one.
        for (n, chunk) in bytes.chunks(CHECKPOINT).enumerate() {
            char_checkpoints.push(chars);
            let base = n * CHECKPOINT;
            line_starts.extend(
                chunk
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| **b == b'\n')
                    .map(|(i, _)| u32::try_from(base + i + 1).unwrap_or(u32::MAX)),
            );
            let in_chunk = chunk.iter().filter(|b| starts_char(**b)).count();
            chars = chars.saturating_add(u32::try_from(in_chunk).unwrap_or(u32::MAX));
        }
        if bytes.len().is_multiple_of(CHECKPOINT) {
            char_checkpoints.push(chars);
        }
        Index {
            line_starts,
            char_checkpoints,
            has_cr: bytes.contains(&b'\r'),
            ascii: chars as usize == bytes.len(),
        }
    }
}

/// Spacing of the character-count checkpoints, in bytes.
const CHECKPOINT: usize = 1024;

/// Whether a byte starts a character (is not a UTF-8 continuation byte).
fn starts_char(b: u8) -> bool {
    b & 0xC0 != 0x80
}

impl SourceFile {
    /// Wraps a text under a display name (a path, or `<stdin>`).
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        SourceFile {
            inner: Arc::new(SourceInner {
                name: name.into(),
                text: text.into(),
                index: std::sync::OnceLock::new(),
            }),
        }
    }

    fn index(&self) -> &Index {
        self.inner.index.get_or_init(|| Index::of(&self.inner.text))
    }

    /// The display name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The full text.
    pub fn text(&self) -> &str {
        &self.inner.text
    }

    /// The text a span covers (empty when the span is out of range).
    pub fn slice(&self, span: Span) -> &str {
        self.inner
            .text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    /// The 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let starts = &self.index().line_starts;
        let line_index = match starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let line_start = starts.get(line_index).copied().unwrap_or(0) as usize;
        let text = &self.inner.text;
        let mut end = (offset as usize).min(text.len());
        while end > line_start && !text.is_char_boundary(end) {
            end -= 1;
        }
        let column = if self.index().ascii {
            end.saturating_sub(line_start)
        } else {
            self.chars_before(end)
                .saturating_sub(self.chars_before(line_start))
        };
        LineCol {
            line: u32::try_from(line_index + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }

    /// The number of characters before byte `offset` (a character boundary), counting at
    /// most [`CHECKPOINT`] bytes.
    fn chars_before(&self, offset: usize) -> usize {
        let bytes = self.inner.text.as_bytes();
        let offset = offset.min(bytes.len());
        let block = offset / CHECKPOINT;
        let base = self
            .index()
            .char_checkpoints
            .get(block)
            .copied()
            .unwrap_or(0) as usize;
        let from = (block * CHECKPOINT).min(offset);
        base + bytes
            .get(from..offset)
            .map_or(0, |s| s.iter().filter(|b| starts_char(**b)).count())
    }

    /// Whether two handles share the same underlying file.
    pub fn same(&self, other: &SourceFile) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl SourceFile {
    /// The 0-based index of the line holding byte `offset`.
    fn line_index(&self, offset: usize) -> usize {
        self.index()
            .line_starts
            .partition_point(|s| *s as usize <= offset)
            .saturating_sub(1)
    }

    /// The line holding byte `offset`, without its line break.
    pub fn line_span(&self, offset: u32) -> Span {
        let starts = &self.index().line_starts;
        let i = self.line_index(offset as usize);
        let start = starts.get(i).copied().unwrap_or(0) as usize;
        let end = starts
            .get(i + 1)
            .map_or(self.inner.text.len(), |s| (*s as usize).saturating_sub(1));
        Span::new(start, end.max(start))
    }
}

impl miette::SourceCode for SourceFile {
    /// Reads the span and its context lines from a window of whole lines around it: miette
    /// scans its input from the start, so reading from the whole text costs the length of the
    /// file for every finding, which is quadratic in a large file with many findings.
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let text = self.inner.text.as_str();
        let starts = &self.index().line_starts;
        let (offset, end) = (span.offset(), span.offset().saturating_add(span.len()));
        // One extra line on each side, so the window reads exactly like the whole text.
        let first = self
            .line_index(offset)
            .saturating_sub(context_lines_before.saturating_add(1));
        let last = self
            .line_index(end)
            .saturating_add(context_lines_after)
            .saturating_add(2);
        let win_start = starts.get(first).map_or(0, |s| *s as usize);
        let win_end = starts.get(last).map_or(text.len(), |s| *s as usize);
        // Line breaks with `\r` count differently in miette: then read the whole text.
        let window = match text.get(win_start..win_end) {
            Some(w) if win_start <= offset && end <= win_end && !self.index().has_cr => w,
            _ => text,
        };
        let (base, line_base) = if window.len() == text.len() {
            (0, 0)
        } else {
            (win_start, first)
        };
        let local = miette::SourceSpan::new((offset - base).into(), span.len());
        let contents = window.read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.inner.name.clone(),
            contents.data(),
            miette::SourceSpan::new(
                (contents.span().offset() + base).into(),
                contents.span().len(),
            ),
            contents.line() + line_base,
            contents.column(),
            contents.line_count() + line_base,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let file = SourceFile::new("f.json", "{\n  \"é\": 1\n}");
        assert_eq!(file.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(file.line_col(4), LineCol { line: 2, column: 3 });
        // The `1` after a two-byte character: column counts characters, not bytes.
        let one = file.text().find('1').unwrap() as u32;
        assert_eq!(file.line_col(one), LineCol { line: 2, column: 8 });
    }

    #[test]
    fn snippets_read_from_a_window_match_reading_the_whole_text() {
        use miette::SourceCode;
        let mut text = String::new();
        for i in 0..40 {
            text.push_str(&format!("line {i} {}\n", "é".repeat(i % 3)));
            if i % 7 == 0 {
                text.push('\n');
            }
        }
        text.push_str("last line without newline");
        let file = SourceFile::new("f.json", text.clone());
        let offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        for (n, &start) in offsets.iter().enumerate().step_by(3) {
            for &end in offsets.iter().skip(n).step_by(17).take(4) {
                let span = miette::SourceSpan::new(start.into(), end - start);
                for context in [0, 1, 2] {
                    let whole = text.as_str().read_span(&span, context, context).unwrap();
                    let window = file.read_span(&span, context, context).unwrap();
                    let at = format!("{start}..{end} context {context}");
                    assert_eq!(window.data(), whole.data(), "{at}");
                    assert_eq!(window.span(), whole.span(), "{at}");
                    assert_eq!(window.line(), whole.line(), "{at}");
                    assert_eq!(window.column(), whole.column(), "{at}");
                    assert_eq!(window.line_count(), whole.line_count(), "{at}");
                }
            }
        }
        assert_eq!(file.slice(file.line_span(7)), "line 0 ");
    }

    #[test]
    fn columns_on_long_lines_count_characters_across_checkpoints() {
        // A minified file is one long line; columns must stay exact past every checkpoint,
        // with multi-byte characters straddling them.
        let text = format!("{}x{}", "é".repeat(3 * CHECKPOINT), "a".repeat(5));
        let file = SourceFile::new("f.json", text.clone());
        for (offset, _) in text.char_indices() {
            let expected = text[..offset].chars().count() as u32 + 1;
            assert_eq!(file.line_col(offset as u32).column, expected, "{offset}");
        }
        let mid = text.len() - 3;
        assert_eq!(file.line_col(mid as u32).column, 3 * CHECKPOINT as u32 + 4);
        let multi = SourceFile::new("g.json", format!("ab\n{}é\nc", "é".repeat(CHECKPOINT)));
        let c = multi.text().rfind('c').unwrap() as u32;
        assert_eq!(multi.line_col(c), LineCol { line: 3, column: 1 });
        let last = multi.text().rfind('\n').unwrap() as u32;
        assert_eq!(multi.line_col(last).column, CHECKPOINT as u32 + 2);
        let exact = SourceFile::new("h.json", "é".repeat(CHECKPOINT));
        assert_eq!(
            exact.line_col(2 * CHECKPOINT as u32).column,
            CHECKPOINT as u32 + 1
        );
    }
}
