//! coverage-gate's report readers. A reader may refuse a report (that is
//! a clean exit 2 in the gate); whatever it accepts must be a coverage model
//! whose counts agree with themselves.

use std::io::Read;
use std::path::Path;

use coverage_gate::model::{BranchId, Coverage, ReadError};
use coverage_gate::{clover, cobertura, gocover, jacoco, lcov, opencover, simplecov};
use coverage_gate::{format, paths};

use crate::text;

/// A checkout that does not exist: the readers that look for source files
/// find none, as on a runner without the sources.
const ROOT: &str = "/nonexistent/trunkline-fuzz";

pub(crate) fn lcov(data: &[u8]) {
    sniff(data);
    check(lcov::read(data));
}

pub(crate) fn cobertura(data: &[u8]) {
    sniff(data);
    check(cobertura::read(data, Path::new(ROOT)));
}

pub(crate) fn jacoco(data: &[u8]) {
    sniff(data);
    let roots = ["src/main/java".to_owned(), "src/main/kotlin".to_owned()];
    check(jacoco::read(data, Path::new(ROOT), &roots));
}

pub(crate) fn clover(data: &[u8]) {
    sniff(data);
    check(clover::read(data));
}

pub(crate) fn opencover(data: &[u8]) {
    sniff(data);
    check(opencover::read(data));
}

pub(crate) fn simplecov(data: &[u8]) {
    sniff(data);
    check(simplecov::read(data));
}

/// The format detection the gate runs on every report before a reader
/// (`--format auto`). It reads the report's start through a window that
/// refills from the reader: a reader that hands over one byte at a time
/// must get the same answer as one that hands over everything.
fn sniff(data: &[u8]) {
    let whole = format::detect(data).ok();
    let trickled = format::detect(Trickle(data)).ok();
    assert_eq!(whole, trickled, "detection depends on the reads' sizes");
}

/// A reader that returns one byte per read.
struct Trickle<'a>(&'a [u8]);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match (self.0.split_first(), buf.first_mut()) {
            (Some((b, rest)), Some(slot)) => {
                *slot = *b;
                self.0 = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

/// The input is a coverprofile, or a `go.mod` and a coverprofile separated
/// by a NUL byte (the module path is stripped from the profile's paths).
pub(crate) fn gocover(data: &[u8]) {
    match data.iter().position(|b| *b == 0) {
        Some(nul) => {
            let go_mod = text(&data[..nul]);
            let module = gocover::module_path(&go_mod);
            check(gocover::read(&data[nul + 1..], module.as_deref()));
        }
        None => {
            sniff(data);
            check(gocover::read(data, Some("example.com/shop")));
        }
    }
}

/// The invariants of a model a reader accepted.
fn check(read: Result<Coverage, ReadError>) {
    let Ok(cov) = read else { return };
    let t = cov.totals();
    assert!(t.lines_hit <= t.lines_found, "{t:?}");
    assert!(t.branches_hit <= t.branches_found, "{t:?}");
    assert!(t.functions_hit <= t.functions_found, "{t:?}");
    assert!(t.mcdc_hit <= t.mcdc_found, "{t:?}");
    for (path, f) in &cov.files {
        // What the gate does to every report path: forward slashes, no
        // `.` or `..` segments left, no empty segment but a leading `/`.
        let folded = paths::fold(path, &[]);
        assert!(!folded.contains('\\'), "{path:?} folded to {folded:?}");
        let rest = folded.strip_prefix('/').unwrap_or(&folded);
        assert!(
            rest.is_empty() || rest.split('/').all(|s| !matches!(s, "" | "." | "..")),
            "{path:?} folded to {folded:?}"
        );
        assert_eq!(paths::fold(&folded, &[]), folded, "{path:?}: fold twice");
        let lines: Vec<(u32, u64)> = f.lines.iter().collect();
        assert_eq!(lines.len(), f.lines.len(), "{path}: lines");
        assert_eq!(
            lines.iter().filter(|(_, h)| *h > 0).count(),
            f.lines.hit(),
            "{path}: lines hit"
        );
        assert!(
            lines.windows(2).all(|w| w[0].0 < w[1].0),
            "{path}: lines out of order or repeated"
        );
        // A lookup scans the packed lines: spot-check a few.
        for (line, hits) in lines.iter().take(8) {
            assert_eq!(f.lines.get(*line), Some(*hits), "{path}: line {line}");
        }
        let branches: Vec<_> = f.branches.iter().collect();
        assert_eq!(branches.len(), f.branches.len(), "{path}: branches");
        assert_eq!(
            branches.iter().filter(|b| b.3 > 0).count(),
            f.branches.hit(),
            "{path}: branches hit"
        );
        assert!(
            branches.windows(2).all(|w| w[0].0 <= w[1].0),
            "{path}: branches out of line order"
        );
        // Named branches can be looked up by their ids; unnamed ones (only
        // counted, as Cobertura and JaCoCo give them) have none.
        let named = branches
            .iter()
            .filter(|b| b.1 != BranchId::Unnamed && b.2 != BranchId::Unnamed);
        for (line, block, branch, taken) in named.take(8) {
            assert_eq!(
                f.branches
                    .get(*line, &block.to_string(), &branch.to_string()),
                Some(*taken),
                "{path}: branch {line} {block} {branch}"
            );
        }
        let functions: Vec<_> = f.functions.iter().collect();
        assert_eq!(functions.len(), f.functions.len(), "{path}: functions");
        assert_eq!(
            functions.iter().filter(|(_, f)| f.hits > 0).count(),
            f.functions.hit(),
            "{path}: functions hit"
        );
    }
    // A report merged with itself covers the same lines, branches and
    // functions: only the counts add up.
    let mut twice = cov.clone();
    twice.merge(cov);
    let t2 = twice.totals();
    assert_eq!(t, t2, "a report merged with itself");
}
