//! The recruiting trials compiled for evaluation, rebuilt only when the bundle generation
//! changes (one indexed read per call otherwise). A cache that can never be wrong: it is keyed
//! by the bundle's ETag, which changes in the transaction of every change to the set.

use platform::error::ApiError;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// What a card shows about a trial besides its result.
#[derive(Debug, Clone)]
pub struct TrialInfo {
    /// Registry id.
    pub id: Uuid,
    /// Acronym.
    pub acronym: Option<String>,
}

/// Compiled recruiting trials.
pub struct Compiled {
    /// The index.
    pub index: trials::TrialIndex,
    /// Registry information by definition id.
    pub info: HashMap<String, TrialInfo>,
}

/// The cache, shared by the workers.
#[derive(Default)]
pub struct CdsIndex {
    current: Mutex<Option<(String, Arc<Compiled>)>>,
}

impl CdsIndex {
    /// An empty cache.
    pub fn new() -> CdsIndex {
        CdsIndex::default()
    }

    /// The compiled recruiting trials of the current generation.
    pub async fn get(&self, db: &DatabaseConnection) -> Result<Arc<Compiled>, ApiError> {
        let etag = crate::plugin::bundle::etag(db).await?;
        if let Ok(current) = self.current.lock()
            && let Some((tag, compiled)) = current.as_ref()
            && *tag == etag
        {
            return Ok(compiled.clone());
        }
        let (etag, bundle) = crate::plugin::bundle::build(db).await?;
        let mut definitions = Vec::new();
        let mut info = HashMap::new();
        for t in bundle.trials {
            // Registered trials were validated; one that no longer parses is left out, not fatal.
            let Ok(trial) = serde_json::from_value::<trials::Trial>(t.definition) else {
                tracing::warn!(trial = %t.id, "a recruiting trial's definition does not parse");
                continue;
            };
            if !trials::validate(&trial).is_empty() {
                tracing::warn!(trial = %t.id, "a recruiting trial's definition does not validate");
                continue;
            }
            info.insert(
                trial.id.clone(),
                TrialInfo {
                    id: t.id,
                    acronym: t.acronym,
                },
            );
            definitions.push(trial);
        }
        let index = trials::TrialIndex::new(definitions)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("compiling recruiting trials: {e}")))?;
        let compiled = Arc::new(Compiled { index, info });
        if let Ok(mut current) = self.current.lock() {
            *current = Some((etag, compiled.clone()));
        }
        Ok(compiled)
    }
}
