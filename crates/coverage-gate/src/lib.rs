//! `coverage-gate`: coverage reports read exactly, packages held to their
//! baseline.
//!
//! So far: the coverage model (per-file, per-line hit counts, branches,
//! functions, MC/DC) and streaming readers for lcov, Cobertura, JaCoCo and
//! Go coverprofiles. Format detection, path normalisation, packages, the
//! baseline ratchet and the binary arrive with the rest of the issue.

pub mod cli;
pub mod cobertura;
pub mod gocover;
pub mod jacoco;
pub mod lcov;
pub mod model;
pub mod packages;
mod packed;
pub mod paths;
pub mod ratchet;
pub mod run;
pub mod xml;
