//! The seller protocol (SELLER-API §1–3): the four fixed query documents,
//! the `settings` object and variables of each call, and the classification
//! of every answer into a typed failure.
//!
//! This module does no I/O: [`crate::client`] moves bytes, [`crate::run`]
//! decides what to send next. Keeping the rules here, pure, is what lets
//! every row of §3's table be tested without a network.

use std::time::Duration as StdDuration;

use frontdesk_domain::Timestamp;
use frontdesk_domain::connections::{ConfigFix, StepFailure};
use serde_json::{Value, json};

use crate::schema::WireConfiguration;

/// §2.1, verbatim.
pub const SEARCH_QUERY: &str = r#"query Search($criteria: HotelCriteriaSearchInput!, $settings: HotelSettingsInput!, $filterSearch: HotelXFilterSearchInput) {
  hotelX { search(criteria: $criteria, settings: $settings, filterSearch: $filterSearch) {
    context
    options { id hotelCode hotelName boardCode paymentType status
      rooms { code description refundable } price { currency binding net gross } cancelPolicy { refundable } }
    errors { code type description }  warnings { code type description } } }
}"#;

/// §2.2, verbatim.
pub const QUOTE_QUERY: &str = r#"query Quote($criteria: HotelCriteriaQuoteInput!, $settings: HotelSettingsInput!) {
  hotelX { quote(criteria: $criteria, settings: $settings) {
    optionQuote { optionRefId status price { currency binding net gross } searchPrice { currency binding net gross }
      cancelPolicy { refundable cancelPenalties { hoursBefore penaltyType currency value } } remarks }
    errors { code type description }  warnings { code type description } } }
}"#;

/// §2.3, verbatim.
pub const HOTELS_QUERY: &str = r#"query Hotels($criteria: HotelXHotelListInput!, $relay: RelayInput!, $token: String, $settings: HotelSettingsInput) {
  hotelX { hotels(criteria: $criteria, relay: $relay, token: $token, settings: $settings) {
    count token
    edges { node { code hotelData { hotelCode hotelName categoryCode
      location { address city zipCode country coordinates { latitude longitude } closestDestination { code } } } } } } }
}"#;

/// §2.4, verbatim.
pub const DESTINATIONS_QUERY: &str = r#"query Destinations($criteria: HotelXDestinationListInput!, $relay: RelayInput!, $token: String, $settings: HotelSettingsInput) {
  hotelX { destinations(criteria: $criteria, relay: $relay, token: $token, settings: $settings) {
    token
    edges { node { code destinationData { code available type parent texts(languages: ["en"]) { text language } } } } } }
}"#;

/// Answers above this size (after decompression) are refused (§1).
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// Hotel-X's "not found": on a content page requested with a token it ends
/// the list (§2.3).
pub const NOT_FOUND_CODE: &str = "11204";

/// Longest seller text quoted in a message.
const MAX_QUOTE_CHARS: usize = 200;

/// The four operations of the subset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Search,
    Quote,
    Hotels,
    Destinations,
}

impl Operation {
    /// The GraphQL `operationName`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Search => "Search",
            Self::Quote => "Quote",
            Self::Hotels => "Hotels",
            Self::Destinations => "Destinations",
        }
    }

    /// The fixed query document.
    pub fn query(self) -> &'static str {
        match self {
            Self::Search => SEARCH_QUERY,
            Self::Quote => QUOTE_QUERY,
            Self::Hotels => HOTELS_QUERY,
            Self::Destinations => DESTINATIONS_QUERY,
        }
    }

    /// The field under `data.hotelX` holding the answer.
    pub fn field(self) -> &'static str {
        match self {
            Self::Search => "search",
            Self::Quote => "quote",
            Self::Hotels => "hotels",
            Self::Destinations => "destinations",
        }
    }
}

/// Everything `settings` is made of except the timeout, which changes
/// with every request.
#[derive(Debug, Clone, Copy)]
pub struct SettingsInput<'a> {
    /// The buyer organization's code.
    pub client: &'a str,
    /// The seller's code (`context` and `suppliers[0].code`).
    pub seller_code: &'a str,
    /// frontdesk's access id.
    pub access_id: &'a str,
    /// `true` for test accesses.
    pub test_mode: bool,
    /// The credentials as sent.
    pub wire: &'a WireConfiguration,
}

