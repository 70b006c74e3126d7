//! Connections: sellers' listings and connection types, buyers' accesses,
//! activation runs (the worker's jobs) and fix links.
//!
//! Every read of an access takes an [`AccessScope`], so a buyer only ever
//! reaches its own requests and a seller only the ones made to it.

use crate::sql::{Param, SqlBuilder, flag, int, opt_int, opt_text, parsed, text};
use crate::{Backend, Store, StoreError, StoreResult, Tx};
use frontdesk_domain::connections::{AccessState, AccessStatus, ConnectionTimerKind};
use frontdesk_domain::{AccessId, CaseId, OrgId, Timestamp, UserId};
use sqlx::any::AnyRow;

/// Who is looking at accesses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessScope {
    /// The buyer organization's own requests.
    Buyer(OrgId),
    /// The requests made to this seller organization.
    Seller(OrgId),
    /// Connectivity staff and administrators see every access.
    Staff,
}

impl AccessScope {
    fn restrict(self, sql: &mut SqlBuilder) {
        match self {
            Self::Buyer(org) => {
                sql.push(" AND a.buyer_id = ").bind(Param::Int(org.0));
            }
            Self::Seller(org) => {
                sql.push(" AND a.seller_id = ").bind(Param::Int(org.0));
            }
            Self::Staff => {}
        }
    }
}

/// A seller's marketplace listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SellerRecord {
    pub org_id: OrgId,
    pub code: String,
    pub name: String,
    /// The organization itself is active.
    pub org_active: bool,
    /// Offered in the wizard.
    pub active: bool,
    pub description: String,
    pub activation_contacts: Vec<String>,
}

