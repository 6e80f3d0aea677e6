//! `coverage-gate`: coverage reports read exactly, packages held to their
//! baseline.
//!
//! So far: the coverage model (per-file, per-line hit counts, branches,
//! functions, MC/DC) and the streaming lcov reader. The other formats, the
//! baseline ratchet and the binary arrive with the rest of the issue.

pub mod cobertura;
pub mod lcov;
pub mod model;
pub mod xml;
