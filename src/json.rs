//! A strict JSON reader that keeps a byte span for every key and value.
//!
//! AWS parses policies with a strict JSON parser: comments, trailing commas, single quotes,
//! `NaN`/`Infinity` and invalid UTF-8 are rejected, so they are rejected here too, with a
//! message that names the mistake. Duplicate keys are kept (a map would silently keep one of
//! them) and reported by the caller with both locations. Nesting depth and input size are
//! bounded so hostile input cannot exhaust the stack or memory.

use crate::source::Span;

/// The deepest nesting accepted. Real policies nest about six levels.
pub const MAX_DEPTH: usize = 128;

/// The largest input accepted, in bytes. Policies are at most 20 KB, but
/// `aws iam get-account-authorization-details` output for a large account can be tens of MB.
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;

/// A JSON value with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// What the value is.
    pub kind: Kind,
    /// Where it is, including quotes and brackets.
    pub span: Span,
}

/// The kinds of JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, kept as its source text so no precision is lost.
    Number(Box<str>),
    /// A string, decoded.
    String(Box<str>),
    /// An array.
    Array(Vec<Value>),
    /// An object, members in source order (duplicates kept).
    Object(Vec<Member>),
}

/// One `"key": value` member of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The decoded key.
    pub key: Box<str>,
    /// The key's span, including quotes.
    pub key_span: Span,
    /// The value.
    pub value: Value,
}

impl Value {
    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }

    /// The members, if this is an object.
    pub fn as_object(&self) -> Option<&[Member]> {
        match &self.kind {
            Kind::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match &self.kind {
            Kind::Array(v) => Some(v),
            _ => None,
        }
    }

    /// The first member with exactly this key, if this is an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?
            .iter()
            .find(|m| &*m.key == key)
            .map(|m| &m.value)
    }

    /// A short name of the value's JSON type, for messages.
    pub fn type_name(&self) -> &'static str {
        self.kind.type_name()
    }

    /// Shifts every span through `map` (used to relocate a document parsed from a string
    /// embedded in another file).
    pub fn remap(&mut self, map: &impl Fn(u32) -> u32) {
        self.span = Span {
            start: map(self.span.start),
            end: map(self.span.end),
        };
        match &mut self.kind {
            Kind::Array(items) => items.iter_mut().for_each(|v| v.remap(map)),
            Kind::Object(members) => {
                for m in members {
                    m.key_span = Span {
                        start: map(m.key_span.start),
                        end: map(m.key_span.end),
                    };
                    m.value.remap(map);
                }
            }
            _ => {}
        }
    }
}

impl Kind {
    /// A short name of the JSON type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool(_) => "boolean",
            Kind::Number(_) => "number",
            Kind::String(_) => "string",
            Kind::Array(_) => "array",
            Kind::Object(_) => "object",
        }
    }
}

/// Why the input is not strict JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input ended inside a value.
    UnexpectedEnd,
    /// A character that cannot start or continue a value here.
    UnexpectedChar(char),
    /// A `//` or `/* */` comment.
    Comment,
    /// A comma before `]` or `}`.
    TrailingComma,
    /// A string in single quotes.
    SingleQuote,
    /// `NaN`, `Infinity` or another bare word.
    BareWord(String),
    /// A malformed number such as `01`, `1.` or `+1`.
    BadNumber,
    /// A control character (U+0000 to U+001F) inside a string.
    ControlInString,
    /// A bad `\` escape.
    BadEscape,
    /// A lone UTF-16 surrogate in a `\u` escape.
    LoneSurrogate,
    /// An object key that is not a string.
    KeyNotString,
    /// A missing `:` after a key.
    MissingColon,
    /// A missing `,` between elements.
    MissingComma,
    /// Text after the top-level value.
    TrailingContent,
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep,
    /// Input larger than [`MAX_INPUT_BYTES`].
    TooLarge,
    /// Bytes that are not valid UTF-8.
    InvalidUtf8,
    /// An empty input.
    Empty,
}

