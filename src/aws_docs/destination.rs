//! Event notification destinations: the resource policy of an SNS topic, SQS queue or Lambda
//! function a bucket sends its events to, as the AWS CLI prints it.
//!
//! - `aws sns get-topic-attributes`: `{"Attributes": {"Policy": "<policy>", "TopicArn": ..}}`;
//! - `aws sqs get-queue-attributes --attribute-names Policy QueueArn`: `{"Attributes":
//!   {"Policy": "<policy>", "QueueArn": ..}}`, without `Policy` when the queue has none;
//! - `aws lambda get-policy`: `{"Policy": "<policy>", "RevisionId": ..}`;
//! - or the policy itself.
//!
//! The policy stays a string inside the file: it is lowered by `load::analyze_value`, which
//! recognises these outputs (`document`) and keeps every span inside the string, so findings
//! point at the line and column of the file the user has. This reader keeps what `document`
//! does not: the destination's own ARN, to check the file is the one its name says.

use super::read::{AwsDocument, Reader, head};
use super::settings::DestinationKind;
use crate::json::Value;
use crate::policy::Spanned;
use crate::source::Span;

/// A destination's policy file.
#[derive(Debug, Clone, PartialEq)]
pub struct DestinationPolicy {
    /// `Attributes.TopicArn` or `Attributes.QueueArn`, when printed.
    pub arn: Option<Spanned<String>>,
    /// Whether the file holds a policy; `false` for queue attributes without `Policy` (a
    /// queue with no policy: no one outside the owner's IAM policies may use it).
    pub has_policy: bool,
    /// `Attributes.KmsMasterKeyId`: the KMS key the topic or queue encrypts messages with
    /// (a key id, key ARN, alias name or alias ARN), when printed.
    pub kms_key: Option<Spanned<String>>,
    /// The span of the document.
    pub span: Span,
}

/// The attributes s3-access reads; a near-miss of one is an error (a misspelt `Policy` would
/// read as "no policy").
const ATTRIBUTES: &[&str] = &["Policy", "TopicArn", "QueueArn", "KmsMasterKeyId"];

impl AwsDocument for DestinationPolicy {
    const WHAT: &'static str = "notification destination policy";

    fn read(value: &Value, r: &mut Reader) -> Option<DestinationPolicy> {
        r.object(value, "")?;
        let before = r.error_count();
        let (arn, has_policy, kms_key) = if let Some(attributes) = value.get("Attributes") {
            r.object(attributes, "Attributes")?;
            r.near_misses(attributes, ATTRIBUTES, "Attributes");
            let topic = r.opt_string(attributes, "TopicArn", "Attributes");
            let queue = r.opt_string(attributes, "QueueArn", "Attributes");
            // An empty KmsMasterKeyId is how the CLI prints an unencrypted queue or topic.
            let kms_key = r
                .opt_string(attributes, "KmsMasterKeyId", "Attributes")
                .filter(|k| !k.value.is_empty());
            let policy = attributes.get("Policy");
            if let Some(p) = policy {
                r.string(p, "Attributes.Policy");
            }
            (topic.or(queue), policy.is_some(), kms_key)
        } else if let Some(p) = value.get("Policy") {
            r.string(p, "Policy");
            (None, true, None)
        } else if value.get("Statement").is_some() {
            (None, true, None)
        } else {
            r.error_with_help(
                head(value.span),
                "this is not a destination policy: no `Attributes`, `Policy` or `Statement`",
                "save the output of `aws sns get-topic-attributes`, `aws sqs get-queue-attributes --attribute-names Policy QueueArn` or `aws lambda get-policy`",
            );
            (None, false, None)
        };
        (r.error_count() == before).then_some(DestinationPolicy {
            arn,
            has_policy,
            kms_key,
            span: value.span,
        })
    }
}

