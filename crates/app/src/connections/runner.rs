//! Activation runs as worker jobs: claimed with a lease (at most
//! `per_seller_limit` at once per seller across every worker), advanced
//! through the reference adapter until they finish or must wait for a
//! retry (then rescheduled; no worker sleeps), and finished in one
//! transaction that applies the result exactly once.

use super::apply::ApplyInput;
use super::credentials::{self, OpenError};
use crate::cases::ActorRef;
use crate::{App, AppError, AppResult};
use frontdesk_activation::endpoints::{is_local, same_origin_as_any};
use frontdesk_activation::{
    Advance, RunContext, RunProgress, SearchCriteria, ValidateFailure, advance,
};
use frontdesk_domain::Timestamp;
use frontdesk_domain::connections::{self as domain, AccessEvent, RunSummary};
use frontdesk_store::connections::{AccessRecord, AccessScope, RunRecord};
use rand::SeedableRng as _;

/// Access timers taken per transaction.
const TIMER_BATCH: i64 = 512;

/// What one pass of the runner did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunnerStats {
    pub claimed: usize,
    pub finished: usize,
    pub waiting: usize,
}

enum Step {
    Finished,
    Waiting,
    Dropped,
}

impl App {
    /// Claims due runs and executes them side by side, claiming again as
    /// each one ends (a slot freed by a fast run is not left idle behind a
    /// slow one), until nothing more is due; returns what it did.
    pub async fn run_activations(&self) -> AppResult<RunnerStats> {
        let c = &self.config.connections;
        let capacity = c.runs_per_worker.max(1);
        let mut stats = RunnerStats::default();
        // Runs are tasks of their own: a run waiting inside a transaction
        // must progress while this loop waits for the next claim.
        let mut in_flight = tokio::task::JoinSet::new();
        let mut drained = false;
        loop {
            if !drained && in_flight.len() < capacity {
                let claimed = self
                    .store
                    .claim_runs(
                        self.now(),
                        self.run_lease_ms(),
                        capacity - in_flight.len(),
                        c.per_seller_limit.max(1),
                    )
                    .await?;
                // Nothing more to claim now: finish what runs, then stop.
                drained = claimed.is_empty();
                stats.claimed += claimed.len();
                for run in claimed {
                    let app = self.clone();
                    in_flight.spawn(async move { app.execute_run(run).await });
                }
            }
            let Some(joined) = in_flight.join_next().await else {
                return Ok(stats);
            };
            let result = match joined {
                Ok(result) => result,
                Err(e) => {
                    // Its lease expires and another pass retries it.
                    tracing::error!(error = %e, "activation run task ended abnormally");
                    continue;
                }
            };
            match result {
                Ok(Step::Finished) => stats.finished += 1,
                Ok(Step::Waiting) => stats.waiting += 1,
                Ok(Step::Dropped) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "activation run failed; its lease will expire and it is retried")
                }
            }
        }
    }

    async fn execute_run(&self, run: RunRecord) -> AppResult<Step> {
        let Some(access) = self.store.access(AccessScope::Staff, run.access_id).await? else {
            return Ok(Step::Dropped);
        };
        let mut progress: RunProgress = serde_json::from_str(&run.progress)
            .map_err(|e| AppError::Internal(format!("stored run progress unreadable: {e}")))?;
        let started = std::time::Instant::now();
        // The lease is renewed beside the run, so a step may outlast it; a
        // refused renewal drops the run unwritten (another worker has it).
        let outcome = tokio::select! {
            outcome = self.advance_run(&access, &mut progress) => outcome?,
            () = self.hold_lease(&run) => {
                tracing::info!(run_id = run.id, access_id = access.id.0, "activation run's lease was lost; another worker runs it");
                return Ok(Step::Dropped);
            }
        };
        let json =
            serde_json::to_string(&progress).map_err(|e| AppError::Internal(e.to_string()))?;
        match outcome {
            Some(Advance::WaitUntil(at)) => {
                self.store
                    .reschedule_run(run.id, run.attempts, &json, at)
                    .await?;
                Ok(Step::Waiting)
            }
            Some(Advance::Finished(summary)) => {
                metrics::histogram!("frontdesk_activation_run_seconds")
                    .record(started.elapsed().as_secs_f64());
                self.finish_run(&run, &json, &progress, summary).await?;
                Ok(Step::Finished)
            }
            None => Err(AppError::Internal(
                "a failed validate left no summary".into(),
            )),
        }
    }

    /// Runs the access's steps from where `progress` stands until the run
    /// finishes or must wait; `None` if a failed validate left no summary.
    async fn advance_run(
        &self,
        access: &AccessRecord,
        progress: &mut RunProgress,
    ) -> AppResult<Option<Advance>> {
        let ctx = match self.run_context(access).await? {
            Err(failure) => {
                progress.record_validate(self.now(), Err(failure));
                return Ok(progress.summary().map(Advance::Finished));
            }
            Ok(ctx) => ctx,
        };
        if progress.summary().is_none()
            && progress
                .step(frontdesk_domain::connections::StepName::Validate)
                .is_some_and(|s| s.status == frontdesk_activation::StepStatus::Pending)
        {
            progress.record_validate(self.now(), Ok(()));
        }
        let mut rng = rand::rngs::StdRng::from_os_rng();
        let clock = self.clock.clone();
        Ok(Some(
            advance(
                &ctx,
                progress,
                &self.connections.client,
                move || clock.now(),
                &mut rng,
            )
            .await,
        ))
    }

    /// Renews the run's lease every third of it for as long as it is
    /// polled; returns only once a renewal is refused (the lease was lost).
    /// A failed renewal (database error) is retried at the next tick: the
    /// lease still has two thirds to go.
    async fn hold_lease(&self, run: &RunRecord) {
        let lease = self.run_lease_ms();
        let period = std::time::Duration::from_millis(lease.unsigned_abs() / 3);
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        loop {
            tick.tick().await;
            let until = Timestamp(self.now().0 + lease);
            match self
                .store
                .renew_run_lease(run.id, run.attempts, until)
                .await
            {
                Ok(true) => {}
                Ok(false) => return,
                Err(e) => {
                    tracing::warn!(run_id = run.id, error = %e, "renewing an activation run's lease failed");
                }
            }
        }
    }

    /// The configured run lease in milliseconds.
    fn run_lease_ms(&self) -> i64 {
        self.config.connections.run_lease_ms
    }

    /// Decrypts the stored configuration and checks it again (the
    /// `validate` step): the schema may have changed since it was saved.
    async fn run_context(
        &self,
        access: &AccessRecord,
    ) -> AppResult<Result<RunContext, ValidateFailure>> {
        let Some(ctype) = self
            .store
            .connection_type(access.seller_id, &access.kind)
            .await?
        else {
            return Ok(Err(ValidateFailure::InvalidConfig(
                "the seller no longer offers this connection type".into(),
            )));
        };
        let Ok(schema) = super::stored_schema(&ctype) else {
            return Ok(Err(ValidateFailure::InvalidConfig(
                "the seller's registered schema is invalid".into(),
            )));
        };
        let keyring = self.keyring()?;
        let plain = match credentials::open(keyring, &access.config, access.id) {
            Ok(v) => v,
            Err(OpenError::Decrypt | OpenError::Corrupt) => {
                return Ok(Err(ValidateFailure::Decrypt));
            }
        };
        let creds = match schema.validate(&plain) {
            Ok(c) => c,
            Err(errors) => {
                let names: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
                return Ok(Err(ValidateFailure::InvalidConfig(format!(
                    "the stored configuration no longer fits the seller's schema; fix: {}",
                    names.join(", ")
                ))));
            }
        };
        let endpoint = ctype.endpoint(&access.environment).to_owned();
        if let Some(url) = creds.url() {
            let registered = [ctype.endpoint_test.as_str(), ctype.endpoint_live.as_str()];
            if !same_origin_as_any(url, &registered) {
                return Ok(Err(ValidateFailure::InvalidConfig(
                    "url must point at the seller's registered host".into(),
                )));
            }
        }
        let parse = |raw: Option<&str>| -> Option<SearchCriteria> {
            raw.and_then(|s| serde_json::from_str(s).ok())
        };
        let c = &self.config.connections;
        Ok(Ok(RunContext {
            access_id: format!("acc_{}", access.id.0),
            client_code: access.buyer_code.clone(),
            seller_code: access.seller_code.clone(),
            test_mode: access.environment == "test",
            url_from_access: creds.url().is_some(),
            allow_local: is_local(&endpoint),
            wire: schema.to_wire(&creds, &endpoint),
            search_criteria: parse(access.search_criteria.as_deref()),
            default_search: parse(ctype.default_search.as_deref()),
            market: c.market.clone(),
            timeouts: self.seller_timeouts(),
        }))
    }

    /// Records the run and applies its result, if this worker still holds
    /// it and it is still the access's latest.
    async fn finish_run(
        &self,
        run: &RunRecord,
        json: &str,
        progress: &RunProgress,
        summary: RunSummary,
    ) -> AppResult<()> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let Some(access) = tx
            .access_for_update(AccessScope::Staff, run.access_id)
            .await?
        else {
            return Ok(());
        };
        let summary_str = serde_json::to_value(summary)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        if !tx
            .finish_run(run.id, run.attempts, json, &summary_str, now)
            .await?
        {
            // Superseded by a newer run or a staff decision meanwhile.
            return Ok(());
        }
        let event = AccessEvent::RunFinished {
            run: run.run,
            summary,
        };
        match domain::decide(access.state(), event, now, &self.connection_policy()) {
            Ok(transition) => {
                let actor = ActorRef::system();
                self.apply_access(
                    &mut tx,
                    &access,
                    &transition,
                    ApplyInput {
                        actor: &actor,
                        kind: "activation_finished",
                        message: None,
                        progress: Some(progress),
                    },
                    now,
                )
                .await?;
            }
            Err(rejection) => {
                tracing::info!(access_id = access.id.0, run = run.run, %rejection, "activation result not applied");
            }
        }
        tx.commit().await?;
        metrics::counter!("frontdesk_activation_runs_total", "summary" => summary_str).increment(1);
        Ok(())
    }

    /// Applies due Pending Seller timers (reminders, Connectivity alert).
    pub async fn sweep_access_timers(&self, now: Timestamp) -> AppResult<usize> {
        let mut applied = 0;
        loop {
            let mut tx = self.store.begin().await?;
            let due = tx.take_due_access_timers(now, TIMER_BATCH).await?;
            if due.is_empty() {
                return Ok(applied);
            }
            for timer in &due {
                let Some(id) = self.store.access_of_case(timer.case_id).await? else {
                    continue;
                };
                let Some(access) = tx.access_for_update(AccessScope::Staff, id).await? else {
                    continue;
                };
                let event = AccessEvent::TimerDue {
                    kind: timer.kind,
                    epoch: timer.epoch,
                };
                let Ok(transition) =
                    domain::decide(access.state(), event, now, &self.connection_policy())
                else {
                    continue;
                };
                let actor = ActorRef::system();
                self.apply_access(
                    &mut tx,
                    &access,
                    &transition,
                    ApplyInput {
                        actor: &actor,
                        kind: "access_timer",
                        message: None,
                        progress: None,
                    },
                    now,
                )
                .await?;
                applied += 1;
            }
            tx.commit().await?;
            if (due.len() as i64) < TIMER_BATCH {
                return Ok(applied);
            }
        }
    }
}
