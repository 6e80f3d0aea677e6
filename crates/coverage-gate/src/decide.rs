//! Decide: the verdict, and the writes that go with it. Pure.
//!
//! The packages are held to their baseline ([`crate::ratchet`]) and the
//! changed lines measured ([`crate::patch`]); this adds the plan: the
//! baseline file (`--write-baseline`), the record on the data branch
//! (`--record`, on pushes to the default branch) and the sticky comment
//! (`--comment`, worked out from the comment the pull request has now).
//! Writes the run cannot make are notes saying why.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::bail;
use gate_runtime::Repo;
use gate_runtime::api::comment::{StickyTarget, plan_sticky};
use gate_runtime::plan::{self, OnFailure};

use crate::GATE;
use crate::facts::{Facts, StickyComments};
use crate::model::{Coverage, Totals};
use crate::patch::{SourceFilter, compute, judge};
use crate::ratchet::{self, Baseline, BaselineEntry};
use crate::report::{CoverageReport, FORK_NOTE, LineLinks};
use crate::settings::{BaselineSource, RecordSettings, Settings};
use crate::store;
use crate::world::Situation;

/// `--write-baseline`: the file and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BaselineFile {
    pub path: PathBuf,
    pub text: String,
}

/// How the data branch is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// The Git Data API, in Actions.
    Api,
    /// The local branch of the same name.
    Local,
}

/// `--record`: this commit's numbers, to go on the data branch.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RecordWrite {
    pub branch: String,
    pub sha: String,
    pub record: Baseline,
    /// Records the branch keeps; the oldest are pruned.
    pub keep: usize,
    pub via: Via,
}

impl RecordWrite {
    /// Where the record goes, as the report says it.
    pub(crate) fn place(&self) -> String {
        let path = store::record_path(&self.sha);
        match self.via {
            Via::Api => format!("{}:{path}", self.branch),
            Via::Local => format!("local branch {}:{path}", self.branch),
        }
    }
}

/// The writes the run intends, in the order they are made.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    pub baseline_file: Option<BaselineFile>,
    pub record: Option<RecordWrite>,
    /// The sticky comment, through the runtime's plan door.
    pub api: plan::Plan,
}

impl Plan {
    /// The lines a dry run prints: one per write of the gate's own, then
    /// the API's requests.
    pub(crate) fn dry_run_lines(&self, repo: Option<&Repo>) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(b) = &self.baseline_file {
            lines.push(format!(
                "would write the baseline file {}",
                b.path.display()
            ));
        }
        if let Some(r) = &self.record {
            lines.push(format!("would record {}", r.place()));
        }
        lines.extend(self.api.writes.iter().flat_map(|w| w.dry_run_lines(repo)));
        lines
    }
}

/// What the gate decided.
#[derive(Debug, Clone)]
pub(crate) struct Decision {
    /// The verdict and everything it rests on, as reported before any
    /// write (the sticky comment's body is its Markdown).
    pub findings: CoverageReport,
    /// Why no comment is planned, when `--comment` asked for one.
    pub comment_note: Option<String>,
    pub plan: Plan,
}

