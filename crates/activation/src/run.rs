//! The resumable activation run (SELLER-API §4).
//!
//! A run is a job on a worker that must never sleep: [`advance`] sends
//! requests one after the other until the run finishes or a retry has to
//! wait, and then hands back [`Advance::WaitUntil`]. The caller stores the
//! [`RunProgress`] (JSON) and calls again once that time has come; a retry
//! repeats only the failed request (same page, same token).
//!
//! What is kept never holds a secret: details keep counts, criteria and the
//! chosen option, and seller text is scrubbed of the credentials sent.

use std::time::Instant;

use frontdesk_domain::Timestamp;
use frontdesk_domain::connections::{FailureKind, RunSummary, StepFailure, StepName, StepOutcome};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::client::{Call, SellerClient, Timeouts};
use crate::protocol::{
    self, Classify, Failure, Graphql, NOT_FOUND_CODE, Operation, SettingsInput, code_of,
    hotelx_list, warnings_json,
};
use crate::schema::{FieldError, WireConfiguration};

/// At most this many attempts per request (§3).
pub const MAX_ATTEMPTS: u32 = 4;
/// Waits before attempts 2, 3 and 4, in ms, before jitter (§3).
pub const BACKOFF_MS: [i64; 3] = [2_000, 8_000, 30_000];
/// A seller's `Retry-After` never makes a wait longer than this.
pub const MAX_WAIT_MS: i64 = 60_000;
/// Content page size.
pub const PAGE_SIZE: u32 = 250;
/// Content steps stop (and pass, with warning `PAGE_CAP`) after this many pages.
pub const MAX_PAGES: u32 = 40;
/// Hotel codes kept from `authenticate` for the default search.
pub const DEFAULT_HOTELS: usize = 25;
/// `maxSize` of the `authenticate` page.
const AUTH_PAGE_SIZE: u32 = 25;

/// Everything a run needs to know about the access, decrypted. Holds
/// secrets (in `wire`), so it is never stored or logged as is.
#[derive(Debug, Clone)]
pub struct RunContext {
    pub access_id: String,
    /// The buyer organization's code.
    pub client_code: String,
    pub seller_code: String,
    pub test_mode: bool,
    pub wire: WireConfiguration,
    /// The endpoint came from the access's `url` field.
    pub url_from_access: bool,
    /// The registered endpoint's host is loopback (the demo seller).
    pub allow_local: bool,
    /// The access's own criteria (highest precedence).
    pub search_criteria: Option<SearchCriteria>,
    /// The connection type's `default_search`.
    pub default_search: Option<SearchCriteria>,
    /// The installation's default market (`ES`).
    pub market: String,
    pub timeouts: Timeouts,
}

/// One room of a search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Room {
    pub paxes: Vec<Pax>,
}

/// One guest; only the age matters to a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pax {
    pub age: i64,
}

/// Search criteria supplied for an access or a connection type (§4). Every
/// key is optional; each one present replaces the default. Offsets rather
/// than dates, so a later re-test never searches the past.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SearchCriteria {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hotels: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destinations: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_in_offset_days: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nights: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occupancies: Option<Vec<Room>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub markets: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

