//! Access decisions: the request model, the compiled evaluation graph, condition operators
//! and the IAM decision flow with a full trace.
//!
//! The evaluator is the single source of truth: lint rules and the public-access analysis ask
//! it questions; they never re-implement policy matching.

pub mod actions;
pub mod bucket;
pub mod condition;
pub mod context;
pub mod decide;
pub mod graph;
pub mod kms;
pub mod multi_region;
pub mod object_lambda;
pub mod publicity;
pub mod request;
pub mod s3_facts;
pub mod vpce;

pub use decide::{Decision, Response, decide};
pub use graph::{Graph, Layer};
pub use request::{Caller, Request};

use crate::load::{self, FileReport, LoadOptions};
use crate::registry::Severity;
use crate::source::SourceFile;

/// Why a document could not be added to a graph.
#[derive(Debug)]
pub enum LoadError {
    /// The file could not be read.
    Io(String, std::io::Error),
    /// The document has error-level findings: AWS would not accept it, so no decision about it
    /// can be trusted. The report says where.
    Invalid(Box<FileReport>),
    /// The file holds no policy.
    NoPolicy(Box<FileReport>),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Io(path, e) => write!(f, "cannot read {path}: {e}"),
            LoadError::Invalid(r) => write!(
                f,
                "{} is not a valid policy (see the errors above)",
                r.source.name()
            ),
            LoadError::NoPolicy(r) => write!(f, "{} holds no policy", r.source.name()),
        }
    }
}

/// Lints `source` as documents of `layer` and adds its policies to `graph`; returns the lint
/// report (warnings and notes) so the caller can show them.
pub fn add_source(
    graph: &mut Graph,
    source: SourceFile,
    layer: Layer,
    level: usize,
) -> Result<FileReport, LoadError> {
    // An organisation level given as `[]`: nothing is attached there (for SCPs, nothing is
    // allowed at that level; for RCPs, RCPFullAWSAccess still is).
    if matches!(layer, Layer::Scp | Layer::Rcp) && is_empty_array(source.text()) {
        graph.add_empty_level(layer, level);
        return Ok(FileReport {
            source,
            file_kind: load::FileKind::Other {
                what: "an organisation level with no policy attached",
            },
            findings: Vec::new(),
        });
    }
    let analysis = load::analyze(source.clone(), &LoadOptions::of_kind(layer.kind()));
    if analysis.report.max_severity() == Some(Severity::Error) {
        return Err(LoadError::Invalid(Box::new(analysis.report)));
    }
    if analysis.policies.is_empty() {
        return Err(LoadError::NoPolicy(Box::new(analysis.report)));
    }
    for policy in analysis.policies {
        graph.add(source.clone(), policy, layer, level);
    }
    Ok(analysis.report)
}

/// Whether `text` is the JSON `[]` (white space and a byte-order mark aside).
fn is_empty_array(text: &str) -> bool {
    let text = text.get(crate::json::bom_len(text)..).unwrap_or(text);
    crate::json::parse(text).is_ok_and(|v| v.as_array().is_some_and(<[_]>::is_empty))
}

/// Reads a file and adds it with [`add_source`].
pub fn add_file(
    graph: &mut Graph,
    path: &std::path::Path,
    layer: Layer,
    level: usize,
) -> Result<FileReport, LoadError> {
    let name = path.display().to_string();
    let bytes = load::read_limited(path).map_err(|e| LoadError::Io(name.clone(), e))?;
    let text = match crate::json::decode_utf8(bytes.clone()) {
        Ok(t) => t,
        Err(_) => {
            let report = load::report_bytes(&name, bytes, &LoadOptions::default());
            return Err(LoadError::Invalid(Box::new(report)));
        }
    };
    add_source(graph, SourceFile::new(name, text), layer, level)
}
