//! Rendering public-access verdicts: a summary table of buckets, then for each bucket its
//! paths, with the public statements and grants shown in their files.

use super::{Snippet, Style, escape_text};
use crate::eval::bucket::BucketModel;
use crate::eval::graph::Layer;
use crate::public::bucket::{BucketVerdict, PathKind, Status, Verdict};
use crate::public::inputs::{InputEntry, InputOutcome};
use miette::LabeledSpan;

/// An input of `public`: the bucket it holds and its verdict, once judged.
pub type PublicEntry = InputEntry<(BucketModel, BucketVerdict)>;

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Public => "PUBLIC",
        Verdict::Blocked => "blocked by Block Public Access",
        Verdict::NotPublic => "not public",
        Verdict::Uncertain => "UNCERTAIN (treated as public)",
    }
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Public => "public",
        Status::Blocked => "blocked",
        Status::NotPublic => "not public",
        Status::Unknown => "unknown",
    }
}

/// One line per bucket, `BUCKET (SOURCE): VERDICT` (`public --quiet`): no paths, reasons or
/// fixes; inputs not judged are left to the errors on stderr.
pub fn verdicts(entries: &[PublicEntry]) -> String {
    let lines: String = entries
        .iter()
        .filter_map(InputEntry::judged)
        .map(|(_, v)| format!("{} ({}): {}\n", v.bucket, v.source, verdict_word(v.verdict)))
        .collect();
    escape_text(&lines).into_owned()
}

/// The human rendering of the verdicts on several buckets, and of the inputs that were not
/// judged (errors, skipped files), each in the table.
pub fn human(entries: &[PublicEntry], style: Style) -> String {
    let buckets: Vec<&(BucketModel, BucketVerdict)> =
        entries.iter().filter_map(InputEntry::judged).collect();
    let mut out = String::new();
    for (bucket, v) in buckets.iter().copied() {
        // Text from the input is escaped ([`super::escape`]); snippets escape their own.
        let mut lines = String::new();
        lines.push_str(&format!(
            "{} ({}): {}\n",
            v.bucket,
            v.source,
            verdict_word(v.verdict)
        ));
        for p in &v.paths {
            let file = p
                .file
                .as_ref()
                .map(|f| format!(" ({f})"))
                .unwrap_or_default();
            lines.push_str(&format!("  {}{file}: {}\n", p.name, status_word(p.status)));
            for r in &p.reasons {
                lines.push_str(&format!("    - {r}\n"));
            }
            for s in p.statements.iter().filter(|s| s.verdict.public) {
                if let Some(fix) = &s.verdict.fix {
                    lines.push_str(&format!(
                        "    fix {}: {fix}\n",
                        s.sid.as_ref().filter(|x| !x.is_empty()).map_or_else(
                            || format!("statement #{}", s.verdict.index + 1),
                            |x| format!("Sid `{x}`")
                        )
                    ));
                }
                for n in &s.verdict.not_restricting {
                    lines.push_str(&format!("      not limiting: {n}\n"));
                }
                if let Some(w) = &s.witness {
                    lines.push_str(&format!("      e.g. {w} gets through\n"));
                }
            }
            for t in &p.put_time {
                lines.push_str(&format!("    put time: {t}\n"));
            }
        }
        out.push_str(&escape_text(&lines));
        out.push('\n');
        // The public statements, shown in their files.
        for p in v
            .paths
            .iter()
            .filter(|p| matches!(p.status, Status::Public | Status::Blocked))
        {
            let layer = match p.kind {
                PathKind::BucketPolicy => Layer::Bucket,
                PathKind::AccessPoint | PathKind::MultiRegionAccessPoint => Layer::AccessPoint,
                _ => continue,
            };
            for s in p.statements.iter().filter(|s| s.verdict.public) {
                let Some((doc, st)) = bucket
                    .graph
                    .documents
                    .iter()
                    .filter(|d| d.layer == layer && p.file.as_deref() == Some(d.source.name()))
                    .find_map(|d| d.policy.statements.get(s.verdict.index).map(|st| (d, st)))
                else {
                    continue;
                };
                let mut labels = Vec::new();
                if let Some(pr) = &st.principal {
                    labels.push(LabeledSpan::new_primary_with_span(
                        Some("grants to".to_string()),
                        pr.span,
                    ));
                }
                if let Some(a) = &st.action {
                    labels.push(LabeledSpan::new_with_span(
                        Some(if s.access.is_empty() {
                            "no S3 action".to_string()
                        } else {
                            s.access.join(", ")
                        }),
                        a.span,
                    ));
                }
                let snippet = Snippet {
                    source: &doc.source,
                    message: format!(
                        "{} of the {} is public: {}",
                        st.label(),
                        bucket.graph.layer_name(doc),
                        s.verdict.reason
                    ),
                    code: None,
                    severity: if p.status == Status::Public {
                        miette::Severity::Error
                    } else {
                        miette::Severity::Warning
                    },
                    help: s.verdict.fix.clone(),
                    labels,
                };
                snippet.render(style, &mut out);
            }
        }
    }
    out.push_str(&table(entries, style));
    out.push('\n');
    out.push_str(&summary_line(entries));
    out
}

