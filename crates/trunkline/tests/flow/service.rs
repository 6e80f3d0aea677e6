//! Production as the scenario has it: the shop service (Go, in `shop/`)
//! that `deploy/deploy.sh` builds and restarts on 127.0.0.1 for staging
//! and production, a real Prometheus scraping production, the traffic
//! production gets, and a Slack webhook.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
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

pub(crate) use test_support::prometheus::{free_port, http_get as get};

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
pub(crate) fn prometheus(production_port: u16) -> test_support::prometheus::Prometheus {
    let target = format!("127.0.0.1:{production_port}");
    test_support::prometheus::Prometheus::start("shop", &[&target])
        .unwrap_or_else(|| panic!("the delivery flow needs prometheus: apt-get install prometheus"))
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
