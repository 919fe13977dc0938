//! YAML templates read into [`json::Value`] trees with spans in the YAML file.
//!
//! CloudFormation's short-form tags (`!Ref X`, `!Sub ...`, `!GetAtt A.B`, `!If [...]`) become
//! the long form (`{"Ref": "X"}`, `{"Fn::Sub": ...}`, `{"Fn::GetAtt": ["A", "B"]}`), so one
//! evaluator serves JSON and YAML templates. Scalars follow the YAML 1.2 core schema (quoted
//! scalars are always strings). Hostile input is bounded: nesting is limited to
//! [`json::MAX_DEPTH`] levels, and aliases may copy at most [`MAX_ALIAS_NODES`] nodes in all,
//! so an alias bomb ("billion laughs") stops with an error instead of exhausting memory.

use crate::diagnostic::Finding;
use crate::json::{self, Kind, Member, Value};
use crate::registry::Code;
use crate::source::Span;
use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

use std::collections::HashMap;

/// The most nodes that aliases may copy into one template. Real templates use a handful of
/// aliases; a "billion laughs" document needs billions.
pub const MAX_ALIAS_NODES: usize = 100_000;

/// The short-form tags and the long-form key each stands for (CloudFormation User Guide,
/// "Intrinsic function reference": every function has a `!Name` short form in YAML).
const SHORT_FORMS: &[(&str, &str)] = &[
    ("Ref", "Ref"),
    ("Condition", "Condition"),
    ("Sub", "Fn::Sub"),
    ("GetAtt", "Fn::GetAtt"),
    ("If", "Fn::If"),
    ("Join", "Fn::Join"),
    ("Select", "Fn::Select"),
    ("Split", "Fn::Split"),
    ("FindInMap", "Fn::FindInMap"),
    ("Equals", "Fn::Equals"),
    ("Not", "Fn::Not"),
    ("And", "Fn::And"),
    ("Or", "Fn::Or"),
    ("ImportValue", "Fn::ImportValue"),
    ("GetAZs", "Fn::GetAZs"),
    ("Base64", "Fn::Base64"),
    ("Cidr", "Fn::Cidr"),
    ("Transform", "Fn::Transform"),
    ("Length", "Fn::Length"),
    ("ToJsonString", "Fn::ToJsonString"),
];

/// Maps the parser's character indices to byte offsets of the text.
struct Offsets {
    /// Byte offset of every character, and of the end; empty when the text is ASCII.
    table: Vec<u32>,
    len: u32,
}

impl Offsets {
    fn new(text: &str) -> Offsets {
        let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
        let table = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices()
                .map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX))
                .chain(std::iter::once(len))
                .collect()
        };
        Offsets { table, len }
    }

    fn byte(&self, char_index: usize) -> u32 {
        if self.table.is_empty() {
            u32::try_from(char_index).unwrap_or(u32::MAX).min(self.len)
        } else {
            self.table.get(char_index).copied().unwrap_or(self.len)
        }
    }

    fn span(&self, s: &saphyr_parser::Span) -> Span {
        let start = self.byte(s.start.index());
        let end = self.byte(s.end.index()).max(start);
        Span { start, end }
    }
}

/// A collection being built.
enum Frame {
    Seq {
        start: Span,
        anchor: usize,
        tag: Option<String>,
        items: Vec<Value>,
    },
    Map {
        start: Span,
        anchor: usize,
        tag: Option<String>,
        members: Vec<Member>,
        key: Option<(Box<str>, Span)>,
    },
}

/// The YAML tree builder: an explicit stack, so deep nesting never uses the call stack.
struct Builder<'t> {
    text: &'t str,
    offsets: Offsets,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Value>,
    copied: usize,
    root: Option<Value>,
    notes: Vec<Finding>,
}

/// Reads `text` as one YAML document. Returns the tree (short forms in long form) and notes
/// about tags that are not CloudFormation's, or the error that stopped the reading (E012, or
/// E004 for the nesting and alias limits).
pub fn parse(text: &str) -> Result<(Value, Vec<Finding>), Finding> {
    let mut b = Builder {
        text,
        offsets: Offsets::new(text),
        stack: Vec::new(),
        anchors: HashMap::new(),
        copied: 0,
        root: None,
        notes: Vec::new(),
    };
    let mut parser = Parser::new_from_str(text);
    let mut documents = 0;
    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(e) => e,
            Err(e) => {
                let at = b.offsets.byte(e.marker().index());
                if e.info().contains("recursion limit") {
                    // The scanner's own bound on flow nesting (255 levels).
                    let span = Span { start: at, end: at };
                    return Err(limit(
                        span,
                        format!("nesting deeper than the YAML reader allows ({})", e.info()),
                    ));
                }
                return Err(syntax(at, e.info()));
            }
        };
        let span = b.offsets.span(&span);
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(syntax(
                        span.start,
                        "a template is one YAML document; this is a second one",
                    ));
                }
            }
            Event::StreamEnd => break,
            other => b.event(other, span)?,
        }
    }
    match b.root {
        Some(root) => Ok((root, b.notes)),
        None => Err(syntax(0, "the file holds no YAML document")),
    }
}

