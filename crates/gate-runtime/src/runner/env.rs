//! A snapshot of the process environment.
//!
//! Everything in the runtime reads variables through [`Env`] rather than
//! `std::env`, so tests can hand in exactly the variables they mean to test
//! (hermetic, no ambient `GITHUB_*` leaking in) without mutating the process.

use std::collections::BTreeMap;

/// Environment variables, captured once.
#[derive(Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// Captures the current process environment. Variables that are not valid
    /// UTF-8 are skipped: none of the ones we read can legitimately be.
    pub fn from_process() -> Self {
        Self {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        }
    }

    /// Builds an environment from explicit pairs (tests, embedding).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// Returns the value, treating an empty string as unset: GitHub passes
    /// action inputs that were not given as empty strings.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Sets a variable (builder style, for tests).
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.vars.insert(key.into(), value.into());
        self
    }

    /// Whether we run inside a GitHub Actions job.
    pub fn in_actions(&self) -> bool {
        self.get("GITHUB_ACTIONS") == Some("true")
    }
}

impl std::fmt::Debug for Env {
    // The environment holds the token; never print values.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("keys", &self.vars.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_counts_as_unset() {
        let env = Env::from_pairs([("INPUT_A", ""), ("INPUT_B", "x")]);
        assert_eq!(env.get("INPUT_A"), None);
        assert_eq!(env.get("INPUT_B"), Some("x"));
        assert_eq!(env.get("INPUT_C"), None);
    }

    #[test]
    fn debug_shows_no_values() {
        let env = Env::from_pairs([("GITHUB_TOKEN", "ghp_canary")]);
        let shown = format!("{env:?}");
        assert!(shown.contains("GITHUB_TOKEN"));
        assert!(!shown.contains("ghp_canary"));
    }
}
