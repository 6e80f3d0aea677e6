//! Version tags: one grammar and one order for every gate that reads them.
//!
//! tag-on-staging makes the tags and post-deploy-watch rolls back to them,
//! so both must agree on what a version tag is and which one is newer. The
//! grammar is `CORE[-ID.N]`: CORE is one or more dot-separated numbers
//! (`1.2.3`, and calendar versions such as `2026.11.23.1`), ID is letters
//! and digits, N a number. Semantic versions are the strict subset with
//! exactly three numbers and no leading zeros (`01.2.3` is a calendar-style
//! version, never the semver `1.2.3`).

use std::cmp::Ordering;

/// A version's order key: numeric dot parts, then a release above its
/// prereleases (`-rc.2`), prereleases by identifier then number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub core: Vec<u64>,
    pub pre: Option<(String, u64)>,
}

/// A number in a version: digits only; `strict` also refuses leading zeros.
fn number(part: &str, strict: bool) -> Option<u64> {
    let digits = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let padded = part.len() > 1 && part.starts_with('0');
    (digits && !(strict && padded))
        .then(|| part.parse().ok())
        .flatten()
}

/// The one parser: `strict` is the semver profile (three numbers, no
/// leading zeros anywhere).
fn parse(s: &str, strict: bool) -> Option<Version> {
    let (core, pre) = match s.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (s, None),
    };
    let core: Vec<u64> = core
        .split('.')
        .map(|p| number(p, strict))
        .collect::<Option<_>>()?;
    if strict && core.len() != 3 {
        return None;
    }
    let pre = match pre {
        None => None,
        Some(p) => {
            let (id, n) = p.rsplit_once('.')?;
            let valid_id = !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric());
            if !valid_id {
                return None;
            }
            Some((id.to_owned(), number(n, strict)?))
        }
    };
    Some(Version { core, pre })
}

impl Version {
    /// Parses a version (`1.2.3`, `2026.11.23.1`, `1.2.3-rc.4`).
    pub fn parse(s: &str) -> Option<Self> {
        parse(s, false)
    }

    /// Parses a semantic version: exactly `X.Y.Z[-ID.N]`, no leading zeros.
    pub fn parse_semver(s: &str) -> Option<Self> {
        parse(s, true)
    }

    /// The version of `tag` under `prefix`; `None` when it is not one.
    pub fn of(tag: &str, prefix: &str) -> Option<Self> {
        Self::parse(tag.strip_prefix(prefix)?)
    }

    /// The semantic version of `tag` under `prefix`; `None` when it is not
    /// one.
    pub fn semver_of(tag: &str, prefix: &str) -> Option<Self> {
        Self::parse_semver(tag.strip_prefix(prefix)?)
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let len = self.core.len().max(other.core.len());
        let part = |v: &Version, i: usize| v.core.get(i).copied().unwrap_or(0);
        (0..len)
            .map(|i| part(self, i).cmp(&part(other, i)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
            .then_with(|| match (&self.pre, &other.pre) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => a.0.cmp(&b.0).then(a.1.cmp(&b.1)),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_like_releases() {
        let v = |s| Version::of(s, "v").unwrap();
        assert!(v("v1.10.0") > v("v1.9.9"));
        assert!(v("v1.2.0") > v("v1.2.0-rc.2"));
        assert!(v("v1.2.0-rc.10") > v("v1.2.0-rc.9"));
        assert!(v("v2026.11.23.1") > v("v2026.11.23"));
        assert_eq!(v("v1.2").cmp(&v("v1.2.0")), Ordering::Equal);
        assert_eq!(Version::of("release-1", "v"), None);
        assert_eq!(Version::of("v1.x", "v"), None);
        assert_eq!(Version::of("v", "v"), None);
    }

    #[test]
    fn one_grammar_for_both_profiles() {
        // Edge cases where tag-on-staging and the runtime used to disagree:
        // now neither reads them as versions.
        for s in [
            "1.2.3-rc",
            "1.2.3-r-c.1",
            "1.2.3-rc.x",
            "1.2.3+build",
            "1.2.3-",
        ] {
            assert_eq!(Version::parse(s), None, "{s}");
            assert_eq!(Version::parse_semver(s), None, "{s}");
        }
        // Calendar versions keep their zero-padded parts; semver refuses them.
        assert_eq!(Version::parse("2026.03.07").unwrap().core, [2026, 3, 7]);
        for s in ["01.2.3", "1.2", "1.2.3.4", "1.2.3-rc.01"] {
            assert_eq!(Version::parse_semver(s), None, "{s}");
            assert!(Version::parse(s).is_some(), "{s}");
        }
        assert_eq!(
            Version::semver_of("v1.2.3-rc.4", "v"),
            Some(Version {
                core: vec![1, 2, 3],
                pre: Some(("rc".into(), 4))
            })
        );
    }
}
