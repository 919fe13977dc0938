//! Amazon Resource Names: parsing, and the two ARN matching rules of the policy language.
//!
//! * [`resource_matches`] / [`ArnPattern::resource`]: the `Resource` / `NotResource` element.
//! * [`arn_like`] / [`ArnPattern::condition`]: the `ArnLike` / `ArnEquals` condition operators
//!   (and their negations, which the caller builds by negating).
//!
//! Both split the pattern and the ARN into the six colon-separated parts
//! `arn:partition:service:region:account:resource` (the resource part is everything after the
//! fifth colon) and glob-match part by part, case-sensitively, so a wildcard in the first five
//! parts never crosses a colon while one in the resource part crosses `/` and `:`. They differ
//! only for patterns that are not six-part ARNs; see `docs/matching.md`.

use crate::wildcard::{Case, Pattern};
use std::fmt;

/// A parsed ARN, borrowing from the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Arn<'a> {
    /// `arn` (with [`Arn::split`]: whatever stands before the first colon).
    pub prefix: &'a str,
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub partition: &'a str,
    /// The service namespace, e.g. `s3`.
    pub service: &'a str,
    /// The region; empty for S3 buckets and objects.
    pub region: &'a str,
    /// The account id; empty for S3 buckets and objects.
    pub account: &'a str,
    /// Everything after the fifth colon (may itself contain `:` and `/`).
    pub resource: &'a str,
}

/// What is wrong with a string that [`parse`] rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ArnErrorKind {
    /// The text does not start with `arn:`.
    MissingPrefix,
    /// Fewer than six colon-separated parts.
    TooFewParts,
    /// The partition (second part) is empty.
    EmptyPartition,
    /// The service (third part) is empty.
    EmptyService,
    /// The resource (sixth part) is empty.
    EmptyResource,
}

/// Why a string is not an ARN, and where in it the problem is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ArnError {
    kind: ArnErrorKind,
    offset: usize,
}

impl ArnError {
    /// The kind of problem.
    pub fn kind(&self) -> ArnErrorKind {
        self.kind
    }

    /// One lowercase line describing the problem.
    pub fn message(&self) -> &'static str {
        match self.kind {
            ArnErrorKind::MissingPrefix => "an ARN must start with `arn:`",
            ArnErrorKind::TooFewParts => {
                "an ARN needs six colon-separated parts: `arn:partition:service:region:account:resource`"
            }
            ArnErrorKind::EmptyPartition => "the partition of the ARN is empty",
            ArnErrorKind::EmptyService => "the service of the ARN is empty",
            ArnErrorKind::EmptyResource => "the resource part of the ARN is empty",
        }
    }

    /// Byte offset in the input where the problem is (the end of the input for missing parts).
    pub fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for ArnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for ArnError {}

/// Parses `arn:partition:service:region:account:resource`.
///
/// The resource part is everything after the fifth colon. Region and account may be empty
/// (S3 bucket ARNs have both empty); partition, service and resource may not.
///
/// # Errors
///
/// An [`ArnError`] (with the byte offset of the problem) when the prefix is not `arn:`, there
/// are fewer than six parts, or the partition, service or resource is empty.
pub fn parse(s: &str) -> Result<Arn<'_>, ArnError> {
    let err = |kind, offset| Err(ArnError { kind, offset });
    if !s.starts_with("arn:") {
        return err(ArnErrorKind::MissingPrefix, 0);
    }
    let Some(arn) = Arn::split(s) else {
        return err(ArnErrorKind::TooFewParts, s.len());
    };
    let offset_of = |part: &str| part.as_ptr() as usize - s.as_ptr() as usize;
    if arn.partition.is_empty() {
        return err(ArnErrorKind::EmptyPartition, offset_of(arn.partition));
    }
    if arn.service.is_empty() {
        return err(ArnErrorKind::EmptyService, offset_of(arn.service));
    }
    if arn.resource.is_empty() {
        return err(ArnErrorKind::EmptyResource, offset_of(arn.resource));
    }
    Ok(arn)
}

