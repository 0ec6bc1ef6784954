//! A real SMTP server on loopback (plain SMTP over TCP, written here) that records what it
//! receives, and helpers to wait for emails with a deadline.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One message received over SMTP.
#[derive(Debug, Clone)]
pub struct Received {
    /// `MAIL FROM`.
    pub from: String,
    /// `RCPT TO`s.
    pub to: Vec<String>,
    /// The message as received (headers and body).
    pub data: String,
}

impl Received {
    /// The value of header `name` (first occurrence, unfolded), if present.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = value.as_mut() {
                if line.starts_with([' ', '\t']) {
                    v.push_str(line.trim_start());
                    continue;
                }
                return value;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case(name)
            {
                value = Some(v.trim().to_string());
            }
        }
        value
    }
}

/// Reads one line (up to and without its CRLF or LF); `None` at the end of the stream.
fn read_line(reader: &mut impl BufRead) -> std::io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    if reader.read_until(b'\n', &mut line)? == 0 {
        return Ok(None);
    }
    if line.ends_with(b"\n") {
        line.pop();
        if line.ends_with(b"\r") {
            line.pop();
        }
    }
    Ok(Some(line))
}

/// The address of `MAIL FROM:<a>` or `RCPT TO:<a>` (after the colon, parameters dropped).
fn address(argument: &str) -> Option<String> {
    let (_, rest) = argument.split_once(':')?;
    let rest = rest.trim_start();
    let address = match rest.strip_prefix('<') {
        Some(inner) => inner.split_once('>')?.0,
        None => rest.split_whitespace().next().unwrap_or(""),
    };
    Some(address.to_string())
}

/// One SMTP session (RFC 5321, plain): EHLO/HELO, MAIL, RCPT, DATA (dot-unstuffed), RSET,
/// NOOP, QUIT. Each complete message is pushed to `received`.
fn session(
    stream: TcpStream,
    received: &Mutex<Vec<Received>>,
    refuse_recipients: bool,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    out.write_all(b"220 smtp.test ESMTP\r\n")?;
    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    while let Some(line) = read_line(&mut reader)? {
        let line = String::from_utf8_lossy(&line).into_owned();
        let verb = line.get(..4).unwrap_or(&line).to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-smtp.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" => b"250 smtp.test\r\n",
            "MAIL" => match address(&line) {
                Some(a) => {
                    from = Some(a);
                    to.clear();
                    b"250 OK\r\n"
                }
                None => b"501 Syntax error in parameters\r\n",
            },
            "RCPT" => match (&from, address(&line)) {
                (None, _) => b"503 Bad sequence of commands\r\n",
                (_, None) => b"501 Syntax error in parameters\r\n",
                (Some(_), Some(_)) if refuse_recipients => b"550 No such mailbox\r\n",
                (Some(_), Some(a)) => {
                    to.push(a);
                    b"250 OK\r\n"
                }
            },
            "DATA" if from.is_none() || to.is_empty() => b"503 Bad sequence of commands\r\n",
            "DATA" => {
                out.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")?;
                let mut data = Vec::new();
                loop {
                    let Some(line) = read_line(&mut reader)? else {
                        return Ok(());
                    };
                    if line == b"." {
                        break;
                    }
                    let line = line.strip_prefix(b".").unwrap_or(&line);
                    data.extend_from_slice(line);
                    data.extend_from_slice(b"\r\n");
                }
                let message = Received {
                    from: from.take().unwrap_or_default(),
                    to: std::mem::take(&mut to),
                    data: String::from_utf8_lossy(&data).into_owned(),
                };
                received.lock().unwrap().push(message);
                b"250 OK\r\n"
            }
            "RSET" => {
                from = None;
                to.clear();
                b"250 OK\r\n"
            }
            "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                out.write_all(b"221 Bye\r\n")?;
                return Ok(());
            }
            _ => b"502 Command not implemented\r\n",
        };
        out.write_all(reply)?;
    }
    Ok(())
}

/// A recording SMTP server on `127.0.0.1:port` (plain, no TLS, no authentication). It runs
/// on a thread until the test process ends, one more thread per connection.
#[derive(Clone)]
pub struct SmtpServer {
    /// The port it listens on.
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

impl SmtpServer {
    /// Starts a server on a free port.
    pub fn start() -> SmtpServer {
        SmtpServer::start_on(free_port())
    }

    /// Starts a server on a free port that refuses every recipient (550, permanent).
    pub fn start_refusing() -> SmtpServer {
        SmtpServer::serve(free_port(), true)
    }

    /// Starts a server on `port`.
    pub fn start_on(port: u16) -> SmtpServer {
        SmtpServer::serve(port, false)
    }

    fn serve(port: u16, refuse_recipients: bool) -> SmtpServer {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the SMTP port");
        let received = Arc::new(Mutex::new(Vec::new()));
        let shared = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let received = shared.clone();
                std::thread::spawn(move || {
                    let _ = session(stream, &received, refuse_recipients);
                });
            }
        });
        SmtpServer { port, received }
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until at least `n` messages arrived (panics after `timeout`), then returns all.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {n} emails arrived within {timeout:?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A port free now (nothing listens on it once this returns).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Polls `check` every 50 ms until it returns `Some` (panics after `timeout` with `what`).
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
