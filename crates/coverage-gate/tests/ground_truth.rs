//! Reports made by real tools on real code, and our totals held to the
//! totals each tool printed itself.
//!
//! The fixtures, and the exact commands and tool versions that made them,
//! are in tests/fixtures/coverage/ground-truth (see its README.md). Every
//! expected figure here is parsed from a tool's saved output, never retyped;
//! where a tool counts by another definition, the test says which figure is
//! the comparable one and why.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support;
use support::{fixtures, gate_totals};

/// Where each producer's folder was copied to and run (see the README), and
/// so the prefix of the absolute paths in its reports.
const RUN_AT: &str = "/tmp/ground-truth";

fn fixture(producer: &str) -> PathBuf {
    fixtures().join("ground-truth").join(producer)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Found and hit counts for lines, branches and functions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    lines: (u64, u64),
    branches: (u64, u64),
    functions: (u64, u64),
}

/// What the gate says about `reports` (relative to the producer's folder).
struct Gate {
    counts: Counts,
    files: u64,
}

fn gate(producer: &str, reports: &[&str]) -> Gate {
    let dir = fixture(producer);
    let paths: Vec<String> = reports
        .iter()
        .map(|r| dir.join(r).to_string_lossy().into_owned())
        .collect();
    let root = dir.to_string_lossy().into_owned();
    let prefix = format!("{RUN_AT}/{producer}");
    let mut args = vec!["--root", &root, "--strip-prefix", &prefix];
    args.extend(paths.iter().map(String::as_str));
    let t = gate_totals(&args);
    Gate {
        counts: Counts {
            lines: t.lines,
            branches: t.branches,
            functions: t.functions,
        },
        files: t.files,
    }
}

/// `(hit, found)` from lcov 1.16's `lcov --summary` line for `what`, e.g.
/// `  lines......: 78.0% (39 of 50 lines)`; "no data found" is `(0, 0)`.
fn lcov_summary(text: &str) -> Counts {
    let figure = |what: &str| -> (u64, u64) {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(what))
            .unwrap_or_else(|| panic!("no {what} line in:\n{text}"));
        if line.contains("no data found") {
            return (0, 0);
        }
        let inner = line.split_once('(').unwrap().1;
        let mut words = inner.split_whitespace();
        let hit: u64 = words.next().unwrap().parse().unwrap();
        assert_eq!(words.next(), Some("of"), "{line}");
        let found: u64 = words.next().unwrap().parse().unwrap();
        (found, hit)
    };
    Counts {
        lines: figure("lines"),
        branches: figure("branches"),
        functions: figure("functions"),
    }
}

/// The sums of a tracefile's own summary records (`LF`, `LH`, `BRF`, ...),
/// which the producer wrote and our reader deliberately ignores.
fn summary_records(text: &str) -> Counts {
    let sum = |tag: &str| -> u64 {
        text.lines()
            .filter_map(|l| l.strip_prefix(tag))
            .map(|n| n.trim().parse::<u64>().unwrap())
            .sum()
    };
    Counts {
        lines: (sum("LF:"), sum("LH:")),
        branches: (sum("BRF:"), sum("BRH:")),
        functions: (sum("FNF:"), sum("FNH:")),
    }
}

/// The distinct `SF` paths in a tracefile.
fn source_files(text: &str) -> u64 {
    let files: BTreeSet<&str> = text.lines().filter_map(|l| l.strip_prefix("SF:")).collect();
    files.len() as u64
}

/// A text table's `TOTAL` row as `(column, value)`, columns named by the
/// header (the first line), whose names are separated by two or more
/// spaces (llvm-cov's "Missed Regions") or by one (coverage.py's).
fn total_row(text: &str, header_gap: &str) -> Vec<(String, String)> {
    let header = text.lines().next().unwrap();
    let names: Vec<String> = header
        .split(header_gap)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let total = text
        .lines()
        .find(|l| l.starts_with("TOTAL"))
        .unwrap_or_else(|| panic!("no TOTAL row in:\n{text}"));
    let values: Vec<String> = total.split_whitespace().map(str::to_owned).collect();
    assert!(values.len() <= names.len(), "{header}\n{total}");
    names.into_iter().zip(values).collect()
}

fn column(row: &[(String, String)], name: &str) -> u64 {
    let matches: Vec<&String> = row
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v)
        .collect();
    assert_eq!(matches.len(), 1, "column {name:?} in {row:?}");
    matches[0].parse().unwrap()
}

