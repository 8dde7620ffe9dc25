//! Prints the results of `cargo bench -p sse-wire-compare` as markdown tables.
//!
//! ```sh
//! cargo bench -p sse-wire-compare
//! cargo run -p sse-wire-compare --example bench_report                 # reads target/criterion (or $CARGO_TARGET_DIR/criterion)
//! cargo run -p sse-wire-compare --example bench_report -- path/to/criterion
//! ```
//!
//! For every benchmark criterion saved (`<group>/<row>/new/benchmark.json` and
//! `estimates.json`), the throughput is the group's `Throughput::Bytes` divided by the median
//! time per iteration, in MB/s (10^6 bytes per second). Each cell also gives the row's ratio to
//! the `sse-wire` row of the same group (above 1 is faster than sse-wire). Groups are laid out
//! by family: SSE decoding (`W1`…), scaling (`W1x4`…, against the 1x group), SSE encoding
//! (`E…`) and chunked decoding (`C…`); groups of the other benches are left out.

#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Column order: sse-wire first, then competitors, then the references.
const ORDER: &[&str] = &[
    "sse-wire",
    "sse-wire-view",
    "sse-wire-bytes",
    "sse-wire-frames",
    "sse-core",
    "sse-parse",
    "sse-stream",
    "eventsource-stream",
    "axum",
    "httparse",
    "chunked_transfer",
    "hyper",
    "memchr2",
    "memchr",
    "memcpy",
];

/// group -> row -> MB/s
type Results = BTreeMap<String, BTreeMap<String, f64>>;

fn main() -> Result<(), Box<dyn Error>> {
    let dir = match std::env::args_os().nth(1) {
        Some(dir) => PathBuf::from(dir),
        None => std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| PathBuf::from("target"), PathBuf::from)
            .join("criterion"),
    };
    let mut results = Results::new();
    if !dir.is_dir() || {
        collect(&dir, &mut results)?;
        results.is_empty()
    } {
        return Err(format!(
            "no criterion results under {}: run `cargo bench -p sse-wire-compare` first",
            dir.display()
        )
        .into());
    }

    let family = |group: &str| -> usize {
        let mut chars = group.chars();
        match chars.next() {
            Some('W') if group.contains('x') => 2,
            Some('W') => 0,
            Some('I') => 1,
            Some('E') => 3,
            Some('C') => 4,
            _ => usize::MAX,
        }
    };
    let titles = [
        "SSE decoding, each event handed to an opaque consumer (ratios: sse-wire rows to the fastest other crate)",
        "SSE decoding, each event counted inline (ratios: sse-wire rows to the fastest other crate)",
        "Scaling (ratio to the 1x workload)",
        "SSE encoding",
        "Chunked decoding",
    ];
    println!("Throughput in MB/s (input bytes per second, median); in parentheses, the ratio to sse-wire on the same workload.\n");
    for (f, title) in titles.iter().enumerate() {
        let groups: Vec<&String> = sorted_groups(&results)
            .into_iter()
            .filter(|g| family(g) == f)
            .collect();
        if groups.is_empty() {
            continue;
        }
        println!("### {title}\n");
        match f {
            0 | 1 => rival_table(&results, &groups),
            2 => scaling_table(&results, &groups),
            _ => table(&results, &groups),
        }
        println!();
    }
    Ok(())
}

/// Groups in natural order (W2 before W10).
fn sorted_groups(results: &Results) -> Vec<&String> {
    let mut groups: Vec<&String> = results.keys().collect();
    groups.sort_by_key(|g| {
        let digits: String = g.chars().skip(1).take_while(char::is_ascii_digit).collect();
        let rest = &g[1 + digits.len()..];
        let scale: u64 = rest.trim_start_matches('x').parse().unwrap_or(1);
        (
            g.chars().next(),
            digits.parse::<u64>().unwrap_or(0),
            scale,
            g.to_string(),
        )
    });
    groups
}

fn columns<'a>(results: &'a Results, groups: &[&String]) -> Vec<&'a str> {
    let mut rows: Vec<&str> = groups
        .iter()
        .flat_map(|g| results[*g].keys().map(String::as_str))
        .collect();
    rows.sort_by_key(|r| (ORDER.iter().position(|o| o == r).unwrap_or(ORDER.len()), *r));
    rows.dedup();
    rows
}

