//! One test per everyday path.

use crate::helpers::{A_MEMBER, B_MEMBER};
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
    let rows = b.find_all("tr[data-case-id]").await;
    assert_eq!(rows.len(), 2);
    // Newest update first.
    assert_eq!(
        b.attr(&rows[0], "data-case-id").await.unwrap(),
        timeout.to_string()
    );
    b.screenshot("dashboard").await;

    // The name filter narrows the list (htmx swaps it in place).
    b.fill("#f-q", "Lisbon").await;
    b.click(".filters button[type=submit]").await;
    b.wait_for_text("Clear").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let rows = b.find_all("tr[data-case-id]").await;
        if rows.len() == 1 {
            assert_eq!(
                b.attr(&rows[0], "data-case-id").await.unwrap(),
                rates.to_string()
            );
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
        let rows = b.find_all("tr[data-case-id]").await;
        if !rows.is_empty() && b.attr(&rows[0], "data-case-id").await.unwrap() == rates.to_string()
        {
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
    assert!(
        !b.body_text().await.contains("demo\n"),
        "the review masks secrets"
    );
    b.click("#new-accept").await;
    b.click("button[value=confirm]").await;
    b.find("[data-testid=access-status]").await;
    let text = b.body_text().await;
    assert!(text.contains("Connection requested"), "{text}");
    assert!(text.contains("Activation runs"));
    b.screenshot("connection-access-375").await;
    b.quit().await;
    app.shutdown().await;
}
