//! The command line, checked and converted once into what the stages use.
//!
//! Every flag that can be wrong is checked here, before any read, so a typo
//! exits 2 at once; the later stages take [`Settings`] and never see `Cli`.

use anyhow::{Context as _, bail};
use gate_runtime::GitHubContext;
use gate_runtime::event::Event;

use crate::cli::{Cli, DefaultBump, Scheme};
use crate::conventional::Bump;
use crate::version::{PreMajor, Semver, SemverSettings, render_calver};

/// A GitHub Release after the tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseSettings {
    pub draft: bool,
    pub prerelease: bool,
}

/// The production workflow started after the tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchSettings {
    pub workflow: String,
    pub git_ref: String,
    pub input: String,
}

/// Everything the stages need from the command line.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The revision to tag: --sha, else the event's commit, else
    /// GITHUB_SHA, else HEAD.
    pub rev: String,
    /// The release branch; `None` means the default branch.
    pub branch: Option<String>,
    pub prefix: String,
    pub scheme: Scheme,
    pub semver: SemverSettings,
    /// Today's calendar version (calver), from --now.
    pub calver_date: String,
    /// Matches the calendar scheme's tags.
    pub calver_tags: regex::Regex,
    pub require_deployment: Option<String>,
    pub lightweight: bool,
    pub release: Option<ReleaseSettings>,
    pub dispatch: Option<DispatchSettings>,
    /// Facts from the local checkout, and the tag made there.
    pub local: bool,
    pub dry_run: bool,
}

impl Settings {
    /// Checks the flags and resolves what depends on the context. `in_repo`
    /// says whether the working directory is a git checkout (asked only
    /// when local mode depends on it).
    pub fn new(cli: &Cli, ctx: &GitHubContext, in_repo: impl Fn() -> bool) -> anyhow::Result<Self> {
        let initial = Semver::parse(&cli.initial_version)
            .filter(|v| v.pre.is_none())
            .with_context(|| format!("--initial-version {:?}: give X.Y.Z", cli.initial_version))?;
        if let Some(id) = &cli.prerelease {
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
                bail!("--prerelease {id:?}: use letters and digits, e.g. rc");
            }
        }
        let today = cli
            .now
            .resolve()?
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date();
        let calver_date = render_calver(
            &cli.calver_format,
            i32::from(today.year()),
            today.month() as u8,
            today.day() as u8,
        )
        .map_err(anyhow::Error::msg)?;
        // A local dry run needs no token: with no repository named, read git.
        let may_be_local = cli.local || (ctx.dry_run && ctx.repo.is_none());
        let checkout = may_be_local && in_repo();
        let local = cli.local || checkout;
        if local {
            if !checkout {
                bail!("--local: not inside a git checkout");
            }
            if ctx.in_actions && !ctx.dry_run {
                bail!(
                    "--local in Actions would make a tag that never reaches GitHub; drop --local (tags go through the API) or add --dry-run"
                );
            }
        }
        Ok(Self {
            rev: target_rev(cli, ctx),
            branch: cli.branch.clone(),
            prefix: cli.prefix.clone(),
            scheme: cli.scheme,
            semver: SemverSettings {
                prefix: cli.prefix.clone(),
                default_bump: match cli.default_bump {
                    DefaultBump::Patch => Bump::Patch,
                    DefaultBump::Minor => Bump::Minor,
                    DefaultBump::None => Bump::None,
                },
                prerelease: cli.prerelease.clone(),
                initial,
                squash_bodies: cli.squash_bodies,
                pre_major: PreMajor {
                    breaking_bumps_minor: cli.bump_minor_pre_major,
                    feature_bumps_patch: cli.bump_patch_for_minor_pre_major,
                },
            },
            calver_date,
            calver_tags: calver_pattern(&cli.calver_format, &cli.prefix)?,
            require_deployment: cli.require_deployment.clone(),
            lightweight: cli.lightweight,
            release: cli.release.then_some(ReleaseSettings {
                draft: cli.release_draft,
                prerelease: cli.release_prerelease || cli.prerelease.is_some(),
            }),
            dispatch: cli.dispatch_workflow.as_ref().map(|w| DispatchSettings {
                workflow: w.clone(),
                git_ref: cli.dispatch_ref.clone(),
                input: cli.dispatch_input.clone(),
            }),
            local,
            dry_run: ctx.dry_run,
        })
    }
}

/// The commit to tag: --sha, else the event's commit, else GITHUB_SHA.
fn target_rev(cli: &Cli, ctx: &GitHubContext) -> String {
    cli.common
        .sha
        .clone()
        .or_else(|| match &ctx.event {
            Some(Event::WorkflowRun(e)) => Some(e.workflow_run.head_sha.clone()),
            Some(Event::DeploymentStatus(e)) => Some(e.deployment.sha.clone()),
            _ => None,
        })
        .or_else(|| ctx.sha.clone())
        .unwrap_or_else(|| "HEAD".to_owned())
}

/// Matches the tags of the calendar scheme: the format with its date tokens
/// as digits, and an optional `.N` same-day counter.
fn calver_pattern(format: &str, prefix: &str) -> anyhow::Result<regex::Regex> {
    let mut re = format!("^{}", regex::escape(prefix));
    let mut rest = format;
    while !rest.is_empty() {
        let tokens = [
            ("YYYY", r"\d{4}"),
            ("YY", r"\d{2}"),
            ("0M", r"\d{2}"),
            ("MM", r"\d{2}"),
            ("0D", r"\d{2}"),
            ("DD", r"\d{2}"),
            ("M", r"\d{1,2}"),
            ("D", r"\d{1,2}"),
        ];
        if let Some((tok, pat)) = tokens.iter().find(|(t, _)| rest.starts_with(t)) {
            re.push_str(pat);
            rest = &rest[tok.len()..];
        } else {
            let c = rest.chars().next().unwrap_or('.');
            re.push_str(&regex::escape(&c.to_string()));
            rest = &rest[c.len_utf8()..];
        }
    }
    re.push_str(r"(\.\d+)?$");
    regex::Regex::new(&re).with_context(|| format!("--calver-format {format:?}"))
}
