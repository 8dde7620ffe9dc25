//! Live reads against servers these tests start on 127.0.0.1 (random ports, a bounded lifetime,
//! one scripted response per connection): https with a certificate generated here (rcgen),
//! arrival times, the buffering diagnosis, `--follow` across a cut, Ctrl-C, and the request
//! options. Timing figures are judged on the servers' pace (a held stream holds its events for
//! 1.5 s; events sent one by one are 150 ms apart), never on the tool's own speed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sse_inspect::{inspect_url, Options, Request, Tls};

/// How long any server here lives, whatever the client does.
const LIFETIME: Duration = Duration::from_secs(15);

/// One step of a scripted response.
enum Step {
    Send(Vec<u8>),
    Sleep(Duration),
    /// Wait for the test's go (or the end of the lifetime); records which came.
    WaitFor(mpsc::Receiver<()>),
    /// Keep the connection open until the client closes it (or the lifetime ends).
    Hold,
}

/// What a server saw on one connection.
#[derive(Debug, Default)]
struct Seen {
    request: String,
    sni: Option<String>,
    alpn: Option<Vec<u8>>,
    /// The TLS handshake failed (the client refused the certificate).
    handshake_error: Option<String>,
    /// A `WaitFor` ended with the test's go (not the lifetime).
    released: bool,
}

struct Server {
    port: u16,
    cert_pem: Option<PathBuf>,
    handle: JoinHandle<Vec<Seen>>,
}

impl Server {
    fn url(&self, scheme: &str, host: &str, path: &str) -> String {
        format!("{scheme}://{host}:{}{path}", self.port)
    }

    fn seen(self) -> Vec<Seen> {
        let seen = self.handle.join().unwrap();
        if let Some(pem) = &self.cert_pem {
            let _ = std::fs::remove_file(pem);
        }
        seen
    }
}

fn tls_config() -> (Arc<rustls::ServerConfig>, String) {
    let key =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let pem = key.cert.pem();
    let der = key.cert.der().clone();
    let private = rustls::pki_types::PrivateKeyDer::from(key.signing_key);
    #[allow(deprecated)] // ring's provider: see src/tls.rs
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![der], private)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    (Arc::new(config), pem)
}

/// Serves one scripted response per connection, in order, over TLS when `tls`; a connection
/// whose TLS handshake fails uses up its script.
fn serve(tls: bool, scripts: Vec<Vec<Step>>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let (config, cert_pem) = if tls {
        let (config, pem) = tls_config();
        let path = std::env::temp_dir().join(format!(
            "sse-inspect-live-{}-{port}.pem",
            std::process::id()
        ));
        std::fs::write(&path, pem).unwrap();
        (Some(config), Some(path))
    } else {
        (None, None)
    };
    let handle = std::thread::spawn(move || {
        let deadline = Instant::now() + LIFETIME;
        let mut all = Vec::new();
        for script in scripts {
            let tcp = loop {
                match listener.accept() {
                    Ok((conn, _)) => break Some(conn),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        if Instant::now() >= deadline {
                            break None;
                        }
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(e) => panic!("{e}"),
                }
            };
            let Some(tcp) = tcp else { break };
            tcp.set_nonblocking(false).unwrap();
            tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let seen = match &config {
                Some(config) => {
                    let conn = rustls::ServerConnection::new(config.clone()).unwrap();
                    let mut stream = rustls::StreamOwned::new(conn, tcp);
                    let mut seen = Seen::default();
                    while stream.conn.is_handshaking() {
                        if let Err(e) = stream.conn.complete_io(&mut stream.sock) {
                            seen.handshake_error = Some(e.to_string());
                            break;
                        }
                    }
                    if seen.handshake_error.is_none() {
                        seen.sni = stream.conn.server_name().map(str::to_owned);
                        seen.alpn = stream.conn.alpn_protocol().map(<[u8]>::to_vec);
                        respond(&mut stream, script, deadline, &mut seen);
                        stream.conn.send_close_notify();
                        let _ = stream.flush();
                    }
                    seen
                }
                None => {
                    let mut tcp = tcp;
                    let mut seen = Seen::default();
                    respond(&mut tcp, script, deadline, &mut seen);
                    seen
                }
            };
            all.push(seen);
        }
        all
    });
    Server {
        port,
        cert_pem,
        handle,
    }
}

