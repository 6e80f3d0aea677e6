//! The run's notion of "now", and the hidden `--now` flag that fixes it.
//!
//! Branch ages and calendar versions depend on the time. Tests and replays
//! pin it with `--now`, a hidden flag every gate that reads the clock
//! flattens in from here, so the flag and its parsing exist once.

use anyhow::Context as _;
use jiff::Timestamp;

/// The hidden `--now` flag. Flatten into a gate's clap struct.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct NowArg {
    /// The current time, RFC 3339 (tests and replays).
    #[arg(long, value_name = "TIME", hide = true)]
    pub now: Option<String>,
}

impl NowArg {
    /// `--now` when given, else the system clock.
    pub fn resolve(&self) -> anyhow::Result<Timestamp> {
        match &self.now {
            Some(s) => parse_timestamp(s, "--now"),
            None => Ok(Timestamp::now()),
        }
    }
}

/// Parses an RFC 3339 timestamp; `what` names the input for the error.
pub fn parse_timestamp(s: &str, what: &str) -> anyhow::Result<Timestamp> {
    s.parse::<Timestamp>().with_context(|| {
        format!("{what} {s:?}: not an RFC 3339 timestamp such as 2026-11-20T09:30:00Z")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_is_pinned_or_read() {
        let pinned = NowArg {
            now: Some("2026-11-20T09:00:00Z".into()),
        };
        assert_eq!(pinned.resolve().unwrap().as_second(), 1_795_165_200);
        assert!(NowArg::default().resolve().is_ok());
        let bad = NowArg {
            now: Some("tomorrow".into()),
        };
        let e = format!("{:#}", bad.resolve().unwrap_err());
        assert!(e.starts_with("--now \"tomorrow\": not an RFC 3339"), "{e}");
    }
}
