//! The GraphQL side of the demo seller over real HTTP: data, pagination, checks and the
//! scripted behaviours that answer inside GraphQL (SELLER-API.md §2, §6).
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use frontdesk_demo_seller::DemoSeller;
use serde_json::{Value, json};

fn codes(v: &Value, pointer: &str) -> Vec<String> {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .unwrap()
        .iter()
        .map(|e| {
            e.pointer("/node/code")
                .and_then(Value::as_str)
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// Fetches every page of hotels or destinations; returns (codes, pages, last answer).
async fn all_pages(
    url: &str,
    op: &str,
    settings: Value,
    max_size: i64,
) -> (Vec<String>, usize, Value) {
    let field = if op == "Hotels" {
        "hotels"
    } else {
        "destinations"
    };
    let mut token: Option<String> = None;
    let mut all = Vec::new();
    let mut pages = 0;
    loop {
        let v = gql(
            url,
            op,
            list_vars(settings.clone(), max_size, token.as_deref()),
        )
        .await;
        assert!(v.get("errors").is_none(), "{v}");
        pages += 1;
        all.extend(codes(&v, &format!("/data/hotelX/{field}/edges")));
        match v
            .pointer(&format!("/data/hotelX/{field}/token"))
            .and_then(Value::as_str)
        {
            Some(t) if !t.is_empty() => token = Some(t.to_owned()),
            _ => return (all, pages, v),
        }
        assert!(pages < 50);
    }
}

#[tokio::test]
async fn hotels_paginate_384_in_two_pages_of_250() {
    let s = Server::start().await;
    let first = gql(&s.mirador(), "Hotels", list_vars(ok_settings(), 250, None)).await;
    let conn = first.pointer("/data/hotelX/hotels").unwrap();
    assert_eq!(conn["count"], 384);
    assert_eq!(conn["edges"].as_array().unwrap().len(), 250);
    let node = &conn["edges"][0]["node"];
    assert_eq!(node["code"], "100001");
    assert_eq!(node["hotelData"]["location"]["city"], "Barcelona");
    assert_eq!(node["hotelData"]["location"]["country"], "ES");
    assert_eq!(
        node["hotelData"]["location"]["closestDestination"]["code"],
        "ESBAR01"
    );
    assert!(
        node["hotelData"]["categoryCode"]
            .as_str()
            .unwrap()
            .ends_with('*')
    );

    let (all, pages, last) = all_pages(&s.mirador(), "Hotels", ok_settings(), 250).await;
    assert_eq!(pages, 2);
    assert_eq!(all.len(), 384);
    assert_eq!(all.first().map(String::as_str), Some("100001"));
    assert_eq!(all.last().map(String::as_str), Some("100384"));
    assert_eq!(last.pointer("/data/hotelX/hotels/count"), Some(&json!(384)));
    assert_eq!(last.pointer("/data/hotelX/hotels/token"), Some(&json!("")));

    // Default maxSize is 100; filters by destination and hotel codes.
    let v = gql(
        &s.mirador(),
        "Hotels",
        json!({"criteria": {"destinationCodes": ["PTLIS"], "hotelCodes": ["100001"]}, "relay": {}, "settings": ok_settings()}),
    )
    .await;
    assert_eq!(v.pointer("/data/hotelX/hotels/count"), Some(&json!(13)));
    let v = gql(
        &s.mirador(),
        "Hotels",
        json!({"criteria": {}, "relay": {}, "settings": ok_settings()}),
    )
    .await;
    assert_eq!(
        v.pointer("/data/hotelX/hotels/edges")
            .and_then(Value::as_array)
            .unwrap()
            .len(),
        100
    );
}

#[tokio::test]
async fn destinations_paginate_104() {
    let s = Server::start().await;
    let (all, pages, last) = all_pages(&s.mirador(), "Destinations", ok_settings(), 250).await;
    assert_eq!((all.len(), pages), (104, 1));
    assert_eq!(
        last.pointer("/data/hotelX/destinations/token"),
        Some(&json!(""))
    );
    let (paged, pages, _) = all_pages(&s.mirador(), "Destinations", ok_settings(), 40).await;
    assert_eq!((paged.len(), pages), (104, 3));
    assert_eq!(all, paged);
    for code in [
        "ES", "ESBAR", "ESBAR01", "ESBAR02", "PTLIS", "DECOL", "GBBAT02",
    ] {
        assert!(all.iter().any(|c| c == code), "{code}");
    }
    let edges = last
        .pointer("/data/hotelX/destinations/edges")
        .unwrap()
        .as_array()
        .unwrap();
    let bar = edges.iter().find(|e| e["node"]["code"] == "ESBAR").unwrap();
    assert_eq!(
        bar["node"]["destinationData"],
        json!({"code": "ESBAR", "available": true, "type": "CITY", "parent": "ES",
               "texts": [{"text": "Barcelona", "language": "en"}]})
    );
}

#[tokio::test]
async fn two_instances_serve_identical_data() {
    let a = Server::start().await;
    let b = Server::start_with(DemoSeller::new()).await;
    for (op, size) in [("Hotels", 1000), ("Destinations", 1000)] {
        let x = gql(&a.mirador(), op, list_vars(ok_settings(), size, None)).await;
        let y = gql(&b.mirador(), op, list_vars(ok_settings(), size, None)).await;
        assert_eq!(x, y);
    }
    let hotels: Vec<&str> = vec!["100001", "100002", "100050"];
    let x = gql(
        &a.mirador(),
        "Search",
        search_vars(ok_settings(), default_criteria(&hotels)),
    )
    .await;
    let y = gql(
        &b.mirador(),
        "Search",
        search_vars(ok_settings(), default_criteria(&hotels)),
    )
    .await;
    assert_eq!(x, y);
}

#[tokio::test]
async fn search_then_quote_gives_the_same_price() {
    let s = Server::start().await;
    let hotels = first_25();
    let hotels: Vec<&str> = hotels.iter().map(String::as_str).collect();
    let v = gql(
        &s.mirador(),
        "Search",
        search_vars(ok_settings(), default_criteria(&hotels)),
    )
    .await;
    let search = v.pointer("/data/hotelX/search").unwrap();
    assert_eq!(search["context"], "MIRADOR");
    assert_eq!(search["errors"], Value::Null);
    let options = search["options"].as_array().unwrap();
    assert!(!options.is_empty());
    let option = &options[0];
    assert_eq!(option["price"]["currency"], "EUR");
    assert!(option["price"]["gross"].as_f64().unwrap() > 0.0);
    let q = gql(
        &s.mirador(),
        "Quote",
        json!({"criteria": {"optionRefId": option["id"], "language": "en"}, "settings": ok_settings()}),
    )
    .await;
    let quote = q.pointer("/data/hotelX/quote/optionQuote").unwrap();
    assert_eq!(quote["optionRefId"], option["id"]);
    assert_eq!(quote["price"], option["price"]);
    assert_eq!(quote["searchPrice"]["gross"], option["price"]["gross"]);
    assert_eq!(quote["status"], option["status"]);
    assert!(
        quote["cancelPolicy"]["cancelPenalties"]
            .as_array()
            .is_some()
    );

    // A tampered id, or another access's id, is refused.
    let mut forged = option["id"].as_str().unwrap().to_owned();
    forged.insert(5, 'A');
    let q = gql(
        &s.mirador(),
        "Quote",
        json!({"criteria": {"optionRefId": forged}, "settings": ok_settings()}),
    )
    .await;
    assert_eq!(
        q.pointer("/data/hotelX/quote/optionQuote"),
        Some(&Value::Null)
    );
    assert!(q.pointer("/data/hotelX/quote/errors/0/code").is_some());
    let other = pull_settings("ok", "demo", "acc_other");
    let q = gql(
        &s.mirador(),
        "Quote",
        json!({"criteria": {"optionRefId": option["id"]}, "settings": other}),
    )
    .await;
    assert_eq!(
        q.pointer("/data/hotelX/quote/optionQuote"),
        Some(&Value::Null)
    );
}

#[tokio::test]
async fn wrong_password_and_test_mode_are_access_errors() {
    let s = Server::start().await;
    let bad = pull_settings("ok", "nope", "acc_1");
    let v = gql(
        &s.mirador(),
        "Search",
        search_vars(bad.clone(), default_criteria(&["100001"])),
    )
    .await;
    assert_eq!(
        v.pointer("/data/hotelX/search/errors/0/code"),
        Some(&json!("ACCESS_ERROR"))
    );
    assert_eq!(v.pointer("/data/hotelX/search/options"), Some(&Value::Null));
    let v = gql(&s.mirador(), "Hotels", list_vars(bad, 25, None)).await;
    assert_eq!(v.pointer("/data/hotelX"), Some(&Value::Null));
    assert_eq!(
        v.pointer("/errors/0/extensions/code"),
        Some(&json!("22401"))
    );
    assert_eq!(
        v.pointer("/errors/0/path"),
        Some(&json!(["hotelX", "hotels"]))
    );

    let mut live = ok_settings();
    live["testMode"] = json!(false);
    let v = gql(
        &s.mirador(),
        "Search",
        search_vars(live.clone(), default_criteria(&["100001"])),
    )
    .await;
    assert_eq!(
        v.pointer("/data/hotelX/search/errors/0/code"),
        Some(&json!("ACCESS_ERROR"))
    );
    let v = gql(
        &s.url("mirador", "pull", "live"),
        "Hotels",
        list_vars(live, 25, None),
    )
    .await;
    assert_eq!(v.pointer("/data/hotelX/hotels/count"), Some(&json!(384)));
    let v = gql(
        &s.url("mirador", "pull", "live"),
        "Hotels",
        list_vars(ok_settings(), 25, None),
    )
    .await;
    assert!(v.pointer("/errors/0/extensions/code").is_some());
}

#[tokio::test]
async fn missing_access_and_missing_field() {
    let s = Server::start().await;
    let no_access = json!({"client": "globetrail", "testMode": true, "suppliers": [{"code": "MIRADOR", "accesses": []}]});
    let v = gql(
        &s.mirador(),
        "Search",
        search_vars(no_access.clone(), default_criteria(&["100001"])),
    )
    .await;
    assert_eq!(
        v.pointer("/data/hotelX/search/errors/0/code"),
        Some(&json!("MISSING_FIELD"))
    );
    let v = gql(&s.mirador(), "Hotels", list_vars(no_access, 25, None)).await;
    assert_eq!(
        v.pointer("/errors/0/extensions/code"),
        Some(&json!("MISSING_FIELD"))
    );

    let mf = pull_settings("missing-field", "demo", "acc_mf");
    let v = gql(
        &s.mirador(),
        "Search",
        search_vars(mf.clone(), default_criteria(&["100001"])),
    )
    .await;
    assert_eq!(
        v.pointer("/data/hotelX/search/errors/0"),
        Some(
            &json!({"code": "MISSING_FIELD", "type": "VALIDATION_ERROR", "description": "parameter agencyBranch is required"})
        )
    );
    let v = gql(&s.mirador(), "Destinations", list_vars(mf, 25, None)).await;
    assert_eq!(
        v.pointer("/errors/0/extensions/code"),
        Some(&json!("MISSING_FIELD"))
    );
}

#[tokio::test]
async fn atlas_pull_needs_client_code_and_push_uses_it_as_key() {
    let s = Server::start().await;
    let pull = s.url("atlasbeds", "pull", "test");
    let v = gql(&pull, "Hotels", list_vars(ok_settings(), 25, None)).await;
    assert_eq!(
        v.pointer("/errors/0/extensions/code"),
        Some(&json!("MISSING_FIELD"))
    );
    let mut with_code = ok_settings();
    with_code["suppliers"][0]["accesses"][0]["configuration"]["parameters"] =
        json!([{"key": "clientCode", "value": "AGX-1042"}, {"key": "currency", "value": "EUR"}]);
    let v = gql(&pull, "Hotels", list_vars(with_code, 25, None)).await;
    assert_eq!(v.pointer("/data/hotelX/hotels/count"), Some(&json!(384)));

    let push = json!({"client": "globetrail", "context": "ATLASBEDS", "testMode": true, "timeout": 29000,
      "suppliers": [{"code": "ATLASBEDS", "accesses": [{"accessId": "acc_push", "configuration": {
        "urls": {"generic": "http://127.0.0.1:1/atlasbeds/push/test/graphql"},
        "parameters": [{"key": "clientCode", "value": "quote-fails"}]}}]}]});
    let url = s.url("atlasbeds", "push", "test");
    let v = gql(&url, "Hotels", list_vars(push.clone(), 25, None)).await;
    assert_eq!(v.pointer("/data/hotelX/hotels/count"), Some(&json!(384)));
    let v = gql(
        &url,
        "Quote",
        json!({"criteria": {"optionRefId": "x"}, "settings": push}),
    )
    .await;
    assert_eq!(
        v.pointer("/data/hotelX/quote/errors/0/code"),
        Some(&json!("301"))
    );
}

#[tokio::test]
async fn not_enabled_until_enabled_and_reset() {
    let s = Server::start().await;
    let settings = pull_settings("not-enabled", "demo", "acc_ne");
    let v = gql(
        &s.mirador(),
        "Hotels",
        list_vars(settings.clone(), 25, None),
    )
    .await;
    assert_eq!(
        v.pointer("/errors/0/extensions/code"),
        Some(&json!("ACCESS_NOT_ENABLED"))
    );
    let v = gql(
        &s.mirador(),
        "Search",
        search_vars(settings.clone(), default_criteria(&["100001"])),
    )
    .await;
    assert_eq!(
        v.pointer("/data/hotelX/search/errors/0/code"),
        Some(&json!("ACCESS_NOT_ENABLED"))
    );
    assert_eq!(
        v.pointer("/data/hotelX/search/errors/0/type"),
        Some(&json!("VALIDATION_ERROR"))
    );

    let c = client();
    let r = c
        .post(format!("{}/_demo/enable", s.base))
        .json(&json!({"accessId": "acc_ne"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"ok": true}));
    let v = gql(
        &s.mirador(),
        "Hotels",
        list_vars(settings.clone(), 25, None),
    )
    .await;
    assert_eq!(v.pointer("/data/hotelX/hotels/count"), Some(&json!(384)));

    let r = c
        .post(format!("{}/_demo/reset", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"ok": true}));
    let v = gql(&s.mirador(), "Hotels", list_vars(settings, 25, None)).await;
    assert_eq!(
        v.pointer("/errors/0/extensions/code"),
        Some(&json!("ACCESS_NOT_ENABLED"))
    );
}

#[tokio::test]
async fn needs_criteria_has_availability_only_in_portugal() {
    let s = Server::start().await;
    let settings = pull_settings("needs-criteria", "demo", "acc_nc");
    let hotels = first_25();
    let hotels: Vec<&str> = hotels.iter().map(String::as_str).collect();
    let v = gql(
        &s.mirador(),
        "Search",
        search_vars(settings.clone(), default_criteria(&hotels)),
    )
    .await;
    assert_eq!(v.pointer("/data/hotelX/search/errors"), Some(&Value::Null));
    assert_eq!(
        v.pointer("/data/hotelX/search/options")
            .and_then(Value::as_array)
            .map(Vec::len),
        Some(0)
    );

    let mut criteria = default_criteria(&[]);
    criteria.as_object_mut().unwrap().remove("hotels");
    criteria["destinations"] = json!(["PTLIS"]);
    let v = gql(
        &s.mirador(),
        "Search",
        search_vars(settings.clone(), criteria),
    )
    .await;
    let options = v
        .pointer("/data/hotelX/search/options")
        .and_then(Value::as_array)
        .unwrap();
    assert!(!options.is_empty());
    for o in options {
        let code: u32 = o["hotelCode"].as_str().unwrap().parse().unwrap();
        assert!((100_049..=100_060).contains(&code), "{code}");
    }
    // A union of hotels and a country still only prices Portugal.
    let mut criteria = default_criteria(&["100001"]);
    criteria["destinations"] = json!(["PT"]);
    let v = gql(&s.mirador(), "Search", search_vars(settings, criteria)).await;
    let options = v
        .pointer("/data/hotelX/search/options")
        .and_then(Value::as_array)
        .unwrap();
    assert!(options.iter().all(|o| o["hotelCode"] != "100001"));
    assert!(!options.is_empty());
}

#[tokio::test]
async fn quote_fails_hotels_fail_destinations_empty() {
    let s = Server::start().await;
    let qf = pull_settings("quote-fails", "demo", "acc_qf");
    let v = gql(
        &s.mirador(),
        "Search",
        search_vars(qf.clone(), default_criteria(&["100001"])),
    )
    .await;
    let id = v
        .pointer("/data/hotelX/search/options/0/id")
        .unwrap()
        .clone();
    let v = gql(
        &s.mirador(),
        "Quote",
        json!({"criteria": {"optionRefId": id}, "settings": qf}),
    )
    .await;
    assert_eq!(
        v.pointer("/data/hotelX/quote/optionQuote"),
        Some(&Value::Null)
    );
    assert_eq!(
        v.pointer("/data/hotelX/quote/errors/0/code"),
        Some(&json!("301"))
    );
    assert_eq!(
        v.pointer("/data/hotelX/quote/errors/0/type"),
        Some(&json!("BOOKING_ERROR"))
    );

    let hf = pull_settings("hotels-fail", "demo", "acc_hf");
    let v = gql(&s.mirador(), "Hotels", list_vars(hf.clone(), 250, None)).await;
    let token = v
        .pointer("/data/hotelX/hotels/token")
        .and_then(Value::as_str)
        .unwrap()
        .to_owned();
    assert!(!token.is_empty());
    let v = gql(&s.mirador(), "Hotels", list_vars(hf, 250, Some(&token))).await;
    assert_eq!(v.pointer("/data/hotelX"), Some(&Value::Null));
    assert_eq!(
        v.pointer("/errors/0/extensions/code"),
        Some(&json!("22500"))
    );

    let de = pull_settings("destinations-empty", "demo", "acc_de");
    let v = gql(&s.mirador(), "Destinations", list_vars(de, 250, None)).await;
    assert_eq!(
        v.pointer("/data/hotelX/destinations"),
        Some(&json!({"token": "", "edges": []}))
    );
}

#[tokio::test]
async fn max_size_over_1000_and_unknown_key() {
    let s = Server::start().await;
    let v = gql(&s.mirador(), "Hotels", list_vars(ok_settings(), 1001, None)).await;
    assert_eq!(
        v.pointer("/errors/0/extensions/code"),
        Some(&json!("11400"))
    );
    let v = gql(
        &s.mirador(),
        "Hotels",
        list_vars(pull_settings("whoever", "demo", "acc_x"), 1000, None),
    )
    .await;
    assert_eq!(
        v.pointer("/data/hotelX/hotels/edges")
            .and_then(Value::as_array)
            .map(Vec::len),
        Some(384)
    );
}

#[tokio::test]
async fn unknown_field_fails_graphql_validation() {
    let s = Server::start().await;
    let body = json!({"operationName": "Hotels",
      "query": "query Hotels($settings: HotelSettingsInput) { hotelX { hotels(criteria: {}, relay: {}, settings: $settings) { count stars } } }",
      "variables": {"settings": ok_settings()}});
    let r = post(&client(), &s.mirador(), &body).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert!(
        v.pointer("/errors/0/message")
            .and_then(Value::as_str)
            .unwrap()
            .contains("stars"),
        "{v}"
    );
    assert!(v.get("data").is_none_or(Value::is_null));

    // Malformed scalar values are top-level errors too.
    let mut criteria = default_criteria(&["100001"]);
    criteria["checkIn"] = json!("31/03/2030");
    let v = gql(&s.mirador(), "Search", search_vars(ok_settings(), criteria)).await;
    assert!(v.pointer("/errors/0/message").is_some(), "{v}");
}
