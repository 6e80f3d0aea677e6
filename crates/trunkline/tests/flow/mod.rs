//! The harness of the delivery_flow scenario: the repository, GitHub (the
//! fake, backed by a real git store), production, and the event router.
//! The router's rules are in `delivery_flow.rs`'s module doc.

pub(crate) mod act;
pub(crate) mod service;
pub(crate) mod transcript;
pub(crate) mod workflows;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use test_support::testing::{CANARY_TOKEN, TestRepo};
use test_support::{Actor, FakeGitHub, HandlerServer, MergeGroup, NewPull, Reply};

use self::act::{Outcome, Run, Runner};
use self::service::{Services, Traffic, edit};
use self::transcript::Transcript;
use self::workflows::Workflow;
use crate::support::{init, workspace_root};
use test_support::prometheus::Prometheus;

pub(crate) const REPO: &str = "acme/shop";
const POLICY: &str = ".github/trunkline.toml";

/// The Prometheus query that watches production's error rate.
pub(crate) const ERROR_RATE: &str = "error-rate: sum(rate(shop_http_errors_total[3s])) / sum(rate(shop_http_requests_total[3s])) < 0.1";

pub(crate) struct Flow {
    pub(crate) transcript: Transcript,
    pub(crate) fake: FakeGitHub,
    pub(crate) dev: TestRepo,
    pub(crate) store: PathBuf,
    pub(crate) slack: HandlerServer,
    pub(crate) traffic: Traffic,
    pub(crate) prometheus: Prometheus,
    pub(crate) services: Services,
    runner: Runner,
    /// The last event routed.
    seen: u64,
    _scratch: tempfile::TempDir,
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Where each `uses:` of the generated workflows comes from: Trunkline's
/// actions from this checkout, third-party actions from their stand-ins
/// (nothing here can reach GitHub).
fn local_actions(dev: &Path, trunkline: &Path) -> Vec<(String, PathBuf)> {
    let stand_ins = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/flow/stand-ins");
    let mut out: Vec<(String, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dev.join(".github/workflows")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines() {
            let Some(uses) = line.trim().trim_start_matches("- ").strip_prefix("uses: ") else {
                continue;
            };
            let uses = uses.split(" #").next().unwrap().trim();
            let (path, sha) = uses.split_once('@').unwrap();
            let mut parts = path.split('/');
            let repo = format!("{}/{}", parts.next().unwrap(), parts.next().unwrap());
            let dir = match repo.as_str() {
                "trunkline/trunkline" => trunkline.to_owned(),
                "actions/checkout" => stand_ins.join("checkout"),
                "actions/setup-go" => stand_ins.join("setup-go"),
                "actions/create-github-app-token" => stand_ins.join("create-github-app-token"),
                other => panic!("the generated workflows use {other}, which has no stand-in"),
            };
            let key = format!("{repo}@{sha}");
            if !out.iter().any(|(k, _)| *k == key) {
                out.push((key, dir));
            }
        }
    }
    out
}

impl Flow {
    /// The repository scaffolded with `trunkline init`, filled in as a team
    /// would, on the fake GitHub; production, Prometheus and Slack started.
    pub(crate) fn new(act: &str, gate_binaries: &Path) -> Self {
        let transcript = Transcript::new();
        let scratch = tempfile::tempdir().unwrap();
        let store = scratch.path().join("github.git");
        let out = std::process::Command::new("git")
            .args(["init", "-q", "--bare", "-b", "main"])
            .arg(&store)
            .output()
            .unwrap();
        assert!(out.status.success());
        let services = Services::new(scratch.path().join("services"));
        let prometheus = service::prometheus(services.production_port);
        let slack = HandlerServer::start(|_| Reply::text(200, "ok"));

        let dev = TestRepo::new();
        dev.git(&["remote", "add", "origin", store.to_str().unwrap()]);
        for (path, text) in service::shop_files() {
            dev.write(path, text);
        }
        init(dev.path(), &["--health-url", &services.health_url()]);
        dev.write("deploy/deploy.sh", services.deploy_script());
        // The team's settings: production's checks, Slack, and a watch of
        // seconds rather than 30 minutes.
        let policy = dev.path().join(POLICY);
        edit(&policy, "duration = \"30m\"", "duration = \"10s\"");
        edit(
            &policy,
            "interval = \"30s\"",
            "interval = \"1s\"\n# Rates over 3s: the first tick sees only the new version.\ninitial-delay = \"4s\"",
        );
        edit(
            &policy,
            "# prometheus-url = \"http://prometheus.internal:9090\"",
            &format!("prometheus-url = \"{}\"", prometheus.url),
        );
        edit(
            &policy,
            "# query = [\"error-rate: sum(rate(http_errors_total[5m])) or vector(0) < 1\"]",
            &format!("query = [\"{ERROR_RATE}\"]"),
        );
        edit(
            &policy,
            "# slack-webhook-env = \"SLACK_WEBHOOK\"",
            "slack-webhook-env = \"SLACK_WEBHOOK\"",
        );
        dev.commit("Initial commit: the shop, scaffolded with trunkline init");
        dev.git(&["push", "-q", "origin", "main"]);

        let fake = FakeGitHub::start();
        fake.add_repo(REPO, "main");
        fake.attach_git(REPO, &store);

        let trunkline = scratch.path().join("trunkline");
        test_support::testing::copy_dir(
            &workspace_root().join("actions"),
            &trunkline.join("actions"),
        );
        let go = scratch.path().join("go");
        std::fs::create_dir_all(scratch.path().join("act-config/act")).unwrap();
        std::fs::write(scratch.path().join("act-config/act/actrc"), "").unwrap();
        let runner = Runner {
            act: act.to_owned(),
            store: store.clone(),
            scratch: scratch.path().to_owned(),
            local_actions: local_actions(dev.path(), &trunkline),
            env: vec![
                (
                    "TRUNKLINE_BIN_DIR".into(),
                    gate_binaries.display().to_string(),
                ),
                ("GITHUB_API_URL".into(), fake.url().to_owned()),
                (
                    "TRUNKLINE_FLOW_GIT".into(),
                    format!("file://{}", store.display()),
                ),
                ("GOCACHE".into(), go.join("cache").display().to_string()),
                ("GOPATH".into(), go.join("path").display().to_string()),
            ],
            follower: Arc::new(Mutex::new(None)),
            runs: 0,
        };
        {
            let follower = Arc::clone(&runner.follower);
            fake.before_each_request(move |state| {
                if let Some(f) = follower.lock().unwrap().as_mut() {
                    f.catch_up(state);
                }
            });
        }
        let traffic = Traffic::start(services.production_port);
        let mut flow = Self {
            transcript,
            fake,
            dev,
            store,
            slack,
            traffic,
            prometheus,
            services,
            runner,
            seen: 0,
            _scratch: scratch,
        };
        let main = flow.main_sha();
        flow.transcript.line(
            &format!("set-up: {REPO} at {}", short(&main)),
            "scaffolded by trunkline init, deploy/deploy.sh and [watch] filled in; production, Prometheus and Slack up",
        );
        flow
    }

