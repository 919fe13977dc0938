//! The KMS leg of an S3 request on an SSE-KMS object: the request S3 makes to AWS KMS with
//! the caller's credentials (`kms:Decrypt` to read, `kms:GenerateDataKey` to write), decided
//! by the same [`decide`] against the key's own graph: the key policy as the resource policy,
//! and the caller's identity policies, boundary, session policy, SCPs and RCPs.
//!
//! S3 serves the object only when both legs allow (S3 "Using server-side encryption with AWS
//! KMS keys (SSE-KMS)").

use crate::eval::context::Origin;
use crate::eval::decide::{Decision, Response, decide};
use crate::eval::graph::{Graph, Layer};
use crate::eval::request::Request;

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
