//! The HTTP layer: routes, the transport scripts of §6 decided from the JSON body before
//! GraphQL runs, the request log, and an accept loop able to hang up without answering.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::stream;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tower::ServiceExt as _;

use crate::schema::{Call, scenario_key};
use crate::{DEMO_PASSWORD, DemoSeller, Env, Kind, LogEntry, Seller};

/// Largest request body read (the four documents with their variables are a few KiB).
const BODY_LIMIT: usize = 2 * 1024 * 1024;
/// Size of the `huge` answer: well over frontdesk's 16 MiB limit.
const HUGE_BYTES: usize = 50 * 1024 * 1024;
/// Longest `slow` wait (§6).
const SLOW_CAP_MS: u64 = 120_000;
/// How many `search` requests per access id the `flaky` script refuses.
const FLAKY_FAILURES: u32 = 2;

static PADDING: [u8; 64 * 1024] = [b'x'; 64 * 1024];

/// Put on every request by [`serve`]: notifying it makes the connection task drop the socket.
#[derive(Debug, Clone)]
pub(crate) struct HangUp(Arc<Notify>);

pub(crate) fn router(seller: DemoSeller) -> Router {
    Router::new()
        .route("/{seller}/{kind}/{env}/graphql", post(graphql))
        .route("/healthz", get(|| async { "ok" }))
        .route("/_demo/reset", post(reset))
        .route("/_demo/enable", post(enable))
        .route("/_demo/requests", get(requests))
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found") })
        .with_state(seller)
}

