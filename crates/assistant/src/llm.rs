//! The optional answer engine: an OpenAI-compatible chat-completions model
//! writes the answer from the retrieved sections only.
//!
//! Retrieval stays ours. The model sees the numbered hits, must cite them,
//! and its reply is parsed and checked; anything doubtful (an error, a
//! timeout, no citation, a citation of a source it was not given) falls back
//! to the extractive engine's reply, so the model can make an answer better
//! but never invent one.

use crate::answer::{Answer, Hit, NO_ANSWER, Question, Reference, Reply};
use serde::Deserialize;
use serde_json::{Value, json};
use std::fmt;
use std::time::Duration;

/// Longest summary accepted from the model; beyond it the model rambles.
const MAX_SUMMARY_CHARS: usize = 2_000;
/// Most steps accepted from the model.
const MAX_STEPS: usize = 12;
/// Longest step accepted from the model.
const MAX_STEP_CHARS: usize = 500;
/// How much of a section's text the model sees.
const SOURCE_TEXT_CHARS: usize = 1_500;
/// How much of the partner's description the model sees.
const QUESTION_CHARS: usize = 4_000;
/// Length of a reference's snippet, as the extractive engine shows it.
const SNIPPET_CHARS: usize = 200;

const SYSTEM_PROMPT: &str = r#"You are AIna, the support assistant of a B2B support portal.
Answer the partner's question using ONLY the numbered sources in the user message. Never use outside knowledge and never guess.
Reply with one JSON object and nothing else, in exactly this shape:
{"answered": true, "summary": "...", "steps": ["...", "..."], "citations": [1, 3]}
- summary: a short, plain answer (at most a few sentences).
- steps: the instructions to follow, in order, when the sources give a procedure; otherwise [].
- citations: the numbers of the sources your answer uses, most important first. Cite at least one source. Cite only numbers that appear in the sources.
- Do not put source numbers in the summary or steps; list them in citations.
If the sources do not answer the question, reply exactly:
{"answered": false, "summary": "", "steps": [], "citations": []}"#;

fn default_timeout_ms() -> u64 {
    8_000
}

fn default_max_sections() -> usize {
    5
}

/// Where the model lives and how long to wait for it.
#[derive(Clone, Deserialize)]
pub struct LlmConfig {
    /// Base URL such as `http://127.0.0.1:8000/v1`; requests go to
    /// `{url}/chat/completions`.
    pub url: String,
    pub model: String,
    /// Sent as a bearer token; masked in `Debug` so it never reaches a log.
    #[serde(default)]
    pub api_key: Option<String>,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// How many of the best hits the model sees.
    #[serde(default = "default_max_sections")]
    pub max_sections: usize,
}

impl fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmConfig")
            .field("url", &self.url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "********"))
            .field("timeout_ms", &self.timeout_ms)
            .field("max_sections", &self.max_sections)
            .finish()
    }
}

