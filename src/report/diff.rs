//! Rendering `diff`: per pair of inputs, the access NEW grants that OLD did not (and with
//! `--removed` what it takes away), in the shape of `who-can`'s findings (stratum, actions,
//! resources, conditions, a witness request, the statements responsible, located), as human
//! text, JSON, SARIF or GitHub annotations on the granting statement of NEW.

use super::who_can::{
    group_human, group_json, owner_label, reason_json, reason_line, statement_line, stratum_title,
};
use super::{github, sarif};
use crate::compare::Pair;
use crate::eval::graph::Graph;
use crate::exact::diff::BucketDiff;
use crate::exact::who_can::{Group, Stratum};
use crate::registry::Severity;
use crate::source::LineCol;
use serde_json::json;

/// The rule id of a new-access result in SARIF and GitHub output.
pub const NEW_ACCESS: &str = "new-access";

fn shown(s: &str) -> String {
    super::escape(s, super::Keep::Nothing, super::Escape::Visible).into_owned()
}

fn title(p: &Pair) -> String {
    match (&p.old, &p.new) {
        (Some(o), Some(n)) if o == n => shown(n),
        (Some(o), Some(n)) => format!("{} -> {}", shown(o), shown(n)),
        (None, Some(n)) => format!("{} (new)", shown(n)),
        (Some(o), None) => format!("{} (removed)", shown(o)),
        (None, None) => String::new(),
    }
}

fn groups_human(heading: &str, graph: Option<&Graph>, groups: &[Group], out: &mut String) {
    let Some(graph) = graph else { return };
    out.push_str(&format!("  {heading}:\n"));
    let mut last: Option<Stratum> = None;
    for g in groups {
        if last != Some(g.stratum) {
            out.push_str(&format!("   {}:\n", stratum_title(g.stratum)));
            last = Some(g.stratum);
        }
        group_human(graph, g, out);
    }
}

/// The human rendering.
pub fn human(pairs: &[Pair], removed: bool) -> String {
    let mut out = String::new();
    for p in pairs {
        let d = &p.diff;
        out.push_str(&format!(
            "{}: bucket {} ({})\n",
            title(p),
            shown(&d.bucket),
            owner_label(&d.owner, d.owner_assumed)
        ));
        if d.identity_assumed {
            out.push_str("  IAM principals are assumed to be allowed by their own identity policies (not given)\n");
        }
        if d.added.is_empty() {
            out.push_str(if d.reasons.is_empty() {
                "  no new access\n"
            } else {
                "  no new access found, but that is UNCERTAIN:\n"
            });
        } else {
            groups_human("new access", d.new.as_ref(), &d.added, &mut out);
        }
        if removed {
            if d.removed.is_empty() {
                out.push_str("  no access removed\n");
            } else {
                groups_human("removed access", d.old.as_ref(), &d.removed, &mut out);
            }
        }
        if !d.reasons.is_empty() {
            out.push_str("  uncertain, because:\n");
            for r in &d.reasons {
                out.push_str(&format!("    - {}\n", reason_line(&d.union, r)));
            }
        }
    }
    out.push_str(&summary_line(pairs));
    out
}

/// The last line of the human and concise renderings.
fn summary_line(pairs: &[Pair]) -> String {
    let added = pairs.iter().filter(|p| !p.diff.added.is_empty()).count();
    format!(
        "{} compared: {added} with new access\n",
        match pairs.len() {
            1 => "1 bucket".to_string(),
            n => format!("{n} buckets"),
        }
    )
}

/// `--format concise`: one line per granting statement of NEW (`path:line:column: new-access
/// message`, as `github` annotates), one per reason the answer is uncertain (`uncertain`, at
/// its statement, or at the input when it has none: uncertainty is never dropped), then the
/// summary line. The caller escapes it.
pub fn concise(pairs: &[Pair]) -> String {
    let mut out = String::new();
    for (n, _) in notes(pairs) {
        let (at, _) = n.span;
        out.push_str(&format!(
            "{}:{}:{}: {} {}\n",
            n.path, at.line, at.column, n.title, n.message
        ));
    }
    out.push_str(&summary_line(pairs));
    out
}

