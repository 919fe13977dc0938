//! Lowering a JSON value into the typed policy model, collecting grammar findings.
//!
//! The lowering is tolerant: it reports every structural problem it sees and keeps every
//! statement it can still understand, so one typo does not hide the rest of the file.

use super::{
    ActionBlock, Condition, ConditionValue, Effect, Operator, Policy, PolicyKind, Principal,
    PrincipalBlock, PrincipalKind, ResourceBlock, Spanned, Statement, ValueType, Version,
};
use crate::diagnostic::Finding;
use crate::json::{self, Kind, Member, Value};
use crate::registry::Code;
use crate::source::Span;
use crate::suggest;

const PRINCIPAL_TYPES: &[&str] = &["AWS", "Service", "Federated", "CanonicalUser"];

/// The result of lowering one document.
#[derive(Debug)]
pub struct Parsed {
    /// The policy, when the document is an object (possibly with dropped statements).
    pub policy: Option<Policy>,
    /// Grammar findings, in source order of discovery.
    pub findings: Vec<Finding>,
}

/// Lowers `root` as a policy of `kind`.
pub fn parse_policy(root: &Value, kind: PolicyKind) -> Parsed {
    let mut cx = Lowering {
        findings: Vec::new(),
    };
    let policy = cx.policy(root, kind);
    Parsed {
        policy,
        findings: cx.findings,
    }
}

struct Lowering {
    findings: Vec<Finding>,
}

impl Lowering {
    fn push(&mut self, f: Finding) {
        // One past the limit, so the report can tell that findings were dropped.
        if self.findings.len() <= crate::diagnostic::MAX_FINDINGS {
            self.findings.push(f);
        }
    }

    // rule: E008
    fn wrong_type(&mut self, what: &str, expected: &str, v: &Value) {
        self.push(Finding::new(
            Code::WrongType,
            v.span,
            format!("{what} must be {expected}, found {}", v.type_name()),
        ));
    }

    // rule: E003
    /// Reports keys of one object that differ only by case (exact duplicates are reported for
    /// the whole file by [`all_duplicate_keys`]).
    fn duplicates(&mut self, members: &[Member], what: &str) {
        let exact: std::collections::HashSet<Span> = json::duplicate_keys(members, false)
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        for (first, again) in json::duplicate_keys(members, true) {
            if exact.contains(&again) {
                continue;
            }
            self.push(
                Finding::new(
                    Code::CaseVariantKey,
                    again,
                    format!("key differs only by case from an earlier key in {what}"),
                )
                .with_related(first, "earlier key here")
                .with_help("AWS matches these names without regard to case; keep one"),
            );
        }
    }

    // rule: P101
    /// Reports every key that is not in `allowed`, with a did-you-mean suggestion.
    fn unknown_elements(&mut self, members: &[Member], allowed: &[&str], what: &str) {
        // The allowed elements present, found once: checking every member against every
        // other member would be quadratic in a hostile object with many keys.
        let present: Vec<&str> = allowed
            .iter()
            .copied()
            .filter(|a| members.iter().any(|m| &*m.key == *a))
            .collect();
        for m in members {
            if allowed.contains(&&*m.key) {
                continue;
            }
            // A case variant of an element that is also present is reported once, as E003.
            if present
                .iter()
                .any(|a| *a != &*m.key && a.eq_ignore_ascii_case(&m.key))
            {
                continue;
            }
            let suggestion = allowed
                .iter()
                .find(|a| a.eq_ignore_ascii_case(&m.key))
                .copied()
                .or_else(|| suggest::closest(&m.key, allowed.iter().copied()));
            let mut f = Finding::new(
                Code::UnknownElement,
                m.key_span,
                format!("unknown {what} element `{}`", m.key),
            );
            f = match suggestion {
                Some(s) => f.with_help(format!("did you mean `{s}`?")),
                None => f.with_help(format!("{what} elements are: {}", allowed.join(", "))),
            };
            self.push(f);
        }
    }

