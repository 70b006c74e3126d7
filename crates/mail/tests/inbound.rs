//! Inbound parsing, per fixture: who sent it, what it answers, which text
//! was chosen, what the trimmed reply says, what came attached and whether
//! a machine sent it. The fixtures are hand-written mails in the shapes the
//! common clients produce.
#![allow(clippy::unwrap_used)]

use frontdesk_domain::{CaseId, EmailAddress};
use frontdesk_mail::inbound::{AutoKind, Limits, ParseError, Parsed, parse};
use frontdesk_mail::{case_from_message_id, case_from_reply_address, case_from_subject};

fn raw(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/inbound/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap()
}

fn fixture(name: &str) -> Parsed {
    parse(&raw(name), &Limits::default()).unwrap()
}

fn addr(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

/// (file name, content type, size, inline) of each attachment.
fn attachment_summary(p: &Parsed) -> Vec<(&str, &str, usize, bool)> {
    p.attachments
        .iter()
        .map(|a| {
            (
                a.file_name.as_str(),
                a.content_type.as_str(),
                a.data.len(),
                a.inline,
            )
        })
        .collect()
}

#[test]
fn outlook_reply_windows_1252_quoted_printable_with_header_block() {
    let p = fixture("outlook_reply.eml");
    assert_eq!(p.from.address, addr("joerg.mueller@example-partner.de"));
    assert_eq!(p.from.name.as_deref(), Some("Müller, Jörg"));
    assert_eq!(
        p.message_id.as_deref(),
        Some("AM0PR07MB41310E8F2A9C3D4B5E6F7A8BC1D2E@AM0PR07MB4131.eurprd07.prod.outlook.com")
    );
    assert_eq!(
        p.in_reply_to,
        ["case-1042.0a1b2c3d4e5f6071@frontdesk.localhost"]
    );
    assert_eq!(
        p.references,
        [
            "case-1042@frontdesk.localhost",
            "case-1042.0a1b2c3d4e5f6071@frontdesk.localhost"
        ]
    );
    assert_eq!(p.subject, "AW: [Case #1042] Export schlägt fehl");
    assert_eq!(p.date, Some(1_710_235_860_000));
    // The text part was chosen over the HTML one, decoded from
    // Windows-1252 (the euro sign and the dash are not in ISO-8859-1).
    assert!(p.text.starts_with("Hallo zusammen,\n\nder Export läuft jetzt durch – vielen Dank! Die Rechnung über 1.250 € ist"));
    assert!(!p.text.contains("MsoNormal") && !p.text.contains('\r'));
    assert!(p.text.contains("Gesendet: Dienstag, 12. März 2024 10:04"));
    assert_eq!(
        p.reply,
        "Hallo zusammen,\n\nder Export läuft jetzt durch – vielen Dank! Die Rechnung über 1.250 € ist ebenfalls korrekt, wir schließen das Thema damit ab.\n\nViele Grüße\nJörg Müller\nLeitung Buchhaltung"
    );
    assert!(p.attachments.is_empty());
    assert_eq!(p.auto, None);
    assert_eq!(p.auto_reason, None);
}

#[test]
fn gmail_reply_with_wrapped_attribution_and_a_colleague_in_cc() {
    let p = fixture("gmail_reply.eml");
    assert_eq!(p.from.address, addr("ana.lopez@acme-retail.example"));
    assert_eq!(p.from.name.as_deref(), Some("Ana López"));
    assert_eq!(
        p.message_id.as_deref(),
        Some("CAF8kq2uX7bQ1xZ0c3vJ+Q5nRw=mY1pZ@mail.gmail.com")
    );
    assert_eq!(p.cc.len(), 1);
    assert_eq!(p.cc[0].address, addr("tom.becker@acme-retail.example"));
    assert_eq!(p.cc[0].name.as_deref(), Some("Tom Becker"));
    assert_eq!(
        p.to[0].address,
        addr("support+case-1042@frontdesk.localhost")
    );
    assert_eq!(p.references.len(), 2);
    // Plain text preferred: the HTML's markup and link targets are absent.
    assert!(
        p.text
            .contains("\n> Please run the export again; the fix is deployed.\n")
    );
    assert!(!p.text.contains("<div") && !p.text.contains("mailto:"));
    assert_eq!(
        p.reply,
        "Hi,\n\nadding Tom, who runs the exports on our side. The March export still stops\nat 80% for him.\n\nThanks,\nAna"
    );
    assert_eq!(p.auto, None);
}

#[test]
fn apple_mail_reply_base64_with_device_line() {
    let p = fixture("apple_mail_reply.eml");
    assert_eq!(p.from.address, addr("tom.becker@acme-retail.example"));
    assert_eq!(
        p.message_id.as_deref(),
        Some("7E1F0C2A-5B3D-4C8E-9F61-2D4A8B0C6E13@acme-retail.example")
    );
    assert_eq!(p.subject, "Re: [Case #1042] Export fails for March");
    assert!(p.text.starts_with(
        "Yes, the new token works. Thank you!\n\nSent from my iPhone\n\n> On 12. Mar 2024"
    ));
    assert_eq!(p.reply, "Yes, the new token works. Thank you!");
    assert!(p.attachments.is_empty());
    assert_eq!(p.auto, None);
}

#[test]
fn iso_8859_1_subject_split_over_two_encoded_words() {
    let p = fixture("iso8859_subject.eml");
    assert_eq!(p.subject, "Problème d'accès à l'espace client");
    assert_eq!(p.from.name.as_deref(), Some("Françoise Lefèvre"));
    assert_eq!(p.from.address, addr("f.lefevre@example.fr"));
    assert!(p.text.contains("je n'arrive plus à me connecter"));
    assert_eq!(
        p.reply,
        "Bonjour,\n\nje n'arrive plus à me connecter à l'espace client depuis ce matin.\n\nCordialement,"
    );
}

#[test]
fn utf8_base64_subject() {
    let p = fixture("utf8_subject.eml");
    assert_eq!(p.subject, "Zugriff verweigert – 请帮忙 🙏");
    assert_eq!(p.text, "Seit dem Update kann ich mich nicht anmelden.");
    assert_eq!(p.reply, p.text);
    assert_eq!(p.date, Some(1_710_318_000_000));
}

#[test]
fn html_only_mail_becomes_text_without_script_or_style() {
    let p = fixture("html_only.eml");
    assert_eq!(
        p.text,
        "Hello support,\n\nour shop shows error 503 again & orders are stuck. Details are on our incident page <https://status.acme-retail.example/incidents/77?view=full&lang=en>.\n- since 09:12\n- about 40 orders – worth 3 200 €\n\nRegards,\nAna"
    );
    for absent in ["<", "alert", "tracking", "font-family", "Status\n", "&amp;"] {
        assert!(!p.text.replace("<https", "").contains(absent), "{absent}");
    }
    assert_eq!(p.reply, p.text);
}

#[test]
fn nested_multipart_text_log_attachment_and_inline_image() {
    let p = fixture("nested_multipart.eml");
    assert_eq!(
        p.text,
        "Hello,\n\nthe export log is attached, and the screenshot shows the error.\n\nTom"
    );
    assert_eq!(
        attachment_summary(&p),
        [
            ("screenshot.png", "image/png", 70, true),
            ("export märz.log", "text/plain", 106, false),
        ]
    );
    assert_eq!(
        p.attachments[0].content_id.as_deref(),
        Some("screenshot-1@acme-retail.example")
    );
    assert!(p.attachments[0].data.starts_with(b"\x89PNG"));
    assert_eq!(p.attachments[1].content_id, None);
    assert!(
        p.attachments[1]
            .data
            .starts_with(b"2024-03-14T09:12:01Z ERROR export")
    );
}

#[test]
fn forwarded_mail_text_is_included_and_its_attachment_collected() {
    let p = fixture("forwarded.eml");
    assert_eq!(
        p.text,
        "Please see the customer's mail below.\n\n---------- Forwarded message ----------\nFrom: Carl Customer <carl@customer.example>\nDate: Thu, 14 Mar 2024 18:30:00 +0000\nSubject: Invoice totals wrong\nTo: Ana Lopez <ana.lopez@acme-retail.example>\n\nThe totals on the attached invoice do not add up."
    );
    // A forward is what the sender means to show: nothing is trimmed.
    assert_eq!(p.reply, p.text);
    // The Windows path in the name is gone, the name itself kept.
    assert_eq!(
        attachment_summary(&p),
        [("invoice 2024-03.pdf", "application/pdf", 45, false)]
    );
    assert!(p.attachments[0].data.starts_with(b"%PDF-1.4"));
}

#[test]
fn delivery_status_report_is_a_bounce() {
    let p = fixture("dsn_bounce.eml");
    assert_eq!(p.from.address, addr("mailer-daemon@mx.acme-retail.example"));
    assert_eq!(p.auto, Some(AutoKind::Bounce));
    assert_eq!(
        p.auto_reason.as_deref(),
        Some("multipart/report; report-type=delivery-status")
    );
    assert!(
        p.text
            .starts_with("This is the mail system at host mx.acme-retail.example.")
    );
    assert!(
        p.text
            .ends_with("<former.employee@acme-retail.example>: user unknown")
    );
    assert_eq!(
        attachment_summary(&p),
        [
            ("attachment-1.txt", "message/delivery-status", 232, false),
            ("attachment-2.txt", "text/rfc822-headers", 231, false),
        ]
    );
}

#[test]
fn out_of_office_is_an_auto_reply() {
    let p = fixture("out_of_office.eml");
    assert_eq!(p.auto, Some(AutoKind::AutoReply));
    assert_eq!(
        p.auto_reason.as_deref(),
        Some("Auto-Submitted: auto-replied")
    );
    assert_eq!(
        p.subject,
        "Automatic reply: [Case #1042] Export fails for March"
    );
    assert_eq!(
        p.in_reply_to,
        ["case-1042.0a1b2c3d4e5f6071@frontdesk.localhost"]
    );
}

#[test]
fn list_mail_is_bulk() {
    let p = fixture("list_mail.eml");
    assert_eq!(p.auto, Some(AutoKind::Bulk));
    assert_eq!(p.auto_reason.as_deref(), Some("Precedence: list"));
    assert_eq!(p.text, "The March release brings faster exports.");
}

#[test]
fn truncated_mail_with_garbage_headers_keeps_what_arrived() {
    let p = fixture("broken_truncated.eml");
    assert_eq!(p.from.address, addr("ops@acme-retail.example"));
    assert_eq!(p.subject, "Nightly report");
    assert_eq!(
        p.message_id.as_deref(),
        Some("broken-1@acme-retail.example")
    );
    // The NUL byte is gone, the text around it kept.
    assert_eq!(p.text, "The nightly report is attached. Two jobs failed.");
    // The attachment lost its end and closing boundary in transit: the
    // whole base64 groups that arrived are decoded.
    assert_eq!(
        attachment_summary(&p),
        [("report.csv", "application/octet-stream", 30, false)]
    );
    assert_eq!(p.attachments[0].data, b"job,status\nexport,failed\nimpor");
    assert_eq!(p.auto, None);
}

#[test]
fn missing_message_id_and_date_are_none() {
    let p = fixture("no_message_id.eml");
    assert_eq!(p.message_id, None);
    assert_eq!(p.date, None);
    assert_eq!(p.from.address, addr("legacy-system@acme-retail.example"));
    assert_eq!(p.from.name, None);
    assert_eq!(p.text, "Disk /dev/sda1 is 93% full.");
}

#[test]
fn reply_to_our_notification_names_the_case_three_ways() {
    let p = fixture("reply_to_frontdesk.eml");
    let support = addr("support@frontdesk.localhost");
    assert_eq!(
        case_from_reply_address(p.to[0].address.as_str(), &support),
        Some(CaseId(1042))
    );
    assert_eq!(
        case_from_message_id(&p.in_reply_to[0], "frontdesk.localhost"),
        Some(CaseId(1042))
    );
    assert_eq!(case_from_subject(&p.subject), Some(CaseId(1042)));
    assert_eq!(p.in_reply_to, ["case-1042.0a1b2c3d@frontdesk.localhost"]);
    assert_eq!(
        p.reply,
        "Thanks, I will try the new export tomorrow morning."
    );
    assert!(
        p.text
            .contains("##- Please type your reply above this line -##")
    );
    assert_eq!(p.auto, None);
}

#[test]
fn our_own_mail_coming_back_is_a_loop() {
    let header = b"From: someone@example.com\nX-Frontdesk-Case: 1042\nSubject: x\n\nbody\n";
    let p = parse(header, &Limits::default()).unwrap();
    assert_eq!(p.auto, Some(AutoKind::Loop));
    assert_eq!(
        p.auto_reason.as_deref(),
        Some("X-Frontdesk-Case header: our own mail")
    );

    let id = b"From: relay@example.com\nMessage-ID: <case-7.0123456789abcdef@frontdesk.localhost>\nAuto-Submitted: auto-generated\n\nbody\n";
    let p = parse(id, &Limits::default()).unwrap();
    assert_eq!(p.auto, Some(AutoKind::Loop));

    let mut p = fixture("no_message_id.eml");
    p.mark_loop_from(&addr("support@frontdesk.localhost"));
    assert_eq!(p.auto, None, "another sender is not a loop");
    let ours = b"From: frontdesk <support+case-7@frontdesk.localhost>\nSubject: x\n\nbody\n";
    let mut p = parse(ours, &Limits::default()).unwrap();
    p.mark_loop_from(&addr("support@frontdesk.localhost"));
    assert_eq!(p.auto, Some(AutoKind::Loop));
}

#[test]
fn a_noreply_sender_is_not_automatic() {
    let raw = b"From: noreply@shop.example\nSubject: Your order\n\nThanks for your order.\n";
    assert_eq!(parse(raw, &Limits::default()).unwrap().auto, None);
}

#[test]
fn other_automatic_signals() {
    let cases: [(&[u8], AutoKind, &str); 5] = [
        (
            b"From: a@example.com\nX-Autoreply: yes\n\nx\n",
            AutoKind::AutoReply,
            "X-Autoreply: yes",
        ),
        (
            b"From: a@example.com\nPrecedence: bulk\n\nx\n",
            AutoKind::Bulk,
            "Precedence: bulk",
        ),
        (
            b"From: a@example.com\nList-Unsubscribe: <mailto:x@example.com>\n\nx\n",
            AutoKind::Bulk,
            "List-Unsubscribe present",
        ),
        (
            b"From: postmaster@example.com\nSubject: hi\n\nx\n",
            AutoKind::Bounce,
            "sent by postmaster@example.com",
        ),
        (
            b"From: a@example.com\nSubject: Abwesenheitsnotiz: Export\n\nx\n",
            AutoKind::AutoReply,
            "out-of-office subject: Abwesenheitsnotiz: Export",
        ),
    ];
    for (raw, kind, reason) in cases {
        let p = parse(raw, &Limits::default()).unwrap();
        assert_eq!(p.auto, Some(kind), "{reason}");
        assert_eq!(p.auto_reason.as_deref(), Some(reason));
    }
    let not_auto = b"From: a@example.com\nAuto-Submitted: no\n\nx\n";
    assert_eq!(parse(not_auto, &Limits::default()).unwrap().auto, None);
}

#[test]
fn refusals_name_their_reason() {
    let limits = Limits::default();
    assert_eq!(parse(b"", &limits), Err(ParseError::Empty));
    assert_eq!(parse(b" \r\n\n", &limits), Err(ParseError::Empty));
    assert_eq!(
        parse(b"Subject: no sender\n\nbody\n", &limits),
        Err(ParseError::NoSender)
    );
    assert_eq!(
        parse(b"From: Bob\nSubject: no address\n\nbody\n", &limits),
        Err(ParseError::NoSender)
    );
    assert!(matches!(
        parse(b"\x00\x01\x02 binary junk", &limits),
        Err(ParseError::NotMime(_) | ParseError::NoSender)
    ));

    let mut huge = b"From: a@example.com\n".to_vec();
    for i in 0..20_000 {
        huge.extend_from_slice(format!("X-Filler-{i}: {}\n", "y".repeat(20)).as_bytes());
    }
    huge.extend_from_slice(b"\nbody\n");
    assert_eq!(parse(&huge, &limits), Err(ParseError::HeadersTooLarge));
    let roomy = Limits {
        max_header_bytes: 4 * 1024 * 1024,
        ..Limits::default()
    };
    assert!(parse(&huge, &roomy).is_ok());

    let tight = Limits {
        max_attachments: 1,
        ..Limits::default()
    };
    assert_eq!(
        parse(&raw("nested_multipart.eml"), &tight),
        Err(ParseError::TooManyAttachments(2))
    );
    assert_eq!(
        ParseError::TooManyAttachments(2).to_string(),
        "the mail has 2 attachments, more than allowed"
    );
}

#[test]
fn text_is_cut_at_the_limit() {
    let limits = Limits {
        max_text_chars: 10,
        ..Limits::default()
    };
    let p = parse(b"From: a@example.com\n\nsome long text here\n", &limits).unwrap();
    assert_eq!(p.text, "some long");
}

#[test]
fn message_ids_are_cleaned_and_capped() {
    let long = "x".repeat(2000);
    let raw = format!(
        "From: a@example.com\nMessage-ID:   < {long}@example.com >\nIn-Reply-To: <a@x.example> <b@x.example>\n\nbody\n"
    );
    let p = parse(raw.as_bytes(), &Limits::default()).unwrap();
    let id = p.message_id.unwrap();
    assert_eq!(id.chars().count(), 998);
    assert!(id.starts_with("xxx") && !id.contains(['<', '>', ' ']));
    assert_eq!(p.in_reply_to, ["a@x.example", "b@x.example"]);
}

#[test]
fn cr_only_line_ends_and_mbox_envelope_lines_are_understood() {
    let cr = b"From: a@example.com\rSubject: old mac\r\rHello\rworld\r";
    let p = parse(cr, &Limits::default()).unwrap();
    assert_eq!(p.subject, "old mac");
    assert_eq!(p.text, "Hello\nworld");

    let mbox = b"From a@example.com  Tue Oct 29 03:52:03 2013\nFrom: a@example.com\nSubject: saved\n\nbody\n";
    let p = parse(mbox, &Limits::default()).unwrap();
    assert_eq!(p.subject, "saved");
}

#[test]
fn text_and_html_siblings_in_mixed_give_the_text_once() {
    let raw = b"From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nThe text part.\n--b\nContent-Type: text/html\n\n<p>The html part.</p>\n--b--\n";
    let p = parse(raw, &Limits::default()).unwrap();
    assert_eq!(p.text, "The text part.");
}

#[test]
fn alternative_with_only_html_is_converted() {
    let raw = b"From: a@example.com\nContent-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/html\n\n<div>One</div><div>Two &amp; three</div>\n--b--\n";
    let p = parse(raw, &Limits::default()).unwrap();
    assert_eq!(p.text, "One\nTwo & three");
}

#[test]
fn attachment_names_are_decoded_and_made_safe() {
    let raw = b"From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nSee attached.\n--b\nContent-Type: application/pdf; name=\"=?UTF-8?B?UmVjaG51bmcgTcOkcnoucGRm?=\"\nContent-Disposition: attachment\n\n%PDF\n--b\nContent-Type: text/plain\nContent-Disposition: attachment; filename=\"../../etc/passwd\"\n\nroot\n--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment\n\n\x01\x02\n--b--\n";
    let p = parse(raw, &Limits::default()).unwrap();
    let names: Vec<&str> = p.attachments.iter().map(|a| a.file_name.as_str()).collect();
    assert_eq!(names, ["Rechnung März.pdf", "passwd", "attachment-3.bin"]);
    assert_eq!(p.text, "See attached.");
}
