//! Rule sets as typed data (SPEC §4.2, §10): the contract parameters a
//! stream's `rule_set_defined` / `rule_set_amended` content holds, parsed and
//! validated. The file format is documented in `docs/RULES.md`.
//!
//! A rule set is read from its canonical JSON content (the ledger stores the
//! TOML or JSON file in that form). Every key is known: an unknown key, an
//! unknown policy or value, a missing target, a negative fee parameter or
//! overlapping opening hours is an error naming the key.

use crate::calendar::{Calendar, NamedDay, OpeningHours};
use chrono::NaiveDate;
use serde::Deserialize;
use slaledger_ledger::vocab::Month;
use std::collections::BTreeMap;

/// Why a rule set is not valid; `key` is the dotted path of the offending key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule set key `{key}`: {reason}")]
pub struct RuleSetError {
    /// Dotted key path, e.g. `policies.clock`.
    pub key: String,
    /// What is wrong.
    pub reason: String,
}

fn err(key: &str, reason: impl Into<String>) -> RuleSetError {
    RuleSetError {
        key: key.to_owned(),
        reason: reason.into(),
    }
}

/// Which annex a rule set implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Annex {
    /// The Bilag 6 SLA (SPEC §5).
    Bilag6,
    /// The Bilag 7.2.A operations annex (SPEC §6).
    #[serde(rename = "bilag7_2a")]
    Bilag72a,
    /// Probe-average uptime goals and counters in the style of the VDX
    /// quarterly report (SPEC §7).
    #[serde(rename = "uptime")]
    Uptime,
}

macro_rules! policy_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $s:literal),+ $(,)? } default $def:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $s)] $var),+
        }
        impl $name {
            /// The rule-set spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$var => $s),+ }
            }
        }
        impl Default for $name {
            fn default() -> Self { $name::$def }
        }
    };
}

policy_enum!(
    /// `clock` (SPEC §5): how minute and hour targets run after the clock start.
    ClockPolicy { /** Real elapsed time. */ WallAfterStart = "wall_after_start", /** Only opening time counts. */ BusinessHours = "business_hours" } default WallAfterStart
);
policy_enum!(
    /// `kpi1_grouping` (SPEC §5.1).
    Kpi1Grouping { /** Two goals: categories 1+2 and 3+4. */ Separate = "separate", /** One percentage over all contacts. */ Combined = "combined" } default Separate
);
policy_enum!(
    /// `shortfall_rounding` (SPEC §5.1).
    ShortfallRounding { /** ⌈x⌉. */ Started = "started", /** Half-up. */ Nearest = "nearest", /** ⌊x⌋. */ Floor = "floor" } default Started
);
policy_enum!(
    /// `kpi2_start` (SPEC §5.2).
    Kpi2Start { /** Next opening of the contact's receipt. */ Received = "received", /** Next opening of `record_created_at`. */ Registered = "registered" } default Received
);
policy_enum!(
    /// `kpi4_rejected_report` (SPEC §5.4).
    Kpi4RejectedReport { /** A rejected submission does not stop the clock. */ DoesNotCount = "does_not_count", /** Every submission stops it. */ Counts = "counts" } default DoesNotCount
);
policy_enum!(
    /// `kpi4_month` (SPEC §5.4).
    Kpi4Month { /** The month the report is about. */ ReportMonth = "report_month", /** The month of the deadline. */ DeadlineMonth = "deadline_month" } default ReportMonth
);
policy_enum!(
    /// `unmeasured_dispute_points` (SPEC §5.5).
    YesNo { /** Yes. */ Yes = "yes", /** No. */ No = "no" } default Yes
);
policy_enum!(
    /// `attribution` (SPEC §5.7).
    Attribution { /** The month the clock stops. */ StopMonth = "stop_month", /** The month the clock starts. */ StartMonth = "start_month" } default StopMonth
);

policy_enum!(
    /// `workaround_resolution_time` (SPEC §6.2.1).
    WorkaroundTime { /** When the approved workaround took effect. */ Applied = "applied", /** When KOMBIT approved it. */ Approved = "approved" } default Applied
);
policy_enum!(
    /// `third_party_resolution_stop` (SPEC §6.2.1).
    ThirdPartyStop { /** Resolved, workaround communicated or impossibility documented, whichever first. */ EarliestMitigation = "earliest_mitigation", /** Resolution only. */ Resolved = "resolved" } default EarliestMitigation
);
policy_enum!(
    /// `notification_clock_start` (SPEC §6.3.1).
    NotificationStart { /** The incident start. */ IncidentStart = "incident_start", /** The incident record's creation. */ RecordCreated = "record_created" } default IncidentStart
);
policy_enum!(
    /// `ops_update_interval` (SPEC §6.3.1, N3 only).
    OpsUpdateInterval { /** Two hours (the service goal). */ TwoHours = "2h", /** One hour (7.9). */ OneHour = "1h" } default TwoHours
);

policy_enum!(
    /// `nonconforming_window` (SPEC §6.6.3).
    NonconformingWindow { /** Still an agreed window; reported as a finding. */ Finding = "finding", /** Not an agreed window: its maintenance is downtime. */ NotAgreed = "not_agreed" } default Finding
);
policy_enum!(
    /// `window_removal` (SPEC §6.6.3).
    WindowRemoval { /** The whole announced window. */ Planned = "planned", /** Only the announced window's used part. */ Used = "used" } default Planned
);
policy_enum!(
    /// `window_clock` (SPEC §6.6.3).
    WindowClock { /** Copenhagen wall-clock time. */ Local = "local", /** UTC+1 all year. */ FixedCet = "fixed_cet" } default Local
);
policy_enum!(
    /// `response_time_exclusion` (SPEC §6.6.4).
    ResponseTimeExclusion { /** Every `cause = response_time` incident. */ Flagged = "flagged", /** Only probe-triggered ones. */ ProbeTriggeredOnly = "probe_triggered_only" } default Flagged
);
policy_enum!(
    /// `supplier_delay` (SPEC §6.6.6).
    SupplierDelay { /** Recorded delay facts only. */ RecordedOnly = "recorded_only", /** Also late escalations to another supplier. */ EscalationAndRecorded = "escalation_and_recorded" } default RecordedOnly
);
policy_enum!(
    /// `non_redundant_start` (SPEC §6.6.7).
    NonRedundantStart { /** Only the infrastructure disruption moves. */ Disruption = "disruption", /** The incident start moves. */ Incident = "incident" } default Disruption
);
policy_enum!(
    /// `failed_sample` (SPEC §6.8.1).
    FailedSample { /** Over both limits. */ OverMax = "over_max", /** Not a sample. */ Missing = "missing" } default OverMax
);
policy_enum!(
    /// `payload_allowance` (SPEC §6.8.3).
    PayloadAllowance { /** +2 s per MB over 5 MB, exact. */ Proportional = "proportional", /** +2 s per started MB over 5 MB. */ StartedMb = "started_mb" } default Proportional
);
policy_enum!(
    /// `probe_exclusion_scope` (SPEC §6.8.5).
    ProbeExclusionScope { /** Counted A/B downtime, windows, overruns. */ CountedDowntime = "counted_downtime", /** Also excluded incident time. */ AllAbIncidents = "all_ab_incidents" } default CountedDowntime
);
policy_enum!(
    /// `package_deduction` (SPEC §6.8.5).
    PackageDeduction { /** 5 minutes per distinct instant, added after the union. */ Count = "count", /** The period [instant, instant + 5 min), unioned. */ Period = "period" } default Count
);

policy_enum!(
    /// `uptime_missing_probe` (SPEC §7.2).
    UptimeMissingProbe { /** A missing probe counts as failed. */ Failed = "failed", /** Missing probes are left out and reported. */ Excluded = "excluded" } default Failed
);

/// `small_sample_max_late` (SPEC §6.2.3): `off`, or `(N, K)` written `"N,K"`:
/// with fewer than N measurements the goal is met iff at most K exceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmallSample {
    /// The fractile rule always applies.
    #[default]
    Off,
    /// (N, K).
    Below(u32, u32),
}

impl SmallSample {
    fn parse(s: &str) -> Option<SmallSample> {
        if s == "off" {
            return Some(SmallSample::Off);
        }
        let (n, k) = s.split_once(',')?;
        Some(SmallSample::Below(
            n.trim().parse().ok()?,
            k.trim().parse().ok()?,
        ))
    }

    /// Rule-set spelling.
    pub fn text(self) -> String {
        match self {
            SmallSample::Off => "off".into(),
            SmallSample::Below(n, k) => format!("{n},{k}"),
        }
    }
}

