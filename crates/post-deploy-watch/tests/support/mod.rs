//! What the watch's integration tests share: a fake GitHub with deployment
//! history, and a hermetic run that captures outputs and the summary.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::path::Path;

use test_support::FakeGitHub;
use test_support::testing::Run;

pub const BIN: &str = env!("CARGO_BIN_EXE_post-deploy-watch");
pub const R: &str = "acme/shop";
pub const RUN_ID: &str = "4242";
/// A Slack webhook URL is a secret: it must never be printed.
pub const WEBHOOK_SECRET_PATH: &str = "/services/T000/B000/WEBHOOKsecretXYZ";
/// A health-check header value is a secret too.
pub const HEADER_SECRET: &str = "Bearer health-SECRET-9f8e7d";

pub use test_support::testing::sha;

/// History in production: v1.0.0 succeeded, v1.1.0 succeeded then went
/// inactive, v1.2.0 failed; v1.3.0 is the deployment being watched. Also a
/// v1.2.5 tag never deployed and a v9.0.0 newer than the deployed one.
/// Returns the fake and the id of v1.3.0's deployment.
pub fn fake_with_history() -> (FakeGitHub, u64) {
    let f = FakeGitHub::start();
    f.add_repo(R, "main");
    for (n, tag) in [
        (1, "v1.0.0"),
        (2, "v1.1.0"),
        (3, "v1.2.0"),
        (4, "v1.2.5"),
        (5, "v1.3.0"),
        (6, "v9.0.0"),
    ] {
        f.add_commit(R, &sha(n), &format!("release {tag}"), &[]);
        f.set_ref(R, &format!("tags/{tag}"), &sha(n));
    }
    f.set_ref(R, "heads/main", &sha(6));
    f.add_deployment(
        R,
        &sha(1),
        "v1.0.0",
        "production",
        &["in_progress", "success", "inactive"],
    );
    f.add_deployment(
        R,
        &sha(2),
        "v1.1.0",
        "production",
        &["in_progress", "success", "inactive"],
    );
    f.add_deployment(R, &sha(2), "v1.1.0", "staging", &["success"]);
    f.add_deployment(
        R,
        &sha(3),
        "v1.2.0",
        "production",
        &["in_progress", "failure"],
    );
    f.add_deployment(R, &sha(4), "v1.2.5", "staging", &["success"]);
    let id = f.add_deployment(R, &sha(5), "v1.3.0", "production", &["queued"]);
    (f, id)
}

/// One hermetic run with `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` files.
pub struct Watched {
    pub run: Run,
    pub outputs: Vec<(String, String)>,
    pub summary: String,
    pub seconds: f64,
}

impl Watched {
    pub fn output(&self, name: &str) -> String {
        self.outputs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no output {name}: {:?}", self.outputs))
    }

    /// The breach's detail; the watch must have failed.
    pub fn breach_detail(&self) -> String {
        let j = self.run.json();
        assert_eq!(j["outcome"], "fail", "{j}");
        j["breach"]["detail"].as_str().unwrap().to_owned()
    }

    /// Everything the run printed or wrote, for secret checks.
    pub fn everything(&self) -> String {
        format!(
            "{}\n{}\n{:?}\n{}",
            self.run.stdout, self.run.stderr, self.outputs, self.summary
        )
    }
}

pub fn watch(args: &[&str], env: &[(&str, &str)]) -> Watched {
    watch_live(args, env, |_| {})
}

/// [`watch`], with each line the binary writes to stderr handed to
/// `on_line` as it comes (in JSON format the tick lines go there), so a
/// test can act on what the watch has seen rather than on time.
pub fn watch_live(
    args: &[&str],
    env: &[(&str, &str)],
    on_line: impl FnMut(&str) + Send + 'static,
) -> Watched {
    use std::io::{BufRead, Read};
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("output");
    let summary = d.path().join("summary");
    std::fs::write(&out, "").unwrap();
    std::fs::write(&summary, "").unwrap();
    let mut cmd = test_support::testing::hermetic_command(BIN);
    cmd.current_dir(d.path())
        .args(args)
        .env("GITHUB_OUTPUT", &out)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_RUN_ID", RUN_ID)
        .env("GITHUB_SERVER_URL", "https://github.example")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = std::time::Instant::now();
    let mut child = cmd.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut on_line = on_line;
        let mut all = String::new();
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            on_line(&line);
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let status = child.wait().unwrap();
    let stderr = reader.join().unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr,
    };
    test_support::testing::assert_no_canary([run.stdout.as_str(), run.stderr.as_str()]);
    Watched {
        outputs: read_outputs(&out),
        summary: std::fs::read_to_string(&summary).unwrap(),
        run,
        seconds,
    }
}

pub fn read_outputs(path: &Path) -> Vec<(String, String)> {
    gate_runtime::runner::outputs::parse_output_file(&std::fs::read_to_string(path).unwrap())
        .unwrap()
}

/// A deployment's newest status.
pub fn last_status(f: &FakeGitHub, id: u64) -> test_support::state::DeploymentStatusRec {
    let repo = f.repo(R);
    let d = repo.deployments.iter().find(|d| d.id == id).unwrap();
    d.statuses.last().unwrap().clone()
}

/// The states a deployment went through, oldest first.
pub fn states(f: &FakeGitHub, id: u64) -> Vec<String> {
    f.repo(R)
        .deployments
        .iter()
        .find(|d| d.id == id)
        .unwrap()
        .statuses
        .iter()
        .map(|s| s.state.clone())
        .collect()
}

/// A watch run, built flag by flag: JSON format unless told otherwise.
pub struct Cmd {
    args: Vec<String>,
    env: Vec<(String, String)>,
}

pub fn cmd() -> Cmd {
    Cmd {
        args: vec!["--format".into(), "json".into()],
        env: Vec::new(),
    }
}

impl Cmd {
    pub fn arg(mut self, flag: &str, value: impl std::fmt::Display) -> Self {
        self.args.push(flag.to_owned());
        self.args.push(value.to_string());
        self
    }

    pub fn flag(mut self, flag: &str) -> Self {
        self.args.push(flag.to_owned());
        self
    }

    /// --interval and --duration.
    pub fn every(self, interval: &str, duration: &str) -> Self {
        self.arg("--interval", interval).arg("--duration", duration)
    }

    /// The repository on the fake GitHub.
    pub fn github(self, f: &FakeGitHub) -> Self {
        self.arg("--repo", R).arg("--api-url", f.url())
    }

    /// The repository on the fake GitHub, and the deployment to follow.
    pub fn deployment(self, f: &FakeGitHub, id: u64) -> Self {
        self.github(f).arg("--deployment-id", id)
    }

    /// One breach fails the watch, and only alerts.
    pub fn breach_at_once(self) -> Self {
        self.arg("--failure-threshold", "1")
            .arg("--on-breach", "alert")
    }

    pub fn env(mut self, key: &str, value: impl std::fmt::Display) -> Self {
        self.env.push((key.to_owned(), value.to_string()));
        self
    }

    pub fn run(self) -> Watched {
        self.run_live(|_| {})
    }

    /// [`Cmd::run`], seeing the stderr lines as they come ([`watch_live`]).
    pub fn run_live(self, on_line: impl FnMut(&str) + Send + 'static) -> Watched {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        watch_live(&args, &env, on_line)
    }
}
