//! Configuration: built-in defaults, overridden by a TOML file, overridden by environment
//! variables. Secrets are [`Secret`]s and never print. In production the server refuses to
//! start with a development default secret.

use crate::secret::Secret;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The development session key; refused in production.
const DEV_SESSION_KEY: &str =
    "dev-only-session-key-0123456789abcdef0123456789abcdef0123456789abcdef";
/// The development encryption key; refused in production.
const DEV_ENCRYPTION_KEY: &str = "dev-only-encryption-key-0123456789abcdef";

/// Where the server runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    /// A developer's machine: readable logs, development secrets allowed.
    #[default]
    Development,
    /// Production: JSON logs, real secrets required.
    Production,
}

/// Every setting.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Development or production.
    pub environment: Environment,
    /// HTTP listener.
    pub http: HttpSettings,
    /// Storage.
    pub database: DatabaseSettings,
    /// Keys.
    pub secrets: SecretSettings,
    /// Outgoing email: the SMTP server.
    pub smtp: SmtpSettings,
    /// Outgoing email: transport, outbox worker.
    pub email: EmailSettings,
    /// EHR plugin routes: token lifetimes.
    pub plugin: PluginConfig,
    /// The CDS Hooks service.
    pub cds: CdsSettings,
    /// The coordinators' worklist and weekly digest.
    pub referrals: ReferralSettings,
    /// Logins: the bound on concurrent password hashes.
    pub auth: AuthSettings,
}

/// Logins (`[auth]`). Each password check (argon2id) holds 19 MiB while it runs: at most
/// `max_concurrent_hashes` run at once, and a login that waits `hash_wait_ms` for its turn is
/// answered `503 server_busy`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// Password hashes running at once; 0 (the default): two per core, at most one per
    /// 64 MiB of available memory (`INCLUSIO_AUTH_MAX_CONCURRENT_HASHES`).
    pub max_concurrent_hashes: usize,
    /// How long a login waits for its turn to hash, in milliseconds.
    pub hash_wait_ms: u64,
    /// Failed logins allowed from one client address in 15 minutes, any emails
    /// (`INCLUSIO_AUTH_MAX_FAILURES_PER_ADDRESS`).
    pub max_failures_per_address: u64,
}

/// The default of `auth.hash_wait_ms`.
pub const DEFAULT_HASH_WAIT_MS: u64 = 2_000;
/// The default of `auth.max_failures_per_address`.
pub const DEFAULT_MAX_FAILURES_PER_ADDRESS: u64 = 50;

impl Default for AuthSettings {
    fn default() -> AuthSettings {
        AuthSettings {
            max_concurrent_hashes: 0,
            hash_wait_ms: DEFAULT_HASH_WAIT_MS,
            max_failures_per_address: DEFAULT_MAX_FAILURES_PER_ADDRESS,
        }
    }
}

/// A day of the week, as written in the configuration (`mon` … `sun`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl Weekday {
    /// The chrono weekday.
    pub fn chrono(self) -> chrono::Weekday {
        match self {
            Weekday::Mon => chrono::Weekday::Mon,
            Weekday::Tue => chrono::Weekday::Tue,
            Weekday::Wed => chrono::Weekday::Wed,
            Weekday::Thu => chrono::Weekday::Thu,
            Weekday::Fri => chrono::Weekday::Fri,
            Weekday::Sat => chrono::Weekday::Sat,
            Weekday::Sun => chrono::Weekday::Sun,
        }
    }
}

/// The coordinators' worklist and weekly digest (`[referrals]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReferralSettings {
    /// A referral still `referred` this many days after its creation is overdue.
    pub overdue_days: u32,
    /// Whether the running server enqueues the weekly digests (`INCLUSIO_DIGEST_ENABLED`).
    pub digest_enabled: bool,
    /// The day the digest goes out (UTC).
    pub digest_weekday: Weekday,
    /// From which hour of that day (UTC, 0–23); a server started later that week still sends it.
    pub digest_hour_utc: u32,
}

impl Default for ReferralSettings {
    fn default() -> ReferralSettings {
        ReferralSettings {
            overdue_days: 3,
            digest_enabled: true,
            digest_weekday: Weekday::Mon,
            digest_hour_utc: 7,
        }
    }
}

/// How emails leave the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportKind {
    /// Through the `[smtp]` server.
    Smtp,
    /// As `.eml` files in `email.folder` (development).
    File,
    /// Kept in memory (tests).
    Memory,
}

/// The outbox worker and the transport. Without `transport`, the server uses SMTP when
/// `smtp.host` is set, else the file transport in development; in production it refuses to
/// start, so that production never writes emails to files silently.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmailSettings {
    /// `smtp`, `file` or `memory`; see [`EmailSettings::resolved_transport`].
    pub transport: Option<TransportKind>,
    /// Where the file transport writes `.eml` files.
    pub folder: PathBuf,
    /// The language of emails to users (`fr` or `en`).
    pub default_locale: String,
    /// How often the worker looks for due emails, in milliseconds (it is also woken on enqueue).
    pub poll_interval_ms: u64,
    /// First retry delay, in milliseconds; doubles at each failure.
    pub backoff_base_ms: u64,
    /// Longest retry delay, in milliseconds.
    pub backoff_cap_ms: u64,
    /// Attempts before an email is marked failed.
    pub max_attempts: i32,
    /// How long a worker's claim on an email lasts, in seconds (longer than a send).
    pub lease_secs: u64,
}

