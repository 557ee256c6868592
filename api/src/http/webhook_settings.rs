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

/// The two-way SMS number (a long number or short code rented from the SMS provider) whose
/// inbound messages the provider forwards to `POST /webhooks/sms/{secret}`.
#[derive(Debug, Clone)]
pub struct SmsInboundSettings {
    /// `SMS_TWO_WAY_NUMBER`: the number people reply to, as the provider writes it in `to`
    /// (digits only; a message for another number is ignored).
    pub number: String,
    /// `SMS_INBOUND_SECRET`: the last path segment of the callback URL given to the provider.
    pub path_secret: Secret,
    /// `SMS_INBOUND_SIGNING_KEY`: the provider's signing key, where it signs its callbacks
    /// (`X-Signature: sha256=<hex HMAC-SHA256(key, timestamp + "." + raw body)>`); when set,
    /// an unsigned or wrongly signed call is refused.
    pub signing_key: Option<Secret>,
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
    /// Inbound SMS replies (`POST /webhooks/sms/{secret}`); `None` when `SMS_TWO_WAY_NUMBER`
    /// is unset (the route then answers 404).
    pub sms_inbound: Option<SmsInboundSettings>,
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
            sms_inbound: sms_inbound_from_env(vars)?,
        })
    }

    /// Fixed test secrets: app id `test-app`, OA secret `test-oa-secret`, eSMS callback
    /// secret `test-esms-secret`; two-way SMS number `8079`, path secret
    /// `test-sms-inbound-secret`, signing key `test-sms-signing-key`.
    pub fn for_tests() -> Self {
        Self {
            zalo: Some(ZaloWebhookSettings {
                app_id: "test-app".into(),
                oa_secret_key: Secret::new("test-oa-secret"),
            }),
            esms_callback_secret: Some(Secret::new("test-esms-secret")),
            sms_inbound: Some(SmsInboundSettings {
                number: "8079".into(),
                path_secret: Secret::new("test-sms-inbound-secret"),
                signing_key: Some(Secret::new("test-sms-signing-key")),
            }),
        }
    }
}

/// `SMS_TWO_WAY_NUMBER` turns inbound SMS on and then needs `SMS_INBOUND_SECRET`;
/// `SMS_INBOUND_SIGNING_KEY` is optional (only some providers sign).
fn sms_inbound_from_env(vars: &Source) -> Result<Option<SmsInboundSettings>, ConfigError> {
    let Some(number) = vars.optional("SMS_TWO_WAY_NUMBER") else {
        for var in ["SMS_INBOUND_SECRET", "SMS_INBOUND_SIGNING_KEY"] {
            if vars.optional(var).is_some() {
                return Err(ConfigError {
                    var: "SMS_TWO_WAY_NUMBER",
                    reason: format!("required with {var}: the number replies are sent to"),
                });
            }
        }
        return Ok(None);
    };
    let number = checked_two_way_number(&number)?;
    let secret = vars
        .optional("SMS_INBOUND_SECRET")
        .ok_or_else(|| ConfigError {
            var: "SMS_INBOUND_SECRET",
            reason: "required with SMS_TWO_WAY_NUMBER: it authenticates the provider's calls"
                .into(),
        })?;
    let path_secret = checked_url_secret("SMS_INBOUND_SECRET", &secret)?;
    let signing_key = match vars.optional("SMS_INBOUND_SIGNING_KEY") {
        None => None,
        Some(k) if k.len() < MIN_CALLBACK_SECRET_LEN => {
            return Err(ConfigError {
                var: "SMS_INBOUND_SIGNING_KEY",
                reason: format!("must be at least {MIN_CALLBACK_SECRET_LEN} characters"),
            });
        }
        Some(k) => Some(Secret::new(k)),
    };
    Ok(Some(SmsInboundSettings {
        number,
        path_secret,
        signing_key,
    }))
}

/// A short code (3–6 digits) or a long number in any usual spelling, kept as digits only.
fn checked_two_way_number(s: &str) -> Result<String, ConfigError> {
    let digits: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')' | '+'))
        .collect();
    if (3..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(ConfigError {
            var: "SMS_TWO_WAY_NUMBER",
            reason: "must be a short code or a phone number (3 to 15 digits)".into(),
        })
    }
}

fn checked_callback_secret(s: &str) -> Result<Secret, ConfigError> {
    checked_url_secret("ESMS_CALLBACK_SECRET", s)
}

/// A secret that is a URL path segment: long enough not to be guessed, and URL-safe.
fn checked_url_secret(var: &'static str, s: &str) -> Result<Secret, ConfigError> {
    let url_safe = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'));
    if s.len() < MIN_CALLBACK_SECRET_LEN || !url_safe {
        return Err(ConfigError {
            var,
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

    #[test]
    fn two_way_numbers_are_kept_as_digits() {
        assert_eq!(checked_two_way_number("8079").unwrap(), "8079");
        assert_eq!(
            checked_two_way_number("+84 912 345 678").unwrap(),
            "84912345678"
        );
        assert!(checked_two_way_number("80").is_err());
        assert!(checked_two_way_number("SHORT").is_err());
    }
}
