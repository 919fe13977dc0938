//! Conditions in words, for the summaries of `who-can` and `diff` ("only over HTTPS", "only
//! from 203.0.113.0/24", "only with SSE-KMS"): what one condition of a statement requires of a
//! request, phrased for the reader. The keys security engineers meet most get their own
//! phrase; any other condition is written as its key, a verb for its operator and its values,
//! so nothing is ever left out or made to look looser than it is.

use super::{BaseOperator, Condition, SetQualifier};

/// What one condition requires, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The phrase: a prepositional one for the usual keys (`over HTTPS`, `from
    /// \`203.0.113.0/24\``), a clause for any other (`` `s3:TlsVersion` < `1.2` ``).
    pub text: String,
    /// The condition requires the phrase NOT to hold (`StringNotEquals` on `aws:SourceVpce`:
    /// not through that endpoint). Generic clauses carry their negation in their verb.
    pub negated: bool,
    /// Whether `text` is prepositional (reads after "only" or "refused").
    pub prepositional: bool,
}

/// What `c` requires of a request.
pub fn requirement(c: &Condition) -> Requirement {
    let op = &c.operator.value;
    let key = c.key.value.to_ascii_lowercase();
    let values: Vec<&str> = c.values.iter().map(|v| v.text.as_str()).collect();
    let one = (values.len() == 1).then(|| values[0]);
    if op.set.is_none()
        && let Some(mut text) = known_phrase(&key, op.base, one, &values)
    {
        let negated = op.base.is_negated();
        // AWS rule: ...IfExists is true when the key is absent (IAM "Condition operators").
        if op.if_exists && !negated {
            text.push_str(&format!(", or without `{}`", c.key.value));
        }
        return Requirement {
            text,
            negated,
            prepositional: true,
        };
    }
    Requirement {
        text: generic(c, &values),
        negated: false,
        prepositional: false,
    }
}

/// What an Allow statement's conditions (all must hold) let in: `only over HTTPS and from
/// \`203.0.113.0/24\``.
pub fn allowed_only(conditions: &[Condition]) -> String {
    let parts: Vec<String> = conditions
        .iter()
        .map(requirement)
        .map(|r| match (r.negated, r.prepositional) {
            (true, _) => format!("except {}", r.text),
            (false, true) => r.text,
            (false, false) => format!("when {}", r.text),
        })
        .collect();
    let joined = parts.join(" and ");
    if joined.starts_with("except ") {
        joined
    } else {
        format!("only {joined}")
    }
}

/// When a Deny statement's conditions (all must hold) refuse: `refused over plain HTTP`,
/// `refused unless through the VPC endpoint \`vpce-1\``.
pub fn refused_when(conditions: &[Condition]) -> String {
    let rs: Vec<Requirement> = conditions.iter().map(requirement).collect();
    match rs.as_slice() {
        [r] if r.negated => format!("refused unless {}", r.text),
        [r] if r.prepositional => format!("refused {}", r.text),
        _ => {
            let parts: Vec<String> = rs
                .iter()
                .map(|r| {
                    if r.negated {
                        format!("not {}", r.text)
                    } else {
                        r.text.clone()
                    }
                })
                .collect();
            format!("refused when {}", parts.join(" and "))
        }
    }
}

/// The phrase of a well-known key and operator, if it has one, without its negation.
fn known_phrase(
    key: &str,
    base: BaseOperator,
    one: Option<&str>,
    values: &[&str],
) -> Option<String> {
    let any = || or_list(values);
    Some(match (key, base) {
        ("aws:securetransport", BaseOperator::Bool) => match one? {
            "true" => "over HTTPS".into(),
            "false" => "over plain HTTP".into(),
            _ => return None,
        },
        ("aws:multifactorauthpresent", BaseOperator::Bool) => match one? {
            "true" => "with MFA".into(),
            "false" => "without MFA".into(),
            _ => return None,
        },
        ("aws:sourceip", BaseOperator::IpAddress | BaseOperator::NotIpAddress) => {
            format!("from {}", any())
        }
        ("aws:sourcevpce", _) if is_equality(base) => {
            format!("through the VPC endpoint {}", any())
        }
        ("aws:sourcevpc", _) if is_equality(base) => format!("from the VPC {}", any()),
        ("s3:x-amz-server-side-encryption", _) if is_equality(base) => {
            let names: Vec<String> = values.iter().map(|v| encryption_name(v)).collect();
            format!("with {}", names.join(" or "))
        }
        ("s3:x-amz-server-side-encryption-aws-kms-key-id", _) if is_equality(base) => {
            format!("with the KMS key {}", any())
        }
        ("aws:principalorgid", _) if is_equality(base) => {
            format!("for principals of the organization {}", any())
        }
        ("aws:principalaccount", _) if is_equality(base) => {
            format!("for principals of the account {}", any())
        }
        ("aws:sourceaccount", _) if is_equality(base) => {
            format!("on behalf of the account {}", any())
        }
        ("aws:sourceorgid", _) if is_equality(base) => {
            format!("on behalf of the organization {}", any())
        }
        ("aws:sourcearn", _) if is_equality(base) => format!("on behalf of {}", any()),
        ("aws:principalarn", _) if is_equality(base) => format!("for {}", any()),
        ("s3:x-amz-acl", _) if is_equality(base) => format!("with the canned ACL {}", any()),
        ("s3:prefix", _) if is_equality(base) => format!("listing the prefix {}", any()),
        _ => return None,
    })
}

