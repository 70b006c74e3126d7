//! The wizard's use cases: validating a step, requesting a connection
//! (access + Connections case + first activation run in one transaction),
//! editing an access and cancelling it.

use super::apply::{ApplyInput, case_subject};
use super::{credentials, parse_environment, parse_kind};
use crate::cases::{ActorRef, CaseSeed, IdempotencyKey, OpenItem};
use crate::{App, AppError, AppResult, Caller, FieldError};
use frontdesk_activation::SearchCriteria;
use frontdesk_activation::endpoints::{is_local, same_origin_as_any};
use frontdesk_activation::schema::{CredentialSchema, Credentials};
use frontdesk_domain::cases::{Actor, Category, Notice};
use frontdesk_domain::connections::{self as domain, AccessEvent};
use frontdesk_domain::{AccessId, CaseId, EmailAddress, OrgId};
use frontdesk_store::StoreError;
use frontdesk_store::cases::NewCase;
use frontdesk_store::connections::{AccessScope, ConnectionTypeRecord, NewAccess, SellerRecord};
use frontdesk_store::idempotency::StoredResponse;
use serde::Deserialize;
use serde_json::Value;

/// `POST /api/v1/connections`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionRequest {
    pub seller_id: i64,
    pub connection_type: String,
    pub name: String,
    pub environment: String,
    #[serde(default)]
    pub credentials: Value,
    #[serde(default)]
    pub notification_emails: Vec<String>,
    #[serde(default)]
    pub accept_financial_responsibility: bool,
    #[serde(default)]
    pub search_criteria: Option<Value>,
}

/// `POST /api/v1/connections/validate`: one wizard step, nothing stored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    /// `partner`, `configuration`, `notifications` or `review`.
    pub step: String,
    #[serde(default)]
    pub seller_id: Option<i64>,
    #[serde(default)]
    pub connection_type: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub credentials: Option<Value>,
    #[serde(default)]
    pub notification_emails: Option<Vec<String>>,
    #[serde(default)]
    pub accept_financial_responsibility: Option<bool>,
    #[serde(default)]
    pub search_criteria: Option<Value>,
}

/// `PATCH /api/v1/connections/{id}`: any subset; secrets left blank keep
/// their stored value.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessEdit {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub credentials: Option<Value>,
    #[serde(default)]
    pub notification_emails: Option<Vec<String>>,
    /// `null` clears the access's own criteria.
    #[serde(default, deserialize_with = "some_value")]
    pub search_criteria: Option<Value>,
}

fn some_value<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

#[derive(Debug, Clone)]
pub struct AccessCreated {
    pub id: AccessId,
    pub case_id: CaseId,
    pub replayed: bool,
}

/// A request that passed every check.
struct Checked {
    seller: SellerRecord,
    ctype: ConnectionTypeRecord,
    schema: CredentialSchema,
    creds: Credentials,
    environment: &'static str,
    kind: &'static str,
    name: String,
    emails: Vec<String>,
    criteria: Option<String>,
}

const MAX_EMAILS: usize = 10;

pub(crate) fn check_name(raw: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let name = raw.trim();
    if name.is_empty() {
        errors.push(FieldError::new(
            "name",
            "give the access a distinctive name, e.g. B2B",
        ));
        None
    } else if name.chars().count() > 80 {
        errors.push(FieldError::new("name", "at most 80 characters"));
        None
    } else if name.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "name",
            "must not contain control characters",
        ));
        None
    } else {
        Some(name.to_owned())
    }
}

pub(crate) fn check_emails(raw: &[String], errors: &mut Vec<FieldError>) -> Vec<String> {
    if raw.is_empty() {
        errors.push(FieldError::new(
            "notification_emails",
            "give at least one address to tell when activation completes",
        ));
    }
    if raw.len() > MAX_EMAILS {
        errors.push(FieldError::new(
            "notification_emails",
            format!("at most {MAX_EMAILS} addresses"),
        ));
    }
    let mut out = Vec::new();
    for (i, e) in raw.iter().enumerate() {
        match EmailAddress::parse(e.trim()) {
            Ok(a) => {
                let a = a.as_str().to_owned();
                if !out.contains(&a) {
                    out.push(a);
                }
            }
            Err(err) => errors.push(FieldError::new(
                format!("notification_emails[{i}]"),
                err.to_string(),
            )),
        }
    }
    out
}

