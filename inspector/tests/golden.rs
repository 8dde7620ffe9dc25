//! Golden files: every input in `tests/golden/` (`NAME.sse` or `NAME.http`, with optional
//! extra arguments in `NAME.args`) is run through the `sse-inspect` binary in each output mode,
//! and the whole output is compared with the checked-in `NAME.ndjson`, `NAME.check`,
//! `NAME.table` and `NAME.norm`.
//!
//! Regenerate them after a deliberate change with `UPDATE_GOLDEN=1 cargo test -p sse-inspect
//! --test golden`, then read the diff before committing it.

use std::path::{Path, PathBuf};
use std::process::Command;

use sse_inspect::{inspect, InputKind, Options, ProblemKind};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn inputs() -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(golden_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("sse" | "http")))
        .collect();
    v.sort();
    assert!(v.len() >= 20, "golden inputs missing: {v:?}");
    v
}

fn extra_args(input: &Path) -> Vec<String> {
    std::fs::read_to_string(input.with_extension("args"))
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Runs the binary; returns (stdout, exit status).
fn run(args: &[&str], extra: &[String], input: &Path) -> (Vec<u8>, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_sse-inspect"))
        .args(args)
        .args(extra)
        .arg(input)
        .output()
        .unwrap();
    (out.stdout, out.status.code().unwrap_or(-1))
}

/// The summary's `elapsed_ms` varies from run to run: replaced by 0.
fn scrub(ndjson: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(ndjson.to_vec()).unwrap();
    let key = "\"elapsed_ms\":";
    let Some(at) = text.rfind(key) else {
        return text.into_bytes();
    };
    let start = at + key.len();
    let end = start + text[start..].find('}').unwrap();
    format!("{}0{}", &text[..start], &text[end..]).into_bytes()
}

/// The outputs of one input, by golden file extension.
fn outputs(input: &Path) -> Vec<(&'static str, Vec<u8>)> {
    let extra = extra_args(input);
    let (ndjson, status) = run(&["--all"], &extra, input);
    assert_eq!(status, 0, "{}: NDJSON mode exits 0", input.display());
    let (mut check, status) = run(&["--check"], &extra, input);
    check.extend_from_slice(format!("exit: {status}\n").as_bytes());
    let (table, _) = run(&["--table", "--all"], &extra, input);
    let (norm, _) = run(&["--normalize"], &extra, input);
    vec![
        ("ndjson", scrub(&ndjson)),
        ("check", check),
        ("table", table),
        ("norm", norm),
    ]
}

fn first_difference(want: &[u8], got: &[u8]) -> String {
    let (w, g) = (String::from_utf8_lossy(want), String::from_utf8_lossy(got));
    for (i, (a, b)) in w.lines().zip(g.lines()).enumerate() {
        if a != b {
            return format!("line {}:\n  want: {a}\n  got:  {b}", i + 1);
        }
    }
    format!(
        "line counts differ: want {}, got {}",
        w.lines().count(),
        g.lines().count()
    )
}

#[test]
fn golden_outputs() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    for input in inputs() {
        for (ext, got) in outputs(&input) {
            let path = input.with_extension(ext);
            if update {
                std::fs::write(&path, &got).unwrap();
                continue;
            }
            match std::fs::read(&path) {
                Ok(want) if want == got => {}
                Ok(want) => failures.push(format!(
                    "{}: {}",
                    path.display(),
                    first_difference(&want, &got)
                )),
                Err(e) => failures.push(format!(
                    "{}: {e} (run with UPDATE_GOLDEN=1 to create it)",
                    path.display()
                )),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "golden mismatches:\n{}",
        failures.join("\n")
    );
}

/// Each diagnostic has a golden input that shows it (the timeout and the buffering diagnosis
/// need a live server: see `tests/loopback.rs` and `tests/live.rs`).
#[test]
fn every_diagnostic_has_a_golden_file() {
    let cases = [
        (ProblemKind::Truncated, "truncated-mid-event.sse"),
        (ProblemKind::Truncated, "truncated-mid-line.sse"),
        (ProblemKind::MissingSentinel, "missing-sentinel-openai.sse"),
        (
            ProblemKind::MissingSentinel,
            "missing-sentinel-anthropic.sse",
        ),
        (ProblemKind::MissingSentinel, "sentinel-data-missing.sse"),
        (ProblemKind::ServerError, "server-error-anthropic.sse"),
        (ProblemKind::ServerError, "server-error-openai-chat.sse"),
        (
            ProblemKind::ServerError,
            "server-error-openai-responses.sse",
        ),
        (ProblemKind::InvalidUtf8, "invalid-utf8.sse"),
        (ProblemKind::LoneCr, "lone-cr.sse"),
        (ProblemKind::LoneCr, "cr-at-end.sse"),
        (ProblemKind::Bom, "bom.sse"),
        (ProblemKind::Bom, "double-bom.sse"),
        (ProblemKind::LineTooLong, "line-too-long.sse"),
        (ProblemKind::DecoderLimit, "decoder-limit.sse"),
        (ProblemKind::IdControl, "id-control.sse"),
        (ProblemKind::IdNul, "id-nul.sse"),
        (ProblemKind::BadRetry, "bad-retry.sse"),
        (ProblemKind::Status, "status-503.http"),
        (ProblemKind::ContentType, "content-type.http"),
        (ProblemKind::ContentType, "no-content-type.http"),
        (ProblemKind::ChunkedFraming, "chunked-framing.http"),
        (ProblemKind::ChunkedFraming, "proxy-cut.http"),
        (ProblemKind::ShortBody, "short-body.http"),
        (ProblemKind::BadHttp, "bad-http.http"),
    ];
    for kind in ProblemKind::ALL {
        assert!(
            matches!(kind, ProblemKind::Timeout | ProblemKind::Buffered)
                || cases.iter().any(|(k, _)| *k == kind),
            "no golden case for {kind:?}"
        );
    }
    for (kind, file) in cases {
        let check =
            std::fs::read_to_string(golden_dir().join(file).with_extension("check")).unwrap();
        let tag = format!(" {}: ", kind.name());
        assert!(
            check.contains(&tag),
            "{file}.check does not report {}",
            kind.name()
        );
        assert!(check.ends_with("exit: 1\n"), "{file}: --check must exit 1");
    }
    for clean in [
        "openai-complete.sse",
        "chunked-ok.http",
        "sentinel-event.sse",
        "control-blocks.sse",
    ] {
        let check =
            std::fs::read_to_string(golden_dir().join(clean).with_extension("check")).unwrap();
        assert!(
            check.starts_with("ok: ") && check.ends_with("exit: 0\n"),
            "{clean}: {check}"
        );
    }
}

/// The normalized stream decodes to the same items (every field, including which block set
/// the id and retry), except where the encoder had to leave an id out.
#[test]
fn normalize_round_trips() {
    let mut lossy = Vec::new();
    for input in inputs() {
        let extra = extra_args(&input);
        let (norm, status) = run(&["--normalize"], &extra, &input);
        let name = input.file_name().unwrap().to_str().unwrap().to_owned();
        if status != 0 {
            lossy.push(name);
            continue;
        }
        // Through the binary, with the same arguments: the same NDJSON, offsets aside.
        let tmp =
            std::env::temp_dir().join(format!("sse-inspect-norm-{}-{name}", std::process::id()));
        std::fs::write(&tmp, &norm).unwrap();
        let strip = |out: Vec<u8>| -> Vec<serde_json::Value> {
            String::from_utf8(out)
                .unwrap()
                .lines()
                .map(|l| {
                    let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                    v.as_object_mut().unwrap().remove("offset");
                    v
                })
                .filter(|v| v["kind"] != "problem")
                .collect()
        };
        let mut args = extra.clone();
        args.push("--sse".into());
        let (again, _) = run(&["--all", "--no-summary"], &args, &tmp);
        let (first, _) = run(&["--all", "--no-summary"], &extra, &input);
        std::fs::remove_file(&tmp).unwrap();
        assert_eq!(strip(again), strip(first), "{name}");
        // Through the library, for inputs read with the default options: equal items.
        if extra.is_empty() {
            let original = inspect(&std::fs::read(&input).unwrap(), &Options::default());
            let opts = Options {
                input: InputKind::Sse,
                ..Options::default()
            };
            let clean = inspect(&norm, &opts);
            let items = |r: &sse_inspect::Report| {
                r.records.iter().map(|r| r.item.clone()).collect::<Vec<_>>()
            };
            assert_eq!(items(&clean), items(&original), "{name}");
            assert!(
                clean.problems.iter().all(|p| matches!(
                    p.kind,
                    ProblemKind::MissingSentinel
                        | ProblemKind::ServerError
                        | ProblemKind::IdControl
                )),
                "{name}: the clean stream has problems: {:?}",
                clean.problems
            );
        }
    }
    assert_eq!(
        lossy,
        ["id-control.sse"],
        "only an id with a control byte is left out"
    );
}
