//! The request wizard: one form in four steps (partner, configuration,
//! notifications, review) that carries earlier steps' values in hidden
//! inputs; each step is checked on the server before the next is shown.
//! Optional search criteria ride along from the configuration step.

use super::credentials::{
    Input, Setting, Spec, credentials_from, form_keys, inputs, settings, specs, text_of,
};
use super::criteria::{Criteria, CriteriaInputs};
use super::{Errs, Fields, emails_from};
use crate::pages::error::PageResult;
use crate::pages::portal::{Chrome, PageForm, Portal, redirect_with_notice};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use frontdesk_app::connections::{ConnectionRequest, PartnerView, SchemaView, StepInput};
use frontdesk_app::{App, AppError};

const STEPS: [(&str, &str); 4] = [
    ("partner", "Partner"),
    ("configuration", "Configuration"),
    ("notifications", "Notifications"),
    ("review", "Review"),
];

pub struct Choice {
    pub value: String,
    pub seller: String,
    pub label: String,
    pub description: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "connections_new.html")]
struct WizardPage {
    chrome: Chrome,
    /// Set when the organization may not request connections (no
    /// commercial contract, not a buyer): the message instead of the form.
    refused: String,
    step: &'static str,
    steps: Vec<(&'static str, &'static str, bool, bool)>,
    hidden: Vec<(String, String)>,
    errors: Errs,
    // Step 1
    choices: Vec<Choice>,
    // Step 2
    seller: String,
    type_label: String,
    type_description: String,
    name: String,
    environment: String,
    endpoint_test: String,
    endpoint_live: String,
    creds: Vec<Input>,
    criteria: Option<CriteriaInputs>,
    // Step 3
    emails: String,
    // Step 4
    summary: Vec<Setting>,
    criteria_summary: Vec<(String, String)>,
    email_list: Vec<String>,
    accept: bool,
}

/// The wizard's state as posted.
struct State_ {
    partner: String,
    name: String,
    environment: String,
    emails: String,
    accept: bool,
}

fn split_partner(raw: &str) -> Option<(i64, String)> {
    let (id, kind) = raw.split_once(':')?;
    Some((id.parse().ok()?, kind.to_owned()))
}

/// Whether the caller may request connections at all: the use case's own
/// refusal (it names the sales contact) when not.
async fn refusal(app: &App, portal: &Portal) -> PageResult<Option<String>> {
    let probe = StepInput {
        step: "notifications".into(),
        notification_emails: Some(vec![portal.caller.user.email.clone()]),
        ..StepInput::default()
    };
    match app.validate_connection_step(&portal.caller, probe).await {
        Ok(()) | Err(AppError::Invalid(_)) => Ok(None),
        Err(AppError::Forbidden(m)) => Ok(Some(super::capitalized(&m))),
        Err(e) => Err(e.into()),
    }
}

fn choices(partners: &[PartnerView], selected: &str) -> Vec<Choice> {
    partners
        .iter()
        .flat_map(|p| {
            p.types.iter().map(move |t| {
                let value = format!("{}:{}", p.id, t.kind);
                Choice {
                    checked: value == selected,
                    value,
                    seller: p.name.clone(),
                    label: match &t.title {
                        Some(title) => format!("{} · {title}", t.label),
                        None => t.label.to_owned(),
                    },
                    description: t
                        .description
                        .clone()
                        .unwrap_or_else(|| p.description.clone()),
                }
            })
        })
        .collect()
}

impl WizardPage {
    fn new(chrome: Chrome, step: &'static str) -> Self {
        let at = STEPS.iter().position(|(s, _)| *s == step).unwrap_or(0);
        Self {
            chrome,
            refused: String::new(),
            step,
            steps: STEPS
                .iter()
                .enumerate()
                .map(|(i, (s, l))| (*s, *l, i == at, i < at))
                .collect(),
            hidden: Vec::new(),
            errors: Errs::default(),
            choices: Vec::new(),
            seller: String::new(),
            type_label: String::new(),
            type_description: String::new(),
            name: String::new(),
            environment: "test".into(),
            endpoint_test: String::new(),
            endpoint_live: String::new(),
            creds: Vec::new(),
            criteria: None,
            emails: String::new(),
            summary: Vec::new(),
            criteria_summary: Vec::new(),
            email_list: Vec::new(),
            accept: false,
        }
    }
}

