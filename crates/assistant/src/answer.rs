//! The answer engines behind one interface.

use crate::index::{IndexError, KbIndex, Retrieval};
use crate::llm::LlmEngine;
use crate::markdown::sentences;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

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
    /// Share (0..=1) of the question's weight this section (with its
    /// heading and title) holds.
    pub coverage: f32,
}

/// One source an answer used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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

/// Below this share of the question's weight found in the best section's
/// article, the knowledge base is taken not to answer it.
const MIN_COVERAGE: f32 = 0.3;
/// At most this many articles are referenced.
const MAX_REFERENCES: usize = 5;
const MAX_SUMMARY_CHARS: usize = 600;
const MAX_SNIPPET_CHARS: usize = 220;
const MAX_STEPS: usize = 12;

/// The default engine: deterministic, no model. It answers with the
/// sentences of the best section that carry most of the question's weight,
/// that section's ordered steps, and one reference per article found.
pub fn extractive(retrieval: &Retrieval, analyze: impl Fn(&str) -> Vec<String>) -> Reply {
    let Some(best) = retrieval.articles.first().and_then(|a| a.sections.first()) else {
        return no_answer(0.0);
    };
    let weights: HashMap<&str, f32> = retrieval
        .terms
        .iter()
        .map(|t| (t.text.as_str(), t.idf.max(0.0)))
        .collect();
    let confidence = retrieval.articles[0]
        .sections
        .iter()
        .map(|s| s.coverage)
        .fold(0.0_f32, f32::max);
    if confidence < MIN_COVERAGE {
        return no_answer(confidence);
    }

    // Ordered steps from the best section that has them, when it answers
    // nearly as well as the best one: a procedure is what partners need most.
    let candidates = retrieval.articles[0].sections.iter().take(2).chain(
        retrieval
            .articles
            .iter()
            .skip(1)
            .take(2)
            .filter_map(|a| a.sections.first()),
    );
    let steps: Vec<String> = candidates
        .filter(|s| !s.steps.is_empty())
        .find(|s| s.coverage >= best.coverage * 0.8 && s.score >= best.score * 0.5)
        .map(|s| {
            s.steps
                .iter()
                .take(MAX_STEPS)
                .map(|t| clip(t, 300))
                .collect()
        })
        .unwrap_or_default();
    let summary = summarize(best, &steps, &weights, &analyze);
    let references = retrieval
        .articles
        .iter()
        .take(MAX_REFERENCES)
        .filter_map(|a| a.sections.first())
        .map(|hit| reference(hit, &weights, &analyze))
        .collect();
    Reply {
        answer: Answer {
            summary,
            steps,
            references,
        },
        confidence,
        answered: true,
        engine: "extractive",
    }
}

/// The answer that admits there is none.
pub fn no_answer(confidence: f32) -> Reply {
    Reply {
        answer: Answer {
            summary: NO_ANSWER.to_owned(),
            steps: Vec::new(),
            references: Vec::new(),
        },
        confidence,
        answered: false,
        engine: "extractive",
    }
}

fn matched_terms(
    sentence: &str,
    weights: &HashMap<&str, f32>,
    analyze: &impl Fn(&str) -> Vec<String>,
) -> usize {
    let tokens: HashSet<String> = analyze(sentence).into_iter().collect();
    weights.keys().filter(|t| tokens.contains(**t)).count()
}

fn sentence_weight(
    sentence: &str,
    weights: &HashMap<&str, f32>,
    analyze: &impl Fn(&str) -> Vec<String>,
) -> f32 {
    let tokens: HashSet<String> = analyze(sentence).into_iter().collect();
    weights
        .iter()
        .filter(|(t, _)| tokens.contains(**t))
        .map(|(_, w)| *w)
        .sum()
}

/// Sentences without table rows, unless table rows are all there is: a
/// row read out of its table says little.
fn prose(sentences: Vec<&str>) -> Vec<&str> {
    let (rows, text): (Vec<&str>, Vec<&str>) =
        sentences.into_iter().partition(|s| s.contains(" | "));
    if text.is_empty() { rows } else { text }
}

