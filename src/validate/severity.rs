//! The one place where a finding's severity depends on the policy kind or on the statement it
//! is in; the rule is written in `docs/severities.md`.
//!
//! Two steps, because they mean different things:
//! - [`of`], applied by validation: what the service that stores a policy of this kind
//!   rejects is an error for that kind. Such a policy cannot be in force, so `query`,
//!   `public` and `check` refuse to evaluate it, as they always have for errors.
//! - [`in_run`], applied by `lint` (through the configuration step): a Deny that a mistake
//!   keeps from ever applying as written fails the default run, although AWS stores the
//!   policy. It is not evaluated as rejected: AWS enforces it as written, so `query` still
//!   answers for it (and flags the answer as uncertain).

use crate::diagnostic::Finding;
use crate::policy::{Effect, Policy, PolicyKind};
use crate::registry::{Code, Severity};

/// The severity of `code` in a policy of `kind`: the registry's default unless the service
/// that stores the policy rejects it (or, for the size quota, may not).
pub fn of(code: Code, kind: PolicyKind) -> Severity {
    let s3_stored = matches!(kind, PolicyKind::Bucket | PolicyKind::AccessPoint);
    match code {
        // AWS rule: S3 rejects a bucket policy naming an action it does not know
        // (PutBucketPolicy: MalformedPolicy "Policy has invalid action"); IAM stores identity
        // policies with unknown actions (AWS managed policies still name retired services).
        Code::UnknownService | Code::UnknownAction if s3_stored => Severity::Error,
        // AWS rule: S3 rejects a bucket policy with a condition key that none of a statement's
        // actions supports (MalformedPolicy "Conditions do not apply to combination of
        // actions and resources in statement").
        Code::KeyNotSupported if s3_stored => Severity::Error,
        // AWS rule: S3 rejects a bucket policy whose action applies to none of the statement's
        // resources ("Action does not apply to any resource(s) in statement").
        Code::ResourceTypeMismatch if s3_stored => Severity::Error,
        // AWS rule: IAM quotas page: AWS managed policies are exempt from the 6,144-character
        // quota, so an identity policy over it may be one IAM stored; other kinds are
        // enforced on the document itself (S3 20 KB, Organizations 5,120, sessions 2,048).
        Code::PolicyTooLarge
            if matches!(kind, PolicyKind::Identity | PolicyKind::PermissionsBoundary) =>
        {
            Severity::Warning
        }
        _ => code.severity(),
    }
}

/// The severity a `lint` run gives `finding`, found in one of `policies`: an unknown or
/// foreign condition key in a Deny statement is an error, because the key is absent from
/// every request, so the Deny never applies (or, under a negated operator, always does) and
/// what it means to refuse is not refused. Otherwise the finding's own severity.
// AWS rule: IAM "Condition element": a condition on a key absent from the request context is
// false (true for the negated operators and ...IfExists).
pub fn in_run(finding: &Finding, policies: &[Policy]) -> Severity {
    let keyed = matches!(
        finding.code,
        Code::UnknownConditionKey | Code::KeyNotSupported
    );
    let in_deny = || {
        policies
            .iter()
            .flat_map(|p| &p.statements)
            .find(|s| s.span.start <= finding.span.start && finding.span.end <= s.span.end)
            .is_some_and(|s| s.effect.value == Effect::Deny)
    };
    if keyed && finding.severity < Severity::Error && in_deny() {
        Severity::Error
    } else {
        finding.severity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_rejections_are_errors_only_in_the_policies_s3_stores() {
        for code in [
            Code::UnknownAction,
            Code::UnknownService,
            Code::KeyNotSupported,
        ] {
            assert_eq!(of(code, PolicyKind::Bucket), Severity::Error);
            assert_eq!(of(code, PolicyKind::AccessPoint), Severity::Error);
            assert_eq!(of(code, PolicyKind::Identity), Severity::Warning);
            assert_eq!(of(code, PolicyKind::Scp), Severity::Warning);
        }
        assert_eq!(
            of(Code::ResourceTypeMismatch, PolicyKind::Scp),
            Severity::Warning
        );
        assert_eq!(
            of(Code::PolicyTooLarge, PolicyKind::Identity),
            Severity::Warning
        );
        assert_eq!(
            of(Code::PolicyTooLarge, PolicyKind::Session),
            Severity::Error
        );
    }

    #[test]
    fn every_code_whose_severity_depends_on_the_kind_says_so_on_its_page() {
        for &code in Code::ALL {
            let differs = PolicyKind::ALL
                .iter()
                .any(|&k| of(code, k) != code.severity());
            let first = code.info().doc.lines().nth(2).unwrap_or_default();
            assert_eq!(
                differs,
                first.contains(" in bucket and access point policies")
                    || first.contains(" in identity policies"),
                "{code}: the page's summary line must name the kinds where the severity differs: {first}"
            );
        }
    }
}