/// The file rows of a text table: those between the two dashed rules.
fn table_files(text: &str) -> u64 {
    let mut rules = 0;
    let mut rows = 0;
    for line in text.lines() {
        if line.starts_with("---") {
            rules += 1;
        } else if rules == 1 && !line.trim().is_empty() {
            rows += 1;
        }
    }
    assert_eq!(rules, 2, "{text}");
    rows
}

// ---- gcc --coverage, captured with lcov 1.16 ----

#[test]
fn gcc_capture_equals_lcov_summary() {
    let dir = fixture("gcc-lcov");
    let lcov = lcov_summary(&read(&dir.join("lcov-summary.txt")));
    let ours = gate("gcc-lcov", &["coverage.info"]);
    // util.h is in two SF sections, one per translation unit that includes
    // it; lcov merges them line by line and so must we (apart, they would
    // make 56 lines and 8 branches).
    assert_eq!(ours.counts, lcov);
    assert_eq!(ours.files, 3);
    // Not a figure that happens to be empty: the fixture has all three kinds.
    assert!(lcov.lines.0 > 0 && lcov.branches.0 > 0 && lcov.functions.0 > 0);
    assert!(lcov.branches.1 < lcov.branches.0 && lcov.functions.1 < lcov.functions.0);
}

#[test]
fn gcc_capture_merged_by_lcov_equals_its_summary_and_records() {
    let dir = fixture("gcc-lcov");
    let merged = read(&dir.join("merged.info"));
    let lcov = lcov_summary(&read(&dir.join("lcov-summary-merged.txt")));
    let ours = gate("gcc-lcov", &["merged.info"]);
    assert_eq!(ours.counts, lcov);
    // `lcov --add-tracefile` writes its own LF/LH/BRF/... per file.
    assert_eq!(ours.counts, summary_records(&merged));
    assert_eq!(ours.files, source_files(&merged));
    // The raw capture and lcov's own merge of it are the same coverage.
    assert_eq!(ours.counts, gate("gcc-lcov", &["coverage.info"]).counts);
}

// ---- coverage.py, branch coverage on ----

/// coverage.py's own figures: `coverage report` for statements and branches,
/// `coverage json` totals for branches covered (the text report prints only
/// `BrPart`, the number of *lines* with a branch partly taken, which is not a
/// branch count), and `coverage json`'s per-function summaries for functions.
struct CoveragePy {
    counts: Counts,
    files: u64,
}

fn coveragepy() -> CoveragePy {
    let dir = fixture("coveragepy");
    let report = read(&dir.join("coverage-report.txt"));
    let row = total_row(&report, " ");
    let stmts = column(&row, "Stmts");
    let miss = column(&row, "Miss");
    let branch = column(&row, "Branch");

    let json: Value = serde_json::from_str(&read(&dir.join("coverage.json"))).unwrap();
    let totals = &json["totals"];
    assert_eq!(totals["num_statements"].as_u64(), Some(stmts));
    assert_eq!(totals["covered_lines"].as_u64(), Some(stmts - miss));
    assert_eq!(totals["num_branches"].as_u64(), Some(branch));
    let covered_branches = totals["covered_branches"].as_u64().unwrap();

    // A function is found when it has a statement and hit when one of them
    // ran, which is how `coverage lcov` writes FN/FNDA. The "" entry is the
    // module-level code outside any function.
    let mut functions = (0, 0);
    for file in json["files"].as_object().unwrap().values() {
        for (name, f) in file["functions"].as_object().unwrap() {
            let s = &f["summary"];
            if name.is_empty() || s["num_statements"].as_u64() == Some(0) {
                continue;
            }
            functions.0 += 1;
            functions.1 += u64::from(s["covered_lines"].as_u64().unwrap() > 0);
        }
    }
    CoveragePy {
        counts: Counts {
            lines: (stmts, stmts - miss),
            branches: (branch, covered_branches),
            functions,
        },
        files: table_files(&report),
    }
}

