//! Validation of a parsed policy against the AWS catalogue and the rules of the language:
//! actions, resources, condition operators, keys and values, quotas, kind rules, redundancy.

use crate::catalog::{self, Action, ResourceType, Service};
use crate::diagnostic::Finding;
use crate::policy::{
    BaseOperator, Condition, Effect, OperatorFamily, Policy, PolicyKind, PrincipalKind,
    SetQualifier, Spanned, Statement,
};
use crate::registry::{Code, Severity};
use crate::source::{SourceFile, Span};
use crate::values;
use crate::variables;
use crate::wildcard::{self, Case, Pattern};
use std::cell::OnceCell;

/// Runs every validation on `policy`; `file` gives the source text (for sizes and sub-spans).
pub fn validate(policy: &Policy, file: &SourceFile, out: &mut Vec<Finding>) {
    let mut v = Validator {
        policy,
        file,
        out,
        memo: Memo::default(),
    };
    v.document();
    for s in &policy.statements {
        v.statement(s);
    }
    v.redundant_statements();
}

struct Validator<'a> {
    policy: &'a Policy,
    file: &'a SourceFile,
    out: &'a mut Vec<Finding>,
    /// Resource-type answers shared by every statement of the policy.
    memo: Memo<'a>,
}

/// The span of `inner` (a byte range of a string value's content) within the literal `lit`,
/// when the literal has no escapes (so offsets map 1:1); otherwise the whole literal.
fn sub_span(file: &SourceFile, lit: Span, value: &str, range: std::ops::Range<usize>) -> Span {
    let raw = file.slice(lit);
    if raw.len() == value.len() + 2 && raw.get(1..raw.len() - 1) == Some(value) {
        let start = lit.start as usize + 1 + range.start;
        Span::new(start, start + range.len().max(1))
    } else {
        lit
    }
}

/// The span of the first `${...}` in a string value (the whole value if it cannot be located).
fn variable_span(file: &SourceFile, lit: Span, value: &str) -> Span {
    let start = value.find("${").unwrap_or(0);
    let end = value
        .get(start..)
        .and_then(|r| r.find('}'))
        .map_or(value.len(), |e| start + e + 1);
    sub_span(file, lit, value, start..end)
}

impl<'a> Validator<'a> {
    fn push(&mut self, f: Finding) {
        // One past the limit, so the report can tell that findings were dropped.
        if self.out.len() <= crate::lint::MAX_FINDINGS {
            self.out.push(f);
        }
    }

    fn document(&mut self) {
        let p = self.policy;
        if p.kind == PolicyKind::Identity || p.kind == PolicyKind::PermissionsBoundary {
            if let Some(id) = &p.id {
                self.push(
                    Finding::new(Code::IdInIdentityPolicy, id.span, "`Id` has no effect in an identity policy")
                        .with_help("IAM ignores Id in identity policies; remove it or use it only in resource policies"),
                );
            }
        }
        self.size();
        if p.kind == PolicyKind::Rcp
            && p.version.as_ref().map(|v| v.value) != Some(crate::policy::Version::V2012_10_17)
        {
            let span = p.version.as_ref().map_or(
                Span::new(p.span.start as usize, p.span.start as usize + 1),
                |v| v.span,
            );
            self.push(Finding::new(
                Code::KindConstraint,
                span,
                "resource control policies require Version 2012-10-17",
            ));
        }
    }

    /// Policy size quotas per kind.
    // AWS rule: IAM and STS quotas page (managed 6,144 chars without whitespace; session 2,048),
    // Organizations quotas (SCP/RCP 5,120 chars with whitespace), S3 bucket policy 20 KB.
    fn size(&mut self) {
        let p = self.policy;
        let text = self.file.slice(p.span);
        let (limit, counted, what, severity) = match p.kind {
            PolicyKind::Bucket | PolicyKind::AccessPoint => {
                (20 * 1024, text.len(), "bytes", Severity::Error)
            }
            PolicyKind::Scp | PolicyKind::Rcp => {
                (5_120, text.chars().count(), "characters", Severity::Error)
            }
            PolicyKind::Session => (
                2_048,
                text.chars().filter(|c| !c.is_whitespace()).count(),
                "characters",
                Severity::Error,
            ),
            // AWS-managed policies are exempt from the customer quota, so this is a warning.
            PolicyKind::Identity | PolicyKind::PermissionsBoundary => (
                6_144,
                text.chars().filter(|c| !c.is_whitespace()).count(),
                "characters without whitespace",
                Severity::Warning,
            ),
            PolicyKind::Resource | PolicyKind::Trust => return,
        };
        if counted > limit {
            let head = Span::new(p.span.start as usize, p.span.start as usize + 1);
            self.push(
                Finding::new(
                    Code::PolicyTooLarge,
                    head,
                    format!(
                        "the {} policy is {counted} {what}, over the quota of {limit}",
                        p.kind
                    ),
                )
                .with_severity(severity)
                .with_help("split it into several policies, or use wildcards and fewer statements"),
            );
        }
    }

    fn statement(&mut self, s: &'a Statement) {
        self.kind_rules(s);
        // AWS rule: policy variables are not allowed in Principal (IAM "Policy variables" page).
        for p in s.principal.iter().flat_map(|b| &b.items) {
            if variables::contains_variable(&p.value) {
                self.push(
                    Finding::new(Code::VariableNotAllowed, variable_span(self.file, p.span, &p.value), format!("policy variables are not substituted in principals: `{}`", p.value))
                        .with_help("name the principal literally, or use \"*\" with a condition on aws:PrincipalArn or aws:username"),
                );
            }
        }
        let services = self.actions(s);
        self.resources(s);
        self.resource_types(s);
        for c in &s.conditions {
            self.condition(c, &services);
        }
    }

