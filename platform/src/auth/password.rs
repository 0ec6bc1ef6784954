//! Password hashing with argon2id (PHC strings). Hashing is deliberately slow and needs
//! 19 MiB while it runs: callers on async threads go through [`hash_blocking`] /
//! [`verify_blocking`], which run at most `auth.max_concurrent_hashes` hashes at once
//! ([`configure`]) and answer `server_busy` (503) to a request that waits longer than
//! `auth.hash_wait_ms` for its turn.

use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::ApiError;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The shortest password accepted.
pub const MIN_LENGTH: usize = 12;

/// Hashes a password into a PHC string.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

/// Whether `password` matches a PHC string (false for a malformed string).
pub fn verify(password: &str, phc: &str) -> bool {
    verify_in(password, phc, &mut Vec::new())
}

/// [`verify`] with the hash's working memory in `memory` (grown to the hash's size if
/// needed, and kept): the blocking threads reuse a few buffers instead of allocating 19 MiB
/// per check, which the allocator's per-thread arenas would keep.
fn verify_in(password: &str, phc: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(h) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (h.salt, h.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(h.algorithm) else {
        return false;
    };
    let Ok(version) = h.version.map(Version::try_from).transpose() else {
        return false;
    };
    let Ok(params) = Params::try_from(&h) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params);
    let Some(memory) = memory.get_mut(..blocks) else {
        return false;
    };
    argon2
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, memory)
        .is_ok()
        // `Output`'s comparison takes constant time.
        && argon2::password_hash::Output::new(&out).is_ok_and(|o| o == expected)
}

/// The working memories of password checks, one per check running (at most the bound on
/// concurrent hashes), reused.
static MEMORIES: std::sync::Mutex<Vec<Vec<Block>>> = std::sync::Mutex::new(Vec::new());

fn memories() -> std::sync::MutexGuard<'static, Vec<Vec<Block>>> {
    MEMORIES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How many password hashes may run at once, and how long a request waits for its turn.
/// Each argon2id hash holds 19 MiB while it runs, on the blocking pool: without a bound, a
/// burst of logins (no credentials needed) grows the process by 19 MiB per request.
#[derive(Debug)]
struct HashLimit {
    semaphore: Arc<Semaphore>,
    wait: Duration,
}

static LIMIT: OnceLock<HashLimit> = OnceLock::new();

/// The default wait for a turn, in milliseconds (`auth.hash_wait_ms`).
pub const DEFAULT_WAIT_MS: u64 = crate::config::DEFAULT_HASH_WAIT_MS;

/// What one hash needs, with headroom: the bound on concurrent hashes is the memory
/// available divided by this.
const MEMORY_PER_HASH: u64 = 64 * 1024 * 1024;

/// The number of concurrent hashes when `auth.max_concurrent_hashes` is 0: two per core, at
/// most one per 64 MiB of available memory (`MemAvailable`, or the cgroup's limit when lower),
/// at least one.
pub fn auto_concurrency() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let by_memory = available_memory().map_or(usize::MAX, |m| {
        usize::try_from(m / MEMORY_PER_HASH).unwrap_or(usize::MAX)
    });
    (cores * 2).min(by_memory).max(1)
}

/// Available memory in bytes (Linux: `/proc/meminfo` and cgroup v2 `memory.max`).
fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("MemAvailable:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .map(|kb| kb * 1024)
        });
    let cgroup = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok());
    match (meminfo, cgroup) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Sets the bound on concurrent hashes (0: [`auto_concurrency`]) and the wait for a turn;
/// the first call of the process wins (the server calls it at start). Returns the bound in
/// force.
pub fn configure(max_concurrent: usize, wait_ms: u64) -> usize {
    let limit = LIMIT.get_or_init(|| {
        let permits = if max_concurrent == 0 {
            auto_concurrency()
        } else {
            max_concurrent
        };
        HashLimit {
            semaphore: Arc::new(Semaphore::new(permits)),
            wait: Duration::from_millis(wait_ms),
        }
    });
    limit.semaphore.available_permits()
}

/// A turn to hash, or `server_busy` when none came within the wait.
async fn turn() -> Result<OwnedSemaphorePermit, ApiError> {
    configure(0, DEFAULT_WAIT_MS);
    let limit = LIMIT
        .get()
        .ok_or_else(|| anyhow::anyhow!("no hash limit"))?;
    match tokio::time::timeout(limit.wait, limit.semaphore.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        Ok(Err(_)) | Err(_) => Err(ApiError::Busy(BUSY_RETRY_SECS)),
    }
}

/// The `Retry-After` of a `server_busy` answer, in seconds.
pub const BUSY_RETRY_SECS: u64 = 1;

/// [`hash`] on a blocking thread, in its turn (`server_busy` when none comes in time).
pub async fn hash_blocking(password: String) -> Result<String, ApiError> {
    let permit = turn().await?;
    // The permit moves into the task: it is released when the hash is done, even if the
    // request is dropped meanwhile.
    let hashed = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        hash(&password)
    })
    .await
    .map_err(anyhow::Error::from)??;
    Ok(hashed)
}

/// [`verify`] on a blocking thread, in its turn (`server_busy` when none comes in time);
/// `None` verifies against [`dummy_hash`], so that unknown emails take as long as wrong
/// passwords.
pub async fn verify_blocking(password: String, phc: Option<String>) -> Result<bool, ApiError> {
    let permit = turn().await?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let mut memory = memories().pop().unwrap_or_default();
        let ok = verify_in(
            &password,
            phc.as_deref().unwrap_or_else(|| dummy_hash()),
            &mut memory,
        );
        memories().push(memory);
        ok
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))
}

/// A hash to verify against when the user does not exist, so that unknown emails take as
/// long as wrong passwords (computed once, on a blocking thread by [`verify_blocking`]).
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash("not a real password, only for timing").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let a = hash("correct horse battery").unwrap();
        let b = hash("correct horse battery").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &a));
        assert!(!verify("wrong horse battery", &a));
        assert!(!verify("x", "not a phc string"));
        // A reused (dirty) working memory gives the same answers.
        let mut memory = Vec::new();
        for _ in 0..2 {
            assert!(verify_in("correct horse battery", &a, &mut memory));
            assert!(!verify_in("wrong horse battery", &b, &mut memory));
            assert!(verify_in("correct horse battery", &b, &mut memory));
        }
    }
}
