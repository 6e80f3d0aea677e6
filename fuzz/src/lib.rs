//! Fuzz targets for every parser that reads input a pull request, a report
//! or a repository controls.
//!
//! Each target is a plain function from bytes to nothing: it calls the
//! owning crate's entry points the way the gate does, and panics only when
//! the crate panics or an invariant of the result breaks. The same function
//! runs under AFL (`src/bin/<target>.rs`, with `--features afl`) and in the
//! replay harness (`src/bin/replay.rs`), which CI runs over the committed
//! corpora without AFL.

mod checklist;
mod checks;
mod conventional;
mod coverage;
mod event;
mod gitattributes;
mod policy;

/// One fuzz target: its name (the binary, the corpus directory) and the
/// function AFL calls with each input.
pub struct Target {
    pub name: &'static str,
    pub run: fn(&[u8]),
}

/// Every target, by name.
pub const TARGETS: &[Target] = &[
    Target {
        name: "lcov",
        run: coverage::lcov,
    },
    Target {
        name: "cobertura",
        run: coverage::cobertura,
    },
    Target {
        name: "jacoco",
        run: coverage::jacoco,
    },
    Target {
        name: "gocover",
        run: coverage::gocover,
    },
    Target {
        name: "clover",
        run: coverage::clover,
    },
    Target {
        name: "opencover",
        run: coverage::opencover,
    },
    Target {
        name: "simplecov",
        run: coverage::simplecov,
    },
    Target {
        name: "checklist",
        run: checklist::checklist,
    },
    Target {
        name: "event",
        run: event::event,
    },
    Target {
        name: "checks",
        run: checks::checks,
    },
    Target {
        name: "conventional",
        run: conventional::conventional,
    },
    Target {
        name: "gitattributes",
        run: gitattributes::gitattributes,
    },
    Target {
        name: "policy",
        run: policy::policy,
    },
];

/// The target called `name`.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

/// The input as text: the gates read UTF-8, and a lossy decoding lets every
/// mutation reach the parser rather than stop at the decoder.
fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// Splits an input that carries several documents at its NUL bytes (a
/// byte none of the documents needs), at most `n` pieces.
fn pieces(text: &str, n: usize) -> Vec<&str> {
    text.splitn(n, '\0').collect()
}
