//! coverage-gate's report readers. A reader may refuse a report (that is
//! a clean exit 2 in the gate); whatever it accepts must be a coverage model
//! whose counts agree with themselves.

use std::path::Path;

use coverage_gate::model::{Coverage, ReadError};
use coverage_gate::{cobertura, gocover, jacoco, lcov};

use crate::text;

/// A checkout that does not exist: the readers that look for source files
/// find none, as on a runner without the sources.
const ROOT: &str = "/nonexistent/trunkline-fuzz";

pub(crate) fn lcov(data: &[u8]) {
    check(lcov::read(data));
}

pub(crate) fn cobertura(data: &[u8]) {
    check(cobertura::read(data, Path::new(ROOT)));
}

pub(crate) fn jacoco(data: &[u8]) {
    let roots = ["src/main/java".to_owned(), "src/main/kotlin".to_owned()];
    check(jacoco::read(data, Path::new(ROOT), &roots));
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
        None => check(gocover::read(data, Some("example.com/shop"))),
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
        for (line, block, branch, taken) in branches.iter().take(8) {
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
