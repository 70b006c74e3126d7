//! AIna session stories, each on SQLite and on PostgreSQL: questions,
//! tenant isolation, feedback, escalation and the staff figures.
#![allow(clippy::unwrap_used)]

#[macro_use]
#[allow(dead_code)]
mod common;

use frontdesk_domain::cases::Category;
use frontdesk_domain::org::{CompanyVisibility, MemberRole};
use frontdesk_domain::{CaseId, EmailAddress, OrgId, Timestamp, UserId};
use frontdesk_store::Store;
use frontdesk_store::assistant::{Gap, QuestionInput, TopArticle};
use frontdesk_store::cases::NewCase;
use frontdesk_store::kb::ArticleInput;
use frontdesk_store::orgs::NewOrganization;

stories! {
    sessions_record_questions_for_their_owner,
    feedback_and_escalation,
    stats_count_the_window,
}

const T0: Timestamp = Timestamp(1_700_000_000_000);

fn at(offset_ms: i64) -> Timestamp {
    Timestamp(T0.0 + offset_ms)
}

#[derive(Debug, Clone, Copy)]
struct World {
    org_a: OrgId,
    org_b: OrgId,
    /// Org A.
    alice: UserId,
    /// Org A.
    bob: UserId,
    /// Org B.
    carol: UserId,
}

async fn world(store: &Store) -> World {
    let mut tx = store.begin().await.unwrap();
    let mut org = async |code: &str| {
        tx.insert_organization(
            &NewOrganization {
                code: code.into(),
                name: code.to_uppercase(),
                is_buyer: true,
                is_seller: false,
                active: true,
                commercial_contract: false,
                company_visibility: CompanyVisibility::Members,
            },
            T0,
        )
        .await
        .unwrap()
    };
    let org_a = org("acme").await;
    let org_b = org("blue").await;
    let mut people = Vec::new();
    for (addr, o) in [
        ("alice@acme.example", org_a),
        ("bob@acme.example", org_a),
        ("carol@blue.example", org_b),
    ] {
        let email = EmailAddress::parse(addr).unwrap();
        let u = tx.insert_user(&email, addr, None, false, T0).await.unwrap();
        tx.upsert_membership(u, o, MemberRole::Member, T0)
            .await
            .unwrap();
        people.push(u);
    }
    tx.commit().await.unwrap();
    World {
        org_a,
        org_b,
        alice: people[0],
        bob: people[1],
        carol: people[2],
    }
}

