//! Which package a file belongs to: the nearest directory holding a package
//! manifest, else its top-level directory; for Go, Go's own package (the
//! directory, named by its import path as `go test` names it);
//! `--package NAME=GLOB` overrides, the first match winning.

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
    /// `--go-module`: the module of the checkout's root when it has no
    /// `go.mod`.
    go_module: Option<String>,
    /// Directories found to hold a `go.mod`, with its module path.
    go_mods: BTreeMap<String, Option<String>>,
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
            go_module: None,
            go_mods: BTreeMap::new(),
        })
    }

    /// The module path for Go files under a root without `go.mod`.
    pub fn with_go_module(mut self, module: Option<String>) -> Self {
        self.go_module = module;
        self
    }

    /// A Go file's package: its directory's import path, from the nearest
    /// `go.mod` (or `--go-module` at the root); without either, the
    /// directory itself (`.` at the root).
    fn go_package(&mut self, parts: &[&str], root: &Path) -> String {
        let dir = &parts[..parts.len() - 1];
        for depth in (0..=dir.len()).rev() {
            let at = dir[..depth].join("/");
            let module = self
                .go_mods
                .entry(at.clone())
                .or_insert_with(|| {
                    std::fs::read_to_string(root.join(&at).join("go.mod"))
                        .ok()
                        .map(|t| crate::gocover::module_path(&t).unwrap_or_default())
                })
                .clone();
            let module = match module {
                Some(m) => Some(m),
                None if depth == 0 => self.go_module.clone(),
                None => continue,
            };
            let rest = dir[depth..].join("/");
            return match module.filter(|m| !m.is_empty()) {
                Some(m) if rest.is_empty() => m,
                Some(m) => format!("{}/{rest}", m.trim_end_matches('/')),
                None if dir.is_empty() => ".".to_owned(),
                None => dir.join("/"),
            };
        }
        ".".to_owned()
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
        if path.ends_with(".go") {
            return self.go_package(&parts, root);
        }
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

    // Regression (#17.11): a Go module was one package; Go's package is the directory.
    #[test]
    fn go_files_belong_to_their_directory_named_by_import_path() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::write(r.join("go.mod"), "module example.com/shop\n\ngo 1.19\n").unwrap();
        std::fs::create_dir_all(r.join("cart/internal")).unwrap();
        std::fs::create_dir_all(r.join("tools/lint")).unwrap();
        std::fs::write(r.join("tools/go.mod"), "module example.com/tools\n").unwrap();
        let mut p = Packages::new(&["gen=gen/**".into()]).unwrap();
        assert_eq!(p.of("main.go", r), "example.com/shop");
        assert_eq!(p.of("cart/cart.go", r), "example.com/shop/cart");
        assert_eq!(
            p.of("cart/internal/x.go", r),
            "example.com/shop/cart/internal"
        );
        assert_eq!(p.of("tools/lint/l.go", r), "example.com/tools/lint");
        assert_eq!(p.of("gen/a.go", r), "gen");
        assert_eq!(p.of("/usr/lib/go/src/fmt/print.go", r), "/usr");
        // No go.mod: --go-module names the root's module, else directories.
        let bare = tempfile::tempdir().unwrap();
        let mut p = Packages::new(&[])
            .unwrap()
            .with_go_module(Some("example.com/m".into()));
        assert_eq!(p.of("a/b.go", bare.path()), "example.com/m/a");
        let mut p = Packages::new(&[]).unwrap();
        assert_eq!(p.of("a/b/c.go", bare.path()), "a/b");
        assert_eq!(p.of("c.go", bare.path()), ".");
    }
}
