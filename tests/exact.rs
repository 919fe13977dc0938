//! The exact engine (`s3_access::exact`): the cases of issue 11 answered over all requests,
//! and an independent oracle: on random small documents (the generators of
//! `tests/properties.rs`), every request of a finite product of callers, actions, resources
//! and context values that tells the generators' constants apart goes through `decide`, and
//! the engine must agree on every (caller, action, resource): an allowed request exists
//! exactly when the engine says "yes" (0 differences; "uncertain" is counted, not compared).

use crate::properties::{CALLERS, build, docs};
use proptest::prelude::*;
use s3_access::eval::{self, Caller, Decision, Graph, Layer, Request};
use s3_access::exact::keys::{self, Availability};
use s3_access::exact::{self, Answer, PrincipalScope, Question, Scope};
use s3_access::source::SourceFile;

pub(crate) const OWNER: &str = "111122223333";
pub(crate) const NOW: i64 = 1_767_225_600;

fn bucket_graph(policy: &str) -> Graph {
    let mut g = Graph::new();
    eval::add_source(
        &mut g,
        SourceFile::new("bucket.json", policy.to_string()),
        Layer::Bucket,
        0,
    )
    .unwrap();
    g
}

fn question<'g>(graph: &'g Graph, scope: Scope) -> Question<'g> {
    Question {
        graph,
        bucket: "bkt".into(),
        owner: OWNER.into(),
        now: NOW,
        scope,
    }
}

