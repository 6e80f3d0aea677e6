//! Decide: the policy's verdict, and the writes that go with it.
//!
//! Pure: the checklist is checked by [`crate::policy::evaluate`] against the
//! rules and the template gathered at the base commit; this adds the plan
//! (the commit status, then the sticky comment while the checklist is
//! incomplete or once it is done), worked out from the comment the PR has
//! now.

use anyhow::Context as _;
use gate_runtime::api::comment::{StickyTarget, plan_for_verdict};
use gate_runtime::api::status::StatusState;
use gate_runtime::plan::{OnFailure, Plan, StatusWrite, Write};

use crate::GATE;
use crate::facts::Facts;
use crate::policy::{self, Outcome, evaluate};
use crate::report::{comment_body, done_comment_body, status_description};
use crate::settings::Settings;

/// What the gate decided.
#[derive(Debug, Clone)]
pub struct Decision {
    pub outcome: Outcome,
    /// Writes that could not be planned, and why.
    pub notes: Vec<String>,
    /// The status, then the comment.
    pub plan: Plan,
}

/// Decides. A rule the template cannot apply is an error naming the
/// template (exit 2).
pub fn decide(f: &Facts, s: &Settings) -> anyhow::Result<Decision> {
    let rules = policy::Settings {
        template: f.template.as_ref().map(|t| t.text.clone()),
        ..s.rules.clone()
    };
    let facts = policy::Facts {
        body: f.body.text.as_deref(),
        author: f.pr.as_ref().map(|p| p.user.login.as_str()),
    };
    let outcome = evaluate(&facts, &rules).with_context(|| match &f.template {
        Some(t) => format!("template {}", t.path),
        None => "settings".to_owned(),
    })?;

    let mut plan = Plan::new(OnFailure::Stop);
    let mut notes = Vec::new();
    if let Some(context) = &s.status_context {
        match (&f.repo, &f.head_sha) {
            (Some(_), Some(sha)) => plan.push(Write::CommitStatus(StatusWrite {
                sha: sha.clone(),
                state: StatusState::from(outcome.verdict),
                context: context.clone(),
                description: status_description(&outcome),
                target_url: f.run_url.clone(),
            })),
            (Some(_), None) => {
                notes.push("--status-context: no head commit to set a status on".to_owned())
            }
            (None, _) => {
                notes.push("--status-context: no repository to set a status in".to_owned())
            }
        }
    }
    if s.comment {
        match (&f.pr, &f.repo, &f.sticky) {
            (Some(pr), Some(repo), Some(existing)) => {
                let target = StickyTarget {
                    repo,
                    issue_number: pr.number,
                    key: GATE,
                    untrusted_author: Some(&pr.user.login),
                };
                plan.writes.extend(plan_for_verdict(
                    &target,
                    existing,
                    outcome.verdict,
                    &comment_body(&outcome),
                    &done_comment_body(),
                ));
            }
            _ => {
                notes.push("--comment: skipped, there is no pull request to comment on".to_owned())
            }
        }
    }
    Ok(Decision {
        outcome,
        notes,
        plan,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Template;
    use crate::source::Body;
    use clap::Parser;
    use gate_runtime::Repo;
    use gate_runtime::Verdict;
    use gate_runtime::api::comment::{ExistingComment, render_body};
    use gate_runtime::event::PullRequest;

    const HEAD: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    fn settings(args: &[&str]) -> Settings {
        let mut argv = vec!["checklist-gate"];
        argv.extend_from_slice(args);
        Settings::new(&crate::cli::Cli::parse_from(argv)).unwrap()
    }

    fn pr(author: &str) -> PullRequest {
        serde_json::from_value(serde_json::json!({
            "number": 2,
            "user": {"login": author},
            "head": {"ref": "feature", "sha": HEAD},
            "base": {"ref": "main", "sha": "b".repeat(40)},
        }))
        .unwrap()
    }

    /// A pull request by `octocat` whose description is `body`, with no
    /// sticky comment yet.
    fn facts(body: &str) -> Facts {
        Facts {
            body: Body {
                text: Some(body.to_owned()),
                source: "pull request #2, fetched live".to_owned(),
            },
            template: None,
            pr: Some(pr("octocat")),
            repo: Some(Repo::parse("acme/shop", "t").unwrap()),
            head_sha: Some(HEAD.to_owned()),
            run_url: Some("https://github.example/acme/shop/actions/runs/1".to_owned()),
            sticky: Some(Vec::new()),
            notes: Vec::new(),
        }
    }

    const OPEN: &str = "- [x] a\n- [ ] b\n- [ ] c\n";
    const DONE: &str = "- [x] a\n";

    fn status(d: &Decision) -> &StatusWrite {
        match &d.plan.writes[..] {
            [Write::CommitStatus(s), ..] => s,
            w => panic!("{w:?}"),
        }
    }

    #[test]
    fn without_the_flags_nothing_is_written() {
        for body in [OPEN, DONE] {
            let d = decide(&facts(body), &settings(&[])).unwrap();
            assert!(d.plan.is_empty(), "{:?}", d.plan);
            assert!(d.notes.is_empty());
        }
        let d = decide(&facts(OPEN), &settings(&[])).unwrap();
        assert_eq!(d.outcome.verdict, Verdict::Fail);
        assert_eq!(d.plan.on_failure, OnFailure::Stop);
    }

    #[test]
    fn the_status_follows_the_verdict_on_the_head_commit() {
        let s = settings(&["--status-context", "trunkline/checklist"]);
        let d = decide(&facts(OPEN), &s).unwrap();
        assert_eq!(
            status(&d),
            &StatusWrite {
                sha: HEAD.to_owned(),
                state: StatusState::Failure,
                context: "trunkline/checklist".to_owned(),
                description: "2 checklist items still to answer".to_owned(),
                target_url: Some("https://github.example/acme/shop/actions/runs/1".to_owned()),
            }
        );
        assert_eq!(d.plan.writes.len(), 1);
        let d = decide(&facts(DONE), &s).unwrap();
        assert_eq!(status(&d).state, StatusState::Success);
        assert_eq!(status(&d).description, "checklist answered");
        // An empty description with nothing required passes with a
        // warning: the status is success.
        let d = decide(&facts(""), &s).unwrap();
        assert_eq!(d.outcome.verdict, Verdict::Warn);
        assert_eq!(status(&d).state, StatusState::Success);
        // A run with no page (a local run) links nowhere.
        let f = Facts {
            run_url: None,
            ..facts(DONE)
        };
        assert_eq!(status(&decide(&f, &s).unwrap()).target_url, None);
    }

    #[test]
    fn a_skipped_author_passes_with_a_status_that_says_so() {
        let s = settings(&["--status-context", "c"]);
        let f = Facts {
            pr: Some(pr("dependabot[bot]")),
            ..facts(OPEN)
        };
        let d = decide(&f, &s).unwrap();
        assert_eq!(d.outcome.verdict, Verdict::Pass);
        assert_eq!(status(&d).state, StatusState::Success);
        assert_eq!(
            status(&d).description,
            "skipped: the author is in --skip-authors"
        );
    }

    #[test]
    fn a_status_needs_a_repository_and_a_commit() {
        let s = settings(&["--status-context", "c"]);
        let f = Facts {
            head_sha: None,
            ..facts(OPEN)
        };
        let d = decide(&f, &s).unwrap();
        assert!(d.plan.is_empty());
        assert_eq!(
            d.notes,
            ["--status-context: no head commit to set a status on"]
        );
        for head_sha in [None, Some(HEAD.to_owned())] {
            let f = Facts {
                repo: None,
                head_sha,
                ..facts(OPEN)
            };
            let d = decide(&f, &s).unwrap();
            assert!(d.plan.is_empty());
            assert_eq!(
                d.notes,
                ["--status-context: no repository to set a status in"]
            );
        }
    }

    #[test]
    fn a_failing_checklist_gets_a_sticky_comment_listing_what_is_open() {
        let d = decide(&facts(OPEN), &settings(&["--comment"])).unwrap();
        let [
            Write::CreateComment {
                issue,
                body,
                sticky,
            },
        ] = &d.plan.writes[..]
        else {
            panic!("{:?}", d.plan)
        };
        assert_eq!(*issue, 2);
        assert_eq!(body, &render_body(GATE, &comment_body(&d.outcome)));
        assert!(body.contains("- [ ] b\n- [ ] c\n"), "{body}");
        assert_eq!(sticky.key, GATE);
        // The author's own comments are never taken for the gate's.
        assert_eq!(sticky.untrusted_author.as_deref(), Some("octocat"));
        assert!(d.notes.is_empty());
    }

    #[test]
    fn the_comment_is_edited_when_it_changes_and_left_alone_when_not() {
        let s = settings(&["--comment"]);
        let outcome = decide(&facts(OPEN), &s).unwrap().outcome;
        let old = |body: &str| {
            Some(vec![ExistingComment {
                id: 9,
                body: Some(render_body(GATE, body)),
            }])
        };
        // Still failing, saying the same: nothing to write.
        let f = Facts {
            sticky: old(&comment_body(&outcome)),
            ..facts(OPEN)
        };
        assert!(decide(&f, &s).unwrap().plan.is_empty());
        // Failing differently: edited in place.
        let f = Facts {
            sticky: old("something else"),
            ..facts(OPEN)
        };
        let d = decide(&f, &s).unwrap();
        assert_eq!(
            d.plan.writes,
            [Write::UpdateComment {
                id: 9,
                body: render_body(GATE, &comment_body(&outcome))
            }]
        );
        // Answered: marked done.
        let f = Facts {
            sticky: old(&comment_body(&outcome)),
            ..facts(DONE)
        };
        let d = decide(&f, &s).unwrap();
        assert_eq!(
            d.plan.writes,
            [Write::UpdateComment {
                id: 9,
                body: render_body(GATE, &done_comment_body())
            }]
        );
        // A duplicate from a race goes.
        let f = Facts {
            sticky: Some(vec![
                ExistingComment {
                    id: 9,
                    body: Some(render_body(GATE, &done_comment_body())),
                },
                ExistingComment {
                    id: 10,
                    body: Some(render_body(GATE, &done_comment_body())),
                },
            ]),
            ..facts(DONE)
        };
        assert_eq!(
            decide(&f, &s).unwrap().plan.writes,
            [Write::DeleteComment { id: 10 }]
        );
    }

    #[test]
    fn a_passing_or_warning_checklist_creates_no_comment() {
        let s = settings(&["--comment"]);
        for body in [DONE, "prose\n", ""] {
            let d = decide(&facts(body), &s).unwrap();
            assert_ne!(d.outcome.verdict, Verdict::Fail);
            assert!(d.plan.is_empty(), "{body:?}: {:?}", d.plan);
            assert!(d.notes.is_empty());
        }
    }

    #[test]
    fn a_comment_needs_a_pull_request() {
        let s = settings(&["--comment"]);
        let no_pr = Facts {
            pr: None,
            sticky: None,
            ..facts(OPEN)
        };
        let no_repo = Facts {
            repo: None,
            sticky: None,
            ..facts(OPEN)
        };
        for f in [no_pr, no_repo] {
            let d = decide(&f, &s).unwrap();
            assert!(d.plan.is_empty());
            assert_eq!(
                d.notes,
                ["--comment: skipped, there is no pull request to comment on"]
            );
        }
    }

    #[test]
    fn the_status_comes_before_the_comment() {
        let s = settings(&["--status-context", "c", "--comment"]);
        let d = decide(&facts(OPEN), &s).unwrap();
        assert!(
            matches!(
                &d.plan.writes[..],
                [Write::CommitStatus(_), Write::CreateComment { .. }]
            ),
            "{:?}",
            d.plan
        );
        // Both skipped: the notes in the same order.
        let f = Facts {
            pr: None,
            repo: None,
            sticky: None,
            ..facts(OPEN)
        };
        assert_eq!(
            decide(&f, &s).unwrap().notes,
            [
                "--status-context: no repository to set a status in",
                "--comment: skipped, there is no pull request to comment on"
            ]
        );
    }

    #[test]
    fn the_template_gathered_at_the_base_defines_the_required_items() {
        let f = Facts {
            template: Some(Template {
                path: ".github/pull_request_template.md".to_owned(),
                text: "- [ ] a\n- [ ] gone\n".to_owned(),
            }),
            ..facts(DONE)
        };
        let d = decide(&f, &settings(&[])).unwrap();
        assert_eq!(d.outcome.verdict, Verdict::Fail);
        assert_eq!(d.outcome.removed, ["gone"]);
        // The settings keep no template of their own.
        assert!(settings(&[]).rules.template.is_none());
    }

    // Regression (#13.13): rules the template cannot apply are an error naming the template.
    #[test]
    fn rules_the_template_cannot_apply_name_the_template() {
        let s = settings(&["--section-rule", "Nowhere=all"]);
        let f = Facts {
            template: Some(Template {
                path: "t.md".to_owned(),
                text: "## Here\n- [ ] a\n".to_owned(),
            }),
            ..facts(DONE)
        };
        let e = format!("{:#}", decide(&f, &s).unwrap_err());
        assert!(
            e.starts_with("template t.md: --section-rule \"Nowhere\""),
            "{e}"
        );
        // With no template, a rule for a heading the description lacks is
        // the description's problem, not an error.
        assert!(decide(&facts(DONE), &s).is_ok());
    }

    #[test]
    fn a_null_description_is_checked_as_empty() {
        let f = Facts {
            body: Body {
                text: None,
                source: "pull request #2, event payload".to_owned(),
            },
            template: Some(Template {
                path: "t.md".to_owned(),
                text: "- [ ] a\n".to_owned(),
            }),
            ..facts("")
        };
        let d = decide(&f, &settings(&["--comment"])).unwrap();
        assert!(d.outcome.empty_body);
        let [Write::CreateComment { body, .. }] = &d.plan.writes[..] else {
            panic!("{:?}", d.plan)
        };
        assert!(
            body.contains("the pull request template was not used"),
            "{body}"
        );
    }
}
