//! The store semantics against a model, for both stores: random sequences of open, append
//! (with and without an expected sequence number), close, remove and reads (from the start,
//! live, at any position of the right or a wrong epoch), every answer compared with the
//! model's. The Redis half needs the `redis` feature and Debian's `redis-server`.

#[cfg(feature = "redis")]
mod redis_server;

use std::collections::{HashMap, VecDeque};

use bytes::Bytes;
use proptest::prelude::*;
use sse_wire_hub::store::{Appended, Closed, Entry, Position, ReadAnswer, Store, StreamKey};

/// Entries each stream keeps (the opening frame and the end marker count).
const KEEP: usize = 4;
/// Entries a read returns at most.
const MAX: usize = 3;

#[derive(Debug, Clone)]
enum Op {
    Open(usize),
    Append {
        stream: usize,
        body: u8,
        expect: Option<i8>,
    },
    Close(usize),
    Remove(usize),
    ReadStart(usize),
    ReadLive(usize),
    ReadAt {
        stream: usize,
        next: u8,
        wrong_epoch: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let s = 0..2usize;
    prop_oneof![
        1 => s.clone().prop_map(Op::Open),
        6 => (s.clone(), any::<u8>(), proptest::option::of(-1i8..=1)).prop_map(
            |(stream, body, expect)| Op::Append { stream, body, expect }
        ),
        1 => s.clone().prop_map(Op::Close),
        1 => s.clone().prop_map(Op::Remove),
        1 => s.clone().prop_map(Op::ReadStart),
        1 => s.clone().prop_map(Op::ReadLive),
        4 => (s, 0..14u8, proptest::bool::weighted(0.2)).prop_map(
            |(stream, next, wrong_epoch)| Op::ReadAt { stream, next, wrong_epoch }
        ),
    ]
}

/// One stream of the model: every entry ever written, and how many were evicted.
#[derive(Debug)]
struct Model {
    epoch: u64,
    entries: VecDeque<Entry>,
    first: u64,
    end: u64,
    ended: bool,
}

impl Model {
    fn push(&mut self, entry: Entry) {
        self.entries.push_back(entry);
        self.end += 1;
        while self.entries.len() > KEEP {
            self.entries.pop_front();
            self.first += 1;
        }
    }

    /// One past the newest frame a client can have seen.
    fn stop(&self) -> u64 {
        if self.ended {
            self.end - 1
        } else {
            self.end
        }
    }

