//! The typed scenario model: what a scenario file says, checked once by the reader
//! (`read.rs`, `s3_section.rs`) so that running it never looks at its JSON again. Documents
//! stay references (inline JSON or a path) until the run loads them.

use super::problems::Mark;
use crate::aws_docs::ObjectOwnership;
use crate::eval::s3_facts::BpaLevel;
use crate::eval::{Caller, Decision, Layer};
use crate::json::Value;
use crate::source::Span;
use std::path::PathBuf;

/// A scenario file.
pub(super) struct Scenario {
    /// Free text.
    pub description: Option<String>,
    /// The account that owns the resources, for every request that names none.
    pub bucket_owner: Option<String>,
    /// The request time in epoch seconds, when given (and valid).
    pub time: Option<i64>,
    /// The S3 facts beside the policies.
    pub s3: Option<S3Section>,
    /// The documents, by layer.
    pub policies: Option<Policies>,
    /// The requests that are complete enough to decide, in file order.
    pub requests: Vec<RequestSpec>,
    /// The organisation id `outside-org` is relative to, when given.
    pub organization: Option<String>,
    /// The assertions over all requests, in the order `never`, `no-public`, `no-plain-http`,
    /// `only`.
    pub proofs: Vec<super::proofs::ProofSpec>,
    /// The KMS key the bucket's objects are encrypted with (the scenario's `kms`), and its
    /// grants: the proofs count the KMS leg of their reads and writes.
    pub kms: Option<(crate::eval::kms::KmsKey, Option<DocRef>)>,
}

/// One request and the decision it must get.
pub(super) struct RequestSpec {
    /// Its name, or where it is when it has none.
    pub name: String,
    /// Where the request is written.
    pub span: Span,
    /// Who makes it.
    pub caller: Caller,
    /// The action, as written.
    pub action: String,
    /// The resource ARN, as written.
    pub resource: String,
    /// The resource owner for this request only.
    pub bucket_owner: Option<String>,
    /// Condition keys given, in file order (an array gives one pair per value).
    pub context: Vec<(String, String)>,
    /// Layers that replace the scenario's layers of the same name.
    pub policies: Option<Policies>,
    /// S3 facts that replace the scenario's.
    pub s3: Option<S3Section>,
    /// The request time in epoch seconds, when given (and valid).
    pub time: Option<i64>,
    /// The expected decision.
    pub expected: Decision,
    /// The KMS key of the object (the request's `kms`): S3's request to KMS is decided too.
    pub kms: Option<crate::eval::kms::KmsKey>,
    /// The key's grants (the request's `kms.grants`).
    pub kms_grants: Option<DocRef>,
}

/// The documents of one `policies` object.
pub(super) struct Policies {
    /// The layers given, in the order they are loaded.
    pub layers: Vec<LayerPolicies>,
}

/// The documents of one layer.
pub(super) struct LayerPolicies {
    /// The layer.
    pub layer: Layer,
    /// The documents of each organisation level, root first (SCPs and RCPs); one level for
    /// the other layers.
    pub levels: Vec<Vec<PolicyRef>>,
}

/// A policy inside a scenario: inline JSON, or a file relative to the scenario.
pub(super) enum PolicyRef {
    /// Written in the scenario.
    Inline(Value),
    /// A file to read.
    File {
        /// Joined to the scenario's folder.
        path: PathBuf,
        /// The path as written, where an unreadable file is reported.
        span: Span,
        /// Where among the scenario's findings that report goes.
        mark: Mark,
    },
}

/// An S3 document inside a scenario: inline JSON, or a file relative to the scenario (read
/// by the S3 readers, which report an unreadable file themselves).
pub(super) enum DocRef {
    /// Written in the scenario.
    Inline(Value),
    /// A file to read, joined to the scenario's folder.
    File(PathBuf),
    /// A path that must not be read (reported where it is written): no document.
    Refused,
}

/// The `s3` section: the bucket's ACLs, Object Ownership, Block Public Access, access points
/// and objects, or a whole bucket folder they add to.
#[derive(Default)]
pub(super) struct S3Section {
    /// A bucket folder to start from, joined to the scenario's folder.
    pub bucket_folder: Option<PathBuf>,
    /// The bucket's name.
    pub bucket: Option<String>,
    /// Account id and canonical user id pairs, in file order.
    pub canonical_ids: Vec<(String, String)>,
    /// Object Ownership.
    pub object_ownership: Option<OwnershipSpec>,
    /// The bucket ACL.
    pub bucket_acl: Option<AclSpec>,
    /// Objects whose owner or ACL matters.
    pub objects: Vec<ObjectSpec>,
    /// Block Public Access settings, account level first.
    pub public_access_block: Vec<(BpaLevel, DocRef)>,
    /// Access points.
    pub access_points: Vec<AccessPointSpec>,
}

/// Object Ownership: by name, or `get-bucket-ownership-controls` output.
pub(super) enum OwnershipSpec {
    /// The setting's name.
    Named(ObjectOwnership),
    /// The CLI output.
    Controls(DocRef),
}

/// An ACL: a canned ACL by name (a valid one), or `get-bucket-acl` / `get-object-acl` output.
pub(super) enum AclSpec {
    /// The canned ACL's name; its owner is the bucket or object owner.
    Canned(String),
    /// The CLI output.
    Document(DocRef),
}

/// An object of the `objects` list.
pub(super) struct ObjectSpec {
    /// The object key.
    pub key: String,
    /// The owning account (default: the bucket owner).
    pub owner_account: Option<String>,
    /// Its ACL.
    pub acl: Option<AclSpec>,
}

/// An access point of the `access_points` list.
pub(super) struct AccessPointSpec {
    /// `aws s3control get-access-point` output, or with `multi_region`
    /// `get-multi-region-access-point` output.
    pub description: DocRef,
    /// Whether it is a Multi-Region Access Point.
    pub multi_region: bool,
    /// Its access point policy.
    pub policy: AccessPointPolicy,
}

/// The `policy` of an access point.
pub(super) enum AccessPointPolicy {
    /// Not given: the access point has no policy.
    Absent,
    /// The policy document.
    Given(DocRef),
    /// Neither an object nor a path. Reported only once the description has loaded: an
    /// access point whose description cannot be read is skipped whole.
    NotADocument {
        /// The value.
        span: Span,
        /// Where among the scenario's findings it is reported.
        mark: Mark,
    },
}
