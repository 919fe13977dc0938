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
//! - [`destination`]: the policies of event notification destinations (SNS topic, SQS
//!   queue, Lambda function), as `get-topic-attributes`, `get-queue-attributes` and
//!   `get-policy` print them.
//! - [`kms`]: `aws kms describe-key` and `aws s3api head-object` output: the key of an
//!   SSE-KMS object.
//! - [`multi_region`]: `aws s3control get-multi-region-access-point` output.
//! - [`object_lambda`]: S3 Object Lambda access points' configuration and description.
//! - [`folder`]: bucket and account folders (`docs/bucket-folder.md`).
//! - [`read`]: the shared reading helpers and the [`read::AwsDocument`] trait.
//!
//! Every reader reports a wrong shape as a located finding (code `E009 document-shape`, or
//! `E010 bucket-folder` for the folder layout) and never panics.

pub mod access_point;
pub mod account;
pub mod acl;
pub mod cloudtrail;
pub mod destination;
pub mod folder;
pub mod kms;
pub mod multi_region;
pub mod object_lambda;
pub mod read;
pub mod settings;
pub mod vpce;

pub use access_point::{AccessPoint, NetworkOrigin};
pub use account::AuthorizationDetails;
pub use acl::{Acl, Grant, Grantee, Owner, Permission};
pub use folder::{AccountFolder, BucketFolder, Setting, load_account, load_bucket};
pub use multi_region::MultiRegionAccessPoint;
pub use read::{AwsDocument, Loaded};
pub use settings::{
    Cors, Encryption, Location, Logging, Notifications, ObjectLock, ObjectOwnership,
    OwnershipControls, PolicyStatus, PublicAccessBlock, Versioning,
};
