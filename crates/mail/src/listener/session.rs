//! One SMTP session: the command state machine on top of [`Conn`].

use super::conn::{Body, Conn, Line, Stop};
use super::policy::{accepts, mail_params_supported, reply_text};
use super::{Envelope, ListenerConfig, MailSink, Rejection};
use smtp_proto::{
    EXT_8BIT_MIME, EXT_ENHANCED_STATUS_CODES, EXT_PIPELINING, EXT_SIZE, EXT_SMTP_UTF8,
    EhloResponse, Error as ParseError, MailFrom, RcptTo, Request,
};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio::sync::watch;

/// Protocol errors a client may make before we hang up on it.
const MAX_ERRORS: u32 = 10;

const HELP: &str = "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP";

/// Runs one session to its end; errors end only this session.
pub(super) async fn run<S: MailSink>(
    stream: TcpStream,
    peer: SocketAddr,
    config: Arc<ListenerConfig>,
    sink: Arc<S>,
    stop: watch::Receiver<bool>,
) {
    tracing::debug!("smtp session opened");
    let mut session = Session {
        conn: Conn::new(stream, config.command_timeout),
        config,
        sink,
        peer,
        stop,
        helo: None,
        transaction: None,
        errors: 0,
    };
    session.converse().await;
    session.conn.close().await;
    tracing::debug!("smtp session closed");
}

/// Whether the session goes on after a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Continue,
    Close,
}

/// A mail transaction between MAIL and the final dot (or RSET).
struct Transaction {
    mail_from: String,
    rcpt_to: Vec<String>,
}

struct Session<S> {
    conn: Conn<TcpStream>,
    config: Arc<ListenerConfig>,
    sink: Arc<S>,
    peer: SocketAddr,
    stop: watch::Receiver<bool>,
    helo: Option<String>,
    transaction: Option<Transaction>,
    errors: u32,
}

impl<S: MailSink> Session<S> {
    async fn converse(&mut self) {
        let greeting = format!("{} ESMTP frontdesk", self.config.hostname);
        self.conn.reply_plain(220, greeting);
        loop {
            let line = match self
                .conn
                .next_line(self.config.command_timeout, &mut self.stop)
                .await
            {
                Ok(line) => line,
                Err(stop) => return self.stopped(stop),
            };
            // Commands already buffered when shutdown began are not served.
            if *self.stop.borrow() {
                return self.stopped(Stop::Shutdown);
            }
            let flow = match line {
                Line::TooLong => self.error(500, [5, 5, 2], "Line too long"),
                Line::Command(line) => self.command(&line).await,
            };
            if flow == Flow::Close {
                return;
            }
        }
    }

    /// Says goodbye where the client can still hear it.
    fn stopped(&mut self, stop: Stop) {
        let host = &self.config.hostname;
        match stop {
            Stop::Timeout => {
                tracing::debug!("smtp session timed out");
                self.conn.reply(
                    421,
                    [4, 4, 2],
                    format!("{host} Timeout, closing connection"),
                );
            }
            Stop::Shutdown => {
                self.conn
                    .reply(421, [4, 3, 2], format!("{host} Service shutting down"));
            }
            Stop::Closed => {}
            Stop::Io(error) => tracing::debug!(%error, "smtp session read failed"),
        }
    }

    /// Answers a client mistake; too many of them end the session.
    fn error(&mut self, code: u16, esc: [u8; 3], text: &str) -> Flow {
        self.conn.reply(code, esc, text);
        self.errors += 1;
        if self.errors < MAX_ERRORS {
            return Flow::Continue;
        }
        tracing::info!(
            errors = self.errors,
            "smtp session closed after too many errors"
        );
        let host = &self.config.hostname;
        self.conn.reply(
            421,
            [4, 7, 0],
            format!("{host} Too many errors, closing connection"),
        );
        Flow::Close
    }

