//! The multi-host fault-and-load test: two `hub_server` processes on 127.0.0.1 sharing one
//! redis-server (append-only, fsync always), 1,000 concurrent clients on the core's
//! `stream::reconnecting`, each reading an answer of 200 tokens; 10% of connections cut at a
//! random byte; every reconnection goes to either instance (no stickiness); one instance killed
//! (SIGKILL) mid-run; redis-server killed and restarted mid-run.
//!
//! Asserts: every client ends with every token exactly once, in order; no client receives
//! another scope's event; every publish that returned an id was delivered (and no sequence
//! number was acknowledged twice, which would mean an acknowledged write was lost); every
//! publish that failed while Redis was down was reported as failed to its publisher (and
//! published again).
//!
//! Bounded: it stops by itself (the whole run has a deadline). `HUB_LOAD_CLIENTS` and
//! `HUB_LOAD_TOKENS` shrink it for a quick local run.

mod redis_server;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{Stream, StreamExt, TryStreamExt};
use http_body_util::{BodyDataStream, Empty};
use hyper_util::rt::TokioIo;
use redis_server::RedisServer;
use sse_wire::outcome::Signals;
use sse_wire::reconnect::{Config, Connect, Reconnect, Stopped, Verdict};
use sse_wire::sse::BytesDecoder;
use sse_wire::stream::{reconnecting, Opened};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let path = dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} not built: run with --features redis",
        path.display()
    );
    path
}

