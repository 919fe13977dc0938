//! Invariants of the evaluation, checked on random policies and requests (proptest):
//! a Deny never grants, an Allow never denies, explicit deny wins in any layer, the action
//! index never changes a decision, and neither does statement order, the order of files or
//! how statements are split between files; a policy written back as JSON and read again
//! decides the same; a Deny whose operator the evaluator does not know is never silent.

use proptest::prelude::*;
use s3_access::eval::{self, Caller, Decision, Graph, Layer, Request};
use s3_access::lint::{self, LintOptions};
use s3_access::policy::write;
use s3_access::source::SourceFile;

const PRINCIPALS: &[&str] = &[
    r#""*""#,
    r#"{"AWS": "111122223333"}"#,
    r#"{"AWS": "arn:aws:iam::111122223333:user/alice"}"#,
    r#"{"AWS": "arn:aws:iam::444455556666:role/Partner"}"#,
    r#"{"AWS": "arn:aws:sts::444455556666:assumed-role/Partner/etl"}"#,
    r#"{"Service": "cloudtrail.amazonaws.com"}"#,
];
const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:Get*",
    "s3:*",
    "s3:PutObject",
    "s3:ListBucket",
    "*",
    "s3:*Object",
];
const RESOURCES: &[&str] = &[
    "arn:aws:s3:::bkt",
    "arn:aws:s3:::bkt/*",
    "arn:aws:s3:::bkt/k*",
    "*",
    "arn:aws:s3:::other/*",
    "arn:aws:s3:::bkt*",
    "arn:aws:s3:::bkt/${aws:username}/*",
];
pub(crate) const CONDITIONS: &[&str] = &[
    r#"{"Bool": {"aws:SecureTransport": "false"}}"#,
    r#"{"Bool": {"aws:SecureTransport": true}}"#,
    r#"{"StringEquals": {"aws:PrincipalAccount": "111122223333"}}"#,
    r#"{"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}}"#,
    r#"{"StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}"#,
    r#"{"Null": {"aws:SourceVpce": "true"}}"#,
    r#"{"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-1/r-1/*"}}"#,
    r#"{"StringLike": {"s3:prefix": "home/${aws:username}/*"}}"#,
];
/// Conditions only the extra statements of the uncertainty property use (indexes past
/// `CONDITIONS`): an operator the evaluator does not know, and its two possible outcomes.
const UNKNOWN_CONDITIONS: &[&str] = &[
    r#"{"StringEqualz": {"aws:SourceVpce": "vpce-1"}}"#,
    r#"{"Null": {"s3ax:absent": "true"}}"#,
    r#"{"Null": {"s3ax:absent": "false"}}"#,
];

/// The callers of the generated requests (the exact engine's oracle uses the same).
pub(crate) const CALLERS: &[&str] = &[
    "anonymous",
    "111122223333",
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:sts::111122223333:assumed-role/Reader/s1",
    "arn:aws:sts::444455556666:assumed-role/Partner/etl",
    "arn:aws:iam::444455556666:user/bob",
    "cloudtrail.amazonaws.com",
];
const REQ_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:DeleteObject",
];
const REQ_RESOURCES: &[&str] = &[
    "arn:aws:s3:::bkt/k1",
    "arn:aws:s3:::bkt/alice/x",
    "arn:aws:s3:::bkt",
    "arn:aws:s3:::other/k",
];
const CONTEXTS: &[(&str, &str)] = &[
    ("aws:SecureTransport", "false"),
    ("aws:SourceIp", "203.0.113.7"),
    ("aws:SourceVpce", "vpce-1"),
    ("aws:PrincipalOrgPaths", "o-1/r-1/ou-1/"),
    ("s3:prefix", "home/alice/docs"),
];

#[derive(Debug, Clone)]
struct St {
    allow: bool,
    principal: Option<(bool, usize)>,
    not_action: bool,
    action: usize,
    not_resource: bool,
    resource: usize,
    condition: Option<usize>,
}

