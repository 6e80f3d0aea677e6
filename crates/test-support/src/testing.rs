//! Helpers for hermetic CLI tests of the gate binaries.
//!
//! Ambient `GITHUB_*`, `RUNNER_*` and `ACTIONS_*` variables on a developer's
//! machine or in CI would otherwise leak into the binary under test. Every
//! command also carries a known canary token, so a test can assert that the
//! token never shows up in anything the binary printed or wrote.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// The token every hermetic command carries. It must never be printed.
pub const CANARY_TOKEN: &str = "ghs_CANARYtrunklineCANARY0123456789abcd";

/// A command for `bin` with the CI environment scrubbed and the canary token
/// set as `GITHUB_TOKEN`.
pub fn hermetic_command(bin: impl AsRef<Path>) -> Command {
    let mut cmd = Command::new(bin.as_ref());
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if k.starts_with("GITHUB_")
            || k.starts_with("RUNNER_")
            || k.starts_with("ACTIONS_")
            || k.starts_with("INPUT_")
            || k == "GH_TOKEN"
            || k == "CI"
        {
            cmd.env_remove(&key);
        }
    }
    cmd.env("GITHUB_TOKEN", CANARY_TOKEN);
    cmd
}

/// Panics if the canary token appears in any of the texts, outside the
/// `::add-mask::` lines that tell the runner to mask it (the runner consumes
/// those; they are never shown).
pub fn assert_no_canary<'a>(texts: impl IntoIterator<Item = &'a str>) {
    for text in texts {
        let shown: String = text
            .lines()
            .filter(|l| !l.starts_with("::add-mask::"))
            .collect::<Vec<_>>()
            .join("\n");
        let text = shown.as_str();
        assert!(
            !text.contains(CANARY_TOKEN) && !text.contains(&CANARY_TOKEN[4..]),
            "the token leaked into output:\n{text}"
        );
    }
}

/// Stdout and stderr as text, checked for the canary.
pub fn output_text(out: &Output) -> (String, String) {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_no_canary([stdout.as_str(), stderr.as_str()]);
    (stdout, stderr)
}

/// The workflow commands in a log that the runner would execute, as the
/// runner parses them: a line that starts with `::` (leading whitespace
/// trimmed), else the legacy `##[command]` form anywhere in the line, minus
/// everything between `::stop-commands::TOKEN` and `::TOKEN::` (which pauses
/// both forms). Legacy commands are returned from their `##[`.
pub fn live_commands(log: &str) -> Vec<String> {
    let mut live = Vec::new();
    let mut stopped: Option<String> = None;
    for line in log.lines() {
        let trimmed = line.trim();
        match &stopped {
            Some(token) => {
                if trimmed == format!("::{token}::") {
                    stopped = None;
                }
            }
            None => {
                if let Some(token) = trimmed.strip_prefix("::stop-commands::") {
                    stopped = Some(token.to_owned());
                } else if trimmed.starts_with("::") {
                    live.push(trimmed.to_owned());
                } else if let Some(at) = line.find("##[") {
                    live.push(line[at..].to_owned());
                }
            }
        }
    }
    live
}

/// The live workflow commands of a log other than `::add-mask::`, which a
/// gate in `github` format announces first for each secret it holds.
pub fn live_commands_besides_masks(log: &str) -> Vec<String> {
    live_commands(log)
        .into_iter()
        .filter(|c| !c.starts_with("::add-mask::"))
        .collect()
}

/// A log as the job log shows it: each `::add-mask::VALUE` line consumed,
/// and every later occurrence of the value shown as `***`.
pub fn masked_log(log: &str) -> String {
    let mut masks: Vec<String> = Vec::new();
    let mut shown = String::with_capacity(log.len());
    for line in log.split_inclusive('\n') {
        if let Some(value) = line.trim_end().strip_prefix("::add-mask::") {
            if !value.is_empty() {
                masks.push(
                    value
                        .replace("%0A", "\n")
                        .replace("%0D", "\r")
                        .replace("%25", "%"),
                );
            }
            continue;
        }
        let mut line = line.to_owned();
        for m in &masks {
            line = line.replace(m.as_str(), "***");
        }
        shown.push_str(&line);
    }
    shown
}

/// The result of one hermetic run of a gate binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Stdout as the JSON report; panics with both streams when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
}

/// Runs `bin` hermetically in `cwd` with `args` and extra environment, and
/// checks its output for the canary token.
pub fn run_hermetic(bin: &str, cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = hermetic_command(bin);
    cmd.current_dir(cwd).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {bin}: {e}"));
    let (stdout, stderr) = output_text(&out);
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout,
        stderr,
    }
}

/// A made-up commit SHA for `n`: 40 hex digits whose first 8 (and so any
/// short form) differ between numbers.
pub fn sha(n: u64) -> String {
    let head = format!("{n:08x}");
    format!("{head}{}", "c".repeat(40 - head.len()))
}

/// Runs gate `C` in-process as its `main.rs` does (`gate_runtime::run_gate`
/// with the binary's name first in `args`), with `stdin` as the process's
/// stdin and both streams captured. The code is the exit code's number.
pub fn run_in_process<C, F>(
    gate: &str,
    args: &[&str],
    env: &gate_runtime::Env,
    stdin: &[u8],
    run: F,
) -> Run
where
    C: gate_runtime::GateCli,
    F: FnOnce(
        C,
        gate_runtime::GitHubContext,
        &mut gate_runtime::GateIo<'_>,
    ) -> anyhow::Result<gate_runtime::Verdict>,
{
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = gate_runtime::run_gate::<C, F>(
        gate,
        args.iter().map(std::ffi::OsString::from),
        env,
        gate_runtime::GateIo {
            stdin: &mut std::io::Cursor::new(stdin),
            stdout: &mut out,
            stderr: &mut err,
        },
        run,
    );
    let text = |b: Vec<u8>| {
        String::from_utf8(b).unwrap_or_else(|e| panic!("{gate} printed non-UTF-8: {e}"))
    };
    Run {
        code: (0..=255u8)
            .find(|c| std::process::ExitCode::from(*c) == code)
            .map_or(-1, i32::from),
        stdout: text(out),
        stderr: text(err),
    }
}

