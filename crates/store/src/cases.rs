//! Cases: the tenant-scoped reads, the dashboard query and the writes.

use crate::sql::{Param, SqlBuilder, int, opt_int, opt_text, parsed, text};
use crate::{Backend, Store, StoreError, StoreResult, Tx};
use frontdesk_domain::cases::{CaseState, CaseStatus, Category};
use frontdesk_domain::{CaseId, OrgId, Timestamp, UserId};
use sqlx::any::AnyRow;

/// Who is looking, decided once by the application from the caller's
/// capabilities. Every case read filters by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseScope {
    /// A partner acting in one organization. `company` is whether they may
    /// see every case of it, or only the ones they requested or take part in.
    Partner {
        org: OrgId,
        user: UserId,
        company: bool,
    },
    /// Staff see every organization.
    Staff,
}

impl CaseScope {
    /// Appends the visibility condition for case alias `c`.
    fn restrict(self, sql: &mut SqlBuilder, mine_only: bool) {
        match self {
            Self::Partner { org, user, company } => {
                sql.push(" AND c.org_id = ").bind(Param::Int(org.0));
                if mine_only || !company {
                    sql.push(" AND (c.requester_id = ").bind(Param::Int(user.0));
                    sql.push(
                        " OR c.id IN (SELECT p.case_id FROM case_participants p WHERE p.user_id = ",
                    )
                    .bind(Param::Int(user.0))
                    .push("))");
                }
            }
            Self::Staff => {}
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    pub id: CaseId,
    pub org_id: OrgId,
    pub org_name: String,
    pub category: Category,
    pub subject: String,
    pub description: String,
    pub requester_id: UserId,
    pub requester_name: String,
    pub requester_email: String,
    pub status: CaseStatus,
    pub epoch: i64,
    pub team: String,
    pub assignee_id: Option<UserId>,
    pub assignee_name: Option<String>,
    pub reopened_from: Option<CaseId>,
    pub reopened_as: Option<CaseId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub status_changed_at: Timestamp,
    /// A Connections case's status as its access decides it
    /// (`delivered`, `pending_sellers_feedback`, …); `None` for other cases.
    pub connection_status: Option<String>,
}

impl CaseRecord {
    pub fn state(&self) -> CaseState {
        CaseState {
            status: self.status,
            epoch: self.epoch,
        }
    }
}

/// A dashboard row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSummary {
    pub id: CaseId,
    pub org_id: OrgId,
    pub category: Category,
    pub subject: String,
    pub requester_name: String,
    pub status: CaseStatus,
    pub team: String,
    pub assignee_name: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// See [`CaseRecord::connection_status`].
    pub connection_status: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewCase {
    pub org_id: OrgId,
    pub category: Category,
    pub subject: String,
    pub description: String,
    pub requester_id: UserId,
    pub team: String,
    pub reopened_from: Option<CaseId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// Everything not closed (the dashboard's default).
    Open,
    Closed,
    All,
    Is(CaseStatus),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Created,
    Updated,
    Status,
}

impl SortKey {
    fn column(self) -> &'static str {
        match self {
            Self::Created => "created_at",
            Self::Updated => "updated_at",
            Self::Status => "status_rank",
        }
    }

    /// The value of this key for a row, as stored in cursors.
    pub fn key_of(self, c: &CaseSummary) -> i64 {
        match self {
            Self::Created => c.created_at.0,
            Self::Updated => c.updated_at.0,
            Self::Status => c.status.rank(),
        }
    }
}

/// Whose cases a staff list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    User(UserId),
    Nobody,
}

/// The dashboard and queue query: filters, one sort, keyset pagination.
#[derive(Debug, Clone)]
pub struct CaseQuery {
    pub mine_only: bool,
    pub status: StatusFilter,
    pub category: Option<Category>,
    pub id: Option<CaseId>,
    /// Case-insensitive text the subject must contain.
    pub subject: Option<String>,
    /// Staff queues: the team the case is with.
    pub team: Option<String>,
    /// Staff: one organization only.
    pub org: Option<OrgId>,
    /// Staff: cases of one assignee, or nobody's.
    pub assignee: Option<AssigneeFilter>,
    pub sort: SortKey,
    pub descending: bool,
    pub limit: u32,
    /// Continue after this (sort key, id).
    pub after: Option<(i64, i64)>,
}

