//! A bucket ready to decide on: a bucket folder (or individual CLI outputs) loaded into one
//! evaluation graph (bucket and access point policies) with its S3 facts (ACLs, Object
//! Ownership, Block Public Access, access points, objects, canonical ids), and a record of
//! what was not given so that nothing unknown is ever reported as safe.

use crate::arn::Arn;
use crate::aws_docs::folder::{AccessPointFolder, BucketFolder, Setting};
use crate::aws_docs::read::Loaded;
use crate::aws_docs::{
    Acl, AuthorizationDetails, NetworkOrigin, OwnershipControls, PublicAccessBlock,
};
use crate::eval::graph::{Graph, Layer};
use crate::eval::s3_facts::{
    AccessPointFacts, AccessPointKind, AclFacts, BpaLevel, BpaSetting, ObjectFacts, Place,
};
use crate::eval::{Caller, LoadError};
use crate::json::Value;
use crate::load::{self, FileReport, LoadOptions};
use crate::registry::Severity;
use crate::source::SourceFile;

/// What the inputs say, beyond the graph: which documents were looked at.
#[derive(Debug, Clone, Copy, Default)]
pub struct Known {
    /// Whether the bucket policy is known (given, or known not to exist).
    pub policy: bool,
    /// Whether the bucket ACL is known.
    pub bucket_acl: bool,
    /// Whether the account-level Block Public Access is known.
    pub account_bpa: bool,
    /// Whether the bucket-level Block Public Access is known.
    pub bucket_bpa: bool,
    /// Whether the bucket's access points are known.
    pub access_points: bool,
    /// Whether the Multi-Region Access Points routing to the bucket are known.
    pub multi_region: bool,
    /// Only a policy file was given: judge that policy alone, without ACLs or BPA.
    pub policy_only: bool,
}

/// A bucket as the evaluator models it: the graph of its policies and its S3 facts, loaded
/// from a bucket folder (the files on disk: [`crate::aws_docs::BucketFolder`]) or from
/// individual files; not to be confused with a bucket's public-access verdict
/// ([`crate::public::bucket::BucketVerdict`]).
#[derive(Debug, Clone)]
pub struct BucketModel {
    /// The bucket name.
    pub name: String,
    /// The owner account id, if known.
    pub owner: Option<String>,
    /// The bucket and access point policies, and the S3 facts.
    pub graph: Graph,
    /// What the inputs say nothing about.
    pub known: Known,
    /// Lint reports of the policies read, for their warnings and notes.
    pub reports: Vec<FileReport>,
    /// The owner account's IAM configuration, if given.
    pub authorization: Option<Loaded<AuthorizationDetails>>,
    /// The KMS leg of reads and writes of objects under the default encryption, when it uses
    /// KMS (bucket folders: `encryption.json` and `kms/<key-id>/`).
    pub kms: Option<crate::eval::kms::BucketKms>,
}

impl BucketModel {
    /// An empty bucket: nothing known.
    pub fn new(name: impl Into<String>) -> BucketModel {
        BucketModel {
            name: name.into(),
            owner: None,
            graph: Graph::new(),
            known: Known::default(),
            reports: Vec::new(),
            authorization: None,
            kms: None,
        }
    }

    /// Loads a bucket folder (see `docs/bucket-folder.md`); an invalid policy is an error.
    pub fn from_folder(folder: &BucketFolder) -> Result<BucketModel, Vec<FileReport>> {
        let (mut bucket, mut errors) = BucketModel::from_folder_lenient(folder);
        // The endpoint policies gate requests (they are no part of the bucket's own
        // configuration the lenient reading audits).
        if let Setting::Present(l) = &folder.vpc_endpoints {
            match crate::eval::vpce::add_endpoints(&mut bucket.graph, l) {
                Ok(shown) => bucket.reports.extend(shown),
                Err(failed) => errors.extend(failed),
            }
        }
        if errors.is_empty() {
            Ok(bucket)
        } else {
            Err(errors)
        }
    }

