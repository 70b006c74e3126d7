//! The pure protocol rules: settings, variables and §3's classification
//! table row by row, without a network.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration as StdDuration;

use frontdesk_activation::protocol::{
    self, Classify, HttpAnswer, Operation, RetryAfter, SettingsInput, TransportError,
};
use frontdesk_domain::Timestamp;
use frontdesk_domain::connections::{ConfigFix, StepFailure};
use serde_json::{Value, json};

const ACCESS: StepFailure = StepFailure::Configuration {
    fix: ConfigFix::AccessOrSeller,
};
const REGISTRATION: StepFailure = StepFailure::Configuration {
    fix: ConfigFix::Registration,
};

#[test]
fn settings_timeout_is_one_second_less_or_half_under_two() {
    let ms = |m| protocol::settings_timeout_ms(StdDuration::from_millis(m));
    assert_eq!(ms(30_000), 29_000);
    assert_eq!(ms(15_000), 14_000);
    assert_eq!(ms(2_000), 1_000);
    assert_eq!(ms(1_999), 999);
    assert_eq!(ms(1_000), 500);
    assert_eq!(ms(200), 100);
}

#[test]
fn settings_object_and_its_redacted_copy() {
    let wire = common::mirador_wire("http://127.0.0.1:7700/mirador/pull/test/graphql");
    let input = SettingsInput {
        client: "globetrail",
        seller_code: "MIRADOR",
        access_id: "acc_01J8Z6Q4T9",
        test_mode: true,
        wire: &wire,
    };
    let s = protocol::settings(&input, StdDuration::from_secs(30), false);
    assert_eq!(
        s,
        json!({"client": "globetrail", "context": "MIRADOR", "testMode": true, "timeout": 29000,
            "suppliers": [{"code": "MIRADOR", "accesses": [{"accessId": "acc_01J8Z6Q4T9", "configuration": {
                "username": "alice", "password": common::PASSWORD,
                "urls": {"generic": "http://127.0.0.1:7700/mirador/pull/test/graphql"},
                "parameters": [{"key": "token", "value": "tok-SECRET-77"}]}}]}]})
    );
    let r = protocol::settings(&input, StdDuration::from_secs(30), true);
    let text = r.to_string();
    assert!(!text.contains(common::PASSWORD) && !text.contains("tok-SECRET-77"));
    assert_eq!(
        r["suppliers"][0]["accesses"][0]["configuration"]["password"],
        "***"
    );
}