/// Why the engine could not be built, or why an answer was discarded.
/// Messages never carry the key, the question or the model's text.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("invalid configuration: {0}")]
    Config(&'static str),
    #[error("request failed: {0}")]
    Request(#[from] reqwest::Error),
    #[error("the model endpoint answered HTTP {0}")]
    Status(u16),
    #[error("unusable reply from the model: {0}")]
    Reply(&'static str),
    #[error("the reply is not the expected JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// The model-backed engine; cheap to share, one HTTP client for its life.
#[derive(Debug)]
pub struct LlmEngine {
    client: reqwest::Client,
    endpoint: String,
    config: LlmConfig,
}

impl LlmEngine {
    pub fn new(config: LlmConfig) -> Result<Self, LlmError> {
        let base = config.url.trim().trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(LlmError::Config("url must start with http:// or https://"));
        }
        if config.model.trim().is_empty() {
            return Err(LlmError::Config("model must not be empty"));
        }
        if config.timeout_ms == 0 {
            return Err(LlmError::Config("timeout_ms must be positive"));
        }
        if config.max_sections == 0 {
            return Err(LlmError::Config("max_sections must be positive"));
        }
        // No redirects: the bearer token goes to the configured origin only.
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.timeout_ms))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            client,
            endpoint: format!("{base}/chat/completions"),
            config,
        })
    }

    /// Asks the model to answer from the hits only, citing them as [1],
    /// [2]…; falls back to `fallback` on any error, timeout, refusal to cite,
    /// or citation of a source it was not given.
    pub async fn answer(&self, question: &Question, hits: &[Hit], fallback: Reply) -> Reply {
        // What retrieval found nothing for, the model must not answer.
        if hits.is_empty() || !fallback.answered {
            return fallback;
        }
        let sources = &hits[..hits.len().min(self.config.max_sections)];
        match self.ask(question, sources).await {
            Ok(Parsed::Answered(answer)) => Reply {
                answer,
                confidence: fallback.confidence,
                answered: true,
                engine: "llm",
            },
            Ok(Parsed::NotAnswered) => Reply {
                answer: Answer {
                    summary: NO_ANSWER.to_owned(),
                    steps: Vec::new(),
                    references: Vec::new(),
                },
                confidence: fallback.confidence,
                answered: false,
                engine: "llm",
            },
            Err(error) => {
                tracing::warn!(%error, model = %self.config.model, "llm answer discarded; using the extractive reply");
                fallback
            }
        }
    }

    async fn ask(&self, question: &Question, sources: &[Hit]) -> Result<Parsed, LlmError> {
        let body = json!({
            "model": self.config.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": user_message(question, sources)},
            ],
        });
        let mut request = self.client.post(&self.endpoint).json(&body);
        if let Some(key) = &self.config.api_key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await?;
        let status = response.status();
        if !status.is_success() {
            return Err(LlmError::Status(status.as_u16()));
        }
        let completion: Value = serde_json::from_slice(&response.bytes().await?)?;
        let content = completion
            .pointer("/choices/0/message/content")
            .and_then(Value::as_str)
            .ok_or(LlmError::Reply("no choices[0].message.content"))?;
        parse_content(content, sources)
    }
}

/// The numbered sources, then the question.
fn user_message(question: &Question, sources: &[Hit]) -> String {
    let mut out = String::from("Sources:\n");
    for (i, hit) in sources.iter().enumerate() {
        out.push_str(&format!("\n[{}] {}\n", i + 1, hit.title));
        if !hit.heading.is_empty() {
            out.push_str(&format!("Section: {}\n", hit.heading));
        }
        out.push_str(&format!(
            "URL: {}\n",
            crate::section_url(&hit.slug, &hit.anchor)
        ));
        out.push_str(&format!(
            "Text:\n{}\n",
            truncate(hit.text.trim(), SOURCE_TEXT_CHARS)
        ));
        if !hit.steps.is_empty() {
            out.push_str("Steps:\n");
            for (n, step) in hit.steps.iter().take(MAX_STEPS).enumerate() {
                out.push_str(&format!(
                    "{}. {}\n",
                    n + 1,
                    truncate(step.trim(), MAX_STEP_CHARS)
                ));
            }
        }
    }
    out.push_str(&format!(
        "\nQuestion:\nSubject: {}\nDescription: {}\n",
        truncate(question.subject.trim(), 300),
        truncate(question.description.trim(), QUESTION_CHARS)
    ));
    out
}

/// What the model may say.
#[derive(Debug, Deserialize)]
struct ModelAnswer {
    answered: bool,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    steps: Vec<String>,
    #[serde(default)]
    citations: Vec<Value>,
}

#[derive(Debug, PartialEq)]
enum Parsed {
    Answered(Answer),
    NotAnswered,
}

