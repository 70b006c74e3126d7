//! Submitting a case.

use super::{ActorRef, Change, Plan, write_plan};
use crate::notify::NoticeInput;
use crate::{App, AppError, AppResult, FieldError};
use frontdesk_domain::cases::{self, Actor, CaseState, Category, Effect, Notice, Transition};
use frontdesk_domain::{CaseId, EmailAddress, OrgId, Timestamp, UserId};
use frontdesk_store::cases::{CaseRecord, NewCase, Participant};
use frontdesk_store::idempotency::StoredResponse;
use frontdesk_store::{StoreError, Tx};

#[derive(Debug, Clone)]
pub struct NewCaseInput {
    pub category: String,
    pub subject: String,
    pub description: String,
    pub participants: Vec<String>,
    /// The AIna session the partner came from: the case then carries
    /// AIna's answer as an internal note.
    pub assistant_session_id: Option<String>,
}

/// An `Idempotency-Key` with a digest of the request it came with.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub key: String,
    pub request_hash: String,
}

/// Everything needed to open one case.
#[derive(Debug, Clone)]
pub(crate) struct OpenItem {
    pub new: NewCase,
    pub seed: CaseSeed,
    /// Participants, paired with their user when a member of the organization.
    pub people: Vec<(String, Option<UserId>)>,
    pub actor: ActorRef,
    pub notice: Notice,
    /// The audit event's kind.
    pub kind: &'static str,
    pub handoff: Option<Handoff>,
}

/// An AIna session becoming this case.
#[derive(Debug, Clone)]
pub(crate) struct Handoff {
    pub session_id: String,
    pub note: String,
}

/// Names the mails of a new case need, known before it is inserted.
#[derive(Debug, Clone)]
pub(crate) struct CaseSeed {
    pub org_name: String,
    pub requester_name: String,
    pub requester_email: String,
}

#[derive(Debug, Clone)]
pub struct Created {
    pub id: CaseId,
    /// True when an earlier identical request's result was replayed.
    pub replayed: bool,
    /// The new case as its requester sees it, when it was just created
    /// (a replay reads it back instead).
    pub detail: Option<Box<super::CaseDetail>>,
}

const MAX_PARTICIPANTS: usize = 50;

struct Valid {
    category: Category,
    subject: String,
    description: String,
    participants: Vec<EmailAddress>,
}

fn validate(input: &NewCaseInput) -> AppResult<Valid> {
    let mut errors = Vec::new();
    let category = Category::parse(&input.category);
    if category.is_none() {
        errors.push(FieldError::new(
            "category",
            "must be one of customer_care, connections, billing",
        ));
    }
    let subject = cases::subject(&input.subject)
        .map_err(|e| errors.push(FieldError::new("subject", e.to_string())))
        .ok();
    let description = cases::body("description", &input.description)
        .map_err(|e| errors.push(FieldError::new("description", e.to_string())))
        .ok();
    let mut participants = Vec::new();
    if input.participants.len() > MAX_PARTICIPANTS {
        errors.push(FieldError::new(
            "participants",
            format!("at most {MAX_PARTICIPANTS} participants"),
        ));
    }
    for (i, p) in input.participants.iter().enumerate() {
        match EmailAddress::parse(p) {
            Ok(e) if !participants.contains(&e) => participants.push(e),
            Ok(_) => {}
            Err(e) => errors.push(FieldError::new(format!("participants[{i}]"), e.to_string())),
        }
    }
    match (category, subject, description) {
        (Some(category), Some(subject), Some(description)) if errors.is_empty() => Ok(Valid {
            category,
            subject,
            description,
            participants,
        }),
        _ => Err(AppError::Invalid(errors)),
    }
}

