//! Importing the mini documentation site in `fixtures/docs`.

use std::path::Path;

use frontdesk_assistant::import::{ImportReport, ImportedArticle, read_dir};
use frontdesk_assistant::markdown::sections;

fn fixtures() -> ImportReport {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/docs");
    read_dir(&root, Some("https://docs.example.com")).expect("fixtures are readable")
}

fn article<'a>(report: &'a ImportReport, source_path: &str) -> &'a ImportedArticle {
    report
        .articles
        .iter()
        .find(|a| a.source_path == source_path)
        .unwrap_or_else(|| panic!("{source_path} imported"))
}

#[test]
fn imports_every_usable_page_in_path_order() {
    let report = fixtures();
    let paths: Vec<&str> = report
        .articles
        .iter()
        .map(|a| a.source_path.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "How to guides/Cancel a booking",
            "_index",
            "getting-started/_index",
            "getting-started/first-booking",
            "guides/diagrams",
            "guides/payments",
            "reference/enums/BookingStatus",
            "reference/objects/BookingInput",
        ]
    );
    let skipped: Vec<(String, &str)> = report
        .skipped
        .iter()
        .map(|s| {
            let name = s.path.file_name().map(|n| n.to_string_lossy().into_owned());
            (name.unwrap_or_default(), s.reason.as_str())
        })
        .collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert_eq!(skipped[0], ("draft-page.md".to_string(), "draft"));
    assert_eq!(skipped[1].0, "broken.md");
    assert!(
        skipped[1]
            .1
            .starts_with("broken TOML front matter: TOML parse error at line 1"),
        "{}",
        skipped[1].1
    );
}

#[test]
fn titles_slugs_categories_and_urls() {
    let report = fixtures();
    let expect = [
        (
            "How to guides/Cancel a booking",
            "Cancel a booking",
            "how-to-guides/cancel-a-booking",
            "Bookings",
        ),
        ("_index", "Parcelway documentation", "home", "General"),
        (
            "getting-started/_index",
            "Getting started",
            "getting-started",
            "Getting started",
        ),
        (
            "guides/payments",
            "Paying for bookings",
            "guides/payments",
            "Guides",
        ),
        (
            "reference/objects/BookingInput",
            "BookingInput",
            "reference/objects/bookinginput",
            "Reference",
        ),
    ];
    for (path, title, slug, category) in expect {
        let a = article(&report, path);
        assert_eq!(
            (a.title.as_str(), a.slug.as_str(), a.category.as_str()),
            (title, slug, category),
            "{path}"
        );
    }
    let a = article(&report, "getting-started/first-booking");
    assert_eq!(
        a.source_url.as_deref(),
        Some("https://docs.example.com/getting-started/first-booking/")
    );
    assert_eq!(
        article(&report, "_index").source_url.as_deref(),
        Some("https://docs.example.com/")
    );
}

#[test]
fn reference_pages_are_rebuilt_from_front_matter() {
    let report = fixtures();
    let body = &article(&report, "reference/objects/BookingInput").body;
    for expected in [
        "Everything the API needs to book a parcel pickup.",
        "`BookingInput` is a GraphQL input.",
        "- `quoteId` (ID!): Identifier returned by quoteParcel.",
        "  - argument `timezone` (String): IANA time zone of the window.",
        "- `senderPhone` (String): Phone number of the sender. (deprecated: Use contact.phone instead.)",
        "## Required by\n\n- `ParcelMutation`",
    ] {
        assert!(body.contains(expected), "{expected:?} missing from\n{body}");
    }
    assert!(
        !body.contains("{{") && !body.contains("GraphQL schema definition"),
        "{body}"
    );
    // The generated sections replace the emptied ones: one "Fields".
    let anchors: Vec<String> = sections(body).into_iter().map(|s| s.anchor).collect();
    assert_eq!(anchors, ["", "fields", "required-by"]);

    let body = &article(&report, "reference/enums/BookingStatus").body;
    assert!(
        body.contains("## Values\n\n- `CONFIRMED`: The courier accepted the pickup."),
        "{body}"
    );
    assert!(
        body.contains("- `PENDING` (deprecated: Replaced by ON_HOLD.)"),
        "{body}"
    );
}

