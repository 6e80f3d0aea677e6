//! The runner's side of a job: what a gate reads from and writes to the
//! GitHub Actions runner itself, apart from the API.
//!
//! The process environment ([`env`](mod@env)), action inputs taken as flags
//! ([`inputs`]), workflow commands such as annotations and `::add-mask::`
//! ([`commands`]), step outputs ([`outputs`]) and the step summary
//! ([`summary`]). Each is a channel GitHub defines; each module owns that
//! channel's escaping or limits, so untrusted text cannot break out of it.
//! The process's stdin and stdout reach a gate only as injected channels
//! ([`stdio`]).

pub mod commands;
pub mod env;
pub mod inputs;
pub mod outputs;
pub mod stdio;
pub mod summary;
