//! The Hotel-X GraphQL subset of SELLER-API.md §2, declared with async-graphql so that names,
//! nullability and validation match the document (an unknown field fails validation), and
//! its resolvers: the checks and scripted behaviours of §6 that live inside GraphQL.

use std::sync::{Arc, Mutex};

use async_graphql::{
    ComplexObject, Context, EmptyMutation, EmptySubscription, Enum, ErrorExtensions, ID,
    InputObject, InputValueError, InputValueResult, Object, Scalar, ScalarType, Schema,
    SimpleObject, Value,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::data::{
    Data, DestKind, Destination, Hotel as HotelRec, OptionRec, occupancy_key, parse_occupancy,
};
use crate::rng::keyed_hash;
use crate::{Env, Kind, Seller};

pub(crate) type HotelXSchema = Schema<Query, EmptyMutation, EmptySubscription>;

pub(crate) fn build(data: Arc<Data>) -> HotelXSchema {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .data(data)
        .limit_depth(16)
        .finish()
}

// ---------------------------------------------------------------------------------------------
// Scalars

/// A string scalar checked by a predicate: malformed values are top-level GraphQL errors (§2).
macro_rules! string_scalar {
    ($ty:ident, $name:tt, $check:expr) => {
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub(crate) struct $ty(pub(crate) String);

        #[Scalar(name = $name)]
        impl ScalarType for $ty {
            fn parse(value: Value) -> InputValueResult<Self> {
                match value {
                    Value::String(s) if ($check)(s.as_str()) => Ok(Self(s)),
                    Value::String(s) => {
                        Err(InputValueError::custom(format!("invalid {}: {s:?}", $name)))
                    }
                    other => Err(InputValueError::expected_type(other)),
                }
            }

            fn to_value(&self) -> Value {
                Value::String(self.0.clone())
            }
        }
    };
}

fn is_date(s: &str) -> bool {
    parse_date(s).is_some()
}

pub(crate) fn parse_date(s: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    if s.len() != 10 {
        return None;
    }
    time::Date::parse(s, &format).ok()
}

fn letters(s: &str, n: usize, upper: bool) -> bool {
    s.len() == n
        && s.bytes().all(|b| {
            if upper {
                b.is_ascii_uppercase()
            } else {
                b.is_ascii_lowercase()
            }
        })
}

string_scalar!(Date, "Date", is_date);
string_scalar!(Language, "Language", |s: &str| letters(s, 2, false));
string_scalar!(Country, "Country", |s: &str| letters(s, 2, true));
string_scalar!(Currency, "Currency", |s: &str| letters(s, 3, true));
string_scalar!(Uri, "URI", |s: &str| s.starts_with("http://")
    || s.starts_with("https://"));

// ---------------------------------------------------------------------------------------------
// Enums

#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub(crate) enum PaymentType {
    Merchant,
    Direct,
    CardBooking,
    CardCheckIn,
    Payx,
}

#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub(crate) enum StatusType {
    Ok,
    Rq,
}

#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub(crate) enum CancelPenaltyType {
    Nights,
    Percent,
    Import,
}

#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub(crate) enum DestinationType {
    Zone,
    City,
    Country,
}

// ---------------------------------------------------------------------------------------------
// Inputs

#[derive(InputObject, Debug, Clone)]
pub(crate) struct HotelSettingsInput {
    pub context: Option<String>,
    pub client: Option<ID>,
    pub timeout: Option<i32>,
    pub test_mode: Option<bool>,
    pub suppliers: Option<Vec<HotelXSupplierInput>>,
}

#[derive(InputObject, Debug, Clone)]
pub(crate) struct HotelXSupplierInput {
    pub code: String,
    pub accesses: Option<Vec<HotelXAccessInput>>,
}

#[derive(InputObject, Debug, Clone)]
pub(crate) struct HotelXAccessInput {
    pub access_id: ID,
    pub configuration: Option<ConfigurationInput>,
}

#[derive(InputObject, Debug, Clone)]
pub(crate) struct ConfigurationInput {
    pub username: Option<String>,
    pub password: Option<String>,
    pub urls: UrlsInput,
    pub parameters: Option<Vec<ParameterInput>>,
}

#[derive(InputObject, Debug, Clone)]
pub(crate) struct UrlsInput {
    pub search: Option<Uri>,
    pub quote: Option<Uri>,
    pub book: Option<Uri>,
    pub generic: Option<Uri>,
}