/// The policies of SPEC §6.11 besides the typed ones: their values are
/// validated and reported; `abandoned_calls` is read by the service desk
/// goals, the others by goals of later issues.
pub const PENDING_B72A_POLICIES: &[(&str, &[&str])] = &[
    ("abandoned_calls", &["include", "exclude"]),
    ("infra_production_target", &["99.5", "99.9"]),
    ("nonconforming_window", &["finding", "not_agreed"]),
    ("window_removal", &["planned", "used"]),
    ("window_clock", &["local", "fixed_cet"]),
    (
        "response_time_exclusion",
        &["flagged", "probe_triggered_only"],
    ),
    (
        "supplier_delay",
        &["recorded_only", "escalation_and_recorded"],
    ),
    ("non_redundant_start", &["disruption", "incident"]),
    ("failed_sample", &["over_max", "missing"]),
    ("payload_allowance", &["proportional", "started_mb"]),
    (
        "probe_exclusion_scope",
        &["counted_downtime", "all_ab_incidents"],
    ),
    ("package_deduction", &["count", "period"]),
    ("batch_time_from", &["scheduled", "started"]),
    ("patch_incident_downtime", &["no", "yes"]),
    (
        "deletion_window",
        &["first_after_notice", "first_after_request"],
    ),
];

/// Every policy of SPEC §5.8 with the value in force. Fields absent from the
/// rule set take SPEC's default; [`RuleSet::policy_origin`] says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Policies {
    /// `clock`.
    pub clock: ClockPolicy,
    /// `kpi1_grouping`.
    pub kpi1_grouping: Kpi1Grouping,
    /// `shortfall_rounding`.
    pub shortfall_rounding: ShortfallRounding,
    /// `kpi2_start`.
    pub kpi2_start: Kpi2Start,
    /// `kpi4_rejected_report`.
    pub kpi4_rejected_report: Kpi4RejectedReport,
    /// `kpi4_month`.
    pub kpi4_month: Kpi4Month,
    /// `unmeasured_dispute_points`.
    pub unmeasured_dispute_points: YesNo,
    /// `attribution`.
    pub attribution: Attribution,
    /// `small_sample_max_late`.
    pub small_sample_max_late: SmallSample,
    /// `workaround_resolution_time`.
    pub workaround_resolution_time: WorkaroundTime,
    /// `third_party_resolution_stop`.
    pub third_party_resolution_stop: ThirdPartyStop,
    /// `notification_clock_start`.
    pub notification_clock_start: NotificationStart,
    /// `ops_update_interval`.
    pub ops_update_interval: OpsUpdateInterval,
    /// Index into each [`PENDING_B72A_POLICIES`] entry's values (0: default).
    pub pending: [u8; 15],
    /// `uptime_missing_probe` (SPEC §7.2).
    pub uptime_missing_probe: UptimeMissingProbe,
}

/// Where a policy value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// SPEC's default (the rule set does not name the policy).
    Default,
    /// The rule set.
    RuleSet,
    /// A replay override (SPEC §9.4).
    Override,
    /// A dispute settlement fixed it for the month (SPEC §9.6).
    Settlement,
}

impl Origin {
    /// Lower-case name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Default => "default",
            Origin::RuleSet => "rule_set",
            Origin::Override => "override",
            Origin::Settlement => "settlement",
        }
    }
}

impl Policies {
    /// (name, value) of every policy of an annex, in the order of SPEC §5.8
    /// (Bilag 6) or §6.11 (Bilag 7.2.A).
    pub fn values_for(&self, annex: Annex) -> Vec<(&'static str, String)> {
        match annex {
            Annex::Bilag6 => vec![
                ("clock", self.clock.as_str().into()),
                ("kpi1_grouping", self.kpi1_grouping.as_str().into()),
                (
                    "shortfall_rounding",
                    self.shortfall_rounding.as_str().into(),
                ),
                ("kpi2_start", self.kpi2_start.as_str().into()),
                (
                    "kpi4_rejected_report",
                    self.kpi4_rejected_report.as_str().into(),
                ),
                ("kpi4_month", self.kpi4_month.as_str().into()),
                (
                    "unmeasured_dispute_points",
                    self.unmeasured_dispute_points.as_str().into(),
                ),
                ("attribution", self.attribution.as_str().into()),
            ],
            Annex::Bilag72a => {
                let mut v = vec![
                    ("attribution", self.attribution.as_str().into()),
                    ("small_sample_max_late", self.small_sample_max_late.text()),
                    (
                        "workaround_resolution_time",
                        self.workaround_resolution_time.as_str().into(),
                    ),
                    (
                        "third_party_resolution_stop",
                        self.third_party_resolution_stop.as_str().into(),
                    ),
                    (
                        "notification_clock_start",
                        self.notification_clock_start.as_str().into(),
                    ),
                    (
                        "ops_update_interval",
                        self.ops_update_interval.as_str().into(),
                    ),
                ];
                for (i, (name, values)) in PENDING_B72A_POLICIES.iter().enumerate() {
                    v.push((name, values[usize::from(self.pending[i])].to_owned()));
                }
                v
            }
            Annex::Uptime => vec![(
                "uptime_missing_probe",
                self.uptime_missing_probe.as_str().into(),
            )],
        }
    }

    /// The value of one of the [`PENDING_B72A_POLICIES`] (its default when
    /// the name is unknown).
    pub fn pending_value(&self, name: &str) -> &'static str {
        PENDING_B72A_POLICIES
            .iter()
            .position(|(n, _)| *n == name)
            .map(|i| PENDING_B72A_POLICIES[i].1[usize::from(self.pending[i])])
            .unwrap_or("")
    }

    fn pending_as<T: for<'de> Deserialize<'de> + Default>(&self, name: &str) -> T {
        serde_json::from_value(serde_json::Value::String(
            self.pending_value(name).to_owned(),
        ))
        .unwrap_or_default()
    }

    /// `infra_production_target` (SPEC §6.6.1): 99.50 (Tabel 14) or 99.90 (13.2.1's text).
    pub fn infra_production_target(&self) -> Hundredths {
        match self.pending_value("infra_production_target") {
            "99.9" => Hundredths(9990),
            _ => Hundredths(9950),
        }
    }

    /// `nonconforming_window`.
    pub fn nonconforming_window(&self) -> NonconformingWindow {
        self.pending_as("nonconforming_window")
    }

    /// `window_removal`.
    pub fn window_removal(&self) -> WindowRemoval {
        self.pending_as("window_removal")
    }

    /// `window_clock`.
    pub fn window_clock(&self) -> WindowClock {
        self.pending_as("window_clock")
    }

    /// `response_time_exclusion`.
    pub fn response_time_exclusion(&self) -> ResponseTimeExclusion {
        self.pending_as("response_time_exclusion")
    }

    /// `supplier_delay`.
    pub fn supplier_delay(&self) -> SupplierDelay {
        self.pending_as("supplier_delay")
    }

    /// `non_redundant_start`.
    pub fn non_redundant_start(&self) -> NonRedundantStart {
        self.pending_as("non_redundant_start")
    }

    /// `failed_sample`.
    pub fn failed_sample(&self) -> FailedSample {
        self.pending_as("failed_sample")
    }

    /// `payload_allowance`.
    pub fn payload_allowance(&self) -> PayloadAllowance {
        self.pending_as("payload_allowance")
    }

    /// `probe_exclusion_scope`.
    pub fn probe_exclusion_scope(&self) -> ProbeExclusionScope {
        self.pending_as("probe_exclusion_scope")
    }

    /// `package_deduction`.
    pub fn package_deduction(&self) -> PackageDeduction {
        self.pending_as("package_deduction")
    }

    /// `patch_incident_downtime = yes` (SPEC §6.10.3).
    pub fn patch_incident_downtime(&self) -> bool {
        self.pending_value("patch_incident_downtime") == "yes"
    }

    /// (name, value) of every Bilag 6 policy, in the order of SPEC §5.8.
    pub fn values(&self) -> Vec<(&'static str, String)> {
        self.values_for(Annex::Bilag6)
    }

    /// Sets one policy from its rule-set spelling (used by overrides).
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), RuleSetError> {
        let key = format!("policies.{name}");
        let v = serde_json::Value::String(value.to_owned());
        fn parse<T: for<'de> Deserialize<'de>>(
            key: &str,
            v: serde_json::Value,
        ) -> Result<T, RuleSetError> {
            serde_json::from_value(v).map_err(|e| err(key, e.to_string()))
        }
        match name {
            "clock" => self.clock = parse(&key, v)?,
            "kpi1_grouping" => self.kpi1_grouping = parse(&key, v)?,
            "shortfall_rounding" => self.shortfall_rounding = parse(&key, v)?,
            "kpi2_start" => self.kpi2_start = parse(&key, v)?,
            "kpi4_rejected_report" => self.kpi4_rejected_report = parse(&key, v)?,
            "kpi4_month" => self.kpi4_month = parse(&key, v)?,
            "unmeasured_dispute_points" => self.unmeasured_dispute_points = parse(&key, v)?,
            "attribution" => self.attribution = parse(&key, v)?,
            "small_sample_max_late" => {
                self.small_sample_max_late = SmallSample::parse(value).ok_or_else(|| {
                    err(
                        &key,
                        format!("`{value}` is neither `off` nor `N,K` (e.g. `10,1`)"),
                    )
                })?
            }
            "workaround_resolution_time" => self.workaround_resolution_time = parse(&key, v)?,
            "third_party_resolution_stop" => self.third_party_resolution_stop = parse(&key, v)?,
            "notification_clock_start" => self.notification_clock_start = parse(&key, v)?,
            "ops_update_interval" => self.ops_update_interval = parse(&key, v)?,
            "uptime_missing_probe" => self.uptime_missing_probe = parse(&key, v)?,
            _ => match PENDING_B72A_POLICIES.iter().position(|(n, _)| *n == name) {
                Some(i) => {
                    let values = PENDING_B72A_POLICIES[i].1;
                    let j = values.iter().position(|x| *x == value).ok_or_else(|| {
                        err(
                            &key,
                            format!(
                                "unknown value `{value}`, expected one of {}",
                                values.join(", ")
                            ),
                        )
                    })?;
                    self.pending[i] = j as u8;
                }
                None => return Err(err(&key, "unknown policy")),
            },
        }
        Ok(())
    }
}

