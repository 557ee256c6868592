//! Secrets that authenticate inbound webhooks, read once at start-up through `store::env`.
//!
//! Each webhook is off (answers 404) unless its secret is set, so a deployment without Zalo or
//! eSMS exposes nothing.

use store::{
    env::{ConfigError, Source},
    settings::gateways::Secret,
};

/// Fewest characters accepted for `ESMS_CALLBACK_SECRET`: it is the callback's only
/// authentication, so it must not be guessable.
pub const MIN_CALLBACK_SECRET_LEN: usize = 16;

/// What verifies Zalo OA events: `mac = sha256(app_id + raw body + timestamp + oa_secret_key)`.
#[derive(Debug, Clone)]
pub struct ZaloWebhookSettings {
    /// `ZALO_APP_ID`: the app the OA is linked to (the same variable the gateways read).
    pub app_id: String,
    /// `ZALO_OA_SECRET_KEY`: the OA's secret key from the Zalo developer console (not the
    /// app's `ZALO_SECRET_KEY`, which authenticates token refreshes).
    pub oa_secret_key: Secret,
}

/// Secrets of the inbound webhooks.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Zalo OA events (`POST /webhooks/zalo`); `None` when `ZALO_OA_SECRET_KEY` is unset.
    pub zalo: Option<ZaloWebhookSettings>,
    /// `ESMS_CALLBACK_SECRET`: the last path segment of the eSMS delivery callback
    /// (`GET /webhooks/esms/{secret}`, the URL given as `ESMS_CALLBACK_URL`); `None` turns the
    /// callback off.
    pub esms_callback_secret: Option<Secret>,
}

impl WebhookSettings {
    /// Reads the settings; a Zalo secret without `ZALO_APP_ID`, or a short or non-URL-safe
    /// callback secret, is an error naming the variable.
    pub fn from_env(vars: &Source) -> Result<Self, ConfigError> {
        let zalo = match vars.optional("ZALO_OA_SECRET_KEY") {
            None => None,
            Some(key) => {
                let app_id = vars.optional("ZALO_APP_ID").ok_or_else(|| ConfigError {
                    var: "ZALO_APP_ID",
                    reason: "required with ZALO_OA_SECRET_KEY: the event signature covers it"
                        .into(),
                })?;
                Some(ZaloWebhookSettings {
                    app_id,
                    oa_secret_key: Secret::new(key),
                })
            }
        };
        let esms_callback_secret = match vars.optional("ESMS_CALLBACK_SECRET") {
            None => None,
            Some(s) => Some(checked_callback_secret(&s)?),
        };
        Ok(Self {
            zalo,
            esms_callback_secret,
        })
    }

    /// Fixed test secrets: app id `test-app`, OA secret `test-oa-secret`, eSMS callback
    /// secret `test-esms-secret`.
    pub fn for_tests() -> Self {
        Self {
            zalo: Some(ZaloWebhookSettings {
                app_id: "test-app".into(),
                oa_secret_key: Secret::new("test-oa-secret"),
            }),
            esms_callback_secret: Some(Secret::new("test-esms-secret")),
        }
    }
}

fn checked_callback_secret(s: &str) -> Result<Secret, ConfigError> {
    let url_safe = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'));
    if s.len() < MIN_CALLBACK_SECRET_LEN || !url_safe {
        return Err(ConfigError {
            var: "ESMS_CALLBACK_SECRET",
            reason: format!(
                "must be at least {MIN_CALLBACK_SECRET_LEN} characters of A-Z, a-z, 0-9, '-', '_', '.', '~'"
            ),
        });
    }
    Ok(Secret::new(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_secrets_must_be_long_and_url_safe() {
        assert!(checked_callback_secret("0123456789abcdef").is_ok());
        assert!(checked_callback_secret("short").is_err());
        assert!(checked_callback_secret("with/slash/0123456789").is_err());
        assert!(checked_callback_secret("with space 0123456789").is_err());
    }
}
