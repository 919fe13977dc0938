//! Access tests as code: a scenario file holds the documents (inline or by path) and a list
//! of requests with the decision each must get. `s3-access check` runs them in CI.
//! The format is documented in `docs/scenarios.md`.

use crate::eval::{Decision, Graph, Request, Response};
use crate::json;
use crate::load::{self, FileReport, LoadOptions};
use crate::source::{SourceFile, Span};
use problems::Problems;
pub use proofs::{ProofOutcome, ProofVerdict};
use std::path::Path;

/// The outcome of one request of a scenario.
#[derive(Debug)]
pub struct Outcome {
    /// The request's name.
    pub name: String,
    /// The expected decision.
    pub expected: Decision,
    /// The request as built.
    pub request: Request,
    /// The answer.
    pub response: Response,
    /// The graph it was decided on.
    pub graph: std::rc::Rc<Graph>,
    /// Where the request is written.
    pub span: Span,
}

impl Outcome {
    /// Whether the decision is the expected one.
    pub fn passed(&self) -> bool {
        self.expected == self.response.decision && !self.uncertain()
    }

    /// Whether the answer is marked uncertain: it then cannot pass, whatever the decision (a
    /// test must not go green on an answer s3-access could not model).
    pub fn uncertain(&self) -> bool {
        !self.response.uncertain.is_empty()
    }
}

/// The result of running one scenario file.
#[derive(Debug)]
pub struct Report {
    /// The scenario file.
    pub source: SourceFile,
    /// Its description.
    pub description: Option<String>,
    /// One outcome per request, in file order.
    pub outcomes: Vec<Outcome>,
    /// One outcome per assertion over all requests (`never`, `no-public`, …).
    pub proofs: Vec<ProofOutcome>,
}

/// Why a scenario could not be run: findings located in the scenario file or in a policy it
/// refers to.
#[derive(Debug)]
pub struct Invalid {
    /// Reports with at least one error.
    pub reports: Vec<FileReport>,
}

mod model;
mod problems;
mod proofs;
mod read;
mod run;
mod s3_facts;
mod s3_section;

/// Whether `text` is JSON of another kind than a scenario: it parses, and it is not an object
/// with the scenario's own `requests` key (or one of its assertions: `never`, `no-public`, …). `check` skips such files found in a directory (a
/// policy kept beside its scenario, `package.json`); text that does not parse is not "other":
/// a broken scenario must not vanish from a CI run.
pub fn is_other_json(text: &str) -> bool {
    let text = text.get(json::bom_len(text)..).unwrap_or(text);
    json::parse(text).is_ok_and(|v| {
        v.get("requests").is_none() && proofs::KEYS.iter().all(|k| v.get(k).is_none())
    })
}

/// Runs a scenario file; `path` locates relative policy paths, which must stay inside `root`
/// ([`crate::contain`]). The file is read into the typed model in one pass (every key and
/// type checked once), then run: its documents loaded, and each request decided.
pub fn run(
    source: SourceFile,
    path: &Path,
    default_time: i64,
    root: &crate::contain::Root,
) -> Result<Report, Invalid> {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let tree = root;
    let Ok(json_root) = json::parse(source.text()) else {
        return Err(Invalid {
            reports: vec![load::report_text(source, &LoadOptions::default())],
        });
    };
    let mut problems = Problems::default();
    let base = read::Base {
        dir: &dir,
        root: tree,
    };
    let scenario = read::scenario(&json_root, &base, &mut problems);
    let description = scenario.description.clone();
    let (outcomes, proofs) = run::outcomes(scenario, &source, default_time, tree, &mut problems);
    problems.finish(&source)?;
    Ok(Report {
        source,
        description,
        outcomes,
        proofs,
    })
}

#[cfg(test)]
mod tests;
