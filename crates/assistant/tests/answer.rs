//! Retrieval and the extractive engine over a small help center.

#![allow(clippy::unwrap_used)]

use frontdesk_assistant::Article;
use frontdesk_assistant::answer::{NO_ANSWER, Question, Reply, extractive};
use frontdesk_assistant::index::KbIndex;

fn article(id: i64, slug: &str, title: &str, body: &str) -> Article {
    Article {
        id,
        slug: slug.into(),
        title: title.into(),
        category: "Help".into(),
        body: body.into(),
        source_path: Some(format!("help/{slug}")),
        source_url: None,
        updated_at: 0,
    }
}

fn help_center() -> Vec<Article> {
    vec![
        article(
            1,
            "cases/statuses",
            "How case statuses work",
            "Every case moves through a few statuses.\n\n\
             ## Open\n\nThe case was just submitted and nobody works on it yet.\n\n\
             ## In progress\n\nAn agent is working on your case.\n\n\
             ## Partner's feedback required\n\nOur team waits for information from you. \
             Reminders are sent after 3 and 5 days; the case closes after 7 days without an answer.\n",
        ),
        article(
            2,
            "cases/reopening",
            "Reopening a closed case",
            "A closed case cannot receive new messages.\n\n\
             ## Reopen a closed case\n\n\
             To continue the conversation of a closed case:\n\n\
             1. Open the case from the dashboard.\n\
             2. Press **Reopen case**.\n\
             3. Describe what still does not work and submit.\n\n\
             A new case is created that shows the original history.\n\n\
             ## Resolution window\n\nReplying within 7 days of a resolution reopens the case itself.\n",
        ),
        article(
            3,
            "connections/statuses",
            "Connection statuses",
            "## Working\n\nThe access passed every test and is live.\n\n\
             ## Pending Seller\n\nThe seller must act before the access can work, \
             for example by enabling your credentials.\n\n\
             ## Not Working\n\nA test failed; the connection case explains which one.\n",
        ),
        article(
            4,
            "billing/invoices",
            "Invoices",
            "Invoices are issued monthly and sent to the billing contact of your organization.\n",
        ),
    ]
}

fn index() -> KbIndex {
    let index = KbIndex::in_memory().unwrap();
    index.rebuild(&help_center(), 1).unwrap();
    index
}

fn ask(index: &KbIndex, subject: &str, description: &str) -> Reply {
    let retrieval = index
        .search(
            &Question {
                subject: subject.into(),
                description: description.into(),
            },
            10,
        )
        .unwrap();
    extractive(&retrieval, |t| index.analyze(t))
}

#[test]
fn answers_with_steps_and_links_to_the_exact_section() {
    let index = index();
    let reply = ask(&index, "How do I reopen a closed case?", "");
    assert!(reply.answered, "{reply:?}");
    let first = &reply.answer.references[0];
    assert_eq!(first.url, "/kb/cases/reopening#reopen-a-closed-case");
    assert_eq!(first.title, "Reopening a closed case");
    assert_eq!(first.section, "Reopen a closed case");
    assert_eq!(
        reply.answer.steps,
        [
            "Open the case from the dashboard.",
            "Press Reopen case.",
            "Describe what still does not work and submit."
        ]
    );
    assert!(!reply.answer.summary.is_empty());
    assert!(reply.confidence > 0.5 && reply.confidence <= 1.0);
    assert_eq!(reply.engine, "extractive");
}

#[test]
fn each_article_is_referenced_once() {
    let index = index();
    let reply = ask(
        &index,
        "case statuses",
        "open, in progress, feedback required",
    );
    let mut ids: Vec<i64> = reply
        .answer
        .references
        .iter()
        .map(|r| r.article_id)
        .collect();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n);
    assert_eq!(reply.answer.references[0].article_id, 1);
}

