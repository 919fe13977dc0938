//! The S3 facts a decision needs beyond policies: bucket and object ACLs, Object Ownership,
//! Block Public Access at account, bucket and access point level, the access points, and which
//! canonical user id is which account.
//!
//! These are plain data with a place in a file each, so the trace can say "blocked by
//! RestrictPublicBuckets (account setting, file:line)". The rules that use them live in
//! [`crate::eval::decide`]; the meaning of "public" in [`crate::public`].

use crate::arn::Arn;
use crate::aws_docs::acl::{Acl, Grantee, Permission};
use crate::aws_docs::{NetworkOrigin, ObjectOwnership, PublicAccessBlock};
use crate::eval::graph::GrantKind;
use crate::eval::request::Caller;
use crate::json::Value;
use crate::source::{SourceFile, Span};
use serde::Serialize;

/// Where a fact is written: a file and a span in it.
#[derive(Debug, Clone)]
pub struct Place {
    /// The file.
    pub source: SourceFile,
    /// The span of the value.
    pub span: Span,
}

/// The level a Block Public Access setting is made at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BpaLevel {
    /// The account (`aws s3control get-public-access-block`).
    Account,
    /// The bucket (`aws s3api get-public-access-block`).
    Bucket,
    /// An access point (fixed when it is created).
    AccessPoint,
    /// A Multi-Region Access Point (fixed when it is created).
    MultiRegionAccessPoint,
    /// An S3 Object Lambda access point (always on, per the S3 API reference).
    ObjectLambdaAccessPoint,
}

impl BpaLevel {
    /// A display name.
    pub fn as_str(self) -> &'static str {
        match self {
            BpaLevel::Account => "account",
            BpaLevel::Bucket => "bucket",
            BpaLevel::AccessPoint => "access point",
            BpaLevel::MultiRegionAccessPoint => "Multi-Region Access Point",
            BpaLevel::ObjectLambdaAccessPoint => "Object Lambda access point",
        }
    }
}

/// One of the four Block Public Access flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BpaFlag {
    /// Reject public ACLs at PUT time.
    BlockPublicAcls,
    /// Ignore public ACL grants at request time.
    IgnorePublicAcls,
    /// Reject public policies at PUT time.
    BlockPublicPolicy,
    /// Restrict a public policy to AWS services and the owner account at request time.
    RestrictPublicBuckets,
}

impl BpaFlag {
    /// All four, in the order S3 lists them.
    pub const ALL: [BpaFlag; 4] = [
        BpaFlag::BlockPublicAcls,
        BpaFlag::IgnorePublicAcls,
        BpaFlag::BlockPublicPolicy,
        BpaFlag::RestrictPublicBuckets,
    ];

    /// The spelling in the S3 API.
    pub fn as_str(self) -> &'static str {
        match self {
            BpaFlag::BlockPublicAcls => "BlockPublicAcls",
            BpaFlag::IgnorePublicAcls => "IgnorePublicAcls",
            BpaFlag::BlockPublicPolicy => "BlockPublicPolicy",
            BpaFlag::RestrictPublicBuckets => "RestrictPublicBuckets",
        }
    }

    /// The flag's value in a configuration.
    pub fn of(self, b: &PublicAccessBlock) -> bool {
        match self {
            BpaFlag::BlockPublicAcls => b.block_public_acls,
            BpaFlag::IgnorePublicAcls => b.ignore_public_acls,
            BpaFlag::BlockPublicPolicy => b.block_public_policy,
            BpaFlag::RestrictPublicBuckets => b.restrict_public_buckets,
        }
    }
}

/// A Block Public Access configuration at one level, with the place of each flag.
#[derive(Debug, Clone)]
pub struct BpaSetting {
    /// The flags (all off when the configuration does not exist on AWS).
    pub flags: PublicAccessBlock,
    /// The level.
    pub level: BpaLevel,
    /// The file, and the span of each flag in [`BpaFlag::ALL`] order (the configuration's
    /// span for a flag the file leaves out).
    pub place: Option<(SourceFile, [Span; 4])>,
}

