//! frontdesk's own help center, embedded in the binary for the demo.

/// (source path, Markdown with front matter).
pub const ARTICLES: &[(&str, &str)] = &[
    ("help/attaching-logs.md", include_str!("../help/attaching-logs.md")),
    ("help/case-categories.md", include_str!("../help/case-categories.md")),
    ("help/case-statuses.md", include_str!("../help/case-statuses.md")),
    ("help/closing-and-reopening-a-case.md", include_str!("../help/closing-and-reopening-a-case.md")),
    ("help/connection-not-working.md", include_str!("../help/connection-not-working.md")),
    ("help/connection-statuses-and-activation.md", include_str!("../help/connection-statuses-and-activation.md")),
    ("help/creating-a-case-with-aina.md", include_str!("../help/creating-a-case-with-aina.md")),
    ("help/participants-and-cc.md", include_str!("../help/participants-and-cc.md")),
    ("help/reminders-and-automatic-closing.md", include_str!("../help/reminders-and-automatic-closing.md")),
    ("help/replying-by-email.md", include_str!("../help/replying-by-email.md")),
    ("help/requesting-a-connection.md", include_str!("../help/requesting-a-connection.md")),
    ("help/signing-in-and-switching-organization.md", include_str!("../help/signing-in-and-switching-organization.md")),
    ("help/welcome-to-frontdesk.md", include_str!("../help/welcome-to-frontdesk.md")),
    ("help/what-aina-does.md", include_str!("../help/what-aina-does.md")),
];
