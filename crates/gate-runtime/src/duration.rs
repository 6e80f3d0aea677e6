//! The one grammar for durations a user writes: `800ms`, `30s`, `2m`,
//! `36h`, `2d`, `1w`, `1d12h`, `1.5h`.
//!
//! A branch age (`--max-branch-age`) and a watch window (`--duration`) are
//! the same kind of thing to a user, so they are read the same way. Days
//! and weeks are 24 and 168 hours: the durations here are spans of wall
//! time, not calendar arithmetic.

use std::time::Duration;

/// The units, longest name first so `ms` wins over `m`.
const UNITS: [(&str, f64); 6] = [
    ("ms", 0.001),
    ("w", 7.0 * 86_400.0),
    ("d", 86_400.0),
    ("h", 3_600.0),
    ("m", 60.0),
    ("s", 1.0),
];

/// Parses a duration: one or more `NUMBER UNIT` groups (units `w d h m s
/// ms`, numbers may have a fraction), optionally separated by spaces. `what`
/// names the input for the error.
pub fn parse(text: &str, what: &str) -> anyhow::Result<Duration> {
    let hint = || {
        anyhow::anyhow!(
            "{what} {text:?}: not a duration; write a number and a unit, e.g. 800ms, 30s, 2m, 36h, 2d or 1d12h"
        )
    };
    let s = text.trim();
    if s.starts_with('-') {
        anyhow::bail!("{what} {text:?}: a duration cannot be negative");
    }
    let mut rest = s;
    let mut seconds = 0.0f64;
    let mut groups = 0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..digits].parse().map_err(|_| hint())?;
        rest = &rest[digits..];
        let (unit, scale) = UNITS
            .iter()
            .find(|(u, _)| rest.starts_with(u))
            .ok_or_else(hint)?;
        rest = &rest[unit.len()..];
        // "1m2" or "2 days": a unit must end where a number or the text does.
        if rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err(hint());
        }
        rest = rest.trim_start();
        seconds += number * scale;
        groups += 1;
    }
    if groups == 0 {
        return Err(hint());
    }
    Duration::try_from_secs_f64(seconds)
        .map_err(|_| anyhow::anyhow!("{what} {text:?}: out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Duration {
        parse(s, "--x").unwrap()
    }

    fn hours(s: &str) -> f64 {
        d(s).as_secs_f64() / 3600.0
    }

    #[test]
    fn branch_ages() {
        // Moved from pr-size-gate's age parser.
        assert_eq!(hours("2d"), 48.0);
        assert_eq!(hours("36h"), 36.0);
        assert_eq!(hours("1d12h"), 36.0);
        assert_eq!(hours("90m"), 1.5);
        assert_eq!(hours("1w"), 168.0);
        assert_eq!(hours("1.5d"), 36.0);
        for bad in ["2", "d", "2 days", "", "two days"] {
            assert!(parse(bad, "--max-branch-age").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn watch_windows() {
        assert_eq!(d("800ms"), Duration::from_millis(800));
        assert_eq!(d("30s"), Duration::from_secs(30));
        assert_eq!(d("2m"), Duration::from_secs(120));
        assert_eq!(d("1h30m"), Duration::from_secs(5400));
        assert_eq!(d("1h 30m"), Duration::from_secs(5400));
        assert_eq!(d("1.5h"), Duration::from_secs(5400));
        assert_eq!(d("0s"), Duration::ZERO);
        assert_eq!(d("1m30s"), Duration::from_secs(90));
    }

    #[test]
    fn errors_name_the_input() {
        let e = parse("forever", "--duration").unwrap_err().to_string();
        assert!(
            e.starts_with("--duration \"forever\": not a duration"),
            "{e}"
        );
        let e = parse("-5s", "--interval").unwrap_err().to_string();
        assert!(e.contains("cannot be negative"), "{e}");
        for bad in ["5", "5x", "1m2", "1..5s", "5 s s", "ms"] {
            assert!(parse(bad, "--x").is_err(), "{bad:?}");
        }
        assert!(parse("99999999999999999999999w", "--x").is_err());
        // Moved from post-deploy-watch's duration parser.
        let e = parse("soon", "--interval").unwrap_err().to_string();
        assert!(e.contains("--interval") && e.contains("30s"), "{e}");
    }
}