/// `settings.timeout` for a request with this timeout: 1000 ms less, so a
/// compliant seller answers with its own `TIMEOUT` first; at least half of
/// it when the request timeout is under 2 s (tests).
pub fn settings_timeout_ms(request_timeout: StdDuration) -> u64 {
    let t = u64::try_from(request_timeout.as_millis()).unwrap_or(u64::MAX);
    if t >= 2000 { t - 1000 } else { t / 2 }
}

/// The `settings` object ($S of §2). `redact` puts `"***"` in place of
/// every secret, for the copy that may be kept.
pub fn settings(input: &SettingsInput<'_>, request_timeout: StdDuration, redact: bool) -> Value {
    let configuration = if redact {
        input.wire.redacted()
    } else {
        serde_json::to_value(input.wire).unwrap_or(Value::Null)
    };
    json!({
        "client": input.client,
        "context": input.seller_code,
        "testMode": input.test_mode,
        "timeout": settings_timeout_ms(request_timeout),
        "suppliers": [{"code": input.seller_code, "accesses": [{
            "accessId": input.access_id, "configuration": configuration}]}],
    })
}

/// Variables of `search`.
pub fn search_variables(criteria: &Value, settings: Value, access_id: &str) -> Value {
    json!({"criteria": criteria, "settings": settings,
           "filterSearch": {"access": {"includes": [access_id]}}})
}

/// Variables of `quote`.
pub fn quote_variables(option_ref_id: &str, settings: Value) -> Value {
    json!({"criteria": {"optionRefId": option_ref_id, "language": "en"}, "settings": settings})
}

/// Variables of a `hotels` or `destinations` page; every page repeats the
/// criteria and settings and carries the previous page's token.
pub fn content_variables(
    access_id: &str,
    max_size: u32,
    token: Option<&str>,
    settings: Value,
) -> Value {
    json!({"criteria": {"access": access_id, "maxSize": max_size}, "relay": {},
           "token": token, "settings": settings})
}

/// The request body. Holds secrets: never log it.
pub fn body(op: Operation, variables: Value) -> Value {
    json!({"operationName": op.name(), "query": op.query(), "variables": variables})
}

/// When a seller asked to be retried (`Retry-After`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// A delay in seconds.
    Seconds(u64),
    /// An HTTP date, compared with frontdesk's clock.
    At(Timestamp),
}

impl RetryAfter {
    /// Parses the header value (delay-seconds or HTTP-date).
    pub fn parse(value: &str) -> Option<Self> {
        let v = value.trim();
        if let Ok(s) = v.parse::<u64>() {
            return Some(Self::Seconds(s));
        }
        let at = httpdate::parse_http_date(v).ok()?;
        let ms = at.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis();
        Some(Self::At(Timestamp(i64::try_from(ms).ok()?)))
    }

    /// The wait it asks for, in milliseconds, seen from `now`.
    pub fn wait_ms(self, now: Timestamp) -> i64 {
        match self {
            Self::Seconds(s) => i64::try_from(s.saturating_mul(1000)).unwrap_or(i64::MAX),
            Self::At(t) => (t.0 - now.0).max(0),
        }
    }
}

/// What the transport could not do; classified by [`transport_failure`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The whole request (connect, answer and body) took too long.
    Timeout,
    /// Refused, reset, closed without an answer, or the name did not resolve.
    Connect(String),
    /// The TLS handshake failed.
    Tls,
    /// The body exceeded [`MAX_RESPONSE_BYTES`] after decompression.
    TooLarge,
    /// The body could not be decoded (broken gzip).
    Decode,
    /// The host resolves to an address frontdesk refuses to call.
    AddressRefused(std::net::IpAddr),
    /// The endpoint is not an absolute http(s) URL with a host.
    InvalidUrl,
}

/// An HTTP answer, body complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpAnswer {
    pub status: u16,
    pub retry_after: Option<RetryAfter>,
    pub body: Vec<u8>,
}

/// A failed attempt, classified (§3): what to record and whether to retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What it means for the status.
    pub failure: StepFailure,
    /// Whether another attempt may help.
    pub retryable: bool,
    /// The seller's code verbatim, else §3's.
    pub code: String,
    /// The HTTP status, when there was one.
    pub http_status: Option<u16>,
    /// One sentence: what happened and what to fix. Never a secret.
    pub message: String,
    /// The seller's `Retry-After`, if any.
    pub retry_after: Option<RetryAfter>,
}

impl Failure {
    fn new(
        failure: StepFailure,
        retryable: bool,
        code: impl Into<String>,
        message: String,
    ) -> Self {
        Self {
            failure,
            retryable,
            code: code.into(),
            http_status: None,
            message,
            retry_after: None,
        }
    }