    /// Loads a bucket folder, leaving out the policies that have errors (returned), for
    /// checks that do not need them.
    pub fn from_folder_lenient(folder: &BucketFolder) -> (BucketModel, Vec<FileReport>) {
        let mut b = BucketModel::new(folder.bucket());
        b.owner = Some(folder.account_id().to_string());
        b.graph.s3.bucket = Some(folder.bucket().to_string());
        b.graph.s3.unsettled = folder.unsettled.clone();
        b.kms = crate::eval::kms::BucketKms::of_folder(folder);
        if let Some(id) = &folder.manifest.doc.canonical_id {
            b.graph.s3.learn_canonical(&id.value, folder.account_id());
        }
        let mut errors = Vec::new();
        match &folder.policy {
            Setting::Present(l) => {
                if let Err(e) = b.add_policy(&l.source, &l.root, Layer::Bucket, 0) {
                    errors.push(e);
                }
                b.known.policy = true;
            }
            Setting::Absent { .. } => b.known.policy = true,
            Setting::Unknown => {}
        }
        if let Setting::Present(l) = &folder.acl {
            b.set_bucket_acl(l);
        }
        b.known.bucket_acl = !folder.acl.is_unknown();
        match &folder.ownership_controls {
            Setting::Present(l) => b.set_ownership(l),
            // A bucket without ownership controls behaves as ObjectWriter.
            Setting::Absent { source } => {
                b.graph.s3.ownership = Some((
                    crate::aws_docs::ObjectOwnership::ObjectWriter,
                    Some(Place {
                        source: source.clone(),
                        span: crate::source::Span::new(0, 0),
                    }),
                ));
            }
            Setting::Unknown => {}
        }
        b.known.bucket_bpa = bpa(
            &folder.public_access_block,
            BpaLevel::Bucket,
            &mut b.graph.s3.bucket_bpa,
        );
        if let Some(account) = &folder.account {
            if let Some(id) = &account.manifest.doc.canonical_id {
                b.graph
                    .s3
                    .learn_canonical(&id.value, &account.manifest.doc.account.value);
            }
            b.known.account_bpa = bpa(
                &account.public_access_block,
                BpaLevel::Account,
                &mut b.graph.s3.account_bpa,
            );
            if let Setting::Present(l) = &account.authorization_details {
                b.authorization = Some(l.clone());
            }
        }
        for o in &folder.objects {
            let acl = o.acl.loaded().map(|l| AclFacts {
                acl: l.doc.clone(),
                source: Some(l.source.clone()),
            });
            if let (Some(owner), Some(a)) = (
                acl.as_ref().and_then(|a| a.acl.owner.as_ref()),
                &o.owner_account,
            ) {
                b.graph.s3.learn_canonical(&owner.id, &a.value);
            }
            b.graph.s3.objects.push(ObjectFacts {
                key: o.key.value.clone(),
                owner_account: o.owner_account.as_ref().map(|a| a.value.clone()),
                acl,
            });
        }
        if let Some(aps) = &folder.access_points {
            b.known.access_points = true;
            for ap in aps {
                if let Err(e) = b.add_access_point(ap) {
                    errors.extend(e);
                }
            }
        }
        if let Some(mraps) = &folder.multi_region_access_points {
            b.known.multi_region = true;
            for m in mraps {
                if let Err(e) = b.add_multi_region(m) {
                    errors.extend(e);
                }
            }
        }
        for o in folder.object_lambda_access_points.iter().flatten() {
            if let Err(e) = b.add_object_lambda(o) {
                errors.extend(e);
            }
        }
        (b, errors)
    }

