//! The activation run against small local sellers: a compliant one that
//! differs from the demo's habits, and one per row of SELLER-API §3.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use frontdesk_activation::run::{
    RunProgress, SearchCriteria, StepRecord, StepStatus, ValidateFailure,
};
use frontdesk_domain::Timestamp;
use frontdesk_domain::connections::{ConfigFix, FailureKind, RunSummary, StepFailure, StepName};
use serde_json::json;
use std::time::Duration as StdDuration;

fn step(d: &Driven, name: StepName) -> StepRecord {
    d.progress.step(name).unwrap().clone()
}

fn access_fix() -> Option<StepFailure> {
    Some(StepFailure::Configuration {
        fix: ConfigFix::AccessOrSeller,
    })
}

fn registration_fix() -> Option<StepFailure> {
    Some(StepFailure::Configuration {
        fix: ConfigFix::Registration,
    })
}

/// The step failed as expected, and every later step was skipped.
fn failed_at(d: &Driven, name: StepName, code: &str) -> StepRecord {
    let rec = step(d, name);
    assert_eq!(rec.status, StepStatus::Failed, "{rec:?}");
    assert_eq!(rec.error_code.as_deref(), Some(code), "{rec:?}");
    let i = StepName::ALL.iter().position(|n| *n == name).unwrap();
    for later in &StepName::ALL[i + 1..] {
        assert_eq!(step(d, *later).status, StepStatus::Skipped);
    }
    for earlier in &StepName::ALL[..i] {
        assert_eq!(step(d, *earlier).status, StepStatus::Passed);
    }
    assert_no_secret(d);
    rec
}

fn assert_no_secret(d: &Driven) {
    let text = serde_json::to_string(&d.progress).unwrap();
    assert!(!text.contains(PASSWORD), "password leaked: {text}");
    assert!(!text.contains("tok-SECRET-77"), "secret parameter leaked");
}

#[tokio::test]
async fn a_compliant_seller_unlike_the_demo_activates() {
    let seller = serve(compliant).await;
    let d = drive(&context(&seller.url)).await;
    assert_eq!(d.summary, RunSummary::AllPassed, "{:#?}", d.progress.steps);
    assert!(d.waits.is_empty());
    for name in StepName::ALL {
        let rec = step(&d, name);
        assert_eq!(rec.status, StepStatus::Passed);
        assert!(rec.started_at.is_some());
        assert!(rec.failure_type.is_none());
    }
    // authenticate keeps the codes; search used them (string codes).
    let search = step(&d, StepName::Search);
    assert_eq!(search.details["criteria"]["hotels"][0], "H-ABC000");
    assert_eq!(
        search.details["criteria"]["hotels"]
            .as_array()
            .unwrap()
            .len(),
        25
    );
    assert_eq!(search.details["criteria"]["checkIn"], "2025-03-31");
    assert_eq!(search.details["criteria"]["checkOut"], "2025-04-02");
    assert_eq!(search.details["criteria"]["nationality"], "ES");
    assert_eq!(search.details["criteria"]["markets"], json!(["ES"]));
    assert!(search.details["criteria"].get("currency").is_none());
    assert_eq!(search.details["chosen_option"]["id"], "ok-2");
    assert_eq!(search.details["chosen_option"]["price"]["currency"], "USD");
    assert_eq!(search.details["seller_warnings"][0]["code"], "CACHE");
    let quote = step(&d, StepName::Quote);
    assert_eq!(quote.details["quote"]["optionRefId"], "ok-2");
    assert!(
        quote.details.get("warnings").is_none(),
        "{:?}",
        quote.details
    );
    let hotels = step(&d, StepName::Hotels);
    assert_eq!(hotels.details["pages"], 3);
    assert_eq!(hotels.details["fetched"], HOTELS);
    assert!(hotels.details.get("warnings").is_none());
    assert_eq!(hotels.request_ids.len(), 3);
    assert_eq!(hotels.attempts, 1);
    let dest = step(&d, StepName::Destinations);
    assert_eq!(dest.details["pages"], 3);
    assert_eq!(dest.details["fetched"], DESTINATIONS);

    // What went over the wire.
    let reqs = seller.requests();
    assert_eq!(reqs.len(), 1 + 1 + 1 + 3 + 3);
    let mut ids = std::collections::HashSet::new();
    for r in &reqs {
        assert_eq!(r.headers["content-type"], "application/json");
        assert_eq!(
            r.headers["accept"],
            "application/graphql-response+json, application/json"
        );
        assert!(r.headers["accept-encoding"].contains("gzip"));
        assert!(r.headers["user-agent"].starts_with("frontdesk/"));
        let id = &r.headers["x-request-id"];
        assert_eq!(id.len(), 36);
        assert!(ids.insert(id.clone()), "request ids are new per attempt");
        let s = &r.vars()["settings"];
        assert_eq!(s["client"], "globetrail");
        assert_eq!(s["context"], "ACME");
        assert_eq!(s["testMode"], true);
        assert_eq!(s["timeout"], 4000);
        assert_eq!(s["suppliers"][0]["code"], "ACME");
        let access = &s["suppliers"][0]["accesses"][0];
        assert_eq!(access["accessId"], "acc_TEST1");
        assert_eq!(access["configuration"]["username"], "alice");
        assert_eq!(access["configuration"]["password"], PASSWORD);
        assert_eq!(
            access["configuration"]["urls"]["generic"],
            seller.url.as_str()
        );
        assert_eq!(
            access["configuration"]["parameters"],
            json!([{"key": "token", "value": "tok-SECRET-77"}])
        );
    }
    assert!(reqs[0].is_auth());
    assert_eq!(reqs[0].vars()["relay"], json!({}));
    assert_eq!(reqs[0].vars()["token"], json!(null));
    assert_eq!(reqs[1].op(), "Search");
    assert_eq!(
        reqs[1].vars()["filterSearch"],
        json!({"access": {"includes": ["acc_TEST1"]}})
    );
    assert_eq!(
        reqs[2].vars()["criteria"],
        json!({"optionRefId": "ok-2", "language": "en"})
    );
    assert_eq!(
        reqs[3].vars()["criteria"],
        json!({"access": "acc_TEST1", "maxSize": 250})
    );
    assert_eq!(reqs[4].token(), Some("p1"));
    assert_eq!(reqs[5].token(), Some("p2"));
    assert_eq!(reqs[8].op(), "Destinations");
    assert_no_secret(&d);
}