pub async fn start(State(app): State<App>, portal: Portal) -> PageResult<Response> {
    let mut page = WizardPage::new(portal.clone().with_nav("connections").chrome, "partner");
    if let Some(m) = refusal(&app, &portal).await? {
        page.refused = m;
        return super::render_status(&page, StatusCode::FORBIDDEN);
    }
    let partners = app.partners(&portal.caller).await?;
    page.choices = choices(&partners, "");
    super::render_status(&page, StatusCode::OK)
}

/// The posted credential value texts of the schema's fields (those of
/// every alternative too), with defaults (and the registered endpoint for
/// `url`) where none was posted.
fn cred_texts(
    specs: &[Spec],
    form: &Fields,
    schema: &SchemaView,
    env: &str,
    on_step: bool,
) -> Vec<(String, String)> {
    let (endpoint, other) = if env == "live" {
        (&schema.endpoints.live, &schema.endpoints.test)
    } else {
        (&schema.endpoints.test, &schema.endpoints.live)
    };
    form_keys(specs)
        .into_iter()
        .map(|(key, s)| {
            // An unchecked checkbox posts nothing.
            let mut v = if s.kind == "boolean" && (on_step || form.has(&key)) {
                form.checked(&key).to_string()
            } else if form.has(&key) {
                form.get(&key).to_owned()
            } else {
                s.default.as_ref().map(text_of).unwrap_or_default()
            };
            if key == "cred.url" && (v.trim().is_empty() || v.trim() == other.as_str()) {
                v.clone_from(endpoint);
            }
            (key, v)
        })
        .collect()
}

