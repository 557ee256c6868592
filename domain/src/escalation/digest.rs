//! Digests: an officer with many escalation alerts at once gets one message that lists them,
//! instead of a flood.

/// From this many alerts for one officer in one sweep, they become a digest.
pub const DIGEST_FROM: usize = 3;

/// How one officer's alerts of one sweep go out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery<T> {
    /// Each alert on its own (few of them).
    Single(Vec<T>),
    /// One digest naming them all.
    Digest(Vec<T>),
}

/// Decides for one officer's alerts of one sweep.
pub fn plan<T>(alerts: Vec<T>) -> Delivery<T> {
    if alerts.len() >= DIGEST_FROM {
        Delivery::Digest(alerts)
    } else {
        Delivery::Single(alerts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_alerts_go_alone_many_become_one_digest() {
        assert_eq!(plan(Vec::<u8>::new()), Delivery::Single(vec![]));
        assert_eq!(plan(vec![1, 2]), Delivery::Single(vec![1, 2]));
        assert_eq!(plan(vec![1, 2, 3]), Delivery::Digest(vec![1, 2, 3]));
    }
}