/// Points in tenths, written in a rule set as a decimal string with at
/// most one decimal (`"2.0"`, `"0.5"`), so no float ever carries a rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Tenths(pub i64);

impl Tenths {
    /// Parses `"2"`, `"2.0"` or `"0.5"`.
    pub fn parse(s: &str) -> Option<Tenths> {
        let (whole, frac) = match s.split_once('.') {
            Some((w, f)) => (w, f),
            None => (s, "0"),
        };
        if whole.is_empty()
            || frac.len() != 1
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let w: i64 = whole.parse().ok()?;
        let f: i64 = frac.parse().ok()?;
        w.checked_mul(10)?.checked_add(f).map(Tenths)
    }

    /// `"2.0"`.
    pub fn display(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        format!("{sign}{}.{}", self.0.abs() / 10, self.0.abs() % 10)
    }
}

/// A percentage with two decimals, in hundredths of a percent (`99.50` is
/// 9950), written in a rule set as a decimal string so no float carries a
/// target (SPEC §3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hundredths(pub i64);

impl Hundredths {
    /// Parses `"99.5"`, `"99.50"` or `"95"` (0 to 100, at most two decimals).
    pub fn parse(s: &str) -> Option<Hundredths> {
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        if whole.is_empty()
            || frac.len() > 2
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || whole.len() > 3
        {
            return None;
        }
        let f: i64 = format!("{frac:0<2}").parse().ok()?;
        let v = whole.parse::<i64>().ok()? * 100 + f;
        (v <= 10_000).then_some(Hundredths(v))
    }

    /// `"99.50"` (`"-0.25"` for a negative KTS).
    pub fn display(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        format!("{sign}{}.{:02}", self.0.abs() / 100, self.0.abs() % 100)
    }
}

/// Bilag 6 KPI 1 parameters (SPEC §5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kpi1 {
    /// Required percentage within the limit (90).
    pub percent: u32,
    /// Limit for categories 1 and 2, minutes (15).
    pub limit_minutes_cat12: u32,
    /// Limit for categories 3 and 4, minutes (30).
    pub limit_minutes_cat34: u32,
    /// Points per counted percentage point of shortfall (1.0).
    pub points_per_percentage_point: Tenths,
}

/// Bilag 6 KPI 2 parameters (SPEC §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kpi2 {
    /// Category 1 target, hours (8).
    pub cat1_hours: u32,
    /// Points per started hour over, category 1 (2.0).
    pub cat1_points_per_started_hour: Tenths,
    /// Category 2 target, hours (16).
    pub cat2_hours: u32,
    /// Points per started hour over, category 2 (1.0).
    pub cat2_points_per_started_hour: Tenths,
    /// Category 3 target, Arbejdsdage (5).
    pub cat3_arbejdsdage: u32,
    /// Points per started Arbejdsdag late, category 3 (1.0).
    pub cat3_points_per_started_arbejdsdag: Tenths,
    /// Category 4 target, Arbejdsdage (10).
    pub cat4_arbejdsdage: u32,
    /// Points per started Arbejdsdag late, category 4 (1.0).
    pub cat4_points_per_started_arbejdsdag: Tenths,
}

/// Bilag 6 KPI 3 parameters (SPEC §5.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kpi3 {
    /// Deadline, Arbejdsdage after the request (10).
    pub arbejdsdage: u32,
    /// Points per started Arbejdsdag late (2.0).
    pub points_per_started_arbejdsdag: Tenths,
}

/// Bilag 6 KPI 4 parameters (SPEC §5.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kpi4 {
    /// Deadline: the end of this Arbejdsdag after the month (10).
    pub arbejdsdage_after_month: u32,
    /// Points for a missing report (3.0).
    pub missing_points: Tenths,
    /// Points per started Arbejdsdag late (1.0).
    pub points_per_started_arbejdsdag: Tenths,
}

/// Measurements not performed (SPEC §5.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotPerformed {
    /// Points per item not registered (1.0).
    pub points_per_item: Tenths,
}

/// The Bilag 6 goals a rule set enables, with their targets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bilag6Goals {
    /// KPI 1, if enabled.
    pub kpi1: Option<Kpi1>,
    /// KPI 2, if enabled.
    pub kpi2: Option<Kpi2>,
    /// KPI 3, if enabled.
    pub kpi3: Option<Kpi3>,
    /// KPI 4, if enabled.
    pub kpi4: Option<Kpi4>,
    /// Measurements not performed, if enabled.
    pub not_performed: Option<NotPerformed>,
}

/// Fee parameters (SPEC §5.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeRules {
    /// Bod per point, percent of the month's fee (1).
    pub percent_per_point: u32,
    /// Monthly cap, percent of the month's fee (50).
    pub monthly_cap_percent: u32,
    /// Yearly cap, percent of the year's fees so far (none).
    pub yearly_cap_percent: Option<u32>,
}

/// KOMBIT's categorisation of an integration or batch job (7.4, 7.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Criticality {
    /// Kritisk.
    Critical,
    /// Vigtig.
    Important,
    /// Mindre Vigtig.
    LessImportant,
}

impl Criticality {
    fn parse(s: &str) -> Option<Criticality> {
        match s {
            "critical" => Some(Criticality::Critical),
            "important" => Some(Criticality::Important),
            "less_important" => Some(Criticality::LessImportant),
            _ => None,
        }
    }
}

/// A time target: a duration, or a number of Arbejdsdage (SPEC §6.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Milliseconds.
    Duration(i64),
    /// Arbejdsdage.
    Arbejdsdage(u32),
    /// Dage (calendar days, SPEC §3.4 rule 3).
    Dage(u32),
}

impl Target {
    /// Parses `"30 min"`, `"2 h"`, `"1 Arbejdsdag"`, `"3 Arbejdsdage"`.
    pub fn parse(s: &str) -> Option<Target> {
        let (n, unit) = s.trim().split_once(' ')?;
        let n: u32 = n.parse().ok()?;
        match unit.trim() {
            "min" => Some(Target::Duration(i64::from(n) * 60_000)),
            "h" => Some(Target::Duration(i64::from(n) * 3_600_000)),
            "Arbejdsdag" | "Arbejdsdage" if n > 0 => Some(Target::Arbejdsdage(n)),
            "Dag" | "Dage" | "dage" if n > 0 => Some(Target::Dage(n)),
            _ => None,
        }
    }

    /// `30 min`, `3 Arbejdsdage`.
    pub fn text(self) -> String {
        match self {
            Target::Duration(ms) if ms % 3_600_000 == 0 => format!("{} h", ms / 3_600_000),
            Target::Duration(ms) => format!("{} min", ms / 60_000),
            Target::Arbejdsdage(1) => "1 Arbejdsdag".into(),
            Target::Arbejdsdage(n) => format!("{n} Arbejdsdage"),
            Target::Dage(1) => "1 Dag".into(),
            Target::Dage(n) => format!("{n} Dage"),
        }
    }
}

/// Tabel 7 (SPEC §6.2.2): per priority A-D the reaction, escalation and
/// resolution targets, met by the 90 % fractile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentTimes {
    /// Fractile percent (90).
    pub percent: u32,
    /// `[priority A..D][reaction, escalation, resolution]`.
    pub targets: [[Target; 3]; 4],
}

