//! `diff --plan PLAN.json`: a Terraform plan (`terraform show -json`) is a ready-made diff, the
//! buckets before the apply against the buckets after it ([`crate::iac::model::plan_sides`]).
//!
//! The plan reader keeps only the bucket policy's value before the apply; the bucket's ACL,
//! Block Public Access and Object Ownership before it are unknown. So that an unknown never
//! reads as "no new access", OLD is first taken at its most closed (no ACL grant, every Block
//! Public Access flag on): access NEW grants that this OLD does not is all the access the apply
//! can add. A finding whose witness OLD would allow with NEW's settings (the settings left as
//! they are) may have been granted before: it is reported as uncertain, not as new access.

use super::{CompareOptions, Compared, Pair};
use crate::aws_docs::settings::PublicAccessBlock;
use crate::eval::bucket::BucketModel;
use crate::eval::s3_facts::{BpaLevel, BpaSetting};
use crate::exact::diff::diff;
use crate::exact::{Reason, ReasonKind, replay, who_can};
use crate::iac::Format;
use crate::iac::model::{self, IacBucketFolder};
use crate::load::Root;
use crate::public::inputs::InputError;
use crate::source::SourceFile;
use std::path::Path;

/// Whether `path` is a Terraform plan (read as `public` reads it).
pub fn is_plan(path: &Path) -> bool {
    let root = Root::new(&[path.to_path_buf()], None);
    path.is_file()
        && model::read_path(path, &root)
            .is_some_and(|u| u.files.iter().any(|f| f.format == Format::TerraformPlan))
}

/// Compares the buckets of plan `path` before the apply with the buckets after it.
pub fn plan(path: &Path, options: &CompareOptions) -> Compared {
    let mut out = Compared::default();
    let shown = path.display().to_string();
    let invalid = |reports| InputError::Invalid {
        path: path.to_path_buf(),
        reports,
    };
    let root = Root::new(&[path.to_path_buf()], options.widen.as_deref());
    let unit = match model::read_path(path, &root) {
        Some(u) if u.files.iter().all(|f| f.format == Format::TerraformPlan) => u,
        _ => {
            out.errors.push(not_a_plan(path));
            return out;
        }
    };
    let errors = unit.errors();
    if !errors.is_empty() {
        out.errors.push(invalid(errors));
        return out;
    }
    let text = match crate::load::read_limited(path)
        .map_err(|e| e.to_string())
        .and_then(crate::iac::terraform::plan::decode)
    {
        Ok(t) => t,
        Err(e) => {
            out.errors.push(InputError::NoSuchBucket(format!(
                "cannot read {shown}: {e}"
            )));
            return out;
        }
    };
    let root = Root::new(&[path.to_path_buf()], options.widen.as_deref());
    let sides = model::plan_sides(SourceFile::new(shown.clone(), text), &root);
    let mut load = |b: &IacBucketFolder| match BucketModel::from_folder(&b.folder) {
        Ok(m) => Some(m),
        Err(reports) => {
            out.errors.push(invalid(reports));
            None
        }
    };
    let news: Vec<(String, BucketModel)> = sides
        .new
        .iter()
        .filter_map(|b| Some((b.address.clone(), load(b)?)))
        .collect();
    let olds: Vec<(String, BucketModel)> = sides
        .old
        .iter()
        .filter_map(|b| Some((b.address.clone(), load(b)?)))
        .collect();
    for (address, new) in &news {
        let old = olds.iter().find(|(a, _)| a == address).map(|(_, m)| m);
        out.pairs
            .push(compare(&shown, address, old, Some(new), options));
    }
    for (address, old) in &olds {
        if !news.iter().any(|(a, _)| a == address) {
            out.pairs
                .push(compare(&shown, address, Some(old), None, options));
        }
    }
    out
}

/// Why `path` is not read as a plan: its JSON errors, located, when it has some.
fn not_a_plan(path: &Path) -> InputError {
    let options = crate::load::LoadOptions::default();
    match crate::aws_docs::folder::analyze_path(path, &options) {
        Err(error) => InputError::Unreadable {
            path: path.to_path_buf(),
            error,
        },
        Ok(a) if a.report.max_severity() == Some(crate::registry::Severity::Error) => {
            InputError::Invalid {
                path: path.to_path_buf(),
                reports: vec![a.report],
            }
        }
        Ok(_) => InputError::NoSuchBucket(format!(
            "{} is not a Terraform plan (`terraform show -json PLAN`)",
            path.display()
        )),
    }
}

/// One bucket of the plan before and after the apply (see the module comment).
fn compare(
    shown: &str,
    address: &str,
    old: Option<&BucketModel>,
    new: Option<&BucketModel>,
    options: &CompareOptions,
) -> Pair {
    let closed = old.map(|o| {
        let mut o = o.clone();
        // Every flag on is the most closed a bucket's Block Public Access can be; the account's
        // flags only close more (S3 uses the most restrictive of the two levels):
        // https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
        o.graph.s3.bucket_bpa = Some(BpaSetting {
            flags: PublicAccessBlock {
                block_public_acls: true,
                ignore_public_acls: true,
                block_public_policy: true,
                restrict_public_buckets: true,
                span: crate::source::Span::default(),
            },
            level: BpaLevel::Bucket,
            place: None,
        });
        o
    });
    let mut d = diff(closed.as_ref(), new, &options.scope, false);
    if let (Some(old), Some(new)) = (old, new) {
        // OLD with the settings NEW has: the before policy and the after ACL, flags, ownership.
        let mut unchanged = old.clone();
        unchanged.graph.s3 = new.graph.s3.clone();
        if options.removed {
            // What the apply takes away, the settings left as they are (the documents, hence
            // the statement ids, are those of the closed OLD).
            d.removed = diff(Some(&unchanged), Some(new), &options.scope, true).removed;
        }
        let (unchanged, _) = who_can::with_assumed_identity(&unchanged.graph);
        let (kept, maybe): (Vec<_>, Vec<_>) = std::mem::take(&mut d.added)
            .into_iter()
            .partition(|g| !replay(&unchanged, &g.witness, &d.owner, options.scope.now));
        d.added = kept;
        let mut actions: Vec<&str> = maybe
            .iter()
            .map(|g| g.witness.request.action.as_str())
            .collect();
        actions.sort_unstable();
        actions.dedup();
        if !actions.is_empty() {
            d.reasons.push(Reason::new(
                ReasonKind::IacUnknown,
                maybe.first().and_then(|g| g.statements.first().copied()),
                format!(
                    "{} allowed after the apply may have been allowed before it: the plan does not give \
                     the bucket's ACL, Block Public Access and Object Ownership before the apply",
                    actions.join(", ")
                ),
            ));
        }
    }
    if options.removed && new.is_none() {
        d = diff(old, None, &options.scope, true);
    }
    d.reasons.dedup();
    Pair {
        old: old.map(|_| format!("{shown}#{address} (before the apply)")),
        new: new.map(|_| format!("{shown}#{address}")),
        address: Some(address.to_string()),
        diff: d,
    }
}