pub async fn step(
    State(app): State<App>,
    PageForm(portal, form): PageForm<Fields>,
) -> PageResult<Response> {
    let chrome = portal.clone().with_nav("connections").chrome;
    if let Some(m) = refusal(&app, &portal).await? {
        let mut page = WizardPage::new(chrome, "partner");
        page.refused = m;
        return super::render_status(&page, StatusCode::FORBIDDEN);
    }
    let st = State_ {
        partner: form.get("partner").to_owned(),
        name: form.get("name").to_owned(),
        environment: match form.get("environment") {
            "live" => "live".to_owned(),
            _ => "test".to_owned(),
        },
        emails: if form.has("emails") {
            form.get("emails").to_owned()
        } else {
            portal.caller.user.email.clone()
        },
        accept: form.checked("accept"),
    };
    let shown: usize = match form.get("step") {
        "configuration" => 1,
        "notifications" => 2,
        "review" => 3,
        _ => 0,
    };
    let go = form.get("go");
    let schema = match split_partner(&st.partner) {
        Some((id, kind)) => match app.partner_schema(&portal.caller, id, &kind).await {
            Ok(s) => Some(s),
            Err(AppError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let fields = schema
        .as_ref()
        .map(|s| specs(&s.fields))
        .unwrap_or_default();
    let creds = schema
        .as_ref()
        .map(|s| cred_texts(&fields, &form, s, &st.environment, shown == 1))
        .unwrap_or_default();
    let cred_form = Fields(creds.clone());
    let credentials = credentials_from(&fields, &cred_form);
    let criteria = Criteria::from_form(&form);
    // Numbers that do not parse, reported with the step's other errors.
    let mut unreadable = Errs::default();
    let criteria_value = criteria.to_value(&mut unreadable);
    let (seller_id, kind) = split_partner(&st.partner).unzip();
    let input = |step: &str| StepInput {
        step: step.into(),
        seller_id,
        connection_type: kind.clone(),
        name: Some(st.name.clone()),
        environment: Some(st.environment.clone()),
        credentials: Some(credentials.clone()),
        notification_emails: Some(emails_from(&st.emails)),
        accept_financial_responsibility: Some(st.accept),
        search_criteria: criteria_value.clone(),
    };
    let mut errors = Errs::default();
    let target = match go {
        "back" => shown.saturating_sub(1),
        "confirm" if shown == 3 && unreadable.any() => {
            errors = unreadable;
            1
        }
        "confirm" if shown == 3 => {
            let req = ConnectionRequest {
                seller_id: seller_id.unwrap_or_default(),
                connection_type: kind.clone().unwrap_or_default(),
                name: st.name.clone(),
                environment: st.environment.clone(),
                credentials: credentials.clone(),
                notification_emails: emails_from(&st.emails),
                accept_financial_responsibility: st.accept,
                search_criteria: criteria_value.clone(),
            };
            match app.request_connection(&portal.caller, req, None).await {
                Ok(created) => {
                    return Ok(redirect_with_notice(
                        &format!("/connections/{}", created.id.0),
                        "Connection requested. We are testing the seller's system with it; \
                         this page shows every step.",
                    ));
                }
                Err(e) => errors = Errs::from_app(e)?,
            }
            // Configuration errors go back to where their inputs are.
            let config = ["name", "environment", "credentials", "search_criteria"];
            if config.iter().any(|f| errors.has(f)) {
                1
            } else {
                3
            }
        }
        _ => {
            let name = STEPS[shown].0;
            if let Err(e) = app
                .validate_connection_step(&portal.caller, input(name))
                .await
            {
                errors = Errs::from_app(e)?;
            }
            if shown == 1 {
                errors.merge(unreadable);
            }
            if errors.any() { shown } else { shown + 1 }
        }
    };
    // Without a known connection type only the first step can be shown.
    let target = if schema.is_none() { 0 } else { target.min(3) };
    let step_name = STEPS[target].0;
    let mut page = WizardPage::new(chrome, step_name);
    page.errors = errors;
    page.name.clone_from(&st.name);
    page.environment.clone_from(&st.environment);
    page.emails.clone_from(&st.emails);
    page.accept = st.accept;
    // Everything not on the shown step travels in hidden inputs.
    let mut hidden = Vec::new();
    if target != 0 {
        hidden.push(("partner".to_owned(), st.partner.clone()));
    }
    if target != 1 && schema.is_some() {
        hidden.push(("name".to_owned(), st.name.clone()));
        hidden.push(("environment".to_owned(), st.environment.clone()));
        hidden.extend(creds.iter().cloned());
        hidden.extend(criteria.pairs().into_iter().filter(|(_, v)| !v.is_empty()));
    }
    if target != 2 && form.has("emails") {
        hidden.push(("emails".to_owned(), st.emails.clone()));
    }
    page.hidden = hidden;
    match target {
        0 => {
            let partners = app.partners(&portal.caller).await?;
            page.choices = choices(&partners, &st.partner);
        }
        1 => {
            if let Some(s) = &schema {
                page.seller.clone_from(&s.seller);
                page.type_label = s.title.clone().unwrap_or_else(|| s.label.to_owned());
                page.type_description = s.description.clone().unwrap_or_default();
                page.endpoint_test.clone_from(&s.endpoints.test);
                page.endpoint_live.clone_from(&s.endpoints.live);
            }
            page.creds = inputs(&fields, "new", &cred_form, &page.errors, false);
            page.criteria = Some(CriteriaInputs::new(
                "new",
                criteria,
                &page.errors,
                &app.config.connections.market,
            ));
        }
        2 => {}
        _ => {
            if let Some(s) = &schema {
                page.seller.clone_from(&s.seller);
                page.type_label = s.title.clone().unwrap_or_else(|| s.label.to_owned());
            }
            page.summary = settings(&fields, &credentials, true);
            page.criteria_summary = criteria.summary();
            page.email_list = emails_from(&st.emails);
        }
    }
    let status = if page.errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    super::render_status(&page, status)
}
