//! Users: search, create, and one user's page (name, active, administrator,
//! a new password, their organizations and teams).

use super::{Errors, admin_chrome, render_invalid};
use crate::pages::error::{PageError, PageResult, render};
use crate::pages::portal::{Chrome, PageForm, Portal, redirect_with_notice};
use crate::pages::view;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use frontdesk_app::{App, AppError};
use frontdesk_domain::UserId;
use frontdesk_domain::org::MemberRole;
use frontdesk_store::users::User;
use serde::Deserialize;

/// The most users one search shows.
const LIST_LIMIT: i64 = 200;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/admin/users", get(list).post(create))
        .route("/admin/users/{id}", get(show).post(update))
        .route("/admin/users/{id}/password", post(password))
}

/// An organization or team a user belongs to, as a link.
pub struct Link {
    pub href: String,
    pub label: String,
    pub extra: &'static str,
}

pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub admin: bool,
    pub active: bool,
    pub orgs: Vec<Link>,
    pub teams: Vec<Link>,
}

#[derive(Debug, Default, Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Debug, Default, Deserialize)]
struct NewUserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    admin: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct ListPage {
    chrome: Chrome,
    q: String,
    rows: Vec<UserRow>,
    limited: bool,
    email: String,
    name: String,
    admin: bool,
    errors: Errors,
}

fn org_link(code: &str, name: &str, role: MemberRole) -> Link {
    Link {
        href: format!("/admin/orgs/{code}"),
        label: name.to_owned(),
        extra: match role {
            MemberRole::Admin => "admin",
            MemberRole::Member => "",
        },
    }
}

fn team_link(slug: &str, name: &str) -> Link {
    Link {
        href: format!("/admin/teams#team-{slug}"),
        label: name.to_owned(),
        extra: "",
    }
}

/// Each user with their organizations and teams.
async fn rows_of(app: &App, users: Vec<User>) -> PageResult<Vec<UserRow>> {
    let (memberships, team_members, teams) = tokio::try_join!(
        app.store.all_memberships(),
        app.store.all_team_members(),
        app.store.teams()
    )
    .map_err(AppError::from)?;
    Ok(users
        .into_iter()
        .map(|u| UserRow {
            orgs: memberships
                .iter()
                .filter(|(id, _)| *id == u.id)
                .map(|(_, m)| org_link(&m.org.code, &m.org.name, m.role))
                .collect(),
            teams: team_members
                .iter()
                .filter(|(_, member)| member.id == u.id)
                .filter_map(|(team_id, _)| teams.iter().find(|t| t.id == *team_id))
                .map(|t| team_link(&t.slug, &t.name))
                .collect(),
            id: u.id.0,
            email: u.email,
            name: u.name,
            admin: u.is_admin,
            active: u.active,
        })
        .collect())
}

async fn list_page(
    app: &App,
    chrome: Chrome,
    q: String,
    form: NewUserForm,
    errors: Errors,
) -> PageResult<ListPage> {
    let users = app
        .store
        .search_users(&q, LIST_LIMIT)
        .await
        .map_err(AppError::from)?;
    let limited = users.len() >= usize::try_from(LIST_LIMIT).unwrap_or(usize::MAX);
    Ok(ListPage {
        chrome,
        q,
        rows: rows_of(app, users).await?,
        limited,
        email: form.email,
        name: form.name,
        admin: form.admin.is_some(),
        errors,
    })
}

async fn list(
    State(app): State<App>,
    portal: Portal,
    Query(q): Query<SearchQuery>,
) -> PageResult<Response> {
    let chrome = admin_chrome(portal)?;
    let page = list_page(
        &app,
        chrome,
        q.q.trim().to_owned(),
        NewUserForm::default(),
        Errors::default(),
    )
    .await?;
    render(&page)
}

async fn create(
    State(app): State<App>,
    PageForm(portal, f): PageForm<NewUserForm>,
) -> PageResult<Response> {
    let chrome = admin_chrome(portal)?;
    let password = Some(f.password.as_str()).filter(|p| !p.is_empty());
    let errors = match app
        .create_user(f.email.trim(), &f.name, password, f.admin.is_some())
        .await
    {
        Ok(id) => {
            return Ok(redirect_with_notice(
                &format!("/admin/users/{}", id.0),
                &format!(
                    "User {} created.{}",
                    f.name.trim(),
                    if password.is_some() {
                        " They can sign in now."
                    } else {
                        " Set a password below so they can sign in."
                    }
                ),
            ));
        }
        Err(e) => Errors::from_app(e, "email")?,
    };
    let form = NewUserForm {
        password: String::new(),
        ..f
    };
    render_invalid(&list_page(&app, chrome, String::new(), form, errors).await?)
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    chrome: Chrome,
    user: UserRow,
    title: String,
    is_self: bool,
    has_password: bool,
    created: String,
    name: String,
    active: bool,
    admin: bool,
    errors: Errors,
    password_errors: Errors,
}

