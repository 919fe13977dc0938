//! P4xx: condition operators, keys and values, and where policy variables may stand.

use super::{Validator, candidate_actions, sub_span, suggest_closest, variable_span};
use crate::catalog::{self, Action, Service};
use crate::diagnostic::Finding;
use crate::policy::{BaseOperator, Condition, OperatorFamily, SetQualifier, Statement};
use crate::registry::Code;
use crate::source::Span;
use crate::values;
use crate::variables;
use crate::wildcard::{Case, Pattern};

/// What a statement's `Action` element says about the condition keys it can use. Nothing is
/// judged for `NotAction`, `*`, or an action that is malformed or of an unknown service.
#[derive(Default)]
pub(super) struct KeyScope {
    /// The services of the statement's actions, when every action's service is known.
    services: Option<Vec<&'static Service>>,
    /// Every catalogue action the element names, when all its services have per-action keys.
    actions: Option<Vec<(&'static Service, &'static Action)>>,
}

impl KeyScope {
    /// The scope of statement `s`; computed only for a statement with conditions.
    pub(super) fn of(s: &Statement) -> KeyScope {
        let Some(block) = s
            .action
            .as_ref()
            .filter(|b| !b.negated && !s.conditions.is_empty())
        else {
            return KeyScope::default();
        };
        let mut services: Vec<&'static Service> = Vec::new();
        let mut actions = Vec::new();
        let mut detailed = true;
        for item in &block.items {
            let Some((svc, name)) = item.value.split_once(':') else {
                return KeyScope::default();
            };
            let Some(service) = catalog::service(svc) else {
                return KeyScope::default();
            };
            if !services.iter().any(|x| std::ptr::eq(*x, service)) {
                services.push(service);
            }
            detailed &= service.has_details();
            // An ASCII name without wildcards is at most the one action of that name (catalogue
            // names are ASCII and distinct under ASCII folding): looked up, not matched.
            if detailed && name.is_ascii() && !name.contains(['*', '?']) {
                actions.extend(service.action(name).map(|a| (service, a)));
            } else if detailed {
                let pattern = Pattern::new(name);
                actions.extend(
                    candidate_actions(service, &pattern)
                        .iter()
                        .filter(|a| pattern.is_match(a.name(), Case::Insensitive))
                        .map(|a| (service, a)),
                );
            }
        }
        KeyScope {
            services: Some(services),
            actions: (detailed && !actions.is_empty()).then_some(actions),
        }
    }
}

/// Where a policy variable stands in a place AWS leaves it as literal text.
#[derive(Clone, Copy)]
pub(super) enum Unsubstituted {
    Principal,
    Action,
    ConditionKey,
    /// A value of a condition with this operator (substituted for some operators only).
    ConditionValue(BaseOperator),
}

/// The condition keys looked up in one policy, with their catalogue entry and whether they
/// are tag-style: a templated key such as `aws:RequestTag/x` is matched against every template.
#[derive(Default)]
pub(super) struct ConditionKeys<'r> {
    keys: Vec<(&'r str, Option<&'static catalog::KeyInfo>, bool)>,
}

impl<'r> ConditionKeys<'r> {
    /// The catalogue's entry for a condition key, and whether the key is tag-style (its head
    /// up to `/` begins some known key: `secretsmanager:ResourceTag/tag-key`).
    fn lookup(&mut self, key: &'r str) -> (Option<&'static catalog::KeyInfo>, bool) {
        if let Some((_, info, tag_style)) = self.keys.iter().find(|(k, _, _)| *k == key) {
            return (*info, *tag_style);
        }
        let tag_style = catalog::is_tag_style_key(key);
        let info = catalog::condition_key(key);
        self.keys.push((key, info, tag_style));
        (info, tag_style)
    }
}

