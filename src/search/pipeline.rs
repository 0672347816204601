//! The bounded pipeline into the index writer.
//!
//! tantivy's writer queues up to 10,000 documents for its indexing threads,
//! whatever their size. Staging runs faster than indexing, so a batch of
//! long articles used to sit in that queue whole: some 120 MB of documents
//! for the 4,000 records of the shared corpus. Here every document carries a
//! [`Ticket`] for its estimated size, and staging waits while the tickets
//! out hold more than [`Pipeline::LIMIT`] bytes. A ticket is given back when
//! an indexing thread has indexed its document and drops it.
//!
//! Invariants: the bytes out never exceed the limit, except by one document
//! larger than the limit alone (admitted when nothing else is out); a
//! staging that sees no ticket come back for [`Pipeline::PATIENCE`] goes on
//! rather than waiting for ever (an indexing thread that failed).

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use tantivy::TantivyDocument;
use tantivy::schema::document::Document;

/// The bytes of documents staged and not yet indexed, and the signal that
/// some came back.
#[derive(Default)]
pub(super) struct Pipeline {
    out: Mutex<usize>,
    returned: Condvar,
}

impl Pipeline {
    /// Bytes of documents that may wait for the indexing threads at once.
    pub const LIMIT: usize = 8 * 1024 * 1024;
    /// How long staging waits for a ticket to come back before going on.
    pub const PATIENCE: Duration = Duration::from_secs(30);

    /// A ticket for a document of `bytes`, once there is room for it.
    pub fn admit(self: &Arc<Self>, bytes: usize) -> Ticket {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        while *out > 0 && *out + bytes > Self::LIMIT {
            let (guard, waited) = self
                .returned
                .wait_timeout(out, Self::PATIENCE)
                .unwrap_or_else(|p| p.into_inner());
            out = guard;
            if waited.timed_out() {
                break;
            }
        }
        *out += bytes;
        Ticket {
            pipeline: self.clone(),
            bytes,
        }
    }

    /// Bytes out now.
    #[cfg(test)]
    fn out(&self) -> usize {
        *self.out.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A document's place in the pipeline, given back when dropped.
pub(super) struct Ticket {
    pipeline: Arc<Pipeline>,
    bytes: usize,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut out = self.pipeline.out.lock().unwrap_or_else(|p| p.into_inner());
        *out = out.saturating_sub(self.bytes);
        self.pipeline.returned.notify_all();
    }
}

/// A document with its ticket: what the writer queues. The indexing thread
/// drops it, ticket and all, once it has indexed it.
pub(super) struct Queued {
    pub doc: TantivyDocument,
    /// Held, not read: dropped with the document.
    pub _ticket: Ticket,
}

impl Document for Queued {
    type Value<'a> = <TantivyDocument as Document>::Value<'a>;
    type FieldsValuesIter<'a> = <TantivyDocument as Document>::FieldsValuesIter<'a>;

    fn iter_fields_and_values(&self) -> Self::FieldsValuesIter<'_> {
        self.doc.iter_fields_and_values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_waits_for_room_and_a_ticket_returned_makes_it() {
        let pipeline = Arc::new(Pipeline::default());
        let first = pipeline.admit(Pipeline::LIMIT - 10);
        let (sent, received) = std::sync::mpsc::channel();
        let waiting = {
            let pipeline = pipeline.clone();
            std::thread::spawn(move || {
                let second = pipeline.admit(100);
                sent.send(()).unwrap();
                second
            })
        };
        // No room: the second waits.
        assert!(received.recv_timeout(Duration::from_millis(200)).is_err());
        assert_eq!(pipeline.out(), Pipeline::LIMIT - 10);
        drop(first);
        received.recv_timeout(Duration::from_secs(5)).unwrap();
        let second = waiting.join().unwrap();
        assert_eq!(pipeline.out(), 100);
        drop(second);
        assert_eq!(pipeline.out(), 0);
    }

    #[test]
    fn a_document_larger_than_the_limit_goes_alone() {
        let pipeline = Arc::new(Pipeline::default());
        let big = pipeline.admit(Pipeline::LIMIT * 2);
        assert_eq!(pipeline.out(), Pipeline::LIMIT * 2);
        drop(big);
        assert_eq!(pipeline.out(), 0);
    }
}
