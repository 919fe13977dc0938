//! The typed model of the IAM policy language, every node tied to its place in the source.
//!
//! The model keeps what the user wrote (strings as written, their spans) and adds the parsed
//! meaning the evaluator needs (effect, operator, principal kind). Building it from JSON
//! ([`parse`]) collects grammar findings rather than stopping at the first one; [`write`]
//! turns it back into JSON.

pub mod parse;
pub mod principal;
pub mod words;
pub mod write;

use crate::source::Span;
pub use principal::{AwsPrincipal, PrincipalArn};

/// The elements of a policy document (IAM JSON policy element reference).
pub const TOP_LEVEL_ELEMENTS: &[&str] = &["Version", "Id", "Statement"];
/// The elements of a statement (IAM JSON policy element reference).
pub const STATEMENT_ELEMENTS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];
/// Which kind of policy a document is; it decides which elements are required or allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyKind {
    /// An identity-based policy attached to a user, group or role.
    Identity,
    /// An S3 bucket policy.
    Bucket,
    /// An S3 access point policy.
    AccessPoint,
    /// A resource-based policy of another service (SQS, SNS, KMS, ...).
    Resource,
    /// A role trust policy.
    Trust,
    /// An AWS Organizations service control policy.
    Scp,
    /// An AWS Organizations resource control policy.
    Rcp,
    /// A permissions boundary.
    PermissionsBoundary,
    /// A session policy passed to AssumeRole or GetFederationToken.
    Session,
}

impl PolicyKind {
    /// All kinds, for `--kind` help.
    pub const ALL: &'static [PolicyKind] = &[
        PolicyKind::Identity,
        PolicyKind::Bucket,
        PolicyKind::AccessPoint,
        PolicyKind::Resource,
        PolicyKind::Trust,
        PolicyKind::Scp,
        PolicyKind::Rcp,
        PolicyKind::PermissionsBoundary,
        PolicyKind::Session,
    ];

    /// Kebab-case name, as on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity",
            PolicyKind::Bucket => "bucket",
            PolicyKind::AccessPoint => "access-point",
            PolicyKind::Resource => "resource",
            PolicyKind::Trust => "trust",
            PolicyKind::Scp => "scp",
            PolicyKind::Rcp => "rcp",
            PolicyKind::PermissionsBoundary => "permissions-boundary",
            PolicyKind::Session => "session",
        }
    }

    /// Parses a kebab-case name.
    pub fn parse(s: &str) -> Option<PolicyKind> {
        PolicyKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }

    /// Whether statements of this kind name a principal (Principal or NotPrincipal required).
    pub fn takes_principal(self) -> bool {
        matches!(
            self,
            PolicyKind::Bucket
                | PolicyKind::AccessPoint
                | PolicyKind::Resource
                | PolicyKind::Trust
                | PolicyKind::Rcp
        )
    }

    /// Whether this is one of the IAM-managed kinds, whose Sids must be alphanumeric.
    pub fn is_iam_managed(self) -> bool {
        matches!(
            self,
            PolicyKind::Identity
                | PolicyKind::PermissionsBoundary
                | PolicyKind::Session
                | PolicyKind::Scp
                | PolicyKind::Rcp
        )
    }
}

impl std::fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value with the span it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it is in the source.
    pub span: Span,
}

/// The policy language version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Version {
    /// `2012-10-17`: policy variables are substituted.
    V2012_10_17,
    /// `2008-10-17`: policy variables are literal text.
    V2008_10_17,
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The kind, given or detected.
    pub kind: PolicyKind,
    /// `Version`, if present and valid.
    pub version: Option<Spanned<Version>>,
    /// `Id`, if present.
    pub id: Option<Spanned<String>>,
    /// The statements, in source order.
    pub statements: Vec<Statement>,
    /// The span of the whole document.
    pub span: Span,
}

impl Policy {
    /// Whether policy variables are substituted (only under Version 2012-10-17).
    // AWS rule: without Version 2012-10-17, `${...}` is literal text (IAM "Version" element page).
    pub fn substitutes_variables(&self) -> bool {
        matches!(
            self.version.as_ref().map(|v| v.value),
            Some(Version::V2012_10_17)
        )
    }
}