fn user_id(raw: &str) -> PageResult<UserId> {
    crate::api::path_id(raw, "user")
        .map(UserId)
        .map_err(|_| PageError::not_found("user"))
}

async fn user_of(app: &App, id: UserId) -> PageResult<User> {
    app.store
        .user(id)
        .await
        .map_err(AppError::from)?
        .ok_or_else(|| PageError::not_found("user"))
}

/// The edit values shown in the form: the submitted ones after a mistake.
struct Edit {
    name: String,
    active: bool,
    admin: bool,
}

async fn user_page(
    app: &App,
    chrome: Chrome,
    user: User,
    edit: Option<Edit>,
    errors: Errors,
    password_errors: Errors,
) -> PageResult<UserPage> {
    let is_self = chrome.user_email == user.email;
    let has_password = user.password_hash.is_some();
    let created = view::when(user.created_at);
    let edit = edit.unwrap_or(Edit {
        name: user.name.clone(),
        active: user.active,
        admin: user.is_admin,
    });
    let title = user.name.clone();
    let row = rows_of(app, vec![user])
        .await?
        .into_iter()
        .next()
        .ok_or(PageError::Internal)?;
    Ok(UserPage {
        chrome,
        user: row,
        title,
        is_self,
        has_password,
        created,
        name: edit.name,
        active: edit.active,
        admin: edit.admin,
        errors,
        password_errors,
    })
}

async fn show(
    State(app): State<App>,
    Path(raw): Path<String>,
    portal: Portal,
) -> PageResult<Response> {
    let chrome = admin_chrome(portal)?;
    let user = user_of(&app, user_id(&raw)?).await?;
    render(
        &user_page(
            &app,
            chrome,
            user,
            None,
            Errors::default(),
            Errors::default(),
        )
        .await?,
    )
}

#[derive(Debug, Deserialize)]
struct EditForm {
    #[serde(default)]
    name: String,
    active: Option<String>,
    admin: Option<String>,
}

async fn update(
    State(app): State<App>,
    Path(raw): Path<String>,
    PageForm(portal, f): PageForm<EditForm>,
) -> PageResult<Response> {
    let acting = portal.caller.user.id;
    let chrome = admin_chrome(portal)?;
    let user = user_of(&app, user_id(&raw)?).await?;
    let edit = Edit {
        name: f.name,
        active: f.active.is_some(),
        admin: f.admin.is_some(),
    };
    let errors = if user.id == acting && (!edit.active || !edit.admin) {
        Errors {
            general: "You cannot deactivate yourself or remove your own administrator rights; \
                      ask another administrator."
                .into(),
            ..Errors::default()
        }
    } else {
        match app
            .update_user(user.id, &edit.name, edit.active, edit.admin)
            .await
        {
            Ok(()) => {
                let notice = if user.active && !edit.active {
                    format!(
                        "{} is deactivated: their sessions and API tokens have ended.",
                        edit.name.trim()
                    )
                } else {
                    "User saved.".to_owned()
                };
                return Ok(redirect_with_notice(
                    &format!("/admin/users/{}", user.id.0),
                    &notice,
                ));
            }
            Err(e) => Errors::from_app(e, "name")?,
        }
    };
    let page = user_page(&app, chrome, user, Some(edit), errors, Errors::default()).await?;
    render_invalid(&page)
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

async fn password(
    State(app): State<App>,
    Path(raw): Path<String>,
    PageForm(portal, f): PageForm<PasswordForm>,
) -> PageResult<Response> {
    let chrome = admin_chrome(portal)?;
    let user = user_of(&app, user_id(&raw)?).await?;
    let errors = if f.password != f.confirm {
        let mut e = Errors::default();
        e.add("confirm", "The two passwords are not the same.");
        e
    } else {
        match app.set_password(&user.email, &f.password).await {
            Ok(()) => {
                return Ok(redirect_with_notice(
                    &format!("/admin/users/{}", user.id.0),
                    &format!("New password set for {}.", user.name),
                ));
            }
            Err(e) => Errors::from_app(e, "password")?,
        }
    };
    let page = user_page(&app, chrome, user, None, Errors::default(), errors).await?;
    render_invalid(&page)
}
