//! Event notification destinations (issue 15, item 3c). S3 delivers an event by calling the
//! destination as the service principal `s3.amazonaws.com`, naming the bucket in
//! `aws:SourceArn` and its owner in `aws:SourceAccount`; the SNS topic, SQS queue or Lambda
//! function policy must allow that call (S3 "Granting permissions to publish event
//! notification messages to a destination"). Each destination policy of the folder's
//! `destinations/` is compiled as the resource policy of its own request and asked:
//!
//! - S516 notification-destination-refused: S3's delivery request for this bucket is not
//!   allowed: the destination cannot receive the bucket's events;
//! - S517 notification-destination-open: a caller of any other account may publish to, send
//!   to or invoke the destination (fake events reach whatever consumes it), or subscribe to
//!   or receive from it (the bucket's events leak);
//! - S307 service-grant-unpinned (main rule in `audit/services.rs`): a service principal let
//!   in without `aws:SourceArn`/`aws:SourceAccount` (the confused deputy);
//! - S518 notification-destination-unchecked: a destination whose policy the folder does not
//!   hold is named, never passed over as fine;
//! - S523 notification-destination-key-refused: an SNS topic or SQS queue encrypted with a KMS
//!   key that does not let S3 use it (an AWS managed key, or a key policy without S3).

use super::push;
use crate::audit::{self, Audited, head, statement};
use crate::aws_docs::destination::{
    DestinationPolicy, delivery_action, file_of, kind_name, reading_actions,
};
use crate::aws_docs::folder::{BucketFolder, DestinationFile, Setting, names};
use crate::aws_docs::read::Loaded;
use crate::aws_docs::settings::Notification;
use crate::diagnostic::Finding;
use crate::eval::kms::{key_dir_name, key_named};
use crate::eval::{Caller, Decision, Graph, Layer, Request, Response, decide};
use crate::load::{self, LoadOptions};
use crate::policy::PolicyKind;
use crate::registry::Code;

use crate::audit::NOW;

/// The help of S518: where the missing file comes from.
const FETCH_HELP: &str = "scripts/fetch-bucket.sh fetches it; see docs/bucket-folder.md";

/// The service principal S3 delivers event notifications as.
pub const S3_SERVICE: &str = "s3.amazonaws.com";

/// Runs S516, S517, S518 and S307 on the destinations of the bucket's notification
/// configuration.
pub(super) fn check(folder: &BucketFolder, out: &mut Vec<Audited>) {
    let Setting::Present(notifications) = &folder.notification else {
        return;
    };
    let mut judged: Vec<(&DestinationFile, Option<Graph>)> = Vec::new();
    for n in &notifications.doc.destinations {
        let Some(file) = folder.destination(n.kind, &n.arn.value) else {
            destination_unchecked(folder, &notifications.source, n, out);
            continue;
        };
        let graph = match judged.iter().position(|(f, _)| std::ptr::eq(*f, file)) {
            Some(i) => judged[i].1.as_ref(),
            None => {
                let graph = match &file.policy {
                    Setting::Present(p) if p.doc.has_policy => match compile(p) {
                        Some(g) => Some(g),
                        // The policy does not lower (its own lint says why): not judged.
                        None => continue,
                    },
                    Setting::Present(_) | Setting::Absent { .. } => None,
                    // The file failed to load; its errors are reported.
                    Setting::Unknown => continue,
                };
                if let (Some(g), Setting::Present(p)) = (&graph, &file.policy) {
                    destination_open(folder, n, g, p, out);
                    confused_deputy(folder, g, out);
                }
                if let Setting::Present(p) = &file.policy {
                    destination_key_refused(folder, n, p, out);
                }
                judged.push((file, graph));
                judged.last().and_then(|(_, g)| g.as_ref())
            }
        };
        destination_refused(folder, &notifications.source, n, file, graph, out);
    }
}

