//! Failed-authentication rate limiting (issue 8, defect 10): a token bucket per client address
//! and one per key prefix, in memory, per process.
//!
//! Each failed authentication takes one token from both buckets; a success takes none. While
//! either bucket is empty, requests presenting a credential from that address or with that
//! prefix are refused (429 `RATE_LIMITED` with `Retry-After`) before any database lookup, so a
//! flood of guesses costs the database nothing. Buckets refill continuously.
//!
//! Memory is bounded: a full bucket is the same as none and is dropped when the table fills;
//! if the table is still full (a flood from many addresses), it is cleared and logged.

use std::{collections::HashMap, net::IpAddr, sync::Mutex};

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};

/// How many characters of a presented secret name its bucket: the type prefix (`dhk_`,
/// `dht_`) and 8 characters of the random part, which identify a key without revealing it.
pub const KEY_PREFIX_CHARS: usize = 12;

/// Most buckets kept per table.
const MAX_BUCKETS: usize = 10_000;

/// Bounds of the limiter.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimitSettings {
    /// `AUTH_FAILURE_BURST`: failures accepted in a row before refusing.
    pub burst: u32,
    /// `AUTH_FAILURE_REFILL_PER_MINUTE`: failures forgiven per minute.
    pub refill_per_minute: u32,
    /// `TRUSTED_PROXIES`: addresses of reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            burst: 10,
            refill_per_minute: 10,
            trusted_proxies: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: DateTime<Utc>,
}

#[derive(Debug, Default)]
struct Buckets {
    by_address: HashMap<IpAddr, Bucket>,
    by_prefix: HashMap<String, Bucket>,
}

/// The limiter, shared by every request of the process.
#[derive(Debug)]
pub struct AuthRateLimiter {
    settings: RateLimitSettings,
    buckets: Mutex<Buckets>,
}

/// Refused: wait this many whole seconds (at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RetryAfter(pub u64);

impl AuthRateLimiter {
    /// A limiter with these bounds.
    pub fn new(settings: RateLimitSettings) -> Self {
        Self {
            settings,
            buckets: Mutex::new(Buckets::default()),
        }
    }

    /// The settings (trusted proxies are needed to find the client's address).
    pub fn settings(&self) -> &RateLimitSettings {
        &self.settings
    }

    fn per_second(&self) -> f64 {
        f64::from(self.settings.refill_per_minute) / 60.0
    }

    fn refilled(&self, bucket: Option<&Bucket>, now: DateTime<Utc>) -> Bucket {
        let burst = f64::from(self.settings.burst);
        match bucket {
            None => Bucket {
                tokens: burst,
                at: now,
            },
            Some(b) => {
                let elapsed = (now - b.at).num_milliseconds().max(0) as f64 / 1000.0;
                Bucket {
                    tokens: (b.tokens + elapsed * self.per_second()).min(burst),
                    at: now,
                }
            }
        }
    }

    fn wait(&self, bucket: &Bucket) -> Option<RetryAfter> {
        if bucket.tokens >= 1.0 {
            return None;
        }
        let rate = self.per_second();
        let seconds = if rate > 0.0 {
            ((1.0 - bucket.tokens) / rate).ceil() as u64
        } else {
            3600
        };
        Some(RetryAfter(seconds.max(1)))
    }

    /// Whether a credential from `address` starting like `secret` may be checked now.
    pub fn check(
        &self,
        address: IpAddr,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<(), RetryAfter> {
        let buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let by_address = self.refilled(buckets.by_address.get(&address), now);
        let by_prefix = self.refilled(buckets.by_prefix.get(prefix(secret)), now);
        match (self.wait(&by_address), self.wait(&by_prefix)) {
            (None, None) => Ok(()),
            (a, p) => Err(a.max(p).unwrap_or(RetryAfter(1))),
        }
    }

    /// Counts a failed authentication against the address and the prefix.
    pub fn record_failure(&self, address: IpAddr, secret: &str, now: DateTime<Utc>) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let mut a = self.refilled(buckets.by_address.get(&address), now);
        a.tokens = (a.tokens - 1.0).max(0.0);
        let mut p = self.refilled(buckets.by_prefix.get(prefix(secret)), now);
        p.tokens = (p.tokens - 1.0).max(0.0);
        let burst = f64::from(self.settings.burst);
        let full = |b: &Bucket| self.refilled(Some(b), now).tokens >= burst;
        make_room(&mut buckets.by_address, &full);
        make_room(&mut buckets.by_prefix, &full);
        buckets.by_address.insert(address, a);
        buckets.by_prefix.insert(prefix(secret).to_owned(), p);
    }
}

