//! The access status machine of PRODUCT.md ("Connections") and the step
//! rules of SELLER-API.md §3–4: a rule table for every event in every status,
//! unit tests for effects, then property tests over random histories with a
//! simulated durable timer set and activation queue.

use AccessStatus::{NotCompleted, NotWorking, Pending, PendingSeller, Working};
use ConnectionTimerKind::{ConnectivityAlert, SellerFirstReminder, SellerSecondReminder};
use frontdesk_domain::connections::{
    AccessEffect, AccessEvent, AccessRejection, AccessState, AccessStatus, AccessTransition,
    CaseMessage, ConfigFix, ConnectionCaseStatus, ConnectionTimerKind, ConnectionTimerPolicy,
    FailureKind, NotCompletedReason, RunCause, RunSummary, StepFailure, StepName, StepOutcome,
    create, decide,
};
use frontdesk_domain::{Duration, Timestamp};
use proptest::prelude::*;
use proptest::sample::{Index, select};

const NOW: Timestamp = Timestamp(1_700_000_000_000);
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
/// Unit tests start here rather than at 0, so a reset would show.
const EPOCH: i64 = 5;
const RUN: i64 = 3;

/// Not the defaults, so the tests see that durations come from the policy.
fn policy() -> ConnectionTimerPolicy {
    ConnectionTimerPolicy {
        seller_first_reminder: Duration(HOUR),
        seller_second_reminder: Duration(2 * HOUR),
        connectivity_alert: Duration(4 * HOUR),
    }
}

/// A state in `status` that satisfies the invariants (Working has passed).
fn state(status: AccessStatus) -> AccessState {
    AccessState {
        status,
        epoch: EPOCH,
        run: RUN,
        steps_passed: status == Working,
        manual_check: false,
    }
}

fn run(status: AccessStatus, event: AccessEvent) -> Result<AccessTransition, AccessRejection> {
    decide(state(status), event, NOW, &policy())
}

fn finished(summary: RunSummary) -> AccessEvent {
    AccessEvent::RunFinished { run: RUN, summary }
}

fn timer(kind: ConnectionTimerKind, epoch: i64) -> AccessEvent {
    AccessEvent::TimerDue { kind, epoch }
}

/// Every kind of event once, with the current run and epoch where they
/// carry one (stale ones are tested separately).
fn every_event() -> Vec<AccessEvent> {
    let mut events = vec![
        AccessEvent::StaffRerun,
        AccessEvent::BuyerEdit,
        AccessEvent::SellerFix,
        AccessEvent::StaffMarkWorking { manual_check: true },
        AccessEvent::StaffMarkWorking {
            manual_check: false,
        },
        AccessEvent::StaffRequestSellerFix,
        AccessEvent::BuyerCancel,
    ];
    events.extend(RunSummary::ALL.map(finished));
    events.extend(NotCompletedReason::ALL.map(|reason| AccessEvent::StaffNotCompleted { reason }));
    events.extend(ConnectionTimerKind::ALL.map(|k| timer(k, EPOCH)));
    events
}

/// The rule table, written independently of the machine: the status an
/// event leads to from each status, or why it is refused.
fn expected(from: AccessStatus, event: AccessEvent) -> Result<AccessStatus, AccessRejection> {
    use AccessEvent as E;
    use AccessRejection as R;
    if from == NotCompleted {
        return Err(R::Final);
    }
    match (event, from) {
        (E::StaffRerun, _) => Ok(Pending),
        (E::BuyerEdit, NotWorking) => Err(R::EditBlocked),
        (E::BuyerEdit, _) => Ok(Pending),
        (E::SellerFix, PendingSeller) => Ok(Pending),
        (E::SellerFix, _) => Err(R::NotWaitingForSeller),
        (E::RunFinished { summary, .. }, Pending) => Ok(match summary {
            RunSummary::AllPassed => Working,
            RunSummary::NeedsAccessFix => PendingSeller,
            RunSummary::NeedsRegistrationFix | RunSummary::Failed => NotWorking,
        }),
        (E::RunFinished { .. }, _) => Err(R::StaleRun),
        (E::StaffMarkWorking { .. }, Working) => Err(R::AlreadyInStatus(Working)),
        (E::StaffMarkWorking { manual_check: true }, _) => Ok(Working),
        (E::StaffMarkWorking { .. }, _) => Err(R::ManualCheckRequired),
        (E::StaffRequestSellerFix, PendingSeller) => Err(R::AlreadyInStatus(PendingSeller)),
        (E::StaffRequestSellerFix, _) => Ok(PendingSeller),
        (E::StaffNotCompleted { .. } | E::BuyerCancel, _) => Ok(NotCompleted),
        (E::TimerDue { .. }, PendingSeller) => Ok(PendingSeller),
        (E::TimerDue { .. }, _) => Err(R::StaleTimer),
    }
}