/// The summary table: a row per input, judged or not (text from the input escaped).
fn table(entries: &[PublicEntry], style: Style) -> String {
    let mut t = super::table(style);
    t.set_header([
        "bucket",
        "source",
        "verdict",
        "public paths",
        "blocked",
        "unknown",
    ]);
    for entry in entries {
        let v = match &entry.outcome {
            InputOutcome::Judged((_, v)) => v,
            InputOutcome::Failed(e) => {
                t.add_row(not_judged_row(entry, format!("ERROR: {}", e.reason())));
                continue;
            }
            InputOutcome::Skipped(why) => {
                t.add_row(not_judged_row(entry, format!("skipped: {why}")));
                continue;
            }
        };
        let names = |s: Status| {
            let n: Vec<&str> = v
                .paths
                .iter()
                .filter(|p| p.status == s)
                .map(|p| p.name.as_str())
                .collect();
            if n.is_empty() {
                "-".to_string()
            } else {
                n.join(", ")
            }
        };
        t.add_row([
            v.bucket.clone(),
            v.source.clone(),
            verdict_word(v.verdict).to_string(),
            names(Status::Public),
            names(Status::Blocked),
            names(Status::Unknown),
        ]);
    }
    escape_text(&t.to_string()).into_owned()
}

/// A table row of an input that was not judged: no bucket, the path, why.
fn not_judged_row<T>(entry: &InputEntry<T>, why: String) -> [String; 6] {
    let dash = || "-".to_string();
    [
        dash(),
        entry.path.display().to_string(),
        why,
        dash(),
        dash(),
        dash(),
    ]
}

/// `; 2 inputs not judged (1 error, 1 skipped)` for the summary line, empty when every input
/// was judged.
pub fn not_judged_counts<T>(entries: &[InputEntry<T>]) -> String {
    let errors = entries
        .iter()
        .filter(|e| matches!(e.outcome, InputOutcome::Failed(_)))
        .count();
    let skipped = entries
        .iter()
        .filter(|e| matches!(e.outcome, InputOutcome::Skipped(_)))
        .count();
    if errors + skipped == 0 {
        return String::new();
    }
    let s = |n: usize| if n == 1 { "" } else { "s" };
    format!(
        "; {} input{} not judged ({errors} error{}, {skipped} skipped)",
        errors + skipped,
        s(errors + skipped),
        s(errors)
    )
}

/// The JSON document: `{"buckets": [...], "inputs": [...]}`. `buckets` holds the verdict of
/// every judged bucket (unchanged); `inputs` every input found, judged or not.
pub fn json(entries: &[PublicEntry]) -> serde_json::Value {
    let buckets: Vec<&BucketVerdict> = entries
        .iter()
        .filter_map(InputEntry::judged)
        .map(|(_, v)| v)
        .collect();
    let inputs: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            input_json(
                e,
                |(_, v)| serde_json::json!({ "verdict": v.verdict, "bucket": v.bucket }),
            )
        })
        .collect();
    serde_json::json!({ "buckets": buckets, "inputs": inputs })
}

/// The JSON entry of an input: `path` and the members `judged` gives for a judged one;
/// `"verdict": "error"` with the `error` message and its located `diagnostics` (the findings
/// of the files at fault, as `lint --format json` writes them); or `"verdict": "skipped"` with
/// the `reason`.
pub fn input_json<T>(
    entry: &InputEntry<T>,
    judged: impl Fn(&T) -> serde_json::Value,
) -> serde_json::Value {
    let mut value = match &entry.outcome {
        InputOutcome::Judged(t) => judged(t),
        InputOutcome::Failed(e) => {
            let diagnostics: Vec<_> = e.reports().iter().flat_map(super::json_findings).collect();
            serde_json::json!({
                "verdict": "error",
                "error": e.reason(),
                "diagnostics": diagnostics,
            })
        }
        InputOutcome::Skipped(why) => serde_json::json!({ "verdict": "skipped", "reason": why }),
    };
    if let Some(map) = value.as_object_mut() {
        map.insert(
            "path".to_string(),
            serde_json::Value::String(entry.path.display().to_string()),
        );
    }
    value
}

/// A verdict, or an error of an input that could not be judged, placed in a file: what the
/// one-line formats (`concise`, `github`) print. A public or blocked path gives one per
/// public statement (at the statement) and per public ACL grant (at the grant); a path with
/// neither, or an uncertain one, gives one at its file (or the bucket's source).
#[derive(Debug, Clone)]
pub struct PlacedVerdict {
    /// `error` for public, `warning` for uncertain (treated as public), `note` for blocked;
    /// an input error's findings keep their own.
    pub severity: crate::registry::Severity,
    /// The file, as given.
    pub file: String,
    /// Where, 1-based.
    pub at: crate::source::LineCol,
    /// `public`, `uncertain`, `blocked`, or an input error's code and name.
    pub title: String,
    /// One line.
    pub message: String,
}

