//! The connection pages: the four-step wizard with its errors and a full
//! request, the access page (secrets masked everywhere), refusals and
//! isolation, edit blocked while Not Working, Connectivity's console and
//! actions, the seller's fix link, and the admin schema editor.

#![allow(clippy::unwrap_used)]

use super::client::PageSession;
use crate::helpers::{Sellers, TestApp, both_backends};
use frontdesk_domain::org::{CompanyVisibility, MemberRole};
use frontdesk_store::orgs::NewOrganization;
use serde_json::{Value, json};

both_backends!(
    the_wizard_requests_a_connection,
    refusals_and_isolation,
    edit_is_blocked_while_not_working_and_staff_act,
    the_fix_link_page_works_once,
    a_signed_in_seller_sees_and_fixes_requests,
    the_schema_editor_refuses_bad_schemas,
    a_one_of_field_goes_through_the_wizard,
    search_criteria_go_through_the_wizard,
    edit_access_saves_criteria_and_tests_again,
);

const SECRET: &str = "Zq-very-secret-91";

fn anonymous() -> PageSession {
    PageSession {
        cookie: String::new(),
        csrf: String::new(),
    }
}

fn mirador_url(s: &Sellers) -> String {
    format!("{}/mirador/pull/test/graphql", s.base_url)
}

fn access_id(location: &str) -> i64 {
    location
        .strip_prefix("/connections/")
        .and_then(|r| r.parse().ok())
        .unwrap_or_else(|| panic!("an access page, not {location}"))
}

async fn api_request(app: &TestApp, token: &str, s: &Sellers, user: &str, name: &str) -> i64 {
    let body = json!({
        "seller_id": s.mirador,
        "connection_type": "pull",
        "name": name,
        "environment": "test",
        "credentials": {"url": mirador_url(s), "user": user, "password": "demo"},
        "notification_emails": ["ops@alpha.example"],
        "accept_financial_responsibility": true,
    });
    app.post(token, "/api/v1/connections", body)
        .await
        .expect_status(201)
        .json()["id"]
        .as_i64()
        .unwrap()
}

/// Gives Mirador a Push type whose credentials are SELLER-API §5's
/// alternatives example (test fixture only: the demo sellers stay as they are).
async fn mirador_push_with_alternatives(app: &TestApp, s: &Sellers) -> String {
    let admin = frontdesk::demo::as_user(&app.app, crate::helpers::ADMIN, None)
        .await
        .unwrap();
    let spec = json!({"type": "object", "title": "Mirador Hotels, Push access", "required": ["auth"],
        "properties": {"auth": {"type": "object", "title": "Authentication", "order": 1, "oneOf": [
            {"title": "User and password", "type": "object", "required": ["method", "user", "password"],
             "properties": {"method": {"type": "string", "const": "basic"},
                            "user": {"type": "string", "title": "User"},
                            "password": {"type": "string", "title": "Password", "secret": true}}},
            {"title": "API key", "type": "object", "required": ["method", "apiKey"],
             "properties": {"method": {"type": "string", "const": "api_key"},
                            "apiKey": {"type": "string", "title": "API key", "secret": true}}}]}}});
    app.app
        .admin_save_connection_type(
            &admin,
            s.mirador,
            "push",
            frontdesk_app::connections::ConnectionTypeInput {
                spec,
                endpoint_test: mirador_url(s),
                endpoint_live: mirador_url(s),
                default_search: None,
                active: true,
            },
        )
        .await
        .unwrap();
    format!("{}:push", s.mirador)
}

