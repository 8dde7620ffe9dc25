//! The command line: argument parsing and the run of one invocation (`main.rs` only calls
//! [`run`]).

use std::io::{Read, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::render::{self, Gaps, Show};
use crate::{
    follow, inspect, inspect_url_live, FollowOptions, FollowSeen, Followed, InputKind, Options,
    Report, Request, Resolve, Seen, SentinelCheck,
};

/// The `--help` text.
pub const HELP: &str = "\
sse-inspect: show the events a text/event-stream holds and the problems a reader would hit

Usage: sse-inspect [OPTIONS] [INPUT]

INPUT is a file, `-` or nothing for stdin, or an http:// or https:// URL (HTTP/1.1; TLS
through rustls). A file or stdin that starts with `HTTP/1.` is read as a raw response
capture (status line, headers, then a chunked, Content-Length or close-delimited body).

A URL is read live: each item is printed as it arrives, with its arrival time since the
request was sent (at_ms, AT-MS) and the time since the previous event (gap_ms, GAP-MS); the
summary adds the time to the first byte, to the first event, and the longest silence. Ctrl-C
stops reading and prints the summary.

Output (default: NDJSON, one line per event, then a \"summary\" line):
  -t, --table             an aligned table (the summary goes to stderr)
  -c, --check             list the problems with their byte offsets; exit 1 if any
  -n, --normalize         write the events back as a clean stream (LF, one data: line each)
      --comments          also list comment lines
      --controls          also list blocks that only set id or retry
      --all               --comments and --controls
      --problems          also list the problems as NDJSON lines (what --check finds)
      --no-summary        leave out the summary line

Input:
      --http              read the input as an HTTP/1.1 response capture
      --sse               read the input as an SSE body

Checks:
      --sentinel WHICH    the API whose end marker is required and whose in-band error
                          events are reported (server-error):
                            openai-chat (alias openai): end data: [DONE]; error: data
                              that is a JSON object with an \"error\" key
                            openai-responses: end an event of type response.completed or
                              response.incomplete; error: type error or response.failed
                            anthropic-messages (alias anthropic): end an event of type
                              message_stop; error: type error
                          or data:TEXT, event:TYPE (an end marker of your own, no error
                          events), none, or auto (default): the first event that tells
                          picks the preset: a type starting with response. is
                          openai-responses', one starting with message_ or content_block_
                          anthropic-messages', data [DONE] or a JSON object with a
                          \"choices\" key openai-chat's; no such event, no check. With
                          --follow, auto stops at any preset's end event and ends the
                          connection at any preset's error event
      --max-line BYTES    report lines longer than this (default 65536)
      --limit-line BYTES  decode as a reader whose longest line is BYTES (default 8 MiB)
      --limit-event BYTES decode as a reader whose largest event data is BYTES (default 16 MiB)

  For a URL, --check also diagnoses buffering: events that arrive in a few large bursts
  after long silences (a buffering proxy, a compression layer), with the figures it judged
  by and the causes the response head points at (Content-Encoding, nginx without
  X-Accel-Buffering: no, Content-Length, Cache-Control without no-transform).

Fetching a URL:
  -X, --method METHOD     request method (default GET, POST with --data)
  -d, --data BODY         request body; @FILE reads it from FILE, @- from stdin. A body that
                          is JSON goes with Content-Type: application/json unless -H sets one
      --data-raw BODY     request body, taken as is (no @)
      --data-file PATH    request body from a file
  -H, --header 'N: V'     extra request header (repeatable)
      --header-env 'N: V' the same, with each ${VAR} in V replaced by the environment
                          variable VAR (an API key stays off the command line)
      --timeout SECS      give up reading after this long (default 30; with --follow, the
                          whole session's limit, default none)
      --cacert FILE       trust only the certificates in this PEM file (a private CA, or a
                          self-signed server's own certificate)
  -k, --insecure          accept any server certificate (a test server)
      --resolve H:P:ADDR  connect to ADDR for host H, port P (SNI and Host stay H)

  TLS: rustls with the system's trust store (or Mozilla's roots, compiled in, when the
  system has none), SNI, ALPN http/1.1.

Following a stream across disconnects (URL only; NDJSON or --table):
  -f, --follow            reconnect as an EventSource does, with sse-wire's reconnection
                          machine: wait the server's retry (else --retry), send
                          Last-Event-ID, stop at the end marker, a 204, a failed response
                          or the attempt limit; each connection, reconnection and what it
                          resumed is printed
      --retry MS          reconnection time until the server sends retry (default 3000)
      --max-attempts N    give up after N reconnections in a row that fail (default 5;
                          `none`: never)
      --max-reconnects N  give up after N reconnections in all (default: no limit)
      --resend            re-send a POST (it is not idempotent: not re-sent by default)
      --resume-get        resume a POST stream with a GET and Last-Event-ID (MCP 2025-11-25)
      --last-event-id ID  start as if a stream had set this last event ID

  -h, --help              this text
  -V, --version           the version

Offsets count bytes of the SSE body (after the HTTP head and chunked framing), except for
HTTP and framing problems, which count bytes of the raw capture.

Exit status: 0 fine; 1 --check found problems, --normalize had to leave a field out, or a
--follow session stopped on a failure; 2 usage or I/O error.
";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Ndjson,
    Table,
    Check,
    Normalize,
}

/// Where the request body comes from.
#[derive(Debug)]
enum Data {
    Bytes(Vec<u8>),
    Stdin,
}

#[derive(Debug)]
struct Args {
    mode: Mode,
    show: Show,
    opts: Options,
    request: Request,
    method_set: bool,
    timeout_set: bool,
    data: Option<Data>,
    follow: Option<FollowOptions>,
    input: Option<String>,
}

enum Parsed {
    Run(Box<Args>),
    Print(String),
}

/// `template` with each `${VAR}` replaced by the environment variable's value.
fn expand_env(template: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| "--header-env: a ${ without its }".to_owned())?;
        let name = &after[..end];
        let value = env(name)
            .ok_or_else(|| format!("--header-env: the environment variable {name} is not set"))?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn header(v: &str, flag: &str) -> Result<(String, String), String> {
    let (name, field) = v
        .split_once(':')
        .ok_or_else(|| format!("{flag}: not 'Name: value': {v:?}"))?;
    Ok((name.trim().to_owned(), field.trim().to_owned()))
}

fn count(v: &str, flag: &str) -> Result<u32, String> {
    v.parse().map_err(|_| format!("{flag}: not a count: {v:?}"))
}

fn parse(args: &[String], env: &dyn Fn(&str) -> Option<String>) -> Result<Parsed, String> {
    let mut a = Args {
        mode: Mode::Ndjson,
        show: Show::default(),
        opts: Options::default(),
        request: Request::default(),
        method_set: false,
        timeout_set: false,
        data: None,
        follow: None,
        input: None,
    };
    let mut fo = FollowOptions::default();
    let mut follow_set = false;
    let mut it = args.iter().cloned();
    let mut only_positional = false;
    while let Some(arg) = it.next() {
        if only_positional || arg == "-" || !arg.starts_with('-') {
            if a.input.replace(arg).is_some() {
                return Err("more than one INPUT given".into());
            }
            continue;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        let set_mode = |m: Mode, a: &mut Args| -> Result<(), String> {
            if a.mode != Mode::Ndjson && a.mode != m {
                return Err("--table, --check and --normalize exclude each other".into());
            }
            a.mode = m;
            Ok(())
        };
        match flag.as_str() {
            "--" => only_positional = true,
            "-h" | "--help" => return Ok(Parsed::Print(HELP.into())),
            "-V" | "--version" => {
                return Ok(Parsed::Print(format!(
                    "sse-inspect {}\n",
                    env!("CARGO_PKG_VERSION")
                )))
            }
            "-t" | "--table" => set_mode(Mode::Table, &mut a)?,
            "-c" | "--check" => set_mode(Mode::Check, &mut a)?,
            "-n" | "--normalize" => set_mode(Mode::Normalize, &mut a)?,
            "--comments" => a.show.comments = true,
            "--controls" => a.show.controls = true,
            "--all" => {
                a.show.comments = true;
                a.show.controls = true;
            }
            "--no-summary" => a.show.summary = false,
            "--problems" => a.show.problems = true,
            "--http" => a.opts.input = InputKind::Http,
            "--sse" => a.opts.input = InputKind::Sse,
            "--sentinel" => {
                let v = value("--sentinel")?;
                a.opts.sentinel = SentinelCheck::parse(&v)
                    .ok_or_else(|| {
                    format!("--sentinel: unknown marker {v:?} (auto, none, openai-chat, openai-responses, anthropic-messages, openai, anthropic, data:TEXT or event:TYPE)")
                })?;
            }
            "--max-line" => {
                let v = value("--max-line")?;
                a.opts.max_line = v
                    .parse()
                    .map_err(|_| format!("--max-line: not a byte count: {v:?}"))?;
            }
            "--limit-line" => {
                let v = value("--limit-line")?;
                let n = v
                    .parse()
                    .map_err(|_| format!("--limit-line: not a byte count: {v:?}"))?;
                a.opts.limits.max_line_len = n;
            }
            "--limit-event" => {
                let v = value("--limit-event")?;
                let n = v
                    .parse()
                    .map_err(|_| format!("--limit-event: not a byte count: {v:?}"))?;
                a.opts.limits.max_event_size = n;
            }
            "-X" | "--method" => {
                a.request.method = value("--method")?;
                a.method_set = true;
            }
            "-d" | "--data" => {
                let v = value("--data")?;
                a.data = Some(match v.strip_prefix('@') {
                    Some("-") => Data::Stdin,
                    Some(path) => Data::Bytes(
                        std::fs::read(path).map_err(|e| format!("--data @{path}: {e}"))?,
                    ),
                    None => Data::Bytes(v.into_bytes()),
                });
            }
            "--data-raw" => a.data = Some(Data::Bytes(value("--data-raw")?.into_bytes())),
            "--data-file" => {
                let path = value("--data-file")?;
                let body = std::fs::read(&path).map_err(|e| format!("--data-file {path}: {e}"))?;
                a.data = Some(Data::Bytes(body));
            }
            "-H" | "--header" => {
                let h = header(&value("--header")?, "--header")?;
                a.request.headers.push(h);
            }
            "--header-env" => {
                let (name, template) = header(&value("--header-env")?, "--header-env")?;
                let v = expand_env(&template, env)?;
                a.request.headers.push((name, v));
            }
            "--timeout" => {
                let v = value("--timeout")?;
                let secs: f64 = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s > 0.0)
                    .ok_or_else(|| format!("--timeout: not a number of seconds: {v:?}"))?;
                a.request.timeout = Duration::from_secs_f64(secs);
                a.timeout_set = true;
            }
            "--cacert" => a.request.tls.cacert = Some(PathBuf::from(value("--cacert")?)),
            "-k" | "--insecure" => a.request.tls.insecure = true,
            "--resolve" => {
                let v = value("--resolve")?;
                let bad = || format!("--resolve: not HOST:PORT:ADDRESS: {v:?}");
                let (host, rest) = v.split_once(':').ok_or_else(bad)?;
                let (port, addr) = rest.split_once(':').ok_or_else(bad)?;
                a.request.resolve.push(Resolve {
                    host: host.to_owned(),
                    port: port.parse().map_err(|_| bad())?,
                    addr: addr
                        .trim_matches(['[', ']'])
                        .parse::<IpAddr>()
                        .map_err(|_| bad())?,
                });
            }
            "-f" | "--follow" => follow_set = true,
            "--retry" => {
                let v = value("--retry")?;
                let ms: u64 = v
                    .parse()
                    .map_err(|_| format!("--retry: not milliseconds: {v:?}"))?;
                fo.reconnection_time = Duration::from_millis(ms);
            }
            "--max-attempts" => {
                let v = value("--max-attempts")?;
                fo.max_attempts = match v.as_str() {
                    "none" => None,
                    _ => Some(count(&v, "--max-attempts")?),
                };
            }
            "--max-reconnects" => {
                fo.max_reconnects = Some(count(&value("--max-reconnects")?, "--max-reconnects")?);
            }
            "--resend" => fo.resend = true,
            "--resume-get" => fo.resume_get = true,
            "--last-event-id" => fo.last_event_id = value("--last-event-id")?,
            _ => return Err(format!("unknown option {arg:?} (see --help)")),
        }
    }
    if a.data.is_some() && !a.method_set {
        a.request.method = "POST".into();
    }
    if follow_set {
        if matches!(a.mode, Mode::Check | Mode::Normalize) {
            return Err(
                "--follow prints as it goes: not with --check or --normalize (use --problems)"
                    .into(),
            );
        }
        if !a.input.as_deref().is_some_and(is_url) {
            return Err("--follow needs an http:// or https:// URL".into());
        }
        if !a.timeout_set {
            // A followed stream may run for hours: no limit unless asked for.
            a.request.timeout = Duration::from_secs(100 * 365 * 24 * 3600);
        }
        a.follow = Some(fo);
    }
    Ok(Parsed::Run(Box::new(a)))
}

fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// A JSON body goes as JSON unless a Content-Type was given.
fn set_body(request: &mut Request, body: Vec<u8>) {
    let typed = request
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
    if !typed && serde_json::from_slice::<serde_json::Value>(&body).is_ok() {
        request
            .headers
            .push(("Content-Type".into(), "application/json".into()));
    }
    request.body = Some(body);
}

/// Ctrl-C sets the flag (reading stops, the summary is printed); a second one exits at once.
fn interrupt_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    #[cfg(unix)]
    {
        use signal_hook::consts::SIGINT;
        let _ = signal_hook::flag::register_conditional_shutdown(SIGINT, 130, flag.clone());
        let _ = signal_hook::flag::register(SIGINT, flag.clone());
    }
    flag
}

