//! S510 presigned-url-unlimited: a bucket policy that refuses no presigned request, however
//! old its signature. A presigned URL works for whoever holds it until it expires; a Deny on
//! `s3:signatureAge` or `s3:authType` is the bucket owner's only limit (S3 "Limiting presigned
//! URL capabilities", in "Sharing objects with presigned URLs").

use super::{Audited, Context, statement};
use crate::diagnostic::Finding;
use crate::eval::graph::Layer;
use crate::policy::Effect;
use crate::registry::Code;

// rule: S510
/// Runs S510 on the bucket policy of `ctx.graph`: a note unless some bucket-policy Deny
/// conditions on `s3:signatureAge` or `s3:authType`.
pub fn check(ctx: &Context<'_>, out: &mut Vec<Audited>) {
    let graph = ctx.graph;
    let Some((_, doc)) = graph.documents_of(Layer::Bucket).next() else {
        return;
    };
    let limits = (0..graph.statements.len()).any(|id| {
        statement(graph, id).is_some_and(|(_, st, layer)| {
            layer == Layer::Bucket
                && st.effect.value == Effect::Deny
                && st.conditions.iter().any(|c| {
                    matches!(
                        c.key.value.to_ascii_lowercase().as_str(),
                        "s3:signatureage" | "s3:authtype"
                    )
                })
        })
    });
    if limits {
        return;
    }
    let span = super::policy_head(&doc.policy);
    out.push(Audited {
        source: doc.source.clone(),
        finding: Finding::new(
            Code::PresignedUrlUnlimited,
            span,
            "no statement limits presigned URLs: anyone holding one can use it until it expires (up to 7 days for SigV4), from anywhere",
        )
        .with_help("if the bucket does not need presigned URLs, refuse them: {\"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\": \"s3:*\", \"Resource\": \"arn:aws:s3:::BUCKET/*\", \"Condition\": {\"StringEquals\": {\"s3:authType\": \"REST-QUERY-STRING\"}}}; otherwise limit their age with `NumericGreaterThan` on `s3:signatureAge` (milliseconds)"),
    });
}