#[derive(Debug, Clone)]
pub struct CasePage {
    pub items: Vec<CaseSummary>,
    /// The cursor of the last row, when more rows follow.
    pub next: Option<(i64, i64)>,
}

const CASE_COLUMNS: &str = "c.id, c.org_id, o.name AS org_name, c.category, c.subject, \
     c.description, c.requester_id, r.name AS requester_name, r.email AS requester_email, \
     c.status, c.epoch, c.team, c.assignee_id, a.name AS assignee_name, c.reopened_from, \
     c.reopened_as, c.created_at, c.updated_at, c.status_changed_at, c.connection_status";
const CASE_FROM: &str = " FROM cases c JOIN organizations o ON o.id = c.org_id \
     JOIN users r ON r.id = c.requester_id LEFT JOIN users a ON a.id = c.assignee_id";

fn case_from(row: &AnyRow) -> StoreResult<CaseRecord> {
    Ok(CaseRecord {
        id: CaseId(int(row, "id")?),
        org_id: OrgId(int(row, "org_id")?),
        org_name: text(row, "org_name")?,
        category: parsed(row, "category", Category::parse)?,
        subject: text(row, "subject")?,
        description: text(row, "description")?,
        requester_id: UserId(int(row, "requester_id")?),
        requester_name: text(row, "requester_name")?,
        requester_email: text(row, "requester_email")?,
        status: parsed(row, "status", CaseStatus::parse)?,
        epoch: int(row, "epoch")?,
        team: text(row, "team")?,
        assignee_id: opt_int(row, "assignee_id")?.map(UserId),
        assignee_name: opt_text(row, "assignee_name")?,
        reopened_from: opt_int(row, "reopened_from")?.map(CaseId),
        reopened_as: opt_int(row, "reopened_as")?.map(CaseId),
        created_at: Timestamp(int(row, "created_at")?),
        updated_at: Timestamp(int(row, "updated_at")?),
        status_changed_at: Timestamp(int(row, "status_changed_at")?),
        connection_status: opt_text(row, "connection_status")?,
    })
}

fn summary_from(row: &AnyRow) -> StoreResult<CaseSummary> {
    Ok(CaseSummary {
        id: CaseId(int(row, "id")?),
        org_id: OrgId(int(row, "org_id")?),
        category: parsed(row, "category", Category::parse)?,
        subject: text(row, "subject")?,
        requester_name: text(row, "requester_name")?,
        status: parsed(row, "status", CaseStatus::parse)?,
        team: text(row, "team")?,
        assignee_name: opt_text(row, "assignee_name")?,
        created_at: Timestamp(int(row, "created_at")?),
        updated_at: Timestamp(int(row, "updated_at")?),
        connection_status: opt_text(row, "connection_status")?,
    })
}

fn one_case_sql(backend: Backend, scope: CaseScope, id: CaseId, suffix: &str) -> SqlBuilder {
    let mut sql = SqlBuilder::new(
        backend,
        &format!("SELECT {CASE_COLUMNS}{CASE_FROM} WHERE c.id = "),
    );
    sql.bind(Param::Int(id.0));
    scope.restrict(&mut sql, false);
    sql.push(suffix);
    sql
}

impl Store {
    /// The case if `scope` may see it; another organization's case is
    /// simply absent.
    pub async fn case(&self, scope: CaseScope, id: CaseId) -> StoreResult<Option<CaseRecord>> {
        let sql = one_case_sql(self.backend, scope, id, "");
        let row = sql.query().fetch_optional(&self.read).await?;
        row.as_ref().map(case_from).transpose()
    }

