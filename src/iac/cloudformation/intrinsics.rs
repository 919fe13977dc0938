//! The intrinsic functions of CloudFormation, evaluated offline.
//!
//! Values that the template fixes are computed; values known only at deployment are
//! *symbolic* but consistent, so two references to the same thing stay equal and references to
//! different things stay different:
//!
//! - `AWS::AccountId` is [`OWN_ACCOUNT`], the template's own account, a reserved id no real
//!   account has; `AWS::Partition` is `aws`, `AWS::URLSuffix` `amazonaws.com`, `AWS::Region`
//!   [`OWN_REGION`], `AWS::StackName` [`STACK_NAME`].
//! - a resource's physical id is its name property (`BucketName`, `RoleName`, ...) when the
//!   template sets one, else `stack-<logical id in lower case>`; `Fn::GetAtt` builds the ARNs
//!   and domain names of buckets, roles, users, groups, managed policies, KMS keys, access
//!   points, queues, topics and functions from it.
//! - anything else (a parameter without a default, `Fn::ImportValue`, an attribute known only
//!   after creation) is an [`Unknown`], recorded where it is written, and stands in the value
//!   as a placeholder: twelve digits `9999xxxxxxxx` where the expression names an account
//!   (so it reads as *another* account, never the template's own), else
//!   `unknown-<expression>`. The same expression always gives the same placeholder.
//! - `Fn::If` on a condition that cannot be decided takes the `true` branch (or the branch
//!   the caller assumes in [`Evaluator::assume`]) and records the condition in
//!   [`Evaluator::undecided`]; the extractor checks policies in both variants.

use super::{Template, intrinsic, template_error, unsupported};
use crate::diagnostic::Finding;
use crate::iac::Unknown;
use crate::json::{Kind, Member, Value};
use crate::source::Span;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The symbolic id of the template's own account (`AWS::AccountId`). No AWS account has it,
/// so it never collides with an account named in the template.
pub const OWN_ACCOUNT: &str = "000000000000";
/// The symbolic `AWS::Region`.
pub const OWN_REGION: &str = "stack-region";
/// The symbolic `AWS::StackName`.
pub const STACK_NAME: &str = "stack";
/// The most evaluation steps for one template, so a hostile template ends in bounded time.
pub const MAX_STEPS: usize = 2_000_000;
/// The longest string an intrinsic may build.
pub const MAX_STRING: usize = 1 << 20;

/// Evaluates the intrinsic functions of one template.
pub struct Evaluator<'t, 'a> {
    t: &'t Template<'a>,
    text: &'t str,
    /// Every unknown met, with where it is written.
    pub unknowns: Vec<Unknown>,
    /// Errors in intrinsic functions (E013) and constructs not followed (E014).
    pub findings: Vec<Finding>,
    /// Conditions to take as given (for checking both variants of a `Fn::If`).
    pub assume: BTreeMap<String, bool>,
    /// Conditions met in a `Fn::If` that could not be decided and were not assumed.
    pub undecided: BTreeSet<String>,
    placeholders: HashMap<String, String>,
    names: HashMap<String, Option<String>>,
    conditions: HashMap<String, Option<Option<bool>>>,
    steps: usize,
}

/// Evaluation stopped for this value: an error was recorded, and the value is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Halt;

impl<'t, 'a> Evaluator<'t, 'a> {
    /// An evaluator of `t`, whose spans are in `text`.
    pub fn new(t: &'t Template<'a>, text: &'t str) -> Evaluator<'t, 'a> {
        Evaluator {
            t,
            text,
            unknowns: Vec::new(),
            findings: Vec::new(),
            assume: BTreeMap::new(),
            undecided: BTreeSet::new(),
            placeholders: HashMap::new(),
            names: HashMap::new(),
            conditions: HashMap::new(),
            steps: 0,
        }
    }

