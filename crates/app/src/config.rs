//! Layered configuration: defaults, then a TOML file, then `FRONTDESK_*`
//! environment variables (nested keys with `__`, e.g.
//! `FRONTDESK_MAIL__TRANSPORT=smtp`), then command-line flags.

use crate::{AppError, AppResult};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use frontdesk_domain::Duration;
use frontdesk_domain::EmailAddress;
use frontdesk_domain::cases::TimerPolicy;
use frontdesk_mail::transport::{Maildir, Smtp, SmtpConfig, SmtpTls, Transport};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the SQLite database, the maildir and attachments live.
    pub data_dir: PathBuf,
    /// `postgres://…` or `sqlite://…`; empty means SQLite in `data_dir`.
    pub database_url: String,
    pub listen: String,
    /// The address partners use, for links in mails.
    pub public_url: String,
    /// `text` or `json`.
    pub log_format: String,
    /// Adds `POST /api/v1/dev/clock` (administrators only).
    pub dev_clock: bool,
    /// `all` (web + workers), `web` or `worker`.
    pub role: String,
    pub mail: MailSettings,
    pub timers: TimerSettings,
    pub limits: Limits,
    pub auth: AuthSettings,
    pub assistant: AssistantSettings,
    pub connections: ConnectionSettings,
}

/// Connections: how secrets are kept and how sellers are tested.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionSettings {
    /// The key sealing credential secrets, `<id>:base64:<32 bytes>`;
    /// unset: requests with secrets are refused (`demo` writes one).
    #[serde(serialize_with = "mask", default)]
    pub secret_key: Option<SecretString>,
    /// Older keys still able to open stored values (after a rotation).
    #[serde(serialize_with = "mask_list", default)]
    pub older_secret_keys: Vec<SecretString>,
    /// Who buyers without a commercial contract should write to.
    pub sales_contact: String,
    /// The market of the default search (nationality and markets).
    pub market: String,
    /// At most this many activation runs talk to one seller at once.
    pub per_seller_limit: i64,
    /// Activation runs one worker executes side by side.
    pub runs_per_worker: usize,
    /// How long a claimed activation run is reserved for its worker, which
    /// renews it every third of that while the run is in flight: a worker
    /// that dies delays the access by at most this long.
    pub run_lease_ms: i64,
    /// Days a seller's fix link stays valid.
    pub fix_link_days: i64,
    /// Per-request timeouts of the seller adapter, in milliseconds.
    pub connect_timeout_ms: u64,
    pub authenticate_timeout_ms: u64,
    pub search_timeout_ms: u64,
    pub quote_timeout_ms: u64,
    pub content_timeout_ms: u64,
}

fn mask_list<S: serde::Serializer>(v: &[SecretString], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|_| "********"))
}

/// How AIna answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssistantSettings {
    /// `extractive` (default: no model) or `llm` (an OpenAI-compatible
    /// chat-completions endpoint, falling back to extractive on any error).
    pub engine: String,
    /// Base URL of the endpoint, e.g. `http://127.0.0.1:8000/v1`.
    pub llm_url: String,
    pub llm_model: String,
    #[serde(serialize_with = "mask", default)]
    pub llm_api_key: Option<SecretString>,
    pub llm_timeout_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    pub from_name: String,
    /// The support address; case reply addresses are derived from it.
    pub support_address: String,
    /// `maildir` (into `data_dir/maildir`) or `smtp`.
    pub transport: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    /// `none`, `starttls` or `tls`.
    pub smtp_tls: String,
    pub smtp_username: Option<String>,
    #[serde(serialize_with = "mask", default)]
    pub smtp_password: Option<SecretString>,
    /// Where the built-in SMTP listener accepts inbound mail, e.g.
    /// `127.0.0.1:2525`; empty: off.
    pub smtp_listen: String,
    /// The largest inbound message accepted (SMTP SIZE, webhook, pipe).
    pub max_inbound_bytes: usize,
    /// Bearer token of `POST /api/v1/inbound/email` (mail providers'
    /// webhooks); unset: the route refuses everything.
    #[serde(serialize_with = "mask", default)]
    pub inbound_token: Option<SecretString>,
}

