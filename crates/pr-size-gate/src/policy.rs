//! The rules, as a pure function from facts and settings to a verdict.

use gate_runtime::Verdict;
use schemars::JsonSchema;
use serde::Serialize;

/// One changed file, as either source reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Change {
    pub path: String,
    /// The path before a rename; absent when not renamed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_path: Option<String>,
    /// Lines added (0 for a binary file).
    pub additions: u64,
    /// Lines deleted (0 for a binary file).
    pub deletions: u64,
    /// Git sees the file as binary; it counts 0 lines.
    pub binary: bool,
}

/// A size bucket: the label applies up to `max` lines (the last has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub name: String,
    pub max: Option<u64>,
}

/// Parses `XS=10,S=100,M=400,L=800,XL`.
pub fn parse_buckets(spec: &str) -> Result<Vec<Bucket>, String> {
    let mut buckets = Vec::new();
    let mut last_max = None::<u64>;
    let parts: Vec<&str> = spec
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    for (i, part) in parts.iter().enumerate() {
        let (name, max) = match part.split_once('=') {
            Some((n, m)) => {
                let m: u64 = m.trim().parse().map_err(|_| {
                    format!("bucket {part:?}: the limit must be a whole number of lines")
                })?;
                (n.trim(), Some(m))
            }
            None => (*part, None),
        };
        if name.is_empty() {
            return Err(format!("bucket {part:?}: the name is empty"));
        }
        if max.is_none() && i + 1 != parts.len() {
            return Err(format!(
                "bucket {part:?}: only the last bucket may have no limit"
            ));
        }
        if let (Some(prev), Some(m)) = (last_max, max) {
            if m <= prev {
                return Err(format!("bucket {part:?}: limits must increase"));
            }
        }
        last_max = max.or(last_max);
        buckets.push(Bucket {
            name: name.to_owned(),
            max,
        });
    }
    if buckets.last().is_none_or(|b| b.max.is_some()) {
        return Err("the last bucket must have no limit, as in XS=10,S=100,M=400,L=800,XL".into());
    }
    Ok(buckets)
}

/// The bucket name for a line count.
pub fn size_label(buckets: &[Bucket], lines: u64) -> String {
    buckets
        .iter()
        .find(|b| b.max.is_none_or(|m| lines <= m))
        .map(|b| b.name.clone())
        .unwrap_or_default()
}

/// The limits.
#[derive(Debug, Clone)]
pub struct Settings {
    pub max_lines: u64,
    pub warn_lines: Option<u64>,
    pub max_files: Option<usize>,
    /// In hours.
    pub max_branch_age_hours: Option<f64>,
    pub max_branch_age_text: Option<String>,
    pub max_prs_per_day: Option<u64>,
    pub bypass_label: Option<String>,
    pub skip_drafts: bool,
    pub buckets: Vec<Bucket>,
}

/// Everything gathered about the PR.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub changes: Vec<Change>,
    /// For each change, why it does not count (same order as `changes`).
    pub ignored: Vec<Option<String>>,
    pub branch_age_hours: Option<f64>,
    pub prs_today: Option<PrsToday>,
    pub draft: bool,
    pub labels: Vec<String>,
}

/// The author's PRs on one calendar day.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct PrsToday {
    /// The author's login.
    pub author: String,
    /// The calendar day, `YYYY-MM-DD`, in `timezone`.
    pub day: String,
    /// The IANA time zone the day is counted in.
    pub timezone: String,
    /// How many pull requests the author opened that day.
    pub count: u64,
    /// Their numbers.
    pub numbers: Vec<u64>,
}

/// An ignored file and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Ignored {
    pub path: String,
    /// Why it does not count (the rule or attribute that matched).
    pub reason: String,
}