impl<'a> Arn<'a> {
    /// The six parts of a colon-separated string as the policy language's matching rules cut
    /// it, none of them judged: the prefix need not be `arn` and any part may be empty or hold
    /// wildcards (how `Resource` patterns and ARN-typed condition values are read). `None`
    /// with fewer than five colons.
    pub fn split(s: &'a str) -> Option<Arn<'a>> {
        let [prefix, partition, service, region, account, resource] = split6(s)?;
        Some(Arn {
            prefix,
            partition,
            service,
            region,
            account,
            resource,
        })
    }

    /// The parts in order, the prefix first.
    pub fn parts(&self) -> [&'a str; 6] {
        [
            self.prefix,
            self.partition,
            self.service,
            self.region,
            self.account,
            self.resource,
        ]
    }
}

/// Whether `s` is an AWS account id: exactly twelve ASCII digits.
// AWS rule: "An AWS account ID is a 12-digit number" (AWS Account Management, "View AWS account identifiers").
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Splits an ARN into its six colon-separated parts (the last keeps any further colons), or
/// `None` with fewer than five colons. Prefer [`Arn::split`], whose parts have names.
pub fn split(s: &str) -> Option<[&str; 6]> {
    split6(s)
}

fn split6(s: &str) -> Option<[&str; 6]> {
    // One pass over the bytes for the first five colons (`splitn` searches five times).
    let mut cuts = [0usize; 5];
    let mut found = 0;
    for (i, b) in s.bytes().enumerate() {
        if b == b':' {
            if let Some(cut) = cuts.get_mut(found) {
                *cut = i;
            }
            found += 1;
            if found == 5 {
                break;
            }
        }
    }
    if found < 5 {
        return None;
    }
    let [a, b, c, d, e] = cuts;
    // Colons are ASCII, so every cut is a character boundary.
    Some([
        s.get(..a)?,
        s.get(a + 1..b)?,
        s.get(b + 1..c)?,
        s.get(c + 1..d)?,
        s.get(d + 1..e)?,
        s.get(e + 1..)?,
    ])
}

/// Which policy-language rule an [`ArnPattern`] follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArnRule {
    /// The `Resource` / `NotResource` element.
    Resource,
    /// The `ArnLike` / `ArnEquals` (and negated) condition operators.
    Condition,
}

/// A pre-compiled ARN pattern: the six parts compiled once, matched many times.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ArnPattern {
    kind: Kind,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Kind {
    /// `*` (or `**`…) in a `Resource`: every resource, ARN or not.
    Everything,
    /// Can never match (malformed pattern, or an unresolvable policy variable).
    Nothing,
    /// Six parts, matched part by part.
    Full(Box<[Pattern; 6]>),
    /// Six parts whose first five are literal (the usual `arn:aws:s3:::`): the ARN must start
    /// with `head` (the five parts and their colons) and the resource part match `tail`.
    LiteralHead {
        /// `arn:PARTITION:SERVICE:REGION:ACCOUNT:`.
        head: String,
        /// The resource-part pattern.
        tail: Pattern,
    },
    /// A `Resource` pattern of fewer than six parts whose last part ends in `*`: the leading
    /// parts are matched part by part and the last one against the rest of the ARN.
    Open { head: Vec<Pattern>, tail: Pattern },
}

impl ArnPattern {
    /// Compiles a `Resource` / `NotResource` entry without policy variables (every `*`/`?` is
    /// a wildcard; `${…}` is literal text, as in a policy without Version 2012-10-17).
    pub fn resource(pattern: &str) -> ArnPattern {
        ArnPattern::build(pattern, ArnRule::Resource, &split_plain(pattern), |part| {
            Some(Pattern::new(part))
        })
    }

    /// Compiles an `ArnLike` / `ArnEquals` value without policy variables.
    pub fn condition(pattern: &str) -> ArnPattern {
        ArnPattern::build(pattern, ArnRule::Condition, &split_plain(pattern), |part| {
            Some(Pattern::new(part))
        })
    }

    /// Compiles `pattern` under `rule`, turning each of its parts into a [`Pattern`] with
    /// `compile_part` (typically: parse policy variables, substitute, build the pattern).
    ///
    /// The text is split at colons outside `${…}`, so a variable such as
    /// `${aws:PrincipalAccount}` stays in one part. If `compile_part` returns `None` for any
    /// part (an unresolvable variable), the pattern matches nothing.
    pub fn compile(
        pattern: &str,
        rule: ArnRule,
        compile_part: impl FnMut(&str) -> Option<Pattern>,
    ) -> ArnPattern {
        ArnPattern::build(pattern, rule, &split_variable_aware(pattern), compile_part)
    }

