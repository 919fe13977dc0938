//! Rendering `who-can`: per bucket, the callers that can get in by stratum, each with its
//! actions, resources, the condition values every request found shares, one witness request
//! and the statements that grant it (file, Sid, line:column).

use super::query::statement_ref;
use crate::eval::graph::Graph;
use crate::eval::request::Caller;
use crate::exact::who_can::{Group, Stratum, WhoCan};
use crate::exact::{Class, Reason};
use crate::public::inputs::{InputEntry, InputOutcome};
use crate::registry::Severity;
use crate::source::LineCol;
use serde_json::json;

/// How many actions and resources a group lists before "and N more".
const SHOWN: usize = 8;

/// How the header names the bucket owner: the account; said to be assumed when no input
/// gives it; said to be the deploying account, not known offline, for IaC files (the symbolic
/// [`crate::iac::model::OWN_ACCOUNT`]).
pub fn owner_label(owner: &str, assumed: bool) -> String {
    if assumed {
        format!("owner {owner}, not given: assumed to be an account no document names")
    } else if owner == crate::iac::model::OWN_ACCOUNT {
        format!("owner: the account that deploys it, not known offline, written {owner}")
    } else {
        format!("owner {owner}")
    }
}

/// The heading of a stratum.
pub fn stratum_title(s: Stratum) -> &'static str {
    match s {
        Stratum::Public => "public (anonymous, or any AWS account)",
        Stratum::OtherAccount => "other accounts",
        Stratum::SameAccount => "the bucket owner's account",
        Stratum::Service => "AWS services",
    }
}

/// The principal class in words.
pub fn describe(class: &Class) -> String {
    match describe_parts(class) {
        (kind, Some(of)) => format!("{kind} of {of}"),
        (kind, None) => kind,
    }
}

/// The principal class in words, as the kind of caller and, for a caller of an account, that
/// account ("the root user", "account 444455556666"): kinds of one account may be listed
/// together.
fn describe_parts(class: &Class) -> (String, Option<String>) {
    let of = |a: &str| {
        Some(if class.other_account {
            "any other AWS account".to_string()
        } else {
            format!("account {a}")
        })
    };
    match &class.caller {
        Caller::Anonymous => ("anyone, anonymously".into(), None),
        Caller::Service { name } if class.unnamed => {
            (format!("any other AWS service (e.g. `{name}`)"), None)
        }
        Caller::Service { name } => (format!("the service `{name}`"), None),
        Caller::Root { account, .. } => ("the root user".into(), of(account)),
        Caller::User { account, .. } if class.unnamed => ("any IAM user".into(), of(account)),
        Caller::Session { account, role, .. } if class.unnamed => {
            if role.starts_with("AWSServiceRoleFor") {
                ("a service-linked role".into(), of(account))
            } else {
                ("any role session".into(), of(account))
            }
        }
        Caller::FederatedUser { account, .. } if class.unnamed => {
            ("any federated user".into(), of(account))
        }
        other => (format!("`{other}`"), None),
    }
}

fn listed(items: &[String]) -> String {
    let mut s: Vec<String> = items.iter().take(SHOWN).map(|a| format!("`{a}`")).collect();
    if items.len() > SHOWN {
        s.push(format!("and {} more", items.len() - SHOWN));
    }
    s.join(", ")
}

/// A witness as one line: `CALLER ACTION on RESOURCE`, then ` with KEY=VALUES ...` for the
/// condition keys it sets (sorted), as `who-can` and `check`'s counter-examples print it.
pub fn witness_request(f: &crate::exact::Finding) -> String {
    let r = &f.request;
    let mut ctx: Vec<String> = f
        .given
        .iter()
        .map(|(k, v)| format!("{k}={}", shown(v)))
        .collect();
    ctx.sort();
    let with = if ctx.is_empty() {
        String::new()
    } else {
        format!(" with {}", ctx.join(" "))
    };
    format!("{} {} on {}{with}", r.caller, r.action, r.resource)
}