#[test]
fn every_event_in_every_status_follows_the_rule_table() {
    let mut checked = 0;
    for from in AccessStatus::ALL {
        for event in every_event() {
            let got = run(from, event).map(|t| t.state.status);
            assert_eq!(got, expected(from, event), "{event:?} in {from:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, 5 * 16);
}

#[test]
fn every_accepted_event_keeps_the_case_status_in_step() {
    for from in AccessStatus::ALL {
        for event in every_event() {
            let Ok(t) = run(from, event) else { continue };
            let set: Vec<_> = t
                .effects
                .iter()
                .filter_map(|e| match e {
                    AccessEffect::SetCaseStatus(s) => Some(*s),
                    _ => None,
                })
                .collect();
            let want = t.state.status.case_status();
            if from.case_status() == want {
                assert!(set.is_empty(), "{event:?} in {from:?}: {set:?}");
            } else {
                assert_eq!(set, vec![want], "{event:?} in {from:?}");
            }
        }
    }
}

#[test]
fn case_status_mapping_is_products_table() {
    use ConnectionCaseStatus as C;
    assert_eq!(Pending.case_status(), C::InProgress);
    assert_eq!(PendingSeller.case_status(), C::PendingSellersFeedback);
    assert_eq!(Working.case_status(), C::Delivered);
    assert_eq!(NotWorking.case_status(), C::InProgress);
    assert_eq!(NotCompleted.case_status(), C::NotCompleted);
    assert_eq!(
        C::PendingSellersFeedback.label(),
        "Pending Seller's Feedback"
    );
    assert!(C::NotCompleted.is_final() && NotCompleted.is_final());
    assert!(AccessStatus::ALL.iter().filter(|s| s.is_final()).count() == 1);
}

#[test]
fn names_round_trip_and_are_distinct() {
    for s in AccessStatus::ALL {
        assert_eq!(AccessStatus::parse(s.as_str()), Some(s));
        assert!(!s.label().is_empty() && s.meaning().ends_with('.'));
    }
    for s in ConnectionCaseStatus::ALL {
        assert_eq!(ConnectionCaseStatus::parse(s.as_str()), Some(s));
    }
    for s in StepName::ALL {
        assert_eq!(StepName::parse(s.as_str()), Some(s));
    }
    for s in FailureKind::ALL {
        assert_eq!(FailureKind::parse(s.as_str()), Some(s));
    }
    for s in ConnectionTimerKind::ALL {
        assert_eq!(ConnectionTimerKind::parse(s.as_str()), Some(s));
    }
    for s in NotCompletedReason::ALL {
        assert_eq!(NotCompletedReason::parse(s.as_str()), Some(s));
    }
    assert_eq!(AccessStatus::parse("Working"), None);
    assert_eq!(FailureKind::Configuration.as_str(), "config");
}

#[test]
fn steps_run_in_seller_api_order() {
    let names: Vec<_> = StepName::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "validate",
            "authenticate",
            "search",
            "quote",
            "hotels",
            "destinations"
        ]
    );
    assert!(StepName::ALL.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn failures_decide_the_status_as_seller_api_says() {
    let access = StepFailure::Configuration {
        fix: ConfigFix::AccessOrSeller,
    };
    let registration = StepFailure::Configuration {
        fix: ConfigFix::Registration,
    };
    assert_eq!(access.summary().status(), PendingSeller);
    assert_eq!(registration.summary().status(), NotWorking);
    assert_eq!(StepFailure::Transient.summary().status(), NotWorking);
    assert_eq!(StepFailure::System.summary().status(), NotWorking);
    assert_eq!(access.kind(), FailureKind::Configuration);
    assert_eq!(StepFailure::Transient.kind(), FailureKind::Transient);
    assert_eq!(StepFailure::System.kind(), FailureKind::System);
    assert_eq!(RunSummary::AllPassed.status(), Working);
}

#[test]
fn run_summary_needs_every_step_passed_and_lets_the_first_failure_decide() {
    let passed: Vec<_> = StepName::ALL
        .iter()
        .map(|n| (*n, StepOutcome::Passed))
        .collect();
    assert_eq!(RunSummary::of(&passed), RunSummary::AllPassed);

    // A missing or skipped step without a failure is not a pass.
    assert_eq!(RunSummary::of(&passed[..5]), RunSummary::Failed);
    assert_eq!(RunSummary::of(&[]), RunSummary::Failed);
    let mut skipped = passed.clone();
    skipped[3].1 = StepOutcome::Skipped;
    assert_eq!(RunSummary::of(&skipped), RunSummary::Failed);

    // The first failure decides, whatever follows.
    let mut failed = passed.clone();
    failed[2].1 = StepOutcome::Failed {
        failure: StepFailure::Configuration {
            fix: ConfigFix::AccessOrSeller,
        },
    };
    failed[4].1 = StepOutcome::Failed {
        failure: StepFailure::System,
    };
    assert_eq!(RunSummary::of(&failed), RunSummary::NeedsAccessFix);
    failed[0].1 = StepOutcome::Failed {
        failure: StepFailure::Configuration {
            fix: ConfigFix::Registration,
        },
    };
    assert_eq!(RunSummary::of(&failed), RunSummary::NeedsRegistrationFix);
}

#[test]
fn create_queues_the_first_run_with_the_case_in_progress() {
    let t = create();
    assert_eq!(t.state.status, Pending);
    assert_eq!(t.state.run, 1);
    assert!(!t.state.steps_passed && !t.state.manual_check);
    assert_eq!(
        t.effects,
        vec![
            AccessEffect::SetCaseStatus(ConnectionCaseStatus::InProgress),
            AccessEffect::PostCaseMessage(CaseMessage::ActivationQueued {
                cause: RunCause::Create
            }),
            AccessEffect::QueueActivation {
                cause: RunCause::Create,
                run: 1
            },
        ]
    );
}

#[test]
fn a_passing_run_delivers_and_mails_the_recipients() {
    let t = run(Pending, finished(RunSummary::AllPassed)).expect("accepted");
    assert_eq!(t.state.status, Working);
    assert!(t.state.steps_passed);
    assert_eq!(t.state.epoch, EPOCH + 1);
    assert_eq!(
        t.effects,
        vec![
            AccessEffect::SetCaseStatus(ConnectionCaseStatus::Delivered),
            AccessEffect::PostCaseMessage(CaseMessage::RunFinished {
                summary: RunSummary::AllPassed
            }),
            AccessEffect::MailNotificationRecipients,
        ]
    );
}

fn pending_seller_timers(epoch: i64) -> Vec<AccessEffect> {
    [
        (SellerFirstReminder, HOUR),
        (SellerSecondReminder, 2 * HOUR),
        (ConnectivityAlert, 4 * HOUR),
    ]
    .map(|(kind, after)| AccessEffect::Schedule {
        kind,
        due: NOW.plus(Duration(after)),
        epoch,
    })
    .to_vec()
}

#[test]
fn an_access_fix_failure_waits_for_the_seller_with_link_and_timers() {
    let t = run(Pending, finished(RunSummary::NeedsAccessFix)).expect("accepted");
    assert_eq!(t.state.status, PendingSeller);
    assert!(!t.state.steps_passed);
    let mut want = vec![
        AccessEffect::SetCaseStatus(ConnectionCaseStatus::PendingSellersFeedback),
        AccessEffect::PostCaseMessage(CaseMessage::RunFinished {
            summary: RunSummary::NeedsAccessFix,
        }),
        AccessEffect::MailSellerFixLink,
    ];
    want.extend(pending_seller_timers(EPOCH + 1));
    assert_eq!(t.effects, want);
}

#[test]
fn staff_request_for_a_seller_fix_sends_the_link_and_starts_timers() {
    for from in [Pending, Working, NotWorking] {
        let t = run(from, AccessEvent::StaffRequestSellerFix).expect("accepted");
        assert!(t.effects.contains(&AccessEffect::MailSellerFixLink));
        assert!(t.effects.contains(&AccessEffect::PostCaseMessage(
            CaseMessage::SellerFixRequested
        )));
        assert!(t.effects.ends_with(&pending_seller_timers(EPOCH + 1)));
    }
}

#[test]
fn failures_for_manual_review_stay_in_progress_without_mail() {
    for summary in [RunSummary::NeedsRegistrationFix, RunSummary::Failed] {
        let t = run(Pending, finished(summary)).expect("accepted");
        assert_eq!(t.state.status, NotWorking);
        assert_eq!(
            t.effects,
            vec![AccessEffect::PostCaseMessage(CaseMessage::RunFinished {
                summary
            })]
        );
    }
}

#[test]
fn fixes_edits_and_reruns_cancel_the_timers_and_queue_a_new_run() {
    for (event, cause) in [
        (AccessEvent::SellerFix, RunCause::SellerFix),
        (AccessEvent::BuyerEdit, RunCause::BuyerEdit),
        (AccessEvent::StaffRerun, RunCause::StaffRerun),
    ] {
        let t = run(PendingSeller, event).expect("accepted");
        assert_eq!(t.state.status, Pending);
        assert_eq!(t.state.run, RUN + 1);
        assert_eq!(
            t.effects,
            vec![
                AccessEffect::CancelTimers,
                AccessEffect::SetCaseStatus(ConnectionCaseStatus::InProgress),
                AccessEffect::PostCaseMessage(CaseMessage::ActivationQueued { cause }),
                AccessEffect::QueueActivation {
                    cause,
                    run: RUN + 1
                },
            ]
        );
    }
}

#[test]
fn an_edit_while_pending_supersedes_the_running_run() {
    let t = run(Pending, AccessEvent::BuyerEdit).expect("accepted");
    assert_eq!(t.state.run, RUN + 1);
    assert!(!t.status_changed());
    let old = decide(t.state, finished(RunSummary::AllPassed), NOW, &policy());
    assert_eq!(old, Err(AccessRejection::StaleRun));
}

#[test]
fn a_rerun_forgets_the_previous_pass_and_manual_check() {
    let mut s = state(Working);
    s.manual_check = true;
    let t = decide(s, AccessEvent::StaffRerun, NOW, &policy()).expect("accepted");
    assert!(!t.state.steps_passed && !t.state.manual_check);
}

#[test]
fn marking_working_records_the_manual_check_and_mails() {
    let t = run(
        NotWorking,
        AccessEvent::StaffMarkWorking { manual_check: true },
    )
    .expect("accepted");
    assert!(t.state.manual_check && !t.state.steps_passed);
    assert_eq!(
        t.effects,
        vec![
            AccessEffect::SetCaseStatus(ConnectionCaseStatus::Delivered),
            AccessEffect::PostCaseMessage(CaseMessage::MarkedWorking),
            AccessEffect::MailNotificationRecipients,
        ]
    );
}

#[test]
fn editing_while_not_working_is_refused_with_a_reason() {
    let err = run(NotWorking, AccessEvent::BuyerEdit).expect_err("refused");
    assert_eq!(err, AccessRejection::EditBlocked);
    assert!(err.to_string().contains("Connectivity"));
}

#[test]
fn stopping_from_pending_seller_cancels_timers_and_is_final() {
    let t = run(
        PendingSeller,
        AccessEvent::StaffNotCompleted {
            reason: NotCompletedReason::Duplicate,
        },
    )
    .expect("accepted");
    assert_eq!(
        t.effects,
        vec![
            AccessEffect::CancelTimers,
            AccessEffect::SetCaseStatus(ConnectionCaseStatus::NotCompleted),
            AccessEffect::PostCaseMessage(CaseMessage::NotCompleted {
                reason: NotCompletedReason::Duplicate
            }),
        ]
    );
    for event in every_event() {
        assert_eq!(
            decide(t.state, event, NOW, &policy()),
            Err(AccessRejection::Final)
        );
    }
    let cancel = run(Working, AccessEvent::BuyerCancel).expect("accepted");
    assert!(
        cancel
            .effects
            .contains(&AccessEffect::PostCaseMessage(CaseMessage::NotCompleted {
                reason: NotCompletedReason::Cancelled
            }))
    );
}

#[test]
fn timers_remind_the_seller_then_alert_connectivity_without_moving() {
    for (kind, effect) in [
        (SellerFirstReminder, AccessEffect::MailSellerReminder(1)),
        (SellerSecondReminder, AccessEffect::MailSellerReminder(2)),
        (ConnectivityAlert, AccessEffect::AlertConnectivity),
    ] {
        let t = run(PendingSeller, timer(kind, EPOCH)).expect("accepted");
        assert_eq!(t.state, state(PendingSeller));
        assert_eq!(t.effects, vec![effect]);
    }
}

#[test]
fn stale_timers_and_runs_change_nothing() {
    for kind in ConnectionTimerKind::ALL {
        for epoch in [EPOCH - 1, EPOCH + 1, 0] {
            assert_eq!(
                run(PendingSeller, timer(kind, epoch)),
                Err(AccessRejection::StaleTimer)
            );
        }
    }
    for r in [RUN - 1, RUN + 1] {
        let event = AccessEvent::RunFinished {
            run: r,
            summary: RunSummary::AllPassed,
        };
        assert_eq!(run(Pending, event), Err(AccessRejection::StaleRun));
    }
}

#[test]
fn timer_policy_defaults_and_validation() {
    let d = ConnectionTimerPolicy::default();
    assert_eq!(d.seller_first_reminder, Duration::days(3));
    assert_eq!(d.seller_second_reminder, Duration::days(5));
    assert_eq!(d.connectivity_alert, Duration::days(7));
    assert_eq!(d.validate(), Ok(()));
    assert_eq!(policy().validate(), Ok(()));
    let mut bad = d;
    bad.seller_second_reminder = Duration::days(8);
    assert!(bad.validate().is_err());
    bad = d;
    bad.seller_first_reminder = Duration(0);
    assert!(bad.validate().is_err());
}

// ---------------------------------------------------------------------------
// Property tests: random histories against a simulated store.

/// One step of a random history.
#[derive(Debug, Clone)]
enum Step {
    /// Any event, with a run or epoch offset from the current one (0 = current).
    Event(AccessEvent),
    RunFinishedOffset(i64, RunSummary),
    TimerOffset(ConnectionTimerKind, i64),
    /// Finish the run the queue holds last, as a worker would.
    FinishQueued(RunSummary),
    /// Fire one of the scheduled timers, or the earliest one.
    FireScheduled(Index),
    FireNextDue,
}

fn any_step() -> impl Strategy<Value = Step> {
    let simple = select(vec![
        AccessEvent::StaffRerun,
        AccessEvent::BuyerEdit,
        AccessEvent::SellerFix,
        AccessEvent::StaffMarkWorking { manual_check: true },
        AccessEvent::StaffMarkWorking {
            manual_check: false,
        },
        AccessEvent::StaffRequestSellerFix,
        AccessEvent::BuyerCancel,
        AccessEvent::StaffNotCompleted {
            reason: NotCompletedReason::Cancelled,
        },
        AccessEvent::StaffNotCompleted {
            reason: NotCompletedReason::Duplicate,
        },
    ]);
    let summary = select(RunSummary::ALL.to_vec());
    let kind = select(ConnectionTimerKind::ALL.to_vec());
    prop_oneof![
        // Cancels are rare enough that histories get long.
        6 => simple.prop_filter("few stops", |e| !matches!(
            e,
            AccessEvent::BuyerCancel | AccessEvent::StaffNotCompleted { .. }
        )).prop_map(Step::Event),
        1 => select(vec![
            AccessEvent::BuyerCancel,
            AccessEvent::StaffNotCompleted { reason: NotCompletedReason::Duplicate },
        ]).prop_map(Step::Event),
        6 => summary.clone().prop_map(Step::FinishQueued),
        1 => (-2i64..2, summary).prop_map(|(o, s)| Step::RunFinishedOffset(o, s)),
        1 => (kind, -2i64..2).prop_map(|(k, o)| Step::TimerOffset(k, o)),
        3 => any::<Index>().prop_map(Step::FireScheduled),
        2 => Just(Step::FireNextDue),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Timer {
    kind: ConnectionTimerKind,
    due: Timestamp,
    epoch: i64,
}

/// One access plus what a store keeps from its effects: the case status,
/// the durable timers and the queued runs.
#[derive(Debug)]
struct Sim {
    state: AccessState,
    case_status: ConnectionCaseStatus,
    timers: Vec<Timer>,
    queued: Vec<i64>,
    now: Timestamp,
    policy: ConnectionTimerPolicy,
}

impl Sim {
    fn new(policy: ConnectionTimerPolicy) -> Self {
        let mut sim = Self {
            state: create().state,
            case_status: ConnectionCaseStatus::NotCompleted,
            timers: Vec::new(),
            queued: Vec::new(),
            now: NOW,
            policy,
        };
        sim.effects(&create().effects);
        sim
    }

    /// The event a step stands for; firing a timer moves the clock to its
    /// due time. None when the step needs something that does not exist.
    fn event_for(&mut self, step: &Step) -> Option<AccessEvent> {
        let t = match step {
            Step::Event(e) => return Some(*e),
            Step::RunFinishedOffset(o, summary) => {
                return Some(AccessEvent::RunFinished {
                    run: self.state.run + o,
                    summary: *summary,
                });
            }
            Step::TimerOffset(kind, o) => return Some(timer(*kind, self.state.epoch + o)),
            Step::FinishQueued(summary) => {
                let run = *self.queued.last()?;
                return Some(AccessEvent::RunFinished {
                    run,
                    summary: *summary,
                });
            }
            Step::FireScheduled(_) | Step::FireNextDue if self.timers.is_empty() => return None,
            Step::FireScheduled(i) => self.timers[i.index(self.timers.len())],
            Step::FireNextDue => *self.timers.iter().min_by_key(|t| t.due)?,
        };
        self.now = self.now.max(t.due);
        Some(timer(t.kind, t.epoch))
    }

    fn effects(&mut self, effects: &[AccessEffect]) {
        for effect in effects {
            match *effect {
                AccessEffect::SetCaseStatus(s) => self.case_status = s,
                AccessEffect::CancelTimers => self.timers.clear(),
                AccessEffect::Schedule { kind, due, epoch } => {
                    self.timers.push(Timer { kind, due, epoch })
                }
                AccessEffect::QueueActivation { run, .. } => self.queued.push(run),
                _ => {}
            }
        }
    }

    fn apply(&mut self, event: AccessEvent) -> Result<AccessTransition, AccessRejection> {
        let result = decide(self.state, event, self.now, &self.policy);
        if let Ok(t) = &result {
            match event {
                AccessEvent::TimerDue { kind, epoch } => {
                    self.timers.retain(|x| (x.kind, x.epoch) != (kind, epoch))
                }
                AccessEvent::RunFinished { run, .. } => self.queued.retain(|r| *r != run),
                _ => {}
            }
            self.effects(&t.effects);
            self.state = t.state;
        }
        result
    }
}

fn valid_policy() -> impl Strategy<Value = ConnectionTimerPolicy> {
    (1..3 * DAY, 1..3 * DAY, 1..3 * DAY).prop_map(|(a, b, c)| ConnectionTimerPolicy {
        seller_first_reminder: Duration(a),
        seller_second_reminder: Duration(a + b),
        connectivity_alert: Duration(a + b + c),
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Random histories from a new access keep every invariant after every
    /// step (see the comments inside for each one).
    #[test]
    fn random_histories_keep_the_invariants(
        policy in valid_policy(),
        steps in prop::collection::vec((any_step(), 0..2 * DAY), 1..60),
    ) {
        let mut sim = Sim::new(policy);
        for (step, advance) in steps {
            sim.now = sim.now.plus(Duration(advance));
            let Some(event) = sim.event_for(&step) else { continue };
            let before = sim.state;
            let result = sim.apply(event);

            // A rejection changes nothing (the sim only applies successes),
            // and the rule table agrees with the machine in reachable states.
            prop_assert_eq!(
                result.as_ref().map(|t| t.state.status).map_err(|e| *e),
                expected_reached(before, event),
                "{:?} in {:?}", event, before
            );
            // Not Completed never moves again: every event is refused.
            if before.status == NotCompleted {
                prop_assert_eq!(result.clone(), Err(AccessRejection::Final));
            }
            // Editing is impossible while Not Working.
            if before.status == NotWorking && event == AccessEvent::BuyerEdit {
                prop_assert_eq!(result.clone(), Err(AccessRejection::EditBlocked));
            }
            // Stale timers and runs change nothing.
            if let AccessEvent::TimerDue { epoch, .. } = event
                && (epoch != before.epoch || before.status != PendingSeller)
            {
                prop_assert!(result.is_err());
            }
            if let AccessEvent::RunFinished { run, .. } = event
                && run != before.run
            {
                prop_assert!(result.is_err());
            }
            // A fix, edit or re-run leaves no timer behind and queues a run.
            if matches!(
                event,
                AccessEvent::SellerFix | AccessEvent::BuyerEdit | AccessEvent::StaffRerun
            ) && result.is_ok()
            {
                prop_assert!(sim.timers.is_empty());
                prop_assert_eq!(sim.queued.last().copied(), Some(sim.state.run));
            }
            // Arriving in Working mails the recipients; in Pending Seller,
            // the seller gets a fix link.
            if let Ok(t) = &result {
                if t.status_changed() && t.state.status == Working {
                    prop_assert!(t.effects.contains(&AccessEffect::MailNotificationRecipients));
                }
                if t.status_changed() && t.state.status == PendingSeller {
                    prop_assert!(t.effects.contains(&AccessEffect::MailSellerFixLink));
                }
            }
            check_state(&sim)?;
            prop_assert!(sim.state.epoch >= before.epoch && sim.state.run >= before.run);
        }
    }

    /// Timers scheduled on entering Pending Seller always fire while it
    /// lasts, in order, and the alert comes last.
    #[test]
    fn pending_seller_timers_fire_in_order(policy in valid_policy()) {
        let mut sim = Sim::new(policy);
        let run = sim.state.run;
        let entered = sim.apply(AccessEvent::RunFinished { run, summary: RunSummary::NeedsAccessFix });
        prop_assert!(entered.is_ok());
        let mut fired = Vec::new();
        while let Some(event) = sim.event_for(&Step::FireNextDue) {
            let t = sim.apply(event);
            prop_assert!(t.is_ok(), "{:?}", t);
            if let AccessEvent::TimerDue { kind, .. } = event { fired.push(kind) }
        }
        prop_assert_eq!(fired, vec![SellerFirstReminder, SellerSecondReminder, ConnectivityAlert]);
        prop_assert_eq!(sim.state.status, PendingSeller);
    }
}

/// The rule table, plus the run and epoch checks it leaves out.
fn expected_reached(
    before: AccessState,
    event: AccessEvent,
) -> Result<AccessStatus, AccessRejection> {
    if before.status != NotCompleted {
        match event {
            AccessEvent::RunFinished { run, .. } if run != before.run => {
                return Err(AccessRejection::StaleRun);
            }
            AccessEvent::TimerDue { epoch, .. } if epoch != before.epoch => {
                return Err(AccessRejection::StaleTimer);
            }
            _ => {}
        }
    }
    expected(before.status, event)
}

/// The invariants of the stored state after any step.
fn check_state(sim: &Sim) -> Result<(), TestCaseError> {
    let s = sim.state;
    // The case status is always the mapping of the access status.
    prop_assert_eq!(sim.case_status, s.status.case_status());
    // Working only with every required step passed or a manual check.
    if s.status == Working {
        prop_assert!(s.steps_passed || s.manual_check, "{:?}", s);
    }
    // Timers only exist in Pending Seller, and only of the current epoch.
    if s.status != PendingSeller {
        prop_assert!(sim.timers.is_empty(), "{:?} with {:?}", s, sim.timers);
    }
    prop_assert!(sim.timers.iter().all(|t| t.epoch == s.epoch));
    prop_assert!(sim.timers.len() <= 3);
    // At most one run counts: the latest queued one, while Pending.
    if s.status == Pending {
        prop_assert!(sim.queued.contains(&s.run));
    }
    Ok(())
}
