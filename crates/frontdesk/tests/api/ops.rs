//! Operational endpoints and the OpenAPI document.

use crate::helpers::*;
use reqwest::Method;

both_backends!(health_metrics_and_openapi);

async fn health_metrics_and_openapi(app: TestApp) {
    let w = app.world().await;

    let expected = match app.backend {
        Backend::Sqlite => frontdesk_store::Backend::Sqlite,
        Backend::Postgres => frontdesk_store::Backend::Postgres,
    };
    assert_eq!(
        app.app.store.backend(),
        expected,
        "the scenario runs on its backend"
    );

    let r = app.send(app.request(Method::GET, "/healthz", None)).await;
    let r = r.expect_status(200);
    assert_eq!(r.text(), "ok");
    let r = app
        .send(app.request(Method::GET, "/readyz", None))
        .await
        .expect_status(200);
    assert_eq!(r.text(), "ready");

    app.create_case(&w.a_admin, None, "billing", "Counted", "Metrics")
        .await;
    let r = app
        .send(app.request(Method::GET, "/metrics", None))
        .await
        .expect_status(200);
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("text/plain")),
        "{:?}",
        r.header("content-type")
    );
    let metrics = r.text();
    let created = metrics
        .lines()
        .find(|l| l.starts_with("frontdesk_cases_created_total"))
        .unwrap_or_else(|| panic!("no frontdesk_cases_created_total in\n{metrics}"));
    let n: f64 = created
        .rsplit(' ')
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("a value in {created:?}"));
    assert!(n >= 1.0, "{created}");
    assert!(metrics.contains("frontdesk_http_requests_total"));
    assert!(metrics.contains("frontdesk_outbox_pending"));

    // The OpenAPI document needs no sign-in.
    let doc = app
        .send(app.request(Method::GET, "/api/v1/openapi.json", None))
        .await
        .expect_status(200);
    assert!(
        doc.header("content-type")
            .is_some_and(|c| c.starts_with("application/json"))
    );
    let doc = doc.json();
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "OpenAPI 3.1: {}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "frontdesk API");
    let paths = doc["paths"].as_object().expect("paths");
    for path in [
        "/api/v1/cases",
        "/api/v1/cases/{id}",
        "/api/v1/cases/{id}/reopen",
        "/api/v1/cases/{id}/status",
        "/api/v1/cases/{id}/attachments",
        "/api/v1/staff/cases",
        "/api/v1/me",
        "/api/v1/auth/login",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from the OpenAPI paths"
        );
    }
    assert!(paths["/api/v1/cases"]["get"].is_object());
    assert!(paths["/api/v1/cases"]["post"].is_object());
    assert!(paths["/api/v1/cases/{id}/reopen"]["post"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"]
            .as_str()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("bearer")
    );
    assert!(doc["components"]["schemas"]["Problem"].is_object());

    app.shutdown().await;
}
