//! `trunkline doctor`: does GitHub make the gates count?
//!
//! The gates only enforce the process if the repository is set up for it:
//! their checks required under the exact names the workflows report, pull
//! requests with reviews, squash merges, a merge queue that gets its
//! checks, production open to release tags only, release tags only for
//! tag-on-staging. Users of every comparable tool get some of this wrong
//! and nothing tells them, so doctor reads the settings through the API
//! and the workflows at the default branch, and says per rule: pass, fail
//! with the exact fix, or unknown with the permission that would tell.
//!
//! gather (`settings`, files) → decide (`checks`, pure) → report. Doctor
//! only reads; it never changes a setting.

pub mod checks;
pub mod fixes;
pub mod report;
pub mod settings;
pub mod workflow;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use gate_runtime::api::client::GitHubClient;
use gate_runtime::api::token::Token;
use gate_runtime::context::{DEFAULT_API_URL, Repo};
use gate_runtime::git::Git;
use gate_runtime::policy::POLICY_PATH;
use gate_runtime::redact::{ScrubWriter, Secrets};
use gate_runtime::runner::commands::{Annotation, Level, Omitted, write_annotations, write_inert};
use gate_runtime::runner::summary::StepSummary;
use gate_runtime::verdict::{EXIT_FAIL, EXIT_PASS};
use gate_runtime::{Env, block_on};

use crate::cli::{DoctorArgs, OutputFormat};
use crate::doctor::checks::{Facts, Finding, Status, Workflows};
use crate::doctor::fixes::Gh;
use crate::doctor::report::Heading;
use crate::doctor::settings::Readable;
use crate::doctor::workflow::Workflow;

/// Where the workflows live in a repository.
const WORKFLOWS_DIR: &str = ".github/workflows";

/// Runs `trunkline doctor`.
pub fn run(args: &DoctorArgs, env: &Env, out: &mut dyn Write) -> anyhow::Result<u8> {
    let secrets = Secrets::new();
    let token = Token::from_env(env);
    if let Some(t) = &token {
        secrets.add(t.expose());
    }
    let mut out = ScrubWriter::new(out, secrets.clone(), false);
    let repo = match (&args.repo, env.get("GITHUB_REPOSITORY")) {
        (Some(r), _) => Some(Repo::parse(r, "--repo")?),
        (None, Some(r)) => Some(Repo::parse(r, "GITHUB_REPOSITORY")?),
        (None, None) => origin_repo(&args.dir),
    };
    let (facts, heading) = if args.offline {
        offline(args, repo)?
    } else {
        let repo = repo.context(
            "no repository: pass --repo owner/name (GITHUB_REPOSITORY is set inside Actions), or --offline to check the files alone",
        )?;
        let token = token.context(
            "no token: set GITHUB_TOKEN (or GH_TOKEN) to a token that can read the repository, or pass --offline to check the files alone",
        )?;
        online(args, env, repo, token, secrets)?
    };
    let findings = checks::run(&facts);
    let mut omitted = Omitted::default();
    match args.format {
        OutputFormat::Json => {
            let mut bytes = serde_json::to_vec(&report::json(&heading, &findings))?;
            bytes.push(b'\n');
            out.write_all(&bytes)?;
        }
        // In Actions the table quotes the files and GitHub's answers, so
        // it goes to the log fenced: a line of it is shown, never run.
        OutputFormat::Text if env.in_actions() => {
            let mut table = Vec::new();
            report::text(&mut table, &heading, &findings)?;
            write_inert(&mut out, &String::from_utf8_lossy(&table))?;
            omitted = write_annotations(&mut out, &annotations(&findings))?;
        }
        OutputFormat::Text => report::text(&mut out, &heading, &findings)?,
    }
    let mut summary = report::markdown(&heading, &findings);
    if let Some(note) = omitted.summary_note() {
        summary.push_str(&format!("\n{note}\n"));
    }
    StepSummary::new(env.get("GITHUB_STEP_SUMMARY").map(PathBuf::from))
        .append(&summary)
        .context("writing the step summary (GITHUB_STEP_SUMMARY)")?;
    Ok(if findings.iter().any(|f| f.status == Status::Fail) {
        EXIT_FAIL
    } else {
        EXIT_PASS
    })
}

/// Failures as errors and unknowns as warnings, for the run's page.
fn annotations(findings: &[Finding]) -> Vec<Annotation> {
    findings
        .iter()
        .filter_map(|f| {
            let level = match f.status {
                Status::Fail => Level::Error,
                Status::Unknown | Status::Warn => Level::Warning,
                Status::Pass => return None,
            };
            Some(Annotation::new(level, f.detail.clone()).title(format!("doctor: {}", f.check)))
        })
        .collect()
}

/// `owner/name` of the checkout's `origin`, when it is a GitHub URL.
fn origin_repo(dir: &Path) -> Option<Repo> {
    let git = Git::new(dir);
    let url = git.run(&["remote", "get-url", "origin"]).ok()?;
    let path = url
        .trim()
        .trim_end_matches('/')
        .trim_end_matches(".git")
        .rsplitn(3, ['/', ':'])
        .take(2)
        .collect::<Vec<_>>();
    let [name, owner] = path.as_slice() else {
        return None;
    };
    Repo::parse(&format!("{owner}/{name}"), "origin").ok()
}

/// The web UI's base: `GITHUB_SERVER_URL`, else the API's host.
fn server_url(env: &Env, api_url: &str) -> String {
    if let Some(s) = env.get("GITHUB_SERVER_URL") {
        return s.trim_end_matches('/').to_owned();
    }
    if api_url == DEFAULT_API_URL {
        return "https://github.com".to_owned();
    }
    api_url
        .trim_end_matches('/')
        .trim_end_matches("/api/v3")
        .to_owned()
}

