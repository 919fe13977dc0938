//! The expression evaluator: literals, templates, variables, locals, references between the
//! resources of a module, module outputs, the usual functions, conditionals and `for`
//! expressions. Whatever cannot be known offline becomes an unknown, registered with the
//! expression text and its place, so it is reported instead of dropped.

use super::module::{Decl, Module};
use super::value::{LStr, VKind, Val};
use crate::source::Span;
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::Element;

/// The deepest expression nesting the evaluator follows.
const MAX_EVAL_DEPTH: u32 = 200;
/// The most elements a `for` expression or collection function builds.
pub const MAX_ELEMENTS: usize = 10_000;

/// The names in scope besides the module's: `count`, `each`, `for` variables, dynamic-block
/// iterators; and the file being evaluated (its index in the module).
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Index of the file in [`Module::files`].
    pub file: usize,
    /// Names and values, innermost last.
    pub vars: Vec<(String, Val)>,
}

impl Scope {
    /// The file-level scope of file `file`.
    pub fn file(file: usize) -> Scope {
        Scope {
            file,
            vars: Vec::new(),
        }
    }

    /// This scope with one more name.
    pub fn with(&self, name: &str, value: Val) -> Scope {
        let mut s = self.clone();
        s.vars.push((name.to_string(), value));
        s
    }

    fn lookup(&self, name: &str) -> Option<&Val> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

/// The span of a parsed HCL node.
pub fn span_of(node: &impl hcl_edit::Span) -> Span {
    node.span()
        .map(|r| Span::new(r.start, r.end))
        .unwrap_or_default()
}

impl Module {
    /// Evaluates `e` in `scope`.
    pub fn eval(&self, scope: &Scope, e: &Expression) -> Val {
        let span = self.span_in(scope.file, e);
        let depth = self.shared.depth.get();
        if depth >= MAX_EVAL_DEPTH || !self.shared.spend() {
            return self.unknown(scope, span, "too deeply nested or too large to evaluate");
        }
        self.shared.depth.set(depth + 1);
        let v = self.eval_inner(scope, e, span);
        self.shared.depth.set(depth);
        v
    }

    fn eval_inner(&self, scope: &Scope, e: &Expression, span: Span) -> Val {
        match e {
            Expression::Null(_) => Val::new(VKind::Null, span),
            Expression::Bool(b) => Val::new(VKind::Bool(*b.value()), span),
            Expression::Number(n) => Val::new(VKind::Num(n.value().to_string()), span),
            Expression::String(s) => {
                let text = self.text(scope.file);
                Val::new(VKind::Str(align(text, span, s.value())), span)
            }
            Expression::Array(items) => {
                let v = items.iter().map(|x| self.eval(scope, x)).collect();
                Val::new(VKind::List(v), span)
            }
            Expression::Object(obj) => {
                let mut members = Vec::new();
                for (k, v) in obj.iter() {
                    let ks = self.span_in(scope.file, k);
                    let key = match k {
                        ObjectKey::Ident(i) => i.as_str().to_string(),
                        ObjectKey::Expression(x) => self.key_text(scope, x),
                    };
                    members.push((key, ks, self.eval(scope, v.expr())));
                }
                Val::new(VKind::Map(members), span)
            }
            Expression::StringTemplate(t) => self.template(scope, t.iter(), span),
            Expression::HeredocTemplate(h) => self.template(scope, h.template.iter(), span),
            Expression::Parenthesis(p) => self.eval(scope, p.inner()),
            Expression::Variable(v) => match scope.lookup(v.as_str()) {
                Some(x) => x.clone(),
                None => self.unknown(scope, span, "a name this reader does not know"),
            },
            Expression::Conditional(c) => {
                let cond = self.eval(scope, &c.cond_expr);
                match cond.kind {
                    VKind::Bool(true) => self.eval(scope, &c.true_expr),
                    VKind::Bool(false) => self.eval(scope, &c.false_expr),
                    _ => self.unknown(scope, span, "a condition not known offline"),
                }
            }
            Expression::FuncCall(f) => self.call(scope, f, span),
            Expression::Traversal(t) => self.traversal(scope, &t.expr, &t.operators, span),
            Expression::UnaryOp(u) => {
                let v = self.eval(scope, &u.expr);
                unary(*u.operator.value(), v, span).unwrap_or_else(|| {
                    self.unknown(scope, span, "an operation on a value not known offline")
                })
            }
            Expression::BinaryOp(b) => self.binary(scope, b, span),
            Expression::ForExpr(f) => self.for_expr(scope, f, span),
        }
    }

