//! The KMS leg of an S3 request on an SSE-KMS object: the request S3 makes to AWS KMS with
//! the caller's credentials (`kms:Decrypt` to read, `kms:GenerateDataKey` to write), decided
//! by the same [`decide`] against the key's own graph: the key policy as the resource policy,
//! and the caller's identity policies, boundary, session policy, SCPs and RCPs.
//!
//! S3 serves the object only when both legs allow (S3 "Using server-side encryption with AWS
//! KMS keys (SSE-KMS)").

use crate::aws_docs::folder::{BucketFolder, KmsKeyFolder};
use crate::aws_docs::kms::{KeyGrant, is_alias};
use crate::eval::context::Origin;
use crate::eval::decide::{Decision, Response, decide};
use crate::eval::graph::GrantKind;
use crate::eval::graph::{Graph, Layer};
use crate::eval::request::{Caller, Request};
use crate::load::{self, LoadOptions};
use crate::policy::AwsPrincipal;
use crate::policy::PolicyKind;

/// The key that encrypts the object, and how S3 uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsKey {
    /// The key ARN.
    pub arn: String,
    /// The account that owns the key.
    pub account: String,
    /// An AWS managed key (`aws/s3`): its key policy cannot be changed.
    pub aws_managed: bool,
    /// The object is (or will be) encrypted with an S3 Bucket Key.
    pub bucket_key: bool,
    /// Where the key was found, for the answer (`head-object h.json`, `--sse-kms-key`, ...).
    pub from: String,
    /// The key of an existing object was not given but taken from the bucket's default
    /// encryption: the object may have been written with another key or without KMS.
    pub assumed: bool,
}

/// The KMS operations S3 calls for `s3_action` on an SSE-KMS object: the one the request
/// needs, and the one a multipart upload needs besides; `None` when S3 calls none.
// AWS rule: "To upload an object encrypted with an AWS KMS key, you need kms:GenerateDataKey
// permissions on the key. To download an object encrypted with an AWS KMS key, you need
// kms:Decrypt permissions"; a multipart upload also needs kms:Decrypt, "because Amazon S3 must
// decrypt and read data from the encrypted file parts before it completes the multipart
// upload" (S3 "Using server-side encryption with AWS KMS keys"; "Multipart upload API and
// permissions").
pub fn kms_actions(s3_action_lower: &str) -> Option<(&'static str, Option<&'static str>)> {
    match s3_action_lower {
        "s3:getobject" | "s3:getobjectversion" => Some(("kms:Decrypt", None)),
        "s3:putobject" => Some(("kms:GenerateDataKey", Some("kms:Decrypt"))),
        _ => None,
    }
}

/// The graph of the KMS leg: the caller-side documents of `s3_graph` and its key policies
/// ([`Layer::KeyPolicy`], when it holds any; else the caller adds them), shared, with its
/// organisation levels.
pub fn leg_graph(s3_graph: &Graph) -> Graph {
    let mut g = Graph::new();
    for layer in [Layer::Scp, Layer::Rcp] {
        for level in 0..s3_graph.levels(layer) {
            g.add_empty_level(layer, level);
        }
    }
    let caller_side = [
        Layer::Scp,
        Layer::Rcp,
        Layer::Identity,
        Layer::PermissionsBoundary,
        Layer::Session,
        Layer::KeyPolicy,
    ];
    for d in s3_graph
        .documents
        .iter()
        .filter(|d| caller_side.contains(&d.layer))
    {
        g.add(d.source.clone(), d.policy.clone(), d.layer, d.level);
    }
    g
}

