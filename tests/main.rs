//! Integration tests, built as one binary (`autotests = false` in Cargo.toml).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a failing test should panic with the value"
)]

mod audit;
mod audit_rebase;
mod catalog_overlay;
mod cli;
mod cli_conventions;
mod corpus;
mod decide;
mod destinations;
mod diff;
mod diff_oracle;
mod exact;
mod federated;
mod fixtures;
mod fuzz_smoke;
#[path = "../fuzz/src/targets.rs"]
mod fuzz_targets;
mod hostile;
mod iac_bucket_audit;
mod iac_cloudformation;
mod iac_identity;
mod iac_lint;
mod iac_model;
mod iac_plan;
mod kms;
mod layering;
mod multi_region;
mod object_lambda;
mod outputs;
mod proofs;
mod properties;
mod public;
mod query_input;
mod rules;
mod s3_documents;
mod sarif_schema;
mod security;
mod terraform;
mod uncertainty;
mod vault;
mod vpce;
mod who_can_formats;
