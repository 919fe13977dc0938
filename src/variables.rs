//! Policy variables: `${key}`, `${key, 'default'}` and the escapes `${*}`, `${?}`, `${$}`.
//!
//! Variables are substituted only in policies with `Version: 2012-10-17`; the caller decides
//! whether to use this module at all (without that version the text is literal). Rules from the
//! IAM "policy elements: variables and tags" page (`reference_policies_variables.html`):
//!
//! * `${key}`: the value of the request-context key; key names are case-insensitive.
//! * `${key, 'default'}`: the default text is used when the key is absent.
//! * `${*}`, `${?}`, `${$}`: a literal `*`, `?` or `$` (so `StringLike` can match a real `*`).
//! * A substituted value is literal text: a `*` inside a tag value is not a wildcard.
//! * A `$` not followed by `{` is ordinary text.

use crate::wildcard::{Pattern, PatternBuilder};
use std::fmt;
use std::ops::Range;

/// One piece of a string that may contain policy variables.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Part<'a> {
    /// Plain text. In `*Like` operators and `Resource`, `*` and `?` in it are wildcards.
    Text(&'a str),
    /// `${*}`, `${?}` or `${$}`: always the literal character.
    Escaped(char),
    /// `${key}` or `${key, 'default'}`.
    Variable {
        /// The key as written (compare case-insensitively).
        key: &'a str,
        /// The text between the quotes of a default, if any.
        default: Option<&'a str>,
        /// Byte range of the whole `${…}` in the parsed string.
        span: Range<usize>,
    },
}

/// What is wrong with a `${…}` construct.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VariableErrorKind {
    /// `${` without a closing `}` (Access Analyzer: "Missing brace in variable").
    Unterminated,
    /// `${}` or `${, 'x'}` (Access Analyzer: "Empty variable").
    EmptyKey,
    /// A character that cannot appear in a key name, such as a space (Access Analyzer:
    /// "Unsupported space in variable" / "Unsupported symbol in variable").
    InvalidKey(char),
    /// A default that is not `, 'text'` directly followed by `}` (Access Analyzer: "Missing
    /// quote in variable").
    MalformedDefault,
}

/// A malformed policy variable, with the byte range in the parsed string where it is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VariableError {
    kind: VariableErrorKind,
    span: Range<usize>,
    detail: &'static str,
}

impl VariableError {
    fn new(kind: VariableErrorKind, span: Range<usize>, detail: &'static str) -> VariableError {
        VariableError { kind, span, detail }
    }

    /// The kind of problem.
    pub fn kind(&self) -> VariableErrorKind {
        self.kind
    }

    /// Byte range of the offending text in the string given to [`parse`].
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// One lowercase line describing the problem.
    pub fn message(&self) -> String {
        match self.kind {
            VariableErrorKind::Unterminated => {
                "policy variable `${` is missing its closing `}`".to_string()
            }
            VariableErrorKind::EmptyKey => "policy variable has an empty name".to_string(),
            VariableErrorKind::InvalidKey(c) if c.is_whitespace() => {
                "a policy variable name cannot contain spaces".to_string()
            }
            VariableErrorKind::InvalidKey(c) => {
                format!("`{c}` is not allowed in a policy variable name")
            }
            VariableErrorKind::MalformedDefault => self.detail.to_string(),
        }
    }
}

impl fmt::Display for VariableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for VariableError {}

/// Whether `s` contains `${`, i.e. whether it must go through [`parse`] (this includes the
/// escapes `${*}`, `${?}` and `${$}`). `false` means the string is plain text.
pub fn contains_variable(s: &str) -> bool {
    s.contains("${")
}

/// Whether `c` may appear in a variable's key: letters, digits and the characters condition
/// keys and tag keys use (`_ . : / = + - @`). Spaces are not allowed (Access Analyzer check
/// "Unsupported space in variable").
fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | ':' | '/' | '=' | '+' | '-' | '@')
}

/// Splits `s` into text, escapes and variables.
///
/// A default is written `${key, 'text'}`: a comma, any number of spaces (AWS documents exactly
/// one), and the text in single quotes, directly followed by `}`. The text cannot contain `'`.
///
/// # Errors
///
/// The first malformed `${…}`, as a [`VariableError`] with its byte range: no closing `}`, an
/// empty key, a character not allowed in a key (such as a space), or a malformed default.
pub fn parse(s: &str) -> Result<Vec<Part<'_>>, VariableError> {
    let mut parts = Vec::new();
    let mut pos = 0;
    while let Some(found) = s.get(pos..).and_then(|rest| rest.find("${")) {
        let start = pos + found;
        if let Some(text) = s.get(pos..start).filter(|t| !t.is_empty()) {
            parts.push(Part::Text(text));
        }
        let (part, end) = parse_construct(s, start)?;
        parts.push(part);
        pos = end;
    }
    if let Some(text) = s.get(pos..).filter(|t| !t.is_empty()) {
        parts.push(Part::Text(text));
    }
    Ok(parts)
}