impl SearchCriteria {
    /// Checks §4's limits; every problem at once, by field.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err = |field: &str, message: &str| {
            errors.push(FieldError {
                field: field.to_owned(),
                message: message.to_owned(),
            });
        };
        if self.hotels.is_some() && self.destinations.is_some() {
            err("", "give hotels or destinations, not both");
        }
        let codes = |field: &str,
                     list: &Option<Vec<String>>,
                     max: usize,
                     err: &mut dyn FnMut(&str, &str)| {
            if let Some(list) = list {
                if list.is_empty() {
                    err(field, "list at least one code");
                } else if list.len() > max {
                    err(field, &format!("at most {max} codes"));
                }
                if list.iter().any(|c| c.trim().is_empty() || c.len() > 64) {
                    err(field, "codes must be 1 to 64 characters");
                }
            }
        };
        codes("hotels", &self.hotels, 100, &mut err);
        codes("destinations", &self.destinations, 10, &mut err);
        if self
            .check_in_offset_days
            .is_some_and(|d| !(1..=365).contains(&d))
        {
            err("checkInOffsetDays", "between 1 and 365 days");
        }
        if self.nights.is_some_and(|n| !(1..=30).contains(&n)) {
            err("nights", "between 1 and 30 nights");
        }
        if let Some(rooms) = &self.occupancies {
            if !(1..=4).contains(&rooms.len()) {
                err("occupancies", "between 1 and 4 rooms");
            }
            if rooms.iter().any(|r| r.paxes.is_empty()) {
                err("occupancies", "each room needs at least one guest");
            }
            if rooms
                .iter()
                .flat_map(|r| &r.paxes)
                .any(|p| !(0..=120).contains(&p.age))
            {
                err("occupancies", "ages between 0 and 120");
            }
        }
        let upper = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_uppercase());
        if self.nationality.as_deref().is_some_and(|c| !upper(c, 2)) {
            err(
                "nationality",
                "a country code of 2 capital letters (ISO 3166-1)",
            );
        }
        if let Some(m) = &self.markets
            && (m.is_empty() || m.iter().any(|c| c.trim().is_empty()))
        {
            err("markets", "list at least one market code");
        }
        if self.currency.as_deref().is_some_and(|c| !upper(c, 3)) {
            err(
                "currency",
                "a currency code of 3 capital letters (ISO 4217)",
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Pending,
    Running,
    Passed,
    Failed,
    Skipped,
}

/// One step as recorded (§4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    pub name: StepName,
    pub status: StepStatus,
    pub started_at: Option<Timestamp>,
    /// Wall time of all attempts and pages (waits between retries excluded).
    pub duration_ms: i64,
    /// Attempts of the step's most retried request.
    pub attempts: u32,
    pub failure: Option<StepFailure>,
    pub failure_type: Option<FailureKind>,
    pub error_code: Option<String>,
    pub http_status: Option<u16>,
    /// `X-Request-ID` of every attempt, in order.
    pub request_ids: Vec<String>,
    pub message: Option<String>,
    pub details: Value,
}

impl StepRecord {
    fn new(name: StepName) -> Self {
        Self {
            name,
            status: StepStatus::Pending,
            started_at: None,
            duration_ms: 0,
            attempts: 0,
            failure: None,
            failure_type: None,
            error_code: None,
            http_status: None,
            request_ids: Vec::new(),
            message: None,
            details: Value::Object(Map::new()),
        }
    }

    fn detail(&mut self, key: &str, value: Value) {
        if !self.details.is_object() {
            self.details = Value::Object(Map::new());
        }
        if let Some(map) = self.details.as_object_mut() {
            map.insert(key.to_owned(), value);
        }
    }

    fn warn(&mut self, warning: Value) {
        let mut list = self
            .details
            .get("warnings")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        list.push(warning);
        self.detail("warnings", Value::Array(list));
    }
}

/// State carried between calls of [`advance`]; private so the runner alone
/// decides what it means.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Resume {
    /// Attempts made of the current request.
    attempt: u32,
    /// A retry is due at this time.
    wait_until: Option<Timestamp>,
    /// Token of the content page to request next (None: first page).
    token: Option<String>,
    pages: u32,
    fetched: u64,
    count: Option<i64>,
    /// Hotel codes `authenticate` returned, for the default search.
    hotel_codes: Vec<String>,
    /// The effective search criteria, fixed at the first search attempt.
    criteria: Option<Value>,
    /// The option chosen by `search`, quoted next.
    option_id: Option<String>,
    search_price: Option<Value>,
}

/// The steps of a run and where it stands; stored as JSON between calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunProgress {
    /// All six steps, in order.
    pub steps: Vec<StepRecord>,
    #[serde(default)]
    resume: Resume,
}

impl Default for RunProgress {
    fn default() -> Self {
        Self::new()
    }
}

/// Why `validate` failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValidateFailure {
    /// The stored configuration fails the schema or the host check; the
    /// text names the fields (never their values).
    InvalidConfig(String),
    /// The stored secrets could not be decrypted: a `system` failure.
    Decrypt,
}

/// What the caller does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advance {
    /// Store the progress, wait until then, then call [`advance`] again.
    WaitUntil(Timestamp),
    /// The run is over.
    Finished(RunSummary),
}

impl RunProgress {
    pub fn new() -> Self {
        Self {
            steps: StepName::ALL.into_iter().map(StepRecord::new).collect(),
            resume: Resume::default(),
        }
    }

    /// Records the `validate` step, run by the caller (it holds the schema,
    /// the registered endpoints and the key).
    pub fn record_validate(&mut self, now: Timestamp, result: Result<(), ValidateFailure>) {
        let Some(i) = self.index(StepName::Validate) else {
            return;
        };
        let rec = &mut self.steps[i];
        rec.started_at = Some(now);
        rec.attempts = 1;
        match result {
            Ok(()) => rec.status = StepStatus::Passed,
            Err(ValidateFailure::InvalidConfig(fields)) => self.fail(
                i,
                Failure::access(
                    "INVALID_CONFIG",
                    format!(
                        "The stored configuration of this access is not valid ({fields}); correct these fields of the access."
                    ),
                )),
            Err(ValidateFailure::Decrypt) => self.fail(
                i,
                Failure::system(
                    "DECRYPT_FAILED",
                    "The stored secrets of this access could not be decrypted; Connectivity must check the installation's secret key, then re-enter the secrets.".to_owned(),
                )),
        }
    }

