//! A scenario's `policies.vpce_policy`: VPC endpoints with their policies, written inline or
//! in a file, in any form `query --vpce-policy` reads (`describe-vpc-endpoints` output, one
//! endpoint, or an endpoint policy on its own); read by the endpoint reader, so a request
//! through an endpoint (`aws:SourceVpce` in its `context`) is gated by its policy.

use super::model::PolicyRef;
use super::problems::Problems;
use crate::aws_docs::read;
use crate::aws_docs::vpce::VpcEndpoints;
use crate::eval::Graph;
use crate::registry::Code;
use crate::source::SourceFile;

/// Reads `doc` and adds its S3 endpoints to `graph`; a document or policy with errors is
/// reported (AWS would not accept it) and adds nothing.
pub(super) fn add(
    graph: &mut Graph,
    scenario: &SourceFile,
    doc: &PolicyRef,
    problems: &mut Problems,
) {
    let loaded = match doc {
        PolicyRef::Inline(value) => {
            read::read_value::<VpcEndpoints>(scenario, value.clone(), Vec::new())
        }
        PolicyRef::File { path, .. } => read::load_text(path, Code::DocumentShape)
            .and_then(|source| read::read_source::<VpcEndpoints>(&source)),
    };
    match loaded {
        Ok(l) => {
            if let Err(failed) = crate::eval::vpce::add_endpoints(graph, &l) {
                problems.reports(failed);
            }
        }
        Err(report) => problems.report(report),
    }
}