/// Parses the `${…}` starting at byte `start`; returns the part and the index just past it.
fn parse_construct(s: &str, start: usize) -> Result<(Part<'_>, usize), VariableError> {
    use VariableErrorKind as K;
    let body = start + 2;
    let rest = s.get(body..).unwrap_or_default();
    for (escape, c) in [("*}", '*'), ("?}", '?'), ("$}", '$')] {
        if rest.starts_with(escape) {
            return Ok((Part::Escaped(c), body + 2));
        }
    }
    let unterminated = || VariableError::new(K::Unterminated, start..s.len(), "");
    let key_len = rest.find(|c: char| !is_key_char(c)).unwrap_or(rest.len());
    let key = rest.get(..key_len).unwrap_or_default();
    let after_key = body + key_len;
    let tail = s.get(after_key..).unwrap_or_default();
    match tail.chars().next() {
        None => Err(unterminated()),
        Some('}') if key.is_empty() => {
            Err(VariableError::new(K::EmptyKey, start..after_key + 1, ""))
        }
        Some('}') => {
            let end = after_key + 1;
            let variable = Part::Variable {
                key,
                default: None,
                span: start..end,
            };
            Ok((variable, end))
        }
        Some(',') if key.is_empty() => {
            let end = tail.find('}').map_or(s.len(), |i| after_key + i + 1);
            Err(VariableError::new(K::EmptyKey, start..end, ""))
        }
        Some(',') => {
            let default = parse_default(s, after_key + 1, start)?;
            let (text, end) = default;
            let variable = Part::Variable {
                key,
                default: Some(text),
                span: start..end,
            };
            Ok((variable, end))
        }
        Some(c) if tail.contains('}') => Err(VariableError::new(
            K::InvalidKey(c),
            after_key..after_key + c.len_utf8(),
            "",
        )),
        Some(_) => Err(unterminated()),
    }
}

/// Parses ` 'text'}` starting just after the comma; returns the text and the index past `}`.
fn parse_default(s: &str, from: usize, start: usize) -> Result<(&str, usize), VariableError> {
    use VariableErrorKind as K;
    let rest = s.get(from..).unwrap_or_default();
    let quote = from + (rest.len() - rest.trim_start_matches(' ').len());
    let after_spaces = s.get(quote..).unwrap_or_default();
    match after_spaces.chars().next() {
        None => Err(VariableError::new(K::Unterminated, start..s.len(), "")),
        Some('\'') => {
            let value_start = quote + 1;
            let value_rest = s.get(value_start..).unwrap_or_default();
            let Some(len) = value_rest.find('\'') else {
                return Err(VariableError::new(
                    K::MalformedDefault,
                    quote..s.len(),
                    "the default value of a policy variable is missing its closing `'`",
                ));
            };
            let value_end = value_start + len;
            let value = s.get(value_start..value_end).unwrap_or_default();
            let after = value_end + 1;
            match s.get(after..).unwrap_or_default().chars().next() {
                Some('}') => Ok((value, after + 1)),
                None => Err(VariableError::new(K::Unterminated, start..s.len(), "")),
                Some(c) => Err(VariableError::new(
                    K::MalformedDefault,
                    after..after + c.len_utf8(),
                    "expected `}` right after the quoted default value of a policy variable",
                )),
            }
        }
        Some(c) => Err(VariableError::new(
            K::MalformedDefault,
            quote..quote + c.len_utf8(),
            "the default value of a policy variable must be in single quotes: `${key, 'value'}`",
        )),
    }
}

