//! The next version, semver or calendar, from facts the caller gathered.
//! Pure: tags and commit messages in, a version and its explanation out.
//! What a version tag is, and their order, is the runtime's
//! ([`gate_runtime::version`]); this module adds the bump arithmetic.

use std::cmp::Ordering;

use gate_runtime::git::short;
use gate_runtime::version::Version;
use serde::Serialize;

use crate::conventional::{BodyLine, Bump, SquashBodies, classify};

/// A semantic version, with an optional `-id.N` prerelease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Semver {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: Option<(String, u64)>,
}

impl Semver {
    pub fn new(major: u64, minor: u64, patch: u64) -> Self {
        Self {
            major,
            minor,
            patch,
            pre: None,
        }
    }

    /// Parses `1.2.3` or `1.2.3-rc.4` (the runtime's semver grammar);
    /// anything else is not ours.
    pub fn parse(s: &str) -> Option<Self> {
        let v = Version::parse_semver(s)?;
        let [major, minor, patch] = v.core[..] else {
            return None;
        };
        Some(Self {
            major,
            minor,
            patch,
            pre: v.pre,
        })
    }

    /// The stable version with the bump applied; `None` when the bumped
    /// number is past the largest a version can hold (2^64 - 1).
    pub fn bumped(&self, bump: Bump) -> Option<Self> {
        Some(match bump {
            Bump::Major => Self::new(self.major.checked_add(1)?, 0, 0),
            Bump::Minor => Self::new(self.major, self.minor.checked_add(1)?, 0),
            Bump::Patch => Self::new(self.major, self.minor, self.patch.checked_add(1)?),
            Bump::None => Self::new(self.major, self.minor, self.patch),
        })
    }

    fn core(&self) -> (u64, u64, u64) {
        (self.major, self.minor, self.patch)
    }

    /// The release order every gate shares: core numbers, then a release
    /// above its prereleases.
    fn order_key(&self) -> Version {
        Version {
            core: vec![self.major, self.minor, self.patch],
            pre: self.pre.clone(),
        }
    }
}

impl Ord for Semver {
    fn cmp(&self, other: &Self) -> Ordering {
        self.order_key().cmp(&other.order_key())
    }
}

impl PartialOrd for Semver {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for Semver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if let Some((id, n)) = &self.pre {
            write!(f, "-{id}.{n}")?;
        }
        Ok(())
    }
}

/// A tag's version under `prefix`, or `None` when the tag is not one of ours.
pub fn tag_version(tag: &str, prefix: &str) -> Option<Semver> {
    Semver::parse(tag.strip_prefix(prefix)?)
}

/// One commit's part in the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct CommitBump {
    /// The commit's full SHA.
    pub sha: String,
    /// The message's first line.
    pub subject: String,
    /// What this commit asked for (`none` when its rule is `default`).
    pub bump: Bump,
    /// The rule that matched: `feat`, `fix`, `perf`, a breaking rule,
    /// `release-as`, or `default`.
    pub rule: String,
    /// Whether this commit decided the version: it asked for the bump that
    /// was made, or its Release-As footer set it.
    pub deciding: bool,
    /// The body line that raised this commit's bump above its subject's;
    /// null when the subject or a footer decided.
    pub deciding_line: Option<BodyLine>,
}

/// Release-please's two options for versions below 1.0.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PreMajor {
    /// `--bump-minor-pre-major`: a breaking change on 0.x bumps the minor.
    pub breaking_bumps_minor: bool,
    /// `--bump-patch-for-minor-pre-major`: a feature on 0.x bumps the patch.
    pub feature_bumps_patch: bool,
}

/// Settings for the semver scheme.
#[derive(Debug, Clone)]
pub struct SemverSettings {
    pub prefix: String,
    pub default_bump: Bump,
    pub prerelease: Option<String>,
    pub initial: Semver,
    pub squash_bodies: SquashBodies,
    pub pre_major: PreMajor,
}

/// The decision and how it was reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// `None`: no commit asked for a bump and --default-bump is none.
    pub version: Option<String>,
    pub bump: Bump,
    pub commits: Vec<CommitBump>,
    pub explanation: Vec<String>,
}

