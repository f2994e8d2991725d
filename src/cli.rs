//! Command-line arguments, in two steps (ripgrep style): the clap structs as
//! typed, then validated forms that the commands use.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use slaledger_ledger::event::{Actor, StoredEvent};
use slaledger_ledger::store::{Ledger, ReadError};
use slaledger_ledger::time::Instant;
use slaledger_ledger::vocab::Party;
use std::path::PathBuf;

/// Event-sourced, hash-chained compliance ledger for Danish public-sector
/// IT-operations SLAs.
#[derive(Debug, Parser)]
#[command(name = "slaledger", version, about)]
pub struct Cli {
    /// Ledger directory.
    #[arg(
        long,
        global = true,
        env = "SLALEDGER_DIR",
        default_value = "ledger-data"
    )]
    pub ledger: PathBuf,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the ledger if needed and record a stream's rule set as its first event.
    Init {
        /// Rule-set file (TOML, or JSON with a .json extension).
        #[arg(long)]
        rules: PathBuf,
        /// Who records it, as PARTY:IDENTITY.
        #[arg(long, default_value = "supplier:slaledger-cli")]
        actor: String,
    },
    /// Append a JSON Lines file (or `-` for stdin) as one atomic batch.
    Append {
        /// Input file, or `-`.
        #[arg(default_value = "-")]
        file: PathBuf,
        /// Refuse unless the ledger head is still SEQ:HASH.
        #[arg(long)]
        expect_head: Option<String>,
        /// Sign every unsigned event of the batch with this private key
        /// (the actor's; see `[signatures]` in docs/RULES.md).
        #[arg(long, value_name = "KEY")]
        sign: Option<PathBuf>,
    },
    /// Print events as JSON Lines.
    Log(LogArgs),
    /// Print the chain head (SEQ:HASH) and the streams.
    Head,
    /// Recompute the whole chain and check the index; exit 0 only if all holds.
    Verify {
        /// Also prove the ledger still contains this head (SEQ:HASH).
        #[arg(long)]
        expect_head: Option<String>,
    },
    /// Rebuild the sled index from the log.
    Reindex,
    /// Compute a month's service figures, points and bod (SPEC §8).
    Report(ReportArgs),
    /// Replay a month (SPEC §9): as of an instant, under policy overrides;
    /// re-perform a report file (`--check`) or compare with one (`--against`).
    Replay(ReplayArgs),
    /// Compare two month reports and explain the differences (SPEC §9.5).
    Diff {
        /// Report A (JSON file).
        a: PathBuf,
        /// Report B (JSON file).
        b: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
        format: ReportFormat,
    },
    /// A month's disputes: their history, the reported figures, each party's
    /// latest claim replayed, the settlement, and the diffs (SPEC §9.6).
    Dispute {
        /// `show`.
        #[command(subcommand)]
        what: DisputeCmd,
    },
    /// Projection state at month starts: create, list, verify, prune (issue 6).
    Snapshot {
        /// What to do.
        #[command(subcommand)]
        what: SnapshotCmd,
    },
    /// Ed25519 keys for checkpoints and cosignatures (C2SP note format).
    Key {
        /// What to do.
        #[command(subcommand)]
        what: KeyCmd,
    },
    /// Signed checkpoints of the ledger's Merkle tree (C2SP tlog-checkpoint):
    /// create, cosign, list.
    Checkpoint {
        /// What to do.
        #[command(subcommand)]
        what: CheckpointCmd,
    },
    /// Inclusion and consistency proofs against checkpoints.
    Prove {
        /// What to prove.
        #[command(subcommand)]
        what: ProveCmd,
    },
    /// Check a proof file offline with trusted verifier keys; exit 0 only if
    /// it holds.
    VerifyProof {
        /// Proof file (tlog-proof for inclusion, JSON for consistency).
        file: PathBuf,
        /// Trusted verifier key, or a file of them (repeatable).
        #[arg(long = "key", required = true)]
        keys: Vec<String>,
        /// With a report receipt: the report file it must bind.
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// ISAE 3402 evidence packs: export a period for an auditor, verify one
    /// offline.
    Evidence {
        /// What to do.
        #[command(subcommand)]
        what: EvidenceCmd,
    },
    /// Run the bundled example end to end in a scratch ledger.
    Demo {
        /// Keep the demo ledger in this directory (default: a temporary one).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Measure append and verify throughput against the raw limits.
    Bench(BenchArgs),
}

/// Output format of `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Canonical JSON (SPEC §8.6), byte-identical across runs.
    Json,
    /// Markdown derived from the JSON (breaches only).
    Md,
}

