//! The answer engines behind one interface.

use serde::Serialize;

/// What a partner asked.
#[derive(Debug, Clone, Default)]
pub struct Question {
    pub subject: String,
    pub description: String,
}

/// A section the index found for a question, best first.
#[derive(Debug, Clone)]
pub struct Hit {
    pub article_id: i64,
    pub slug: String,
    pub title: String,
    /// The section's anchor; empty for an article's opening text.
    pub anchor: String,
    /// The section's heading; empty for an article's opening text.
    pub heading: String,
    pub text: String,
    pub steps: Vec<String>,
    pub score: f32,
}

/// One source an answer used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reference {
    #[serde(skip)]
    pub article_id: i64,
    pub title: String,
    /// `/kb/{slug}#{anchor}`.
    pub url: String,
    /// The section's heading, or the article's title for its opening text.
    pub section: String,
    pub snippet: String,
}

/// An answer as the partner sees it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Answer {
    pub summary: String,
    pub steps: Vec<String>,
    pub references: Vec<Reference>,
}

/// An engine's reply: the answer, how sure it is (0..=1), and whether it
/// answers at all (`false`: the knowledge base has nothing relevant and the
/// summary says so plainly).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reply {
    pub answer: Answer,
    pub confidence: f32,
    pub answered: bool,
    /// Which engine produced it: `extractive` or `llm`.
    pub engine: &'static str,
}

/// The sentence AIna says when it has no answer.
pub const NO_ANSWER: &str = "I could not find anything in the knowledge base that answers this. \
Choose \"No, I still need help\" and our team will take it from here.";
