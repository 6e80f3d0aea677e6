//! `trunkline doctor` against the fake GitHub: a repository scaffolded by
//! `trunkline init`, its files served by the contents API at the default
//! branch, and its settings seeded the way GitHub's REST API reports them.
//! Each rule is tested both ways (the recommended settings pass, one
//! setting changed fails with the fix), the failure classes of issue #19
//! each have a test, a read-only token gets "unknown" with the permission
//! named, and the fixes doctor prints, applied to the fake, make a fresh
//! repository pass.

#![allow(clippy::unwrap_used)]

use crate::support;

use std::path::Path;

use serde_json::{Value, json};
use support::*;
use test_support::repo_settings::{Environment, Grants, RepoSettings, Ruleset, rules};
use test_support::testing::{Run, TestRepo};
use test_support::{FakeGitHub, Fault, FaultKind};

const REPO: &str = "acme/shop";
const GATE_CHECKS: [&str; 3] = [
    "trunkline / pr-size",
    "trunkline / checklist",
    "trunkline / coverage",
];

/// A repository scaffolded by `trunkline init` (a Rust stack, so all three
/// PR gates), its files on `main` in the fake.
struct Setup {
    fake: FakeGitHub,
    checkout: TestRepo,
}

impl Setup {
    fn new() -> Self {
        let checkout = TestRepo::new();
        checkout.write("Cargo.toml", "[package]\nname = \"shop\"\n");
        init(
            checkout.path(),
            &["--health-url", "https://shop.example/health"],
        );
        let fake = FakeGitHub::start();
        fake.add_repo(REPO, "main");
        fake.add_commit(REPO, &"a".repeat(40), "init", &[]);
        fake.set_ref(REPO, "heads/main", &"a".repeat(40));
        let s = Self { fake, checkout };
        s.publish();
        s
    }

    /// Serves the checkout's `.github` files on `main`.
    fn publish(&self) {
        self.fake.with_repo(REPO, |r| {
            r.contents.retain(|(_, p), _| !p.starts_with(".github/"))
        });
        let root = self.checkout.path();
        for dir in [".github", ".github/workflows"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    let rel = path
                        .strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    self.fake
                        .put_file(REPO, "main", &rel, &std::fs::read(&path).unwrap());
                }
            }
        }
    }

    fn write(&self, path: &str, text: &str) {
        self.checkout.write(path, text);
        self.publish();
    }

    fn edit(&self, path: &str, from: &str, to: &str) {
        let full = self.checkout.path().join(path);
        let text = std::fs::read_to_string(&full).unwrap();
        assert!(text.contains(from), "{path} has no {from:?}");
        self.write(path, &text.replacen(from, to, 1));
    }

    fn settings(&self, f: impl FnOnce(&mut RepoSettings)) {
        self.fake.with_repo(REPO, |r| f(&mut r.settings));
    }

    /// The settings doctor recommends, as a repository admin sets them.
    fn recommended(self) -> Self {
        self.settings(|s| {
            s.merge.allow_merge_commit = false;
            s.merge.delete_branch_on_merge = true;
            s.rulesets = vec![
                Ruleset::default_branch(
                    1,
                    "main",
                    vec![
                        rules::plain("deletion"),
                        rules::plain("non_fast_forward"),
                        rules::pull_request(1, true),
                        rules::required_checks(&GATE_CHECKS),
                    ],
                ),
                {
                    let mut t = Ruleset::tags(
                        2,
                        "release tags",
                        "refs/tags/v*",
                        vec![
                            rules::plain("creation"),
                            rules::plain("update"),
                            rules::plain("deletion"),
                        ],
                    );
                    t.bypass_actors = vec![
                        json!({"actor_id": 987, "actor_type": "Integration", "bypass_mode": "always"}),
                    ];
                    t
                },
            ];
            s.environments = vec![
                Environment::custom(10, "staging", &[("main", "branch")]),
                Environment::custom(11, "production", &[("v*", "tag")]),
            ];
        });
        self
    }

    fn doctor(&self, args: &[&str]) -> Run {
        self.doctor_env(args, &[])
    }

    fn doctor_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut argv = vec!["doctor", "--repo", REPO, "--format", "json"];
        argv.extend_from_slice(args);
        let mut vars = vec![
            ("GITHUB_API_URL", self.fake.url()),
            ("GITHUB_SERVER_URL", "https://github.com"),
        ];
        vars.extend_from_slice(env);
        trunkline_env(self.checkout.path(), &argv, &vars)
    }
}

/// One check of a JSON report: (status, detail, fix).
fn check(run: &Run, id: &str) -> (String, String, String) {
    let v = run.json();
    let c = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {}", run.stdout))
        .clone();
    (
        c["status"].as_str().unwrap().to_owned(),
        c["detail"].as_str().unwrap().to_owned(),
        c["fix"].as_str().unwrap_or_default().to_owned(),
    )
}

