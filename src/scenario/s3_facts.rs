//! The S3 facts of a scenario's `s3` section: its documents read with the same readers as
//! bucket folders, into a `BucketModel` whose graph carries them to the decision.

use super::model::{AccessPointPolicy, AccessPointSpec, AclSpec, DocRef, OwnershipSpec, S3Section};
use super::problems::Problems;
use super::s3_section::not_a_document;
use crate::aws_docs::acl::{self, Owner};
use crate::aws_docs::folder::{AccessPointFolder, MultiRegionFolder, RawPolicy, Setting};
use crate::aws_docs::read::{self, AwsDocument, Loaded};
use crate::aws_docs::{
    AccessPoint, Acl, MultiRegionAccessPoint, OwnershipControls, PublicAccessBlock,
};
use crate::contain::Root;
use crate::eval::bucket::BucketModel;
use crate::eval::s3_facts::{AclFacts, ObjectFacts};
use crate::registry::Code;
use crate::source::SourceFile;

/// Builds the bucket an `s3` section describes; `owner` is the account that owns the
/// resources (the bucket folder's, when one is given, wins).
pub(super) fn bucket(
    section: S3Section,
    scenario: &SourceFile,
    owner: Option<&str>,
    root: &Root,
    problems: &mut Problems,
) -> BucketModel {
    let mut bucket = BucketModel::new("");
    bucket.owner = owner.map(str::to_string);
    if let Some(path) = &section.bucket_folder {
        match crate::aws_docs::load_bucket(path, root)
            .and_then(|folder| BucketModel::from_folder(&folder))
        {
            Ok(b) => bucket = b,
            Err(reports) => problems.reports(reports),
        }
    }
    if let Some(name) = section.bucket {
        bucket.name.clone_from(&name);
        bucket.graph.s3.bucket = Some(name);
    }
    for (account, id) in &section.canonical_ids {
        bucket.graph.s3.learn_canonical(id, account);
    }
    let owner_account = bucket.owner.clone().unwrap_or_default();
    let owner_canonical = canonical_of(&bucket, &owner_account);
    bucket
        .graph
        .s3
        .learn_canonical(&owner_canonical, &owner_account);
    match section.object_ownership {
        Some(OwnershipSpec::Named(x)) => bucket.graph.s3.ownership = Some((x, None)),
        Some(OwnershipSpec::Controls(doc)) => {
            if let Some(l) = load::<OwnershipControls>(doc, scenario, problems) {
                bucket.set_ownership(&l);
            }
        }
        None => {}
    }
    let bucket_acl = section.bucket_acl.and_then(|spec| {
        let owners = (&*owner_canonical, &*owner_canonical);
        acl_facts(spec, owners, false, scenario, problems)
    });
    if let Some(facts) = bucket_acl {
        bucket.graph.s3.bucket_acl = Some(facts);
        bucket.known.bucket_acl = true;
    }
    for o in section.objects {
        let object_canonical = o
            .owner_account
            .as_deref()
            .map_or_else(|| owner_canonical.clone(), |a| canonical_of(&bucket, a));
        if let Some(a) = &o.owner_account {
            bucket.graph.s3.learn_canonical(&object_canonical, a);
        }
        let acl = o.acl.and_then(|spec| {
            let owners = (&*object_canonical, &*owner_canonical);
            acl_facts(spec, owners, true, scenario, problems)
        });
        bucket.graph.s3.objects.push(ObjectFacts {
            key: o.key,
            owner_account: o.owner_account,
            acl,
        });
    }
    for (level, doc) in section.public_access_block {
        if let Some(l) = load::<PublicAccessBlock>(doc, scenario, problems) {
            bucket.set_bpa(level, &l);
        }
    }
    for ap in section.access_points {
        add_access_point(&mut bucket, ap, scenario, problems);
    }
    bucket
}

/// An account's canonical id, or a stand-in so that canned ACLs still name the account.
fn canonical_of(bucket: &BucketModel, account: &str) -> String {
    bucket
        .graph
        .s3
        .canonical_ids
        .iter()
        .find(|(_, a)| a == account)
        .map_or_else(|| format!("canonical-id-of-{account}"), |(c, _)| c.clone())
}

/// Reads a document; its errors go to `problems`.
pub(super) fn load<T: AwsDocument>(
    doc: DocRef,
    scenario: &SourceFile,
    problems: &mut Problems,
) -> Option<Loaded<T>> {
    let result = match doc {
        DocRef::File(path) => read::load_text(&path, Code::DocumentShape)
            .and_then(|source| read::read_source::<T>(&source)),
        DocRef::Inline(value) => read::read_value::<T>(scenario, value, Vec::new()),
        DocRef::Refused => return None,
    };
    result.map_err(|report| problems.report(report)).ok()
}

/// An ACL's facts; a canned ACL is owned by `owners.0`, the bucket owner being `owners.1`.
fn acl_facts(
    spec: AclSpec,
    owners: (&str, &str),
    on_object: bool,
    scenario: &SourceFile,
    problems: &mut Problems,
) -> Option<AclFacts> {
    match spec {
        AclSpec::Canned(name) => {
            let (owner, bucket_owner) = (Owner::new(owners.0), Owner::new(owners.1));
            let made = acl::canned(&name, &owner, Some(&bucket_owner), on_object);
            made.map(|acl| AclFacts { acl, source: None })
        }
        AclSpec::Document(doc) => load::<Acl>(doc, scenario, problems).map(|l| AclFacts {
            acl: l.doc,
            source: Some(l.source),
        }),
    }
}

/// Adds an access point, read like an access point folder; one whose description or policy
/// cannot be read is left out (and reported).
fn add_access_point(
    bucket: &mut BucketModel,
    ap: AccessPointSpec,
    scenario: &SourceFile,
    problems: &mut Problems,
) {
    let (regional, mrap) = if ap.multi_region {
        let Some(d) = load::<MultiRegionAccessPoint>(ap.description, scenario, problems) else {
            return;
        };
        (None, Some(d))
    } else {
        let Some(d) = load::<AccessPoint>(ap.description, scenario, problems) else {
            return;
        };
        (Some(d), None)
    };
    let policy = match ap.policy {
        AccessPointPolicy::Absent => Setting::Absent {
            source: scenario.clone(),
        },
        AccessPointPolicy::Given(doc) => match load::<RawPolicy>(doc, scenario, problems) {
            Some(l) => Setting::Present(l),
            None => return,
        },
        AccessPointPolicy::NotADocument { span, mark } => {
            problems.error_at(mark, span, not_a_document::<RawPolicy>());
            return;
        }
    };
    let added = match (regional, mrap) {
        (Some(description), _) => bucket.add_access_point(&AccessPointFolder {
            name: description.doc.name.value.clone(),
            access_point: Setting::Present(description),
            policy,
        }),
        (_, Some(description)) => bucket.add_multi_region(&MultiRegionFolder {
            name: description.doc.name.value.clone(),
            access_point: Setting::Present(description),
            policy,
        }),
        _ => Ok(()),
    };
    if let Err(reports) = added {
        problems.reports(reports);
    }
}