#[derive(InputObject, Debug, Clone)]
pub(crate) struct ParameterInput {
    pub key: String,
    pub value: String,
}

#[derive(InputObject, Debug, Clone)]
pub(crate) struct HotelCriteriaSearchInput {
    pub check_in: Date,
    pub check_out: Date,
    pub hotels: Option<Vec<String>>,
    pub destinations: Option<Vec<String>>,
    pub occupancies: Vec<RoomInput>,
    pub language: Option<Language>,
    pub currency: Option<Currency>,
    pub nationality: Option<Country>,
    pub markets: Option<Vec<String>>,
}

#[derive(InputObject, Debug, Clone)]
pub(crate) struct RoomInput {
    pub paxes: Vec<PaxInput>,
}

#[derive(InputObject, Debug, Clone)]
pub(crate) struct PaxInput {
    pub age: i32,
}

#[derive(InputObject, Debug, Clone)]
pub(crate) struct HotelXFilterSearchInput {
    pub access: Option<AccessFilterInput>,
}

#[derive(InputObject, Debug, Clone)]
pub(crate) struct AccessFilterInput {
    pub includes: Option<Vec<ID>>,
    pub excludes: Option<Vec<ID>>,
}

#[derive(InputObject, Debug, Clone)]
pub(crate) struct HotelCriteriaQuoteInput {
    pub option_ref_id: String,
    pub language: Option<Language>,
}

#[derive(InputObject, Debug, Clone)]
pub(crate) struct HotelXHotelListInput {
    pub access: Option<ID>,
    pub hotel_codes: Option<Vec<String>>,
    pub destination_codes: Option<Vec<String>>,
    pub max_size: Option<i32>,
}

#[derive(InputObject, Debug, Clone)]
pub(crate) struct HotelXDestinationListInput {
    pub access: Option<ID>,
    pub destination_codes: Option<Vec<String>>,
    pub max_size: Option<i32>,
}