    fn kind_rules(&mut self, s: &Statement) {
        if self.policy.kind != PolicyKind::Rcp {
            return;
        }
        // AWS rule: RCP syntax (Organizations "Resource control policy syntax" page).
        let full_access = s.effect.value == Effect::Allow
            && s.action
                .as_ref()
                .is_some_and(|a| a.items.iter().all(|i| i.value == "*"))
            && s.resource
                .as_ref()
                .is_some_and(|r| r.items.iter().all(|i| i.value == "*"));
        if s.effect.value == Effect::Allow && !full_access {
            self.push(
                Finding::new(Code::KindConstraint, s.effect.span, "custom RCP statements must be `Deny`")
                    .with_help("only the AWS-managed RCPFullAWSAccess allows; write the guardrail as a Deny with conditions"),
            );
        }
        if let Some(p) = &s.principal {
            if p.negated
                || p.items.iter().any(|i| {
                    !(i.kind == PrincipalKind::Everyone
                        || (i.kind == PrincipalKind::Aws && i.value == "*"))
                })
            {
                self.push(
                    Finding::new(
                        Code::KindConstraint,
                        p.span,
                        "an RCP's principal must be exactly \"*\"",
                    )
                    .with_help("narrow it with conditions such as aws:PrincipalOrgID instead"),
                );
            }
        }
        if let Some(a) = &s.action {
            if a.negated {
                self.push(Finding::new(
                    Code::KindConstraint,
                    a.span,
                    "RCPs do not support `NotAction`",
                ));
            } else if s.effect.value == Effect::Deny && a.items.iter().any(|i| i.value == "*") {
                self.push(
                    Finding::new(
                        Code::KindConstraint,
                        a.span,
                        "an RCP cannot deny the bare action \"*\"",
                    )
                    .with_help("name the service, e.g. \"s3:*\""),
                );
            }
        }
    }

