//! VPC endpoints for S3, as `lint` reads them from `aws ec2 describe-vpc-endpoints` output: a
//! gateway endpoint whose policy lets anyone reach any bucket (S522). AWS rule: an endpoint
//! created without a policy gets one that "allows full access to Amazon S3 (the default)"
//! (PrivateLink "Gateway endpoints for Amazon S3"); code in the VPC can then write to buckets
//! of any account through it, which an endpoint policy restricted to your buckets or your
//! organisation stops (S3 "Controlling access from VPC endpoints with bucket policies").

use crate::audit::NOW;
use crate::aws_docs::vpce::VpcEndpoint;
use crate::diagnostic::Finding;
use crate::eval::vpce::{Endpoint, SOURCE_VPCE};
use crate::eval::{Caller, Decision, Graph, Layer, Request, decide};
use crate::policy::{Policy, PolicyKind};
use crate::registry::Code;
use crate::source::SourceFile;

/// A bucket of an account that has nothing to do with the endpoint: where data would leave to.
const ELSEWHERE: &str = "arn:aws:s3:::amzn-s3-demo-bucket-elsewhere";
/// Its owner.
const ELSEWHERE_OWNER: &str = "999988887777";

/// A policy that allows everything, of `kind`: the caller's identity policy and the bucket
/// policy of the probe, so that only the endpoint policy can refuse.
fn allow_all(kind: PolicyKind) -> Option<(SourceFile, Policy)> {
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
    let text = if kind == PolicyKind::Identity {
        text.replace(r#""Principal":"*","#, "")
    } else {
        text.to_string()
    };
    let root = crate::json::parse(&text).ok()?;
    let policy = crate::policy::parse::parse_policy(&root, kind).policy?;
    Some((SourceFile::new("<probe>", text), policy))
}

// rule: S522
/// A gateway endpoint for S3 whose policy lets a request through it read, write and list a
/// bucket of an unrelated account, by an anonymous caller and by a user of that account: the
/// evaluator decides each request with the endpoint as the only gate (the user's identity
/// policy and the bucket policy allow everything); all `Allow`, none uncertain, is the
/// default full access.
pub fn full_access(
    endpoint: &VpcEndpoint,
    policies: &[Policy],
    source: &SourceFile,
) -> Option<Finding> {
    if !endpoint.serves_s3() || !endpoint.is_gateway() {
        return None;
    }
    let first = policies.first()?;
    let id = endpoint
        .id
        .as_ref()
        .map_or_else(|| "vpce-0probe".to_string(), |i| i.value.clone());
    let mut graph = Graph::new();
    graph.vpc_endpoints.push(Endpoint {
        id: Some(id.clone()),
        vpc: None,
        from: source.name().to_string(),
    });
    for p in policies {
        graph.add(source.clone(), p.clone(), Layer::VpcEndpoint, 0);
    }
    for (kind, layer) in [
        (PolicyKind::Identity, Layer::Identity),
        (PolicyKind::Bucket, Layer::Bucket),
    ] {
        let (file, policy) = allow_all(kind)?;
        graph.add(file, policy, layer, 0);
    }
    let context = [(SOURCE_VPCE.to_string(), id.clone())];
    let object = format!("{ELSEWHERE}/data.csv");
    let user = format!("arn:aws:iam::{ELSEWHERE_OWNER}:user/probe");
    for principal in ["anonymous", user.as_str()] {
        let caller = Caller::parse(principal).ok()?;
        for (action, resource) in [
            ("s3:GetObject", object.as_str()),
            ("s3:PutObject", object.as_str()),
            ("s3:ListBucket", ELSEWHERE),
        ] {
            let request = Request::new(
                caller.clone(),
                action,
                resource,
                Some(ELSEWHERE_OWNER),
                &context,
                NOW,
            );
            let response = decide(&graph, &request, false);
            if response.decision != Decision::Allow || !response.uncertain.is_empty() {
                return None;
            }
        }
    }
    Some(
        Finding::new(
            Code::VpceFullAccess,
            crate::audit::policy_head(first),
            format!(
                "the policy of `{id}` (a gateway endpoint for S3) lets any principal read, write and list any bucket of any account through it: AWS's default full-access policy, so code in the VPC can copy data to buckets outside your accounts"
            ),
        )
        .with_help("restrict the endpoint policy to your buckets (their ARNs in Resource) or to your organisation (`StringEquals` on `aws:ResourceOrgID`, and `aws:PrincipalOrgID` for the callers); keep the buckets AWS services in the VPC need (e.g. package repositories)"),
    )
}
