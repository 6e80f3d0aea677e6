//! Patch coverage: of the lines a change adds, how many the tests run.
//!
//! A changed line is *measured* when the merged reports have a count for
//! it and *covered* when that count is above zero; comments and blank lines
//! have no count and are neither. This is diff-cover's definition, and the
//! tests hold the two to the same lines. A changed source file the reports
//! do not mention at all is *unmeasured*: often a shard of the test run
//! was never uploaded, which must not pass as "nothing to cover". Pure.

use std::collections::BTreeSet;

use globset::{GlobBuilder, GlobMatcher};
use serde::Serialize;

use crate::cli::Unmeasured;
use crate::diff::ChangedLines;
use crate::model::Coverage;

/// One changed file's measured lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PatchFile {
    /// The file, relative to the checkout (`--root`).
    pub path: String,
    /// Changed lines the tests ran.
    pub covered: Vec<u32>,
    /// Changed lines with coverage data that the tests did not run.
    pub uncovered: Vec<u32>,
}

/// The patch's coverage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Patch {
    pub measured: u64,
    pub covered: u64,
    /// Files with at least one measured changed line, by path.
    pub files: Vec<PatchFile>,
    /// Changed source files with no coverage data at all, by path.
    pub unmeasured_files: Vec<String>,
    /// Files with added lines, and those lines, in the diff.
    #[serde(skip)]
    pub changed_files: usize,
    #[serde(skip)]
    pub changed_lines: u64,
}

impl Patch {
    /// Covered over measured, in percent; `None` with nothing measured.
    pub fn percent(&self) -> Option<f64> {
        (self.measured > 0).then(|| self.covered as f64 * 100.0 / self.measured as f64)
    }
}

/// Which changed files are source files, whose lack of coverage data
/// matters.
#[derive(Debug)]
pub enum SourceFilter {
    /// `--source` globs. A glob without `/` matches the file name anywhere.
    Globs(Vec<GlobMatcher>),
    /// The default: the extensions of the files the reports cover.
    Extensions(BTreeSet<String>),
}

fn extension(path: &str) -> Option<&str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then_some(ext)
}

impl SourceFilter {
    pub fn new(globs: &[String], coverage: &Coverage) -> Result<Self, String> {
        if globs.is_empty() {
            return Ok(Self::Extensions(
                coverage
                    .files
                    .keys()
                    .filter_map(|p| extension(p))
                    .map(str::to_owned)
                    .collect(),
            ));
        }
        let mut out = Vec::new();
        for g in globs {
            let pattern = if g.contains('/') {
                g.clone()
            } else {
                format!("**/{g}")
            };
            let m = GlobBuilder::new(&pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| format!("--source {g:?}: {e}"))?
                .compile_matcher();
            out.push(m);
        }
        Ok(Self::Globs(out))
    }

    pub fn matches(&self, path: &str) -> bool {
        match self {
            Self::Globs(g) => g.iter().any(|m| m.is_match(path)),
            Self::Extensions(e) => extension(path).is_some_and(|x| e.contains(x)),
        }
    }
}

/// Files no coverage report ever holds, whatever the settings: Go's test
/// files (`*_test.go`), which `go test -cover` compiles but never measures.
/// A change to one is not a missing report.
fn never_measured(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|name| name.ends_with("_test.go"))
}

/// Measures every changed file against the merged coverage. Each file's
/// lines are walked once, in order, beside its changed lines.
pub fn compute(coverage: &Coverage, changed: &ChangedLines, sources: &SourceFilter) -> Patch {
    let mut patch = Patch::default();
    for (path, lines) in changed {
        if lines.is_empty() {
            continue;
        }
        patch.changed_files += 1;
        patch.changed_lines += lines.len() as u64;
        let Some(file) = coverage.files.get(path) else {
            if sources.matches(path) && !never_measured(path) {
                patch.unmeasured_files.push(path.clone());
            }
            continue;
        };
        let (mut covered, mut uncovered) = (Vec::new(), Vec::new());
        let mut wanted = lines.iter().copied().peekable();
        for (line, hits) in file.lines.iter() {
            while wanted.next_if(|w| *w < line).is_some() {}
            let Some(&w) = wanted.peek() else { break };
            if w == line {
                if hits > 0 {
                    covered.push(line);
                } else {
                    uncovered.push(line);
                }
                wanted.next();
            }
        }
        if covered.is_empty() && uncovered.is_empty() {
            continue;
        }
        patch.measured += (covered.len() + uncovered.len()) as u64;
        patch.covered += covered.len() as u64;
        patch.files.push(PatchFile {
            path: path.clone(),
            covered,
            uncovered,
        });
    }
    patch
}

/// Consecutive lines as `(first, last)` ranges.
pub fn ranges(lines: &[u32]) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for &l in lines {
        match out.last_mut() {
            Some((_, last)) if l == last.saturating_add(1) => *last = l,
            _ => out.push((l, l)),
        }
    }
    out
}

/// What the patch says about the verdict: failures and warnings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PatchJudgement {
    pub fail: Vec<String>,
    pub warn: Vec<String>,
    pub info: Vec<String>,
}

