//! Report paths to repository paths.
//!
//! Reports name files by absolute paths from another machine or container,
//! with Windows separators, or relative to some source root. Every path ends
//! up as a forward-slash path relative to the repository; a file that is not
//! in the checkout keeps its normalised path and still counts.

use std::path::Path;

fn is_absolute(p: &str) -> bool {
    p.starts_with('/') || (p.len() > 2 && p.as_bytes()[1] == b':' && p.as_bytes()[2] == b'/')
}

/// A report path with forward slashes, `./` and `..` folded, each segment
/// trimmed of surrounding whitespace, and the first matching
/// `strip_prefixes` entry removed; still absolute if it was. Folding a
/// folded path gives it back unchanged.
pub fn fold(path: &str, strip_prefixes: &[String]) -> String {
    let mut p = path.trim().replace('\\', "/");
    for prefix in strip_prefixes {
        let prefix = prefix.replace('\\', "/");
        let prefix = prefix.trim_end_matches('/');
        if let Some(rest) = p.strip_prefix(prefix) {
            if rest.is_empty() || rest.starts_with('/') {
                p = rest.trim_start_matches('/').to_owned();
                break;
            }
        }
    }
    let absolute = is_absolute(&p);
    let mut parts: Vec<&str> = Vec::new();
    // Each segment trimmed, so that folding a folded path changes nothing:
    // `./ a` would otherwise give ` a`, and that `a`.
    for part in p.split('/').map(str::trim) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if absolute && p.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

/// Normalises one report path: forward slashes, `./` and `..` folded, the
/// first matching `strip_prefixes` entry removed, and an absolute path made
/// relative to the checkout when it lies inside it or when a suffix of it
/// exists in the checkout (a report from another machine).
pub fn normalize(path: &str, strip_prefixes: &[String], root: &Path) -> String {
    let folded = fold(path, strip_prefixes);
    if !is_absolute(&folded) {
        return folded;
    }
    let parts: Vec<&str> = folded.split('/').filter(|s| !s.is_empty()).collect();
    let root_text = root.to_string_lossy().replace('\\', "/");
    let root_parts: Vec<&str> = root_text.split('/').filter(|s| !s.is_empty()).collect();
    if parts.len() > root_parts.len() && parts[..root_parts.len()] == root_parts[..] {
        return parts[root_parts.len()..].join("/");
    }
    // The longest suffix that exists in the checkout.
    for start in 1..parts.len() {
        let candidate = parts[start..].join("/");
        if root.join(&candidate).exists() {
            return candidate;
        }
    }
    folded
}

/// Within one report, the prefixes that mapped some absolute paths into the
/// checkout (a report from another machine: `/home/runner/work/r/r` for
/// `/home/runner/work/r/r/src/a.rs` found as `src/a.rs`), applied to the
/// report's other absolute paths under the same prefix, which may name
/// files not in this checkout (generated, deleted).
pub fn apply_learned_prefixes(names: &mut [(String, String)]) {
    let mut prefixes: Vec<String> = names
        .iter()
        .filter(|(folded, normalized)| is_absolute(folded) && !is_absolute(normalized))
        .filter_map(|(folded, normalized)| {
            folded
                .strip_suffix(normalized.as_str())
                .and_then(|p| p.strip_suffix('/'))
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
        })
        .collect();
    prefixes.sort();
    prefixes.dedup();
    for (folded, normalized) in names.iter_mut() {
        if !is_absolute(normalized) {
            continue;
        }
        let best = prefixes
            .iter()
            .filter(|p| {
                folded
                    .strip_prefix(p.as_str())
                    .is_some_and(|rest| rest.starts_with('/') && rest.len() > 1)
            })
            .max_by_key(|p| p.len());
        if let Some(p) = best {
            *normalized = folded[p.len() + 1..].to_owned();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_paths() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("src")).unwrap();
        std::fs::write(root.path().join("src/lib.rs"), "").unwrap();
        let r = root.path();
        let inside = format!("{}/src/lib.rs", r.display());
        assert_eq!(normalize(&inside, &[], r), "src/lib.rs");
        assert_eq!(
            normalize("/home/runner/work/shop/shop/src/lib.rs", &[], r),
            "src/lib.rs"
        );
        assert_eq!(
            normalize("C:\\build\\shop\\src\\lib.rs", &[], r),
            "src/lib.rs"
        );
        assert_eq!(normalize("./src/../src/lib.rs", &[], r), "src/lib.rs");
        assert_eq!(normalize("/gen/out.rs", &[], r), "/gen/out.rs");
        assert_eq!(normalize("/app/pkg/a.py", &["/app".into()], r), "pkg/a.py");
        assert_eq!(
            normalize("/application/a.py", &["/app".into()], r),
            "/application/a.py"
        );
    }

    // Regression (the fuzz harness, session 4): `./ a` folded to ` a`, which
    // folded again to `a`; a segment's surrounding whitespace made fold
    // depend on how often it ran.
    #[test]
    fn folding_a_folded_path_changes_nothing() {
        let cases = [
            ("./ a", "a"),
            ("/ci/ a", "a"),
            ("./ /b", "b"),
            ("a /", "a"),
            ("./ ./ ./ a", "a"),
            ("/ a", "/a"),
            (" C:\\x\\ y ", "C:/x/y"),
            ("src/a .py", "src/a .py"),
            ("", ""),
            ("/", "/"),
        ];
        for (path, want) in cases {
            let once = fold(path, &["/ci".into()]);
            assert_eq!(once, want, "{path:?}");
            assert_eq!(fold(&once, &["/ci".into()]), once, "{path:?} twice");
        }
    }

    // Regression (review c0eaa28): files of another machine missing here were not mapped by the
    // report's learned prefix.
    #[test]
    fn a_reports_learned_prefix_maps_its_files_not_in_the_checkout() {
        let mut names = vec![
            (
                "/home/runner/work/r/r/src/a.rs".to_owned(),
                "src/a.rs".to_owned(),
            ),
            (
                "/home/runner/work/r/r/gen/b.rs".to_owned(),
                "/home/runner/work/r/r/gen/b.rs".to_owned(),
            ),
            (
                "/usr/include/stdio.h".to_owned(),
                "/usr/include/stdio.h".to_owned(),
            ),
            ("lib/c.rs".to_owned(), "lib/c.rs".to_owned()),
        ];
        apply_learned_prefixes(&mut names);
        let got: Vec<&str> = names.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(
            got,
            ["src/a.rs", "gen/b.rs", "/usr/include/stdio.h", "lib/c.rs"]
        );
    }
}
