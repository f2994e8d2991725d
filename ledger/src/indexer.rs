//! The background indexer: sled writes happen on their own thread, after the
//! log's fdatasync has acknowledged the batch, so that indexing one batch
//! overlaps with preparing and syncing the next.
//!
//! **Invariant:** every read through the index first waits until the index
//! covers the records it needs ([`Indexer::wait`]); validation never waits,
//! because it consults the ledger's in-memory session overlays for what the
//! indexer may not have written yet.

use crate::index::Index;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

/// Index work run on the indexer thread.
pub(crate) type Work = Box<dyn FnOnce(&Index) -> sled::Result<()> + Send>;

/// A unit of index work: writes everything up to and including `through`.
pub(crate) struct Job {
    /// Seq the index covers once the job ran.
    pub through: u64,
    /// The work.
    pub work: Work,
}

#[derive(Default)]
struct State {
    through: u64,
    error: Option<String>,
}

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

impl Indexer {
    /// Starts the thread; the index already covers `through`.
    pub fn start(index: Index, through: u64) -> Indexer {
        // Two jobs in flight at most: backpressure keeps memory bounded.
        let (tx, rx) = sync_channel::<Job>(2);
        let state = Arc::new((
            Mutex::new(State {
                through,
                error: None,
            }),
            Condvar::new(),
        ));
        let st = Arc::clone(&state);
        let handle = std::thread::Builder::new()
            .name("slaledger-indexer".into())
            .spawn(move || {
                for job in rx {
                    let failed = st.0.lock().map(|s| s.error.is_some()).unwrap_or(true);
                    let result = if failed { Ok(()) } else { (job.work)(&index) };
                    if let Ok(mut s) = st.0.lock() {
                        match result {
                            Ok(()) if s.error.is_none() => s.through = job.through,
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

    /// Queues a job (blocks while two are pending).
    pub fn submit(&self, job: Job) -> Result<(), String> {
        self.error()?;
        match &self.tx {
            Some(tx) if self.handle.is_some() => tx
                .send(job)
                .map_err(|_| "the indexer thread stopped".to_owned()),
            _ => {
                // No thread could be started: index in the caller's thread.
                Err("the indexer thread could not be started".to_owned())
            }
        }
    }

    /// The first error the indexer met, if any.
    pub fn error(&self) -> Result<(), String> {
        match self.state.0.lock() {
            Ok(s) => s.error.clone().map_or(Ok(()), Err),
            Err(_) => Err("indexer state poisoned".into()),
        }
    }

    /// Waits until the index covers `seq` (or the indexer failed).
    pub fn wait(&self, seq: u64) -> Result<(), String> {
        let (lock, cv) = &*self.state;
        let mut s = lock
            .lock()
            .map_err(|_| "indexer state poisoned".to_owned())?;
        while s.through < seq && s.error.is_none() {
            s = cv
                .wait(s)
                .map_err(|_| "indexer state poisoned".to_owned())?;
        }
        s.error.clone().map_or(Ok(()), Err)
    }

    /// Sets the covered seq after a synchronous rebuild.
    pub fn reset(&self, through: u64) {
        if let Ok(mut s) = self.state.0.lock() {
            s.through = through;
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