    /// Checks each action and returns the services the statement's actions belong to.
    fn actions(&mut self, s: &Statement) -> Vec<&'static Service> {
        let mut services: Vec<&'static Service> = Vec::new();
        let Some(block) = &s.action else {
            return services;
        };
        for item in &block.items {
            let text = item.value.as_str();
            if text == "*" || text.is_empty() {
                continue;
            }
            if variables::contains_variable(text) {
                self.push(Finding::new(
                    Code::VariableNotAllowed,
                    item.span,
                    format!("policy variables are not substituted in actions: `{text}`"),
                ));
                continue;
            }
            // AWS rule: actions are `service:action`, no spaces or commas (IAM "Action" element page).
            let Some((svc, name)) = text.split_once(':') else {
                self.push(
                    Finding::new(
                        Code::InvalidAction,
                        item.span,
                        format!("`{text}` is not of the form `service:action`"),
                    )
                    .with_help(
                        "write the service prefix, a colon and the action, e.g. \"s3:GetObject\"",
                    ),
                );
                continue;
            };
            if svc.is_empty()
                || name.is_empty()
                || text.chars().any(|c| c.is_whitespace() || c == ',')
                || name.contains(':')
            {
                self.push(Finding::new(Code::InvalidAction, item.span, format!("`{text}` is not a valid action")).with_help(
                    "an action has no spaces, commas or second colon; list several actions as separate strings",
                ));
                continue;
            }
            if svc.contains(['*', '?']) {
                self.push(
                    Finding::new(Code::ServiceWildcard, sub_span(self.file, item.span, text, 0..svc.len()), format!("wildcard in the service prefix of `{text}`"))
                        .with_help("wildcards are allowed only in the action name; list the services, or use \"*\""),
                );
                continue;
            }
            let Some(service) = catalog::service(svc) else {
                let hint = catalog::services()
                    .iter()
                    .map(|s| s.prefix())
                    .collect::<Vec<_>>();
                let mut f = Finding::new(
                    Code::UnknownService,
                    sub_span(self.file, item.span, text, 0..svc.len()),
                    format!("unknown service prefix `{svc}`"),
                );
                f = match suggest_closest(svc, &hint) {
                    Some(h) => f.with_help(format!(
                        "did you mean `{h}`? (the catalogue is {}; a new service may be missing)",
                        catalog::data_version()
                    )),
                    None => f.with_help(format!(
                        "the catalogue is {}; a new service may be missing",
                        catalog::data_version()
                    )),
                };
                self.push(f);
                continue;
            };
            if !services.iter().any(|x| std::ptr::eq(*x, service)) {
                services.push(service);
            }
            let name_span = sub_span(self.file, item.span, text, svc.len() + 1..text.len());
            if name.contains(['*', '?']) {
                let pattern = Pattern::new(name);
                if !candidate_actions(service, &pattern)
                    .iter()
                    .any(|a| pattern.is_match(a.name(), Case::Insensitive))
                {
                    self.push(
                        Finding::new(
                            Code::ActionMatchesNothing,
                            name_span,
                            format!("`{text}` matches no {svc} action"),
                        )
                        .with_help(format!(
                            "check the spelling; the catalogue is {}",
                            catalog::data_version()
                        )),
                    );
                }
            } else if service.action(name).is_none() {
                let names: Vec<&str> = service.actions().iter().map(Action::name).collect();
                let mut f = Finding::new(
                    Code::UnknownAction,
                    name_span,
                    format!("`{svc}` has no action `{name}`"),
                );
                f = match suggest_closest(name, &names) {
                    Some(h) => f.with_help(format!("did you mean `{svc}:{h}`?")),
                    None => f.with_help(format!(
                        "the catalogue is {}; a new action may be missing",
                        catalog::data_version()
                    )),
                };
                self.push(f);
            }
        }
        self.redundant_items(
            &block.items,
            Case::Insensitive,
            Code::RedundantAction,
            "action",
        );
        services
    }

    fn resources(&mut self, s: &Statement) {
        let Some(block) = &s.resource else { return };
        let vars = self.policy.substitutes_variables();
        for item in &block.items {
            let text = item.value.as_str();
            if text.is_empty() || text.bytes().all(|b| b == b'*') {
                continue;
            }
            if variables::contains_variable(text) {
                if !vars {
                    self.variables_need_version(item.span, text);
                } else if let Err(e) = variables::parse(text) {
                    self.push(Finding::new(
                        Code::InvalidVariable,
                        sub_span(self.file, item.span, text, e.span()),
                        e.message(),
                    ));
                    continue;
                }
            }
            let arn = match crate::arn::parse(text) {
                Ok(a) => a,
                Err(e) => {
                    let at = e.offset().min(text.len());
                    // An empty resource part is accepted by IAM (AWS-managed policies have
                    // `arn:aws:organizations::*:`) but matches only ARNs ending in `:`.
                    let severity = if e.kind() == crate::arn::ArnErrorKind::EmptyResource {
                        Severity::Warning
                    } else {
                        Severity::Error
                    };
                    self.push(
                        Finding::new(Code::MalformedArn, sub_span(self.file, item.span, text, at..text.len().max(at + 1)), format!("`{text}` is not a valid ARN: {}", e.message()))
                            .with_severity(severity)
                            .with_help("an ARN has six parts: arn:partition:service:region:account:resource (S3: arn:aws:s3:::bucket/key)"),
                    );
                    continue;
                }
            };
            // AWS rule: S3 bucket and object ARNs have no region or account (S3 "Policy resources" page).
            let cannot_be_empty = |seg: &str| seg.bytes().any(|b| b != b'*');
            if arn.service == "s3"
                && (cannot_be_empty(arn.region) || cannot_be_empty(arn.account))
                && !s3_regional_resource(arn.resource)
            {
                let start = "arn:".len() + arn.partition.len() + 1 + arn.service.len() + 1;
                let end = start + arn.region.len() + 1 + arn.account.len();
                self.push(
                    Finding::new(Code::S3ArnRegionOrAccount, sub_span(self.file, item.span, text, start..end), format!("S3 bucket and object ARNs have no region or account: `{text}` matches nothing"))
                        .with_help(format!("write `arn:{}:s3:::{}`", arn.partition, arn.resource)),
                );
            }
        }
        self.redundant_resources(&block.items);
    }

    fn variables_need_version(&mut self, span: Span, text: &str) {
        self.push(
            Finding::new(
                Code::VariablesNeedVersion,
                variable_span(self.file, span, text),
                format!("`{text}` is literal text: policy variables need Version 2012-10-17"),
            )
            .with_help("set \"Version\": \"2012-10-17\""),
        );
    }

    /// P303: actions paired only with resources of types they do not accept.
    fn resource_types(&mut self, s: &'a Statement) {
        let (Some(actions), Some(resources)) = (&s.action, &s.resource) else {
            return;
        };
        // Empty, malformed or region-carrying S3 resources are reported by their own codes.
        let reported_elsewhere = |r: &str| match crate::arn::parse(r) {
            Ok(a) => {
                a.service == "s3"
                    && (a.region.bytes().any(|b| b != b'*') || a.account.bytes().any(|b| b != b'*'))
                    && !s3_regional_resource(a.resource)
            }
            Err(_) => true,
        };
        if actions.negated
            || resources.negated
            || resources.items.is_empty()
            || resources
                .items
                .iter()
                .any(|r| r.value.bytes().all(|b| b == b'*') || reported_elsewhere(&r.value))
        {
            return;
        }
        let severity = match self.policy.kind {
            // AWS rule: S3 rejects such a bucket policy: "Action does not apply to any resource(s) in statement".
            PolicyKind::Bucket | PolicyKind::AccessPoint => Severity::Error,
            _ => Severity::Warning,
        };
        let mut shapes: Vec<(&'static Service, Vec<ResourceShape<'a>>)> = Vec::new();
        for item in &actions.items {
            let Some((svc, name)) = item.value.split_once(':') else {
                continue;
            };
            let Some(service) = catalog::service(svc) else {
                continue;
            };
            if !service.has_details() || svc.contains(['*', '?']) {
                continue;
            }
            // An ASCII name without wildcards matches at most the one action of that name
            // (catalogue names are ASCII and distinct under ASCII folding).
            let single;
            let several: Vec<&Action>;
            let matched: &[&Action] = if name.is_ascii() && !name.contains(['*', '?']) {
                single = service.action(name);
                single.as_slice()
            } else {
                let pattern = Pattern::new(name);
                several = candidate_actions(service, &pattern)
                    .iter()
                    .filter(|a| pattern.is_match(a.name(), Case::Insensitive))
                    .collect();
                &several
            };
            if matched.is_empty() {
                continue;
            }
            let index = match shapes.iter().position(|(p, _)| std::ptr::eq(*p, service)) {
                Some(i) => i,
                None => {
                    let fresh = resources
                        .items
                        .iter()
                        .map(|r| ResourceShape::new(service, &r.value))
                        .collect();
                    shapes.push((service, fresh));
                    shapes.len() - 1
                }
            };
            let applies = match shapes.get_mut(index) {
                Some((_, service_shapes)) => matched.iter().any(|a| {
                    service_shapes
                        .iter_mut()
                        .any(|shape| action_accepts(a, shape, &mut self.memo))
                }),
                None => true,
            };
            if !applies {
                let types: Vec<&str> = matched
                    .first()
                    .map(|a| a.resource_types().iter().map(|t| t.name()).collect())
                    .unwrap_or_default();
                let expected = if types.is_empty() {
                    "\"*\" (it takes no resource)".to_string()
                } else {
                    types.join(" or ")
                };
                let mut f = Finding::new(
                    Code::ResourceTypeMismatch,
                    item.span,
                    format!(
                        "`{}` does not apply to any resource of this statement",
                        item.value
                    ),
                )
                .with_severity(severity)
                .with_related(resources.span, "the statement's resources")
                .with_help(format!(
                    "`{}` needs a resource of type {expected}",
                    item.value
                ));
                if let Some(example) = example_resource(
                    service,
                    matched.first().copied(),
                    resources.items.first().map(|r| r.value.as_str()),
                ) {
                    f = f.with_help(format!(
                        "`{}` needs a resource of type {expected}, e.g. `{example}`",
                        item.value
                    ));
                }
                self.push(f);
            }
        }
    }

    fn condition(&mut self, c: &'a Condition, services: &[&'static Service]) {
        let op = &c.operator.value;
        if op.base == BaseOperator::Unknown {
            let names: Vec<&str> = BaseOperator::KNOWN.iter().map(|o| o.as_str()).collect();
            let base_text = op
                .text
                .trim_start_matches("ForAllValues:")
                .trim_start_matches("ForAnyValue:")
                .trim_end_matches("IfExists");
            let mut f = Finding::new(
                Code::UnknownOperator,
                c.operator.span,
                format!("unknown condition operator `{}`", op.text),
            );
            if let Some(h) = suggest_closest(base_text, &names) {
                f = f.with_help(format!(
                    "did you mean `{h}`? Operator names are case-sensitive"
                ));
            }
            self.push(f);
            return;
        }
        let family = op.base.family();
        if op.base == BaseOperator::Null && op.if_exists {
            self.push(
                Finding::new(
                    Code::NullWithIfExists,
                    c.operator.span,
                    "`Null` cannot take `IfExists`",
                )
                .with_help("Null already tests whether the key exists; remove IfExists"),
            );
        }
        // Condition keys: global, or a key of a service the statement's actions use.
        let key = c.key.value.as_str();
        if variables::contains_variable(key) {
            self.push(Finding::new(
                Code::VariableNotAllowed,
                c.key.span,
                "policy variables are not substituted in condition keys",
            ));
        }
        let (info, tag_style) = self.memo.condition_key(key);
        match info {
            None if tag_style => {}
            None => {
                let mut candidates: Vec<&str> =
                    catalog::global_keys().iter().map(|k| k.name()).collect();
                for svc in services {
                    candidates.extend(
                        svc.actions()
                            .iter()
                            .flat_map(|a| a.condition_keys().iter().copied()),
                    );
                }
                let mut f = Finding::new(
                    Code::UnknownConditionKey,
                    c.key.span,
                    format!("unknown condition key `{key}`"),
                );
                f = match suggest_closest(key, &candidates) {
                    Some(h) => f.with_help(format!(
                        "did you mean `{h}`? An unknown key is absent from every request"
                    )),
                    None => f.with_help(format!(
                        "an unknown key is absent from every request; the catalogue is {}",
                        catalog::data_version()
                    )),
                };
                self.push(f);
            }
            Some(info) => {
                // AWS rule: multi-valued keys need ForAllValues/ForAnyValue ("Single-valued vs.
                // multivalued context keys" page); a bare operator never matches them.
                if info.multi_valued() && op.set.is_none() && op.base != BaseOperator::Null {
                    self.push(
                        Finding::new(Code::MissingSetQualifier, c.key.span, format!("`{key}` is multi-valued, so `{}` without ForAnyValue/ForAllValues never matches", op.text))
                            .with_related(c.operator.span, "the operator")
                            .with_help(format!("write `ForAnyValue:{}` (or ForAllValues)", op.text)),
                    );
                }
                if !info.multi_valued() && op.set == Some(SetQualifier::ForAllValues) {
                    self.push(
                        Finding::new(Code::ForAllValuesSingleValued, c.key.span, format!("`ForAllValues` on the single-valued key `{key}` is true when the key is absent"))
                            .with_related(c.operator.span, "the set operator")
                            .with_help(format!("use `{}` without the set qualifier", op.text.trim_start_matches("ForAllValues:"))),
                    );
                }
            }
        }
        let vars = self.policy.substitutes_variables();
        for v in &c.values {
            let text = v.text.as_str();
            let has_var = variables::contains_variable(text);
            if has_var {
                if !vars {
                    self.variables_need_version(v.span, text);
                } else if let Err(e) = variables::parse(text) {
                    self.push(Finding::new(
                        Code::InvalidVariable,
                        sub_span(self.file, v.span, text, e.span()),
                        e.message(),
                    ));
                    continue;
                }
                // AWS rule: variables are substituted only in string and ARN operators (IAM "Policy variables" page).
                if vars
                    && !matches!(
                        family,
                        OperatorFamily::String | OperatorFamily::Arn | OperatorFamily::Bool
                    )
                {
                    self.push(Finding::new(
                        Code::VariableNotAllowed,
                        variable_span(self.file, v.span, text),
                        format!(
                            "policy variables are not substituted in `{}` values",
                            op.base.as_str()
                        ),
                    ));
                    continue;
                }
                continue;
            }
            let bad = |expected: &str| {
                format!(
                    "`{text}` is not {expected}, as `{}` requires",
                    op.base.as_str()
                )
            };
            let problem = match family {
                OperatorFamily::Numeric => values::parse_number(text)
                    .is_none()
                    .then(|| bad("a number")),
                OperatorFamily::Date => values::parse_date(text).is_none().then(|| {
                    bad("a date (ISO 8601 such as 2025-01-31T00:00:00Z, or epoch seconds)")
                }),
                OperatorFamily::Bool | OperatorFamily::Null => values::parse_bool(text)
                    .is_none()
                    .then(|| bad("`true` or `false`")),
                OperatorFamily::Ip => values::parse_cidr(text)
                    .is_none()
                    .then(|| bad("an IP address or CIDR")),
                OperatorFamily::Binary => (!values::is_base64(text)).then(|| bad("base-64")),
                OperatorFamily::String | OperatorFamily::Arn | OperatorFamily::Unknown => None,
            };
            if let Some(message) = problem {
                self.push(Finding::new(Code::ConditionValueType, v.span, message));
                continue;
            }
            if matches!(family, OperatorFamily::String)
                && !op.base.allows_wildcards()
                && text.contains('*')
            {
                let like = if op.base.is_negated() {
                    "StringNotLike"
                } else {
                    "StringLike"
                };
                self.push(
                    Finding::new(
                        Code::WildcardInNonLike,
                        v.span,
                        format!(
                            "`*` is a literal character in `{}` values",
                            op.base.as_str()
                        ),
                    )
                    .with_help(format!("use `{like}` for a wildcard match")),
                );
            }
            if family == OperatorFamily::Ip && key.eq_ignore_ascii_case("aws:SourceIp") {
                if let Some(net) = values::parse_cidr(text) {
                    if values::is_private_range(&net) {
                        self.push(
                            Finding::new(Code::PrivateIpInSourceIp, v.span, format!("`{text}` is a private range; aws:SourceIp holds only public addresses"))
                                .with_help("requests through a VPC endpoint carry aws:VpcSourceIp instead; use that key, or aws:SourceVpce"),
                        );
                    }
                }
            }
        }
    }

    /// P502: an item covered by another item of the same list.
    fn redundant_items(&mut self, items: &[Spanned<String>], case: Case, code: Code, what: &str) {
        if items.len() < 2 || items.len() > 500 {
            return;
        }
        let patterns: Vec<Item<'_>> = items.iter().map(|i| Item::new(&i.value)).collect();
        let covering = |i: usize, j: usize| {
            let (Some(a), Some(b)) = (items.get(i), items.get(j)) else {
                return false;
            };
            i != j
                && patterns.get(i).zip(patterns.get(j)).is_some_and(|(pa, pb)| pa.covers(pb, case))
                // For two equal items, only the later one is redundant.
                && !(eq(&a.value, &b.value, case) && i > j)
        };
        // Only wildcard items can cover others, except that an equal item covers a later one;
        // with ASCII text "equal" is exactly what `covers` means for two literals. So a long
        // list of literal actions costs one pass over the wildcards, not every pair.
        let wild: Vec<usize> = (0..items.len())
            .filter(|&i| patterns.get(i).is_some_and(|p| !p.is_literal()))
            .collect();
        let ascii = items.iter().all(|i| i.value.is_ascii());
        for (j, b) in items.iter().enumerate() {
            let first = if !ascii {
                (0..items.len()).find(|&i| covering(i, j))
            } else if patterns.get(j).is_some_and(Item::is_literal) {
                let equal = (0..j).find(|&i| {
                    patterns.get(i).is_some_and(Item::is_literal)
                        && items.get(i).is_some_and(|a| eq(&a.value, &b.value, case))
                        && covering(i, j)
                });
                let wildcard = wild.iter().copied().find(|&i| covering(i, j));
                match (equal, wildcard) {
                    (Some(x), Some(y)) => Some(x.min(y)),
                    (x, y) => x.or(y),
                }
            } else {
                // A literal never covers a wildcard.
                wild.iter().copied().find(|&i| covering(i, j))
            };
            if let Some(a) = first.and_then(|i| items.get(i)) {
                self.push(
                    Finding::new(
                        code,
                        b.span,
                        format!("{what} `{}` is already covered by `{}`", b.value, a.value),
                    )
                    .with_related(a.span, "covered by this")
                    .with_help(format!("remove the redundant {what}")),
                );
            }
        }
    }

    fn redundant_resources(&mut self, items: &[Spanned<String>]) {
        if items.len() < 2 || items.len() > 500 {
            return;
        }
        let compiled: Vec<CompiledResource<'_>> = items
            .iter()
            .map(|i| CompiledResource::new(&i.value))
            .collect();
        for (j, b) in items.iter().enumerate() {
            let cb = compiled.get(j);
            let coverer = items
                .iter()
                .zip(&compiled)
                .enumerate()
                .find(|(i, (a, ca))| {
                    *i != j && cb.is_some_and(|cb| ca.covers(cb)) && !(a.value == b.value && *i > j)
                });
            let coverer = coverer.map(|(i, (a, _))| (i, a));
            if let Some((_, a)) = coverer {
                self.push(
                    Finding::new(
                        Code::RedundantResource,
                        b.span,
                        format!("resource `{}` is already covered by `{}`", b.value, a.value),
                    )
                    .with_related(a.span, "covered by this")
                    .with_help("remove the redundant resource"),
                );
            }
        }
    }

    /// P501: a statement that another statement of the same policy covers entirely.
    fn redundant_statements(&mut self) {
        let st = &self.policy.statements;
        if st.len() < 2 || st.len() > 200 {
            return;
        }
        // Compiled on first use: most pairs differ in effect, principal or conditions.
        let compiled: Vec<LazyCompiled<'_>> = st.iter().map(|_| OnceCell::new()).collect();
        for (j, b) in st.iter().enumerate() {
            let cb = compiled.get(j);
            let coverer = st.iter().zip(&compiled).enumerate().find(|(i, (a, ca))| {
                *i != j
                    && cb.is_some_and(|cb| {
                        statement_covers(a, ca, b, cb)
                            && !(*i > j && statement_covers(b, cb, a, ca))
                    })
            });
            let coverer = coverer.map(|(i, (a, _))| (i, a));
            if let Some((_, a)) = coverer {
                self.push(
                    Finding::new(
                        Code::RedundantStatement,
                        b.span,
                        format!("{} is already covered by {}", b.label(), a.label()),
                    )
                    .with_related(a.span, "covered by this statement")
                    .with_help("remove it, or make the difference explicit"),
                );
            }
        }
    }
}

