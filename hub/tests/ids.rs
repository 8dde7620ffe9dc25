//! Event ids come from clients: parsing and resolution against anything (malformed, huge, other
//! scopes' ids) never panics, never resolves wrongly.

use proptest::prelude::*;
use sse_wire_hub::{EventId, Hub, OutEvent, ResumeError, Resumed};

fn stream_name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9._~-]{1,40}"
}

proptest! {
    #[test]
    fn written_ids_parse_back(stream in stream_name(), epoch in 1u64..(1 << 40), seq in any::<u64>()) {
        let text = format!("{stream}-{epoch}-{seq}");
        let id = EventId::parse(&text).unwrap();
        prop_assert_eq!((id.stream(), id.epoch(), id.seq()), (stream.as_str(), epoch, seq));
        prop_assert_eq!(id.to_string(), text);
    }

    #[test]
    fn any_text_parses_canonically_or_not_at_all(text in ".{0,80}|[0-9-]{0,60}|[a-z]{1,5}-[0-9]{1,25}-[0-9]{1,25}") {
        if let Ok(id) = EventId::parse(&text) {
            // One spelling per id: what parsed is exactly what the hub writes.
            prop_assert_eq!(id.to_string(), text);
        }
    }

    #[test]
    fn huge_numbers_are_malformed(stream in stream_name(), digits in "[1-9][0-9]{20,40}") {
        let seq_too_big = format!("{stream}-1-{digits}");
        let epoch_too_big = format!("{stream}-{digits}-1");
        prop_assert!(EventId::parse(&seq_too_big).is_err());
        prop_assert!(EventId::parse(&epoch_too_big).is_err());
        let epoch_out_of_range = format!("{stream}-{}-1", 1u64 << 40);
        prop_assert!(EventId::parse(&epoch_out_of_range).is_err());
    }
}

/// Resolution: in a scope with streams of its own, any client text, and every id of another
/// scope, is refused with a typed answer (never another scope's frames, never a panic).
#[test]
fn resolution_of_hostile_ids() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let hub = Hub::default();
    let mine = hub.scope("mine").unwrap();
    rt.block_on(async {
        let theirs = hub.scope("theirs").unwrap();
        let mut their_ids = Vec::new();
        for name in ["a", "b", "shared"] {
            their_ids.push(theirs.open(name).await.unwrap());
            for i in 0..3 {
                let data = i.to_string();
                let event = OutEvent::new().data(&data);
                their_ids.push(theirs.publish(name, &event).await.unwrap());
            }
        }
        mine.open("shared").await.unwrap();
        mine.publish("shared", &OutEvent::new().data("mine"))
            .await
            .unwrap();
        for id in &their_ids {
            let r = mine.resume(&id.to_string()).await;
            assert!(matches!(r, Err(ResumeError::UnknownStream)), "{id}: {r:?}");
        }
    });
    let mut runner = proptest::test_runner::TestRunner::default();
    let texts = ".{0,100}|shared-[0-9]{1,22}-[0-9]{1,22}|[a-z]-[0-9]{1,3}-[0-9]{1,3}";
    runner
        .run(&texts, |text| {
            match rt.block_on(mine.resume(&text)) {
                Ok(Resumed::Body(_)) => {
                    // Only an id of mine resolves.
                    let id = EventId::parse(&text).unwrap();
                    prop_assert_eq!(id.stream(), "shared");
                }
                Ok(Resumed::Complete) => prop_assert!(false, "nothing is closed"),
                Err(e) => prop_assert!([400, 404, 410].contains(&e.status())),
            }
            Ok(())
        })
        .unwrap();
}