    async fn command(&mut self, line: &[u8]) -> Flow {
        let request = match Request::parse(&mut line.iter()) {
            Ok(request) => request.into_owned(),
            Err(error) => return self.parse_error(error),
        };
        match request {
            Request::Ehlo { host } => self.hello(host, true),
            Request::Helo { host } => self.hello(host, false),
            Request::Mail { from } => self.mail(from),
            Request::Rcpt { to } => self.rcpt(to),
            Request::Data => self.data().await,
            Request::Rset => {
                self.transaction = None;
                self.answer(250, [2, 0, 0], "Ok")
            }
            Request::Noop { .. } => self.answer(250, [2, 0, 0], "Ok"),
            Request::Vrfy { .. } => {
                self.answer(252, [2, 5, 0], "Cannot VRFY user, but will accept message")
            }
            Request::Help { .. } => self.answer(214, [2, 0, 0], HELP),
            Request::Quit => {
                let text = format!("{} Bye", self.config.hostname);
                self.conn.reply(221, [2, 0, 0], text);
                Flow::Close
            }
            // LMTP's greeting has no place in SMTP.
            Request::Lhlo { .. } => self.error(500, [5, 5, 1], "Command unrecognized"),
            // Not advertised: no TLS or AUTH behind the MX, no CHUNKING.
            Request::StartTls
            | Request::Auth { .. }
            | Request::Bdat { .. }
            | Request::Burl { .. }
            | Request::Expn { .. }
            | Request::Etrn { .. }
            | Request::Atrn { .. } => self.error(502, [5, 5, 1], "Command not implemented"),
        }
    }

    /// Answers a command that went well (or failed through no fault of the
    /// client's) and carries on.
    fn answer(&mut self, code: u16, esc: [u8; 3], text: &str) -> Flow {
        self.conn.reply(code, esc, text);
        Flow::Continue
    }

    fn parse_error(&mut self, error: ParseError) -> Flow {
        match error {
            ParseError::UnknownCommand => self.error(500, [5, 5, 2], "Command unrecognized"),
            ParseError::SyntaxError { syntax } => {
                self.error(501, [5, 5, 4], &format!("Syntax: {syntax}"))
            }
            ParseError::InvalidSenderAddress => {
                self.error(501, [5, 1, 7], "Bad sender address syntax")
            }
            ParseError::InvalidRecipientAddress => {
                self.error(501, [5, 1, 3], "Bad recipient address syntax")
            }
            ParseError::InvalidParameter { param } => {
                self.error(501, [5, 5, 4], &format!("Invalid {param} parameter"))
            }
            ParseError::UnsupportedParameter { .. } => {
                self.error(555, [5, 5, 4], "Unsupported parameter")
            }
            // A complete line that still "needs more data" is malformed.
            ParseError::NeedsMoreData { .. }
            | ParseError::ResponseTooLong
            | ParseError::InvalidResponse { .. } => self.error(501, [5, 5, 2], "Syntax error"),
        }
    }

    /// EHLO or HELO: (re)starts the session and drops any transaction.
    fn hello(&mut self, host: String, extended: bool) -> Flow {
        self.helo = Some(host);
        self.transaction = None;
        if extended {
            let mut ehlo = EhloResponse::new(self.config.hostname.as_str());
            ehlo.capabilities = EXT_PIPELINING
                | EXT_8BIT_MIME
                | EXT_SIZE
                | EXT_ENHANCED_STATUS_CODES
                | EXT_SMTP_UTF8;
            ehlo.size = self.config.max_message_bytes;
            self.conn.reply_ehlo(&ehlo);
        } else {
            self.conn.reply_plain(250, &self.config.hostname);
        }
        Flow::Continue
    }

    fn mail(&mut self, from: MailFrom<String>) -> Flow {
        if self.helo.is_none() {
            return self.error(503, [5, 5, 1], "Send EHLO or HELO first");
        }
        if self.transaction.is_some() {
            return self.error(503, [5, 5, 1], "Nested MAIL command");
        }
        if !mail_params_supported(&from) {
            return self.error(555, [5, 5, 4], "Unsupported MAIL parameter");
        }
        if from.size > self.config.max_message_bytes {
            let text = "Message size exceeds fixed maximum message size";
            return self.answer(552, [5, 3, 4], text);
        }
        self.transaction = Some(Transaction {
            mail_from: from.address,
            rcpt_to: Vec::new(),
        });
        self.answer(250, [2, 1, 0], "Ok")
    }