fn make_room<K: std::hash::Hash + Eq>(
    table: &mut HashMap<K, Bucket>,
    full: &impl Fn(&Bucket) -> bool,
) {
    if table.len() < MAX_BUCKETS {
        return;
    }
    table.retain(|_, b| !full(b));
    if table.len() >= MAX_BUCKETS {
        tracing::warn!(
            buckets = table.len(),
            "authentication rate-limit table full; cleared"
        );
        table.clear();
    }
}

/// The part of a secret that names its bucket.
fn prefix(secret: &str) -> &str {
    match secret.char_indices().nth(KEY_PREFIX_CHARS) {
        Some((i, _)) => &secret[..i],
        None => secret,
    }
}

/// The client's address: the connecting address, unless that is a trusted proxy; then the
/// nearest address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[IpAddr]) -> IpAddr {
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .find(|a| !trusted_proxies.contains(a))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn limiter(burst: u32) -> AuthRateLimiter {
        AuthRateLimiter::new(RateLimitSettings {
            burst,
            refill_per_minute: 6,
            trusted_proxies: Vec::new(),
        })
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn refuses_after_the_burst_and_refills_with_time() {
        let l = limiter(3);
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        for n in 0..3 {
            assert_eq!(
                l.check(ip("10.0.0.1"), &format!("dhk_{n}aaaaaaaaa"), now),
                Ok(())
            );
            l.record_failure(ip("10.0.0.1"), &format!("dhk_{n}aaaaaaaaa"), now);
        }
        assert_eq!(
            l.check(ip("10.0.0.1"), "dhk_other_key", now),
            Err(RetryAfter(10)),
            "6 per minute: one failure forgiven every 10 s"
        );
        assert_eq!(l.check(ip("10.0.0.2"), "dhk_other_key", now), Ok(()));
        assert_eq!(
            l.check(ip("10.0.0.1"), "dhk_other_key", now + Duration::seconds(10)),
            Ok(())
        );
    }

    #[test]
    fn a_prefix_is_limited_from_every_address() {
        let l = limiter(2);
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        l.record_failure(ip("10.0.0.1"), "dhk_ABCDEFGH-first-guess", now);
        l.record_failure(ip("10.0.0.2"), "dhk_ABCDEFGH-second-guess", now);
        assert!(l.check(ip("10.0.0.3"), "dhk_ABCDEFGHxyz", now).is_err());
        assert_eq!(l.check(ip("10.0.0.3"), "dhk_ZBCDEFGHxyz", now), Ok(()));
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.9, 10.0.0.5".parse().unwrap());
        let proxy = ip("10.0.0.5");
        assert_eq!(
            client_address(ip("198.51.100.1"), &headers, &[proxy]),
            ip("198.51.100.1")
        );
        assert_eq!(
            client_address(proxy, &headers, &[proxy]),
            ip("203.0.113.9"),
            "the proxy's own entry is skipped"
        );
        assert_eq!(client_address(proxy, &HeaderMap::new(), &[proxy]), proxy);
    }

    #[test]
    fn the_tables_stay_bounded() {
        let l = limiter(1);
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        for n in 0..(MAX_BUCKETS as u32 + 5) {
            let address = IpAddr::from(n.to_be_bytes());
            l.record_failure(address, &format!("dht_{n:08}"), now);
        }
        let b = l.buckets.lock().unwrap();
        assert!(b.by_address.len() <= MAX_BUCKETS);
        assert!(b.by_prefix.len() <= MAX_BUCKETS);
    }
}