    fn member<'v>(members: &'v [Member], name: &str) -> Option<&'v Member> {
        members.iter().find(|m| &*m.key == name)
    }

    // rule: P102 P103 P105
    fn policy(&mut self, root: &Value, kind: PolicyKind) -> Option<Policy> {
        let Some(members) = root.as_object() else {
            self.wrong_type("a policy", "a JSON object", root);
            return None;
        };
        self.duplicates(members, "the policy");
        self.unknown_elements(members, super::TOP_LEVEL_ELEMENTS, "top-level");

        let version = match Self::member(members, "Version") {
            None => {
                self.push(
                    Finding::new(
                        Code::MissingVersion,
                        Span::new(root.span.start as usize, root.span.start as usize + 1),
                        "the policy has no `Version`",
                    )
                    .with_help("add \"Version\": \"2012-10-17\" as the first element"),
                );
                None
            }
            Some(m) => match m.value.as_str() {
                Some("2012-10-17") => Some(Spanned {
                    value: Version::V2012_10_17,
                    span: m.value.span,
                }),
                Some("2008-10-17") => Some(Spanned {
                    value: Version::V2008_10_17,
                    span: m.value.span,
                }),
                Some(other) => {
                    self.push(
                        Finding::new(
                            Code::InvalidVersion,
                            m.value.span,
                            format!("`{other}` is not a policy language version"),
                        )
                        .with_help("use \"2012-10-17\" (the only other version is \"2008-10-17\")"),
                    );
                    None
                }
                None => {
                    self.wrong_type("`Version`", "a string", &m.value);
                    None
                }
            },
        };

        let id = Self::member(members, "Id").and_then(|m| match m.value.as_str() {
            Some(s) => Some(Spanned {
                value: s.to_string(),
                span: m.value.span,
            }),
            None => {
                self.wrong_type("`Id`", "a string", &m.value);
                None
            }
        });

        let mut statements = Vec::new();
        match Self::member(members, "Statement") {
            None => self.push(
                Finding::new(
                    Code::MissingStatement,
                    Span::new(root.span.start as usize, root.span.start as usize + 1),
                    "the policy has no `Statement`",
                )
                .with_help("a policy needs a Statement: one object or an array of objects"),
            ),
            Some(m) => match &m.value.kind {
                Kind::Object(_) => {
                    if let Some(s) = self.statement(&m.value, 0, kind) {
                        statements.push(s);
                    }
                }
                Kind::Array(items) => {
                    if items.is_empty() {
                        self.push(Finding::new(
                            Code::EmptyValue,
                            m.value.span,
                            "`Statement` is an empty array",
                        ));
                    }
                    for (i, item) in items.iter().enumerate() {
                        if item.as_object().is_none() {
                            self.wrong_type("a statement", "a JSON object", item);
                            continue;
                        }
                        if let Some(s) = self.statement(item, i, kind) {
                            statements.push(s);
                        }
                    }
                }
                _ => self.wrong_type("`Statement`", "an object or an array of objects", &m.value),
            },
        }
        self.sids(&statements, kind);
        Some(Policy {
            kind,
            version,
            id,
            statements,
            span: root.span,
        })
    }

    // rule: P114 P115
    fn sids(&mut self, statements: &[Statement], kind: PolicyKind) {
        // First use of each Sid: a map, so many statements stay linear.
        let mut first_use: std::collections::HashMap<&str, Span> = std::collections::HashMap::new();
        for s in statements {
            let Some(sid) = &s.sid else { continue };
            // AWS rule: IAM Sids allow only ASCII letters and digits; S3 bucket policies
            // accept more (IAM "Sid" element page).
            if kind.is_iam_managed() && !sid.value.bytes().all(|b| b.is_ascii_alphanumeric()) {
                self.push(
                    Finding::new(
                        Code::InvalidSid,
                        sid.span,
                        format!(
                            "Sid `{}` has characters other than A-Z, a-z and 0-9",
                            sid.value
                        ),
                    )
                    .with_help(format!(
                        "{kind} policies accept only ASCII letters and digits in a Sid"
                    )),
                );
            }
            if sid.value.is_empty() {
                continue;
            }
            if let Some(first) = first_use.get(sid.value.as_str()).copied() {
                self.push(
                    Finding::new(
                        Code::DuplicateSid,
                        sid.span,
                        format!("Sid `{}` is used by an earlier statement", sid.value),
                    )
                    .with_related(first, "first used here")
                    .with_help("Sids must be unique within a policy"),
                );
            } else {
                first_use.insert(&sid.value, sid.span);
            }
        }
    }

    // rule: P106 P107
    fn statement(&mut self, value: &Value, index: usize, kind: PolicyKind) -> Option<Statement> {
        let members = value.as_object()?;
        self.duplicates(members, "the statement");
        self.unknown_elements(members, super::STATEMENT_ELEMENTS, "statement");
        let head = Span::new(value.span.start as usize, value.span.start as usize + 1);

        let sid = Self::member(members, "Sid").and_then(|m| match m.value.as_str() {
            Some(s) => Some(Spanned {
                value: s.to_string(),
                span: m.value.span,
            }),
            None => {
                self.wrong_type("`Sid`", "a string", &m.value);
                None
            }
        });

        let effect = match Self::member(members, "Effect") {
            None => {
                self.push(
                    Finding::new(Code::MissingEffect, head, "the statement has no `Effect`")
                        .with_help("add \"Effect\": \"Allow\" or \"Effect\": \"Deny\""),
                );
                None
            }
            Some(m) => match m.value.as_str() {
                Some("Allow") => Some(Effect::Allow),
                Some("Deny") => Some(Effect::Deny),
                Some(other) => {
                    let hint = suggest::closest(other, ["Allow", "Deny"])
                        .map(|s| format!("did you mean `{s}`? The value is case-sensitive"))
                        .unwrap_or_else(|| "use \"Allow\" or \"Deny\"".to_string());
                    self.push(
                        Finding::new(
                            Code::InvalidEffect,
                            m.value.span,
                            format!("`{other}` is not a valid Effect"),
                        )
                        .with_help(hint),
                    );
                    None
                }
                None => {
                    self.wrong_type("`Effect`", "the string \"Allow\" or \"Deny\"", &m.value);
                    None
                }
            },
        };

        let principal = self.principal_block(members, head, kind, effect);
        let action = self.pattern_block(members, "Action", "NotAction", head, kind);
        let resource = self.pattern_block(members, "Resource", "NotResource", head, kind);
        let conditions = match Self::member(members, "Condition") {
            Some(m) => self.conditions(&m.value),
            None => Vec::new(),
        };

        let effect = effect?;
        let effect_span = Self::member(members, "Effect").map_or(head, |m| m.value.span);
        Some(Statement {
            index,
            sid,
            effect: Spanned {
                value: effect,
                span: effect_span,
            },
            principal,
            action: action.map(|(negated, items, span)| ActionBlock {
                negated,
                items,
                span,
            }),
            resource: resource.map(|(negated, items, span)| ResourceBlock {
                negated,
                items,
                span,
            }),
            conditions,
            span: value.span,
        })
    }

    // rule: P108 P109 P112
    /// Reads `Action`/`NotAction` or `Resource`/`NotResource`.
    fn pattern_block(
        &mut self,
        members: &[Member],
        name: &str,
        not_name: &str,
        head: Span,
        kind: PolicyKind,
    ) -> Option<(bool, Vec<Spanned<String>>, Span)> {
        let pos = Self::member(members, name);
        let neg = Self::member(members, not_name);
        let chosen = match (pos, neg) {
            (Some(p), Some(n)) => {
                self.push(
                    Finding::new(
                        Code::ConflictingElements,
                        n.key_span,
                        format!("`{name}` and `{not_name}` in one statement"),
                    )
                    .with_related(p.key_span, format!("`{name}` is here"))
                    .with_help(format!(
                        "a statement has either `{name}` or `{not_name}`, not both"
                    )),
                );
                Some((false, p))
            }
            (Some(p), None) => Some((false, p)),
            (None, Some(n)) => Some((true, n)),
            (None, None) => {
                let (code, required) = if name == "Action" {
                    (Code::MissingAction, true)
                } else {
                    // AWS rule: role trust policies have no Resource (IAM "Resource" element page).
                    (Code::MissingResource, kind != PolicyKind::Trust)
                };
                if required {
                    self.push(
                        Finding::new(
                            code,
                            head,
                            format!("the statement has neither `{name}` nor `{not_name}`"),
                        )
                        .with_help(format!("add `{name}`")),
                    );
                }
                None
            }
        };
        let (negated, m) = chosen?;
        let element = if negated { not_name } else { name };
        let items = self.string_list(&m.value, element)?;
        Some((negated, items, m.value.span))
    }

    // rule: P113
    /// A string or a non-empty array of strings.
    fn string_list(&mut self, v: &Value, element: &str) -> Option<Vec<Spanned<String>>> {
        let one = |s: &str, span: Span| Spanned {
            value: s.to_string(),
            span,
        };
        match &v.kind {
            Kind::String(s) => {
                if s.is_empty() {
                    self.push(Finding::new(
                        Code::EmptyValue,
                        v.span,
                        format!("`{element}` is an empty string"),
                    ));
                }
                Some(vec![one(s, v.span)])
            }
            Kind::Array(items) => {
                if items.is_empty() {
                    self.push(Finding::new(
                        Code::EmptyValue,
                        v.span,
                        format!("`{element}` is an empty array"),
                    ));
                }
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match item.as_str() {
                        Some(s) => {
                            if s.is_empty() {
                                self.push(Finding::new(
                                    Code::EmptyValue,
                                    item.span,
                                    format!("empty string in `{element}`"),
                                ));
                            }
                            out.push(one(s, item.span));
                        }
                        None => {
                            self.wrong_type(&format!("each `{element}` entry"), "a string", item)
                        }
                    }
                }
                Some(out)
            }
            _ => {
                self.wrong_type(
                    &format!("`{element}`"),
                    "a string or an array of strings",
                    v,
                );
                None
            }
        }
    }

    // rule: P110 P111 P116
    fn principal_block(
        &mut self,
        members: &[Member],
        head: Span,
        kind: PolicyKind,
        effect: Option<Effect>,
    ) -> Option<PrincipalBlock> {
        let pos = Self::member(members, "Principal");
        let neg = Self::member(members, "NotPrincipal");
        let (negated, m) = match (pos, neg) {
            (Some(p), Some(n)) => {
                self.push(
                    Finding::new(
                        Code::ConflictingElements,
                        n.key_span,
                        "`Principal` and `NotPrincipal` in one statement",
                    )
                    .with_related(p.key_span, "`Principal` is here"),
                );
                (false, p)
            }
            (Some(p), None) => (false, p),
            (None, Some(n)) => (true, n),
            (None, None) => {
                if kind.takes_principal() {
                    // AWS rule: resource-based policies must name a principal (IAM "Principal" page).
                    self.push(
                        Finding::new(
                            Code::MissingPrincipal,
                            head,
                            format!("a {kind} policy statement needs `Principal` or `NotPrincipal`"),
                        )
                        .with_help("name who the statement applies to, e.g. \"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:root\"}"),
                    );
                }
                return None;
            }
        };
        let element = if negated { "NotPrincipal" } else { "Principal" };
        if !kind.takes_principal() {
            self.push(
                Finding::new(
                    Code::UnexpectedPrincipal,
                    m.key_span,
                    format!("`{element}` is not allowed in a {kind} policy"),
                )
                .with_help("identity-side policies apply to the principal they are attached to; remove the element, or lint the file with --kind bucket if it is a bucket policy"),
            );
        }
        if negated && effect == Some(Effect::Allow) {
            self.push(
                Finding::new(
                    Code::NotPrincipalWithAllow,
                    m.key_span,
                    "`NotPrincipal` with `Allow` grants access to everyone not listed, including anonymous callers",
                )
                .with_help("use \"Principal\" with the principals to allow, or a condition on aws:PrincipalArn"),
            );
        }
        let mut items = Vec::new();
        match &m.value.kind {
            Kind::String(s) if &**s == "*" => items.push(Principal {
                kind: PrincipalKind::Everyone,
                value: "*".into(),
                span: m.value.span,
            }),
            Kind::String(s) => self.push(
                Finding::new(
                    Code::InvalidPrincipal,
                    m.value.span,
                    format!("`{s}` is not a principal; a string principal can only be \"*\""),
                )
                .with_help("write {\"AWS\": \"...\"}, {\"Service\": \"...\"}, {\"Federated\": \"...\"} or {\"CanonicalUser\": \"...\"}"),
            ),
            Kind::Object(map) => {
                self.duplicates(map, &format!("`{element}`"));
                if map.is_empty() {
                    self.push(Finding::new(
                        Code::EmptyValue,
                        m.value.span,
                        format!("`{element}` is an empty object"),
                    ));
                }
                for entry in map {
                    let pkind = match &*entry.key {
                        "AWS" => PrincipalKind::Aws,
                        "Service" => PrincipalKind::Service,
                        "Federated" => PrincipalKind::Federated,
                        "CanonicalUser" => PrincipalKind::CanonicalUser,
                        other => {
                            let hint = PRINCIPAL_TYPES
                                .iter()
                                .find(|t| t.eq_ignore_ascii_case(other))
                                .copied()
                                .or_else(|| suggest::closest(other, PRINCIPAL_TYPES.iter().copied()));
                            let mut f = Finding::new(
                                Code::InvalidPrincipal,
                                entry.key_span,
                                format!("`{other}` is not a principal type"),
                            );
                            f = match hint {
                                Some(h) => f.with_help(format!("did you mean `{h}`?")),
                                None => f.with_help("principal types are AWS, Service, Federated and CanonicalUser"),
                            };
                            self.push(f);
                            continue;
                        }
                    };
                    let Some(values) = self.string_list(&entry.value, &format!("{element}.{}", entry.key)) else {
                        continue;
                    };
                    for v in values {
                        self.check_principal(pkind, &v);
                        items.push(Principal {
                            kind: pkind,
                            value: v.value,
                            span: v.span,
                        });
                    }
                }
            }
            _ => self.wrong_type(&format!("`{element}`"), "\"*\" or an object", &m.value),
        }
        Some(PrincipalBlock {
            negated,
            items,
            span: m.value.span,
        })
    }

    // rule: P117
    fn check_principal(&mut self, kind: PrincipalKind, v: &Spanned<String>) {
        let bad = |msg: String, help: Option<&str>| {
            let f = Finding::new(Code::InvalidPrincipal, v.span, msg);
            match help {
                Some(h) => f.with_help(h.to_string()),
                None => f,
            }
        };
        match kind {
            PrincipalKind::Aws => {
                if let Err(e) = super::AwsPrincipal::parse(&v.value) {
                    self.push(bad(e.message, e.help));
                }
            }
            PrincipalKind::Service => {
                if v.value.contains('*') || !v.value.contains('.') {
                    self.push(bad(
                        format!("`{}` is not a service principal", v.value),
                        Some("service principals look like `cloudtrail.amazonaws.com`"),
                    ));
                }
            }
            PrincipalKind::CanonicalUser => {
                if v.value.len() != 64 || !v.value.bytes().all(|b| b.is_ascii_hexdigit()) {
                    self.push(bad(
                        format!(
                            "`{}` is not a canonical user id (64 hexadecimal digits)",
                            v.value
                        ),
                        None,
                    ));
                }
            }
            PrincipalKind::Federated => {
                if v.value.contains('*') {
                    self.push(bad(
                        format!("`{}` has a wildcard; federated principals cannot", v.value),
                        None,
                    ));
                }
            }
            PrincipalKind::Everyone => {}
        }
    }

    fn conditions(&mut self, block: &Value) -> Vec<Condition> {
        let Some(ops) = block.as_object() else {
            self.wrong_type("`Condition`", "an object", block);
            return Vec::new();
        };
        if ops.is_empty() {
            self.push(Finding::new(
                Code::EmptyValue,
                block.span,
                "`Condition` is an empty object",
            ));
        }
        self.duplicates(ops, "`Condition`");
        let mut out = Vec::new();
        for op in ops {
            let operator = Operator::parse(&op.key);
            let Some(keys) = op.value.as_object() else {
                self.wrong_type(
                    &format!("the `{}` block", op.key),
                    "an object of keys",
                    &op.value,
                );
                continue;
            };
            if keys.is_empty() {
                self.push(Finding::new(
                    Code::EmptyValue,
                    op.value.span,
                    format!("`{}` has no condition keys", op.key),
                ));
            }
            // AWS rule: condition key names are case-insensitive (IAM "Condition" element page).
            self.duplicates(keys, &format!("`{}`", op.key));
            for key in keys {
                let values = self.condition_values(&key.value, &key.key);
                out.push(Condition {
                    operator: Spanned {
                        value: operator.clone(),
                        span: op.key_span,
                    },
                    key: Spanned {
                        value: key.key.to_string(),
                        span: key.key_span,
                    },
                    values,
                    values_span: key.value.span,
                });
            }
        }
        out
    }

    fn condition_values(&mut self, v: &Value, key: &str) -> Vec<ConditionValue> {
        let mut out = Vec::new();
        let mut one = |cx: &mut Lowering, item: &Value| match &item.kind {
            Kind::String(s) => out.push(ConditionValue {
                text: s.to_string(),
                json_type: ValueType::String,
                span: item.span,
            }),
            Kind::Number(n) => out.push(ConditionValue {
                text: n.to_string(),
                json_type: ValueType::Number,
                span: item.span,
            }),
            Kind::Bool(b) => out.push(ConditionValue {
                text: b.to_string(),
                json_type: ValueType::Bool,
                span: item.span,
            }),
            _ => cx.wrong_type(
                &format!("a value of `{key}`"),
                "a string, number or boolean",
                item,
            ),
        };
        match &v.kind {
            Kind::Array(items) => {
                if items.is_empty() {
                    self.push(Finding::new(
                        Code::EmptyValue,
                        v.span,
                        format!("`{key}` has an empty list of values"),
                    ));
                }
                for item in items {
                    one(self, item);
                }
            }
            _ => one(self, v),
        }
        out
    }
}

