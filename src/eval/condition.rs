//! Condition operators, exactly as IAM evaluates them.
//!
//! Rules (IAM "Condition operators" and "multivalued context keys" pages): several values of
//! one key are ORed for positive operators and NORed for negated ones; a missing key makes
//! positive operators false, negated ones and `...IfExists` true; `ForAllValues` is true for a
//! missing or empty set and `ForAnyValue` false; a bare operator never matches a key that
//! carries several values.

use crate::arn::{ArnPattern, ArnRule};
use crate::eval::context::{Context, Entry};
use crate::policy::{BaseOperator, Condition, ConditionValue, OperatorFamily, SetQualifier};
use crate::values;
use crate::variables;
use crate::wildcard::{Case, Pattern};
use ipnet::IpNet;

/// A condition value, parsed once for its operator.
#[derive(Debug, Clone)]
pub enum Value {
    /// A literal string (StringEquals, StringEqualsIgnoreCase).
    Text(String),
    /// A wildcard pattern (StringLike).
    Glob(Pattern),
    /// An ARN pattern (Arn* operators).
    Arn(ArnPattern),
    /// A number.
    Number(f64),
    /// An instant, epoch milliseconds.
    Date(i64),
    /// A boolean.
    Bool(bool),
    /// A CIDR.
    Cidr(IpNet),
    /// Decoded base-64 bytes.
    Bytes(Vec<u8>),
    /// A value holding policy variables, resolved per request.
    Variable(String),
    /// A value that is not valid for the operator; it never matches.
    Invalid,
}

/// A compiled condition.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The base operator.
    pub base: BaseOperator,
    /// `...IfExists`.
    pub if_exists: bool,
    /// `ForAllValues:` / `ForAnyValue:`.
    pub set: Option<SetQualifier>,
    /// The key as written.
    pub key: String,
    /// Whether AWS declares the key multi-valued.
    pub multi_valued_key: bool,
    /// Whether the catalogue knows the key (global or of a service); AWS never sets an
    /// unknown key, so a condition on one sees it absent.
    pub known_key: bool,
    /// The parsed values.
    pub values: Vec<Value>,
    /// For `Null`: whether the key must be absent.
    pub null_true: bool,
}

/// Why a condition evaluated as it did (for the trace).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The condition holds.
    True,
    /// It does not hold.
    False,
    /// It cannot be evaluated (unknown operator); the caller decides what that means.
    Unknown,
}

/// Compiles a parsed condition; `variables` is whether the policy substitutes `${...}`.
pub fn compile(c: &Condition, substitute: bool) -> Compiled {
    let op = &c.operator.value;
    let family = op.base.family();
    let values = c
        .values
        .iter()
        .map(|v| compile_value(op.base, family, v, substitute))
        .collect();
    Compiled {
        base: op.base,
        if_exists: op.if_exists,
        set: op.set,
        key: c.key.value.clone(),
        multi_valued_key: crate::catalog::condition_key(&c.key.value)
            .is_some_and(crate::catalog::KeyInfo::multi_valued),
        known_key: crate::catalog::is_known_key(&c.key.value),
        values,
        null_true: c
            .values
            .first()
            .and_then(|v| values::parse_bool(&v.text))
            .unwrap_or(false),
    }
}

fn compile_value(
    base: BaseOperator,
    family: OperatorFamily,
    v: &ConditionValue,
    substitute: bool,
) -> Value {
    let text = v.text.as_str();
    // AWS rule: variables are substituted in string and ARN operators only (IAM "Policy variables" page).
    if substitute
        && matches!(
            family,
            OperatorFamily::String | OperatorFamily::Arn | OperatorFamily::Bool
        )
        && variables::contains_variable(text)
    {
        return Value::Variable(text.to_string());
    }
    match family {
        OperatorFamily::String => match base {
            BaseOperator::StringLike | BaseOperator::StringNotLike => {
                Value::Glob(Pattern::new(text))
            }
            _ => Value::Text(text.to_string()),
        },
        OperatorFamily::Arn => Value::Arn(ArnPattern::condition(text)),
        OperatorFamily::Numeric => values::parse_number(text).map_or(Value::Invalid, Value::Number),
        OperatorFamily::Date => values::parse_date(text).map_or(Value::Invalid, Value::Date),
        OperatorFamily::Bool | OperatorFamily::Null => {
            values::parse_bool(text).map_or(Value::Invalid, Value::Bool)
        }
        OperatorFamily::Ip => values::parse_cidr(text).map_or(Value::Invalid, Value::Cidr),
        OperatorFamily::Binary => values::decode_base64(text).map_or(Value::Invalid, Value::Bytes),
        OperatorFamily::Unknown => Value::Invalid,
    }
}