/// Checks the model's JSON against the sources it was given.
fn parse_content(content: &str, sources: &[Hit]) -> Result<Parsed, LlmError> {
    let reply: ModelAnswer = serde_json::from_str(json_object(content))?;
    if !reply.answered {
        return Ok(Parsed::NotAnswered);
    }
    let mut cited: Vec<usize> = Vec::new();
    for c in &reply.citations {
        let n = citation_number(c).ok_or(LlmError::Reply("a citation is not a number"))?;
        if n == 0 || n > sources.len() {
            return Err(LlmError::Reply(
                "a citation names a source it was not given",
            ));
        }
        if !cited.contains(&n) {
            cited.push(n);
        }
    }
    if cited.is_empty() {
        return Err(LlmError::Reply("answered without citing a source"));
    }
    let summary = renumber(reply.summary.trim(), &mut cited, sources.len())?;
    if summary.is_empty() {
        return Err(LlmError::Reply("empty summary"));
    }
    if summary.chars().count() > MAX_SUMMARY_CHARS {
        return Err(LlmError::Reply("summary too long"));
    }
    let mut steps = Vec::new();
    for step in reply
        .steps
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        if step.chars().count() > MAX_STEP_CHARS {
            return Err(LlmError::Reply("step too long"));
        }
        steps.push(renumber(step, &mut cited, sources.len())?);
    }
    if steps.len() > MAX_STEPS {
        return Err(LlmError::Reply("too many steps"));
    }
    let references = cited.iter().map(|&n| reference(&sources[n - 1])).collect();
    Ok(Parsed::Answered(Answer {
        summary,
        steps,
        references,
    }))
}

/// The JSON object in the content: bare, in a ```json fence, or amid prose.
fn json_object(content: &str) -> &str {
    let text = content.trim();
    let text = match text.strip_prefix("```") {
        Some(rest) => {
            let body = rest.split_once('\n').map_or("", |(_, body)| body);
            body.trim_end().trim_end_matches("```")
        }
        None => text,
    };
    match (text.find('{'), text.rfind('}')) {
        (Some(start), Some(end)) if start < end => &text[start..=end],
        _ => text,
    }
}

/// `1`, `"1"` or `"[1]"`.
fn citation_number(value: &Value) -> Option<usize> {
    match value {
        Value::Number(n) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
        Value::String(s) => s.trim().trim_matches(['[', ']']).trim().parse().ok(),
        _ => None,
    }
}

/// Rewrites inline `[n]` markers (source numbers) to the position of that
/// source among the references the partner sees, so `[1]` always means the
/// first reference shown. A marker the citations lacked is cited after them.
fn renumber(text: &str, cited: &mut Vec<usize>, given: usize) -> Result<String, LlmError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let marker = after
            .find(']')
            .map(|close| (&after[..close], close))
            .filter(|(inner, _)| {
                !inner.is_empty() && inner.len() <= 3 && inner.bytes().all(|b| b.is_ascii_digit())
            });
        let Some((inner, close)) = marker else {
            out.push('[');
            rest = after;
            continue;
        };
        let n: usize = inner
            .parse()
            .map_err(|_| LlmError::Reply("bad inline citation"))?;
        if n == 0 || n > given {
            return Err(LlmError::Reply(
                "an inline citation names a source it was not given",
            ));
        }
        let position = match cited.iter().position(|&c| c == n) {
            Some(p) => p,
            None => {
                cited.push(n);
                cited.len() - 1
            }
        };
        out.push_str(&format!("[{}]", position + 1));
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A cited hit as a reference, the way the extractive engine builds them.
fn reference(hit: &Hit) -> Reference {
    Reference {
        article_id: hit.article_id,
        title: hit.title.clone(),
        url: crate::section_url(&hit.slug, &hit.anchor),
        section: if hit.heading.is_empty() {
            hit.title.clone()
        } else {
            hit.heading.clone()
        },
        snippet: snippet(&hit.text),
    }
}

/// The first ~200 characters of a section, whitespace collapsed.
fn snippet(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= SNIPPET_CHARS {
        return flat;
    }
    format!("{}…", truncate(&flat, SNIPPET_CHARS).trim_end())
}

/// At most `max` characters, cut on a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}
