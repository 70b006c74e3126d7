//! Small formatting helpers shared by the page templates.

use frontdesk_domain::Timestamp;
use frontdesk_domain::cases::CaseStatus;
use frontdesk_domain::connections::ConnectionCaseStatus;

/// "23 Nov 2026, 19:50 UTC": unambiguous for partners in every country.
pub fn when(ts: Timestamp) -> String {
    let format = time::macros::format_description!(
        "[day padding:none] [month repr:short] [year], [hour]:[minute] UTC"
    );
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ts.0) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

/// The machine-readable form for `<time datetime>`.
pub fn iso(ts: Timestamp) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ts.0) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// The CSS modifier of a status badge.
pub fn status_class(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Open => "open",
        CaseStatus::InProgress => "progress",
        CaseStatus::FeedbackRequired => "waiting",
        CaseStatus::Resolved => "resolved",
        CaseStatus::Closed => "closed",
    }
}

/// A case's status label: a Connections case shows its access's
/// (Delivered, Pending Seller's Feedback, …).
pub fn case_status_label(status: CaseStatus, connection: Option<&str>) -> &'static str {
    connection
        .and_then(ConnectionCaseStatus::parse)
        .map_or_else(|| status.label(), ConnectionCaseStatus::label)
}

/// The one-line meaning matching [`case_status_label`].
pub fn case_status_meaning(status: CaseStatus, connection: Option<&str>) -> &'static str {
    connection
        .and_then(ConnectionCaseStatus::parse)
        .map_or_else(|| status.meaning(), ConnectionCaseStatus::meaning)
}

/// A human size: "512 B", "3.4 KB", "2.0 MB".
pub fn size(bytes: i64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.1} KB", b / 1024.0)
    } else {
        format!("{:.1} MB", b / (1024.0 * 1024.0))
    }
}

/// A query string from pairs, leaving out empty values.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let kept: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .copied()
        .collect();
    if kept.is_empty() {
        String::new()
    } else {
        format!("?{}", serde_urlencoded::to_string(kept).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_times_and_sizes() {
        assert_eq!(when(Timestamp(0)), "1 Jan 1970, 00:00 UTC");
        assert_eq!(iso(Timestamp(1_000)), "1970-01-01T00:00:01Z");
        assert_eq!(size(10), "10 B");
        assert_eq!(size(2048), "2.0 KB");
        assert_eq!(size(3 * 1024 * 1024), "3.0 MB");
    }

    #[test]
    fn queries_leave_out_empty_values_and_encode() {
        assert_eq!(query(&[("a", ""), ("q", "a&b c")]), "?q=a%26b+c");
        assert_eq!(query(&[("a", "")]), "");
    }
}