/// Values as written, the empty string quoted.
fn shown(values: &[String]) -> String {
    values
        .iter()
        .map(|v| {
            if v.is_empty() {
                "\"\"".to_string()
            } else {
                v.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The conditions a group's access depends on, in words: each granting statement's ("only
/// over HTTPS (Sid `A`)"), then each Deny the witness escapes only through its conditions
/// ("refused over plain HTTP (Sid `D`)"), read from `decide`'s trace of the witness, so a
/// Deny that does not concern this caller, action or resource is never named.
pub fn conditions_in_words(graph: &Graph, g: &Group) -> Vec<String> {
    use crate::eval::decide::Outcome;
    use crate::eval::graph::Mismatch;
    use crate::policy::words::{allowed_only, refused_when};
    let label = |id: usize| {
        statement_ref(graph, id).map_or_else(String::new, |r| {
            r.sid.map_or_else(
                || format!(" (statement #{})", r.index + 1),
                |s| format!(" (Sid `{s}`)"),
            )
        })
    };
    let mut out: Vec<String> = Vec::new();
    for id in &g.statements {
        if let Some((_, st)) = graph.statements.get(*id).and_then(|c| graph.written(c))
            && !st.conditions.is_empty()
        {
            out.push(format!("{}{}", allowed_only(&st.conditions), label(*id)));
        }
    }
    let response = crate::eval::decide(graph, &g.witness.request, true);
    for step in &response.trace {
        let escaped = matches!(
            step.outcome,
            Outcome::NotMatched {
                mismatch: Mismatch::Condition { .. }
            }
        );
        let Some(compiled) = graph.statements.get(step.statement) else {
            continue;
        };
        if !escaped || compiled.effect != crate::policy::Effect::Deny {
            continue;
        }
        if let Some((_, st)) = graph.written(compiled) {
            let line = format!("{}{}", refused_when(&st.conditions), label(step.statement));
            if !out.contains(&line) {
                out.push(line);
            }
        }
    }
    out
}

/// Statement `id` of `graph` as one line: file:line:column, Sid (or position) and layer.
pub fn statement_line(graph: &Graph, id: usize) -> String {
    match statement_ref(graph, id) {
        // The identity policy `who-can` assumes has no place in any file: said in words.
        Some(r) if r.file == crate::exact::who_can::ASSUMED_IDENTITY => {
            format!("the caller's own identity policies ({})", r.layer.as_str())
        }
        Some(r) => format!(
            "{}:{}:{} {} ({})",
            r.file,
            r.line,
            r.column,
            r.sid.map_or_else(
                || format!("statement #{}", r.index + 1),
                |s| format!("Sid `{s}`")
            ),
            r.layer.as_str()
        ),
        None => format!("statement {id}"),
    }
}

/// A reason for uncertainty, with the statement it comes from located in `graph`.
pub fn reason_line(graph: &Graph, r: &Reason) -> String {
    match r.statement {
        Some(id) => format!("{} ({})", r.message, statement_line(graph, id)),
        None => r.message.clone(),
    }
}

/// An input of `who-can`: its answer, once judged.
pub type WhoCanEntry = InputEntry<WhoCan>;

/// Whether someone outside the owner's account can get in (what makes the command exit 1).
pub fn outside(w: &WhoCan) -> bool {
    w.groups.iter().any(|g| g.stratum != Stratum::SameAccount)
}

/// One line per bucket and kind of caller, `BUCKET: STRATUM: CALLER`, and one per reason the
/// answer is uncertain (`who-can --quiet`): no actions, conditions, witnesses or grants.
pub fn callers(entries: &[WhoCanEntry]) -> String {
    let mut out = String::new();
    for w in entries.iter().filter_map(InputEntry::judged) {
        if w.groups.is_empty() && w.reasons.is_empty() {
            out.push_str(&format!("{}: no one\n", w.bucket));
        }
        // Groups of one caller differ by actions or conditions: the caller is said once.
        let mut said: Vec<String> = Vec::new();
        for g in &w.groups {
            let line = format!(
                "{}: {}: {}\n",
                w.bucket,
                stratum_title(g.stratum),
                describe(&g.class)
            );
            if !said.contains(&line) {
                out.push_str(&line);
                said.push(line);
            }
        }
        for r in &w.reasons {
            out.push_str(&format!(
                "{}: uncertain: {}\n",
                w.bucket,
                reason_line(&w.graph, r)
            ));
        }
    }
    super::escape_text(&out).into_owned()
}

/// The human rendering: each bucket's answer, and a line for each input that was not judged
/// (an error, or not a bucket or access point policy), in the order found.
pub fn human(entries: &[WhoCanEntry]) -> String {
    let mut out = String::new();
    for entry in entries {
        let w = match &entry.outcome {
            InputOutcome::Judged(w) => w,
            InputOutcome::Failed(e) => {
                out.push_str(&format!(
                    "{}: ERROR: {}\n",
                    entry.path.display(),
                    e.reason()
                ));
                continue;
            }
            InputOutcome::Skipped(why) => {
                out.push_str(&format!("{}: skipped: {why}\n", entry.path.display()));
                continue;
            }
        };
        out.push_str(&format!(
            "{} ({})\n",
            w.bucket,
            owner_label(&w.owner, w.owner_assumed)
        ));
        if w.identity_assumed && !w.own_identity.is_empty() {
            out.push_str(&format!(
                "  answered with their own identity policies: {}; other IAM principals (other roles and users of the account may exist) are assumed to be allowed by theirs (not given)\n",
                w.own_identity.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
            ));
        } else if w.identity_assumed {
            out.push_str("  IAM principals are assumed to be allowed by their own identity policies (not given)\n");
        }
        if w.groups.is_empty() {
            out.push_str(if w.reasons.is_empty() {
                "  no one can make any request\n"
            } else {
                "  no request found allowed, but that is UNCERTAIN:\n"
            });
        }
        groups_human(&w.graph, &w.groups, "  ", &mut out);
        if !w.reasons.is_empty() {
            out.push_str("  uncertain, because:\n");
            for r in &w.reasons {
                out.push_str(&format!("    - {}\n", reason_line(&w.graph, r)));
            }
        }
    }
    // Bucket names, paths, principals and values come from the input: escaped as a whole.
    super::escape_text(&out).into_owned()
}

/// What one group of callers can do, one witness and what grants it (in `graph`): the lines
/// under the group's head (its callers, written by [`groups_human`]).
fn group_body(graph: &Graph, g: &Group, out: &mut String) {
    out.push_str(&format!("      actions: {}", listed(&g.actions)));
    if g.unknown_action {
        out.push_str(" (including actions the catalogue does not know)");
    }
    out.push('\n');
    out.push_str(&format!("      resources: {}\n", listed(&g.resources)));
    let conditions = conditions_in_words(graph, g);
    if !conditions.is_empty() {
        out.push_str(&format!("      conditions: {}\n", conditions.join("; ")));
    }
    out.push_str(&format!("      e.g. {}\n", witness_request(&g.witness)));
    // AWS rule: the root user needs no policy in the account that owns the resource (IAM
    // "Policy evaluation logic"); that is the one allow without a granting statement or grant.
    if g.statements.is_empty() && g.grants.is_empty() {
        out.push_str(
            "      granted without a policy: the root user of the account that owns the resource\n",
        );
    }
    for id in &g.statements {
        out.push_str(&format!(
            "      granted by {}\n",
            statement_line(graph, *id)
        ));
    }
    for a in &g.grants {
        if let Some((_, grant)) = graph.s3.grant(*a) {
            out.push_str(&format!(
                "      granted by an ACL grant of {} to {}\n",
                grant.permission,
                crate::eval::decide::grantee_name(&grant.grantee)
            ));
        }
    }
}

/// The groups under their strata (`indent` before each stratum title). Kinds of caller of
/// one account that get exactly the same access (actions, resources, conditions, granting
/// statements) are written once, where the first of them stood: "any IAM user and any role
/// session of account 444455556666", with the first one's witness.
pub fn groups_human(graph: &Graph, groups: &[Group], indent: &str, out: &mut String) {
    /// Kinds of caller of one account shown as one entry.
    struct Entry {
        stratum: Stratum,
        kinds: Vec<String>,
        of: Option<String>,
        /// The text after the head line, without the witness line: what must be equal.
        body: String,
        /// The text after the head line, as shown.
        rest: String,
    }
    let mut shown: Vec<Entry> = Vec::new();
    for g in groups {
        let (kind, of) = describe_parts(&g.class);
        let mut rest = String::new();
        group_body(graph, g, &mut rest);
        let body: String = rest
            .lines()
            .filter(|l| !l.trim_start().starts_with("e.g. "))
            .collect::<Vec<_>>()
            .join("\n");
        // Strata come one after the other: look back within this one.
        let alike = shown
            .iter_mut()
            .rev()
            .take_while(|e| e.stratum == g.stratum)
            .find(|e| of.is_some() && e.of == of && e.body == body);
        match alike {
            Some(e) => e.kinds.push(kind),
            None => shown.push(Entry {
                stratum: g.stratum,
                kinds: vec![kind],
                of,
                body,
                rest,
            }),
        }
    }
    let mut last: Option<Stratum> = None;
    for e in shown {
        if last != Some(e.stratum) {
            out.push_str(&format!("{indent}{}:\n", stratum_title(e.stratum)));
            last = Some(e.stratum);
        }
        let who = match e.kinds.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, first)) => format!("{} and {last}", first.join(", ")),
            None => String::new(),
        };
        match e.of {
            Some(of) => out.push_str(&format!("    {who} of {of}\n")),
            None => out.push_str(&format!("    {who}\n")),
        }
        out.push_str(&e.rest);
    }
}

/// One group in JSON, its statements located in `graph`.
pub fn group_json(graph: &Graph, g: &Group) -> serde_json::Value {
    let r = &g.witness.request;
    json!({
        "stratum": g.stratum,
        "principal": describe(&g.class),
        "actions": g.actions,
        "unknown_action": g.unknown_action,
        "resources": g.resources,
        "when": g.when.iter().map(|(k, v)| json!({"key": k, "values": v})).collect::<Vec<_>>(),
        "conditions": conditions_in_words(graph, g),
        "witness": {
            "caller": r.caller.to_string(),
            "action": r.action,
            "resource": r.resource,
            "context": g.witness.given.iter().map(|(k, v)| json!({"key": k, "values": v})).collect::<Vec<_>>(),
            "absent": g.witness.absent,
        },
        "statements": g.statements.iter().filter_map(|id| statement_ref(graph, *id)).collect::<Vec<_>>(),
        "acl_grants": g.grants,
    })
}

/// A reason for uncertainty in JSON, its statement located in `graph`.
pub fn reason_json(graph: &Graph, r: &Reason) -> serde_json::Value {
    json!({
        "kind": r.kind,
        "message": r.message,
        "statement": r.statement.and_then(|id| statement_ref(graph, id)),
    })
}

/// The JSON rendering: `{"buckets": [...], "inputs": [...]}`. `buckets` holds each judged
/// bucket's answer (unchanged); `inputs` every input found with `path` and `verdict`:
/// `outside-access` (someone outside the owner's account can get in), `owner-only`, `error`
/// (with the message and diagnostics) or `skipped` (with the reason).
pub fn json(entries: &[WhoCanEntry]) -> serde_json::Value {
    let inputs: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            super::public::input_json(e, |w| {
                let verdict = if outside(w) {
                    "outside-access"
                } else {
                    "owner-only"
                };
                json!({ "verdict": verdict, "bucket": w.bucket })
            })
        })
        .collect();
    let buckets: Vec<serde_json::Value> = entries
        .iter()
        .filter_map(InputEntry::judged)
        .map(|w| {
            let groups: Vec<serde_json::Value> =
                w.groups.iter().map(|g| group_json(&w.graph, g)).collect();
            let mut b = json!({
                "bucket": w.bucket,
                "owner": w.owner,
                "owner_assumed": w.owner_assumed,
                "identity_assumed": w.identity_assumed,
                "groups": groups,
                "uncertain": w.reasons.iter().map(|r| reason_json(&w.graph, r)).collect::<Vec<_>>(),
            });
            // Only when the owner's IAM configuration is given (older outputs unchanged).
            if !w.own_identity.is_empty() {
                b["own_identity"] = json!(w.own_identity);
            }
            b
        })
        .collect();
    json!({ "buckets": buckets, "inputs": inputs })
}

