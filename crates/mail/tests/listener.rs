//! The inbound SMTP listener against a real client (lettre) and raw TCP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use frontdesk_mail::listener::{Envelope, ListenerConfig, MailSink, Rejection, serve};
use lettre::message::header::ContentType;
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Long enough for a loaded CI machine, short enough to fail fast.
const WAIT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Accept,
    Temporary,
    Permanent,
    Panic,
}

/// Records what it accepts; can be told to refuse or to panic.
#[derive(Debug)]
struct Recorder {
    mode: Mutex<Mode>,
    delivered: Mutex<Vec<(Envelope, Vec<u8>)>>,
}

impl Recorder {
    fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    fn delivered(&self) -> Vec<(Envelope, Vec<u8>)> {
        self.delivered.lock().unwrap().clone()
    }
}

impl MailSink for Recorder {
    fn deliver(
        &self,
        envelope: Envelope,
        data: Vec<u8>,
    ) -> impl Future<Output = Result<(), Rejection>> + Send {
        let mode = *self.mode.lock().unwrap();
        let result = match mode {
            Mode::Accept => {
                self.delivered.lock().unwrap().push((envelope, data));
                Ok(())
            }
            Mode::Temporary => Err(Rejection::Temporary("mailbox busy".into())),
            Mode::Permanent => Err(Rejection::Permanent("case closed\r\n250 forged".into())),
            Mode::Panic => panic!("sink exploded"),
        };
        std::future::ready(result)
    }
}

fn config() -> ListenerConfig {
    ListenerConfig {
        hostname: "mx.test".into(),
        domains: vec!["support.example".into()],
        max_message_bytes: 1024,
        max_recipients: 3,
        command_timeout: WAIT,
        data_timeout: WAIT,
        max_connections: 8,
        shutdown_grace: WAIT,
    }
}

struct Server {
    addr: SocketAddr,
    sink: Arc<Recorder>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<io::Result<()>>,
}

async fn start(config: ListenerConfig) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sink = Arc::new(Recorder {
        mode: Mutex::new(Mode::Accept),
        delivered: Mutex::new(Vec::new()),
    });
    let (stop, stopped) = oneshot::channel::<()>();
    let shutdown = async move {
        let _ = stopped.await;
    };
    let task = tokio::spawn(serve(listener, config, Arc::clone(&sink), shutdown));
    Server {
        addr,
        sink,
        stop: Some(stop),
        task,
    }
}

impl Server {
    fn begin_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).unwrap();
        }
    }

    /// Shuts down and waits for `serve` to return.
    async fn stop(mut self) {
        self.begin_shutdown();
        let served = tokio::time::timeout(WAIT, self.task)
            .await
            .expect("serve returned");
        served.unwrap().unwrap();
    }

    fn lettre(&self) -> AsyncSmtpTransport<Tokio1Executor> {
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(self.addr.port())
            .hello_name(ClientId::Domain("client.test".into()))
            .timeout(Some(WAIT))
            .build()
    }

    async fn client(&self) -> Client {
        let mut client = Client::connect(self.addr).await;
        let greeting = client.reply().await;
        assert_eq!(greeting, "220 mx.test ESMTP frontdesk");
        client
    }
}

/// A raw SMTP client that reads whole (multi-line) replies.
struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Self {
        let (reader, writer) = TcpStream::connect(addr).await.unwrap().into_split();
        Self {
            reader: BufReader::new(reader),
            writer,
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.unwrap();
    }

    /// The next reply, lines joined with '\n'; "" when the server closed.
    async fn reply(&mut self) -> String {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let read = tokio::time::timeout(WAIT, self.reader.read_line(&mut line));
            if read.await.expect("a reply in time").unwrap() == 0 {
                return lines.join("\n");
            }
            let line = line.strip_suffix("\r\n").expect("CRLF").to_owned();
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line);
            if last {
                return lines.join("\n");
            }
        }
    }

    async fn command(&mut self, line: &str) -> String {
        self.send(format!("{line}\r\n").as_bytes()).await;
        self.reply().await
    }

    /// Sends a command and asserts the reply starts with `expected`.
    async fn expect(&mut self, line: &str, expected: &str) -> String {
        let reply = self.command(line).await;
        assert!(
            reply.starts_with(expected),
            "{line:?} got {reply:?}, wanted {expected:?}"
        );
        reply
    }

    /// Runs EHLO, MAIL and RCPT up to the 354.
    async fn begin(&mut self, to: &str) {
        self.expect("EHLO client.test", "250").await;
        self.expect("MAIL FROM:<partner@client.test>", "250 2.1.0")
            .await;
        self.expect(&format!("RCPT TO:<{to}>"), "250 2.1.5").await;
        self.expect("DATA", "354").await;
    }

    /// Whether the server has closed the connection.
    async fn is_closed(&mut self) -> bool {
        let mut rest = Vec::new();
        let read = tokio::time::timeout(WAIT, self.reader.read_to_end(&mut rest)).await;
        matches!(read, Ok(Ok(_))) && rest.is_empty()
    }
}

