//! The `s3` section of a scenario: the bucket's ACLs, Object Ownership, Block Public Access,
//! access points and objects, written inline (as the AWS CLI prints them) or as paths, or a
//! whole bucket folder. Documented in `docs/scenarios.md`.

use super::Checker;
use crate::eval::bucket::Bucket;
use crate::eval::s3::{AclFacts, BpaLevel};
use crate::json::{Kind, Value};
use crate::lint::FileReport;
use crate::registry::Code;
use crate::s3::acl::{self, Owner};
use crate::s3::folder::{AccessPointFolder, RawPolicy, Setting};
use crate::s3::read::{self, AwsDocument, Loaded};
use crate::s3::{AccessPoint, Acl, ObjectOwnership, OwnershipControls, PublicAccessBlock};
use crate::source::SourceFile;
use std::path::Path;

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
const AP_KEYS: &[&str] = &["access_point", "policy"];

/// Where the section is read from, and where problems go.
struct Ctx<'a> {
    scenario: &'a SourceFile,
    dir: &'a Path,
    checker: &'a mut Checker,
    invalid: &'a mut Vec<FileReport>,
}

/// Reads a document written inline (a JSON object) or as a path relative to the scenario.
fn doc<T: AwsDocument>(c: &mut Ctx<'_>, v: &Value) -> Option<Loaded<T>> {
    let (scenario, dir) = (c.scenario, c.dir);
    let result = match &v.kind {
        Kind::String(p) => {
            let path = dir.join(&**p);
            match read::load_text(&path, Code::DocumentShape) {
                Ok(source) => read::read_source::<T>(&source),
                Err(r) => Err(r),
            }
        }
        Kind::Object(_) => read::read_value::<T>(scenario, v.clone(), Vec::new()),
        _ => {
            c.checker
                .error(v.span, format!("a {} is an object or a path", T::WHAT));
            return None;
        }
    };
    match result {
        Ok(l) => Some(l),
        Err(r) => {
            c.invalid.push(r);
            None
        }
    }
}

fn account(v: &Value, what: &str, checker: &mut Checker) -> Option<String> {
    match v.as_str() {
        Some(s) if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) => Some(s.to_string()),
        _ => {
            checker.error(v.span, format!("`{what}` must be a 12-digit account id"));
            None
        }
    }
}

/// An ACL: a document, a path, or `{"canned": NAME}` (owned by `owner`).
fn acl_of(
    c: &mut Ctx<'_>,
    v: &Value,
    owner: &str,
    bucket_owner: &str,
    on_object: bool,
) -> Option<AclFacts> {
    if let Some(name) = v.get("canned") {
        let Some(n) = name.as_str() else {
            c.checker
                .error(name.span, "`canned` must be a canned ACL name");
            return None;
        };
        let made = acl::canned(
            n,
            &Owner::new(owner),
            Some(&Owner::new(bucket_owner)),
            on_object,
        );
        return match made {
            Some(a) => Some(AclFacts {
                acl: a,
                source: None,
            }),
            None => {
                c.checker.error(
                    name.span,
                    format!(
                        "`{n}` is not a canned ACL for {}; canned ACLs are {}",
                        if on_object { "an object" } else { "a bucket" },
                        acl::CANNED_ACLS.join(", ")
                    ),
                );
                None
            }
        };
    }
    doc::<Acl>(c, v).map(|l| AclFacts {
        acl: l.doc,
        source: Some(l.source),
    })
}

