//! Version tags' order, shared by the gates that read version tags.

use std::cmp::Ordering;

/// A version tag's order key: numeric dot parts (`1.2.3`, `2026.11.23.1`),
/// then a release above its prereleases (`-rc.2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub core: Vec<u64>,
    pub pre: Option<(String, u64)>,
}

impl Version {
    /// The version of `tag` under `prefix`; `None` when it is not one.
    pub fn of(tag: &str, prefix: &str) -> Option<Self> {
        let rest = tag.strip_prefix(prefix)?;
        let (core, pre) = match rest.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (rest, None),
        };
        let core: Option<Vec<u64>> = core
            .split('.')
            .map(|p| {
                (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| p.parse().ok())
                    .flatten()
            })
            .collect();
        let pre = match pre {
            None => None,
            Some(p) => {
                let (id, n) = p.rsplit_once('.').unwrap_or((p, "0"));
                Some((id.to_owned(), n.parse().ok()?))
            }
        };
        Some(Self { core: core?, pre })
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
}
