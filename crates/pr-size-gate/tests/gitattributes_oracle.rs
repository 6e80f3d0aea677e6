//! Our `.gitattributes` matcher against git's own `git check-attr`, on the
//! same files and paths. API mode has no checkout, so it cannot ask git.

#![allow(clippy::unwrap_used)]

use crate::support;

use pr_size_gate::gitattributes::{AttrState, Attributes, WATCHED};
use support::TestRepo;

#[test]
fn matches_git_check_attr() {
    let files: &[(&str, &str)] = &[
        (
            "",
            "*.pb.go linguist-generated\n/dist/** linguist-generated=true\nvendor/** linguist-vendored\n\
             docs/*.md linguist-vendored\nkeep/** -linguist-generated\n\"with space.txt\" linguist-generated\n\
             **/snapshots/** linguist-generated\n*.min.* linguist-generated\nCHANGELOG* linguist-generated=false\n\
             a/**/z.txt linguist-generated\nfoo?.txt linguist-vendored\n[ab]*.cfg linguist-generated\n\
             [attr]gen linguist-generated -linguist-vendored\n*.gen2 gen\nfile{1,2}.txt linguist-generated\n\
             [[:digit:]]x.txt linguist-vendored\n\"\\303\\251t\\303\\251.txt\" linguist-generated\n",
        ),
        (
            "web/",
            "*.js linguist-generated\nlegacy.js !linguist-generated\n/top.css linguist-vendored\n",
        ),
        ("web/src/", "*.js -linguist-generated\n"),
        ("keep/", "*.pb.go linguist-generated\n"),
    ];
    let r = TestRepo::new();
    for (dir, text) in files {
        r.write(&format!("{dir}.gitattributes"), text);
    }
    r.commit("attributes");
    let paths = [
        "x.pb.go",
        "a/b/x.pb.go",
        "dist/app.js",
        "src/dist/app.js",
        "vendor/a/b.c",
        "lib/vendor/a.c",
        "docs/a.md",
        "docs/sub/a.md",
        "keep/x.pb.go",
        "keep/y.rs",
        "with space.txt",
        "a/snapshots/s.snap",
        "snapshots/s.snap",
        "app.min.js",
        "CHANGELOG.md",
        "a/z.txt",
        "a/b/c/z.txt",
        "foo1.txt",
        "foo12.txt",
        "a.cfg",
        "c.cfg",
        "web/a.js",
        "web/legacy.js",
        "web/src/b.js",
        "web/src/deep/c.js",
        "web/top.css",
        "web/x/top.css",
        "top.css",
        "README.md",
        "a.gen2",
        "vendor/b.gen2",
        "file1.txt",
        "file{1,2}.txt",
        "7x.txt",
        "ax.txt",
        "été.txt",
    ];
    let ours = Attributes::from_files(
        files
            .iter()
            .map(|(d, t)| ((*d).to_owned(), (*t).to_owned()))
            .collect(),
    );
    let mut args = vec!["-c", "core.quotepath=off", "check-attr"];
    args.extend(WATCHED);
    args.push("--");
    args.extend(paths);
    let git = r.git(&args);
    let mut checked = 0;
    for line in git.lines() {
        // "path: attr: value"
        let mut parts = line.rsplitn(3, ": ");
        let value = parts.next().unwrap();
        let attr = parts.next().unwrap();
        let path = parts.next().unwrap();
        let want = match value {
            "set" | "true" => Some(AttrState::Set),
            "unset" | "false" => Some(AttrState::Unset),
            _ => None, // unspecified, or another value
        };
        assert_eq!(
            ours.state(path, attr),
            want,
            "{path} {attr}: git says {value}"
        );
        checked += 1;
    }
    assert_eq!(checked, paths.len() * WATCHED.len());
}