    /// A bucket known only by one policy file, judged alone (`public FILE`): a bucket policy,
    /// or (with `access_point`) an access point policy, taken to be open to the Internet. The
    /// name is the bucket or access point its resources name, or the file name.
    pub fn from_policy(source: SourceFile, access_point: bool) -> Result<BucketModel, LoadError> {
        let name = source.name().to_string();
        let mut b = BucketModel::new(name);
        b.known.policy = true;
        b.known.policy_only = true;
        let layer = if access_point {
            Layer::AccessPoint
        } else {
            Layer::Bucket
        };
        let report = crate::eval::add_source(&mut b.graph, source, layer, 0)?;
        b.reports.push(report);
        if access_point {
            let (name, account, region) = named_access_point(&b.graph).unwrap_or_default();
            b.graph.s3.access_points.push(AccessPointFacts {
                kind: AccessPointKind::Regional,
                name: name.clone(),
                account,
                region,
                bucket: String::new(),
                network: NetworkOrigin::Internet,
                bpa: None,
                place: None,
                pending: None,
                policy_known: true,
            });
            if !name.is_empty() {
                b.name = format!("access point {name}");
            }
        } else if let Some(bucket) = named_bucket(&b.graph) {
            b.name = bucket;
        }
        Ok(b)
    }

    /// Lints and adds a policy document (`root` inside `source`) to `layer`.
    pub fn add_policy(
        &mut self,
        source: &SourceFile,
        root: &Value,
        layer: Layer,
        level: usize,
    ) -> Result<(), FileReport> {
        let options = LoadOptions::of_kind(layer.kind());
        let analysis = load::analyze_value(source.clone(), root, &options, Vec::new());
        if analysis.report.max_severity() == Some(Severity::Error) || analysis.policies.is_empty() {
            return Err(analysis.report);
        }
        for p in analysis.policies {
            self.graph.add(source.clone(), p, layer, level);
        }
        self.reports.push(analysis.report);
        Ok(())
    }

    /// Sets the bucket ACL (its owner's canonical id is the bucket owner's).
    pub fn set_bucket_acl(&mut self, l: &Loaded<Acl>) {
        if let (Some(owner), Some(account)) = (&l.doc.owner, &self.owner) {
            let account = account.clone();
            self.graph.s3.learn_canonical(&owner.id, &account);
        }
        self.graph.s3.bucket_acl = Some(AclFacts {
            acl: l.doc.clone(),
            source: Some(l.source.clone()),
        });
        self.known.bucket_acl = true;
    }

    /// Sets the ACL of object `key`.
    pub fn set_object_acl(&mut self, key: &str, l: &Loaded<Acl>) {
        let facts = AclFacts {
            acl: l.doc.clone(),
            source: Some(l.source.clone()),
        };
        match self.graph.s3.objects.iter_mut().find(|o| o.key == key) {
            Some(o) => o.acl = Some(facts),
            None => self.graph.s3.objects.push(ObjectFacts {
                key: key.to_string(),
                owner_account: None,
                acl: Some(facts),
            }),
        }
    }

    /// Sets Object Ownership.
    pub fn set_ownership(&mut self, l: &Loaded<OwnershipControls>) {
        self.graph.s3.ownership = Some((
            l.doc.ownership,
            Some(Place {
                source: l.source.clone(),
                span: l.doc.span,
            }),
        ));
    }

    /// Sets Block Public Access at the account or bucket level.
    pub fn set_bpa(&mut self, level: BpaLevel, l: &Loaded<PublicAccessBlock>) {
        let s = BpaSetting::from_file(l.doc, level, l.source.clone(), &l.root);
        match level {
            BpaLevel::Account => {
                self.graph.s3.account_bpa = Some(s);
                self.known.account_bpa = true;
            }
            _ => {
                self.graph.s3.bucket_bpa = Some(s);
                self.known.bucket_bpa = true;
            }
        }
    }

