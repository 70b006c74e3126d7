//! The case lifecycle of PRODUCT.md ("Support cases"): unit tests for every
//! rule of `decide`, `check_reopen` and `TimerPolicy`, then property tests
//! over random histories with a simulated durable timer set.

use CaseStatus::{Closed, FeedbackRequired, InProgress, Open, Resolved};
use TimerKind::{FeedbackClose, FeedbackFirstReminder, FeedbackSecondReminder, ResolvedClose};
use frontdesk_domain::cases::{
    Actor, CaseState, CaseStatus, Effect, Event, Notice, Rejection, TimerKind, TimerPolicy,
    Transition, check_reopen, decide,
};
use frontdesk_domain::{Duration, Timestamp};
use proptest::prelude::*;
use proptest::sample::{Index, select};

const NOW: Timestamp = Timestamp(1_700_000_000_000);
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
/// Unit tests start here rather than at 0, so a reset would show.
const EPOCH: i64 = 5;
const LIVE: [CaseStatus; 4] = [Open, InProgress, FeedbackRequired, Resolved];
const ACTORS: [Actor; 3] = [Actor::Partner, Actor::Staff, Actor::System];

fn policy_of(first: i64, second: i64, close: i64, resolved: i64) -> TimerPolicy {
    let [a, b, c, r] = [first, second, close, resolved].map(Duration);
    TimerPolicy {
        feedback_first_reminder: a,
        feedback_second_reminder: b,
        feedback_close: c,
        resolved_close: r,
    }
}

/// Not the defaults, so the tests see that durations come from the policy.
fn policy() -> TimerPolicy {
    policy_of(HOUR, 2 * HOUR, 4 * HOUR, 10 * HOUR)
}

fn state(status: CaseStatus, epoch: i64) -> CaseState {
    CaseState { status, epoch }
}

fn run(status: CaseStatus, event: Event) -> Result<Transition, Rejection> {
    decide(state(status, EPOCH), event, NOW, &policy())
}

fn set(to: CaseStatus, with_message: bool) -> Event {
    Event::SetStatus { to, with_message }
}

fn fired(kind: TimerKind, epoch: i64) -> Event {
    Event::TimerFired { kind, epoch }
}

fn schedule(kind: TimerKind, due: Timestamp, epoch: i64) -> Effect {
    Effect::Schedule { kind, due, epoch }
}

/// What entering `to` at NOW under `policy()` schedules, written out by hand.
fn ladder(to: CaseStatus) -> Vec<Effect> {
    let at = |kind, hours| schedule(kind, Timestamp(NOW.0 + hours * HOUR), EPOCH + 1);
    match to {
        FeedbackRequired => vec![
            at(FeedbackFirstReminder, 1),
            at(FeedbackSecondReminder, 2),
            at(FeedbackClose, 4),
        ],
        Resolved => vec![at(ResolvedClose, 10)],
        _ => Vec::new(),
    }
}

/// Every event there is; timers with the current epoch and its neighbours.
fn all_events() -> Vec<Event> {
    use Event::*;
    let mut events = vec![PartnerMessage, StaffReply, InternalNote];
    events.extend([PartnerClose, Escalate, Assign]);
    events.extend(ACTORS.map(|by| ParticipantAdded { by }));
    for to in CaseStatus::ALL {
        events.extend([set(to, true), set(to, false)]);
    }
    for kind in TimerKind::ALL {
        events.extend([EPOCH - 1, EPOCH, EPOCH + 1].map(|epoch| fired(kind, epoch)));
    }
    events
}

/// What an event must do to a case.
#[derive(Debug)]
enum Want {
    /// Accepted; status and epoch unchanged; exactly these notices.
    Stay(Vec<Notice>),
    /// Accepted; new status, epoch + 1; effects are CancelTimers when a
    /// waiting status is left, these notices, then the new status's timers.
    Move(CaseStatus, Vec<Notice>),
    Reject(Rejection),
}

