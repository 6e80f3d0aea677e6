//! What each commit asks of the next version, and why.
//!
//! A squash merge puts the PR title in the subject and the squashed commits'
//! messages in the body, so a `!` on any conventional header in the body, or
//! a breaking-change footer anywhere, counts as much as one in the subject.

use serde::Serialize;

/// A version bump, ordered from none to major.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bump {
    None,
    Patch,
    Minor,
    Major,
}

impl Bump {
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::None => "none",
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }
}

/// What one commit asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Classified {
    /// `None` means "whatever --default-bump says".
    pub bump: Option<Bump>,
    /// The rule that matched, for the explanation.
    pub rule: String,
    /// A `Release-As: X.Y.Z` footer.
    pub release_as: Option<String>,
}

/// A conventional header `type(scope)!: description`: the type, and whether
/// it carries `!`.
pub fn parse_header(line: &str) -> Option<(String, bool)> {
    let (head, desc) = line.split_once(':')?;
    // The spec's separator is ": "; "http://x" is not a header.
    if !desc.starts_with(' ') || desc.trim().is_empty() || head.is_empty() {
        return None;
    }
    let (head, bang) = match head.strip_suffix('!') {
        Some(h) => (h, true),
        None => (head, false),
    };
    let ty = match head.split_once('(') {
        Some((ty, scope))
            if scope.ends_with(')') && !scope[..scope.len() - 1].contains(['(', ')']) =>
        {
            ty
        }
        Some(_) => return None,
        None => head,
    };
    let valid = !ty.is_empty()
        && ty
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    valid.then(|| (ty.to_ascii_lowercase(), bang))
}

/// A footer `Token: value` or `Token #value`, by token (case-insensitive for
/// `Release-As`, exact for `BREAKING CHANGE`, as the spec has it).
fn footer_value<'a>(line: &'a str, token: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(token).or_else(|| {
        // Release-As is matched case-insensitively; byte-safe on any text.
        let head = line.get(..token.len())?;
        (!token.contains(' ') && head.eq_ignore_ascii_case(token)).then(|| &line[token.len()..])
    })?;
    rest.strip_prefix(": ")
        .or_else(|| rest.strip_prefix(" #"))
        .or_else(|| rest.strip_prefix(':'))
        .map(str::trim)
}

/// Classifies one commit message.
pub fn classify(message: &str) -> Classified {
    let mut lines = message.lines();
    let subject = lines.next().unwrap_or("").trim();
    let body: Vec<&str> = lines.collect();

    let mut release_as = None;
    let mut breaking: Option<String> = None;
    for raw in &body {
        let line = raw.trim();
        if let Some(v) = footer_value(line, "Release-As") {
            if !v.is_empty() {
                release_as = Some(v.trim_start_matches(['v', 'V']).to_owned());
            }
        }
        if breaking.is_none() {
            if footer_value(line, "BREAKING CHANGE").is_some() {
                breaking = Some("a BREAKING CHANGE footer".into());
            } else if footer_value(line, "BREAKING-CHANGE").is_some() {
                breaking = Some("a BREAKING-CHANGE footer".into());
            } else {
                // A squashed commit's header, possibly as a list item.
                let item = line.trim_start_matches(['*', '-', ' ']);
                if let Some((ty, true)) = parse_header(item) {
                    breaking = Some(format!("a squashed commit marked {ty}!"));
                }
            }
        }
    }
    let header = parse_header(subject);
    let (bump, rule) = match (&header, breaking) {
        (Some((ty, true)), _) => (Some(Bump::Major), format!("{ty}! (breaking)")),
        (_, Some(why)) => (Some(Bump::Major), format!("{why} (breaking)")),
        (Some((ty, false)), None) if ty == "feat" => (Some(Bump::Minor), "feat".to_owned()),
        (Some((ty, false)), None) if ty == "fix" || ty == "perf" => (Some(Bump::Patch), ty.clone()),
        (Some((ty, false)), None) => (None, format!("{ty}: the default bump")),
        (None, None) => (
            None,
            "not a conventional commit: the default bump".to_owned(),
        ),
    };
    Classified {
        bump,
        rule,
        release_as,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bump(msg: &str) -> Option<Bump> {
        classify(msg).bump
    }

    #[test]
    fn subject_rules() {
        assert_eq!(bump("feat: add checkout"), Some(Bump::Minor));
        assert_eq!(bump("feat(cart): add checkout"), Some(Bump::Minor));
        assert_eq!(bump("FEAT: shouty"), Some(Bump::Minor));
        assert_eq!(bump("fix: a bug"), Some(Bump::Patch));
        assert_eq!(bump("perf: faster"), Some(Bump::Patch));
        assert_eq!(bump("chore: tidy"), None);
        assert_eq!(bump("docs(readme): words"), None);
        assert_eq!(bump("Merge branch 'x'"), None);
        assert_eq!(bump("feat!: drop v1 API"), Some(Bump::Major));
        assert_eq!(bump("refactor(core)!: new model"), Some(Bump::Major));
        assert_eq!(classify("feat!: x").rule, "feat! (breaking)");
    }

    #[test]
    fn footers() {
        assert_eq!(
            bump("fix: x\n\nBREAKING CHANGE: the config moved"),
            Some(Bump::Major)
        );
        assert_eq!(
            bump("fix: x\n\nBREAKING-CHANGE: the config moved"),
            Some(Bump::Major)
        );
        // Lower case is not the footer token.
        assert_eq!(bump("fix: x\n\nbreaking change: nope"), Some(Bump::Patch));
        let c = classify("chore: release\n\nRelease-As: 2.0.0");
        assert_eq!(c.release_as.as_deref(), Some("2.0.0"));
        assert_eq!(
            classify("x\n\nrelease-as: v3.1.0").release_as.as_deref(),
            Some("3.1.0")
        );
    }

    #[test]
    fn squash_merges_count_their_body() {
        let squash = "Add the new checkout (#42)\n\n* feat: cart\n\n* refactor!: drop the old cart\n\n* fix: typo";
        let c = classify(squash);
        assert_eq!(c.bump, Some(Bump::Major));
        assert!(c.rule.contains("refactor!"), "{}", c.rule);
        let squash = "feat: checkout (#42)\n\n* wip\n* more wip\n\nBREAKING CHANGE: sessions reset";
        assert_eq!(bump(squash), Some(Bump::Major));
        // A feat in the body of a fix-titled squash does not count; the title does.
        assert_eq!(bump("fix: x (#1)\n\n* feat: y"), Some(Bump::Patch));
    }

    #[test]
    fn non_ascii_bodies_do_not_panic() {
        assert_eq!(
            bump("fix: 修正\n\n日本語のテキスト\nÜberall ärger"),
            Some(Bump::Patch)
        );
    }

    #[test]
    fn headers() {
        assert_eq!(parse_header("feat(a-b): x"), Some(("feat".into(), false)));
        assert_eq!(parse_header("feat(a)!: x"), Some(("feat".into(), true)));
        assert_eq!(parse_header("feat:"), None);
        assert_eq!(parse_header("feat (a): x"), None);
        assert_eq!(parse_header("feat(a: x"), None);
        assert_eq!(parse_header("no colon here"), None);
        assert_eq!(parse_header("http://example.com is down"), None);
    }
}
