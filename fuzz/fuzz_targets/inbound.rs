//! The inbound path's pure part on arbitrary bytes: MIME parsing, reply
//! trimming, loop detection and the case identifiers a message can carry.
//! Nothing may panic, loop or blow up memory.

#![no_main]

use frontdesk_mail::inbound::{Limits, parse, trim_reply};
use frontdesk_mail::{case_from_message_id, case_from_subject};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = parse(data, &Limits::default()) {
        let _ = trim_reply(&p.text);
        let _ = case_from_subject(&p.subject);
        for id in p.in_reply_to.iter().chain(&p.references) {
            let _ = case_from_message_id(id, "frontdesk.localhost");
        }
        assert!(p.attachments.len() <= Limits::default().max_attachments);
    }
});
