//! Identifiers that tie a mail to its case, so a reply finds its way back
//! even when a mail client drops one of them: the Message-ID family (kept by
//! threading clients) and the plus-addressed reply address (kept by everyone
//! who presses Reply).

use frontdesk_domain::{CaseId, EmailAddress};

/// The id every mail of a case refers to first in `References`: a stable,
/// never-sent "root" so all notices of a case thread together.
pub fn thread_root(case_id: CaseId, domain: &str) -> String {
    format!("case-{}@{domain}", case_id.0)
}

/// A fresh, unique Message-ID (without brackets) naming its case:
/// `case-1234.0123456789abcdef@domain`.
pub fn new_message_id(case_id: CaseId, domain: &str) -> String {
    format!("case-{}.{:016x}@{domain}", case_id.0, rand::random::<u64>())
}

/// The case a Message-ID of ours (from [`thread_root`] or
/// [`new_message_id`], with or without brackets) belongs to.
pub fn case_from_message_id(id: &str, domain: &str) -> Option<CaseId> {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    let (local, dom) = id.rsplit_once('@')?;
    if !dom.eq_ignore_ascii_case(domain) {
        return None;
    }
    let rest = local.strip_prefix("case-")?;
    let digits = rest.split_once('.').map_or(rest, |(n, _)| n);
    parse_id(digits)
}

/// `support@frontdesk.local` becomes `support+case-1234@frontdesk.local`.
///
/// Should the result be invalid (a support local part so long that the tag
/// overflows 64 characters), the plain support address is returned: replies
/// then still reach the case through the headers and the subject tag.
pub fn reply_address(support: &EmailAddress, case_id: CaseId) -> EmailAddress {
    let raw = support.as_str();
    let (local, domain) = raw.rsplit_once('@').unwrap_or((raw, ""));
    EmailAddress::parse(&format!("{local}+case-{}@{domain}", case_id.0))
        .unwrap_or_else(|_| support.clone())
}

/// The case named by a reply address made by [`reply_address`]. Accepts
/// `Name <addr>` forms and any case; anything else is `None`.
pub fn case_from_reply_address(addr: &str, support: &EmailAddress) -> Option<CaseId> {
    let addr = match (addr.rfind('<'), addr.rfind('>')) {
        (Some(start), Some(end)) if start < end => &addr[start + 1..end],
        _ => addr,
    };
    let addr = EmailAddress::parse(addr).ok()?;
    let (local, domain) = addr.as_str().rsplit_once('@')?;
    let (support_local, support_domain) = support.as_str().rsplit_once('@')?;
    if domain != support_domain {
        return None;
    }
    parse_id(local.strip_prefix(support_local)?.strip_prefix("+case-")?)
}

fn parse_id(digits: &str) -> Option<CaseId> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0).map(CaseId)
}