/// The best sentences of a section, in their original order.
fn summarize(
    hit: &Hit,
    steps: &[String],
    weights: &HashMap<&str, f32>,
    analyze: &impl Fn(&str) -> Vec<String>,
) -> String {
    let sentences: Vec<&str> = prose(sentences(&hit.text))
        .into_iter()
        .filter(|s| {
            !steps
                .iter()
                .any(|step| step.starts_with(s) || s.starts_with(step.as_str()))
        })
        .collect();
    if sentences.is_empty() {
        return if steps.is_empty() {
            format!("See \"{}\".", section_name(hit))
        } else {
            format!("{}: follow these steps.", section_name(hit))
        };
    }
    let scored: Vec<(usize, f32)> = sentences
        .iter()
        .enumerate()
        .map(|(i, s)| (i, sentence_weight(s, weights, analyze)))
        .collect();
    let top = scored.iter().map(|(_, w)| *w).fold(0.0_f32, f32::max);
    let mut chosen: Vec<usize> = if top <= 0.0 {
        vec![0]
    } else {
        let mut by_weight = scored.clone();
        by_weight.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        // The best sentence, and up to two more nearly as good that share
        // more than one word with the question.
        let first = by_weight[0].0;
        std::iter::once(first)
            .chain(
                by_weight
                    .iter()
                    .skip(1)
                    .filter(|(i, w)| {
                        *w >= top * 0.6 && matched_terms(sentences[*i], weights, analyze) >= 2
                    })
                    .take(2)
                    .map(|(i, _)| *i),
            )
            .collect()
    };
    chosen.sort_unstable();
    let mut summary = String::new();
    for i in chosen {
        let s = sentences[i];
        if !summary.is_empty() && summary.len() + s.len() > MAX_SUMMARY_CHARS {
            break;
        }
        if !summary.is_empty() {
            summary.push(' ');
        }
        summary.push_str(s);
    }
    clip(&summary, MAX_SUMMARY_CHARS)
}

fn reference(
    hit: &Hit,
    weights: &HashMap<&str, f32>,
    analyze: &impl Fn(&str) -> Vec<String>,
) -> Reference {
    let snippet = prose(sentences(&hit.text))
        .into_iter()
        .map(|s| (sentence_weight(s, weights, analyze), s))
        .fold(None::<(f32, &str)>, |best, (w, s)| match best {
            Some((bw, _)) if bw >= w => best,
            _ => Some((w, s)),
        })
        .map(|(_, s)| clip(s, MAX_SNIPPET_CHARS))
        .unwrap_or_default();
    Reference {
        article_id: hit.article_id,
        title: hit.title.clone(),
        url: crate::section_url(&hit.slug, &hit.anchor),
        section: section_name(hit).to_owned(),
        snippet,
    }
}

fn section_name(hit: &Hit) -> &str {
    if hit.heading.is_empty() {
        &hit.title
    } else {
        &hit.heading
    }
}

/// `s` cut to at most `max` characters at a word boundary, with an ellipsis.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let cut: String = s.chars().take(max.saturating_sub(1)).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(i) if i > max / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end())
}

/// Answers questions: retrieval from the index, then the extractive engine,
/// then (when configured) the model, which falls back to the extractive
/// answer on any failure.
#[derive(Debug)]
pub struct Engine {
    pub index: std::sync::Arc<KbIndex>,
    pub llm: Option<LlmEngine>,
}

impl Engine {
    pub async fn ask(&self, question: &Question) -> Result<Reply, IndexError> {
        let index = self.index.clone();
        let q = question.clone();
        let (reply, hits) = tokio::task::spawn_blocking(move || {
            let retrieval = index.search(&q, MAX_REFERENCES * 2)?;
            let reply = extractive(&retrieval, |t| index.analyze(t));
            let hits: Vec<Hit> = retrieval
                .articles
                .iter()
                .flat_map(|a| a.sections.iter().take(2).cloned())
                .take(MAX_REFERENCES)
                .collect();
            Ok::<_, IndexError>((reply, hits))
        })
        .await
        .map_err(|e| IndexError::Io(std::io::Error::other(e.to_string())))??;
        match &self.llm {
            Some(llm) => Ok(llm.answer(question, &hits, reply).await),
            None => Ok(reply),
        }
    }
}