#[tokio::test]
async fn http_401_is_a_credentials_failure() {
    let seller = serve(|r| {
        if r.is_auth() {
            status(401, "no")
        } else {
            compliant(r)
        }
    })
    .await;
    let d = drive(&context(&seller.url)).await;
    assert_eq!(d.summary, RunSummary::NeedsAccessFix);
    let rec = failed_at(&d, StepName::Authenticate, "HTTP_401");
    assert_eq!(rec.failure, access_fix());
    assert_eq!(rec.failure_type, Some(FailureKind::Configuration));
    assert_eq!(rec.http_status, Some(401));
    assert_eq!(rec.attempts, 1);
    assert!(rec.message.unwrap().contains("rejected these credentials"));
}

#[tokio::test]
async fn access_error_in_search_and_22401_in_content() {
    let seller = serve(|r| match r.op() {
        "Search" => hotelx_error(
            "search",
            "ACCESS_ERROR",
            "VALIDATION_ERROR",
            "Unknown user or wrong password",
        ),
        _ => compliant(r),
    })
    .await;
    let d = drive(&context(&seller.url)).await;
    assert_eq!(d.summary, RunSummary::NeedsAccessFix);
    assert_eq!(
        failed_at(&d, StepName::Search, "ACCESS_ERROR").failure,
        access_fix()
    );

    let seller = serve(|r| {
        if r.is_auth() {
            top_error("hotels", Some("22401"), "Unknown user or wrong password")
        } else {
            compliant(r)
        }
    })
    .await;
    let d = drive(&context(&seller.url)).await;
    assert_eq!(d.summary, RunSummary::NeedsAccessFix);
    let rec = failed_at(&d, StepName::Authenticate, "22401");
    assert_eq!(rec.failure, access_fix());
    assert_eq!(rec.http_status, None);
}

#[tokio::test]
async fn not_enabled_is_the_sellers_to_fix() {
    let seller = serve(|r| {
        if r.is_auth() {
            top_error("hotels", Some("ACCESS_NOT_ENABLED"), "not yet")
        } else {
            compliant(r)
        }
    })
    .await;
    let d = drive(&context(&seller.url)).await;
    let rec = failed_at(&d, StepName::Authenticate, "ACCESS_NOT_ENABLED");
    assert_eq!(rec.failure, access_fix());
    assert!(rec.message.unwrap().contains("not enabled"));
}

