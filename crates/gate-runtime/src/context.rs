//! Where the run is: repository, commit, event, API, and the runner's files.
//!
//! Each fact comes from the standard `GITHUB_*` variable, and each has a
//! flag that overrides it, so a saved event replays locally exactly as it
//! ran in Actions.

use std::path::PathBuf;

use anyhow::{Context as _, bail};

use crate::api::retry::RetryPolicy;
use crate::api::token::Token;
use crate::event::{Event, EventError};
use crate::policy::PolicyFile;
use crate::redact::{self, Secrets};
use crate::runner::env::Env;
use crate::runner::outputs::Outputs;
use crate::runner::stdio::PendingLines;
use crate::runner::summary::StepSummary;
use crate::verdict::Format;

/// The public API; GitHub Enterprise Server sets `GITHUB_API_URL` to its own.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// The REST API's base URL: `--api-url`, else `$GITHUB_API_URL`, else
/// [`DEFAULT_API_URL`]; without a trailing slash, and refused (exit 2)
/// unless it is an http(s) URL. The error shows the URL redacted.
pub fn api_url(flag: Option<&str>, env: &Env) -> anyhow::Result<String> {
    let url = flag
        .or_else(|| env.get("GITHUB_API_URL"))
        .unwrap_or(DEFAULT_API_URL)
        .trim_end_matches('/')
        .to_owned();
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        bail!(
            "--api-url {:?}: must be an http(s) URL such as https://HOST/api/v3",
            redact::url(&url)
        );
    }
    Ok(url)
}

/// The flags every gate takes. Flatten into the gate's own clap struct.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CommonArgs {
    /// Output format. Default: github inside GitHub Actions, text elsewhere.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,

    /// Make every read, but no write: print each write instead.
    #[arg(long)]
    pub dry_run: bool,

    /// Event payload file. Default: $GITHUB_EVENT_PATH.
    #[arg(long, value_name = "FILE")]
    pub event: Option<PathBuf>,

    /// Event name. Default: $GITHUB_EVENT_NAME, else guessed from the payload.
    #[arg(long, value_name = "NAME")]
    pub event_name: Option<String>,

    /// Repository as owner/name. Default: $GITHUB_REPOSITORY, else the event's.
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: Option<String>,

    /// Commit SHA. Default: $GITHUB_SHA.
    #[arg(long, value_name = "SHA")]
    pub sha: Option<String>,

    /// REST API base URL (GitHub Enterprise Server: https://HOST/api/v3).
    /// Default: $GITHUB_API_URL, else https://api.github.com.
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,

    /// The policy file, instead of .github/trunkline.toml. A repository
    /// path is read at the base commit like the default one; an absolute
    /// path is read from disk.
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,
}

/// A repository's owner and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    pub owner: String,
    pub name: String,
}