const SUPPORT: &str = "support@support.example";

#[tokio::test]
async fn lettre_sends_8bit_text_and_dot_lines_unchanged() {
    let server = start(config()).await;
    let raw = "From: partner@client.test\r\nTo: support+case-42@support.example\r\n\
               Subject: Grüße\r\nContent-Type: text/plain; charset=utf-8\r\n\
               Content-Transfer-Encoding: 8bit\r\n\r\n\
               Hallo — 日本語\r\n.leading dot\r\n..two dots\r\n.\r\nend";
    let envelope = lettre::address::Envelope::new(
        Some("partner@client.test".parse().unwrap()),
        vec!["support+case-42@support.example".parse().unwrap()],
    )
    .unwrap();
    server
        .lettre()
        .send_raw(&envelope, raw.as_bytes())
        .await
        .unwrap();

    let delivered = server.sink.delivered();
    assert_eq!(delivered.len(), 1);
    let (envelope, data) = &delivered[0];
    assert_eq!(envelope.mail_from, "partner@client.test");
    assert_eq!(envelope.rcpt_to, ["support+case-42@support.example"]);
    assert_eq!(envelope.helo, "client.test");
    assert!(envelope.peer.ip().is_loopback());
    // lettre ends the data with "\r\n.\r\n": the CRLF ends our last line.
    assert_eq!(data.as_slice(), format!("{raw}\r\n").as_bytes());
    server.stop().await;
}

#[tokio::test]
async fn lettre_delivers_one_message_to_several_recipients() {
    let server = start(config()).await;
    let message = Message::builder()
        .from("Partner <partner@client.test>".parse().unwrap())
        .to(SUPPORT.parse().unwrap())
        .cc("Support+Case-7@SUPPORT.example".parse().unwrap())
        .subject("Re: [#7] Printer")
        .header(ContentType::TEXT_PLAIN)
        .body("It works again.\r\nThanks".to_owned())
        .unwrap();
    let mut expected = message.formatted();
    expected.extend_from_slice(b"\r\n");
    server.lettre().send(message).await.unwrap();

    let delivered = server.sink.delivered();
    assert_eq!(delivered.len(), 1);
    let (envelope, data) = &delivered[0];
    let mut rcpt_to = envelope.rcpt_to.clone();
    rcpt_to.sort();
    assert_eq!(rcpt_to, ["Support+Case-7@SUPPORT.example", SUPPORT]);
    assert_eq!(data, &expected);
    server.stop().await;
}

#[tokio::test]
async fn lettre_sees_sink_rejections_as_transient_or_permanent() {
    let server = start(config()).await;
    let message = || {
        Message::builder()
            .from("partner@client.test".parse().unwrap())
            .to(SUPPORT.parse().unwrap())
            .body("hi".to_owned())
            .unwrap()
    };
    server.sink.set(Mode::Temporary);
    let error = server.lettre().send(message()).await.unwrap_err();
    assert!(error.is_transient(), "{error}");
    server.sink.set(Mode::Permanent);
    let error = server.lettre().send(message()).await.unwrap_err();
    assert!(error.is_permanent(), "{error}");
    assert!(server.sink.delivered().is_empty());
    server.stop().await;
}

