//! Rendering a decision: a verdict line, the layers, the deciding statements in their files,
//! and the trace of every statement with the first element that did not match.

use super::{Snippet, Style, escape_text, table};
use crate::eval::decide::{Block, Outcome, Response, Stage, Step};
use crate::eval::graph::{Graph, Layer, Mismatch};
use crate::eval::request::Request;
use crate::eval::s3_facts::AclRef;
use crate::policy::{Effect, Statement};
use crate::source::Span;
use miette::LabeledSpan;
use serde::Serialize;

/// A statement located in its file, for output.
#[derive(Debug, Serialize)]
pub struct StatementRef {
    /// The file.
    pub file: String,
    /// The layer.
    pub layer: crate::eval::Layer,
    /// How human output names the layer (a Multi-Region Access Point's policy is one of the
    /// access point layer).
    #[serde(skip)]
    pub layer_name: &'static str,
    /// Organisation level (SCP/RCP), 1-based.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<usize>,
    /// The Sid, if any.
    pub sid: Option<String>,
    /// 0-based index in the Statement array.
    pub index: usize,
    /// `Allow` or `Deny`.
    pub effect: Effect,
    /// 1-based line of the statement.
    pub line: u32,
    /// 1-based column of the statement.
    pub column: u32,
}

/// Why a statement did not match, in words and data.
#[derive(Debug, Serialize)]
pub struct MismatchDetail {
    /// `principal`, `action`, `resource`, `condition` or `unknown-operator`.
    pub element: &'static str,
    /// A sentence.
    pub reason: String,
    /// For conditions: the operator, key, policy values and the request's values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// The condition key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The policy's values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
    /// The request's values (`null` when the key is absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_values: Option<Option<Vec<String>>>,
    /// 1-based line of the failing element.
    pub line: u32,
    /// 1-based column of the failing element.
    pub column: u32,
}

fn statement_of(graph: &Graph, id: usize) -> Option<(&crate::eval::graph::Document, &Statement)> {
    graph.written(graph.statements.get(id)?)
}

/// Locates statement `id`.
pub fn statement_ref(graph: &Graph, id: usize) -> Option<StatementRef> {
    let (doc, st) = statement_of(graph, id)?;
    let pos = doc.source.line_col(st.span.start);
    Some(StatementRef {
        file: doc.source.name().to_string(),
        layer: doc.layer,
        layer_name: graph.layer_name(doc),
        level: matches!(doc.layer, crate::eval::Layer::Scp | crate::eval::Layer::Rcp)
            .then_some(doc.level + 1),
        sid: st.sid.as_ref().map(|s| s.value.clone()),
        index: st.index,
        effect: st.effect.value,
        line: pos.line,
        column: pos.column,
    })
}

