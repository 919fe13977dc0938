//! `data "aws_iam_policy_document"` rendered as the AWS provider renders its `json`, and the
//! nested blocks of any resource with `dynamic` blocks expanded.
//!
//! Provider rules (data source `aws_iam_policy_document`, Terraform AWS provider docs):
//! `version` defaults to `2012-10-17`; `effect` to `Allow`; a list of one value renders as a
//! string; principals of one type are merged; type `*` with identifier `*` renders as
//! `"Principal": "*"`; `&{var}` renders as the policy variable `${var}`;
//! `source_policy_documents` come first (their Sids unique), then this document's statements
//! (a Sid equal to a source statement's replaces it), then `override_policy_documents` (a Sid
//! equal to an earlier statement's replaces it, the rest are appended).

use super::eval::{Scope, entries};
use super::module::{Decl, Module};
use super::value::{VKind, Val, parse_located};
use crate::source::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::Body;

impl Module {
    /// The nested blocks `name` of `body`, including those a `dynamic "name"` block generates,
    /// each with the scope its attributes are evaluated in.
    pub fn blocks<'b>(
        &self,
        scope: &Scope,
        body: &'b Body,
        name: &str,
    ) -> Vec<(Scope, &'b Body, Span)> {
        let mut out = Vec::new();
        for b in body.blocks() {
            if b.ident.as_str() == name && b.labels.is_empty() {
                out.push((scope.clone(), &b.body, self.span_in(scope.file, b)));
                continue;
            }
            let is_dynamic =
                b.ident.as_str() == "dynamic" && b.labels.first().map(|l| l.as_str()) == Some(name);
            let Some(content) = b.body.blocks().find(|c| c.ident.as_str() == "content") else {
                continue;
            };
            if !is_dynamic {
                continue;
            }
            let iterator = match b.body.get_attribute("iterator").map(|a| &a.value) {
                Some(Expression::Variable(v)) => v.as_str().to_string(),
                _ => name.to_string(),
            };
            let span = self.span_in(scope.file, b);
            let coll = match b.body.get_attribute("for_each") {
                Some(a) => self.eval(scope, &a.value),
                None => self.unknown(scope, span, "a dynamic block without for_each"),
            };
            match entries(&coll) {
                Some(es) => {
                    for (k, v) in es.into_iter().take(super::eval::MAX_ELEMENTS) {
                        let it = Val::new(
                            VKind::Map(vec![
                                ("key".into(), k.span, k),
                                ("value".into(), v.span, v),
                            ]),
                            coll.span,
                        );
                        let cs = self.span_in(scope.file, content);
                        out.push((scope.with(&iterator, it), &content.body, cs));
                    }
                }
                None => {
                    // Not known offline: the content is read once with an unknown iterator.
                    let u = self.unknown(
                        scope,
                        coll.span,
                        "a dynamic block over a collection not known offline",
                    );
                    let it = Val::new(
                        VKind::Map(vec![
                            ("key".into(), u.span, u.clone()),
                            ("value".into(), u.span, u),
                        ]),
                        coll.span,
                    );
                    let cs = self.span_in(scope.file, content);
                    out.push((scope.with(&iterator, it), &content.body, cs));
                }
            }
        }
        out
    }

    /// The value of attribute `key` of `body`, if set.
    pub fn attr(&self, scope: &Scope, body: &Body, key: &str) -> Option<Val> {
        body.get_attribute(key).map(|a| self.eval(scope, &a.value))
    }

    /// The policy a `data "aws_iam_policy_document"` instance renders.
    pub fn policy_document(&self, scope: &Scope, decl: &Decl) -> Val {
        let body = &decl.block.body;
        let span = decl.span();
        let mut statements: Vec<Val> = Vec::new();
        for key in ["source_policy_documents", "source_json"] {
            for doc in self.documents(scope, body, key) {
                statements.extend(doc_statements(&doc));
            }
        }
        for (s, b, sspan) in self.blocks(scope, body, "statement") {
            merge_statement(&mut statements, self.statement(&s, b, sspan));
        }
        for key in ["override_policy_documents", "override_json"] {
            for doc in self.documents(scope, body, key) {
                for st in doc_statements(&doc) {
                    merge_statement(&mut statements, st);
                }
            }
        }
        let version = self
            .attr(scope, body, "version")
            .filter(|v| !matches!(v.kind, VKind::Null))
            .unwrap_or_else(|| Val::str_at("2012-10-17", span));
        let mut members = vec![("Version".to_string(), version.span, version)];
        if let Some(id) = self
            .attr(scope, body, "policy_id")
            .filter(|v| !matches!(v.kind, VKind::Null))
        {
            members.push(("Id".into(), id.span, id));
        }
        members.push((
            "Statement".into(),
            span,
            Val::new(VKind::List(statements), span),
        ));
        Val::new(VKind::Map(members), span)
    }

    /// The documents an attribute lists (one string for the legacy `*_json` attributes).
    fn documents(&self, scope: &Scope, body: &Body, key: &str) -> Vec<Val> {
        match self.attr(scope, body, key) {
            None => Vec::new(),
            Some(v) => match v.kind {
                VKind::Null => Vec::new(),
                VKind::List(items) => items,
                _ => vec![v],
            },
        }
    }

    fn statement(&self, scope: &Scope, body: &Body, span: Span) -> Val {
        let mut m: Vec<(String, Span, Val)> = Vec::new();
        let mut put = |k: &str, v: Val| m.push((k.to_string(), v.span, v));
        if let Some(sid) = self
            .attr(scope, body, "sid")
            .filter(|v| v.as_str() != Some("") && !matches!(v.kind, VKind::Null))
        {
            put("Sid", sid);
        }
        let effect = self
            .attr(scope, body, "effect")
            .filter(|v| !matches!(v.kind, VKind::Null));
        put(
            "Effect",
            effect.unwrap_or_else(|| Val::str_at("Allow", span)),
        );
        for (attr, key) in [
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ] {
            if let Some(v) = self.attr(scope, body, attr).and_then(one_or_many) {
                put(key, v);
            }
        }
        for (block, key) in [
            ("principals", "Principal"),
            ("not_principals", "NotPrincipal"),
        ] {
            if let Some(v) = self.principals(scope, body, block) {
                put(key, v);
            }
        }
        if let Some(c) = self.conditions(scope, body) {
            put("Condition", c);
        }
        let mut v = Val::new(VKind::Map(m), span);
        policy_variables(&mut v);
        v
    }

    fn principals(&self, scope: &Scope, body: &Body, block: &str) -> Option<Val> {
        let blocks = self.blocks(scope, body, block);
        let first_span = blocks.first()?.2;
        let mut by_type: Vec<(String, Span, Vec<Val>)> = Vec::new();
        for (s, b, bspan) in &blocks {
            let t = self
                .attr(s, b, "type")
                .unwrap_or_else(|| self.unknown(s, *bspan, "a principal block without type"));
            let ids = match self.attr(s, b, "identifiers").map(|v| v.kind) {
                Some(VKind::List(items)) => items,
                Some(other) => vec![Val::new(other, *bspan)],
                None => Vec::new(),
            };
            let tname = t.to_lstr().map(|l| l.text).unwrap_or_default();
            match by_type.iter_mut().find(|(n, _, _)| *n == tname) {
                Some((_, _, v)) => v.extend(ids),
                None => by_type.push((tname, t.span, ids)),
            }
        }
        if let [(t, _, ids)] = by_type.as_slice()
            && t == "*"
            && ids.len() == 1
            && ids[0].as_str() == Some("*")
        {
            return Some(ids[0].clone());
        }
        let members = by_type
            .into_iter()
            .map(|(t, ts, ids)| {
                let v = one_or_many(Val::new(VKind::List(ids), ts))
                    .unwrap_or_else(|| Val::new(VKind::List(Vec::new()), ts));
                (t, ts, v)
            })
            .collect();
        Some(Val::new(VKind::Map(members), first_span))
    }

    fn conditions(&self, scope: &Scope, body: &Body) -> Option<Val> {
        let blocks = self.blocks(scope, body, "condition");
        let first_span = blocks.first()?.2;
        let mut tests: Vec<(String, Span, Val)> = Vec::new();
        for (s, b, bspan) in &blocks {
            let test = self
                .attr(s, b, "test")
                .unwrap_or_else(|| self.unknown(s, *bspan, "a condition without test"));
            let var = self
                .attr(s, b, "variable")
                .unwrap_or_else(|| self.unknown(s, *bspan, "a condition without variable"));
            let values = self
                .attr(s, b, "values")
                .unwrap_or_else(|| self.unknown(s, *bspan, "a condition without values"));
            let values = one_or_many(values.clone()).unwrap_or(values);
            let tname = test.to_lstr().map(|l| l.text).unwrap_or_default();
            let vname = var.to_lstr().map(|l| l.text).unwrap_or_default();
            let idx = match tests.iter().position(|(n, _, _)| *n == tname) {
                Some(i) => i,
                None => {
                    tests.push((
                        tname,
                        test.span,
                        Val::new(VKind::Map(Vec::new()), test.span),
                    ));
                    tests.len() - 1
                }
            };
            if let VKind::Map(vars) = &mut tests[idx].2.kind {
                vars.push((vname, var.span, values));
            }
        }
        Some(Val::new(VKind::Map(tests), first_span))
    }
}

