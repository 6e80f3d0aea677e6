//! Which package a file belongs to: the nearest directory holding a package
//! manifest, else its top-level directory; `--package NAME=GLOB` overrides,
//! the first match winning.

use std::collections::BTreeMap;
use std::path::Path;

use globset::{GlobBuilder, GlobMatcher};

/// Files that make a directory a package.
pub const MANIFESTS: &[&str] = &[
    "Cargo.toml",
    "package.json",
    "go.mod",
    "pyproject.toml",
    "setup.py",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
];

/// Assigns files to packages, caching what it found on disk.
pub struct Packages {
    overrides: Vec<(String, GlobMatcher)>,
    manifest_dirs: BTreeMap<String, bool>,
    /// Whether the checkout's root holds a manifest, once asked.
    root_manifest: Option<bool>,
}

impl Packages {
    /// `overrides` are `NAME=GLOB` specs.
    pub fn new(overrides: &[String]) -> Result<Self, String> {
        let mut compiled = Vec::new();
        for spec in overrides {
            let (name, glob) = spec
                .split_once('=')
                .ok_or_else(|| format!("--package {spec:?}: write it as NAME=GLOB"))?;
            let matcher = GlobBuilder::new(glob.trim())
                .literal_separator(true)
                .build()
                .map_err(|e| format!("--package {spec:?}: {e}"))?
                .compile_matcher();
            compiled.push((name.trim().to_owned(), matcher));
        }
        Ok(Self {
            overrides: compiled,
            manifest_dirs: BTreeMap::new(),
            root_manifest: None,
        })
    }

    /// The package of a repository-relative path.
    pub fn of(&mut self, path: &str, root: &Path) -> String {
        if let Some((name, _)) = self.overrides.iter().find(|(_, m)| m.is_match(path)) {
            return name.clone();
        }
        // A file outside the checkout (an absolute path no prefix mapped):
        // no manifest search on this machine; its top-level directory.
        if let Some(rest) = path.strip_prefix('/') {
            return match rest.split_once('/') {
                Some((top, _)) => format!("/{top}"),
                None => "/".to_owned(),
            };
        }
        if path.len() > 2 && path.as_bytes()[1] == b':' && path.as_bytes()[2] == b'/' {
            let mut it = path.splitn(3, '/');
            let (drive, top) = (it.next().unwrap_or(""), it.next().unwrap_or(""));
            return format!("{drive}/{top}");
        }
        let parts: Vec<&str> = path.split('/').collect();
        for depth in (1..parts.len()).rev() {
            let dir = parts[..depth].join("/");
            let has = *self
                .manifest_dirs
                .entry(dir.clone())
                .or_insert_with(|| MANIFESTS.iter().any(|m| root.join(&dir).join(m).is_file()));
            if has {
                return dir;
            }
        }
        let root_manifest = *self
            .root_manifest
            .get_or_insert_with(|| MANIFESTS.iter().any(|m| root.join(m).is_file()));
        if root_manifest && !path.starts_with('/') {
            return ".".to_owned();
        }
        match parts.as_slice() {
            [_only] => ".".to_owned(),
            [first, ..] if !first.is_empty() => (*first).to_owned(),
            _ => "/".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_manifest_then_top_level_then_overrides() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("crates/core/src")).unwrap();
        std::fs::write(r.join("crates/core/Cargo.toml"), "").unwrap();
        std::fs::create_dir_all(r.join("web/app")).unwrap();
        std::fs::write(r.join("web/app/package.json"), "{}").unwrap();
        let mut p = Packages::new(&["generated=gen/**".into()]).unwrap();
        assert_eq!(p.of("crates/core/src/lib.rs", r), "crates/core");
        assert_eq!(p.of("web/app/src/x.ts", r), "web/app");
        assert_eq!(p.of("scripts/tool.py", r), "scripts");
        assert_eq!(p.of("gen/a/b.rs", r), "generated");
        assert_eq!(p.of("top.rs", r), ".");
        // Outside the checkout: its top-level directory, and no manifest
        // search on this machine, even with a manifest at the root.
        std::fs::write(r.join("Cargo.toml"), "").unwrap();
        let mut p = Packages::new(&[]).unwrap();
        assert_eq!(p.of("/elsewhere/x.rs", r), "/elsewhere");
        assert_eq!(p.of("/x.rs", r), "/");
        assert_eq!(p.of("C:/build/gen/x.rs", r), "C:/build");
        assert_eq!(p.of("top.rs", r), ".");
        assert!(Packages::new(&["nope".into()]).is_err());
    }
}