/// PRODUCT.md's rules as a table: what `event` does in `status` (at EPOCH).
fn rule(status: CaseStatus, event: Event) -> Want {
    use Event as E;
    use Notice as N;
    use Rejection as R;
    use Want::{Move, Reject, Stay};
    let waiting = matches!(status, FeedbackRequired | Resolved);
    match (status, event) {
        (Closed, E::InternalNote) => Stay(vec![]),
        (Closed, E::TimerFired { .. }) => Reject(R::StaleTimer),
        (Closed, _) => Reject(R::Closed),
        // Any partner comment while waiting brings the case back.
        (_, E::PartnerMessage) if waiting => Move(InProgress, vec![N::PartnerReply]),
        (_, E::PartnerMessage) => Stay(vec![N::PartnerReply]),
        // Adding a participant counts as a comment while feedback is awaited.
        (FeedbackRequired, E::ParticipantAdded { by: Actor::Partner }) => {
            Move(InProgress, vec![N::ParticipantAdded])
        }
        (_, E::ParticipantAdded { .. }) => Stay(vec![N::ParticipantAdded]),
        (Open, E::StaffReply) => Move(InProgress, vec![N::StaffReply]),
        (_, E::StaffReply) => Stay(vec![N::StaffReply]),
        (_, E::InternalNote | E::Assign) => Stay(vec![]),
        // Escalation starts work on an open case; otherwise partners see nothing.
        (Open, E::Escalate) => Move(InProgress, vec![]),
        (_, E::Escalate) => Stay(vec![]),
        (_, E::SetStatus { to, .. }) if to == status => Reject(R::AlreadyInStatus(to)),
        (_, E::SetStatus { to: Open, .. }) => Reject(R::CannotReopenToOpen),
        (_, E::SetStatus { to, with_message }) if to == Resolved && !with_message => {
            Reject(R::SolutionRequired)
        }
        (_, E::SetStatus { to, .. }) => Move(to, vec![N::StatusChanged(to)]),
        (_, E::PartnerClose) => Move(Closed, vec![N::ClosedByPartner]),
        (_, E::TimerFired { kind, epoch }) if epoch != EPOCH || kind.status() != status => {
            Reject(R::StaleTimer)
        }
        (_, E::TimerFired { kind, .. }) => match kind {
            FeedbackFirstReminder => Stay(vec![N::Reminder(1)]),
            FeedbackSecondReminder => Stay(vec![N::Reminder(2)]),
            FeedbackClose => Move(Closed, vec![N::ClosedNoFeedback]),
            ResolvedClose => Move(Closed, vec![N::ClosedAfterResolution]),
        },
    }
}

/// Each event in each status, compared with the rule table, effects included.
#[test]
fn every_event_in_every_status_follows_the_rules() {
    for status in CaseStatus::ALL {
        for event in all_events() {
            let expected = match rule(status, event) {
                Want::Reject(rejection) => Err(rejection),
                Want::Stay(notices) => Ok(Transition {
                    from: status,
                    state: state(status, EPOCH),
                    effects: notices.iter().map(|n| Effect::Notify(*n)).collect(),
                }),
                Want::Move(to, notices) => {
                    let cancel = status.is_waiting().then_some(Effect::CancelTimers);
                    let notify = notices.iter().map(|n| Effect::Notify(*n));
                    let effects = cancel.into_iter().chain(notify).chain(ladder(to));
                    Ok(Transition {
                        from: status,
                        state: state(to, EPOCH + 1),
                        effects: effects.collect(),
                    })
                }
            };
            assert_eq!(run(status, event), expected, "{event:?} in {status:?}");
        }
    }
}

