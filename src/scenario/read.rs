//! Reads a scenario file's JSON into the typed model in one pass: every key and type is
//! checked here, once, and each problem is reported where it is written (`docs/scenarios.md`).

use super::model::{LayerPolicies, Policies, PolicyRef, RequestSpec, Scenario};
use super::problems::Problems;
use super::s3_section;
use crate::contain::Root;
use crate::eval::{Caller, Decision, Layer};
use crate::json::{Kind, Value};
use crate::source::Span;
use std::path::{Path, PathBuf};

const TOP: &[&str] = &[
    "description",
    "bucket_owner",
    "time",
    "policies",
    "s3",
    "requests",
    "organization",
    "kms",
    "never",
    "no-public",
    "no-plain-http",
    "only",
];
const REQUEST: &[&str] = &[
    "name",
    "principal",
    "action",
    "resource",
    "bucket_owner",
    "context",
    "policies",
    "expect",
    "reference",
    "kms",
    "time",
    "s3",
];
/// The keys of a `policies` object, in the order their documents are loaded.
const LAYERS: &[(&str, Layer)] = &[
    ("identity", Layer::Identity),
    ("bucket", Layer::Bucket),
    ("permissions_boundary", Layer::PermissionsBoundary),
    ("session", Layer::Session),
    ("scp", Layer::Scp),
    ("rcp", Layer::Rcp),
    ("key_policy", Layer::KeyPolicy),
    ("vpce_policy", Layer::VpcEndpoint),
];

/// Where the paths a scenario names lead from (its folder), and the tree they must stay in.
pub(super) struct Base<'a> {
    /// The scenario's folder.
    pub dir: &'a Path,
    /// The root of the run.
    pub root: &'a Root,
}

impl Base<'_> {
    /// The path to open for `written` (the string `v`), or `None` after reporting at `v` why
    /// it is not read ([`Root::resolve`]).
    pub fn path(&self, v: &Value, written: &str, problems: &mut Problems) -> Option<PathBuf> {
        self.root
            .resolve(self.dir, written)
            .map_err(|refused| problems.finding(refused.finding(v.span)))
            .ok()
    }
}

/// Reads the scenario whose JSON is `root`; relative paths are resolved from `dir`.
pub(super) fn scenario(root: &Value, dir: &Base<'_>, problems: &mut Problems) -> Scenario {
    if root.as_object().is_none() {
        problems.error(
            root.span,
            "a scenario is a JSON object with `policies` and `requests`",
        );
    }
    problems.unknown_keys(root, TOP, "scenario");
    let text = |key| root.get(key).and_then(Value::as_str).map(str::to_string);
    let (description, bucket_owner) = (text("description"), text("bucket_owner"));
    let time = root.get("time").and_then(|t| time(t, problems));
    let s3 = root.get("s3").map(|v| s3_section::read(v, dir, problems));
    let policies = root.get("policies").map(|p| policies(p, dir, problems));
    let proofs = super::proofs::read(root, problems);
    // The key the bucket's objects are encrypted with, for the proofs.
    let kms = root
        .get("kms")
        .and_then(|k| kms(k, dir, problems))
        .map(|(key, grants)| {
            let key = crate::eval::kms::KmsKey {
                from: "the scenario's `kms`".into(),
                ..key
            };
            (key, grants)
        });
    let organization = root
        .get("organization")
        .and_then(|o| organization(o, problems));
    let listed = root.get("requests");
    let items = listed.and_then(Value::as_array);
    // A scenario of assertions alone needs no requests.
    let asserts = super::proofs::KEYS.iter().any(|k| root.get(k).is_some());
    if items.is_none_or(<[Value]>::is_empty) && !(asserts && listed.is_none()) {
        let span = listed.map_or(Span::new(0, 1), |v| v.span);
        problems.error(span, "`requests` must be a non-empty array");
    }
    let requests = items
        .unwrap_or(&[])
        .iter()
        .filter_map(|r| request(r, dir, problems))
        .collect();
    Scenario {
        description,
        bucket_owner,
        time,
        s3,
        policies,
        requests,
        organization,
        proofs,
        kms,
    }
}

