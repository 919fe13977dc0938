//! Reads the `s3` section of a scenario into the typed model: the bucket's ACLs, Object
//! Ownership, Block Public Access, access points and objects, written inline (as the AWS CLI
//! prints them) or as paths, or a whole bucket folder. Documented in `docs/scenarios.md`.
//! The documents themselves are read when the scenario runs (`s3_facts.rs`).

use super::model::{
    AccessPointPolicy, AccessPointSpec, AclSpec, DocRef, ObjectSpec, OwnershipSpec, S3Section,
};
use super::problems::Problems;
use super::read::Base;
use crate::aws_docs::acl::{self, Owner};
use crate::aws_docs::read::AwsDocument;
use crate::aws_docs::{
    AccessPoint, Acl, MultiRegionAccessPoint, ObjectOwnership, OwnershipControls, PublicAccessBlock,
};
use crate::eval::s3_facts::BpaLevel;
use crate::json::{Kind, Value};

const KEYS: &[&str] = &[
    "bucket",
    "bucket_folder",
    "canonical_ids",
    "object_ownership",
    "bucket_acl",
    "objects",
    "public_access_block",
    "access_points",
];
const OBJECT_KEYS: &[&str] = &["key", "owner_account", "acl"];
const BPA_KEYS: &[&str] = &["account", "bucket"];
const AP_KEYS: &[&str] = &["access_point", "multi_region_access_point", "policy"];

/// Reads the `s3` section `v`; relative paths are joined to `dir`.
pub(super) fn read(v: &Value, dir: &Base<'_>, problems: &mut Problems) -> S3Section {
    problems.unknown_keys(v, KEYS, "s3");
    let mut section = S3Section::default();
    if let Some(f) = v.get("bucket_folder") {
        match f.as_str() {
            Some(p) => section.bucket_folder = dir.path(f, p, problems),
            None => problems.error(f.span, "`bucket_folder` must be a path"),
        }
    }
    if let Some(b) = v.get("bucket") {
        match b.as_str() {
            Some(name) => section.bucket = Some(name.to_string()),
            None => problems.error(b.span, "`bucket` must be a bucket name"),
        }
    }
    if let Some(ids) = v.get("canonical_ids") {
        section.canonical_ids = canonical_ids(ids, problems);
    }
    if let Some(o) = v.get("object_ownership") {
        section.object_ownership = object_ownership(o, dir, problems);
    }
    if let Some(a) = v.get("bucket_acl") {
        section.bucket_acl = acl(a, false, dir, problems);
    }
    if let Some(objects) = v.get("objects") {
        section.objects = items(objects, "objects", problems, |o, problems| {
            object(o, dir, problems)
        });
    }
    if let Some(b) = v.get("public_access_block") {
        problems.unknown_keys(b, BPA_KEYS, "public_access_block");
        for (key, level) in [("account", BpaLevel::Account), ("bucket", BpaLevel::Bucket)] {
            if let Some(doc) = b
                .get(key)
                .and_then(|x| doc::<PublicAccessBlock>(x, dir, problems))
            {
                section.public_access_block.push((level, doc));
            }
        }
    }
    if let Some(aps) = v.get("access_points") {
        section.access_points = items(aps, "access_points", problems, |ap, problems| {
            access_point(ap, dir, problems)
        });
    }
    section
}

/// The items of the array `list` that `item` reads; a `list` that is not an array is
/// reported.
fn items<T>(
    list: &Value,
    key: &str,
    problems: &mut Problems,
    mut item: impl FnMut(&Value, &mut Problems) -> Option<T>,
) -> Vec<T> {
    let Some(values) = list.as_array() else {
        problems.error(list.span, format!("`{key}` must be an array"));
        return Vec::new();
    };
    values.iter().filter_map(|v| item(v, problems)).collect()
}

/// A document written inline (a JSON object) or as a path relative to the scenario.
pub(super) fn doc<T: AwsDocument>(
    v: &Value,
    dir: &Base<'_>,
    problems: &mut Problems,
) -> Option<DocRef> {
    let doc = doc_ref(v, dir, problems);
    if doc.is_none() {
        problems.error(v.span, not_a_document::<T>());
    }
    doc
}

/// `v` as a document reference, if it is an object or a path (a path that must not be read
/// is reported here and refers to nothing).
fn doc_ref(v: &Value, dir: &Base<'_>, problems: &mut Problems) -> Option<DocRef> {
    match &v.kind {
        Kind::String(p) => Some(
            dir.path(v, p, problems)
                .map_or(DocRef::Refused, DocRef::File),
        ),
        Kind::Object(_) => Some(DocRef::Inline(v.clone())),
        _ => None,
    }
}

/// What is said of a value that should be a `T` document but is neither an object nor a path.
pub(super) fn not_a_document<T: AwsDocument>() -> String {
    format!("a {} is an object or a path", T::WHAT)
}

