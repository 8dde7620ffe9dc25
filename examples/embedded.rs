//! The receive loop of a small device: a thermostat that takes commands from a
//! `text/event-stream`, read in small bursts from a link (a UART bridge or a TCP socket) into
//! one fixed buffer. The loop borrows every event from that buffer, keeps nothing of its own on
//! the heap, and compacts the buffer in place; the decoder's limits bound what it may need.
//!
//! ```text
//! cargo run --example embedded
//! ```
//!
//! `receive` uses `core` and `sse_wire` only, so it is the code a `no_std` firmware runs (the
//! crate builds for `thumbv7em-none-eabihf` without default features; the decoder needs an
//! allocator only for the rare event whose fields it must join or copy, bounded by its limits).
//! `main` stands in for the device: a scripted link that delivers 13 bytes per read.

#![forbid(unsafe_code)]

use sse_wire::sse::{Decoded, Decoder, ItemRef, Limits};

/// Longest line the device accepts.
const MAX_LINE: usize = 512;
/// The receive buffer. Between two reads the decoder makes its caller keep at most the fields
/// of one event it still borrows (data, type, id: a line each), up to 4 KiB of bytes between
/// them, one unfinished line, their line ends and two bytes of a BOM: the bound the fuzz targets
/// check (`sse_retained_bound` in `fuzz/src/lib.rs`). 64 bytes more leave room for a read.
const RX: usize = 4 * (MAX_LINE + 2) + 4096 + 3 + 64;

/// Where the bytes come from: `read` fills the front of `into` and returns how many bytes it
/// wrote, 0 at the end of the stream.
trait Link {
    fn read(&mut self, into: &mut [u8]) -> usize;
}

/// What one command does to the device.
trait Device {
    fn command(&mut self, name: &str, value: &str);
}

/// Why the loop stopped early.
#[derive(Debug)]
enum Stop {
    /// The stream ended inside an event: the device must reconnect (the event was dropped).
    Cut(sse_wire::sse::Truncated),
    /// The decoder needed more bytes than `RX` holds. The limits rule it out; a firmware
    /// still says so rather than read into an empty slice.
    Full,
}

/// Reads events until the link ends. Every event's type names the command and its data is the
/// value; comments (keep-alives) and events over the limits are skipped.
fn receive(link: &mut impl Link, device: &mut impl Device) -> Result<usize, Stop> {
    let mut limits = Limits::default();
    limits.max_line_len = MAX_LINE;
    limits.max_event_size = MAX_LINE;
    let mut decoder = Decoder::with_limits(limits);
    let mut rx = [0u8; RX];
    let mut held = 0; // bytes at the front of `rx` the decoder has not consumed
    let mut commands = 0;
    loop {
        if held == RX {
            return Err(Stop::Full);
        }
        let n = link.read(&mut rx[held..]);
        if n == 0 {
            // The end of the stream: only an unfinished event is an error. Every complete item
            // in `rx[..held]` was decoded already.
            decoder.finish().map_err(Stop::Cut)?;
            return Ok(commands);
        }
        held += n;
        let mut start = 0;
        loop {
            match decoder.decode(&rx[start..held]) {
                Ok(Decoded { consumed, item }) => {
                    start += consumed;
                    match item {
                        Some(ItemRef::Event(event)) => {
                            device.command(event.event_type(), event.data());
                            commands += 1;
                        }
                        Some(_) => {} // a comment, or a block that only sets id or retry
                        None => break, // need more bytes
                    }
                }
                // A line or an event over the limits: skipped, and decoding goes on.
                Err(_too_large) => {}
            }
        }
        // Keep only what the decoder still needs, at the front.
        rx.copy_within(start..held, 0);
        held -= start;
    }
}

/// A link that plays back a script, `burst` bytes per read.
struct Scripted {
    script: &'static [u8],
    at: usize,
    burst: usize,
}

impl Link for Scripted {
    fn read(&mut self, into: &mut [u8]) -> usize {
        let n = self.burst.min(into.len()).min(self.script.len() - self.at);
        into[..n].copy_from_slice(&self.script[self.at..self.at + n]);
        self.at += n;
        n
    }
}

#[derive(Default)]
struct Thermostat {
    setpoint: f32,
    mode: String,
    log: Vec<String>,
}

impl Device for Thermostat {
    fn command(&mut self, name: &str, value: &str) {
        match name {
            "setpoint" => self.setpoint = value.parse().unwrap_or(self.setpoint),
            "mode" => self.mode = value.to_owned(),
            _ => {}
        }
        self.log.push(format!("{name}={value}"));
    }
}

fn main() {
    // CRLF and LF line ends, a keep-alive, a retry block, a line over the device's limit.
    let long = Box::leak(format!("event: note\ndata: {}\n\n", "x".repeat(600)).into_boxed_str());
    let script: &'static [u8] = Box::leak(
        [
            "retry: 5000\r\n\r\n",
            ": keep-alive\r\n\r\n",
            "event: setpoint\r\nid: 1\r\ndata: 21.5\r\n\r\n",
            long,
            "event: mode\nid: 2\ndata: eco\n\n",
            "event: setpoint\nid: 3\ndata: 19\n\n",
        ]
        .concat()
        .into_bytes()
        .into_boxed_slice(),
    );
    let mut link = Scripted {
        script,
        at: 0,
        burst: 13,
    };
    let mut thermostat = Thermostat::default();
    match receive(&mut link, &mut thermostat) {
        Ok(commands) => println!("{commands} commands: {}", thermostat.log.join(", ")),
        Err(stop) => {
            eprintln!("reconnect: {stop:?}");
            std::process::exit(1);
        }
    }
    // The oversized note was skipped; the commands around it arrived.
    assert_eq!(thermostat.log, ["setpoint=21.5", "mode=eco", "setpoint=19"]);
    assert_eq!(
        (thermostat.setpoint, thermostat.mode.as_str()),
        (19.0, "eco")
    );

    // The same stream cut inside its last event: the device knows it must reconnect.
    let cut = &script[..script.len() - 4];
    let mut link = Scripted {
        script: cut,
        at: 0,
        burst: 13,
    };
    match receive(&mut link, &mut Thermostat::default()) {
        Err(Stop::Cut(cut)) => println!("cut stream, reconnect: {cut}"),
        other => panic!("the cut went unnoticed: {other:?}"),
    }
}
