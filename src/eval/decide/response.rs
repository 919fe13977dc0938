//! The answer to one request: the decision, the statements and grants that determined it,
//! the S3 rules that blocked it, the trace, the uncertainties and notes, and the layer table
//! written once the decision is made.

use super::Evaluation;
use super::matching::applicability;
use super::s3_layer::{self, S3Seen};
use crate::eval::graph::{GrantKind, Layer, Mismatch};
use crate::eval::s3_facts::{AclRef, BpaFlag, BpaLevel, Place};
use crate::policy::Effect;
use serde::Serialize;

/// The three outcomes of IAM evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Decision {
    /// Some layer allows and nothing denies.
    Allow,
    /// A Deny statement matched.
    ExplicitDeny,
    /// Nothing allowed (or a guardrail had no matching Allow).
    ImplicitDeny,
}

impl Decision {
    /// `Allow`, `ExplicitDeny` or `ImplicitDeny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "Allow",
            Decision::ExplicitDeny => "ExplicitDeny",
            Decision::ImplicitDeny => "ImplicitDeny",
        }
    }

    /// Parses the names above (case-insensitive, `-`/`_` ignored).
    pub fn parse(s: &str) -> Option<Decision> {
        let norm: String = s
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        match norm.as_str() {
            "allow" | "allowed" => Some(Decision::Allow),
            "explicitdeny" | "denied" | "deny" => Some(Decision::ExplicitDeny),
            "implicitdeny" => Some(Decision::ImplicitDeny),
            _ => None,
        }
    }
}

/// How one statement fared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Outcome {
    /// Every element matched.
    Matched,
    /// An element did not match.
    NotMatched {
        /// The first element that failed.
        mismatch: Mismatch,
    },
    /// The layer does not apply to this request.
    NotApplicable,
}

/// One step of the trace.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// Statement id in the graph.
    #[serde(skip)]
    pub statement: usize,
    /// Its layer.
    pub layer: Layer,
    /// What happened.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// A stage of the decision: a policy layer, or one of the S3 rules beside the policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// The bucket ACL.
    BucketAcl,
    /// The object ACL.
    ObjectAcl,
    /// Object Ownership: who owns the object, and whether ACLs apply.
    ObjectOwnership,
    /// Block Public Access.
    BlockPublicAccess,
    /// The access point's own rules (network origin, no anonymous requests).
    AccessPointNetwork,
    /// The policy of an S3 Object Lambda access point (the resource policy of its leg).
    ObjectLambdaPolicy,
    /// A policy layer (serialised as the layer's own name).
    #[serde(untagged)]
    Policy(Layer),
}

impl From<Layer> for Stage {
    fn from(l: Layer) -> Stage {
        Stage::Policy(l)
    }
}

impl Stage {
    /// A display name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Policy(l) => l.as_str(),
            Stage::BucketAcl => "bucket ACL",
            Stage::ObjectAcl => "object ACL",
            Stage::ObjectOwnership => "object ownership",
            Stage::BlockPublicAccess => "Block Public Access",
            Stage::AccessPointNetwork => "access point",
            Stage::ObjectLambdaPolicy => "Object Lambda access point policy",
        }
    }
}

/// What a layer contributed.
#[derive(Debug, Clone, Serialize)]
pub struct LayerReport {
    /// The layer or stage.
    pub layer: Stage,
    /// Organisation level, for SCPs and RCPs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<usize>,
    /// A one-line verdict for the layer.
    pub verdict: String,
}

/// The answer to one request.
#[derive(Debug, Clone)]
pub struct Response {
    /// The decision.
    pub decision: Decision,
    /// The statements that determined it (Deny statements that won, or the Allows that granted).
    pub determining: Vec<usize>,
    /// The ACL grants among the grants that allowed it.
    pub grants: Vec<AclRef>,
    /// The KMS grants (indexes into the graph's `kms_grants`) that allowed it.
    pub kms_grants: Vec<usize>,
    /// The S3 rules that blocked it (Block Public Access, access point restrictions).
    pub blocks: Vec<Block>,
    /// What each layer contributed.
    pub layers: Vec<LayerReport>,
    /// Every statement's outcome (only when a trace was asked for).
    pub trace: Vec<Step>,
    /// Why the answer might be wrong, with the place (never silently "denied").
    pub uncertain: Vec<Uncertainty>,
    /// Assumptions made (e.g. a resource owner that was not given).
    pub notes: Vec<String>,
}