#[test]
fn coveragepy_xml_equals_coverage_report() {
    let tool = coveragepy();
    let ours = gate("coveragepy", &["coverage.xml"]);
    assert_eq!(ours.counts.lines, tool.counts.lines);
    assert_eq!(ours.counts.branches, tool.counts.branches);
    // coverage.py's Cobertura XML has no method elements (`<methods/>`), so
    // there are no functions to count.
    assert_eq!(ours.counts.functions, (0, 0));
    assert_eq!(ours.files, tool.files);

    // The XML's root carries coverage.py's own totals as well.
    let xml = read(&fixture("coveragepy").join("coverage.xml"));
    let attr = |name: &str| -> u64 {
        let start = xml.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        xml[start..].split('"').next().unwrap().parse().unwrap()
    };
    assert_eq!(
        ours.counts.lines,
        (attr("lines-valid"), attr("lines-covered"))
    );
    assert_eq!(
        ours.counts.branches,
        (attr("branches-valid"), attr("branches-covered"))
    );
}

#[test]
fn coveragepy_lcov_equals_coverage_report() {
    let tool = coveragepy();
    let ours = gate("coveragepy", &["coverage.lcov"]);
    assert_eq!(ours.counts, tool.counts);
    assert_eq!(ours.files, tool.files);
    // `coverage lcov` also writes its own LF/LH, BRF/BRH and FNF/FNH.
    let text = read(&fixture("coveragepy").join("coverage.lcov"));
    assert_eq!(ours.counts, summary_records(&text));
    // Not trivially equal: some of everything is missed.
    let c = tool.counts;
    assert!(c.lines.1 < c.lines.0 && c.branches.1 < c.branches.0);
    assert!(c.functions.1 < c.functions.0 && c.branches.1 > 0);
}

// ---- cargo-llvm-cov, with Debian's llvm-cov ----

/// llvm-cov's `--json --summary-only` totals: `(count, covered)` of `what`.
fn llvm_json(path: &Path, what: &str) -> (u64, u64) {
    let v: Value = serde_json::from_str(&read(path)).unwrap();
    let t = &v["data"][0]["totals"][what];
    (t["count"].as_u64().unwrap(), t["covered"].as_u64().unwrap())
}

/// llvm-cov's text summary `TOTAL` row: `(count, count - missed)` of the
/// column `what` ("Lines", "Functions", "Branches", "Regions").
fn llvm_text(text: &str, what: &str) -> (u64, u64) {
    let row = total_row(text, "  ");
    let count = column(&row, what);
    (count, count - column(&row, &format!("Missed {what}")))
}

/// `(lines with a count, lines with a non-zero count)` in `llvm-cov show`
/// output: the distinct lines llvm-cov itself lists for each file.
fn llvm_show_lines(text: &str) -> (u64, u64) {
    let mut found = 0;
    let mut hit = 0;
    for line in text.lines() {
        let mut cells = line.splitn(3, '|');
        let (Some(number), Some(count), Some(_)) = (cells.next(), cells.next(), cells.next())
        else {
            continue;
        };
        if number.trim().parse::<u32>().is_err() || count.trim().is_empty() {
            continue;
        }
        found += 1;
        hit += u64::from(count.trim() != "0");
    }
    (found, hit)
}

/// Lines that llvm-cov's summaries count twice: a line holding both a
/// function and a closure defined on it (src/lib.rs:31, `unused` and its
/// `filter` closure; src/parse.rs:21, `pairs` and its `filter_map` closure).
/// llvm-cov sums each file's line count over its functions, so such a line
/// counts once per function; its `show` and its lcov `DA` records list it
/// once, and so do we and lcov.
const LINES_COUNTED_TWICE_BY_LLVM_COV: u64 = 2;

#[test]
fn cargo_llvm_cov_lcov_equals_llvm_cov_summary() {
    let dir = fixture("cargo-llvm-cov");
    let lcov_text = read(&dir.join("lcov.info"));
    let text = read(&dir.join("llvm-cov-summary.txt"));
    let json = dir.join("llvm-cov-summary.json");
    let ours = gate("cargo-llvm-cov", &["lcov.info"]);

    // The text and JSON summaries agree with each other.
    for what in ["Lines", "Functions", "Branches"] {
        assert_eq!(
            llvm_text(&text, what),
            llvm_json(&json, &what.to_lowercase())
        );
    }

    // Lines: every line llvm-cov lists, and every covered line it counts.
    let summary_lines = llvm_json(&json, "lines");
    assert_eq!(
        ours.counts.lines,
        llvm_show_lines(&read(&dir.join("llvm-cov-show.txt")))
    );
    assert_eq!(ours.counts.lines.1, summary_lines.1);
    assert_eq!(
        ours.counts.lines.0 + LINES_COUNTED_TWICE_BY_LLVM_COV,
        summary_lines.0
    );
    // llvm-cov writes the summary's line count as LF, beside fewer DA records.
    assert_eq!(summary_records(&lcov_text).lines, summary_lines);

    // Functions: llvm-cov's export writes one FN per instantiation (the
    // generic `largest` twice, as `largest::<i32>` and `largest::<f64>`), so
    // the comparable figure is its "instantiations"; its "functions" groups
    // instantiations of one source function.
    assert_eq!(ours.counts.functions, llvm_json(&json, "instantiations"));
    let functions = llvm_json(&json, "functions");
    assert_eq!(ours.counts.functions.0, functions.0 + 1);
    // The export's FNF/FNH are the grouped figure, beside more FN records.
    assert_eq!(summary_records(&lcov_text).functions, functions);

    // Stable Rust has no branch coverage.
    assert_eq!(ours.counts.branches, llvm_json(&json, "branches"));
    assert_eq!(ours.counts.branches, (0, 0));

    // lcov 1.16 reads the same file as we do.
    assert_eq!(
        ours.counts,
        lcov_summary(&read(&dir.join("lcov-summary.txt")))
    );
    assert_eq!(ours.files, table_files(&text));
}