fn question(subject: &str, topic: &str, answered: bool, referenced: &[i64]) -> QuestionInput {
    QuestionInput {
        subject: subject.into(),
        description: format!("Details of {subject}"),
        topic: topic.into(),
        answered,
        confidence: if answered { 0.75 } else { 0.125 },
        answer_json: format!(r#"{{"summary":"About {topic}"}}"#),
        engine: "extractive".into(),
        referenced: referenced.to_vec(),
    }
}

async fn session(store: &Store, id: &str, org: OrgId, user: UserId, now: Timestamp) {
    let mut tx = store.begin().await.unwrap();
    tx.create_session(id, org, user, now).await.unwrap();
    tx.commit().await.unwrap();
}

async fn ask(store: &Store, id: &str, q: QuestionInput, now: Timestamp) -> i64 {
    let mut tx = store.begin().await.unwrap();
    let seq = tx.add_question(id, &q, now).await.unwrap();
    tx.commit().await.unwrap();
    seq
}

async fn feedback(store: &Store, id: &str, outcome: &str, now: Timestamp) {
    let mut tx = store.begin().await.unwrap();
    tx.set_feedback(id, outcome, now).await.unwrap();
    tx.commit().await.unwrap();
}

async fn case(store: &Store, org: OrgId, user: UserId) -> CaseId {
    let mut tx = store.begin().await.unwrap();
    let id = tx
        .insert_case(
            &NewCase {
                org_id: org,
                category: Category::Billing,
                subject: "Still stuck".into(),
                description: "AIna did not help".into(),
                requester_id: user,
                team: Category::Billing.default_team().into(),
                reopened_from: None,
            },
            T0,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn escalate(store: &Store, id: &str, case: CaseId, now: Timestamp) -> bool {
    let mut tx = store.begin().await.unwrap();
    let done = tx.mark_escalated(id, case, now).await.unwrap();
    tx.commit().await.unwrap();
    done
}

async fn article(store: &Store, slug: &str) -> i64 {
    let mut tx = store.begin().await.unwrap();
    let row = tx
        .insert_article(
            &ArticleInput {
                slug: slug.into(),
                title: format!("Title of {slug}"),
                category: "Cases".into(),
                body: "Body".into(),
                source_path: None,
                source_url: None,
                content_hash: slug.into(),
            },
            T0,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    row.id
}

// ----------------------------------------------------------------- stories

async fn sessions_record_questions_for_their_owner(store: Store) {
    let w = world(&store).await;
    session(&store, "as_1", w.org_a, w.alice, at(1)).await;
    session(&store, "as_carol", w.org_b, w.carol, at(1)).await;
    let s = store
        .assistant_session("as_1", w.org_a, w.alice)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (s.id.as_str(), s.org_id, s.user_id),
        ("as_1", w.org_a, w.alice)
    );
    assert_eq!((s.created_at, s.updated_at, s.questions), (at(1), at(1), 0));
    assert_eq!(
        (s.outcome, s.feedback_at, s.case_id, s.escalated_at),
        (None, None, None, None)
    );
    assert_eq!(store.last_question("as_1").await.unwrap(), None);

    // A taken id is a conflict.
    let mut tx = store.begin().await.unwrap();
    let dup = tx.create_session("as_1", w.org_a, w.bob, at(2)).await;
    assert!(
        matches!(dup, Err(frontdesk_store::StoreError::Conflict(_))),
        "{dup:?}"
    );
    drop(tx);

    // Questions are numbered 1, 2, 3 and move updated_at.
    assert_eq!(
        ask(
            &store,
            "as_1",
            question("First", "first", false, &[]),
            at(10)
        )
        .await,
        1
    );
    assert_eq!(
        ask(
            &store,
            "as_1",
            question("Second", "second", true, &[3, 1]),
            at(20)
        )
        .await,
        2
    );
    let third = question("How do I reopen?", "how do i reopen", true, &[7, 7, 2]);
    assert_eq!(ask(&store, "as_1", third.clone(), at(30)).await, 3);
    assert_eq!(
        ask(
            &store,
            "as_carol",
            question("Other", "other", true, &[]),
            at(30)
        )
        .await,
        1
    );
    let s = store
        .assistant_session("as_1", w.org_a, w.alice)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (s.questions, s.created_at, s.updated_at),
        (3, at(1), at(30))
    );

    let last = store.last_question("as_1").await.unwrap().unwrap();
    assert_eq!((last.session_id.as_str(), last.seq), ("as_1", 3));
    assert_eq!(last.subject, third.subject);
    assert_eq!(last.description, third.description);
    assert_eq!(last.topic, third.topic);
    assert!(last.answered);
    assert_eq!(last.confidence, 0.75);
    assert_eq!(last.answer_json, third.answer_json);
    assert_eq!(last.engine, "extractive");
    assert_eq!(last.created_at, at(30));
    // References are kept once each, in order.
    assert_eq!(
        common::raw_i64(
            "SELECT COUNT(*) FROM assistant_references WHERE session_id = 'as_1' AND seq = 3"
        )
        .await,
        2
    );
    assert_eq!(
        common::raw_i64(
            "SELECT article_id FROM assistant_references WHERE session_id = 'as_1' AND seq = 3 \
             AND rank = 2"
        )
        .await,
        2
    );
    let unanswered = common::raw_i64(
        "SELECT COUNT(*) FROM assistant_questions WHERE session_id = 'as_1' AND answered = FALSE",
    )
    .await;
    assert_eq!(unanswered, 1);

    // Another user's or organization's session is not found.
    for (org, user) in [(w.org_a, w.bob), (w.org_b, w.alice), (w.org_b, w.carol)] {
        assert_eq!(
            store.assistant_session("as_1", org, user).await.unwrap(),
            None
        );
    }
    assert_eq!(
        store
            .assistant_session("as_carol", w.org_a, w.alice)
            .await
            .unwrap(),
        None
    );
    assert!(
        store
            .assistant_session("as_carol", w.org_b, w.carol)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store
            .assistant_session("nope", w.org_a, w.alice)
            .await
            .unwrap(),
        None
    );

    // A question for a session that does not exist fails.
    let mut tx = store.begin().await.unwrap();
    assert!(
        tx.add_question("nope", &question("X", "x", true, &[]), at(40))
            .await
            .is_err()
    );
}

async fn feedback_and_escalation(store: Store) {
    let w = world(&store).await;
    session(&store, "as_1", w.org_a, w.alice, at(1)).await;
    ask(&store, "as_1", question("Q", "q", true, &[]), at(2)).await;
    feedback(&store, "as_1", "rephrase", at(3)).await;
    feedback(&store, "as_1", "need_help", at(4)).await;
    let s = store
        .assistant_session("as_1", w.org_a, w.alice)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.outcome.as_deref(), Some("need_help"));
    assert_eq!((s.feedback_at, s.updated_at), (Some(at(4)), at(4)));

    // Only the three verdicts are stored.
    let mut tx = store.begin().await.unwrap();
    assert!(tx.set_feedback("as_1", "maybe", at(5)).await.is_err());
    drop(tx);

    let first = case(&store, w.org_a, w.alice).await;
    let second = case(&store, w.org_a, w.alice).await;
    assert!(escalate(&store, "as_1", first, at(6)).await);
    assert!(!escalate(&store, "as_1", second, at(7)).await);
    assert!(!escalate(&store, "nope", second, at(7)).await);
    let s = store
        .assistant_session("as_1", w.org_a, w.alice)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (s.case_id, s.escalated_at, s.updated_at),
        (Some(first), Some(at(6)), at(6))
    );
    assert_eq!(s.outcome.as_deref(), Some("need_help"));
}