/// 7.9.1 notification goals (SPEC §6.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationGoal {
    /// N1, N2 limit, minutes (30).
    pub initial_minutes: u32,
    /// N3, N4 interval, hours (2); `ops_update_interval = 1h` overrides N3.
    pub update_hours: u32,
}

/// 7.10 incident report (SPEC §6.3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentReportGoal {
    /// Dage after the resolution (2).
    pub dage: u32,
}

/// 9.3.1 Tabel 9: problem resolution, Arbejdsdage per priority A-D.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemGoal {
    /// Arbejdsdage for A, B, C, D (15, 30, 90, 180).
    pub arbejdsdage: [u32; 4],
}

/// 9.5: RCA for A/B problems within N Arbejdsdage of being established, in
/// p % of cases per month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RcaGoal {
    /// Percent (95).
    pub percent: u32,
    /// Arbejdsdage (5).
    pub arbejdsdage: u32,
}

/// 10.4 Tabel 11: the service desk goals (SPEC §6.5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDeskGoal {
    /// SD3: average phone wait, seconds (180).
    pub average_wait_seconds: u32,
    /// SD4: each call's wait, seconds (600).
    pub max_wait_seconds: u32,
    /// SD5: mail / web personal reaction, hours (3).
    pub mail_web_reaction_hours: u32,
    /// SD6: percent closed at the first contact (65).
    pub first_contact_percent: u32,
    /// Option 1 (10.4.1): phone open 24/7.
    pub phone_24_7: bool,
    /// 10.2: access to records, Arbejdsdage (3).
    pub information_access_arbejdsdage: u32,
    /// 10.2: extracts, Arbejdsdage (2).
    pub information_extract_arbejdsdage: u32,
}

/// 11.2 service requests (SPEC §6.5.2): per catalogue item an optional
/// reaction target and a resolution target; other items take the default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRequestGoal {
    /// Resolution target of items without a catalogue target (3 Arbejdsdage).
    pub default_resolution: Target,
    /// Catalogue item → (reaction, resolution).
    pub catalogue: BTreeMap<String, (Option<Target>, Target)>,
}

/// 5 Tabel 2 / Tabel 3: batch runs (SPEC §6.10.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchGoal {
    /// Required percent successful for critical, important, less important (100, 95, 90).
    pub percent: [u32; 3],
    /// Strict limits for simple, medium, complex jobs, minutes (60, 180, 300).
    pub limit_minutes: [u32; 3],
}

/// 16.1: changes (SPEC §6.10.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeGoal {
    /// Required percent successful (95).
    pub percent: u32,
}

/// 19.1 Tabel 18: patches (SPEC §6.10.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchGoal {
    /// Deadlines for critical security, important security, moderate, and the
    /// cap of other patches.
    pub deadlines: [Target; 4],
    /// Contact about a critical patch, minutes (30).
    pub critical_contact_minutes: u32,
}

/// 13.1-13.4: availability targets per environment and area (SPEC §6.6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailabilityGoal {
    /// Targets by environment (production, pre-production, external test)
    /// and area (application, infrastructure). Production infrastructure is
    /// `None`: policy `infra_production_target` sets it.
    pub targets: [[Option<Hundredths>; 2]; 3],
    /// KTS target (13.3 leaves it to the price annex): a verdict only when set.
    pub kts_target: Option<Hundredths>,
}

/// A measuring point (Målepunkt) of the response-time probes (SPEC §6.8.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasuringPoint {
    /// `ui` or `service`.
    pub kind: slaledger_ledger::vocab::ProbeKind,
    /// Transaction category 1-3.
    pub category: u8,
    /// First month the point is configured (inclusive).
    pub from: Option<Month>,
    /// First month it no longer is (exclusive).
    pub until: Option<Month>,
}

impl MeasuringPoint {
    /// The point is configured in month `m`.
    pub fn active_in(&self, m: Month) -> bool {
        self.from.is_none_or(|f| f <= m) && self.until.is_none_or(|u| m < u)
    }
}

/// 14.1-14.5: response-time probes and control measurements (SPEC §6.8-6.9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseTimeGoal {
    /// (desired, maximum) in ms per category 1-3, for UI transactions (Tabel 15).
    pub ui_ms: [(i64, i64); 3],
    /// The same for service transactions (Tabel 16).
    pub service_ms: [(i64, i64); 3],
    /// Packages over the maximum tolerated per kind and month (2).
    pub max_tolerated: u32,
    /// Packages over only the desired limit tolerated (40).
    pub desired_tolerated: u32,
    /// Minutes deducted per deducting package (5).
    pub package_minutes: u32,
    /// Longest gap between samples of one point that is not deducted, s (360).
    pub gap_seconds: u32,
    /// Gap between samples of one point that triggers a B incident, min (14).
    pub trigger_gap_minutes: u32,
    /// Window in which samples over a limit form a trigger, min (60).
    pub trigger_window_minutes: u32,
    /// How long after an episode a covering incident may be open, min (60).
    pub trigger_match_window_minutes: u32,
    /// Measurements per point a complete control measurement needs (50).
    pub control_min_per_point: u32,
    /// Measuring points by id.
    pub points: BTreeMap<String, MeasuringPoint>,
}

/// A probe-average uptime goal (SPEC §7.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UptimeGoal {
    /// Stable id: the goal is `vdx.uptime.<id>`.
    pub id: String,
    /// Label as printed (e.g. `Oppetid - VDX-infrastruktur`).
    pub label: String,
    /// Goal group of the history table (e.g. `Drift`).
    pub group: Option<String>,
    /// How it is measured (Opgørelse af servicemål).
    pub method: String,
    /// Service id of `availability_probe_summary` events.
    pub service: String,
    /// Probe points (`availability` samples' `point_id`).
    pub points: Vec<String>,
    /// Expected interval between probes per point, seconds.
    pub interval_seconds: u32,
    /// Target.
    pub target: Hundredths,
    /// Leave out probes inside agreed service windows.
    pub exclude_windows: bool,
}

/// A counter without a target (SPEC §7.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    /// Metric id of `usage_metric_observed`; the goal is `vdx.counter.<id>`.
    pub id: String,
    /// Label as printed.
    pub label: String,
    /// How it is counted.
    pub method: String,
}

/// Report data of a quarterly report (SPEC §7.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportInfo {
    /// System name (Systemnavn).
    pub system_name: String,
    /// Responsible authority (Systemansvarlige myndighed).
    pub responsible_authority: String,
    /// Contact: name, organisation, e-mail, phone.
    pub contact: Vec<(String, String)>,
}

/// The Bilag 7.2.A goals a rule set enables.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct B72aGoals {
    /// 5 batch runs.
    pub batch_runs: Option<BatchGoal>,
    /// 16.1 changes.
    pub changes: Option<ChangeGoal>,
    /// 19.1 patches.
    pub patches: Option<PatchGoal>,
    /// 11.2 service requests.
    pub service_requests: Option<ServiceRequestGoal>,
    /// 10.4 service desk.
    pub service_desk: Option<ServiceDeskGoal>,
    /// 9.3.1 problem resolution.
    pub problems: Option<ProblemGoal>,
    /// 9.5 root cause analysis.
    pub rca: Option<RcaGoal>,
    /// Tabel 7 incident times.
    pub incident_times: Option<IncidentTimes>,
    /// 7.9.1 notification.
    pub notification: Option<NotificationGoal>,
    /// 7.10 incident report.
    pub incident_report: Option<IncidentReportGoal>,
    /// 13.1-13.4 availability.
    pub availability: Option<AvailabilityGoal>,
    /// 14 response times and control measurements.
    pub response_times: Option<ResponseTimeGoal>,
}

/// A third party of 7.7.3: its type and opening hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThirdParty {
    /// User-system supplier or third-party software supplier.
    pub kind: slaledger_ledger::vocab::ThirdPartyType,
    /// Its opening hours (default Mon-Fri 08:00-16:00 on Arbejdsdage).
    pub opening_hours: OpeningHours,
}

/// A parsed, validated rule set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSet {
    /// Stream it governs.
    pub stream: String,
    /// Rule-set id.
    pub rule_set_id: String,
    /// First month it governs.
    pub effective_from: Month,
    /// Annex.
    pub annex: Annex,
    /// Closed-day calendar.
    pub calendar: Calendar,
    /// Fee parameters.
    pub fee: FeeRules,
    /// Named opening-hours schedules (`service_desk`, third parties...).
    pub opening_hours: BTreeMap<String, OpeningHours>,
    /// Policy values.
    pub policies: Policies,
    /// Policies the rule set names explicitly.
    pub policies_named: Vec<&'static str>,
    /// Bilag 6 goals (empty for other annexes).
    pub bilag6: Bilag6Goals,
    /// Bilag 7.2.A goals (empty for other annexes).
    pub b72a: B72aGoals,
    /// KOMBIT's categorisation of integrations (7.4).
    pub integrations: BTreeMap<String, Criticality>,
    /// KOMBIT's categorisation of batch jobs (7.5).
    pub batch_jobs: BTreeMap<String, Criticality>,
    /// Batch jobs' complexity (5.1): `simple`, `medium` or `complex`.
    pub batch_complexity: BTreeMap<String, String>,
    /// Third parties (7.7.3).
    pub third_parties: BTreeMap<String, ThirdParty>,
    /// Penalty mapping (SPEC §10): points for each month a Bilag 7.2.A goal
    /// is not met, by goal id.
    pub penalties: BTreeMap<String, Tenths>,
    /// Probe-average uptime goals, in rule-set order (annex `uptime`).
    pub uptime: Vec<UptimeGoal>,
    /// Counters without targets, in rule-set order.
    pub counters: Vec<Counter>,
    /// Report data for quarterly reports.
    pub report: Option<ReportInfo>,
}