/// Every public, uncertain or blocked path of the judged buckets and every finding of the
/// inputs that could not be judged, in input order.
pub fn placed(entries: &[PublicEntry]) -> Vec<PlacedVerdict> {
    use crate::registry::Severity;
    let mut out = Vec::new();
    for entry in entries {
        let v = match &entry.outcome {
            InputOutcome::Judged((_, v)) => v,
            InputOutcome::Failed(e) => {
                for r in e.reports() {
                    out.extend(r.findings.iter().map(|f| PlacedVerdict {
                        severity: f.finding.severity,
                        file: r.source.name().to_string(),
                        at: f.start,
                        title: format!("{} {}", f.finding.code.as_str(), f.finding.code.name()),
                        message: f.finding.message.clone(),
                    }));
                }
                if e.reports().is_empty() {
                    out.push(PlacedVerdict {
                        severity: Severity::Error,
                        file: entry.path.display().to_string(),
                        at: crate::source::LineCol { line: 1, column: 1 },
                        title: "error".to_string(),
                        message: e.reason(),
                    });
                }
                continue;
            }
            InputOutcome::Skipped(_) => continue,
        };
        for p in &v.paths {
            let (severity, title) = match p.status {
                Status::Public => (Severity::Error, "public"),
                Status::Unknown => (Severity::Warning, "uncertain"),
                Status::Blocked => (Severity::Note, "blocked"),
                Status::NotPublic => continue,
            };
            let state = match p.status {
                Status::Blocked => match &p.blocked_by {
                    Some(b) => format!("public but blocked by {b}"),
                    None => "public but blocked".to_string(),
                },
                Status::Unknown => "unknown, treated as public".to_string(),
                _ => "public".to_string(),
            };
            let place = |file: &str, line: u32, column: u32, message: String| PlacedVerdict {
                severity,
                file: file.to_string(),
                at: crate::source::LineCol { line, column },
                title: title.to_string(),
                message: format!("bucket `{}`: {message}", v.bucket),
            };
            let before = out.len();
            for s in p.statements.iter().filter(|s| s.verdict.public) {
                let label = s.sid.as_ref().filter(|x| !x.is_empty()).map_or_else(
                    || format!("statement #{}", s.verdict.index + 1),
                    |x| format!("Sid `{x}`"),
                );
                out.push(place(
                    &s.at.file,
                    s.at.line,
                    s.at.column,
                    format!("{label} of the {} is {state}: {}", p.name, s.verdict.reason),
                ));
            }
            for g in &p.grants {
                let (file, line, column) = g.at.as_ref().map_or_else(
                    || (p.file.clone().unwrap_or_else(|| v.source.clone()), 1, 1),
                    |a| (a.file.clone(), a.line, a.column),
                );
                out.push(place(
                    &file,
                    line,
                    column,
                    format!("{} is {state}: {}", p.name, p.reasons.join("; ")),
                ));
            }
            if out.len() == before {
                let file = p.file.clone().unwrap_or_else(|| v.source.clone());
                out.push(place(
                    &file,
                    1,
                    1,
                    format!("{} is {state}: {}", p.name, p.reasons.join("; ")),
                ));
            }
        }
    }
    out
}

/// The summary line of the one-line formats: as the human output's last line.
fn summary_line(entries: &[PublicEntry]) -> String {
    let buckets: Vec<&BucketVerdict> = entries
        .iter()
        .filter_map(InputEntry::judged)
        .map(|(_, v)| v)
        .collect();
    let public = buckets.iter().filter(|v| v.public).count();
    format!(
        "{} bucket{}: {public} public or uncertain{}\n",
        buckets.len(),
        if buckets.len() == 1 { "" } else { "s" },
        not_judged_counts(entries)
    )
}

/// `--format concise`: one line per placed verdict, `path:line:column: TITLE message`, then
/// the summary line; paths relative to `cwd`, text from the input escaped.
pub fn concise(entries: &[PublicEntry], cwd: &std::path::Path) -> String {
    let mut out = String::new();
    for p in placed(entries) {
        let path = crate::config::relative_path(std::path::Path::new(&p.file), cwd, cwd);
        out.push_str(&format!(
            "{path}:{}:{}: {} {}\n",
            p.at.line, p.at.column, p.title, p.message
        ));
    }
    out.push_str(&summary_line(entries));
    escape_text(&out).into_owned()
}

/// `--format github`: workflow annotations, most severe first within GitHub's limit
/// ([`super::github`]), then the summary line; paths relative to `cwd` (the checkout).
pub fn github(entries: &[PublicEntry], cwd: &std::path::Path) -> String {
    let mut annotations = super::github::Annotations::default();
    annotations.extend(
        placed(entries)
            .into_iter()
            .map(|p| super::github::Annotation {
                severity: p.severity,
                path: crate::config::relative_path(std::path::Path::new(&p.file), cwd, cwd),
                start: p.at,
                end: None,
                title: p.title,
                message: p.message,
            }),
    );
    let out = format!(
        "{}{}",
        annotations.finish("`--format human` or `json` lists every one"),
        summary_line(entries)
    );
    escape_text(&out).into_owned()
}