impl St {
    fn json(&self, with_principal: bool) -> String {
        let mut parts = vec![format!(
            r#""Effect": "{}""#,
            if self.allow { "Allow" } else { "Deny" }
        )];
        if with_principal {
            let (neg, p) = self.principal.unwrap_or((false, 0));
            parts.push(format!(
                r#""{}": {}"#,
                if neg { "NotPrincipal" } else { "Principal" },
                PRINCIPALS[p]
            ));
        }
        parts.push(format!(
            r#""{}": "{}""#,
            if self.not_action {
                "NotAction"
            } else {
                "Action"
            },
            ACTIONS[self.action]
        ));
        parts.push(format!(
            r#""{}": "{}""#,
            if self.not_resource {
                "NotResource"
            } else {
                "Resource"
            },
            RESOURCES[self.resource]
        ));
        if let Some(c) = self.condition {
            let text = CONDITIONS
                .get(c)
                .or_else(|| UNKNOWN_CONDITIONS.get(c - CONDITIONS.len()))
                .unwrap();
            parts.push(format!(r#""Condition": {text}"#));
        }
        format!("{{{}}}", parts.join(", "))
    }
}

fn statement() -> impl Strategy<Value = St> {
    (
        any::<bool>(),
        proptest::option::of((proptest::bool::weighted(0.1), 0..PRINCIPALS.len())),
        proptest::bool::weighted(0.1),
        0..ACTIONS.len(),
        proptest::bool::weighted(0.1),
        0..RESOURCES.len(),
        proptest::option::of(0..CONDITIONS.len()),
    )
        .prop_map(
            |(allow, principal, not_action, action, not_resource, resource, condition)| St {
                allow,
                principal: principal.or(Some((false, 0))),
                not_action,
                action,
                not_resource,
                resource,
                condition,
            },
        )
}

/// Statements per layer: bucket, identity, boundary, session, one SCP level.
#[derive(Debug, Clone)]
pub(crate) struct Docs {
    layers: Vec<(Layer, Vec<St>)>,
}

const LAYERS: [Layer; 5] = [
    Layer::Bucket,
    Layer::Identity,
    Layer::PermissionsBoundary,
    Layer::Session,
    Layer::Scp,
];

pub(crate) fn docs() -> impl Strategy<Value = Docs> {
    proptest::collection::vec(proptest::collection::vec(statement(), 0..5), 5).prop_map(
        |per_layer| Docs {
            layers: LAYERS
                .iter()
                .copied()
                .zip(per_layer)
                .filter(|(_, sts)| !sts.is_empty())
                .collect(),
        },
    )
}

fn document(layer: Layer, sts: &[St]) -> String {
    let with_principal = layer == Layer::Bucket;
    let body: Vec<String> = sts.iter().map(|s| s.json(with_principal)).collect();
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
        body.join(", ")
    )
}

/// Adds the policies of `text` to `g` as they are parsed, errors or not (the evaluator is
/// tested here, not the lint gate in front of it).
fn add(g: &mut Graph, layer: Layer, text: String) {
    let a = lint::analyze(
        SourceFile::new("p.json", text),
        &LintOptions {
            kind: Some(layer.kind()),
            ..LintOptions::default()
        },
    );
    for p in a.policies {
        g.add(a.report.source.clone(), p, layer, 0);
    }
}

pub(crate) fn build(docs: &Docs) -> Graph {
    let mut g = Graph::new();
    for (layer, sts) in &docs.layers {
        add(&mut g, *layer, document(*layer, sts));
    }
    g
}

/// The same statements, each layer's split into several files at `cuts`, and all the files
/// added in an order shuffled by `seed`.
fn build_split(docs: &Docs, cuts: &[usize], seed: u64) -> Graph {
    let mut files: Vec<(Layer, String)> = Vec::new();
    for (i, (layer, sts)) in docs.layers.iter().enumerate() {
        let cut = cuts.get(i).copied().unwrap_or(0) % (sts.len() + 1);
        let (a, b) = sts.split_at(cut);
        for part in [a, b] {
            if !part.is_empty() {
                files.push((*layer, document(*layer, part)));
            }
        }
    }
    // Fisher-Yates with a fixed generator, so a failure replays.
    let mut state = seed | 1;
    for i in (1..files.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        files.swap(i, (state % (i as u64 + 1)) as usize);
    }
    let mut g = Graph::new();
    for (layer, text) in files {
        add(&mut g, layer, text);
    }
    g
}

fn request() -> impl Strategy<Value = Request> {
    (
        0..CALLERS.len(),
        0..REQ_ACTIONS.len(),
        0..REQ_RESOURCES.len(),
        proptest::collection::vec(any::<bool>(), CONTEXTS.len()),
    )
        .prop_map(|(c, a, r, ctx)| {
            let given: Vec<(String, String)> = CONTEXTS
                .iter()
                .zip(ctx)
                .filter(|(_, on)| *on)
                .map(|((k, v), _)| (k.to_string(), v.to_string()))
                .collect();
            Request::new(
                Caller::parse(CALLERS[c]).unwrap(),
                REQ_ACTIONS[a],
                REQ_RESOURCES[r],
                Some("111122223333"),
                &given,
                1_767_225_600,
            )
        })
}

fn with_extra(docs: &Docs, layer_pick: usize, extra: St) -> Docs {
    let mut d = docs.clone();
    if let Some((_, sts)) = d.layers.get_mut(layer_pick % docs.layers.len().max(1)) {
        sts.push(extra);
    }
    d
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

proptest! {
    // PROPTEST_CASES raises the count (.ci/run does, for a deeper run); 300 by default.
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn adding_a_deny_never_grants(d in docs(), r in request(), extra in statement(), pick in 0usize..5) {
        prop_assume!(!d.layers.is_empty());
        let before = eval::decide(&build(&d), &r, false).decision;
        let after = eval::decide(&build(&with_extra(&d, pick, St { allow: false, ..extra })), &r, false).decision;
        if before != Decision::Allow {
            prop_assert_ne!(after, Decision::Allow);
        } else {
            prop_assert!(after == Decision::Allow || after == Decision::ExplicitDeny, "{:?}", after);
        }
    }

    #[test]
    fn adding_an_allow_never_denies(d in docs(), r in request(), extra in statement(), pick in 0usize..5) {
        prop_assume!(!d.layers.is_empty());
        let before = eval::decide(&build(&d), &r, false).decision;
        let after = eval::decide(&build(&with_extra(&d, pick, St { allow: true, ..extra })), &r, false).decision;
        if before == Decision::Allow {
            prop_assert_eq!(after, Decision::Allow);
        }
        if before == Decision::ExplicitDeny {
            prop_assert_eq!(after, Decision::ExplicitDeny);
        }
    }

    #[test]
    fn explicit_deny_wins_in_any_applicable_layer(d in docs(), r in request(), pick in 0usize..5) {
        prop_assume!(!d.layers.is_empty());
        let layer = d.layers[pick % d.layers.len()].0;
        let catch_all = St { allow: false, principal: Some((false, 0)), not_action: false, action: 5, not_resource: false, resource: 3, condition: None };
        let g = build(&with_extra(&d, pick, catch_all));
        let response = eval::decide(&g, &r, true);
        let applies = match layer {
            Layer::Bucket => true,
            Layer::Identity | Layer::PermissionsBoundary => r.caller.has_identity_policies(),
            Layer::Session => r.caller.has_session(),
            Layer::Scp => !matches!(r.caller, Caller::Anonymous | Caller::Service { .. }),
            Layer::Rcp => true,
            // Not generated: access point policies apply only to requests through one, key
            // policies only to the KMS leg (see the KMS property below).
            Layer::AccessPoint | Layer::KeyPolicy | Layer::VpcEndpoint => false,
        };
        if applies {
            prop_assert_eq!(response.decision, Decision::ExplicitDeny);
        }
    }

    #[test]
    fn the_action_index_never_changes_a_decision(d in docs(), r in request()) {
        let g = build(&d);
        let fast = eval::decide(&g, &r, false);
        let full = eval::decide(&g, &r, true);
        prop_assert_eq!(fast.decision, full.decision);
        prop_assert_eq!(fast.determining, full.determining);
    }

    /// `decide_among` (the exact engine's decisions, told which statements' action and
    /// resource match, and how their principal names the caller) answers as `decide`, whether
    /// each statement is said to match naming the caller so, to miss or left unknown: the
    /// whole response, uncertainties and their order included.
    #[test]
    fn deciding_among_the_statements_known_to_match_changes_nothing(d in docs(), r in request(), unknown in proptest::collection::vec(any::<bool>(), 0..12)) {
        use s3_access::eval::decide::{Target, decide_among};
        let g = build(&d);
        let target = |id: usize| {
            let Some(s) = g.statements.get(id) else { return Target::Unknown };
            if unknown.get(id).copied().unwrap_or(false) {
                Target::Unknown
            } else if s.matches_action(&r) && s.matches_resource(&r) {
                Target::Named(s.principal_grant(&r.caller, &g.s3))
            } else {
                Target::Misses
            }
        };
        let plain = eval::decide(&g, &r, false);
        let among = decide_among(&g, &r, &target);
        prop_assert_eq!(format!("{plain:?}"), format!("{among:?}"));
    }

    #[test]
    fn the_order_of_files_and_the_split_of_statements_between_them_do_not_matter(
        d in docs(), r in request(), cuts in proptest::collection::vec(0usize..5, 5), seed in any::<u64>()
    ) {
        prop_assert_eq!(
            eval::decide(&build(&d), &r, false).decision,
            eval::decide(&build_split(&d, &cuts, seed), &r, false).decision
        );
    }

    #[test]
    fn a_policy_written_back_as_json_decides_the_same(d in docs(), r in request()) {
        let g = build(&d);
        let mut rewritten = Graph::new();
        for doc in &g.documents {
            let text = write::to_json(&doc.policy);
            let a = lint::analyze(
                SourceFile::new("w.json", text.clone()),
                &LintOptions {
                    kind: Some(doc.layer.kind()),
                    ..LintOptions::default()
                },
            );
            prop_assert_eq!(a.policies.len(), 1);
            // Writing what was read back gives the same text, so nothing was lost or added.
            prop_assert_eq!(&write::to_json(&a.policies[0]), &text);
            for p in a.policies {
                rewritten.add(a.report.source.clone(), p, doc.layer, doc.level);
            }
        }
        let before = eval::decide(&g, &r, true);
        let after = eval::decide(&rewritten, &r, true);
        prop_assert_eq!(before.decision, after.decision);
        prop_assert_eq!(before.determining, after.determining);
    }

    #[test]
    fn a_deny_with_an_unknown_operator_is_never_silent(
        d in docs(), r in request(), extra in statement(), pick in 0usize..5
    ) {
        prop_assume!(!d.layers.is_empty());
        let with = |condition: usize| {
            build(&with_extra(&d, pick, St { allow: false, condition: Some(CONDITIONS.len() + condition), ..extra.clone() }))
        };
        let holds = eval::decide(&with(1), &r, false).decision;
        let fails = eval::decide(&with(2), &r, false).decision;
        for explain in [false, true] {
            let unknown = eval::decide(&with(0), &r, explain);
            if holds != fails {
                // The unknown operator decides the answer: it must say so, and where.
                prop_assert!(!unknown.uncertain.is_empty(), "{:?} / {:?}, answered {:?}", holds, fails, unknown.decision);
                prop_assert!(unknown.uncertain.iter().all(|u| u.reason.contains("operator")));
            }
            // Never reported as denied on the strength of the unknown operator alone.
            if fails == Decision::Allow {
                prop_assert_eq!(unknown.decision, Decision::Allow);
            }
        }
    }

    #[test]
    fn statement_order_does_not_matter(d in docs(), r in request()) {
        let mut reversed = d.clone();
        for (_, sts) in &mut reversed.layers {
            sts.reverse();
        }
        reversed.layers.reverse();
        prop_assert_eq!(eval::decide(&build(&d), &r, false).decision, eval::decide(&build(&reversed), &r, false).decision);
    }
}
