//! Mail coming in, by SMTP, pipe or webhook: one pipeline that stores each
//! message once, finds its case, checks the sender may write there, and
//! appends it as the portal would, all in one transaction with its
//! attachments. What it may not do is held for staff, never answered.

use crate::cases::{ActorRef, CaseSeed, Change, OpenItem};
use crate::notify::NoticeInput;
use crate::{App, AppError, AppResult, Caller};
use frontdesk_domain::cases::{self, Actor, CaseStatus, Category, Event, Notice, decide};
use frontdesk_domain::{CaseId, EmailAddress, UserId};
use frontdesk_mail::inbound::{self, Limits, Parsed};
use frontdesk_mail::{case_from_message_id, case_from_reply_address, case_from_subject};
use frontdesk_store::inbound::{InboundRecord, NewInbound, Outcome};
use frontdesk_store::messages::NewMessage;
use frontdesk_store::outbox::NewMail;
use frontdesk_store::{CaseScope, StoreError, Tx};
use sha2::{Digest, Sha256};

/// How a message reached frontdesk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Smtp,
    Pipe,
    Webhook,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Self::Smtp => "smtp",
            Self::Pipe => "pipe",
            Self::Webhook => "webhook",
        }
    }
}

/// What became of a message.
#[derive(Debug, Clone)]
pub struct Ingested {
    /// The stored inbound record (the earlier one for a redelivery).
    pub inbound_id: i64,
    pub outcome: Outcome,
    /// True when the same Message-ID had already been stored.
    pub duplicate: bool,
    pub case_id: Option<CaseId>,
    pub reason: String,
}

/// Who wrote a message into a case.
#[derive(Debug, Clone)]
struct Author {
    actor: ActorRef,
    staff: bool,
}

/// A message with everything decided before the transaction.
struct Arrival<'a> {
    parsed: &'a Parsed,
    message_id: String,
    channel: Channel,
    raw_key: String,
    raw_size: i64,
}

