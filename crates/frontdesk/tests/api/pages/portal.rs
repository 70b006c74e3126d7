//! Sign-in, the frame of every page, CSRF, the dashboard and isolation.

use super::client::csrf_of;
use crate::helpers::{A_MEMBER, B_MEMBER, PASSWORD, TestApp, both_backends};

both_backends!(
    sign_in_sets_a_session_and_security_headers,
    wrong_passwords_are_refused_then_rate_limited,
    forms_without_the_csrf_token_change_nothing,
    dashboard_filters_sorts_and_escapes,
    other_organizations_get_nothing,
    unknown_pages_are_html_and_unknown_api_routes_problems,
);

/// A Customer Care case filed over the API; its number.
async fn new_case(app: &TestApp, token: &str, subject: &str) -> i64 {
    app.create_case(token, None, "customer_care", subject, "Details follow.")
        .await["id"]
        .as_i64()
        .unwrap()
}

async fn sign_in_sets_a_session_and_security_headers(app: TestApp) {
    let _w = app.world().await;
    // Not signed in: pages send you to sign in and back.
    let anon = super::client::PageSession {
        cookie: String::new(),
        csrf: String::new(),
    };
    let r = app.page(&anon, "/cases?status=closed").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/login?next=%2Fcases%3Fstatus%3Dclosed");

    let login = app.page(&anon, "/login").await.expect_status(200);
    let csp = login.header("content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(login.header("x-frame-options").as_deref(), Some("DENY"));

    let s = app.page_login(A_MEMBER, PASSWORD).await;
    let page = app.page(&s, "/cases").await.expect_status(200);
    let html = page.text();
    assert!(
        html.contains("Alpha Travel"),
        "the header names the organization"
    );
    assert!(html.contains(">Buyer<"), "and its profile");
    assert_eq!(csrf_of(&html), s.csrf);

    // Signing out ends the session on the server, not just the cookie.
    let out = app.submit(&s, "/logout", &[]).await;
    assert_eq!(out.status, 303);
    let after = app.page(&s, "/cases").await;
    assert_eq!(after.status, 303, "the old cookie no longer works");
    app.shutdown().await;
}

async fn wrong_passwords_are_refused_then_rate_limited(app: TestApp) {
    let _w = app.world().await;
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = client.get(app.url("/login")).send().await.unwrap();
    let cookie = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("fd_login="))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned();
    let token = csrf_of(&form.text().await.unwrap());
    let attempt = |password: &'static str| {
        client
            .post(app.url("/login"))
            .header("cookie", &cookie)
            .form(&[
                ("email", A_MEMBER),
                ("password", password),
                ("csrf", &token),
            ])
            .send()
    };
    for _ in 0..5 {
        let r = attempt("wrong").await.unwrap();
        assert_eq!(r.status(), 401);
        assert!(r.text().await.unwrap().contains("Wrong email or password"));
    }
    // Even the right password waits once the address is locked.
    let r = attempt(PASSWORD).await.unwrap();
    assert_eq!(r.status(), 429);
    // A forged sign-in (no login cookie) is refused.
    let forged = client
        .post(app.url("/login"))
        .form(&[("email", B_MEMBER), ("password", PASSWORD), ("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    app.shutdown().await;
}

async fn forms_without_the_csrf_token_change_nothing(app: TestApp) {
    let w = app.world().await;
    let id = new_case(&app, &w.a_member, "Rates wrong").await;
    let s = app.page_session(&w.a_member).await;
    let path = format!("/cases/{id}/close");
    let forged = app.submit_raw(&s, &path, &[("back", "/cases")]).await;
    assert_eq!(forged.status, 403);
    assert!(forged.text().contains("This form has expired"));
    let wrong = app
        .submit_raw(&s, &path, &[("csrf", "0123456789abcdef0123456789abcdef")])
        .await;
    assert_eq!(wrong.status, 403);
    assert_eq!(app.case(&w.a_member, id).await["status"], "open");
    let ok = app.submit(&s, &path, &[("back", "/cases")]).await;
    assert_eq!(ok.status, 303);
    assert_eq!(ok.location(), "/cases");
    assert_eq!(app.case(&w.a_member, id).await["status"], "closed");
    app.shutdown().await;
}

async fn dashboard_filters_sorts_and_escapes(app: TestApp) {
    let w = app.world().await;
    let first = new_case(&app, &w.a_member, "<script>alert(1)</script> rates").await;
    let second = new_case(&app, &w.a_member, "Booking timeout").await;
    let theirs = new_case(&app, &w.a_admin, "Admin's invoice").await;
    let s = app.page_session(&w.a_member).await;

    let html = app.page(&s, "/cases").await.expect_status(200).text();
    assert!(
        !html.contains("<script>alert(1)</script>"),
        "subjects are escaped"
    );
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62; rates")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt; rates")
    );
    // My cases: mine only, newest update first.
    let pos = |id: i64| html.find(&format!("data-case-id=\"{id}\""));
    assert!(pos(second).unwrap() < pos(first).unwrap());
    assert!(pos(theirs).is_none(), "My cases holds only my cases");

    let company = app.page(&s, "/cases?tab=company").await.text();
    assert!(company.contains(&format!("data-case-id=\"{theirs}\"")));

    let oldest = app.page(&s, "/cases?sort=created-asc").await.text();
    let pos = |id: i64| oldest.find(&format!("data-case-id=\"{id}\""));
    assert!(pos(first).unwrap() < pos(second).unwrap());

    let by_id = app.page(&s, &format!("/cases?id=%23{second}")).await.text();
    assert!(by_id.contains(&format!("data-case-id=\"{second}\"")));
    assert!(!by_id.contains(&format!("data-case-id=\"{first}\"")));

    let by_name = app.page(&s, "/cases?q=timeout").await.text();
    assert!(by_name.contains(&format!("data-case-id=\"{second}\"")));
    assert!(!by_name.contains(&format!("data-case-id=\"{first}\"")));

    let none = app.page(&s, "/cases?category=billing").await.text();
    assert!(none.contains("No cases match these filters"));

    let bad = app
        .page(&s, "/cases?id=abc")
        .await
        .expect_status(200)
        .text();
    assert!(bad.contains("Case ID must be a number"));

    app.submit(&s, &format!("/cases/{first}/close"), &[]).await;
    let open = app.page(&s, "/cases").await.text();
    assert!(
        !open.contains(&format!("data-case-id=\"{first}\"")),
        "closed cases leave the open list"
    );
    let closed = app.page(&s, "/cases?status=closed").await.text();
    assert!(closed.contains(&format!("data-case-id=\"{first}\"")));
    app.shutdown().await;
}

