//! The registry of finding codes: every code has a stable id, a kebab-case name, a default
//! severity, a one-line summary and a documentation page under `docs/rules/`.
//!
//! Codes are never reused or renumbered: users key suppressions and CI gates on them.
//! `E0xx` are JSON and document-shape errors, `P1xx`–`P5xx` policy grammar and validation,
//! `S1xx`–`S5xx` the risk audit (public access, transport and encryption, grants, dead
//! statements, configuration), `C0xx` the configuration file.

use serde::Serialize;

/// How serious a finding is. Ordered: `Note < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing is wrong.
    Note,
    /// Probably a mistake, or a risk.
    Warning,
    /// AWS would reject the document, or it cannot mean what it says.
    Error,
}

impl Severity {
    /// Lowercase name, as used in output and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses `note`, `warning` or `error` (case-insensitive).
    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "note" | "info" => Some(Severity::Note),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Static facts about one code.
#[derive(Debug)]
pub struct RuleInfo {
    /// Stable id, e.g. `P203`.
    pub code: &'static str,
    /// Stable kebab-case name, e.g. `unknown-action`.
    pub name: &'static str,
    /// Severity unless configured otherwise.
    pub severity: Severity,
    /// One line, lowercase, no final period.
    pub summary: &'static str,
    /// The documentation page (Markdown).
    pub doc: &'static str,
}

macro_rules! codes {
    ($( $variant:ident = ($code:literal, $name:literal, $sev:ident, $summary:literal), )*) => {
        /// Every finding code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(
                #[doc = $summary]
                $variant,
            )*
        }

        /// All codes with their facts, in code order.
        pub static RULES: &[RuleInfo] = &[
            $(RuleInfo {
                code: $code,
                name: $name,
                severity: Severity::$sev,
                summary: $summary,
                doc: include_str!(concat!("../docs/rules/", $code, ".md")),
            },)*
        ];

        impl Code {
            /// All codes, in the order of [`RULES`].
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];
        }
    };
}

