//! Small local sellers for the activation tests: a raw HTTP/1.1 server on
//! 127.0.0.1:0, so a test can also misbehave at the socket level (drip a
//! body, hang up, stream an oversized answer), plus a driver that runs
//! `advance` with a clock the test controls.
#![allow(clippy::unwrap_used, dead_code)]

use std::cell::Cell;
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use frontdesk_activation::client::{SellerClient, Timeouts};
use frontdesk_activation::run::{Advance, RunContext, RunProgress, advance};
use frontdesk_activation::schema::CredentialSchema;
use frontdesk_domain::Timestamp;
use frontdesk_domain::connections::RunSummary;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The password used in every test; it must never show up in what is kept.
pub const PASSWORD: &str = "s3cr3t-Pa55word-XYZ";
/// 2025-03-01T00:00:00Z.
pub const T0: i64 = 1_740_787_200_000;

/// A request as the seller saw it.
#[derive(Debug, Clone)]
pub struct Req {
    pub headers: HashMap<String, String>,
    pub body: Value,
    /// 1-based number of this request of the same operation.
    pub nth: usize,
}

impl Req {
    pub fn op(&self) -> &str {
        self.body["operationName"].as_str().unwrap_or("")
    }
    pub fn vars(&self) -> &Value {
        &self.body["variables"]
    }
    pub fn token(&self) -> Option<&str> {
        self.vars()["token"].as_str()
    }
    /// The `authenticate` call: a hotels page of 25.
    pub fn is_auth(&self) -> bool {
        self.op() == "Hotels" && self.vars()["criteria"]["maxSize"] == 25
    }
}

/// How the seller answers.
#[derive(Debug, Clone)]
pub enum Reply {
    Json(Value),
    Gzip(Value),
    Raw {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// 200 with a body sent one byte at a time, slowly.
    Drip,
    /// Read the request, close without answering.
    HangUp,
    /// 200 with this many bytes of JSON-ish text.
    Huge(usize),
}

pub fn status(status: u16, body: &str) -> Reply {
    Reply::Raw {
        status,
        headers: vec![("Content-Type".into(), "text/plain".into())],
        body: body.as_bytes().to_vec(),
    }
}

pub type Handler = Arc<dyn Fn(&Req) -> Reply + Send + Sync>;

pub struct Seller {
    pub url: String,
    pub log: Arc<Mutex<Vec<Req>>>,
}

impl Seller {
    pub fn requests(&self) -> Vec<Req> {
        self.log.lock().unwrap().clone()
    }
}

pub async fn serve(handler: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> Seller {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let log: Arc<Mutex<Vec<Req>>> = Arc::default();
    let handler: Handler = Arc::new(handler);
    let l = log.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let (h, l) = (handler.clone(), l.clone());
            tokio::spawn(async move {
                let _ = connection(sock, h, l).await;
            });
        }
    });
    Seller {
        url: format!("http://{addr}/seller/pull/test/graphql"),
        log,
    }
}

