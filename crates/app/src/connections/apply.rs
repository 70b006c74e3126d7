//! Writes one decided access transition with every effect in the caller's
//! transaction: the access's state, its case's status, timers, the public
//! message on the case thread, mails, fix links and queued runs.

use super::kind_label;
use crate::cases::ActorRef;
use crate::{App, AppResult};
use frontdesk_activation::RunProgress;
use frontdesk_domain::cases::Actor;
use frontdesk_domain::connections::{
    AccessEffect, AccessStatus, AccessTransition, CaseMessage, NotCompletedReason, RunCause,
    RunSummary,
};
use frontdesk_domain::{Duration, Timestamp};
use frontdesk_mail::{ConnectionMail, mail_subject, new_message_id, thread_root};
use frontdesk_store::Tx;
use frontdesk_store::audit::NewEvent;
use frontdesk_store::connections::AccessRecord;
use frontdesk_store::messages::NewMessage;
use frontdesk_store::outbox::NewMail;
use sha2::Digest as _;

/// The context of one transition beyond the machine's own view.
#[derive(Debug)]
pub(crate) struct ApplyInput<'a> {
    pub actor: &'a ActorRef,
    /// The audit event's kind.
    pub kind: &'static str,
    /// Words of the person acting (staff's message, the buyer's reason).
    pub message: Option<String>,
    /// The finished run's steps, for `RunFinished`.
    pub progress: Option<&'a RunProgress>,
}

/// The subject of an access's Connections case (also its mails' subject).
pub(crate) fn case_subject(seller: &str, kind: &str, environment: &str, name: &str) -> String {
    format!(
        "Connection to {seller} ({}, {environment}): {name}",
        kind_label(kind)
    )
}