fn respond<S: Read + Write>(conn: &mut S, script: Vec<Step>, deadline: Instant, seen: &mut Seen) {
    seen.request = read_request(conn);
    for step in script {
        match step {
            Step::Send(bytes) => {
                if conn.write_all(&bytes).and_then(|()| conn.flush()).is_err() {
                    return;
                }
            }
            Step::Sleep(d) => std::thread::sleep(d),
            Step::WaitFor(go) => {
                let left = deadline.saturating_duration_since(Instant::now());
                seen.released = go.recv_timeout(left).is_ok();
            }
            Step::Hold => {
                let mut sink = [0u8; 64];
                while Instant::now() < deadline {
                    match conn.read(&mut sink) {
                        Ok(0) => break,
                        Ok(_) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                        Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                        Err(_) => break,
                    }
                }
            }
        }
    }
}

/// The request head and its `Content-Length` body.
fn read_request<S: Read>(conn: &mut S) -> String {
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
                return String::from_utf8(request).unwrap();
            }
        }
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return String::from_utf8_lossy(&request).into_owned(),
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
}

fn chunk(data: &str) -> Vec<u8> {
    format!("{:x}\r\n{data}\r\n", data.len()).into_bytes()
}

const CHUNKED_HEAD: &str =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

fn send(s: &str) -> Step {
    Step::Send(s.as_bytes().to_vec())
}

/// Runs the binary to its end (every call passes `--timeout`, and the servers end their
/// responses); returns (stdout, stderr, status).
fn bin(args: &[&str]) -> (String, String, i32) {
    bin_with(args, &[], None)
}

