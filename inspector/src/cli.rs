//! The command line: argument parsing and the run of one invocation (`main.rs` only calls
//! [`run`]).

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use crate::render::{self, Show};
use crate::{inspect, inspect_url, InputKind, Options, Request, SentinelCheck};

/// The `--help` text.
pub const HELP: &str = "\
sse-inspect: show the events a text/event-stream holds and the problems a reader would hit

Usage: sse-inspect [OPTIONS] [INPUT]

INPUT is a file, `-` or nothing for stdin, or an http://host[:port]/path URL (plain TCP,
HTTP/1.1, no TLS). A file or stdin that starts with `HTTP/1.` is read as a raw response
capture (status line, headers, then a chunked, Content-Length or close-delimited body).

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
      --sentinel WHICH    the end marker required: openai (data: [DONE]), anthropic (an
                          event of type message_stop), data:TEXT, event:TYPE, none, or
                          auto (default): anthropic's if an event type starts with message_
                          or content_block_, openai's if an event's data is [DONE] or a JSON
                          object with a \"choices\" key, else none
      --max-line BYTES    report lines longer than this (default 65536)
      --limit-line BYTES  decode as a reader whose longest line is BYTES (default 8 MiB)
      --limit-event BYTES decode as a reader whose largest event data is BYTES (default 16 MiB)

Fetching a URL:
  -X, --method METHOD     request method (default GET, POST with --data)
  -d, --data BODY         request body
      --data-file PATH    request body from a file
  -H, --header 'N: V'     extra request header (repeatable)
      --timeout SECS      give up reading after this long (default 30)

  -h, --help              this text
  -V, --version           the version

Offsets count bytes of the SSE body (after the HTTP head and chunked framing), except for
HTTP and framing problems, which count bytes of the raw capture.

Exit status: 0 fine; 1 --check found problems, or --normalize had to leave a field out;
2 usage or I/O error.
";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Ndjson,
    Table,
    Check,
    Normalize,
}

#[derive(Debug)]
struct Args {
    mode: Mode,
    show: Show,
    opts: Options,
    request: Request,
    method_set: bool,
    input: Option<String>,
}

enum Parsed {
    Run(Box<Args>),
    Print(String),
}

fn parse(args: &[String]) -> Result<Parsed, String> {
    let mut a = Args {
        mode: Mode::Ndjson,
        show: Show::default(),
        opts: Options::default(),
        request: Request::default(),
        method_set: false,
        input: None,
    };
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
                    .ok_or_else(|| format!("--sentinel: unknown marker {v:?}"))?;
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
            "-d" | "--data" => a.request.body = Some(value("--data")?.into_bytes()),
            "--data-file" => {
                let path = value("--data-file")?;
                let body = std::fs::read(&path).map_err(|e| format!("--data-file {path}: {e}"))?;
                a.request.body = Some(body);
            }
            "-H" | "--header" => {
                let v = value("--header")?;
                let (name, field) = v
                    .split_once(':')
                    .ok_or_else(|| format!("--header: not 'Name: value': {v:?}"))?;
                a.request
                    .headers
                    .push((name.trim().to_owned(), field.trim().to_owned()));
            }
            "--timeout" => {
                let v = value("--timeout")?;
                let secs: f64 = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s > 0.0)
                    .ok_or_else(|| format!("--timeout: not a number of seconds: {v:?}"))?;
                a.request.timeout = Duration::from_secs_f64(secs);
            }
            _ => return Err(format!("unknown option {arg:?} (see --help)")),
        }
    }
    if a.request.body.is_some() && !a.method_set {
        a.request.method = "POST".into();
    }
    Ok(Parsed::Run(Box::new(a)))
}

/// Runs one invocation with `args` (without the program name) and returns the exit status.
pub fn run(
    args: &[String],
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let a = match parse(args) {
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
    let started = Instant::now();
    let report = match a.input.as_deref() {
        Some(url) if url.starts_with("http://") => match inspect_url(url, &a.request, &a.opts) {
            Ok(r) => r,
            Err(e) => {
                let _ = writeln!(stderr, "sse-inspect: {url}: {e}");
                return 2;
            }
        },
        Some(url) if url.starts_with("https://") => {
            let _ = writeln!(stderr, "sse-inspect: {url}: TLS is not supported; save a capture (curl -sN --raw -i URL > capture.http) and inspect that");
            return 2;
        }
        source => {
            let mut input = Vec::new();
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
            report
        }
    };
    let (out, status) = match a.mode {
        Mode::Ndjson => (render::ndjson(&report, a.show).into_bytes(), 0),
        Mode::Table => {
            let _ = writeln!(stderr, "{}", render::summary_line(&report));
            (render::table(&report, a.show).into_bytes(), 0)
        }
        Mode::Check => (
            render::check(&report).into_bytes(),
            i32::from(report.has_problems()),
        ),
        Mode::Normalize => {
            let (bytes, warnings) = render::normalize(&report);
            for w in &warnings {
                let _ = writeln!(stderr, "sse-inspect: {w}");
            }
            (bytes, i32::from(!warnings.is_empty()))
        }
    };
    if let Err(e) = stdout.write_all(&out).and_then(|()| stdout.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            let _ = writeln!(stderr, "sse-inspect: writing the output: {e}");
            return 2;
        }
    }
    status
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
