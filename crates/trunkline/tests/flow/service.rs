//! Production as the scenario has it: the shop service (Go, in `shop/`)
//! that `deploy/deploy.sh` builds and restarts on 127.0.0.1 for staging
//! and production, a real Prometheus scraping production, the traffic
//! production gets, and a Slack webhook.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// The shop's source, as the repository's first commit holds it.
pub(crate) fn shop_files() -> Vec<(&'static str, &'static str)> {
    vec![
        ("go.mod", include_str!("shop/go.mod")),
        ("shop.go", include_str!("shop/shop.go")),
        ("shop_test.go", include_str!("shop/shop_test.go")),
        ("release.go", include_str!("shop/release.go")),
        ("cmd/shop/main.go", include_str!("shop/cmd/shop/main.go")),
    ]
}

/// A port nothing listens on now.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A GET with the standard library: the status and body, or `None` when
/// nothing answered.
pub(crate) fn get(url: &str) -> Option<(u16, String)> {
    let rest = url.strip_prefix("http://")?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
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

/// Where deploy/deploy.sh runs the service.
pub(crate) struct Services {
    pub(crate) dir: PathBuf,
    pub(crate) staging_port: u16,
    pub(crate) production_port: u16,
}

impl Services {
    pub(crate) fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            staging_port: free_port(),
            production_port: free_port(),
        }
    }

    /// deploy/deploy.sh as the team fills it in.
    pub(crate) fn deploy_script(&self) -> String {
        include_str!("shop/deploy.sh")
            .replace("@STAGING_PORT@", &self.staging_port.to_string())
            .replace("@PRODUCTION_PORT@", &self.production_port.to_string())
            .replace("@SERVICES@", &self.dir.display().to_string())
    }

    pub(crate) fn health_url(&self) -> String {
        format!("http://127.0.0.1:{}/health", self.production_port)
    }

    /// The ref production runs, from its /health answer.
    pub(crate) fn production_version(&self) -> Option<String> {
        let (status, body) = get(&self.health_url())?;
        (status == 200).then(|| body.trim().trim_start_matches("ok ").to_owned())
    }
}

impl Drop for Services {
    /// Stops the services deploy/deploy.sh started, by their process ids.
    fn drop(&mut self) {
        for env in ["staging", "production"] {
            if let Ok(pid) = std::fs::read_to_string(self.dir.join(env).join("pid")) {
                // A version that could not start has already exited.
                let _ = Command::new("kill")
                    .arg(pid.trim())
                    .stderr(Stdio::null())
                    .status();
            }
        }
    }
}

/// A real Prometheus on loopback, scraping production every second.
pub(crate) struct Prometheus {
    child: Child,
    pub(crate) url: String,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    pub(crate) fn start(target_port: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: shop\n    static_configs:\n      - targets: ['127.0.0.1:{target_port}']\n"
            ),
        )
        .unwrap();
        let port = free_port();
        let mut child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting prometheus: {e}"));
        // Ready when its log says so; the rest of the log is read and
        // dropped, so Prometheus never blocks on a full pipe.
        let log = child.stderr.take().unwrap();
        let (ready, is_ready) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(log).lines() {
                let Ok(line) = line else { break };
                if line.contains("Server is ready to receive web requests") {
                    let _ = ready.send(());
                }
            }
        });
        let p = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        };
        assert!(
            is_ready.recv_timeout(Duration::from_secs(60)).is_ok(),
            "Prometheus never said it was ready"
        );
        p
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Production traffic: a steady stream of requests to the service, as
/// users would send; refused connections (a restart) are counted apart.
pub(crate) struct Traffic {
    stop: Arc<AtomicBool>,
    counts: Arc<[AtomicU64; 3]>,
    thread: Option<JoinHandle<()>>,
}

impl Traffic {
    pub(crate) fn start(port: u16) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let counts: Arc<[AtomicU64; 3]> = Arc::new(Default::default());
        let thread = {
            let (stop, counts) = (Arc::clone(&stop), Arc::clone(&counts));
            std::thread::spawn(move || {
                let url = format!("http://127.0.0.1:{port}/price");
                while !stop.load(Ordering::SeqCst) {
                    let slot = match get(&url) {
                        Some((200, _)) => 0,
                        Some(_) => 1,
                        None => 2,
                    };
                    counts[slot].fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(25));
                }
            })
        };
        Self {
            stop,
            counts,
            thread: Some(thread),
        }
    }

    /// Requests answered 200, answered otherwise, and not answered.
    pub(crate) fn counts(&self) -> [u64; 3] {
        [0, 1, 2].map(|i| self.counts[i].load(Ordering::SeqCst))
    }
}

impl Drop for Traffic {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Replaces `from` with `to` in a file, which must hold `from` once.
pub(crate) fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        text.matches(from).count(),
        1,
        "{} should hold {from:?} once:\n{text}",
        path.display()
    );
    std::fs::write(path, text.replace(from, to)).unwrap();
}