    fn rcpt(&mut self, to: RcptTo<String>) -> Flow {
        let Some(transaction) = self.transaction.as_mut() else {
            return self.error(503, [5, 5, 1], "Need MAIL command");
        };
        if to.orcpt.is_some() || to.rrvs != 0 || to.flags != 0 {
            return self.error(555, [5, 5, 4], "Unsupported RCPT parameter");
        }
        // smtp-proto turns both <> and <postmaster> into "".
        if to.address.is_empty() {
            return self.error(501, [5, 1, 3], "Bad recipient address syntax");
        }
        if !accepts(&self.config.domains, &to.address) {
            tracing::info!("smtp recipient refused: not our domain");
            return self.error(550, [5, 7, 1], "Relaying denied");
        }
        let known = transaction
            .rcpt_to
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&to.address));
        if !known {
            if transaction.rcpt_to.len() >= self.config.max_recipients {
                return self.answer(452, [4, 5, 3], "Too many recipients");
            }
            transaction.rcpt_to.push(to.address);
        }
        self.answer(250, [2, 1, 5], "Ok")
    }

    async fn data(&mut self) -> Flow {
        let transaction = match self.transaction.take() {
            None => return self.error(503, [5, 5, 1], "Need MAIL command"),
            Some(t) if t.rcpt_to.is_empty() => {
                self.transaction = Some(t);
                return self.error(503, [5, 5, 1], "Need RCPT command");
            }
            Some(t) => t,
        };
        self.conn
            .reply_plain(354, "End data with <CR><LF>.<CR><LF>");
        let max = self.config.max_message_bytes;
        let body = match self.conn.read_body(max, self.config.data_timeout).await {
            Ok(body) => body,
            Err(stop) => {
                self.stopped(stop);
                return Flow::Close;
            }
        };
        let data = match body {
            Body::Complete(data) => data,
            Body::TooBig(received) => {
                tracing::info!(received, max, "smtp message refused: too big");
                self.conn
                    .reply(552, [5, 3, 4], "Message too big for system");
                return Flow::Continue;
            }
        };
        let envelope = Envelope {
            peer: self.peer,
            helo: self.helo.clone().unwrap_or_default(),
            mail_from: transaction.mail_from,
            rcpt_to: transaction.rcpt_to,
        };
        self.deliver(envelope, data).await;
        Flow::Continue
    }

    /// Hands the message to the sink in a task of its own, so a panicking
    /// sink fails this message (451), not the session.
    async fn deliver(&mut self, envelope: Envelope, data: Vec<u8>) {
        let size = data.len();
        let recipients = envelope.rcpt_to.len();
        let sink = Arc::clone(&self.sink);
        let outcome = tokio::spawn(async move { sink.deliver(envelope, data).await }).await;
        match outcome {
            Ok(Ok(())) => {
                tracing::info!(size, recipients, result = "queued", "smtp message received");
                self.conn.reply(250, [2, 0, 0], "Ok: queued");
            }
            Ok(Err(Rejection::Temporary(text))) => {
                tracing::warn!(
                    size,
                    recipients,
                    result = "temporary",
                    "smtp message rejected"
                );
                self.conn.reply(451, [4, 3, 0], reply_text(&text));
            }
            Ok(Err(Rejection::Permanent(text))) => {
                tracing::info!(
                    size,
                    recipients,
                    result = "permanent",
                    "smtp message rejected"
                );
                self.conn.reply(554, [5, 6, 0], reply_text(&text));
            }
            Err(error) => {
                tracing::error!(size, recipients, %error, "smtp mail sink failed");
                let text = "Temporary failure, try again later";
                self.conn.reply(451, [4, 3, 0], text);
            }
        }
    }
}
