//! Organizations, memberships and staff teams.

use crate::sql::{flag, int, parsed, text};
use crate::users::{USER_COLUMNS, User, user_from};
use crate::{Store, StoreError, StoreResult, Tx};
use frontdesk_domain::org::{CompanyVisibility, MemberRole, TeamKind};
use frontdesk_domain::{OrgId, Timestamp, UserId};
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: OrgId,
    pub code: String,
    pub name: String,
    pub is_buyer: bool,
    pub is_seller: bool,
    pub active: bool,
    pub commercial_contract: bool,
    pub company_visibility: CompanyVisibility,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct NewOrganization {
    pub code: String,
    pub name: String,
    pub is_buyer: bool,
    pub is_seller: bool,
    pub active: bool,
    pub commercial_contract: bool,
    pub company_visibility: CompanyVisibility,
}

/// A user's place in one organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub org: Organization,
    pub role: MemberRole,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub kind: TeamKind,
}

const ORG_COLUMNS: &str = "o.id, o.code, o.name, o.is_buyer, o.is_seller, o.active, \
     o.commercial_contract, o.company_visibility, o.created_at";

fn org_from(row: &AnyRow) -> StoreResult<Organization> {
    Ok(Organization {
        id: OrgId(int(row, "id")?),
        code: text(row, "code")?,
        name: text(row, "name")?,
        is_buyer: flag(row, "is_buyer")?,
        is_seller: flag(row, "is_seller")?,
        active: flag(row, "active")?,
        commercial_contract: flag(row, "commercial_contract")?,
        company_visibility: parsed(row, "company_visibility", CompanyVisibility::parse)?,
        created_at: Timestamp(int(row, "created_at")?),
    })
}

fn team_from(row: &AnyRow) -> StoreResult<Team> {
    Ok(Team {
        id: int(row, "id")?,
        slug: text(row, "slug")?,
        name: text(row, "name")?,
        kind: parsed(row, "kind", TeamKind::parse)?,
    })
}

impl Store {
    pub async fn organizations(&self) -> StoreResult<Vec<Organization>> {
        let sql = format!("SELECT {ORG_COLUMNS} FROM organizations o ORDER BY o.name, o.id");
        let rows = sqlx::query(&sql).fetch_all(&self.read).await?;
        rows.iter().map(org_from).collect()
    }

    pub async fn organization(&self, id: OrgId) -> StoreResult<Option<Organization>> {
        let sql = format!("SELECT {ORG_COLUMNS} FROM organizations o WHERE o.id = $1");
        let row = sqlx::query(&sql)
            .bind(id.0)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(org_from).transpose()
    }

    pub async fn organization_by_code(&self, code: &str) -> StoreResult<Option<Organization>> {
        let sql = format!("SELECT {ORG_COLUMNS} FROM organizations o WHERE o.code = $1");
        let row = sqlx::query(&sql)
            .bind(code)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(org_from).transpose()
    }

    /// Every organization `user` belongs to, by name.
    pub async fn memberships(&self, user: UserId) -> StoreResult<Vec<Membership>> {
        let sql = format!(
            "SELECT {ORG_COLUMNS}, m.role FROM memberships m \
             JOIN organizations o ON o.id = m.org_id WHERE m.user_id = $1 ORDER BY o.name, o.id"
        );
        let rows = sqlx::query(&sql).bind(user.0).fetch_all(&self.read).await?;
        rows.iter()
            .map(|r| {
                Ok(Membership {
                    org: org_from(r)?,
                    role: parsed(r, "role", MemberRole::parse)?,
                })
            })
            .collect()
    }

    pub async fn teams(&self) -> StoreResult<Vec<Team>> {
        let rows = sqlx::query("SELECT id, slug, name, kind FROM teams ORDER BY kind DESC, name")
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(team_from).collect()
    }

    pub async fn team(&self, slug: &str) -> StoreResult<Option<Team>> {
        let row = sqlx::query("SELECT id, slug, name, kind FROM teams WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(team_from).transpose()
    }

    pub async fn user_teams(&self, user: UserId) -> StoreResult<Vec<Team>> {
        let rows = sqlx::query(
            "SELECT t.id, t.slug, t.name, t.kind FROM team_members tm \
             JOIN teams t ON t.id = tm.team_id WHERE tm.user_id = $1 ORDER BY t.name",
        )
        .bind(user.0)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(team_from).collect()
    }
}

impl Tx {
    pub async fn insert_organization(
        &mut self,
        org: &NewOrganization,
        now: Timestamp,
    ) -> StoreResult<OrgId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO organizations (code, name, is_buyer, is_seller, active, \
             commercial_contract, company_visibility, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&org.code)
        .bind(&org.name)
        .bind(org.is_buyer)
        .bind(org.is_seller)
        .bind(org.active)
        .bind(org.commercial_contract)
        .bind(org.company_visibility.as_str())
        .bind(now.0)
        .fetch_one(self.conn())
        .await
        .map_err(StoreError::from_write)?;
        Ok(OrgId(id))
    }