codes! {
    JsonSyntax = ("E001", "json-syntax", Error, "the file is not strict JSON"),
    DuplicateKey = ("E002", "duplicate-key", Error, "a key appears twice in one object"),
    CaseVariantKey = ("E003", "case-variant-key", Error, "two keys in one policy element differ only by case"),
    InputLimit = ("E004", "input-limit", Error, "the input exceeds a size or nesting limit"),
    InvalidUtf8 = ("E005", "invalid-utf8", Error, "the file is not valid UTF-8"),
    ByteOrderMark = ("E006", "byte-order-mark", Note, "the file starts with a byte-order mark"),
    NotAPolicy = ("E007", "not-a-policy", Warning, "the JSON is neither a policy nor a recognised AWS document"),
    WrongType = ("E008", "wrong-type", Error, "an element has the wrong JSON type"),
    UnknownElement = ("P101", "unknown-element", Error, "an element name that the policy grammar does not have"),
    MissingVersion = ("P102", "missing-version", Warning, "the policy has no Version, so policy variables are not substituted"),
    InvalidVersion = ("P103", "invalid-version", Error, "the Version is not 2012-10-17 or 2008-10-17"),
    VariablesNeedVersion = ("P104", "variables-need-version", Warning, "policy variables are literal text without Version 2012-10-17"),
    MissingStatement = ("P105", "missing-statement", Error, "the policy has no Statement"),
    MissingEffect = ("P106", "missing-effect", Error, "a statement has no Effect"),
    InvalidEffect = ("P107", "invalid-effect", Error, "the Effect is not exactly Allow or Deny"),
    MissingAction = ("P108", "missing-action", Error, "a statement has neither Action nor NotAction"),
    MissingResource = ("P109", "missing-resource", Error, "a statement has neither Resource nor NotResource"),
    UnexpectedPrincipal = ("P110", "unexpected-principal", Error, "Principal or NotPrincipal in a policy kind that does not take one"),
    MissingPrincipal = ("P111", "missing-principal", Error, "a resource-policy statement has neither Principal nor NotPrincipal"),
    ConflictingElements = ("P112", "conflicting-elements", Error, "an element appears together with its Not form"),
    EmptyValue = ("P113", "empty-value", Error, "an empty string, array or object where a value is required"),
    InvalidSid = ("P114", "invalid-sid", Error, "a Sid with characters the policy kind does not allow"),
    DuplicateSid = ("P115", "duplicate-sid", Error, "two statements have the same Sid"),
    NotPrincipalWithAllow = ("P116", "not-principal-with-allow", Warning, "NotPrincipal with Allow grants access to everyone not listed"),
    InvalidPrincipal = ("P117", "invalid-principal", Error, "a principal that AWS does not accept"),
    PolicyTooLarge = ("P118", "policy-too-large", Error, "the policy exceeds the size quota of its kind"),
    KindConstraint = ("P119", "kind-constraint", Error, "the statement breaks a rule of this policy kind (SCP, RCP, ...)"),
    IdInIdentityPolicy = ("P120", "id-in-identity-policy", Note, "an Id element in an identity policy has no effect"),
    InvalidAction = ("P201", "invalid-action", Error, "an action that is not of the form service:Action"),
    ServiceWildcard = ("P202", "service-wildcard", Error, "a wildcard in an action's service prefix"),
    UnknownService = ("P203", "unknown-service", Warning, "an action of a service the catalogue does not know"),
    UnknownAction = ("P204", "unknown-action", Warning, "an action the service does not have"),
    ActionMatchesNothing = ("P205", "action-matches-nothing", Warning, "an action pattern that matches no known action"),
    MalformedArn = ("P301", "malformed-arn", Error, "a resource that is neither `*` nor a well-formed ARN"),
    S3ArnRegionOrAccount = ("P302", "s3-arn-region-or-account", Error, "an S3 bucket or object ARN with a region or account"),
    ResourceTypeMismatch = ("P303", "resource-type-mismatch", Warning, "an action paired only with resources of types it does not accept"),
    UnknownOperator = ("P401", "unknown-operator", Error, "a condition operator that IAM does not have"),
    UnknownConditionKey = ("P402", "unknown-condition-key", Warning, "a condition key that is neither global nor a key of the service"),
    ConditionValueType = ("P403", "condition-value-type", Error, "a condition value of the wrong type for its operator"),
    NullWithIfExists = ("P404", "null-with-if-exists", Error, "the Null operator with an IfExists suffix"),
    ForAllValuesSingleValued = ("P405", "for-all-values-single-valued", Warning, "ForAllValues on a single-valued key is true when the key is absent"),
    MissingSetQualifier = ("P406", "missing-set-qualifier", Warning, "a multi-valued key with a bare operator never matches"),
    WildcardInNonLike = ("P407", "wildcard-in-non-like", Warning, "a wildcard in the value of an operator that compares literally"),
    PrivateIpInSourceIp = ("P408", "private-ip-in-source-ip", Warning, "a private IP range in aws:SourceIp, which only sees public addresses"),
    InvalidVariable = ("P409", "invalid-variable", Error, "a malformed policy variable"),
    VariableNotAllowed = ("P410", "variable-not-allowed", Warning, "a policy variable where AWS does not substitute one"),
    KeyNotSupported = ("P411", "key-not-supported", Warning, "a condition key that none of the statement's actions supports"),
    RedundantStatement = ("P501", "redundant-statement", Warning, "a statement that another statement of the policy already covers"),
    RedundantAction = ("P502", "redundant-action", Note, "an action that another action of the same statement already covers"),
    RedundantResource = ("P503", "redundant-resource", Note, "a resource that another resource of the same statement already covers"),
    DocumentShape = ("E009", "document-shape", Error, "an AWS document does not have the shape the AWS CLI prints"),
    BucketFolder = ("E010", "bucket-folder", Error, "a bucket folder's manifest or files do not fit together"),
    ReferenceOutsideRoot = ("E011", "reference-outside-root", Error, "a path a document names leads outside the tree being checked"),
    PublicRead = ("S101", "public-read", Error, "a public policy statement lets anyone read objects or bucket configuration"),
    PublicWrite = ("S102", "public-write", Error, "a public policy statement lets anyone write or delete"),
    PublicList = ("S103", "public-list", Error, "a public policy statement lets anyone list the bucket"),
    PublicPermissionsManagement = ("S104", "public-permissions-management", Error, "a public policy statement lets anyone change policies or ACLs"),
    PublicAclGrant = ("S105", "public-acl-grant", Error, "an ACL grant to All Users or Authenticated Users"),
    InsecureTransportAllowed = ("S201", "insecure-transport-allowed", Warning, "some request over plain HTTP is not refused"),
    UnencryptedUploadAllowed = ("S202", "unencrypted-upload-allowed", Warning, "the policy means to force encryption but some upload gets through"),
    SseCOverHttp = ("S203", "sse-c-over-http", Warning, "requests with customer-provided keys over plain HTTP are not refused"),
    KmsKeyOfAnotherAccount = ("S204", "kms-key-of-another-account", Warning, "uploads are encrypted with a KMS key of another account"),
    DefaultEncryptionMissing = ("S205", "default-encryption-missing", Warning, "the bucket has no default encryption"),
    CrossAccountAccess = ("S301", "cross-account-access", Warning, "a grant to an account or organisation that is not the owner's or trusted"),
    WildcardAction = ("S302", "wildcard-action", Warning, "a resource-policy Allow of every S3 action"),
    NotActionWithAllow = ("S303", "not-action-with-allow", Warning, "NotAction with Allow grants every action but those listed"),
    NotResourceWithAllow = ("S304", "not-resource-with-allow", Warning, "NotResource with Allow grants on every resource but those listed"),
    SpoofableConditionOnly = ("S305", "spoofable-condition-only", Warning, "a public grant limited only by a header any client can set"),
    PermissionsManagementGranted = ("S306", "permissions-management-granted", Error, "policy, ACL or Block Public Access changes granted beyond the owner account"),
    ServiceGrantUnpinned = ("S307", "service-grant-unpinned", Warning, "a grant to an AWS service principal that no condition ties to the account or resource it acts for (confused deputy)"),
    KeyDecryptOutsideAccount = ("S308", "key-decrypt-outside-account", Warning, "a KMS key policy lets callers outside the key's account, or anyone, decrypt"),
    DenyNeverMatches = ("S401", "deny-never-matches", Warning, "a Deny statement that no request can match"),
    BlockPublicAccessOff = ("S501", "block-public-access-off", Warning, "Block Public Access is not fully on at some level"),
    AclsEnabled = ("S502", "acls-enabled", Warning, "ACLs are enabled (Object Ownership is not BucketOwnerEnforced)"),
    AccessLoggingOff = ("S503", "access-logging-off", Warning, "server access logging is off"),
    LoggingLoop = ("S504", "logging-loop", Warning, "the bucket delivers its access logs into itself"),
    LoggingTargetOtherRegion = ("S505", "logging-target-other-region", Warning, "the access log target is in another region"),
    VersioningOff = ("S506", "versioning-off", Warning, "versioning is not enabled"),
    MfaDeleteOff = ("S507", "mfa-delete-off", Note, "a versioned bucket without MFA Delete"),
    GovernanceBypassGranted = ("S508", "governance-bypass-granted", Warning, "s3:BypassGovernanceRetention granted broadly on a governance-mode bucket"),
    CorsAnyOriginWrite = ("S509", "cors-any-origin-write", Warning, "CORS allows write methods from any origin"),
    PresignedUrlUnlimited = ("S510", "presigned-url-unlimited", Note, "nothing limits presigned URLs (s3:signatureAge, s3:authType)"),
    AccessPointInternetOrigin = ("S511", "access-point-internet-origin", Note, "an access point that takes requests from the Internet"),
    LogDeliveryRefused = ("S512", "log-delivery-refused", Warning, "the access log target's policy and ACL do not let S3's log delivery write this bucket's logs"),
    ObjectEventsNotLogged = ("S513", "object-events-not-logged", Note, "no CloudTrail trail records the bucket's object-level reads and writes (data events)"),
    AwsManagedKeyShared = ("S514", "aws-managed-key-shared", Warning, "objects are encrypted with the AWS managed aws/s3 key, but another account may read them: its reads fail"),
    ReadableNotDecryptable = ("S515", "readable-not-decryptable", Note, "another account S3 lets read objects cannot decrypt them with the bucket's KMS key (broken access)"),
    NotificationDestinationRefused = ("S516", "notification-destination-refused", Warning, "an event notification destination's policy does not let S3 deliver this bucket's events"),
    NotificationDestinationOpen = ("S517", "notification-destination-open", Warning, "any AWS account may publish to, send to or invoke an event notification destination, or read its events"),
    NotificationDestinationUnchecked = ("S518", "notification-destination-unchecked", Note, "an event notification destination whose policy the bucket folder does not hold: not checked"),
    ObjectLockMissing = ("S519", "object-lock-missing", Warning, "the bucket has no Object Lock, where the configuration expects retention"),
    VaultLockAllowsEarlyDelete = ("S520", "vault-lock-allows-early-delete", Warning, "a Glacier vault lock policy that does not deny deleting archives younger than a retention period"),
    VaultLockLocked = ("S521", "vault-lock-locked", Note, "a Glacier vault lock is Locked: its policy can never be changed or removed"),
    NotificationDestinationKeyRefused = ("S523", "notification-destination-key-refused", Warning, "an encrypted event notification destination whose KMS key does not let S3 encrypt the bucket's events"),
    InvalidConfig = ("C001", "invalid-config", Error, "the configuration file has an unknown key or a bad value"),
    UnusedSuppression = ("C002", "unused-suppression", Note, "a suppression in the configuration matches no finding"),
    YamlSyntax = ("E012", "yaml-syntax", Error, "the template is not valid YAML"),
    TemplateError = ("E013", "template-error", Error, "an intrinsic function or reference that CloudFormation would reject"),
    TemplateUnsupported = ("E014", "template-unsupported", Note, "a template construct s3-access does not follow (its contents are unknown)"),
    TerraformSyntax = ("E015", "terraform-syntax", Error, "a .tf file is not valid HCL, or a plan or local module cannot be read"),
    UnknownValue = ("E016", "unknown-value", Note, "a value an IaC file leaves unknown offline, so the checks that read it are uncertain"),
    SuppressionComment = ("C004", "suppression-comment", Warning, "a suppression comment in an IaC file without a reason or with a code s3-access does not have"),
    InvalidBaseline = ("C003", "invalid-baseline", Error, "the baseline file is not one `lint --write-baseline` writes"),
}

