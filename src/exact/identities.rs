//! `who-can` with the owner account's own principals: each role and user the owner's IAM
//! configuration lists (an account folder's `authorization-details.json`, or the roles and
//! users infrastructure as code declares, `iac::identity`) is explored as a principal class of
//! its own, with its own identity policies and permissions boundary, as `query` applies them
//! ([`BucketModel::add_identity_of`]). Every other caller keeps the assumed identity layer
//! (other roles and users of the account may exist).
//!
//! What is not known about a principal's permissions never reads as "no access": a policy or
//! group not in the configuration (an AWS managed policy: s3-access carries none), a policy
//! with errors, or one that may be attached to it because its target is not known offline,
//! gives its identity layer the assumed document too (its own Deny statements and boundary
//! still apply) and a reason; a value inside its policies that is not known is already read
//! at its widest (an Allow value as `*`, a Deny holding one left out) and said; a boundary
//! that is not in the configuration is not applied (a boundary only restricts: IAM
//! "Permissions boundaries for IAM entities") and said.

use super::{Reason, ReasonKind};
use crate::aws_docs::account::Unresolved;
use crate::eval::bucket::BucketModel;
use crate::eval::graph::Graph;
use crate::eval::request::Caller;

/// One role or user of the owner's account with the graph of its own identity side.
pub(super) struct Declared {
    /// The caller that stands for it (a role: a session of it).
    pub(super) caller: Caller,
    /// The bucket's graph with the principal's identity policies and boundary.
    pub(super) graph: Graph,
    /// Why its answer is not exact.
    pub(super) reasons: Vec<Reason>,
}

/// How many roles and users are explored on their own: each is one more exploration, so an
/// account of thousands stays bounded; the others keep the assumed identity policies (an
/// answer that can only allow more, never less) and a reason says so.
pub(super) const MAX_OWN: usize = 256;

/// The roles and users of `owner`'s account that `model`'s IAM configuration lists, in its
/// order (roles, then users), each with its graph, at most [`MAX_OWN`]; empty without a
/// configuration. The reason, when some are left to the assumed identity policies.
pub(super) fn declared(model: &BucketModel, owner: &str) -> (Vec<Declared>, Option<Reason>) {
    let Some(auth) = &model.authorization else {
        return (Vec::new(), None);
    };
    // One model whose graph is swapped per principal: the configuration is cloned once.
    let mut m = BucketModel::new(model.name.clone());
    m.owner = Some(owner.to_string());
    m.authorization = Some(auth.clone());
    let doc = &auth.doc;
    let arns = doc
        .roles
        .iter()
        .map(|r| &r.arn.value)
        .chain(doc.users.iter().map(|u| &u.arn.value));
    let mut out = Vec::new();
    let mut left = 0;
    for arn in arns {
        let Ok(mut caller) = Caller::parse(arn) else {
            continue;
        };
        if caller.account() != Some(owner) {
            continue;
        }
        if out.len() == MAX_OWN {
            left += 1;
            continue;
        }
        let (reasons, incomplete) = gaps(auth, arn);
        m.graph = model.graph.clone();
        let _ = m.add_identity_of(&mut caller, true);
        let mut graph = std::mem::take(&mut m.graph);
        if incomplete {
            super::who_can::add_assumed_identity(&mut graph);
        }
        out.push(Declared {
            caller,
            graph,
            reasons,
        });
    }
    let limit = (left > 0).then(|| {
        Reason::new(
            ReasonKind::Limit,
            None,
            format!(
                "{left} more roles and users of the account are listed in {}: only the first {MAX_OWN} are answered with their own identity policies, the others are among the callers assumed to be allowed by theirs",
                auth.source.name()
            ),
        )
    });
    (out, limit)
}

/// What the configuration does not say about `arn`'s permissions, as reasons, and whether a
/// policy may be missing from them (then its identity layer is assumed to allow).
fn gaps(
    auth: &crate::aws_docs::read::Loaded<crate::aws_docs::AuthorizationDetails>,
    arn: &str,
) -> (Vec<Reason>, bool) {
    let doc = &auth.doc;
    let file = auth.source.name();
    let reason = |m: String| Reason::new(ReasonKind::IacUnknown, None, m);
    let mut out = Vec::new();
    // A user's groups' policies are its own (IAM "Policy evaluation logic").
    let groups: Vec<&str> = doc
        .user(arn)
        .map(|u| {
            u.groups
                .iter()
                .filter_map(|g| doc.group(&g.value))
                .map(|g| g.arn.value.as_str())
                .collect()
        })
        .unwrap_or_default();
    let mut incomplete = false;
    for (i, (who, why)) in doc.unknowns.iter().enumerate() {
        if who == arn || who == "*" || groups.contains(&who.as_str()) {
            let widened = doc.widened.contains(&i);
            incomplete |= !widened;
            let taken = if widened {
                ""
            } else {
                "; its own identity policies are taken as allowing everything"
            };
            out.push(reason(format!(
                "`{arn}`: {why}{taken}, and the answer may differ once it is known"
            )));
        }
    }
    let said: Vec<&String> = out.iter().map(|r: &Reason| &r.message).collect();
    let mut missing = Vec::new();
    for u in doc
        .identity_policies_of(arn)
        .map(|f| f.unresolved)
        .unwrap_or_default()
    {
        let (what, name) = match u {
            Unresolved::ManagedPolicy(a) => ("managed policy", &a.value),
            Unresolved::Group(g) => ("group", &g.value),
        };
        incomplete = true;
        // Infrastructure as code already said it, with its place.
        if !said.iter().any(|m| m.contains(&format!("`{name}`"))) {
            missing.push(format!("{what} `{name}`"));
        }
    }
    if !missing.is_empty() {
        out.push(reason(format!(
            "`{arn}`: {} not in the IAM configuration read ({file}; an AWS managed policy, which s3-access does not carry, or one that could not be read): its own identity policies are taken as allowing everything",
            missing.join(", ")
        )));
    }
    if let Some(b) = doc.boundary_of(arn)
        && b.policy.is_none()
        && !out
            .iter()
            .any(|r| r.message.contains(&format!("`{}`", b.arn.value)))
    {
        out.push(reason(format!(
            "`{arn}`: the permissions boundary `{}` is not in {file}; it is not applied, so the answer may allow more than AWS would",
            b.arn.value
        )));
    }
    (out, incomplete)
}

/// The statement ids of a declared principal's graph in the rendered graph: the bucket's own
/// statements (the first `shared`) keep their ids, the principal's follow from `at`.
pub(super) fn renumber(id: usize, shared: usize, at: usize) -> usize {
    if id < shared { id } else { id - shared + at }
}