    /// The run's summary, once every step passed, failed or was skipped.
    pub fn summary(&self) -> Option<RunSummary> {
        let done = self.steps.iter().all(|s| {
            matches!(
                s.status,
                StepStatus::Passed | StepStatus::Failed | StepStatus::Skipped
            )
        });
        done.then(|| RunSummary::of(&self.outcomes()))
    }

    /// The outcomes of the steps that finished.
    pub fn outcomes(&self) -> Vec<(StepName, StepOutcome)> {
        self.steps
            .iter()
            .filter_map(|s| {
                let outcome = match s.status {
                    StepStatus::Passed => StepOutcome::Passed,
                    StepStatus::Skipped => StepOutcome::Skipped,
                    StepStatus::Failed => StepOutcome::Failed {
                        failure: s.failure.unwrap_or(StepFailure::System),
                    },
                    StepStatus::Pending | StepStatus::Running => return None,
                };
                Some((s.name, outcome))
            })
            .collect()
    }

    /// The record of a step.
    pub fn step(&self, name: StepName) -> Option<&StepRecord> {
        self.steps.iter().find(|s| s.name == name)
    }

    fn index(&self, name: StepName) -> Option<usize> {
        self.steps.iter().position(|s| s.name == name)
    }

    fn current(&self) -> Option<usize> {
        self.steps
            .iter()
            .position(|s| matches!(s.status, StepStatus::Pending | StepStatus::Running))
    }

    /// Fails step `i` (the last attempt's failure decides) and skips the rest.
    /// After the last attempt the failure keeps its kind (transient or system).
    fn fail(&mut self, i: usize, f: Failure) {
        let failure = f.failure;
        let rec = &mut self.steps[i];
        rec.status = StepStatus::Failed;
        rec.failure = Some(failure);
        rec.failure_type = Some(failure.kind());
        rec.error_code = Some(f.code);
        rec.http_status = f.http_status;
        rec.message = Some(f.message);
        for later in &mut self.steps[i + 1..] {
            later.status = StepStatus::Skipped;
        }
        self.resume = Resume::default();
    }

    fn pass(&mut self, i: usize) {
        let rec = &mut self.steps[i];
        rec.status = StepStatus::Passed;
        rec.error_code = None;
        rec.http_status = None;
        rec.message = None;
        let r = &mut self.resume;
        r.attempt = 0;
        r.wait_until = None;
        r.token = None;
        r.pages = 0;
        r.fetched = 0;
        r.count = None;
    }
}

/// The wait before attempt `attempt + 1` (attempt counts from 1): 2 s, 8 s,
/// 30 s, ±20% jitter; a seller's `Retry-After` lengthens it, up to 60 s.
pub fn backoff_ms(attempt: u32, retry_after_ms: Option<i64>, rng: &mut impl Rng) -> i64 {
    let i = usize::try_from(attempt.saturating_sub(1)).unwrap_or(usize::MAX);
    let base = BACKOFF_MS[i.min(BACKOFF_MS.len() - 1)];
    let jitter: f64 = rng.random_range(0.8..=1.2);
    // Bounded: base ≤ 30 s, so the product fits comfortably.
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let wait = (base as f64 * jitter).round() as i64;
    match retry_after_ms {
        Some(ra) => wait.max(ra.min(MAX_WAIT_MS)),
        None => wait,
    }
}

