//! Data flows one way (docs/architecture.md): a module of the library may use the modules
//! listed before it in [`LAYERS`] and never one listed after it. This test reads every `crate::` path in the
//! code of `src/` (comments are skipped) and fails on an upward one, naming file and line.

use std::path::{Path, PathBuf};

/// The library's top-level modules, lowest first. docs/architecture.md lists the same order,
/// one line each; a new module is added here where it belongs.
const LAYERS: &[&str] = &[
    "source",
    "json",
    "registry",
    "diagnostic",
    "suggest",
    "values",
    "wildcard",
    "arn",
    "variables",
    "catalog",
    "policy",
    "document",
    "publicity",
    "validate",
    "contain",
    "load",
    "aws_docs",
    "iac",
    "eval",
    "query",
    "exact",
    "public",
    "audit",
    "config",
    "lint",
    "git",
    "compare",
    "scenario",
    "report",
];

/// An import of a module above the importing one.
#[derive(Debug, PartialEq)]
struct Upward {
    file: String,
    line: usize,
    from: String,
    to: String,
}

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|m| *m == module)
}

/// The top-level modules a line of code names through `crate::`, including the members of a
/// grouped `use crate::{a, b::c}`.
fn crate_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        // `s3_access::crate` never occurs; a preceding identifier character means another word.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push(name);
            }
        }
    }
    out
}

/// The upward imports in the text of one source file of module `module`.
fn upward_in(file: &str, module: &str, text: &str) -> Vec<Upward> {
    let Some(own) = rank(module) else {
        return vec![Upward {
            file: file.to_string(),
            line: 0,
            from: module.to_string(),
            to: "(a module missing from LAYERS in tests/layering.rs)".to_string(),
        }];
    };
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        };
        for target in crate_paths(code) {
            // `crate::X` where X is an item of lib.rs itself, not a module, is not a layer.
            let Some(r) = rank(&target) else { continue };
            if r > own {
                out.push(Upward {
                    file: file.to_string(),
                    line: i + 1,
                    from: module.to_string(),
                    to: target,
                });
            }
        }
    }
    out
}

/// Every `.rs` file under `dir`, in sorted order.
pub(crate) fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_module_imports_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut upward = Vec::new();
    let mut modules = std::collections::BTreeSet::new();
    for path in &files {
        let rel = path.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_str()
            .unwrap();
        // The binary sits above every layer; lib.rs only declares them.
        if first == "bin" || first == "lib.rs" {
            continue;
        }
        let module = first.strip_suffix(".rs").unwrap_or(first);
        modules.insert(module.to_string());
        let text = std::fs::read_to_string(path).unwrap();
        upward.extend(upward_in(&rel.display().to_string(), module, &text));
    }
    assert!(
        upward.is_empty(),
        "modules import modules above them (order in tests/layering.rs and docs/architecture.md):\n{}",
        upward
            .iter()
            .map(|u| format!("  src/{}:{}: {} uses {}", u.file, u.line, u.from, u.to))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let listed: std::collections::BTreeSet<String> = LAYERS.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        modules, listed,
        "LAYERS must list exactly the modules of src/"
    );
}

#[test]
fn an_upward_import_is_caught_with_its_line() {
    let text = "//! uses crate::lint in a comment only\nuse crate::json::Value;\nuse crate::{source::Span, lint::FileReport};\nfn f() { crate::report::human(); }\n";
    let found = upward_in("json.rs", "json", text);
    assert_eq!(
        found
            .iter()
            .map(|u| (u.line, u.to.as_str()))
            .collect::<Vec<_>>(),
        vec![(3, "lint"), (4, "report")]
    );
    assert!(upward_in("report.rs", "report", text).is_empty());
}

#[test]
fn the_architecture_doc_lists_the_layers_in_order() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md"))
            .unwrap();
    let mut at = 0;
    for module in LAYERS {
        let needle = format!("`{module}`");
        let found = doc[at..].find(&needle).unwrap_or_else(|| {
            panic!("docs/architecture.md does not name `{module}` after the layer before it")
        });
        at += found + needle.len();
    }
}