    /// `v` with every intrinsic function evaluated. `None` is `AWS::NoValue` (the property
    /// or list element is left out).
    pub fn value(&mut self, v: &Value) -> Option<Value> {
        self.steps += 1;
        if self.steps == MAX_STEPS {
            self.findings.push(template_error(
                v.span,
                format!(
                    "the template needs more than {MAX_STEPS} evaluation steps; the rest is unknown"
                ),
            ));
        }
        if self.steps >= MAX_STEPS {
            return Some(self.unknown(v.span, "too many evaluation steps"));
        }
        if let Some((name, arg)) = intrinsic(v) {
            return self.call(name, arg, v.span);
        }
        let kind = match &v.kind {
            Kind::Object(members) => Kind::Object(
                members
                    .iter()
                    .filter_map(|m| {
                        self.value(&m.value).map(|value| Member {
                            key: m.key.clone(),
                            key_span: m.key_span,
                            value,
                        })
                    })
                    .collect(),
            ),
            Kind::Array(items) => Kind::Array(items.iter().filter_map(|i| self.value(i)).collect()),
            other => other.clone(),
        };
        Some(Value { kind, span: v.span })
    }

    fn call(&mut self, name: &str, arg: &Value, span: Span) -> Option<Value> {
        let result = match name {
            "Ref" => return self.reference(arg, span),
            "Fn::Sub" => self.sub(arg, span),
            "Fn::GetAtt" => self.get_att(arg, span),
            "Fn::Join" => self.join(arg, span),
            "Fn::Select" => return self.select(arg, span),
            "Fn::Split" => self.split(arg, span),
            "Fn::FindInMap" => return self.find_in_map(arg, span),
            "Fn::If" => return self.if_(arg, span),
            "Fn::ImportValue" => Ok(self.unknown(span, "an export of another stack")),
            "Fn::GetAZs" | "Fn::Cidr" | "Fn::Base64" | "Fn::Length" | "Fn::ToJsonString" => {
                Ok(self.unknown(span, "a function s3-access does not evaluate"))
            }
            _ => {
                self.findings.push(unsupported(
                    span,
                    format!("`{name}` is not evaluated; its value is unknown"),
                ));
                Ok(self.unknown(span, "a function s3-access does not evaluate"))
            }
        };
        Some(result.unwrap_or_else(|Halt| self.unknown(span, "an invalid intrinsic function")))
    }

    fn error(&mut self, span: Span, message: impl Into<String>) -> Halt {
        self.findings.push(template_error(span, message));
        Halt
    }

    /// Records an unknown at `span` and returns its placeholder.
    pub fn unknown(&mut self, span: Span, why: &str) -> Value {
        self.unknown_as(span, None, why)
    }

    /// Records an unknown at `span`; its placeholder is that of `key` (a parameter name, so
    /// the JSON and YAML spellings of one reference agree) or of the expression's text.
    fn unknown_as(&mut self, span: Span, key: Option<&str>, why: &str) -> Value {
        let expression = self
            .text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
            .chars()
            .take(200)
            .collect::<String>();
        let text = self.placeholder(key.unwrap_or(&expression));
        self.unknowns.push(Unknown {
            expression,
            span,
            why: why.to_string(),
        });
        string(text, span)
    }

    /// The placeholder of an expression: twelve digits if it names an account, else
    /// `unknown-<expression>` in the characters a bucket name allows.
    fn placeholder(&mut self, expression: &str) -> String {
        let key: String = expression
            .chars()
            .filter(|c| {
                !c.is_whitespace() && !matches!(c, '"' | '\'' | '!' | '{' | '}' | '[' | ']')
            })
            .collect();
        let n = self.placeholders.len();
        self.placeholders
            .entry(key.clone())
            .or_insert_with(|| {
                if key.to_ascii_lowercase().contains("account") {
                    format!("9999{:08}", n % 100_000_000)
                } else {
                    let words: String = key
                        .replace("Ref:", "")
                        .replace("Fn::", "")
                        .chars()
                        .map(|c| {
                            if c.is_ascii_alphanumeric() {
                                c.to_ascii_lowercase()
                            } else {
                                '-'
                            }
                        })
                        .collect();
                    let words = words.trim_matches('-');
                    format!(
                        "unknown-{}",
                        words.get(..words.len().min(40)).unwrap_or(words)
                    )
                }
            })
            .clone()
    }

    /// `Ref`: a parameter, a pseudo parameter or a resource's physical id.
    fn reference(&mut self, arg: &Value, span: Span) -> Option<Value> {
        let Some(name) = arg.as_str() else {
            self.error(span, "`Ref` takes the name of a parameter or resource");
            return Some(self.unknown(span, "an invalid intrinsic function"));
        };
        if name == "AWS::NoValue" {
            return None;
        }
        Some(match self.named(name, span) {
            Ok(v) => v,
            Err(Halt) => self.unknown(span, "an invalid reference"),
        })
    }

