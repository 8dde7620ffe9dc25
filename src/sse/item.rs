use core::{fmt, time::Duration};

use crate::Str;

/// A decoded item borrowing from the input (and from the decoder).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ItemRef<'a> {
    /// A dispatched event.
    Event(EventRef<'a>),
    /// A comment line's text after the `:` (nothing stripped). Browsers ignore comments;
    /// servers send them as keep-alives. See [`Decoder::comments`](super::Decoder::comments).
    Comment(&'a str),
    /// A block that dispatched no event (it had no `data` line) but set the last event ID, the
    /// reconnection time, or both. Readers fire nothing for it, but it changes what they send
    /// when they reconnect, so a relay must pass it on (see [`Control`]).
    Control(ControlRef<'a>),
}

/// A dispatched event, borrowing from the input (and from the decoder).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct EventRef<'a> {
    pub(super) event_type: &'a str,
    pub(super) data: &'a str,
    pub(super) id: &'a str,
    pub(super) retry: Option<Duration>,
    pub(super) id_set: bool,
    pub(super) retry_set: bool,
}

impl<'a> EventRef<'a> {
    /// The event type: the last `event` field's value, or `"message"` when there was none or it
    /// was empty.
    #[must_use]
    pub fn event_type(&self) -> &'a str {
        self.event_type
    }

    /// The data: the `data` lines joined with LF.
    #[must_use]
    pub fn data(&self) -> &'a str {
        self.data
    }

    /// The last event ID in force when the event was dispatched (empty when none was set).
    ///
    /// See [`Event::id`] for ids that cannot be sent back as a `Last-Event-ID` header.
    #[must_use]
    pub fn id(&self) -> &'a str {
        self.id
    }

    /// The reconnection time in force when the event was dispatched, if the stream set one.
    #[must_use]
    pub fn retry(&self) -> Option<Duration> {
        self.retry
    }

    /// The value of the event's own `id` field: `None` when it had none (its [`id`](Self::id)
    /// was inherited from an earlier block), `Some("")` when an empty `id` field reset the last
    /// event ID. A relay needs this to re-send the stream exactly.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use sse_wire::sse::{BytesDecoder, Item};
    ///
    /// let mut decoder = BytesDecoder::new();
    /// decoder.push(Bytes::from_static(b"id: 5\ndata: a\n\ndata: b\n\nid:\ndata: c\n\n"));
    /// let fields: Vec<_> = (&mut decoder)
    ///     .map(|item| match item.unwrap() {
    ///         Item::Event(e) => (e.id().to_owned(), e.as_ref().id_field().map(str::to_owned)),
    ///         _ => unreachable!(),
    ///     })
    ///     .collect();
    /// assert_eq!(fields, [
    ///     ("5".into(), Some("5".into())),
    ///     ("5".into(), None),
    ///     ("".into(), Some("".into())),
    /// ]);
    /// ```
    #[must_use]
    pub fn id_field(&self) -> Option<&'a str> {
        self.id_set.then_some(self.id)
    }

    /// The reconnection time the event's own `retry` field set, if it had a valid one.
    #[must_use]
    pub fn retry_field(&self) -> Option<Duration> {
        self.retry.filter(|_| self.retry_set)
    }

    /// Copies the event into an owned [`Event`].
    #[must_use]
    pub fn into_owned(self) -> Event {
        Event {
            event_type: event_type_of(self.event_type),
            data: Str::from(self.data),
            id: (!self.id.is_empty()).then(|| Str::from(self.id)),
            retry: self.retry,
            id_set: self.id_set,
            retry_set: self.retry_set,
        }
    }
}

impl fmt::Debug for EventRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventRef")
            .field("event_type", &self.event_type)
            .field("data", &self.data)
            .field("id", &self.id)
            .field("retry", &self.retry)
            .field("id_field", &self.id_set)
            .field("retry_field", &self.retry_set)
            .finish()
    }
}

/// A block without data that set the last event ID or the reconnection time, borrowing from the
/// decoder; see [`Control`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlRef<'a> {
    pub(super) id: &'a str,
    pub(super) retry: Option<Duration>,
    pub(super) id_set: bool,
    pub(super) retry_set: bool,
}

impl<'a> ControlRef<'a> {
    /// The last event ID now in force.
    #[must_use]
    pub fn id(&self) -> &'a str {
        self.id
    }

    /// The reconnection time now in force.
    #[must_use]
    pub fn retry(&self) -> Option<Duration> {
        self.retry
    }

    /// The block's own `id` field, if it had one (`Some("")`: the last event ID was reset).
    #[must_use]
    pub fn id_field(&self) -> Option<&'a str> {
        self.id_set.then_some(self.id)
    }

    /// The reconnection time the block's `retry` field set, if it had a valid one.
    #[must_use]
    pub fn retry_field(&self) -> Option<Duration> {
        self.retry.filter(|_| self.retry_set)
    }

    /// Copies it into an owned [`Control`].
    #[must_use]
    pub fn into_owned(self) -> Control {
        Control {
            id: Str::from(self.id),
            retry: self.retry,
            id_set: self.id_set,
            retry_set: self.retry_set,
        }
    }
}