/// A JSON syntax error and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What is wrong.
    pub kind: ErrorKind,
    /// Where.
    pub span: Span,
}

impl Error {
    /// A one-line message, lowercase, no final period.
    pub fn message(&self) -> String {
        match &self.kind {
            ErrorKind::UnexpectedEnd => "unexpected end of input".into(),
            ErrorKind::UnexpectedChar(c) => format!("unexpected character `{}`", c.escape_debug()),
            ErrorKind::Comment => "comments are not allowed in JSON".into(),
            ErrorKind::TrailingComma => "trailing comma".into(),
            ErrorKind::SingleQuote => "strings must be in double quotes".into(),
            ErrorKind::BareWord(w) => format!("`{w}` is not a JSON value"),
            ErrorKind::BadNumber => "malformed number".into(),
            ErrorKind::ControlInString => "control character inside a string".into(),
            ErrorKind::BadEscape => "invalid escape sequence".into(),
            ErrorKind::LoneSurrogate => "lone UTF-16 surrogate in a `\\u` escape".into(),
            ErrorKind::KeyNotString => "object keys must be strings in double quotes".into(),
            ErrorKind::MissingColon => "expected `:` after the key".into(),
            ErrorKind::MissingComma => "expected `,` or the end of the list".into(),
            ErrorKind::TrailingContent => "unexpected content after the JSON value".into(),
            ErrorKind::TooDeep => format!("nesting deeper than {MAX_DEPTH} levels"),
            ErrorKind::TooLarge => format!("input larger than {} MiB", MAX_INPUT_BYTES >> 20),
            ErrorKind::InvalidUtf8 => "invalid UTF-8".into(),
            ErrorKind::Empty => "the file is empty".into(),
        }
    }

    /// Extra advice for the user, where there is some.
    pub fn help(&self) -> Option<&'static str> {
        match &self.kind {
            ErrorKind::Comment => Some("AWS rejects comments in policies; remove them"),
            ErrorKind::TrailingComma => Some("AWS rejects trailing commas; remove this comma"),
            ErrorKind::SingleQuote => Some("JSON strings use double quotes (\")"),
            ErrorKind::BareWord(_) => {
                Some("JSON has no NaN or Infinity; quote the text if it is a string")
            }
            ErrorKind::InvalidUtf8 => Some("save the file as UTF-8"),
            ErrorKind::ControlInString => Some("write control characters as escapes, e.g. \\n"),
            _ => None,
        }
    }
}

/// Reads raw bytes as UTF-8 text, enforcing the size limit and locating the first bad byte.
pub fn decode_utf8(bytes: Vec<u8>) -> Result<String, (Error, String)> {
    if bytes.len() > MAX_INPUT_BYTES {
        let err = Error {
            kind: ErrorKind::TooLarge,
            span: Span::new(0, 0),
        };
        return Err((err, String::new()));
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bad_len = e.utf8_error().error_len().unwrap_or(1);
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            // Lossy decoding replaces the bad bytes with U+FFFD (3 bytes); point at it.
            let _ = bad_len;
            let err = Error {
                kind: ErrorKind::InvalidUtf8,
                span: Span::new(at, (at + 3).min(text.len())),
            };
            Err((err, text))
        }
    }
}

/// The length of a UTF-8 byte-order mark at the start of `text` (0 or 3).
pub fn bom_len(text: &str) -> usize {
    if text.starts_with('\u{feff}') { 3 } else { 0 }
}

/// Parses `text` as one strict JSON value. A leading byte-order mark is skipped (the caller
/// reports it); spans are byte offsets into `text`.
pub fn parse(text: &str) -> Result<Value, Error> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(Error {
            kind: ErrorKind::TooLarge,
            span: Span::new(0, 0),
        });
    }
    let mut p = Parser {
        bytes: text.as_bytes(),
        text,
        pos: bom_len(text),
        depth: 0,
        items: Vec::new(),
        members: Vec::new(),
    };
    p.skip_ws()?;
    if p.pos >= p.bytes.len() {
        return Err(Error {
            kind: ErrorKind::Empty,
            span: Span::new(0, 0),
        });
    }
    let value = p.value()?;
    p.skip_ws()?;
    if p.pos < p.bytes.len() {
        let start = p.pos;
        return Err(p.err_at(ErrorKind::TrailingContent, start, p.char_end(start)));
    }
    Ok(value)
}