/// The request S3 makes to KMS for `s3_request` on the object `object_arn` (`arn:aws:s3:::
/// BUCKET/KEY`) with `key`: the caller's, with the keys KMS and S3 set.
pub fn leg_request(s3_request: &Request, key: &KmsKey, action: &str, object_arn: &str) -> Request {
    let mut r = s3_request.forwarded(action, &key.arn, &key.account);
    let region = crate::arn::parse(&key.arn)
        .map(|a| a.region.to_string())
        .unwrap_or_default();
    let mut set = |k: &str, v: String| r.context.set(k, vec![v], Origin::Default);
    // AWS rule: a request a service makes with the caller's credentials has
    // aws:ViaAWSService true (IAM "Global condition context keys", "Forward access sessions").
    set("aws:ViaAWSService", "true".into());
    set("aws:RequestedRegion", region.clone());
    // AWS rule: kms:ViaService is `SERVICE.REGION.amazonaws.com` of the service that made the
    // request (KMS "Condition keys for AWS KMS", kms:ViaService).
    set("kms:ViaService", format!("s3.{region}.amazonaws.com"));
    if let Some(account) = s3_request.caller.account() {
        // AWS rule: kms:CallerAccount is the account of the caller (KMS "kms:CallerAccount").
        set("kms:CallerAccount", account.to_string());
    }
    // AWS rule: S3 uses the object ARN as encryption context, or the bucket ARN when an S3
    // Bucket Key is used (S3 "Using server-side encryption with AWS KMS keys", encryption
    // context; "Reducing the cost of SSE-KMS with Amazon S3 Bucket Keys").
    let context_arn = if key.bucket_key {
        bucket_arn(object_arn)
    } else {
        object_arn.to_string()
    };
    set("kms:EncryptionContext:aws:s3:arn", context_arn);
    set("kms:EncryptionContextKeys", "aws:s3:arn".into());
    r
}

/// `arn:aws:s3:::BUCKET` of `arn:aws:s3:::BUCKET/KEY`.
fn bucket_arn(object_arn: &str) -> String {
    match object_arn.split_once(":::") {
        Some((head, path)) => format!("{head}:::{}", path.split('/').next().unwrap_or(path)),
        None => object_arn.to_string(),
    }
}

/// One KMS request S3 makes, decided.
#[derive(Debug)]
pub struct KmsCall {
    /// The request.
    pub request: Request,
    /// The answer, with its trace.
    pub response: Response,
}

/// The KMS leg of one S3 request: the key, the graph and the calls S3 makes.
#[derive(Debug)]
pub struct KmsLeg {
    /// The key.
    pub key: KmsKey,
    /// The key policy and the caller-side documents.
    pub graph: Graph,
    /// The call the request needs.
    pub call: KmsCall,
    /// The call a multipart upload needs besides (`kms:Decrypt` for `s3:PutObject`).
    pub multipart: Option<KmsCall>,
}

impl KmsLeg {
    /// Decides the KMS calls of `s3_request` on `object_arn` against `graph` (from
    /// [`leg_graph`] with the key policy added); `None` when S3 makes no KMS call for it.
    pub fn decide(
        graph: Graph,
        key: KmsKey,
        s3_request: &Request,
        object_arn: &str,
        explain: bool,
    ) -> Option<KmsLeg> {
        let (action, extra) = kms_actions(&s3_request.action_lower)?;
        let call = |action: &str| {
            let request = leg_request(s3_request, &key, action, object_arn);
            let response = decide(&graph, &request, explain);
            KmsCall { request, response }
        };
        let main = call(action);
        let multipart = extra.map(call);
        Some(KmsLeg {
            call: main,
            multipart,
            key,
            graph,
        })
    }
}

/// The decision of an S3 request on an SSE-KMS object: S3 calls KMS only once it allows the
/// request itself, so S3's own denial comes first; then the KMS leg must allow too.
pub fn combined(s3: Decision, kms: Decision) -> Decision {
    if s3 == Decision::Allow { kms } else { s3 }
}

/// A grant of the key as the KMS leg applies it, with the file it was read from.
#[derive(Debug, Clone)]
pub struct KmsGrant {
    /// The `list-grants` file.
    pub source: crate::source::SourceFile,
    /// The grant as written.
    pub grant: KeyGrant,
    /// The grantee, read once.
    grantee: Grantee,
}

