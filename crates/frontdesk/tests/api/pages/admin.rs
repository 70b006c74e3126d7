//! The admin pages: only administrators reach them; organizations, members,
//! users, staff teams and the timer policy; escaping and CSRF.

use crate::helpers::{A_ADMIN, A_MEMBER, ADMIN, B_MEMBER, ORG_A, PASSWORD, TestApp, both_backends};
use frontdesk_domain::{EmailAddress, UserId};

both_backends!(
    only_administrators_reach_the_admin_pages,
    organizations_are_created_and_edited,
    members_are_added_and_removed,
    users_are_created_deactivated_and_given_passwords,
    teams_are_created_and_staffed,
    hostile_names_are_escaped_and_forged_posts_refused,
    the_timer_policy_is_changed_for_new_timers,
);

const PAGES: [&str; 7] = [
    "/admin",
    "/admin/orgs",
    "/admin/orgs/alpha-travel",
    "/admin/users",
    "/admin/users/1",
    "/admin/teams",
    "/admin/timers",
];

async fn user_id(app: &TestApp, email: &str) -> UserId {
    app.app
        .store
        .user_by_email(&EmailAddress::parse(email).unwrap())
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn only_administrators_reach_the_admin_pages(app: TestApp) {
    let w = app.world().await;
    for token in [&w.a_member, &w.a_admin, &w.agent, &w.product] {
        let s = app.page_session(token).await;
        assert!(!s.csrf.is_empty());
        let home = app.page(&s, "/cases").await.text();
        assert!(!home.contains("href=\"/admin\""), "no Admin link");
        for path in PAGES {
            let r = app.page(&s, path).await;
            assert_eq!(r.status, 403, "{path}");
            assert!(r.text().contains("administrators only"), "{path}");
        }
        let r = app
            .submit(
                &s,
                "/admin/orgs",
                &[("code", "sneaky"), ("name", "Sneaky"), ("buyer", "on")],
            )
            .await;
        assert_eq!(r.status, 403);
        let r = app
            .submit(
                &s,
                "/admin/orgs/alpha-travel/members",
                &[("email", B_MEMBER), ("role", "admin")],
            )
            .await;
        assert_eq!(r.status, 403);
    }
    assert!(
        app.app
            .store
            .organization_by_code("sneaky")
            .await
            .unwrap()
            .is_none()
    );
    // Not signed in: sign in first.
    let anon = super::client::PageSession {
        cookie: String::new(),
        csrf: String::new(),
    };
    assert_eq!(app.page(&anon, "/admin/users").await.status, 303);

    let s = app.page_session(&w.admin).await;
    for path in PAGES {
        app.page(&s, path).await.expect_status(200);
    }
    let overview = app.page(&s, "/admin").await.text();
    assert!(overview.contains("aria-current=\"page\""), "nav: admin");
    for link in [
        "/admin/orgs",
        "/admin/users",
        "/admin/teams",
        "/admin/timers",
        "/admin/kb",
    ] {
        assert!(overview.contains(&format!("href=\"{link}\"")), "{link}");
    }
    let orgs = app.page(&s, "/admin/orgs").await.text();
    assert!(orgs.contains("data-org=\"alpha-travel\"") && orgs.contains("Beta Tours"));
    let users = app.page(&s, "/admin/users").await.text();
    assert!(users.contains(A_MEMBER) && users.contains("Carla Agent"));
    let found = app.page(&s, "/admin/users?q=BEA").await.text();
    assert!(
        found.contains(B_MEMBER) && !found.contains(A_MEMBER),
        "search"
    );
    let teams = app.page(&s, "/admin/teams").await.text();
    assert!(teams.contains("id=\"team-customer-care\"") && teams.contains("Hotel Search"));
    assert!(teams.contains("carla.agent@operator.example"));
    let timers = app.page(&s, "/admin/timers").await.text();
    for (key, after) in [
        ("feedback_first_reminder", "3 days"),
        ("feedback_second_reminder", "5 days"),
        ("feedback_close", "7 days"),
        ("resolved_close", "7 days"),
    ] {
        assert!(
            timers.contains(&format!(
                "data-testid=\"timer-{key}\"><strong>{after}</strong>"
            )),
            "{key}"
        );
        assert!(timers.contains(&format!("FRONTDESK_TIMERS__{}", key.to_uppercase())));
    }
    assert!(timers.contains("[timers]"));
    app.page(&s, "/admin/orgs/nope").await.expect_status(404);
    app.page(&s, "/admin/users/999999").await.expect_status(404);
    app.page(&s, "/admin/users/abc").await.expect_status(404);
    app.shutdown().await;
}

async fn organizations_are_created_and_edited(app: TestApp) {
    let w = app.world().await;
    let s = app.page_session(&w.admin).await;
    let created = app
        .submit(
            &s,
            "/admin/orgs",
            &[
                ("code", "gamma-hotels"),
                ("name", "Gamma Hotels"),
                ("seller", "on"),
                ("active", "on"),
                ("visibility", "members"),
            ],
        )
        .await;
    assert_eq!(created.status, 303);
    assert_eq!(created.location(), "/admin/orgs/gamma-hotels");
    let org = app
        .app
        .store
        .organization_by_code("gamma-hotels")
        .await
        .unwrap()
        .unwrap();
    assert!(org.is_seller && !org.is_buyer && org.active && !org.commercial_contract);
    let page = app.page(&s, "/admin/orgs/gamma-hotels").await.text();
    assert!(
        created
            .header("set-cookie")
            .is_some_and(|c| c.starts_with("fd_flash=Organization+Gamma+Hotels+created")),
        "a notice for the next page"
    );
    assert!(page.contains("Gamma Hotels") && page.contains("Seller"));

    // A taken code: the form comes back with the message and the input.
    let dup = app
        .submit(
            &s,
            "/admin/orgs",
            &[
                ("code", "gamma-hotels"),
                ("name", "Gamma Again"),
                ("buyer", "on"),
                ("visibility", "members"),
            ],
        )
        .await;
    assert_eq!(dup.status, 422);
    let html = dup.text();
    assert!(html.contains("data-testid=\"error-code\""));
    assert!(html.contains("already exists"), "{html}");
    assert!(html.contains("value=\"Gamma Again\""), "input kept");
    // A bad code, no profile.
    let bad = app
        .submit(&s, "/admin/orgs", &[("code", "Bad Code"), ("name", "X")])
        .await;
    assert_eq!(bad.status, 422);
    let html = bad.text();
    assert!(html.contains("data-testid=\"error-code\""));
    let none = app
        .submit(&s, "/admin/orgs", &[("code", "delta"), ("name", "Delta")])
        .await;
    assert_eq!(none.status, 422);
    assert!(none.text().contains("data-testid=\"error-profiles\""));
    assert!(
        app.app
            .store
            .organization_by_code("delta")
            .await
            .unwrap()
            .is_none()
    );

    // Company tab restricted to admins: the member loses it at once.
    let theirs = app
        .create_case(
            &w.a_admin,
            None,
            "customer_care",
            "Admin's invoice",
            "Details.",
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let m = app.page_session(&w.a_member).await;
    let before = app.page(&m, "/cases?tab=company").await.text();
    assert!(before.contains(&format!("data-case-id=\"{theirs}\"")));
    let edit = app
        .submit(
            &s,
            "/admin/orgs/alpha-travel",
            &[
                ("name", "Alpha Travel Group"),
                ("buyer", "on"),
                ("active", "on"),
                ("visibility", "admins"),
            ],
        )
        .await;
    assert_eq!(edit.status, 303);
    assert_eq!(edit.location(), "/admin/orgs/alpha-travel");
    let org = app
        .app
        .store
        .organization_by_code(ORG_A)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(org.name, "Alpha Travel Group");
    assert!(!org.commercial_contract, "the contract box was unchecked");
    assert_eq!(org.company_visibility.as_str(), "admins");
    let after = app.page(&m, "/cases?tab=company").await.text();
    assert!(!after.contains(&format!("data-case-id=\"{theirs}\"")));
    assert!(!after.contains(">Company cases<"), "the tab is gone");
    assert!(
        after.contains("Alpha Travel Group"),
        "the header shows the new name"
    );
    let a = app.page_session(&w.a_admin).await;
    let theirs_page = app.page(&a, "/cases?tab=company").await.text();
    assert!(
        theirs_page.contains(&format!("data-case-id=\"{theirs}\"")),
        "admins keep it"
    );

    // Deactivate, with a contract; an empty name is refused and kept out.
    let edit = app
        .submit(
            &s,
            "/admin/orgs/alpha-travel",
            &[
                ("name", "Alpha Travel Group"),
                ("buyer", "on"),
                ("contract", "on"),
                ("visibility", "members"),
            ],
        )
        .await;
    assert_eq!(edit.status, 303);
    let org = app
        .app
        .store
        .organization_by_code(ORG_A)
        .await
        .unwrap()
        .unwrap();
    assert!(!org.active && org.commercial_contract);
    let list = app.page(&s, "/admin/orgs").await.text();
    let row = &list[list.find("data-org=\"alpha-travel\"").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("Inactive") && row.contains("Yes") && row.contains("All members"));
    let empty = app
        .submit(
            &s,
            "/admin/orgs/alpha-travel",
            &[("name", "  "), ("buyer", "on"), ("visibility", "members")],
        )
        .await;
    assert_eq!(empty.status, 422);
    assert!(empty.text().contains("data-testid=\"error-name\""));
    let none = app
        .submit(
            &s,
            "/admin/orgs/alpha-travel",
            &[("name", "Alpha"), ("visibility", "members")],
        )
        .await;
    assert_eq!(none.status, 422);
    let org = app
        .app
        .store
        .organization_by_code(ORG_A)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(org.name, "Alpha Travel Group", "nothing saved");
    app.shutdown().await;
}

async fn members_are_added_and_removed(app: TestApp) {
    let w = app.world().await;
    let s = app.page_session(&w.admin).await;
    let id = app
        .create_case(
            &w.a_member,
            None,
            "customer_care",
            "Alpha rates",
            "Details.",
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/cases/{id}");
    app.get(&w.b_member, &path).await.expect_status(404);

    let added = app
        .submit(
            &s,
            "/admin/orgs/alpha-travel/members",
            &[("email", B_MEMBER), ("role", "member")],
        )
        .await;
    assert_eq!(added.status, 303);
    // Alpha Travel now comes first among Bea's organizations.
    app.get(&w.b_member, &path).await.expect_status(200);
    let page = app.page(&s, "/admin/orgs/alpha-travel").await.text();
    assert!(page.contains(&format!("data-member=\"{B_MEMBER}\"")));

    // Again as admin: the role changes.
    app.submit(
        &s,
        "/admin/orgs/alpha-travel/members",
        &[("email", B_MEMBER), ("role", "admin")],
    )
    .await;
    let page = app.page(&s, "/admin/orgs/alpha-travel").await.text();
    let li = &page[page.find(&format!("data-member=\"{B_MEMBER}\"")).unwrap()..];
    assert!(li[..li.find("</li>").unwrap()].contains("Admin"));

    // Unknown people and roles stay on the form.
    let unknown = app
        .submit(
            &s,
            "/admin/orgs/alpha-travel/members",
            &[("email", "nobody@nowhere.example"), ("role", "member")],
        )
        .await;
    assert_eq!(unknown.status, 422);
    let html = unknown.text();
    assert!(html.contains("No user has this email address"));
    assert!(html.contains("value=\"nobody@nowhere.example\""));
    let role = app
        .submit(
            &s,
            "/admin/orgs/alpha-travel/members",
            &[("email", A_MEMBER), ("role", "owner")],
        )
        .await;
    assert_eq!(role.status, 422);

    let removed = app
        .submit(
            &s,
            "/admin/orgs/alpha-travel/members/remove",
            &[("email", B_MEMBER)],
        )
        .await;
    assert_eq!(removed.status, 303);
    app.get(&w.b_member, &path).await.expect_status(404);
    app.get_in(&w.b_member, ORG_A, &path)
        .await
        .expect_status(403);
    let b = app.page_session(&w.b_member).await;
    let list = app.page(&b, "/cases?tab=company&status=all").await.text();
    assert!(!list.contains("Alpha rates"));
    let page = app.page(&s, "/admin/orgs/alpha-travel").await.text();
    assert!(!page.contains(&format!("data-member=\"{B_MEMBER}\"")));
    // Removing again: nothing to remove.
    let again = app
        .submit(
            &s,
            "/admin/orgs/alpha-travel/members/remove",
            &[("email", B_MEMBER)],
        )
        .await;
    assert_eq!(again.status, 404);
    app.shutdown().await;
}

async fn users_are_created_deactivated_and_given_passwords(app: TestApp) {
    let w = app.world().await;
    let s = app.page_session(&w.admin).await;
    let created = app
        .submit(
            &s,
            "/admin/users",
            &[
                ("email", "nina.new@alpha.example"),
                ("name", "Nina New"),
                ("password", "a-long-password"),
            ],
        )
        .await;
    assert_eq!(created.status, 303);
    let nina = created.location();
    assert!(nina.starts_with("/admin/users/"), "{nina}");
    app.page(&s, &nina).await.expect_status(200);
    // She can sign in, and belongs nowhere yet.
    app.submit(
        &s,
        "/admin/orgs/alpha-travel/members",
        &[("email", "nina.new@alpha.example"), ("role", "member")],
    )
    .await;
    let n = app
        .page_login("nina.new@alpha.example", "a-long-password")
        .await;
    app.page(&n, "/cases").await.expect_status(200);
    let page = app.page(&s, &nina).await.text();
    assert!(
        page.contains("href=\"/admin/orgs/alpha-travel\""),
        "memberships linked"
    );

    // Mistakes: a taken email, a short password, no name.
    let dup = app
        .submit(
            &s,
            "/admin/users",
            &[("email", A_MEMBER), ("name", "Max Again"), ("password", "")],
        )
        .await;
    assert_eq!(dup.status, 422);
    let html = dup.text();
    assert!(html.contains("data-testid=\"error-email\"") && html.contains("already exists"));
    assert!(html.contains("value=\"Max Again\""));
    let short = app
        .submit(
            &s,
            "/admin/users",
            &[
                ("email", "short@x.example"),
                ("name", "Short"),
                ("password", "abc"),
            ],
        )
        .await;
    assert_eq!(short.status, 422);
    let html = short.text();
    assert!(html.contains("data-testid=\"error-password\"") && html.contains("8 characters"));
    assert!(html.contains("value=\"short@x.example\""));
    assert!(!html.contains("value=\"abc\""), "passwords are not echoed");

    // No password: cannot sign in until an administrator sets one.
    let created = app
        .submit(
            &s,
            "/admin/users",
            &[
                ("email", "olga@beta.example"),
                ("name", "Olga"),
                ("admin", "on"),
            ],
        )
        .await;
    assert_eq!(created.status, 303);
    let olga = created.location();
    let mismatch = app
        .submit(
            &s,
            &format!("{olga}/password"),
            &[
                ("password", "olgas-password"),
                ("confirm", "other-password"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, 422);
    let set = app
        .submit(
            &s,
            &format!("{olga}/password"),
            &[
                ("password", "olgas-password"),
                ("confirm", "olgas-password"),
            ],
        )
        .await;
    assert_eq!(set.status, 303);
    let o = app.page_login("olga@beta.example", "olgas-password").await;
    app.page(&o, "/admin").await.expect_status(200);

    // Deactivating ends the member's sessions and tokens.
    app.get(&w.a_member, "/api/v1/cases")
        .await
        .expect_status(200);
    let max = user_id(&app, A_MEMBER).await;
    let off = app
        .submit(
            &s,
            &format!("/admin/users/{}", max.0),
            &[("name", "Max Member")],
        )
        .await;
    assert_eq!(off.status, 303);
    app.get(&w.a_member, "/api/v1/cases")
        .await
        .expect_status(401);
    let user = app.app.store.user(max).await.unwrap().unwrap();
    assert!(!user.active && !user.is_admin);
    let list = app.page(&s, "/admin/users?q=max").await.text();
    assert!(list.contains("Inactive"));
    // Reactivated, the old token stays gone; signing in works again.
    let on = app
        .submit(
            &s,
            &format!("/admin/users/{}", max.0),
            &[("name", "Max Member"), ("active", "on")],
        )
        .await;
    assert_eq!(on.status, 303);
    app.get(&w.a_member, "/api/v1/cases")
        .await
        .expect_status(401);
    app.page_login(A_MEMBER, PASSWORD).await;

    // An administrator cannot lock themselves out.
    let me = user_id(&app, ADMIN).await;
    let own = app
        .submit(
            &s,
            &format!("/admin/users/{}", me.0),
            &[("name", "Root"), ("active", "on")],
        )
        .await;
    assert_eq!(own.status, 422);
    assert!(own.text().contains("cannot deactivate yourself"));
    assert!(app.app.store.user(me).await.unwrap().unwrap().is_admin);
    let a_admin = user_id(&app, A_ADMIN).await;
    let blank = app
        .submit(
            &s,
            &format!("/admin/users/{}", a_admin.0),
            &[("name", " "), ("active", "on")],
        )
        .await;
    assert_eq!(blank.status, 422);
    app.shutdown().await;
}

async fn teams_are_created_and_staffed(app: TestApp) {
    let w = app.world().await;
    let s = app.page_session(&w.admin).await;
    let created = app
        .submit(
            &s,
            "/admin/teams",
            &[
                ("slug", "payments"),
                ("name", "Payments"),
                ("kind", "product"),
            ],
        )
        .await;
    assert_eq!(created.status, 303);
    assert_eq!(created.location(), "/admin/teams#team-payments");
    let team = app.app.store.team("payments").await.unwrap().unwrap();
    assert_eq!(team.kind.as_str(), "product");

    let dup = app
        .submit(
            &s,
            "/admin/teams",
            &[
                ("slug", "payments"),
                ("name", "Payments 2"),
                ("kind", "support"),
            ],
        )
        .await;
    assert_eq!(dup.status, 422);
    let html = dup.text();
    assert!(html.contains("data-testid=\"error-slug\"") && html.contains("already exists"));
    assert!(html.contains("value=\"Payments 2\""));
    let bad = app
        .submit(
            &s,
            "/admin/teams",
            &[("slug", "No Good"), ("name", "X"), ("kind", "support")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("data-testid=\"error-slug\""));

    // A new person becomes staff when added to a team, and stops being it.
    app.submit(
        &s,
        "/admin/users",
        &[
            ("email", "sam@operator.example"),
            ("name", "Sam Staff"),
            ("password", "sams-password"),
        ],
    )
    .await;
    let sam = app.login("sam@operator.example", "sams-password").await;
    app.get(&sam, "/api/v1/staff/outbox")
        .await
        .expect_status(403);
    let added = app
        .submit(
            &s,
            "/admin/teams/payments/members",
            &[("email", "sam@operator.example")],
        )
        .await;
    assert_eq!(added.status, 303);
    app.get(&sam, "/api/v1/staff/outbox")
        .await
        .expect_status(200);
    let page = app.page(&s, "/admin/teams").await.text();
    let card = &page[page.find("data-team=\"payments\"").unwrap()..];
    let card = &card[..card.find("</section>").unwrap()];
    assert!(card.contains("data-member=\"sam@operator.example\""));
    let user_page = app
        .page(
            &s,
            &format!(
                "/admin/users/{}",
                user_id(&app, "sam@operator.example").await.0
            ),
        )
        .await
        .text();
    assert!(user_page.contains("href=\"/admin/teams#team-payments\""));

    let unknown = app
        .submit(
            &s,
            "/admin/teams/payments/members",
            &[("email", "ghost@operator.example")],
        )
        .await;
    assert_eq!(unknown.status, 422);
    let html = unknown.text();
    assert!(html.contains("No user has this email address"));
    assert!(html.contains("value=\"ghost@operator.example\""));
    app.submit(
        &s,
        "/admin/teams/nope/members",
        &[("email", "sam@operator.example")],
    )
    .await
    .expect_status(404);

    let removed = app
        .submit(
            &s,
            "/admin/teams/payments/members/remove",
            &[("email", "sam@operator.example")],
        )
        .await;
    assert_eq!(removed.status, 303);
    app.get(&sam, "/api/v1/staff/outbox")
        .await
        .expect_status(403);
    app.shutdown().await;
}

async fn hostile_names_are_escaped_and_forged_posts_refused(app: TestApp) {
    let w = app.world().await;
    let s = app.page_session(&w.admin).await;
    let evil = "<script>alert(1)</script>";
    app.submit(
        &s,
        "/admin/orgs",
        &[
            ("code", "evil"),
            ("name", evil),
            ("buyer", "on"),
            ("visibility", "members"),
        ],
    )
    .await
    .expect_status(303);
    app.submit(
        &s,
        "/admin/users",
        &[("email", "evil@evil.example"), ("name", evil)],
    )
    .await
    .expect_status(303);
    app.submit(
        &s,
        "/admin/teams",
        &[("slug", "evil-team"), ("name", evil), ("kind", "support")],
    )
    .await
    .expect_status(303);
    app.submit(
        &s,
        "/admin/orgs/evil/members",
        &[("email", "evil@evil.example"), ("role", "admin")],
    )
    .await
    .expect_status(303);
    app.submit(
        &s,
        "/admin/teams/evil-team/members",
        &[("email", "evil@evil.example")],
    )
    .await
    .expect_status(303);
    let evil_id = user_id(&app, "evil@evil.example").await;
    for path in [
        "/admin/orgs".to_owned(),
        "/admin/orgs/evil".to_owned(),
        "/admin/users".to_owned(),
        format!("/admin/users/{}", evil_id.0),
        "/admin/teams".to_owned(),
    ] {
        let html = app.page(&s, &path).await.expect_status(200).text();
        assert!(!html.contains("<script>alert"), "{path}");
        assert!(
            html.contains("&#60;script&#62;alert(1)") || html.contains("&lt;script&gt;alert(1)"),
            "{path}"
        );
    }
    // A hostile name sent back with a mistake is escaped too.
    let back = app
        .submit(
            &s,
            "/admin/orgs",
            &[
                ("code", "evil"),
                ("name", evil),
                ("buyer", "on"),
                ("visibility", "members"),
            ],
        )
        .await;
    assert_eq!(back.status, 422);
    assert!(!back.text().contains("<script>alert"));

    // Forged posts (no token, or another's) change nothing.
    let other = app.page_session(&w.a_member).await;
    for (path, fields) in [
        (
            "/admin/orgs",
            vec![("code", "forged"), ("name", "Forged"), ("buyer", "on")],
        ),
        (
            "/admin/users",
            vec![("email", "forged@x.example"), ("name", "Forged")],
        ),
        (
            "/admin/teams",
            vec![("slug", "forged"), ("name", "Forged"), ("kind", "support")],
        ),
        (
            "/admin/orgs/alpha-travel/members",
            vec![("email", B_MEMBER), ("role", "admin")],
        ),
        (
            "/admin/orgs/alpha-travel/members/remove",
            vec![("email", A_MEMBER)],
        ),
        (
            "/admin/teams/customer-care/members",
            vec![("email", B_MEMBER)],
        ),
    ] {
        let r = app.submit_raw(&s, path, &fields).await;
        assert_eq!(r.status, 403, "{path}");
        assert!(r.text().contains("This form has expired"));
        let mut with_other = fields.clone();
        with_other.push(("csrf", other.csrf.as_str()));
        assert_eq!(
            app.submit_raw(&s, path, &with_other).await.status,
            403,
            "{path}"
        );
    }
    let store = &app.app.store;
    assert!(
        store
            .organization_by_code("forged")
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.team("forged").await.unwrap().is_none());
    assert!(
        store
            .user_by_email(&EmailAddress::parse("forged@x.example").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    let members = store.organization_members(w.org_a).await.unwrap();
    assert!(members.iter().any(|(u, _)| u.email == A_MEMBER));
    assert!(!members.iter().any(|(u, _)| u.email == B_MEMBER));
    let max = user_id(&app, A_MEMBER).await;
    let forged = app
        .submit_raw(&s, &format!("/admin/users/{}", max.0), &[("name", "Max")])
        .await;
    assert_eq!(forged.status, 403);
    assert!(store.user(max).await.unwrap().unwrap().active);
    app.shutdown().await;
}

/// The staff view's pending timer kinds of case `id`.
async fn timer_kinds(app: &TestApp, staff: &str, id: i64) -> Vec<String> {
    app.case(staff, id).await["timers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_timer_policy_is_changed_for_new_timers(app: TestApp) {
    let w = app.world().await;
    let admin = app.page_session(&w.admin).await;
    let fields = |first: &'static str, second: &'static str, close: &'static str| {
        vec![
            ("feedback_first_reminder", first),
            ("feedback_second_reminder", second),
            ("feedback_close", close),
            ("resolved_close", "2d"),
            ("action", "save"),
        ]
    };

    // Partners cannot change it.
    let partner = app.page_session(&w.a_admin).await;
    app.submit(&partner, "/admin/timers", &fields("1d", "2d", "3d"))
        .await
        .expect_status(403);

    // Out of order, or not a duration: refused, the typed values kept.
    let bad = app
        .submit(&admin, "/admin/timers", &fields("5d", "2d", "3d"))
        .await
        .expect_status(422);
    assert!(
        bad.text().contains("feedback timers must grow"),
        "{}",
        bad.text()
    );
    let bad = app
        .submit(&admin, "/admin/timers", &fields("soon", "2d", "3d"))
        .await
        .expect_status(422);
    assert!(bad.text().contains("value=\"soon\""));
    assert!(bad.text().contains("a number and a unit"));
    assert_eq!(
        app.app.policy().feedback_first_reminder,
        frontdesk_domain::Duration::days(3)
    );

    // Saved: new waits use it.
    let saved = app
        .submit(&admin, "/admin/timers", &fields("1d", "2d", "3d"))
        .await;
    assert_eq!(saved.status, 303);
    let page = app.page(&admin, "/admin/timers").await.text();
    assert!(page.contains("Set by an administrator"));
    assert!(page.contains("data-testid=\"timer-feedback_first_reminder\"><strong>1 day</strong>"));

    let id = app
        .create_case(&w.a_member, None, "customer_care", "Waiting", "Details.")
        .await["id"]
        .as_i64()
        .unwrap();
    app.set_status(&w.agent, id, "in_progress", None).await;
    app.set_status(&w.agent, id, "feedback_required", Some("Which hotel?"))
        .await;
    assert_eq!(timer_kinds(&app, &w.agent, id).await.len(), 3);
    // A day and a minute later the first reminder has gone (it would wait
    // three days under the configured policy).
    app.advance(&w.admin, 86_400 + 60).await;
    app.settle().await;
    let left = timer_kinds(&app, &w.agent, id).await;
    assert_eq!(
        left.len(),
        2,
        "the first reminder fired after one day: {left:?}"
    );
    // Three days in all: closed.
    app.advance(&w.admin, 2 * 86_400).await;
    app.settle().await;
    assert_eq!(app.case(&w.a_member, id).await["status"], "closed");

    // Back to the configuration.
    let reset = app
        .submit(&admin, "/admin/timers", &[("action", "reset")])
        .await;
    assert_eq!(reset.status, 303);
    assert_eq!(
        app.app.policy().feedback_first_reminder,
        frontdesk_domain::Duration::days(3)
    );
    assert!(
        app.page(&admin, "/admin/timers")
            .await
            .text()
            .contains("From the configuration")
    );
    app.shutdown().await;
}
