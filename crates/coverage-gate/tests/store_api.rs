//! The gate in Actions against the fake GitHub: pushes to main record
//! through the Git Data API (the first creating the data branch, 5xx and
//! lost answers retried, a ref race rebuilt), pull requests compare with
//! the merge base's record and get one sticky comment, a fork's read-only
//! token is decided and not crashed, and the merge queue compares without
//! ever recording.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use serde_json::{Value, json};
use test_support::testing::{Run, live_commands, run_hermetic};
use test_support::{FakeGitHub, Fault, FaultKind, FileChange, Pull};

const BIN: &str = env!("CARGO_BIN_EXE_coverage-gate");
const R: &str = "acme/shop";

use test_support::testing::sha;

struct World {
    fake: FakeGitHub,
    dir: tempfile::TempDir,
}

impl World {
    /// main: m1 <- m2 <- m3; PR #7 (octocat) m3 <- h1, changing
    /// `src/app.py` lines 11-14.
    fn new() -> Self {
        let fake = FakeGitHub::start();
        fake.add_repo(R, "main");
        fake.add_commit(R, &sha(1), "m1", &[]);
        fake.add_commit(R, &sha(2), "m2", &[&sha(1)]);
        fake.add_commit(R, &sha(3), "m3", &[&sha(2)]);
        fake.add_commit(R, &sha(0x71), "h1", &[&sha(3)]);
        fake.set_ref(R, "heads/main", &sha(3));
        let mut pr = Pull::new(7, "octocat");
        pr.base_sha = sha(3);
        pr.head_sha = sha(0x71);
        let mut f = FileChange::modified("src/app.py", 4, 0);
        f.patch = Some("@@ -10,1 +10,5 @@\n # v3\n+a = 1\n+b = 2\n+c = 3\n+d = 4".into());
        pr.files = vec![f];
        fake.add_pull(R, pr);
        Self {
            fake,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// An lcov report of `src/app.py`: lines 1..=found, the first `hit`
    /// covered.
    fn report(&self, name: &str, found: u32, hit: u32) -> String {
        let mut s = String::from("SF:src/app.py\n");
        for l in 1..=found {
            s.push_str(&format!("DA:{l},{}\n", u32::from(l <= hit)));
        }
        s.push_str("end_of_record\n");
        std::fs::write(self.dir.path().join(name), s).unwrap();
        name.to_owned()
    }

    /// The payload in a file of its own (concurrent runs each have one).
    fn event(&self, name: &str, payload: &Value) -> PathBuf {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let k = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let path = self.dir.path().join(format!("{name}-{k}.json"));
        std::fs::write(&path, payload.to_string()).unwrap();
        path
    }

    fn run(&self, event: &str, payload: &Value, github_sha: &str, args: &[&str]) -> Run {
        let path = self.event(event, payload);
        let summary = self.dir.path().join("summary.md");
        let mut all = if args.contains(&"--format") {
            vec![]
        } else {
            vec!["--format", "json"]
        };
        all.extend_from_slice(args);
        run_hermetic(
            BIN,
            self.dir.path(),
            &all,
            &[
                ("GITHUB_ACTIONS", "true"),
                ("GITHUB_API_URL", self.fake.url()),
                ("GITHUB_REPOSITORY", R),
                ("GITHUB_EVENT_NAME", event),
                ("GITHUB_EVENT_PATH", path.to_str().unwrap()),
                ("GITHUB_SHA", github_sha),
                ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
            ],
        )
    }

    fn push(&self, before: &str, after: &str, git_ref: &str, args: &[&str]) -> Run {
        let payload = json!({
            "ref": git_ref, "before": before, "after": after,
            "repository": {"full_name": R, "default_branch": "main"}
        });
        self.run("push", &payload, after, args)
    }

    fn files(&self) -> Vec<String> {
        self.fake
            .branch_files(R, "trunkline-data")
            .into_keys()
            .collect()
    }

    fn record_of(&self, s: &str) -> String {
        format!("coverage/{}/{s}.json", &s[..2])
    }
}

fn pr_payload(fork: bool) -> Value {
    let head_repo = if fork { "octocat/shop" } else { R };
    json!({
        "action": "synchronize", "number": 7,
        "pull_request": {
            "number": 7, "title": "t", "user": {"login": "octocat"},
            "head": {"ref": "feature", "sha": sha(0x71), "repo": {"full_name": head_repo}},
            "base": {"ref": "main", "sha": sha(3), "repo": {"full_name": R}},
            "changed_files": 1
        },
        "repository": {"full_name": R, "default_branch": "main"}
    })
}

#[test]
fn pushes_to_main_record_through_the_git_data_api() {
    let w = World::new();
    let r = w.report("r.info", 10, 9);
    // The first record creates the data branch, through 5xx answers.
    w.fake.fail_next(2, 502);
    let out = w.push(&sha(1), &sha(2), "refs/heads/main", &[&r, "--record"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        w.files(),
        [w.record_of(&sha(2)), "coverage/index.txt".into()]
    );
    let record: Value =
        serde_json::from_slice(&w.fake.branch_files(R, "trunkline-data")[&w.record_of(&sha(2))])
            .unwrap();
    assert_eq!(record["commit"], sha(2).as_str());
    assert_eq!(record["packages"]["src"]["lines_hit"], 9);
    // Only the Git Data API wrote: no contents API, no force.
    for wr in w.fake.writes() {
        assert!(wr.path.contains("/git/"), "{} {}", wr.method, wr.path);
        assert_ne!(wr.json()["force"], true);
    }

    // The same push again (a re-run): no new commit.
    let out = w.push(&sha(1), &sha(2), "refs/heads/main", &[&r, "--record"]);
    assert!(
        out.stdout.contains("already holds this record"),
        "{}",
        out.stdout
    );
    assert_eq!(w.fake.branch_history(R, "trunkline-data").len(), 1);

    // The next push, its ref update's answer lost: retried, one commit.
    w.fake.inject(
        Fault::new(FaultKind::ApplyThenStatus(502), 1)
            .on_method("PATCH")
            .on_path("/git/refs/heads/trunkline-data"),
    );
    let out = w.push(&sha(2), &sha(3), "refs/heads/main", &[&r, "--record"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(w.fake.branch_history(R, "trunkline-data").len(), 2);
    assert!(w.files().contains(&w.record_of(&sha(3))));

    // A push elsewhere, and pull requests, never record.
    w.fake.clear_requests();
    let out = w.push(&sha(2), &sha(3), "refs/heads/feature", &[&r, "--record"]);
    assert!(
        out.stdout
            .contains("only pushes to the default branch (main) record"),
        "{}",
        out.stdout
    );
    assert!(w.fake.writes().is_empty());
}

// Regression (found by delivery_flow, #16): a push with `--min-patch` from the policy file exited 2
// (no base).
/// The policy file's `min-patch` applies to every run, the recording job
/// on main included, which has no base to diff against: found by the
/// delivery_flow scenario (issue #16), where that job exited 2.
#[test]
fn a_push_with_min_patch_records_and_leaves_patch_coverage_to_pull_requests() {
    let w = World::new();
    let r = w.report("r.info", 10, 9);
    let out = w.push(
        &sha(1),
        &sha(2),
        "refs/heads/main",
        &[&r, "--record", "--min-patch", "80", "--format", "json"],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let j: Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(
        j["notes"].to_string().contains("not measured on a push"),
        "{j}"
    );
    assert!(w.files().contains(&w.record_of(&sha(2))));
}

#[test]
fn a_ref_race_is_rebuilt_and_both_records_land() {
    let w = World::new();
    let r = w.report("r.info", 10, 9);
    assert_eq!(
        w.push(&sha(1), &sha(1), "refs/heads/main", &[&r, "--record"])
            .code,
        0
    );
    let t0 = w.fake.branch_history(R, "trunkline-data")[0].clone();
    // Another job records m2 (tip t1) ...
    assert_eq!(
        w.push(&sha(1), &sha(2), "refs/heads/main", &[&r, "--record"])
            .code,
        0
    );
    let t1 = w.fake.branch_history(R, "trunkline-data")[0].clone();
    // ... but we read the branch before it landed: our ref update is not a
    // fast-forward (422), and the gate rebuilds on t1.
    w.fake.set_ref(R, "heads/trunkline-data", &t0);
    let winner = t1.clone();
    w.fake
        .before_next("PATCH", "/git/refs/heads/trunkline-data", R, move |repo| {
            repo.refs
                .insert("heads/trunkline-data".into(), (winner, "commit".into()));
        });
    let out = w.push(&sha(2), &sha(3), "refs/heads/main", &[&r, "--record"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("after 1 lost races"), "{}", out.stdout);
    let history = w.fake.branch_history(R, "trunkline-data");
    assert_eq!(history.len(), 3, "no duplicate commit: {history:?}");
    assert_eq!(history[1], t1);
    for s in [sha(1), sha(2), sha(3)] {
        assert!(w.files().contains(&w.record_of(&s)), "{:?}", w.files());
    }
    let index =
        String::from_utf8(w.fake.branch_files(R, "trunkline-data")["coverage/index.txt"].clone())
            .unwrap();
    assert_eq!(index, format!("{}\n{}\n{}\n", sha(1), sha(2), sha(3)));

    // Two jobs at once, for real: both land.
    let keep = ["--record", "--store-keep", "3"];
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| {
            w.push(
                &sha(1),
                &sha(0x71),
                "refs/heads/main",
                &[&r, keep[0], keep[1], keep[2]],
            )
        });
        let b = s.spawn(|| {
            w.push(
                &sha(1),
                &sha(0x72),
                "refs/heads/main",
                &[&r, keep[0], keep[1], keep[2]],
            )
        });
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!((a.code, b.code), (0, 0), "{}{}", a.stderr, b.stderr);
    let files = w.files();
    assert!(files.contains(&w.record_of(&sha(0x71))) && files.contains(&w.record_of(&sha(0x72))));
    // Kept to 3: the two oldest pruned in the same commits.
    assert_eq!(files.len(), 4, "{files:?}");
    assert_eq!(w.fake.branch_history(R, "trunkline-data").len(), 5);
}

#[test]
fn a_pull_request_compares_with_the_merge_base_and_comments_once() {
    let w = World::new();
    // m2 recorded; m3 (the merge base) not: one commit back.
    let base = w.report("base.info", 10, 9);
    assert_eq!(
        w.push(&sha(1), &sha(2), "refs/heads/main", &[&base, "--record"])
            .code,
        0
    );
    let head = w.report("head.info", 14, 13);
    let args = [
        head.as_str(),
        "--baseline",
        "auto",
        "--comment",
        "--min-patch",
        "40",
    ];
    let out = w.run("pull_request", &pr_payload(false), &sha(0x71), &args);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let v = out.json();
    assert_eq!(v["baseline"], json!({"commit": sha(2), "distance": 1}));
    assert_eq!(v["patch"]["measured"], 4);
    assert_eq!(v["patch"]["covered"], 3);
    assert_eq!(v["patch"]["files"][0]["uncovered"], json!([14]));
    let comments = &w.fake.repo(R).comments[&7];
    assert_eq!(comments.len(), 1);
    let body = &comments[0].body;
    assert!(body.contains("#### Patch coverage: 75.00%"), "{body}");
    assert!(
        body.contains(&format!("/acme/shop/blob/{}/src/app.py#L14", sha(0x71))),
        "{body}"
    );
    assert!(
        body.contains(&format!("1 commit before the merge base {}", &sha(3)[..12])),
        "{body}"
    );
    assert!(body.contains("| src | 90.00% | 92.86% |"), "{body}");
    let summary = std::fs::read_to_string(w.dir.path().join("summary.md")).unwrap();
    assert!(summary.contains("#### Patch coverage: 75.00%"), "{summary}");

    // Again: the comment is updated in place, and nothing is recorded.
    let before = w.fake.branch_history(R, "trunkline-data");
    let out = w.run(
        "pull_request",
        &pr_payload(false),
        &sha(0x71),
        &[&head, "--baseline", "auto", "--comment", "--record"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(w.fake.repo(R).comments[&7].len(), 1);
    assert!(
        out.stdout.contains("--record: skipped on a pull request"),
        "{}",
        out.stdout
    );
    assert_eq!(w.fake.branch_history(R, "trunkline-data"), before);

    // A patch GitHub left out (too large) is not skipped silently.
    w.fake
        .with_repo(R, |r| r.pulls.get_mut(&7).unwrap().files[0].patch = None);
    let out = w.run("pull_request", &pr_payload(false), &sha(0x71), &[&head]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("fetch-depth: 0"), "{}", out.stderr);
}

#[test]
fn a_forks_read_only_token_is_decided_not_crashed() {
    let w = World::new();
    let head = w.report("head.info", 14, 10);
    // From a fork: the comment is not even tried.
    let out = w.run(
        "pull_request",
        &pr_payload(true),
        &sha(0x71),
        &[
            &head,
            "--comment",
            "--min-patch",
            "90",
            "--format",
            "github",
        ],
    );
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(w.fake.writes().is_empty());
    let live = live_commands(&out.stdout);
    assert!(
        live.iter()
            .any(|c| c.starts_with("::warning file=src/app.py,line=11,endLine=14,")),
        "{live:?}"
    );
    assert!(
        out.stdout.contains("a fork's token is read-only"),
        "{}",
        out.stdout
    );
    let summary = std::fs::read_to_string(w.dir.path().join("summary.md")).unwrap();
    assert!(summary.contains("below 90%"), "{summary}");

    // A token that turns out read-only (403 on the write): a note, the
    // verdict stands.
    w.fake.inject(
        Fault::new(FaultKind::Status(403), 1)
            .on_method("POST")
            .on_path("/comments"),
    );
    let out = w.run(
        "pull_request",
        &pr_payload(false),
        &sha(0x71),
        &[&head, "--comment", "--min-patch", "90"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.json()["notes"].to_string().contains("read-only"),
        "{}",
        out.stdout
    );
    // And a push whose token cannot write the data branch warns.
    w.fake.inject(
        Fault::new(FaultKind::Status(403), 1)
            .on_method("POST")
            .on_path("/git/blobs"),
    );
    let out = w.push(&sha(2), &sha(3), "refs/heads/main", &[&head, "--record"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["verdict"], "warn");
    assert!(out.stdout.contains("contents: write"), "{}", out.stdout);
}

#[test]
fn the_merge_queue_compares_with_its_base_and_never_records() {
    let w = World::new();
    let r = w.report("r.info", 10, 9);
    assert_eq!(
        w.push(&sha(2), &sha(3), "refs/heads/main", &[&r, "--record"])
            .code,
        0
    );
    w.fake.clear_requests();
    let payload = json!({
        "action": "checks_requested",
        "merge_group": {
            "head_sha": sha(0x99), "head_ref": "refs/heads/gh-readonly-queue/main/pr-7-x",
            "base_sha": sha(3), "base_ref": "refs/heads/main"
        },
        "repository": {"full_name": R, "default_branch": "main"}
    });
    let dropped = w.report("dropped.info", 10, 5);
    let out = w.run(
        "merge_group",
        &payload,
        &sha(0x99),
        &[&dropped, "--baseline", "auto", "--record"],
    );
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let v = out.json();
    assert_eq!(v["baseline"], json!({"commit": sha(3), "distance": 0}));
    assert!(
        v["notes"].to_string().contains("skipped on merge_group"),
        "{v}"
    );
    assert!(w.fake.writes().is_empty(), "{:?}", w.fake.writes());
}

#[test]
fn a_corrupt_record_on_the_data_branch_names_the_file() {
    let w = World::new();
    let r = w.report("r.info", 10, 9);
    assert_eq!(
        w.push(&sha(2), &sha(3), "refs/heads/main", &[&r, "--record"])
            .code,
        0
    );
    let path = w.record_of(&sha(3));
    w.fake.with_repo(R, |repo| {
        let blob = repo
            .git
            .blobs
            .keys()
            .find(|k| repo.git.blobs[*k].starts_with(b"{\n  \"format\""))
            .unwrap()
            .clone();
        repo.git.blobs.insert(blob, b"[1, 2".to_vec());
    });
    let out = w.run(
        "pull_request",
        &pr_payload(false),
        &sha(0x71),
        &[&r, "--baseline", "auto"],
    );
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr
            .contains(&format!("trunkline-data:{path}: not a coverage record")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("re-run the recording job"),
        "{}",
        out.stderr
    );
}

/// Issue 20: `--dry-run` reads everything (the comments included) and
/// prints the plan, fenced in `github` format, instead of writing: no
/// comment, no record.
#[test]
fn a_dry_run_prints_the_plan_fenced_and_writes_nothing() {
    let w = World::new();
    let head = w.report("head.info", 14, 13);
    let out = w.run(
        "pull_request",
        &pr_payload(false),
        &sha(0x71),
        &[&head, "--comment", "--dry-run", "--format", "github"],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(w.fake.writes().is_empty(), "{:?}", w.fake.writes());
    assert!(!w.fake.repo(R).comments.contains_key(&7));
    let line = out
        .stdout
        .lines()
        .position(|l| l.starts_with("would POST /repos/acme/shop/issues/7/comments "))
        .unwrap_or_else(|| panic!("{}", out.stdout));
    let before: Vec<&str> = out.stdout.lines().take(line).collect();
    assert!(
        before.last().unwrap().starts_with("::stop-commands::"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("#### Patch coverage: 75.00%"),
        "the comment's body is shown: {}",
        out.stdout
    );

    // A push to main: the record is printed, the data branch not made.
    let r = w.report("r.info", 10, 9);
    let out = w.push(
        &sha(2),
        &sha(3),
        "refs/heads/main",
        &[&r, "--record", "--dry-run"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let record = format!("trunkline-data:{}", w.record_of(&sha(3)));
    assert_eq!(
        out.json()["actions"],
        json!([format!("would record {record}")])
    );
    assert!(
        out.stderr.contains(&format!("would record {record}")),
        "{}",
        out.stderr
    );
    assert!(w.fake.writes().is_empty(), "{:?}", w.fake.writes());
    assert!(w.files().is_empty());
}
