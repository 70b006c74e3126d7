//! Organizations: the list with a create form, and one organization's page
//! (profiles, flags, Company-tab visibility, members).

use super::{Errors, admin_chrome, render_invalid};
use crate::pages::error::{PageError, PageResult, render};
use crate::pages::portal::{Chrome, PageForm, Portal, redirect_with_notice};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use frontdesk_app::{App, AppError};
use frontdesk_domain::org::{CompanyVisibility, MemberRole};
use frontdesk_store::orgs::{NewOrganization, Organization};
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/admin/orgs", get(list).post(create))
        .route("/admin/orgs/{code}", get(show).post(update))
        .route("/admin/orgs/{code}/members", post(add_member))
        .route("/admin/orgs/{code}/members/remove", post(remove_member))
}

/// The organization form as sent: unchecked boxes are simply absent.
#[derive(Debug, Default, Deserialize)]
struct OrgForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    buyer: Option<String>,
    seller: Option<String>,
    active: Option<String>,
    contract: Option<String>,
    #[serde(default)]
    visibility: String,
}

/// The organization form's values, as shown in its fields.
#[derive(Debug)]
pub struct OrgInput {
    pub code: String,
    pub name: String,
    pub buyer: bool,
    pub seller: bool,
    pub active: bool,
    pub contract: bool,
    /// "members" or "admins".
    pub visibility: String,
}

impl OrgInput {
    fn blank() -> Self {
        Self {
            code: String::new(),
            name: String::new(),
            buyer: true,
            seller: false,
            active: true,
            contract: false,
            visibility: "members".into(),
        }
    }

    fn of(o: &Organization) -> Self {
        Self {
            code: o.code.clone(),
            name: o.name.clone(),
            buyer: o.is_buyer,
            seller: o.is_seller,
            active: o.active,
            contract: o.commercial_contract,
            visibility: o.company_visibility.as_str().into(),
        }
    }

    fn from_form(f: OrgForm) -> Self {
        Self {
            code: f.code.trim().to_owned(),
            name: f.name,
            buyer: f.buyer.is_some(),
            seller: f.seller.is_some(),
            active: f.active.is_some(),
            contract: f.contract.is_some(),
            // The radio buttons' default when none came.
            visibility: if f.visibility.is_empty() {
                "members".into()
            } else {
                f.visibility
            },
        }
    }

    /// What the use cases take; an unknown visibility is a field error.
    fn to_new(&self) -> Result<NewOrganization, Errors> {
        let Some(company_visibility) = CompanyVisibility::parse(&self.visibility) else {
            let mut e = Errors::default();
            e.add("visibility", "Choose who sees the Company cases tab.");
            return Err(e);
        };
        Ok(NewOrganization {
            code: self.code.clone(),
            name: self.name.trim().to_owned(),
            is_buyer: self.buyer,
            is_seller: self.seller,
            active: self.active,
            commercial_contract: self.contract,
            company_visibility,
        })
    }
}

/// "Buyer", "Seller" or "Buyer · Seller".
pub fn profiles(o: &Organization) -> &'static str {
    match (o.is_buyer, o.is_seller) {
        (true, true) => "Buyer · Seller",
        (true, false) => "Buyer",
        (false, true) => "Seller",
        (false, false) => "—",
    }
}

pub struct OrgRow {
    pub code: String,
    pub name: String,
    pub profiles: &'static str,
    pub active: bool,
    pub contract: bool,
    pub admins_only: bool,
    pub members: usize,
}

#[derive(Template)]
#[template(path = "admin_orgs.html")]
struct ListPage {
    chrome: Chrome,
    /// The form creates (and shows the code field).
    creating: bool,
    rows: Vec<OrgRow>,
    form: OrgInput,
    errors: Errors,
}

async fn list_page(
    app: &App,
    chrome: Chrome,
    form: OrgInput,
    errors: Errors,
) -> PageResult<ListPage> {
    let (orgs, memberships) =
        tokio::try_join!(app.store.organizations(), app.store.all_memberships())
            .map_err(AppError::from)?;
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for (_, m) in &memberships {
        *counts.entry(m.org.id.0).or_default() += 1;
    }
    let rows = orgs
        .iter()
        .map(|o| OrgRow {
            code: o.code.clone(),
            name: o.name.clone(),
            profiles: profiles(o),
            active: o.active,
            contract: o.commercial_contract,
            admins_only: o.company_visibility == CompanyVisibility::Admins,
            members: counts.get(&o.id.0).copied().unwrap_or(0),
        })
        .collect();
    Ok(ListPage {
        chrome,
        creating: true,
        rows,
        form,
        errors,
    })
}

async fn list(State(app): State<App>, portal: Portal) -> PageResult<Response> {
    let chrome = admin_chrome(portal)?;
    render(&list_page(&app, chrome, OrgInput::blank(), Errors::default()).await?)
}

