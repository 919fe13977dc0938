//! Access control lists: `aws s3api get-bucket-acl` / `get-object-acl` output, the
//! `AccessControlPolicy` that `put-bucket-acl` takes, canned ACLs, and what each ACL
//! permission grants in policy terms.
//!
//! Facts from the S3 User Guide, "Access control list (ACL) overview"
//! (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html>): grantees are
//! AWS accounts (canonical user ids; e-mail addresses were converted to canonical ids at write
//! time and are no longer accepted) or one of three predefined groups; an ACL only grants.

use super::read::{self, AwsDocument, Reader, at, join};
use crate::json::Value;
use crate::source::Span;

/// The URI of the All Users group (anyone, signed or anonymous).
pub const ALL_USERS_URI: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
/// The URI of the Authenticated Users group (any signed request from any AWS account).
pub const AUTHENTICATED_USERS_URI: &str =
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
/// The URI of the Log Delivery group (server access log delivery).
pub const LOG_DELIVERY_URI: &str = "http://acs.amazonaws.com/groups/s3/LogDelivery";
/// The canonical user id of Amazon EC2, which the `aws-exec-read` canned ACL grants READ
/// (S3 shows it with the display name `za-team`).
pub const EC2_CANONICAL_ID: &str =
    "6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c";

/// The canned ACL names S3 accepts in `x-amz-acl`.
pub const CANNED_ACLS: &[&str] = &[
    "private",
    "public-read",
    "public-read-write",
    "authenticated-read",
    "aws-exec-read",
    "bucket-owner-read",
    "bucket-owner-full-control",
    "log-delivery-write",
];

/// A bucket or object ACL.
#[derive(Debug, Clone, PartialEq)]
pub struct Acl {
    /// The owner of the bucket or object (absent only in hand-written `put-*-acl` input).
    pub owner: Option<Owner>,
    /// The grants, in document order.
    pub grants: Vec<Grant>,
    /// The span of the ACL object (inside the `AccessControlPolicy` wrapper, if any).
    pub span: Span,
}

/// The owner of a bucket or object, by canonical user id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// The canonical user id (64 hexadecimal digits for an AWS account).
    pub id: String,
    /// The display name (AWS stopped returning it in 2025; old outputs have it).
    pub display_name: Option<String>,
    /// The span of the `ID` value (`Span::default()` when not read from a file).
    pub span: Span,
}

impl Owner {
    /// An owner with no display name and no source position.
    pub fn new(id: impl Into<String>) -> Owner {
        Owner {
            id: id.into(),
            display_name: None,
            span: Span::default(),
        }
    }

    fn grantee(&self) -> Grantee {
        Grantee::CanonicalUser {
            id: self.id.clone(),
            display_name: self.display_name.clone(),
        }
    }
}

/// One grant of an ACL.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    /// Who is granted.
    pub grantee: Grantee,
    /// What is granted.
    pub permission: Permission,
    /// The span of the grant object (`Span::default()` for grants of a canned ACL).
    pub span: Span,
}

/// An ACL grantee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grantee {
    /// An AWS account, by canonical user id.
    CanonicalUser {
        /// The canonical user id.
        id: String,
        /// The display name, if the output has one.
        display_name: Option<String>,
    },
    /// The All Users group: anyone, signed or anonymous.
    AllUsers,
    /// The Authenticated Users group: any signed request from any AWS account.
    AuthenticatedUsers,
    /// The Log Delivery group (server access logging).
    LogDelivery,
    /// An AWS account by e-mail address (`AmazonCustomerByEmail`; discontinued by AWS).
    Email(String),
    /// A group URI that S3 does not define.
    Group(String),
}

impl Grantee {
    /// Whether the grant makes the resource public: All Users or Authenticated Users (the
    /// grantees that `IgnorePublicAcls` ignores and `BlockPublicAcls` rejects).
    pub fn is_public(&self) -> bool {
        matches!(self, Grantee::AllUsers | Grantee::AuthenticatedUsers)
    }

    /// The canonical user id, for a canonical-user grantee.
    pub fn canonical_id(&self) -> Option<&str> {
        match self {
            Grantee::CanonicalUser { id, .. } => Some(id),
            _ => None,
        }
    }

    /// The group URI, for a group grantee.
    pub fn group_uri(&self) -> Option<&str> {
        match self {
            Grantee::AllUsers => Some(ALL_USERS_URI),
            Grantee::AuthenticatedUsers => Some(AUTHENTICATED_USERS_URI),
            Grantee::LogDelivery => Some(LOG_DELIVERY_URI),
            Grantee::Group(uri) => Some(uri),
            _ => None,
        }
    }
}

