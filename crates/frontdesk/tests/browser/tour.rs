//! Every main page as the person it is for: it renders, breaks no
//! Content-Security-Policy rule and runs no failing script, fits a 375 px
//! phone without sideways scrolling, and is saved as a screenshot at both
//! widths (`target/tmp/screenshots/<page>-{wide,phone}.png`).

use crate::helpers::{A_MEMBER, ADMIN, AGENT};
use crate::webdriver::Browser;
use crate::{sign_in, sign_out, start};
use serde_json::json;

async fn visit(b: &Browser, name: &str, path: &str) {
    for (width, label) in [(1280, "wide"), (375, "phone")] {
        b.resize(width, 900).await;
        b.go(path).await;
        b.find("main#main").await;
        let errors = b.console_errors().await;
        assert!(
            errors.is_empty(),
            "{path} at {width} px: console errors {errors:?}"
        );
        let overflow = b
            .eval("return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
            .await;
        if overflow.as_i64().unwrap_or(0) > 0 {
            let culprits = b
                .eval(
                    "const w = document.documentElement.clientWidth; return [...document.querySelectorAll('body *')]\
                     .filter(e => e.getBoundingClientRect().right > w + 1)\
                     .slice(0, 5).map(e => e.tagName + '.' + e.className);",
                )
                .await;
            panic!("{path} scrolls sideways at {width} px by {overflow} px: {culprits}");
        }
        // Every form control can be told apart by a label.
        let unlabelled = b
            .eval(
                "return [...document.querySelectorAll('input:not([type=hidden]),select,textarea')]\
                 .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))\
                 .map(e => e.name || e.id);",
            )
            .await;
        assert_eq!(unlabelled, json!([]), "{path}: controls without a label");
        b.screenshot(&format!("{name}-{label}")).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_main_page_renders_cleanly_at_desktop_and_phone_width() {
    let Some((app, w, b)) = start().await else {
        return;
    };
    app.post(
        &w.admin,
        "/api/v1/kb/articles",
        json!({"title": "Case statuses", "slug": "help/statuses", "category": "Cases",
               "body": "## Open\n\nWe received it.\n\n## Closed\n\nFinished."}),
    )
    .await
    .expect_status(201);
    let id = app
        .create_case(
            &w.a_member,
            None,
            "billing",
            "Invoice 2026-10 is missing",
            "Please resend it.",
        )
        .await["id"]
        .as_i64()
        .unwrap();
    app.message(&w.agent, id, "We are checking with Billing.", false)
        .await;

    sign_in(&b, A_MEMBER).await;
    for (name, path) in [
        ("dashboard", "/cases".to_owned()),
        ("case", format!("/cases/{id}")),
        ("new-case", "/cases/new".to_owned()),
        ("help-center", "/kb".to_owned()),
        ("article", "/kb/help/statuses".to_owned()),
        ("kb-search", "/kb/search?q=closed".to_owned()),
    ] {
        visit(&b, name, &path).await;
    }
    sign_out(&b).await;

    sign_in(&b, AGENT).await;
    for (name, path) in [
        ("staff-queues", "/staff".to_owned()),
        ("staff-case", format!("/cases/{id}")),
        ("held-mail", "/staff/held-mail".to_owned()),
        ("outbox", "/staff/outbox".to_owned()),
        ("analytics", "/staff/analytics".to_owned()),
    ] {
        visit(&b, name, &path).await;
    }
    sign_out(&b).await;

    sign_in(&b, ADMIN).await;
    for (name, path) in [
        ("admin", "/admin"),
        ("admin-orgs", "/admin/orgs"),
        ("admin-org", "/admin/orgs/alpha-travel"),
        ("admin-users", "/admin/users"),
        ("admin-teams", "/admin/teams"),
        ("admin-timers", "/admin/timers"),
        ("admin-kb", "/admin/kb"),
        ("admin-kb-new", "/admin/kb/new"),
    ] {
        visit(&b, name, path).await;
    }
    b.quit().await;
    app.shutdown().await;
}
