//! The results of `check` (access tests): one row per request of every scenario file, the
//! trace of each request that failed (or of every request, verbose), and the counts; as a
//! table with the traces above it, or as one JSON document.

use super::{Style, query};
use crate::scenario;
use serde::Serialize;
use std::path::Path;

/// The results of a `check` run, gathered file by file.
#[derive(Debug)]
pub struct CheckResults {
    style: Style,
    verbose: bool,
    rows: Vec<CheckRow>,
    /// The traces shown above the table.
    details: String,
    passed: usize,
    failed: usize,
    /// Failed requests whose decision was the expected one but whose answer is uncertain.
    uncertain: usize,
    invalid: usize,
}

/// One request's result. Fields in sorted order, as the document has always written them.
#[derive(Debug, Serialize)]
pub struct CheckRow {
    /// The decision it got.
    pub decision: &'static str,
    /// The decision it should get.
    pub expected: &'static str,
    /// Whether it passed.
    pub passed: bool,
    /// The request's name.
    pub request: String,
    /// The whole answer ([`query::json`]).
    pub result: serde_json::Value,
    /// The scenario file.
    pub scenario: String,
    /// Whether the answer is uncertain.
    pub uncertain: bool,
    /// The table's verdict: `pass`, `FAIL`, or `UNCERTAIN` (the expected decision, but an
    /// uncertain answer).
    #[serde(skip)]
    pub verdict: &'static str,
}

/// The JSON document. Fields in sorted order, as it has always been written.
#[derive(Debug, Serialize)]
pub struct CheckDocument<'a> {
    /// Failed requests.
    pub failed: usize,
    /// Scenario files that could not be read or run.
    pub invalid: usize,
    /// Passed requests.
    pub passed: usize,
    /// Every request.
    pub results: &'a [CheckRow],
    /// Failed requests with the expected decision but an uncertain answer.
    pub uncertain: usize,
}

impl CheckResults {
    /// No results yet; `verbose` shows the trace of every request, not only of failures.
    pub fn new(style: Style, verbose: bool) -> CheckResults {
        CheckResults {
            style,
            verbose,
            rows: Vec::new(),
            details: String::new(),
            passed: 0,
            failed: 0,
            uncertain: 0,
            invalid: 0,
        }
    }

    /// Counts a scenario file that could not be read or run.
    pub fn add_invalid(&mut self) {
        self.invalid += 1;
    }

    /// Adds the outcomes of the scenario file at `path` (requests, then assertions).
    pub fn add(&mut self, path: &Path, run: &scenario::Report) {
        self.add_requests(path, run);
        self.add_proofs(path, run);
    }

    fn add_requests(&mut self, path: &Path, run: &scenario::Report) {
        for o in &run.outcomes {
            let ok = o.passed();
            let unsure = !ok && o.uncertain() && o.expected == o.response.decision;
            if ok {
                self.passed += 1;
            } else {
                self.failed += 1;
                self.uncertain += usize::from(unsure);
            }
            self.rows.push(CheckRow {
                decision: o.response.decision.as_str(),
                expected: o.expected.as_str(),
                passed: ok,
                request: o.name.clone(),
                result: query::json(&o.graph, &o.response, &o.request),
                scenario: path.display().to_string(),
                uncertain: o.uncertain(),
                verdict: match (ok, unsure) {
                    (true, _) => "pass",
                    (false, true) => "UNCERTAIN",
                    (false, false) => "FAIL",
                },
            });
            if !ok || self.verbose {
                let head = format!("── {} :: {}\n", path.display(), o.name);
                self.details.push_str(&super::escape_text(&head));
                self.details
                    .push_str(&query::human(&o.graph, &o.response, &o.request, self.style));
                self.details.push('\n');
            }
        }
    }

    /// Adds the outcomes of the assertions of the scenario file at `path`.
    fn add_proofs(&mut self, path: &Path, run: &scenario::Report) {
        use scenario::ProofVerdict;
        for p in &run.proofs {
            let (decision, verdict) = match &p.verdict {
                ProofVerdict::Proven => ("proven", "pass"),
                ProofVerdict::Failed(_) => ("counter-example", "FAIL"),
                ProofVerdict::Uncertain(_) => ("uncertain", "UNCERTAIN"),
            };
            if p.passed() {
                self.passed += 1;
            } else {
                self.failed += 1;
                self.uncertain += usize::from(verdict == "UNCERTAIN");
                let head = format!("── {} :: {}\n", path.display(), p.name);
                self.details.push_str(&super::escape_text(&head));
                self.details.push_str(&super::escape_text(&proof_human(p)));
                self.details.push('\n');
            }
            self.rows.push(CheckRow {
                decision,
                expected: "proven",
                passed: p.passed(),
                request: p.name.clone(),
                result: proof_json(p),
                scenario: path.display().to_string(),
                uncertain: verdict == "UNCERTAIN",
                verdict,
            });
        }
    }

