//! The route through an access point: the request as each layer sees it, and the access
//! point's own rules (S3 "Managing access to shared datasets with access points",
//! "Access points restrictions and limitations").

use super::response::{Block, BlockRule, Uncertainty};
use crate::aws_docs::NetworkOrigin;
use crate::eval::graph::{Graph, Layer};
use crate::eval::request::{Caller, Request};
use crate::eval::s3_facts::AccessPointFacts;

/// The request as the layers see it: directly to the bucket, or through an access point,
/// whose policy sees the access point ARN while the bucket policy sees the bucket's ARN; both
/// see the access point keys (S3 "Configuring IAM policies for using access points").
pub(super) struct Route<'a> {
    /// The request as given.
    request: &'a Request,
    /// The access point the request goes through, as an index into the graph's access points.
    pub(super) access_point: Option<usize>,
    /// The request as every layer but the bucket policy sees it, when it differs.
    main_view: Option<Request>,
    /// The request as the bucket policy sees it, when it differs.
    bucket_view: Option<Request>,
}

impl<'a> Route<'a> {
    /// Finds the access point `request` goes through; with `explain`, notes an access point
    /// ARN whose access point was not given.
    pub(super) fn of(
        graph: &Graph,
        request: &'a Request,
        explain: bool,
        notes: &mut Vec<String>,
    ) -> Route<'a> {
        let s3 = &graph.s3;
        let route = if s3.access_points.is_empty() {
            None
        } else {
            s3.access_point_of(&request.resource)
        };
        if explain
            && route.is_none()
            && request.resource.contains(":accesspoint/")
            && !s3.object_lambda_leg
        {
            notes.push("the resource is an access point ARN, but that access point was not given (--access-point DIR); it is evaluated as written".into());
        }
        let (main_view, bucket_view) =
            match route.and_then(|(i, key)| Some((key, s3.access_points.get(i)?))) {
                Some((key, ap)) => {
                    let (main, bucket) = views(request, ap, key);
                    (Some(main), Some(bucket))
                }
                None => (None, None),
            };
        Route {
            request,
            access_point: route.map(|(i, _)| i),
            main_view,
            bucket_view,
        }
    }

    /// What the route's access point leaves in doubt: a policy that was not given (it could
    /// grant what is denied), or a policy change still being applied (the established policy
    /// is evaluated, the proposed one may decide otherwise).
    pub(super) fn doubts(&self, graph: &Graph) -> Vec<Uncertainty> {
        let Some(ap) = self
            .access_point
            .and_then(|i| graph.s3.access_points.get(i))
        else {
            return unknown_multi_region(&self.request.resource)
                .into_iter()
                .collect();
        };
        let mut out = Vec::new();
        if !ap.policy_known {
            out.push(Uncertainty {
                statement: None,
                reason: format!(
                    "the policy of {} was not given: it could grant this request",
                    ap.label()
                ),
                if_not_allowed: true,
            });
        }
        if let Some(place) = &ap.pending {
            let at = place.source.line_col(place.span.start);
            out.push(Uncertainty {
                statement: None,
                reason: format!(
                    "the established policy of {} is evaluated; a proposed policy ({}:{}:{}) differs from it and replaces it once S3 has applied it",
                    ap.label(),
                    place.source.name(),
                    at.line,
                    at.column
                ),
                if_not_allowed: false,
            });
        }
        out
    }

    /// The request as every layer but the bucket policy sees it.
    pub(super) fn main(&self) -> &Request {
        self.main_view.as_ref().unwrap_or(self.request)
    }

    /// The request as the bucket policy sees it.
    pub(super) fn bucket(&self) -> &Request {
        self.bucket_view.as_ref().unwrap_or(self.main())
    }

    /// The request as `layer` sees it.
    pub(super) fn view(&self, layer: Layer) -> &Request {
        if layer == Layer::Bucket {
            self.bucket()
        } else {
            self.main()
        }
    }

    /// The access point's own rule that rejects the request, if one does.
    pub(super) fn own_rules_block(&self, graph: &Graph, caller: &Caller) -> Option<Block> {
        let ap = self
            .access_point
            .and_then(|i| graph.s3.access_points.get(i))?;
        // AWS rule: access points do not support anonymous access (S3 "Access points
        // restrictions and limitations"); neither do Multi-Region Access Points (S3
        // "Multi-Region Access Point restrictions and limitations").
        let (rule, reason) = if *caller == Caller::Anonymous {
            (
                BlockRule::AccessPointAnonymous,
                format!("{} does not accept anonymous requests", ap.label()),
            )
        } else if let NetworkOrigin::Vpc { vpc_id } = &ap.network {
            // AWS rule: an access point restricted to a VPC rejects requests from elsewhere
            // (S3 "Creating access points restricted to a virtual private cloud").
            let from = self
                .main()
                .context
                .get("aws:SourceVpc")
                .and_then(|e| e.values.first());
            if from == Some(vpc_id) {
                return None;
            }
            (
                BlockRule::AccessPointNetwork,
                format!(
                    "access point `{}` takes requests from VPC `{vpc_id}` only; the request's aws:SourceVpc is {}",
                    ap.name,
                    from.map_or_else(|| "absent".to_string(), |v| format!("`{v}`"))
                ),
            )
        } else {
            return None;
        };
        Some(Block {
            rule,
            reason,
            place: ap.place.clone(),
        })
    }
}