async fn the_wizard_requests_a_connection(app: TestApp) {
    let w = app.world().await;
    let s = app.demo_sellers().await;
    let p = app.page_session(&w.a_admin).await;
    let choice = format!("{}:pull", s.mirador);

    let start = app.page(&p, "/connections/new").await;
    assert_eq!(start.status, 200);
    let html = start.text();
    assert!(html.contains("Mirador Hotels"), "{html}");
    assert!(html.contains(&format!("value=\"{choice}\"")));
    assert!(
        html.contains("href=\"/connections\""),
        "the Connections link"
    );

    // Step 1 without a choice.
    let r = app
        .submit(
            &p,
            "/connections/new",
            &[("step", "partner"), ("go", "next")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("data-testid=\"error-partner\""));

    // Step 2: the url pre-filled with the registered test endpoint, the
    // password a password field.
    let r = app
        .submit(
            &p,
            "/connections/new",
            &[("step", "partner"), ("partner", &choice), ("go", "next")],
        )
        .await;
    assert_eq!(r.status, 200);
    let html = r.text();
    assert!(
        html.contains("name=\"step\" value=\"configuration\""),
        "{html}"
    );
    assert!(
        html.contains(&format!("value=\"{}\"", mirador_url(&s))),
        "{html}"
    );
    assert!(
        html.contains("name=\"cred.password\" type=\"password\""),
        "{html}"
    );
    assert!(
        html.contains("The GraphQL endpoint Mirador gave you."),
        "help text"
    );

    let url = mirador_url(&s);
    let config = |name: &'static str, password: &'static str| {
        vec![
            ("step", "configuration"),
            ("partner", choice.as_str()),
            ("name", name),
            ("environment", "test"),
            ("cred.url", url.as_str()),
            ("cred.user", "ok"),
            ("cred.password", password),
        ]
    };
    let mut f = config("", "");
    f.push(("go", "next"));
    let r = app.submit(&p, "/connections/new", &f).await;
    assert_eq!(r.status, 422);
    let html = r.text();
    assert!(html.contains("data-testid=\"error-name\""), "{html}");
    assert!(
        html.contains("data-testid=\"error-cred.password\""),
        "{html}"
    );

    // Back from step 2 keeps what was typed.
    let mut f = config("B2B", SECRET);
    f.push(("go", "back"));
    let r = app.submit(&p, "/connections/new", &f).await;
    assert_eq!(r.status, 200);
    let html = r.text();
    assert!(html.contains("name=\"step\" value=\"partner\""));
    assert!(
        html.contains("name=\"name\" value=\"B2B\""),
        "carried: {html}"
    );

    // Step 3: the user's email pre-filled.
    let mut f = config("B2B", SECRET);
    f.push(("go", "next"));
    let r = app.submit(&p, "/connections/new", &f).await;
    assert_eq!(r.status, 200);
    let html = r.text();
    assert!(
        html.contains("name=\"step\" value=\"notifications\""),
        "{html}"
    );
    assert!(html.contains(crate::helpers::A_ADMIN));

    let mut f = config("B2B", SECRET);
    f.extend([
        ("step", "notifications"),
        ("emails", "not-an-address"),
        ("go", "next"),
    ]);
    f.retain(|(k, v)| *k != "step" || *v == "notifications");
    let r = app.submit(&p, "/connections/new", &f).await;
    assert_eq!(r.status, 422);
    assert!(
        r.text()
            .contains("data-testid=\"error-notification_emails\"")
    );

    // Step 4: the review masks the secret.
    let review = |accept: bool, go: &'static str| {
        let mut f = config("B2B", SECRET);
        f.retain(|(k, _)| *k != "step");
        f.extend([
            ("step", "review"),
            ("emails", "ops@alpha.example\nit@alpha.example"),
            ("go", go),
        ]);
        if accept {
            f.push(("accept", "true"));
        }
        f
    };
    let mut f = config("B2B", SECRET);
    f.retain(|(k, _)| *k != "step");
    f.extend([
        ("step", "notifications"),
        ("emails", "ops@alpha.example\nit@alpha.example"),
        ("go", "next"),
    ]);
    let r = app.submit(&p, "/connections/new", &f).await;
    assert_eq!(r.status, 200);
    let html = r.text();
    assert!(html.contains("data-testid=\"review\""), "{html}");
    assert!(html.contains("••••••••"));
    assert!(html.contains("it@alpha.example"));

    let r = app
        .submit(&p, "/connections/new", &review(false, "confirm"))
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("data-testid=\"error-accept\""));

    let r = app
        .submit(&p, "/connections/new", &review(true, "confirm"))
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let location = r.header("location").unwrap();
    let id = access_id(&location);

    // The access page, the list and the case never show the password.
    let page = app.page(&p, &location).await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("B2B"));
    assert!(html.contains("data-testid=\"access-status\""));
    assert!(html.contains("data-testid=\"status-meaning\""));
    assert!(html.contains("Mirador Hotels"));
    let detail = app
        .app
        .store
        .access(
            frontdesk_store::connections::AccessScope::Staff,
            frontdesk_domain::AccessId(id),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(html.contains(&format!("href=\"/cases/{}\"", detail.case_id.0)));
    let list = app.page(&p, "/connections").await;
    assert_eq!(list.status, 200);
    assert!(list.text().contains(&format!("href=\"/connections/{id}\"")));
    let filtered = app
        .page(&p, "/connections?status=working&environment=live")
        .await;
    assert!(
        !filtered
            .text()
            .contains(&format!("href=\"/connections/{id}\""))
    );
    let case = app.page(&p, &format!("/cases/{}", detail.case_id.0)).await;
    let agent = app.page_session(&w.agent).await;
    let staff_view = app.page(&agent, &location).await;
    assert_eq!(staff_view.status, 200);
    assert!(staff_view.text().contains("data-testid=\"staff-actions\""));
    let console = app.page(&agent, "/staff/connections").await;
    assert_eq!(console.status, 200);
    for html in [
        html,
        list.text(),
        case.text(),
        staff_view.text(),
        console.text(),
    ] {
        assert!(!html.contains(SECRET), "the password leaked");
    }
}

