//! Fetching a live `http://` endpoint over a plain `std::net::TcpStream` (HTTP/1.1, no TLS).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::http::Completion;
use crate::{inspect, InputKind, Options, Place, Problem, ProblemKind, Report};

/// The request [`fetch`] sends.
#[derive(Debug, Clone)]
pub struct Request {
    /// The method (`GET` by default).
    pub method: String,
    /// Extra header fields, sent after `Host`, `Accept: text/event-stream` and
    /// `Connection: close` (a field given here with one of those names replaces it).
    pub headers: Vec<(String, String)>,
    /// A request body, sent with its `Content-Length`.
    pub body: Option<Vec<u8>>,
    /// How long the whole exchange may take; reading stops then, with the stream as it was.
    pub timeout: Duration,
}

impl Default for Request {
    fn default() -> Self {
        Request {
            method: "GET".into(),
            headers: Vec::new(),
            body: None,
            timeout: Duration::from_secs(30),
        }
    }
}

/// Why [`fetch`] got no response at all.
#[derive(Debug)]
pub enum FetchError {
    /// The URL is not `http://host[:port][/path]`.
    BadUrl(String),
    /// Resolving, connecting, writing or reading failed.
    Io(std::io::Error),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::BadUrl(u) => write!(f, "not an http://host[:port]/path URL: {u}"),
            FetchError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for FetchError {}

impl From<std::io::Error> for FetchError {
    fn from(e: std::io::Error) -> Self {
        FetchError::Io(e)
    }
}

/// A response as read off the connection.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The raw response bytes (head and framed body).
    pub bytes: Vec<u8>,
    /// Reading stopped at the timeout, with the connection still open.
    pub timed_out: bool,
    /// From connecting to the end of reading.
    pub elapsed: Duration,
}

/// `(host, port, path)` of an `http://` URL.
fn parse_url(url: &str) -> Option<(String, u16, String)> {
    let rest = url.strip_prefix("http://")?;
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) if rest.as_bytes()[i] == b'/' => (&rest[..i], rest[i..].to_owned()),
        Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
        None => (rest, "/".to_owned()),
    };
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let (host, port) = if authority.starts_with('[') {
        let close = authority.find(']')?;
        let port = match &authority[close + 1..] {
            "" => 80,
            rest => rest.strip_prefix(':')?.parse().ok()?,
        };
        (authority[..=close].to_owned(), port)
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h.to_owned(), p.parse().ok()?),
            None => (authority.to_owned(), 80),
        }
    };
    Some((host, port, path))
}

/// Sends `req` to `url` and reads the response until it is complete (the end of a chunked
/// body, or `Content-Length` bytes), the server closes the connection (the request asks it
/// to), or `req.timeout` passes.
///
/// # Errors
///
/// A [`FetchError`] when the URL is unusable, or the connection could not be made or failed
/// before any byte of the response arrived.
pub fn fetch(url: &str, req: &Request) -> Result<Fetched, FetchError> {
    let (host, port, path) = parse_url(url).ok_or_else(|| FetchError::BadUrl(url.to_owned()))?;
    let started = Instant::now();
    let deadline = started + req.timeout;
    let addrs: Vec<_> = (host.trim_matches(['[', ']']), port)
        .to_socket_addrs()?
        .collect();
    let mut last_err = None;
    let mut stream = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, req.timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last_err = Some(e),
        }
    }
    let Some(mut stream) = stream else {
        return Err(FetchError::Io(last_err.unwrap_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, "no address for host")
        })));
    };
    let host_field = if port == 80 {
        host.clone()
    } else {
        format!("{host}:{port}")
    };
    let mut fields: Vec<(String, String)> = vec![
        ("Host".into(), host_field),
        ("Accept".into(), "text/event-stream".into()),
        ("Connection".into(), "close".into()),
        (
            "User-Agent".into(),
            concat!("sse-inspect/", env!("CARGO_PKG_VERSION")).into(),
        ),
    ];
    for (name, _) in &req.headers {
        fields.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }
    fields.extend(req.headers.iter().cloned());
    if let Some(body) = &req.body {
        fields.push(("Content-Length".into(), body.len().to_string()));
    }
    let mut head = format!("{} {path} HTTP/1.1\r\n", req.method);
    for (name, value) in &fields {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.set_write_timeout(Some(req.timeout))?;
    stream.write_all(head.as_bytes())?;
    if let Some(body) = &req.body {
        stream.write_all(body)?;
    }
    stream.flush()?;
    let mut bytes = Vec::new();
    let mut piece = vec![0u8; 16 * 1024];
    let mut timed_out = false;
    let mut completion = Completion::default();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            timed_out = true;
            break;
        }
        stream.set_read_timeout(Some(left))?;
        match stream.read(&mut piece) {
            Ok(0) => break,
            Ok(n) => {
                bytes.extend_from_slice(&piece[..n]);
                if completion.is_complete(&bytes) {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                timed_out = true;
                break;
            }
            // A reset after some bytes: inspect what arrived (it is what a client saw).
            Err(_) if !bytes.is_empty() => break,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Fetched {
        bytes,
        timed_out,
        elapsed: started.elapsed(),
    })
}

/// [`fetch`]es `url` and [`inspect`]s the response as an HTTP capture; a timeout is reported
/// as [`ProblemKind::Timeout`], and [`Report::elapsed`] is the fetch's time.
///
/// # Errors
///
/// As [`fetch`].
pub fn inspect_url(url: &str, req: &Request, opts: &Options) -> Result<Report, FetchError> {
    let fetched = fetch(url, req)?;
    let opts = Options {
        input: InputKind::Http,
        ..opts.clone()
    };
    let mut report = inspect(&fetched.bytes, &opts);
    if fetched.timed_out {
        report.problems.insert(
            0,
            Problem {
                kind: ProblemKind::Timeout,
                offset: fetched.bytes.len() as u64,
                place: Place::Capture,
                detail: format!(
                    "reading stopped after {:.1} s with the connection still open",
                    fetched.elapsed.as_secs_f64()
                ),
            },
        );
    }
    report.elapsed = Some(fetched.elapsed);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::parse_url;

    #[test]
    fn urls() {
        let p = parse_url;
        assert_eq!(p("http://h"), Some(("h".into(), 80, "/".into())));
        assert_eq!(
            p("http://h:8080/a/b?c=d"),
            Some(("h".into(), 8080, "/a/b?c=d".into()))
        );
        assert_eq!(p("http://h?q"), Some(("h".into(), 80, "/?q".into())));
        assert_eq!(
            p("http://[::1]:9/x"),
            Some(("[::1]".into(), 9, "/x".into()))
        );
        assert_eq!(p("http://[::1]/x"), Some(("[::1]".into(), 80, "/x".into())));
        assert_eq!(p("http://h:port/"), None);
        assert_eq!(p("http://user@h/"), None);
        assert_eq!(p("https://h/"), None);
        assert_eq!(p("http:///x"), None);
    }
}