/// The newest stable version tag, among tags reachable from the commit.
pub fn base_tag<'a>(reachable_tags: &'a [String], prefix: &str) -> Option<(&'a str, Semver)> {
    reachable_tags
        .iter()
        .filter_map(|t| tag_version(t, prefix).map(|v| (t.as_str(), v)))
        .filter(|(_, v)| v.pre.is_none())
        .max_by(|a, b| a.1.cmp(&b.1))
}

/// Why a version cannot be decided: bad input the user must fix (exit 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Undecidable(pub String);

/// The next semver version. `base` is the base tag's version (`None` with no
/// tags yet); `commits` are `(sha, message)` from base to the commit, newest
/// first; `all_tags` are every tag in the repository, for prerelease
/// counters and so a Release-As footer never goes backwards.
pub fn next_semver(
    base: Option<&Semver>,
    commits: &[(String, String)],
    all_tags: &[String],
    s: &SemverSettings,
) -> Result<Decision, Undecidable> {
    let mut explanation = Vec::new();
    let mut forced: Option<(String, usize)> = None;
    let mut asked = Bump::None;
    let mut rows = Vec::new();
    for (sha, message) in commits {
        let c = classify(message, s.squash_bodies);
        asked = asked.max(c.bump.unwrap_or(Bump::None));
        if forced.is_none() {
            if let Some(v) = c.release_as {
                forced = Some((v, rows.len()));
            }
        }
        if let Some(line) = &c.deciding_line {
            explanation.push(format!(
                "commit {}: message line {} asks for a major bump: {}",
                short(sha),
                line.number,
                line.text.trim()
            ));
        }
        rows.push(CommitBump {
            sha: sha.clone(),
            subject: message.lines().next().unwrap_or("").to_owned(),
            bump: c.bump.unwrap_or(Bump::None),
            rule: c.rule,
            deciding: false,
            deciding_line: c.deciding_line,
        });
    }
    if asked > Bump::None {
        for r in rows.iter_mut().filter(|r| r.bump == asked) {
            r.deciding = true;
        }
    }
    let mut bump = if asked == Bump::None && !commits.is_empty() {
        explanation.push(format!(
            "no commit asks for a bump; --default-bump is {}",
            s.default_bump.as_str()
        ));
        s.default_bump
    } else {
        asked
    };
    if let Some(b) = base.filter(|b| b.major == 0) {
        bump = pre_major(b, bump, asked, s.pre_major, &mut explanation);
    }
    let with_pre = |v: Semver| -> Result<Semver, Undecidable> {
        match &s.prerelease {
            None => Ok(v),
            Some(id) => {
                let n = all_tags
                    .iter()
                    .filter_map(|t| tag_version(t, &s.prefix))
                    .filter(|t| t.core() == v.core())
                    .filter_map(|t| t.pre.filter(|(pid, _)| pid == id).map(|(_, n)| n))
                    .max()
                    .map_or(Some(1), |n| n.checked_add(1))
                    .ok_or_else(|| {
                        Undecidable(format!(
                            "the {id} counter of {v} is at the largest number a version can hold ({}); tag the next prerelease by hand, or name another --prerelease",
                            u64::MAX
                        ))
                    })?;
                Ok(Semver {
                    pre: Some((id.clone(), n)),
                    ..v
                })
            }
        }
    };
    if let Some((v, row)) = forced {
        let short = short(&rows[row].sha).to_owned();
        match Semver::parse(&v).filter(|f| f.pre.is_none()) {
            Some(f) => {
                let version = with_pre(f)?;
                check_release_as(&v, &short, &version, all_tags, &s.prefix)?;
                explanation.push(format!(
                    "commit {short} forces {v} with a Release-As footer"
                ));
                for r in &mut rows {
                    r.deciding = false;
                }
                rows[row].rule = "release-as".to_owned();
                rows[row].deciding = true;
                return Ok(Decision {
                    version: Some(version.to_string()),
                    bump,
                    commits: rows,
                    explanation,
                });
            }
            None => explanation.push(format!(
                "commit {short} has Release-As: {v}, which is not X.Y.Z; ignored"
            )),
        }
    }
    let version = match base {
        None => {
            explanation.push(format!("no version tag yet: starting at {}", s.initial));
            Some(with_pre(s.initial.clone())?.to_string())
        }
        Some(_) if bump == Bump::None => {
            explanation.push("nothing to release".to_owned());
            None
        }
        Some(b) => {
            explanation.push(format!("{b} + {} bump", bump.as_str()));
            let next = b.bumped(bump).ok_or_else(|| {
                Undecidable(format!(
                    "{b} cannot take a {} bump: the number is at the largest a version can hold ({}); tag the next version by hand",
                    bump.as_str(),
                    u64::MAX
                ))
            })?;
            Some(with_pre(next)?.to_string())
        }
    };
    Ok(Decision {
        version,
        bump,
        commits: rows,
        explanation,
    })
}

