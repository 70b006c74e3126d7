use super::trim_reply;

#[test]
fn gmail_attribution_and_quotes_are_cut() {
    let text = "Thanks, that fixed it.\n\nOn Tue, Mar 12, 2024 at 10:04 AM Support <support@example.com> wrote:\n> Please restart the agent.\n>\n> Kind regards";
    assert_eq!(trim_reply(text), "Thanks, that fixed it.");
}

#[test]
fn attribution_wrapped_onto_two_lines_is_cut() {
    let text = "Works now.\n\nOn Tue, Mar 12, 2024 at 10:04 AM Support Team <\nsupport@example.com> wrote:\n\n> old";
    assert_eq!(trim_reply(text), "Works now.");
}

#[test]
fn localized_attributions_are_cut() {
    for line in [
        "Le mar. 12 mars 2024 à 10:04, Support <s@example.com> a écrit :",
        "El mar, 12 mar 2024 a las 10:04, Support (<s@example.com>) escribió:",
        "Am 12.03.2024 um 10:04 schrieb Support <s@example.com>:",
        "Op 12 mrt. 2024 om 10:04 schreef Support <s@example.com>:",
    ] {
        let text = format!("Merci\n\n{line}\n> ancien texte");
        assert_eq!(trim_reply(&text), "Merci", "{line}");
    }
}

#[test]
fn our_marker_cuts_even_when_quoted() {
    let text = "Here is the log you asked for.\n\n> ##- Please type your reply above this line -##\n> Hello,";
    assert_eq!(trim_reply(text), "Here is the log you asked for.");
    let unquoted = "Yes.\n##- Please type your reply above this line -##\nHello,";
    assert_eq!(trim_reply(unquoted), "Yes.");
}

#[test]
fn outlook_blocks_are_cut() {
    let original = "See attached.\n\n-----Original Message-----\nFrom: Support\nSent: Tuesday\nTo: Ana\nSubject: x\n\nold";
    assert_eq!(trim_reply(original), "See attached.");
    let block = "See attached.\n\nFrom: Support <s@example.com>\nSent: Tuesday, March 12, 2024 10:04 AM\nTo: Ana <a@example.com>\nSubject: RE: x\n\nold";
    assert_eq!(trim_reply(block), "See attached.");
    let french = "Voir pièce jointe.\n\n________________________________\nDe : Support <s@example.com>\nEnvoyé : mardi 12 mars 2024 10:04\nÀ : Ana\nObjet : x\n\nold";
    assert_eq!(trim_reply(french), "Voir pièce jointe.");
    let bold = "Ok\n\n*From:* Support\n*Sent:* Tuesday\n*To:* Ana\n*Subject:* x";
    assert_eq!(trim_reply(bold), "Ok");
}

#[test]
fn a_single_from_line_is_not_a_header_block() {
    let text = "From: the billing team, nobody answered.\nPlease check.";
    assert_eq!(trim_reply(text), text);
}

#[test]
fn signature_and_device_line_are_cut() {
    let text = "The printer works again.\n\n-- \nAna Lopez\nACME Corp";
    assert_eq!(trim_reply(text), "The printer works again.");
    let phone = "Yes, go ahead.\n\nSent from my iPhone\n\nOn 12 Mar 2024, at 10:04, Support <s@example.com> wrote:\n\n> old";
    assert_eq!(trim_reply(phone), "Yes, go ahead.");
}

#[test]
fn trailing_quote_block_without_attribution_is_cut_but_inline_answers_stay() {
    let trailing = "Agreed.\n\n> old line\n> older line\n";
    assert_eq!(trim_reply(trailing), "Agreed.");
    let inline = "> Does it crash?\nYes, every time.\n> Which version?\n4.2\n";
    assert_eq!(
        trim_reply(inline),
        "> Does it crash?\nYes, every time.\n> Which version?\n4.2"
    );
}

#[test]
fn forwards_are_kept() {
    let text = "Please look at this.\n\n---------- Forwarded message ---------\nFrom: Customer <c@example.com>\nDate: Tue, 12 Mar 2024\nSubject: Broken\nTo: Ana <a@example.com>\n\nIt is broken.";
    assert_eq!(trim_reply(text), text);
}

#[test]
fn nothing_left_returns_the_whole_text() {
    let text = "\n-----Original Message-----\nFrom: a\nSent: b\nTo: c\n\nOnly history\n";
    assert_eq!(
        trim_reply(text),
        "-----Original Message-----\nFrom: a\nSent: b\nTo: c\n\nOnly history"
    );
}

#[test]
fn bottom_posted_reply_is_found_below_the_quote() {
    let text = "On Tue, Mar 12, 2024 Support <s@example.com> wrote:\n> Does it work?\n\nYes it does.\n\n-- \nAna";
    assert_eq!(trim_reply(text), "Yes it does.");
}

#[test]
fn crlf_line_ends_are_understood() {
    assert_eq!(trim_reply("Fine.\r\n\r\n-- \r\nAna\r\n"), "Fine.");
}

#[test]
fn yahoo_dashes_and_wrapped_unknown_language_attributions_are_cut() {
    let yahoo = "Sounds great.\n\n--- On Wed, 4/4/12, Ana <ana@example.com> wrote:\n\nFrom: Ana <ana@example.com>\nSubject: x";
    assert_eq!(trim_reply(yahoo), "Sounds great.");
    let russian = "Привет\n\n02.04.2012 14:20 пользователь \"bob@example.com\" <\nbob@example.com> написал:\n\n> old";
    assert_eq!(trim_reply(russian), "Привет");
}

#[test]
fn a_colon_line_above_a_quote_without_address_stays() {
    let text = "Here is the log output:\n> ERROR disk full\n> ERROR disk full";
    assert_eq!(trim_reply(text), "Here is the log output:");
}

#[test]
fn a_forward_below_the_signature_is_kept() {
    let text = "FYI, see below.\n\n-- \nAna Lopez\n\n---------- Forwarded message ---------\nFrom: Customer <c@example.com>\nDate: Tue, 12 Mar 2024\nSubject: Broken\nTo: Ana <a@example.com>\n\nIt is broken.\n\n-- \nCustomer Inc.";
    assert_eq!(
        trim_reply(text),
        "FYI, see below.\n\n---------- Forwarded message ---------\nFrom: Customer <c@example.com>\nDate: Tue, 12 Mar 2024\nSubject: Broken\nTo: Ana <a@example.com>\n\nIt is broken."
    );
}

#[test]
fn header_block_starting_with_the_date_is_cut() {
    let text = "Passt, danke.\n\nGesendet: Mittwoch, 03. Februar 2016 um 12:43 Uhr\nVon: \"Support\" <s@example.com>\nAn: ana@example.com\nBetreff: Zugangsdaten\n\nold";
    assert_eq!(trim_reply(text), "Passt, danke.");
    let not_a_block = "Date: tomorrow\nTo: the team\nPlease confirm.";
    assert_eq!(trim_reply(not_a_block), not_a_block);
}

#[test]
fn underscores_followed_by_a_from_line_are_cut() {
    let text =
        "Done.\n\n________________________________\nFrom: Support <s@example.com>\n\nold text";
    assert_eq!(trim_reply(text), "Done.");
    let rule_only = "Table:\n__________\nvalue";
    assert_eq!(trim_reply(rule_only), rule_only);
}