impl Default for EmailSettings {
    fn default() -> EmailSettings {
        EmailSettings {
            transport: None,
            folder: PathBuf::from("mail"),
            default_locale: "fr".into(),
            poll_interval_ms: 5_000,
            backoff_base_ms: 30_000,
            backoff_cap_ms: 3_600_000,
            max_attempts: 10,
            lease_secs: 120,
        }
    }
}

impl Settings {
    /// The transport in force: `email.transport`, else SMTP when `smtp.host` is set, else
    /// the file transport (production refuses the last case at load time).
    pub fn resolved_transport(&self) -> TransportKind {
        match (self.email.transport, &self.smtp.host) {
            (Some(kind), _) => kind,
            (None, Some(_)) => TransportKind::Smtp,
            (None, None) => TransportKind::File,
        }
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (required), usually port 587.
    #[default]
    Starttls,
    /// TLS from the first byte, usually port 465.
    Tls,
    /// No encryption (a local relay or a test server only).
    None,
}

/// EHR plugin settings (server side; a practice's alert-fatigue settings are in the database).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PluginConfig {
    /// Lifetime of the consent-flow token returned for an accepted alert, in seconds.
    pub consent_token_ttl_secs: i64,
    /// Lifetime of a sealed pop-up token (`/popup/{token}`), in seconds.
    pub popup_token_ttl_secs: i64,
}

impl Default for PluginConfig {
    fn default() -> PluginConfig {
        PluginConfig {
            consent_token_ttl_secs: 30 * 60,
            popup_token_ttl_secs: 15 * 60,
        }
    }
}

/// The CDS Hooks service (`/cds-services`): who may call it and how it fetches.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CdsSettings {
    /// This server's base URL as EHRs call it (`https://inclusio.example.org`): a JWT's
    /// `aud` must be exactly this plus the endpoint's path. When absent (development only),
    /// the scheme and `Host` of the request are used.
    pub public_url: Option<String>,
    /// Largest CDS Hooks request body, in bytes (prefetch can be large).
    pub max_body_bytes: usize,
    /// Seconds a JWK Set fetched from an allowed `jku` is kept.
    pub jwks_cache_secs: u64,
    /// Seconds of clock skew allowed on `exp` and `iat`.
    pub leeway_secs: u64,
    /// Seconds allowed for one FHIR server or JWKS request.
    pub fetch_timeout_secs: u64,
    /// Most resources read from a FHIR server (prefetch pages included) for one call.
    pub max_resources: usize,
    /// Days a card overridden with the `snooze` reason stays hidden for that patient.
    pub snooze_days: u32,
    /// The EHRs whose JWTs are accepted.
    pub issuers: Vec<TrustedIssuer>,
}

impl Default for CdsSettings {
    fn default() -> CdsSettings {
        CdsSettings {
            public_url: None,
            max_body_bytes: 8 * 1024 * 1024,
            jwks_cache_secs: 300,
            leeway_secs: 30,
            fetch_timeout_secs: 5,
            max_resources: 5_000,
            snooze_days: 30,
            issuers: Vec::new(),
        }
    }
}

/// An EHR trusted to call the CDS Hooks service: its JWTs' `iss`, where its keys are.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustedIssuer {
    /// The exact `iss` of its JWTs.
    pub iss: String,
    /// The `jku` URLs its JWTs may name, fetched (and cached) to find the key.
    #[serde(default)]
    pub jku: Vec<String>,
    /// Its JWK Set inline, as JSON text (`{"keys": [...]}`), used when a JWT has no `jku`.
    #[serde(default)]
    pub jwks: Option<String>,
    /// Signature algorithms accepted from it: among `ES384`, `RS384`, `ES256`.
    #[serde(default = "default_algorithms")]
    pub algorithms: Vec<String>,
    /// The practice organisation this EHR belongs to (pseudonyms and events are per practice).
    #[serde(default)]
    pub practice_id: Option<uuid::Uuid>,
}

/// The algorithms CDS Hooks 2.0 requires services to accept.
fn default_algorithms() -> Vec<String> {
    vec!["ES384".into(), "RS384".into()]
}

/// The only JWT algorithms the CDS Hooks service can be configured to accept (asymmetric;
/// never `none` nor HMAC).
pub const CDS_ALGORITHMS: [&str; 3] = ["ES384", "RS384", "ES256"];

/// Outgoing email (SMTP). Without a host, emails are written as files in development.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpSettings {
    /// Server host; none: no SMTP.
    pub host: Option<String>,
    /// Port.
    pub port: u16,
    /// Login.
    pub username: Option<String>,
    /// Password.
    pub password: Option<Secret<String>>,
    /// Sender address.
    pub from: String,
    /// `starttls` (default), `tls` or `none`.
    pub tls: SmtpTls,
    /// Seconds before an SMTP exchange is abandoned (shorter than `email.lease_secs`).
    pub timeout_secs: u64,
}