    pub(crate) fn main_sha(&self) -> String {
        git(&self.store, &["rev-parse", "refs/heads/main"])
    }

    /// A commit on a new branch from main, changing `files` (path, text;
    /// `None` deletes), pushed to GitHub unless it comes from a fork.
    pub(crate) fn commit(
        &mut self,
        branch: &str,
        author: &str,
        files: &[(&str, Option<&str>)],
        message: &str,
        fork: bool,
    ) -> String {
        let d = self.dev.path();
        git(d, &["fetch", "-q", "origin"]);
        git(d, &["checkout", "-q", "-B", branch, "origin/main"]);
        for (path, text) in files {
            match text {
                Some(t) => self.dev.write(path, t),
                None => {
                    git(d, &["rm", "-q", path]);
                }
            }
        }
        git(d, &["add", "-A"]);
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(d)
            .args(["commit", "-q", "-m", message])
            .env("GIT_AUTHOR_NAME", author)
            .env("GIT_AUTHOR_EMAIL", format!("{author}@example.invalid"))
            .output()
            .unwrap();
        assert!(out.status.success());
        let sha = git(d, &["rev-parse", "HEAD"]);
        if !fork {
            git(
                d,
                &["push", "-q", "origin", &format!("HEAD:refs/heads/{branch}")],
            );
            self.fake.sync_git(REPO, author);
            self.route();
        }
        sha
    }

    /// Opens a pull request and runs the `opened` event.
    pub(crate) fn open_pull(&mut self, pr: &Pr<'_>) -> Outcome {
        if pr.fork {
            // A fork's commits reach the base repository only as the pull
            // request's head.
            git(
                self.dev.path(),
                &[
                    "push",
                    "-q",
                    "origin",
                    &format!("{}:refs/pull/{}/head", pr.head, pr.number),
                ],
            );
        }
        self.fake.open_pull(
            REPO,
            &NewPull {
                number: pr.number,
                user: pr.user.into(),
                title: pr.title.into(),
                body: pr.body.into(),
                head_ref: pr.branch.into(),
                head_sha: pr.head.into(),
                base_ref: "main".into(),
                created_at: "2026-11-26T09:00:00Z".into(),
            },
        );
        self.pull_request(pr, "opened", None)
    }