    /// An object key written as an expression: `(var.x)`, `"a"`, or an unknown's placeholder.
    fn key_text(&self, scope: &Scope, x: &Expression) -> String {
        let v = self.eval(scope, x);
        v.to_lstr().map(|l| l.text).unwrap_or_default()
    }

    /// A string template; one interpolation alone keeps its value's type (Terraform's rule).
    fn template<'e>(
        &self,
        scope: &Scope,
        elements: impl Iterator<Item = &'e Element>,
        span: Span,
    ) -> Val {
        let elements: Vec<&Element> = elements.collect();
        if let [Element::Interpolation(i)] = elements.as_slice() {
            return self.eval(scope, &i.expr);
        }
        let text = self.text(scope.file);
        let mut out = LStr::default();
        for el in elements {
            match el {
                Element::Literal(l) => {
                    out.push(&align(text, self.span_in(scope.file, l), l.value()))
                }
                Element::Interpolation(i) => {
                    let v = self.eval(scope, &i.expr);
                    match v.to_lstr() {
                        Some(l) => out.push(&l),
                        None => {
                            let u = self.unknown(scope, v.span, "a collection inside a string");
                            out.push(&u.to_lstr().unwrap_or_default());
                        }
                    }
                }
                Element::Directive(d) => {
                    let at = self.span_in(scope.file, d.as_ref());
                    let u = self.unknown(scope, at, "a template directive");
                    out.push(&u.to_lstr().unwrap_or_default());
                }
            }
        }
        Val::new(VKind::Str(out), span)
    }

    fn binary(&self, scope: &Scope, b: &hcl_edit::expr::BinaryOp, span: Span) -> Val {
        let l = self.eval(scope, &b.lhs_expr);
        let op = *b.operator.value();
        // `false && x` and `true || x` do not need `x`.
        match (op, &l.kind) {
            (BinaryOperator::And, VKind::Bool(false)) => return Val::new(VKind::Bool(false), span),
            (BinaryOperator::Or, VKind::Bool(true)) => return Val::new(VKind::Bool(true), span),
            _ => {}
        }
        let r = self.eval(scope, &b.rhs_expr);
        binary(op, &l, &r, span).unwrap_or_else(|| {
            self.unknown(scope, span, "an operation on a value not known offline")
        })
    }

    fn for_expr(&self, scope: &Scope, f: &hcl_edit::expr::ForExpr, span: Span) -> Val {
        let coll = self.eval(scope, &f.intro.collection_expr);
        let Some(pairs) = entries(&coll) else {
            return self.unknown(scope, span, "a `for` over a collection not known offline");
        };
        if pairs.len() > MAX_ELEMENTS {
            return self.unknown(scope, span, "a `for` over too many elements");
        }
        let mut list = Vec::new();
        let mut map = Vec::new();
        for (k, v) in pairs {
            let mut s = scope.clone();
            if let Some(kv) = &f.intro.key_var {
                s = s.with(kv.as_str(), k.clone());
            }
            s = s.with(f.intro.value_var.as_str(), v);
            if let Some(c) = &f.cond {
                match self.eval(&s, &c.expr).kind {
                    VKind::Bool(true) => {}
                    VKind::Bool(false) => continue,
                    _ => return self.unknown(scope, span, "a `for` condition not known offline"),
                }
            }
            let value = self.eval(&s, &f.value_expr);
            match &f.key_expr {
                Some(ke) => {
                    let key = self.eval(&s, ke);
                    let ks = key.span;
                    let text = key.to_lstr().map(|l| l.text).unwrap_or_default();
                    map.push((text, ks, value));
                }
                None => list.push(value),
            }
        }
        match f.key_expr {
            Some(_) => Val::new(VKind::Map(map), span),
            None => Val::new(VKind::List(list), span),
        }
    }