async fn connection(
    mut sock: TcpStream,
    handler: Handler,
    log: Arc<Mutex<Vec<Req>>>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut headers = HashMap::new();
    for line in head.lines().skip(1) {
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body: Value = serde_json::from_slice(&buf[head_end..]).unwrap_or(Value::Null);
    let req = {
        let mut log = log.lock().unwrap();
        let op = body["operationName"].clone();
        let nth = log.iter().filter(|r| r.body["operationName"] == op).count() + 1;
        let req = Req { headers, body, nth };
        log.push(req.clone());
        req
    };
    let reply = handler(&req);
    let write_head = |status: u16, headers: &[(String, String)], len: usize| {
        let mut h =
            format!("HTTP/1.1 {status} X\r\nContent-Length: {len}\r\nConnection: close\r\n");
        for (k, v) in headers {
            h.push_str(&format!("{k}: {v}\r\n"));
        }
        h.push_str("\r\n");
        h
    };
    match reply {
        Reply::Json(v) => {
            let b = serde_json::to_vec(&v).unwrap();
            let h = write_head(
                200,
                &[("Content-Type".into(), "application/json".into())],
                b.len(),
            );
            sock.write_all(h.as_bytes()).await?;
            sock.write_all(&b).await?;
        }
        Reply::Gzip(v) => {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(&serde_json::to_vec(&v).unwrap()).unwrap();
            let b = enc.finish().unwrap();
            let h = write_head(
                200,
                &[
                    (
                        "Content-Type".into(),
                        "application/graphql-response+json".into(),
                    ),
                    ("Content-Encoding".into(), "gzip".into()),
                ],
                b.len(),
            );
            sock.write_all(h.as_bytes()).await?;
            sock.write_all(&b).await?;
        }
        Reply::Raw {
            status,
            headers,
            body,
        } => {
            let h = write_head(status, &headers, body.len());
            sock.write_all(h.as_bytes()).await?;
            sock.write_all(&body).await?;
        }
        Reply::Drip => {
            let h = write_head(
                200,
                &[("Content-Type".into(), "application/json".into())],
                100,
            );
            sock.write_all(h.as_bytes()).await?;
            for _ in 0..100 {
                sock.write_all(b" ").await?;
                tokio::time::sleep(StdDuration::from_millis(200)).await;
            }
        }
        Reply::HangUp => {}
        Reply::Huge(n) => {
            let h = write_head(
                200,
                &[("Content-Type".into(), "application/json".into())],
                n,
            );
            sock.write_all(h.as_bytes()).await?;
            let block = vec![b' '; 64 * 1024];
            let mut sent = 0;
            while sent < n {
                let k = block.len().min(n - sent);
                sock.write_all(&block[..k]).await?;
                sent += k;
            }
        }
    }
    sock.shutdown().await
}

/// Hotel codes of the compliant seller: strings, not numbers.
pub fn hotel_code(i: usize) -> String {
    format!("H-{}", ["ABC", "DEF", "GHI", "JKL"][i % 4]) + &format!("{i:03}")
}

pub const HOTELS: usize = 230;
pub const HOTEL_PAGE: usize = 100;
pub const DESTINATIONS: usize = 12;
pub const DESTINATION_PAGE: usize = 5;

fn page(token: Option<&str>) -> usize {
    token
        .and_then(|t| t.strip_prefix("p"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// A compliant seller unlike the demo: its own page sizes (100 and 5,
/// whatever maxSize asks), USD prices, string hotel codes, gzip for
/// content, warnings in search, `null` as the last hotels token.
pub fn compliant(req: &Req) -> Reply {
    match req.op() {
        "Hotels" => {
            let size = if req.is_auth() { 25 } else { HOTEL_PAGE };
            let p = page(req.token());
            let start = p * size;
            let end = (start + size).min(HOTELS);
            let edges: Vec<Value> = (start..end)
                .map(|i| {
                    json!({"node": {"code": hotel_code(i), "hotelData": {"hotelCode": hotel_code(i),
                        "hotelName": format!("Hotel {i}"), "categoryCode": "3*", "location": {"address": null,
                        "city": "Testville", "zipCode": null, "country": "US", "coordinates": null, "closestDestination": null}}}})
                })
                .collect();
            let token = if end < HOTELS {
                json!(format!("p{}", p + 1))
            } else {
                Value::Null
            };
            Reply::Gzip(
                json!({"data": {"hotelX": {"hotels": {"count": HOTELS, "token": token, "edges": edges}}}}),
            )
        }
        "Destinations" => {
            let p = page(req.token());
            let start = p * DESTINATION_PAGE;
            let end = (start + DESTINATION_PAGE).min(DESTINATIONS);
            let edges: Vec<Value> = (start..end)
                .map(|i| {
                    json!({"node": {"code": format!("D{i}"), "destinationData": {"code": format!("D{i}"),
                        "available": true, "type": "CITY", "parent": "US", "texts": [{"text": "Town", "language": "en"}]}}})
                })
                .collect();
            let token = if end < DESTINATIONS {
                format!("p{}", p + 1)
            } else {
                String::new()
            };
            Reply::Gzip(
                json!({"data": {"hotelX": {"destinations": {"token": token, "edges": edges}}}}),
            )
        }
        "Search" => Reply::Json(search_ok()),
        "Quote" => Reply::Json(quote_ok(&req.vars()["criteria"]["optionRefId"])),
        _ => status(400, "unknown operation"),
    }
}

pub fn search_ok() -> Value {
    json!({"data": {"hotelX": {"search": {"context": "ACME", "errors": [],
        "warnings": [{"code": "CACHE", "type": "INFO", "description": "prices from cache"}],
        "options": [
            {"id": "rq-1", "hotelCode": "H-ABC000", "hotelName": "Hotel 0", "boardCode": "RO", "paymentType": "MERCHANT",
             "status": "RQ", "rooms": [{"code": "K", "description": null, "refundable": false}],
             "price": {"currency": "USD", "binding": false, "net": 100.5, "gross": 120.0}, "cancelPolicy": {"refundable": false}},
            {"id": "ok-2", "hotelCode": "H-DEF001", "hotelName": "Hotel 1", "boardCode": "BB", "paymentType": "MERCHANT",
             "status": "OK", "rooms": [{"code": "Q", "description": "Queen", "refundable": true}],
             "price": {"currency": "USD", "binding": false, "net": 200.0, "gross": 0}, "cancelPolicy": {"refundable": true}}]}}}})
}

pub fn quote_ok(id: &Value) -> Value {
    json!({"data": {"hotelX": {"quote": {"errors": null, "warnings": null, "optionQuote": {
        "optionRefId": id, "status": "OK", "price": {"currency": "USD", "binding": false, "net": 200.0, "gross": 0},
        "searchPrice": null, "cancelPolicy": {"refundable": true, "cancelPenalties": []}, "remarks": null}}}}})
}

/// A top-level GraphQL error (as content queries fail).
pub fn top_error(field: &str, code: Option<&str>, message: &str) -> Reply {
    let ext = code.map_or(Value::Null, |c| json!({"code": c}));
    Reply::Json(json!({"data": {"hotelX": null}, "errors": [
        {"message": message, "path": ["hotelX", field], "extensions": ext}]}))
}

/// A Hotel-X `errors` entry in search or quote.
pub fn hotelx_error(field: &str, code: &str, kind: &str, description: &str) -> Reply {
    let inner = if field == "search" {
        json!({"context": "ACME", "options": null, "warnings": null,
               "errors": [{"code": code, "type": kind, "description": description}]})
    } else {
        json!({"optionQuote": null, "warnings": null,
               "errors": [{"code": code, "type": kind, "description": description}]})
    };
    Reply::Json(json!({"data": {"hotelX": {field: inner}}}))
}

pub fn mirador_wire(url: &str) -> frontdesk_activation::schema::WireConfiguration {
    let schema = CredentialSchema::parse(&json!({"type": "object", "required": ["url", "user", "password"], "properties": {
        "url": {"type": "string", "title": "Endpoint URL", "order": 0, "pattern": "^https?://[^ ]+$"},
        "user": {"type": "string", "title": "User", "order": 1},
        "password": {"type": "string", "title": "Password", "order": 2, "secret": true},
        "token": {"type": "string", "title": "Token", "order": 3, "secret": true}}}))
    .unwrap();
    let creds = schema
        .validate(
            &json!({"url": url, "user": "alice", "password": PASSWORD, "token": "tok-SECRET-77"}),
        )
        .unwrap();
    schema.to_wire(&creds, url)
}

pub fn context(url: &str) -> RunContext {
    RunContext {
        access_id: "acc_TEST1".into(),
        client_code: "globetrail".into(),
        seller_code: "ACME".into(),
        test_mode: true,
        wire: mirador_wire(url),
        url_from_access: true,
        allow_local: true,
        search_criteria: None,
        default_search: None,
        market: "ES".into(),
        timeouts: Timeouts {
            connect: StdDuration::from_secs(2),
            authenticate: StdDuration::from_secs(5),
            search: StdDuration::from_secs(5),
            quote: StdDuration::from_secs(5),
            content: StdDuration::from_secs(5),
        },
    }
}

/// The outcome of driving a run to its end.
#[derive(Debug)]
pub struct Driven {
    pub summary: RunSummary,
    pub progress: RunProgress,
    /// Each wait asked for, in ms.
    pub waits: Vec<i64>,
}

/// Validates (passing), then calls `advance` until the run finishes,
/// jumping the clock to each `WaitUntil` and storing the progress as JSON
/// between calls, as the worker does.
pub async fn drive(ctx: &RunContext) -> Driven {
    let mut progress = RunProgress::new();
    progress.record_validate(Timestamp(T0), Ok(()));
    drive_from(ctx, progress).await
}

pub async fn drive_from(ctx: &RunContext, mut progress: RunProgress) -> Driven {
    let clock = Cell::new(T0);
    let client = SellerClient::new();
    let mut rng = StdRng::seed_from_u64(42);
    let mut waits = Vec::new();
    for _ in 0..100 {
        match advance(
            ctx,
            &mut progress,
            &client,
            || Timestamp(clock.get()),
            &mut rng,
        )
        .await
        {
            Advance::WaitUntil(t) => {
                assert!(t.0 >= clock.get());
                waits.push(t.0 - clock.get());
                // An early call changes nothing and asks for the same time.
                let again = advance(
                    ctx,
                    &mut progress,
                    &client,
                    || Timestamp(clock.get()),
                    &mut rng,
                )
                .await;
                assert_eq!(again, Advance::WaitUntil(t));
                clock.set(t.0);
                let stored = serde_json::to_string(&progress).unwrap();
                progress = serde_json::from_str(&stored).unwrap();
            }
            Advance::Finished(summary) => {
                assert_eq!(progress.summary(), Some(summary));
                return Driven {
                    summary,
                    progress,
                    waits,
                };
            }
        }
    }
    panic!("the run did not finish");
}