#[tokio::test]
async fn http_404_depends_on_where_the_url_came_from() {
    let seller = serve(|r| {
        if r.is_auth() {
            status(404, "not found")
        } else {
            compliant(r)
        }
    })
    .await;
    let mut ctx = context(&seller.url);
    let d = drive(&ctx).await;
    assert_eq!(d.summary, RunSummary::NeedsAccessFix);
    assert_eq!(
        failed_at(&d, StepName::Authenticate, "HTTP_404").failure,
        access_fix()
    );
    ctx.url_from_access = false;
    let d = drive(&ctx).await;
    assert_eq!(d.summary, RunSummary::NeedsRegistrationFix);
    let rec = failed_at(&d, StepName::Authenticate, "HTTP_404");
    assert_eq!(rec.failure, registration_fix());
    assert!(rec.message.unwrap().contains("registered endpoint"));
}

#[tokio::test]
async fn redirects_are_recorded_not_followed() {
    let seller = serve(|r| {
        if r.is_auth() {
            common::Reply::Raw {
                status: 302,
                headers: vec![("Location".into(), "http://169.254.169.254/".into())],
                body: Vec::new(),
            }
        } else {
            compliant(r)
        }
    })
    .await;
    let mut ctx = context(&seller.url);
    ctx.url_from_access = false;
    let d = drive(&ctx).await;
    assert_eq!(d.summary, RunSummary::NeedsRegistrationFix);
    let rec = failed_at(&d, StepName::Authenticate, "REDIRECT");
    assert_eq!(rec.http_status, Some(302));
    assert_eq!(rec.attempts, 1);
    assert_eq!(seller.requests().len(), 1);
    ctx.url_from_access = true;
    assert_eq!(drive(&ctx).await.summary, RunSummary::NeedsAccessFix);
}

#[tokio::test]
async fn missing_field_needs_the_registration_changed() {
    let seller = serve(|r| match r.op() {
        "Search" => hotelx_error(
            "search",
            "MISSING_FIELD",
            "VALIDATION_ERROR",
            "parameter agencyBranch is required",
        ),
        _ => compliant(r),
    })
    .await;
    let d = drive(&context(&seller.url)).await;
    assert_eq!(d.summary, RunSummary::NeedsRegistrationFix);
    let rec = failed_at(&d, StepName::Search, "MISSING_FIELD");
    assert_eq!(rec.failure, registration_fix());
    assert!(
        rec.message
            .unwrap()
            .contains("parameter agencyBranch is required")
    );
}

#[tokio::test]
async fn http_503_with_retry_after_waits_then_passes() {
    let seller = serve(|r| match r.op() {
        "Search" if r.nth <= 2 => common::Reply::Raw {
            status: 503,
            headers: vec![("Retry-After".into(), "1".into())],
            body: b"busy".to_vec(),
        },
        _ => compliant(r),
    })
    .await;
    let d = drive(&context(&seller.url)).await;
    assert_eq!(d.summary, RunSummary::AllPassed);
    assert_eq!(d.waits.len(), 2);
    assert!((1600..=2400).contains(&d.waits[0]), "{:?}", d.waits);
    assert!((6400..=9600).contains(&d.waits[1]), "{:?}", d.waits);
    let rec = step(&d, StepName::Search);
    assert_eq!(rec.attempts, 3);
    assert_eq!(rec.request_ids.len(), 3);
    assert_eq!(rec.error_code, None);
    assert_eq!(rec.details["retried"][0]["code"], "HTTP_503");
    // Each attempt got its own request id.
    let searches: Vec<_> = seller
        .requests()
        .into_iter()
        .filter(|r| r.op() == "Search")
        .collect();
    assert_eq!(searches.len(), 3);
    assert_ne!(
        searches[0].headers["x-request-id"],
        searches[1].headers["x-request-id"]
    );
}