impl<'a> Validator<'a> {
    /// Checks one condition: its operator, then its key, then each value.
    pub(super) fn condition(
        &mut self,
        c: &'a Condition,
        services: &[&'static Service],
        scope: &KeyScope,
    ) {
        if !self.condition_operator(c) {
            return;
        }
        self.variable_not_allowed(Unsubstituted::ConditionKey, c.key.span, &c.key.value);
        if self.condition_key(c, services) {
            self.key_of_statement_services(c, scope);
        }
        self.condition_values(c);
    }

    // rule: P411
    /// A known service key must belong to a service of the statement's actions (else it is
    /// reported as P402 here), and, where the catalogue has per-action keys, be supported by
    /// at least one of the actions. A key never present on the request makes the condition
    /// false, or true for a negated operator, whatever the request.
    // AWS rule: Service Authorization Reference, "Condition keys" column per action; Access
    // Analyzer reports the same as "Invalid service condition key" / "Unsupported ... key".
    fn key_of_statement_services(&mut self, c: &Condition, scope: &KeyScope) {
        let key = c.key.value.as_str();
        let Some(services) = scope.services.as_ref().filter(|s| !s.is_empty()) else {
            return;
        };
        let Some(info) = catalog::condition_key(key) else {
            return;
        };
        let global = catalog::global_keys()
            .iter()
            .any(|g| g.name().eq_ignore_ascii_case(info.name()));
        if global {
            return;
        }
        if !services.iter().any(|s| s.has_condition_key(info.name())) {
            let names: Vec<String> = services
                .iter()
                .map(|s| format!("`{}`", s.prefix()))
                .collect();
            self.push(
                Finding::new(
                    Code::UnknownConditionKey,
                    c.key.span,
                    format!(
                        "`{key}` is not a condition key of {} {}, so it is absent from every request this statement matches",
                        if names.len() == 1 { "the statement's service" } else { "the statement's services" },
                        names.join(", ")
                    ),
                )
                .with_help("use a global key (aws:...) or a key of the actions' services; the Service Authorization Reference lists each service's keys"),
            );
            return;
        }
        let Some(actions) = &scope.actions else {
            return;
        };
        if actions
            .iter()
            .any(|(svc, a)| svc.action_supports_key(a, info.name()))
        {
            return;
        }
        let mut listed: Vec<String> = actions
            .iter()
            .take(4)
            .map(|(svc, a)| format!("`{}:{}`", svc.prefix(), a.name()))
            .collect();
        if actions.len() > 4 {
            listed.push(format!("and {} more", actions.len() - 4));
        }
        self.push(
            Finding::new(
                Code::KeyNotSupported,
                c.key.span,
                format!(
                    "`{key}` is not a condition key of {} {}, so it is absent from every request this statement matches",
                    if actions.len() == 1 { "the action" } else { "any of the actions" },
                    listed.join(", ")
                ),
            )
            .with_help(format!(
                "move the condition to a statement whose actions support `{}`, or use a key they support; the catalogue is {}",
                info.name(),
                catalog::data_version()
            )),
        );
    }

    // rule: P401 P404
    /// Checks the operator; false when IAM does not know it (then nothing else is checked).
    fn condition_operator(&mut self, c: &Condition) -> bool {
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
            return false;
        }
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
        true
    }

    // rule: P402 P405 P406
    /// Condition keys: global, or a key of a service the statement's actions use; and a set
    /// qualifier that fits whether the key is multi-valued.
    /// Returns whether the key is known (a catalogue key, or tag-style).
    fn condition_key(&mut self, c: &'a Condition, services: &[&'static Service]) -> bool {
        let op = &c.operator.value;
        let key = c.key.value.as_str();
        let (info, tag_style) = self.keys.lookup(key);
        match info {
            None if tag_style => true,
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
                false
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
                true
            }
        }
    }

    // rule: P403 P407 P408
    /// Checks each value against the operator's type and the key.
    fn condition_values(&mut self, c: &Condition) {
        let op = &c.operator.value;
        let family = op.base.family();
        let key = c.key.value.as_str();
        for v in &c.values {
            let text = v.text.as_str();
            if variables::contains_variable(text) {
                if !self.variables_need_version(v.span, text)
                    && !self.invalid_variable(v.span, text)
                {
                    self.variable_not_allowed(Unsubstituted::ConditionValue(op.base), v.span, text);
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
            if family == OperatorFamily::Ip
                && key.eq_ignore_ascii_case("aws:SourceIp")
                && let Some(net) = values::parse_cidr(text)
                && values::is_private_range(&net)
            {
                self.push(
                            Finding::new(Code::PrivateIpInSourceIp, v.span, format!("`{text}` is a private range; aws:SourceIp holds only public addresses"))
                                .with_help("requests through a VPC endpoint carry aws:VpcSourceIp instead; use that key, or aws:SourceVpce"),
                        );
            }
        }
    }

    // rule: P409
    /// Whether a resource or condition value `text` holds a malformed policy variable;
    /// reported if so.
    pub(super) fn invalid_variable(&mut self, span: Span, text: &str) -> bool {
        let Err(e) = variables::parse(text) else {
            return false;
        };
        self.push(Finding::new(
            Code::InvalidVariable,
            sub_span(self.file, span, text, e.span()),
            e.message(),
        ));
        true
    }

    // rule: P410
    /// Whether `text` holds a policy variable where AWS does not substitute it; reported if so.
    pub(super) fn variable_not_allowed(
        &mut self,
        place: Unsubstituted,
        span: Span,
        text: &str,
    ) -> bool {
        if !variables::contains_variable(text) {
            return false;
        }
        let f = match place {
            // AWS rule: policy variables are not allowed in Principal (IAM "Policy variables" page).
            Unsubstituted::Principal => Finding::new(Code::VariableNotAllowed, variable_span(self.file, span, text), format!("policy variables are not substituted in principals: `{text}`"))
                .with_help("name the principal literally, or use \"*\" with a condition on aws:PrincipalArn or aws:username"),
            Unsubstituted::Action => Finding::new(
                Code::VariableNotAllowed,
                span,
                format!("policy variables are not substituted in actions: `{text}`"),
            ),
            Unsubstituted::ConditionKey => Finding::new(
                Code::VariableNotAllowed,
                span,
                "policy variables are not substituted in condition keys",
            ),
            // AWS rule: variables are substituted only in string and ARN operators (IAM "Policy variables" page).
            Unsubstituted::ConditionValue(base) => {
                if matches!(
                    base.family(),
                    OperatorFamily::String | OperatorFamily::Arn | OperatorFamily::Bool
                ) {
                    return false;
                }
                Finding::new(
                    Code::VariableNotAllowed,
                    variable_span(self.file, span, text),
                    format!(
                        "policy variables are not substituted in `{}` values",
                        base.as_str()
                    ),
                )
            }
        };
        self.push(f);
        true
    }
}