    /// The value of `name` as `Ref` (and `${name}` in `Fn::Sub`) gives it.
    fn named(&mut self, name: &str, span: Span) -> Result<Value, Halt> {
        if let Some(v) = pseudo(name) {
            return Ok(string(v.to_string(), span));
        }
        if name.starts_with("AWS::") {
            return Ok(self.unknown(span, "a pseudo parameter known only at deployment"));
        }
        if let Some(def) = self.t.parameter(name) {
            return Ok(self.parameter(name, def, span));
        }
        if self.t.resource(name).is_some() {
            return Ok(string(self.physical_id(name, span)?, span));
        }
        Err(self.error(
            span,
            format!("`{name}` is not a parameter or resource of this template"),
        ))
    }

    fn parameter(&mut self, name: &str, def: &Value, span: Span) -> Value {
        let Some(default) = def.get("Default") else {
            return self.unknown_as(span, Some(name), "a parameter without a default");
        };
        let ty = def.get("Type").and_then(Value::as_str).unwrap_or("String");
        let text = scalar_text(default);
        let list = ty.contains("List");
        match (&default.kind, text) {
            (Kind::Array(items), _) => relocated(
                &Value {
                    kind: Kind::Array(items.clone()),
                    span,
                },
                span,
            ),
            (_, Some(t)) if list => Value {
                kind: Kind::Array(t.split(',').map(|p| string(p.to_string(), span)).collect()),
                span,
            },
            (_, Some(t)) => string(t, span),
            _ => self.unknown(span, "a parameter whose default is not a value"),
        }
    }

    /// The physical id of resource `id` (see the module comment); a name that refers back to
    /// the resource itself is an E013 error and an unknown.
    pub fn physical_id(&mut self, id: &str, span: Span) -> Result<String, Halt> {
        match self.names.get(id) {
            Some(Some(n)) => return Ok(n.clone()),
            Some(None) => {
                return Err(self.error(
                    span,
                    format!("circular reference: the name of `{id}` depends on itself"),
                ));
            }
            None => {}
        }
        let Some(r) = self.t.resource(id) else {
            return Err(self.error(span, format!("`{id}` is not a resource of this template")));
        };
        let (kind, props) = (r.kind, r.properties);
        self.names.insert(id.to_string(), None);
        let prop = name_property(kind);
        let given = props.and_then(|p| prop.and_then(|k| p.get(k)));
        let name = match given {
            Some(v) => match self.value(v).as_ref().and_then(scalar_text) {
                Some(n) => n,
                None => {
                    self.error(v.span, format!("the name of `{id}` is not a string"));
                    self.placeholder(id)
                }
            },
            None => format!("{STACK_NAME}-{}", id.to_ascii_lowercase()),
        };
        // Ref returns an ARN for these types (Template Reference, "Return values").
        let name = match kind {
            "AWS::IAM::ManagedPolicy" => format!("arn:aws:iam::{OWN_ACCOUNT}:policy/{name}"),
            "AWS::SNS::Topic" => format!("arn:aws:sns:{OWN_REGION}:{OWN_ACCOUNT}:{name}"),
            _ => name,
        };
        self.names.insert(id.to_string(), Some(name.clone()));
        Ok(name)
    }