#[tokio::test]
async fn retry_after_lengthens_the_wait_up_to_60_s() {
    let seller = serve(|r| match r.op() {
        "Quote" if r.nth == 1 => common::Reply::Raw {
            status: 429,
            headers: vec![("Retry-After".into(), "45".into())],
            body: Vec::new(),
        },
        "Quote" if r.nth == 2 => common::Reply::Raw {
            status: 503,
            headers: vec![("Retry-After".into(), "3600".into())],
            body: Vec::new(),
        },
        _ => compliant(r),
    })
    .await;
    let d = drive(&context(&seller.url)).await;
    assert_eq!(d.summary, RunSummary::AllPassed);
    assert_eq!(d.waits, vec![45_000, 60_000]);
}

#[tokio::test]
async fn http_500_four_times_is_a_system_failure() {
    let seller = serve(|r| {
        if r.is_auth() {
            status(500, "oops")
        } else {
            compliant(r)
        }
    })
    .await;
    let d = drive(&context(&seller.url)).await;
    assert_eq!(d.summary, RunSummary::Failed);
    let rec = failed_at(&d, StepName::Authenticate, "HTTP_500");
    assert_eq!(rec.failure, Some(StepFailure::System));
    assert_eq!(rec.attempts, 4);
    assert_eq!(rec.request_ids.len(), 4);
    assert_eq!(d.waits.len(), 3);
    assert!((24_000..=36_000).contains(&d.waits[2]));
    assert_eq!(seller.requests().len(), 4);
}

#[tokio::test]
async fn an_html_page_is_a_bad_response() {
    let seller = serve(|r| {
        if r.is_auth() {
            common::Reply::Raw {
                status: 200,
                headers: vec![("Content-Type".into(), "text/html".into())],
                body: b"<html><body>Welcome</body></html>".to_vec(),
            }
        } else {
            compliant(r)
        }
    })
    .await;
    let d = drive(&context(&seller.url)).await;
    assert_eq!(d.summary, RunSummary::Failed);
    let rec = failed_at(&d, StepName::Authenticate, "BAD_RESPONSE");
    assert_eq!(rec.failure, Some(StepFailure::System));
    assert_eq!(rec.attempts, 1);
}

#[tokio::test]
async fn an_oversized_answer_is_too_large() {
    let seller = serve(|r| {
        if r.is_auth() {
            common::Reply::Huge(17 * 1024 * 1024)
        } else {
            compliant(r)
        }
    })
    .await;
    let d = drive(&context(&seller.url)).await;
    assert_eq!(d.summary, RunSummary::Failed);
    let rec = failed_at(&d, StepName::Authenticate, "TOO_LARGE");
    assert_eq!(rec.failure, Some(StepFailure::System));
    assert_eq!(rec.attempts, 1);
}

#[tokio::test]
async fn a_slow_body_times_out() {
    let seller = serve(|r| {
        if r.is_auth() {
            common::Reply::Drip
        } else {
            compliant(r)
        }
    })
    .await;
    let mut ctx = context(&seller.url);
    ctx.timeouts.authenticate = StdDuration::from_secs(1);
    let d = drive(&ctx).await;
    assert_eq!(d.summary, RunSummary::Failed);
    let rec = failed_at(&d, StepName::Authenticate, "TIMEOUT");
    assert_eq!(rec.failure, Some(StepFailure::Transient));
    assert_eq!(rec.failure_type, Some(FailureKind::Transient));
    assert_eq!(rec.attempts, 4);
    assert!(rec.duration_ms >= 4000, "{}", rec.duration_ms);
    // Under 2 s, settings.timeout is half the request timeout.
    assert_eq!(seller.requests()[0].vars()["settings"]["timeout"], 500);
}

#[tokio::test]
async fn a_closed_connection_is_connect() {
    let seller = serve(|r| {
        if r.is_auth() {
            common::Reply::HangUp
        } else {
            compliant(r)
        }
    })
    .await;
    let d = drive(&context(&seller.url)).await;
    assert_eq!(d.summary, RunSummary::Failed);
    let rec = failed_at(&d, StepName::Authenticate, "CONNECT");
    assert_eq!(rec.failure, Some(StepFailure::Transient));
    assert_eq!(rec.attempts, 4);
}

