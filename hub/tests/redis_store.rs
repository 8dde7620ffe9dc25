//! The hub over Redis Streams, against a real redis-server each test starts (Debian's
//! `redis-server` package; missing, the tests fail and say so).

mod common;
mod redis_server;

use std::time::Duration;

use futures_util::StreamExt;

use redis_server::RedisServer;
use sse_wire_hub::{
    Config, Hub, OutEvent, PublishError, RedisConfig, RedisStore, ResumeError, Resumed, Since,
    SlowConsumer,
};

fn config() -> Config {
    let mut config = Config::default();
    config.live_buffer = 2;
    config
}

async fn store(server: &RedisServer) -> RedisStore {
    let mut config = RedisConfig::default();
    config.max_len = 4;
    config.block = Duration::from_millis(300);
    RedisStore::connect(&server.url(), config).await.unwrap()
}

async fn hub(server: &RedisServer) -> Hub {
    Hub::with_config(store(server).await, config())
}

async fn command(server: &RedisServer, cmd: &mut redis::Cmd) -> redis::Value {
    let client = redis::Client::open(server.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    cmd.query_async(&mut conn).await.unwrap()
}

async fn calls(server: &RedisServer, command_name: &str) -> u64 {
    let info = command(server, redis::cmd("INFO").arg("commandstats")).await;
    let text = match info {
        redis::Value::BulkString(b) => String::from_utf8(b).unwrap(),
        redis::Value::VerbatimString { text, .. } | redis::Value::SimpleString(text) => text,
        other => panic!("INFO reply {other:?}"),
    };
    let prefix = format!("cmdstat_{command_name}:calls=");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map_or(0, |rest| rest.split(',').next().unwrap().parse().unwrap())
}

#[tokio::test]
async fn publish_and_subscribe() {
    let server = RedisServer::start(false);
    common::publish_and_subscribe(hub(&server).await).await;
}

#[tokio::test]
async fn resume_replays_then_live() {
    let server = RedisServer::start(false);
    common::resume_replays_then_live(hub(&server).await).await;
}

#[tokio::test]
async fn scopes_are_isolated() {
    let server = RedisServer::start(false);
    common::scopes_are_isolated(hub(&server).await).await;
}

#[tokio::test]
async fn typed_resume_answers() {
    let server = RedisServer::start(false);
    common::typed_resume_answers(hub(&server).await).await;
}

#[tokio::test]
async fn concurrent_resumes() {
    let server = RedisServer::start(false);
    common::concurrent_resumes(hub(&server).await).await;
}

#[tokio::test]
async fn shutdown_ends_bodies() {
    let server = RedisServer::start(false);
    common::shutdown_ends_bodies(hub(&server).await, hub(&server).await).await;
}

#[tokio::test]
async fn slow_consumer_end() {
    let server = RedisServer::start(false);
    common::slow_consumer(hub(&server).await, SlowConsumer::End).await;
}

#[tokio::test]
async fn slow_consumer_skip() {
    let server = RedisServer::start(false);
    let mut config = config();
    config.slow_consumer = SlowConsumer::Skip;
    let hub = Hub::with_config(store(&server).await, config);
    common::slow_consumer(hub, SlowConsumer::Skip).await;
}

#[tokio::test]
async fn counters() {
    let server = RedisServer::start(false);
    common::counters(hub(&server).await).await;
}

#[tokio::test]
async fn publish_at_is_idempotent() {
    let server = RedisServer::start(false);
    common::publish_at_is_idempotent(hub(&server).await).await;
}

/// Frames are kept once, as the bytes subscribers get, under `{prefix}:{scope}:{stream}` with
/// entry ids `{seq}-{epoch}`.
#[tokio::test]
async fn frames_stored_once_as_encoded_bytes() {
    let server = RedisServer::start(false);
    let hub = hub(&server).await;
    let s = hub.scope("tenant-a").unwrap();
    let opened = s.open("answer").await.unwrap();
    let id = s
        .publish("answer", &OutEvent::new().data("x").event_type("t"))
        .await
        .unwrap();
    let e = opened.epoch();
    let rows = command(
        &server,
        redis::cmd("XRANGE")
            .arg("sse:tenant-a:answer")
            .arg("-")
            .arg("+"),
    )
    .await;
    let text = format!("{rows:?}");
    assert!(text.contains(&format!("\"0-{e}\"")), "{text}");
    assert!(text.contains(&format!("\"1-{e}\"")), "{text}");
    let redis::Value::Array(rows) = rows else {
        panic!()
    };
    let redis::Value::Array(fields) = &rows[1] else {
        panic!()
    };
    let redis::Value::Array(fields) = &fields[1] else {
        panic!()
    };
    assert_eq!(fields[0], redis::Value::BulkString(b"f".to_vec()));
    assert_eq!(
        fields[1],
        redis::Value::BulkString(format!("id: {id}\nevent: t\ndata: x\n\n").into_bytes())
    );
}

/// Entries older than `max_age` are trimmed at the next append: a resume from before them is
/// Evicted, not a silent partial replay.
#[tokio::test]
async fn retention_by_age() {
    let server = RedisServer::start(false);
    let mut config = RedisConfig::default();
    config.max_age = Some(Duration::from_millis(300));
    let store = RedisStore::connect(&server.url(), config).await.unwrap();
    let hub = Hub::new(store);
    let s = hub.scope("t").unwrap();
    let opened = s.open("old").await.unwrap();
    let a = s.publish("old", &OutEvent::new().data("a")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let b = s.publish("old", &OutEvent::new().data("b")).await.unwrap();
    match s.resume(&opened.to_string()).await {
        Err(ResumeError::Evicted { first }) => assert_eq!(first, 2),
        other => panic!("{other:?}"),
    }
    // After `a`, the client needs `b`, which is kept.
    for id in [a, b] {
        assert!(matches!(
            s.resume(&id.to_string()).await,
            Ok(Resumed::Body(_))
        ));
    }
    // And by length: the default test store keeps 4.
    let hub = Hub::new(store_len4(&server).await);
    let s = hub.scope("t").unwrap();
    let first = s.open("long").await.unwrap();
    for i in 0..10 {
        s.publish("long", &OutEvent::new().data(&i.to_string()))
            .await
            .unwrap();
    }
    let len = command(&server, redis::cmd("XLEN").arg("sse:t:long")).await;
    assert_eq!(len, redis::Value::Int(4));
    assert!(matches!(
        s.resume(&first.to_string()).await,
        Err(ResumeError::Evicted { first: 7 })
    ));
}

async fn store_len4(server: &RedisServer) -> RedisStore {
    store(server).await
}

/// Redis work per event does not grow with subscribers: one XREAD loop per active stream per
/// host, whatever the number of bodies.
#[tokio::test]
async fn one_live_reader_per_stream_per_host() {
    let server = RedisServer::start(false);
    let mut per_event = Vec::new();
    for subscribers in [1usize, 50] {
        let mut config = RedisConfig::default();
        config.block = Duration::from_secs(5);
        let hub = Hub::new(RedisStore::connect(&server.url(), config).await.unwrap());
        let s = hub.scope("t").unwrap();
        let stream = format!("fan{subscribers}");
        s.open(&stream).await.unwrap();
        let mut bodies = Vec::new();
        for _ in 0..subscribers {
            let mut b = s.subscribe(&stream, Since::Start).await.unwrap();
            common::next(&mut b).await.unwrap(); // the opening frame
                                                 // Polled with nothing to send, the body joins the host's live channel.
            let idle = tokio::time::timeout(Duration::from_millis(5), b.next()).await;
            assert!(idle.is_err());
            bodies.push(b);
        }
        let before = calls(&server, "xread").await + calls(&server, "xrange").await;
        for i in 0..20 {
            s.publish(&stream, &OutEvent::new().data(&i.to_string()))
                .await
                .unwrap();
            for b in &mut bodies {
                common::next(b).await.unwrap();
            }
        }
        let after = calls(&server, "xread").await + calls(&server, "xrange").await;
        per_event.push((after - before) as f64 / 20.0);
    }
    // Each event wakes the one reader at most once (XRANGE happens only inside scripts, which
    // commandstats counts too: the append's age trim).
    assert!(per_event[1] <= per_event[0] + 0.1, "{per_event:?}");
    assert!(per_event[1] <= 2.1, "{per_event:?}");
}

/// Redis restarted (append-only file, fsync always): publishes while it is down fail and say
/// so; live bodies and the publisher go on after it is back, nothing lost or doubled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_a_redis_restart() {
    let mut server = RedisServer::start(true);
    let hub = hub(&server).await;
    let s = hub.scope("t").unwrap();
    s.open("r").await.unwrap();
    let mut body = s.subscribe("r", Since::Start).await.unwrap();
    common::next(&mut body).await.unwrap();
    let one = s.publish("r", &OutEvent::new().data("1")).await.unwrap();
    assert!(common::next(&mut body)
        .await
        .unwrap()
        .ends_with("data: 1\n\n"));
    server.stop();
    let down = s.publish("r", &OutEvent::new().data("lost")).await;
    assert!(matches!(down, Err(PublishError::Store(_))), "{down:?}");
    server.restart();
    // The connection manager reconnects in the background: retry at the same sequence number.
    let mut two = None;
    for _ in 0..100 {
        match s.publish_at("r", 2, &OutEvent::new().data("2")).await {
            Ok(id) => {
                two = Some(id);
                break;
            }
            Err(PublishError::Store(_)) => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(two.unwrap().seq(), 2);
    assert!(common::next(&mut body)
        .await
        .unwrap()
        .ends_with("data: 2\n\n"));
    assert!(matches!(
        s.resume(&one.to_string()).await,
        Ok(Resumed::Body(_))
    ));
    assert!(hub.counters().store_errors >= 1);
}

#[test]
fn missing_server_binary_names_the_package() {
    let started =
        std::panic::catch_unwind(|| RedisServer::start_binary("redis-server-missing", false));
    let payload = started.err().unwrap();
    let message = match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(p) => (*p.downcast::<&str>().unwrap()).to_owned(),
    };
    assert!(message.contains("`redis-server`"), "{message}");
    assert!(message.contains("apt-get install"), "{message}");
}
