//! CloudFormation, SAM and CDK-synthesised templates, JSON and YAML, read into an
//! [`Extracted`]: the buckets with their settings and the policies the template declares,
//! every value resolved as far as the template allows, spans in the template file.
//!
//! - [`yaml`]: YAML to [`Value`] with spans, short-form tags in long form.
//! - [`intrinsics`]: `Ref`, `Fn::Sub`, `Fn::GetAtt`, `Fn::If` and the other functions.
//! - [`extract`]: resources to policies and bucket settings.
//!
//! See `docs/iac.md` for what is resolved, how unknown values are shown, and what is not read.

pub mod extract;
pub mod intrinsics;
pub mod yaml;

use super::{Extracted, Format};
use crate::diagnostic::Finding;
use crate::json::{self, ErrorKind, Kind, Member, Value};
use crate::registry::Code;
use crate::source::{SourceFile, Span};

/// The largest template read, in bytes. CloudFormation accepts at most 1 MB (a template in
/// S3; 51,200 bytes inline), so four times that leaves room for local files that are
/// processed before upload and still bounds the work.
pub const MAX_TEMPLATE_BYTES: usize = 4 * 1024 * 1024;

/// The sections of a template that the reader uses.
#[derive(Debug)]
pub struct Template<'a> {
    /// The template's root object.
    pub root: &'a Value,
    /// `Parameters`, by logical id.
    pub parameters: Vec<(&'a str, &'a Value)>,
    /// `Mappings`.
    pub mappings: Option<&'a Value>,
    /// `Conditions`, by name.
    pub conditions: Vec<(&'a str, &'a Value)>,
    /// `Resources`, in file order.
    pub resources: Vec<Resource<'a>>,
}

/// One entry of `Resources`.
#[derive(Debug)]
pub struct Resource<'a> {
    /// The logical id.
    pub id: &'a str,
    /// The span of the logical id.
    pub id_span: Span,
    /// The resource type (`AWS::S3::Bucket`); empty when it is not a string.
    pub kind: &'a str,
    /// `Properties`, if any.
    pub properties: Option<&'a Value>,
    /// The name of the resource's `Condition`, if any.
    pub condition: Option<&'a Value>,
    /// The whole entry (`{"Type": ..., "Properties": ...}`).
    pub span: Span,
}

impl<'a> Template<'a> {
    /// The sections of `root`, or `None` when `root` is not a CloudFormation template: it has
    /// neither `AWSTemplateFormatVersion` nor a `Resources` entry of an `AWS::` type.
    pub fn of(root: &'a Value) -> Option<Template<'a>> {
        let members = root.as_object()?;
        let resources = root
            .get("Resources")
            .and_then(Value::as_object)
            .unwrap_or(&[]);
        let aws_typed = resources.iter().any(|m| {
            m.value
                .get("Type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.starts_with("AWS::"))
        });
        let versioned = members
            .iter()
            .any(|m| &*m.key == "AWSTemplateFormatVersion");
        if !versioned && !aws_typed {
            return None;
        }
        let section = |name: &str| {
            root.get(name)
                .and_then(Value::as_object)
                .unwrap_or(&[])
                .iter()
                .map(|m| (&*m.key, &m.value))
                .collect::<Vec<_>>()
        };
        Some(Template {
            root,
            parameters: section("Parameters"),
            mappings: root.get("Mappings"),
            conditions: section("Conditions"),
            resources: resources
                .iter()
                .map(|m| Resource {
                    id: &m.key,
                    id_span: m.key_span,
                    kind: m.value.get("Type").and_then(Value::as_str).unwrap_or(""),
                    properties: m.value.get("Properties"),
                    condition: m.value.get("Condition"),
                    span: m.key_span.join(m.value.span),
                })
                .collect(),
        })
    }

    /// The resource with logical id `id`.
    pub fn resource(&self, id: &str) -> Option<&Resource<'a>> {
        self.resources.iter().find(|r| r.id == id)
    }

    /// The parameter with logical id `id`.
    pub fn parameter(&self, id: &str) -> Option<&'a Value> {
        self.parameters
            .iter()
            .find(|(k, _)| *k == id)
            .map(|(_, v)| *v)
    }
}

