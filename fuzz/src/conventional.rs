//! tag-on-staging's reading of commit messages (conventional headers,
//! footers, squashed commit lines) and the version arithmetic on top: the
//! messages are the merged pull requests' text, and the tags the
//! repository's.

use tag_on_staging::conventional::{Bump, SquashBodies, classify, parse_header};
use tag_on_staging::version::{
    PreMajor, Semver, SemverSettings, base_tag, next_semver, tag_version,
};

use crate::{pieces, text};

const PREFIX: &str = "v";

/// The input is a commit message; or the repository's tags (one a line),
/// then commit messages newest first, separated by NUL bytes.
pub(crate) fn conventional(data: &[u8]) {
    let text = text(data);
    let parts = pieces(&text, 64);
    let (tags, messages): (Vec<String>, &[&str]) = match &parts[..] {
        [one] => (vec!["v1.2.3".to_owned()], std::slice::from_ref(one)),
        [tags, messages @ ..] => (tags.lines().map(str::to_owned).collect(), messages),
        [] => return,
    };
    for m in messages {
        for squash in [SquashBodies::Count, SquashBodies::Ignore] {
            let c = classify(m, squash);
            assert_eq!(c.bump.is_none(), c.rule == "default", "{c:?}");
            if let Some(line) = &c.deciding_line {
                assert!(line.number >= 2, "a body line is below the subject");
                assert_eq!(c.bump, Some(Bump::Major));
            }
        }
        let subject = m.lines().next().unwrap_or("").trim();
        if let Some((ty, _)) = parse_header(subject) {
            assert!(!ty.is_empty());
            assert!(
                ty.bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'-'
                    || b == b'_'),
                "type {ty:?}"
            );
        }
    }
    for t in &tags {
        if let Some(v) = tag_version(t, PREFIX) {
            assert_eq!(
                tag_version(&format!("{PREFIX}{v}"), PREFIX).as_ref(),
                Some(&v),
                "tag {t:?} round trip"
            );
        }
    }
    let commits: Vec<(String, String)> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| (format!("{:040x}", i + 1), (*m).to_owned()))
        .collect();
    let base = base_tag(&tags, PREFIX).map(|(_, v)| v);
    for s in settings() {
        let Ok(d) = next_semver(base.as_ref(), &commits, &tags, &s) else {
            continue;
        };
        assert_eq!(d.commits.len(), commits.len());
        let Some(version) = d.version else { continue };
        let v = Semver::parse(&version);
        assert!(v.is_some(), "the next version {version:?} is not semver");
        if let (Some(v), Some(b)) = (v, &base) {
            assert!(v > *b, "the next version {v} is not above the base {b}");
        }
        assert!(
            !tags.contains(&format!("{PREFIX}{version}")),
            "the next version {version} is an existing tag"
        );
    }
}

/// Two corners of the settings: plain, and a prerelease with every option.
fn settings() -> [SemverSettings; 2] {
    [
        SemverSettings {
            prefix: PREFIX.to_owned(),
            default_bump: Bump::None,
            prerelease: None,
            initial: Semver::new(0, 1, 0),
            squash_bodies: SquashBodies::Count,
            pre_major: PreMajor::default(),
        },
        SemverSettings {
            prefix: PREFIX.to_owned(),
            default_bump: Bump::Patch,
            prerelease: Some("rc".to_owned()),
            initial: Semver::new(1, 0, 0),
            squash_bodies: SquashBodies::Ignore,
            pre_major: PreMajor {
                breaking_bumps_minor: true,
                feature_bumps_patch: true,
            },
        },
    ]
}
