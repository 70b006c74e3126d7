use super::*;
use frontdesk_domain::CaseId;
use std::time::{Duration, UNIX_EPOCH};

fn addr(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

fn sample() -> OutgoingMail {
    OutgoingMail {
        from: Sender {
            name: "frontdesk support".into(),
            address: addr("support@frontdesk.local"),
        },
        to: vec![addr("ana@partner.example"), addr("bo@partner.example")],
        reply_to: Some(addr("support+case-1234@frontdesk.local")),
        subject: "[Case #1234] Hotel search returns no results".into(),
        text: "Hello,\n\nplain part\n".into(),
        html: "<p>html part</p>".into(),
        message_id: "case-1234.00000000000000ab@frontdesk.local".into(),
        in_reply_to: Some("case-1234@frontdesk.local".into()),
        references: vec![
            "case-1234@frontdesk.local".into(),
            "abc@partner.example".into(),
        ],
    }
}

fn raw(mail: &OutgoingMail) -> String {
    let date = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    String::from_utf8(build(mail, date).unwrap().formatted()).unwrap()
}

#[test]
fn builds_alternative_with_both_parts_and_headers() {
    let raw = raw(&sample());
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    for expected in [
        "Message-ID: <case-1234.00000000000000ab@frontdesk.local>",
        "In-Reply-To: <case-1234@frontdesk.local>",
        "References: <case-1234@frontdesk.local> <abc@partner.example>",
        "Date: Tue, 14 Nov 2023 22:13:20 +0000",
        "Auto-Submitted: auto-generated",
        "X-Auto-Response-Suppress: All",
        "Subject: [Case #1234] Hotel search returns no results",
        "From: \"frontdesk support\" <support@frontdesk.local>",
        "Reply-To: support+case-1234@frontdesk.local",
        "MIME-Version: 1.0",
        "Content-Type: multipart/alternative;",
    ] {
        assert!(head.contains(expected), "missing {expected:?} in\n{head}");
    }
    assert!(head.contains("ana@partner.example") && head.contains("bo@partner.example"));
    let text_at = body
        .find("Content-Type: text/plain; charset=utf-8")
        .unwrap();
    let html_at = body.find("Content-Type: text/html; charset=utf-8").unwrap();
    assert!(text_at < html_at, "text part must come first");
    assert!(body.contains("plain part") && body.contains("<p>html part</p>"));
}

#[test]
fn optional_headers_are_left_out() {
    let mail = OutgoingMail {
        in_reply_to: None,
        references: vec![],
        reply_to: None,
        ..sample()
    };
    let raw = raw(&mail);
    assert!(!raw.contains("In-Reply-To:"));
    assert!(!raw.contains("References:"));
    assert!(!raw.contains("Reply-To:"));
}

#[test]
fn refuses_bad_input() {
    let no_rcpt = OutgoingMail {
        to: vec![],
        ..sample()
    };
    assert!(matches!(
        build(&no_rcpt, UNIX_EPOCH),
        Err(MailError::NoRecipients)
    ));
    for bad in ["no-at-sign", "<x@y>", "a b@c", "x@y\r\nBcc: evil@x.com", ""] {
        let mail = OutgoingMail {
            message_id: bad.into(),
            ..sample()
        };
        assert!(
            matches!(build(&mail, UNIX_EPOCH), Err(MailError::MessageId(_))),
            "{bad}"
        );
    }
}

#[test]
fn subject_newlines_cannot_inject_headers() {
    let mail = OutgoingMail {
        subject: "Hi\r\nBcc: evil@example.com".into(),
        ..sample()
    };
    let raw = raw(&mail);
    assert!(!raw.contains("\r\nBcc:"));
    assert!(raw.contains("Subject: Hi Bcc: evil@example.com"));
}

#[test]
fn message_ids_name_their_case() {
    assert_eq!(
        thread_root(CaseId(1234), "frontdesk.local"),
        "case-1234@frontdesk.local"
    );
    let a = new_message_id(CaseId(1234), "frontdesk.local");
    let b = new_message_id(CaseId(1234), "frontdesk.local");
    assert_ne!(a, b);
    let (local, domain) = a.split_once('@').unwrap();
    assert_eq!(domain, "frontdesk.local");
    let hex = local.strip_prefix("case-1234.").unwrap();
    assert_eq!(hex.len(), 16);
    assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()));
    for id in [
        a.as_str(),
        "<case-1234@frontdesk.local>",
        "case-1234@FRONTDESK.local",
    ] {
        assert_eq!(
            case_from_message_id(id, "frontdesk.local"),
            Some(CaseId(1234)),
            "{id}"
        );
    }
    for id in [
        "case-1234@other.example",
        "case-x@frontdesk.local",
        "abc@frontdesk.local",
    ] {
        assert_eq!(case_from_message_id(id, "frontdesk.local"), None, "{id}");
    }
}

#[test]
fn reply_address_round_trip() {
    let support = addr("support@frontdesk.local");
    let reply = reply_address(&support, CaseId(1234));
    assert_eq!(reply.as_str(), "support+case-1234@frontdesk.local");
    assert_eq!(
        case_from_reply_address(reply.as_str(), &support),
        Some(CaseId(1234))
    );
    for ok in [
        "Support <Support+Case-1234@Frontdesk.Local>",
        " support+case-1234@frontdesk.local ",
    ] {
        assert_eq!(
            case_from_reply_address(ok, &support),
            Some(CaseId(1234)),
            "{ok}"
        );
    }
    for bad in [
        "support@frontdesk.local",
        "support+case-@frontdesk.local",
        "support+case-12a@frontdesk.local",
        "support+case-0@frontdesk.local",
        "support+case-1234@elsewhere.example",
        "other+case-1234@frontdesk.local",
        "xsupport+case-1234@frontdesk.local",
        "not an address",
    ] {
        assert_eq!(case_from_reply_address(bad, &support), None, "{bad}");
    }
}

#[test]
fn overlong_reply_address_falls_back_to_support() {
    let support = addr(&format!("{}@frontdesk.local", "s".repeat(60)));
    assert_eq!(reply_address(&support, CaseId(1234)), support);
}