/// Allow or Deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Effect {
    /// Grants (subject to every other layer).
    Allow,
    /// Denies, overriding any Allow.
    Deny,
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Position in the Statement array (0-based).
    pub index: usize,
    /// `Sid`, if present.
    pub sid: Option<Spanned<String>>,
    /// The effect (a statement with a missing or invalid Effect is dropped during parsing).
    pub effect: Spanned<Effect>,
    /// `Principal` or `NotPrincipal`.
    pub principal: Option<PrincipalBlock>,
    /// `Action` or `NotAction`.
    pub action: Option<ActionBlock>,
    /// `Resource` or `NotResource`.
    pub resource: Option<ResourceBlock>,
    /// The conditions, all of which must hold.
    pub conditions: Vec<Condition>,
    /// The span of the statement object.
    pub span: Span,
}

impl Statement {
    /// A human label: `Sid "x"` or `statement #n` (1-based).
    pub fn label(&self) -> String {
        match &self.sid {
            Some(sid) if !sid.value.is_empty() => format!("Sid `{}`", sid.value),
            _ => format!("statement #{}", self.index + 1),
        }
    }
}

/// A `Principal` or `NotPrincipal` element.
#[derive(Debug, Clone, PartialEq)]
pub struct PrincipalBlock {
    /// True for `NotPrincipal`.
    pub negated: bool,
    /// The listed principals (ORed).
    pub items: Vec<Principal>,
    /// The span of the element's value.
    pub span: Span,
}

/// One principal as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// Which map key it was under (or `*` alone).
    pub kind: PrincipalKind,
    /// The value as written.
    pub value: String,
    /// Where.
    pub span: Span,
}

/// The principal types of the policy grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum PrincipalKind {
    /// `"Principal": "*"`: everyone, including anonymous callers.
    Everyone,
    /// `{"AWS": ...}`.
    Aws,
    /// `{"Service": ...}`.
    Service,
    /// `{"Federated": ...}`.
    Federated,
    /// `{"CanonicalUser": ...}`.
    CanonicalUser,
}

impl PrincipalKind {
    /// The grammar's key name.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Everyone => "*",
            PrincipalKind::Aws => "AWS",
            PrincipalKind::Service => "Service",
            PrincipalKind::Federated => "Federated",
            PrincipalKind::CanonicalUser => "CanonicalUser",
        }
    }
}

/// An `Action` or `NotAction` element.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionBlock {
    /// True for `NotAction`.
    pub negated: bool,
    /// The listed action patterns (ORed).
    pub items: Vec<Spanned<String>>,
    /// The span of the element's value.
    pub span: Span,
}

/// A `Resource` or `NotResource` element.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceBlock {
    /// True for `NotResource`.
    pub negated: bool,
    /// The listed resource patterns (ORed).
    pub items: Vec<Spanned<String>>,
    /// The span of the element's value.
    pub span: Span,
}

/// One `operator: { key: values }` entry of a Condition block.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The operator.
    pub operator: Spanned<Operator>,
    /// The key as written (keys are case-insensitive).
    pub key: Spanned<String>,
    /// The values (ORed for positive operators, NORed for negated ones).
    pub values: Vec<ConditionValue>,
    /// The span of the value (string or array).
    pub values_span: Span,
}

/// A condition value as written.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionValue {
    /// The text: a JSON string's content, a number's digits, or `true`/`false`.
    pub text: String,
    /// The JSON type it was written as.
    pub json_type: ValueType,
    /// Where.
    pub span: Span,
}

/// The JSON type a condition value was written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ValueType {
    /// A JSON string.
    String,
    /// A JSON number.
    Number,
    /// A JSON boolean.
    Bool,
}

/// A condition operator: a base operator with optional qualifiers.
#[derive(Debug, Clone, PartialEq)]
pub struct Operator {
    /// The base operator.
    pub base: BaseOperator,
    /// `...IfExists`.
    pub if_exists: bool,
    /// `ForAllValues:` or `ForAnyValue:`.
    pub set: Option<SetQualifier>,
    /// The operator as written.
    pub text: String,
}

/// `ForAllValues:` or `ForAnyValue:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum SetQualifier {
    /// Every request value must satisfy the operator (true for an absent or empty set).
    ForAllValues,
    /// At least one request value must satisfy the operator.
    ForAnyValue,
}