/// An ACL permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// `READ`: list the bucket, or read the object.
    Read,
    /// `WRITE`: create objects in the bucket (not applicable to objects).
    Write,
    /// `READ_ACP`: read the ACL.
    ReadAcp,
    /// `WRITE_ACP`: write the ACL.
    WriteAcp,
    /// `FULL_CONTROL`: all of the above.
    FullControl,
}

const PERMISSIONS: &[(&str, Permission)] = &[
    ("READ", Permission::Read),
    ("WRITE", Permission::Write),
    ("READ_ACP", Permission::ReadAcp),
    ("WRITE_ACP", Permission::WriteAcp),
    ("FULL_CONTROL", Permission::FullControl),
];

/// The permissions a server access logging target grant may have (`BucketLogsPermission`).
pub(crate) const LOG_PERMISSIONS: &[(&str, Permission)] = &[
    ("FULL_CONTROL", Permission::FullControl),
    ("READ", Permission::Read),
    ("WRITE", Permission::Write),
];

// Permission → policy actions, from the S3 User Guide's "Mapping of ACL permissions and access
// policy permissions" table (acl-overview.html#acl-access-policy-permission-mapping).
//
// Decision on WRITE: the table maps WRITE on a bucket to `s3:PutObject` only. The same row
// says the *bucket owner* can also overwrite and delete any object and, when the grantee is the
// bucket owner, WRITE also allows `s3:DeleteObjectVersion` on any version; the ACL overview
// warns that WRITE does not let non-owners overwrite or delete existing objects. Older guides
// listed `s3:DeleteObject` too. We therefore map WRITE to `s3:PutObject` alone; the evaluator
// (`S3Facts::bucket_write_covers`) adds overwrites and deletions for the bucket owner's and the
// object owner's account, and limits creation by others to objects that do not exist yet.
//
// READ on an object also lists `s3:GetObjectTorrent`, which older versions of the table had
// (BitTorrent retrieval is governed by the same permission).
const READ_BUCKET: &[&str] = &[
    "s3:ListBucket",
    "s3:ListBucketVersions",
    "s3:ListBucketMultipartUploads",
];
const READ_OBJECT: &[&str] = &["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTorrent"];
const WRITE_BUCKET: &[&str] = &["s3:PutObject"];
const READ_ACP_BUCKET: &[&str] = &["s3:GetBucketAcl"];
const READ_ACP_OBJECT: &[&str] = &["s3:GetObjectAcl", "s3:GetObjectVersionAcl"];
const WRITE_ACP_BUCKET: &[&str] = &["s3:PutBucketAcl"];
const WRITE_ACP_OBJECT: &[&str] = &["s3:PutObjectAcl", "s3:PutObjectVersionAcl"];
const FULL_CONTROL_BUCKET: &[&str] = &[
    "s3:ListBucket",
    "s3:ListBucketVersions",
    "s3:ListBucketMultipartUploads",
    "s3:PutObject",
    "s3:GetBucketAcl",
    "s3:PutBucketAcl",
];
const FULL_CONTROL_OBJECT: &[&str] = &[
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:GetObjectTorrent",
    "s3:GetObjectAcl",
    "s3:GetObjectVersionAcl",
    "s3:PutObjectAcl",
    "s3:PutObjectVersionAcl",
];

