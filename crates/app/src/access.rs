//! Who is calling, and the capabilities that unlock each kind of use case.
//! A staff-only service takes a [`StaffCap`], which only [`Caller::staff`]
//! hands out, so no handler can reach it by forgetting a check.

use crate::{App, AppError, AppResult};
use frontdesk_domain::org::MemberRole;
use frontdesk_domain::{OrgId, UserId};
use frontdesk_store::CaseScope;
use frontdesk_store::orgs::{Membership, Team};
use frontdesk_store::users::User;

#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub memberships: Vec<Membership>,
    /// The organization the caller acts in (header, query or first membership).
    pub current: Option<Membership>,
    pub teams: Vec<Team>,
}

/// A partner acting inside their current organization.
#[derive(Debug, Clone, Copy)]
pub struct PartnerCap {
    pub user: UserId,
    pub org: OrgId,
    pub role: MemberRole,
    /// May see every case of the organization (the Company tab).
    pub company: bool,
}

/// A member of at least one staff team, or an administrator.
#[derive(Debug, Clone)]
pub struct StaffCap {
    pub user: UserId,
    pub name: String,
    pub teams: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct AdminCap {
    pub user: UserId,
}

impl Caller {
    pub fn is_staff(&self) -> bool {
        self.user.is_admin || !self.teams.is_empty()
    }

    pub fn partner(&self) -> AppResult<PartnerCap> {
        let m = self.current.as_ref().ok_or_else(|| {
            AppError::Forbidden("you are not a member of any organization".into())
        })?;
        Ok(PartnerCap {
            user: self.user.id,
            org: m.org.id,
            role: m.role,
            company: m.org.company_visibility.allows(m.role),
        })
    }

    pub fn staff(&self) -> AppResult<StaffCap> {
        if !self.is_staff() {
            return Err(AppError::Forbidden(
                "this is for frontdesk staff only".into(),
            ));
        }
        Ok(StaffCap {
            user: self.user.id,
            name: self.user.name.clone(),
            teams: self.teams.iter().map(|t| t.slug.clone()).collect(),
        })
    }

    pub fn admin(&self) -> AppResult<AdminCap> {
        if !self.user.is_admin {
            return Err(AppError::Forbidden(
                "this is for administrators only".into(),
            ));
        }
        Ok(AdminCap { user: self.user.id })
    }

    /// The scope of case reads: staff see everything, partners their
    /// organization (and within it what the Company-tab setting allows).
    pub fn case_scope(&self) -> AppResult<CaseScope> {
        if self.is_staff() {
            return Ok(CaseScope::Staff);
        }
        let p = self.partner()?;
        Ok(CaseScope::Partner {
            org: p.org,
            user: p.user,
            company: p.company,
        })
    }
}

impl App {
    /// Resolves a bearer secret into a caller acting in `org` (an id or a
    /// code; default: the first membership).
    pub async fn caller(&self, secret: &str, org: Option<&str>) -> AppResult<Caller> {
        let digest = crate::auth::digest(secret);
        let (user, _) = self
            .store
            .authenticate(&digest, self.now())
            .await?
            .ok_or_else(|| {
                AppError::Unauthenticated(
                    "the token is invalid or has expired; sign in again".into(),
                )
            })?;
        let (memberships, teams) = tokio::try_join!(
            self.store.memberships(user.id),
            self.store.user_teams(user.id)
        )?;
        let current = match org.map(str::trim).filter(|s| !s.is_empty()) {
            None => memberships.first().cloned(),
            Some(wanted) => Some(
                memberships
                    .iter()
                    .find(|m| m.org.id.0.to_string() == wanted || m.org.code == wanted)
                    .cloned()
                    .ok_or_else(|| {
                        AppError::Forbidden(format!(
                            "you are not a member of organization {wanted:?}"
                        ))
                    })?,
            ),
        };
        Ok(Caller {
            user,
            memberships,
            current,
            teams,
        })
    }
}