/// Statement `id` of `graph` as written: its file, its span and its index. `None` for the
/// assumed identity policy, which stands for files not given and has no place to point at.
pub fn written_span(graph: &Graph, id: usize) -> Option<(String, (LineCol, LineCol), usize)> {
    let s = graph.statements.get(id)?;
    let (doc, st) = graph.written(s)?;
    if doc.source.name() == crate::exact::who_can::ASSUMED_IDENTITY {
        return None;
    }
    Some((
        doc.source.name().to_string(),
        (
            doc.source.line_col(st.span.start),
            doc.source.line_col(st.span.end),
        ),
        s.index,
    ))
}

/// One finding of the finding formats (`concise`, `github`, `sarif`): a caller group at its
/// first granting statement, a reason the answer is uncertain, or an input not judged.
#[derive(Debug, Clone)]
pub struct Placed {
    /// `public`, `other-account`, `same-account`, `aws-service`, `uncertain` or `error`: the
    /// title, and the SARIF rule id.
    pub title: &'static str,
    /// By stratum: public error, other accounts warning, AWS services note; uncertain warning;
    /// `None` for the owner's own account, which `github` and `sarif` leave out.
    pub severity: Option<Severity>,
    /// The file, as given.
    pub file: String,
    /// Where, 1-based; the end when known.
    pub span: (LineCol, Option<LineCol>),
    /// `/Statement/N` of the statement, or empty: what the SARIF fingerprint keeps.
    pub pointer: String,
    /// One line.
    pub message: String,
}

