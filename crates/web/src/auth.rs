//! The `Auth` extractor: a bearer token (or the portal's session cookie)
//! resolved into a [`Caller`], acting in the organization named by the
//! `X-Organization` header or `?org=`.

use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use frontdesk_app::{App, Caller};

pub const SESSION_COOKIE: &str = "fd_session";

#[derive(Debug)]
pub struct Auth(pub Caller);

/// The secret of a request: `Authorization: Bearer …` or the session cookie.
pub fn secret(headers: &axum::http::HeaderMap) -> Option<String> {
    if let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let (scheme, token) = value.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_owned())
}

fn org_hint(parts: &Parts) -> Option<String> {
    if let Some(h) = parts
        .headers
        .get("x-organization")
        .and_then(|v| v.to_str().ok())
    {
        return Some(h.to_owned());
    }
    parts.uri.query().and_then(|q| {
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "org")
            .map(|(_, v)| v.to_owned())
    })
}

impl FromRequestParts<App> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let secret = secret(&parts.headers).ok_or_else(|| {
            ApiError::unauthenticated(
                "send `Authorization: Bearer <token>`; get a token from POST /api/v1/auth/login",
            )
        })?;
        let caller = app.caller(&secret, org_hint(parts).as_deref()).await?;
        tracing::Span::current().record("user_id", caller.user.id.0);
        Ok(Self(caller))
    }
}
