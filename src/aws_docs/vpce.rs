//! VPC endpoints as the AWS CLI prints them: `aws ec2 describe-vpc-endpoints` output, whose
//! `PolicyDocument` is the endpoint policy serialised as a JSON string; or one endpoint policy
//! written as a policy (no endpoint id then). The policies themselves go through `load` with
//! spans into this file.

use super::read::{self, AwsDocument, Reader, at, join};
use crate::json::{Kind, Value};
use crate::policy::Spanned;
use crate::source::Span;

/// One VPC endpoint and its policy.
#[derive(Debug, Clone, PartialEq)]
pub struct VpcEndpoint {
    /// `VpcEndpointId` (`vpce-…`): what a request through it carries as `aws:SourceVpce`;
    /// `None` for a policy given on its own.
    pub id: Option<Spanned<String>>,
    /// `VpcId`: what a request through it carries as `aws:SourceVpc`.
    pub vpc: Option<Spanned<String>>,
    /// `ServiceName` (`com.amazonaws.REGION.s3`).
    pub service: Option<Spanned<String>>,
    /// `VpcEndpointType` (`Gateway`, `Interface`, ...), when printed.
    pub endpoint_type: Option<Spanned<String>>,
    /// The policy's root value, spans into the file; `None` when the endpoint has none (its
    /// service does not support endpoint policies: full access).
    pub policy: Option<Value>,
    /// The endpoint's entry in the file.
    pub span: Span,
}

impl VpcEndpoint {
    /// Whether requests to S3 go through this endpoint: its service is S3 (or not printed).
    // AWS rule: a VPC endpoint for Amazon S3 "allows connectivity only to Amazon S3" (S3
    // "Controlling access from VPC endpoints with bucket policies"); its service name is
    // `com.amazonaws.REGION.s3`.
    pub fn serves_s3(&self) -> bool {
        self.service.as_ref().is_none_or(|s| {
            s.value
                .rsplit('.')
                .next()
                .is_some_and(|last| last.eq_ignore_ascii_case("s3"))
        })
    }

    /// Whether this is a gateway endpoint (`VpcEndpointType` `Gateway`): the route tables of
    /// its subnets send every request to S3 through it.
    // AWS rule: "After you create the gateway endpoint, you can add it as a target in your
    // route table for traffic destined from your VPC to Amazon S3" (PrivateLink "Gateway
    // endpoints for Amazon S3").
    pub fn is_gateway(&self) -> bool {
        self.endpoint_type
            .as_ref()
            .is_some_and(|t| t.value.eq_ignore_ascii_case("Gateway"))
    }
}

/// `aws ec2 describe-vpc-endpoints` output (`{"VpcEndpoints": [...]}`), one endpoint of it,
/// or an endpoint policy on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct VpcEndpoints {
    /// The endpoints, in file order.
    pub endpoints: Vec<VpcEndpoint>,
}

const ENDPOINT_FIELDS: &[&str] = &[
    "VpcEndpointId",
    "VpcEndpointType",
    "VpcId",
    "ServiceName",
    "State",
    "PolicyDocument",
    "RouteTableIds",
    "SubnetIds",
    "Groups",
    "PrivateDnsEnabled",
    "RequesterManaged",
    "NetworkInterfaceIds",
    "DnsEntries",
    "CreationTimestamp",
    "Tags",
    "OwnerId",
    "IpAddressType",
    "DnsOptions",
];

impl AwsDocument for VpcEndpoints {
    const WHAT: &'static str = "VPC endpoint description";

    fn read(value: &Value, r: &mut Reader) -> Option<VpcEndpoints> {
        let members = r.object(value, "")?;
        let is_policy = members
            .iter()
            .any(|m| matches!(&*m.key, "Statement" | "Version"));
        if is_policy {
            return Some(VpcEndpoints {
                endpoints: vec![VpcEndpoint {
                    id: None,
                    vpc: None,
                    service: None,
                    endpoint_type: None,
                    policy: Some(value.clone()),
                    span: value.span,
                }],
            });
        }
        if value.get("VpcEndpointId").is_some() {
            let e = endpoint(value, "", r)?;
            return Some(VpcEndpoints { endpoints: vec![e] });
        }
        r.near_misses(value, &["VpcEndpoints"], "");
        let list = r.required(value, "VpcEndpoints", "")?;
        let items = r.array(list, "VpcEndpoints")?;
        let before = r.error_count();
        let endpoints: Vec<VpcEndpoint> = items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| endpoint(v, &at("VpcEndpoints", i), r))
            .collect();
        (r.error_count() == before).then_some(VpcEndpoints { endpoints })
    }
}

