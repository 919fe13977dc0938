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
                PathKind::AccessPoint => Layer::AccessPoint,
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
                        layer.as_str(),
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
    out.push_str(&escape_text(&t.to_string()));
    let public = buckets.iter().filter(|(_, v)| v.public).count();
    out.push_str(&format!(
        "\n{} bucket{}: {public} public or uncertain{}\n",
        buckets.len(),
        if buckets.len() == 1 { "" } else { "s" },
        not_judged_counts(entries)
    ));
    out
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
