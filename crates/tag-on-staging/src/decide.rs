//! Decide: from the facts, whether to tag, which version, and the writes.
//!
//! Pure: facts and settings in, a [`Decision`] out, with the plan of writes
//! (the tag, then the release and the dispatch). The safeguards run in the
//! order the README lists them; [`settled`] answers as soon as the facts so
//! far decide, so gathering can stop reading.

use gate_runtime::Verdict;
use gate_runtime::git::short;
use gate_runtime::plan::{DispatchWrite, OnFailure, Plan, ReleaseWrite, TagWrite, Write};
use serde_json::json;

use crate::cli::Scheme;
use crate::conventional::Bump;
use crate::facts::{Deployed, Facts, Trigger};
use crate::report::changelog;
use crate::settings::Settings;
use crate::version::{CommitBump, Semver, Undecidable, next_calver, next_semver, tag_version};

/// The next version, and how it was reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Next {
    /// `None`: nothing asks for a release.
    pub tag: Option<String>,
    pub previous_tag: String,
    pub bump: Bump,
    pub commits: Vec<CommitBump>,
    pub explanation: Vec<String>,
    pub changelog: String,
}

/// What the gate decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub verdict: Verdict,
    pub reasons: Vec<String>,
    pub notes: Vec<String>,
    /// The tag the commit already carries: nothing to do.
    pub already_tagged: Option<String>,
    /// The version worked out, unless refused or already tagged.
    pub next: Option<Next>,
    /// The writes: the tag, then the release and the dispatch.
    pub plan: Plan,
}

impl Decision {
    fn new() -> Self {
        Self {
            verdict: Verdict::Pass,
            reasons: Vec::new(),
            notes: Vec::new(),
            already_tagged: None,
            next: None,
            plan: Plan::new(OnFailure::Stop),
        }
    }

    fn refused(reason: String, notes: Vec<String>) -> Self {
        Self {
            verdict: Verdict::Fail,
            reasons: vec![reason],
            notes,
            ..Self::new()
        }
    }
}

/// Whether `name` is one of our tags under this scheme and prefix.
pub fn is_ours(name: &str, s: &Settings) -> bool {
    match s.scheme {
        Scheme::Semver => tag_version(name, &s.prefix).is_some(),
        Scheme::Calver => s.calver_tags.is_match(name),
    }
}

/// A release and a prerelease of the same commit are different things: an
/// rc tag does not make the commit "already tagged" for the release.
pub fn same_kind(name: &str, s: &Settings) -> bool {
    match (s.scheme, tag_version(name, &s.prefix)) {
        (Scheme::Semver, Some(v)) => v.pre.map(|(id, _)| id) == s.semver.prerelease,
        _ => true,
    }
}

/// The newest tag by this scheme's order. Each tag's version is read once:
/// with 12,000 tags, reading it per comparison is what a run would spend.
pub fn newest<'a>(
    s: &Settings,
    tags: impl Iterator<Item = &'a (String, String)>,
) -> Option<(String, String)> {
    let key = |name: &str| -> (Option<Semver>, Vec<u64>) {
        match s.scheme {
            Scheme::Semver => (tag_version(name, &s.prefix), Vec::new()),
            Scheme::Calver => (
                None,
                name.strip_prefix(&s.prefix)
                    .unwrap_or(name)
                    .split(|c: char| !c.is_ascii_digit())
                    .filter(|p| !p.is_empty())
                    .map(|p| p.parse().unwrap_or(0))
                    .collect(),
            ),
        }
    };
    tags.map(|t| (key(&t.0), t))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, t)| t.clone())
}