/// An `organization`: an AWS Organizations id, `o-` and 10 to 32 lowercase letters or digits.
fn organization(o: &Value, problems: &mut Problems) -> Option<String> {
    // AWS rule: organization ids match `^o-[a-z0-9]{10,32}$` (Organizations API, Organization.Id).
    let valid = |s: &str| {
        s.strip_prefix("o-").is_some_and(|rest| {
            (10..=32).contains(&rest.len())
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
    };
    match o.as_str() {
        Some(s) if valid(s) => Some(s.to_string()),
        _ => {
            problems.error(
                o.span,
                "`organization` must be an organization id: `o-` and 10 to 32 lowercase letters or digits",
            );
            None
        }
    }
}

/// Reads one request; `None` when it lacks what a decision needs (reported), in which case
/// the rest of it is not looked at.
fn request(req: &Value, dir: &Base<'_>, problems: &mut Problems) -> Option<RequestSpec> {
    if req.as_object().is_none() {
        problems.error(req.span, "each request must be an object");
        return None;
    }
    problems.unknown_keys(req, REQUEST, "request");
    let name = req.get("name").and_then(Value::as_str).map_or_else(
        || format!("request at byte {}", req.span.start),
        str::to_string,
    );
    let principal = required_string(req, "principal", problems);
    let action = required_string(req, "action", problems);
    let resource = required_string(req, "resource", problems);
    let expect = required_string(req, "expect", problems);
    let (principal, action, resource, expect) = (principal?, action?, resource?, expect?);
    let Some(expected) = Decision::parse(expect.0) else {
        problems.error(
            expect.1,
            format!("`{}` is not Allow, ExplicitDeny or ImplicitDeny", expect.0),
        );
        return None;
    };
    let caller = Caller::parse(principal.0)
        .map_err(|e| problems.error(principal.1, e))
        .ok()?;
    let context = req
        .get("context")
        .map_or_else(Vec::new, |c| context(c, problems));
    let s3 = req.get("s3").map(|v| s3_section::read(v, dir, problems));
    let policies = req.get("policies").map(|p| policies(p, dir, problems));
    let time = req.get("time").and_then(|t| time(t, problems));
    let (kms, kms_grants) = req
        .get("kms")
        .and_then(|k| kms(k, dir, problems))
        .map_or((None, None), |(key, grants)| (Some(key), grants));
    Some(RequestSpec {
        name,
        span: req.span,
        caller,
        action: action.0.to_string(),
        resource: resource.0.to_string(),
        bucket_owner: req
            .get("bucket_owner")
            .and_then(Value::as_str)
            .map(str::to_string),
        context,
        policies,
        s3,
        time,
        expected,
        kms,
        kms_grants,
    })
}

/// A request's `kms` object: the key that encrypts the object (`key`, a KMS key ARN),
/// whether with an S3 Bucket Key (`bucket_key`) and the key's grants (`grants`: `aws kms
/// list-grants` output, inline or a path); `None` (reported) when malformed.
fn kms(
    k: &Value,
    dir: &Base<'_>,
    problems: &mut Problems,
) -> Option<(crate::eval::kms::KmsKey, Option<super::model::DocRef>)> {
    if k.as_object().is_none() {
        problems.error(
            k.span,
            "`kms` must be an object with `key` and `bucket_key`",
        );
        return None;
    }
    problems.unknown_keys(k, &["key", "bucket_key", "grants"], "kms");
    let grants = k
        .get("grants")
        .and_then(|g| super::s3_section::doc::<crate::aws_docs::kms::KeyGrants>(g, dir, problems));
    let (arn, span) = required_string(k, "key", problems)?;
    let account = crate::arn::parse(arn)
        .ok()
        .filter(|a| crate::aws_docs::kms::key_arn_of_account(arn, a.account))
        .map(|a| a.account.to_string());
    let Some(account) = account else {
        problems.error(
            span,
            format!("`{arn}` is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)"),
        );
        return None;
    };
    let bucket_key = match k.get("bucket_key") {
        None => false,
        Some(v) => match v.kind {
            Kind::Bool(b) => b,
            _ => {
                problems.error(v.span, "`bucket_key` must be true or false");
                return None;
            }
        },
    };
    let key = crate::eval::kms::KmsKey {
        arn: arn.to_string(),
        account,
        aws_managed: false,
        bucket_key,
        from: "the request's `kms`".into(),
        assumed: false,
    };
    Some((key, grants))
}

/// The string `key` of `obj` with its span; a missing or non-string value is reported.
fn required_string<'v>(
    obj: &'v Value,
    key: &str,
    problems: &mut Problems,
) -> Option<(&'v str, Span)> {
    let Some(v) = obj.get(key) else {
        let start = obj.span.start as usize;
        problems.error(Span::new(start, start + 1), format!("missing `{key}`"));
        return None;
    };
    match v.as_str() {
        Some(s) => Some((s, v.span)),
        None => {
            problems.error(v.span, format!("`{key}` must be a string"));
            None
        }
    }
}

/// A `time`: ISO 8601 or epoch seconds, as a string; `None` (reported) otherwise.
fn time(t: &Value, problems: &mut Problems) -> Option<i64> {
    match t.as_str().and_then(crate::values::parse_date) {
        Some(ms) => Some(ms.div_euclid(1000)),
        None => {
            problems.error(
                t.span,
                "`time` must be an ISO 8601 date or epoch seconds (as a string)",
            );
            None
        }
    }
}

/// A request's `context`: key and value pairs, an array giving one pair per value.
fn context(ctx: &Value, problems: &mut Problems) -> Vec<(String, String)> {
    let Some(members) = ctx.as_object() else {
        problems.error(ctx.span, "`context` must be an object of key: value");
        return Vec::new();
    };
    let mut given = Vec::new();
    for m in members {
        let values = match &m.value.kind {
            Kind::Array(items) => items.as_slice(),
            _ => std::slice::from_ref(&m.value),
        };
        for v in values {
            let scalar = match &v.kind {
                Kind::String(s) => s.to_string(),
                Kind::Number(n) => n.to_string(),
                Kind::Bool(b) => b.to_string(),
                _ => {
                    problems.error(v.span, "context values are strings, numbers or booleans");
                    continue;
                }
            };
            given.push((m.key.to_string(), scalar));
        }
    }
    given
}

/// Reads a `policies` object: its layers in [`LAYERS`] order, each document a reference.
fn policies(v: &Value, dir: &Base<'_>, problems: &mut Problems) -> Policies {
    let names: Vec<&str> = LAYERS.iter().map(|(k, _)| *k).collect();
    problems.unknown_keys(v, &names, "policies");
    let mut layers = Vec::new();
    for (key, layer) in LAYERS {
        let Some(given) = v.get(key) else { continue };
        // SCPs and RCPs: an array of organisation levels, root first.
        let levels: &[Value] = match (layer, &given.kind) {
            (Layer::Scp | Layer::Rcp, Kind::Array(items)) => items,
            (Layer::Scp | Layer::Rcp, _) => {
                problems.error(
                    given.span,
                    format!("`{key}` must be an array of organisation levels, root first"),
                );
                continue;
            }
            _ => std::slice::from_ref(given),
        };
        let levels = levels
            .iter()
            .map(|level| {
                let mut refs = Vec::new();
                policy_refs(level, dir, problems, &mut refs);
                refs
            })
            .collect();
        layers.push(LayerPolicies {
            layer: *layer,
            levels,
        });
    }
    Policies { layers }
}

/// The policies of `v`: a path (a string), an array of them (nested arrays flattened), or an
/// inline document (anything else, which the policy reader then judges).
fn policy_refs(v: &Value, dir: &Base<'_>, problems: &mut Problems, out: &mut Vec<PolicyRef>) {
    match &v.kind {
        Kind::String(s) => {
            if let Some(path) = dir.path(v, s, problems) {
                out.push(PolicyRef::File {
                    path,
                    span: v.span,
                    mark: problems.mark(),
                });
            }
        }
        Kind::Array(items) => {
            for item in items {
                policy_refs(item, dir, problems, out);
            }
        }
        _ => out.push(PolicyRef::Inline(v.clone())),
    }
}