    /// `Fn::GetAtt`: the attributes that follow from the physical id; others are unknown.
    fn get_att(&mut self, arg: &Value, span: Span) -> Result<Value, Halt> {
        let parts: Vec<Option<String>> = match &arg.kind {
            Kind::Array(items) if items.len() == 2 => items
                .iter()
                .map(|i| self.value(i).as_ref().and_then(scalar_text))
                .collect(),
            Kind::String(s) => s
                .split_once('.')
                .map(|(a, b)| vec![Some(a.to_string()), Some(b.to_string())])
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let (Some(Some(id)), Some(Some(attr))) = (parts.first(), parts.get(1)) else {
            return Err(self.error(span, "`Fn::GetAtt` takes [resource, attribute]"));
        };
        let Some(kind) = self.t.resource(id).map(|r| r.kind) else {
            return Err(self.error(span, format!("`{id}` is not a resource of this template")));
        };
        match attribute(kind, attr) {
            Some(shape) => {
                let name = self.physical_id(id, span)?;
                Ok(string(shape(&name), span))
            }
            None => Ok(self.unknown(span, "an attribute known only after the stack is created")),
        }
    }

    /// `Fn::Sub`: `"text ${Name} ${Res.Attr} ${!Literal}"` or `[text, {Name: value}]`.
    fn sub(&mut self, arg: &Value, span: Span) -> Result<Value, Halt> {
        let (template, vars): (&str, &[Member]) = match &arg.kind {
            Kind::String(s) => (s, &[]),
            Kind::Array(items) if items.len() == 2 => {
                match (items.first().and_then(Value::as_str), items.get(1)) {
                    (Some(s), Some(m)) => (s, m.as_object().unwrap_or(&[])),
                    _ => {
                        return Err(
                            self.error(span, "`Fn::Sub` takes a string, or [string, {variables}]")
                        );
                    }
                }
            }
            _ => return Err(self.error(span, "`Fn::Sub` takes a string, or [string, {variables}]")),
        };
        let mut out = String::new();
        let mut rest = template;
        while let Some(at) = rest.find("${") {
            out.push_str(&rest[..at]);
            let after = &rest[at + 2..];
            if let Some(lit) = after.strip_prefix('!') {
                out.push_str("${");
                rest = lit;
                continue;
            }
            let Some(end) = after.find('}') else {
                return Err(self.error(span, "`${` without a closing `}` in `Fn::Sub`"));
            };
            let name = after[..end].trim();
            let value = match vars.iter().find(|m| &*m.key == name) {
                Some(m) => self.value(&m.value),
                None if name.contains('.') => {
                    Some(self.get_att(&string(name.to_string(), span), span)?)
                }
                None => Some(self.named(name, span)?),
            };
            match value.as_ref().and_then(scalar_text) {
                Some(t) => out.push_str(&t),
                None => return Err(self.error(span, format!("`${{{name}}}` is not a string"))),
            }
            if out.len() > MAX_STRING {
                return Err(self.error(span, "`Fn::Sub` builds a string over 1 MiB"));
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(string(out, span))
    }

    /// The evaluated elements of a list argument, or `None` (with an error) if it is not one.
    fn list(&mut self, v: &Value, what: &str, span: Span) -> Result<Vec<Value>, Halt> {
        match self.value(v).map(|v| v.kind) {
            Some(Kind::Array(items)) => Ok(items),
            _ => Err(self.error(span, format!("`{what}` needs a list here"))),
        }
    }

    fn args<'v>(
        &mut self,
        arg: &'v Value,
        n: usize,
        what: &str,
        span: Span,
    ) -> Result<&'v [Value], Halt> {
        match arg.as_array() {
            Some(a) if a.len() == n => Ok(a),
            _ => Err(self.error(span, format!("`{what}` takes a list of {n} arguments"))),
        }
    }

    /// `Fn::Join`: [delimiter, [values]].
    fn join(&mut self, arg: &Value, span: Span) -> Result<Value, Halt> {
        let a = self.args(arg, 2, "Fn::Join", span)?;
        let (Some(d), Some(l)) = (a.first(), a.get(1)) else {
            return Err(Halt);
        };
        let before = self.unknowns.len();
        let delimiter = self.value(d).as_ref().and_then(scalar_text).ok_or(Halt)?;
        let items = match self.value(l) {
            Some(Value {
                kind: Kind::Array(items),
                ..
            }) => items,
            Some(_) if self.unknowns.len() > before => {
                return Ok(self.unknown(span, "a list that is unknown"));
            }
            _ => return Err(self.error(span, "`Fn::Join` needs a list to join")),
        };
        let mut parts = Vec::new();
        for i in &items {
            match scalar_text(i) {
                Some(t) => parts.push(t),
                None => return Err(self.error(i.span, "`Fn::Join` can only join strings")),
            }
        }
        let out = parts.join(&delimiter);
        if out.len() > MAX_STRING {
            return Err(self.error(span, "`Fn::Join` builds a string over 1 MiB"));
        }
        Ok(string(out, span))
    }

    /// `Fn::Select`: [index, [values]].
    fn select(&mut self, arg: &Value, span: Span) -> Option<Value> {
        let r = (|| {
            let a = self.args(arg, 2, "Fn::Select", span)?;
            let (Some(i), Some(l)) = (a.first(), a.get(1)) else {
                return Err(Halt);
            };
            let index = self.value(i).as_ref().and_then(scalar_text);
            let items = self.list(l, "Fn::Select", span)?;
            let Some(index) = index.and_then(|t| t.parse::<usize>().ok()) else {
                return Err(self.error(span, "the index of `Fn::Select` is not a number"));
            };
            match items.into_iter().nth(index) {
                Some(v) => Ok(relocated(&v, span)),
                None => Err(self.error(
                    span,
                    format!("`Fn::Select` index {index} is past the end of its list"),
                )),
            }
        })();
        Some(r.unwrap_or_else(|Halt| self.unknown(span, "an invalid intrinsic function")))
    }

    /// `Fn::Split`: [delimiter, string].
    fn split(&mut self, arg: &Value, span: Span) -> Result<Value, Halt> {
        let a = self.args(arg, 2, "Fn::Split", span)?;
        let (Some(d), Some(s)) = (a.first(), a.get(1)) else {
            return Err(Halt);
        };
        let delimiter = self.value(d).as_ref().and_then(scalar_text);
        let source = self.value(s).as_ref().and_then(scalar_text);
        match (delimiter, source) {
            (Some(d), Some(s)) if !d.is_empty() => Ok(Value {
                kind: Kind::Array(
                    s.split(d.as_str())
                        .map(|p| string(p.to_string(), span))
                        .collect(),
                ),
                span,
            }),
            _ => Err(self.error(span, "`Fn::Split` takes [delimiter, string]")),
        }
    }

    /// `Fn::FindInMap`: [map, top-level key, second-level key]; an unknown key gives an
    /// unknown value.
    fn find_in_map(&mut self, arg: &Value, span: Span) -> Option<Value> {
        let keys: Vec<&Value> = arg
            .as_array()
            .map(|a| a.iter().take(3).collect())
            .unwrap_or_default();
        if keys.len() != 3 {
            self.error(span, "`Fn::FindInMap` takes [map, key, key]");
            return Some(self.unknown(span, "an invalid intrinsic function"));
        }
        let before = self.unknowns.len();
        let names: Vec<Option<String>> = keys
            .iter()
            .map(|k| self.value(k).as_ref().and_then(scalar_text))
            .collect();
        // The region is symbolic: a mapping keyed by region gives a value known only at
        // deployment.
        let by_region = names.iter().flatten().any(|n| n.contains(OWN_REGION));
        if self.unknowns.len() > before || by_region {
            return Some(self.unknown(
                span,
                "a mapping looked up with a key known only at deployment",
            ));
        }
        let found = match names.as_slice() {
            [Some(m), Some(a), Some(b)] => self
                .t
                .mappings
                .and_then(|x| x.get(m))
                .and_then(|x| x.get(a))
                .and_then(|x| x.get(b)),
            _ => None,
        };
        match found {
            Some(v) => Some(relocated(v, span)),
            None => {
                self.error(
                    span,
                    "`Fn::FindInMap` names a key the mapping does not have",
                );
                Some(self.unknown(span, "an invalid intrinsic function"))
            }
        }
    }

    /// `Fn::If`: [condition, value if true, value if false].
    fn if_(&mut self, arg: &Value, span: Span) -> Option<Value> {
        let parts = match arg.as_array() {
            Some([c, t, f]) => c.as_str().map(|c| (c, t, f)),
            _ => None,
        };
        let Some((name, yes, no)) = parts else {
            self.error(
                span,
                "`Fn::If` takes [condition, value if true, value if false]",
            );
            return Some(self.unknown(span, "an invalid intrinsic function"));
        };
        let decided = match self.assume.get(name) {
            Some(b) => Some(*b),
            None => self.condition(name, span),
        };
        let branch = match decided {
            Some(b) => b,
            None => {
                self.undecided.insert(name.to_string());
                true
            }
        };
        self.value(if branch { yes } else { no })
    }

    /// Whether condition `name` holds; `None` when it depends on an unknown value.
    pub fn condition(&mut self, name: &str, span: Span) -> Option<bool> {
        match self.conditions.get(name) {
            Some(Some(v)) => return *v,
            Some(None) => {
                self.error(
                    span,
                    format!("circular reference: condition `{name}` depends on itself"),
                );
                return None;
            }
            None => {}
        }
        let Some(body) = self
            .t
            .conditions
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
        else {
            self.error(
                span,
                format!("`{name}` is not a condition of this template"),
            );
            return None;
        };
        self.conditions.insert(name.to_string(), None);
        let v = self.condition_value(body);
        self.conditions.insert(name.to_string(), Some(v));
        v
    }

    fn condition_value(&mut self, v: &Value) -> Option<bool> {
        if let Some(Member { key, value, .. }) = v
            .as_object()
            .and_then(|m| m.first())
            .filter(|_| v.as_object().is_some_and(|m| m.len() == 1))
        {
            let items = value.as_array().unwrap_or(&[]);
            match &**key {
                "Condition" => return value.as_str().and_then(|n| self.condition(n, value.span)),
                "Fn::Equals" if items.len() == 2 => {
                    let before = self.unknowns.len();
                    let a = items.first().and_then(|x| self.value(x));
                    let b = items.get(1).and_then(|x| self.value(x));
                    if self.unknowns.len() > before {
                        return None;
                    }
                    return Some(same(a.as_ref(), b.as_ref()));
                }
                "Fn::Not" if items.len() == 1 => {
                    return items
                        .first()
                        .and_then(|c| self.condition_value(c))
                        .map(|b| !b);
                }
                "Fn::And" | "Fn::Or" if !items.is_empty() => {
                    let and = &**key == "Fn::And";
                    let mut unknown = false;
                    for c in items {
                        match self.condition_value(c) {
                            Some(b) if b != and => return Some(!and),
                            Some(_) => {}
                            None => unknown = true,
                        }
                    }
                    return (!unknown).then_some(and);
                }
                _ => {}
            }
        }
        self.error(
            v.span,
            "a condition is `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or` or `Condition`",
        );
        None
    }
}

/// Whether two evaluated values are equal as `Fn::Equals` compares them (as text).
fn same(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => match (scalar_text(a), scalar_text(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a.kind == b.kind,
        },
        (None, None) => true,
        _ => false,
    }
}

/// The pseudo parameters with a fixed symbolic value (see the module comment).
fn pseudo(name: &str) -> Option<&'static str> {
    Some(match name {
        "AWS::AccountId" => OWN_ACCOUNT,
        "AWS::Partition" => "aws",
        "AWS::URLSuffix" => "amazonaws.com",
        "AWS::Region" => OWN_REGION,
        "AWS::StackName" => STACK_NAME,
        _ => return None,
    })
}

