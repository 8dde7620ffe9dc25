//! Fetching by URL: a capture served over `127.0.0.1` (a random port, one connection, a few
//! seconds at most) must give the same report as the capture file itself.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sse_inspect::{inspect, inspect_url, Options, ProblemKind, Request};

/// How long any server here lives, whatever the client does.
const LIFETIME: Duration = Duration::from_secs(10);

fn golden(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(name),
    )
    .unwrap()
}

/// Serves `response` to one connection in `piece`-byte writes, and returns the URL and a
/// handle that yields the request as received. With `hold`, the connection is kept open
/// after the response (until the client closes it or the lifetime ends).
fn serve(response: Vec<u8>, piece: usize, hold: bool) -> (String, JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1/stream?x=1", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    let handle = std::thread::spawn(move || {
        let deadline = Instant::now() + LIFETIME;
        let mut conn = loop {
            match listener.accept() {
                Ok((conn, _)) => break conn,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    assert!(Instant::now() < deadline, "no client came");
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) => panic!("{e}"),
            }
        };
        conn.set_nonblocking(false).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let request = read_request(&mut conn);
        for part in response.chunks(piece) {
            conn.write_all(part).unwrap();
            conn.flush().unwrap();
            std::thread::sleep(Duration::from_millis(1));
        }
        if hold {
            // Until the client hangs up (read returns 0 or fails) or the lifetime ends.
            let mut sink = [0u8; 64];
            while Instant::now() < deadline {
                match conn.read(&mut sink) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        }
        request
    });
    (url, handle)
}

/// The request head and its `Content-Length` body.
fn read_request(conn: &mut TcpStream) -> Vec<u8> {
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&request[..end]).to_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if request.len() >= end + 4 + len {
                return request;
            }
        }
        let n = conn.read(&mut buf).unwrap();
        assert!(n > 0, "client closed before the end of its request");
        request.extend_from_slice(&buf[..n]);
    }
}