/// The JSON rendering.
pub fn json(pairs: &[Pair], removed: bool) -> serde_json::Value {
    let items: Vec<serde_json::Value> = pairs
        .iter()
        .map(|p| {
            let d = &p.diff;
            let groups = |graph: Option<&Graph>, groups: &[Group]| -> Vec<serde_json::Value> {
                graph.map_or_else(Vec::new, |g| {
                    groups.iter().map(|x| group_json(g, x)).collect()
                })
            };
            let mut item = json!({
                "old": p.old,
                "new": p.new,
                "bucket": d.bucket,
                "owner": d.owner,
                "owner_assumed": d.owner_assumed,
                "identity_assumed": d.identity_assumed,
                "added": groups(d.new.as_ref(), &d.added),
                "uncertain": d.reasons.iter().map(|r| reason_json(&d.union, r)).collect::<Vec<_>>(),
            });
            if removed && let Some(map) = item.as_object_mut() {
                map.insert(
                    "removed".into(),
                    serde_json::Value::Array(groups(d.old.as_ref(), &d.removed)),
                );
            }
            item
        })
        .collect();
    json!({ "pairs": items })
}

/// The title of a reason the answer is uncertain in the finding formats (a warning: `diff`
/// exits 1 on it, so the annotations must say why).
const UNCERTAIN: &str = "uncertain";

/// One finding of the finding formats (`concise`, `github`, `sarif`): where, and what to say.
struct Note {
    /// [`NEW_ACCESS`] (an error) or [`UNCERTAIN`] (a warning): the title and SARIF rule id.
    title: &'static str,
    path: String,
    span: (LineCol, LineCol),
    message: String,
    pointer: String,
}

impl Note {
    fn severity(&self) -> Severity {
        if self.title == NEW_ACCESS {
            Severity::Error
        } else {
            Severity::Warning
        }
    }
}

/// Per pair, in order: a note per granting statement of NEW and group, then one per reason
/// the answer is uncertain (at its statement, or at the input when it has none), each with
/// the pair's IaC resource address when it has one.
fn notes(pairs: &[Pair]) -> Vec<(Note, Option<&str>)> {
    let mut out = Vec::new();
    for p in pairs {
        let address = p.address.as_deref();
        out.extend(added_notes(&p.diff).into_iter().map(|n| (n, address)));
        let d = &p.diff;
        let input = p.new.as_ref().or(p.old.as_ref()).map_or("", String::as_str);
        for r in &d.reasons {
            let start = LineCol { line: 1, column: 1 };
            let (path, span, pointer) = r
                .statement
                .and_then(|id| super::who_can::written_span(&d.union, id))
                .map_or_else(
                    || (repo_path(input), (start, start), String::new()),
                    |(file, span, index)| (repo_path(&file), span, format!("/Statement/{index}")),
                );
            let note = Note {
                title: UNCERTAIN,
                path,
                span,
                message: format!(
                    "bucket `{}`: {}",
                    shown(&d.bucket),
                    reason_line(&d.union, r)
                ),
                pointer,
            };
            out.push((note, address));
        }
    }
    out
}

/// The granting statements of NEW, one note each: a statement that lets in several kinds of
/// caller is annotated once, naming them all (a pull request gets one annotation on the
/// granting line, not one per kind of caller).
fn added_notes(d: &BucketDiff) -> Vec<Note> {
    let Some(graph) = d.new.as_ref() else {
        return Vec::new();
    };
    // The groups each granting statement lets in, statements in the order first met.
    let mut by_statement: Vec<(usize, Vec<&Group>)> = Vec::new();
    for g in &d.added {
        for id in &g.statements {
            match by_statement.iter_mut().find(|(s, _)| s == id) {
                Some((_, groups)) => groups.push(g),
                None => by_statement.push((*id, vec![g])),
            }
        }
    }
    let mut out = Vec::new();
    for (id, groups) in by_statement {
        // The assumed identity policy stands for files not given: nothing to annotate.
        let Some((file, span, index)) = super::who_can::written_span(graph, id) else {
            continue;
        };
        out.push(Note {
            title: NEW_ACCESS,
            path: repo_path(&file),
            span,
            message: format!(
                "{}; granted by {}",
                new_access_message(&groups),
                statement_line(graph, id)
            ),
            pointer: format!("/Statement/{index}"),
        });
    }
    out
}

