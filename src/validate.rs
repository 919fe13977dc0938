//! Validation of a parsed policy against the AWS catalogue and the rules of the language, one
//! series of codes per module: the document (P1xx), actions (P2xx), resources (P3xx),
//! conditions (P4xx) and redundancy (P5xx).

mod actions;
mod conditions;
mod document;
mod redundancy;
mod resources;
pub mod severity;

use crate::catalog::{Action, Service};
use crate::diagnostic::Finding;
use crate::policy::{Policy, Statement};
use crate::source::{SourceFile, Span};
use crate::wildcard::Pattern;
use conditions::{ConditionKeys, KeyScope, Unsubstituted};
use resources::Memo;
pub use resources::action_accepts_resource;

/// Runs every validation on `policy`; `file` gives the source text (for sizes and sub-spans).
pub fn validate(policy: &Policy, file: &SourceFile, out: &mut Vec<Finding>) {
    let mut v = Validator {
        policy,
        file,
        out,
        memo: Memo::default(),
        keys: ConditionKeys::default(),
    };
    v.document();
    for s in &policy.statements {
        v.statement(s);
    }
    v.redundant_statements();
}

/// One policy being validated: the series add their methods to it and push through [`Self::push`].
struct Validator<'a> {
    policy: &'a Policy,
    file: &'a SourceFile,
    out: &'a mut Vec<Finding>,
    /// Resource-type answers shared by every statement of the policy.
    memo: Memo<'a>,
    /// Condition keys looked up so far, shared by every statement of the policy.
    keys: ConditionKeys<'a>,
}

impl<'a> Validator<'a> {
    fn push(&mut self, mut f: Finding) {
        // A rule that chose a severity itself keeps it; otherwise the kind decides.
        if f.severity == f.code.severity() {
            f.severity = severity::of(f.code, self.policy.kind);
        }
        // One past the limit, so the report can tell that findings were dropped.
        if self.out.len() <= crate::diagnostic::MAX_FINDINGS {
            self.out.push(f);
        }
    }

    /// The checks of one statement, in the order their findings are pushed.
    fn statement(&mut self, s: &'a Statement) {
        self.kind_rules(Some(s));
        for p in s.principal.iter().flat_map(|b| &b.items) {
            self.variable_not_allowed(Unsubstituted::Principal, p.span, &p.value);
        }
        let services = self.actions(s);
        self.resources(s);
        self.resource_types(s);
        let scope = KeyScope::of(s);
        for c in &s.conditions {
            self.condition(c, &services, &scope);
        }
    }
}

/// The span of `inner` (a byte range of a string value's content) within the literal `lit`,
/// when the literal has no escapes (so offsets map 1:1); otherwise the whole literal.
fn sub_span(file: &SourceFile, lit: Span, value: &str, range: std::ops::Range<usize>) -> Span {
    let raw = file.slice(lit);
    if raw.len() == value.len() + 2 && raw.get(1..raw.len() - 1) == Some(value) {
        let start = lit.start as usize + 1 + range.start;
        Span::new(start, start + range.len().max(1))
    } else {
        lit
    }
}

/// The span of the first `${...}` in a string value (the whole value if it cannot be located).
fn variable_span(file: &SourceFile, lit: Span, value: &str) -> Span {
    let start = value.find("${").unwrap_or(0);
    let end = value
        .get(start..)
        .and_then(|r| r.find('}'))
        .map_or(value.len(), |e| start + e + 1);
    sub_span(file, lit, value, start..end)
}

/// The actions of `service` that an action-name `pattern` can match: those sharing its literal
/// prefix (a binary search in the sorted table) when the prefix is ASCII, else all of them.
/// Catalogue names are ASCII, so a match must start with the prefix under ASCII folding.
fn candidate_actions(service: &'static Service, pattern: &Pattern) -> &'static [Action] {
    let prefix = pattern.literal_prefix();
    if prefix.is_ascii() {
        service.actions_with_prefix(prefix)
    } else {
        service.actions()
    }
}

fn suggest_closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    crate::suggest::closest(word, candidates.iter().copied())
}