/// The decision, when the facts gathered so far already make it: a
/// safeguard said no, or the commit is already tagged. `None` while more
/// facts are needed.
pub fn settled(f: &Facts, s: &Settings) -> Option<Decision> {
    let sha = short(&f.sha);
    // Staging really succeeded.
    match &f.trigger {
        Some(Trigger::WorkflowRun { name, conclusion }) => {
            let conclusion = conclusion.as_deref().unwrap_or("none");
            if conclusion != "success" {
                return Some(Decision::refused(
                    format!("the triggering run {name} concluded {conclusion}, not success"),
                    Vec::new(),
                ));
            }
        }
        Some(Trigger::DeploymentStatus { state, environment }) => {
            if state != "success" {
                return Some(Decision::refused(
                    format!("the deployment of {sha} to {environment} is {state}, not success"),
                    Vec::new(),
                ));
            }
            if let Some(env) = &s.require_deployment {
                if environment != env {
                    return Some(Decision::refused(
                        format!("the event is a deployment to {environment}, not {env}"),
                        Vec::new(),
                    ));
                }
            }
        }
        None => {}
    }
    let mut notes = Vec::new();
    if let Some(env) = &s.require_deployment {
        let refusal = match f.deployed.as_ref()? {
            Deployed::State(state) if state == "success" => None,
            Deployed::State(state) => Some(format!(
                "the newest deployment of {sha} to {env} is {state}, not success"
            )),
            Deployed::NoStatus => Some(format!(
                "the newest deployment of {sha} to {env} has no status yet"
            )),
            Deployed::Nowhere => Some(format!(
                "{sha} has no deployment to {env}; staging has not accepted it"
            )),
        };
        if let Some(reason) = refusal {
            return Some(Decision::refused(reason, notes));
        }
        notes.push(format!("the newest deployment of {sha} to {env} succeeded"));
    }
    // Whether this commit already carries one of our tags.
    let tags = f.tags.as_ref()?;
    if let Some((name, _)) = newest(
        s,
        tags.iter().filter(|(n, c)| *c == f.sha && same_kind(n, s)),
    ) {
        return Some(Decision {
            reasons: vec![format!("{sha} already carries {name}: nothing to do")],
            notes,
            already_tagged: Some(name),
            ..Decision::new()
        });
    }
    // The commit is on the release branch.
    let branch = f.branch.as_ref()?;
    if !branch.has_commit {
        return Some(Decision::refused(
            format!(
                "{sha} is not on {}; only commits on the release branch are tagged",
                branch.name
            ),
            notes,
        ));
    }
    // Never tag backwards. Equal counts as backwards unless the tag there is
    // of the other kind (the release of a commit that has its candidate).
    if let Some((name, commit)) = f.newest_tag.clone() {
        let backwards = if commit == f.sha {
            same_kind(&name, s)
        } else {
            f.newest_contains_sha?
        };
        if backwards {
            return Some(Decision::refused(
                format!("{sha} is already contained in {name}; tagging it would go backwards"),
                notes,
            ));
        }
    }
    None
}

/// Decides: a refusal, nothing to do, or the next tag and its plan. A
/// Release-As footer that would go backwards or onto an existing tag cannot
/// be decided (exit 2).
pub fn decide(f: &Facts, s: &Settings) -> Result<Decision, Undecidable> {
    if let Some(d) = settled(f, s) {
        return Ok(d);
    }
    let mut d = Decision::new();
    if let Some(env) = &s.require_deployment {
        d.notes.push(format!(
            "the newest deployment of {} to {env} succeeded",
            short(&f.sha)
        ));
    }
    let tags = f.tags.as_deref().unwrap_or_default();
    let all_names: Vec<String> = tags.iter().map(|(n, _)| n.clone()).collect();
    let (version, previous, bump, commits, explanation) = match s.scheme {
        Scheme::Semver => {
            let Some(history) = &f.history else {
                return Ok(Decision::refused(
                    "internal: the history was not read; report this as a bug".to_owned(),
                    d.notes,
                ));
            };
            let base_version = history
                .base
                .as_ref()
                .and_then(|(n, _)| tag_version(n, &s.prefix));
            let v = next_semver(
                base_version.as_ref(),
                &history.commits,
                &all_names,
                &s.semver,
            )?;
            (
                v.version,
                history.base.as_ref().map(|(n, _)| n.clone()),
                v.bump,
                v.commits,
                v.explanation,
            )
        }
        Scheme::Calver => {
            let v = next_calver(&s.calver_date, &s.prefix, &all_names);
            (
                Some(v.clone()),
                f.newest_tag.as_ref().map(|(n, _)| n.clone()),
                Bump::None,
                Vec::new(),
                vec![format!("calendar version {v}")],
            )
        }
    };
    let previous_tag = previous.unwrap_or_default();
    let Some(version) = version else {
        d.reasons
            .push("no commit asks for a release and --default-bump is none: no tag".to_owned());
        d.next = Some(Next {
            tag: None,
            previous_tag,
            bump,
            commits,
            explanation,
            changelog: String::new(),
        });
        return Ok(d);
    };
    let tag = format!("{}{version}", s.prefix);
    let log = changelog(&tag, &previous_tag, &commits);
    d.plan = plan(f, s, &tag, &log, &mut d.notes);
    d.next = Some(Next {
        tag: Some(tag),
        previous_tag,
        bump,
        commits,
        explanation,
        changelog: log,
    });
    Ok(d)
}

