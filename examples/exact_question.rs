//! A JSON question interface to the exact engine, for the SMT oracle
//! (`scripts/smt-oracle.py`): reads one question per line on standard input, answers each
//! with `exact::ask` and prints one JSON answer per line.
//!
//! A question: `{"id": "q1", "policy": "bucket-policy.json", "bucket": "b", "owner":
//! "111122223333", "principals": "anonymous" | "outside" | "account" | "services" | "all",
//! "actions": ["s3:GetObject"], "resource": "arn:aws:s3:::b/*" | null, "conditions":
//! {"Bool": {"aws:SecureTransport": "false"}} | null, "now": 1767225600}`.
//!
//! The documents are the bucket policy and, as `who-can` assumes, the caller's own identity
//! policies allowing everything (`exact::who_can::ASSUMED_IDENTITY`). The answer: `{"id",
//! "answer": "yes" | "no" | "uncertain", "reasons": [..], "witness": {"caller": {..},
//! "action", "resource", "context": {key: [values]}}}` (the witness on "yes" only; its context
//! is every key of the request `decide` saw).
//!
//! `cargo run --release --example exact_question < questions.jsonl`

#![allow(
    clippy::print_stdout,
    reason = "a command-line tool for the oracle script"
)]

use s3_access::eval::{self, Caller, Layer};
use s3_access::exact::{self, Answer, PrincipalScope, Question, Scope};
use s3_access::source::SourceFile;
use serde_json::{Value, json};
use std::io::BufRead;

fn main() {
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let answer = match serde_json::from_str::<Value>(&line) {
            Ok(q) => answer(&q).unwrap_or_else(|e| json!({"id": q["id"], "error": e})),
            Err(e) => json!({"error": format!("not JSON: {e}")}),
        };
        println!("{answer}");
    }
}

fn text<'v>(q: &'v Value, key: &str) -> Result<&'v str, String> {
    q[key].as_str().ok_or_else(|| format!("`{key}` is missing"))
}

/// The answer to one question, as JSON.
fn answer(q: &Value) -> Result<Value, String> {
    let path = text(q, "policy")?;
    let policy = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut graph = eval::Graph::new();
    eval::add_source(&mut graph, SourceFile::new(path, policy), Layer::Bucket, 0)
        .map_err(|e| format!("{path}: {e:?}"))?;
    let all =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    eval::add_source(
        &mut graph,
        SourceFile::new(exact::who_can::ASSUMED_IDENTITY, all),
        Layer::Identity,
        0,
    )
    .map_err(|e| format!("identity: {e:?}"))?;
    let owner = text(q, "owner")?.to_string();
    let principals = match text(q, "principals")? {
        "anonymous" => PrincipalScope::Anonymous,
        "outside" => PrincipalScope::OutsideAccount(owner.clone()),
        "account" => PrincipalScope::Account(owner.clone()),
        "services" => PrincipalScope::Services,
        "all" => PrincipalScope::All,
        other => return Err(format!("unknown principals `{other}`")),
    };
    let actions = q["actions"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let mut scope = Scope {
        principals,
        actions,
        resource: q["resource"].as_str().map(String::from),
        conditions: Vec::new(),
    };
    if q["conditions"].is_object() {
        scope = scope.with_conditions(&q["conditions"].to_string())?;
    }
    let question = Question {
        graph: &graph,
        bucket: text(q, "bucket")?.to_string(),
        owner,
        now: q["now"].as_i64().unwrap_or(1_767_225_600),
        scope,
    };
    Ok(match exact::ask(&question) {
        Answer::Yes(f) => json!({"id": q["id"], "answer": "yes", "witness": witness(&f)}),
        Answer::No => json!({"id": q["id"], "answer": "no"}),
        Answer::Uncertain(reasons) => json!({
            "id": q["id"],
            "answer": "uncertain",
            "reasons": reasons.iter().map(|r| r.message.clone()).collect::<Vec<_>>(),
        }),
    })
}

/// The witness request: the caller's parts, the action, the resource and every context key.
fn witness(f: &exact::Finding) -> Value {
    let r = &f.request;
    let caller = match &r.caller {
        Caller::Anonymous => json!({"kind": "anonymous"}),
        Caller::Root { account, .. } => json!({"kind": "root", "account": account}),
        Caller::User {
            account,
            path,
            name,
            ..
        } => json!({"kind": "user", "account": account, "path": path, "name": name}),
        Caller::Session {
            account,
            role_path,
            role,
            session,
            ..
        } => {
            json!({"kind": "session", "account": account, "path": role_path, "name": role, "session": session})
        }
        Caller::FederatedUser { account, name, .. } => {
            json!({"kind": "federated", "account": account, "name": name})
        }
        Caller::Service { name } => json!({"kind": "service", "name": name}),
    };
    let context: serde_json::Map<String, Value> = r
        .context
        .entries()
        .iter()
        .map(|e| (e.key.to_string(), json!(e.values)))
        .collect();
    json!({
        "caller": caller,
        "action": r.action,
        "resource": r.resource,
        "context": context,
    })
}
