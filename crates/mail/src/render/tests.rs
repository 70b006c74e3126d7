use super::*;
use frontdesk_domain::cases::CaseStatus;

const ALL_NOTICES: [Notice; 14] = [
    Notice::Received,
    Notice::Reopened,
    Notice::StaffReply,
    Notice::PartnerReply,
    Notice::ParticipantAdded,
    Notice::StatusChanged(CaseStatus::InProgress),
    Notice::StatusChanged(CaseStatus::FeedbackRequired),
    Notice::StatusChanged(CaseStatus::Resolved),
    Notice::StatusChanged(CaseStatus::Closed),
    Notice::Reminder(1),
    Notice::Reminder(2),
    Notice::ClosedNoFeedback,
    Notice::ClosedAfterResolution,
    Notice::ClosedByPartner,
];

fn ctx() -> MailContext {
    MailContext {
        case_id: CaseId(1234),
        subject: "Hotel search returns no results".into(),
        category: Category::CustomerCare,
        description:
            "Searching Lisbon for 2 nights returns nothing.\nSince Monday.\n\nSeller: AcmeBeds"
                .into(),
        body: Some("Please try again with the new endpoint.".into()),
        author: Some("Maria Silva".into()),
        portal_url: "http://127.0.0.1:8080/cases/1234".into(),
        reopened_from: Some(CaseId(1200)),
        resolution_days: 7,
        feedback_close_days: 7,
    }
}

fn hostile() -> MailContext {
    MailContext {
        subject: "<script>alert('s')</script> & co".into(),
        description: "<script>alert('d')</script>".into(),
        body: Some("<script>alert('b')</script>\n<b>bold</b>".into()),
        author: Some("<img src=x onerror=alert(1)>".into()),
        ..ctx()
    }
}

#[test]
fn every_notice_is_tagged_and_complete() {
    let ctx = ctx();
    for notice in ALL_NOTICES {
        let r = render(notice, &ctx);
        assert_eq!(
            r.subject, "[Case #1234] Hotel search returns no results",
            "{notice:?}"
        );
        for part in [&r.text, &r.html] {
            assert!(part.contains("#1234"), "{notice:?}: reference missing");
            assert!(part.contains(&ctx.portal_url), "{notice:?}: link missing");
            assert!(
                part.contains(REPLY_ABOVE_MARKER),
                "{notice:?}: marker missing"
            );
        }
        assert!(r.html.starts_with("<!DOCTYPE html>"), "{notice:?}");
        assert!(
            r.text.ends_with("The frontdesk support team\n"),
            "{notice:?}: {}",
            r.text
        );
        assert!(!r.text.contains("\n\n\n"), "{notice:?}: loose blank lines");
        assert!(
            !r.text.contains("{{") && !r.html.contains("{%"),
            "{notice:?}"
        );
    }
}

#[test]
fn html_escapes_user_content_text_keeps_it() {
    let ctx = hostile();
    for notice in ALL_NOTICES {
        let r = render(notice, &ctx);
        assert!(!r.html.contains("<script>"), "{notice:?}:\n{}", r.html);
        assert!(!r.html.contains("<img"), "{notice:?}");
        assert!(!r.html.contains("<b>bold"), "{notice:?}");
        assert!(r.html.contains("&#60;script&#62;"), "{notice:?}");
        assert!(r.subject.contains("<script>alert('s')</script> & co"));
        assert!(
            r.text.contains("<script>alert('s')</script> & co"),
            "{notice:?}"
        );
    }
    let received = render(Notice::Received, &ctx);
    assert!(received.text.contains("<script>alert('d')</script>"));
    let reply = render(Notice::StaffReply, &ctx);
    assert!(
        reply
            .text
            .contains("<script>alert('b')</script>\n<b>bold</b>")
    );
    assert!(
        reply
            .html
            .contains("&#60;script&#62;alert(&#39;b&#39;)&#60;/script&#62;<br>&#60;b&#62;bold")
    );
}

#[test]
fn received_explains_how_to_follow_up() {
    let r = render(Notice::Received, &ctx());
    for part in [&r.text, &r.html] {
        assert!(part.contains("Hotel search returns no results"));
        assert!(part.contains("Customer Care"));
        assert!(part.contains("Searching Lisbon"));
        assert!(part.contains("Reply to this email"));
        assert!(part.contains("CC"));
    }
    assert!(r.text.contains(
        "Searching Lisbon for 2 nights returns nothing.\nSince Monday.\n\nSeller: AcmeBeds"
    ));
    assert!(
        r.html
            .contains("Searching Lisbon for 2 nights returns nothing.<br>Since Monday.</p>")
    );
}

#[test]
fn reopened_names_the_original() {
    let r = render(Notice::Reopened, &ctx());
    assert!(
        r.text
            .contains("Case #1200 has been reopened as the new case #1234")
    );
    assert!(r.html.contains("#1200"));
    let r = render(
        Notice::Reopened,
        &MailContext {
            reopened_from: None,
            ..ctx()
        },
    );
    assert!(r.text.contains("reopened as the new case #1234"));
}

