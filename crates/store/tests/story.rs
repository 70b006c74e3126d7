//! The storage suite: each story runs on SQLite and on PostgreSQL
//! (`sqlite::name`, `postgres::name`), each time against a fresh database.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod common;

use frontdesk_domain::cases::{Actor, CaseState, CaseStatus, Category, TimerKind};
use frontdesk_domain::connections::{AccessState, AccessStatus};
use frontdesk_domain::org::{CompanyVisibility, MemberRole, TeamKind};
use frontdesk_domain::{CaseId, EmailAddress, OrgId, Timestamp, UserId};
use frontdesk_store::audit::NewEvent;
use frontdesk_store::cases::{
    AssigneeFilter, CaseQuery, CaseRecord, NewCase, SortKey, StatusFilter,
};
use frontdesk_store::connections::NewAccess;
use frontdesk_store::idempotency::StoredResponse;
use frontdesk_store::messages::NewMessage;
use frontdesk_store::orgs::NewOrganization;
use frontdesk_store::outbox::{MailStatus, NewMail, OutboxQuery};
use frontdesk_store::timers::Timer;
use frontdesk_store::tokens::TokenKind;
use frontdesk_store::{Backend, CaseScope, Store, StoreError};
use std::collections::BTreeSet;
use std::time::Duration;

stories! {
    migrations_apply_and_are_idempotent,
    organizations_round_trip,
    users_round_trip,
    memberships_and_teams,
    tokens_authenticate,
    case_ids_start_at_1001_and_read_back,
    case_visibility_follows_scope,
    save_case_state_round_trip,
    list_cases_filters,
    list_cases_sorts_and_pages,
    participants_are_added_once,
    messages_and_attachments,
    events_are_recorded_in_one_call,
    timers_schedule_cancel_and_take,
    outbox_claims_leases_and_retries,
    outbox_concurrent_claims_are_disjoint,
    idempotency_keys,
    run_leases_renew_and_expire,
    run_claims_skip_sellers_at_their_limit,
}

// ---------------------------------------------------------------- fixtures

const T0: Timestamp = Timestamp(1_700_000_000_000);

fn at(offset_ms: i64) -> Timestamp {
    Timestamp(T0.0 + offset_ms)
}

fn email(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

fn new_org(code: &str, name: &str) -> NewOrganization {
    NewOrganization {
        code: code.into(),
        name: name.into(),
        is_buyer: true,
        is_seller: false,
        active: true,
        commercial_contract: false,
        company_visibility: CompanyVisibility::Members,
    }
}

/// Two partner organizations, their people and one staff member.
#[derive(Debug, Clone, Copy)]
struct World {
    org_a: OrgId,
    org_b: OrgId,
    /// Org A.
    alice: UserId,
    /// Org A.
    bob: UserId,
    /// Org A; no cases of their own.
    dave: UserId,
    /// Org B.
    carol: UserId,
    staff: UserId,
}

impl World {
    fn partner(&self, user: UserId, company: bool) -> CaseScope {
        let org = if user == self.carol {
            self.org_b
        } else {
            self.org_a
        };
        CaseScope::Partner { org, user, company }
    }
}

async fn world(store: &Store) -> World {
    let mut tx = store.begin().await.unwrap();
    let org_a = tx
        .insert_organization(&new_org("acme", "Acme Travel"), T0)
        .await
        .unwrap();
    let org_b = tx
        .insert_organization(&new_org("blue", "Blue Hotels"), T0)
        .await
        .unwrap();
    let mut user = async |addr: &str, name: &str, admin: bool| {
        tx.insert_user(&email(addr), name, None, admin, T0)
            .await
            .unwrap()
    };
    let alice = user("alice@acme.example", "Alice", false).await;
    let bob = user("bob@acme.example", "Bob", false).await;
    let dave = user("dave@acme.example", "Dave", false).await;
    let carol = user("carol@blue.example", "Carol", false).await;
    let staff = user("sam@frontdesk.example", "Sam Staff", true).await;
    for u in [alice, bob, dave] {
        tx.upsert_membership(u, org_a, MemberRole::Member, T0)
            .await
            .unwrap();
    }
    tx.upsert_membership(carol, org_b, MemberRole::Admin, T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    World {
        org_a,
        org_b,
        alice,
        bob,
        dave,
        carol,
        staff,
    }
}

fn new_case(org: OrgId, requester: UserId, category: Category, subject: &str) -> NewCase {
    NewCase {
        org_id: org,
        category,
        subject: subject.into(),
        description: format!("About: {subject}"),
        requester_id: requester,
        team: category.default_team().into(),
        reopened_from: None,
    }
}

async fn insert_case(store: &Store, case: &NewCase, now: Timestamp) -> CaseId {
    let mut tx = store.begin().await.unwrap();
    let id = tx.insert_case(case, now).await.unwrap();
    tx.commit().await.unwrap();
    id
}

async fn set_state(
    store: &Store,
    id: CaseId,
    status: CaseStatus,
    epoch: i64,
    changed: bool,
    now: Timestamp,
) {
    let mut tx = store.begin().await.unwrap();
    tx.save_case_state(id, CaseState { status, epoch }, changed, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

fn query() -> CaseQuery {
    CaseQuery {
        mine_only: false,
        status: StatusFilter::All,
        category: None,
        id: None,
        subject: None,
        team: None,
        org: None,
        assignee: None,
        sort: SortKey::Created,
        descending: false,
        limit: 200,
        after: None,
    }
}

/// The ids of one page that must be the last, in ascending order.
async fn ids(store: &Store, scope: CaseScope, q: CaseQuery) -> Vec<CaseId> {
    let page = store.list_cases(scope, &q).await.unwrap();
    assert_eq!(page.next, None, "expected a single page for {q:?}");
    let mut ids: Vec<CaseId> = page.items.iter().map(|c| c.id).collect();
    ids.sort();
    ids
}

fn is_conflict<T: std::fmt::Debug>(r: Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::Conflict(_)))
}

// ----------------------------------------------------------------- stories

async fn migrations_apply_and_are_idempotent(store: Store) {
    // The harness migrated once already; twice more changes nothing.
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    store.ping().await.unwrap();
    assert_eq!(store.backend(), common::backend());
    assert_eq!(
        common::raw_i64("SELECT COUNT(*) FROM _sqlx_migrations").await,
        6
    );
    assert!(store.organizations().await.unwrap().is_empty());
    assert!(store.users().await.unwrap().is_empty());
    assert!(store.teams().await.unwrap().is_empty());
    assert_eq!(store.next_timer_due().await.unwrap(), None);
    assert_eq!(store.pending_mail_count().await.unwrap(), 0);
    assert!(store.open_counts_by_team().await.unwrap().is_empty());

    // With data in place, migrating again (also from a second store over
    // the same database) changes nothing.
    let url = common::url();
    assert_eq!(Backend::from_url(&url), Some(store.backend()));
    let w = world(&store).await;
    store.migrate().await.unwrap();
    let second = Store::connect(&url).await.unwrap();
    second.migrate().await.unwrap();
    assert_eq!(second.organizations().await.unwrap().len(), 2);
    second.close().await;
    assert_eq!(
        common::raw_i64("SELECT COUNT(*) FROM _sqlx_migrations").await,
        6
    );
    assert_eq!(store.organizations().await.unwrap().len(), 2);
    assert!(store.user(w.alice).await.unwrap().is_some());
    let case = insert_case(
        &store,
        &new_case(w.org_a, w.alice, Category::Billing, "After"),
        T0,
    )
    .await;
    assert_eq!(case, CaseId(1001));

    // Settings: absent, set, replaced, removed.
    assert_eq!(store.setting("timer_policy").await.unwrap(), None);
    for value in ["{\"a\":1}", "{\"a\":2}"] {
        let mut tx = store.begin().await.unwrap();
        tx.put_setting("timer_policy", value, w.staff, T0)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            store.setting("timer_policy").await.unwrap().as_deref(),
            Some(value)
        );
    }
    let mut tx = store.begin().await.unwrap();
    tx.delete_setting("timer_policy").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.setting("timer_policy").await.unwrap(), None);
}

