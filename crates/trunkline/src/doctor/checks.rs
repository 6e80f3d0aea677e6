//! The checks: pure functions from what doctor read to a finding each,
//! pass, fail, unknown (the token cannot read it) or warn (flagged, not
//! failed), with the exact fix.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use gate_runtime::Env;
use gate_runtime::policy::{Effective, POLICY_PATH, PolicyFile, Via};

use crate::doctor::fixes::{self, Gh};
use crate::doctor::settings::{
    ACTIONS_APP_ID, BranchRule, Environment, Readable, Required, Settings, required_in_rules,
};
use crate::doctor::workflow::{Callees, Emitted, Permissions, Unreadable, Workflow, emitted};
use crate::gates::GATES;

/// A check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Status {
    Pass,
    /// Flagged: outside the process's range, but not a failure.
    Warn,
    /// The token cannot read the setting.
    Unknown,
    Fail,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Unknown => "unknown",
            Status::Fail => "fail",
        }
    }
}

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub(crate) check: &'static str,
    pub(crate) status: Status,
    pub(crate) detail: String,
    /// The exact fix; `None` when there is nothing to do.
    pub(crate) fix: Option<String>,
}

fn pass(check: &'static str, detail: impl Into<String>) -> Finding {
    Finding {
        check,
        status: Status::Pass,
        detail: detail.into(),
        fix: None,
    }
}

fn fail(check: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Finding {
    Finding {
        check,
        status: Status::Fail,
        detail: detail.into(),
        fix: Some(fix.into()),
    }
}

fn unknown(check: &'static str, permission: &str, why: &str) -> Finding {
    Finding {
        check,
        status: Status::Unknown,
        detail: format!("the token cannot read this ({why}); a token with {permission} can"),
        fix: Some(format!("run doctor with a token that has {permission}")),
    }
}

/// The workflow files doctor read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Workflows {
    pub(crate) parsed: Vec<Workflow>,
    pub(crate) broken: Vec<Unreadable>,
    /// Reusable workflows of other repositories, by `uses:`.
    pub(crate) remote: BTreeMap<String, Workflow>,
}

impl Callees for Workflows {
    fn callee(&self, uses: &str) -> Option<&Workflow> {
        match uses.strip_prefix("./") {
            Some(path) => self.parsed.iter().find(|w| w.path == path),
            None => self.remote.get(uses),
        }
    }
}

impl Workflows {
    /// Every check every workflow reports, with its workflow.
    fn emitted(&self) -> Vec<(&Workflow, Emitted)> {
        self.parsed
            .iter()
            .flat_map(|w| emitted(w, self).into_iter().map(move |e| (w, e)))
            .collect()
    }
}

/// Everything the checks look at.
#[derive(Debug, Clone)]
pub(crate) struct Facts {
    /// `None` offline.
    pub(crate) gh: Option<Gh>,
    pub(crate) default_branch: String,
    /// `None` offline.
    pub(crate) settings: Option<Settings>,
    pub(crate) workflows: Readable<Workflows>,
    /// The policy file's text; `Known(None)` when there is none.
    pub(crate) policy: Readable<Option<String>>,
    /// Where the files were read: `at main`, `in the working tree`.
    pub(crate) files_from: String,
}

/// Runs every check that applies: all of them online, the file checks
/// offline.
pub(crate) fn run(facts: &Facts) -> Vec<Finding> {
    let policy = Policy::of(facts);
    let mut out = Vec::new();
    if let (Some(s), Some(gh)) = (&facts.settings, &facts.gh) {
        out.extend(merging(s, gh));
        let ctx = BranchContext::of(facts, s, gh);
        out.push(pull_requests(&ctx));
        out.push(required_checks(&ctx));
        out.push(checks_emitted(&ctx));
        out.push(checks_unique(facts, ctx.required_names()));
        out.push(checks_not_skippable(facts, ctx.required_names()));
        out.push(merge_queue(&ctx));
        out.extend(environments(s, gh, &policy));
        out.push(tags(s, gh, &policy));
    } else {
        let gates = gate_names(facts);
        out.push(checks_unique(facts, gates.clone()));
        out.push(checks_not_skippable(facts, gates));
    }
    out.extend(workflow_checks(facts));
    out.extend(policy.findings);
    out
}

// ---- Merging ---------------------------------------------------------

fn merging(s: &Settings, gh: &Gh) -> Vec<Finding> {
    let page = gh.page("settings");
    let m = match &s.merge {
        Readable::Known(m) => m,
        Readable::Unknown { permission, why } => {
            return [
                "merging.squash",
                "merging.merge-commits",
                "merging.delete-branch",
            ]
            .into_iter()
            .map(|c| unknown(c, permission, why))
            .collect();
        }
    };
    // A pull-request rule that allows only squash merges turns merge
    // commits off for the default branch whatever the buttons say.
    let rule_methods: Option<Vec<String>> = s.rules.known().and_then(|rules| {
        rules
            .iter()
            .filter(|r| r.kind == "pull_request")
            .find_map(|r| r.parameters["allowed_merge_methods"].as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.as_str().map(str::to_owned))
                    .collect()
            })
    });
    let mut out = Vec::new();
    out.push(match m.allow_squash_merge {
        Some(true) => pass("merging.squash", "squash merging is on"),
        Some(false) => fail(
            "merging.squash",
            "squash merging is off: the process merges each pull request as one commit",
            format!(
                "{} (or {page}, Pull Requests: Allow squash merging)",
                gh.patch_repo(&[("allow_squash_merge", true)])
            ),
        ),
        None => unknown(
            "merging.squash",
            crate::doctor::settings::ADMINISTRATION,
            "allow_squash_merge is not in the answer",
        ),
    });
    let merge_commits_ruled_out = rule_methods
        .as_ref()
        .is_some_and(|methods| !methods.iter().any(|m| m == "merge"));
    out.push(match m.allow_merge_commit {
        Some(false) => pass("merging.merge-commits", "merge commits are off"),
        Some(true) if merge_commits_ruled_out => pass(
            "merging.merge-commits",
            "merge commits are allowed in the repository, but the default branch's pull-request rule allows only squash or rebase merges",
        ),
        Some(true) => fail(
            "merging.merge-commits",
            "merge commits are allowed: the process keeps the default branch's history to one squashed commit per pull request",
            format!(
                "{} (or {page}, Pull Requests: untick Allow merge commits)",
                gh.patch_repo(&[("allow_merge_commit", false)])
            ),
        ),
        None => unknown(
            "merging.merge-commits",
            crate::doctor::settings::ADMINISTRATION,
            "allow_merge_commit is not in the answer",
        ),
    });
    out.push(match m.delete_branch_on_merge {
        Some(true) => pass(
            "merging.delete-branch",
            "head branches are deleted on merge",
        ),
        Some(false) => fail(
            "merging.delete-branch",
            "merged branches are kept: the process's branches live a day or two, then go",
            format!(
                "{} (or {page}, Pull Requests: Automatically delete head branches)",
                gh.patch_repo(&[("delete_branch_on_merge", true)])
            ),
        ),
        None => unknown(
            "merging.delete-branch",
            crate::doctor::settings::ADMINISTRATION,
            "delete_branch_on_merge is not in the answer",
        ),
    });
    out
}

