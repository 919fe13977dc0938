//! The VPC endpoint side of a query: `--vpce-policy FILE` (`aws ec2 describe-vpc-endpoints`
//! output, or an endpoint policy on its own) added to the graph, and the endpoint a request
//! comes through when it gives none: the file's one S3 endpoint. Deciding is `eval`'s.

use super::{Notice, QueryError, QueryInput, Refused, read_doc};
use crate::aws_docs::vpce::VpcEndpoints;
use crate::eval::Graph;
use crate::eval::vpce::{self, SOURCE_VPC, SOURCE_VPCE};

/// Adds the endpoints of `--vpce-policy` to `graph`; when the request gives no
/// `aws:SourceVpce` and the file has exactly one S3 endpoint with an id, the request is taken
/// to come through it (`aws:SourceVpce`, and `aws:SourceVpc` when known and not given).
/// What was assumed, or why no endpoint policy applies, goes to `notes`.
pub(super) fn load(
    input: &QueryInput,
    graph: &mut Graph,
    context: &mut Vec<(String, String)>,
    notes: &mut Vec<String>,
    notices: &mut Vec<Notice>,
) -> Result<(), Refused> {
    let given = |context: &[(String, String)], key: &str| {
        context.iter().any(|(k, _)| k.eq_ignore_ascii_case(key))
    };
    let before = graph.vpc_endpoints.len();
    if let Some(path) = &input.vpce_policy {
        let loaded = read_doc::<VpcEndpoints>(path, notices)?;
        match vpce::add_endpoints(graph, &loaded) {
            Ok(shown) => notices.extend(shown.into_iter().map(Notice::Findings)),
            Err(failed) => {
                notices.extend(failed.into_iter().map(Notice::Findings));
                notices.push(Notice::Error(QueryError::CannotEvaluate(path.clone())));
                return Err(Refused);
            }
        }
    }
    if graph.vpc_endpoints.is_empty() {
        return Ok(());
    }
    if given(context, SOURCE_VPCE) {
        source_ip_warning(context, notices);
        return Ok(());
    }
    let added = graph.vpc_endpoints.get(before..).unwrap_or_default();
    let with_id: Vec<&vpce::Endpoint> = added.iter().filter(|e| e.id.is_some()).collect();
    // AWS rule: a request through a VPC endpoint carries aws:SourceVpce (the endpoint's id)
    // and aws:SourceVpc (its VPC) (IAM "AWS global condition context keys").
    if let [e] = with_id.as_slice()
        && let Some(id) = &e.id
    {
        context.push((SOURCE_VPCE.to_string(), id.clone()));
        if let Some(vpc) = &e.vpc
            && !given(context, SOURCE_VPC)
        {
            context.push((SOURCE_VPC.to_string(), vpc.clone()));
        }
        notes.push(format!(
            "the request is taken to come through VPC endpoint `{id}` ({}), whose policy then applies; give --context {SOURCE_VPCE}=… for another endpoint",
            e.from
        ));
        source_ip_warning(context, notices);
    } else {
        notes.push(format!(
            "the request carries no {SOURCE_VPCE}, so no VPC endpoint policy applies to it; give --context {SOURCE_VPCE}=vpce-… for a request through an endpoint"
        ));
    }
    Ok(())
}

/// A request through a VPC endpoint that is also given `aws:SourceIp`: AWS sets no public
/// source address for it, so conditions on the key see a request AWS does not send.
// AWS rule: aws:SourceIp is not present in a request through a VPC endpoint, which carries
// aws:VpcSourceIp instead (IAM "AWS global condition context keys", aws:SourceIp).
fn source_ip_warning(context: &[(String, String)], notices: &mut Vec<Notice>) {
    if let Some((k, v)) = context
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("aws:SourceIp"))
    {
        notices.push(Notice::Input(super::InputWarning {
            flag: "--context",
            value: format!("{k}={v}"),
            why: "a request through a VPC endpoint carries no aws:SourceIp (it carries aws:VpcSourceIp); the value is used as given".into(),
        }));
    }
}