impl Default for SmtpSettings {
    fn default() -> SmtpSettings {
        SmtpSettings {
            host: None,
            port: 587,
            username: None,
            password: None,
            from: "Inclusio <no-reply@inclusio.localhost>".into(),
            tls: SmtpTls::Starttls,
            timeout_secs: 30,
        }
    }
}

/// HTTP listener settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// Address to bind.
    pub host: String,
    /// Port to bind (0: any free port).
    pub port: u16,
    /// Largest JSON body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Seconds to let requests finish on shutdown.
    pub shutdown_timeout_secs: u64,
    /// Worker threads (each an event loop); `None`: one per core (what the machine says
    /// is available).
    pub workers: Option<usize>,
    /// The server's public address (`https://inclusio.example.org`), the base of every link
    /// it returns and sends (consent and pop-up URLs, FHIR references, email links); required
    /// in production. In development, when absent, the listener's address
    /// ([`HttpSettings::base_url`]); never a request's `Host` or `X-Forwarded-Host`.
    pub public_url: Option<String>,
    /// Origins (`https://ehr.example.org`) allowed to call `/api/v1/match` and
    /// `/api/v1/events` from a browser (CORS); `*` allows any.
    pub cors_origins: Vec<String>,
}

impl Default for HttpSettings {
    fn default() -> HttpSettings {
        HttpSettings {
            host: "127.0.0.1".into(),
            port: 8080,
            max_body_bytes: 1024 * 1024,
            shutdown_timeout_secs: 10,
            workers: None,
            public_url: None,
            cors_origins: Vec::new(),
        }
    }
}

impl HttpSettings {
    /// The base of every absolute link the server builds, without a trailing slash:
    /// `public_url`, else (development only: production requires `public_url`) the
    /// listener's `http://{host}:{port}`. It never depends on a request, so a forged `Host`
    /// or `X-Forwarded-Host` header cannot redirect a link.
    pub fn base_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None if self.host.contains(':') => format!("http://[{}]:{}", self.host, self.port),
            None => format!("http://{}:{}", self.host, self.port),
        }
    }
}

/// Storage settings: SQLite by default, PostgreSQL when `url` is set.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// A `postgres://` (or `sqlite://`) URL; when absent, the SQLite file below.
    pub url: Option<Secret<String>>,
    /// The embedded database file, created when missing.
    pub sqlite_path: PathBuf,
    /// Pool size.
    pub max_connections: u32,
    /// SQLite busy timeout, in milliseconds.
    pub busy_timeout_ms: u64,
}

impl Default for DatabaseSettings {
    fn default() -> DatabaseSettings {
        DatabaseSettings {
            url: None,
            sqlite_path: PathBuf::from("inclusio.db"),
            max_connections: 10,
            busy_timeout_ms: 5_000,
        }
    }
}

/// Keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecretSettings {
    /// Signs session cookies (at least 64 bytes).
    pub session_key: Secret<String>,
    /// Encrypts identity and contact details (AES-256-GCM key material).
    pub encryption_key: Secret<String>,
    /// Keys that encrypted before `encryption_key` during a rotation: they open what they
    /// sealed, never seal, until `server rekey` has moved it all to the current key.
    pub previous_encryption_keys: Vec<Secret<String>>,
}

impl Default for SecretSettings {
    fn default() -> SecretSettings {
        SecretSettings {
            session_key: Secret::new(DEV_SESSION_KEY.into()),
            encryption_key: Secret::new(DEV_ENCRYPTION_KEY.into()),
            previous_encryption_keys: Vec::new(),
        }
    }
}

/// Why settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for these settings.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong (names the key).
        message: String,
    },
    /// An environment variable has a value of the wrong form.
    #[error("environment variable {name}: {message}")]
    Env {
        /// The variable.
        name: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A setting that is required, or has an impossible value.
    #[error("{key}: {message}")]
    Invalid {
        /// The setting.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The CDS Hooks settings are not usable (names the issuer and the key).
    #[error("cds: {0}")]
    Cds(String),
    /// A production start with a development default secret.
    #[error(
        "refusing to start in production with the development default for {0}: set it in the configuration file or the environment"
    )]
    DefaultSecret(&'static str),
}