/// Accepted and ignored: the subset paginates by token only (§7).
#[derive(InputObject, Debug, Clone)]
pub(crate) struct RelayInput {
    pub first: Option<i32>,
    pub last: Option<i32>,
    pub before: Option<String>,
    pub after: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Outputs

#[derive(SimpleObject, Debug, Clone)]
pub(crate) struct HotelSearch {
    context: Option<String>,
    options: Option<Vec<HotelOptionSearch>>,
    errors: Option<Vec<HxError>>,
    warnings: Option<Vec<Warning>>,
}

#[derive(SimpleObject, Debug, Clone)]
pub(crate) struct HotelOptionSearch {
    id: String,
    supplier_code: String,
    access_code: String,
    hotel_code: String,
    hotel_name: Option<String>,
    board_code: String,
    payment_type: PaymentType,
    status: StatusType,
    rooms: Vec<Room>,
    price: Price,
    cancel_policy: Option<CancelPolicy>,
}

#[derive(SimpleObject, Debug, Clone)]
pub(crate) struct Room {
    occupancy_ref_id: i32,
    code: String,
    description: Option<String>,
    refundable: Option<bool>,
}

#[derive(SimpleObject, Debug, Clone)]
pub(crate) struct Price {
    currency: Currency,
    binding: bool,
    net: f64,
    gross: f64,
}

#[derive(SimpleObject, Debug, Clone)]
pub(crate) struct CancelPolicy {
    refundable: bool,
    cancel_penalties: Option<Vec<CancelPenalty>>,
}

#[derive(SimpleObject, Debug, Clone)]
pub(crate) struct CancelPenalty {
    hours_before: i32,
    penalty_type: CancelPenaltyType,
    currency: Currency,
    value: f64,
}

#[derive(SimpleObject, Debug, Clone)]
pub(crate) struct HotelQuote {
    option_quote: Option<HotelOptionQuote>,
    errors: Option<Vec<HxError>>,
    warnings: Option<Vec<Warning>>,
}

#[derive(SimpleObject, Debug, Clone)]
pub(crate) struct HotelOptionQuote {
    option_ref_id: String,
    status: StatusType,
    price: Price,
    search_price: Option<PriceChange>,
    cancel_policy: CancelPolicy,
    remarks: Option<String>,
}

#[derive(SimpleObject, Debug, Clone)]
pub(crate) struct PriceChange {
    currency: String,
    net: f64,
    gross: f64,
    binding: bool,
}

/// Hotel-X's `Error` (renamed in Rust to avoid clashing with `async_graphql::Error`).
#[derive(SimpleObject, Debug, Clone)]
#[graphql(name = "Error")]
pub(crate) struct HxError {
    code: String,
    #[graphql(name = "type")]
    kind: String,
    description: String,
}

#[derive(SimpleObject, Debug, Clone)]
pub(crate) struct Warning {
    code: String,
    #[graphql(name = "type")]
    kind: String,
    description: String,
}

#[derive(SimpleObject, Debug, Clone)]
pub(crate) struct HotelConnection {
    count: i32,
    token: Option<String>,
    edges: Option<Vec<Option<HotelEdge>>>,
}

#[derive(SimpleObject, Debug, Clone)]
pub(crate) struct HotelEdge {
    cursor: String,
    node: Option<Hotel>,
}

#[derive(SimpleObject, Debug, Clone)]
pub(crate) struct Hotel {
    code: ID,
    hotel_data: Option<HotelData>,
}

#[derive(SimpleObject, Debug, Clone)]
pub(crate) struct HotelData {
    code: ID,
    hotel_code: String,
    hotel_name: Option<String>,
    category_code: Option<String>,
    location: Location,
}

#[derive(SimpleObject, Debug, Clone)]
pub(crate) struct Location {
    address: Option<String>,
    city: Option<String>,
    zip_code: Option<String>,
    country: Option<Country>,
    coordinates: Option<Coordinates>,
    closest_destination: Option<DestinationData>,
}

#[derive(SimpleObject, Debug, Clone)]
pub(crate) struct Coordinates {
    latitude: f64,
    longitude: f64,
}

#[derive(SimpleObject, Debug, Clone)]
pub(crate) struct DestinationConnection {
    token: String,
    edges: Option<Vec<Option<DestinationEdge>>>,
}

#[derive(SimpleObject, Debug, Clone)]
pub(crate) struct DestinationEdge {
    cursor: String,
    node: Option<DestinationNode>,
}

#[derive(SimpleObject, Debug, Clone)]
#[graphql(name = "Destination")]
pub(crate) struct DestinationNode {
    code: ID,
    destination_data: Option<DestinationData>,
}

#[derive(SimpleObject, Debug, Clone)]
#[graphql(complex)]
pub(crate) struct DestinationData {
    code: ID,
    available: bool,
    #[graphql(name = "type")]
    kind: Option<DestinationType>,
    parent: Option<String>,
    #[graphql(skip)]
    name: String,
}

#[ComplexObject]
impl DestinationData {
    /// Only English names exist; other languages give no text.
    async fn texts(&self, languages: Option<Vec<Language>>) -> Vec<Text> {
        let wants_en = languages.is_none_or(|l| l.iter().any(|x| x.0 == "en"));
        if wants_en {
            vec![Text {
                text: self.name.clone(),
                language: Language("en".to_owned()),
            }]
        } else {
            vec![]
        }
    }
}

#[derive(SimpleObject, Debug, Clone)]
pub(crate) struct Text {
    text: String,
    language: Language,
}

// ---------------------------------------------------------------------------------------------
// Per-request context

/// What the HTTP layer knows about the request, handed to the resolvers.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub seller: Seller,
    pub kind: Kind,
    pub env: Env,
    /// Access ids enabled through `/_demo/enable`, read at resolve time.
    pub enabled: bool,
    /// The first error code the resolvers report, for `/_demo/requests`.
    pub outcome: Arc<Mutex<Option<String>>>,
}

impl Call {
    fn record(&self, code: &str) {
        let mut slot = self
            .outcome
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(code.to_owned());
        }
    }
}

/// A refusal: `code` goes into search/quote `errors`, `top_code` into the top-level error's
/// `extensions.code` of content queries.
#[derive(Debug, Clone)]
struct Refusal {
    code: &'static str,
    top_code: &'static str,
    kind: &'static str,
    description: String,
}

impl Refusal {
    fn new(
        code: &'static str,
        top_code: &'static str,
        kind: &'static str,
        description: impl Into<String>,
    ) -> Self {
        Self {
            code,
            top_code,
            kind,
            description: description.into(),
        }
    }

    fn missing(what: &str) -> Self {
        Self::new(
            "MISSING_FIELD",
            "MISSING_FIELD",
            "VALIDATION_ERROR",
            format!("{what} is required"),
        )
    }

