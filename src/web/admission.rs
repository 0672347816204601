//! Admission of heavy requests: an OAI-PMH page, a sitemap, a build of the
//! public dump each cost what hundreds of record pages do, and a harvester
//! asks for them back to back on many connections. They take turns here, so
//! a harvest running flat out cannot starve the reading room: pages,
//! searches, the API and files never pass this gate.
//!
//! Invariants:
//! - At most [`HeavyLimits::concurrent`] heavy requests do their work at
//!   once; the others wait their turn in arrival order.
//! - A request waits at most [`HeavyLimits::wait`], and at most
//!   [`HeavyLimits::queue`] requests wait at once; past either, it is
//!   refused before any work is done (503 with `Retry-After`, which OAI-PMH
//!   harvesters honour), never answered half-way.
//! - A turn is taken after the request has been read (a slow client sending
//!   its arguments holds no turn) and given back when the answer is built.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How many heavy requests run at once, and how long and how many wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeavyLimits {
    /// Heavy requests doing their work at once.
    pub concurrent: usize,
    /// Heavy requests waiting for a turn at once.
    pub queue: usize,
    /// The longest a heavy request waits for its turn.
    pub wait: Duration,
}

impl HeavyLimits {
    /// One heavy request per core (at least two), 256 waiting, for up to
    /// 30 seconds: a harvest keeps the cores busy, and a page still finds
    /// the runtime free between its pages.
    pub fn for_this_machine() -> HeavyLimits {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        HeavyLimits {
            concurrent: cores.max(2),
            queue: 256,
            wait: Duration::from_secs(30),
        }
    }
}

/// Why a heavy request was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// As many requests as may wait were waiting already.
    QueueFull,
    /// Its turn did not come within the wait.
    TimedOut,
}

impl Refusal {
    /// What the client is told.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::QueueFull => {
                "too many harvests and downloads are waiting; try again after the time Retry-After gives"
            }
            Refusal::TimedOut => {
                "harvests and downloads are busy; try again after the time Retry-After gives"
            }
        }
    }
}

/// The gate heavy requests pass.
#[derive(Debug)]
pub struct Heavy {
    limits: HeavyLimits,
    turns: Arc<Semaphore>,
    waiting: AtomicUsize,
    refused: AtomicU64,
}

/// A heavy request's turn: its work may run while this is held.
#[derive(Debug)]
pub struct Turn {
    _permit: OwnedSemaphorePermit,
}

/// Counts a waiting request out again, however its wait ends.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Heavy {
    /// A gate with these limits (at least one request at a time).
    pub fn new(limits: HeavyLimits) -> Heavy {
        Heavy {
            turns: Arc::new(Semaphore::new(limits.concurrent.max(1))),
            limits,
            waiting: AtomicUsize::new(0),
            refused: AtomicU64::new(0),
        }
    }

    /// Waits for a turn, or says why there is none.
    pub async fn admit(&self) -> Result<Turn, Refusal> {
        if let Ok(permit) = self.turns.clone().try_acquire_owned() {
            return Ok(Turn { _permit: permit });
        }
        let before = self.waiting.fetch_add(1, Ordering::SeqCst);
        let _counted = Waiting(&self.waiting);
        let outcome = if before >= self.limits.queue {
            Err(Refusal::QueueFull)
        } else {
            match tokio::time::timeout(self.limits.wait, self.turns.clone().acquire_owned()).await {
                Ok(Ok(permit)) => Ok(Turn { _permit: permit }),
                // The semaphore is never closed; a timeout is the only way.
                _ => Err(Refusal::TimedOut),
            }
        };
        if outcome.is_err() {
            self.refused.fetch_add(1, Ordering::Relaxed);
        }
        outcome
    }

    /// The seconds a refused client is asked to wait (`Retry-After`): a
    /// tenth of the longest wait, at least one.
    pub fn retry_after(&self) -> u64 {
        (self.limits.wait.as_secs() / 10).max(1)
    }

    /// Requests waiting for a turn now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Requests refused since the server started.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(queue: usize, wait_ms: u64) -> Arc<Heavy> {
        Arc::new(Heavy::new(HeavyLimits {
            concurrent: 1,
            queue,
            wait: Duration::from_millis(wait_ms),
        }))
    }

    #[tokio::test]
    async fn a_request_past_the_queue_is_refused_at_once() {
        let heavy = gate(0, 10_000);
        let turn = heavy.admit().await.unwrap();
        let started = std::time::Instant::now();
        assert_eq!(heavy.admit().await.unwrap_err(), Refusal::QueueFull);
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!((heavy.waiting(), heavy.refused()), (0, 1));
        drop(turn);
        assert!(heavy.admit().await.is_ok());
    }

    #[tokio::test]
    async fn a_waiting_request_gets_the_turn_given_back_or_times_out() {
        let heavy = gate(1, 200);
        let turn = heavy.admit().await.unwrap();
        assert_eq!(heavy.admit().await.unwrap_err(), Refusal::TimedOut);
        assert_eq!(heavy.waiting(), 0);
        // Given back while it waits: the waiting request runs.
        let waiter = {
            let heavy = heavy.clone();
            tokio::spawn(async move { heavy.admit().await.map(|_| ()) })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(heavy.waiting(), 1);
        // A second waiter finds the queue full.
        assert_eq!(heavy.admit().await.unwrap_err(), Refusal::QueueFull);
        drop(turn);
        assert_eq!(waiter.await.unwrap(), Ok(()));
        assert_eq!((heavy.waiting(), heavy.refused()), (0, 2));
    }

    #[test]
    fn retry_after_is_a_tenth_of_the_wait_and_never_zero() {
        assert_eq!(gate(1, 100).retry_after(), 1);
        assert_eq!(Heavy::new(HeavyLimits::for_this_machine()).retry_after(), 3);
    }
}