#[tokio::test]
async fn an_unknown_top_level_error_is_graphql() {
    let seller = serve(|r| {
        if r.is_auth() {
            top_error(
                "hotels",
                None,
                "Cannot query field \"count\" on type \"HotelConnection\"",
            )
        } else {
            compliant(r)
        }
    })
    .await;
    let d = drive(&context(&seller.url)).await;
    assert_eq!(d.summary, RunSummary::Failed);
    let rec = failed_at(&d, StepName::Authenticate, "GRAPHQL");
    assert_eq!(rec.failure, Some(StepFailure::System));
    assert_eq!(rec.attempts, 1);
}

#[tokio::test]
async fn addresses_inside_the_network_are_refused() {
    let seller = serve(compliant).await;
    let mut ctx = context(&seller.url);
    ctx.allow_local = false;
    let d = drive(&ctx).await;
    assert_eq!(d.summary, RunSummary::NeedsRegistrationFix);
    let rec = failed_at(&d, StepName::Authenticate, "ADDRESS_REFUSED");
    assert_eq!(rec.failure, registration_fix());
    assert!(seller.requests().is_empty(), "nothing was sent");

    // The metadata address stays refused even for a local registration.
    let ctx = context("http://169.254.169.254/latest/meta-data");
    let d = drive(&ctx).await;
    assert_eq!(
        failed_at(&d, StepName::Authenticate, "ADDRESS_REFUSED").failure,
        registration_fix()
    );
    let ctx = context("http://[::ffff:169.254.169.254]/x");
    let d = drive(&ctx).await;
    failed_at(&d, StepName::Authenticate, "ADDRESS_REFUSED");
}

#[tokio::test]
async fn no_options_states_the_criteria_used() {
    let seller = serve(|r| match r.op() {
        "Search" => common::Reply::Json(json!({"data": {"hotelX": {"search": {
            "context": "ACME", "options": [], "errors": null, "warnings": null}}}})),
        _ => compliant(r),
    })
    .await;
    let d = drive(&context(&seller.url)).await;
    assert_eq!(d.summary, RunSummary::NeedsAccessFix);
    let rec = failed_at(&d, StepName::Search, "NO_OPTIONS");
    assert_eq!(rec.failure, access_fix());
    let msg = rec.message.unwrap();
    assert!(msg.contains("H-ABC000"), "{msg}");
    assert!(msg.contains("2025-03-31"), "{msg}");
    assert!(msg.contains("nationality ES"), "{msg}");

    // 204 / ALL_PROCESSES_FAILED mean the same; the seller's code is kept.
    let seller = serve(|r| match r.op() {
        "Search" => hotelx_error(
            "search",
            "ALL_PROCESSES_FAILED",
            "SUPPLIER_ERROR",
            "nothing",
        ),
        _ => compliant(r),
    })
    .await;
    let d = drive(&context(&seller.url)).await;
    assert_eq!(d.summary, RunSummary::NeedsAccessFix);
    assert!(
        failed_at(&d, StepName::Search, "ALL_PROCESSES_FAILED")
            .message
            .unwrap()
            .contains("criteria")
    );
}

fn empty_hotels() -> common::Reply {
    common::Reply::Json(
        json!({"data": {"hotelX": {"hotels": {"count": 0, "token": null, "edges": []}}}}),
    )
}

#[tokio::test]
async fn no_criteria_when_nothing_to_search() {
    let seller = serve(|r| {
        if r.is_auth() {
            empty_hotels()
        } else {
            compliant(r)
        }
    })
    .await;
    let mut ctx = context(&seller.url);
    let d = drive(&ctx).await;
    assert_eq!(d.summary, RunSummary::NeedsAccessFix);
    let rec = failed_at(&d, StepName::Search, "NO_CRITERIA");
    assert_eq!(rec.failure, access_fix());
    assert!(rec.request_ids.is_empty());
    assert!(!seller.requests().iter().any(|r| r.op() == "Search"));

    // Criteria supplied later: the access's win over the connection type's,
    // which win over the built-ins, key by key.
    ctx.default_search = Some(
        serde_json::from_value(
            json!({"hotels": ["X1"], "nights": 5, "nationality": "FR", "currency": "GBP"}),
        )
        .unwrap(),
    );
    ctx.search_criteria = Some(
        serde_json::from_value::<SearchCriteria>(
            json!({"destinations": ["PTLIS"], "checkInOffsetDays": 60,
            "occupancies": [{"paxes": [{"age": 35}, {"age": 8}]}], "markets": ["GB"]}),
        )
        .unwrap(),
    );
    let d = drive(&ctx).await;
    assert_eq!(d.summary, RunSummary::AllPassed, "{:#?}", d.progress.steps);
    let sent = seller
        .requests()
        .into_iter()
        .rfind(|r| r.op() == "Search")
        .unwrap();
    assert_eq!(
        sent.vars()["criteria"],
        json!({"checkIn": "2025-04-30", "checkOut": "2025-05-05", "destinations": ["PTLIS"],
               "occupancies": [{"paxes": [{"age": 35}, {"age": 8}]}], "language": "en",
               "nationality": "FR", "markets": ["GB"], "currency": "GBP"})
    );
}