impl BpaSetting {
    /// A setting read from a file; `root` is the file's JSON, to locate each flag.
    pub fn from_file(
        flags: PublicAccessBlock,
        level: BpaLevel,
        source: SourceFile,
        root: &Value,
    ) -> BpaSetting {
        let spans = BpaFlag::ALL.map(|f| flag_span(root, f.as_str()).unwrap_or(flags.span));
        BpaSetting {
            flags,
            level,
            place: Some((source, spans)),
        }
    }

    /// Where `flag` is written.
    pub fn place_of(&self, flag: BpaFlag) -> Option<Place> {
        let (source, spans) = self.place.as_ref()?;
        let i = BpaFlag::ALL.iter().position(|f| *f == flag)?;
        Some(Place {
            source: source.clone(),
            span: spans.get(i).copied().unwrap_or_default(),
        })
    }
}

/// The span of member `key`, at the top level or inside one wrapper object.
fn flag_span(root: &Value, key: &str) -> Option<Span> {
    let members = root.as_object()?;
    if let Some(m) = members.iter().find(|m| &*m.key == key) {
        return Some(m.value.span);
    }
    members.iter().find_map(|m| {
        m.value
            .as_object()?
            .iter()
            .find(|i| &*i.key == key)
            .map(|i| i.value.span)
    })
}

/// An ACL with the file it comes from.
#[derive(Debug, Clone)]
pub struct AclFacts {
    /// The ACL.
    pub acl: Acl,
    /// The file (grants carry their spans in it).
    pub source: Option<SourceFile>,
}

/// An object the analysis knows about.
#[derive(Debug, Clone)]
pub struct ObjectFacts {
    /// The key.
    pub key: String,
    /// The account that owns it, if known.
    pub owner_account: Option<String>,
    /// Its ACL, if known.
    pub acl: Option<AclFacts>,
}

/// Which kind of access point a route goes through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessPointKind {
    /// An access point of one region (`arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME`).
    Regional,
    /// A Multi-Region Access Point (`arn:aws:s3::ACCOUNT:accesspoint/ALIAS`); the facts' name
    /// is its alias, as its ARN spells it.
    MultiRegion {
        /// Its name (`Name`, not the alias).
        name: String,
    },
}

/// An access point, or a Multi-Region Access Point routing to the bucket.
#[derive(Debug, Clone)]
pub struct AccessPointFacts {
    /// Its name (for a Multi-Region Access Point, its alias).
    pub name: String,
    /// Regional or Multi-Region.
    pub kind: AccessPointKind,
    /// The account that owns it.
    pub account: String,
    /// Its region, if known.
    pub region: Option<String>,
    /// The bucket behind it.
    pub bucket: String,
    /// Internet or VPC.
    pub network: NetworkOrigin,
    /// Its Block Public Access settings, if known.
    pub bpa: Option<BpaSetting>,
    /// Where it is described (`access-point.json`).
    pub place: Option<Place>,
    /// A proposed policy that differs from the one in force and is still being applied (a
    /// Multi-Region Access Point's policy changes asynchronously): where it is written.
    pub pending: Option<Place>,
    /// Whether its policy is known (given, or known not to exist); an unknown policy could
    /// grant anything.
    pub policy_known: bool,
}

impl AccessPointFacts {
    /// How messages name it: "access point `ap`" or "Multi-Region Access Point `name`
    /// (alias `….mrap`)".
    pub fn label(&self) -> String {
        match &self.kind {
            AccessPointKind::Regional => format!("access point `{}`", self.name),
            AccessPointKind::MultiRegion { name } => {
                format!("Multi-Region Access Point `{name}` (alias `{}`)", self.name)
            }
        }
    }

    /// Whether it is a Multi-Region Access Point.
    pub fn is_multi_region(&self) -> bool {
        matches!(self.kind, AccessPointKind::MultiRegion { .. })
    }

