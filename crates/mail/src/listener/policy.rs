//! Small rules of the session, kept apart so they read (and test) alone.

use smtp_proto::{MAIL_BODY_7BIT, MAIL_BODY_8BITMIME, MAIL_SMTPUTF8, MailFrom};

/// Longest sink text we put into a reply line.
const MAX_REJECTION_TEXT: usize = 400;

/// MAIL parameters we advertise: SIZE, BODY=7BIT/8BITMIME and SMTPUTF8.
/// Anything else (DSN, REQUIRETLS, BINARYMIME, ...) is refused, as RFC
/// 5321 asks for parameters a server cannot honour.
pub(super) fn mail_params_supported(from: &MailFrom<String>) -> bool {
    let known_flags = MAIL_BODY_7BIT | MAIL_BODY_8BITMIME | MAIL_SMTPUTF8;
    from.flags & !known_flags == 0
        && from.trans_id.is_none()
        && from.by == 0
        && from.env_id.is_none()
        && from.solicit.is_none()
        && from.mtrk.is_none()
        && from.auth.is_none()
        && from.hold_for == 0
        && from.hold_until == 0
        && from.mt_priority == 0
}

/// Whether `address` is in one of our domains. Plus addressing
/// (`support+case-7@…`) is just a local part here.
pub(super) fn accepts(domains: &[String], address: &str) -> bool {
    address.rsplit_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domains.iter().any(|d| d.eq_ignore_ascii_case(domain))
    })
}

/// Sink text made safe for one reply line: no control characters (which
/// could forge further replies), bounded length.
pub(super) fn reply_text(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = if c.is_control() { ' ' } else { c };
        if out.len() + c.len_utf8() > MAX_REJECTION_TEXT {
            break;
        }
        out.push(c);
    }
    if out.trim().is_empty() {
        return "Rejected".into();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_match_case_insensitively_and_plus_is_a_local_part() {
        let domains = vec!["Support.Example".to_owned()];
        assert!(accepts(&domains, "support+case-12@support.example"));
        assert!(accepts(&domains, "x@SUPPORT.EXAMPLE"));
        assert!(!accepts(&domains, "x@support.example.evil"));
        assert!(!accepts(&domains, "@support.example"));
        assert!(!accepts(&domains, "support.example"));
    }

    #[test]
    fn reply_text_drops_line_breaks_and_is_bounded() {
        assert_eq!(reply_text("a\r\n250 ok"), "a  250 ok");
        assert_eq!(reply_text(&"é".repeat(500)).len(), MAX_REJECTION_TEXT);
        assert_eq!(reply_text("\r\n"), "Rejected");
    }
}
