//! Runs fuzz targets over files without AFL: CI's smoke pass over the
//! committed corpora, and the way to reproduce a crash AFL saved.
//!
//! ```text
//! replay                     every target over its corpus (fuzz/corpus/TARGET)
//! replay TARGET [PATH...]    one target over files or directories
//! ```
//!
//! Exit 0 when every input ran; 1 when one panicked (each is named); 2 on
//! bad usage or a missing corpus.

use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use trunkline_fuzz::{TARGETS, Target, target};

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(name)
}

/// The files under `path` (itself, when it is a file), sorted.
fn files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_owned()]);
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(path)? {
        let p = entry?.path();
        if p.is_dir() {
            out.extend(files(&p)?);
        } else {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

struct Tally {
    inputs: usize,
    panicked: Vec<PathBuf>,
    slowest: (Duration, PathBuf),
}

fn replay(t: &Target, paths: &[PathBuf]) -> std::io::Result<Tally> {
    let mut tally = Tally {
        inputs: 0,
        panicked: Vec::new(),
        slowest: (Duration::ZERO, PathBuf::new()),
    };
    for path in paths {
        for file in files(path)? {
            let data = std::fs::read(&file)?;
            let started = Instant::now();
            let ok = catch_unwind(AssertUnwindSafe(|| (t.run)(&data))).is_ok();
            let took = started.elapsed();
            tally.inputs += 1;
            if !ok {
                tally.panicked.push(file.clone());
            }
            if took > tally.slowest.0 {
                tally.slowest = (took, file);
            }
        }
    }
    Ok(tally)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    let jobs: Vec<(&Target, Vec<PathBuf>)> = match args.split_first() {
        None => TARGETS.iter().map(|t| (t, vec![corpus(t.name)])).collect(),
        Some((name, rest)) => {
            let Some(t) = target(name) else {
                let names: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
                let _ = writeln!(
                    err,
                    "replay: no target {name:?}; the targets are {}",
                    names.join(", ")
                );
                return ExitCode::from(2);
            };
            let paths = match rest {
                [] => vec![corpus(name)],
                _ => rest.iter().map(PathBuf::from).collect(),
            };
            vec![(t, paths)]
        }
    };
    let mut failed = false;
    for (t, paths) in jobs {
        let tally = match replay(t, &paths) {
            Ok(tally) => tally,
            Err(e) => {
                let _ = writeln!(
                    err,
                    "replay {}: {e}; give files or directories that exist",
                    t.name
                );
                return ExitCode::from(2);
            }
        };
        if tally.inputs == 0 {
            let _ = writeln!(
                err,
                "replay {}: no inputs; commit seeds under fuzz/corpus/{}",
                t.name, t.name
            );
            return ExitCode::from(2);
        }
        let _ = writeln!(
            out,
            "{}: {} inputs, {} panicked, slowest {:.1} ms ({})",
            t.name,
            tally.inputs,
            tally.panicked.len(),
            tally.slowest.0.as_secs_f64() * 1000.0,
            tally
                .slowest
                .1
                .file_name()
                .map_or_else(String::new, |f| f.to_string_lossy().into_owned())
        );
        for p in &tally.panicked {
            let _ = writeln!(
                err,
                "replay {}: {} panicked (the message is above)",
                t.name,
                p.display()
            );
            failed = true;
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
