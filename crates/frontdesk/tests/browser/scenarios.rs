//! One test per everyday path.

use crate::helpers::{A_MEMBER, AGENT, B_MEMBER};
use crate::{sign_in, sign_out, start};

/// A Customer Care case filed over the API; its number.
async fn api_case(app: &crate::helpers::TestApp, token: &str, subject: &str) -> i64 {
    app.create_case(
        token,
        None,
        "customer_care",
        subject,
        "Filed for the browser test.",
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_then_filter_and_sort_the_dashboard() {
    let Some((app, w, b)) = start().await else {
        return;
    };
    let rates = api_case(&app, &w.a_member, "Rates missing for Lisbon").await;
    let timeout = api_case(&app, &w.a_member, "Booking timeout on confirm").await;

    // A wrong password says so and keeps the address.
    b.go("/cases").await;
    b.wait_for_path("/login").await;
    b.fill("#email", A_MEMBER).await;
    b.fill("#password", "not-the-password").await;
    b.click("form[action='/login'] button[type=submit]").await;
    b.wait_for_text("Wrong email or password").await;
    b.screenshot("sign-in").await;

    sign_in(&b, A_MEMBER).await;
    assert!(
        b.path().await.starts_with("/cases"),
        "back where the person wanted to go"
    );
    b.wait_for_text("Alpha Travel").await;
    let rows = b.attrs("tr[data-case-id]", "data-case-id").await;
    // Newest update first.
    assert_eq!(rows, [timeout.to_string(), rates.to_string()]);
    b.screenshot("dashboard").await;

    // The name filter narrows the list (htmx swaps it in place).
    b.fill("#f-q", "Lisbon").await;
    b.click(".filters button[type=submit]").await;
    b.wait_for_text("Clear").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let rows = b.attrs("tr[data-case-id]", "data-case-id").await;
        if rows.len() == 1 {
            assert_eq!(rows[0], rates.to_string());
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the filter never applied"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        b.url().await.contains("q=Lisbon"),
        "the filtered list has its own address"
    );

    // Sort oldest first through the sort menu.
    b.go("/cases").await;
    b.select("#sort", "created-asc").await;
    b.wait_for_path("/cases?").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let rows = b.attrs("tr[data-case-id]", "data-case-id").await;
        if rows.first() == Some(&rates.to_string()) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the sort never applied"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // A filter that matches nothing explains itself.
    b.go("/cases?category=billing").await;
    b.wait_for_text("No cases match these filters").await;

    // Readable on a phone: nothing wider than the screen.
    b.resize(375, 812).await;
    b.go("/cases").await;
    let overflow = b
        .eval("return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
        .await;
    assert!(
        overflow.as_i64().unwrap_or(0) <= 0,
        "horizontal overflow at 375 px: {overflow}"
    );
    b.screenshot("dashboard-375").await;

    sign_out(&b).await;
    b.wait_for_text("You are signed out").await;
    b.quit().await;
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_of_another_organization_gets_nothing() {
    let Some((app, w, b)) = start().await else {
        return;
    };
    let secret = api_case(&app, &w.a_member, "Alpha's private negotiation").await;
    sign_in(&b, B_MEMBER).await;
    b.go("/cases?tab=company&status=all").await;
    assert!(!b.body_text().await.contains("Alpha's private negotiation"));
    b.go(&format!("/cases/{secret}")).await;
    b.wait_for_text("Not found").await;
    assert!(!b.source().await.contains("private negotiation"));
    b.screenshot("not-found").await;
    b.quit().await;
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_requests_a_connection_through_the_wizard() {
    let Some((app, _w, b)) = start().await else {
        return;
    };
    let sellers = app.demo_sellers().await;
    sign_in(&b, crate::helpers::A_ADMIN).await;
    b.go("/connections").await;
    b.wait_for_text("No connections yet").await;
    b.click("a[href='/connections/new']").await;
    b.wait_for_path("/connections/new").await;

    // Step 1: Next without a choice says what is missing.
    b.click("button[value=next]").await;
    b.find("[data-testid=error-partner]").await;
    assert!(b.body_text().await.contains("Choose a seller"));
    b.click(&format!(
        "input[name=partner][value='{}:pull']",
        sellers.mirador
    ))
    .await;
    b.click("button[value=next]").await;
    b.find("input[name=step][value=configuration]").await;
    // The endpoint is pre-filled; the password is a password field.
    let url = b.find("#new-cred-url").await;
    assert!(
        b.attr(&url, "value")
            .await
            .unwrap_or_default()
            .ends_with("/mirador/pull/test/graphql")
    );
    let password = b.find("#new-cred-password").await;
    assert_eq!(b.attr(&password, "type").await.as_deref(), Some("password"));
    b.fill("#new-name", "B2B").await;
    b.fill("#new-cred-user", "ok").await;
    b.fill("#new-cred-password", "demo").await;
    // Search criteria are optional and folded away until asked for.
    b.click("[data-testid=wizard-criteria] > summary").await;
    b.click("input[name='sc.scope'][value=destinations]").await;
    b.fill("#new-sc-codes", "PTLIS").await;
    b.fill("#new-sc-nights", "3").await;
    b.screenshot("connection-wizard").await;
    b.click("button[value=next]").await;
    b.find("input[name=step][value=notifications]").await;

    // Readable on a phone.
    b.resize(375, 812).await;
    let overflow = b
        .eval("return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
        .await;
    assert!(
        overflow.as_i64().unwrap_or(0) <= 0,
        "horizontal overflow at 375 px: {overflow}"
    );
    b.click("button[value=next]").await;
    b.find("input[name=step][value=review]").await;
    let text = b.body_text().await;
    assert!(!text.contains("demo\n"), "the review masks secrets");
    assert!(text.contains("PTLIS"), "the criteria carried: {text}");
    b.click("#new-accept").await;
    b.click("button[value=confirm]").await;
    b.find("[data-testid=access-status]").await;
    let text = b.body_text().await;
    assert!(text.contains("Connection requested"), "{text}");
    assert!(text.contains("Activation runs"));
    b.find("[data-testid=criteria-summary]").await;
    b.screenshot("connection-access-375").await;
    b.quit().await;
    app.shutdown().await;
}

/// The demo seller's Mirador pull access in test, requested over the API
/// with the seller's scripted `user`; its id.
async fn mirador_access(
    app: &crate::helpers::TestApp,
    token: &str,
    sellers: &crate::helpers::Sellers,
    user: &str,
    name: &str,
) -> i64 {
    app.post(
        token,
        "/api/v1/connections",
        serde_json::json!({
            "seller_id": sellers.mirador,
            "connection_type": "pull",
            "name": name,
            "environment": "test",
            "credentials": {
                "url": format!("{}/mirador/pull/test/graphql", sellers.base_url),
                "user": user,
                "password": "demo",
            },
            "notification_emails": ["ops@alpha.example"],
            "accept_financial_responsibility": true,
        }),
    )
    .await
    .expect_status(201)
    .json()["id"]
        .as_i64()
        .unwrap()
}

/// Waits until the access has `status` (activations run in the background
/// workers), moving the dev clock past retry waits.
async fn wait_access(app: &crate::helpers::TestApp, token: &str, id: i64, status: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let access = app
            .get(token, &format!("/api/v1/connections/{id}"))
            .await
            .expect_status(200)
            .json();
        if access["status"] == status {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "access {id} never became {status}: {access}"
        );
        app.app.clock.advance(61);
        app.app.wake.notify_waiters();
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }
}

/// The access page's status badge, as written (not as styled).
async fn access_status(b: &crate::webdriver::Browser) -> String {
    b.find("[data-testid=access-status]").await;
    b.eval("return document.querySelector('[data-testid=access-status]').textContent.trim();")
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Whether the Edit access form's submit button is disabled.
async fn edit_disabled(b: &crate::webdriver::Browser) -> bool {
    b.find("#edit button[type=submit]").await;
    b.eval("return document.querySelector('#edit button[type=submit]').matches(':disabled');")
        .await
        .as_bool()
        .unwrap()
}

async fn assert_no_console_errors(b: &crate::webdriver::Browser, page: &str) {
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "{page}: console errors {errors:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_access_is_blocked_while_not_working() {
    let Some((app, w, b)) = start().await else {
        return;
    };
    let sellers = app.demo_sellers().await;
    let id = mirador_access(&app, &w.a_admin, &sellers, "server-error", "Broken").await;
    let access = app.settled_access(&w.a_admin, id).await;
    assert_eq!(access["status"], "not_working", "{access}");
    let path = format!("/connections/{id}");

    // The buyer: Not Working, and Edit access disabled with the reason.
    sign_in(&b, crate::helpers::A_ADMIN).await;
    // `#edit` scrolls the screenshot to the Edit access section.
    b.go(&format!("{path}#edit")).await;
    assert_eq!(access_status(&b).await, "Not Working");
    let reason = b.text("[data-testid=edit-blocked]").await;
    assert!(!reason.trim().is_empty(), "the reason is visible");
    assert!(edit_disabled(&b).await, "Edit access is disabled");
    assert!(
        b.eval("return document.querySelector('#edit-name').matches(':disabled');")
            .await
            .as_bool()
            .unwrap(),
        "the fields are disabled too"
    );
    assert_no_console_errors(&b, "buyer access page").await;
    b.screenshot("connection-not-working").await;
    sign_out(&b).await;

    // Connectivity: Mark working, with what was checked.
    sign_in(&b, AGENT).await;
    b.go(&path).await;
    b.find("[data-testid=staff-actions]").await;
    assert_eq!(access_status(&b).await, "Not Working");
    b.fill(
        "#mw-message",
        "Booked a test reservation by phone with the seller.",
    )
    .await;
    b.click(&format!(
        "form[action='/staff/connections/{id}/mark-working'] button[type=submit]"
    ))
    .await;
    b.wait_for_text("Marked Working.").await;
    assert_eq!(access_status(&b).await, "Working");
    assert_no_console_errors(&b, "staff access page").await;
    b.screenshot("connection-marked-working").await;
    sign_out(&b).await;

    // The buyer can edit again.
    sign_in(&b, crate::helpers::A_ADMIN).await;
    b.go(&path).await;
    assert_eq!(access_status(&b).await, "Working");
    assert!(b.try_find("[data-testid=edit-blocked]").await.is_none());
    assert!(!edit_disabled(&b).await, "Edit access is enabled");
    assert_no_console_errors(&b, "buyer access page, working").await;
    b.quit().await;
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seller_fixes_an_access_through_its_link() {
    let Some((app, w, b)) = start().await else {
        return;
    };
    let sellers = app.demo_sellers().await;
    let id = mirador_access(&app, &w.a_admin, &sellers, "needs-criteria", "B2C").await;
    let access = app.settled_access(&w.a_admin, id).await;
    assert_eq!(access["status"], "pending_seller", "{access}");
    app.settle().await;
    let mails = app.maildir_messages();
    let token = mails
        .iter()
        .find(|m| m.raw.contains("activation@mirador.example") && m.text.contains("/fix/"))
        .expect("the seller got a fix link")
        .text
        .split("/fix/")
        .nth(1)
        .and_then(|rest| {
            rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .next()
        })
        .unwrap()
        .to_owned();
    let link = format!("/fix/{token}");

    // Not signed in: the link is the permission.
    b.go(&link).await;
    b.find(&format!("form[action='{link}']")).await;
    assert_eq!(b.path().await, link, "no detour through sign-in");
    let text = b.body_text().await;
    assert!(text.contains("B2C"), "the access's name: {text}");
    let password = b.find("input[name='cred.password']").await;
    assert_eq!(b.attr(&password, "type").await.as_deref(), Some("password"));
    assert_eq!(
        b.eval("return document.querySelector(\"input[name='cred.password']\").value;")
            .await,
        ""
    );
    assert!(
        !b.source().await.contains("\"demo\""),
        "no secret on the page"
    );
    assert_no_console_errors(&b, "fix page").await;
    b.screenshot("fix-link").await;
    b.click("input[name='sc.scope'][value=destinations]").await;
    b.fill("#fix-sc-codes", "PTLIS").await;
    b.click(&format!("form[action='{link}'] button[type=submit]"))
        .await;
    b.find("[data-testid=fix-thanks]").await;
    b.wait_for_text("Thank you").await;
    assert_no_console_errors(&b, "fix thanks page").await;
    b.screenshot("fix-thanks").await;

    // The activation runs again and succeeds; the link is spent.
    wait_access(&app, &w.a_admin, id, "working").await;
    b.go(&link).await;
    b.find("[data-testid=fix-closed]").await;
    let text = b.body_text().await;
    assert!(
        text.contains("expired or was already used"),
        "a clear page: {text}"
    );
    assert!(
        b.try_find(&format!("form[action='{link}']"))
            .await
            .is_none()
    );
    // The only console message is the page's own 410 status.
    let errors = b.console_errors().await;
    assert!(
        errors.iter().all(|e| e.contains("410")),
        "used fix link: console errors {errors:?}"
    );
    b.screenshot("fix-link-used").await;
    b.quit().await;
    app.shutdown().await;
}