/// The title and severity of a stratum in the finding formats.
fn stratum_kind(s: Stratum) -> (&'static str, Option<Severity>) {
    match s {
        Stratum::Public => ("public", Some(Severity::Error)),
        Stratum::OtherAccount => ("other-account", Some(Severity::Warning)),
        Stratum::Service => ("aws-service", Some(Severity::Note)),
        Stratum::SameAccount => ("same-account", None),
    }
}

/// Every caller group of the judged buckets (at its first granting statement given, or at
/// the input when it has none: an ACL grant, the root user, an assumed identity policy), every
/// reason an answer is uncertain (at its statement, or at the input) and every input that
/// could not be judged, in input order.
pub fn placed(entries: &[WhoCanEntry]) -> Vec<Placed> {
    let start = LineCol { line: 1, column: 1 };
    let mut out = Vec::new();
    for entry in entries {
        let input = entry.path.display().to_string();
        let w = match &entry.outcome {
            InputOutcome::Judged(w) => w,
            InputOutcome::Failed(e) => {
                out.push(Placed {
                    title: "error",
                    severity: Some(Severity::Error),
                    file: input,
                    span: (start, None),
                    pointer: String::new(),
                    message: e.reason(),
                });
                continue;
            }
            InputOutcome::Skipped(_) => continue,
        };
        // At the statement when it is given, else at the input.
        let place = |at: Option<(String, (LineCol, LineCol), usize)>| {
            at.map_or_else(
                || (input.clone(), (start, None), String::new()),
                |(f, (s, e), i)| (f, (s, Some(e)), format!("/Statement/{i}")),
            )
        };
        for g in &w.groups {
            let (title, severity) = stratum_kind(g.stratum);
            let mut message = format!(
                "bucket `{}`: {} ({}) can {} (e.g. {})",
                w.bucket,
                describe(&g.class),
                stratum_title(g.stratum),
                listed(&g.actions),
                witness_request(&g.witness)
            );
            let by: Vec<String> = g
                .statements
                .iter()
                .map(|id| statement_line(&w.graph, *id))
                .collect();
            if !by.is_empty() {
                message.push_str(&format!("; granted by {}", by.join(", ")));
            } else if !g.grants.is_empty() {
                message.push_str("; granted by an ACL grant");
            }
            let at = g
                .statements
                .iter()
                .find_map(|id| written_span(&w.graph, *id));
            let (file, span, pointer) = place(at);
            out.push(Placed {
                title,
                severity,
                file,
                span,
                pointer,
                message,
            });
        }
        for r in &w.reasons {
            let at = r.statement.and_then(|id| written_span(&w.graph, id));
            let (file, span, pointer) = place(at);
            out.push(Placed {
                title: "uncertain",
                severity: Some(Severity::Warning),
                file,
                span,
                pointer,
                message: format!("bucket `{}`: {}", w.bucket, reason_line(&w.graph, r)),
            });
        }
    }
    out
}