#[tokio::test]
async fn no_content_when_the_first_page_is_empty() {
    let seller = serve(|r| match r.op() {
        "Destinations" => common::Reply::Json(
            json!({"data": {"hotelX": {"destinations": {"token": "", "edges": []}}}}),
        ),
        _ => compliant(r),
    })
    .await;
    let d = drive(&context(&seller.url)).await;
    assert_eq!(d.summary, RunSummary::NeedsAccessFix);
    let rec = failed_at(&d, StepName::Destinations, "NO_CONTENT");
    assert_eq!(rec.failure, access_fix());

    let seller = serve(|r| match r.op() {
        "Hotels" if !r.is_auth() => top_error("hotels", Some("11204"), "not found"),
        _ => compliant(r),
    })
    .await;
    let d = drive(&context(&seller.url)).await;
    assert_eq!(d.summary, RunSummary::NeedsAccessFix);
    failed_at(&d, StepName::Hotels, "11204");
}

#[tokio::test]
async fn content_stops_at_the_page_cap() {
    let seller = serve(|r| match r.op() {
        "Destinations" => {
            let n = r.nth;
            common::Reply::Json(json!({"data": {"hotelX": {"destinations": {"token": format!("t{n}"), "edges": [
                {"node": {"code": format!("D{n}"), "destinationData": {"code": format!("D{n}"), "available": true,
                 "type": "ZONE", "parent": null, "texts": []}}}]}}}}))
        }
        _ => compliant(r),
    })
    .await;
    let d = drive(&context(&seller.url)).await;
    assert_eq!(d.summary, RunSummary::AllPassed);
    let rec = step(&d, StepName::Destinations);
    assert_eq!(rec.details["pages"], 40);
    assert_eq!(rec.details["warnings"][0]["code"], "PAGE_CAP");
    assert_eq!(rec.request_ids.len(), 40);
}

#[tokio::test]
async fn not_found_with_a_token_ends_the_list() {
    let seller = serve(|r| match r.op() {
        "Hotels" if !r.is_auth() && r.token().is_some() => {
            top_error("hotels", Some("11204"), "no more")
        }
        "Hotels" if !r.is_auth() => {
            let Reply::Gzip(mut v) = compliant(r) else {
                unreachable!()
            };
            v["data"]["hotelX"]["hotels"]["count"] = json!(HOTEL_PAGE);
            Reply::Gzip(v)
        }
        _ => compliant(r),
    })
    .await;
    let d = drive(&context(&seller.url)).await;
    assert_eq!(d.summary, RunSummary::AllPassed);
    let rec = step(&d, StepName::Hotels);
    assert_eq!(rec.details["pages"], 1);
    assert_eq!(rec.details["fetched"], HOTEL_PAGE);
    assert!(rec.details.get("warnings").is_none());
}

