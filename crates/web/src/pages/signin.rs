//! Signing in and out, and switching organization. Failed sign-ins are
//! rate-limited per address and per client so passwords cannot be guessed
//! at speed.

use super::error::{PageError, PageResult, render, safe_next};
use super::portal::{Chrome, ORG_COOKIE, PageForm, flash_of, redirect_with_notice};
use crate::auth::SESSION_COOKIE;
use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use frontdesk_app::{App, AppError};
use serde::Deserialize;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/login", get(form).post(submit))
        .route("/logout", post(logout))
        .route("/switch", post(switch))
        .layer(Extension(Arc::new(Limiter::default())))
}

/// Failures allowed per window for one email address, and for one client.
const PER_EMAIL: u32 = 5;
const PER_CLIENT: u32 = 30;
const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Counts recent failed sign-ins by key ("email:…", "ip:…").
#[derive(Debug, Default)]
pub struct Limiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Limiter {
    fn blocked(&self, key: &str, max: u32) -> bool {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key)
            .is_some_and(|(n, since)| *n >= max && since.elapsed() < WINDOW)
    }

    fn fail(&self, key: String) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
        let entry = map.entry(key).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }

    fn succeed(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

/// The client's address when the server was started with connection info.
#[derive(Debug)]
pub struct PeerIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for PeerIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    chrome: Chrome,
    next: String,
    email: String,
    error: String,
}

#[derive(Debug, Deserialize)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

/// The login form carries a token tied to a short-lived cookie (login CSRF).
const LOGIN_COOKIE: &str = "fd_login";

fn login_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == LOGIN_COOKIE)
        .map(|(_, v)| v.to_owned())
}

fn sign_in_page(
    headers: &HeaderMap,
    next: String,
    email: String,
    error: String,
) -> PageResult<Response> {
    let token = login_cookie(headers)
        .filter(|t| t.len() == 32)
        .unwrap_or_else(|| frontdesk_app::auth::new_secret()[3..35].to_owned());
    let mut chrome = Chrome::anonymous(flash_of(headers));
    chrome.csrf.clone_from(&token);
    let page = SignInPage {
        chrome,
        next,
        email,
        error,
    };
    let mut response = render(&page)?;
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LOGIN_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600"
    )) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

async fn form(headers: HeaderMap, Query(q): Query<NextQuery>) -> PageResult<Response> {
    sign_in_page(&headers, q.next, String::new(), String::new())
}

#[derive(Debug, Deserialize)]
struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    csrf: String,
}

async fn submit(
    State(app): State<App>,
    Extension(limiter): Extension<Arc<Limiter>>,
    PeerIp(ip): PeerIp,
    headers: HeaderMap,
    Form(f): Form<SignInForm>,
) -> PageResult<Response> {
    let expected = login_cookie(&headers).unwrap_or_default();
    if expected.is_empty() || !super::portal::same_token(&expected, &f.csrf) {
        return Err(PageError::Csrf);
    }
    let email_key = format!("email:{}", f.email.trim().to_lowercase());
    let ip_key = ip.map(|ip| format!("ip:{ip}"));
    if limiter.blocked(&email_key, PER_EMAIL)
        || ip_key
            .as_deref()
            .is_some_and(|k| limiter.blocked(k, PER_CLIENT))
    {
        tracing::warn!("sign-in refused: too many failures");
        return Err(PageError::TooManyRequests(
            "Too many failed sign-ins. Wait 15 minutes and try again, or ask your \
             administrator to reset your password."
                .into(),
        ));
    }
    match app.login(f.email.trim(), &f.password).await {
        Ok((_, secret)) => {
            limiter.succeed(&email_key);
            let secure = if app.config.public_url.starts_with("https://") {
                "; Secure"
            } else {
                ""
            };
            let max_age = app.config.auth.session_days * 86_400;
            let mut response = Redirect::to(safe_next(&f.next)).into_response();
            let h = response.headers_mut();
            for cookie in [
                format!(
                    "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
                ),
                format!("{LOGIN_COOKIE}=; Path=/login; HttpOnly; SameSite=Strict; Max-Age=0"),
            ] {
                if let Ok(v) = HeaderValue::from_str(&cookie) {
                    h.append(header::SET_COOKIE, v);
                }
            }
            Ok(response)
        }
        Err(AppError::Unauthenticated(_)) => {
            limiter.fail(email_key);
            if let Some(k) = ip_key {
                limiter.fail(k);
            }
            let mut response =
                sign_in_page(&headers, f.next, f.email, "Wrong email or password.".into())?;
            *response.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
struct Empty {}

async fn logout(
    State(app): State<App>,
    headers: HeaderMap,
    PageForm(_, Empty {}): PageForm<Empty>,
) -> PageResult<Response> {
    if let Some(secret) = crate::auth::secret(&headers) {
        app.logout(&secret).await?;
    }
    let mut response = redirect_with_notice("/login", "You are signed out.");
    for cookie in [
        format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
        format!("{ORG_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    ] {
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(response)
}

#[derive(Debug, Deserialize)]
struct SwitchForm {
    org: String,
    #[serde(default)]
    back: String,
}

/// Acts in another of the person's organizations from now on.
async fn switch(PageForm(portal, f): PageForm<SwitchForm>) -> PageResult<Response> {
    let Some(choice) = portal.chrome.orgs.iter().find(|o| o.code == f.org) else {
        return Err(PageError::Forbidden(
            "You are not a member of that organization.".into(),
        ));
    };
    // Case pages belong to one organization: go back to the list instead.
    let back = if f.back.starts_with("/cases/") {
        "/cases"
    } else {
        safe_next(&f.back)
    };
    let mut response = redirect_with_notice(back, &format!("You now act for {}.", choice.name));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{ORG_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000",
        choice.code
    )) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}
