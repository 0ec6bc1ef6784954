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
