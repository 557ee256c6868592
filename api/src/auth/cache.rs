//! A short-lived, bounded cache of resolved credentials, so a request does not look its
//! bearer token or API key up in the database every time.
//!
//! Safety: entries are keyed by the secret's SHA-256 (never the secret), live at most the TTL
//! (`AUTH_CACHE_TTL_SECONDS`, 5 s by default; 0 turns the cache off) and never past the
//! credential's own expiry. Every revocation, rotation, role change or deactivation made
//! through this process empties the cache at once; one made through another replica of the
//! API takes effect here when the entry lapses, i.e. within the TTL.

use std::{collections::HashMap, sync::Mutex};

use chrono::{DateTime, Duration, Utc};

use super::Principal;

/// Entries kept at most; when full, lapsed entries go first, then everything.
const CAPACITY: usize = 10_000;

#[derive(Debug)]
struct Entry {
    principal: Principal,
    valid_until: DateTime<Utc>,
}

/// Resolved credentials by secret hash, for a few seconds.
#[derive(Debug)]
pub struct CredentialCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

impl CredentialCache {
    /// A cache keeping entries for `ttl` (zero: nothing is kept).
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The principal cached for this secret hash, if still valid at `now`.
    pub fn get(&self, hash: &str, now: DateTime<Utc>) -> Option<Principal> {
        let entries = self.lock();
        entries
            .get(hash)
            .filter(|e| now < e.valid_until)
            .map(|e| e.principal.clone())
    }

    /// Keeps `principal` for this secret hash until `now + ttl`, or `expires_at` if sooner.
    pub fn put(
        &self,
        hash: String,
        principal: Principal,
        now: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) {
        if self.ttl <= Duration::zero() {
            return;
        }
        let until = now + self.ttl;
        let valid_until = expires_at.map_or(until, |e| e.min(until));
        let mut entries = self.lock();
        if entries.len() >= CAPACITY {
            entries.retain(|_, e| now < e.valid_until);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(
            hash,
            Entry {
                principal,
                valid_until,
            },
        );
    }

    /// Forgets everything: called after any change that could revoke or narrow a credential.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while holding the lock leaves a map that is still consistent.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use uuid::Uuid;

    use super::*;

    fn admin() -> Principal {
        Principal::Administrator {
            account_id: Uuid::nil(),
            province: None,
        }
    }

    fn t(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn an_entry_lapses_after_the_ttl() {
        let cache = CredentialCache::new(Duration::seconds(5));
        cache.put("h".into(), admin(), t(0), None);
        assert!(cache.get("h", t(4)).is_some());
        assert!(cache.get("h", t(5)).is_none());
    }

    #[test]
    fn an_entry_never_outlives_its_credential() {
        let cache = CredentialCache::new(Duration::seconds(5));
        cache.put("h".into(), admin(), t(0), Some(t(2)));
        assert!(cache.get("h", t(1)).is_some());
        assert!(cache.get("h", t(2)).is_none());
    }

    #[test]
    fn clear_forgets_everything_and_zero_ttl_keeps_nothing() {
        let cache = CredentialCache::new(Duration::seconds(5));
        cache.put("h".into(), admin(), t(0), None);
        cache.clear();
        assert!(cache.get("h", t(0)).is_none());
        let off = CredentialCache::new(Duration::zero());
        off.put("h".into(), admin(), t(0), None);
        assert!(off.get("h", t(0)).is_none());
    }

    #[test]
    fn a_full_cache_stays_bounded() {
        let cache = CredentialCache::new(Duration::seconds(5));
        for n in 0..CAPACITY + 10 {
            cache.put(n.to_string(), admin(), t(0), None);
        }
        assert!(cache.lock().len() <= CAPACITY);
    }
}