/// Where a destination's policy file lies in a bucket folder, relative to `destinations/`:
/// `sns/<topic>.json`, `sqs/<queue>.json`, `lambda/<function>.json`, or
/// `lambda/<function>.<qualifier>.json` for a version or alias. `None` when `arn` is not an
/// ARN of the kind's service.
pub fn file_of(kind: DestinationKind, arn: &str) -> Option<(&'static str, String)> {
    let a = crate::arn::parse(arn).ok()?;
    let name = |n: &str| (!n.is_empty() && !n.contains(['/', '\\'])).then(|| n.to_string());
    match kind {
        DestinationKind::Topic if a.service == "sns" => Some(("sns", name(a.resource)?)),
        DestinationKind::Queue if a.service == "sqs" => Some(("sqs", name(a.resource)?)),
        DestinationKind::LambdaFunction if a.service == "lambda" => {
            let rest = a.resource.strip_prefix("function:")?;
            let file = match rest.split_once(':') {
                Some((function, qualifier)) => format!("{function}.{qualifier}"),
                None => rest.to_string(),
            };
            Some(("lambda", name(&file)?))
        }
        _ => None,
    }
}

/// The action S3 calls on a destination to deliver an event (S3 "Granting permissions to
/// publish event notification messages to a destination").
pub fn delivery_action(kind: DestinationKind) -> &'static str {
    match kind {
        DestinationKind::Topic => "sns:Publish",
        DestinationKind::Queue => "sqs:SendMessage",
        DestinationKind::LambdaFunction => "lambda:InvokeFunction",
    }
}

/// The actions that read what S3 delivered: subscribing to a topic, receiving from a queue
/// (a function keeps no messages). Event messages name object keys, sizes and requesters.
pub fn reading_actions(kind: DestinationKind) -> &'static [&'static str] {
    match kind {
        DestinationKind::Topic => &["sns:Subscribe"],
        DestinationKind::Queue => &["sqs:ReceiveMessage"],
        DestinationKind::LambdaFunction => &[],
    }
}

/// What a destination is called in messages.
pub fn kind_name(kind: DestinationKind) -> &'static str {
    match kind {
        DestinationKind::Topic => "SNS topic",
        DestinationKind::Queue => "SQS queue",
        DestinationKind::LambdaFunction => "Lambda function",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws_docs::read::read_str;

    fn read(text: &str) -> DestinationPolicy {
        read_str::<DestinationPolicy>("d.json", text).unwrap().doc
    }

    #[test]
    fn the_three_cli_outputs_and_a_bare_policy() {
        let sns = read(
            r#"{"Attributes": {"Policy": "{}", "Owner": "111122223333", "DeliveryPolicy": "", "TopicArn": "arn:aws:sns:eu-west-1:111122223333:t"}}"#,
        );
        assert!(sns.has_policy);
        assert_eq!(
            sns.arn.unwrap().value,
            "arn:aws:sns:eu-west-1:111122223333:t"
        );
        let queue = read(r#"{"Attributes": {"QueueArn": "arn:aws:sqs:eu-west-1:111122223333:q"}}"#);
        assert!(!queue.has_policy);
        let lambda = read(r#"{"Policy": "{}", "RevisionId": "r"}"#);
        assert!(lambda.has_policy && lambda.arn.is_none());
        assert!(read(r#"{"Statement": []}"#).has_policy);
    }

    #[test]
    fn wrong_shapes_are_located_errors() {
        for text in [
            "[]",
            r#"{"Attributes": []}"#,
            r#"{"Attributes": {"Policy": {}}}"#,
            r#"{"Attributes": {"Polciy": "{}"}}"#,
            r#"{"Attributes": {"TopicArn": 1}}"#,
            r#"{"Policy": 3}"#,
            r#"{"Other": 1}"#,
        ] {
            assert!(
                read_str::<DestinationPolicy>("d.json", text).is_err(),
                "{text}"
            );
        }
    }

    #[test]
    fn file_names_follow_the_arn() {
        let t = DestinationKind::Topic;
        let f = DestinationKind::LambdaFunction;
        assert_eq!(
            file_of(t, "arn:aws:sns:eu-west-1:111122223333:alerts"),
            Some(("sns", "alerts".into()))
        );
        assert_eq!(
            file_of(
                f,
                "arn:aws:lambda:eu-west-1:111122223333:function:resize:prod"
            ),
            Some(("lambda", "resize.prod".into()))
        );
        assert_eq!(
            file_of(f, "arn:aws:lambda:eu-west-1:111122223333:function:resize"),
            Some(("lambda", "resize".into()))
        );
        assert_eq!(file_of(t, "arn:aws:sqs:eu-west-1:111122223333:q"), None);
        assert_eq!(file_of(t, "arn:aws:sns:eu-west-1:111122223333:../x"), None);
        assert_eq!(file_of(t, "not an arn"), None);
    }
}
