//! S3 Object Lambda access points: `aws s3control get-access-point-configuration-for-object-
//! lambda` output (the supporting access point and the Lambda functions that transform
//! requests) and `aws s3control get-access-point-for-object-lambda` output (its name and its
//! own Block Public Access settings).
//!
//! A request through an Object Lambda access point needs the caller's identity, the Object
//! Lambda access point, the supporting access point (with its bucket) and the Lambda function
//! to allow it (S3 "Configuring IAM policies for Object Lambda access points").

use super::read::{self, AwsDocument, Reader};
use super::settings::{self, PublicAccessBlock};
use crate::json::Value;
use crate::policy::Spanned;
use crate::source::Span;

/// One transformation: the S3 operations it applies to and the function that performs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Transformation {
    /// `Actions`: `GetObject`, `HeadObject`, `ListObjects`, `ListObjectsV2`.
    pub actions: Vec<Spanned<String>>,
    /// `ContentTransformation.AwsLambda.FunctionArn`.
    pub function_arn: Spanned<String>,
}

/// An Object Lambda access point's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectLambdaConfiguration {
    /// `SupportingAccessPoint`: the standard access point's ARN.
    pub supporting_access_point: Spanned<String>,
    /// `TransformationConfigurations`.
    pub transformations: Vec<Transformation>,
    /// The span of the configuration object.
    pub span: Span,
}

/// The operations a transformation may name (S3 API `ObjectLambdaTransformationConfiguration`,
/// `Actions`).
pub const TRANSFORMED: &[&str] = &["GetObject", "HeadObject", "ListObjects", "ListObjectsV2"];

const OUTER_KEYS: &[&str] = &["Configuration"];
const KEYS: &[&str] = &[
    "SupportingAccessPoint",
    "CloudWatchMetricsEnabled",
    "AllowedFeatures",
    "TransformationConfigurations",
];
const TRANSFORMATION_KEYS: &[&str] = &["Actions", "ContentTransformation"];

impl AwsDocument for ObjectLambdaConfiguration {
    const WHAT: &'static str = "Object Lambda access point configuration";

    fn read(value: &Value, r: &mut Reader) -> Option<ObjectLambdaConfiguration> {
        r.object(value, "")?;
        let (c, path) = match value.get("Configuration") {
            Some(inner) => {
                r.near_misses(value, OUTER_KEYS, "");
                (inner, "Configuration")
            }
            None => (value, ""),
        };
        r.object(c, path)?;
        r.near_misses(c, KEYS, path);
        let before = r.error_count();
        let supporting = r.req_string(c, "SupportingAccessPoint", path);
        if let Some(s) = &supporting
            && supporting_parts(&s.value).is_none()
        {
            r.error(
                s.span,
                format!(
                    "`SupportingAccessPoint` must be an access point ARN (arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME), found `{}`",
                    s.value
                ),
            );
        }
        let transformations = read_transformations(c, path, r);
        if r.error_count() != before {
            return None;
        }
        Some(ObjectLambdaConfiguration {
            supporting_access_point: supporting?,
            transformations: transformations?,
            span: c.span,
        })
    }
}

/// Reads `TransformationConfigurations` (required: an Object Lambda access point has at
/// least one).
fn read_transformations(c: &Value, path: &str, r: &mut Reader) -> Option<Vec<Transformation>> {
    let items = r.required_objects(c, "TransformationConfigurations", path, TRANSFORMATION_KEYS)?;
    let mut out = Vec::new();
    for (item, at) in items {
        let actions = r
            .required(item, "Actions", &at)
            .and_then(|a| r.strings(a, &read::join(&at, "Actions")))
            .unwrap_or_default();
        for a in &actions {
            if !TRANSFORMED.contains(&a.value.as_str()) {
                r.error(
                    a.span,
                    format!(
                        "`{}` is not an operation S3 Object Lambda transforms (one of {})",
                        a.value,
                        TRANSFORMED.join(", ")
                    ),
                );
            }
        }
        let function = function_arn(item, &at, r);
        if let Some(function_arn) = function {
            out.push(Transformation {
                actions,
                function_arn,
            });
        }
    }
    Some(out)
}

/// `ContentTransformation.AwsLambda.FunctionArn`, which must be a Lambda function ARN.
fn function_arn(item: &Value, at: &str, r: &mut Reader) -> Option<Spanned<String>> {
    let ct_path = read::join(at, "ContentTransformation");
    let ct = r.required(item, "ContentTransformation", at)?;
    r.object(ct, &ct_path)?;
    r.near_misses(ct, &["AwsLambda"], &ct_path);
    let lambda_path = read::join(&ct_path, "AwsLambda");
    let lambda = r.required(ct, "AwsLambda", &ct_path)?;
    r.object(lambda, &lambda_path)?;
    r.near_misses(lambda, &["FunctionArn", "FunctionPayload"], &lambda_path);
    let arn = r.req_string(lambda, "FunctionArn", &lambda_path)?;
    let ok = crate::arn::parse(&arn.value)
        .is_ok_and(|a| a.service == "lambda" && a.resource.starts_with("function:"));
    if !ok {
        r.error(
            arn.span,
            format!(
                "`FunctionArn` must be a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME), found `{}`",
                arn.value
            ),
        );
        return None;
    }
    Some(arn)
}

/// The region, account and name of a standard access point ARN.
pub fn supporting_parts(arn: &str) -> Option<(String, String, String)> {
    let a = crate::arn::parse(arn).ok()?;
    let name = a.resource.strip_prefix("accesspoint/")?;
    let ok = a.service == "s3"
        && !a.region.is_empty()
        && crate::arn::is_account_id(a.account)
        && !name.is_empty()
        && !name.contains('/');
    ok.then(|| {
        (
            a.region.to_string(),
            a.account.to_string(),
            name.to_string(),
        )
    })
}

