//! s3-access: offline, explainable analysis of who can do what to an S3 bucket, and why.
//!
//! Data flows one way: file → strict span-keeping JSON ([`json`]) → recognised documents
//! ([`document`]) → the typed policy model ([`policy`]), validated ([`validate`]) and located
//! ([`load`]); AWS CLI documents and bucket folders ([`aws_docs`]) and infrastructure as code
//! ([`iac`]) read into the same documents → the compiled evaluation graph and decisions
//! ([`eval`]) → public access ([`public`]) and the risk audit ([`audit`]) → the lint run
//! ([`lint`]) and scenarios ([`scenario`]) → renderers ([`report`]). No module uses one later in
//! that flow (`tests/layering.rs`, `docs/architecture.md`). The library never prints; the
//! `s3-access` binary is a thin layer of commands over it.

pub mod arn;
pub mod audit;
pub mod aws_docs;
pub mod catalog;
pub mod compare;
pub mod config;
pub mod contain;
pub mod diagnostic;
pub mod document;
pub mod eval;
pub mod exact;
pub mod git;
pub mod iac;
pub mod json;
pub mod lint;
pub mod load;
pub mod policy;
pub mod public;
pub mod publicity;
pub mod query;
pub mod registry;
pub mod report;
pub mod scenario;
pub mod source;
pub mod suggest;
pub mod validate;
pub mod values;
pub mod variables;
pub mod wildcard;
