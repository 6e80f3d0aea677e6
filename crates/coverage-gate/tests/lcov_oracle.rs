//! Our lcov totals against an independent reader: the `lcov` crate (0.8),
//! on the lcov 1.x subset it handles.
//!
//! The crate keeps only the last of several sections with the same test
//! name and file (`Report::from_reader` inserts each into a map), while lcov
//! itself and our reader merge them. So the oracle parses each section as a
//! report of its own, with test names dropped (lcov's totals merge across
//! tests, and so do ours), and merges them with the crate's strict
//! `Report::merge`. Outside its subset: lcov 2.x records (`FN:start,end,name`,
//! text branch ids, `FNL`/`FNA`, `MCDC`), which coverage.py's `coverage lcov`
//! writes, so coverage.lcov is not used here.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::path::Path;

use lcov::{Reader, Record, Report};

use crate::support;
use support::{fixtures, gate_totals};

/// Found and hit counts: lines, branches, functions, and the file count.
type Totals = [(u64, u64); 3];

/// What the `lcov` crate makes of a tracefile.
fn oracle(text: &str) -> (Totals, u64) {
    let mut report = Report::new();
    let mut section = Vec::new();
    for record in Reader::new(text.as_bytes()) {
        let record = record.unwrap();
        let end = record == Record::EndOfRecord;
        if !matches!(record, Record::TestName { .. }) {
            section.push(Ok::<_, lcov::reader::Error>(record));
        }
        if end {
            report
                .merge(Report::from_reader(std::mem::take(&mut section)).unwrap())
                .unwrap();
        }
    }
    assert!(section.is_empty(), "a section without end_of_record");
    let mut t: Totals = [(0, 0); 3];
    for value in report.sections.values() {
        t[0].0 += value.lines.len() as u64;
        t[0].1 += value.lines.values().filter(|v| v.count > 0).count() as u64;
        t[1].0 += value.branches.len() as u64;
        t[1].1 += value
            .branches
            .values()
            .filter(|v| v.taken.is_some_and(|n| n > 0))
            .count() as u64;
        t[2].0 += value.functions.len() as u64;
        t[2].1 += value.functions.values().filter(|v| v.count > 0).count() as u64;
    }
    (t, report.sections.len() as u64)
}

/// What the gate makes of the tracefile at `path`.
fn ours(path: &Path) -> (Totals, u64) {
    let t = gate_totals(&[&path.to_string_lossy()]);
    ([t.lines, t.branches, t.functions], t.files)
}

fn check(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let expected = oracle(&text);
    assert_eq!(ours(path), expected, "{}", path.display());
}

#[test]
fn real_tracefiles() {
    let f = fixtures();
    for report in [
        "sample.info",
        // gcc --coverage and lcov 1.16: util.h in two sections.
        "ground-truth/gcc-lcov/coverage.info",
        "ground-truth/gcc-lcov/merged.info",
        // llvm-cov's lcov export (mangled names, `-` for branches never reached).
        "ground-truth/cargo-llvm-cov/lcov.info",
        "ground-truth/cargo-llvm-cov/branch/lcov-llvm19.info",
        "ground-truth/cargo-llvm-cov/branch/lcov-llvm22.info",
    ] {
        check(&f.join(report));
    }
}

#[test]
fn the_gcc_capture_needs_merging() {
    // The oracle is not vacuous here: the file repeats util.h, whose two
    // sections differ, and merging them changes the totals.
    let path = fixtures().join("ground-truth/gcc-lcov/coverage.info");
    let text = std::fs::read_to_string(&path).unwrap();
    let last_section_only = Report::from_reader(Reader::new(text.as_bytes())).unwrap();
    let lines: u64 = last_section_only
        .sections
        .values()
        .map(|v| v.lines.len() as u64)
        .sum();
    let (merged, files) = oracle(&text);
    assert_eq!(files, 3);
    assert_eq!(lines, merged[0].0, "same lines in both util.h sections");
    let hit: u64 = last_section_only
        .sections
        .values()
        .map(|v| v.lines.values().filter(|l| l.count > 0).count() as u64)
        .sum();
    assert_ne!(hit, merged[0].1, "the sections differ in which lines ran");
}

/// A small deterministic generator (an LCG), so the generated reports are
/// the same on every run and a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

/// An lcov 1.x tracefile in the crate's subset: several tests, files split
/// over several sections, counts of zero, `-` branches, and summary records
/// that lie. Within a section each line, branch and function appears once,
/// and a function's start line never changes: the crate keeps only the last
/// of duplicate `DA` or `BRDA` records in a section (lcov sums them, as we
/// do) and refuses to merge functions whose start lines differ.
fn generated(seed: u64) -> String {
    let mut rng = Lcg(seed);
    let mut s = String::new();
    let files = 1 + rng.next(4);
    let sections = files + rng.next(6);
    for n in 0..sections {
        let file = if n < files { n } else { rng.next(files) };
        if rng.next(2) == 0 {
            s.push_str(&format!("TN:test{}\n", rng.next(3)));
        }
        s.push_str(&format!("SF:src/file{file}.c\n"));
        for f in 0..rng.next(4) {
            s.push_str(&format!("FN:{},fn{file}_{f}\n", 10 * f + 1));
            s.push_str(&format!("FNDA:{},fn{file}_{f}\n", rng.next(3)));
        }
        s.push_str(&format!("FNF:{}\nFNH:0\n", rng.next(9)));
        // Distinct lines, at least one: every section has data.
        let lines: std::collections::BTreeSet<u64> =
            (0..=rng.next(25)).map(|_| 1 + rng.next(40)).collect();
        for &line in lines.iter().filter(|l| *l % 3 == 0) {
            let block = rng.next(2);
            for branch in 0..2 {
                let taken = match rng.next(3) {
                    0 => "-".to_owned(),
                    _ => rng.next(3).to_string(),
                };
                s.push_str(&format!("BRDA:{line},{block},{branch},{taken}\n"));
            }
        }
        for line in &lines {
            s.push_str(&format!("DA:{line},{}\n", rng.next(3)));
        }
        s.push_str("LF:1000\nLH:999\nend_of_record\n");
    }
    s
}

#[test]
fn generated_tracefiles() {
    let dir = tempfile::tempdir().unwrap();
    let mut merging = 0;
    for seed in 0..24 {
        let text = generated(seed);
        let path = dir.path().join(format!("gen{seed}.info"));
        std::fs::write(&path, &text).unwrap();
        let expected = oracle(&text);
        assert_eq!(ours(&path), expected, "seed {seed}:\n{text}");
        merging += u64::from(text.matches("SF:").count() as u64 > expected.1);
    }
    // Most of them repeat a file, so merging is what is being checked.
    assert!(merging >= 12, "{merging}");
}