    /// Whether a scenario file could not be read or run.
    pub fn any_invalid(&self) -> bool {
        self.invalid > 0
    }

    /// Whether a request failed.
    pub fn any_failed(&self) -> bool {
        self.failed > 0
    }

    /// The table of the requests that did not pass (`check --quiet`): no traces, no passes, no
    /// counts; empty when every request passed.
    pub fn failures(&self) -> String {
        let failed: Vec<&CheckRow> = self.rows.iter().filter(|r| r.verdict != "pass").collect();
        if failed.is_empty() {
            return String::new();
        }
        let mut out = super::escape_text(&Self::table(&failed).to_string()).into_owned();
        out.push('\n');
        out
    }

    /// The rows as a plain ASCII table (it is greppable).
    fn table(rows: &[&CheckRow]) -> comfy_table::Table {
        let mut table = comfy_table::Table::new();
        table.load_style(comfy_table::presets::ASCII_MARKDOWN);
        table.set_header(["scenario", "request", "expected", "got", "result"]);
        for r in rows {
            table.add_row([
                r.scenario.as_str(),
                r.request.as_str(),
                r.expected,
                r.decision,
                r.verdict,
            ]);
        }
        table
    }

    /// The traces, the table and the counts (always a plain ASCII table: it is greppable).
    pub fn human(&self) -> String {
        let rows: Vec<&CheckRow> = self.rows.iter().collect();
        let table = Self::table(&rows);
        let mut out = self.details.clone();
        out.push_str(&super::escape_text(&table.to_string()));
        out.push_str(&format!("\n{} passed, {} failed", self.passed, self.failed));
        if self.uncertain > 0 {
            out.push_str(&format!(
                " ({} with the expected decision but an uncertain answer)",
                self.uncertain
            ));
        }
        out.push('\n');
        out
    }

    /// The JSON document.
    pub fn json(&self) -> serde_json::Result<String> {
        super::json_text(&CheckDocument {
            failed: self.failed,
            invalid: self.invalid,
            passed: self.passed,
            results: &self.rows,
            uncertain: self.uncertain,
        })
    }
}

/// A failed or uncertain assertion: its counter-example and what allows it, or why it is
/// not proven.
fn proof_human(p: &scenario::ProofOutcome) -> String {
    use super::who_can::{reason_line, statement_line, witness_request};
    let mut out = String::new();
    match &p.verdict {
        scenario::ProofVerdict::Proven => out.push_str("proven\n"),
        scenario::ProofVerdict::Failed(f) => {
            out.push_str(&format!(
                "counter-example (allowed, replayed through the evaluator): {}\n",
                witness_request(f)
            ));
            for id in &f.response.determining {
                out.push_str(&format!("  allowed by {}\n", statement_line(&p.graph, *id)));
            }
            if f.response.determining.is_empty() && !f.response.grants.is_empty() {
                out.push_str("  allowed by an ACL grant\n");
            }
        }
        scenario::ProofVerdict::Uncertain(reasons) => {
            out.push_str("not proven: uncertain, because:\n");
            for r in reasons {
                out.push_str(&format!("  - {}\n", reason_line(&p.graph, r)));
            }
        }
    }
    out
}

/// An assertion's result in JSON: the counter-example with the statements that allow it, or
/// the reasons it is uncertain.
fn proof_json(p: &scenario::ProofOutcome) -> serde_json::Value {
    use super::who_can::reason_json;
    match &p.verdict {
        scenario::ProofVerdict::Proven => serde_json::json!({"proof": p.name, "verdict": "proven"}),
        scenario::ProofVerdict::Failed(f) => {
            let r = &f.request;
            serde_json::json!({
                "proof": p.name,
                "verdict": "counter-example",
                "counter_example": {
                    "caller": r.caller.to_string(),
                    "action": r.action,
                    "resource": r.resource,
                    "context": f.given.iter().map(|(k, v)| serde_json::json!({"key": k, "values": v})).collect::<Vec<_>>(),
                    "absent": f.absent,
                },
                "statements": f.response.determining.iter().filter_map(|id| query::statement_ref(&p.graph, *id)).collect::<Vec<_>>(),
                "acl_grants": f.response.grants,
            })
        }
        scenario::ProofVerdict::Uncertain(reasons) => serde_json::json!({
            "proof": p.name,
            "verdict": "uncertain",
            "uncertain": reasons.iter().map(|r| reason_json(&p.graph, r)).collect::<Vec<_>>(),
        }),
    }
}