/// The bump below 1.0.0: a breaking change goes to 1.0.0 (as
/// semantic-release does) unless `--bump-minor-pre-major`; a feature bumps
/// the patch with `--bump-patch-for-minor-pre-major` (release-please's).
fn pre_major(
    base: &Semver,
    bump: Bump,
    asked: Bump,
    p: PreMajor,
    explanation: &mut Vec<String>,
) -> Bump {
    match bump {
        Bump::Major if p.breaking_bumps_minor => {
            explanation.push(format!(
                "{base} is below 1.0.0: a breaking change bumps the minor version (--bump-minor-pre-major)"
            ));
            Bump::Minor
        }
        Bump::Major => {
            explanation.push(format!(
                "{base} is below 1.0.0: a breaking change goes to 1.0.0 (--bump-minor-pre-major keeps it below)"
            ));
            Bump::Major
        }
        Bump::Minor if asked == Bump::Minor && p.feature_bumps_patch => {
            explanation.push(format!(
                "{base} is below 1.0.0: a feature bumps the patch version (--bump-patch-for-minor-pre-major)"
            ));
            Bump::Patch
        }
        other => other,
    }
}

/// A Release-As version must be new and ahead of every version tag.
fn check_release_as(
    asked: &str,
    commit: &str,
    version: &Semver,
    all_tags: &[String],
    prefix: &str,
) -> Result<(), Undecidable> {
    let tag = format!("{prefix}{version}");
    if all_tags.contains(&tag) {
        return Err(Undecidable(format!(
            "Release-As: {asked} in commit {commit} names the existing tag {tag}; a tag is never moved or made twice: give a version above the newest tag, or remove the footer"
        )));
    }
    let newest = all_tags
        .iter()
        .filter_map(|t| tag_version(t, prefix).map(|v| (v, t)))
        .max_by(|a, b| a.0.cmp(&b.0));
    if let Some((newest, name)) = newest {
        if *version < newest {
            return Err(Undecidable(format!(
                "Release-As: {asked} in commit {commit} is below the newest version tag {name}; a release never goes backwards: give a version above {name}, or remove the footer"
            )));
        }
    }
    Ok(())
}

