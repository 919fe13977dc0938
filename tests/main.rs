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

/// A folder of the shared corpus, `../shared/corpus/REL` beside the checkout (as CI lays it
/// out) or one level further up from a worktree (`wt/NAME`); `None` when absent.
pub(crate) fn shared_corpus(rel: &str) -> Option<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    ["../shared/corpus", "../../shared/corpus"]
        .iter()
        .map(|c| root.join(c).join(rel))
        .find(|p| p.is_dir())
}
