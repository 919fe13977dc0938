//! Multi-Region Access Points: `aws s3control get-multi-region-access-point` output.
//!
//! A request through a Multi-Region Access Point must be allowed by its policy and by the
//! policy of the bucket it is routed to; its own Block Public Access settings are fixed when
//! it is created and apply with the account's and the bucket's (S3 "Permissions" and
//! "Blocking public access with Amazon S3 Multi-Region Access Points" pages).

use super::read::{self, AwsDocument, Reader};
use super::settings::{self, PublicAccessBlock};
use crate::json::Value;
use crate::policy::Spanned;
use crate::source::Span;

/// One bucket behind a Multi-Region Access Point (`Regions[]`).
#[derive(Debug, Clone, PartialEq)]
pub struct MrapRegion {
    /// `Bucket`.
    pub bucket: Spanned<String>,
    /// `Region`, if given.
    pub region: Option<String>,
    /// `BucketAccountId`, if given (a bucket of another account).
    pub bucket_account: Option<Spanned<String>>,
}

/// A Multi-Region Access Point, as `get-multi-region-access-point` describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiRegionAccessPoint {
    /// `Name`.
    pub name: Spanned<String>,
    /// `Alias` (`….mrap`): the name its ARN and requests use.
    pub alias: Spanned<String>,
    /// `PublicAccessBlock`: its own Block Public Access settings, if given.
    pub public_access_block: Option<PublicAccessBlock>,
    /// `Regions`: the buckets behind it.
    pub regions: Vec<MrapRegion>,
    /// The span of the description (the `AccessPoint` object).
    pub span: Span,
}

const OUTER_KEYS: &[&str] = &["AccessPoint"];
const KEYS: &[&str] = &[
    "Name",
    "Alias",
    "CreatedAt",
    "PublicAccessBlock",
    "Status",
    "Regions",
];
const REGION_KEYS: &[&str] = &["Bucket", "Region", "BucketAccountId"];

/// The description inside the file: under `AccessPoint` (the CLI output) or the file itself
/// (an element of `list-multi-region-access-points`).
pub fn description(value: &Value) -> &Value {
    value.get("AccessPoint").unwrap_or(value)
}

impl AwsDocument for MultiRegionAccessPoint {
    const WHAT: &'static str = "Multi-Region Access Point description";

    fn read(value: &Value, r: &mut Reader) -> Option<MultiRegionAccessPoint> {
        r.object(value, "")?;
        let (d, path) = if value.get("AccessPoint").is_some() {
            r.near_misses(value, OUTER_KEYS, "");
            (description(value), "AccessPoint")
        } else {
            (value, "")
        };
        r.object(d, path)?;
        r.near_misses(d, KEYS, path);
        let before = r.error_count();
        let name = r.req_string(d, "Name", path);
        let alias = r.req_string(d, "Alias", path);
        if let Some(a) = &alias
            && !is_alias(&a.value)
        {
            r.error(
                a.span,
                format!(
                    "`Alias` must be a Multi-Region Access Point alias (letters and digits ending in `.mrap`), found `{}`",
                    a.value
                ),
            );
        }
        let bpa_path = read::join(path, "PublicAccessBlock");
        let public_access_block = d
            .get("PublicAccessBlock")
            .and_then(|b| settings::read_bpa_flags(b, &bpa_path, r));
        let regions = read_regions(d, path, r);
        if r.error_count() != before {
            return None;
        }
        let (Some(name), Some(alias), Some(regions)) = (name, alias, regions) else {
            r.error(
                read::head(d.span),
                "incomplete Multi-Region Access Point description",
            );
            return None;
        };
        Some(MultiRegionAccessPoint {
            name,
            alias,
            public_access_block,
            regions,
            span: d.span,
        })
    }
}

/// Reads `Regions` (required: a Multi-Region Access Point has at least one bucket).
fn read_regions(d: &Value, path: &str, r: &mut Reader) -> Option<Vec<MrapRegion>> {
    let items = r.required_objects(d, "Regions", path, REGION_KEYS)?;
    let mut out = Vec::new();
    for (item, at) in items {
        let bucket = r.req_string(item, "Bucket", &at);
        let region = r.opt_string(item, "Region", &at).map(|s| s.value);
        let bucket_account = r.opt_string(item, "BucketAccountId", &at);
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
        if let Some(bucket) = bucket {
            out.push(MrapRegion {
                bucket,
                region,
                bucket_account,
            });
        }
    }
    Some(out)
}

/// Whether `s` has the form of a Multi-Region Access Point alias (`mfzwi23gnjvgw.mrap`):
/// lowercase letters and digits, then `.mrap` (S3 "Rules for naming Amazon S3 Multi-Region
/// Access Points").
pub fn is_alias(s: &str) -> bool {
    s.strip_suffix(".mrap").is_some_and(|head| {
        !head.is_empty()
            && head
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws_docs::read::read_str;

    const GOOD: &str = r#"{"AccessPoint": {"Name": "reports", "Alias": "mfzwi23gnjvgw.mrap",
        "CreatedAt": "2024-01-02T03:04:05Z", "Status": "READY",
        "PublicAccessBlock": {"BlockPublicAcls": true, "IgnorePublicAcls": true,
                              "BlockPublicPolicy": false, "RestrictPublicBuckets": false},
        "Regions": [{"Bucket": "reports-eu", "Region": "eu-west-1", "BucketAccountId": "111122223333"},
                    {"Bucket": "reports-us", "Region": "us-east-1"}]}}"#;

    #[test]
    fn the_cli_output_is_read_with_its_buckets_and_settings() {
        let m = read_str::<MultiRegionAccessPoint>("mrap.json", GOOD)
            .unwrap()
            .doc;
        assert_eq!(m.name.value, "reports");
        assert_eq!(m.alias.value, "mfzwi23gnjvgw.mrap");
        let bpa = m.public_access_block.unwrap();
        assert!(bpa.block_public_acls && !bpa.restrict_public_buckets);
        assert_eq!(m.regions.len(), 2);
        assert_eq!(m.regions[1].bucket.value, "reports-us");
        assert_eq!(
            m.regions[0].bucket_account.as_ref().unwrap().value,
            "111122223333"
        );
    }

    #[test]
    fn bad_aliases_accounts_and_missing_buckets_are_located_errors() {
        let err = read_str::<MultiRegionAccessPoint>(
            "mrap.json",
            r#"{"AccessPoint": {"Name": "r", "Alias": "reports", "Regions": [{"Bucket": "b", "BucketAccountId": "12"}]}}"#,
        )
        .unwrap_err();
        let messages: Vec<&str> = err
            .findings
            .iter()
            .map(|f| f.finding.message.as_str())
            .collect();
        assert!(messages.iter().any(|m| m.contains("`reports`")));
        assert!(messages.iter().any(|m| m.contains("12-digit")));
        let err = read_str::<MultiRegionAccessPoint>(
            "mrap.json",
            r#"{"AccessPoint": {"Name": "r", "Alias": "abc.mrap"}}"#,
        )
        .unwrap_err();
        assert!(err.findings[0].finding.message.contains("`Regions`"));
        assert!(is_alias("mfzwi23gnjvgw.mrap"));
        assert!(!is_alias(".mrap") && !is_alias("Abc.mrap") && !is_alias("abc"));
    }
}
