//! The buckets infrastructure as code declares, as inputs of `public`, `who-can` and `query
//! --bucket`: a Terraform module directory or `.tf` file (read with the rest of its
//! directory, as Terraform does), a plan, or a CloudFormation template gives one input per
//! bucket, named `FILE#ADDRESS` (`main.tf#aws_s3_bucket.logs`, `template.yaml#LogsBucket`);
//! the same form on the command line picks one bucket. Each is built by `iac::model` into a
//! bucket folder and loaded by the one model builder.

use super::inputs::{IacInput, InputError, PublicInput};
use crate::eval::bucket::BucketModel;
use crate::iac::model::{self, NotPicked};
use crate::load::Root;
use std::path::{Path, PathBuf};

/// The inputs of an IaC path (`FILE#ADDRESS` picks one bucket); `None` when `path` is not IaC.
pub fn iac_inputs(path: &Path, root: &Root) -> Option<Vec<PublicInput>> {
    if let Some((file, address)) = model::split_address(path) {
        let all = iac_inputs(&file, root)?;
        let mut picked: Vec<PublicInput> = all
            .into_iter()
            .filter(|i| matches!(i, PublicInput::Iac(x) if x.address.as_deref().is_none_or(|a| a == address)))
            .collect();
        if !picked
            .iter()
            .any(|i| matches!(i, PublicInput::Iac(x) if x.address.is_some()))
        {
            // Not declared: `load` says which buckets are.
            picked.push(input(&file, Some(address)));
        }
        return Some(picked);
    }
    let unit = model::read_path(path, root)?;
    let mut out = Vec::new();
    if !unit.errors().is_empty() {
        out.push(input(path, None));
    }
    for b in unit.buckets(&Root::default()) {
        if declared_in(&b, path) {
            out.push(input(path, Some(b.address)));
        }
    }
    Some(out)
}

fn input(file: &Path, address: Option<String>) -> PublicInput {
    let shown = match &address {
        Some(a) => PathBuf::from(format!("{}#{a}", file.display())),
        None => file.to_path_buf(),
    };
    PublicInput::Iac(IacInput {
        file: file.to_path_buf(),
        address,
        shown,
    })
}

/// A bucket given as a `.tf` file belongs to it when that file declares part of it (the
/// bucket, a setting, its policy); any other unit holds its buckets.
fn declared_in(b: &model::IacBucketFolder, path: &Path) -> bool {
    if !model::is_terraform(path) {
        return true;
    }
    let wanted = path.canonicalize().ok();
    b.files.iter().any(|f| {
        let f = Path::new(f);
        match (f.canonicalize().ok(), &wanted) {
            (Some(a), Some(b)) => &a == b,
            _ => f == path,
        }
    })
}

/// Loads the bucket of `input`, built from its unit; reading and shape errors are reports.
pub fn load(input: &IacInput, root: &Root) -> Result<BucketModel, InputError> {
    let invalid = |reports| InputError::Invalid {
        path: input.shown.clone(),
        reports,
    };
    let Some(unit) = model::read_path(&input.file, root) else {
        return Err(invalid(Vec::new()));
    };
    let Some(address) = &input.address else {
        return Err(invalid(unit.errors()));
    };
    match model::pick(&unit, &input.file, Some(address), root) {
        Ok(b) => BucketModel::from_folder(&b.folder).map_err(invalid),
        Err(NotPicked::Errors(reports)) => Err(invalid(reports)),
        Err(NotPicked::Other(message)) => Err(InputError::NoSuchBucket(message)),
    }
}