    /// Runs a `pull_request` event of `action` for an open pull request.
    pub(crate) fn pull_request(
        &mut self,
        pr: &Pr<'_>,
        action: &str,
        changes: Option<Value>,
    ) -> Outcome {
        let mut pull = self.fake.pull_json(REPO, pr.number).unwrap();
        if pr.fork {
            let (owner, name) = REPO.split_once('/').unwrap();
            let fork = format!("{}/{name}", pr.user);
            pull["head"]["repo"]["full_name"] = json!(fork);
            pull["head"]["repo"]["name"] = json!(name);
            pull["head"]["repo"]["owner"]["login"] = json!(pr.user);
            pull["head"]["repo"]["fork"] = json!(true);
            pull["head"]["label"] = json!(format!("{}:{}", pr.user, pr.branch));
            pull["base"]["repo"]["fork"] = json!(false);
            assert_ne!(owner, pr.user);
        }
        let mut payload = json!({
            "action": action,
            "number": pr.number,
            "pull_request": pull,
            "repository": self.fake.repository_json(REPO),
            "sender": {"login": pr.user},
        });
        if let Some(c) = changes {
            payload["changes"] = c;
        }
        let merge = git(
            &self.store,
            &["rev-parse", &format!("refs/pull/{}/merge", pr.number)],
        );
        let token = if pr.fork { FORK_TOKEN } else { CANARY_TOKEN };
        let what = format!(
            "pull_request {action} #{} by {}{} ({} changed lines)",
            pr.number,
            pr.user,
            if pr.fork { " from a fork" } else { "" },
            pull["additions"].as_u64().unwrap_or(0) + pull["deletions"].as_u64().unwrap_or(0),
        );
        let mut runs = self.dispatch_event(&what, "pull_request", &payload, &merge, "", token);
        assert_eq!(runs.len(), 1, "one workflow runs on pull_request");
        runs.remove(0)
    }

    /// The pull request joins the merge queue; its `merge_group` run.
    pub(crate) fn merge_group(&mut self, number: u64) -> (MergeGroup, Outcome) {
        let group = self.fake.enqueue(REPO, number);
        let head = self.fake.repo(REPO).commits[&group.head_sha].clone();
        let payload = json!({
            "action": "checks_requested",
            "merge_group": {
                "head_sha": group.head_sha, "head_ref": group.head_ref,
                "base_sha": group.base_sha, "base_ref": group.base_ref,
                "head_commit": {
                    "id": head.sha, "tree_id": git(&self.store, &["rev-parse", &format!("{}^{{tree}}", head.sha)]),
                    "message": head.message, "timestamp": "2026-11-26T09:00:00Z",
                    "author": {"name": head.author, "email": "dev@example.invalid"},
                    "committer": {"name": "GitHub", "email": "noreply@github.invalid"},
                },
            },
            "repository": self.fake.repository_json(REPO),
            "sender": {"login": "github-merge-queue[bot]"},
        });
        let what = format!(
            "merge_group checks_requested for #{number} at {}",
            short(&group.head_sha)
        );
        let mut runs = self.dispatch_event(
            &what,
            "merge_group",
            &payload,
            &group.head_sha,
            "",
            CANARY_TOKEN,
        );
        assert_eq!(runs.len(), 1, "one workflow runs on merge_group");
        (group, runs.remove(0))
    }

    /// Squash-merges a pull request (the merge queue lands it, or a person
    /// merges it); main moves, and that push is routed.
    pub(crate) fn merge(&mut self, number: u64, merger: &str) -> String {
        let sha = self
            .fake
            .squash_merge(REPO, number, merger)
            .unwrap_or_else(|e| panic!("merging #{number}: {e}"));
        self.transcript.line(
            &format!("squash-merge #{number} by {merger}"),
            &format!("main is now {}", short(&sha)),
        );
        sha
    }