// ---- The default branch's rules --------------------------------------

/// What the branch checks share.
struct BranchContext<'a> {
    facts: &'a Facts,
    s: &'a Settings,
    gh: &'a Gh,
    /// The required checks, when all their sources could be read.
    required: Readable<Vec<Required>>,
    /// The names the Trunkline PR workflow reports, with their jobs.
    gates: Vec<(String, String)>,
}

impl<'a> BranchContext<'a> {
    fn of(facts: &'a Facts, s: &'a Settings, gh: &'a Gh) -> Self {
        let required = match (&s.rules, &s.branch, &s.classic) {
            (Readable::Unknown { permission, why }, _, _) => Readable::Unknown {
                permission,
                why: why.clone(),
            },
            (Readable::Known(rules), branch, classic) => {
                let mut all = required_in_rules(rules);
                let classic_checks = match (classic, branch) {
                    (Readable::Known(c), _) => Some(
                        c.as_ref()
                            .map(|c| c.required_checks.clone())
                            .unwrap_or_default(),
                    ),
                    (_, Readable::Known(b)) => Some(b.classic_checks.clone()),
                    _ => None,
                };
                match classic_checks {
                    Some(checks) => {
                        for (context, app_id) in checks {
                            if !all.iter().any(|r| r.context == context) {
                                all.push(Required {
                                    context,
                                    app_id,
                                    ruleset: None,
                                });
                            }
                        }
                        Readable::Known(all)
                    }
                    None => match (classic, branch) {
                        (Readable::Unknown { permission, why }, _)
                        | (_, Readable::Unknown { permission, why }) => Readable::Unknown {
                            permission,
                            why: why.clone(),
                        },
                        _ => Readable::Known(all),
                    },
                }
            }
        };
        Self {
            facts,
            s,
            gh,
            required,
            gates: gate_names(facts),
        }
    }

    fn rules(&self) -> &[BranchRule] {
        self.s.rules.known().map(Vec::as_slice).unwrap_or(&[])
    }

    /// The required names, or the gate names when those are unknown.
    fn required_names(&self) -> Vec<(String, String)> {
        match &self.required {
            Readable::Known(r) => r
                .iter()
                .map(|r| (r.context.clone(), String::new()))
                .collect(),
            Readable::Unknown { .. } => self.gates.clone(),
        }
    }

    /// The repository ruleset on the default branch that has a rule of
    /// `kind`, else any repository ruleset on it.
    fn ruleset_for(&self, kind: &str) -> Option<u64> {
        let repo_rules: Vec<&BranchRule> = self
            .rules()
            .iter()
            .filter(|r| r.is_repository_level())
            .collect();
        repo_rules
            .iter()
            .find(|r| r.kind == kind)
            .or_else(|| repo_rules.first())
            .and_then(|r| r.ruleset_id)
    }

    /// The fix that puts `rule` into the default branch's rules: an update
    /// of the ruleset that has one, else a new Trunkline ruleset.
    fn ruleset_fix(&self, kind: &str, rule: Value) -> String {
        let gate_checks: Vec<String> = self.gates.iter().map(|(n, _)| n.clone()).collect();
        match self.ruleset_for(kind) {
            Some(id) => format!(
                "{} (or {})",
                self.gh
                    .update_ruleset(id, &fixes::rules_with(self.rules(), id, kind, rule)),
                self.gh.page(&format!("settings/rules/{id}"))
            ),
            None => format!(
                "{} (or {}: a branch ruleset on the default branch)",
                self.gh.create_ruleset(&fixes::branch_ruleset(&gate_checks)),
                self.gh.page("settings/rules")
            ),
        }
    }
}

/// The check names of jobs that run a Trunkline PR gate on
/// `pull_request`, with their job: the names to require, in file order.
fn gate_names(facts: &Facts) -> Vec<(String, String)> {
    let Readable::Known(w) = &facts.workflows else {
        return Vec::new();
    };
    let mut names: Vec<(String, String)> = w
        .emitted()
        .into_iter()
        .filter(|(wf, e)| wf.triggers.has("pull_request") && e.gate.is_some() && !e.status)
        .map(|(wf, e)| (e.name.text, format!("{} job {}", wf.path, e.job)))
        .collect();
    // In the workflows' order, each name once.
    let mut seen = BTreeSet::new();
    names.retain(|(name, _)| seen.insert(name.clone()));
    names
}

