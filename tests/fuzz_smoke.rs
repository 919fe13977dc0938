//! The fuzz smoke run, on the stable toolchain and without a fuzzer: every committed crash
//! regression and corpus input goes through its target (`fuzz/src/targets.rs`, the same
//! bodies the fuzzers run), then a fixed-seed sample of mutations of them.
//!
//! By default an evenly spaced sample of at most 250 corpus inputs per target is replayed,
//! to keep `cargo test` fast; `S3A_FUZZ_CORPUS=all` replays all of them (`.ci/run` does).
//! `S3A_FUZZ_MUTATIONS` sets the number of mutations per target (default 400). A failing
//! input is saved under `target/tmp/` and its path is in the failure message.

use crate::fuzz_targets::TARGETS;
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files of `dir`, sorted by name (none if it does not exist).
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

/// Runs `target` on `data`; on a panic, saves the input and fails with where it is.
fn run(name: &str, target: fn(&[u8]), data: &[u8], origin: &str) {
    let result = std::panic::catch_unwind(|| target(data));
    if let Err(e) = result {
        let message = e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-smoke");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}-{:016x}", fnv(data)));
        std::fs::write(&path, data).unwrap();
        panic!(
            "fuzz target `{name}` failed on {origin} (input saved as {}): {message}\nreproduce: cargo fuzz run {name} {}",
            path.display(),
            path.display()
        );
    }
}

fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Inputs that once failed a target (`fuzz/regressions/<target>/`, see its README).
#[test]
fn every_committed_crash_input_passes_its_target() {
    assert!(fuzz_dir().join("regressions/README.md").is_file());
    for (name, target) in TARGETS {
        let dir = fuzz_dir().join("regressions").join(name);
        assert!(dir.is_dir(), "{} is missing", dir.display());
        for (path, data) in files(&dir) {
            run(name, *target, &data, &path.display().to_string());
        }
    }
}

#[test]
fn the_policies_of_the_repository_pass_the_json_policy_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut errors = Vec::new();
    let files = s3_access::lint::collect_files(
        &[root.join("policies"), root.join("tests/corpus")],
        s3_access::lint::Links::Skip,
        &mut errors,
    );
    assert!(errors.is_empty() && files.len() > 100);
    for path in files {
        let mut data = vec![11u8]; // no --kind: detect
        data.extend(std::fs::read(&path).unwrap());
        run(
            "json_policy",
            crate::fuzz_targets::json_policy,
            &data,
            &path.display().to_string(),
        );
    }
}

/// xorshift64*: a fixed seed gives the same mutations on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One libFuzzer-style mutation: flip, insert, delete, duplicate, an interesting byte, or a
/// splice with another input.
fn mutate(rng: &mut Rng, data: &[u8], other: &[u8]) -> Vec<u8> {
    let mut d = data.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = d.len();
        match rng.below(6) {
            0 if len > 0 => {
                let i = rng.below(len);
                d[i] ^= 1 << rng.below(8);
            }
            1 => {
                let i = rng.below(len + 1);
                d.insert(i, rng.next() as u8);
            }
            2 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(16));
                d.drain(i..i + n);
            }
            3 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(32));
                let piece: Vec<u8> = d[i..i + n].to_vec();
                let at = rng.below(len + 1);
                d.splice(at..at, piece);
            }
            4 if len > 0 => {
                const INTERESTING: &[u8] = b"\0\xff\"\\{}[],:*?$ \n\x7f\xc3\xa9";
                let i = rng.below(len);
                d[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            _ => {
                let cut = rng.below(d.len() + 1);
                let from = rng.below(other.len() + 1);
                d.truncate(cut);
                d.extend_from_slice(&other[from..]);
            }
        }
    }
    d.truncate(16 * 1024);
    d
}

#[test]
fn the_corpus_and_seeded_mutations_pass_every_target() {
    let mutations: usize = std::env::var("S3A_FUZZ_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    for (name, target) in TARGETS {
        let corpus = files(&fuzz_dir().join("corpus").join(name));
        assert!(
            !corpus.is_empty(),
            "fuzz/corpus/{name} is empty: commit the seed corpus"
        );
        let all = std::env::var("S3A_FUZZ_CORPUS").is_ok_and(|v| v == "all");
        let step = if all { 1 } else { corpus.len().div_ceil(250) };
        for (path, data) in corpus.iter().step_by(step.max(1)) {
            run(name, *target, data, &path.display().to_string());
        }
        let mut rng = Rng(0x5eed_0000_0000_0001 ^ fnv(name.as_bytes()));
        for i in 0..mutations {
            let a = &corpus[rng.below(corpus.len())].1;
            let b = &corpus[rng.below(corpus.len())].1;
            let data = mutate(&mut rng, a, b);
            run(name, *target, &data, &format!("mutation #{i}"));
        }
    }
}
