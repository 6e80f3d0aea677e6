//! The GitHub token, kept where it cannot leak.
//!
//! The only way to read the value is [`Token::expose`], used to hand it to
//! the HTTP client, which marks the header sensitive, and to the run's
//! scrubbers, which keep it out of everything printed.
//! `Debug` and `Display` print `***`, so a token inside an error or a struct
//! dump never reaches a log.

use crate::runner::env::Env;

/// A GitHub token. Its `Debug` and `Display` never show the value.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// Wraps a token value. Surrounding whitespace (a trailing newline from a
    /// file or a secret store) is dropped.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into().trim().to_owned())
    }

    /// Reads `GITHUB_TOKEN`, otherwise `GH_TOKEN`; empty values count as unset.
    pub fn from_env(env: &Env) -> Option<Self> {
        env.get("GITHUB_TOKEN")
            .or_else(|| env.get("GH_TOKEN"))
            .map(Self::new)
            .filter(|t| !t.0.is_empty())
    }

    /// The raw value. Only for the HTTP client and for `::add-mask::`.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_token_wins_over_gh_token() {
        let env = Env::from_pairs([("GITHUB_TOKEN", "a"), ("GH_TOKEN", "b")]);
        assert_eq!(Token::from_env(&env).map(|t| t.0), Some("a".into()));
        let env = Env::from_pairs([("GITHUB_TOKEN", ""), ("GH_TOKEN", "b")]);
        assert_eq!(Token::from_env(&env).map(|t| t.0), Some("b".into()));
        let env = Env::from_pairs([("GH_TOKEN", "  \n")]);
        assert!(Token::from_env(&env).is_none());
    }

    #[test]
    fn never_displayed() {
        let t = Token::new("ghs_canary123");
        assert_eq!(format!("{t}"), "***");
        assert_eq!(format!("{t:?}"), "Token(***)");
        assert_eq!(format!("{:?}", Some(t)), "Some(Token(***))");
    }
}