// rule: E012
/// A YAML syntax error at `at`.
fn syntax(at: u32, message: &str) -> Finding {
    let at = at as usize;
    Finding::new(Code::YamlSyntax, Span::new(at, at), message.to_string())
}

fn limit(span: Span, message: String) -> Finding {
    Finding::new(Code::InputLimit, span, message)
}

impl Builder<'_> {
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), Finding> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let tag = tag.map(|t| tag_name(&t));
                let value = self.scalar(&text, style, span, tag.as_deref());
                self.finish(value, anchor, tag.as_deref())
            }
            Event::SequenceStart(anchor, tag) => {
                self.open(span)?;
                self.stack.push(Frame::Seq {
                    start: span,
                    anchor,
                    tag: tag.map(|t| tag_name(&t)),
                    items: Vec::new(),
                });
                Ok(())
            }
            Event::MappingStart(anchor, tag) => {
                self.open(span)?;
                self.stack.push(Frame::Map {
                    start: span,
                    anchor,
                    tag: tag.map(|t| tag_name(&t)),
                    members: Vec::new(),
                    key: None,
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(span),
            Event::Alias(id) => self.alias(id, span),
            _ => Ok(()),
        }
    }

    fn open(&self, span: Span) -> Result<(), Finding> {
        if self.stack.len() >= json::MAX_DEPTH {
            return Err(limit(
                span,
                format!("nesting deeper than {} levels", json::MAX_DEPTH),
            ));
        }
        Ok(())
    }

    fn close(&mut self, end: Span) -> Result<(), Finding> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let (value, anchor, tag) = match frame {
            Frame::Seq {
                start,
                anchor,
                tag,
                items,
            } => {
                let span = collection_span(self.text, start, end, items.last().map(|v| v.span));
                (
                    Value {
                        kind: Kind::Array(items),
                        span,
                    },
                    anchor,
                    tag,
                )
            }
            Frame::Map {
                start,
                anchor,
                tag,
                members,
                ..
            } => {
                let last = members.last().map(|m| m.value.span);
                let span = collection_span(self.text, start, end, last);
                (
                    Value {
                        kind: Kind::Object(members),
                        span,
                    },
                    anchor,
                    tag,
                )
            }
        };
        self.finish(value, anchor, tag.as_deref())
    }

    /// An alias: a copy of the anchored node, counted against [`MAX_ALIAS_NODES`].
    fn alias(&mut self, id: usize, span: Span) -> Result<(), Finding> {
        let Some(node) = self.anchors.get(&id) else {
            return Err(syntax(
                span.start,
                "an alias to an anchor that is not defined",
            ));
        };
        self.copied = self.copied.saturating_add(count_nodes(node));
        if self.copied > MAX_ALIAS_NODES {
            return Err(limit(
                span,
                format!(
                    "aliases copy more than {MAX_ALIAS_NODES} nodes (an alias bomb?); not expanded"
                ),
            ));
        }
        let mut copy = node.clone();
        copy.span = span;
        self.place(copy)
    }

    /// Applies the tag and anchor of a finished node and places it in its parent.
    fn finish(&mut self, value: Value, anchor: usize, tag: Option<&str>) -> Result<(), Finding> {
        let value = match tag {
            Some(t) => self.apply_tag(value, t),
            None => value,
        };
        if anchor != 0 {
            self.anchors.insert(anchor, value.clone());
        }
        self.place(value)
    }

    fn place(&mut self, value: Value) -> Result<(), Finding> {
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some(Frame::Seq { items, .. }) => items.push(value),
            Some(Frame::Map { members, key, .. }) => match key.take() {
                None => {
                    let name: Box<str> = match &value.kind {
                        Kind::String(s) | Kind::Number(s) => s.clone(),
                        Kind::Bool(b) => b.to_string().into(),
                        Kind::Null => "".into(),
                        _ => {
                            return Err(syntax(
                                value.span.start,
                                "a mapping key must be a plain value, not a list or a mapping",
                            ));
                        }
                    };
                    *key = Some((name, value.span));
                }
                Some((k, key_span)) => members.push(Member {
                    key: k,
                    key_span,
                    value,
                }),
            },
        }
        Ok(())
    }

    /// `!Ref X` → `{"Ref": X}`, `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`, `!!str 1` →
    /// `"1"`; any other tag is noted and its value kept as written.
    fn apply_tag(&mut self, value: Value, tag: &str) -> Value {
        if let Some(core) = tag.strip_prefix("tag:yaml.org,2002:") {
            return match (core, &value.kind) {
                ("str", Kind::Number(s)) => Value {
                    kind: Kind::String(s.clone()),
                    span: value.span,
                },
                ("str", Kind::Bool(b)) => Value {
                    kind: Kind::String(b.to_string().into()),
                    span: value.span,
                },
                _ => value,
            };
        }
        let name = tag.strip_prefix('!').unwrap_or(tag);
        let Some((_, long)) = SHORT_FORMS.iter().find(|(s, _)| *s == name) else {
            self.notes.push(Finding::new(
                Code::TemplateUnsupported,
                tag_span(self.text, value.span, tag),
                format!("`{tag}` is not a CloudFormation tag; its value is read as written"),
            ).with_help("a preprocessor (such as Rain) must expand it before CloudFormation reads the template"));
            return value;
        };
        let span = tag_span(self.text, value.span, tag).join(value.span);
        let argument = match (*long, &value.kind) {
            ("Fn::GetAtt", Kind::String(s)) => split_get_att(s, value.span),
            _ => value,
        };
        Value {
            kind: Kind::Object(vec![Member {
                key: (*long).into(),
                key_span: tag_span(self.text, argument.span, tag),
                value: argument,
            }]),
            span,
        }
    }

    fn scalar(&self, text: &str, style: ScalarStyle, span: Span, tag: Option<&str>) -> Value {
        let kind = if style != ScalarStyle::Plain || tag.is_some_and(|t| t.ends_with(":str")) {
            Kind::String(text.into())
        } else {
            plain_kind(text)
        };
        Value { kind, span }
    }
}

