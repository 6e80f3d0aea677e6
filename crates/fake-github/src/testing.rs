//! Helpers for hermetic CLI tests of the gate binaries.
//!
//! Ambient `GITHUB_*`, `RUNNER_*` and `ACTIONS_*` variables on a developer's
//! machine or in CI would otherwise leak into the binary under test. Every
//! command also carries a known canary token, so a test can assert that the
//! token never shows up in anything the binary printed or wrote.

use std::path::Path;
use std::process::{Command, Output};

/// The token every hermetic command carries. It must never be printed.
pub const CANARY_TOKEN: &str = "ghs_CANARYtrunklineCANARY0123456789abcd";

/// A command for `bin` with the CI environment scrubbed and the canary token
/// set as `GITHUB_TOKEN`.
pub fn hermetic_command(bin: impl AsRef<Path>) -> Command {
    let mut cmd = Command::new(bin.as_ref());
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if k.starts_with("GITHUB_")
            || k.starts_with("RUNNER_")
            || k.starts_with("ACTIONS_")
            || k.starts_with("INPUT_")
            || k == "GH_TOKEN"
            || k == "CI"
        {
            cmd.env_remove(&key);
        }
    }
    cmd.env("GITHUB_TOKEN", CANARY_TOKEN);
    cmd
}

/// Panics if the canary token appears in any of the texts.
pub fn assert_no_canary<'a>(texts: impl IntoIterator<Item = &'a str>) {
    for text in texts {
        assert!(
            !text.contains(CANARY_TOKEN) && !text.contains(&CANARY_TOKEN[4..]),
            "the token leaked into output:\n{text}"
        );
    }
}

/// Stdout and stderr as text, checked for the canary.
pub fn output_text(out: &Output) -> (String, String) {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_no_canary([stdout.as_str(), stderr.as_str()]);
    (stdout, stderr)
}
