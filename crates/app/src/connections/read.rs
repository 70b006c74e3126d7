//! Reading accesses: My connections (buyer or seller side), Connectivity's
//! queues and the access page, with credentials masked.

use super::{credentials, kind_label};
use crate::{App, AppError, AppResult, Caller};
use frontdesk_activation::schema::{CredentialSchema, Field, FieldType};
use frontdesk_activation::{RunProgress, StepRecord};
use frontdesk_domain::connections::AccessStatus;
use frontdesk_domain::{AccessId, OrgId};
use frontdesk_store::connections::{AccessQuery, AccessRecord, AccessRow, AccessScope, AccessSort};
use serde::Serialize;
use serde_json::Value;

/// Which side of My connections the caller looks at (the header's
/// profile switcher): a buyer's requests, or the requests to a seller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    Buyer,
    Seller,
    Staff,
}

#[derive(Debug, Clone, Default)]
pub struct AccessListInput {
    /// `buyer` or `seller`; by default the organization's profile (buyer
    /// first when it has both).
    pub view: Option<String>,
    pub statuses: Vec<String>,
    pub seller: Option<i64>,
    pub environment: Option<String>,
    pub name: Option<String>,
    pub sort: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccessSummary {
    pub id: i64,
    pub name: String,
    pub buyer: String,
    pub seller: String,
    pub connection_type: String,
    pub environment: String,
    pub status: AccessStatus,
    pub status_label: &'static str,
    pub status_meaning: &'static str,
    pub case_id: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_run_at: Option<i64>,
    pub last_run_summary: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccessPage {
    pub view: View,
    pub items: Vec<AccessSummary>,
    pub next_cursor: Option<String>,
}

/// A form field with the access's current value.
#[derive(Debug, Clone, Serialize)]
pub struct FieldView {
    #[serde(flatten)]
    pub field: Field,
    /// The current value: masked for secrets (or blank on edit forms).
    pub value: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunView {
    pub run: i64,
    pub cause: String,
    pub state: String,
    pub summary: Option<String>,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub steps: Vec<StepRecord>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccessDetail {
    #[serde(flatten)]
    pub summary: AccessSummary,
    pub buyer_id: i64,
    pub seller_id: i64,
    pub case_status: &'static str,
    /// Stored values, secrets masked (at most their last 2 characters).
    pub credentials: Value,
    pub fields: Vec<FieldView>,
    pub notification_emails: Vec<String>,
    pub search_criteria: Option<Value>,
    pub accepted_at: i64,
    /// Why Edit access is not possible now, if it is not.
    pub edit_blocked: Option<String>,
    pub runs: Vec<RunView>,
}

pub(crate) fn summary(row: &AccessRow) -> AccessSummary {
    AccessSummary {
        id: row.id.0,
        name: row.name.clone(),
        buyer: row.buyer_name.clone(),
        seller: row.seller_name.clone(),
        connection_type: kind_label(&row.kind).to_owned(),
        environment: row.environment.clone(),
        status: row.status,
        status_label: row.status.label(),
        status_meaning: row.status.meaning(),
        case_id: row.case_id.0,
        created_at: row.created_at.0,
        updated_at: row.updated_at.0,
        last_run_at: row.last_run_at.map(|t| t.0),
        last_run_summary: row.last_run_summary.clone(),
    }
}

/// The schema's fields in form order with current values; `for_edit`
/// leaves secrets blank ("leave blank to keep").
pub(crate) fn field_views(
    schema: &CredentialSchema,
    masked: &Value,
    for_edit: bool,
) -> Vec<FieldView> {
    schema
        .fields()
        .iter()
        .map(|f| {
            let value = masked.get(&f.name).cloned().unwrap_or(Value::Null);
            let value = if for_edit && f.secret {
                Value::String(String::new())
            } else if for_edit && f.field_type == FieldType::Alternatives {
                blank_nested_secrets(f, value)
            } else {
                value
            };
            FieldView {
                field: f.clone(),
                value,
            }
        })
        .collect()
}

fn blank_nested_secrets(f: &Field, mut value: Value) -> Value {
    if let Some(obj) = value.as_object_mut() {
        for alt in &f.alternatives {
            for b in alt.fields.iter().filter(|b| b.secret) {
                if obj.contains_key(&b.name) {
                    obj.insert(b.name.clone(), Value::String(String::new()));
                }
            }
        }
    }
    value
}

fn parse_cursor(raw: &str) -> Option<(i64, i64)> {
    let (k, i) = raw.split_once('_')?;
    Some((k.parse().ok()?, i.parse().ok()?))
}

impl App {
    /// The view a caller gets by default or asks for, and its scope.
    pub fn access_view(
        &self,
        caller: &Caller,
        asked: Option<&str>,
    ) -> AppResult<(View, AccessScope)> {
        let m = caller.current.as_ref().ok_or_else(|| {
            AppError::Forbidden("you are not a member of any organization".into())
        })?;
        let org: OrgId = m.org.id;
        let view = match asked {
            Some("seller") if m.org.is_seller => View::Seller,
            Some("buyer") if m.org.is_buyer => View::Buyer,
            Some("seller" | "buyer") => {
                return Err(AppError::Forbidden(format!(
                    "{} does not have that profile",
                    m.org.name
                )));
            }
            Some(other) => {
                return Err(AppError::invalid(
                    "view",
                    format!("must be buyer or seller, not {other:?}"),
                ));
            }
            None if m.org.is_buyer => View::Buyer,
            None if m.org.is_seller => View::Seller,
            None => {
                return Err(AppError::Forbidden(
                    "connections are for buyer and seller organizations".into(),
                ));
            }
        };
        let scope = match view {
            View::Seller => AccessScope::Seller(org),
            _ => AccessScope::Buyer(org),
        };
        Ok((view, scope))
    }

    pub async fn list_accesses(
        &self,
        caller: &Caller,
        input: AccessListInput,
    ) -> AppResult<AccessPage> {
        let (view, scope) = self.access_view(caller, input.view.as_deref())?;
        self.access_page(view, scope, input).await
    }

    /// Connectivity's list: every organization's accesses.
    pub async fn staff_accesses(
        &self,
        caller: &Caller,
        input: AccessListInput,
    ) -> AppResult<AccessPage> {
        caller.staff()?;
        self.access_page(View::Staff, AccessScope::Staff, input)
            .await
    }

    async fn access_page(
        &self,
        view: View,
        scope: AccessScope,
        input: AccessListInput,
    ) -> AppResult<AccessPage> {
        let mut statuses = Vec::new();
        for s in input
            .statuses
            .iter()
            .flat_map(|s| s.split(','))
            .filter(|s| !s.is_empty())
        {
            statuses.push(AccessStatus::parse(s).ok_or_else(|| {
                AppError::invalid(
                    "status",
                    "must be pending, pending_seller, working, not_working or not_completed",
                )
            })?);
        }
        let sort = match input.sort.as_deref() {
            None | Some("") => AccessSort::UpdatedDesc,
            Some(s) => AccessSort::parse(s).ok_or_else(|| {
                AppError::invalid(
                    "sort",
                    "must be updated_desc, updated_asc, created_desc or created_asc",
                )
            })?,
        };
        let after = match input.cursor.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => Some(
                parse_cursor(c)
                    .ok_or_else(|| AppError::invalid("cursor", "is not a cursor from this list"))?,
            ),
            None => None,
        };
        let environment = match input.environment.as_deref().filter(|e| !e.is_empty()) {
            Some(e) => Some(
                super::parse_environment(e)
                    .ok_or_else(|| AppError::invalid("environment", "must be test or live"))?
                    .to_owned(),
            ),
            None => None,
        };
        let limit = input.limit.unwrap_or(25);
        if !(1..=100).contains(&limit) {
            return Err(AppError::invalid("limit", "must be between 1 and 100"));
        }
        let q = AccessQuery {
            statuses,
            seller: input.seller.map(OrgId),
            environment,
            name: input
                .name
                .filter(|n| !n.trim().is_empty())
                .map(|n| n.trim().to_owned()),
            sort,
            after,
            limit: limit + 1,
        };
        let mut rows = self.store.list_accesses(scope, &q).await?;
        let next_cursor = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last()
                .map(|r| format!("{}_{}", sort.key_of(r), r.id.0))
        } else {
            None
        };
        Ok(AccessPage {
            view,
            items: rows.iter().map(summary).collect(),
            next_cursor,
        })
    }

    /// The access page. Buyers see their own, sellers the ones requested
    /// to them, staff every one; anyone else gets 404.
    pub async fn access_detail(&self, caller: &Caller, id: AccessId) -> AppResult<AccessDetail> {
        let access = self.visible_access(caller, id).await?;
        self.detail_of(&access).await
    }

    pub(crate) async fn visible_access(
        &self,
        caller: &Caller,
        id: AccessId,
    ) -> AppResult<AccessRecord> {
        let scopes: Vec<AccessScope> = if caller.is_staff() {
            vec![AccessScope::Staff]
        } else {
            match caller.current.as_ref() {
                Some(m) => {
                    let mut s = Vec::new();
                    if m.org.is_buyer {
                        s.push(AccessScope::Buyer(m.org.id));
                    }
                    if m.org.is_seller {
                        s.push(AccessScope::Seller(m.org.id));
                    }
                    s
                }
                None => Vec::new(),
            }
        };
        for scope in scopes {
            if let Some(a) = self.store.access(scope, id).await? {
                return Ok(a);
            }
        }
        Err(AppError::NotFound("access"))
    }

    pub(crate) async fn detail_of(&self, access: &AccessRecord) -> AppResult<AccessDetail> {
        let runs = self.store.runs(access.id).await?;
        let last = runs.iter().find(|r| r.run == access.run);
        let row = AccessRow {
            id: access.id,
            buyer_name: access.buyer_name.clone(),
            seller_name: access.seller_name.clone(),
            kind: access.kind.clone(),
            environment: access.environment.clone(),
            name: access.name.clone(),
            status: access.status,
            case_id: access.case_id,
            created_at: access.created_at,
            updated_at: access.updated_at,
            last_run_at: runs.iter().filter_map(|r| r.finished_at).max(),
            last_run_summary: last.and_then(|r| r.summary.clone()),
        };
        let masked = credentials::masked(&access.config);
        let fields = match self
            .store
            .connection_type(access.seller_id, &access.kind)
            .await?
        {
            Some(t) => super::stored_schema(&t)
                .ok()
                .map(|schema| field_views(&schema, &masked, false))
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let edit_blocked = if access.status.edit_blocked() {
            Some(frontdesk_domain::connections::AccessRejection::EditBlocked.to_string())
        } else if access.status.is_final() {
            Some(frontdesk_domain::connections::AccessRejection::Final.to_string())
        } else {
            None
        };
        Ok(AccessDetail {
            summary: summary(&row),
            buyer_id: access.buyer_id.0,
            seller_id: access.seller_id.0,
            case_status: access.status.case_status().label(),
            credentials: masked,
            fields,
            notification_emails: access.notification_emails.clone(),
            search_criteria: access
                .search_criteria
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok()),
            accepted_at: access.accepted_at.0,
            edit_blocked,
            runs: runs
                .iter()
                .map(|r| RunView {
                    run: r.run,
                    cause: r.cause.clone(),
                    state: r.state.clone(),
                    summary: r.summary.clone(),
                    created_at: r.created_at.0,
                    started_at: r.started_at.map(|t| t.0),
                    finished_at: r.finished_at.map(|t| t.0),
                    steps: serde_json::from_str::<RunProgress>(&r.progress)
                        .map(|p| p.steps)
                        .unwrap_or_default(),
                })
                .collect(),
        })
    }

    /// Status counts for Connectivity's queue tiles.
    pub async fn access_counts(&self, caller: &Caller) -> AppResult<Vec<(AccessStatus, i64)>> {
        caller.staff()?;
        Ok(self.store.access_counts().await?)
    }
}