/// Parses a JSON document that is embedded, as a JSON string literal, in another file (the AWS
/// CLI prints `{"Policy": "<policy as a string>"}`). `literal` is the span of the string
/// literal (with quotes) in `file_text`; every span of the result, and of an error, points
/// into `file_text`, so diagnostics land on the right line and column of the user's file.
pub fn parse_embedded(file_text: &str, literal: Span) -> Result<Value, Error> {
    let raw = file_text
        .get(literal.start as usize..literal.end as usize)
        .unwrap_or("");
    let (decoded, map) = decode_with_map(raw, literal.start);
    let relocate = |offset: u32| map.to_source(offset);
    match parse(&decoded) {
        Ok(mut value) => {
            value.remap(&relocate);
            Ok(value)
        }
        Err(mut e) => {
            e.span = Span {
                start: relocate(e.span.start),
                end: relocate(e.span.end),
            };
            Err(e)
        }
    }
}

/// Maps byte offsets in a decoded string back to offsets in the source literal.
struct OffsetMap {
    /// (decoded offset, source offset) after each escape, ascending; starts with (0, first).
    points: Vec<(u32, u32)>,
}

impl OffsetMap {
    fn to_source(&self, decoded: u32) -> u32 {
        let i = match self.points.binary_search_by_key(&decoded, |p| p.0) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let (d, s) = self.points.get(i).copied().unwrap_or((0, 0));
        s + (decoded - d)
    }
}

/// Decodes a string literal (already validated by the parser) and records where escapes
/// shift offsets.
fn decode_with_map(raw: &str, base: u32) -> (String, OffsetMap) {
    let inner = raw
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or("");
    let mut out = String::with_capacity(inner.len());
    let mut points = vec![(0u32, base + 1)];
    let bytes = inner.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes.get(i) == Some(&b'\\') {
            let (ch, used) = decode_escape(inner, i).unwrap_or(('\u{fffd}', 2));
            out.push(ch);
            i += used;
            let d = u32::try_from(out.len()).unwrap_or(u32::MAX);
            let s = base + 1 + u32::try_from(i).unwrap_or(u32::MAX);
            points.push((d, s));
        } else {
            let next = inner
                .get(i..)
                .and_then(|s| s.find('\\'))
                .map_or(bytes.len(), |n| i + n);
            out.push_str(inner.get(i..next).unwrap_or(""));
            i = next;
        }
    }
    (out, OffsetMap { points })
}

/// Decodes one escape starting at `at` (the backslash); returns the character and the bytes used.
fn decode_escape(s: &str, at: usize) -> Option<(char, usize)> {
    let b = s.as_bytes();
    let c = *b.get(at + 1)?;
    let simple = match c {
        b'"' => Some('"'),
        b'\\' => Some('\\'),
        b'/' => Some('/'),
        b'b' => Some('\u{8}'),
        b'f' => Some('\u{c}'),
        b'n' => Some('\n'),
        b'r' => Some('\r'),
        b't' => Some('\t'),
        _ => None,
    };
    if let Some(ch) = simple {
        return Some((ch, 2));
    }
    if c != b'u' {
        return None;
    }
    let hi = hex4(s.get(at + 2..at + 6)?)?;
    if (0xD800..0xDC00).contains(&hi) {
        if s.get(at + 6..at + 8)? != "\\u" {
            return None;
        }
        let lo = hex4(s.get(at + 8..at + 12)?)?;
        if !(0xDC00..0xE000).contains(&lo) {
            return None;
        }
        let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
        return Some((char::from_u32(cp)?, 12));
    }
    Some((char::from_u32(hi)?, 6))
}

