//! Reading cases: the dashboard list and the case page.

use crate::{App, AppError, AppResult, Caller};
use frontdesk_domain::cases::{CaseStatus, Category};
use frontdesk_domain::{CaseId, UserId};
use frontdesk_store::CaseScope;
use frontdesk_store::audit::EventRecord;
use frontdesk_store::cases::{
    AssigneeFilter, CasePage, CaseQuery, CaseRecord, Participant, SortKey, StatusFilter,
};
use frontdesk_store::messages::{AttachmentRecord, MessageRecord};
use frontdesk_store::timers::Timer;

/// The list filters as they arrive from a query string.
#[derive(Debug, Clone, Default)]
pub struct ListInput {
    /// `mine` or `company` (partners).
    pub scope: Option<String>,
    /// `open` (default), `closed`, `all`, or one status.
    pub status: Option<String>,
    pub category: Option<String>,
    pub id: Option<String>,
    pub q: Option<String>,
    /// `created`, `updated` (default) or `status`.
    pub sort: Option<String>,
    /// `asc` or `desc` (default).
    pub order: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    /// Staff queues: a team slug.
    pub team: Option<String>,
    /// Staff: `me`, `none` (unassigned) or a user id.
    pub assignee: Option<String>,
}

/// A previous case in a reopen chain, with its public conversation.
#[derive(Debug, Clone)]
pub struct HistoryCase {
    pub case: CaseRecord,
    pub messages: Vec<MessageRecord>,
}

#[derive(Debug, Clone)]
pub struct CaseDetail {
    pub case: CaseRecord,
    pub participants: Vec<Participant>,
    pub messages: Vec<MessageRecord>,
    pub attachments: Vec<AttachmentRecord>,
    /// The cases this one continues, newest first.
    pub history: Vec<HistoryCase>,
    /// Staff only: audit trail and pending timers.
    pub events: Vec<EventRecord>,
    pub timers: Vec<Timer>,
    pub staff_view: bool,
}

/// How far back a reopen chain is followed.
const MAX_HISTORY: usize = 20;

impl ListInput {
    /// The store query; `staff` is the calling staff member, `None` for partners.
    fn query(&self, staff: Option<UserId>) -> AppResult<CaseQuery> {
        let mut errors = Vec::new();
        let mut bad = |field: &str, msg: &str| errors.push(crate::FieldError::new(field, msg));
        let status = match self.status.as_deref().unwrap_or("open") {
            "open" => StatusFilter::Open,
            "closed" => StatusFilter::Closed,
            "all" => StatusFilter::All,
            other => match CaseStatus::parse(other) {
                Some(s) => StatusFilter::Is(s),
                None => {
                    bad(
                        "status",
                        "must be open, closed, all, in_progress, feedback_required or resolved",
                    );
                    StatusFilter::Open
                }
            },
        };
        let category = match self.category.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(c) => Category::parse(c).or_else(|| {
                bad("category", "must be customer_care, connections or billing");
                None
            }),
        };
        let id = match self
            .id
            .as_deref()
            .map(|s| s.trim().trim_start_matches('#'))
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(raw) => raw
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .map(CaseId)
                .or_else(|| {
                    bad("id", "must be a case number such as 1234");
                    None
                }),
        };
        let sort = match self.sort.as_deref().unwrap_or("updated") {
            "updated" => SortKey::Updated,
            "created" => SortKey::Created,
            "status" => SortKey::Status,
            _ => {
                bad("sort", "must be created, updated or status");
                SortKey::Updated
            }
        };
        let descending = match self.order.as_deref().unwrap_or(if sort == SortKey::Status {
            "asc"
        } else {
            "desc"
        }) {
            "desc" => true,
            "asc" => false,
            _ => {
                bad("order", "must be asc or desc");
                true
            }
        };
        let mine_only = match self.scope.as_deref().unwrap_or("mine") {
            "mine" => staff.is_none(),
            "company" => false,
            _ => {
                bad("scope", "must be mine or company");
                false
            }
        };
        let assignee = match (self.assignee.as_deref().map(str::trim), staff) {
            (None | Some(""), _) => None,
            (Some(_), None) => {
                bad("assignee", "only staff lists filter by assignee");
                None
            }
            (Some("me"), Some(me)) => Some(AssigneeFilter::User(me)),
            (Some("none"), Some(_)) => Some(AssigneeFilter::Nobody),
            (Some(raw), Some(_)) => match raw.parse::<i64>() {
                Ok(id) if id > 0 => Some(AssigneeFilter::User(UserId(id))),
                _ => {
                    bad("assignee", "must be me, none or a user id");
                    None
                }
            },
        };
        let limit = self.limit.unwrap_or(25);
        if !(1..=200).contains(&limit) {
            bad("limit", "must be between 1 and 200");
        }
        let after = match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => decode_cursor(c, sort).or_else(|| {
                bad(
                    "cursor",
                    "is not a cursor from this list with this sort; start again without it",
                );
                None
            }),
        };
        let q = self.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if q.is_some_and(|q| q.chars().count() > 200) {
            bad("q", "at most 200 characters");
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        Ok(CaseQuery {
            mine_only,
            status,
            category,
            id,
            subject: q.map(str::to_owned),
            team: self.team.clone().filter(|t| !t.is_empty()),
            org: None,
            assignee,
            sort,
            descending,
            limit,
            after,
        })
    }
}

