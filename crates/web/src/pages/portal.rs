//! The signed-in person behind a page: the session cookie resolved into a
//! [`Caller`], the page chrome (header, organization switcher), CSRF tokens
//! and the form extractor that checks them, and one-shot flash notices.

use super::error::PageError;
use crate::auth::SESSION_COOKIE;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use frontdesk_app::{App, Caller};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

/// The cookie naming the organization the person acts in.
pub const ORG_COOKIE: &str = "fd_org";
/// A notice shown once on the next page (set on redirects after a post).
pub const FLASH_COOKIE: &str = "fd_flash";
/// The form field (or `X-CSRF-Token` header) carrying the CSRF token.
pub const CSRF_FIELD: &str = "csrf";

/// One organization in the switcher.
#[derive(Debug, Clone)]
pub struct OrgChoice {
    pub code: String,
    pub name: String,
    pub profile: String,
    pub current: bool,
}

/// What every page's frame needs: who is signed in, where they act, the
/// CSRF token for its forms and a pending notice.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    pub signed_in: bool,
    pub user_name: String,
    pub user_email: String,
    pub org_name: String,
    /// "Buyer", "Seller" or "Buyer · Seller".
    pub profile: String,
    pub orgs: Vec<OrgChoice>,
    pub is_staff: bool,
    pub is_admin: bool,
    pub csrf: String,
    pub flash: String,
    /// The section highlighted in the navigation.
    pub nav: &'static str,
    /// The path of this page, for sign-in redirects and the switcher.
    pub path: String,
}

impl Chrome {
    /// The frame of a page nobody is signed in to (sign-in, errors).
    pub fn anonymous(flash: String) -> Self {
        Self {
            flash,
            ..Self::default()
        }
    }

    pub fn with_nav(mut self, nav: &'static str) -> Self {
        self.nav = nav;
        self
    }

    /// The asset version for cache-busting URLs.
    pub fn asset_v(&self) -> &'static str {
        super::assets::version()
    }
}

/// A signed-in person on a page.
#[derive(Debug, Clone)]
pub struct Portal {
    pub caller: Caller,
    pub chrome: Chrome,
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The flash notice of a request, if any (percent-decoded).
pub fn flash_of(headers: &HeaderMap) -> String {
    cookie(headers, FLASH_COOKIE)
        .map(|raw| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("m={raw}"))
                .ok()
                .and_then(|v| v.into_iter().next().map(|(_, m)| m))
                .unwrap_or_default()
        })
        .unwrap_or_default()
}

/// The CSRF token of a session: derived from its secret, so it needs no
/// storage and dies with the session.
pub fn csrf_token(secret: &str) -> String {
    let digest = Sha256::digest(format!("frontdesk-csrf\0{secret}").as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares in time independent of where the strings differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn profile_label(is_buyer: bool, is_seller: bool) -> String {
    match (is_buyer, is_seller) {
        (true, true) => "Buyer · Seller".into(),
        (true, false) => "Buyer".into(),
        (false, true) => "Seller".into(),
        (false, false) => String::new(),
    }
}

fn path_of(parts: &Parts) -> String {
    parts
        .uri
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned())
}

impl FromRequestParts<App> for Portal {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, PageError> {
        let path = path_of(parts);
        let secret = cookie(&parts.headers, SESSION_COOKIE)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| PageError::SignIn(path.clone()))?
            .to_owned();
        let wanted = cookie(&parts.headers, ORG_COOKIE).map(str::to_owned);
        let caller = match app.caller(&secret, wanted.as_deref()).await {
            Ok(c) => c,
            // A stale organization cookie (membership removed): fall back.
            Err(frontdesk_app::AppError::Forbidden(_)) if wanted.is_some() => app
                .caller(&secret, None)
                .await
                .map_err(|_| PageError::SignIn(path.clone()))?,
            Err(frontdesk_app::AppError::Unauthenticated(_)) => {
                return Err(PageError::SignIn(path));
            }
            Err(e) => return Err(e.into()),
        };
        tracing::Span::current().record("user_id", caller.user.id.0);
        let current = caller.current.as_ref().map(|m| m.org.id);
        let chrome = Chrome {
            signed_in: true,
            user_name: caller.user.name.clone(),
            user_email: caller.user.email.clone(),
            org_name: caller
                .current
                .as_ref()
                .map(|m| m.org.name.clone())
                .unwrap_or_default(),
            profile: caller
                .current
                .as_ref()
                .map(|m| profile_label(m.org.is_buyer, m.org.is_seller))
                .unwrap_or_default(),
            orgs: caller
                .memberships
                .iter()
                .map(|m| OrgChoice {
                    code: m.org.code.clone(),
                    name: m.org.name.clone(),
                    profile: profile_label(m.org.is_buyer, m.org.is_seller),
                    current: Some(m.org.id) == current,
                })
                .collect(),
            is_staff: caller.is_staff(),
            is_admin: caller.user.is_admin,
            csrf: csrf_token(&secret),
            flash: flash_of(&parts.headers),
            nav: "",
            path,
        };
        Ok(Self { caller, chrome })
    }
}

/// A checked form post: the person, and the form parsed from an
/// `application/x-www-form-urlencoded` body whose CSRF token matched.
#[derive(Debug)]
pub struct PageForm<T>(pub Portal, pub T);

impl<T: DeserializeOwned> FromRequest<App> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, app: &App) -> Result<Self, PageError> {
        let (mut parts, body) = req.into_parts();
        let portal = Portal::from_request_parts(&mut parts, app).await?;
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(PageError::BadRequest(
                "this page takes a form; send it from the page".into(),
            ));
        }
        let headers = parts.headers.clone();
        let bytes = Bytes::from_request(Request::from_parts(parts, body), app)
            .await
            .map_err(|e| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    PageError::TooLarge("the form is larger than this server accepts".into())
                } else {
                    PageError::BadRequest("the form could not be read; try again".into())
                }
            })?;
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| PageError::BadRequest("the form is malformed".into()))?;
        let sent = fields
            .iter()
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v.as_str())
            .or_else(|| headers.get("x-csrf-token").and_then(|v| v.to_str().ok()));
        portal.check_csrf(sent)?;
        let form = serde_urlencoded::from_bytes::<T>(&bytes)
            .map_err(|e| PageError::BadRequest(format!("the form is incomplete: {e}")))?;
        Ok(Self(portal, form))
    }
}

impl Portal {
    /// Refuses a state change whose token is missing or not this session's.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), PageError> {
        match sent {
            Some(t) if same_token(t, &self.chrome.csrf) => Ok(()),
            _ => Err(PageError::Csrf),
        }
    }

    pub fn with_nav(mut self, nav: &'static str) -> Self {
        self.chrome.nav = nav;
        self
    }
}

/// A redirect after a successful post, with a notice for the next page.
pub fn redirect_with_notice(to: &str, notice: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    let encoded = serde_urlencoded::to_string([("m", notice)]).unwrap_or_default();
    let value = encoded.strip_prefix("m=").unwrap_or("");
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{FLASH_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60"
    )) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// Security headers for every page, and the flash cookie cleared once a
/// page has shown it.
pub async fn page_headers(req: Request, next: axum::middleware::Next) -> Response {
    let had_flash = cookie(req.headers(), FLASH_COOKIE).is_some();
    let mut response = next.run(req).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if is_html {
        h.entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
        if had_flash && !h.contains_key(header::SET_COOKIE) {
            h.insert(
                header::SET_COOKIE,
                HeaderValue::from_static("fd_flash=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
            );
        }
    }
    response
}
