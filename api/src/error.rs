//! One error type for the service layer, mapped once to GraphQL errors with `extensions.code`.

use async_graphql::ErrorExtensions;

// AppError deliberately does not implement Display: async-graphql converts any Display type
// into an error without a code, and that conversion must not be chosen by `?` by accident.
use domain::schedule::AppointmentRuleError;
use sea_orm::{DbErr, SqlErr};

/// What went wrong, in terms a client can act on. Internal details stay in the logs.
#[derive(Debug)]
pub enum AppError {
    /// The input is invalid; `field` names the input field (relative to a mutation's `input`,
    /// e.g. `phone` or `decision.date`; an argument's name otherwise, e.g. `first`).
    BadUserInput {
        /// What to fix.
        message: String,
        /// The offending input field.
        field: &'static str,
    },
    /// No valid credentials were given.
    Unauthenticated,
    /// The caller may not do this.
    Forbidden(String),
    /// Nothing the caller may see has this id.
    NotFound(&'static str),
    /// The change conflicts with existing data.
    Conflict(String),
    /// The database stayed busy (SQLite's single writer, a PostgreSQL lock) past its wait;
    /// nothing was written, and the same request can be sent again.
    Unavailable,
    /// Anything else: logged, never shown.
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

/// Result of a service call.
pub type AppResult<T> = Result<T, AppError>;

/// An [`AppError`] met outside a request (start-up, the command line), where a
/// `std::error::Error` is wanted: a refusal keeps its message, an internal error its cause.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The caller's message of a refusal (bad input, conflict, not found…).
    #[error("{0}")]
    Refused(String),
    /// An internal error, with its cause (a GraphQL client sees only "internal error").
    #[error("{0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<AppError> for ServiceError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Internal(cause) => Self::Internal(cause),
            other => Self::Refused(other.message()),
        }
    }
}

impl AppError {
    /// A bad-input error about one field.
    pub fn field(field: &'static str, message: impl std::fmt::Display) -> Self {
        Self::BadUserInput {
            message: format!("{field}: {message}"),
            field,
        }
    }

    /// A permission error naming what is missing.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    /// The message shown to the caller (never internal details).
    pub fn message(&self) -> String {
        match self {
            Self::BadUserInput { message, .. }
            | Self::Forbidden(message)
            | Self::Conflict(message) => message.clone(),
            Self::Unauthenticated => "sign in first: send an API key or a bearer token".into(),
            Self::NotFound(what) => format!("{what} not found"),
            Self::Unavailable => {
                "the database is busy; nothing was changed, try again in a few seconds".into()
            }
            Self::Internal(_) => "internal error".into(),
        }
    }

    /// The stable machine-readable code clients rely on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadUserInput { .. } => "BAD_USER_INPUT",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Conflict(_) => "CONFLICT",
            Self::Unavailable => "SERVICE_UNAVAILABLE",
            Self::Internal(_) => "INTERNAL",
        }
    }
}

/// Unique constraints whose violation is the user's conflict, with the message to show.
/// SQLite names the columns, PostgreSQL the index: both are listed.
const CONFLICTS: &[(&[&str], &str)] = &[
    (
        &["ux_clients_national_id", "clients.national_id"],
        "a client with this national ID is already registered; if they moved, transfer them",
    ),
    (
        &["ux_orders_one_open", "supervision_orders.client_id"],
        "this client already has an open supervision order",
    ),
    (
        &[
            "ux_orders_decision",
            "supervision_orders.commune_code, supervision_orders.decision_number",
        ],
        "this commune already has a decision with this number",
    ),
    (
        &["legal_regimes_code_key", "legal_regimes.code"],
        "a legal regime with this code exists",
    ),
    (
        &["ux_regime_rules", "legal_regime_rules.regime_id"],
        "a legal regime lists the same rehab kind and age group twice",
    ),
    (
        &["communes_pkey", "communes.code"],
        "a commune with this code exists",
    ),
    (
        &["provinces_pkey", "provinces.code"],
        "a province with this code exists",
    ),
];

impl From<AppointmentRuleError> for AppError {
    fn from(e: AppointmentRuleError) -> Self {
        use AppointmentRuleError::*;
        let field = match e {
            EndsBeforeStart | TooLong => "endsAt",
            TooFarAhead | TooFarBack => "startsAt",
            ResultWithoutDrugTest | ResultOnMissed => "drugTestResult",
        };
        Self::field(field, e)
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(message)) = err.sql_err() {
            for (needles, shown) in CONFLICTS {
                if needles.iter().any(|n| message.contains(n)) {
                    return Self::Conflict((*shown).to_owned());
                }
            }
        }
        if store::db::is_busy(&err) {
            tracing::warn!(error = %err, "database busy past its wait; answered SERVICE_UNAVAILABLE");
            return Self::Unavailable;
        }
        Self::Internal(Box::new(err))
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        if let AppError::Internal(source) = &err {
            tracing::error!(error = %source, "internal error");
        }
        let code = err.code();
        let field = match &err {
            AppError::BadUserInput { field, .. } => Some(*field),
            _ => None,
        };
        async_graphql::Error::new(err.message()).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(field) = field {
                ext.set("field", field);
            }
        })
    }
}
