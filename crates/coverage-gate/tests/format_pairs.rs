//! Every pair of formats that carry branches, merged on one line: branches
//! that carry no identity (Cobertura's condition counts, JaCoCo's `mb`/`cb`,
//! Clover's true/false counts, OpenCover's branch points, SimpleCov's arms)
//! merge with each other and with lcov's named `BRDA` by line, keeping the
//! larger found and the larger hit, never their sum or the union of
//! unrelated ids. Two lcov reports merge by id, as lcov merges them.
//! Issue 17, item 2.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use coverage_gate::model::Coverage;
use coverage_gate::{clover, cobertura, jacoco, lcov, opencover, simplecov};

const FILE: &str = "src/main/java/com/x/A.java";
const LINE: u32 = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Lcov,
    Cobertura,
    Jacoco,
    Clover,
    OpenCover,
    SimpleCov,
}

const KINDS: [Kind; 6] = [
    Kind::Lcov,
    Kind::Cobertura,
    Kind::Jacoco,
    Kind::Clover,
    Kind::OpenCover,
    Kind::SimpleCov,
];

/// A report in `kind` with `found` branches on [`LINE`], `hit` of them
/// taken: for lcov the last `hit` ids, so two lcov reports that take
/// different branches disagree by id.
fn report(kind: Kind, found: u64, hit: u64) -> String {
    let taken = |i: u64| i >= found - hit;
    match kind {
        Kind::Lcov => {
            let mut s = format!("SF:{FILE}\nDA:{LINE},1\n");
            for i in 0..found {
                s += &format!("BRDA:{LINE},0,{i},{}\n", u64::from(taken(i)));
            }
            s + "end_of_record\n"
        }
        Kind::Cobertura => format!(
            r#"<coverage><packages><package><classes><class filename="{FILE}"><lines><line number="{LINE}" hits="1" branch="True" condition-coverage="50% ({hit}/{found})"/></lines></class></classes></package></packages></coverage>"#
        ),
        Kind::Jacoco => format!(
            r#"<report name="r"><package name="com/x"><sourcefile name="A.java"><line nr="{LINE}" mi="0" ci="1" mb="{}" cb="{hit}"/></sourcefile></package></report>"#,
            found - hit
        ),
        Kind::Clover => format!(
            // istanbul's form: the line's branches covered and missed.
            r#"<coverage generated="1" clover="3.2.0"><project><package name="p"><file name="A.java" path="{FILE}"><line num="{LINE}" count="1" type="cond" truecount="{hit}" falsecount="{}"/></file></package></project></coverage>"#,
            found - hit
        ),
        Kind::OpenCover => {
            let mut points = String::new();
            for i in 0..found {
                points += &format!(
                    r#"<BranchPoint vc="{}" sl="{LINE}" offset="1" path="{i}" fileid="1"/>"#,
                    u64::from(taken(i))
                );
            }
            format!(
                r#"<CoverageSession><Modules><Module><Files><File uid="1" fullPath="{FILE}"/></Files><Classes><Class><Methods><Method><FileRef uid="1"/><SequencePoints><SequencePoint vc="1" sl="{LINE}" el="{LINE}" fileid="1"/></SequencePoints><BranchPoints>{points}</BranchPoints></Method></Methods></Class></Classes></Module></Modules></CoverageSession>"#
            )
        }
        Kind::SimpleCov => {
            let arms: Vec<String> = (0..found)
                .map(|i| format!(r#""[:when, {i}, 8, 2, 8, 9]": {}"#, u64::from(taken(i))))
                .collect();
            let lines: Vec<String> = (1..=LINE)
                .map(|l| if l == LINE { "1".into() } else { "null".into() })
                .collect();
            format!(
                r#"{{"RSpec": {{"coverage": {{"{FILE}": {{"lines": [{}], "branches": {{"[:case, 0, {LINE}, 0, 9, 3]": {{{}}}}}}}}}, "timestamp": 1}}}}"#,
                lines.join(", "),
                arms.join(", ")
            )
        }
    }
}

fn read(kind: Kind, text: &str, root: &Path) -> Coverage {
    let b = text.as_bytes();
    match kind {
        Kind::Lcov => lcov::read(b),
        Kind::Cobertura => cobertura::read(b, root),
        Kind::Jacoco => jacoco::read(b, root, &[]),
        Kind::Clover => clover::read(b),
        Kind::OpenCover => opencover::read(b),
        Kind::SimpleCov => simplecov::read(b),
    }
    .unwrap_or_else(|e| panic!("{kind:?}: {e}\n{text}"))
}

/// Found and hit on the line after merging `a` then `b`.
fn merged(a: (Kind, u64, u64), b: (Kind, u64, u64), root: &Path) -> (u64, u64) {
    let mut cov = read(a.0, &report(a.0, a.1, a.2), root);
    cov.merge(read(b.0, &report(b.0, b.1, b.2), root));
    assert_eq!(cov.files.len(), 1, "{a:?} {b:?}: {:?}", cov.files.keys());
    let f = &cov.files[FILE];
    let lines: Vec<_> = f.branches.by_line().collect();
    assert_eq!(lines.len(), 1, "{a:?} {b:?}: {lines:?}");
    let (line, found, hit) = lines[0];
    assert_eq!(line, LINE);
    let t = f.totals();
    assert_eq!((t.branches_found, t.branches_hit), (found, hit));
    (found, hit)
}

// Regression (#17.2, real gcovr pair): merging Cobertura with lcov of the same run overstated
// branches.
#[test]
fn every_pair_merges_by_line() {
    let root = tempfile::tempdir().unwrap();
    for a in KINDS {
        for b in KINDS {
            for (x, y) in [
                ((2, 1), (2, 1)),
                ((4, 1), (2, 2)),
                ((2, 2), (4, 1)),
                ((4, 3), (4, 1)),
            ] {
                let got = merged((a, x.0, x.1), (b, y.0, y.1), root.path());
                let want = if a == Kind::Lcov && b == Kind::Lcov {
                    // Named on both sides: lcov's merge, by id. The taken
                    // ids are the last ones of each side.
                    let found = x.0.max(y.0);
                    let taken = (0..found)
                        .filter(|i| (*i < x.0 && *i >= x.0 - x.1) || (*i < y.0 && *i >= y.0 - y.1))
                        .count() as u64;
                    (found, taken)
                } else {
                    (x.0.max(y.0), x.1.max(y.1))
                };
                assert_eq!(got, want, "{a:?} {x:?} + {b:?} {y:?}");
            }
        }
    }
}

// Regression (#17.2): unnamed and named branches of one line merge by max, never the union of ids.
#[test]
fn the_larger_side_keeps_its_branch_names() {
    let root = tempfile::tempdir().unwrap();
    // lcov at least as large on both counts: its ids survive the merge.
    let mut cov = read(Kind::Lcov, &report(Kind::Lcov, 4, 2), root.path());
    cov.merge(read(
        Kind::Cobertura,
        &report(Kind::Cobertura, 2, 1),
        root.path(),
    ));
    let f = &cov.files[FILE];
    assert_eq!(f.branches.get(LINE, "0", "3"), Some(1));
    assert_eq!(f.branches.get(LINE, "0", "0"), Some(0));
    // Either order.
    let mut cov = read(Kind::Cobertura, &report(Kind::Cobertura, 2, 1), root.path());
    cov.merge(read(Kind::Lcov, &report(Kind::Lcov, 4, 2), root.path()));
    assert_eq!(cov.files[FILE].branches.get(LINE, "0", "3"), Some(1));
}