/// Reads `source` as a CloudFormation template. `None` when it is not one (other YAML or
/// JSON, which callers skip quietly); otherwise everything it declares, with every problem
/// located (a template that cannot be read at all has one finding and nothing else).
pub fn read(source: SourceFile) -> Option<Extracted> {
    read_at(source, 0)
}

/// [`read`] of a template nested `depth` levels deep (in a StackSet's `TemplateBody`).
fn read_at(source: SourceFile, depth: usize) -> Option<Extracted> {
    let text = source.text();
    let fail =
        |finding: Finding| looks_like_template(text).then(|| empty(source.clone(), vec![finding]));
    if text.len() > MAX_TEMPLATE_BYTES {
        return fail(Finding::new(
            Code::InputLimit,
            Span::new(0, 0),
            format!(
                "the template is {} bytes, over the {} MiB limit (CloudFormation takes at most 1 MB)",
                text.len(),
                MAX_TEMPLATE_BYTES >> 20
            ),
        ));
    }
    let bom = json::bom_len(text);
    let body = text.get(bom..).unwrap_or("");
    let is_json = body.trim_start().starts_with('{');
    let parsed = if is_json {
        json::parse(body)
            .map(|mut v| {
                let shift = u32::try_from(bom).unwrap_or(0);
                v.remap(&|at| at + shift);
                (v, Vec::new())
            })
            .map_err(|e| json_error(&e, bom))
    } else {
        yaml::parse(text)
    };
    let (mut root, notes) = match parsed {
        Ok(p) => p,
        Err(f) => return fail(f),
    };
    expand_for_each(&mut root);
    let template = Template::of(&root)?;
    let mut out = extract::extract_at(&source, &template, depth);
    out.findings.splice(0..0, notes);
    Some(out)
}

fn empty(source: SourceFile, findings: Vec<Finding>) -> Extracted {
    Extracted {
        source,
        format: Format::CloudFormation,
        policies: Vec::new(),
        buckets: Vec::new(),
        unknowns: Vec::new(),
        findings,
        iam: crate::iac::Iam::default(),
        access_points: Vec::new(),
    }
}

/// Whether text that cannot be read still names a template's marks, so its error is worth
/// reporting rather than skipping the file as some other YAML or JSON.
fn looks_like_template(text: &str) -> bool {
    let head = text.get(..text.len().min(1 << 20)).unwrap_or(text);
    head.contains("AWSTemplateFormatVersion") || head.contains("Type: AWS::") || {
        head.contains("\"Type\"") && head.contains("\"AWS::")
    }
}

fn json_error(e: &json::Error, bom: usize) -> Finding {
    let code = match e.kind {
        ErrorKind::TooDeep | ErrorKind::TooLarge => Code::InputLimit,
        ErrorKind::InvalidUtf8 => Code::InvalidUtf8,
        _ => Code::JsonSyntax,
    };
    let shift = u32::try_from(bom).unwrap_or(0);
    let span = Span {
        start: e.span.start + shift,
        end: e.span.end + shift,
    };
    let f = Finding::new(code, span, e.message());
    match e.help() {
        Some(h) => f.with_help(h),
        None => f,
    }
}

// rule: E013
/// An intrinsic function or reference that CloudFormation would reject.
pub(crate) fn template_error(span: Span, message: impl Into<String>) -> Finding {
    Finding::new(Code::TemplateError, span, message)
}

// rule: E014
/// A construct the reader does not follow; what it declares is unknown.
pub(crate) fn unsupported(span: Span, message: impl Into<String>) -> Finding {
    Finding::new(Code::TemplateUnsupported, span, message)
}

/// Whether a value is a one-member object whose key is an intrinsic function (`Ref` or
/// `Fn::...`); returns the function name and its argument. (`Condition` is a function only
/// inside `Conditions`, where [`intrinsics`] reads it.)
pub fn intrinsic(v: &Value) -> Option<(&str, &Value)> {
    match &v.kind {
        Kind::Object(members) if members.len() == 1 => {
            let m = members.first()?;
            let k = &*m.key;
            (k == "Ref" || k.starts_with("Fn::")).then_some((k, &m.value))
        }
        _ => None,
    }
}

/// The most values (nodes) that `Fn::ForEach` loops may generate in one template: a few
/// times what a 1 MB template holds, so a loop cannot multiply a template into gigabytes.
pub const MAX_GENERATED: usize = 500_000;