impl Permission {
    /// Every permission, in the order S3 documents them.
    pub const ALL: &'static [Permission] = &[
        Permission::Read,
        Permission::Write,
        Permission::ReadAcp,
        Permission::WriteAcp,
        Permission::FullControl,
    ];

    /// The spelling in ACLs (`READ_ACP`).
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Read => "READ",
            Permission::Write => "WRITE",
            Permission::ReadAcp => "READ_ACP",
            Permission::WriteAcp => "WRITE_ACP",
            Permission::FullControl => "FULL_CONTROL",
        }
    }

    /// Parses the ACL spelling (exact, as S3 prints it).
    pub fn parse(s: &str) -> Option<Permission> {
        PERMISSIONS.iter().find(|(n, _)| *n == s).map(|(_, p)| *p)
    }

    /// The policy actions this permission allows when granted in a bucket ACL
    /// (`on_object == false`; note WRITE's `s3:PutObject` applies to objects of the bucket) or
    /// in an object ACL (`on_object == true`). WRITE on an object allows nothing.
    pub fn actions(self, on_object: bool) -> &'static [&'static str] {
        match (self, on_object) {
            (Permission::Read, false) => READ_BUCKET,
            (Permission::Read, true) => READ_OBJECT,
            (Permission::Write, false) => WRITE_BUCKET,
            (Permission::Write, true) => &[],
            (Permission::ReadAcp, false) => READ_ACP_BUCKET,
            (Permission::ReadAcp, true) => READ_ACP_OBJECT,
            (Permission::WriteAcp, false) => WRITE_ACP_BUCKET,
            (Permission::WriteAcp, true) => WRITE_ACP_OBJECT,
            (Permission::FullControl, false) => FULL_CONTROL_BUCKET,
            (Permission::FullControl, true) => FULL_CONTROL_OBJECT,
        }
    }

    /// Whether holding `self` implies holding `other` (FULL_CONTROL implies every permission).
    pub fn includes(self, other: Permission) -> bool {
        self == other || self == Permission::FullControl
    }
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Acl {
    /// The grants to All Users or Authenticated Users.
    pub fn public_grants(&self) -> impl Iterator<Item = &Grant> {
        self.grants.iter().filter(|g| g.grantee.is_public())
    }

    /// Whether any grant is public.
    pub fn is_public(&self) -> bool {
        self.public_grants().next().is_some()
    }

    /// Whether some grant gives `grantee` the permission `permission` (directly or through
    /// FULL_CONTROL).
    pub fn grants(&self, grantee: &Grantee, permission: Permission) -> bool {
        self.grants
            .iter()
            .any(|g| same_grantee(&g.grantee, grantee) && g.permission.includes(permission))
    }
}

/// Grantees compare by identity: the canonical id (display names are ignored) or the group.
fn same_grantee(a: &Grantee, b: &Grantee) -> bool {
    match (a, b) {
        (Grantee::CanonicalUser { id: x, .. }, Grantee::CanonicalUser { id: y, .. }) => x == y,
        _ => a == b,
    }
}

/// The ACL that canned ACL `name` produces (§ "Canned ACL" of the ACL overview).
///
/// `object_owner` is the owner of the resource the ACL is put on: the bucket owner for a
/// bucket, the object owner for an object. `bucket_owner` is needed only for the
/// `bucket-owner-*` ACLs on objects. Returns `None` for an unknown name, for `bucket-owner-*`
/// on an object when `bucket_owner` is not given, and for `log-delivery-write` on an object
/// (it applies to buckets only). S3 ignores `bucket-owner-read` and
/// `bucket-owner-full-control` on buckets, so they give the bucket owner FULL_CONTROL only.
/// When the bucket owner is the object owner, the `bucket-owner-*` ACLs add no second grant.
pub fn canned(
    name: &str,
    object_owner: &Owner,
    bucket_owner: Option<&Owner>,
    for_object: bool,
) -> Option<Acl> {
    let grant = |grantee: Grantee, permission: Permission| Grant {
        grantee,
        permission,
        span: Span::default(),
    };
    let mut grants = vec![grant(object_owner.grantee(), Permission::FullControl)];
    match name {
        "private" => {}
        "public-read" => grants.push(grant(Grantee::AllUsers, Permission::Read)),
        "public-read-write" => {
            grants.push(grant(Grantee::AllUsers, Permission::Read));
            grants.push(grant(Grantee::AllUsers, Permission::Write));
        }
        "authenticated-read" => grants.push(grant(Grantee::AuthenticatedUsers, Permission::Read)),
        "aws-exec-read" => grants.push(grant(
            Grantee::CanonicalUser {
                id: EC2_CANONICAL_ID.to_string(),
                display_name: Some("za-team".to_string()),
            },
            Permission::Read,
        )),
        "bucket-owner-read" | "bucket-owner-full-control" => {
            if for_object {
                let bucket_owner = bucket_owner?;
                if bucket_owner.id != object_owner.id {
                    let permission = if name == "bucket-owner-read" {
                        Permission::Read
                    } else {
                        Permission::FullControl
                    };
                    grants.push(grant(bucket_owner.grantee(), permission));
                }
            }
        }
        "log-delivery-write" => {
            if for_object {
                return None;
            }
            grants.push(grant(Grantee::LogDelivery, Permission::Write));
            grants.push(grant(Grantee::LogDelivery, Permission::ReadAcp));
        }
        _ => return None,
    }
    Some(Acl {
        owner: Some(object_owner.clone()),
        grants,
        span: Span::default(),
    })
}

