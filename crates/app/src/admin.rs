//! Administration: organizations, users, memberships, staff and tokens.
//! Used by the CLI (which acts as the installation's owner) and by the
//! admin API, which requires an [`AdminCap`](crate::access::AdminCap).

use crate::auth::hash_password;
use crate::{App, AppError, AppResult};
use frontdesk_domain::org::{CompanyVisibility, MemberRole, TeamKind, is_valid_slug};
use frontdesk_domain::{EmailAddress, OrgId, UserId};
use frontdesk_store::StoreError;
use frontdesk_store::orgs::NewOrganization;
use frontdesk_store::tokens::TokenKind;

/// The teams every installation starts with.
pub const DEFAULT_TEAMS: [(&str, &str, TeamKind); 3] = [
    ("customer-care", "Customer Care", TeamKind::Support),
    ("connectivity", "Connectivity", TeamKind::Support),
    ("billing", "Billing", TeamKind::Support),
];

fn conflict(what: &str) -> impl Fn(StoreError) -> AppError + '_ {
    move |e| match e {
        StoreError::Conflict(_) => AppError::Conflict(format!("{what} already exists")),
        other => other.into(),
    }
}

impl App {
    async fn org_by_code(&self, code: &str) -> AppResult<frontdesk_store::orgs::Organization> {
        self.store
            .organization_by_code(code)
            .await?
            .ok_or(AppError::NotFound("organization"))
    }

    async fn team_by_slug(&self, slug: &str) -> AppResult<frontdesk_store::orgs::Team> {
        self.store
            .team(slug)
            .await?
            .ok_or(AppError::NotFound("team"))
    }

    /// Creates the default support teams when missing (idempotent).
    pub async fn ensure_default_teams(&self) -> AppResult<()> {
        for (slug, name, kind) in DEFAULT_TEAMS {
            if self.store.team(slug).await?.is_none() {
                self.create_team(slug, name, kind).await?;
            }
        }
        Ok(())
    }

    pub async fn create_team(&self, slug: &str, name: &str, kind: TeamKind) -> AppResult<i64> {
        if !is_valid_slug(slug) {
            return Err(AppError::invalid(
                "slug",
                "use 2-40 lower-case letters, digits and dashes",
            ));
        }
        let mut tx = self.store.begin().await?;
        let id = tx
            .insert_team(slug, name.trim(), kind)
            .await
            .map_err(conflict("team"))?;
        tx.commit().await?;
        self.auth_cache.clear();
        Ok(id)
    }

    pub async fn create_organization(&self, org: NewOrganization) -> AppResult<OrgId> {
        if !is_valid_slug(&org.code) {
            return Err(AppError::invalid(
                "code",
                "use 2-40 lower-case letters, digits and dashes",
            ));
        }
        if org.name.trim().is_empty() {
            return Err(AppError::invalid("name", "must not be empty"));
        }
        if !org.is_buyer && !org.is_seller {
            return Err(AppError::invalid(
                "profiles",
                "an organization is a buyer, a seller, or both",
            ));
        }
        let mut tx = self.store.begin().await?;
        let id = tx
            .insert_organization(&org, self.now())
            .await
            .map_err(conflict("an organization with this code"))?;
        tx.commit().await?;
        self.auth_cache.clear();
        Ok(id)
    }

    pub async fn create_user(
        &self,
        email: &str,
        name: &str,
        password: Option<&str>,
        admin: bool,
    ) -> AppResult<UserId> {
        let email =
            EmailAddress::parse(email).map_err(|e| AppError::invalid("email", e.to_string()))?;
        if name.trim().is_empty() {
            return Err(AppError::invalid("name", "must not be empty"));
        }
        let hash = match password {
            Some(p) => {
                let p = p.to_owned();
                Some(
                    tokio::task::spawn_blocking(move || hash_password(&p))
                        .await
                        .map_err(|e| AppError::Internal(e.to_string()))??,
                )
            }
            None => None,
        };
        let mut tx = self.store.begin().await?;
        let id = tx
            .insert_user(&email, name.trim(), hash.as_deref(), admin, self.now())
            .await
            .map_err(conflict("a user with this email"))?;
        tx.commit().await?;
        self.auth_cache.clear();
        Ok(id)
    }

    pub async fn set_membership(&self, user: &str, org: &str, role: MemberRole) -> AppResult<()> {
        let user = self.user_by_email(user).await?;
        let org = self.org_by_code(org).await?;
        let mut tx = self.store.begin().await?;
        tx.upsert_membership(user, org.id, role, self.now()).await?;
        tx.commit().await?;
        self.auth_cache.clear();
        Ok(())
    }

    pub async fn add_staff(&self, user: &str, team: &str) -> AppResult<()> {
        let user = self.user_by_email(user).await?;
        let team = self.team_by_slug(team).await?;
        let mut tx = self.store.begin().await?;
        tx.add_team_member(team.id, user).await?;
        tx.commit().await?;
        self.auth_cache.clear();
        Ok(())
    }