fn hex4(s: &str) -> Option<u32> {
    if s.len() != 4 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

/// The values of `stack` from `base` on, in a vector of their exact size. The outermost
/// container takes the stack itself (shrunk in place) instead of a copy, so a huge
/// top-level array or object is not held twice at its peak.
fn take_from<T>(stack: &mut Vec<T>, base: usize) -> Vec<T> {
    if base == 0 {
        let mut all = std::mem::take(stack);
        all.shrink_to_fit();
        all
    } else {
        stack.drain(base..).collect()
    }
}

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: usize,
    /// Elements and members of the arrays and objects being read, innermost last: each is
    /// moved into a vector of its exact size when it ends, instead of growing one per value.
    items: Vec<Value>,
    members: Vec<Member>,
}

impl Parser<'_> {
    fn err_at(&self, kind: ErrorKind, start: usize, end: usize) -> Error {
        Error {
            kind,
            span: Span::new(start, end),
        }
    }

    /// The end of the character starting at `at`.
    fn char_end(&self, at: usize) -> usize {
        self.text
            .get(at..)
            .and_then(|s| s.chars().next())
            .map_or(at, |c| at + c.len_utf8())
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) -> Result<(), Error> {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' => self.pos += 1,
                b'/' if matches!(self.bytes.get(self.pos + 1), Some(b'/' | b'*')) => {
                    let start = self.pos;
                    let end = if self.bytes.get(self.pos + 1) == Some(&b'/') {
                        self.text
                            .get(start..)
                            .and_then(|s| s.find('\n'))
                            .map_or(self.bytes.len(), |n| start + n)
                    } else {
                        self.text
                            .get(start + 2..)
                            .and_then(|s| s.find("*/"))
                            .map_or(self.bytes.len(), |n| start + 2 + n + 2)
                    };
                    return Err(self.err_at(ErrorKind::Comment, start, end));
                }
                _ => break,
            }
        }
        Ok(())
    }

    fn value(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        let Some(b) = self.peek() else {
            return Err(self.err_at(ErrorKind::UnexpectedEnd, start, start));
        };
        match b {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => {
                let s = self.string()?;
                Ok(Value {
                    kind: Kind::String(s),
                    span: Span::new(start, self.pos),
                })
            }
            b'-' | b'0'..=b'9' => self.number(),
            b'\'' => Err(self.err_at(ErrorKind::SingleQuote, start, start + 1)),
            b'+' | b'.' => Err(self.err_at(ErrorKind::BadNumber, start, start + 1)),
            _ if b.is_ascii_alphabetic() => self.word(),
            _ => Err(self.err_at(
                ErrorKind::UnexpectedChar(
                    self.text
                        .get(start..)
                        .and_then(|s| s.chars().next())
                        .unwrap_or('?'),
                ),
                start,
                self.char_end(start),
            )),
        }
    }

    fn word(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            self.pos += 1;
        }
        let word = self.text.get(start..self.pos).unwrap_or("");
        let kind = match word {
            "true" => Kind::Bool(true),
            "false" => Kind::Bool(false),
            "null" => Kind::Null,
            _ => {
                return Err(self.err_at(ErrorKind::BareWord(word.to_string()), start, self.pos));
            }
        };
        Ok(Value {
            kind,
            span: Span::new(start, self.pos),
        })
    }

    fn number(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        let digits = |p: &mut Parser<'_>| {
            let s = p.pos;
            while p.peek().is_some_and(|b| b.is_ascii_digit()) {
                p.pos += 1;
            }
            p.pos - s
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
            if self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
                // `-Infinity`
                let w = self.pos;
                while self.peek().is_some_and(|b| b.is_ascii_alphanumeric()) {
                    self.pos += 1;
                }
                let word = self.text.get(start..self.pos).unwrap_or("").to_string();
                let _ = w;
                return Err(self.err_at(ErrorKind::BareWord(word), start, self.pos));
            }
        }
        let int_start = self.pos;
        let n = digits(self);
        let bad = |p: &Parser<'_>| {
            let mut end = p.pos;
            while p
                .bytes
                .get(end)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'.')
            {
                end += 1;
            }
            p.err_at(ErrorKind::BadNumber, start, end.max(start + 1))
        };
        if n == 0 || (n > 1 && self.bytes.get(int_start) == Some(&b'0')) {
            return Err(bad(self));
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if digits(self) == 0 {
                return Err(bad(self));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(bad(self));
            }
        }
        if self
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'.')
        {
            return Err(bad(self));
        }
        let text = self.text.get(start..self.pos).unwrap_or("");
        Ok(Value {
            kind: Kind::Number(text.into()),
            span: Span::new(start, self.pos),
        })
    }

    /// Parses a string literal at `pos` (which is `"`) and returns it decoded.
    fn string(&mut self) -> Result<Box<str>, Error> {
        let open = self.pos;
        self.pos += 1;
        // Most strings have no escape: copy them once, at their exact size.
        let run = self.bytes.get(self.pos..).unwrap_or_default();
        let plain = run
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .filter(|&n| run.get(n) == Some(&b'"'));
        if let Some(n) = plain {
            let s = self.text.get(self.pos..self.pos + n).unwrap_or("");
            self.pos += n + 1;
            return Ok(s.into());
        }
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(self.text.get(run_start..self.pos).unwrap_or(""));
            match self.peek() {
                None => return Err(self.err_at(ErrorKind::UnexpectedEnd, open, self.pos)),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out.into_boxed_str());
                }
                Some(b'\\') => match decode_escape(self.text, self.pos) {
                    Some((ch, used)) => {
                        out.push(ch);
                        self.pos += used;
                    }
                    None => {
                        let is_surrogate = self.bytes.get(self.pos + 1) == Some(&b'u')
                            && self
                                .text
                                .get(self.pos + 2..self.pos + 6)
                                .and_then(hex4)
                                .is_some_and(|v| (0xD800..0xE000).contains(&v));
                        let kind = if is_surrogate {
                            ErrorKind::LoneSurrogate
                        } else {
                            ErrorKind::BadEscape
                        };
                        let end = self.char_end(self.pos + 1).max(self.pos + 1);
                        return Err(self.err_at(kind, self.pos, end));
                    }
                },
                Some(_) => {
                    return Err(self.err_at(ErrorKind::ControlInString, self.pos, self.pos + 1));
                }
            }
        }
    }

    fn enter(&mut self, at: usize) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err_at(ErrorKind::TooDeep, at, at + 1));
        }
        Ok(())
    }

    fn array(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        self.enter(start)?;
        self.pos += 1;
        self.skip_ws()?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Value {
                kind: Kind::Array(Vec::new()),
                span: Span::new(start, self.pos),
            });
        }
        let base = self.items.len();
        loop {
            self.skip_ws()?;
            let item = self.value()?;
            self.items.push(item);
            self.skip_ws()?;
            match self.peek() {
                Some(b',') => {
                    let comma = self.pos;
                    self.pos += 1;
                    self.skip_ws()?;
                    if self.peek() == Some(b']') {
                        return Err(self.err_at(ErrorKind::TrailingComma, comma, comma + 1));
                    }
                }
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                None => return Err(self.err_at(ErrorKind::UnexpectedEnd, start, self.pos)),
                Some(_) => {
                    let at = self.pos;
                    return Err(self.err_at(ErrorKind::MissingComma, at, self.char_end(at)));
                }
            }
        }
        self.depth -= 1;
        let items = take_from(&mut self.items, base);
        Ok(Value {
            kind: Kind::Array(items),
            span: Span::new(start, self.pos),
        })
    }

    fn object(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        self.enter(start)?;
        self.pos += 1;
        self.skip_ws()?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Value {
                kind: Kind::Object(Vec::new()),
                span: Span::new(start, self.pos),
            });
        }
        let base = self.members.len();
        loop {
            self.skip_ws()?;
            let key_start = self.pos;
            let key = match self.peek() {
                Some(b'"') => self.string()?,
                Some(b'\'') => {
                    return Err(self.err_at(ErrorKind::SingleQuote, key_start, key_start + 1));
                }
                None => return Err(self.err_at(ErrorKind::UnexpectedEnd, start, key_start)),
                Some(_) => {
                    return Err(self.err_at(
                        ErrorKind::KeyNotString,
                        key_start,
                        self.char_end(key_start),
                    ));
                }
            };
            let key_span = Span::new(key_start, self.pos);
            self.skip_ws()?;
            if self.peek() != Some(b':') {
                let at = self.pos;
                return Err(self.err_at(ErrorKind::MissingColon, at, self.char_end(at).max(at)));
            }
            self.pos += 1;
            self.skip_ws()?;
            let value = self.value()?;
            self.members.push(Member {
                key,
                key_span,
                value,
            });
            self.skip_ws()?;
            match self.peek() {
                Some(b',') => {
                    let comma = self.pos;
                    self.pos += 1;
                    self.skip_ws()?;
                    if self.peek() == Some(b'}') {
                        return Err(self.err_at(ErrorKind::TrailingComma, comma, comma + 1));
                    }
                }
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                None => return Err(self.err_at(ErrorKind::UnexpectedEnd, start, self.pos)),
                Some(_) => {
                    let at = self.pos;
                    return Err(self.err_at(ErrorKind::MissingComma, at, self.char_end(at)));
                }
            }
        }
        self.depth -= 1;
        let members = take_from(&mut self.members, base);
        Ok(Value {
            kind: Kind::Object(members),
            span: Span::new(start, self.pos),
        })
    }
}

