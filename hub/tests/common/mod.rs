//! Hub behaviour checks shared by the memory and the Redis test files: each takes a hub whose
//! store keeps at most 4 entries per stream (bounds the caller set).
#![allow(dead_code)]

use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use sse_wire_hub::{
    Hub, OutEvent, PublishError, ResumeError, Resumed, Since, SlowConsumer, Subscription,
};

/// How long a check waits for a frame before it calls the hub stuck.
pub const PATIENCE: Duration = Duration::from_secs(10);

pub async fn next(body: &mut Subscription) -> Option<String> {
    let frame = tokio::time::timeout(PATIENCE, body.next())
        .await
        .expect("a frame in time")?;
    let frame: Bytes = frame.unwrap();
    Some(String::from_utf8(frame.to_vec()).unwrap())
}

pub async fn rest(body: Subscription) -> Vec<String> {
    tokio::time::timeout(
        PATIENCE,
        body.map(|f| String::from_utf8(f.unwrap().to_vec()).unwrap())
            .collect::<Vec<_>>(),
    )
    .await
    .expect("the body ends in time")
}

fn body_of(r: Result<Resumed, ResumeError>) -> Subscription {
    match r {
        Ok(Resumed::Body(b)) => b,
        Ok(Resumed::Complete) => panic!("complete"),
        Err(e) => panic!("{e}"),
    }
}

/// Publish returns dense ids; frames carry them; subscribers from the start and live get the
/// same shared frames, in order.
pub async fn publish_and_subscribe(hub: Hub) {
    let s = hub.scope("tenant-a").unwrap();
    let opened = s.open("answer").await.unwrap();
    assert_eq!(opened.seq(), 0);
    let e = opened.epoch();
    let mut start = s.subscribe("answer", Since::Start).await.unwrap();
    let mut live = s.subscribe("answer", Since::Live).await.unwrap();
    let a = s
        .publish("answer", &OutEvent::new().data("one").event_type("token"))
        .await
        .unwrap();
    let b = s
        .publish("answer", &OutEvent::new().data("two\nlines").id("ignored"))
        .await
        .unwrap();
    assert_eq!(a.to_string(), format!("answer-{e}-1"));
    assert_eq!(b.seq(), 2);
    assert_eq!(
        next(&mut start).await.unwrap(),
        format!("id: answer-{e}-0\n\n")
    );
    let one = format!("id: answer-{e}-1\nevent: token\ndata: one\n\n");
    let two = format!("id: answer-{e}-2\ndata: two\ndata: lines\n\n");
    assert_eq!(next(&mut start).await.unwrap(), one);
    assert_eq!(next(&mut start).await.unwrap(), two);
    assert_eq!(next(&mut live).await.unwrap(), one);
    assert_eq!(next(&mut live).await.unwrap(), two);
    s.close("answer").await.unwrap();
    assert_eq!(next(&mut start).await, None);
    assert_eq!(next(&mut live).await, None);
    assert!(matches!(
        s.publish("answer", &OutEvent::new().data("late")).await,
        Err(PublishError::Closed)
    ));
    assert!(matches!(
        s.publish("nope", &OutEvent::new().data("x")).await,
        Err(PublishError::NotOpen)
    ));
}

/// A resume replays exactly what came after the id, then goes on live; from the last event of
/// a closed stream it is Complete.
pub async fn resume_replays_then_live(hub: Hub) {
    let s = hub.scope("tenant-a").unwrap();
    s.open("r").await.unwrap();
    let mut ids = Vec::new();
    for t in ["a", "b", "c"] {
        ids.push(s.publish("r", &OutEvent::new().data(t)).await.unwrap());
    }
    let mut body = body_of(s.resume(&ids[0].to_string()).await);
    assert!(next(&mut body).await.unwrap().ends_with("data: b\n\n"));
    assert!(next(&mut body).await.unwrap().ends_with("data: c\n\n"));
    let d = s.publish("r", &OutEvent::new().data("d")).await.unwrap();
    assert_eq!(
        next(&mut body).await.unwrap(),
        format!("id: {d}\ndata: d\n\n")
    );
    s.close("r").await.unwrap();
    assert_eq!(next(&mut body).await, None);
    // The client has everything: nothing to send.
    assert!(matches!(
        s.resume(&d.to_string()).await,
        Ok(Resumed::Complete)
    ));
    // One event short: that event, then the end.
    let last = rest(body_of(s.resume(&ids[2].to_string()).await)).await;
    assert_eq!(last, [format!("id: {d}\ndata: d\n\n")]);
}

