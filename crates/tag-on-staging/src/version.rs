//! The next version, semver or calendar, from facts the caller gathered.
//! Pure: tags and commit messages in, a version and its explanation out.
//! What a version tag is, and their order, is the runtime's
//! ([`gate_runtime::version`]); this module adds the bump arithmetic.

use std::cmp::Ordering;

use gate_runtime::git::short;
use gate_runtime::version::Version;
use serde::Serialize;

use crate::conventional::{Bump, Classified, classify};

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

    /// The stable version with the bump applied.
    pub fn bumped(&self, bump: Bump) -> Self {
        match bump {
            Bump::Major => Self::new(self.major.saturating_add(1), 0, 0),
            Bump::Minor => Self::new(self.major, self.minor.saturating_add(1), 0),
            Bump::Patch => Self::new(self.major, self.minor, self.patch.saturating_add(1)),
            Bump::None => Self::new(self.major, self.minor, self.patch),
        }
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitBump {
    pub sha: String,
    pub subject: String,
    pub bump: Bump,
    pub rule: String,
}

/// Settings for the semver scheme.
#[derive(Debug, Clone)]
pub struct SemverSettings {
    pub prefix: String,
    pub default_bump: Bump,
    pub prerelease: Option<String>,
    pub initial: Semver,
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

/// The next semver version. `base` is the base tag's version (`None` with no
/// tags yet); `commits` are `(sha, message)` from base to the commit, newest
/// first; `all_tags` are every tag in the repository, for prerelease counters.
pub fn next_semver(
    base: Option<&Semver>,
    commits: &[(String, String)],
    all_tags: &[String],
    s: &SemverSettings,
) -> Decision {
    let mut explanation = Vec::new();
    let mut forced: Option<(String, String)> = None;
    let mut asked = Bump::None;
    let mut rows = Vec::new();
    for (sha, message) in commits {
        let Classified {
            bump,
            rule,
            release_as,
        } = classify(message);
        let effective = bump.unwrap_or(s.default_bump);
        asked = asked.max(bump.unwrap_or(Bump::None));
        if forced.is_none() {
            if let Some(v) = release_as {
                forced = Some((v, sha.clone()));
            }
        }
        rows.push(CommitBump {
            sha: sha.clone(),
            subject: message.lines().next().unwrap_or("").to_owned(),
            bump: effective,
            rule,
        });
    }
    let bump = if asked == Bump::None && !commits.is_empty() {
        explanation.push(format!(
            "no commit asks for a bump; --default-bump is {}",
            s.default_bump.as_str()
        ));
        s.default_bump
    } else {
        asked
    };
    let with_pre = |v: Semver| -> String {
        match &s.prerelease {
            None => v.to_string(),
            Some(id) => {
                let n = all_tags
                    .iter()
                    .filter_map(|t| tag_version(t, &s.prefix))
                    .filter(|t| t.core() == v.core())
                    .filter_map(|t| t.pre.filter(|(pid, _)| pid == id).map(|(_, n)| n))
                    .max()
                    .map_or(1, |n| n + 1);
                Semver {
                    pre: Some((id.clone(), n)),
                    ..v
                }
                .to_string()
            }
        }
    };
    if let Some((v, sha)) = forced {
        let short = short(&sha);
        return match Semver::parse(&v).filter(|f| f.pre.is_none()) {
            Some(f) => {
                explanation.push(format!(
                    "commit {short} forces {v} with a Release-As footer"
                ));
                Decision {
                    version: Some(with_pre(f)),
                    bump,
                    commits: rows,
                    explanation,
                }
            }
            None => {
                explanation.push(format!(
                    "commit {short} has Release-As: {v}, which is not X.Y.Z; ignored"
                ));
                next_from(base, bump, rows, explanation, s, with_pre)
            }
        };
    }
    next_from(base, bump, rows, explanation, s, with_pre)
}

fn next_from(
    base: Option<&Semver>,
    bump: Bump,
    rows: Vec<CommitBump>,
    mut explanation: Vec<String>,
    s: &SemverSettings,
    with_pre: impl Fn(Semver) -> String,
) -> Decision {
    let version = match base {
        None => {
            explanation.push(format!("no version tag yet: starting at {}", s.initial));
            Some(with_pre(s.initial.clone()))
        }
        Some(_) if bump == Bump::None => {
            explanation.push("nothing to release".to_owned());
            None
        }
        Some(b) => {
            explanation.push(format!("{b} + {} bump", bump.as_str()));
            Some(with_pre(b.bumped(bump)))
        }
    };
    Decision {
        version,
        bump,
        commits: rows,
        explanation,
    }
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
                .parse::<u64>()
                .ok()
        })
        .max()
        .unwrap_or(0);
    format!("{date_version}.{}", n + 1)
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
        next_semver(base.as_ref(), &commits(msgs), &tags, s).version
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
        );
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
        );
        assert_eq!(d.version.as_deref(), Some("1.2.4"));
        assert!(d.explanation[0].contains("not X.Y.Z"));
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
        let d = next_semver(None, &commits(&["feat!: x"]), &[], &settings());
        assert_eq!(d.version.as_deref(), Some("0.1.0"));
        let custom = SemverSettings {
            initial: Semver::new(1, 0, 0),
            ..settings()
        };
        assert_eq!(
            next_semver(None, &[], &[], &custom).version.as_deref(),
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
        );
        assert_eq!(d.commits.len(), 2);
        assert_eq!(d.commits[0].bump, Bump::Minor);
        assert_eq!(d.commits[0].rule, "feat");
        assert_eq!(d.commits[1].bump, Bump::Patch);
        assert!(d.commits[1].rule.contains("default"));
        assert_eq!(d.explanation.last().unwrap(), "1.0.0 + minor bump");
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
