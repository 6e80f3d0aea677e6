//! The shared script's download path, against a release server on
//! 127.0.0.1: a verified archive runs, a tampered one is refused, and a
//! missing one falls back to a source build.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use fake_github::StaticServer;
use fake_github::testing::hermetic_command;

const VERSION: &str = "1.2.3";

fn target() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x86_64",
        "aarch64" => "aarch64",
        other => panic!("no release target for {other}"),
    };
    format!("{arch}-unknown-linux-musl")
}

fn asset() -> String {
    format!("trunkline-v{VERSION}-{}.tar.gz", target())
}

fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// A copy of actions/_shared with its own release file and checksums, an
/// archive holding a stand-in gate, and a stand-in cargo on PATH.
struct Setup {
    dir: tempfile::TempDir,
    archive: Vec<u8>,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("actions/_shared");
        std::fs::create_dir_all(&shared).unwrap();
        let repo_shared =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../actions/_shared/run-gate.sh");
        std::fs::copy(repo_shared, shared.join("run-gate.sh")).unwrap();
        std::fs::write(
            shared.join("release"),
            format!("version={VERSION}\nrepository=acme/trunkline\n"),
        )
        .unwrap();
        // The archive: a stand-in for the real binary.
        let content = dir.path().join("content");
        std::fs::create_dir_all(&content).unwrap();
        let gate = content.join("pr-size-gate");
        std::fs::write(&gate, "#!/bin/sh\necho \"released gate $*\"\n").unwrap();
        Command::new("chmod").arg("+x").arg(&gate).status().unwrap();
        let archive_path = dir.path().join(asset());
        let ok = Command::new("tar")
            .arg("-czf")
            .arg(&archive_path)
            .arg("-C")
            .arg(&content)
            .arg("pr-size-gate")
            .status()
            .unwrap();
        assert!(ok.success());
        std::fs::write(
            shared.join("checksums.sha256"),
            format!("# test\n{}  {}\n", sha256(&archive_path), asset()),
        )
        .unwrap();
        // A stand-in cargo that records its arguments and "builds" the gate.
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let cargo = bin.join("cargo");
        std::fs::write(
            &cargo,
            format!(
                "#!/bin/sh\necho \"$@\" > {log}\nwhile [ $# -gt 0 ]; do [ \"$1\" = --target-dir ] && t=\"$2\"; shift; done\n\
                 mkdir -p \"$t/release\"\nprintf '#!/bin/sh\\necho \"source-built gate $*\"\\n' > \"$t/release/pr-size-gate\"\nchmod +x \"$t/release/pr-size-gate\"\n",
                log = dir.path().join("cargo-args").display()
            ),
        )
        .unwrap();
        Command::new("chmod")
            .arg("+x")
            .arg(&cargo)
            .status()
            .unwrap();
        let archive = std::fs::read(&archive_path).unwrap();
        Self { dir, archive }
    }

    fn cache(&self) -> PathBuf {
        self.dir.path().join("toolcache")
    }

    fn run(&self, base_url: &str) -> (i32, String, String) {
        let path = format!(
            "{}:{}",
            self.dir.path().join("bin").display(),
            std::env::var("PATH").unwrap()
        );
        let out = hermetic_command("bash")
            .arg(self.dir.path().join("actions/_shared/run-gate.sh"))
            .arg("pr-size-gate")
            .env("TRUNKLINE_DOWNLOAD_BASE_URL", base_url)
            .env("RUNNER_TOOL_CACHE", self.cache())
            .env("RUNNER_TEMP", self.dir.path())
            .env("RUNNER_OS", "Linux")
            .env_remove("RUNNER_ARCH")
            .env("PATH", path)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn cargo_args(&self) -> Option<String> {
        std::fs::read_to_string(self.dir.path().join("cargo-args")).ok()
    }
}

#[test]
fn a_verified_archive_is_cached_and_run() {
    let s = Setup::new();
    let server = StaticServer::start(vec![(format!("/dl/{}", asset()), s.archive.clone())]);
    let (code, out, err) = s.run(&format!("{}/dl", server.url()));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.trim(), "released gate --format github");
    assert!(s.cargo_args().is_none(), "no source build");
    assert!(
        s.cache()
            .join("trunkline")
            .join(VERSION)
            .join(target())
            .join("pr-size-gate")
            .is_file()
    );
    // The second run uses the tool cache.
    let (code, out, _) = s.run(&format!("{}/dl", server.url()));
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "released gate --format github");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_tampered_archive_is_refused() {
    let s = Setup::new();
    let mut tampered = s.archive.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0xff;
    let server = StaticServer::start(vec![(format!("/dl/{}", asset()), tampered)]);
    let (code, out, err) = s.run(&format!("{}/dl", server.url()));
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        out.contains("::error title=Trunkline::checksum mismatch"),
        "{out}"
    );
    assert!(!out.contains("released gate"));
    assert!(s.cargo_args().is_none(), "a mismatch never falls back");
    assert!(
        !s.cache()
            .join("trunkline")
            .join(VERSION)
            .join(target())
            .join("pr-size-gate")
            .exists()
    );
}

#[test]
fn a_missing_asset_falls_back_to_a_source_build() {
    let s = Setup::new();
    let server = StaticServer::start(vec![]);
    let (code, out, err) = s.run(&format!("{}/dl", server.url()));
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("HTTP 404"), "{err}");
    assert_eq!(out.trim(), "source-built gate --format github");
    let args = s.cargo_args().unwrap();
    assert!(
        args.starts_with("build --quiet --locked --release -p pr-size-gate"),
        "{args}"
    );
    assert_eq!(server.requests(), vec![format!("/dl/{}", asset())]);
}

#[test]
fn a_platform_without_a_checksum_builds_from_source_without_downloading() {
    let s = Setup::new();
    std::fs::write(
        s.dir.path().join("actions/_shared/checksums.sha256"),
        "# none\n",
    )
    .unwrap();
    let server = StaticServer::start(vec![(format!("/dl/{}", asset()), s.archive.clone())]);
    let (code, out, _) = s.run(&format!("{}/dl", server.url()));
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "source-built gate --format github");
    assert!(server.requests().is_empty());
}

#[test]
fn the_base_url_override_is_for_loopback_only() {
    let s = Setup::new();
    for url in [
        "http://example.com/dl",
        "https://127.0.0.1.evil.example/dl",
        "http://10.0.0.1/dl",
    ] {
        let (code, out, _) = s.run(url);
        assert_eq!(code, 2, "{url}");
        assert!(
            out.contains("may only point at http://127.0.0.1"),
            "{url}: {out}"
        );
    }
}
