//! What each event kind means to the ledger itself, independent of any
//! service goal: its named instant (which becomes `occurred_at`), the object
//! it opens, the objects it references, who may record it by default and the
//! kind's own constraints (SPEC §4.1, §4.12).

use crate::event::*;
use crate::time::Instant;
use crate::vocab::*;

/// A family of objects that events open and reference (SPEC §4.1
/// "References"). Ids are unique within a stream and family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectFamily {
    /// Incidents.
    Incident,
    /// Problems.
    Problem,
    /// Bilag 6 RCA requests.
    RcaRequest,
    /// Service windows.
    Window,
    /// Non-redundant states.
    State,
    /// Patches.
    Patch,
    /// Changes.
    Change,
    /// Service desk contacts.
    Contact,
    /// Information requests.
    InformationRequest,
    /// Service requests.
    ServiceRequest,
    /// Deletion requests.
    DeletionRequest,
    /// Disputes.
    Dispute,
}

impl ObjectFamily {
    /// Word used in messages and index keys.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectFamily::Incident => "incident",
            ObjectFamily::Problem => "problem",
            ObjectFamily::RcaRequest => "rca_request",
            ObjectFamily::Window => "window",
            ObjectFamily::State => "state",
            ObjectFamily::Patch => "patch",
            ObjectFamily::Change => "change",
            ObjectFamily::Contact => "contact",
            ObjectFamily::InformationRequest => "information_request",
            ObjectFamily::ServiceRequest => "service_request",
            ObjectFamily::DeletionRequest => "deletion_request",
            ObjectFamily::Dispute => "dispute",
        }
    }

    /// The JSON field that carries an id of this family (for messages).
    pub fn field(self) -> &'static str {
        match self {
            ObjectFamily::Incident => "incident_id",
            ObjectFamily::Problem => "problem_id",
            ObjectFamily::RcaRequest => "rca_request_id",
            ObjectFamily::Window => "window_id",
            ObjectFamily::State => "state_id",
            ObjectFamily::Patch => "patch_id",
            ObjectFamily::Change => "change_id",
            ObjectFamily::Contact => "contact_id",
            ObjectFamily::InformationRequest
            | ObjectFamily::ServiceRequest
            | ObjectFamily::DeletionRequest => "request_id",
            ObjectFamily::Dispute => "dispute_id",
        }
    }

    /// Whether a second opener of the same id is allowed. Only incidents: an
    /// `incident_reported` may follow an `incident_detected` and every report
    /// is a henvendelse of its own (SPEC §4.3).
    pub fn reopenable(self) -> bool {
        self == ObjectFamily::Incident
    }
}

/// One object reference: family and id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectRef {
    /// Family.
    pub family: ObjectFamily,
    /// Id.
    pub id: Id,
}

fn r(family: ObjectFamily, id: &str) -> ObjectRef {
    ObjectRef {
        family,
        id: id.into(),
    }
}

/// A violated constraint of a kind: the field and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstraintViolation {
    /// JSON path of the field inside `data` (or `actor.party`).
    pub field: String,
    /// Why.
    pub reason: String,
}