/// `report` arguments.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Month, YYYY-MM: the monthly report (SPEC §8).
    #[arg(long, required_unless_present_any = ["quarter", "period_from"], conflicts_with_all = ["quarter", "period_from"])]
    pub month: Option<String>,
    /// Calendar quarter, YYYY-Qn: the quarterly report (SPEC §7).
    #[arg(long, conflicts_with = "period_from")]
    pub quarter: Option<String>,
    /// First month of a three-month period, YYYY-MM: the quarterly report
    /// for periods that are not calendar quarters (the VDX report's May-July).
    #[arg(long)]
    pub period_from: Option<String>,
    /// Stream (may be left out when the ledger has only one).
    #[arg(long)]
    pub stream: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Json)]
    pub format: ReportFormat,
    /// Evaluation time (RFC 3339): running clocks and missing reports are
    /// judged at this instant. Default: the `recorded_at` of the ledger head,
    /// so the same ledger always gives the same report.
    #[arg(long)]
    pub at: Option<String>,
    /// Snapshots and receipts.
    #[command(flatten)]
    pub output: ReportOutput,
}

/// `snapshot` subcommands.
#[derive(Debug, Subcommand)]
pub enum SnapshotCmd {
    /// Write snapshots: for one month at the head (`--month`), or for every
    /// month that started in ledger time, each at the last record recorded
    /// before the month began (`--all`).
    Create {
        /// The first month the snapshot serves, YYYY-MM: the state at the
        /// current head, for this month and later.
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        month: Option<String>,
        /// Every month start in ledger time.
        #[arg(long)]
        all: bool,
        /// Only this stream (default: every stream).
        #[arg(long)]
        stream: Option<String>,
    },
    /// List the snapshots with their binding and whether it still holds.
    List,
    /// Recompute every snapshot from the start of the ledger and compare
    /// bytes; exit 0 only if all match.
    Verify,
    /// Delete snapshots that are not valid for this ledger (damaged, old
    /// schema, other chain); with --superseded also all but the newest per
    /// stream and month.
    Prune {
        /// Also delete older snapshots of the same stream and month.
        #[arg(long)]
        superseded: bool,
    },
    /// Show or set the snapshot settings.
    Config {
        /// Create snapshots automatically when an append starts a new month
        /// of ledger time.
        #[arg(long, value_parser = ["on", "off"])]
        auto: Option<String>,
    },
}

/// `key` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeyCmd {
    /// Generate an Ed25519 key: the private key to FILE (mode 0600), the
    /// verifier keys to FILE.pub.
    Generate {
        /// Key name, e.g. `kunde.example/kontrol` (no spaces, no `+`).
        #[arg(long)]
        name: String,
        /// Private key file (never overwritten).
        #[arg(long)]
        out: PathBuf,
    },
}

