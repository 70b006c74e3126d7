//! Attachment file names made safe to show and to save: the sender chooses
//! them, so they may carry directories (`../../etc/passwd`, `C:\x.exe`),
//! control characters, bidirectional overrides that disguise an extension
//! (`invoice\u{202e}fdp.exe`), or nothing at all.

/// Longest name kept, in characters.
const MAX_CHARS: usize = 200;

/// Extensions longer than this are not worth keeping whole when cutting.
const MAX_EXTENSION_CHARS: usize = 16;

/// The safe name for the `index`th attachment (1-based), from the name the
/// mail gave (already RFC 2231/2047-decoded by `mail-parser`), or
/// `attachment-N.ext` from its type when it gave none worth keeping.
pub(super) fn file_name(given: Option<&str>, index: usize, content_type: &str) -> String {
    let clean = given.map(clean).unwrap_or_default();
    if clean.is_empty() {
        format!("attachment-{index}.{}", extension_for(content_type))
    } else {
        clean
    }
}

fn clean(given: &str) -> String {
    let base = given.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_invisible_format(*c))
        .map(|c| if "<>:\"|?*".contains(c) { '_' } else { c })
        .collect();
    // Leading dots hide files or climb directories; trailing dots and
    // spaces are dropped by Windows and confuse extension checks.
    let name = name
        .trim_start_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace());
    cap(name)
}

/// Bidirectional controls and zero-width characters: invisible, and used
/// to make `exe` read as `pdf`.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
    )
}

/// At most [`MAX_CHARS`], cutting the stem so the extension survives.
fn cap(name: &str) -> String {
    if name.chars().count() <= MAX_CHARS {
        return name.to_owned();
    }
    match name.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty()
                && !ext.is_empty()
                && ext.chars().count() <= MAX_EXTENSION_CHARS =>
        {
            let keep = MAX_CHARS - 1 - ext.chars().count();
            let stem: String = stem.chars().take(keep).collect();
            format!("{}.{ext}", stem.trim_end())
        }
        _ => name.chars().take(MAX_CHARS).collect(),
    }
}

fn extension_for(content_type: &str) -> &'static str {
    match content_type {
        "text/plain" | "message/delivery-status" | "text/rfc822-headers" => "txt",
        "text/html" => "html",
        "text/calendar" => "ics",
        "text/csv" => "csv",
        "message/rfc822" => "eml",
        "message/disposition-notification" => "txt",
        "image/png" => "png",
        "image/jpeg" | "image/jpg" | "image/pjpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "application/pdf" => "pdf",
        "application/zip" => "zip",
        "application/json" => "json",
        _ => "bin",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_and_drive_letters_are_dropped() {
        assert_eq!(
            file_name(Some("../../etc/passwd"), 1, "text/plain"),
            "passwd"
        );
        assert_eq!(
            file_name(Some("C:\\Users\\ana\\report.pdf"), 1, ""),
            "report.pdf"
        );
        assert_eq!(file_name(Some("C:report.pdf"), 1, ""), "C_report.pdf");
        assert_eq!(
            file_name(Some(".."), 3, "application/pdf"),
            "attachment-3.pdf"
        );
        assert_eq!(file_name(Some(".htaccess"), 1, ""), "htaccess");
    }

    #[test]
    fn control_and_bidi_characters_are_removed() {
        assert_eq!(file_name(Some("in\u{0}vo\nice.pdf"), 1, ""), "invoice.pdf");
        assert_eq!(
            file_name(Some("invoice\u{202e}fdp.exe"), 1, ""),
            "invoicefdp.exe"
        );
        assert_eq!(file_name(Some("a<b>|c?.txt"), 1, ""), "a_b__c_.txt");
    }

    #[test]
    fn missing_names_get_a_numbered_one_from_the_type() {
        assert_eq!(
            file_name(None, 1, "application/x-unknown"),
            "attachment-1.bin"
        );
        assert_eq!(file_name(Some("  "), 2, "image/png"), "attachment-2.png");
        assert_eq!(file_name(None, 4, "message/rfc822"), "attachment-4.eml");
    }

    #[test]
    fn long_names_keep_their_extension() {
        let long = format!("{}.pdf", "x".repeat(300));
        let capped = file_name(Some(&long), 1, "");
        assert_eq!(capped.chars().count(), 200);
        assert!(capped.ends_with("x.pdf"));
        let no_ext = "é".repeat(250);
        assert_eq!(file_name(Some(&no_ext), 1, "").chars().count(), 200);
    }
}