/// The actions of `service` that an action-name `pattern` can match: those sharing its literal
/// prefix (a binary search in the sorted table) when the prefix is ASCII, else all of them.
/// Catalogue names are ASCII, so a match must start with the prefix under ASCII folding.
fn candidate_actions(service: &'static Service, pattern: &Pattern) -> &'static [Action] {
    let prefix = pattern.literal_prefix();
    if prefix.is_ascii() {
        service.actions_with_prefix(prefix)
    } else {
        service.actions()
    }
}

fn eq(a: &str, b: &str, case: Case) -> bool {
    match case {
        Case::Sensitive => a == b,
        Case::Insensitive => a.eq_ignore_ascii_case(b),
    }
}

fn suggest_closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    crate::suggest::closest(word, candidates.iter().copied())
}

/// S3 ARNs that legitimately carry a region and account (access points, jobs, ...): the
/// resource part starts with the literal prefix of a regional S3 resource type's template.
fn s3_regional_resource(resource: &str) -> bool {
    let Some(svc) = catalog::service("s3") else {
        return false;
    };
    svc.resource_types().iter().any(|t| {
        let template = t.arn_template();
        let regional = template.contains("${Region}") || template.contains("${Account}");
        let tail = template.splitn(6, ':').nth(5).unwrap_or("");
        let prefix = tail.split("${").next().unwrap_or("");
        regional
            && !prefix.is_empty()
            && (resource.starts_with(prefix) || resource.starts_with('*'))
    })
}