fn bin(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_sse-inspect"))
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn a_chunked_capture_served_in_small_writes_reads_as_the_file_does() {
    let capture = golden("proxy-cut.http");
    let (url, server) = serve(capture.clone(), 7, false);
    let live = inspect_url(&url, &Request::default(), &Options::default()).unwrap();
    let request = String::from_utf8(server.join().unwrap()).unwrap();
    assert!(
        request.starts_with("GET /v1/stream?x=1 HTTP/1.1\r\n"),
        "{request}"
    );
    assert!(
        request.contains("\r\nAccept: text/event-stream\r\n"),
        "{request}"
    );
    assert!(request.contains("\r\nConnection: close\r\n"), "{request}");

    let file = inspect(&capture, &Options::default());
    assert_eq!(live.records, file.records);
    assert_eq!(live.problems, file.problems);
    assert_eq!(live.summary, file.summary);
    assert!(live.elapsed.is_some());
    assert!(live
        .problems
        .iter()
        .any(|p| p.kind == ProblemKind::ChunkedFraming));
}

#[test]
fn the_binary_fetches_a_url_with_the_same_output_as_the_golden_file() {
    let (url, server) = serve(golden("chunked-ok.http"), 5, false);
    let (stdout, _, status) = bin(&["--all", &url]);
    server.join().unwrap();
    assert_eq!(status, 0);
    let want = String::from_utf8(golden("chunked-ok.ndjson")).unwrap();
    let cut = |s: &str| s[..s.rfind("\"elapsed_ms\":").unwrap()].to_owned();
    // A live read adds each item's arrival times (`at_ms`, `gap_ms`) at the end of its line.
    let untimed: String = stdout
        .lines()
        .map(|l| match l.find(",\"at_ms\":") {
            Some(at) => format!("{}}}\n", &l[..at]),
            None => format!("{l}\n"),
        })
        .collect();
    assert!(
        stdout.lines().next().unwrap().contains(",\"at_ms\":"),
        "{stdout}"
    );
    assert_eq!(cut(&untimed), cut(&want));
    assert!(!stdout.contains("\"elapsed_ms\":null"), "a fetch is timed");

    let (url, server) = serve(golden("proxy-cut.http"), 3, false);
    let (stdout, _, status) = bin(&["--check", &url]);
    server.join().unwrap();
    assert_eq!(status, 1);
    let want = String::from_utf8(golden("proxy-cut.check")).unwrap();
    assert_eq!(format!("{stdout}exit: {status}\n"), want);
}

#[test]
fn post_with_a_body_and_headers() {
    let (url, server) = serve(golden("chunked-ok.http"), 64, false);
    let (stdout, stderr, status) = bin(&[
        "--check",
        "-d",
        r#"{"stream":true}"#,
        "-H",
        "Content-Type: application/json",
        "-H",
        "Authorization: Bearer t0k",
        &url,
    ]);
    let request = String::from_utf8(server.join().unwrap()).unwrap();
    assert_eq!((status, stderr.as_str()), (0, ""), "{stdout}");
    assert!(stdout.starts_with("ok: 2 event(s)"), "{stdout}");
    assert!(
        request.starts_with("POST /v1/stream?x=1 HTTP/1.1\r\n"),
        "{request}"
    );
    for field in [
        "Content-Type: application/json",
        "Authorization: Bearer t0k",
        "Content-Length: 15",
    ] {
        assert!(
            request.contains(&format!("\r\n{field}\r\n")),
            "{field} in {request}"
        );
    }
    assert!(request.ends_with("\r\n\r\n{\"stream\":true}"), "{request}");
}

#[test]
fn a_stream_still_open_at_the_timeout_is_reported() {
    let head =
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
    let mut response = head.to_vec();
    response.extend_from_slice(b"9\r\ndata: a\n\n\r\n");
    let (url, server) = serve(response, 1024, true);
    let (stdout, _, status) = bin(&["--check", "--timeout", "0.5", &url]);
    server.join().unwrap();
    assert_eq!(status, 1);
    let lines: Vec<_> = stdout.lines().collect();
    assert!(lines[0].starts_with("capture@"), "{stdout}");
    assert!(
        lines[0].contains(" timeout: reading stopped after "),
        "{stdout}"
    );
    assert!(lines[1].contains(" chunked-framing: "), "{stdout}");
    assert_eq!(lines.len(), 3, "{stdout}");
}

#[test]
fn a_complete_response_ends_the_fetch_even_on_a_connection_left_open() {
    for capture in ["chunked-ok.http", "status-503.http"] {
        let (url, server) = serve(golden(capture), 4, true);
        let started = Instant::now();
        let request = Request {
            timeout: Duration::from_secs(8),
            ..Request::default()
        };
        let report = inspect_url(&url, &request, &Options::default()).unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{capture}: waited for the timeout"
        );
        assert!(!report
            .problems
            .iter()
            .any(|p| p.kind == ProblemKind::Timeout));
        assert_eq!(
            report.records,
            inspect(&golden(capture), &Options::default()).records
        );
        drop(report);
        server.join().unwrap();
    }
}

#[test]
fn unreachable_and_unsupported_urls_are_io_errors() {
    // A port nobody listens on any more.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (_, stderr, status) = bin(&["--timeout", "2", &format!("http://127.0.0.1:{port}/")]);
    assert_eq!(status, 2, "{stderr}");
    // https is read too now (tests/tls.rs): here, a port nobody listens on.
    let (_, stderr, status) = bin(&["--timeout", "2", &format!("https://127.0.0.1:{port}/")]);
    assert_eq!(status, 2, "{stderr}");
    assert!(
        stderr.starts_with("sse-inspect: https://127.0.0.1:"),
        "{stderr}"
    );
    let (_, stderr, status) = bin(&["--frobnicate"]);
    assert_eq!(status, 2);
    assert!(stderr.contains("unknown option"), "{stderr}");
    let (stdout, _, status) = bin(&["--help"]);
    assert_eq!(status, 0);
    assert!(stdout.starts_with("sse-inspect: "), "{stdout}");
}