    fn wrong(description: impl Into<String>) -> Self {
        Self::new(
            "WRONG_FIELD",
            "WRONG_FIELD",
            "VALIDATION_ERROR",
            description,
        )
    }

    fn as_error(&self, call: &Call) -> HxError {
        call.record(self.code);
        HxError {
            code: self.code.to_owned(),
            kind: self.kind.to_owned(),
            description: self.description.clone(),
        }
    }

    fn top_level(&self, call: &Call) -> async_graphql::Error {
        call.record(self.top_code);
        let code = self.top_code;
        async_graphql::Error::new(self.description.clone()).extend_with(|_, e| e.set("code", code))
    }
}

/// An accepted access: who is calling and with which scenario.
#[derive(Debug, Clone)]
struct Access {
    access_id: String,
    key: String,
}

/// The scenario key of §6: `username` for Pull, the `clientCode` parameter for Push.
pub(crate) fn scenario_key(
    kind: Kind,
    username: Option<&str>,
    client_code: Option<&str>,
) -> String {
    match kind {
        Kind::Pull => username,
        Kind::Push => client_code,
    }
    .unwrap_or_default()
    .to_owned()
}

/// The checks on every request (§6), in order: access present, required parameters, password,
/// `testMode` against the path's env, then the `missing-field` and `not-enabled` scripts.
fn check(call: &Call, settings: Option<&HotelSettingsInput>) -> Result<Access, Refusal> {
    let access = settings
        .and_then(|s| s.suppliers.as_ref())
        .and_then(|s| s.first())
        .and_then(|s| s.accesses.as_ref())
        .and_then(|a| a.first())
        .ok_or_else(|| Refusal::missing("settings.suppliers[0].accesses[0]"))?;
    let config = access.configuration.as_ref();
    let client_code = config
        .and_then(|c| c.parameters.as_ref())
        .and_then(|p| p.iter().find(|p| p.key == "clientCode"))
        .map(|p| p.value.as_str());
    let needs_client_code = call.kind == Kind::Push || call.seller == Seller::AtlasBeds;
    if needs_client_code && client_code.is_none_or(str::is_empty) {
        return Err(Refusal::new(
            "MISSING_FIELD",
            "MISSING_FIELD",
            "VALIDATION_ERROR",
            "parameter clientCode is required",
        ));
    }
    if call.kind == Kind::Pull
        && config.and_then(|c| c.password.as_deref()) != Some(crate::DEMO_PASSWORD)
    {
        return Err(Refusal::new(
            "ACCESS_ERROR",
            "22401",
            "VALIDATION_ERROR",
            "Unknown user or wrong password",
        ));
    }
    let test_mode = settings.and_then(|s| s.test_mode).unwrap_or(false);
    match (call.env, test_mode) {
        (Env::Test, false) => {
            return Err(Refusal::new(
                "ACCESS_ERROR",
                "ACCESS_ERROR",
                "VALIDATION_ERROR",
                "A test access was used without testMode",
            ));
        }
        (Env::Live, true) => {
            return Err(Refusal::new(
                "ACCESS_ERROR",
                "ACCESS_ERROR",
                "VALIDATION_ERROR",
                "A live access was used with testMode",
            ));
        }
        _ => {}
    }
    let key = scenario_key(
        call.kind,
        config.and_then(|c| c.username.as_deref()),
        client_code,
    );
    if key == "missing-field" {
        return Err(Refusal::new(
            "MISSING_FIELD",
            "MISSING_FIELD",
            "VALIDATION_ERROR",
            "parameter agencyBranch is required",
        ));
    }
    if key == "not-enabled" && !call.enabled {
        return Err(Refusal::new(
            "ACCESS_NOT_ENABLED",
            "ACCESS_NOT_ENABLED",
            "VALIDATION_ERROR",
            "These credentials are not enabled yet: the seller must enable them",
        ));
    }
    Ok(Access {
        access_id: access.access_id.to_string(),
        key,
    })
}

// ---------------------------------------------------------------------------------------------
// Opaque ids and tokens: `<prefix>.<base64url payload>.<8 hex MAC>`

fn seal(data: &Data, prefix: &str, payload: &str) -> String {
    let body = URL_SAFE_NO_PAD.encode(payload);
    let mac = keyed_hash(data.mac_key, format!("{prefix}.{body}").as_bytes()) as u32;
    format!("{prefix}.{body}.{mac:08x}")
}

