//! The KMS leg of a query: which key encrypts the object (`--sse-kms-key`, the request's
//! encryption headers, `--head-object` or the folder's `objects/KEY.head.json`, else the
//! bucket's default encryption), whose it is (`--describe-key` or the folder's
//! `kms/KEY-ID/describe-key.json`, else the key ARN), its key policy (`--key-policy` or
//! `kms/KEY-ID/key-policy.json`) and its grants (`--kms-grants` or `kms/KEY-ID/grants.json`).
//! Deciding is [`eval::kms`]'s.

use super::{Notice, QueryError, QueryInput, Refused, read_doc, stop};
use crate::aws_docs::kms::{KeyAliases, KeyGrants, KeyMetadata, ObjectHead, is_alias};
use crate::contain::Root;
use crate::eval::kms::{KmsKey, header_key, is_aws_s3, kms_actions, leg_graph};
use crate::eval::{self, Graph, Layer, Request};
use std::path::PathBuf;

use crate::aws_docs::folder::names::KMS_DIR;

/// The KMS side of a query, once loaded.
#[derive(Debug)]
pub enum KmsSetup {
    /// The key and the leg's graph (key policy and caller-side documents).
    Known {
        /// The key.
        key: KmsKey,
        /// The leg's graph.
        graph: Box<Graph>,
        /// The object ARN S3 uses as encryption context.
        object_arn: String,
    },
    /// The object is encrypted with KMS but the leg cannot be decided: why.
    Unknown(String),
}

/// The bucket's default encryption with KMS: the key (`None`: the AWS managed `aws/s3`
/// key) and whether S3 Bucket Keys are on.
#[derive(Debug, Clone, Default)]
pub struct DefaultKms {
    /// `KMSMasterKeyID`.
    pub key: Option<String>,
    /// `BucketKeyEnabled`.
    pub bucket_key: bool,
}

/// What a bucket folder says about KMS: its default encryption and its objects' metadata.
#[derive(Debug, Clone, Default)]
pub struct FolderKms {
    /// The default encryption, when it uses KMS.
    pub default: Option<DefaultKms>,
    /// The `head-object` outputs the manifest names: object key, document, file name.
    pub heads: Vec<(String, ObjectHead, String)>,
    /// The aliases of the folder's keys (`kms/<key-id>/aliases.json`), with the key id.
    pub aliases: Vec<(KeyAliases, String)>,
}

impl FolderKms {
    /// The key id (folder name) `alias` names, when an `aliases.json` says so.
    fn alias_dir(&self, alias: &str) -> Option<String> {
        self.aliases
            .iter()
            .find(|(a, id)| a.names(alias, id))
            .map(|(_, id)| id.clone())
    }
}

/// What the bucket folder says about KMS.
pub fn from_folder(folder: &crate::aws_docs::BucketFolder) -> FolderKms {
    let default =
        eval::kms::default_kms(folder).map(|(key, bucket_key)| DefaultKms { key, bucket_key });
    let heads = folder
        .objects
        .iter()
        .filter_map(|o| {
            let l = o.head.loaded()?;
            Some((
                o.key.value.clone(),
                l.doc.clone(),
                l.source.name().to_string(),
            ))
        })
        .collect();
    let aliases = folder
        .kms_keys
        .iter()
        .filter_map(|k| Some((k.aliases.doc()?.clone(), k.id.clone())))
        .collect();
    FolderKms {
        default,
        heads,
        aliases,
    }
}

/// The object ARN (`arn:aws:s3:::BUCKET/KEY`) of the request, when it names an object.
fn object_arn(request: &Request, graph: &Graph) -> Option<(String, String)> {
    let arn = crate::arn::parse(&request.resource).ok()?;
    if arn.service == "s3" && arn.account.is_empty() {
        let (bucket, key) = arn.resource.split_once('/')?;
        return Some((request.resource.clone(), key.to_string()))
            .filter(|_| !bucket.is_empty() && !key.is_empty());
    }
    // Through an access point: the bucket's object.
    let bucket = graph.s3.bucket.as_deref()?;
    let (_, key) = graph.s3.access_point_of(&request.resource)?;
    let key = key?;
    Some((
        format!("arn:{}:s3:::{bucket}/{key}", arn.partition),
        key.to_string(),
    ))
}

