fn to_text(html: &str) -> String {
    super::to_text(html, usize::MAX)
}

#[test]
fn blocks_break_lines_and_paragraphs_get_a_blank_line() {
    let html = "<div dir=\"ltr\">Hello,<div><br></div><div>the export fails.</div>\
                <p>Second</p><p>Third</p></div>";
    assert_eq!(
        to_text(html),
        "Hello,\n\nthe export fails.\n\nSecond\n\nThird"
    );
}

#[test]
fn script_style_head_and_comments_are_dropped() {
    let html = "<html><head><title>T</title><style>p{color:red}</style></head>\
                <body><script>alert('x<y')</script><!-- note -->Visible</body></html>";
    assert_eq!(to_text(html), "Visible");
}

#[test]
fn links_keep_their_text_and_show_their_target() {
    let html = "See <a href=\"https://status.example.com/?a=1&amp;b=2\">the status page</a>, \
                or <A HREF='https://example.com'>https://example.com</A>, \
                or <a href=\"mailto:x@example.com\">mail us</a>.";
    assert_eq!(
        to_text(html),
        "See the status page <https://status.example.com/?a=1&b=2>, or https://example.com, or mail us."
    );
}

#[test]
fn entities_are_decoded() {
    assert_eq!(
        to_text("caf&eacute; &amp; cr&#232;me &#x2013; &lt;b&gt; &bogus; a&b"),
        "café & crème – <b> &bogus; a&b"
    );
}

#[test]
fn blockquotes_become_quoted_lines() {
    let html = "<div>Thanks!</div><div class=\"gmail_quote\"><div>On Tue, Ana wrote:<br></div>\
                <blockquote class=\"gmail_quote\"><div>First</div><div><br></div><div>Second</div>\
                </blockquote></div>";
    assert_eq!(
        to_text(html),
        "Thanks!\nOn Tue, Ana wrote:\n> First\n>\n> Second"
    );
}

#[test]
fn outlook_paragraphs_are_single_lines_and_nbsp_paragraphs_blank() {
    let html = "<p class=MsoNormal>Hi,<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>\
                <p class=MsoNormal>line one<o:p></o:p></p><p class=MsoNormal>line two</p>";
    assert_eq!(to_text(html), "Hi,\n\nline one\nline two");
}

#[test]
fn lists_tables_and_rules() {
    let html = "<ul><li>one</li><li>two</li></ul><table><tr><td>a</td><td>b</td></tr>\
                <tr><td>c</td><td>d</td></tr></table><hr><b>From:</b> x";
    assert_eq!(
        to_text(html),
        "- one\n- two\na b\nc d\n________________________________\nFrom: x"
    );
}

#[test]
fn broken_markup_does_not_lose_text() {
    assert_eq!(to_text("a < b and c<d"), "a < b and c");
    assert_eq!(to_text("x <!-- never closed"), "x");
    assert_eq!(to_text("<p>unclosed <b>bold"), "unclosed bold");
    assert_eq!(to_text("<style>no end"), "");
    assert_eq!(to_text("<pre>  keep\n    this</pre>"), "  keep\n    this");
}

#[test]
fn hostile_nesting_and_size_are_bounded() {
    let deep = "<blockquote>".repeat(50) + "x";
    assert_eq!(to_text(&deep), format!("{} x", ">".repeat(8)));
    let long = "<p>word</p>".repeat(1000);
    assert!(super::to_text(&long, 100).len() < 120);
}
