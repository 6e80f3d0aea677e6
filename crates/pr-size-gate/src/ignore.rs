//! Which changed files count, and why the others do not.
//!
//! Three layers, each able to override the one before it:
//! 1. built-in defaults (lockfiles, minified assets, source maps, vendored
//!    trees), at any depth, unless `--no-default-ignores`;
//! 2. `linguist-generated` / `linguist-vendored` from `.gitattributes` at the
//!    base commit: set ignores the file, unset re-includes a default;
//! 3. the user's `--ignore` globs, in order; `!pattern` re-includes.

use anyhow::{Context as _, bail};
use globset::{GlobBuilder, GlobMatcher};

use crate::gitattributes::{AttrState, Attributes};

/// Lockfiles, ignored at any depth by default.
pub const DEFAULT_LOCKFILES: &[&str] = &[
    "Cargo.lock",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
    "bun.lockb",
    "go.sum",
    "poetry.lock",
    "uv.lock",
    "Pipfile.lock",
    "Gemfile.lock",
    "composer.lock",
    "flake.lock",
    "packages.lock.json",
];

fn compile(glob: &str) -> Result<GlobMatcher, globset::Error> {
    Ok(GlobBuilder::new(glob)
        .literal_separator(true)
        .backslash_escape(true)
        .build()?
        .compile_matcher())
}

#[derive(Debug, Clone)]
struct UserRule {
    matcher: GlobMatcher,
    negate: bool,
    pattern: String,
}

/// The compiled ignore rules.
#[derive(Debug, Clone)]
pub struct IgnoreRules {
    defaults: Vec<(GlobMatcher, String)>,
    user: Vec<UserRule>,
    attributes: Attributes,
}

/// Turns a user pattern into a glob over the full repository path: a pattern
/// without `/` matches at any depth, a leading `/` anchors at the root, and a
/// trailing `/` means everything below that directory.
fn user_glob(pattern: &str) -> String {
    // As in .gitignore: a slash at the start or in the middle anchors.
    let anchored = pattern.trim_end_matches('/').contains('/');
    let mut p = pattern.to_owned();
    if p.ends_with('/') {
        p.push_str("**");
    }
    let p = p.trim_start_matches('/').to_owned();
    if anchored { p } else { format!("**/{p}") }
}