impl SellerRecord {
    /// Buyers see the seller only when both it and its organization are on.
    pub fn offered(&self) -> bool {
        self.active && self.org_active
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionTypeRecord {
    pub seller_id: OrgId,
    /// `pull` or `push`.
    pub kind: String,
    /// The credential schema (JSON text).
    pub spec: String,
    pub endpoint_test: String,
    pub endpoint_live: String,
    /// JSON of SELLER-API.md §4's search criteria shape.
    pub default_search: Option<String>,
    pub active: bool,
    pub updated_at: Timestamp,
}

impl ConnectionTypeRecord {
    pub fn endpoint(&self, environment: &str) -> &str {
        if environment == "live" {
            &self.endpoint_live
        } else {
            &self.endpoint_test
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRecord {
    pub id: AccessId,
    pub buyer_id: OrgId,
    pub buyer_code: String,
    pub buyer_name: String,
    pub seller_id: OrgId,
    pub seller_code: String,
    pub seller_name: String,
    pub kind: String,
    pub environment: String,
    pub name: String,
    /// Stored values; secret ones sealed.
    pub config: String,
    pub fingerprint: String,
    pub search_criteria: Option<String>,
    pub notification_emails: Vec<String>,
    pub requested_by: UserId,
    pub accepted_by: UserId,
    pub accepted_at: Timestamp,
    pub status: AccessStatus,
    pub epoch: i64,
    pub run: i64,
    pub steps_passed: bool,
    pub manual_check: bool,
    pub case_id: CaseId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl AccessRecord {
    pub fn state(&self) -> AccessState {
        AccessState {
            status: self.status,
            epoch: self.epoch,
            run: self.run,
            steps_passed: self.steps_passed,
            manual_check: self.manual_check,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewAccess {
    pub buyer_id: OrgId,
    pub seller_id: OrgId,
    pub kind: String,
    pub environment: String,
    pub name: String,
    pub fingerprint: String,
    pub search_criteria: Option<String>,
    pub notification_emails: Vec<String>,
    pub requested_by: UserId,
    pub case_id: CaseId,
    pub state: AccessState,
}

/// An access's sealed configuration and duplicate fingerprint, as a key
/// rotation reads them (and compares them before writing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSecrets {
    pub id: AccessId,
    pub config: String,
    pub fingerprint: String,
}

/// A list row, with the latest run's summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRow {
    pub id: AccessId,
    pub buyer_name: String,
    pub seller_name: String,
    pub kind: String,
    pub environment: String,
    pub name: String,
    pub status: AccessStatus,
    pub case_id: CaseId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub last_run_at: Option<Timestamp>,
    pub last_run_summary: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessSort {
    UpdatedDesc,
    UpdatedAsc,
    CreatedDesc,
    CreatedAsc,
}

impl AccessSort {
    pub const ALL: [Self; 4] = [
        Self::UpdatedDesc,
        Self::UpdatedAsc,
        Self::CreatedDesc,
        Self::CreatedAsc,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::UpdatedDesc => "updated_desc",
            Self::UpdatedAsc => "updated_asc",
            Self::CreatedDesc => "created_desc",
            Self::CreatedAsc => "created_asc",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    fn column(self) -> &'static str {
        match self {
            Self::UpdatedDesc | Self::UpdatedAsc => "a.updated_at",
            Self::CreatedDesc | Self::CreatedAsc => "a.created_at",
        }
    }

    fn descending(self) -> bool {
        matches!(self, Self::UpdatedDesc | Self::CreatedDesc)
    }

    pub fn key_of(self, row: &AccessRow) -> i64 {
        match self {
            Self::UpdatedDesc | Self::UpdatedAsc => row.updated_at.0,
            Self::CreatedDesc | Self::CreatedAsc => row.created_at.0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct AccessQuery {
    pub statuses: Vec<AccessStatus>,
    pub seller: Option<OrgId>,
    pub environment: Option<String>,
    /// Part of the access's name (case-insensitive).
    pub name: Option<String>,
    pub sort: AccessSort,
    /// Keyset position: (sort key, id) of the last row seen.
    pub after: Option<(i64, i64)>,
    pub limit: i64,
}

/// An activation run as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    pub id: i64,
    pub access_id: AccessId,
    pub seller_id: OrgId,
    pub run: i64,
    pub cause: String,
    pub state: String,
    /// JSON of the runner's progress (steps recorded so far).
    pub progress: String,
    pub summary: Option<String>,
    pub next_at: Timestamp,
    pub lease_until: Option<Timestamp>,
    /// Claims so far; the current claim's number is its lease token.
    pub attempts: i64,
    pub created_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixLink {
    pub access_id: AccessId,
    pub epoch: i64,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
}

fn json_list(raw: &str) -> StoreResult<Vec<String>> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(format!("list: {e}")))
}

fn to_json_list(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

fn seller_from(row: &AnyRow) -> StoreResult<SellerRecord> {
    Ok(SellerRecord {
        org_id: OrgId(int(row, "id")?),
        code: text(row, "code")?,
        name: text(row, "name")?,
        org_active: flag(row, "org_active")?,
        active: flag(row, "active")?,
        description: text(row, "description")?,
        activation_contacts: json_list(&text(row, "activation_contacts")?)?,
    })
}

fn type_from(row: &AnyRow) -> StoreResult<ConnectionTypeRecord> {
    Ok(ConnectionTypeRecord {
        seller_id: OrgId(int(row, "seller_id")?),
        kind: text(row, "kind")?,
        spec: text(row, "spec")?,
        endpoint_test: text(row, "endpoint_test")?,
        endpoint_live: text(row, "endpoint_live")?,
        default_search: opt_text(row, "default_search")?,
        active: flag(row, "active")?,
        updated_at: Timestamp(int(row, "updated_at")?),
    })
}

const ACCESS_COLUMNS: &str = "a.id, a.buyer_id, b.code AS buyer_code, b.name AS buyer_name, \
     a.seller_id, s.code AS seller_code, s.name AS seller_name, a.kind, a.environment, a.name, \
     a.config, a.fingerprint, a.search_criteria, a.notification_emails, a.requested_by, \
     a.accepted_by, a.accepted_at, a.status, a.epoch, a.run, a.steps_passed, a.manual_check, \
     a.case_id, a.created_at, a.updated_at \
     FROM accesses a JOIN organizations b ON b.id = a.buyer_id \
     JOIN organizations s ON s.id = a.seller_id";

fn access_from(row: &AnyRow) -> StoreResult<AccessRecord> {
    Ok(AccessRecord {
        id: AccessId(int(row, "id")?),
        buyer_id: OrgId(int(row, "buyer_id")?),
        buyer_code: text(row, "buyer_code")?,
        buyer_name: text(row, "buyer_name")?,
        seller_id: OrgId(int(row, "seller_id")?),
        seller_code: text(row, "seller_code")?,
        seller_name: text(row, "seller_name")?,
        kind: text(row, "kind")?,
        environment: text(row, "environment")?,
        name: text(row, "name")?,
        config: text(row, "config")?,
        fingerprint: text(row, "fingerprint")?,
        search_criteria: opt_text(row, "search_criteria")?,
        notification_emails: json_list(&text(row, "notification_emails")?)?,
        requested_by: UserId(int(row, "requested_by")?),
        accepted_by: UserId(int(row, "accepted_by")?),
        accepted_at: Timestamp(int(row, "accepted_at")?),
        status: parsed(row, "status", AccessStatus::parse)?,
        epoch: int(row, "epoch")?,
        run: int(row, "run")?,
        steps_passed: flag(row, "steps_passed")?,
        manual_check: flag(row, "manual_check")?,
        case_id: CaseId(int(row, "case_id")?),
        created_at: Timestamp(int(row, "created_at")?),
        updated_at: Timestamp(int(row, "updated_at")?),
    })
}

const RUN_COLUMNS: &str = "id, access_id, seller_id, run, cause, state, progress, summary, \
     next_at, lease_until, attempts, created_at, started_at, finished_at";

fn run_from(row: &AnyRow) -> StoreResult<RunRecord> {
    Ok(RunRecord {
        id: int(row, "id")?,
        access_id: AccessId(int(row, "access_id")?),
        seller_id: OrgId(int(row, "seller_id")?),
        run: int(row, "run")?,
        cause: text(row, "cause")?,
        state: text(row, "state")?,
        progress: text(row, "progress")?,
        summary: opt_text(row, "summary")?,
        next_at: Timestamp(int(row, "next_at")?),
        lease_until: opt_int(row, "lease_until")?.map(Timestamp),
        attempts: int(row, "attempts")?,
        created_at: Timestamp(int(row, "created_at")?),
        started_at: opt_int(row, "started_at")?.map(Timestamp),
        finished_at: opt_int(row, "finished_at")?.map(Timestamp),
    })
}

/// Sorts Pending Seller and Not Working (the ones someone must act on)
/// first in Connectivity's views.
pub fn status_rank(status: AccessStatus) -> i64 {
    match status {
        AccessStatus::NotWorking => 0,
        AccessStatus::PendingSeller => 1,
        AccessStatus::Pending => 2,
        AccessStatus::Working => 3,
        AccessStatus::NotCompleted => 4,
    }
}

const SELLER_COLUMNS: &str = "o.id, o.code, o.name, o.active AS org_active, p.active, \
     p.description, p.activation_contacts FROM organizations o \
     JOIN seller_profiles p ON p.org_id = o.id";

impl Store {
    /// Every seller with a listing, offered or not (administrators).
    pub async fn sellers(&self) -> StoreResult<Vec<SellerRecord>> {
        let sql = format!(
            "SELECT {SELLER_COLUMNS} WHERE o.is_seller {} ORDER BY o.name, o.id",
            self.backend.truthy()
        );
        let rows = sqlx::query(&sql).fetch_all(&self.read).await?;
        rows.iter().map(seller_from).collect()
    }

    pub async fn seller(&self, org: OrgId) -> StoreResult<Option<SellerRecord>> {
        let sql = format!("SELECT {SELLER_COLUMNS} WHERE o.id = $1");
        let row = sqlx::query(&sql)
            .bind(org.0)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(seller_from).transpose()
    }

    pub async fn connection_types(&self, seller: OrgId) -> StoreResult<Vec<ConnectionTypeRecord>> {
        let rows = sqlx::query(
            "SELECT seller_id, kind, spec, endpoint_test, endpoint_live, default_search, active, \
             updated_at FROM connection_types WHERE seller_id = $1 ORDER BY kind",
        )
        .bind(seller.0)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(type_from).collect()
    }

    /// Every connection type of every seller (the wizard's partner list).
    pub async fn all_connection_types(&self) -> StoreResult<Vec<ConnectionTypeRecord>> {
        let rows = sqlx::query(
            "SELECT seller_id, kind, spec, endpoint_test, endpoint_live, default_search, active, \
             updated_at FROM connection_types ORDER BY seller_id, kind",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(type_from).collect()
    }

    pub async fn connection_type(
        &self,
        seller: OrgId,
        kind: &str,
    ) -> StoreResult<Option<ConnectionTypeRecord>> {
        let row = sqlx::query(
            "SELECT seller_id, kind, spec, endpoint_test, endpoint_live, default_search, active, \
             updated_at FROM connection_types WHERE seller_id = $1 AND kind = $2",
        )
        .bind(seller.0)
        .bind(kind)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(type_from).transpose()
    }

    pub async fn access(
        &self,
        scope: AccessScope,
        id: AccessId,
    ) -> StoreResult<Option<AccessRecord>> {
        let mut sql = SqlBuilder::new(
            self.backend,
            &format!("SELECT {ACCESS_COLUMNS} WHERE a.id = "),
        );
        sql.bind(Param::Int(id.0));
        scope.restrict(&mut sql);
        let row = sql.query().fetch_optional(&self.read).await?;
        row.as_ref().map(access_from).transpose()
    }

    /// The access whose Connections case this is, if any.
    pub async fn access_of_case(&self, case: CaseId) -> StoreResult<Option<AccessId>> {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM accesses WHERE case_id = $1")
            .bind(case.0)
            .fetch_optional(&self.read)
            .await?;
        Ok(id.map(AccessId))
    }

    /// One page of accesses in keyset order.
    pub async fn list_accesses(
        &self,
        scope: AccessScope,
        q: &AccessQuery,
    ) -> StoreResult<Vec<AccessRow>> {
        let mut sql = SqlBuilder::new(
            self.backend,
            "SELECT a.id, b.name AS buyer_name, s.name AS seller_name, a.kind, a.environment, \
             a.name, a.status, a.case_id, a.created_at, a.updated_at, \
             (SELECT MAX(r.finished_at) FROM activation_runs r WHERE r.access_id = a.id) AS last_run_at, \
             (SELECT r.summary FROM activation_runs r WHERE r.access_id = a.id AND r.run = a.run) AS last_run_summary \
             FROM accesses a JOIN organizations b ON b.id = a.buyer_id \
             JOIN organizations s ON s.id = a.seller_id WHERE 1 = 1",
        );
        scope.restrict(&mut sql);
        if !q.statuses.is_empty() {
            sql.push(" AND a.status IN (");
            for (i, s) in q.statuses.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(Param::Text(s.as_str().to_owned()));
            }
            sql.push(")");
        }
        if let Some(seller) = q.seller {
            sql.push(" AND a.seller_id = ").bind(Param::Int(seller.0));
        }
        if let Some(env) = &q.environment {
            sql.push(" AND a.environment = ")
                .bind(Param::Text(env.clone()));
        }
        if let Some(name) = &q.name {
            let pattern = format!(
                "%{}%",
                name.to_lowercase()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            sql.push(" AND LOWER(a.name) LIKE ")
                .bind(Param::Text(pattern))
                .push(" ESCAPE '\\'");
        }
        let col = q.sort.column();
        let (cmp, dir) = if q.sort.descending() {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        if let Some((key, id)) = q.after {
            sql.push(&format!(" AND ({col}, a.id) {cmp} ("));
            sql.bind(Param::Int(key))
                .push(", ")
                .bind(Param::Int(id))
                .push(")");
        }
        sql.push(&format!(" ORDER BY {col} {dir}, a.id {dir} LIMIT "));
        sql.bind(Param::Int(q.limit));
        let rows = sql.query().fetch_all(&self.read).await?;
        rows.iter()
            .map(|row| {
                Ok(AccessRow {
                    id: AccessId(int(row, "id")?),
                    buyer_name: text(row, "buyer_name")?,
                    seller_name: text(row, "seller_name")?,
                    kind: text(row, "kind")?,
                    environment: text(row, "environment")?,
                    name: text(row, "name")?,
                    status: parsed(row, "status", AccessStatus::parse)?,
                    case_id: CaseId(int(row, "case_id")?),
                    created_at: Timestamp(int(row, "created_at")?),
                    updated_at: Timestamp(int(row, "updated_at")?),
                    last_run_at: opt_int(row, "last_run_at")?.map(Timestamp),
                    last_run_summary: opt_text(row, "last_run_summary")?,
                })
            })
            .collect()
    }

    /// Up to `limit` accesses' stored secrets after `after`, in id order
    /// (keyset pagination for a key rotation).
    pub async fn access_secrets_after(
        &self,
        after: AccessId,
        limit: i64,
    ) -> StoreResult<Vec<StoredSecrets>> {
        let rows = sqlx::query(
            "SELECT id, config, fingerprint FROM accesses WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after.0)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredSecrets {
                    id: AccessId(int(r, "id")?),
                    config: text(r, "config")?,
                    fingerprint: text(r, "fingerprint")?,
                })
            })
            .collect()
    }

    /// How many accesses are in each status (Connectivity's queue tiles).
    pub async fn access_counts(&self) -> StoreResult<Vec<(AccessStatus, i64)>> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM accesses GROUP BY status")
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| Ok((parsed(r, "status", AccessStatus::parse)?, int(r, "n")?)))
            .collect()
    }

    /// The runs of an access, newest first.
    pub async fn runs(&self, access: AccessId) -> StoreResult<Vec<RunRecord>> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM activation_runs WHERE access_id = $1 ORDER BY run DESC"
        );
        let rows = sqlx::query(&sql)
            .bind(access.0)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(run_from).collect()
    }

    pub async fn run(&self, id: i64) -> StoreResult<Option<RunRecord>> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM activation_runs WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(run_from).transpose()
    }

    /// When the next queued run is due, so a worker can sleep until then.
    pub async fn next_run_due(&self) -> StoreResult<Option<Timestamp>> {
        let due: Option<i64> =
            sqlx::query_scalar("SELECT MIN(next_at) FROM activation_runs WHERE state = 'queued'")
                .fetch_one(&self.read)
                .await?;
        Ok(due.map(Timestamp))
    }

    pub async fn fix_link(&self, token_hash: &str) -> StoreResult<Option<FixLink>> {
        let row = sqlx::query(
            "SELECT access_id, epoch, expires_at, used_at FROM fix_links WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref()
            .map(|r| {
                Ok(FixLink {
                    access_id: AccessId(int(r, "access_id")?),
                    epoch: int(r, "epoch")?,
                    expires_at: Timestamp(int(r, "expires_at")?),
                    used_at: opt_int(r, "used_at")?.map(Timestamp),
                })
            })
            .transpose()
    }

    /// Takes up to `limit` due runs for one worker: queued ones whose time
    /// has come and running ones whose lease expired (a worker died), at
    /// most `per_seller` running at once for any seller across all workers.
    /// Each claim bumps `attempts`, the lease token the finishing
    /// transaction must still hold.
    pub async fn claim_runs(
        &self,
        now: Timestamp,
        lease_ms: i64,
        limit: usize,
        per_seller: i64,
    ) -> StoreResult<Vec<RunRecord>> {
        let mut tx = self.begin().await?;
        if self.backend == Backend::Postgres {
            // One claimer at a time, so the per-seller count cannot be
            // raced past; claims are a few statements long.
            sqlx::query("SELECT pg_advisory_xact_lock(7201)")
                .execute(tx.conn())
                .await?;
        }
        let busy: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT seller_id, COUNT(*) FROM activation_runs \
             WHERE state = 'running' AND lease_until > $1 GROUP BY seller_id",
        )
        .bind(now.0)
        .fetch_all(tx.conn())
        .await?;
        // Sellers at their limit are left out of the candidates, so one
        // seller's backlog cannot fill the window while others wait.
        let mut sql = SqlBuilder::new(
            self.backend,
            "SELECT id, seller_id FROM activation_runs WHERE \
             ((state = 'queued' AND next_at <= ",
        );
        sql.bind(Param::Int(now.0))
            .push(") OR (state = 'running' AND lease_until <= ")
            .bind(Param::Int(now.0))
            .push("))");
        for (seller, _) in busy.iter().filter(|(_, n)| *n >= per_seller) {
            sql.push(" AND seller_id <> ").bind(Param::Int(*seller));
        }
        sql.push(" ORDER BY next_at, id LIMIT ")
            .bind(Param::Int((limit * 8) as i64));
        let candidates: Vec<(i64, i64)> = sql
            .query()
            .fetch_all(tx.conn())
            .await?
            .iter()
            .map(|r| Ok((int(r, "id")?, int(r, "seller_id")?)))
            .collect::<StoreResult<_>>()?;
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let mut running: std::collections::HashMap<i64, i64> = busy.into_iter().collect();
        let mut chosen = Vec::new();
        for (id, seller) in candidates {
            if chosen.len() >= limit {
                break;
            }
            let n = running.entry(seller).or_insert(0);
            if *n < per_seller {
                *n += 1;
                chosen.push(id);
            }
        }
        let mut claimed = Vec::with_capacity(chosen.len());
        for id in chosen {
            let sql = format!(
                "UPDATE activation_runs SET state = 'running', lease_until = $1, \
                 attempts = attempts + 1, started_at = COALESCE(started_at, $2) \
                 WHERE id = $3 RETURNING {RUN_COLUMNS}"
            );
            let row = sqlx::query(&sql)
                .bind(now.0 + lease_ms)
                .bind(now.0)
                .bind(id)
                .fetch_one(tx.conn())
                .await?;
            claimed.push(run_from(&row)?);
        }
        tx.commit().await?;
        Ok(claimed)
    }

    /// Puts a claimed run back in the queue until `next_at` (a retry waits),
    /// keeping its progress; refused (false) if the lease was lost.
    pub async fn reschedule_run(
        &self,
        id: i64,
        lease_token: i64,
        progress: &str,
        next_at: Timestamp,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE activation_runs SET state = 'queued', lease_until = NULL, progress = $1, \
             next_at = $2 WHERE id = $3 AND attempts = $4 AND state = 'running'",
        )
        .bind(progress)
        .bind(next_at.0)
        .bind(id)
        .bind(lease_token)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Extends a claimed run's lease to `until` while its worker is still at
    /// it, so a short lease only delays an access whose worker died; refused
    /// (false) once the lease was lost (claimed again after it expired, or
    /// the run superseded or ended).
    pub async fn renew_run_lease(
        &self,
        id: i64,
        lease_token: i64,
        until: Timestamp,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE activation_runs SET lease_until = $1 \
             WHERE id = $2 AND attempts = $3 AND state = 'running'",
        )
        .bind(until.0)
        .bind(id)
        .bind(lease_token)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Counts per run state (benchmarks and health).
    pub async fn run_counts(&self) -> StoreResult<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT state, COUNT(*) FROM activation_runs GROUP BY state ORDER BY state",
        )
        .fetch_all(&self.read)
        .await?)
    }
}

impl Backend {
    /// `is_seller` is BOOLEAN on PostgreSQL and 0/1 on SQLite.
    fn truthy(self) -> &'static str {
        match self {
            Self::Sqlite => "<> 0",
            Self::Postgres => "",
        }
    }
}

