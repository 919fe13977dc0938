//! Checks on a bucket's configuration, from a bucket folder (`docs/bucket-folder.md`), plus the
//! presigned-URL note on bucket policies. A setting the folder does not have is not judged:
//! only what is known is reported.
//!
//! - S105 public-acl-grant: a bucket or object ACL grant to All Users or Authenticated Users
//!   (a note when IgnorePublicAcls or BucketOwnerEnforced neutralise it);
//! - S201 insecure-transport-allowed, for a bucket with no bucket policy at all;
//! - S204 kms-key-of-another-account, for the default encryption key;
//! - S205 default-encryption-missing;
//! - S306 permissions-management-granted, for ACL grants of WRITE_ACP / FULL_CONTROL;
//! - S501 block-public-access-off, S502 acls-enabled, S503 access-logging-off,
//!   S504 logging-loop, S505 logging-target-other-region, S506 versioning-off,
//!   S507 mfa-delete-off, S508 governance-bypass-granted, S509 cors-any-origin-write,
//!   S510 presigned-url-unlimited, S511 access-point-internet-origin.

use super::{Audited, Context, statement};
use crate::diagnostic::Finding;
use crate::eval::bucket::Bucket;
use crate::eval::graph::Layer;
use crate::eval::s3::{AclFacts, BpaFlag, BpaLevel, BpaSetting};
use crate::policy::{Effect, PrincipalKind};
use crate::registry::{Code, Severity};
use crate::s3::acl::{Grantee, Permission};
use crate::s3::folder::{BucketFolder, Setting};
use crate::s3::settings::{CorsMethod, RetentionMode, VersioningStatus};
use crate::s3::{NetworkOrigin, ObjectOwnership};
use crate::source::{SourceFile, Span};

fn at_start(source: &SourceFile) -> Span {
    Span::new(0, source.text().len().min(1))
}

fn push(out: &mut Vec<Audited>, source: &SourceFile, f: Finding) {
    out.push(Audited {
        source: source.clone(),
        finding: f,
    });
}

/// S510: a bucket policy that refuses no presigned request, however old its signature.
pub fn presigned(ctx: &Context<'_>, out: &mut Vec<Audited>) {
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
    let span = Span::new(
        doc.policy.span.start as usize,
        doc.policy.span.start as usize + 1,
    );
    push(
        out,
        &doc.source,
        Finding::new(
            Code::PresignedUrlUnlimited,
            span,
            "no statement limits presigned URLs: anyone holding one can use it until it expires (up to 7 days for SigV4), from anywhere",
        )
        .with_help("if the bucket does not need presigned URLs, refuse them: {\"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\": \"s3:*\", \"Resource\": \"arn:aws:s3:::BUCKET/*\", \"Condition\": {\"StringEquals\": {\"s3:authType\": \"REST-QUERY-STRING\"}}}; otherwise limit their age with `NumericGreaterThan` on `s3:signatureAge` (milliseconds)"),
    );
}

fn bpa_off(s: &BpaSetting) -> Vec<BpaFlag> {
    BpaFlag::ALL
        .into_iter()
        .filter(|f| !f.of(&s.flags))
        .collect()
}