    fn build(
        pattern: &str,
        rule: ArnRule,
        parts: &[&str],
        mut compile_part: impl FnMut(&str) -> Option<Pattern>,
    ) -> ArnPattern {
        let kind = |kind| ArnPattern { kind };
        // Resource element: "*" means all resources. Several stars are the same glob (the
        // cloud-copilot iam-policy parser also treats `^\*+$` as all resources).
        if rule == ArnRule::Resource && !pattern.is_empty() && pattern.bytes().all(|b| b == b'*') {
            return kind(Kind::Everything);
        }
        // Fast path for the usual shape (`arn:aws:s3:::bucket/*`): five plain parts need no
        // compiling, only the resource part does.
        if let [a, b, c, d, e, tail] = parts
            && [a, b, c, d, e].iter().all(|p| !p.contains(['*', '?', '$']))
        {
            return match compile_part(tail) {
                Some(tail) => kind(Kind::LiteralHead {
                    head: format!("{a}:{b}:{c}:{d}:{e}:"),
                    tail,
                }),
                None => kind(Kind::Nothing),
            };
        }
        let Some(compiled) = parts
            .iter()
            .map(|part| compile_part(part))
            .collect::<Option<Vec<Pattern>>>()
        else {
            return kind(Kind::Nothing);
        };
        let compiled = match <[Pattern; 6]>::try_from(compiled) {
            Ok(six) => {
                let literal_head: Option<String> = six
                    .iter()
                    .take(5)
                    .map(Pattern::as_literal)
                    .collect::<Option<Vec<&str>>>()
                    .map(|parts| format!("{}:", parts.join(":")));
                if let Some(head) = literal_head {
                    let [.., tail] = six;
                    return kind(Kind::LiteralHead { head, tail });
                }
                return kind(Kind::Full(Box::new(six)));
            }
            Err(fewer) => fewer,
        };
        match rule {
            // ArnLike/ArnEquals: "Each of the six colon-delimited components of the ARN is
            // checked separately" (IAM condition operators page): fewer parts never match.
            ArnRule::Condition => kind(Kind::Nothing),
            // Resource element page: "If the * wildcard is the last character of a resource
            // ARN segment, it can expand to match beyond the colon boundaries."
            ArnRule::Resource => {
                let mut head = compiled;
                match head.pop() {
                    Some(tail) if !head.is_empty() && tail.ends_with_any_run() => {
                        kind(Kind::Open { head, tail })
                    }
                    _ => kind(Kind::Nothing),
                }
            }
        }
    }

    /// Whether `arn` (a concrete ARN from the request) matches.
    ///
    /// Case-sensitive. A value with fewer than six colon-separated parts only matches an
    /// all-`*` `Resource` pattern.
    pub fn is_match(&self, arn: &str) -> bool {
        self.is_match_split(arn, split6(arn).as_ref())
    }

    /// [`ArnPattern::is_match`] with the six parts of `arn` already split by [`split`] (a
    /// query splits the request's ARN once for all the patterns it meets).
    pub fn is_match_split(&self, arn: &str, split: Option<&[&str; 6]>) -> bool {
        match &self.kind {
            Kind::Everything => true,
            Kind::Nothing => false,
            Kind::LiteralHead { head, tail } => arn
                .strip_prefix(head.as_str())
                .is_some_and(|rest| tail.is_match(rest, Case::Sensitive)),
            Kind::Full(parts) => split.copied().is_some_and(|values| {
                parts
                    .iter()
                    .zip(values)
                    .all(|(p, v)| p.is_match(v, Case::Sensitive))
            }),
            Kind::Open { head, tail } => split.copied().is_some_and(|values| {
                let fixed = head
                    .iter()
                    .zip(values)
                    .all(|(p, v)| p.is_match(v, Case::Sensitive));
                let rest = values
                    .get(head.len())
                    .map(|part| part.as_ptr() as usize - arn.as_ptr() as usize)
                    .and_then(|start| arn.get(start..));
                fixed && rest.is_some_and(|rest| tail.is_match(rest, Case::Sensitive))
            }),
        }
    }