fn mask<S: serde::Serializer>(v: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(_) => s.serialize_some("********"),
        None => s.serialize_none(),
    }
}

/// Durations like `3d`, `12h`, `30m`, `45s`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimerSettings {
    pub feedback_first_reminder: String,
    pub feedback_second_reminder: String,
    pub feedback_close: String,
    pub resolved_close: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Largest JSON body accepted.
    pub max_body_bytes: usize,
    /// Largest attachment accepted.
    pub max_upload_bytes: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub session_days: i64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            database_url: String::new(),
            listen: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            log_format: "text".into(),
            dev_clock: false,
            role: "all".into(),
            mail: MailSettings {
                from_name: "frontdesk support".into(),
                support_address: "support@frontdesk.localhost".into(),
                transport: "maildir".into(),
                smtp_host: "127.0.0.1".into(),
                smtp_port: 25,
                smtp_tls: "none".into(),
                smtp_username: None,
                smtp_password: None,
                smtp_listen: String::new(),
                max_inbound_bytes: 25 << 20,
                inbound_token: None,
            },
            timers: TimerSettings {
                feedback_first_reminder: "3d".into(),
                feedback_second_reminder: "5d".into(),
                feedback_close: "7d".into(),
                resolved_close: "7d".into(),
            },
            limits: Limits {
                max_body_bytes: 1 << 20,
                max_upload_bytes: 20 << 20,
            },
            auth: AuthSettings { session_days: 30 },
            assistant: AssistantSettings {
                engine: "extractive".into(),
                llm_url: String::new(),
                llm_model: String::new(),
                llm_api_key: None,
                llm_timeout_ms: 8000,
            },
            connections: ConnectionSettings {
                secret_key: None,
                older_secret_keys: Vec::new(),
                sales_contact: "sales@frontdesk.localhost".into(),
                market: "ES".into(),
                per_seller_limit: 4,
                runs_per_worker: 8,
                run_lease_ms: 60_000,
                fix_link_days: 7,
                connect_timeout_ms: 5_000,
                authenticate_timeout_ms: 15_000,
                search_timeout_ms: 30_000,
                quote_timeout_ms: 30_000,
                content_timeout_ms: 60_000,
            },
        }
    }
}

/// The shortest run lease: renewed every third of it, a shorter one would
/// mostly measure database latency.
const MIN_RUN_LEASE_MS: i64 = 3_000;
/// The longest run lease (a day); a dead worker's run waits this long.
const MAX_RUN_LEASE_MS: i64 = 86_400_000;

/// The top-level keys of [`Config`], as environment variables may name them.
const TOP_LEVEL_KEYS: [&str; 13] = [
    "assistant",
    "connections",
    "data_dir",
    "database_url",
    "listen",
    "public_url",
    "log_format",
    "dev_clock",
    "role",
    "mail",
    "timers",
    "limits",
    "auth",
];

