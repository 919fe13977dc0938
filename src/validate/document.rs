//! P1xx: rules of the whole document and of its kind (Id, size quotas, RCP syntax, Version).

use super::{Validator, variable_span};
use crate::diagnostic::Finding;
use crate::policy::{Effect, PolicyKind, PrincipalKind, Statement};
use crate::registry::Code;
use crate::source::Span;

impl Validator<'_> {
    // rule: P120
    /// The document-level checks, run before any statement's.
    pub(super) fn document(&mut self) {
        let p = self.policy;
        if (p.kind == PolicyKind::Identity || p.kind == PolicyKind::PermissionsBoundary)
            && let Some(id) = &p.id
        {
            self.push(
                    Finding::new(Code::IdInIdentityPolicy, id.span, "`Id` has no effect in an identity policy")
                        .with_help("IAM ignores Id in identity policies; remove it or use it only in resource policies"),
                );
        }
        self.size();
        self.kind_rules(None);
    }

    // rule: P118
    /// Policy size quotas per kind.
    // AWS rule: IAM and STS quotas page (managed 6,144 chars without whitespace; session 2,048),
    // Organizations quotas (SCP/RCP 5,120 chars with whitespace), S3 bucket policy 20 KB.
    fn size(&mut self) {
        let p = self.policy;
        let text = self.file.slice(p.span);
        // The severity by kind (a warning for identity policies) is in `severity::of`.
        let (limit, counted, what) = match p.kind {
            PolicyKind::Bucket | PolicyKind::AccessPoint => (20 * 1024, text.len(), "bytes"),
            PolicyKind::Scp | PolicyKind::Rcp => (5_120, text.chars().count(), "characters"),
            PolicyKind::Session => (
                2_048,
                text.chars().filter(|c| !c.is_whitespace()).count(),
                "characters",
            ),
            PolicyKind::Identity | PolicyKind::PermissionsBoundary => (
                6_144,
                text.chars().filter(|c| !c.is_whitespace()).count(),
                "characters without whitespace",
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
                .with_help("split it into several policies, or use wildcards and fewer statements"),
            );
        }
    }

    // rule: P119
    /// The rules of the policy's kind (today those of RCPs) for statement `s`, or for the
    /// document itself when `s` is `None`.
    pub(super) fn kind_rules(&mut self, s: Option<&Statement>) {
        let p = self.policy;
        if p.kind != PolicyKind::Rcp {
            return;
        }
        let Some(s) = s else {
            if p.version.as_ref().map(|v| v.value) != Some(crate::policy::Version::V2012_10_17) {
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
            return;
        };
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
        if let Some(p) = &s.principal
            && (p.negated
                || p.items.iter().any(|i| {
                    !(i.kind == PrincipalKind::Everyone
                        || (i.kind == PrincipalKind::Aws && i.value == "*"))
                }))
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

    // rule: P104
    /// Whether the policy variables in `text` stay literal text because the policy lacks
    /// Version 2012-10-17; reported if so.
    pub(super) fn variables_need_version(&mut self, span: Span, text: &str) -> bool {
        if self.policy.substitutes_variables() {
            return false;
        }
        self.push(
            Finding::new(
                Code::VariablesNeedVersion,
                variable_span(self.file, span, text),
                format!("`{text}` is literal text: policy variables need Version 2012-10-17"),
            )
            .with_help("set \"Version\": \"2012-10-17\""),
        );
        true
    }
}