fn bin_with(args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> (String, String, i32) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sse-inspect"));
    cmd.args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

fn json_lines(out: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn three_events() -> Vec<Step> {
    vec![
        send(CHUNKED_HEAD),
        Step::Send(chunk("id: 1\ndata: a\n\n")),
        Step::Send(chunk("id: 2\ndata: b\n\n")),
        Step::Send(chunk("id: 3\ndata: c\n\n")),
        send("0\r\n\r\n"),
    ]
}

#[test]
fn https_with_a_generated_certificate_sends_sni_and_alpn() {
    let server = serve(true, vec![three_events(), three_events()]);
    let pem = server.cert_pem.clone().unwrap();
    let resolve = format!("localhost:{}:127.0.0.1", server.port);
    let url = server.url("https", "localhost", "/v1/stream");
    let (stdout, stderr, status) = bin(&[
        "--cacert",
        pem.to_str().unwrap(),
        "--resolve",
        &resolve,
        "--timeout",
        "10",
        &url,
    ]);
    assert_eq!(status, 0, "{stderr}");
    let lines = json_lines(&stdout);
    let data: Vec<_> = lines
        .iter()
        .filter(|l| l["kind"] == "event")
        .map(|l| l["data"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(data, ["a", "b", "c"]);
    assert_eq!(lines.last().unwrap()["problems"], 0, "{stdout}");

    // The library, by IP address (the certificate names 127.0.0.1 too; no SNI is sent).
    let request = Request {
        tls: Tls {
            cacert: Some(pem.clone()),
            insecure: false,
        },
        timeout: Duration::from_secs(10),
        ..Request::default()
    };
    let url = server.url("https", "127.0.0.1", "/");
    let report = inspect_url(&url, &request, &Options::default()).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.summary.events, 3);

    let seen = server.seen();
    assert_eq!(seen[0].sni.as_deref(), Some("localhost"));
    assert_eq!(seen[0].alpn.as_deref(), Some(&b"http/1.1"[..]));
    assert!(
        seen[0]
            .request
            .starts_with("GET /v1/stream HTTP/1.1\r\nHost: localhost:"),
        "{}",
        seen[0].request
    );
    assert_eq!(seen[1].sni, None, "no SNI for an IP address");
}

#[test]
fn an_unknown_certificate_is_refused_unless_insecure() {
    let server = serve(true, vec![three_events(), three_events()]);
    let url = server.url("https", "127.0.0.1", "/");
    // The system's roots do not know a certificate generated a moment ago.
    let (_, stderr, status) = bin(&["--timeout", "10", &url]);
    assert_eq!(status, 2, "{stderr}");
    assert!(stderr.contains("TLS: handshake with 127.0.0.1"), "{stderr}");
    let (stdout, stderr, status) = bin(&["-k", "--check", "--timeout", "10", &url]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(stdout, "ok: 3 event(s), 45 body bytes, no problems\n");
    let seen = server.seen();
    assert!(seen[0].handshake_error.is_some());
    assert!(seen[1].handshake_error.is_none());
}

#[test]
fn events_are_printed_as_they_arrive_with_their_times() {
    let (go, wait) = mpsc::channel();
    let server = serve(
        false,
        vec![vec![
            send(CHUNKED_HEAD),
            Step::Send(chunk("data: first\n\n")),
            Step::Sleep(Duration::from_millis(300)),
            Step::Send(chunk(": ping\n")),
            Step::Sleep(Duration::from_millis(300)),
            Step::Send(chunk("data: second\n\n")),
            // The last event waits for the test to have seen the first one printed.
            Step::WaitFor(wait),
            Step::Send(chunk("data: third\n\n")),
            send("0\r\n\r\n"),
        ]],
    );
    let url = server.url("http", "127.0.0.1", "/");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sse-inspect"))
        .args(["--all", "--timeout", "10", &url])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let _ = go.send(());
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert!(child.wait().unwrap().success());
    let seen = server.seen();
    assert!(
        seen[0].released,
        "the first event was not printed before the stream ended"
    );

    let lines = json_lines(&format!("{first}{rest}"));
    let kinds: Vec<_> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["event", "comment", "event", "event", "summary"]);
    let at = |i: usize| lines[i]["at_ms"].as_f64().unwrap();
    // The server paced them: 300 ms, then 300 ms more (a lower bound: bytes cannot arrive
    // before they are sent).
    assert!(at(1) - at(0) >= 250.0, "{lines:?}");
    assert!(at(2) - at(1) >= 250.0, "{lines:?}");
    assert!(lines[0]["gap_ms"].is_null());
    assert!(lines[2]["gap_ms"].as_f64().unwrap() >= 500.0, "{lines:?}");
    assert!(lines[1].get("gap_ms").is_none(), "only events have a gap");
    let summary = &lines[4];
    assert!(summary["ttfb_ms"].as_f64().unwrap() <= at(0));
    assert_eq!(summary["first_event_ms"].as_f64(), Some(at(0)));
    assert!(summary["longest_silence_ms"].as_f64().unwrap() >= 250.0);
}

/// The same five events: held back and flushed at once behind an nginx-like head, or sent one
/// by one.
fn five(held: bool) -> Vec<Step> {
    let events: String = (1..=5).map(|i| format!("data: token {i}\n\n")).collect();
    if held {
        let head = format!(
            "HTTP/1.1 200 OK\r\nServer: nginx/1.25.3\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nContent-Length: {}\r\n\r\n",
            events.len()
        );
        vec![
            Step::Send(head.into_bytes()),
            Step::Sleep(Duration::from_millis(1500)),
            Step::Send(events.into_bytes()),
        ]
    } else {
        let mut steps = vec![send(
            "HTTP/1.1 200 OK\r\nServer: nginx/1.25.3\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache, no-transform\r\nX-Accel-Buffering: no\r\nTransfer-Encoding: chunked\r\n\r\n",
        )];
        for i in 1..=5 {
            steps.push(Step::Sleep(Duration::from_millis(150)));
            steps.push(Step::Send(chunk(&format!("data: token {i}\n\n"))));
        }
        steps.push(send("0\r\n\r\n"));
        steps
    }
}

#[test]
fn a_buffered_stream_is_diagnosed_and_the_same_events_one_by_one_are_not() {
    let server = serve(false, vec![five(true), five(false)]);
    let url = server.url("http", "127.0.0.1", "/");
    let (held, _, status) = bin(&["--check", "--timeout", "10", &url]);
    assert_eq!(status, 1, "{held}");
    let line = held.lines().next().unwrap();
    assert!(
        line.starts_with("body@0 buffered: 5 events arrived in 1 burst(s); 5 of them within "),
        "{held}"
    );
    for cause in [
        "behind nginx (Server: nginx/1.25.3) without X-Accel-Buffering: no",
        "Content-Length: 75 on a stream",
        "Cache-Control: no-cache without no-transform",
    ] {
        assert!(line.contains(cause), "{cause} in {line}");
    }
    assert_eq!(held.lines().count(), 2, "{held}");
    let (steady, _, status) = bin(&["--check", "--timeout", "10", &url]);
    assert_eq!(
        (steady.as_str(), status),
        ("ok: 5 event(s), 75 body bytes, no problems\n", 0)
    );
    server.seen();
}

#[test]
fn follow_resumes_across_a_cut_with_last_event_id() {
    let server = serve(
        true,
        vec![
            vec![
                send("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"),
                send("retry: 100\nid: 1\ndata: a\n\nid: 2\ndata: b\n\ndata: {\"par"),
            ],
            vec![
                send(CHUNKED_HEAD),
                Step::Send(chunk("data: c\n\n")),
                Step::Send(chunk("id: 4\ndata: [DONE]\n\n")),
                send("0\r\n\r\n"),
            ],
        ],
    );
    let url = server.url("https", "127.0.0.1", "/events");
    let (stdout, stderr, status) = bin(&["--follow", "-k", "--timeout", "10", &url]);
    assert_eq!(status, 0, "{stderr}\n{stdout}");
    let lines = json_lines(&stdout);
    let kinds: Vec<_> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "connect",
            "event",
            "event",
            "connection",
            "reconnect",
            "event",
            "event",
            "connection",
            "summary"
        ],
        "{stdout}"
    );
    assert!(lines[0]["lastEventId"].is_null());
    assert_eq!(lines[3]["end"], "cut inside an event");
    assert_eq!(lines[3]["lastEventId"], "2");
    let reconnect = &lines[4];
    assert_eq!(reconnect["attempt"], 1);
    assert_eq!(reconnect["lastEventId"], "2");
    assert_eq!(
        reconnect["waited_ms"].as_f64(),
        Some(100.0),
        "the server's retry"
    );
    // The id carries over the reconnection, as in an EventSource.
    assert_eq!(
        (lines[5]["data"].as_str(), lines[5]["lastEventId"].as_str()),
        (Some("c"), Some("2"))
    );
    assert_eq!(lines[7]["resumedAfter"], "2");
    assert_eq!(lines[7]["firstEventId"], "2");
    assert_eq!(lines[7]["repeated"], 0);
    assert_eq!(lines[7]["end"], "the end marker arrived");
    let summary = &lines[8];
    assert_eq!(summary["connections"], 2);
    assert_eq!(summary["events"], 4);
    assert_eq!(summary["stopped"], "the end marker arrived");
    let seen = server.seen();
    assert!(
        !seen[0].request.contains("Last-Event-ID"),
        "{}",
        seen[0].request
    );
    assert!(
        seen[1].request.contains("\r\nLast-Event-ID: 2\r\n"),
        "{}",
        seen[1].request
    );
}

#[test]
fn follow_ends_a_connection_at_a_server_error_event() {
    // Anthropic's overloaded error mid-answer, then the server closes. With auto, the machine
    // knows every preset's error events: the connection ends as a network error would, and a
    // POST is not re-sent.
    let server = serve(
        false,
        vec![vec![
            send("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"),
            send("event: message_start\ndata: {}\n\nevent: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"}}\n\n"),
        ]],
    );
    let url = server.url("http", "127.0.0.1", "/v1/messages");
    let (stdout, stderr, status) = bin(&["--follow", "-d", "{}", "--timeout", "10", &url]);
    assert_eq!(status, 1, "{stderr}\n{stdout}");
    let lines = json_lines(&stdout);
    let conn = lines.iter().find(|l| l["kind"] == "connection").unwrap();
    assert_eq!(conn["end"], "the server reported an error", "{stdout}");
    assert_eq!(
        conn["problems"], 2,
        "server-error and missing-sentinel: {stdout}"
    );
    let summary = lines.last().unwrap();
    assert_eq!(summary["connections"], 1);
    assert!(
        summary["stopped"].as_str().unwrap().contains("not re-sent"),
        "{stdout}"
    );
    server.seen();
}