#[test]
fn cargo_llvm_cov_branches_with_llvm_22_equal_llvm_cov_summary() {
    let dir = fixture("cargo-llvm-cov/branch");
    let json = dir.join("llvm-cov-summary-llvm22.json");
    let ours = gate("cargo-llvm-cov", &["branch/lcov-llvm22.info"]);
    let branches = llvm_json(&json, "branches");
    assert_eq!(ours.counts.branches, branches);
    assert_eq!(
        branches,
        llvm_text(&read(&dir.join("llvm-cov-summary-llvm22.txt")), "Branches")
    );
    assert!(branches.1 < branches.0 && branches.1 > 0);
    // Lines and functions as in the stable run.
    assert_eq!(ours.counts.functions, llvm_json(&json, "instantiations"));
    assert_eq!(
        ours.counts.lines.0 + LINES_COUNTED_TWICE_BY_LLVM_COV,
        llvm_json(&json, "lines").0
    );
    assert_eq!(
        ours.counts,
        lcov_summary(&read(&dir.join("lcov-summary-llvm22.txt")))
    );
}

#[test]
fn cargo_llvm_cov_branches_with_llvm_19_count_each_instantiation() {
    let dir = fixture("cargo-llvm-cov/branch");
    let json = dir.join("llvm-cov-summary-llvm19.json");
    let ours = gate("cargo-llvm-cov", &["branch/lcov-llvm19.info"]);
    // llvm-cov 19's lcov export writes the branches of each instantiation of
    // the generic `largest` as their own BRDA block (lib.rs:22, blocks 0 and
    // 1: two more outcomes, one more taken), while its summary counts a
    // source location once. LLVM 22's export merges them (the test above).
    // We read the file as written, as lcov 1.16 does.
    assert_eq!(
        ours.counts,
        lcov_summary(&read(&dir.join("lcov-summary-llvm19.txt")))
    );
    let (found, hit) = llvm_json(&json, "branches");
    assert_eq!(ours.counts.branches, (found + 2, hit + 1));
    // The two LLVMs' summaries agree; only the export differs.
    for what in ["lines", "functions", "instantiations", "branches"] {
        assert_eq!(
            llvm_json(&json, what),
            llvm_json(&dir.join("llvm-cov-summary-llvm22.json"), what)
        );
    }
}

// ---- Go: go test -coverprofile, with Debian's golang-go ----

/// The gate's JSON on Go profiles in the `go` fixture (its `go.mod` names
/// the module): total statement percentage, and per package
/// `(statement percentage, line percentage)`.
fn go_gate(profiles: &[&str]) -> (f64, Vec<(String, f64, f64)>) {
    let dir = fixture("go");
    let root = dir.to_string_lossy().into_owned();
    let paths: Vec<String> = profiles
        .iter()
        .map(|p| dir.join(p).to_string_lossy().into_owned())
        .collect();
    let cwd = tempfile::tempdir().unwrap();
    let mut args = vec!["--format", "json", "--root", &root];
    args.extend(paths.iter().map(String::as_str));
    let out = test_support::testing::run_hermetic(support::BIN, cwd.path(), &args, &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let v = out.json();
    let t = &v["totals"];
    let (found, hit) = (
        t["statements_found"].as_u64().unwrap(),
        t["statements_hit"].as_u64().unwrap(),
    );
    let total = t["statement_percent"].as_f64().unwrap();
    assert!((total - hit as f64 * 100.0 / found as f64).abs() < 1e-9);
    let packages = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let (f, h) = (
                p["statements_found"].as_u64().unwrap(),
                p["statements_hit"].as_u64().unwrap(),
            );
            let pct = p["statement_percent"].as_f64().unwrap();
            assert!((pct - h as f64 * 100.0 / f as f64).abs() < 1e-9);
            (
                p["name"].as_str().unwrap().to_owned(),
                pct,
                p["line_percent"].as_f64().unwrap(),
            )
        })
        .collect();
    (total, packages)
}

