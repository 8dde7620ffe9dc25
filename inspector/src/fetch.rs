//! Fetching a live `http://` or `https://` endpoint over a `std::net::TcpStream` (HTTP/1.1;
//! TLS through rustls), reading the response as it arrives.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::ClientConfig;
use sse_wire::sse::Decoder;

use crate::http::Unframer;
use crate::timing::{self, Silence, Timing};
use crate::tls::{self, Conn};
use crate::{
    build_report, BodyReader, HttpInfo, Options, Place, Problem, ProblemKind, Record, Report,
};

/// How an `https://` URL's server is trusted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tls {
    /// Trust only the certificates in this PEM file (a private CA, or a self-signed server's
    /// own certificate), instead of the system's store.
    pub cacert: Option<PathBuf>,
    /// Accept any certificate for any name (`-k`: a test server).
    pub insecure: bool,
}

/// Connect to `addr` for `host:port`, whatever DNS says (curl's `--resolve`). The `Host`
/// header and the TLS server name stay `host`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolve {
    /// The host name of the URL.
    pub host: String,
    /// The port of the URL.
    pub port: u16,
    /// The address to connect to.
    pub addr: IpAddr,
}

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
    /// How an `https://` server is trusted.
    pub tls: Tls,
    /// Addresses to use instead of DNS.
    pub resolve: Vec<Resolve>,
    /// Reading stops, with the stream as it was, when this flag is set (Ctrl-C).
    pub stop: Option<Arc<AtomicBool>>,
}

impl Default for Request {
    fn default() -> Self {
        Request {
            method: "GET".into(),
            headers: Vec::new(),
            body: None,
            timeout: Duration::from_secs(30),
            tls: Tls::default(),
            resolve: Vec::new(),
            stop: None,
        }
    }
}

impl Request {
    fn stopped(&self) -> bool {
        self.stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
    }
}

/// Why [`fetch`] got no response at all.
#[derive(Debug)]
pub enum FetchError {
    /// The URL is not `http[s]://host[:port][/path]`.
    BadUrl(String),
    /// Resolving, connecting, writing or reading failed.
    Io(std::io::Error),
    /// The TLS setup or handshake failed (bad `--cacert` file, untrusted certificate, …).
    Tls(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::BadUrl(u) => write!(f, "not an http[s]://host[:port]/path URL: {u}"),
            FetchError::Io(e) => write!(f, "{e}"),
            FetchError::Tls(e) => write!(f, "TLS: {e}"),
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
    /// Reading stopped because [`Request::stop`] was set.
    pub interrupted: bool,
    /// From connecting to the end of reading.
    pub elapsed: Duration,
    /// When the first byte arrived, since the request was sent.
    pub first_byte: Option<Duration>,
    /// The longest time without a byte, from the first byte to the end of reading.
    pub longest_silence: Option<Silence>,
    /// When the last byte arrived, since the request was sent.
    pub last_byte: Option<Duration>,
    /// When reading stopped, since the request was sent.
    pub end: Duration,
}

/// What a live read reports as it goes ([`inspect_url_live`]).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Seen<'a> {
    /// The response head is in.
    Head {
        /// The status and headers.
        info: &'a HttpInfo,
        /// When its last byte arrived, since the request was sent.
        at: Duration,
    },
    /// An item of the body was decoded.
    Record {
        /// The item and its offset.
        record: &'a Record,
        /// When the read that completed it arrived, since the request was sent.
        at: Duration,
    },
}

/// A parsed `http://` or `https://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) https: bool,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) path: String,
}

impl Target {
    pub(crate) fn parse(url: &str) -> Option<Target> {
        let (https, rest) = match url.strip_prefix("https://") {
            Some(rest) => (true, rest),
            None => (false, url.strip_prefix("http://")?),
        };
        let (host, port, path) = split_authority(rest, if https { 443 } else { 80 })?;
        Some(Target {
            https,
            host,
            port,
            path,
        })
    }
}