/// The destination's policy compiled as the resource policy of the requests made to it. The
/// graph's resource-policy layer ([`Layer::Bucket`], with no S3 facts) applies IAM's generic
/// rules: a service principal is allowed only by a statement naming it, another account only
/// by a statement naming it and its own policies.
fn compile(p: &Loaded<DestinationPolicy>) -> Option<Graph> {
    let options = LoadOptions::of_kind(PolicyKind::Resource);
    let a = load::analyze_value(p.source.clone(), &p.root, &options, Vec::new());
    if a.policies.is_empty() {
        return None;
    }
    let mut graph = Graph::new();
    for policy in a.policies {
        graph.add(p.source.clone(), policy, Layer::Bucket, 0);
    }
    Some(graph)
}

/// The account of a destination ARN (empty when it has none).
fn account_of(arn: &str) -> String {
    crate::arn::parse(arn)
        .map(|a| a.account.to_string())
        .unwrap_or_default()
}

/// Why an answer that is not `Allow` may still be wrong, in a few words, or nothing.
fn uncertain(response: &Response) -> String {
    match response.uncertain.first() {
        Some(u) => format!("; uncertain: {}", u.reason),
        None => String::new(),
    }
}

// rule: S516
/// S3's delivery request for this bucket, asked of the destination's policy; a destination
/// with no policy at all (`{}`, or queue attributes without `Policy`) refuses it too: a service
/// principal needs a resource-policy grant.
fn destination_refused(
    folder: &BucketFolder,
    source: &crate::source::SourceFile,
    n: &Notification,
    file: &DestinationFile,
    graph: Option<&Graph>,
    out: &mut Vec<Audited>,
) {
    let action = delivery_action(n.kind);
    let bucket = folder.bucket();
    let owner = folder.account_id();
    let place = file_path(file);
    let why = match graph {
        None => format!("{place} records no policy"),
        Some(g) => {
            // The request S3 makes for each event: it names the bucket and its owner.
            let context = vec![
                (
                    "aws:SourceArn".to_string(),
                    format!("arn:aws:s3:::{bucket}"),
                ),
                ("aws:SourceAccount".to_string(), owner.to_string()),
            ];
            let request = Request::new(
                Caller::Service {
                    name: S3_SERVICE.to_string(),
                },
                action,
                &n.arn.value,
                Some(&account_of(&n.arn.value)),
                &context,
                NOW,
            );
            let response = decide(g, &request, false);
            if response.decision == Decision::Allow {
                return;
            }
            format!(
                "its policy ({place}) gives {} for {action} by {S3_SERVICE} with aws:SourceArn arn:aws:s3:::{bucket} and aws:SourceAccount {owner}{}",
                response.decision.as_str(),
                uncertain(&response)
            )
        }
    };
    push(
        out,
        source,
        Finding::new(
            Code::NotificationDestinationRefused,
            n.arn.span,
            format!(
                "the {} `{}` cannot receive this bucket's event notifications: {why}",
                kind_name(n.kind),
                n.arn.value
            ),
        )
        .with_help(format!(
            "add to the destination's policy: {{\"Effect\": \"Allow\", \"Principal\": {{\"Service\": \"{S3_SERVICE}\"}}, \"Action\": \"{action}\", \"Resource\": \"{}\", \"Condition\": {{\"ArnLike\": {{\"aws:SourceArn\": \"arn:aws:s3:::{bucket}\"}}, \"StringEquals\": {{\"aws:SourceAccount\": \"{owner}\"}}}}}}",
            n.arn.value
        )),
    );
}

