//! Terraform plans (`terraform show -json`).
