//! The shared script's download path, against a release server on
//! 127.0.0.1: a verified archive runs, a tampered one is refused, a cached
//! one is verified on every use, redirects stay where they belong, and a
//! missing one falls back to a source build that the workspace cannot
//! influence.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use test_support::StaticServer;
use test_support::testing::hermetic_command;

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
        let mut cmd = self.command(true);
        cmd.env("TRUNKLINE_DOWNLOAD_BASE_URL", base_url);
        Self::finish(&mut cmd)
    }

    /// The step's command; `stand_ins` puts the stand-in cargo (and any
    /// other stand-in in `bin/`) first on PATH.
    fn command(&self, stand_ins: bool) -> Command {
        let path = std::env::var("PATH").unwrap();
        let path = if stand_ins {
            format!("{}:{path}", self.dir.path().join("bin").display())
        } else {
            path
        };
        let mut cmd = hermetic_command("bash");
        cmd.arg(self.dir.path().join("actions/_shared/run-gate.sh"))
            .arg("pr-size-gate")
            .env("RUNNER_TOOL_CACHE", self.cache())
            .env("RUNNER_TEMP", self.dir.path())
            .env("RUNNER_OS", "Linux")
            .env_remove("RUNNER_ARCH")
            .env_remove("TRUNKLINE_DOWNLOAD_BASE_URL")
            .env_remove("TRUNKLINE_BIN_DIR")
            .env("PATH", path);
        cmd
    }

    fn finish(cmd: &mut Command) -> (i32, String, String) {
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn cached_archive(&self) -> PathBuf {
        self.cache()
            .join("trunkline")
            .join(VERSION)
            .join(target())
            .join(asset())
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
    // The cache keeps the verified archive, never a loose binary.
    assert_eq!(std::fs::read(s.cached_archive()).unwrap(), s.archive);
    assert!(
        !s.cache()
            .join("trunkline")
            .join(VERSION)
            .join(target())
            .join("pr-size-gate")
            .exists()
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
    assert!(!s.cached_archive().exists());
}

// Regression (#12.2, security review): a binary planted beside a `.verified-<sha>` marker ran.
/// Hardening review, item 2: a cache hit trusted a `.verified-<sha>` marker
/// and ran whatever binary sat beside it.
#[test]
fn nothing_planted_in_the_tool_cache_is_run() {
    let s = Setup::new();
    let server = StaticServer::start(vec![(format!("/dl/{}", asset()), s.archive.clone())]);
    let url = format!("{}/dl", server.url());
    assert_eq!(s.run(&url).0, 0);
    let cache_dir = s.cached_archive().parent().unwrap().to_owned();
    let expected = sha256(&s.cached_archive());

    // A binary and a marker planted beside the verified archive: ignored.
    let planted = cache_dir.join("pr-size-gate");
    std::fs::write(&planted, "#!/bin/sh\necho planted\n").unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(&planted)
        .status()
        .unwrap();
    std::fs::write(cache_dir.join(format!(".verified-{expected}")), "").unwrap();
    let (code, out, err) = s.run(&url);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.trim(), "released gate --format github");
    assert_eq!(
        server.requests().len(),
        1,
        "the cached archive was still good"
    );

    // The cached archive itself swapped for one holding a planted gate: it
    // no longer matches the committed checksum, so it is downloaded again.
    let evil = s.dir.path().join("evil");
    std::fs::create_dir_all(&evil).unwrap();
    std::fs::copy(&planted, evil.join("pr-size-gate")).unwrap();
    let ok = Command::new("tar")
        .arg("-czf")
        .arg(s.cached_archive())
        .arg("-C")
        .arg(&evil)
        .arg("pr-size-gate")
        .status()
        .unwrap();
    assert!(ok.success());
    let (code, out, err) = s.run(&url);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.trim(), "released gate --format github");
    assert!(err.contains("does not match its checksum"), "{err}");
    assert_eq!(server.requests().len(), 2, "downloaded again");
    assert_eq!(std::fs::read(s.cached_archive()).unwrap(), s.archive);
}