impl Config {
    /// Defaults, then `file` when given, then the environment.
    pub fn load(file: Option<&Path>) -> AppResult<Self> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            if !file.exists() {
                return Err(AppError::Config(format!(
                    "{} does not exist",
                    file.display()
                )));
            }
            figment = figment.merge(Toml::file(file));
        }
        // Only variables naming configuration keys: FRONTDESK_LOG,
        // FRONTDESK_CONFIG and the test suite's variables are not settings.
        let env = Env::prefixed("FRONTDESK_")
            .filter(|key| {
                let top = key.as_str().split("__").next().unwrap_or_default();
                TOP_LEVEL_KEYS.iter().any(|k| top.eq_ignore_ascii_case(k))
            })
            .split("__");
        figment = figment.merge(env);
        let config: Config = figment
            .extract()
            .map_err(|e| AppError::Config(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> AppResult<()> {
        self.timers.policy()?;
        self.support_address()?;
        if !matches!(self.role.as_str(), "all" | "web" | "worker") {
            return Err(AppError::Config(format!(
                "role must be all, web or worker, not {:?}",
                self.role
            )));
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(AppError::Config("log_format must be text or json".into()));
        }
        if !(MIN_RUN_LEASE_MS..=MAX_RUN_LEASE_MS).contains(&self.connections.run_lease_ms) {
            return Err(AppError::Config(format!(
                "connections.run_lease_ms must be {MIN_RUN_LEASE_MS} to {MAX_RUN_LEASE_MS}"
            )));
        }
        match self.assistant.engine.as_str() {
            "extractive" => {}
            "llm" if self.assistant.llm_url.is_empty() || self.assistant.llm_model.is_empty() => {
                return Err(AppError::Config(
                    "assistant.engine = \"llm\" needs assistant.llm_url and assistant.llm_model"
                        .into(),
                ));
            }
            "llm" => {}
            other => {
                return Err(AppError::Config(format!(
                    "assistant.engine must be extractive or llm, not {other:?}"
                )));
            }
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("frontdesk.db").display()
            )
        } else {
            self.database_url.clone()
        }
    }

    pub fn support_address(&self) -> AppResult<EmailAddress> {
        EmailAddress::parse(&self.mail.support_address)
            .map_err(|e| AppError::Config(format!("mail.support_address: {e}")))
    }

    /// The URL of an access page in the portal.
    pub fn access_url(&self, id: frontdesk_domain::AccessId) -> String {
        format!(
            "{}/connections/{}",
            self.public_url.trim_end_matches('/'),
            id.0
        )
    }

    /// The URL of a fix page, from its one-time token.
    pub fn fix_url(&self, token: &str) -> String {
        format!("{}/fix/{token}", self.public_url.trim_end_matches('/'))
    }

    /// The URL of a case page in the portal.
    pub fn case_url(&self, id: frontdesk_domain::CaseId) -> String {
        format!("{}/cases/{}", self.public_url.trim_end_matches('/'), id.0)
    }
}

impl MailSettings {
    pub fn transport(&self, data_dir: &Path) -> AppResult<Transport> {
        match self.transport.as_str() {
            "maildir" => Maildir::new(data_dir.join("maildir"))
                .map(Transport::Maildir)
                .map_err(|e| AppError::Config(format!("maildir: {e}"))),
            "smtp" => {
                let tls = match self.smtp_tls.as_str() {
                    "none" => SmtpTls::None,
                    "starttls" => SmtpTls::Starttls,
                    "tls" => SmtpTls::Tls,
                    other => {
                        return Err(AppError::Config(format!(
                            "mail.smtp_tls: unknown {other:?}"
                        )));
                    }
                };
                let config = SmtpConfig {
                    host: self.smtp_host.clone(),
                    port: self.smtp_port,
                    tls,
                    username: self.smtp_username.clone(),
                    password: self
                        .smtp_password
                        .as_ref()
                        .map(|p| p.expose_secret().to_owned()),
                    timeout_secs: 30,
                };
                Smtp::new(config)
                    .map(Transport::Smtp)
                    .map_err(|e| AppError::Config(format!("smtp: {e}")))
            }
            other => Err(AppError::Config(format!(
                "mail.transport must be maildir or smtp, not {other:?}"
            ))),
        }
    }
}

impl TimerSettings {
    pub fn policy(&self) -> AppResult<TimerPolicy> {
        let policy = TimerPolicy {
            feedback_first_reminder: parse_duration(
                "timers.feedback_first_reminder",
                &self.feedback_first_reminder,
            )?,
            feedback_second_reminder: parse_duration(
                "timers.feedback_second_reminder",
                &self.feedback_second_reminder,
            )?,
            feedback_close: parse_duration("timers.feedback_close", &self.feedback_close)?,
            resolved_close: parse_duration("timers.resolved_close", &self.resolved_close)?,
        };
        policy.validate().map_err(AppError::Config)?;
        Ok(policy)
    }
}