    /// Adds an access point (its description and policy).
    pub fn add_access_point(&mut self, ap: &AccessPointFolder) -> Result<(), Vec<FileReport>> {
        let index = self.graph.s3.access_points.len();
        let owner = self.owner.clone().unwrap_or_default();
        let facts = match &ap.access_point {
            Setting::Present(l) => {
                let d = &l.doc;
                AccessPointFacts {
                    kind: AccessPointKind::Regional,
                    name: d.name.value.clone(),
                    account: d.account.clone().unwrap_or_else(|| owner.clone()),
                    region: d.region.clone(),
                    bucket: d.bucket.value.clone(),
                    network: d.network_origin.clone(),
                    bpa: d.public_access_block.map(|flags| {
                        BpaSetting::from_file(
                            flags,
                            BpaLevel::AccessPoint,
                            l.source.clone(),
                            &l.root,
                        )
                    }),
                    place: Some(Place {
                        source: l.source.clone(),
                        span: d.span,
                    }),
                    pending: None,
                    policy_known: !ap.policy.is_unknown(),
                }
            }
            // Without its description, the access point is taken to be open to the Internet
            // with no Block Public Access of its own: the least restrictive reading.
            _ => AccessPointFacts {
                kind: AccessPointKind::Regional,
                name: ap.name.clone(),
                account: owner,
                region: None,
                bucket: self.name.clone(),
                network: NetworkOrigin::Internet,
                bpa: None,
                place: None,
                pending: None,
                policy_known: !ap.policy.is_unknown(),
            },
        };
        self.graph.s3.access_points.push(facts);
        if let Setting::Present(l) = &ap.policy {
            self.add_policy(&l.source, &l.root, Layer::AccessPoint, index)
                .map_err(|e| vec![e])?;
        }
        Ok(())
    }

    /// Adds the identity policies and permissions boundary the account's IAM configuration
    /// records for `caller` (a user, role or session of the owner account), and gives the
    /// caller the path recorded there. Returns what was done, as sentences for the output.
    pub fn add_identity_of(&mut self, caller: &mut Caller, with_boundary: bool) -> Vec<String> {
        let mut notes = Vec::new();
        let Some(auth) = &self.authorization else {
            return notes;
        };
        let (given, name) = match &*caller {
            Caller::Session { role, .. } => (caller.principal_arn(), role.clone()),
            Caller::User { name, .. } => (caller.principal_arn(), name.clone()),
            _ => (None, String::new()),
        };
        let name = name.as_str();
        let Some(given) = given else { return notes };
        // IAM user and role names are unique in an account whatever their path, so a caller
        // given without its path is found by name (IAM "IAM identifiers" page).
        let is_user = matches!(caller, Caller::User { .. });
        let account = caller.account().unwrap_or("").to_string();
        let account = account.as_str();
        let by_name = |arn: &str, kind: &str| {
            Arn::split(arn).is_some_and(|a| {
                a.account == account
                    && a.resource.starts_with(kind)
                    && a.resource.rsplit('/').next() == Some(name)
            })
        };
        let arn = if auth.doc.identity_policies_of(&given).is_some() {
            given.clone()
        } else if is_user {
            auth.doc
                .users
                .iter()
                .map(|u| u.arn.value.clone())
                .find(|a| by_name(a, "user/"))
                .unwrap_or(given.clone())
        } else {
            auth.doc
                .roles
                .iter()
                .map(|r| r.arn.value.clone())
                .find(|a| by_name(a, "role/"))
                .unwrap_or(given.clone())
        };
        let Some(found) = auth.doc.identity_policies_of(&arn) else {
            if self.owner.as_deref() == Some(account) {
                notes.push(format!(
                    "`{given}` is not in {}: no identity policy of it is applied",
                    auth.source.name()
                ));
            }
            return notes;
        };
        // The recorded path, for aws:PrincipalArn.
        if arn != given
            && let Ok(resolved) = Caller::parse(&arn)
        {
            match (&mut *caller, resolved) {
                (Caller::User { .. }, r @ Caller::User { .. }) => *caller = r,
                (Caller::Session { role_path, .. }, Caller::Session { role_path: p, .. }) => {
                    *role_path = p
                }
                _ => {}
            }
        }
        let source = auth.source.clone();
        for p in &found.policies {
            let from = p.source.map_or(&source, |f| &f.0).clone();
            self.graph.add(from, p.policy.clone(), Layer::Identity, 0);
        }
        notes.push(format!(
            "{} identity polic{} of `{arn}` taken from {}",
            found.policies.len(),
            if found.policies.len() == 1 {
                "y"
            } else {
                "ies"
            },
            source.name()
        ));
        // Infrastructure as code: what is not known offline about this principal's
        // permissions (a user's groups count too).
        let groups: Vec<&str> = auth
            .doc
            .user(&arn)
            .map(|u| {
                u.groups
                    .iter()
                    .filter_map(|g| auth.doc.group(&g.value))
                    .map(|g| g.arn.value.as_str())
                    .collect()
            })
            .unwrap_or_default();
        for (who, why) in &auth.doc.unknowns {
            if *who == arn || who == "*" || groups.contains(&who.as_str()) {
                notes.push(format!(
                    "uncertain: {why}; the answer may differ once it is known"
                ));
            }
        }
        if !found.unresolved.is_empty() {
            notes.push(format!(
                "{} policy or group reference(s) of `{arn}` are not in {}: its permissions may be incomplete",
                found.unresolved.len(),
                source.name()
            ));
        }
        if with_boundary && let Some(boundary) = auth.doc.boundary_of(&arn) {
            match boundary.policy {
                Some(m) => {
                    self.graph.add(
                        m.source.as_ref().map_or(&source, |f| &f.0).clone(),
                        m.document.clone(),
                        Layer::PermissionsBoundary,
                        0,
                    );
                    notes.push(format!(
                        "permissions boundary `{}` taken from {}",
                        boundary.arn.value,
                        source.name()
                    ));
                }
                None => notes.push(format!(
                    "the permissions boundary `{}` is not in {}; it is not applied",
                    boundary.arn.value,
                    source.name()
                )),
            }
        }
        notes
    }
}