/// `(host, port, path)` of an `http://` URL.
#[cfg(test)]
fn parse_url(url: &str) -> Option<(String, u16, String)> {
    split_authority(url.strip_prefix("http://")?, 80)
}

/// `(host, port, path)` of what follows the scheme.
fn split_authority(rest: &str, default_port: u16) -> Option<(String, u16, String)> {
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
            "" => default_port,
            rest => rest.strip_prefix(':')?.parse().ok()?,
        };
        (authority[..=close].to_owned(), port)
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h.to_owned(), p.parse().ok()?),
            None => (authority.to_owned(), default_port),
        }
    };
    Some((host, port, path))
}

/// Connects, sends the request and returns the connection and the instant the request was
/// sent.
fn send(
    target: &Target,
    req: &Request,
    extra: &[(String, String)],
    tls_config: Option<&Arc<ClientConfig>>,
    deadline: Instant,
) -> Result<(Conn, Instant), FetchError> {
    let Target {
        host, port, path, ..
    } = target;
    let bare = host.trim_matches(['[', ']']);
    let addrs: Vec<SocketAddr> = match req
        .resolve
        .iter()
        .find(|r| r.host.trim_matches(['[', ']']).eq_ignore_ascii_case(bare) && r.port == *port)
    {
        Some(r) => vec![SocketAddr::new(r.addr, *port)],
        None => (bare, *port).to_socket_addrs()?.collect(),
    };
    let connect_timeout = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(1));
    let mut last_err = None;
    let mut stream = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, connect_timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last_err = Some(e),
        }
    }
    let Some(tcp) = stream else {
        return Err(FetchError::Io(last_err.unwrap_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, "no address for host")
        })));
    };
    let left = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(1));
    tcp.set_write_timeout(Some(left))?;
    tcp.set_read_timeout(Some(left))?;
    let _ = tcp.set_nodelay(true);
    let mut conn = match (target.https, tls_config) {
        (true, Some(config)) => Conn::tls(config.clone(), host, tcp)?,
        (true, None) => Conn::tls(tls::client_config(&req.tls)?, host, tcp)?,
        (false, _) => Conn::Plain(tcp),
    };
    let default_port = if target.https { 443 } else { 80 };
    let host_field = if *port == default_port {
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
    for (name, _) in req.headers.iter().chain(extra) {
        fields.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }
    fields.extend(req.headers.iter().cloned());
    fields.extend(extra.iter().cloned());
    if let Some(body) = &req.body {
        fields.push(("Content-Length".into(), body.len().to_string()));
    }
    let mut head = format!("{} {path} HTTP/1.1\r\n", req.method);
    for (name, value) in &fields {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    // One write for head and body: a server may answer (and close) as soon as the head is in.
    let mut out = head.into_bytes();
    if let Some(body) = &req.body {
        out.extend_from_slice(body);
    }
    conn.write_all(&out)?;
    conn.flush()?;
    Ok((conn, Instant::now()))
}

/// Reads `conn` until `on_bytes` says the response is complete, the server closes, the
/// deadline passes or the stop flag is set. `on_bytes` gets every byte so far and the time
/// since `sent`.
fn read_all(
    mut conn: Conn,
    req: &Request,
    started: Instant,
    sent: Instant,
    deadline: Instant,
    on_bytes: &mut dyn FnMut(&[u8], Duration) -> bool,
) -> Result<Fetched, FetchError> {
    let mut bytes = Vec::new();
    let mut piece = vec![0u8; 16 * 1024];
    let (mut timed_out, mut interrupted) = (false, false);
    let mut first_byte = None;
    let mut last_read: Option<Duration> = None;
    let mut longest: Option<Silence> = None;
    // With a stop flag, reads wake up often enough to see it.
    let slice = req.stop.as_ref().map(|_| Duration::from_millis(100));
    loop {
        if req.stopped() {
            interrupted = true;
            break;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            timed_out = true;
            break;
        }
        conn.tcp()
            .set_read_timeout(Some(slice.map_or(left, |s| s.min(left))))?;
        match conn.read(&mut piece) {
            Ok(0) => break,
            Ok(n) => {
                let at = sent.elapsed();
                first_byte.get_or_insert(at);
                if let Some(prev) = last_read {
                    note_silence(&mut longest, prev, at);
                }
                last_read = Some(at);
                bytes.extend_from_slice(&piece[..n]);
                if on_bytes(&bytes, at) {
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
                if slice.is_none() || deadline <= Instant::now() {
                    timed_out = true;
                    break;
                }
            }
            // A reset (or a TLS close without close_notify) after some bytes: inspect what
            // arrived (it is what a client saw).
            Err(_) if !bytes.is_empty() => break,
            Err(e) => return Err(e.into()),
        }
    }
    let end = sent.elapsed();
    if let Some(prev) = last_read {
        note_silence(&mut longest, prev, end);
    }
    Ok(Fetched {
        bytes,
        timed_out,
        interrupted,
        elapsed: started.elapsed(),
        first_byte,
        longest_silence: longest,
        last_byte: last_read,
        end,
    })
}

fn note_silence(longest: &mut Option<Silence>, from: Duration, to: Duration) {
    let length = to.saturating_sub(from);
    if longest.is_none_or(|l| length > l.length) {
        *longest = Some(Silence { from, length });
    }
}

/// Sends `req` to `url` and reads the response until it is complete (the end of a chunked
/// body, or `Content-Length` bytes), the server closes the connection (the request asks it
/// to), `req.timeout` passes, or `req.stop` is set.
///
/// # Errors
///
/// A [`FetchError`] when the URL is unusable, or the connection (or its TLS handshake) could
/// not be made or failed before any byte of the response arrived.
pub fn fetch(url: &str, req: &Request) -> Result<Fetched, FetchError> {
    let target = Target::parse(url).ok_or_else(|| FetchError::BadUrl(url.to_owned()))?;
    let started = Instant::now();
    let deadline = started + req.timeout;
    let (conn, sent) = send(&target, req, &[], None, deadline)?;
    let mut unframer = Unframer::default();
    read_all(conn, req, started, sent, deadline, &mut |all, _| {
        unframer.feed(all)
    })
}

/// [`fetch`]es `url` and [`inspect`](crate::inspect)s the response as an HTTP capture; a
/// timeout is reported as [`ProblemKind::Timeout`], and [`Report::elapsed`] is the fetch's
/// time. This is [`inspect_url_live`] without watching.
///
/// # Errors
///
/// As [`fetch`].
pub fn inspect_url(url: &str, req: &Request, opts: &Options) -> Result<Report, FetchError> {
    inspect_url_live(url, req, opts, &mut |_| {})
}

/// Like [`inspect_url`], and hands each item to `on_seen` as soon as it is decoded, with its
/// arrival time. The report's items are the ones handed out, and its [`Report::timing`] says
/// when they came; a stream held back on the way is diagnosed as [`ProblemKind::Buffered`].
///
/// # Errors
///
/// As [`fetch`].
pub fn inspect_url_live(
    url: &str,
    req: &Request,
    opts: &Options,
    on_seen: &mut dyn FnMut(Seen<'_>),
) -> Result<Report, FetchError> {
    let target = Target::parse(url).ok_or_else(|| FetchError::BadUrl(url.to_owned()))?;
    let started = Instant::now();
    let deadline = started + req.timeout;
    let (conn, sent) = send(&target, req, &[], None, deadline)?;
    let live = read_live(
        conn,
        req,
        opts,
        Decoder::with_limits(opts.limits),
        (started, sent, deadline),
        on_seen,
    )?;
    Ok(live.report)
}

/// A live read's outcome: the report, and the decoder for the next connection.
pub(crate) struct Live {
    pub(crate) report: Report,
    pub(crate) decoder: Decoder,
    pub(crate) fetched: Fetched,
}

/// Reads the response on `conn` as it arrives: the head, then the body through a
/// [`BodyReader`] that starts from `decoder`. `times` is (started, sent, deadline).
pub(crate) fn read_live(
    conn: Conn,
    req: &Request,
    opts: &Options,
    decoder: Decoder,
    times: (Instant, Instant, Instant),
    on_seen: &mut dyn FnMut(Seen<'_>),
) -> Result<Live, FetchError> {
    let (started, sent, deadline) = times;
    let mut unframer = Unframer::default();
    let mut reader = Some(BodyReader::new(opts, decoder));
    let mut arrivals = Vec::new();
    let mut head_seen = false;
    let fetched = read_all(conn, req, started, sent, deadline, &mut |all, at| {
        let complete = unframer.feed(all);
        let Some(head_len) = unframer.head_len() else {
            return complete;
        };
        if !head_seen {
            head_seen = true;
            match crate::http::read_response(&all[..head_len], &mut Vec::new()) {
                (Some(info), _) => on_seen(Seen::Head { info: &info, at }),
                // Not an HTTP response: no body to decode.
                (None, _) => reader = None,
            }
        }
        if let Some(reader) = reader.as_mut() {
            let added = reader.feed(&unframer.body, false);
            let records = reader.records();
            for record in &records[records.len() - added..] {
                arrivals.push(at);
                on_seen(Seen::Record { record, at });
            }
        }
        complete
    })?;
    let Fetched { bytes, end, .. } = &fetched;
    let mut problems = Vec::new();
    let (info, body) = crate::http::read_response(bytes, &mut problems);
    debug_assert!(info.is_none() || body == unframer.body);
    let mut reader = match reader.take() {
        Some(reader) if info.is_some() => reader,
        _ => {
            arrivals.clear();
            BodyReader::new(opts, Decoder::with_limits(opts.limits))
        }
    };
    // Items completed only by the end of the body came with its last bytes.
    let at_eof = fetched.last_byte.unwrap_or(*end);
    let added = reader.feed(&body, true);
    {
        let records = reader.records();
        for record in &records[records.len() - added..] {
            arrivals.push(at_eof);
            on_seen(Seen::Record { record, at: at_eof });
        }
    }
    let (records, body_problems, decoder) = reader.finish(&body);
    problems.extend(body_problems);
    let first_event = records
        .iter()
        .zip(&arrivals)
        .find(|(r, _)| matches!(r.item, sse_wire::sse::Item::Event(_)))
        .map(|(_, at)| *at);
    let timing = Timing {
        arrivals,
        first_byte: fetched.first_byte,
        first_event,
        longest_silence: fetched.longest_silence,
        end: *end,
    };
    if let Some(p) = timing::diagnose(&timing, &records, info.as_ref()) {
        problems.push(p);
    }
    let mut report = build_report(info, records, problems, &body, bytes.len(), opts);
    if fetched.timed_out {
        report.problems.insert(
            0,
            Problem {
                kind: ProblemKind::Timeout,
                offset: bytes.len() as u64,
                place: Place::Capture,
                detail: format!(
                    "reading stopped after {:.1} s with the connection still open",
                    fetched.elapsed.as_secs_f64()
                ),
            },
        );
    }
    report.elapsed = Some(fetched.elapsed);
    report.timing = Some(timing);
    Ok(Live {
        report,
        decoder,
        fetched,
    })
}

/// Connects and sends for [`crate::follow`]: `extra` headers go after the request's.
pub(crate) fn open(
    target: &Target,
    req: &Request,
    extra: &[(String, String)],
    tls_config: Option<&Arc<ClientConfig>>,
    deadline: Instant,
) -> Result<(Conn, Instant), FetchError> {
    send(target, req, extra, tls_config, deadline)
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
