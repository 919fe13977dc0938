//! `diff` against enumeration (issue 11, item 6, for CheckNoNewAccess): on random pairs of
//! small documents (the generators of `tests/properties.rs`), every request of the exact
//! oracle's finite product goes through `decide` on OLD and on NEW. A request NEW allows and
//! OLD does not is new access: `diff` must then report new access for that action (or say
//! why it is uncertain), and every witness it shows must be such a request.

use crate::exact::{ACTIONS, KEYS, NOW, OWNER, cases, concrete, contexts};
use crate::properties::{CALLERS, Docs, build, docs};
use proptest::prelude::*;
use s3_access::eval::bucket::BucketModel;
use s3_access::eval::{self, Caller, Decision, Graph};
use s3_access::exact::diff;
use s3_access::exact::who_can::{WhoCanOptions, with_assumed_identity};

fn model(graph: Graph) -> BucketModel {
    let mut m = BucketModel::new("bkt");
    m.owner = Some(OWNER.to_string());
    m.graph = graph;
    m
}

/// The actions for which some request of the oracle's universe is allowed by `new` and not
/// by `old` (each side with the identity policy `diff` assumes when none is given).
fn new_by_enumeration(old: &Graph, new: &Graph) -> Vec<&'static str> {
    let (old, _) = with_assumed_identity(old);
    let (new, _) = with_assumed_identity(new);
    // The context values tell apart the constants of both sides' conditions.
    let mut keys_of = new.clone();
    for d in &old.documents {
        keys_of.add(d.source.clone(), d.policy.clone(), d.layer, d.level);
    }
    let mut out = Vec::new();
    for (action, on_bucket) in ACTIONS {
        let resources: Vec<String> = if *on_bucket {
            vec!["arn:aws:s3:::bkt".into()]
        } else {
            KEYS.iter()
                .map(|k| format!("arn:aws:s3:::bkt/{k}"))
                .collect()
        };
        let found = CALLERS.iter().any(|c| {
            let caller = Caller::parse(c).unwrap();
            contexts(&keys_of, &caller, action).iter().any(|ctx| {
                resources.iter().any(|resource| {
                    let r = concrete(&caller, action, resource, ctx);
                    eval::decide(&new, &r, false).decision == Decision::Allow
                        && eval::decide(&old, &r, false).decision != Decision::Allow
                })
            })
        });
        if found {
            out.push(*action);
        }
    }
    out
}

/// The differences between `diff` and enumeration on one pair, as messages.
fn compare(old: &Docs, new: &Docs) -> Vec<String> {
    let (old_g, new_g) = (build(old), build(new));
    let options = WhoCanOptions {
        now: NOW,
        ..WhoCanOptions::default()
    };
    let d = diff::diff(
        Some(&model(old_g.clone())),
        Some(&model(new_g.clone())),
        &options,
        false,
    );
    let mut out = Vec::new();
    // Every witness shown is new access: NEW allows it, OLD does not.
    let (old_a, _) = with_assumed_identity(&old_g);
    let (new_a, _) = with_assumed_identity(&new_g);
    for g in &d.added {
        let w = &g.witness.request;
        let (n, o) = (
            eval::decide(&new_a, w, false).decision,
            eval::decide(&old_a, w, false).decision,
        );
        if n != Decision::Allow || o == Decision::Allow {
            out.push(format!(
                "witness {} {} {}: NEW {n:?}, OLD {o:?}",
                w.caller, w.action, w.resource
            ));
        }
    }
    if !d.reasons.is_empty() {
        // Uncertain: the answer says why; nothing more to compare.
        return out;
    }
    for action in new_by_enumeration(&old_g, &new_g) {
        // An action the catalogue does not know is found as a stand-in of its region.
        let unknown = eval::actions::Universe::get().index(action).is_none();
        let reported = d.added.iter().any(|g| {
            (unknown && g.unknown_action)
                || g.actions.iter().any(|a| a.eq_ignore_ascii_case(action))
        });
        if !reported {
            out.push(format!(
                "enumeration finds new access for {action}; diff does not"
            ));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn diff_agrees_with_enumeration(old in docs(), new in docs()) {
        let diffs = compare(&old, &new);
        prop_assert!(diffs.is_empty(), "{} differences on {old:?} -> {new:?}:\n{}", diffs.len(), diffs.join("\n"));
    }
}

#[test]
fn the_diff_oracle_sees_new_access_it_is_meant_to_see() {
    // Not vacuous: opening a partner grant to everyone is new access by enumeration, and
    // diff reports it; the reverse is none.
    let policy = |principal: &str| {
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {principal}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bkt/*"}}]}}"#
        )
    };
    let graph = |text: String| {
        let mut g = Graph::new();
        eval::add_source(
            &mut g,
            s3_access::source::SourceFile::new("b.json", text),
            eval::Layer::Bucket,
            0,
        )
        .unwrap();
        g
    };
    let partner = graph(policy(
        r#"{"AWS": "arn:aws:iam::444455556666:role/Partner"}"#,
    ));
    let public = graph(policy(r#""*""#));
    assert_eq!(new_by_enumeration(&partner, &public), vec!["s3:GetObject"]);
    assert!(new_by_enumeration(&public, &partner).is_empty());
    let options = WhoCanOptions {
        now: NOW,
        ..WhoCanOptions::default()
    };
    let d = diff::diff(Some(&model(partner)), Some(&model(public)), &options, false);
    assert!(
        d.added
            .iter()
            .any(|g| g.actions.iter().any(|a| a == "s3:GetObject"))
    );
}