/// Scopes: another scope's id is unknown, even with a stream of the same name there.
pub async fn scopes_are_isolated(hub: Hub) {
    let a = hub.scope("session-a").unwrap();
    let b = hub.scope("session-b").unwrap();
    a.open("get").await.unwrap();
    b.open("get").await.unwrap();
    let secret = a
        .publish("get", &OutEvent::new().data("a's secret"))
        .await
        .unwrap();
    b.publish("get", &OutEvent::new().data("b's"))
        .await
        .unwrap();
    b.publish("get", &OutEvent::new().data("b's too"))
        .await
        .unwrap();
    // b's stream has a frame 1 and 2 too, but not in a's epoch: unknown.
    let opened = a.open("only-a").await.unwrap();
    for id in [secret.to_string(), opened.to_string()] {
        assert!(
            matches!(b.resume(&id).await, Err(ResumeError::UnknownStream)),
            "{id} resolved in another scope"
        );
    }
    assert_eq!(ResumeError::UnknownStream.status(), 404);
    // In its own scope it resolves.
    assert!(matches!(
        a.resume(&secret.to_string()).await,
        Ok(Resumed::Body(_))
    ));
}

/// The typed answers: malformed, never issued, evicted, unknown; never an empty replay.
pub async fn typed_resume_answers(hub: Hub) {
    let s = hub.scope("t").unwrap();
    let opened = s.open("s").await.unwrap();
    let e = opened.epoch();
    for bad in [
        "", "x", "s-1", "s-0-1", "s-1-01", "s-1--1", "s/x-1-1", "s-1-+1",
    ] {
        let r = s.resume(bad).await;
        assert!(matches!(r, Err(ResumeError::Malformed)), "{bad}: {r:?}");
    }
    assert_eq!(ResumeError::Malformed.status(), 400);
    let mut ids = vec![opened.clone()];
    for i in 0..3 {
        ids.push(
            s.publish("s", &OutEvent::new().data(&i.to_string()))
                .await
                .unwrap(),
        );
    }
    // Newest is 3: 4 and beyond were never issued, u64::MAX included.
    for seq in [4, 1000, u64::MAX] {
        let r = s.resume(&format!("s-{e}-{seq}")).await;
        assert!(
            matches!(r, Err(ResumeError::NeverIssued { .. })),
            "{seq}: {r:?}"
        );
    }
    // The newest: an empty body that stays open (live), not an error.
    let mut live = body_of(s.resume(&ids[3].to_string()).await);
    // Evict: the store keeps 4 entries; push 4 more.
    for i in 3..7 {
        s.publish("s", &OutEvent::new().data(&i.to_string()))
            .await
            .unwrap();
    }
    assert!(next(&mut live).await.unwrap().ends_with("data: 3\n\n"));
    let r = s.resume(&ids[1].to_string()).await;
    match r {
        Err(ResumeError::Evicted { first }) => assert!(first > 2),
        other => panic!("{other:?}"),
    }
    assert_eq!(ResumeError::Evicted { first: 3 }.status(), 410);
    // From the start of a stream whose opening frame is gone: evicted too.
    assert!(matches!(
        s.subscribe("s", Since::Start).await,
        Err(ResumeError::Evicted { .. })
    ));
    // A removed stream: unknown; its bodies end.
    assert!(s.remove("s").await.unwrap());
    assert!(matches!(
        s.resume(&ids[3].to_string()).await,
        Err(ResumeError::UnknownStream)
    ));
    let ended =
        tokio::time::timeout(PATIENCE, async { while next(&mut live).await.is_some() {} }).await;
    assert!(ended.is_ok());
    // Reopened under the same name: a new epoch, the old ids unknown.
    let reopened = s.open("s").await.unwrap();
    assert_ne!(reopened.epoch(), e);
    assert!(matches!(
        s.resume(&ids[1].to_string()).await,
        Err(ResumeError::UnknownStream)
    ));
}

/// Two resumes of one stream at once are both served, each from its own id.
pub async fn concurrent_resumes(hub: Hub) {
    let s = hub.scope("t").unwrap();
    let opened = s.open("c").await.unwrap();
    let one = s.publish("c", &OutEvent::new().data("1")).await.unwrap();
    let (opened, one) = (opened.to_string(), one.to_string());
    let (x, y) = tokio::join!(s.resume(&opened), s.resume(&one));
    let (mut x, mut y) = (body_of(x), body_of(y));
    assert!(next(&mut x).await.unwrap().ends_with("data: 1\n\n"));
    s.publish("c", &OutEvent::new().data("2")).await.unwrap();
    assert!(next(&mut x).await.unwrap().ends_with("data: 2\n\n"));
    assert!(next(&mut y).await.unwrap().ends_with("data: 2\n\n"));
}