fn table(results: &Results, groups: &[&String]) {
    let cols = columns(results, groups);
    println!("| workload | {} |", cols.join(" | "));
    println!("|---|{}", "--:|".repeat(cols.len()));
    for group in groups {
        let rows = &results[*group];
        let base = rows.get("sse-wire").copied();
        let cells: Vec<String> = cols
            .iter()
            .map(|col| match rows.get(*col) {
                None => "—".to_owned(),
                Some(&v) if *col == "sse-wire" => mbps(v),
                Some(&v) => match base {
                    Some(b) => format!("{} ({:.2}×)", mbps(v), v / b),
                    None => mbps(v),
                },
            })
            .collect();
        println!("| {group} | {} |", cells.join(" | "));
    }
}

/// Rows that are references, not decoders.
const REFERENCES: &[&str] = &["memchr2", "memchr", "memcpy"];

/// SSE decoding: each sse-wire row with its ratio to the fastest other crate on the workload,
/// which the last column names.
fn rival_table(results: &Results, groups: &[&String]) {
    let cols = columns(results, groups);
    println!("| workload | {} | fastest other |", cols.join(" | "));
    println!("|---|{}---|", "--:|".repeat(cols.len()));
    for group in groups {
        let rows = &results[*group];
        let best = rows
            .iter()
            .filter(|(name, _)| {
                !name.starts_with("sse-wire") && !REFERENCES.contains(&name.as_str())
            })
            .max_by(|a, b| a.1.total_cmp(b.1));
        let cells: Vec<String> = cols
            .iter()
            .map(|col| match (rows.get(*col), best) {
                (None, _) => "—".to_owned(),
                (Some(&v), Some((_, &b))) if col.starts_with("sse-wire") => {
                    format!("{} ({:.2}×)", mbps(v), v / b)
                }
                (Some(&v), _) => mbps(v),
            })
            .collect();
        let best = best.map_or("—", |(name, _)| name.as_str());
        println!("| {group} | {} | {best} |", cells.join(" | "));
    }
}

fn scaling_table(results: &Results, groups: &[&String]) {
    // Each scaled group `W1x4` is set beside its 1x group `W1`, when that was measured.
    let mut all: Vec<&String> = Vec::new();
    for group in groups {
        let base = group.split('x').next().unwrap_or(group);
        if let Some((key, _)) = results.get_key_value(base) {
            if !all.contains(&key) {
                all.push(key);
            }
        }
        all.push(group);
    }
    let cols = columns(results, groups);
    println!("| workload | {} |", cols.join(" | "));
    println!("|---|{}", "--:|".repeat(cols.len()));
    for group in all {
        let base = group.split('x').next().unwrap_or(group);
        let cells: Vec<String> = cols
            .iter()
            .map(|col| match (results[group].get(*col), results.get(base)) {
                (None, _) => "—".to_owned(),
                (Some(&v), Some(one)) if base != group.as_str() => match one.get(*col) {
                    Some(&b) => format!("{} ({:.2}×)", mbps(v), v / b),
                    None => mbps(v),
                },
                (Some(&v), _) => mbps(v),
            })
            .collect();
        println!("| {group} | {} |", cells.join(" | "));
    }
}

/// MB/s with thousands separators.
fn mbps(v: f64) -> String {
    let n = v.round() as u64;
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Finds every `new/benchmark.json` under `dir` and records its throughput.
fn collect(dir: &Path, results: &mut Results) -> Result<(), Box<dyn Error>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return Err(format!("{}: {e}", dir.display()).into()),
    };
    for entry in entries {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") {
            if let Some(m) = read(&path)? {
                results.entry(m.group).or_default().insert(m.row, m.mbps);
            }
        } else if path
            .file_name()
            .is_none_or(|n| n != "base" && n != "report")
        {
            collect(&path, results)?;
        }
    }
    Ok(())
}

/// One benchmark's result.
struct Measured {
    group: String,
    row: String,
    mbps: f64,
}

/// The result saved in one `new/` directory, if it holds a byte throughput.
fn read(new: &Path) -> Result<Option<Measured>, Box<dyn Error>> {
    let load = |name: &str| -> Result<Value, Box<dyn Error>> {
        let path = new.join(name);
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(serde_json::from_str(&text)?)
    };
    let bench = load("benchmark.json")?;
    let estimates = load("estimates.json")?;
    let bytes = ["Bytes", "BytesDecimal"]
        .iter()
        .find_map(|k| bench["throughput"][k].as_f64());
    let (Some(bytes), Some(group), Some(ns)) = (
        bytes,
        bench["group_id"].as_str(),
        estimates["median"]["point_estimate"].as_f64(),
    ) else {
        return Ok(None);
    };
    let row = bench["function_id"]
        .as_str()
        .or_else(|| bench["value_str"].as_str())
        .unwrap_or("?");
    // bytes per nanosecond is GB/s.
    Ok(Some(Measured {
        group: group.to_owned(),
        row: row.to_owned(),
        mbps: bytes / ns * 1000.0,
    }))
}