async fn other_organizations_get_nothing(app: TestApp) {
    let w = app.world().await;
    let id = new_case(&app, &w.a_member, "Alpha secret").await;
    let b = app.page_session(&w.b_member).await;
    let list = app.page(&b, "/cases?tab=company&status=all").await.text();
    assert!(!list.contains("Alpha secret"));
    let page = app.page(&b, &format!("/cases/{id}")).await;
    assert_eq!(page.status, 404);
    assert!(!page.text().contains("Alpha secret"));
    let close = app.submit(&b, &format!("/cases/{id}/close"), &[]).await;
    assert_eq!(close.status, 404);
    assert_eq!(app.case(&w.a_member, id).await["status"], "open");
    // Switching to an organization one is not a member of is refused.
    let switch = app
        .submit(&b, "/switch", &[("org", crate::helpers::ORG_A)])
        .await;
    assert_eq!(switch.status, 403);
    app.shutdown().await;
}

async fn unknown_pages_are_html_and_unknown_api_routes_problems(app: TestApp) {
    let w = app.world().await;
    let s = app.page_session(&w.a_member).await;
    let page = app.page(&s, "/no/such/page").await.expect_status(404);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let api = app.get(&w.a_member, "/api/v1/nope").await;
    assert_eq!(api.status, 404);
    assert!(api.header("content-type").unwrap().contains("problem+json"));
    let css = app.page(&s, "/assets/app.css").await.expect_status(200);
    assert!(css.header("cache-control").unwrap().contains("immutable"));
    app.shutdown().await;
}