/// Whom a grant names.
#[derive(Debug, Clone)]
enum Grantee {
    /// An account, user, role, session or federated user.
    Aws(AwsPrincipal),
    /// A service principal (`GranteePrincipal` shows it for grants AWS services create).
    Service(String),
    /// Neither: it names no caller s3-access can model.
    Other,
}

/// Why a grant does not allow a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantMiss {
    /// The grantee principal is not the caller.
    Grantee,
    /// The grant's operations do not include the request's.
    Operation,
    /// The request's encryption context does not include `EncryptionContextSubset`.
    Subset,
    /// The request's encryption context is not `EncryptionContextEquals`.
    Equals,
}

impl GrantMiss {
    /// A sentence for the trace.
    pub fn reason(self) -> &'static str {
        match self {
            GrantMiss::Grantee => "the grantee principal is not the caller",
            GrantMiss::Operation => "its operations do not include the request's",
            GrantMiss::Subset => {
                "the encryption context does not include its EncryptionContextSubset"
            }
            GrantMiss::Equals => "the encryption context is not its EncryptionContextEquals",
        }
    }
}

impl KmsGrant {
    /// A grant read from `source`.
    pub fn new(source: crate::source::SourceFile, grant: KeyGrant) -> KmsGrant {
        let value = grant.grantee.value.as_str();
        let grantee = if let Ok(p) = AwsPrincipal::parse(value) {
            Grantee::Aws(p)
        } else if !value.starts_with("arn:") && value.contains('.') {
            Grantee::Service(value.to_string())
        } else {
            Grantee::Other
        };
        KmsGrant {
            source,
            grant,
            grantee,
        }
    }

    /// How the grant names `request`'s caller for its operation and encryption context: the
    /// kind of naming (as a key policy principal would), or why it does not apply.
    // AWS rule: "the grant allows the grantee principal to call the specified grant
    // operations on the KMS key provided that all conditions specified in the grant are met";
    // a grant can allow but not deny (KMS "Grants in AWS KMS").
    pub fn applies(&self, request: &Request) -> Result<GrantKind, GrantMiss> {
        let kind = match (&self.grantee, &request.caller) {
            (Grantee::Aws(p), caller) => crate::eval::graph::aws_entry(p, caller),
            (Grantee::Service(s), Caller::Service { name }) => {
                s.eq_ignore_ascii_case(name).then_some(GrantKind::Direct)
            }
            _ => None,
        }
        .ok_or(GrantMiss::Grantee)?;
        let operation = request.action_lower.strip_prefix("kms:").unwrap_or("");
        if !self
            .grant
            .operations
            .iter()
            .any(|o| o.value.eq_ignore_ascii_case(operation))
        {
            return Err(GrantMiss::Operation);
        }
        let context = encryption_context(request);
        if let Some(subset) = &self.grant.subset
            && !subset.iter().all(|pair| has_pair(&context, pair))
        {
            return Err(GrantMiss::Subset);
        }
        if let Some(equals) = &self.grant.equals
            && (equals.len() != context.len()
                || !equals.iter().all(|pair| has_pair(&context, pair)))
        {
            return Err(GrantMiss::Equals);
        }
        Ok(kind)
    }
}

/// The encryption context of a KMS request: its `kms:EncryptionContext:KEY` values.
fn encryption_context(request: &Request) -> Vec<(&str, &str)> {
    const PREFIX: &str = "kms:encryptioncontext:";
    request
        .context
        .entries()
        .iter()
        .filter_map(|e| {
            let head = e.key.get(..PREFIX.len())?;
            let key = e.key.get(PREFIX.len()..)?;
            (head.eq_ignore_ascii_case(PREFIX) && !key.is_empty())
                .then(|| e.values.iter().map(move |v| (key, v.as_str())))
        })
        .flatten()
        .collect()
}