/// Loads the KMS side of the question, or `None` when S3 makes no KMS call for it.
pub(super) fn load(
    input: &QueryInput,
    graph: &Graph,
    request: &Request,
    folder: &FolderKms,
    notices: &mut Vec<Notice>,
) -> Result<Option<KmsSetup>, Refused> {
    let default = folder.default.as_ref();
    if kms_actions(&request.action_lower).is_none() {
        return Ok(None);
    }
    let Some((object, object_key)) = object_arn(request, graph) else {
        return Ok(None);
    };
    let folder_file = |rel: &str| folder_file(input, rel);
    let head = match &input.head_object {
        Some(p) => Some((
            read_doc::<ObjectHead>(p, notices)?.doc,
            p.display().to_string(),
        )),
        None => folder
            .heads
            .iter()
            .find(|(k, _, _)| *k == object_key)
            .map(|(_, h, f)| (h.clone(), f.clone())),
    };
    let writes = request.action_lower == "s3:putobject";
    // Which key, and from where: a what-if first, then what the request or object says.
    let (key_id, bucket_key, from) = if let Some(k) = &input.sse_kms_key {
        let bk = default.is_some_and(|d| d.bucket_key);
        (Some(k.clone()), bk, "--sse-kms-key".to_string())
    } else if writes && let Some(h) = header_key(request) {
        let Some(k) = h else { return Ok(None) };
        let bk = default.is_some_and(|d| d.bucket_key);
        (Some(k), bk, "the request's encryption headers".to_string())
    } else if !writes && let Some((h, file)) = &head {
        let Some(k) = h.kms_key() else {
            return Ok(None);
        };
        (Some(k.value.clone()), h.bucket_key, file.clone())
    } else if let Some(d) = default {
        let from = if writes {
            "the bucket's default encryption"
        } else {
            "the bucket's default encryption, assumed for this object"
        };
        (d.key.clone(), d.bucket_key, from.to_string())
    } else {
        return Ok(None);
    };
    // A key named by an alias is found through the folder's `aliases.json`.
    let key_dir = key_id.as_deref().and_then(|k| {
        if is_alias(k) {
            folder.alias_dir(k)
        } else {
            Some(key_dir_name(k))
        }
    });
    let describe_path = input.describe_key.clone().or_else(|| {
        key_dir
            .as_ref()
            .and_then(|d| folder_file(&format!("{KMS_DIR}/{d}/describe-key.json")))
    });
    let mut meta = match &describe_path {
        Some(p) => Some(read_doc::<KeyMetadata>(p, notices)?.doc),
        None => None,
    };
    if meta.is_none() && is_aws_s3(key_id.as_deref()) {
        meta = aws_managed_in_folder(input, notices)?;
    }
    let assumed = !writes && from.ends_with("assumed for this object");
    let Some(mut key) = key_of(key_id.as_deref(), meta.as_ref(), bucket_key, from) else {
        let what = key_id.unwrap_or_else(|| "the AWS managed key aws/s3".into());
        return Ok(Some(KmsSetup::Unknown(format!(
            "the object is encrypted with AWS KMS ({what}), and which key ARN that is was not given (--describe-key FILE, --sse-kms-key ARN, or for an alias kms/KEY-ID/aliases.json in the bucket folder)"
        ))));
    };
    if let (Some(given), Some(m)) = (&key_id, &meta)
        && given.starts_with("arn:")
        && !is_alias(given)
        && *given != m.arn.value
    {
        return Err(stop(
            notices,
            QueryError::KmsKeyContradiction {
                given: given.clone(),
                described: m.arn.value.clone(),
            },
        ));
    }
    key.assumed = assumed;
    let policy_path = input.key_policy.clone().or_else(|| {
        folder_file(&format!(
            "{KMS_DIR}/{}/key-policy.json",
            key_dir_name(&key.arn)
        ))
    });
    let Some(policy_path) = policy_path else {
        return Ok(Some(KmsSetup::Unknown(format!(
            "the object is encrypted with the KMS key {} (from {}); S3 also needs the key policy to allow the caller, and it was not given (--key-policy FILE, or kms/KEY-ID/key-policy.json in the bucket folder)",
            key.arn, key.from
        ))));
    };
    let mut leg = leg_graph(graph);
    let files = [(policy_path.as_path(), Layer::KeyPolicy, 0)];
    super::add_policy_files(&mut leg, &files, notices)?;
    let grants_path = input
        .kms_grants
        .clone()
        .or_else(|| folder_file(&format!("{KMS_DIR}/{}/grants.json", key_dir_name(&key.arn))));
    if let Some(p) = grants_path {
        let loaded = read_doc::<KeyGrants>(&p, notices)?;
        if let Some(other) = loaded
            .doc
            .grants
            .iter()
            .filter_map(|g| g.key_id.as_ref())
            .find(|k| !same_key(&k.value, &key.arn))
        {
            return Err(stop(
                notices,
                QueryError::KmsGrantsOtherKey {
                    file: p.clone(),
                    grant_key: other.value.clone(),
                    key: key.arn.clone(),
                },
            ));
        }
        leg.add_kms_grants(&loaded.source, &loaded.doc.grants);
    }
    Ok(Some(KmsSetup::Known {
        key,
        graph: Box::new(leg),
        object_arn: object,
    }))
}

