//! Speed benchmarks (docs/performance.md has the figures and how they were taken):
//!
//! - `floor/*`: plain `serde_json` parsing of the same bytes, what every lint costs at least;
//! - `parse/*`: the strict, span-keeping JSON parse alone;
//! - `parse+validate/*`: parse, lower and validate one policy (every rule), no locating;
//! - `lint/*`: the full lint of one file as `s3-access lint` runs it, findings located;
//! - `graph/*`: compiling a bucket's evaluation graph from parsed policies;
//! - `query/*`: one decision on a compiled graph, without and with the trace;
//! - `iac/*`: one CloudFormation template read, its intrinsics evaluated, its buckets and
//!   policies extracted, and every policy analysed (as a pre-commit run does per template).
//! - `terraform/*`: one `.tf` file read, extracted and analysed; 2,000 buckets under one
//!   `for_each` with a split setting each (`aws_s3_bucket.b[each.key].id`); a generated tree of 1,000
//!   `.tf` files (100 module directories of 10 files) read and extracted, and the same tree
//!   on disk linted as `lint DIR` does (`lint::iac::analyze_module` per directory: read,
//!   extract, every policy linted, E016 notes, suppression comments); a generated plan of
//!   2,000 resources (1,000 buckets and their policies) read and linted.
//!   `bench/iac.sh` times the same inputs whole-process with the release binary.
//! - `exact/*`: `who-can` over every request with the exact engine, on a bucket folder with a
//!   20-statement policy, ACLs, Block Public Access and 5 identity policies, and over the 207
//!   real bucket policies of `../shared/corpus/s3-bucket-policies/unique` (skipped if absent;
//!   their per-policy median and p99 are printed); `diff` of two 20-statement bucket policies.
//!
//! Run with `cargo bench` (`cargo bench -- lint` for one group).

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark harness"
)]

use criterion::{Criterion, black_box, criterion_group};
use s3_access::eval::{self, Caller, Graph, Layer, Request};
use s3_access::lint::{self, LintOptions};
use s3_access::policy::{PolicyKind, parse};
use s3_access::source::SourceFile;
use std::sync::Arc;
use std::time::Duration;

/// The binary's allocator (`src/bin/s3-access/main.rs`), so the figures are the command's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A 20-statement bucket policy in the style of real ones.
fn bucket_policy() -> String {
    let mut statements = Vec::new();
    for i in 0..20 {
        let st = match i % 5 {
            0 => format!(
                r#"{{"Sid":"DenyInsecure{i}","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"],"Condition":{{"Bool":{{"aws:SecureTransport":"false"}}}}}}"#
            ),
            1 => format!(
                r#"{{"Sid":"PartnerRead{i}","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::444455556666:role/Partner{i}"}},"Action":["s3:GetObject","s3:GetObjectVersion"],"Resource":"arn:aws:s3:::amzn-s3-demo-bucket/partner{i}/*"}}"#
            ),
            2 => format!(
                r#"{{"Sid":"VpceOnly{i}","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/upload{i}/*","Condition":{{"StringNotEquals":{{"aws:SourceVpce":["vpce-1a2b3c4d","vpce-5e6f7a8b"]}}}}}}"#
            ),
            3 => format!(
                r#"{{"Sid":"List{i}","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111122223333:root"}},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::amzn-s3-demo-bucket","Condition":{{"StringLike":{{"s3:prefix":["home/${{aws:username}}/*","shared/*"]}}}}}}"#
            ),
            _ => format!(
                r#"{{"Sid":"OrgRead{i}","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/public{i}/*","Condition":{{"StringEquals":{{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}},"IpAddress":{{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]}}}}}}"#
            ),
        };
        statements.push(st);
    }
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

fn identity_policy(i: usize) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Read{i}","Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"]}},{{"Sid":"NoDelete{i}","Effect":"Deny","Action":"s3:DeleteObject*","Resource":"*"}},{{"Sid":"Ec2{i}","Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}}]}}"#
    )
}