/// A throwaway git repository in a temp dir, on branch `main`.
pub struct TestRepo {
    pub dir: tempfile::TempDir,
}

impl Default for TestRepo {
    fn default() -> Self {
        Self::new()
    }
}

impl TestRepo {
    pub fn new() -> Self {
        let repo = Self {
            dir: tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}")),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.email", "dev@example.invalid"]);
        repo.git(&["config", "user.name", "Dev"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo.git(&["config", "tag.gpgsign", "false"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs git; panics with git's message on failure.
    pub fn git(&self, args: &[&str]) -> String {
        self.git_at(args, None)
    }

    /// Runs git with a fixed author and committer date (ISO 8601).
    pub fn git_at(&self, args: &[&str], date: Option<&str>) -> String {
        let mut cmd = Command::new("git");
        cmd.arg("-C").arg(self.path()).args(args);
        for var in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"] {
            cmd.env_remove(var);
        }
        if let Some(d) = date {
            cmd.env("GIT_AUTHOR_DATE", d).env("GIT_COMMITTER_DATE", d);
        }
        let out = cmd.output().unwrap_or_else(|e| panic!("git {args:?}: {e}"));
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Writes a file, creating its directories.
    pub fn write(&self, path: &str, contents: impl AsRef<[u8]>) {
        let full = self.path().join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir {parent:?}: {e}"));
        }
        std::fs::write(&full, contents).unwrap_or_else(|e| panic!("write {full:?}: {e}"));
    }

    /// Commits everything; returns the new HEAD.
    pub fn commit(&self, message: &str) -> String {
        self.commit_at(message, None)
    }

    /// Commits everything with a fixed date; returns the new HEAD.
    pub fn commit_at(&self, message: &str, date: Option<&str>) -> String {
        self.git(&["add", "-A"]);
        self.git_at(&["commit", "-q", "--allow-empty", "-m", message], date);
        self.git(&["rev-parse", "HEAD"])
    }
}

/// `n` distinct numbered lines.
pub fn lines(n: usize, tag: &str) -> String {
    (0..n).map(|i| format!("{tag} line {i}\n")).collect()
}

/// Whether an external tool a test needs is installed: `program args`
/// succeeds. When it is not, the test should skip: this says so on stderr,
/// past the test harness's capture so the skip shows in a passing run,
/// naming the package to install; with `TRUNKLINE_REQUIRE_TOOLS=1` (as
/// `.ci/run` sets) a missing tool fails the test instead, so nothing skips
/// in CI.
pub fn tool_available(program: &str, args: &[&str], package: &str) -> bool {
    let installed = Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        tool_missing(program, package);
    }
    installed
}

/// Says that a tool a test needs is missing and the test skips (or, with
/// `TRUNKLINE_REQUIRE_TOOLS=1`, fails), for tools found some other way than
/// by running them.
pub fn tool_missing(program: &str, package: &str) {
    assert!(
        std::env::var("TRUNKLINE_REQUIRE_TOOLS").as_deref() != Ok("1"),
        "TRUNKLINE_REQUIRE_TOOLS=1 but {program} is not installed: install {package}"
    );
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "note: skipped, {program} is not installed (install {package})"
    );
}

/// The five gates, by binary name.
pub const GATES: [&str; 5] = [
    "pr-size-gate",
    "checklist-gate",
    "coverage-gate",
    "tag-on-staging",
    "post-deploy-watch",
];

/// The directory of the gate binaries next to the running test binary, as
/// `cargo test --workspace` builds them; built here when one is missing (a
/// test target run alone), with a line on stderr saying so.
pub fn gate_binaries() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("the test binary's path: {e}"));
    let Some(dir) = exe.parent().and_then(Path::parent) else {
        panic!(
            "the test binary {} is not in target/<profile>/deps",
            exe.display()
        );
    };
    if GATES.iter().any(|g| !dir.join(g).is_file()) {
        let Some(target) = dir.parent() else {
            panic!("{} has no parent target directory", dir.display());
        };
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "building the gate binaries ({}) in {}",
            GATES.join(", "),
            target.display()
        );
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .current_dir(crate::contract::workspace_root())
            .args(["build", "--quiet", "--target-dir"])
            .arg(target);
        if dir.file_name().is_some_and(|n| n == "release") {
            cargo.arg("--release");
        }
        for g in GATES {
            cargo.args(["-p", g]);
        }
        let status = cargo
            .status()
            .unwrap_or_else(|e| panic!("running cargo build: {e}"));
        assert!(status.success(), "building the gate binaries failed");
    }
    dir.to_path_buf()
}

/// A copy of the directory `from` at `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    let fail =
        |what: &str, p: &Path, e: std::io::Error| -> ! { panic!("{what} {}: {e}", p.display()) };
    std::fs::create_dir_all(to).unwrap_or_else(|e| fail("creating", to, e));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| fail("reading", from, e)) {
        let entry = entry.unwrap_or_else(|e| fail("reading", from, e));
        let dest = to.join(entry.file_name());
        let is_dir = entry
            .file_type()
            .unwrap_or_else(|e| fail("reading", &entry.path(), e))
            .is_dir();
        if is_dir {
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).unwrap_or_else(|e| fail("copying to", &dest, e));
        }
    }
}