/// Holds the patch to `--min-patch` and `--unmeasured`.
pub fn judge(patch: &Patch, min_patch: Option<f64>, unmeasured: Unmeasured) -> PatchJudgement {
    let mut j = PatchJudgement::default();
    match patch.percent() {
        Some(p) => {
            let line = format!(
                "patch coverage {p:.2}%: {} of {} changed lines the reports measure are covered",
                patch.covered, patch.measured
            );
            match min_patch {
                Some(min) if p + 1e-9 < min => j.fail.push(format!("{line}, below {min}%")),
                _ => j.info.push(line),
            }
        }
        None => j.info.push(format!(
            "patch coverage: none of the {} changed lines has coverage data (comments, blank lines, files without tests), so there is nothing to hold to{}",
            patch.changed_lines,
            if min_patch.is_some() { " --min-patch; passing" } else { "" }
        )),
    }
    if !patch.unmeasured_files.is_empty() {
        let shown: Vec<&str> = patch
            .unmeasured_files
            .iter()
            .take(5)
            .map(String::as_str)
            .collect();
        let more = patch.unmeasured_files.len().saturating_sub(shown.len());
        let text = format!(
            "{} changed source file(s) have no coverage data at all (was a test shard's report not uploaded?): {}{}",
            patch.unmeasured_files.len(),
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
        match unmeasured {
            Unmeasured::Ignore => {}
            Unmeasured::Warn => j.warn.push(text),
            Unmeasured::Fail => j.fail.push(text),
        }
    }
    j
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FileBuilder;

    fn coverage() -> Coverage {
        let mut cov = Coverage::default();
        let mut b = FileBuilder::default();
        for (l, h) in [(1, 1), (2, 0), (3, 0), (5, 4), (9, 0)] {
            b.line(l, h);
        }
        cov.add_file("src/a.py".into(), b.finish());
        b.line(1, 1);
        cov.add_file("src/b.py".into(), b.finish());
        cov
    }

    #[test]
    fn measured_and_covered() {
        let cov = coverage();
        let changed: ChangedLines = [
            ("src/a.py".to_owned(), vec![2, 3, 4, 5, 9, 10]),
            ("src/b.py".to_owned(), vec![7]),
            ("src/new.py".to_owned(), vec![1, 2]),
            ("README.md".to_owned(), vec![1]),
        ]
        .into();
        let f = SourceFilter::new(&[], &cov).unwrap();
        let p = compute(&cov, &changed, &f);
        assert_eq!(p.files.len(), 1, "b.py has no measured changed line");
        assert_eq!(p.files[0].covered, vec![5]);
        assert_eq!(p.files[0].uncovered, vec![2, 3, 9]);
        assert_eq!((p.measured, p.covered), (4, 1));
        assert_eq!(p.percent(), Some(25.0));
        assert_eq!(p.unmeasured_files, vec!["src/new.py"]);

        assert_eq!((p.changed_files, p.changed_lines), (4, 10));

        let j = judge(&p, Some(50.0), Unmeasured::Warn);
        assert_eq!(j.fail.len(), 1);
        assert!(j.fail[0].contains("below 50%"), "{:?}", j.fail);
        assert!(j.warn[0].contains("src/new.py"));
        assert!(judge(&p, Some(25.0), Unmeasured::Ignore).fail.is_empty());
        assert_eq!(judge(&p, None, Unmeasured::Fail).fail.len(), 1);
    }

    // Regression (found by delivery_flow, #16): a changed `*_test.go` was listed as unmeasured on
    // every Go change.
    /// Go never measures its test files: a changed one is not a missing
    /// report (found by the delivery_flow scenario, #16).
    #[test]
    fn go_test_files_are_never_unmeasured() {
        let mut go = Coverage::default();
        let mut b = FileBuilder::default();
        b.line(1, 1);
        go.add_file("shop.go".into(), b.finish());
        let changed: ChangedLines = [
            ("shop_test.go".to_owned(), vec![3]),
            ("cmd/x/x_test.go".to_owned(), vec![1]),
            ("price.go".to_owned(), vec![1]),
        ]
        .into();
        let p = compute(&go, &changed, &SourceFilter::new(&[], &go).unwrap());
        assert_eq!(p.unmeasured_files, vec!["price.go"]);
    }

    #[test]
    fn nothing_measured_passes_and_says_so() {
        let cov = coverage();
        let changed: ChangedLines = [("src/b.py".to_owned(), vec![7])].into();
        let p = compute(&cov, &changed, &SourceFilter::new(&[], &cov).unwrap());
        assert_eq!(p.percent(), None);
        let j = judge(&p, Some(90.0), Unmeasured::Warn);
        assert!(j.fail.is_empty() && j.warn.is_empty());
        assert!(
            j.info[0].contains("nothing to hold to --min-patch"),
            "{:?}",
            j.info
        );
    }

    #[test]
    fn source_globs_and_ranges() {
        let cov = coverage();
        let f = SourceFilter::new(&["src/**/*.py".into(), "*.go".into()], &cov).unwrap();
        assert!(f.matches("src/x/y.py") && f.matches("cmd/main.go") && !f.matches("tests/t.py"));
        assert!(SourceFilter::new(&["[".into()], &cov).is_err());
        let e = SourceFilter::new(&[], &cov).unwrap();
        assert!(e.matches("lib/z.py") && !e.matches("Makefile") && !e.matches(".py"));
        assert_eq!(ranges(&[1, 2, 3, 5, 7, 8]), vec![(1, 3), (5, 5), (7, 8)]);
        assert!(ranges(&[]).is_empty());
    }
}
