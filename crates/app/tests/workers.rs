#![allow(clippy::unwrap_used, clippy::field_reassign_with_default)]

//! The workers' promises, on SQLite and PostgreSQL: due timers take effect
//! exactly once even with two processes sweeping the same database at the
//! same time, and mail that cannot be delivered is kept and retried.

use frontdesk_app::cases::NewCaseInput;
use frontdesk_app::{App, Caller, Clock, Config};
use frontdesk_domain::Timestamp;
use frontdesk_domain::cases::CaseStatus;
use frontdesk_domain::org::{CompanyVisibility, MemberRole};
use frontdesk_store::CaseScope;
use frontdesk_store::orgs::NewOrganization;
use frontdesk_store::outbox::{MailStatus, OutboxQuery};
use frontdesk_testkit::TestDb;

const START: Timestamp = Timestamp(1_800_000_000_000);
const DAY: i64 = 86_400;

async fn app_on(db: &TestDb, data: &std::path::Path, tweak: impl FnOnce(&mut Config)) -> App {
    let mut config = Config::default();
    config.data_dir = data.to_owned();
    config.database_url = db.url.clone();
    tweak(&mut config);
    let app = App::build(config, Clock::manual(START)).await.unwrap();
    app.ensure_default_teams().await.unwrap();
    app
}

async fn caller(app: &App, email: &str) -> Caller {
    let (_, token) = app.login(email, "correct-horse-1").await.unwrap();
    app.caller(&token, None).await.unwrap()
}

/// One partner and one agent; returns (partner, agent).
async fn people(app: &App) -> (Caller, Caller) {
    app.create_organization(NewOrganization {
        code: "acme".into(),
        name: "Acme Travel".into(),
        is_buyer: true,
        is_seller: false,
        active: true,
        commercial_contract: true,
        company_visibility: CompanyVisibility::Members,
    })
    .await
    .unwrap();
    app.create_user("p@acme.example", "Pat", Some("correct-horse-1"), false)
        .await
        .unwrap();
    app.set_membership("p@acme.example", "acme", MemberRole::Member)
        .await
        .unwrap();
    app.create_user(
        "agent@frontdesk.example",
        "Agent",
        Some("correct-horse-1"),
        false,
    )
    .await
    .unwrap();
    app.add_staff("agent@frontdesk.example", "customer-care")
        .await
        .unwrap();
    (
        caller(app, "p@acme.example").await,
        caller(app, "agent@frontdesk.example").await,
    )
}

fn case_input(n: usize) -> NewCaseInput {
    NewCaseInput {
        category: "customer_care".into(),
        subject: format!("Search fails {n}"),
        description: "Every search is empty.".into(),
        participants: Vec::new(),
        assistant_session_id: None,
    }
}

async fn mail_kinds(app: &App) -> Vec<String> {
    let q = OutboxQuery {
        limit: 200,
        ..OutboxQuery::default()
    };
    let mut kinds: Vec<String> = app
        .store
        .outbox(&q)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.kind)
        .collect();
    kinds.sort();
    kinds
}

