//! Where the body and the template come from.
//!
//! The body is untrusted: it is read from a file, the event payload or the
//! API, never from argv or the environment. The template is policy: in a
//! pull request it is read at the base commit, so the PR cannot rewrite the
//! rules it is checked against.

use std::io::Read;

use anyhow::{Context as _, bail};
use gate_runtime::api::contents::{file_bytes_at, files_in};
use gate_runtime::git::{Git, short};
use gate_runtime::{GitHubClient, Repo};
use serde::Deserialize;

/// The body, and where it came from.
#[derive(Debug, Clone)]
pub struct Body {
    pub text: Option<String>,
    pub source: String,
}

/// `bytes` as text, or an error naming `what`, the line of the first bad
/// byte, and the fix. Lossy decoding would check a different text than the
/// one GitHub shows, so invalid UTF-8 is an error (exit 2) wherever it comes
/// from.
pub fn utf8(bytes: Vec<u8>, what: &str) -> anyhow::Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count();
        anyhow::anyhow!("{what}: not UTF-8 text (line {line}); save it as UTF-8")
    })
}

/// Reads `--body-file` (`-` is `stdin`, the reader the front end hands in).
pub fn body_from_file(path: &str, stdin: &mut dyn Read) -> anyhow::Result<Body> {
    let bytes = if path == "-" {
        let mut b = Vec::new();
        stdin
            .read_to_end(&mut b)
            .context("--body-file -: reading the body from stdin")?;
        b
    } else {
        std::fs::read(path).with_context(|| {
            format!("--body-file {path}: cannot read it; give a Markdown file, or - for stdin")
        })?
    };
    Ok(Body {
        text: Some(utf8(bytes, &format!("--body-file {path}"))?),
        source: format!("--body-file {path}"),
    })
}

/// Reads a local `--template` file (outside a pull request).
pub fn template_from_file(path: &str) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| {
        format!("--template {path}: cannot read it; give the path of the PR template")
    })?;
    utf8(bytes, &format!("--template {path}"))
}

#[derive(Debug, Deserialize)]
struct LivePull {
    body: Option<String>,
}

/// The live body of PR `number`, falling back to the payload's when the API
/// cannot be reached (and saying so).
pub async fn live_body(
    client: &GitHubClient,
    repo: &Repo,
    number: u64,
    payload_body: Option<String>,
    notes: &mut Vec<String>,
) -> Body {
    match client
        .get::<LivePull>(&format!("{}/pulls/{number}", repo.api_path()))
        .await
    {
        Ok(pr) => Body {
            text: pr.body,
            source: format!("pull request #{number}, fetched live"),
        },
        Err(e) => {
            notes.push(format!(
                "could not fetch the live description ({e}); used the event payload, which may predate the latest edit"
            ));
            Body {
                text: payload_body,
                source: format!("pull request #{number}, event payload"),
            }
        }
    }
}

/// Template paths GitHub uses, in the order we look for them.
pub const TEMPLATE_FILES: &[&str] = &[
    ".github/pull_request_template.md",
    ".github/PULL_REQUEST_TEMPLATE.md",
];
/// The directory of several templates.
pub const TEMPLATE_DIR: &str = ".github/PULL_REQUEST_TEMPLATE";

/// Reads repository files at one commit: from local git when the commit is
/// here, else from the contents API.
pub struct AtCommit<'a> {
    pub sha: String,
    pub git: Option<Git>,
    pub api: Option<(&'a GitHubClient, &'a Repo)>,
}

impl AtCommit<'_> {
    /// A file's text, or `None` when it does not exist at the commit.
    pub async fn file(&self, path: &str) -> anyhow::Result<Option<String>> {
        let what = || format!("{path} at {}", short(&self.sha));
        if let Some(git) = &self.git {
            return git
                .show_file(&self.sha, path)
                .map(|b| utf8(b, &what()))
                .transpose();
        }
        let Some((client, repo)) = self.api else {
            bail!(
                "cannot read {path} at {}: the commit is not in the checkout and no repository is known",
                self.sha
            );
        };
        file_bytes_at(client, repo, path, &self.sha)
            .await?
            .map(|b| utf8(b, &what()))
            .transpose()
    }

    /// The file names directly in a directory at the commit.
    pub async fn list(&self, dir: &str) -> anyhow::Result<Vec<String>> {
        if let Some(git) = &self.git {
            let spec = format!("{}:{dir}", self.sha);
            return Ok(match git.run(&["ls-tree", "--name-only", &spec]) {
                Ok(out) => out.lines().map(|n| format!("{dir}/{n}")).collect(),
                Err(_) => Vec::new(),
            });
        }
        let Some((client, repo)) = self.api else {
            return Ok(Vec::new());
        };
        Ok(files_in(client, repo, dir, &self.sha).await?)
    }

    /// The PR template at this commit: `--template`'s path if given, else
    /// GitHub's default locations. `None` when there is none.
    pub async fn template(
        &self,
        explicit: Option<&str>,
    ) -> anyhow::Result<Option<(String, String)>> {
        if let Some(path) = explicit {
            let text = self.file(path).await?.with_context(|| {
                format!(
                    "--template {path}: not found at the base commit {}; the template must exist on the base branch",
                    short(&self.sha)
                )
            })?;
            return Ok(Some((path.to_owned(), text)));
        }
        for path in TEMPLATE_FILES {
            if let Some(text) = self.file(path).await? {
                return Ok(Some(((*path).to_owned(), text)));
            }
        }
        let files = self.list(TEMPLATE_DIR).await?;
        match files.as_slice() {
            [] => Ok(None),
            [only] => Ok(self.file(only).await?.map(|t| (only.clone(), t))),
            many => bail!(
                "{TEMPLATE_DIR} holds {} templates; name the one to check with --template",
                many.len()
            ),
        }
    }
}