// rule: E002
/// Reports duplicate keys in every object below `v` (used for documents that are not
/// policies, and for parts of a policy the lowering does not visit).
pub fn all_duplicate_keys(v: &Value, out: &mut Vec<Finding>) {
    // One past the limit, so the report can tell that findings were dropped.
    if out.len() > crate::diagnostic::MAX_FINDINGS {
        return;
    }
    match &v.kind {
        Kind::Object(members) => {
            for (first, again) in json::duplicate_keys(members, false) {
                if out.len() > crate::diagnostic::MAX_FINDINGS {
                    return;
                }
                // Members are in source order: find the repeated key by binary search (a
                // linear search per duplicate is quadratic in an object of repeated keys).
                let at = members.partition_point(|m| m.key_span.start < again.start);
                let key = members
                    .get(at)
                    .filter(|m| m.key_span == again)
                    .map_or("", |m| &*m.key);
                out.push(
                    Finding::new(Code::DuplicateKey, again, format!("duplicate key `{key}`"))
                        .with_related(first, "first defined here")
                        .with_help("AWS rejects duplicate keys; a parser that keeps one of them silently changes the policy"),
                );
            }
            for m in members {
                all_duplicate_keys(&m.value, out);
            }
        }
        Kind::Array(items) => items.iter().for_each(|i| all_duplicate_keys(i, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lower(text: &str, kind: PolicyKind) -> Parsed {
        parse_policy(&json::parse(text).unwrap(), kind)
    }

    fn codes(p: &Parsed) -> Vec<&'static str> {
        p.findings.iter().map(|f| f.code.as_str()).collect()
    }

    #[test]
    fn a_valid_bucket_policy_lowers_without_findings() {
        let p = lower(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow",
            "Principal":{"AWS":["arn:aws:iam::111122223333:root"]},"Action":"s3:GetObject",
            "Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":true}}}]}"#,
            PolicyKind::Bucket,
        );
        assert!(p.findings.is_empty(), "{:?}", p.findings);
        let policy = p.policy.unwrap();
        let s = &policy.statements[0];
        assert_eq!(s.effect.value, Effect::Allow);
        assert_eq!(s.conditions[0].values[0].json_type, ValueType::Bool);
        assert_eq!(
            s.principal.as_ref().unwrap().items[0].kind,
            PrincipalKind::Aws
        );
    }

    #[test]
    fn single_statement_object_is_accepted() {
        let p = lower(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}"#,
            PolicyKind::Identity,
        );
        assert!(p.findings.is_empty());
        assert_eq!(p.policy.unwrap().statements.len(), 1);
    }

    #[test]
    fn structural_mistakes_are_all_reported() {
        let p = lower(
            r#"{"Statment":[],"Statement":[{"Effect":"allow","Action":"s3:GetObject",
            "NotAction":"s3:PutObject","Principal":"*","effect":"Deny"}]}"#,
            PolicyKind::Identity,
        );
        let c = codes(&p);
        for expected in ["P101", "P102", "P107", "P112", "P109", "P110", "E003"] {
            assert!(c.contains(&expected), "missing {expected} in {c:?}");
        }
    }

    #[test]
    fn resource_policies_need_a_principal_and_identity_policies_refuse_one() {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
        assert_eq!(codes(&lower(text, PolicyKind::Bucket)), vec!["P111"]);
        assert!(codes(&lower(text, PolicyKind::Identity)).is_empty());
    }

    #[test]
    fn sids_are_checked_per_kind() {
        let text = r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"Allow read","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"},
            {"Sid":"Allow read","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}"#;
        assert_eq!(codes(&lower(text, PolicyKind::Bucket)), vec!["P115"]);
        let p = lower(
            &text.replace("\"Principal\":\"*\",", ""),
            PolicyKind::Identity,
        );
        assert_eq!(codes(&p), vec!["P114", "P114", "P115"]);
    }

    #[test]
    fn principals_are_validated() {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
            "Principal":{"AWS":"arn:aws:iam::*:root","Services":"x"},"Action":"s3:*","Resource":"*"}]}"#;
        assert_eq!(
            codes(&lower(text, PolicyKind::Bucket)),
            vec!["P117", "P117"]
        );
    }
}