/// The folder checks. `bucket` is the folder loaded for evaluation.
pub fn folder(bucket: &Bucket, folder: &BucketFolder, out: &mut Vec<Audited>) {
    let s3 = &bucket.graph.s3;
    let owner = bucket.owner.as_deref().unwrap_or("");
    // S501: each level that is not fully on.
    let effective_all = BpaFlag::ALL
        .iter()
        .all(|f| s3.bpa_setter(*f, None).is_some());
    let mut levels: Vec<(&BpaSetting, Option<String>)> = Vec::new();
    if let Some(s) = &s3.account_bpa {
        levels.push((s, None));
    }
    if let Some(s) = &s3.bucket_bpa {
        levels.push((s, None));
    }
    for ap in &s3.access_points {
        if let Some(s) = &ap.bpa {
            levels.push((s, Some(ap.name.clone())));
        }
    }
    for (s, ap) in levels {
        let off = bpa_off(s);
        let Some(first) = off.first() else { continue };
        let Some(place) = s.place_of(*first) else {
            continue;
        };
        let what = match (s.level, &ap) {
            (BpaLevel::AccessPoint, Some(n)) => format!("access point `{n}`"),
            (l, _) => format!("the {}", l.as_str()),
        };
        let in_force = effective_all && s.level != BpaLevel::AccessPoint;
        let mut f = Finding::new(
            Code::BlockPublicAccessOff,
            place.span,
            format!(
                "Block Public Access is not fully on for {what}: {} off{}",
                off.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", "),
                if in_force {
                    "; another level turns them on, so all four are in force"
                } else {
                    ""
                }
            ),
        )
        .with_help("turn all four settings on unless the bucket must be public; the account level covers every bucket");
        if in_force {
            f = f.with_severity(Severity::Note);
        }
        push(out, &place.source, f);
    }
    // S502: ACLs enabled.
    match &folder.ownership_controls {
        Setting::Present(l) if l.doc.ownership != ObjectOwnership::BucketOwnerEnforced => push(
            out,
            &l.source,
            Finding::new(
                Code::AclsEnabled,
                l.doc.span,
                format!(
                    "ACLs are enabled (Object Ownership is {}): ACL grants take part in authorization and other accounts can own objects in the bucket",
                    l.doc.ownership.as_str()
                ),
            )
            .with_help("set Object Ownership to BucketOwnerEnforced (the default for new buckets) after moving any needed ACL grants into the bucket policy"),
        ),
        Setting::Absent { source } => push(
            out,
            source,
            Finding::new(
                Code::AclsEnabled,
                at_start(source),
                "the bucket has no Object Ownership setting, so it behaves as ObjectWriter: ACLs are enabled and uploaders own their objects",
            )
            .with_help("set Object Ownership to BucketOwnerEnforced"),
        ),
        _ => {}
    }
    // S105 and S306 on ACLs.
    if s3.acls_enabled() {
        let ignore = s3.bpa_setter(BpaFlag::IgnorePublicAcls, None);
        let mut acls: Vec<(&AclFacts, String, bool)> = Vec::new();
        if let Some(a) = &s3.bucket_acl {
            acls.push((a, "bucket ACL".into(), false));
        }
        for o in &s3.objects {
            if let Some(a) = &o.acl {
                acls.push((a, format!("ACL of object `{}`", o.key), true));
            }
        }
        for (acl, what, on_object) in acls {
            let Some(source) = &acl.source else { continue };
            for g in &acl.acl.grants {
                if g.span.end <= g.span.start {
                    continue;
                }
                if g.grantee.is_public() {
                    let group = if g.grantee == Grantee::AllUsers {
                        "All Users (anyone, anonymous callers included)"
                    } else {
                        "Authenticated Users (anyone with an AWS account)"
                    };
                    let actions = g.permission.actions(on_object).join(", ");
                    let mut f = Finding::new(
                        Code::PublicAclGrant,
                        g.span,
                        format!(
                            "the {what} grants {} to {group}: {}",
                            g.permission,
                            if actions.is_empty() {
                                "no action on an object".to_string()
                            } else {
                                actions
                            }
                        ),
                    )
                    .with_help("remove the grant (aws s3api put-bucket-acl / put-object-acl with the private canned ACL), and turn IgnorePublicAcls and BlockPublicAcls on");
                    if let Some(s) = ignore {
                        f = Finding::new(
                            Code::PublicAclGrant,
                            g.span,
                            format!(
                                "the {what} grants {} to {group}, but IgnorePublicAcls ({} setting) makes S3 ignore it",
                                g.permission,
                                s.level.as_str()
                            ),
                        )
                        .with_severity(Severity::Note);
                    }
                    push(out, source, f);
                }
                let grantee_account = g
                    .grantee
                    .canonical_id()
                    .and_then(|id| s3.account_of_canonical(id));
                // The ACL's own owner (the bucket owner, or the object's owner) holds
                // FULL_CONTROL by default; only grants to others are an escalation.
                let is_acl_owner = match (&acl.acl.owner, g.grantee.canonical_id()) {
                    (Some(o), Some(id)) => o.id.eq_ignore_ascii_case(id),
                    _ => false,
                };
                let manages = g.permission.includes(Permission::WriteAcp);
                let beyond = g.grantee.is_public()
                    || (g.grantee.canonical_id().is_some()
                        && !is_acl_owner
                        && grantee_account != Some(owner));
                if manages && beyond {
                    push(
                        out,
                        source,
                        Finding::new(
                            Code::PermissionsManagementGranted,
                            g.span,
                            format!(
                                "the {what} grants {} to {}, who can then rewrite the ACL and grant anyone access",
                                g.permission,
                                crate::eval::decide::grantee_name(&g.grantee)
                            ),
                        )
                        .with_help("keep WRITE_ACP and FULL_CONTROL to the owner; give others READ or WRITE only"),
                    );
                }
            }
        }
    }
    // S201 without a bucket policy.
    if let Setting::Absent { source } = &folder.policy {
        push(
            out,
            source,
            Finding::new(
                Code::InsecureTransportAllowed,
                at_start(source),
                "the bucket has no bucket policy, so nothing refuses requests made over plain HTTP",
            )
            .with_help("add a bucket policy that denies `aws:SecureTransport` false for the bucket and its objects"),
        );
    }
    // S205, S204: default encryption.
    match &folder.encryption {
        Setting::Absent { source } => push(
            out,
            source,
            Finding::new(
                Code::DefaultEncryptionMissing,
                at_start(source),
                "the bucket has no default encryption configuration",
            )
            .with_help("set default encryption (SSE-KMS with a customer managed key, or at least SSE-S3): aws s3api put-bucket-encryption"),
        ),
        Setting::Present(l) => {
            if l.doc.rules.iter().all(|r| r.default.is_none()) {
                push(
                    out,
                    &l.source,
                    Finding::new(
                        Code::DefaultEncryptionMissing,
                        l.doc.span,
                        "the encryption configuration sets no default algorithm",
                    )
                    .with_help("add ApplyServerSideEncryptionByDefault with SSEAlgorithm aws:kms or AES256"),
                );
            }
            for r in &l.doc.rules {
                let Some(key) = r.default.as_ref().and_then(|d| d.kms_key.as_ref()) else {
                    continue;
                };
                if let Some(parts) = crate::arn::split(&key.value) {
                    if !owner.is_empty() && !parts[4].is_empty() && parts[4] != owner {
                        push(
                            out,
                            &l.source,
                            Finding::new(
                                Code::KmsKeyOfAnotherAccount,
                                key.span,
                                format!(
                                    "default encryption uses a KMS key of account {}, not the bucket owner's ({owner}): that account controls who can read every new object",
                                    parts[4]
                                ),
                            )
                            .with_help("use a customer managed key of the bucket owner's account"),
                        );
                    }
                }
            }
        }
        Setting::Unknown => {}
    }
    // S503–S505: access logging.
    match &folder.logging {
        Setting::Present(l) => match &l.doc.target {
            None => push(
                out,
                &l.source,
                Finding::new(Code::AccessLoggingOff, l.doc.span, "server access logging is off")
                    .with_help("enable it into a separate log bucket of the same account and region: aws s3api put-bucket-logging"),
            ),
            Some(t) => {
                if t.bucket.value == bucket.name {
                    push(
                        out,
                        &l.source,
                        Finding::new(
                            Code::LoggingLoop,
                            t.bucket.span,
                            "the bucket logs into itself: every log delivery is itself logged, without end",
                        )
                        .with_help("deliver the logs to a separate bucket"),
                    );
                } else if let Some(region) = bucket_region(folder) {
                    if let Some(other) = sibling_region(folder, &t.bucket.value) {
                        if other != region {
                            push(
                                out,
                                &l.source,
                                Finding::new(
                                    Code::LoggingTargetOtherRegion,
                                    t.bucket.span,
                                    format!(
                                        "the log target `{}` is in {other}, the bucket in {region}: S3 delivers server access logs only within a region",
                                        t.bucket.value
                                    ),
                                )
                                .with_help("use a log bucket in the same region and account"),
                            );
                        }
                    }
                }
            }
        },
        Setting::Absent { source } => push(
            out,
            source,
            Finding::new(Code::AccessLoggingOff, at_start(source), "server access logging is off")
                .with_help("enable it into a separate log bucket: aws s3api put-bucket-logging"),
        ),
        Setting::Unknown => {}
    }
    // S506, S507: versioning and MFA Delete.
    if let Setting::Present(l) = &folder.versioning {
        if l.doc.status != VersioningStatus::Enabled {
            push(
                out,
                &l.source,
                Finding::new(
                    Code::VersioningOff,
                    l.doc.span,
                    format!(
                        "versioning is {}: an overwrite or delete loses the object for good",
                        match l.doc.status {
                            VersioningStatus::Suspended => "suspended",
                            _ => "not enabled",
                        }
                    ),
                )
                .with_help("enable versioning (with a lifecycle rule for noncurrent versions)"),
            );
        } else if l.doc.mfa_delete != Some(true) {
            push(
                out,
                &l.source,
                Finding::new(
                    Code::MfaDeleteOff,
                    l.doc.span,
                    "MFA Delete is off: anyone who may delete object versions can destroy the history without a second factor",
                )
                .with_help("the root user can enable it with aws s3api put-bucket-versioning --mfa"),
            );
        }
    } else if folder.versioning.is_absent() {
        if let Setting::Absent { source } = &folder.versioning {
            push(
                out,
                source,
                Finding::new(
                    Code::VersioningOff,
                    at_start(source),
                    "versioning has never been enabled: an overwrite or delete loses the object for good",
                )
                .with_help("enable versioning"),
            );
        }
    }
    // S508: governance-mode retention with the bypass granted beyond the owner account.
    if let Setting::Present(l) = &folder.object_lock {
        let governance = l
            .doc
            .default_retention
            .as_ref()
            .is_some_and(|r| r.mode == RetentionMode::Governance);
        if l.doc.enabled && governance {
            let graph = &bucket.graph;
            for id in 0..graph.statements.len() {
                let Some((source, st, Layer::Bucket)) = statement(graph, id) else {
                    continue;
                };
                if st.effect.value != Effect::Allow
                    || !graph
                        .statements
                        .get(id)
                        .is_some_and(|s| s.matches_action_lower("s3:bypassgovernanceretention"))
                {
                    continue;
                }
                let broad = st.principal.as_ref().is_some_and(|p| {
                    p.negated
                        || p.items.iter().any(|i| {
                            i.kind == PrincipalKind::Everyone
                                || (i.kind == PrincipalKind::Aws
                                    && (i.value == "*" || !i.value.contains(owner)))
                        })
                });
                if broad {
                    push(
                        out,
                        source,
                        Finding::new(
                            Code::GovernanceBypassGranted,
                            st.action.as_ref().map_or(st.effect.span, |a| a.span),
                            format!(
                                "{} grants s3:BypassGovernanceRetention beyond the owner account, while Object Lock retains objects in GOVERNANCE mode: they can delete locked versions",
                                st.label()
                            ),
                        )
                        .with_help("grant s3:BypassGovernanceRetention to a break-glass role only, or use COMPLIANCE mode"),
                    );
                }
            }
        }
    }
    // S509: CORS open to any origin with write methods.
    if let Setting::Present(l) = &folder.cors {
        for r in &l.doc.rules {
            let any = r.allowed_origins.iter().find(|o| o.value == "*");
            let writes: Vec<&str> = r
                .allowed_methods
                .iter()
                .filter_map(|m| match m {
                    CorsMethod::Put => Some("PUT"),
                    CorsMethod::Post => Some("POST"),
                    CorsMethod::Delete => Some("DELETE"),
                    _ => None,
                })
                .collect();
            if let (Some(o), false) = (any, writes.is_empty()) {
                push(
                    out,
                    &l.source,
                    Finding::new(
                        Code::CorsAnyOriginWrite,
                        o.span,
                        format!(
                            "a CORS rule lets scripts on any web site send {} requests to the bucket from visitors' browsers",
                            writes.join(", ")
                        ),
                    )
                    .with_help("list the origins that need write access, e.g. https://app.example.com"),
                );
            }
        }
    }
    // S511: access points open to the Internet.
    if let Some(aps) = &folder.access_points {
        for ap in aps {
            if let Setting::Present(l) = &ap.access_point {
                if l.doc.network_origin == NetworkOrigin::Internet {
                    let span = l.root.get("NetworkOrigin").map_or(l.doc.span, |v| v.span);
                    push(
                        out,
                        &l.source,
                        Finding::new(
                            Code::AccessPointInternetOrigin,
                            span,
                            format!(
                                "access point `{}` takes requests from the Internet, not only from a VPC",
                                l.doc.name.value
                            ),
                        )
                        .with_help("create access points with a VPC network origin where the data is used from a VPC"),
                    );
                }
            }
        }
    }
}

fn bucket_region(folder: &BucketFolder) -> Option<String> {
    folder.region().map(str::to_string)
}

/// The region of a sibling bucket folder for `bucket`, if the parent directory has one.
fn sibling_region(folder: &BucketFolder, bucket: &str) -> Option<String> {
    let parent = folder.dir.parent()?;
    for e in std::fs::read_dir(parent).ok()?.flatten() {
        let dir = e.path();
        if !dir.is_dir() || dir == folder.dir {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(dir.join(crate::s3::folder::MANIFEST)) else {
            continue;
        };
        let Ok(v) = crate::json::parse(&text) else {
            continue;
        };
        if v.get("bucket").and_then(crate::json::Value::as_str) == Some(bucket) {
            return crate::s3::load_bucket(&dir)
                .ok()
                .and_then(|f| f.region().map(str::to_string));
        }
    }
    None
}
