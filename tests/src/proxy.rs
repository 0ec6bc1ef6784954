//! A recording HTTP proxy for the plugin SDK's tests: it sits between the SDK and the server,
//! records every request the SDK sends (method, path, headers, body), and can simulate an
//! outage ([`Mode::Down`]: connections are closed unanswered) or a lost reply
//! ([`Mode::LoseReply`]: the server gets the request, the SDK never gets the answer).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code fails loudly.

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does with the requests it receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Forwards the request and returns the reply.
    Forward,
    /// The server is down: the connection is closed without forwarding.
    Down,
    /// Forwards the request, then closes the connection without the reply.
    LoseReply,
}

/// One request as the SDK sent it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `GET`, `POST`…
    pub method: String,
    /// Path and query.
    pub target: String,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// The status the server answered, if it was forwarded and answered.
    pub status: Option<u16>,
}

impl Recorded {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A running proxy.
#[derive(Clone)]
pub struct Proxy {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    log: Arc<Mutex<Vec<Recorded>>>,
    mode: Arc<Mutex<Mode>>,
}

impl Proxy {
    /// Starts a proxy to `upstream` (`http://host:port`).
    pub async fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let proxy = Proxy {
            address,
            log: Arc::default(),
            mode: Arc::new(Mutex::new(Mode::Forward)),
        };
        let p = proxy.clone();
        let upstream = upstream.to_string();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (p, upstream, client) = (p.clone(), upstream.clone(), client.clone());
                tokio::spawn(async move { p.serve(stream, &upstream, &client).await });
            }
        });
        proxy
    }

    /// Switches the mode.
    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }

    async fn serve(&self, mut stream: TcpStream, upstream: &str, client: &reqwest::Client) {
        let Some(mut rec) = read_request(&mut stream).await else {
            return;
        };
        let mode = *self.mode.lock().unwrap();
        let index = {
            let mut log = self.log.lock().unwrap();
            log.push(rec.clone());
            log.len() - 1
        };
        if mode == Mode::Down {
            return; // Dropping the stream closes it unanswered.
        }
        let method = reqwest::Method::from_bytes(rec.method.as_bytes()).unwrap();
        let mut req = client.request(method, format!("{upstream}{}", rec.target));
        for (name, value) in &rec.headers {
            if !matches!(
                name.as_str(),
                "host" | "connection" | "content-length" | "transfer-encoding"
            ) {
                req = req.header(name, value);
            }
        }
        let resp = req
            .body(std::mem::take(&mut rec.body))
            .send()
            .await
            .unwrap();
        let status = resp.status();
        self.log.lock().unwrap()[index].status = Some(status.as_u16());
        if mode == Mode::LoseReply {
            return;
        }
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nconnection: close\r\n",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        );
        for (name, value) in resp.headers() {
            if !matches!(
                name.as_str(),
                "connection" | "content-length" | "transfer-encoding"
            ) {
                head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap_or("")));
            }
        }
        let body = resp.bytes().await.unwrap();
        if status.as_u16() != 304 && status.as_u16() != 204 {
            head.push_str(&format!("content-length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let _ = stream.write_all(head.as_bytes()).await;
        let _ = stream.write_all(&body).await;
        let _ = stream.shutdown().await;
    }
}

/// Reads one HTTP/1.1 request with a `Content-Length` body (all the SDK sends).
async fn read_request(stream: &mut TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[header_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Recorded {
        method,
        target,
        headers,
        body,
        status: None,
    })
}
