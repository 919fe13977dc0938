//! Glacier Vault Lock policies, read from `aws glacier get-vault-lock` output or written on
//! their own: a lock that does not refuse deleting young archives (S520), and a lock that can
//! no longer be changed (S521). AWS rule: a vault lock policy enforces retention with a Deny of
//! `glacier:DeleteArchive` to everyone while `glacier:ArchiveAgeInDays` is below the period,
//! and once the lock is completed (`Locked`) the policy cannot be changed or removed (Glacier
//! "Vault Lock" and "Vault Lock Policies" pages, API "Complete Vault Lock").
//!
//! "A Vault Lock policy is a vault access policy that you can lock" (Glacier "Vault Lock
//! Policies"): a policy file on its own does not say which of the two it is. One written as a
//! lock policy is (only Deny statements, on Glacier) is read as one; one that allows anything
//! is an access policy, which may be changed at any time, so retention is not asked of it.

use crate::diagnostic::Finding;
use crate::eval::{Caller, Decision, Graph, Layer, Request, decide};
use crate::json::{self, Value};
use crate::policy::Policy;
use crate::registry::Code;
use crate::source::SourceFile;

use crate::audit::NOW;

/// The vault and account probed when the policy names no vault ARN.
const SOME_VAULT: &str = "arn:aws:glacier:us-east-1:111122223333:vaults/vault";

/// Where a Glacier policy comes from, as far as S520 and S521 are concerned.
enum Form<'v> {
    /// The lock policy of `get-vault-lock` output, with the lock's `State`.
    Lock(&'v Value),
    /// A policy written on its own (the file, or the `{"Policy": ".."}` that
    /// `aws glacier initiate-vault-lock --policy` takes) with only Deny statements.
    LockShaped,
}

/// Runs S520 and S521 on `policy` when it is the lock policy of `get-vault-lock` output in
/// `source`, S520 alone on a lock-shaped policy written on its own; nothing for any other
/// policy (an access policy may be changed at any time, so retention is not asked of it).
pub fn check(policy: &Policy, source: &SourceFile) -> Vec<Finding> {
    if !mentions_glacier(policy) {
        return Vec::new();
    }
    let Ok(root) = json::parse(source.text()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    match form(policy, &root) {
        Some(Form::Lock(state)) => {
            out.extend(early_delete(policy, source, false));
            out.extend(locked(state));
        }
        Some(Form::LockShaped) => out.extend(early_delete(policy, source, true)),
        None => {}
    }
    out
}

/// How `policy` (a policy of the file whose JSON is `root`) is read: a lock policy of
/// `get-vault-lock` output, a lock-shaped policy on its own, or neither.
fn form<'v>(policy: &Policy, root: &'v Value) -> Option<Form<'v>> {
    let inside = |literal: &Value| {
        policy.span.start >= literal.span.start && policy.span.end <= literal.span.end
    };
    if let Some((literal, state)) = crate::document::vault_lock(root) {
        return inside(literal).then_some(Form::Lock(state));
    }
    let alone = policy.span == root.span
        || root.as_object().is_some_and(|m| m.len() == 1)
            && root
                .get("Policy")
                .is_some_and(|p| matches!(p.kind, crate::json::Kind::String(_)) && inside(p));
    let deny_only = !policy.statements.is_empty()
        && policy
            .statements
            .iter()
            .all(|st| st.effect.value == crate::policy::Effect::Deny);
    (alone && deny_only).then_some(Form::LockShaped)
}

/// Whether an action or resource of the policy is Glacier's: the only policies whose file
/// is worth reading again.
fn mentions_glacier(policy: &Policy) -> bool {
    policy.statements.iter().any(|st| {
        let actions = st.action.iter().flat_map(|a| &a.items);
        let resources = st.resource.iter().flat_map(|r| &r.items);
        actions
            .map(|a| a.value.as_str())
            .chain(resources.map(|r| r.value.as_str()))
            .any(|v| {
                let v = v.to_ascii_lowercase();
                v.starts_with("glacier:") || v.contains(":glacier:")
            })
    })
}

