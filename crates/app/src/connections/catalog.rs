//! The sellers on offer (the wizard's first step) and administrators'
//! editing of seller listings and connection types.

use super::{kind_label, parse_kind};
use crate::{App, AppError, AppResult, Caller, FieldError};
use frontdesk_activation::SearchCriteria;
use frontdesk_activation::endpoints::check_endpoint;
use frontdesk_activation::schema::{CredentialSchema, Field};
use frontdesk_domain::{EmailAddress, OrgId};
use frontdesk_store::connections::{ConnectionTypeRecord, SellerRecord};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Serialize)]
pub struct PartnerType {
    /// `pull` or `push`.
    pub kind: String,
    pub label: &'static str,
    pub title: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PartnerView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub description: String,
    /// Whether the buyer asking has a commercial contract (without one,
    /// requests are refused and name the sales contact).
    pub contract: bool,
    pub types: Vec<PartnerType>,
}

/// The schema of one connection type, for building the form.
#[derive(Debug, Clone, Serialize)]
pub struct SchemaView {
    pub seller_id: i64,
    pub seller: String,
    pub kind: String,
    pub label: &'static str,
    pub title: Option<String>,
    pub description: Option<String>,
    pub schema: Value,
    pub fields: Vec<Field>,
    /// The registered endpoints: a `url` field is pre-filled with the one
    /// of the chosen environment.
    pub endpoints: Endpoints,
}

#[derive(Debug, Clone, Serialize)]
pub struct Endpoints {
    pub test: String,
    pub live: String,
}

/// Administrators: a seller's listing.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SellerInput {
    pub active: bool,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub activation_contacts: Vec<String>,
}

/// Administrators: one connection type of a seller.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionTypeInput {
    pub spec: Value,
    pub endpoint_test: String,
    pub endpoint_live: String,
    #[serde(default)]
    pub default_search: Option<Value>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// A seller with its types, for the admin pages and API.
#[derive(Debug, Clone, Serialize)]
pub struct SellerAdminView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub active: bool,
    pub org_active: bool,
    pub description: String,
    pub activation_contacts: Vec<String>,
    pub types: Vec<TypeAdminView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TypeAdminView {
    pub kind: String,
    pub spec: Value,
    pub endpoint_test: String,
    pub endpoint_live: String,
    pub default_search: Option<Value>,
    pub active: bool,
}

fn type_view(t: &ConnectionTypeRecord) -> TypeAdminView {
    TypeAdminView {
        kind: t.kind.clone(),
        spec: serde_json::from_str(&t.spec).unwrap_or(Value::Null),
        endpoint_test: t.endpoint_test.clone(),
        endpoint_live: t.endpoint_live.clone(),
        default_search: t
            .default_search
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok()),
        active: t.active,
    }
}

impl App {
    /// Active sellers with their active connection types; inactive ones are
    /// never listed.
    pub async fn partners(&self, caller: &Caller) -> AppResult<Vec<PartnerView>> {
        let m = caller.current.as_ref().ok_or_else(|| {
            AppError::Forbidden("you are not a member of any organization".into())
        })?;
        let contract = m.org.commercial_contract;
        let sellers = self.store.sellers().await?;
        let types = self.store.all_connection_types().await?;
        Ok(sellers
            .into_iter()
            .filter(SellerRecord::offered)
            .filter_map(|s| {
                let ts: Vec<PartnerType> = types
                    .iter()
                    .filter(|t| t.seller_id == s.org_id && t.active)
                    .filter_map(|t| {
                        let schema = super::stored_schema(t).ok()?;
                        Some(PartnerType {
                            kind: t.kind.clone(),
                            label: kind_label(&t.kind),
                            title: schema.title().map(str::to_owned),
                            description: schema.description().map(str::to_owned),
                        })
                    })
                    .collect();
                (!ts.is_empty()).then_some(PartnerView {
                    id: s.org_id.0,
                    code: s.code,
                    name: s.name,
                    description: s.description,
                    contract,
                    types: ts,
                })
            })
            .collect())
    }

    /// The form of one connection type of an offered seller.
    pub async fn partner_schema(
        &self,
        caller: &Caller,
        seller: i64,
        kind: &str,
    ) -> AppResult<SchemaView> {
        caller.partner()?;
        let s = self
            .store
            .seller(OrgId(seller))
            .await?
            .filter(SellerRecord::offered)
            .ok_or(AppError::NotFound("seller"))?;
        let kind = parse_kind(kind).ok_or(AppError::NotFound("connection type"))?;
        let t = self
            .store
            .connection_type(s.org_id, kind)
            .await?
            .filter(|t| t.active)
            .ok_or(AppError::NotFound("connection type"))?;
        let schema_json: Value = serde_json::from_str(&t.spec)
            .map_err(|e| AppError::Internal(format!("stored schema unreadable: {e}")))?;
        let schema = CredentialSchema::parse(&schema_json)
            .map_err(|_| AppError::Internal("stored schema no longer parses".into()))?;
        Ok(SchemaView {
            seller_id: s.org_id.0,
            seller: s.name,
            kind: t.kind.clone(),
            label: kind_label(&t.kind),
            title: schema.title().map(str::to_owned),
            description: schema.description().map(str::to_owned),
            fields: schema.fields().to_vec(),
            schema: schema_json,
            endpoints: Endpoints {
                test: t.endpoint_test,
                live: t.endpoint_live,
            },
        })
    }

