//! Decide: the policy's verdict, and the writes that go with it.
//!
//! Pure: the limits are checked by [`crate::policy::evaluate`]; this adds
//! the plan (the size label, with stale size labels removed, and the sticky
//! comment while the PR fails or once it is resolved), worked out from the
//! labels and comment the PR has now.

use gate_runtime::api::comment::{StickyTarget, plan_for_verdict};
use gate_runtime::plan::{OnFailure, Plan, Write};

use crate::GATE;
use crate::facts::Facts;
use crate::policy::{Bucket, Outcome, evaluate};
use crate::report::{comment_body, resolved_comment_body};
use crate::settings::Settings;

/// What the gate decided.
#[derive(Debug, Clone)]
pub struct Decision {
    pub outcome: Outcome,
    /// Writes that could not be planned, and why.
    pub notes: Vec<String>,
    /// The labels, then the comment.
    pub plan: Plan,
}

/// Decides.
pub fn decide(f: &Facts, s: &Settings) -> Decision {
    let outcome = evaluate(&f.counted, &s.limits);
    let mut plan = Plan::new(OnFailure::Stop);
    let mut notes = Vec::new();
    if s.label_prefix.is_some() || s.comment {
        match (&f.repo, f.number) {
            (Some(repo), Some(number)) => {
                if let (Some(prefix), Some(now)) = (&s.label_prefix, &f.labels_now) {
                    plan.writes.extend(size_labels(
                        number,
                        prefix,
                        &s.limits.buckets,
                        &outcome.size_label,
                        now,
                    ));
                }
                if let Some(existing) = &f.sticky {
                    let target = StickyTarget {
                        repo,
                        issue_number: number,
                        key: GATE,
                        untrusted_author: f.pr.as_ref().map(|p| p.user.login.as_str()),
                    };
                    plan.writes.extend(plan_for_verdict(
                        &target,
                        existing,
                        outcome.verdict,
                        &comment_body(&outcome, &s.limits),
                        &resolved_comment_body(&outcome, &s.limits),
                    ));
                }
            }
            _ => notes.push(
                "--label/--comment: skipped, there is no pull request to write to".to_owned(),
            ),
        }
    }
    Decision {
        outcome,
        notes,
        plan,
    }
}

/// `PREFIX+label` on the PR, and the other size labels this gate owns off.
pub fn size_labels(
    issue: u64,
    prefix: &str,
    buckets: &[Bucket],
    label: &str,
    now: &[String],
) -> Vec<Write> {
    let wanted = format!("{prefix}{label}");
    let ours: Vec<String> = buckets
        .iter()
        .map(|b| format!("{prefix}{}", b.name))
        .collect();
    let mut writes: Vec<Write> = now
        .iter()
        .filter(|l| ours.contains(l) && **l != wanted)
        .map(|l| Write::RemoveLabel {
            issue,
            label: l.clone(),
        })
        .collect();
    if !now.contains(&wanted) {
        writes.push(Write::AddLabels {
            issue,
            labels: vec![wanted],
        });
    }
    writes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Source;
    use crate::policy::{self, Change, parse_buckets};
    use clap::Parser;
    use gate_runtime::Repo;
    use gate_runtime::api::comment::{ExistingComment, render_body};

    fn settings(args: &[&str]) -> Settings {
        let mut argv = vec!["pr-size-gate"];
        argv.extend_from_slice(args);
        Settings::new(&crate::cli::Cli::parse_from(argv)).unwrap()
    }

    fn facts(lines: u64) -> Facts {
        Facts {
            counted: policy::Facts {
                changes: vec![Change {
                    path: "src/a.rs".into(),
                    old_path: None,
                    additions: lines,
                    deletions: 0,
                    binary: false,
                }],
                ignored: vec![None],
                ..policy::Facts::default()
            },
            source: Source::Api {
                pr: 5,
                base: "b".into(),
                head: "h".into(),
            },
            pr: None,
            number: Some(5),
            repo: Some(Repo::parse("acme/shop", "t").unwrap()),
            labels_now: Some(Vec::new()),
            sticky: Some(Vec::new()),
            notes: Vec::new(),
        }
    }

    #[test]
    fn a_large_pr_gets_its_label_and_a_comment() {
        let s = settings(&["--label", "--comment"]);
        let d = decide(&facts(900), &s);
        let [
            Write::AddLabels { issue, labels },
            Write::CreateComment { body, .. },
        ] = &d.plan.writes[..]
        else {
            panic!("{:?}", d.plan)
        };
        assert_eq!(
            (*issue, labels.as_slice()),
            (5, ["size/XL".to_owned()].as_slice())
        );
        assert!(body.contains("this pull request is too large"), "{body}");
        assert!(body.ends_with("<!-- trunkline:pr-size-gate -->"));
    }

    #[test]
    fn stale_size_labels_go_and_a_passing_pr_resolves_its_comment() {
        let s = settings(&["--label", "--comment"]);
        let f = Facts {
            labels_now: Some(vec!["size/XL".into(), "bug".into(), "size/XS".into()]),
            sticky: Some(vec![ExistingComment {
                id: 9,
                body: Some(render_body(GATE, "too large")),
            }]),
            ..facts(5)
        };
        let d = decide(&f, &s);
        assert_eq!(
            d.plan.writes[..1],
            [Write::RemoveLabel {
                issue: 5,
                label: "size/XL".into()
            }]
        );
        let Write::UpdateComment { id, body } = &d.plan.writes[1] else {
            panic!("{:?}", d.plan)
        };
        assert_eq!(*id, 9);
        assert!(body.contains("resolved"), "{body}");
    }

    #[test]
    fn nothing_is_written_without_the_flags_or_a_pull_request() {
        assert!(decide(&facts(900), &settings(&[])).plan.is_empty());
        let f = Facts {
            number: None,
            ..facts(900)
        };
        let d = decide(&f, &settings(&["--comment"]));
        assert!(d.plan.is_empty());
        assert!(d.notes[0].contains("no pull request to write to"));
        // A passing PR with no comment gets none.
        assert!(decide(&facts(5), &settings(&["--comment"])).plan.is_empty());
    }

    #[test]
    fn the_right_label_already_there_is_left_alone() {
        let buckets = parse_buckets("S=10,L").unwrap();
        assert!(size_labels(1, "size/", &buckets, "S", &["size/S".into()]).is_empty());
        assert_eq!(
            size_labels(1, "sz-", &buckets, "L", &["size/S".into()]),
            [Write::AddLabels {
                issue: 1,
                labels: vec!["sz-L".into()]
            }]
        );
    }
}
