//! The baseline ratchet: each package keeps its coverage or improves it.
//!
//! A package fails when its coverage dropped by more than the tolerance
//! *and* its number of uncovered lines grew. Deleting covered code lowers
//! the percentage without adding uncovered lines, so it passes; deleting
//! tests turns covered lines uncovered, so it fails. `--strict` fails on the
//! percentage alone. Branches follow the same rule when both sides have them.
//! Pure: totals and a baseline in, verdicts out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::Totals;

/// What the baseline file records per package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub lines_found: u64,
    pub lines_hit: u64,
    /// The gate's unit (see [`Totals::statements_found`]); absent from
    /// baselines written before it, which count lines.
    #[serde(default)]
    pub statements_found: u64,
    #[serde(default)]
    pub statements_hit: u64,
    #[serde(default)]
    pub branches_found: u64,
    #[serde(default)]
    pub branches_hit: u64,
}

impl BaselineEntry {
    /// `(found, hit)` in the gate's unit, as [`Totals::coverage`].
    pub fn coverage(&self) -> (u64, u64) {
        self.totals().coverage()
    }

    fn totals(&self) -> Totals {
        Totals {
            lines_found: self.lines_found,
            lines_hit: self.lines_hit,
            statements_found: self.statements_found,
            statements_hit: self.statements_hit,
            ..Totals::default()
        }
    }
}

impl From<&Totals> for BaselineEntry {
    fn from(t: &Totals) -> Self {
        Self {
            lines_found: t.lines_found,
            lines_hit: t.lines_hit,
            statements_found: t.statements_found,
            statements_hit: t.statements_hit,
            branches_found: t.branches_found,
            branches_hit: t.branches_hit,
        }
    }
}

/// The baseline file, written on main with `--write-baseline`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub format: u32,
    pub tool: String,
    #[serde(default)]
    pub commit: Option<String>,
    pub packages: BTreeMap<String, BaselineEntry>,
    /// The same counts per file (records on the data branch keep them).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, BaselineEntry>,
}

impl Baseline {
    /// Whether the file is one this version reads, with sane counts.
    pub fn check(&self) -> Result<(), String> {
        if self.format != 1 {
            return Err(format!(
                "format {} is not one this version reads (1)",
                self.format
            ));
        }
        for (name, e) in self.packages.iter().chain(&self.files) {
            if e.lines_hit > e.lines_found
                || e.statements_hit > e.statements_found
                || e.branches_hit > e.branches_found
            {
                return Err(format!("package {name:?} records more hit than found"));
            }
        }
        Ok(())
    }
}

/// Uncovered = found - hit, as a signed difference of two such counts.
fn uncovered_delta(now: (u64, u64), base: (u64, u64)) -> i64 {
    let uncovered =
        |(found, hit): (u64, u64)| i64::try_from(found.saturating_sub(hit)).unwrap_or(i64::MAX);
    uncovered(now).saturating_sub(uncovered(base))
}

/// The settings.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Percentage points a package may drop.
    pub tolerance: f64,
    pub strict: bool,
    pub min_new_package: Option<f64>,
    pub min_total: Option<f64>,
}

/// One package's result. The baseline percentage and the deltas are in
/// the gate's unit: statements for Go, lines for the rest.
#[derive(Debug, Clone, PartialEq)]
pub struct PackageResult {
    pub name: String,
    pub lines_found: u64,
    pub lines_hit: u64,
    pub line_percent: Option<f64>,
    pub statements_found: u64,
    pub statements_hit: u64,
    /// The package's coverage in the gate's unit: Go's own percentage for
    /// Go, the line percentage otherwise.
    pub statement_percent: Option<f64>,
    pub baseline_line_percent: Option<f64>,
    pub delta: Option<f64>,
    pub uncovered_delta: Option<i64>,
    pub fail: bool,
    pub reasons: Vec<String>,
}

/// The decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub fail: bool,
    pub reasons: Vec<String>,
    pub packages: Vec<PackageResult>,
    pub removed: Vec<String>,
}

/// What the gate counts for these totals: Go's statements, else lines.
pub fn unit(t: &Totals) -> &'static str {
    if t.has_go_statements() {
        "statement"
    } else {
        "line"
    }
}

fn pct(hit: u64, found: u64) -> Option<f64> {
    (found > 0).then(|| hit as f64 * 100.0 / found as f64)
}