    /// A config failure the access (or the seller) fixes: Pending Seller.
    pub fn access(code: impl Into<String>, message: String) -> Self {
        Self::new(config(ConfigFix::AccessOrSeller), false, code, message)
    }

    /// A config failure of the seller's registration: Not Working.
    pub fn registration(code: impl Into<String>, message: String) -> Self {
        Self::new(config(ConfigFix::Registration), false, code, message)
    }

    /// A system failure, not retried.
    pub fn system(code: impl Into<String>, message: String) -> Self {
        Self::new(StepFailure::System, false, code, message)
    }

    /// An answer missing what §4 requires.
    pub fn bad_response(what: &str) -> Self {
        Self::system(
            "BAD_RESPONSE",
            format!(
                "The seller's answer {what}, which the protocol requires; Connectivity must review the seller's implementation."
            ),
        )
    }

    fn with_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }
}

fn config(fix: ConfigFix) -> StepFailure {
    StepFailure::Configuration { fix }
}

/// What classification needs to know about the call.
#[derive(Debug, Clone, Copy)]
pub struct Classify<'a> {
    /// The endpoint came from the access's `url` field: a wrong address is
    /// then the access's to fix (Pending Seller), else the registration's.
    pub url_from_access: bool,
    /// The request's timeout, named in `TIMEOUT` messages.
    pub timeout: StdDuration,
    /// The credentials sent, so quoted seller text can be scrubbed of them.
    pub wire: &'a WireConfiguration,
}

impl Classify<'_> {
    fn url_fix(&self) -> ConfigFix {
        if self.url_from_access {
            ConfigFix::AccessOrSeller
        } else {
            ConfigFix::Registration
        }
    }

    fn url_remedy(&self) -> &'static str {
        if self.url_from_access {
            "correct the endpoint URL of this access"
        } else {
            "an administrator must correct the seller's registered endpoint"
        }
    }

    /// Seller text made safe to keep: one line, short, no secret.
    pub fn quote(&self, text: &str) -> String {
        let mut out: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        for secret in self.wire.secret_values() {
            out = out.replace(secret, "***");
        }
        let out = out.trim();
        if out.chars().count() > MAX_QUOTE_CHARS {
            let cut: String = out.chars().take(MAX_QUOTE_CHARS).collect();
            format!("{cut}…")
        } else {
            out.to_owned()
        }
    }
}

/// Classifies what the transport could not do.
pub fn transport_failure(e: &TransportError, cx: &Classify<'_>) -> Failure {
    match e {
        TransportError::Timeout => Failure::new(
            StepFailure::Transient,
            true,
            "TIMEOUT",
            format!(
                "The seller did not answer completely within {} ms; if this persists the seller must speed up its endpoint.",
                cx.timeout.as_millis()
            ),
        ),
        TransportError::Connect(_) => Failure::new(
            StepFailure::Transient,
            true,
            "CONNECT",
            "frontdesk could not connect to the seller's endpoint, or the connection closed without an answer; the seller must check that its endpoint is up.".to_owned(),
        ),
        TransportError::Tls => Failure::system(
            "TLS",
            "The TLS handshake with the seller's endpoint failed; the seller must fix its certificate or TLS setup.".to_owned(),
        ),
        TransportError::TooLarge => Failure::system(
            "TOO_LARGE",
            "The seller's answer exceeded 16 MiB; the seller must send smaller pages.".to_owned(),
        ),
        TransportError::Decode => Failure::system(
            "BAD_RESPONSE",
            "The seller's answer could not be decompressed; the seller must send valid gzip or plain JSON.".to_owned(),
        ),
        TransportError::AddressRefused(ip) => Failure::registration(
            "ADDRESS_REFUSED",
            format!(
                "The endpoint's host resolves to {ip}, an address inside the network that frontdesk refuses to call; an administrator must register a public endpoint."
            ),
        ),
        TransportError::InvalidUrl => Failure::new(
            config(cx.url_fix()),
            false,
            "INVALID_URL",
            format!(
                "The endpoint is not an absolute http(s) URL with a host; {}.",
                cx.url_remedy()
            ),
        ),
    }
}

/// A GraphQL response: `data` and top-level `errors`.
#[derive(Debug, Clone, PartialEq)]
pub struct Graphql {
    pub data: Value,
    pub errors: Vec<TopLevelError>,
}

/// A top-level GraphQL error; the Hotel-X code travels in `extensions.code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopLevelError {
    pub message: String,
    pub code: Option<String>,
}

