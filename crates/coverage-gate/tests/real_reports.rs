//! Reports real producers wrote, from other projects' test data (see
//! tests/fixtures/coverage/real/README.md for each file's repository, path
//! and commit), held to the totals their producers wrote into them or to
//! `lcov --summary` run on them. Issue 17: each class of real file the gate
//! misread or refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use serde_json::Value;
use test_support::testing::run_hermetic;

use crate::support;
use support::{BIN, GateTotals, fixtures, gate_totals};

fn real(rel: &str) -> PathBuf {
    fixtures().join("real").join(rel)
}

fn text(rel: &str) -> String {
    let p = real(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn totals(reports: &[&str]) -> GateTotals {
    let paths: Vec<String> = reports
        .iter()
        .map(|r| real(r).to_string_lossy().into_owned())
        .collect();
    let args: Vec<&str> = paths.iter().map(String::as_str).collect();
    gate_totals(&args)
}

/// The gate's whole JSON answer (it must pass).
fn json(reports: &[&str]) -> Value {
    let cwd = tempfile::tempdir().unwrap();
    let paths: Vec<String> = reports
        .iter()
        .map(|r| real(r).to_string_lossy().into_owned())
        .collect();
    let mut args = vec!["--format", "json"];
    args.extend(paths.iter().map(String::as_str));
    let out = run_hermetic(BIN, cwd.path(), &args, &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    out.json()
}

/// An attribute of the first tag `tag` in `xml`, as a number (`"2"` or
/// `"2.0"`).
fn attr(xml: &str, tag: &str, name: &str) -> u64 {
    let at = xml
        .find(&format!("<{tag} "))
        .unwrap_or_else(|| panic!("no <{tag}>"));
    let rest = &xml[at..];
    let rest = &rest[..rest.find('>').unwrap()];
    let start = rest
        .find(&format!(" {name}=\""))
        .unwrap_or_else(|| panic!("no {name} on <{tag}>"))
        + name.len()
        + 3;
    let v = rest[start..].split('"').next().unwrap();
    v.parse::<f64>().unwrap() as u64
}

/// `(found, hit)` from a pair of attributes of the first `tag`.
fn pair(xml: &str, tag: &str, found: &str, hit: &str) -> (u64, u64) {
    (attr(xml, tag, found), attr(xml, tag, hit))
}

/// `(found, hit)` of `what` from `lcov --summary`'s line
/// `  lines......: 88.2% (15 of 17 lines)`; "no data found" is `(0, 0)`.
fn lcov_summary(rel: &str, what: &str) -> (u64, u64) {
    let t = text(rel);
    let line = t
        .lines()
        .find(|l| l.trim_start().starts_with(what))
        .unwrap_or_else(|| panic!("no {what} in {rel}"));
    if line.contains("no data found") {
        return (0, 0);
    }
    let inner = line.split_once('(').unwrap().1;
    let mut w = inner.split_whitespace();
    let hit = w.next().unwrap().parse().unwrap();
    assert_eq!(w.next(), Some("of"));
    (w.next().unwrap().parse().unwrap(), hit)
}

/// Exit 2 with a message naming the report's format and what to do.
fn refused_as(rel: &str, needle: &str) {
    let cwd = tempfile::tempdir().unwrap();
    let out = run_hermetic(BIN, cwd.path(), &[real(rel).to_str().unwrap()], &[]);
    assert_eq!(out.code, 2, "{rel}: {}", out.stdout);
    assert!(out.stderr.contains(needle), "{rel}: {}", out.stderr);
    assert!(out.stderr.contains("produce"), "{rel}: {}", out.stderr);
}

// ---- .NET: coverlet and Microsoft's coverage (branch="True") ----

// Regression (#17.1, real coverlet report): capitalised `branch="True"` dropped every branch.
#[test]
fn coverlet_cobertura_with_capitalised_booleans_keeps_its_branches() {
    let xml = text("reportgenerator/Cobertura_coverlet.xml");
    let t = totals(&["reportgenerator/Cobertura_coverlet.xml"]);
    assert_eq!(
        t.lines,
        pair(&xml, "coverage", "lines-valid", "lines-covered")
    );
    assert_eq!(
        t.branches,
        pair(&xml, "coverage", "branches-valid", "branches-covered")
    );
    assert!(t.branches.0 > 0 && xml.contains("branch=\"True\""));
}

#[test]
fn coverlet_opencover_equals_its_summary_and_merges_with_its_cobertura() {
    let xml = text("reportgenerator/OpenCover_coverlet.xml");
    let t = totals(&["reportgenerator/OpenCover_coverlet.xml"]);
    assert_eq!(
        t.lines,
        pair(
            &xml,
            "Summary",
            "numSequencePoints",
            "visitedSequencePoints"
        )
    );
    assert_eq!(
        t.branches,
        pair(&xml, "Summary", "numBranchPoints", "visitedBranchPoints")
    );
    // The same run as Cobertura: merged, the same figures, not twice the
    // branches.
    let both = totals(&[
        "reportgenerator/OpenCover_coverlet.xml",
        "reportgenerator/Cobertura_coverlet.xml",
    ]);
    assert_eq!((both.lines, both.branches), (t.lines, t.branches));
    assert_eq!(both.files, t.files);
}

#[test]
fn dotnet_coverage_branches_are_its_own_and_lines_its_distinct_lines() {
    let rel = "reportgenerator/Cobertura_dotnet-coverage.xml";
    let xml = text(rel);
    let t = totals(&[rel]);
    assert_eq!(
        t.branches,
        pair(&xml, "coverage", "branches-valid", "branches-covered")
    );
    // Each class's own <line> elements (after </methods>), a file's line
    // once, run when any element for it ran.
    let mut lines: std::collections::BTreeMap<(String, u64), bool> = Default::default();
    for class in xml.split("<class ").skip(1) {
        let file = class
            .split("filename=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let own = class.rsplit("</methods>").next().unwrap();
        for line in own.split("<line ").skip(1) {
            let field = |n: &str| -> u64 {
                line.split(&format!("{n}=\""))
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap()
            };
            *lines.entry((file.to_owned(), field("number"))).or_default() |= field("hits") > 0;
        }
    }
    let distinct = (
        lines.len() as u64,
        lines.values().filter(|h| **h).count() as u64,
    );
    assert_eq!(t.lines, distinct);
    assert!(xml.contains("branch=\"False\""));
}

// ---- Cobertura shapes ----

// Regression (#17.5, real Swift exporter): a Cobertura with lines only under `<method>` exited 2.
#[test]
fn swift_lines_only_under_methods() {
    let rel = "reportgenerator/Cobertura_Swift.xml";
    let xml = text(rel);
    let t = totals(&[rel]);
    assert_eq!(
        t.lines,
        pair(&xml, "coverage", "lines-valid", "lines-covered")
    );
    // Every <lines> of the file is a method's.
    assert_eq!(
        xml.matches("<lines>").count(),
        xml.matches("<method ").count()
    );
    assert!(t.lines.0 > 0);
}

// Regression (#17.10, real report): several `<source>`s, placeholders among them, mapped no file.
#[test]
fn placeholder_sources_are_ignored_and_the_source_used_is_noted() {
    for (rel, used, placeholder) in [
        (
            "reportgenerator/Cobertura2.1.1-MultiSource.xml",
            "\\\"C:/temp\\\"",
            "\\\"--dummy\\\"",
        ),
        (
            "diff-cover/dotnet_coverage.xml",
            "\\\"/code/samplediff/SampleApp\\\"",
            "\\\"--source\\\"",
        ),
    ] {
        let xml = text(rel);
        let v = json(&[rel]);
        let t = &v["totals"];
        let lines = (
            t["lines_found"].as_u64().unwrap(),
            t["lines_hit"].as_u64().unwrap(),
        );
        let branches = (
            t["branches_found"].as_u64().unwrap(),
            t["branches_hit"].as_u64().unwrap(),
        );
        assert_eq!(
            lines,
            pair(&xml, "coverage", "lines-valid", "lines-covered"),
            "{rel}"
        );
        assert_eq!(
            branches,
            pair(&xml, "coverage", "branches-valid", "branches-covered"),
            "{rel}"
        );
        let notes = v["notes"].to_string();
        assert!(
            notes.contains(&format!("<source> {used} for")),
            "{rel}: {notes}"
        );
        assert!(
            notes.contains(&format!("placeholders ignored: {placeholder}")),
            "{rel}: {notes}"
        );
    }
}

// ---- Clover ----

#[test]
fn openclover_equals_its_project_metrics() {
    let rel = "reportgenerator/Clover_OpenClover4.3.1.xml";
    let xml = text(rel);
    let t = totals(&[rel]);
    assert_eq!(
        t.lines,
        pair(&xml, "metrics", "statements", "coveredstatements")
    );
    assert_eq!(
        t.branches,
        pair(&xml, "metrics", "conditionals", "coveredconditionals")
    );
    assert_eq!(
        t.functions,
        pair(&xml, "metrics", "methods", "coveredmethods")
    );
}

#[test]
fn other_clover_producers_equal_their_metrics() {
    let groovy = text("reportgenerator/Clover_Groovy.xml");
    let t = totals(&["reportgenerator/Clover_Groovy.xml"]);
    assert_eq!(
        t.lines,
        pair(&groovy, "metrics", "statements", "coveredstatements")
    );
    assert_eq!(
        t.functions,
        pair(&groovy, "metrics", "methods", "coveredmethods")
    );
    let octocov = text("octocov/clover/coverage_path.xml");
    let t = totals(&["octocov/clover/coverage_path.xml"]);
    assert_eq!(
        t.lines,
        pair(&octocov, "metrics", "statements", "coveredstatements")
    );
    // Three files named utils.ts, told apart by their path.
    assert_eq!(t.files, 3);
    // ReportGenerator's istanbul sample keeps two files of its project:
    // their own metrics add up.
    let istanbul = text("reportgenerator/Clover_Istanbul.xml");
    let files: Vec<&str> = istanbul.split("<file ").skip(1).collect();
    let sum = files.iter().fold((0, 0), |acc, f| {
        let (s, c) = pair(f, "metrics", "statements", "coveredstatements");
        (acc.0 + s, acc.1 + c)
    });
    let t = totals(&["reportgenerator/Clover_Istanbul.xml"]);
    assert_eq!((t.lines, t.files), (sum, 2));
}

// ---- lcov as lcov reads it ----

// Regression (#17.4, real diff-cover fixtures): trailing whitespace after a record exited 2.
#[test]
fn istanbul_and_lcov_2_tracefiles_with_trailing_whitespace() {
    let rel = "diff-cover/real_typescript_coverage.lcov";
    assert!(text(rel).contains("end_of_record \n"));
    let summary = "diff-cover/lcov-summary-real_typescript_coverage.txt";
    let t = totals(&[rel]);
    assert_eq!(t.lines, lcov_summary(summary, "lines"));
    assert_eq!(t.functions, lcov_summary(summary, "functions"));
    assert_eq!(t.branches, lcov_summary(summary, "branches"));

    let rel = "diff-cover/real_cpp_coverage.lcov";
    let t = totals(&[rel]);
    assert_eq!(
        t.lines,
        lcov_summary("diff-cover/lcov-summary-real_cpp_coverage.txt", "lines")
    );
    // lcov 1.16 predates FNL/FNA; the file's own FNF/FNH count them.
    let src = text(rel);
    let record = |tag: &str| -> u64 {
        src.lines()
            .find_map(|l| l.strip_prefix(tag))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    assert_eq!(t.functions, (record("FNF:"), record("FNH:")));
    let notes = json(&[rel])["notes"].to_string();
    assert!(notes.contains("end in spaces or tabs"), "{notes}");
}

// Regression (#17.4, real Firefox report): `SF:data:...` paths holding newlines exited 2.
#[test]
fn firefox_sources_with_newlines_read_as_lcov_1_16_reads_them() {
    let rel = "grcov/firefox-data-url.info";
    let summary = "grcov/lcov-summary-firefox-data-url.txt";
    let t = totals(&[rel]);
    assert_eq!(t.lines, lcov_summary(summary, "lines"));
    assert_eq!(t.functions, lcov_summary(summary, "functions"));
    assert_eq!(t.branches, lcov_summary(summary, "branches"));
    let notes = json(&[rel])["notes"].to_string();
    assert!(
        notes.contains("2 SF path(s) run over several lines"),
        "{notes}"
    );
    assert!(notes.contains("without a DA record"), "{notes}");
}

// ---- gcovr: lcov and Cobertura of one run ----

// Regression (#17.2, real gcovr pair): the merged branch totals were double gcovr's.
#[test]
fn gcovr_lcov_and_cobertura_alone_and_merged() {
    for dir in [
        "gcovr/exclude-line-branch-gcc-14",
        "gcovr/virtual-classes-gcc-14",
    ] {
        let summary: Value =
            serde_json::from_str(&text(&format!("{dir}/coverage_summary.json"))).unwrap();
        let branches = (
            summary["branch_total"].as_u64().unwrap(),
            summary["branch_covered"].as_u64().unwrap(),
        );
        let lines = lcov_summary(&format!("{dir}/lcov-summary-coverage.txt"), "lines");
        let lcov = format!("{dir}/coverage.lcov");
        let xml = format!("{dir}/cobertura.xml");
        for reports in [
            vec![lcov.as_str()],
            vec![xml.as_str()],
            vec![lcov.as_str(), xml.as_str()],
        ] {
            let t = totals(&reports);
            assert_eq!(t.lines, lines, "{reports:?}");
            assert_eq!(t.branches, branches, "{reports:?}");
        }
        // The Cobertura's own branch totals agree with gcovr's summary.
        let cobertura = text(&xml);
        assert_eq!(
            branches,
            pair(&cobertura, "coverage", "branches-valid", "branches-covered")
        );
    }
}

// ---- JaCoCo on Kotlin ----

// Regression (#17.9, real JaCoCo on Kotlin): Kotlin files were mapped to `src/main/java`.
#[test]
fn kotlin_files_map_under_src_main_kotlin() {
    let rel = "grcov/kotlin-jacoco-report.xml";
    let xml = text(rel);
    let v = json(&[rel]);
    let t = &v["totals"];
    // The report's own counters, at its end.
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
    assert_eq!(
        (
            t["lines_found"].as_u64().unwrap(),
            t["lines_hit"].as_u64().unwrap()
        ),
        counter("LINE")
    );
    assert_eq!(
        (
            t["branches_found"].as_u64().unwrap(),
            t["branches_hit"].as_u64().unwrap()
        ),
        counter("BRANCH")
    );
    assert_eq!(v["packages"][0]["name"], "src");
    let cwd = tempfile::tempdir().unwrap();
    let out = run_hermetic(
        BIN,
        cwd.path(),
        &[
            "--format",
            "github",
            real(rel).to_str().unwrap(),
            "--package",
            "k=src/main/kotlin/**",
        ],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.contains("  k: 0.00%"), "{}", out.stdout);
}

// ---- SimpleCov ----

#[test]
fn a_simplecov_resultset_counts_every_line_entry() {
    let rel = "octocov/simplecov/.resultset2.json";
    // An independent count: the resultset's numbers, and those above 0.
    let v: Value = serde_json::from_str(&text(rel)).unwrap();
    let mut expect = (0, 0);
    for suite in v.as_object().unwrap().values() {
        for file in suite["coverage"].as_object().unwrap().values() {
            for n in file["lines"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_u64)
            {
                expect.0 += 1;
                expect.1 += u64::from(n > 0);
            }
        }
    }
    let t = totals(&[rel]);
    assert_eq!(t.lines, expect);
    assert!(expect.1 < expect.0);
}

// ---- Formats the gate does not read: named, with what to do ----

#[test]
fn formats_not_read_are_named_with_how_to_make_one_that_is() {
    refused_as(
        "gcovr/exclude-line-branch-gcc-14/coverage.json",
        "this is a gcovr JSON report, which this gate does not read; produce Cobertura with `gcovr --cobertura coverage.xml`",
    );
    refused_as(
        "gcovr/exclude-line-branch-gcc-14/coverage_summary.json",
        "this is a gcovr JSON summary report",
    );
    refused_as(
        "reportgenerator/main.cpp.gcov",
        "this is a gcov text (.gcov) report, which this gate does not read; produce lcov with `lcov --capture --directory .`",
    );
}