impl Settings {
    /// Loads settings: defaults, then the file (when given, or `inclusio.toml` when present),
    /// then the environment (`INCLUSIO_*`, `DATABASE_URL`).
    pub fn load(
        file: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let default_file = Path::new("inclusio.toml");
        let file = file.or_else(|| default_file.exists().then_some(default_file));
        let mut settings = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse {
                    path: path.to_path_buf(),
                    message: e.message().to_string(),
                })?
            }
            None => Settings::default(),
        };
        settings.apply_env(env)?;
        settings.check()?;
        Ok(settings)
    }

    /// Loads settings from the process environment.
    pub fn from_process(file: Option<&Path>) -> Result<Settings, ConfigError> {
        Settings::load(file, &|name| std::env::var(name).ok())
    }

    fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(
            name: &'static str,
            value: String,
        ) -> Result<T, ConfigError> {
            value.trim().parse().map_err(|_| ConfigError::Env {
                name,
                message: format!("`{value}` is not a valid value"),
            })
        }
        if let Some(v) = env("INCLUSIO_ENV") {
            self.environment = match v.trim() {
                "production" => Environment::Production,
                "development" => Environment::Development,
                other => {
                    return Err(ConfigError::Env {
                        name: "INCLUSIO_ENV",
                        message: format!("`{other}` is neither `development` nor `production`"),
                    });
                }
            };
        }
        if let Some(v) = env("INCLUSIO_HTTP_HOST") {
            self.http.host = v;
        }
        if let Some(v) = env("INCLUSIO_HTTP_PORT") {
            self.http.port = parse("INCLUSIO_HTTP_PORT", v)?;
        }
        if let Some(v) = env("INCLUSIO_HTTP_WORKERS") {
            self.http.workers = Some(parse("INCLUSIO_HTTP_WORKERS", v)?);
        }
        if let Some(v) = env("INCLUSIO_PUBLIC_URL") {
            self.http.public_url = Some(v);
        }
        if let Some(v) = env("INCLUSIO_CORS_ORIGINS") {
            self.http.cors_origins = v
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_string)
                .collect();
        }
        if let Some(v) = env("DATABASE_URL").filter(|v| !v.trim().is_empty()) {
            self.database.url = Some(Secret::new(v));
        }
        if let Some(v) = env("INCLUSIO_SQLITE_PATH") {
            self.database.sqlite_path = PathBuf::from(v);
        }
        if let Some(v) = env("INCLUSIO_DB_MAX_CONNECTIONS") {
            self.database.max_connections = parse("INCLUSIO_DB_MAX_CONNECTIONS", v)?;
        }
        if let Some(v) = env("INCLUSIO_SMTP_HOST") {
            self.smtp.host = Some(v);
        }
        if let Some(v) = env("INCLUSIO_SMTP_PORT") {
            self.smtp.port = parse("INCLUSIO_SMTP_PORT", v)?;
        }
        if let Some(v) = env("INCLUSIO_SMTP_USERNAME") {
            self.smtp.username = Some(v);
        }
        if let Some(v) = env("INCLUSIO_SMTP_PASSWORD") {
            self.smtp.password = Some(Secret::new(v));
        }
        if let Some(v) = env("INCLUSIO_SMTP_FROM") {
            self.smtp.from = v;
        }
        if let Some(v) = env("INCLUSIO_SMTP_TLS") {
            self.smtp.tls = match v.trim() {
                "starttls" => SmtpTls::Starttls,
                "tls" => SmtpTls::Tls,
                "none" => SmtpTls::None,
                other => {
                    return Err(ConfigError::Env {
                        name: "INCLUSIO_SMTP_TLS",
                        message: format!("`{other}` is not `starttls`, `tls` or `none`"),
                    });
                }
            };
        }
        if let Some(v) = env("INCLUSIO_EMAIL_TRANSPORT") {
            self.email.transport = Some(match v.trim() {
                "smtp" => TransportKind::Smtp,
                "file" => TransportKind::File,
                "memory" => TransportKind::Memory,
                other => {
                    return Err(ConfigError::Env {
                        name: "INCLUSIO_EMAIL_TRANSPORT",
                        message: format!("`{other}` is not `smtp`, `file` or `memory`"),
                    });
                }
            });
        }
        if let Some(v) = env("INCLUSIO_EMAIL_FOLDER") {
            self.email.folder = PathBuf::from(v);
        }
        if let Some(v) = env("INCLUSIO_DIGEST_ENABLED") {
            self.referrals.digest_enabled = parse("INCLUSIO_DIGEST_ENABLED", v)?;
        }
        if let Some(v) = env("INCLUSIO_CDS_PUBLIC_URL") {
            self.cds.public_url = Some(v);
        }
        if let Some(v) = env("INCLUSIO_AUTH_MAX_CONCURRENT_HASHES") {
            self.auth.max_concurrent_hashes = parse("INCLUSIO_AUTH_MAX_CONCURRENT_HASHES", v)?;
        }
        if let Some(v) = env("INCLUSIO_AUTH_MAX_FAILURES_PER_ADDRESS") {
            self.auth.max_failures_per_address =
                parse("INCLUSIO_AUTH_MAX_FAILURES_PER_ADDRESS", v)?;
        }
        // An empty secret variable counts as unset (production then refuses the default).
        if let Some(v) = env("INCLUSIO_SESSION_KEY").filter(|v| !v.trim().is_empty()) {
            self.secrets.session_key = Secret::new(v);
        }
        if let Some(v) = env("INCLUSIO_ENCRYPTION_KEY").filter(|v| !v.trim().is_empty()) {
            self.secrets.encryption_key = Secret::new(v);
        }
        if let Some(v) = env("INCLUSIO_PREVIOUS_ENCRYPTION_KEYS") {
            self.secrets.previous_encryption_keys = v
                .split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(|k| Secret::new(k.to_string()))
                .collect();
        }
        Ok(())
    }

    fn check(&self) -> Result<(), ConfigError> {
        if trials::Locale::parse(&self.email.default_locale).is_none() {
            return Err(ConfigError::Invalid {
                key: "email.default_locale",
                message: format!("`{}` is not `fr` or `en`", self.email.default_locale),
            });
        }
        if self.referrals.digest_hour_utc > 23 {
            return Err(ConfigError::Invalid {
                key: "referrals.digest_hour_utc",
                message: "must be from 0 to 23".into(),
            });
        }
        if self.http.workers == Some(0) {
            return Err(ConfigError::Invalid {
                key: "http.workers",
                message: "must be at least 1".into(),
            });
        }
        if self.email.max_attempts < 1 {
            return Err(ConfigError::Invalid {
                key: "email.max_attempts",
                message: "must be at least 1".into(),
            });
        }
        if self.email.lease_secs <= self.smtp.timeout_secs {
            return Err(ConfigError::Invalid {
                key: "email.lease_secs",
                message: format!(
                    "must be longer than smtp.timeout_secs ({}), or a slow send could be repeated",
                    self.smtp.timeout_secs
                ),
            });
        }
        if self.resolved_transport() == TransportKind::Smtp && self.smtp.host.is_none() {
            return Err(ConfigError::Invalid {
                key: "smtp.host",
                message: "the SMTP transport needs a host (INCLUSIO_SMTP_HOST)".into(),
            });
        }
        self.check_cds()?;
        if self.environment == Environment::Production {
            if self.secrets.session_key.expose() == DEV_SESSION_KEY {
                return Err(ConfigError::DefaultSecret(
                    "the session key (INCLUSIO_SESSION_KEY)",
                ));
            }
            if self.secrets.encryption_key.expose() == DEV_ENCRYPTION_KEY {
                return Err(ConfigError::DefaultSecret(
                    "the encryption key (INCLUSIO_ENCRYPTION_KEY)",
                ));
            }
            for (key, variable, secret) in [
                (
                    "secrets.session_key",
                    "INCLUSIO_SESSION_KEY",
                    &self.secrets.session_key,
                ),
                (
                    "secrets.encryption_key",
                    "INCLUSIO_ENCRYPTION_KEY",
                    &self.secrets.encryption_key,
                ),
            ] {
                if let Some(why) = weak_secret(secret.expose()) {
                    return Err(ConfigError::Invalid {
                        key,
                        message: format!(
                            "{variable} is too weak for production: {why}; use at least 32 \
                             random bytes, e.g. 64 hex digits from `openssl rand -hex 32`"
                        ),
                    });
                }
            }
            if self.email.transport.is_none() && self.smtp.host.is_none() {
                return Err(ConfigError::Invalid {
                    key: "email.transport",
                    message: "production needs an SMTP host (INCLUSIO_SMTP_HOST) or an explicit \
                              email transport (INCLUSIO_EMAIL_TRANSPORT)"
                        .into(),
                });
            }
            let public_https = self
                .http
                .public_url
                .as_deref()
                .and_then(|u| u.strip_prefix("https://"))
                .is_some_and(|host| !host.trim_end_matches('/').is_empty());
            if !public_https {
                return Err(ConfigError::Invalid {
                    key: "http.public_url",
                    message: "production needs the server's public https:// address \
                              (INCLUSIO_PUBLIC_URL, e.g. https://inclusio.example.org): every \
                              link in pages, API answers and emails is built from it, never \
                              from request headers"
                        .into(),
                });
            }
        }
        Ok(())
    }
}