impl IgnoreRules {
    /// Compiles the rules. `patterns` are the `--ignore` values, already split
    /// into lines with comments dropped.
    pub fn new(
        use_defaults: bool,
        patterns: &[String],
        attributes: Attributes,
    ) -> anyhow::Result<Self> {
        let mut defaults = Vec::new();
        if use_defaults {
            let mut add = |glob: String, why: &str| -> anyhow::Result<()> {
                defaults.push((compile(&glob)?, why.to_owned()));
                Ok(())
            };
            for name in DEFAULT_LOCKFILES {
                add(format!("**/{}", globset::escape(name)), "lockfile")?;
            }
            add("**/*.min.js".into(), "minified asset")?;
            add("**/*.min.css".into(), "minified asset")?;
            add("**/*.map".into(), "source map")?;
            for dir in ["vendor", "third_party", "node_modules"] {
                add(format!("**/{dir}/**"), "vendored tree")?;
            }
        }
        let mut user = Vec::new();
        for raw in patterns {
            let (negate, pattern) = match raw.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, raw.trim()),
            };
            if pattern.is_empty() {
                bail!("--ignore {raw:?}: empty pattern");
            }
            let matcher = compile(&user_glob(pattern))
                .with_context(|| format!("--ignore {raw:?}: not a valid glob"))?;
            user.push(UserRule {
                matcher,
                negate,
                pattern: pattern.to_owned(),
            });
        }
        Ok(Self {
            defaults,
            user,
            attributes,
        })
    }

    /// Why `path` does not count, or `None` when it counts.
    pub fn reason(&self, path: &str) -> Option<String> {
        let mut reason = self
            .defaults
            .iter()
            .find(|(m, _)| m.is_match(path))
            .map(|(_, why)| format!("{why} (built-in default)"));
        let generated = self.attributes.state(path, "linguist-generated");
        let vendored = self.attributes.state(path, "linguist-vendored");
        if generated == Some(AttrState::Set) {
            reason = Some("linguist-generated in .gitattributes at the base commit".into());
        } else if vendored == Some(AttrState::Set) {
            reason = Some("linguist-vendored in .gitattributes at the base commit".into());
        } else if generated == Some(AttrState::Unset) || vendored == Some(AttrState::Unset) {
            reason = None;
        }
        for rule in &self.user {
            if rule.matcher.is_match(path) {
                reason = if rule.negate {
                    None
                } else {
                    Some(format!("--ignore {}", rule.pattern))
                };
            }
        }
        reason
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(defaults: bool, patterns: &[&str]) -> IgnoreRules {
        let patterns: Vec<String> = patterns.iter().map(|s| (*s).to_owned()).collect();
        IgnoreRules::new(defaults, &patterns, Attributes::default()).unwrap()
    }

    #[test]
    fn defaults_apply_at_any_depth() {
        let r = rules(true, &[]);
        for p in [
            "Cargo.lock",
            "web/app/package-lock.json",
            "a/b/go.sum",
            "dist/app.min.js",
            "x/y.min.css",
            "app.js.map",
            "vendor/lib/a.c",
            "src/third_party/x.h",
            "web/node_modules/left-pad/index.js",
        ] {
            assert!(r.reason(p).is_some(), "{p}");
        }
        for p in ["src/main.rs", "vendors/a.c", "lock/Cargo.toml", "mapper.rs"] {
            assert_eq!(r.reason(p), None, "{p}");
        }
        assert_eq!(
            r.reason("a/yarn.lock").as_deref(),
            Some("lockfile (built-in default)")
        );
        assert_eq!(rules(false, &[]).reason("Cargo.lock"), None);
    }

    #[test]
    fn user_globs_and_reinclude() {
        let r = rules(
            true,
            &["docs/**", "*.snap", "!docs/keep.md", "!vendor/ours/**"],
        );
        assert_eq!(r.reason("docs/a.md").as_deref(), Some("--ignore docs/**"));
        assert_eq!(r.reason("docs/keep.md"), None);
        assert_eq!(
            r.reason("src/tests/x.snap").as_deref(),
            Some("--ignore *.snap")
        );
        assert_eq!(r.reason("vendor/ours/a.c"), None);
        assert!(r.reason("vendor/theirs/a.c").is_some());
        // Anchored: docs/** does not match a nested docs directory.
        assert_eq!(r.reason("src/docs/a.md"), None);
    }

    #[test]
    fn trailing_slash_means_the_directory() {
        let r = rules(false, &["generated/", "/top.txt"]);
        assert!(r.reason("generated/a/b.rs").is_some());
        assert!(r.reason("src/generated/b.rs").is_some());
        assert!(r.reason("top.txt").is_some());
        assert_eq!(r.reason("sub/top.txt"), None);
    }

    #[test]
    fn gitattributes_layer() {
        let attrs = Attributes::from_files(vec![(
            String::new(),
            "*.gen.rs linguist-generated\nCargo.lock -linguist-generated\n".into(),
        )]);
        let r = IgnoreRules::new(true, &["!special.gen.rs".into()], attrs).unwrap();
        assert!(
            r.reason("src/a.gen.rs")
                .unwrap()
                .contains("linguist-generated")
        );
        assert_eq!(r.reason("special.gen.rs"), None);
        assert_eq!(r.reason("Cargo.lock"), None);
    }

    #[test]
    fn bad_glob_names_the_flag() {
        let err = IgnoreRules::new(false, &["a[".into()], Attributes::default()).unwrap_err();
        assert!(format!("{err:#}").contains("--ignore \"a[\""), "{err:#}");
    }

    #[test]
    fn glob_translation() {
        assert_eq!(user_glob("*.md"), "**/*.md");
        assert_eq!(user_glob("docs/*.md"), "docs/*.md");
        assert_eq!(user_glob("/a.md"), "a.md");
        assert_eq!(user_glob("gen/"), "**/gen/**");
        assert_eq!(user_glob("a/gen/"), "a/gen/**");
        assert_eq!(user_glob("**/x"), "**/x");
    }
}