/// Runs one invocation with `args` (without the program name) and returns the exit status.
pub fn run(
    args: &[String],
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let env = |name: &str| std::env::var(name).ok();
    let mut a = match parse(args, &env) {
        Ok(Parsed::Run(a)) => a,
        Ok(Parsed::Print(text)) => {
            let _ = stdout.write_all(text.as_bytes());
            return 0;
        }
        Err(msg) => {
            let _ = writeln!(stderr, "sse-inspect: {msg}");
            return 2;
        }
    };
    let url = a.input.clone().filter(|s| is_url(s));
    match a.data.take() {
        Some(Data::Stdin) => {
            if url.is_none() {
                let _ = writeln!(
                    stderr,
                    "sse-inspect: --data @- reads stdin: the INPUT must then be a URL"
                );
                return 2;
            }
            let mut body = Vec::new();
            if let Err(e) = stdin.read_to_end(&mut body) {
                let _ = writeln!(stderr, "sse-inspect: --data @-: {e}");
                return 2;
            }
            set_body(&mut a.request, body);
        }
        Some(Data::Bytes(body)) => set_body(&mut a.request, body),
        None => {}
    }
    if let Some(url) = url {
        a.request.stop = Some(interrupt_flag());
        if let Some(fo) = a.follow.take() {
            return run_follow(&url, &a, &fo, stdout, stderr);
        }
        return run_url(&url, &a, stdout, stderr);
    }
    let started = Instant::now();
    let mut input = Vec::new();
    let source = a.input.as_deref();
    let read = match source {
        None | Some("-") => stdin.read_to_end(&mut input).map(drop),
        Some(path) => std::fs::read(path).map(|bytes| input = bytes),
    };
    if let Err(e) = read {
        let _ = writeln!(stderr, "sse-inspect: {}: {e}", source.unwrap_or("-"));
        return 2;
    }
    let mut report = inspect(&input, &a.opts);
    report.elapsed = Some(started.elapsed());
    finish(&a, &report, false, stdout, stderr)
}