    /// `arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME`.
    pub fn arn(&self, partition: &str) -> String {
        format!(
            "arn:{partition}:s3:{}:{}:accesspoint/{}",
            self.region.as_deref().unwrap_or(""),
            self.account,
            self.name
        )
    }
}

/// The S3 facts of the bucket a graph decides about. Empty by default: no ACLs, no Block
/// Public Access, every object owned by the bucket owner.
#[derive(Debug, Clone, Default)]
pub struct S3Facts {
    /// The bucket's name, if known (ACLs apply only to resources of this bucket).
    pub bucket: Option<String>,
    /// Canonical user id → account id, for ACL grantees and owners.
    pub canonical_ids: Vec<(String, String)>,
    /// Object Ownership, with where it is set; `None` when unknown (ACLs then apply if given).
    pub ownership: Option<(ObjectOwnership, Option<Place>)>,
    /// The bucket ACL.
    pub bucket_acl: Option<AclFacts>,
    /// Objects with their owner and ACL.
    pub objects: Vec<ObjectFacts>,
    /// The owner of objects not listed in `objects` (`--object-owner`); the bucket owner when
    /// `None`.
    pub object_owner: Option<String>,
    /// Account-level Block Public Access; `None` when not given.
    pub account_bpa: Option<BpaSetting>,
    /// Bucket-level Block Public Access; `None` when not given.
    pub bucket_bpa: Option<BpaSetting>,
    /// The access points of the bucket.
    pub access_points: Vec<AccessPointFacts>,
    /// Values the facts and policies depend on that are not known offline (a bucket read
    /// from infrastructure as code): verdicts they touch are uncertain.
    pub unsettled: Vec<crate::aws_docs::folder::Unsettled>,
    /// The S3 Object Lambda access points whose supporting access point is on the bucket.
    pub object_lambda: Vec<crate::eval::object_lambda::ObjectLambdaFacts>,
    /// The graph is an Object Lambda access point leg: its resource policy is that access
    /// point's policy ([`crate::eval::object_lambda`]).
    pub object_lambda_leg: bool,
}

/// An ACL grant, by position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "acl", rename_all = "kebab-case")]
pub enum AclRef {
    /// Grant `grant` of the bucket ACL.
    Bucket {
        /// Index in the ACL's grants.
        grant: usize,
    },
    /// Grant `grant` of the ACL of object `object` (index in [`S3Facts::objects`]).
    Object {
        /// Index of the object.
        object: usize,
        /// Index in the ACL's grants.
        grant: usize,
    },
}

/// An ACL grant that covers a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AclMatch {
    /// The grant.
    pub grant: AclRef,
    /// How it grants (an account grant delegates to the account's identity policies).
    pub kind: GrantKind,
    /// Whether the grantee is All Users or Authenticated Users.
    pub public: bool,
}

/// What an S3 resource ARN points at, for ACLs and ownership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// The bucket itself.
    Bucket,
    /// An object of the bucket.
    Object {
        /// The key.
        key: &'a str,
    },
    /// Something else (another bucket, `*`, a non-S3 resource).
    Other,
}

/// The service principal that S3 server access logging delivers as; the Log Delivery group
/// of ACLs stands for it (S3 "Enabling server access logging" page).
pub const LOG_DELIVERY_SERVICE: &str = "logging.s3.amazonaws.com";

/// The action of PutObject, which a bucket ACL's WRITE grants on the bucket's objects.
const PUT_OBJECT: &str = "s3:putobject";

impl S3Facts {
    /// Whether no S3 fact was given (decisions are then policy-only).
    pub fn is_empty(&self) -> bool {
        self.ownership.is_none()
            && self.bucket_acl.is_none()
            && self.objects.is_empty()
            && self.object_owner.is_none()
            && self.account_bpa.is_none()
            && self.bucket_bpa.is_none()
            && self.access_points.is_empty()
    }