/// An AWS managed policy of about the median size of the 1,594 (1 KB), and a large one.
const MANAGED_MEDIAN: &str =
    include_str!("../tests/corpus/managed-policies/AWSCodeDeployRoleForECS.json");
const MANAGED_LARGE: &str =
    include_str!("../tests/corpus/managed-policies/AWSElasticBeanstalkServiceRolePolicy.json");

/// Parses, lowers and validates one policy of `kind`; returns the number of findings.
fn parse_and_validate(text: &str, kind: PolicyKind) -> usize {
    let file = SourceFile::new("p.json", text);
    let root = s3_access::json::parse(file.text()).unwrap();
    let mut parsed = parse::parse_policy(&root, kind);
    if let Some(policy) = &parsed.policy {
        s3_access::validate::validate(policy, &file, &mut parsed.findings);
    }
    parsed.findings.len()
}

type Parsed = Vec<(SourceFile, Arc<s3_access::policy::Policy>)>;

/// The bucket policy and five identity policies, parsed once.
fn parsed_policies() -> Parsed {
    let mut out = Vec::new();
    let mut add = |name: String, text: String, kind: Option<PolicyKind>| {
        let options = LintOptions {
            kind,
            ..LintOptions::default()
        };
        let a = lint::analyze(SourceFile::new(name, text), &options);
        out.push((
            a.report.source.clone(),
            a.policies.into_iter().next().unwrap().into(),
        ));
    };
    add(
        "bucket.json".into(),
        bucket_policy(),
        Some(PolicyKind::Bucket),
    );
    for i in 0..5 {
        add(format!("id{i}.json"), identity_policy(i), None);
    }
    out
}

fn compile(parsed: &Parsed) -> Graph {
    let mut g = Graph::new();
    for (i, (src, p)) in parsed.iter().enumerate() {
        let layer = if i == 0 {
            Layer::Bucket
        } else {
            Layer::Identity
        };
        g.add(src.clone(), p.clone(), layer, 0);
    }
    g
}

/// What `s3-access lint` runs: the grammar checks and the risk audit.
fn all_rules() -> LintOptions {
    LintOptions {
        audit: true,
        ..LintOptions::default()
    }
}

fn benches(c: &mut Criterion) {
    let bucket = bucket_policy();
    let identity = identity_policy(0);
    for (name, text) in [
        ("20-statement bucket policy", bucket.as_str()),
        ("managed policy, median size", MANAGED_MEDIAN),
        ("managed policy, 16 KB", MANAGED_LARGE),
    ] {
        c.bench_function(&format!("floor/serde_json::Value, {name}"), |b| {
            b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(text)).unwrap())
        });
        c.bench_function(&format!("parse/strict JSON with spans, {name}"), |b| {
            b.iter(|| s3_access::json::parse(black_box(text)).unwrap())
        });
        let kind = if text.contains("\"Principal\"") {
            PolicyKind::Bucket
        } else {
            PolicyKind::Identity
        };
        c.bench_function(&format!("parse+validate/{name}"), |b| {
            b.iter(|| parse_and_validate(black_box(text), kind))
        });
        c.bench_function(&format!("lint/all rules, {name}"), |b| {
            b.iter(|| lint::lint_text(SourceFile::new("p.json", black_box(text)), &all_rules()))
        });
    }
    c.bench_function("lint/all rules, 3-statement identity policy", |b| {
        b.iter(|| {
            lint::lint_text(
                SourceFile::new("p.json", black_box(identity.as_str())),
                &all_rules(),
            )
        })
    });

    let parsed = parsed_policies();
    c.bench_function(
        "graph/compile: 20-statement bucket policy + 5 identity policies",
        |b| b.iter(|| compile(black_box(&parsed))),
    );
    let g = compile(&parsed);
    let caller = Caller::parse("arn:aws:sts::444455556666:assumed-role/Partner1/alice").unwrap();
    let cross = Request::new(
        caller,
        "s3:GetObject",
        "arn:aws:s3:::amzn-s3-demo-bucket/partner1/report.csv",
        Some("111122223333"),
        &[],
        1_700_000_000,
    );
    let user = Caller::parse("arn:aws:iam::111122223333:user/bob").unwrap();
    let same = Request::new(
        user,
        "s3:ListBucket",
        "arn:aws:s3:::amzn-s3-demo-bucket",
        Some("111122223333"),
        &[("s3:prefix".into(), "home/bob/x".into())],
        1_700_000_000,
    );
    for (name, request) in [
        ("cross-account session", &cross),
        ("same-account user, variables", &same),
    ] {
        c.bench_function(&format!("query/{name}"), |b| {
            b.iter(|| eval::decide(black_box(&g), black_box(request), false))
        });
        c.bench_function(&format!("query/{name}, with trace"), |b| {
            b.iter(|| eval::decide(black_box(&g), black_box(request), true))
        });
    }
}