impl App {
    /// Submits a case for the caller's current organization: the case, its
    /// participants, the audit entry and the auto-response in one transaction.
    pub async fn create_case(
        &self,
        caller: &crate::Caller,
        input: NewCaseInput,
        idempotency: Option<IdempotencyKey>,
    ) -> AppResult<Created> {
        let partner = caller.partner()?;
        let mut valid = validate(&input)?;
        for p in &valid.participants {
            self.check_not_support_address(p)?;
        }
        // The requester hears about the case anyway.
        valid
            .participants
            .retain(|p| p.as_str() != caller.user.email);
        let actor = ActorRef {
            id: Some(caller.user.id),
            side: Actor::Partner,
            name: caller.user.name.clone(),
            email: Some(caller.user.email.clone()),
        };
        let people = self
            .link_participants(partner.org, &valid.participants)
            .await?;
        let handoff = match &input.assistant_session_id {
            Some(id) => Some(Handoff {
                session_id: id.clone(),
                note: self.handoff_note(caller, id).await?,
            }),
            None => None,
        };
        let seed = CaseSeed {
            org_name: caller
                .current
                .as_ref()
                .map(|m| m.org.name.clone())
                .unwrap_or_default(),
            requester_name: caller.user.name.clone(),
            requester_email: caller.user.email.clone(),
        };
        let new = NewCase {
            org_id: partner.org,
            category: valid.category,
            subject: valid.subject,
            description: valid.description,
            requester_id: partner.user,
            team: valid.category.default_team().to_owned(),
            reopened_from: None,
        };
        let item = OpenItem {
            new,
            seed,
            people: people.clone(),
            actor,
            notice: Notice::Received,
            kind: "created",
            handoff,
        };
        let (case, added) = match idempotency {
            // Without a key, concurrent submissions share one transaction.
            None => self.creates.submit(self, item).await?,
            Some(key) => match self.create_idempotent(caller, item, &key).await? {
                Ok(opened) => opened,
                Err(replayed) => return Ok(replayed),
            },
        };
        self.wake.notify_one();
        metrics::counter!("frontdesk_cases_created_total").increment(1);
        Ok(created(case, added, &people))
    }

    /// Creation under an `Idempotency-Key`: the stored answer of an earlier
    /// identical request is replayed (`Err`), else the case is opened and
    /// the key saved in the same transaction.
    async fn create_idempotent(
        &self,
        caller: &crate::Caller,
        item: OpenItem,
        key: &IdempotencyKey,
    ) -> AppResult<Result<(CaseRecord, Vec<String>), Created>> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        if let Some(stored) = tx.idempotent_response(caller.user.id, &key.key).await? {
            return replay(&stored, key).map(Err);
        }
        let (case, added) = self.open_case(&mut tx, item, now).await?;
        let stored = StoredResponse {
            request_hash: key.request_hash.clone(),
            status: 201,
            body: serde_json::json!({ "id": case.id.0 }).to_string(),
        };
        match tx
            .save_idempotent_response(caller.user.id, &key.key, &stored, now)
            .await
        {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => {
                drop(tx);
                return self.replay_after_race(caller.user.id, key).await.map(Err);
            }
            Err(e) => return Err(e.into()),
        }
        tx.commit().await?;
        Ok(Ok((case, added)))
    }

    /// Inserts a case with participants and runs its opening notice.
    pub(crate) async fn open_case(
        &self,
        tx: &mut Tx,
        item: OpenItem,
        now: Timestamp,
    ) -> AppResult<(CaseRecord, Vec<String>)> {
        let mut opened = self.open_cases(tx, vec![item], now).await?;
        opened
            .pop()
            .ok_or_else(|| AppError::Internal("no case was opened".into()))
    }

    /// Inserts cases with their participants and opening notices, with a
    /// handful of statements however many there are; each comes back with
    /// the participants it got. The cases need not be read back: `seed`
    /// names what the mails mention.
    pub(crate) async fn open_cases(
        &self,
        tx: &mut Tx,
        items: Vec<OpenItem>,
        now: Timestamp,
    ) -> AppResult<Vec<(CaseRecord, Vec<String>)>> {
        let news: Vec<NewCase> = items.iter().map(|i| i.new.clone()).collect();
        let ids = tx.insert_cases(&news, now).await?;
        let rows: Vec<_> = ids
            .iter()
            .zip(&items)
            .flat_map(|(id, item)| {
                item.people
                    .iter()
                    .map(move |(e, u)| (*id, e.clone(), *u, item.actor.id))
            })
            .collect();
        let added = tx.add_participant_rows(&rows, now).await?;
        let state = CaseState::new();
        let mut plan = Plan::default();
        let mut opened = Vec::with_capacity(items.len());
        for (id, item) in ids.into_iter().zip(items) {
            let OpenItem {
                new,
                seed,
                actor,
                notice,
                kind,
                handoff,
                ..
            } = item;
            if let Some(handoff) = handoff {
                self.hand_over(tx, id, &handoff, now).await?;
            }
            let case = CaseRecord {
                id,
                org_id: new.org_id,
                org_name: seed.org_name,
                category: new.category,
                subject: new.subject,
                description: new.description,
                requester_id: new.requester_id,
                requester_name: seed.requester_name,
                requester_email: seed.requester_email,
                status: state.status,
                epoch: state.epoch,
                team: new.team,
                assignee_id: None,
                assignee_name: None,
                reopened_from: new.reopened_from,
                reopened_as: None,
                created_at: now,
                updated_at: now,
                status_changed_at: now,
                connection_status: None,
            };
            let mine: Vec<String> = added
                .iter()
                .filter(|(c, _)| *c == id)
                .map(|(_, e)| e.clone())
                .collect();
            let transition = Transition {
                from: state.status,
                state,
                effects: vec![Effect::Notify(notice)],
            };
            let detail = serde_json::json!({
                "category": case.category.as_str(),
                "participants": mine,
                "reopened_from": case.reopened_from.map(|c| c.0),
            });
            let change = Change {
                case: &case,
                transition,
                actor: &actor,
                kind,
                detail,
                notice: NoticeInput::default(),
            };
            self.plan(&mut plan, change, &mine, now);
            opened.push((case, mine));
        }
        write_plan(tx, &plan, now).await?;
        Ok(opened)
    }

    /// Stores AIna's answer as the case's first internal note and marks the
    /// session as escalated, so one session becomes at most one case.
    async fn hand_over(
        &self,
        tx: &mut Tx,
        case: CaseId,
        handoff: &Handoff,
        now: Timestamp,
    ) -> AppResult<()> {
        if !tx.mark_escalated(&handoff.session_id, case, now).await? {
            return Err(AppError::Conflict(
                "this assistant session already became a case".into(),
            ));
        }
        tx.insert_message(
            &frontdesk_store::messages::NewMessage {
                case_id: case,
                author_id: None,
                author_name: "AIna".into(),
                author_email: None,
                side: Actor::System,
                internal: true,
                body: handoff.note.clone(),
                source: "assistant",
                inbound_id: None,
            },
            now,
        )
        .await?;
        Ok(())
    }

    /// Pairs each address with its user when that user is a member of `org`,
    /// so colleagues find the case under "My cases".
    pub(crate) async fn link_participants(
        &self,
        org: OrgId,
        emails: &[EmailAddress],
    ) -> AppResult<Vec<(String, Option<UserId>)>> {
        if emails.is_empty() {
            return Ok(Vec::new());
        }
        let raw: Vec<String> = emails.iter().map(|e| e.as_str().to_owned()).collect();
        let members = self.store.members_by_email(org, &raw).await?;
        Ok(raw
            .into_iter()
            .map(|email| {
                let user = members.iter().find(|(e, _)| *e == email).map(|(_, u)| *u);
                (email, user)
            })
            .collect())
    }

    /// frontdesk's own addresses never become participants: mail to them
    /// would loop back into the case.
    pub(crate) fn check_not_support_address(&self, email: &EmailAddress) -> AppResult<()> {
        let support = self.config.support_address()?;
        let (local, domain) = support.as_str().split_once('@').unwrap_or_default();
        let (p_local, p_domain) = email.as_str().split_once('@').unwrap_or_default();
        let base = p_local.split('+').next().unwrap_or_default();
        if p_domain == domain && base == local {
            return Err(AppError::invalid(
                "participants",
                format!("{email} is frontdesk's own address"),
            ));
        }
        Ok(())
    }

    async fn replay_after_race(&self, user: UserId, key: &IdempotencyKey) -> AppResult<Created> {
        let mut tx = self.store.begin().await?;
        let stored = tx
            .idempotent_response(user, &key.key)
            .await?
            .ok_or_else(|| {
                AppError::Conflict(
                    "a request with this Idempotency-Key is in progress; retry".into(),
                )
            })?;
        replay(&stored, key)
    }
}

