//! Report paths to repository paths, and the format of a report.
//!
//! Reports name files by absolute paths from another machine or container,
//! with Windows separators, or relative to some source root. Every path ends
//! up as a forward-slash path relative to the repository; a file that is not
//! in the checkout keeps its normalised path and still counts.

use std::path::Path;

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Lcov,
    Cobertura,
    Jacoco,
    Go,
}

/// Detects the format from the start of a report.
pub fn detect(head: &[u8]) -> Option<Format> {
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with("mode:") {
        return Some(Format::Go);
    }
    if text.starts_with('<') {
        // The root element, after any prolog, comments and DOCTYPE.
        let mut rest = text;
        while let Some(i) = rest.find('<') {
            rest = &rest[i + 1..];
            if rest.starts_with('?') || rest.starts_with('!') {
                continue;
            }
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            return match name.as_str() {
                "coverage" => Some(Format::Cobertura),
                "report" => Some(Format::Jacoco),
                _ => None,
            };
        }
        return None;
    }
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    ["TN:", "SF:", "VER:"]
        .iter()
        .any(|p| first.starts_with(p))
        .then_some(Format::Lcov)
}

fn is_absolute(p: &str) -> bool {
    p.starts_with('/') || (p.len() > 2 && p.as_bytes()[1] == b':' && p.as_bytes()[2] == b'/')
}

/// Normalises one report path: forward slashes, `./` and `..` folded, the
/// first matching `strip_prefixes` entry removed, and an absolute path made
/// relative to the checkout when it lies inside it or when a suffix of it
/// exists in the checkout (a report from another machine).
pub fn normalize(path: &str, strip_prefixes: &[String], root: &Path) -> String {
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
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    if !absolute {
        return parts.join("/");
    }
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
    let joined = parts.join("/");
    if p.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_format() {
        assert_eq!(detect(b"TN:\nSF:a\n"), Some(Format::Lcov));
        assert_eq!(detect(b"\xef\xbb\xbf# comment\nSF:a\n"), Some(Format::Lcov));
        assert_eq!(detect(b"mode: set\n"), Some(Format::Go));
        assert_eq!(
            detect(b"<?xml version=\"1.0\" ?>\n<!-- x -->\n<coverage version=\"7\">"),
            Some(Format::Cobertura)
        );
        assert_eq!(detect(b"<?xml version=\"1.0\"?><!DOCTYPE report PUBLIC \"x\" \"report.dtd\"><report name=\"a\">"), Some(Format::Jacoco));
        assert_eq!(detect(b"{\"json\": true}"), None);
        assert_eq!(detect(b"<html>"), None);
    }

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
}