fn open(data: &Data, prefix: &str, sealed: &str) -> Option<String> {
    let rest = sealed.strip_prefix(prefix)?.strip_prefix('.')?;
    let (body, mac) = rest.rsplit_once('.')?;
    let expected = keyed_hash(data.mac_key, format!("{prefix}.{body}").as_bytes()) as u32;
    if mac != format!("{expected:08x}") {
        return None;
    }
    String::from_utf8(URL_SAFE_NO_PAD.decode(body).ok()?).ok()
}

/// A listing position and its filter, so a token alone defines the next page (§2.3: the token
/// has precedence over `criteria`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Cursor {
    offset: usize,
    size: usize,
    hotels: Vec<String>,
    destinations: Vec<String>,
}

fn seal_cursor(data: &Data, prefix: &str, cursor: &Cursor) -> String {
    seal(
        data,
        prefix,
        &serde_json::to_string(cursor).unwrap_or_default(),
    )
}

fn open_cursor(data: &Data, prefix: &str, token: &str) -> Option<Cursor> {
    serde_json::from_str(&open(data, prefix, token)?).ok()
}

const DEFAULT_MAX_SIZE: i32 = 100;
const MAX_MAX_SIZE: i32 = 1000;

fn page_size(max_size: Option<i32>) -> Result<usize, Refusal> {
    match max_size.unwrap_or(DEFAULT_MAX_SIZE) {
        n @ 1..=MAX_MAX_SIZE => Ok(n as usize),
        n => Err(Refusal::new(
            "11400",
            "11400",
            "VALIDATION_ERROR",
            format!("maxSize must be between 1 and {MAX_MAX_SIZE}, got {n}"),
        )),
    }
}

/// The cursor of a content request: the token's when one is given, else the criteria's.
fn cursor_of(
    data: &Data,
    prefix: &str,
    token: Option<&str>,
    max_size: Option<i32>,
    hotels: Option<&Vec<String>>,
    destinations: Option<&Vec<String>>,
) -> Result<Cursor, Refusal> {
    match token.filter(|t| !t.is_empty()) {
        Some(t) => open_cursor(data, prefix, t).ok_or_else(|| Refusal::wrong("invalid token")),
        None => Ok(Cursor {
            offset: 0,
            size: page_size(max_size)?,
            hotels: hotels.cloned().unwrap_or_default(),
            destinations: destinations.cloned().unwrap_or_default(),
        }),
    }
}

