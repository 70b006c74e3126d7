//! One askama struct per template file. Each pair (`name.txt`,
//! `name.html`) shares the [`View`]; the HTML ones extend `layout.html`
//! and the text ones `layout.txt`.

use super::view::View;
use askama::Template;

macro_rules! mail_templates {
    ($($text:ident $text_path:tt, $html:ident $html_path:tt;)*) => {$(
        #[derive(Template)]
        #[template(path = $text_path)]
        pub(crate) struct $text<'a> {
            pub v: &'a View<'a>,
        }

        #[derive(Template)]
        #[template(path = $html_path)]
        pub(crate) struct $html<'a> {
            pub v: &'a View<'a>,
        }
    )*};
}

mail_templates! {
    ReceivedTxt "received.txt", ReceivedHtml "received.html";
    ReopenedTxt "reopened.txt", ReopenedHtml "reopened.html";
    StaffReplyTxt "staff_reply.txt", StaffReplyHtml "staff_reply.html";
    PartnerReplyTxt "partner_reply.txt", PartnerReplyHtml "partner_reply.html";
    ParticipantAddedTxt "participant_added.txt", ParticipantAddedHtml "participant_added.html";
    StatusChangedTxt "status_changed.txt", StatusChangedHtml "status_changed.html";
    ReminderTxt "reminder.txt", ReminderHtml "reminder.html";
    ClosedNoFeedbackTxt "closed_no_feedback.txt", ClosedNoFeedbackHtml "closed_no_feedback.html";
    ClosedAfterResolutionTxt "closed_after_resolution.txt",
        ClosedAfterResolutionHtml "closed_after_resolution.html";
    ClosedByPartnerTxt "closed_by_partner.txt", ClosedByPartnerHtml "closed_by_partner.html";
    ClosedCaseReplyTxt "closed_case_reply.txt", ClosedCaseReplyHtml "closed_case_reply.html";
}