#[test]
fn follow_reports_repeated_events_and_gives_up_after_the_attempt_limit() {
    let cut = || {
        vec![
            send("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"),
            send("id: 1\ndata: a\n\n"),
        ]
    };
    // A server that ignores Last-Event-ID and starts over each time, then is gone.
    let server = serve(false, vec![cut(), cut()]);
    let url = server.url("http", "127.0.0.1", "/");
    let port = server.port;
    let (stdout, stderr, status) = bin(&[
        "--follow",
        "--table",
        "--retry",
        "50",
        "--max-attempts",
        "2",
        "--timeout",
        "10",
        &url,
    ]);
    server.seen();
    assert_eq!(status, 1, "{stdout}{stderr}");
    assert!(stdout.contains("# reconnect 1 at "), "{stdout}");
    assert!(stdout.contains(": GET with Last-Event-ID: 1\n"), "{stdout}");
    assert!(
        stdout.contains("; resumed after 1: first event id 1, 1 repeated\n"),
        "{stdout}"
    );
    // Then nobody listens: two failed attempts in a row, and the session stops.
    assert!(
        stdout.contains("# connection 2 ended: failed: "),
        "{stdout}"
    );
    assert!(
        stderr.contains("stopped: gave up after 3 reconnection(s)"),
        "{stderr} (port {port})"
    );
}