/// The smallest production secret, in bytes (as written, surrounding whitespace aside).
pub const MIN_SECRET_BYTES: usize = 32;

/// Why a production secret is too weak, if it is: shorter than [`MIN_SECRET_BYTES`]; written
/// in hexadecimal (only `0-9a-fA-F`) with fewer than 64 digits, which is less than 32 bytes
/// of material; or made of fewer than 8 distinct characters (`aaaa…`, `0000…`, `abab…`).
pub fn weak_secret(secret: &str) -> Option<String> {
    let s = secret.trim();
    let distinct = s.chars().collect::<std::collections::BTreeSet<_>>().len();
    if s.len() < MIN_SECRET_BYTES {
        Some(format!("{} bytes, fewer than {MIN_SECRET_BYTES}", s.len()))
    } else if s.bytes().all(|b| b.is_ascii_hexdigit()) && s.len() < 2 * MIN_SECRET_BYTES {
        Some(format!(
            "{} hex digits, fewer than {} (32 bytes)",
            s.len(),
            2 * MIN_SECRET_BYTES
        ))
    } else if distinct < 8 {
        Some(format!("only {distinct} distinct characters"))
    } else {
        None
    }
}

impl Settings {
    fn check_cds(&self) -> Result<(), ConfigError> {
        let cds = &self.cds;
        for (i, issuer) in cds.issuers.iter().enumerate() {
            let at = format!("issuers[{i}]");
            if issuer.iss.trim().is_empty() {
                return Err(ConfigError::Cds(format!("{at}.iss is empty")));
            }
            if issuer.algorithms.is_empty() {
                return Err(ConfigError::Cds(format!("{at}.algorithms is empty")));
            }
            if let Some(bad) = issuer
                .algorithms
                .iter()
                .find(|a| !CDS_ALGORITHMS.contains(&a.as_str()))
            {
                return Err(ConfigError::Cds(format!(
                    "{at}.algorithms: `{bad}` is not one of {CDS_ALGORITHMS:?}"
                )));
            }
            if issuer.jku.is_empty() && issuer.jwks.is_none() {
                return Err(ConfigError::Cds(format!(
                    "{at} has neither `jku` URLs nor an inline `jwks`"
                )));
            }
            if let Some(jwks) = &issuer.jwks
                && let Err(e) = serde_json::from_str::<jsonwebtoken::jwk::JwkSet>(jwks)
            {
                return Err(ConfigError::Cds(format!("{at}.jwks is not a JWK Set: {e}")));
            }
            if self.environment == Environment::Production
                && let Some(url) = issuer.jku.iter().find(|u| !u.starts_with("https://"))
            {
                return Err(ConfigError::Cds(format!(
                    "{at}.jku: `{url}` is not https (TLS only in production)"
                )));
            }
        }
        if self.environment == Environment::Production
            && !cds.issuers.is_empty()
            && !cds
                .public_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://"))
        {
            return Err(ConfigError::Cds(
                "public_url must be set to an https:// URL in production".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Production-strength keys (64 hex digits, 32 random bytes each).
    const SESSION_KEY: &str = "3f9a1c7e5b2d8046e1f3a9c7b5d20e4f6a8c1e3b5d7f9021c4e6a8b0d2f4163a";
    const ENCRYPTION_KEY: &str = "b7e21f4c9a06d3582e7f1b4a9c0d6e3f5a2b8c1d4e7f0a3b6c9d2e5f8a1b4c7d";

    #[test]
    fn production_refuses_weak_or_empty_secrets() {
        let base = [
            ("INCLUSIO_ENV", "production"),
            ("INCLUSIO_SMTP_HOST", "smtp.example.org"),
            ("INCLUSIO_PUBLIC_URL", "https://inclusio.example.org"),
        ];
        for (variable, good) in [
            ("INCLUSIO_SESSION_KEY", SESSION_KEY),
            ("INCLUSIO_ENCRYPTION_KEY", ENCRYPTION_KEY),
        ] {
            let other = if variable == "INCLUSIO_SESSION_KEY" {
                ("INCLUSIO_ENCRYPTION_KEY", ENCRYPTION_KEY)
            } else {
                ("INCLUSIO_SESSION_KEY", SESSION_KEY)
            };
            for weak in [
                "short",
                "0123456789abcdef0123456789abcdef", // 32 hex digits: 16 bytes
                "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk", // one character
                "abababababababababababababababababababab",
                "   a-secret-of-31-bytes-padded   ",
            ] {
                let mut vars = base.to_vec();
                vars.push(other);
                vars.push((variable, weak));
                let err = Settings::load(None, &env(&vars)).unwrap_err();
                assert!(err.to_string().contains(variable), "{weak}: {err}");
                assert!(err.to_string().contains("too weak"), "{err}");
                assert!(
                    !err.to_string().contains(weak.trim()),
                    "the secret is not printed"
                );
            }
            // Empty is unset: the development default, refused.
            for empty in ["", "  "] {
                let mut vars = base.to_vec();
                vars.push(other);
                vars.push((variable, empty));
                let err = Settings::load(None, &env(&vars)).unwrap_err();
                assert!(matches!(err, ConfigError::DefaultSecret(_)), "{err}");
            }
            let mut vars = base.to_vec();
            vars.push(other);
            vars.push((variable, good));
            assert!(Settings::load(None, &env(&vars)).is_ok());
            // 32 bytes of another alphabet (base64 of 24+ bytes) are enough.
            let mut vars = base.to_vec();
            vars.push(other);
            vars.push((variable, "q8Zk3VxN0pLr7TfYw2Hc9JmB5sDg1AeU"));
            assert!(Settings::load(None, &env(&vars)).is_ok());
        }
        // Development takes any key, an empty variable leaves the default.
        let s = Settings::load(None, &env(&[("INCLUSIO_SESSION_KEY", "")])).unwrap();
        assert_eq!(s.secrets.session_key.expose(), DEV_SESSION_KEY);
        assert!(Settings::load(None, &env(&[("INCLUSIO_SESSION_KEY", "k")])).is_ok());
    }

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn file(text: &str) -> tempfile_path::Temp {
        tempfile_path::Temp::new(text)
    }

    /// A throwaway file in the system temporary folder.
    mod tempfile_path {
        pub struct Temp(pub std::path::PathBuf);
        impl Temp {
            pub fn new(text: &str) -> Temp {
                let path = std::env::temp_dir()
                    .join(format!("inclusio-config-{}.toml", uuid::Uuid::now_v7()));
                std::fs::write(&path, text).unwrap();
                Temp(path)
            }
        }
        impl Drop for Temp {
            fn drop(&mut self) {
                let _ = std::fs::remove_file(&self.0);
            }
        }
    }

    #[test]
    fn defaults_then_file_then_environment() {
        let f = file("[http]\nport = 9000\nhost = \"0.0.0.0\"\n[database]\nmax_connections = 4\n");
        let s = Settings::load(Some(&f.0), &env(&[])).unwrap();
        assert_eq!(
            (
                s.http.port,
                s.http.host.as_str(),
                s.database.max_connections
            ),
            (9000, "0.0.0.0", 4)
        );
        assert_eq!(
            s.database.busy_timeout_ms, 5_000,
            "unset keys keep their default"
        );
        let s = Settings::load(
            Some(&f.0),
            &env(&[
                ("INCLUSIO_HTTP_PORT", "9100"),
                ("DATABASE_URL", "postgres://u:p@h/db"),
            ]),
        )
        .unwrap();
        assert_eq!(s.http.port, 9100);
        assert_eq!(s.http.workers, None, "one worker per core by default");
        let two = Settings::load(None, &env(&[("INCLUSIO_HTTP_WORKERS", "2")])).unwrap();
        assert_eq!(two.http.workers, Some(2));
        assert_eq!(
            s.database.url.as_ref().map(|u| u.expose().as_str()),
            Some("postgres://u:p@h/db")
        );
    }

    #[test]
    fn previous_encryption_keys_from_the_file_or_the_environment() {
        let f =
            file("[secrets]\nprevious_encryption_keys = [\"first old key\", \"second old key\"]\n");
        let s = Settings::load(Some(&f.0), &env(&[])).unwrap();
        let keys = |s: &Settings| -> Vec<String> {
            s.secrets
                .previous_encryption_keys
                .iter()
                .map(|k| k.expose().clone())
                .collect()
        };
        assert_eq!(keys(&s), ["first old key", "second old key"]);
        let s = Settings::load(
            Some(&f.0),
            &env(&[(
                "INCLUSIO_PREVIOUS_ENCRYPTION_KEYS",
                " env key one, ,env key two ",
            )]),
        )
        .unwrap();
        assert_eq!(
            keys(&s),
            ["env key one", "env key two"],
            "the environment wins"
        );
        assert!(!format!("{s:?}").contains("env key one"));
    }

    #[test]
    fn secrets_never_appear_in_debug_output() {
        let s = Settings::load(
            None,
            &env(&[
                ("DATABASE_URL", "postgres://u:hunter2@h/db"),
                ("INCLUSIO_SESSION_KEY", "s3cr3t-session"),
                ("INCLUSIO_SMTP_PASSWORD", "s3cr3t-smtp"),
            ]),
        )
        .unwrap();
        let printed = format!("{s:?}");
        assert!(
            !printed.contains("hunter2") && !printed.contains("s3cr3t"),
            "{printed}"
        );
    }

    #[test]
    fn production_refuses_default_secrets() {
        let err = Settings::load(None, &env(&[("INCLUSIO_ENV", "production")])).unwrap_err();
        assert!(matches!(err, ConfigError::DefaultSecret(_)), "{err}");
        let ok = Settings::load(
            None,
            &env(&[
                ("INCLUSIO_ENV", "production"),
                ("INCLUSIO_SESSION_KEY", SESSION_KEY),
                ("INCLUSIO_ENCRYPTION_KEY", ENCRYPTION_KEY),
                ("INCLUSIO_SMTP_HOST", "smtp.example.org"),
                ("INCLUSIO_PUBLIC_URL", "https://inclusio.example.org"),
            ]),
        );
        assert!(ok.is_ok());
    }

    #[test]
    fn production_requires_an_https_public_url() {
        let base = [
            ("INCLUSIO_ENV", "production"),
            ("INCLUSIO_SESSION_KEY", SESSION_KEY),
            ("INCLUSIO_ENCRYPTION_KEY", ENCRYPTION_KEY),
            ("INCLUSIO_SMTP_HOST", "smtp.example.org"),
        ];
        for url in [
            None,
            Some(""),
            Some("http://inclusio.example.org"),
            Some("https://"),
        ] {
            let mut vars = base.to_vec();
            if let Some(url) = url {
                vars.push(("INCLUSIO_PUBLIC_URL", url));
            }
            let err = Settings::load(None, &env(&vars)).unwrap_err();
            assert!(
                err.to_string().contains("http.public_url"),
                "{url:?}: {err}"
            );
            assert!(err.to_string().contains("INCLUSIO_PUBLIC_URL"), "{err}");
        }
        let mut vars = base.to_vec();
        vars.push(("INCLUSIO_PUBLIC_URL", "https://inclusio.example.org/"));
        let s = Settings::load(None, &env(&vars)).unwrap();
        assert_eq!(s.http.base_url(), "https://inclusio.example.org");
        // Development falls back to the listener's address, never to a request's.
        let s = Settings::load(None, &env(&[("INCLUSIO_HTTP_PORT", "9001")])).unwrap();
        assert_eq!(s.http.base_url(), "http://127.0.0.1:9001");
        let s = Settings::load(None, &env(&[("INCLUSIO_HTTP_HOST", "::1")])).unwrap();
        assert_eq!(s.http.base_url(), "http://[::1]:8080");
    }

    #[test]
    fn email_transport_defaults_and_choices() {
        let s = Settings::load(None, &env(&[])).unwrap();
        assert_eq!(s.resolved_transport(), TransportKind::File);
        assert_eq!(s.email.folder, PathBuf::from("mail"));
        assert_eq!(s.smtp.tls, SmtpTls::Starttls);
        let s = Settings::load(None, &env(&[("INCLUSIO_SMTP_HOST", "mx.example.org")])).unwrap();
        assert_eq!(s.resolved_transport(), TransportKind::Smtp);
        let f = file(
            "[email]\ntransport = \"memory\"\nbackoff_base_ms = 10\nmax_attempts = 3\n[smtp]\ntls = \"none\"\n",
        );
        let s = Settings::load(Some(&f.0), &env(&[])).unwrap();
        assert_eq!(
            (
                s.resolved_transport(),
                s.email.backoff_base_ms,
                s.email.max_attempts,
                s.smtp.tls
            ),
            (TransportKind::Memory, 10, 3, SmtpTls::None)
        );
        let s = Settings::load(
            Some(&f.0),
            &env(&[
                ("INCLUSIO_EMAIL_TRANSPORT", "file"),
                ("INCLUSIO_SMTP_TLS", "tls"),
            ]),
        )
        .unwrap();
        assert_eq!(
            (s.resolved_transport(), s.smtp.tls),
            (TransportKind::File, SmtpTls::Tls)
        );
    }

    #[test]
    fn email_settings_are_checked() {
        let production = [
            ("INCLUSIO_ENV", "production"),
            ("INCLUSIO_SESSION_KEY", SESSION_KEY),
            ("INCLUSIO_ENCRYPTION_KEY", ENCRYPTION_KEY),
        ];
        let err = Settings::load(None, &env(&production)).unwrap_err();
        assert!(err.to_string().contains("email.transport"), "{err}");
        let mut explicit = production.to_vec();
        explicit.push(("INCLUSIO_EMAIL_TRANSPORT", "file"));
        explicit.push(("INCLUSIO_PUBLIC_URL", "https://inclusio.example.org"));
        assert!(Settings::load(None, &env(&explicit)).is_ok());
        for (text, key) in [
            ("[email]\ntransport = \"smtp\"\n", "smtp.host"),
            ("[email]\ndefault_locale = \"de\"\n", "email.default_locale"),
            ("[email]\nmax_attempts = 0\n", "email.max_attempts"),
            ("[http]\nworkers = 0\n", "http.workers"),
            ("[email]\nlease_secs = 30\n", "email.lease_secs"),
            ("[email]\ntransport = \"pigeon\"\n", "pigeon"),
            ("[email]\nfoldr = \"x\"\n", "foldr"),
            ("[smtp]\ntls = \"ssl\"\n", "ssl"),
        ] {
            let f = file(text);
            let err = Settings::load(Some(&f.0), &env(&[])).unwrap_err();
            assert!(err.to_string().contains(key), "{text}: {err}");
        }
        let err = Settings::load(None, &env(&[("INCLUSIO_SMTP_TLS", "ssl")])).unwrap_err();
        assert!(err.to_string().contains("INCLUSIO_SMTP_TLS"), "{err}");
    }

    #[test]
    fn bad_values_are_named() {
        let err = Settings::load(None, &env(&[("INCLUSIO_HTTP_PORT", "eighty")])).unwrap_err();
        assert!(err.to_string().contains("INCLUSIO_HTTP_PORT"), "{err}");
        let f = file("[http]\nprot = 1\n");
        let err = Settings::load(Some(&f.0), &env(&[])).unwrap_err();
        assert!(err.to_string().contains("prot"), "{err}");
        let err = Settings::load(None, &env(&[("INCLUSIO_ENV", "staging")])).unwrap_err();
        assert!(err.to_string().contains("staging"), "{err}");
    }

    #[test]
    fn cds_issuers_are_checked() {
        let ok = file(
            "[[cds.issuers]]\niss = \"https://ehr.example\"\njku = [\"https://ehr.example/jwks\"]\n",
        );
        let s = Settings::load(Some(&ok.0), &env(&[])).unwrap();
        assert_eq!(s.cds.issuers[0].algorithms, ["ES384", "RS384"]);
        for (text, named) in [
            ("iss = \"\"\njku = [\"https://a\"]", "iss"),
            ("iss = \"x\"", "neither"),
            (
                "iss = \"x\"\njku = [\"https://a\"]\nalgorithms = [\"HS256\"]",
                "HS256",
            ),
            (
                "iss = \"x\"\njku = [\"https://a\"]\nalgorithms = [\"none\"]",
                "none",
            ),
            ("iss = \"x\"\njwks = \"{}\"", "jwks"),
        ] {
            let f = file(&format!("[[cds.issuers]]\n{text}\n"));
            let err = Settings::load(Some(&f.0), &env(&[])).unwrap_err();
            assert!(err.to_string().contains(named), "{text}: {err}");
        }
        let prod = [
            ("INCLUSIO_ENV", "production"),
            ("INCLUSIO_SESSION_KEY", SESSION_KEY),
            ("INCLUSIO_ENCRYPTION_KEY", ENCRYPTION_KEY),
            ("INCLUSIO_SMTP_HOST", "127.0.0.1"),
            ("INCLUSIO_PUBLIC_URL", "https://inclusio.example"),
        ];
        let err = Settings::load(Some(&ok.0), &env(&prod)).unwrap_err();
        assert!(err.to_string().contains("public_url"), "{err}");
        let mut with_url = prod.to_vec();
        with_url.push(("INCLUSIO_CDS_PUBLIC_URL", "https://inclusio.example"));
        assert!(Settings::load(Some(&ok.0), &env(&with_url)).is_ok());
        let http = file("[[cds.issuers]]\niss = \"x\"\njku = [\"http://ehr/jwks\"]\n");
        let err = Settings::load(Some(&http.0), &env(&with_url)).unwrap_err();
        assert!(err.to_string().contains("https"), "{err}");
    }
}