/// Whether `resource` (a Resource pattern) could name a resource that `action` accepts.
/// What a Resource entry may denote, for one service: each resource type is checked at most
/// once per statement (memoised), then reused for every action.
struct ResourceShape<'r> {
    resource: &'r str,
    service: &'static Service,
    /// Holds a policy variable: any type is possible.
    variable: bool,
    /// `*` (or `arn:aws:s3:::*`-like): accepted by actions that take no resource.
    star_like: bool,
    /// Resource types checked so far, and whether the entry may name one.
    checked: Vec<(&'static str, bool)>,
}

impl<'r> ResourceShape<'r> {
    fn new(service: &'static Service, resource: &'r str) -> ResourceShape<'r> {
        ResourceShape {
            resource,
            service,
            variable: variables::contains_variable(resource),
            // AWS rule: actions without a resource type need "*"; AWS examples also use
            // arn:aws:s3:::* for s3:ListAllMyBuckets (S3 "Policy actions" page).
            star_like: resource.bytes().all(|b| b == b'*')
                || resource == "arn:aws:s3:::*"
                || resource.ends_with(":*") && !resource.contains('/'),
            checked: Vec::new(),
        }
    }

    fn may_be(&mut self, type_name: &str, memo: &mut Memo<'r>) -> bool {
        if let Some((_, known)) = self
            .checked
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(type_name))
        {
            return *known;
        }
        let Some(rt) = self.service.resource_type(type_name) else {
            return false;
        };
        let answer = memo.may_be(rt, self.resource);
        self.checked.push((rt.name(), answer));
        answer
    }
}