/// Explains a mismatch of statement `id`.
pub fn mismatch_detail(
    graph: &Graph,
    id: usize,
    mismatch: &Mismatch,
    request: &Request,
) -> Option<MismatchDetail> {
    let (doc, st) = statement_of(graph, id)?;
    let at = |span: Span| doc.source.line_col(span.start);
    let detail = |element: &'static str, reason: String, span: Span| {
        let p = at(span);
        MismatchDetail {
            element,
            reason,
            operator: None,
            key: None,
            values: None,
            request_values: None,
            line: p.line,
            column: p.column,
        }
    };
    Some(match mismatch {
        Mismatch::Principal => {
            let span = st.principal.as_ref().map_or(st.span, |p| p.span);
            let neg = st.principal.as_ref().is_some_and(|p| p.negated);
            let reason = if neg {
                format!("NotPrincipal excludes {}", request.caller)
            } else {
                format!("Principal does not name {}", request.caller)
            };
            detail("principal", reason, span)
        }
        Mismatch::Action => {
            let span = st.action.as_ref().map_or(st.span, |a| a.span);
            let neg = st.action.as_ref().is_some_and(|a| a.negated);
            let reason = if st.action.is_none() {
                "the statement has no Action".to_string()
            } else if neg {
                format!("NotAction excludes `{}`", request.action)
            } else {
                format!("Action does not cover `{}`", request.action)
            };
            detail("action", reason, span)
        }
        Mismatch::Resource => {
            let span = st.resource.as_ref().map_or(st.span, |r| r.span);
            let neg = st.resource.as_ref().is_some_and(|r| r.negated);
            let reason = if st.resource.is_none() {
                "the statement has no Resource".to_string()
            } else if neg {
                format!("NotResource excludes `{}`", request.resource)
            } else {
                format!("Resource does not cover `{}`", request.resource)
            };
            detail("resource", reason, span)
        }
        Mismatch::Condition { index } | Mismatch::Unknown { index } => {
            let c = st.conditions.get(*index)?;
            let op = &c.operator.value.text;
            let key = &c.key.value;
            let values: Vec<String> = c.values.iter().map(|v| v.text.clone()).collect();
            let req = request.context.get(key).map(|e| e.values.to_vec());
            let shown = match &req {
                Some(v) => format!(
                    "the request has {}",
                    v.iter()
                        .map(|x| format!("`{x}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => "the request has no such key".to_string(),
            };
            let unknown = matches!(mismatch, Mismatch::Unknown { .. });
            let reason = if unknown {
                format!("`{op}` is not a condition operator s3-access knows")
            } else {
                format!(
                    "`{op}` on `{key}` against {} is false: {shown}",
                    values
                        .iter()
                        .map(|x| format!("`{x}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let p = at(c.key.span);
            MismatchDetail {
                element: if unknown {
                    "unknown-operator"
                } else {
                    "condition"
                },
                reason,
                operator: Some(op.clone()),
                key: Some(key.clone()),
                values: Some(values),
                request_values: Some(req),
                line: p.line,
                column: p.column,
            }
        }
    })
}

/// One trace row for JSON.
#[derive(Debug, Serialize)]
pub struct TraceRow {
    /// The statement.
    #[serde(flatten)]
    pub statement: StatementRef,
    /// `matched`, `not-matched` or `not-applicable`.
    pub outcome: &'static str,
    /// Why it did not match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mismatch: Option<MismatchDetail>,
}

fn trace_rows(graph: &Graph, response: &Response, request: &Request) -> Vec<TraceRow> {
    response
        .trace
        .iter()
        .filter_map(|step: &Step| {
            let statement = statement_ref(graph, step.statement)?;
            let (outcome, mismatch) = match &step.outcome {
                Outcome::Matched => ("matched", None),
                Outcome::NotApplicable => ("not-applicable", None),
                Outcome::NotMatched { mismatch } => (
                    "not-matched",
                    mismatch_detail(graph, step.statement, mismatch, request),
                ),
            };
            Some(TraceRow {
                statement,
                outcome,
                mismatch,
            })
        })
        .collect()
}

/// The JSON document for a decision.
pub fn json(graph: &Graph, response: &Response, request: &Request) -> serde_json::Value {
    let mut determining: Vec<serde_json::Value> = response
        .determining
        .iter()
        .filter_map(|id| statement_ref(graph, *id))
        .filter_map(|s| {
            let mut v = serde_json::to_value(s).ok()?;
            if let Some(o) = v.as_object_mut() {
                o.insert("kind".into(), "statement".into());
            }
            Some(v)
        })
        .collect();
    determining.extend(response.grants.iter().filter_map(|g| grant_json(graph, *g)));
    determining.extend(response.kms_grants.iter().filter_map(|g| {
        let mut v = kms_grant_json(graph, *g)?;
        v.as_object_mut()?.insert("kind".into(), "kms-grant".into());
        Some(v)
    }));
    determining.extend(response.blocks.iter().map(block_json));
    let uncertain: Vec<serde_json::Value> = response
        .uncertain
        .iter()
        .map(|u| serde_json::json!({"reason": u.reason, "statement": u.statement.and_then(|id| statement_ref(graph, id))}))
        .collect();
    let context: serde_json::Map<String, serde_json::Value> = request
        .context
        .entries()
        .iter()
        .map(|e| {
            (
                e.key.to_string(),
                serde_json::json!({"values": e.values, "origin": e.origin}),
            )
        })
        .collect();
    let mut v = serde_json::json!({
        "decision": response.decision.as_str(),
        "request": {
            "principal": request.caller.to_string(),
            "action": request.action,
            "resource": request.resource,
            "resource_account": request.resource_account,
        },
        "determining": determining,
        "layers": response.layers,
        "trace": trace_rows(graph, response, request),
        "context": context,
        "uncertain": uncertain,
        "notes": response.notes,
    });
    if !graph.kms_grants.is_empty()
        && let Some(o) = v.as_object_mut()
    {
        let grants: Vec<serde_json::Value> = (0..graph.kms_grants.len())
            .filter_map(|i| {
                let mut g = kms_grant_json(graph, i)?;
                let outcome = match graph.kms_grants.get(i)?.applies(request) {
                    Ok(_) => "matched".to_string(),
                    Err(m) => m.reason().to_string(),
                };
                g.as_object_mut()?.insert("outcome".into(), outcome.into());
                Some(g)
            })
            .collect();
        o.insert("kms_grants".into(), grants.into());
    }
    v
}

/// A KMS grant for JSON: its id, grantee, operations and where it is written.
fn kms_grant_json(graph: &Graph, i: usize) -> Option<serde_json::Value> {
    let g = graph.kms_grants.get(i)?;
    let p = g.source.line_col(g.grant.span.start);
    let ops: Vec<&str> = g
        .grant
        .operations
        .iter()
        .map(|o| o.value.as_str())
        .collect();
    Some(serde_json::json!({
        "grant_id": g.grant.id.as_ref().map(|s| s.value.clone()),
        "grantee": g.grant.grantee.value,
        "operations": ops,
        "file": g.source.name(),
        "line": p.line,
        "column": p.column,
    }))
}

/// How a KMS grant is called in the answer: by its id, else by its place in the list.
fn kms_grant_label(graph: &Graph, i: usize) -> String {
    match graph.kms_grants.get(i).and_then(|g| g.grant.id.as_ref()) {
        Some(id) => format!("grant `{}`", id.value),
        None => format!("grant #{}", i + 1),
    }
}

/// An ACL grant for JSON: which ACL, the grantee and permission, and where it is written.
fn grant_json(graph: &Graph, r: AclRef) -> Option<serde_json::Value> {
    let (acl, g) = graph.s3.grant(r)?;
    let mut v = serde_json::json!({
        "kind": "acl-grant",
        "grantee": crate::eval::decide::grantee_name(&g.grantee),
        "permission": g.permission.as_str(),
    });
    let o = v.as_object_mut()?;
    match r {
        AclRef::Bucket { grant } => {
            o.insert("acl".into(), "bucket".into());
            o.insert("index".into(), grant.into());
        }
        AclRef::Object { object, grant } => {
            o.insert("acl".into(), "object".into());
            o.insert("index".into(), grant.into());
            if let Some(obj) = graph.s3.objects.get(object) {
                o.insert("key".into(), obj.key.clone().into());
            }
        }
    }
    if let Some(source) = &acl.source {
        o.insert("file".into(), source.name().into());
        if g.span.end > g.span.start {
            let p = source.line_col(g.span.start);
            o.insert("line".into(), p.line.into());
            o.insert("column".into(), p.column.into());
        }
    }
    Some(v)
}

/// A block for JSON.
fn block_json(b: &Block) -> serde_json::Value {
    let mut v = serde_json::json!({"kind": "block", "reason": b.reason});
    if let (Some(o), Ok(serde_json::Value::Object(rule))) =
        (v.as_object_mut(), serde_json::to_value(b.rule))
    {
        o.extend(rule);
        if let Some(p) = &b.place {
            let lc = p.source.line_col(p.span.start);
            o.insert("file".into(), p.source.name().into());
            o.insert("line".into(), lc.line.into());
            o.insert("column".into(), lc.column.into());
        }
    }
    v
}

fn label(r: &StatementRef) -> String {
    match &r.sid {
        Some(sid) if !sid.is_empty() => format!("Sid `{sid}`"),
        _ => format!("statement #{}", r.index + 1),
    }
}

/// The human rendering of a decision: the answer, the layers' verdicts, the statements,
/// grants and settings that decided, the request context and the trace.
pub fn human(graph: &Graph, response: &Response, request: &Request, style: Style) -> String {
    // Text from the input is escaped ([`super::escape`]); snippets escape their own.
    let mut out = escape_text(&headline(graph, response, request)).into_owned();
    if !response.layers.is_empty() {
        // The access point policy row of a request through a Multi-Region Access Point is
        // that Multi-Region Access Point's policy.
        let through_mrap = graph
            .s3
            .access_point_of(&request.resource)
            .and_then(|(i, _)| graph.s3.access_points.get(i))
            .is_some_and(|a| a.is_multi_region());
        layers_table(response, through_mrap, style, &mut out);
    }
    for id in &response.determining {
        render_statement(graph, *id, style, &mut out);
    }
    for g in &response.grants {
        render_grant(graph, g, style, &mut out);
    }
    for g in &response.kms_grants {
        render_kms_grant(graph, *g, style, &mut out);
    }
    for b in &response.blocks {
        render_block(b, style, &mut out);
    }
    context_table(request, style, &mut out);
    trace_table(graph, response, request, style, &mut out);
    out
}

/// The decision line, the notes and the uncertainties, then a blank line.
fn headline(graph: &Graph, response: &Response, request: &Request) -> String {
    let mut out = decision_line(response, request);
    for n in &response.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    uncertain_lines(graph, response, &mut out);
    out.push('\n');
    out
}

/// The answer alone (`query --quiet`): the decision line and what makes it uncertain, since an
/// uncertain answer is never shown as a plain one; no notes, tables or trace.
pub fn verdict(graph: &Graph, response: &Response, request: &Request) -> String {
    let mut out = decision_line(response, request);
    uncertain_lines(graph, response, &mut out);
    escape_text(&out).into_owned()
}

fn decision_line(response: &Response, request: &Request) -> String {
    format!(
        "{}: {} → {} on {}\n",
        response.decision.as_str(),
        request.caller,
        request.action,
        request.resource
    )
}

fn uncertain_lines(graph: &Graph, response: &Response, out: &mut String) {
    for u in &response.uncertain {
        let at = u
            .statement
            .and_then(|id| statement_ref(graph, id))
            .map(|r| format!(" ({}:{}:{})", r.file, r.line, r.column))
            .unwrap_or_default();
        out.push_str(&format!("uncertain: {}{at}\n", u.reason));
    }
}

/// The verdict of each layer.
fn layers_table(response: &Response, through_mrap: bool, style: Style, out: &mut String) {
    let mut t = table(style);
    t.set_header(["layer", "verdict"]);
    for l in &response.layers {
        let name = match l.level {
            Some(level) => format!("{} (level {})", l.layer.as_str(), level + 1),
            None if through_mrap && l.layer == Stage::Policy(Layer::AccessPoint) => {
                "Multi-Region Access Point policy".to_string()
            }
            None => l.layer.as_str().to_string(),
        };
        t.add_row([name, l.verdict.clone()]);
    }
    out.push_str(&escape_text(&t.to_string()));
    out.push_str("\n\n");
}

/// A statement that decided, shown in its file.
fn render_statement(graph: &Graph, id: usize, style: Style, out: &mut String) {
    let Some((doc, st)) = statement_of(graph, id) else {
        return;
    };
    let verb = match st.effect.value {
        Effect::Allow => "allows",
        Effect::Deny => "denies",
    };
    let head = Span::new(st.span.start as usize, st.span.start as usize + 1);
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        Some(format!("this statement {verb} the request")),
        st.sid.as_ref().map_or(head, |s| s.span),
    )];
    labels.push(LabeledSpan::new_with_span(
        Some("effect".into()),
        st.effect.span,
    ));
    let snippet = Snippet {
        source: &doc.source,
        message: format!(
            "{} of the {} {verb} the request",
            st.label(),
            graph.layer_name(doc)
        ),
        code: None,
        severity: match st.effect.value {
            Effect::Allow => miette::Severity::Advice,
            Effect::Deny => miette::Severity::Error,
        },
        help: None,
        labels,
    };
    snippet.render(style, out);
}

/// An ACL grant that allowed the request, shown in its file.
fn render_grant(graph: &Graph, g: &AclRef, style: Style, out: &mut String) {
    let Some((acl, grant)) = graph.s3.grant(*g) else {
        return;
    };
    let Some(source) = &acl.source else { return };
    if grant.span.end <= grant.span.start {
        return;
    }
    let which = match g {
        AclRef::Bucket { .. } => "the bucket ACL".to_string(),
        AclRef::Object { object, .. } => graph.s3.objects.get(*object).map_or_else(
            || "an object ACL".to_string(),
            |o| format!("the ACL of object `{}`", o.key),
        ),
    };
    let snippet = Snippet {
        source,
        message: format!(
            "{} to {} in {which} allows the request",
            grant.permission,
            crate::eval::decide::grantee_name(&grant.grantee)
        ),
        code: None,
        severity: miette::Severity::Advice,
        help: None,
        labels: vec![LabeledSpan::new_primary_with_span(
            Some("this grant allows the request".into()),
            grant.span,
        )],
    };
    snippet.render(style, out);
}

/// A KMS grant that allowed the request, shown in its `list-grants` file.
fn render_kms_grant(graph: &Graph, i: usize, style: Style, out: &mut String) {
    let Some(g) = graph.kms_grants.get(i) else {
        return;
    };
    let snippet = Snippet {
        source: &g.source,
        message: format!(
            "{} of the KMS key to {} allows the request",
            kms_grant_label(graph, i),
            g.grant.grantee.value
        ),
        code: None,
        severity: miette::Severity::Advice,
        help: None,
        labels: vec![LabeledSpan::new_primary_with_span(
            Some("this grant allows the request".into()),
            g.grant.grantee.span,
        )],
    };
    snippet.render(style, out);
}

/// A setting that blocked the request, shown in its file when it has one.
fn render_block(b: &Block, style: Style, out: &mut String) {
    match &b.place {
        Some(p) => {
            let snippet = Snippet {
                source: &p.source,
                message: b.reason.clone(),
                code: None,
                severity: miette::Severity::Error,
                help: None,
                labels: vec![LabeledSpan::new_primary_with_span(
                    Some("this setting blocks the request".into()),
                    p.span,
                )],
            };
            snippet.render(style, out);
        }
        None => out.push_str(&escape_text(&format!("  × {}\n\n", b.reason))),
    }
}

/// The request context: every key, its values and where they came from.
fn context_table(request: &Request, style: Style, out: &mut String) {
    let mut ctx = table(style);
    ctx.set_header(["context key", "value", "source"]);
    for e in request.context.entries() {
        let origin = match e.origin {
            crate::eval::context::Origin::Default => "default for this request",
            crate::eval::context::Origin::Given => "given",
        };
        ctx.add_row([e.key.to_string(), e.values.join(", "), origin.to_string()]);
    }
    out.push_str(&escape_text(&ctx.to_string()));
    out.push_str("\n\n");
}

/// The trace: every statement considered, and whether it matched.
fn trace_table(
    graph: &Graph,
    response: &Response,
    request: &Request,
    style: Style,
    out: &mut String,
) {
    let rows = trace_rows(graph, response, request);
    if rows.is_empty() {
        return;
    }
    let mut t = table(style);
    t.set_header(["layer", "statement", "where", "effect", "outcome"]);
    for row in rows {
        let s = &row.statement;
        let layer = match s.level {
            Some(level) => format!("{} {level}", s.layer.as_str()),
            None => s.layer_name.to_string(),
        };
        let outcome = match (&row.mismatch, row.outcome) {
            (Some(m), _) => format!("no: {}", m.reason),
            (None, "matched") => "matched".to_string(),
            (None, other) => other.replace('-', " "),
        };
        let effect = match s.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        };
        t.add_row([
            layer,
            label(s),
            format!("{}:{}:{}", s.file, s.line, s.column),
            effect.to_string(),
            outcome,
        ]);
    }
    for (i, g) in graph.kms_grants.iter().enumerate() {
        let p = g.source.line_col(g.grant.span.start);
        let outcome = match g.applies(request) {
            Ok(_) => "matched".to_string(),
            Err(m) => format!("no: {}", m.reason()),
        };
        t.add_row([
            "KMS grant".to_string(),
            kms_grant_label(graph, i),
            format!("{}:{}:{}", g.source.name(), p.line, p.column),
            "Allow".to_string(),
            outcome,
        ]);
    }
    out.push_str(&escape_text(&t.to_string()));
    out.push('\n');
}

/// The KMS leg of an answer, after S3's: each KMS request S3 makes with the caller's
/// credentials, rendered like a query of its own (layers, determining statements of the key
/// policy with file:line:col, context, trace).
pub fn kms_human(leg: &crate::eval::kms::KmsLeg, style: Style) -> String {
    let key = &leg.key;
    let mut out = format!(
        "\nKMS leg: the object's key is {}{} (from {}); S3 calls KMS with the caller's credentials{}\n\n",
        key.arn,
        if key.aws_managed {
            ", an AWS managed key"
        } else {
            ""
        },
        key.from,
        if key.bucket_key {
            ", with an S3 Bucket Key (encryption context: the bucket ARN)"
        } else {
            " (encryption context: the object ARN)"
        }
    );
    let out_text = escape_text(&out).into_owned();
    out = out_text;
    for call in std::iter::once(&leg.call).chain(leg.multipart.as_ref()) {
        out.push_str(&human(&leg.graph, &call.response, &call.request, style));
    }
    out
}

/// The KMS leg for JSON: the key and each KMS request with its answer.
pub fn kms_json(leg: &crate::eval::kms::KmsLeg) -> serde_json::Value {
    let key = &leg.key;
    let calls: Vec<serde_json::Value> = std::iter::once(&leg.call)
        .chain(leg.multipart.as_ref())
        .map(|c| json(&leg.graph, &c.response, &c.request))
        .collect();
    serde_json::json!({
        "key": {
            "arn": key.arn,
            "account": key.account,
            "aws_managed": key.aws_managed,
            "bucket_key": key.bucket_key,
            "from": key.from,
        },
        "calls": calls,
    })
}