async fn refusals_and_isolation(app: TestApp) {
    let w = app.world().await;
    let s = app.demo_sellers().await;
    // A buyer without a commercial contract gets the sales contact.
    app.app
        .create_organization(NewOrganization {
            code: "gamma-trips".into(),
            name: "Gamma Trips".into(),
            is_buyer: true,
            is_seller: false,
            active: true,
            commercial_contract: false,
            company_visibility: CompanyVisibility::Members,
        })
        .await
        .unwrap();
    app.app
        .create_user(
            "gil@gamma.example",
            "Gil Gamma",
            Some(crate::helpers::PASSWORD),
            false,
        )
        .await
        .unwrap();
    app.app
        .set_membership("gil@gamma.example", "gamma-trips", MemberRole::Admin)
        .await
        .unwrap();
    let gil = app
        .login("gil@gamma.example", crate::helpers::PASSWORD)
        .await;
    let g = app.page_session(&gil).await;
    let r = app.page(&g, "/connections/new").await;
    assert_eq!(r.status, 403);
    let html = r.text();
    assert!(html.contains("data-testid=\"no-contract\""), "{html}");
    assert!(html.contains("sales@frontdesk.localhost"));
    assert!(!html.contains("data-testid=\"wizard\""));
    let r = app
        .submit(
            &g,
            "/connections/new",
            &[("step", "partner"), ("go", "next")],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(app.page(&g, "/connections").await.status, 200);

    // Another organization's access does not exist for you.
    let id = api_request(&app, &w.a_admin, &s, "ok", "Ours").await;
    let b = app.page_session(&w.b_member).await;
    let r = app.page(&b, &format!("/connections/{id}")).await;
    assert_eq!(r.status, 404);
    assert!(!r.text().contains("Ours"));
    let r = app
        .submit(&b, &format!("/connections/{id}/cancel"), &[])
        .await;
    assert_eq!(r.status, 404);
    assert!(!app.page(&b, "/connections").await.text().contains("Ours"));
    assert_eq!(app.page(&b, "/connections/999999").await.status, 404);
    assert_eq!(app.page(&b, "/connections/nope").await.status, 404);
    // Partners do not reach the console.
    assert_eq!(app.page(&b, "/staff/connections").await.status, 403);
    // Forged posts are refused.
    let a = app.page_session(&w.a_admin).await;
    let r = app
        .submit_raw(
            &a,
            &format!("/connections/{id}/cancel"),
            &[("csrf", "forged")],
        )
        .await;
    assert_eq!(r.status, 403);
    // A fix link nobody issued.
    let r = app.page(&anonymous(), "/fix/not-a-real-token").await;
    assert_eq!(r.status, 404);
    // Not signed in: sign in first.
    assert_eq!(app.page(&anonymous(), "/connections").await.status, 303);
    // The buyer cancels its own request.
    let r = app
        .submit(&a, &format!("/connections/{id}/cancel"), &[])
        .await;
    assert_eq!(r.status, 303);
    let html = app.page(&a, &format!("/connections/{id}")).await.text();
    assert!(html.contains("Not Completed"), "{html}");
}

async fn edit_is_blocked_while_not_working_and_staff_act(app: TestApp) {
    let w = app.world().await;
    let s = app.demo_sellers().await;
    let id = api_request(&app, &w.a_admin, &s, "quote-fails", "Quotes").await;
    let a = app.settled_access(&w.a_admin, id).await;
    assert_eq!(a["status"], "not_working", "{a}");
    let p = app.page_session(&w.a_admin).await;
    let path = format!("/connections/{id}");
    let html = app.page(&p, &path).await.text();
    assert!(html.contains("data-testid=\"edit-blocked\""), "{html}");
    assert!(html.contains("<fieldset disabled>"), "{html}");
    assert!(html.contains("Not Working"));
    let r = app
        .submit(
            &p,
            &format!("{path}/edit"),
            &[
                ("name", "Renamed"),
                ("cred.url", &mirador_url(&s)),
                ("cred.user", "ok"),
                ("cred.password", ""),
                ("emails", "ops@alpha.example"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("data-testid=\"form-error\""));

    // Staff: the message is required; then the seller is asked for a fix.
    let agent = app.page_session(&w.agent).await;
    let console = app
        .page(&agent, "/staff/connections?status=not_working")
        .await;
    assert_eq!(console.status, 200);
    assert!(console.text().contains(&format!("href=\"{path}\"")));
    let r = app
        .submit(
            &agent,
            &format!("/staff/connections/{id}/mark-working"),
            &[("message", " ")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("data-testid=\"error-working-message\""));
    let r = app
        .submit(&p, &format!("/staff/connections/{id}/rerun"), &[])
        .await;
    assert_eq!(r.status, 403, "partners cannot act as staff");
    let r = app
        .submit(
            &agent,
            &format!("/staff/connections/{id}/seller-fix"),
            &[(
                "message",
                "Quotes fail for every hotel; please check rate plans.",
            )],
        )
        .await;
    assert_eq!(r.status, 303);
    let html = app.page(&p, &path).await.text();
    assert!(html.contains("Pending Seller"), "{html}");
    assert!(!html.contains("data-testid=\"edit-blocked\""));

    // Editing works again: a bad number stays on the form, a good edit saves.
    let edit = |nights: &'static str| {
        vec![
            ("name", "Renamed"),
            ("cred.url", "URL"),
            ("cred.user", "ok"),
            ("cred.password", ""),
            ("emails", "ops@alpha.example"),
            ("sc.nights", nights),
        ]
    };
    let url = mirador_url(&s);
    let mut f = edit("a few");
    f[1].1 = &url;
    let r = app.submit(&p, &format!("{path}/edit"), &f).await;
    assert_eq!(r.status, 422);
    let html = r.text();
    assert!(html.contains("data-testid=\"error-sc.nights\""), "{html}");
    assert!(html.contains("value=\"a few\""), "kept: {html}");
    let mut f = edit("");
    f[1].1 = &url;
    let r = app.submit(&p, &format!("{path}/edit"), &f).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(app.page(&p, &path).await.text().contains("Renamed"));

    // Not completed with a reason.
    let r = app
        .submit(
            &agent,
            &format!("/staff/connections/{id}/not-completed"),
            &[("reason", "duplicate"), ("message", "")],
        )
        .await;
    assert_eq!(r.status, 303);
    let html = app.page(&p, &path).await.text();
    assert!(html.contains("Not Completed"));
    assert!(
        !html.contains("id=\"edit\""),
        "no edit form on a final access"
    );
}

fn fix_token(app: &TestApp) -> String {
    let mails = app.maildir_messages();
    let fix = mails
        .iter()
        .find(|m| m.raw.contains("activation@mirador.example") && m.text.contains("/fix/"))
        .expect("the seller got a fix link");
    fix.text
        .split("/fix/")
        .nth(1)
        .and_then(|rest| {
            rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .next()
        })
        .unwrap()
        .to_owned()
}

async fn the_fix_link_page_works_once(app: TestApp) {
    let w = app.world().await;
    let s = app.demo_sellers().await;
    let id = api_request(&app, &w.a_admin, &s, "needs-criteria", "B2C").await;
    let a = app.settled_access(&w.a_admin, id).await;
    assert_eq!(a["status"], "pending_seller", "{a}");
    app.settle().await;
    let token = fix_token(&app);
    let anon = anonymous();
    let path = format!("/fix/{token}");
    let r = app.page(&anon, &path).await;
    assert_eq!(r.status, 200);
    let html = r.text();
    assert!(html.contains("B2C"));
    assert!(html.contains("needs-criteria"), "non-secret settings shown");
    assert!(
        html.contains("name=\"cred.password\" type=\"password\" value=\"\""),
        "{html}"
    );
    assert!(!html.contains("\"demo\""), "no secret on the page");
    // A bad number stays on the form and keeps the link.
    let r = app
        .submit_raw(
            &anon,
            &path,
            &[
                ("sc.checkInOffsetDays", "soon"),
                ("cred.user", "needs-criteria"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    let html = r.text();
    assert!(
        html.contains("data-testid=\"error-sc.checkInOffsetDays\""),
        "{html}"
    );
    // The service's limits land next to their inputs too.
    let r = app
        .submit_raw(
            &anon,
            &path,
            &[("sc.nights", "40"), ("cred.user", "needs-criteria")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("data-testid=\"error-sc.nights\""));
    let url = mirador_url(&s);
    let r = app
        .submit_raw(
            &anon,
            &path,
            &[
                ("cred.url", &url),
                ("cred.user", "needs-criteria"),
                ("cred.password", ""),
                ("sc.scope", "destinations"),
                ("sc.codes", "PTLIS"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("data-testid=\"fix-thanks\""));
    // Used: a clear page, not the form.
    let r = app.page(&anon, &path).await;
    assert_eq!(r.status, 410);
    assert!(r.text().contains("data-testid=\"fix-closed\""));
    let a = app.settled_access(&w.a_admin, id).await;
    assert_eq!(a["status"], "working", "{a}");
}

async fn the_schema_editor_refuses_bad_schemas(app: TestApp) {
    let w = app.world().await;
    let s = app.demo_sellers().await;
    let admin = app.page_session(&w.admin).await;
    let list = app.page(&admin, "/admin/sellers").await;
    assert_eq!(list.status, 200);
    assert!(list.text().contains("Mirador Hotels"));
    let path = format!("/admin/sellers/{}", s.mirador);
    let page = app.page(&admin, &path).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("name=\"spec\""));

    let bad: Value = json!({"type": "object", "properties": {"user": {"type": "array"}}});
    let bad = bad.to_string();
    let url = mirador_url(&s);
    let r = app
        .submit(
            &admin,
            &format!("{path}/types/pull"),
            &[
                ("spec", &bad),
                ("endpoint_test", &url),
                ("endpoint_live", &url),
                ("active", "true"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    let html = r.text();
    assert!(html.contains("data-testid=\"schema-errors\""), "{html}");
    assert!(html.contains("data-testid=\"error-spec\""), "{html}");
    let r = app
        .submit(
            &admin,
            &format!("{path}/types/pull"),
            &[
                ("spec", "{nope"),
                ("endpoint_test", &url),
                ("endpoint_live", &url),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("not valid JSON"));
    // The stored schema is unchanged: the wizard still offers Mirador.
    let p = app.page_session(&w.a_admin).await;
    assert!(
        app.page(&p, "/connections/new")
            .await
            .text()
            .contains("Mirador Hotels")
    );

    // The listing: an offered seller needs an activation contact.
    let r = app
        .submit(
            &admin,
            &path,
            &[
                ("active", "true"),
                ("description", "Hotels"),
                ("activation_contacts", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.text()
            .contains("data-testid=\"error-activation_contacts\"")
    );
    let r = app
        .submit(
            &admin,
            &path,
            &[
                ("active", "true"),
                ("description", "Hotels in Iberia"),
                ("activation_contacts", "activation@mirador.example"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(
        app.page(&admin, &path)
            .await
            .text()
            .contains("Hotels in Iberia")
    );
    // Not for partners.
    assert_eq!(app.page(&p, "/admin/sellers").await.status, 403);
    assert_eq!(app.page(&p, &path).await.status, 403);
}

async fn a_signed_in_seller_sees_and_fixes_requests(app: TestApp) {
    let w = app.world().await;
    let s = app.demo_sellers().await;
    frontdesk::demo_sellers::seed_seller_users(&app.app, crate::helpers::PASSWORD)
        .await
        .unwrap();
    let id = api_request(&app, &w.a_admin, &s, "needs-criteria", "Mobile").await;
    let a = app.settled_access(&w.a_admin, id).await;
    assert_eq!(a["status"], "pending_seller", "{a}");
    let rosa = app
        .login("rosa@mirador.example", crate::helpers::PASSWORD)
        .await;
    let r = app.page_session(&rosa).await;
    let list = app.page(&r, "/connections").await;
    assert_eq!(list.status, 200);
    let html = list.text();
    assert!(
        html.contains(&format!("href=\"/connections/{id}\"")),
        "{html}"
    );
    assert!(html.contains("Alpha Travel"), "the buyer is named");
    assert!(
        !html.contains("href=\"/connections/new\""),
        "sellers do not request"
    );
    let path = format!("/connections/{id}");
    let html = app.page(&r, &path).await.text();
    assert!(html.contains("data-testid=\"seller-fix\""), "{html}");
    assert!(!html.contains("id=\"edit\""), "only the buyer edits");
    assert!(!html.contains("Cancel request"));
    assert!(!html.contains("\"demo\""), "no secret on the page");
    let url = mirador_url(&s);
    let r2 = app
        .submit(
            &r,
            &format!("{path}/seller-fix"),
            &[
                ("cred.url", &url),
                ("cred.user", "needs-criteria"),
                ("cred.password", ""),
                ("sc.scope", "destinations"),
                ("sc.codes", "PTLIS"),
            ],
        )
        .await;
    assert_eq!(r2.status, 303, "{}", r2.text());
    let a = app.settled_access(&w.a_admin, id).await;
    assert_eq!(a["status"], "working", "{a}");
    // The buyer cannot use the seller's form.
    let p = app.page_session(&w.a_admin).await;
    let r3 = app
        .submit(&p, &format!("{path}/seller-fix"), &[("cred.user", "x")])
        .await;
    assert_eq!(r3.status, 403);
}

async fn a_one_of_field_goes_through_the_wizard(app: TestApp) {
    let w = app.world().await;
    let s = app.demo_sellers().await;
    let choice = mirador_push_with_alternatives(&app, &s).await;
    let p = app.page_session(&w.a_admin).await;

    // Step 2: a radio per alternative, each with its own inputs.
    let r = app
        .submit(
            &p,
            "/connections/new",
            &[("step", "partner"), ("partner", &choice), ("go", "next")],
        )
        .await;
    assert_eq!(r.status, 200);
    let html = r.text();
    assert!(html.contains("data-alternatives"), "{html}");
    assert!(
        html.contains("name=\"cred.auth\" value=\"basic\""),
        "{html}"
    );
    assert!(html.contains("name=\"cred.auth\" value=\"api_key\""));
    assert!(html.contains("name=\"cred.auth.basic.user\" type=\"text\""));
    assert!(html.contains("name=\"cred.auth.api_key.apiKey\" type=\"password\""));

    let config = |key: &'static str| {
        vec![
            ("step", "configuration"),
            ("partner", choice.as_str()),
            ("name", "Push"),
            ("environment", "test"),
            ("cred.auth", "api_key"),
            // Typed into the other alternative: never sent.
            ("cred.auth.basic.user", "somebody"),
            ("cred.auth.api_key.apiKey", key),
        ]
    };
    // The chosen alternative's missing key is marked at its input.
    let mut f = config("");
    f.push(("go", "next"));
    let r = app.submit(&p, "/connections/new", &f).await;
    assert_eq!(r.status, 422);
    let html = r.text();
    assert!(
        html.contains("data-testid=\"error-cred.auth.api_key.apiKey\""),
        "{html}"
    );
    assert!(!html.contains("data-testid=\"error-cred.auth.basic.user\""));
    assert!(html.contains("value=\"api_key\" checked"), "still chosen");

    // Review: the chosen alternative, its key masked.
    let mut f = config(SECRET);
    f.retain(|(k, _)| *k != "step");
    f.extend([
        ("step", "notifications"),
        ("emails", "ops@alpha.example"),
        ("go", "next"),
    ]);
    let r = app.submit(&p, "/connections/new", &f).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let html = r.text();
    assert!(html.contains("data-testid=\"review\""), "{html}");
    assert!(html.contains("<dd>API key</dd>"), "{html}");
    assert!(html.contains("••••••••"));
    f.retain(|(k, _)| *k != "step" && *k != "go");
    f.extend([("step", "review"), ("accept", "true"), ("go", "confirm")]);
    let r = app.submit(&p, "/connections/new", &f).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let location = r.header("location").unwrap();
    let id = access_id(&location);

    // Stored: only the chosen alternative, the key masked.
    let a = app
        .get(&w.a_admin, &format!("/api/v1/connections/{id}"))
        .await
        .expect_status(200)
        .json();
    let auth = &a["credentials"]["auth"];
    assert_eq!(auth["method"], "api_key", "{a}");
    assert!(auth.get("user").is_none(), "{a}");
    let masked = auth["apiKey"].as_str().unwrap();
    assert!(masked.ends_with("91") && !masked.contains("secret"), "{a}");
    assert!(!a.to_string().contains(SECRET));

    // The access page: the chosen alternative pre-selected for editing, the
    // key kept when left blank.
    let html = app.page(&p, &location).await.text();
    assert!(!html.contains(SECRET));
    assert!(
        html.contains("id=\"edit-cred-auth-api-key\" type=\"radio\" name=\"cred.auth\" value=\"api_key\" checked"),
        "{html}"
    );
    assert!(html.contains("Leave blank to keep the stored value."));
}

async fn search_criteria_go_through_the_wizard(app: TestApp) {
    let w = app.world().await;
    let s = app.demo_sellers().await;
    let p = app.page_session(&w.a_admin).await;
    let choice = format!("{}:pull", s.mirador);
    let url = mirador_url(&s);

    // Step 2 offers the criteria, folded.
    let r = app
        .submit(
            &p,
            "/connections/new",
            &[("step", "partner"), ("partner", &choice), ("go", "next")],
        )
        .await;
    let html = r.text();
    assert!(
        html.contains("<details class=\"conn-criteria-box\" data-testid=\"wizard-criteria\" >"),
        "{html}"
    );
    assert!(html.contains("Blank: ES."), "the default market: {html}");

    let config = |nights: &'static str| {
        vec![
            ("partner", choice.as_str()),
            ("name", "Lisbon"),
            ("environment", "test"),
            ("cred.url", url.as_str()),
            ("cred.user", "ok"),
            ("cred.password", "demo"),
            ("sc.scope", "destinations"),
            ("sc.codes", "PTLIS"),
            ("sc.nights", nights),
            ("sc.room1", "35, 33, 8"),
            ("sc.nationality", "gb"),
        ]
    };
    // Out of the schema's limits: the error at the input, the details open.
    let mut f = config("40");
    f.extend([("step", "configuration"), ("go", "next")]);
    let r = app.submit(&p, "/connections/new", &f).await;
    assert_eq!(r.status, 422);
    let html = r.text();
    assert!(html.contains("data-testid=\"error-sc.nights\""), "{html}");
    assert!(
        html.contains("data-testid=\"wizard-criteria\" open"),
        "{html}"
    );
    assert!(html.contains("name=\"sc.nights\" type=\"text\" inputmode=\"numeric\" value=\"40\""));
    // A forged confirm with it is sent back to the configuration step.
    let mut f = config("40");
    f.extend([
        ("step", "review"),
        ("emails", "ops@alpha.example"),
        ("accept", "true"),
        ("go", "confirm"),
    ]);
    let r = app.submit(&p, "/connections/new", &f).await;
    assert_eq!(r.status, 422);
    let html = r.text();
    assert!(
        html.contains("name=\"step\" value=\"configuration\""),
        "{html}"
    );
    assert!(html.contains("data-testid=\"error-sc.nights\""), "{html}");
    let list = app
        .get(&w.a_admin, "/api/v1/connections")
        .await
        .expect_status(200)
        .json();
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        0,
        "nothing stored: {list}"
    );

    // Valid: carried through the steps, shown on the review, stored.
    let mut f = config("3");
    f.extend([("step", "configuration"), ("go", "next")]);
    let r = app.submit(&p, "/connections/new", &f).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let html = r.text();
    assert!(
        html.contains("name=\"step\" value=\"notifications\""),
        "{html}"
    );
    assert!(
        html.contains("name=\"sc.codes\" value=\"PTLIS\""),
        "carried: {html}"
    );
    let mut f = config("3");
    f.extend([
        ("step", "notifications"),
        ("emails", "ops@alpha.example"),
        ("go", "next"),
    ]);
    let r = app.submit(&p, "/connections/new", &f).await;
    let html = r.text();
    assert!(html.contains("data-testid=\"review-criteria\""), "{html}");
    assert!(
        html.contains("<dt>Destinations</dt><dd>PTLIS</dd>"),
        "{html}"
    );
    assert!(
        html.contains("ages by room</dt><dd>35, 33, 8</dd>"),
        "{html}"
    );
    let mut f = config("3");
    f.extend([
        ("step", "review"),
        ("emails", "ops@alpha.example"),
        ("accept", "true"),
        ("go", "confirm"),
    ]);
    let r = app.submit(&p, "/connections/new", &f).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let id = access_id(&r.header("location").unwrap());
    let a = app
        .get(&w.a_admin, &format!("/api/v1/connections/{id}"))
        .await
        .expect_status(200)
        .json();
    assert_eq!(
        a["search_criteria"],
        json!({"destinations": ["PTLIS"], "nights": 3,
               "occupancies": [{"paxes": [{"age": 35}, {"age": 33}, {"age": 8}]}],
               "nationality": "GB"}),
        "{a}"
    );
}

async fn edit_access_saves_criteria_and_tests_again(app: TestApp) {
    let w = app.world().await;
    let s = app.demo_sellers().await;
    let id = api_request(&app, &w.a_admin, &s, "ok", "Edited").await;
    let a = app.settled_access(&w.a_admin, id).await;
    assert_eq!(a["status"], "working", "{a}");
    let p = app.page_session(&w.a_admin).await;
    let path = format!("/connections/{id}");
    let html = app.page(&p, &path).await.text();
    assert!(html.contains("name=\"sc.codes\""), "{html}");
    assert!(!html.contains("data-testid=\"criteria-summary\""));

    let url = mirador_url(&s);
    let edit = |offset: &'static str| {
        vec![
            ("name", "Edited"),
            ("cred.url", url.as_str()),
            ("cred.user", "ok"),
            ("cred.password", ""),
            ("emails", "ops@alpha.example"),
            ("sc.scope", "hotels"),
            ("sc.codes", "MIR-LIS-001\nMIR-LIS-002"),
            ("sc.checkInOffsetDays", offset),
            ("sc.room1", "30, 30"),
            ("sc.room2", "40"),
            ("sc.currency", "eur"),
        ]
    };
    let r = app.submit(&p, &format!("{path}/edit"), &edit("400")).await;
    assert_eq!(r.status, 422);
    let html = r.text();
    assert!(
        html.contains("data-testid=\"error-sc.checkInOffsetDays\""),
        "{html}"
    );
    assert!(html.contains("Between 1 and 365 days"), "{html}");
    let r = app.submit(&p, &format!("{path}/edit"), &edit("45")).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let a = app.settled_access(&w.a_admin, id).await;
    assert_eq!(
        a["search_criteria"],
        json!({"hotels": ["MIR-LIS-001", "MIR-LIS-002"], "checkInOffsetDays": 45,
               "occupancies": [{"paxes": [{"age": 30}, {"age": 30}]}, {"paxes": [{"age": 40}]}],
               "currency": "EUR"}),
        "{a}"
    );
    let runs = a["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "tested again: {a}");
    assert!(runs.iter().any(|r| r["cause"] == "buyer_edit"), "{a}");
    // Shown in words, and in the form for the next edit.
    let html = app.page(&p, &path).await.text();
    assert!(html.contains("data-testid=\"criteria-summary\""), "{html}");
    assert!(
        html.contains("<dt>Check-in</dt><dd>in 45 days</dd>"),
        "{html}"
    );
    assert!(
        html.contains("MIR-LIS-001, MIR-LIS-002</textarea>"),
        "{html}"
    );
    assert!(
        html.contains("name=\"sc.room2\" type=\"text\" value=\"40\""),
        "{html}"
    );
}
