//! Terraform JSON syntax (`.tf.json`) read through the same extraction as `.tf`: the JSON is
//! rewritten as the native-syntax text it stands for, with a map from every byte of that text
//! back to the JSON file, so the evaluator reads it unchanged and every span lands in the JSON.
//!
//! The mapping follows Terraform's "JSON Configuration Syntax" page: the root object's
//! properties are top-level block types whose labels are nested object keys (`resource`,
//! `data`: two; `module`, `variable`, `output`: one; `locals`: none); a JSON string where an
//! expression is expected is a string template (`"${aws_s3_bucket.b.arn}/*"`), numbers,
//! booleans and null are themselves, arrays are tuples and objects are object expressions
//! (their keys templates too); a `"//"` property is a comment; `variable` `default` is a
//! literal value (no template); `dynamic` takes its label from the nested key. Nested blocks
//! cannot be told from object-valued arguments without the provider's schema, so an object
//! (or array of objects) in a resource body is written as both: the reader asks for blocks
//! (`statement`, `rule`) or for attributes (`tags`) by name.

use super::value::LStr;
use crate::json::{Kind, Member, Value};
use crate::source::Span;

/// The native-syntax text of a `.tf.json` file and, for each of its bytes, where in the JSON
/// file it was written (`map.text` is the native text).
pub fn convert(json: &Value, text: &str) -> LStr {
    let mut w = Writer {
        out: LStr::default(),
        text,
    };
    if let Some(members) = json.as_object() {
        for m in members {
            w.top_level(m);
        }
    }
    w.out
}

struct Writer<'t> {
    out: LStr,
    text: &'t str,
}

/// Labels each top-level block type takes; `None` for the types the reader has no use for.
fn labels(block: &str) -> Option<usize> {
    Some(match block {
        "resource" | "data" => 2,
        "module" | "variable" | "output" => 1,
        "locals" => 0,
        _ => return None,
    })
}

