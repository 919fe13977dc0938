//! The Terraform functions the reader evaluates; any other call is an unknown.

use super::eval::{MAX_ELEMENTS, Scope, entries, index, num_val, number, same};
use super::module::Module;
use super::value::render;
use super::value::{LStr, VKind, Val, parse_located};
use crate::source::Span;
use hcl_edit::expr::FuncCall;
use std::collections::{HashMap, HashSet};

impl Module {
    /// Evaluates a function call.
    pub fn call(&self, scope: &Scope, f: &FuncCall, span: Span) -> Val {
        let name = f.name.name.as_str();
        if !f.name.namespace.is_empty() {
            return self.unknown(scope, span, "a provider function");
        }
        // `try` and `coalesce` look at their arguments one at a time.
        if name == "try" {
            // An unknown value is not an error, so `try` would return it: the result is the
            // first argument whenever that is not known (never a later fallback).
            let mut last = None;
            for a in f.args.iter() {
                let v = self.eval(scope, a);
                if !self.only_errors(&v) {
                    return v;
                }
                last = Some(v);
            }
            return last.unwrap_or_else(|| self.unknown(scope, span, "an empty `try`"));
        }
        let args: Vec<Val> = f.args.iter().map(|a| self.eval(scope, a)).collect();
        let expand = f.args.expand_final();
        let args = match (expand, args.split_last()) {
            (true, Some((last, init))) => match &last.kind {
                VKind::List(items) => init.iter().cloned().chain(items.iter().cloned()).collect(),
                _ => return self.unknown(scope, span, "an expanded argument not known offline"),
            },
            _ => args,
        };
        match builtin(self, scope, name, &args, span) {
            Some(v) => v,
            None if args.iter().any(Val::has_unknown) => {
                self.unknown(scope, span, "a function of a value not known offline")
            }
            None if KNOWN.contains(&name) => {
                self.failed(scope, span, "a function given arguments it does not take")
            }
            None => self.unknown(scope, span, "a function this reader does not evaluate"),
        }
    }

    /// `file(path)`: a file of the module, located at the call.
    fn read_module_file(&self, scope: &Scope, path: &Val, span: Span) -> Option<Val> {
        let p = path.as_str()?;
        let full = super::module::normalize(&self.dir.join(p));
        match self.reader.read(&full) {
            Ok(text) => Some(Val::new(VKind::Str(LStr::flat(text, span.start)), span)),
            Err(_) => Some(self.unknown(scope, span, "a file this reader cannot read")),
        }
    }
}

/// The functions [`builtin`] evaluates (a `None` from one of them is an evaluation error).
const KNOWN: &[&str] = &[
    "jsonencode",
    "jsondecode",
    "tostring",
    "tonumber",
    "tobool",
    "sensitive",
    "nonsensitive",
    "tolist",
    "toset",
    "tomap",
    "distinct",
    "format",
    "join",
    "concat",
    "flatten",
    "compact",
    "merge",
    "lookup",
    "element",
    "contains",
    "length",
    "keys",
    "values",
    "coalesce",
    "lower",
    "upper",
];

fn list(items: Vec<Val>, span: Span) -> Val {
    Val::new(VKind::List(items), span)
}

fn strs(v: &Val) -> Option<Vec<LStr>> {
    match &v.kind {
        VKind::List(items) => items.iter().map(Val::to_lstr).collect(),
        _ => None,
    }
}

