//! P2xx: each action is `service:action`, of a known service, naming a known action.

use super::conditions::Unsubstituted;
use super::{Validator, candidate_actions, sub_span, suggest_closest};
use crate::catalog::{self, Action, Service};
use crate::diagnostic::Finding;
use crate::policy::{PolicyKind, Statement};
use crate::registry::{Code, Severity};
use crate::wildcard::{Case, Pattern};

impl Validator<'_> {
    // rule: P201 P202 P203 P204 P205
    /// Checks each action and returns the services the statement's actions belong to.
    pub(super) fn actions(&mut self, s: &Statement) -> Vec<&'static Service> {
        let mut services: Vec<&'static Service> = Vec::new();
        let Some(block) = &s.action else {
            return services;
        };
        for item in &block.items {
            let text = item.value.as_str();
            if text == "*" || text.is_empty() {
                continue;
            }
            if self.variable_not_allowed(Unsubstituted::Action, item.span, text) {
                continue;
            }
            // AWS rule: actions are `service:action`, no spaces or commas (IAM "Action" element page).
            let Some((svc, name)) = text.split_once(':') else {
                self.push(
                    Finding::new(
                        Code::InvalidAction,
                        item.span,
                        format!("`{text}` is not of the form `service:action`"),
                    )
                    .with_help(
                        "write the service prefix, a colon and the action, e.g. \"s3:GetObject\"",
                    ),
                );
                continue;
            };
            if svc.is_empty()
                || name.is_empty()
                || text.chars().any(|c| c.is_whitespace() || c == ',')
                || name.contains(':')
            {
                self.push(Finding::new(Code::InvalidAction, item.span, format!("`{text}` is not a valid action")).with_help(
                    "an action has no spaces, commas or second colon; list several actions as separate strings",
                ));
                continue;
            }
            if svc.contains(['*', '?']) {
                self.push(
                    Finding::new(Code::ServiceWildcard, sub_span(self.file, item.span, text, 0..svc.len()), format!("wildcard in the service prefix of `{text}`"))
                        .with_help("wildcards are allowed only in the action name; list the services, or use \"*\""),
                );
                continue;
            }
            let Some(service) = catalog::service(svc) else {
                if let Some(what) = catalog::retired_service(svc) {
                    self.retired_service(
                        sub_span(self.file, item.span, text, 0..svc.len()),
                        svc,
                        what,
                    );
                    continue;
                }
                let hint = catalog::services()
                    .iter()
                    .map(|s| s.prefix())
                    .collect::<Vec<_>>();
                let mut f = Finding::new(
                    Code::UnknownService,
                    sub_span(self.file, item.span, text, 0..svc.len()),
                    format!("unknown service prefix `{svc}`"),
                );
                f = match suggest_closest(svc, &hint) {
                    Some(h) => f.with_help(format!(
                        "did you mean `{h}`? (the catalogue is {}; a new service may be missing)",
                        catalog::data_version()
                    )),
                    None => f.with_help(format!(
                        "the catalogue is {}; a new service may be missing",
                        catalog::data_version()
                    )),
                };
                self.push(f);
                continue;
            };
            if !services.iter().any(|x| std::ptr::eq(*x, service)) {
                services.push(service);
            }
            let name_span = sub_span(self.file, item.span, text, svc.len() + 1..text.len());
            if name.contains(['*', '?']) {
                let pattern = Pattern::new(name);
                if !candidate_actions(service, &pattern)
                    .iter()
                    .any(|a| pattern.is_match(a.name(), Case::Insensitive))
                {
                    self.push(
                        Finding::new(
                            Code::ActionMatchesNothing,
                            name_span,
                            format!("`{text}` matches no {svc} action"),
                        )
                        .with_help(format!(
                            "check the spelling; the catalogue is {}",
                            catalog::data_version()
                        )),
                    );
                }
            } else if service.action(name).is_none() {
                let names: Vec<&str> = service.actions().iter().map(Action::name).collect();
                let mut f = Finding::new(
                    Code::UnknownAction,
                    name_span,
                    format!("`{svc}` has no action `{name}`"),
                );
                f = match suggest_closest(name, &names) {
                    Some(h) => f.with_help(format!("did you mean `{svc}:{h}`?")),
                    None => f.with_help(format!(
                        "the catalogue is {}; a new action may be missing",
                        catalog::data_version()
                    )),
                };
                self.push(f);
            }
        }
        self.redundant_actions(&block.items);
        services
    }

    /// P203 for a service AWS retired: a note (the statement is stale, not misspelt), except
    /// where S3 rejects the policy for it, which the kind's severity makes an error.
    fn retired_service(&mut self, span: crate::source::Span, svc: &str, what: &str) {
        let mut f = Finding::new(
            Code::UnknownService,
            span,
            format!("`{svc}` is a retired service prefix ({what}): its actions match no request"),
        )
        .with_help("remove the actions of the retired service, or keep them knowingly");
        if !matches!(
            self.policy.kind,
            PolicyKind::Bucket | PolicyKind::AccessPoint
        ) {
            f = f.with_severity(Severity::Note);
        }
        self.push(f);
    }
}
