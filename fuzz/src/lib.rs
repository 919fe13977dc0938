//! Fuzz targets of s3-access; see `docs/robustness.md`.

pub mod targets;
