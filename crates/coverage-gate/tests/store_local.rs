//! The baseline store and patch coverage on real git repositories, with no
//! API: records on the local `trunkline-data` branch, the first-parent walk
//! to the nearest record, concurrent and repeated records, changed lines
//! from `git diff`, and the inputs that must exit 2.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use serde_json::Value;
use test_support::testing::{Run, TestRepo, hermetic_command, output_text, run_hermetic};

const BIN: &str = env!("CARGO_BIN_EXE_coverage-gate");

fn gate(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    run_hermetic(BIN, dir, &all, &[])
}

/// An lcov report for `src/app.py` (package `src`): lines 1..=found, the
/// first `hit` covered.
fn report(repo: &TestRepo, name: &str, found: u32, hit: u32) -> String {
    let mut s = String::from("TN:\nSF:src/app.py\n");
    for l in 1..=found {
        s.push_str(&format!("DA:{l},{}\n", u32::from(l <= hit)));
    }
    s.push_str("end_of_record\n");
    let path = repo.path().join("..").join(format!("{name}.info"));
    std::fs::write(&path, s).unwrap();
    path.canonicalize().unwrap().display().to_string()
}

/// main: c1, c2, c3 (each touching src/app.py).
fn history() -> (TestRepo, Vec<String>) {
    let repo = TestRepo::new();
    let mut shas = Vec::new();
    for i in 1..=3 {
        repo.write("src/app.py", format!("# v{i}\n").repeat(10));
        shas.push(repo.commit(&format!("c{i}")));
    }
    (repo, shas)
}

fn data_branch_commits(repo: &TestRepo) -> usize {
    repo.git(&["rev-list", "--count", "trunkline-data"])
        .parse()
        .unwrap()
}