pub(crate) fn hash_token(token: &str) -> String {
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn new_token() -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl App {
    pub(crate) async fn apply_access(
        &self,
        tx: &mut Tx,
        access: &AccessRecord,
        transition: &AccessTransition,
        input: ApplyInput<'_>,
        now: Timestamp,
    ) -> AppResult<()> {
        tx.save_access_state(access.id, transition.state, now)
            .await?;
        if transition.state.status != AccessStatus::Pending {
            // A decision other than a new run ends whatever run was open.
            tx.supersede_runs(access.id, now).await?;
        }
        let subject = case_subject(
            &access.seller_name,
            &access.kind,
            &access.environment,
            &access.name,
        );
        let mut mails: Vec<NewMail> = Vec::new();
        for effect in &transition.effects {
            match effect {
                AccessEffect::SetCaseStatus(cs) => {
                    tx.set_connection_case_status(access.case_id, cs.as_str(), cs.is_final(), now)
                        .await?;
                }
                AccessEffect::CancelTimers => tx.cancel_timers(&[access.case_id]).await?,
                AccessEffect::Schedule { kind, due, epoch } => {
                    tx.schedule_access_timer(access.case_id, *kind, *epoch, *due)
                        .await?;
                }
                AccessEffect::PostCaseMessage(m) => {
                    let body = self.case_message(access, *m, &input, transition.state.run);
                    let (author_id, author_name, side) = match m {
                        CaseMessage::ActivationQueued { .. } | CaseMessage::RunFinished { .. } => {
                            (None, "frontdesk activation".to_owned(), Actor::System)
                        }
                        _ => (input.actor.id, input.actor.name.clone(), input.actor.side),
                    };
                    tx.insert_message(
                        &NewMessage {
                            case_id: access.case_id,
                            author_id,
                            author_name,
                            author_email: None,
                            side,
                            internal: false,
                            body,
                            source: "connections",
                            inbound_id: None,
                        },
                        now,
                    )
                    .await?;
                }
                AccessEffect::MailNotificationRecipients => {
                    mails.extend(self.working_mail(access, &subject));
                }
                AccessEffect::MailSellerFixLink => {
                    let token = self
                        .new_fix_link(tx, access, transition.state.epoch, now)
                        .await?;
                    let reason = input
                        .progress
                        .and_then(first_failure_message)
                        .or_else(|| input.message.clone());
                    mails.extend(
                        self.seller_mail(access, &subject, &token, reason, None)
                            .await?,
                    );
                }
                AccessEffect::MailSellerReminder(n) => {
                    // Earlier links may have been spent: each reminder
                    // carries a fresh one.
                    let token = self
                        .new_fix_link(tx, access, transition.state.epoch, now)
                        .await?;
                    mails.extend(
                        self.seller_mail(access, &subject, &token, None, Some(*n))
                            .await?,
                    );
                }
                AccessEffect::AlertConnectivity => {
                    tx.insert_message(
                        &NewMessage {
                            case_id: access.case_id,
                            author_id: None,
                            author_name: "frontdesk activation".into(),
                            author_email: None,
                            side: Actor::System,
                            internal: true,
                            body: format!(
                                "The seller has not fixed this access after {} days in Pending Seller. Please follow up with {}.",
                                self.connection_policy().connectivity_alert.as_seconds() / 86_400,
                                access.seller_name
                            ),
                            source: "connections",
                            inbound_id: None,
                        },
                        now,
                    )
                    .await?;
                    mails.extend(self.connectivity_alert_mail(access, &subject).await?);
                }
                AccessEffect::QueueActivation { cause, run } => {
                    let progress = serde_json::to_string(&RunProgress::new())
                        .map_err(|e| crate::AppError::Internal(e.to_string()))?;
                    tx.queue_run(
                        access.id,
                        access.seller_id,
                        *run,
                        cause_str(*cause),
                        &progress,
                        now,
                    )
                    .await?;
                    self.wake.notify_one();
                }
            }
        }
        if !mails.is_empty() {
            tx.enqueue_mail(&mails, now).await?;
            self.wake.notify_one();
        }
        tx.record_events(
            &[NewEvent {
                case_id: access.case_id,
                actor_id: input.actor.id,
                actor: input.actor.side_str(),
                kind: input.kind,
                detail: serde_json::json!({
                    "access_id": access.id.0,
                    "from": transition.from.as_str(),
                    "to": transition.state.status.as_str(),
                    "run": transition.state.run,
                }),
            }],
            now,
        )
        .await?;
        Ok(())
    }

    /// A new single-use fix link for the access; only its digest is kept.
    async fn new_fix_link(
        &self,
        tx: &mut Tx,
        access: &AccessRecord,
        epoch: i64,
        now: Timestamp,
    ) -> AppResult<String> {
        let token = new_token();
        let expires = now.plus(Duration::days(self.config.connections.fix_link_days));
        tx.insert_fix_link(&hash_token(&token), access.id, epoch, expires, now)
            .await?;
        Ok(token)
    }

    pub(crate) fn connection_policy(&self) -> frontdesk_domain::connections::ConnectionTimerPolicy {
        frontdesk_domain::connections::ConnectionTimerPolicy::default()
    }

    /// The public message a transition puts on the case thread.
    fn case_message(
        &self,
        access: &AccessRecord,
        m: CaseMessage,
        input: &ApplyInput<'_>,
        run: i64,
    ) -> String {
        let extra = input
            .message
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| format!("\n\n{s}"))
            .unwrap_or_default();
        match m {
            CaseMessage::ActivationQueued { cause } => {
                let why = match cause {
                    RunCause::Create => "the access was requested",
                    RunCause::BuyerEdit => "the buyer edited the access",
                    RunCause::StaffRerun => "Connectivity asked for a re-run",
                    RunCause::SellerFix => "the seller fixed the access configuration",
                };
                format!(
                    "Activation run {run} queued ({why}): frontdesk is testing {}'s system with this access. Status: Pending.{extra}",
                    access.seller_name
                )
            }
            CaseMessage::RunFinished { summary } => {
                let mut out = format!(
                    "Activation run {run} finished: {}. {}",
                    summary.status().label(),
                    match summary {
                        RunSummary::AllPassed =>
                            "Every test passed; the notification emails were sent.",
                        RunSummary::NeedsAccessFix =>
                            "The seller has been asked to fix the access configuration.",
                        RunSummary::NeedsRegistrationFix | RunSummary::Failed =>
                            "The Connectivity team reviews the failure; editing is blocked meanwhile.",
                    }
                );
                if let Some(progress) = input.progress {
                    out.push_str("\n\n");
                    out.push_str(&step_table(progress));
                }
                out
            }
            CaseMessage::MarkedWorking => {
                format!("Connectivity marked the access Working after a manual check.{extra}")
            }
            CaseMessage::SellerFixRequested => format!(
                "Connectivity asked {} to fix the access configuration. Status: Pending Seller.{extra}",
                access.seller_name
            ),
            CaseMessage::NotCompleted { reason } => format!(
                "The request was closed as Not Completed ({}).{extra}",
                match reason {
                    NotCompletedReason::Cancelled => "cancelled",
                    NotCompletedReason::Duplicate => "duplicate",
                }
            ),
        }
    }

    fn connection_mail(
        &self,
        access: &AccessRecord,
        subject: &str,
        kind: &str,
        recipients: Vec<String>,
        mail: ConnectionMail,
    ) -> Option<NewMail> {
        let recipients: Vec<String> = recipients
            .into_iter()
            .filter(|r| frontdesk_domain::EmailAddress::parse(r).is_ok())
            .collect();
        if recipients.is_empty() {
            return None;
        }
        let domain = self
            .config
            .support_address()
            .map(|a| a.domain().to_owned())
            .unwrap_or_else(|_| "frontdesk.localhost".into());
        Some(NewMail {
            case_id: Some(access.case_id),
            kind: format!("connection_{kind}"),
            recipients,
            subject: mail_subject(access.case_id, subject),
            context: serde_json::to_string(&mail).unwrap_or_default(),
            message_id: new_message_id(access.case_id, &domain),
            in_reply_to: Some(thread_root(access.case_id, &domain)),
            references: vec![thread_root(access.case_id, &domain)],
        })
    }

    fn working_mail(&self, access: &AccessRecord, subject: &str) -> Option<NewMail> {
        let next = if access.environment == "test" {
            format!(
                "This is a test access. To go live, request a live access to {} with the live credentials it issued you; it is tested the same way.",
                access.seller_name
            )
        } else {
            format!(
                "This live access is ready: you can search, quote and book {}'s inventory with it.",
                access.seller_name
            )
        };
        let body = format!(
            "Your access \"{}\" to {} ({}, {}) passed every activation test and is now Working.\n\n{next}\n\nThe access page shows each test step with its timing.",
            access.name,
            access.seller_name,
            kind_label(&access.kind),
            access.environment
        );
        self.connection_mail(
            access,
            subject,
            "working",
            access.notification_emails.clone(),
            ConnectionMail {
                case_id: access.case_id,
                subject: subject.to_owned(),
                heading: format!("Your connection to {} is working", access.seller_name),
                body,
                action_url: Some(self.config.access_url(access.id)),
                action_label: "Open the access".into(),
                portal_url: self.config.case_url(access.case_id),
                show_case: true,
            },
        )
    }

    async fn seller_mail(
        &self,
        access: &AccessRecord,
        subject: &str,
        token: &str,
        reason: Option<String>,
        reminder: Option<u8>,
    ) -> AppResult<Option<NewMail>> {
        let Some(seller) = self.store.seller(access.seller_id).await? else {
            return Ok(None);
        };
        let days = self.config.connections.fix_link_days;
        let mut body = format!(
            "{} asked for a {} {} access to {} named \"{}\", and frontdesk's activation test needs details from you before it can work.",
            access.buyer_name,
            access.environment,
            kind_label(&access.kind),
            access.seller_name,
            access.name
        );
        if let Some(reason) = reason {
            body.push_str(&format!("\n\nWhat the test found: {reason}"));
        }
        body.push_str(&format!(
            "\n\nOpen the link below to review the access configuration and correct it; saving tests the access again. The link works once, needs no sign-in, and expires in {days} days."
        ));
        let heading = match reminder {
            Some(n) => format!(
                "Reminder {n}: {}'s access is still waiting for you",
                access.buyer_name
            ),
            None => format!(
                "Action needed: {}'s access to {}",
                access.buyer_name, access.seller_name
            ),
        };
        Ok(self.connection_mail(
            access,
            subject,
            if reminder.is_some() {
                "seller_reminder"
            } else {
                "seller_fix"
            },
            seller.activation_contacts,
            ConnectionMail {
                case_id: access.case_id,
                subject: subject.to_owned(),
                heading,
                body,
                action_url: Some(self.config.fix_url(token)),
                action_label: "Fix the access configuration".into(),
                portal_url: self.config.case_url(access.case_id),
                show_case: false,
            },
        ))
    }

    async fn connectivity_alert_mail(
        &self,
        access: &AccessRecord,
        subject: &str,
    ) -> AppResult<Option<NewMail>> {
        let Some(team) = self.store.team("connectivity").await? else {
            return Ok(None);
        };
        let recipients: Vec<String> = self
            .store
            .all_team_members()
            .await?
            .into_iter()
            .filter(|(t, u)| *t == team.id && u.active)
            .map(|(_, u)| u.email)
            .collect();
        Ok(self.connection_mail(
            access,
            subject,
            "alert",
            recipients,
            ConnectionMail {
                case_id: access.case_id,
                subject: subject.to_owned(),
                heading: format!("{} has not fixed an access", access.seller_name),
                body: format!(
                    "The access \"{}\" of {} to {} has waited in Pending Seller for {} days without a fix. Please follow up with the seller.",
                    access.name,
                    access.buyer_name,
                    access.seller_name,
                    self.connection_policy().connectivity_alert.as_seconds() / 86_400
                ),
                action_url: Some(self.config.access_url(access.id)),
                action_label: "Open the access".into(),
                portal_url: self.config.case_url(access.case_id),
                show_case: true,
            },
        ))
    }
}

