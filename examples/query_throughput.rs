//! Query throughput on one compiled graph: reads a workload written by
//! `bench/gen_corpus.py --queries N` (a bucket policy, the caller's identity policies and N
//! requests, in the shape of a scenario file), compiles the graph once, then decides every
//! request `--repeat` times on one thread, without and with the trace, and prints one JSON
//! line (in-process figures, as the peers' wrappers print theirs).
//!
//! `cargo run --release --example query_throughput -- WORKLOAD.json [--repeat R]`

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line measuring tool"
)]

use s3_access::eval::{self, Caller, Decision, Graph, Layer, Request};
use s3_access::source::SourceFile;
use serde_json::Value;
use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: query_throughput WORKLOAD.json [--repeat R]")?;
    let mut repeat = 50usize;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--repeat" => {
                repeat = args
                    .next()
                    .and_then(|r| r.parse().ok())
                    .ok_or("--repeat needs a number")?;
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
    let now = 1_767_225_600; // 2026-01-01T00:00:00Z, the workload's time

    let started = Instant::now();
    let mut graph = Graph::new();
    let policies = doc.get("policies").ok_or("no `policies`")?;
    let mut sources = Vec::new();
    if let Some(b) = policies.get("bucket") {
        sources.push(("bucket.json".to_string(), b, Layer::Bucket));
    }
    for (i, p) in policies
        .get("identity")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        sources.push((format!("identity-{i}.json"), p, Layer::Identity));
    }
    for (name, policy, layer) in sources {
        let text = serde_json::to_string_pretty(policy).map_err(|e| e.to_string())?;
        eval::add_source(&mut graph, SourceFile::new(name.clone(), text), layer, 0)
            .map_err(|e| format!("{name}: {e}"))?;
    }
    let compile_us = started.elapsed().as_secs_f64() * 1e6;

    let mut requests = Vec::new();
    for r in doc
        .get("requests")
        .and_then(Value::as_array)
        .ok_or("no `requests`")?
    {
        let field = |k: &str| r.get(k).and_then(Value::as_str);
        let caller = Caller::parse(field("principal").ok_or("a request has no principal")?)
            .map_err(|e| e.to_string())?;
        let mut given = Vec::new();
        for (k, v) in r
            .get("context")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            match v {
                Value::Array(items) => {
                    for i in items.iter().filter_map(Value::as_str) {
                        given.push((k.clone(), i.to_string()));
                    }
                }
                other => given.push((k.clone(), other.as_str().unwrap_or("").to_string())),
            }
        }
        requests.push(Request::new(
            caller,
            field("action").unwrap_or(""),
            field("resource").unwrap_or(""),
            field("bucket_owner"),
            &given,
            now,
        ));
    }

    let mut counts = [0usize; 3];
    for r in &requests {
        let i = match eval::decide(&graph, r, false).decision {
            Decision::Allow => 0,
            Decision::ExplicitDeny => 1,
            Decision::ImplicitDeny => 2,
        };
        if let Some(c) = counts.get_mut(i) {
            *c += 1;
        }
    }
    let time = |trace: bool| {
        let started = Instant::now();
        for _ in 0..repeat {
            for r in &requests {
                black_box(eval::decide(black_box(&graph), black_box(r), trace));
            }
        }
        started.elapsed().as_secs_f64()
    };
    let plain = time(false);
    let traced = time(true);
    let n = (requests.len() * repeat) as f64;
    println!(
        "{}",
        serde_json::json!({
            "tool": "s3-access",
            "requests": requests.len(),
            "repeat": repeat,
            "seconds": plain,
            "queries_per_sec": (n / plain).round(),
            "us_per_query": plain / n * 1e6,
            "queries_per_sec_with_trace": (n / traced).round(),
            "us_per_query_with_trace": traced / n * 1e6,
            "graph_compile_us": compile_us,
            "decisions": {"allow": counts[0], "explicit-deny": counts[1], "implicit-deny": counts[2]},
        })
    );
    Ok(())
}