    pub async fn list_cases(&self, scope: CaseScope, q: &CaseQuery) -> StoreResult<CasePage> {
        let col = q.sort.column();
        let dir = if q.descending { "DESC" } else { "ASC" };
        let limit = i64::from(q.limit.clamp(1, 200));
        let mut sql = SqlBuilder::new(self.backend, "");
        match q.status {
            StatusFilter::Open => list_select(&mut sql, scope, q, false, limit),
            StatusFilter::Closed => list_select(&mut sql, scope, q, true, limit),
            StatusFilter::Is(s) => list_select(&mut sql, scope, q, s.is_closed(), limit),
            // Every index leads with the open/closed split, so "all" merges
            // the two ordered halves instead of sorting the organization.
            StatusFilter::All => {
                sql.push("SELECT * FROM (");
                list_select(&mut sql, scope, q, false, limit);
                sql.push(") AS open_half UNION ALL SELECT * FROM (");
                list_select(&mut sql, scope, q, true, limit);
                sql.push(&format!(
                    ") AS closed_half ORDER BY {col} {dir}, id {dir} LIMIT "
                ))
                .bind(Param::Int(limit + 1));
            }
        }
        let rows = sql.query().fetch_all(&self.read).await?;
        let mut items = rows
            .iter()
            .map(summary_from)
            .collect::<StoreResult<Vec<_>>>()?;
        let next = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|c| (q.sort.key_of(c), c.id.0))
        } else {
            None
        };
        Ok(CasePage { items, next })
    }

    /// Number of open cases per team, for the staff console.
    pub async fn open_counts_by_team(&self) -> StoreResult<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT team, COUNT(*) AS n FROM cases WHERE closed = FALSE GROUP BY team ORDER BY team",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok((text(r, "team")?, int(r, "n")?)))
            .collect()
    }

    /// Number of open cases assigned to `user` (the staff console's "Mine").
    pub async fn open_count_assigned(&self, user: UserId) -> StoreResult<i64> {
        let n = sqlx::query_scalar(
            "SELECT COUNT(*) FROM cases WHERE assignee_id = $1 AND closed = FALSE",
        )
        .bind(user.0)
        .fetch_one(&self.read)
        .await?;
        Ok(n)
    }

    /// The users among `emails` who are members of `org`.
    pub async fn members_by_email(
        &self,
        org: OrgId,
        emails: &[String],
    ) -> StoreResult<Vec<(String, UserId)>> {
        let mut out = Vec::new();
        for chunk in emails.chunks(200) {
            let mut sql = SqlBuilder::new(
                self.backend,
                "SELECT u.email, u.id FROM users u JOIN memberships m ON m.user_id = u.id AND m.org_id = ",
            );
            sql.bind(Param::Int(org.0)).push(" WHERE u.email IN (");
            for (i, e) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(Param::Text(e.clone()));
            }
            sql.push(")");
            for row in sql.query().fetch_all(&self.read).await? {
                out.push((text(&row, "email")?, UserId(int(&row, "id")?)));
            }
        }
        Ok(out)
    }

    pub async fn participants(&self, case: CaseId) -> StoreResult<Vec<Participant>> {
        let rows = sqlx::query(
            "SELECT email, user_id, created_at FROM case_participants WHERE case_id = $1 \
             ORDER BY created_at, email",
        )
        .bind(case.0)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(participant_from).collect()
    }
}

