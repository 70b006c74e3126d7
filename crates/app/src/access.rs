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

/// Recently resolved tokens, so a busy client costs no identity queries.
/// Entries live a few seconds; sign-out and every administrative change in
/// this process clear them at once (other replicas see changes within the TTL).
#[derive(Debug, Default)]
pub struct AuthCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, Cached>>,
}

#[derive(Debug, Clone)]
struct Cached {
    at: std::time::Instant,
    user: User,
    expires_at: Option<frontdesk_domain::Timestamp>,
    memberships: Vec<Membership>,
    teams: Vec<Team>,
}

const AUTH_TTL: std::time::Duration = std::time::Duration::from_secs(5);
const AUTH_CACHE_MAX: usize = 50_000;

impl AuthCache {
    fn get(&self, digest: &str) -> Option<Cached> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(digest)
            .filter(|c| c.at.elapsed() < AUTH_TTL)
            .cloned()
    }

    fn put(&self, digest: String, cached: Cached) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= AUTH_CACHE_MAX {
            entries.retain(|_, c| c.at.elapsed() < AUTH_TTL);
            if entries.len() >= AUTH_CACHE_MAX {
                entries.clear();
            }
        }
        entries.insert(digest, cached);
    }

    pub fn forget(&self, digest: &str) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(digest);
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

impl App {
    /// Resolves a bearer secret into a caller acting in `org` (an id or a
    /// code; default: the first membership).
    pub async fn caller(&self, secret: &str, org: Option<&str>) -> AppResult<Caller> {
        let digest = crate::auth::digest(secret);
        let now = self.now();
        let cached = match self.auth_cache.get(&digest) {
            Some(c) if c.expires_at.is_none_or(|e| e > now) => c,
            _ => {
                let (user, token) =
                    self.store
                        .authenticate(&digest, now)
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
                let c = Cached {
                    at: std::time::Instant::now(),
                    user,
                    expires_at: token.expires_at,
                    memberships,
                    teams,
                };
                self.auth_cache.put(digest, c.clone());
                c
            }
        };
        let Cached {
            user,
            memberships,
            teams,
            ..
        } = cached;
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
