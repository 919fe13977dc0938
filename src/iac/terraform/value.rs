//! The values the Terraform evaluator computes: JSON-like trees whose every node keeps the span
//! of the expression it came from, strings that remember where each of their bytes was written
//! (so a policy parsed out of a heredoc is located inside it), rendered-JSON strings that keep
//! their tree (`jsonencode(...)`, `data.aws_iam_policy_document.x.json`), and unknowns.

use crate::json::{self, Kind, Member, Value};
use crate::source::Span;

/// The reserved text that stands for unknown `N` inside a policy: `${iac:unknown-N}` where `N`
/// indexes [`crate::iac::Extracted::unknowns`]. A document containing it must be judged
/// uncertain (see `terraform::unknowns_in`), never evaluated as if the text were the value.
pub const PLACEHOLDER_PREFIX: &str = "${iac:unknown-";

/// The placeholder text of unknown `id`.
pub fn placeholder(id: usize) -> String {
    format!("{PLACEHOLDER_PREFIX}{id}}}")
}

/// The ids of the placeholders in `text`, in order.
pub fn placeholder_ids(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(PLACEHOLDER_PREFIX) {
        rest = &rest[at + PLACEHOLDER_PREFIX.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if rest[digits.len()..].starts_with('}')
            && let Ok(id) = digits.parse()
        {
            out.push(id);
        }
    }
    out
}

/// One evaluated value and the span of the expression that produced it.
#[derive(Debug, Clone, PartialEq)]
pub struct Val {
    /// What it is.
    pub kind: VKind,
    /// Where it was written (in the file of the evaluation that holds it).
    pub span: Span,
}

/// The kinds of value.
#[derive(Debug, Clone, PartialEq)]
pub enum VKind {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number, as text.
    Num(String),
    /// A string with its source map.
    Str(LStr),
    /// A list, tuple or set.
    List(Vec<Val>),
    /// A map or object: key, key span, value.
    Map(Vec<(String, Span, Val)>),
    /// A string holding the JSON encoding of the value (`jsonencode`, a policy document's `json`).
    Json(Box<Val>),
    /// A value not known offline: an id in the module's unknown list.
    Unknown(usize),
}

/// A string and where its bytes come from: `(offset in text, offset in file, linear)` points,
/// ascending; a linear piece maps byte for byte, a flat piece (an interpolated value) maps
/// every byte to its one source offset.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LStr {
    /// The decoded text.
    pub text: String,
    /// The source map.
    pub map: Vec<(u32, u32, bool)>,
}

impl LStr {
    /// A string all of whose bytes map to `at`.
    pub fn flat(text: impl Into<String>, at: u32) -> LStr {
        LStr {
            text: text.into(),
            map: vec![(0, at, false)],
        }
    }

    /// Appends `other` (its map shifted).
    pub fn push(&mut self, other: &LStr) {
        let base = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        for &(d, s, lin) in &other.map {
            self.map.push((base.saturating_add(d), s, lin));
        }
        self.text.push_str(&other.text);
    }

    /// Where byte `offset` of the text was written.
    pub fn to_source(&self, offset: u32) -> u32 {
        let i = self
            .map
            .partition_point(|p| p.0 <= offset)
            .saturating_sub(1);
        match self.map.get(i) {
            Some(&(d, s, true)) => s.saturating_add(offset.saturating_sub(d)),
            Some(&(_, s, false)) => s,
            None => 0,
        }
    }
}

impl Val {
    /// A value of `kind` at `span`.
    pub fn new(kind: VKind, span: Span) -> Val {
        Val { kind, span }
    }

    /// A string that maps flat onto `span`.
    pub fn str_at(text: impl Into<String>, span: Span) -> Val {
        Val::new(VKind::Str(LStr::flat(text, span.start)), span)
    }

