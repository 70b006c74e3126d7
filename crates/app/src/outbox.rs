//! Mail delivery from the outbox, with retries and backoff.

use crate::notify::parse_notice_kind;
use crate::{App, AppResult};
use frontdesk_domain::{Duration, EmailAddress, Timestamp};
use frontdesk_mail::{
    MailContext, OutgoingMail, Sender, build, render, render_closed_case_reply, reply_address,
};
use frontdesk_store::outbox::OutboxMail;
use std::time::UNIX_EPOCH;

/// What the answer to a mail into a closed case mentions.
#[derive(Debug, serde::Deserialize)]
struct ClosedReply {
    subject: String,
    portal_url: String,
}

/// Waits between attempts; after the last one the mail is marked failed.
const BACKOFF_SECONDS: [i64; 6] = [30, 120, 600, 1_800, 7_200, 21_600];
/// How long a claimed mail is reserved for one worker.
const LEASE: Duration = Duration::seconds(120);

impl App {
    /// Delivers what is due; returns (sent, failed attempts).
    pub async fn deliver_mail(&self, now: Timestamp) -> AppResult<(usize, usize)> {
        let mut sent = 0;
        let mut failed = 0;
        loop {
            let batch = self.store.claim_mail(now, now.plus(LEASE), 32).await?;
            if batch.is_empty() {
                return Ok((sent, failed));
            }
            for mail in &batch {
                match self.deliver_one(mail).await {
                    Ok(()) => {
                        self.store.mark_mail_sent(mail.id, self.now()).await?;
                        sent += 1;
                        metrics::counter!("frontdesk_mail_sent_total").increment(1);
                    }
                    Err((error, permanent)) => {
                        failed += 1;
                        metrics::counter!("frontdesk_mail_failures_total").increment(1);
                        let attempt = usize::try_from(mail.attempts).unwrap_or(usize::MAX);
                        let retry_at = (!permanent)
                            .then(|| BACKOFF_SECONDS.get(attempt))
                            .flatten()
                            .map(|s| self.now().plus(Duration::seconds(*s)));
                        tracing::warn!(outbox_id = mail.id, attempt, permanent, error = %error, "mail delivery failed");
                        self.store
                            .mark_mail_failed(mail.id, &error, retry_at)
                            .await?;
                    }
                }
            }
        }
    }

    async fn deliver_one(&self, mail: &OutboxMail) -> Result<(), (String, bool)> {
        let support = self
            .config
            .support_address()
            .map_err(|e| (e.to_string(), false))?;
        let rendered = if mail.kind == crate::inbound::CLOSED_REPLY_KIND {
            let ctx: ClosedReply = serde_json::from_str(&mail.context)
                .map_err(|e| (format!("unreadable mail context: {e}"), true))?;
            let case = mail
                .case_id
                .ok_or_else(|| ("a closed-case answer without its case".to_owned(), true))?;
            render_closed_case_reply(case, &ctx.subject, &ctx.portal_url)
        } else if mail.kind.starts_with("connection_") {
            let ctx: frontdesk_mail::ConnectionMail = serde_json::from_str(&mail.context)
                .map_err(|e| (format!("unreadable mail context: {e}"), true))?;
            frontdesk_mail::render_connection(&ctx)
        } else {
            let notice = parse_notice_kind(&mail.kind)
                .ok_or_else(|| (format!("unknown notice kind {:?}", mail.kind), true))?;
            let ctx: MailContext = serde_json::from_str(&mail.context)
                .map_err(|e| (format!("unreadable mail context: {e}"), true))?;
            render(notice, &ctx)
        };
        let to: Vec<EmailAddress> = mail
            .recipients
            .iter()
            .filter_map(|r| EmailAddress::parse(r).ok())
            .collect();
        let outgoing = OutgoingMail {
            from: Sender {
                name: self.config.mail.from_name.clone(),
                address: support.clone(),
            },
            to,
            reply_to: mail.case_id.map(|c| reply_address(&support, c)),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            message_id: mail.message_id.clone(),
            in_reply_to: mail.in_reply_to.clone(),
            references: mail.references.clone(),
        };
        let date = UNIX_EPOCH
            + std::time::Duration::from_millis(u64::try_from(mail.created_at.0).unwrap_or(0));
        let message = build(&outgoing, date).map_err(|e| (e.to_string(), true))?;
        self.transport
            .deliver(&format!("outbox-{}", mail.id), &message)
            .await
            .map_err(|e| (e.to_string(), e.is_permanent()))
    }
}