/// Answers of [`resource_may_be`] for one policy: bucket policies repeat the same few
/// resources in many statements. Also the compiled patterns of ARN template tails and of
/// resource parts, each compared with many resource types, and the condition keys looked up
/// (a templated key such as `aws:RequestTag/x` is matched against every template).
#[derive(Default)]
struct Memo<'r> {
    answers: Vec<(&'static ResourceType, &'r str, bool)>,
    templates: Vec<(&'static str, Pattern)>,
    parts: Vec<(&'r str, Pattern)>,
    keys: Vec<(&'r str, Option<&'static catalog::KeyInfo>, bool)>,
}

impl<'r> Memo<'r> {
    /// The catalogue's entry for a condition key, and whether the key is tag-style (its head
    /// up to `/` begins some known key: `secretsmanager:ResourceTag/tag-key`).
    fn condition_key(&mut self, key: &'r str) -> (Option<&'static catalog::KeyInfo>, bool) {
        if let Some((_, info, tag_style)) = self.keys.iter().find(|(k, _, _)| *k == key) {
            return (*info, *tag_style);
        }
        let tag_style = catalog::is_tag_style_key(key);
        let info = catalog::condition_key(key);
        self.keys.push((key, info, tag_style));
        (info, tag_style)
    }

    fn may_be(&mut self, rt: &'static ResourceType, resource: &'r str) -> bool {
        if let Some((_, _, known)) = self
            .answers
            .iter()
            .find(|(t, r, _)| std::ptr::eq(*t, rt) && *r == resource)
        {
            return *known;
        }
        let answer = resource_may_be(rt.name(), rt.arn_template(), resource, self);
        self.answers.push((rt, resource, answer));
        answer
    }

    /// Whether the resource part `part` intersects the pattern of the template tail `tail`
    /// (`${Var}` as `*`).
    fn tail_intersects(&mut self, tail: &'static str, part: &'r str) -> bool {
        let t = match self.templates.iter().position(|(t, _)| *t == tail) {
            Some(i) => i,
            None => {
                self.templates.push((tail, template_pattern(tail)));
                self.templates.len() - 1
            }
        };
        let p = match self.parts.iter().position(|(p, _)| *p == part) {
            Some(i) => i,
            None => {
                self.parts.push((part, Pattern::new(part)));
                self.parts.len() - 1
            }
        };
        match (self.templates.get(t), self.parts.get(p)) {
            (Some((_, tpl)), Some((_, part))) => wildcard::intersects(tpl, part, Case::Sensitive),
            _ => true,
        }
    }
}

/// Whether `action` accepts a resource of this shape.
fn action_accepts<'r>(action: &Action, shape: &mut ResourceShape<'r>, memo: &mut Memo<'r>) -> bool {
    if shape.variable {
        return true;
    }
    let types = action.resource_types();
    if types.is_empty() {
        return shape.star_like;
    }
    types.iter().any(|t| shape.may_be(t.name(), memo))
}