/// Renders a calendar version format: `YYYY`, `YY`, `MM`/`0M` (padded), `M`,
/// `DD`/`0D` (padded), `D`; anything else is literal.
pub fn render_calver(format: &str, year: i32, month: u8, day: u8) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = format;
    let mut any = false;
    while !rest.is_empty() {
        let tokens: [(&str, String); 8] = [
            ("YYYY", format!("{year:04}")),
            ("YY", format!("{:02}", year.rem_euclid(100))),
            ("0M", format!("{month:02}")),
            ("MM", format!("{month:02}")),
            ("0D", format!("{day:02}")),
            ("DD", format!("{day:02}")),
            ("M", month.to_string()),
            ("D", day.to_string()),
        ];
        if let Some((tok, val)) = tokens.iter().find(|(t, _)| rest.starts_with(t)) {
            out.push_str(val);
            rest = &rest[tok.len()..];
            any = true;
        } else {
            let c = rest.chars().next().unwrap_or('.');
            if !(c == '.' || c == '-' || c == '_') {
                return Err(format!(
                    "--calver-format {format:?}: use YYYY, YY, MM, 0M, M, DD, 0D, D and . - _"
                ));
            }
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    if !any {
        return Err(format!("--calver-format {format:?}: has no date in it"));
    }
    Ok(out)
}

/// The next calendar version: the date, then `.N` for the second and later
/// release of the same day (`.1`, `.2`, ...).
pub fn next_calver(date_version: &str, prefix: &str, all_tags: &[String]) -> String {
    let ours: Vec<&str> = all_tags
        .iter()
        .filter_map(|t| t.strip_prefix(prefix))
        .collect();
    if !ours.contains(&date_version) {
        return date_version.to_owned();
    }
    let n = ours
        .iter()
        .filter_map(|t| {
            t.strip_prefix(date_version)?
                .strip_prefix('.')?
                .parse::<u32>()
                .ok()
        })
        .max()
        .unwrap_or(0);
    // A counter past u32 is no release of this day's series; it is passed
    // over, so the next number always fits.
    format!("{date_version}.{}", u64::from(n) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SemverSettings {
        SemverSettings {
            prefix: "v".into(),
            default_bump: Bump::Patch,
            prerelease: None,
            initial: Semver::new(0, 1, 0),
            squash_bodies: SquashBodies::Count,
            pre_major: PreMajor::default(),
        }
    }

    fn commits(msgs: &[&str]) -> Vec<(String, String)> {
        msgs.iter()
            .enumerate()
            .map(|(i, m)| (format!("{i:040x}"), (*m).to_owned()))
            .collect()
    }

    fn next(base: &str, msgs: &[&str], s: &SemverSettings, tags: &[&str]) -> Option<String> {
        let base = Semver::parse(base);
        let tags: Vec<String> = tags.iter().map(|t| (*t).to_owned()).collect();
        next_semver(base.as_ref(), &commits(msgs), &tags, s)
            .unwrap()
            .version
    }

    #[test]
    fn parse_and_order() {
        assert_eq!(Semver::parse("1.2.3"), Some(Semver::new(1, 2, 3)));
        assert_eq!(
            Semver::parse("1.2.3-rc.4").unwrap().to_string(),
            "1.2.3-rc.4"
        );
        for bad in [
            "1.2",
            "1.2.3.4",
            "01.2.3",
            "1.2.x",
            "1.2.3-rc",
            "1.2.3-r-c.1",
            "",
        ] {
            assert_eq!(Semver::parse(bad), None, "{bad}");
        }
        assert!(Semver::parse("1.2.3-rc.9").unwrap() < Semver::parse("1.2.3").unwrap());
        assert!(Semver::parse("1.2.3-rc.10").unwrap() > Semver::parse("1.2.3-rc.9").unwrap());
        assert!(Semver::parse("1.10.0").unwrap() > Semver::parse("1.9.9").unwrap());
        assert_eq!(tag_version("v1.0.0", "v"), Some(Semver::new(1, 0, 0)));
        assert_eq!(tag_version("release-1.0.0", "v"), None);
    }

    #[test]
    fn base_is_the_newest_stable_reachable_tag() {
        let tags: Vec<String> = [
            "v1.0.0",
            "v1.10.0",
            "v1.9.0",
            "v2.0.0-rc.1",
            "other",
            "v1.2",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        assert_eq!(base_tag(&tags, "v").unwrap().0, "v1.10.0");
        assert!(base_tag(&[], "v").is_none());
    }

    #[test]
    fn every_bump_rule() {
        let s = settings();
        assert_eq!(
            next("1.2.3", &["fix: a"], &s, &[]).as_deref(),
            Some("1.2.4")
        );
        assert_eq!(
            next("1.2.3", &["fix: a", "feat: b"], &s, &[]).as_deref(),
            Some("1.3.0")
        );
        assert_eq!(
            next("1.2.3", &["feat: b", "feat!: c"], &s, &[]).as_deref(),
            Some("2.0.0")
        );
        assert_eq!(
            next("1.2.3", &["chore: x\n\nBREAKING CHANGE: y"], &s, &[]).as_deref(),
            Some("2.0.0")
        );
        assert_eq!(
            next("1.2.3", &["update readme"], &s, &[]).as_deref(),
            Some("1.2.4")
        );
        assert_eq!(
            next("1.2.3", &["Squash (#4)\n\n* perf!: new engine"], &s, &[]).as_deref(),
            Some("2.0.0")
        );
    }

    #[test]
    fn default_bump() {
        let minor = SemverSettings {
            default_bump: Bump::Minor,
            ..settings()
        };
        assert_eq!(
            next("1.2.3", &["chore: x"], &minor, &[]).as_deref(),
            Some("1.3.0")
        );
        assert_eq!(
            next("1.2.3", &["fix: x"], &minor, &[]).as_deref(),
            Some("1.2.4")
        );
        let none = SemverSettings {
            default_bump: Bump::None,
            ..settings()
        };
        let d = next_semver(
            Semver::parse("1.2.3").as_ref(),
            &commits(&["docs: x", "chore: y"]),
            &[],
            &none,
        )
        .unwrap();
        assert_eq!(d.version, None);
        assert_eq!(d.bump, Bump::None);
        assert_eq!(
            next("1.2.3", &["docs: x", "fix: y"], &none, &[]).as_deref(),
            Some("1.2.4")
        );
    }

    #[test]
    fn release_as_forces_the_version() {
        let s = settings();
        assert_eq!(
            next("1.2.3", &["fix: x\n\nRelease-As: 3.0.0"], &s, &[]).as_deref(),
            Some("3.0.0")
        );
        let d = next_semver(
            Semver::parse("1.2.3").as_ref(),
            &commits(&["fix: x\n\nRelease-As: banana"]),
            &[],
            &s,
        )
        .unwrap();
        assert_eq!(d.version.as_deref(), Some("1.2.4"));
        assert!(d.explanation[0].contains("not X.Y.Z"));
    }

    // Regression (fuzz target `conventional`, 2026-11-26, three crashes):
    // a base tag whose patch (or minor, or major) is 2^64 - 1 bumped to
    // itself, since the bump saturated, so the "next" version was the base
    // tag again; and a prerelease counter there overflowed (a panic in a
    // debug build). Both now refuse, naming the tag, and exit 2.
    #[test]
    fn a_version_at_the_largest_number_refuses_to_bump() {
        let max = u64::MAX;
        let base = format!("1.3.{max}");
        let tags = [format!("v{base}")];
        let tags: Vec<String> = tags.to_vec();
        let base_v = Semver::parse(&base);
        let err = next_semver(base_v.as_ref(), &commits(&["fix: x"]), &tags, &settings())
            .err()
            .map(|e| e.0)
            .unwrap_or_default();
        assert!(
            err.contains(&format!("1.3.{max} cannot take a patch bump")) && err.contains("by hand"),
            "{err}"
        );
        // A feature bumps the minor instead, which has room.
        let d = next_semver(base_v.as_ref(), &commits(&["feat: x"]), &tags, &settings()).unwrap();
        assert_eq!(d.version.as_deref(), Some("1.4.0"));
        let major = format!("{max}.0.0");
        let err = next_semver(
            Semver::parse(&major).as_ref(),
            &commits(&["feat!: x"]),
            &[format!("v{major}")],
            &settings(),
        )
        .err()
        .map(|e| e.0)
        .unwrap_or_default();
        assert!(err.contains("cannot take a major bump"), "{err}");

        let rc = SemverSettings {
            prerelease: Some("rc".into()),
            ..settings()
        };
        let tags = vec!["v1.2.3".to_owned(), format!("v1.3.0-rc.{max}")];
        let err = next_semver(
            Semver::parse("1.2.3").as_ref(),
            &commits(&["feat: x"]),
            &tags,
            &rc,
        )
        .err()
        .map(|e| e.0)
        .unwrap_or_default();
        assert!(err.contains("the rc counter of 1.3.0"), "{err}");
    }

    // Regression (the same run): a calendar tag's `.N` counter at 2^64 - 1
    // overflowed; a counter past u32 is no release of the day's series.
    #[test]
    fn a_huge_calver_counter_is_passed_over() {
        let tags = vec![
            "v2026.11.23".to_owned(),
            "v2026.11.23.2".to_owned(),
            format!("v2026.11.23.{}", u64::MAX),
        ];
        assert_eq!(next_calver("2026.11.23", "v", &tags), "2026.11.23.3");
    }

    #[test]
    fn prereleases_increment() {
        let rc = SemverSettings {
            prerelease: Some("rc".into()),
            ..settings()
        };
        assert_eq!(
            next("1.2.3", &["feat: x"], &rc, &["v1.2.3"]).as_deref(),
            Some("1.3.0-rc.1")
        );
        assert_eq!(
            next(
                "1.2.3",
                &["feat: x"],
                &rc,
                &["v1.2.3", "v1.3.0-rc.1", "v1.3.0-rc.2", "v1.3.0-beta.7"]
            )
            .as_deref(),
            Some("1.3.0-rc.3")
        );
        // The stable release after its candidates.
        assert_eq!(
            next("1.2.3", &["feat: x"], &settings(), &["v1.3.0-rc.2"]).as_deref(),
            Some("1.3.0")
        );
    }

    #[test]
    fn no_tags_yet() {
        let d = next_semver(None, &commits(&["feat!: x"]), &[], &settings()).unwrap();
        assert_eq!(d.version.as_deref(), Some("0.1.0"));
        let custom = SemverSettings {
            initial: Semver::new(1, 0, 0),
            ..settings()
        };
        assert_eq!(
            next_semver(None, &[], &[], &custom)
                .unwrap()
                .version
                .as_deref(),
            Some("1.0.0")
        );
    }

    #[test]
    fn the_explanation_lists_every_commit() {
        let d = next_semver(
            Semver::parse("1.0.0").as_ref(),
            &commits(&["feat: a", "chore: b"]),
            &[],
            &settings(),
        )
        .unwrap();
        assert_eq!(d.commits.len(), 2);
        assert_eq!(d.commits[0].bump, Bump::Minor);
        assert_eq!(d.commits[0].rule, "feat");
        assert!(d.commits[0].deciding);
        // Issue #18, item 8: the bump the commit asked for, and the rule
        // that says the default applies to it (it was Patch here before).
        assert_eq!(d.commits[1].bump, Bump::None);
        assert!(d.commits[1].rule.contains("default"));
        assert_eq!(d.commits[1].rule, "default");
        assert!(!d.commits[1].deciding);
        assert_eq!(d.explanation.last().unwrap(), "1.0.0 + minor bump");
    }

    // Regression (#18.8): the default bump was shown as if a commit asked for it.
    #[test]
    fn the_default_bump_is_nobodys_request() {
        let d = next_semver(
            Semver::parse("1.0.0").as_ref(),
            &commits(&["chore: a", "docs: b"]),
            &[],
            &settings(),
        )
        .unwrap();
        assert_eq!(d.version.as_deref(), Some("1.0.1"));
        assert_eq!(d.bump, Bump::Patch);
        assert!(
            d.commits
                .iter()
                .all(|c| c.bump == Bump::None && c.rule == "default" && !c.deciding)
        );
    }

    /// Issue #18, item 4: 0.x, alone and with release-please's options.
    #[test]
    fn below_one_point_oh() {
        let s = settings();
        let minor_pre = SemverSettings {
            pre_major: PreMajor {
                breaking_bumps_minor: true,
                feature_bumps_patch: false,
            },
            ..settings()
        };
        let patch_pre = SemverSettings {
            pre_major: PreMajor {
                breaking_bumps_minor: false,
                feature_bumps_patch: true,
            },
            ..settings()
        };
        let both = SemverSettings {
            pre_major: PreMajor {
                breaking_bumps_minor: true,
                feature_bumps_patch: true,
            },
            ..settings()
        };
        let breaking = ["fix: a", "feat!: b"];
        let feature = ["fix: a", "feat: b"];
        let fix = ["fix: a"];
        for (settings, msgs, want) in [
            (&s, &breaking[..], "1.0.0"),
            (&s, &feature[..], "0.4.0"),
            (&s, &fix[..], "0.3.1"),
            (&minor_pre, &breaking[..], "0.4.0"),
            (&minor_pre, &feature[..], "0.4.0"),
            (&minor_pre, &fix[..], "0.3.1"),
            (&patch_pre, &breaking[..], "1.0.0"),
            (&patch_pre, &feature[..], "0.3.1"),
            (&patch_pre, &fix[..], "0.3.1"),
            (&both, &breaking[..], "0.4.0"),
            (&both, &feature[..], "0.3.1"),
            (&both, &fix[..], "0.3.1"),
        ] {
            let got = next("0.3.0", msgs, settings, &[]);
            assert_eq!(
                got.as_deref(),
                Some(want),
                "{msgs:?} {:?}",
                settings.pre_major
            );
        }
        // From 1.0.0 on the options change nothing.
        assert_eq!(
            next("1.3.0", &breaking, &both, &[]).as_deref(),
            Some("2.0.0")
        );
        assert_eq!(
            next("1.3.0", &feature, &both, &[]).as_deref(),
            Some("1.4.0")
        );
        // The explanation says why.
        let d = next_semver(
            Semver::parse("0.3.0").as_ref(),
            &commits(&breaking),
            &[],
            &minor_pre,
        )
        .unwrap();
        assert_eq!(d.bump, Bump::Minor);
        assert!(
            d.explanation
                .iter()
                .any(|e| e.contains("--bump-minor-pre-major")),
            "{:?}",
            d.explanation
        );
        // A --default-bump minor is not a feature: it stays a minor.
        let default_minor = SemverSettings {
            default_bump: Bump::Minor,
            ..both.clone()
        };
        assert_eq!(
            next("0.3.0", &["chore: x"], &default_minor, &[]).as_deref(),
            Some("0.4.0")
        );
    }

    // Regression (#18.5): `Release-As: 1.0.0` after v2.3.0 created v1.0.0.
    /// Issue #18, item 5.
    #[test]
    fn release_as_never_goes_backwards_nor_onto_a_tag() {
        let s = settings();
        let tags = ["v1.0.0", "v2.3.0"];
        let run = |msg: &str| {
            let tags: Vec<String> = tags.iter().map(|t| (*t).to_owned()).collect();
            next_semver(Semver::parse("2.3.0").as_ref(), &commits(&[msg]), &tags, &s)
        };
        let e = run("chore: x\n\nRelease-As: 1.0.0")
            .unwrap_err()
            .to_string();
        assert!(e.contains("names the existing tag v1.0.0"), "{e}");
        let e = run("chore: x\n\nRelease-As: 1.5.0")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("below the newest version tag v2.3.0") && e.contains("never goes backwards"),
            "{e}"
        );
        let e = run("chore: x\n\nRelease-As: 2.3.0")
            .unwrap_err()
            .to_string();
        assert!(e.contains("names the existing tag v2.3.0"), "{e}");
        let d = run("chore: x\n\nRelease-As: 3.0.0").unwrap();
        assert_eq!(d.version.as_deref(), Some("3.0.0"));
        assert_eq!(d.commits[0].rule, "release-as");
        assert!(d.commits[0].deciding);
        // A prerelease above the newest release is fine.
        let rc = SemverSettings {
            prerelease: Some("rc".into()),
            ..settings()
        };
        let tags: Vec<String> = tags.iter().map(|t| (*t).to_owned()).collect();
        let d = next_semver(
            Semver::parse("2.3.0").as_ref(),
            &commits(&["chore: x\n\nRelease-As: 2.4.0"]),
            &tags,
            &rc,
        )
        .unwrap();
        assert_eq!(d.version.as_deref(), Some("2.4.0-rc.1"));
    }

    #[test]
    fn squash_bodies_ignored_leave_the_title() {
        let ignore = SemverSettings {
            squash_bodies: SquashBodies::Ignore,
            ..settings()
        };
        let squash = ["Add checkout (#12)\n\n* feat: cart\n* refactor!: drop old cart"];
        assert_eq!(
            next("1.2.3", &squash, &settings(), &[]).as_deref(),
            Some("2.0.0")
        );
        assert_eq!(
            next("1.2.3", &squash, &ignore, &[]).as_deref(),
            Some("1.2.4")
        );
        let d = next_semver(
            Semver::parse("1.2.3").as_ref(),
            &commits(&squash),
            &[],
            &settings(),
        )
        .unwrap();
        assert_eq!(d.commits[0].deciding_line.as_ref().unwrap().number, 4);
        assert!(
            d.explanation[0]
                .contains("message line 4 asks for a major bump: * refactor!: drop old cart"),
            "{:?}",
            d.explanation
        );
    }

    #[test]
    fn calver() {
        assert_eq!(
            render_calver("YYYY.MM.DD", 2026, 3, 7).unwrap(),
            "2026.03.07"
        );
        assert_eq!(render_calver("YY.M.D", 2026, 3, 7).unwrap(), "26.3.7");
        assert_eq!(render_calver("YYYY.0M", 2026, 11, 7).unwrap(), "2026.11");
        assert!(render_calver("YYYY/MM", 2026, 1, 1).is_err());
        assert!(render_calver("...", 2026, 1, 1).is_err());
        let tags: Vec<String> = vec!["v2026.11.22".into()];
        assert_eq!(next_calver("2026.11.23", "v", &tags), "2026.11.23");
        let tags: Vec<String> = vec!["v2026.11.23".into()];
        assert_eq!(next_calver("2026.11.23", "v", &tags), "2026.11.23.1");
        let tags: Vec<String> = vec![
            "v2026.11.23".into(),
            "v2026.11.23.1".into(),
            "v2026.11.23.2".into(),
        ];
        assert_eq!(next_calver("2026.11.23", "v", &tags), "2026.11.23.3");
    }
}
