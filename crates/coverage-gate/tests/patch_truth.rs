//! Patch coverage against diff-cover, line by line, on real reports of real
//! changes: more-itertools under coverage.py (Cobertura XML and lcov) and
//! cJSON under gcc and lcov 1.16. See
//! `tests/fixtures/coverage/patch-truth/README.md` for how each was made.
//!
//! The repository each test diffs is rebuilt from the real diff's shape
//! (line counts and hunk ranges, no source text): the same added line
//! numbers, which diff-cover itself was checked to agree with.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use test_support::testing::{TestRepo, run_hermetic};

const BIN: &str = env!("CARGO_BIN_EXE_coverage-gate");

fn fixture(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/coverage/patch-truth")
        .join(case)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A file's base and head lines from its diff shape (as `diff_shape.py
/// rebuild` makes them): distinct placeholder lines, the same hunks.
fn sides(name: &str, entry: &Value) -> (String, String) {
    let n = entry["base_lines"].as_u64().unwrap() as usize;
    let base: Vec<String> = (1..=n).map(|i| format!("{name} base line {i}")).collect();
    let mut head: Vec<String> = Vec::new();
    let (mut at, mut added) = (0usize, 0usize);
    for h in entry["hunks"].as_array().unwrap() {
        let h: Vec<usize> = h
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        let (old_start, old_n, new_n) = (h[0], h[1], h[3]);
        let keep_to = if old_n == 0 { old_start } else { old_start - 1 };
        head.extend_from_slice(&base[at..keep_to]);
        at = keep_to + old_n;
        for _ in 0..new_n {
            added += 1;
            head.push(format!("{name} added line {added}"));
        }
    }
    head.extend_from_slice(&base[at..]);
    let text = |lines: &[String]| lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    (text(&base), text(&head))
}

fn rebuild(shape: &Value) -> TestRepo {
    let repo = TestRepo::new();
    let files = shape.as_object().unwrap();
    for (name, entry) in files {
        repo.write(name, sides(name, entry).0);
    }
    repo.commit("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    for (name, entry) in files {
        repo.write(name, sides(name, entry).1);
    }
    repo.commit("head");
    repo
}

type Lines = BTreeMap<String, (Vec<u64>, Vec<u64>)>;

fn nums(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

/// diff-cover's covered and uncovered changed lines per file.
fn diff_cover(path: &Path) -> (Lines, u64, u64) {
    let v = read_json(path);
    let files = v["src_stats"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, s)| {
            (
                k.clone(),
                (nums(&s["covered_lines"]), nums(&s["violation_lines"])),
            )
        })
        .collect();
    (
        files,
        v["total_num_lines"].as_u64().unwrap(),
        v["total_num_violations"].as_u64().unwrap(),
    )
}

fn gate(repo: &TestRepo, report: &Path, strip: &str) -> (Lines, Value) {
    let out = run_hermetic(
        BIN,
        repo.path(),
        &[
            "--format",
            "json",
            report.to_str().unwrap(),
            "--strip-prefix",
            strip,
            "--base",
            "main",
        ],
        &[],
    );
    assert!(
        out.code == 0 || out.code == 1,
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    let v = out.json();
    let files = v["patch"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                (nums(&f["covered"]), nums(&f["uncovered"])),
            )
        })
        .collect();
    (files, v["patch"].clone())
}

fn assert_same(case: &str, report: &str, truth: &str, strip: &str) -> Value {
    let dir = fixture(case);
    let repo = rebuild(&read_json(&dir.join("diff-shape.json")));
    let (want, measured, violations) = diff_cover(&dir.join(truth));
    let (got, patch) = gate(&repo, &dir.join(report), strip);
    assert_eq!(got, want, "{case}/{report}: per file, line by line");
    assert_eq!(patch["measured"], measured, "{case}/{report}");
    assert_eq!(patch["covered"], measured - violations, "{case}/{report}");
    patch
}

#[test]
fn coverage_py_xml_and_lcov_agree_with_diff_cover() {
    for (report, truth) in [
        ("coverage.xml", "diff-cover-xml.json"),
        ("coverage.lcov", "diff-cover-lcov.json"),
    ] {
        let patch = assert_same("more-itertools", report, truth, "/tmp/dc/more-itertools");
        assert_eq!(patch["measured"], 43);
        assert_eq!(patch["covered"], 20);
        assert!(patch["unmeasured_files"].as_array().unwrap().is_empty());
    }
}

#[test]
fn gcc_lcov_agrees_with_diff_cover_and_names_what_it_did_not_measure() {
    let patch = assert_same("cjson", "merged.info", "diff-cover.json", "/tmp/dc/cJSON");
    assert_eq!(patch["measured"], 89);
    // cJSON_Utils.c changed, but its tests were not built, and cJSON.h
    // holds declarations only: diff-cover says nothing of either; the gate
    // names both.
    assert_eq!(
        patch["unmeasured_files"],
        serde_json::json!(["cJSON.h", "cJSON_Utils.c"])
    );
}