/// One ordered, limited dashboard query over open or closed cases.
fn list_select(sql: &mut SqlBuilder, scope: CaseScope, q: &CaseQuery, closed: bool, limit: i64) {
    let col = q.sort.column();
    sql.push(
        "SELECT c.id, c.org_id, c.category, c.subject, r.name AS requester_name, c.status, \
         c.status_rank, c.team, a.name AS assignee_name, c.created_at, c.updated_at, \
         c.connection_status FROM cases c JOIN users r ON r.id = c.requester_id \
         LEFT JOIN users a ON a.id = c.assignee_id WHERE 1 = 1",
    );
    scope.restrict(sql, q.mine_only);
    if let Some(org) = q.org {
        sql.push(" AND c.org_id = ").bind(Param::Int(org.0));
    }
    if let Some(team) = &q.team {
        sql.push(" AND c.team = ").bind(Param::Text(team.clone()));
    }
    match q.assignee {
        Some(AssigneeFilter::User(user)) => {
            sql.push(" AND c.assignee_id = ").bind(Param::Int(user.0));
        }
        Some(AssigneeFilter::Nobody) => {
            sql.push(" AND c.assignee_id IS NULL");
        }
        None => {}
    }
    sql.push(if closed {
        " AND c.closed = TRUE"
    } else {
        " AND c.closed = FALSE"
    });
    if let StatusFilter::Is(s) = q.status {
        sql.push(" AND c.status = ")
            .bind(Param::Text(s.as_str().to_owned()));
    }
    if let Some(category) = q.category {
        sql.push(" AND c.category = ")
            .bind(Param::Text(category.as_str().to_owned()));
    }
    if let Some(id) = q.id {
        sql.push(" AND c.id = ").bind(Param::Int(id.0));
    }
    if let Some(text) = &q.subject {
        let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
        sql.push(" AND LOWER(c.subject) LIKE ")
            .bind(Param::Text(pattern))
            .push(" ESCAPE '\\'");
    }
    let (cmp, dir) = if q.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some((key, id)) = q.after {
        sql.push(&format!(" AND (c.{col}, c.id) {cmp} ("))
            .bind(Param::Int(key))
            .push(", ")
            .bind(Param::Int(id))
            .push(")");
    }
    sql.push(&format!(" ORDER BY c.{col} {dir}, c.id {dir} LIMIT "))
        .bind(Param::Int(limit + 1));
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub email: String,
    pub user_id: Option<UserId>,
    pub created_at: Timestamp,
}

fn participant_from(row: &AnyRow) -> StoreResult<Participant> {
    Ok(Participant {
        email: text(row, "email")?,
        user_id: opt_int(row, "user_id")?.map(UserId),
        created_at: Timestamp(int(row, "created_at")?),
    })
}

impl Tx {
    /// The case, locked for the rest of the transaction, if `scope` may see it.
    pub async fn case_for_update(
        &mut self,
        scope: CaseScope,
        id: CaseId,
    ) -> StoreResult<Option<CaseRecord>> {
        let lock = if self.backend.for_update().is_empty() {
            ""
        } else {
            " FOR UPDATE OF c"
        };
        let sql = one_case_sql(self.backend, scope, id, lock);
        let row = sql.query().fetch_optional(self.conn()).await?;
        row.as_ref().map(case_from).transpose()
    }

    pub async fn insert_case(&mut self, case: &NewCase, now: Timestamp) -> StoreResult<CaseId> {
        let ids = self.insert_cases(std::slice::from_ref(case), now).await?;
        ids.first()
            .copied()
            .ok_or_else(|| StoreError::Corrupt("insert returned no id".into()))
    }