    /// A reference: `var.x`, `local.x`, `each.value`, `module.m.out`, `data.t.n.json`,
    /// `aws_s3_bucket.b[0].arn`, then any further attribute and index steps.
    fn traversal(
        &self,
        scope: &Scope,
        root: &Expression,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        span: Span,
    ) -> Val {
        let attr = |i: usize| match ops.get(i).map(|o| o.value()) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.as_str().to_string()),
            _ => None,
        };
        let Expression::Variable(name) = root else {
            let base = self.eval(scope, root);
            return self.steps(scope, base, ops, span);
        };
        let name = name.as_str();
        if let Some(v) = scope.lookup(name) {
            return self.steps(scope, v.clone(), ops, span);
        }
        let (base, used) = match (name, attr(0)) {
            ("var", Some(v)) => (self.variable(scope, &v, span), 1),
            ("local", Some(l)) => (self.local(scope, &l, span), 1),
            ("module", Some(m)) => return self.module_ref(scope, &m, &ops[1..], span),
            ("data", Some(t)) => match attr(1) {
                Some(n) => return self.resource_ref(scope, true, &t, &n, &ops[2..], span),
                None => (
                    self.unknown(scope, span, "an incomplete data reference"),
                    ops.len(),
                ),
            },
            // `path.module` is the module's own directory, which `file()` resolves against.
            ("path", Some(m)) if m == "module" => (Val::str_at(".", span), 1),
            ("path" | "terraform" | "self", _) => (
                self.unknown(scope, span, "known only when Terraform runs"),
                ops.len(),
            ),
            (t, Some(n)) if t.contains('_') => {
                return self.resource_ref(scope, false, t, &n, &ops[1..], span);
            }
            _ => (
                self.unknown(scope, span, "a name this reader does not know"),
                ops.len(),
            ),
        };
        self.steps(scope, base, &ops[used.min(ops.len())..], span)
    }

    /// Applies attribute, index and splat steps to a value.
    pub fn steps(
        &self,
        scope: &Scope,
        mut v: Val,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        span: Span,
    ) -> Val {
        for (i, op) in ops.iter().enumerate() {
            if matches!(v.kind, VKind::Unknown(_)) {
                return v;
            }
            v = match op.value() {
                TraversalOperator::GetAttr(a) => match v.get(a.as_str()) {
                    Some(x) => x.clone(),
                    None => self.failed(scope, span, "an attribute not known offline"),
                },
                TraversalOperator::Index(ix) => {
                    let k = self.eval(scope, ix);
                    index(&v, &k)
                        .unwrap_or_else(|| self.unknown(scope, span, "an index not known offline"))
                }
                TraversalOperator::LegacyIndex(n) => {
                    let k = Val::new(VKind::Num(n.value().to_string()), span);
                    index(&v, &k)
                        .unwrap_or_else(|| self.unknown(scope, span, "an index not known offline"))
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let items = match v.kind {
                        VKind::List(items) => items,
                        VKind::Null => Vec::new(),
                        _ => vec![v.clone()],
                    };
                    let rest = &ops[i + 1..];
                    let out = items
                        .into_iter()
                        .map(|x| self.steps(scope, x, rest, span))
                        .collect();
                    return Val::new(VKind::List(out), span);
                }
            };
        }
        v
    }

    /// `var.name`: the caller's input or a `.tfvars` value, else the default.
    fn variable(&self, scope: &Scope, name: &str, span: Span) -> Val {
        let Some(def) = self.variables.get(name) else {
            return self.unknown(scope, span, "a variable that is not declared");
        };
        if let Some(given) = &def.given {
            let mut v = given.clone();
            v.relocate(span);
            return v;
        }
        match &def.default {
            Some(e) => self.foreign(scope, def.file, span, |s| self.eval(s, e)),
            None => self.unknown(scope, span, "a variable without a default or value"),
        }
    }

    /// `local.name`, evaluated once.
    fn local(&self, scope: &Scope, name: &str, span: Span) -> Val {
        let Some((file, e)) = self.locals.get(name) else {
            return self.unknown(scope, span, "a local that is not declared");
        };
        let cached = self.local_memo.borrow().get(name).cloned();
        let v = match cached {
            Some(v) => v,
            None => {
                if !self.local_busy.borrow_mut().insert(name.to_string()) {
                    return self.unknown(scope, span, "a local that refers to itself");
                }
                let v = self.eval(&Scope::file(*file), e);
                self.local_busy.borrow_mut().remove(name);
                self.local_memo
                    .borrow_mut()
                    .insert(name.to_string(), v.clone());
                v
            }
        };
        if *file == scope.file {
            v
        } else {
            let mut v = v;
            v.relocate(span);
            v
        }
    }

    /// Evaluates `f` in file `file` and moves the result here when that is another file.
    pub fn foreign(
        &self,
        scope: &Scope,
        file: usize,
        span: Span,
        f: impl FnOnce(&Scope) -> Val,
    ) -> Val {
        if file == scope.file {
            return f(scope);
        }
        let mut v = f(&Scope::file(file));
        v.relocate(span);
        v
    }

    /// `TYPE.NAME...` or `data.TYPE.NAME...`.
    fn resource_ref(
        &self,
        scope: &Scope,
        data: bool,
        rtype: &str,
        name: &str,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        span: Span,
    ) -> Val {
        let Some(decl) = self.decl(data, rtype, name) else {
            return self.unknown(scope, span, "a resource not declared in this module");
        };
        let instances = self.instances(decl);
        let (key, rest) = match ops.first().map(|o| o.value()) {
            Some(TraversalOperator::Index(ix)) if decl.repeated() => {
                (Some(self.eval(scope, ix)), &ops[1..])
            }
            Some(TraversalOperator::LegacyIndex(n)) if decl.repeated() => (
                Some(Val::new(VKind::Num(n.value().to_string()), span)),
                &ops[1..],
            ),
            Some(TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_)) => {
                let out = instances
                    .iter()
                    .map(|inst| self.attribute_steps(scope, decl, inst, &ops[1..], span))
                    .collect();
                return Val::new(VKind::List(out), span);
            }
            _ => (None, ops),
        };
        let inst = match &key {
            None if !decl.repeated() => instances.first(),
            Some(k) => instances.find(k),
            None => None,
        };
        match inst {
            Some(inst) => self.attribute_steps(scope, decl, inst, rest, span),
            // Every instance is known (an unknown expansion is one `[?]` instance that
            // matches nothing): the index is out of range, an error `try` moves past.
            None if !instances.iter().any(|i| i.suffix == "[?]") => {
                self.failed(scope, span, "an instance that does not exist")
            }
            None => self.unknown(scope, span, "an instance not known offline"),
        }
    }

    fn attribute_steps(
        &self,
        scope: &Scope,
        decl: &Decl,
        inst: &super::module::Instance,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        span: Span,
    ) -> Val {
        let Some(TraversalOperator::GetAttr(a)) = ops.first().map(|o| o.value()) else {
            return self.unknown(scope, span, "a whole resource used as a value");
        };
        let key = (
            decl as *const Decl as usize,
            inst.suffix.clone(),
            a.as_str().to_string(),
        );
        let cached = self.attr_memo.borrow().get(&key).cloned();
        let mut v = match cached {
            Some(v) => v,
            None => {
                let at = if decl.file == scope.file {
                    span
                } else {
                    decl.span()
                };
                let v = self.resource_attribute(&inst.scope(decl.file), decl, a.as_str(), at);
                self.attr_memo.borrow_mut().insert(key, v.clone());
                v
            }
        };
        if decl.file != scope.file {
            v.relocate(span);
        }
        self.steps(scope, v, &ops[1..], span)
    }

    /// Registers an unknown at `span` of the current file and returns it.
    pub fn unknown(&self, scope: &Scope, span: Span, why: &str) -> Val {
        let expression = self.excerpt(scope.file, span);
        let id = self
            .shared
            .register(self.uid, scope.file, expression, span, why);
        Val::new(VKind::Unknown(id), span)
    }

    /// An unknown that stands for an evaluation error (see [`super::module::Shared::errors`]).
    pub fn failed(&self, scope: &Scope, span: Span, why: &str) -> Val {
        let v = self.unknown(scope, span, why);
        if let VKind::Unknown(id) = v.kind {
            self.shared.errors.borrow_mut().insert(id);
        }
        v
    }

    /// Whether every unknown inside `v` stands for an evaluation error.
    pub fn only_errors(&self, v: &Val) -> bool {
        let errors = self.shared.errors.borrow();
        let mut ids = Vec::new();
        collect_ids(v, &mut ids);
        !ids.is_empty() && ids.iter().all(|i| errors.contains(i))
    }

    /// The source text of `span`, shortened for messages.
    pub fn excerpt(&self, file: usize, span: Span) -> String {
        let t = self.text(file);
        let s = t.get(span.start as usize..span.end as usize).unwrap_or("");
        let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
        if s.chars().count() > 80 {
            format!("{}...", s.chars().take(77).collect::<String>())
        } else {
            s
        }
    }
}

