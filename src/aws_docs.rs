//! Typed readers for the non-policy S3 and IAM documents the AWS CLI prints, and the bucket
//! folder layout that groups them.
//!
//! - [`acl`]: bucket and object ACLs, canned ACLs, ACL permission → policy actions.
//! - [`settings`]: Block Public Access, Object Ownership, encryption, versioning, logging,
//!   CORS, Object Lock, notifications, location, policy status.
//! - [`access_point`]: `aws s3control get-access-point` output.
//! - [`account`]: `aws iam get-account-authorization-details` output, with lowered policies.
//! - [`cloudtrail`]: `aws cloudtrail get-event-selectors` output: which S3 object events a
//!   trail records.
//! - [`kms`]: `aws kms describe-key` and `aws s3api head-object` output: the key of an
//!   SSE-KMS object.
//! - [`folder`]: bucket and account folders (`docs/bucket-folder.md`).
//! - [`read`]: the shared reading helpers and the [`read::AwsDocument`] trait.
//!
//! Every reader reports a wrong shape as a located finding (code `E009 document-shape`, or
//! `E010 bucket-folder` for the folder layout) and never panics.

pub mod access_point;
pub mod account;
pub mod acl;
pub mod cloudtrail;
pub mod folder;
pub mod kms;
pub mod read;
pub mod settings;

pub use access_point::{AccessPoint, NetworkOrigin};
pub use account::AuthorizationDetails;
pub use acl::{Acl, Grant, Grantee, Owner, Permission};
pub use folder::{AccountFolder, BucketFolder, Setting, load_account, load_bucket};
pub use read::{AwsDocument, Loaded};
pub use settings::{
    Cors, Encryption, Location, Logging, Notifications, ObjectLock, ObjectOwnership,
    OwnershipControls, PolicyStatus, PublicAccessBlock, Versioning,
};