/// Decides. A rule that cannot be applied (`--min-patch` with no changed
/// lines, `--require-baseline` with no record, a record with no commit) is
/// an error naming the flag (exit 2).
pub(crate) fn decide(f: &Facts, s: &Settings) -> anyhow::Result<Decision> {
    let sources = SourceFilter::new(&s.sources, &f.merged).map_err(anyhow::Error::msg)?;
    let mut notes = f.reader_notes.clone();
    let mut warnings = Vec::new();
    let baseline = match &f.baseline {
        None => None,
        Some(Ok(found)) => Some(found),
        Some(Err(why)) => {
            if matches!(s.baseline, Some(BaselineSource::Auto { require: true, .. })) {
                bail!("--require-baseline: {why}");
            }
            warnings.push(why.clone());
            None
        }
    };
    let patch = match &f.changed {
        Ok(changed) => {
            notes.push(format!("changed lines: {}", changed.from));
            Some((
                compute(&f.merged, &changed.lines, &sources),
                changed.at.as_str(),
            ))
        }
        // A push lands a change its pull request (or merge group) was
        // judged on: the policy file's --min-patch applies there, and the
        // recording job on main has no base to diff against.
        Err(_) if s.min_patch.is_some() && matches!(f.situation, Situation::Push { .. }) => {
            notes.push(
                "patch coverage: not measured on a push; --min-patch judges pull requests and merge groups".to_owned(),
            );
            None
        }
        Err(why) => {
            if s.min_patch.is_some() {
                bail!("--min-patch: cannot measure the changed lines: {why}");
            }
            if s.base.is_some()
                || matches!(f.situation, Situation::Pr(_) | Situation::MergeGroup { .. })
            {
                notes.push(format!("patch coverage: skipped, {why}"));
            }
            None
        }
    };
    let judgement = patch
        .as_ref()
        .map(|(p, _)| judge(p, s.min_patch, s.unmeasured))
        .unwrap_or_default();
    let total = f.merged.totals();
    let packages = ratchet::evaluate(&f.by_package, &total, baseline.map(|(b, _)| b), &s.ratchet);
    let links = match (&f.repo, &patch) {
        (Some(repo), Some((_, at))) => Some(LineLinks {
            blob_base: format!("{}/{}/blob/{at}", f.server_url, repo.full_name()),
        }),
        _ => None,
    };
    let mut findings = CoverageReport {
        decision: packages,
        total,
        files: f.merged.files.len(),
        baseline: baseline.map(|(_, used)| used.clone()),
        tolerance: s.ratchet.tolerance,
        patch: patch.map(|(p, _)| p),
        judgement,
        warnings,
        notes,
        actions: Vec::new(),
        links,
        prefix: f.prefix.clone(),
    };

    let mut plan = Plan {
        baseline_file: None,
        record: None,
        api: plan::Plan::new(OnFailure::Stop),
    };
    if let Some(path) = &s.write_baseline {
        let b = snapshot(&f.merged, &f.by_package, f.commit.clone());
        plan.baseline_file = Some(BaselineFile {
            path: path.clone(),
            text: serde_json::to_string_pretty(&b)?,
        });
    }
    if let Some(rs) = &s.record {
        match plan_record(f, s, rs)? {
            Ok(w) => plan.record = Some(w),
            Err(note) => findings.notes.push(note),
        }
    }
    let comment_note = if s.comment {
        plan_comment(f, s, &findings, &mut plan.api)?
    } else {
        None
    };
    Ok(Decision {
        findings,
        comment_note,
        plan,
    })
}

/// The record, or the note saying why this run records nothing: only
/// pushes to the default branch (and local runs) record.
fn plan_record(
    f: &Facts,
    s: &Settings,
    rs: &RecordSettings,
) -> anyhow::Result<Result<RecordWrite, String>> {
    if !s.writes {
        return Ok(Err("--record: skipped, this run writes nothing".into()));
    }
    let Some(facts) = &f.record else {
        bail!("internal: --record without the facts it needs");
    };
    match &f.situation {
        Situation::Push { git_ref, .. } => {
            if let Some(d) = &facts.default_branch {
                if *git_ref != format!("refs/heads/{d}") {
                    return Ok(Err(format!(
                        "--record: skipped, a push to {git_ref}; only pushes to the default branch ({d}) record"
                    )));
                }
            }
        }
        Situation::MergeGroup { base_ref, .. } => {
            return Ok(Err(format!(
                "--record: skipped on merge_group; the queue's commit is recorded when it lands on {base_ref}"
            )));
        }
        Situation::Pr(_) => {
            return Ok(Err(
                "--record: skipped on a pull request; only pushes to the default branch record"
                    .into(),
            ));
        }
        Situation::Other(Some(name)) if f.api => {
            return Ok(Err(format!(
                "--record: skipped on {name}; only pushes to the default branch record"
            )));
        }
        Situation::Other(_) => {}
    }
    let sha = facts.sha.clone().map_err(anyhow::Error::msg)?;
    let via = if f.api {
        Via::Api
    } else if f.in_repo {
        Via::Local
    } else {
        bail!(
            "--record: {} is not inside a git repository; run from the checkout",
            f.checkout.display()
        );
    };
    Ok(Ok(RecordWrite {
        branch: s.store_branch.clone(),
        record: snapshot(&f.merged, &f.by_package, Some(sha.clone())),
        sha,
        keep: rs.keep,
        via,
    }))
}

