//! The bodies of the fuzz targets, shared by the cargo-fuzz binaries (`fuzz/fuzz_targets/`)
//! and the replay smoke test of `cargo test` (`tests/fuzz_smoke.rs`), so a crash found by a
//! fuzzer is a failing test the moment its input is committed under `fuzz/regressions/`.
//!
//! Each target takes arbitrary bytes. It must not panic, except where it checks an invariant
//! the user relies on (an `assert!`): a located finding for every problem, a decision that
//! does not depend on the action index, on statement or file order, or on re-serialising the
//! policy, a Deny that never grants, and an uncertain verdict wherever a Deny has an operator
//! the evaluator does not know. See `docs/robustness.md`.

use s3_access::eval::{self, Caller, Decision, Graph, Layer, Request};
use s3_access::lint::{self, LintOptions};
use s3_access::policy::{Policy, PolicyKind, parse::parse_policy, write};
use s3_access::source::SourceFile;
use s3_access::wildcard::{self, Case, Pattern, PatternBuilder};

/// A target body.
pub type Target = fn(&[u8]);

/// Target names, in the order of `fuzz/Cargo.toml`, with their bodies.
pub const TARGETS: &[(&str, Target)] = &[
    ("json_policy", json_policy),
    ("evaluate", evaluate),
    ("wildcard", wildcard),
    ("public_access", public_access),
    ("cloudformation", cloudformation),
    ("terraform", terraform),
    ("exact", exact),
    ("catalog_reference", catalog_reference),
    ("baseline", baseline),
    ("diff", diff),
    ("kms", kms),
    ("vpce", vpce),
    ("services", services),
    ("access_paths", access_paths),
    ("vault", vault),
];

// ---------------------------------------------------------------------------------------
// json_policy: the strict JSON reader, document recognition, policy lowering and validation.
// ---------------------------------------------------------------------------------------

/// The first byte chooses `--kind` (or detection); the rest is the file.
pub fn json_policy(data: &[u8]) {
    let Some((&selector, file)) = data.split_first() else {
        return;
    };
    let kind = PolicyKind::ALL.get(usize::from(selector) % 12).copied();
    // The risk audit runs too, as `lint` runs it.
    let options = LintOptions {
        kind,
        audit: true,
        ..LintOptions::default()
    };
    let report = lint::lint_bytes("fuzz.json", file.to_vec(), &options);
    check_report(&report);
    // Rendering must not panic either (it slices the text around every finding).
    let human = s3_access::report::human(&report, s3_access::report::Style::Plain);
    assert!(human.len() < 64 * 1024 * 1024);
    let _ = s3_access::report::json_findings(&report);

    let Ok(text) = s3_access::json::decode_utf8(file.to_vec()) else {
        return;
    };
    let analysis = lint::analyze(SourceFile::new("fuzz.json", text), &options);
    for policy in &analysis.policies {
        round_trip(policy);
    }
}

/// Every finding lies on character boundaries inside the text, starts before it ends, and
/// the number of findings respects the cap.
fn check_report(report: &lint::FileReport) {
    let text = report.source.text();
    assert!(report.findings.len() <= lint::MAX_FINDINGS + 1);
    for f in &report.findings {
        let span = f.finding.span;
        assert!(span.start <= span.end, "{span:?}");
        assert!(
            text.get(span.start as usize..span.end as usize).is_some(),
            "finding {} at {span:?} is not inside the text ({} bytes)",
            f.finding.code.as_str(),
            text.len()
        );
        assert!((f.start.line, f.start.column) <= (f.end.line, f.end.column));
        for r in &f.finding.related {
            assert!(
                text.get(r.span.start as usize..r.span.end as usize)
                    .is_some()
            );
        }
    }
}

/// Writing a policy and reading it back gives the same written form and the same decisions.
fn round_trip(policy: &Policy) {
    let written = write::to_json(policy);
    let parsed = s3_access::json::parse(&written)
        .unwrap_or_else(|e| panic!("written policy is not JSON ({}):\n{written}", e.message()));
    let again = parse_policy(&parsed, policy.kind)
        .policy
        .unwrap_or_else(|| panic!("written policy does not parse:\n{written}"));
    assert_eq!(write::to_json(&again), written, "writing is not idempotent");
    let layer = layer_of(policy.kind);
    let mut a = Graph::new();
    a.add(SourceFile::new("a.json", ""), policy.clone(), layer, 0);
    let mut b = Graph::new();
    b.add(SourceFile::new("b.json", written.clone()), again, layer, 0);
    for request in requests_for(policy) {
        assert_eq!(
            eval::decide(&a, &request, false).decision,
            eval::decide(&b, &request, false).decision,
            "decision changed after writing {written}"
        );
    }
}

fn layer_of(kind: PolicyKind) -> Layer {
    match kind {
        PolicyKind::Scp => Layer::Scp,
        PolicyKind::Rcp => Layer::Rcp,
        PolicyKind::PermissionsBoundary => Layer::PermissionsBoundary,
        PolicyKind::Session => Layer::Session,
        PolicyKind::Identity => Layer::Identity,
        _ => Layer::Bucket,
    }
}

