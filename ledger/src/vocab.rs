//! The small closed vocabularies of the event model (SPEC §4): parties,
//! priorities, environments, channels, roles. Each serializes as the snake_case
//! word SPEC uses; in the canonical encoding as its variant index, so variants
//! are only ever appended, never reordered (docs/FORMAT.md).

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

macro_rules! vocab {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $s)] $v),+
        }
        impl $name {
            /// The word used in JSON and in SPEC.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

vocab!(
    /// A party of the contract, or a system acting for one (SPEC §4.1).
    Party {
        /// Leverandøren.
        Supplier = "supplier",
        /// Kunden (in Bilag 7.2.A: KOMBIT).
        Customer = "customer",
        /// An automated monitor, operated by a party.
        Monitor = "monitor",
        /// An auditor (records nothing that changes a figure).
        Auditor = "auditor",
    }
);

vocab!(
    /// Bilag 7.2.A incident priority A (most severe) to D.
    Priority { /** A. */ A = "A", /** B. */ B = "B", /** C. */ C = "C", /** D. */ D = "D" }
);

vocab!(
    /// Operating environment (Bilag 7.2.A 7.7).
    Environment {
        /// Production.
        Production = "production",
        /// Pre-production.
        PreProduction = "pre_production",
        /// External test.
        ExternalTest = "external_test",
    }
);

vocab!(
    /// Operations area (Bilag 7.2.A 13.1, 13.2).
    Area { /** Application operation. */ Application = "application", /** Infrastructure operation. */ Infrastructure = "infrastructure" }
);

vocab!(
    /// How an incident report reached the supplier.
    ReportChannel {
        /// Telephone.
        Phone = "phone",
        /// E-mail.
        Mail = "mail",
        /// Web form.
        Web = "web",
        /// The customer's collaboration tool.
        Tool = "tool",
        /// The contact person of Bilag 7.2.A 7.8.
        ContactPerson = "contact_person",
    }
);

vocab!(
    /// The nature of an incident's cause, where a rule depends on it.
    Cause { /** Ordinary incident. */ Ordinary = "ordinary", /** Response-time incident (§6.8). */ ResponseTime = "response_time", /** A missed patch (§6.10.3). */ MissedPatch = "missed_patch" }
);

vocab!(
    /// Who set a Bilag 6 fault category.
    CategoryRole { /** The supplier's triage. */ Supplier = "supplier", /** The customer's decision (needs a reason). */ Customer = "customer" }
);

vocab!(
    /// The standing of a Bilag 7.2.A priority decision (SPEC §6.1.3).
    PriorityRole {
        /// The supplier proposes.
        SupplierProposal = "supplier_proposal",
        /// KOMBIT decides.
        CustomerDecision = "customer_decision",
        /// Established by a dispute settlement.
        Settlement = "settlement",
    }
);

vocab!(
    /// The standing of a responsibility statement (SPEC §6.6.5).
    DecisionRole { /** A supplier's claim: changes no figure. */ Claim = "claim", /** A customer decision. */ Decision = "decision", /** A dispute settlement. */ Settlement = "settlement" }
);

vocab!(
    /// The standing of a problem priority (Bilag 7.2.A 9.2).
    ProblemPriorityRole { /** KOMBIT decides. */ CustomerDecision = "customer_decision", /** A dispute settlement. */ Settlement = "settlement" }
);

vocab!(
    /// Who is responsible for an incident's or problem's cause.
    Responsible {
        /// The supplier.
        Supplier = "supplier",
        /// The customer (needs `sole_cause`).
        Customer = "customer",
        /// Another supplier of the customer (named in `other_supplier`).
        OtherSupplier = "other_supplier",
        /// An external cause.
        External = "external",
    }
);

vocab!(
    /// Channel of a notification to the customer's operations manager.
    NotifyChannel { /** Telephone. */ Phone = "phone", /** SMS. */ Sms = "sms", /** E-mail. */ Mail = "mail" }
);

vocab!(
    /// First notice or later update.
    NoticeSequence { /** The first notice. */ Initial = "initial", /** A status update. */ Update = "update" }
);

vocab!(
    /// Channel of status information to users and stakeholders.
    StatusChannel { /** Telephone greeting. */ PhoneGreeting = "phone_greeting", /** Website. */ Website = "website", /** E-mail. */ Mail = "mail" }
);

vocab!(
    /// How an incident was resolved.
    ResolutionMethod { /** Effect and root cause removed. */ Remedy = "remedy", /** Effect removed (Omgåelse). */ Workaround = "workaround" }
);

vocab!(
    /// Kind of third party an incident is escalated to (Bilag 7.2.A 7.7.3).
    ThirdPartyType { /** Anvendersystemleverandør. */ UserSystemSupplier = "user_system_supplier", /** Tredjepartsprogrammelleverandør. */ ThirdPartySoftwareSupplier = "third_party_software_supplier" }
);

vocab!(
    /// Basis of a should-have-detected finding (Bilag 7.2.A 7.2).
    DetectionBasis {
        /// A monitoring rule (7.7).
        MonitoringRule = "monitoring_rule",
        /// A probe trigger (§6.8.6).
        ProbeTrigger = "probe_trigger",
        /// A control measurement (§6.9).
        ControlMeasurement = "control_measurement",
        /// Agreement of the parties.
        Agreement = "agreement",
        /// A dispute settlement.
        Settlement = "settlement",
    }
);

vocab!(
    /// Service desk contact channel (Bilag 7.2.A 10.4).
    ContactChannel { /** Telephone. */ Phone = "phone", /** E-mail. */ Mail = "mail", /** Web form. */ Web = "web" }
);

vocab!(
    /// Kind of information request (Bilag 7.2.A 10.2).
    InformationKind { /** Access to records (3 Arbejdsdage). */ Access = "access", /** An extract (2 Arbejdsdage). */ Extract = "extract" }
);

vocab!(
    /// Kind of service window (Bilag 7.2.A 18.5).
    WindowKind { /** Minor. */ Minor = "minor", /** Major. */ Major = "major", /** Restructuring. */ Restructuring = "restructuring" }
);

vocab!(
    /// What KOMBIT approved about a service window.
    WindowApproval { /** An extraordinary window. */ Extraordinary = "extraordinary", /** An exception to a blackout period. */ BlackoutException = "blackout_exception" }
);

vocab!(
    /// Batch job category (Bilag 7.2.A 5).
    BatchCategory { /** Critical. */ Critical = "critical", /** Important. */ Important = "important", /** Less important. */ LessImportant = "less_important" }
);

vocab!(
    /// Batch job complexity (Bilag 7.2.A 5).
    BatchComplexity { /** Simple. */ Simple = "simple", /** Medium. */ Medium = "medium", /** Complex. */ Complex = "complex" }
);

vocab!(
    /// Outcome of a batch run.
    BatchOutcome { /** Completed. */ Ok = "ok", /** Partly completed. */ Partial = "partial", /** Failed. */ Failed = "failed" }
);

vocab!(
    /// Outcome of a change.
    ChangeOutcome { /** Succeeded. */ Success = "success", /** Partly succeeded. */ Partial = "partial", /** Failed. */ Failed = "failed", /** Rolled back. */ RolledBack = "rolled_back" }
);

vocab!(
    /// Patch type (Bilag 7.2.A 19.1).
    PatchType { /** Critical security patch. */ CriticalSecurity = "critical_security", /** Important security patch. */ ImportantSecurity = "important_security", /** Moderate. */ Moderate = "moderate", /** Other (agreed deadline). */ Other = "other" }
);

vocab!(
    /// Kind of probe sample (SPEC §4.8).
    ProbeKind { /** User-interface transaction. */ Ui = "ui", /** Service transaction. */ Service = "service", /** Simple technical availability probe. */ Availability = "availability" }
);

vocab!(
    /// Kind of fee (vederlag) part.
    FeeKind { /** Fixed fee. */ Fixed = "fixed", /** Hourly work. */ Hourly = "hourly", /** Other. */ Other = "other" }
);

vocab!(
    /// Why a measurement was not performed (Bilag 6, SPEC §5.5).
    MissingReason { /** The supplier's circumstances. */ Supplier = "supplier", /** A dispute. */ Dispute = "dispute" }
);

vocab!(
    /// What a correction does (SPEC §4.10).
    CorrectionAction { /** Replace the content. */ Replace = "replace", /** Retract the event. */ Retract = "retract" }
);

vocab!(
    /// Subject of a dispute (SPEC §4.11).
    DisputeSubject {
        /// Whether a service goal was met (7.2.A 2.5).
        ServiceGoalMet = "service_goal_met",
        /// An incident's priority (7.3).
        IncidentPriority = "incident_priority",
        /// Responsibility for an incident (7.3).
        IncidentResponsibility = "incident_responsibility",
        /// The incident report (7.10).
        IncidentReport = "incident_report",
        /// A problem's priority (9.2).
        ProblemPriority = "problem_priority",
        /// A patch's type (19.1).
        PatchType = "patch_type",
        /// The timing of batch runs (5).
        BatchSchedule = "batch_schedule",
        /// Test requirements (25.2, 25.4).
        TestRequirements = "test_requirements",
        /// Bodspoint (Bilag 6).
        Bodspoint = "bodspoint",
        /// Anything else.
        Other = "other",
    }
);

vocab!(
    /// Dispute stage (SPEC §9.6), forward only.
    DisputeStage { /** Forhandling. */ Negotiation = "negotiation", /** Mægling. */ Mediation = "mediation", /** A sagkyndig's opinion or decision. */ ExpertOpinion = "expert_opinion", /** Voldgift. */ Arbitration = "arbitration" }
);

vocab!(
    /// How a dispute ended.
    SettlementOutcome { /** Agreement. */ Agreement = "agreement", /** The expert's decision. */ ExpertDecision = "expert_decision", /** An arbitral award. */ ArbitralAward = "arbitral_award", /** Withdrawn. */ Withdrawn = "withdrawn" }
);

/// A calendar month `YYYY-MM` (SPEC §3.1), the unit of evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    /// Year, 1970-9999.
    pub year: u16,
    /// Month, 1-12.
    pub month: u8,
}

