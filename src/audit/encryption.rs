//! Encryption checks on a bucket policy.
//!
//! - S202 unencrypted-upload-allowed: the policy means to force server-side encryption (a Deny
//!   conditioned on an encryption header) but some upload it means to refuse gets through:
//!   one without the header, one naming another algorithm, or one outside the Deny's
//!   principals or resources. Asked with [`super::coverage`] for each combination of
//!   `s3:x-amz-server-side-encryption` (absent, AES256, aws:kms, aws:kms:dsse) and
//!   `s3:x-amz-server-side-encryption-aws-kms-key-id` (absent, each key the policy names, another).
//! - S203 sse-c-over-http: a request with customer-provided keys (SSE-C) over plain HTTP is not
//!   refused. S3 rejects it, but only after the key has crossed the network in the clear
//!   (S3 "Using server-side encryption with customer-provided keys").
//! - S204 kms-key-of-another-account: the policy pins the upload key to a KMS key of an account
//!   other than the bucket owner's (also raised for the default encryption key by the
//!   settings checks, `settings/encryption.rs`).

use super::coverage::{self, Question, Universe};
use super::{Audited, Context, head, statement};
use crate::diagnostic::Finding;
use crate::eval::graph::Layer;
use crate::policy::Effect;
use crate::registry::Code;

const SSE: &str = "s3:x-amz-server-side-encryption";
const KMS_KEY: &str = "s3:x-amz-server-side-encryption-aws-kms-key-id";
const SSE_C: &str = "s3:x-amz-server-side-encryption-customer-algorithm";
const ALGORITHMS: [Option<&str>; 4] = [None, Some("AES256"), Some("aws:kms"), Some("aws:kms:dsse")];

/// Runs S202–S204 on the bucket policy of `ctx.graph`.
pub fn check(ctx: &Context<'_>, out: &mut Vec<Audited>) {
    let graph = ctx.graph;
    if !graph.has_layer(Layer::Bucket) {
        return;
    }
    let u = Universe::get();
    let (Some(put), Some(get)) = (u.index("s3:PutObject"), u.index("s3:GetObject")) else {
        return;
    };
    // The Deny statements that mean to force encryption: a condition on an encryption
    // header (misspelt ones included: a typo must not hide the intent).
    let intent: Vec<usize> = (0..graph.statements.len())
        .filter(|id| graph.layer_of(*id) == Some(Layer::Bucket))
        .filter(|id| {
            statement(graph, *id).is_some_and(|(_, st, _)| {
                st.effect.value == Effect::Deny
                    && st.conditions.iter().any(|c| {
                        let k = c.key.value.to_ascii_lowercase();
                        k.contains("server-side") && !k.contains("customer")
                    })
            })
        })
        .collect();
    // The keys the policy pins uploads to: each is a variant of the question.
    let mut keys: Vec<String> = Vec::new();
    let mut pins_key = false;
    for id in 0..graph.statements.len() {
        if let Some((_, st, Layer::Bucket)) = statement(graph, id) {
            for c in &st.conditions {
                if c.key.value.eq_ignore_ascii_case(KMS_KEY)
                    && c.operator.value.base != crate::policy::BaseOperator::Null
                {
                    keys.extend(c.values.iter().map(|v| v.text.clone()));
                }
                if c.key.value.eq_ignore_ascii_case(KMS_KEY) {
                    pins_key = true;
                }
            }
        }
    }
    if !intent.is_empty() {
        unencrypted(ctx, out, &intent, &keys, pins_key, put);
    }
    sse_c_over_http(ctx, out, put, get);
    other_account_key(ctx, out);
}

/// How the intent Deny statements treat the uploads of one combination of headers.
struct Variant {
    alg: Option<&'static str>,
    key: Option<String>,
    /// Refused for everyone on every object, whatever else the request holds.
    everywhere: bool,
    /// The intent Deny statements that refuse it somewhere, but not everywhere.
    partial: Vec<coverage::Cover>,
}

