//! pr-size-gate's `.gitattributes` reader (`linguist-generated`,
//! `linguist-vendored`), on files from the base commit.

use pr_size_gate::gitattributes::{Attributes, WATCHED, candidate_dirs};

use crate::{pieces, text};

/// Paths asked about when the input names none.
const PATHS: [&str; 8] = [
    "README.md",
    "dist/app.min.js",
    "vendor/lib/x.js",
    "web/gen/api.pb.go",
    "web/deep/er/file.txt",
    "a b/c,d.txt",
    "Cargo.lock",
    ".gitattributes",
];

/// The input is the root `.gitattributes`; then, after NUL bytes, the
/// file in `sub/`, and paths to ask about (one a line).
pub(crate) fn gitattributes(data: &[u8]) {
    let text = text(data);
    let parts = pieces(&text, 3);
    let mut files = vec![(String::new(), parts[0].to_owned())];
    if let Some(sub) = parts.get(1) {
        files.push(("web/".to_owned(), (*sub).to_owned()));
    }
    let attrs = Attributes::from_files(files);
    let asked: Vec<&str> = match parts.get(2) {
        Some(paths) => paths.lines().take(64).collect(),
        None => PATHS.to_vec(),
    };
    for path in asked {
        let dirs = candidate_dirs(path);
        assert_eq!(dirs[0], "", "the root's file applies to every path");
        for attr in WATCHED {
            let _ = attrs.state(path, attr);
        }
    }
}