fn builtin(m: &Module, scope: &Scope, name: &str, a: &[Val], span: Span) -> Option<Val> {
    let first = a.first();
    match name {
        "jsonencode" => Some(Val::new(VKind::Json(Box::new(first?.clone())), span)),
        "jsondecode" => match &first?.kind {
            VKind::Json(inner) => Some((**inner).clone()),
            VKind::Str(s) => parse_located(s).ok().map(|j| Val::from_json(&j)),
            _ => None,
        },
        "tostring" | "tonumber" | "tobool" | "sensitive" | "nonsensitive" => first.cloned(),
        "tolist" | "toset" => match &first?.kind {
            VKind::List(items) if name == "toset" => Some(list(dedup(items)?, span)),
            VKind::List(_) => first.cloned(),
            _ => None,
        },
        "tomap" => first.filter(|v| matches!(v.kind, VKind::Map(_))).cloned(),
        "distinct" => match &first?.kind {
            VKind::List(items) => Some(list(dedup(items)?, span)),
            _ => None,
        },
        "format" => format(a, span),
        "join" => {
            let sep = first?.to_lstr()?;
            let mut out = LStr::default();
            let mut n = 0;
            for l in a[1..].iter() {
                for piece in strs(l)? {
                    if n > 0 {
                        out.push(&sep);
                    }
                    out.push(&piece);
                    n += 1;
                }
            }
            Some(Val::new(VKind::Str(out), span))
        }
        "coalesce" => a
            .iter()
            .find(|v| !matches!(v.kind, VKind::Null) && v.as_str() != Some(""))
            .filter(|v| !v.has_unknown())
            .cloned(),
        "replace" => {
            let (s, from, to) = (first?, a.get(1)?.as_str()?, a.get(2)?.to_lstr()?);
            if from.starts_with('/') && from.ends_with('/') && from.len() > 1 {
                return None;
            }
            replace(s, from, &to, span)
        }
        "lower" | "upper" => {
            let s = first?.as_str()?;
            let t = if name == "lower" {
                s.to_lowercase()
            } else {
                s.to_uppercase()
            };
            Some(Val::str_at(t, span))
        }
        "file" | "templatefile" => {
            let v = m.read_module_file(scope, first?, span)?;
            // A template with variables is evaluated by Terraform; here it is read as text.
            if name == "templatefile"
                && v.as_str()
                    .is_some_and(|t| t.contains("${") || t.contains("%{"))
            {
                return Some(m.unknown(scope, span, "a template file with variables"));
            }
            Some(v)
        }
        _ => collection(name, a, span),
    }
}

/// The functions on lists and maps.
fn collection(name: &str, a: &[Val], span: Span) -> Option<Val> {
    let first = a.first();
    match name {
        "concat" => {
            let mut out = Vec::new();
            for l in a {
                match &l.kind {
                    VKind::List(items) => out.extend(items.iter().cloned()),
                    _ => return None,
                }
            }
            (out.len() <= MAX_ELEMENTS).then(|| list(out, span))
        }
        "flatten" => {
            let mut out = Vec::new();
            flatten(first?, &mut out)?;
            (out.len() <= MAX_ELEMENTS).then(|| list(out, span))
        }
        "compact" => match &first?.kind {
            VKind::List(items) => Some(list(
                items
                    .iter()
                    .filter(|x| !matches!(&x.kind, VKind::Null) && x.as_str() != Some(""))
                    .cloned()
                    .collect(),
                span,
            )),
            _ => None,
        },
        "merge" => {
            let mut out: Vec<(String, Span, Val)> = Vec::new();
            for x in a {
                match &x.kind {
                    VKind::Map(ms) => {
                        for (k, ks, v) in ms {
                            out.retain(|(o, _, _)| o != k);
                            out.push((k.clone(), *ks, v.clone()));
                        }
                    }
                    VKind::Null => {}
                    _ => return None,
                }
            }
            Some(Val::new(VKind::Map(out), span))
        }
        "lookup" => {
            let key = a.get(1)?;
            match (index(first?, key), a.get(2)) {
                (Some(v), _) => Some(v),
                (None, Some(d)) if matches!(first?.kind, VKind::Map(_)) && !key.has_unknown() => {
                    Some(d.clone())
                }
                _ => None,
            }
        }
        "element" => {
            let VKind::List(items) = &first?.kind else {
                return None;
            };
            let i: usize = a.get(1)?.to_lstr()?.text.parse().ok()?;
            items.get(i % items.len().max(1)).cloned()
        }
        "contains" => {
            let VKind::List(items) = &first?.kind else {
                return None;
            };
            let needle = a.get(1)?;
            let mut found = false;
            for x in items {
                found |= same(x, needle)?;
            }
            Some(Val::new(VKind::Bool(found), span))
        }
        "length" => match &first?.kind {
            VKind::List(v) => Some(num_val(v.len() as f64, span)),
            VKind::Map(v) => Some(num_val(v.len() as f64, span)),
            VKind::Str(s) if !first?.has_unknown() => {
                Some(num_val(s.text.chars().count() as f64, span))
            }
            _ => None,
        },
        "keys" | "values" => {
            let VKind::Map(_) = &first?.kind else {
                return None;
            };
            let es = entries(first?)?;
            let pick = |(k, v): (Val, Val)| if name == "keys" { k } else { v };
            Some(list(es.into_iter().map(pick).collect(), span))
        }
        _ => None,
    }
}