const GRANTEE_TYPES: &[(&str, GranteeType)] = &[
    ("CanonicalUser", GranteeType::CanonicalUser),
    ("Group", GranteeType::Group),
    ("AmazonCustomerByEmail", GranteeType::Email),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GranteeType {
    CanonicalUser,
    Group,
    Email,
}

fn read_owner(v: &Value, path: &str, r: &mut Reader) -> Option<Owner> {
    r.object(v, path)?;
    r.near_misses(v, &["ID", "DisplayName"], path);
    let id = r.req_string(v, "ID", path)?;
    let display_name = r.opt_string(v, "DisplayName", path).map(|s| s.value);
    Some(Owner {
        id: id.value,
        display_name,
        span: id.span,
    })
}

fn read_grantee(v: &Value, path: &str, r: &mut Reader) -> Option<Grantee> {
    r.object(v, path)?;
    r.near_misses(
        v,
        &["Type", "ID", "DisplayName", "URI", "EmailAddress"],
        path,
    );
    let declared = match v.get("Type") {
        Some(t) => Some(r.one_of(t, &join(path, "Type"), GRANTEE_TYPES)?),
        None => None,
    };
    let id = r.opt_string(v, "ID", path);
    let uri = r.opt_string(v, "URI", path);
    let email = r.opt_string(v, "EmailAddress", path);
    let display_name = r.opt_string(v, "DisplayName", path).map(|s| s.value);
    // The CLI's own examples omit `Type`; infer it when exactly one identifying field is there.
    let kind = match declared {
        Some(k) => k,
        None => match (&id, &uri, &email) {
            (Some(_), None, None) => GranteeType::CanonicalUser,
            (None, Some(_), None) => GranteeType::Group,
            (None, None, Some(_)) => GranteeType::Email,
            _ => {
                r.error(
                    read::head(v.span),
                    format!(
                        "`{path}` needs a `Type` and exactly one of `ID`, `URI` or `EmailAddress`"
                    ),
                );
                return None;
            }
        },
    };
    let missing = |r: &mut Reader, field: &str, ty: &str| {
        r.error(
            read::head(v.span),
            format!("`{path}` of type {ty} has no `{field}`"),
        );
    };
    match kind {
        GranteeType::CanonicalUser => match id {
            Some(id) => Some(Grantee::CanonicalUser {
                id: id.value,
                display_name,
            }),
            None => {
                missing(r, "ID", "CanonicalUser");
                None
            }
        },
        GranteeType::Email => match email {
            Some(e) => Some(Grantee::Email(e.value)),
            None => {
                missing(r, "EmailAddress", "AmazonCustomerByEmail");
                None
            }
        },
        GranteeType::Group => {
            let Some(uri) = uri else {
                missing(r, "URI", "Group");
                return None;
            };
            let known = [ALL_USERS_URI, AUTHENTICATED_USERS_URI, LOG_DELIVERY_URI];
            match uri.value.as_str() {
                ALL_USERS_URI => Some(Grantee::AllUsers),
                AUTHENTICATED_USERS_URI => Some(Grantee::AuthenticatedUsers),
                LOG_DELIVERY_URI => Some(Grantee::LogDelivery),
                other => match crate::suggest::closest(other, known) {
                    Some(hint) => {
                        r.error_with_help(
                            uri.span,
                            format!(
                                "`{}` is not an S3 group URI, found `{other}`",
                                join(path, "URI")
                            ),
                            format!("did you mean `{hint}`? S3 compares group URIs exactly"),
                        );
                        None
                    }
                    None => Some(Grantee::Group(other.to_string())),
                },
            }
        }
    }
}

/// Reads one `{"Grantee": {...}, "Permission": "..."}` grant; `permissions` lists the
/// spellings accepted (all five for ACLs, three for logging target grants).
pub(crate) fn read_grant(
    v: &Value,
    path: &str,
    permissions: &[(&str, Permission)],
    r: &mut Reader,
) -> Option<Grant> {
    r.object(v, path)?;
    r.near_misses(v, &["Grantee", "Permission"], path);
    let grantee = r.required(v, "Grantee", path);
    let permission = r.required(v, "Permission", path);
    let grantee = grantee.and_then(|g| read_grantee(g, &join(path, "Grantee"), r));
    let permission = permission.and_then(|p| r.one_of(p, &join(path, "Permission"), permissions));
    Some(Grant {
        grantee: grantee?,
        permission: permission?,
        span: v.span,
    })
}

/// Reads a `Grants` array (every element, reporting each bad one).
pub(crate) fn read_grants(
    v: &Value,
    path: &str,
    permissions: &[(&str, Permission)],
    r: &mut Reader,
) -> Option<Vec<Grant>> {
    let items = r.array(v, path)?;
    let before = r.error_count();
    let grants: Vec<Grant> = items
        .iter()
        .enumerate()
        .filter_map(|(i, g)| read_grant(g, &at(path, i), permissions, r))
        .collect();
    (r.error_count() == before).then_some(grants)
}

impl AwsDocument for Acl {
    const WHAT: &'static str = "ACL";

    fn read(value: &Value, r: &mut Reader) -> Option<Acl> {
        let (body, path) = match value.get("AccessControlPolicy") {
            Some(inner) => {
                r.near_misses(value, &["AccessControlPolicy"], "");
                (inner, "AccessControlPolicy")
            }
            None => (value, ""),
        };
        r.object(body, path)?;
        let mut known = vec!["Owner", "Grants"];
        if path.is_empty() {
            known.push("AccessControlPolicy");
        }
        r.near_misses(body, &known, path);
        let owner_value = body.get("Owner");
        let grants_value = body.get("Grants");
        if owner_value.is_none() && grants_value.is_none() {
            r.error(
                read::head(body.span),
                "an ACL has `Owner` and `Grants` (as `aws s3api get-bucket-acl` prints them)",
            );
            return None;
        }
        let before = r.error_count();
        let owner = owner_value.and_then(|o| read_owner(o, &join(path, "Owner"), r));
        let grants = match grants_value {
            Some(g) => read_grants(g, &join(path, "Grants"), PERMISSIONS, r),
            None => Some(Vec::new()),
        };
        if r.error_count() != before {
            return None;
        }
        Some(Acl {
            owner,
            grants: grants?,
            span: body.span,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws_docs::read::read_str;

    fn owner(id: &str) -> Owner {
        Owner::new(id)
    }

    #[test]
    fn every_permission_maps_to_the_documented_actions() {
        assert_eq!(
            Permission::Read.actions(false),
            [
                "s3:ListBucket",
                "s3:ListBucketVersions",
                "s3:ListBucketMultipartUploads"
            ]
        );
        assert_eq!(
            Permission::Read.actions(true),
            ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTorrent"]
        );
        assert_eq!(Permission::Write.actions(false), ["s3:PutObject"]);
        assert!(Permission::Write.actions(true).is_empty());
        assert_eq!(Permission::ReadAcp.actions(false), ["s3:GetBucketAcl"]);
        assert_eq!(
            Permission::ReadAcp.actions(true),
            ["s3:GetObjectAcl", "s3:GetObjectVersionAcl"]
        );
        assert_eq!(Permission::WriteAcp.actions(false), ["s3:PutBucketAcl"]);
        assert_eq!(
            Permission::WriteAcp.actions(true),
            ["s3:PutObjectAcl", "s3:PutObjectVersionAcl"]
        );
    }

    #[test]
    fn full_control_is_exactly_the_union_of_the_others() {
        for on_object in [false, true] {
            let mut union: Vec<&str> = [
                Permission::Read,
                Permission::Write,
                Permission::ReadAcp,
                Permission::WriteAcp,
            ]
            .iter()
            .flat_map(|p| p.actions(on_object).iter().copied())
            .collect();
            let mut full = Permission::FullControl.actions(on_object).to_vec();
            union.sort_unstable();
            full.sort_unstable();
            assert_eq!(full, union, "on_object = {on_object}");
        }
        assert!(Permission::FullControl.includes(Permission::WriteAcp));
        assert!(!Permission::Read.includes(Permission::Write));
    }

    #[test]
    fn permission_spellings_round_trip() {
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(*p));
        }
        assert_eq!(Permission::parse("read"), None);
    }

    #[test]
    fn canned_acls_expand_to_their_documented_grants() {
        let me = owner("aaaa");
        let bucket = owner("bbbb");
        let summary = |acl: &Acl| -> Vec<(Grantee, Permission)> {
            acl.grants
                .iter()
                .map(|g| (g.grantee.clone(), g.permission))
                .collect()
        };
        let me_full = (me.grantee(), Permission::FullControl);

        let private = canned("private", &me, None, false).unwrap();
        assert_eq!(summary(&private), vec![me_full.clone()]);
        assert!(!private.is_public());

        let pr = canned("public-read", &me, None, true).unwrap();
        assert_eq!(
            summary(&pr),
            vec![me_full.clone(), (Grantee::AllUsers, Permission::Read)]
        );
        assert!(pr.is_public());

        let prw = canned("public-read-write", &me, None, false).unwrap();
        assert_eq!(
            summary(&prw),
            vec![
                me_full.clone(),
                (Grantee::AllUsers, Permission::Read),
                (Grantee::AllUsers, Permission::Write)
            ]
        );

        let ar = canned("authenticated-read", &me, None, false).unwrap();
        assert_eq!(
            summary(&ar),
            vec![
                me_full.clone(),
                (Grantee::AuthenticatedUsers, Permission::Read)
            ]
        );
        assert!(ar.is_public());

        let exec = canned("aws-exec-read", &me, None, true).unwrap();
        assert_eq!(
            exec.grants[1].grantee.canonical_id(),
            Some(EC2_CANONICAL_ID)
        );
        assert!(!exec.is_public());

        let bor = canned("bucket-owner-read", &me, Some(&bucket), true).unwrap();
        assert_eq!(
            summary(&bor),
            vec![me_full.clone(), (bucket.grantee(), Permission::Read)]
        );
        let bofc = canned("bucket-owner-full-control", &me, Some(&bucket), true).unwrap();
        assert_eq!(
            summary(&bofc),
            vec![me_full.clone(), (bucket.grantee(), Permission::FullControl)]
        );
        // Same owner: no second grant. On a bucket: ignored by S3.
        let same = canned("bucket-owner-full-control", &me, Some(&me), true).unwrap();
        assert_eq!(summary(&same), vec![me_full.clone()]);
        let on_bucket = canned("bucket-owner-read", &me, Some(&bucket), false).unwrap();
        assert_eq!(summary(&on_bucket), vec![me_full.clone()]);
        assert!(canned("bucket-owner-read", &me, None, true).is_none());

        let ldw = canned("log-delivery-write", &me, None, false).unwrap();
        assert_eq!(
            summary(&ldw),
            vec![
                me_full,
                (Grantee::LogDelivery, Permission::Write),
                (Grantee::LogDelivery, Permission::ReadAcp)
            ]
        );
        assert!(canned("log-delivery-write", &me, None, true).is_none());
        assert!(canned("public", &me, None, false).is_none());
        for name in CANNED_ACLS {
            assert!(canned(name, &me, Some(&bucket), false).is_some(), "{name}");
        }
    }

    #[test]
    fn acls_read_with_or_without_the_wrapper_and_type() {
        let text = r#"{"AccessControlPolicy": {"Owner": {"ID": "abc"}, "Grants": [
            {"Grantee": {"URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"},
            {"Grantee": {"Type": "AmazonCustomerByEmail", "EmailAddress": "a@example.com"}, "Permission": "READ_ACP"}
        ]}}"#;
        let acl = read_str::<Acl>("acl.json", text).unwrap().doc;
        assert_eq!(acl.owner.as_ref().unwrap().id, "abc");
        assert_eq!(acl.grants[0].grantee, Grantee::AllUsers);
        assert_eq!(
            acl.grants[1].grantee,
            Grantee::Email("a@example.com".into())
        );
        assert!(acl.grants(&Grantee::AllUsers, Permission::Read));
        assert!(!acl.grants(&Grantee::AllUsers, Permission::Write));
    }

    #[test]
    fn grantee_problems_are_named_by_path() {
        let text = r#"{"Owner": {"ID": "abc"}, "Grants": [
            {"Grantee": {"Type": "Group", "URI": "https://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"},
            {"Grantee": {"Type": "CanonicalUser"}, "Permission": "READ"},
            {"Grantee": {"Type": "Group", "URI": "http://example.com/groups/Mine"}, "Permission": "READ"}
        ]}"#;
        let report = read_str::<Acl>("acl.json", text).unwrap_err();
        let messages: Vec<&str> = report
            .findings
            .iter()
            .map(|f| f.finding.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "`Grants[0].Grantee.URI` is not an S3 group URI, found `https://acs.amazonaws.com/groups/global/AllUsers`",
                "`Grants[1].Grantee` of type CanonicalUser has no `ID`",
            ]
        );
    }
}