/// The vault ARNs the policy's statements name (wildcards made concrete), else one vault.
fn vaults(policy: &Policy) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for st in &policy.statements {
        for r in st
            .resource
            .iter()
            .filter(|b| !b.negated)
            .flat_map(|b| &b.items)
        {
            let arn = r.value.replace(['*', '?'], "x");
            let is_vault = crate::arn::parse(&arn).is_ok_and(|a| {
                a.service == "glacier"
                    && crate::arn::is_account_id(a.account)
                    && a.resource.starts_with("vaults/")
            });
            if is_vault && !out.contains(&arn) {
                out.push(arn);
            }
        }
    }
    if out.is_empty() {
        out.push(SOME_VAULT.to_string());
    }
    out
}

// rule: S520
/// A lock policy under which someone may delete an archive on the day it was stored: the
/// evaluator decides `glacier:DeleteArchive` with `glacier:ArchiveAgeInDays` 0, by the
/// vault's account root and by one of its users, on every vault the policy names; anything
/// but an explicit deny is a finding.
/// `alone`: the policy was written on its own and is read as a lock policy for its shape,
/// which the message says.
fn early_delete(policy: &Policy, source: &SourceFile, alone: bool) -> Option<Finding> {
    let mut graph = Graph::new();
    // The evaluator's resource-policy layer: the lock policy is the vault's resource policy.
    graph.add(source.clone(), policy.clone(), Layer::Bucket, 0);
    let age = [("glacier:ArchiveAgeInDays".to_string(), "0".to_string())];
    for vault in vaults(policy) {
        let account = vault
            .split(':')
            .nth(4)
            .unwrap_or("111122223333")
            .to_string();
        let user = format!("arn:aws:iam::{account}:user/vault-probe");
        let root = format!("the root user of {account}");
        for (principal, who) in [
            (account.as_str(), root.as_str()),
            (user.as_str(), user.as_str()),
        ] {
            let Ok(caller) = Caller::parse(principal) else {
                continue;
            };
            let request = Request::new(
                caller,
                "glacier:DeleteArchive",
                &vault,
                Some(&account),
                &age,
                NOW,
            );
            let response = decide(&graph, &request, false);
            if response.decision == Decision::ExplicitDeny {
                continue;
            }
            let doubt = response
                .uncertain
                .first()
                .map(|u| format!(" (uncertain: {})", u.reason))
                .unwrap_or_default();
            let what = if alone {
                "this policy, read as a vault lock policy (only Deny statements on Glacier),"
            } else {
                "this vault lock policy"
            };
            return Some(
                Finding::new(
                    Code::VaultLockAllowsEarlyDelete,
                    crate::audit::policy_head(policy),
                    format!(
                        "{what} does not refuse `glacier:DeleteArchive` by {who} on {vault} for an archive stored today (decided {}){doubt}: it enforces no retention period",
                        response.decision.as_str()
                    ),
                )
                .with_help(format!("add {{\"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\": \"glacier:DeleteArchive\", \"Resource\": \"VAULT_ARN\", \"Condition\": {{\"NumericLessThan\": {{\"glacier:ArchiveAgeInDays\": \"DAYS\"}}}}}} before completing the lock{}", if alone { "; if this is the vault's access policy (changeable, so no retention is asked of it), suppress S520 for this file" } else { "" })),
            );
        }
    }
    None
}

// rule: S521
/// A lock whose `State` is `Locked`: its policy can never be changed or removed, so a mistake
/// in it stays.
fn locked(state: &Value) -> Option<Finding> {
    (state.as_str() == Some("Locked")).then(|| {
        Finding::new(
            Code::VaultLockLocked,
            state.span,
            "the vault lock is Locked: its policy is immutable, so a mistake in it cannot be fixed (Glacier \"Vault Lock\" page)",
        )
        .with_help("review the policy before completing a lock; a locked vault's access policy, which stays changeable, is the place for permissions that may change")
    })
}
