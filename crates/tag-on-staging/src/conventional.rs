//! What each commit asks of the next version, and why.
//!
//! The subject is a conventional header `type(scope)!: description`; the
//! scope is everything between the parentheses (`manager:nuget`, `api/v2`,
//! nested parentheses). Footers (`BREAKING CHANGE:`, `Release-As:`) count
//! anywhere in the body. A squash merge puts the PR title in the subject and
//! the squashed commits in the body, one `* type(scope)!: subject` line
//! each at the start of a line: such a line with a conventional type and a
//! `!` counts as a breaking change too (unless `--squash-bodies ignore`),
//! while indented, quoted or other body text never does.

use schemars::JsonSchema;
use serde::Serialize;

/// A version bump, ordered from none to major.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
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

/// Whether squashed commit lines in a body count (`--squash-bodies`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SquashBodies {
    /// A `* type(scope)!: subject` line in the body is a breaking change.
    #[default]
    Count,
    /// Only the subject and the footers decide, as release-please does.
    Ignore,
}

/// The rule of a commit that asks for nothing: `--default-bump` applies.
pub const DEFAULT_RULE: &str = "default";

/// The conventional commit types (Angular's, commitlint's and
/// release-please's): a squashed line counts only with one of these.
pub const TYPES: [&str; 12] = [
    "build", "chore", "ci", "deps", "docs", "feat", "fix", "perf", "refactor", "revert", "style",
    "test",
];

/// A body line that decided: its line number in the message (the subject
/// is line 1) and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct BodyLine {
    /// The line's number in the message; the subject is line 1.
    pub number: usize,
    pub text: String,
}

/// What one commit asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Classified {
    /// `None`: the commit asks for nothing ("whatever --default-bump says").
    pub bump: Option<Bump>,
    /// The rule that matched, for the explanation; [`DEFAULT_RULE`] when
    /// none did.
    pub rule: String,
    /// A `Release-As: X.Y.Z` footer.
    pub release_as: Option<String>,
    /// The body line that raised the bump above what the subject asks.
    pub deciding_line: Option<BodyLine>,
}

/// A conventional header `type(scope)!: description`: the type (lower
/// case), and whether it carries `!`. The scope is everything between the
/// parentheses, nested ones included.
pub fn parse_header(line: &str) -> Option<(String, bool)> {
    let type_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(line.len());
    if type_end == 0 {
        return None;
    }
    let mut rest = &line[type_end..];
    if rest.starts_with('(') {
        let mut depth = 0usize;
        let close = rest.char_indices().find_map(|(i, c)| {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            (depth == 0).then_some(i)
        })?;
        rest = &rest[close + 1..];
    }
    let bang = rest.starts_with('!');
    if bang {
        rest = &rest[1..];
    }
    // The spec's separator is ": "; "http://x" is not a header.
    let description = rest.strip_prefix(": ")?;
    if description.trim().is_empty() {
        return None;
    }
    Some((line[..type_end].to_ascii_lowercase(), bang))
}