fn collect_ids(v: &Val, out: &mut Vec<usize>) {
    match &v.kind {
        VKind::Unknown(id) => out.push(*id),
        VKind::Str(s) => out.extend(super::value::placeholder_ids(&s.text)),
        VKind::List(items) => items.iter().for_each(|x| collect_ids(x, out)),
        VKind::Map(m) => m.iter().for_each(|(_, _, x)| collect_ids(x, out)),
        VKind::Json(x) => collect_ids(x, out),
        _ => {}
    }
}

/// The entries of a collection: lists give (index, value), maps (key, value); `None` if not a
/// known collection.
pub fn entries(v: &Val) -> Option<Vec<(Val, Val)>> {
    match &v.kind {
        VKind::List(items) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| (Val::new(VKind::Num(i.to_string()), x.span), x.clone()))
                .collect(),
        ),
        VKind::Map(m) => {
            // Terraform iterates maps and objects in lexical key order.
            let mut es: Vec<(Val, Val)> = m
                .iter()
                .map(|(k, ks, x)| (Val::str_at(k.clone(), *ks), x.clone()))
                .collect();
            es.sort_by(|a, b| a.0.as_str().cmp(&b.0.as_str()));
            Some(es)
        }
        _ => None,
    }
}

/// `v[k]` for a known list or map.
pub fn index(v: &Val, k: &Val) -> Option<Val> {
    match (&v.kind, &k.kind) {
        (VKind::List(items), VKind::Num(n)) => items.get(n.parse::<usize>().ok()?).cloned(),
        (VKind::Map(_), _) => v.get(&k.to_lstr()?.text).cloned(),
        _ => None,
    }
}