#[test]
fn the_summary_is_the_sentence_that_answers() {
    let index = index();
    let reply = ask(
        &index,
        "When does a case close if I do not answer the reminders?",
        "",
    );
    assert!(reply.answered);
    assert!(
        reply.answer.summary.contains("closes after 7 days"),
        "{}",
        reply.answer.summary
    );
    assert_eq!(
        reply.answer.references[0].url,
        "/kb/cases/statuses#partners-feedback-required"
    );
}

#[test]
fn phrases_and_typos_still_find_the_article() {
    let index = index();
    let reply = ask(&index, "connection stuck in pending seller", "");
    assert_eq!(
        reply.answer.references[0].url,
        "/kb/connections/statuses#pending-seller"
    );
    let typo = ask(&index, "how to reopne a closd case", "");
    assert!(typo.answered);
    assert_eq!(typo.answer.references[0].article_id, 2);
}

#[test]
fn says_so_plainly_when_nothing_is_relevant() {
    let index = index();
    for q in [
        "Do you accept Apple Pay from the end customer?",
        "",
        "the and of",
        "\u{0}\u{7}\u{1b}[31m",
    ] {
        let reply = ask(&index, q, "");
        assert!(!reply.answered, "{q:?} got {reply:?}");
        assert_eq!(reply.answer.summary, NO_ANSWER);
        assert!(reply.answer.references.is_empty());
        assert!(reply.answer.steps.is_empty());
    }
}

#[test]
fn huge_questions_are_handled() {
    let index = index();
    let words = "reopen closed case invoice status ".repeat(2_000);
    let reply = ask(&index, "Reopen?", &words);
    assert!(reply.answer.references.len() <= 5);
}

#[test]
fn changes_apply_in_one_commit_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let index = KbIndex::open(dir.path()).unwrap();
    assert_eq!(index.revision(), 0);
    index.rebuild(&help_center(), 5).unwrap();
    assert_eq!((index.revision(), index.articles()), (5, 4));

    // Article 4 is rewritten, article 3 deleted.
    let mut invoices = help_center().remove(3);
    invoices.body = "Credit notes are issued when an invoice is wrong.\n".into();
    index.apply(&[invoices], &[3], 6).unwrap();
    assert_eq!((index.revision(), index.articles()), (6, 3));
    let reply = ask(&index, "credit note for a wrong invoice", "");
    assert_eq!(reply.answer.references[0].article_id, 4);
    assert!(
        ask(&index, "pending seller", "")
            .answer
            .references
            .iter()
            .all(|r| r.article_id != 3)
    );
    drop(index);

    let again = KbIndex::open(dir.path()).unwrap();
    assert_eq!((again.revision(), again.articles()), (6, 3));
}

#[test]
fn an_unreadable_index_is_started_over() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("meta.json"), "not an index").unwrap();
    let index = KbIndex::open(dir.path()).unwrap();
    assert_eq!((index.revision(), index.articles()), (0, 0));
}

#[test]
fn steps_come_from_a_nearly_as_good_section_of_another_article() {
    let index = KbIndex::in_memory().unwrap();
    index
        .rebuild(
            &[
                article(
                    1,
                    "statuses",
                    "Statuses",
                    "## Closed\n\nA closed case is finished. To reopen a closed case, use Reopen case.\n",
                ),
                article(
                    2,
                    "reopening",
                    "Reopening",
                    "## How to reopen a closed case\n\n1. Open the closed case.\n2. Press Reopen case.\n",
                ),
                article(3, "billing", "Billing", "Invoices are monthly.\n"),
            ],
            1,
        )
        .unwrap();
    let reply = ask(&index, "reopen a closed case", "");
    assert!(reply.answered);
    assert_eq!(
        reply.answer.steps,
        ["Open the closed case.", "Press Reopen case."]
    );
    let ids: Vec<i64> = reply
        .answer
        .references
        .iter()
        .map(|r| r.article_id)
        .collect();
    assert!(
        ids.contains(&2),
        "the steps' article is referenced: {ids:?}"
    );
}