/// A line of GitHub's squash format, `* type(scope)!: subject` at the start
/// of the line, with a conventional type: the type, and its `!`.
pub fn squashed_header(line: &str) -> Option<(String, bool)> {
    let (ty, bang) = parse_header(line.strip_prefix("* ")?)?;
    TYPES.contains(&ty.as_str()).then_some((ty, bang))
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
pub fn classify(message: &str, squash: SquashBodies) -> Classified {
    let mut lines = message.lines();
    let subject = lines.next().unwrap_or("").trim();

    let mut release_as = None;
    let mut breaking: Option<(String, BodyLine)> = None;
    for (i, raw) in lines.enumerate() {
        let line = raw.trim();
        if let Some(v) = footer_value(line, "Release-As") {
            if !v.is_empty() {
                release_as = Some(v.trim_start_matches(['v', 'V']).to_owned());
            }
        }
        if breaking.is_some() {
            continue;
        }
        let why = if footer_value(line, "BREAKING CHANGE").is_some() {
            Some("a BREAKING CHANGE footer".to_owned())
        } else if footer_value(line, "BREAKING-CHANGE").is_some() {
            Some("a BREAKING-CHANGE footer".to_owned())
        } else if squash == SquashBodies::Count {
            // Not trimmed: an indented or quoted line is text, not a
            // squashed commit.
            match squashed_header(raw) {
                Some((ty, true)) => Some(format!("a squashed commit marked {ty}!")),
                _ => None,
            }
        } else {
            None
        };
        breaking = why.map(|why| {
            (
                why,
                BodyLine {
                    number: i + 2,
                    text: raw.to_owned(),
                },
            )
        });
    }
    let header = parse_header(subject);
    let (bump, rule, deciding_line) = match (&header, breaking) {
        (Some((ty, true)), _) => (Some(Bump::Major), format!("{ty}! (breaking)"), None),
        (_, Some((why, line))) => (Some(Bump::Major), format!("{why} (breaking)"), Some(line)),
        (Some((ty, false)), None) if ty == "feat" => (Some(Bump::Minor), "feat".to_owned(), None),
        (Some((ty, false)), None) if ty == "fix" || ty == "perf" => {
            (Some(Bump::Patch), ty.clone(), None)
        }
        _ => (None, DEFAULT_RULE.to_owned(), None),
    };
    Classified {
        bump,
        rule,
        release_as,
        deciding_line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bump(msg: &str) -> Option<Bump> {
        classify(msg, SquashBodies::Count).bump
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
        assert_eq!(
            classify("feat!: x", SquashBodies::Count).rule,
            "feat! (breaking)"
        );
    }

    // Regression (#18.8): a commit that asked for nothing showed as asking for a patch.
    #[test]
    fn a_commit_that_asks_for_nothing_says_default() {
        // Issue #18, item 8: not shown as if it asked for a patch.
        for msg in ["chore: tidy", "update readme", "docs(x): y"] {
            let c = classify(msg, SquashBodies::Count);
            assert_eq!(c.bump, None, "{msg}");
            assert_eq!(c.rule, DEFAULT_RULE, "{msg}");
        }
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
        let c = classify("chore: release\n\nRelease-As: 2.0.0", SquashBodies::Count);
        assert_eq!(c.release_as.as_deref(), Some("2.0.0"));
        assert_eq!(
            classify("x\n\nrelease-as: v3.1.0", SquashBodies::Count)
                .release_as
                .as_deref(),
            Some("3.1.0")
        );
    }

    #[test]
    fn squash_merges_count_their_body() {
        let squash = "Add the new checkout (#42)\n\n* feat: cart\n\n* refactor!: drop the old cart\n\n* fix: typo";
        let c = classify(squash, SquashBodies::Count);
        assert_eq!(c.bump, Some(Bump::Major));
        assert!(c.rule.contains("refactor!"), "{}", c.rule);
        assert_eq!(
            c.deciding_line,
            Some(BodyLine {
                number: 5,
                text: "* refactor!: drop the old cart".into()
            })
        );
        let squash = "feat: checkout (#42)\n\n* wip\n* more wip\n\nBREAKING CHANGE: sessions reset";
        assert_eq!(bump(squash), Some(Bump::Major));
        // A feat in the body of a fix-titled squash does not count; the title does.
        assert_eq!(bump("fix: x (#1)\n\n* feat: y"), Some(Bump::Patch));
        // A breaking subject decides by itself: no body line is named.
        let c = classify("feat!: x\n\n* fix!: y", SquashBodies::Count);
        assert_eq!(c.deciding_line, None);
    }

    // Regression (#18.2, real commit bodies): an indented `chore(deps)!: ...` example or `Note!:
    // ...` gave a major.
    /// Issue #18, item 2: body text that is not a squashed commit.
    #[test]
    fn only_squash_lines_with_a_conventional_type_count() {
        for body in [
            "    chore(deps)!: drop support for Python 3.9",
            "\tfeat!: tabbed",
            "> feat!: quoted",
            ">feat!: quoted",
            "Note!: this is important",
            "* Note!: this is important",
            "* unknown!: type",
            "- feat!: a dash list, not GitHub's squash format",
            "feat!: no star",
            " * feat!: indented star",
        ] {
            let msg = format!("fix: x\n\n{body}\n");
            assert_eq!(bump(&msg), Some(Bump::Patch), "{body:?}");
        }
        for body in ["* feat!: y", "* chore(deps)!: drop 3.9", "* BUILD!: shouty"] {
            let msg = format!("fix: x\n\n{body}\n");
            assert_eq!(bump(&msg), Some(Bump::Major), "{body:?}");
        }
    }

    /// Issue #18, item 3: `--squash-bodies ignore` leaves the title and the
    /// footers to decide.
    #[test]
    fn squash_bodies_can_be_ignored() {
        let squash = "Add the new checkout (#42)\n\n* feat: cart\n\n* refactor!: drop the old cart";
        let c = classify(squash, SquashBodies::Ignore);
        assert_eq!(c.bump, None);
        assert_eq!(c.rule, DEFAULT_RULE);
        let with_footer = "fix: x\n\n* feat!: y\n\nBREAKING CHANGE: z";
        let c = classify(with_footer, SquashBodies::Ignore);
        assert_eq!(c.bump, Some(Bump::Major));
        assert_eq!(c.deciding_line.unwrap().number, 5);
    }

    // Regression (review 2e13afa): a non-ASCII commit body panicked.
    #[test]
    fn non_ascii_bodies_do_not_panic() {
        assert_eq!(
            bump("fix: 修正\n\n日本語のテキスト\nÜberall ärger\n* 日本!: x"),
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

    // Regression (#18.1, real release histories): `feat(manager:nuget): x` was split at the first
    // colon and gave a patch.
    /// Issue #18, item 1: the scope is everything between the parentheses.
    #[test]
    fn scopes_hold_colons_slashes_dots_spaces_and_parentheses() {
        for (line, want) in [
            ("feat(manager:nuget): support X", ("feat", false)),
            ("feat(api:v2)!: drop v1", ("feat", true)),
            ("fix(manager/gradle): x", ("fix", false)),
            ("fix(deps.dev): x", ("fix", false)),
            ("fix(a-b_c): x", ("fix", false)),
            ("feat(the cart): x", ("feat", false)),
            ("feat(deps (dev)): x", ("feat", false)),
            ("feat(a(b)c(d)): x", ("feat", false)),
            ("feat(a: b (c: d))!: x", ("feat", true)),
            ("feat(): empty scope", ("feat", false)),
        ] {
            assert_eq!(
                parse_header(line),
                Some((want.0.to_owned(), want.1)),
                "{line}"
            );
        }
        for line in [
            "feat(a)(b): x",
            "feat(a)): x",
            "feat((a): x",
            "feat(a:b):x",
            "feat(a:b) : x",
            "(a): x",
            "feat(a)!x: y",
        ] {
            assert_eq!(parse_header(line), None, "{line}");
        }
    }
}