/// The summary line of `--format concise` and `github`.
fn summary_line(entries: &[WhoCanEntry]) -> String {
    let judged: Vec<&WhoCan> = entries.iter().filter_map(InputEntry::judged).collect();
    let open = judged.iter().filter(|w| outside(w)).count();
    let uncertain = judged.iter().filter(|w| !w.reasons.is_empty()).count();
    format!(
        "{} bucket{}: {open} open to callers outside the owner's account, {uncertain} uncertain{}\n",
        judged.len(),
        if judged.len() == 1 { "" } else { "s" },
        super::public::not_judged_counts(entries)
    )
}

/// `--format concise`: one line per caller group (the owner's account too), reason for
/// uncertainty and input not judged, `path:line:column: TITLE message` (paths relative to
/// `cwd`), then the summary line; text from the input escaped.
pub fn concise(entries: &[WhoCanEntry], cwd: &std::path::Path) -> String {
    let mut out = String::new();
    for p in placed(entries) {
        let path = crate::config::relative_path(std::path::Path::new(&p.file), cwd, cwd);
        out.push_str(&format!(
            "{path}:{}:{}: {} {}\n",
            p.span.0.line, p.span.0.column, p.title, p.message
        ));
    }
    out.push_str(&summary_line(entries));
    super::escape_text(&out).into_owned()
}