#[tokio::test]
async fn warnings_for_count_price_change_and_on_request() {
    let seller = serve(|r| match r.op() {
        "Hotels" if !r.is_auth() => {
            let Reply::Gzip(mut v) = compliant(r) else {
                unreachable!()
            };
            v["data"]["hotelX"]["hotels"]["count"] = json!(999);
            Reply::Gzip(v)
        }
        "Quote" => {
            let mut v = quote_ok(&r.vars()["criteria"]["optionRefId"]);
            v["data"]["hotelX"]["quote"]["optionQuote"]["price"]["net"] = json!(210.0);
            v["data"]["hotelX"]["quote"]["optionQuote"]["status"] = json!("RQ");
            Reply::Json(v)
        }
        _ => compliant(r),
    })
    .await;
    let d = drive(&context(&seller.url)).await;
    assert_eq!(d.summary, RunSummary::AllPassed);
    let codes = |rec: StepRecord| -> Vec<String> {
        rec.details["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["code"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(codes(step(&d, StepName::Hotels)), ["COUNT_MISMATCH"]);
    assert_eq!(codes(step(&d, StepName::Quote)), ["PRICE_CHANGED", "RQ"]);
}

#[tokio::test]
async fn several_errors_the_first_final_one_decides() {
    // A retryable error first, then a config one: no retry, config decides.
    let seller = serve(|r| match r.op() {
        "Quote" => Reply::Json(
            json!({"data": {"hotelX": {"quote": {"optionQuote": null, "warnings": null, "errors": [
            {"code": "TIMEOUT", "type": "TIMEOUT", "description": "slow"},
            {"code": "WRONG_FIELD", "type": "VALIDATION_ERROR", "description": "bad nationality"},
            {"code": "BOOKING_ERROR", "type": "BOOKING_ERROR", "description": "x"}]}}}}),
        ),
        _ => compliant(r),
    })
    .await;
    let d = drive(&context(&seller.url)).await;
    assert_eq!(d.summary, RunSummary::NeedsAccessFix);
    let rec = failed_at(&d, StepName::Quote, "WRONG_FIELD");
    assert_eq!(rec.attempts, 1);
    assert!(rec.message.unwrap().contains("bad nationality"));
}

#[tokio::test]
async fn unknown_codes_and_booking_errors_are_system() {
    let seller = serve(|r| match r.op() {
        "Quote" => hotelx_error("quote", "301", "BOOKING_ERROR", "cannot quote"),
        _ => compliant(r),
    })
    .await;
    let d = drive(&context(&seller.url)).await;
    assert_eq!(d.summary, RunSummary::Failed);
    let rec = failed_at(&d, StepName::Quote, "301");
    assert_eq!(rec.failure, Some(StepFailure::System));
    assert_eq!(rec.attempts, 1);
}

#[tokio::test]
async fn secrets_never_reach_messages_or_progress() {
    let seller = serve(|r| match r.op() {
        "Search" => hotelx_error(
            "search",
            "WRONG_FIELD",
            "VALIDATION_ERROR",
            &format!("password {PASSWORD} is not valid for token tok-SECRET-77"),
        ),
        _ => compliant(r),
    })
    .await;
    let d = drive(&context(&seller.url)).await;
    let rec = failed_at(&d, StepName::Search, "WRONG_FIELD");
    let msg = rec.message.unwrap();
    assert!(
        msg.contains("password *** is not valid for token ***"),
        "{msg}"
    );
    assert!(!format!("{:?}", context(&seller.url)).contains(PASSWORD));
}

#[tokio::test]
async fn validate_failures_skip_the_run() {
    let ctx = context("http://127.0.0.1:9/never");
    let mut p = RunProgress::new();
    p.record_validate(
        Timestamp(T0),
        Err(ValidateFailure::InvalidConfig("user".into())),
    );
    let d = drive_from(&ctx, p).await;
    assert_eq!(d.summary, RunSummary::NeedsAccessFix);
    let rec = step(&d, StepName::Validate);
    assert_eq!(rec.error_code.as_deref(), Some("INVALID_CONFIG"));
    assert!(
        StepName::ALL[1..]
            .iter()
            .all(|n| step(&d, *n).status == StepStatus::Skipped)
    );

    let mut p = RunProgress::new();
    p.record_validate(Timestamp(T0), Err(ValidateFailure::Decrypt));
    let d = drive_from(&ctx, p).await;
    assert_eq!(d.summary, RunSummary::Failed);
    assert_eq!(
        step(&d, StepName::Validate).failure,
        Some(StepFailure::System)
    );
    assert!(RunProgress::new().summary().is_none());
}

use common::Reply;

/// Workers spawn runs on a multi-threaded runtime: the future must be Send.
#[test]
fn advance_is_send() {
    fn send<T: Send>(_: &T) {}
    let ctx = context("http://127.0.0.1:9/x");
    let mut p = RunProgress::new();
    let client = frontdesk_activation::SellerClient::new();
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1);
    let fut = frontdesk_activation::advance(&ctx, &mut p, &client, || Timestamp(T0), &mut rng);
    send(&fut);
}