/// `checkpoint` subcommands.
#[derive(Debug, Subcommand)]
pub enum CheckpointCmd {
    /// Sign a checkpoint of the tree at the head, store and print it.
    Create {
        /// Private key file.
        #[arg(long)]
        key: PathBuf,
        /// Origin line (fixed by the ledger's first checkpoint).
        #[arg(long)]
        origin: Option<String>,
        /// Write the note here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Add a cosignature to a checkpoint this ledger holds (same root at
    /// that size), store it and write it back.
    Cosign {
        /// Checkpoint note file.
        note: PathBuf,
        /// Private key file.
        #[arg(long)]
        key: PathBuf,
        /// Cosignature time, POSIX seconds (default: now).
        #[arg(long)]
        time: Option<u64>,
        /// Write the cosigned note here (default: back to NOTE).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// List the stored checkpoints and their signers.
    List,
    /// Seal a month: a checkpoint of the tree at the head with the line
    /// `slaledger-seal YYYY-MM`, once the month has ended in ledger time and
    /// the grace period has passed. Both parties sign it (`cosign`); facts
    /// about the month recorded later show in `seal-status`.
    Seal {
        /// Month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// Private key file.
        #[arg(long)]
        key: PathBuf,
        /// Calendar days after the month's end before it may be sealed.
        #[arg(long, default_value_t = 10)]
        grace_days: u32,
        /// Write the note here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// A month's seal: its tree size, who signed it, whether this ledger
    /// still holds it, and the events about the month recorded after it.
    SealStatus {
        /// Month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// Only this stream's events (default: all streams).
        #[arg(long)]
        stream: Option<String>,
    },
}

/// `evidence` subcommands.
#[derive(Debug, Subcommand)]
pub enum EvidenceCmd {
    /// Write the period's events, reports, rule sets, checkpoints and
    /// proofs, with a signed manifest, to a new directory.
    Export {
        /// First month, YYYY-MM.
        #[arg(long)]
        from: String,
        /// Last month, YYYY-MM.
        #[arg(long)]
        to: String,
        /// Output directory (new or empty).
        #[arg(long)]
        out: PathBuf,
        /// The exporter's private key (signs the checkpoint and manifest).
        #[arg(long)]
        key: PathBuf,
        /// Stream (may be left out when the ledger has only one).
        #[arg(long)]
        stream: Option<String>,
        /// Evaluation time of the reports (default: the head's recorded_at).
        #[arg(long)]
        at: Option<String>,
    },
    /// Check every hash, signature and proof of a pack and recompute its
    /// reports, offline; print a pass / fail table; exit 0 only if all pass.
    Verify {
        /// The pack.
        dir: PathBuf,
        /// Trusted verifier key, or a file of them (repeatable).
        #[arg(long = "key", required = true)]
        keys: Vec<String>,
    },
}

/// `prove` subcommands.
#[derive(Debug, Subcommand)]
pub enum ProveCmd {
    /// Prove that record SEQ is in a checkpoint's tree (c2sp.org/tlog-proof).
    Inclusion {
        /// Ledger sequence number.
        #[arg(long)]
        seq: u64,
        /// Checkpoint note (default: the smallest stored one that covers SEQ).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// Write the proof here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Prove that the tree of the newer checkpoint extends the older one.
    Consistency {
        /// Older checkpoint note.
        #[arg(long)]
        old: PathBuf,
        /// Newer checkpoint note.
        #[arg(long)]
        new: PathBuf,
        /// Write the proof here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// `dispute` subcommands.
#[derive(Debug, Subcommand)]
pub enum DisputeCmd {
    /// Print the history of the disputes about a month.
    Show {
        /// Month, YYYY-MM.
        month: String,
        /// Stream (may be left out when the ledger has only one).
        #[arg(long)]
        stream: Option<String>,
        /// Evaluation time of every replay (RFC 3339; default: each report's own).
        #[arg(long)]
        at: Option<String>,
    },
}

/// `replay` arguments.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Month, YYYY-MM (not with --check, which reads it from the report).
    #[arg(long, required_unless_present = "check")]
    pub month: Option<String>,
    /// Stream (may be left out when the ledger has only one).
    #[arg(long)]
    pub stream: Option<String>,
    /// Only events recorded at or before this instant (RFC 3339) exist for
    /// the replay; the evaluation time defaults to it.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Evaluation time (RFC 3339); with --as-of never earlier than it.
    #[arg(long)]
    pub at: Option<String>,
    /// Assumed events for this replay only (JSON Lines, validated like
    /// `append`, never written): one party's version of the facts.
    #[arg(long, value_name = "FILE")]
    pub assume: Option<PathBuf>,
    /// Override a policy for this replay only: NAME=VALUE (repeatable).
    #[arg(long = "policy", value_name = "NAME=VALUE")]
    pub policies: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Json)]
    pub format: ReportFormat,
    /// Recompute this report from the inputs its header names and confirm
    /// byte equality (exit 0), or show the diff (exit 1).
    /// (With --check, give the overlay file the report was computed with.)
    #[arg(long, conflicts_with_all = ["month", "as_of", "at", "policies", "against"])]
    pub check: Option<PathBuf>,
    /// Print the diff from this report (A) to the replay (B) instead.
    #[arg(long)]
    pub against: Option<PathBuf>,
    /// Print the stepwise attribution of the overlay instead (SPEC §9.5):
    /// its policies one at a time, then its assumed events.
    #[arg(long, conflicts_with_all = ["against", "check"])]
    pub stepwise: bool,
    /// Snapshots and receipts.
    #[command(flatten)]
    pub output: ReportOutput,
}

/// How `report` and `replay` read the stream and whether they sign a receipt.
#[derive(Debug, Args)]
pub struct ReportOutput {
    /// Read the stream from the ledger's first record, not from a snapshot
    /// (the report is the same bytes; this is slower).
    #[arg(long)]
    pub no_snapshots: bool,
    /// Sign a receipt for the report with this private key (issue 7).
    #[arg(long, requires = "receipt")]
    pub sign: Option<PathBuf>,
    /// Where the signed receipt goes (with --sign).
    #[arg(long, requires = "sign")]
    pub receipt: Option<PathBuf>,
}

/// `log` filters.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only this stream.
    #[arg(long)]
    pub stream: Option<String>,
    /// Only this kind.
    #[arg(long)]
    pub kind: Option<String>,
    /// Only events that occurred at or after this instant (RFC 3339).
    #[arg(long)]
    pub from: Option<String>,
    /// Only events that occurred before this instant (RFC 3339).
    #[arg(long)]
    pub to: Option<String>,
    /// First seq.
    #[arg(long)]
    pub seq_from: Option<u64>,
    /// Last seq.
    #[arg(long)]
    pub seq_to: Option<u64>,
}

/// `bench` options.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Events for the bulk append and verify runs.
    #[arg(long, default_value_t = 1_000_000)]
    pub events: u64,
    /// Directory for the scratch ledgers (default: a temporary directory).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Measure only `report` (a year of 2,000 incidents a month) instead.
    #[arg(long)]
    pub report: bool,
    /// Measure only availability and probes (issue 4's benchmark) instead.
    #[arg(long)]
    pub availability: bool,
    /// Measure only snapshots (issue 6's benchmark: three years of 5-minute
    /// probes on 9 points, the last month with and without) instead.
    #[arg(long)]
    pub snapshots: bool,
    /// Measure only Merkle proofs (issue 7's benchmark: 5 million records
    /// unless --events says otherwise) instead.
    #[arg(long)]
    pub proofs: bool,
    /// Years of probes for `--snapshots`.
    #[arg(long, default_value_t = 3)]
    pub years: u16,
    /// Incidents per month for `--report`.
    #[arg(long, default_value_t = 2000)]
    pub incidents: u32,
    /// Batch sizes to measure (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = [1u64, 100, 1000, 10_000])]
    pub batches: Vec<u64>,
}

/// A validated `log` query.
#[derive(Debug)]
pub struct LogFilter {
    stream: Option<String>,
    kind: Option<String>,
    from: Option<Instant>,
    to: Option<Instant>,
    seq_from: u64,
    seq_to: u64,
}

type Item = Result<(u64, [u8; 32], StoredEvent), ReadError>;

impl LogArgs {
    /// Validates the filters.
    pub fn validate(self) -> Result<LogFilter> {
        if let Some(k) = &self.kind {
            if !crate::known_kind(k) {
                bail!("--kind: unknown event kind `{k}` (see docs/EVENTS.md)");
            }
        }
        let t = |s: &Option<String>, flag: &str| -> Result<Option<Instant>> {
            s.as_deref()
                .map(Instant::parse)
                .transpose()
                .with_context(|| format!("--{flag}"))
        };
        Ok(LogFilter {
            from: t(&self.from, "from")?,
            to: t(&self.to, "to")?,
            stream: self.stream,
            kind: self.kind,
            seq_from: self.seq_from.unwrap_or(1),
            seq_to: self.seq_to.unwrap_or(u64::MAX),
        })
    }
}

impl LogFilter {
    /// Runs the query: by index where a filter narrows it, else a streaming
    /// scan; the remaining filters are applied to each event. Output is in
    /// seq order except for a pure time-range query, which is in occurred-at
    /// order.
    pub fn run<'a>(self, ledger: &'a Ledger) -> Result<Box<dyn Iterator<Item = Item> + 'a>> {
        let idx = ledger.index()?;
        let seqs: Option<Box<dyn Iterator<Item = slaledger_ledger::index::IndexResult<u64>>>> =
            if let Some(s) = &self.stream {
                Some(Box::new(idx.stream_seqs(s, self.seq_from)))
            } else if let Some(k) = &self.kind {
                let i = slaledger_ledger::event::Event::KIND_NAMES
                    .iter()
                    .position(|n| n == k)
                    .unwrap_or(0) as u16;
                Some(Box::new(idx.kind_seqs(i, self.seq_from)))
            } else if self.from.is_some() || self.to.is_some() {
                let from = self.from.unwrap_or(Instant::from_millis(i64::MIN));
                let to = self.to.unwrap_or(Instant::from_millis(i64::MAX));
                Some(Box::new(idx.occurred_seqs(from, to)))
            } else {
                None
            };
        let (seq_from, seq_to) = (self.seq_from, self.seq_to);
        let keep = move |ev: &StoredEvent| {
            self.stream.as_ref().is_none_or(|s| ev.stream == *s)
                && self.kind.as_ref().is_none_or(|k| ev.event.kind() == k)
                && self.from.is_none_or(|f| ev.occurred_at >= f)
                && self.to.is_none_or(|t| ev.occurred_at < t)
        };
        Ok(match seqs {
            Some(seqs) => Box::new(
                seqs.filter_map(move |r| match r {
                    Ok(seq) if seq < seq_from || seq > seq_to => None,
                    Ok(seq) => Some(ledger.frame(seq).and_then(|f| {
                        slaledger_ledger::encoding::decode_record(&f.record)
                            .map(|ev| (seq, f.hash, ev))
                            .map_err(|e| ReadError::Damaged {
                                seq,
                                reason: e.to_string(),
                            })
                    })),
                    Err(e) => Some(Err(ReadError::Index(e))),
                })
                .filter(move |r| r.as_ref().map(|(_, _, ev)| keep(ev)).unwrap_or(true)),
            ),
            None => Box::new(
                ledger
                    .events(seq_from, seq_to)
                    .filter(move |r| r.as_ref().map(|(_, _, ev)| keep(ev)).unwrap_or(true)),
            ),
        })
    }
}

/// Parses `PARTY:IDENTITY`.
pub fn parse_actor(s: &str) -> Result<Actor> {
    let (party, identity) = s
        .split_once(':')
        .context("--actor must be PARTY:IDENTITY, e.g. customer:driftschef@kunde.dk")?;
    let party: Party = serde_json::from_value(serde_json::Value::String(party.to_owned()))
        .with_context(|| {
            format!("--actor: unknown party `{party}` (supplier, customer, monitor, auditor)")
        })?;
    if identity.trim().is_empty() {
        bail!("--actor: the identity after the colon is empty");
    }
    Ok(Actor {
        party,
        identity: identity.into(),
        operated_by: None,
    })
}