/// Records a Block Public Access setting of a folder; returns whether it is known.
fn bpa(
    setting: &Setting<PublicAccessBlock>,
    level: BpaLevel,
    slot: &mut Option<BpaSetting>,
) -> bool {
    match setting {
        Setting::Present(l) => {
            *slot = Some(BpaSetting::from_file(
                l.doc,
                level,
                l.source.clone(),
                &l.root,
            ));
            true
        }
        // No configuration on AWS: every flag is off.
        Setting::Absent { source } => {
            *slot = Some(BpaSetting {
                flags: PublicAccessBlock::default(),
                level,
                place: Some((source.clone(), [crate::source::Span::new(0, 0); 4])),
            });
            true
        }
        Setting::Unknown => false,
    }
}

/// The bucket a policy's resources name, when they all name the same one.
pub fn named_bucket(graph: &Graph) -> Option<String> {
    let mut name: Option<String> = None;
    for d in &graph.documents {
        for st in &d.policy.statements {
            for r in st.resource.iter().flat_map(|r| r.items.iter()) {
                let Some(arn) = Arn::split(&r.value) else {
                    continue;
                };
                if arn.service != "s3" || !arn.region.is_empty() {
                    continue;
                }
                let b = arn.resource.split('/').next().unwrap_or("");
                if b.is_empty() || b.contains(['*', '?']) {
                    continue;
                }
                match &name {
                    Some(n) if n != b => return None,
                    _ => name = Some(b.to_string()),
                }
            }
        }
    }
    name
}

/// The access point an access point policy's resources name: (name, account, region).
fn named_access_point(graph: &Graph) -> Option<(String, String, Option<String>)> {
    graph.documents.iter().find_map(|d| {
        d.policy.statements.iter().find_map(|st| {
            st.resource
                .iter()
                .flat_map(|r| r.items.iter())
                .find_map(|r| {
                    let arn = Arn::split(&r.value)?;
                    let rest = arn.resource.strip_prefix("accesspoint/")?;
                    let name = rest.split('/').next()?;
                    (!name.contains(['*', '?'])).then(|| {
                        (
                            name.to_string(),
                            arn.account.to_string(),
                            (!arn.region.is_empty()).then(|| arn.region.to_string()),
                        )
                    })
                })
        })
    })
}