#[tokio::test]
async fn pipelined_commands_get_their_replies_in_order() {
    let server = start(config()).await;
    let mut c = server.client().await;
    c.send(
        b"EHLO client.test\r\nMAIL FROM:<partner@client.test> BODY=8BITMIME\r\n\
          RCPT TO:<support@support.example>\r\nDATA\r\n",
    )
    .await;
    let ehlo = c.reply().await;
    assert!(ehlo.starts_with("250-mx.test"), "{ehlo}");
    for extension in ["PIPELINING", "8BITMIME", "SIZE 1024", "ENHANCEDSTATUSCODES"] {
        assert!(
            ehlo.lines().any(|l| &l[4..] == extension),
            "{extension} in {ehlo}"
        );
    }
    assert!(
        !ehlo.contains("AUTH") && !ehlo.contains("STARTTLS"),
        "{ehlo}"
    );
    assert!(c.reply().await.starts_with("250 2.1.0"));
    assert!(c.reply().await.starts_with("250 2.1.5"));
    assert!(c.reply().await.starts_with("354"));
    c.send(b"Subject: one\r\n\r\nhi\r\n.\r\nQUIT\r\n").await;
    assert_eq!(c.reply().await, "250 2.0.0 Ok: queued");
    assert!(c.reply().await.starts_with("221 2.0.0"));
    assert!(c.is_closed().await);
    assert_eq!(server.sink.delivered()[0].1, b"Subject: one\r\n\r\nhi\r\n");
    server.stop().await;
}

#[tokio::test]
async fn commands_with_bare_lf_are_understood() {
    let server = start(config()).await;
    let mut c = server.client().await;
    c.send(b"HELO client.test\nMAIL FROM:<>\nRCPT TO:<support@support.example>\nDATA\n")
        .await;
    assert_eq!(c.reply().await, "250 mx.test");
    assert!(c.reply().await.starts_with("250 2.1.0"));
    assert!(c.reply().await.starts_with("250 2.1.5"));
    assert!(c.reply().await.starts_with("354"));
    c.send(b"bounce\r\n.\r\n").await;
    assert_eq!(c.reply().await, "250 2.0.0 Ok: queued");
    let (envelope, _) = &server.sink.delivered()[0];
    assert_eq!(
        (envelope.mail_from.as_str(), envelope.helo.as_str()),
        ("", "client.test")
    );
    server.stop().await;
}

#[tokio::test]
async fn other_domains_are_refused_and_ours_accepted() {
    let server = start(config()).await;
    let mut c = server.client().await;
    c.expect("EHLO client.test", "250").await;
    c.expect("MAIL FROM:<partner@client.test>", "250").await;
    c.expect("RCPT TO:<someone@elsewhere.test>", "550 5.7.1")
        .await;
    c.expect("RCPT TO:<x@support.example.evil.test>", "550 5.7.1")
        .await;
    c.expect("RCPT TO:<Support+case-9@SUPPORT.Example>", "250 2.1.5")
        .await;
    c.expect("RCPT TO:<support+case-9@support.example>", "250 2.1.5")
        .await;
    c.expect("DATA", "354").await;
    c.expect("x\r\n.", "250 2.0.0").await;
    assert_eq!(
        server.sink.delivered()[0].0.rcpt_to,
        ["Support+case-9@SUPPORT.Example"]
    );
    server.stop().await;
}

#[tokio::test]
async fn recipients_beyond_the_limit_get_452() {
    let server = start(config()).await;
    let mut c = server.client().await;
    c.expect("EHLO client.test", "250").await;
    c.expect("MAIL FROM:<partner@client.test>", "250").await;
    for n in 1..=3 {
        c.expect(&format!("RCPT TO:<s+{n}@support.example>"), "250")
            .await;
    }
    c.expect("RCPT TO:<s+4@support.example>", "452 4.5.3").await;
    c.expect("DATA", "354").await;
    c.expect(".", "250 2.0.0").await;
    assert_eq!(server.sink.delivered()[0].0.rcpt_to.len(), 3);
    server.stop().await;
}

#[tokio::test]
async fn declared_size_over_the_limit_is_refused_at_once() {
    let server = start(config()).await;
    let mut c = server.client().await;
    c.expect("EHLO client.test", "250").await;
    c.expect("MAIL FROM:<partner@client.test> SIZE=1025", "552 5.3.4")
        .await;
    c.expect("MAIL FROM:<partner@client.test> SIZE=1024", "250 2.1.0")
        .await;
    server.stop().await;
}