async fn organizations_round_trip(store: Store) {
    let first = NewOrganization {
        code: "acme".into(),
        name: "Acme Travel".into(),
        is_buyer: true,
        is_seller: false,
        active: true,
        commercial_contract: false,
        company_visibility: CompanyVisibility::Members,
    };
    let second = NewOrganization {
        code: "blue".into(),
        name: "Blue Hotels".into(),
        is_buyer: false,
        is_seller: true,
        active: false,
        commercial_contract: true,
        company_visibility: CompanyVisibility::Admins,
    };
    let mut tx = store.begin().await.unwrap();
    let b = tx.insert_organization(&second, at(5)).await.unwrap();
    let a = tx.insert_organization(&first, at(7)).await.unwrap();
    tx.commit().await.unwrap();
    assert_ne!(a, b);

    let got_a = store.organization(a).await.unwrap().unwrap();
    assert_eq!(got_a.id, a);
    assert_eq!(got_a.code, "acme");
    assert_eq!(got_a.name, "Acme Travel");
    assert!(got_a.is_buyer);
    assert!(!got_a.is_seller);
    assert!(got_a.active);
    assert!(!got_a.commercial_contract);
    assert_eq!(got_a.company_visibility, CompanyVisibility::Members);
    assert_eq!(got_a.created_at, at(7));

    let got_b = store.organization_by_code("blue").await.unwrap().unwrap();
    assert_eq!(got_b.id, b);
    assert!(!got_b.is_buyer);
    assert!(got_b.is_seller);
    assert!(!got_b.active);
    assert!(got_b.commercial_contract);
    assert_eq!(got_b.company_visibility, CompanyVisibility::Admins);
    assert_eq!(got_b.created_at, at(5));

    assert_eq!(
        store.organization(OrgId(a.0 + b.0 + 100)).await.unwrap(),
        None
    );
    assert_eq!(store.organization_by_code("nope").await.unwrap(), None);
    // By name, then id.
    assert_eq!(
        store.organizations().await.unwrap(),
        vec![got_a.clone(), got_b.clone()]
    );

    // Update flips every flag the other way.
    let mut tx = store.begin().await.unwrap();
    let flipped = NewOrganization {
        code: "acme2".into(),
        name: "Zeta Travel".into(),
        ..second.clone()
    };
    assert!(tx.update_organization(a, &flipped).await.unwrap());
    assert!(
        !tx.update_organization(OrgId(a.0 + b.0 + 100), &flipped)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    let got = store.organization(a).await.unwrap().unwrap();
    assert_eq!(
        (got.code.as_str(), got.name.as_str()),
        ("acme2", "Zeta Travel")
    );
    assert_eq!(
        (
            got.is_buyer,
            got.is_seller,
            got.active,
            got.commercial_contract
        ),
        (false, true, false, true)
    );
    assert_eq!(got.company_visibility, CompanyVisibility::Admins);
    assert_eq!(got.created_at, at(7), "update leaves created_at alone");
    let names: Vec<String> = store
        .organizations()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(names, ["Blue Hotels", "Zeta Travel"]);

    // Unique code.
    let mut tx = store.begin().await.unwrap();
    assert!(is_conflict(
        tx.insert_organization(&new_org("blue", "Other"), T0).await
    ));
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    assert!(is_conflict(
        tx.update_organization(a, &new_org("blue", "Other")).await
    ));
    drop(tx);
    assert_eq!(store.organizations().await.unwrap().len(), 2);
}

async fn users_round_trip(store: Store) {
    let mut tx = store.begin().await.unwrap();
    let admin = tx
        .insert_user(
            &email("Root@Frontdesk.Example"),
            "Root",
            Some("$argon2id$hash"),
            true,
            at(1),
        )
        .await
        .unwrap();
    let plain = tx
        .insert_user(&email("ana@acme.example"), "Ana", None, false, at(2))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let got = store.user(admin).await.unwrap().unwrap();
    assert_eq!(got.id, admin);
    assert_eq!(got.email, "root@frontdesk.example");
    assert_eq!(got.name, "Root");
    assert_eq!(got.password_hash.as_deref(), Some("$argon2id$hash"));
    assert!(got.is_admin);
    assert!(got.active);
    assert_eq!(got.created_at, at(1));

    let ana = store
        .user_by_email(&email("ANA@acme.example"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ana.id, plain);
    assert_eq!(ana.password_hash, None);
    assert!(!ana.is_admin);
    assert!(ana.active);
    assert_eq!(
        store
            .user_by_email(&email("nobody@acme.example"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.user(UserId(admin.0 + plain.0 + 100)).await.unwrap(),
        None
    );
    assert_eq!(store.users().await.unwrap(), vec![ana.clone(), got.clone()]);

    // Unique email, after normalisation.
    let mut tx = store.begin().await.unwrap();
    assert!(is_conflict(
        tx.insert_user(&email(" ANA@ACME.example "), "Again", None, false, T0)
            .await
    ));
    drop(tx);

    let mut tx = store.begin().await.unwrap();
    assert!(tx.set_password(plain, "$argon2id$new").await.unwrap());
    assert!(
        !tx.set_password(UserId(admin.0 + plain.0 + 100), "x")
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    let ana = store.user(plain).await.unwrap().unwrap();
    assert_eq!(ana.password_hash.as_deref(), Some("$argon2id$new"));
}

async fn memberships_and_teams(store: Store) {
    let w = world(&store).await;
    let mut tx = store.begin().await.unwrap();
    let org_c = tx
        .insert_organization(&new_org("aaa", "Aardvark Air"), T0)
        .await
        .unwrap();
    tx.upsert_membership(w.alice, org_c, MemberRole::Admin, at(1))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let ms = store.memberships(w.alice).await.unwrap();
    let got: Vec<(OrgId, MemberRole)> = ms.iter().map(|m| (m.org.id, m.role)).collect();
    assert_eq!(
        got,
        [(org_c, MemberRole::Admin), (w.org_a, MemberRole::Member)],
        "by org name"
    );
    assert_eq!(
        ms[1].org,
        store.organization(w.org_a).await.unwrap().unwrap()
    );

    // Upsert changes the role of an existing membership.
    let mut tx = store.begin().await.unwrap();
    tx.upsert_membership(w.alice, w.org_a, MemberRole::Admin, at(2))
        .await
        .unwrap();
    tx.upsert_membership(w.alice, org_c, MemberRole::Member, at(2))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let got: Vec<(OrgId, MemberRole)> = store
        .memberships(w.alice)
        .await
        .unwrap()
        .iter()
        .map(|m| (m.org.id, m.role))
        .collect();
    assert_eq!(
        got,
        [(org_c, MemberRole::Member), (w.org_a, MemberRole::Admin)]
    );
    let carol: Vec<(OrgId, MemberRole)> = store
        .memberships(w.carol)
        .await
        .unwrap()
        .iter()
        .map(|m| (m.org.id, m.role))
        .collect();
    assert_eq!(carol, [(w.org_b, MemberRole::Admin)]);
    assert!(store.memberships(w.staff).await.unwrap().is_empty());

    // Members among addresses: only users of that organization are found.
    let alice_email = store.user(w.alice).await.unwrap().unwrap().email;
    let carol_email = store.user(w.carol).await.unwrap().unwrap().email;
    let asked = [
        alice_email.clone(),
        carol_email.clone(),
        "ghost@x.example".to_owned(),
    ];
    let found = store.members_by_email(w.org_a, &asked).await.unwrap();
    assert_eq!(found, [(alice_email, w.alice)]);
    let found = store.members_by_email(w.org_b, &asked).await.unwrap();
    assert_eq!(found, [(carol_email, w.carol)]);
    assert!(
        store
            .members_by_email(w.org_a, &[])
            .await
            .unwrap()
            .is_empty()
    );

    // Teams.
    let mut tx = store.begin().await.unwrap();
    let billing = tx
        .insert_team("billing", "Billing", TeamKind::Support)
        .await
        .unwrap();
    let care = tx
        .insert_team("customer-care", "Customer Care", TeamKind::Support)
        .await
        .unwrap();
    let hotel = tx
        .insert_team("hotel-api", "Hotel API", TeamKind::Product)
        .await
        .unwrap();
    tx.add_team_member(care, w.staff).await.unwrap();
    tx.add_team_member(billing, w.staff).await.unwrap();
    tx.add_team_member(billing, w.staff).await.unwrap(); // idempotent
    tx.commit().await.unwrap();

    let teams = store.teams().await.unwrap();
    let slugs: Vec<&str> = teams.iter().map(|t| t.slug.as_str()).collect();
    assert_eq!(
        slugs,
        ["billing", "customer-care", "hotel-api"],
        "support before product, then by name"
    );
    let t = store.team("hotel-api").await.unwrap().unwrap();
    assert_eq!(
        (t.id, t.name.as_str(), t.kind),
        (hotel, "Hotel API", TeamKind::Product)
    );
    assert_eq!(
        store.team("customer-care").await.unwrap().unwrap().kind,
        TeamKind::Support
    );
    assert_eq!(store.team("nope").await.unwrap(), None);
    let mine: Vec<i64> = store
        .user_teams(w.staff)
        .await
        .unwrap()
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(mine, [billing, care]);
    assert!(store.user_teams(w.alice).await.unwrap().is_empty());

    let mut tx = store.begin().await.unwrap();
    assert!(is_conflict(
        tx.insert_team("billing", "Again", TeamKind::Product).await
    ));
    drop(tx);
    assert_eq!(store.teams().await.unwrap().len(), 3);
}

async fn tokens_authenticate(store: Store) {
    let w = world(&store).await;
    let mut tx = store.begin().await.unwrap();
    let session = tx
        .insert_token(
            "digest-session",
            w.alice,
            TokenKind::Session,
            "browser",
            T0,
            Some(at(1000)),
        )
        .await
        .unwrap();
    let api = tx
        .insert_token("digest-api", w.bob, TokenKind::Api, "ci bot", T0, None)
        .await
        .unwrap();
    let old = tx
        .insert_token(
            "digest-old",
            w.alice,
            TokenKind::Session,
            "old",
            T0,
            Some(at(10)),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(BTreeSet::from([session, api, old]).len(), 3);

    let (user, info) = store
        .authenticate("digest-session", at(999))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user, store.user(w.alice).await.unwrap().unwrap());
    assert_eq!(
        (info.id, info.name.as_str(), info.expires_at),
        (session, "browser", Some(at(1000)))
    );
    // Expiry is exclusive.
    assert!(
        store
            .authenticate("digest-session", at(1000))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .authenticate("digest-session", at(5000))
            .await
            .unwrap()
            .is_none()
    );

    let (user, info) = store
        .authenticate("digest-api", at(1_000_000_000))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.id, w.bob);
    assert_eq!(
        (info.id, info.name.as_str(), info.expires_at),
        (api, "ci bot", None)
    );
    assert!(
        store
            .authenticate("digest-unknown", T0)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .authenticate("DIGEST-API", T0)
            .await
            .unwrap()
            .is_none()
    );

    // Digests are unique.
    let mut tx = store.begin().await.unwrap();
    assert!(is_conflict(
        tx.insert_token("digest-api", w.alice, TokenKind::Api, "x", T0, None)
            .await
    ));
    drop(tx);

    // Inactive users are refused, whatever their tokens.
    let n = common::raw_execute(&format!(
        "UPDATE users SET active = FALSE WHERE id = {}",
        w.bob.0
    ))
    .await;
    assert_eq!(n, 1);
    assert!(!store.user(w.bob).await.unwrap().unwrap().active);
    assert!(
        store
            .authenticate("digest-api", T0)
            .await
            .unwrap()
            .is_none()
    );
    common::raw_execute(&format!(
        "UPDATE users SET active = TRUE WHERE id = {}",
        w.bob.0
    ))
    .await;
    assert!(
        store
            .authenticate("digest-api", T0)
            .await
            .unwrap()
            .is_some()
    );

    // Delete and purge.
    let mut tx = store.begin().await.unwrap();
    assert!(tx.delete_token("digest-api").await.unwrap());
    assert!(!tx.delete_token("digest-api").await.unwrap());
    assert_eq!(
        tx.purge_expired_tokens(at(10)).await.unwrap(),
        1,
        "only the one due at 10"
    );
    tx.commit().await.unwrap();
    assert!(
        store
            .authenticate("digest-api", T0)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .authenticate("digest-session", T0)
            .await
            .unwrap()
            .is_some()
    );
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.purge_expired_tokens(at(10)).await.unwrap(), 0);
    assert_eq!(tx.purge_expired_tokens(at(1000)).await.unwrap(), 1);
    tx.commit().await.unwrap();
    assert!(
        store
            .authenticate("digest-session", T0)
            .await
            .unwrap()
            .is_none()
    );
}

async fn case_ids_start_at_1001_and_read_back(store: Store) {
    let w = world(&store).await;
    let mut tx = store.begin().await.unwrap();
    let first = tx
        .insert_case(
            &new_case(w.org_a, w.alice, Category::Billing, "Invoice"),
            at(1),
        )
        .await
        .unwrap();
    let second = tx
        .insert_case(
            &new_case(w.org_b, w.carol, Category::Connections, "Link"),
            at(2),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut reopened = new_case(w.org_a, w.alice, Category::Billing, "Invoice again");
    reopened.reopened_from = Some(first);
    let third = insert_case(&store, &reopened, at(3)).await;
    assert_eq!(
        (first, second, third),
        (CaseId(1001), CaseId(1002), CaseId(1003))
    );

    let got = store.case(CaseScope::Staff, first).await.unwrap().unwrap();
    let expected = CaseRecord {
        id: first,
        org_id: w.org_a,
        org_name: "Acme Travel".into(),
        category: Category::Billing,
        subject: "Invoice".into(),
        description: "About: Invoice".into(),
        requester_id: w.alice,
        requester_name: "Alice".into(),
        requester_email: "alice@acme.example".into(),
        status: CaseStatus::Open,
        epoch: 0,
        team: "billing".into(),
        assignee_id: None,
        assignee_name: None,
        reopened_from: None,
        reopened_as: None,
        created_at: at(1),
        updated_at: at(1),
        status_changed_at: at(1),
        connection_status: None,
    };
    assert_eq!(got, expected);
    assert_eq!(got.state(), CaseState::new());

    let mut tx = store.begin().await.unwrap();
    tx.set_reopened_as(first, third).await.unwrap();
    tx.set_case_assignee(first, Some(w.staff)).await.unwrap();
    tx.set_case_team(first, "customer-care").await.unwrap();
    tx.commit().await.unwrap();
    let got = store.case(CaseScope::Staff, first).await.unwrap().unwrap();
    assert_eq!(got.reopened_as, Some(third));
    assert_eq!(got.assignee_id, Some(w.staff));
    assert_eq!(got.assignee_name.as_deref(), Some("Sam Staff"));
    assert_eq!(got.team, "customer-care");
    let got3 = store.case(CaseScope::Staff, third).await.unwrap().unwrap();
    assert_eq!((got3.reopened_from, got3.reopened_as), (Some(first), None));

    let mut tx = store.begin().await.unwrap();
    tx.set_case_assignee(first, None).await.unwrap();
    tx.commit().await.unwrap();
    let got = store.case(CaseScope::Staff, first).await.unwrap().unwrap();
    assert_eq!((got.assignee_id, got.assignee_name), (None, None));

    // A rolled-back insert is gone; later ids keep increasing.
    let mut tx = store.begin().await.unwrap();
    let gone = tx
        .insert_case(&new_case(w.org_a, w.bob, Category::Billing, "Gone"), at(4))
        .await
        .unwrap();
    drop(tx);
    let fourth = insert_case(
        &store,
        &new_case(w.org_a, w.bob, Category::Billing, "Kept"),
        at(5),
    )
    .await;
    assert!(
        gone > third && fourth > third,
        "ids increase: {gone:?} {fourth:?}"
    );
    assert_eq!(
        store
            .case(CaseScope::Staff, gone)
            .await
            .unwrap()
            .map(|c| c.id),
        (gone == fourth).then_some(gone)
    );
    assert!(
        store
            .case(CaseScope::Staff, CaseId(1000))
            .await
            .unwrap()
            .is_none()
    );

    // Missing references are refused.
    let mut tx = store.begin().await.unwrap();
    let bad = new_case(OrgId(999_999), w.alice, Category::Billing, "No org");
    assert!(tx.insert_case(&bad, T0).await.is_err());
}

/// Whether `scope` sees case `id`, asking `case()` and `case_for_update()`,
/// which must agree.
async fn sees(store: &Store, scope: CaseScope, id: CaseId) -> bool {
    let read = store.case(scope, id).await.unwrap();
    let mut tx = store.begin().await.unwrap();
    let locked = tx.case_for_update(scope, id).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        read, locked,
        "case() and case_for_update() disagree for {scope:?} on {id:?}"
    );
    if let Some(c) = &read {
        assert_eq!(c.id, id);
    }
    read.is_some()
}

async fn case_visibility_follows_scope(store: Store) {
    let w = world(&store).await;
    let a_alice = insert_case(
        &store,
        &new_case(w.org_a, w.alice, Category::Billing, "A by Alice"),
        at(1),
    )
    .await;
    let a_bob = insert_case(
        &store,
        &new_case(w.org_a, w.bob, Category::Billing, "A by Bob"),
        at(2),
    )
    .await;
    let b_carol = insert_case(
        &store,
        &new_case(w.org_b, w.carol, Category::Billing, "B by Carol"),
        at(3),
    )
    .await;
    let all = [a_alice, a_bob, b_carol];

    let visible = async |scope: CaseScope| {
        let mut out = Vec::new();
        for id in all {
            if sees(&store, scope, id).await {
                out.push(id);
            }
        }
        out
    };

    // Staff see everything; nobody sees a case that does not exist.
    assert_eq!(visible(CaseScope::Staff).await, all);
    assert!(!sees(&store, CaseScope::Staff, CaseId(4242)).await);
    // Another organization's cases are simply absent.
    assert_eq!(visible(w.partner(w.carol, true)).await, [b_carol]);
    assert_eq!(visible(w.partner(w.alice, true)).await, [a_alice, a_bob]);
    assert_eq!(visible(w.partner(w.dave, true)).await, [a_alice, a_bob]);
    // Without company visibility: only what they requested...
    assert_eq!(visible(w.partner(w.alice, false)).await, [a_alice]);
    assert_eq!(visible(w.partner(w.bob, false)).await, [a_bob]);
    assert!(visible(w.partner(w.dave, false)).await.is_empty());
    // The org of the scope bounds everything: Alice's requests are not
    // visible through a scope for org B.
    let odd = CaseScope::Partner {
        org: w.org_b,
        user: w.alice,
        company: false,
    };
    assert!(visible(odd).await.is_empty());

    // ...or take part in, as a linked user.
    let mut tx = store.begin().await.unwrap();
    let added = tx
        .add_participants(
            a_bob,
            &[("alice@acme.example".into(), Some(w.alice))],
            Some(w.bob),
            at(10),
        )
        .await
        .unwrap();
    assert_eq!(added, ["alice@acme.example"]);
    // Dave only by address, not linked: that grants nothing.
    tx.add_participants(
        a_bob,
        &[("dave@acme.example".into(), None)],
        Some(w.bob),
        at(10),
    )
    .await
    .unwrap();
    // Carol takes part in an org A case, but her org is B.
    tx.add_participants(
        a_alice,
        &[("carol@blue.example".into(), Some(w.carol))],
        None,
        at(10),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    assert_eq!(visible(w.partner(w.alice, false)).await, [a_alice, a_bob]);
    assert!(visible(w.partner(w.dave, false)).await.is_empty());
    assert_eq!(visible(w.partner(w.carol, false)).await, [b_carol]);
    assert_eq!(visible(w.partner(w.carol, true)).await, [b_carol]);
    assert_eq!(visible(w.partner(w.bob, false)).await, [a_bob]);

    // case_for_update inside a longer transaction, next to a write.
    let mut tx = store.begin().await.unwrap();
    assert!(
        tx.case_for_update(w.partner(w.carol, true), a_alice)
            .await
            .unwrap()
            .is_none()
    );
    let c = tx
        .case_for_update(w.partner(w.alice, false), a_bob)
        .await
        .unwrap()
        .unwrap();
    tx.save_case_state(
        c.id,
        CaseState {
            status: CaseStatus::InProgress,
            epoch: 1,
        },
        true,
        at(20),
    )
    .await
    .unwrap();
    let c = tx
        .case_for_update(CaseScope::Staff, a_bob)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        c.status,
        CaseStatus::InProgress,
        "the transaction sees its own write"
    );
    tx.commit().await.unwrap();
}

async fn save_case_state_round_trip(store: Store) {
    let w = world(&store).await;
    let id = insert_case(
        &store,
        &new_case(w.org_a, w.alice, Category::CustomerCare, "State"),
        at(0),
    )
    .await;
    let other = insert_case(
        &store,
        &new_case(w.org_a, w.alice, Category::CustomerCare, "Other"),
        at(0),
    )
    .await;
    let read = async |id: CaseId| store.case(CaseScope::Staff, id).await.unwrap().unwrap();
    let closed_filter = async |status: StatusFilter| {
        ids(&store, CaseScope::Staff, CaseQuery { status, ..query() }).await
    };

    set_state(&store, id, CaseStatus::InProgress, 1, true, at(100)).await;
    let c = read(id).await;
    assert_eq!(
        c.state(),
        CaseState {
            status: CaseStatus::InProgress,
            epoch: 1
        }
    );
    assert_eq!(
        (c.updated_at, c.status_changed_at, c.created_at),
        (at(100), at(100), at(0))
    );

    // Not a status change: updated_at moves, status_changed_at stays.
    set_state(&store, id, CaseStatus::InProgress, 1, false, at(200)).await;
    let c = read(id).await;
    assert_eq!((c.updated_at, c.status_changed_at), (at(200), at(100)));

    set_state(&store, id, CaseStatus::FeedbackRequired, 2, true, at(300)).await;
    let c = read(id).await;
    assert_eq!(
        c.state(),
        CaseState {
            status: CaseStatus::FeedbackRequired,
            epoch: 2
        }
    );
    assert_eq!((c.updated_at, c.status_changed_at), (at(300), at(300)));
    assert_eq!(closed_filter(StatusFilter::Open).await, [id, other]);
    assert!(closed_filter(StatusFilter::Closed).await.is_empty());

    // Closing sets the closed flag the filters use.
    set_state(&store, id, CaseStatus::Closed, 3, true, at(400)).await;
    let c = read(id).await;
    assert_eq!(
        c.state(),
        CaseState {
            status: CaseStatus::Closed,
            epoch: 3
        }
    );
    assert_eq!((c.updated_at, c.status_changed_at), (at(400), at(400)));
    assert_eq!(closed_filter(StatusFilter::Open).await, [other]);
    assert_eq!(closed_filter(StatusFilter::Closed).await, [id]);
    assert_eq!(
        closed_filter(StatusFilter::Is(CaseStatus::Closed)).await,
        [id]
    );

    // And reopening clears it.
    set_state(&store, id, CaseStatus::Open, 4, true, at(500)).await;
    assert_eq!(
        read(id).await.state(),
        CaseState {
            status: CaseStatus::Open,
            epoch: 4
        }
    );
    assert_eq!(closed_filter(StatusFilter::Open).await, [id, other]);
    assert!(closed_filter(StatusFilter::Closed).await.is_empty());

    // Rolled back, nothing moves.
    let mut tx = store.begin().await.unwrap();
    tx.save_case_state(
        id,
        CaseState {
            status: CaseStatus::Resolved,
            epoch: 9,
        },
        true,
        at(900),
    )
    .await
    .unwrap();
    drop(tx);
    let c = read(id).await;
    assert_eq!(
        c.state(),
        CaseState {
            status: CaseStatus::Open,
            epoch: 4
        }
    );
    assert_eq!((c.updated_at, c.status_changed_at), (at(500), at(500)));

    // The other case was never touched.
    let o = read(other).await;
    assert_eq!(
        (o.state(), o.updated_at, o.status_changed_at),
        (CaseState::new(), at(0), at(0))
    );
}

async fn list_cases_filters(store: Store) {
    let w = world(&store).await;
    let (a, b) = (w.org_a, w.org_b);
    use CaseStatus::*;
    use Category::*;
    let specs: [(OrgId, UserId, Category, &str, CaseStatus); 7] = [
        (a, w.alice, CustomerCare, "Printer jam on floor 3", Open),
        (a, w.bob, Billing, "PRINTER offline", InProgress),
        (a, w.bob, Connections, "100% broken", Resolved),
        (a, w.alice, Billing, "100 percent broken", Closed),
        (b, w.carol, CustomerCare, "snake_case field", Open),
        (b, w.carol, Connections, "snakeXcase field", Closed),
        (b, w.carol, Billing, r"path C:\temp fails", FeedbackRequired),
    ];
    let mut c = Vec::new();
    for (i, (org, user, category, subject, status)) in specs.into_iter().enumerate() {
        let id = insert_case(
            &store,
            &new_case(org, user, category, subject),
            at(i as i64),
        )
        .await;
        if status != Open {
            set_state(&store, id, status, 1, true, at(100 + i as i64)).await;
        }
        c.push(id);
    }
    // c[2]: Alice takes part; c[1]: Dave is on it by address only.
    let mut tx = store.begin().await.unwrap();
    tx.add_participants(
        c[2],
        &[("alice@acme.example".into(), Some(w.alice))],
        None,
        T0,
    )
    .await
    .unwrap();
    tx.add_participants(c[1], &[("dave@acme.example".into(), None)], None, T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let pick = |is: &[usize]| is.iter().map(|&i| c[i]).collect::<Vec<_>>();
    let staff = CaseScope::Staff;
    let q = query;

    // Status.
    assert_eq!(ids(&store, staff, q()).await, pick(&[0, 1, 2, 3, 4, 5, 6]));
    assert_eq!(
        ids(
            &store,
            staff,
            CaseQuery {
                status: StatusFilter::Open,
                ..q()
            }
        )
        .await,
        pick(&[0, 1, 2, 4, 6])
    );
    assert_eq!(
        ids(
            &store,
            staff,
            CaseQuery {
                status: StatusFilter::Closed,
                ..q()
            }
        )
        .await,
        pick(&[3, 5])
    );
    let is = |s| CaseQuery {
        status: StatusFilter::Is(s),
        ..q()
    };
    assert_eq!(ids(&store, staff, is(Open)).await, pick(&[0, 4]));
    assert_eq!(ids(&store, staff, is(InProgress)).await, pick(&[1]));
    assert_eq!(ids(&store, staff, is(FeedbackRequired)).await, pick(&[6]));
    assert_eq!(ids(&store, staff, is(Resolved)).await, pick(&[2]));
    assert_eq!(ids(&store, staff, is(Closed)).await, pick(&[3, 5]));

    // Category, id.
    assert_eq!(
        ids(
            &store,
            staff,
            CaseQuery {
                category: Some(Billing),
                ..q()
            }
        )
        .await,
        pick(&[1, 3, 6])
    );
    assert_eq!(
        ids(
            &store,
            staff,
            CaseQuery {
                category: Some(Billing),
                status: StatusFilter::Open,
                ..q()
            }
        )
        .await,
        pick(&[1, 6])
    );
    assert_eq!(
        ids(
            &store,
            staff,
            CaseQuery {
                id: Some(c[4]),
                ..q()
            }
        )
        .await,
        pick(&[4])
    );
    assert!(
        ids(
            &store,
            staff,
            CaseQuery {
                id: Some(c[4]),
                status: StatusFilter::Closed,
                ..q()
            }
        )
        .await
        .is_empty()
    );
    assert!(
        ids(
            &store,
            staff,
            CaseQuery {
                id: Some(CaseId(1)),
                ..q()
            }
        )
        .await
        .is_empty()
    );

    // Subject: case-insensitive, `%`, `_` and `\` are literal.
    let subject = |s: &str| CaseQuery {
        subject: Some(s.into()),
        ..q()
    };
    assert_eq!(ids(&store, staff, subject("printer")).await, pick(&[0, 1]));
    assert_eq!(ids(&store, staff, subject("pRiNtEr OFF")).await, pick(&[1]));
    assert_eq!(ids(&store, staff, subject("broken")).await, pick(&[2, 3]));
    assert_eq!(ids(&store, staff, subject("100%")).await, pick(&[2]));
    assert_eq!(ids(&store, staff, subject("%")).await, pick(&[2]));
    assert_eq!(ids(&store, staff, subject("0% b")).await, pick(&[2]));
    assert_eq!(ids(&store, staff, subject("_")).await, pick(&[4]));
    assert_eq!(ids(&store, staff, subject("e_c")).await, pick(&[4]));
    assert_eq!(ids(&store, staff, subject(r"\t")).await, pick(&[6]));
    assert_eq!(ids(&store, staff, subject(r"C:\TEMP")).await, pick(&[6]));
    assert!(
        ids(&store, staff, subject("nothing like it"))
            .await
            .is_empty()
    );
    assert_eq!(ids(&store, staff, subject("")).await.len(), 7);

    // Staff queues: team and organization.
    let team = |t: &str| CaseQuery {
        team: Some(t.into()),
        ..q()
    };
    assert_eq!(ids(&store, staff, team("billing")).await, pick(&[1, 3, 6]));
    assert_eq!(
        ids(&store, staff, team("connectivity")).await,
        pick(&[2, 5])
    );
    assert!(ids(&store, staff, team("nobody")).await.is_empty());
    assert_eq!(
        ids(
            &store,
            staff,
            CaseQuery {
                org: Some(a),
                ..q()
            }
        )
        .await,
        pick(&[0, 1, 2, 3])
    );
    assert_eq!(
        ids(
            &store,
            staff,
            CaseQuery {
                org: Some(b),
                ..team("billing")
            }
        )
        .await,
        pick(&[6])
    );
    assert_eq!(
        ids(
            &store,
            staff,
            CaseQuery {
                org: Some(a),
                status: StatusFilter::Open,
                ..team("billing")
            }
        )
        .await,
        pick(&[1])
    );

    // Staff work lists: one assignee's cases, or nobody's; rows name the assignee.
    let mut tx = store.begin().await.unwrap();
    for (i, user) in [(0, w.alice), (3, w.alice), (1, w.bob)] {
        tx.set_case_assignee(c[i], Some(user)).await.unwrap();
    }
    tx.commit().await.unwrap();
    let assigned = |a: AssigneeFilter| CaseQuery {
        assignee: Some(a),
        ..q()
    };
    let alice = AssigneeFilter::User(w.alice);
    assert_eq!(ids(&store, staff, assigned(alice)).await, pick(&[0, 3]));
    assert_eq!(
        ids(
            &store,
            staff,
            CaseQuery {
                status: StatusFilter::Open,
                ..assigned(alice)
            }
        )
        .await,
        pick(&[0])
    );
    assert_eq!(
        ids(&store, staff, assigned(AssigneeFilter::Nobody)).await,
        pick(&[2, 4, 5, 6])
    );
    assert_eq!(store.open_count_assigned(w.alice).await.unwrap(), 1);
    assert_eq!(store.open_count_assigned(w.carol).await.unwrap(), 0);
    let rows = store
        .list_cases(staff, &assigned(AssigneeFilter::User(w.bob)))
        .await
        .unwrap();
    assert_eq!(rows.items.len(), 1);
    assert_eq!(rows.items[0].assignee_name.as_deref(), Some("Bob"));

    // Partners: their organization; mine_only and company = false both mean
    // requested or linked participant.
    let alice_co = w.partner(w.alice, true);
    assert_eq!(ids(&store, alice_co, q()).await, pick(&[0, 1, 2, 3]));
    assert_eq!(
        ids(
            &store,
            alice_co,
            CaseQuery {
                mine_only: true,
                ..q()
            }
        )
        .await,
        pick(&[0, 2, 3])
    );
    assert_eq!(
        ids(&store, w.partner(w.alice, false), q()).await,
        pick(&[0, 2, 3])
    );
    assert_eq!(
        ids(
            &store,
            w.partner(w.alice, false),
            CaseQuery {
                mine_only: true,
                ..q()
            }
        )
        .await,
        pick(&[0, 2, 3])
    );
    assert_eq!(
        ids(
            &store,
            w.partner(w.bob, true),
            CaseQuery {
                mine_only: true,
                ..q()
            }
        )
        .await,
        pick(&[1, 2])
    );
    assert!(ids(&store, w.partner(w.dave, false), q()).await.is_empty());
    assert_eq!(
        ids(&store, w.partner(w.dave, true), q()).await,
        pick(&[0, 1, 2, 3])
    );
    assert!(
        ids(
            &store,
            alice_co,
            CaseQuery {
                org: Some(b),
                ..q()
            }
        )
        .await
        .is_empty()
    );
    assert!(
        ids(
            &store,
            alice_co,
            CaseQuery {
                id: Some(c[4]),
                ..q()
            }
        )
        .await
        .is_empty()
    );
    assert!(ids(&store, alice_co, subject("snake")).await.is_empty());
    assert_eq!(
        ids(&store, w.partner(w.carol, true), subject("snake")).await,
        pick(&[4, 5])
    );
    assert_eq!(
        ids(
            &store,
            w.partner(w.carol, true),
            CaseQuery {
                status: StatusFilter::Open,
                ..q()
            }
        )
        .await,
        pick(&[4, 6])
    );

    // Summaries carry the row.
    let page = store
        .list_cases(
            staff,
            &CaseQuery {
                id: Some(c[1]),
                ..q()
            },
        )
        .await
        .unwrap();
    let s = &page.items[0];
    assert_eq!(s.org_id, a);
    assert_eq!(s.category, Billing);
    assert_eq!(s.subject, "PRINTER offline");
    assert_eq!(s.requester_name, "Bob");
    assert_eq!(s.status, InProgress);
    assert_eq!(s.team, "billing");
    assert_eq!((s.created_at, s.updated_at), (at(1), at(101)));

    let counts = store.open_counts_by_team().await.unwrap();
    assert_eq!(
        counts,
        [
            ("billing".to_owned(), 2),
            ("connectivity".to_owned(), 1),
            ("customer-care".to_owned(), 2)
        ]
    );
}

async fn list_cases_sorts_and_pages(store: Store) {
    let w = world(&store).await;
    // (id, created, updated, status) with ties in every key, so the id
    // tie-break matters.
    let mut model = Vec::new();
    for i in 0..10_i64 {
        let created = at(((i * 3) % 4) * 1000);
        let updated = at(10_000 + ((i * 7) % 5) * 1000);
        let status = CaseStatus::ALL[((i * 2) % 5) as usize];
        let requester = if i % 2 == 0 { w.alice } else { w.bob };
        let id = insert_case(
            &store,
            &new_case(w.org_a, requester, Category::Billing, &format!("Case {i}")),
            created,
        )
        .await;
        set_state(&store, id, status, 1, true, updated).await;
        model.push((id, created, updated, status));
    }
    // Noise in another organization, which the filters below exclude.
    for i in 0..3 {
        insert_case(
            &store,
            &new_case(w.org_b, w.carol, Category::Billing, &format!("B {i}")),
            at(500 * i),
        )
        .await;
    }

    for sort in [SortKey::Created, SortKey::Updated, SortKey::Status] {
        for descending in [false, true] {
            let key =
                |&(_, created, updated, status): &(CaseId, Timestamp, Timestamp, CaseStatus)| {
                    match sort {
                        SortKey::Created => created.0,
                        SortKey::Updated => updated.0,
                        SortKey::Status => status.rank(),
                    }
                };
            let mut expected: Vec<(i64, CaseId)> = model.iter().map(|m| (key(m), m.0)).collect();
            expected.sort();
            if descending {
                expected.reverse();
            }
            let expected: Vec<CaseId> = expected.into_iter().map(|(_, id)| id).collect();

            for (scope, org) in [
                (CaseScope::Staff, Some(w.org_a)),
                (w.partner(w.alice, true), None),
            ] {
                for limit in [3, 5, 10, 11] {
                    let base = CaseQuery {
                        sort,
                        descending,
                        limit,
                        org,
                        ..query()
                    };
                    let mut seen = Vec::new();
                    let mut after = None;
                    let mut pages = 0;
                    loop {
                        pages += 1;
                        assert!(pages <= 10, "pagination does not end");
                        let page = store
                            .list_cases(
                                scope,
                                &CaseQuery {
                                    after,
                                    ..base.clone()
                                },
                            )
                            .await
                            .unwrap();
                        assert!(page.items.len() <= limit as usize);
                        seen.extend(page.items.iter().map(|c| c.id));
                        match page.next {
                            Some(next) => {
                                assert_eq!(
                                    page.items.len(),
                                    limit as usize,
                                    "only full pages have a next"
                                );
                                let last = page.items.last().unwrap();
                                assert_eq!(next, (sort.key_of(last), last.id.0));
                                after = Some(next);
                            }
                            None => break,
                        }
                    }
                    let ctx = format!("{sort:?} desc={descending} limit={limit} {scope:?}");
                    assert_eq!(seen, expected, "{ctx}");
                    assert_eq!(pages, 10_usize.div_ceil(limit as usize), "{ctx}");
                }
            }
        }
    }

    // Filters and pagination together: Alice's own cases, 5 of them, by 2.
    let mine: Vec<CaseId> = model.iter().step_by(2).map(|m| m.0).collect();
    let base = CaseQuery {
        mine_only: true,
        limit: 2,
        ..query()
    };
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_cases(
                w.partner(w.alice, true),
                &CaseQuery {
                    after,
                    ..base.clone()
                },
            )
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|c| c.id));
        after = page.next;
        if after.is_none() {
            break;
        }
    }
    let mut expected: Vec<(i64, CaseId)> = model
        .iter()
        .filter(|m| mine.contains(&m.0))
        .map(|m| (m.1.0, m.0))
        .collect();
    expected.sort();
    assert_eq!(
        seen,
        expected.into_iter().map(|(_, id)| id).collect::<Vec<_>>()
    );

    // A limit of 0 is read as 1; a cursor past the end gives an empty last page.
    let page = store
        .list_cases(
            CaseScope::Staff,
            &CaseQuery {
                limit: 0,
                ..query()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert!(page.next.is_some());
    let page = store
        .list_cases(
            CaseScope::Staff,
            &CaseQuery {
                after: Some((i64::MAX, i64::MAX)),
                ..query()
            },
        )
        .await
        .unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.next, None);
}

async fn participants_are_added_once(store: Store) {
    let w = world(&store).await;
    let case = insert_case(
        &store,
        &new_case(w.org_a, w.alice, Category::Billing, "People"),
        T0,
    )
    .await;
    let other = insert_case(
        &store,
        &new_case(w.org_a, w.alice, Category::Billing, "Other"),
        T0,
    )
    .await;

    let mut tx = store.begin().await.unwrap();
    let added = tx
        .add_participants(
            case,
            &[
                ("bob@acme.example".into(), Some(w.bob)),
                ("zed@partner.example".into(), None),
            ],
            Some(w.alice),
            at(1),
        )
        .await
        .unwrap();
    assert_eq!(added, ["bob@acme.example", "zed@partner.example"]);
    let added = tx
        .add_participants(
            case,
            &[
                ("zed@partner.example".into(), None),
                ("amy@partner.example".into(), None),
                ("amy@partner.example".into(), None),
                ("bob@acme.example".into(), Some(w.bob)),
            ],
            None,
            at(2),
        )
        .await
        .unwrap();
    assert_eq!(added, ["amy@partner.example"], "only the newly added");
    assert!(
        tx.add_participants(case, &[], None, at(3))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        tx.participant_emails(case).await.unwrap(),
        [
            "amy@partner.example",
            "bob@acme.example",
            "zed@partner.example"
        ]
    );
    // The same address on another case is a separate participant.
    let added = tx
        .add_participants(
            other,
            &[("bob@acme.example".into(), Some(w.bob))],
            None,
            at(4),
        )
        .await
        .unwrap();
    assert_eq!(added, ["bob@acme.example"]);
    tx.commit().await.unwrap();

    let people = store.participants(case).await.unwrap();
    let got: Vec<(&str, Option<UserId>, Timestamp)> = people
        .iter()
        .map(|p| (p.email.as_str(), p.user_id, p.created_at))
        .collect();
    assert_eq!(
        got,
        [
            ("bob@acme.example", Some(w.bob), at(1)),
            ("zed@partner.example", None, at(1)),
            ("amy@partner.example", None, at(2)),
        ]
    );
    assert_eq!(store.participants(other).await.unwrap().len(), 1);

    // Rolled back, nothing is added.
    let mut tx = store.begin().await.unwrap();
    let added = tx
        .add_participants(case, &[("ivy@partner.example".into(), None)], None, at(5))
        .await
        .unwrap();
    assert_eq!(added, ["ivy@partner.example"]);
    drop(tx);
    assert_eq!(store.participants(case).await.unwrap().len(), 3);
}

async fn messages_and_attachments(store: Store) {
    let w = world(&store).await;
    let case = insert_case(
        &store,
        &new_case(w.org_a, w.alice, Category::Billing, "Talk"),
        T0,
    )
    .await;
    let other = insert_case(
        &store,
        &new_case(w.org_a, w.alice, Category::Billing, "Other"),
        T0,
    )
    .await;
    let quiet = insert_case(
        &store,
        &new_case(w.org_a, w.alice, Category::Billing, "Quiet"),
        T0,
    )
    .await;

    let msg = |case, side, internal, body: &str| NewMessage {
        case_id: case,
        author_id: Some(if side == Actor::Staff {
            w.staff
        } else {
            w.alice
        }),
        author_name: if side == Actor::Staff {
            "Sam Staff".into()
        } else {
            "Alice".into()
        },
        author_email: (side == Actor::Partner).then(|| "alice@acme.example".into()),
        side,
        internal,
        body: body.into(),
        source: "portal",
        inbound_id: None,
    };
    let mut tx = store.begin().await.unwrap();
    let m1 = tx
        .insert_message(&msg(case, Actor::Partner, false, "Hello"), at(1))
        .await
        .unwrap();
    let m2 = tx
        .insert_message(
            &msg(case, Actor::Staff, true, "Internal: check billing"),
            at(2),
        )
        .await
        .unwrap();
    let m3 = tx
        .insert_message(&msg(other, Actor::Staff, false, "Other case"), at(3))
        .await
        .unwrap();
    let system = NewMessage {
        author_id: None,
        author_name: "frontdesk".into(),
        author_email: None,
        side: Actor::System,
        source: "system",
        inbound_id: None,
        ..msg(case, Actor::System, false, "Status changed\nto In progress")
    };
    let m4 = tx.insert_message(&system, at(4)).await.unwrap();
    tx.commit().await.unwrap();
    assert!(m1 < m2 && m2 < m3 && m3 < m4);

    let public = store.messages(&[case], false).await.unwrap();
    let ids: Vec<_> = public.iter().map(|m| m.id).collect();
    assert_eq!(ids, [m1, m4], "internal notes hidden");
    let first = &public[0];
    assert_eq!(first.case_id, case);
    assert_eq!(first.author_id, Some(w.alice));
    assert_eq!(first.author_name, "Alice");
    assert_eq!(first.author_email.as_deref(), Some("alice@acme.example"));
    assert_eq!(first.side, Actor::Partner);
    assert!(!first.internal);
    assert_eq!(first.body, "Hello");
    assert_eq!(first.source, "portal");
    assert_eq!(first.created_at, at(1));
    let sys = &public[1];
    assert_eq!(
        (sys.author_id, sys.author_email.as_deref(), sys.side),
        (None, None, Actor::System)
    );
    assert_eq!(
        (sys.body.as_str(), sys.source.as_str()),
        ("Status changed\nto In progress", "system")
    );

    let all = store.messages(&[case], true).await.unwrap();
    let ids: Vec<_> = all.iter().map(|m| m.id).collect();
    assert_eq!(ids, [m1, m2, m4]);
    assert!(all[1].internal);
    assert_eq!(
        (all[1].side, all[1].author_email.as_deref()),
        (Actor::Staff, None)
    );
    assert_eq!(all[1].body, "Internal: check billing");

    // Several cases: grouped in the order asked.
    let ids: Vec<_> = store
        .messages(&[other, case], true)
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, [m3, m1, m2, m4]);
    assert!(store.messages(&[quiet], true).await.unwrap().is_empty());
    assert!(store.messages(&[], true).await.unwrap().is_empty());

    // Attachments.
    let mut tx = store.begin().await.unwrap();
    let a1 = tx
        .insert_attachment(
            case,
            "invoice.pdf",
            "application/pdf",
            12_345,
            "ab12",
            "blobs/ab12",
            Some(w.alice),
            at(5),
        )
        .await
        .unwrap();
    let a2 = tx
        .insert_attachment(
            case,
            "big.bin",
            "application/octet-stream",
            5_000_000_000,
            "cd34",
            "blobs/cd34",
            None,
            at(6),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let list = store.attachments(case).await.unwrap();
    assert_eq!(list.iter().map(|a| a.id).collect::<Vec<_>>(), [a1, a2]);
    let got = store.attachment(case, a1).await.unwrap().unwrap();
    assert_eq!(got, list[0]);
    assert_eq!(got.case_id, case);
    assert_eq!(
        (got.file_name.as_str(), got.content_type.as_str()),
        ("invoice.pdf", "application/pdf")
    );
    assert_eq!(
        (got.size, got.sha256.as_str(), got.blob_key.as_str()),
        (12_345, "ab12", "blobs/ab12")
    );
    assert_eq!((got.uploaded_by, got.created_at), (Some(w.alice), at(5)));
    assert_eq!((list[1].size, list[1].uploaded_by), (5_000_000_000, None));
    assert_eq!(
        store.attachment(other, a1).await.unwrap(),
        None,
        "the attachment of another case"
    );
    assert!(store.attachments(other).await.unwrap().is_empty());
}

async fn events_are_recorded_in_one_call(store: Store) {
    let w = world(&store).await;
    let case = insert_case(
        &store,
        &new_case(w.org_a, w.alice, Category::Billing, "Audit"),
        T0,
    )
    .await;
    let other = insert_case(
        &store,
        &new_case(w.org_a, w.alice, Category::Billing, "Other"),
        T0,
    )
    .await;

    let mut tx = store.begin().await.unwrap();
    tx.record_events(&[], at(1)).await.unwrap();
    tx.record_events(
        &[
            NewEvent {
                case_id: case,
                actor_id: Some(w.alice),
                actor: "partner",
                kind: "created",
                detail: serde_json::json!({ "subject": "Audit", "quote": "it's \"fine\"" }),
            },
            NewEvent {
                case_id: other,
                actor_id: None,
                actor: "system",
                kind: "created",
                detail: serde_json::json!({}),
            },
            NewEvent {
                case_id: case,
                actor_id: None,
                actor: "system",
                kind: "timer_fired",
                detail: serde_json::json!({ "kind": "feedback_close", "epoch": 2 }),
            },
        ],
        at(2),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let events = store.events(case).await.unwrap();
    assert_eq!(events.len(), 2);
    assert!(events[0].id < events[1].id);
    assert_eq!(events[0].actor_id, Some(w.alice));
    assert_eq!(
        (events[0].actor.as_str(), events[0].kind.as_str()),
        ("partner", "created")
    );
    let detail: serde_json::Value = serde_json::from_str(&events[0].detail).unwrap();
    assert_eq!(
        detail,
        serde_json::json!({ "subject": "Audit", "quote": "it's \"fine\"" })
    );
    assert_eq!(events[0].created_at, at(2));
    assert_eq!(events[1].actor_id, None);
    assert_eq!(
        (events[1].actor.as_str(), events[1].kind.as_str()),
        ("system", "timer_fired")
    );
    let detail: serde_json::Value = serde_json::from_str(&events[1].detail).unwrap();
    assert_eq!(detail["epoch"], 2);
    let others = store.events(other).await.unwrap();
    assert_eq!(others.len(), 1);
    assert_eq!(others[0].detail, "{}");

    // More rows than one statement takes (chunks of 500).
    let many: Vec<NewEvent> = (0..1203)
        .map(|i| NewEvent {
            case_id: other,
            actor_id: Some(w.staff),
            actor: "staff",
            kind: "note",
            detail: serde_json::json!({ "n": i }),
        })
        .collect();
    let mut tx = store.begin().await.unwrap();
    tx.record_events(&many, at(3)).await.unwrap();
    tx.commit().await.unwrap();
    let others = store.events(other).await.unwrap();
    assert_eq!(others.len(), 1204);
    let ns: Vec<i64> = others[1..]
        .iter()
        .map(|e| {
            serde_json::from_str::<serde_json::Value>(&e.detail).unwrap()["n"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(ns, (0..1203).collect::<Vec<_>>());

    // Rolled back, nothing is recorded.
    let mut tx = store.begin().await.unwrap();
    tx.record_events(&many[..3], at(4)).await.unwrap();
    drop(tx);
    assert_eq!(store.events(other).await.unwrap().len(), 1204);
}

/// Takes due timers in a transaction of its own and commits. After a
/// dropped transaction PostgreSQL may still hold its row locks for a moment
/// (the rollback is sent when the pool gets the connection back), and
/// `SKIP LOCKED` would pass over them: retry until `expected` comes back.
async fn take_committed(store: &Store, now: Timestamp, limit: i64, expected: &[Timer]) {
    for _ in 0..200 {
        let mut tx = store.begin().await.unwrap();
        let got = tx.take_due_timers(now, limit).await.unwrap();
        if got == expected {
            tx.commit().await.unwrap();
            return;
        }
        assert!(
            got.len() < expected.len(),
            "took more than expected: {got:?} vs {expected:?}"
        );
        drop(tx);
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("never took {expected:?}");
}

async fn timers_schedule_cancel_and_take(store: Store) {
    let w = world(&store).await;
    let mut cases = Vec::new();
    for i in 0..3 {
        cases.push(
            insert_case(
                &store,
                &new_case(w.org_a, w.alice, Category::Billing, &format!("T{i}")),
                T0,
            )
            .await,
        );
    }
    let (c1, c2, c3) = (cases[0], cases[1], cases[2]);
    use TimerKind::*;

    let mut tx = store.begin().await.unwrap();
    tx.schedule_timers(&[]).await.unwrap();
    tx.schedule_timers(&[
        (c1, FeedbackFirstReminder, 1, at(300)),
        (c1, FeedbackClose, 1, at(100)),
        (c2, ResolvedClose, 2, at(100)),
        (c2, FeedbackSecondReminder, 1, at(900)),
        (c3, FeedbackClose, 5, at(50)),
    ])
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let t1 = store.timers(c1).await.unwrap();
    let got: Vec<_> = t1
        .iter()
        .map(|t| (t.case_id, t.kind, t.epoch, t.due_at))
        .collect();
    assert_eq!(
        got,
        [
            (c1, FeedbackClose, 1, at(100)),
            (c1, FeedbackFirstReminder, 1, at(300))
        ]
    );
    let t2 = store.timers(c2).await.unwrap();
    let got: Vec<_> = t2.iter().map(|t| (t.kind, t.epoch, t.due_at)).collect();
    assert_eq!(
        got,
        [
            (ResolvedClose, 2, at(100)),
            (FeedbackSecondReminder, 1, at(900))
        ]
    );
    assert_eq!(store.timers(c3).await.unwrap().len(), 1);
    assert_eq!(store.next_timer_due().await.unwrap(), Some(at(50)));

    // Cancel by case.
    let mut tx = store.begin().await.unwrap();
    tx.cancel_timers(&[]).await.unwrap();
    tx.cancel_timers(&[c3]).await.unwrap();
    tx.commit().await.unwrap();
    assert!(store.timers(c3).await.unwrap().is_empty());
    assert_eq!(store.timers(c1).await.unwrap(), t1);
    assert_eq!(store.next_timer_due().await.unwrap(), Some(at(100)));

    // Nothing due yet.
    let mut tx = store.begin().await.unwrap();
    assert!(tx.take_due_timers(at(99), 10).await.unwrap().is_empty());
    tx.commit().await.unwrap();

    // Only due ones, by (due_at, id); a rolled-back take leaves them in place.
    let due = vec![t1[0], t2[0], t1[1]];
    assert!(t1[0].id < t2[0].id);
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.take_due_timers(at(300), 10).await.unwrap(), due);
    drop(tx);
    assert_eq!(store.timers(c1).await.unwrap(), t1);
    assert_eq!(store.timers(c2).await.unwrap(), t2);

    // Committed, they are gone. The limit counts cases, oldest due first,
    // and a taken case gives all of its due timers.
    take_committed(&store, at(300), 1, &[t1[0], t1[1]]).await;
    assert!(store.timers(c1).await.unwrap().is_empty());
    assert_eq!(store.timers(c2).await.unwrap(), t2);
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.take_due_timers(at(300), 10).await.unwrap(), [t2[0]]);
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert!(
        tx.take_due_timers(at(300), 10).await.unwrap().is_empty(),
        "a second take finds nothing"
    );
    tx.commit().await.unwrap();

    assert_eq!(store.next_timer_due().await.unwrap(), Some(at(900)));
    let mut tx = store.begin().await.unwrap();
    assert_eq!(
        tx.take_due_timers(at(900), 10).await.unwrap(),
        [t2[1]],
        "due_at is inclusive"
    );
    tx.commit().await.unwrap();
    assert_eq!(store.next_timer_due().await.unwrap(), None);
    for c in cases {
        assert!(store.timers(c).await.unwrap().is_empty());
    }
}

fn mail(case: Option<CaseId>, n: u32) -> NewMail {
    NewMail {
        case_id: case,
        kind: "received".into(),
        recipients: vec![format!("p{n}@acme.example"), "cc@acme.example".into()],
        subject: format!("[#{n}] Received"),
        context: format!("{{\"n\":{n}}}"),
        message_id: format!("<m{n}@frontdesk.example>"),
        in_reply_to: case.map(|c| format!("<case{}@frontdesk.example>", c.0)),
        references: case
            .map(|c| vec![format!("<case{}@frontdesk.example>", c.0), "<x@y>".into()])
            .unwrap_or_default(),
    }
}

async fn outbox_claims_leases_and_retries(store: Store) {
    let w = world(&store).await;
    let case = insert_case(
        &store,
        &new_case(w.org_a, w.alice, Category::Billing, "Mail"),
        T0,
    )
    .await;

    let mut tx = store.begin().await.unwrap();
    tx.enqueue_mail(&[], at(0)).await.unwrap();
    tx.enqueue_mail(
        &[mail(Some(case), 1), mail(None, 2), mail(Some(case), 3)],
        at(0),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // Queued later: not deliverable before its time.
    let mut tx = store.begin().await.unwrap();
    tx.enqueue_mail(&[mail(Some(case), 4)], at(5000))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Rolled back: never queued.
    let mut tx = store.begin().await.unwrap();
    tx.enqueue_mail(&[mail(None, 99)], at(0)).await.unwrap();
    drop(tx);
    assert_eq!(store.pending_mail_count().await.unwrap(), 4);

    // The staff view: newest first, filters.
    let all = store
        .outbox(&OutboxQuery {
            limit: 50,
            ..OutboxQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 4);
    let ids: Vec<i64> = all.iter().map(|m| m.id).rev().collect();
    assert!(ids.windows(2).all(|p| p[0] < p[1]));
    let subjects: Vec<&str> = all.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(
        subjects,
        [
            "[#4] Received",
            "[#3] Received",
            "[#2] Received",
            "[#1] Received"
        ]
    );
    let m1 = &all[3];
    assert_eq!(m1.case_id, Some(case));
    assert_eq!(m1.kind, "received");
    assert_eq!(m1.recipients, ["p1@acme.example", "cc@acme.example"]);
    assert_eq!(m1.context, r#"{"n":1}"#);
    assert_eq!(m1.message_id, "<m1@frontdesk.example>");
    assert_eq!(
        m1.in_reply_to,
        Some(format!("<case{}@frontdesk.example>", case.0))
    );
    assert_eq!(
        m1.references,
        [
            format!("<case{}@frontdesk.example>", case.0),
            "<x@y>".into()
        ]
    );
    assert_eq!(
        (m1.status, m1.attempts, m1.last_error.as_deref()),
        (MailStatus::Pending, 0, None)
    );
    assert_eq!((m1.created_at, m1.sent_at), (at(0), None));
    let m2 = &all[2];
    assert_eq!((m2.case_id, m2.in_reply_to.as_deref()), (None, None));
    assert!(m2.references.is_empty());
    let for_case = store
        .outbox(&OutboxQuery {
            case_id: Some(case),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(for_case.len(), 3);
    let page = store
        .outbox(&OutboxQuery {
            before_id: Some(all[1].id),
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.iter().map(|m| m.id).collect::<Vec<_>>(), [all[2].id]);
    let (id1, id2, id3, id4) = (all[3].id, all[2].id, all[1].id, all[0].id);

    // Claim leases rows; a second claim before the lease ends gets nothing of them.
    let lease = at(60_000);
    let claimed = store.claim_mail(at(100), lease, 2).await.unwrap();
    assert_eq!(claimed.iter().map(|m| m.id).collect::<Vec<_>>(), [id1, id2]);
    assert_eq!(claimed[0].subject, "[#1] Received");
    let claimed = store.claim_mail(at(100), lease, 10).await.unwrap();
    assert_eq!(
        claimed.iter().map(|m| m.id).collect::<Vec<_>>(),
        [id3],
        "4 is not due yet"
    );
    assert!(
        store
            .claim_mail(at(200), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .claim_mail(at(5000), lease, 10)
            .await
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect::<Vec<_>>(),
        [id4]
    );
    assert!(
        store
            .claim_mail(at(59_999), at(120_000), 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Sent: done for good.
    store.mark_mail_sent(id1, at(300)).await.unwrap();
    // Failed with a retry: pending again from that time, lease cleared.
    store
        .mark_mail_failed(id2, "421 try later", Some(at(10_000)))
        .await
        .unwrap();
    // Failed for good.
    store
        .mark_mail_failed(id3, "550 no such user", None)
        .await
        .unwrap();
    assert_eq!(store.pending_mail_count().await.unwrap(), 2);

    let get = async |id: i64| {
        let list = store
            .outbox(&OutboxQuery {
                before_id: Some(id + 1),
                limit: 1,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(list[0].id, id);
        list.into_iter().next().unwrap()
    };
    let sent = get(id1).await;
    assert_eq!(
        (sent.status, sent.attempts, sent.sent_at, sent.last_error),
        (MailStatus::Sent, 1, Some(at(300)), None)
    );
    let retry = get(id2).await;
    assert_eq!(
        (retry.status, retry.attempts, retry.sent_at),
        (MailStatus::Pending, 1, None)
    );
    assert_eq!(retry.last_error.as_deref(), Some("421 try later"));
    let failed = get(id3).await;
    assert_eq!((failed.status, failed.attempts), (MailStatus::Failed, 1));
    assert_eq!(failed.last_error.as_deref(), Some("550 no such user"));
    let failed_only = store
        .outbox(&OutboxQuery {
            status: Some(MailStatus::Failed),
            limit: 50,
            ..Default::default()
        })
        .await;
    assert_eq!(
        failed_only
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect::<Vec<_>>(),
        [id3]
    );

    // The retry is not claimable before its time, then it is.
    assert!(
        store
            .claim_mail(at(9_999), at(20_000), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = store.claim_mail(at(10_000), at(20_000), 10).await.unwrap();
    assert_eq!(again.iter().map(|m| m.id).collect::<Vec<_>>(), [id2]);
    assert_eq!(again[0].attempts, 1);
    // Lease expired: the unsent id4 and id2 can be claimed again; sent and failed never.
    let later = store
        .claim_mail(at(1_000_000), at(2_000_000), 10)
        .await
        .unwrap();
    assert_eq!(later.iter().map(|m| m.id).collect::<Vec<_>>(), [id2, id4]);
    store
        .mark_mail_failed(id2, "421 again", Some(at(3_000_000)))
        .await
        .unwrap();
    store.mark_mail_sent(id4, at(1_000_001)).await.unwrap();
    assert_eq!(get(id2).await.attempts, 2);
    assert_eq!(get(id2).await.last_error.as_deref(), Some("421 again"));
    assert!(
        store
            .claim_mail(at(2_999_999), at(4_000_000), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .claim_mail(at(3_000_000), at(4_000_000), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    store.mark_mail_sent(id2, at(3_000_001)).await.unwrap();
    let retried = get(id2).await;
    assert_eq!(
        (retried.status, retried.attempts, retried.last_error),
        (MailStatus::Sent, 3, None)
    );
    assert_eq!(store.pending_mail_count().await.unwrap(), 0);
    assert!(
        store
            .claim_mail(at(i64::MAX / 2), at(i64::MAX / 2 + 1), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn outbox_concurrent_claims_are_disjoint(store: Store) {
    let mails: Vec<NewMail> = (0..40).map(|n| mail(None, n)).collect();
    let mut tx = store.begin().await.unwrap();
    tx.enqueue_mail(&mails, T0).await.unwrap();
    tx.commit().await.unwrap();

    let mut workers = Vec::new();
    for _ in 0..4 {
        let store = store.clone();
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = store.claim_mail(at(1), at(60_000), 3).await.unwrap();
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|m| m.id));
            }
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let unique: BTreeSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), 40, "each mail claimed exactly once");
    assert_eq!(unique.len(), 40);
}

async fn idempotency_keys(store: Store) {
    let w = world(&store).await;
    let response = StoredResponse {
        request_hash: "h1".into(),
        status: 201,
        body: r#"{"id":1001}"#.into(),
    };

    let mut tx = store.begin().await.unwrap();
    assert_eq!(
        tx.idempotent_response(w.alice, "key-1").await.unwrap(),
        None
    );
    tx.save_idempotent_response(w.alice, "key-1", &response, T0)
        .await
        .unwrap();
    assert_eq!(
        tx.idempotent_response(w.alice, "key-1").await.unwrap(),
        Some(response.clone())
    );
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    assert_eq!(
        tx.idempotent_response(w.alice, "key-1").await.unwrap(),
        Some(response.clone())
    );
    assert_eq!(
        tx.idempotent_response(w.alice, "key-2").await.unwrap(),
        None
    );
    assert_eq!(
        tx.idempotent_response(w.bob, "key-1").await.unwrap(),
        None,
        "keys are per user"
    );
    drop(tx);

    // The same key again is a conflict; another user's same key is not.
    let mut tx = store.begin().await.unwrap();
    let other = StoredResponse {
        request_hash: "h2".into(),
        status: 200,
        body: "{}".into(),
    };
    assert!(is_conflict(
        tx.save_idempotent_response(w.alice, "key-1", &other, at(1))
            .await
    ));
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    tx.save_idempotent_response(w.bob, "key-1", &other, at(1))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    assert_eq!(
        tx.idempotent_response(w.alice, "key-1").await.unwrap(),
        Some(response)
    );
    assert_eq!(
        tx.idempotent_response(w.bob, "key-1").await.unwrap(),
        Some(other.clone())
    );
    // Rolled back, nothing is kept.
    tx.save_idempotent_response(w.carol, "key-3", &other, at(2))
        .await
        .unwrap();
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    assert_eq!(
        tx.idempotent_response(w.carol, "key-3").await.unwrap(),
        None
    );
    tx.commit().await.unwrap();
}

/// A run's lease: renewed, it is not claimed again; let expire, another
/// worker claims it and the first holder can neither renew nor finish.
async fn run_leases_renew_and_expire(store: Store) {
    let w = world(&store).await;
    let case = insert_case(
        &store,
        &new_case(w.org_a, w.alice, Category::Connections, "Access"),
        T0,
    )
    .await;
    let mut tx = store.begin().await.unwrap();
    let access = tx
        .insert_access(
            &NewAccess {
                buyer_id: w.org_a,
                seller_id: w.org_b,
                kind: "pull".into(),
                environment: "test".into(),
                name: "B2B".into(),
                fingerprint: "f".into(),
                search_criteria: None,
                notification_emails: Vec::new(),
                requested_by: w.alice,
                case_id: case,
                state: AccessState {
                    status: AccessStatus::Pending,
                    epoch: 0,
                    run: 1,
                    steps_passed: false,
                    manual_check: false,
                },
            },
            T0,
        )
        .await
        .unwrap();
    let run = tx
        .queue_run(access, w.org_b, 1, "created", "{}", T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    const LEASE: i64 = 60_000;
    let first = store.claim_runs(T0, LEASE, 4, 4).await.unwrap();
    assert_eq!(first.len(), 1);
    let token = first[0].attempts;
    // Renewed at 40 s until 100 s: not due at 70 s although the claim's
    // own lease ended at 60 s.
    assert!(
        store
            .renew_run_lease(run, token, at(40_000 + LEASE))
            .await
            .unwrap()
    );
    assert!(
        store
            .claim_runs(at(70_000), LEASE, 4, 4)
            .await
            .unwrap()
            .is_empty()
    );
    // Not renewed again: expired at 100 s, another worker claims it.
    let second = store.claim_runs(at(100_000), LEASE, 4, 4).await.unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].attempts, token + 1);
    assert!(
        !store
            .renew_run_lease(run, token, at(100_000 + LEASE))
            .await
            .unwrap()
    );
    let mut tx = store.begin().await.unwrap();
    assert!(
        !tx.finish_run(run, token, "{}", "passed", at(101_000))
            .await
            .unwrap()
    );
    assert!(
        tx.finish_run(run, token + 1, "{}", "passed", at(101_000))
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    // Finished: nothing left to renew.
    assert!(
        !store
            .renew_run_lease(run, token + 1, at(200_000))
            .await
            .unwrap()
    );
}

/// A seller at its limit is left out of the claim window: its backlog of
/// older runs does not keep another seller's run waiting.
async fn run_claims_skip_sellers_at_their_limit(store: Store) {
    let w = world(&store).await;
    // 20 runs for seller B queued first, then one for seller A.
    let mut runs = Vec::new();
    for (n, seller) in (0..21).map(|n| (n, if n < 20 { w.org_b } else { w.org_a })) {
        let case = insert_case(
            &store,
            &new_case(w.org_a, w.alice, Category::Connections, "Access"),
            at(n),
        )
        .await;
        let mut tx = store.begin().await.unwrap();
        let access = tx
            .insert_access(
                &NewAccess {
                    buyer_id: w.org_a,
                    seller_id: seller,
                    kind: "pull".into(),
                    environment: "test".into(),
                    name: format!("B2B {n}"),
                    fingerprint: format!("f{n}"),
                    search_criteria: None,
                    notification_emails: Vec::new(),
                    requested_by: w.alice,
                    case_id: case,
                    state: AccessState {
                        status: AccessStatus::Pending,
                        epoch: 0,
                        run: 1,
                        steps_passed: false,
                        manual_check: false,
                    },
                },
                at(n),
            )
            .await
            .unwrap();
        let run = tx
            .queue_run(access, seller, 1, "created", "{}", at(n))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        runs.push(run);
    }
    const LEASE: i64 = 60_000;
    let now = at(1_000);
    // Two per claim (a window of 16 candidates), at most 4 per seller.
    let mut claimed = Vec::new();
    for _ in 0..2 {
        claimed.extend(store.claim_runs(now, LEASE, 2, 4).await.unwrap());
    }
    assert!(claimed.iter().all(|r| r.seller_id == w.org_b));
    assert_eq!(claimed.len(), 4);
    // Seller B is full; the window's 16 oldest are all B's, yet A's run is next.
    let third = store.claim_runs(now, LEASE, 2, 4).await.unwrap();
    assert_eq!(
        third.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![runs[20]],
        "seller A's run is claimed past B's backlog"
    );
    assert!(store.claim_runs(now, LEASE, 2, 4).await.unwrap().is_empty());
}