impl App {
    /// Takes one raw message. `Ok` means it is stored for good (whatever
    /// became of it); an error is temporary (the sender should retry) except
    /// `TooLarge`.
    pub async fn ingest_mail(
        &self,
        raw: &[u8],
        channel: Channel,
        recipients: &[String],
    ) -> AppResult<Ingested> {
        let max = self.config.mail.max_inbound_bytes;
        if raw.len() > max {
            return Err(AppError::TooLarge(format!(
                "the message is {} bytes; at most {max} are accepted",
                raw.len()
            )));
        }
        if raw.iter().all(u8::is_ascii_whitespace) {
            return Err(AppError::invalid("message", "the message is empty"));
        }
        let (raw_key, _) = self.blobs.put(raw).await?;
        let raw_size = i64::try_from(raw.len()).unwrap_or(i64::MAX);
        let parsed = match inbound::parse(raw, &Limits::default()) {
            Ok(p) => p,
            Err(e) => {
                let message_id = digest_id(raw);
                // A bounce often has no usable sender (`<>`, a bare
                // MAILER-DAEMON); it is automatic mail, not staff's work.
                let (outcome, reason) = match automatic_without_sender(raw) {
                    Some(marker) => (
                        Outcome::Ignored,
                        format!("automatic mail ({marker}) without a usable sender"),
                    ),
                    None => (Outcome::Held, format!("not understood: {e}")),
                };
                let record = NewInbound {
                    message_id,
                    channel: channel.as_str(),
                    sender: String::new(),
                    subject: String::new(),
                    outcome,
                    reason,
                    case_id: None,
                    raw_key,
                    raw_size,
                };
                return self.record_only(record).await;
            }
        };
        let message_id = parsed
            .message_id
            .clone()
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| digest_id(raw));
        if let Some(existing) = self.store.inbound_by_message_id(&message_id).await? {
            return Ok(duplicate(&existing));
        }
        let arrival = Arrival {
            parsed: &parsed,
            message_id,
            channel,
            raw_key,
            raw_size,
        };
        let result = self.route(&arrival, recipients).await;
        match result {
            // A concurrent delivery of the same message won the race.
            Err(AppError::Store(StoreError::Conflict(_))) => {
                match self
                    .store
                    .inbound_by_message_id(&arrival.message_id)
                    .await?
                {
                    Some(existing) => Ok(duplicate(&existing)),
                    None => Err(AppError::Unavailable("retry the delivery".into())),
                }
            }
            other => {
                if let Ok(done) = &other {
                    metrics::counter!("frontdesk_inbound_mail_total", "outcome" => done.outcome.as_str())
                        .increment(1);
                }
                other
            }
        }
    }

    async fn route(&self, a: &Arrival<'_>, recipients: &[String]) -> AppResult<Ingested> {
        let p = a.parsed;
        if let Some(kind) = &p.auto {
            let reason = p
                .auto_reason
                .clone()
                .unwrap_or_else(|| format!("automatic mail ({kind:?})"));
            return self.record(a, Outcome::Ignored, reason, None).await;
        }
        let support = self.config.support_address()?;
        let sender = p.from.address.clone();
        if is_ours(&sender, &support) {
            return self
                .record(a, Outcome::Ignored, "sent by frontdesk itself".into(), None)
                .await;
        }
        // 1. The case's reply address; 2. the thread headers.
        let named = recipients
            .iter()
            .map(String::as_str)
            .chain(p.to.iter().chain(&p.cc).map(|m| m.address.as_str()))
            .find_map(|addr| case_from_reply_address(addr, &support));
        let named = match named {
            Some(c) => Some(c),
            None => self.case_from_thread(p, &support).await?,
        };
        if let Some(case_id) = named {
            return match self.author_for(case_id, &sender, p).await? {
                Some(author) => self.append(a, case_id, author).await,
                None => {
                    let reason = format!(
                        "{sender} is neither a participant of case #{} nor a member of its organization",
                        case_id.0
                    );
                    let exists = self.store.case(CaseScope::Staff, case_id).await?.is_some();
                    self.record(a, Outcome::Held, reason, exists.then_some(case_id))
                        .await
                }
            };
        }
        // 3. The subject tag, only for a sender who may see that case.
        if let Some(case_id) = case_from_subject(&p.subject)
            && let Some(author) = self.author_for(case_id, &sender, p).await?
        {
            return self.append(a, case_id, author).await;
        }
        self.open_from_mail(a, &sender, &support).await
    }

    /// The case a reply's In-Reply-To / References point at: one of our
    /// Message-IDs, or a message that already went into a case.
    async fn case_from_thread(
        &self,
        p: &Parsed,
        support: &EmailAddress,
    ) -> AppResult<Option<CaseId>> {
        let ids: Vec<String> = p
            .in_reply_to
            .iter()
            .chain(p.references.iter().rev())
            .cloned()
            .collect();
        if let Some(c) = ids
            .iter()
            .find_map(|id| case_from_message_id(id, support.domain()))
        {
            return Ok(Some(c));
        }
        Ok(self.store.case_of_inbound_ids(&ids).await?)
    }

    /// Who `sender` is on the case, if they may write into it: a
    /// participant, the requester, a member of its organization, or staff.
    async fn author_for(
        &self,
        case_id: CaseId,
        sender: &EmailAddress,
        p: &Parsed,
    ) -> AppResult<Option<Author>> {
        let Some(case) = self.store.case(CaseScope::Staff, case_id).await? else {
            return Ok(None);
        };
        let name = p
            .from
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| sender.as_str().to_owned());
        let user = self.store.user_by_email(sender).await?.filter(|u| u.active);
        if let Some(u) = &user {
            let teams = self.store.user_teams(u.id).await?;
            if u.is_admin || !teams.is_empty() {
                return Ok(Some(Author {
                    actor: ActorRef {
                        id: Some(u.id),
                        side: Actor::Staff,
                        name: u.name.clone(),
                        email: Some(u.email.clone()),
                    },
                    staff: true,
                }));
            }
        }
        let member = !self
            .store
            .members_by_email(case.org_id, &[sender.as_str().to_owned()])
            .await?
            .is_empty();
        let participant = case.requester_email == sender.as_str()
            || self
                .store
                .participants(case_id)
                .await?
                .iter()
                .any(|x| x.email == sender.as_str());
        if !(member || participant) {
            return Ok(None);
        }
        Ok(Some(Author {
            actor: ActorRef {
                id: user.as_ref().map(|u| u.id),
                side: Actor::Partner,
                name: user.map_or(name, |u| u.name),
                email: Some(sender.as_str().to_owned()),
            },
            staff: false,
        }))
    }

    /// Appends the reply to its case: the message, its attachments, new
    /// participants from To/CC, and the lifecycle's answer (a reply while
    /// waiting moves the case to In progress; within the resolution window
    /// it reopens it). A closed case gets how to reopen it instead.
    async fn append(
        &self,
        a: &Arrival<'_>,
        case_id: CaseId,
        author: Author,
    ) -> AppResult<Ingested> {
        let p = a.parsed;
        let now = self.now();
        let support = self.config.support_address()?;
        let stored = self.store_attachments(p).await?;
        let body = message_body(p);
        let mut tx = self.store.begin().await?;
        let case = tx
            .case_for_update(CaseScope::Staff, case_id)
            .await?
            .ok_or(AppError::NotFound("case"))?;
        let event = if author.staff {
            Event::StaffReply
        } else {
            Event::PartnerMessage
        };
        let transition = match decide(case.state(), event, now, &self.policy()) {
            Ok(t) => t,
            Err(_) if case.status == CaseStatus::Closed => {
                return self.answer_closed(tx, a, &case).await;
            }
            Err(r) => {
                drop(tx);
                return self
                    .record(
                        a,
                        Outcome::Held,
                        format!("the case refused it: {r}"),
                        Some(case_id),
                    )
                    .await;
            }
        };
        let inbound_id = tx
            .insert_inbound(
                &self.inbound_row(a, Outcome::Appended, "appended".into(), Some(case_id)),
                now,
            )
            .await?;
        let message_id = write_message(
            &mut tx,
            case_id,
            &author.actor,
            &body,
            inbound_id,
            &stored,
            now,
        )
        .await?;
        // Colleagues in To/CC join the case; frontdesk and the sender never.
        let sender = p.from.address.as_str();
        let mut people: Vec<EmailAddress> = Vec::new();
        for m in p.to.iter().chain(&p.cc) {
            if m.address.as_str() != sender
                && m.address.as_str() != case.requester_email
                && !is_ours(&m.address, &support)
                && !people.contains(&m.address)
            {
                people.push(m.address.clone());
            }
        }
        let added = if people.is_empty() || author.staff {
            Vec::new()
        } else {
            let linked = self.link_participants(case.org_id, &people).await?;
            tx.add_participants(case_id, &linked, author.actor.id, now)
                .await?
        };
        let notice = NoticeInput {
            body: Some(body),
            author: Some(author.actor.name.clone()),
            author_email: author.actor.email.clone(),
            new_participant: None,
        };
        let detail = serde_json::json!({
            "message_id": message_id.0,
            "inbound_id": inbound_id,
            "participants_added": added,
            "attachments": stored.len(),
        });
        self.finish(
            tx,
            Change {
                case: &case,
                transition,
                actor: &author.actor,
                kind: "email_reply",
                detail,
                notice,
            },
            now,
        )
        .await?;
        Ok(Ingested {
            inbound_id,
            outcome: Outcome::Appended,
            duplicate: false,
            case_id: Some(case_id),
            reason: "appended".into(),
        })
    }

    /// A reply to a closed case is not appended: its sender hears how to
    /// reopen it (the mail carries loop-stopping headers like all ours).
    async fn answer_closed(
        &self,
        mut tx: Tx,
        a: &Arrival<'_>,
        case: &frontdesk_store::cases::CaseRecord,
    ) -> AppResult<Ingested> {
        let now = self.now();
        let reason = format!(
            "case #{} is closed; the sender was told how to reopen it",
            case.id.0
        );
        let inbound_id = tx
            .insert_inbound(
                &self.inbound_row(a, Outcome::AnsweredClosed, reason.clone(), Some(case.id)),
                now,
            )
            .await?;
        let domain = self.config.support_address()?.domain().to_owned();
        let context = serde_json::json!({
            "subject": case.subject,
            "portal_url": self.config.case_url(case.id),
        });
        tx.enqueue_mail(
            &[NewMail {
                case_id: Some(case.id),
                kind: CLOSED_REPLY_KIND.into(),
                recipients: vec![a.parsed.from.address.as_str().to_owned()],
                subject: case.subject.clone(),
                context: context.to_string(),
                message_id: frontdesk_mail::new_message_id(case.id, &domain),
                in_reply_to: a.parsed.message_id.clone(),
                references: a.parsed.message_id.iter().cloned().collect(),
            }],
            now,
        )
        .await?;
        tx.commit().await?;
        self.wake.notify_one();
        Ok(Ingested {
            inbound_id,
            outcome: Outcome::AnsweredClosed,
            duplicate: false,
            case_id: Some(case.id),
            reason,
        })
    }

    /// A known partner's mail that names no case opens a Customer Care
    /// case in their organization, with the usual auto-response; anyone
    /// else's is held.
    async fn open_from_mail(
        &self,
        a: &Arrival<'_>,
        sender: &EmailAddress,
        support: &EmailAddress,
    ) -> AppResult<Ingested> {
        let p = a.parsed;
        let hold = |reason: String| self.record(a, Outcome::Held, reason, None);
        let Some(user) = self.store.user_by_email(sender).await?.filter(|u| u.active) else {
            return hold(format!(
                "{sender} is not a known partner user and names no case"
            ))
            .await;
        };
        let memberships: Vec<_> = self
            .store
            .memberships(user.id)
            .await?
            .into_iter()
            .filter(|m| m.org.active)
            .collect();
        let [membership] = memberships.as_slice() else {
            return hold(format!(
                "{sender} belongs to {} organizations; staff must choose where this goes",
                memberships.len()
            ))
            .await;
        };
        let now = self.now();
        let stored = self.store_attachments(p).await?;
        let mut cc: Vec<EmailAddress> = Vec::new();
        for m in p.to.iter().chain(&p.cc) {
            if m.address != *sender && !is_ours(&m.address, support) && !cc.contains(&m.address) {
                cc.push(m.address.clone());
            }
        }
        let people = self.link_participants(membership.org.id, &cc).await?;
        let subject = cases::subject(&p.subject).unwrap_or_else(|_| fallback_subject(&p.subject));
        let item = OpenItem {
            new: frontdesk_store::cases::NewCase {
                org_id: membership.org.id,
                category: Category::CustomerCare,
                subject,
                description: message_body(p),
                requester_id: user.id,
                team: Category::CustomerCare.default_team().to_owned(),
                reopened_from: None,
            },
            seed: CaseSeed {
                org_name: membership.org.name.clone(),
                requester_name: user.name.clone(),
                requester_email: user.email.clone(),
            },
            people,
            actor: ActorRef {
                id: Some(user.id),
                side: Actor::Partner,
                name: user.name.clone(),
                email: Some(user.email.clone()),
            },
            notice: Notice::Received,
            kind: "created_by_email",
            handoff: None,
        };
        let mut tx = self.store.begin().await?;
        let (case, _) = self.open_case(&mut tx, item, now).await?;
        let inbound_id = tx
            .insert_inbound(
                &self.inbound_row(
                    a,
                    Outcome::Created,
                    "opened a new case".into(),
                    Some(case.id),
                ),
                now,
            )
            .await?;
        attach(&mut tx, case.id, &stored, Some(user.id), now).await?;
        tx.commit().await?;
        self.wake.notify_one();
        Ok(Ingested {
            inbound_id,
            outcome: Outcome::Created,
            duplicate: false,
            case_id: Some(case.id),
            reason: "opened a new case".into(),
        })
    }

    async fn store_attachments(&self, p: &Parsed) -> AppResult<Vec<StoredFile>> {
        let mut stored = Vec::with_capacity(p.attachments.len());
        for att in &p.attachments {
            let (key, sha) = self.blobs.put(&att.data).await?;
            let size = i64::try_from(att.data.len()).unwrap_or(i64::MAX);
            stored.push(StoredFile {
                file_name: att.file_name.clone(),
                content_type: att.content_type.clone(),
                size,
                sha,
                key,
            });
        }
        Ok(stored)
    }

    fn inbound_row(
        &self,
        a: &Arrival<'_>,
        outcome: Outcome,
        reason: String,
        case: Option<CaseId>,
    ) -> NewInbound {
        NewInbound {
            message_id: a.message_id.clone(),
            channel: a.channel.as_str(),
            sender: a.parsed.from.address.as_str().to_owned(),
            subject: a.parsed.subject.chars().take(500).collect(),
            outcome,
            reason,
            case_id: case,
            raw_key: a.raw_key.clone(),
            raw_size: a.raw_size,
        }
    }

    async fn record(
        &self,
        a: &Arrival<'_>,
        outcome: Outcome,
        reason: String,
        case: Option<CaseId>,
    ) -> AppResult<Ingested> {
        self.record_only(self.inbound_row(a, outcome, reason, case))
            .await
    }

    async fn record_only(&self, row: NewInbound) -> AppResult<Ingested> {
        if let Some(existing) = self.store.inbound_by_message_id(&row.message_id).await? {
            return Ok(duplicate(&existing));
        }
        let mut tx = self.store.begin().await?;
        let inbound_id = tx.insert_inbound(&row, self.now()).await?;
        tx.commit().await?;
        if row.outcome == Outcome::Held {
            tracing::info!(inbound_id, reason = %row.reason, "inbound mail held for review");
        }
        Ok(Ingested {
            inbound_id,
            outcome: row.outcome,
            duplicate: false,
            case_id: row.case_id,
            reason: row.reason,
        })
    }

    /// Held mail for staff, newest first.
    pub async fn held_mail(
        &self,
        caller: &Caller,
        before: Option<i64>,
        limit: i64,
    ) -> AppResult<Vec<InboundRecord>> {
        caller.staff()?;
        Ok(self
            .store
            .inbound_list(Outcome::Held, before, limit)
            .await?)
    }

    /// The original of an inbound message, for staff.
    pub async fn inbound_original(
        &self,
        caller: &Caller,
        id: i64,
    ) -> AppResult<(InboundRecord, Vec<u8>)> {
        caller.staff()?;
        let record = self
            .store
            .inbound(id)
            .await?
            .ok_or(AppError::NotFound("inbound mail"))?;
        let raw = self.blobs.get(&record.raw_key).await?;
        Ok((record, raw))
    }

    /// Lets a held message into a case (the one it named, or `case`): it is
    /// appended as a reply from its sender, who becomes a participant.
    pub async fn release_held(
        &self,
        caller: &Caller,
        id: i64,
        case: Option<CaseId>,
    ) -> AppResult<CaseId> {
        let staff = caller.staff()?;
        let record = self
            .store
            .inbound(id)
            .await?
            .ok_or(AppError::NotFound("held mail"))?;
        if record.outcome != Outcome::Held {
            return Err(AppError::Conflict(format!(
                "this mail was already {}",
                record.outcome.as_str()
            )));
        }
        let case_id = case.or(record.case_id).ok_or_else(|| {
            AppError::invalid(
                "case_id",
                "this mail names no case; say which case it belongs to",
            )
        })?;
        let target = self
            .store
            .case(CaseScope::Staff, case_id)
            .await?
            .ok_or_else(|| AppError::invalid("case_id", "no such case"))?;
        let raw = self.blobs.get(&record.raw_key).await?;
        let parsed = inbound::parse(&raw, &Limits::default()).map_err(|e| {
            AppError::Conflict(format!("this mail cannot be read as a message: {e}"))
        })?;
        let sender = parsed.from.address.clone();
        let name = parsed
            .from
            .name
            .clone()
            .unwrap_or_else(|| sender.as_str().to_owned());
        let now = self.now();
        let stored = self.store_attachments(&parsed).await?;
        let body = message_body(&parsed);
        let mut tx = self.store.begin().await?;
        if tx.held_for_update(id).await?.is_none() {
            return Err(AppError::Conflict(
                "this mail was already released or discarded".into(),
            ));
        }
        let case = tx
            .case_for_update(CaseScope::Staff, target.id)
            .await?
            .ok_or(AppError::NotFound("case"))?;
        let transition = decide(case.state(), Event::PartnerMessage, now, &self.policy())
            .map_err(crate::cases::refused)?;
        let user = self.store.user_by_email(&sender).await?;
        let actor = ActorRef {
            id: user.as_ref().map(|u| u.id),
            side: Actor::Partner,
            name,
            email: Some(sender.as_str().to_owned()),
        };
        let message_id = write_message(&mut tx, case.id, &actor, &body, id, &stored, now).await?;
        if sender.as_str() != case.requester_email {
            let linked: Vec<(String, Option<UserId>)> =
                vec![(sender.as_str().to_owned(), user.as_ref().map(|u| u.id))];
            tx.add_participants(case.id, &linked, Some(staff.user), now)
                .await?;
        }
        tx.resolve_inbound(id, Outcome::Released, Some(case.id), staff.user, now)
            .await?;
        let detail = serde_json::json!({ "message_id": message_id.0, "inbound_id": id, "released_by": staff.user.0 });
        self.finish(
            tx,
            Change {
                case: &case,
                transition,
                actor: &actor,
                kind: "email_released",
                detail,
                notice: NoticeInput {
                    body: Some(body),
                    author: Some(actor.name.clone()),
                    author_email: actor.email.clone(),
                    new_participant: None,
                },
            },
            now,
        )
        .await?;
        Ok(case.id)
    }

    /// Throws a held message away (it stays in the record as discarded).
    pub async fn discard_held(&self, caller: &Caller, id: i64) -> AppResult<()> {
        let staff = caller.staff()?;
        let mut tx = self.store.begin().await?;
        if tx.held_for_update(id).await?.is_none() {
            return Err(match self.store.inbound(id).await? {
                Some(r) => {
                    AppError::Conflict(format!("this mail was already {}", r.outcome.as_str()))
                }
                None => AppError::NotFound("held mail"),
            });
        }
        tx.resolve_inbound(id, Outcome::Discarded, None, staff.user, self.now())
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A mail's reply as a public message of `case`, with its attachments.
async fn write_message(
    tx: &mut Tx,
    case: CaseId,
    actor: &ActorRef,
    body: &str,
    inbound_id: i64,
    files: &[StoredFile],
    now: frontdesk_domain::Timestamp,
) -> AppResult<frontdesk_domain::MessageId> {
    let message_id = tx
        .insert_message(
            &NewMessage {
                case_id: case,
                author_id: actor.id,
                author_name: actor.name.clone(),
                author_email: actor.email.clone(),
                side: actor.side,
                internal: false,
                body: body.to_owned(),
                source: "email",
                inbound_id: Some(inbound_id),
            },
            now,
        )
        .await?;
    attach(tx, case, files, actor.id, now).await?;
    Ok(message_id)
}

async fn attach(
    tx: &mut Tx,
    case: CaseId,
    files: &[StoredFile],
    by: Option<UserId>,
    now: frontdesk_domain::Timestamp,
) -> AppResult<()> {
    for f in files {
        tx.insert_attachment(
            case,
            &f.file_name,
            &f.content_type,
            f.size,
            &f.sha,
            &f.key,
            by,
            now,
        )
        .await?;
    }
    Ok(())
}

/// An attachment already in the blob store, to be recorded with its case.
struct StoredFile {
    file_name: String,
    content_type: String,
    size: i64,
    sha: String,
    key: String,
}

/// The outbox kind of the answer to a reply into a closed case.
pub(crate) const CLOSED_REPLY_KIND: &str = "closed_case_reply";

fn duplicate(existing: &InboundRecord) -> Ingested {
    Ingested {
        inbound_id: existing.id,
        outcome: existing.outcome,
        duplicate: true,
        case_id: existing.case_id,
        reason: "this message was already received".into(),
    }
}

/// The mark of automatic mail in the header section of a message that could
/// not be parsed into one with a sender.
fn automatic_without_sender(raw: &[u8]) -> Option<&'static str> {
    let head = &raw[..raw.len().min(64 * 1024)];
    let end = head
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .or_else(|| head.windows(2).position(|w| w == b"\n\n"))
        .unwrap_or(head.len());
    let headers = String::from_utf8_lossy(&head[..end]).to_ascii_lowercase();
    let lines: Vec<&str> = headers.lines().collect();
    let has = |prefix: &str, needle: &str| {
        lines
            .iter()
            .any(|l| l.starts_with(prefix) && l.contains(needle))
    };
    if has("content-type:", "multipart/report") {
        Some("delivery report")
    } else if has("from:", "mailer-daemon") || has("from:", "postmaster") {
        Some("mailer daemon")
    } else if has("return-path:", "<>") {
        Some("null return path")
    } else if lines
        .iter()
        .filter_map(|l| l.strip_prefix("auto-submitted:"))
        .any(|v| v.trim() != "no")
    {
        Some("Auto-Submitted")
    } else {
        None
    }
}