/// The span of a whole collection: from its start to its closing bracket (flow style) or to
/// the end of its last element (block style, whose end event lies at the next token).
fn collection_span(text: &str, start: Span, end: Span, last: Option<Span>) -> Span {
    let flow = matches!(
        text.as_bytes().get(start.start as usize),
        Some(b'[') | Some(b'{')
    );
    let stop = if flow {
        // The closing bracket is one ASCII byte at the end event's start.
        let bracket = matches!(text.as_bytes().get(end.start as usize), Some(b']' | b'}'));
        let closed = if bracket { end.start + 1 } else { end.start };
        end.end.max(closed)
    } else {
        last.map_or(start.end, |l| l.end)
    };
    Span {
        start: start.start,
        end: stop.max(start.end).max(start.start),
    }
}

/// The span of the `!Tag` text just before a value (the value's own span if it is not found).
fn tag_span(text: &str, value: Span, tag: &str) -> Span {
    let short = if tag.starts_with('!') {
        tag.to_string()
    } else {
        format!("!{tag}")
    };
    let before = text.get(..value.start as usize).unwrap_or("");
    match before.rfind(short.as_str()) {
        Some(at) if before[at..].trim_end().len() == short.len() => Span::new(at, at + short.len()),
        _ => value,
    }
}

fn tag_name(t: &Tag) -> String {
    if t.handle == "!" {
        format!("!{}", t.suffix)
    } else {
        format!("{}{}", t.handle, t.suffix)
    }
}

/// `A.B.C` → `["A", "B.C"]` (the short form of `Fn::GetAtt` splits at the first dot).
fn split_get_att(s: &str, span: Span) -> Value {
    let (resource, attribute) = s.split_once('.').unwrap_or((s, ""));
    let part = |text: &str| Value {
        kind: Kind::String(text.into()),
        span,
    };
    Value {
        kind: Kind::Array(vec![part(resource), part(attribute)]),
        span,
    }
}

/// A plain scalar under the YAML 1.2 core schema. Numbers that JSON cannot spell as written
/// (`012345678901`, `0x1F`, `.inf`) stay strings, so an account id keeps its leading zero.
fn plain_kind(text: &str) -> Kind {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Kind::Null,
        "true" | "True" | "TRUE" => Kind::Bool(true),
        "false" | "False" | "FALSE" => Kind::Bool(false),
        _ if is_json_number(text) => Kind::Number(text.into()),
        _ => Kind::String(text.into()),
    }
}