/// One element of `VpcEndpoints`.
fn endpoint(value: &Value, path: &str, r: &mut Reader) -> Option<VpcEndpoint> {
    r.object(value, path)?;
    r.near_misses(value, ENDPOINT_FIELDS, path);
    let before = r.error_count();
    let id = r.req_string(value, "VpcEndpointId", path);
    if let Some(id) = &id
        && !id.value.starts_with("vpce-")
    {
        r.error(
            id.span,
            format!(
                "`{}` is not a VPC endpoint id (vpce-…)",
                join(path, "VpcEndpointId")
            ),
        );
    }
    let vpc = r.opt_string(value, "VpcId", path);
    let service = r.opt_string(value, "ServiceName", path);
    let endpoint_type = r.opt_string(value, "VpcEndpointType", path);
    let policy = match value.get("PolicyDocument") {
        None => None,
        Some(p) if matches!(p.kind, Kind::String(_)) => {
            match read::parse_string_document(r.source(), p) {
                Ok(v) => Some(v),
                Err(e) => {
                    let f = read::json_error(&e);
                    r.error(
                        f.span,
                        format!(
                            "`{}` is not a JSON policy: {}",
                            join(path, "PolicyDocument"),
                            f.message
                        ),
                    );
                    None
                }
            }
        }
        Some(p) if matches!(p.kind, Kind::Object(_)) => Some(p.clone()),
        Some(p) => {
            r.error(
                read::head(p.span),
                format!(
                    "`{}` must be a policy (a JSON string or object), found {}",
                    join(path, "PolicyDocument"),
                    read::describe(p)
                ),
            );
            None
        }
    };
    (r.error_count() == before).then_some(VpcEndpoint {
        id,
        vpc,
        service,
        endpoint_type,
        policy,
        span: value.span,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_describe_output_with_the_policy_as_a_string() {
        let text = r#"{"VpcEndpoints": [{"VpcEndpointId": "vpce-1a2b3c4d", "VpcId": "vpc-111bbb22",
            "ServiceName": "com.amazonaws.us-east-1.s3",
            "PolicyDocument": "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"*\",\"Resource\":\"*\"}]}"}]}"#;
        let l = read::read_str::<VpcEndpoints>("e.json", text).expect("reads");
        let [e] = l.doc.endpoints.as_slice() else {
            panic!("{:?}", l.doc)
        };
        assert_eq!(
            e.id.as_ref().map(|i| i.value.as_str()),
            Some("vpce-1a2b3c4d")
        );
        assert_eq!(
            e.vpc.as_ref().map(|i| i.value.as_str()),
            Some("vpc-111bbb22")
        );
        assert!(e.serves_s3());
        let policy = e.policy.as_ref().expect("policy");
        // The policy's spans point into the file, inside the string.
        let effect = policy
            .get("Statement")
            .and_then(|s| s.as_array())
            .and_then(|a| a.first())
            .and_then(|s| s.get("Effect"))
            .expect("effect");
        assert_eq!(l.source.slice(effect.span), r#"\"Allow\""#);
    }

    #[test]
    fn a_policy_on_its_own_has_no_endpoint_id() {
        let text =
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
        let l = read::read_str::<VpcEndpoints>("p.json", text).expect("reads");
        assert_eq!(l.doc.endpoints.len(), 1);
        assert!(l.doc.endpoints.iter().all(|e| e.id.is_none()));
    }

    #[test]
    fn bad_shapes_are_located_errors() {
        for (text, needle) in [
            (r#"{"VpcEndpoints": {}}"#, "VpcEndpoints"),
            (
                r#"{"VpcEndpoints": [{"VpcEndpointId": "x-1"}]}"#,
                "not a VPC endpoint id",
            ),
            (
                r#"{"VpcEndpoints": [{"VpcEndpointId": "vpce-1", "PolicyDocument": "{nope"}]}"#,
                "not a JSON policy",
            ),
            (
                r#"{"VpcEndpoints": [{"VpcEndpointId": "vpce-1", "PolicyDocument": 3}]}"#,
                "must be a policy",
            ),
            (r#"{"VpcEndpoint": []}"#, "VpcEndpoints"),
        ] {
            let report = read::read_str::<VpcEndpoints>("e.json", text).expect_err(text);
            assert!(
                report
                    .findings
                    .iter()
                    .any(|f| f.finding.message.contains(needle)),
                "{text}: {:?}",
                report.findings
            );
        }
    }

    #[test]
    fn other_services_do_not_carry_s3_requests() {
        let text = r#"{"VpcEndpoints": [{"VpcEndpointId": "vpce-1", "ServiceName": "com.amazonaws.us-east-1.dynamodb"}]}"#;
        let l = read::read_str::<VpcEndpoints>("e.json", text).expect("reads");
        assert!(l.doc.endpoints.iter().all(|e| !e.serves_s3()));
    }
}