/// The answer to a fresh creation: the case as its requester sees it.
fn created(case: CaseRecord, added: Vec<String>, people: &[(String, Option<UserId>)]) -> Created {
    let now = case.created_at;
    let participants = added
        .into_iter()
        .map(|email| {
            let user_id = people
                .iter()
                .find(|(e, _)| *e == email)
                .and_then(|(_, u)| *u);
            Participant {
                email,
                user_id,
                created_at: now,
            }
        })
        .collect();
    let detail = super::CaseDetail {
        case,
        participants,
        messages: Vec::new(),
        attachments: Vec::new(),
        history: Vec::new(),
        events: Vec::new(),
        timers: Vec::new(),
        staff_view: false,
    };
    Created {
        id: detail.case.id,
        replayed: false,
        detail: Some(Box::new(detail)),
    }
}

fn replay(stored: &StoredResponse, key: &IdempotencyKey) -> AppResult<Created> {
    if stored.request_hash != key.request_hash {
        return Err(AppError::invalid(
            "Idempotency-Key",
            "this key was already used with a different request; use a new key",
        ));
    }
    let id = serde_json::from_str::<serde_json::Value>(&stored.body)
        .ok()
        .and_then(|v| v.get("id").and_then(serde_json::Value::as_i64))
        .ok_or_else(|| AppError::Internal("stored idempotent response is unreadable".into()))?;
    Ok(Created {
        id: CaseId(id),
        replayed: true,
        detail: None,
    })
}