/// One `hub_server` process and the lines it printed.
struct Instance {
    child: Child,
    addr: SocketAddr,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Instance {
    fn start(redis: &str, tokens: usize, delay_ms: u64) -> Self {
        let mut child = Command::new(example("hub_server"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--redis",
                redis,
                "--log-publishes",
            ])
            .args([
                "--tokens",
                &tokens.to_string(),
                "--delay-ms",
                &delay_ms.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        let addr = first
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("hub_server said {first:?}"))
            .parse()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let reader = std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Instance {
            child,
            addr,
            lines,
            reader: Some(reader),
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM (graceful), then wait.
    fn stop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.wait();
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

type Body = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// A body that breaks after `at` bytes, as a proxy timeout or a dropped link does: the bytes
/// before the cut, then an error.
fn cut_after(body: Body, at: usize) -> Body {
    enum Phase {
        Reading(usize),
        Break,
        Done,
    }
    Box::pin(futures_util::stream::unfold(
        (body, Phase::Reading(at)),
        |(mut body, phase)| async move {
            match phase {
                Phase::Done => None,
                Phase::Break => {
                    let cut = std::io::Error::other("connection cut");
                    Some((Err(cut), (body, Phase::Done)))
                }
                Phase::Reading(left) => match body.next().await? {
                    Ok(piece) if piece.len() >= left => {
                        Some((Ok(piece.slice(..left)), (body, Phase::Break)))
                    }
                    Ok(piece) => {
                        let left = left - piece.len();
                        Some((Ok(piece), (body, Phase::Reading(left))))
                    }
                    Err(e) => Some((Err(e), (body, Phase::Done))),
                },
            }
        },
    ))
}

async fn open(
    addr: SocketAddr,
    scope: String,
    last_event_id: Option<String>,
    cut: Option<usize>,
) -> Result<Opened<Body>, std::io::Error> {
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .map_err(std::io::Error::other)?;
    tokio::spawn(conn);
    let request = match &last_event_id {
        // Resume: a GET with the last id, to whichever instance.
        Some(id) => hyper::Request::get("/v1/answers").header("last-event-id", id),
        // No id yet: ask for a (new) answer.
        None => hyper::Request::post("/v1/answers"),
    };
    let request = request
        .header("host", addr.to_string())
        .header("x-scope", scope)
        .body(Empty::<Bytes>::new())
        .unwrap();
    let response = sender
        .send_request(request)
        .await
        .map_err(std::io::Error::other)?;
    // A 503 (store down, shutting down) is passing: reconnect.
    let verdict = if response.status() == hyper::StatusCode::SERVICE_UNAVAILABLE {
        Verdict::Retry
    } else {
        Verdict::of_response(response.status(), response.headers())
    };
    let body: Body =
        Box::pin(BodyDataStream::new(response.into_body()).map_err(std::io::Error::other));
    let body = match cut {
        Some(at) => cut_after(body, at),
        None => body,
    };
    Ok(Opened { verdict, body })
}

/// What one client saw.
#[derive(Debug, Default)]
struct Seen {
    tokens: Vec<u64>,
    answers: HashSet<String>,
    foreign: usize,
    stopped: Option<Stopped>,
    connections: u32,
    cuts: u32,
}

fn field<'a>(json: &'a str, name: &str) -> Option<&'a str> {
    let start = json.find(&format!("\"{name}\":"))? + name.len() + 3;
    let rest = &json[start..];
    let rest = rest.strip_prefix('"').unwrap_or(rest);
    let end = rest.find(['"', ',', '}'])?;
    Some(&rest[..end])
}

async fn client(n: usize, addrs: [SocketAddr; 2]) -> Seen {
    let scope = format!("c{n}");
    let mut rng = 0x9E37_79B9_7F4A_7C15u64 ^ (n as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let connections = Arc::new(Mutex::new((0u32, 0u32)));
    let counted = connections.clone();
    let mut config = Config::new();
    config.reconnection_time = Duration::from_millis(300);
    config.backoff_factor = 2;
    config.backoff_cap = Duration::from_secs(1);
    config.max_attempts = Some(300);
    config.signals = Some(Signals::openai_chat());
    let connect = {
        let scope = scope.clone();
        move |c: &Connect| {
            let addr = addrs[(next() % 2) as usize];
            let cut = (next() % 10 == 0).then(|| (next() % 3000) as usize);
            {
                let mut counted = counted.lock().unwrap();
                counted.0 += 1;
                counted.1 += u32::from(cut.is_some());
            }
            open(
                addr,
                scope.clone(),
                c.last_event_id.as_deref().map(str::to_owned),
                cut,
            )
        }
    };
    let events = reconnecting(
        Reconnect::new(config),
        BytesDecoder::new(),
        connect,
        tokio::time::sleep,
        {
            let start = std::time::Instant::now();
            move || start.elapsed()
        },
    );
    let mut events = Box::pin(events);
    let mut seen = Seen::default();
    while let Some(event) = events.next().await {
        let Ok(event) = event else { continue };
        let data = event.data();
        if field(data, "scope") != Some(scope.as_str()) {
            seen.foreign += 1;
            continue;
        }
        seen.answers
            .insert(field(data, "answer").unwrap_or("?").to_owned());
        seen.tokens
            .push(field(data, "i").and_then(|i| i.parse().ok()).unwrap_or(0));
    }
    seen.stopped = events.session().stopped();
    let (c, k) = *connections.lock().unwrap();
    (seen.connections, seen.cuts) = (c, k);
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hosts_one_redis_faults_and_load() {
    let clients = env("HUB_LOAD_CLIENTS", 1000);
    let tokens = env("HUB_LOAD_TOKENS", 200);
    let delay_ms = 100;
    let mut redis = RedisServer::start(true);
    let url = redis.url();
    let mut a = Instance::start(&url, tokens, delay_ms);
    let mut b = Instance::start(&url, tokens, delay_ms);
    let addrs = [a.addr, b.addr];
    let begin = Instant::now();

    let mut tasks = Vec::new();
    for n in 0..clients {
        tasks.push(tokio::spawn(client(n, addrs)));
        if n % 50 == 49 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    // One instance dies a third of the way into the answers; Redis restarts at two thirds.
    let answer_time = Duration::from_millis(delay_ms * tokens as u64);
    tokio::time::sleep(answer_time / 3).await;
    a.kill();
    let killed_at = begin.elapsed();
    tokio::time::sleep(answer_time / 3).await;
    let redis_down_at = begin.elapsed();
    let redis = tokio::task::spawn_blocking(move || {
        redis.stop();
        std::thread::sleep(Duration::from_millis(1500));
        redis.start_again();
        redis
    })
    .await
    .unwrap();
    let redis_up_at = begin.elapsed();

    let deadline = Duration::from_secs(240);
    let mut seen = Vec::new();
    for (n, task) in tasks.into_iter().enumerate() {
        let left = deadline.saturating_sub(begin.elapsed());
        let result = tokio::time::timeout(left, task).await;
        seen.push(
            result
                .unwrap_or_else(|_| panic!("client {n} not done within {deadline:?}"))
                .unwrap(),
        );
    }
    let finished_at = begin.elapsed();
    b.stop();
    a.stop();
    drop(redis);

    // What the publishers were told.
    let mut acked: HashMap<(String, String, u64), usize> = HashMap::new();
    let mut failed = Vec::new();
    let mut kept_after_failure = HashSet::new();
    for line in a
        .lines
        .lock()
        .unwrap()
        .iter()
        .chain(b.lines.lock().unwrap().iter())
    {
        let parts: Vec<&str> = line.split(' ').collect();
        let [outcome, scope, answer, seq] = parts[..] else {
            continue;
        };
        let key = (scope.to_owned(), answer.to_owned(), seq.parse().unwrap());
        match outcome {
            "P" => *acked.entry(key).or_default() += 1,
            "F" => failed.push(key),
            "K" => {
                kept_after_failure.insert(key);
            }
            _ => {}
        }
    }

    let expected: Vec<u64> = (1..=tokens as u64).collect();
    let mut wrong = Vec::new();
    let (mut connections, mut cuts, mut foreign) = (0, 0, 0);
    for (n, s) in seen.iter().enumerate() {
        connections += s.connections;
        cuts += s.cuts;
        foreign += s.foreign;
        if s.tokens != expected || s.stopped != Some(Stopped::Done) || s.answers.len() != 1 {
            wrong.push((n, s.tokens.len(), s.stopped, s.answers.len()));
        }
    }
    eprintln!(
        "{clients} clients x {tokens} tokens: {connections} connections ({cuts} cut), \
         instance killed at {killed_at:?}, redis down {redis_down_at:?}..{redis_up_at:?}, \
         all done at {finished_at:?}; {} publishes acknowledged, {} failed (reported)",
        acked.len(),
        failed.len()
    );
    assert!(
        wrong.is_empty(),
        "{} clients wrong, e.g. {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(5)]
    );
    assert_eq!(foreign, 0, "events of another scope");
    assert!(cuts > 0, "no connection was cut");

    // Every acknowledged publish was delivered, and acknowledged once.
    let delivered: HashSet<(String, String)> = seen
        .iter()
        .enumerate()
        .map(|(n, s)| (format!("c{n}"), s.answers.iter().next().unwrap().clone()))
        .collect();
    for ((scope, answer, seq), times) in &acked {
        assert_eq!(
            *times, 1,
            "{scope} {answer} {seq} acknowledged {times} times"
        );
        assert!(
            delivered.contains(&(scope.clone(), answer.clone())),
            "{scope} {answer} {seq} acknowledged but its answer reached no client"
        );
        assert!(*seq <= tokens as u64 + 1);
    }
    // Every delivered event was acknowledged to its publisher, or found kept after a failure
    // whose reply was lost, or published by the killed instance in its last instant (the
    // acknowledgement died with it: at most one per answer it was generating).
    let mut unacknowledged = Vec::new();
    for (n, s) in seen.iter().enumerate() {
        let answer = s.answers.iter().next().unwrap();
        for seq in 1..=tokens as u64 + 1 {
            let key = (format!("c{n}"), answer.clone(), seq);
            if !acked.contains_key(&key) && !kept_after_failure.contains(&key) {
                unacknowledged.push(key);
            }
        }
    }
    eprintln!(
        "{} kept after a lost reply, {} delivered without an acknowledgement: {:?}",
        kept_after_failure.len(),
        unacknowledged.len(),
        &unacknowledged[..unacknowledged.len().min(5)]
    );
    let mut per_answer: HashMap<&str, usize> = HashMap::new();
    for (_, answer, _) in &unacknowledged {
        *per_answer.entry(answer).or_default() += 1;
    }
    assert!(per_answer.values().all(|&n| n == 1), "{per_answer:?}");
    // Publishes failed while Redis was down, were reported, and were published again.
    assert!(!failed.is_empty(), "no publish failed while Redis was down");
    for key in &failed {
        assert!(
            acked.contains_key(key),
            "{key:?} failed and was never published"
        );
    }
}