/// Two "processes" (two apps, two pools) sweep the same due timers at the
/// same moment: every reminder and closing happens exactly once.
async fn two_sweepers_apply_each_timer_once(db: TestDb) {
    let dir = tempfile_dir();
    let one = app_on(&db, &dir.path().join("one"), |_| {}).await;
    let two = app_on(&db, &dir.path().join("two"), |_| {}).await;
    let (partner, agent) = people(&one).await;
    let cases = 40;
    let mut ids = Vec::new();
    for n in 0..cases {
        let id = one
            .create_case(&partner, case_input(n), None)
            .await
            .unwrap()
            .id;
        one.set_status(
            &agent,
            id,
            CaseStatus::FeedbackRequired,
            Some("Which hotel?"),
        )
        .await
        .unwrap();
        ids.push(id);
    }
    for clock in [&one.clock, &two.clock] {
        assert!(clock.advance(8 * DAY));
    }
    let now = one.now();
    let (a, b) = tokio::join!(one.sweep_timers(now), two.sweep_timers(now));
    let applied = a.unwrap() + b.unwrap();
    assert_eq!(applied, cases * 3, "3 timers per case, each applied once");
    // Nothing left to do for either.
    assert_eq!(
        one.sweep_timers(now).await.unwrap() + two.sweep_timers(now).await.unwrap(),
        0
    );
    for id in &ids {
        let case = one
            .store
            .case(CaseScope::Staff, *id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(case.status, CaseStatus::Closed);
        assert!(one.store.timers(*id).await.unwrap().is_empty());
    }
    let kinds = mail_kinds(&one).await;
    for kind in [
        "reminder_1",
        "reminder_2",
        "closed_no_feedback",
        "received",
        "status_feedback_required",
    ] {
        assert_eq!(kinds.iter().filter(|k| *k == kind).count(), cases, "{kind}");
    }
    for app in [one, two] {
        app.store.close().await;
    }
    db.cleanup().await;
}

/// A timer whose case moved on is dropped without effect.
async fn stale_timers_do_nothing(db: TestDb) {
    let dir = tempfile_dir();
    let app = app_on(&db, dir.path(), |_| {}).await;
    let (partner, agent) = people(&app).await;
    let id = app
        .create_case(&partner, case_input(1), None)
        .await
        .unwrap()
        .id;
    app.set_status(
        &agent,
        id,
        CaseStatus::FeedbackRequired,
        Some("Which hotel?"),
    )
    .await
    .unwrap();
    // The partner answers: timers are cancelled and the case is In progress.
    app.post_message(&partner, id, "Hotel 10452.", false, "api")
        .await
        .unwrap();
    assert!(app.store.timers(id).await.unwrap().is_empty());
    app.clock.advance(30 * DAY);
    assert_eq!(app.sweep_timers(app.now()).await.unwrap(), 0);
    let case = app.store.case(CaseScope::Staff, id).await.unwrap().unwrap();
    assert_eq!(case.status, CaseStatus::InProgress);
    assert!(
        !mail_kinds(&app)
            .await
            .iter()
            .any(|k| k.starts_with("reminder"))
    );
    app.store.close().await;
    db.cleanup().await;
}

/// Mail to an unreachable relay stays in the outbox, marked for retry.
async fn undeliverable_mail_is_retried(db: TestDb) {
    let dir = tempfile_dir();
    let app = app_on(&db, dir.path(), |c| {
        c.mail.transport = "smtp".into();
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = 9; // discard port: nothing listens
    })
    .await;
    let (partner, _) = people(&app).await;
    app.create_case(&partner, case_input(1), None)
        .await
        .unwrap();
    let (sent, failed) = app.deliver_mail(app.now()).await.unwrap();
    assert_eq!((sent, failed), (0, 1));
    let q = OutboxQuery {
        limit: 10,
        ..OutboxQuery::default()
    };
    let mail = app.store.outbox(&q).await.unwrap().remove(0);
    assert_eq!(mail.status, MailStatus::Pending);
    assert_eq!(mail.attempts, 1);
    assert!(mail.last_error.is_some());
    // Not due again until the backoff has passed.
    assert_eq!(app.deliver_mail(app.now()).await.unwrap(), (0, 0));
    app.clock.advance(60);
    assert_eq!(app.deliver_mail(app.now()).await.unwrap(), (0, 1));
    app.store.close().await;
    db.cleanup().await;
}

/// A new password replaces the old one at once; expired sessions are
/// refused and then dropped by housekeeping.
async fn passwords_and_session_housekeeping(db: TestDb) {
    let dir = tempfile_dir();
    let app = app_on(&db, dir.path(), |_| {}).await;
    people(&app).await;
    let (_, token) = app
        .login("p@acme.example", "correct-horse-1")
        .await
        .unwrap();
    app.set_password("p@acme.example", "another-horse-2")
        .await
        .unwrap();
    assert!(
        app.login("p@acme.example", "correct-horse-1")
            .await
            .is_err()
    );
    assert!(app.login("p@acme.example", "another-horse-2").await.is_ok());
    assert!(app.set_password("p@acme.example", "short").await.is_err());
    assert!(
        app.caller(&token, None).await.is_ok(),
        "existing sessions stay valid"
    );
    assert_eq!(app.purge_expired_sessions().await.unwrap(), 0);
    app.clock.advance(31 * DAY);
    assert!(app.caller(&token, None).await.is_err(), "expired");
    // people() signed in twice, this test twice more: four sessions expired.
    assert_eq!(app.purge_expired_sessions().await.unwrap(), 4);
    app.store.close().await;
    db.cleanup().await;
}

fn tempfile_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn imported(path: &str, title: &str, body: &str) -> frontdesk_assistant::import::ImportedArticle {
    frontdesk_assistant::import::ImportedArticle {
        source_path: path.into(),
        slug: frontdesk_assistant::import::slug_for(path),
        title: title.into(),
        category: "Help".into(),
        body: body.into(),
        source_url: None,
    }
}

async fn found(app: &App, partner: &Caller, q: &str) -> Vec<String> {
    app.search_articles(partner, q, 5)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.slug)
        .collect()
}

