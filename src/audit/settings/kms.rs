//! S3 and KMS together (issue 15, item 1): an object S3 would serve is readable only when the
//! KMS request S3 makes with the reader's credentials is allowed too. Each check asks the
//! evaluator: the S3 leg on the bucket's graph, the KMS leg on the key's graph (the key
//! policy, and the reader's own account assumed to allow, the best case for the reader).
//!
//! - S514 aws-managed-key-shared: the default encryption uses the AWS managed `aws/s3` key
//!   and the bucket policy lets another account read objects;
//! - S515 readable-not-decryptable: another account S3 lets read cannot decrypt with the
//!   default key's key policy (broken access);
//! - S308 key-decrypt-outside-account: a key policy lets callers outside the key's account
//!   (or anyone) decrypt.

use super::push;
use crate::audit::{Audited, Trust, head, statement};
use crate::aws_docs::folder::{BucketFolder, KmsKeyFolder};
use crate::diagnostic::Finding;
use crate::eval::bucket::BucketModel;
use crate::eval::kms::{KmsKey, folder_key, leg_request};
use crate::eval::{Caller, Decision, Graph, Layer, Request, decide};
use crate::load::{self, LoadOptions};
use crate::policy::{AwsPrincipal, PolicyKind, PrincipalKind, Statement};
use crate::query::kms::{from_folder, key_dir_name};
use crate::registry::Code;
use crate::source::SourceFile;

use crate::audit::NOW;

/// A caller of another account that S3 lets read an object of the bucket.
struct Reader {
    caller: Caller,
    account: String,
    /// The bucket-policy statement that grants it.
    statement: usize,
    /// An object ARN it may read.
    object: String,
}

/// Runs S514, S515 and S308 on a bucket folder.
pub(super) fn check(
    bucket: &BucketModel,
    folder: &BucketFolder,
    trust: &Trust,
    out: &mut Vec<Audited>,
) {
    let owner = folder.account_id().to_string();
    let keys: Vec<KeyGraph> = folder
        .kms_keys
        .iter()
        .filter_map(|k| KeyGraph::of(k, &owner, folder))
        .collect();
    for k in &keys {
        key_decrypt_outside_account(k, folder.bucket(), trust, out);
    }
    let Some(default) = from_folder(folder).default else {
        return;
    };
    let readers = other_account_readers(bucket, &owner, folder.bucket());
    let aws_managed = crate::eval::kms::is_aws_s3(default.key.as_deref())
        || keys
            .iter()
            .any(|k| Some(k.key.arn.as_str()) == default.key.as_deref() && k.key.aws_managed);
    if aws_managed {
        aws_managed_key_shared(bucket, &readers, out);
        return;
    }
    let Some(id) = default.key.as_deref().map(key_dir_name) else {
        return;
    };
    if let Some(k) = keys.iter().find(|k| k.id == id) {
        let key = KmsKey {
            bucket_key: default.bucket_key,
            ..k.key.clone()
        };
        readable_not_decryptable(bucket, &readers, k, &key, out);
    }
}

/// A key of the folder with its key policy compiled, and the reader's account assumed to
/// allow every KMS action.
struct KeyGraph {
    id: String,
    key: KmsKey,
    graph: Graph,
}

impl KeyGraph {
    fn of(k: &KmsKeyFolder, owner: &str, folder: &BucketFolder) -> Option<KeyGraph> {
        let region = folder.region();
        let (key, mut graph) = folder_key(k, owner, region)?;
        let assumed = SourceFile::new(
            "(the caller's identity policies, assumed to allow)",
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}"#,
        );
        let a = load::analyze(assumed.clone(), &LoadOptions::of_kind(PolicyKind::Identity));
        for p in a.policies {
            graph.add(assumed.clone(), p, Layer::Identity, 0);
        }
        Some(KeyGraph {
            id: k.id.clone(),
            key,
            graph,
        })
    }
}