// rule: S202
/// S202: some upload the intent Deny statements mean to refuse gets through, or they refuse
/// every upload.
fn unencrypted(
    ctx: &Context<'_>,
    out: &mut Vec<Audited>,
    intent: &[usize],
    keys: &[String],
    pins_key: bool,
    put: usize,
) {
    let graph = ctx.graph;
    // Key-id variants: absent, each key the policy names, and another key.
    let mut key_variants: Vec<Option<String>> = vec![None];
    key_variants.extend(keys.iter().cloned().map(Some));
    if pins_key {
        key_variants.push(Some(
            "arn:aws:kms:us-east-1:999988887777:key/s3-access-witness".to_string(),
        ));
    }
    let mut variants: Vec<Variant> = Vec::new();
    for alg in ALGORITHMS {
        for key in &key_variants {
            // A key id without the KMS algorithm header is not a request S3 takes.
            if key.is_some() && !alg.is_some_and(|a| a.starts_with("aws:kms")) {
                continue;
            }
            let q = Question::new(&[(SSE, alg), (KMS_KEY, key.as_deref()), (SSE_C, None)]);
            let covers: Vec<coverage::Cover> =
                coverage::covers(graph, ctx.shapes, &q, Some(intent))
                    .into_iter()
                    .filter(|c| c.actions.has(put))
                    .collect();
            let everywhere = covers.iter().any(|c| c.unconditional() && c.all_objects);
            variants.push(Variant {
                alg,
                key: key.clone(),
                everywhere,
                partial: if everywhere { Vec::new() } else { covers },
            });
        }
    }
    let Some((source, st, _)) = intent.first().and_then(|id| statement(graph, *id)) else {
        return;
    };
    let describe = |v: &Variant| match (v.alg, &v.key) {
        (None, _) => "uploads that send no encryption header".to_string(),
        (Some(a), None) => format!("uploads with `{a}`"),
        (Some(a), Some(k)) => format!("uploads with `{a}` and key `{k}`"),
    };
    let allowed: Vec<&Variant> = variants.iter().filter(|v| !v.everywhere).collect();
    let absent = variants.iter().find(|v| v.alg.is_none() && v.key.is_none());
    let message = if allowed.is_empty() {
        Some(format!(
            "the encryption Deny refuses every upload, encrypted or not ({} combinations of encryption headers tried): check its operator (a `StringEquals` where `StringNotEquals` was meant?) and its condition key",
            variants.len()
        ))
    } else if let Some(p) = variants.iter().find(|v| !v.partial.is_empty()) {
        // An intent Deny refuses these uploads somewhere but not everywhere.
        let why: Vec<String> = p
            .partial
            .iter()
            .filter_map(|c| {
                let (_, s, _) = statement(graph, c.statement)?;
                Some(match (&c.principals, &c.limited_by, c.all_objects) {
                    (coverage::Principals::AllBut(n), _, _) => {
                        format!("{} exempts {}", s.label(), n.join(", "))
                    }
                    (coverage::Principals::Only(n), _, _) => {
                        format!("{} refuses only {}", s.label(), n.join(", "))
                    }
                    (_, Some(l), _) => format!("{} refuses them {l}", s.label()),
                    (_, _, false) => format!("{} covers only some objects", s.label()),
                    _ => return None,
                })
            })
            .collect();
        Some(format!(
            "the encryption requirement is only partly enforced for {}: {}",
            describe(p),
            why.join("; ")
        ))
    } else if absent.is_some_and(|a| !a.everywhere) {
        let default = ctx
            .default_encryption
            .and_then(|e| e.rules.first())
            .and_then(|r| r.default.as_ref());
        let default_ok = default.is_some_and(|d| {
            let name = match d.algorithm {
                crate::aws_docs::settings::SseAlgorithm::Aes256 => "AES256",
                crate::aws_docs::settings::SseAlgorithm::AwsKms => "aws:kms",
                crate::aws_docs::settings::SseAlgorithm::AwsKmsDsse => "aws:kms:dsse",
                _ => "",
            };
            allowed.iter().any(|v| v.alg == Some(name))
        });
        let refused: Vec<String> = variants
            .iter()
            .filter(|v| v.everywhere)
            .map(describe)
            .collect();
        if refused.is_empty() {
            Some(format!(
                "the policy means to force encryption, but no Deny refuses uploads (`s3:PutObject`) on every object whatever their encryption header: {} covers other actions or resources",
                st.label()
            ))
        } else if default_ok {
            None
        } else {
            Some(format!(
                "the policy means to force encryption (it refuses {}), but uploads that send no `x-amz-server-side-encryption` header are not refused; they get the bucket's default encryption, which {}",
                refused.join(", "),
                if ctx.default_encryption.is_some() {
                    "is not what the policy requires"
                } else {
                    "was not given"
                }
            ))
        }
    } else {
        None
    };
    if let Some(m) = message {
        out.push(Audited {
            source: source.clone(),
            finding: Finding::new(Code::UnencryptedUploadAllowed, head(st), m).with_help(
                "refuse every upload whose header is not the required algorithm, missing headers included: \
                 {\"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\": \"s3:PutObject\", \"Resource\": \"arn:aws:s3:::BUCKET/*\", \
                 \"Condition\": {\"StringNotEquals\": {\"s3:x-amz-server-side-encryption\": \"aws:kms\"}}} \
                 (StringNotEquals is true when the header is missing), or set default encryption to the required algorithm",
            ),
        });
    }
}

