//! The event model: every domain fact of SPEC §4 as a typed event, and the
//! envelope every recorded event carries (SPEC §4.1).
//!
//! An [`Event`] is the domain content: `{"kind": "...", "data": {...}}` in
//! JSON (documented with an example per kind in `docs/EVENTS.md`). A
//! [`StoredEvent`] is an event as the ledger holds it: envelope plus content.
//! Nothing is ever edited; a [`Correction`] is its own event naming the event
//! it corrects.
//!
//! The canonical binary encoding of these types is frozen (docs/FORMAT.md):
//! variants and fields are only ever appended at the end, never reordered or
//! removed, and `SCHEMA_VERSION` is raised when that happens.

use crate::time::Instant;
use crate::vocab::*;
use serde::{Deserialize, Serialize};

/// Version of the event schema written by this build (envelope field
/// `schema_version`).
pub const SCHEMA_VERSION: u16 = 1;

/// A writer-chosen identifier (incident number, window id, event id...).
pub type Id = compact_str::CompactString;

/// Free text in an event (descriptions, reasons, references). Encoded
/// exactly as a `String` (a length and UTF-8 bytes); held inline when it
/// is at most 24 bytes, so decoding short texts allocates nothing.
pub type Text = compact_str::CompactString;

/// Who recorded an event (SPEC §4.1): a party and an identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    /// The party.
    pub party: Party,
    /// The person or system (e-mail, service account, probe name).
    pub identity: Id,
    /// For a `monitor`: the party that operates it.
    #[serde(default)]
    pub operated_by: Option<Party>,
}

/// An event as the ledger stores it: the envelope of SPEC §4.1 and the domain
/// content. `seq` is not part of the record; it is framed beside it and bound
/// into the chain hash (docs/FORMAT.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// Writer-chosen event id; idempotency key within the stream.
    pub id: Id,
    /// The contract / system the event belongs to.
    pub stream: Id,
    /// Ledger time of the batch (UTC); equal within a batch, non-decreasing.
    pub recorded_at: Instant,
    /// Domain time of the fact or decision (UTC).
    pub occurred_at: Instant,
    /// Who recorded it.
    pub actor: Actor,
    /// Event schema version the writer used.
    pub schema_version: u16,
    /// Optional signature of the actor over the canonical content (issue 7).
    pub signature: Option<String>,
    /// External references (tickets, documents); never read by a rule.
    pub refs: Vec<String>,
    /// Free text; never read by a rule.
    pub note: Option<String>,
    /// The domain content.
    pub event: Event,
}