/// Reads the `s3` section into `bucket` (whose owner is the scenario's bucket owner).
pub(super) fn read(
    scenario: &SourceFile,
    v: &Value,
    dir: &Path,
    owner: Option<&str>,
    checker: &mut Checker,
    invalid: &mut Vec<FileReport>,
) -> Bucket {
    let mut c = Ctx {
        scenario,
        dir,
        checker,
        invalid,
    };
    c.checker.keys(v, KEYS, "s3");
    let mut bucket = Bucket::new("");
    bucket.owner = owner.map(str::to_string);
    if let Some(f) = v.get("bucket_folder") {
        match f.as_str() {
            Some(p) => {
                let path = c.dir.join(p);
                match crate::s3::load_bucket(&path).and_then(|folder| Bucket::from_folder(&folder))
                {
                    Ok(b) => bucket = b,
                    Err(reports) => c.invalid.extend(reports),
                }
            }
            None => c.checker.error(f.span, "`bucket_folder` must be a path"),
        }
    }
    if let Some(b) = v.get("bucket") {
        match b.as_str() {
            Some(name) => {
                bucket.name = name.to_string();
                bucket.graph.s3.bucket = Some(name.to_string());
            }
            None => c.checker.error(b.span, "`bucket` must be a bucket name"),
        }
    }
    if let Some(ids) = v.get("canonical_ids") {
        match ids.as_object() {
            Some(members) => {
                for m in members {
                    match m.value.as_str() {
                        Some(id) => bucket.graph.s3.learn_canonical(id, &m.key),
                        None => c.checker.error(m.value.span, "a canonical id is a string"),
                    }
                }
            }
            None => c.checker.error(
                ids.span,
                "`canonical_ids` maps account ids to canonical user ids",
            ),
        }
    }
    let owner_account = bucket.owner.clone().unwrap_or_default();
    // An account's canonical id, or a stand-in so that canned ACLs still name the account.
    let canonical_of = |bucket: &Bucket, account: &str| -> String {
        bucket
            .graph
            .s3
            .canonical_ids
            .iter()
            .find(|(_, a)| a == account)
            .map_or_else(|| format!("canonical-id-of-{account}"), |(c, _)| c.clone())
    };
    let owner_canonical = canonical_of(&bucket, &owner_account);
    bucket
        .graph
        .s3
        .learn_canonical(&owner_canonical, &owner_account);
    if let Some(o) = v.get("object_ownership") {
        match o.as_str() {
            Some(name) => {
                let found = [
                    ObjectOwnership::BucketOwnerEnforced,
                    ObjectOwnership::BucketOwnerPreferred,
                    ObjectOwnership::ObjectWriter,
                ]
                .into_iter()
                .find(|x| x.as_str() == name);
                match found {
                    Some(x) => bucket.graph.s3.ownership = Some((x, None)),
                    None => c.checker.error(
                        o.span,
                        "`object_ownership` is BucketOwnerEnforced, BucketOwnerPreferred or ObjectWriter",
                    ),
                }
            }
            None => {
                if let Some(l) = doc::<OwnershipControls>(&mut c, o) {
                    bucket.set_ownership(&l);
                }
            }
        }
    }
    if let Some(a) = v.get("bucket_acl") {
        if let Some(facts) = acl_of(&mut c, a, &owner_canonical, &owner_canonical, false) {
            bucket.graph.s3.bucket_acl = Some(facts);
            bucket.known.bucket_acl = true;
        }
    }
    if let Some(objects) = v.get("objects") {
        for o in objects.as_array().unwrap_or(&[]) {
            c.checker.keys(o, OBJECT_KEYS, "object");
            let Some(key) = o.get("key").and_then(Value::as_str) else {
                c.checker.error(o.span, "an object needs a `key`");
                continue;
            };
            let owner = o
                .get("owner_account")
                .and_then(|a| account(a, "owner_account", c.checker));
            let object_canonical = owner
                .as_deref()
                .map_or_else(|| owner_canonical.clone(), |a| canonical_of(&bucket, a));
            if let Some(a) = &owner {
                bucket.graph.s3.learn_canonical(&object_canonical, a);
            }
            let acl = o
                .get("acl")
                .and_then(|a| acl_of(&mut c, a, &object_canonical, &owner_canonical, true));
            bucket.graph.s3.objects.push(crate::eval::s3::ObjectFacts {
                key: key.to_string(),
                owner_account: owner,
                acl,
            });
        }
        if objects.as_array().is_none() {
            c.checker.error(objects.span, "`objects` must be an array");
        }
    }
    if let Some(b) = v.get("public_access_block") {
        c.checker.keys(b, BPA_KEYS, "public_access_block");
        for (key, level) in [("account", BpaLevel::Account), ("bucket", BpaLevel::Bucket)] {
            if let Some(x) = b.get(key) {
                if let Some(l) = doc::<PublicAccessBlock>(&mut c, x) {
                    bucket.set_bpa(level, &l);
                }
            }
        }
    }
    if let Some(aps) = v.get("access_points") {
        for ap in aps.as_array().unwrap_or(&[]) {
            c.checker.keys(ap, AP_KEYS, "access point");
            let Some(desc) = ap.get("access_point") else {
                c.checker.error(
                    ap.span,
                    "an access point needs its `access_point` description",
                );
                continue;
            };
            let Some(l) = doc::<AccessPoint>(&mut c, desc) else {
                continue;
            };
            let policy = match ap.get("policy") {
                Some(p) => match doc::<RawPolicy>(&mut c, p) {
                    Some(l) => Setting::Present(l),
                    None => continue,
                },
                None => Setting::Absent {
                    source: c.scenario.clone(),
                },
            };
            let folder = AccessPointFolder {
                name: l.doc.name.value.clone(),
                access_point: Setting::Present(l),
                policy,
            };
            if let Err(reports) = bucket.add_access_point(&folder) {
                c.invalid.extend(reports);
            }
        }
        if aps.as_array().is_none() {
            c.checker
                .error(aps.span, "`access_points` must be an array");
        }
    }
    bucket
}