#[test]
fn schedules_are_at_now_plus_policy_durations_with_the_new_epoch() {
    let due = |h: i64| Timestamp(1_700_000_000_000 + h * 3_600_000);
    let expected = vec![
        Effect::Notify(Notice::StatusChanged(FeedbackRequired)),
        schedule(FeedbackFirstReminder, due(1), 6),
        schedule(FeedbackSecondReminder, due(2), 6),
        schedule(FeedbackClose, due(4), 6),
    ];
    let t = run(InProgress, set(FeedbackRequired, false)).expect("accepted");
    assert_eq!(
        (t.state, t.effects),
        (state(FeedbackRequired, 6), expected.clone())
    );
    // Leaving Resolved for FeedbackRequired cancels the resolution window first.
    let t = run(Resolved, set(FeedbackRequired, true)).expect("accepted");
    assert_eq!(t.effects[0], Effect::CancelTimers);
    assert_eq!(t.effects[1..], expected[..]);
    // With the defaults, a new case resolved at once: 7 days to answer.
    let default = TimerPolicy::default();
    let t = decide(CaseState::new(), set(Resolved, true), NOW, &default).expect("accepted");
    let due = NOW.plus(Duration::days(7));
    assert_eq!(t.effects[1..], [schedule(ResolvedClose, due, 1)]);
}

#[test]
fn only_closed_cases_can_be_reopened() {
    assert_eq!(check_reopen(state(Closed, 3)), Ok(()));
    for status in LIVE {
        assert_eq!(check_reopen(state(status, 3)), Err(Rejection::NotClosed));
    }
}

#[test]
fn default_policy_and_timers_for() {
    let p = TimerPolicy::default();
    assert_eq!(p, policy_of(3 * DAY, 5 * DAY, 7 * DAY, 7 * DAY));
    assert_eq!(p.validate(), Ok(()));
    let q = policy();
    let h = |n| Duration(n * HOUR);
    let feedback = [FeedbackFirstReminder, FeedbackSecondReminder, FeedbackClose];
    assert_eq!(
        q.timers_for(FeedbackRequired),
        feedback
            .into_iter()
            .zip([h(1), h(2), h(4)])
            .collect::<Vec<_>>()
    );
    assert_eq!(q.timers_for(Resolved), [(ResolvedClose, h(10))]);
    for status in [Open, InProgress, Closed] {
        assert!(q.timers_for(status).is_empty(), "{status:?}");
    }
}

#[test]
fn policy_validation() {
    assert_eq!(policy().validate(), Ok(()));
    // The resolution window is independent of the feedback ladder.
    assert_eq!(policy_of(2, 3, 4, 1).validate(), Ok(()));
    for broken in [
        policy_of(0, 3, 4, 5),
        policy_of(2, 3, 4, 0),
        policy_of(-1, 3, 4, 5),
        policy_of(2, 2, 4, 5),
        policy_of(2, 3, 3, 5),
        policy_of(4, 3, 2, 5),
    ] {
        assert!(broken.validate().is_err(), "{broken:?}");
    }
}

// ---------------------------------------------------------------- properties

/// A policy that passes validation, with random durations.
fn valid_policy() -> impl Strategy<Value = TimerPolicy> {
    let day = 1..=10 * DAY;
    (day.clone(), day.clone(), day, 1..=30 * DAY)
        .prop_map(|(a, b, c, r)| policy_of(a, a + b, a + b + c, r))
}

/// Any event; closing is kept rare so that histories spend time waiting.
fn any_event() -> impl Strategy<Value = Event> {
    let to = select(vec![Open, InProgress, FeedbackRequired, Resolved]);
    prop_oneof![
        18 => Just(Event::PartnerMessage),
        18 => select(ACTORS.to_vec()).prop_map(|by| Event::ParticipantAdded { by }),
        12 => Just(Event::StaffReply),
        6 => Just(Event::InternalNote),
        36 => (to, any::<bool>()).prop_map(|(to, m)| set(to, m)),
        1 => any::<bool>().prop_map(|m| set(Closed, m)),
        1 => Just(Event::PartnerClose),
        6 => Just(Event::Escalate),
        6 => Just(Event::Assign),
        18 => (select(TimerKind::ALL.to_vec()), -1i64..8).prop_map(|(k, e)| fired(k, e)),
    ]
}

#[derive(Debug, Clone)]
enum Step {
    /// Any event, including timers of arbitrary kind and epoch.
    Event(Event),
    /// The store fires one of the scheduled timers, whichever.
    FireScheduled(Index),
    /// The store fires the scheduled timer due first.
    FireNextDue,
}