#[test]
fn bodies_carry_the_fixed_documents() {
    let b = protocol::body(
        Operation::Hotels,
        protocol::content_variables("acc", 250, Some("t1"), json!({})),
    );
    assert_eq!(b["operationName"], "Hotels");
    assert!(b["query"].as_str().unwrap().starts_with(
        "query Hotels($criteria: HotelXHotelListInput!, $relay: RelayInput!, $token: String, $settings: HotelSettingsInput) {"
    ));
    assert_eq!(
        b["variables"],
        json!({"criteria": {"access": "acc", "maxSize": 250}, "relay": {}, "token": "t1", "settings": {}})
    );
    assert!(protocol::DESTINATIONS_QUERY.contains(r#"texts(languages: ["en"])"#));
    assert_eq!(Operation::Quote.query(), protocol::QUOTE_QUERY);
    assert_eq!(Operation::Search.name(), "Search");
}

fn with_cx<T>(url_from_access: bool, f: impl FnOnce(&Classify<'_>) -> T) -> T {
    let wire = common::mirador_wire("https://seller.example/graphql");
    let cx = Classify {
        url_from_access,
        timeout: StdDuration::from_secs(30),
        wire: &wire,
    };
    f(&cx)
}

fn http(status: u16, url_from_access: bool) -> protocol::Failure {
    with_cx(url_from_access, |cx| {
        protocol::read_answer(
            &HttpAnswer {
                status,
                retry_after: None,
                body: b"{}".to_vec(),
            },
            cx,
        )
        .unwrap_err()
    })
}

#[test]
fn http_statuses() {
    for (status, failure, retry, code) in [
        (401, ACCESS, false, "HTTP_401"),
        (403, ACCESS, false, "HTTP_403"),
        (405, ACCESS, false, "HTTP_405"),
        (301, ACCESS, false, "REDIRECT"),
        (307, ACCESS, false, "REDIRECT"),
        (408, StepFailure::Transient, true, "HTTP_408"),
        (429, StepFailure::Transient, true, "HTTP_429"),
        (502, StepFailure::Transient, true, "HTTP_502"),
        (503, StepFailure::Transient, true, "HTTP_503"),
        (504, StepFailure::Transient, true, "HTTP_504"),
        (500, StepFailure::System, true, "HTTP_500"),
        (400, StepFailure::System, false, "HTTP_400"),
        (418, StepFailure::System, false, "HTTP_418"),
        (501, StepFailure::System, false, "HTTP_501"),
        (505, StepFailure::System, false, "HTTP_505"),
    ] {
        let f = http(status, true);
        assert_eq!(
            (f.failure, f.retryable, f.code.as_str()),
            (failure, retry, code),
            "{status}"
        );
        assert_eq!(f.http_status, Some(status));
    }
    assert_eq!(http(405, false).failure, REGISTRATION);
    assert_eq!(http(308, false).failure, REGISTRATION);
}

fn top(errors: Value) -> protocol::Failure {
    with_cx(true, |cx| {
        let g = protocol::read_answer(
            &HttpAnswer {
                status: 200,
                retry_after: None,
                body: serde_json::to_vec(&json!({"data": null, "errors": errors})).unwrap(),
            },
            cx,
        )
        .unwrap();
        protocol::top_level_failure(&g.errors, cx).unwrap()
    })
}

fn top_code(code: Value) -> protocol::Failure {
    top(json!([{"message": "m", "extensions": {"code": code}}]))
}

#[test]
fn codes_of_the_table() {
    for (code, failure, retry) in [
        ("ACCESS_ERROR", ACCESS, false),
        ("22401", ACCESS, false),
        ("ACCESS_NOT_ENABLED", ACCESS, false),
        ("WRONG_FIELD", ACCESS, false),
        ("11400", ACCESS, false),
        ("205", ACCESS, false),
        ("206", ACCESS, false),
        ("207", ACCESS, false),
        ("MISSING_FIELD", REGISTRATION, false),
        ("TIMEOUT", StepFailure::Transient, true),
        ("CONNECTION_ERROR", StepFailure::Transient, true),
        ("103", StepFailure::Transient, true),
        ("104", StepFailure::Transient, true),
        ("105", StepFailure::Transient, true),
        ("INTERNAL_ERROR", StepFailure::System, true),
        ("API_ERROR", StepFailure::System, true),
        ("22500", StepFailure::System, true),
        ("22512", StepFailure::System, true),
        ("BOOKING_ERROR", StepFailure::System, false),
        ("301", StepFailure::System, false),
        ("101", StepFailure::System, false),
        ("102", StepFailure::System, false),
    ] {
        let f = top_code(json!(code));
        assert_eq!((f.failure, f.retryable), (failure, retry), "{code}");
        assert_eq!(f.code, code);
    }
    // A numeric extensions.code is the same code.
    assert_eq!(top_code(json!(22401)).code, "22401");
    // Unknown or missing code at top level: the query failed.
    assert_eq!(top_code(json!("ZZZ")).code, "GRAPHQL");
    assert_eq!(top(json!([{"message": "Unknown field"}])).code, "GRAPHQL");
    assert_eq!(top(json!([{"message": "x"}])).failure, StepFailure::System);
}

fn hx(errors: Value) -> protocol::Failure {
    with_cx(true, |cx| {
        let list = protocol::hotelx_list(Some(&errors));
        protocol::hotelx_failure(&list, cx, None).unwrap()
    })
}

#[test]
fn hotelx_errors_match_code_then_type() {
    let f = hx(json!([{"code": "X1", "type": "VALIDATION_ERROR", "description": "bad date"}]));
    assert_eq!((f.failure, f.code.as_str()), (ACCESS, "X1"));
    assert!(f.message.contains("\"bad date\""));
    let f = hx(json!([{"code": "X2", "type": "CONNECTION_ERROR", "description": ""}]));
    assert_eq!((f.failure, f.retryable), (StepFailure::Transient, true));
    let f = hx(json!([{"code": "X3", "type": "API_ERROR", "description": ""}]));
    assert_eq!((f.failure, f.retryable), (StepFailure::System, true));
    let f = hx(json!([{"code": "X4", "type": "WHATEVER", "description": ""}]));
    assert_eq!((f.failure, f.retryable), (StepFailure::System, false));
    // Code wins over type.
    let f =
        hx(json!([{"code": "ACCESS_NOT_ENABLED", "type": "VALIDATION_ERROR", "description": ""}]));
    assert!(f.message.contains("not enabled"));
    // Only retryable errors: the first decides and retrying goes on.
    let f = hx(json!([
        {"code": "TIMEOUT", "type": "", "description": ""},
        {"code": "22500", "type": "", "description": ""}]));
    assert_eq!((f.code.as_str(), f.retryable), ("TIMEOUT", true));
    // Any non-retryable stops retrying; the first one decides.
    let f = hx(json!([
        {"code": "TIMEOUT", "type": "", "description": ""},
        {"code": "301", "type": "", "description": ""},
        {"code": "ACCESS_ERROR", "type": "", "description": ""}]));
    assert_eq!((f.code.as_str(), f.retryable), ("301", false));
}

#[test]
fn bodies_that_are_not_graphql() {
    for body in [
        &b"<html></html>"[..],
        b"[]",
        b"{\"foo\": 1}",
        b"{\"errors\": 3}",
        b"",
    ] {
        let f = with_cx(true, |cx| {
            protocol::read_answer(
                &HttpAnswer {
                    status: 200,
                    retry_after: None,
                    body: body.to_vec(),
                },
                cx,
            )
            .unwrap_err()
        });
        assert_eq!(
            (f.code.as_str(), f.failure),
            ("BAD_RESPONSE", StepFailure::System)
        );
        assert!(!f.retryable);
    }
}

#[test]
fn transport_failures() {
    let f = |e: TransportError, url_from_access: bool| {
        with_cx(url_from_access, |cx| protocol::transport_failure(&e, cx))
    };
    let t = f(TransportError::Timeout, true);
    assert_eq!(
        (t.code.as_str(), t.failure, t.retryable),
        ("TIMEOUT", StepFailure::Transient, true)
    );
    let c = f(TransportError::Connect("reset".into()), true);
    assert_eq!(
        (c.code.as_str(), c.failure, c.retryable),
        ("CONNECT", StepFailure::Transient, true)
    );
    assert!(!c.message.contains("reset"));
    assert_eq!(f(TransportError::Tls, true).failure, StepFailure::System);
    assert_eq!(f(TransportError::TooLarge, true).code, "TOO_LARGE");
    let a = f(
        TransportError::AddressRefused("10.0.0.1".parse().unwrap()),
        true,
    );
    assert_eq!(
        (a.code.as_str(), a.failure),
        ("ADDRESS_REFUSED", REGISTRATION)
    );
    assert_eq!(f(TransportError::InvalidUrl, true).failure, ACCESS);
    assert_eq!(f(TransportError::InvalidUrl, false).failure, REGISTRATION);
}

#[test]
fn retry_after_seconds_or_http_date() {
    assert_eq!(RetryAfter::parse(" 7 "), Some(RetryAfter::Seconds(7)));
    let at = RetryAfter::parse("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
    assert_eq!(at, RetryAfter::At(Timestamp(784_111_777_000)));
    assert_eq!(at.wait_ms(Timestamp(784_111_767_000)), 10_000);
    assert_eq!(at.wait_ms(Timestamp(784_111_999_000)), 0);
    assert_eq!(RetryAfter::parse("soon"), None);
}

#[test]
fn quoted_seller_text_is_scrubbed_and_short() {
    with_cx(true, |cx| {
        let q = cx.quote(&format!(
            "bad\npassword {} {}",
            common::PASSWORD,
            "x".repeat(500)
        ));
        assert!(!q.contains(common::PASSWORD) && !q.contains('\n'));
        assert!(q.chars().count() <= 201);
    });
}