pub(crate) fn cause_str(cause: RunCause) -> &'static str {
    match cause {
        RunCause::Create => "create",
        RunCause::BuyerEdit => "buyer_edit",
        RunCause::StaffRerun => "staff_rerun",
        RunCause::SellerFix => "seller_fix",
    }
}

fn first_failure_message(progress: &RunProgress) -> Option<String> {
    progress
        .steps
        .iter()
        .find(|s| s.status == frontdesk_activation::StepStatus::Failed)
        .and_then(|s| s.message.clone())
}

/// The run's steps as plain text lines for the case thread.
pub(crate) fn step_table(progress: &RunProgress) -> String {
    use frontdesk_activation::StepStatus as S;
    progress
        .steps
        .iter()
        .map(|s| {
            let status = match s.status {
                S::Passed => "passed",
                S::Failed => "FAILED",
                S::Skipped => "skipped",
                S::Pending => "pending",
                S::Running => "running",
            };
            let mut line = format!("- {}: {status}", s.name.as_str());
            if s.status != S::Skipped && s.status != S::Pending {
                line.push_str(&format!(" in {} ms", s.duration_ms));
                if s.attempts > 1 {
                    line.push_str(&format!(", {} attempts", s.attempts));
                }
            }
            if let Some(code) = &s.error_code {
                let kind = s.failure_type.map_or("", |k| k.as_str());
                line.push_str(&format!(" ({kind} {code})"));
            }
            if let Some(msg) = &s.message {
                line.push_str(&format!(": {msg}"));
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}
