//! `coverage-gate`: coverage reports read exactly, packages held to their
//! baseline.
//!
//! The coverage model (per-file, per-line hit counts, branches named or
//! only counted, functions, MC/DC, Go's statement blocks); streaming
//! readers for lcov, Cobertura, JaCoCo, Go coverprofiles, Clover, OpenCover
//! and SimpleCov, each naming the line where a malformed report broke and
//! noting what it tolerated;
//! format detection and path normalisation (`paths`); files grouped into
//! packages (`packages`); the per-package baseline ratchet (`ratchet`); and
//! the command line and run (`cli`, `run`) behind the `coverage-gate`
//! binary.

pub mod cli;
pub mod clover;
pub mod cobertura;
pub mod diff;
mod gather;
pub mod gocover;
pub mod jacoco;
pub mod lcov;
pub mod model;
pub mod opencover;
pub mod packages;
mod packed;
pub mod patch;
pub mod paths;
pub mod ratchet;
pub mod report;
pub mod run;
pub mod simplecov;
pub mod store;
pub mod xml;