fn any_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => any_event().prop_map(Step::Event),
        1 => any::<Index>().prop_map(Step::FireScheduled),
        1 => Just(Step::FireNextDue),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Timer {
    kind: TimerKind,
    due: Timestamp,
    epoch: i64,
}

/// One case plus the durable timer set a store would keep from its effects.
#[derive(Debug)]
struct Sim {
    state: CaseState,
    timers: Vec<Timer>,
    now: Timestamp,
    policy: TimerPolicy,
}

impl Sim {
    /// The event a step stands for; firing a timer moves the clock to its
    /// due time. None when the step wants a timer and none is scheduled.
    fn event_for(&mut self, step: &Step) -> Option<Event> {
        let timer = match step {
            Step::Event(event) => return Some(*event),
            Step::FireScheduled(_) | Step::FireNextDue if self.timers.is_empty() => return None,
            Step::FireScheduled(i) => self.timers[i.index(self.timers.len())],
            Step::FireNextDue => *self.timers.iter().min_by_key(|t| t.due)?,
        };
        self.now = self.now.max(timer.due);
        Some(fired(timer.kind, timer.epoch))
    }

    /// Decides, and on acceptance consumes a fired timer and applies effects.
    fn apply(&mut self, event: Event) -> Result<Transition, Rejection> {
        let result = decide(self.state, event, self.now, &self.policy);
        if let Ok(t) = &result {
            if let Event::TimerFired { kind, epoch } = event {
                self.timers.retain(|x| (x.kind, x.epoch) != (kind, epoch));
            }
            for effect in &t.effects {
                match *effect {
                    Effect::CancelTimers => self.timers.clear(),
                    Effect::Schedule { kind, due, epoch } => {
                        self.timers.push(Timer { kind, due, epoch })
                    }
                    Effect::Notify(_) => {}
                }
            }
            self.state = t.state;
        }
        result
    }
}