/// Distinct elements in first-seen order, as [`same`] compares them (an element holding an
/// unknown is never a duplicate); `toset` and `distinct` refuse (an evaluation error) more
/// than [`MAX_ELEMENTS`]. Linear: elements are looked up by their rendering and, for numbers,
/// by value (a number equals a number or a numeric string of the same value, two strings only
/// when they are the same text).
fn dedup(items: &[Val]) -> Option<Vec<Val>> {
    if items.len() > MAX_ELEMENTS {
        return None;
    }
    let mut out: Vec<Val> = Vec::new();
    let mut rendered: HashSet<String> = HashSet::new();
    // Numeric value (bits, -0 as 0) -> (a kept number, a kept numeric string).
    let mut numbers: HashMap<u64, (bool, bool)> = HashMap::new();
    for x in items {
        if x.has_unknown() {
            out.push(x.clone());
            continue;
        }
        let text = render(x);
        let n = number(x)
            .filter(|n| !n.is_nan())
            .map(|n| (n + 0.0).to_bits());
        let is_str = matches!(x.kind, VKind::Str(_));
        let seen = rendered.contains(&text)
            || n.and_then(|n| numbers.get(&n))
                .is_some_and(|&(num, s)| num || (s && !is_str));
        if seen {
            continue;
        }
        if let Some(n) = n {
            let e = numbers.entry(n).or_default();
            if is_str {
                e.1 = true;
            } else {
                e.0 = true;
            }
        }
        rendered.insert(text);
        out.push(x.clone());
    }
    Some(out)
}

fn flatten(v: &Val, out: &mut Vec<Val>) -> Option<()> {
    match &v.kind {
        VKind::List(items) => {
            for x in items {
                if out.len() > MAX_ELEMENTS {
                    return None;
                }
                flatten(x, out)?;
            }
        }
        _ => out.push(v.clone()),
    }
    Some(())
}

/// `format` with the verbs policies use: `%s`, `%d`, `%v`, `%q` and `%%`.
fn format(a: &[Val], span: Span) -> Option<Val> {
    let spec = a.first()?.to_lstr()?;
    let mut out = LStr::default();
    let mut next = 1;
    let mut chars = spec.text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '%' {
            let at = spec.to_source(u32::try_from(i).unwrap_or(0));
            out.push(&LStr {
                text: c.to_string(),
                map: vec![(0, at, true)],
            });
            continue;
        }
        match chars.next()? {
            (_, '%') => out.push(&LStr::flat("%", span.start)),
            (_, 's' | 'd' | 'v') => {
                out.push(&a.get(next)?.to_lstr()?);
                next += 1;
            }
            (_, 'q') => {
                let s = a.get(next)?.to_lstr()?;
                out.push(&LStr::flat(
                    serde_json::to_string(&s.text).ok()?,
                    span.start,
                ));
                next += 1;
            }
            _ => return None,
        }
    }
    Some(Val::new(VKind::Str(out), span))
}

/// `replace(s, from, to)` for a plain substring, keeping the map of the untouched pieces.
fn replace(s: &Val, from: &str, to: &LStr, span: Span) -> Option<Val> {
    let src = s.to_lstr()?;
    if from.is_empty() {
        return Some(s.clone());
    }
    let mut out = LStr::default();
    let mut rest = 0usize;
    for (at, _) in src.text.match_indices(from) {
        out.push(&slice(&src, rest, at));
        out.push(to);
        rest = at + from.len();
    }
    out.push(&slice(&src, rest, src.text.len()));
    Some(Val::new(VKind::Str(out), span))
}

/// Bytes `from..to` of a located string, with their map.
pub fn slice(s: &LStr, from: usize, to: usize) -> LStr {
    let text = s.text.get(from..to).unwrap_or("").to_string();
    let f = u32::try_from(from).unwrap_or(0);
    let mut map = vec![(0, s.to_source(f), true)];
    for &(d, src, lin) in &s.map {
        if (d as usize) > from && (d as usize) < to {
            map.push((d - f, src, lin));
        }
    }
    // The first piece is flat if the piece containing `from` is flat.
    let i = s.map.partition_point(|p| p.0 <= f).saturating_sub(1);
    if let Some(&(_, _, lin)) = s.map.get(i) {
        map[0].2 = lin;
    }
    LStr { text, map }
}