/// The callers of other accounts the bucket policy names in an Allow that S3 lets read an
/// object it names (the statement's object resource, wildcards made concrete).
fn other_account_readers(bucket: &BucketModel, owner: &str, name: &str) -> Vec<Reader> {
    let graph = &bucket.graph;
    let mut out = Vec::new();
    for (doc, _) in graph.documents_of(Layer::Bucket) {
        for id in graph.statements_of(doc) {
            let Some((_, st, _)) = statement(graph, id) else {
                continue;
            };
            if st.effect.value != crate::policy::Effect::Allow {
                continue;
            }
            let objects = object_probes(st, name);
            for (written, p) in aws_principals(st) {
                let (caller, account) = match &p {
                    AwsPrincipal::Account { account } => (Caller::parse(account), account.clone()),
                    AwsPrincipal::User { account, .. } | AwsPrincipal::Role { account, .. } => {
                        (Caller::parse(&written), account.clone())
                    }
                    _ => continue,
                };
                let Ok(caller) = caller else { continue };
                if account == owner {
                    continue;
                }
                for object in &objects {
                    let r = Request::new(
                        caller.clone(),
                        "s3:GetObject",
                        object,
                        Some(owner),
                        &[],
                        NOW,
                    );
                    if decide(graph, &r, false).decision == Decision::Allow {
                        out.push(Reader {
                            caller: caller.clone(),
                            account: account.clone(),
                            statement: id,
                            object: object.clone(),
                        });
                        break;
                    }
                }
            }
        }
    }
    out
}

/// The AWS principals a statement's `Principal` names (not `NotPrincipal`), as written and
/// parsed.
fn aws_principals(st: &Statement) -> Vec<(String, AwsPrincipal)> {
    st.principal
        .iter()
        .filter(|b| !b.negated)
        .flat_map(|b| &b.items)
        .filter(|p| p.kind == PrincipalKind::Aws)
        .filter_map(|p| Some((p.value.clone(), AwsPrincipal::parse(&p.value).ok()?)))
        .collect()
}

/// Object ARNs of bucket `name` that the statement's resources name, wildcards made concrete.
fn object_probes(st: &Statement, name: &str) -> Vec<String> {
    let prefix = format!("arn:aws:s3:::{name}/");
    st.resource
        .iter()
        .filter(|b| !b.negated)
        .flat_map(|b| &b.items)
        .map(|r| r.value.as_str())
        .filter(|r| r.starts_with(&prefix) || *r == "*")
        .map(|r| {
            if r == "*" {
                format!("{prefix}object")
            } else {
                r.replace(['*', '?'], "x")
            }
        })
        .collect()
}

// rule: S514
/// The AWS managed `aws/s3` key encrypts new objects, and another account may read them.
// AWS rule: the key policy of an AWS managed key cannot be changed, and the aws/s3 key policy
// allows only callers of its own account (kms:CallerAccount), so cross-account reads of its
// objects fail (KMS "AWS managed keys"; S3 "Using server-side encryption with AWS KMS keys").
fn aws_managed_key_shared(bucket: &BucketModel, readers: &[Reader], out: &mut Vec<Audited>) {
    for r in readers {
        let Some((source, st, _)) = statement(&bucket.graph, r.statement) else {
            continue;
        };
        push(
            out,
            source,
            Finding::new(
                Code::AwsManagedKeyShared,
                head(st),
                format!(
                    "account {} may read objects, but new objects are encrypted with the AWS managed key aws/s3, whose key policy cannot be changed to let another account decrypt: its reads of them fail",
                    r.account
                ),
            )
            .with_help("encrypt with a customer managed key whose key policy allows that account kms:Decrypt (kms:ViaService s3.REGION.amazonaws.com), and re-encrypt the existing objects"),
        );
    }
}