impl Tx {
    pub async fn upsert_seller(
        &mut self,
        org: OrgId,
        active: bool,
        description: &str,
        contacts: &[String],
        now: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO seller_profiles (org_id, active, description, activation_contacts, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (org_id) DO UPDATE SET active = excluded.active, \
             description = excluded.description, activation_contacts = excluded.activation_contacts, \
             updated_at = excluded.updated_at",
        )
        .bind(org.0)
        .bind(i64::from(active))
        .bind(description)
        .bind(to_json_list(contacts))
        .bind(now.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn upsert_connection_type(&mut self, t: &ConnectionTypeRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO connection_types (seller_id, kind, spec, endpoint_test, endpoint_live, \
             default_search, active, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (seller_id, kind) DO UPDATE SET spec = excluded.spec, \
             endpoint_test = excluded.endpoint_test, endpoint_live = excluded.endpoint_live, \
             default_search = excluded.default_search, active = excluded.active, \
             updated_at = excluded.updated_at",
        )
        .bind(t.seller_id.0)
        .bind(&t.kind)
        .bind(&t.spec)
        .bind(&t.endpoint_test)
        .bind(&t.endpoint_live)
        .bind(t.default_search.as_deref())
        .bind(i64::from(t.active))
        .bind(t.updated_at.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Inserts an access with an empty configuration: the sealed values are
    /// bound to the new id, so they are written right after with
    /// [`Tx::set_access_config`] in the same transaction.
    pub async fn insert_access(&mut self, a: &NewAccess, now: Timestamp) -> StoreResult<AccessId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO accesses (buyer_id, seller_id, kind, environment, name, config, \
             fingerprint, search_criteria, notification_emails, requested_by, accepted_by, \
             accepted_at, status, status_rank, epoch, run, steps_passed, manual_check, case_id, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, '{}', $6, $7, $8, $9, $9, $10, \
             $11, $12, $13, $14, $15, $16, $17, $10, $10) RETURNING id",
        )
        .bind(a.buyer_id.0)
        .bind(a.seller_id.0)
        .bind(&a.kind)
        .bind(&a.environment)
        .bind(&a.name)
        .bind(&a.fingerprint)
        .bind(a.search_criteria.as_deref())
        .bind(to_json_list(&a.notification_emails))
        .bind(a.requested_by.0)
        .bind(now.0)
        .bind(a.state.status.as_str())
        .bind(status_rank(a.state.status))
        .bind(a.state.epoch)
        .bind(a.state.run)
        .bind(i64::from(a.state.steps_passed))
        .bind(i64::from(a.state.manual_check))
        .bind(a.case_id.0)
        .fetch_one(self.conn())
        .await
        .map_err(StoreError::from_write)?;
        Ok(AccessId(id))
    }

    pub async fn set_access_config(
        &mut self,
        id: AccessId,
        config: &str,
        fingerprint: &str,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE accesses SET config = $1, fingerprint = $2 WHERE id = $3")
            .bind(config)
            .bind(fingerprint)
            .bind(id.0)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Saves an edit of the access's own settings.
    pub async fn update_access_settings(
        &mut self,
        id: AccessId,
        name: &str,
        notification_emails: &[String],
        search_criteria: Option<&str>,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE accesses SET name = $1, notification_emails = $2, search_criteria = $3 WHERE id = $4",
        )
        .bind(name)
        .bind(to_json_list(notification_emails))
        .bind(search_criteria)
        .bind(id.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The access, locked for a read-modify-write, within `scope`.
    pub async fn access_for_update(
        &mut self,
        scope: AccessScope,
        id: AccessId,
    ) -> StoreResult<Option<AccessRecord>> {
        let mut sql = SqlBuilder::new(
            self.backend,
            &format!("SELECT {ACCESS_COLUMNS} WHERE a.id = "),
        );
        sql.bind(Param::Int(id.0));
        scope.restrict(&mut sql);
        if self.backend == Backend::Postgres {
            sql.push(" FOR UPDATE OF a");
        }
        let row = sql.query().fetch_optional(self.conn()).await?;
        row.as_ref().map(access_from).transpose()
    }

    /// A live request with the same buyer, seller, type, environment and
    /// credentials (anything but Not Completed). `fingerprints` are the
    /// credentials' digests under every key in the ring: rows not yet
    /// resealed after a key rotation still carry an older key's digest.
    pub async fn duplicate_access(
        &mut self,
        a: &NewAccess,
        fingerprints: &[String],
        except: Option<AccessId>,
    ) -> StoreResult<Option<AccessId>> {
        if fingerprints.is_empty() {
            return Ok(None);
        }
        let mut sql = SqlBuilder::new(self.backend, "SELECT id FROM accesses WHERE buyer_id = ");
        sql.bind(Param::Int(a.buyer_id.0))
            .push(" AND seller_id = ")
            .bind(Param::Int(a.seller_id.0))
            .push(" AND kind = ")
            .bind(Param::Text(a.kind.clone()))
            .push(" AND environment = ")
            .bind(Param::Text(a.environment.clone()))
            .push(" AND status <> 'not_completed' AND id <> ")
            .bind(Param::Int(except.map_or(0, |e| e.0)))
            .push(" AND fingerprint IN (");
        for (i, f) in fingerprints.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(Param::Text(f.clone()));
        }
        sql.push(") ORDER BY id LIMIT 1");
        let row = sql.query().fetch_optional(self.conn()).await?;
        row.map(|r| int(&r, "id").map(AccessId)).transpose()
    }

    /// Rewrites an access's sealed configuration and fingerprint (a key
    /// rotation) only if both are still what was read: an edit saved
    /// meanwhile wins, and false says so.
    pub async fn replace_access_secrets(
        &mut self,
        read: &StoredSecrets,
        config: &str,
        fingerprint: &str,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE accesses SET config = $1, fingerprint = $2 \
             WHERE id = $3 AND config = $4 AND fingerprint = $5",
        )
        .bind(config)
        .bind(fingerprint)
        .bind(read.id.0)
        .bind(&read.config)
        .bind(&read.fingerprint)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn save_access_state(
        &mut self,
        id: AccessId,
        state: AccessState,
        now: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE accesses SET status = $1, status_rank = $2, epoch = $3, run = $4, \
             steps_passed = $5, manual_check = $6, updated_at = $7 WHERE id = $8",
        )
        .bind(state.status.as_str())
        .bind(status_rank(state.status))
        .bind(state.epoch)
        .bind(state.run)
        .bind(i64::from(state.steps_passed))
        .bind(i64::from(state.manual_check))
        .bind(now.0)
        .bind(id.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Queues activation run `run` of an access, superseding any earlier
    /// run still queued or running (its result would be stale anyway).
    pub async fn queue_run(
        &mut self,
        access: AccessId,
        seller: OrgId,
        run: i64,
        cause: &str,
        progress: &str,
        now: Timestamp,
    ) -> StoreResult<i64> {
        self.supersede_runs(access, now).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO activation_runs (access_id, seller_id, run, cause, state, progress, \
             next_at, created_at) VALUES ($1, $2, $3, $4, 'queued', $5, $6, $6) RETURNING id",
        )
        .bind(access.0)
        .bind(seller.0)
        .bind(run)
        .bind(cause)
        .bind(progress)
        .bind(now.0)
        .fetch_one(self.conn())
        .await
        .map_err(StoreError::from_write)?;
        Ok(id)
    }

    /// Records a run's end if this worker still holds it (lease token);
    /// false means another worker or a newer run took over.
    pub async fn finish_run(
        &mut self,
        id: i64,
        lease_token: i64,
        progress: &str,
        summary: &str,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE activation_runs SET state = 'finished', lease_until = NULL, progress = $1, \
             summary = $2, finished_at = $3 WHERE id = $4 AND attempts = $5 AND state = 'running'",
        )
        .bind(progress)
        .bind(summary)
        .bind(now.0)
        .bind(id)
        .bind(lease_token)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Stops every open run of an access (it was stopped or marked by staff).
    pub async fn supersede_runs(&mut self, access: AccessId, now: Timestamp) -> StoreResult<()> {
        sqlx::query(
            "UPDATE activation_runs SET state = 'superseded', lease_until = NULL, finished_at = $1 \
             WHERE access_id = $2 AND state IN ('queued', 'running')",
        )
        .bind(now.0)
        .bind(access.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn insert_fix_link(
        &mut self,
        token_hash: &str,
        access: AccessId,
        epoch: i64,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO fix_links (token_hash, access_id, epoch, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(access.0)
        .bind(epoch)
        .bind(expires_at.0)
        .bind(now.0)
        .execute(self.conn())
        .await
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Spends a fix link: true only for the first use of an unexpired one.
    pub async fn use_fix_link(&mut self, token_hash: &str, now: Timestamp) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE fix_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL \
             AND expires_at > $1",
        )
        .bind(now.0)
        .bind(token_hash)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Shows a Connections case's status as its access's (and keeps the
    /// support lifecycle's columns in step, so lists and filters agree).
    pub async fn set_connection_case_status(
        &mut self,
        case: CaseId,
        connection_status: &str,
        closed: bool,
        now: Timestamp,
    ) -> StoreResult<()> {
        use frontdesk_domain::cases::CaseStatus;
        let status = if closed {
            CaseStatus::Closed
        } else {
            CaseStatus::InProgress
        };
        let sql = format!(
            "UPDATE cases SET connection_status = $1, status = $2, status_rank = $3, \
             closed = $4 {}, updated_at = $5, status_changed_at = $5 WHERE id = $6",
            self.backend.bool_cast()
        );
        sqlx::query(&sql)
            .bind(connection_status)
            .bind(status.as_str())
            .bind(status.rank())
            .bind(i64::from(closed))
            .bind(now.0)
            .bind(case.0)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}

/// A due timer of an access in Pending Seller, kept in the `timers` table
/// on the access's case with an `access.` kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessTimer {
    pub case_id: CaseId,
    pub kind: ConnectionTimerKind,
    pub epoch: i64,
    pub due_at: Timestamp,
}

const ACCESS_TIMER_PREFIX: &str = "access.";

fn access_timer_from(row: &AnyRow) -> StoreResult<AccessTimer> {
    let raw = text(row, "kind")?;
    let kind = raw
        .strip_prefix(ACCESS_TIMER_PREFIX)
        .and_then(ConnectionTimerKind::parse)
        .ok_or_else(|| StoreError::Corrupt(format!("timer kind {raw:?}")))?;
    Ok(AccessTimer {
        case_id: CaseId(int(row, "case_id")?),
        kind,
        epoch: int(row, "epoch")?,
        due_at: Timestamp(int(row, "due_at")?),
    })
}

impl Store {
    /// The pending timers of an access (on its case).
    pub async fn access_timers(&self, case: CaseId) -> StoreResult<Vec<AccessTimer>> {
        let rows = sqlx::query(
            "SELECT case_id, kind, epoch, due_at FROM timers WHERE case_id = $1 \
             AND kind LIKE 'access.%' ORDER BY due_at, id",
        )
        .bind(case.0)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(access_timer_from).collect()
    }
}

impl Tx {
    pub async fn schedule_access_timer(
        &mut self,
        case: CaseId,
        kind: ConnectionTimerKind,
        epoch: i64,
        due: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query("INSERT INTO timers (case_id, kind, epoch, due_at) VALUES ($1, $2, $3, $4)")
            .bind(case.0)
            .bind(format!("{ACCESS_TIMER_PREFIX}{}", kind.as_str()))
            .bind(epoch)
            .bind(due.0)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Removes and returns due access timers of up to `limit` cases, holding
    /// those cases as the case sweep does (see `timers.rs`).
    pub async fn take_due_access_timers(
        &mut self,
        now: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<AccessTimer>> {
        let rows = self.take_due_rows(now, limit, true).await?;
        let mut timers = rows
            .iter()
            .map(access_timer_from)
            .collect::<StoreResult<Vec<_>>>()?;
        timers.sort_by_key(|t| t.due_at);
        Ok(timers)
    }
}