/// Expands the `Fn::ForEach::Name: [Identifier, [values], {Key${Identifier}: resource}]`
/// entries of `Resources` (the `AWS::LanguageExtensions` transform, "Fn::ForEach" in the
/// Template Reference): one resource per value, `${Identifier}` and `&{Identifier}` replaced
/// in keys and strings and `{"Ref": Identifier}` replaced by the value. The generated
/// resources keep the spans of the loop's body. A loop over something other than a literal
/// list or a parameter's default is left as it is (the extractor notes it, E014).
fn expand_for_each(root: &mut Value) {
    let defaults: Vec<(String, String)> = root
        .get("Parameters")
        .and_then(Value::as_object)
        .unwrap_or(&[])
        .iter()
        .filter_map(|m| {
            let d = m.value.get("Default")?.as_str()?;
            Some((m.key.to_string(), d.to_string()))
        })
        .collect();
    let Kind::Object(members) = &mut root.kind else {
        return;
    };
    let Some(Kind::Object(resources)) = members
        .iter_mut()
        .find(|m| &*m.key == "Resources")
        .map(|m| &mut m.value.kind)
    else {
        return;
    };
    let mut out = Vec::new();
    let mut budget = MAX_GENERATED;
    for m in std::mem::take(resources) {
        if !m.key.starts_with("Fn::ForEach::") {
            out.push(m);
            continue;
        }
        let mut generated = Vec::new();
        match expand_loop(&m, &defaults, &mut generated, &mut budget, 0) {
            Some(()) => out.extend(generated),
            None => out.push(m),
        }
    }
    *resources = out;
}

fn expand_loop(
    m: &Member,
    defaults: &[(String, String)],
    out: &mut Vec<Member>,
    budget: &mut usize,
    depth: usize,
) -> Option<()> {
    let args = m.value.as_array()?;
    let [id, collection, body] = args else {
        return None;
    };
    let id = id.as_str()?;
    let body = body.as_object()?;
    let values: Vec<String> = match (intrinsic(collection), collection.as_array()) {
        (Some(("Ref", p)), _) => {
            let p = p.as_str()?;
            let d = defaults.iter().find(|(k, _)| k == p)?;
            d.1.split(',').map(str::to_string).collect()
        }
        (None, Some(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect::<Option<_>>()?,
        _ => return None,
    };
    for value in &values {
        for t in body {
            let member = Member {
                key: replace_identifier(&t.key, id, value).into(),
                key_span: t.key_span,
                value: substitute(&t.value, id, value),
            };
            if member.key.starts_with("Fn::ForEach::") && depth < 4 {
                expand_loop(&member, defaults, out, budget, depth + 1)?;
            } else {
                *budget = budget.checked_sub(nodes(&member.value))?;
                out.push(member);
            }
        }
    }
    Some(())
}

fn replace_identifier(text: &str, id: &str, value: &str) -> String {
    text.replace(&format!("${{{id}}}"), value)
        .replace(&format!("&{{{id}}}"), value)
}

/// `v` with the loop identifier replaced by `value`.
fn substitute(v: &Value, id: &str, value: &str) -> Value {
    if let Some(("Ref", arg)) = intrinsic(v)
        && arg.as_str() == Some(id)
    {
        return Value {
            kind: Kind::String(value.into()),
            span: v.span,
        };
    }
    let kind = match &v.kind {
        Kind::String(s) => Kind::String(replace_identifier(s, id, value).into()),
        Kind::Array(items) => Kind::Array(items.iter().map(|i| substitute(i, id, value)).collect()),
        Kind::Object(members) => Kind::Object(
            members
                .iter()
                .map(|m| Member {
                    key: replace_identifier(&m.key, id, value).into(),
                    key_span: m.key_span,
                    value: substitute(&m.value, id, value),
                })
                .collect(),
        ),
        other => other.clone(),
    };
    Value { kind, span: v.span }
}

fn nodes(v: &Value) -> usize {
    1 + match &v.kind {
        Kind::Array(items) => items.iter().map(nodes).sum(),
        Kind::Object(members) => members.iter().map(|m| nodes(&m.value)).sum(),
        _ => 0,
    }
}