#[test]
fn ctrl_c_ends_follow_with_the_summary() {
    let server = serve(
        false,
        vec![vec![
            send(CHUNKED_HEAD),
            Step::Send(chunk("data: one\n\n")),
            Step::Hold,
        ]],
    );
    let url = server.url("http", "127.0.0.1", "/");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sse-inspect"))
        .args(["--follow", "--timeout", "10", &url])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for _ in 0..2 {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        lines.push(line);
    }
    assert!(lines[1].contains(r#""data":"one""#), "{lines:?}");
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    server.seen();
    assert_eq!(status.code(), Some(0), "{rest}");
    let tail = json_lines(&rest);
    assert_eq!(tail[0]["kind"], "connection");
    assert_eq!(tail[0]["end"], "interrupted");
    assert_eq!(tail[1]["kind"], "summary");
    assert_eq!(tail[1]["interrupted"], true);
    assert_eq!(tail[1]["stopped"], "interrupted");
}

#[test]
fn a_header_from_the_environment_and_a_body_from_a_file_or_stdin() {
    let server = serve(false, vec![three_events(), three_events()]);
    let url = server.url("http", "127.0.0.1", "/v1/chat/completions");
    let body =
        std::env::temp_dir().join(format!("sse-inspect-live-body-{}.json", std::process::id()));
    std::fs::write(&body, br#"{"stream":true}"#).unwrap();
    let at_file = format!("@{}", body.display());
    let (_, stderr, status) = bin_with(
        &[
            "--check",
            "--header-env",
            "Authorization: Bearer ${SSE_INSPECT_TEST_KEY}",
            "-d",
            &at_file,
            "--timeout",
            "10",
            &url,
        ],
        &[("SSE_INSPECT_TEST_KEY", "sk-t0k")],
        None,
    );
    assert_eq!(status, 0, "{stderr}");
    let (_, stderr, status) = bin_with(
        &["--check", "-d", "@-", "--timeout", "10", &url],
        &[],
        Some(br#"{"from":"stdin"}"#),
    );
    assert_eq!(status, 0, "{stderr}");
    std::fs::remove_file(&body).unwrap();
    let seen = server.seen();
    let first = &seen[0].request;
    assert!(
        first.starts_with("POST /v1/chat/completions HTTP/1.1\r\n"),
        "{first}"
    );
    assert!(
        first.contains("\r\nAuthorization: Bearer sk-t0k\r\n"),
        "{first}"
    );
    assert!(
        first.contains("\r\nContent-Type: application/json\r\n"),
        "{first}"
    );
    assert!(first.ends_with("\r\n\r\n{\"stream\":true}"), "{first}");
    assert!(
        seen[1].request.ends_with("\r\n\r\n{\"from\":\"stdin\"}"),
        "{}",
        seen[1].request
    );

    // An unset variable is a usage error, and its name (not a value) is in the message.
    let (_, stderr, status) = bin_with(
        &[
            "--header-env",
            "Authorization: Bearer ${SSE_INSPECT_UNSET_VAR}",
            &url,
        ],
        &[],
        None,
    );
    assert_eq!(status, 2);
    assert!(
        stderr.contains("SSE_INSPECT_UNSET_VAR is not set"),
        "{stderr}"
    );
}
