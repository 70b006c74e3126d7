//! The timer policy in force: the configuration's, unless an administrator
//! stored another from the admin pages. Every replica re-reads the stored
//! one with the workers' periodic sync, so all of them converge within
//! seconds; timers already scheduled keep their time.

use crate::access::Caller;
use crate::{App, AppError, AppResult, FieldError};
use frontdesk_domain::cases::TimerPolicy;
use std::sync::RwLock;

const KEY: &str = "timer_policy";

/// The policy shared by the use cases of one process.
#[derive(Debug, Default)]
pub struct PolicyCell(RwLock<TimerPolicy>);

impl PolicyCell {
    pub fn new(policy: TimerPolicy) -> Self {
        Self(RwLock::new(policy))
    }

    fn get(&self) -> TimerPolicy {
        *self.0.read().unwrap_or_else(|e| e.into_inner())
    }

    fn set(&self, policy: TimerPolicy) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = policy;
    }
}

/// Where the policy in force comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicySource {
    Configuration,
    Administrator,
}

impl App {
    /// The timer policy in force now.
    pub fn policy(&self) -> TimerPolicy {
        self.policy.get()
    }

    /// The configuration's policy (validated when the app was built).
    pub fn configured_policy(&self) -> AppResult<TimerPolicy> {
        self.config.timers.policy()
    }

    /// Whether an administrator's policy is stored (else the configuration's).
    pub async fn policy_source(&self) -> AppResult<PolicySource> {
        Ok(if self.store.setting(KEY).await?.is_some() {
            PolicySource::Administrator
        } else {
            PolicySource::Configuration
        })
    }

    /// Reads the stored policy (or falls back to the configuration) and
    /// makes it the one in force; returns where it came from.
    pub async fn reload_policy(&self) -> AppResult<PolicySource> {
        let (policy, source) = match self.store.setting(KEY).await? {
            Some(json) => match serde_json::from_str::<TimerPolicy>(&json) {
                Ok(p) if p.validate().is_ok() => (p, PolicySource::Administrator),
                _ => {
                    tracing::warn!("stored timer policy unreadable; using the configuration's");
                    (self.configured_policy()?, PolicySource::Configuration)
                }
            },
            None => (self.configured_policy()?, PolicySource::Configuration),
        };
        self.policy.set(policy);
        Ok(source)
    }

    /// Stores `policy` for every replica (`None`: back to the
    /// configuration's). Administrators only.
    pub async fn set_timer_policy(
        &self,
        caller: &Caller,
        policy: Option<TimerPolicy>,
    ) -> AppResult<PolicySource> {
        let admin = caller.admin()?;
        let mut tx = self.store.begin().await?;
        match policy {
            Some(p) => {
                p.validate()
                    .map_err(|m| AppError::Invalid(vec![FieldError::new("policy", m)]))?;
                let json =
                    serde_json::to_string(&p).map_err(|e| AppError::Internal(e.to_string()))?;
                tx.put_setting(KEY, &json, admin.user, self.now()).await?;
            }
            None => tx.delete_setting(KEY).await?,
        }
        tx.commit().await?;
        tracing::info!(user_id = admin.user.0, "timer policy changed");
        self.reload_policy().await
    }
}