/// A stable identity for a message without a Message-ID.
fn digest_id(raw: &[u8]) -> String {
    let hex: String = Sha256::digest(raw)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256:{hex}")
}

/// frontdesk's own addresses (the support address and its `+case-N`
/// forms): mail from them is a loop, and they never become participants.
fn is_ours(addr: &EmailAddress, support: &EmailAddress) -> bool {
    let (local, domain) = addr.as_str().rsplit_once('@').unwrap_or_default();
    let (s_local, s_domain) = support.as_str().rsplit_once('@').unwrap_or_default();
    domain.eq_ignore_ascii_case(s_domain) && local.split('+').next() == Some(s_local)
}

/// The message shown: the reply without quoted history, within the size a
/// case message may have (the full original stays with the inbound record).
fn message_body(p: &Parsed) -> String {
    let text = if p.reply.trim().is_empty() {
        p.text.trim()
    } else {
        p.reply.trim()
    };
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect();
    let body = if cleaned.trim().is_empty() {
        "(The mail had no text.)".to_owned()
    } else {
        cleaned
    };
    match cases::body("body", &body) {
        Ok(b) => b,
        Err(_) => {
            let cut: String = body.chars().take(cases::MAX_BODY_CHARS - 100).collect();
            format!("{cut}\n\n[… shortened; the full mail is kept with the original]")
        }
    }
}

