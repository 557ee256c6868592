//! What every request carries: the caller, a request id, the time it started, and the
//! sensitive reads to audit before the answer leaves.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    auth::Principal,
    error::{AppError, AppResult},
};

/// One read of sensitive fields, audited in a batch when the request ends.
#[derive(Debug, Clone)]
pub struct SensitiveRead {
    /// `client`, `appointment`, …
    pub entity_type: &'static str,
    /// The record read.
    pub entity_id: Uuid,
    /// Its commune.
    pub commune_code: String,
    /// Which field was read (a name, never the value).
    pub field: &'static str,
}

/// The per-request context handed to services.
#[derive(Debug)]
pub struct RequestContext {
    /// The authenticated caller, if any.
    pub principal: Option<Principal>,
    /// Correlates logs and audit entries.
    pub request_id: String,
    /// The request's instant, from the injected clock.
    pub now: DateTime<Utc>,
    sensitive_reads: Mutex<Vec<SensitiveRead>>,
}

impl RequestContext {
    /// A context for one request.
    pub fn new(principal: Option<Principal>, request_id: String, now: DateTime<Utc>) -> Self {
        Self {
            principal,
            request_id,
            now,
            sensitive_reads: Mutex::new(Vec::new()),
        }
    }

    /// The caller, or UNAUTHENTICATED.
    pub fn principal(&self) -> AppResult<&Principal> {
        self.principal.as_ref().ok_or(AppError::Unauthenticated)
    }

    /// Notes a read of a sensitive field, to be audited before the response is sent.
    pub fn note_sensitive_read(&self, read: SensitiveRead) {
        self.sensitive_reads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(read);
    }

    /// Takes the noted reads (the audit writer empties the list).
    pub fn take_sensitive_reads(&self) -> Vec<SensitiveRead> {
        std::mem::take(
            &mut *self
                .sensitive_reads
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        )
    }
}