/// The decision, with every number the reporters need.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub verdict: Verdict,
    pub reasons: Vec<String>,
    /// Problems found, before any bypass; empty when all limits hold.
    pub violations: Vec<String>,
    pub bypassed_by: Option<String>,
    pub skipped_draft: bool,
    pub counted_lines: u64,
    pub additions: u64,
    pub deletions: u64,
    pub counted: Vec<Change>,
    pub ignored: Vec<Ignored>,
    pub size_label: String,
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Applies the rules.
pub fn evaluate(facts: &Facts, s: &Settings) -> Outcome {
    let mut counted = Vec::new();
    let mut ignored = Vec::new();
    for (i, change) in facts.changes.iter().enumerate() {
        match facts.ignored.get(i).cloned().flatten() {
            Some(reason) => ignored.push(Ignored {
                path: change.path.clone(),
                reason,
            }),
            None => counted.push(change.clone()),
        }
    }
    let additions: u64 = counted.iter().map(|c| c.additions).sum();
    let deletions: u64 = counted.iter().map(|c| c.deletions).sum();
    let lines = additions + deletions;
    let size_label = size_label(&s.buckets, lines);
    let base = |verdict, reasons| Outcome {
        verdict,
        reasons,
        violations: Vec::new(),
        bypassed_by: None,
        skipped_draft: false,
        counted_lines: lines,
        additions,
        deletions,
        counted: counted.clone(),
        ignored: ignored.clone(),
        size_label: size_label.clone(),
    };

    if s.skip_drafts && facts.draft {
        let mut o = base(
            Verdict::Pass,
            vec!["draft pull request: not checked (--skip-drafts)".into()],
        );
        o.skipped_draft = true;
        return o;
    }

    let mut violations = Vec::new();
    let mut warnings = Vec::new();
    let lines_text = plural(lines, "changed line", "changed lines");
    if lines > s.max_lines {
        violations.push(format!("{lines_text}, over the limit of {}", s.max_lines));
    } else if let Some(w) = s.warn_lines.filter(|w| lines > *w) {
        warnings.push(format!(
            "{lines_text}, over the warning threshold of {w} (limit {})",
            s.max_lines
        ));
    }
    if let Some(max) = s.max_files {
        if counted.len() > max {
            violations.push(format!(
                "{} counted, over the limit of {max}",
                plural(counted.len() as u64, "file", "files")
            ));
        }
    }
    if let (Some(max), Some(age)) = (s.max_branch_age_hours, facts.branch_age_hours) {
        if age > max {
            violations.push(format!(
                "the branch is {age:.1} hours old, over the limit of {}",
                s.max_branch_age_text
                    .clone()
                    .unwrap_or_else(|| format!("{max}h"))
            ));
        }
    }
    if let (Some(max), Some(prs)) = (s.max_prs_per_day, &facts.prs_today) {
        if prs.count > max {
            violations.push(format!(
                "{} opened {} on {} ({}), over the limit of {max}",
                prs.author,
                plural(prs.count, "pull request", "pull requests"),
                prs.day,
                prs.timezone
            ));
        }
    }

    let bypass = s
        .bypass_label
        .as_ref()
        .filter(|l| facts.labels.iter().any(|have| have == *l));
    let mut o = if violations.is_empty() {
        let verdict = if warnings.is_empty() {
            Verdict::Pass
        } else {
            Verdict::Warn
        };
        let mut reasons = warnings;
        if reasons.is_empty() {
            reasons.push(format!("{lines_text}, within the limit of {}", s.max_lines));
        }
        base(verdict, reasons)
    } else if let Some(label) = bypass {
        let mut reasons = vec![format!(
            "bypassed by the label {label:?}; without it the gate would fail:"
        )];
        reasons.extend(violations.iter().cloned());
        let mut o = base(Verdict::Pass, reasons);
        o.bypassed_by = Some(label.clone());
        o
    } else {
        base(Verdict::Fail, violations.clone())
    };
    o.violations = violations;
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            max_lines: 400,
            warn_lines: None,
            max_files: None,
            max_branch_age_hours: None,
            max_branch_age_text: None,
            max_prs_per_day: None,
            bypass_label: None,
            skip_drafts: false,
            buckets: parse_buckets("XS=10,S=100,M=400,L=800,XL").unwrap(),
        }
    }

    fn change(path: &str, a: u64, d: u64) -> Change {
        Change {
            path: path.into(),
            old_path: None,
            additions: a,
            deletions: d,
            binary: false,
        }
    }

    fn facts(changes: Vec<Change>) -> Facts {
        let n = changes.len();
        Facts {
            changes,
            ignored: vec![None; n],
            ..Facts::default()
        }
    }

    #[test]
    fn counts_additions_plus_deletions() {
        let o = evaluate(
            &facts(vec![change("a", 150, 50), change("b", 100, 100)]),
            &settings(),
        );
        assert_eq!(o.counted_lines, 400);
        assert_eq!(o.verdict, Verdict::Pass);
        assert_eq!(o.size_label, "M");
        let o = evaluate(&facts(vec![change("a", 401, 0)]), &settings());
        assert_eq!(o.verdict, Verdict::Fail);
        assert_eq!(o.reasons, vec!["401 changed lines, over the limit of 400"]);
        assert_eq!(o.size_label, "L");
    }

    #[test]
    fn ignored_files_do_not_count() {
        let mut f = facts(vec![change("Cargo.lock", 5000, 10), change("a.rs", 3, 1)]);
        f.ignored[0] = Some("lockfile".into());
        let o = evaluate(&f, &settings());
        assert_eq!(o.counted_lines, 4);
        assert_eq!(
            o.ignored,
            vec![Ignored {
                path: "Cargo.lock".into(),
                reason: "lockfile".into()
            }]
        );
        assert_eq!(o.size_label, "XS");
    }

    #[test]
    fn warn_band() {
        let s = Settings {
            warn_lines: Some(300),
            ..settings()
        };
        let o = evaluate(&facts(vec![change("a", 301, 0)]), &s);
        assert_eq!(o.verdict, Verdict::Warn);
        let o = evaluate(&facts(vec![change("a", 300, 0)]), &s);
        assert_eq!(o.verdict, Verdict::Pass);
    }

    #[test]
    fn max_files() {
        let s = Settings {
            max_files: Some(1),
            ..settings()
        };
        let o = evaluate(&facts(vec![change("a", 1, 0), change("b", 1, 0)]), &s);
        assert_eq!(o.verdict, Verdict::Fail);
        assert!(o.reasons[0].contains("2 files counted"));
    }

    #[test]
    fn branch_age_and_prs_per_day() {
        let s = Settings {
            max_branch_age_hours: Some(48.0),
            max_branch_age_text: Some("2d".into()),
            max_prs_per_day: Some(1),
            ..settings()
        };
        let mut f = facts(vec![change("a", 1, 0)]);
        f.branch_age_hours = Some(48.0);
        f.prs_today = Some(PrsToday {
            author: "mona".into(),
            day: "2026-11-20".into(),
            timezone: "UTC".into(),
            count: 1,
            numbers: vec![3],
        });
        assert_eq!(evaluate(&f, &s).verdict, Verdict::Pass);
        f.branch_age_hours = Some(48.5);
        f.prs_today.as_mut().unwrap().count = 2;
        let o = evaluate(&f, &s);
        assert_eq!(o.verdict, Verdict::Fail);
        assert_eq!(o.reasons.len(), 2);
        assert!(o.reasons[0].contains("48.5 hours old, over the limit of 2d"));
        assert!(o.reasons[1].contains("mona opened 2 pull requests on 2026-11-20 (UTC)"));
    }

    #[test]
    fn bypass_label_passes_with_the_numbers() {
        let s = Settings {
            bypass_label: Some("size/override".into()),
            ..settings()
        };
        let mut f = facts(vec![change("a", 900, 0)]);
        f.labels = vec!["size/override".into()];
        let o = evaluate(&f, &s);
        assert_eq!(o.verdict, Verdict::Pass);
        assert_eq!(o.bypassed_by.as_deref(), Some("size/override"));
        assert_eq!(o.counted_lines, 900);
        assert!(o.reasons[0].contains("size/override"));
        assert_eq!(o.violations.len(), 1);
    }

    #[test]
    fn drafts_skip_when_asked() {
        let s = Settings {
            skip_drafts: true,
            ..settings()
        };
        let mut f = facts(vec![change("a", 900, 0)]);
        f.draft = true;
        let o = evaluate(&f, &s);
        assert_eq!(o.verdict, Verdict::Pass);
        assert!(o.skipped_draft);
        f.draft = false;
        assert_eq!(evaluate(&f, &s).verdict, Verdict::Fail);
    }

    #[test]
    fn buckets() {
        let b = parse_buckets("XS=10,S=100,M=400,L=800,XL").unwrap();
        assert_eq!(size_label(&b, 0), "XS");
        assert_eq!(size_label(&b, 10), "XS");
        assert_eq!(size_label(&b, 11), "S");
        assert_eq!(size_label(&b, 800), "L");
        assert_eq!(size_label(&b, 801), "XL");
        assert!(parse_buckets("S=100,XS=10,XL").is_err());
        assert!(parse_buckets("XS=10,S=100").is_err());
        assert!(parse_buckets("XS,S=100,XL").is_err());
        assert!(parse_buckets("XS=ten,XL").is_err());
        assert_eq!(parse_buckets("tiny=50, huge").unwrap().len(), 2);
    }
}