/// Evaluates a compiled condition against the context.
pub fn evaluate(c: &Compiled, context: &Context) -> Verdict {
    if c.base == BaseOperator::Unknown {
        return Verdict::Unknown;
    }
    let entry = context.get(&c.key);
    let to = |b: bool| if b { Verdict::True } else { Verdict::False };
    // AWS rule: Null checks presence only (IAM "Condition operators" page, Null).
    if c.base == BaseOperator::Null {
        let absent = entry.is_none_or(|e| e.values.is_empty());
        return to(absent == c.null_true);
    }
    let Some(entry) = entry else {
        return to(match c.set {
            Some(SetQualifier::ForAllValues) => true,
            Some(SetQualifier::ForAnyValue) => false,
            None => c.if_exists || c.base.is_negated(),
        });
    };
    match c.set {
        Some(SetQualifier::ForAllValues) => to(entry.values.iter().all(|v| single(c, v, context))),
        Some(SetQualifier::ForAnyValue) => to(entry.values.iter().any(|v| single(c, v, context))),
        None => {
            // AWS behaviour: a bare operator never matches a multi-valued key (reference §6.3, D6).
            if is_multi(c, entry) {
                return Verdict::False;
            }
            match entry.values.first() {
                Some(v) => to(single(c, v, context)),
                None => to(c.if_exists || c.base.is_negated()),
            }
        }
    }
}

fn is_multi(c: &Compiled, entry: &Entry) -> bool {
    c.multi_valued_key || entry.values.len() > 1
}

/// Whether one request value satisfies the operator against the policy's values: any value
/// matches for positive operators; no value matches for negated ones.
fn single(c: &Compiled, request: &str, context: &Context) -> bool {
    let any = c
        .values
        .iter()
        .any(|v| positive_match(c.base, v, request, context));
    if c.base.is_negated() { !any } else { any }
}

/// The positive form of the operator, for one policy value and one request value.
fn positive_match(base: BaseOperator, policy: &Value, request: &str, context: &Context) -> bool {
    use BaseOperator as B;
    match policy {
        Value::Variable(raw) => match resolve(base, raw, context) {
            Some(resolved) => positive_match(base, &resolved, request, context),
            // AWS rule: an unresolvable variable is null and matches no request value
            // (IAM "Policy variables" page); for a negated operator that makes it a match.
            None => false,
        },
        Value::Text(t) => match base {
            B::StringEqualsIgnoreCase | B::StringNotEqualsIgnoreCase => eq_ignore_case(t, request),
            _ => t == request,
        },
        Value::Glob(p) => p.is_match(request, Case::Sensitive),
        Value::Arn(p) => p.is_match(request),
        Value::Number(n) => {
            values::parse_number(request).is_some_and(|r| compare(base, r.partial_cmp(n)))
        }
        Value::Date(d) => {
            values::parse_date(request).is_some_and(|r| compare(base, Some(r.cmp(d))))
        }
        Value::Bool(b) => values::parse_bool(request).is_some_and(|r| r == *b),
        Value::Cidr(net) => request
            .parse::<std::net::IpAddr>()
            .ok()
            .or_else(|| values::parse_cidr(request).map(|n| n.addr()))
            .is_some_and(|ip| net.contains(&ip)),
        Value::Bytes(bytes) => values::decode_base64(request).is_some_and(|r| &r == bytes),
        Value::Invalid => false,
    }
}

fn eq_ignore_case(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || a.to_lowercase() == b.to_lowercase()
}

/// Applies a comparison operator to an ordering of request value against policy value.
fn compare(base: BaseOperator, ord: Option<std::cmp::Ordering>) -> bool {
    use BaseOperator as B;
    use std::cmp::Ordering::{Equal, Greater, Less};
    let Some(ord) = ord else { return false };
    match base {
        B::NumericEquals | B::NumericNotEquals | B::DateEquals | B::DateNotEquals => ord == Equal,
        B::NumericLessThan | B::DateLessThan => ord == Less,
        B::NumericLessThanEquals | B::DateLessThanEquals => ord != Greater,
        B::NumericGreaterThan | B::DateGreaterThan => ord == Greater,
        B::NumericGreaterThanEquals | B::DateGreaterThanEquals => ord != Less,
        _ => false,
    }
}