/// The CloudFormation fixture templates (YAML and its JSON twin).
const CFN_YAML: &str = include_str!("../tests/fixtures/iac/cloudformation/site.yaml");
const CFN_JSON: &str = include_str!("../tests/fixtures/iac/cloudformation/site.json");

fn iac(c: &mut Criterion) {
    for (name, file, text) in [
        ("YAML", "site.yaml", CFN_YAML),
        ("JSON", "site.json", CFN_JSON),
    ] {
        c.bench_function(
            &format!("iac/CloudFormation {name} template: read+extract+analyze"),
            |b| {
                b.iter(|| {
                    let x = s3_access::iac::cloudformation::read(SourceFile::new(
                        file,
                        black_box(text),
                    ))
                    .unwrap();
                    s3_access::iac::analyze(&x, &s3_access::load::LoadOptions::default())
                })
            },
        );
    }
}

/// A `.tf` file of a bucket with split settings and a policy document, `i` making it unique.
fn tf_file(i: usize) -> String {
    format!(
        r#"variable "name{i}" {{
  default = "amzn-s3-demo-bucket-{i}"
}}

resource "aws_s3_bucket" "b{i}" {{
  bucket = var.name{i}
}}

resource "aws_s3_bucket_public_access_block" "b{i}" {{
  bucket                  = aws_s3_bucket.b{i}.id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}}

data "aws_iam_policy_document" "p{i}" {{
  statement {{
    sid       = "TLS"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.b{i}.arn, "${{aws_s3_bucket.b{i}.arn}}/*"]
    principals {{
      type        = "*"
      identifiers = ["*"]
    }}
    condition {{
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }}
  }}
  statement {{
    sid       = "Read"
    actions   = ["s3:GetObject"]
    resources = ["${{aws_s3_bucket.b{i}.arn}}/*"]
    principals {{
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:root"]
    }}
  }}
}}

resource "aws_s3_bucket_policy" "b{i}" {{
  bucket = aws_s3_bucket.b{i}.id
  policy = data.aws_iam_policy_document.p{i}.json
}}
"#
    )
}

fn terraform_benches(c: &mut Criterion) {
    use s3_access::iac::{self, terraform};
    let one = tf_file(0);
    c.bench_function("terraform/one .tf file: read, extract, analyse", |b| {
        b.iter(|| {
            let e = terraform::read_file(SourceFile::new("main.tf", black_box(one.as_str())));
            iac::analyze(&e, &s3_access::load::LoadOptions::default())
        })
    });
    let tree: Vec<Vec<SourceFile>> = (0..100)
        .map(|d| {
            (0..10)
                .map(|f| SourceFile::new(format!("m{d}/f{f}.tf"), tf_file(d * 10 + f)))
                .collect()
        })
        .collect();
    let for_each = tf_for_each(2_000);
    c.bench_function(
        "terraform/for_each of 2,000 buckets with a split setting each: read, extract",
        |b| {
            b.iter(|| {
                terraform::read_file(SourceFile::new("main.tf", black_box(for_each.as_str())))
            })
        },
    );
    c.bench_function("terraform/tree of 1,000 .tf files: read, extract", |b| {
        b.iter(|| {
            for (d, files) in tree.iter().enumerate() {
                let dir = std::path::PathBuf::from(format!("m{d}"));
                let r = terraform::read_module(
                    &dir,
                    files.clone(),
                    &[],
                    std::rc::Rc::new(terraform::NoModules),
                );
                black_box(r);
            }
        })
    });
}