/// A random v4-style UUID for `X-Request-ID`.
pub fn request_id(rng: &mut impl Rng) -> String {
    let mut b = [0u8; 16];
    rng.fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Why effective criteria could not be built.
fn no_criteria() -> Failure {
    Failure::access(
        "NO_CRITERIA",
        "There are no hotel or destination codes to search: the seller returned no hotels and no search criteria are set; set search criteria for this access.".to_owned(),
    )
}

/// The criteria `search` sends: the access's `search_criteria`, then the
/// connection type's `default_search`, then the built-in defaults; hotels
/// default to the codes `authenticate` returned.
pub fn effective_criteria(
    ctx: &RunContext,
    today: time::Date,
    auth_codes: &[String],
) -> Option<Value> {
    let layers: Vec<&SearchCriteria> = [ctx.search_criteria.as_ref(), ctx.default_search.as_ref()]
        .into_iter()
        .flatten()
        .collect();
    let pick = |f: &dyn Fn(&SearchCriteria) -> Option<Value>| layers.iter().find_map(|c| f(c));
    let offset = layers
        .iter()
        .find_map(|c| c.check_in_offset_days)
        .unwrap_or(30);
    let nights = layers.iter().find_map(|c| c.nights).unwrap_or(2);
    let check_in = today.checked_add(time::Duration::days(offset))?;
    let check_out = check_in.checked_add(time::Duration::days(nights))?;
    let mut c = Map::new();
    c.insert("checkIn".into(), Value::String(ymd(check_in)));
    c.insert("checkOut".into(), Value::String(ymd(check_out)));
    let codes = layers.iter().find_map(|l| {
        if let Some(h) = &l.hotels {
            Some(("hotels", h.clone()))
        } else {
            l.destinations.as_ref().map(|d| ("destinations", d.clone()))
        }
    });
    let (key, list) = match codes {
        Some(x) => x,
        None if !auth_codes.is_empty() => (
            "hotels",
            auth_codes.iter().take(DEFAULT_HOTELS).cloned().collect(),
        ),
        None => return None,
    };
    c.insert(key.into(), json!(list));
    let rooms = pick(&|l| l.occupancies.as_ref().map(|o| json!(o)))
        .unwrap_or_else(|| json!([{"paxes": [{"age": 30}, {"age": 30}]}]));
    c.insert("occupancies".into(), rooms);
    c.insert("language".into(), json!("en"));
    let nationality =
        pick(&|l| l.nationality.as_ref().map(|n| json!(n))).unwrap_or_else(|| json!(ctx.market));
    c.insert("nationality".into(), nationality);
    let markets =
        pick(&|l| l.markets.as_ref().map(|m| json!(m))).unwrap_or_else(|| json!([ctx.market]));
    c.insert("markets".into(), markets);
    if let Some(cur) = pick(&|l| l.currency.as_ref().map(|c| json!(c))) {
        c.insert("currency".into(), cur);
    }
    Some(Value::Object(c))
}

fn ymd(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn utc_date(now: Timestamp) -> time::Date {
    time::OffsetDateTime::from_unix_timestamp(now.0.div_euclid(1000))
        .map(time::OffsetDateTime::date)
        .unwrap_or(time::Date::MIN)
}

/// The criteria in words, for the `NO_OPTIONS` message.
fn describe_criteria(c: &Value) -> String {
    let list = |k: &str| -> Vec<String> {
        c.get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(code_of).collect())
            .unwrap_or_default()
    };
    let mut parts = Vec::new();
    for key in ["hotels", "destinations"] {
        let codes = list(key);
        if codes.is_empty() {
            continue;
        }
        let shown = codes.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
        let more = codes.len().saturating_sub(3);
        if more > 0 {
            parts.push(format!("{key} {shown} and {more} more"));
        } else {
            parts.push(format!("{key} {shown}"));
        }
    }
    let s = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("?").to_owned();
    parts.push(format!("check-in {} to {}", s("checkIn"), s("checkOut")));
    let rooms: Vec<String> = c
        .get("occupancies")
        .and_then(Value::as_array)
        .map(|rooms| {
            rooms
                .iter()
                .map(|r| {
                    let ages: Vec<String> = r
                        .get("paxes")
                        .and_then(Value::as_array)
                        .map(|p| {
                            p.iter()
                                .filter_map(|x| x.get("age").map(Value::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    format!("ages {}", ages.join("/"))
                })
                .collect()
        })
        .unwrap_or_default();
    parts.push(format!("{} room(s) ({})", rooms.len(), rooms.join("; ")));
    parts.push(format!("nationality {}", s("nationality")));
    parts.push(format!("markets {}", list("markets").join("/")));
    if let Some(cur) = c.get("currency").and_then(Value::as_str) {
        parts.push(format!("currency {cur}"));
    }
    parts.join(", ")
}

/// What one successful answer means for its step.
enum Next {
    /// Another page of the same step follows.
    Page,
    /// The step passed.
    Passed,
}

/// Runs the activation from where `progress` stands until it finishes or a
/// retry must wait. Never sleeps.
pub async fn advance(
    ctx: &RunContext,
    progress: &mut RunProgress,
    client: &SellerClient,
    now: impl Fn() -> Timestamp,
    rng: &mut impl Rng,
) -> Advance {
    loop {
        if let Some(summary) = progress.summary() {
            return Advance::Finished(summary);
        }
        let t = now();
        if let Some(w) = progress.resume.wait_until {
            if t < w {
                return Advance::WaitUntil(w);
            }
            progress.resume.wait_until = None;
        }
        let Some(i) = progress.current() else {
            // Steps lost from the stored progress: the summary is Failed.
            return Advance::Finished(RunSummary::of(&progress.outcomes()));
        };
        let name = progress.steps[i].name;
        if progress.steps[i].status == StepStatus::Pending {
            progress.steps[i].status = StepStatus::Running;
            progress.steps[i].started_at = Some(t);
        }
        let (op, timeout) = match name {
            StepName::Validate => {
                let f = Failure::system(
                    "NOT_VALIDATED",
                    "The run started without a validate step; Connectivity must re-run the activation.".to_owned(),
                );
                progress.fail(i, f);
                continue;
            }
            StepName::Authenticate => (Operation::Hotels, ctx.timeouts.authenticate),
            StepName::Search => (Operation::Search, ctx.timeouts.search),
            StepName::Quote => (Operation::Quote, ctx.timeouts.quote),
            StepName::Hotels => (Operation::Hotels, ctx.timeouts.content),
            StepName::Destinations => (Operation::Destinations, ctx.timeouts.content),
        };
        let input = SettingsInput {
            client: &ctx.client_code,
            seller_code: &ctx.seller_code,
            access_id: &ctx.access_id,
            test_mode: ctx.test_mode,
            wire: &ctx.wire,
        };
        let settings = protocol::settings(&input, timeout, false);
        let variables = match name {
            StepName::Authenticate => {
                protocol::content_variables(&ctx.access_id, AUTH_PAGE_SIZE, None, settings)
            }
            StepName::Search => {
                if progress.resume.criteria.is_none() {
                    progress.resume.criteria =
                        effective_criteria(ctx, utc_date(t), &progress.resume.hotel_codes);
                }
                let Some(criteria) = progress.resume.criteria.clone() else {
                    progress.fail(i, no_criteria());
                    continue;
                };
                progress.steps[i].detail("criteria", criteria.clone());
                protocol::search_variables(&criteria, settings, &ctx.access_id)
            }
            StepName::Quote => {
                let Some(id) = progress.resume.option_id.clone() else {
                    progress.fail(i, Failure::bad_response("had no option to quote"));
                    continue;
                };
                protocol::quote_variables(&id, settings)
            }
            _ => protocol::content_variables(
                &ctx.access_id,
                PAGE_SIZE,
                progress.resume.token.as_deref(),
                settings,
            ),
        };
        let body = protocol::body(op, variables);
        let rid = request_id(rng);
        let call = Call {
            url: ctx.wire.target(),
            body: &body,
            request_id: &rid,
            connect_timeout: ctx.timeouts.connect,
            timeout,
            allow_local: ctx.allow_local,
        };
        let started = Instant::now();
        let answer = client.send(&call).await;
        drop(body);
        let elapsed = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        progress.resume.attempt += 1;
        let attempt = progress.resume.attempt;
        {
            let rec = &mut progress.steps[i];
            rec.duration_ms = rec.duration_ms.saturating_add(elapsed);
            rec.request_ids.push(rid);
            rec.attempts = rec.attempts.max(attempt);
        }
        let cx = Classify {
            url_from_access: ctx.url_from_access,
            timeout,
            wire: &ctx.wire,
        };
        let result = match answer {
            Err(e) => Err(protocol::transport_failure(&e, &cx)),
            Ok(a) => {
                protocol::read_answer(&a, &cx).and_then(|g| interpret(name, g, progress, i, &cx))
            }
        };
        match result {
            Ok(Next::Page) => {
                progress.resume.attempt = 0;
            }
            Ok(Next::Passed) => progress.pass(i),
            Err(f) if f.retryable && attempt < MAX_ATTEMPTS => {
                let after = now();
                let ra = f.retry_after.map(|r| r.wait_ms(after));
                let wait = backoff_ms(attempt, ra, rng);
                let rec = &mut progress.steps[i];
                rec.error_code = Some(f.code.clone());
                rec.http_status = f.http_status;
                rec.message = Some(f.message.clone());
                let mut retried = rec
                    .details
                    .get("retried")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                retried.push(json!({"attempt": attempt, "code": f.code, "http_status": f.http_status, "wait_ms": wait}));
                rec.detail("retried", Value::Array(retried));
                let until = after.plus(frontdesk_domain::Duration(wait));
                progress.resume.wait_until = Some(until);
                return Advance::WaitUntil(until);
            }
            Err(f) => progress.fail(i, f),
        }
    }
}

/// Reads a successful GraphQL answer for step `name`.
fn interpret(
    name: StepName,
    g: Graphql,
    progress: &mut RunProgress,
    i: usize,
    cx: &Classify<'_>,
) -> Result<Next, Failure> {
    match name {
        StepName::Authenticate => authenticate(g, progress, i, cx),
        StepName::Search => search(g, progress, i, cx),
        StepName::Quote => quote(g, progress, i, cx),
        StepName::Hotels => content(g, progress, i, cx, Operation::Hotels),
        StepName::Destinations => content(g, progress, i, cx, Operation::Destinations),
        StepName::Validate => Err(Failure::bad_response("was not expected")),
    }
}

fn has_not_found(g: &Graphql) -> bool {
    g.errors
        .iter()
        .any(|e| e.code.as_deref() == Some(NOT_FOUND_CODE))
}

fn answer_of(g: &Graphql, op: Operation) -> Result<&Map<String, Value>, Failure> {
    g.data
        .get("hotelX")
        .and_then(|h| h.get(op.field()))
        .and_then(Value::as_object)
        .ok_or_else(|| Failure::bad_response(&format!("has no data.hotelX.{}", op.field())))
}

fn authenticate(
    g: Graphql,
    progress: &mut RunProgress,
    i: usize,
    cx: &Classify<'_>,
) -> Result<Next, Failure> {
    if has_not_found(&g) && g.errors.len() == 1 {
        // Not found: the credentials were accepted, there is just no content.
        progress.steps[i].detail("hotels_returned", json!(0));
        return Ok(Next::Passed);
    }
    if let Some(f) = protocol::top_level_failure(&g.errors, cx) {
        return Err(f);
    }
    let hotels = answer_of(&g, Operation::Hotels)?;
    let codes: Vec<String> = hotels
        .get("edges")
        .and_then(Value::as_array)
        .map(|edges| {
            edges
                .iter()
                .filter_map(|e| {
                    let node = e.get("node")?;
                    node.get("code")
                        .and_then(code_of)
                        .or_else(|| node.pointer("/hotelData/hotelCode").and_then(code_of))
                })
                .collect()
        })
        .unwrap_or_default();
    let rec = &mut progress.steps[i];
    rec.detail("hotels_returned", json!(codes.len()));
    if let Some(count) = hotels.get("count").filter(|c| !c.is_null()) {
        rec.detail("count", count.clone());
    }
    progress.resume.hotel_codes = codes.into_iter().take(DEFAULT_HOTELS).collect();
    Ok(Next::Passed)
}

fn positive(v: Option<&Value>) -> bool {
    v.and_then(Value::as_f64).is_some_and(|x| x > 0.0)
}

fn search(
    g: Graphql,
    progress: &mut RunProgress,
    i: usize,
    cx: &Classify<'_>,
) -> Result<Next, Failure> {
    if let Some(f) = protocol::top_level_failure(&g.errors, cx) {
        return Err(f);
    }
    let answer = answer_of(&g, Operation::Search)?;
    let criteria = progress.resume.criteria.clone().unwrap_or(Value::Null);
    let words = describe_criteria(&criteria);
    let no_options = |code: &str| {
        Failure::access(
            code,
            format!(
                "The seller returned no options for the criteria used ({words}); set search criteria for this access that the seller can sell."
            ),
        )
    };
    let warnings = hotelx_list(answer.get("warnings"));
    if !warnings.is_empty() {
        progress.steps[i].detail("seller_warnings", json!(warnings_json(&warnings, cx)));
    }
    let errors = hotelx_list(answer.get("errors"));
    if let Some(f) = protocol::hotelx_failure(&errors, cx, Some(&no_options)) {
        return Err(f);
    }
    let options = answer
        .get("options")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if options.is_empty() {
        return Err(no_options("NO_OPTIONS"));
    }
    let valid: Vec<&Value> = options
        .iter()
        .filter(|o| {
            let id_ok = o
                .get("id")
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty());
            let hotel_ok = o.get("hotelCode").and_then(code_of).is_some();
            let cur_ok = o
                .pointer("/price/currency")
                .and_then(Value::as_str)
                .is_some_and(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()));
            let price_ok = positive(o.pointer("/price/net")) || positive(o.pointer("/price/gross"));
            id_ok && hotel_ok && cur_ok && price_ok
        })
        .collect();
    let status = |o: &&Value, s: &str| o.get("status").and_then(Value::as_str) == Some(s);
    let chosen = valid
        .iter()
        .find(|o| status(o, "OK"))
        .or_else(|| valid.iter().find(|o| status(o, "RQ")))
        .copied()
        .ok_or_else(|| {
            Failure::bad_response(
                "lists no option with an id, a hotel code, a 3-letter currency, a positive price and status OK or RQ",
            )
        })?;
    let rec = &mut progress.steps[i];
    rec.detail("options", json!(options.len()));
    if valid.len() < options.len() {
        rec.warn(json!({"code": "INVALID_OPTIONS",
            "description": format!("{} of {} options lack an id, hotel code, currency or price", options.len() - valid.len(), options.len())}));
    }
    rec.detail(
        "chosen_option",
        json!({"id": chosen.get("id"), "hotelCode": chosen.get("hotelCode"),
               "boardCode": chosen.get("boardCode"), "status": chosen.get("status"),
               "price": chosen.get("price")}),
    );
    if status(&chosen, "RQ") {
        rec.warn(json!({"code": "RQ", "description": "no option is confirmed at once (status OK); the chosen one is on request"}));
    }
    progress.resume.option_id = chosen.get("id").and_then(Value::as_str).map(str::to_owned);
    progress.resume.search_price = chosen.get("price").cloned();
    Ok(Next::Passed)
}

fn quote(
    g: Graphql,
    progress: &mut RunProgress,
    i: usize,
    cx: &Classify<'_>,
) -> Result<Next, Failure> {
    if let Some(f) = protocol::top_level_failure(&g.errors, cx) {
        return Err(f);
    }
    let answer = answer_of(&g, Operation::Quote)?;
    let warnings = hotelx_list(answer.get("warnings"));
    if !warnings.is_empty() {
        progress.steps[i].detail("seller_warnings", json!(warnings_json(&warnings, cx)));
    }
    let errors = hotelx_list(answer.get("errors"));
    if let Some(f) = protocol::hotelx_failure(&errors, cx, None) {
        return Err(f);
    }
    let q = answer
        .get("optionQuote")
        .and_then(Value::as_object)
        .ok_or_else(|| Failure::bad_response("has no optionQuote"))?;
    let ref_ok = q
        .get("optionRefId")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty());
    let price = q.get("price").filter(|p| p.is_object());
    let policy_ok = q.get("cancelPolicy").is_some_and(Value::is_object);
    let Some(price) = price.filter(|_| ref_ok && policy_ok) else {
        return Err(Failure::bad_response(
            "has an optionQuote without optionRefId, price or cancelPolicy",
        ));
    };
    let rec = &mut progress.steps[i];
    rec.detail(
        "quote",
        json!({"optionRefId": q.get("optionRefId"), "status": q.get("status"), "price": price}),
    );
    if let Some(before) = &progress.resume.search_price {
        let same = ["currency", "net", "gross"].iter().all(|k| {
            let (a, b) = (before.get(*k), price.get(*k));
            match (a.and_then(Value::as_f64), b.and_then(Value::as_f64)) {
                (Some(x), Some(y)) => (x - y).abs() < 0.005,
                _ => a == b,
            }
        });
        if !same {
            rec.warn(json!({"code": "PRICE_CHANGED", "description": "the quoted price differs from the search price",
                "search_price": before, "quote_price": price}));
        }
    }
    if q.get("status").and_then(Value::as_str) == Some("RQ") {
        rec.warn(json!({"code": "RQ", "description": "the quoted option is on request"}));
    }
    Ok(Next::Passed)
}

fn content(
    g: Graphql,
    progress: &mut RunProgress,
    i: usize,
    cx: &Classify<'_>,
    op: Operation,
) -> Result<Next, Failure> {
    let what = op.field();
    let no_content = |code: &str| {
        Failure::access(
            code,
            format!(
                "The seller returned no {what} for this access; the seller must make its {what} available to these credentials."
            ),
        )
    };
    let with_token = progress.resume.token.is_some();
    if has_not_found(&g) {
        if !with_token {
            return Err(no_content(NOT_FOUND_CODE));
        }
        // Hotel-X's "repeat until not found": the list is over.
        return Ok(finish_content(progress, i, false));
    }
    if let Some(f) = protocol::top_level_failure(&g.errors, cx) {
        return Err(f);
    }
    let conn = answer_of(&g, op)?;
    let edges = conn
        .get("edges")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (n, edge) in edges.iter().enumerate() {
        let node = edge.get("node").unwrap_or(&Value::Null);
        let ok = match op {
            Operation::Hotels => {
                node.get("code").and_then(code_of).is_some()
                    && node
                        .pointer("/hotelData/hotelCode")
                        .and_then(code_of)
                        .is_some()
                    && node
                        .pointer("/hotelData/hotelName")
                        .and_then(Value::as_str)
                        .is_some_and(|s| !s.is_empty())
            }
            _ => {
                node.get("code").and_then(code_of).is_some()
                    && node
                        .pointer("/destinationData/type")
                        .and_then(Value::as_str)
                        .is_some()
            }
        };
        if !ok {
            let needs = match op {
                Operation::Hotels => "code, hotelData.hotelCode and hotelName",
                _ => "code and destinationData.type",
            };
            return Err(Failure::bad_response(&format!(
                "has an entry without {needs} (page {}, entry {})",
                progress.resume.pages + 1,
                n + 1
            )));
        }
    }
    let r = &mut progress.resume;
    r.pages += 1;
    r.fetched += edges.len() as u64;
    if r.count.is_none() {
        r.count = conn.get("count").and_then(Value::as_i64);
    }
    if edges.is_empty() {
        if r.pages == 1 {
            return Err(no_content("NO_CONTENT"));
        }
        return Ok(finish_content(progress, i, false));
    }
    let next = conn
        .get("token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    match next {
        None => Ok(finish_content(progress, i, false)),
        Some(_) if r.pages >= MAX_PAGES => Ok(finish_content(progress, i, true)),
        Some(token) => {
            r.token = Some(token);
            Ok(Next::Page)
        }
    }
}

fn finish_content(progress: &mut RunProgress, i: usize, capped: bool) -> Next {
    let r = progress.resume.clone();
    let rec = &mut progress.steps[i];
    rec.detail("pages", json!(r.pages));
    rec.detail("fetched", json!(r.fetched));
    if let Some(count) = r.count {
        rec.detail("count", json!(count));
    }
    if capped {
        rec.warn(json!({"code": "PAGE_CAP",
            "description": format!("stopped after {MAX_PAGES} pages; the list goes on")}));
    } else if let Some(count) = r.count
        && u64::try_from(count).ok() != Some(r.fetched)
    {
        rec.warn(json!({"code": "COUNT_MISMATCH",
            "description": format!("count says {count}, {} fetched", r.fetched)}));
    }
    Next::Passed
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn backoff_bounds() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..200 {
            let a = backoff_ms(1, None, &mut rng);
            assert!((1600..=2400).contains(&a), "{a}");
            let b = backoff_ms(2, None, &mut rng);
            assert!((6400..=9600).contains(&b), "{b}");
            let c = backoff_ms(3, None, &mut rng);
            assert!((24_000..=36_000).contains(&c), "{c}");
            // Retry-After lengthens, never shortens, and is capped at 60 s.
            assert!(backoff_ms(1, Some(1000), &mut rng) <= 2400);
            assert_eq!(backoff_ms(1, Some(45_000), &mut rng), 45_000);
            assert_eq!(backoff_ms(1, Some(600_000), &mut rng), 60_000);
            assert!(backoff_ms(3, Some(600_000), &mut rng) == 60_000);
        }
    }

    #[test]
    fn request_ids_look_like_uuid_v4() {
        let mut rng = StdRng::seed_from_u64(1);
        let id = request_id(&mut rng);
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(id, request_id(&mut rng));
    }

    #[test]
    fn criteria_limits() {
        let ok: SearchCriteria = serde_json::from_value(json!({"destinations": ["PTLIS"], "checkInOffsetDays": 60, "nights": 3,
            "occupancies": [{"paxes": [{"age": 35}, {"age": 33}, {"age": 8}]}], "nationality": "GB", "markets": ["GB"], "currency": "EUR"})).unwrap();
        assert_eq!(ok.validate(), Ok(()));
        let bad = SearchCriteria {
            hotels: Some((0..101).map(|i| i.to_string()).collect()),
            destinations: Some(vec!["X".into(); 11]),
            check_in_offset_days: Some(0),
            nights: Some(31),
            occupancies: Some(vec![
                Room {
                    paxes: vec![Pax { age: 121 }]
                };
                5
            ]),
            nationality: Some("gb".into()),
            markets: Some(vec![]),
            currency: Some("EURO".into()),
        };
        let fields: Vec<String> = bad
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        for f in [
            "",
            "hotels",
            "destinations",
            "checkInOffsetDays",
            "nights",
            "occupancies",
            "nationality",
            "markets",
            "currency",
        ] {
            assert!(fields.iter().any(|x| x == f), "{f} missing in {fields:?}");
        }
        assert!(serde_json::from_value::<SearchCriteria>(json!({"hotel": ["1"]})).is_err());
        let edge = SearchCriteria {
            check_in_offset_days: Some(365),
            nights: Some(1),
            occupancies: Some(vec![
                Room {
                    paxes: vec![Pax { age: 0 }, Pax { age: 120 }]
                };
                4
            ]),
            ..Default::default()
        };
        assert_eq!(edge.validate(), Ok(()));
    }
}