fn is_json_number(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let first_ok = digits
        .as_bytes()
        .first()
        .is_some_and(|b| b.is_ascii_digit());
    first_ok
        && !(digits.len() > 1 && digits.starts_with('0') && !digits[1..].starts_with('.'))
        && json::parse(text).is_ok_and(|v| matches!(v.kind, Kind::Number(_)))
}

fn count_nodes(v: &Value) -> usize {
    let mut n = 0;
    let mut todo = vec![v];
    while let Some(v) = todo.pop() {
        n += 1;
        match &v.kind {
            Kind::Array(items) => todo.extend(items.iter()),
            Kind::Object(members) => todo.extend(members.iter().map(|m| &m.value)),
            _ => {}
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Value {
        parse(text).unwrap().0
    }

    #[test]
    fn short_forms_become_the_long_form_with_spans_in_the_yaml() {
        let text = "A: !Ref Name\nB: !GetAtt Bucket.Arn\nC: !Sub\n  - '${X}/*'\n  - X: 1\n";
        let v = read(text);
        let a = v.get("A").unwrap();
        assert_eq!(a.get("Ref").unwrap().as_str(), Some("Name"));
        assert_eq!(
            &text[a.span.start as usize..a.span.end as usize],
            "!Ref Name"
        );
        let b = v.get("B").unwrap().get("Fn::GetAtt").unwrap();
        let parts: Vec<_> = b.as_array().unwrap().iter().map(|p| p.as_str()).collect();
        assert_eq!(parts, [Some("Bucket"), Some("Arn")]);
        let c = v.get("C").unwrap().get("Fn::Sub").unwrap();
        assert_eq!(c.as_array().unwrap().len(), 2);
    }

    #[test]
    fn scalars_follow_the_core_schema_and_quotes_make_strings() {
        let v = read("a: true\nb: 'true'\nc: 12\nd: 012345678901\ne: ~\nf: \"x\"\n");
        assert_eq!(v.get("a").unwrap().kind, Kind::Bool(true));
        assert_eq!(v.get("b").unwrap().as_str(), Some("true"));
        assert_eq!(v.get("c").unwrap().kind, Kind::Number("12".into()));
        assert_eq!(v.get("d").unwrap().as_str(), Some("012345678901"));
        assert_eq!(v.get("e").unwrap().kind, Kind::Null);
        let text = "f: \"x\"\n";
        let f = read(text);
        let s = f.get("f").unwrap().span;
        assert_eq!(&text[s.start as usize..s.end as usize], "\"x\"");
    }

    #[test]
    fn spans_are_byte_offsets_after_non_ascii_text() {
        let text = "# é\nKey: välue\n";
        let v = read(text);
        let s = v.get("Key").unwrap().span;
        assert_eq!(&text[s.start as usize..s.end as usize], "välue");
    }

    #[test]
    fn an_alias_bomb_stops_at_the_copy_limit() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = parse(&text).unwrap_err();
        assert_eq!(e.code, Code::InputLimit);
        assert!(e.message.contains("alias"));
    }

    #[test]
    fn deep_nesting_is_an_input_limit_error() {
        // Flow nesting: the scanner stops at its own bound (before any event is built).
        let e = parse(&"[".repeat(100_000)).unwrap_err();
        assert_eq!(e.code, Code::InputLimit);
        assert!(e.span.start <= 256, "{e:?}");
        // Block nesting: our bound of 128 levels.
        let text: String = (0..200).map(|i| format!("{}a:\n", " ".repeat(i))).collect();
        let e = parse(&text).unwrap_err();
        assert_eq!(e.code, Code::InputLimit);
        assert!(e.message.contains("128"), "{e:?}");
    }

    #[test]
    fn syntax_errors_are_located() {
        let e = parse("a: \"open\nb: c\n").unwrap_err();
        assert_eq!(e.code, Code::YamlSyntax);
        let e = parse("? [a]\n: b\n").unwrap_err();
        assert_eq!(e.code, Code::YamlSyntax);
    }

    #[test]
    fn other_tags_are_noted_and_read_as_written() {
        let (v, notes) = parse("Type: !Rain::Module \"./bucket.yml\"\n").unwrap();
        assert_eq!(v.get("Type").unwrap().as_str(), Some("./bucket.yml"));
        assert_eq!(notes[0].code, Code::TemplateUnsupported);
    }
}
