use super::*;

#[test]
fn anchors_follow_github() {
    assert_eq!(anchor("Hello, World!"), "hello-world");
    assert_eq!(anchor("Step 1: Search (v2.1)"), "step-1-search-v21");
    assert_eq!(anchor("  a -- b  "), "a-b");
    assert_eq!(anchor("Über GRÖSSE"), "über-grösse");
    assert_eq!(anchor("check_booking_status"), "check_booking_status");
    assert_eq!(anchor("C++ / Rust"), "c-rust");
    assert_eq!(anchor("?!"), "section");
    assert_eq!(anchor(""), "section");
}

#[test]
fn repeated_headings_get_numbered_anchors() {
    let s = sections("# Setup\n## Notes\n## Notes\n## Notes-1\n## ?\n## !\n");
    let anchors: Vec<&str> = s.iter().map(|s| s.anchor.as_str()).collect();
    assert_eq!(
        anchors,
        [
            "setup",
            "notes",
            "notes-1",
            "notes-1-1",
            "section",
            "section-1"
        ]
    );
}

#[test]
fn sections_carry_heading_trail_and_text() {
    let body = "Intro *text*.\n\n# Guide\n\nFirst para\nwraps.\n\n## Search\n\nSee [the docs](https://x.y/z) and ![diagram](d.png).\n\n### Filters\n\n- one\n- two\n\n## Book\n\n| Code | Meaning |\n|---|---|\n| `E1` | Bad **input** |\n\n```rust\nfn search_hotels() {}\nlet x = 1;\n```\n";
    let s = sections(body);
    assert_eq!(s.len(), 5);
    assert_eq!(
        (s[0].level, s[0].anchor.as_str(), s[0].text.as_str()),
        (0, "", "Intro text.")
    );
    assert_eq!(s[1].text, "First para wraps.");
    assert_eq!(s[2].heading, "Search");
    assert_eq!(s[2].trail, ["Guide"]);
    assert_eq!(s[2].text, "See the docs and diagram.");
    assert_eq!(s[3].trail, ["Guide", "Search"]);
    assert_eq!(s[3].level, 3);
    assert_eq!(s[3].text, "one\ntwo");
    assert_eq!(s[4].trail, ["Guide"]);
    assert_eq!(
        s[4].text,
        "Code | Meaning\nE1 | Bad input\nfn search_hotels() {}\nlet x = 1;"
    );
}

#[test]
fn empty_preamble_is_omitted_and_empty_headings_kept() {
    let s = sections("\n# Only\n## Empty\n");
    assert_eq!(s.len(), 2);
    assert_eq!(s[1].text, "");
    assert!(sections("").is_empty());
}

#[test]
fn raw_html_keeps_text_but_not_scripts_or_svg() {
    let body = "A <b>bold</b> move<script>alert(1)</script>.\n\n<div class=\"x\">\n<p>Kept &amp; shown</p>\n<svg><path d=\"M0\"/><text>junk</text></svg>\n</div>\n\n<style>p{}</style>\n\nEnd\n";
    let s = sections(body);
    assert_eq!(s[0].text, "A bold move.\nKept & shown\nEnd");
}

#[test]
fn steps_are_ordered_items_with_nested_content_folded() {
    let body = "## Steps\n\n- not a step\n\n1. Open **Settings**.\n2. Pick a plan:\n   - Basic\n   - Pro\n3. Save.\n\n   More about saving.\n";
    let s = sections(body);
    assert_eq!(
        s[0].steps,
        [
            "Open Settings.",
            "Pick a plan: Basic Pro",
            "Save. More about saving."
        ]
    );
    assert!(
        s[0].text
            .starts_with("not a step\nOpen Settings.\nPick a plan:\nBasic")
    );
    assert!(sections("# Steps\n\n- a\n- b\n")[0].steps.is_empty());
}

#[test]
fn plain_text_joins_sections() {
    assert_eq!(
        plain_text("Lead.\n\n# H\n\nBody.\n\n# Empty\n"),
        "Lead.\nBody."
    );
}