#[tokio::test]
async fn an_oversized_body_is_read_to_its_end_then_refused() {
    let server = start(config()).await;
    let mut c = server.client().await;
    c.begin(SUPPORT).await;
    // Lines that look like commands must stay part of the discarded body.
    let big = "QUIT\r\n".repeat(400);
    c.send(big.as_bytes()).await;
    c.expect(".", "552 5.3.4").await;
    c.expect("RSET", "250 2.0.0").await;
    c.expect("MAIL FROM:<partner@client.test>", "250").await;
    c.expect(&format!("RCPT TO:<{SUPPORT}>"), "250").await;
    c.expect("DATA", "354").await;
    c.expect("small\r\n.", "250 2.0.0").await;
    let delivered = server.sink.delivered();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].1, b"small\r\n");
    server.stop().await;
}

#[tokio::test]
async fn commands_out_of_order_get_503_and_the_session_goes_on() {
    let server = start(config()).await;
    let mut c = server.client().await;
    c.expect("MAIL FROM:<partner@client.test>", "503 5.5.1")
        .await;
    c.expect("EHLO client.test", "250").await;
    c.expect(&format!("RCPT TO:<{SUPPORT}>"), "503 5.5.1").await;
    c.expect("DATA", "503 5.5.1").await;
    c.expect("MAIL FROM:<partner@client.test>", "250").await;
    c.expect("DATA", "503 5.5.1").await;
    c.expect("MAIL FROM:<partner@client.test>", "503 5.5.1")
        .await;
    c.expect(&format!("RCPT TO:<{SUPPORT}>"), "250").await;
    c.expect("DATA", "354").await;
    c.expect(".", "250 2.0.0").await;
    server.stop().await;
}

#[tokio::test]
async fn bad_commands_get_5xx_without_closing() {
    let server = start(config()).await;
    let mut c = server.client().await;
    c.expect("FROB now", "500 5.5.2").await;
    c.expect("EHLO client.test", "250").await;
    c.expect("MAIL FROM partner@client.test", "501").await;
    c.expect(
        "MAIL FROM:<partner@client.test> BODY=BINARYMIME",
        "555 5.5.4",
    )
    .await;
    c.expect("MAIL FROM:<partner@client.test> RET=FULL", "555 5.5.4")
        .await;
    c.expect("STARTTLS", "502 5.5.1").await;
    c.expect("AUTH PLAIN AHVzZXIAcGFzcw==", "502 5.5.1").await;
    c.expect(&"A".repeat(5000), "500 5.5.2").await;
    c.expect("VRFY support", "252").await;
    c.expect("HELP", "214").await;
    c.expect("NOOP", "250 2.0.0").await;
    c.expect("QUIT", "221 2.0.0").await;
    assert!(c.is_closed().await);
    server.stop().await;
}

#[tokio::test]
async fn too_many_errors_end_the_session() {
    let server = start(config()).await;
    let mut c = server.client().await;
    c.send("FROB\r\n".repeat(12).as_bytes()).await;
    for _ in 0..10 {
        assert!(c.reply().await.starts_with("500"));
    }
    assert!(c.reply().await.starts_with("421 4.7.0"));
    assert!(c.is_closed().await);
    server.stop().await;
}

#[tokio::test]
async fn sink_failures_become_451_and_554() {
    let server = start(config()).await;
    let mut c = server.client().await;
    server.sink.set(Mode::Temporary);
    c.begin(SUPPORT).await;
    c.expect("one\r\n.", "451 4.3.0 mailbox busy").await;
    server.sink.set(Mode::Permanent);
    c.expect("MAIL FROM:<partner@client.test>", "250").await;
    c.expect(&format!("RCPT TO:<{SUPPORT}>"), "250").await;
    c.expect("DATA", "354").await;
    // The sink's line break must not forge a second reply.
    assert_eq!(
        c.command("two\r\n.").await,
        "554 5.6.0 case closed  250 forged"
    );
    c.expect("NOOP", "250").await;
    server.stop().await;
}

#[tokio::test]
async fn a_panicking_sink_costs_only_a_451() {
    let server = start(config()).await;
    server.sink.set(Mode::Panic);
    let mut c = server.client().await;
    c.begin(SUPPORT).await;
    c.expect("boom\r\n.", "451 4.3.0").await;
    c.expect("NOOP", "250").await;
    server.sink.set(Mode::Accept);
    let mut other = server.client().await;
    other.begin(SUPPORT).await;
    other.expect("fine\r\n.", "250 2.0.0").await;
    server.stop().await;
}