macro_rules! payload {
    ($(#[$m:meta])* pub struct $name:ident { $($body:tt)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name { $($body)* }
    };
}

// ---------------------------------------------------------------- 4.2 rule sets

payload!(
    /// `rule_set_defined`: the first event of a stream (SPEC §4.2).
    pub struct RuleSetDefined {
        /// Rule-set id.
        pub rule_set_id: Id,
        /// A local month start `YYYY-MM` from which it governs.
        pub effective_from: Month,
        /// Canonical JSON of the rule-set content (sorted keys, no whitespace).
        pub content: String,
        /// blake3 of `content`: the rule-set hash.
        pub content_hash: DocHash,
    }
);

payload!(
    /// `rule_set_amended`: a complete new version of the rule set (SPEC §4.2).
    pub struct RuleSetAmended {
        /// Rule-set id.
        pub rule_set_id: Id,
        /// New version number (the defined version is 1).
        pub version: u32,
        /// A local month start from which it governs.
        pub effective_from: Month,
        /// Canonical JSON of the full new content.
        pub content: String,
        /// blake3 of `content`.
        pub content_hash: DocHash,
        /// Why it was amended.
        pub reason: Text,
        /// Reference to the written agreement.
        pub agreement_ref: Text,
    }
);

// ---------------------------------------------------------------- 4.3 incidents

payload!(
    /// `incident_reported`: a contact (henvendelse) about an incident reached the
    /// supplier (SPEC §4.3). Opens the incident if it is new.
    pub struct IncidentReported {
        /// Incident id (ticket number).
        pub incident_id: Id,
        /// When the report reached the supplier's service desk.
        pub reported_at: Instant,
        /// Channel.
        pub channel: ReportChannel,
        /// Reporting person.
        pub reporter: Text,
        /// Reporting organisation.
        #[serde(default)]
        pub organisation: Option<Text>,
        /// When the supplier created the record, if known.
        #[serde(default)]
        pub record_created_at: Option<Instant>,
        /// Bilag 6 category 1-4 sent with the report.
        #[serde(default)]
        pub customer_category: Option<u8>,
        /// Proposed Bilag 7.2.A priority.
        #[serde(default)]
        pub proposed_priority: Option<Priority>,
        /// Environment.
        pub environment: Environment,
        /// Areas affected (one or both).
        pub areas: Vec<Area>,
        /// Integrations involved.
        #[serde(default)]
        pub integrations: Vec<Id>,
        /// Batch jobs involved.
        #[serde(default)]
        pub batch_jobs: Vec<Id>,
        /// Cause class.
        #[serde(default = "default_cause")]
        pub cause: Cause,
        /// Related incidents.
        #[serde(default)]
        pub related_incidents: Vec<Id>,
        /// Related problems.
        #[serde(default)]
        pub related_problems: Vec<Id>,
        /// Description.
        pub description: Text,
    }
);

fn default_cause() -> Cause {
    Cause::Ordinary
}

payload!(
    /// `incident_detected`: the supplier established the incident itself. Carries
    /// the descriptive fields when it opens the incident.
    pub struct IncidentDetected {
        /// Incident id.
        pub incident_id: Id,
        /// When the supplier detected it.
        pub detected_at: Instant,
        /// How: monitoring event id, probe trigger, own observation.
        pub how: Text,
        /// Environment (required when this event opens the incident).
        #[serde(default)]
        pub environment: Option<Environment>,
        /// Areas affected.
        #[serde(default)]
        pub areas: Vec<Area>,
        /// Proposed priority.
        #[serde(default)]
        pub proposed_priority: Option<Priority>,
        /// Cause class.
        #[serde(default)]
        pub cause: Option<Cause>,
        /// Integrations involved.
        #[serde(default)]
        pub integrations: Vec<Id>,
        /// Batch jobs involved.
        #[serde(default)]
        pub batch_jobs: Vec<Id>,
        /// Description.
        #[serde(default)]
        pub description: Option<Text>,
    }
);

payload!(
    /// `should_have_detected_established`: the supplier should have detected the
    /// incident at an instant (Bilag 7.2.A 7.2).
    pub struct ShouldHaveDetectedEstablished {
        /// Incident id.
        pub incident_id: Id,
        /// The instant it should have been detected.
        pub should_have_detected_at: Instant,
        /// Basis of the finding.
        pub basis: DetectionBasis,
        /// Dispute id, for basis `settlement`.
        #[serde(default)]
        pub dispute_id: Option<Id>,
    }
);

payload!(
    /// `incident_categorised`: a Bilag 6 fault category 1-4.
    pub struct IncidentCategorised {
        /// Incident id.
        pub incident_id: Id,
        /// Category 1 (severe) to 4 (minor).
        pub category: u8,
        /// Who categorised.
        pub role: CategoryRole,
        /// Reason (required for the customer).
        #[serde(default)]
        pub reason: Option<Text>,
    }
);

payload!(
    /// `incident_assigned`: assigned to a named person (Bilag 6 KPI 1).
    pub struct IncidentAssigned {
        /// Incident id.
        pub incident_id: Id,
        /// The person.
        pub assignee: Text,
        /// When.
        pub assigned_at: Instant,
    }
);

payload!(
    /// `incident_prioritised`: a Bilag 7.2.A priority proposal or decision.
    pub struct IncidentPrioritised {
        /// Incident id.
        pub incident_id: Id,
        /// Priority.
        pub priority: Priority,
        /// Standing of the decision.
        pub role: PriorityRole,
        /// Reason.
        #[serde(default)]
        pub reason: Option<Text>,
        /// Dispute id (required for `settlement`).
        #[serde(default)]
        pub dispute_id: Option<Id>,
    }
);

payload!(
    /// `priority_disputed`: the supplier contests KOMBIT's priority decision.
    pub struct PriorityDisputed {
        /// Incident id.
        pub incident_id: Id,
        /// Priority the supplier claims.
        pub claimed: Priority,
        /// Parties agreed to defer the decision.
        #[serde(default)]
        pub deferred: bool,
        /// Dispute id, once escalated.
        #[serde(default)]
        pub dispute_id: Option<Id>,
    }
);

payload!(
    /// `priority_downgrade_agreed`: KOMBIT's prior written agreement to downgrade.
    pub struct PriorityDowngradeAgreed {
        /// Incident id.
        pub incident_id: Id,
        /// From priority.
        pub from: Priority,
        /// To priority.
        pub to: Priority,
        /// Written agreement reference.
        pub agreement_ref: Text,
    }
);

payload!(
    /// An incident-level instant with no other content: `reaction_registered`,
    /// `third_party_followup`, `workaround_approved`, `incident_report_objected`.
    pub struct IncidentAt {
        /// Incident id.
        pub incident_id: Id,
        /// When.
        pub at: Instant,
    }
);

payload!(
    /// `escalated_to_third_party` (Bilag 7.2.A 7.7.3).
    pub struct EscalatedToThirdParty {
        /// Incident id.
        pub incident_id: Id,
        /// Third party id (as named in the rule set).
        pub third_party: Id,
        /// Kind of third party.
        pub third_party_type: ThirdPartyType,
        /// When the third party was informed.
        pub at: Instant,
        /// When its confirmation was received.
        #[serde(default)]
        pub confirmed_at: Option<Instant>,
    }
);

payload!(
    /// `customer_notified`: notice to the customer's operations manager (7.9.1).
    pub struct CustomerNotified {
        /// Incident id.
        pub incident_id: Id,
        /// When.
        pub at: Instant,
        /// Channel.
        pub channel: NotifyChannel,
        /// Whether the person was reached (an unanswered call is `false`).
        pub reached: bool,
        /// First notice or update.
        pub sequence: NoticeSequence,
    }
);

payload!(
    /// `status_published`: status to users and stakeholders (7.9.1).
    pub struct StatusPublished {
        /// Incident id.
        pub incident_id: Id,
        /// When.
        pub at: Instant,
        /// Channel.
        pub channel: StatusChannel,
        /// Audience (users, stakeholders).
        pub audience: Text,
        /// First notice or update.
        pub sequence: NoticeSequence,
    }
);

payload!(
    /// `workaround_applied`: an Omgåelse took effect (7.6.1).
    pub struct WorkaroundApplied {
        /// Incident id.
        pub incident_id: Id,
        /// When it took effect.
        pub applied_at: Instant,
        /// Whether it is complete.
        pub complete: bool,
        /// When it was communicated to the customer.
        #[serde(default)]
        pub communicated_at: Option<Instant>,
        /// Description.
        pub description: Text,
    }
);

payload!(
    /// An incident-level instant with a document: `impossibility_documented`,
    /// `incident_report_delivered`.
    pub struct IncidentDocument {
        /// Incident id.
        pub incident_id: Id,
        /// When.
        pub at: Instant,
        /// Hash of the document.
        pub document_hash: DocHash,
    }
);

payload!(
    /// `incident_resolved`: stop of resolution clocks.
    pub struct IncidentResolved {
        /// Incident id.
        pub incident_id: Id,
        /// When.
        pub resolved_at: Instant,
        /// Remedy or workaround.
        pub method: ResolutionMethod,
    }
);

payload!(
    /// `incident_reopened`: the previous resolution did not hold.
    pub struct IncidentReopened {
        /// Incident id.
        pub incident_id: Id,
        /// When.
        pub at: Instant,
        /// Why.
        pub reason: Text,
    }
);

payload!(
    /// `incident_closed`: the record is closed; never a resolution stop.
    pub struct IncidentClosed {
        /// Incident id.
        pub incident_id: Id,
        /// When.
        pub at: Instant,
        /// When written notice reached the operations manager.
        #[serde(default)]
        pub notice_at: Option<Instant>,
    }
);

payload!(
    /// `responsibility_decided`: who is responsible for the cause (SPEC §6.6.5).
    /// Exactly one of `incident_id` and `problem_id`.
    pub struct ResponsibilityDecided {
        /// Incident id.
        #[serde(default)]
        pub incident_id: Option<Id>,
        /// Problem id.
        #[serde(default)]
        pub problem_id: Option<Id>,
        /// Responsible party.
        pub responsible: Responsible,
        /// Which other supplier (for `other_supplier`).
        #[serde(default)]
        pub other_supplier: Option<Text>,
        /// Sub-interval start (default: the whole incident).
        #[serde(default)]
        pub from: Option<Instant>,
        /// Sub-interval end.
        #[serde(default)]
        pub to: Option<Instant>,
        /// Sole cause (required `true` for `customer`).
        #[serde(default)]
        pub sole_cause: bool,
        /// Standing.
        pub role: DecisionRole,
        /// Dispute id (required for `settlement`).
        #[serde(default)]
        pub dispute_id: Option<Id>,
    }
);

payload!(
    /// `supplier_delay_established`: the supplier unduly prolonged a disruption.
    pub struct SupplierDelayEstablished {
        /// Incident id.
        pub incident_id: Id,
        /// When the supplier should have acted.
        pub should_have_acted: Instant,
        /// When it acted.
        pub acted: Instant,
        /// Dispute id, when established by a settlement.
        #[serde(default)]
        pub dispute_id: Option<Id>,
    }
);

// ---------------------------------------------------------------- 4.4 problems, RCA

payload!(
    /// `rca_requested`: the customer asks for a Root Cause Analysis (Bilag 6 KPI 3).
    pub struct RcaRequested {
        /// RCA request id.
        pub rca_request_id: Id,
        /// Incident id.
        pub incident_id: Id,
        /// When.
        pub requested_at: Instant,
    }
);

payload!(
    /// `rca_delivered`: the RCA reached the customer. Exactly one of
    /// `rca_request_id` (Bilag 6) and `problem_id` (Bilag 7.2.A).
    pub struct RcaDelivered {
        /// RCA request id.
        #[serde(default)]
        pub rca_request_id: Option<Id>,
        /// Problem id.
        #[serde(default)]
        pub problem_id: Option<Id>,
        /// When received by the customer.
        pub delivered_at: Instant,
        /// Hash of the document.
        pub document_hash: DocHash,
    }
);

payload!(
    /// `rca_plan_delivered`: plan for obtaining third-party RCA information (9.5).
    pub struct RcaPlanDelivered {
        /// Problem id.
        pub problem_id: Id,
        /// When.
        pub at: Instant,
        /// Hash of the document.
        pub document_hash: DocHash,
    }
);

payload!(
    /// `problem_registered`: a problem record exists (Bilag 7.2.A 9).
    pub struct ProblemRegistered {
        /// Problem id.
        pub problem_id: Id,
        /// When it was reported (indrapporteret).
        pub reported_at: Instant,
        /// When the record was created.
        pub record_created_at: Instant,
        /// Linked incidents.
        #[serde(default)]
        pub incidents: Vec<Id>,
        /// Priority at registration.
        pub priority: Priority,
        /// Selected by the customer.
        #[serde(default)]
        pub selected_by_customer: bool,
    }
);

payload!(
    /// `problem_linked`: an incident linked to a problem later.
    pub struct ProblemLinked {
        /// Problem id.
        pub problem_id: Id,
        /// Incident id.
        pub incident_id: Id,
    }
);

payload!(
    /// `problem_prioritised`: KOMBIT's decision on a problem's priority (9.2).
    pub struct ProblemPrioritised {
        /// Problem id.
        pub problem_id: Id,
        /// Priority.
        pub priority: Priority,
        /// Standing.
        pub role: ProblemPriorityRole,
        /// Dispute id (required for `settlement`).
        #[serde(default)]
        pub dispute_id: Option<Id>,
    }
);

payload!(
    /// `problem_deadline_agreed`: a written agreement replacing the deadline.
    pub struct ProblemDeadlineAgreed {
        /// Problem id.
        pub problem_id: Id,
        /// New deadline.
        pub deadline: Instant,
        /// Written agreement reference.
        pub agreement_ref: Text,
    }
);

payload!(
    /// `problem_resolved`: remedied in the operating environment.
    pub struct ProblemResolved {
        /// Problem id.
        pub problem_id: Id,
        /// When.
        pub at: Instant,
    }
);

// ---------------------------------------------------------------- 4.5 service desk

payload!(
    /// `phone_call`: one call to the service desk telephone (10.4). Exactly one
    /// of `answered_at` and `abandoned_at`.
    pub struct PhoneCall {
        /// Call id.
        pub call_id: Id,
        /// Connected (or person chosen in the phone menu).
        pub connected_at: Instant,
        /// Answered.
        #[serde(default)]
        pub answered_at: Option<Instant>,
        /// Abandoned by the caller.
        #[serde(default)]
        pub abandoned_at: Option<Instant>,
    }
);

payload!(
    /// `busy_signal`: callers met a busy tone.
    pub struct BusySignal {
        /// When.
        pub at: Instant,
        /// How many.
        pub count: u32,
    }
);

payload!(
    /// `contact_received`: a service desk contact (10.4).
    pub struct ContactReceived {
        /// Contact id.
        pub contact_id: Id,
        /// Channel.
        pub channel: ContactChannel,
        /// When.
        pub received_at: Instant,
        /// Incident id, if the contact is about one.
        #[serde(default)]
        pub incident_id: Option<Id>,
        /// Service request id, if the contact is about one.
        #[serde(default)]
        pub request_id: Option<Id>,
    }
);

payload!(
    /// `contact_reacted`: first personal reaction to a contact.
    pub struct ContactReacted {
        /// Contact id.
        pub contact_id: Id,
        /// When.
        pub at: Instant,
    }
);

payload!(
    /// `contact_closed`: a contact closed, and whether at first contact.
    pub struct ContactClosed {
        /// Contact id.
        pub contact_id: Id,
        /// When.
        pub at: Instant,
        /// Closed at the first contact (10.4, 65 % goal).
        pub at_first_contact: bool,
    }
);

payload!(
    /// `information_requested` / `information_delivered` (10.2, 10.4).
    pub struct InformationRequest {
        /// Request id.
        pub request_id: Id,
        /// Access or extract.
        pub information_kind: InformationKind,
        /// When.
        pub at: Instant,
    }
);

payload!(
    /// `service_request_ordered` / `_reacted` / `_delivered` (11.2).
    pub struct ServiceRequestStep {
        /// Request id.
        pub request_id: Id,
        /// Catalogue item.
        pub catalogue_item: Id,
        /// When.
        pub at: Instant,
    }
);

// ---------------------------------------------------------------- 4.6 windows, redundancy

payload!(
    /// `service_window_announced`: written notice of a planned window (18.5).
    pub struct ServiceWindowAnnounced {
        /// Window id.
        pub window_id: Id,
        /// Environments affected.
        pub environments: Vec<Environment>,
        /// Kind.
        pub window_kind: WindowKind,
        /// Planned start, whole minute.
        pub planned_start: Instant,
        /// Planned end, whole minute.
        pub planned_end: Instant,
        /// When notice was given (its `occurred_at`).
        pub announced_at: Instant,
        /// Extraordinary window.
        #[serde(default)]
        pub extraordinary: bool,
        /// Purpose.
        pub purpose: Text,
    }
);

payload!(
    /// `service_window_approved`: KOMBIT's written approval (18.5).
    pub struct ServiceWindowApproved {
        /// Window id.
        pub window_id: Id,
        /// What is approved.
        pub approves: WindowApproval,
        /// Written reference.
        pub reference: Text,
    }
);

payload!(
    /// `service_window_cancelled` / `_started` / `_ended`.
    pub struct WindowAt {
        /// Window id.
        pub window_id: Id,
        /// When.
        pub at: Instant,
    }
);

payload!(
    /// `non_redundant_state_began` / `_ended` (13.2.2).
    pub struct NonRedundantState {
        /// State id.
        pub state_id: Id,
        /// Environment.
        pub environment: Environment,
        /// When.
        pub at: Instant,
        /// Site or component.
        pub description: Text,
    }
);

// ---------------------------------------------------------------- 4.7 operations

payload!(
    /// `batch_run`: one execution of a batch job (Bilag 7.2.A 5).
    pub struct BatchRun {
        /// Run id.
        pub run_id: Id,
        /// Job id.
        pub job_id: Id,
        /// Category as the writer knows it (the rule set decides).
        #[serde(default)]
        pub category: Option<BatchCategory>,
        /// Complexity as the writer knows it.
        #[serde(default)]
        pub complexity: Option<BatchComplexity>,
        /// Scheduled start.
        pub scheduled_start: Instant,
        /// Actual start.
        pub started_at: Instant,
        /// Finish (its `occurred_at`).
        pub finished_at: Instant,
        /// Outcome.
        pub outcome: BatchOutcome,
        /// Incident id, if one was raised.
        #[serde(default)]
        pub incident_id: Option<Id>,
    }
);

payload!(
    /// `change_planned` (16.1).
    pub struct ChangePlanned {
        /// Change id.
        pub change_id: Id,
        /// Planned slot start.
        pub from: Instant,
        /// Planned slot end.
        pub to: Instant,
        /// Description.
        pub description: Text,
        /// Emergency change.
        #[serde(default)]
        pub emergency: bool,
    }
);

payload!(
    /// `change_executed`: execution and result.
    pub struct ChangeExecuted {
        /// Change id.
        pub change_id: Id,
        /// Start.
        pub from: Instant,
        /// End (its `occurred_at`).
        pub to: Instant,
        /// Outcome.
        pub outcome: ChangeOutcome,
    }
);

payload!(
    /// `patch_released`: a patch became available (19.1).
    pub struct PatchReleased {
        /// Patch id.
        pub patch_id: Id,
        /// Vendor.
        pub vendor: Text,
        /// When released.
        pub released_at: Instant,
        /// Type.
        pub patch_type: PatchType,
        /// Agreed deadline (for `other`).
        #[serde(default)]
        pub agreed_deadline: Option<Instant>,
    }
);

payload!(
    /// `patch_type_established` / `patch_type_downgraded`.
    pub struct PatchTypeSet {
        /// Patch id.
        pub patch_id: Id,
        /// Type.
        pub patch_type: PatchType,
        /// When.
        pub at: Instant,
        /// Written reference (required for a downgrade).
        #[serde(default)]
        pub reference: Option<Text>,
    }
);

payload!(
    /// `critical_patch_contact`: contact with the operations manager.
    pub struct PatchAt {
        /// Patch id.
        pub patch_id: Id,
        /// When.
        pub at: Instant,
    }
);

payload!(
    /// `patch_installed`.
    pub struct PatchInstalled {
        /// Patch id.
        pub patch_id: Id,
        /// Environment.
        pub environment: Environment,
        /// When.
        pub installed_at: Instant,
    }
);

payload!(
    /// `deletion_requested` / `deletion_notice_delivered` / `deletion_performed` (18.4).
    pub struct DeletionStep {
        /// Request id.
        pub request_id: Id,
        /// When.
        pub at: Instant,
        /// Written request (for `deletion_requested`).
        #[serde(default)]
        pub written: bool,
        /// Service window (notice, performed).
        #[serde(default)]
        pub window_id: Option<Id>,
    }
);

payload!(
    /// `restore_test_done`, `security_statement_delivered`, `duty_performed`:
    /// dated duties (SPEC §6.10.5).
    pub struct DutyDone {
        /// When.
        pub at: Instant,
        /// Environment, year covered or duty kind.
        pub covers: Text,
        /// Hash of the document.
        pub document_hash: DocHash,
    }
);

// ---------------------------------------------------------------- 4.8 probes

payload!(
    /// `probe_sample`: one Stikprøvemåling (SPEC §4.8).
    pub struct ProbeSample {
        /// Sample id.
        pub sample_id: Id,
        /// Measuring point id.
        pub point_id: Id,
        /// Kind.
        pub probe_kind: ProbeKind,
        /// Transaction category 1-3 (not for `availability`).
        #[serde(default)]
        pub category: Option<u8>,
        /// Round id (sample package).
        pub round_id: Id,
        /// Start (its `occurred_at`).
        pub started_at: Instant,
        /// Duration in ms; absent when failed.
        #[serde(default)]
        pub duration_ms: Option<u64>,
        /// Completed correctly.
        pub ok: bool,
        /// Error text.
        #[serde(default)]
        pub error: Option<Text>,
        /// Payload size in bytes (service: the larger of input and output).
        #[serde(default)]
        pub payload_bytes: Option<u64>,
        /// Documented integration time (ms, 14.2).
        #[serde(default)]
        pub integration_ms: Option<u64>,
        /// Documented excluded delay (ms).
        #[serde(default)]
        pub excluded_ms: Option<u64>,
        /// Sender system (14.6).
        #[serde(default)]
        pub sender_system: Option<Id>,
        /// Probe client id.
        pub client_id: Id,
    }
);

payload!(
    /// `availability_probe_summary`: aggregate of availability samples.
    pub struct AvailabilityProbeSummary {
        /// Service id.
        pub service_id: Id,
        /// Interval start.
        pub from: Instant,
        /// Interval end (its `occurred_at`).
        pub to: Instant,
        /// Samples expected.
        pub expected: u64,
        /// Samples ok.
        pub ok: u64,
        /// Samples failed.
        pub failed: u64,
    }
);

payload!(
    /// `probe_gap_waived`: KOMBIT approves a gap as an isolated case (14.3.6).
    pub struct ProbeGapWaived {
        /// Measuring point.
        pub point_id: Id,
        /// Gap start.
        pub from: Instant,
        /// Gap end.
        pub to: Instant,
        /// Written reference.
        pub reference: Text,
    }
);

payload!(
    /// Counts of one kind in a control measurement.
    pub struct ControlCounts {
        /// Kind (ui or service).
        pub probe_kind: ProbeKind,
        /// Samples.
        pub count: u64,
        /// Over the maximum.
        pub over_maximum: u64,
        /// Over the desired limit (including those over the maximum).
        pub over_desired: u64,
    }
);

payload!(
    /// `control_measurement`: a Kontrolmåling (14.5).
    pub struct ControlMeasurement {
        /// Measurement id.
        pub measurement_id: Id,
        /// Design id.
        pub design_id: Id,
        /// Requested at, or should have been performed at.
        #[serde(default)]
        pub requested_at: Option<Instant>,
        /// Start.
        pub started_at: Instant,
        /// Completion (its `occurred_at`).
        pub completed_at: Instant,
        /// Counts per kind.
        pub per_kind: Vec<ControlCounts>,
        /// Samples per measuring point, as (point id, count).
        #[serde(default)]
        pub per_point: Vec<(Id, u64)>,
    }
);

// ---------------------------------------------------------------- 4.9 reports, fees

payload!(
    /// `monthly_report_submitted`: the supplier's monthly status report (KPI 4).
    pub struct MonthlyReportSubmitted {
        /// Report month.
        pub month: Month,
        /// When received by the customer.
        pub submitted_at: Instant,
        /// Task id in the customer's collaboration tool.
        #[serde(default)]
        pub task_id: Option<Id>,
        /// Hash of the document.
        pub document_hash: DocHash,
    }
);

payload!(
    /// `monthly_report_rejected`: the submission does not follow the standard.
    pub struct MonthlyReportRejected {
        /// Report month.
        pub month: Month,
        /// Event id of the submission.
        pub submission_event_id: Id,
        /// When.
        pub at: Instant,
        /// Why.
        pub reason: Text,
    }
);

payload!(
    /// `fee_recorded`: part of the month's fee (vederlag), øre excluding VAT.
    pub struct FeeRecorded {
        /// Month.
        pub month: Month,
        /// Amount in øre (≥ 0).
        pub amount_ore: i64,
        /// Kind.
        pub fee_kind: FeeKind,
        /// Invoice reference.
        #[serde(default)]
        pub invoice_ref: Option<Text>,
    }
);

payload!(
    /// `usage_metric_observed`: a counter without a target (SPEC §7). The value
    /// is an integer, or a decimal string with its scale.
    pub struct UsageMetricObserved {
        /// Metric id.
        pub metric_id: Id,
        /// Month.
        pub month: Month,
        /// Value as a decimal string (`"1234"`, `"97.30"`).
        pub value: Text,
        /// Method reference.
        #[serde(default)]
        pub method_ref: Option<Text>,
    }
);

payload!(
    /// `report_comment`: a comment printed in a report.
    pub struct ReportComment {
        /// Period: `YYYY-MM` or `YYYY-MM..YYYY-MM`.
        pub period: Text,
        /// Text.
        pub text: Text,
    }
);

payload!(
    /// `measurement_missing`: a measurement was not performed (SPEC §5.5).
    pub struct MeasurementMissing {
        /// KPI 1, 2 or 4.
        pub kpi: u8,
        /// Month.
        pub month: Month,
        /// Number of items.
        pub items: u32,
        /// Item references.
        #[serde(default)]
        pub item_refs: Vec<Text>,
        /// Reason.
        pub reason: MissingReason,
    }
);

// ---------------------------------------------------------------- 4.10 corrections

payload!(
    /// `correction`: supersedes an earlier event's content from this position on
    /// (SPEC §4.10). The original stays in the ledger.
    pub struct Correction {
        /// Event id of the original (never a correction).
        pub corrects: Id,
        /// Replace or retract.
        pub action: CorrectionAction,
        /// Full new content of the same kind (for `replace`), as `{"kind", "data"}`.
        #[serde(default, with = "opt_kind_data")]
        pub replacement: Option<Box<Event>>,
        /// Reason.
        pub reason: Text,
        /// Settlement reference (dispute id), optional.
        #[serde(default)]
        pub dispute_id: Option<Id>,
    }
);

// ---------------------------------------------------------------- 4.11 disputes

payload!(
    /// `dispute_opened` (SPEC §4.11).
    pub struct DisputeOpened {
        /// Dispute id.
        pub dispute_id: Id,
        /// Months concerned.
        pub months: Vec<Month>,
        /// Subject.
        pub subject: DisputeSubject,
        /// Goals and figures concerned.
        #[serde(default)]
        pub goals: Vec<Text>,
        /// Statement.
        pub statement: Text,
    }
);

payload!(
    /// `dispute_claim_submitted`: a party's version as a replay overlay.
    pub struct DisputeClaimSubmitted {
        /// Dispute id.
        pub dispute_id: Id,
        /// The party whose claim it is.
        pub party: Party,
        /// The overlay (JSON Lines of assumed events and policy values).
        pub overlay: Text,
        /// blake3 of the overlay.
        pub overlay_hash: DocHash,
        /// Statement.
        pub statement: Text,
    }
);

payload!(
    /// `dispute_exhibit_added`: a document filed in a dispute, by hash.
    pub struct DisputeExhibitAdded {
        /// Dispute id.
        pub dispute_id: Id,
        /// Exhibit id.
        pub exhibit_id: Id,
        /// Title.
        pub title: Text,
        /// Media type.
        pub media_type: Text,
        /// Size in bytes.
        pub size: u64,
        /// blake3 of the file.
        pub blake3: DocHash,
    }
);

payload!(
    /// `dispute_stage_changed`: forward only (SPEC §9.6).
    pub struct DisputeStageChanged {
        /// Dispute id.
        pub dispute_id: Id,
        /// From stage.
        pub from: DisputeStage,
        /// To stage.
        pub to: DisputeStage,
        /// Decision deferred by agreement.
        #[serde(default)]
        pub deferred: bool,
        /// Mediator, expert or tribunal.
        #[serde(default)]
        pub reference: Option<Text>,
    }
);

payload!(
    /// `dispute_settled`: the dispute ends (SPEC §9.6).
    pub struct DisputeSettled {
        /// Dispute id.
        pub dispute_id: Id,
        /// Outcome.
        pub outcome: SettlementOutcome,
        /// Months settled.
        pub months: Vec<Month>,
        /// Policy values fixed for those months, as (name, value).
        #[serde(default)]
        pub policies: Vec<(String, String)>,
        /// Agreed bod per month in øre, as (month, øre).
        #[serde(default)]
        pub agreed_bod: Vec<(Month, i64)>,
        /// Hash of the settlement document.
        pub document_hash: DocHash,
    }
);

// ---------------------------------------------------------------- the enum

macro_rules! events {
    ($($(#[$m:meta])* $variant:ident($ty:ty) = $name:literal,)+) => {
        /// The domain content of an event: one variant per kind of SPEC §4.
        /// Payloads are boxed so that an `Event` is two words and batches move
        /// cheaply; `Box<T>` encodes exactly as `T`, so the bytes do not change.
        ///
        /// JSON (input lines, `log`, nested replacements): `{"kind": "<name>",
        /// "data": {...}}`, see [`kind_data`]. Canonical encoding: serde's
        /// externally tagged form, i.e. the variant index (u32) then the
        /// payload; the order below is frozen.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        pub enum Event {
            $($(#[$m])* #[serde(rename = $name)] $variant(Box<$ty>),)+
        }

        impl Event {
            /// Every kind name, in canonical (variant index) order.
            pub const KIND_NAMES: &'static [&'static str] = &[$($name),+];

            /// The kind name (`incident_reported`, ...).
            pub fn kind(&self) -> &'static str {
                match self { $(Event::$variant(_) => $name),+ }
            }

            /// The kind's canonical variant index.
            pub fn kind_index(&self) -> u16 {
                Self::KIND_NAMES.iter().position(|k| *k == self.kind()).unwrap_or(0) as u16
            }
        }
    };
}

events! {
    /// SPEC §4.2.
    RuleSetDefined(RuleSetDefined) = "rule_set_defined",
    /// SPEC §4.2.
    RuleSetAmended(RuleSetAmended) = "rule_set_amended",
    /// SPEC §4.3.
    IncidentReported(IncidentReported) = "incident_reported",
    /// SPEC §4.3.
    IncidentDetected(IncidentDetected) = "incident_detected",
    /// SPEC §4.3.
    ShouldHaveDetectedEstablished(ShouldHaveDetectedEstablished) = "should_have_detected_established",
    /// SPEC §4.3.
    IncidentCategorised(IncidentCategorised) = "incident_categorised",
    /// SPEC §4.3.
    IncidentAssigned(IncidentAssigned) = "incident_assigned",
    /// SPEC §4.3.
    IncidentPrioritised(IncidentPrioritised) = "incident_prioritised",
    /// SPEC §4.3.
    PriorityDisputed(PriorityDisputed) = "priority_disputed",
    /// SPEC §4.3.
    PriorityDowngradeAgreed(PriorityDowngradeAgreed) = "priority_downgrade_agreed",
    /// SPEC §4.3.
    ReactionRegistered(IncidentAt) = "reaction_registered",
    /// SPEC §4.3.
    EscalatedToThirdParty(EscalatedToThirdParty) = "escalated_to_third_party",
    /// SPEC §4.3.
    ThirdPartyFollowup(IncidentAt) = "third_party_followup",
    /// SPEC §4.3.
    CustomerNotified(CustomerNotified) = "customer_notified",
    /// SPEC §4.3.
    StatusPublished(StatusPublished) = "status_published",
    /// SPEC §4.3.
    WorkaroundApplied(WorkaroundApplied) = "workaround_applied",
    /// SPEC §4.3.
    WorkaroundApproved(IncidentAt) = "workaround_approved",
    /// SPEC §4.3.
    ImpossibilityDocumented(IncidentDocument) = "impossibility_documented",
    /// SPEC §4.3.
    IncidentResolved(IncidentResolved) = "incident_resolved",
    /// SPEC §4.3.
    IncidentReopened(IncidentReopened) = "incident_reopened",
    /// SPEC §4.3.
    IncidentClosed(IncidentClosed) = "incident_closed",
    /// SPEC §4.3.
    ResponsibilityDecided(ResponsibilityDecided) = "responsibility_decided",
    /// SPEC §4.3.
    SupplierDelayEstablished(SupplierDelayEstablished) = "supplier_delay_established",
    /// SPEC §4.3.
    IncidentReportDelivered(IncidentDocument) = "incident_report_delivered",
    /// SPEC §4.3.
    IncidentReportObjected(IncidentAt) = "incident_report_objected",
    /// SPEC §4.4.
    RcaRequested(RcaRequested) = "rca_requested",
    /// SPEC §4.4.
    RcaDelivered(RcaDelivered) = "rca_delivered",
    /// SPEC §4.4.
    RcaPlanDelivered(RcaPlanDelivered) = "rca_plan_delivered",
    /// SPEC §4.4.
    ProblemRegistered(ProblemRegistered) = "problem_registered",
    /// SPEC §4.4.
    ProblemLinked(ProblemLinked) = "problem_linked",
    /// SPEC §4.4.
    ProblemPrioritised(ProblemPrioritised) = "problem_prioritised",
    /// SPEC §4.4.
    ProblemDeadlineAgreed(ProblemDeadlineAgreed) = "problem_deadline_agreed",
    /// SPEC §4.4.
    ProblemResolved(ProblemResolved) = "problem_resolved",
    /// SPEC §4.5.
    PhoneCall(PhoneCall) = "phone_call",
    /// SPEC §4.5.
    BusySignal(BusySignal) = "busy_signal",
    /// SPEC §4.5.
    ContactReceived(ContactReceived) = "contact_received",
    /// SPEC §4.5.
    ContactReacted(ContactReacted) = "contact_reacted",
    /// SPEC §4.5.
    ContactClosed(ContactClosed) = "contact_closed",
    /// SPEC §4.5.
    InformationRequested(InformationRequest) = "information_requested",
    /// SPEC §4.5.
    InformationDelivered(InformationRequest) = "information_delivered",
    /// SPEC §4.5.
    ServiceRequestOrdered(ServiceRequestStep) = "service_request_ordered",
    /// SPEC §4.5.
    ServiceRequestReacted(ServiceRequestStep) = "service_request_reacted",
    /// SPEC §4.5.
    ServiceRequestDelivered(ServiceRequestStep) = "service_request_delivered",
    /// SPEC §4.6.
    ServiceWindowAnnounced(ServiceWindowAnnounced) = "service_window_announced",
    /// SPEC §4.6.
    ServiceWindowApproved(ServiceWindowApproved) = "service_window_approved",
    /// SPEC §4.6.
    ServiceWindowCancelled(WindowAt) = "service_window_cancelled",
    /// SPEC §4.6.
    ServiceWindowStarted(WindowAt) = "service_window_started",
    /// SPEC §4.6.
    ServiceWindowEnded(WindowAt) = "service_window_ended",
    /// SPEC §4.6.
    NonRedundantStateBegan(NonRedundantState) = "non_redundant_state_began",
    /// SPEC §4.6.
    NonRedundantStateEnded(NonRedundantState) = "non_redundant_state_ended",
    /// SPEC §4.7.
    BatchRun(BatchRun) = "batch_run",
    /// SPEC §4.7.
    ChangePlanned(ChangePlanned) = "change_planned",
    /// SPEC §4.7.
    ChangeExecuted(ChangeExecuted) = "change_executed",
    /// SPEC §4.7.
    PatchReleased(PatchReleased) = "patch_released",
    /// SPEC §4.7.
    PatchTypeEstablished(PatchTypeSet) = "patch_type_established",
    /// SPEC §4.7.
    PatchTypeDowngraded(PatchTypeSet) = "patch_type_downgraded",
    /// SPEC §4.7.
    CriticalPatchContact(PatchAt) = "critical_patch_contact",
    /// SPEC §4.7.
    PatchInstalled(PatchInstalled) = "patch_installed",
    /// SPEC §4.7.
    DeletionRequested(DeletionStep) = "deletion_requested",
    /// SPEC §4.7.
    DeletionNoticeDelivered(DeletionStep) = "deletion_notice_delivered",
    /// SPEC §4.7.
    DeletionPerformed(DeletionStep) = "deletion_performed",
    /// SPEC §4.7.
    RestoreTestDone(DutyDone) = "restore_test_done",
    /// SPEC §4.7.
    SecurityStatementDelivered(DutyDone) = "security_statement_delivered",
    /// SPEC §4.7.
    DutyPerformed(DutyDone) = "duty_performed",
    /// SPEC §4.8.
    ProbeSample(ProbeSample) = "probe_sample",
    /// SPEC §4.8.
    AvailabilityProbeSummary(AvailabilityProbeSummary) = "availability_probe_summary",
    /// SPEC §4.8.
    ProbeGapWaived(ProbeGapWaived) = "probe_gap_waived",
    /// SPEC §4.8.
    ControlMeasurement(ControlMeasurement) = "control_measurement",
    /// SPEC §4.9.
    MonthlyReportSubmitted(MonthlyReportSubmitted) = "monthly_report_submitted",
    /// SPEC §4.9.
    MonthlyReportRejected(MonthlyReportRejected) = "monthly_report_rejected",
    /// SPEC §4.9.
    FeeRecorded(FeeRecorded) = "fee_recorded",
    /// SPEC §4.9.
    UsageMetricObserved(UsageMetricObserved) = "usage_metric_observed",
    /// SPEC §4.9.
    ReportComment(ReportComment) = "report_comment",
    /// SPEC §4.9.
    MeasurementMissing(MeasurementMissing) = "measurement_missing",
    /// SPEC §4.10.
    Correction(Correction) = "correction",
    /// SPEC §4.11.
    DisputeOpened(DisputeOpened) = "dispute_opened",
    /// SPEC §4.11.
    DisputeClaimSubmitted(DisputeClaimSubmitted) = "dispute_claim_submitted",
    /// SPEC §4.11.
    DisputeExhibitAdded(DisputeExhibitAdded) = "dispute_exhibit_added",
    /// SPEC §4.11.
    DisputeStageChanged(DisputeStageChanged) = "dispute_stage_changed",
    /// SPEC §4.11.
    DisputeSettled(DisputeSettled) = "dispute_settled",
}

/// The JSON shape of an [`Event`]: `{"kind": "<name>", "data": {...}}`.
///
/// Used for input lines, `log` output and nested replacements. Non-human-
/// readable formats (the canonical bincode encoding) get serde's externally
/// tagged form instead, which bincode can decode without `deserialize_any`.
pub mod kind_data {
    use super::Event;
    use serde::de::Error as _;
    use serde::ser::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Converts an event to its `{"kind", "data"}` JSON value.
    pub fn to_value(event: &Event) -> Result<serde_json::Value, serde_json::Error> {
        match serde_json::to_value(event)? {
            serde_json::Value::Object(mut m) if m.len() == 1 => {
                let (kind, data) = m
                    .iter_mut()
                    .next()
                    .map(|(k, v)| (k.clone(), v.take()))
                    .unwrap_or_default();
                Ok(serde_json::json!({ "kind": kind, "data": data }))
            }
            _ => Err(<serde_json::Error as serde::ser::Error>::custom(
                "event did not serialize as one tagged variant",
            )),
        }
    }

    /// Builds an event from a kind name and its `data` object. Errors name the
    /// field inside `data` (e.g. `reported_at`) and the reason.
    pub fn from_parts(kind: &str, data: serde_json::Value) -> Result<Event, (String, String)> {
        if !Event::KIND_NAMES.contains(&kind) {
            return Err((
                "kind".to_owned(),
                format!("unknown event kind `{kind}` (see docs/EVENTS.md)"),
            ));
        }
        let mut wrapped = serde_json::Map::new();
        wrapped.insert(kind.to_owned(), data);
        let value = serde_json::Value::Object(wrapped);
        serde_path_to_error::deserialize::<_, Event>(value).map_err(|e| {
            let path = e.path().to_string();
            // The first path segment is the kind itself; what follows is the
            // field inside `data`.
            let field = match path.split_once('.') {
                Some((_, rest)) => format!("data.{rest}"),
                None => "data".to_owned(),
            };
            (field, e.into_inner().to_string())
        })
    }

    /// Serializes an event in the `{"kind", "data"}` shape when human-readable.
    pub fn serialize<S: Serializer>(event: &Event, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            to_value(event).map_err(S::Error::custom)?.serialize(s)
        } else {
            event.serialize(s)
        }
    }

    /// Deserializes an event from the `{"kind", "data"}` shape when human-readable.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Event, D::Error> {
        if d.is_human_readable() {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct KindData {
                kind: String,
                data: serde_json::Value,
            }
            let kd = KindData::deserialize(d)?;
            from_parts(&kd.kind, kd.data).map_err(|(f, m)| D::Error::custom(format!("{f}: {m}")))
        } else {
            Event::deserialize(d)
        }
    }
}

mod opt_kind_data {
    use super::Event;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Wrap(#[serde(with = "super::kind_data")] Event);

    pub fn serialize<S: Serializer>(v: &Option<Box<Event>>, s: S) -> Result<S::Ok, S::Error> {
        v.as_ref().map(|e| Wrap((**e).clone())).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Box<Event>>, D::Error> {
        Ok(Option::<Wrap>::deserialize(d)?.map(|w| Box::new(w.0)))
    }
}