macro_rules! base_operators {
    ($( $variant:ident => $family:ident, $negated:literal; )*) => {
        /// The base condition operators of IAM.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
        pub enum BaseOperator {
            $(
                #[doc = stringify!($variant)]
                $variant,
            )*
            /// An operator IAM does not have; the evaluator must treat it as unknown.
            Unknown,
        }

        impl BaseOperator {
            /// Every known operator.
            pub const KNOWN: &'static [BaseOperator] = &[$(BaseOperator::$variant,)*];

            /// The operator's name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(BaseOperator::$variant => stringify!($variant),)*
                    BaseOperator::Unknown => "Unknown",
                }
            }

            /// Which family of values it compares.
            pub fn family(self) -> OperatorFamily {
                match self {
                    $(BaseOperator::$variant => OperatorFamily::$family,)*
                    BaseOperator::Unknown => OperatorFamily::Unknown,
                }
            }

            /// Whether the operator is negated (true when the key is absent; values are NORed).
            pub fn is_negated(self) -> bool {
                match self {
                    $(BaseOperator::$variant => $negated,)*
                    BaseOperator::Unknown => false,
                }
            }

            /// Looks a base operator up by exact name.
            pub fn from_name(name: &str) -> Option<BaseOperator> {
                BaseOperator::KNOWN.iter().copied().find(|o| o.as_str() == name)
            }
        }
    };
}

// AWS rule: the operator list of the IAM "Condition operators" page
// (reference_policies_elements_condition_operators.html).
base_operators! {
    StringEquals => String, false;
    StringNotEquals => String, true;
    StringEqualsIgnoreCase => String, false;
    StringNotEqualsIgnoreCase => String, true;
    StringLike => String, false;
    StringNotLike => String, true;
    NumericEquals => Numeric, false;
    NumericNotEquals => Numeric, true;
    NumericLessThan => Numeric, false;
    NumericLessThanEquals => Numeric, false;
    NumericGreaterThan => Numeric, false;
    NumericGreaterThanEquals => Numeric, false;
    DateEquals => Date, false;
    DateNotEquals => Date, true;
    DateLessThan => Date, false;
    DateLessThanEquals => Date, false;
    DateGreaterThan => Date, false;
    DateGreaterThanEquals => Date, false;
    Bool => Bool, false;
    BinaryEquals => Binary, false;
    IpAddress => Ip, false;
    NotIpAddress => Ip, true;
    ArnEquals => Arn, false;
    ArnLike => Arn, false;
    ArnNotEquals => Arn, true;
    ArnNotLike => Arn, true;
    Null => Null, false;
}

/// What kind of values an operator compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum OperatorFamily {
    /// String comparison.
    String,
    /// Number comparison.
    Numeric,
    /// Date comparison.
    Date,
    /// Boolean.
    Bool,
    /// Base-64 bytes.
    Binary,
    /// IP address / CIDR.
    Ip,
    /// ARN comparison.
    Arn,
    /// Key presence.
    Null,
    /// Not an IAM operator.
    Unknown,
}

impl BaseOperator {
    /// Whether the operator's values may contain `*`/`?` wildcards.
    pub fn allows_wildcards(self) -> bool {
        matches!(
            self,
            BaseOperator::StringLike
                | BaseOperator::StringNotLike
                | BaseOperator::ArnLike
                | BaseOperator::ArnNotLike
                | BaseOperator::ArnEquals
                | BaseOperator::ArnNotEquals
        )
    }
}

impl Operator {
    /// Parses an operator name such as `ForAnyValue:StringLikeIfExists`. Unknown names give
    /// [`BaseOperator::Unknown`].
    pub fn parse(text: &str) -> Operator {
        let (set, rest) = if let Some(rest) = text.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else if let Some(rest) = text.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else {
            (None, text)
        };
        let (base_name, if_exists) = match rest.strip_suffix("IfExists") {
            Some(b) => (b, true),
            None => (rest, false),
        };
        let base = BaseOperator::from_name(base_name).unwrap_or(BaseOperator::Unknown);
        Operator {
            base,
            if_exists,
            set,
            text: text.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_parse_with_qualifiers() {
        let op = Operator::parse("ForAnyValue:StringNotLikeIfExists");
        assert_eq!(op.base, BaseOperator::StringNotLike);
        assert!(op.if_exists);
        assert_eq!(op.set, Some(SetQualifier::ForAnyValue));
        assert!(op.base.is_negated());
        assert_eq!(Operator::parse("StringEqual").base, BaseOperator::Unknown);
        assert_eq!(Operator::parse("stringequals").base, BaseOperator::Unknown);
        assert_eq!(Operator::parse("NullIfExists").base, BaseOperator::Null);
    }
}
