//! The networked, on-disk half: [`Client`] syncs the bundle, checks patients locally,
//! renders pop-ups and delivers events exactly once through an on-disk queue.

use crate::alert::{Alert, Matcher};
use crate::fatigue::{History, Rules};
use crate::pseudonym::pseudonym;
use crate::store::Store;
use crate::wire::{
    AlertVerdict, Bundle, DeclineReason, Event, EventBatch, EventResults, PracticeSettings,
    ResponseKind, Suppressions,
};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;
use trials::{Locale, Patient};
use uuid::Uuid;

/// How a client reaches its server and where it keeps its cache.
#[derive(Debug, Clone)]
pub struct Config {
    /// The server's base URL (`https://inclusio.example`).
    pub server_url: String,
    /// The practice API key.
    pub api_key: String,
    /// The practice secret pseudonyms are computed under (never sent).
    pub secret: Vec<u8>,
    /// The cache folder.
    pub cache_dir: PathBuf,
    /// Local rules, overriding the practice settings from the server.
    pub rules: Option<Rules>,
    /// Timeout of each request to the server.
    pub timeout: Duration,
}

impl Config {
    /// A configuration with the server's rules and a 5 s timeout.
    pub fn new(
        server_url: impl Into<String>,
        api_key: impl Into<String>,
        secret: impl Into<Vec<u8>>,
        cache_dir: impl Into<PathBuf>,
    ) -> Config {
        Config {
            server_url: server_url.into().trim_end_matches('/').to_string(),
            api_key: api_key.into(),
            secret: secret.into(),
            cache_dir: cache_dir.into(),
            rules: None,
            timeout: Duration::from_secs(5),
        }
    }
}

/// A consultation: whose record is open, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consultation {
    /// The EHR's own patient id (only its pseudonym ever leaves the practice).
    pub patient_id: String,
    /// The consultation date (the reference date of the criteria).
    pub date: NaiveDate,
}

/// The GP's answer to an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    /// Propose the trial now: the consent flow starts.
    Accept,
    /// Not now: do not show it again before `until`.
    NotNow {
        /// The first date it may be shown again.
        until: NaiveDate,
    },
    /// Decline: never show it again for this patient.
    Decline {
        /// Why.
        reason: DeclineReason,
    },
}

/// What [`Client::respond`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The event's id.
    pub event_id: Uuid,
    /// Whether the server has it (otherwise it waits in the queue).
    pub delivered: bool,
    /// For an accepted alert delivered: where the consent flow starts (a short-lived,
    /// single-use token bound to the alert).
    pub consent_url: Option<String>,
}