/// The property that names a resource of type `kind`, for the types whose names appear in
/// policies.
fn name_property(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "AWS::S3::Bucket" => "BucketName",
        "AWS::IAM::Role" => "RoleName",
        "AWS::IAM::User" => "UserName",
        "AWS::IAM::Group" => "GroupName",
        "AWS::IAM::ManagedPolicy" => "ManagedPolicyName",
        "AWS::S3::AccessPoint" => "Name",
        "AWS::SQS::Queue" => "QueueName",
        "AWS::SNS::Topic" => "TopicName",
        "AWS::Lambda::Function" => "FunctionName",
        _ => return None,
    })
}

type Shape = fn(&str) -> String;

/// How attribute `attr` of a resource of type `kind` follows from its physical id (from the
/// resource pages of the CloudFormation Template Reference, "Return values").
fn attribute(kind: &str, attr: &str) -> Option<Shape> {
    Some(match (kind, attr) {
        ("AWS::S3::Bucket", "Arn") => |n| format!("arn:aws:s3:::{n}"),
        ("AWS::S3::Bucket", "DomainName") => |n| format!("{n}.s3.amazonaws.com"),
        ("AWS::S3::Bucket", "RegionalDomainName") => {
            |n| format!("{n}.s3.{OWN_REGION}.amazonaws.com")
        }
        ("AWS::S3::Bucket", "DualStackDomainName") => {
            |n| format!("{n}.s3.dualstack.{OWN_REGION}.amazonaws.com")
        }
        ("AWS::S3::Bucket", "WebsiteURL") => {
            |n| format!("http://{n}.s3-website.{OWN_REGION}.amazonaws.com")
        }
        ("AWS::IAM::Role", "Arn") => |n| format!("arn:aws:iam::{OWN_ACCOUNT}:role/{n}"),
        ("AWS::IAM::User", "Arn") => |n| format!("arn:aws:iam::{OWN_ACCOUNT}:user/{n}"),
        ("AWS::IAM::Group", "Arn") => |n| format!("arn:aws:iam::{OWN_ACCOUNT}:group/{n}"),
        (
            "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group",
            "RoleName" | "UserName" | "GroupName",
        ) => |n| n.to_string(),
        ("AWS::IAM::ManagedPolicy", "PolicyArn") => |n| n.to_string(),
        ("AWS::KMS::Key", "Arn") => |n| format!("arn:aws:kms:{OWN_REGION}:{OWN_ACCOUNT}:key/{n}"),
        ("AWS::KMS::Key", "KeyId") => |n| n.to_string(),
        ("AWS::S3::AccessPoint", "Arn") => {
            |n| format!("arn:aws:s3:{OWN_REGION}:{OWN_ACCOUNT}:accesspoint/{n}")
        }
        ("AWS::S3::AccessPoint", "Name") => |n| n.to_string(),
        ("AWS::SQS::Queue", "Arn") => |n| format!("arn:aws:sqs:{OWN_REGION}:{OWN_ACCOUNT}:{n}"),
        ("AWS::SQS::Queue", "QueueName") => |n| n.to_string(),
        // The physical id of a topic is already its ARN.
        ("AWS::SNS::Topic", "TopicArn") => |n| n.to_string(),
        ("AWS::Lambda::Function", "Arn") => {
            |n| format!("arn:aws:lambda:{OWN_REGION}:{OWN_ACCOUNT}:function:{n}")
        }
        _ => return None,
    })
}