/// Whether a grant's `KeyId` (a key ARN, or the key id) is the key `arn`.
fn same_key(key_id: &str, arn: &str) -> bool {
    key_id == arn || key_dir_name(arn) == key_id
}

/// The one AWS managed key described in the bucket folder's `kms/` (the `aws/s3` key that
/// `scripts/fetch-bucket.sh` records under its key id), if there is exactly one.
fn aws_managed_in_folder(
    input: &QueryInput,
    notices: &mut Vec<Notice>,
) -> Result<Option<KeyMetadata>, Refused> {
    let Some(dir) = in_folder(input, KMS_DIR).filter(|p| p.is_dir()) else {
        return Ok(None);
    };
    let mut found = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    entries.sort();
    for sub in entries {
        let Some(name) = sub.file_name().and_then(|n| n.to_str()).map(str::to_string) else {
            continue;
        };
        let Some(p) = folder_file(input, &format!("{KMS_DIR}/{name}/describe-key.json")) else {
            continue;
        };
        let m = read_doc::<KeyMetadata>(&p, notices)?.doc;
        if m.aws_managed() {
            found.push(m);
        }
    }
    Ok(if found.len() == 1 { found.pop() } else { None })
}

/// The key from what is known: the description, else an ARN given.
fn key_of(
    key_id: Option<&str>,
    meta: Option<&KeyMetadata>,
    bucket_key: bool,
    from: String,
) -> Option<KmsKey> {
    if let Some(m) = meta {
        return Some(KmsKey {
            arn: m.arn.value.clone(),
            account: m.account.value.clone(),
            aws_managed: m.aws_managed(),
            bucket_key,
            from,
            assumed: false,
        });
    }
    let arn = crate::arn::parse(key_id?).ok()?;
    (arn.service == "kms" && arn.resource.starts_with("key/")).then(|| KmsKey {
        arn: key_id.unwrap_or_default().to_string(),
        account: arn.account.to_string(),
        aws_managed: false,
        bucket_key,
        from,
        assumed: false,
    })
}

pub use crate::eval::kms::key_dir_name;

/// A path inside the bucket folder, when `--bucket` is given and the path stays within it.
fn in_folder(input: &QueryInput, rel: &str) -> Option<PathBuf> {
    let dir = input.bucket.as_ref()?;
    let root = Root::new(std::slice::from_ref(dir), input.root.as_deref());
    root.resolve(dir, rel).ok()
}

/// A file of the bucket folder, when it exists.
fn folder_file(input: &QueryInput, rel: &str) -> Option<PathBuf> {
    in_folder(input, rel).filter(|p| p.is_file())
}

/// Decides the leg of a [`KmsSetup::Known`].
pub fn decide(setup: &KmsSetup, request: &Request) -> Option<eval::kms::KmsLeg> {
    let KmsSetup::Known {
        key,
        graph,
        object_arn,
        ..
    } = setup
    else {
        return None;
    };
    eval::kms::KmsLeg::decide((**graph).clone(), key.clone(), request, object_arn, true)
}

/// Folds the KMS leg into the answer: when S3 allows and KMS does not, the decision is the
/// KMS leg's and a note says so (the leg's own trace names its statements).
pub fn fold(response: &mut eval::Response, leg: &eval::kms::KmsLeg) {
    let s3 = response.decision;
    let kms = leg.call.response.decision;
    let decision = eval::kms::combined(s3, kms);
    if s3 == eval::Decision::Allow && decision != eval::Decision::Allow {
        if leg.key.assumed {
            response.uncertain.push(eval::decide::Uncertainty {
                statement: None,
                reason: "the object's encryption was not given (--head-object FILE, or `head` in the bucket manifest): its key was assumed from the bucket's default encryption; an object written with another key or without KMS may be readable".into(),
                if_not_allowed: true,
            });
        }
        response.decision = decision;
        response.determining.clear();
        response.grants.clear();
        response.notes.push(format!(
            "S3 allows the request, but the KMS leg denies: {} {} on {} (the object's key, from {}); see the KMS leg below",
            kms.as_str(),
            leg.call.request.action,
            leg.key.arn,
            leg.key.from
        ));
    }
    if let Some(mp) = &leg.multipart {
        response.notes.push(format!(
            "a multipart upload also needs {} on the key: {}",
            mp.request.action,
            mp.response.decision.as_str()
        ));
    }
    if decision == eval::Decision::Allow {
        response
            .uncertain
            .extend(leg.call.response.uncertain.iter().cloned());
    }
}