// rule: S515
/// Another account S3 lets read an object cannot decrypt it with the default key, even with
/// its own account allowing everything: the key policy does not let it (broken access).
fn readable_not_decryptable(
    bucket: &BucketModel,
    readers: &[Reader],
    k: &KeyGraph,
    key: &KmsKey,
    out: &mut Vec<Audited>,
) {
    for r in readers {
        let s3 = Request::new(
            r.caller.clone(),
            "s3:GetObject",
            &r.object,
            bucket.owner.as_deref(),
            &[],
            NOW,
        );
        let kms = leg_request(&s3, key, "kms:Decrypt", &r.object);
        let d = decide(&k.graph, &kms, false).decision;
        if d == Decision::Allow {
            continue;
        }
        let Some((source, st, _)) = statement(&bucket.graph, r.statement) else {
            continue;
        };
        push(
            out,
            source,
            Finding::new(
                Code::ReadableNotDecryptable,
                head(st),
                format!(
                    "account {} may read `{}`, but the key policy of the default key {} does not let it decrypt ({}): its reads of KMS-encrypted objects fail",
                    r.account,
                    r.object,
                    key.arn,
                    d.as_str()
                ),
            )
            .with_help(format!(
                "let account {} decrypt in {} (kms:Decrypt with kms:ViaService s3.REGION.amazonaws.com), or remove the grant",
                r.account, key.from
            )),
        );
    }
}

// rule: S308
/// A key policy that lets a caller outside the key's account (a named account, or anyone)
/// decrypt, through S3 or directly, when its own account allows. An account `[trust]` lists
/// is not outside (docs/configuration.md).
fn key_decrypt_outside_account(k: &KeyGraph, bucket: &str, trust: &Trust, out: &mut Vec<Audited>) {
    let stranger = if k.key.account == "999999999999" {
        "999999999998"
    } else {
        "999999999999"
    };
    let mut accounts: Vec<String> = vec![stranger.to_string()];
    for (doc, _) in k.graph.documents_of(Layer::KeyPolicy) {
        for id in k.graph.statements_of(doc) {
            if let Some((_, st, _)) = statement(&k.graph, id) {
                for (_, p) in aws_principals(st) {
                    if let Some(a) = p.account()
                        && a != k.key.account
                        && !trust.trusts_account(a)
                        && !accounts.iter().any(|x| x == a)
                    {
                        accounts.push(a.to_string());
                    }
                }
            }
        }
    }
    let object = format!("arn:aws:s3:::{bucket}/object");
    for account in accounts {
        let Ok(caller) = Caller::parse(&account) else {
            continue;
        };
        let given = [("kms:CallerAccount".to_string(), account.clone())];
        let direct = Request::new(
            caller.clone(),
            "kms:Decrypt",
            &k.key.arn,
            Some(&k.key.account),
            &given,
            NOW,
        );
        let s3 = Request::new(
            caller,
            "s3:GetObject",
            &object,
            Some(&k.key.account),
            &[],
            NOW,
        );
        let via_s3 = leg_request(&s3, &k.key, "kms:Decrypt", &object);
        for r in [direct, via_s3] {
            let response = decide(&k.graph, &r, false);
            if response.decision != Decision::Allow {
                continue;
            }
            let Some((source, st, _)) = response
                .determining
                .iter()
                .filter_map(|id| statement(&k.graph, *id))
                .find(|(_, _, layer)| *layer == Layer::KeyPolicy)
            else {
                continue;
            };
            let who = if account == stranger {
                "any account".to_string()
            } else {
                format!("account {account}")
            };
            push(
                out,
                source,
                Finding::new(
                    Code::KeyDecryptOutsideAccount,
                    head(st),
                    format!(
                        "the key policy lets {who} outside the key's account ({}) use kms:Decrypt",
                        k.key.account
                    ),
                )
                .with_help("name the accounts that must decrypt, and pin the grant with kms:ViaService and kms:CallerAccount"),
            );
            break;
        }
    }
}