/// What one statement newly grants: the kinds of caller by stratum, the first actions, and
/// the witness of the first (most exposed) group.
fn new_access_message(groups: &[&Group]) -> String {
    let actions = |g: &Group| {
        g.actions
            .iter()
            .take(4)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    };
    let first = groups[0];
    if groups.len() == 1 {
        return format!(
            "new access for {} ({}): {} (e.g. {})",
            super::who_can::describe(&first.class),
            stratum_title(first.stratum),
            actions(first),
            super::who_can::witness_request(&first.witness)
        );
    }
    // The first (most exposed) kind leads, the others follow by stratum.
    let mut strata: Vec<(Stratum, Vec<String>)> = Vec::new();
    let mut all_actions: Vec<String> = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        if i > 0 {
            let who = super::who_can::describe(&g.class);
            match strata.iter_mut().find(|(s, _)| *s == g.stratum) {
                Some((_, names)) => names.push(who),
                None => strata.push((g.stratum, vec![who])),
            }
        }
        for a in &g.actions {
            if !all_actions.contains(a) {
                all_actions.push(a.clone());
            }
        }
    }
    let others: Vec<String> = strata
        .iter()
        .map(|(s, names)| format!("{}: {}", stratum_title(*s), names.join("; ")))
        .collect();
    let more = all_actions.len().saturating_sub(4);
    let mut listed = all_actions
        .into_iter()
        .take(4)
        .collect::<Vec<_>>()
        .join(", ");
    if more > 0 {
        listed.push_str(&format!(" and {more} more"));
    }
    format!(
        "new access for {} ({}), and {} more kinds of caller ({}): {listed} (e.g. {})",
        super::who_can::describe(&first.class),
        stratum_title(first.stratum),
        groups.len() - 1,
        others.join(" / "),
        super::who_can::witness_request(&first.witness)
    )
}

/// A file name as the repository path GitHub and SARIF viewers match: `/` separators, no
/// leading `./`.
fn repo_path(name: &str) -> String {
    let mut p = name.replace('\\', "/");
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_string();
    }
    p
}

/// The SARIF log: a `new-access` error per granting statement of NEW and an `uncertain`
/// warning per reason the answer is uncertain.
pub fn sarif(pairs: &[Pair], successful: bool) -> serde_json::Result<String> {
    let notes = notes(pairs);
    let mut seen: Vec<(&str, &str, &str, &str)> = Vec::new();
    let results = notes
        .iter()
        .map(|(n, address)| {
            let key = (
                n.title,
                n.path.as_str(),
                n.pointer.as_str(),
                n.message.as_str(),
            );
            seen.push(key);
            let occurrence = seen.iter().filter(|x| **x == key).count();
            sarif::located(
                n.title,
                n.severity(),
                &n.path,
                n.span,
                n.message.clone(),
                &n.pointer,
                occurrence,
            )
            .at_resource(*address)
        })
        .collect();
    serde_json::to_string_pretty(&sarif::log(results, successful))
}

/// GitHub workflow commands: an error annotation per granting statement of NEW and a warning
/// per reason the answer is uncertain.
pub fn github(pairs: &[Pair]) -> String {
    let mut annotations = github::Annotations::default();
    annotations.extend(notes(pairs).into_iter().map(|(n, address)| {
        github::Annotation {
            severity: n.severity(),
            path: n.path.clone(),
            start: n.span.0,
            end: Some(n.span.1),
            title: n.title.to_string(),
            // A bucket of an IaC file: the resource address the finding belongs to.
            message: match address {
                Some(a) => format!("{a}: {}", n.message),
                None => n.message,
            },
        }
    }));
    annotations.finish("run `s3-access diff --format json` to see them all")
}