/// Plans the sticky comment (created, or edited to say the findings), or
/// says why there is none.
fn plan_comment(
    f: &Facts,
    s: &Settings,
    findings: &CoverageReport,
    api: &mut plan::Plan,
) -> anyhow::Result<Option<String>> {
    if !s.writes {
        return Ok(Some("--comment: skipped, this run writes nothing".into()));
    }
    let Situation::Pr(pr) = &f.situation else {
        return Ok(Some(
            "--comment: skipped, there is no pull request to comment on".into(),
        ));
    };
    let Some(repo) = f.repo.as_ref().filter(|_| f.api) else {
        return Ok(Some(
            "--comment: skipped, comments are written only inside GitHub Actions".into(),
        ));
    };
    if pr.fork {
        return Ok(Some(format!("--comment: {FORK_NOTE}")));
    }
    let existing = match &f.sticky {
        Some(StickyComments::Found(existing)) => existing,
        Some(StickyComments::Refused) => return Ok(Some(format!("--comment: {FORK_NOTE}"))),
        None => bail!("internal: --comment without the pull request's comments"),
    };
    let target = StickyTarget {
        repo,
        issue_number: pr.number,
        key: GATE,
        untrusted_author: pr.author.as_deref(),
    };
    api.writes.extend(plan_sticky(
        &target,
        existing,
        &findings.markdown(None),
        true,
    ));
    Ok(None)
}