/// The number a value holds or spells (`"1"`), if any.
pub fn number(v: &Val) -> Option<f64> {
    match &v.kind {
        VKind::Num(n) => n.parse().ok(),
        VKind::Str(s) => s.text.parse().ok(),
        _ => None,
    }
}

/// A number as Terraform prints it: whole numbers without a fraction.
pub fn num_val(x: f64, span: Span) -> Val {
    let text = if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    };
    Val::new(VKind::Num(text), span)
}

fn unary(op: UnaryOperator, v: Val, span: Span) -> Option<Val> {
    match (op, &v.kind) {
        (UnaryOperator::Not, VKind::Bool(b)) => Some(Val::new(VKind::Bool(!b), span)),
        (UnaryOperator::Neg, _) => Some(num_val(-number(&v)?, span)),
        _ => None,
    }
}

/// Equality of known values, ignoring spans; `None` when an unknown is involved.
pub fn same(a: &Val, b: &Val) -> Option<bool> {
    if a.has_unknown() || b.has_unknown() {
        return None;
    }
    Some(
        super::value::render(a) == super::value::render(b)
            || number(a).is_some()
                && number(a) == number(b)
                && !matches!((&a.kind, &b.kind), (VKind::Str(_), VKind::Str(_))),
    )
}

fn binary(op: BinaryOperator, l: &Val, r: &Val, span: Span) -> Option<Val> {
    use BinaryOperator as B;
    let b = |x: bool| Some(Val::new(VKind::Bool(x), span));
    match op {
        B::Eq => b(same(l, r)?),
        B::NotEq => b(!same(l, r)?),
        B::And | B::Or => match (&l.kind, &r.kind) {
            (VKind::Bool(x), VKind::Bool(y)) => b(if op == B::And { *x && *y } else { *x || *y }),
            _ => None,
        },
        _ => {
            let (x, y) = (number(l)?, number(r)?);
            match op {
                B::Plus => Some(num_val(x + y, span)),
                B::Minus => Some(num_val(x - y, span)),
                B::Mul => Some(num_val(x * y, span)),
                B::Div if y != 0.0 => Some(num_val(x / y, span)),
                B::Mod if y != 0.0 => Some(num_val(x % y, span)),
                B::Less => b(x < y),
                B::LessEq => b(x <= y),
                B::Greater => b(x > y),
                B::GreaterEq => b(x >= y),
                _ => None,
            }
        }
    }
}