/// A string value at `span`.
pub fn string(text: String, span: Span) -> Value {
    Value {
        kind: Kind::String(text.into()),
        span,
    }
}

/// The text of a string, number or boolean (`Fn::Sub` and `Fn::Join` turn these into text).
pub fn scalar_text(v: &Value) -> Option<String> {
    match &v.kind {
        Kind::String(s) | Kind::Number(s) => Some(s.to_string()),
        Kind::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `v` with every span set to `span`: a value copied from elsewhere in the template (a
/// parameter default, a mapping) is placed where it is used.
pub(super) fn relocated(v: &Value, span: Span) -> Value {
    let mut out = v.clone();
    set_spans(&mut out, span);
    out
}

fn set_spans(v: &mut Value, span: Span) {
    v.span = span;
    match &mut v.kind {
        Kind::Array(items) => items.iter_mut().for_each(|i| set_spans(i, span)),
        Kind::Object(members) => {
            for m in members {
                m.key_span = span;
                set_spans(&mut m.value, span);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iac::cloudformation::yaml;

    /// Evaluates `expr` (YAML) in a small template; returns the value as compact text and the
    /// evaluator's unknowns and findings.
    fn eval(expr: &str) -> (String, usize, Vec<String>) {
        let text = format!(
            "Parameters:\n  Env: {{Type: String, Default: prod}}\n  Ids: {{Type: CommaDelimitedList, Default: 'a,b,c'}}\n  Free: {{Type: String}}\nResources:\n  B: {{Type: AWS::S3::Bucket}}\n  R: {{Type: AWS::IAM::Role, Properties: {{RoleName: reader}}}}\n  K: {{Type: AWS::KMS::Key}}\nOut: {expr}\n"
        );
        let root = yaml::parse(&text).unwrap().0;
        let t = Template::of(&root).unwrap();
        let mut ev = Evaluator::new(&t, &text);
        let v = root.get("Out").and_then(|o| ev.value(o));
        let shown = v.map_or("<NoValue>".to_string(), |v| show(&v));
        let findings = ev
            .findings
            .iter()
            .map(|f| f.code.as_str().to_string())
            .collect();
        (shown, ev.unknowns.len(), findings)
    }

    fn show(v: &Value) -> String {
        match &v.kind {
            Kind::Array(items) => {
                format!("[{}]", items.iter().map(show).collect::<Vec<_>>().join(","))
            }
            Kind::Object(m) => format!(
                "{{{}}}",
                m.iter()
                    .map(|m| format!("{}:{}", m.key, show(&m.value)))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            _ => scalar_text(v).unwrap_or_else(|| "null".into()),
        }
    }

    #[test]
    fn references_and_attributes_follow_the_physical_ids() {
        assert_eq!(eval("!Ref B").0, "stack-b");
        assert_eq!(eval("!GetAtt B.Arn").0, "arn:aws:s3:::stack-b");
        assert_eq!(
            eval("!GetAtt [B, DomainName]").0,
            "stack-b.s3.amazonaws.com"
        );
        assert_eq!(
            eval("!GetAtt R.Arn").0,
            "arn:aws:iam::000000000000:role/reader"
        );
        assert_eq!(
            eval("!GetAtt K.Arn").0,
            "arn:aws:kms:stack-region:000000000000:key/stack-k"
        );
        assert_eq!(eval("!Ref AWS::AccountId").0, OWN_ACCOUNT);
        // An attribute known only after creation is unknown, not guessed.
        let (v, unknowns, _) = eval("!GetAtt R.RoleId");
        assert!(v.starts_with("unknown-") && unknowns == 1, "{v}");
    }

    #[test]
    fn sub_join_select_split_and_no_value() {
        assert_eq!(
            eval("!Sub 'arn:${AWS::Partition}:s3:::${B}/${Env}/*'").0,
            "arn:aws:s3:::stack-b/prod/*"
        );
        assert_eq!(
            eval("!Sub ['${X}-${!Literal}', {X: !Ref Env}]").0,
            "prod-${Literal}"
        );
        assert_eq!(eval("!Sub '${B.Arn}/*'").0, "arn:aws:s3:::stack-b/*");
        assert_eq!(eval("!Join [':', [a, !Ref Env, 1]]").0, "a:prod:1");
        assert_eq!(eval("!Select [1, !Ref Ids]").0, "b");
        assert_eq!(eval("!Select [0, !Split ['/', 'x/y']]").0, "x");
        assert_eq!(eval("[a, !Ref AWS::NoValue, b]").0, "[a,b]");
        assert_eq!(eval("!Ref AWS::NoValue").0, "<NoValue>");
    }

    #[test]
    fn unknowns_are_consistent_placeholders_and_errors_are_e012() {
        let (v, n, f) = eval("[!Ref Free, !Ref Free, !ImportValue Shared]");
        assert!(v.starts_with("[unknown-free,unknown-free,unknown-"), "{v}");
        assert_eq!((n, f.len()), (3, 0));
        let (_, _, f) = eval("!Ref Nothing");
        assert_eq!(f, ["E013"]);
        let (_, _, f) = eval("!Select [5, [a]]");
        assert_eq!(f, ["E013"]);
        let (_, _, f) = eval("!Sub '${Nope.Arn}'");
        assert_eq!(f, ["E013"]);
    }

    #[test]
    fn conditions_are_three_valued() {
        let text = "Parameters:\n  Env: {Type: String, Default: prod}\n  Free: {Type: String}\nConditions:\n  Prod: !Equals [!Ref Env, prod]\n  Unset: !Equals [!Ref Free, x]\n  Either: !Or [!Condition Prod, !Condition Unset]\n  Both: !And [!Condition Prod, !Condition Unset]\n  Loop: !Not [!Condition Loop]\nResources:\n  B: {Type: AWS::S3::Bucket}\n";
        let root = yaml::parse(text).unwrap().0;
        let t = Template::of(&root).unwrap();
        let mut ev = Evaluator::new(&t, text);
        let at = Span::default();
        assert_eq!(ev.condition("Prod", at), Some(true));
        assert_eq!(ev.condition("Unset", at), None);
        assert_eq!(ev.condition("Either", at), Some(true));
        assert_eq!(ev.condition("Both", at), None);
        assert_eq!(ev.condition("Loop", at), None);
        assert!(ev.findings.iter().any(|f| f.message.contains("circular")));
    }
}