/// Go's one-decimal percentage: `coverage: 75.0% of statements` from
/// `go test -cover` per package, `total: (statements) 64.3%` from
/// `go tool cover -func`.
fn go_percents(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            match fields.as_slice() {
                ["ok", package, .., "coverage:", pct, "of", "statements"] => {
                    Some(((*package).to_owned(), pct.trim_end_matches('%').to_owned()))
                }
                ["total:", "(statements)", pct] => {
                    Some(("total".to_owned(), pct.trim_end_matches('%').to_owned()))
                }
                _ => None,
            }
        })
        .collect()
}

// Regression (#17.3, real Go profiles): the totals were line-based, not Go's statement numbers.
#[test]
fn go_statements_equal_go_test_and_go_tool_cover() {
    let dir = fixture("go");
    for (profile, test_out, func_out) in [
        ("coverage.out", "go-test-cover.txt", "cover-func.txt"),
        (
            "coverage-set.out",
            "go-test-cover-set.txt",
            "cover-func-set.txt",
        ),
    ] {
        let (total, packages) = go_gate(&[profile]);
        let go_packages = go_percents(&read(&dir.join(test_out)));
        assert_eq!(go_packages.len(), 2, "{go_packages:?}");
        let ours: Vec<(String, String)> = packages
            .iter()
            .map(|(name, pct, _)| (name.clone(), format!("{pct:.1}")))
            .collect();
        assert_eq!(ours, go_packages, "{profile}");
        let go_total = go_percents(&read(&dir.join(func_out)));
        assert_eq!(go_total, [("total".to_owned(), format!("{total:.1}"))]);
        // Not lines: tax's line percentage is not Go's (its blocks overlap
        // and an empty function's block holds no statement).
        let tax = packages.iter().find(|p| p.0.ends_with("/tax")).unwrap();
        assert_ne!(format!("{:.1}", tax.2), format!("{:.1}", tax.1));
    }
}

#[test]
fn go_profiles_of_several_test_binaries_merge_as_go_merges_them() {
    // -coverpkg=./...: each test binary lists every package's blocks; the
    // repeats are summed (atomic) once per block, and internal/round,
    // which has no tests of its own, counts.
    let dir = fixture("go");
    let (total, packages) = go_gate(&["coverage-coverpkg.out"]);
    let go_total = go_percents(&read(&dir.join("cover-func-coverpkg.txt")));
    assert_eq!(go_total, [("total".to_owned(), format!("{total:.1}"))]);
    let names: Vec<&str> = packages.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "example.com/ground/cart",
            "example.com/ground/internal/round",
            "example.com/ground/tax"
        ]
    );
    // Two profiles of one run merge into the same figures.
    let (both, _) = go_gate(&["coverage.out", "coverage-set.out"]);
    let (one, _) = go_gate(&["coverage.out"]);
    assert_eq!(format!("{both:.6}"), format!("{one:.6}"));
}

// ---- SimpleCov, branch coverage, two suites merged ----

#[test]
fn simplecov_resultset_equals_simplecovs_own_totals() {
    let dir = fixture("simplecov");
    // "Coverage report generated for pricing, stock to ... 22 / 26 LOC (84.62%) covered."
    let stdout = read(&dir.join("simplecov-stock.txt"));
    let loc = stdout
        .split(" to ")
        .nth(1)
        .and_then(|r| r.split(". ").nth(1))
        .unwrap()
        .to_owned();
    let mut words = loc.split_whitespace();
    let hit: u64 = words.next().unwrap().parse().unwrap();
    assert_eq!(words.next(), Some("/"));
    let found: u64 = words.next().unwrap().parse().unwrap();
    // `<b>11</b> total branches`, `<b>6</b> branches covered`.
    let html = read(&dir.join("coverage/index.html"));
    let bold_before = |what: &str| -> u64 {
        let at = html.find(what).unwrap();
        let start = html[..at].rfind("<b>").unwrap() + 3;
        html[start..at].trim_end_matches("</b> ").parse().unwrap()
    };
    let branches = (
        bold_before("total branches"),
        bold_before("branches covered"),
    );
    let ours = gate("simplecov", &["coverage/.resultset.json"]);
    assert_eq!(ours.counts.lines, (found, hit));
    assert_eq!(ours.counts.branches, branches);
    assert_eq!(ours.files, 2);
    // Not trivially equal: the suites' branches merge by identity (label's
    // else ran in the second suite only) and some are never taken.
    assert!(branches.1 < branches.0 && hit < found);
}

