//! A minimal HTTP/1.1 server loop: one request per connection.
//!
//! Hand-written rather than a server crate so the whole response leaves in
//! one write on a `TCP_NODELAY` socket; a server that writes head and body
//! separately stalls each request on delayed ACKs (~40 ms on loopback).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::{RecordedRequest, Reply};

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// What a [`HandlerServer`] answers with, request by request.
pub type Handler = dyn Fn(&RecordedRequest) -> Reply + Send + Sync;

/// A loopback HTTP server whose answers a test decides, request by request
/// (health endpoints that go bad, a Slack webhook, a metrics exporter). It
/// records every request, and [`refuse`](Self::refuse) closes the listener
/// so later connections are refused.
pub struct HandlerServer {
    url: String,
    addr: std::net::SocketAddr,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    accept: Option<std::thread::JoinHandle<()>>,
    requests: std::sync::Arc<std::sync::Mutex<Vec<RecordedRequest>>>,
}

impl HandlerServer {
    pub fn start(handler: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static) -> Self {
        #[allow(clippy::unwrap_used)] // A test fixture that cannot bind cannot run.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        #[allow(clippy::unwrap_used)]
        let addr = listener.local_addr().unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let handler: std::sync::Arc<Handler> = std::sync::Arc::new(handler);
        let accept = {
            let stop = std::sync::Arc::clone(&stop);
            let requests = std::sync::Arc::clone(&requests);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let handler = std::sync::Arc::clone(&handler);
                    let requests = std::sync::Arc::clone(&requests);
                    std::thread::spawn(move || {
                        serve_connection(stream, |req| {
                            requests
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner)
                                .push(req.clone());
                            handler(&req)
                        })
                    });
                }
            })
        };
        Self {
            url: format!("http://{addr}"),
            addr,
            stop,
            accept: Some(accept),
            requests,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Closes the listener: from now on connections are refused.
    pub fn refuse(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

impl Drop for HandlerServer {
    fn drop(&mut self) {
        self.refuse();
    }
}

/// A loopback server of fixed files (release archives, checksums), for the
/// download path's tests. Any other path is a 404.
pub struct StaticServer(HandlerServer);

impl StaticServer {
    /// Serves `(path, bytes)` pairs, paths like `/v1/app.tar.gz`.
    pub fn start(files: Vec<(String, Vec<u8>)>) -> Self {
        Self(HandlerServer::start(move |req| {
            match files.iter().find(|(p, _)| *p == req.path) {
                Some((_, bytes)) => Reply {
                    status: 200,
                    body: Some(bytes.clone()),
                    headers: vec![("Content-Type".into(), "application/octet-stream".into())],
                },
                None => Reply::error(404, "Not Found"),
            }
        }))
    }

    pub fn url(&self) -> &str {
        self.0.url()
    }

    /// The paths requested so far.
    pub fn requests(&self) -> Vec<String> {
        self.0.requests().into_iter().map(|r| r.path).collect()
    }
}

/// What a [`StreamingServer`] answers every request with: a body of `len`
/// bytes, `prefix` first and then `fill`, written as it goes.
#[derive(Debug, Clone)]
pub struct Stream {
    pub status: u16,
    pub content_type: String,
    pub prefix: Vec<u8>,
    pub fill: u8,
    pub len: u64,
    /// Send `Content-Length`; without it the body ends when the connection
    /// does, so a reader learns its size only by reading.
    pub declare_length: bool,
}

/// A loopback server of large answers, for readers that must stop at a
/// cap: the body goes out 64 KiB at a time, never built whole, and the
/// server counts the bytes the client took before it hung up.
pub struct StreamingServer {
    url: String,
    addr: std::net::SocketAddr,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    accept: Option<std::thread::JoinHandle<()>>,
    sent: std::sync::Arc<std::sync::atomic::AtomicU64>,
    requests: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl StreamingServer {
    pub fn start(stream: Stream) -> Self {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
        #[allow(clippy::unwrap_used)] // A test fixture that cannot bind cannot run.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        #[allow(clippy::unwrap_used)]
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(AtomicU64::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let stream = Arc::new(stream);
        let accept = {
            let (stop, sent, requests) =
                (Arc::clone(&stop), Arc::clone(&sent), Arc::clone(&requests));
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let (stream, sent, requests) = (
                        Arc::clone(&stream),
                        Arc::clone(&sent),
                        Arc::clone(&requests),
                    );
                    std::thread::spawn(move || {
                        let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
                        let Ok(read_half) = conn.try_clone() else {
                            return;
                        };
                        let mut reader = BufReader::new(read_half);
                        let mut line = String::new();
                        let mut lines = 0;
                        while reader.read_line(&mut line).unwrap_or(0) > 0 {
                            lines += 1;
                            if line.trim_end().is_empty() {
                                break;
                            }
                            line.clear();
                        }
                        if lines < 2 {
                            return; // A wake-up connect.
                        }
                        requests.fetch_add(1, Ordering::SeqCst);
                        let mut head = format!(
                            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nConnection: close\r\n",
                            stream.status,
                            reason(stream.status),
                            stream.content_type
                        );
                        if stream.declare_length {
                            head.push_str(&format!("Content-Length: {}\r\n", stream.len));
                        }
                        head.push_str("\r\n");
                        let mut conn = conn;
                        if conn.write_all(head.as_bytes()).is_err() {
                            return;
                        }
                        let chunk = vec![stream.fill; 64 * 1024];
                        let mut left = stream.len;
                        let prefix = &stream.prefix[..stream
                            .prefix
                            .len()
                            .min(usize::try_from(left).unwrap_or(usize::MAX))];
                        if conn.write_all(prefix).is_err() {
                            return;
                        }
                        sent.fetch_add(prefix.len() as u64, Ordering::SeqCst);
                        left -= prefix.len() as u64;
                        while left > 0 {
                            let n = chunk.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                            // A client that stopped reading: done.
                            if conn.write_all(&chunk[..n]).is_err() {
                                break;
                            }
                            sent.fetch_add(n as u64, Ordering::SeqCst);
                            left -= n as u64;
                        }
                        let _ = conn.shutdown(std::net::Shutdown::Both);
                    });
                }
            })
        };
        Self {
            url: format!("http://{addr}"),
            addr,
            stop,
            accept: Some(accept),
            sent,
            requests,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Requests answered so far.
    pub fn requests(&self) -> usize {
        self.requests.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Body bytes the clients took, over every answer so far.
    pub fn bytes_sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for StreamingServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

/// Reads one request, answers it with `respond`, and closes the connection.
pub(crate) fn serve_connection(stream: TcpStream, respond: impl FnOnce(RecordedRequest) -> Reply) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return; // A wake-up connect, or a client that gave up.
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_ascii_uppercase();
    let target = parts.next().unwrap_or("/").to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let length = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
    let request = RecordedRequest {
        method,
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let reply = respond(request);
    let body = reply.body.unwrap_or_default();
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut out = head.into_bytes();
    out.extend_from_slice(&body);
    let mut stream = stream;
    // The client may have timed out and gone; nothing to do about it.
    let _ = stream.write_all(&out);
    let _ = stream.flush();
    let _ = stream.shutdown(std::net::Shutdown::Both);
}