    /// Sets a new password (e.g. when a user forgot theirs).
    pub async fn set_password(&self, user: &str, password: &str) -> AppResult<()> {
        let user = self.user_by_email(user).await?;
        let password = password.to_owned();
        let hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??;
        let mut tx = self.store.begin().await?;
        tx.set_password(user, &hash).await?;
        tx.commit().await?;
        self.auth_cache.clear();
        Ok(())
    }

    /// Drops sign-in sessions past their expiry (run by the workers).
    pub async fn purge_expired_sessions(&self) -> AppResult<u64> {
        let mut tx = self.store.begin().await?;
        let n = tx.purge_expired_tokens(self.now()).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// A long-lived API token for a client program; shown once.
    pub async fn create_api_token(&self, user: &str, name: &str) -> AppResult<String> {
        let user = self.user_by_email(user).await?;
        self.issue_token(user, TokenKind::Api, name, None).await
    }

    pub async fn set_company_visibility(
        &self,
        org: OrgId,
        visibility: CompanyVisibility,
    ) -> AppResult<()> {
        let mut current = self
            .store
            .organization(org)
            .await?
            .ok_or(AppError::NotFound("organization"))?;
        current.company_visibility = visibility;
        let update = NewOrganization {
            code: current.code,
            name: current.name,
            is_buyer: current.is_buyer,
            is_seller: current.is_seller,
            active: current.active,
            commercial_contract: current.commercial_contract,
            company_visibility: visibility,
        };
        let mut tx = self.store.begin().await?;
        tx.update_organization(org, &update).await?;
        tx.commit().await?;
        self.auth_cache.clear();
        Ok(())
    }

    async fn user_by_email(&self, email: &str) -> AppResult<UserId> {
        let email =
            EmailAddress::parse(email).map_err(|e| AppError::invalid("email", e.to_string()))?;
        Ok(self
            .store
            .user_by_email(&email)
            .await?
            .ok_or(AppError::NotFound("user"))?
            .id)
    }
}

/// The administration pages' use cases (the pages check the caller's
/// [`AdminCap`](crate::access::AdminCap) first).
impl App {
    /// Changes an organization's name, profiles and flags (its code stays).
    pub async fn update_organization(&self, code: &str, org: NewOrganization) -> AppResult<()> {
        let current = self.org_by_code(code).await?;
        let name = org.name.trim();
        if name.is_empty() {
            return Err(AppError::invalid("name", "must not be empty"));
        }
        if !org.is_buyer && !org.is_seller {
            return Err(AppError::invalid(
                "profiles",
                "an organization is a buyer, a seller, or both",
            ));
        }
        let update = NewOrganization {
            code: current.code,
            name: name.to_owned(),
            ..org
        };
        let mut tx = self.store.begin().await?;
        tx.update_organization(current.id, &update).await?;
        tx.commit().await?;
        self.auth_cache.clear();
        Ok(())
    }

    /// Ends a user's membership of an organization.
    pub async fn remove_membership(&self, user: &str, org: &str) -> AppResult<()> {
        let user = self.user_by_email(user).await?;
        let org = self.org_by_code(org).await?;
        let mut tx = self.store.begin().await?;
        let removed = tx.delete_membership(user, org.id).await?;
        tx.commit().await?;
        self.auth_cache.clear();
        if removed {
            Ok(())
        } else {
            Err(AppError::NotFound("membership"))
        }
    }

    /// Takes a staff member out of a team.
    pub async fn remove_staff(&self, user: &str, team: &str) -> AppResult<()> {
        let user = self.user_by_email(user).await?;
        let team = self.team_by_slug(team).await?;
        let mut tx = self.store.begin().await?;
        let removed = tx.remove_team_member(team.id, user).await?;
        tx.commit().await?;
        self.auth_cache.clear();
        if removed {
            Ok(())
        } else {
            Err(AppError::NotFound("team member"))
        }
    }

    /// Changes a user's name, active and administrator flags. Deactivating
    /// ends every session and API token of the user at once.
    pub async fn update_user(
        &self,
        user: UserId,
        name: &str,
        active: bool,
        admin: bool,
    ) -> AppResult<()> {
        let name = name.trim();
        if name.is_empty() {
            return Err(AppError::invalid("name", "must not be empty"));
        }
        let mut tx = self.store.begin().await?;
        if !tx.update_user(user, name, active, admin).await? {
            return Err(AppError::NotFound("user"));
        }
        if !active {
            let ended = tx.delete_user_tokens(user).await?;
            tracing::info!(user_id = user.0, tokens = ended, "user deactivated");
        }
        tx.commit().await?;
        self.auth_cache.clear();
        Ok(())
    }
}
