//! The risk audit: the S3 security checks, each defined as a question to the evaluation graph
//! rather than as a text pattern, so equivalent policies get the same verdict and partial
//! coverage is named precisely.
//!
//! - [`exposure`]: public read/write/list/permissions management, public ACL grants,
//!   cross-account access, over-broad grants (S1xx, S3xx);
//! - [`transport`]: requests over plain HTTP that no Deny refuses (S201);
//! - [`encryption`]: uploads without encryption, SSE-C over HTTP, KMS keys of other accounts,
//!   default encryption (S202–S205);
//! - [`dead`]: Deny statements that can never match (S401);
//! - [`presigned`]: bucket policies that do not limit presigned URLs (S510);
//! - [`vault`]: Glacier Vault Lock policies that allow early deletes, or are locked (S520, S521);
//! - [`settings`]: the bucket's settings, one file per theme: Block Public Access, ACLs and
//!   Object Ownership, default encryption, logging, versioning and MFA Delete, Object Lock,
//!   CORS, access points (S5xx, and S105, S201, S204, S205, S306 where a setting causes them).
//!
//! Policy checks run on every bucket and access point policy `lint` reads; settings checks
//! run on bucket folders. Every finding points at the statement, grant or setting
//! responsible. Each code has one rule marker comment, on the function that decides it.

/// The request time of the audit's own questions (2026-01-01; conditions on time are not what
/// they ask).
pub(crate) const NOW: i64 = 1_767_225_600;

pub mod coverage;
pub mod dead;
pub mod encryption;
pub mod exposure;
pub mod presigned;
pub mod services;
pub mod settings;
pub mod transport;
pub mod vault;
pub mod vpce;

use crate::aws_docs::Encryption;
use crate::diagnostic::Finding;
use crate::eval::graph::{Graph, Layer};
use crate::policy::{Effect, Policy, Statement};
use crate::source::{SourceFile, Span};

/// Accounts and AWS Organizations organisations whose principals are not outsiders.
///
/// Set by `[trust]` in the configuration ([`crate::config`]); risk rules read it from [`Context::trust`]: a grant to a trusted account
/// (or to principals of a trusted organisation, via `aws:PrincipalOrgID`) is not cross-account
/// exposure. The bucket owner's own account is trusted by the rules themselves; it need not be
/// listed. Empty by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trust {
    /// Twelve-digit account ids.
    pub accounts: Vec<String>,
    /// Organisation ids (`o-` and 10 to 32 lowercase letters or digits).
    pub organizations: Vec<String>,
}

impl Trust {
    /// Whether the twelve-digit account id is listed.
    pub fn trusts_account(&self, account: &str) -> bool {
        self.accounts.iter().any(|a| a == account)
    }

    /// Whether the organisation id is listed (ids are lowercase; compared exactly).
    pub fn trusts_organization(&self, organization: &str) -> bool {
        self.organizations.iter().any(|o| o == organization)
    }

    /// Whether nothing is trusted.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty() && self.organizations.is_empty()
    }
}

/// What a policy is audited against.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The graph: the policies (bucket and access point layers) and, for a bucket folder, the
    /// S3 facts (Block Public Access, ACLs, ...).
    pub graph: &'a Graph,
    /// The bucket's name.
    pub bucket: &'a str,
    /// Whether the name is known (a folder's manifest) rather than inferred.
    pub bucket_known: bool,
    /// The bucket owner's account, if known.
    pub owner: Option<&'a str>,
    /// Trusted accounts and organisations.
    pub trust: &'a Trust,
    /// The default encryption, when a folder gives it.
    pub default_encryption: Option<&'a Encryption>,
    /// Whether Block Public Access was given (a folder with its settings).
    pub bpa_known: bool,
    /// Each statement's actions, principals and resources, computed once.
    pub shapes: &'a coverage::Shapes,
}

/// The account of the access point a policy's resources name.
fn access_point_account(policy: &Policy) -> Option<String> {
    policy.statements.iter().find_map(|st| {
        st.resource
            .iter()
            .flat_map(|r| r.items.iter())
            .find_map(|r| {
                let arn = crate::arn::Arn::split(&r.value)?;
                (arn.resource.starts_with("accesspoint/") && arn.account.len() == 12)
                    .then(|| arn.account.to_string())
            })
    })
}

/// A finding in one file.
#[derive(Debug, Clone)]
pub struct Audited {
    /// The file.
    pub source: SourceFile,
    /// The finding.
    pub finding: Finding,
}

