//! Running local git, for the gates that read history from the checkout.
//!
//! Local mode must make no API call and need no token, so the gates shell
//! out to the git on the runner. Every call goes through [`Git::run`], which
//! names the command in its error and never lets a user-supplied revision be
//! read as an option.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};

/// A commit's name in reports and messages: its first 12 hex digits,
/// unique in any repository a gate will meet, and short enough to read.
pub fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

/// A revision as messages name it: a full SHA cut to 12 characters (as
/// [`short`]), a name (`main`, `HEAD~5`) whole.
pub fn short_rev(rev: &str) -> &str {
    if rev.len() == 40 && rev.bytes().all(|c| c.is_ascii_hexdigit()) {
        short(rev)
    } else {
        rev
    }
}

/// A commit's name in changelog lines: git's own default abbreviation.
pub fn abbrev(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// A git repository on disk.
#[derive(Debug, Clone)]
pub struct Git {
    dir: PathBuf,
}

impl Git {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        cmd.arg("-C").arg(&self.dir);
        // Reproducible output whatever the user's config says.
        cmd.args(["-c", "core.quotepath=off", "-c", "color.ui=never"]);
        cmd.args(args);
        cmd.env("GIT_TERMINAL_PROMPT", "0");
        cmd.env_remove("GIT_DIR");
        cmd.env_remove("GIT_WORK_TREE");
        cmd
    }

    /// Runs git and returns stdout as bytes; an error names the command and
    /// carries git's own message.
    pub fn run_bytes(&self, args: &[&str]) -> anyhow::Result<Vec<u8>> {
        let out = self
            .command(args)
            .output()
            .with_context(|| format!("running git {}: is git installed?", args.join(" ")))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            bail!(
                "git {} failed: {}",
                args.join(" "),
                stderr.trim().lines().next().unwrap_or("(no message)")
            );
        }
        Ok(out.stdout)
    }

    /// Runs git with bytes on stdin and extra environment (a temporary
    /// index, say); returns stdout. Errors as [`run_bytes`](Self::run_bytes).
    pub fn run_with(
        &self,
        args: &[&str],
        stdin: &[u8],
        env: &[(&str, &std::ffi::OsStr)],
    ) -> anyhow::Result<Vec<u8>> {
        use std::io::Write as _;
        let mut cmd = self.command(args);
        cmd.envs(env.iter().copied())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd
            .spawn()
            .with_context(|| format!("running git {}: is git installed?", args.join(" ")))?;
        if let Some(mut input) = child.stdin.take() {
            // git reads all of its input before it writes much, so writing
            // first and then reading cannot deadlock.
            input
                .write_all(stdin)
                .with_context(|| format!("writing to git {}", args.join(" ")))?;
        }
        let out = child
            .wait_with_output()
            .with_context(|| format!("running git {}", args.join(" ")))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            bail!(
                "git {} failed: {}",
                args.join(" "),
                stderr.trim().lines().next().unwrap_or("(no message)")
            );
        }
        Ok(out.stdout)
    }

    /// Runs git and returns stdout as text, trailing newline trimmed.
    pub fn run(&self, args: &[&str]) -> anyhow::Result<String> {
        let bytes = self.run_bytes(args)?;
        Ok(String::from_utf8_lossy(&bytes).trim_end().to_owned())
    }

    /// Every tag as `(name, commit)`, annotated tags peeled, in one git
    /// call that reads the peeled commits `git pack-refs` stores rather
    /// than each tag object.
    pub fn tags(&self) -> anyhow::Result<Vec<(String, String)>> {
        let args = ["show-ref", "--tags", "--dereference"];
        let out = self
            .command(&args)
            .output()
            .with_context(|| format!("running git {}: is git installed?", args.join(" ")))?;
        // show-ref says 1, with nothing on stdout, when there is no tag.
        let no_tags = out.status.code() == Some(1) && out.stdout.is_empty();
        if !(out.status.success() || no_tags) {
            bail!(
                "git {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let mut tags: Vec<(String, String)> = Vec::new();
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let Some((sha, name)) = line.split_once(' ') else {
                continue;
            };
            let Some(name) = name.strip_prefix("refs/tags/") else {
                continue;
            };
            match name.strip_suffix("^{}") {
                // The peeled line follows its tag's line.
                Some(peeled) => {
                    if let Some(last) = tags.last_mut().filter(|(n, _)| n == peeled) {
                        last.1 = sha.to_owned();
                    }
                }
                None => tags.push((name.to_owned(), sha.to_owned())),
            }
        }
        Ok(tags)
    }

    /// Whether git succeeds, for probes.
    pub fn succeeds(&self, args: &[&str]) -> bool {
        self.command(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Whether the directory is inside a git work tree.
    pub fn is_repo(&self) -> bool {
        self.succeeds(&["rev-parse", "--git-dir"])
    }

    /// Resolves a revision to a full commit SHA, or `None` when it does not
    /// name a commit here (not fetched, a typo, a shallow clone).
    pub fn resolve_commit(&self, rev: &str) -> Option<String> {
        if rev.starts_with('-') {
            return None;
        }
        let spec = format!("{rev}^{{commit}}");
        self.run(&[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ])
        .ok()
        .filter(|s| !s.is_empty())
    }

    /// The merge base of two commits, or `None` when history does not reach
    /// one (unrelated histories, a shallow clone).
    pub fn merge_base(&self, a: &str, b: &str) -> Option<String> {
        self.run(&["merge-base", "--end-of-options", a, b])
            .ok()
            .filter(|s| !s.is_empty())
    }

    /// Whether commit `a` is an ancestor of (or equal to) commit `b`.
    pub fn is_ancestor(&self, a: &str, b: &str) -> anyhow::Result<bool> {
        let args = ["merge-base", "--is-ancestor", "--end-of-options", a, b];
        let out = self
            .command(&args)
            .output()
            .with_context(|| format!("running git {}: is git installed?", args.join(" ")))?;
        match out.status.code() {
            Some(0) => Ok(true),
            Some(1) => Ok(false),
            _ => bail!(
                "git {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        }
    }

    /// The commits a shallow clone's history is cut at (`.git/shallow`), or
    /// `None` when the clone is complete.
    pub fn shallow_boundary(&self) -> anyhow::Result<Option<std::collections::HashSet<String>>> {
        if self.run(&["rev-parse", "--is-shallow-repository"])? != "true" {
            return Ok(None);
        }
        let file = self.run(&["rev-parse", "--git-path", "shallow"])?;
        let path = self.dir.join(file);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        Ok(Some(text.lines().map(str::to_owned).collect()))
    }

    /// Which of `objects` are not in this repository (a shallow clone's
    /// tags whose commits were not fetched), in one git call.
    pub fn missing_objects<'a>(
        &self,
        objects: impl Iterator<Item = &'a str>,
    ) -> anyhow::Result<Vec<String>> {
        use std::io::Write as _;
        let mut child = self
            .command(&["cat-file", "--batch-check=%(objectname)"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .context("running git cat-file --batch-check: is git installed?")?;
        let mut input = String::new();
        for o in objects {
            input.push_str(o);
            input.push('\n');
        }
        // A writer thread, so a long list cannot deadlock on full pipes.
        let mut stdin = child.stdin.take().context("git cat-file: no stdin")?;
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let out = child
            .wait_with_output()
            .context("git cat-file --batch-check")?;
        writer
            .join()
            .map_err(|_| anyhow::anyhow!("git cat-file: the writer panicked"))?
            .context("git cat-file --batch-check: writing the object list")?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_suffix(" missing").map(str::to_owned))
            .collect())
    }

    /// The first-parent ancestors of `rev`, itself first: at most `count`,
    /// fewer when history ends (a shallow clone).
    pub fn first_parents(&self, rev: &str, count: usize) -> anyhow::Result<Vec<String>> {
        let n = format!("--max-count={count}");
        Ok(self
            .run(&["rev-list", "--first-parent", &n, "--end-of-options", rev])?
            .lines()
            .map(str::to_owned)
            .collect())
    }

    /// Runs git and hands each line of its output (without the newline) to
    /// `each`, as it comes, so a large output is never held whole.
    pub fn run_lines(
        &self,
        args: &[&str],
        mut each: impl FnMut(&[u8]) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        use std::io::{BufRead as _, Read as _};
        let mut child = self
            .command(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .with_context(|| format!("running git {}: is git installed?", args.join(" ")))?;
        let stdout = child.stdout.take().context("git: no stdout")?;
        let mut reader = std::io::BufReader::with_capacity(1 << 16, stdout);
        let mut line = Vec::new();
        let mut failed = None;
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) => break,
                Ok(_) => {
                    let text = line.strip_suffix(b"\n").unwrap_or(&line);
                    if let Err(e) = each(text) {
                        failed = Some(e);
                        break;
                    }
                }
                Err(e) => {
                    failed = Some(anyhow::anyhow!("reading git {}: {e}", args.join(" ")));
                    break;
                }
            }
        }
        if failed.is_some() {
            let _ = child.kill();
        }
        let mut stderr = String::new();
        if let Some(mut err) = child.stderr.take() {
            let _ = err.read_to_string(&mut stderr);
        }
        let status = child
            .wait()
            .with_context(|| format!("running git {}", args.join(" ")))?;
        if let Some(e) = failed {
            return Err(e);
        }
        if !status.success() {
            bail!(
                "git {} failed: {}",
                args.join(" "),
                stderr.trim().lines().next().unwrap_or("(no message)")
            );
        }
        Ok(())
    }

    /// A file's bytes at a commit, or `None` when it does not exist there.
    pub fn show_file(&self, commit: &str, path: &str) -> Option<Vec<u8>> {
        let spec = format!("{commit}:{path}");
        self.run_bytes(&["cat-file", "blob", &spec]).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> (tempfile::TempDir, Git) {
        let dir = tempfile::tempdir().unwrap();
        let git = Git::new(dir.path());
        git.run(&["init", "-q", "-b", "main"]).unwrap();
        git.run(&["config", "user.email", "t@example.invalid"])
            .unwrap();
        git.run(&["config", "user.name", "T"]).unwrap();
        std::fs::write(dir.path().join("a.txt"), "one\n").unwrap();
        git.run(&["add", "."]).unwrap();
        git.run(&["commit", "-q", "-m", "one"]).unwrap();
        (dir, git)
    }

    #[test]
    fn resolves_and_reads() {
        let (_dir, git) = repo();
        assert!(git.is_repo());
        let head = git.resolve_commit("HEAD").unwrap();
        assert_eq!(head.len(), 40);
        assert_eq!(
            git.merge_base("HEAD", "main").as_deref(),
            Some(head.as_str())
        );
        assert_eq!(git.show_file("HEAD", "a.txt").unwrap(), b"one\n");
        assert_eq!(git.show_file("HEAD", "missing"), None);
        assert_eq!(git.resolve_commit("no-such-branch"), None);
        assert_eq!(git.resolve_commit("--output=/tmp/x"), None);
        assert!(git.is_ancestor(&head, "main").unwrap());
        assert!(git.is_ancestor("HEAD", &head).unwrap());
        assert!(git.is_ancestor(&head, "nope").is_err());
    }

    #[test]
    fn errors_name_the_command() {
        let (_dir, git) = repo();
        let err = git.run(&["rev-parse", "--verify", "nope"]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("git rev-parse --verify nope failed"),
            "{err}"
        );
    }

    #[test]
    fn tags_are_peeled_in_one_call() {
        let (_dir, git) = repo();
        assert!(git.tags().unwrap().is_empty());
        let head = git.resolve_commit("HEAD").unwrap();
        git.run(&["tag", "light"]).unwrap();
        git.run(&["tag", "-a", "annotated", "-m", "x"]).unwrap();
        git.run(&["pack-refs", "--all"]).unwrap();
        git.run(&["tag", "-a", "loose", "-m", "y"]).unwrap();
        let mut tags = git.tags().unwrap();
        tags.sort();
        assert_eq!(
            tags,
            [
                ("annotated".to_owned(), head.clone()),
                ("light".to_owned(), head.clone()),
                ("loose".to_owned(), head)
            ]
        );
    }

    #[test]
    fn short_names() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(short(sha), "0123456789ab");
        assert_eq!(abbrev(sha), "0123456");
        assert_eq!(short("abc"), "abc");
    }

    #[test]
    fn not_a_repo() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!Git::new(dir.path()).is_repo());
    }
}
