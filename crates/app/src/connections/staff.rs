//! Connectivity's actions on an access: re-run, mark working after a
//! manual check, stop (Not Completed), ask the seller for a fix.

use crate::cases::ActorRef;
use crate::{App, AppError, AppResult, Caller};
use frontdesk_domain::AccessId;
use frontdesk_domain::cases::Actor;
use frontdesk_domain::connections::{AccessEvent, NotCompletedReason};
use frontdesk_store::connections::AccessScope;

fn staff_actor(caller: &Caller) -> AppResult<ActorRef> {
    let staff = caller.staff()?;
    Ok(ActorRef {
        id: Some(staff.user),
        side: Actor::Staff,
        name: staff.name,
        email: Some(caller.user.email.clone()),
    })
}

fn required_message(message: &str) -> AppResult<String> {
    let m = message.trim();
    if m.is_empty() {
        return Err(AppError::invalid(
            "message",
            "say what was checked or why, for the case thread",
        ));
    }
    if m.chars().count() > 5000 {
        return Err(AppError::invalid("message", "at most 5000 characters"));
    }
    Ok(m.to_owned())
}

impl App {
    pub async fn staff_rerun(&self, caller: &Caller, id: AccessId) -> AppResult<()> {
        let actor = staff_actor(caller)?;
        self.access_event(
            AccessScope::Staff,
            &actor,
            id,
            AccessEvent::StaffRerun,
            "access_rerun",
            None,
        )
        .await
    }

    /// Working after a manual check; the message records what was checked.
    pub async fn staff_mark_working(
        &self,
        caller: &Caller,
        id: AccessId,
        message: &str,
    ) -> AppResult<()> {
        let actor = staff_actor(caller)?;
        let message = required_message(message)?;
        self.access_event(
            AccessScope::Staff,
            &actor,
            id,
            AccessEvent::StaffMarkWorking { manual_check: true },
            "access_marked_working",
            Some(message),
        )
        .await
    }

    pub async fn staff_not_completed(
        &self,
        caller: &Caller,
        id: AccessId,
        reason: &str,
        message: &str,
    ) -> AppResult<()> {
        let actor = staff_actor(caller)?;
        let reason = NotCompletedReason::parse(reason)
            .ok_or_else(|| AppError::invalid("reason", "must be cancelled or duplicate"))?;
        let message = message.trim();
        self.access_event(
            AccessScope::Staff,
            &actor,
            id,
            AccessEvent::StaffNotCompleted { reason },
            "access_not_completed",
            (!message.is_empty()).then(|| message.to_owned()),
        )
        .await
    }

    pub async fn staff_request_seller_fix(
        &self,
        caller: &Caller,
        id: AccessId,
        message: &str,
    ) -> AppResult<()> {
        let actor = staff_actor(caller)?;
        let message = required_message(message)?;
        self.access_event(
            AccessScope::Staff,
            &actor,
            id,
            AccessEvent::StaffRequestSellerFix,
            "access_seller_fix_requested",
            Some(message),
        )
        .await
    }
}