/// Each replica keeps its own index (derived data) and catches up with
/// article changes another replica (or the `kb` command) made.
async fn search_indexes_follow_changes_made_elsewhere(db: TestDb) {
    let dir = tempfile_dir();
    let one = app_on(&db, &dir.path().join("one"), |_| {}).await;
    let two = app_on(&db, &dir.path().join("two"), |_| {}).await;
    let (partner, _) = people(&one).await;
    let counts = one
        .import_articles(
            &[
                imported("guides/reopen", "Reopening", "Press the lighthouse button."),
                imported(
                    "guides/invoices",
                    "Invoices",
                    "Invoices are sent monthly by pigeon.",
                ),
            ],
            false,
        )
        .await
        .unwrap();
    assert_eq!((counts.created, counts.updated), (2, 0));
    assert_eq!(found(&one, &partner, "lighthouse").await, ["guides/reopen"]);
    assert!(
        found(&two, &partner, "lighthouse").await.is_empty(),
        "not yet synced"
    );
    assert_eq!(two.sync_index().await.unwrap(), 2);
    assert_eq!(found(&two, &partner, "lighthouse").await, ["guides/reopen"]);
    assert_eq!(two.sync_index().await.unwrap(), 0, "nothing new");

    // A re-import that changes one article and prunes the other.
    let counts = one
        .import_articles(
            &[imported(
                "guides/reopen",
                "Reopening",
                "Press the beacon button.",
            )],
            true,
        )
        .await
        .unwrap();
    assert_eq!((counts.updated, counts.deleted), (1, 1));
    assert_eq!(two.sync_index().await.unwrap(), 2);
    assert!(found(&two, &partner, "lighthouse").await.is_empty());
    assert!(found(&two, &partner, "pigeon").await.is_empty());
    assert_eq!(found(&two, &partner, "beacon").await, ["guides/reopen"]);

    // A lost index is rebuilt from the database at start-up.
    drop(two);
    std::fs::remove_dir_all(dir.path().join("two").join("kb-index")).unwrap();
    let three = app_on(&db, &dir.path().join("two"), |_| {}).await;
    assert_eq!(found(&three, &partner, "beacon").await, ["guides/reopen"]);
    assert_eq!(three.kb.index().articles(), 1);
    one.store.close().await;
    three.store.close().await;
    db.cleanup().await;
}

macro_rules! on_both {
    ($($name:ident),*) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(frontdesk_testkit::TestDb::sqlite()).await; })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some(db) = frontdesk_testkit::TestDb::postgres().await { super::$name(db).await; }
            })*
        }
    };
}

on_both!(
    two_sweepers_apply_each_timer_once,
    stale_timers_do_nothing,
    undeliverable_mail_is_retried,
    passwords_and_session_housekeeping,
    search_indexes_follow_changes_made_elsewhere
);
