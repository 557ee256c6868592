//! Communes and provinces by code, kept in this process for a minute.
//!
//! They are reference data that an import changes a few times a year, and nearly every page
//! names some (a client's commune, an officer's): without the cache each such page spent a
//! loader round and a statement on the same few rows. An import through this process empties
//! the cache at once; one through another replica shows here when the entries lapse, within
//! [`TTL`]. Only rows that exist are kept, so the cache never holds more than the tables.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use entities::{commune, province};

/// How long a cached row is served before it is read again.
pub const TTL: Duration = Duration::from_secs(60);

/// Rows by code, each for at most the TTL.
#[derive(Debug)]
pub struct ByCode<V> {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, V)>>,
}

impl<V: Clone> ByCode<V> {
    fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The row cached for `code`, if read less than the TTL ago.
    pub fn get(&self, code: &str) -> Option<V> {
        let entries = self.lock();
        let (read_at, value) = entries.get(code)?;
        (read_at.elapsed() < self.ttl).then(|| value.clone())
    }

    /// Keeps `value`, just read, for `code`.
    pub fn put(&self, code: &str, value: V) {
        if self.ttl.is_zero() {
            return;
        }
        self.lock().insert(code.to_owned(), (Instant::now(), value));
    }

    /// The row for `code` from the cache, or from `load` (kept when found; not called on a
    /// hit).
    pub async fn get_or_load<E, F: std::future::Future<Output = Result<Option<V>, E>>>(
        &self,
        code: &str,
        load: impl FnOnce() -> F,
    ) -> Result<Option<V>, E> {
        if let Some(hit) = self.get(code) {
            return Ok(Some(hit));
        }
        let found = load().await?;
        if let Some(row) = &found {
            self.put(code, row.clone());
        }
        Ok(found)
    }

    fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, V)>> {
        // A panic while holding the lock cannot leave a map half-written that matters: at
        // worst an entry is missing and is read again.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// This process's cached communes and provinces.
#[derive(Debug)]
pub struct PlaceCache {
    /// Communes (current and former) by code.
    pub communes: ByCode<commune::Model>,
    /// Provinces by code.
    pub provinces: ByCode<province::Model>,
}

impl PlaceCache {
    /// A cache keeping rows for `ttl` (zero: nothing is kept).
    pub fn new(ttl: Duration) -> Self {
        Self {
            communes: ByCode::new(ttl),
            provinces: ByCode::new(ttl),
        }
    }

    /// Forgets everything, after an import changed the places.
    pub fn clear(&self) {
        self.communes.clear();
        self.provinces.clear();
    }
}

impl Default for PlaceCache {
    fn default() -> Self {
        Self::new(TTL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_served_until_the_ttl_then_read_again() {
        let cache = ByCode::new(Duration::from_secs(3_600));
        assert_eq!(cache.get("00004"), None);
        cache.put("00004", 1);
        assert_eq!(cache.get("00004"), Some(1));

        let short = ByCode::new(Duration::from_millis(1));
        short.put("00004", 1);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(short.get("00004"), None, "lapsed");
    }

    #[tokio::test]
    async fn a_miss_loads_and_keeps_what_it_found_and_a_hit_does_not_load() {
        let cache = ByCode::new(Duration::from_secs(3_600));
        let found: Result<_, ()> = cache.get_or_load("00004", || async { Ok(Some(7)) }).await;
        assert_eq!(found, Ok(Some(7)));
        let hit: Result<_, ()> = cache
            .get_or_load("00004", || async { unreachable!("a hit does not load") })
            .await;
        assert_eq!(hit, Ok(Some(7)));
        let unknown: Result<Option<i32>, ()> =
            cache.get_or_load("99999", || async { Ok(None) }).await;
        assert_eq!(unknown, Ok(None));
        assert_eq!(cache.get("99999"), None, "an unknown code is not kept");
    }

    #[test]
    fn a_zero_ttl_keeps_nothing_and_clear_forgets_everything() {
        let off = ByCode::new(Duration::ZERO);
        off.put("00004", 1);
        assert_eq!(off.get("00004"), None);

        let cache = PlaceCache::default();
        cache.provinces.put(
            "01",
            province::Model {
                code: "01".into(),
                name: "Hà Nội".into(),
                created_at: chrono::Utc::now(),
            },
        );
        assert!(cache.provinces.get("01").is_some());
        cache.clear();
        assert!(cache.provinces.get("01").is_none());
    }
}
