//! ACLs and Object Ownership: whether ACLs take part in authorization at all (S502), and
//! what the bucket and object ACL grants give away while they do (S105, S306). AWS rule: with
//! Object Ownership BucketOwnerEnforced, ACLs are disabled and no longer affect access (S3
//! "Controlling ownership of objects and disabling ACLs for your bucket").

use super::{at_start, push};
use crate::audit::Audited;
use crate::aws_docs::ObjectOwnership;
use crate::aws_docs::acl::{Grant, Grantee, Permission};
use crate::aws_docs::folder::{BucketFolder, Setting};
use crate::diagnostic::Finding;
use crate::eval::bucket::BucketModel;
use crate::eval::s3_facts::{AclFacts, BpaFlag, BpaSetting, S3Facts};
use crate::registry::{Code, Severity};
use crate::source::SourceFile;

/// Runs S502, then S105 and S306 on every grant when ACLs are enabled.
pub(super) fn check(bucket: &BucketModel, folder: &BucketFolder, out: &mut Vec<Audited>) {
    acls_enabled(folder, out);
    if bucket.graph.s3.acls_enabled() {
        grants(bucket, out);
    }
}

// rule: S502
/// ACLs enabled: an Object Ownership setting other than BucketOwnerEnforced, or none at all
/// (S3 then behaves as ObjectWriter).
fn acls_enabled(folder: &BucketFolder, out: &mut Vec<Audited>) {
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
}

/// One ACL of the bucket, named for messages.
struct NamedAcl<'a> {
    facts: &'a AclFacts,
    source: &'a SourceFile,
    /// "bucket ACL" or "ACL of object `KEY`".
    what: String,
    /// Whether it is an object's ACL (its permissions stand for object actions).
    on_object: bool,
}

/// Every grant of the bucket ACL and the object ACLs, in that order, each judged for S105
/// then S306.
fn grants(bucket: &BucketModel, out: &mut Vec<Audited>) {
    let s3 = &bucket.graph.s3;
    let owner = bucket.owner.as_deref().unwrap_or("");
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
    for (facts, what, on_object) in acls {
        let Some(source) = &facts.source else {
            continue;
        };
        let acl = NamedAcl {
            facts,
            source,
            what,
            on_object,
        };
        for g in &facts.acl.grants {
            if g.span.end <= g.span.start {
                continue;
            }
            if g.grantee.is_public() {
                public_grant(&acl, g, ignore, out);
            }
            permissions_management_grant(s3, owner, &acl, g, out);
        }
    }
}

// rule: S105
/// A grant to All Users or Authenticated Users; a note when IgnorePublicAcls makes S3 ignore
/// it.
fn public_grant(
    acl: &NamedAcl<'_>,
    g: &Grant,
    ignore: Option<&BpaSetting>,
    out: &mut Vec<Audited>,
) {
    let what = &acl.what;
    let group = if g.grantee == Grantee::AllUsers {
        "All Users (anyone, anonymous callers included)"
    } else {
        "Authenticated Users (anyone with an AWS account)"
    };
    let actions = g.permission.actions(acl.on_object).join(", ");
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
    push(out, acl.source, f);
}

// S306 for ACL grants of WRITE_ACP or FULL_CONTROL: see exposure::broad, the main rule.
/// A grant that lets someone beyond the owner rewrite the ACL (WRITE_ACP, or FULL_CONTROL
/// which includes it).
fn permissions_management_grant(
    s3: &S3Facts,
    owner: &str,
    acl: &NamedAcl<'_>,
    g: &Grant,
    out: &mut Vec<Audited>,
) {
    let grantee_account = g
        .grantee
        .canonical_id()
        .and_then(|id| s3.account_of_canonical(id));
    // The ACL's own owner (the bucket owner, or the object's owner) holds
    // FULL_CONTROL by default; only grants to others are an escalation.
    let is_acl_owner = match (&acl.facts.acl.owner, g.grantee.canonical_id()) {
        (Some(o), Some(id)) => o.id.eq_ignore_ascii_case(id),
        _ => false,
    };
    let manages = g.permission.includes(Permission::WriteAcp);
    let beyond = g.grantee.is_public()
        || (g.grantee.canonical_id().is_some() && !is_acl_owner && grantee_account != Some(owner));
    if manages && beyond {
        push(
            out,
            acl.source,
            Finding::new(
                Code::PermissionsManagementGranted,
                g.span,
                format!(
                    "the {} grants {} to {}, who can then rewrite the ACL and grant anyone access",
                    acl.what,
                    g.permission,
                    crate::eval::decide::grantee_name(&g.grantee)
                ),
            )
            .with_help(
                "keep WRITE_ACP and FULL_CONTROL to the owner; give others READ or WRITE only",
            ),
        );
    }
}