/// Pairs of members of one object with the same key: `(first, repeated)` key spans.
/// `fold_case` also pairs keys that differ only by ASCII case. Linear in the number of members
/// (objects of a policy are small, so those are compared pairwise without hashing).
pub fn duplicate_keys(members: &[Member], fold_case: bool) -> Vec<(Span, Span)> {
    let same = |a: &str, b: &str| {
        if fold_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    if members.len() <= 16 {
        let mut out = Vec::new();
        for (i, m) in members.iter().enumerate() {
            let earlier = members.get(..i).unwrap_or_default();
            if let Some(first) = earlier.iter().find(|e| same(&e.key, &m.key)) {
                out.push((first.key_span, m.key_span));
            }
        }
        return out;
    }
    let mut out = Vec::new();
    let mut seen: std::collections::HashMap<std::borrow::Cow<'_, str>, Span> =
        std::collections::HashMap::with_capacity(members.len());
    for m in members {
        let key = if fold_case {
            std::borrow::Cow::Owned(m.key.to_ascii_lowercase())
        } else {
            std::borrow::Cow::Borrowed(&*m.key)
        };
        match seen.get(&key) {
            Some(first) => out.push((*first, m.key_span)),
            None => {
                seen.insert(key, m.key_span);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> Error {
        parse(text).expect_err("should fail")
    }

    fn slice(text: &str, span: Span) -> &str {
        &text[span.start as usize..span.end as usize]
    }

    #[test]
    fn parses_values_with_spans() {
        let text = r#"{"a": [1, -2.5e3, "x\n"], "b": true, "c": null}"#;
        let v = parse(text).unwrap();
        let a = v.get("a").unwrap();
        assert_eq!(slice(text, a.span), r#"[1, -2.5e3, "x\n"]"#);
        let items = a.as_array().unwrap();
        assert_eq!(items[1].kind, Kind::Number("-2.5e3".into()));
        assert_eq!(items[2].as_str(), Some("x\n"));
        assert_eq!(slice(text, v.as_object().unwrap()[1].key_span), r#""b""#);
    }

    #[test]
    fn rejects_what_aws_rejects() {
        assert_eq!(err("{\"a\": 1, // c\n}").kind, ErrorKind::Comment);
        assert_eq!(err("{\"a\": 1,}").kind, ErrorKind::TrailingComma);
        assert_eq!(err("[1,]").kind, ErrorKind::TrailingComma);
        assert_eq!(err("{'a': 1}").kind, ErrorKind::SingleQuote);
        assert_eq!(err("[NaN]").kind, ErrorKind::BareWord("NaN".into()));
        assert_eq!(
            err("[-Infinity]").kind,
            ErrorKind::BareWord("-Infinity".into())
        );
        assert_eq!(err("[01]").kind, ErrorKind::BadNumber);
        assert_eq!(err("[1.]").kind, ErrorKind::BadNumber);
        assert_eq!(err("[+1]").kind, ErrorKind::BadNumber);
        assert_eq!(err("[\"a\u{0}b\"]").kind, ErrorKind::ControlInString);
        assert_eq!(err("[\"\\x\"]").kind, ErrorKind::BadEscape);
        assert_eq!(err("[\"\\ud800\"]").kind, ErrorKind::LoneSurrogate);
        assert_eq!(err("{a: 1}").kind, ErrorKind::KeyNotString);
        assert_eq!(err("{\"a\" 1}").kind, ErrorKind::MissingColon);
        assert_eq!(err("[1 2]").kind, ErrorKind::MissingComma);
        assert_eq!(err("{} {}").kind, ErrorKind::TrailingContent);
        assert_eq!(err("   ").kind, ErrorKind::Empty);
        assert_eq!(err("{\"a\": [1").kind, ErrorKind::UnexpectedEnd);
    }

    #[test]
    fn error_spans_point_at_the_offending_token() {
        let text = "{\n  \"a\": 1,\n}";
        let e = err(text);
        assert_eq!(slice(text, e.span), ",");
        let text = "[true, Infinity]";
        assert_eq!(slice(text, err(text).span), "Infinity");
    }

    #[test]
    fn nesting_is_bounded_without_stack_overflow() {
        let deep = "[".repeat(100_000);
        assert_eq!(err(&deep).kind, ErrorKind::TooDeep);
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn byte_order_mark_is_skipped_and_spans_stay_absolute() {
        let text = "\u{feff}{\"a\": 1}";
        let v = parse(text).unwrap();
        assert_eq!(slice(text, v.span), "{\"a\": 1}");
    }

    #[test]
    fn invalid_utf8_is_located() {
        let (e, _) = decode_utf8(b"{\"a\": \"\xff\"}".to_vec()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidUtf8);
        assert_eq!(e.span.start, 7);
    }

    #[test]
    fn embedded_documents_map_back_to_the_outer_file() {
        let outer = r#"{"Policy": "{\"Version\":\"2012-10-17\",\n \"Statement\":[]}"}"#;
        let v = parse(outer).unwrap();
        let lit = v.get("Policy").unwrap().span;
        let inner = parse_embedded(outer, lit).unwrap();
        let st = inner.get("Statement").unwrap();
        assert_eq!(slice(outer, st.span), "[]");
        let version = inner.get("Version").unwrap();
        assert_eq!(slice(outer, version.span), r#"\"2012-10-17\""#);
        let key = inner.as_object().unwrap()[1].key_span;
        assert_eq!(slice(outer, key), r#"\"Statement\""#);
    }

    #[test]
    fn embedded_syntax_errors_map_back_too() {
        let outer = r#"{"Policy": "{\"a\": tru}"}"#;
        let v = parse(outer).unwrap();
        let e = parse_embedded(outer, v.get("Policy").unwrap().span).unwrap_err();
        assert_eq!(slice(outer, e.span), "tru");
    }

    #[test]
    fn duplicate_keys_are_paired_with_their_first_occurrence() {
        let text = r#"{"Effect": "Allow", "effect": "Deny", "Effect": "Deny"}"#;
        let v = parse(text).unwrap();
        let m = v.as_object().unwrap();
        let exact = duplicate_keys(m, false);
        assert_eq!(exact, vec![(m[0].key_span, m[2].key_span)]);
        assert_eq!(duplicate_keys(m, true).len(), 2);
    }
}