/// Parses `<number><unit>` with unit `d`, `h`, `m` or `s`.
impl AssistantSettings {
    /// The answer engine over the index kept in `data_dir/kb-index`.
    pub fn engine(&self, data_dir: &Path) -> AppResult<frontdesk_assistant::answer::Engine> {
        use frontdesk_assistant::index::KbIndex;
        use frontdesk_assistant::llm::{LlmConfig, LlmEngine};
        let index = KbIndex::open(&data_dir.join("kb-index"))
            .map_err(|e| AppError::Config(format!("{e} (in {})", data_dir.display())))?;
        let llm = match self.engine.as_str() {
            "llm" => Some(
                LlmEngine::new(LlmConfig {
                    url: self.llm_url.clone(),
                    model: self.llm_model.clone(),
                    api_key: self
                        .llm_api_key
                        .as_ref()
                        .map(|k| k.expose_secret().to_owned()),
                    timeout_ms: self.llm_timeout_ms,
                    max_sections: 5,
                })
                .map_err(|e| AppError::Config(format!("assistant: {e}")))?,
            ),
            _ => None,
        };
        Ok(frontdesk_assistant::answer::Engine {
            index: std::sync::Arc::new(index),
            llm,
        })
    }
}

pub fn parse_duration(key: &str, s: &str) -> AppResult<Duration> {
    let s = s.trim();
    let bad = || {
        AppError::Config(format!(
            "{key}: {s:?} is not a duration like 3d, 12h, 30m or 45s"
        ))
    };
    let unit = s.chars().last().ok_or_else(bad)?;
    let n: i64 = s[..s.len() - unit.len_utf8()].parse().map_err(|_| bad())?;
    let secs = match unit {
        'd' => n.checked_mul(86_400),
        'h' => n.checked_mul(3_600),
        'm' => n.checked_mul(60),
        's' => Some(n),
        _ => None,
    }
    .ok_or_else(bad)?;
    Ok(Duration::seconds(secs))
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closures return figment::Error
mod tests {
    use super::*;

    #[test]
    fn environment_keys_cover_every_setting() {
        let json = serde_json::to_value(Config::default()).expect("serializes");
        let mut fields: Vec<&str> = json
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort_unstable();
        let mut keys = TOP_LEVEL_KEYS.to_vec();
        keys.sort_unstable();
        assert_eq!(fields, keys);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("k", "3d").ok(), Some(Duration::days(3)));
        assert_eq!(parse_duration("k", "90s").ok(), Some(Duration::seconds(90)));
        assert!(parse_duration("k", "3 weeks").is_err());
        assert!(parse_duration("k", "").is_err());
    }

    #[test]
    fn file_then_environment_override_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "frontdesk.toml",
                "listen = \"0.0.0.0:9000\"\n[timers]\nfeedback_close = \"10d\"\n[mail]\nsmtp_port = 2525\n",
            )?;
            jail.set_env("FRONTDESK_MAIL__SMTP_PORT", "587");
            jail.set_env("FRONTDESK_DEV_CLOCK", "true");
            jail.set_env("FRONTDESK_REQUIRE_PG", "1");
            jail.set_env("FRONTDESK_LOG", "debug");
            let c = Config::load(Some(Path::new("frontdesk.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(c.listen, "0.0.0.0:9000", "from the file");
            assert_eq!(
                c.timers.policy().map_err(|e| e.to_string())?.feedback_close,
                Duration::days(10)
            );
            assert_eq!(c.mail.smtp_port, 587, "the environment wins over the file");
            assert!(c.dev_clock);
            assert_eq!(c.public_url, "http://127.0.0.1:8080", "default kept");
            Ok(())
        });
    }

    #[test]
    fn bad_configuration_is_refused_with_the_key() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("a.toml", "[timers]\nfeedback_close = \"2d\"\n")?;
            let e = Config::load(Some(Path::new("a.toml")))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains("feedback timers must grow"), "{e}");
            jail.create_file("b.toml", "lisen = \"x\"\n")?;
            let e = Config::load(Some(Path::new("b.toml")))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains("lisen"), "unknown keys are named: {e}");
            let e = Config::load(Some(Path::new("missing.toml")))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains("does not exist"), "{e}");
            Ok(())
        });
    }

    #[test]
    fn defaults_are_valid_and_secrets_masked() {
        let mut c = Config::default();
        c.validate().expect("defaults validate");
        c.mail.smtp_password = Some(SecretString::from("hunter2"));
        let shown = serde_json::to_string(&c).expect("serializes");
        assert!(!shown.contains("hunter2"));
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
