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

/// How long the indexer gathers small batches before one sled write, unless a
/// reader asks for the index or enough records are queued. sled issues a
/// `sync_file_range` for every buffer it writes, so one write per tiny batch
/// would compete with the log's fdatasync for the disk.
const GATHER: std::time::Duration = std::time::Duration::from_millis(20);

/// Records that end the gathering early.
const GATHER_RECORDS: u64 = 8192;

/// A message to the indexer thread.
enum Msg {
    /// Index a batch.
    Job(Job),
    /// A reader waits: write what is gathered now.
    Flush,
}

/// A handle on the indexer thread.
pub(crate) struct Indexer {
    tx: Option<SyncSender<Msg>>,
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
        let (tx, rx) = sync_channel::<Msg>(4096);
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
                let mut open = true;
                while open {
                    let mut jobs = Vec::new();
                    match rx.recv() {
                        Ok(Msg::Job(j)) => jobs.push(j),
                        Ok(Msg::Flush) => continue,
                        Err(_) => break,
                    }
                    // Gather more small batches into the same sled write.
                    let deadline = std::time::Instant::now() + GATHER;
                    let mut records: u64 = jobs[0].records;
                    while records < GATHER_RECORDS {
                        let left = deadline.saturating_duration_since(std::time::Instant::now());
                        match rx.recv_timeout(left) {
                            Ok(Msg::Job(j)) => {
                                records += j.records;
                                jobs.push(j);
                            }
                            Ok(Msg::Flush) | Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                                break
                            }
                            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                                open = false;
                                break;
                            }
                        }
                    }
                    let head = jobs[jobs.len() - 1].head;
                    let failed = st.0.lock().map(|s| s.error.is_some()).unwrap_or(true);
                    let result = if failed {
                        Ok(())
                    } else {
                        // A panic here must not leave readers waiting for a
                        // thread that is gone: it becomes the indexer's error.
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            let writes: Vec<GroupWrites> =
                                jobs.into_iter().flat_map(|j| (j.work)()).collect();
                            index.apply(writes, head).map_err(|e| e.to_string())
                        }))
                        .unwrap_or_else(|_| Err("the indexer thread panicked".to_owned()))
                    };
                    if let Ok(mut s) = st.0.lock() {
                        s.pending = s.pending.saturating_sub(records);
                        match result {
                            Ok(()) if s.error.is_none() => s.through = head.seq,
                            Ok(()) => {}
                            Err(e) => s.error = Some(e),
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
        tx.send(Msg::Job(job))
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
        if s.through < seq && s.error.is_none() {
            // Do not let a reader sit out the gathering window.
            if let Some(tx) = &self.tx {
                let _ = tx.try_send(Msg::Flush);
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn job(seq: u64, work: Work) -> Job {
        Job {
            head: ChainHead { seq, hash: [0; 32] },
            records: 1,
            work,
        }
    }

    #[test]
    fn a_panic_while_indexing_fails_the_waiting_reader_instead_of_hanging_it() {
        let tmp = tempfile::tempdir().unwrap();
        let index = Index::open(&tmp.path().join("index")).unwrap();
        let indexer = Indexer::start(index, 0);
        indexer.submit(job(1, Box::new(Vec::new))).unwrap();
        assert_eq!(indexer.wait(1), Ok(()));
        indexer
            .submit(job(2, Box::new(|| panic!("a defect in the index writes"))))
            .unwrap();
        let err = indexer.wait(2).unwrap_err();
        assert!(err.contains("panicked"), "{err}");
        // Later work is refused with the same error, never silently dropped.
        assert!(indexer.submit(job(3, Box::new(Vec::new))).is_err());
        assert!(indexer.error().is_err());
    }
}