// rule: S517
/// A caller of an account unrelated to the bucket and the destination (and to every
/// condition) asks the delivery action, and the actions that read what was delivered,
/// directly, with nothing in its request but what every request has: when the policy allows
/// one, anyone with an AWS account can.
fn destination_open(
    folder: &BucketFolder,
    n: &Notification,
    graph: &Graph,
    p: &Loaded<DestinationPolicy>,
    out: &mut Vec<Audited>,
) {
    let destination = account_of(&n.arn.value);
    let stranger = ["999999999999", "999999999998", "999999999997"]
        .into_iter()
        .find(|a| *a != destination && *a != folder.account_id())
        .unwrap_or("999999999999");
    let Ok(caller) = Caller::parse(stranger) else {
        return;
    };
    let delivery = delivery_action(n.kind);
    let mut allowed: Vec<&str> = Vec::new();
    let mut at = None;
    for action in std::iter::once(delivery).chain(reading_actions(n.kind).iter().copied()) {
        let request = Request::new(
            caller.clone(),
            action,
            &n.arn.value,
            Some(&destination),
            &[],
            NOW,
        );
        let response = decide(graph, &request, false);
        if response.decision != Decision::Allow {
            continue;
        }
        allowed.push(action);
        at = at.or_else(|| {
            response
                .determining
                .iter()
                .filter_map(|id| statement(graph, *id))
                .map(|(_, st, _)| head(st))
                .next()
        });
    }
    if allowed.is_empty() {
        return;
    }
    let writes = allowed.contains(&delivery);
    let reads = allowed.len() > usize::from(writes);
    let what = match (writes, reads) {
        (true, false) => "whatever consumes it can be sent fake events",
        (false, _) => "the bucket's events (object keys, sizes, requesters) can be read by anyone",
        (true, true) => {
            "whatever consumes it can be sent fake events, and the bucket's events (object keys, sizes, requesters) can be read by anyone"
        }
    };
    let at = at.unwrap_or(crate::source::Span::new(
        p.doc.span.start as usize,
        p.doc.span.start as usize + 1,
    ));
    push(
        out,
        &p.source,
        Finding::new(
            Code::NotificationDestinationOpen,
            at,
            format!(
                "any AWS account may call {} on the {} `{}`, a destination of `{}`'s event notifications: {what}",
                allowed.join(" and "),
                kind_name(n.kind),
                n.arn.value,
                folder.bucket()
            ),
        )
        .with_help(format!(
            "name the principals that may call it, or pin the grant with conditions on aws:SourceArn (arn:aws:s3:::{}) and aws:SourceAccount ({})",
            folder.bucket(),
            folder.account_id()
        )),
    );
}