/// `canonical_ids`: account id to canonical user id.
fn canonical_ids(ids: &Value, problems: &mut Problems) -> Vec<(String, String)> {
    let Some(members) = ids.as_object() else {
        problems.error(
            ids.span,
            "`canonical_ids` maps account ids to canonical user ids",
        );
        return Vec::new();
    };
    let mut pairs = Vec::new();
    for m in members {
        match m.value.as_str() {
            Some(id) => pairs.push((m.key.to_string(), id.to_string())),
            None => problems.error(m.value.span, "a canonical id is a string"),
        }
    }
    pairs
}

/// `object_ownership`: the setting's name, or `get-bucket-ownership-controls` output.
fn object_ownership(o: &Value, dir: &Base<'_>, problems: &mut Problems) -> Option<OwnershipSpec> {
    let Some(name) = o.as_str() else {
        return doc::<OwnershipControls>(o, dir, problems).map(OwnershipSpec::Controls);
    };
    let found = [
        ObjectOwnership::BucketOwnerEnforced,
        ObjectOwnership::BucketOwnerPreferred,
        ObjectOwnership::ObjectWriter,
    ]
    .into_iter()
    .find(|x| x.as_str() == name);
    if found.is_none() {
        problems.error(
            o.span,
            "`object_ownership` is BucketOwnerEnforced, BucketOwnerPreferred or ObjectWriter",
        );
    }
    found.map(OwnershipSpec::Named)
}

/// An ACL: a document, a path, or `{"canned": NAME}`.
fn acl(v: &Value, on_object: bool, dir: &Base<'_>, problems: &mut Problems) -> Option<AclSpec> {
    let Some(name) = v.get("canned") else {
        return doc::<Acl>(v, dir, problems).map(AclSpec::Document);
    };
    let Some(n) = name.as_str() else {
        problems.error(name.span, "`canned` must be a canned ACL name");
        return None;
    };
    // Whether the name is one `acl::canned` makes for a bucket or an object (whoever owns it),
    // so the list of names and where each applies stay in the ACL module.
    let owner = Owner::new("");
    if acl::canned(n, &owner, Some(&owner), on_object).is_none() {
        problems.error(
            name.span,
            format!(
                "`{n}` is not a canned ACL for {}; canned ACLs are {}",
                if on_object { "an object" } else { "a bucket" },
                acl::CANNED_ACLS.join(", ")
            ),
        );
        return None;
    }
    Some(AclSpec::Canned(n.to_string()))
}

/// An object of `objects`; one without a `key` is reported and left out.
fn object(o: &Value, dir: &Base<'_>, problems: &mut Problems) -> Option<ObjectSpec> {
    problems.unknown_keys(o, OBJECT_KEYS, "object");
    let Some(key) = o.get("key").and_then(Value::as_str) else {
        problems.error(o.span, "an object needs a `key`");
        return None;
    };
    let owner_account = o.get("owner_account").and_then(|a| match a.as_str() {
        Some(s) if crate::arn::is_account_id(s) => Some(s.to_string()),
        _ => {
            problems.error(a.span, "`owner_account` must be a 12-digit account id");
            None
        }
    });
    let acl = o.get("acl").and_then(|a| acl(a, true, dir, problems));
    Some(ObjectSpec {
        key: key.to_string(),
        owner_account,
        acl,
    })
}

/// An access point of `access_points`; one without a usable description is reported and
/// left out.
fn access_point(ap: &Value, dir: &Base<'_>, problems: &mut Problems) -> Option<AccessPointSpec> {
    problems.unknown_keys(ap, AP_KEYS, "access point");
    let (description, multi_region) = match (
        ap.get("access_point"),
        ap.get("multi_region_access_point"),
    ) {
        (Some(desc), None) => (doc::<AccessPoint>(desc, dir, problems)?, false),
        (None, Some(desc)) => (doc::<MultiRegionAccessPoint>(desc, dir, problems)?, true),
        (None, None) => {
            problems.error(
                ap.span,
                "an access point needs its `access_point` description",
            );
            return None;
        }
        (Some(_), Some(_)) => {
            problems.error(
                ap.span,
                "an entry is an access point (`access_point`) or a Multi-Region Access Point (`multi_region_access_point`), not both",
            );
            return None;
        }
    };
    let policy = match ap.get("policy") {
        None => AccessPointPolicy::Absent,
        Some(p) => match doc_ref(p, dir, problems) {
            Some(doc) => AccessPointPolicy::Given(doc),
            None => AccessPointPolicy::NotADocument {
                span: p.span,
                mark: problems.mark(),
            },
        },
    };
    Some(AccessPointSpec {
        description,
        multi_region,
        policy,
    })
}