/// Shutdown: every body ends with a `retry` block after whole frames; new work is refused;
/// the last id a client got resumes on another hub over the same store.
pub async fn shutdown_ends_bodies(hub: Hub, other: Hub) {
    let s = hub.scope("t").unwrap();
    s.open("x").await.unwrap();
    let mut bodies = Vec::new();
    for _ in 0..3 {
        bodies.push(s.subscribe("x", Since::Start).await.unwrap());
    }
    let id = s.publish("x", &OutEvent::new().data("kept")).await.unwrap();
    let mut got = Vec::new();
    for b in &mut bodies {
        got.push((next(b).await.unwrap(), next(b).await.unwrap()));
    }
    tokio::time::timeout(Duration::from_millis(200), hub.shutdown())
        .await
        .expect_err("shutdown waits for the bodies to be read");
    for mut b in bodies {
        assert_eq!(next(&mut b).await.unwrap(), "retry: 500\n\n");
        assert_eq!(next(&mut b).await, None);
    }
    tokio::time::timeout(PATIENCE, hub.shutdown())
        .await
        .expect("every body ended");
    assert_eq!(hub.counters().subscribers, 0);
    assert!(matches!(
        s.publish("x", &OutEvent::new().data("late")).await,
        Err(PublishError::ShuttingDown)
    ));
    assert!(matches!(
        s.resume(&id.to_string()).await,
        Err(ResumeError::ShuttingDown)
    ));
    // Another host goes on from there.
    let o = other.scope("t").unwrap();
    let mut resumed = body_of(o.resume(&id.to_string()).await);
    let after = o
        .publish("x", &OutEvent::new().data("after"))
        .await
        .unwrap();
    assert_eq!(
        next(&mut resumed).await.unwrap(),
        format!("id: {after}\ndata: after\n\n")
    );
}

/// A subscriber that stops reading while more than the store keeps is published: ended (its
/// resume is then Evicted) or told it lagged.
pub async fn slow_consumer(hub: Hub, policy: SlowConsumer) {
    let s = hub.scope("t").unwrap();
    s.open("slow").await.unwrap();
    let mut slow = s.subscribe("slow", Since::Live).await.unwrap();
    let first = s.publish("slow", &OutEvent::new().data("0")).await.unwrap();
    assert!(next(&mut slow).await.unwrap().ends_with("data: 0\n\n"));
    // The hub's live ring holds 2, the store 4: 20 more events leave it far behind.
    for i in 1..=20 {
        s.publish("slow", &OutEvent::new().data(&i.to_string()))
            .await
            .unwrap();
    }
    // Time for this host's feed to put all 20 into the ring (2 long) before the body reads.
    tokio::time::sleep(Duration::from_secs(1)).await;
    match policy {
        SlowConsumer::End => {
            assert_eq!(next(&mut slow).await, None);
            assert!(matches!(
                s.resume(&first.to_string()).await,
                Err(ResumeError::Evicted { .. })
            ));
        }
        _ => {
            let notice = next(&mut slow).await.unwrap();
            assert!(notice.starts_with("event: lagged\ndata: "), "{notice}");
            // Then the oldest kept, in order, to the newest.
            let mut last = 0;
            loop {
                let f = next(&mut slow).await.unwrap();
                let n: u32 = f.rsplit("data: ").next().unwrap().trim().parse().unwrap();
                assert!(n > last);
                last = n;
                if n == 20 {
                    break;
                }
            }
        }
    }
    assert!(hub.counters().lagged >= 1);
}

/// The counters move as they should.
pub async fn counters(hub: Hub) {
    let s = hub.scope("t").unwrap();
    let before = hub.counters();
    s.open("n").await.unwrap();
    let mut a = s.subscribe("n", Since::Start).await.unwrap();
    let mut b = s.subscribe("n", Since::Live).await.unwrap();
    s.publish("n", &OutEvent::new().data("x")).await.unwrap();
    next(&mut a).await.unwrap();
    next(&mut a).await.unwrap();
    next(&mut b).await.unwrap();
    assert!(s.resume("garbage").await.is_err());
    assert!(s.publish("none", &OutEvent::new().data("x")).await.is_err());
    let c = hub.counters();
    assert_eq!(c.opened - before.opened, 1);
    assert_eq!(c.subscribers - before.subscribers, 2);
    assert_eq!(c.active_streams, 1);
    assert_eq!(c.published - before.published, 1);
    assert_eq!(c.publish_failed - before.publish_failed, 1);
    assert_eq!(c.delivered - before.delivered, 3);
    // The opening frame, read from the store; and x if b joined after the feed had sent it.
    assert!((1..=2).contains(&(c.replayed - before.replayed)));
    assert_eq!(c.resumes_refused - before.resumes_refused, 1);
    drop((a, b));
    tokio::time::timeout(PATIENCE, async {
        while hub.counters().active_streams > 0 || hub.counters().subscribers > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the stream's feed stops with its last subscriber");
}

/// A publisher that lost a reply publishes again at the same sequence number: a conflict one
/// past it says the first attempt was kept.
pub async fn publish_at_is_idempotent(hub: Hub) {
    let s = hub.scope("t").unwrap();
    s.open("p").await.unwrap();
    let one = s
        .publish_at("p", 1, &OutEvent::new().data("one"))
        .await
        .unwrap();
    assert_eq!(one.seq(), 1);
    match s.publish_at("p", 1, &OutEvent::new().data("one")).await {
        Err(PublishError::Conflict {
            expected: 1,
            next: 2,
        }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(
        s.publish_at("p", 2, &OutEvent::new().data("two"))
            .await
            .unwrap()
            .seq(),
        2
    );
}
