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
    /// Built on first use: most files linted have no findings to place.
    lines: std::sync::OnceLock<Lines>,
}

#[derive(Debug)]
struct Lines {
    starts: Vec<u32>,
    /// Whether the text has a `\r` (miette then counts lines differently from `starts`).
    has_cr: bool,
}

impl Lines {
    fn of(text: &str) -> Lines {
        let mut starts = vec![0u32];
        let mut has_cr = false;
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                starts.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
            }
            has_cr |= b == b'\r';
        }
        Lines { starts, has_cr }
    }
}

impl SourceFile {
    /// Wraps a text under a display name (a path, or `<stdin>`).
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        SourceFile {
            inner: Arc::new(SourceInner {
                name: name.into(),
                text: text.into(),
                lines: std::sync::OnceLock::new(),
            }),
        }
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
        let starts = &self.lines().starts;
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
        let column = text.get(line_start..end).map_or(0, |s| s.chars().count());
        LineCol {
            line: u32::try_from(line_index + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }

    fn lines(&self) -> &Lines {
        self.inner.lines.get_or_init(|| Lines::of(&self.inner.text))
    }

    /// Whether two handles share the same underlying file.
    pub fn same(&self, other: &SourceFile) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl miette::SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let text = self.inner.text.as_str();
        // miette scans from the start of the text to the span; a large file with many
        // findings would be scanned once per finding. Scanning from the first context line
        // instead gives the same contents (that scan's state at a line start is its line
        // count and the last context lines), shifted by the skipped lines and bytes.
        // Without `\r`, miette's lines are exactly the line index.
        let lines = self.lines();
        let (skip_lines, skip_bytes) = if lines.has_cr {
            (0, 0)
        } else {
            let starts = &lines.starts;
            let offset = u32::try_from(span.offset()).unwrap_or(u32::MAX);
            let line = match starts.binary_search(&offset) {
                Ok(i) => i,
                Err(i) => i.saturating_sub(1),
            };
            match line.checked_sub(context_lines_before) {
                Some(first) => (first, starts.get(first).map_or(0, |&b| b as usize)),
                None => (0, 0),
            }
        };
        // An empty span ends one byte before it starts: at a line start, that is in the line
        // before, so the scan must begin earlier.
        let (skip_lines, skip_bytes) = if span.is_empty() && span.offset() == skip_bytes {
            (0, 0)
        } else {
            (skip_lines, skip_bytes)
        };
        let window = text.get(skip_bytes..).unwrap_or("");
        let shifted =
            miette::SourceSpan::new(span.offset().saturating_sub(skip_bytes).into(), span.len());
        let contents = window.read_span(&shifted, context_lines_before, context_lines_after)?;
        let found = *contents.span();
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.inner.name.clone(),
            contents.data(),
            miette::SourceSpan::new((found.offset() + skip_bytes).into(), found.len()),
            contents.line() + skip_lines,
            contents.column(),
            contents.line_count() + skip_lines,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_read_as_miette_reads_them_from_the_start() {
        use miette::SourceCode;
        let texts = [
            "{\n  \"a\": 1,\n  \"b\": [\n    \"x\",\n    \"é\"\n  ]\n}\n",
            "one line only",
            "\n\n\nx\n\ny\n",
            "a\r\nb\rc\nd\r\n",
        ];
        for text in texts {
            let file = SourceFile::new("f.json", text);
            for start in 0..=text.len() {
                for len in [0, 1, 3] {
                    for (before, after) in [(0, 0), (1, 1), (2, 0), (0, 3)] {
                        let span = miette::SourceSpan::new(start.into(), len);
                        let ours = file.read_span(&span, before, after);
                        let theirs = text.read_span(&span, before, after);
                        match (ours, theirs) {
                            (Ok(a), Ok(b)) => {
                                let what = format!("{text:?} {start} {len} {before} {after}");
                                assert_eq!(a.data(), b.data(), "{what}");
                                assert_eq!(a.span(), b.span(), "{what}");
                                assert_eq!(a.line(), b.line(), "{what}");
                                assert_eq!(a.column(), b.column(), "{what}");
                                assert_eq!(a.line_count(), b.line_count(), "{what}");
                            }
                            (Err(_), Err(_)) => {}
                            _ => panic!("{text:?} {start} {len}: one failed"),
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let file = SourceFile::new("f.json", "{\n  \"é\": 1\n}");
        assert_eq!(file.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(file.line_col(4), LineCol { line: 2, column: 3 });
        // The `1` after a two-byte character: column counts characters, not bytes.
        let one = file.text().find('1').unwrap() as u32;
        assert_eq!(file.line_col(one), LineCol { line: 2, column: 8 });
    }
}