async fn stats_count_the_window(store: Store) {
    let w = world(&store).await;
    let a1 = article(&store, "a1").await;
    let a2 = article(&store, "a2").await;
    let a3 = article(&store, "a3").await;
    let gone = article(&store, "gone").await;
    let (from, to) = (at(1_000), at(2_000));

    // Outside the window, on both sides: ignored entirely.
    session(&store, "before", w.org_a, w.alice, at(999)).await;
    ask(
        &store,
        "before",
        question("Outside", "outside", false, &[a3, gone]),
        at(999),
    )
    .await;
    feedback(&store, "before", "solved", at(1_500)).await;
    session(&store, "after", w.org_a, w.alice, to).await;
    ask(
        &store,
        "after",
        question("Outside", "outside", false, &[a3]),
        to,
    )
    .await;

    // s1: an unanswered question, then a rephrased one that solved it.
    session(&store, "s1", w.org_a, w.alice, from).await;
    ask(
        &store,
        "s1",
        question("How to reopen", "reopen", false, &[]),
        at(1_001),
    )
    .await;
    ask(
        &store,
        "s1",
        question("Reopen a case", "reopen", true, &[a1, a2, a1]),
        at(1_002),
    )
    .await;
    feedback(&store, "s1", "rephrase", at(1_003)).await;
    feedback(&store, "s1", "solved", at(1_004)).await;
    // s2: answered, but it became a case: its last question is a gap.
    session(&store, "s2", w.org_a, w.bob, at(1_100)).await;
    ask(
        &store,
        "s2",
        question("Invoice copy", "invoice", true, &[a2, a3]),
        at(1_101),
    )
    .await;
    feedback(&store, "s2", "need_help", at(1_102)).await;
    let c2 = case(&store, w.org_a, w.bob).await;
    assert!(escalate(&store, "s2", c2, at(1_103)).await);
    // s3: unanswered, then an answered last question, then a case.
    session(&store, "s3", w.org_a, w.bob, at(1_200)).await;
    ask(
        &store,
        "s3",
        question("Reopen?", "reopen", false, &[]),
        at(1_201),
    )
    .await;
    ask(
        &store,
        "s3",
        question("VAT rate", "vat", true, &[a2, gone]),
        at(1_202),
    )
    .await;
    feedback(&store, "s3", "need_help", at(1_203)).await;
    let c3 = case(&store, w.org_a, w.bob).await;
    assert!(escalate(&store, "s3", c3, at(1_204)).await);
    // s4: another organization, unanswered, asked to rephrase.
    session(&store, "s4", w.org_b, w.carol, at(1_300)).await;
    ask(
        &store,
        "s4",
        question("Invoices", "invoice", false, &[]),
        at(1_301),
    )
    .await;
    feedback(&store, "s4", "rephrase", at(1_302)).await;
    // s5: opened, nothing asked.
    session(&store, "s5", w.org_b, w.carol, at(1_999)).await;

    let mut tx = store.begin().await.unwrap();
    assert!(tx.delete_article(gone).await.unwrap());
    tx.commit().await.unwrap();

    let s = store.assistant_stats(from, to).await.unwrap();
    assert_eq!(s.sessions, 5);
    assert_eq!(
        (s.with_feedback, s.solved, s.rephrased, s.need_help),
        (4, 1, 1, 2)
    );
    assert_eq!(s.escalated, 2);
    assert_eq!((s.questions, s.unanswered), (6, 3));
    let gap = |topic: &str, example: &str, unanswered, escalated, count| Gap {
        topic: topic.into(),
        example: example.into(),
        unanswered,
        escalated,
        count,
    };
    assert_eq!(
        s.gaps,
        vec![
            gap("invoice", "Invoice copy", 1, 1, 2),
            gap("reopen", "How to reopen", 2, 0, 2),
            gap("vat", "VAT rate", 0, 1, 1),
        ]
    );
    let top = |id, slug: &str, references| TopArticle {
        article_id: id,
        slug: slug.into(),
        title: format!("Title of {slug}"),
        references,
    };
    assert_eq!(
        s.top_articles,
        vec![top(a2, "a2", 3), top(a1, "a1", 1), top(a3, "a3", 1)]
    );

    // An empty window counts nothing.
    let empty = store.assistant_stats(at(5_000), at(6_000)).await.unwrap();
    assert_eq!(empty, Default::default());
}