    /// Replaces the editable fields of an organization; `false` if it does not exist.
    pub async fn update_organization(
        &mut self,
        id: OrgId,
        org: &NewOrganization,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE organizations SET code = $2, name = $3, is_buyer = $4, is_seller = $5, \
             active = $6, commercial_contract = $7, company_visibility = $8 WHERE id = $1",
        )
        .bind(id.0)
        .bind(&org.code)
        .bind(&org.name)
        .bind(org.is_buyer)
        .bind(org.is_seller)
        .bind(org.active)
        .bind(org.commercial_contract)
        .bind(org.company_visibility.as_str())
        .execute(self.conn())
        .await
        .map_err(StoreError::from_write)?;
        Ok(done.rows_affected() == 1)
    }

    /// Adds `user` to `org`, or changes the role of an existing membership.
    pub async fn upsert_membership(
        &mut self,
        user: UserId,
        org: OrgId,
        role: MemberRole,
        now: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO memberships (user_id, org_id, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, org_id) DO UPDATE SET role = excluded.role",
        )
        .bind(user.0)
        .bind(org.0)
        .bind(role.as_str())
        .bind(now.0)
        .execute(self.conn())
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    pub async fn insert_team(
        &mut self,
        slug: &str,
        name: &str,
        kind: TeamKind,
    ) -> StoreResult<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO teams (slug, name, kind) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(slug)
        .bind(name)
        .bind(kind.as_str())
        .fetch_one(self.conn())
        .await
        .map_err(StoreError::from_write)?;
        Ok(id)
    }

    pub async fn add_team_member(&mut self, team_id: i64, user: UserId) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) \
             ON CONFLICT (team_id, user_id) DO NOTHING",
        )
        .bind(team_id)
        .bind(user.0)
        .execute(self.conn())
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }
}

/// Listings for the administration pages.
impl Store {
    /// Every membership of every user: (user, membership), by organization name.
    pub async fn all_memberships(&self) -> StoreResult<Vec<(UserId, Membership)>> {
        let sql = format!(
            "SELECT {ORG_COLUMNS}, m.role, m.user_id FROM memberships m \
             JOIN organizations o ON o.id = m.org_id ORDER BY o.name, o.id, m.user_id"
        );
        let rows = sqlx::query(&sql).fetch_all(&self.read).await?;
        rows.iter()
            .map(|r| {
                Ok((
                    UserId(int(r, "user_id")?),
                    Membership {
                        org: org_from(r)?,
                        role: parsed(r, "role", MemberRole::parse)?,
                    },
                ))
            })
            .collect()
    }

    /// The members of one organization with their role, by name.
    pub async fn organization_members(&self, org: OrgId) -> StoreResult<Vec<(User, MemberRole)>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, m.role FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.org_id = $1 ORDER BY u.name, u.id"
        );
        let rows = sqlx::query(&sql).bind(org.0).fetch_all(&self.read).await?;
        rows.iter()
            .map(|r| Ok((user_from(r)?, parsed(r, "role", MemberRole::parse)?)))
            .collect()
    }

    /// Every staff team membership: (team id, user).
    pub async fn all_team_members(&self) -> StoreResult<Vec<(i64, User)>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, tm.team_id FROM team_members tm \
             JOIN users u ON u.id = tm.user_id ORDER BY u.name, u.id"
        );
        let rows = sqlx::query(&sql).fetch_all(&self.read).await?;
        rows.iter()
            .map(|r| Ok((int(r, "team_id")?, user_from(r)?)))
            .collect()
    }
}

impl Tx {
    /// Ends `user`'s membership of `org`; `false` if there was none.
    pub async fn delete_membership(&mut self, user: UserId, org: OrgId) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND org_id = $2")
            .bind(user.0)
            .bind(org.0)
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Takes `user` out of a staff team; `false` if they were not in it.
    pub async fn remove_team_member(&mut self, team_id: i64, user: UserId) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2")
            .bind(team_id)
            .bind(user.0)
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
