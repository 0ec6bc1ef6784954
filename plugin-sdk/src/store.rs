//! The cache folder: `bundle.json`, `etag`, `fetched_at`, `settings.json`, `history.json`
//! and `queue/` (one file per event). Every file is written atomically (a temporary file
//! then a rename), so a crash leaves the old content or the new, never half of one.

use crate::fatigue::History;
use crate::wire::{Bundle, Event, PracticeSettings};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// The cache folder.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    dir: PathBuf,
}

impl Store {
    /// Opens (creating) the folder and its queue.
    pub(crate) fn open(dir: &Path) -> io::Result<Store> {
        fs::create_dir_all(dir.join("queue"))?;
        Ok(Store {
            dir: dir.to_path_buf(),
        })
    }

    fn write(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
        }
        fs::rename(&tmp, path)
    }

    fn write_json<T: Serialize>(&self, name: &str, value: &T) -> io::Result<()> {
        let bytes = serde_json::to_vec(value).map_err(io::Error::other)?;
        self.write(&self.dir.join(name), &bytes)
    }

    /// A JSON file, `None` when absent or unreadable (a corrupt cache is refetched).
    fn read_json<T: DeserializeOwned>(&self, name: &str) -> Option<T> {
        let bytes = fs::read(self.dir.join(name)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// The cached bundle with its ETag and the time the server last confirmed it.
    pub(crate) fn bundle(&self) -> Option<(Bundle, Option<String>, Option<DateTime<Utc>>)> {
        let bundle = self.read_json("bundle.json")?;
        let etag = fs::read_to_string(self.dir.join("etag")).ok();
        Some((bundle, etag, self.fetched_at()))
    }

    /// When the server last confirmed the cached bundle.
    pub(crate) fn fetched_at(&self) -> Option<DateTime<Utc>> {
        let text = fs::read_to_string(self.dir.join("fetched_at")).ok()?;
        DateTime::parse_from_rfc3339(text.trim())
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// Saves a new bundle (the body as received) and its ETag.
    pub(crate) fn save_bundle(&self, body: &[u8], etag: Option<&str>) -> io::Result<()> {
        self.write(&self.dir.join("bundle.json"), body)?;
        match etag {
            Some(e) => self.write(&self.dir.join("etag"), e.as_bytes())?,
            None => match fs::remove_file(self.dir.join("etag")) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            },
        }
        Ok(())
    }

    /// Records that the server confirmed the bundle at `at`.
    pub(crate) fn save_fetched_at(&self, at: DateTime<Utc>) -> io::Result<()> {
        self.write(&self.dir.join("fetched_at"), at.to_rfc3339().as_bytes())
    }

    /// The practice settings last received.
    pub(crate) fn settings(&self) -> Option<PracticeSettings> {
        self.read_json("settings.json")
    }

    /// Saves the practice settings.
    pub(crate) fn save_settings(&self, s: &PracticeSettings) -> io::Result<()> {
        self.write_json("settings.json", s)
    }

    /// The local history.
    pub(crate) fn history(&self) -> History {
        self.read_json("history.json").unwrap_or_default()
    }

    /// Saves the local history.
    pub(crate) fn save_history(&self, h: &History) -> io::Result<()> {
        self.write_json("history.json", h)
    }

    fn queued(&self, id: Uuid) -> PathBuf {
        self.dir.join("queue").join(format!("{id}.json"))
    }

    /// Queues an event (its own file, named by its id).
    pub(crate) fn enqueue(&self, e: &Event) -> io::Result<()> {
        let bytes = serde_json::to_vec(e).map_err(io::Error::other)?;
        self.write(&self.queued(e.id), &bytes)
    }

    /// The queued events, oldest first (ids are UUID v7: time-ordered).
    pub(crate) fn pending(&self) -> io::Result<Vec<Event>> {
        let mut out = Vec::new();
        for entry in fs::read_dir(self.dir.join("queue"))? {
            let path = entry?.path();
            let is_event = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".json") && !n.starts_with('.'));
            if !is_event {
                continue;
            }
            if let Ok(event) = serde_json::from_slice::<Event>(&fs::read(&path)?) {
                out.push(event);
            }
        }
        out.sort_by_key(|e| e.id);
        Ok(out)
    }

    /// Sets aside an event the server refuses (`queue/rejected/`), out of the queue.
    pub(crate) fn reject(&self, e: &Event) -> io::Result<()> {
        let dir = self.dir.join("queue").join("rejected");
        fs::create_dir_all(&dir)?;
        let bytes = serde_json::to_vec(e).map_err(io::Error::other)?;
        self.write(&dir.join(format!("{}.json", e.id)), &bytes)?;
        self.dequeue(e.id)
    }

    /// Removes a delivered event.
    pub(crate) fn dequeue(&self, id: Uuid) -> io::Result<()> {
        match fs::remove_file(self.queued(id)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::wire::{AlertVerdict, ResponseKind};

    fn event(n: u128) -> Event {
        Event {
            id: Uuid::from_u128(n),
            alert_id: Uuid::from_u128(100),
            trial: Uuid::from_u128(200),
            trial_version: 1,
            patient: "ab".repeat(32),
            verdict: AlertVerdict::Eligible,
            response: ResponseKind::Shown,
            reason: None,
            snooze_until: None,
            at: "2026-11-23T10:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn queue_in_order_atomic_and_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        for n in [3, 1, 2] {
            store.enqueue(&event(n)).unwrap();
        }
        // A stray temporary file from a crash is not an event.
        fs::write(dir.path().join("queue/.x.json.1.tmp"), b"{").unwrap();
        let ids: Vec<u128> = store
            .pending()
            .unwrap()
            .iter()
            .map(|e| e.id.as_u128())
            .collect();
        assert_eq!(ids, [1, 2, 3]);
        store.dequeue(Uuid::from_u128(2)).unwrap();
        store.dequeue(Uuid::from_u128(2)).unwrap(); // Twice is fine.
        store.reject(&event(3)).unwrap();
        let ids: Vec<u128> = store
            .pending()
            .unwrap()
            .iter()
            .map(|e| e.id.as_u128())
            .collect();
        assert_eq!(ids, [1]);
        assert!(
            dir.path()
                .join(format!("queue/rejected/{}.json", Uuid::from_u128(3)))
                .exists()
        );
        // No temporary file of ours is left behind.
        let leftovers = fs::read_dir(dir.path().join("queue"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".tmp")
            })
            .count();
        assert_eq!(leftovers, 1, "only the stray one");
    }

    #[test]
    fn bundle_etag_and_age_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert!(store.bundle().is_none());
        store
            .save_bundle(br#"{"version": "v1", "trials": []}"#, Some("\"abc\""))
            .unwrap();
        let at = Utc::now();
        store.save_fetched_at(at).unwrap();
        let again = Store::open(dir.path()).unwrap();
        let (bundle, etag, fetched) = again.bundle().unwrap();
        assert_eq!(bundle.version, "v1");
        assert_eq!(etag.as_deref(), Some("\"abc\""));
        assert_eq!(fetched, Some(at));
        // A corrupt bundle is treated as none (refetched), not an error.
        fs::write(dir.path().join("bundle.json"), b"{not json").unwrap();
        assert!(again.bundle().is_none());
    }
}
