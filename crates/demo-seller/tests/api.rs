//! The public API other crates use: registration specs, endpoint paths, `serve`'s shutdown
//! and the plain router (served by `axum::serve`).
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use frontdesk_demo_seller::{DemoSeller, endpoint_path, serve, specs};
use serde_json::Value;

#[test]
fn specs_register_three_sellers_with_the_section_5_schemas() {
    let all = specs();
    let summary: Vec<(&str, &str, bool, Vec<&str>)> = all
        .iter()
        .map(|s| {
            (
                s.code,
                s.slug,
                s.active,
                s.types.iter().map(|t| t.kind).collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("MIRADOR", "mirador", true, vec!["pull"]),
            ("ATLASBEDS", "atlasbeds", true, vec!["pull", "push"]),
            ("DORMANT", "dormant", false, vec!["pull"]),
        ]
    );
    assert_eq!(all[0].name, "Mirador Hotels");
    assert_eq!(all[1].name, "Atlas Beds");
    assert_eq!(all[2].name, "Dormant Stays");
    assert_eq!(all[2].types[0].schema, all[0].types[0].schema);
    let mirador = &all[0].types[0].schema;
    assert_eq!(
        mirador["required"],
        serde_json::json!(["url", "user", "password"])
    );
    assert_eq!(mirador["properties"]["password"]["secret"], true);
    assert_eq!(
        all[1].types[0].schema["required"],
        serde_json::json!(["user", "password", "clientCode"])
    );
    assert_eq!(
        all[1].types[1].schema["properties"]["rateType"]["default"],
        "NET"
    );
}

#[test]
fn endpoint_paths() {
    assert_eq!(
        endpoint_path("mirador", "pull", "test"),
        "/mirador/pull/test/graphql"
    );
    assert_eq!(
        endpoint_path("atlasbeds", "push", "live"),
        "/atlasbeds/push/live/graphql"
    );
}

#[tokio::test]
async fn serve_stops_when_shutdown_resolves() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, DemoSeller::new(), async move {
        let _ = rx.await;
    }));
    let c = client();
    let r = c
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    tx.send(()).unwrap();
    // The client's idle keep-alive connection must not hold the server up.
    tokio::time::timeout(Duration::from_secs(3), task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        c.get(format!("http://{addr}/healthz"))
            .send()
            .await
            .is_err()
    );
}

#[tokio::test]
async fn answers_keep_the_query_field_order() {
    let s = Server::start().await;
    let r = post(
        &client(),
        &s.mirador(),
        &body(
            "Search",
            search_vars(ok_settings(), default_criteria(&["100001"])),
        ),
    )
    .await;
    let text = r.text().await.unwrap();
    assert!(
        text.starts_with(
            r#"{"data":{"hotelX":{"search":{"context":"MIRADOR","options":[{"id":"op1."#
        ),
        "{text}"
    );
}

#[tokio::test]
async fn the_plain_router_serves_too_and_hang_up_aborts_the_answer() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = DemoSeller::new().router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let url = format!("http://{addr}{}", endpoint_path("mirador", "pull", "test"));
    let v = gql(&url, "Hotels", list_vars(ok_settings(), 10, None)).await;
    assert_eq!(
        v.pointer("/data/hotelX/hotels/count"),
        Some(&Value::from(384))
    );

    let hang = body(
        "Hotels",
        list_vars(pull_settings("hang-up", "demo", "a"), 10, None),
    );
    let result = async {
        let r = client().post(&url).json(&hang).send().await?;
        r.bytes().await
    }
    .await;
    assert!(result.is_err());
}