    /// Every seller organization with its listing (administrators).
    pub async fn admin_sellers(&self, caller: &Caller) -> AppResult<Vec<SellerAdminView>> {
        caller.admin()?;
        let listed = self.store.sellers().await?;
        let types = self.store.all_connection_types().await?;
        let orgs = self.store.organizations().await?;
        Ok(orgs
            .into_iter()
            .filter(|o| o.is_seller)
            .map(|o| {
                let l = listed.iter().find(|s| s.org_id == o.id);
                SellerAdminView {
                    id: o.id.0,
                    code: o.code.clone(),
                    name: o.name.clone(),
                    active: l.is_some_and(|l| l.active),
                    org_active: o.active,
                    description: l.map(|l| l.description.clone()).unwrap_or_default(),
                    activation_contacts: l
                        .map(|l| l.activation_contacts.clone())
                        .unwrap_or_default(),
                    types: types
                        .iter()
                        .filter(|t| t.seller_id == o.id)
                        .map(type_view)
                        .collect(),
                }
            })
            .collect())
    }

    pub async fn admin_seller(&self, caller: &Caller, id: i64) -> AppResult<SellerAdminView> {
        self.admin_sellers(caller)
            .await?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or(AppError::NotFound("seller"))
    }

    /// Saves a seller's listing: offered or not, description, activation
    /// contacts.
    pub async fn admin_save_seller(
        &self,
        caller: &Caller,
        id: i64,
        input: SellerInput,
    ) -> AppResult<()> {
        caller.admin()?;
        let org = self
            .store
            .organization(OrgId(id))
            .await?
            .filter(|o| o.is_seller)
            .ok_or(AppError::NotFound("seller"))?;
        let mut errors = Vec::new();
        let mut contacts = Vec::new();
        for (i, c) in input.activation_contacts.iter().enumerate() {
            match EmailAddress::parse(c.trim()) {
                Ok(a) => contacts.push(a.as_str().to_owned()),
                Err(e) => errors.push(FieldError::new(
                    format!("activation_contacts[{i}]"),
                    e.to_string(),
                )),
            }
        }
        if input.active && contacts.is_empty() {
            errors.push(FieldError::new(
                "activation_contacts",
                "an offered seller needs at least one activation contact for fix links",
            ));
        }
        if input.description.chars().count() > 2000 {
            errors.push(FieldError::new("description", "at most 2000 characters"));
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        tx.upsert_seller(
            org.id,
            input.active,
            input.description.trim(),
            &contacts,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Saves a connection type after checking its schema against the
    /// subset of SELLER-API.md §5 and its endpoints against §1.
    pub async fn admin_save_connection_type(
        &self,
        caller: &Caller,
        seller: i64,
        kind: &str,
        input: ConnectionTypeInput,
    ) -> AppResult<()> {
        caller.admin()?;
        let org = self
            .store
            .organization(OrgId(seller))
            .await?
            .filter(|o| o.is_seller)
            .ok_or(AppError::NotFound("seller"))?;
        let record = self.checked_type(org.id, kind, input)?;
        let mut tx = self.store.begin().await?;
        if self.store.seller(org.id).await?.is_none() {
            tx.upsert_seller(org.id, false, "", &[], record.updated_at)
                .await?;
        }
        tx.upsert_connection_type(&record).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) fn checked_type(
        &self,
        seller: OrgId,
        kind: &str,
        input: ConnectionTypeInput,
    ) -> AppResult<ConnectionTypeRecord> {
        let kind =
            parse_kind(kind).ok_or_else(|| AppError::invalid("kind", "must be pull or push"))?;
        let mut errors = Vec::new();
        if let Err(es) = CredentialSchema::parse(&input.spec) {
            errors.extend(es.into_iter().map(|e| {
                let path = if e.path.is_empty() {
                    "spec".to_owned()
                } else {
                    format!("spec{}", e.path)
                };
                FieldError::new(path, e.message)
            }));
        }
        if let Err(e) = check_endpoint(input.endpoint_test.trim(), false) {
            errors.push(FieldError::new("endpoint_test", e));
        }
        if let Err(e) = check_endpoint(input.endpoint_live.trim(), true) {
            errors.push(FieldError::new("endpoint_live", e));
        }
        let default_search = match input.default_search.filter(|v| !v.is_null()) {
            None => None,
            Some(v) => match serde_json::from_value::<SearchCriteria>(v) {
                Ok(c) => match c.validate() {
                    Ok(()) => serde_json::to_string(&c).ok(),
                    Err(es) => {
                        errors.extend(es.into_iter().map(|e| {
                            FieldError::new(format!("default_search.{}", e.field), e.message)
                        }));
                        None
                    }
                },
                Err(e) => {
                    errors.push(FieldError::new("default_search", e.to_string()));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        Ok(ConnectionTypeRecord {
            seller_id: seller,
            kind: kind.to_owned(),
            spec: input.spec.to_string(),
            endpoint_test: input.endpoint_test.trim().to_owned(),
            endpoint_live: input.endpoint_live.trim().to_owned(),
            default_search,
            active: input.active,
            updated_at: self.now(),
        })
    }
}