    /// Whether [`ArnPattern::is_match_split`] reads the split parts (else `None` will do).
    pub fn reads_parts(&self) -> bool {
        matches!(self.kind, Kind::Full(_) | Kind::Open { .. })
    }

    /// Whether the pattern matches every resource (a `Resource` of only `*`).
    pub fn matches_everything(&self) -> bool {
        self.kind == Kind::Everything
    }

    /// Whether the pattern can never match (not an ARN pattern under its rule, or a policy
    /// variable could not be resolved).
    pub fn matches_nothing(&self) -> bool {
        self.kind == Kind::Nothing
    }

    /// Whether the pattern has fewer than six parts and relies on its trailing `*` to span
    /// the remaining parts (`Resource` only; worth a lint warning).
    pub fn is_short(&self) -> bool {
        matches!(self.kind, Kind::Open { .. })
    }
}

/// Splits at every colon up to the fifth (the rest is the resource part).
fn split_plain(s: &str) -> Vec<&str> {
    s.splitn(6, ':').collect()
}

/// Like [`split_plain`], but colons inside `${…}` (including a quoted default) do not split.
fn split_variable_aware(s: &str) -> Vec<&str> {
    let bytes = s.as_bytes();
    let mut parts = Vec::with_capacity(6);
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() && parts.len() < 5 {
        if bytes.get(i..i + 2) == Some(b"${".as_slice()) {
            i = variable_end(bytes, i + 2).unwrap_or(i + 2);
            continue;
        }
        if bytes.get(i) == Some(&b':') {
            parts.push(s.get(start..i).unwrap_or_default());
            start = i + 1;
        }
        i += 1;
    }
    parts.push(s.get(start..).unwrap_or_default());
    parts
}

/// The index just past the `}` closing a `${` whose body starts at `from`, skipping a quoted
/// default value; `None` when it is never closed.
fn variable_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut in_quote = false;
    for (offset, b) in bytes.get(from..)?.iter().enumerate() {
        match b {
            b'\'' => in_quote = !in_quote,
            b'}' if !in_quote => return Some(from + offset + 1),
            _ => {}
        }
    }
    None
}

/// The `Resource` / `NotResource` rule: does the policy entry `pattern` match the request's
/// resource `arn`? Policy variables are not interpreted (see [`ArnPattern::compile`]).
pub fn resource_matches(pattern: &str, arn: &str) -> bool {
    ArnPattern::resource(pattern).is_match(arn)
}