/// Parses workflow files, keeping the ones that are not workflows apart.
fn parse_all(files: BTreeMap<String, String>) -> Workflows {
    let mut w = Workflows::default();
    for (path, text) in files {
        match Workflow::parse(&path, &text) {
            Ok(wf) => w.parsed.push(wf),
            Err(bad) => w.broken.push(bad),
        }
    }
    w
}

/// The checks on the files of a checkout alone.
fn offline(args: &DoctorArgs, repo: Option<Repo>) -> anyhow::Result<(Facts, Heading)> {
    let root = checkout_root(&args.dir)?;
    let dir = root.join(WORKFLOWS_DIR);
    let mut files = BTreeMap::new();
    match std::fs::read_dir(&dir) {
        Ok(entries) => {
            for entry in entries {
                let path = entry
                    .with_context(|| format!("reading {}", dir.display()))?
                    .path();
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if !(name.ends_with(".yml") || name.ends_with(".yaml")) || !path.is_file() {
                    continue;
                }
                let bytes =
                    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                files.insert(
                    format!("{WORKFLOWS_DIR}/{name}"),
                    String::from_utf8_lossy(&bytes).into_owned(),
                );
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    }
    let policy_path = root.join(POLICY_PATH);
    let policy = match std::fs::read(&policy_path) {
        Ok(bytes) => Some(String::from_utf8(bytes).map_err(|_| {
            anyhow::anyhow!("{POLICY_PATH}: not UTF-8 text; save the policy file as UTF-8")
        })?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("reading {}", policy_path.display())),
    };
    let facts = Facts {
        gh: None,
        default_branch: String::new(),
        settings: None,
        workflows: Readable::Known(parse_all(files)),
        policy: Readable::Known(policy),
        files_from: "in the working tree".to_owned(),
    };
    let heading = Heading {
        repo: repo.map(|r| r.full_name()),
        default_branch: String::new(),
        offline: true,
    };
    Ok((facts, heading))
}

/// The top of the checkout `dir` is in (or `dir` itself outside git).
fn checkout_root(dir: &Path) -> anyhow::Result<PathBuf> {
    if !dir.is_dir() {
        anyhow::bail!(
            "--dir {}: not a directory; give the checkout to check",
            dir.display()
        );
    }
    let git = Git::new(dir);
    Ok(git
        .run(&["rev-parse", "--show-toplevel"])
        .ok()
        .filter(|_| git.is_repo())
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.to_path_buf()))
}

/// The checks on the settings and on the files at the default branch.
fn online(
    args: &DoctorArgs,
    env: &Env,
    repo: Repo,
    token: Token,
    secrets: Secrets,
) -> anyhow::Result<(Facts, Heading)> {
    let api_url = gate_runtime::context::api_url(args.api_url.as_deref(), env)?;
    let server = server_url(env, &api_url);
    block_on(async {
        let client = GitHubClient::builder(&api_url)
            .token(Some(token))
            .secrets(secrets)
            .build()?;
        let repository = settings::repository(&client, &repo).await?;
        let branch = repository.default_branch.clone();
        let settings = settings::read(&client, &repo, &repository).await?;
        let workflows = match settings::workflow_files(&client, &repo, &branch).await? {
            Readable::Known(files) => {
                let mut w = parse_all(files);
                remote_callees(&client, &mut w).await?;
                Readable::Known(w)
            }
            Readable::Unknown { permission, why } => Readable::Unknown { permission, why },
        };
        let policy = settings::policy_file(&client, &repo, &branch).await?;
        let facts = Facts {
            gh: Some(Gh::new(&repo, &server)),
            default_branch: branch.clone(),
            settings: Some(settings),
            workflows,
            policy,
            files_from: format!("at {branch}"),
        };
        let heading = Heading {
            repo: Some(repo.full_name()),
            default_branch: branch,
            offline: false,
        };
        Ok((facts, heading))
    })?
}

/// Reads the reusable workflows of other repositories that jobs call,
/// and the ones those call, up to a bound.
async fn remote_callees(client: &GitHubClient, w: &mut Workflows) -> anyhow::Result<()> {
    const MAX_REMOTE: usize = 20;
    let mut seen = std::collections::BTreeSet::new();
    loop {
        let wanted: Vec<String> = w
            .parsed
            .iter()
            .chain(w.remote.values())
            .flat_map(|wf| wf.jobs.iter().filter_map(|j| j.uses.clone()))
            .filter(|u| !u.starts_with("./") && u.contains("/.github/workflows/"))
            .filter(|u| !seen.contains(u))
            .collect();
        if wanted.is_empty() || seen.len() >= MAX_REMOTE {
            return Ok(());
        }
        for uses in wanted.into_iter().take(MAX_REMOTE - seen.len()) {
            seen.insert(uses.clone());
            if let Some(text) = settings::remote_workflow(client, &uses).await? {
                let path = uses.split('@').next().unwrap_or(&uses).to_owned();
                if let Ok(wf) = Workflow::parse(&path, &text) {
                    w.remote.insert(uses, wf);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_comes_from_the_api_url() {
        assert_eq!(
            server_url(&Env::default(), DEFAULT_API_URL),
            "https://github.com"
        );
        assert_eq!(
            server_url(&Env::default(), "https://ghe.example.com/api/v3"),
            "https://ghe.example.com"
        );
        assert_eq!(
            server_url(
                &Env::from_pairs([("GITHUB_SERVER_URL", "https://x.example/")]),
                DEFAULT_API_URL
            ),
            "https://x.example"
        );
    }
}