/// Whether the context holds the constraint's pair.
// AWS rule: "in a grant constraint, the key in each key-value pair is not case sensitive, but
// the value is case sensitive" (KMS API Reference, GrantConstraints).
fn has_pair(context: &[(&str, &str)], (key, value): &(String, String)) -> bool {
    context
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case(key) && v == value)
}

impl Graph {
    /// Adds the grants of the key (the KMS leg's graph): they allow besides the key policy.
    pub fn add_kms_grants(&mut self, source: &crate::source::SourceFile, grants: &[KeyGrant]) {
        self.kms_grants.extend(
            grants
                .iter()
                .map(|g| KmsGrant::new(source.clone(), g.clone())),
        );
    }
}

/// The folder name of a key: its id (the part after `key/` of an ARN), as written otherwise.
pub fn key_dir_name(key: &str) -> String {
    let id = key.rsplit_once(":key/").map_or(key, |(_, id)| id);
    id.replace(['/', '\\'], "_")
}

/// The bucket folder's default encryption with KMS: the key as written (`None`: the AWS
/// managed `aws/s3` key) and whether S3 Bucket Keys are on; `None` without SSE-KMS.
pub fn default_kms(folder: &BucketFolder) -> Option<(Option<String>, bool)> {
    let rule = folder.encryption.doc()?.rules.first()?;
    let d = rule.default.as_ref()?;
    d.algorithm.uses_kms().then(|| {
        (
            d.kms_key.as_ref().map(|k| k.value.clone()),
            rule.bucket_key_enabled.unwrap_or(false),
        )
    })
}

/// Whether a key as written names the AWS managed `aws/s3` key (no key at all, or its alias).
// AWS rule: SSE-KMS without a key id uses the AWS managed key `aws/s3` (S3 "Specifying
// server-side encryption with AWS KMS (SSE-KMS)").
pub fn is_aws_s3(key_id: Option<&str>) -> bool {
    key_id.is_none_or(|k| k == "alias/aws/s3" || k.ends_with(":alias/aws/s3"))
}

/// The folder name (key id) of the key of `folder` whose `aliases.json` lists `alias`.
pub fn alias_target<'f>(folder: &'f BucketFolder, alias: &str) -> Option<&'f str> {
    folder
        .kms_keys
        .iter()
        .find(|k| k.aliases.doc().is_some_and(|a| a.names(alias, &k.id)))
        .map(|k| k.id.as_str())
}

/// A key of a bucket folder (`kms/<key-id>/`) with its key policy and grants compiled into
/// a graph of the KMS leg (no caller-side documents yet); `None` without a usable key policy
/// or, lacking a description, the bucket's region.
pub fn folder_key(k: &KmsKeyFolder, owner: &str, region: Option<&str>) -> Option<(KmsKey, Graph)> {
    let policy = k.policy.loaded()?;
    let (arn, account, aws_managed) = match k.describe.doc() {
        Some(m) => (
            m.arn.value.clone(),
            m.account.value.clone(),
            m.aws_managed(),
        ),
        None => (
            format!("arn:aws:kms:{}:{owner}:key/{}", region?, k.id),
            owner.to_string(),
            false,
        ),
    };
    let options = LoadOptions::of_kind(PolicyKind::Resource);
    let a = load::analyze_value(policy.source.clone(), &policy.root, &options, Vec::new());
    if a.policies.is_empty() {
        return None;
    }
    let mut graph = Graph::new();
    for p in a.policies {
        graph.add(policy.source.clone(), p, Layer::KeyPolicy, 0);
    }
    if let Some(g) = k.grants.loaded() {
        graph.add_kms_grants(&g.source, &g.doc.grants);
    }
    let key = KmsKey {
        arn,
        account,
        aws_managed,
        bucket_key: false,
        from: policy.source.name().to_string(),
        assumed: false,
    };
    Some((key, graph))
}

