//! The call budget every driver runs under.

use core::fmt::Debug;

/// Bounds the calls a driver makes, so that a decoder that never makes progress fails the test
/// (or the fuzz input) instead of hanging it: a decoder that stops making progress is a bug, not
/// a slow input. The SSE drivers of [`crate::sse`] also check that an error is followed by
/// progress when called again ([`Guard::record`], [`Guard::error`]); the others name no error
/// type (`Guard`, that is `Guard<()>`) and only count calls.
#[derive(Debug)]
pub(crate) struct Guard<E = ()> {
    calls: usize,
    limit: usize,
    last_error: Option<E>,
    same_error_in_a_row: usize,
}

impl<E: Clone + PartialEq + Debug> Guard<E> {
    /// A budget for feeding `total` bytes in `pieces` pieces.
    pub(crate) fn new(total: usize, pieces: usize) -> Self {
        Guard {
            calls: 0,
            limit: 4 * total + 4 * pieces + 64,
            last_error: None,
            same_error_in_a_row: 0,
        }
    }

    /// A budget for feeding these pieces.
    pub(crate) fn for_pieces(pieces: &[&[u8]]) -> Self {
        let total: usize = pieces.iter().map(|p| p.len()).sum();
        Guard::new(total, pieces.len())
    }

    /// Counts one call of `path`.
    ///
    /// # Panics
    ///
    /// Past the budget.
    pub(crate) fn call(&mut self, path: &str) {
        self.calls += 1;
        assert!(
            self.calls <= self.limit,
            "{path}: more than {} calls for this input: the decoder makes no progress",
            self.limit
        );
    }

    /// A call that made progress.
    pub(crate) fn ok(&mut self) {
        self.last_error = None;
        self.same_error_in_a_row = 0;
    }

    /// Records what one call of `path` gave: an item, or an error (after which calling again
    /// must go on).
    pub(crate) fn record<T>(
        &mut self,
        path: &str,
        items: &mut Vec<Result<T, E>>,
        result: Result<T, E>,
    ) {
        match result {
            Ok(item) => {
                self.ok();
                items.push(Ok(item));
            }
            Err(e) => {
                self.error(path, &e);
                items.push(Err(e));
            }
        }
    }

    /// A call that failed with `e`.
    ///
    /// # Panics
    ///
    /// When the same error comes back three times in a row: calling again must go on.
    pub(crate) fn error(&mut self, path: &str, e: &E) {
        if self.last_error.as_ref() == Some(e) {
            self.same_error_in_a_row += 1;
        } else {
            self.last_error = Some(e.clone());
            self.same_error_in_a_row = 1;
        }
        assert!(
            self.same_error_in_a_row < 3,
            "{path}: the same call keeps failing with {e:?}; calling again should go on"
        );
    }
}
