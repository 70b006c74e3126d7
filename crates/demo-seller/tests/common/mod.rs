//! Shared helpers: a demo seller on 127.0.0.1:0 and the four documents of SELLER-API.md §2.
#![allow(clippy::unwrap_used, dead_code)]

use std::time::Duration;

use frontdesk_demo_seller::{DemoSeller, endpoint_path, serve};
use serde_json::{Value, json};

pub const SEARCH: &str = r#"query Search($criteria: HotelCriteriaSearchInput!, $settings: HotelSettingsInput!, $filterSearch: HotelXFilterSearchInput) {
  hotelX { search(criteria: $criteria, settings: $settings, filterSearch: $filterSearch) {
    context
    options { id hotelCode hotelName boardCode paymentType status
      rooms { code description refundable } price { currency binding net gross } cancelPolicy { refundable } }
    errors { code type description }  warnings { code type description } } }
}"#;

pub const QUOTE: &str = r#"query Quote($criteria: HotelCriteriaQuoteInput!, $settings: HotelSettingsInput!) {
  hotelX { quote(criteria: $criteria, settings: $settings) {
    optionQuote { optionRefId status price { currency binding net gross } searchPrice { currency binding net gross }
      cancelPolicy { refundable cancelPenalties { hoursBefore penaltyType currency value } } remarks }
    errors { code type description }  warnings { code type description } } }
}"#;

pub const HOTELS: &str = r#"query Hotels($criteria: HotelXHotelListInput!, $relay: RelayInput!, $token: String, $settings: HotelSettingsInput) {
  hotelX { hotels(criteria: $criteria, relay: $relay, token: $token, settings: $settings) {
    count token
    edges { node { code hotelData { hotelCode hotelName categoryCode
      location { address city zipCode country coordinates { latitude longitude } closestDestination { code } } } } } } }
}"#;

pub const DESTINATIONS: &str = r#"query Destinations($criteria: HotelXDestinationListInput!, $relay: RelayInput!, $token: String, $settings: HotelSettingsInput) {
  hotelX { destinations(criteria: $criteria, relay: $relay, token: $token, settings: $settings) {
    token
    edges { node { code destinationData { code available type parent texts(languages: ["en"]) { text language } } } } } }
}"#;

pub struct Server {
    pub base: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Server {
    pub async fn start() -> Self {
        Self::start_with(DemoSeller::new()).await
    }

    pub async fn start_with(seller: DemoSeller) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(serve(listener, seller, async move {
            let _ = rx.await;
        }));
        Self {
            base: format!("http://{addr}"),
            _stop: tx,
        }
    }

    pub fn url(&self, slug: &str, kind: &str, env: &str) -> String {
        format!("{}{}", self.base, endpoint_path(slug, kind, env))
    }

    pub fn mirador(&self) -> String {
        self.url("mirador", "pull", "test")
    }
}

pub fn client() -> reqwest::Client {
    client_with_timeout(Duration::from_secs(20))
}

pub fn client_with_timeout(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .build()
        .unwrap()
}

/// `$S` of §2 for a Pull access.
pub fn pull_settings(user: &str, password: &str, access_id: &str) -> Value {
    json!({"client": "globetrail", "context": "MIRADOR", "testMode": true, "timeout": 29000,
      "suppliers": [{"code": "MIRADOR", "accesses": [{"accessId": access_id, "configuration": {
        "username": user, "password": password, "urls": {"generic": "http://127.0.0.1:7700/mirador/pull/test/graphql"},
        "parameters": []}}]}]})
}

pub fn ok_settings() -> Value {
    pull_settings("ok", "demo", "acc_ok")
}

pub fn body(operation: &str, variables: Value) -> Value {
    let query = match operation {
        "Search" => SEARCH,
        "Quote" => QUOTE,
        "Hotels" => HOTELS,
        _ => DESTINATIONS,
    };
    json!({"operationName": operation, "query": query, "variables": variables})
}

pub async fn post(client: &reqwest::Client, url: &str, body: &Value) -> reqwest::Response {
    client
        .post(url)
        .header(
            "Accept",
            "application/graphql-response+json, application/json",
        )
        .json(body)
        .send()
        .await
        .unwrap()
}

/// Posts and returns the JSON answer, asserting HTTP 200 and a JSON content type.
pub async fn gql(url: &str, operation: &str, variables: Value) -> Value {
    let response = post(&client(), url, &body(operation, variables)).await;
    assert_eq!(response.status(), 200);
    let ct = response
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(ct.starts_with("application/json"), "{ct}");
    response.json().await.unwrap()
}

pub fn search_vars(settings: Value, criteria: Value) -> Value {
    json!({"criteria": criteria, "settings": settings, "filterSearch": {"access": {"includes": ["acc_ok"]}}})
}

pub fn default_criteria(hotels: &[&str]) -> Value {
    json!({"checkIn": "2030-03-31", "checkOut": "2030-04-02", "hotels": hotels,
      "occupancies": [{"paxes": [{"age": 30}, {"age": 30}]}], "language": "en", "nationality": "ES", "markets": ["ES"]})
}

pub fn first_25() -> Vec<String> {
    (100_001..=100_025).map(|n| n.to_string()).collect()
}

pub fn list_vars(settings: Value, max_size: i64, token: Option<&str>) -> Value {
    json!({"criteria": {"access": "acc_ok", "maxSize": max_size}, "relay": {}, "token": token, "settings": settings})
}