async fn create(
    State(app): State<App>,
    PageForm(portal, f): PageForm<OrgForm>,
) -> PageResult<Response> {
    let chrome = admin_chrome(portal)?;
    let input = OrgInput::from_form(f);
    let errors = match input.to_new() {
        Err(e) => e,
        Ok(new) => match app.create_organization(new).await {
            Ok(_) => {
                return Ok(redirect_with_notice(
                    &format!("/admin/orgs/{}", input.code),
                    &format!(
                        "Organization {} created. Add its members below.",
                        input.name.trim()
                    ),
                ));
            }
            Err(AppError::Conflict(_)) => {
                let mut e = Errors::default();
                e.add(
                    "code",
                    format!(
                        "An organization with the code \"{}\" already exists. Choose another code.",
                        input.code
                    ),
                );
                e
            }
            Err(e) => Errors::from_app(e, "code")?,
        },
    };
    render_invalid(&list_page(&app, chrome, input, errors).await?)
}

pub struct MemberRow {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub admin: bool,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "admin_org.html")]
struct OrgPage {
    chrome: Chrome,
    creating: bool,
    code: String,
    /// The stored name (the heading), while the form may hold an edit.
    title: String,
    profiles: &'static str,
    form: OrgInput,
    errors: Errors,
    members: Vec<MemberRow>,
    new_member: String,
    new_role: String,
    member_errors: Errors,
}

async fn org_of(app: &App, code: &str) -> PageResult<Organization> {
    app.store
        .organization_by_code(code)
        .await
        .map_err(AppError::from)?
        .ok_or_else(|| PageError::not_found("organization"))
}

#[allow(clippy::too_many_arguments)]
async fn org_page(
    app: &App,
    chrome: Chrome,
    org: &Organization,
    form: Option<OrgInput>,
    errors: Errors,
    new_member: String,
    new_role: String,
    member_errors: Errors,
) -> PageResult<OrgPage> {
    let members = app
        .store
        .organization_members(org.id)
        .await
        .map_err(AppError::from)?
        .into_iter()
        .map(|(u, role)| MemberRow {
            user_id: u.id.0,
            email: u.email,
            name: u.name,
            admin: role == MemberRole::Admin,
            active: u.active,
        })
        .collect();
    Ok(OrgPage {
        chrome,
        creating: false,
        code: org.code.clone(),
        title: org.name.clone(),
        profiles: profiles(org),
        form: form.unwrap_or_else(|| OrgInput::of(org)),
        errors,
        members,
        new_member,
        new_role: if new_role.is_empty() {
            "member".into()
        } else {
            new_role
        },
        member_errors,
    })
}

async fn show(
    State(app): State<App>,
    Path(code): Path<String>,
    portal: Portal,
) -> PageResult<Response> {
    let chrome = admin_chrome(portal)?;
    let org = org_of(&app, &code).await?;
    let page = org_page(
        &app,
        chrome,
        &org,
        None,
        Errors::default(),
        String::new(),
        String::new(),
        Errors::default(),
    )
    .await?;
    render(&page)
}

async fn update(
    State(app): State<App>,
    Path(code): Path<String>,
    PageForm(portal, f): PageForm<OrgForm>,
) -> PageResult<Response> {
    let chrome = admin_chrome(portal)?;
    let org = org_of(&app, &code).await?;
    let mut input = OrgInput::from_form(f);
    input.code.clone_from(&org.code);
    let errors = match input.to_new() {
        Err(e) => e,
        Ok(new) => match app.update_organization(&org.code, new).await {
            Ok(()) => {
                return Ok(redirect_with_notice(
                    &format!("/admin/orgs/{}", org.code),
                    "Organization saved.",
                ));
            }
            Err(e) => Errors::from_app(e, "name")?,
        },
    };
    let page = org_page(
        &app,
        chrome,
        &org,
        Some(input),
        errors,
        String::new(),
        String::new(),
        Errors::default(),
    )
    .await?;
    render_invalid(&page)
}

#[derive(Debug, Deserialize)]
struct MemberForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

async fn add_member(
    State(app): State<App>,
    Path(code): Path<String>,
    PageForm(portal, f): PageForm<MemberForm>,
) -> PageResult<Response> {
    let chrome = admin_chrome(portal)?;
    let org = org_of(&app, &code).await?;
    let email = f.email.trim().to_owned();
    let errors = match MemberRole::parse(&f.role) {
        None => {
            let mut e = Errors::default();
            e.add("role", "Choose member or admin.");
            e
        }
        Some(role) => match app.set_membership(&email, &org.code, role).await {
            Ok(()) => {
                return Ok(redirect_with_notice(
                    &format!("/admin/orgs/{}", org.code),
                    &format!("{email} is now {} of {}.", role_phrase(role), org.name),
                ));
            }
            Err(e) => Errors::from_app(e, "email")?,
        },
    };
    let page = org_page(
        &app,
        chrome,
        &org,
        None,
        Errors::default(),
        email,
        f.role,
        errors,
    )
    .await?;
    render_invalid(&page)
}

fn role_phrase(role: MemberRole) -> &'static str {
    match role {
        MemberRole::Member => "a member",
        MemberRole::Admin => "an admin",
    }
}

#[derive(Debug, Deserialize)]
struct RemoveForm {
    #[serde(default)]
    email: String,
}

async fn remove_member(
    State(app): State<App>,
    Path(code): Path<String>,
    PageForm(portal, f): PageForm<RemoveForm>,
) -> PageResult<Response> {
    admin_chrome(portal)?;
    let org = org_of(&app, &code).await?;
    app.remove_membership(&f.email, &org.code).await?;
    Ok(redirect_with_notice(
        &format!("/admin/orgs/{}", org.code),
        &format!("{} is no longer a member of {}.", f.email.trim(), org.name),
    ))
}
