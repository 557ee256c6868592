//! The access-token rule shared by ZNS and OA: send with the current token; on
//! `AuthExpired`, refresh once (single flight) and send again; a second refusal means the
//! channel is broken, not the token.

use std::future::Future;

use domain::messaging::outcome::OutcomeClass;

use crate::zalo_tokens::{TokenError, ZaloTokenStore};

/// Runs `attempt` with the current access token, and once more with a refreshed one if
/// Zalo says the token expired. `AuthExpired` never escapes: the caller sees a class it
/// can act on.
pub(crate) async fn with_access_token<F, Fut>(tokens: &ZaloTokenStore, attempt: F) -> OutcomeClass
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = OutcomeClass>,
{
    let token = match tokens.access_token().await {
        Ok(token) => token,
        Err(e) => return token_failure(&e),
    };
    let first = attempt(token.clone()).await;
    if first != OutcomeClass::AuthExpired {
        return first;
    }
    let fresh = match tokens.refresh(&token).await {
        Ok(fresh) => fresh,
        Err(e) => return token_failure(&e),
    };
    match attempt(fresh).await {
        OutcomeClass::AuthExpired => OutcomeClass::ChannelUnavailable {
            reason: "zalo refused a freshly refreshed access token".into(),
        },
        other => other,
    }
}

/// No token means nothing was sent: a passing failure is retried, a broken token pair or
/// app secret needs the operator.
fn token_failure(error: &TokenError) -> OutcomeClass {
    match error {
        TokenError::Database(_) | TokenError::Transport(_) => OutcomeClass::Retryable {
            reason: format!("zalo access token unavailable: {error}"),
        },
        TokenError::NotSeeded | TokenError::Rejected { .. } | TokenError::Malformed => {
            OutcomeClass::ChannelUnavailable {
                reason: format!("zalo access token unavailable: {error}"),
            }
        }
    }
}