/// Layer 1 of §3: the HTTP status, then whether the body is a GraphQL
/// response at all.
pub fn read_answer(answer: &HttpAnswer, cx: &Classify<'_>) -> Result<Graphql, Failure> {
    let status = answer.status;
    if status != 200 {
        return Err(status_failure(status, answer.retry_after, cx));
    }
    let not_graphql = || {
        Failure::system(
            "BAD_RESPONSE",
            "The seller's answer is not a GraphQL response (JSON with data or errors); Connectivity must review the seller's endpoint.".to_owned(),
        )
        .with_status(status)
    };
    let value: Value = serde_json::from_slice(&answer.body).map_err(|_| not_graphql())?;
    let Some(obj) = value.as_object() else {
        return Err(not_graphql());
    };
    if !obj.contains_key("data") && !obj.contains_key("errors") {
        return Err(not_graphql());
    }
    let errors = match obj.get("errors") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list
            .iter()
            .map(|e| TopLevelError {
                message: e
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                code: e.pointer("/extensions/code").and_then(code_of),
            })
            .collect(),
        Some(_) => return Err(not_graphql()),
    };
    Ok(Graphql {
        data: obj.get("data").cloned().unwrap_or(Value::Null),
        errors,
    })
}

/// A code given as a string or a number (`"22401"` or `22401`).
pub fn code_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn status_failure(status: u16, retry_after: Option<RetryAfter>, cx: &Classify<'_>) -> Failure {
    let code = if (300..400).contains(&status) {
        "REDIRECT".to_owned()
    } else {
        format!("HTTP_{status}")
    };
    let mut f = match status {
        300..=399 => Failure::new(
            config(cx.url_fix()),
            false,
            code,
            format!(
                "The endpoint answered with a redirect (HTTP {status}), which frontdesk never follows; {}.",
                cx.url_remedy()
            ),
        ),
        401 | 403 => Failure::access(
            code,
            format!(
                "The seller rejected these credentials (HTTP {status}); correct the access's credentials or ask the seller to accept them."
            ),
        ),
        404 | 405 => Failure::new(
            config(cx.url_fix()),
            false,
            code,
            format!(
                "The endpoint answered HTTP {status}, so nothing serves the protocol at that address; {}.",
                cx.url_remedy()
            ),
        ),
        408 | 429 | 502 | 503 | 504 => Failure::new(
            StepFailure::Transient,
            true,
            code,
            format!(
                "The seller answered HTTP {status} (temporarily unavailable); if it persists the seller must check its service."
            ),
        ),
        500 => Failure::new(
            StepFailure::System,
            true,
            code,
            "The seller answered HTTP 500 (internal error); if it persists Connectivity must review it with the seller.".to_owned(),
        ),
        _ => Failure::system(
            code,
            format!(
                "The seller answered HTTP {status}, which the protocol does not expect; Connectivity must review the seller's endpoint."
            ),
        ),
    };
    f.retry_after = retry_after;
    f.with_status(status)
}

/// Classifies a Hotel-X code (then its `type`) per §3's table; `None`
/// when neither is known.
fn classify_code(
    code: &str,
    kind: Option<&str>,
    description: &str,
    cx: &Classify<'_>,
) -> Option<Failure> {
    let said = || {
        let d = cx.quote(description);
        if d.is_empty() {
            String::new()
        } else {
            format!(": \"{d}\"")
        }
    };
    let by_code = match code {
        "ACCESS_ERROR" | "22401" => Some(Failure::access(
            code,
            format!(
                "The seller rejected these credentials ({code}); correct the access's credentials or ask the seller to accept them."
            ),
        )),
        "ACCESS_NOT_ENABLED" => Some(Failure::access(
            code,
            format!(
                "The seller has not enabled these credentials yet ({code}); the seller must enable them, then the activation runs again."
            ),
        )),
        "WRONG_FIELD" | "11400" | "205" | "206" | "207" => Some(validation(code, &said())),
        "MISSING_FIELD" => Some(Failure::registration(
            code,
            format!(
                "The seller asks for a field its registered credential schema does not declare ({code}{}); an administrator must add it to the seller's schema.",
                said()
            ),
        )),
        "TIMEOUT" | "CONNECTION_ERROR" | "103" | "104" | "105" => Some(transient(code, &said())),
        "INTERNAL_ERROR" | "API_ERROR" | "22500" | "22512" => Some(internal(code, &said())),
        "BOOKING_ERROR" | "301" | "101" | "102" => Some(unexpected(code, &said())),
        _ => None,
    };
    if by_code.is_some() {
        return by_code;
    }
    match kind? {
        "VALIDATION_ERROR" => Some(validation(code, &said())),
        "TIMEOUT" | "CONNECTION_ERROR" => Some(transient(code, &said())),
        "INTERNAL_ERROR" | "API_ERROR" => Some(internal(code, &said())),
        _ => None,
    }
}

