//! Markdown split into sections at every heading, as plain text.

use pulldown_cmark::{Event, Tag, TagEnd};

use super::Section;
use super::anchor::Anchors;
use super::strip::HtmlText;

/// Walks the events of one article and collects its sections.
pub(super) fn collect<'a>(events: impl Iterator<Item = Event<'a>>) -> Vec<Section> {
    let mut w = Walker::default();
    for event in events {
        w.event(event);
    }
    w.finish()
}

/// An ordered-list item being collected as a step.
#[derive(Debug)]
struct Step {
    /// The item depth the step started at; deeper items fold into it.
    depth: usize,
    text: String,
}

#[derive(Debug, Default)]
struct Walker {
    done: Vec<Section>,
    current: Option<Section>,
    lines: Vec<String>,
    line: String,
    /// The heading being read: its level and text so far.
    heading: Option<(u8, String)>,
    /// Open headings, outermost first, for the trail.
    open: Vec<(u8, String)>,
    anchors: Anchors,
    /// One entry per open list: whether it is ordered.
    lists: Vec<bool>,
    items: usize,
    step: Option<Step>,
    steps: Vec<String>,
    code: bool,
    html: HtmlText,
}

impl Walker {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) if self.code => {
                for (i, l) in t.split('\n').enumerate() {
                    if i > 0 {
                        self.flush();
                    }
                    self.push(l);
                }
            }
            Event::Text(t) | Event::Code(t) if !self.html.skipping() => self.push(&t),
            Event::Html(t) | Event::InlineHtml(t) => {
                let mut text = String::new();
                self.html.feed(&t, &mut text);
                for (i, l) in text.split('\n').enumerate() {
                    if i > 0 {
                        self.flush();
                    }
                    self.push(l);
                }
            }
            Event::SoftBreak | Event::HardBreak => self.push(" "),
            Event::Rule => self.flush(),
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Heading { level, .. } => {
                self.flush();
                self.close_section();
                self.html = HtmlText::default();
                self.heading = Some((level as u8, String::new()));
            }
            Tag::Item => {
                self.flush();
                self.items += 1;
                if self.step.is_none() && self.lists.last() == Some(&true) {
                    self.step = Some(Step {
                        depth: self.items,
                        text: String::new(),
                    });
                }
            }
            Tag::List(first) => {
                self.flush();
                self.lists.push(first.is_some());
            }
            Tag::CodeBlock(_) => {
                self.flush();
                self.code = true;
            }
            Tag::Paragraph | Tag::TableHead | Tag::TableRow | Tag::BlockQuote(_) => self.flush(),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(_) => self.open_section(),
            TagEnd::Item => {
                self.flush();
                if self.step.as_ref().is_some_and(|s| s.depth == self.items)
                    && let Some(step) = self.step.take()
                {
                    let text = squash(&step.text);
                    if !text.is_empty() {
                        self.steps.push(text);
                    }
                }
                self.items = self.items.saturating_sub(1);
            }
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
            }
            TagEnd::CodeBlock => {
                self.flush();
                self.code = false;
            }
            TagEnd::TableCell => self.push(" | "),
            TagEnd::TableHead | TagEnd::TableRow => {
                let row = self.line.trim_end().trim_end_matches('|').to_string();
                self.line = row;
                self.flush();
            }
            TagEnd::Paragraph | TagEnd::HtmlBlock | TagEnd::BlockQuote(_) => self.flush(),
            _ => {}
        }
    }

    fn push(&mut self, s: &str) {
        if let Some((_, heading)) = &mut self.heading {
            heading.push_str(s);
            return;
        }
        self.line.push_str(s);
        if let Some(step) = &mut self.step {
            step.text.push_str(s);
        }
    }

    /// Ends the current line of text.
    fn flush(&mut self) {
        if self.heading.is_some() {
            return;
        }
        let line = squash(&self.line);
        self.line.clear();
        if !line.is_empty() {
            self.lines.push(line);
            if let Some(step) = &mut self.step {
                step.text.push(' ');
            }
        }
    }

    fn open_section(&mut self) {
        let Some((level, text)) = self.heading.take() else {
            return;
        };
        let heading = squash(&text);
        while self.open.last().is_some_and(|(l, _)| *l >= level) {
            self.open.pop();
        }
        let trail = self.open.iter().map(|(_, h)| h.clone()).collect();
        self.current = Some(Section {
            anchor: self.anchors.next(&heading),
            heading: heading.clone(),
            level,
            trail,
            text: String::new(),
            steps: Vec::new(),
        });
        self.open.push((level, heading));
    }

    fn close_section(&mut self) {
        let text = std::mem::take(&mut self.lines).join("\n");
        let steps = std::mem::take(&mut self.steps);
        match self.current.take() {
            Some(mut s) => {
                s.text = text;
                s.steps = steps;
                self.done.push(s);
            }
            None if !text.is_empty() => self.done.push(Section {
                anchor: String::new(),
                heading: String::new(),
                level: 0,
                trail: Vec::new(),
                text,
                steps,
            }),
            None => {}
        }
    }

    fn finish(mut self) -> Vec<Section> {
        self.flush();
        if self.heading.is_some() {
            self.open_section();
        }
        if let Some(step) = self.step.take() {
            let text = squash(&step.text);
            if !text.is_empty() {
                self.steps.push(text);
            }
        }
        self.close_section();
        self.done
    }
}

/// Runs of whitespace as one space, trimmed.
pub(super) fn squash(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}