impl Repo {
    /// Parses `owner/name`; `what` names the input for the error.
    pub fn parse(s: &str, what: &str) -> anyhow::Result<Self> {
        let valid = |p: &str| {
            !p.is_empty()
                && p != "."
                && p != ".."
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        match s.trim().split_once('/') {
            Some((owner, name)) if valid(owner) && valid(name) => Ok(Self {
                owner: owner.to_owned(),
                name: name.to_owned(),
            }),
            _ => bail!("{what}: {s:?} is not a repository; give it as owner/name"),
        }
    }

    /// `owner/name`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// The API path prefix `/repos/owner/name`.
    pub fn api_path(&self) -> String {
        format!("/repos/{}/{}", self.owner, self.name)
    }
}

impl std::fmt::Display for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// Everything a gate knows about the run before it gathers facts.
#[derive(Debug)]
pub struct GitHubContext {
    pub event_name: Option<String>,
    pub event: Option<Event>,
    pub repo: Option<Repo>,
    pub sha: Option<String>,
    pub git_ref: Option<String>,
    pub api_url: String,
    pub server_url: String,
    pub run_id: Option<String>,
    pub in_actions: bool,
    pub format: Format,
    pub dry_run: bool,
    pub token: Option<Token>,
    /// Values never to print: the token, and whatever the gate registers.
    pub secrets: Secrets,
    /// The API client's retry policy: the default, or a fast one in tests.
    pub retry_policy: RetryPolicy,
    pub outputs: Outputs,
    pub summary: StepSummary,
    /// The base commit of the change under review: the pull request's or
    /// merge group's base, or a front end's `--base`. Policy is read there.
    pub base: Option<String>,
    /// The policy file this run read, when the gate reads one.
    pub policy: Option<PolicyFile>,
    /// Where the API client leaves a dry run's lines until the gate's
    /// injected writer prints them ([`crate::runner::stdio`]).
    pub dry_run_lines: PendingLines,
}

impl GitHubContext {
    /// Resolves the context from flags, then the environment.
    pub fn resolve(args: &CommonArgs, env: &Env) -> anyhow::Result<Self> {
        let in_actions = env.in_actions();
        let (event_path, path_from) = match &args.event {
            Some(p) => (Some(p.clone()), "--event"),
            None => (
                env.get("GITHUB_EVENT_PATH").map(PathBuf::from),
                "GITHUB_EVENT_PATH",
            ),
        };
        let mut event_name = args
            .event_name
            .clone()
            .or_else(|| env.get("GITHUB_EVENT_NAME").map(str::to_owned));
        let event = match &event_path {
            None => None,
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| {
                    format!(
                        "{path_from} {}: cannot read the event payload; point it at a saved webhook payload (JSON)",
                        path.display()
                    )
                })?;
                let payload: serde_json::Value =
                    serde_json::from_str(&text).with_context(|| {
                        format!("{path_from} {}: not a JSON event payload", path.display())
                    })?;
                let name = match &event_name {
                    Some(n) => n.clone(),
                    None => Event::infer_name(&payload)
                        .ok_or(EventError::UnknownName)
                        .with_context(|| format!("{path_from} {}", path.display()))?
                        .to_owned(),
                };
                let event = Event::parse(&name, payload)
                    .with_context(|| format!("{path_from} {}", path.display()))?;
                event_name = Some(name);
                Some(event)
            }
        };
        let repo = match (&args.repo, env.get("GITHUB_REPOSITORY")) {
            (Some(r), _) => Some(Repo::parse(r, "--repo")?),
            (None, Some(r)) => Some(Repo::parse(r, "GITHUB_REPOSITORY")?),
            (None, None) => event
                .as_ref()
                .and_then(Event::repository)
                .map(|r| Repo::parse(&r.full_name, "the event's repository.full_name"))
                .transpose()?,
        };
        let sha = args
            .sha
            .clone()
            .or_else(|| env.get("GITHUB_SHA").map(str::to_owned));
        if let Some(sha) = &sha {
            if sha.len() < 4 || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
                bail!("--sha {sha:?}: not a commit SHA; give the hex object name");
            }
        }
        let api_url = api_url(args.api_url.as_deref(), env)?;
        let token = Token::from_env(env);
        let secrets = Secrets::new();
        if let Some(t) = &token {
            secrets.add(t.expose());
        }
        Ok(Self {
            event_name,
            event,
            repo,
            sha,
            git_ref: env.get("GITHUB_REF").map(str::to_owned),
            api_url,
            server_url: env
                .get("GITHUB_SERVER_URL")
                .unwrap_or("https://github.com")
                .trim_end_matches('/')
                .to_owned(),
            run_id: env.get("GITHUB_RUN_ID").map(str::to_owned),
            in_actions,
            format: Format::resolve(args.format, in_actions),
            dry_run: args.dry_run,
            token,
            secrets,
            retry_policy: RetryPolicy::default(),
            outputs: Outputs::new(env.get("GITHUB_OUTPUT").map(PathBuf::from)),
            summary: StepSummary::new(env.get("GITHUB_STEP_SUMMARY").map(PathBuf::from)),
            base: None,
            policy: None,
            dry_run_lines: PendingLines::default(),
        })
    }

    /// The repository, or an error saying how to give it.
    pub fn require_repo(&self) -> anyhow::Result<&Repo> {
        self.repo.as_ref().context(
            "no repository: pass --repo owner/name (GITHUB_REPOSITORY is set inside Actions)",
        )
    }

    /// The base and head of the change under review, from the event: a
    /// pull request's, or a merge group's.
    pub fn event_base_head(&self) -> Option<(String, String)> {
        match self.event.as_ref()? {
            Event::MergeGroup(e) => Some((
                e.merge_group.base_sha.clone(),
                e.merge_group.head_sha.clone(),
            )),
            e => e
                .pull_request()
                .map(|pr| (pr.base.sha.clone(), pr.head.sha.clone())),
        }
    }

    /// Why this run's token cannot write, when the event says so: a
    /// `pull_request` whose head is another repository (a fork) runs with a
    /// read-only `GITHUB_TOKEN`, so its writes are skipped rather than
    /// refused with 403 (`pull_request_target` runs in the base repository,
    /// with its token). The one rule every gate uses.
    pub fn read_only_reason(&self) -> Option<&'static str> {
        let Some(Event::PullRequest {
            target: false,
            event,
        }) = &self.event
        else {
            return None;
        };
        // A head repository that is gone (a deleted fork) is still not this
        // repository.
        let head = event
            .pull_request
            .head
            .repo
            .as_ref()
            .and_then(|r| r.full_name.as_deref());
        (head != Some(event.repository.full_name.as_str()))
            .then_some("the pull request comes from a fork, whose token is read-only")
    }

    /// The link to this workflow run, when inside Actions.
    pub fn run_url(&self) -> Option<String> {
        Some(format!(
            "{}/{}/actions/runs/{}",
            self.server_url,
            self.repo.as_ref()?.full_name(),
            self.run_id.as_ref()?
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture_path(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/github-events")
            .join(name)
    }

    #[test]
    fn reads_the_standard_variables() {
        let env = Env::from_pairs([
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", "acme/shop"),
            ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
            ("GITHUB_REF", "refs/heads/main"),
            ("GITHUB_API_URL", "https://ghe.example.com/api/v3/"),
            ("GITHUB_EVENT_NAME", "pull_request"),
            (
                "GITHUB_EVENT_PATH",
                fixture_path("pull_request.opened.with-null-body.json")
                    .to_str()
                    .unwrap(),
            ),
            ("GITHUB_RUN_ID", "42"),
        ]);
        let ctx = GitHubContext::resolve(&CommonArgs::default(), &env).unwrap();
        assert_eq!(ctx.repo.as_ref().unwrap().full_name(), "acme/shop");
        assert_eq!(ctx.api_url, "https://ghe.example.com/api/v3");
        assert_eq!(ctx.format, Format::Github);
        assert_eq!(ctx.git_ref.as_deref(), Some("refs/heads/main"));
        assert_eq!(ctx.event.unwrap().pull_request().unwrap().body, None);
        assert!(ctx.token.is_none());
    }

    #[test]
    fn flags_override_the_environment() {
        let env = Env::from_pairs([
            ("GITHUB_REPOSITORY", "acme/shop"),
            ("GITHUB_SHA", "aaaa"),
            ("GITHUB_API_URL", "https://api.github.com"),
        ]);
        let args = CommonArgs {
            repo: Some("other/repo".into()),
            sha: Some("bbbb".into()),
            api_url: Some("http://127.0.0.1:9/api/v3".into()),
            event: Some(fixture_path("push.payload.json")),
            ..CommonArgs::default()
        };
        let ctx = GitHubContext::resolve(&args, &env).unwrap();
        assert_eq!(ctx.repo.unwrap().full_name(), "other/repo");
        assert_eq!(ctx.sha.as_deref(), Some("bbbb"));
        assert_eq!(ctx.api_url, "http://127.0.0.1:9/api/v3");
        // The name was inferred from the payload.
        assert_eq!(ctx.event_name.as_deref(), Some("push"));
        assert_eq!(ctx.format, Format::Text);
    }

    #[test]
    fn repo_falls_back_to_the_event() {
        let args = CommonArgs {
            event: Some(fixture_path("workflow_run.completed.payload.json")),
            ..CommonArgs::default()
        };
        let ctx = GitHubContext::resolve(&args, &Env::default()).unwrap();
        assert_eq!(ctx.repo.unwrap().full_name(), "octo-org/octo-repo");
        assert_eq!(ctx.api_url, DEFAULT_API_URL);
    }

    #[test]
    fn bad_inputs_name_themselves() {
        let err = GitHubContext::resolve(
            &CommonArgs {
                repo: Some("nope".into()),
                ..CommonArgs::default()
            },
            &Env::default(),
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("--repo"), "{err:#}");

        let err = GitHubContext::resolve(
            &CommonArgs {
                event: Some("/nonexistent/event.json".into()),
                ..CommonArgs::default()
            },
            &Env::default(),
        )
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("--event /nonexistent/event.json"),
            "{err:#}"
        );

        let err = GitHubContext::resolve(
            &CommonArgs {
                api_url: Some("ftp://x".into()),
                ..CommonArgs::default()
            },
            &Env::default(),
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("--api-url"), "{err:#}");

        let err = GitHubContext::resolve(
            &CommonArgs {
                sha: Some("not-a-sha".into()),
                ..CommonArgs::default()
            },
            &Env::default(),
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("--sha"), "{err:#}");
    }

    #[test]
    fn repo_parsing() {
        assert!(Repo::parse("a/b", "x").is_ok());
        assert!(Repo::parse("a/b/c", "x").is_err());
        assert!(Repo::parse("/b", "x").is_err());
        assert!(Repo::parse("a/..", "x").is_err());
        assert_eq!(Repo::parse("o/r", "x").unwrap().api_path(), "/repos/o/r");
    }

    #[test]
    fn run_url() {
        let env = Env::from_pairs([
            ("GITHUB_REPOSITORY", "acme/shop"),
            ("GITHUB_RUN_ID", "7"),
            ("GITHUB_SERVER_URL", "https://ghe.example.com"),
        ]);
        let ctx = GitHubContext::resolve(&CommonArgs::default(), &env).unwrap();
        assert_eq!(
            ctx.run_url().as_deref(),
            Some("https://ghe.example.com/acme/shop/actions/runs/7")
        );
    }
}