// ---- istanbul (nyc): lcov, Clover and Cobertura of one run ----

/// nyc's `text-summary`: `(total, covered)` of `what`, from a line like
/// `Branches     : 83.33% ( 5/6 )`.
fn nyc_summary(text: &str, what: &str) -> (u64, u64) {
    let line = text
        .lines()
        .find(|l| l.starts_with(what))
        .unwrap_or_else(|| panic!("no {what} in:\n{text}"));
    let inner = line.split('(').nth(1).unwrap().trim_end_matches(')').trim();
    let (covered, total) = inner.split_once('/').unwrap();
    (
        total.trim().parse().unwrap(),
        covered.trim().parse().unwrap(),
    )
}

#[test]
fn istanbul_reports_of_one_run_each_and_merged_equal_nyc() {
    let text = read(&fixture("istanbul").join("nyc-summary.txt"));
    let lines = nyc_summary(&text, "Lines");
    let branches = nyc_summary(&text, "Branches");
    let functions = nyc_summary(&text, "Functions");
    for reports in [
        &["coverage/lcov.info"][..],
        &["coverage/clover.xml"],
        &["coverage/cobertura-coverage.xml"],
        &[
            "coverage/lcov.info",
            "coverage/clover.xml",
            "coverage/cobertura-coverage.xml",
        ],
    ] {
        let ours = gate("istanbul", reports);
        assert_eq!(ours.counts.lines, lines, "{reports:?}");
        assert_eq!(ours.counts.branches, branches, "{reports:?}");
        assert_eq!(ours.files, 1, "{reports:?}");
    }
    assert_eq!(
        gate("istanbul", &["coverage/lcov.info"]).counts.functions,
        functions
    );
    assert!(branches.1 < branches.0 && lines.1 < lines.0);

    // istanbul's own JSON: named, with how to produce lcov.
    let dir = fixture("istanbul");
    let cwd = tempfile::tempdir().unwrap();
    let json = dir.join("coverage/coverage-final.json");
    let out = test_support::testing::run_hermetic(
        support::BIN,
        cwd.path(),
        &[json.to_str().unwrap()],
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains(
            "coverage-final.json: this is an istanbul JSON (coverage-final.json) report, which this gate does not read; produce lcov with `nyc report --reporter=lcov`"
        ),
        "{}",
        out.stderr
    );
}

// ---- JaCoCo: a multi-module aggregate ----

// Regression (#17.9): a multi-module JaCoCo aggregate's files were not mapped under their `<group>`
// module.
#[test]
fn jacoco_aggregate_groups_find_their_modules_and_equal_jacocos_counters() {
    let dir = fixture("jacoco");
    let xml = read(&dir.join("jacoco.xml"));
    // The report's own totals: its last counters.
    let counter = |kind: &str| -> (u64, u64) {
        let c = xml
            .rsplit(&format!("<counter type=\"{kind}\""))
            .next()
            .unwrap();
        let field = |n: &str| -> u64 {
            c.split(&format!("{n}=\""))
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        (field("missed") + field("covered"), field("covered"))
    };
    let ours = gate("jacoco", &["jacoco.xml"]);
    assert_eq!(ours.counts.lines, counter("LINE"));
    assert_eq!(ours.counts.branches, counter("BRANCH"));
    assert_eq!(ours.files, 2);
    // Each file under its module's src/main/java, so in its module's package.
    let cwd = tempfile::tempdir().unwrap();
    let root = dir.to_string_lossy().into_owned();
    let report = dir.join("jacoco.xml").to_string_lossy().into_owned();
    let out = test_support::testing::run_hermetic(
        support::BIN,
        cwd.path(),
        &["--format", "json", "--root", &root, &report],
        &[],
    );
    let v = out.json();
    let names: Vec<&str> = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["app", "core"]);
    assert!(xml.contains("<group name=\"core\">"));
}
