//! Writing the generated files so a re-run never loses a user's change.
//!
//! Each file carries a marker line with the checksum of what init wrote.
//! On a re-run a file whose content still matches its checksum is init's
//! own and may be brought up to date; any other existing file is the
//! user's, and is kept unless `--force` (which keeps a backup first).

use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// How a file type writes a comment line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `# ...`: TOML, YAML, shell (after the shebang).
    Hash,
    /// `<!-- ... -->`: Markdown.
    Html,
}

/// A file init wants to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// Repository-relative, with `/`.
    pub path: String,
    pub body: String,
    pub style: Style,
    pub executable: bool,
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It did not exist.
    Written,
    /// init's own copy, brought up to date.
    Updated,
    /// init's own copy, already up to date.
    Unchanged,
    /// Changed by the user: left alone.
    Kept,
    /// Changed by the user and overwritten with `--force`; the backup.
    Overwritten { backup: String },
}

const MARK: &str = "Written by trunkline init";

/// FNV-1a, 64 bits: change detection, not security.
fn checksum(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn marker(style: Style, sum: &str) -> String {
    let text = format!(
        "{MARK} {} (checksum {sum}). Edit freely: a re-run never overwrites a changed file.",
        env!("CARGO_PKG_VERSION")
    );
    match style {
        Style::Hash => format!("# {text}"),
        Style::Html => format!("<!-- {text} -->"),
    }
}

/// The file's text: the body with its marker line (after a shebang).
pub fn render(p: &Planned) -> String {
    let m = marker(p.style, &checksum(&p.body));
    match p.body.split_once('\n') {
        Some((first, rest)) if p.style == Style::Hash && is_preamble(first) => {
            format!("{first}\n{m}\n{rest}")
        }
        _ => format!("{m}\n{}", p.body),
    }
}

/// A first line that must stay first: a shebang, or an editor's
/// `#:schema` directive.
fn is_preamble(line: &str) -> bool {
    line.starts_with("#!") || line.starts_with("#:schema")
}

/// The body and the checksum its marker claims, when the text has a marker.
fn parse(text: &str) -> Option<(String, String)> {
    let is_marker = |l: &str| l.contains(MARK) && l.contains("(checksum ");
    let (before, marker_line, after) = match text.split_once('\n') {
        Some((first, rest)) if is_marker(first) => ("", first, rest),
        Some((first, rest)) if is_preamble(first) => {
            let (second, after) = rest.split_once('\n')?;
            if !is_marker(second) {
                return None;
            }
            (first, second, after)
        }
        _ => return None,
    };
    let sum = marker_line
        .split("(checksum ")
        .nth(1)?
        .split(')')
        .next()?
        .to_owned();
    let body = if before.is_empty() {
        after.to_owned()
    } else {
        format!("{before}\n{after}")
    };
    Some((sum, body))
}

/// What writing `p` over `existing` would do.
pub fn decide(p: &Planned, existing: Option<&str>, force: bool) -> Outcome {
    let Some(existing) = existing else {
        return Outcome::Written;
    };
    match parse(existing) {
        Some((sum, body)) if checksum(&body) == sum => {
            if body == p.body {
                Outcome::Unchanged
            } else {
                Outcome::Updated
            }
        }
        _ if force => Outcome::Overwritten {
            backup: String::new(),
        },
        _ => Outcome::Kept,
    }
}

/// A backup path that does not exist yet: `FILE.bak`, `FILE.bak.1`, ...
fn backup_path(path: &Path) -> PathBuf {
    let base = format!("{}.bak", path.display());
    let mut candidate = PathBuf::from(&base);
    let mut n = 1;
    while candidate.exists() {
        candidate = PathBuf::from(format!("{base}.{n}"));
        n += 1;
    }
    candidate
}

/// Applies `outcome` for `p` under `dir`. Writes go to a temp file beside
/// the target and are renamed into place, so no file is ever half-written.
pub fn apply(dir: &Path, p: &Planned, outcome: Outcome) -> anyhow::Result<Outcome> {
    let path = dir.join(&p.path);
    let outcome = match outcome {
        Outcome::Kept | Outcome::Unchanged => return Ok(outcome),
        Outcome::Overwritten { .. } => {
            let backup = backup_path(&path);
            std::fs::copy(&path, &backup)
                .with_context(|| format!("backing up {} to {}", p.path, backup.display()))?;
            let shown = backup
                .strip_prefix(dir)
                .unwrap_or(&backup)
                .to_string_lossy()
                .replace('\\', "/");
            Outcome::Overwritten { backup: shown }
        }
        other => other,
    };
    let parent = path.parent().unwrap_or(dir);
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let tmp = parent.join(format!(
        ".{}.trunkline-tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file")
    ));
    std::fs::write(&tmp, render(p)).with_context(|| format!("writing {}", tmp.display()))?;
    #[cfg(unix)]
    if p.executable {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("making {} executable", p.path))?;
    }
    std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", p.path))?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(body: &str, style: Style) -> Planned {
        Planned {
            path: "a".into(),
            body: body.into(),
            style,
            executable: false,
        }
    }

    #[test]
    fn the_marker_round_trips() {
        for (body, style) in [
            ("[x]\nk = 1\n", Style::Hash),
            ("#!/usr/bin/env bash\nset -eu\n", Style::Hash),
            ("#:schema ./s.json\n[a]\n", Style::Hash),
            ("## Title\n- [ ] item\n", Style::Html),
        ] {
            let p = planned(body, style);
            let text = render(&p);
            assert_eq!(
                parse(&text),
                Some((checksum(body), body.to_owned())),
                "{text}"
            );
            assert_eq!(decide(&p, Some(&text), false), Outcome::Unchanged);
        }
        let shebang = render(&planned("#!/bin/sh\necho\n", Style::Hash));
        assert!(shebang.starts_with("#!/bin/sh\n# Written by trunkline init"));
    }

    #[test]
    fn a_user_change_is_kept_an_old_copy_updated() {
        let old = planned("k = 1\n", Style::Hash);
        let new = planned("k = 2\n", Style::Hash);
        let written = render(&old);
        assert_eq!(decide(&new, Some(&written), false), Outcome::Updated);
        let edited = written.replace("k = 1", "k = 5");
        assert_eq!(decide(&new, Some(&edited), false), Outcome::Kept);
        assert_eq!(decide(&new, Some("k = 9\n"), false), Outcome::Kept);
        assert!(matches!(
            decide(&new, Some(&edited), true),
            Outcome::Overwritten { .. }
        ));
        assert_eq!(decide(&new, None, false), Outcome::Written);
    }
}