fn duration(policy: &TimerPolicy, kind: TimerKind) -> Duration {
    match kind {
        FeedbackFirstReminder => policy.feedback_first_reminder,
        FeedbackSecondReminder => policy.feedback_second_reminder,
        FeedbackClose => policy.feedback_close,
        ResolvedClose => policy.resolved_close,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Random histories from a new case keep every lifecycle invariant after
    /// every step (see the comments inside for each one).
    #[test]
    fn random_histories_keep_the_invariants(
        policy in valid_policy(),
        steps in prop::collection::vec((any_step(), 0..2 * DAY), 1..80),
    ) {
        let mut sim = Sim { state: CaseState::new(), timers: Vec::new(), now: NOW, policy };
        for (step, advance) in steps {
            sim.now = sim.now.plus(Duration(advance));
            let Some(event) = sim.event_for(&step) else { continue };
            let (before, timers_before, now) = (sim.state, sim.timers.clone(), sim.now);
            let result = sim.apply(event);

            // Nothing leaves Closed: only an internal note is accepted, silently.
            if before.status == Closed {
                match event {
                    Event::InternalNote => prop_assert_eq!(
                        result.clone().map(|t| (t.state, t.effects)), Ok((before, Vec::new()))
                    ),
                    _ => prop_assert!(result.is_err(), "{:?} accepted on Closed", event),
                }
            }
            // A timer taken from the scheduled set is never stale...
            if !matches!(step, Step::Event(_)) {
                prop_assert!(result.is_ok(), "scheduled {:?} rejected in {:?}", event, before);
            }
            // ...and one of another epoch or status always is.
            if let Event::TimerFired { kind, epoch } = event
                && (epoch != before.epoch || kind.status() != before.status)
            {
                prop_assert_eq!(result.clone().err(), Some(Rejection::StaleTimer));
            }
            match &result {
                // A rejection changes nothing, and is deterministic.
                Err(rejection) => {
                    prop_assert_eq!(sim.state, before);
                    prop_assert_eq!(&sim.timers, &timers_before);
                    prop_assert_eq!(decide(before, event, now, &policy), Err(*rejection));
                }
                Ok(t) => {
                    // The epoch never decreases, and grows exactly on a status change.
                    prop_assert_eq!(t.from, before.status);
                    let changed = t.state.status != before.status;
                    prop_assert_eq!(t.state.epoch, before.epoch + i64::from(changed));
                    // Timers are cancelled exactly when a waiting status is left.
                    let cancels = t.effects.contains(&Effect::CancelTimers);
                    prop_assert_eq!(cancels, changed && before.status.is_waiting());
                    // Schedules: new epoch, due now + the policy's duration, fit the status.
                    for effect in &t.effects {
                        if let Effect::Schedule { kind, due, epoch } = *effect {
                            prop_assert_eq!(epoch, t.state.epoch);
                            prop_assert_eq!(due, now.plus(duration(&policy, kind)));
                            prop_assert_eq!(kind.status(), t.state.status);
                        }
                    }
                }
            }
            // A partner's comment while waiting brings the case back to In progress.
            let partner_comment = event == Event::PartnerMessage
                || (event == Event::ParticipantAdded { by: Actor::Partner }
                    && before.status == FeedbackRequired);
            if partner_comment && before.status.is_waiting() {
                let t = result.clone().map_err(|r| TestCaseError::fail(r.to_string()))?;
                prop_assert_eq!(t.state.status, InProgress);
                prop_assert!(t.effects.contains(&Effect::CancelTimers));
            }
            // Timers exist only while waiting, once per kind, of this epoch and status.
            let state = sim.state;
            prop_assert!(state.status.is_waiting() || sim.timers.is_empty(), "{:?}", sim);
            for (i, timer) in sim.timers.iter().enumerate() {
                prop_assert_eq!(timer.epoch, state.epoch);
                prop_assert_eq!(timer.kind.status(), state.status);
                prop_assert!(sim.timers[..i].iter().all(|t| t.kind != timer.kind));
            }
        }
    }

    /// Entering a waiting status from any other live one, then firing its
    /// timers in due order: reminder 1, reminder 2 and Closed (no feedback)
    /// at the policy's times, or Closed after the resolution window.
    #[test]
    fn waiting_timers_fire_in_due_order(
        policy in valid_policy(),
        waiting in select(vec![FeedbackRequired, Resolved]),
        from in select(LIVE.to_vec()),
        epoch in 0i64..1_000,
        start in 0i64..4_000_000_000_000,
    ) {
        prop_assume!(from != waiting);
        let mut sim = Sim { state: state(from, epoch), timers: Vec::new(), now: Timestamp(start), policy };
        prop_assert!(sim.apply(set(waiting, true)).is_ok());
        let mut seen = Vec::new();
        // Bounded, so a timer that re-arms the ladder fails instead of hanging.
        for _ in 0..10 {
            let Some(event) = sim.event_for(&Step::FireNextDue) else { break };
            let t = sim.apply(event).map_err(|r| TestCaseError::fail(r.to_string()))?;
            for effect in t.effects {
                if let Effect::Notify(notice) = effect {
                    seen.push((notice, sim.now, t.state.status));
                }
            }
        }
        let at = |kind| Timestamp(start).plus(duration(&policy, kind));
        let expected = if waiting == FeedbackRequired {
            vec![
                (Notice::Reminder(1), at(FeedbackFirstReminder), FeedbackRequired),
                (Notice::Reminder(2), at(FeedbackSecondReminder), FeedbackRequired),
                (Notice::ClosedNoFeedback, at(FeedbackClose), Closed),
            ]
        } else {
            vec![(Notice::ClosedAfterResolution, at(ResolvedClose), Closed)]
        };
        prop_assert_eq!(seen, expected);
        prop_assert_eq!(sim.state, state(Closed, epoch + 2));
        prop_assert!(sim.timers.is_empty());
    }

    /// `validate` accepts exactly positive durations with a growing ladder.
    #[test]
    fn validate_matches_the_rule(a in -2i64..6, b in -2i64..6, c in -2i64..6, r in -2i64..6) {
        let valid = a > 0 && b > 0 && c > 0 && r > 0 && a < b && b < c;
        prop_assert_eq!(policy_of(a, b, c, r).validate().is_ok(), valid);
    }
}
