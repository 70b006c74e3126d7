//! The built-in SMTP listener, delivering into the inbound pipeline.

use frontdesk_app::inbound::Channel;
use frontdesk_app::{App, AppError};
use frontdesk_mail::listener::{Envelope, ListenerConfig, MailSink, Rejection};
use std::time::Duration;

/// The inbound pipeline as the listener's sink: a 250 only once the
/// message is committed; a storage failure is temporary (the sending server
/// retries), a message that can never be taken permanent.
#[derive(Debug)]
pub struct Sink(pub App);

impl MailSink for Sink {
    async fn deliver(&self, envelope: Envelope, data: Vec<u8>) -> Result<(), Rejection> {
        match self
            .0
            .ingest_mail(&data, Channel::Smtp, &envelope.rcpt_to)
            .await
        {
            Ok(done) => {
                tracing::info!(peer = %envelope.peer, inbound_id = done.inbound_id, outcome = done.outcome.as_str(), duplicate = done.duplicate, "inbound mail");
                Ok(())
            }
            Err(AppError::TooLarge(m)) => Err(Rejection::Permanent(m)),
            Err(AppError::Invalid(e)) => Err(Rejection::Permanent(
                e.first()
                    .map_or_else(|| "refused".to_owned(), |f| f.message.clone()),
            )),
            Err(e) => {
                tracing::warn!(peer = %envelope.peer, error = %e, "inbound mail not stored; asking the sender to retry");
                Err(Rejection::Temporary("try again later".into()))
            }
        }
    }
}

/// The listener's settings from the application's configuration: mail for
/// the support address's domain only.
pub fn listener_config(app: &App) -> anyhow::Result<ListenerConfig> {
    let support = app.config.support_address()?;
    Ok(ListenerConfig {
        hostname: support.domain().to_owned(),
        domains: vec![support.domain().to_owned()],
        max_message_bytes: app.config.mail.max_inbound_bytes,
        max_recipients: 50,
        command_timeout: Duration::from_secs(60),
        data_timeout: Duration::from_secs(300),
        max_connections: 200,
        shutdown_grace: Duration::from_secs(10),
    })
}
