//! VPC endpoint policies: a gate on every request that comes through the endpoint, whoever
//! makes it (the bucket owner and anonymous callers included). The policy must allow the
//! request (an implicit deny otherwise) and a Deny there denies; it never grants by itself
//! (PrivateLink "Control access to VPC endpoints using endpoint policies": "An endpoint
//! policy does not override or replace identity-based policies or resource-based policies").
//!
//! A request comes through an endpoint when it carries `aws:SourceVpce` (S3 "Controlling
//! access from VPC endpoints with bucket policies"); an endpoint whose id is known gates only
//! the requests that carry its id, a policy given without one every request that carries any.

use crate::aws_docs::Loaded;
use crate::aws_docs::vpce::VpcEndpoints;
use crate::eval::graph::{Graph, Layer};
use crate::eval::request::Request;
use crate::load::{self, FileReport, LoadOptions};
use crate::registry::Severity;

/// The condition key a request through a VPC endpoint carries: the endpoint's id.
pub const SOURCE_VPCE: &str = "aws:SourceVpce";
/// The condition key a request through a VPC endpoint carries: the endpoint's VPC.
pub const SOURCE_VPC: &str = "aws:SourceVpc";

/// A VPC endpoint whose policy is in the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `vpce-…`; `None` for a policy given without its endpoint (it gates every request
    /// through any endpoint).
    pub id: Option<String>,
    /// The endpoint's VPC, when known.
    pub vpc: Option<String>,
    /// The file it was read from, for the answer.
    pub from: String,
}

impl Endpoint {
    /// Whether `request` comes through this endpoint.
    pub fn gates(&self, request: &Request) -> bool {
        let Some(through) = request_endpoint(request) else {
            return false;
        };
        self.id.as_deref().is_none_or(|id| id == through)
    }

    /// How the answer names it.
    pub fn describe(&self) -> String {
        match &self.id {
            Some(id) => format!("VPC endpoint `{id}` ({})", self.from),
            None => format!("the VPC endpoint of {}", self.from),
        }
    }
}

/// The endpoint `request` comes through: its `aws:SourceVpce`, if any.
pub fn request_endpoint(request: &Request) -> Option<&str> {
    request
        .context
        .get(SOURCE_VPCE)
        .and_then(|e| e.values.first())
        .map(String::as_str)
}

/// The endpoints of `graph` that gate `request`, as indexes into [`Graph::vpc_endpoints`].
pub fn gating(graph: &Graph, request: &Request) -> Vec<usize> {
    graph
        .vpc_endpoints
        .iter()
        .enumerate()
        .filter(|(_, e)| e.gates(request))
        .map(|(i, _)| i)
        .collect()
}

/// Adds the S3 endpoints of a `describe-vpc-endpoints` output (or a policy given on its own)
/// to `graph`: each policy validated as a resource policy, spans into the file. Returns the
/// reports with findings (warnings to show), or every report with an error: AWS would not
/// accept such a policy, so no decision about it can be trusted. An endpoint without a
/// policy allows full access and is not added.
pub fn add_endpoints(
    graph: &mut Graph,
    loaded: &Loaded<VpcEndpoints>,
) -> Result<Vec<FileReport>, Vec<FileReport>> {
    let mut shown = Vec::new();
    let mut failed = Vec::new();
    let from = loaded.source.name().to_string();
    for e in loaded.doc.endpoints.iter().filter(|e| e.serves_s3()) {
        let Some(policy) = &e.policy else { continue };
        let options = LoadOptions::of_kind(Layer::VpcEndpoint.kind());
        let analysis = load::analyze_value(loaded.source.clone(), policy, &options, Vec::new());
        if analysis.report.max_severity() == Some(Severity::Error) || analysis.policies.is_empty() {
            failed.push(analysis.report);
            continue;
        }
        if !analysis.report.findings.is_empty() {
            shown.push(analysis.report);
        }
        let level = graph.vpc_endpoints.len();
        graph.vpc_endpoints.push(Endpoint {
            id: e.id.as_ref().map(|i| i.value.clone()),
            vpc: e.vpc.as_ref().map(|v| v.value.clone()),
            from: from.clone(),
        });
        for p in analysis.policies {
            graph.add(loaded.source.clone(), p, Layer::VpcEndpoint, level);
        }
    }
    if failed.is_empty() {
        Ok(shown)
    } else {
        Err(failed)
    }
}

/// The condition blocks (policy syntax) that tell apart the requests each endpoint gates, for
/// the exact engine: `aws:SourceVpce` equal to its id, or present at all for a policy given
/// without one.
pub fn region_conditions(graph: &Graph) -> Vec<String> {
    graph
        .vpc_endpoints
        .iter()
        .map(|e| match &e.id {
            Some(id) => format!(
                r#"{{"StringEquals": {{"{SOURCE_VPCE}": {}}}}}"#,
                serde_json::Value::String(id.clone())
            ),
            None => format!(r#"{{"Null": {{"{SOURCE_VPCE}": "false"}}}}"#),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::request::Caller;

    fn request(vpce: Option<&str>) -> Request {
        let context: Vec<(String, String)> = vpce
            .map(|v| (SOURCE_VPCE.to_string(), v.to_string()))
            .into_iter()
            .collect();
        Request::new(
            Caller::Anonymous,
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            Some("111122223333"),
            &context,
            0,
        )
    }

    #[test]
    fn an_endpoint_gates_the_requests_that_carry_its_id() {
        let e = Endpoint {
            id: Some("vpce-1".into()),
            vpc: None,
            from: "e.json".into(),
        };
        assert!(e.gates(&request(Some("vpce-1"))));
        assert!(!e.gates(&request(Some("vpce-2"))));
        assert!(!e.gates(&request(None)));
        let any = Endpoint { id: None, ..e };
        assert!(any.gates(&request(Some("vpce-2"))));
        assert!(!any.gates(&request(None)));
    }
}