/// The key of `folder`'s `kms/` that `written` names: a key id or key ARN (by its id), or an
/// alias name or ARN (through the keys' `aliases.json`), with its key policy and grants;
/// `owner` owns the key, in `region`, when its description does not say. `None` when the
/// folder does not hold it.
pub fn key_named(
    folder: &BucketFolder,
    written: &str,
    owner: &str,
    region: Option<&str>,
) -> Option<(KmsKey, Graph)> {
    let id = if is_alias(written) {
        alias_target(folder, written)?.to_string()
    } else {
        key_dir_name(written)
    };
    let k = folder.kms_keys.iter().find(|k| k.id == id)?;
    folder_key(k, owner, region)
}

/// What a bucket folder says about the KMS leg of reads and writes of its objects.
#[derive(Debug, Clone)]
pub enum BucketKms {
    /// The default encryption's key, with its key policy and grants (the leg's graph, without
    /// caller-side documents).
    Known {
        /// The key, with the default's Bucket Key setting.
        key: KmsKey,
        /// Its key policy and grants.
        graph: Box<Graph>,
    },
    /// The default encryption uses KMS, but the leg cannot be decided: why.
    Unknown(String),
}

impl BucketKms {
    /// The KMS leg of `folder`'s default encryption; `None` when it does not use KMS.
    pub fn of_folder(folder: &BucketFolder) -> Option<BucketKms> {
        let (key_id, bucket_key) = default_kms(folder)?;
        let owner = folder.account_id();
        let region = folder.region();
        let keys = folder
            .kms_keys
            .iter()
            .filter_map(|k| Some((k.id.as_str(), folder_key(k, owner, region)?)));
        let found = if is_aws_s3(key_id.as_deref()) {
            let managed: Vec<_> = keys.filter(|(_, (k, _))| k.aws_managed).collect();
            (managed.len() == 1)
                .then(|| managed.into_iter().next())
                .flatten()
        } else {
            let written = key_id.as_deref().unwrap_or_default();
            key_named(folder, written, owner, region).map(|found| ("", found))
        };
        let what = key_id.unwrap_or_else(|| "the AWS managed key aws/s3".into());
        if found.is_none()
            && is_alias(&what)
            && !is_aws_s3(Some(&what))
            && alias_target(folder, &what).is_none()
        {
            return Some(BucketKms::Unknown(format!(
                "the default encryption names the KMS key by the alias {what}, and no kms/KEY-ID/aliases.json (aws kms list-aliases --key-id KEY) says which key that is"
            )));
        }
        Some(match found {
            Some((_, (key, graph))) => BucketKms::Known {
                key: KmsKey {
                    bucket_key,
                    from: "the bucket's default encryption".into(),
                    ..key
                },
                graph: Box::new(graph),
            },
            None => BucketKms::Unknown(format!(
                "the default encryption uses the KMS key {what}, whose key policy is not in the folder (kms/KEY-ID/key-policy.json)"
            )),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_decrypt_and_writes_generate_data_keys() {
        assert_eq!(kms_actions("s3:getobject"), Some(("kms:Decrypt", None)));
        assert_eq!(
            kms_actions("s3:putobject"),
            Some(("kms:GenerateDataKey", Some("kms:Decrypt")))
        );
        assert_eq!(kms_actions("s3:listbucket"), None);
    }

    #[test]
    fn the_bucket_key_context_is_the_bucket_arn() {
        assert_eq!(bucket_arn("arn:aws:s3:::b/k/x"), "arn:aws:s3:::b");
        assert_eq!(bucket_arn("arn:aws:s3:::b"), "arn:aws:s3:::b");
    }

    #[test]
    fn both_legs_must_allow() {
        use Decision::*;
        assert_eq!(combined(Allow, Allow), Allow);
        assert_eq!(combined(Allow, ImplicitDeny), ImplicitDeny);
        assert_eq!(combined(ImplicitDeny, Allow), ImplicitDeny);
        assert_eq!(combined(ExplicitDeny, ImplicitDeny), ExplicitDeny);
    }
}
