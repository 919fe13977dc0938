//! One place per rule: every finding code of the registry is raised by exactly one rule, a
//! function marked `// rule: CODE` on the line above it (docs/architecture.md). This test
//! reads the markers in `src/`, checks that each code has exactly one and that the marked file
//! really raises it, and snapshots the whole list of codes with the file of each rule.

use crate::layering::rust_files;
use s3_access::registry::{Code, RULES};
use std::collections::BTreeMap;
use std::path::Path;

/// Every `// rule: A B` marker: code -> the files (relative to `src/`) and lines marking it.
fn markers() -> BTreeMap<String, Vec<(String, usize)>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut out: BTreeMap<String, Vec<(String, usize)>> = BTreeMap::new();
    for path in files {
        let rel = path.strip_prefix(&src).unwrap().display().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            if let Some(codes) = line.trim_start().strip_prefix("// rule:") {
                for code in codes.split_whitespace() {
                    out.entry(code.to_string())
                        .or_default()
                        .push((rel.clone(), i + 1));
                }
            }
        }
    }
    out
}

#[test]
fn every_code_is_raised_by_exactly_one_marked_rule() {
    let markers = markers();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    for (code, rule) in Code::ALL.iter().zip(RULES) {
        match markers.get(rule.code).map(Vec::as_slice) {
            None | Some([]) => problems.push(format!("{}: no `// rule:` marker", rule.code)),
            Some([(file, _)]) => {
                let text = std::fs::read_to_string(src.join(file)).unwrap();
                let variant = format!("Code::{code:?}");
                if !text.contains(&variant) {
                    problems.push(format!(
                        "{}: marked in src/{file}, which never names {variant}",
                        rule.code
                    ));
                }
            }
            Some(many) => problems.push(format!(
                "{}: marked {} times ({})",
                rule.code,
                many.len(),
                many.iter()
                    .map(|(f, l)| format!("src/{f}:{l}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
    for code in markers.keys() {
        if Code::lookup(code).is_none() {
            problems.push(format!("`// rule: {code}` names no code of the registry"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_code_list_with_the_home_of_each_rule() {
    let markers = markers();
    let list: Vec<String> = RULES
        .iter()
        .map(|r| {
            let home = markers
                .get(r.code)
                .and_then(|m| m.first())
                .map_or("-", |(f, _)| f.as_str());
            format!(
                "{} {:<34} {:<7} {:<36} {}",
                r.code,
                r.name,
                r.severity.as_str(),
                home,
                r.summary
            )
        })
        .collect();
    insta::assert_snapshot!(list.join("\n"));
}