/// Whether one measure (lines or branches) regressed.
fn regressed(now: (u64, u64), base: (u64, u64), s: &Settings) -> Option<(f64, i64)> {
    let (Some(p_now), Some(p_base)) = (pct(now.1, now.0), pct(base.1, base.0)) else {
        return None;
    };
    let drop = p_base - p_now;
    let uncovered_delta = uncovered_delta(now, base);
    let fails = drop > s.tolerance + 1e-9 && (s.strict || uncovered_delta > 0);
    fails.then_some((drop, uncovered_delta))
}

/// Holds every package to its baseline.
pub fn evaluate(
    packages: &BTreeMap<String, Totals>,
    total: &Totals,
    baseline: Option<&Baseline>,
    s: &Settings,
) -> Decision {
    let mut reasons = Vec::new();
    let mut results = Vec::new();
    for (name, now) in packages {
        let base = baseline.and_then(|b| b.packages.get(name));
        let percent = now.coverage_percent();
        let unit = unit(now);
        let (found, hit) = now.coverage();
        let mut r = PackageResult {
            name: name.clone(),
            lines_found: now.lines_found,
            lines_hit: now.lines_hit,
            line_percent: now.line_percent(),
            statements_found: found,
            statements_hit: hit,
            statement_percent: percent,
            baseline_line_percent: base.and_then(|b| {
                let (found, hit) = b.coverage();
                pct(hit, found)
            }),
            delta: None,
            uncovered_delta: None,
            fail: false,
            reasons: Vec::new(),
        };
        match base {
            Some(b) => {
                r.delta = r.baseline_line_percent.zip(percent).map(|(b, n)| n - b);
                r.uncovered_delta = Some(uncovered_delta(now.coverage(), b.coverage()));
                if let Some((drop, grew)) = regressed(now.coverage(), b.coverage(), s) {
                    r.fail = true;
                    r.reasons.push(format!(
                        "{name}: {unit} coverage fell {drop:.2} points to {:.2}% ({grew:+} uncovered {unit}s)",
                        percent.unwrap_or(0.0)
                    ));
                }
                if b.branches_found > 0 && now.branches_found > 0 {
                    if let Some((drop, grew)) = regressed(
                        (now.branches_found, now.branches_hit),
                        (b.branches_found, b.branches_hit),
                        s,
                    ) {
                        r.fail = true;
                        r.reasons.push(format!(
                            "{name}: branch coverage fell {drop:.2} points ({grew:+} uncovered branches)"
                        ));
                    }
                }
            }
            None => {
                if let (Some(min), Some(p)) = (s.min_new_package, percent) {
                    if p + 1e-9 < min {
                        r.fail = true;
                        r.reasons.push(format!("{name}: a new package at {p:.2}%, below the floor of {min}% for new packages"));
                    }
                }
            }
        }
        reasons.extend(r.reasons.iter().cloned());
        results.push(r);
    }
    if let (Some(min), Some(p)) = (s.min_total, total.coverage_percent()) {
        if p + 1e-9 < min {
            reasons.push(format!(
                "total {} coverage {p:.2}% is below {min}%",
                unit(total)
            ));
        }
    }
    let removed: Vec<String> = baseline
        .map(|b| {
            b.packages
                .keys()
                .filter(|k| !packages.contains_key(*k))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let fail = !reasons.is_empty();
    for name in &removed {
        reasons.push(format!("{name}: in the baseline, gone now (not a failure)"));
    }
    Decision {
        fail,
        reasons,
        packages: results,
        removed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(found: u64, hit: u64) -> Totals {
        Totals {
            lines_found: found,
            lines_hit: hit,
            ..Totals::default()
        }
    }

    fn baseline(entries: &[(&str, u64, u64)]) -> Baseline {
        Baseline {
            format: 1,
            tool: "test".into(),
            commit: None,
            packages: entries
                .iter()
                .map(|(n, f, h)| {
                    (
                        (*n).to_owned(),
                        BaselineEntry {
                            lines_found: *f,
                            lines_hit: *h,
                            statements_found: *f,
                            statements_hit: *h,
                            branches_found: 0,
                            branches_hit: 0,
                        },
                    )
                })
                .collect(),
            files: BTreeMap::new(),
        }
    }

    fn run(now: &[(&str, u64, u64)], base: &Baseline, s: &Settings) -> Decision {
        let packages: BTreeMap<String, Totals> = now
            .iter()
            .map(|(n, f, h)| ((*n).to_owned(), t(*f, *h)))
            .collect();
        let mut total = Totals::default();
        packages.values().for_each(|p| total.add(p));
        evaluate(&packages, &total, Some(base), s)
    }

    #[test]
    fn a_package_that_drops_fails() {
        // Tests deleted: 10 covered lines become uncovered.
        let d = run(
            &[("core", 100, 80)],
            &baseline(&[("core", 100, 90)]),
            &Settings::default(),
        );
        assert!(d.fail);
        assert_eq!(d.packages[0].uncovered_delta, Some(10));
        assert!(
            d.reasons[0].contains("fell 10.00 points"),
            "{:?}",
            d.reasons
        );
    }

    #[test]
    fn deleting_covered_code_passes() {
        // 20 covered lines removed: the percentage falls, uncovered does not grow.
        let d = run(
            &[("core", 80, 70)],
            &baseline(&[("core", 100, 90)]),
            &Settings::default(),
        );
        assert!(!d.fail, "{:?}", d.reasons);
        assert!(d.packages[0].delta.unwrap() < 0.0);
        // --strict fails it on the percentage alone.
        let strict = Settings {
            strict: true,
            ..Settings::default()
        };
        assert!(
            run(
                &[("core", 80, 70)],
                &baseline(&[("core", 100, 90)]),
                &strict
            )
            .fail
        );
    }

    #[test]
    fn tolerance() {
        let s = Settings {
            tolerance: 1.0,
            ..Settings::default()
        };
        assert!(
            !run(
                &[("core", 1000, 895)],
                &baseline(&[("core", 1000, 900)]),
                &s
            )
            .fail
        );
        assert!(
            run(
                &[("core", 1000, 885)],
                &baseline(&[("core", 1000, 900)]),
                &s
            )
            .fail
        );
    }

    #[test]
    fn a_new_package_below_the_floor_fails_and_a_removed_one_is_reported() {
        let s = Settings {
            min_new_package: Some(80.0),
            ..Settings::default()
        };
        let d = run(
            &[("core", 10, 10), ("fresh", 10, 5)],
            &baseline(&[("core", 10, 10), ("gone", 5, 5)]),
            &s,
        );
        assert!(d.fail);
        assert!(
            d.reasons
                .iter()
                .any(|r| r.contains("fresh: a new package at 50.00%"))
        );
        assert_eq!(d.removed, vec!["gone"]);
        let d = run(
            &[("core", 10, 10)],
            &baseline(&[("core", 10, 10), ("gone", 5, 5)]),
            &s,
        );
        assert!(
            !d.fail,
            "a removed package alone does not fail: {:?}",
            d.reasons
        );
    }

    #[test]
    fn min_total() {
        let s = Settings {
            min_total: Some(90.0),
            ..Settings::default()
        };
        assert!(run(&[("core", 10, 8)], &baseline(&[("core", 10, 8)]), &s).fail);
    }

    #[test]
    fn baseline_round_trips() {
        let b = baseline(&[("core", 10, 8)]);
        let text = serde_json::to_string(&b).unwrap();
        assert_eq!(serde_json::from_str::<Baseline>(&text).unwrap(), b);
    }

    // Regression (#17.3): Go packages were held to line percentages, not Go's statements.
    /// Go packages are held to statements; a baseline written before
    /// statements were recorded is compared by its lines.
    #[test]
    fn go_packages_are_held_to_statements() {
        let now = Totals {
            lines_found: 10,
            lines_hit: 9,
            statements_found: 20,
            statements_hit: 10,
            ..Totals::default()
        };
        let base = Baseline {
            format: 1,
            tool: "t".into(),
            commit: None,
            packages: [(
                "m/cart".to_owned(),
                BaselineEntry::from(&Totals {
                    lines_found: 10,
                    lines_hit: 9,
                    statements_found: 20,
                    statements_hit: 15,
                    ..Totals::default()
                }),
            )]
            .into(),
            files: BTreeMap::new(),
        };
        let packages: BTreeMap<String, Totals> = [("m/cart".to_owned(), now)].into();
        let d = evaluate(&packages, &now, Some(&base), &Settings::default());
        assert!(d.fail);
        assert_eq!(d.packages[0].statement_percent, Some(50.0));
        assert_eq!(d.packages[0].line_percent, Some(90.0));
        assert_eq!(d.packages[0].uncovered_delta, Some(5));
        assert!(
            d.reasons[0].contains("statement coverage fell 25.00 points"),
            "{:?}",
            d.reasons
        );
        // An old baseline (lines only): its lines are its unit.
        let old: Baseline = serde_json::from_str(
            r#"{"format":1,"tool":"t","packages":{"m/cart":{"lines_found":20,"lines_hit":10}}}"#,
        )
        .unwrap();
        assert_eq!(old.packages["m/cart"].coverage(), (20, 10));
        let d = evaluate(&packages, &now, Some(&old), &Settings::default());
        assert!(!d.fail, "{:?}", d.reasons);
    }
}