#[test]
fn replies_carry_message_and_author() {
    let staff = render(Notice::StaffReply, &ctx());
    assert!(
        staff
            .text
            .contains("Maria Silva from the frontdesk support team replied")
    );
    assert!(
        staff
            .text
            .contains("Please try again with the new endpoint.")
    );
    assert!(
        staff
            .html
            .contains("Please try again with the new endpoint.")
    );
    let partner = render(
        Notice::PartnerReply,
        &MailContext {
            author: None,
            ..ctx()
        },
    );
    assert!(
        partner
            .text
            .contains("A participant added a message to case #1234")
    );
    let added = render(Notice::ParticipantAdded, &ctx());
    assert!(
        added
            .text
            .contains("You have been added to case #1234 by Maria Silva.")
    );
}

#[test]
fn status_changes_explain_themselves() {
    let ctx = ctx();
    let r = render(Notice::StatusChanged(CaseStatus::InProgress), &ctx);
    assert!(r.text.contains("is now: In progress."));
    assert!(r.text.contains(CaseStatus::InProgress.meaning()));
    assert!(r.text.contains("Message from Maria Silva:"));

    let r = render(Notice::StatusChanged(CaseStatus::FeedbackRequired), &ctx);
    assert!(r.text.contains("Partner's feedback required"));
    assert!(r.html.contains("Partner&#39;s feedback required"));
    assert!(
        r.text
            .contains("reply to this email with the requested information")
    );

    let r = render(
        Notice::StatusChanged(CaseStatus::Resolved),
        &MailContext {
            resolution_days: 9,
            ..ctx.clone()
        },
    );
    for part in [&r.text, &r.html] {
        assert!(part.contains("Resolved"));
        assert!(part.contains("Please try again with the new endpoint."));
        assert!(part.contains("9 days"));
    }

    let r = render(
        Notice::StatusChanged(CaseStatus::Closed),
        &MailContext { body: None, ..ctx },
    );
    assert!(r.text.contains("Reopen case"));
    assert!(r.text.contains("not added to it"));
    assert!(!r.text.contains("Message from"));
}

#[test]
fn reminders_differ() {
    let ctx = MailContext {
        feedback_close_days: 11,
        body: None,
        ..ctx()
    };
    let first = render(Notice::Reminder(1), &ctx);
    assert!(first.text.contains("friendly reminder"));
    assert!(!first.text.contains("11 days"));
    let second = render(Notice::Reminder(2), &ctx);
    for part in [&second.text, &second.html] {
        assert!(part.contains("second reminder"));
        assert!(part.contains("11 days"));
    }
}

#[test]
fn closings_point_to_reopen() {
    for notice in [
        Notice::ClosedNoFeedback,
        Notice::ClosedAfterResolution,
        Notice::ClosedByPartner,
    ] {
        let r = render(notice, &ctx());
        assert!(r.text.contains("has been closed"), "{notice:?}");
        assert!(r.text.contains("\"Reopen case\""), "{notice:?}");
        assert!(
            r.html.contains("<strong>Reopen case</strong>"),
            "{notice:?}"
        );
        assert!(!r.text.contains("Reply to this email to add"), "{notice:?}");
    }
    assert!(
        render(Notice::ClosedByPartner, &ctx())
            .text
            .contains("closed by Maria Silva")
    );
}

#[test]
fn closed_case_reply_explains_reopen() {
    let r = render_closed_case_reply(
        CaseId(77),
        "Re: [Case #77] Rates <wrong>",
        "http://x.test/cases/77",
    );
    assert_eq!(r.subject, "Re: [Case #77] Rates <wrong>");
    assert!(
        r.text
            .contains("Case #77 is closed, so your message was not added to it.")
    );
    assert!(r.text.contains("\"Reopen case\""));
    assert!(r.text.contains("http://x.test/cases/77"));
    assert!(r.html.contains("Rates &#60;wrong&#62;"));
    let r = render_closed_case_reply(CaseId(77), "Rates", "http://x.test/cases/77");
    assert_eq!(r.subject, "[Case #77] Rates");
}

#[test]
fn subject_tag_round_trip() {
    assert_eq!(subject_tag(CaseId(1234)), "[Case #1234]");
    assert_eq!(
        case_from_subject("Re: Fwd: [Case #1234] Hotel search"),
        Some(CaseId(1234))
    );
    assert_eq!(case_from_subject("RE: [CASE #9] x"), Some(CaseId(9)));
    assert_eq!(
        case_from_subject("[Case #x] then [Case #5]"),
        Some(CaseId(5))
    );
    for none in [
        "Hotel search",
        "[Case #]",
        "[Case #12",
        "[Case #0] zero",
        "Case #12",
    ] {
        assert_eq!(case_from_subject(none), None, "{none}");
    }
}

#[test]
fn subject_is_one_line() {
    let r = render(
        Notice::Received,
        &MailContext {
            subject: "a\r\nBcc: x@y.z".into(),
            ..ctx()
        },
    );
    assert_eq!(r.subject, "[Case #1234] a Bcc: x@y.z");
}