/// Requests built from the policy's own actions and resources (wildcards filled in), so
/// its statements actually match some of them.
fn requests_for(policy: &Policy) -> Vec<Request> {
    let fill = |s: &str| s.replace('*', "x").replace('?', "y");
    let mut actions = vec!["s3:GetObject".to_string()];
    let mut resources = vec!["arn:aws:s3:::bkt/k".to_string()];
    for s in &policy.statements {
        if let Some(a) = &s.action {
            actions.extend(a.items.iter().take(2).map(|i| fill(&i.value)));
        }
        if let Some(r) = &s.resource {
            resources.extend(r.items.iter().take(2).map(|i| fill(&i.value)));
        }
    }
    actions.truncate(4);
    resources.truncate(4);
    let mut out = Vec::new();
    for caller in [
        "anonymous",
        "arn:aws:iam::111122223333:user/alice",
        "arn:aws:sts::444455556666:assumed-role/Partner/s",
    ] {
        for action in &actions {
            for resource in &resources {
                if let Ok(c) = Caller::parse(caller) {
                    out.push(Request::new(
                        c,
                        action,
                        resource,
                        Some("111122223333"),
                        &[("aws:SourceIp".into(), "203.0.113.9".into())],
                        1_767_225_600,
                    ));
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// evaluate: random documents in every layer and random requests.
// ---------------------------------------------------------------------------------------

/// Reads choices from the fuzzer's bytes (zeros once they run out).
pub struct Choices<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Choices<'a> {
    /// Choices from `data`.
    pub fn new(data: &'a [u8]) -> Choices<'a> {
        Choices { data, pos: 0 }
    }

    /// The next byte.
    pub fn byte(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        usize::from(self.byte()) % n.max(1)
    }

    /// True with probability `k`/8.
    pub fn chance(&mut self, k: u8) -> bool {
        self.byte() % 8 < k
    }

    /// One of `items`.
    pub fn pick<'t>(&mut self, items: &[&'t str]) -> &'t str {
        items.get(self.below(items.len())).copied().unwrap_or("")
    }

    /// Up to `max` characters from an alphabet that stresses patterns and ARNs.
    pub fn text(&mut self, max: usize) -> String {
        const ALPHABET: &[char] = &[
            'a', 'b', '*', '?', '/', ':', '$', '{', '}', '.', 'A', 'é', '0', '1', '-', ' ', '\\',
            '"', '\'', ',',
        ];
        let n = self.below(max + 1);
        (0..n)
            .map(|_| {
                ALPHABET
                    .get(self.below(ALPHABET.len()))
                    .copied()
                    .unwrap_or('a')
            })
            .collect()
    }
}

const PRINCIPALS: &[&str] = &[
    r#""*""#,
    r#"{"AWS": "*"}"#,
    r#"{"AWS": "111122223333"}"#,
    r#"{"AWS": "arn:aws:iam::111122223333:root"}"#,
    r#"{"AWS": ["arn:aws:iam::111122223333:user/alice", "444455556666"]}"#,
    r#"{"AWS": "arn:aws:iam::444455556666:role/Partner"}"#,
    r#"{"AWS": "arn:aws:sts::444455556666:assumed-role/Partner/etl"}"#,
    r#"{"AWS": "arn:aws:sts::111122223333:federated-user/fed"}"#,
    r#"{"Service": "cloudtrail.amazonaws.com"}"#,
    r#"{"Federated": "cognito-identity.amazonaws.com"}"#,
    r#"{"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}"#,
];
const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:Get*",
    "s3:*",
    "*",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:*Object",
    "S3:getobject",
    "s3:Get?bject",
    "s3:GetBucketPolicy",
    "sts:AssumeRole",
];
const RESOURCES: &[&str] = &[
    "arn:aws:s3:::bkt",
    "arn:aws:s3:::bkt/*",
    "arn:aws:s3:::bkt/k*",
    "*",
    "arn:aws:s3:::*",
    "arn:aws:s3:::other/*",
    "arn:aws:s3:::bkt*",
    "arn:aws:s3:::bkt/${aws:username}/*",
    "arn:aws:s3:::bkt/${aws:PrincipalTag/team, 'none'}/*",
    "arn:aws:s3:::b?t/*",
    "arn:*:s3:::bkt/*",
];
/// `(operator, key, values)` of conditions; `UNKNOWN` marks the operator the evaluator does
/// not know.
const CONDITIONS: &[(&str, &str, &str)] = &[
    ("Bool", "aws:SecureTransport", r#""false""#),
    ("Bool", "aws:SecureTransport", "true"),
    ("StringEquals", "aws:PrincipalAccount", r#""111122223333""#),
    (
        "StringNotEquals",
        "aws:PrincipalAccount",
        r#"["111122223333", "444455556666"]"#,
    ),
    ("StringEqualsIgnoreCase", "aws:username", r#""ALICE""#),
    ("StringLike", "s3:prefix", r#""home/${aws:username}/*""#),
    ("StringNotLike", "aws:userid", r#""AIDA*""#),
    (
        "IpAddress",
        "aws:SourceIp",
        r#"["203.0.113.0/24", "2001:db8::/32"]"#,
    ),
    ("NotIpAddress", "aws:SourceIp", r#""198.51.100.0/24""#),
    ("NumericLessThan", "s3:max-keys", "10"),
    ("NumericGreaterThanEquals", "s3:TlsVersion", r#""1.2""#),
    (
        "DateLessThan",
        "aws:CurrentTime",
        r#""2030-01-01T00:00:00Z""#,
    ),
    ("DateGreaterThan", "aws:EpochTime", r#""1600000000""#),
    ("Null", "aws:SourceVpce", r#""true""#),
    ("Null", "aws:SourceVpce", r#""false""#),
    (
        "ArnLike",
        "aws:PrincipalArn",
        r#""arn:aws:iam::*:role/Partner""#,
    ),
    ("ArnNotEquals", "aws:SourceArn", r#""arn:aws:s3:::bkt""#),
    ("BinaryEquals", "s3:x-amz-meta-b", r#""aGVsbG8=""#),
    (
        "ForAnyValue:StringLike",
        "aws:PrincipalOrgPaths",
        r#""o-1/r-1/*""#,
    ),
    ("ForAllValues:StringEquals", "aws:TagKeys", r#"["a", "b"]"#),
    ("StringEqualsIfExists", "aws:SourceVpce", r#""vpce-1""#),
    ("StringNotEqualsIfExists", "aws:SourceVpc", r#""vpc-1""#),
    ("StringEquals", "aws:PrincipalTag/team", r#""red""#),
    (UNKNOWN, "aws:SourceVpce", r#""vpce-1""#),
];
const UNKNOWN: &str = "StringEqualz";
const CALLERS: &[&str] = &[
    "anonymous",
    "111122223333",
    "444455556666",
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333:user/ops/bob",
    "arn:aws:sts::111122223333:assumed-role/Reader/s1",
    "arn:aws:sts::444455556666:assumed-role/Partner/etl",
    "arn:aws:iam::444455556666:role/Partner",
    "arn:aws:sts::111122223333:federated-user/fed",
    "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForX/s",
    "cloudtrail.amazonaws.com",
];
const REQUEST_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:DeleteObject",
    "s3:GetBucketPolicy",
    "sts:AssumeRole",
];
const REQUEST_RESOURCES: &[&str] = &[
    "arn:aws:s3:::bkt/k1",
    "arn:aws:s3:::bkt/alice/x",
    "arn:aws:s3:::bkt/none/x",
    "arn:aws:s3:::bkt",
    "arn:aws:s3:::other/k",
    "*",
];
const CONTEXT: &[(&str, &[&str])] = &[
    ("aws:SecureTransport", &["false", "true", "TRUE", "maybe"]),
    (
        "aws:SourceIp",
        &["203.0.113.7", "2001:db8::1", "1.2.3.4/99", "10.0.0.1"],
    ),
    ("aws:SourceVpce", &["vpce-1", "vpce-2"]),
    ("aws:PrincipalOrgPaths", &["o-1/r-1/ou-1/", "o-2/"]),
    ("s3:prefix", &["home/alice/docs", "home/"]),
    ("s3:max-keys", &["5", "50", "1e999", "-0"]),
    (
        "aws:CurrentTime",
        &["2029-12-31T00:00:00Z", "99999-01-01", "yesterday"],
    ),
    ("aws:TagKeys", &["a", "b", "c"]),
    ("aws:PrincipalTag/team", &["red", "none"]),
    (
        "aws:PrincipalArn",
        &["arn:aws:iam::444455556666:role/Partner"],
    ),
];

/// One generated statement, written three ways for the unknown-operator check.
#[derive(Clone)]
struct GenStatement {
    effect_deny: bool,
    /// The statement's JSON, with `{COND}` where the unknown-operator condition goes.
    template: String,
    has_unknown: bool,
}

/// How the unknown-operator condition is written.
#[derive(Clone, Copy, PartialEq)]
enum Unknown {
    /// As generated (an operator the evaluator does not know).
    AsIs,
    /// Replaced by a condition that always holds.
    True,
    /// Replaced by a condition that never holds.
    False,
}

impl GenStatement {
    fn json(&self, unknown: Unknown) -> String {
        let cond = match unknown {
            Unknown::AsIs => format!(r#""{UNKNOWN}": {{"aws:SourceVpce": "vpce-1"}}"#),
            Unknown::True => r#""Null": {"s3ax:absent": "true"}"#.to_string(),
            Unknown::False => r#""Null": {"s3ax:absent": "false"}"#.to_string(),
        };
        self.template.replace("{COND}", &cond)
    }
}

fn gen_statement(
    c: &mut Choices<'_>,
    with_principal: bool,
    force_deny: Option<bool>,
) -> GenStatement {
    let effect_deny = force_deny.unwrap_or_else(|| c.chance(4));
    let mut parts = vec![format!(
        r#""Effect": "{}""#,
        if effect_deny { "Deny" } else { "Allow" }
    )];
    if c.chance(1) {
        parts.push(format!(r#""Sid": "S{}""#, c.byte()));
    }
    if with_principal {
        let negated = effect_deny && c.chance(1);
        parts.push(format!(
            r#""{}": {}"#,
            if negated { "NotPrincipal" } else { "Principal" },
            c.pick(PRINCIPALS)
        ));
    }
    let list = |c: &mut Choices<'_>, table: &[&str], raw_prefix: &str| -> String {
        let n = 1 + c.below(2);
        let items: Vec<String> = (0..n)
            .map(|_| {
                if c.chance(1) {
                    format!("{raw_prefix}{}", c.text(12))
                } else {
                    c.pick(table).to_string()
                }
            })
            .map(|s| s.replace('\\', "\\\\").replace('"', "\\\""))
            .map(|s| format!("\"{s}\""))
            .collect();
        format!("[{}]", items.join(", "))
    };
    let not_action = c.chance(1) && c.chance(4);
    parts.push(format!(
        r#""{}": {}"#,
        if not_action { "NotAction" } else { "Action" },
        list(c, ACTIONS, "s3:")
    ));
    let not_resource = c.chance(1) && c.chance(4);
    parts.push(format!(
        r#""{}": {}"#,
        if not_resource {
            "NotResource"
        } else {
            "Resource"
        },
        list(c, RESOURCES, "arn:aws:s3:::")
    ));
    let mut has_unknown = false;
    let n = c.below(3);
    let mut ops: Vec<(String, Vec<String>)> = Vec::new();
    for _ in 0..n {
        let (op, key, values) = CONDITIONS
            .get(c.below(CONDITIONS.len()))
            .copied()
            .unwrap_or(CONDITIONS[0]);
        if op == UNKNOWN {
            has_unknown = true;
            continue;
        }
        let entry = format!(r#""{key}": {values}"#);
        match ops.iter_mut().find(|(o, _)| o == op) {
            Some((_, keys)) => {
                if !keys.iter().any(|k| k.starts_with(&format!("\"{key}\""))) {
                    keys.push(entry);
                }
            }
            None => ops.push((op.to_string(), vec![entry])),
        }
    }
    let mut blocks: Vec<String> = ops
        .iter()
        .map(|(op, keys)| format!(r#""{op}": {{{}}}"#, keys.join(", ")))
        .collect();
    if has_unknown {
        blocks.push("{COND}".to_string());
    }
    if !blocks.is_empty() {
        parts.push(format!(r#""Condition": {{{}}}"#, blocks.join(", ")));
    }
    GenStatement {
        effect_deny,
        template: format!("{{{}}}", parts.join(", ")),
        has_unknown,
    }
}

struct GenDocument {
    layer: Layer,
    level: usize,
    version: bool,
    statements: Vec<GenStatement>,
}

impl GenDocument {
    fn json(&self, unknown: Unknown, reversed: bool) -> String {
        let mut body: Vec<String> = self.statements.iter().map(|s| s.json(unknown)).collect();
        if reversed {
            body.reverse();
        }
        let version = if self.version {
            r#""Version": "2012-10-17", "#
        } else {
            ""
        };
        format!(r#"{{{version}"Statement": [{}]}}"#, body.join(", "))
    }
}

const LAYERS: [Layer; 6] = [
    Layer::Bucket,
    Layer::Identity,
    Layer::PermissionsBoundary,
    Layer::Session,
    Layer::Scp,
    Layer::Rcp,
];

fn gen_documents(c: &mut Choices<'_>) -> Vec<GenDocument> {
    let n = 1 + c.below(4);
    (0..n)
        .map(|_| {
            let layer = LAYERS
                .get(c.below(LAYERS.len()))
                .copied()
                .unwrap_or(Layer::Bucket);
            let level = if matches!(layer, Layer::Scp | Layer::Rcp) {
                c.below(2)
            } else {
                0
            };
            let version = !c.chance(1);
            let count = 1 + c.below(4);
            let statements = (0..count)
                .map(|_| gen_statement(c, layer == Layer::Bucket || layer == Layer::Rcp, None))
                .collect();
            GenDocument {
                layer,
                level,
                version,
                statements,
            }
        })
        .collect()
}

fn gen_request(c: &mut Choices<'_>) -> Option<Request> {
    let caller = if c.chance(1) {
        Caller::parse(&format!("arn:aws:iam::111122223333:user/{}", c.text(8))).ok()?
    } else {
        Caller::parse(c.pick(CALLERS)).ok()?
    };
    let action = if c.chance(1) {
        format!("s3:{}", c.text(10))
    } else {
        c.pick(REQUEST_ACTIONS).to_string()
    };
    let resource = if c.chance(1) {
        format!("arn:aws:s3:::bkt/{}", c.text(16))
    } else {
        c.pick(REQUEST_RESOURCES).to_string()
    };
    let owner = match c.below(3) {
        0 => None,
        1 => Some("111122223333"),
        _ => Some("444455556666"),
    };
    let mut given = Vec::new();
    for _ in 0..c.below(5) {
        let (key, values) = CONTEXT
            .get(c.below(CONTEXT.len()))
            .copied()
            .unwrap_or(CONTEXT[0]);
        let value = if c.chance(1) {
            c.text(10)
        } else {
            c.pick(values).to_string()
        };
        given.push((key.to_string(), value));
    }
    let now = [
        1_767_225_600,
        0,
        -1,
        253_402_300_799,
        i64::from(c.byte()) << 24,
    ]
    .get(c.below(5))
    .copied()
    .unwrap_or(0);
    Some(Request::new(caller, &action, &resource, owner, &given, now))
}

/// The graph of the documents that lint without errors (as `query` loads them), and whether
/// every document loaded.
fn linted_graph(docs: &[GenDocument], texts: &[String]) -> (Graph, bool) {
    let mut g = Graph::new();
    let mut all = true;
    for (d, text) in docs.iter().zip(texts) {
        if eval::add_source(
            &mut g,
            SourceFile::new("d.json", text.clone()),
            d.layer,
            d.level,
        )
        .is_err()
        {
            all = false;
        }
    }
    (g, all)
}

/// The graph of every document that parses, without the lint gate (as a library caller may
/// build one): the evaluator must cope with invalid values and unknown operators.
fn raw_graph(docs: &[GenDocument], texts: &[String]) -> Graph {
    let mut g = Graph::new();
    for (d, text) in docs.iter().zip(texts) {
        let Ok(root) = s3_access::json::parse(text) else {
            continue;
        };
        if let Some(p) = parse_policy(&root, d.layer.kind()).policy {
            g.add(SourceFile::new("d.json", text.clone()), p, d.layer, d.level);
        }
    }
    g
}

/// Documents and requests from the bytes; checks the evaluation invariants.
pub fn evaluate(data: &[u8]) {
    let mut c = Choices::new(data);
    let docs = gen_documents(&mut c);
    let mut requests = Vec::new();
    for _ in 0..1 + c.below(3) {
        if let Some(r) = gen_request(&mut c) {
            requests.push(r);
        }
    }
    let texts: Vec<String> = docs.iter().map(|d| d.json(Unknown::AsIs, false)).collect();
    let (graph, all_loaded) = linted_graph(&docs, &texts);

    // Statement order and document order do not matter.
    let mut order: Vec<usize> = (0..docs.len()).collect();
    order.reverse();
    let mut reversed = Graph::new();
    for &i in &order {
        if let (Some(d), Some(_)) = (docs.get(i), texts.get(i)) {
            let _ = eval::add_source(
                &mut reversed,
                SourceFile::new("r.json", d.json(Unknown::AsIs, true)),
                d.layer,
                d.level,
            );
        }
    }

    // Re-serialised documents decide the same. The written form is indented, so it may
    // cross a size quota (P118) that the compact original did not: then it is not compared.
    let mut rewritten = Graph::new();
    let mut rewritten_ok = true;
    for doc in &graph.documents {
        let text = write::to_json(&doc.policy);
        match eval::add_source(
            &mut rewritten,
            SourceFile::new("w.json", text.clone()),
            doc.layer,
            doc.level,
        ) {
            Ok(_) => {}
            Err(eval::LoadError::Invalid(report))
                if report.findings.iter().all(|f| {
                    f.finding.code.as_str() == "P118"
                        || f.finding.severity != s3_access::registry::Severity::Error
                }) =>
            {
                rewritten_ok = false;
            }
            Err(e) => {
                let codes: Vec<&str> = match &e {
                    eval::LoadError::Invalid(r) => {
                        r.findings.iter().map(|f| f.finding.code.as_str()).collect()
                    }
                    _ => Vec::new(),
                };
                panic!("a written policy no longer loads ({e}, {codes:?}):\n{text}");
            }
        }
    }

    // One more Deny (in a random document) never grants; one more Allow never denies.
    let extra_doc = c.below(docs.len());
    let deny = gen_statement(&mut c, true, Some(true));
    let allow = gen_statement(&mut c, true, Some(false));
    let with_extra = |extra: &GenStatement| -> Option<Graph> {
        let mut g = Graph::new();
        for (i, d) in docs.iter().enumerate() {
            let mut text = d.json(Unknown::AsIs, false);
            if i == extra_doc {
                let s = if d.layer == Layer::Bucket || d.layer == Layer::Rcp {
                    extra.json(Unknown::True)
                } else {
                    // Identity-side documents take no Principal.
                    strip_principal(&extra.json(Unknown::True))
                };
                text = text.replacen("\"Statement\": [", &format!("\"Statement\": [{s}, "), 1);
            }
            eval::add_source(&mut g, SourceFile::new("x.json", text), d.layer, d.level).ok()?;
        }
        Some(g)
    };
    let denied = if all_loaded { with_extra(&deny) } else { None };
    let allowed = if all_loaded { with_extra(&allow) } else { None };

    // The unknown-operator condition, written as is, as always true and as always false.
    let variant = |u: Unknown| -> Graph {
        let t: Vec<String> = docs.iter().map(|d| d.json(u, false)).collect();
        raw_graph(&docs, &t)
    };
    let unknown_in_allow = docs
        .iter()
        .flat_map(|d| &d.statements)
        .any(|s| s.has_unknown && !s.effect_deny);
    let raw = variant(Unknown::AsIs);
    let raw_true = variant(Unknown::True);
    let raw_false = variant(Unknown::False);

    for r in &requests {
        let fast = eval::decide(&graph, r, false);
        let full = eval::decide(&graph, r, true);
        assert_eq!(
            fast.decision, full.decision,
            "the action index changed the decision"
        );
        assert_eq!(fast.determining, full.determining);
        if all_loaded {
            assert_eq!(
                eval::decide(&reversed, r, false).decision,
                fast.decision,
                "statement or document order changed the decision"
            );
        }
        if rewritten_ok {
            assert_eq!(
                eval::decide(&rewritten, r, false).decision,
                fast.decision,
                "re-serialising the policies changed the decision"
            );
        }
        if let Some(g) = &denied {
            let d = eval::decide(g, r, false).decision;
            if fast.decision != Decision::Allow {
                assert_ne!(d, Decision::Allow, "adding a Deny granted access");
            }
        }
        if let Some(g) = &allowed {
            let d = eval::decide(g, r, false).decision;
            if fast.decision == Decision::Allow {
                assert_eq!(d, Decision::Allow, "adding an Allow denied access");
            }
            if fast.decision == Decision::ExplicitDeny {
                assert_eq!(d, Decision::ExplicitDeny, "adding an Allow lifted a Deny");
            }
        }
        // The evaluator without the lint gate: never a panic, and where a Deny's unknown
        // operator could change the decision, the answer says it is uncertain.
        let t = eval::decide(&raw_true, r, false).decision;
        let f = eval::decide(&raw_false, r, false).decision;
        for explain in [false, true] {
            let u = eval::decide(&raw, r, explain);
            if t != f && !unknown_in_allow {
                assert!(
                    !u.uncertain.is_empty(),
                    "a Deny with an unknown operator decides the request ({t:?} if it holds, {f:?} if not) but the answer ({:?}) is not marked uncertain",
                    u.decision
                );
            }
        }
    }
}

fn strip_principal(statement: &str) -> String {
    // Generated statements write the principal as `"Principal": X, ` or `"NotPrincipal": X, `
    // right before `"Action"` or `"NotAction"`.
    let Some(start) = statement
        .find("\"Principal\"")
        .or_else(|| statement.find("\"NotPrincipal\""))
    else {
        return statement.to_string();
    };
    let end = statement
        .find("\"Action\"")
        .or_else(|| statement.find("\"NotAction\""))
        .unwrap_or(start);
    if end <= start {
        return statement.to_string();
    }
    format!("{}{}", &statement[..start], &statement[end..])
}

// ---------------------------------------------------------------------------------------
// wildcard: the glob matcher against a reference, and the soundness of `covers`.
// ---------------------------------------------------------------------------------------

/// A pattern and a text over a small alphabet; the matcher must agree with a plain dynamic
/// program, and `covers`/`intersects` must never claim what the texts contradict.
pub fn wildcard(data: &[u8]) {
    const ALPHABET: &[char] = &['a', 'b', 'A', '*', '?', 'é', 'É', '/', ':'];
    let mut c = Choices::new(data);
    let word = |c: &mut Choices<'_>, wild: bool| -> Vec<char> {
        let n = c.below(24);
        (0..n)
            .map(|_| {
                let ch = ALPHABET
                    .get(c.below(ALPHABET.len()))
                    .copied()
                    .unwrap_or('a');
                if !wild && (ch == '*' || ch == '?') {
                    'b'
                } else {
                    ch
                }
            })
            .collect()
    };
    let p1: String = word(&mut c, true).into_iter().collect();
    let p2: String = word(&mut c, true).into_iter().collect();
    let texts: Vec<String> = (0..4)
        .map(|_| word(&mut c, false).into_iter().collect())
        .collect();
    let a = Pattern::new(&p1);
    let b = Pattern::new(&p2);
    for case in [Case::Sensitive, Case::Insensitive] {
        let covers = wildcard::covers(&a, &b, case);
        let intersects = wildcard::intersects(&a, &b, case);
        for t in &texts {
            let (ma, mb) = (a.is_match(t, case), b.is_match(t, case));
            assert_eq!(ma, reference(&p1, t, case), "{p1:?} vs {t:?} ({case:?})");
            assert_eq!(mb, reference(&p2, t, case), "{p2:?} vs {t:?} ({case:?})");
            if covers && mb {
                assert!(
                    ma,
                    "covers({p1:?}, {p2:?}) but {t:?} matches only the second"
                );
            }
            if ma && mb {
                assert!(
                    intersects,
                    "{p1:?} and {p2:?} both match {t:?} but do not intersect"
                );
            }
        }
        // A literal piece keeps `*` and `?` literal.
        let mut builder = PatternBuilder::new();
        builder.literal(&p1).wildcards("*");
        let lit = builder.build();
        let with_suffix = format!("{p1}x");
        assert!(
            lit.is_match(&with_suffix, Case::Sensitive),
            "literal {p1:?}"
        );
    }
}

/// Whole-string glob match by dynamic programming over characters.
fn reference(pattern: &str, text: &str, case: Case) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let eq = |a: char, b: char| {
        a == b || (case == Case::Insensitive && a.to_lowercase().eq(b.to_lowercase()))
    };
    // row[j]: p[..i] matches t[..j].
    let mut row = vec![false; t.len() + 1];
    row[0] = true;
    for &pc in &p {
        let mut next = vec![false; t.len() + 1];
        for j in 0..=t.len() {
            next[j] = match pc {
                '*' => row[j] || (j > 0 && next[j - 1]),
                '?' => j > 0 && row[j - 1],
                c => j > 0 && row[j - 1] && eq(c, t[j - 1]),
            };
        }
        row = next;
    }
    row[t.len()]
}

// ---------------------------------------------------------------------------------------
// public_access: the meaning of public, the bucket verdict, and the risk audit.
// ---------------------------------------------------------------------------------------

/// Bytes choose a bucket policy (statements of every principal form and condition kind, with
/// fuzzer text), a bucket ACL, Object Ownership and Block Public Access. Checks: the analysis
/// and the audit never panic; the verdict agrees with the per-statement classification; a
/// policy judged not public stays not public when any statement is removed; a Deny never
/// changes the verdict; what is not given is never reported as blocked or not public; the
/// audit's findings lie inside the policy text.
pub fn public_access(data: &[u8]) {
    use s3_access::public::bucket::{self as verdict, Known, Verdict};
    let mut c = Choices::new(data);
    let count = 1 + c.below(5);
    let statements: Vec<GenStatement> = (0..count)
        .map(|_| gen_statement(&mut c, true, None))
        .collect();
    let doc = GenDocument {
        layer: Layer::Bucket,
        level: 0,
        version: !c.chance(1),
        statements,
    };
    let text = doc.json(Unknown::AsIs, false);
    let mut g = Graph::new();
    if eval::add_source(
        &mut g,
        SourceFile::new("p.json", text.clone()),
        Layer::Bucket,
        0,
    )
    .is_err()
    {
        return;
    }
    let publicity = s3_access::public::document_publicity(&g, 0);
    // The policy alone.
    let alone = Known {
        policy: true,
        policy_only: true,
        ..Known::default()
    };
    let v = verdict::analyze(&g, &alone, "b", "p.json");
    assert_eq!(
        v.verdict == Verdict::Public,
        publicity.is_public(),
        "{text}"
    );
    assert_eq!(v.public, publicity.is_public(), "{text}");

    let public = publicity.is_public();
    removing_a_statement_keeps_it_not_public(&doc, public, &text);
    one_more_deny_changes_nothing(&doc, &mut c, public, &text);
    block_public_access_verdicts(&mut g, &mut c, public, &text);
    audit_findings_lie_in_the_text(&text);
}

/// Removing any one statement never makes a non-public policy public.
fn removing_a_statement_keeps_it_not_public(doc: &GenDocument, public: bool, text: &str) {
    // Removing any one statement never makes a non-public policy public.
    if !public && doc.statements.len() > 1 {
        for skip in 0..doc.statements.len() {
            let fewer = GenDocument {
                layer: Layer::Bucket,
                level: 0,
                version: doc.version,
                statements: doc
                    .statements
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != skip)
                    .map(|(_, s)| s.clone())
                    .collect(),
            };
            let mut g2 = Graph::new();
            let t = fewer.json(Unknown::AsIs, false);
            if eval::add_source(
                &mut g2,
                SourceFile::new("q.json", t.clone()),
                Layer::Bucket,
                0,
            )
            .is_ok()
            {
                assert!(
                    !s3_access::public::document_publicity(&g2, 0).is_public(),
                    "{text}\n-> {t}"
                );
            }
        }
    }
}

/// One more Deny never changes the verdict.
fn one_more_deny_changes_nothing(doc: &GenDocument, c: &mut Choices<'_>, public: bool, text: &str) {
    let mut more = doc.statements.clone();
    more.push(gen_statement(c, true, Some(true)));
    let with_deny = GenDocument {
        layer: Layer::Bucket,
        level: 0,
        version: doc.version,
        statements: more,
    };
    let t = with_deny.json(Unknown::AsIs, false);
    let mut g3 = Graph::new();
    if eval::add_source(
        &mut g3,
        SourceFile::new("d.json", t.clone()),
        Layer::Bucket,
        0,
    )
    .is_ok()
    {
        assert_eq!(
            s3_access::public::document_publicity(&g3, 0).is_public(),
            public,
            "{text}\n-> {t}"
        );
    }
}

/// In a bucket with unknown Block Public Access a public policy is public, never blocked; with
/// RestrictPublicBuckets known on, it is blocked.
fn block_public_access_verdicts(g: &mut Graph, c: &mut Choices<'_>, public: bool, text: &str) {
    use s3_access::public::bucket::{self as verdict, Known, Status, Verdict};
    let folder = Known {
        policy: true,
        bucket_acl: true,
        access_points: true,
        ..Known::default()
    };
    g.s3.ownership = Some((
        s3_access::aws_docs::ObjectOwnership::BucketOwnerEnforced,
        None,
    ));
    let unknown_bpa = verdict::analyze(g, &folder, "b", "dir");
    let policy_path = unknown_bpa.paths.first();
    if public {
        assert_eq!(
            policy_path.map(|p| p.status),
            Some(Status::Public),
            "{text}"
        );
        assert!(unknown_bpa.public);
    }
    // Unknown Block Public Access blocks nothing: the verdict is never "blocked".
    assert_ne!(unknown_bpa.verdict, Verdict::Blocked, "{text}");
    let mut on = s3_access::aws_docs::PublicAccessBlock::all_on();
    on.block_public_acls = c.chance(1);
    g.s3.bucket_bpa = Some(s3_access::eval::s3_facts::BpaSetting {
        flags: on,
        level: s3_access::eval::s3_facts::BpaLevel::Bucket,
        place: None,
    });
    let known_bpa = Known {
        account_bpa: true,
        bucket_bpa: true,
        ..folder
    };
    let blocked = verdict::analyze(g, &known_bpa, "b", "dir");
    if public {
        assert_eq!(
            blocked.paths.first().map(|p| p.status),
            Some(Status::Blocked),
            "{text}"
        );
    }
}

/// The risk audit never panics, and every finding lies inside the text.
fn audit_findings_lie_in_the_text(text: &str) {
    let Ok(root) = s3_access::json::parse(text) else {
        return;
    };
    if let Some(policy) = parse_policy(&root, PolicyKind::Bucket).policy {
        let source = SourceFile::new("p.json", text.to_string());
        for f in
            s3_access::audit::policy(&policy, &source, &Default::default(), Some("111122223333"))
        {
            assert!(
                f.span.start <= f.span.end && f.span.end as usize <= text.len(),
                "{f:?}"
            );
            assert!(
                text.is_char_boundary(f.span.start as usize)
                    && text.is_char_boundary(f.span.end as usize)
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// cloudformation: the template reader (JSON and YAML), the intrinsic evaluator, extraction
// and the analysis of every extracted policy.
// ---------------------------------------------------------------------------------------

/// The bytes as a template file: YAML or JSON (the reader decides). Every finding, unknown,
/// bucket and policy span lies on character boundaries inside the text, and every extracted
/// policy goes through the same analysis as a policy file.
pub fn cloudformation(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = SourceFile::new("fuzz.yaml", text.to_string());
    let Some(x) = s3_access::iac::cloudformation::read(source) else {
        return;
    };
    let inside = |span: s3_access::source::Span| {
        span.start <= span.end && text.get(span.start as usize..span.end as usize).is_some()
    };
    for f in &x.findings {
        assert!(inside(f.span), "{f:?}");
    }
    for u in &x.unknowns {
        assert!(inside(u.span), "{u:?}");
    }
    for b in &x.buckets {
        assert!(inside(b.span));
        for (_, v) in &b.settings {
            assert!(inside(v.span), "{v:?}");
        }
    }
    for p in &x.policies {
        assert!(inside(p.document.span), "{}", p.address);
    }
    let analysis = s3_access::iac::analyze(&x, &s3_access::load::LoadOptions::default());
    check_report(&analysis.report);
    check_report(&lint_iac(&x));
    iac_buckets(&x);
}

/// The lint wiring of an IaC file (addresses, E016 notes, grammar findings on placeholders
/// dropped, suppression comments applied), as `lint` runs it.
fn lint_iac(x: &s3_access::iac::Extracted) -> s3_access::lint::FileReport {
    let options = s3_access::lint::LintOptions {
        audit: true,
        ..Default::default()
    };
    let buckets = s3_access::iac::model::bucket_folders(
        std::slice::from_ref(x),
        &[],
        &s3_access::load::Root::default(),
    );
    let mut report = s3_access::lint::iac::analyze_extracted(x, &buckets, &options).report;
    s3_access::lint::comments::apply(&mut report);
    report
}

/// The buckets of an IaC file built into bucket models (`iac::model`) and judged: no panic,
/// every unknown a bucket depends on placed inside the text, and a bucket that depends on one
/// never judged "not public" on a path it could open.
fn iac_buckets(x: &s3_access::iac::Extracted) {
    let root = s3_access::load::Root::default();
    let text = x.source.text();
    // The IAM entities and links (`iac::identity`) and the access points lie inside the text.
    let inside =
        |span: s3_access::source::Span| text.get(span.start as usize..span.end as usize).is_some();
    let spans = x.iam.entities.iter().map(|e| e.span);
    let spans = spans.chain(x.iam.links.iter().map(|l| l.span));
    for span in spans.chain(x.access_points.iter().map(|a| a.span)) {
        assert!(inside(span), "{span:?}");
    }
    // Identity policies by principal are built without a panic; every principal's ARN is one.
    if let Some(details) = s3_access::iac::identity::authorization(std::slice::from_ref(x)) {
        for arn in details.doc.principal_arns() {
            assert!(arn.value.starts_with("arn:aws:iam::"), "{arn:?}");
        }
    }
    for b in s3_access::iac::model::bucket_folders(std::slice::from_ref(x), &[], &root) {
        for u in &b.folder.unsettled {
            assert!(
                text.get(u.span.start as usize..u.span.end as usize)
                    .is_some(),
                "{u:?}"
            );
        }
        let Ok(model) = s3_access::eval::bucket::BucketModel::from_folder(&b.folder) else {
            continue;
        };
        let v = s3_access::public::bucket::analyze(&model.graph, &model.known, &model.name, "f");
        let whole = b.folder.unsettled.iter().any(|u| {
            u.part == s3_access::aws_docs::folder::Part::Policy
                && b.folder.policy.loaded().is_none()
        });
        if whole {
            assert_ne!(
                v.verdict,
                s3_access::public::bucket::Verdict::NotPublic,
                "{v:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// terraform: the HCL and Terraform JSON syntax readers, the evaluator, extraction, and the
// analysis of what it extracts.
// ---------------------------------------------------------------------------------------

/// The first byte chooses a `.tf` file, a `.tf.json` file or a plan; the rest is the text.
/// Every policy, bucket
/// setting, unknown and finding must lie inside the text, on character boundaries.
pub fn terraform(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    // Even selectors: native syntax, or JSON syntax (`.tf.json`) when bit 1 is set; odd: a plan.
    let extracted = match selector % 4 {
        0 => s3_access::iac::terraform::read_file(SourceFile::new("fuzz.tf", text)),
        2 => s3_access::iac::terraform::read_file(SourceFile::new("fuzz.tf.json", text)),
        _ => s3_access::iac::terraform::plan::read_plan(SourceFile::new("fuzz.tf", text)).after,
    };
    let inside = |span: s3_access::source::Span| {
        span.start <= span.end
            && span.end as usize <= text.len()
            && text.is_char_boundary(span.start as usize)
            && text.is_char_boundary(span.end as usize)
    };
    for u in &extracted.unknowns {
        assert!(inside(u.span), "{u:?}");
    }
    for f in &extracted.findings {
        assert!(inside(f.span), "{f:?}");
    }
    let analysis = s3_access::iac::analyze(&extracted, &s3_access::load::LoadOptions::default());
    for f in &analysis.report.findings {
        assert!(inside(f.finding.span), "{:?}", f.finding);
    }
    check_report(&lint_iac(&extracted));
    iac_buckets(&extracted);
}

// ---------------------------------------------------------------------------------------
// exact: the exact engine on random documents. It never panics, every finding replays
// (checked inside the engine), and a request `decide` allows is never answered "no".
// ---------------------------------------------------------------------------------------

/// Whether every value the request was given is one AWS could send for its key (a request
/// that cannot exist is outside the engine's space), and no time or caller-derived key is
/// overridden.
fn realistic(r: &Request) -> bool {
    use s3_access::catalog::KeyType;
    use s3_access::exact::keys::{Availability, availability_for};
    r.context
        .entries()
        .iter()
        .filter(|e| e.origin == eval::context::Origin::Given)
        .all(|e| {
            let typed = e.values.iter().all(|v| {
                match s3_access::catalog::condition_key(&e.key).map(|k| k.value_type()) {
                    Some(KeyType::Bool) => s3_access::values::parse_bool(v).is_some(),
                    Some(KeyType::IpAddress) => v.parse::<std::net::IpAddr>().is_ok(),
                    Some(KeyType::Numeric) => s3_access::values::parse_number(v).is_some(),
                    Some(KeyType::Date) => s3_access::values::parse_date(v).is_some(),
                    _ => true,
                }
            });
            let single = e.values.len() == 1 || e.is_multi_valued();
            typed
                && single
                && !matches!(
                    availability_for(&e.key, &r.caller, &r.action),
                    Availability::Derived | Availability::Never | Availability::Time
                )
        })
}

/// The first byte picks a scope; the rest generates documents and requests.
pub fn exact(data: &[u8]) {
    use s3_access::exact::{self, Answer, PrincipalScope, Question, Scope};
    let mut c = Choices::new(data);
    let docs = gen_documents(&mut c);
    let texts: Vec<String> = docs.iter().map(|d| d.json(Unknown::AsIs, false)).collect();
    let (graph, _) = linted_graph(&docs, &texts);
    let u = s3_access::eval::actions::Universe::get();
    for _ in 0..1 + c.below(3) {
        let Some(r) = gen_request(&mut c) else {
            continue;
        };
        let Some(key) = r.resource.strip_prefix("arn:aws:s3:::bkt") else {
            continue;
        };
        let object = key.strip_prefix('/');
        let fits = match u.index(&r.action) {
            Some(i) => match object {
                Some(k) => u.on_object.has(i) && !k.is_empty(),
                None => key.is_empty() && u.on_bucket.has(i),
            },
            None => r.action.starts_with("s3:") && object.is_none_or(|k| !k.is_empty()),
        };
        if !fits || !r.resource_account_given || !realistic(&r) {
            continue;
        }
        let now = r
            .context
            .get("aws:EpochTime")
            .and_then(|e| e.values.first())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let q = Question {
            graph: &graph,
            bucket: "bkt".into(),
            owner: r.resource_account.clone(),
            now,
            scope: Scope {
                principals: PrincipalScope::Caller(r.caller.clone()),
                actions: vec![r.action.clone()],
                resource: Some(r.resource.clone()),
                conditions: Vec::new(),
            },
        };
        let allowed = eval::decide(&graph, &r, false).decision == Decision::Allow;
        let answer = exact::ask(&q);
        assert!(
            !(allowed && matches!(answer, Answer::No)),
            "the engine says no, but decide allows {r:?}"
        );
    }
    // The whole graph, every principal: never a panic, every finding replays (inside).
    let scope = match c.below(3) {
        0 => PrincipalScope::Anonymous,
        1 => PrincipalScope::OutsideAccount("111122223333".into()),
        _ => PrincipalScope::All,
    };
    let q = Question {
        graph: &graph,
        bucket: "bkt".into(),
        owner: "111122223333".into(),
        now: 1_767_225_600,
        scope: Scope {
            principals: scope,
            actions: vec![c.pick(REQUEST_ACTIONS).to_string()],
            ..Scope::default()
        },
    };
    let e = exact::explore(&q);
    for f in &e.findings {
        assert!(exact::replay(&graph, f, "111122223333", 1_767_225_600));
    }
    exact_kms(&mut c, &graph);
}

/// Key policy statements the `exact` target's KMS leg is built from.
const KEY_STATEMENTS: &[&str] = &[
    r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}"#,
    r#"{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"444455556666"}}}"#,
    r#"{"Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringNotLike":{"kms:EncryptionContext:aws:s3:arn":"arn:aws:s3:::bkt/k*"}}}"#,
    r#"{"Effect":"Allow","Principal":"*","Action":"kms:GenerateDataKey*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#,
    r#"{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}"#,
];

/// The exact engine with a KMS leg on the same documents: every finding replays through both
/// legs, and a request both legs allow is never answered "no".
fn exact_kms(c: &mut Choices<'_>, graph: &Graph) {
    use s3_access::exact::{self, Answer, PrincipalScope, Question, Scope, kms_leg};
    let statements: Vec<&str> = (0..1 + c.below(3))
        .map(|_| c.pick(KEY_STATEMENTS))
        .collect();
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    );
    let mut key_graph = Graph::new();
    if eval::add_source(
        &mut key_graph,
        SourceFile::new("key-policy.json", text),
        eval::Layer::KeyPolicy,
        0,
    )
    .is_err()
    {
        return;
    }
    let key = eval::kms::KmsKey {
        arn: "arn:aws:kms:us-east-1:111122223333:key/k1".into(),
        account: "111122223333".into(),
        aws_managed: false,
        bucket_key: c.below(2) == 0,
        from: "the fuzzer's key".into(),
        assumed: false,
    };
    let graph = kms_leg::with_key(graph, &key_graph);
    let leg = kms_leg::Leg::new(&graph, key);
    let (owner, now) = ("111122223333", 1_767_225_600);
    let action = c.pick(&["s3:GetObject", "s3:PutObject"]);
    let q = Question {
        graph: &graph,
        bucket: "bkt".into(),
        owner: owner.into(),
        now,
        scope: Scope {
            actions: vec![action.to_string()],
            ..Scope::default()
        },
    };
    for f in &kms_leg::explore(&q, &leg).findings {
        assert!(exact::replay(&graph, f, owner, now) && leg.replays(f, owner, now));
    }
    let caller = eval::Caller::parse(c.pick(&[
        "arn:aws:iam::111122223333:user/alice",
        "arn:aws:iam::444455556666:user/bob",
    ]))
    .unwrap_or(eval::Caller::Anonymous);
    let resource = format!("arn:aws:s3:::bkt/{}", c.pick(&["k1", "other"]));
    let r = Request::new(caller.clone(), action, &resource, Some(owner), &[], now);
    let both = eval::decide(&graph, &r, false).decision == Decision::Allow
        && leg.decide(&r).is_none_or(|l| l.decision == Decision::Allow);
    let q = Question {
        scope: Scope {
            principals: PrincipalScope::Caller(caller),
            actions: vec![action.to_string()],
            resource: Some(resource),
            conditions: Vec::new(),
        },
        ..q
    };
    assert!(
        !(both && matches!(kms_leg::ask(&q, &leg), Answer::No)),
        "the engine with the KMS leg says no, but both legs allow {r:?}"
    );
}

// ---------------------------------------------------------------------------------------
// kms: the readers of the KMS leg (describe-key, head-object, get-key-policy output) and the
// leg itself: a Deny added to the key policy never grants.
// ---------------------------------------------------------------------------------------

/// The first byte chooses the document: a key description, an object's metadata, a key
/// policy (raw or as `get-key-policy` prints it) or a key's grants; the rest is the text.
pub fn kms(data: &[u8]) {
    use s3_access::aws_docs::kms::{KeyAliases, KeyGrants, KeyMetadata, ObjectHead};
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match selector % 6 {
        0 => kms_reader::<KeyMetadata>(text),
        1 => kms_reader::<ObjectHead>(text),
        2 => kms_key_policy(text),
        3 => kms_reader::<KeyGrants>(text),
        4 => kms_grants(text),
        _ => kms_reader::<KeyAliases>(text),
    }
}

/// A reader either reads the document or says where it is wrong, inside the text.
fn kms_reader<T: s3_access::aws_docs::AwsDocument>(text: &str) {
    if let Err(report) = s3_access::aws_docs::read::read_str::<T>("fuzz.json", text) {
        assert!(!report.findings.is_empty(), "a refused document says why");
        check_report(&report);
    }
}

/// The key policy as the KMS leg's resource policy: the leg of a read through S3 decided
/// before and after a Deny of every KMS action is added; the Deny never grants.
fn kms_key_policy(text: &str) {
    use s3_access::eval::kms::{KmsKey, KmsLeg, leg_graph};
    let analysis = lint::analyze(
        SourceFile::new("key-policy.json", text.to_string()),
        &LintOptions {
            kind: Some(PolicyKind::Resource),
            ..LintOptions::default()
        },
    );
    check_report(&analysis.report);
    let key = KmsKey {
        arn: "arn:aws:kms:us-east-1:111122223333:key/k".into(),
        account: "111122223333".into(),
        aws_managed: false,
        bucket_key: text.len().is_multiple_of(2),
        from: "fuzz".into(),
        assumed: false,
    };
    let object = "arn:aws:s3:::amzn-s3-demo-bucket/k";
    let deny = SourceFile::new(
        "deny.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*"}]}"#,
    );
    let deny_policy = lint::analyze(
        deny.clone(),
        &LintOptions {
            kind: Some(PolicyKind::Resource),
            ..LintOptions::default()
        },
    );
    for principal in [
        "arn:aws:iam::111122223333:user/alice",
        "111122223333",
        "arn:aws:iam::444455556666:role/partner",
        "anonymous",
    ] {
        let Ok(caller) = Caller::parse(principal) else {
            continue;
        };
        let s3 = Request::new(
            caller,
            "s3:GetObject",
            object,
            Some("111122223333"),
            &[],
            1_767_225_600,
        );
        let mut graph = leg_graph(&Graph::new());
        for p in &analysis.policies {
            graph.add(
                analysis.report.source.clone(),
                p.clone(),
                Layer::KeyPolicy,
                0,
            );
        }
        let Some(before) = KmsLeg::decide(graph.clone(), key.clone(), &s3, object, true) else {
            return;
        };
        if principal == "anonymous" {
            assert_ne!(before.call.response.decision, Decision::Allow);
        }
        for p in &deny_policy.policies {
            graph.add(deny.clone(), p.clone(), Layer::KeyPolicy, 0);
        }
        let after = KmsLeg::decide(graph, key.clone(), &s3, object, false);
        assert_eq!(
            after.map(|l| l.call.response.decision),
            Some(Decision::ExplicitDeny),
            "a Deny of every KMS action in the key policy decides"
        );
    }
}

/// The grants as the KMS leg applies them: a key policy that lets no one in, the leg of a read
/// and a write decided with the grants read and without them; taking the grants away never
/// grants, an anonymous caller is never allowed, and a Deny of every KMS action still decides.
fn kms_grants(text: &str) {
    use s3_access::aws_docs::kms::KeyGrants;
    use s3_access::eval::kms::{KmsKey, KmsLeg, leg_graph};
    let Ok(loaded) = s3_access::aws_docs::read::read_str::<KeyGrants>("grants.json", text) else {
        return;
    };
    let key = KmsKey {
        arn: "arn:aws:kms:us-east-1:111122223333:key/k".into(),
        account: "111122223333".into(),
        aws_managed: false,
        bucket_key: text.len().is_multiple_of(2),
        from: "fuzz".into(),
        assumed: false,
    };
    let object = "arn:aws:s3:::amzn-s3-demo-bucket/k";
    let policy = |text: &str| {
        let source = SourceFile::new("key-policy.json", text.to_string());
        let a = lint::analyze(
            source.clone(),
            &LintOptions {
                kind: Some(PolicyKind::Resource),
                ..LintOptions::default()
            },
        );
        let mut g = leg_graph(&Graph::new());
        for p in &a.policies {
            g.add(source.clone(), p.clone(), Layer::KeyPolicy, 0);
        }
        g
    };
    let closed = policy(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/admin"}, "Action": "kms:*", "Resource": "*"}]}"#,
    );
    let denied = policy(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*"}]}"#,
    );
    for principal in [
        "arn:aws:iam::111122223333:user/alice",
        "arn:aws:iam::444455556666:role/partner",
        "arn:aws:sts::444455556666:assumed-role/partner/s",
        "anonymous",
    ] {
        let Ok(caller) = Caller::parse(principal) else {
            continue;
        };
        for action in ["s3:GetObject", "s3:PutObject"] {
            let s3 = Request::new(
                caller.clone(),
                action,
                object,
                Some("111122223333"),
                &[],
                1_767_225_600,
            );
            let decide = |base: &Graph, with: bool| {
                let mut g = base.clone();
                if with {
                    g.add_kms_grants(&loaded.source, &loaded.doc.grants);
                }
                KmsLeg::decide(g, key.clone(), &s3, object, true).map(|l| l.call.response)
            };
            let (Some(with), Some(without)) = (decide(&closed, true), decide(&closed, false))
            else {
                return;
            };
            if principal == "anonymous" {
                assert_ne!(
                    with.decision,
                    Decision::Allow,
                    "KMS takes no anonymous requests, whatever a grant says"
                );
            }
            assert!(
                without.decision != Decision::Allow || with.decision == Decision::Allow,
                "a grant never takes access away"
            );
            assert!(
                with.kms_grants.iter().all(|g| *g < loaded.doc.grants.len()),
                "a determining grant is one of the file's"
            );
            let d = decide(&denied, true).map(|r| r.decision);
            assert_eq!(
                d,
                Some(Decision::ExplicitDeny),
                "grants cannot override a Deny"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// catalog_reference: `--catalog` files, the service reference and iam-data formats.
// ---------------------------------------------------------------------------------------

/// The bytes as a service reference document, then as each iam-data file: a problem is a
/// located error inside the text, never a panic; a document read builds an overlay whose
/// services are sorted and whose every action is found by its own name.
pub fn catalog_reference(data: &[u8]) {
    use s3_access::catalog::overlay;
    let Ok(text) = s3_access::json::decode_utf8(data.to_vec()) else {
        return;
    };
    let source = SourceFile::new("fuzz.json", text);
    let lines = u32::try_from(source.text().lines().count() + 1).unwrap_or(u32::MAX);
    let located = |e: &overlay::CatalogError| {
        assert!(e.line >= 1 && e.line <= lines && e.column >= 1, "{e}");
    };
    let mut services = match overlay::parse_service_reference(&source) {
        Ok(s) => s,
        Err(e) => {
            located(&e);
            Vec::new()
        }
    };
    match overlay::parse_iam_data("fuzz", &source, &source, &source) {
        Ok(s) => services.push(s),
        Err(e) => located(&e),
    }
    if let Err(e) = overlay::parse_service_list(&source) {
        located(&e);
    }
    let Ok(o) = overlay::Overlay::build(services) else {
        return;
    };
    for pair in o.services().windows(2) {
        assert!(pair[0].prefix().to_ascii_lowercase() < pair[1].prefix().to_ascii_lowercase());
    }
    for s in o
        .services()
        .iter()
        .filter(|s| o.loaded().contains(&s.prefix()))
    {
        for a in s.actions() {
            assert!(s.action(a.name()).is_some(), "{}:{}", s.prefix(), a.name());
        }
    }
}

// ---------------------------------------------------------------------------------------
// baseline: the baseline file reader of `lint --baseline`.
// ---------------------------------------------------------------------------------------

/// The bytes are a baseline file: it is read or refused with located findings, never a
/// panic; a baseline that is read filters a linted policy to a subset of its findings, and
/// a baseline written from that policy's findings reads back and filters all of them.
pub fn baseline(data: &[u8]) {
    use s3_access::lint::baseline::{Baseline, BaselineError, BaselineWriter};
    const POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObjects", "Resource": "arn:aws:s3:::b/*"}]}"#;
    let report = lint::lint_text(
        SourceFile::new("p.json", POLICY),
        &LintOptions {
            audit: true,
            ..LintOptions::default()
        },
    );
    let Ok(text) = s3_access::json::decode_utf8(data.to_vec()) else {
        return;
    };
    match Baseline::parse(SourceFile::new("b.json", text)) {
        Ok(b) => {
            let mut r = report.clone();
            let removed = b.filter(&mut r, "p.json");
            assert_eq!(removed + r.findings.len(), report.findings.len());
        }
        Err(BaselineError::Invalid(r)) => {
            assert!(!r.findings.is_empty());
            check_report(&r);
        }
        Err(BaselineError::Io(e)) => panic!("parsing text is not I/O: {e}"),
    }
    let mut w = BaselineWriter::default();
    w.add(&report, "p.json");
    let text = w.text().expect("a baseline serialises");
    let b = Baseline::parse(SourceFile::new("b.json", text)).expect("a written baseline reads");
    let mut r = report.clone();
    assert_eq!(b.filter(&mut r, "p.json"), report.findings.len());
}

// ---------------------------------------------------------------------------------------
// diff: two generated versions of a bucket's documents; every new (and removed) access
// found is allowed by one version and not the other, and a version compared with itself
// has no difference.
// ---------------------------------------------------------------------------------------

pub fn diff(data: &[u8]) {
    use s3_access::eval::bucket::BucketModel;
    use s3_access::exact::diff::diff;
    use s3_access::exact::who_can::WhoCanOptions;
    let mut c = Choices::new(data);
    let mut model = || {
        let docs = gen_documents(&mut c);
        let texts: Vec<String> = docs.iter().map(|d| d.json(Unknown::AsIs, false)).collect();
        let (graph, _) = linted_graph(&docs, &texts);
        let mut m = BucketModel::new("bkt");
        m.owner = Some("111122223333".into());
        m.graph = graph;
        m
    };
    let (old, new) = (model(), model());
    let options = WhoCanOptions {
        actions: vec![c.pick(REQUEST_ACTIONS).to_string()],
        resource: None,
        now: 1_767_225_600,
    };
    let d = diff(Some(&old), Some(&new), &options, true);
    let (Some(old_g), Some(new_g)) = (&d.old, &d.new) else {
        panic!("both versions are given");
    };
    let allowed =
        |g: &Graph, r: &eval::Request| eval::decide(g, r, false).decision == Decision::Allow;
    for g in &d.added {
        let r = &g.witness.request;
        assert!(allowed(new_g, r) && !allowed(old_g, r), "new access {r:?}");
    }
    for g in &d.removed {
        let r = &g.witness.request;
        assert!(
            allowed(old_g, r) && !allowed(new_g, r),
            "removed access {r:?}"
        );
    }
    let same = diff(Some(&new), Some(&new), &options, true);
    assert!(
        same.added.is_empty() && same.removed.is_empty(),
        "a version differs from itself"
    );
}

// ---------------------------------------------------------------------------------------
// vpce: the reader of `aws ec2 describe-vpc-endpoints` output (the endpoint policy embedded
// as a string) and the endpoint gate: it takes part only in requests through its endpoint,
// and never grants.
// ---------------------------------------------------------------------------------------

/// The bytes are the file; the first request through each endpoint and one through none are
/// decided with and without the endpoints.
pub fn vpce(data: &[u8]) {
    use s3_access::aws_docs::read::read_str;
    use s3_access::aws_docs::vpce::VpcEndpoints;
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // `lint` reads the same file: the endpoint policies linted inside their strings.
    let options = LintOptions {
        audit: true,
        ..LintOptions::default()
    };
    check_report(&lint::lint_bytes("fuzz.json", data.to_vec(), &options));
    let loaded = match read_str::<VpcEndpoints>("fuzz.json", text) {
        Ok(l) => l,
        Err(report) => {
            assert!(!report.findings.is_empty(), "a refused document says why");
            check_report(&report);
            return;
        }
    };
    let mut graph = Graph::new();
    match eval::vpce::add_endpoints(&mut graph, &loaded) {
        Ok(shown) => shown.iter().for_each(check_report),
        Err(failed) => {
            for r in &failed {
                assert!(!r.findings.is_empty(), "a refused policy says why");
                check_report(r);
            }
            return;
        }
    }
    let mut through: Vec<Option<String>> = vec![None, Some("vpce-0fuzz".into())];
    through.extend(
        graph
            .vpc_endpoints
            .iter()
            .filter_map(|e| e.id.clone())
            .map(Some),
    );
    for principal in [
        "111122223333",
        "anonymous",
        "arn:aws:iam::444455556666:user/u",
    ] {
        let Ok(caller) = Caller::parse(principal) else {
            continue;
        };
        for vpce in &through {
            let context: Vec<(String, String)> = vpce
                .iter()
                .map(|v| ("aws:SourceVpce".to_string(), v.clone()))
                .collect();
            let r = Request::new(
                caller.clone(),
                "s3:GetObject",
                "arn:aws:s3:::amzn-s3-demo-bucket/k",
                Some("111122223333"),
                &context,
                1_767_225_600,
            );
            let without = eval::decide(&Graph::new(), &r, false).decision;
            let with = eval::decide(&graph, &r, true).decision;
            assert_eq!(with, eval::decide(&graph, &r, false).decision);
            if vpce.is_none() {
                assert_eq!(with, without, "an endpoint gates only requests through it");
            } else if without != Decision::Allow {
                assert_ne!(with, Decision::Allow, "an endpoint policy never grants");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// services: the readers of the services around a bucket (notification destination policies,
// CloudTrail event selectors) and the destination policy as the resource policy of S3's
// delivery request: a Deny added to it never grants.
// ---------------------------------------------------------------------------------------

/// The first byte chooses the document: a destination policy file, CloudTrail event
/// selectors, or a destination policy lowered and decided; the rest is the text.
pub fn services(data: &[u8]) {
    use s3_access::aws_docs::cloudtrail::EventSelectors;
    use s3_access::aws_docs::destination::DestinationPolicy;
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match selector % 3 {
        0 => kms_reader::<DestinationPolicy>(text),
        1 => {
            kms_reader::<EventSelectors>(text);
            if let Ok(t) = s3_access::aws_docs::read::read_str::<EventSelectors>("t.json", text) {
                for bucket in ["amzn-s3-demo-bucket", "", "a/b"] {
                    t.doc.records(bucket);
                }
            }
        }
        _ => destination_delivery(text),
    }
}

/// A destination policy (any CLI form) lowered with its spans checked, then S3's delivery
/// request to a queue decided before and after a Deny of everything is added.
fn destination_delivery(text: &str) {
    let analysis = lint::analyze(
        SourceFile::new("queue.json", text.to_string()),
        &LintOptions {
            kind: Some(PolicyKind::Resource),
            ..LintOptions::default()
        },
    );
    check_report(&analysis.report);
    let queue = "arn:aws:sqs:us-east-1:111122223333:q";
    let context = [
        (
            "aws:SourceArn".to_string(),
            "arn:aws:s3:::amzn-s3-demo-bucket".to_string(),
        ),
        ("aws:SourceAccount".to_string(), "111122223333".to_string()),
    ];
    let mut graph = Graph::new();
    for p in &analysis.policies {
        graph.add(analysis.report.source.clone(), p.clone(), Layer::Bucket, 0);
    }
    let deny = SourceFile::new(
        "deny.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}]}"#,
    );
    let deny_policy = lint::analyze(
        deny.clone(),
        &LintOptions {
            kind: Some(PolicyKind::Resource),
            ..LintOptions::default()
        },
    );
    for p in &deny_policy.policies {
        graph.add(deny.clone(), p.clone(), Layer::Bucket, 0);
    }
    for principal in ["s3.amazonaws.com", "999999999999", "anonymous"] {
        let Ok(caller) = Caller::parse(principal) else {
            continue;
        };
        let r = Request::new(
            caller,
            "sqs:SendMessage",
            queue,
            Some("111122223333"),
            &context,
            1_767_225_600,
        );
        assert_eq!(
            eval::decide(&graph, &r, false).decision,
            Decision::ExplicitDeny,
            "a Deny of everything in the destination policy decides"
        );
    }
}

// ---------------------------------------------------------------------------------------
// access_paths: the readers of the other paths to a bucket (Multi-Region Access Points) and
// the route through one.
// ---------------------------------------------------------------------------------------

/// The first byte chooses the document: a Multi-Region Access Point description
/// (`get-multi-region-access-point`) or its policy (raw or as
/// `get-multi-region-access-point-policy` prints it), an Object Lambda access point
/// configuration (`get-access-point-configuration-for-object-lambda`), description
/// (`get-access-point-for-object-lambda`) or policy; the rest is the text.
pub fn access_paths(data: &[u8]) {
    use s3_access::aws_docs::MultiRegionAccessPoint;
    use s3_access::aws_docs::object_lambda::{ObjectLambdaAccessPoint, ObjectLambdaConfiguration};
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match selector % 5 {
        0 => kms_reader::<MultiRegionAccessPoint>(text),
        1 => multi_region_policy(text),
        2 => kms_reader::<ObjectLambdaConfiguration>(text),
        3 => kms_reader::<ObjectLambdaAccessPoint>(text),
        _ => object_lambda_policy(text),
    }
}

/// The text as the policy of an Object Lambda access point (its own Block Public Access off)
/// over a bucket without a bucket policy: no caller of another account and no anonymous
/// caller gets through all legs, and with a Deny of everything added its leg is
/// `ExplicitDeny` for every caller.
fn object_lambda_policy(text: &str) {
    use s3_access::aws_docs::folder::{ObjectLambdaFolder, RawPolicy, Setting};
    use s3_access::aws_docs::read::read_str;
    use s3_access::eval::bucket::BucketModel;
    use s3_access::eval::object_lambda::{LegKind, decide_through};
    let configuration = read_str(
        "configuration.json",
        r#"{"Configuration": {"SupportingAccessPoint": "arn:aws:s3:us-east-1:111122223333:accesspoint/ap",
            "TransformationConfigurations": [{"Actions": ["GetObject"], "ContentTransformation":
            {"AwsLambda": {"FunctionArn": "arn:aws:lambda:us-east-1:111122223333:function:f:1"}}}]}}"#,
    )
    .expect("the fixed configuration reads");
    let description = read_str(
        "olap.json",
        r#"{"Name": "olap", "PublicAccessBlockConfiguration": {"BlockPublicAcls": false,
            "IgnorePublicAcls": false, "BlockPublicPolicy": false, "RestrictPublicBuckets": false}}"#,
    )
    .expect("the fixed description reads");
    let build = |text: &str| {
        let policy = read_str::<RawPolicy>("policy.json", text).ok()?;
        let mut b = BucketModel::new("amzn-s3-demo-bucket");
        b.owner = Some("111122223333".into());
        b.graph.s3.bucket = Some("amzn-s3-demo-bucket".into());
        let folder = ObjectLambdaFolder {
            name: "olap".into(),
            configuration: Setting::Present(configuration.clone()),
            policy: Setting::Present(policy),
            access_point: Setting::Present(description.clone()),
        };
        if let Err(reports) = b.add_object_lambda(&folder) {
            for r in &reports {
                check_report(r);
            }
            return None;
        }
        Some(b)
    };
    let Some(plain) = build(text) else { return };
    let mut denied = build(text).expect("the same policy builds again");
    let deny = build(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}]}"#,
    )
    .expect("the Deny builds");
    let extra = deny.graph.s3.object_lambda[0].policy.clone();
    denied.graph.s3.object_lambda[0].policy.extend(extra);
    let resource = "arn:aws:s3-object-lambda:us-east-1:111122223333:accesspoint/olap/object/k";
    for principal in [
        "anonymous",
        "arn:aws:iam::444455556666:role/partner",
        "arn:aws:iam::111122223333:user/alice",
    ] {
        let Ok(caller) = Caller::parse(principal) else {
            continue;
        };
        let r = Request::new(
            caller,
            "s3-object-lambda:GetObject",
            resource,
            Some("111122223333"),
            &[],
            1_767_225_600,
        );
        let before = decide_through(&plain.graph, &r, true).expect("routed");
        if principal != "arn:aws:iam::111122223333:user/alice" {
            assert_ne!(
                before.decision,
                Decision::Allow,
                "{principal} through the OLAP"
            );
        }
        let after = decide_through(&denied.graph, &r, false).expect("routed");
        assert_eq!(after.denied_by, Some(LegKind::ObjectLambda));
        assert_eq!(
            after.decision,
            Decision::ExplicitDeny,
            "a Deny of everything decides"
        );
    }
}

/// The text as the policy of a Multi-Region Access Point routing to a bucket without a bucket
/// policy: no anonymous request through it is allowed, no request of another account either
/// (the bucket policy must allow too), and a Deny of everything added to it decides.
fn multi_region_policy(text: &str) {
    use s3_access::aws_docs::folder::{MultiRegionFolder, RawPolicy, Setting};
    use s3_access::aws_docs::read::read_str;
    use s3_access::eval::bucket::BucketModel;
    let description = read_str::<s3_access::aws_docs::MultiRegionAccessPoint>(
        "mrap.json",
        r#"{"AccessPoint": {"Name": "reports", "Alias": "mfzwi23gnjvgw.mrap",
            "PublicAccessBlock": {"BlockPublicAcls": false, "IgnorePublicAcls": false,
                                  "BlockPublicPolicy": false, "RestrictPublicBuckets": false},
            "Regions": [{"Bucket": "amzn-s3-demo-bucket"}]}}"#,
    )
    .expect("the fixed description reads");
    let Ok(policy) = read_str::<RawPolicy>("policy.json", text) else {
        return;
    };
    let build = |extra: Option<&str>| {
        let mut b = BucketModel::new("amzn-s3-demo-bucket");
        b.owner = Some("111122223333".into());
        b.graph.s3.bucket = Some("amzn-s3-demo-bucket".into());
        let folder = MultiRegionFolder {
            name: "reports".into(),
            access_point: Setting::Present(description.clone()),
            policy: Setting::Present(policy.clone()),
        };
        if let Err(reports) = b.add_multi_region(&folder) {
            for r in &reports {
                check_report(r);
            }
            return None;
        }
        if let Some(deny) = extra {
            let deny = read_str::<RawPolicy>("deny.json", deny).expect("the Deny reads");
            b.add_policy(&deny.source, &deny.root, Layer::AccessPoint, 0)
                .expect("the Deny lints");
        }
        Some(b)
    };
    let Some(plain) = build(None) else { return };
    let denied = build(Some(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}]}"#,
    ))
    .expect("the same policy builds again");
    let resource = "arn:aws:s3::111122223333:accesspoint/mfzwi23gnjvgw.mrap/object/k";
    for principal in [
        "anonymous",
        "arn:aws:iam::444455556666:role/partner",
        "arn:aws:iam::111122223333:user/alice",
    ] {
        let Ok(caller) = Caller::parse(principal) else {
            continue;
        };
        let r = Request::new(
            caller,
            "s3:GetObject",
            resource,
            Some("111122223333"),
            &[],
            1_767_225_600,
        );
        let before = eval::decide(&plain.graph, &r, true).decision;
        if principal != "arn:aws:iam::111122223333:user/alice" {
            assert_ne!(before, Decision::Allow, "{principal} through the MRAP");
        }
        let after = eval::decide(&denied.graph, &r, false).decision;
        assert_eq!(
            after,
            Decision::ExplicitDeny,
            "a Deny of everything decides"
        );
    }
}

// ---------------------------------------------------------------------------------------
// vault: Glacier vault lock and vault access policies in every form `lint` reads them.
// ---------------------------------------------------------------------------------------

/// The first byte chooses the form the rest is linted in (the policy on its own, embedded
/// as a string in `get-vault-lock` output `InProgress` or `Locked`, in
/// `get-vault-access-policy` output, or in the `{"Policy": ".."}` input of
/// `initiate-vault-lock`); every finding is located, S521 only ever on a `Locked` lock, and
/// neither code on an access policy, which can be changed at any time.
pub fn vault(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(policy) = std::str::from_utf8(rest) else {
        return;
    };
    let literal = json_string(policy);
    let form = selector % 5;
    let text = match form {
        0 => policy.to_string(),
        1 | 2 => format!(
            "{{\"Policy\": {literal}, \"State\": \"{}\", \"ExpirationDate\": null, \"CreationDate\": \"2026-12-06T09:00:00.000Z\"}}",
            if form == 1 { "InProgress" } else { "Locked" }
        ),
        3 => format!("{{\"policy\": {{\"Policy\": {literal}}}}}"),
        _ => format!("{{\"Policy\": {literal}}}"),
    };
    let options = LintOptions {
        audit: true,
        ..LintOptions::default()
    };
    let report = lint::lint_bytes("fuzz.json", text.into_bytes(), &options);
    check_report(&report);
    let count = |code: &str| {
        report
            .findings
            .iter()
            .filter(|f| f.finding.code.as_str() == code)
            .count()
    };
    assert!(count("S521") <= 1 && count("S520") <= 1);
    if form != 2 {
        assert_eq!(count("S521"), 0, "S521 only on a Locked lock");
    }
    if form == 3 {
        assert_eq!(count("S520"), 0, "an access policy is not asked to retain");
    }
}

/// `text` as a JSON string literal, every control character escaped.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