    /// The account of a canonical user id, if known.
    pub fn account_of_canonical(&self, id: &str) -> Option<&str> {
        self.canonical_ids
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(id))
            .map(|(_, a)| a.as_str())
    }

    /// Records that canonical id `id` is account `account` (first mapping wins).
    pub fn learn_canonical(&mut self, id: &str, account: &str) {
        if self.account_of_canonical(id).is_none() {
            self.canonical_ids
                .push((id.to_string(), account.to_string()));
        }
    }

    /// Whether ACLs take part in authorization: not under BucketOwnerEnforced (S3 "Object
    /// Ownership" page); when the setting is unknown, a given ACL is taken to apply.
    pub fn acls_enabled(&self) -> bool {
        self.ownership
            .as_ref()
            .is_none_or(|(o, _)| o.acls_enabled())
    }

    /// What `resource` points at in this bucket.
    pub fn target<'r>(&self, resource: &'r str) -> Target<'r> {
        let Some(rest) = Arn::split(resource)
            .filter(|a| a.service == "s3" && a.region.is_empty() && a.account.is_empty())
            .map(|a| a.resource)
        else {
            return Target::Other;
        };
        let (bucket, key) = match rest.split_once('/') {
            Some((b, k)) => (b, Some(k)),
            None => (rest, None),
        };
        if self.bucket.as_deref().is_some_and(|b| b != bucket) {
            return Target::Other;
        }
        // The key is a slice of `resource`: find it there so the lifetime is the resource's.
        match key {
            Some(_) => {
                let start = resource.len() - rest.len() + bucket.len() + 1;
                Target::Object {
                    key: resource.get(start..).unwrap_or(""),
                }
            }
            None => Target::Bucket,
        }
    }

    /// The index of object `key` in [`S3Facts::objects`].
    pub fn object(&self, key: &str) -> Option<usize> {
        self.objects.iter().position(|o| o.key == key)
    }

    /// The account that owns object `key`: the bucket owner under BucketOwnerEnforced (S3
    /// "Object Ownership" page); else the listed owner, the owner of its ACL, or the default.
    pub fn object_owner(&self, key: &str, bucket_owner: &str) -> String {
        if !self.acls_enabled() {
            return bucket_owner.to_string();
        }
        if let Some(o) = self.object(key).and_then(|i| self.objects.get(i)) {
            if let Some(a) = &o.owner_account {
                return a.clone();
            }
            if let Some(a) = o
                .acl
                .as_ref()
                .and_then(|acl| acl.acl.owner.as_ref())
                .and_then(|owner| self.account_of_canonical(&owner.id))
            {
                return a.to_string();
            }
        }
        self.object_owner
            .clone()
            .unwrap_or_else(|| bucket_owner.to_string())
    }

    /// The ACL grants covering `action_lower` on `target` for `caller`, appended to `out`.
    /// Grants to a canonical id whose account is unknown and that would cover the action are
    /// appended to `unknown` (the caller may be that account).
    pub fn acl_grants(
        &self,
        caller: &Caller,
        action_lower: &str,
        target: Target<'_>,
        bucket_owner: &str,
        out: &mut Vec<AclMatch>,
        unknown: &mut Vec<String>,
    ) {
        if !self.acls_enabled() {
            return;
        }
        let mut scan = |acl: &AclFacts,
                        covers: &dyn Fn(Permission) -> bool,
                        mk: &dyn Fn(usize) -> AclRef| {
            for (i, g) in acl.acl.grants.iter().enumerate() {
                let grantee_account = g
                    .grantee
                    .canonical_id()
                    .and_then(|id| self.account_of_canonical(id));
                if !covers(g.permission) {
                    continue;
                }
                match grantee_kind(&g.grantee, grantee_account, caller) {
                    Some(kind) => out.push(AclMatch {
                        grant: mk(i),
                        kind,
                        public: g.grantee.is_public(),
                    }),
                    None => {
                        if let (Some(id), None) = (g.grantee.canonical_id(), grantee_account) {
                            unknown.push(format!(
                                "an ACL grant of {} to canonical user `{id}` covers `{action_lower}`, but s3-access does not know which account that is; if it is the caller's, the grant applies (give the canonical ids of accounts in the bucket folder's manifest)",
                                g.permission
                            ));
                        }
                    }
                }
            }
        };
        match target {
            Target::Bucket => {
                if let Some(acl) = &self.bucket_acl {
                    let covers = |p: Permission| permission_covers(p, false, action_lower);
                    scan(acl, &covers, &|grant| AclRef::Bucket { grant });
                }
            }
            Target::Object { key } => {
                if let Some(acl) = &self.bucket_acl {
                    let write = self.bucket_write_covers(caller, action_lower, key, bucket_owner);
                    let covers = |p: Permission| write && p.includes(Permission::Write);
                    scan(acl, &covers, &|grant| AclRef::Bucket { grant });
                }
                if let Some(object) = self.object(key)
                    && let Some(acl) = self.objects.get(object).and_then(|o| o.acl.as_ref())
                {
                    let covers = |p: Permission| permission_covers(p, true, action_lower);
                    scan(acl, &covers, &|grant| AclRef::Object { object, grant });
                }
            }
            Target::Other => {}
        }
    }

    /// Whether a bucket-ACL WRITE grant covers `action_lower` on object `key` for `caller`: it
    /// creates new objects for anyone it names, and overwrites or deletes an existing object
    /// only for the bucket owner's and the object owner's account. An object not listed in
    /// [`S3Facts::objects`] may be new, so writing it is covered.
    // AWS rule: WRITE "allows grantee to create new objects in the bucket. For the bucket and
    // object owners of existing objects, also allows deletions and overwrites of those objects"
    // (S3 "Access control list (ACL) overview", permissions table).
    fn bucket_write_covers(
        &self,
        caller: &Caller,
        action_lower: &str,
        key: &str,
        bucket_owner: &str,
    ) -> bool {
        let owns = |account: &str| !account.is_empty() && caller.account() == Some(account);
        let is_owner = || owns(bucket_owner) || owns(&self.object_owner(key, bucket_owner));
        match action_lower {
            PUT_OBJECT => self.object(key).is_none() || is_owner(),
            "s3:deleteobject" | "s3:deleteobjectversion" => is_owner(),
            _ => false,
        }
    }

    /// The ACL and grant behind `r`.
    pub fn grant(&self, r: AclRef) -> Option<(&AclFacts, &crate::aws_docs::acl::Grant)> {
        let acl = match r {
            AclRef::Bucket { .. } => self.bucket_acl.as_ref()?,
            AclRef::Object { object, .. } => self.objects.get(object)?.acl.as_ref()?,
        };
        let index = match r {
            AclRef::Bucket { grant } | AclRef::Object { grant, .. } => grant,
        };
        acl.acl.grants.get(index).map(|g| (acl, g))
    }

    /// The levels that apply to a request (account, bucket, and the access point it goes
    /// through), in that order.
    pub fn bpa_levels(&self, access_point: Option<usize>) -> Vec<&BpaSetting> {
        let ap = access_point
            .and_then(|i| self.access_points.get(i))
            .and_then(|a| a.bpa.as_ref());
        [self.account_bpa.as_ref(), self.bucket_bpa.as_ref(), ap]
            .into_iter()
            .flatten()
            .collect()
    }

    /// The first level that turns `flag` on: the effective value of each flag is the OR of
    /// the levels (S3 "Blocking public access" page, "most restrictive combination").
    pub fn bpa_setter(&self, flag: BpaFlag, access_point: Option<usize>) -> Option<&BpaSetting> {
        self.bpa_levels(access_point)
            .into_iter()
            .find(|s| flag.of(&s.flags))
    }

    /// The access point a resource ARN goes through, and the object key (for
    /// `…:accesspoint/NAME/object/KEY`) or `None` (for the access point itself).
    pub fn access_point_of<'r>(&self, resource: &'r str) -> Option<(usize, Option<&'r str>)> {
        let arn = Arn::split(resource)?;
        if arn.service != "s3" {
            return None;
        }
        let rest = arn.resource.strip_prefix("accesspoint/")?;
        let (name, key) = match rest.split_once('/') {
            Some((n, tail)) => (n, Some(tail.strip_prefix("object/")?)),
            None => (rest, None),
        };
        let index = self.access_points.iter().position(|a| {
            a.name == name
                && a.account == arn.account
                && a.region.as_deref().is_none_or(|r| r == arn.region)
        })?;
        Some((index, key))
    }
}