/// Codes off unless configured: true statements that few act on, which would drown the
/// findings that matter (S510: nearly every bucket policy has no presigned-URL limit; S519:
/// few buckets need Object Lock, so its absence matters only where retention is expected).
pub const OFF_BY_DEFAULT: &[Code] = &[Code::PresignedUrlUnlimited, Code::ObjectLockMissing];

impl Code {
    /// The static facts for this code.
    pub fn info(self) -> &'static RuleInfo {
        // INVARIANT: `Code` and `RULES` are generated together, in the same order.
        &RULES[self as usize]
    }

    /// The stable id, e.g. `P203`.
    pub fn as_str(self) -> &'static str {
        self.info().code
    }

    /// The stable kebab-case name.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The default severity.
    pub fn severity(self) -> Severity {
        self.info().severity
    }

    /// Whether the code is reported without configuration. A code off by default is reported
    /// only when `[rules]` in `.s3-access.toml` gives it a level (see [`OFF_BY_DEFAULT`]).
    pub fn on_by_default(self) -> bool {
        !OFF_BY_DEFAULT.contains(&self)
    }

    /// Finds a code by id or name (case-insensitive).
    pub fn lookup(s: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(s) || c.name().eq_ignore_ascii_case(s))
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for r in RULES {
            assert!(codes.insert(r.code), "duplicate code {}", r.code);
            assert!(names.insert(r.name), "duplicate name {}", r.name);
            assert!(
                r.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            );
            assert!(
                !r.summary.ends_with('.'),
                "{}: summary ends with a period",
                r.code
            );
        }
        assert_eq!(Code::ALL.len(), RULES.len());
        for c in Code::ALL {
            assert_eq!(Code::lookup(c.as_str()), Some(*c));
            assert_eq!(Code::lookup(c.name()), Some(*c));
        }
    }

    #[test]
    fn every_code_has_a_doc_page_with_the_required_headings() {
        for r in RULES {
            assert!(
                r.doc.starts_with(&format!("# {} {}", r.code, r.name)),
                "{}: title",
                r.code
            );
            for heading in [
                "## What it flags",
                "## Why it matters",
                "## Example",
                "## Fix",
                "## Reference",
            ] {
                assert!(r.doc.contains(heading), "{} lacks `{heading}`", r.code);
            }
        }
    }
}