// ------------------------------------------------------------ the file shape

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    stream: String,
    rule_set_id: String,
    effective_from: String,
    annex: Annex,
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default)]
    clock_tolerance_minutes: Option<i64>,
    #[serde(default)]
    calendar: RawCalendar,
    #[serde(default)]
    fee: Option<RawFee>,
    #[serde(default)]
    opening_hours: BTreeMap<String, RawHours>,
    #[serde(default)]
    policies: BTreeMap<String, String>,
    #[serde(default)]
    goals: RawGoals,
    #[serde(default)]
    integrations: BTreeMap<String, String>,
    #[serde(default)]
    batch_jobs: BTreeMap<String, RawBatchJob>,
    #[serde(default)]
    third_parties: BTreeMap<String, RawThirdParty>,
    #[serde(default)]
    penalties: BTreeMap<String, String>,
    #[serde(default)]
    counters: Vec<serde_json::Value>,
    #[serde(default)]
    report: Option<RawReportInfo>,
    /// Checked by `slaledger_ledger::signing::StreamRules` (issue 7).
    #[serde(default)]
    #[allow(dead_code)]
    signatures: Option<serde_json::Value>,
    /// Checked by `slaledger_ledger::signing::StreamRules` (issue 7).
    #[serde(default)]
    #[allow(dead_code)]
    permissions: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReportInfo {
    system_name: String,
    responsible_authority: String,
    #[serde(default)]
    contact: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUptime {
    id: String,
    label: String,
    #[serde(default)]
    group: Option<String>,
    method: String,
    service: String,
    points: Vec<String>,
    interval_seconds: u32,
    target: String,
    #[serde(default)]
    exclude_windows: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCounter {
    id: String,
    label: String,
    method: String,
}

fn uptime_goals(raw: &[serde_json::Value]) -> Result<Vec<UptimeGoal>, RuleSetError> {
    let mut out: Vec<UptimeGoal> = Vec::new();
    for (i, v) in raw.iter().enumerate() {
        let key = format!("goals.uptime[{i}]");
        let r: RawUptime =
            serde_json::from_value(v.clone()).map_err(|e| err(&key, e.to_string()))?;
        let key = format!("goals.uptime.{}", r.id);
        if out.iter().any(|g| g.id == r.id) {
            return Err(err(&key, "the id is used twice"));
        }
        let target = Hundredths::parse(&r.target).ok_or_else(|| {
            err(
                &format!("{key}.target"),
                format!(
                    "`{}` is not a percentage with at most two decimals",
                    r.target
                ),
            )
        })?;
        if r.interval_seconds == 0 {
            return Err(err(
                &format!("{key}.interval_seconds"),
                "must be at least 1",
            ));
        }
        if r.points.is_empty() {
            return Err(err(&format!("{key}.points"), "lists no probe point"));
        }
        out.push(UptimeGoal {
            id: r.id,
            label: r.label,
            group: r.group,
            method: r.method,
            service: r.service,
            points: r.points,
            interval_seconds: r.interval_seconds,
            target,
            exclude_windows: r.exclude_windows,
        });
    }
    Ok(out)
}

fn counters(raw: &[serde_json::Value]) -> Result<Vec<Counter>, RuleSetError> {
    let mut out: Vec<Counter> = Vec::new();
    for (i, v) in raw.iter().enumerate() {
        let r: RawCounter = serde_json::from_value(v.clone())
            .map_err(|e| err(&format!("counters[{i}]"), e.to_string()))?;
        if out.iter().any(|c| c.id == r.id) {
            return Err(err(&format!("counters.{}", r.id), "the id is used twice"));
        }
        out.push(Counter {
            id: r.id,
            label: r.label,
            method: r.method,
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBatchJob {
    category: String,
    #[serde(default)]
    complexity: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThirdParty {
    kind: slaledger_ledger::vocab::ThirdPartyType,
    #[serde(default)]
    opening_hours: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    #[serde(default)]
    add_closed: Vec<String>,
    #[serde(default)]
    remove_closed: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFee {
    percent_per_point: Option<i64>,
    monthly_cap_percent: Option<i64>,
    #[serde(default)]
    yearly_cap_percent: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHours {
    #[serde(default)]
    mon: Vec<(String, String)>,
    #[serde(default)]
    tue: Vec<(String, String)>,
    #[serde(default)]
    wed: Vec<(String, String)>,
    #[serde(default)]
    thu: Vec<(String, String)>,
    #[serde(default)]
    fri: Vec<(String, String)>,
    #[serde(default)]
    sat: Vec<(String, String)>,
    #[serde(default)]
    sun: Vec<(String, String)>,
    #[serde(default = "yes")]
    arbejdsdage_only: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawGoals {
    #[serde(default)]
    kpi1: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    kpi2: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    kpi3: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    kpi4: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    not_performed: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    incident_times: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    notification: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    incident_report: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    problems: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    rca: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    service_desk: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    service_requests: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    batch_runs: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    changes: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    patches: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    availability: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    response_times: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    uptime: Vec<serde_json::Value>,
}

/// Reads the keys of one goal table, each exactly once, and reports unknown
/// and missing keys by their full path.
struct GoalTable<'a> {
    path: &'static str,
    map: &'a BTreeMap<String, serde_json::Value>,
    used: Vec<&'static str>,
}

impl<'a> GoalTable<'a> {
    fn new(path: &'static str, map: &'a BTreeMap<String, serde_json::Value>) -> Self {
        GoalTable {
            path,
            map,
            used: Vec::new(),
        }
    }

    fn key(&self, k: &str) -> String {
        format!("{}.{k}", self.path)
    }

    fn get(&mut self, k: &'static str) -> Result<&'a serde_json::Value, RuleSetError> {
        self.used.push(k);
        self.map.get(k).ok_or_else(|| {
            err(
                &self.key(k),
                "missing (every enabled goal states its targets and rates)",
            )
        })
    }

    fn count(&mut self, k: &'static str, min: u64, max: u64) -> Result<u32, RuleSetError> {
        let key = self.key(k);
        match self.get(k)?.as_i64() {
            Some(n) if n < 0 => Err(err(&key, format!("{n} is negative"))),
            Some(n) if (n as u64) < min || (n as u64) > max => {
                Err(err(&key, format!("{n} is outside {min}..={max}")))
            }
            Some(n) => Ok(n as u32),
            None => Err(err(&key, "must be a whole number")),
        }
    }

    fn points(&mut self, k: &'static str) -> Result<Tenths, RuleSetError> {
        let key = self.key(k);
        match self.get(k)? {
            serde_json::Value::String(s) => Tenths::parse(s).ok_or_else(|| {
                err(
                    &key,
                    format!("`{s}` is not a non-negative number of points with at most one decimal, e.g. \"2.0\""),
                )
            }),
            _ => Err(err(
                &key,
                "points are written as a decimal string, e.g. \"2.0\" (no floats)",
            )),
        }
    }

    fn percent(&mut self, k: &'static str) -> Result<Hundredths, RuleSetError> {
        let key = self.key(k);
        match self.get(k)? {
            serde_json::Value::String(s) => Hundredths::parse(s).ok_or_else(|| {
                err(
                    &key,
                    format!(
                        "`{s}` is not a percentage 0-100 with at most two decimals, e.g. \"99.50\""
                    ),
                )
            }),
            _ => Err(err(
                &key,
                "percentages are written as a decimal string, e.g. \"99.50\" (no floats)",
            )),
        }
    }

    fn limits(&mut self, k: &'static str) -> Result<[(i64, i64); 3], RuleSetError> {
        let key = self.key(k);
        let bad = || {
            err(
                &key,
                "must be three [desired_ms, maximum_ms] pairs for categories 1-3, e.g. [[1000, 2000], [2000, 3000], [4000, 6000]], with desired <= maximum",
            )
        };
        let rows = self.get(k)?.as_array().ok_or_else(bad)?;
        if rows.len() != 3 {
            return Err(bad());
        }
        let mut out = [(0, 0); 3];
        for (i, r) in rows.iter().enumerate() {
            let pair = r.as_array().filter(|p| p.len() == 2).ok_or_else(bad)?;
            let d = pair[0].as_i64().filter(|v| *v > 0).ok_or_else(bad)?;
            let m = pair[1].as_i64().filter(|v| *v >= d).ok_or_else(bad)?;
            out[i] = (d, m);
        }
        Ok(out)
    }

    fn finish(self) -> Result<(), RuleSetError> {
        match self.map.keys().find(|k| !self.used.contains(&k.as_str())) {
            Some(k) => Err(err(&self.key(k), "unknown key")),
            None => Ok(()),
        }
    }
}

fn parse_minute(key: &str, s: &str) -> Result<u32, RuleSetError> {
    let bad = || {
        err(
            key,
            format!("`{s}` is not a time HH:MM between 00:00 and 24:00"),
        )
    };
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: u32 = h.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

fn hours(name: &str, raw: &RawHours) -> Result<OpeningHours, RuleSetError> {
    let mut days: [Vec<(u32, u32)>; 7] = Default::default();
    let src = [
        ("mon", &raw.mon),
        ("tue", &raw.tue),
        ("wed", &raw.wed),
        ("thu", &raw.thu),
        ("fri", &raw.fri),
        ("sat", &raw.sat),
        ("sun", &raw.sun),
    ];
    for (i, (day, ranges)) in src.iter().enumerate() {
        let key = format!("opening_hours.{name}.{day}");
        let mut v = Vec::new();
        for (from, to) in ranges.iter() {
            let f = parse_minute(&key, from)?;
            let t = parse_minute(&key, to)?;
            if f >= t {
                return Err(err(&key, format!("range {from}-{to} is empty or reversed")));
            }
            v.push((f, t));
        }
        v.sort_unstable();
        if let Some(w) = v.windows(2).find(|w| w[1].0 < w[0].1) {
            let hm = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
            return Err(err(
                &key,
                format!(
                    "ranges {}-{} and {}-{} overlap",
                    hm(w[0].0),
                    hm(w[0].1),
                    hm(w[1].0),
                    hm(w[1].1)
                ),
            ));
        }
        days[i] = v;
    }
    if days.iter().all(|d| d.is_empty()) {
        return Err(err(
            &format!("opening_hours.{name}"),
            "the schedule never opens",
        ));
    }
    Ok(OpeningHours {
        days,
        arbejdsdage_only: raw.arbejdsdage_only,
    })
}

fn fee_param(
    key: &str,
    v: Option<i64>,
    default: Option<i64>,
    max: i64,
) -> Result<Option<u32>, RuleSetError> {
    match v.or(default) {
        None => Ok(None),
        Some(n) if n < 0 => Err(err(key, format!("{n} is negative; fee parameters are ≥ 0"))),
        Some(n) if n > max => Err(err(key, format!("{n} exceeds {max}"))),
        Some(n) => Ok(Some(n as u32)),
    }
}

impl RuleSet {
    /// Parses and validates rule-set content (canonical JSON).
    pub fn from_json(content: &str) -> Result<RuleSet, RuleSetError> {
        let de = &mut serde_json::Deserializer::from_str(content);
        let raw: Raw = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let key = if path == "." { String::new() } else { path };
            let inner = e.into_inner().to_string();
            // serde reports a missing top-level field without a path.
            match inner.strip_prefix("missing field `") {
                Some(rest) if key.is_empty() => {
                    let field = rest.split('`').next().unwrap_or(rest);
                    err(field, "missing")
                }
                _ => err(&key, inner),
            }
        })?;
        // Signatures and recording permissions: the ledger applies them at
        // append, so it parses them; a bad key is refused here, naming it.
        slaledger_ledger::signing::StreamRules::from_content(
            content,
            slaledger_ledger::store::DEFAULT_CLOCK_TOLERANCE_MS,
        )
        .map_err(|(key, reason)| err(&key, reason))?;
        let effective_from = Month::parse(&raw.effective_from).ok_or_else(|| {
            err(
                "effective_from",
                format!("`{}` is not a month YYYY-MM", raw.effective_from),
            )
        })?;
        if let Some(tz) = &raw.time_zone {
            if tz != "Europe/Copenhagen" {
                return Err(err(
                    "time_zone",
                    format!("`{tz}`: only Europe/Copenhagen is supported"),
                ));
            }
        }
        if let Some(t) = raw.clock_tolerance_minutes {
            if t < 0 {
                return Err(err("clock_tolerance_minutes", format!("{t} is negative")));
            }
        }
        let mut calendar = Calendar::default();
        for (i, s) in raw.calendar.add_closed.iter().enumerate() {
            let key = format!("calendar.add_closed[{i}]");
            match (NamedDay::parse(s), NaiveDate::parse_from_str(s, "%Y-%m-%d")) {
                (Some(n), _) => {
                    calendar.add_named.insert(n);
                }
                (None, Ok(d)) => {
                    calendar.add_dates.insert(d);
                }
                _ => {
                    return Err(err(
                        &key,
                        format!("`{s}` is neither a date YYYY-MM-DD nor a named day (may_1, friday_after_ascension)"),
                    ))
                }
            }
        }
        for (i, s) in raw.calendar.remove_closed.iter().enumerate() {
            let key = format!("calendar.remove_closed[{i}]");
            let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| err(&key, format!("`{s}` is not a date YYYY-MM-DD")))?;
            calendar.remove_dates.insert(d);
        }
        let raw_fee = raw.fee.unwrap_or(RawFee {
            percent_per_point: None,
            monthly_cap_percent: None,
            yearly_cap_percent: None,
        });
        let fee = FeeRules {
            percent_per_point: fee_param(
                "fee.percent_per_point",
                raw_fee.percent_per_point,
                Some(1),
                100,
            )?
            .unwrap_or(1),
            monthly_cap_percent: fee_param(
                "fee.monthly_cap_percent",
                raw_fee.monthly_cap_percent,
                Some(50),
                100,
            )?
            .unwrap_or(50),
            yearly_cap_percent: fee_param(
                "fee.yearly_cap_percent",
                raw_fee.yearly_cap_percent,
                None,
                100,
            )?,
        };
        let mut opening_hours = BTreeMap::new();
        for (name, h) in &raw.opening_hours {
            opening_hours.insert(name.clone(), hours(name, h)?);
        }
        let mut policies = Policies::default();
        let mut policies_named = Vec::new();
        for (name, value) in &raw.policies {
            policies.set(name, value)?;
            let all = policies
                .values_for(Annex::Bilag6)
                .into_iter()
                .chain(policies.values_for(Annex::Bilag72a))
                .chain(policies.values_for(Annex::Uptime));
            if let Some((n, _)) = all.into_iter().find(|(n, _)| n == name) {
                policies_named.push(n);
            }
        }
        let bilag6 = bilag6_goals(&raw.goals)?;
        if raw.annex == Annex::Bilag6 {
            let any = bilag6.kpi1.is_some()
                || bilag6.kpi2.is_some()
                || bilag6.kpi3.is_some()
                || bilag6.kpi4.is_some()
                || bilag6.not_performed.is_some();
            if !any {
                return Err(err("goals", "a Bilag 6 rule set enables at least one goal"));
            }
            if (bilag6.kpi1.is_some() || bilag6.kpi2.is_some())
                && !opening_hours.contains_key("service_desk")
            {
                return Err(err(
                    "opening_hours.service_desk",
                    "missing: KPI 1 and KPI 2 start their clocks at the service desk's next opening",
                ));
            }
        } else if bilag6 != Bilag6Goals::default() {
            return Err(err(
                "goals",
                "Bilag 6 goals in a rule set whose annex is not bilag6",
            ));
        }
        let b72a = b72a_goals(&raw.goals)?;
        if raw.annex == Annex::Bilag72a {
            if b72a == B72aGoals::default() {
                return Err(err(
                    "goals",
                    "a Bilag 7.2.A rule set enables at least one goal",
                ));
            }
        } else if b72a != B72aGoals::default() {
            return Err(err(
                "goals",
                "Bilag 7.2.A goals in a rule set whose annex is not bilag7_2a",
            ));
        }
        let uptime = uptime_goals(&raw.goals.uptime)?;
        let counters = counters(&raw.counters)?;
        if raw.annex == Annex::Uptime {
            if uptime.is_empty() && counters.is_empty() {
                return Err(err(
                    "goals.uptime",
                    "an uptime rule set defines at least one uptime goal or counter",
                ));
            }
        } else if !uptime.is_empty() {
            return Err(err(
                "goals.uptime",
                "uptime goals in a rule set whose annex is not uptime",
            ));
        }
        let report = raw.report.map(|r| ReportInfo {
            system_name: r.system_name,
            responsible_authority: r.responsible_authority,
            contact: r.contact.into_iter().collect(),
        });
        let mut integrations = BTreeMap::new();
        for (name, c) in &raw.integrations {
            let key = format!("integrations.{name}");
            let c = Criticality::parse(c).ok_or_else(|| {
                err(
                    &key,
                    format!("`{c}`: expected critical, important or less_important"),
                )
            })?;
            integrations.insert(name.clone(), c);
        }
        let mut batch_jobs = BTreeMap::new();
        let mut batch_complexity = BTreeMap::new();
        for (name, j) in &raw.batch_jobs {
            let key = format!("batch_jobs.{name}.category");
            let c = Criticality::parse(&j.category).ok_or_else(|| {
                err(
                    &key,
                    format!(
                        "`{}`: expected critical, important or less_important",
                        j.category
                    ),
                )
            })?;
            if let Some(x) = &j.complexity {
                if !["simple", "medium", "complex"].contains(&x.as_str()) {
                    return Err(err(
                        &format!("batch_jobs.{name}.complexity"),
                        format!("`{x}`: expected simple, medium or complex"),
                    ));
                }
            }
            batch_jobs.insert(name.clone(), c);
            if let Some(x) = &j.complexity {
                batch_complexity.insert(name.clone(), x.clone());
            }
        }
        let mut penalties = BTreeMap::new();
        for (goal, pts) in &raw.penalties {
            let key = format!("penalties.{goal}");
            if !goal.starts_with("b72a.") || raw.annex != Annex::Bilag72a {
                return Err(err(
                    &key,
                    "only Bilag 7.2.A goals (b72a.*) take a penalty mapping; Bilag 6 goals have their own point rules",
                ));
            }
            let t = Tenths::parse(pts).ok_or_else(|| {
                err(
                    &key,
                    format!(
                        "`{pts}` is not a number of points with at most one decimal, e.g. \"5.0\""
                    ),
                )
            })?;
            penalties.insert(goal.clone(), t);
        }
        let mut third_parties = BTreeMap::new();
        for (name, t) in &raw.third_parties {
            let hours = match &t.opening_hours {
                Some(h) => opening_hours.get(h).cloned().ok_or_else(|| {
                    err(
                        &format!("third_parties.{name}.opening_hours"),
                        format!("no schedule `opening_hours.{h}` in the rule set"),
                    )
                })?,
                None => OpeningHours::weekdays_8_16(),
            };
            third_parties.insert(
                name.clone(),
                ThirdParty {
                    kind: t.kind,
                    opening_hours: hours,
                },
            );
        }
        Ok(RuleSet {
            stream: raw.stream,
            rule_set_id: raw.rule_set_id,
            effective_from,
            annex: raw.annex,
            calendar,
            fee,
            opening_hours,
            policies,
            policies_named,
            bilag6,
            b72a,
            integrations,
            batch_jobs,
            batch_complexity,
            third_parties,
            penalties,
            uptime,
            counters,
            report,
        })
    }

    /// The origin of each policy value.
    pub fn policy_origin(&self, name: &str) -> Origin {
        if self.policies_named.contains(&name) {
            Origin::RuleSet
        } else {
            Origin::Default
        }
    }
}

fn bilag6_goals(g: &RawGoals) -> Result<Bilag6Goals, RuleSetError> {
    let mut out = Bilag6Goals::default();
    if let Some(m) = &g.kpi1 {
        let mut t = GoalTable::new("goals.kpi1", m);
        out.kpi1 = Some(Kpi1 {
            percent: t.count("percent", 1, 100)?,
            limit_minutes_cat12: t.count("limit_minutes_cat12", 1, 100_000)?,
            limit_minutes_cat34: t.count("limit_minutes_cat34", 1, 100_000)?,
            points_per_percentage_point: t.points("points_per_percentage_point")?,
        });
        t.finish()?;
    }
    if let Some(m) = &g.kpi2 {
        let mut t = GoalTable::new("goals.kpi2", m);
        out.kpi2 = Some(Kpi2 {
            cat1_hours: t.count("cat1_hours", 1, 10_000)?,
            cat1_points_per_started_hour: t.points("cat1_points_per_started_hour")?,
            cat2_hours: t.count("cat2_hours", 1, 10_000)?,
            cat2_points_per_started_hour: t.points("cat2_points_per_started_hour")?,
            cat3_arbejdsdage: t.count("cat3_arbejdsdage", 1, 1000)?,
            cat3_points_per_started_arbejdsdag: t.points("cat3_points_per_started_arbejdsdag")?,
            cat4_arbejdsdage: t.count("cat4_arbejdsdage", 1, 1000)?,
            cat4_points_per_started_arbejdsdag: t.points("cat4_points_per_started_arbejdsdag")?,
        });
        t.finish()?;
    }
    if let Some(m) = &g.kpi3 {
        let mut t = GoalTable::new("goals.kpi3", m);
        out.kpi3 = Some(Kpi3 {
            arbejdsdage: t.count("arbejdsdage", 1, 1000)?,
            points_per_started_arbejdsdag: t.points("points_per_started_arbejdsdag")?,
        });
        t.finish()?;
    }
    if let Some(m) = &g.kpi4 {
        let mut t = GoalTable::new("goals.kpi4", m);
        out.kpi4 = Some(Kpi4 {
            arbejdsdage_after_month: t.count("arbejdsdage_after_month", 1, 100)?,
            missing_points: t.points("missing_points")?,
            points_per_started_arbejdsdag: t.points("points_per_started_arbejdsdag")?,
        });
        t.finish()?;
    }
    if let Some(m) = &g.not_performed {
        let mut t = GoalTable::new("goals.not_performed", m);
        out.not_performed = Some(NotPerformed {
            points_per_item: t.points("points_per_item")?,
        });
        t.finish()?;
    }
    Ok(out)
}

fn b72a_goals(g: &RawGoals) -> Result<B72aGoals, RuleSetError> {
    let mut out = B72aGoals::default();
    if let Some(m) = &g.incident_times {
        let mut t = GoalTable::new("goals.incident_times", m);
        let percent = t.count("percent", 1, 100)?;
        let mut targets = [[Target::Duration(0); 3]; 4];
        for (i, p) in ["A", "B", "C", "D"].into_iter().enumerate() {
            let key = format!("goals.incident_times.{p}");
            let row = t
                .get(["A", "B", "C", "D"][i])?
                .as_object()
                .ok_or_else(|| err(&key, "must be a table { reaction, escalation, resolution }"))?;
            for (j, measure) in ["reaction", "escalation", "resolution"]
                .into_iter()
                .enumerate()
            {
                let k = format!("{key}.{measure}");
                let v = row.get(measure).ok_or_else(|| err(&k, "missing"))?;
                let text = v.as_str().ok_or_else(|| {
                    err(&k, "must be a string like \"30 min\" or \"3 Arbejdsdage\"")
                })?;
                targets[i][j] = Target::parse(text).filter(|t| !matches!(t, Target::Dage(_))).ok_or_else(|| {
                    err(&k, format!("`{text}` is not a target like \"30 min\", \"2 h\" or \"3 Arbejdsdage\""))
                })?;
            }
            if let Some(extra) = row
                .keys()
                .find(|k| !["reaction", "escalation", "resolution"].contains(&k.as_str()))
            {
                return Err(err(&format!("{key}.{extra}"), "unknown key"));
            }
        }
        t.finish()?;
        out.incident_times = Some(IncidentTimes { percent, targets });
    }
    if let Some(m) = &g.notification {
        let mut t = GoalTable::new("goals.notification", m);
        out.notification = Some(NotificationGoal {
            initial_minutes: t.count("initial_minutes", 1, 10_000)?,
            update_hours: t.count("update_hours", 1, 1000)?,
        });
        t.finish()?;
    }
    if let Some(m) = &g.problems {
        let mut t = GoalTable::new("goals.problems", m);
        out.problems = Some(ProblemGoal {
            arbejdsdage: [
                t.count("A", 1, 1000)?,
                t.count("B", 1, 1000)?,
                t.count("C", 1, 1000)?,
                t.count("D", 1, 1000)?,
            ],
        });
        t.finish()?;
    }
    if let Some(m) = &g.service_desk {
        let mut t = GoalTable::new("goals.service_desk", m);
        let sd = ServiceDeskGoal {
            average_wait_seconds: t.count("average_wait_seconds", 1, 100_000)?,
            max_wait_seconds: t.count("max_wait_seconds", 1, 100_000)?,
            mail_web_reaction_hours: t.count("mail_web_reaction_hours", 1, 1000)?,
            first_contact_percent: t.count("first_contact_percent", 0, 100)?,
            phone_24_7: {
                let key = t.key("phone_24_7");
                t.get("phone_24_7")?
                    .as_bool()
                    .ok_or_else(|| err(&key, "must be true or false"))?
            },
            information_access_arbejdsdage: t.count("information_access_arbejdsdage", 1, 100)?,
            information_extract_arbejdsdage: t.count("information_extract_arbejdsdage", 1, 100)?,
        };
        t.finish()?;
        out.service_desk = Some(sd);
    }
    if let Some(m) = &g.service_requests {
        let mut t = GoalTable::new("goals.service_requests", m);
        let target = |key: &str, v: &serde_json::Value| -> Result<Target, RuleSetError> {
            let text = v.as_str().ok_or_else(|| {
                err(
                    key,
                    "must be a string like \"3 Arbejdsdage\" or \"90 Dage\"",
                )
            })?;
            Target::parse(text).ok_or_else(|| {
                err(key, format!("`{text}` is not a target like \"30 min\", \"3 Arbejdsdage\" or \"90 Dage\""))
            })
        };
        let default_key = t.key("default_resolution");
        let default_resolution = target(&default_key, t.get("default_resolution")?)?;
        let mut catalogue = BTreeMap::new();
        if t.map.contains_key("catalogue") {
            let items = t.get("catalogue")?.as_object().ok_or_else(|| {
                err(
                    "goals.service_requests.catalogue",
                    "must be a table of items",
                )
            })?;
            for (item, v) in items {
                let key = format!("goals.service_requests.catalogue.{item}");
                let row = v
                    .as_object()
                    .ok_or_else(|| err(&key, "must be a table { reaction, resolution }"))?;
                if let Some(extra) = row.keys().find(|k| *k != "reaction" && *k != "resolution") {
                    return Err(err(&format!("{key}.{extra}"), "unknown key"));
                }
                let reaction = row
                    .get("reaction")
                    .map(|v| target(&format!("{key}.reaction"), v))
                    .transpose()?;
                let resolution = target(
                    &format!("{key}.resolution"),
                    row.get("resolution")
                        .ok_or_else(|| err(&format!("{key}.resolution"), "missing"))?,
                )?;
                catalogue.insert(item.clone(), (reaction, resolution));
            }
        }
        t.finish()?;
        out.service_requests = Some(ServiceRequestGoal {
            default_resolution,
            catalogue,
        });
    }
    if let Some(m) = &g.batch_runs {
        let mut t = GoalTable::new("goals.batch_runs", m);
        out.batch_runs = Some(BatchGoal {
            percent: [
                t.count("critical_percent", 0, 100)?,
                t.count("important_percent", 0, 100)?,
                t.count("less_important_percent", 0, 100)?,
            ],
            limit_minutes: [
                t.count("simple_minutes", 1, 100_000)?,
                t.count("medium_minutes", 1, 100_000)?,
                t.count("complex_minutes", 1, 100_000)?,
            ],
        });
        t.finish()?;
    }
    if let Some(m) = &g.changes {
        let mut t = GoalTable::new("goals.changes", m);
        out.changes = Some(ChangeGoal {
            percent: t.count("percent", 0, 100)?,
        });
        t.finish()?;
    }
    if let Some(m) = &g.patches {
        let mut t = GoalTable::new("goals.patches", m);
        let mut deadlines = [Target::Duration(0); 4];
        for (i, k) in [
            "critical_security",
            "important_security",
            "moderate",
            "other_max",
        ]
        .into_iter()
        .enumerate()
        {
            let key = t.key(k);
            let v = t.get(k)?;
            let text = v
                .as_str()
                .ok_or_else(|| err(&key, "must be a string like \"3 h\" or \"10 Arbejdsdage\""))?;
            deadlines[i] = Target::parse(text).ok_or_else(|| {
                err(
                    &key,
                    format!(
                        "`{text}` is not a target like \"3 h\", \"10 Arbejdsdage\" or \"90 Dage\""
                    ),
                )
            })?;
        }
        out.patches = Some(PatchGoal {
            deadlines,
            critical_contact_minutes: t.count("critical_contact_minutes", 1, 10_000)?,
        });
        t.finish()?;
    }
    if let Some(m) = &g.rca {
        let mut t = GoalTable::new("goals.rca", m);
        out.rca = Some(RcaGoal {
            percent: t.count("percent", 1, 100)?,
            arbejdsdage: t.count("arbejdsdage", 1, 1000)?,
        });
        t.finish()?;
    }
    if let Some(m) = &g.incident_report {
        let mut t = GoalTable::new("goals.incident_report", m);
        out.incident_report = Some(IncidentReportGoal {
            dage: t.count("dage", 1, 100)?,
        });
        t.finish()?;
    }
    if let Some(m) = &g.availability {
        out.availability = Some(availability_goal(m)?);
    }
    if let Some(m) = &g.response_times {
        out.response_times = Some(response_time_goal(m)?);
    }
    Ok(out)
}

fn availability_goal(
    m: &BTreeMap<String, serde_json::Value>,
) -> Result<AvailabilityGoal, RuleSetError> {
    if m.contains_key("production_infrastructure") {
        return Err(err(
            "goals.availability.production_infrastructure",
            "the production infrastructure target is set by policy `infra_production_target` (99.5 or 99.9, SPEC §6.6.1), not here",
        ));
    }
    let mut t = GoalTable::new("goals.availability", m);
    let targets = [
        [Some(t.percent("production_application")?), None],
        [
            Some(t.percent("pre_production_application")?),
            Some(t.percent("pre_production_infrastructure")?),
        ],
        [
            Some(t.percent("external_test_application")?),
            Some(t.percent("external_test_infrastructure")?),
        ],
    ];
    let kts_target = if m.contains_key("kts") {
        Some(t.percent("kts")?)
    } else {
        None
    };
    t.finish()?;
    Ok(AvailabilityGoal {
        targets,
        kts_target,
    })
}

fn response_time_goal(
    m: &BTreeMap<String, serde_json::Value>,
) -> Result<ResponseTimeGoal, RuleSetError> {
    use slaledger_ledger::vocab::ProbeKind;
    let mut t = GoalTable::new("goals.response_times", m);
    let ui_ms = t.limits("ui_limits_ms")?;
    let service_ms = t.limits("service_limits_ms")?;
    let mut points = BTreeMap::new();
    let raw_points = t.get("points")?.as_object().ok_or_else(|| {
        err(
            "goals.response_times.points",
            "must be a table of measuring points { kind, category, from?, until? }",
        )
    })?;
    for (id, v) in raw_points {
        let key = format!("goals.response_times.points.{id}");
        let row = v
            .as_object()
            .ok_or_else(|| err(&key, "must be a table { kind, category, from?, until? }"))?;
        if let Some(extra) = row
            .keys()
            .find(|k| !["kind", "category", "from", "until"].contains(&k.as_str()))
        {
            return Err(err(&format!("{key}.{extra}"), "unknown key"));
        }
        let kind = match row.get("kind").and_then(|k| k.as_str()) {
            Some("ui") => ProbeKind::Ui,
            Some("service") => ProbeKind::Service,
            _ => return Err(err(&format!("{key}.kind"), "must be \"ui\" or \"service\"")),
        };
        let category = row
            .get("category")
            .and_then(|c| c.as_u64())
            .filter(|c| (1..=3).contains(c))
            .ok_or_else(|| err(&format!("{key}.category"), "must be 1, 2 or 3"))?
            as u8;
        let month = |k: &str| -> Result<Option<Month>, RuleSetError> {
            row.get(k)
                .map(|v| {
                    v.as_str()
                        .and_then(Month::parse)
                        .ok_or_else(|| err(&format!("{key}.{k}"), "must be a month \"YYYY-MM\""))
                })
                .transpose()
        };
        points.insert(
            id.clone(),
            MeasuringPoint {
                kind,
                category,
                from: month("from")?,
                until: month("until")?,
            },
        );
    }
    if points.is_empty() {
        return Err(err(
            "goals.response_times.points",
            "lists no measuring point",
        ));
    }
    let goal = ResponseTimeGoal {
        ui_ms,
        service_ms,
        max_tolerated: t.count("max_tolerated", 0, 100_000)?,
        desired_tolerated: t.count("desired_tolerated", 0, 100_000)?,
        package_minutes: t.count("package_minutes", 1, 1440)?,
        gap_seconds: t.count("gap_seconds", 1, 86_400)?,
        trigger_gap_minutes: t.count("trigger_gap_minutes", 1, 1440)?,
        trigger_window_minutes: t.count("trigger_window_minutes", 1, 1440)?,
        trigger_match_window_minutes: t.count("trigger_match_window_minutes", 0, 1440)?,
        control_min_per_point: t.count("control_min_per_point", 1, 1_000_000)?,
        points,
    };
    t.finish()?;
    Ok(goal)
}