/// One `.tf` file declaring `n` buckets under `for_each = toset(var.names)` and a split
/// setting for each, linked by `aws_s3_bucket.b[each.key].id` (the shape that was quadratic:
/// `toset` of n names and n instance lookups).
fn tf_for_each(n: usize) -> String {
    let names: Vec<String> = (0..n)
        .map(|i| format!("    \"amzn-s3-demo-bucket-{i}\""))
        .collect();
    format!(
        r#"variable "names" {{
  default = [
{}
  ]
}}

resource "aws_s3_bucket" "b" {{
  for_each = toset(var.names)
  bucket   = each.key
}}

resource "aws_s3_bucket_versioning" "v" {{
  for_each = toset(var.names)
  bucket   = aws_s3_bucket.b[each.key].id
  versioning_configuration {{
    status = "Enabled"
  }}
}}
"#,
        names.join(",\n")
    )
}

/// A `terraform show -json` plan of `n` buckets, each with a one-statement bucket policy:
/// `2 n` resources, each in `planned_values`, `resource_changes` (created, `id` and `arn`
/// known after apply) and `configuration` (the policy's `bucket` a reference), as
/// `terraform show -json` writes them.
fn plan_json(n: usize) -> String {
    let mut resources = Vec::new();
    for i in 0..n {
        let name = format!("amzn-s3-demo-bucket-{i}");
        resources.push(serde_json::json!({
            "address": format!("aws_s3_bucket.b{i}"), "mode": "managed",
            "type": "aws_s3_bucket", "name": format!("b{i}"), "values": {"bucket": name}
        }));
        let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [{
            "Sid": "Read", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{name}/*")}]});
        resources.push(serde_json::json!({
            "address": format!("aws_s3_bucket_policy.b{i}"), "mode": "managed",
            "type": "aws_s3_bucket_policy", "name": format!("b{i}"),
            "values": {"bucket": name, "policy": policy.to_string()}
        }));
    }
    let changes: Vec<serde_json::Value> = resources
        .iter()
        .map(|r| {
            let mut c = r.clone();
            let after = c["values"].take();
            c.as_object_mut().unwrap().remove("values");
            c["change"] = serde_json::json!({"actions": ["create"], "before": null,
                "after": after, "after_unknown": {"id": true, "arn": true}});
            c
        })
        .collect();
    let config: Vec<serde_json::Value> = resources
        .iter()
        .map(|r| {
            let address = r["address"].as_str().unwrap();
            let expressions = match address.strip_prefix("aws_s3_bucket_policy.") {
                Some(b) => serde_json::json!({"bucket": {"references":
                    [format!("aws_s3_bucket.{b}.id"), format!("aws_s3_bucket.{b}")]}}),
                None => serde_json::json!({"bucket": {"constant_value": r["values"]["bucket"]}}),
            };
            serde_json::json!({"address": address, "mode": "managed", "type": r["type"],
                "name": r["name"], "expressions": expressions})
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({
        "format_version": "1.2",
        "planned_values": {"root_module": {"resources": resources}},
        "resource_changes": changes,
        "configuration": {"root_module": {"resources": config}}
    }))
    .unwrap()
}

fn iac_lint_benches(c: &mut Criterion) {
    let options = LintOptions {
        audit: true,
        ..LintOptions::default()
    };
    let plan = plan_json(1_000);
    c.bench_function("terraform/plan of 2,000 resources: read, lint", |b| {
        b.iter(|| lint::analyze_input("plan.json", black_box(plan.as_bytes().to_vec()), &options))
    });
    let dir = std::env::temp_dir().join(format!("s3a-bench-tf-{}", std::process::id()));
    let mut dirs = Vec::new();
    for d in 0..100 {
        let m = dir.join(format!("m{d}"));
        std::fs::create_dir_all(&m).unwrap();
        let mut named = Vec::new();
        for f in 0..10 {
            let p = m.join(format!("f{f}.tf"));
            std::fs::write(&p, tf_file(d * 10 + f)).unwrap();
            named.push(p);
        }
        dirs.push((m, named));
    }
    let root = lint::Root::new(std::slice::from_ref(&dir), None);
    c.bench_function("terraform/lint a tree of 1,000 .tf files on disk", |b| {
        b.iter(|| {
            for (m, named) in &dirs {
                black_box(lint::iac::analyze_module(
                    m,
                    named,
                    &[],
                    &[],
                    &root,
                    &options,
                ));
            }
        })
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The example bucket folder (ACLs, Object Ownership, Block Public Access), with the
/// 20-statement policy added to its bucket policy and the 5 identity policies.
fn who_can_model() -> s3_access::eval::bucket::BucketModel {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/buckets/example-bucket");
    // The folder names its account folder beside it: the tree is `policies/buckets`.
    let root = s3_access::contain::Root::new(std::slice::from_ref(&dir), dir.parent());
    let folder = s3_access::aws_docs::load_bucket(&dir, &root).unwrap();
    let mut model = s3_access::eval::bucket::BucketModel::from_folder(&folder).unwrap();
    let text = bucket_policy().replace("amzn-s3-demo-bucket", &model.name);
    eval::add_source(
        &mut model.graph,
        SourceFile::new("bucket.json", text),
        Layer::Bucket,
        0,
    )
    .unwrap();
    for i in 0..5 {
        let text = identity_policy(i).replace("amzn-s3-demo-bucket", &model.name);
        eval::add_source(
            &mut model.graph,
            SourceFile::new(format!("id{i}.json"), text),
            Layer::Identity,
            0,
        )
        .unwrap();
    }
    model
}

/// The real bucket policies of the shared corpus, as buckets (empty if the corpus is absent).
fn corpus_models() -> Vec<s3_access::eval::bucket::BucketModel> {
    // `../shared` beside the checkout, or one level up from a worktree (`wt/NAME`).
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = ["../shared", "../../shared"]
        .iter()
        .map(|s| root.join(s).join("corpus/s3-bucket-policies/unique"))
        .find(|p| p.is_dir())
        .unwrap_or_default();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    paths
        .iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(p).ok()?;
            let source = SourceFile::new(p.display().to_string(), text);
            s3_access::eval::bucket::BucketModel::from_policy(source, false).ok()
        })
        .collect()
}

#[allow(
    clippy::print_stderr,
    reason = "the per-policy distribution is printed"
)]
fn exact_benches(c: &mut Criterion) {
    use s3_access::exact::who_can::{WhoCanOptions, who_can};
    let options = WhoCanOptions {
        now: 1_767_225_600,
        ..WhoCanOptions::default()
    };
    let model = who_can_model();
    c.bench_function(
        "exact/who-can: 20-statement policy, ACLs, BPA, 5 identity policies",
        |b| b.iter(|| who_can(black_box(&model), &options)),
    );
    // The same bucket without its account's IAM configuration: the issue's bucket exactly
    // (the configuration's three roles and users are three more explorations, each with its
    // own identity policies).
    let mut alone = who_can_model();
    alone.authorization = None;
    c.bench_function(
        "exact/who-can: the same bucket without the account's IAM configuration",
        |b| b.iter(|| who_can(black_box(&alone), &options)),
    );
    diff_bench(c, &options);
    let models = corpus_models();
    if models.is_empty() {
        return;
    }
    // Per policy: the best of 3 runs, then the distribution over the corpus.
    let mut times: Vec<f64> = models
        .iter()
        .map(|m| {
            (0..3)
                .map(|_| {
                    let t = std::time::Instant::now();
                    black_box(who_can(m, &options));
                    t.elapsed().as_secs_f64() * 1000.0
                })
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| {
        times
            .get(((times.len() - 1) as f64 * q) as usize)
            .copied()
            .unwrap_or(0.0)
    };
    eprintln!(
        "exact/who-can over {} real bucket policies: median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        times.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
    c.bench_function(
        &format!("exact/who-can: all {} real bucket policies", models.len()),
        |b| {
            b.iter(|| {
                for m in &models {
                    black_box(who_can(m, &options));
                }
            })
        },
    );
}

/// The two bucket policies of the diff benchmark: the second opens one partner prefix to
/// everyone (policies alone, as a pull request changes them).
fn diff_models() -> (
    s3_access::eval::bucket::BucketModel,
    s3_access::eval::bucket::BucketModel,
) {
    use s3_access::eval::bucket::BucketModel;
    let old_text = bucket_policy();
    let new_text = old_text.replacen(
        r#"{"AWS":"arn:aws:iam::444455556666:role/Partner1"}"#,
        r#""*""#,
        1,
    );
    assert_ne!(old_text, new_text);
    let old = BucketModel::from_policy(SourceFile::new("old.json", old_text), false).unwrap();
    let new = BucketModel::from_policy(SourceFile::new("new.json", new_text), false).unwrap();
    (old, new)
}

/// `diff` of two 20-statement bucket policies (see [`diff_models`]).
fn diff_bench(c: &mut Criterion, options: &s3_access::exact::who_can::WhoCanOptions) {
    let (old, new) = diff_models();
    let d = s3_access::exact::diff::diff(Some(&old), Some(&new), options, false);
    assert!(!d.added.is_empty());
    c.bench_function("exact/diff: two 20-statement bucket policies", |b| {
        b.iter(|| s3_access::exact::diff::diff(Some(black_box(&old)), Some(&new), options, false))
    });
}

criterion_group! {
    name = exact;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = exact_benches
}

criterion_group! {
    name = speed;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = benches, iac, terraform_benches, iac_lint_benches
}
/// `S3A_EXACT_CPU=N` (and `S3A_EXACT_CPU_WHAT=who-can|who-can-alone|diff`): runs the
/// `exact/who-can` (with `who-can-alone`: the same bucket without its account's IAM
/// configuration; or `exact/diff`) benchmark's work N times and nothing else, for `bench/exact-cpu.sh`, which
/// takes the user CPU time of N runs less that of 0 runs (the setup): a figure the load of a
/// shared machine inflates less than wall-clock time. True when it ran.
fn exact_cpu_loop() -> bool {
    use s3_access::exact::who_can::{WhoCanOptions, who_can};
    let Some(n) = std::env::var("S3A_EXACT_CPU")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    else {
        return false;
    };
    let options = WhoCanOptions {
        now: 1_767_225_600,
        ..WhoCanOptions::default()
    };
    let what = std::env::var("S3A_EXACT_CPU_WHAT").unwrap_or_default();
    if what == "diff" {
        let (old, new) = diff_models();
        for _ in 0..n {
            black_box(s3_access::exact::diff::diff(
                Some(black_box(&old)),
                Some(&new),
                &options,
                false,
            ));
        }
    } else {
        let mut model = who_can_model();
        if what == "who-can-alone" {
            model.authorization = None;
        }
        for _ in 0..n {
            black_box(who_can(black_box(&model), &options));
        }
    }
    true
}

fn main() {
    if exact_cpu_loop() {
        return;
    }
    speed();
    exact();
    Criterion::default().configure_from_args().final_summary();
}