/// What a body is, for the arguments whose JSON form differs.
#[derive(Clone, Copy, PartialEq)]
enum BodyKind {
    /// A resource, data source or nested block: objects are also nested blocks.
    Resource,
    /// `module`: `source` and `version` are literal strings.
    Module,
    /// `variable`: only `default`, a literal value.
    Variable,
    /// `output` and `locals`: expressions.
    Plain,
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The objects of a value that is an object or an array of objects (JSON syntax allows an
/// array wherever a block or a label level may repeat).
fn objects(v: &Value) -> Vec<&Value> {
    match &v.kind {
        Kind::Object(_) => vec![v],
        Kind::Array(items) => items
            .iter()
            .filter(|x| matches!(x.kind, Kind::Object(_)))
            .collect(),
        _ => Vec::new(),
    }
}

impl Writer<'_> {
    /// Writes `s`, every byte of it standing for JSON offset `at`.
    fn flat(&mut self, s: &str, at: u32) {
        self.out.push(&LStr::flat(s, at));
    }

    /// Writes `s`, copied from JSON offset `at` byte for byte.
    fn copy(&mut self, s: &str, at: u32) {
        self.out.push(&LStr {
            text: s.to_string(),
            map: vec![(0, at, true)],
        });
    }

    fn top_level(&mut self, m: &Member) {
        let Some(n) = labels(&m.key) else {
            return;
        };
        let kind = match &*m.key {
            "module" => BodyKind::Module,
            "variable" => BodyKind::Variable,
            "resource" | "data" => BodyKind::Resource,
            _ => BodyKind::Plain,
        };
        self.labelled(&m.key, &m.value, n, &mut Vec::new(), kind);
    }

    /// A block type whose `n` remaining labels are the keys of nested objects.
    fn labelled<'v>(
        &mut self,
        ident: &str,
        v: &'v Value,
        n: usize,
        got: &mut Vec<(&'v str, Span)>,
        kind: BodyKind,
    ) {
        for obj in objects(v) {
            if n == 0 {
                let at = got.last().map_or(obj.span.start, |(_, s)| s.start);
                let mut header = ident.to_string();
                for (l, _) in got.iter() {
                    header.push(' ');
                    header.push_str(&quote(l));
                }
                header.push_str(" {\n");
                self.flat(&header, at);
                self.body(obj, kind);
                self.flat("}", obj.span.end.saturating_sub(1));
                self.flat("\n", obj.span.end);
                continue;
            }
            for m in obj.as_object().unwrap_or(&[]) {
                if &*m.key == "//" {
                    continue;
                }
                got.push((&m.key, m.key_span));
                self.labelled(ident, &m.value, n - 1, got, kind);
                got.pop();
            }
        }
    }

    /// The arguments and nested blocks of a block body.
    fn body(&mut self, obj: &Value, kind: BodyKind) {
        for m in obj.as_object().unwrap_or(&[]) {
            let key = &*m.key;
            if key == "//" || !is_ident(key) {
                continue;
            }
            match kind {
                BodyKind::Variable if key != "default" => continue,
                BodyKind::Variable => self.attribute(m, true),
                BodyKind::Module => self.attribute(m, key == "source" || key == "version"),
                BodyKind::Plain => self.attribute(m, false),
                BodyKind::Resource if key == "dynamic" => self.dynamic(&m.value),
                BodyKind::Resource => {
                    self.attribute(m, false);
                    for b in objects(&m.value) {
                        self.flat(&format!("{key} {{\n"), m.key_span.start);
                        self.body(b, BodyKind::Resource);
                        self.flat("}", b.span.end.saturating_sub(1));
                        self.flat("\n", b.span.end);
                    }
                }
            }
        }
    }

    /// `"dynamic": {"NAME": {"for_each": ..., "iterator": "it", "content": {...}}}`.
    fn dynamic(&mut self, v: &Value) {
        for obj in objects(v) {
            for m in obj.as_object().unwrap_or(&[]) {
                if !is_ident(&m.key) {
                    continue;
                }
                for b in objects(&m.value) {
                    let header = format!("dynamic {} {{\n", quote(&m.key));
                    self.flat(&header, m.key_span.start);
                    for a in b.as_object().unwrap_or(&[]) {
                        match &*a.key {
                            "for_each" => self.attribute(a, false),
                            // The iterator is a name, not a string.
                            "iterator" => {
                                if let Some(name) = a.value.as_str().filter(|s| is_ident(s)) {
                                    self.flat("iterator = ", a.key_span.start);
                                    self.copy(name, a.value.span.start + 1);
                                    self.flat("\n", a.value.span.end);
                                }
                            }
                            "content" => {
                                for c in objects(&a.value) {
                                    self.flat("content {\n", a.key_span.start);
                                    self.body(c, BodyKind::Resource);
                                    self.flat("}", c.span.end.saturating_sub(1));
                                    self.flat("\n", c.span.end);
                                }
                            }
                            _ => {}
                        }
                    }
                    self.flat("}", b.span.end.saturating_sub(1));
                    self.flat("\n", b.span.end);
                }
            }
        }
    }

    /// `key = value`; `literal` values are not templates.
    fn attribute(&mut self, m: &Member, literal: bool) {
        self.flat(&format!("{} = ", m.key), m.key_span.start);
        self.expression(&m.value, literal);
        self.flat("\n", m.value.span.end);
    }

    fn expression(&mut self, v: &Value, literal: bool) {
        let raw = self
            .text
            .get(v.span.start as usize..v.span.end as usize)
            .unwrap_or("");
        match &v.kind {
            Kind::Null | Kind::Bool(_) | Kind::Number(_) => self.copy(raw, v.span.start),
            Kind::String(s) => self.string(s, v.span, literal),
            Kind::Array(items) => {
                self.flat("[", v.span.start);
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        self.flat(", ", x.span.start);
                    }
                    self.expression(x, literal);
                }
                self.flat("]", v.span.end.saturating_sub(1));
            }
            Kind::Object(members) => {
                self.flat("{", v.span.start);
                for (i, m) in members.iter().enumerate() {
                    if i > 0 {
                        self.flat(", ", m.key_span.start);
                    }
                    self.string(&m.key, m.key_span, literal);
                    self.flat(" = ", m.key_span.end);
                    self.expression(&m.value, literal);
                }
                self.flat("}", v.span.end.saturating_sub(1));
            }
        }
    }

    /// A JSON string as a native quoted string: a template (its `${...}` and `%{...}` kept,
    /// the rest escaped), or, when `literal`, text only (`${` written `$${`). Each byte maps
    /// to the JSON byte it was decoded from, the quotes to the quotes.
    fn string(&mut self, decoded: &str, span: Span, literal: bool) {
        let raw = self
            .text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("");
        let offsets = decoded_offsets(raw, span.start);
        let at = |i: usize| offsets.get(i).copied().unwrap_or(span.start);
        self.flat("\"", span.start);
        let template = !literal && (decoded.contains("${") || decoded.contains("%{"));
        // The byte ranges of `decoded` copied as they are: interpolations and directives.
        let kept = if template {
            template_parts(decoded)
        } else {
            Vec::new()
        };
        let mut i = 0;
        while i < decoded.len() {
            if let Some(&(_, end)) = kept.iter().find(|(s, _)| *s == i) {
                for (j, c) in decoded[i..end].char_indices() {
                    let mut buf = [0u8; 4];
                    self.copy(c.encode_utf8(&mut buf), at(i + j));
                }
                i = end;
                continue;
            }
            let Some(c) = decoded[i..].chars().next() else {
                break;
            };
            let escaped = match c {
                '"' => "\\\"".to_string(),
                '\\' => "\\\\".to_string(),
                '\n' => "\\n".to_string(),
                '\r' => "\\r".to_string(),
                '\t' => "\\t".to_string(),
                c if (c as u32) < 0x20 => format!("\\u{:04x}", c as u32),
                // Text only: `${` and `%{` written so that they are not templates.
                '$' | '%' if literal && decoded[i + 1..].starts_with('{') => format!("{c}{c}"),
                c => c.to_string(),
            };
            if escaped.len() == c.len_utf8() {
                self.copy(&escaped, at(i));
            } else {
                self.flat(&escaped, at(i));
            }
            i += c.len_utf8();
        }
        self.flat("\"", span.end.saturating_sub(1));
    }
}

