//! The HTTP-level scripts of SELLER-API.md §6 (answered before GraphQL runs), routing, the
//! admin endpoints and the request log, over real HTTP.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

fn search_body(user: &str, access_id: &str) -> Value {
    body(
        "Search",
        search_vars(
            pull_settings(user, "demo", access_id),
            default_criteria(&["100001"]),
        ),
    )
}

#[tokio::test]
async fn flaky_fails_the_first_two_searches_per_access() {
    let s = Server::start().await;
    let c = client();
    for _ in 0..2 {
        let r = post(&c, &s.mirador(), &search_body("flaky", "acc_f1")).await;
        assert_eq!(r.status(), 503);
        assert_eq!(r.headers().get("retry-after").unwrap(), "1");
    }
    let r = post(&c, &s.mirador(), &search_body("flaky", "acc_f1")).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert!(
        v.pointer("/data/hotelX/search/options/0/id").is_some(),
        "{v}"
    );
    // Counters are per access id; content queries are not affected.
    assert_eq!(
        post(&c, &s.mirador(), &search_body("flaky", "acc_f2"))
            .await
            .status(),
        503
    );
    let hotels = body(
        "Hotels",
        list_vars(pull_settings("flaky", "demo", "acc_f3"), 25, None),
    );
    assert_eq!(post(&c, &s.mirador(), &hotels).await.status(), 200);
    // Reset clears the counters.
    c.post(format!("{}/_demo/reset", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        post(&c, &s.mirador(), &search_body("flaky", "acc_f1"))
            .await
            .status(),
        503
    );
}

#[tokio::test]
async fn slow_outlasts_the_timeout() {
    let s = Server::start().await;
    let mut settings = pull_settings("slow", "demo", "acc_slow");
    settings["timeout"] = json!(500); // the seller waits 2.5 s
    let c = client_with_timeout(Duration::from_secs(2));
    let started = Instant::now();
    let err = c
        .post(s.mirador())
        .json(&body("Hotels", list_vars(settings, 25, None)))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(started.elapsed() >= Duration::from_millis(1900));
}

#[tokio::test]
async fn server_error_garbage_and_redirect() {
    let s = Server::start().await;
    let c = client();
    let r = post(&c, &s.mirador(), &search_body("server-error", "a")).await;
    assert_eq!(r.status(), 500);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );

    let r = post(&c, &s.mirador(), &search_body("garbage", "a")).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(r.text().await.unwrap().contains("<html>"));

    let r = post(&c, &s.mirador(), &search_body("redirect", "a")).await;
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "http://169.254.169.254/");
}

#[tokio::test]
async fn hang_up_closes_without_an_answer() {
    let s = Server::start().await;
    let err = client()
        .post(s.mirador())
        .json(&search_body("hang-up", "a"))
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_timeout(), "{err}");
    assert!(err.status().is_none());
    // The server goes on serving other connections.
    let r = post(&client(), &s.mirador(), &search_body("ok", "a")).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn huge_is_over_16_mib_of_json() {
    let s = Server::start().await;
    let mut r = post(&client(), &s.mirador(), &search_body("huge", "a")).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let mut total = 0usize;
    let mut head = Vec::new();
    while let Some(chunk) = r.chunk().await.unwrap() {
        if head.len() < 32 {
            head.extend_from_slice(&chunk[..chunk.len().min(32)]);
        }
        total += chunk.len();
    }
    assert_eq!(total, 50 * 1024 * 1024);
    assert!(head.starts_with(b"{\"data\""));
}

#[tokio::test]
async fn drip_is_too_slow_to_read() {
    let s = Server::start().await;
    let c = client_with_timeout(Duration::from_secs(2));
    let started = Instant::now();
    let result = async {
        let r = c
            .post(s.mirador())
            .json(&search_body("drip", "a"))
            .send()
            .await?;
        assert_eq!(r.status(), 200);
        r.bytes().await
    }
    .await;
    let err = result.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(started.elapsed() >= Duration::from_millis(1900));
}

#[tokio::test]
async fn unknown_paths_are_404() {
    let s = Server::start().await;
    let c = client();
    let b = search_body("ok", "a");
    for path in [
        "/mirador/push/test/graphql",
        "/mirador/pull/prod/graphql",
        "/nobody/pull/test/graphql",
        "/dormant/push/live/graphql",
        "/mirador/pull/test",
        "/graphql",
    ] {
        let r = post(&c, &format!("{}{path}", s.base), &b).await;
        assert_eq!(r.status(), 404, "{path}");
    }
    for path in ["/atlasbeds/push/live/graphql", "/dormant/pull/live/graphql"] {
        assert_ne!(
            post(&c, &format!("{}{path}", s.base), &b).await.status(),
            404,
            "{path}"
        );
    }
    let r = c.get(format!("{}/healthz", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = c.post(s.mirador()).body("not json").send().await.unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn request_log_has_no_secret() {
    let s = Server::start().await;
    let c = client();
    post(
        &c,
        &s.mirador(),
        &body(
            "Hotels",
            list_vars(pull_settings("ok", "Sup3r-S3cret", "acc_log"), 25, None),
        ),
    )
    .await;
    post(
        &c,
        &s.mirador(),
        &body(
            "Hotels",
            list_vars(pull_settings("ok", "demo", "acc_log"), 25, None),
        ),
    )
    .await;
    post(&c, &s.mirador(), &search_body("flaky", "acc_log")).await;
    let r = c
        .get(format!("{}/_demo/requests", s.base))
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert!(!text.contains("Sup3r-S3cret"));
    let log: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(log.len(), 3);
    assert_eq!(
        log[0],
        json!({"time": log[0]["time"], "path": "/mirador/pull/test/graphql", "operationName": "Hotels",
               "accessId": "acc_log", "key": "ok", "passwordMatched": false, "httpStatus": 200, "errorCode": "22401"})
    );
    assert_eq!(log[1]["passwordMatched"], true);
    assert_eq!(log[1]["errorCode"], Value::Null);
    assert_eq!(log[2]["httpStatus"], 503);
    let time = log[0]["time"].as_str().unwrap();
    assert!(
        time.len() >= 20 && time.contains('T') && time.ends_with('Z'),
        "{time}"
    );
}
