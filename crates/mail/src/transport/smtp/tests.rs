//! Delivery against a tiny SMTP server on 127.0.0.1, port 0: just enough
//! of RFC 5321 (EHLO, MAIL, RCPT, DATA, RSET, QUIT) for lettre to hand over
//! a message, with a scripted reply to RCPT.

use super::*;
use crate::transport::Transport;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// What the server saw: envelope and the un-dot-stuffed DATA.
#[derive(Debug, Default)]
struct Received {
    mail_from: String,
    rcpt_to: Vec<String>,
    data: String,
}

/// Serves one connection; RCPT is answered with `rcpt_reply`.
async fn one_shot_server(rcpt_reply: &'static str) -> (u16, oneshot::Receiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = oneshot::channel();
    tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        let mut got = Received::default();
        write
            .write_all(b"220 test.local ESMTP ready\r\n")
            .await
            .unwrap();
        while let Some(line) = lines.next_line().await.unwrap() {
            let upper = line.to_ascii_uppercase();
            let reply: &str = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                "250-test.local\r\n250 8BITMIME\r\n"
            } else if upper.starts_with("MAIL FROM:") {
                got.mail_from = line[10..].trim().to_owned();
                "250 OK\r\n"
            } else if upper.starts_with("RCPT TO:") {
                got.rcpt_to.push(line[8..].trim().to_owned());
                rcpt_reply
            } else if upper == "DATA" {
                write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await
                    .unwrap();
                while let Some(data_line) = lines.next_line().await.unwrap() {
                    if data_line == "." {
                        break;
                    }
                    let unstuffed = data_line.strip_prefix('.').unwrap_or(&data_line);
                    got.data.push_str(unstuffed);
                    got.data.push_str("\r\n");
                }
                "250 OK queued\r\n"
            } else if upper == "QUIT" {
                write.write_all(b"221 Bye\r\n").await.unwrap();
                break;
            } else {
                "250 OK\r\n"
            };
            write.write_all(reply.as_bytes()).await.unwrap();
        }
        let _ = tx.send(got);
    });
    (port, rx)
}

fn smtp(port: u16) -> Smtp {
    Smtp::new(SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        tls: SmtpTls::None,
        username: None,
        password: None,
        timeout_secs: 5,
    })
    .unwrap()
}

fn message() -> Message {
    use crate::message::{OutgoingMail, Sender, build};
    use frontdesk_domain::EmailAddress;
    let mail = OutgoingMail {
        from: Sender {
            name: "frontdesk support".into(),
            address: EmailAddress::parse("support@frontdesk.local").unwrap(),
        },
        to: vec![EmailAddress::parse("ana@partner.example").unwrap()],
        reply_to: None,
        subject: "[Case #7] Test".into(),
        text: "Hello\n.leading dot line\n".into(),
        html: "<p>Hello</p>".into(),
        message_id: "case-7.0000000000000001@frontdesk.local".into(),
        in_reply_to: None,
        references: vec![],
    };
    build(&mail, std::time::SystemTime::now()).unwrap()
}

#[tokio::test]
async fn delivers_message_to_server() {
    let (port, received) = one_shot_server("250 OK\r\n").await;
    let transport = Transport::Smtp(smtp(port));
    transport.deliver("outbox-1", &message()).await.unwrap();
    let got = received.await.unwrap();
    assert_eq!(got.mail_from, "<support@frontdesk.local>");
    assert_eq!(got.rcpt_to, vec!["<ana@partner.example>".to_owned()]);
    assert!(
        got.data.contains("Subject: [Case #7] Test\r\n"),
        "{}",
        got.data
    );
    assert!(
        got.data
            .contains("Message-ID: <case-7.0000000000000001@frontdesk.local>")
    );
    assert!(got.data.contains("Auto-Submitted: auto-generated"));
    assert!(got.data.contains("Content-Type: text/html"));
    assert!(
        got.data.contains("\r\n.leading dot line\r\n"),
        "dot-stuffing undone"
    );
}

#[tokio::test]
async fn rejected_recipient_is_permanent() {
    let (port, _received) = one_shot_server("550 5.1.1 No such user here\r\n").await;
    let err = smtp(port).deliver(&message()).await.unwrap_err();
    assert!(err.is_permanent(), "{err}");
    assert!(err.to_string().contains("550"), "{err}");
}

#[tokio::test]
async fn greylisting_is_temporary() {
    let (port, _received) = one_shot_server("451 4.7.1 Greylisted, try again later\r\n").await;
    let err = smtp(port).deliver(&message()).await.unwrap_err();
    assert!(!err.is_permanent(), "{err}");
    assert!(err.to_string().contains("451"), "{err}");
}

#[tokio::test]
async fn unreachable_server_is_temporary() {
    // Bind then drop, so the port is almost certainly closed.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = smtp(port).deliver(&message()).await.unwrap_err();
    assert!(!err.is_permanent(), "{err}");
}

#[test]
fn password_never_shown() {
    let config = SmtpConfig {
        host: "smtp.example.com".into(),
        port: 587,
        tls: SmtpTls::Starttls,
        username: Some("mailer".into()),
        password: Some("hunter2-secret".into()),
        timeout_secs: 10,
    };
    let smtp = Smtp::new(config.clone()).unwrap();
    for shown in [
        format!("{config:?}"),
        format!("{smtp:?}"),
        format!("{:?}", Transport::Smtp(smtp)),
    ] {
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("mailer"));
    }
}

#[test]
fn tls_mode_reads_from_config_strings() {
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error, StrDeserializer};
    let parse = |s: &str| SmtpTls::deserialize::<StrDeserializer<'_, Error>>(s.into_deserializer());
    assert_eq!(parse("none").unwrap(), SmtpTls::None);
    assert_eq!(parse("starttls").unwrap(), SmtpTls::Starttls);
    assert_eq!(parse("tls").unwrap(), SmtpTls::Tls);
    assert!(parse("ssl").is_err());
}