fn data_files(repo: &TestRepo) -> Vec<String> {
    repo.git(&["ls-tree", "-r", "--name-only", "trunkline-data"])
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn records_land_on_the_local_branch_and_a_repeat_writes_nothing() {
    let (repo, shas) = history();
    let r = report(&repo, "r1", 10, 9);
    let out = gate(repo.path(), &[&r, "--record", "--sha", &shas[0]]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    assert!(
        v["actions"][0]
            .as_str()
            .unwrap()
            .starts_with("recorded local branch trunkline-data:coverage/"),
        "{v}"
    );
    let record_path = format!("coverage/{}/{}.json", &shas[0][..2], shas[0]);
    assert_eq!(
        data_files(&repo),
        [record_path.clone(), "coverage/index.txt".to_owned()]
    );
    // The record is the baseline format, with files.
    let record: Value =
        serde_json::from_str(&repo.git(&["show", &format!("trunkline-data:{record_path}")]))
            .unwrap();
    assert_eq!(record["commit"], shas[0].as_str());
    assert_eq!(record["packages"]["src"]["lines_hit"], 9);
    assert_eq!(record["files"]["src/app.py"]["lines_found"], 10);
    // An orphan: no main commit in its history; main and HEAD untouched.
    assert_eq!(data_branch_commits(&repo), 1);
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), shas[2]);
    assert!(repo.git(&["status", "--porcelain"]).is_empty());

    // The same record again: no new commit.
    let out = gate(repo.path(), &[&r, "--record", "--sha", &shas[0]]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.json()["notes"]
            .to_string()
            .contains("already holds this record"),
        "{}",
        out.stdout
    );
    assert_eq!(data_branch_commits(&repo), 1);

    // HEAD is recorded when no --sha is given; a dry run writes nothing.
    let out = gate(repo.path(), &[&r, "--record", "--dry-run"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.json()["actions"][0]
            .as_str()
            .unwrap()
            .starts_with("would record"),
        "{}",
        out.stdout
    );
    assert_eq!(data_branch_commits(&repo), 1);
}

#[test]
fn two_concurrent_records_both_land() {
    let (repo, shas) = history();
    let r1 = report(&repo, "a", 10, 5);
    let r2 = report(&repo, "b", 10, 6);
    let start = |r: &str, sha: &str| {
        let mut cmd = hermetic_command(BIN);
        cmd.current_dir(repo.path())
            .args(["--format", "json", r, "--record", "--sha", sha]);
        cmd.spawn().unwrap()
    };
    for round in 0..3 {
        let (a, b) = (&shas[round % 3], &shas[(round + 1) % 3]);
        let p1 = start(&r1, a);
        let p2 = start(&r2, b);
        for p in [p1, p2] {
            let out = p.wait_with_output().unwrap();
            let (stdout, stderr) = output_text(&out);
            assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
        }
    }
    let files = data_files(&repo);
    for sha in &shas {
        assert!(
            files.contains(&format!("coverage/{}/{sha}.json", &sha[..2])),
            "{files:?}"
        );
    }
    let index = repo.git(&["show", "trunkline-data:coverage/index.txt"]);
    assert_eq!(index.lines().count(), 3, "{index}");
}

#[test]
fn the_walk_finds_the_nearest_recorded_ancestor() {
    let (repo, shas) = history();
    // Only c1 has a record; the branch leaves main at c3.
    let base_report = report(&repo, "base", 10, 9);
    assert_eq!(
        gate(repo.path(), &[&base_report, "--record", "--sha", &shas[0]]).code,
        0
    );
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write(
        "src/app.py",
        format!("{}x = 1\ny = 2\n", "# v3\n".repeat(10)),
    );
    repo.commit("feature");
    let dropped = report(&repo, "dropped", 12, 8);
    let out = gate(
        repo.path(),
        &[&dropped, "--baseline", "auto", "--base", "main"],
    );
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let v = out.json();
    assert_eq!(v["baseline"]["commit"], shas[0].as_str());
    assert_eq!(v["baseline"]["distance"], 2);
    assert_eq!(v["packages"][0]["baseline_line_percent"], 90.0);

    // Too shallow a walk: no record, so a warning that says how to start.
    let out = gate(
        repo.path(),
        &[
            &dropped,
            "--baseline",
            "auto",
            "--base",
            "main",
            "--baseline-depth",
            "1",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    assert_eq!(v["verdict"], "warn");
    assert_eq!(v["baseline"], Value::Null);
    assert!(
        v["reasons"]
            .to_string()
            .contains("--record on every push to the default branch"),
        "{v}"
    );
    let out = gate(
        repo.path(),
        &[
            &dropped,
            "--baseline",
            "auto",
            "--base",
            "main",
            "--baseline-depth",
            "1",
            "--require-baseline",
        ],
    );
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("--require-baseline"), "{}", out.stderr);

    // A mirror fetched from origin is read too.
    let c = TestRepo::new();
    c.git(&[
        "fetch",
        "-q",
        repo.path().to_str().unwrap(),
        "main:refs/remotes/origin/main",
        "feature:refs/heads/feature",
    ]);
    c.git(&[
        "fetch",
        "-q",
        repo.path().to_str().unwrap(),
        "trunkline-data:refs/remotes/origin/trunkline-data",
    ]);
    c.git(&["checkout", "-q", "feature"]);
    let out = gate(
        c.path(),
        &[&dropped, "--baseline", "auto", "--base", "origin/main"],
    );
    assert_eq!(
        out.json()["baseline"]["commit"],
        shas[0].as_str(),
        "{}",
        out.stdout
    );
}

#[test]
fn patch_coverage_of_a_branch() {
    let (repo, _) = history();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    // Lines 11-14 added; 15 is a comment with no data.
    repo.write(
        "src/app.py",
        format!(
            "{}a = 1\nb = 2\nc = 3\nd = 4\n# note\n",
            "# v3\n".repeat(10)
        ),
    );
    repo.write("src/other.py", "print()\n");
    repo.write("docs/readme.md", "words\n");
    repo.commit("feature");
    let r = report(&repo, "patch", 14, 12);
    let out = gate(repo.path(), &[&r, "--base", "main"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    assert_eq!(v["verdict"], "warn", "src/other.py has no data: {v}");
    let patch = &v["patch"];
    assert_eq!(patch["measured"], 4);
    assert_eq!(patch["covered"], 2);
    assert_eq!(patch["percent"], 50.0);
    assert_eq!(
        patch["files"],
        serde_json::json!([{"path": "src/app.py", "covered": [11, 12], "uncovered": [13, 14]}])
    );
    assert_eq!(
        patch["unmeasured_files"],
        serde_json::json!(["src/other.py"])
    );
    let out = gate(
        repo.path(),
        &[
            &r,
            "--base",
            "main",
            "--min-patch",
            "60",
            "--unmeasured",
            "ignore",
        ],
    );
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.json()["reasons"][0]
            .as_str()
            .unwrap()
            .contains("below 60%")
    );
    let out = gate(repo.path(), &[&r, "--base", "main", "--unmeasured", "fail"]);
    assert_eq!(out.code, 1);
    let out = gate(
        repo.path(),
        &[
            &r,
            "--base",
            "main",
            "--source",
            "src/app.py",
            "--min-patch",
            "50",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(out.json()["verdict"], "pass");

    // The text report lists the uncovered ranges.
    let text = run_hermetic(BIN, repo.path(), &[&r, "--base", "main"], &[]);
    assert!(
        text.stdout.contains("src/app.py: not covered 13-14"),
        "{}",
        text.stdout
    );
}

#[test]
fn bad_input_exits_2_and_names_the_fix() {
    let not_repo = tempfile::tempdir().unwrap();
    std::fs::write(
        not_repo.path().join("r.info"),
        "SF:a.py\nDA:1,1\nend_of_record\n",
    )
    .unwrap();
    let out = gate(not_repo.path(), &["r.info", "--baseline", "auto"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("--baseline auto")
            && out.stderr.contains("not inside a git repository"),
        "{}",
        out.stderr
    );
    let out = gate(not_repo.path(), &["r.info", "--record"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--record"), "{}", out.stderr);

    let (repo, shas) = history();
    let r = report(&repo, "r", 10, 9);
    let out = gate(repo.path(), &[&r, "--base", "no-such-branch"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("--base no-such-branch: no such commit"),
        "{}",
        out.stderr
    );
    let out = gate(repo.path(), &[&r, "--baseline", "auto"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("pass --base REV"), "{}", out.stderr);
    let out = gate(repo.path(), &[&r, "--record", "--sha", "abc"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    let out = gate(repo.path(), &[&r, "--store-keep", "0"]);
    assert_eq!(out.code, 2);
    let out = gate(repo.path(), &[&r, "--min-patch", "50"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("--min-patch") && out.stderr.contains("--base REV"),
        "{}",
        out.stderr
    );

    // A corrupt record names its file and how to re-record.
    assert_eq!(
        gate(repo.path(), &[&r, "--record", "--sha", &shas[2]]).code,
        0
    );
    let wt = tempfile::tempdir().unwrap();
    let wt_path = wt.path().join("data");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        wt_path.to_str().unwrap(),
        "trunkline-data",
    ]);
    let path = format!("coverage/{}/{}.json", &shas[2][..2], shas[2]);
    std::fs::write(wt_path.join(&path), "{ not json").unwrap();
    repo.git(&[
        "-C",
        wt_path.to_str().unwrap(),
        "commit",
        "-q",
        "-am",
        "break it",
    ]);
    let out = gate(repo.path(), &[&r, "--baseline", "auto", "--base", "main"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr
            .contains(&format!("trunkline-data:{path}: not a coverage record")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains(&format!("re-run the recording job of commit {}", shas[2])),
        "{}",
        out.stderr
    );
}

/// `tests/fixtures/coverage/ground-truth/go`: a module, its profile from
/// `go test -coverprofile` and Go's own percentages.
fn go_fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/coverage/ground-truth/go")
}

/// Go on the store and the patch: records carry Go's statements per package
/// and per file, a pull request is held to statements, and patch coverage
/// still counts the changed lines (per-line data), not statements.
#[test]
fn go_records_statements_and_its_patch_counts_lines() {
    let fixture = go_fixture();
    let read = |p: &str| std::fs::read_to_string(fixture.join(p)).unwrap();
    let cart = read("cart/cart.go");
    let profile = read("coverage.out");
    let repo = TestRepo::new();
    repo.write("go.mod", read("go.mod"));
    repo.write("tax/tax.go", read("tax/tax.go"));
    // main: cart.go up to Sorted (line 52); the branch adds Reset and
    // Discount (lines 54-64), which the tests never run.
    let head: Vec<&str> = cart.lines().collect();
    assert_eq!(head[54], "func (c *Cart) Reset() {}", "the fixture moved");
    repo.write("cart/cart.go", format!("{}\n", head[..53].join("\n")));
    let main = repo.commit("main");
    // main's profile: the same run without the blocks of lines 55 and on.
    let base_profile: String = profile
        .lines()
        .filter(|l| {
            let Some(rest) = l.strip_prefix("example.com/ground/cart/cart.go:") else {
                return true;
            };
            rest.split('.').next().unwrap().parse::<u32>().unwrap() < 55
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let (base_out, head_out) = (dir.path().join("base.out"), dir.path().join("head.out"));
    std::fs::write(&base_out, base_profile).unwrap();
    std::fs::write(&head_out, &profile).unwrap();
    let (base_out, head_out) = (
        base_out.to_str().unwrap().to_owned(),
        head_out.to_str().unwrap().to_owned(),
    );

    let out = gate(repo.path(), &[&base_out, "--record", "--sha", &main]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let record: Value = serde_json::from_str(&repo.git(&[
        "show",
        &format!("trunkline-data:coverage/{}/{main}.json", &main[..2]),
    ]))
    .unwrap();
    // cart.go's nine blocks before line 55 hold 12 statements, all run.
    let file = &record["files"]["cart/cart.go"];
    assert_eq!(
        (&file["statements_found"], &file["statements_hit"]),
        (&Value::from(12), &Value::from(12)),
        "{record}"
    );
    assert_ne!(file["lines_found"], file["statements_found"], "{record}");
    let package = &record["packages"]["example.com/ground/cart"];
    assert_eq!(package["statements_found"], 12, "{record}");

    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("cart/cart.go", &cart);
    repo.commit("Reset and Discount");
    let out = gate(
        repo.path(),
        &[&head_out, "--baseline", "auto", "--base", "main"],
    );
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let v = out.json();
    assert_eq!(v["baseline"]["commit"], main.as_str());
    let cart_result = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "example.com/ground/cart")
        .unwrap();
    // Go's own figure (go-test-cover.txt: 75.0% of statements), held to
    // main's 100%: 4 more uncovered statements.
    assert_eq!(cart_result["statement_percent"], 75.0);
    assert_eq!(cart_result["baseline_line_percent"], 100.0);
    assert_eq!(cart_result["uncovered_delta"], 4);
    assert_eq!(cart_result["verdict"], "fail");
    assert!(
        v["reasons"][0]
            .as_str()
            .unwrap()
            .contains("statement coverage fell 25.00 points"),
        "{v}"
    );
    // The patch: Reset's block has no statement, so line 55 is not
    // measured; Discount's blocks cover lines 58-63 (4 statements, 6 lines).
    assert_eq!(
        v["patch"]["files"],
        serde_json::json!([{"path": "cart/cart.go", "covered": [], "uncovered": [58, 59, 60, 61, 62, 63]}]),
        "{v}"
    );
    assert_eq!(v["patch"]["measured"], 6);
}
