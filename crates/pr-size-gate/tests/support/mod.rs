//! Shared helpers: real git repositories in temp dirs, and the binary run
//! hermetically with the canary token.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use fake_github::testing::{hermetic_command, output_text};
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_pr-size-gate");

/// A throwaway git repository.
pub struct TestRepo {
    pub dir: tempfile::TempDir,
}

impl TestRepo {
    pub fn new() -> Self {
        let repo = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.email", "dev@example.invalid"]);
        repo.git(&["config", "user.name", "Dev"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn git(&self, args: &[&str]) -> String {
        self.git_at(args, None)
    }

    /// Runs git with a fixed author/committer date (RFC 2822 or ISO 8601).
    pub fn git_at(&self, args: &[&str], date: Option<&str>) -> String {
        let mut cmd = Command::new("git");
        cmd.arg("-C").arg(self.path()).args(args);
        if let Some(d) = date {
            cmd.env("GIT_AUTHOR_DATE", d).env("GIT_COMMITTER_DATE", d);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    pub fn write(&self, path: &str, contents: impl AsRef<[u8]>) {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, contents).unwrap();
    }

    pub fn commit(&self, message: &str) -> String {
        self.commit_at(message, None)
    }

    pub fn commit_at(&self, message: &str, date: Option<&str>) -> String {
        self.git(&["add", "-A"]);
        self.git_at(&["commit", "-q", "--allow-empty", "-m", message], date);
        self.git(&["rev-parse", "HEAD"])
    }
}

/// `n` numbered lines.
pub fn lines(n: usize, tag: &str) -> String {
    (0..n).map(|i| format!("{tag} line {i}\n")).collect()
}

/// The result of one run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
}

/// Runs the binary in `cwd`, hermetically, with extra env.
pub fn run_in(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = hermetic_command(BIN);
    cmd.current_dir(cwd).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let (stdout, stderr) = output_text(&out);
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout,
        stderr,
    }
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/github-events")
        .join(name)
}