    fn read(&self, next: u64) -> ReadAnswer {
        if next > self.stop() {
            return ReadAnswer::NeverIssued {
                last: self.stop() - 1,
            };
        }
        if next < self.first {
            return ReadAnswer::Evicted { first: self.first };
        }
        let entries = self
            .entries
            .iter()
            .filter(|e| e.seq() >= next)
            .take(MAX)
            .cloned()
            .collect();
        ReadAnswer::Entries {
            epoch: self.epoch,
            next,
            entries,
        }
    }
}

const NAMES: [&str; 2] = ["s0", "s-1"];

async fn run(store: &dyn Store, scope: &str, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut model: HashMap<usize, Model> = HashMap::new();
    let key = |s: usize| StreamKey::new(scope, NAMES[s]).unwrap();
    for op in ops {
        match *op {
            Op::Open(s) => {
                let opened = store.open(&key(s), None).await.unwrap();
                let mut m = Model {
                    epoch: opened.epoch,
                    entries: VecDeque::new(),
                    first: 0,
                    end: 0,
                    ended: false,
                };
                let frame = format!("id: {}-{}-0\n\n", NAMES[s], opened.epoch);
                prop_assert_eq!(&opened.frame[..], frame.as_bytes());
                m.push(Entry::Frame {
                    seq: 0,
                    frame: opened.frame,
                });
                model.insert(s, m);
            }
            Op::Append {
                stream,
                body,
                expect,
            } => {
                let m = model.get_mut(&stream);
                let expected_seq = m.as_ref().map_or(0, |m| m.end);
                let expect = expect.map(|d| expected_seq.saturating_add_signed(d.into()));
                let body_text = format!("data: {body}\n\n");
                let got = store
                    .append(&key(stream), Bytes::from(body_text.clone()), expect)
                    .await
                    .unwrap();
                let want = match m {
                    None => Appended::NotOpen,
                    Some(m) if m.ended => Appended::Closed,
                    Some(m) if expect.is_some_and(|e| e != m.end) => {
                        Appended::Conflict { next: m.end }
                    }
                    Some(m) => {
                        let seq = m.end;
                        let frame = format!("id: {}-{}-{seq}\n{body_text}", NAMES[stream], m.epoch);
                        m.push(Entry::Frame {
                            seq,
                            frame: Bytes::from(frame),
                        });
                        Appended::Kept {
                            epoch: m.epoch,
                            seq,
                        }
                    }
                };
                prop_assert_eq!(got, want, "{:?}", op);
            }
            Op::Close(s) => {
                let got = store.close(&key(s)).await.unwrap();
                let want = match model.get_mut(&s) {
                    None => Closed::NotOpen,
                    Some(m) if m.ended => Closed::Ended { seq: m.end - 1 },
                    Some(m) => {
                        let seq = m.end;
                        m.push(Entry::End { seq });
                        m.ended = true;
                        Closed::Ended { seq }
                    }
                };
                prop_assert_eq!(got, want);
            }
            Op::Remove(s) => {
                let got = store.remove(&key(s)).await.unwrap();
                prop_assert_eq!(got, model.remove(&s).is_some());
            }
            Op::ReadStart(s) | Op::ReadLive(s) | Op::ReadAt { stream: s, .. } => {
                let m = model.get(&s);
                let (at, want) = match *op {
                    Op::ReadStart(_) => (
                        Position::Start,
                        m.map_or(ReadAnswer::UnknownStream, |m| m.read(0)),
                    ),
                    Op::ReadLive(_) => (
                        Position::Live,
                        m.map_or(ReadAnswer::UnknownStream, |m| m.read(m.stop())),
                    ),
                    Op::ReadAt {
                        next, wrong_epoch, ..
                    } => {
                        let epoch = m.map_or(1, |m| m.epoch) + u64::from(wrong_epoch);
                        let next = u64::from(next);
                        let want = match m {
                            Some(m) if !wrong_epoch => m.read(next),
                            _ => ReadAnswer::UnknownStream,
                        };
                        (Position::At { epoch, next }, want)
                    }
                    _ => unreachable!(),
                };
                let got = store.read(&key(s), at, MAX).await.unwrap();
                prop_assert_eq!(got, want, "{:?}", op);
            }
        }
    }
    Ok(())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn memory_store_matches_the_model(ops in proptest::collection::vec(op(), 1..60)) {
        let mut bounds = sse_wire_hub::MemoryBounds::default();
        bounds.max_events = KEEP;
        let store = sse_wire_hub::MemoryStore::with_bounds(bounds);
        runtime().block_on(run(&store, "scope", &ops))?;
    }
}

#[cfg(feature = "redis")]
#[test]
fn redis_store_matches_the_model() {
    use proptest::test_runner::TestRunner;

    // One server for every case (stopped when the test ends); each case its own key prefix.
    let server = redis_server::RedisServer::start(false);
    let case = std::cell::Cell::new(0u32);
    let mut runner = TestRunner::new(ProptestConfig::with_cases(96));
    let result = runner.run(&proptest::collection::vec(op(), 1..60), |ops| {
        case.set(case.get() + 1);
        let mut config = sse_wire_hub::RedisConfig::default();
        config.max_len = KEEP;
        config.prefix = format!("case{}", case.get());
        runtime().block_on(async {
            let store = sse_wire_hub::RedisStore::connect(&server.url(), config)
                .await
                .unwrap();
            run(&store, "scope", &ops).await
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
