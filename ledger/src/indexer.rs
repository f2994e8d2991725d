//! The background indexer: sled writes happen on their own thread, after the
//! log's fdatasync has acknowledged the batch, so that indexing one batch
//! overlaps with preparing and syncing the next, and many small batches are
//! merged into one sled write.
//!
//! **Invariant:** every read through the index first waits until the index
//! covers the records it needs ([`Indexer::wait`]); validation never waits,
//! because it consults the ledger's in-memory session overlays for what the
//! indexer may not have written yet.

use crate::chain::ChainHead;
use crate::index::{GroupWrites, Index};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

/// Index work run on the indexer thread: computes a batch's writes (and
/// drops the batch's events there, off the appending thread).
pub(crate) type Work = Box<dyn FnOnce() -> Vec<GroupWrites> + Send>;

/// A unit of index work: writes everything up to and including `head`.
pub(crate) struct Job {
    /// The head the index covers once the job ran.
    pub head: ChainHead,
    /// Records in the job (for backpressure).
    pub records: u64,
    /// The work.
    pub work: Work,
}

#[derive(Default)]
struct State {
    through: u64,
    /// Records submitted but not yet indexed.
    pending: u64,
    error: Option<String>,
}

/// Most records queued for the indexer before `submit` waits.
const MAX_PENDING: u64 = 50_000;

/// A handle on the indexer thread.
pub(crate) struct Indexer {
    tx: Option<SyncSender<Job>>,
    state: Arc<(Mutex<State>, Condvar)>,
    handle: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Indexer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Indexer")
    }
}

const POISONED: &str = "indexer state poisoned";

impl Indexer {
    /// Starts the thread; the index already covers `through`.
    pub fn start(index: Index, through: u64) -> Indexer {
        // Backpressure is by pending records (see `submit`); the channel is
        // only the queue.
        let (tx, rx) = sync_channel::<Job>(4096);
        let state = Arc::new((
            Mutex::new(State {
                through,
                pending: 0,
                error: None,
            }),
            Condvar::new(),
        ));
        let st = Arc::clone(&state);
        let handle = std::thread::Builder::new()
            .name("slaledger-indexer".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    // Merge everything queued meanwhile into one sled write.
                    let mut jobs = vec![first];
                    while let Ok(more) = rx.try_recv() {
                        jobs.push(more);
                    }
                    let head = jobs[jobs.len() - 1].head;
                    let records: u64 = jobs.iter().map(|j| j.records).sum();
                    let failed = st.0.lock().map(|s| s.error.is_some()).unwrap_or(true);
                    let result = if failed {
                        Ok(())
                    } else {
                        let writes: Vec<GroupWrites> =
                            jobs.into_iter().flat_map(|j| (j.work)()).collect();
                        index.apply(writes, head)
                    };
                    if let Ok(mut s) = st.0.lock() {
                        s.pending = s.pending.saturating_sub(records);
                        match result {
                            Ok(()) if s.error.is_none() => s.through = head.seq,
                            Ok(()) => {}
                            Err(e) => s.error = Some(e.to_string()),
                        }
                    }
                    st.1.notify_all();
                }
            })
            .ok();
        Indexer {
            tx: Some(tx),
            state,
            handle,
        }
    }

    /// Queues a job; waits while more than `MAX_PENDING` records are queued.
    pub fn submit(&self, job: Job) -> Result<(), String> {
        let Some(tx) = self.tx.as_ref().filter(|_| self.handle.is_some()) else {
            return Err("the indexer thread could not be started".to_owned());
        };
        {
            let (lock, cv) = &*self.state;
            let mut s = lock.lock().map_err(|_| POISONED.to_owned())?;
            while s.pending > MAX_PENDING && s.error.is_none() {
                s = cv.wait(s).map_err(|_| POISONED.to_owned())?;
            }
            if let Some(e) = &s.error {
                return Err(e.clone());
            }
            s.pending += job.records;
        }
        tx.send(job)
            .map_err(|_| "the indexer thread stopped".to_owned())
    }

    /// The first error the indexer met, if any.
    pub fn error(&self) -> Result<(), String> {
        match self.state.0.lock() {
            Ok(s) => s.error.clone().map_or(Ok(()), Err),
            Err(_) => Err(POISONED.into()),
        }
    }

    /// Waits until the index covers `seq` (or the indexer failed).
    pub fn wait(&self, seq: u64) -> Result<(), String> {
        let (lock, cv) = &*self.state;
        let mut s = lock.lock().map_err(|_| POISONED.to_owned())?;
        while s.through < seq && s.error.is_none() {
            s = cv.wait(s).map_err(|_| POISONED.to_owned())?;
        }
        s.error.clone().map_or(Ok(()), Err)
    }

    /// Sets the covered seq after a synchronous rebuild.
    pub fn reset(&self, through: u64) {
        if let Ok(mut s) = self.state.0.lock() {
            s.through = through;
            s.pending = 0;
            s.error = None;
        }
    }
}

impl Drop for Indexer {
    fn drop(&mut self) {
        // Closing the channel ends the thread after the queued jobs, so an
        // orderly exit leaves the index complete.
        self.tx.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