/// Builds a wildcard [`Pattern`] from parsed parts, for `*Like` operators and `Resource`.
///
/// `Text` keeps `*` and `?` as wildcards; `Escaped` characters and substituted values are
/// literal. `resolve` receives each key as written (keys are case-insensitive, so compare
/// accordingly) and returns its single value, or `None` when the key is absent (or
/// multi-valued, which cannot be substituted). An absent key uses its default; an absent key
/// without a default makes the whole value unresolvable and the result `None` — the caller
/// decides what that means (a `Resource` entry that matches nothing, a positive operator that
/// fails, a negated one that holds).
pub fn to_pattern(
    parts: &[Part<'_>],
    mut resolve: impl FnMut(&str) -> Option<String>,
) -> Option<Pattern> {
    let mut builder = PatternBuilder::new();
    for part in parts {
        match part {
            Part::Text(text) => {
                builder.wildcards(text);
            }
            Part::Escaped(c) => {
                builder.literal(c.encode_utf8(&mut [0; 4]));
            }
            Part::Variable { key, default, .. } => {
                let value = resolve(key).or_else(|| default.map(str::to_string))?;
                builder.literal(&value);
            }
        }
    }
    Some(builder.build())
}

/// Substitutes parts into a plain string, for operators without wildcards (`StringEquals`,
/// `StringEqualsIgnoreCase`, …). Same resolution rules as [`to_pattern`].
pub fn to_literal_string(
    parts: &[Part<'_>],
    mut resolve: impl FnMut(&str) -> Option<String>,
) -> Option<String> {
    let mut out = String::new();
    for part in parts {
        match part {
            Part::Text(text) => out.push_str(text),
            Part::Escaped(c) => out.push(*c),
            Part::Variable { key, default, .. } => {
                let value = resolve(key).or_else(|| default.map(str::to_string))?;
                out.push_str(&value);
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wildcard::Case;

    fn var<'a>(key: &'a str, default: Option<&'a str>, span: Range<usize>) -> Part<'a> {
        Part::Variable { key, default, span }
    }

    fn err(s: &str) -> (VariableErrorKind, Range<usize>) {
        let e = parse(s).unwrap_err();
        (e.kind(), e.span())
    }

    /// Context lookup that ignores key case, as AWS does.
    fn ctx(key: &str) -> Option<String> {
        match key.to_ascii_lowercase().as_str() {
            "aws:username" => Some("alice".to_string()),
            "aws:principaltag/team" => Some("red*team".to_string()),
            _ => None,
        }
    }

    #[test]
    fn plain_text_and_lone_dollars() {
        assert_eq!(parse("").unwrap(), vec![]);
        assert_eq!(parse("abc").unwrap(), vec![Part::Text("abc")]);
        assert_eq!(parse("a$b$").unwrap(), vec![Part::Text("a$b$")]);
        assert_eq!(parse("$ {x}").unwrap(), vec![Part::Text("$ {x}")]);
        assert_eq!(
            parse("{aws:username}").unwrap(),
            vec![Part::Text("{aws:username}")]
        );
        assert!(!contains_variable("a$b{c}"));
        assert!(contains_variable("a${aws:username}"));
        assert!(contains_variable("${*}"));
    }

    #[test]
    fn variables_and_spans() {
        let s = "home/${aws:username}/*";
        assert_eq!(
            parse(s).unwrap(),
            vec![
                Part::Text("home/"),
                var("aws:username", None, 5..20),
                Part::Text("/*"),
            ]
        );
        assert_eq!(&s[5..20], "${aws:username}");
        let s = "${aws:PrincipalTag/team}${s3:prefix}";
        assert_eq!(
            parse(s).unwrap(),
            vec![
                var("aws:PrincipalTag/team", None, 0..24),
                var("s3:prefix", None, 24..36),
            ]
        );
        assert_eq!(
            parse("${saml:sub}-${cognito-identity.amazonaws.com:sub}").unwrap()[2],
            var("cognito-identity.amazonaws.com:sub", None, 12..49)
        );
    }

    #[test]
    fn escapes() {
        assert_eq!(
            parse("a${*}b${?}c${$}").unwrap(),
            vec![
                Part::Text("a"),
                Part::Escaped('*'),
                Part::Text("b"),
                Part::Escaped('?'),
                Part::Text("c"),
                Part::Escaped('$'),
            ]
        );
        assert_eq!(
            parse("$${*}").unwrap(),
            vec![Part::Text("$"), Part::Escaped('*')]
        );
    }

    #[test]
    fn defaults() {
        let s = "bucket-${aws:PrincipalTag/team, 'company-wide'}";
        assert_eq!(
            parse(s).unwrap(),
            vec![
                Part::Text("bucket-"),
                var("aws:PrincipalTag/team", Some("company-wide"), 7..s.len()),
            ]
        );
        assert_eq!(parse("${a,'x'}").unwrap(), vec![var("a", Some("x"), 0..8)]);
        assert_eq!(
            parse("${a,   ''}").unwrap(),
            vec![var("a", Some(""), 0..10)]
        );
        // The default may contain `}`, `,`, `$` and `*`.
        assert_eq!(
            parse("${a, '}x,$*'}z").unwrap(),
            vec![var("a", Some("}x,$*"), 0..13), Part::Text("z")]
        );
    }

    #[test]
    fn errors_carry_kind_and_span() {
        use VariableErrorKind as K;
        assert_eq!(err("abc${aws:username"), (K::Unterminated, 3..17));
        assert_eq!(err("${"), (K::Unterminated, 0..2));
        assert_eq!(err("x${}"), (K::EmptyKey, 1..4));
        assert_eq!(err("${, 'x'}"), (K::EmptyKey, 0..8));
        assert_eq!(err("${aws:user name}"), (K::InvalidKey(' '), 10..11));
        assert_eq!(err("${ aws:username}"), (K::InvalidKey(' '), 2..3));
        assert_eq!(err("${a#b}"), (K::InvalidKey('#'), 3..4));
        assert_eq!(err("${a b"), (K::Unterminated, 0..5));
        assert_eq!(err("${a, x}"), (K::MalformedDefault, 5..6));
        assert_eq!(err("${a, 'x}"), (K::MalformedDefault, 5..8));
        assert_eq!(err("${a, 'x' }"), (K::MalformedDefault, 8..9));
        assert_eq!(err("${a, 'x'"), (K::Unterminated, 0..8));
        assert_eq!(err("${a, "), (K::Unterminated, 0..5));
        assert_eq!(err("ok ${a} then ${"), (K::Unterminated, 13..15));

        let e = parse("${aws:user name}").unwrap_err();
        assert_eq!(
            e.to_string(),
            "a policy variable name cannot contain spaces"
        );
        let e = parse("${a#b}").unwrap_err();
        assert_eq!(e.message(), "`#` is not allowed in a policy variable name");
        let e = parse("${a, x}").unwrap_err();
        assert!(e.message().contains("single quotes"));
        assert!(parse("${}").unwrap_err().message().contains("empty"));
        assert!(parse("${a").unwrap_err().message().contains("closing"));
    }

    #[test]
    fn unicode_text_and_keys() {
        let s = "日本/${aws:PrincipalTag/チーム}/é";
        let parts = parse(s).unwrap();
        assert_eq!(parts.first(), Some(&Part::Text("日本/")));
        match parts.get(1) {
            Some(Part::Variable { key, span, .. }) => {
                assert_eq!(*key, "aws:PrincipalTag/チーム");
                assert_eq!(&s[span.clone()], "${aws:PrincipalTag/チーム}");
            }
            other => panic!("unexpected {other:?}"),
        }
        let e = parse("é${aws:x…}").unwrap_err();
        assert_eq!(e.kind(), VariableErrorKind::InvalidKey('…'));
        assert_eq!(&"é${aws:x…}"[e.span()], "…");
    }

    #[test]
    fn to_pattern_keeps_text_wildcards_and_substitutes_literally() {
        let parts = parse("home/${aws:username}/*").unwrap();
        let p = to_pattern(&parts, ctx).unwrap();
        assert!(p.is_match("home/alice/notes.txt", Case::Sensitive));
        assert!(!p.is_match("home/bob/notes.txt", Case::Sensitive));

        // Keys are looked up case-insensitively by the resolver.
        let parts = parse("${AWS:UserName}").unwrap();
        assert_eq!(to_literal_string(&parts, ctx).as_deref(), Some("alice"));

        // A `*` in a substituted value is literal.
        let parts = parse("team-${aws:PrincipalTag/team}").unwrap();
        let p = to_pattern(&parts, ctx).unwrap();
        assert!(p.is_match("team-red*team", Case::Sensitive));
        assert!(!p.is_match("team-red-blue-team", Case::Sensitive));

        // Escapes are literal; text wildcards are not.
        let parts = parse("a${*}b?").unwrap();
        let p = to_pattern(&parts, ctx).unwrap();
        assert!(p.is_match("a*bX", Case::Sensitive));
        assert!(!p.is_match("aXbX", Case::Sensitive));
        assert!(!p.is_match("a*b", Case::Sensitive));
    }

    #[test]
    fn defaults_and_unresolvable_keys() {
        let parts = parse("bucket-${aws:PrincipalTag/dept, 'company-wide'}").unwrap();
        assert_eq!(
            to_literal_string(&parts, ctx).as_deref(),
            Some("bucket-company-wide")
        );
        // A present key wins over its default.
        let parts = parse("${aws:username, 'nobody'}").unwrap();
        assert_eq!(to_literal_string(&parts, ctx).as_deref(), Some("alice"));
        // Default text is literal even in a pattern.
        let parts = parse("${aws:missing, 'a*'}").unwrap();
        let p = to_pattern(&parts, ctx).unwrap();
        assert!(p.is_match("a*", Case::Sensitive));
        assert!(!p.is_match("abc", Case::Sensitive));
        // Absent and no default: unresolvable.
        let parts = parse("home/${aws:userid}/*").unwrap();
        assert_eq!(to_pattern(&parts, ctx), None);
        assert_eq!(to_literal_string(&parts, ctx), None);
    }

    #[test]
    fn to_literal_string_keeps_wildcard_characters() {
        let parts = parse("a*${?}${aws:username}").unwrap();
        assert_eq!(to_literal_string(&parts, ctx).as_deref(), Some("a*?alice"));
        assert_eq!(to_literal_string(&[], ctx).as_deref(), Some(""));
    }
}