    /// Inserts new cases (status Open) in one statement per chunk; ids come
    /// back in the order of `cases` (both databases assign them in VALUES order).
    pub async fn insert_cases(
        &mut self,
        cases: &[NewCase],
        now: Timestamp,
    ) -> StoreResult<Vec<CaseId>> {
        let state = CaseState::new();
        let mut ids = Vec::with_capacity(cases.len());
        for chunk in cases.chunks(200) {
            let mut sql = SqlBuilder::new(
                self.backend,
                "INSERT INTO cases (org_id, category, subject, description, requester_id, status, \
                 status_rank, closed, epoch, team, reopened_from, created_at, updated_at, \
                 status_changed_at) VALUES ",
            );
            for (i, case) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" });
                sql.bind(Param::Int(case.org_id.0)).push(", ");
                sql.bind(Param::Text(case.category.as_str().to_owned()))
                    .push(", ");
                sql.bind(Param::Text(case.subject.clone())).push(", ");
                sql.bind(Param::Text(case.description.clone())).push(", ");
                sql.bind(Param::Int(case.requester_id.0)).push(", ");
                sql.bind(Param::Text(state.status.as_str().to_owned()))
                    .push(", ");
                sql.bind(Param::Int(state.status.rank())).push(", FALSE, ");
                sql.bind(Param::Int(state.epoch)).push(", ");
                sql.bind(Param::Text(case.team.clone())).push(", ");
                match case.reopened_from {
                    Some(c) => sql.bind(Param::Int(c.0)),
                    None => sql.push("NULL"),
                };
                for _ in 0..3 {
                    sql.push(", ").bind(Param::Int(now.0));
                }
                sql.push(")");
            }
            sql.push(" RETURNING id");
            let rows = sql
                .query()
                .fetch_all(self.conn())
                .await
                .map_err(StoreError::from_write)?;
            let mut chunk_ids = rows
                .iter()
                .map(|r| int(r, "id").map(CaseId))
                .collect::<StoreResult<Vec<_>>>()?;
            chunk_ids.sort();
            if chunk_ids.len() != chunk.len() {
                return Err(StoreError::Corrupt(
                    "insert returned a different number of ids".into(),
                ));
            }
            ids.extend(chunk_ids);
        }
        Ok(ids)
    }

    /// Stores a new lifecycle state; `updated_at` moves with every change.
    pub async fn save_case_state(
        &mut self,
        id: CaseId,
        state: CaseState,
        status_changed: bool,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.save_case_states(&[(id, state, status_changed)], now)
            .await
    }

    /// Stores new lifecycle states of many cases in one statement per chunk.
    pub async fn save_case_states(
        &mut self,
        states: &[(CaseId, CaseState, bool)],
        now: Timestamp,
    ) -> StoreResult<()> {
        for chunk in states.chunks(300) {
            let mut sql = SqlBuilder::new(
                self.backend,
                "UPDATE cases SET status = v.column2, status_rank = v.column3, ",
            );
            sql.push(&format!(
                "closed = v.column4 {}, epoch = v.column5, updated_at = ",
                self.backend.bool_cast()
            ));
            sql.bind(Param::Int(now.0));
            sql.push(", status_changed_at = CASE WHEN v.column6 = 1 THEN ")
                .bind(Param::Int(now.0))
                .push(" ELSE cases.status_changed_at END FROM (VALUES ");
            for (i, (id, state, changed)) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" });
                sql.bind(Param::Int(id.0)).push(", ");
                sql.bind(Param::Text(state.status.as_str().to_owned()))
                    .push(", ");
                sql.bind(Param::Int(state.status.rank())).push(", ");
                sql.bind(Param::Int(i64::from(state.status.is_closed())))
                    .push(", ");
                sql.bind(Param::Int(state.epoch)).push(", ");
                sql.bind(Param::Int(i64::from(*changed))).push(")");
            }
            sql.push(") AS v WHERE cases.id = v.column1");
            sql.query().execute(self.conn()).await?;
        }
        Ok(())
    }

    /// Several cases by id, locked, without a tenant filter: for system work
    /// (timers) that acts on behalf of no one.
    pub async fn cases_for_system_update(
        &mut self,
        ids: &[CaseId],
    ) -> StoreResult<Vec<CaseRecord>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let mut sql = SqlBuilder::new(
                self.backend,
                &format!("SELECT {CASE_COLUMNS}{CASE_FROM} WHERE c.id IN ("),
            );
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(Param::Int(id.0));
            }
            sql.push(")");
            if self.backend == crate::Backend::Postgres {
                sql.push(" FOR UPDATE OF c");
            }
            for row in sql.query().fetch_all(self.conn()).await? {
                out.push(case_from(&row)?);
            }
        }
        Ok(out)
    }

    /// Participant addresses of many cases.
    pub async fn participants_of(
        &mut self,
        ids: &[CaseId],
    ) -> StoreResult<std::collections::HashMap<CaseId, Vec<String>>> {
        let mut out: std::collections::HashMap<CaseId, Vec<String>> =
            std::collections::HashMap::new();
        for chunk in ids.chunks(500) {
            let mut sql = SqlBuilder::new(
                self.backend,
                "SELECT case_id, email FROM case_participants WHERE case_id IN (",
            );
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(Param::Int(id.0));
            }
            sql.push(") ORDER BY case_id, email");
            for row in sql.query().fetch_all(self.conn()).await? {
                out.entry(CaseId(int(&row, "case_id")?))
                    .or_default()
                    .push(text(&row, "email")?);
            }
        }
        Ok(out)
    }

    pub async fn set_case_team(&mut self, id: CaseId, team: &str) -> StoreResult<()> {
        sqlx::query("UPDATE cases SET team = $2 WHERE id = $1")
            .bind(id.0)
            .bind(team)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    pub async fn set_case_assignee(&mut self, id: CaseId, user: Option<UserId>) -> StoreResult<()> {
        sqlx::query("UPDATE cases SET assignee_id = $2 WHERE id = $1")
            .bind(id.0)
            .bind(user.map(|u| u.0))
            .execute(self.conn())
            .await?;
        Ok(())
    }

    pub async fn set_reopened_as(&mut self, id: CaseId, new_case: CaseId) -> StoreResult<()> {
        sqlx::query("UPDATE cases SET reopened_as = $2 WHERE id = $1")
            .bind(id.0)
            .bind(new_case.0)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Adds participants, ignoring addresses already on the case; returns
    /// the ones actually added.
    pub async fn add_participants(
        &mut self,
        case: CaseId,
        people: &[(String, Option<UserId>)],
        added_by: Option<UserId>,
        now: Timestamp,
    ) -> StoreResult<Vec<String>> {
        let rows: Vec<_> = people
            .iter()
            .map(|(e, u)| (case, e.clone(), *u, added_by))
            .collect();
        let added = self.add_participant_rows(&rows, now).await?;
        Ok(added.into_iter().map(|(_, e)| e).collect())
    }

    /// Adds (case, email, user, added by) rows, ignoring ones already
    /// present; returns the rows added, in the order given.
    pub async fn add_participant_rows(
        &mut self,
        rows: &[(CaseId, String, Option<UserId>, Option<UserId>)],
        now: Timestamp,
    ) -> StoreResult<Vec<(CaseId, String)>> {
        let mut added = Vec::new();
        for chunk in rows.chunks(200) {
            let mut sql = SqlBuilder::new(
                self.backend,
                "INSERT INTO case_participants (case_id, email, user_id, added_by, created_at) VALUES ",
            );
            for (i, (case, email, user, by)) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" });
                sql.bind(Param::Int(case.0))
                    .push(", ")
                    .bind(Param::Text(email.clone()))
                    .push(", ");
                for id in [user, by] {
                    match id {
                        Some(u) => sql.bind(Param::Int(u.0)),
                        None => sql.push("NULL"),
                    };
                    sql.push(", ");
                }
                sql.bind(Param::Int(now.0)).push(")");
            }
            sql.push(" ON CONFLICT (case_id, email) DO NOTHING RETURNING case_id, email");
            for row in sql.query().fetch_all(self.conn()).await? {
                added.push((CaseId(int(&row, "case_id")?), text(&row, "email")?));
            }
        }
        added.sort_by_key(|(c, e)| rows.iter().position(|(rc, re, _, _)| rc == c && re == e));
        Ok(added)
    }

    pub async fn participant_emails(&mut self, case: CaseId) -> StoreResult<Vec<String>> {
        let rows =
            sqlx::query("SELECT email FROM case_participants WHERE case_id = $1 ORDER BY email")
                .bind(case.0)
                .fetch_all(self.conn())
                .await?;
        rows.iter().map(|r| text(r, "email")).collect()
    }
}
