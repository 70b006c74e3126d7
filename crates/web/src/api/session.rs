//! Signing in and out, and who am I.

use super::{LoginBody, MeView, OrgView, TokenView, UserView, json};
use crate::auth::{Auth, SESSION_COOKIE};
use crate::error::{ApiError, ApiResult};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use frontdesk_app::App;
use frontdesk_store::orgs::Membership;

fn org_view(m: &Membership) -> OrgView {
    let mut profiles = Vec::new();
    if m.org.is_buyer {
        profiles.push("buyer".into());
    }
    if m.org.is_seller {
        profiles.push("seller".into());
    }
    OrgView {
        id: m.org.id.0,
        code: m.org.code.clone(),
        name: m.org.name.clone(),
        profiles,
        role: m.role.as_str().into(),
        commercial_contract: m.org.commercial_contract,
        active: m.org.active,
    }
}

/// Sign in with email and password; the token also comes as an HttpOnly
/// session cookie for the portal.
#[utoipa::path(post, path = "/api/v1/auth/login", request_body = LoginBody, security(()),
    responses((status = 200, body = TokenView), (status = 401, body = crate::error::Problem)))]
pub async fn login(State(app): State<App>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let body: LoginBody = json(&headers, &body)?;
    let (_, token) = app.login(&body.email, &body.password).await?;
    let secure = if app.config.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let max_age = app.config.auth.session_days * 86_400;
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    );
    let mut response = Json(TokenView { token }).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(response)
}

/// Ends the session of the token used.
#[utoipa::path(post, path = "/api/v1/auth/logout", responses((status = 204)))]
pub async fn logout(State(app): State<App>, headers: HeaderMap) -> ApiResult<Response> {
    let secret =
        crate::auth::secret(&headers).ok_or_else(|| ApiError::unauthenticated("not signed in"))?;
    app.logout(&secret).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("fd_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(response)
}

/// The signed-in user, their organizations and the current one.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = MeView), (status = 401, body = crate::error::Problem)))]
pub async fn me(Auth(caller): Auth) -> ApiResult<Json<MeView>> {
    Ok(Json(MeView {
        user: UserView {
            id: caller.user.id.0,
            email: caller.user.email.clone(),
            name: caller.user.name.clone(),
            is_admin: caller.user.is_admin,
            teams: caller.teams.iter().map(|t| t.slug.clone()).collect(),
        },
        organizations: caller.memberships.iter().map(org_view).collect(),
        current_organization: caller.current.as_ref().map(org_view),
    }))
}