/// An Object Lambda access point, as `get-access-point-for-object-lambda` describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectLambdaAccessPoint {
    /// `Name`.
    pub name: Spanned<String>,
    /// `PublicAccessBlockConfiguration`, if given.
    pub public_access_block: Option<PublicAccessBlock>,
    /// The span of the description.
    pub span: Span,
}

const DESCRIPTION_KEYS: &[&str] = &[
    "Name",
    "PublicAccessBlockConfiguration",
    "CreationDate",
    "Alias",
];

impl AwsDocument for ObjectLambdaAccessPoint {
    const WHAT: &'static str = "Object Lambda access point description";

    fn read(value: &Value, r: &mut Reader) -> Option<ObjectLambdaAccessPoint> {
        r.object(value, "")?;
        r.near_misses(value, DESCRIPTION_KEYS, "");
        let before = r.error_count();
        let name = r.req_string(value, "Name", "");
        let public_access_block = value
            .get("PublicAccessBlockConfiguration")
            .and_then(|b| settings::read_bpa_flags(b, "PublicAccessBlockConfiguration", r));
        if r.error_count() != before {
            return None;
        }
        Some(ObjectLambdaAccessPoint {
            name: name?,
            public_access_block,
            span: value.span,
        })
    }
}

/// The region, account, name and object key (if any) of an Object Lambda access point ARN:
/// `arn:aws:s3-object-lambda:REGION:ACCOUNT:accesspoint/NAME`, optionally followed by
/// `/object/KEY` to name an object, as access point ARNs do.
pub fn olap_parts(arn: &str) -> Option<(&str, &str, &str, Option<&str>)> {
    let a = crate::arn::Arn::split(arn)?;
    if a.service != "s3-object-lambda" {
        return None;
    }
    let rest = a.resource.strip_prefix("accesspoint/")?;
    let (name, key) = match rest.split_once('/') {
        Some((n, tail)) => (n, Some(tail.strip_prefix("object/")?)),
        None => (rest, None),
    };
    (!name.is_empty()).then_some((a.region, a.account, name, key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws_docs::read::read_str;

    const CONFIG: &str = r#"{"Configuration": {
        "SupportingAccessPoint": "arn:aws:s3:us-east-1:111122223333:accesspoint/example-ap",
        "CloudWatchMetricsEnabled": false,
        "AllowedFeatures": ["GetObject-Range"],
        "TransformationConfigurations": [{"Actions": ["GetObject"],
            "ContentTransformation": {"AwsLambda": {"FunctionArn": "arn:aws:lambda:us-east-1:111122223333:function:compress",
                                                    "FunctionPayload": "{}"}}}]}}"#;

    #[test]
    fn the_cli_configuration_is_read() {
        let c = read_str::<ObjectLambdaConfiguration>("c.json", CONFIG)
            .unwrap()
            .doc;
        assert_eq!(
            c.supporting_access_point.value,
            "arn:aws:s3:us-east-1:111122223333:accesspoint/example-ap"
        );
        assert_eq!(c.transformations.len(), 1);
        assert_eq!(c.transformations[0].actions[0].value, "GetObject");
        assert!(
            c.transformations[0]
                .function_arn
                .value
                .ends_with(":compress")
        );
    }

    #[test]
    fn bad_arns_and_operations_are_located_errors() {
        let err = read_str::<ObjectLambdaConfiguration>(
            "c.json",
            r#"{"SupportingAccessPoint": "arn:aws:s3:::bucket", "TransformationConfigurations": [
                {"Actions": ["PutObject"], "ContentTransformation": {"AwsLambda": {"FunctionArn": "arn:aws:sns:us-east-1:111122223333:t"}}}]}"#,
        )
        .unwrap_err();
        let messages: Vec<&str> = err
            .findings
            .iter()
            .map(|f| f.finding.message.as_str())
            .collect();
        assert!(
            messages
                .iter()
                .any(|m| m.contains("`SupportingAccessPoint`"))
        );
        assert!(messages.iter().any(|m| m.contains("`PutObject`")));
        assert!(messages.iter().any(|m| m.contains("`FunctionArn`")));
        let err = read_str::<ObjectLambdaConfiguration>(
            "c.json",
            r#"{"SupportingAccessPoint": "arn:aws:s3:us-east-1:111122223333:accesspoint/ap"}"#,
        )
        .unwrap_err();
        assert!(
            err.findings[0]
                .finding
                .message
                .contains("TransformationConfigurations")
        );
    }

    #[test]
    fn descriptions_and_arns() {
        let d = read_str::<ObjectLambdaAccessPoint>(
            "d.json",
            r#"{"Name": "my-olap", "PublicAccessBlockConfiguration": {"BlockPublicAcls": true,
                "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true},
                "CreationDate": "2024-01-01T00:00:00Z", "Alias": {"Value": "my-olap-abc--ol-s3", "Status": "READY"}}"#,
        )
        .unwrap()
        .doc;
        assert_eq!(d.name.value, "my-olap");
        assert!(d.public_access_block.unwrap().restrict_public_buckets);
        assert_eq!(
            olap_parts("arn:aws:s3-object-lambda:us-east-1:111122223333:accesspoint/o/object/a/b"),
            Some(("us-east-1", "111122223333", "o", Some("a/b")))
        );
        assert_eq!(
            olap_parts("arn:aws:s3:us-east-1:111122223333:accesspoint/o"),
            None
        );
        assert!(supporting_parts("arn:aws:s3:us-east-1:111122223333:accesspoint/ap").is_some());
        assert!(supporting_parts("arn:aws:s3:us-east-1:111122223333:accesspoint/ap/x").is_none());
    }
}
