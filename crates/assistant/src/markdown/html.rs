//! Markdown as HTML that is safe to put in a page.
//!
//! Article bodies come from imports and staff, so nothing in them reaches
//! the page as markup: raw HTML becomes text and only harmless URL schemes
//! survive in links and images.

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

/// Renders the events; `anchors` are the heading ids in document order.
pub(super) fn render<'a>(
    events: impl Iterator<Item = Event<'a>>,
    anchors: impl Iterator<Item = String>,
) -> String {
    let mut anchors = anchors;
    let mut out_events: Vec<Event<'a>> = Vec::new();
    // Whether each open link keeps its `<a>`.
    let mut links: Vec<bool> = Vec::new();
    // Nesting depth inside a dropped image.
    let mut dropped_image = 0usize;
    for event in events {
        if dropped_image > 0 {
            match event {
                Event::Start(Tag::Image { .. }) => dropped_image += 1,
                Event::End(TagEnd::Image) => dropped_image -= 1,
                _ => {}
            }
            continue;
        }
        let event = match event {
            Event::Start(Tag::Heading { level, .. }) => Event::Start(Tag::Heading {
                level,
                id: anchors.next().map(CowStr::from),
                classes: Vec::new(),
                attrs: Vec::new(),
            }),
            Event::Html(t) | Event::InlineHtml(t) => Event::Text(t),
            Event::Start(Tag::HtmlBlock) => Event::Start(Tag::Paragraph),
            Event::End(TagEnd::HtmlBlock) => Event::End(TagEnd::Paragraph),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let safe = safe_url(&dest_url);
                links.push(safe);
                if !safe {
                    continue;
                }
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::End(TagEnd::Link) => {
                if !links.pop().unwrap_or(false) {
                    continue;
                }
                Event::End(TagEnd::Link)
            }
            Event::Start(Tag::Image { ref dest_url, .. }) if !safe_url(dest_url) => {
                dropped_image = 1;
                continue;
            }
            other => other,
        };
        out_events.push(event);
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, out_events.into_iter());
    html
}

/// Whether a link or image may point at `url`: http, https, mailto, or
/// relative. Browsers ignore control characters and spaces inside a
/// scheme (`java\tscript:`), so those are dropped before looking.
pub(crate) fn safe_url(url: &str) -> bool {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .collect();
    let scheme_end = cleaned.find([':', '/', '?', '#']);
    match scheme_end {
        Some(i) if cleaned[i..].starts_with(':') => {
            let scheme = cleaned[..i].to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto")
        }
        _ => true,
    }
}