#[test]
fn sentences_split_where_sentences_end() {
    let text = "Use v1.2 of the API, e.g. Hotel-X. It costs 1.5 EUR! Is it https://a.b/c.d? Yes etc. and more. 2 options remain\nNew line";
    assert_eq!(
        sentences(text),
        [
            "Use v1.2 of the API, e.g. Hotel-X.",
            "It costs 1.5 EUR!",
            "Is it https://a.b/c.d?",
            "Yes etc. and more.",
            "2 options remain",
            "New line"
        ]
    );
    assert_eq!(
        sentences("He said \"Stop.\" Then left. i.e. Nothing"),
        ["He said \"Stop.\"", "Then left. i.e. Nothing"]
    );
    assert!(sentences(" \n\n ").is_empty());
}

#[test]
fn html_has_anchors_tables_and_safe_links() {
    let html = to_html(
        "# Intro\n\n# Intro\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[ok](https://x.y/?a=1&b=2) [rel](../p) [mail](mailto:a@b.c)\n",
    );
    assert!(html.contains("<h1 id=\"intro\">Intro</h1>"), "{html}");
    assert!(html.contains("<h1 id=\"intro-1\">"), "{html}");
    assert!(
        html.contains("<table>") && html.contains("<td>1</td>"),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"https://x.y/?a=1&amp;b=2\">ok</a>"),
        "{html}"
    );
    assert!(html.contains("<a href=\"../p\">rel</a>"), "{html}");
    assert!(html.contains("<a href=\"mailto:a@b.c\">mail</a>"), "{html}");
}

const ALLOWED: &[&str] = &["p", "h1", "h2", "a", "pre", "code"];

/// Every attack must come out without a live tag, attribute or URL.
#[test]
fn html_is_xss_proof() {
    let cases = [
        "<script>alert(1)</script>",
        "inline <script>alert(1)</script> too",
        "[x](javascript:alert(1))",
        "[x](JaVa\tScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "<img src=x onerror=alert(1)>",
        "text <img src=x onerror=alert(1)> text",
        "![a](data:text/html,<script>alert(1)</script>)",
        "![a](javascript:alert(1))",
        "<javascript:alert(1)>",
        "[x]: javascript:alert(1)\n\n[link][x]",
        "# <img src=x onerror=alert(1)> Title",
        "## Title <script>alert(1)</script>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<iframe src=\"https://evil\"></iframe>",
        "```\"><script>alert(1)</script>\ncode\n```",
        "[x](https://ok \"title\\\" onmouseover=alert(1)\")",
        "<div onclick=alert(1)>\n\nclick\n\n</div>",
    ];
    for case in cases {
        let html = to_html(case);
        // Text `<` is escaped, so every `<` left opens a real tag.
        for tag in html.split('<').skip(1) {
            let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
            let name = tag
                .trim_start_matches('/')
                .split([' ', '>'])
                .next()
                .unwrap_or("");
            assert!(ALLOWED.contains(&name), "{case:?} gave {html:?}");
            // Attribute names, with quoted values blanked (quotes inside
            // values are escaped, so the first `"` closes).
            let mut names = String::new();
            for (i, part) in tag.split('"').enumerate() {
                if i % 2 == 0 {
                    names.push_str(part);
                }
            }
            for attr in names.split(' ').skip(1).filter(|a| !a.is_empty()) {
                assert!(
                    ["id=", "href=", "title=", "class="].contains(&attr),
                    "{case:?} gave {html:?}"
                );
            }
            if let Some(href) = tag.split("href=\"").nth(1) {
                assert!(href.starts_with("https://ok\""), "{case:?} gave {html:?}");
            }
        }
    }
    let html =
        to_html("# <img src=x onerror=alert(1)> Title\n\n[x](javascript:alert(1))\n\n![a](data:x)");
    assert!(
        html.contains("<h1 id=\"title\">&lt;img src=x onerror=alert(1)&gt; Title</h1>"),
        "{html}"
    );
    assert!(
        html.contains("<p>x</p>"),
        "link text is kept without the link: {html}"
    );
    assert!(!html.contains("<img"), "{html}");
}
