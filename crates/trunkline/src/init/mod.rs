//! `trunkline init`: scaffold a repository for the whole flow.

pub mod files;
pub mod stack;
pub mod templates;
pub mod workflows;

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;
use gate_runtime::git::Git;
use gate_runtime::policy::POLICY_PATH;

use crate::cli::InitArgs;
use crate::init::files::{Outcome, Planned, Style, apply, decide, render};
use crate::init::stack::{Stack, detect};
use crate::init::workflows::{MAIN_FILE, PR_FILE, PRODUCTION_FILE, ROLLBACK_FILE, Target};
use crate::pins::Trunkline;

pub const TEMPLATE_PATH: &str = ".github/pull_request_template.md";
pub const DEPLOY_PATH: &str = "deploy/deploy.sh";

/// The branch that ships: origin's default branch, else the current one,
/// else `main`.
fn shipping_branch(dir: &Path) -> String {
    let git = Git::new(dir);
    if !git.is_repo() {
        return "main".to_owned();
    }
    if let Ok(head) = git.run(&[
        "symbolic-ref",
        "--quiet",
        "--short",
        "refs/remotes/origin/HEAD",
    ]) {
        if let Some(b) = head.strip_prefix("origin/").filter(|b| !b.is_empty()) {
            return b.to_owned();
        }
    }
    git.run(&["symbolic-ref", "--quiet", "--short", "HEAD"])
        .ok()
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| "main".to_owned())
}

/// Every file init writes, for this repository.
pub fn plan(
    stacks: &[Stack],
    trunkline: &Trunkline,
    branch: &str,
    health_url: Option<&str>,
) -> Vec<Planned> {
    let target = Target {
        trunkline,
        stacks,
        branch,
    };
    let schema_url = format!(
        "https://raw.githubusercontent.com/{}/{}/schemas/trunkline.schema.json",
        trunkline.repo, trunkline.sha
    );
    let file = |path: &str, body: String, style: Style, executable: bool| Planned {
        path: path.to_owned(),
        body,
        style,
        executable,
    };
    vec![
        file(
            POLICY_PATH,
            templates::policy(stacks, health_url, &schema_url),
            Style::Hash,
            false,
        ),
        file(
            TEMPLATE_PATH,
            templates::pull_request_template(),
            Style::Html,
            false,
        ),
        file(
            &format!(".github/workflows/{PR_FILE}"),
            workflows::pull_request(&target),
            Style::Hash,
            false,
        ),
        file(
            &format!(".github/workflows/{MAIN_FILE}"),
            workflows::main(&target),
            Style::Hash,
            false,
        ),
        file(
            &format!(".github/workflows/{PRODUCTION_FILE}"),
            workflows::production(&target),
            Style::Hash,
            false,
        ),
        file(
            &format!(".github/workflows/{ROLLBACK_FILE}"),
            workflows::rollback(&target),
            Style::Hash,
            false,
        ),
        file(DEPLOY_PATH, templates::deploy_script(), Style::Hash, true),
    ]
}

/// Runs `trunkline init`.
pub fn run(args: &InitArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let dir = &args.dir;
    if !dir.is_dir() {
        anyhow::bail!(
            "--dir {}: not a directory; give the repository to scaffold",
            dir.display()
        );
    }
    let trunkline = Trunkline::resolve(&args.actions_repo, args.actions_ref.as_deref())?;
    if let Some(url) = &args.health_url {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            anyhow::bail!("--health-url {url:?}: give production's health URL, http(s)://...");
        }
    }
    let branch = args.branch.clone().unwrap_or_else(|| shipping_branch(dir));
    let stacks = detect(dir);
    writeln!(out, "trunkline init in {}", dir.display())?;
    if stacks.is_empty() {
        writeln!(
            out,
            "detected: no stack (none of Cargo.toml, package.json, go.mod, pyproject.toml, setup.py, pom.xml, build.gradle(.kts)): no coverage job; add your reports to [coverage] when you have them"
        )?;
    }
    for s in &stacks {
        let test = s.test.run.as_deref().unwrap_or_default();
        let last = test.lines().last().unwrap_or_default();
        writeln!(
            out,
            "detected: {} ({}): tests run with `{last}`, writing {}",
            s.name,
            s.found,
            s.reports.join(", ")
        )?;
        if let Some(note) = s.note {
            writeln!(out, "  note: {note}")?;
        }
    }
    writeln!(
        out,
        "shipping branch: {branch}; Trunkline actions pinned to {}@{}",
        trunkline.repo, trunkline.sha
    )?;
    let planned = plan(&stacks, &trunkline, &branch, args.health_url.as_deref());
    let mut kept = 0;
    for p in &planned {
        let path = dir.join(&p.path);
        let existing = match std::fs::read(&path) {
            Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).with_context(|| format!("reading {}", p.path)),
        };
        let outcome = decide(p, existing.as_deref(), args.force);
        if args.dry_run {
            let what = match &outcome {
                Outcome::Written => "would write",
                Outcome::Updated => "would update",
                Outcome::Unchanged => "unchanged",
                Outcome::Kept => "would keep (you changed it)",
                Outcome::Overwritten { .. } => "would overwrite, keeping a backup",
            };
            writeln!(out, "\n--- {} ({what})", p.path)?;
            write!(out, "{}", render(p))?;
            continue;
        }
        let done = apply(dir, p, outcome)?;
        let line = match &done {
            Outcome::Written => format!("  written    {}", p.path),
            Outcome::Updated => format!("  updated    {}", p.path),
            Outcome::Unchanged => format!("  unchanged  {}", p.path),
            Outcome::Kept => {
                kept += 1;
                format!(
                    "  kept       {} (you changed it; --force overwrites it, keeping a backup)",
                    p.path
                )
            }
            Outcome::Overwritten { backup } => {
                format!("  overwritten {} (your version is in {backup})", p.path)
            }
        };
        writeln!(out, "{line}")?;
    }
    if !args.dry_run {
        let mut steps = vec![format!(
            "fill in {DEPLOY_PATH}: how REF deploys to staging and production"
        )];
        if args.health_url.is_none() {
            steps.push(format!(
                "add production's checks to [watch] in {POLICY_PATH} (url, or prometheus-url and query)"
            ));
        }
        steps.push(format!(
            "create the environments staging (deploys from {branch}) and production (deploys the release tags v* alone: {PRODUCTION_FILE} runs on the tag), and make \"{}\" required checks on {branch}; `trunkline doctor` (with a repository admin's token) checks every setting and prints the exact fix",
            workflows::CHECK_NAMES
                .iter()
                .take(if stacks.is_empty() { 2 } else { 3 })
                .copied()
                .collect::<Vec<_>>()
                .join("\", \"")
        ));
        steps.push(
            "try the gates before you push: trunkline check --body-file <your description>"
                .to_owned(),
        );
        writeln!(out, "\nnext:")?;
        for (i, s) in steps.iter().enumerate() {
            writeln!(out, "  {}. {s}", i + 1)?;
        }
        if kept > 0 {
            writeln!(out, "{kept} file(s) kept as you changed them")?;
        }
    }
    Ok(0)
}