// Regression (#12.3, security review): the loopback override followed curl redirects to other
// hosts.
/// Hardening review, item 3: the loopback override was checked on the
/// first URL only, and curl followed redirects to any host.
#[test]
fn the_loopback_override_follows_no_redirect() {
    let s = Setup::new();
    let elsewhere = StaticServer::start(vec![(format!("/dl/{}", asset()), s.archive.clone())]);
    let target_url = format!("{}/dl/{}", elsewhere.url(), asset());
    let server = test_support::HandlerServer::start(move |_| {
        let mut reply = test_support::Reply::empty(302);
        reply.headers.push(("Location".into(), target_url.clone()));
        reply
    });
    let (code, out, err) = s.run(&format!("{}/dl", server.url()));
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("redirect (HTTP 302)"), "{out}");
    assert!(!out.contains("released gate"));
    assert!(
        elsewhere.requests().is_empty(),
        "the redirect was not followed"
    );
    assert!(s.cargo_args().is_none());
}

// Regression (#12.3, security review): an https download followed an https→http redirect.
/// Hardening review, item 3: real downloads are HTTPS end to end, redirects
/// included (GitHub sends release assets through a redirect).
#[test]
fn real_downloads_allow_https_only_even_through_redirects() {
    let s = Setup::new();
    let log = s.dir.path().join("curl-args");
    let curl = s.dir.path().join("bin/curl");
    std::fs::write(
        &curl,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done > {}\nprintf 404\n",
            log.display()
        ),
    )
    .unwrap();
    Command::new("chmod").arg("+x").arg(&curl).status().unwrap();
    let (code, out, err) = Setup::finish(&mut s.command(true));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.trim(), "source-built gate --format github");
    let args: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let pair = |flag: &str| {
        args.windows(2)
            .find(|w| w[0] == flag)
            .map(|w| w[1].clone())
            .unwrap_or_default()
    };
    assert_eq!(pair("--proto"), "=https", "{args:?}");
    assert_eq!(pair("--proto-redir"), "=https", "{args:?}");
    assert!(
        args.last().unwrap().starts_with(&format!(
            "https://github.com/acme/trunkline/releases/download/v{VERSION}/"
        )),
        "{args:?}"
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

// Regression (#12.3, security review): the override was checked by regex; `http://127.0.0.1/@evil`
// passed.
#[test]
fn the_base_url_override_is_for_loopback_only() {
    let s = Setup::new();
    for url in [
        "http://example.com/dl",
        "https://127.0.0.1.evil.example/dl",
        "http://10.0.0.1/dl",
        // Parsed, not pattern-matched (hardening review, item 3).
        "http://127.0.0.1/@evil.example/dl",
        "http://127.0.0.1:80@evil.example/dl",
        "http://127.0.0.1\\@evil.example/dl",
        "http://127.0.0.1#@evil.example/dl",
        "http://127.0.0.1?@evil.example/dl",
        "http://127.0.0.1.evil.example/dl",
        "http://127.0.0.1:123456/dl",
        "http://127.0.0.1/dl /x",
        "HTTP://127.0.0.1/dl",
    ] {
        let (code, out, _) = s.run(url);
        assert_eq!(code, 2, "{url}");
        assert!(
            out.contains("may only point at http://127.0.0.1"),
            "{url}: {out}"
        );
    }
}

// Regression (#12.1, security review): the source build ran a PR's
// `.cargo/config.toml`/`rust-toolchain.toml` with the token.
/// Hardening review, item 1: the source build ran from the step's directory,
/// the checked-out workspace, so cargo and rustup read the pull request's
/// settings files and ran its program with the token in its environment.
/// Here the real cargo builds a stand-in gate (a crate with no
/// dependencies, whose build script records its environment) from a step
/// whose directory is a hostile workspace.
#[test]
fn the_source_build_ignores_the_workspace_settings_and_secrets() {
    let s = Setup::new();
    std::fs::write(
        s.dir.path().join("actions/_shared/checksums.sha256"),
        "# none\n",
    )
    .unwrap();
    let root = s.dir.path();
    let evidence = root.join("evidence");
    std::fs::create_dir_all(&evidence).unwrap();

    // The action's own source: a one-crate workspace.
    let krate = root.join("crates/pr-size-gate");
    std::fs::create_dir_all(krate.join("src")).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"crates/pr-size-gate\"]\n",
    )
    .unwrap();
    std::fs::write(
        root.join("Cargo.lock"),
        "# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = 4\n\n[[package]]\nname = \"pr-size-gate\"\nversion = \"0.0.0\"\n",
    )
    .unwrap();
    std::fs::write(
        krate.join("Cargo.toml"),
        "[package]\nname = \"pr-size-gate\"\nversion = \"0.0.0\"\nedition = \"2021\"\nbuild = \"build.rs\"\n",
    )
    .unwrap();
    std::fs::write(
        krate.join("build.rs"),
        format!(
            "fn main() {{\n    let env: Vec<String> = std::env::vars().map(|(k, v)| format!(\"{{k}}={{v}}\")).collect();\n    std::fs::write({:?}, env.join(\"\\n\")).unwrap();\n}}\n",
            evidence.join("build-env").display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(
        krate.join("src/main.rs"),
        "fn main() {\n    let args: Vec<String> = std::env::args().skip(1).collect();\n    println!(\"source-built gate {}\", args.join(\" \"));\n}\n",
    )
    .unwrap();

    // The hostile workspace: every program it names leaves a mark.
    let ws = tempfile::tempdir().unwrap();
    let ws = ws.path();
    let mark = |name: &str| {
        let script = ws.join(format!("{name}.sh"));
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\ntouch {}\nexec \"$@\"\n",
                evidence.join(format!("ran-{name}")).display()
            ),
        )
        .unwrap();
        Command::new("chmod")
            .arg("+x")
            .arg(&script)
            .status()
            .unwrap();
        script.display().to_string()
    };
    std::fs::create_dir_all(ws.join(".cargo")).unwrap();
    let host = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
    std::fs::write(
        ws.join(".cargo/config.toml"),
        format!(
            "[build]\nrustc-wrapper = {:?}\n\n[env]\nTRUNKLINE_HOSTILE_ENV = \"from-the-workspace\"\n\n[target.{host}]\nrunner = {:?}\n",
            mark("rustc-wrapper"),
            mark("runner")
        ),
    )
    .unwrap();
    let toolchain = ws.join("toolchain/bin");
    std::fs::create_dir_all(&toolchain).unwrap();
    for tool in ["cargo", "rustc"] {
        let fake = toolchain.join(tool);
        std::fs::write(
            &fake,
            format!(
                "#!/bin/sh\ntouch {}\nexit 1\n",
                evidence.join(format!("ran-toolchain-{tool}")).display()
            ),
        )
        .unwrap();
        Command::new("chmod").arg("+x").arg(&fake).status().unwrap();
    }
    std::fs::write(
        ws.join("rust-toolchain.toml"),
        format!(
            "[toolchain]\npath = {:?}\n",
            ws.join("toolchain").display().to_string()
        ),
    )
    .unwrap();
    // A settings file planted in the cargo home the script uses.
    let cargo_home = s.cache().join("trunkline/cargo-home");
    std::fs::create_dir_all(&cargo_home).unwrap();
    std::fs::write(
        cargo_home.join("config.toml"),
        format!(
            "[build]\nrustc-wrapper = {:?}\n",
            mark("cargo-home-wrapper")
        ),
    )
    .unwrap();

    let secrets = [
        ("INPUT_GITHUB_TOKEN", "ghp_INPUTsecretINPUTsecret0123456789"),
        ("GH_TOKEN", "ghp_GHsecretGHsecretGHsecret0123456789"),
        ("ACTIONS_RUNTIME_TOKEN", "runtime-secret-0123456789"),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "oidc-secret-0123456789"),
        ("RUSTC_WRAPPER", ""),
    ];
    let mut cmd = s.command(false);
    cmd.current_dir(ws).env("GITHUB_WORKSPACE", ws);
    for (k, v) in secrets {
        cmd.env(k, v);
    }
    cmd.env("RUSTC_WRAPPER", mark("env-wrapper"));
    let (code, out, err) = Setup::finish(&mut cmd);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.trim(), "source-built gate --format github");

    let ran: Vec<String> = std::fs::read_dir(&evidence)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("ran-"))
        .collect();
    assert!(ran.is_empty(), "the build ran workspace programs: {ran:?}");
    let env = std::fs::read_to_string(evidence.join("build-env")).unwrap();
    assert!(!env.contains("TRUNKLINE_HOSTILE_ENV"), "[env] applied");
    assert!(
        !env.contains(test_support::testing::CANARY_TOKEN),
        "GITHUB_TOKEN reached the build"
    );
    for (k, v) in secrets {
        assert!(v.is_empty() || !env.contains(v), "{k} reached the build");
    }
    assert!(
        !env.lines().any(|l| l.starts_with("INPUT_")
            || l.starts_with("ACTIONS_")
            || l.starts_with("GITHUB_")),
        "{env}"
    );
    assert!(!cargo_home.join("config.toml").exists());
}