/// The `ArnLike` / `ArnEquals` rule (they behave identically): does the policy value `pattern`
/// match the request value `value`? Both must be six-part ARNs; a bare `*` does not match.
pub fn arn_like(pattern: &str, value: &str) -> bool {
    ArnPattern::condition(pattern).is_match(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wildcard;

    #[test]
    fn split6_cuts_at_the_first_five_colons() {
        for s in [
            "",
            ":",
            "a:b:c:d:e",
            "a:b:c:d:e:f",
            "arn:aws:s3:::b/k:x:y",
            ":::::",
            "é:ü::::ß:",
            "arn:aws",
        ] {
            let expected: Option<[&str; 6]> = {
                let v: Vec<&str> = s.splitn(6, ':').collect();
                v.try_into().ok()
            };
            assert_eq!(split6(s), expected, "{s:?}");
        }
    }

    #[test]
    fn parses_six_parts() {
        let arn = parse("arn:aws:s3:::bucket/key").unwrap();
        assert_eq!(
            arn,
            Arn {
                prefix: "arn",
                partition: "aws",
                service: "s3",
                region: "",
                account: "",
                resource: "bucket/key"
            }
        );
        let arn = parse("arn:aws:ec2:us-east-1:123456789012:instance/i-1:x/y").unwrap();
        assert_eq!(arn.region, "us-east-1");
        assert_eq!(arn.account, "123456789012");
        assert_eq!(arn.resource, "instance/i-1:x/y");
        let arn = parse("arn:aws-cn:sqs:cn-north-1:1:queue:extra:colons").unwrap();
        assert_eq!(arn.resource, "queue:extra:colons");
    }

    #[test]
    fn parse_errors_have_kinds_and_offsets() {
        let e = parse("aws:s3:::bucket").unwrap_err();
        assert_eq!((e.kind(), e.offset()), (ArnErrorKind::MissingPrefix, 0));
        assert_eq!(e.to_string(), "an ARN must start with `arn:`");

        let e = parse("ARN:aws:s3:::bucket").unwrap_err();
        assert_eq!(e.kind(), ArnErrorKind::MissingPrefix);

        let e = parse("arn:aws:s3:bucket").unwrap_err();
        assert_eq!((e.kind(), e.offset()), (ArnErrorKind::TooFewParts, 17));

        let e = parse("arn::s3:::bucket").unwrap_err();
        assert_eq!((e.kind(), e.offset()), (ArnErrorKind::EmptyPartition, 4));

        let e = parse("arn:aws::::bucket").unwrap_err();
        assert_eq!((e.kind(), e.offset()), (ArnErrorKind::EmptyService, 8));

        let e = parse("arn:aws:s3:::").unwrap_err();
        assert_eq!((e.kind(), e.offset()), (ArnErrorKind::EmptyResource, 13));
        assert!(!e.message().is_empty());
    }

    #[test]
    fn star_alone_matches_any_resource() {
        assert!(resource_matches("*", "arn:aws:s3:::bucket"));
        assert!(resource_matches("*", "arn:aws:s3:::bucket/key"));
        assert!(resource_matches("**", "arn:aws:iam::1:user/x"));
        assert!(resource_matches("*", "not-an-arn"));
        assert!(ArnPattern::resource("*").matches_everything());
    }

    #[test]
    fn s3_bucket_and_object_patterns() {
        // Resource element page + §5.2 of the reference notes.
        assert!(resource_matches(
            "arn:aws:s3:::bucket*",
            "arn:aws:s3:::bucket-logs"
        ));
        assert!(resource_matches(
            "arn:aws:s3:::bucket*",
            "arn:aws:s3:::bucket/key"
        ));
        assert!(resource_matches(
            "arn:aws:s3:::bucket*",
            "arn:aws:s3:::bucket"
        ));
        assert!(resource_matches(
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket/a/b"
        ));
        assert!(!resource_matches(
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket"
        ));
        assert!(resource_matches(
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket/"
        ));
        assert!(resource_matches("arn:aws:s3:::*", "arn:aws:s3:::any"));
        assert!(resource_matches(
            "arn:aws:s3:::*",
            "arn:aws:s3:::any/obj:with:colons"
        ));
        assert!(resource_matches(
            "arn:aws:s3:::bucket/*/test/*",
            "arn:aws:s3:::bucket/1/2/test/3/object.jpg"
        ));
        assert!(!resource_matches(
            "arn:aws:s3:::bucket/*/test/*",
            "arn:aws:s3:::bucket/1-test/object.jpg"
        ));
        assert!(resource_matches(
            "arn:aws:s3:::bucket/data:2024/*",
            "arn:aws:s3:::bucket/data:2024/report.csv"
        ));
        assert!(resource_matches(
            "arn:aws:s3:::b?cket",
            "arn:aws:s3:::bucket"
        ));
        assert!(!resource_matches(
            "arn:aws:s3:::b?cket",
            "arn:aws:s3:::buucket"
        ));
    }

    #[test]
    fn resource_matching_is_case_sensitive() {
        assert!(!resource_matches(
            "arn:aws:s3:::Bucket",
            "arn:aws:s3:::bucket"
        ));
        assert!(!resource_matches(
            "arn:AWS:s3:::bucket",
            "arn:aws:s3:::bucket"
        ));
        assert!(!resource_matches(
            "arn:aws:S3:::bucket",
            "arn:aws:s3:::bucket"
        ));
    }

    #[test]
    fn wildcards_in_the_first_five_parts_do_not_cross_colons() {
        let p = "arn:aws:ec2:*:123456789012:instance/*";
        assert!(resource_matches(
            p,
            "arn:aws:ec2:us-east-1:123456789012:instance/i-1"
        ));
        assert!(!resource_matches(
            p,
            "arn:aws:ec2:us-east-1:999:123456789012:instance/i-1"
        ));
        assert!(resource_matches("arn:*:s3:::b", "arn:aws-cn:s3:::b"));
        assert!(resource_matches("arn:???:s3:::b", "arn:aws:s3:::b"));
        assert!(!resource_matches("arn:???:s3:::b", "arn:aws-cn:s3:::b"));
        assert!(resource_matches(
            "arn:aws:rds:us-west-?:0123456789012:*pg:*",
            "arn:aws:rds:us-west-2:0123456789012:pg:default"
        ));
        // Account must match exactly; empty matches only empty.
        assert!(!resource_matches("arn:aws:s3:::b", "arn:aws:s3::1:b"));
        assert!(resource_matches("arn:aws:s3:*:*:b", "arn:aws:s3:::b"));
    }

    #[test]
    fn resource_part_star_crosses_slash_and_colon() {
        let p = "arn:aws:ec2:us-east-1:1:instance:*";
        assert!(resource_matches(
            p,
            "arn:aws:ec2:us-east-1:1:instance:i-1:x/y"
        ));
        assert!(resource_matches(
            "arn:aws:logs:*:*:log-group:*",
            "arn:aws:logs:us-east-1:1:log-group:/aws/x:log-stream:y"
        ));
    }

    #[test]
    fn short_resource_patterns_need_a_trailing_star() {
        // Resource page: a `*` that ends a segment can expand beyond colon boundaries.
        assert!(resource_matches("arn:aws:s3:*", "arn:aws:s3:::bucket"));
        assert!(resource_matches("arn:aws:s3:*", "arn:aws:s3:::bucket/key"));
        assert!(resource_matches(
            "arn:aws:logs:*",
            "arn:aws:logs:us-east-1:1:log-group:g"
        ));
        assert!(!resource_matches(
            "arn:aws:s3:*",
            "arn:aws:sqs:us-east-1:1:q"
        ));
        assert!(resource_matches(
            "arn:aws:s3:us-*",
            "arn:aws:s3:us-east-1:1:x"
        ));
        assert!(!resource_matches(
            "arn:aws:s3:us-*",
            "arn:aws:s3:eu-west-1:1:x"
        ));
        assert!(resource_matches("arn:*", "arn:aws:iam::1:user/u"));
        assert!(resource_matches("arn:aws:s3:::*", "arn:aws:s3:::b"));
        assert!(ArnPattern::resource("arn:aws:s3:*").is_short());
        // No trailing star: never matches.
        assert!(!resource_matches(
            "arn:aws:s3:bucket",
            "arn:aws:s3:bucket::"
        ));
        assert!(!resource_matches("arn:aws:s3", "arn:aws:s3:::b"));
        assert!(ArnPattern::resource("arn:aws:s3:bucket").matches_nothing());
        assert!(ArnPattern::resource("arn*").matches_nothing());
        assert!(ArnPattern::resource("").matches_nothing());
        // The request value must still be an ARN.
        assert!(!resource_matches("arn:aws:s3:*", "arn:aws:s3:x"));
    }

    #[test]
    fn non_arn_request_values_only_match_star() {
        assert!(!resource_matches("arn:aws:s3:::*", "bucket"));
        assert!(!resource_matches("arn:*:*:*:*:*", "arn:aws:s3"));
        assert!(resource_matches("arn:*:*:*:*:*", "arn:aws:s3:::b"));
    }

    #[test]
    fn stringlike_versus_arnlike_example() {
        // §6.4 of the reference notes, from the IAM condition operators page.
        let pattern = "arn:aws:svc:*:111122223333:finance/*";
        let value = "arn:aws:svc:us-east-2:999999999999:store/abc:111122223333:finance/doc";
        assert!(wildcard::matches(pattern, value, Case::Sensitive));
        assert!(!arn_like(pattern, value));
        assert!(arn_like(
            pattern,
            "arn:aws:svc:us-east-2:111122223333:finance/doc"
        ));
    }

    #[test]
    fn arn_like_rules() {
        assert!(arn_like(
            "arn:aws:iam::*:role/*",
            "arn:aws:iam::123456789012:role/Admin"
        ));
        assert!(!arn_like(
            "arn:aws:iam::*:role/*",
            "arn:aws:iam::123456789012:user/Bob"
        ));
        assert!(arn_like(
            "arn:???:*:*:*:*",
            "arn:aws:ec2:us-east-1:1:instance/i-1"
        ));
        assert!(arn_like(
            "arn:aws:ec2:*:*:instance/i-?????",
            "arn:aws:ec2:us-east-1:1:instance/i-12345"
        ));
        assert!(!arn_like(
            "arn:aws:ec2:*:*:instance/i-?????",
            "arn:aws:ec2:us-east-1:1:instance/i-123456"
        ));
        // Case-sensitive.
        assert!(!arn_like(
            "arn:aws:ec2:us-east-1:1:instance/i-1",
            "arn:aws:ec2:us-east-1:1:INSTANCE/I-1"
        ));
        // A value that is not a six-part ARN never matches.
        assert!(!arn_like("arn:*:*:*:*:*", "arn:::bucket"));
        assert!(!arn_like("arn:*:*:*:*:*", "not an arn"));
        // Patterns that are not six-part ARNs never match, bare `*` included.
        assert!(!arn_like("*", "arn:aws:s3:::b"));
        assert!(!arn_like("arn:aws:s3:*", "arn:aws:s3:::b"));
        assert!(!arn_like("arn:::bucket-name", "arn:aws:s3:::bucket-name"));
        assert!(ArnPattern::condition("*").matches_nothing());
        // Identical to resource matching for six-part patterns.
        assert!(arn_like("arn:aws:s3:::bucket*", "arn:aws:s3:::bucket/key"));
        assert!(!arn_like("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket"));
    }

    #[test]
    fn compile_with_per_part_compiler() {
        // A stand-in for variable substitution: `${acct}` becomes a literal account id.
        let subst = |part: &str| -> Option<Pattern> {
            if part.contains("${missing}") {
                return None;
            }
            Some(Pattern::new(
                &part.replace("${aws:PrincipalAccount}", "123456789012"),
            ))
        };
        let p = ArnPattern::compile(
            "arn:aws:iam::${aws:PrincipalAccount}:role/*",
            ArnRule::Condition,
            subst,
        );
        assert!(p.is_match("arn:aws:iam::123456789012:role/x"));
        assert!(!p.is_match("arn:aws:iam::999999999999:role/x"));

        let p = ArnPattern::compile("arn:aws:s3:::b/${missing}", ArnRule::Resource, subst);
        assert!(p.matches_nothing());
        assert!(!p.is_match("arn:aws:s3:::b/x"));

        // A default containing a colon and a brace stays inside its part (plain leading parts
        // are taken literally without calling the compiler).
        let mut seen = Vec::new();
        let _ = ArnPattern::compile(
            "arn:aws:s3:::b/${aws:PrincipalTag/team, 'a:}b'}/x",
            ArnRule::Resource,
            |part| {
                seen.push(part.to_string());
                Some(Pattern::new(part))
            },
        );
        assert_eq!(seen, ["b/${aws:PrincipalTag/team, 'a:}b'}/x"]);
        let mut seen = Vec::new();
        let _ = ArnPattern::compile("arn:aws:iam::${aws:x:y}:r", ArnRule::Resource, |part| {
            seen.push(part.to_string());
            Some(Pattern::new(part))
        });
        assert_eq!(seen, ["arn", "aws", "iam", "", "${aws:x:y}", "r"]);
    }

    #[test]
    fn precompiled_pattern_is_reusable() {
        let p = ArnPattern::resource("arn:aws:s3:::bucket/*");
        assert!(p.is_match("arn:aws:s3:::bucket/a"));
        assert!(p.is_match("arn:aws:s3:::bucket/b"));
        assert!(!p.is_match("arn:aws:s3:::other/a"));
        assert!(!p.matches_everything());
        assert!(!p.matches_nothing());
        assert!(!p.is_short());
    }

    #[test]
    fn unicode_resource_parts() {
        assert!(resource_matches(
            "arn:aws:s3:::b/日本*",
            "arn:aws:s3:::b/日本語/x"
        ));
        assert!(resource_matches("arn:aws:s3:::b/?", "arn:aws:s3:::b/é"));
    }
}