/// Something the evaluator could not model exactly.
#[derive(Debug, Clone, Serialize)]
pub struct Uncertainty {
    /// Statement id, when a statement is the cause.
    #[serde(skip)]
    pub statement: Option<usize>,
    /// Why.
    pub reason: String,
    /// Whether it matters only when the request is not allowed (an Allow that could not be
    /// judged); such entries are dropped from an `Allow`.
    #[serde(skip)]
    pub if_not_allowed: bool,
}

/// An S3 rule that rejected the request although some grant would have allowed it. S3
/// answers such requests with Access Denied whatever the policies say, so the decision is
/// `ExplicitDeny` (reference §1.3: a BPA block behaves like an explicit deny).
#[derive(Debug, Clone)]
pub struct Block {
    /// The rule.
    pub rule: BlockRule,
    /// A sentence.
    pub reason: String,
    /// Where the setting is written.
    pub place: Option<Place>,
}

/// Which S3 rule blocked a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "kebab-case")]
pub enum BlockRule {
    /// A Block Public Access flag, set at `level`.
    BlockPublicAccess {
        /// The flag.
        flag: BpaFlag,
        /// The level that sets it.
        level: BpaLevel,
    },
    /// Access points take no anonymous requests.
    AccessPointAnonymous,
    /// A VPC-origin access point takes requests from its VPC only.
    AccessPointNetwork,
    /// Only identities of the bucket owner's account may read, change or delete the bucket
    /// policy (another account gets 405 Method Not Allowed, whatever it is granted).
    BucketOwnerAccountOnly,
}

impl Response {
    /// An `ImplicitDeny` with nothing recorded yet: where every decision starts.
    pub(super) fn empty() -> Response {
        Response {
            decision: Decision::ImplicitDeny,
            determining: Vec::new(),
            grants: Vec::new(),
            kms_grants: Vec::new(),
            blocks: Vec::new(),
            layers: Vec::new(),
            trace: Vec::new(),
            uncertain: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// Deduplicates the determining statements and, with `explain`, fills in the per-layer verdicts.
pub(super) fn summarise(ev: &Evaluation<'_>, seen: &S3Seen, r: &mut Response) {
    r.determining.sort_unstable();
    r.determining.dedup();
    if r.decision == Decision::Allow {
        r.uncertain.retain(|u| !u.if_not_allowed);
    }
    if !ev.explain {
        return;
    }
    let graph = ev.graph;
    let route_ap = ev.route.access_point;
    for layer in Layer::ALL {
        if !graph.has_layer(layer) || r.layers.iter().any(|l| l.layer == layer.into()) {
            continue;
        }
        let verdict = match applicability(graph, layer, ev.route.main(), route_ap) {
            Err(why) => format!("not applicable: {why}"),
            Ok(()) => layer_verdict(ev, layer),
        };
        r.layers.push(LayerReport {
            layer: layer.into(),
            level: None,
            verdict,
        });
    }
    s3_layer::reports(graph, r, seen, route_ap);
}

/// A one-line verdict for an applicable policy layer, from the statements that matched.
fn layer_verdict(ev: &Evaluation<'_>, layer: Layer) -> String {
    let of = |effect: Effect| {
        ev.matches
            .iter()
            .filter(|m| m.layer == layer && m.effect == effect)
            .count()
    };
    let (deny, allow) = (of(Effect::Deny), of(Effect::Allow));
    if deny == 0 && layer == Layer::Rcp {
        // RCP Allow statements never decide: RCPFullAWSAccess allows at every level.
        return "no Deny matches (RCPFullAWSAccess allows at every level)".to_string();
    }
    if deny > 0 {
        format!(
            "explicit deny ({deny} statement{})",
            if deny == 1 { "" } else { "s" }
        )
    } else if allow > 0 {
        let kinds: Vec<&str> = ev
            .matches
            .iter()
            .filter(|m| m.layer == layer && m.effect == Effect::Allow)
            .map(|m| match m.grant {
                GrantKind::Direct => "names the caller",
                GrantKind::Role => "names the caller's role",
                GrantKind::Account => "names the caller's account",
            })
            .collect();
        if layer.is_resource_policy() {
            format!("allows ({})", kinds.first().copied().unwrap_or(""))
        } else {
            format!(
                "allows ({allow} statement{})",
                if allow == 1 { "" } else { "s" }
            )
        }
    } else {
        "no statement matches".to_string()
    }
}