/// A list of one value as that value, an empty list as nothing (the provider's rendering).
fn one_or_many(v: Val) -> Option<Val> {
    match v.kind {
        VKind::Null => None,
        VKind::List(mut items) => match items.len() {
            0 => None,
            1 => items.pop(),
            _ => Some(Val::new(VKind::List(items), v.span)),
        },
        _ => Some(v),
    }
}

/// `&{aws:username}` is how a policy variable is written in the data source; the provider
/// renders it as `${aws:username}` (same length, so the source map holds).
fn policy_variables(v: &mut Val) {
    match &mut v.kind {
        VKind::Str(s) if s.text.contains("&{") => s.text = s.text.replace("&{", "${"),
        VKind::List(items) => items.iter_mut().for_each(policy_variables),
        VKind::Map(m) => m.iter_mut().for_each(|(_, _, x)| policy_variables(x)),
        _ => {}
    }
}

/// The statements of a policy document value: a rendered document, JSON text, or (not known
/// offline) the unknown itself kept as a statement so it is never silently dropped.
fn doc_statements(doc: &Val) -> Vec<Val> {
    let tree = match &doc.kind {
        VKind::Json(inner) => (**inner).clone(),
        VKind::Str(s) => match parse_located(s) {
            Ok(j) => Val::from_json(&j),
            Err(_) => return vec![doc.clone()],
        },
        VKind::Null => return Vec::new(),
        _ => return vec![doc.clone()],
    };
    match tree.get("Statement").map(|s| &s.kind) {
        Some(VKind::List(items)) => items.clone(),
        Some(_) => tree.get("Statement").cloned().into_iter().collect(),
        None => Vec::new(),
    }
}

/// Adds a statement, replacing an earlier one with the same non-empty Sid.
fn merge_statement(statements: &mut Vec<Val>, st: Val) {
    let sid = st
        .get("Sid")
        .and_then(Val::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if let Some(sid) = sid
        && let Some(i) = statements
            .iter()
            .position(|o| o.get("Sid").and_then(Val::as_str) == Some(sid.as_str()))
    {
        statements[i] = st;
        return;
    }
    statements.push(st);
}
