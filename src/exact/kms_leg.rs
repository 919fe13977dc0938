//! The KMS leg in `who-can`: a read or write of an object under the bucket's SSE-KMS default
//! encryption is served only when the KMS request S3 makes with the caller's credentials is
//! allowed too (S3 "Using server-side encryption with AWS KMS keys"). Each group's witness is
//! replayed through the KMS leg ([`crate::eval::kms::KmsLeg::decide`], the key policy and
//! grants with the group's caller-side documents); where the leg denies it, or cannot be
//! decided, the answer says so as a reason: S3's "yes" then holds for S3 only.

use super::who_can::Group;
use super::{Reason, ReasonKind};
use crate::eval::bucket::BucketModel;
use crate::eval::decide::Decision;
use crate::eval::graph::Graph;
use crate::eval::kms::{BucketKms, KmsLeg, kms_actions, leg_graph};

/// The reasons the KMS leg gives to `groups` (found on `graph`, the bucket's graph with the
/// caller-side documents who-can used).
pub fn reasons(model: &BucketModel, graph: &Graph, groups: &[Group]) -> Vec<Reason> {
    let Some(kms) = &model.kms else {
        return Vec::new();
    };
    let kms_groups: Vec<(&Group, Vec<&String>)> = groups
        .iter()
        .map(|g| {
            let actions = g
                .actions
                .iter()
                .filter(|a| kms_actions(&a.to_ascii_lowercase()).is_some())
                .collect();
            (g, actions)
        })
        .filter(|(_, actions): &(&Group, Vec<&String>)| !actions.is_empty())
        .collect();
    let (key, key_graph) = match kms {
        BucketKms::Unknown(why) if !kms_groups.is_empty() => {
            return vec![Reason::new(
                ReasonKind::Model,
                None,
                format!(
                    "the KMS leg is not modelled: {why}; the reads and writes of SSE-KMS objects below also need KMS to allow"
                ),
            )];
        }
        BucketKms::Unknown(_) => return Vec::new(),
        BucketKms::Known { key, graph } => (key, graph),
    };
    let mut leg = leg_graph(graph);
    for d in &key_graph.documents {
        leg.add(d.source.clone(), d.policy.clone(), d.layer, d.level);
    }
    leg.kms_grants.extend(key_graph.kms_grants.iter().cloned());
    kms_groups
        .into_iter()
        .filter_map(|(group, actions)| group_reason(group, &actions, &leg, key))
        .collect()
}

/// The KMS leg of `group`'s witness for each of its `actions` that calls KMS, on each object
/// the group names: a reason when, for some action, it allows on none of them.
fn group_reason(
    group: &Group,
    actions: &[&String],
    leg: &Graph,
    key: &crate::eval::kms::KmsKey,
) -> Option<Reason> {
    let mut objects: Vec<&String> = Vec::new();
    for r in std::iter::once(&group.witness.request.resource).chain(&group.resources) {
        if r.split_once(":::").is_some_and(|(_, p)| p.contains('/')) && !objects.contains(&r) {
            objects.push(r);
        }
    }
    let mut denied = Vec::new();
    for action in actions {
        let decisions: Vec<(String, Decision)> = objects
            .iter()
            .filter_map(|o| replay(group, action, o, leg, key))
            .collect();
        if !decisions.is_empty() && decisions.iter().all(|(_, d)| *d != Decision::Allow) {
            let (kms_action, d) = &decisions[0];
            denied.push(format!("`{action}` (`{kms_action}`: {})", d.as_str()));
        }
    }
    if denied.is_empty() {
        return None;
    }
    let objects: Vec<&str> = objects.iter().map(|o| o.as_str()).collect();
    Some(Reason::new(
        ReasonKind::Model,
        None,
        format!(
            "the KMS leg of the default encryption's key {} denies the witness {} {} on {}: S3 allows it, but KMS may not, for objects under that key (objects under another key or without KMS are not affected)",
            key.arn,
            group.witness.request.caller,
            denied.join(", "),
            objects.join(", "),
        ),
    ))
}

/// The KMS call S3 makes for `group`'s witness made an `action` request on `object`, decided.
fn replay(
    group: &Group,
    action: &str,
    object: &str,
    leg: &Graph,
    key: &crate::eval::kms::KmsKey,
) -> Option<(String, Decision)> {
    let mut s3 = group.witness.request.clone();
    s3.action = action.to_string();
    s3.action_lower = action.to_ascii_lowercase();
    s3.resource = object.to_string();
    let decided = KmsLeg::decide(leg.clone(), key.clone(), &s3, object, false)?;
    Some((decided.call.request.action, decided.call.response.decision))
}
