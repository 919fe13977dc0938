//! s3-access: offline, explainable analysis of who can do what to an S3 bucket, and why.
//!
//! Data flows one way: file → strict span-keeping JSON ([`json`]) → recognised documents
//! ([`document`]) → the typed policy model ([`policy`]) and S3 documents ([`s3`]) → the
//! compiled evaluation graph and decisions ([`eval`]), the meaning of public ([`public`]) and
//! findings ([`lint`]) → renderers ([`report`]). The library never prints; the `s3-access` binary is a thin layer of commands
//! over it.

pub mod arn;
pub mod audit;
pub mod catalog;
pub mod config;
pub mod diagnostic;
pub mod document;
pub mod eval;
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
pub mod s3;
pub mod scenario;
pub mod source;
pub mod suggest;
pub mod validate;
pub mod values;
pub mod variables;
pub mod wildcard;
