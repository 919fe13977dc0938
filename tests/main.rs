//! Integration tests, built as one binary (`autotests = false` in Cargo.toml).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a failing test should panic with the value"
)]

mod audit;
mod audit_rebase;
mod cli;
mod corpus;
mod decide;
mod exact;
mod fixtures;
mod fuzz_smoke;
#[path = "../fuzz/src/targets.rs"]
mod fuzz_targets;
mod hostile;
mod iac_cloudformation;
mod layering;
mod outputs;
mod properties;
mod public;
mod query_input;
mod rules;
mod s3_documents;
mod sarif_schema;
mod security;
mod terraform;
mod uncertainty;