fn pull_requests(ctx: &BranchContext<'_>) -> Finding {
    const CHECK: &str = "branch.pull-requests";
    let s = ctx.s;
    let rules = match &s.rules {
        Readable::Known(r) => r,
        Readable::Unknown { permission, why } => return unknown(CHECK, permission, why),
    };
    let mut approvals = 0;
    let mut dismiss = false;
    let mut any = false;
    for r in rules.iter().filter(|r| r.kind == "pull_request") {
        any = true;
        approvals = approvals.max(
            r.parameters["required_approving_review_count"]
                .as_u64()
                .unwrap_or(0),
        );
        dismiss |= r.parameters["dismiss_stale_reviews_on_push"]
            .as_bool()
            .unwrap_or(false);
    }
    let classic_unreadable = match &s.classic {
        Readable::Known(Some(c)) => {
            if let Some((n, d)) = c.reviews {
                any = true;
                approvals = approvals.max(n);
                dismiss |= d;
            }
            None
        }
        Readable::Known(None) => None,
        // Classic protection is off (the branch says so to any reader):
        // nothing hides there.
        Readable::Unknown { .. } if s.branch.known().is_some_and(|b| !b.classic) => None,
        Readable::Unknown { permission, why } => Some((*permission, why.clone())),
    };
    if any && approvals >= 1 && dismiss {
        return pass(
            CHECK,
            format!(
                "pull requests are required on {}, with {approvals} approval{} and stale approvals dismissed",
                s.default_branch,
                if approvals == 1 { "" } else { "s" }
            ),
        );
    }
    if let Some((permission, why)) = classic_unreadable {
        return unknown(
            CHECK,
            permission,
            &format!(
                "the branch rules ask for {}; classic branch protection could hold the rest: {why}",
                describe_reviews(any, approvals, dismiss)
            ),
        );
    }
    let existing = ctx
        .rules()
        .iter()
        .find(|r| r.kind == "pull_request" && r.is_repository_level())
        .map(BranchRule::as_ruleset_rule);
    fail(
        CHECK,
        format!(
            "{} on {}: the process needs a pull request with at least one approval, and a new push to dismiss old approvals",
            describe_reviews(any, approvals, dismiss),
            s.default_branch
        ),
        ctx.ruleset_fix("pull_request", fixes::pull_request_rule(existing.as_ref())),
    )
}

fn describe_reviews(any: bool, approvals: u64, dismiss: bool) -> String {
    if !any {
        return "no rule requires a pull request".to_owned();
    }
    let mut parts = Vec::new();
    if approvals == 0 {
        parts.push("pull requests need no approval".to_owned());
    } else {
        parts.push(format!(
            "pull requests need {approvals} approval{}",
            if approvals == 1 { "" } else { "s" }
        ));
    }
    if !dismiss {
        parts.push("stale approvals are kept".to_owned());
    }
    parts.join(" and ")
}