/// `--format github`: an annotation per caller group outside the owner's account, reason for
/// uncertainty and input not judged, most severe first within GitHub's limit
/// ([`super::github`]), then the summary line; paths relative to `cwd` (the checkout).
pub fn github(entries: &[WhoCanEntry], cwd: &std::path::Path) -> String {
    let mut annotations = super::github::Annotations::default();
    annotations.extend(placed(entries).into_iter().filter_map(|p| {
        Some(super::github::Annotation {
            severity: p.severity?,
            path: crate::config::relative_path(std::path::Path::new(&p.file), cwd, cwd),
            start: p.span.0,
            end: p.span.1,
            title: p.title.to_string(),
            message: p.message,
        })
    }));
    let out = format!(
        "{}{}",
        annotations.finish("`--format human` or `json` lists every one"),
        summary_line(entries)
    );
    super::escape_text(&out).into_owned()
}

/// `--format sarif`: a result per caller group outside the owner's account, reason for
/// uncertainty and input not judged (rule ids are the titles of [`Placed`]; no registry code
/// raises them); paths relative to `cwd`. `successful` is false when some input could not be
/// read.
pub fn sarif(
    entries: &[WhoCanEntry],
    cwd: &std::path::Path,
    successful: bool,
) -> serde_json::Result<String> {
    let shown: Vec<(Placed, String)> = placed(entries)
        .into_iter()
        .filter(|p| p.severity.is_some())
        .map(|p| {
            let path = crate::config::relative_path(std::path::Path::new(&p.file), cwd, cwd);
            (p, path)
        })
        .collect();
    // The fingerprint keeps rule, path, pointer and occurrence: groups granted by one
    // statement are told apart by their order there.
    let mut seen: Vec<(&str, &str, &str)> = Vec::new();
    let results = shown
        .iter()
        .map(|(p, path)| {
            let key = (p.title, path.as_str(), p.pointer.as_str());
            seen.push(key);
            let occurrence = seen.iter().filter(|x| **x == key).count();
            super::sarif::located(
                p.title,
                p.severity.unwrap_or(Severity::Note),
                path,
                (p.span.0, p.span.1.unwrap_or(p.span.0)),
                p.message.clone(),
                &p.pointer,
                occurrence,
            )
        })
        .collect();
    serde_json::to_string_pretty(&super::sarif::log(results, successful))
}