fn statuses(run: &Run) -> Vec<(String, String)> {
    run.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["check"].as_str().unwrap().to_owned(),
                c["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Asserts one check failed, and that it alone did, with exit code 1.
fn fails_alone(run: &Run, id: &str) -> (String, String) {
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let failing: Vec<String> = statuses(run)
        .into_iter()
        .filter(|(_, s)| s == "fail")
        .map(|(c, _)| c)
        .collect();
    assert_eq!(failing, [id], "{}", run.stdout);
    let (_, detail, fix) = check(run, id);
    (detail, fix)
}

/// The recommended setup passes `id`.
fn passes(id: &str) {
    let run = Setup::new().recommended().doctor(&[]);
    assert_eq!(check(&run, id).0, "pass", "{}", run.stdout);
}

const ALL_CHECKS: [&str; 20] = [
    "merging.squash",
    "merging.merge-commits",
    "merging.delete-branch",
    "branch.pull-requests",
    "branch.required-checks",
    "branch.checks-emitted",
    "branch.checks-unique",
    "branch.checks-not-skippable",
    "merge-queue.merge-group",
    "environments.exist",
    "environments.production-tags",
    "environments.staging-branch",
    "tags.ruleset",
    "workflows.files",
    "workflows.pinned",
    "workflows.permissions",
    "workflows.untrusted-checkout",
    "workflows.production-on-tags",
    "policy.parses",
    "policy.limits",
];

#[test]
fn a_repository_set_up_by_init_with_the_recommended_settings_passes() {
    let s = Setup::new().recommended();
    let run = s.doctor(&[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let got = statuses(&run);
    let ids: Vec<&str> = got.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(ids, ALL_CHECKS);
    for (c, status) in &got {
        assert_eq!(status, "pass", "{c}: {:?}", check(&run, c));
    }
    let v = run.json();
    assert_eq!(v["verdict"], "pass");
    assert_eq!(v["repository"], REPO);
    assert_eq!(v["default_branch"], "main");
    assert!(
        check(&run, "branch.required-checks").1.contains(
            "\"trunkline / pr-size\", \"trunkline / checklist\", \"trunkline / coverage\""
        )
    );
    // Doctor only reads.
    assert!(s.fake.writes().is_empty(), "{:?}", s.fake.writes());
}

#[test]
fn workflow_text_in_the_report_runs_no_command_in_actions() {
    let s = Setup::new().recommended();
    s.write(
        ".github/workflows/odd.yml",
        "on: pull_request\npermissions: {}\njobs:\n  odd:\n    name: \"odd ##[error]injected\"\n    if: always()\n    runs-on: ubuntu-latest\n    steps: []\n",
    );
    s.settings(|st| {
        st.rulesets[0].rules[3] = rules::required_checks(&[
            GATE_CHECKS[0],
            GATE_CHECKS[1],
            GATE_CHECKS[2],
            "odd ##[error]injected",
        ])
    });
    let run = trunkline_env(
        s.checkout.path(),
        &["doctor", "--repo", REPO],
        &[("GITHUB_API_URL", s.fake.url()), ("GITHUB_ACTIONS", "true")],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("odd (\"odd #\u{2060}#[error]injected\") has `if: always()`"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("##[error]"), "{}", run.stdout);
}

#[test]
fn the_text_report_is_a_table_and_actions_gets_a_step_summary() {
    let s = Setup::new().recommended();
    s.settings(|st| st.merge.delete_branch_on_merge = false);
    let summary = s.checkout.path().join("summary.md");
    let run = trunkline_env(
        s.checkout.path(),
        &["doctor", "--repo", REPO],
        &[
            ("GITHUB_API_URL", s.fake.url()),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    // The table is fenced: it quotes the files, and no line of it runs.
    assert!(
        run.stdout.starts_with("::stop-commands::"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .lines()
            .nth(1)
            .is_some_and(|l| l == "trunkline doctor: acme/shop (default branch main)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("check                         status   detail\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("merging.delete-branch         fail     merged branches are kept"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("fix: gh api -X PATCH repos/acme/shop -F delete_branch_on_merge=true"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("20 checks: 19 pass, 1 fail\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("::error title=doctor%3A merging.delete-branch::merged branches are kept"),
        "{}",
        run.stdout
    );
    let md = std::fs::read_to_string(summary).unwrap();
    assert!(md.contains("| check | status | detail | fix |"), "{md}");
    assert!(md.contains("| `merging.delete-branch` | ❌ fail |"), "{md}");
}

// ---- One test per rule, both ways -------------------------------------

#[test]
fn squash_merging_must_be_on() {
    passes("merging.squash");
    let s = Setup::new().recommended();
    s.settings(|st| st.merge.allow_squash_merge = false);
    let (_, fix) = fails_alone(&s.doctor(&[]), "merging.squash");
    assert!(
        fix.starts_with("gh api -X PATCH repos/acme/shop -F allow_squash_merge=true"),
        "{fix}"
    );
    assert!(
        fix.contains("https://github.com/acme/shop/settings"),
        "{fix}"
    );
}

#[test]
fn merge_commits_must_be_off() {
    passes("merging.merge-commits");
    let s = Setup::new().recommended();
    s.settings(|st| st.merge.allow_merge_commit = true);
    let (detail, fix) = fails_alone(&s.doctor(&[]), "merging.merge-commits");
    assert!(detail.contains("merge commits are allowed"), "{detail}");
    assert!(
        fix.starts_with("gh api -X PATCH repos/acme/shop -F allow_merge_commit=false"),
        "{fix}"
    );
    // A pull-request rule that allows squash merges alone does it too.
    s.settings(|st| {
        st.rulesets[0].rules[2]["parameters"]["allowed_merge_methods"] = json!(["squash"]);
    });
    let run = s.doctor(&[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        check(&run, "merging.merge-commits")
            .1
            .contains("allows only squash or rebase")
    );
}

#[test]
fn merged_branches_must_be_deleted() {
    passes("merging.delete-branch");
    let s = Setup::new().recommended();
    s.settings(|st| st.merge.delete_branch_on_merge = false);
    let (_, fix) = fails_alone(&s.doctor(&[]), "merging.delete-branch");
    assert!(fix.contains("-F delete_branch_on_merge=true"), "{fix}");
}

#[test]
fn pull_requests_need_an_approval_and_dismiss_stale_ones() {
    passes("branch.pull-requests");
    for (approvals, dismiss, says) in [
        (0, true, "pull requests need no approval"),
        (1, false, "stale approvals are kept"),
    ] {
        let s = Setup::new().recommended();
        s.settings(|st| st.rulesets[0].rules[2] = rules::pull_request(approvals, dismiss));
        let (detail, fix) = fails_alone(&s.doctor(&[]), "branch.pull-requests");
        assert!(detail.contains(says), "{detail}");
        // The fix updates the ruleset that holds the rule, keeping its
        // other rules.
        let body = gh_body(&fix, "PUT", "repos/acme/shop/rulesets/1");
        let kinds: Vec<&str> = body["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "deletion",
                "non_fast_forward",
                "pull_request",
                "required_status_checks"
            ]
        );
        assert_eq!(
            body["rules"][2]["parameters"]["required_approving_review_count"],
            1
        );
        assert_eq!(
            body["rules"][2]["parameters"]["dismiss_stale_reviews_on_push"],
            true
        );
    }
    // Classic branch protection counts as well.
    let s = Setup::new().recommended();
    s.settings(|st| {
        st.rulesets[0].rules.remove(2);
        st.protection.insert(
            "main".into(),
            test_support::repo_settings::ClassicProtection {
                required_pull_request_reviews: Some(test_support::repo_settings::ClassicReviews {
                    required_approving_review_count: 2,
                    dismiss_stale_reviews: true,
                }),
                ..Default::default()
            },
        );
    });
    let run = s.doctor(&[]);
    assert_eq!(
        check(&run, "branch.pull-requests").0,
        "pass",
        "{}",
        run.stdout
    );
}

#[test]
fn the_gates_checks_must_be_required() {
    passes("branch.required-checks");
    let s = Setup::new().recommended();
    s.settings(|st| {
        st.rulesets[0].rules[3] = rules::required_checks(&GATE_CHECKS[..2]);
    });
    let (detail, fix) = fails_alone(&s.doctor(&[]), "branch.required-checks");
    assert!(
        detail.contains("does not require \"trunkline / coverage\" (.github/workflows/trunkline-pr.yml job coverage)"),
        "{detail}"
    );
    let body = gh_body(&fix, "PUT", "repos/acme/shop/rulesets/1");
    let required: Vec<&str> = body["rules"][3]["parameters"]["required_status_checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["context"].as_str().unwrap())
        .collect();
    assert_eq!(required, GATE_CHECKS);
    // Without any branch ruleset, the fix creates one.
    let s = Setup::new().recommended();
    s.settings(|st| {
        st.rulesets.remove(0);
    });
    let run = s.doctor(&[]);
    let (status, _, fix) = check(&run, "branch.required-checks");
    assert_eq!(status, "fail");
    let body = gh_body(&fix, "POST", "repos/acme/shop/rulesets");
    assert_eq!(
        body["conditions"]["ref_name"]["include"][0],
        "~DEFAULT_BRANCH"
    );
}

#[test]
fn a_renamed_reusable_workflow_check_is_found() {
    // Failure class: a job moved into a reusable workflow is renamed
    // `caller / callee`, and the required check waits forever.
    passes("branch.checks-emitted");
    let s = Setup::new().recommended();
    let pr = std::fs::read_to_string(s.checkout.path().join(".github/workflows/trunkline-pr.yml"))
        .unwrap();
    let (head, jobs) = pr.split_once("jobs:\n").unwrap();
    let gates = head
        .replace("  pull_request:\n    types: [opened, edited, synchronize, reopened, ready_for_review, labeled, unlabeled]\n  merge_group:\n", "  workflow_call:\n")
        .replace("name: trunkline pull request", "name: trunkline gates");
    s.write(
        ".github/workflows/gates.yml",
        &format!("{gates}jobs:\n{jobs}"),
    );
    s.write(
        ".github/workflows/trunkline-pr.yml",
        &format!(
            "{head}jobs:\n  trunkline:\n    permissions:\n      contents: read\n      pull-requests: write # the gates' comments and labels\n    uses: ./.github/workflows/gates.yml\n"
        ),
    );
    let run = s.doctor(&[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let (status, detail, fix) = check(&run, "branch.checks-emitted");
    assert_eq!(status, "fail");
    assert!(
        detail.contains("\"trunkline / pr-size\" is reported by no workflow, but .github/workflows/trunkline-pr.yml job trunkline / pr-size reports \"trunkline / trunkline / pr-size\""),
        "{detail}"
    );
    assert!(detail.contains("renamed `caller / callee`"), "{detail}");
    // The fix swaps the old names for the new ones in the ruleset.
    let body = gh_body(&fix, "PUT", "repos/acme/shop/rulesets/1");
    let required: Vec<&str> = body["rules"][3]["parameters"]["required_status_checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["context"].as_str().unwrap())
        .collect();
    assert_eq!(
        required,
        [
            "trunkline / trunkline / pr-size",
            "trunkline / trunkline / checklist",
            "trunkline / trunkline / coverage"
        ]
    );
    // And the new names are what the gates report now.
    assert!(
        check(&run, "branch.required-checks")
            .1
            .contains("does not require \"trunkline / trunkline / pr-size\"")
    );
}

#[test]
fn a_required_name_no_workflow_reports_fails() {
    // Failure class: a required check listed under a name no workflow
    // emits; the pull request waits forever.
    let s = Setup::new().recommended();
    s.settings(|st| {
        st.rulesets[0].rules[3] =
            rules::required_checks(&[GATE_CHECKS[0], "ci / build", GATE_CHECKS[1], GATE_CHECKS[2]]);
    });
    let (detail, fix) = fails_alone(&s.doctor(&[]), "branch.checks-emitted");
    assert!(
        detail
            .starts_with("\"ci / build\" is reported by no workflow: a pull request waits forever"),
        "{detail}"
    );
    // The fix drops it from the ruleset and keeps the rest; applied to
    // the fake, the check passes.
    let body = gh_body(&fix, "PUT", "repos/acme/shop/rulesets/1");
    let required: Vec<&str> = body["rules"][3]["parameters"]["required_status_checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["context"].as_str().unwrap())
        .collect();
    assert_eq!(required, GATE_CHECKS);
    for cmd in commands(&fix) {
        apply(&s.fake, &cmd);
    }
    let run = s.doctor(&[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    // Held by classic protection, the fix is its contexts endpoint.
    let s = Setup::new().recommended();
    s.settings(|st| {
        st.protection.insert(
            "main".into(),
            test_support::repo_settings::ClassicProtection {
                required_status_checks: Some(test_support::repo_settings::ClassicChecks {
                    strict: false,
                    contexts: vec!["legacy".into()],
                }),
                ..Default::default()
            },
        );
    });
    let (detail, fix) = fails_alone(&s.doctor(&[]), "branch.checks-emitted");
    assert!(
        detail.contains("\"legacy\" is reported by no workflow"),
        "{detail}"
    );
    assert_eq!(
        fix,
        "gh api -X DELETE repos/acme/shop/branches/main/protection/required_status_checks/contexts --input - <<< '{\"contexts\":[\"legacy\"]}'"
    );
    apply(&s.fake, &fix);
    let run = s.doctor(&[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

/// The names a Mergify configuration waits for (`check-success=NAME`).
fn mergify_checks(text: &str) -> Vec<String> {
    let mut names: Vec<String> = text
        .lines()
        .filter_map(|l| l.split_once("check-success=").map(|(_, n)| n))
        .map(|n| n.trim().trim_end_matches('"').to_owned())
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn real_workflows_report_the_names_their_merge_rules_wait_for() {
    // tests/fixtures/doctor/real/README.md: each repository's workflow
    // and the check names its merge queue waits for, at one commit.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/doctor/real");
    for (dir, workflow, expected, app) in [
        ("tenacity", "ci.yaml", 7, None),
        // check-commits, three tests, and dpulls (an app's status).
        ("sambacc", "ci.yml", 5, Some("dpulls")),
        // three packages, and DCO (an app's check).
        ("tink", "ci.yaml", 4, Some("DCO")),
    ] {
        let text = std::fs::read_to_string(root.join(dir).join(workflow)).unwrap();
        let names =
            mergify_checks(&std::fs::read_to_string(root.join(dir).join("mergify.yml")).unwrap());
        assert_eq!(names.len(), expected, "{dir}: {names:?}");
        // An app's status or check, not a workflow's.
        let from_actions: Vec<&str> = names
            .iter()
            .map(String::as_str)
            .filter(|n| Some(*n) != app)
            .collect();
        let s = Setup::new().recommended();
        s.write(&format!(".github/workflows/{workflow}"), &text);
        let mut required: Vec<&str> = GATE_CHECKS.to_vec();
        required.extend(&from_actions);
        s.settings(|st| st.rulesets[0].rules[3] = rules::required_checks(&required));
        let run = s.doctor(&[]);
        let (status, detail, _) = check(&run, "branch.checks-emitted");
        assert_eq!(status, "pass", "{dir}: {detail}");
        assert!(!detail.contains("cannot fully work out"), "{dir}: {detail}");
        // A name one value off is reported by nothing.
        let wrong = from_actions
            .iter()
            .find(|n| n.ends_with(')'))
            .unwrap()
            .replace(')', ", x)");
        required.push(&wrong);
        s.settings(|st| st.rulesets[0].rules[3] = rules::required_checks(&required));
        let run = s.doctor(&[]);
        let (status, detail, _) = check(&run, "branch.checks-emitted");
        assert_eq!(status, "fail", "{dir}");
        assert!(
            detail.contains(&format!("\"{wrong}\" is reported by no workflow")),
            "{dir}: {detail}"
        );
    }
}

#[test]
fn a_required_name_two_workflows_report_fails() {
    // Failure class: two workflows report the same check name, so a red
    // run can hide behind a green one.
    passes("branch.checks-unique");
    let s = Setup::new().recommended();
    s.write(
        ".github/workflows/lint.yml",
        "name: lint\non: pull_request\npermissions: {}\njobs:\n  lint:\n    name: trunkline / pr-size\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo lint\n",
    );
    let (detail, fix) = fails_alone(&s.doctor(&[]), "branch.checks-unique");
    assert!(
        detail.contains("\"trunkline / pr-size\" by .github/workflows/lint.yml job lint and .github/workflows/trunkline-pr.yml job pr-size"),
        "{detail}"
    );
    assert!(fix.contains("own `name:`"), "{fix}");
}

#[test]
fn a_required_job_must_not_be_skippable() {
    // Failure class: a skipped required job counts as passed.
    passes("branch.checks-not-skippable");
    let s = Setup::new().recommended();
    s.edit(
        ".github/workflows/trunkline-pr.yml",
        "  pr-size:\n    name: trunkline / pr-size\n",
        "  pr-size:\n    name: trunkline / pr-size\n    if: github.actor != 'renovate[bot]'\n",
    );
    let (detail, _) = fails_alone(&s.doctor(&[]), "branch.checks-not-skippable");
    assert!(
        detail.contains(
            "job pr-size (\"trunkline / pr-size\") has `if: github.actor != 'renovate[bot]'`"
        ),
        "{detail}"
    );
}

#[test]
fn a_merge_queue_needs_merge_group_triggers() {
    // Failure class: the merge queue is on, and a workflow that reports a
    // required check has no merge_group trigger.
    passes("merge-queue.merge-group");
    let s = Setup::new().recommended();
    s.settings(|st| st.rulesets[0].rules.push(rules::merge_queue()));
    let run = s.doctor(&[]);
    assert_eq!(
        check(&run, "merge-queue.merge-group").0,
        "pass",
        "{}",
        run.stdout
    );
    s.edit(".github/workflows/trunkline-pr.yml", "  merge_group:\n", "");
    let (detail, fix) = fails_alone(&s.doctor(&[]), "merge-queue.merge-group");
    assert!(
        detail.contains(".github/workflows/trunkline-pr.yml reports \"trunkline / checklist\", \"trunkline / coverage\", \"trunkline / pr-size\" without a merge_group trigger"),
        "{detail}"
    );
    assert_eq!(
        fix,
        "add `merge_group:` under `on:` in .github/workflows/trunkline-pr.yml"
    );
}

#[test]
fn staging_and_production_must_exist() {
    passes("environments.exist");
    let s = Setup::new().recommended();
    s.settings(|st| st.environments.retain(|e| e.name == "production"));
    let run = s.doctor(&[]);
    assert_eq!(run.code, 1);
    let (status, detail, fix) = check(&run, "environments.exist");
    assert_eq!(status, "fail");
    assert!(detail.contains("no staging environment"), "{detail}");
    assert!(fix.starts_with("gh api -X PUT repos/acme/shop/environments/staging --input - <<< '{\"deployment_branch_policy\""), "{fix}");
    assert!(
        fix.contains("environments/staging/deployment-branch-policies -f name=main -f type=branch"),
        "{fix}"
    );
    assert_eq!(check(&run, "environments.staging-branch").0, "fail");
    // GitHub's environment names ignore case: "Production" is production.
    let s = Setup::new().recommended();
    s.settings(|st| st.environments[1].name = "Production".into());
    let run = s.doctor(&[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

/// A change to an environment.
type Change = fn(&mut Environment);

#[test]
fn production_open_to_branches_fails() {
    // Failure class: no rule makes production deploy only from tags.
    passes("environments.production-tags");
    let cases: [(&str, Change, &str); 3] = [
        (
            "every branch",
            |e| *e = Environment::open(11, "production"),
            "every branch may deploy to production",
        ),
        (
            "protected branches",
            |e| e.deployment_branch_policy = Some((true, false)),
            "protected branches may deploy",
        ),
        (
            "a branch policy",
            |e| *e = Environment::custom(11, "production", &[("v*", "tag"), ("main", "branch")]),
            "production also takes branch main",
        ),
    ];
    for (what, change, says) in cases {
        let s = Setup::new().recommended();
        s.settings(|st| change(&mut st.environments[1]));
        let (detail, fix) = fails_alone(&s.doctor(&[]), "environments.production-tags");
        assert!(detail.contains(says), "{what}: {detail}");
        assert!(
            detail.contains("untested branch") || detail.contains("nothing else"),
            "{detail}"
        );
        if what == "a branch policy" {
            assert!(fix.starts_with("gh api -X DELETE repos/acme/shop/environments/production/deployment-branch-policies/1102"), "{fix}");
        } else {
            assert!(fix.contains("-f name='v*' -f type=tag"), "{fix}");
        }
    }
    // The prefix comes from the policy file.
    let s = Setup::new().recommended();
    s.edit(
        ".github/trunkline.toml",
        "prefix = \"v\"",
        "prefix = \"release-\"",
    );
    s.settings(|st| st.rulesets[1].include = vec!["refs/tags/release-*".into()]);
    let (detail, fix) = fails_alone(&s.doctor(&[]), "environments.production-tags");
    assert!(detail.contains("tag v*"), "{detail}");
    assert!(fix.contains("name='release-*' -f type=tag"), "{fix}");
}

#[test]
fn staging_deploys_from_the_default_branch() {
    passes("environments.staging-branch");
    let s = Setup::new().recommended();
    s.settings(|st| st.environments[0] = Environment::open(10, "staging"));
    let (detail, _) = fails_alone(&s.doctor(&[]), "environments.staging-branch");
    assert!(
        detail.contains("every branch may deploy to staging"),
        "{detail}"
    );
    let s = Setup::new().recommended();
    s.settings(|st| {
        st.environments[0] = Environment::custom(10, "staging", &[("release/*", "branch")])
    });
    let (detail, fix) = fails_alone(&s.doctor(&[]), "environments.staging-branch");
    assert!(
        detail.contains("main may not deploy to staging"),
        "{detail}"
    );
    assert!(
        fix.contains("deployment-branch-policies -f name=main -f type=branch"),
        "{fix}"
    );
}

#[test]
fn a_tag_ruleset_must_restrict_release_tags() {
    passes("tags.ruleset");
    let s = Setup::new().recommended();
    s.settings(|st| {
        st.rulesets.remove(1);
    });
    let (detail, fix) = fails_alone(&s.doctor(&[]), "tags.ruleset");
    assert!(detail.contains("no active tag ruleset"), "{detail}");
    assert!(
        detail.contains("GitHub Actions cannot be a ruleset's bypass actor"),
        "{detail}"
    );
    assert!(detail.contains("GitHub App"), "{detail}");
    let body = gh_body(
        &fix.replace("\"YOUR_APP_ID\"", "987"),
        "POST",
        "repos/acme/shop/rulesets",
    );
    assert_eq!(body["target"], "tag");
    assert_eq!(body["conditions"]["ref_name"]["include"][0], "refs/tags/v*");
    // In evaluate mode it enforces nothing.
    let s = Setup::new().recommended();
    s.settings(|st| st.rulesets[1].enforcement = "evaluate".into());
    let (detail, _) = fails_alone(&s.doctor(&[]), "tags.ruleset");
    assert!(detail.contains("is evaluate (not enforced)"), "{detail}");
    // Nobody may bypass it: tag-on-staging cannot tag.
    let s = Setup::new().recommended();
    s.settings(|st| st.rulesets[1].bypass_actors.clear());
    let (detail, fix) = fails_alone(&s.doctor(&[]), "tags.ruleset");
    assert!(detail.contains("nobody may bypass it"), "{detail}");
    assert!(
        fix.starts_with("gh api -X PUT repos/acme/shop/rulesets/2"),
        "{fix}"
    );
}

#[test]
fn workflow_files_must_be_workflows() {
    passes("workflows.files");
    let s = Setup::new().recommended();
    s.write(".github/workflows/broken.yml", "on: [push\njobs: {}\n");
    let (detail, _) = fails_alone(&s.doctor(&[]), "workflows.files");
    assert!(
        detail.contains(".github/workflows/broken.yml: not valid YAML"),
        "{detail}"
    );
}

#[test]
fn every_uses_must_be_pinned() {
    passes("workflows.pinned");
    let s = Setup::new().recommended();
    s.write(
        ".github/workflows/docs.yml",
        "on: push\npermissions: {}\njobs:\n  docs:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: read\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/cache/save@v4\n",
    );
    let (detail, fix) = fails_alone(&s.doctor(&[]), "workflows.pinned");
    assert!(
        detail.contains(".github/workflows/docs.yml:9 uses actions/checkout@v4"),
        "{detail}"
    );
    assert!(
        fix.contains("gh api repos/actions/checkout/commits/v4 --jq .sha"),
        "{fix}"
    );
    assert!(
        fix.contains("gh api repos/actions/cache/commits/v4 --jq .sha"),
        "{fix}"
    );
}

#[test]
fn top_level_permissions_must_be_empty() {
    passes("workflows.permissions");
    let s = Setup::new().recommended();
    s.edit(
        ".github/workflows/trunkline-main.yml",
        "permissions: {}\n",
        "permissions: write-all\n",
    );
    let (detail, _) = fails_alone(&s.doctor(&[]), "workflows.permissions");
    assert!(
        detail.contains(".github/workflows/trunkline-main.yml grants `write-all` to every job"),
        "{detail}"
    );
}

#[test]
fn privileged_workflows_must_not_check_out_the_head() {
    passes("workflows.untrusted-checkout");
    let s = Setup::new().recommended();
    s.write(
        ".github/workflows/label.yml",
        "on: pull_request_target\npermissions: {}\njobs:\n  label:\n    runs-on: ubuntu-latest\n    permissions:\n      pull-requests: write\n    steps:\n      - uses: actions/checkout@0123456789abcdef0123456789abcdef01234567 # v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n          persist-credentials: false\n",
    );
    let (detail, _) = fails_alone(&s.doctor(&[]), "workflows.untrusted-checkout");
    assert!(
        detail.contains(".github/workflows/label.yml (pull_request_target) job label: actions/checkout with ref: ${{ github.event.pull_request.head.sha }}"),
        "{detail}"
    );
}

#[test]
fn production_deploys_from_runs_on_the_tag() {
    // init's workflows deploy production in a run on the tag, which the
    // tag-only environment policy lets through.
    passes("workflows.production-on-tags");
    let run = Setup::new().recommended().doctor(&[]);
    let (_, detail, _) = check(&run, "workflows.production-on-tags");
    assert!(
        detail.contains(".github/workflows/trunkline-production.yml job production"),
        "{detail}"
    );
    // A production job in the run of a push to main is refused by that
    // policy: doctor says so before the first release does.
    let s = Setup::new().recommended();
    s.edit(
        ".github/workflows/trunkline-main.yml",
        "    name: start production on the tag\n",
        "    name: start production on the tag\n    environment:\n      name: Production\n",
    );
    let (detail, fix) = fails_alone(&s.doctor(&[]), "workflows.production-on-tags");
    assert!(
        detail.contains(".github/workflows/trunkline-main.yml job production deploys to production on push: those runs are on a branch"),
        "{detail}"
    );
    assert!(fix.contains("trunkline-production.yml"), "{fix}");
    // So does one on pull requests, and offline too.
    let r = TestRepo::new();
    r.write("Cargo.toml", "[package]\nname = \"shop\"\n");
    init(r.path(), &[]);
    r.write(
        ".github/workflows/preview.yml",
        "on: [pull_request, workflow_dispatch]\npermissions: {}\njobs:\n  preview:\n    runs-on: ubuntu-latest\n    environment: production\n    steps: []\n",
    );
    let run = trunkline(r.path(), &["doctor", "--offline", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let (status, detail, _) = check(&run, "workflows.production-on-tags");
    assert_eq!(status, "fail");
    assert!(
        detail.contains(
            ".github/workflows/preview.yml job preview deploys to production on pull_request:"
        ),
        "{detail}"
    );
}

#[test]
fn the_policy_file_must_parse() {
    passes("policy.parses");
    let s = Setup::new().recommended();
    s.edit(
        ".github/trunkline.toml",
        "max-lines = 400",
        "max-line = 400",
    );
    let run = s.doctor(&[]);
    assert_eq!(run.code, 1);
    let (status, detail, fix) = check(&run, "policy.parses");
    assert_eq!(status, "fail");
    assert!(detail.contains("max-line"), "{detail}");
    assert!(fix.contains("trunkline config"), "{fix}");
    // No file at all.
    let s = Setup::new().recommended();
    s.fake.with_repo(REPO, |r| {
        r.contents.retain(|(_, p), _| p != ".github/trunkline.toml")
    });
    let run = s.doctor(&[]);
    let (status, detail, fix) = check(&run, "policy.parses");
    assert_eq!(status, "fail");
    assert!(
        detail.contains("no .github/trunkline.toml at main"),
        "{detail}"
    );
    assert!(fix.starts_with("trunkline init"), "{fix}");
}

#[test]
fn limits_outside_the_process_are_flagged_not_failed() {
    passes("policy.limits");
    let s = Setup::new().recommended();
    s.edit(
        ".github/trunkline.toml",
        "max-lines = 400",
        "max-lines = 5000",
    );
    let run = s.doctor(&[]);
    assert_eq!(run.code, 0, "flagged is not failed: {}", run.stdout);
    let (status, detail, fix) = check(&run, "policy.limits");
    assert_eq!(status, "warn");
    assert!(
        detail.contains(
            "[pr-size] max-lines = 5000: the process's pull requests are 200 to 400 changed lines"
        ),
        "{detail}"
    );
    assert!(fix.contains("max-lines = 400 under [pr-size]"), "{fix}");
    assert_eq!(run.json()["counts"]["warn"], 1);
}

// ---- The token --------------------------------------------------------

#[test]
fn a_read_only_token_gets_unknown_with_the_permission_named() {
    let s = Setup::new().recommended();
    s.settings(|st| st.grants = Grants::READ_ONLY);
    let run = s.doctor(&[]);
    assert_eq!(run.code, 0, "unknown is not failed: {}", run.stdout);
    for id in [
        "merging.squash",
        "merging.merge-commits",
        "merging.delete-branch",
    ] {
        let (status, detail, fix) = check(&run, id);
        assert_eq!(status, "unknown", "{id}");
        assert!(detail.contains("Administration: read"), "{detail}");
        assert!(fix.contains("Administration: read"), "{fix}");
    }
    // What a read-only token can see still passes: the branch rules, the
    // environments, the tag ruleset (whose bypass actors it cannot see).
    for id in [
        "branch.pull-requests",
        "branch.required-checks",
        "environments.production-tags",
    ] {
        assert_eq!(check(&run, id).0, "pass", "{id}: {}", run.stdout);
    }
    let (status, detail, _) = check(&run, "tags.ruleset");
    assert_eq!(status, "pass");
    assert!(
        detail.contains("bypass actors need Administration: read to see"),
        "{detail}"
    );

    // Without "Actions: read", the environments are unknown too.
    s.settings(|st| {
        st.grants = Grants {
            administration: false,
            actions: false,
        }
    });
    let run = s.doctor(&[]);
    for id in [
        "environments.exist",
        "environments.production-tags",
        "environments.staging-branch",
    ] {
        let (status, detail, _) = check(&run, id);
        assert_eq!(status, "unknown", "{id}");
        assert!(detail.contains("Actions: read"), "{detail}");
        assert!(detail.contains("403"), "{detail}");
    }
}

#[test]
fn classic_protection_that_a_read_only_token_cannot_read_is_unknown() {
    // Reviews required only by classic protection: a read-only token sees
    // that the branch is protected, not what the protection asks.
    let s = Setup::new().recommended();
    s.settings(|st| {
        st.grants = Grants::READ_ONLY;
        st.rulesets[0].rules.remove(2);
        st.protection.insert("main".into(), Default::default());
    });
    let run = s.doctor(&[]);
    let (status, detail, _) = check(&run, "branch.pull-requests");
    assert_eq!(status, "unknown", "{}", run.stdout);
    assert!(
        detail.contains("no rule requires a pull request"),
        "{detail}"
    );
    assert!(detail.contains("Administration: read"), "{detail}");
}

#[test]
fn could_not_run_exits_2() {
    let s = Setup::new().recommended();
    // No such repository.
    let run = trunkline_env(
        s.checkout.path(),
        &["doctor", "--repo", "acme/nope"],
        &[("GITHUB_API_URL", s.fake.url())],
    );
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("--repo acme/nope: no such repository, or the token cannot see it"),
        "{}",
        run.stderr
    );
    // A refused token.
    s.fake.fail_next(1, 401);
    let run = s.doctor(&[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("the token was refused"),
        "{}",
        run.stderr
    );
    // No token at all.
    let mut cmd = test_support::testing::hermetic_command(BIN);
    let out = cmd
        .current_dir(s.checkout.path())
        .env_remove("GITHUB_TOKEN")
        .args(["doctor", "--repo", REPO])
        .env("GITHUB_API_URL", s.fake.url())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no token: set GITHUB_TOKEN"));
    // No repository named, and none in the checkout's origin.
    let run = trunkline_env(
        s.checkout.path(),
        &["doctor"],
        &[("GITHUB_API_URL", s.fake.url())],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no repository: pass --repo owner/name"),
        "{}",
        run.stderr
    );
    // A bad --repo.
    let run = trunkline(s.checkout.path(), &["doctor", "--repo", "nope"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("--repo: \"nope\" is not a repository"),
        "{}",
        run.stderr
    );
}

#[test]
fn transient_errors_are_retried() {
    let s = Setup::new().recommended();
    s.fake
        .inject(Fault::new(FaultKind::Status(502), 1).on_path("/rules/branches/"));
    let run = s.doctor(&[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let rule_reads = s
        .fake
        .requests()
        .iter()
        .filter(|r| r.path.contains("/rules/branches/"))
        .count();
    assert_eq!(rule_reads, 2);
}

#[test]
fn the_origin_names_the_repository() {
    let s = Setup::new().recommended();
    s.checkout
        .git(&["remote", "add", "origin", "git@github.com:acme/shop.git"]);
    let run = trunkline_env(
        s.checkout.path(),
        &["doctor", "--format", "json"],
        &[("GITHUB_API_URL", s.fake.url())],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["repository"], REPO);
}

#[test]
fn a_reusable_workflow_in_another_repository_is_read() {
    let s = Setup::new().recommended();
    let callee = "on: workflow_call\npermissions: {}\njobs:\n  pr-size:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: trunkline/trunkline/actions/pr-size-gate@0123456789abcdef0123456789abcdef01234567 # v1\n";
    s.fake.add_repo("acme/workflows", "main");
    s.fake.put_file(
        "acme/workflows",
        "0123456789abcdef0123456789abcdef01234567",
        ".github/workflows/gates.yml",
        callee.as_bytes(),
    );
    s.write(
        ".github/workflows/shared.yml",
        "on: pull_request\npermissions: {}\njobs:\n  shared:\n    uses: acme/workflows/.github/workflows/gates.yml@0123456789abcdef0123456789abcdef01234567\n",
    );
    let run = s.doctor(&[]);
    let (status, detail, _) = check(&run, "branch.required-checks");
    assert_eq!(status, "fail");
    assert!(
        detail.contains("\"shared / pr-size\" (.github/workflows/shared.yml job shared / pr-size)"),
        "{detail}"
    );
}

// ---- Offline ----------------------------------------------------------

#[test]
fn offline_checks_the_files_alone() {
    let r = TestRepo::new();
    r.write("Cargo.toml", "[package]\nname = \"shop\"\n");
    init(r.path(), &["--health-url", "https://shop.example/health"]);
    let run = trunkline(r.path(), &["doctor", "--offline", "--format", "json"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let got: Vec<(String, String)> = statuses(&run);
    assert_eq!(
        got.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(),
        [
            "branch.checks-unique",
            "branch.checks-not-skippable",
            "workflows.files",
            "workflows.pinned",
            "workflows.permissions",
            "workflows.untrusted-checkout",
            "workflows.production-on-tags",
            "policy.parses",
            "policy.limits"
        ]
    );
    assert!(got.iter().all(|(_, s)| s == "pass"), "{}", run.stdout);
    assert_eq!(run.json()["offline"], true);
    assert_eq!(run.json()["schema"], 1);
    // The same failure classes the files show: a duplicate gate name.
    r.write(
        ".github/workflows/copy.yml",
        "on: pull_request\npermissions: {}\njobs:\n  x:\n    name: trunkline / checklist\n    runs-on: ubuntu-latest\n    steps: []\n",
    );
    let run = trunkline(r.path(), &["doctor", "--offline", "--format", "json"]);
    assert_eq!(run.code, 1);
    assert!(check(&run, "branch.checks-unique").1.contains("\"trunkline / checklist\" by .github/workflows/copy.yml job x and .github/workflows/trunkline-pr.yml job checklist"));
    // A subdirectory of the checkout reads the checkout.
    std::fs::create_dir_all(r.path().join("src")).unwrap();
    let run = trunkline(
        r.path(),
        &["doctor", "--offline", "--dir", "src", "--format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn offline_in_a_directory_without_workflows_says_to_run_init() {
    let r = TestRepo::new();
    let run = trunkline(r.path(), &["doctor", "--offline"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("no workflows in the working tree"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("fix: trunkline init"), "{}", run.stdout);
    assert!(
        run.stdout
            .starts_with("trunkline doctor: offline: the files only\n"),
        "{}",
        run.stdout
    );
}

// ---- The fixes, applied -----------------------------------------------

/// Shell words of a command: single quotes (with `'\''`) and bare words.
fn words(cmd: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = cmd.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    cur.push(q);
                }
            }
            '\\' if in_word || chars.peek() == Some(&'\'') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                    in_word = true;
                }
            }
            ' ' => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

/// One `gh api` command as (method, path, body).
fn parse_gh(cmd: &str) -> (String, String, Value) {
    let w = words(cmd);
    assert_eq!(&w[..2], ["gh", "api"], "{cmd}");
    let mut method = "GET".to_owned();
    let mut path = None;
    let mut body = json!({});
    let mut i = 2;
    while i < w.len() {
        match w[i].as_str() {
            "-X" => {
                method = w[i + 1].clone();
                i += 2;
            }
            "--hostname" => i += 2,
            "--input" => i += 2,
            "<<<" => {
                body =
                    serde_json::from_str(&w[i + 1]).unwrap_or_else(|e| panic!("{e}: {}", w[i + 1]));
                i += 2;
            }
            "-F" | "-f" => {
                let (k, v) = w[i + 1].split_once('=').unwrap();
                body[k] = if w[i] == "-F" {
                    serde_json::from_str(v).unwrap_or_else(|_| json!(v))
                } else {
                    json!(v)
                };
                i += 2;
            }
            p => {
                path = Some(p.to_owned());
                i += 1;
            }
        }
    }
    (method, path.unwrap(), body)
}

/// The body of the `gh api` command of `fix` with this method and path.
fn gh_body(fix: &str, method: &str, path: &str) -> Value {
    commands(fix)
        .into_iter()
        .map(|c| parse_gh(&c))
        .find(|(m, p, _)| m == method && p == path)
        .unwrap_or_else(|| panic!("no {method} {path} in {fix}"))
        .2
}

/// The `gh api` commands of a fix (the part before " (or ...").
fn commands(fix: &str) -> Vec<String> {
    let cmds = fix.split(" (or ").next().unwrap();
    cmds.split(" && ")
        .filter(|c| c.starts_with("gh api"))
        .map(str::to_owned)
        .collect()
}

fn apply(fake: &FakeGitHub, cmd: &str) {
    let (method, path, body) = parse_gh(cmd);
    let method: http::Method = method.parse().unwrap();
    let url = fake.url().to_owned();
    gate_runtime::block_on(async move {
        let client = gate_runtime::GitHubClient::builder(&url).build().unwrap();
        client
            .write::<Value>(method, &format!("/{path}"), Some(body))
            .await
            .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    })
    .unwrap();
}

#[test]
fn the_fixes_doctor_prints_make_a_fresh_repository_pass() {
    let s = Setup::new();
    let run = s.doctor(&[]);
    assert_eq!(run.code, 1);
    let v = run.json();
    let mut applied = Vec::new();
    for c in v["checks"].as_array().unwrap() {
        if c["status"] != "fail" {
            continue;
        }
        let fix = c["fix"].as_str().unwrap().replace("\"YOUR_APP_ID\"", "987");
        let cmds = commands(&fix);
        assert!(
            !cmds.is_empty(),
            "{}: no gh api command in {fix}",
            c["check"]
        );
        for cmd in cmds {
            if !applied.contains(&cmd) {
                apply(&s.fake, &cmd);
                applied.push(cmd);
            }
        }
    }
    let run = s.doctor(&[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    for (c, status) in statuses(&run) {
        assert_eq!(status, "pass", "{c}: {:?}", check(&run, &c));
    }
    let failed_first: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(
        failed_first,
        [
            "merging.merge-commits",
            "merging.delete-branch",
            "branch.pull-requests",
            "branch.required-checks",
            "environments.exist",
            "environments.production-tags",
            "environments.staging-branch",
            "tags.ruleset"
        ]
    );
}

#[test]
fn on_enterprise_server_the_fixes_name_the_host() {
    let checkout = TestRepo::new();
    checkout.write("Cargo.toml", "[package]\n");
    init(checkout.path(), &[]);
    let fake = FakeGitHub::start_with_prefix("/api/v3");
    fake.add_repo(REPO, "main");
    let run = trunkline_env(
        checkout.path(),
        &["doctor", "--repo", REPO, "--format", "json"],
        &[
            ("GITHUB_API_URL", fake.url()),
            ("GITHUB_SERVER_URL", "https://ghe.example.com"),
        ],
    );
    assert_eq!(run.code, 1);
    let (_, _, fix) = check(&run, "merging.delete-branch");
    assert!(
        fix.starts_with("gh api --hostname ghe.example.com -X PATCH repos/acme/shop"),
        "{fix}"
    );
    assert!(
        fix.contains("https://ghe.example.com/acme/shop/settings"),
        "{fix}"
    );
}