fn fallback_subject(raw: &str) -> String {
    let clean: String = raw.chars().filter(|c| !c.is_control()).take(150).collect();
    if clean.trim().is_empty() {
        "(no subject)".into()
    } else {
        clean.trim().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> EmailAddress {
        EmailAddress::parse(s).unwrap()
    }

    #[test]
    fn our_addresses_are_recognized_with_and_without_case_tags() {
        let support = addr("support@desk.example");
        assert!(is_ours(&addr("support@desk.example"), &support));
        assert!(is_ours(&addr("support+case-12@desk.example"), &support));
        assert!(!is_ours(&addr("supporter@desk.example"), &support));
        assert!(!is_ours(&addr("support@other.example"), &support));
    }

    #[test]
    fn bounces_without_a_sender_are_recognized() {
        assert_eq!(
            automatic_without_sender(b"From: MAILER-DAEMON\r\nSubject: failure\r\n\r\nbody"),
            Some("mailer daemon")
        );
        assert_eq!(
            automatic_without_sender(b"Return-Path: <>\nContent-Type: multipart/report; report-type=delivery-status\n\nx"),
            Some("delivery report")
        );
        assert_eq!(
            automatic_without_sender(b"Subject: hi\r\n\r\nFrom: mailer-daemon in the body"),
            None
        );
        assert_eq!(
            automatic_without_sender(b"Auto-Submitted: no\r\n\r\n"),
            None
        );
    }

    #[test]
    fn messages_without_an_id_are_named_by_their_content() {
        assert_eq!(digest_id(b"a"), digest_id(b"a"));
        assert_ne!(digest_id(b"a"), digest_id(b"b"));
        assert!(digest_id(b"a").starts_with("sha256:"));
    }
}