fn policy(statements: &str) -> String {
    format!(r#"{{"Version": "2012-10-17", "Statement": [{statements}]}}"#)
}

fn scope(principals: PrincipalScope, actions: &[&str]) -> Scope {
    Scope {
        principals,
        actions: actions.iter().map(|a| a.to_string()).collect(),
        ..Scope::default()
    }
}

#[test]
fn an_object_grant_gives_object_actions_only() {
    let g = bucket_graph(&policy(
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::bkt/*"}"#,
    ));
    let e = exact::explore(&question(&g, scope(PrincipalScope::Anonymous, &[])));
    assert!(e.reasons.is_empty(), "{:?}", e.reasons);
    let actions: Vec<&str> = e
        .findings
        .iter()
        .map(|f| f.request.action.as_str())
        .collect();
    assert!(actions.contains(&"s3:GetObject"));
    assert!(!actions.contains(&"s3:PutBucketPolicy"));
    assert!(!actions.contains(&"s3:ListBucket"));
    assert!(
        e.findings
            .iter()
            .all(|f| f.request.resource.starts_with("arn:aws:s3:::bkt/"))
    );
    // An action the catalogue does not know is granted too (s3:* covers it).
    assert!(e.findings.iter().any(|f| f.unknown_action));
    let a = exact::ask(&question(
        &g,
        scope(PrincipalScope::Anonymous, &["s3:PutBucketPolicy"]),
    ));
    assert!(matches!(a, Answer::No), "{a:?}");
}

#[test]
fn an_unconditional_deny_leaves_no_request() {
    let g = bucket_graph(&policy(
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"},
           {"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}"#,
    ));
    let a = exact::ask(&question(&g, scope(PrincipalScope::All, &["s3:GetObject"])));
    assert!(matches!(a, Answer::No), "{a:?}");
}

#[test]
fn an_organisation_pin_admits_members_of_any_account_and_never_anonymous_callers() {
    let g = bucket_graph(&policy(
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*",
            "Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-123"}}}"#,
    ));
    let anon = exact::ask(&question(
        &g,
        scope(PrincipalScope::Anonymous, &["s3:GetObject"]),
    ));
    assert!(matches!(anon, Answer::No), "{anon:?}");
    let other = exact::ask(&question(
        &g,
        scope(
            PrincipalScope::OutsideAccount(OWNER.into()),
            &["s3:GetObject"],
        ),
    ));
    let Answer::Yes(f) = other else {
        panic!("{other:?}")
    };
    assert!(
        f.given
            .iter()
            .any(|(k, v)| k == "aws:PrincipalOrgID" && v == &["o-123"])
    );
}

#[test]
fn plain_http_is_found_where_the_deny_does_not_reach() {
    let g = bucket_graph(&policy(
        r#"{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"s3:*","Resource":["arn:aws:s3:::bkt","arn:aws:s3:::bkt/*"]},
           {"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::bkt/*",
            "Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
    ));
    let http = Scope::default()
        .with_conditions(r#"{"Bool": {"aws:SecureTransport": "false"}}"#)
        .unwrap();
    let e = exact::explore(&question(&g, http.clone()));
    assert!(!e.findings.is_empty());
    for f in &e.findings {
        assert_eq!(f.request.resource, "arn:aws:s3:::bkt", "{f:?}");
        assert_eq!(
            *f.request.context.get("aws:SecureTransport").unwrap().values,
            ["false"]
        );
    }
    let objects = Scope {
        resource: Some("arn:aws:s3:::bkt/*".into()),
        ..http
    };
    let a = exact::ask(&question(&g, objects));
    assert!(matches!(a, Answer::No), "{a:?}");
}

#[test]
fn a_pinned_source_ip_is_honoured_and_variables_make_no_uncertain() {
    let g = bucket_graph(&policy(
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*",
            "Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#,
    ));
    let a = exact::ask(&question(&g, scope(PrincipalScope::Anonymous, &[])));
    let Answer::Yes(f) = a else { panic!("{a:?}") };
    let ip = &f.request.context.get("aws:SourceIp").unwrap().values[0];
    assert!(ip.starts_with("203.0.113."), "{ip}");
    let g = bucket_graph(&policy(
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/${aws:username}/*"}"#,
    ));
    let a = exact::ask(&question(&g, scope(PrincipalScope::Anonymous, &[])));
    let Answer::Uncertain(reasons) = a else {
        panic!("{a:?}")
    };
    assert_eq!(reasons[0].statement, Some(0));
}

#[test]
fn a_region_of_more_than_64_statements_is_searched_whole() {
    // An Allow and 70 Denies on values of one key: the region's statements do not fit one
    // word of bits. Only a value none of them names, or none at all, gets in.
    let value = |i: usize| format!("https://example.com/{i}");
    let denies: Vec<String> = (0..70)
        .map(|i| {
            format!(
                r#"{{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*","Condition":{{"StringEquals":{{"aws:Referer":"{}"}}}}}}"#,
                value(i)
            )
        })
        .collect();
    let allow = r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}"#;
    let g = bucket_graph(&policy(&format!("{allow},{}", denies.join(","))));
    let anyone = scope(PrincipalScope::Anonymous, &["s3:GetObject"]);
    let e = exact::explore(&question(&g, anyone.clone()));
    assert!(!e.findings.is_empty());
    for f in &e.findings {
        for v in f
            .request
            .context
            .get("aws:Referer")
            .iter()
            .flat_map(|e| e.values.iter())
        {
            assert!((0..70).all(|i| *v != value(i)), "{v} is denied");
        }
    }
    // One more Deny for every other value, and for none: no request gets in.
    let named: Vec<String> = (0..70).map(|i| format!("\"{}\"", value(i))).collect();
    let rest = format!(
        r#"{{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*","Condition":{{"StringNotEquals":{{"aws:Referer":[{}]}}}}}}"#,
        named.join(",")
    );
    let g = bucket_graph(&policy(&format!("{allow},{},{rest}", denies.join(","))));
    let a = exact::ask(&question(&g, anyone));
    assert!(matches!(a, Answer::No), "{a:?}");
}

// ---------------------------------------------------------------------------------------
// The oracle.
// ---------------------------------------------------------------------------------------

pub(crate) const ACTIONS: &[(&str, bool)] = &[
    ("s3:GetObject", false),
    ("s3:PutObject", false),
    ("s3:DeleteObject", false),
    ("s3:ListBucket", true),
    ("s3:PutBucketPolicy", true),
    ("s3:NewThing", true),
];
pub(crate) const KEYS: &[&str] = &["k1", "alice/x", "zz"];

/// Values that tell the generators' condition constants apart, per key (`None`: absent).
fn values_of(key: &str) -> Vec<Option<Vec<&'static str>>> {
    let one = |v: &'static str| Some(vec![v]);
    match key.to_ascii_lowercase().as_str() {
        "aws:securetransport" | "aws:viaawsservice" => vec![one("true"), one("false")],
        "aws:sourceip" => vec![
            None,
            one("203.0.113.7"),
            one("2001:db8::1"),
            one("10.0.0.1"),
            one("2002::1"),
        ],
        "aws:sourcevpce" => vec![None, one("vpce-1"), one("vpce-2")],
        "aws:principalorgpaths" => vec![
            None,
            Some(vec![]),
            one("o-1/r-1/ou-1/"),
            one("o-2/"),
            Some(vec!["o-2/", "o-1/r-1/"]),
        ],
        "s3:prefix" => vec![None, one("home/alice/docs"), one("other")],
        _ => vec![None],
    }
}

/// Every context of the keys the graph's conditions use, for `caller`.
pub(crate) fn contexts(
    graph: &Graph,
    caller: &Caller,
    action: &str,
) -> Vec<Vec<(String, Vec<&'static str>)>> {
    let mut used: Vec<String> = Vec::new();
    for s in &graph.statements {
        for c in &s.conditions {
            let k = c.key.to_ascii_lowercase();
            if !used.contains(&k) {
                used.push(k);
            }
        }
    }
    let mut out: Vec<Vec<(String, Vec<&'static str>)>> = vec![Vec::new()];
    for k in used {
        let options: Vec<Option<Vec<&'static str>>> =
            match keys::availability_for(&k, caller, action) {
                Availability::Derived | Availability::Never => vec![None],
                Availability::Always => values_of(&k).into_iter().filter(Option::is_some).collect(),
                _ => values_of(&k),
            };
        let mut next = Vec::new();
        for ctx in &out {
            for o in &options {
                let mut c = ctx.clone();
                if let Some(v) = o {
                    c.push((k.clone(), v.clone()));
                }
                next.push(c);
            }
        }
        out = next;
    }
    out
}

pub(crate) fn concrete(
    caller: &Caller,
    action: &str,
    resource: &str,
    ctx: &[(String, Vec<&str>)],
) -> Request {
    let mut r = Request::new(caller.clone(), action, resource, Some(OWNER), &[], NOW);
    for (k, vs) in ctx {
        r.context.set(
            k,
            vs.iter().map(|v| v.to_string()).collect(),
            eval::context::Origin::Given,
        );
    }
    r
}

/// Compares the engine with enumeration on one graph: differences as messages, and the
/// number of uncertain answers. Per (caller, action, resource), then per action over every
/// principal (an allowed request of the oracle's universe is never a "no" there either).
fn compare(graph: &Graph) -> (Vec<String>, usize) {
    let mut diffs = Vec::new();
    let mut uncertain = 0;
    let mut any_caller = vec![false; ACTIONS.len()];
    for c in CALLERS {
        let caller = Caller::parse(c).unwrap();
        for (ai, (action, on_bucket)) in ACTIONS.iter().enumerate() {
            let ctxs = contexts(graph, &caller, action);
            let resources: Vec<String> = if *on_bucket {
                vec!["arn:aws:s3:::bkt".into()]
            } else {
                KEYS.iter()
                    .map(|k| format!("arn:aws:s3:::bkt/{k}"))
                    .collect()
            };
            for resource in resources {
                let oracle = ctxs.iter().any(|ctx| {
                    let r = concrete(&caller, action, &resource, ctx);
                    eval::decide(graph, &r, false).decision == Decision::Allow
                });
                if let Some(slot) = any_caller.get_mut(ai) {
                    *slot |= oracle;
                }
                let q = question(
                    graph,
                    Scope {
                        principals: PrincipalScope::Caller(caller.clone()),
                        actions: vec![action.to_string()],
                        resource: Some(resource.clone()),
                        conditions: Vec::new(),
                    },
                );
                match exact::ask(&q) {
                    Answer::Yes(_) if !oracle => {
                        diffs.push(format!("engine yes, oracle no: {c} {action} {resource}"))
                    }
                    Answer::No if oracle => {
                        diffs.push(format!("engine no, oracle yes: {c} {action} {resource}"))
                    }
                    Answer::Uncertain(_) => uncertain += 1,
                    _ => {}
                }
            }
        }
    }
    for ((action, _), oracle) in ACTIONS.iter().zip(any_caller) {
        let q = question(graph, scope(PrincipalScope::All, &[action]));
        if oracle && matches!(exact::ask(&q), Answer::No) {
            diffs.push(format!(
                "engine no for every principal, oracle yes: {action}"
            ));
        }
    }
    (diffs, uncertain)
}

pub(crate) fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(24, |n: u32| n.min(200))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn the_engine_agrees_with_enumeration(d in docs()) {
        let graph = build(&d);
        let (diffs, _) = compare(&graph);
        prop_assert!(diffs.is_empty(), "{} differences on {d:?}:\n{}", diffs.len(), diffs.join("\n"));
    }
}

#[test]
fn the_oracle_sees_differences_it_is_meant_to_see() {
    // The oracle is not vacuous: on a policy with a grant, it finds allowed requests, and the
    // engine agrees on each.
    let g = bucket_graph(&policy(
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/k*",
            "Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#,
    ));
    let caller = Caller::Anonymous;
    let allowed = contexts(&g, &caller, "s3:GetObject")
        .iter()
        .filter(|ctx| {
            let r = concrete(&caller, "s3:GetObject", "arn:aws:s3:::bkt/k1", ctx);
            eval::decide(&g, &r, false).decision == Decision::Allow
        })
        .count();
    assert!(allowed > 0);
    let (diffs, uncertain) = compare(&g);
    assert!(diffs.is_empty(), "{diffs:?}");
    assert_eq!(uncertain, 0);
}

// ---------------------------------------------------------------------------------------
// who-can.
// ---------------------------------------------------------------------------------------

fn who_can_cli(args: &[&str]) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_s3-access"))
        .arg("who-can")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn who_can_lists_public_readers_with_a_witness_and_the_granting_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.json");
    std::fs::write(
        &path,
        r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
   "Resource": "arn:aws:s3:::bkt/public/*"},
  {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "444455556666"},
   "Action": "s3:PutObject", "Resource": "arn:aws:s3:::bkt/in/*",
   "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}
]}"#,
    )
    .unwrap();
    let p = path.to_str().unwrap();
    let (code, text) = who_can_cli(&[p]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("public (anonymous, or any AWS account):"),
        "{text}"
    );
    assert!(text.contains("anyone, anonymously"), "{text}");
    assert!(
        text.contains("e.g. anonymous s3:GetObject on arn:aws:s3:::bkt/public/"),
        "{text}"
    );
    assert!(text.contains("policy.json:2:3 Sid `PublicRead`"), "{text}");
    assert!(text.contains("account 444455556666"), "{text}");
    // The condition in words, the range as written (not one address of it), and its Sid.
    assert!(
        text.contains("conditions: only from `203.0.113.0/24` (Sid `Partner`)"),
        "{text}"
    );
    // Nobody else gets PutObject outside in/*; the witness keys stay in their regions.
    assert!(!text.contains("anonymous s3:PutObject"), "{text}");

    let (code, json) = who_can_cli(&[p, "--action", "s3:PutObject", "--format", "json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["buckets"][0]["owner_assumed"], true);
    // The owner is not given: its own principals may do anything their identity policies
    // allow; everyone else only what the policy grants.
    let groups: Vec<&serde_json::Value> = v["buckets"][0]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["stratum"] != "same-account")
        .collect();
    assert!(!groups.is_empty());
    for g in groups {
        assert_eq!(g["actions"], serde_json::json!(["s3:PutObject"]));
        assert_eq!(g["stratum"], "other-account", "{g}");
        let res = g["witness"]["resource"].as_str().unwrap();
        assert!(res.starts_with("arn:aws:s3:::bkt/in/"), "{res}");
    }

    // A resource outside every grant: only the owner's own principals, exit 0.
    let (code, text) = who_can_cli(&[p, "--resource", "arn:aws:s3:::bkt/private/*"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("the bucket owner's account:"), "{text}");
    assert!(
        text.contains("granted without a policy: the root user of the account that owns"),
        "{text}"
    );
    assert!(
        !text.contains("public (") && !text.contains("other accounts:"),
        "{text}"
    );
}

#[test]
fn who_can_never_lets_anonymous_callers_in_through_access_point_or_organisation_keys() {
    let g = bucket_graph(&policy(
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::bkt","arn:aws:s3:::bkt/*"],
            "Condition":{"StringEquals":{"s3:DataAccessPointAccount":"111122223333"}}},
           {"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*",
            "Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}"#,
    ));
    let mut model = s3_access::eval::bucket::BucketModel::new("bkt");
    model.graph = g;
    model.owner = Some(OWNER.into());
    let w = exact::who_can::who_can(
        &model,
        &exact::who_can::WhoCanOptions {
            now: NOW,
            ..Default::default()
        },
    );
    assert!(w.reasons.is_empty(), "{:?}", w.reasons);
    assert!(
        w.groups.iter().all(|g| g.class.caller != Caller::Anonymous),
        "{:?}",
        w.groups
            .iter()
            .map(|g| g.class.caller.to_string())
            .collect::<Vec<_>>()
    );
    // Members of the organisation, in any account, can read.
    assert!(w.groups.iter().any(|g| g.class.other_account
        && g.actions == ["s3:GetObject"]
        && g.when.iter().any(|(k, _)| k == "aws:PrincipalOrgID")));
}

#[test]
fn a_star_pinned_to_another_account_is_that_account_or_a_service_never_public() {
    for (key, value, stratum) in [
        (
            "aws:PrincipalArn",
            "arn:aws:iam::444455556666:role/Reader",
            exact::who_can::Stratum::OtherAccount,
        ),
        (
            "aws:PrincipalAccount",
            "444455556666",
            exact::who_can::Stratum::OtherAccount,
        ),
        (
            "aws:SourceOwner",
            "444455556666",
            exact::who_can::Stratum::Service,
        ),
        (
            "aws:SourceAccount",
            "444455556666",
            exact::who_can::Stratum::Service,
        ),
    ] {
        let mut model = s3_access::eval::bucket::BucketModel::new("bkt");
        model.owner = Some(OWNER.into());
        model.graph = bucket_graph(&policy(&format!(
            r#"{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*",
                "Condition":{{"StringEquals":{{"{key}":"{value}"}}}}}}"#
        )));
        let w = exact::who_can::who_can(
            &model,
            &exact::who_can::WhoCanOptions {
                now: NOW,
                actions: vec!["s3:GetObject".into()],
                ..Default::default()
            },
        );
        assert!(w.reasons.is_empty(), "{key}: {:?}", w.reasons);
        let outside: Vec<_> = w
            .groups
            .iter()
            .filter(|g| g.stratum != exact::who_can::Stratum::SameAccount)
            .collect();
        assert!(!outside.is_empty(), "{key}");
        for g in outside {
            assert_eq!(g.stratum, stratum, "{key}: {}", g.class.caller);
        }
    }
}

/// A finding as the reductions must keep it: caller, action, resource, the keys set and left
/// absent, and what the decision rests on.
fn finding_key(f: &exact::Finding) -> String {
    let mut determining = f.response.determining.clone();
    determining.sort_unstable();
    format!(
        "{} {} {} given={:?} absent={:?} unknown={} determining={determining:?} grants={:?} blocks={}",
        f.request.caller,
        f.request.action,
        f.request.resource,
        f.given,
        f.absent,
        f.unknown_action,
        f.response.grants,
        f.response.blocks.len()
    )
}

/// Explores `model`'s bucket with and without the reductions (alike actions and object keys
/// decided once) and returns the differences.
fn reduction_differences(model: &eval::bucket::BucketModel) -> Vec<String> {
    let mut graph = model.graph.clone();
    if !graph.has_layer(Layer::Identity) {
        let all = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        eval::add_source(
            &mut graph,
            SourceFile::new("id.json", all),
            Layer::Identity,
            0,
        )
        .unwrap();
    }
    let q = Question {
        graph: &graph,
        bucket: model.name.clone(),
        owner: model.owner.clone().unwrap_or_else(|| OWNER.into()),
        now: NOW,
        scope: Scope::default(),
    };
    let (fast, slow) = (exact::explore(&q), exact::explore_unreduced(&q));
    let a: Vec<String> = fast.findings.iter().map(finding_key).collect();
    let b: Vec<String> = slow.findings.iter().map(finding_key).collect();
    let mut out = Vec::new();
    if a != b {
        let only_fast: Vec<&String> = a.iter().filter(|x| !b.contains(x)).take(3).collect();
        let only_slow: Vec<&String> = b.iter().filter(|x| !a.contains(x)).take(3).collect();
        out.push(format!(
            "{}: {} findings reduced, {} unreduced; only reduced: {only_fast:?}; only unreduced: {only_slow:?}",
            model.name,
            a.len(),
            b.len()
        ));
    }
    if fast.reasons != slow.reasons {
        out.push(format!(
            "{}: reasons differ: {:?} vs {:?}",
            model.name, fast.reasons, slow.reasons
        ));
    }
    if fast.decided > slow.decided {
        out.push(format!("{}: the reductions decided more", model.name));
    }
    out
}

/// The bucket policies of a folder, each as a bucket (files that do not load are skipped).
fn policy_models(dir: &std::path::Path, every: usize) -> Vec<eval::bucket::BucketModel> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .step_by(every.max(1))
        .filter_map(|p| {
            let text = std::fs::read_to_string(p).ok()?;
            let source = SourceFile::new(p.display().to_string(), text);
            eval::bucket::BucketModel::from_policy(source, false).ok()
        })
        .collect()
}

#[test]
fn the_reductions_change_no_finding() {
    // Alike actions and alike object keys share one decision: the findings, their order, the
    // reasons must be those of deciding every action and key on its own, on the example
    // bucket folder (ACLs, Object Ownership, BPA, access points, identity policies), the
    // awsdocs bucket policies, and a sample of the shared corpus when it is present (every
    // policy with S3_ACCESS_FULL_REDUCTION_CHECK=1).
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("policies/buckets/example-bucket");
    let tree = s3_access::contain::Root::new(std::slice::from_ref(&dir), dir.parent());
    let folder = s3_access::aws_docs::load_bucket(&dir, &tree).unwrap();
    let mut models = vec![eval::bucket::BucketModel::from_folder(&folder).unwrap()];
    let full = std::env::var_os("S3_ACCESS_FULL_REDUCTION_CHECK").is_some();
    let (docs_every, corpus_every) = if full { (1, 1) } else { (3, 15) };
    models.extend(policy_models(
        &root.join("tests/corpus/awsdocs-bucket-policies"),
        docs_every,
    ));
    models.extend(policy_models(
        &crate::shared_corpus("s3-bucket-policies/unique").unwrap_or_default(),
        corpus_every,
    ));
    assert!(models.len() > 30, "only {} buckets", models.len());
    let diffs: Vec<String> = models.iter().flat_map(reduction_differences).collect();
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// A `who-can` or `diff` group as the reductions must keep it: everything shown.
fn group_key(g: &exact::who_can::Group) -> String {
    format!(
        "{:?} {} actions={:?} unknown={} resources={:?} when={:?} statements={:?} grants={:?} witness: {}",
        g.stratum,
        g.class.caller,
        g.actions,
        g.unknown_action,
        g.resources,
        g.when,
        g.statements,
        g.grants,
        finding_key(&g.witness)
    )
}

/// The requests a class exploration finds allowed: (principal, action, resource), each once.
fn answers(e: &exact::ClassExploration) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    for c in &e.classes {
        for a in &c.actions {
            for r in &c.resources {
                out.insert(format!(
                    "{} {} {}",
                    c.finding.class.caller, e.actions[*a].0, e.resources[*r]
                ));
            }
        }
    }
    out
}

/// The differences between `who-can` (and the class exploration) with and without the
/// reductions, on `model`.
fn class_differences(model: &eval::bucket::BucketModel) -> Vec<String> {
    use exact::who_can::{WhoCanOptions, who_can_with};
    let options = WhoCanOptions {
        now: NOW,
        ..WhoCanOptions::default()
    };
    let (fast, slow) = (
        who_can_with(model, &options, true),
        who_can_with(model, &options, false),
    );
    let a: Vec<String> = fast.groups.iter().map(group_key).collect();
    let b: Vec<String> = slow.groups.iter().map(group_key).collect();
    let mut out = Vec::new();
    if a != b {
        let first = a.iter().zip(&b).find(|(x, y)| x != y);
        out.push(format!(
            "{}: who-can: {} groups reduced, {} unreduced; first difference: {first:?}",
            model.name,
            a.len(),
            b.len()
        ));
    }
    if fast.reasons != slow.reasons {
        out.push(format!("{}: who-can reasons differ", model.name));
    }
    let q = Question {
        graph: &fast.graph,
        bucket: model.name.clone(),
        owner: fast.owner.clone(),
        now: NOW,
        scope: Scope::default(),
    };
    let reduced = answers(&exact::explore_classes(&q));
    let unreduced: std::collections::BTreeSet<String> = exact::explore_unreduced(&q)
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f.class.caller, f.request.action, f.request.resource
            )
        })
        .collect();
    for d in reduced.symmetric_difference(&unreduced).take(3) {
        out.push(format!("{}: answered by one side only: {d}", model.name));
    }
    out
}

/// The differences between `diff OLD NEW --removed` with and without the reductions.
fn diff_differences(
    old: &eval::bucket::BucketModel,
    new: &eval::bucket::BucketModel,
) -> Vec<String> {
    use exact::who_can::WhoCanOptions;
    let options = WhoCanOptions {
        now: NOW,
        ..WhoCanOptions::default()
    };
    let fast = exact::diff::diff_with(Some(old), Some(new), &options, true, true);
    let slow = exact::diff::diff_with(Some(old), Some(new), &options, true, false);
    let key = |gs: &[exact::who_can::Group]| gs.iter().map(group_key).collect::<Vec<_>>();
    let mut out = Vec::new();
    if key(&fast.added) != key(&slow.added) || key(&fast.removed) != key(&slow.removed) {
        out.push(format!(
            "diff {} -> {}: added {}/{} removed {}/{} groups (reduced/unreduced)",
            old.name,
            new.name,
            fast.added.len(),
            slow.added.len(),
            fast.removed.len(),
            slow.removed.len()
        ));
    }
    if fast.reasons != slow.reasons {
        out.push(format!("diff {} -> {}: reasons differ", old.name, new.name));
    }
    out
}

#[test]
fn the_reduced_classes_answer_like_the_unreduced_search() {
    // who-can and diff summarise finding classes (alike actions and keys kept as one decided
    // finding): the same groups (actions, resources, conditions, statements, witness) and the
    // same yes/no per principal class, action and resource as deciding every request region
    // on its own, on the example bucket folder, the awsdocs bucket policies and a sample of
    // the shared corpus (diff: each sampled policy against the next one).
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("policies/buckets/example-bucket");
    let tree = s3_access::contain::Root::new(std::slice::from_ref(&dir), dir.parent());
    let folder = s3_access::aws_docs::load_bucket(&dir, &tree).unwrap();
    let mut models = vec![eval::bucket::BucketModel::from_folder(&folder).unwrap()];
    let full = std::env::var_os("S3_ACCESS_FULL_REDUCTION_CHECK").is_some();
    let (docs_every, corpus_every) = if full { (1, 1) } else { (4, 20) };
    models.extend(policy_models(
        &root.join("tests/corpus/awsdocs-bucket-policies"),
        docs_every,
    ));
    models.extend(policy_models(
        &crate::shared_corpus("s3-bucket-policies/unique").unwrap_or_default(),
        corpus_every,
    ));
    assert!(models.len() > 20, "only {} buckets", models.len());
    let mut diffs: Vec<String> = models.iter().flat_map(class_differences).collect();
    for pair in models.windows(2).step_by(3) {
        if let [old, new] = pair {
            diffs.extend(diff_differences(old, new));
        }
    }
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// A bucket folder owned by `OWNER` with ACLs enabled (ObjectWriter): its ACL grants the
/// owner FULL_CONTROL and `grant` (one grant object, with its permission), and `statements`
/// are its bucket policy; loaded as `who-can` loads it.
fn acl_bucket(name: &str, grant: &str, statements: &str) -> eval::bucket::BucketModel {
    let dir = tempfile::tempdir().unwrap();
    let bucket = dir.path().join(name);
    std::fs::create_dir(&bucket).unwrap();
    let id = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be";
    let files = [
        (
            "s3-access.json",
            format!(
                r#"{{"s3-access": 1, "bucket": "{name}", "account": "{OWNER}", "canonical_id": "{id}"}}"#
            ),
        ),
        (
            "acl.json",
            format!(
                r#"{{"Owner": {{"ID": "{id}"}}, "Grants": [
                {{"Grantee": {{"ID": "{id}", "Type": "CanonicalUser"}}, "Permission": "FULL_CONTROL"}}, {grant}]}}"#
            ),
        ),
        (
            "ownership-controls.json",
            r#"{"OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}}"#.into(),
        ),
        ("policy.json", policy(statements)),
    ];
    for (file, text) in files {
        std::fs::write(bucket.join(file), text).unwrap();
    }
    let tree = s3_access::contain::Root::new(std::slice::from_ref(&bucket), Some(dir.path()));
    let folder = s3_access::aws_docs::load_bucket(&bucket, &tree).unwrap();
    eval::bucket::BucketModel::from_folder(&folder).unwrap()
}

#[test]
fn the_log_delivery_grant_is_the_log_delivery_services_alone() {
    // The bucket ACL grants the Log Delivery group WRITE (object writes, for the S3 log
    // delivery service only); the policy lets CloudTrail write its logs. The log delivery
    // service writes anywhere, CloudTrail only under `AWSLogs/`: a service class must not
    // inherit another's decisions (were services to share them, as roles alike do), and the
    // reduced search answers as the unreduced one.
    let model = acl_bucket(
        "logbkt",
        r#"{"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"}, "Permission": "WRITE"}"#,
        r#"{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::logbkt/AWSLogs/*"}"#,
    );
    let w = exact::who_can::who_can(
        &model,
        &exact::who_can::WhoCanOptions {
            now: NOW,
            ..Default::default()
        },
    );
    let of = |service: &str| -> Vec<&exact::who_can::Group> {
        w.groups
            .iter()
            .filter(|g| g.class.caller.to_string() == service)
            .collect()
    };
    let writes = |gs: &[&exact::who_can::Group]| {
        gs.iter()
            .any(|g| g.actions.iter().any(|a| a == "s3:PutObject"))
    };
    assert!(writes(&of("logging.s3.amazonaws.com")), "{:?}", w.groups);
    let trail = of("cloudtrail.amazonaws.com");
    assert!(writes(&trail), "{:?}", w.groups);
    for g in &trail {
        assert!(
            g.resources
                .iter()
                .all(|r| r.starts_with("arn:aws:s3:::logbkt/AWSLogs/")),
            "{g:?}"
        );
    }
    let diffs = class_differences(&model);
    assert!(diffs.is_empty(), "{diffs:?}");
}

#[test]
fn regions_no_allow_statement_reaches_still_get_what_s3_grants_without_one() {
    // The search passes over a region whose Allow statements all fail on a key the region
    // fixes, once `decide` allows nothing there without statements. Here the only Allow
    // statement is for another account's callers, but the ACL grants everyone READ: the
    // anonymous listing may not be lost, and the reduced search answers as the unreduced one.
    let model = acl_bucket(
        "aclbkt",
        r#"{"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}"#,
        r#"{"Sid":"Tls","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::aclbkt","arn:aws:s3:::aclbkt/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}},
        {"Sid":"Other","Effect":"Allow","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::aclbkt","arn:aws:s3:::aclbkt/*"],"Condition":{"StringEquals":{"aws:PrincipalAccount":"777788889999"}}}"#,
    );
    let w = exact::who_can::who_can(
        &model,
        &exact::who_can::WhoCanOptions {
            now: NOW,
            ..Default::default()
        },
    );
    let lists = w.groups.iter().any(|g| {
        g.class.caller == Caller::Anonymous && g.actions.iter().any(|a| a == "s3:ListBucket")
    });
    assert!(lists, "{:?}", w.groups);
    let diffs = class_differences(&model);
    assert!(diffs.is_empty(), "{diffs:?}");
    let diffs = reduction_differences(&model);
    assert!(diffs.is_empty(), "{diffs:?}");
}

#[test]
fn an_allow_with_an_unknown_operator_keeps_its_uncertainty_where_it_cannot_match() {
    // A graph built from a policy that was not validated (`Graph::add`) can hold a condition
    // operator `decide` does not know: it reports that its answer may hide an allow, though
    // the statement does not match. The search may not pass over the partner's regions (no
    // other Allow reaches them) without it.
    let text = policy(
        r#"{"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::bkt/in/*","Condition":{"StringEqualsFoo":{"aws:PrincipalAccount":"444455556666"}}}"#,
    );
    let file = SourceFile::new("bucket.json", text);
    let root = s3_access::json::parse(file.text()).unwrap();
    let parsed =
        s3_access::policy::parse::parse_policy(&root, s3_access::policy::PolicyKind::Bucket);
    let mut g = Graph::new();
    g.add(file, parsed.policy.unwrap(), Layer::Bucket, 0);
    let q = question(&g, Scope::default());
    let (fast, slow) = (exact::explore(&q), exact::explore_unreduced(&q));
    let hides = |e: &exact::Exploration| {
        e.reasons.iter().any(|r| {
            r.message
                .contains("Allow statement has a condition operator")
        })
    };
    assert!(hides(&slow), "{:?}", slow.reasons);
    assert_eq!(fast.reasons, slow.reasons);
}

// ---------------------------------------------------------------------------------------
// The oracle with the KMS leg: the same documents and a generated key policy; each request
// is allowed when S3 allows it and, for an object read or write that calls KMS, the leg does
// (`eval::kms::KmsLeg`, decided here on its own, independently of the engine's `Leg`).
// ---------------------------------------------------------------------------------------

/// The key's account: the bucket owner's, or one no document names (`foreign`).
fn kms_key(foreign: bool) -> (String, String) {
    let account = if foreign { "777788889999" } else { OWNER };
    (
        format!("arn:aws:kms:us-east-1:{account}:key/k1"),
        account.to_string(),
    )
}
const KEY_PRINCIPALS: &[&str] = &[
    r#""*""#,
    r#"{"AWS": "111122223333"}"#,
    r#"{"AWS": "arn:aws:iam::444455556666:root"}"#,
    r#"{"AWS": "arn:aws:iam::111122223333:user/alice"}"#,
];
const KEY_ACTIONS: &[&str] = &["kms:Decrypt", "kms:GenerateDataKey*", "kms:*", "*"];
const KEY_CONDITIONS: &[&str] = &[
    r#"{"StringEquals": {"kms:CallerAccount": "444455556666"}}"#,
    r#"{"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}"#,
    r#"{"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}"#,
    r#"{"StringLike": {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::bkt/alice/*"}}"#,
    r#"{"StringNotLike": {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::bkt/k*"}}"#,
    r#"{"StringEquals": {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::bkt"}}"#,
    r#"{"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}"#,
    r#"{"Bool": {"aws:SecureTransport": "false"}}"#,
    r#"{"Bool": {"aws:ViaAWSService": "false"}}"#,
];

/// A key policy statement: effect, principal, action and condition (indexes).
type KeySt = (bool, usize, usize, Option<usize>);

fn key_statement() -> impl Strategy<Value = KeySt> {
    (
        proptest::bool::weighted(0.7),
        0..KEY_PRINCIPALS.len(),
        0..KEY_ACTIONS.len(),
        proptest::option::of(0..KEY_CONDITIONS.len()),
    )
}

fn key_policy(sts: &[KeySt]) -> String {
    let body: Vec<String> = sts
        .iter()
        .map(|(allow, p, a, c)| {
            let condition = c
                .map(|c| format!(r#", "Condition": {}"#, KEY_CONDITIONS[c]))
                .unwrap_or_default();
            format!(
                r#"{{"Effect": "{}", "Principal": {}, "Action": "{}", "Resource": "*"{condition}}}"#,
                if *allow { "Allow" } else { "Deny" },
                KEY_PRINCIPALS[*p],
                KEY_ACTIONS[*a]
            )
        })
        .collect();
    policy(&body.join(", "))
}

/// The key, and the S3 graph with its key policy (`exact::kms_leg::with_key`); `bucket_key`
/// and whether the key is in an account no document names.
fn with_key_policy(
    graph: &Graph,
    sts: &[KeySt],
    (bucket_key, foreign): (bool, bool),
) -> (Graph, eval::kms::KmsKey) {
    let (arn, account) = kms_key(foreign);
    let mut key_graph = Graph::new();
    eval::add_source(
        &mut key_graph,
        SourceFile::new("key-policy.json", key_policy(sts)),
        Layer::KeyPolicy,
        0,
    )
    .unwrap();
    let key = eval::kms::KmsKey {
        arn,
        account,
        aws_managed: false,
        bucket_key,
        from: "the test's key".into(),
        assumed: false,
    };
    (exact::kms_leg::with_key(graph, &key_graph), key)
}

/// Whether the oracle's request passes the KMS leg (true when S3 calls no KMS for it).
fn oracle_leg(graph: &Graph, key: &eval::kms::KmsKey, r: &Request) -> bool {
    let object = r.resource.contains("bkt/");
    let other_algorithm = r
        .context
        .get("s3:x-amz-server-side-encryption")
        .is_some_and(|e| e.values.iter().any(|v| v == "AES256"));
    if !object || (r.action == "s3:PutObject" && other_algorithm) {
        return true;
    }
    let leg = eval::kms::leg_graph(graph);
    eval::kms::KmsLeg::decide(leg, key.clone(), r, &r.resource, false)
        .is_none_or(|l| l.call.response.decision == Decision::Allow)
}

/// [`compare`] with the KMS leg: differences, and the number of uncertain answers.
fn compare_kms(graph: &Graph, key: &eval::kms::KmsKey) -> (Vec<String>, usize) {
    let leg = exact::kms_leg::Leg::new(graph, key.clone());
    let mut diffs = Vec::new();
    let mut uncertain = 0;
    // A caller of the foreign key's account, which no document names.
    let carol = "arn:aws:iam::777788889999:user/carol";
    let mut any_caller: Vec<&str> = Vec::new();
    for c in CALLERS.iter().copied().chain([carol]) {
        let caller = Caller::parse(c).unwrap();
        for (action, on_bucket) in ACTIONS.iter().filter(|(_, b)| !*b) {
            let mut ctxs = contexts(graph, &caller, action);
            if *action == "s3:PutObject" {
                let k = "s3:x-amz-server-side-encryption".to_string();
                ctxs = ctxs
                    .into_iter()
                    .flat_map(|ctx| {
                        let with = |v: &'static str| {
                            let mut c = ctx.clone();
                            c.push((k.clone(), vec![v]));
                            c
                        };
                        vec![ctx.clone(), with("AES256"), with("aws:kms")]
                    })
                    .collect();
            }
            debug_assert!(!on_bucket);
            for k in KEYS {
                let resource = format!("arn:aws:s3:::bkt/{k}");
                let oracle = ctxs.iter().any(|ctx| {
                    let r = concrete(&caller, action, &resource, ctx);
                    eval::decide(graph, &r, false).decision == Decision::Allow
                        && oracle_leg(graph, key, &r)
                });
                if oracle && !any_caller.contains(action) {
                    any_caller.push(action);
                }
                let q = question(
                    graph,
                    Scope {
                        principals: PrincipalScope::Caller(caller.clone()),
                        actions: vec![action.to_string()],
                        resource: Some(resource.clone()),
                        conditions: Vec::new(),
                    },
                );
                match exact::kms_leg::ask(&q, &leg) {
                    Answer::Yes(_) if !oracle => {
                        diffs.push(format!("engine yes, oracle no: {c} {action} {resource}"))
                    }
                    Answer::No if oracle => {
                        diffs.push(format!("engine no, oracle yes: {c} {action} {resource}"))
                    }
                    Answer::Uncertain(_) => uncertain += 1,
                    _ => {}
                }
            }
        }
    }
    // Over every principal (the principal classes, the key's account among them).
    for action in any_caller {
        let q = question(graph, scope(PrincipalScope::All, &[action]));
        if matches!(exact::kms_leg::ask(&q, &leg), Answer::No) {
            diffs.push(format!(
                "engine no for every principal, oracle yes: {action}"
            ));
        }
    }
    (diffs, uncertain)
}

/// Every (caller, action, resource) of the oracle's universe the engine says yes to, with
/// the KMS leg ("uncertain" counts as yes: the property is about grants).
fn kms_yes(graph: &Graph, key: &eval::kms::KmsKey) -> Vec<String> {
    let leg = exact::kms_leg::Leg::new(graph, key.clone());
    let mut out = Vec::new();
    for c in CALLERS {
        let caller = Caller::parse(c).unwrap();
        for action in ["s3:GetObject", "s3:PutObject"] {
            for k in KEYS {
                let resource = format!("arn:aws:s3:::bkt/{k}");
                let q = question(
                    graph,
                    Scope {
                        principals: PrincipalScope::Caller(caller.clone()),
                        actions: vec![action.to_string()],
                        resource: Some(resource.clone()),
                        conditions: Vec::new(),
                    },
                );
                if !matches!(exact::kms_leg::ask(&q, &leg), Answer::No) {
                    out.push(format!("{c} {action} {resource}"));
                }
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn the_engine_with_the_kms_leg_agrees_with_enumeration(
        d in docs(),
        sts in proptest::collection::vec(key_statement(), 1..4),
        key_setting in (any::<bool>(), proptest::bool::weighted(0.3)),
    ) {
        let (graph, key) = with_key_policy(&build(&d), &sts, key_setting);
        let (diffs, _) = compare_kms(&graph, &key);
        prop_assert!(diffs.is_empty(), "{} differences on {d:?} {sts:?} {key_setting:?}:\n{}", diffs.len(), diffs.join("\n"));
    }

    #[test]
    fn a_deny_added_to_the_key_policy_never_grants(
        d in docs(),
        sts in proptest::collection::vec(key_statement(), 1..4),
        deny in key_statement(),
        key_setting in (any::<bool>(), proptest::bool::weighted(0.3)),
    ) {
        let base = build(&d);
        let (before, key) = with_key_policy(&base, &sts, key_setting);
        let mut more = sts.clone();
        more.push((false, deny.1, deny.2, deny.3));
        let (after, _) = with_key_policy(&base, &more, key_setting);
        let (was, is) = (kms_yes(&before, &key), kms_yes(&after, &key));
        let gained: Vec<&String> = is.iter().filter(|f| !was.contains(f)).collect();
        // Uncertain answers count as yes before and after; a "no" that becomes "uncertain"
        // is not a grant but would show here: there is no such reason in these documents.
        prop_assert!(gained.is_empty(), "a Deny granted {gained:?} on {d:?} {sts:?} + {deny:?}");
    }
}

#[test]
fn the_kms_oracle_sees_the_leg() {
    // Not vacuous: the bucket policy lets anyone read and write; the key policy lets the
    // partner's account decrypt objects under alice/ only. The engine and the oracle agree,
    // and the leg changes answers (the partner reads alice/x, not k1; others read nothing).
    let mut g = bucket_graph(&policy(
        r#"{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::bkt/*"}"#,
    ));
    // The callers' own identity policies allow everything (S3 and KMS).
    eval::add_source(
        &mut g,
        SourceFile::new(
            "identity.json",
            policy(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#),
        ),
        Layer::Identity,
        0,
    )
    .unwrap();
    let sts = vec![(true, 2, 0, Some(3))];
    let (graph, key) = with_key_policy(&g, &sts, (false, false));
    let (diffs, uncertain) = compare_kms(&graph, &key);
    assert!(diffs.is_empty(), "{diffs:?}");
    assert_eq!(uncertain, 0);
    let yes = kms_yes(&graph, &key);
    let reads: Vec<&String> = yes.iter().filter(|f| f.contains("GetObject")).collect();
    assert!(
        reads
            .iter()
            .all(|f| f.contains("444455556666") && f.ends_with("bkt/alice/x")),
        "{reads:?}"
    );
    assert!(!reads.is_empty(), "{yes:?}");
    // Writes need no KMS when they ask for another algorithm: every caller S3 lets write.
    assert!(
        yes.iter().any(|f| f.starts_with("anonymous s3:PutObject")),
        "{yes:?}"
    );
}