// rule: S203
/// S203: plain-HTTP requests with SSE-C headers are not refused.
fn sse_c_over_http(ctx: &Context<'_>, out: &mut Vec<Audited>, put: usize, get: usize) {
    let graph = ctx.graph;
    let Some((_, doc)) = graph.documents_of(Layer::Bucket).next() else {
        return;
    };
    let q = Question::new(&[
        ("aws:SecureTransport", Some("false")),
        ("s3:TlsVersion", None),
        (SSE_C, Some("AES256")),
        (SSE, None),
    ]);
    let covers = coverage::covers(graph, ctx.shapes, &q, None);
    let open: Vec<&str> = [(put, "s3:PutObject"), (get, "s3:GetObject")]
        .into_iter()
        .filter(|(i, _)| {
            !covers
                .iter()
                .any(|c| c.unconditional() && c.all_objects && c.actions.has(*i))
        })
        .map(|(_, n)| n)
        .collect();
    if open.is_empty() {
        return;
    }
    // Default encryption that blocks SSE-C writes (BlockedEncryptionTypes) closes PutObject.
    let blocked = ctx
        .default_encryption
        .is_some_and(|e| e.rules.iter().any(|r| r.blocks_sse_c()));
    let open: Vec<&str> = open
        .into_iter()
        .filter(|n| !(blocked && *n == "s3:PutObject"))
        .collect();
    if open.is_empty() {
        return;
    }
    let span = super::policy_head(&doc.policy);
    out.push(Audited {
        source: doc.source.clone(),
        finding: Finding::new(
            Code::SseCOverHttp,
            span,
            format!(
                "{} with customer-provided keys (SSE-C) over plain HTTP {} not refused: S3 rejects them, but only after the encryption key has crossed the network in the clear",
                open.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" and "),
                if open.len() == 1 { "is" } else { "are" }
            ),
        )
        .with_help("refuse plain HTTP for every request (aws:SecureTransport), or refuse SSE-C: {\"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\": \"s3:*\", \"Resource\": \"arn:aws:s3:::BUCKET/*\", \"Condition\": {\"Null\": {\"s3:x-amz-server-side-encryption-customer-algorithm\": \"false\"}}}; or block SSE-C in the bucket's default encryption (BlockedEncryptionTypes)"),
    });
}

// rule: S204
/// S204: a condition pins uploads to a KMS key of another account.
fn other_account_key(ctx: &Context<'_>, out: &mut Vec<Audited>) {
    let graph = ctx.graph;
    for id in 0..graph.statements.len() {
        let Some((source, st, Layer::Bucket)) = statement(graph, id) else {
            continue;
        };
        for c in &st.conditions {
            if !c.key.value.eq_ignore_ascii_case(KMS_KEY) {
                continue;
            }
            for v in &c.values {
                let Some(arn) = crate::arn::Arn::split(&v.text) else {
                    continue;
                };
                let account = arn.account;
                if account.is_empty() || account.contains(['*', '?']) {
                    continue;
                }
                let foreign = match ctx.owner {
                    Some(owner) => account != owner && !ctx.trust.trusts_account(account),
                    None => !ctx.trust.accounts.is_empty() && !ctx.trust.trusts_account(account),
                };
                if foreign {
                    out.push(Audited {
                        source: source.clone(),
                        finding: Finding::new(
                            Code::KmsKeyOfAnotherAccount,
                            v.span,
                            format!(
                                "uploads are pinned to a KMS key of account {account}, not the bucket owner's{}: that account's key policy decides who can read the objects, and it can revoke access to them",
                                ctx.owner.map(|o| format!(" ({o})")).unwrap_or_default()
                            ),
                        )
                        .with_help("use a customer managed key of the bucket owner's account, or list the key's account under [trust] accounts in .s3-access.toml if it is yours"),
                    });
                }
            }
        }
    }
}
