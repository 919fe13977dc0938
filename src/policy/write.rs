//! Writing a parsed policy back as JSON.
//!
//! The output holds everything the evaluator reads: Version, Id, and per statement its Sid,
//! Effect, Principal or NotPrincipal, Action or NotAction, Resource or NotResource and the
//! conditions, in their original order. Single values are written as one-element arrays and
//! condition values keep the JSON type they were written with, so parsing the output again
//! gives a policy that decides every request the same way. Spans are not kept.

use super::{ConditionValue, Policy, Principal, PrincipalKind, Statement, ValueType, Version};

/// The policy as pretty-printed JSON (two-space indentation, a final newline).
pub fn to_json(policy: &Policy) -> String {
    let mut out = String::from("{\n");
    let mut members: Vec<String> = Vec::new();
    if let Some(v) = &policy.version {
        let text = match v.value {
            Version::V2012_10_17 => "2012-10-17",
            Version::V2008_10_17 => "2008-10-17",
        };
        members.push(format!("  \"Version\": {}", string(text)));
    }
    if let Some(id) = &policy.id {
        members.push(format!("  \"Id\": {}", string(&id.value)));
    }
    let statements: Vec<String> = policy.statements.iter().map(statement).collect();
    members.push(if statements.is_empty() {
        "  \"Statement\": []".to_string()
    } else {
        format!("  \"Statement\": [\n{}\n  ]", statements.join(",\n"))
    });
    out.push_str(&members.join(",\n"));
    out.push_str("\n}\n");
    out
}

fn statement(s: &Statement) -> String {
    let mut members: Vec<String> = Vec::new();
    if let Some(sid) = &s.sid {
        members.push(format!("\"Sid\": {}", string(&sid.value)));
    }
    let effect = match s.effect.value {
        super::Effect::Allow => "Allow",
        super::Effect::Deny => "Deny",
    };
    members.push(format!("\"Effect\": {}", string(effect)));
    if let Some(p) = &s.principal {
        let name = if p.negated {
            "NotPrincipal"
        } else {
            "Principal"
        };
        members.push(format!("\"{name}\": {}", principals(&p.items)));
    }
    if let Some(a) = &s.action {
        let name = if a.negated { "NotAction" } else { "Action" };
        let items: Vec<&str> = a.items.iter().map(|i| i.value.as_str()).collect();
        members.push(format!("\"{name}\": {}", strings(&items)));
    }
    if let Some(r) = &s.resource {
        let name = if r.negated { "NotResource" } else { "Resource" };
        let items: Vec<&str> = r.items.iter().map(|i| i.value.as_str()).collect();
        members.push(format!("\"{name}\": {}", strings(&items)));
    }
    if !s.conditions.is_empty() {
        members.push(format!("\"Condition\": {}", conditions(s)));
    }
    format!("    {{\n      {}\n    }}", members.join(",\n      "))
}

/// `"*"` when the only principal is everyone, else an object of principal types, each with
/// its values in order (types in order of first appearance).
fn principals(items: &[Principal]) -> String {
    if !items.is_empty() && items.iter().all(|p| p.kind == PrincipalKind::Everyone) {
        return string("*");
    }
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for p in items {
        // Everyone among other principals: the same as `"AWS": "*"`.
        let key = match p.kind {
            PrincipalKind::Everyone => "AWS",
            other => other.as_str(),
        };
        let value = if p.kind == PrincipalKind::Everyone {
            "*"
        } else {
            p.value.as_str()
        };
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, values)) => values.push(value),
            None => groups.push((key, vec![value])),
        }
    }
    let body: Vec<String> = groups
        .iter()
        .map(|(k, values)| format!("{}: {}", string(k), strings(values)))
        .collect();
    format!("{{{}}}", body.join(", "))
}

/// Conditions grouped by operator (in order of first appearance), each key with its values.
fn conditions(s: &Statement) -> String {
    let mut groups: Vec<(&str, Vec<String>)> = Vec::new();
    for c in &s.conditions {
        let values: Vec<String> = c.values.iter().map(condition_value).collect();
        let entry = format!("{}: [{}]", string(&c.key.value), values.join(", "));
        let op = c.operator.value.text.as_str();
        match groups.iter_mut().find(|(o, _)| *o == op) {
            Some((_, keys)) => keys.push(entry),
            None => groups.push((op, vec![entry])),
        }
    }
    let body: Vec<String> = groups
        .iter()
        .map(|(op, keys)| format!("{}: {{{}}}", string(op), keys.join(", ")))
        .collect();
    format!("{{{}}}", body.join(", "))
}

/// A condition value with the JSON type it was written as (a number or boolean whose text is
/// not valid JSON for that type is written as a string).
fn condition_value(v: &ConditionValue) -> String {
    match v.json_type {
        ValueType::Bool if v.text == "true" || v.text == "false" => v.text.clone(),
        ValueType::Number if is_json_number(&v.text) => v.text.clone(),
        _ => string(&v.text),
    }
}

fn is_json_number(text: &str) -> bool {
    matches!(
        crate::json::parse(text).map(|v| v.kind),
        Ok(crate::json::Kind::Number(_))
    ) && !text.starts_with(char::is_whitespace)
        && !text.ends_with(char::is_whitespace)
}

fn strings(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| string(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// A JSON string literal (control characters, quotes and backslashes escaped).
fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;
    use crate::policy::{PolicyKind, parse::parse_policy};

    fn parse(text: &str, kind: PolicyKind) -> Policy {
        let parsed = parse_policy(&json::parse(text).unwrap(), kind);
        assert!(parsed.findings.is_empty(), "{:?}", parsed.findings);
        parsed.policy.unwrap()
    }

    #[test]
    fn every_element_is_written_and_reads_back_the_same() {
        let text = r#"{"Version":"2012-10-17","Id":"a\"b","Statement":[
            {"Sid":"One","Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:root","111122223333"],"Service":"s3.amazonaws.com"},
             "NotAction":"s3:Get*","NotResource":["arn:aws:s3:::b/*"],
             "Condition":{"NumericLessThan":{"s3:max-keys":10},"Bool":{"aws:SecureTransport":false},
                          "StringLike":{"s3:prefix":["a\\b","tab\there"]},"NumericGreaterThan":{"s3:max-keys":"2.5"}}},
            {"Effect":"Allow","Principal":"*","Action":["s3:GetObject"],"Resource":"*"}]}"#;
        let first = parse(text, PolicyKind::Bucket);
        let written = to_json(&first);
        let again = parse(&written, PolicyKind::Bucket);
        assert_eq!(to_json(&again), written);
        let s = &again.statements[0];
        assert_eq!(s.conditions.len(), 4);
        assert_eq!(s.conditions[0].values[0].json_type, ValueType::Number);
        assert_eq!(s.conditions[1].values[0].json_type, ValueType::Bool);
        assert_eq!(s.conditions[2].values[1].text, "tab\there");
        assert_eq!(s.conditions[3].values[0].json_type, ValueType::String);
        assert_eq!(s.principal.as_ref().unwrap().items.len(), 3);
        assert!(
            again.statements[1].principal.as_ref().unwrap().items[0].kind
                == PrincipalKind::Everyone
        );
        assert_eq!(again.id.as_ref().unwrap().value, "a\"b");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(string("a\u{1}\u{0}\"\\"), "\"a\\u0001\\u0000\\\"\\\\\"");
        assert!(json::parse(&string("x\u{1f}\u{7f}é")).is_ok());
    }
}
