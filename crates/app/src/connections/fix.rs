//! The seller's side: the single-use fix link (no sign-in) and fixes made
//! by a signed-in user of the seller organization.

use super::read::{FieldView, field_views};
use super::request::AccessEdit;
use super::{credentials, kind_label};
use crate::cases::ActorRef;
use crate::{App, AppError, AppResult, Caller};
use frontdesk_domain::AccessId;
use frontdesk_domain::cases::Actor;
use frontdesk_domain::connections::{AccessEvent, AccessStatus};
use frontdesk_store::connections::{AccessRecord, AccessScope};
use serde::Serialize;
use serde_json::Value;

/// What the fix page shows: that access's non-secret settings and the
/// fields to fix, nothing else.
#[derive(Debug, Clone, Serialize)]
pub struct FixView {
    pub buyer_name: String,
    pub seller_name: String,
    pub connection_type: String,
    pub environment: String,
    pub name: String,
    /// The schema's fields with current values (secrets blank).
    pub fields: Vec<FieldView>,
    pub search_criteria: Option<Value>,
    /// Why the activation needs the seller (the failing step's message).
    pub reason: Option<String>,
    pub expires_at: i64,
}

impl App {
    async fn fix_target(&self, token: &str) -> AppResult<(AccessRecord, i64)> {
        let link = self
            .store
            .fix_link(&super::apply::hash_token(token))
            .await?
            .ok_or(AppError::NotFound("link"))?;
        let now = self.now();
        if link.used_at.is_some() || link.expires_at <= now {
            return Err(AppError::Conflict(
                "this link has expired or was already used; ask frontdesk's Connectivity team for a new one.".into(),
            ));
        }
        let access = self
            .store
            .access(AccessScope::Staff, link.access_id)
            .await?
            .ok_or(AppError::NotFound("link"))?;
        if access.status != AccessStatus::PendingSeller {
            return Err(AppError::Conflict(
                "this access no longer waits for a fix from you; thank you".into(),
            ));
        }
        Ok((access, link.expires_at.0))
    }

    /// The fix page behind a link.
    pub async fn fix_view(&self, token: &str) -> AppResult<FixView> {
        let (access, expires_at) = self.fix_target(token).await?;
        self.fix_view_of(&access, expires_at).await
    }

    pub(crate) async fn fix_view_of(
        &self,
        access: &AccessRecord,
        expires_at: i64,
    ) -> AppResult<FixView> {
        let (_, schema) = self.access_schema(access).await?;
        let masked = credentials::masked(&access.config);
        let reason = self
            .store
            .runs(access.id)
            .await?
            .into_iter()
            .find(|r| r.state == "finished")
            .and_then(|r| {
                serde_json::from_str::<frontdesk_activation::RunProgress>(&r.progress).ok()
            })
            .and_then(|p| {
                p.steps
                    .iter()
                    .find(|s| s.status == frontdesk_activation::StepStatus::Failed)
                    .and_then(|s| s.message.clone())
            });
        Ok(FixView {
            buyer_name: access.buyer_name.clone(),
            seller_name: access.seller_name.clone(),
            connection_type: kind_label(&access.kind).to_owned(),
            environment: access.environment.clone(),
            name: access.name.clone(),
            fields: field_views(&schema, &masked, true),
            search_criteria: access
                .search_criteria
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok()),
            reason,
            expires_at,
        })
    }

    /// Saves the fix page: spends the link and re-runs the activation.
    pub async fn fix_with_link(
        &self,
        token: &str,
        credentials: Option<Value>,
        search_criteria: Option<Value>,
    ) -> AppResult<AccessId> {
        let (access, _) = self.fix_target(token).await?;
        let actor = ActorRef {
            id: None,
            side: Actor::Partner,
            name: format!("{} (fix link)", access.seller_name),
            email: None,
        };
        let edit = AccessEdit {
            name: None,
            credentials,
            notification_emails: None,
            search_criteria,
        };
        self.change_access_config_as(
            AccessScope::Staff,
            &actor,
            access.id,
            edit,
            AccessEvent::SellerFix,
            "access_fixed_by_seller",
            Some(token),
        )
        .await?;
        Ok(access.id)
    }

    /// A signed-in seller user fixes an access requested to it.
    pub async fn seller_fix(
        &self,
        caller: &Caller,
        id: AccessId,
        credentials: Option<Value>,
        search_criteria: Option<Value>,
    ) -> AppResult<()> {
        let org = self.seller_org(caller)?;
        let edit = AccessEdit {
            name: None,
            credentials,
            notification_emails: None,
            search_criteria,
        };
        self.change_access_config(
            AccessScope::Seller(org),
            caller,
            id,
            edit,
            AccessEvent::SellerFix,
            "access_fixed_by_seller",
        )
        .await
    }

    /// The caller's current organization, when it is a seller.
    pub fn seller_org(&self, caller: &Caller) -> AppResult<frontdesk_domain::OrgId> {
        let m = caller.current.as_ref().ok_or_else(|| {
            AppError::Forbidden("you are not a member of any organization".into())
        })?;
        if !m.org.is_seller {
            return Err(AppError::Forbidden(
                "this is for seller organizations".into(),
            ));
        }
        Ok(m.org.id)
    }
}