/// The located string of a literal whose decoded text is `decoded` and whose source is `span`
/// of `text`: bytes map one to one where source and text agree, and escapes (`\"`, `\n`,
/// `\u…`, `$${`, `%%{`) and heredoc indentation shift the map.
pub fn align(text: &str, span: Span, decoded: &str) -> LStr {
    let raw = text
        .get(span.start as usize..span.end as usize)
        .unwrap_or("");
    let quoted = raw.starts_with('"');
    let (raw, base) = match quoted {
        true => (&raw[1..], span.start + 1),
        false => (raw, span.start),
    };
    let rb = raw.as_bytes();
    let at = |r: usize| base.saturating_add(u32::try_from(r).unwrap_or(u32::MAX));
    let mut map: Vec<(u32, u32, bool)> = Vec::new();
    let mut r = 0usize;
    for (d, ch) in decoded.char_indices() {
        let d = u32::try_from(d).unwrap_or(u32::MAX);
        let mut buf = [0u8; 4];
        let want = ch.encode_utf8(&mut buf).as_bytes();
        if quoted && rb.get(r) == Some(&b'\\') {
            map.push((d, at(r), false));
            r += match rb.get(r + 1) {
                Some(b'u') => 6,
                Some(b'U') => 10,
                _ => 2,
            };
            continue;
        }
        let mut skipped = 0;
        while r < rb.len() && !rb[r..].starts_with(want) {
            r += 1;
            skipped += 1;
            if skipped > 4096 {
                return LStr::flat(decoded, span.start);
            }
        }
        let continues = map
            .last()
            .is_some_and(|&(pd, ps, lin)| lin && ps.saturating_add(d - pd) == at(r));
        if !continues {
            map.push((d, at(r), true));
        }
        r += want.len();
    }
    if map.is_empty() {
        map.push((0, base, true));
    }
    LStr {
        text: decoded.to_string(),
        map,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn align_follows_escapes_and_indentation() {
        let text = r#"x = "a\"b$${c}""#;
        let span = Span::new(4, text.len());
        let l = align(text, span, "a\"b${c}");
        // `b` is at byte 8 of the source, `{` after the doubled `$` at byte 11.
        assert_eq!(l.to_source(2), 8);
        assert_eq!(l.to_source(4), 11);
        let heredoc = "    {\n    }\n";
        let l = align(heredoc, Span::new(0, heredoc.len()), "{\n}\n");
        assert_eq!((l.to_source(0), l.to_source(2)), (4, 10));
    }
}
