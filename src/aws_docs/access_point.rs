//! Access points: `aws s3control get-access-point` output.
//!
//! A request through an access point must be allowed both by the access point layer (its
//! policy, its Block Public Access settings, its network origin) and by the bucket. The
//! network origin and the Block Public Access settings are fixed when the access point is
//! created.

use super::read::{self, AwsDocument, Reader};
use super::settings::{self, PublicAccessBlock};
use crate::json::Value;
use crate::policy::Spanned;
use crate::source::Span;

/// Where requests through an access point may come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkOrigin {
    /// `Internet`: from anywhere.
    Internet,
    /// `VPC`: only from one VPC; such an access point is never public.
    Vpc {
        /// `VpcConfiguration.VpcId`.
        vpc_id: String,
    },
}

/// An access point, as `aws s3control get-access-point` describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessPoint {
    /// `Name`.
    pub name: Spanned<String>,
    /// `Bucket`: the bucket behind the access point.
    pub bucket: Spanned<String>,
    /// The account that owns the access point (from `AccessPointArn`).
    pub account: Option<String>,
    /// `BucketAccountId`: the account that owns the bucket (differs for cross-account access
    /// points).
    pub bucket_account: Option<Spanned<String>>,
    /// `AccessPointArn`.
    pub arn: Option<Spanned<String>>,
    /// The region (from `AccessPointArn`).
    pub region: Option<String>,
    /// `NetworkOrigin` (with `VpcConfiguration`).
    pub network_origin: NetworkOrigin,
    /// `PublicAccessBlockConfiguration` of the access point.
    pub public_access_block: Option<PublicAccessBlock>,
    /// `Alias` (the bucket-style name of the access point).
    pub alias: Option<String>,
    /// The span of the document.
    pub span: Span,
}

const KEYS: &[&str] = &[
    "Name",
    "Bucket",
    "NetworkOrigin",
    "VpcConfiguration",
    "PublicAccessBlockConfiguration",
    "CreationDate",
    "Alias",
    "AccessPointArn",
    "Endpoints",
    "BucketAccountId",
    "DataSourceId",
    "DataSourceType",
];

impl AwsDocument for AccessPoint {
    const WHAT: &'static str = "access point description";

    fn read(value: &Value, r: &mut Reader) -> Option<AccessPoint> {
        r.object(value, "")?;
        r.near_misses(value, KEYS, "");
        let before = r.error_count();
        let name = r.req_string(value, "Name", "");
        let bucket = r.req_string(value, "Bucket", "");
        let origin = r
            .required(value, "NetworkOrigin", "")
            .and_then(|o| r.one_of(o, "NetworkOrigin", &[("Internet", false), ("VPC", true)]));
        let network_origin = match origin {
            Some(true) => {
                let vpc_id = r
                    .required(value, "VpcConfiguration", "")
                    .and_then(|c| {
                        r.object(c, "VpcConfiguration")?;
                        r.near_misses(c, &["VpcId"], "VpcConfiguration");
                        r.req_string(c, "VpcId", "VpcConfiguration")
                    })
                    .map(|s| s.value);
                vpc_id.map(|vpc_id| NetworkOrigin::Vpc { vpc_id })
            }
            Some(false) => Some(NetworkOrigin::Internet),
            None => None,
        };
        let public_access_block = value
            .get("PublicAccessBlockConfiguration")
            .and_then(|b| settings::read_bpa_flags(b, "PublicAccessBlockConfiguration", r));
        let alias = r.opt_string(value, "Alias", "").map(|s| s.value);
        let bucket_account = r.opt_string(value, "BucketAccountId", "");
        if let Some(b) = &bucket_account
            && !crate::arn::is_account_id(&b.value)
        {
            r.error(
                b.span,
                format!(
                    "`BucketAccountId` must be a 12-digit account id, found `{}`",
                    b.value
                ),
            );
        }
        let arn = r.opt_string(value, "AccessPointArn", "");
        let mut account = None;
        let mut region = None;
        if let Some(a) = &arn {
            match crate::arn::parse(&a.value) {
                Ok(parsed)
                    if parsed.service == "s3" && parsed.resource.starts_with("accesspoint/") =>
                {
                    let ap_name = parsed.resource.trim_start_matches("accesspoint/");
                    if let Some(n) = &name
                        && ap_name != n.value {
                            r.error(
                                a.span,
                                format!(
                                    "`AccessPointArn` names access point `{ap_name}`, but `Name` is `{}`",
                                    n.value
                                ),
                            );
                        }
                    account = Some(parsed.account.to_string());
                    region = Some(parsed.region.to_string());
                }
                _ => r.error(
                    a.span,
                    format!(
                        "`AccessPointArn` must be an access point ARN (arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME), found `{}`",
                        a.value
                    ),
                ),
            }
        }
        if r.error_count() != before {
            return None;
        }
        let (Some(name), Some(bucket), Some(network_origin)) = (name, bucket, network_origin)
        else {
            r.error(
                read::head(value.span),
                "incomplete access point description",
            );
            return None;
        };
        Some(AccessPoint {
            name,
            bucket,
            account,
            bucket_account,
            arn,
            region,
            network_origin,
            public_access_block,
            alias,
            span: value.span,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws_docs::read::read_str;

    #[test]
    fn a_vpc_access_point_needs_its_vpc() {
        let ap = read_str::<AccessPoint>(
            "ap.json",
            r#"{"Name": "ap1", "Bucket": "b", "NetworkOrigin": "VPC", "VpcConfiguration": {"VpcId": "vpc-1a2b3c4d"},
               "AccessPointArn": "arn:aws:s3:eu-west-1:111122223333:accesspoint/ap1", "BucketAccountId": "444455556666"}"#,
        )
        .unwrap()
        .doc;
        assert_eq!(
            ap.network_origin,
            NetworkOrigin::Vpc {
                vpc_id: "vpc-1a2b3c4d".into()
            }
        );
        assert_eq!(ap.account.as_deref(), Some("111122223333"));
        assert_eq!(ap.region.as_deref(), Some("eu-west-1"));
        assert_eq!(ap.bucket_account.unwrap().value, "444455556666");
        let err = read_str::<AccessPoint>(
            "ap.json",
            r#"{"Name": "ap1", "Bucket": "b", "NetworkOrigin": "VPC"}"#,
        )
        .unwrap_err();
        assert_eq!(
            err.findings[0].finding.message,
            "the document has no `VpcConfiguration`"
        );
    }

    #[test]
    fn the_arn_must_name_the_same_access_point() {
        let err = read_str::<AccessPoint>(
            "ap.json",
            r#"{"Name": "ap1", "Bucket": "b", "NetworkOrigin": "Internet",
               "AccessPointArn": "arn:aws:s3:eu-west-1:111122223333:accesspoint/ap2"}"#,
        )
        .unwrap_err();
        assert!(err.findings[0].finding.message.contains("`ap2`"));
    }
}