/// The doubt a request to a Multi-Region Access Point that was not given leaves: its policy
/// and Block Public Access are not evaluated, and the bucket policy sees the request as
/// written, not as routed to the bucket (S3 "Permissions" for Multi-Region Access Points).
fn unknown_multi_region(resource: &str) -> Option<Uncertainty> {
    let arn = crate::arn::Arn::split(resource)?;
    let name = arn
        .resource
        .strip_prefix("accesspoint/")?
        .split('/')
        .next()?;
    let mrap = arn.service == "s3"
        && arn.region.is_empty()
        && crate::aws_docs::multi_region::is_alias(name);
    mrap.then(|| Uncertainty {
        statement: None,
        reason: format!(
            "`{name}` is a Multi-Region Access Point that was not given (`multi-region-access-points/` in the bucket folder): the request is evaluated as written, without its policy, its Block Public Access or the bucket it routes to"
        ),
        if_not_allowed: true,
    })
}

/// The request as the access point policy sees it (the access point ARN, owned by the access
/// point's account) and as the bucket policy sees it (the bucket's ARN), both with the access
/// point keys; `key` is the object key, if the request is for an object.
fn views(request: &Request, ap: &AccessPointFacts, key: Option<&str>) -> (Request, Request) {
    let head = request
        .resource
        .find(&format!("accesspoint/{}", ap.name))
        .map_or(request.resource.as_str(), |at| {
            request
                .resource
                .get(..at + 12 + ap.name.len())
                .unwrap_or("")
        });
    let partition = crate::arn::Arn::split(&request.resource).map_or("aws", |a| a.partition);
    let origin = match ap.network {
        NetworkOrigin::Internet => "Internet",
        NetworkOrigin::Vpc { .. } => "VPC",
    };
    let mut extra = vec![
        ("s3:DataAccessPointArn", head.to_string()),
        ("s3:DataAccessPointAccount", ap.account.clone()),
    ];
    // A Multi-Region Access Point has no network origin, so the key is not set for it.
    if !ap.is_multi_region() {
        extra.push(("s3:AccessPointNetworkOrigin", origin.to_string()));
    }
    let bucket_resource = match key {
        Some(k) => format!("arn:{partition}:s3:::{}/{k}", ap.bucket),
        None => format!("arn:{partition}:s3:::{}", ap.bucket),
    };
    (
        request.retarget(&request.resource, &ap.account, &extra),
        request.retarget(&bucket_resource, &request.resource_account, &extra),
    )
}

/// The access point's line in the layer table.
pub(super) fn report(ap: &AccessPointFacts) -> String {
    if ap.is_multi_region() {
        // AWS rule: a request through a Multi-Region Access Point must be allowed by its
        // policy and by the policy of the bucket it is routed to (S3 "Permissions" for
        // Multi-Region Access Points).
        return format!(
            "through {} of account {}: its policy and the bucket's must both allow",
            ap.label(),
            ap.account
        );
    }
    let origin = match &ap.network {
        NetworkOrigin::Internet => "Internet origin".to_string(),
        NetworkOrigin::Vpc { vpc_id } => format!("VPC `{vpc_id}` origin"),
    };
    format!(
        "through access point `{}` of account {} ({origin}): its policy and the bucket's must both allow",
        ap.name, ap.account
    )
}
