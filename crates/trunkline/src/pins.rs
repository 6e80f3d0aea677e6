//! The actions the generated workflows use, each pinned to a commit with
//! its version in a comment.
//!
//! Third-party pins were read from each action's own repository (the tag's
//! commit). Trunkline's own actions are pinned to the commit of the release
//! that built this binary: the release workflow builds `trunkline` after it
//! commits the archives' checksums, and passes that commit in
//! `TRUNKLINE_ACTIONS_SHA` (and the tag in `TRUNKLINE_ACTIONS_VERSION`), so
//! the pinned actions download that release's verified binaries.

/// A pinned action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pin {
    pub action: &'static str,
    pub sha: &'static str,
    pub version: &'static str,
}

impl Pin {
    /// `action@sha # version`, as a `uses:` value.
    pub fn uses(&self) -> String {
        format!("{}@{} # {}", self.action, self.sha, self.version)
    }
}

pub const CHECKOUT: Pin = Pin {
    action: "actions/checkout",
    sha: "d23441a48e516b6c34aea4fa41551a30e30af803",
    version: "v6.1.0",
};
pub const SETUP_NODE: Pin = Pin {
    action: "actions/setup-node",
    sha: "249970729cb0ef3589644e2896645e5dc5ba9c38",
    version: "v6.5.0",
};
pub const SETUP_PYTHON: Pin = Pin {
    action: "actions/setup-python",
    sha: "ece7cb06caefa5fff74198d8649806c4678c61a1",
    version: "v6.3.0",
};
pub const SETUP_GO: Pin = Pin {
    action: "actions/setup-go",
    sha: "924ae3a1cded613372ab5595356fb5720e22ba16",
    version: "v6.5.0",
};
pub const SETUP_JAVA: Pin = Pin {
    action: "actions/setup-java",
    sha: "b6effb05e454b25005698d916606bdc6ffcbf961",
    version: "v5.7.0",
};
/// The token of a GitHub App, for tag-on-staging when a tag ruleset lets
/// only its bypass actors create release tags.
pub const CREATE_APP_TOKEN: Pin = Pin {
    action: "actions/create-github-app-token",
    sha: "1b10c78c7865c340bc4f6099eb2f838309f1e8c3",
    version: "v3.1.1",
};
pub const INSTALL_ACTION: Pin = Pin {
    action: "taiki-e/install-action",
    sha: "ba47c86ac325773530516bb756137ac718732518",
    version: "v2.86.5",
};

/// Where Trunkline's actions live.
pub const ACTIONS_REPO: &str = "trunkline/trunkline";

/// Trunkline's own actions: repository, commit and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trunkline {
    pub repo: String,
    pub sha: String,
    pub version: String,
}

impl Trunkline {
    /// The pin from `--actions-ref`, else the release this binary was
    /// built from; a development build without either cannot pin.
    pub fn resolve(repo: &str, actions_ref: Option<&str>) -> anyhow::Result<Self> {
        let valid_repo = repo.split_once('/').is_some_and(|(o, n)| {
            !o.is_empty()
                && !n.is_empty()
                && !n.contains('/')
                && repo
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        });
        if !valid_repo {
            anyhow::bail!("--actions-repo {repo:?}: give it as owner/name");
        }
        let (sha, version) = match actions_ref {
            Some(sha) => (
                sha.to_owned(),
                format!("trunkline {}", env!("CARGO_PKG_VERSION")),
            ),
            None => match option_env!("TRUNKLINE_ACTIONS_SHA") {
                Some(sha) => (
                    sha.to_owned(),
                    option_env!("TRUNKLINE_ACTIONS_VERSION")
                        .map(str::to_owned)
                        .unwrap_or_else(|| format!("v{}", env!("CARGO_PKG_VERSION"))),
                ),
                None => anyhow::bail!(
                    "this trunkline is a development build and knows no release commit to pin the actions to; pass --actions-ref SHA (the {repo} commit whose actions/ the workflows should run, e.g. the one its v1 tag points at)"
                ),
            },
        };
        if sha.len() != 40 || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
            anyhow::bail!(
                "--actions-ref {sha:?}: give a full 40-character commit SHA; actions are pinned to commits, never to tags or branches"
            );
        }
        Ok(Self {
            repo: repo.to_owned(),
            sha: sha.to_ascii_lowercase(),
            version,
        })
    }

    /// The `uses:` value of one gate's action.
    pub fn uses(&self, gate: &str) -> String {
        format!(
            "{}/actions/{gate}@{} # {}",
            self.repo, self.sha, self.version
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_full_shas() {
        for p in [
            CHECKOUT,
            SETUP_NODE,
            SETUP_PYTHON,
            SETUP_GO,
            SETUP_JAVA,
            CREATE_APP_TOKEN,
            INSTALL_ACTION,
        ] {
            assert_eq!(p.sha.len(), 40, "{p:?}");
            assert!(p.sha.chars().all(|c| c.is_ascii_hexdigit()), "{p:?}");
            assert!(p.version.starts_with('v'), "{p:?}");
        }
    }

    #[test]
    fn trunkline_pins_need_a_full_sha() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        let t = Trunkline::resolve("acme/trunkline", Some(sha)).unwrap();
        assert_eq!(
            t.uses("pr-size-gate"),
            format!(
                "acme/trunkline/actions/pr-size-gate@{sha} # trunkline {}",
                env!("CARGO_PKG_VERSION")
            )
        );
        assert!(Trunkline::resolve("acme/trunkline", Some("v1")).is_err());
        assert!(Trunkline::resolve("acme", Some(sha)).is_err());
        assert!(Trunkline::resolve("a/b/c", Some(sha)).is_err());
    }
}