/// Writes `text` and flushes it, so that a live line shows at once.
fn emit(stdout: &mut dyn Write, text: &str) -> std::io::Result<()> {
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

/// A URL read live: NDJSON and table rows as items arrive, the rest at the end.
fn run_url(url: &str, a: &Args, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let live = matches!(a.mode, Mode::Ndjson | Mode::Table);
    let mut gaps = Gaps::default();
    let mut broken = None;
    if live && a.mode == Mode::Table {
        broken = emit(stdout, &render::live_header()).err();
    }
    let result = inspect_url_live(url, &a.request, &a.opts, &mut |seen| {
        let Seen::Record { record, at } = seen else {
            return;
        };
        let gap = gaps.next(record, at);
        let line = match a.mode {
            Mode::Ndjson => render::record_line(record, a.show, Some((at, gap))),
            Mode::Table => render::live_row(record, a.show, at, gap),
            _ => None,
        };
        if let (Some(line), None) = (line, &broken) {
            broken = emit(stdout, &line).err();
        }
    });
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(stderr, "sse-inspect: {url}: {e}");
            return 2;
        }
    };
    if let Some(e) = broken {
        return output_error(e, stderr);
    }
    finish(a, &report, live, stdout, stderr)
}

fn output_error(e: std::io::Error, stderr: &mut dyn Write) -> i32 {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return 0;
    }
    let _ = writeln!(stderr, "sse-inspect: writing the output: {e}");
    2
}