/// Cursors are opaque to clients: sort name, key and id.
pub fn encode_cursor(sort: SortKey, key: i64, id: i64) -> String {
    let tag = match sort {
        SortKey::Created => 'c',
        SortKey::Updated => 'u',
        SortKey::Status => 's',
    };
    format!("{tag}{key}.{id}")
}

fn decode_cursor(c: &str, sort: SortKey) -> Option<(i64, i64)> {
    let expected = encode_cursor(sort, 0, 0).chars().next()?;
    let rest = c.strip_prefix(expected)?;
    let (key, id) = rest.split_once('.')?;
    Some((key.parse().ok()?, id.parse().ok()?))
}

impl App {
    /// The partner dashboard (or, for staff, every organization's cases).
    pub async fn list_cases(
        &self,
        caller: &Caller,
        input: &ListInput,
    ) -> AppResult<(CasePage, Option<String>)> {
        let scope = caller.case_scope()?;
        let staff = matches!(scope, CaseScope::Staff).then_some(caller.user.id);
        let mut query = input.query(staff)?;
        if let CaseScope::Partner { company: false, .. } = scope
            && input.scope.as_deref() == Some("company")
        {
            return Err(AppError::Forbidden(
                "your organization shows Company cases to its admins only".into(),
            ));
        }
        if !caller.is_staff() {
            query.team = None;
        }
        self.page(scope, &query).await
    }

    /// A staff queue: one team's cases (or all), same filters and sort.
    pub async fn staff_queue(
        &self,
        caller: &Caller,
        input: &ListInput,
    ) -> AppResult<(CasePage, Option<String>)> {
        let cap = caller.staff()?;
        let query = input.query(Some(cap.user))?;
        if let Some(team) = &query.team
            && self.store.team(team).await?.is_none()
        {
            return Err(AppError::invalid("team", format!("no team {team:?}")));
        }
        self.page(CaseScope::Staff, &query).await
    }

    async fn page(
        &self,
        scope: CaseScope,
        query: &CaseQuery,
    ) -> AppResult<(CasePage, Option<String>)> {
        let page = self.store.list_cases(scope, query).await?;
        let cursor = page.next.map(|(k, id)| encode_cursor(query.sort, k, id));
        Ok((page, cursor))
    }

    /// The case page: conversation, participants, attachments, and the
    /// history of the cases it reopens. Internal notes and the audit trail
    /// only for staff.
    pub async fn case_detail(&self, caller: &Caller, id: CaseId) -> AppResult<CaseDetail> {
        let scope = caller.case_scope()?;
        let case = self
            .store
            .case(scope, id)
            .await?
            .ok_or(AppError::NotFound("case"))?;
        let staff = matches!(scope, CaseScope::Staff);
        let ids = [case.id];
        let (messages, participants, attachments) = tokio::try_join!(
            self.store.messages(&ids, staff),
            self.store.participants(case.id),
            self.store.attachments(case.id),
        )?;
        let mut history = Vec::new();
        let mut previous = case.reopened_from;
        while let Some(prev) = previous {
            if history.len() >= MAX_HISTORY {
                break;
            }
            // The chain stays inside the organization of a case the caller
            // may already see, so the staff scope only skips the per-user filter.
            let Some(old) = self.store.case(CaseScope::Staff, prev).await? else {
                break;
            };
            if old.org_id != case.org_id {
                break;
            }
            previous = old.reopened_from;
            let messages = self.store.messages(&[old.id], false).await?;
            history.push(HistoryCase {
                case: old,
                messages,
            });
        }
        let (events, timers) = if staff {
            (
                self.store.events(case.id).await?,
                self.store.timers(case.id).await?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(CaseDetail {
            case,
            participants,
            messages,
            attachments,
            history,
            events,
            timers,
            staff_view: staff,
        })
    }
}