/// What [`Client::sync`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncStatus {
    /// A new bundle was fetched.
    Fresh {
        /// Its version.
        version: String,
    },
    /// The cached bundle is current (304).
    NotModified,
    /// The server is unreachable: the client works from its cached bundle, if any.
    Offline {
        /// Time since the server last confirmed the cached bundle (`None`: no bundle).
        age: Option<chrono::Duration>,
    },
}

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The cache folder could not be read or written.
    #[error("cache folder: {0}")]
    Io(#[from] std::io::Error),
    /// The server answered with something unreadable.
    #[error("unreadable reply from {path}: {message}")]
    Reply {
        /// The route.
        path: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The server refused the request (a bad API key: 401).
    #[error("{path} answered {status}")]
    Status {
        /// The route.
        path: &'static str,
        /// The HTTP status.
        status: u16,
    },
    /// The server could not be reached.
    #[error("server unreachable: {0}")]
    Unreachable(String),
    /// The alert was not issued by this client.
    #[error("unknown alert {0}")]
    UnknownAlert(Uuid),
    /// The pop-up could not be rendered.
    #[error("pop-up: {0}")]
    Render(#[from] askama::Error),
}

/// What the client remembers of an alert it issued, to answer it.
#[derive(Debug, Clone)]
struct Issued {
    patient: String,
    trial: Uuid,
    trial_version: u32,
    verdict: AlertVerdict,
}

/// The SDK's client: one per workstation (or per EHR process).
#[derive(Debug)]
pub struct Client {
    config: Config,
    agent: ureq::Agent,
    store: Store,
    bundle: Option<Bundle>,
    matcher: Option<Matcher>,
    etag: Option<String>,
    settings: Option<PracticeSettings>,
    history: History,
    issued: HashMap<Uuid, Issued>,
    consent_urls: HashMap<Uuid, String>,
}

const BUNDLE: &str = "/api/v1/plugin/bundle";
const EVENTS: &str = "/api/v1/events";
const SUPPRESSIONS: &str = "/api/v1/plugin/suppressions";
const SETTINGS: &str = "/api/v1/plugin/settings";
const OUTCOMES: &str = "/api/v1/plugin/outcomes";

/// One HTTP reply, read whole.
struct Reply {
    status: u16,
    etag: Option<String>,
    body: Vec<u8>,
}

impl Client {
    /// A client working from whatever its cache folder holds (no request is made).
    pub fn new(config: Config) -> Result<Client, Error> {
        let store = Store::open(&config.cache_dir)?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            .http_status_as_error(false)
            .build()
            .into();
        let (bundle, etag) = match store.bundle() {
            Some((b, etag, _)) => (Some(b), etag),
            None => (None, None),
        };
        Ok(Client {
            matcher: bundle.as_ref().map(Matcher::new),
            bundle,
            etag,
            settings: store.settings(),
            history: store.history(),
            agent,
            store,
            config,
            issued: HashMap::new(),
            consent_urls: HashMap::new(),
        })
    }

    /// The rules in force: the local ones, else the practice's, else the defaults.
    pub fn rules(&self) -> Rules {
        self.config
            .rules
            .clone()
            .or_else(|| self.settings.as_ref().map(Rules::from))
            .unwrap_or_default()
    }

    /// The bundle in use, if any.
    pub fn bundle(&self) -> Option<&Bundle> {
        self.bundle.as_ref()
    }

    /// The local history of answers and showings.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Time since the server last confirmed the bundle in use.
    pub fn bundle_age(&self) -> Option<chrono::Duration> {
        let at = self.store.fetched_at()?;
        self.bundle.as_ref()?;
        Some(Utc::now() - at)
    }

    /// The pseudonym of a local patient id for this practice.
    pub fn pseudonym(&self, patient_id: &str) -> String {
        pseudonym(&self.config.secret, patient_id)
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        etag: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Result<Reply, Error> {
        let url = format!("{}{path}", self.config.server_url);
        let auth = format!("Bearer {}", self.config.api_key);
        let result = if method == "POST" {
            self.agent
                .post(&url)
                .header("Authorization", &auth)
                .header("Content-Type", "application/json")
                .send(body.unwrap_or_default())
        } else {
            let mut req = self.agent.get(&url).header("Authorization", &auth);
            if let Some(etag) = etag {
                req = req.header("If-None-Match", etag);
            }
            req.call()
        };
        let mut resp = result.map_err(|e| Error::Unreachable(e.to_string()))?;
        let status = resp.status().as_u16();
        let etag = resp
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = resp
            .body_mut()
            .with_config()
            .limit(256 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| Error::Unreachable(e.to_string()))?;
        if status >= 500 {
            return Err(Error::Unreachable(format!("{path} answered {status}")));
        }
        Ok(Reply { status, etag, body })
    }

    /// Fetches the bundle (conditionally, with its ETag), the practice settings and the
    /// practice's answers from other workstations, and delivers queued events. When the
    /// server is unreachable the client keeps working from its cached bundle and says how
    /// old it is.
    pub fn sync(&mut self) -> Result<SyncStatus, Error> {
        let reply = match self.request("GET", BUNDLE, self.etag.as_deref(), None) {
            Ok(r) => r,
            Err(Error::Unreachable(_)) => {
                return Ok(SyncStatus::Offline {
                    age: self.bundle_age(),
                });
            }
            Err(e) => return Err(e),
        };
        let status = match reply.status {
            304 if self.bundle.is_some() => SyncStatus::NotModified,
            200 => {
                let bundle: Bundle =
                    serde_json::from_slice(&reply.body).map_err(|e| Error::Reply {
                        path: BUNDLE,
                        message: e.to_string(),
                    })?;
                self.store.save_bundle(&reply.body, reply.etag.as_deref())?;
                let version = bundle.version.clone();
                self.matcher = Some(Matcher::new(&bundle));
                self.bundle = Some(bundle);
                self.etag = reply.etag;
                SyncStatus::Fresh { version }
            }
            status => {
                return Err(Error::Status {
                    path: BUNDLE,
                    status,
                });
            }
        };
        self.store.save_fetched_at(Utc::now())?;
        // Settings and suppressions are best effort: the bundle is what matters.
        if let Ok(r) = self.request("GET", SETTINGS, None, None)
            && r.status == 200
            && let Ok(s) = serde_json::from_slice::<PracticeSettings>(&r.body)
        {
            self.store.save_settings(&s)?;
            self.settings = Some(s);
        }
        if let Ok(r) = self.request("GET", SUPPRESSIONS, None, None)
            && r.status == 200
            && let Ok(s) = serde_json::from_slice::<Suppressions>(&r.body)
        {
            for s in &s.suppressions {
                self.history.merge(s);
            }
            self.store.save_history(&self.history)?;
        }
        // Queued events go out now; if they cannot, they wait for the next sync.
        match self.flush() {
            Ok(_) | Err(Error::Unreachable(_)) => {}
            Err(e) => return Err(e),
        }
        Ok(status)
    }

    /// The alerts for this patient at this consultation, best first, after the fatigue
    /// rules: local evaluation only, no request. Each alert returned counts as shown (in
    /// the history, and as a queued `shown` event).
    pub fn check(
        &mut self,
        patient: &Patient,
        consultation: &Consultation,
    ) -> Result<Vec<Alert>, Error> {
        let Some(matcher) = &self.matcher else {
            return Ok(Vec::new());
        };
        let pseudonym = self.pseudonym(&consultation.patient_id);
        let alerts = matcher.alerts(
            &self.rules(),
            &self.history,
            &pseudonym,
            patient,
            consultation.date,
            Uuid::now_v7,
        );
        for a in &alerts {
            let issued = Issued {
                patient: pseudonym.clone(),
                trial: a.trial,
                trial_version: a.trial_version,
                verdict: a.verdict,
            };
            self.store
                .enqueue(&event(a.id, &issued, ResponseKind::Shown, None, None))?;
            self.history.record(
                &pseudonym,
                a.trial,
                ResponseKind::Shown,
                None,
                consultation.date,
            );
            self.issued.insert(a.id, issued);
        }
        if !alerts.is_empty() {
            self.store.save_history(&self.history)?;
        }
        Ok(alerts)
    }

    /// The pop-up of an alert, rendered locally.
    pub fn popup_html(&self, alert: &Alert, locale: Locale) -> Result<String, Error> {
        Ok(crate::popup::popup_html(alert, locale)?)
    }

    /// Records the GP's answer and sends it (or queues it when the server is down). For an
    /// accepted alert delivered, returns where the consent flow starts.
    pub fn respond(&mut self, alert: &Alert, response: Response) -> Result<Outcome, Error> {
        let issued = self
            .issued
            .get(&alert.id)
            .cloned()
            .ok_or(Error::UnknownAlert(alert.id))?;
        let (kind, reason, snooze) = match response {
            Response::Accept => (ResponseKind::Accepted, None, None),
            Response::NotNow { until } => (ResponseKind::NotNow, None, Some(until)),
            Response::Decline { reason } => (ResponseKind::Declined, Some(reason), None),
        };
        let e = event(alert.id, &issued, kind, reason, snooze);
        self.store.enqueue(&e)?;
        self.history.record(
            &issued.patient,
            issued.trial,
            kind,
            snooze,
            Utc::now().date_naive(),
        );
        self.store.save_history(&self.history)?;
        let delivered = match self.flush() {
            Ok(_) => !self.store.pending()?.iter().any(|p| p.id == e.id),
            Err(Error::Unreachable(_)) => false,
            Err(err) => return Err(err),
        };
        Ok(Outcome {
            event_id: e.id,
            delivered,
            consent_url: self.consent_urls.get(&e.id).cloned(),
        })
    }

    /// What became of the practice's referrals after `since` (all when `None`), oldest
    /// first, at most 500: the status changes coordinators made ("enrolled", "screen_failed"
    /// with its reason…), by pseudonym and alert. Ask again from the last `at`.
    pub fn referral_outcomes(
        &self,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<crate::wire::ReferralOutcome>, Error> {
        let path = match since {
            Some(t) => format!(
                "{OUTCOMES}?since={}",
                t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                    .replace('+', "%2B")
            ),
            None => OUTCOMES.to_string(),
        };
        let reply = self.request("GET", &path, None, None)?;
        if reply.status != 200 {
            return Err(Error::Status {
                path: OUTCOMES,
                status: reply.status,
            });
        }
        let r: crate::wire::ReferralOutcomes =
            serde_json::from_slice(&reply.body).map_err(|e| Error::Reply {
                path: OUTCOMES,
                message: e.to_string(),
            })?;
        Ok(r.outcomes)
    }

    /// The consent address the server returned for an accepted event delivered later
    /// (after an outage) by this client.
    pub fn consent_url(&self, event_id: Uuid) -> Option<&str> {
        self.consent_urls.get(&event_id).map(String::as_str)
    }

    /// How many events wait in the queue.
    pub fn pending_events(&self) -> Result<usize, Error> {
        Ok(self.store.pending()?.len())
    }

    /// Sends the queued events, oldest first, and removes those the server lists in its
    /// reply (recorded now or before). An event the server refuses as invalid (400, 409,
    /// 422, alone in its request) is set aside in `queue/rejected/` rather than blocking the
    /// queue for ever. Returns how many were delivered.
    pub fn flush(&mut self) -> Result<usize, Error> {
        let pending = self.store.pending()?;
        let mut delivered = 0;
        for chunk in pending.chunks(100) {
            match self.post_events(chunk) {
                Ok(n) => delivered += n,
                Err(Error::Status { status, .. }) if refused(status) => {
                    // Find the culprits one by one; deliver the others.
                    for e in chunk {
                        match self.post_events(std::slice::from_ref(e)) {
                            Ok(n) => delivered += n,
                            Err(Error::Status { status, .. }) if refused(status) => {
                                self.store.reject(e)?;
                            }
                            Err(err) => return Err(err),
                        }
                    }
                }
                Err(err) => return Err(err),
            }
        }
        Ok(delivered)
    }

    /// Posts events; dequeues those the reply lists. Returns how many.
    fn post_events(&mut self, events: &[Event]) -> Result<usize, Error> {
        let body = serde_json::to_vec(&EventBatch {
            events: events.to_vec(),
        })
        .map_err(|e| Error::Reply {
            path: EVENTS,
            message: e.to_string(),
        })?;
        let reply = self.request("POST", EVENTS, None, Some(body))?;
        if reply.status != 200 {
            return Err(Error::Status {
                path: EVENTS,
                status: reply.status,
            });
        }
        let results: EventResults =
            serde_json::from_slice(&reply.body).map_err(|e| Error::Reply {
                path: EVENTS,
                message: e.to_string(),
            })?;
        let mut delivered = 0;
        for r in results.results {
            if !events.iter().any(|e| e.id == r.id) {
                continue;
            }
            if let Some(url) = r.consent_url {
                self.consent_urls.insert(r.id, url);
            }
            self.store.dequeue(r.id)?;
            delivered += 1;
        }
        Ok(delivered)
    }
}

/// Statuses that refuse an event for what it is: resending it cannot succeed.
fn refused(status: u16) -> bool {
    matches!(status, 400 | 409 | 422)
}

fn event(
    alert_id: Uuid,
    issued: &Issued,
    response: ResponseKind,
    reason: Option<DeclineReason>,
    snooze_until: Option<NaiveDate>,
) -> Event {
    let at: DateTime<Utc> = Utc::now();
    Event {
        id: Uuid::now_v7(),
        alert_id,
        trial: issued.trial,
        trial_version: issued.trial_version,
        patient: issued.patient.clone(),
        verdict: issued.verdict,
        response,
        reason,
        snooze_until,
        at,
    }
}
