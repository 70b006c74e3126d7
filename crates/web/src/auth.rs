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
        // A browser sends the session cookie by itself: a state change made
        // with the cookie alone must also carry the page's CSRF token.
        let by_cookie = !parts.headers.contains_key(header::AUTHORIZATION);
        if by_cookie && !parts.method.is_safe() {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !crate::pages::same_token(sent, &crate::pages::csrf_token(&secret)) {
                return Err(ApiError::new(
                    axum::http::StatusCode::FORBIDDEN,
                    "csrf",
                    "CSRF token required",
                    "calls made with the session cookie must send the page's `X-CSRF-Token` \
                     header; API clients use `Authorization: Bearer <token>`",
                ));
            }
        }
        let caller = app.caller(&secret, org_hint(parts).as_deref()).await?;
        tracing::Span::current().record("user_id", caller.user.id.0);
        Ok(Self(caller))
    }
}