#[tokio::test]
async fn nul_bytes_in_the_body_are_kept() {
    let server = start(config()).await;
    let mut c = server.client().await;
    c.begin(SUPPORT).await;
    c.send(b"a\0b\r\n\0\r\n.\r\n").await;
    assert!(c.reply().await.starts_with("250 2.0.0"));
    assert_eq!(server.sink.delivered()[0].1, b"a\0b\r\n\0\r\n");
    server.stop().await;
}

#[tokio::test]
async fn dot_stuffing_is_undone_from_the_first_line_on() {
    let server = start(config()).await;
    let mut c = server.client().await;
    c.begin(SUPPORT).await;
    c.send(b"..first\r\nmid\n.\nstill in\r\n...\r\n.\r\n").await;
    assert!(c.reply().await.starts_with("250 2.0.0"));
    c.expect("MAIL FROM:<partner@client.test>", "250").await;
    c.expect(&format!("RCPT TO:<{SUPPORT}>"), "250").await;
    c.expect("DATA", "354").await;
    c.expect(".", "250 2.0.0").await;
    let delivered = server.sink.delivered();
    // A bare-LF dot line is content, not the end (no SMTP smuggling).
    assert_eq!(delivered[0].1, b".first\r\nmid\n.\nstill in\r\n..\r\n");
    assert_eq!(delivered[1].1, b"");
    server.stop().await;
}

#[tokio::test]
async fn an_idle_client_is_timed_out() {
    let server = start(ListenerConfig {
        command_timeout: Duration::from_millis(200),
        ..config()
    })
    .await;
    let mut c = server.client().await;
    c.expect("EHLO client.test", "250").await;
    assert!(c.reply().await.starts_with("421 4.4.2"));
    assert!(c.is_closed().await);
    server.stop().await;
}

#[tokio::test]
async fn connections_over_the_limit_get_421() {
    let server = start(ListenerConfig {
        max_connections: 1,
        ..config()
    })
    .await;
    let mut first = server.client().await;
    let mut second = Client::connect(server.addr).await;
    assert!(second.reply().await.starts_with("421 4.3.2"));
    assert!(second.is_closed().await);
    first.expect("QUIT", "221").await;
    assert!(first.is_closed().await);
    // The freed slot is given back once the session task has ended.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let mut again = Client::connect(server.addr).await;
        let greeting = again.reply().await;
        if greeting.starts_with("220") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "slot not freed: {greeting}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn shutdown_stops_accepting_and_says_421_to_idle_sessions() {
    let server = start(config()).await;
    let addr = server.addr;
    let mut idle = server.client().await;
    idle.expect("EHLO client.test", "250").await;
    server.stop().await;
    assert!(idle.reply().await.starts_with("421 4.3.2"));
    assert!(idle.is_closed().await);
    assert!(TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn shutdown_lets_a_message_in_progress_finish() {
    let mut server = start(config()).await;
    let mut c = server.client().await;
    c.begin(SUPPORT).await;
    server.begin_shutdown();
    // Wait until the listener is gone, while the session is inside DATA.
    let deadline = tokio::time::Instant::now() + WAIT;
    while TcpStream::connect(server.addr).await.is_ok() {
        assert!(tokio::time::Instant::now() < deadline, "still accepting");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    c.send(b"late but whole\r\n.\r\n").await;
    assert_eq!(c.reply().await, "250 2.0.0 Ok: queued");
    assert!(c.command("NOOP").await.starts_with("421 4.3.2"));
    assert_eq!(server.sink.delivered()[0].1, b"late but whole\r\n");
    server.stop().await;
}

#[tokio::test]
async fn shutdown_waits_for_a_stuck_session_only_so_long() {
    let server = start(ListenerConfig {
        shutdown_grace: Duration::from_millis(200),
        data_timeout: Duration::from_secs(60),
        ..config()
    })
    .await;
    let mut c = server.client().await;
    c.begin(SUPPORT).await;
    // The client never finishes its message; `stop` would time out if the
    // listener waited for it.
    server.stop().await;
    assert!(c.is_closed().await);
}