/// A block that dispatched no event, because it had no `data` line, but whose `id` or `retry`
/// field changed the reader's state: the last event ID (WHATWG SSE, "dispatch the event", step
/// 1 runs before the empty-data check) or the reconnection time.
///
/// Readers fire no event for it, yet it decides the `Last-Event-ID` they send and how long they
/// wait when they reconnect. A relay passes it on as it came: [`OutEvent::from`] writes the same
/// fields and a blank line, which dispatches nothing downstream either.
///
/// ```
/// use bytes::Bytes;
/// use sse_wire::sse::{BytesDecoder, Encoder, Item, OutEvent};
///
/// let mut decoder = BytesDecoder::new();
/// decoder.push(Bytes::from_static(b"retry: 2500\n\nid: 7\ndata: a\n\nid\n\n"));
/// let mut relayed = Vec::new();
/// for item in &mut decoder {
///     match item? {
///         Item::Event(event) => Encoder::new().encode(&OutEvent::from(event.as_ref()), &mut relayed)?,
///         Item::Control(control) => Encoder::new().encode(&OutEvent::from(control.as_ref()), &mut relayed)?,
///         _ => {}
///     }
/// }
/// assert_eq!(relayed, b"retry: 2500\n\nid: 7\ndata: a\n\nid: \n\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// [`OutEvent::from`]: super::OutEvent
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control {
    pub(super) id: Str,
    pub(super) retry: Option<Duration>,
    pub(super) id_set: bool,
    pub(super) retry_set: bool,
}

impl Control {
    /// The borrowed view, through which the block is read ([`id`](ControlRef::id),
    /// [`retry`](ControlRef::retry), [`id_field`](ControlRef::id_field),
    /// [`retry_field`](ControlRef::retry_field)) and handed to the consumers that take views
    /// ([`OutEvent::from`](super::OutEvent)).
    #[must_use]
    pub fn as_ref(&self) -> ControlRef<'_> {
        ControlRef {
            id: &self.id,
            retry: self.retry,
            id_set: self.id_set,
            retry_set: self.retry_set,
        }
    }
}

/// A decoded item that owns its text (shared, reference-counted [`Str`]s).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Item {
    /// A dispatched event.
    Event(Event),
    /// A comment line's text after the `:` (nothing stripped).
    Comment(Str),
    /// A block without data that set the last event ID or the reconnection time.
    Control(Control),
}

/// A dispatched event that owns its fields.
///
/// Each field is a [`Str`]; when the field arrived as one line of an owned input buffer it is a
/// slice of that buffer, not a copy.
#[derive(Clone, PartialEq, Eq)]
pub struct Event {
    /// `None` for `message` (never `Some("message")`, so that equality is equality of meaning).
    pub(super) event_type: Option<Str>,
    pub(super) data: Str,
    /// `None` for the empty id (never `Some("")`).
    pub(super) id: Option<Str>,
    pub(super) retry: Option<Duration>,
    pub(super) id_set: bool,
    pub(super) retry_set: bool,
}

impl Event {
    /// The event type: the last `event` field's value, or `"message"` when there was none or it
    /// was empty.
    #[must_use]
    pub fn event_type(&self) -> &str {
        self.event_type.as_deref().unwrap_or(MESSAGE)
    }

    /// The data: the `data` lines joined with LF.
    #[must_use]
    pub fn data(&self) -> &str {
        &self.data
    }

    /// The last event ID in force when the event was dispatched (empty when none was set).
    ///
    /// The standard keeps any id without NUL, but an id holding other control bytes (U+0001 to
    /// U+0008, U+000A to U+001F, U+007F) cannot be sent back as a `Last-Event-ID` header value:
    /// browsers keep such an id and then fail to reconnect, and this crate's encoder refuses to
    /// write one ([`EncodeError::ControlInId`](super::EncodeError::ControlInId)).
    #[must_use]
    pub fn id(&self) -> &str {
        self.id.as_deref().unwrap_or("")
    }

    /// The reconnection time in force when the event was dispatched, if the stream set one.
    #[must_use]
    pub fn retry(&self) -> Option<Duration> {
        self.retry
    }

    /// The borrowed view, for what the views alone offer ([`id_field`](EventRef::id_field),
    /// [`retry_field`](EventRef::retry_field)) and the consumers that take views
    /// ([`Signals::judge`](crate::outcome::Signals::judge),
    /// [`OutEvent::from`](super::OutEvent)).
    #[must_use]
    pub fn as_ref(&self) -> EventRef<'_> {
        EventRef {
            event_type: self.event_type(),
            data: &self.data,
            id: self.id(),
            retry: self.retry,
            id_set: self.id_set,
            retry_set: self.retry_set,
        }
    }

    /// The data as a shared [`Str`] (no copy).
    #[must_use]
    pub fn data_str(&self) -> &Str {
        &self.data
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("event_type", &self.event_type())
            .field("data", &&*self.data)
            .field("id", &self.id())
            .field("retry", &self.retry)
            .field("id_field", &self.id_set)
            .field("retry_field", &self.retry_set)
            .finish()
    }
}

pub(super) const MESSAGE: &str = "message";

/// An event type as [`Event`] keeps it: `None` for `message`.
pub(super) fn event_type_of(s: &str) -> Option<Str> {
    (!s.is_empty() && s != MESSAGE).then(|| Str::from(s))
}