/// This run's numbers as a baseline: per package and per file.
fn snapshot(
    merged: &Coverage,
    by_package: &BTreeMap<String, Totals>,
    commit: Option<String>,
) -> Baseline {
    Baseline {
        format: 1,
        tool: format!("{GATE} {}", env!("CARGO_PKG_VERSION")),
        commit,
        packages: by_package
            .iter()
            .map(|(n, t)| (n.clone(), BaselineEntry::from(t)))
            .collect(),
        files: merged
            .files
            .iter()
            .map(|(p, f)| (p.clone(), BaselineEntry::from(&f.totals())))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{Changed, RecordFacts};
    use crate::report::BaselineUsed;
    use crate::world::Pr;
    use clap::Parser;
    use gate_runtime::Verdict;
    use gate_runtime::api::comment::{ExistingComment, render_body};
    use gate_runtime::plan::Write;
    use gate_runtime::report::GateReport;

    const SHA: &str = "abababababababababababababababababababab";
    const HEAD: &str = "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd";

    fn settings(args: &[&str]) -> Settings {
        let mut argv = vec!["coverage-gate"];
        argv.extend_from_slice(args);
        Settings::new(&crate::cli::Cli::parse_from(argv)).unwrap()
    }

    fn pr(fork: bool) -> Situation {
        Situation::Pr(Pr {
            number: 7,
            base_sha: "b".repeat(40),
            head_sha: HEAD.to_owned(),
            author: Some("octocat".to_owned()),
            fork,
            changed_files: Some(1),
        })
    }

    fn push(git_ref: &str) -> Situation {
        Situation::Push {
            before: Some("e".repeat(40)),
            git_ref: git_ref.to_owned(),
            default_branch: Some("main".to_owned()),
        }
    }

    /// A run in Actions on `situation`: `src/app.py` with 3 of 4 lines
    /// covered, line 4 (uncovered) changed, no sticky comment yet.
    fn facts(situation: Situation) -> Facts {
        let merged = crate::lcov::read(
            "SF:src/app.py\nDA:1,1\nDA:2,1\nDA:3,1\nDA:4,0\nend_of_record\n".as_bytes(),
        )
        .unwrap();
        let mut by_package = BTreeMap::new();
        by_package.insert("src".to_owned(), merged.totals());
        Facts {
            situation,
            merged,
            reader_notes: vec!["r.info: a note from the reader".to_owned()],
            by_package,
            baseline: None,
            changed: Ok(Changed {
                lines: [("src/app.py".to_owned(), vec![3, 4])].into(),
                at: HEAD.to_owned(),
                from: "git diff against the pull request's base".to_owned(),
            }),
            record: Some(RecordFacts {
                default_branch: Some("main".to_owned()),
                sha: Ok(SHA.to_owned()),
            }),
            sticky: Some(StickyComments::Found(Vec::new())),
            prefix: String::new(),
            commit: Some(SHA.to_owned()),
            repo: Some(Repo::parse("acme/shop", "t").unwrap()),
            server_url: "https://github.com".to_owned(),
            api: true,
            in_repo: true,
            checkout: PathBuf::from("/work/checkout"),
        }
    }

    /// A local run (no API) in a checkout, with no event.
    fn local() -> Facts {
        Facts {
            api: false,
            repo: None,
            sticky: None,
            ..facts(Situation::Other(None))
        }
    }

    fn is_empty(p: &Plan) -> bool {
        p.baseline_file.is_none() && p.record.is_none() && p.api.is_empty()
    }

    #[test]
    fn without_the_write_flags_nothing_is_planned() {
        for f in [facts(pr(false)), facts(push("refs/heads/main")), local()] {
            let d = decide(&f, &settings(&[])).unwrap();
            assert!(is_empty(&d.plan), "{:?}", d.plan);
            assert_eq!(d.comment_note, None);
            assert_eq!(d.findings.verdict(), Verdict::Pass);
        }
    }

    #[test]
    fn the_findings_carry_the_notes_patch_and_links() {
        let d = decide(&facts(pr(false)), &settings(&[])).unwrap();
        let r = &d.findings;
        assert_eq!(
            r.notes,
            [
                "r.info: a note from the reader",
                "changed lines: git diff against the pull request's base"
            ]
        );
        let patch = r.patch.as_ref().unwrap();
        assert_eq!((patch.measured, patch.covered), (2, 1));
        assert_eq!(
            r.links.as_ref().unwrap().blob_base,
            format!("https://github.com/acme/shop/blob/{HEAD}")
        );
        assert_eq!(r.files, 1);
        assert!(r.actions.is_empty());
    }

    #[test]
    fn write_baseline_plans_this_runs_numbers() {
        let d = decide(&local(), &settings(&["--write-baseline", "b.json"])).unwrap();
        let b = d.plan.baseline_file.as_ref().unwrap();
        assert_eq!(b.path, PathBuf::from("b.json"));
        let written: Baseline = serde_json::from_str(&b.text).unwrap();
        assert_eq!(written.commit.as_deref(), Some(SHA));
        assert_eq!(written.packages["src"].lines_hit, 3);
        assert_eq!(written.files["src/app.py"].lines_found, 4);
        assert!(written.tool.starts_with("coverage-gate "));
        assert!(d.plan.record.is_none() && d.plan.api.is_empty());
    }

    #[test]
    fn only_pushes_to_the_default_branch_record() {
        let s = settings(&["--record"]);
        let d = decide(&facts(push("refs/heads/main")), &s).unwrap();
        let w = d.plan.record.as_ref().unwrap();
        assert_eq!(
            (w.sha.as_str(), w.keep, w.via, w.branch.as_str()),
            (SHA, 1000, Via::Api, "trunkline-data")
        );
        assert_eq!(w.record.commit.as_deref(), Some(SHA));
        assert_eq!(w.place(), format!("trunkline-data:coverage/ab/{SHA}.json"));
        // Locally, the local branch of the same name.
        let d = decide(&local(), &s).unwrap();
        let w = d.plan.record.as_ref().unwrap();
        assert_eq!(w.via, Via::Local);
        assert_eq!(
            w.place(),
            format!("local branch trunkline-data:coverage/ab/{SHA}.json")
        );
        // Elsewhere: a note, no write.
        for (situation, note) in [
            (
                push("refs/heads/feature"),
                "--record: skipped, a push to refs/heads/feature; only pushes to the default branch (main) record".to_owned(),
            ),
            (
                pr(false),
                "--record: skipped on a pull request; only pushes to the default branch record"
                    .to_owned(),
            ),
            (
                Situation::MergeGroup {
                    base_sha: "b".repeat(40),
                    base_ref: "refs/heads/main".to_owned(),
                },
                "--record: skipped on merge_group; the queue's commit is recorded when it lands on refs/heads/main".to_owned(),
            ),
            (
                Situation::Other(Some("schedule".to_owned())),
                "--record: skipped on schedule; only pushes to the default branch record"
                    .to_owned(),
            ),
        ] {
            let d = decide(&facts(situation), &s).unwrap();
            assert_eq!(d.plan.record, None);
            assert_eq!(d.findings.notes.last(), Some(&note));
        }
        // A push whose default branch is unknown records.
        let mut f = facts(push("refs/heads/feature"));
        f.record = Some(RecordFacts {
            default_branch: None,
            sha: Ok(SHA.to_owned()),
        });
        assert!(decide(&f, &s).unwrap().plan.record.is_some());
    }

    #[test]
    fn a_record_needs_a_commit_and_a_repository() {
        let s = settings(&["--record"]);
        let mut f = local();
        f.record = Some(RecordFacts {
            default_branch: None,
            sha: Err("--sha abc: give the full 40-character commit SHA".to_owned()),
        });
        let e = decide(&f, &s).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--sha abc: give the full 40-character commit SHA"
        );
        let f = Facts {
            in_repo: false,
            ..local()
        };
        let e = decide(&f, &s).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--record: /work/checkout is not inside a git repository; run from the checkout"
        );
    }

    #[test]
    fn the_comment_is_created_then_edited_to_say_the_findings() {
        let s = settings(&["--comment", "--record"]);
        let d = decide(&facts(pr(false)), &s).unwrap();
        let [
            Write::CreateComment {
                issue,
                body,
                sticky,
            },
        ] = &d.plan.api.writes[..]
        else {
            panic!("{:?}", d.plan)
        };
        assert_eq!(*issue, 7);
        assert_eq!(body, &render_body(GATE, &d.findings.markdown(None)));
        // The record's note is part of what the comment says.
        assert!(
            body.contains("--record: skipped on a pull request"),
            "{body}"
        );
        assert!(body.contains("#### Patch coverage: 50.00%"), "{body}");
        assert_eq!(sticky.key, GATE);
        assert_eq!(sticky.untrusted_author.as_deref(), Some("octocat"));
        assert_eq!(d.comment_note, None);

        // The comment there says the same: nothing to write.
        let existing = |text: &str| {
            StickyComments::Found(vec![ExistingComment {
                id: 9,
                body: Some(text.to_owned()),
            }])
        };
        let f = Facts {
            sticky: Some(existing(body)),
            ..facts(pr(false))
        };
        assert!(decide(&f, &s).unwrap().plan.api.is_empty());
        // It says something else: edited in place.
        let f = Facts {
            sticky: Some(existing("old")),
            ..facts(pr(false))
        };
        assert_eq!(
            decide(&f, &s).unwrap().plan.api.writes,
            [Write::UpdateComment {
                id: 9,
                body: body.clone()
            }]
        );
    }

    #[test]
    fn a_comment_that_cannot_be_written_is_a_note() {
        let s = settings(&["--comment"]);
        let fork_note = format!("--comment: {FORK_NOTE}");
        for (f, note) in [
            (facts(pr(true)), fork_note.clone()),
            (
                Facts {
                    sticky: Some(StickyComments::Refused),
                    ..facts(pr(false))
                },
                fork_note,
            ),
            (
                facts(push("refs/heads/main")),
                "--comment: skipped, there is no pull request to comment on".to_owned(),
            ),
            (
                Facts {
                    situation: pr(false),
                    ..local()
                },
                "--comment: skipped, comments are written only inside GitHub Actions".to_owned(),
            ),
        ] {
            let d = decide(&f, &s).unwrap();
            assert!(d.plan.api.is_empty(), "{:?}", d.plan);
            assert_eq!(d.comment_note, Some(note));
        }
    }

    #[test]
    fn a_run_that_writes_nothing_says_so() {
        let s = Settings {
            writes: false,
            ..settings(&["--record", "--comment", "--write-baseline", "b.json"])
        };
        let f = Facts {
            record: None,
            sticky: None,
            ..facts(pr(false))
        };
        let d = decide(&f, &s).unwrap();
        assert!(d.plan.record.is_none() && d.plan.api.is_empty());
        // The file is still the run's to write.
        assert!(d.plan.baseline_file.is_some());
        assert_eq!(
            d.findings.notes.last().map(String::as_str),
            Some("--record: skipped, this run writes nothing")
        );
        assert_eq!(
            d.comment_note.as_deref(),
            Some("--comment: skipped, this run writes nothing")
        );
    }

    #[test]
    fn a_missing_baseline_warns_unless_required() {
        let why = "no coverage record on trunkline-data".to_owned();
        let f = Facts {
            baseline: Some(Err(why.clone())),
            ..facts(pr(false))
        };
        let d = decide(&f, &settings(&["--baseline", "auto"])).unwrap();
        assert_eq!(d.findings.warnings, std::slice::from_ref(&why));
        assert_eq!(d.findings.verdict(), Verdict::Warn);
        let e = decide(&f, &settings(&["--baseline", "auto", "--require-baseline"])).unwrap_err();
        assert_eq!(e.to_string(), format!("--require-baseline: {why}"));
        // A baseline found is compared with.
        let used = BaselineUsed {
            commit: Some(SHA.to_owned()),
            distance: Some(1),
            source: "trunkline-data:coverage/ab/x.json".to_owned(),
            from: Some("f".repeat(40)),
        };
        let mut b: Baseline = serde_json::from_str(
            &decide(&local(), &settings(&["--write-baseline", "b.json"]))
                .unwrap()
                .plan
                .baseline_file
                .unwrap()
                .text,
        )
        .unwrap();
        b.packages.get_mut("src").unwrap().lines_hit = 4;
        b.packages.get_mut("src").unwrap().statements_hit = 4;
        let f = Facts {
            baseline: Some(Ok((b, used.clone()))),
            ..facts(pr(false))
        };
        let d = decide(&f, &settings(&["--baseline", "auto"])).unwrap();
        assert_eq!(d.findings.baseline, Some(used));
        assert_eq!(d.findings.verdict(), Verdict::Fail);
    }

    #[test]
    fn without_changed_lines_min_patch_cannot_decide() {
        let f = Facts {
            changed: Err("there is no base to diff against".to_owned()),
            ..facts(pr(false))
        };
        let e = decide(&f, &settings(&["--min-patch", "80"])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--min-patch: cannot measure the changed lines: there is no base to diff against"
        );
        let d = decide(&f, &settings(&[])).unwrap();
        assert_eq!(d.findings.patch, None);
        assert_eq!(
            d.findings.notes.last().map(String::as_str),
            Some("patch coverage: skipped, there is no base to diff against")
        );
        // Where no diff was expected, nothing is said.
        let f = Facts {
            changed: Err("no base".to_owned()),
            ..local()
        };
        let d = decide(&f, &settings(&[])).unwrap();
        assert_eq!(d.findings.notes, ["r.info: a note from the reader"]);
    }

    #[test]
    fn a_dry_run_prints_the_writes_in_plan_order() {
        let s = settings(&["--comment", "--record", "--write-baseline", "b.json"]);
        let mut f = facts(push("refs/heads/main"));
        let d = decide(&f, &s).unwrap();
        let lines = d.plan.dry_run_lines(f.repo.as_ref());
        assert_eq!(
            lines,
            [
                "would write the baseline file b.json".to_owned(),
                format!("would record trunkline-data:coverage/ab/{SHA}.json"),
            ]
        );
        f.situation = pr(false);
        let d = decide(&f, &s).unwrap();
        let lines = d.plan.dry_run_lines(f.repo.as_ref());
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[1].starts_with("would POST /repos/acme/shop/issues/7/comments "),
            "{lines:?}"
        );
    }
}