/// A label or name as a native quoted string.
fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The JSON offset of each byte of the decoded string whose literal (with quotes) is `raw`
/// at offset `base`: an escape's bytes map to its backslash.
fn decoded_offsets(raw: &str, base: u32) -> Vec<u32> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(raw.len());
    let mut r = 1;
    let end = raw.len().saturating_sub(1);
    let at = |r: usize| base.saturating_add(u32::try_from(r).unwrap_or(u32::MAX));
    while r < end {
        if bytes[r] == b'\\' {
            let (len, produced) = match bytes.get(r + 1) {
                Some(b'u') => {
                    let hex = raw.get(r + 2..r + 6).unwrap_or("0");
                    let cp = u32::from_str_radix(hex, 16).unwrap_or(0);
                    if (0xD800..0xDC00).contains(&cp) {
                        (12, 4)
                    } else {
                        (6, char::from_u32(cp).map_or(3, char::len_utf8))
                    }
                }
                _ => (2, 1),
            };
            out.extend(std::iter::repeat_n(at(r), produced));
            r += len;
        } else {
            out.push(at(r));
            r += 1;
        }
    }
    out
}

/// The `${...}` and `%{...}` sequences of a template, as byte ranges: nested braces and
/// quoted strings inside them are skipped; `$${` and `%%{` are text.
fn template_parts(s: &str) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < b.len() {
        let opens = (b[i] == b'$' || b[i] == b'%') && b[i + 1] == b'{';
        if (b[i] == b'$' || b[i] == b'%')
            && b.get(i + 1) == Some(&b[i])
            && b.get(i + 2) == Some(&b'{')
        {
            i += 3;
            continue;
        }
        if !opens {
            i += 1;
            continue;
        }
        let start = i;
        let mut depth = 0usize;
        let mut j = i + 1;
        let mut in_str = false;
        while j < b.len() {
            match (in_str, b[j]) {
                (true, b'\\') => j += 1,
                (true, b'"') => in_str = false,
                (false, b'"') => in_str = true,
                (false, b'{') => depth += 1,
                (false, b'}') => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            j += 1;
        }
        let end = (j + 1).min(b.len());
        out.push((start, end));
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_keep_interpolations_and_escape_text() {
        assert_eq!(template_parts("a${x}b%{ if y }c$${d}"), [(1, 5), (6, 15)]);
        assert_eq!(template_parts(r#"${f("}")}"#), [(0, 9)]);
        let raw = r#""a\"b\u00e9""#;
        assert_eq!(decoded_offsets(raw, 10), [11, 12, 14, 15, 15]);
    }

    #[test]
    fn blocks_labels_and_literals_are_written_natively() {
        let text = r#"{"variable": {"n": {"default": "${x}", "type": "string"}},
 "resource": {"aws_s3_bucket": {"b": {"bucket": "${var.n}-x", "//": "c",
   "rule": [{"id": 1}], "tags": {"k": "v"}}}}}"#;
        let v = crate::json::parse(text).unwrap();
        let out = convert(&v, text);
        let body = hcl_edit::parser::parse_body(&out.text).unwrap();
        assert!(out.text.contains("default = \"$${x}\""), "{}", out.text);
        let r = body.blocks().nth(1).unwrap();
        assert_eq!(r.labels.len(), 2);
        assert!(r.body.get_attribute("tags").is_some());
        assert_eq!(
            r.body
                .blocks()
                .filter(|b| b.ident.as_str() == "rule")
                .count(),
            1
        );
        assert_eq!(
            r.body
                .blocks()
                .filter(|b| b.ident.as_str() == "tags")
                .count(),
            1
        );
        // `var.n` maps back to where it is written in the JSON.
        let at = out.text.find("var.n").unwrap() as u32;
        assert_eq!(&text[out.to_source(at) as usize..][..5], "var.n");
    }
}