/// The writes for a new tag: the tag, then (through the API) the release
/// and the production dispatch.
fn plan(f: &Facts, s: &Settings, tag: &str, changelog: &str, notes: &mut Vec<String>) -> Plan {
    let mut plan = Plan::new(OnFailure::Stop);
    let write = TagWrite {
        name: tag.to_owned(),
        commit: f.sha.clone(),
        message: (!s.lightweight).then(|| format!("{tag}\n\n{changelog}")),
    };
    if f.local {
        plan.push(Write::LocalTag(write));
        if s.release.is_some() || s.dispatch.is_some() {
            notes.push("--release/--dispatch-workflow: skipped in local mode".to_owned());
        }
        return plan;
    }
    plan.push(Write::Tag(write));
    if let Some(r) = &s.release {
        plan.push(Write::Release(ReleaseWrite {
            tag: tag.to_owned(),
            name: tag.to_owned(),
            body: changelog.to_owned(),
            draft: r.draft,
            prerelease: r.prerelease,
        }));
    }
    if let Some(d) = &s.dispatch {
        plan.push(Write::Dispatch(DispatchWrite {
            workflow: d.workflow.clone(),
            git_ref: d.git_ref.clone(),
            inputs: json!({ d.input.clone(): tag }),
        }));
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{Branch, BranchSource, History};
    use clap::Parser;
    use gate_runtime::plan::Write;
    use gate_runtime::{Env, GitHubContext};

    fn settings(args: &[&str]) -> Settings {
        let mut argv = vec!["tag-on-staging", "--now", "2026-11-23T10:00:00Z"];
        argv.extend_from_slice(args);
        let cli = crate::cli::Cli::parse_from(argv);
        let ctx = GitHubContext::resolve(&cli.common, &Env::default()).unwrap();
        Settings::new(&cli, &ctx, || true).unwrap()
    }

    fn sha(n: u64) -> String {
        format!("{n:040x}")
    }

    /// c1 tagged v1.0.0; the commit to tag is c3 on main, after a feat.
    fn facts() -> Facts {
        Facts {
            sha: sha(3),
            local: false,
            trigger: None,
            event_default_branch: None,
            deployed: None,
            tags: Some(vec![("v1.0.0".into(), sha(1))]),
            newest_tag: Some(("v1.0.0".into(), sha(1))),
            branch: Some(Branch {
                name: "main".into(),
                source: BranchSource::OriginHead,
                has_commit: true,
            }),
            newest_contains_sha: Some(false),
            history: Some(History {
                base: Some(("v1.0.0".into(), sha(1))),
                commits: vec![
                    (sha(3), "fix: typo".into()),
                    (sha(2), "feat: checkout".into()),
                ],
            }),
        }
    }

    /// The facts with their newest tag worked out from their tags.
    fn refresh(mut f: Facts, s: &Settings) -> Facts {
        f.newest_tag = f.tags.as_ref().and_then(|t| newest(s, t.iter()));
        f
    }

    fn tag_of(d: &Decision) -> Option<&str> {
        d.next.as_ref()?.tag.as_deref()
    }

    #[test]
    fn the_next_tag_and_its_plan() {
        let s = settings(&[
            "--release",
            "--dispatch-workflow",
            "deploy.yml",
            "--dispatch-input",
            "version",
        ]);
        let d = decide(&facts(), &s).unwrap();
        assert_eq!(d.verdict, Verdict::Pass);
        assert_eq!(tag_of(&d), Some("v1.1.0"));
        let next = d.next.as_ref().unwrap();
        assert_eq!(next.previous_tag, "v1.0.0");
        assert_eq!(next.bump, Bump::Minor);
        let [Write::Tag(t), Write::Release(r), Write::Dispatch(x)] = &d.plan.writes[..] else {
            panic!("{:?}", d.plan)
        };
        assert_eq!(t.name, "v1.1.0");
        assert_eq!(t.commit, sha(3));
        assert!(
            t.message
                .as_deref()
                .unwrap()
                .starts_with("v1.1.0\n\n## v1.1.0")
        );
        assert_eq!(r.tag, "v1.1.0");
        assert!(r.body.contains("checkout"));
        assert!(!r.prerelease && !r.draft);
        assert_eq!(x.workflow, "deploy.yml");
        assert_eq!(x.inputs, json!({"version": "v1.1.0"}));
        assert_eq!(d.plan.on_failure, OnFailure::Stop);
    }

    #[test]
    fn local_mode_tags_locally_and_says_what_it_skips() {
        let s = settings(&["--lightweight", "--release"]);
        let f = Facts {
            local: true,
            ..facts()
        };
        let d = decide(&f, &s).unwrap();
        let [Write::LocalTag(t)] = &d.plan.writes[..] else {
            panic!("{:?}", d.plan)
        };
        assert_eq!(t.message, None);
        assert!(
            d.notes[0].contains("skipped in local mode"),
            "{:?}",
            d.notes
        );
    }

    #[test]
    fn a_failed_trigger_refuses_before_any_tag_is_read() {
        let s = settings(&[]);
        let f = Facts {
            trigger: Some(Trigger::WorkflowRun {
                name: "deploy staging".into(),
                conclusion: Some("failure".into()),
            }),
            tags: None,
            branch: None,
            history: None,
            ..facts()
        };
        let d = settled(&f, &s).unwrap();
        assert_eq!(d.verdict, Verdict::Fail);
        assert!(
            d.reasons[0].contains("concluded failure"),
            "{:?}",
            d.reasons
        );
        assert!(d.plan.is_empty());
        let f = Facts {
            trigger: Some(Trigger::WorkflowRun {
                name: String::new(),
                conclusion: None,
            }),
            ..facts()
        };
        assert!(decide(&f, &s).unwrap().reasons[0].contains("concluded none"));
    }

    #[test]
    fn deployment_status_triggers() {
        let s = settings(&["--require-deployment", "staging"]);
        for (state, env, want) in [
            ("failure", "staging", "is failure, not success"),
            ("in_progress", "staging", "is in_progress"),
            (
                "success",
                "production",
                "a deployment to production, not staging",
            ),
        ] {
            let f = Facts {
                trigger: Some(Trigger::DeploymentStatus {
                    state: state.into(),
                    environment: env.into(),
                }),
                ..facts()
            };
            let d = decide(&f, &s).unwrap();
            assert_eq!(d.verdict, Verdict::Fail, "{state}");
            assert!(d.reasons[0].contains(want), "{:?}", d.reasons);
        }
    }

    #[test]
    fn the_required_deployment() {
        let s = settings(&["--require-deployment", "staging"]);
        // Not read yet: more facts are needed.
        assert!(settled(&facts(), &s).is_none());
        for (deployed, want) in [
            (Deployed::Nowhere, "has no deployment to staging"),
            (Deployed::NoStatus, "has no status yet"),
            (Deployed::State("failure".into()), "is failure, not success"),
        ] {
            let f = Facts {
                deployed: Some(deployed),
                ..facts()
            };
            let d = decide(&f, &s).unwrap();
            assert_eq!(d.verdict, Verdict::Fail);
            assert!(d.reasons[0].contains(want), "{:?}", d.reasons);
        }
        let f = Facts {
            deployed: Some(Deployed::State("success".into())),
            ..facts()
        };
        let d = decide(&f, &s).unwrap();
        assert_eq!(tag_of(&d), Some("v1.1.0"));
        assert!(d.notes[0].contains("succeeded"), "{:?}", d.notes);
    }

    #[test]
    fn an_already_tagged_commit_is_a_no_op() {
        let s = settings(&[]);
        let f = refresh(
            Facts {
                tags: Some(vec![("v1.0.0".into(), sha(1)), ("v1.1.0".into(), sha(3))]),
                branch: None,
                history: None,
                ..facts()
            },
            &s,
        );
        let d = settled(&f, &s).unwrap();
        assert_eq!(d.verdict, Verdict::Pass);
        assert_eq!(d.already_tagged.as_deref(), Some("v1.1.0"));
        assert!(d.plan.is_empty());
        // Its release candidate does not count as the release.
        let f = refresh(
            Facts {
                tags: Some(vec![
                    ("v1.0.0".into(), sha(1)),
                    ("v1.1.0-rc.1".into(), sha(3)),
                ]),
                ..facts()
            },
            &s,
        );
        let d = decide(&f, &s).unwrap();
        assert_eq!(d.already_tagged, None);
        assert_eq!(tag_of(&d), Some("v1.1.0"));
        // But the candidate run sees it as already tagged.
        let rc = settings(&["--prerelease", "rc"]);
        assert_eq!(
            decide(&f, &rc).unwrap().already_tagged.as_deref(),
            Some("v1.1.0-rc.1")
        );
    }

    #[test]
    fn not_on_the_branch_and_backwards_refuse() {
        let s = settings(&[]);
        let f = Facts {
            branch: Some(Branch {
                name: "main".into(),
                source: BranchSource::Flag,
                has_commit: false,
            }),
            ..facts()
        };
        assert!(decide(&f, &s).unwrap().reasons[0].contains("not on main"));
        let f = refresh(
            Facts {
                tags: Some(vec![("v1.1.0".into(), sha(4))]),
                newest_contains_sha: Some(true),
                ..facts()
            },
            &s,
        );
        let d = decide(&f, &s).unwrap();
        assert_eq!(d.verdict, Verdict::Fail);
        assert!(d.reasons[0].contains("already contained in v1.1.0"));
        // Whether the newest tag contains the commit is not known yet.
        let f = refresh(
            Facts {
                tags: Some(vec![("v1.1.0".into(), sha(4))]),
                newest_contains_sha: None,
                history: None,
                ..facts()
            },
            &s,
        );
        assert!(settled(&f, &s).is_none());
    }

    #[test]
    fn nothing_to_release_plans_nothing() {
        let s = settings(&["--default-bump", "none"]);
        let f = Facts {
            history: Some(History {
                base: Some(("v1.0.0".into(), sha(1))),
                commits: vec![(sha(3), "chore: tidy".into())],
            }),
            ..facts()
        };
        let d = decide(&f, &s).unwrap();
        assert_eq!(d.verdict, Verdict::Pass);
        assert_eq!(tag_of(&d), None);
        assert!(d.plan.is_empty());
        assert!(d.reasons[0].contains("--default-bump is none"));
    }

    #[test]
    fn calendar_versions_count_the_day() {
        let s = settings(&["--scheme", "calver", "--prefix", ""]);
        let f = refresh(
            Facts {
                tags: Some(vec![("2026.11.23".into(), sha(1))]),
                history: None,
                ..facts()
            },
            &s,
        );
        let d = decide(&f, &s).unwrap();
        assert_eq!(tag_of(&d), Some("2026.11.23.1"));
        assert_eq!(d.next.as_ref().unwrap().previous_tag, "2026.11.23");
    }
}