/// The policy statement behind graph statement `id`, with its file.
pub(crate) fn statement(graph: &Graph, id: usize) -> Option<(&SourceFile, &Statement, Layer)> {
    let (d, st) = graph.written(graph.statements.get(id)?)?;
    Some((&d.source, st, d.layer))
}

/// The request time the audit's witnesses use: now, in epoch seconds.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A short span at the head of a statement: its Sid, else its Effect.
pub(crate) fn head(st: &Statement) -> Span {
    st.sid.as_ref().map_or(st.effect.span, |s| s.span)
}

/// A one-byte span at the opening brace of a policy: where a finding about the whole policy
/// (something no statement does) points.
pub(crate) fn policy_head(policy: &Policy) -> Span {
    Span::new(policy.span.start as usize, policy.span.start as usize + 1)
}

/// Audits the resource policies of `ctx.graph` (every bucket and access point policy).
pub fn policies(ctx: &Context<'_>) -> Vec<Audited> {
    let mut out = Vec::new();
    exposure::check(ctx, &mut out);
    transport::check(ctx, &mut out);
    encryption::check(ctx, &mut out);
    dead::check(ctx, &mut out);
    presigned::check(ctx, &mut out);
    services::check(ctx, &mut out);
    fold_sse_c_into_transport(&mut out);
    out
}

/// The words S201 gains when S203 holds for the same policy: plain HTTP not refused also lets
/// SSE-C requests send their key in the clear. One finding then says both;
/// [`crate::config::Config::apply`] drops S203 unless S201 is suppressed or off (a bucket
/// reached only from a private network, say), where S203 still stands alone.
fn fold_sse_c_into_transport(out: &mut [Audited]) {
    let Some((file, actions)) = out
        .iter()
        .find(|a| a.finding.code == crate::registry::Code::SseCOverHttp)
        .map(|a| {
            let m = &a.finding.message;
            let actions = m.split(" with customer-provided keys").next().unwrap_or(m);
            (a.source.name().to_string(), actions.to_string())
        })
    else {
        return;
    };
    for a in out.iter_mut().filter(|a| {
        a.finding.code == crate::registry::Code::InsecureTransportAllowed && a.source.name() == file
    }) {
        a.finding.message.push_str(&format!(
            "; this includes {actions} with customer-provided keys (SSE-C), which S3 rejects only after the key has crossed the network in the clear"
        ));
    }
}

/// Audits one policy as `lint` reads it: the checks that need nothing beyond the policy.
/// Bucket and access point policies get every policy check; other kinds only the
/// kind-independent ones (NotAction/NotResource with Allow, dead Deny statements).
pub fn policy(
    policy: &Policy,
    source: &SourceFile,
    trust: &Trust,
    owner: Option<&str>,
) -> Vec<Finding> {
    let vault = vault::check(policy, source);
    // Kinds that are not resource policies are audited as identity-side documents.
    let layer = Layer::of_kind(policy.kind)
        .filter(|l| l.is_resource_policy())
        .unwrap_or(Layer::Identity);
    // The checks for other kinds look only at Deny statements and at Allow statements with
    // NotAction/NotResource: without one, there is nothing to compile (most identity policies).
    if !layer.is_resource_policy() && !policy.statements.iter().any(kind_independent_subject) {
        return vault;
    }
    let mut graph = Graph::new();
    graph.add(source.clone(), policy.clone(), layer, 0);
    let bucket = coverage::bucket_of(&graph);
    // An access point policy names its owner in every resource ARN.
    let ap_owner = (layer == Layer::AccessPoint)
        .then(|| access_point_account(policy))
        .flatten();
    let owner = owner.or(ap_owner.as_deref());
    let shapes = coverage::Shapes::new(&graph, &bucket);
    let ctx = Context {
        shapes: &shapes,
        graph: &graph,
        bucket: &bucket,
        bucket_known: false,
        owner,
        trust,
        default_encryption: None,
        bpa_known: false,
    };
    let mut out = Vec::new();
    if layer.is_resource_policy() {
        out = policies(&ctx);
    } else {
        exposure::not_elements(&ctx, &mut out);
        dead::check(&ctx, &mut out);
    }
    out.into_iter().map(|a| a.finding).chain(vault).collect()
}

/// Whether a statement is one the kind-independent checks look at: a Deny (dead statements)
/// or an Allow with `NotAction`/`NotResource`.
fn kind_independent_subject(st: &Statement) -> bool {
    match st.effect.value {
        Effect::Deny => true,
        Effect::Allow => {
            st.action.as_ref().is_some_and(|a| a.negated)
                || st.resource.as_ref().is_some_and(|r| r.negated)
        }
    }
}