pub(crate) fn check_criteria(raw: Option<&Value>, errors: &mut Vec<FieldError>) -> Option<String> {
    let raw = raw.filter(|v| !v.is_null())?;
    match serde_json::from_value::<SearchCriteria>(raw.clone()) {
        Ok(c) => {
            match c.validate() {
                Ok(()) => serde_json::to_string(&c).ok(),
                Err(es) => {
                    errors.extend(es.into_iter().map(|e| {
                        FieldError::new(format!("search_criteria.{}", e.field), e.message)
                    }));
                    None
                }
            }
        }
        Err(e) => {
            errors.push(FieldError::new("search_criteria", e.to_string()));
            None
        }
    }
}

/// Validates credentials against the schema and the URL rule of §1.
pub(crate) fn check_credentials(
    schema: &CredentialSchema,
    ctype: &ConnectionTypeRecord,
    submitted: &Value,
    errors: &mut Vec<FieldError>,
) -> Option<Credentials> {
    match schema.validate(submitted) {
        Ok(creds) => {
            if let Some(url) = creds.url() {
                let registered = [ctype.endpoint_test.as_str(), ctype.endpoint_live.as_str()];
                if !same_origin_as_any(url, &registered) {
                    errors.push(FieldError::new(
                        "credentials.url",
                        "must point at the seller's registered host (same scheme, host and port)",
                    ));
                    return None;
                }
                if is_local(url) && !registered.iter().any(|r| is_local(r)) {
                    errors.push(FieldError::new(
                        "credentials.url",
                        "addresses inside this machine are not allowed",
                    ));
                    return None;
                }
            }
            Some(creds)
        }
        Err(es) => {
            errors.extend(es.into_iter().map(|e| {
                let field = if e.field.is_empty() {
                    "credentials".to_owned()
                } else {
                    format!("credentials.{}", e.field)
                };
                FieldError::new(field, e.message)
            }));
            None
        }
    }
}

impl App {
    /// The buyer side of the caller, with the contract rule of PRODUCT.md.
    fn buyer(&self, caller: &Caller) -> AppResult<(crate::access::PartnerCap, String)> {
        let partner = caller.partner()?;
        let org = caller
            .current
            .as_ref()
            .map(|m| m.org.clone())
            .ok_or_else(|| {
                AppError::Forbidden("you are not a member of any organization".into())
            })?;
        if !org.is_buyer {
            return Err(AppError::Forbidden(
                "only buyer organizations request connections".into(),
            ));
        }
        if !org.commercial_contract {
            return Err(AppError::Forbidden(format!(
                "{} has no commercial contract yet, which connections need: please contact our sales team at {}",
                org.name, self.config.connections.sales_contact
            )));
        }
        Ok((partner, org.code))
    }

    /// The offered seller and connection type a request names.
    async fn offered_type(
        &self,
        seller_id: i64,
        kind: &str,
        errors: &mut Vec<FieldError>,
    ) -> AppResult<Option<(SellerRecord, ConnectionTypeRecord, CredentialSchema)>> {
        let seller = self.store.seller(OrgId(seller_id)).await?;
        let Some(seller) = seller.filter(SellerRecord::offered) else {
            errors.push(FieldError::new("seller_id", "is not a seller on offer"));
            return Ok(None);
        };
        let Some(kind) = parse_kind(kind) else {
            errors.push(FieldError::new("connection_type", "must be pull or push"));
            return Ok(None);
        };
        let ctype = self.store.connection_type(seller.org_id, kind).await?;
        let Some(ctype) = ctype.filter(|t| t.active) else {
            errors.push(FieldError::new(
                "connection_type",
                format!("{} does not offer {kind}", seller.name),
            ));
            return Ok(None);
        };
        let schema = super::stored_schema(&ctype)?;
        Ok(Some((seller, ctype, schema)))
    }

