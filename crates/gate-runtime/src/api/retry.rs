//! When to retry a GitHub API call, and how long to wait first.
//!
//! We own this policy instead of using octocrab's tower retry, which retries
//! POSTs at once with no delay and ignores rate-limit headers. The decision
//! is a pure function of the response, so it is tested without a network.

use std::time::Duration;

/// Limits on retrying. `Default` is what the binaries use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubles each time.
    pub base_delay: Duration,
    /// Upper bound on one backoff.
    pub max_delay: Duration,
    /// The longest rate-limit wait we accept; a longer one gives up at once.
    pub max_rate_limit_wait: Duration,
    /// Wait for a secondary rate limit that names no time (GitHub says: at
    /// least a minute).
    pub secondary_limit_wait: Duration,
    /// Timeout of one request, connecting and reading the whole body.
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(16),
            max_rate_limit_wait: Duration::from_secs(120),
            secondary_limit_wait: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff before attempt `attempt + 1` (`attempt` >= 1).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// What to do with a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Hand the response to the caller, success or not.
    Done,
    /// A transient failure: back off and try again.
    Backoff,
    /// Rate limited: wait exactly this long, then try again.
    Wait(Duration),
    /// A secondary rate limit that names no time: wait the policy's default.
    SecondaryLimit,
}

/// The response facts the decision needs.
#[derive(Debug, Clone, Default)]
pub struct ResponseFacts<'a> {
    pub status: u16,
    pub retry_after: Option<&'a str>,
    pub ratelimit_remaining: Option<&'a str>,
    pub ratelimit_reset: Option<&'a str>,
    pub body: &'a str,
}

/// Decides whether to retry, given the response and the current Unix time.
pub fn classify(facts: &ResponseFacts<'_>, now_unix: u64) -> Decision {
    let status = facts.status;
    if (500..600).contains(&status) {
        return Decision::Backoff;
    }
    if status != 403 && status != 429 {
        return Decision::Done;
    }
    // Secondary limits send Retry-After (seconds).
    if let Some(secs) = facts.retry_after.and_then(|v| v.trim().parse::<u64>().ok()) {
        return Decision::Wait(Duration::from_secs(secs));
    }
    // Primary limits: remaining 0 and a reset time (Unix seconds).
    if facts.ratelimit_remaining.map(str::trim) == Some("0") {
        if let Some(reset) = facts
            .ratelimit_reset
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            // One extra second: the reset time is rounded down.
            return Decision::Wait(Duration::from_secs(reset.saturating_sub(now_unix) + 1));
        }
    }
    let body = facts.body.to_ascii_lowercase();
    if status == 429 || body.contains("secondary rate limit") || body.contains("abuse") {
        return Decision::SecondaryLimit;
    }
    // A plain 403 is a permission problem; retrying will not help.
    Decision::Done
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(status: u16) -> ResponseFacts<'static> {
        ResponseFacts {
            status,
            ..ResponseFacts::default()
        }
    }

    #[test]
    fn server_errors_back_off() {
        for s in [500, 502, 503, 504] {
            assert_eq!(classify(&facts(s), 0), Decision::Backoff);
        }
    }

    #[test]
    fn success_and_client_errors_are_final() {
        for s in [200, 201, 204, 304, 400, 401, 404, 409, 422] {
            assert_eq!(classify(&facts(s), 0), Decision::Done, "{s}");
        }
    }

    #[test]
    fn retry_after_is_honoured_on_403_and_429() {
        for s in [403, 429] {
            let f = ResponseFacts {
                retry_after: Some("7"),
                ..facts(s)
            };
            assert_eq!(classify(&f, 0), Decision::Wait(Duration::from_secs(7)));
        }
    }

    #[test]
    fn primary_limit_waits_for_reset() {
        let f = ResponseFacts {
            ratelimit_remaining: Some("0"),
            ratelimit_reset: Some("1010"),
            ..facts(403)
        };
        assert_eq!(classify(&f, 1000), Decision::Wait(Duration::from_secs(11)));
        // A reset already past waits only the rounding second.
        assert_eq!(classify(&f, 2000), Decision::Wait(Duration::from_secs(1)));
    }

    #[test]
    fn secondary_limit_without_header_waits_policy_default() {
        let f = ResponseFacts {
            body: r#"{"message":"You have exceeded a secondary rate limit"}"#,
            ..facts(403)
        };
        assert_eq!(classify(&f, 0), Decision::SecondaryLimit);
        assert_eq!(classify(&facts(429), 0), Decision::SecondaryLimit);
    }

    #[test]
    fn plain_forbidden_is_final() {
        let f = ResponseFacts {
            ratelimit_remaining: Some("4999"),
            body: r#"{"message":"Resource not accessible by integration"}"#,
            ..facts(403)
        };
        assert_eq!(classify(&f, 0), Decision::Done);
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(1), Duration::from_secs(1));
        assert_eq!(p.backoff(2), Duration::from_secs(2));
        assert_eq!(p.backoff(3), Duration::from_secs(4));
        assert_eq!(p.backoff(10), Duration::from_secs(16));
        assert_eq!(p.backoff(99), Duration::from_secs(16));
    }
}