/// Substitutes policy variables in a value; `None` when a variable has no value.
fn resolve(base: BaseOperator, raw: &str, context: &Context) -> Option<Value> {
    let parts = variables::parse(raw).ok()?;
    let lookup = |key: &str| lookup_single(context, key);
    match base.family() {
        OperatorFamily::Arn => {
            let mut failed = false;
            let pattern = ArnPattern::compile(raw, ArnRule::Condition, |part| {
                let p = variables::parse(part)
                    .ok()
                    .and_then(|ps| variables::to_pattern(&ps, lookup));
                failed |= p.is_none();
                p
            });
            if failed {
                None
            } else {
                Some(Value::Arn(pattern))
            }
        }
        OperatorFamily::Bool => variables::to_literal_string(&parts, lookup)
            .and_then(|s| values::parse_bool(&s))
            .map(Value::Bool),
        _ => match base {
            BaseOperator::StringLike | BaseOperator::StringNotLike => {
                variables::to_pattern(&parts, lookup).map(Value::Glob)
            }
            _ => variables::to_literal_string(&parts, lookup).map(Value::Text),
        },
    }
}

/// The single value of a key, for variable substitution (multi-valued keys cannot be used).
pub fn lookup_single(context: &Context, key: &str) -> Option<String> {
    let e = context.get(key)?;
    if e.is_multi_valued() {
        return None;
    }
    e.values.first().cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::context::Origin;
    use crate::json;
    use crate::policy::{PolicyKind, parse::parse_policy};

    fn cond(op: &str, key: &str, values: &str) -> Compiled {
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{{"{op}":{{"{key}":{values}}}}}}}}}"#
        );
        let parsed = parse_policy(&json::parse(&text).unwrap(), PolicyKind::Identity);
        let policy = parsed.policy.unwrap();
        compile(&policy.statements[0].conditions[0], true)
    }

    fn ctx(pairs: &[(&str, &[&str])]) -> Context {
        let mut c = Context::default();
        for (k, vs) in pairs {
            c.set(k, vs.iter().map(|s| s.to_string()).collect(), Origin::Given);
        }
        c
    }

    fn eval(op: &str, key: &str, values: &str, pairs: &[(&str, &[&str])]) -> bool {
        evaluate(&cond(op, key, values), &ctx(pairs)) == Verdict::True
    }

    #[test]
    fn missing_keys_follow_the_documented_table() {
        assert!(!eval("StringEquals", "aws:PrincipalOrgID", r#""o-1""#, &[]));
        assert!(eval(
            "StringNotEquals",
            "aws:PrincipalOrgID",
            r#""o-1""#,
            &[]
        ));
        assert!(eval(
            "StringEqualsIfExists",
            "aws:PrincipalOrgID",
            r#""o-1""#,
            &[]
        ));
        assert!(eval("Null", "aws:PrincipalOrgID", r#""true""#, &[]));
        assert!(!eval("Null", "aws:PrincipalOrgID", r#""false""#, &[]));
        assert!(eval(
            "ForAllValues:StringEquals",
            "aws:TagKeys",
            r#"["a"]"#,
            &[]
        ));
        assert!(!eval(
            "ForAnyValue:StringEquals",
            "aws:TagKeys",
            r#"["a"]"#,
            &[]
        ));
        assert!(!eval(
            "Bool",
            "aws:MultiFactorAuthPresent",
            r#""false""#,
            &[]
        ));
    }

    #[test]
    fn several_values_are_ored_and_negations_nored() {
        let k = "aws:SourceVpce";
        assert!(eval("StringEquals", k, r#"["a","b"]"#, &[(k, &["b"])]));
        assert!(!eval("StringNotEquals", k, r#"["a","b"]"#, &[(k, &["b"])]));
        assert!(eval("StringNotEquals", k, r#"["a","b"]"#, &[(k, &["c"])]));
    }

    #[test]
    fn set_operators_and_bare_operators_on_multi_valued_keys() {
        let k = "aws:TagKeys";
        assert!(eval(
            "ForAllValues:StringEquals",
            k,
            r#"["a","b"]"#,
            &[(k, &["a", "b"])]
        ));
        assert!(!eval(
            "ForAllValues:StringEquals",
            k,
            r#"["a"]"#,
            &[(k, &["a", "b"])]
        ));
        assert!(eval(
            "ForAnyValue:StringEquals",
            k,
            r#"["a"]"#,
            &[(k, &["a", "z"])]
        ));
        assert!(eval(
            "ForAnyValue:StringNotEquals",
            k,
            r#"["a","b"]"#,
            &[(k, &["a", "z"])]
        ));
        assert!(!eval(
            "ForAnyValue:StringNotEquals",
            k,
            r#"["a","b"]"#,
            &[(k, &["a", "b"])]
        ));
        // A bare operator never matches a multi-valued key, even negated.
        assert!(!eval("StringEquals", k, r#"["a"]"#, &[(k, &["a"])]));
        assert!(!eval("StringNotEquals", k, r#"["x"]"#, &[(k, &["a"])]));
    }

    #[test]
    fn typed_operators() {
        assert!(eval(
            "NumericLessThanEquals",
            "s3:max-keys",
            r#""10""#,
            &[("s3:max-keys", &["10"])]
        ));
        assert!(!eval(
            "NumericLessThan",
            "s3:max-keys",
            "10",
            &[("s3:max-keys", &["10"])]
        ));
        assert!(eval(
            "NumericGreaterThanEquals",
            "s3:TlsVersion",
            "1.2",
            &[("s3:TlsVersion", &["1.3"])]
        ));
        assert!(eval(
            "DateLessThan",
            "aws:CurrentTime",
            r#""2030-01-01T00:00:00Z""#,
            &[("aws:CurrentTime", &["2029-12-31"])]
        ));
        assert!(eval(
            "DateGreaterThan",
            "aws:EpochTime",
            r#""2020-01-01""#,
            &[("aws:EpochTime", &["1600000000"])]
        ));
        assert!(eval(
            "Bool",
            "aws:SecureTransport",
            "false",
            &[("aws:SecureTransport", &["FALSE"])]
        ));
        assert!(eval(
            "IpAddress",
            "aws:SourceIp",
            r#""203.0.113.0/24""#,
            &[("aws:SourceIp", &["203.0.113.9"])]
        ));
        assert!(!eval(
            "IpAddress",
            "aws:SourceIp",
            r#""2001:db8::/32""#,
            &[("aws:SourceIp", &["203.0.113.9"])]
        ));
        assert!(eval(
            "NotIpAddress",
            "aws:SourceIp",
            r#""2001:db8::/32""#,
            &[("aws:SourceIp", &["203.0.113.9"])]
        ));
        assert!(eval(
            "BinaryEquals",
            "k:b",
            r#""aGVsbG8=""#,
            &[("k:b", &["aGVsbG8="])]
        ));
        assert!(eval(
            "StringEqualsIgnoreCase",
            "aws:username",
            r#""BOB""#,
            &[("aws:username", &["bob"])]
        ));
        assert!(eval(
            "StringLike",
            "s3:prefix",
            r#""home/*""#,
            &[("s3:prefix", &["home/a/b"])]
        ));
        assert!(!eval(
            "StringEquals",
            "s3:prefix",
            r#""home/*""#,
            &[("s3:prefix", &["home/a"])]
        ));
        assert!(eval(
            "ArnLike",
            "aws:SourceArn",
            r#""arn:aws:s3:::b*""#,
            &[("aws:SourceArn", &["arn:aws:s3:::b-logs"])]
        ));
        assert!(!eval(
            "ArnLike",
            "aws:SourceArn",
            r#""arn:aws:svc:*:111122223333:finance/*""#,
            &[(
                "aws:SourceArn",
                &["arn:aws:svc:us-east-2:999999999999:store/abc:111122223333:finance/doc"]
            )]
        ));
        assert!(eval(
            "StringLike",
            "aws:SourceArn",
            r#""arn:aws:svc:*:111122223333:finance/*""#,
            &[(
                "aws:SourceArn",
                &["arn:aws:svc:us-east-2:999999999999:store/abc:111122223333:finance/doc"]
            )]
        ));
    }

    #[test]
    fn policy_variables_resolve_with_defaults_and_escapes() {
        let k = "s3:prefix";
        assert!(eval(
            "StringLike",
            k,
            r#""home/${aws:username}/*""#,
            &[(k, &["home/bob/x"]), ("aws:username", &["bob"])]
        ));
        assert!(!eval(
            "StringLike",
            k,
            r#""home/${aws:username}/*""#,
            &[(k, &["home/eve/x"]), ("aws:username", &["bob"])]
        ));
        // Unresolvable: positive fails, negated matches.
        assert!(!eval(
            "StringLike",
            k,
            r#""home/${aws:username}/*""#,
            &[(k, &["home/bob/x"])]
        ));
        assert!(eval(
            "StringNotLike",
            k,
            r#""home/${aws:username}/*""#,
            &[(k, &["home/bob/x"])]
        ));
        assert!(eval(
            "StringEquals",
            k,
            r#""${aws:PrincipalTag/team, 'shared'}""#,
            &[(k, &["shared"])]
        ));
        assert!(eval("StringEquals", k, r#""a${*}b""#, &[(k, &["a*b"])]));
        assert!(!eval("StringLike", k, r#""a${*}b""#, &[(k, &["axb"])]));
    }
}