async fn reset(State(seller): State<DemoSeller>) -> Response {
    let mut state = seller.state();
    state.search_counts.clear();
    state.enabled.clear();
    ok()
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnableBody {
    access_id: String,
}

async fn enable(State(seller): State<DemoSeller>, body: Bytes) -> Response {
    match serde_json::from_slice::<EnableBody>(&body) {
        Ok(b) => {
            seller.state().enabled.insert(b.access_id);
            ok()
        }
        Err(_) => json_response(
            StatusCode::BAD_REQUEST,
            &json!({"ok": false, "error": "expected {\"accessId\": \"…\"}"}),
        ),
    }
}

async fn requests(State(seller): State<DemoSeller>) -> Response {
    let log: Vec<LogEntry> = seller.state().log.iter().cloned().collect();
    json_response(StatusCode::OK, &json!(log))
}

fn ok() -> Response {
    json_response(StatusCode::OK, &json!({"ok": true}))
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn typed(status: StatusCode, content_type: &'static str, body: impl Into<Body>) -> Response {
    let mut r = Response::new(body.into());
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// What the HTTP layer reads from the body: never a secret beyond whether the password matched.
#[derive(Debug, Default)]
struct Meta {
    operation: Option<String>,
    access_id: Option<String>,
    username: Option<String>,
    password: Option<String>,
    client_code: Option<String>,
    timeout_ms: Option<i64>,
    is_search: bool,
}

fn string_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn meta(body: &Value) -> Meta {
    let settings = body.pointer("/variables/settings");
    let access = settings.and_then(|s| s.pointer("/suppliers/0/accesses/0"));
    let config = access.and_then(|a| a.get("configuration"));
    let client_code = config
        .and_then(|c| c.get("parameters"))
        .and_then(Value::as_array)
        .and_then(|ps| {
            ps.iter()
                .find(|p| p.get("key").and_then(Value::as_str) == Some("clientCode"))
        })
        .and_then(|p| string_of(p.get("value")));
    let operation = body
        .get("operationName")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let is_search = match &operation {
        Some(op) => op.eq_ignore_ascii_case("search"),
        None => body
            .get("query")
            .and_then(Value::as_str)
            .is_some_and(|q| q.contains("search(")),
    };
    Meta {
        operation,
        access_id: string_of(access.and_then(|a| a.get("accessId"))),
        username: string_of(config.and_then(|c| c.get("username"))),
        password: string_of(config.and_then(|c| c.get("password"))),
        client_code,
        timeout_ms: settings
            .and_then(|s| s.get("timeout"))
            .and_then(Value::as_i64),
        is_search,
    }
}

/// `POST /{seller}/{kind}/{env}/graphql`.
async fn graphql(
    State(seller): State<DemoSeller>,
    Path((seller_slug, kind_slug, env_slug)): Path<(String, String, String)>,
    request: Request,
) -> Response {
    let path = request.uri().path().to_owned();
    let hang_up = request.extensions().get::<HangUp>().cloned();
    let mut entry = LogEntry {
        time: now_rfc3339(),
        path,
        operation_name: None,
        access_id: None,
        key: None,
        password_matched: None,
        http_status: None,
        error_code: None,
    };
    let endpoint = match (
        Seller::from_slug(&seller_slug),
        Kind::from_slug(&kind_slug),
        Env::from_slug(&env_slug),
    ) {
        (Some(s), Some(k), Some(e)) if s.serves(k) => Some((s, k, e)),
        _ => None,
    };
    let Some((which, kind, env)) = endpoint else {
        return finish(
            &seller,
            entry,
            (StatusCode::NOT_FOUND, "not found").into_response(),
            None,
        );
    };
    let body = match axum::body::to_bytes(request.into_body(), BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return finish(
                &seller,
                entry,
                bad_request("the body could not be read"),
                None,
            );
        }
    };
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return finish(&seller, entry, bad_request("the body is not JSON"), None);
    };
    let m = meta(&body);
    let key = scenario_key(kind, m.username.as_deref(), m.client_code.as_deref());
    entry.operation_name = m.operation.clone();
    entry.access_id = m.access_id.clone();
    entry.key = Some(key.clone());
    entry.password_matched =
        (kind == Kind::Pull).then(|| m.password.as_deref() == Some(DEMO_PASSWORD));

    match key.as_str() {
        "server-error" => {
            let r = typed(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain; charset=utf-8",
                "Internal Server Error",
            );
            return finish(&seller, entry, r, None);
        }
        "garbage" => {
            let page = "<!DOCTYPE html><html><head><title>Welcome</title></head>\
                        <body><h1>It works!</h1><p>This is not GraphQL.</p></body></html>";
            return finish(
                &seller,
                entry,
                typed(StatusCode::OK, "text/html; charset=utf-8", page),
                None,
            );
        }
        "huge" => {
            return finish(
                &seller,
                entry,
                typed(StatusCode::OK, "application/json", huge_body()),
                None,
            );
        }
        "drip" => {
            return finish(
                &seller,
                entry,
                typed(StatusCode::OK, "application/json", drip_body()),
                None,
            );
        }
        "redirect" => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::FOUND;
            r.headers_mut().insert(
                header::LOCATION,
                HeaderValue::from_static("http://169.254.169.254/"),
            );
            return finish(&seller, entry, r, None);
        }
        "hang-up" => {
            seller.log(entry);
            return match hang_up {
                Some(HangUp(notify)) => {
                    notify.notify_one();
                    // The connection task drops this future together with the socket.
                    std::future::pending::<Response>().await
                }
                None => broken_response(),
            };
        }
        "flaky" if m.is_search => {
            let seen = {
                let mut state = seller.state();
                let count = state
                    .search_counts
                    .entry(m.access_id.clone().unwrap_or_default())
                    .or_insert(0);
                *count += 1;
                *count
            };
            if seen <= FLAKY_FAILURES {
                let mut r = typed(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "text/plain; charset=utf-8",
                    "Service Unavailable",
                );
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                return finish(&seller, entry, r, None);
            }
        }
        "slow" => {
            let wait = (m.timeout_ms.unwrap_or(0).max(0) as u64)
                .saturating_add(2_000)
                .min(SLOW_CAP_MS);
            tokio::time::sleep(Duration::from_millis(wait)).await;
        }
        _ => {}
    }

    let Ok(gql) = serde_json::from_value::<async_graphql::Request>(body) else {
        return finish(
            &seller,
            entry,
            bad_request("the body is not a GraphQL request"),
            None,
        );
    };
    let outcome = Arc::new(Mutex::new(None));
    let enabled = m
        .access_id
        .as_ref()
        .is_some_and(|id| seller.state().enabled.contains(id));
    let call = Call {
        seller: which,
        kind,
        env,
        enabled,
        outcome: outcome.clone(),
    };
    let response = seller.inner.schema.execute(gql.data(call)).await;
    let recorded = outcome
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let code = recorded.or_else(|| {
        response.errors.first().map(
            |e| match e.extensions.as_ref().and_then(|x| x.get("code")) {
                Some(async_graphql::Value::String(c)) => c.clone(),
                _ => "GRAPHQL".to_owned(),
            },
        )
    });
    // Serialized from async-graphql's own value, which keeps the query's field order.
    let answer = match serde_json::to_vec(&response) {
        Ok(bytes) => typed(StatusCode::OK, "application/json", bytes),
        Err(_) => typed(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain; charset=utf-8",
            "unserializable answer",
        ),
    };
    finish(&seller, entry, answer, code)
}

