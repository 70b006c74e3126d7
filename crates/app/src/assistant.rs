//! AIna's conversations: questions and answers in sessions, the partner's
//! verdict on them, the hand-over to a case, and what staff learn from it.

use crate::{App, AppError, AppResult, Caller, FieldError};
use frontdesk_assistant::answer::{Question, Reply};
use frontdesk_domain::Timestamp;
use frontdesk_domain::cases;
use frontdesk_store::assistant::{AssistantStats, QuestionInput};
use rand::RngCore;

/// What the partner asks; `session_id` continues a session (a rephrased
/// question).
#[derive(Debug, Clone, Default)]
pub struct AskInput {
    pub subject: String,
    pub description: String,
    pub session_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Asked {
    pub session_id: String,
    pub reply: Reply,
}

/// The partner's verdict on an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Solved,
    Rephrase,
    NeedHelp,
}

impl Outcome {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "solved" => Some(Self::Solved),
            "rephrase" => Some(Self::Rephrase),
            "need_help" => Some(Self::NeedHelp),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Solved => "solved",
            Self::Rephrase => "rephrase",
            Self::NeedHelp => "need_help",
        }
    }
}

/// Assistant analytics over a period.
#[derive(Debug, Clone)]
pub struct Stats {
    pub from: Timestamp,
    pub to: Timestamp,
    /// Solved / sessions with feedback; `None` without feedback.
    pub deflection_rate: Option<f64>,
    pub raw: AssistantStats,
}

/// The description may carry logs pasted in; the question is what matters.
const MAX_DESCRIPTION: usize = 20_000;

impl App {
    /// Answers a partner's question from the knowledge base, recording it in
    /// the session (a new one unless `session_id` continues one of theirs).
    pub async fn ask(&self, caller: &Caller, input: AskInput) -> AppResult<Asked> {
        let partner = caller.partner()?;
        let (subject, description) = validate_question(&input)?;
        let now = self.now();
        let existing = match &input.session_id {
            Some(id) => {
                let session = self
                    .store
                    .assistant_session(id, partner.org, partner.user)
                    .await?
                    .ok_or(AppError::NotFound("assistant session"))?;
                if let Some(case) = session.case_id {
                    return Err(AppError::Conflict(format!(
                        "this session already became case #{}; start a new question",
                        case.0
                    )));
                }
                Some(session.id)
            }
            None => None,
        };
        let question = Question {
            subject: subject.clone(),
            description: description.clone(),
        };
        let reply = self
            .kb
            .engine
            .ask(&question)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let answer_json =
            serde_json::to_string(&reply.answer).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut referenced: Vec<i64> = Vec::new();
        for r in &reply.answer.references {
            if !referenced.contains(&r.article_id) {
                referenced.push(r.article_id);
            }
        }
        let record = QuestionInput {
            topic: topic_of(&subject),
            subject,
            description,
            answered: reply.answered,
            confidence: f64::from(reply.confidence),
            answer_json,
            engine: reply.engine.to_owned(),
            referenced,
        };
        let mut tx = self.store.begin().await?;
        let session_id = match existing {
            Some(id) => id,
            None => {
                let id = new_session_id();
                tx.create_session(&id, partner.org, partner.user, now)
                    .await?;
                id
            }
        };
        tx.add_question(&session_id, &record, now).await?;
        tx.commit().await?;
        metrics::counter!("frontdesk_assistant_questions_total", "answered" => if reply.answered { "true" } else { "false" })
            .increment(1);
        Ok(Asked { session_id, reply })
    }

