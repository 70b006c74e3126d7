//! Staff teams: support teams with queues and product teams that take
//! escalations; their members.

use super::{Errors, admin_chrome, render_invalid};
use crate::pages::error::{PageError, PageResult, render};
use crate::pages::portal::{Chrome, PageForm, Portal, redirect_with_notice};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use frontdesk_app::{App, AppError};
use frontdesk_domain::org::TeamKind;
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/admin/teams", get(list).post(create))
        .route("/admin/teams/{slug}/members", post(add_member))
        .route("/admin/teams/{slug}/members/remove", post(remove_member))
}

pub struct Member {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub active: bool,
}

pub struct TeamCard {
    pub slug: String,
    pub name: String,
    pub kind: &'static str,
    pub members: Vec<Member>,
    /// The add-member form's email and message after a mistake.
    pub email: String,
    pub error: String,
}

#[derive(Debug, Default, Deserialize)]
struct TeamForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
}

#[derive(Template)]
#[template(path = "admin_teams.html")]
struct TeamsPage {
    chrome: Chrome,
    teams: Vec<TeamCard>,
    form: TeamForm,
    errors: Errors,
}

fn kind_label(kind: TeamKind) -> &'static str {
    match kind {
        TeamKind::Support => "Support",
        TeamKind::Product => "Product",
    }
}

/// The page; `member_error` is (team slug, email, message) of a refused addition.
async fn teams_page(
    app: &App,
    chrome: Chrome,
    form: TeamForm,
    errors: Errors,
    member_error: Option<(String, String, String)>,
) -> PageResult<TeamsPage> {
    let (teams, members) = tokio::try_join!(app.store.teams(), app.store.all_team_members())
        .map_err(AppError::from)?;
    let teams = teams
        .into_iter()
        .map(|t| {
            let (email, error) = match &member_error {
                Some((slug, email, error)) if *slug == t.slug => (email.clone(), error.clone()),
                _ => (String::new(), String::new()),
            };
            TeamCard {
                members: members
                    .iter()
                    .filter(|(team, _)| *team == t.id)
                    .map(|(_, u)| Member {
                        id: u.id.0,
                        email: u.email.clone(),
                        name: u.name.clone(),
                        active: u.active,
                    })
                    .collect(),
                slug: t.slug,
                name: t.name,
                kind: kind_label(t.kind),
                email,
                error,
            }
        })
        .collect();
    Ok(TeamsPage {
        chrome,
        teams,
        form,
        errors,
    })
}

async fn list(State(app): State<App>, portal: Portal) -> PageResult<Response> {
    let chrome = admin_chrome(portal)?;
    let form = TeamForm {
        kind: "support".into(),
        ..TeamForm::default()
    };
    render(&teams_page(&app, chrome, form, Errors::default(), None).await?)
}

async fn create(
    State(app): State<App>,
    PageForm(portal, f): PageForm<TeamForm>,
) -> PageResult<Response> {
    let chrome = admin_chrome(portal)?;
    let slug = f.slug.trim().to_owned();
    let mut errors = Errors::default();
    if f.name.trim().is_empty() {
        errors.add("name", "Give the team a name.");
    }
    let kind = TeamKind::parse(&f.kind);
    if kind.is_none() {
        errors.add("kind", "Choose Support or Product.");
    }
    if let (Some(kind), false) = (kind, errors.any()) {
        match app.create_team(&slug, &f.name, kind).await {
            Ok(_) => {
                return Ok(redirect_with_notice(
                    &format!("/admin/teams#team-{slug}"),
                    &format!("Team {} created. Add its members below.", f.name.trim()),
                ));
            }
            Err(AppError::Conflict(_)) => errors.add(
                "slug",
                format!("A team with the slug \"{slug}\" already exists. Choose another slug."),
            ),
            Err(e) => errors = Errors::from_app(e, "slug")?,
        }
    }
    let form = TeamForm { slug, ..f };
    render_invalid(&teams_page(&app, chrome, form, errors, None).await?)
}

#[derive(Debug, Deserialize)]
struct MemberForm {
    #[serde(default)]
    email: String,
}

async fn team_exists(app: &App, slug: &str) -> PageResult<String> {
    app.store
        .team(slug)
        .await
        .map_err(AppError::from)?
        .map(|t| t.name)
        .ok_or_else(|| PageError::not_found("team"))
}

async fn add_member(
    State(app): State<App>,
    Path(slug): Path<String>,
    PageForm(portal, f): PageForm<MemberForm>,
) -> PageResult<Response> {
    let chrome = admin_chrome(portal)?;
    let name = team_exists(&app, &slug).await?;
    let email = f.email.trim().to_owned();
    match app.add_staff(&email, &slug).await {
        Ok(()) => Ok(redirect_with_notice(
            &format!("/admin/teams#team-{slug}"),
            &format!("{email} is now in {name}."),
        )),
        Err(e) => {
            let errors = Errors::from_app(e, "email")?;
            let message = errors.get("email").to_owned();
            let form = TeamForm {
                kind: "support".into(),
                ..TeamForm::default()
            };
            let page = teams_page(
                &app,
                chrome,
                form,
                Errors::default(),
                Some((slug, email, message)),
            )
            .await?;
            render_invalid(&page)
        }
    }
}

async fn remove_member(
    State(app): State<App>,
    Path(slug): Path<String>,
    PageForm(portal, f): PageForm<MemberForm>,
) -> PageResult<Response> {
    admin_chrome(portal)?;
    let name = team_exists(&app, &slug).await?;
    app.remove_staff(&f.email, &slug).await?;
    Ok(redirect_with_notice(
        &format!("/admin/teams#team-{slug}"),
        &format!("{} is no longer in {name}.", f.email.trim()),
    ))
}