/// Whether a Resource pattern may denote a resource of the given type.
fn resource_may_be<'r>(
    type_name: &str,
    template: &'static str,
    resource: &'r str,
    memo: &mut Memo<'r>,
) -> bool {
    let Ok(arn) = crate::arn::parse(resource) else {
        return false;
    };
    let mut tpl_parts = template.splitn(6, ':');
    let res_parts = [arn.partition, arn.service, arn.region, arn.account];
    // First five segments: a template variable matches anything; literals must intersect.
    // (`res_parts` drives the zip, so the template's sixth part is left for the tail.)
    for (&r, t) in res_parts.iter().zip(tpl_parts.by_ref().skip(1)) {
        if t.contains("${") {
            continue;
        }
        if !t.contains(['*', '?']) && !r.contains(['*', '?']) {
            if t != r {
                return false;
            }
            continue;
        }
        if !wildcard::intersects(&Pattern::new(t), &Pattern::new(r), Case::Sensitive) {
            return false;
        }
    }
    let tail = tpl_parts.next().unwrap_or("");
    let part = arn.resource;
    // S3 bucket and access point names never contain `/`, so a bucket pattern must not
    // require one, and an object pattern must allow one.
    match type_name {
        "bucket" | "accesspoint" => {
            let prefix = tail.split("${").next().unwrap_or("");
            let rest = if prefix.is_empty() {
                Some(part)
            } else {
                part.strip_prefix(prefix)
            };
            match rest {
                Some(name) => !name.contains('/'),
                None => part.starts_with('*'),
            }
        }
        "object" | "accesspointobject" => {
            memo.tail_intersects(tail, part) && (part.contains('/') || part.contains(['*', '?']))
        }
        _ => memo.tail_intersects(tail, part),
    }
}

/// An ARN template's part with every `${Var}` turned into `*`.
fn template_pattern(tail: &str) -> Pattern {
    let mut b = wildcard::PatternBuilder::new();
    let mut rest = tail;
    while let Some(start) = rest.find("${") {
        b.literal(rest.get(..start).unwrap_or(""));
        b.any_run();
        rest = rest
            .get(start..)
            .and_then(|r| r.find('}').map(|e| &r[e + 1..]))
            .unwrap_or("");
    }
    b.literal(rest);
    b.build()
}

/// An example resource of a type `action` accepts, derived from the statement's first resource.
fn example_resource(
    service: &Service,
    action: Option<&Action>,
    first: Option<&str>,
) -> Option<String> {
    let action = action?;
    if service.prefix() != "s3" {
        return None;
    }
    let arn = crate::arn::parse(first?).ok()?;
    let bucket = arn.resource.split('/').next()?.trim_end_matches('*');
    let names: Vec<&str> = action.resource_types().iter().map(|t| t.name()).collect();
    if names.contains(&"object") {
        Some(format!("arn:{}:s3:::{bucket}/*", arn.partition))
    } else if names.contains(&"bucket") {
        Some(format!("arn:{}:s3:::{bucket}", arn.partition))
    } else if names.is_empty() {
        Some("*".to_string())
    } else {
        None
    }
}

/// A Resource pattern split into its five ARN parts, compiled when first compared.
struct CompiledResource<'a> {
    text: &'a str,
    /// The text before the first wildcard and after the last. Whatever this pattern covers
    /// starts and ends with them (equal literal parts, then the wildcard part's literal
    /// affixes), which rules most pairs out without compiling anything.
    head: &'a str,
    tail: &'a str,
    /// `None` for `*`-only patterns, variables and non-ARNs (compared as text).
    parts: OnceCell<Option<Vec<Item<'a>>>>,
}

impl<'a> CompiledResource<'a> {
    fn new(text: &'a str) -> CompiledResource<'a> {
        let wild = |c: char| c == '*' || c == '?';
        let head = text
            .find(wild)
            .map_or(text, |i| text.get(..i).unwrap_or(""));
        let tail = text
            .rfind(wild)
            .map_or(text, |i| text.get(i + 1..).unwrap_or(""));
        CompiledResource {
            text,
            head,
            tail,
            parts: OnceCell::new(),
        }
    }

    fn parts(&self) -> Option<&[Item<'a>]> {
        self.parts
            .get_or_init(|| {
                let text = self.text;
                if text.bytes().all(|b| b == b'*') || variables::contains_variable(text) {
                    return None;
                }
                crate::arn::parse(text).ok().map(|a| {
                    [a.partition, a.service, a.region, a.account, a.resource]
                        .into_iter()
                        .map(Item::new)
                        .collect()
                })
            })
            .as_deref()
    }

    /// Sound: true only if every resource `specific` matches, `self` matches too.
    fn covers(&self, specific: &CompiledResource<'_>) -> bool {
        if self.text.bytes().all(|b| b == b'*') {
            return true;
        }
        if !specific.text.starts_with(self.head) || !specific.text.ends_with(self.tail) {
            return false;
        }
        match (self.parts(), specific.parts()) {
            (Some(g), Some(s)) => g.iter().zip(s).all(|(a, b)| a.covers(b, Case::Sensitive)),
            _ => self.text == specific.text,
        }
    }
}

/// A statement's action and resource patterns, compiled once for pairwise comparisons.
struct Compiled<'a> {
    actions: Vec<Item<'a>>,
    resources: Vec<CompiledResource<'a>>,
    /// The literal actions ASCII-lowercased and sorted, and the indices of the wildcard ones:
    /// a literal action is covered by an equal literal or by a wildcard, so a lookup replaces
    /// a scan. `None` when an action is not ASCII (then every action is compared).
    index: OnceCell<Option<(Vec<String>, Vec<usize>)>>,
}

