//! A real Prometheus (Debian's `prometheus` package) on loopback, for the
//! tests that watch production through it: post-deploy-watch's Prometheus
//! checks and the delivery flow. Also the two small network helpers those
//! tests share: a free port and a plain GET.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A loopback port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("finding a free port on 127.0.0.1: {e}"))
}

/// A GET with the standard library: the status and body, or `None` when
/// nothing answered. Spaces and braces in the path (a PromQL query) are
/// percent-encoded.
pub fn http_get(url: &str) -> Option<(u16, String)> {
    let rest = url.strip_prefix("http://")?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let path = path
        .replace(' ', "%20")
        .replace('{', "%7B")
        .replace('}', "%7D");
    let mut s = std::net::TcpStream::connect(host).ok()?;
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status = out.split(' ').nth(1)?.parse().ok()?;
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
    Some((status, body))
}

/// A Prometheus scraping its targets every second, on a free loopback port.
///
/// It runs under a shell that stops it, and removes its data, when a pipe
/// from this process closes: on drop, or when the test binary exits however
/// it exits, so one kept in a `static` (never dropped) is not left behind.
pub struct Prometheus {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    lifeline: Option<ChildStdin>,
    shell: Child,
}

impl Prometheus {
    /// Starts Prometheus with one scrape job `job` over `targets`
    /// (`host:port`), and returns once its log says it is ready. `None`
    /// when Prometheus is not installed and `TRUNKLINE_REQUIRE_TOOLS` is
    /// not `1` (the test then skips, saying so).
    pub fn start(job: &str, targets: &[&str]) -> Option<Self> {
        if !crate::testing::tool_available("prometheus", &["--version"], "Debian's prometheus") {
            return None;
        }
        let dir = tempfile::tempdir()
            .unwrap_or_else(|e| panic!("a temp dir for Prometheus: {e}"))
            .keep();
        let targets: Vec<String> = targets.iter().map(|t| format!("'{t}'")).collect();
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: {job}\n    static_configs:\n      - targets: [{}]\n",
                targets.join(", ")
            ),
        )
        .unwrap_or_else(|e| panic!("writing {}: {e}", config.display()));
        let port = free_port();
        let mut shell = Command::new("sh")
            .arg("-c")
            .arg(r#"prometheus "$@" & p=$!; cat > /dev/null; kill "$p"; wait "$p"; rm -rf "$TRUNKLINE_PROMETHEUS_DIR""#)
            .arg("sh")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .env("TRUNKLINE_PROMETHEUS_DIR", &dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting prometheus: {e}"));
        // Ready when its log says so; the rest of the log is read and
        // dropped, so Prometheus never blocks on a full pipe.
        let (ready, is_ready) = mpsc::channel();
        if let Some(log) = shell.stderr.take() {
            std::thread::spawn(move || {
                for line in BufReader::new(log).lines() {
                    let Ok(line) = line else { break };
                    if line.contains("Server is ready to receive web requests") {
                        let _ = ready.send(());
                    }
                }
            });
        }
        let p = Prometheus {
            url: format!("http://127.0.0.1:{port}"),
            lifeline: shell.stdin.take(),
            shell,
        };
        assert!(
            is_ready.recv_timeout(Duration::from_secs(120)).is_ok(),
            "Prometheus never said it was ready"
        );
        Some(p)
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        drop(self.lifeline.take());
        let _ = self.shell.wait();
    }
}