#[test]
fn hugo_shortcodes_leave_clean_text() {
    let report = fixtures();
    let a = article(&report, "getting-started/first-booking");
    let body = &a.body;
    assert!(
        body.starts_with("Book a parcel pickup in three calls.\n\n"),
        "{body}"
    );
    assert!(
        body.contains("Read the quote guide before you start."),
        "{body}"
    );
    assert!(
        body.contains("**Warning:** Quotes expire after **15 minutes**"),
        "{body}"
    );
    assert!(
        body.contains("**Go**\n\nUse the generated client's `BookParcel` method."),
        "{body}"
    );
    assert!(
        body.contains("```go\nresp, err := client.BookParcel(ctx, quoteID)\n```"),
        "{body}"
    );
    assert!(body.contains("**curl**\n\nPost the mutation"), "{body}");
    assert!(!body.contains("{{") && !body.contains("}}"), "{body}");
    let steps = sections(body)
        .into_iter()
        .find(|s| s.heading == "Steps")
        .map(|s| s.steps)
        .unwrap_or_default();
    assert_eq!(
        steps,
        [
            "Ask for a quote with quoteParcel.",
            "Check the expiresAt field.",
            "Send bookParcel with the quote id."
        ]
    );
}

#[test]
fn mdx_pages_lose_their_code_but_keep_their_text() {
    let report = fixtures();
    let body = &article(&report, "guides/payments").body;
    for gone in [
        "import ",
        "export ",
        "<Tabs",
        "TabItem",
        "<Highlight",
        "{/*",
        ":::",
        "<details",
        "<summary",
    ] {
        assert!(!body.contains(gone), "{gone:?} left in\n{body}");
    }
    for kept in [
        "Parcelway charges the card on file",
        "**Tip:** Save on fees\n\nMonthly invoicing avoids a card fee per booking.",
        "**Card**\n\n```json\n{ \"method\": \"CARD\", \"cardToken\": \"tok_123\" }\n```",
        "**Invoice**\n\nAsk your account manager to enable invoicing.",
    ] {
        assert!(body.contains(kept), "{kept:?} missing from\n{body}");
    }
    let faq: Vec<(String, u8, String)> = sections(body)
        .into_iter()
        .filter(|s| s.trail == ["FAQ"])
        .map(|s| (s.anchor, s.level, s.text))
        .collect();
    assert_eq!(
        faq,
        [
            (
                "can-i-get-a-refund-for-a-cancelled-pickup".to_string(),
                3,
                "Yes. Cancel before the courier arrives and the charge is reversed within five days."
                    .to_string()
            ),
            ("which-currencies-are-accepted".to_string(), 3, "Euro and pound sterling.".to_string()),
        ]
    );
}

#[test]
fn html_pages_keep_text_and_lose_svg_and_scripts() {
    let report = fixtures();
    let body = &article(&report, "guides/diagrams").body;
    for gone in [
        "SVGLABEL",
        "M10.5",
        "<path",
        "SCRIPTCODE",
        "Old diagram",
        "<table",
        "<td",
    ] {
        assert!(!body.contains(gone), "{gone:?} left in\n{body}");
    }
    let text = frontdesk_assistant::markdown::plain_text(body);
    assert_eq!(
        text,
        "The pickup moves through three hubs.\nHub | Opening hours\nNorth | 06:00 to 22:00\n\
         South | 08:00 to 20:00 closed on Sundays\nEach hub scans the parcel's <OnRequest> label on arrival."
    );
}

#[test]
fn unusable_files_are_skipped_with_a_reason_and_slugs_stay_unique() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let write = |path: &str, bytes: &[u8]| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write");
    };
    write("a/b.md", b"# B page\n\nText.");
    write("a/b/_index.md", b"# B section\n\nText.");
    write("a/b/index.markdown", b"# B bundle\n\nText.");
    write("a/latin1.md", b"# Caf\xe9\n");
    write("a/huge.md", &vec![b'x'; 2 * 1024 * 1024 + 1]);
    write("a/empty.md", b"<!-- nothing -->\n");
    #[cfg(unix)]
    std::os::unix::fs::symlink(root.join("a/b.md"), root.join("a/link.md")).expect("symlink");

    let report = read_dir(root, None).expect("readable");
    let slugs: Vec<(&str, &str)> = report
        .articles
        .iter()
        .map(|a| (a.source_path.as_str(), a.slug.as_str()))
        .collect();
    assert_eq!(
        slugs,
        [
            ("a/b", "a/b"),
            ("a/b/_index", "a/b-2"),
            ("a/b/index", "a/b-3")
        ]
    );
    let reasons: Vec<(String, &str)> = report
        .skipped
        .iter()
        .map(|s| {
            (
                s.path
                    .strip_prefix(root)
                    .expect("under root")
                    .display()
                    .to_string(),
                s.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            ("a/empty.md".to_string(), "no title and no text"),
            ("a/huge.md".to_string(), "larger than 2 MB (2097153 bytes)"),
            (
                "a/latin1.md".to_string(),
                "not UTF-8 (invalid byte at offset 5)"
            ),
        ]
    );
    assert!(read_dir(&root.join("missing"), None).is_err());
}