impl Compiled<'_> {
    /// Whether one of the statement's actions covers `q`.
    fn covers_action(&self, q: &Item<'_>) -> bool {
        if let (Item::Literal(text), Some((literals, wild))) = (q, self.index()) {
            if text.is_ascii() {
                // Two equal ASCII literals: covered when the pair fits the size budget.
                let equal = literals.binary_search_by(|l| cmp_lower(l, text)).is_ok()
                    && wildcard::within_budget(text.len(), text.len());
                return equal
                    || wild
                        .iter()
                        .filter_map(|&i| self.actions.get(i))
                        .any(|p| p.covers(q, Case::Insensitive));
            }
        }
        self.actions.iter().any(|p| p.covers(q, Case::Insensitive))
    }

    fn index(&self) -> Option<&(Vec<String>, Vec<usize>)> {
        self.index
            .get_or_init(|| {
                let mut literals = Vec::new();
                let mut wild = Vec::new();
                for (i, item) in self.actions.iter().enumerate() {
                    match item {
                        Item::Literal(text) if text.is_ascii() => {
                            literals.push(text.to_ascii_lowercase());
                        }
                        Item::Literal(_) => return None,
                        Item::Wild(_) => wild.push(i),
                    }
                }
                literals.sort();
                Some((literals, wild))
            })
            .as_ref()
    }
}

/// Compares an ASCII-lowercased text with `text` lowercased.
fn cmp_lower(lower: &str, text: &str) -> std::cmp::Ordering {
    lower
        .bytes()
        .cmp(text.bytes().map(|b| b.to_ascii_lowercase()))
}

/// A list item (an action, a part of an ARN) compiled as a pattern only when it has
/// wildcards; most are plain names, compared as text exactly as `wildcard::covers` would.
enum Item<'a> {
    Literal(&'a str),
    Wild(Pattern),
}

impl<'a> Item<'a> {
    fn new(text: &'a str) -> Item<'a> {
        if text.contains(['*', '?']) {
            Item::Wild(Pattern::new(text))
        } else {
            Item::Literal(text)
        }
    }

    fn is_literal(&self) -> bool {
        matches!(self, Item::Literal(_))
    }

    /// `wildcard::covers` of the two items' patterns.
    fn covers(&self, specific: &Item<'_>, case: Case) -> bool {
        match (self, specific) {
            (Item::Literal(a), Item::Literal(b)) => wildcard::plain_covers_plain(a, b, case),
            (Item::Wild(p), Item::Literal(b)) => wildcard::covers_plain(p, b, case),
            // A literal pattern never covers one with a wildcard.
            (Item::Literal(_), Item::Wild(_)) => false,
            (Item::Wild(p), Item::Wild(q)) => wildcard::covers(p, q, case),
        }
    }
}

impl<'a> Compiled<'a> {
    fn new(s: &'a Statement) -> Compiled<'a> {
        Compiled {
            actions: s
                .action
                .iter()
                .flat_map(|a| &a.items)
                .map(|i| Item::new(&i.value))
                .collect(),
            resources: s
                .resource
                .iter()
                .flat_map(|r| &r.items)
                .map(|i| CompiledResource::new(&i.value))
                .collect(),
            index: OnceCell::new(),
        }
    }
}

/// A statement's [`Compiled`] form, built when a comparison first needs it.
type LazyCompiled<'a> = OnceCell<Compiled<'a>>;

/// Whether statement `a` matches every request `b` matches, with the same effect.
fn statement_covers<'a>(
    a: &'a Statement,
    ca: &LazyCompiled<'a>,
    b: &'a Statement,
    cb: &LazyCompiled<'a>,
) -> bool {
    if a.effect.value != b.effect.value || !same_conditions(a, b) {
        return false;
    }
    let principals_ok = match (&a.principal, &b.principal) {
        (None, None) => true,
        (Some(pa), Some(pb)) if !pa.negated && !pb.negated => {
            let everyone = pa.items.iter().any(|p| {
                p.kind == PrincipalKind::Everyone
                    || (p.kind == PrincipalKind::Aws && p.value == "*")
            });
            everyone
                || pb.items.iter().all(|q| {
                    pa.items
                        .iter()
                        .any(|p| p.kind == q.kind && p.value == q.value)
                })
        }
        _ => false,
    };
    if !principals_ok {
        return false;
    }
    let plain = |x: Option<bool>, y: Option<bool>| x == Some(false) && y == Some(false);
    if !plain(
        a.action.as_ref().map(|x| x.negated),
        b.action.as_ref().map(|x| x.negated),
    ) {
        return false;
    }
    let (ca, cb) = (
        ca.get_or_init(|| Compiled::new(a)),
        cb.get_or_init(|| Compiled::new(b)),
    );
    // Both blocks must agree in shape; then the actions, usually the cheaper to tell apart,
    // are compared before the resources.
    let compare_resources = match (&a.resource, &b.resource) {
        (Some(x), Some(y)) if !x.negated && !y.negated => true,
        (None, None) => false,
        _ => return false,
    };
    cb.actions.iter().all(|q| ca.covers_action(q))
        && (!compare_resources
            || cb
                .resources
                .iter()
                .all(|q| ca.resources.iter().any(|p| p.covers(q))))
}

fn same_conditions(a: &Statement, b: &Statement) -> bool {
    // `a` covers `b` when every condition of `a` also appears in `b` (b is at least as narrow).
    a.conditions.iter().all(|ca| {
        b.conditions.iter().any(|cb| {
            ca.operator.value.text == cb.operator.value.text
                && ca.key.value.eq_ignore_ascii_case(&cb.key.value)
                && ca.values.len() == cb.values.len()
                && ca
                    .values
                    .iter()
                    .zip(&cb.values)
                    .all(|(x, y)| x.text == y.text)
        })
    })
}