// rule: S523
/// An encrypted topic or queue: S3 encrypts each event with the destination's KMS key as the
/// service principal `s3.amazonaws.com`, so the key policy must allow it `kms:GenerateDataKey`
/// and `kms:Decrypt`; an AWS managed key (`aws/sns`, `aws/sqs`) never can, since its key policy
/// cannot be changed (S3 "Granting permissions to publish event notification messages to a
/// destination", AWS KMS key policy; SQS "Configuring KMS permissions"). A key the folder
/// does not hold is not checked, and S518 says so.
fn destination_key_refused(
    folder: &BucketFolder,
    n: &Notification,
    p: &Loaded<DestinationPolicy>,
    out: &mut Vec<Audited>,
) {
    let Some(key) = &p.doc.kms_key else {
        return;
    };
    let what = format!("the {} `{}`", kind_name(n.kind), n.arn.value);
    let managed = ["alias/aws/sns", "alias/aws/sqs"]
        .iter()
        .any(|m| key.value == *m || key.value.ends_with(&format!(":{m}")));
    let why = if managed {
        format!(
            "{what} encrypts messages with the AWS managed key `{}`, whose key policy cannot let {S3_SERVICE} use it",
            key.value
        )
    } else {
        // S3 sends events only to destinations in the bucket's region, so the key, named by id,
        // is in the destination's account and region.
        let at = crate::arn::parse(&n.arn.value).ok();
        let region = folder.region().or(at.as_ref().map(|a| a.region));
        let Some((kms, graph)) = key_named(folder, &key.value, &account_of(&n.arn.value), region)
        else {
            let place = format!(
                "{}/{}/{}/key-policy.json",
                folder.dir.display(),
                names::KMS_DIR,
                key_dir_name(&key.value)
            );
            let message = format!(
                "{what} encrypts messages with the KMS key `{}`, whose key policy is not in the bucket folder ({place}): whether S3 may use the key to deliver events is not checked",
                key.value
            );
            let finding = Finding::new(Code::NotificationDestinationUnchecked, key.span, message)
                .with_help(FETCH_HELP);
            push(out, &p.source, finding);
            return;
        };
        let bucket = folder.bucket();
        let context = vec![
            (
                "aws:SourceArn".to_string(),
                format!("arn:aws:s3:::{bucket}"),
            ),
            (
                "aws:SourceAccount".to_string(),
                folder.account_id().to_string(),
            ),
        ];
        let caller = Caller::Service {
            name: S3_SERVICE.to_string(),
        };
        let refused: Vec<String> = ["kms:GenerateDataKey", "kms:Decrypt"]
            .into_iter()
            .filter_map(|action| {
                let request = Request::new(
                    caller.clone(),
                    action,
                    &kms.arn,
                    Some(&kms.account),
                    &context,
                    NOW,
                );
                let response = decide(&graph, &request, false);
                (response.decision != Decision::Allow).then(|| {
                    format!(
                        "{} for {action}{}",
                        response.decision.as_str(),
                        uncertain(&response)
                    )
                })
            })
            .collect();
        if refused.is_empty() {
            return;
        }
        format!(
            "{what} encrypts messages with the KMS key `{}`, whose key policy ({}) gives {S3_SERVICE} {}",
            kms.arn,
            kms.from,
            refused.join(" and ")
        )
    };
    push(
        out,
        &p.source,
        Finding::new(
            Code::NotificationDestinationKeyRefused,
            key.span,
            format!("{why}: S3 cannot deliver `{}`'s event notifications to it", folder.bucket()),
        )
        .with_help(format!(
            "encrypt the destination with a customer managed key whose key policy has {{\"Effect\": \"Allow\", \"Principal\": {{\"Service\": \"{S3_SERVICE}\"}}, \"Action\": [\"kms:GenerateDataKey\", \"kms:Decrypt\"], \"Resource\": \"*\"}}"
        )),
    );
}

/// S307 on the destination's policy: the rule of `audit/services.rs`, asked of this graph
/// (it reads no trust: a service acting for a trusted account is still a confused deputy).
fn confused_deputy(folder: &BucketFolder, graph: &Graph, out: &mut Vec<Audited>) {
    let trust = audit::Trust::default();
    let shapes = audit::coverage::Shapes::new(graph, folder.bucket());
    let ctx = audit::Context {
        shapes: &shapes,
        graph,
        bucket: folder.bucket(),
        bucket_known: true,
        owner: Some(folder.account_id()),
        trust: &trust,
        default_encryption: None,
        bpa_known: false,
    };
    audit::services::check(&ctx, out);
}

// rule: S518
/// A destination whose policy the folder does not hold: not checked, and said so.
fn destination_unchecked(
    folder: &BucketFolder,
    source: &crate::source::SourceFile,
    n: &Notification,
    out: &mut Vec<Audited>,
) {
    let place = match file_of(n.kind, &n.arn.value) {
        Some((service, name)) => format!(
            "{}/{}/{service}/{name}.json",
            folder.dir.display(),
            names::DESTINATIONS_DIR
        ),
        None => format!("no file: `{}` names no {}", n.arn.value, kind_name(n.kind)),
    };
    push(
        out,
        source,
        Finding::new(
            Code::NotificationDestinationUnchecked,
            n.arn.span,
            format!(
                "the policy of the {} `{}` is not in the bucket folder ({place}): whether S3 can deliver to it, and who else can, is not checked",
                kind_name(n.kind),
                n.arn.value
            ),
        )
        .with_help(FETCH_HELP),
    );
}

/// Where a destination's policy file lies, for messages.
fn file_path(file: &DestinationFile) -> String {
    match &file.policy {
        Setting::Present(p) => p.source.name().to_string(),
        Setting::Absent { source } => source.name().to_string(),
        Setting::Unknown => format!("destinations/.../{}.json", file.name),
    }
}