    /// The string, if this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            VKind::Str(s) => Some(&s.text),
            _ => None,
        }
    }

    /// The member `key` of a map.
    pub fn get(&self, key: &str) -> Option<&Val> {
        match &self.kind {
            VKind::Map(m) => m.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v),
            _ => None,
        }
    }

    /// Whether an unknown is anywhere inside.
    pub fn has_unknown(&self) -> bool {
        match &self.kind {
            VKind::Unknown(_) => true,
            VKind::Str(s) => s.text.contains(PLACEHOLDER_PREFIX),
            VKind::List(v) => v.iter().any(Val::has_unknown),
            VKind::Map(m) => m.iter().any(|(_, _, v)| v.has_unknown()),
            VKind::Json(v) => v.has_unknown(),
            _ => false,
        }
    }

    /// Moves every span to `span`: a value read from another file is located at the
    /// expression that brought it into this one.
    pub fn relocate(&mut self, span: Span) {
        self.span = span;
        match &mut self.kind {
            VKind::Str(s) => s.map = vec![(0, span.start, false)],
            VKind::List(v) => v.iter_mut().for_each(|x| x.relocate(span)),
            VKind::Map(m) => m.iter_mut().for_each(|(_, ks, x)| {
                *ks = span;
                x.relocate(span);
            }),
            VKind::Json(v) => v.relocate(span),
            _ => {}
        }
    }

    /// The value as a template piece: strings as they are, numbers and booleans as Terraform
    /// prints them, unknowns as their placeholder; `None` for collections and null.
    pub fn to_lstr(&self) -> Option<LStr> {
        let at = self.span.start;
        match &self.kind {
            VKind::Str(s) => Some(s.clone()),
            VKind::Num(n) => Some(LStr::flat(n.clone(), at)),
            VKind::Bool(b) => Some(LStr::flat(b.to_string(), at)),
            VKind::Unknown(id) => Some(LStr::flat(placeholder(*id), at)),
            VKind::Json(v) => Some(LStr::flat(render(v), at)),
            _ => None,
        }
    }

    /// The value as a JSON tree with its spans (what `jsonencode` would print, located).
    pub fn to_json(&self) -> Value {
        let kind = match &self.kind {
            VKind::Null => Kind::Null,
            VKind::Bool(b) => Kind::Bool(*b),
            VKind::Num(n) => Kind::Number(n.as_str().into()),
            VKind::Str(s) => Kind::String(s.text.as_str().into()),
            VKind::Unknown(id) => Kind::String(placeholder(*id).into()),
            VKind::Json(v) => Kind::String(render(v).into()),
            VKind::List(v) => Kind::Array(v.iter().map(Val::to_json).collect()),
            VKind::Map(m) => Kind::Object(
                m.iter()
                    .map(|(k, ks, v)| Member {
                        key: k.as_str().into(),
                        key_span: *ks,
                        value: v.to_json(),
                    })
                    .collect(),
            ),
        };
        Value {
            kind,
            span: self.span,
        }
    }

    /// A JSON tree as a value (`jsondecode`, a parsed heredoc policy).
    pub fn from_json(v: &Value) -> Val {
        let kind = match &v.kind {
            Kind::Null => VKind::Null,
            Kind::Bool(b) => VKind::Bool(*b),
            Kind::Number(n) => VKind::Num(n.to_string()),
            Kind::String(s) => {
                let mut l = LStr::flat(s.to_string(), v.span.start);
                // A JSON string maps byte for byte after its opening quote unless it has escapes.
                if v.span.len() == s.len() + 2 {
                    l.map = vec![(0, v.span.start + 1, true)];
                }
                VKind::Str(l)
            }
            Kind::Array(items) => VKind::List(items.iter().map(Val::from_json).collect()),
            Kind::Object(members) => VKind::Map(
                members
                    .iter()
                    .map(|m| (m.key.to_string(), m.key_span, Val::from_json(&m.value)))
                    .collect(),
            ),
        };
        Val::new(kind, v.span)
    }
}

/// The compact JSON text of a value (`jsonencode` as a string).
pub fn render(v: &Val) -> String {
    let mut out = String::new();
    render_into(v, &mut out);
    out
}

fn render_into(v: &Val, out: &mut String) {
    let quote = |s: &str, out: &mut String| {
        out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()));
    };
    match &v.kind {
        VKind::Null => out.push_str("null"),
        VKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        VKind::Num(n) => out.push_str(n),
        VKind::Str(s) => quote(&s.text, out),
        VKind::Unknown(id) => quote(&placeholder(*id), out),
        VKind::Json(inner) => quote(&render(inner), out),
        VKind::List(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                render_into(x, out);
            }
            out.push(']');
        }
        VKind::Map(m) => {
            out.push('{');
            for (i, (k, _, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                quote(k, out);
                out.push(':');
                render_into(x, out);
            }
            out.push('}');
        }
    }
}

/// Parses JSON text held in a located string (a heredoc or a `"..."` policy), every span of
/// the result and of an error mapped into the file.
pub fn parse_located(s: &LStr) -> Result<Value, json::Error> {
    let relocate = |at: u32| s.to_source(at);
    match json::parse(&s.text) {
        Ok(mut v) => {
            v.remap(&relocate);
            Ok(v)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_round_trip() {
        let t = format!("arn:aws:s3:::{}/{}", placeholder(3), placeholder(12));
        assert_eq!(placeholder_ids(&t), vec![3, 12]);
        assert!(placeholder_ids("${iac:unknown-x}").is_empty());
    }

    #[test]
    fn located_strings_map_linear_and_flat_pieces() {
        let mut s = LStr {
            text: "ab".into(),
            map: vec![(0, 10, true)],
        };
        s.push(&LStr::flat("XYZ", 40));
        assert_eq!(
            (s.to_source(1), s.to_source(2), s.to_source(4)),
            (11, 40, 40)
        );
    }
}