fn validation(code: &str, said: &str) -> Failure {
    Failure::access(
        code,
        format!(
            "The seller refused a value of this access ({code}{said}); correct it in the access or its search criteria."
        ),
    )
}

fn transient(code: &str, said: &str) -> Failure {
    Failure::new(
        StepFailure::Transient,
        true,
        code,
        format!(
            "The seller reported a temporary failure ({code}{said}); if it persists the seller must check its service."
        ),
    )
}

fn internal(code: &str, said: &str) -> Failure {
    Failure::new(
        StepFailure::System,
        true,
        code,
        format!(
            "The seller reported an internal error ({code}{said}); if it persists Connectivity must review it with the seller."
        ),
    )
}

fn unexpected(code: &str, said: &str) -> Failure {
    Failure::system(
        code,
        format!(
            "The seller answered with error {code}{said}, which activation does not expect; Connectivity must review it with the seller."
        ),
    )
}

/// The failure of several classified errors (§3): the first non-retryable
/// one decides, else the first.
pub fn decide(failures: Vec<Failure>) -> Option<Failure> {
    let first_final = failures.iter().position(|f| !f.retryable);
    let mut failures = failures;
    match first_final {
        Some(i) => Some(failures.swap_remove(i)),
        None => failures.into_iter().next(),
    }
}

/// Layer 2: top-level GraphQL errors. An unknown or missing
/// `extensions.code` means the query itself failed (`GRAPHQL`).
pub fn top_level_failure(errors: &[TopLevelError], cx: &Classify<'_>) -> Option<Failure> {
    decide(
        errors
            .iter()
            .map(|e| {
                e.code
                    .as_deref()
                    .and_then(|c| classify_code(c, None, &e.message, cx))
                    .unwrap_or_else(|| {
                        Failure::system(
                            "GRAPHQL",
                            format!(
                                "The seller rejected the query with a GraphQL error (\"{}\"), so its schema does not match the protocol; Connectivity must review it with the seller.",
                                cx.quote(&e.message)
                            ),
                        )
                    })
            })
            .collect(),
    )
}

/// One `Error`/`Warning` of a `search` or `quote` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotelXError {
    pub code: String,
    pub kind: String,
    pub description: String,
}

/// Reads an `errors` or `warnings` list (null or absent: empty).
pub fn hotelx_list(v: Option<&Value>) -> Vec<HotelXError> {
    v.and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|e| HotelXError {
                    code: e.get("code").and_then(code_of).unwrap_or_default(),
                    kind: e
                        .get("type")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    description: e
                        .get("description")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Codes meaning "no availability" rather than a failure of the seller.
pub fn is_no_options_code(code: &str) -> bool {
    matches!(code, "204" | "ALL_PROCESSES_FAILED")
}

/// Layer 3: Hotel-X `errors` of `search` or `quote`. `no_options` builds
/// the failure for `204` / `ALL_PROCESSES_FAILED` (search only).
pub fn hotelx_failure(
    errors: &[HotelXError],
    cx: &Classify<'_>,
    no_options: Option<&dyn Fn(&str) -> Failure>,
) -> Option<Failure> {
    decide(
        errors
            .iter()
            .map(|e| {
                if let Some(no) = no_options
                    && is_no_options_code(&e.code)
                {
                    return no(&e.code);
                }
                let kind = (!e.kind.is_empty()).then_some(e.kind.as_str());
                classify_code(&e.code, kind, &e.description, cx).unwrap_or_else(|| {
                    let code = if e.code.is_empty() {
                        "UNKNOWN"
                    } else {
                        &e.code
                    };
                    let said = cx.quote(&e.description);
                    let said = if said.is_empty() {
                        String::new()
                    } else {
                        format!(": \"{said}\"")
                    };
                    unexpected(code, &said)
                })
            })
            .collect(),
    )
}

/// Warnings as kept in a step's details (seller text scrubbed).
pub fn warnings_json(list: &[HotelXError], cx: &Classify<'_>) -> Vec<Value> {
    list.iter()
        .map(|w| json!({"code": w.code, "type": w.kind, "description": cx.quote(&w.description)}))
        .collect()
}