/// Equality and pattern operators of strings and ARNs, negated or not.
fn is_equality(base: BaseOperator) -> bool {
    matches!(
        base,
        BaseOperator::StringEquals
            | BaseOperator::StringNotEquals
            | BaseOperator::StringEqualsIgnoreCase
            | BaseOperator::StringNotEqualsIgnoreCase
            | BaseOperator::StringLike
            | BaseOperator::StringNotLike
            | BaseOperator::ArnEquals
            | BaseOperator::ArnLike
            | BaseOperator::ArnNotEquals
            | BaseOperator::ArnNotLike
    )
}

/// What an `x-amz-server-side-encryption` value is called.
fn encryption_name(value: &str) -> String {
    match value {
        "aws:kms" => "SSE-KMS".into(),
        "aws:kms:dsse" => "DSSE-KMS".into(),
        "AES256" => "SSE-S3".into(),
        other => format!("`{other}` encryption"),
    }
}

/// `a`, `a or b`, `a, b or c`, values in backticks.
fn or_list(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    match quoted.split_last() {
        None => "(no value)".into(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// Any condition: its key, a verb for its operator and its values.
fn generic(c: &Condition, values: &[&str]) -> String {
    let op = &c.operator.value;
    let key = format!("`{}`", c.key.value);
    if op.base == BaseOperator::Null {
        return match values.first().copied() {
            Some("true") => format!("{key} is absent"),
            _ => format!("{key} is present"),
        };
    }
    let verb = match op.base {
        BaseOperator::StringEquals | BaseOperator::ArnEquals | BaseOperator::Bool => "is",
        BaseOperator::StringEqualsIgnoreCase => "is (any case)",
        BaseOperator::StringNotEquals | BaseOperator::ArnNotEquals => "is none of",
        BaseOperator::StringNotEqualsIgnoreCase => "is (any case) none of",
        BaseOperator::StringLike | BaseOperator::ArnLike => "matches",
        BaseOperator::StringNotLike | BaseOperator::ArnNotLike => "matches none of",
        BaseOperator::NumericEquals | BaseOperator::DateEquals => "=",
        BaseOperator::NumericNotEquals | BaseOperator::DateNotEquals => "≠",
        BaseOperator::NumericLessThan => "<",
        BaseOperator::NumericLessThanEquals => "≤",
        BaseOperator::NumericGreaterThan => ">",
        BaseOperator::NumericGreaterThanEquals => "≥",
        BaseOperator::DateLessThan => "is before",
        BaseOperator::DateLessThanEquals => "is at or before",
        BaseOperator::DateGreaterThan => "is after",
        BaseOperator::DateGreaterThanEquals => "is at or after",
        BaseOperator::BinaryEquals => "is the bytes",
        BaseOperator::IpAddress => "is in",
        BaseOperator::NotIpAddress => "is in none of",
        BaseOperator::Null | BaseOperator::Unknown => {
            return format!("`{}` on {key} holds", op.text);
        }
    };
    let subject = match op.set {
        Some(SetQualifier::ForAllValues) => format!("every value of {key}"),
        Some(SetQualifier::ForAnyValue) => format!("some value of {key}"),
        None => key.clone(),
    };
    let list = or_list(values);
    let mut out = format!("{subject} {verb} {list}");
    if op.if_exists && !op.base.is_negated() {
        out.push_str(&format!(", or {key} is absent"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conditions(condition: &str) -> Vec<Condition> {
        let text = format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {condition}}}]}}"#
        );
        let root = crate::json::parse(&text).unwrap();
        let parsed = super::super::parse::parse_policy(&root, super::super::PolicyKind::Identity);
        parsed.policy.unwrap().statements[0].conditions.clone()
    }

    fn allow(condition: &str) -> String {
        allowed_only(&conditions(condition))
    }

    fn deny(condition: &str) -> String {
        refused_when(&conditions(condition))
    }

    #[test]
    fn the_usual_keys_read_as_words() {
        assert_eq!(
            allow(r#"{"Bool": {"aws:SecureTransport": "true"}}"#),
            "only over HTTPS"
        );
        assert_eq!(
            allow(
                r#"{"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}, "Bool": {"aws:SecureTransport": "true"}}"#
            ),
            "only from `203.0.113.0/24` or `2001:db8::/32` and over HTTPS"
        );
        assert_eq!(
            allow(r#"{"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}"#),
            "only with SSE-KMS"
        );
        assert_eq!(
            allow(r#"{"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}"#),
            "only through the VPC endpoint `vpce-1`, or without `aws:SourceVpce`"
        );
        assert_eq!(
            deny(r#"{"Bool": {"aws:SecureTransport": "false"}}"#),
            "refused over plain HTTP"
        );
        assert_eq!(
            deny(r#"{"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}"#),
            "refused unless through the VPC endpoint `vpce-1`"
        );
        assert_eq!(
            deny(
                r#"{"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}, "Bool": {"aws:SecureTransport": "false"}}"#
            ),
            "refused when not from `203.0.113.0/24` and over plain HTTP"
        );
    }

    #[test]
    fn any_other_condition_keeps_its_key_operator_and_values() {
        assert_eq!(
            allow(r#"{"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-1/r-1/*"}}"#),
            "only when some value of `aws:PrincipalOrgPaths` matches `o-1/r-1/*`"
        );
        assert_eq!(
            deny(r#"{"NumericLessThan": {"s3:TlsVersion": 1.2}}"#),
            "refused when `s3:TlsVersion` < `1.2`"
        );
        assert_eq!(
            deny(r#"{"Null": {"aws:MultiFactorAuthAge": "true"}}"#),
            "refused when `aws:MultiFactorAuthAge` is absent"
        );
    }
}