    /// Plays GitHub's event router: every event the fake recorded since the
    /// last call, in order, starts the workflows that listen to it, under
    /// act, until no new event is left. Returns the runs.
    pub(crate) fn route(&mut self) -> Vec<(String, Outcome)> {
        let mut runs = Vec::new();
        loop {
            let events: Vec<_> = self
                .fake
                .events(REPO)
                .into_iter()
                .filter(|e| e.seq > self.seen)
                .collect();
            if events.is_empty() {
                return runs;
            }
            for e in events {
                self.seen = e.seq;
                let what = describe(&e.name, &e.payload);
                // GitHub starts no run for an event a run's own token
                // caused, except a dispatch.
                if matches!(e.actor, Actor::Token(_)) && e.name != "workflow_dispatch" {
                    self.transcript
                        .line(&what, "made with a run's GITHUB_TOKEN: starts no workflow");
                    continue;
                }
                let (sha, git_ref) = match e.name.as_str() {
                    "push" => (
                        e.payload["after"].as_str().unwrap_or_default().to_owned(),
                        e.payload["ref"].as_str().unwrap_or_default().to_owned(),
                    ),
                    "workflow_dispatch" => {
                        let r = e.payload["ref"].as_str().unwrap_or_default().to_owned();
                        let sha = git(&self.store, &["rev-parse", &format!("{r}^{{commit}}")]);
                        (sha, r)
                    }
                    _ => (
                        e.payload["deployment"]["sha"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                        String::new(),
                    ),
                };
                if e.payload["deleted"] == true {
                    self.transcript
                        .line(&what, "a deleted ref starts no workflow");
                    continue;
                }
                let token = CANARY_TOKEN;
                let secrets = [("SLACK_WEBHOOK", self.slack_url())];
                let secrets: Vec<(&str, &str)> =
                    secrets.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let done = self.dispatch_event_with(
                    &what, &e.name, &e.payload, &sha, &git_ref, token, &secrets,
                );
                runs.extend(done.into_iter().map(|o| (e.name.clone(), o)));
            }
        }
    }

    pub(crate) fn slack_url(&self) -> String {
        format!("{}/services/T000/B000/flow", self.slack.url())
    }

    fn dispatch_event(
        &mut self,
        what: &str,
        event: &str,
        payload: &Value,
        sha: &str,
        git_ref: &str,
        token: &str,
    ) -> Vec<Outcome> {
        // Pull requests run without the repository's secrets.
        self.dispatch_event_with(what, event, payload, sha, git_ref, token, &[])
    }

    /// Runs every workflow at `sha` that listens to `event`; a line for
    /// each run, or one saying none listens.
    #[allow(clippy::too_many_arguments)]
    fn dispatch_event_with(
        &mut self,
        what: &str,
        event: &str,
        payload: &Value,
        sha: &str,
        git_ref: &str,
        token: &str,
        secrets: &[(&str, &str)],
    ) -> Vec<Outcome> {
        let listening: Vec<Workflow> = workflows::at_commit(&self.store, sha)
            .into_iter()
            .filter(|w| w.listens(event, payload))
            .collect();
        if listening.is_empty() {
            self.transcript.line(what, "no workflow listens");
            return Vec::new();
        }
        let short_ref = git_ref
            .trim_start_matches("refs/heads/")
            .trim_start_matches("refs/tags/");
        let mut out = Vec::new();
        for w in &listening {
            let outcome = self.runner.run(
                &self.fake,
                &Run {
                    workflow: w,
                    event,
                    payload,
                    sha,
                    git_ref: short_ref,
                    token,
                    secrets,
                },
            );
            self.transcript.run(what, &outcome);
            out.push(outcome);
        }
        out
    }
}

/// A fork's read-only token.
pub(crate) const FORK_TOKEN: &str = "ghs_FORKreadONLYflow0000000000000000000";

/// A pull request of the scenario.
pub(crate) struct Pr<'a> {
    pub(crate) number: u64,
    pub(crate) user: &'a str,
    pub(crate) title: &'a str,
    pub(crate) body: &'a str,
    pub(crate) branch: &'a str,
    pub(crate) head: &'a str,
    pub(crate) fork: bool,
}

pub(crate) fn short(sha: &str) -> &str {
    &sha[..sha.len().min(7)]
}

/// One line's description of a recorded event.
fn describe(name: &str, p: &Value) -> String {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    match name {
        "push" => format!(
            "push {} {} -> {}",
            s(&p["ref"]),
            short(&s(&p["before"])),
            short(&s(&p["after"]))
        ),
        "deployment" => format!(
            "deployment {} of {} to {}",
            p["deployment"]["id"],
            s(&p["deployment"]["ref"]),
            s(&p["deployment"]["environment"])
        ),
        "deployment_status" => format!(
            "deployment_status {} of deployment {} ({} to {})",
            s(&p["deployment_status"]["state"]),
            p["deployment"]["id"],
            s(&p["deployment"]["ref"]),
            s(&p["deployment"]["environment"])
        ),
        "workflow_dispatch" => format!(
            "workflow_dispatch {} on {} with {}",
            s(&p["workflow"]),
            s(&p["ref"]),
            p["inputs"]
        ),
        other => other.to_owned(),
    }
}