fn required_checks(ctx: &BranchContext<'_>) -> Finding {
    const CHECK: &str = "branch.required-checks";
    if ctx.gates.is_empty() {
        let detail = match &ctx.facts.workflows {
            Readable::Known(_) => format!(
                "no workflow {} runs the Trunkline PR gates on pull_request, so there is nothing to require",
                ctx.facts.files_from
            ),
            Readable::Unknown { permission, why } => {
                return unknown(CHECK, permission, why);
            }
        };
        return fail(
            CHECK,
            detail,
            "trunkline init (writes .github/workflows/trunkline-pr.yml), then run doctor again",
        );
    }
    let required = match &ctx.required {
        Readable::Known(r) => r,
        Readable::Unknown { permission, why } => return unknown(CHECK, permission, why),
    };
    let missing: Vec<&(String, String)> = ctx
        .gates
        .iter()
        .filter(|(name, _)| !required.iter().any(|r| &r.context == name))
        .collect();
    if missing.is_empty() {
        return pass(
            CHECK,
            format!(
                "{} requires {}",
                ctx.s.default_branch,
                quoted(ctx.gates.iter().map(|(n, _)| n.as_str()))
            ),
        );
    }
    let names: Vec<String> = missing.iter().map(|(n, _)| n.clone()).collect();
    let existing = ctx
        .rules()
        .iter()
        .filter(|r| r.is_repository_level())
        .find(|r| r.kind == "required_status_checks")
        .map(BranchRule::as_ruleset_rule);
    fail(
        CHECK,
        format!(
            "{} does not require {} ({}): a pull request can merge without the gate's verdict",
            ctx.s.default_branch,
            quoted(names.iter().map(String::as_str)),
            missing
                .iter()
                .map(|(_, job)| job.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
        ctx.ruleset_fix(
            "required_status_checks",
            fixes::required_checks_rule(existing.as_ref(), &names, &[]),
        ),
    )
}

fn quoted<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Workflows whose checks can satisfy a pull request's required checks.
fn reports_on_prs(wf: &Workflow, default_branch: &str) -> bool {
    wf.triggers.reports_on_pull_requests(default_branch) || wf.triggers.has("merge_group")
}

fn checks_emitted(ctx: &BranchContext<'_>) -> Finding {
    const CHECK: &str = "branch.checks-emitted";
    let required = match &ctx.required {
        Readable::Known(r) => r,
        Readable::Unknown { permission, why } => return unknown(CHECK, permission, why),
    };
    let workflows = match &ctx.facts.workflows {
        Readable::Known(w) => w,
        Readable::Unknown { permission, why } => return unknown(CHECK, permission, why),
    };
    let emitted: Vec<(&Workflow, Emitted)> = workflows
        .emitted()
        .into_iter()
        .filter(|(wf, _)| reports_on_prs(wf, &ctx.facts.default_branch))
        .collect();
    let mut stale = Vec::new();
    let mut others = Vec::new();
    let mut guessed = Vec::new();
    for r in required {
        if r.app_id.is_some_and(|a| a != ACTIONS_APP_ID) {
            others.push(r.context.clone());
            continue;
        }
        let matching: Vec<&Emitted> = emitted
            .iter()
            .map(|(_, e)| e)
            .filter(|e| e.name.matches(&r.context))
            .collect();
        if matching.is_empty() {
            stale.push(r);
        } else if matching.iter().all(|e| !e.name.exact) {
            guessed.push(format!("\"{}\" ({})", r.context, matching[0].name));
        }
    }
    if stale.is_empty() {
        let mut detail = if required.is_empty() {
            "no checks are required".to_owned()
        } else {
            format!(
                "every required check is reported by a workflow {}",
                ctx.facts.files_from
            )
        };
        if !guessed.is_empty() {
            detail.push_str(&format!(
                "; these only match a name doctor cannot fully work out: {}",
                guessed.join(", ")
            ));
        }
        if !others.is_empty() {
            detail.push_str(&format!(
                "; reported by another app: {}",
                quoted(others.iter().map(String::as_str))
            ));
        }
        return pass(CHECK, detail);
    }
    let mut lines = Vec::new();
    let mut renames: Vec<(String, Option<String>)> = Vec::new();
    for r in &stale {
        let near = emitted.iter().find(|(_, e)| {
            e.name.exact
                && (e.name.text.ends_with(&format!(" / {}", r.context))
                    || r.context.ends_with(&format!(" / {}", e.name.text)))
        });
        match near {
            Some((wf, e)) => {
                lines.push(format!(
                    "\"{}\" is reported by no workflow, but {} job {} reports \"{}\": a job moved into (or out of) a reusable workflow is renamed `caller / callee`",
                    r.context, wf.path, e.job, e.name
                ));
                renames.push((r.context.clone(), Some(e.name.text.clone())));
            }
            None => {
                lines.push(format!(
                    "\"{}\" is reported by no workflow{}",
                    r.context,
                    if r.app_id.is_none() {
                        " (if an app or another CI posts it, require it from that app)"
                    } else {
                        ""
                    }
                ));
                renames.push((r.context.clone(), None));
            }
        }
    }
    let fix = stale_fix(ctx, &stale, &renames);
    fail(
        CHECK,
        format!(
            "{}: a pull request waits forever for a check nothing reports",
            lines.join("; ")
        ),
        fix,
    )
}

/// Replaces (or drops) stale required names where they are required.
fn stale_fix(
    ctx: &BranchContext<'_>,
    stale: &[&Required],
    renames: &[(String, Option<String>)],
) -> String {
    let new_name = |old: &str| {
        renames
            .iter()
            .find(|(o, _)| o == old)
            .and_then(|(_, n)| n.clone())
    };
    let mut cmds = Vec::new();
    let rulesets: BTreeSet<u64> = stale.iter().filter_map(|r| r.ruleset).collect();
    for id in rulesets {
        let from_repo = ctx
            .rules()
            .iter()
            .any(|r| r.ruleset_id == Some(id) && r.is_repository_level());
        if !from_repo {
            cmds.push(format!(
                "edit the organization's ruleset {id} (Organization settings, Rules)"
            ));
            continue;
        }
        let old: Vec<String> = stale
            .iter()
            .filter(|r| r.ruleset == Some(id))
            .map(|r| r.context.clone())
            .collect();
        let added: Vec<String> = old.iter().filter_map(|o| new_name(o)).collect();
        let existing = ctx
            .rules()
            .iter()
            .find(|r| r.ruleset_id == Some(id) && r.kind == "required_status_checks")
            .map(BranchRule::as_ruleset_rule);
        let rule = fixes::required_checks_rule(existing.as_ref(), &added, &old);
        cmds.push(ctx.gh.update_ruleset(
            id,
            &fixes::rules_with(ctx.rules(), id, "required_status_checks", rule),
        ));
    }
    let classic: Vec<String> = stale
        .iter()
        .filter(|r| r.ruleset.is_none())
        .map(|r| r.context.clone())
        .collect();
    if !classic.is_empty() {
        let branch = &ctx.s.default_branch;
        cmds.push(ctx.gh.classic_contexts(branch, "DELETE", &classic));
        let added: Vec<String> = classic.iter().filter_map(|o| new_name(o)).collect();
        if !added.is_empty() {
            cmds.push(ctx.gh.classic_contexts(branch, "POST", &added));
        }
    }
    cmds.join(" && ")
}

/// `required` names (with a note each) the checks below look at.
fn checks_unique(facts: &Facts, required: Vec<(String, String)>) -> Finding {
    const CHECK: &str = "branch.checks-unique";
    let workflows = match &facts.workflows {
        Readable::Known(w) => w,
        Readable::Unknown { permission, why } => return unknown(CHECK, permission, why),
    };
    let emitted: Vec<(&Workflow, Emitted)> = workflows
        .emitted()
        .into_iter()
        .filter(|(wf, e)| reports_on_prs(wf, &facts.default_branch) && e.name.exact)
        .collect();
    let mut dupes = Vec::new();
    let mut names: Vec<&String> = required.iter().map(|(n, _)| n).collect();
    names.dedup();
    for name in names {
        let mut jobs: Vec<String> = emitted
            .iter()
            .filter(|(_, e)| &e.name.text == name)
            .map(|(wf, e)| format!("{} job {}", wf.path, e.job))
            .collect();
        jobs.sort();
        jobs.dedup();
        if jobs.len() > 1 {
            dupes.push(format!("\"{name}\" by {}", jobs.join(" and ")));
        }
    }
    if dupes.is_empty() {
        return pass(
            CHECK,
            if required.is_empty() {
                "no required checks to compare".to_owned()
            } else {
                "each required check is reported by one job".to_owned()
            },
        );
    }
    fail(
        CHECK,
        format!(
            "reported twice: {}; the first green one satisfies the rule, so a red run of the other can merge",
            dupes.join("; ")
        ),
        "give each job its own `name:` in its workflow file, then require the new names",
    )
}

fn checks_not_skippable(facts: &Facts, required: Vec<(String, String)>) -> Finding {
    const CHECK: &str = "branch.checks-not-skippable";
    let workflows = match &facts.workflows {
        Readable::Known(w) => w,
        Readable::Unknown { permission, why } => return unknown(CHECK, permission, why),
    };
    let is_required = |e: &Emitted| required.iter().any(|(n, _)| e.name.matches(n));
    let all = workflows.emitted();
    let mut skippable = Vec::new();
    for (wf, e) in &all {
        if !reports_on_prs(wf, &facts.default_branch) || !is_required(e) {
            continue;
        }
        if let Some(cond) = &e.condition {
            skippable.push(format!(
                "{} job {} (\"{}\") has `if: {cond}`",
                wf.path, e.job, e.name
            ));
        }
        for need in &e.needs {
            let needed: Vec<&Emitted> = all
                .iter()
                .filter(|(w, n)| w.path == wf.path && &n.job == need)
                .map(|(_, n)| n)
                .collect();
            if !needed.is_empty() && !needed.iter().any(|n| is_required(n)) {
                skippable.push(format!(
                    "{} job {} (\"{}\") needs {need}, which is not required: when {need} fails, the job is skipped",
                    wf.path, e.job, e.name
                ));
            }
        }
    }
    skippable.sort();
    skippable.dedup();
    if skippable.is_empty() {
        return pass(
            CHECK,
            "no job that reports a required check can be skipped: no job-level `if:`, and every job it needs is required too",
        );
    }
    fail(
        CHECK,
        format!(
            "{}: a skipped job's check counts as passed",
            skippable.join("; ")
        ),
        "move each condition into the job's steps (the job then runs and reports), and require every job a required job needs",
    )
}

fn merge_queue(ctx: &BranchContext<'_>) -> Finding {
    const CHECK: &str = "merge-queue.merge-group";
    let rules = match &ctx.s.rules {
        Readable::Known(r) => r,
        Readable::Unknown { permission, why } => return unknown(CHECK, permission, why),
    };
    if !rules.iter().any(|r| r.kind == "merge_queue") {
        return pass(CHECK, format!("no merge queue on {}", ctx.s.default_branch));
    }
    let workflows = match &ctx.facts.workflows {
        Readable::Known(w) => w,
        Readable::Unknown { permission, why } => return unknown(CHECK, permission, why),
    };
    let required = ctx.required_names();
    let mut missing: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (wf, e) in workflows.emitted() {
        if !wf
            .triggers
            .reports_on_pull_requests(&ctx.facts.default_branch)
        {
            continue;
        }
        if required.iter().any(|(n, _)| e.name.matches(n)) && !wf.triggers.has("merge_group") {
            missing
                .entry(wf.path.clone())
                .or_default()
                .insert(e.name.text.clone());
        }
    }
    if missing.is_empty() {
        return pass(
            CHECK,
            "the merge queue is on, and every workflow that reports a required check runs on merge_group",
        );
    }
    fail(
        CHECK,
        format!(
            "the merge queue is on, but {}: the queue waits for checks that never come",
            missing
                .iter()
                .map(|(wf, names)| format!(
                    "{wf} reports {} without a merge_group trigger",
                    quoted(names.iter().map(String::as_str))
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        format!(
            "add `merge_group:` under `on:` in {}",
            missing.keys().cloned().collect::<Vec<_>>().join(", ")
        ),
    )
}

// ---- Environments ----------------------------------------------------

/// Whether an fnmatch pattern (GitHub's deployment policies and rulesets:
/// `*` stops at `/`) matches.
pub(crate) fn fnmatch(pattern: &str, name: &str) -> bool {
    globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .is_ok_and(|g| g.compile_matcher().is_match(name))
}

fn environments(s: &Settings, gh: &Gh, policy: &Policy) -> Vec<Finding> {
    let envs = match &s.environments {
        Readable::Known(e) => e,
        Readable::Unknown { permission, why } => {
            return [
                "environments.exist",
                "environments.production-tags",
                "environments.staging-branch",
            ]
            .into_iter()
            .map(|c| unknown(c, permission, why))
            .collect();
        }
    };
    // GitHub's environment names ignore case.
    let find = |name: &str| envs.iter().find(|e| e.name.eq_ignore_ascii_case(name));
    let tag_pattern = format!("{}*", policy.prefix);
    let staging_fix = gh.environment("staging", true, &[(s.default_branch.as_str(), "branch")]);
    let production_fix = gh.environment("production", true, &[(tag_pattern.as_str(), "tag")]);
    let missing: Vec<&str> = ["staging", "production"]
        .into_iter()
        .filter(|n| find(n).is_none())
        .collect();
    let exist = if missing.is_empty() {
        pass("environments.exist", "staging and production exist")
    } else {
        let mut cmds = Vec::new();
        if missing.contains(&"staging") {
            cmds.extend(staging_fix.clone());
        }
        if missing.contains(&"production") {
            cmds.extend(production_fix.clone());
        }
        fail(
            "environments.exist",
            format!(
                "no {} environment: the delivery workflows deploy to staging and production",
                missing.join(" or ")
            ),
            format!(
                "{} (or {})",
                cmds.join(" && "),
                gh.page("settings/environments")
            ),
        )
    };
    vec![
        exist,
        production_tags(find("production"), gh, &policy.prefix, &production_fix),
        staging_branch(find("staging"), s, gh, &staging_fix),
    ]
}

fn production_tags(env: Option<&Environment>, gh: &Gh, prefix: &str, create: &[String]) -> Finding {
    const CHECK: &str = "environments.production-tags";
    let pattern = format!("{prefix}*");
    let page = gh.page("settings/environments");
    let Some(env) = env else {
        return fail(
            CHECK,
            format!(
                "no production environment, so nothing limits production to the release tags {pattern}"
            ),
            create.join(" && "),
        );
    };
    let open = |why: String| {
        fail(
            CHECK,
            format!(
                "{why}: nothing stops a deploy of an untested branch to production; only the release tags ({pattern}, [tag] prefix of {POLICY_PATH}) should deploy there"
            ),
            format!(
                "{} (or {page}: production, Deployment branches and tags)",
                create.join(" && ")
            ),
        )
    };
    match env.policy {
        None => return open("every branch may deploy to production".to_owned()),
        Some(p) if p.protected_branches => {
            return open("protected branches may deploy to production".to_owned());
        }
        Some(_) => {}
    }
    let policies = match &env.branch_policies {
        Readable::Known(p) => p,
        Readable::Unknown { permission, why } => return unknown(CHECK, permission, why),
    };
    let sample = format!("{prefix}1.2.3");
    let mut wrong = Vec::new();
    for p in policies {
        // `v*` takes only tags that start with the prefix: release tags.
        if !(p.kind == "tag" && p.name.starts_with(prefix)) {
            wrong.push(p);
        }
    }
    let allowed = policies
        .iter()
        .any(|p| p.kind == "tag" && fnmatch(&p.name, &sample));
    if wrong.is_empty() && allowed {
        return pass(
            CHECK,
            format!(
                "only the release tags may deploy to production: {}",
                policies
                    .iter()
                    .map(|p| format!("tag {}", p.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let mut cmds: Vec<String> = wrong
        .iter()
        .map(|p| gh.delete_policy("production", p.id))
        .collect();
    if !allowed {
        cmds.extend(gh.environment("production", false, &[(pattern.as_str(), "tag")]));
    }
    let mut why = Vec::new();
    if !wrong.is_empty() {
        why.push(format!(
            "production also takes {}",
            wrong
                .iter()
                .map(|p| format!("{} {}", p.kind, p.name))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !allowed {
        why.push(format!(
            "no tag policy lets the release tags ({pattern}) deploy"
        ));
    }
    fail(
        CHECK,
        format!(
            "{}: production should deploy the release tags ({pattern}, [tag] prefix of {POLICY_PATH}) and nothing else",
            why.join("; ")
        ),
        format!("{} (or {page}: production)", cmds.join(" && ")),
    )
}

fn staging_branch(env: Option<&Environment>, s: &Settings, gh: &Gh, create: &[String]) -> Finding {
    const CHECK: &str = "environments.staging-branch";
    let branch = &s.default_branch;
    let page = gh.page("settings/environments");
    let Some(env) = env else {
        return fail(
            CHECK,
            "no staging environment".to_owned(),
            create.join(" && "),
        );
    };
    let Some(policy) = env.policy else {
        return fail(
            CHECK,
            format!(
                "every branch may deploy to staging (and use its secrets); the process deploys {branch} there"
            ),
            format!("{} (or {page}: staging)", create.join(" && ")),
        );
    };
    if policy.protected_branches {
        return match &s.branch {
            Readable::Known(b) if b.protected => pass(
                CHECK,
                format!("protected branches deploy to staging, and {branch} is protected"),
            ),
            Readable::Known(_) => fail(
                CHECK,
                format!(
                    "only protected branches may deploy to staging, and {branch} is not protected"
                ),
                format!("{} (or {page}: staging)", create.join(" && ")),
            ),
            Readable::Unknown { permission, why } => unknown(CHECK, permission, why),
        };
    }
    let policies = match &env.branch_policies {
        Readable::Known(p) => p,
        Readable::Unknown { permission, why } => return unknown(CHECK, permission, why),
    };
    if policies
        .iter()
        .any(|p| p.kind == "branch" && fnmatch(&p.name, branch))
    {
        return pass(
            CHECK,
            format!(
                "{branch} may deploy to staging ({})",
                policies
                    .iter()
                    .map(|p| format!("{} {}", p.kind, p.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    fail(
        CHECK,
        format!("{branch} may not deploy to staging: no branch policy matches it"),
        format!(
            "{} (or {page}: staging)",
            gh.environment("staging", false, &[(branch.as_str(), "branch")])
                .join(" && ")
        ),
    )
}

// ---- Tags ------------------------------------------------------------

fn tags(s: &Settings, gh: &Gh, policy: &Policy) -> Finding {
    const CHECK: &str = "tags.ruleset";
    const WHY: &str = "GitHub Actions cannot be a ruleset's bypass actor, so tag-on-staging creates the tags with a GitHub App's token (actions/create-github-app-token) and the App is the bypass actor";
    let rulesets = match &s.tag_rulesets {
        Readable::Known(r) => r,
        Readable::Unknown { permission, why } => return unknown(CHECK, permission, why),
    };
    let sample = format!("refs/tags/{}1.2.3", policy.prefix);
    let covers = |p: &String| p == "~ALL" || fnmatch(p, &sample);
    let applying: Vec<_> = rulesets
        .iter()
        .filter(|rs| rs.target.as_deref().is_none_or(|t| t == "tag"))
        .filter(|rs| rs.include().iter().any(covers) && !rs.exclude().iter().any(covers))
        .filter(|rs| rs.has_rule("creation"))
        .collect();
    const APP_ID: &str = "replace \"YOUR_APP_ID\" (quotes included) in the fix by your GitHub App's id (`gh api apps/YOUR-APP-SLUG --jq .id`)";
    let create = format!(
        "{} (or {})",
        gh.create_ruleset(&fixes::tag_ruleset(&policy.prefix)),
        gh.page("settings/rules")
    );
    let Some(active) = applying.iter().find(|rs| rs.enforcement == "active") else {
        let detail = match applying.first() {
            Some(rs) => format!(
                "tag ruleset \"{}\" restricts creating the release tags but is {} (not enforced)",
                rs.name, rs.enforcement
            ),
            None => format!(
                "no active tag ruleset restricts who creates the release tags ({}*): anyone who can push can tag (and so release) any commit",
                policy.prefix
            ),
        };
        return fail(CHECK, format!("{detail}; {WHY}; {APP_ID}"), create);
    };
    let mut detail = format!(
        "tag ruleset \"{}\" restricts creating the release tags ({}*)",
        active.name, policy.prefix
    );
    match &active.bypass_actors {
        Some(actors) if actors.is_empty() => {
            return fail(
                CHECK,
                format!("{detail}, and nobody may bypass it, so tag-on-staging cannot tag either; {WHY}; {APP_ID}"),
                format!(
                    "{} (or {})",
                    gh.update_ruleset(
                        active.id,
                        &serde_json::json!({"bypass_actors": [{"actor_id": "YOUR_APP_ID", "actor_type": "Integration", "bypass_mode": "always"}]})
                    ),
                    gh.page(&format!("settings/rules/{}", active.id))
                ),
            );
        }
        Some(actors) if actors.iter().any(|a| a.actor_type == "Integration") => {
            detail.push_str(", and a GitHub App may bypass it (tag-on-staging's token)");
        }
        Some(_) => detail.push_str(
            "; no GitHub App may bypass it, so make sure tag-on-staging's token belongs to one of its bypass actors",
        ),
        None => detail.push_str(
            "; its bypass actors need Administration: read to see, so doctor cannot tell whether tag-on-staging's App is one",
        ),
    }
    pass(CHECK, format!("{detail}. {WHY}"))
}

// ---- Workflows -------------------------------------------------------

fn workflow_checks(facts: &Facts) -> Vec<Finding> {
    const IDS: [&str; 5] = [
        "workflows.files",
        "workflows.pinned",
        "workflows.permissions",
        "workflows.untrusted-checkout",
        "workflows.production-on-tags",
    ];
    let w = match &facts.workflows {
        Readable::Known(w) => w,
        Readable::Unknown { permission, why } => {
            return IDS
                .into_iter()
                .map(|c| unknown(c, permission, why))
                .collect();
        }
    };
    let mut out = Vec::new();
    out.push(if !w.broken.is_empty() {
        fail(
            IDS[0],
            format!(
                "not workflows: {}",
                w.broken
                    .iter()
                    .map(|b| format!("{}: {}", b.path, clip(&b.why)))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            "fix each file (actionlint shows where), then run doctor again",
        )
    } else if w.parsed.is_empty() {
        fail(
            IDS[0],
            format!("no workflows {}", facts.files_from),
            "trunkline init (writes the workflows of the whole flow)",
        )
    } else {
        pass(
            IDS[0],
            format!(
                "{} workflow file{} {}",
                w.parsed.len(),
                if w.parsed.len() == 1 { "" } else { "s" },
                facts.files_from
            ),
        )
    });

    let mut unpinned = Vec::new();
    let mut commands = Vec::new();
    for wf in &w.parsed {
        for u in wf.uses.iter().filter(|u| !u.is_pinned()) {
            unpinned.push(format!(
                "{}{} uses {}",
                wf.path,
                u.line.map(|l| format!(":{l}")).unwrap_or_default(),
                u.value
            ));
            if let Some((action, git_ref)) = u.value.split_once('@') {
                if !u.value.starts_with("docker://") {
                    commands.push(fixes::commit_of(action, git_ref));
                }
            }
        }
    }
    commands.sort();
    commands.dedup();
    out.push(if unpinned.is_empty() {
        pass(IDS[1], "every `uses:` is pinned to a commit SHA")
    } else {
        fail(
            IDS[1],
            format!(
                "not pinned to a commit: {}; a tag or branch can be moved to other code",
                unpinned.join("; ")
            ),
            if commands.is_empty() {
                "pin each docker image to its digest (image@sha256:...)".to_owned()
            } else {
                format!(
                    "{} (each prints the commit to pin: `uses: owner/action@SHA # v1.2.3`)",
                    commands.join(" ; ")
                )
            },
        )
    });

    let loose: Vec<String> = w
        .parsed
        .iter()
        .filter_map(|wf| match &wf.permissions {
            Permissions::Empty => None,
            Permissions::Missing => Some(format!(
                "{} has no top-level permissions (the token gets the repository's default)",
                wf.path
            )),
            Permissions::Other(p) => Some(format!("{} grants `{}` to every job", wf.path, clip(p))),
        })
        .collect();
    out.push(if loose.is_empty() {
        pass(IDS[2], "every workflow starts from `permissions: {}`")
    } else {
        fail(
            IDS[2],
            loose.join("; "),
            "put `permissions: {}` at the top of each, and grant each job what it needs under its own `permissions:`",
        )
    });

    let mut risky = Vec::new();
    for wf in &w.parsed {
        let trigger = ["pull_request_target", "workflow_run"]
            .into_iter()
            .find(|t| wf.triggers.has(t));
        let Some(trigger) = trigger else { continue };
        for job in &wf.jobs {
            for step in &job.steps {
                if let Some(what) = checks_out_the_head(step) {
                    risky.push(format!("{} ({trigger}) job {}: {what}", wf.path, job.id));
                }
            }
        }
    }
    out.push(if risky.is_empty() {
        pass(
            IDS[3],
            "no pull_request_target or workflow_run workflow checks out the pull request's head",
        )
    } else {
        fail(
            IDS[3],
            format!(
                "{}: these run with the base's secrets and write token, so the head's code must never run there",
                risky.join("; ")
            ),
            "build and test the head in a `pull_request` workflow (no secrets), and pass results to the privileged one as artifacts",
        )
    });
    out.push(production_on_tags(IDS[4], w));
    out
}

/// Production deploys release tags alone, and its environment is matched
/// against the run's ref: a job that deploys there from a run on a branch
/// is refused by the tag-only policy `environments.production-tags` asks
/// for (or, without it, deploys an untagged commit).
fn production_on_tags(check: &'static str, w: &Workflows) -> Finding {
    let mut on_branches = Vec::new();
    let mut deploys = Vec::new();
    for wf in &w.parsed {
        for job in wf.jobs.iter().filter(|j| {
            j.environment
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case("production"))
        }) {
            deploys.push(format!("{} job {}", wf.path, job.id));
            let events = wf.triggers.branch_only_events();
            if !events.is_empty() {
                on_branches.push(format!(
                    "{} job {} deploys to production on {}",
                    wf.path,
                    job.id,
                    events.join(", ")
                ));
            }
        }
    }
    if on_branches.is_empty() {
        return pass(
            check,
            if deploys.is_empty() {
                "no job deploys to the production environment".to_owned()
            } else {
                format!(
                    "production is deployed from runs that can be on a release tag: {}",
                    deploys.join(", ")
                )
            },
        );
    }
    fail(
        check,
        format!(
            "{}: those runs are on a branch, so production's tag-only policy refuses them (and without it an untagged commit ships)",
            on_branches.join("; ")
        ),
        "deploy production from a run on the tag: `on: workflow_dispatch`, started with the tag as its ref (as trunkline init's trunkline-production.yml, which the delivery flow and the rollback dispatch), or `on: push: tags:` when a GitHub App's token creates the tags",
    )
}

/// What in a step checks out a pull request's head, if anything.
fn checks_out_the_head(step: &crate::doctor::workflow::Step) -> Option<String> {
    const HEAD: [&str; 6] = [
        "head.sha",
        "head.ref",
        "head_ref",
        "head_sha",
        "head_branch",
        "head.repo",
    ];
    let is_checkout = step
        .uses
        .as_deref()
        .is_some_and(|u| u.starts_with("actions/checkout@"));
    if is_checkout {
        for key in ["ref", "repository"] {
            if let Some(v) = step.with.get(key) {
                if HEAD.iter().any(|h| v.contains(h)) || v.contains("refs/pull/") {
                    return Some(format!("actions/checkout with {key}: {}", clip(v)));
                }
            }
        }
    }
    let run = step.run.as_deref()?;
    ["gh pr checkout", "refs/pull/", "pull/${"]
        .into_iter()
        .find(|p| run.contains(p))
        .map(|p| format!("a run: script with `{p}`"))
}

fn clip(s: &str) -> String {
    let one: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one.chars().count() > 120 {
        format!("{}...", one.chars().take(120).collect::<String>())
    } else {
        one
    }
}

// ---- The policy file -------------------------------------------------

/// What the policy checks found, and the tag prefix the other checks use.
struct Policy {
    prefix: String,
    findings: Vec<Finding>,
}

/// One key's value, by table.
fn value<'a>(
    values: &'a BTreeMap<&str, Vec<Effective>>,
    table: &str,
    key: &str,
) -> Option<&'a str> {
    values
        .get(table)?
        .iter()
        .find(|e| e.key == key)?
        .values
        .first()
        .map(String::as_str)
}

impl Policy {
    fn of(facts: &Facts) -> Self {
        const PARSES: &str = "policy.parses";
        const LIMITS: &str = "policy.limits";
        let default_prefix = "v".to_owned();
        let text = match &facts.policy {
            Readable::Known(t) => t.clone(),
            Readable::Unknown { permission, why } => {
                return Self {
                    prefix: default_prefix,
                    findings: vec![
                        unknown(PARSES, permission, why),
                        unknown(LIMITS, permission, why),
                    ],
                };
            }
        };
        if text.is_none() {
            return Self {
                prefix: default_prefix,
                findings: vec![
                    fail(
                        PARSES,
                        format!(
                            "no {POLICY_PATH} {}: every gate runs on its defaults, and tags are cut without staging's say",
                            facts.files_from
                        ),
                        "trunkline init (writes the policy file with the process's values)",
                    ),
                    fail(
                        LIMITS,
                        format!("no {POLICY_PATH} to hold the process's limits"),
                        "trunkline init",
                    ),
                ],
            };
        }
        let file = PolicyFile {
            path: POLICY_PATH.to_owned(),
            commit: None,
            via: Via::WorkingTree,
            text,
            changed: None,
        };
        let mut values: BTreeMap<&str, Vec<Effective>> = BTreeMap::new();
        let mut errors = Vec::new();
        if let Err(e) = file.tables() {
            errors.push(gate_runtime::verdict::error_line(&e));
        } else {
            for gate in &GATES {
                let Some(spec) = (gate.spec)() else { continue };
                match (gate.effective)(vec![gate.name.into()], &Env::default(), &file) {
                    Ok(v) => {
                        values.insert(spec.table, v);
                    }
                    Err(e) => errors.push(gate_runtime::verdict::error_line(&e)),
                }
            }
        }
        if !errors.is_empty() {
            let why = errors.join("; ");
            return Self {
                prefix: default_prefix,
                findings: vec![
                    fail(
                        PARSES,
                        format!("{POLICY_PATH} {}: {why}", facts.files_from),
                        format!(
                            "fix {POLICY_PATH} as the error says (`trunkline config` shows every key and its value)"
                        ),
                    ),
                    fail(
                        LIMITS,
                        format!("{POLICY_PATH} does not parse, so its limits are not known"),
                        format!("fix {POLICY_PATH} first"),
                    ),
                ],
            };
        }
        let prefix = value(&values, "tag", "prefix").unwrap_or("v").to_owned();
        let mut findings = vec![pass(
            PARSES,
            format!(
                "{POLICY_PATH} {} parses, and every gate accepts its table",
                facts.files_from
            ),
        )];
        findings.push(limits(&values));
        Self { prefix, findings }
    }
}

/// The process's ranges: a value outside is flagged, not failed.
fn limits(values: &BTreeMap<&str, Vec<Effective>>) -> Finding {
    const CHECK: &str = "policy.limits";
    let mut flagged: Vec<(String, String)> = Vec::new();
    let number =
        |table: &str, key: &str| value(values, table, key).and_then(|v| v.parse::<f64>().ok());
    match number("pr-size", "max-lines") {
        Some(n) if !(200.0..=400.0).contains(&n) => flagged.push((
            format!("[pr-size] max-lines = {n}: the process's pull requests are 200 to 400 changed lines"),
            "max-lines = 400 under [pr-size]".to_owned(),
        )),
        _ => {}
    }
    match value(values, "pr-size", "max-branch-age") {
        None => flagged.push((
            "[pr-size] max-branch-age is not set: branches live a day or two".to_owned(),
            "max-branch-age = \"2d\" under [pr-size]".to_owned(),
        )),
        Some(age) => {
            if gate_runtime::duration::parse(age, "max-branch-age")
                .is_ok_and(|d| d.as_secs() > 48 * 3600)
            {
                flagged.push((
                    format!("[pr-size] max-branch-age = \"{age}\": branches live at most two days"),
                    "max-branch-age = \"2d\" under [pr-size]".to_owned(),
                ));
            }
        }
    }
    match number("pr-size", "max-prs-per-day") {
        None => flagged.push((
            "[pr-size] max-prs-per-day is not set: each developer opens at most one pull request a day".to_owned(),
            "max-prs-per-day = 1 under [pr-size]".to_owned(),
        )),
        Some(n) if n > 1.0 => flagged.push((
            format!("[pr-size] max-prs-per-day = {n}: at most one pull request a day"),
            "max-prs-per-day = 1 under [pr-size]".to_owned(),
        )),
        _ => {}
    }
    if let Some(t) = number("coverage", "tolerance").filter(|t| *t > 0.0) {
        flagged.push((
            format!("[coverage] tolerance = {t}: coverage never drops below its baseline"),
            "tolerance = 0 under [coverage]".to_owned(),
        ));
    }
    if value(values, "tag", "require-deployment").is_none() {
        flagged.push((
            "[tag] require-deployment is not set: a tag is cut only when staging succeeded"
                .to_owned(),
            "require-deployment = \"staging\" under [tag]".to_owned(),
        ));
    }
    if let Some(d) = value(values, "watch", "duration") {
        if gate_runtime::duration::parse(d, "duration").is_ok_and(|d| d.as_secs() < 30 * 60) {
            flagged.push((
                format!(
                    "[watch] duration = \"{d}\": production is watched for at least 30 minutes"
                ),
                "duration = \"30m\" under [watch]".to_owned(),
            ));
        }
    }
    if flagged.is_empty() {
        return pass(
            CHECK,
            "every limit is within the process's range: 200 to 400 lines, branches of at most 2 days, one pull request a day, no coverage tolerance, tags after staging, a watch of 30 minutes or more",
        );
    }
    Finding {
        check: CHECK,
        status: Status::Warn,
        detail: flagged
            .iter()
            .map(|(d, _)| d.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        fix: Some(format!(
            "in {POLICY_PATH}: {}",
            flagged
                .iter()
                .map(|(_, f)| f.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
}