impl Month {
    /// Parses `YYYY-MM`.
    pub fn parse(text: &str) -> Option<Month> {
        let b = text.as_bytes();
        if b.len() != 7
            || b[4] != b'-'
            || !b
                .iter()
                .enumerate()
                .all(|(i, c)| i == 4 || c.is_ascii_digit())
        {
            return None;
        }
        let year: u16 = text[..4].parse().ok()?;
        let month: u8 = text[5..].parse().ok()?;
        ((1970..=9999).contains(&year) && (1..=12).contains(&month))
            .then_some(Month { year, month })
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(self)
        } else {
            (self.year, self.month).serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let t = String::deserialize(d)?;
            Month::parse(&t)
                .ok_or_else(|| de::Error::custom(format!("`{t}` is not a month YYYY-MM")))
        } else {
            let (year, month) = <(u16, u8)>::deserialize(d)?;
            Ok(Month { year, month })
        }
    }
}

/// A blake3 or SHA-256 digest of a document kept outside the ledger,
/// written as 64 lowercase hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocHash(pub [u8; 32]);

impl DocHash {
    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        crate::chain::hex(&self.0)
    }
}

impl Serialize for DocHash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&self.to_hex())
        } else {
            self.0.serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for DocHash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let t = String::deserialize(d)?;
            crate::chain::parse_hex32(&t).map(DocHash).ok_or_else(|| {
                de::Error::custom(format!("`{t}` is not a hash of 64 lowercase hex digits"))
            })
        } else {
            Ok(DocHash(<[u8; 32]>::deserialize(d)?))
        }
    }
}