fn next_token(data: &Data, prefix: &str, cursor: &Cursor, total: usize) -> String {
    let next = cursor.offset + cursor.size;
    if next >= total {
        String::new()
    } else {
        seal_cursor(
            data,
            prefix,
            &Cursor {
                offset: next,
                ..cursor.clone()
            },
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Conversions

fn destination_data(d: &Destination) -> DestinationData {
    DestinationData {
        code: ID(d.code.clone()),
        available: true,
        kind: Some(match d.kind {
            DestKind::Country => DestinationType::Country,
            DestKind::City => DestinationType::City,
            DestKind::Zone => DestinationType::Zone,
        }),
        parent: d.parent.clone(),
        name: d.name.clone(),
    }
}

fn hotel_node(data: &Data, h: &HotelRec) -> Hotel {
    Hotel {
        code: ID(h.code.clone()),
        hotel_data: Some(HotelData {
            code: ID(h.code.clone()),
            hotel_code: h.code.clone(),
            hotel_name: Some(h.name.clone()),
            category_code: Some(format!("{}*", h.category)),
            location: Location {
                address: Some(h.address.clone()),
                city: Some(h.city.clone()),
                zip_code: Some(h.zip.clone()),
                country: Some(Country(h.country.to_owned())),
                coordinates: Some(Coordinates {
                    latitude: h.latitude,
                    longitude: h.longitude,
                }),
                closest_destination: data.destination(&h.zone_code).map(destination_data),
            },
        }),
    }
}

fn eur() -> Currency {
    Currency("EUR".to_owned())
}

fn price(o: &OptionRec) -> Price {
    Price {
        currency: eur(),
        binding: false,
        net: o.net,
        gross: o.gross,
    }
}

fn status(o: &OptionRec) -> StatusType {
    if o.on_request {
        StatusType::Rq
    } else {
        StatusType::Ok
    }
}

/// The stay and occupancy an option id encodes, besides the hotel, room, board and access.
#[derive(Debug, Clone, PartialEq)]
struct OptionRef {
    hotel: String,
    check_in: String,
    nights: u32,
    occupancy: Vec<Vec<i32>>,
    room: String,
    board: String,
    access_id: String,
}

const OPTION_PREFIX: &str = "op1";

fn option_id(data: &Data, r: &OptionRef) -> String {
    let payload = format!(
        "{}|{}|{}|{}|{}|{}|{}",
        r.hotel,
        r.check_in,
        r.nights,
        occupancy_key(&r.occupancy),
        r.room,
        r.board,
        r.access_id
    );
    seal(data, OPTION_PREFIX, &payload)
}

fn parse_option_id(data: &Data, id: &str) -> Option<OptionRef> {
    let payload = open(data, OPTION_PREFIX, id)?;
    let mut parts = payload.splitn(7, '|');
    let hotel = parts.next()?.to_owned();
    let check_in = parts.next()?.to_owned();
    let nights = parts.next()?.parse().ok()?;
    let occupancy = parse_occupancy(parts.next()?)?;
    let room = parts.next()?.to_owned();
    let board = parts.next()?.to_owned();
    let access_id = parts.next()?.to_owned();
    Some(OptionRef {
        hotel,
        check_in,
        nights,
        occupancy,
        room,
        board,
        access_id,
    })
}

fn cancel_policy(o: &OptionRec) -> CancelPolicy {
    let penalty = if o.refundable {
        CancelPenalty {
            hours_before: 72,
            penalty_type: CancelPenaltyType::Nights,
            currency: eur(),
            value: 1.0,
        }
    } else {
        CancelPenalty {
            hours_before: 0,
            penalty_type: CancelPenaltyType::Percent,
            currency: eur(),
            value: 100.0,
        }
    };
    CancelPolicy {
        refundable: o.refundable,
        cancel_penalties: Some(vec![penalty]),
    }
}

// ---------------------------------------------------------------------------------------------
// Resolvers

pub(crate) struct Query;

#[Object]
impl Query {
    async fn hotel_x(&self) -> Option<HotelXQuery> {
        Some(HotelXQuery)
    }
}

pub(crate) struct HotelXQuery;

/// Validated search criteria: the stay, the occupancy and the hotels to price.
struct Stay {
    check_in: String,
    nights: u32,
    occupancy: Vec<Vec<i32>>,
}

fn validate_stay(c: &HotelCriteriaSearchInput) -> Result<Stay, Refusal> {
    let (Some(from), Some(to)) = (parse_date(&c.check_in.0), parse_date(&c.check_out.0)) else {
        return Err(Refusal::wrong("checkIn and checkOut must be dates"));
    };
    let nights = (to - from).whole_days();
    if !(1..=30).contains(&nights) {
        return Err(Refusal::wrong(
            "checkOut must be 1 to 30 nights after checkIn",
        ));
    }
    if c.occupancies.is_empty() || c.occupancies.len() > 4 {
        return Err(Refusal::wrong("occupancies must hold 1 to 4 rooms"));
    }
    let occupancy: Vec<Vec<i32>> = c
        .occupancies
        .iter()
        .map(|r| r.paxes.iter().map(|p| p.age).collect())
        .collect();
    if occupancy
        .iter()
        .any(|r| r.is_empty() || r.len() > 6 || r.iter().any(|a| !(0..=120).contains(a)))
    {
        return Err(Refusal::wrong("each room needs 1 to 6 paxes aged 0 to 120"));
    }
    Ok(Stay {
        check_in: c.check_in.0.clone(),
        nights: nights as u32,
        occupancy,
    })
}

/// Whether a hotel has availability under the scenario (`needs-criteria`: Portugal only).
fn in_scope(key: &str, h: &HotelRec) -> bool {
    key != "needs-criteria" || h.country == "PT"
}

#[Object]
impl HotelXQuery {
    async fn search(
        &self,
        ctx: &Context<'_>,
        criteria: Option<HotelCriteriaSearchInput>,
        settings: Option<HotelSettingsInput>,
        filter_search: Option<HotelXFilterSearchInput>,
    ) -> async_graphql::Result<Option<HotelSearch>> {
        let _ = filter_search; // One access per request (§7): the filter cannot narrow it further.
        let call = ctx.data::<Call>()?;
        let data = ctx.data::<Arc<Data>>()?;
        let failed = |r: Refusal| HotelSearch {
            context: Some(call.seller.code().to_owned()),
            options: None,
            errors: Some(vec![r.as_error(call)]),
            warnings: None,
        };
        let access = match check(call, settings.as_ref()) {
            Ok(a) => a,
            Err(r) => return Ok(Some(failed(r))),
        };
        let Some(criteria) = criteria else {
            return Ok(Some(failed(Refusal::missing("criteria"))));
        };
        let stay = match validate_stay(&criteria) {
            Ok(s) => s,
            Err(r) => return Ok(Some(failed(r))),
        };
        let selected = data.select(
            criteria.hotels.as_deref().unwrap_or_default(),
            criteria.destinations.as_deref().unwrap_or_default(),
        );
        let mut options = Vec::new();
        for h in selected
            .into_iter()
            .map(|i| &data.hotels[i])
            .filter(|h| in_scope(&access.key, h))
        {
            for o in data.options(h, &stay.check_in, stay.nights, &stay.occupancy) {
                let id = option_id(
                    data,
                    &OptionRef {
                        hotel: h.code.clone(),
                        check_in: stay.check_in.clone(),
                        nights: stay.nights,
                        occupancy: stay.occupancy.clone(),
                        room: o.room.to_owned(),
                        board: o.board.to_owned(),
                        access_id: access.access_id.clone(),
                    },
                );
                let rooms = (1..=stay.occupancy.len() as i32)
                    .map(|n| Room {
                        occupancy_ref_id: n,
                        code: o.room.to_owned(),
                        description: Some(o.room_description.to_owned()),
                        refundable: Some(o.refundable),
                    })
                    .collect();
                options.push(HotelOptionSearch {
                    id,
                    supplier_code: call.seller.code().to_owned(),
                    access_code: access.access_id.clone(),
                    hotel_code: h.code.clone(),
                    hotel_name: Some(h.name.clone()),
                    board_code: o.board.to_owned(),
                    payment_type: PaymentType::Merchant,
                    status: status(&o),
                    rooms,
                    price: price(&o),
                    cancel_policy: Some(CancelPolicy {
                        refundable: o.refundable,
                        cancel_penalties: None,
                    }),
                });
            }
        }
        Ok(Some(HotelSearch {
            context: Some(call.seller.code().to_owned()),
            options: Some(options),
            errors: None,
            warnings: None,
        }))
    }

    async fn quote(
        &self,
        ctx: &Context<'_>,
        criteria: HotelCriteriaQuoteInput,
        settings: Option<HotelSettingsInput>,
    ) -> async_graphql::Result<Option<HotelQuote>> {
        let call = ctx.data::<Call>()?;
        let data = ctx.data::<Arc<Data>>()?;
        let failed = |r: Refusal| HotelQuote {
            option_quote: None,
            errors: Some(vec![r.as_error(call)]),
            warnings: None,
        };
        let access = match check(call, settings.as_ref()) {
            Ok(a) => a,
            Err(r) => return Ok(Some(failed(r))),
        };
        if access.key == "quote-fails" {
            return Ok(Some(failed(Refusal::new(
                "301",
                "301",
                "BOOKING_ERROR",
                "The supplier could not confirm the price of this option",
            ))));
        }
        let unknown = || failed(Refusal::wrong("unknown optionRefId"));
        let Some(r) = parse_option_id(data, &criteria.option_ref_id) else {
            return Ok(Some(unknown()));
        };
        if r.access_id != access.access_id {
            return Ok(Some(unknown()));
        }
        let Some(h) = data.hotel(&r.hotel).filter(|h| in_scope(&access.key, h)) else {
            return Ok(Some(unknown()));
        };
        let Some(o) = data
            .options(h, &r.check_in, r.nights, &r.occupancy)
            .into_iter()
            .find(|o| o.room == r.room && o.board == r.board)
        else {
            return Ok(Some(unknown()));
        };
        Ok(Some(HotelQuote {
            option_quote: Some(HotelOptionQuote {
                option_ref_id: criteria.option_ref_id.clone(),
                status: status(&o),
                price: price(&o),
                search_price: Some(PriceChange {
                    currency: "EUR".to_owned(),
                    net: o.net,
                    gross: o.gross,
                    binding: false,
                }),
                cancel_policy: cancel_policy(&o),
                remarks: Some("City tax payable at the hotel.".to_owned()),
            }),
            errors: None,
            warnings: None,
        }))
    }

    async fn hotels(
        &self,
        ctx: &Context<'_>,
        criteria: HotelXHotelListInput,
        relay: RelayInput,
        token: Option<String>,
        settings: Option<HotelSettingsInput>,
    ) -> async_graphql::Result<HotelConnection> {
        let _ = relay;
        let call = ctx.data::<Call>()?;
        let data = ctx.data::<Arc<Data>>()?;
        let access = check(call, settings.as_ref()).map_err(|r| r.top_level(call))?;
        let with_token = token.as_deref().is_some_and(|t| !t.is_empty());
        if with_token && access.key == "hotels-fail" {
            return Err(Refusal::new(
                "22500",
                "22500",
                "INTERNAL_ERROR",
                "Internal error while reading hotels",
            )
            .top_level(call));
        }
        let cursor = cursor_of(
            data,
            "h",
            token.as_deref(),
            criteria.max_size,
            criteria.hotel_codes.as_ref(),
            criteria.destination_codes.as_ref(),
        )
        .map_err(|r| r.top_level(call))?;
        let all: Vec<usize> = if cursor.hotels.is_empty() && cursor.destinations.is_empty() {
            (0..data.hotels.len()).collect()
        } else {
            data.select(&cursor.hotels, &cursor.destinations)
        };
        let edges = all
            .iter()
            .skip(cursor.offset)
            .take(cursor.size)
            .map(|&i| {
                let h = &data.hotels[i];
                Some(HotelEdge {
                    cursor: h.code.clone(),
                    node: Some(hotel_node(data, h)),
                })
            })
            .collect();
        Ok(HotelConnection {
            count: all.len() as i32,
            token: Some(next_token(data, "h", &cursor, all.len())),
            edges: Some(edges),
        })
    }

    async fn destinations(
        &self,
        ctx: &Context<'_>,
        criteria: HotelXDestinationListInput,
        relay: RelayInput,
        token: Option<String>,
        settings: Option<HotelSettingsInput>,
    ) -> async_graphql::Result<DestinationConnection> {
        let _ = relay;
        let call = ctx.data::<Call>()?;
        let data = ctx.data::<Arc<Data>>()?;
        let access = check(call, settings.as_ref()).map_err(|r| r.top_level(call))?;
        let cursor = cursor_of(
            data,
            "d",
            token.as_deref(),
            criteria.max_size,
            None,
            criteria.destination_codes.as_ref(),
        )
        .map_err(|r| r.top_level(call))?;
        if access.key == "destinations-empty" {
            return Ok(DestinationConnection {
                token: String::new(),
                edges: Some(vec![]),
            });
        }
        let all: Vec<&Destination> = if cursor.destinations.is_empty() {
            data.destinations.iter().collect()
        } else {
            data.destinations
                .iter()
                .filter(|d| cursor.destinations.contains(&d.code))
                .collect()
        };
        let edges = all
            .iter()
            .skip(cursor.offset)
            .take(cursor.size)
            .map(|d| {
                Some(DestinationEdge {
                    cursor: d.code.clone(),
                    node: Some(DestinationNode {
                        code: ID(d.code.clone()),
                        destination_data: Some(destination_data(d)),
                    }),
                })
            })
            .collect();
        Ok(DestinationConnection {
            token: next_token(data, "d", &cursor, all.len()),
            edges: Some(edges),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_ids_round_trip_and_refuse_tampering() {
        let data = Data::generate();
        let r = OptionRef {
            hotel: "100001".into(),
            check_in: "2025-03-31".into(),
            nights: 2,
            occupancy: vec![vec![30, 30]],
            room: "DBL-STD".into(),
            board: "BB".into(),
            access_id: "acc|1".into(),
        };
        let id = option_id(&data, &r);
        assert_eq!(parse_option_id(&data, &id), Some(r));
        let mut tampered = id.clone();
        tampered.pop();
        tampered.push(if id.ends_with('0') { '1' } else { '0' });
        assert_eq!(parse_option_id(&data, &tampered), None);
    }

    #[test]
    fn sdl_names_the_subset_types() {
        let sdl = build(Arc::new(Data::generate())).sdl();
        for name in [
            "type HotelXQuery",
            "input HotelCriteriaSearchInput",
            "scalar URI",
            "enum CancelPenaltyType",
            "type Error",
            "type Destination ",
            "hotels(criteria: HotelXHotelListInput!, relay: RelayInput!, token: String, settings: HotelSettingsInput): HotelConnection!",
        ] {
            assert!(sdl.contains(name), "{name} missing from:\n{sdl}");
        }
    }
}