    /// Checks one wizard step; `Ok` means the buyer may go on.
    pub async fn validate_connection_step(
        &self,
        caller: &Caller,
        input: StepInput,
    ) -> AppResult<()> {
        self.buyer(caller)?;
        let step = input.step.as_str();
        if !matches!(
            step,
            "partner" | "configuration" | "notifications" | "review"
        ) {
            return Err(AppError::invalid(
                "step",
                "must be partner, configuration, notifications or review",
            ));
        }
        let mut errors = Vec::new();
        let needs_type = matches!(step, "partner" | "configuration" | "review");
        if needs_type {
            match (&input.seller_id, &input.connection_type) {
                (Some(id), Some(kind)) => {
                    let found = self.offered_type(*id, kind, &mut errors).await?;
                    if let Some((_, ctype, schema)) = found
                        && matches!(step, "configuration" | "review")
                    {
                        check_name(input.name.as_deref().unwrap_or(""), &mut errors);
                        if input
                            .environment
                            .as_deref()
                            .and_then(parse_environment)
                            .is_none()
                        {
                            errors.push(FieldError::new("environment", "choose test or live"));
                        }
                        let creds = input
                            .credentials
                            .clone()
                            .unwrap_or(Value::Object(Default::default()));
                        check_credentials(&schema, &ctype, &creds, &mut errors);
                        check_criteria(input.search_criteria.as_ref(), &mut errors);
                    }
                }
                (None, _) => errors.push(FieldError::new("seller_id", "choose a seller")),
                (_, None) => errors.push(FieldError::new("connection_type", "choose pull or push")),
            }
        }
        if matches!(step, "notifications" | "review") {
            check_emails(
                input.notification_emails.as_deref().unwrap_or(&[]),
                &mut errors,
            );
        }
        if step == "review" && input.accept_financial_responsibility != Some(true) {
            errors.push(FieldError::new(
                "accept_financial_responsibility",
                "confirm that your company takes financial responsibility for this connection",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(errors))
        }
    }

    async fn check_request(&self, req: &ConnectionRequest) -> AppResult<Checked> {
        let mut errors = Vec::new();
        let found = self
            .offered_type(req.seller_id, &req.connection_type, &mut errors)
            .await?;
        let name = check_name(&req.name, &mut errors);
        let environment = parse_environment(&req.environment);
        if environment.is_none() {
            errors.push(FieldError::new("environment", "choose test or live"));
        }
        let creds = found
            .as_ref()
            .and_then(|(_, t, s)| check_credentials(s, t, &req.credentials, &mut errors));
        let emails = check_emails(&req.notification_emails, &mut errors);
        let criteria = check_criteria(req.search_criteria.as_ref(), &mut errors);
        if !req.accept_financial_responsibility {
            errors.push(FieldError::new(
                "accept_financial_responsibility",
                "confirm that your company takes financial responsibility for this connection",
            ));
        }
        match (found, name, environment, creds) {
            (Some((seller, ctype, schema)), Some(name), Some(environment), Some(creds))
                if errors.is_empty() =>
            {
                let kind = parse_kind(&ctype.kind).unwrap_or("pull");
                Ok(Checked {
                    seller,
                    ctype,
                    schema,
                    creds,
                    environment,
                    kind,
                    name,
                    emails,
                    criteria,
                })
            }
            _ => Err(AppError::Invalid(errors)),
        }
    }

    /// Requests a connection: the access, its Connections case with the
    /// auto-response, and the first activation run, in one transaction.
    pub async fn request_connection(
        &self,
        caller: &Caller,
        req: ConnectionRequest,
        idempotency: Option<IdempotencyKey>,
    ) -> AppResult<AccessCreated> {
        let (partner, _) = self.buyer(caller)?;
        let keyring = self.keyring()?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        if let Some(key) = &idempotency
            && let Some(stored) = tx.idempotent_response(caller.user.id, &key.key).await?
        {
            return replay(&stored, key);
        }
        let c = self.check_request(&req).await?;
        let transition = domain::create();
        let subject = case_subject(&c.seller.name, c.kind, c.environment, &c.name);
        let new_access = NewAccess {
            buyer_id: partner.org,
            seller_id: c.seller.org_id,
            kind: c.kind.to_owned(),
            environment: c.environment.to_owned(),
            name: c.name.clone(),
            fingerprint: credentials::fingerprint(keyring, &c.creds),
            search_criteria: c.criteria.clone(),
            notification_emails: c.emails.clone(),
            requested_by: caller.user.id,
            case_id: CaseId(0),
            state: transition.state,
        };
        let fingerprints = credentials::fingerprints(keyring, &c.creds);
        if let Some(existing) = tx
            .duplicate_access(&new_access, &fingerprints, None)
            .await?
        {
            return Err(AppError::Conflict(format!(
                "you already requested this access: {}",
                self.config.access_url(existing)
            )));
        }
        let actor = ActorRef {
            id: Some(caller.user.id),
            side: Actor::Partner,
            name: caller.user.name.clone(),
            email: Some(caller.user.email.clone()),
        };
        let description = format!(
            "{} requested a {} {} access to {} named \"{}\". frontdesk tests the seller's system with it and reports every step here.\n\nNotification emails: {}",
            caller.user.name,
            c.environment,
            super::kind_label(c.kind),
            c.seller.name,
            c.name,
            c.emails.join(", ")
        );
        let item = OpenItem {
            new: NewCase {
                org_id: partner.org,
                category: Category::Connections,
                subject,
                description,
                requester_id: caller.user.id,
                team: Category::Connections.default_team().to_owned(),
                reopened_from: None,
            },
            seed: CaseSeed {
                org_name: caller
                    .current
                    .as_ref()
                    .map(|m| m.org.name.clone())
                    .unwrap_or_default(),
                requester_name: caller.user.name.clone(),
                requester_email: caller.user.email.clone(),
            },
            people: Vec::new(),
            actor: actor.clone(),
            notice: Notice::Received,
            kind: "created",
            handoff: None,
        };
        let (case, _) = self.open_case(&mut tx, item, now).await?;
        let id = tx
            .insert_access(
                &NewAccess {
                    case_id: case.id,
                    ..new_access
                },
                now,
            )
            .await?;
        let stored = credentials::seal(keyring, &c.schema, &c.creds, id)?;
        let fingerprint = credentials::fingerprint(keyring, &c.creds);
        tx.set_access_config(id, &stored, &fingerprint).await?;
        let record = tx
            .access_for_update(AccessScope::Staff, id)
            .await?
            .ok_or_else(|| AppError::Internal("the new access vanished".into()))?;
        let _ = &c.ctype;
        self.apply_access(
            &mut tx,
            &record,
            &transition,
            ApplyInput {
                actor: &actor,
                kind: "access_requested",
                message: None,
                progress: None,
            },
            now,
        )
        .await?;
        if let Some(key) = &idempotency {
            let stored = StoredResponse {
                request_hash: key.request_hash.clone(),
                status: 201,
                body: serde_json::json!({ "id": id.0, "case_id": case.id.0 }).to_string(),
            };
            match tx
                .save_idempotent_response(caller.user.id, &key.key, &stored, now)
                .await
            {
                Ok(()) => {}
                Err(StoreError::Conflict(_)) => {
                    drop(tx);
                    let stored = self
                        .store
                        .begin()
                        .await?
                        .idempotent_response(caller.user.id, &key.key)
                        .await?
                        .ok_or_else(|| AppError::Conflict("retry the request".into()))?;
                    return replay(&stored, key);
                }
                Err(e) => return Err(e.into()),
            }
        }
        tx.commit().await?;
        self.wake.notify_one();
        metrics::counter!("frontdesk_accesses_requested_total").increment(1);
        Ok(AccessCreated {
            id,
            case_id: case.id,
            replayed: false,
        })
    }

    /// Edit access: saves and re-runs the activation; refused while Not
    /// Working (Connectivity is reviewing) or once Not Completed.
    pub async fn edit_access(
        &self,
        caller: &Caller,
        id: AccessId,
        edit: AccessEdit,
    ) -> AppResult<()> {
        let partner = caller.partner()?;
        self.change_access_config(
            AccessScope::Buyer(partner.org),
            caller,
            id,
            edit,
            AccessEvent::BuyerEdit,
            "access_edited",
        )
        .await
    }

    /// Shared by the buyer's edit, the seller's fix and the fix link: checks
    /// the event applies, validates the new values, saves them and applies
    /// the transition (which queues a new run).
    pub(crate) async fn change_access_config(
        &self,
        scope: AccessScope,
        caller: &Caller,
        id: AccessId,
        edit: AccessEdit,
        event: AccessEvent,
        kind: &'static str,
    ) -> AppResult<()> {
        let actor = ActorRef {
            id: Some(caller.user.id),
            side: if caller.is_staff() && scope == AccessScope::Staff {
                Actor::Staff
            } else {
                Actor::Partner
            },
            name: caller.user.name.clone(),
            email: Some(caller.user.email.clone()),
        };
        self.change_access_config_as(scope, &actor, id, edit, event, kind, None)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn change_access_config_as(
        &self,
        scope: AccessScope,
        actor: &ActorRef,
        id: AccessId,
        edit: AccessEdit,
        event: AccessEvent,
        kind: &'static str,
        fix_token: Option<&str>,
    ) -> AppResult<()> {
        let keyring = self.keyring()?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let access = tx
            .access_for_update(scope, id)
            .await?
            .ok_or(AppError::NotFound("access"))?;
        let transition = domain::decide(access.state(), event, now, &self.connection_policy())
            .map_err(|r| AppError::Conflict(r.to_string()))?;
        if let Some(token) = fix_token
            && !tx
                .use_fix_link(&super::apply::hash_token(token), now)
                .await?
        {
            return Err(AppError::Conflict(
                "this link has expired or was already used".into(),
            ));
        }
        let mut errors = Vec::new();
        let name = match &edit.name {
            Some(n) => check_name(n, &mut errors),
            None => Some(access.name.clone()),
        };
        let emails = match &edit.notification_emails {
            Some(list) => check_emails(list, &mut errors),
            None => access.notification_emails.clone(),
        };
        let criteria = match &edit.search_criteria {
            Some(v) => check_criteria(Some(v), &mut errors),
            None => access.search_criteria.clone(),
        };
        if let Some(submitted) = &edit.credentials {
            let (ctype, schema) = self.access_schema(&access).await?;
            let stored_plain = credentials::open(keyring, &access.config, access.id)
                .unwrap_or(Value::Object(Default::default()));
            let mut submitted = submitted.clone();
            credentials::keep_blank_secrets(&schema, &mut submitted, &stored_plain);
            if let Some(creds) = check_credentials(&schema, &ctype, &submitted, &mut errors)
                && errors.is_empty()
            {
                let stored = credentials::seal(keyring, &schema, &creds, access.id)?;
                let fingerprint = credentials::fingerprint(keyring, &creds);
                tx.set_access_config(access.id, &stored, &fingerprint)
                    .await?;
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let name = name.unwrap_or_else(|| access.name.clone());
        tx.update_access_settings(access.id, &name, &emails, criteria.as_deref())
            .await?;
        let record = tx
            .access_for_update(AccessScope::Staff, id)
            .await?
            .ok_or(AppError::NotFound("access"))?;
        self.apply_access(
            &mut tx,
            &record,
            &transition,
            ApplyInput {
                actor,
                kind,
                message: None,
                progress: None,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The buyer cancels its request (Not Completed, final).
    pub async fn cancel_access(&self, caller: &Caller, id: AccessId) -> AppResult<()> {
        let partner = caller.partner()?;
        let actor = ActorRef {
            id: Some(caller.user.id),
            side: Actor::Partner,
            name: caller.user.name.clone(),
            email: Some(caller.user.email.clone()),
        };
        self.access_event(
            AccessScope::Buyer(partner.org),
            &actor,
            id,
            AccessEvent::BuyerCancel,
            "access_cancelled",
            Some("Cancelled by the buyer.".into()),
        )
        .await
    }

    /// Applies an event without configuration changes.
    pub(crate) async fn access_event(
        &self,
        scope: AccessScope,
        actor: &ActorRef,
        id: AccessId,
        event: AccessEvent,
        kind: &'static str,
        message: Option<String>,
    ) -> AppResult<()> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let access = tx
            .access_for_update(scope, id)
            .await?
            .ok_or(AppError::NotFound("access"))?;
        let transition = domain::decide(access.state(), event, now, &self.connection_policy())
            .map_err(|r| AppError::Conflict(r.to_string()))?;
        self.apply_access(
            &mut tx,
            &access,
            &transition,
            ApplyInput {
                actor,
                kind,
                message,
                progress: None,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn replay(stored: &StoredResponse, key: &IdempotencyKey) -> AppResult<AccessCreated> {
    if stored.request_hash != key.request_hash {
        return Err(AppError::invalid(
            "Idempotency-Key",
            "this key was already used with a different request; use a new key",
        ));
    }
    let body: Value = serde_json::from_str(&stored.body)
        .map_err(|_| AppError::Internal("stored idempotent response is unreadable".into()))?;
    let id = body.get("id").and_then(Value::as_i64);
    let case = body.get("case_id").and_then(Value::as_i64);
    match (id, case) {
        (Some(id), Some(case)) => Ok(AccessCreated {
            id: AccessId(id),
            case_id: CaseId(case),
            replayed: true,
        }),
        _ => Err(AppError::Internal(
            "stored idempotent response is unreadable".into(),
        )),
    }
}