fn bad(field: &str, reason: impl Into<String>) -> ConstraintViolation {
    ConstraintViolation {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

impl Event {
    /// The kind's named instant (`reported_at`, `resolved_at`, `at`, ...),
    /// which is the event's `occurred_at` (SPEC §4.1). `None` for kinds
    /// without one: the writer's `occurred_at`, else the recording time, is used.
    pub fn named_instant(&self) -> Option<Instant> {
        use Event::*;
        Some(match self {
            RuleSetDefined(_) | RuleSetAmended(_) => return None,
            IncidentReported(e) => e.reported_at,
            IncidentDetected(e) => e.detected_at,
            ShouldHaveDetectedEstablished(_) | IncidentCategorised(_) | IncidentPrioritised(_) => {
                return None
            }
            PriorityDisputed(_) | PriorityDowngradeAgreed(_) => return None,
            IncidentAssigned(e) => e.assigned_at,
            ReactionRegistered(e)
            | ThirdPartyFollowup(e)
            | WorkaroundApproved(e)
            | IncidentReportObjected(e) => e.at,
            EscalatedToThirdParty(e) => e.at,
            CustomerNotified(e) => e.at,
            StatusPublished(e) => e.at,
            WorkaroundApplied(e) => e.applied_at,
            ImpossibilityDocumented(e) | IncidentReportDelivered(e) => e.at,
            IncidentResolved(e) => e.resolved_at,
            IncidentReopened(e) => e.at,
            IncidentClosed(e) => e.at,
            ResponsibilityDecided(_) | SupplierDelayEstablished(_) => return None,
            RcaRequested(e) => e.requested_at,
            RcaDelivered(e) => e.delivered_at,
            RcaPlanDelivered(e) => e.at,
            ProblemRegistered(e) => e.reported_at,
            ProblemLinked(_) | ProblemPrioritised(_) | ProblemDeadlineAgreed(_) => return None,
            ProblemResolved(e) => e.at,
            PhoneCall(e) => e.answered_at.or(e.abandoned_at).unwrap_or(e.connected_at),
            BusySignal(e) => e.at,
            ContactReceived(e) => e.received_at,
            ContactReacted(e) => e.at,
            ContactClosed(e) => e.at,
            InformationRequested(e) | InformationDelivered(e) => e.at,
            ServiceRequestOrdered(e) | ServiceRequestReacted(e) | ServiceRequestDelivered(e) => {
                e.at
            }
            ServiceWindowAnnounced(e) => e.announced_at,
            ServiceWindowApproved(_) => return None,
            ServiceWindowCancelled(e) | ServiceWindowStarted(e) | ServiceWindowEnded(e) => e.at,
            NonRedundantStateBegan(e) | NonRedundantStateEnded(e) => e.at,
            BatchRun(e) => e.finished_at,
            ChangePlanned(_) => return None,
            ChangeExecuted(e) => e.to,
            PatchReleased(e) => e.released_at,
            PatchTypeEstablished(e) | PatchTypeDowngraded(e) => e.at,
            CriticalPatchContact(e) => e.at,
            PatchInstalled(e) => e.installed_at,
            DeletionRequested(e) | DeletionNoticeDelivered(e) | DeletionPerformed(e) => e.at,
            RestoreTestDone(e) | SecurityStatementDelivered(e) | DutyPerformed(e) => e.at,
            ProbeSample(e) => e.started_at,
            AvailabilityProbeSummary(e) => e.to,
            ProbeGapWaived(_) => return None,
            ControlMeasurement(e) => e.completed_at,
            MonthlyReportSubmitted(e) => e.submitted_at,
            MonthlyReportRejected(e) => e.at,
            FeeRecorded(_) | UsageMetricObserved(_) | ReportComment(_) | MeasurementMissing(_) => {
                return None
            }
            Correction(_) => return None,
            DisputeOpened(_) | DisputeClaimSubmitted(_) | DisputeExhibitAdded(_) => return None,
            DisputeStageChanged(_) | DisputeSettled(_) => return None,
        })
    }

    /// The object this event opens, if any.
    pub fn opens(&self) -> Option<ObjectRef> {
        use Event::*;
        use ObjectFamily as F;
        Some(match self {
            IncidentReported(e) => r(F::Incident, &e.incident_id),
            IncidentDetected(e) => r(F::Incident, &e.incident_id),
            RcaRequested(e) => r(F::RcaRequest, &e.rca_request_id),
            ProblemRegistered(e) => r(F::Problem, &e.problem_id),
            ContactReceived(e) => r(F::Contact, &e.contact_id),
            InformationRequested(e) => r(F::InformationRequest, &e.request_id),
            ServiceRequestOrdered(e) => r(F::ServiceRequest, &e.request_id),
            ServiceWindowAnnounced(e) => r(F::Window, &e.window_id),
            NonRedundantStateBegan(e) => r(F::State, &e.state_id),
            ChangePlanned(e) => r(F::Change, &e.change_id),
            PatchReleased(e) => r(F::Patch, &e.patch_id),
            DeletionRequested(e) => r(F::DeletionRequest, &e.request_id),
            DisputeOpened(e) => r(F::Dispute, &e.dispute_id),
            _ => return None,
        })
    }

    /// The objects this event refers to, which must have been opened earlier in
    /// ledger order in the same stream (or earlier in the same batch).
    pub fn references(&self) -> Vec<ObjectRef> {
        use Event::*;
        use ObjectFamily as F;
        let inc = |id: &str| vec![r(F::Incident, id)];
        let opt = |f: F, id: &Option<Id>| id.iter().map(|i| r(f, i)).collect::<Vec<_>>();
        match self {
            ShouldHaveDetectedEstablished(e) => {
                [inc(&e.incident_id), opt(F::Dispute, &e.dispute_id)].concat()
            }
            IncidentCategorised(e) => inc(&e.incident_id),
            IncidentAssigned(e) => inc(&e.incident_id),
            IncidentPrioritised(e) => {
                [inc(&e.incident_id), opt(F::Dispute, &e.dispute_id)].concat()
            }
            PriorityDisputed(e) => [inc(&e.incident_id), opt(F::Dispute, &e.dispute_id)].concat(),
            PriorityDowngradeAgreed(e) => inc(&e.incident_id),
            ReactionRegistered(e)
            | ThirdPartyFollowup(e)
            | WorkaroundApproved(e)
            | IncidentReportObjected(e) => inc(&e.incident_id),
            EscalatedToThirdParty(e) => inc(&e.incident_id),
            CustomerNotified(e) => inc(&e.incident_id),
            StatusPublished(e) => inc(&e.incident_id),
            WorkaroundApplied(e) => inc(&e.incident_id),
            ImpossibilityDocumented(e) | IncidentReportDelivered(e) => inc(&e.incident_id),
            IncidentResolved(e) => inc(&e.incident_id),
            IncidentReopened(e) => inc(&e.incident_id),
            IncidentClosed(e) => inc(&e.incident_id),
            ResponsibilityDecided(e) => [
                opt(F::Incident, &e.incident_id),
                opt(F::Problem, &e.problem_id),
                opt(F::Dispute, &e.dispute_id),
            ]
            .concat(),
            SupplierDelayEstablished(e) => {
                [inc(&e.incident_id), opt(F::Dispute, &e.dispute_id)].concat()
            }
            RcaRequested(e) => inc(&e.incident_id),
            RcaDelivered(e) => [
                opt(F::RcaRequest, &e.rca_request_id),
                opt(F::Problem, &e.problem_id),
            ]
            .concat(),
            RcaPlanDelivered(e) => vec![r(F::Problem, &e.problem_id)],
            ProblemRegistered(e) => e.incidents.iter().map(|i| r(F::Incident, i)).collect(),
            ProblemLinked(e) => vec![r(F::Problem, &e.problem_id), r(F::Incident, &e.incident_id)],
            ProblemPrioritised(e) => [
                vec![r(F::Problem, &e.problem_id)],
                opt(F::Dispute, &e.dispute_id),
            ]
            .concat(),
            ProblemDeadlineAgreed(e) => vec![r(F::Problem, &e.problem_id)],
            ProblemResolved(e) => vec![r(F::Problem, &e.problem_id)],
            ContactReceived(e) => [
                opt(F::Incident, &e.incident_id),
                opt(F::ServiceRequest, &e.request_id),
            ]
            .concat(),
            ContactReacted(e) => vec![r(F::Contact, &e.contact_id)],
            ContactClosed(e) => vec![r(F::Contact, &e.contact_id)],
            InformationDelivered(e) => vec![r(F::InformationRequest, &e.request_id)],
            ServiceRequestReacted(e) | ServiceRequestDelivered(e) => {
                vec![r(F::ServiceRequest, &e.request_id)]
            }
            ServiceWindowApproved(e) => vec![r(F::Window, &e.window_id)],
            ServiceWindowCancelled(e) | ServiceWindowStarted(e) | ServiceWindowEnded(e) => {
                vec![r(F::Window, &e.window_id)]
            }
            NonRedundantStateEnded(e) => vec![r(F::State, &e.state_id)],
            BatchRun(e) => opt(F::Incident, &e.incident_id),
            ChangeExecuted(e) => vec![r(F::Change, &e.change_id)],
            PatchTypeEstablished(e) | PatchTypeDowngraded(e) => vec![r(F::Patch, &e.patch_id)],
            CriticalPatchContact(e) => vec![r(F::Patch, &e.patch_id)],
            PatchInstalled(e) => vec![r(F::Patch, &e.patch_id)],
            DeletionNoticeDelivered(e) | DeletionPerformed(e) => [
                vec![r(F::DeletionRequest, &e.request_id)],
                opt(F::Window, &e.window_id),
            ]
            .concat(),
            Correction(e) => opt(F::Dispute, &e.dispute_id),
            DisputeClaimSubmitted(e) => vec![r(F::Dispute, &e.dispute_id)],
            DisputeExhibitAdded(e) => vec![r(F::Dispute, &e.dispute_id)],
            DisputeStageChanged(e) => vec![r(F::Dispute, &e.dispute_id)],
            DisputeSettled(e) => vec![r(F::Dispute, &e.dispute_id)],
            _ => Vec::new(),
        }
    }

    /// The identifying id of the event's object, which a correction's
    /// replacement may not change (SPEC §4.10).
    pub fn identity(&self) -> Option<ObjectRef> {
        use Event::*;
        use ObjectFamily as F;
        if let Some(o) = self.opens() {
            return Some(o);
        }
        if let ResponsibilityDecided(e) = self {
            return e
                .incident_id
                .as_deref()
                .map(|i| r(F::Incident, i))
                .or(e.problem_id.as_deref().map(|p| r(F::Problem, p)));
        }
        self.references()
            .into_iter()
            .find(|o| o.family != F::Dispute)
    }

    /// The dispute id of a decision recorded with role `settlement`, if the
    /// event is one (SPEC §4.11: it must be in the batch of the `dispute_settled`).
    pub fn settlement_dispute(&self) -> Option<Option<&Id>> {
        use Event::*;
        match self {
            IncidentPrioritised(e) if e.role == PriorityRole::Settlement => {
                Some(e.dispute_id.as_ref())
            }
            ResponsibilityDecided(e) if e.role == DecisionRole::Settlement => {
                Some(e.dispute_id.as_ref())
            }
            ProblemPrioritised(e) if e.role == ProblemPriorityRole::Settlement => {
                Some(e.dispute_id.as_ref())
            }
            ShouldHaveDetectedEstablished(e) if e.basis == DetectionBasis::Settlement => {
                Some(e.dispute_id.as_ref())
            }
            SupplierDelayEstablished(e) if e.dispute_id.is_some() => Some(e.dispute_id.as_ref()),
            Correction(e) if e.dispute_id.is_some() => Some(e.dispute_id.as_ref()),
            _ => None,
        }
    }

    /// Default permissions: the parties that may record this event, from the
    /// "by" column of SPEC §4 (a monitor counts as `monitor`). Settlement-role
    /// events are checked separately. Corrections are checked against the
    /// corrected event's recorder.
    pub fn allowed_parties(&self) -> &'static [Party] {
        use Event::*;
        use Party::*;
        const SC: &[Party] = &[Supplier, Customer];
        const S: &[Party] = &[Supplier];
        const C: &[Party] = &[Customer];
        const SM: &[Party] = &[Supplier, Monitor];
        const M: &[Party] = &[Monitor];
        match self {
            RuleSetDefined(_) | RuleSetAmended(_) => SC,
            IncidentReported(_) => SC,
            IncidentDetected(_) => SM,
            ShouldHaveDetectedEstablished(_) => SC,
            IncidentCategorised(e) => match e.role {
                CategoryRole::Supplier => S,
                CategoryRole::Customer => C,
            },
            IncidentPrioritised(e) => match e.role {
                PriorityRole::SupplierProposal => S,
                PriorityRole::CustomerDecision => C,
                PriorityRole::Settlement => SC,
            },
            ResponsibilityDecided(e) => match e.role {
                DecisionRole::Claim => S,
                DecisionRole::Decision => C,
                DecisionRole::Settlement => SC,
            },
            SupplierDelayEstablished(e) if e.dispute_id.is_some() => SC,
            SupplierDelayEstablished(_) => C,
            ProblemPrioritised(e) => match e.role {
                ProblemPriorityRole::CustomerDecision => C,
                ProblemPriorityRole::Settlement => SC,
            },
            PriorityDowngradeAgreed(_) | WorkaroundApproved(_) | IncidentReportObjected(_) => C,
            IncidentReopened(_) => SC,
            RcaRequested(_) | ProblemDeadlineAgreed(_) => C,
            PhoneCall(_) | BusySignal(_) => SM,
            InformationRequested(_) | ServiceRequestOrdered(_) | DeletionRequested(_) => C,
            ServiceWindowApproved(_) | PatchTypeDowngraded(_) | ProbeGapWaived(_) => C,
            NonRedundantStateBegan(_) | NonRedundantStateEnded(_) | BatchRun(_) => SM,
            ProbeSample(_) | AvailabilityProbeSummary(_) => M,
            MonthlyReportRejected(_) | MeasurementMissing(_) => C,
            FeeRecorded(_) => SC,
            UsageMetricObserved(_) => SM,
            Correction(_) => SC,
            DisputeOpened(_) | DisputeClaimSubmitted(_) | DisputeExhibitAdded(_) => SC,
            DisputeStageChanged(_) | DisputeSettled(_) => SC,
            _ => S,
        }
    }

    /// Whether this kind may be the target of a correction (SPEC §4.10: rule
    /// sets, corrections and dispute events cannot be corrected).
    pub fn correctable(&self) -> bool {
        use Event::*;
        !matches!(
            self,
            RuleSetDefined(_)
                | RuleSetAmended(_)
                | Correction(_)
                | DisputeOpened(_)
                | DisputeClaimSubmitted(_)
                | DisputeExhibitAdded(_)
                | DisputeStageChanged(_)
                | DisputeSettled(_)
        )
    }

    /// Checks the kind's own constraints (SPEC §4.12), those that need no
    /// other event. Returns the first violation.
    pub fn check_constraints(&self) -> Result<(), ConstraintViolation> {
        use Event::*;
        let cat = |field: &str, c: u8, max: u8| {
            if (1..=max).contains(&c) {
                Ok(())
            } else {
                Err(bad(field, format!("category {c} is not in 1..={max}")))
            }
        };
        let interval = |from: Instant, to: Instant, f: &str| {
            if from < to {
                Ok(())
            } else {
                Err(bad(
                    f,
                    format!("interval end {to} is not after its start {from}"),
                ))
            }
        };
        let nonempty = |s: &str, f: &str| {
            if s.trim().is_empty() {
                Err(bad(f, "must not be empty"))
            } else {
                Ok(())
            }
        };
        let settlement_needs_dispute = |role_is_settlement: bool, d: &Option<Id>| {
            if role_is_settlement && d.is_none() {
                Err(bad("dispute_id", "a settlement must name its dispute"))
            } else {
                Ok(())
            }
        };
        match self {
            RuleSetDefined(e) => check_content_hash(&e.content, &e.content_hash),
            RuleSetAmended(e) => {
                if e.version < 2 {
                    return Err(bad("version", "an amendment's version must be at least 2"));
                }
                check_content_hash(&e.content, &e.content_hash)
            }
            IncidentReported(e) => {
                if let Some(c) = e.customer_category {
                    cat("customer_category", c, 4)?;
                }
                if e.areas.is_empty() {
                    return Err(bad(
                        "areas",
                        "name at least one area (application, infrastructure)",
                    ));
                }
                nonempty(&e.incident_id, "incident_id")
            }
            IncidentDetected(e) => nonempty(&e.incident_id, "incident_id"),
            IncidentCategorised(e) => {
                cat("category", e.category, 4)?;
                if e.role == CategoryRole::Customer
                    && e.reason.as_deref().is_none_or(|r| r.trim().is_empty())
                {
                    return Err(bad(
                        "reason",
                        "a customer categorisation needs a reason (saglig begrundelse)",
                    ));
                }
                Ok(())
            }
            IncidentPrioritised(e) => {
                settlement_needs_dispute(e.role == PriorityRole::Settlement, &e.dispute_id)
            }
            ShouldHaveDetectedEstablished(e) => {
                settlement_needs_dispute(e.basis == DetectionBasis::Settlement, &e.dispute_id)
            }
            ProblemPrioritised(e) => {
                settlement_needs_dispute(e.role == ProblemPriorityRole::Settlement, &e.dispute_id)
            }
            PriorityDowngradeAgreed(e) => {
                if e.to <= e.from {
                    return Err(bad(
                        "to",
                        format!("a downgrade goes to a lower priority than {}", e.from),
                    ));
                }
                Ok(())
            }
            ResponsibilityDecided(e) => {
                match (&e.incident_id, &e.problem_id) {
                    (Some(_), None) | (None, Some(_)) => {}
                    _ => {
                        return Err(bad(
                            "incident_id",
                            "name exactly one of incident_id and problem_id",
                        ))
                    }
                }
                if e.responsible == Responsible::Customer && !e.sole_cause {
                    return Err(bad(
                        "sole_cause",
                        "naming the customer responsible requires sole_cause = true",
                    ));
                }
                if e.responsible == Responsible::OtherSupplier && e.other_supplier.is_none() {
                    return Err(bad("other_supplier", "name the other supplier"));
                }
                if let (Some(f), Some(t)) = (e.from, e.to) {
                    interval(f, t, "to")?;
                } else if e.from.is_some() != e.to.is_some() {
                    return Err(bad("to", "give both from and to, or neither"));
                }
                settlement_needs_dispute(e.role == DecisionRole::Settlement, &e.dispute_id)
            }
            SupplierDelayEstablished(e) => interval(e.should_have_acted, e.acted, "acted"),
            RcaDelivered(e) => match (&e.rca_request_id, &e.problem_id) {
                (Some(_), None) | (None, Some(_)) => Ok(()),
                _ => Err(bad(
                    "rca_request_id",
                    "name exactly one of rca_request_id and problem_id",
                )),
            },
            PhoneCall(e) => match (e.answered_at, e.abandoned_at) {
                (Some(t), None) | (None, Some(t)) if t >= e.connected_at => Ok(()),
                (Some(_), None) | (None, Some(_)) => Err(bad("answered_at", "before connected_at")),
                _ => Err(bad(
                    "answered_at",
                    "give exactly one of answered_at and abandoned_at",
                )),
            },
            ServiceWindowAnnounced(e) => {
                if e.planned_start.millis() % 60_000 != 0 {
                    return Err(bad(
                        "planned_start",
                        "a service window starts on a whole minute",
                    ));
                }
                if e.planned_end.millis() % 60_000 != 0 {
                    return Err(bad(
                        "planned_end",
                        "a service window ends on a whole minute",
                    ));
                }
                if e.environments.is_empty() {
                    return Err(bad("environments", "name at least one environment"));
                }
                interval(e.planned_start, e.planned_end, "planned_end")
            }
            BatchRun(e) => {
                if e.finished_at < e.started_at {
                    return Err(bad("finished_at", "before started_at"));
                }
                Ok(())
            }
            ChangePlanned(e) => interval(e.from, e.to, "to"),
            ChangeExecuted(e) => interval(e.from, e.to, "to"),
            PatchTypeDowngraded(e) if e.reference.is_none() => {
                Err(bad("reference", "a downgrade needs the written reference"))
            }
            ProbeSample(e) => match (e.probe_kind, e.category) {
                (ProbeKind::Availability, None) => Ok(()),
                (ProbeKind::Availability, Some(_)) => {
                    Err(bad("category", "availability samples have no category"))
                }
                (_, Some(c)) => cat("category", c, 3),
                (_, None) => Err(bad(
                    "category",
                    "ui and service samples need a transaction category 1-3",
                )),
            },
            AvailabilityProbeSummary(e) => {
                interval(e.from, e.to, "to")?;
                if e.ok.checked_add(e.failed).is_none_or(|n| n > e.expected) {
                    return Err(bad("expected", "ok + failed exceeds expected"));
                }
                Ok(())
            }
            ProbeGapWaived(e) => interval(e.from, e.to, "to"),
            ControlMeasurement(e) => {
                if e.completed_at < e.started_at {
                    return Err(bad("completed_at", "before started_at"));
                }
                for (i, k) in e.per_kind.iter().enumerate() {
                    if k.over_maximum > k.over_desired || k.over_desired > k.count {
                        return Err(bad(
                            &format!("per_kind[{i}]"),
                            "need over_maximum <= over_desired <= count",
                        ));
                    }
                }
                Ok(())
            }
            FeeRecorded(e) if e.amount_ore < 0 => Err(bad("amount_ore", "a fee is never negative")),
            UsageMetricObserved(e) => {
                let v = e.value.strip_prefix('-').unwrap_or(&e.value);
                let mut parts = v.splitn(2, '.');
                let int = parts.next().unwrap_or("");
                let frac = parts.next();
                let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
                if digits(int) && frac.is_none_or(digits) {
                    Ok(())
                } else {
                    Err(bad(
                        "value",
                        format!("`{}` is not a decimal number", e.value),
                    ))
                }
            }
            MeasurementMissing(e) if ![1, 2, 4].contains(&e.kpi) => Err(bad(
                "kpi",
                format!("KPI {} has no missing-measurement rule (1, 2 or 4)", e.kpi),
            )),
            Correction(e) => match (e.action, &e.replacement) {
                (CorrectionAction::Replace, None) => Err(bad(
                    "replacement",
                    "a replace needs the replacement content",
                )),
                (CorrectionAction::Retract, Some(_)) => {
                    Err(bad("replacement", "a retract has no replacement"))
                }
                (_, Some(rep)) => rep
                    .check_constraints()
                    .map_err(|v| bad(&format!("replacement.data.{}", v.field), v.reason)),
                _ => Ok(()),
            },
            DisputeOpened(e) if e.months.is_empty() => {
                Err(bad("months", "name at least one month"))
            }
            DisputeStageChanged(e) if e.to <= e.from => Err(bad(
                "to",
                format!(
                    "a dispute moves forward only, not from {} to {}",
                    e.from, e.to
                ),
            )),
            DisputeClaimSubmitted(e) => check_content_hash(&e.overlay, &e.overlay_hash)
                .map_err(|v| bad("overlay_hash", v.reason)),
            _ => Ok(()),
        }
    }
}

fn check_content_hash(content: &str, hash: &DocHash) -> Result<(), ConstraintViolation> {
    let actual = blake3::hash(content.as_bytes());
    if actual.as_bytes() == &hash.0 {
        Ok(())
    } else {
        Err(bad(
            "content_hash",
            format!("does not match blake3 of the content ({})", actual.to_hex()),
        ))
    }
}