/// The output of a finished report; `printed`: its records are out already (a live read).
fn finish(
    a: &Args,
    report: &Report,
    printed: bool,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let (out, status) = match a.mode {
        Mode::Ndjson if printed => (render::ndjson_tail(report, a.show).into_bytes(), 0),
        Mode::Ndjson => (render::ndjson(report, a.show).into_bytes(), 0),
        Mode::Table => {
            if a.show.problems {
                let _ = stderr.write_all(render::check(report).as_bytes());
            }
            let _ = writeln!(stderr, "{}", render::summary_line(report));
            if printed {
                (Vec::new(), 0)
            } else {
                (render::table(report, a.show).into_bytes(), 0)
            }
        }
        Mode::Check => (
            render::check(report).into_bytes(),
            i32::from(report.has_problems()),
        ),
        Mode::Normalize => {
            let (bytes, warnings) = render::normalize(report);
            for w in &warnings {
                let _ = writeln!(stderr, "sse-inspect: {w}");
            }
            (bytes, i32::from(!warnings.is_empty()))
        }
    };
    if let Err(e) = stdout.write_all(&out).and_then(|()| stdout.flush()) {
        return output_error(e, stderr);
    }
    status
}

fn json(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn json_opt(s: Option<&str>) -> String {
    s.map_or_else(|| "null".into(), json)
}

/// `--follow`: every connection live, with a line for each (re)connection and its end.
fn run_follow(
    url: &str,
    a: &Args,
    fo: &FollowOptions,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let table = a.mode == Mode::Table;
    let mut gaps = Gaps::default();
    let mut broken: Option<std::io::Error> = None;
    let mut out = |text: String, broken: &mut Option<std::io::Error>| {
        if broken.is_none() {
            *broken = emit(stdout, &text).err();
        }
    };
    if table {
        out(render::live_header(), &mut broken);
    }
    let result = follow(url, &a.request, &a.opts, fo, &mut |seen| {
        let text = match seen {
            FollowSeen::Connect {
                attempt,
                at,
                waited,
                method,
                last_event_id,
                unsent,
            } => {
                gaps = Gaps::default();
                if table {
                    let mut line = if attempt == 0 {
                        format!("# connect: {method}")
                    } else {
                        format!(
                            "# reconnect {attempt} at {} ms, after waiting {} ms: {method}",
                            crate::timing::ms(at),
                            waited.map_or("0".into(), crate::timing::ms)
                        )
                    };
                    match last_event_id {
                        Some(id) => line.push_str(&format!(" with Last-Event-ID: {id}")),
                        None => line.push_str(" without Last-Event-ID"),
                    }
                    if let Some(u) = &unsent {
                        line.push_str(&format!(" (the last event ID is not sent: {u})"));
                    }
                    line + "\n"
                } else {
                    let kind = if attempt == 0 { "connect" } else { "reconnect" };
                    let mut line = format!(
                        r#"{{"kind":"{kind}","attempt":{attempt},"at_ms":{:.3},"method":{},"lastEventId":{}"#,
                        at.as_secs_f64() * 1e3,
                        json(method),
                        json_opt(last_event_id)
                    );
                    if let Some(w) = waited {
                        line.push_str(&format!(r#","waited_ms":{:.3}"#, w.as_secs_f64() * 1e3));
                    }
                    if let Some(u) = &unsent {
                        line.push_str(&format!(r#","unsentId":{}"#, json(u)));
                    }
                    line + "}\n"
                }
            }
            FollowSeen::Seen {
                seen: Seen::Record { record, at },
                ..
            } => {
                let gap = gaps.next(record, at);
                let line = if table {
                    render::live_row(record, a.show, at, gap)
                } else {
                    render::record_line(record, a.show, Some((at, gap)))
                };
                match line {
                    Some(l) => l,
                    None => return,
                }
            }
            FollowSeen::End(c) => {
                let report = c.report.as_ref();
                let status = report.and_then(|r| r.http.as_ref()).map(|h| h.status);
                let problems = report.map_or(0, |r| r.problems.len());
                let last_id = report
                    .and_then(|r| r.events().last())
                    .map(|(_, e)| e.id().to_owned());
                let mut text = String::new();
                if a.show.problems {
                    if let Some(r) = report {
                        let tail = Show {
                            summary: false,
                            ..a.show
                        };
                        if table {
                            for line in render::check(r).lines().filter(|l| l.contains('@')) {
                                text.push_str(&format!("#   {line}\n"));
                            }
                        } else {
                            text.push_str(&render::ndjson_tail(r, tail));
                        }
                    }
                }
                if table {
                    let mut line = format!(
                        "# connection {} ended: {}; status {}, {} event(s), {} problem(s)",
                        c.attempt,
                        c.end,
                        status.map_or("-".into(), |s| s.to_string()),
                        c.events(),
                        problems
                    );
                    if let Some(id) = &c.last_event_id {
                        line.push_str(&format!(
                            "; resumed after {id}: first event id {}, {} repeated",
                            c.first_event_id.as_deref().unwrap_or("-"),
                            c.repeated
                        ));
                    }
                    text.push_str(&line);
                    text.push('\n');
                } else {
                    text.push_str(&format!(
                        r#"{{"kind":"connection","attempt":{},"status":{},"events":{},"firstEventId":{},"lastEventId":{},"resumedAfter":{},"repeated":{},"problems":{},"end":{}}}"#,
                        c.attempt,
                        status.map_or("null".into(), |s| s.to_string()),
                        c.events(),
                        json_opt(c.first_event_id.as_deref()),
                        json_opt(last_id.as_deref()),
                        json_opt(c.last_event_id.as_deref()),
                        c.repeated,
                        problems,
                        json(&c.end)
                    ));
                    text.push('\n');
                }
                text
            }
            _ => return,
        };
        out(text, &mut broken);
    });
    let followed = match result {
        Ok(f) => f,
        Err(e) => {
            let _ = writeln!(stderr, "sse-inspect: {url}: {e}");
            return 2;
        }
    };
    if let Some(e) = broken {
        return output_error(e, stderr);
    }
    let summary = follow_summary(&followed, table);
    if a.show.summary {
        let result = if table {
            writeln!(stderr, "{summary}").map_err(|_| unreachable_io())
        } else {
            emit(stdout, &format!("{summary}\n"))
        };
        if let Err(e) = result {
            return output_error(e, stderr);
        }
    }
    i32::from(followed.failed)
}

fn unreachable_io() -> std::io::Error {
    std::io::Error::other("stderr")
}

fn follow_summary(f: &Followed, table: bool) -> String {
    let (mut events, mut controls, mut comments, mut problems) = (0, 0, 0, 0);
    let mut longest: Option<Duration> = None;
    for c in &f.connections {
        if let Some(r) = &c.report {
            events += r.summary.events;
            controls += r.summary.controls;
            comments += r.summary.comments;
            problems += r.problems.len();
            if let Some(s) = r.timing.as_ref().and_then(|t| t.longest_silence) {
                longest = Some(longest.map_or(s.length, |l| l.max(s.length)));
            }
        }
    }
    let reconnects = f.connections.len().saturating_sub(1);
    if table {
        format!(
            "{} connection(s), {reconnects} reconnection(s), {events} event(s), {controls} control block(s), {comments} comment(s), {problems} problem(s), {:.1} ms; longest silence {}; stopped: {}",
            f.connections.len(),
            f.elapsed.as_secs_f64() * 1e3,
            longest.map_or("-".into(), |l| format!("{} ms", crate::timing::ms(l))),
            f.stopped
        )
    } else {
        format!(
            r#"{{"kind":"summary","connections":{},"reconnects":{reconnects},"events":{events},"controls":{controls},"comments":{comments},"problems":{problems},"stopped":{},"interrupted":{},"elapsed_ms":{:.3},"longest_silence_ms":{}}}"#,
            f.connections.len(),
            json(&f.stopped),
            f.interrupted,
            f.elapsed.as_secs_f64() * 1e3,
            longest.map_or("null".into(), |l| format!("{:.3}", l.as_secs_f64() * 1e3)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::run;

    /// (stdout, stderr, status) of one run on `stdin`.
    fn call(args: &[&str], stdin: &[u8]) -> (String, String, i32) {
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let status = run(&args, &mut &stdin[..], &mut out, &mut err);
        (
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
            status,
        )
    }

    #[test]
    fn stdin_and_dash_read_the_same_input() {
        let body = b"data: a\n\n";
        let (a, _, s1) = call(&["--check"], body);
        let (b, _, s2) = call(&["--check", "-"], body);
        assert_eq!((a.as_str(), s1), (b.as_str(), s2));
        assert_eq!(a, "ok: 1 event(s), 9 body bytes, no problems\n");
    }

    #[test]
    fn values_inline_or_separate() {
        let body = b"data: 0123456789\n\n";
        let (a, _, _) = call(&["--check", "--max-line=8"], body);
        let (b, _, _) = call(&["--check", "--max-line", "8"], body);
        assert_eq!(a, b);
        assert!(a.contains(" line-too-long: "), "{a}");
        let (c, _, status) = call(&["-c", "--sentinel=data:bye"], body);
        assert_eq!(status, 1);
        assert!(c.contains(" missing-sentinel: "), "{c}");
        let (_, _, status) = call(
            &["-c", "--sentinel", "none", "--sse"],
            b"HTTP/1.1 404\r\n\r\n",
        );
        assert_eq!(status, 0, "--sse reads a capture-looking input as a body");
    }

    #[test]
    fn usage_errors_exit_2() {
        for args in [
            &["--table", "--check"][..],
            &["--max-line"],
            &["--max-line", "many"],
            &["--sentinel", "gemini"],
            &["-H", "no colon"],
            &["--timeout", "-1"],
            &["a.sse", "b.sse"],
            &["/nonexistent/input.sse"],
        ] {
            let (out, err, status) = call(args, b"");
            assert_eq!((out.as_str(), status), ("", 2), "{args:?}");
            assert!(err.starts_with("sse-inspect: "), "{args:?}: {err}");
        }
    }

    #[test]
    fn normalize_writes_a_clean_stream() {
        let (out, err, status) = call(&["-n"], b"data:a\r\ndata:b\r\rid: 3\r\n\r\n");
        assert_eq!(
            (out.as_str(), err.as_str(), status),
            ("data: a\ndata: b\n\nid: 3\n\n", "", 0)
        );
    }
}