fn bad_request(message: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({"errors": [{"message": message}]}),
    )
}

fn finish(
    seller: &DemoSeller,
    mut entry: LogEntry,
    response: Response,
    code: Option<String>,
) -> Response {
    entry.http_status = Some(response.status().as_u16());
    entry.error_code = code;
    seller.log(entry);
    response
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// 50 MiB of valid JSON (one long string), streamed from a static buffer.
fn huge_body() -> Body {
    const HEAD: &[u8] = br#"{"data":{"hotelX":null},"padding":""#;
    const TAIL: &[u8] = br#""}"#;
    let mut remaining = HUGE_BYTES - HEAD.len() - TAIL.len();
    let mut chunks = vec![Bytes::from_static(HEAD)];
    while remaining > 0 {
        let n = remaining.min(PADDING.len());
        chunks.push(Bytes::from_static(&PADDING[..n]));
        remaining -= n;
    }
    chunks.push(Bytes::from_static(TAIL));
    Body::from_stream(stream::iter(chunks.into_iter().map(Ok::<_, Infallible>)))
}

/// A small GraphQL answer sent one byte per second.
fn drip_body() -> Body {
    const TEXT: &[u8] = br#"{"data":{"hotelX":null},"errors":[{"message":"drip"}]}"#;
    Body::from_stream(stream::unfold(0usize, |i| async move {
        if i >= TEXT.len() {
            return None;
        }
        if i > 0 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        Some((Ok::<_, Infallible>(Bytes::from_static(&TEXT[i..=i])), i + 1))
    }))
}

/// Outside [`serve`]: a head, then a body that fails at once, so the server aborts the
/// connection (the closest a plain router can get to hanging up).
fn broken_response() -> Response {
    let failing = stream::once(async { Err::<Bytes, _>(std::io::Error::other("hang-up")) });
    typed(
        StatusCode::OK,
        "application/json",
        Body::from_stream(failing),
    )
}

/// The accept loop of [`crate::serve`].
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(connection(stream, router.clone(), stop_rx.clone()));
                }
                Err(e) => {
                    // Usually out of file descriptors: back off instead of spinning.
                    tracing::warn!(error = %e, "demo seller: accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    connections.abort_all();
    Ok(())
}

async fn connection(stream: TcpStream, router: Router, mut stop: watch::Receiver<bool>) {
    let hang_up = HangUp(Arc::new(Notify::new()));
    let marker = hang_up.clone();
    let service =
        hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(marker.clone());
            router.clone().oneshot(request.map(Body::new))
        });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30));
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    let mut stopping = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "demo seller: connection ended with an error");
                }
                return;
            }
            // Returning drops `conn` and with it the socket: the client gets no answer.
            () = hang_up.0.notified() => return,
            _ = stop.changed(), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}