/// Whether an ACL permission covers the action (S3 "ACL overview", permission mapping table).
fn permission_covers(permission: Permission, on_object: bool, action_lower: &str) -> bool {
    permission
        .actions(on_object)
        .iter()
        .any(|a| a.eq_ignore_ascii_case(action_lower))
}

/// How a grantee matches the caller.
fn grantee_kind(grantee: &Grantee, account: Option<&str>, caller: &Caller) -> Option<GrantKind> {
    match grantee {
        // AWS rule: All Users is everyone, signed or anonymous (S3 "ACL overview", grantees).
        Grantee::AllUsers => Some(GrantKind::Direct),
        // AWS rule: Authenticated Users is any signed request from any AWS account.
        Grantee::AuthenticatedUsers => (*caller != Caller::Anonymous).then_some(GrantKind::Direct),
        Grantee::LogDelivery => matches!(caller, Caller::Service { name } if name.eq_ignore_ascii_case(LOG_DELIVERY_SERVICE))
            .then_some(GrantKind::Direct),
        // AWS rule: a grant to an account delegates to it; its IAM principals still need an
        // identity-policy allow, its root user does not (S3 "ACL overview").
        Grantee::CanonicalUser { .. } => {
            let account = account?;
            match caller {
                Caller::Root { account: a, .. } if a == account => Some(GrantKind::Direct),
                c if c.account() == Some(account) => Some(GrantKind::Account),
                _ => None,
            }
        }
        Grantee::Email(_) | Grantee::Group(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws_docs::acl::{Grant, Owner};

    fn facts_with_bucket_acl(grants: Vec<(Grantee, Permission)>) -> S3Facts {
        S3Facts {
            bucket: Some("b".into()),
            canonical_ids: vec![("owner".into(), "111122223333".into())],
            bucket_acl: Some(AclFacts {
                acl: Acl {
                    owner: Some(Owner::new("owner")),
                    grants: grants
                        .into_iter()
                        .map(|(grantee, permission)| Grant {
                            grantee,
                            permission,
                            span: Span::default(),
                        })
                        .collect(),
                    span: Span::default(),
                },
                source: None,
            }),
            ..S3Facts::default()
        }
    }

    fn grants(f: &S3Facts, caller: &str, action: &str, resource: &str) -> Vec<GrantKind> {
        let caller = Caller::parse(caller).unwrap();
        let mut out = Vec::new();
        let mut unknown = Vec::new();
        f.acl_grants(
            &caller,
            &action.to_ascii_lowercase(),
            f.target(resource),
            "111122223333",
            &mut out,
            &mut unknown,
        );
        out.into_iter().map(|m| m.kind).collect()
    }

    #[test]
    fn all_users_read_lets_anyone_list_but_not_read_objects() {
        let f = facts_with_bucket_acl(vec![(Grantee::AllUsers, Permission::Read)]);
        assert_eq!(
            grants(&f, "anonymous", "s3:ListBucket", "arn:aws:s3:::b"),
            vec![GrantKind::Direct]
        );
        assert!(grants(&f, "anonymous", "s3:GetObject", "arn:aws:s3:::b/k").is_empty());
        assert!(grants(&f, "anonymous", "s3:ListBucket", "arn:aws:s3:::other").is_empty());
    }

    #[test]
    fn authenticated_users_never_match_anonymous_callers() {
        let f = facts_with_bucket_acl(vec![(Grantee::AuthenticatedUsers, Permission::Write)]);
        assert!(grants(&f, "anonymous", "s3:PutObject", "arn:aws:s3:::b/k").is_empty());
        assert_eq!(
            grants(
                &f,
                "arn:aws:iam::999988887777:user/x",
                "s3:PutObject",
                "arn:aws:s3:::b/k"
            ),
            vec![GrantKind::Direct]
        );
    }

    #[test]
    fn an_account_grant_delegates_except_for_its_root_user() {
        let f = facts_with_bucket_acl(vec![(
            Grantee::CanonicalUser {
                id: "owner".into(),
                display_name: None,
            },
            Permission::FullControl,
        )]);
        assert_eq!(
            grants(&f, "111122223333", "s3:PutBucketAcl", "arn:aws:s3:::b"),
            vec![GrantKind::Direct]
        );
        assert_eq!(
            grants(
                &f,
                "arn:aws:iam::111122223333:user/u",
                "s3:PutBucketAcl",
                "arn:aws:s3:::b"
            ),
            vec![GrantKind::Account]
        );
        // FULL_CONTROL on the bucket to the owner also allows deleting object versions.
        assert_eq!(
            grants(
                &f,
                "111122223333",
                "s3:DeleteObjectVersion",
                "arn:aws:s3:::b/k"
            ),
            vec![GrantKind::Direct]
        );
    }

    #[test]
    fn bucket_owner_enforced_turns_acls_off() {
        let mut f = facts_with_bucket_acl(vec![(Grantee::AllUsers, Permission::Read)]);
        f.ownership = Some((ObjectOwnership::BucketOwnerEnforced, None));
        assert!(grants(&f, "anonymous", "s3:ListBucket", "arn:aws:s3:::b").is_empty());
        assert_eq!(f.object_owner("k", "111122223333"), "111122223333");
    }

    #[test]
    fn access_point_arns_resolve_to_their_access_point_and_key() {
        let f = S3Facts {
            access_points: vec![
                AccessPointFacts {
                    kind: AccessPointKind::Regional,
                    name: "ap".into(),
                    account: "111122223333".into(),
                    region: Some("eu-west-1".into()),
                    bucket: "b".into(),
                    network: NetworkOrigin::Internet,
                    bpa: None,
                    place: None,
                    pending: None,
                    policy_known: true,
                },
                AccessPointFacts {
                    kind: AccessPointKind::MultiRegion {
                        name: "reports".into(),
                    },
                    name: "mfzwi23gnjvgw.mrap".into(),
                    account: "111122223333".into(),
                    region: Some(String::new()),
                    bucket: "b".into(),
                    network: NetworkOrigin::Internet,
                    bpa: None,
                    place: None,
                    pending: None,
                    policy_known: true,
                },
            ],
            ..S3Facts::default()
        };
        // A Multi-Region Access Point's ARN has no region; one with a region is another thing.
        assert_eq!(
            f.access_point_of("arn:aws:s3::111122223333:accesspoint/mfzwi23gnjvgw.mrap/object/k"),
            Some((1, Some("k")))
        );
        assert_eq!(
            f.access_point_of("arn:aws:s3:eu-west-1:111122223333:accesspoint/mfzwi23gnjvgw.mrap"),
            None
        );
        assert_eq!(
            f.access_points[1].label(),
            "Multi-Region Access Point `reports` (alias `mfzwi23gnjvgw.mrap`)"
        );
        assert_eq!(
            f.access_point_of("arn:aws:s3:eu-west-1:111122223333:accesspoint/ap/object/a/b.txt"),
            Some((0, Some("a/b.txt")))
        );
        assert_eq!(
            f.access_point_of("arn:aws:s3:eu-west-1:111122223333:accesspoint/ap"),
            Some((0, None))
        );
        assert_eq!(
            f.access_point_of("arn:aws:s3:us-east-1:111122223333:accesspoint/ap"),
            None
        );
        assert_eq!(
            f.target("arn:aws:s3:::b/dir/k"),
            Target::Object { key: "dir/k" }
        );
    }
}