    /// Records the partner's verdict on the session's latest answer.
    pub async fn assistant_feedback(
        &self,
        caller: &Caller,
        session_id: &str,
        outcome: Outcome,
    ) -> AppResult<()> {
        let partner = caller.partner()?;
        let session = self
            .store
            .assistant_session(session_id, partner.org, partner.user)
            .await?
            .ok_or(AppError::NotFound("assistant session"))?;
        if let Some(case) = session.case_id {
            return Err(AppError::Conflict(format!(
                "this session already became case #{}",
                case.0
            )));
        }
        let mut tx = self.store.begin().await?;
        tx.set_feedback(&session.id, outcome.as_str(), self.now())
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The internal note a case created from `session_id` carries: what
    /// AIna already suggested. Checked to be the caller's.
    pub(crate) async fn handoff_note(
        &self,
        caller: &Caller,
        session_id: &str,
    ) -> AppResult<String> {
        let partner = caller.partner()?;
        let not_found = || AppError::invalid("assistant_session_id", "no such assistant session");
        let session = self
            .store
            .assistant_session(session_id, partner.org, partner.user)
            .await?
            .ok_or_else(not_found)?;
        // Whether it already became a case is settled in the creating
        // transaction, so that an idempotent replay still replays.
        let last = self
            .store
            .last_question(&session.id)
            .await?
            .ok_or_else(not_found)?;
        let answer: frontdesk_assistant::answer::Answer =
            serde_json::from_str(&last.answer_json).unwrap_or_default();
        Ok(note_text(
            &last.subject,
            last.answered,
            &answer,
            session.questions,
            &self.config.public_url,
        ))
    }

    /// Assistant analytics for staff over `[from, to)`.
    pub async fn assistant_stats(
        &self,
        caller: &Caller,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> AppResult<Stats> {
        caller.staff()?;
        let to = to.unwrap_or_else(|| Timestamp(self.now().0 + 1));
        let from = from.unwrap_or(Timestamp(to.0 - 30 * 24 * 3600 * 1000));
        if from.0 >= to.0 {
            return Err(AppError::invalid("from", "must be before to"));
        }
        let raw = self.store.assistant_stats(from, to).await?;
        let deflection_rate =
            (raw.with_feedback > 0).then(|| raw.solved as f64 / raw.with_feedback as f64);
        Ok(Stats {
            from,
            to,
            deflection_rate,
            raw,
        })
    }
}

fn validate_question(input: &AskInput) -> AppResult<(String, String)> {
    let mut errors = Vec::new();
    let subject = cases::subject(&input.subject)
        .map_err(|e| errors.push(FieldError::new("subject", e.to_string())))
        .ok();
    let description = input.description.trim();
    if description.chars().count() > MAX_DESCRIPTION {
        errors.push(FieldError::new(
            "description",
            format!("at most {MAX_DESCRIPTION} characters; attach long logs to the case instead"),
        ));
    }
    if description
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        errors.push(FieldError::new(
            "description",
            "must not contain control characters",
        ));
    }
    if let Some(id) = &input.session_id
        && (id.is_empty() || id.len() > 64)
    {
        errors.push(FieldError::new("session_id", "is not a session id"));
    }
    match subject {
        Some(subject) if errors.is_empty() => Ok((subject, description.to_owned())),
        _ => Err(AppError::Invalid(errors)),
    }
}

/// Unguessable, so a session id alone reveals nothing.
fn new_session_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("as_{hex}")
}

/// Questions grouped for knowledge gaps: the subject's words, lower-cased.
pub fn topic_of(subject: &str) -> String {
    let words: Vec<String> = subject
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let topic = words.join(" ");
    topic.chars().take(120).collect()
}

fn note_text(
    subject: &str,
    answered: bool,
    answer: &frontdesk_assistant::answer::Answer,
    questions: i64,
    public_url: &str,
) -> String {
    let mut note = String::from("AIna answered before this case was filed");
    if questions > 1 {
        note.push_str(&format!(" ({questions} questions; the last one below)"));
    }
    note.push_str(":\n\n");
    note.push_str(&format!("Question: {subject}\n\n"));
    if !answered {
        note.push_str("AIna found nothing relevant in the knowledge base.\n");
        return note;
    }
    note.push_str(&format!("Answer: {}\n", answer.summary));
    if !answer.steps.is_empty() {
        note.push_str("\nSteps suggested:\n");
        for (i, s) in answer.steps.iter().enumerate() {
            note.push_str(&format!("{}. {s}\n", i + 1));
        }
    }
    if !answer.references.is_empty() {
        note.push_str("\nArticles referenced:\n");
        let base = public_url.trim_end_matches('/');
        for r in &answer.references {
            note.push_str(&format!("- {} ({}): {base}{}\n", r.title, r.section, r.url));
        }
    }
    note.push_str("\nThe partner said it did not solve the issue.");
    frontdesk_assistant::answer::clip(&note, 20_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_assistant::answer::{Answer, Reference};

    #[test]
    fn topics_ignore_case_and_punctuation() {
        assert_eq!(
            topic_of("  How do I REOPEN a case?? "),
            "how do i reopen a case"
        );
        assert_eq!(topic_of("¿Cómo cierro un caso?"), "cómo cierro un caso");
    }

    #[test]
    fn session_ids_are_random() {
        let a = new_session_id();
        assert!(a.starts_with("as_") && a.len() == 35);
        assert_ne!(a, new_session_id());
    }

    #[test]
    fn the_note_shows_what_was_suggested() {
        let answer = Answer {
            summary: "Reply to the case.".into(),
            steps: vec!["Open it".into(), "Press Reopen".into()],
            references: vec![Reference {
                article_id: 1,
                title: "Reopening".into(),
                url: "/kb/cases/reopen#how".into(),
                section: "How".into(),
                snippet: String::new(),
            }],
        };
        let note = note_text("Reopen?", true, &answer, 2, "https://desk.example/");
        assert!(note.contains("2 questions"));
        assert!(note.contains("Question: Reopen?"));
        assert!(note.contains("2. Press Reopen"));
        assert!(note.contains("https://desk.example/kb/cases/reopen#how"));
        let none = note_text("Odd", false, &Answer::default(), 1, "x");
        assert!(none.contains("found nothing relevant"));
    }

    #[test]
    fn questions_are_checked() {
        let long = AskInput {
            subject: "Help".into(),
            description: "x".repeat(50_000),
            session_id: None,
        };
        assert!(
            matches!(validate_question(&long), Err(AppError::Invalid(e)) if e[0].field == "description")
        );
        let empty = AskInput::default();
        assert!(
            matches!(validate_question(&empty), Err(AppError::Invalid(e)) if e[0].field == "subject")
        );
        let control = AskInput {
            subject: "Help".into(),
            description: "a\u{7}b".into(),
            session_id: None,
        };
        assert!(validate_question(&control).is_err());
    }
}
