//! Gateway settings: one block per provider, read once from the environment.
//!
//! A provider whose credentials are all absent is simply not configured (its channel then
//! goes to the console sink); a provider with some credentials but not all is a
//! [`ConfigError`] naming the missing variable, so a typo never silently disables SMS.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use domain::messaging::templates::TemplateKey;

use crate::env::{ConfigError, Source};

/// Default ZNS API base.
pub const DEFAULT_ZNS_BASE_URL: &str = "https://business.openapi.zalo.me";
/// Default Zalo OA API base.
pub const DEFAULT_OA_BASE_URL: &str = "https://openapi.zalo.me";
/// Default Zalo OAuth base.
pub const DEFAULT_OAUTH_BASE_URL: &str = "https://oauth.zaloapp.com";
/// Default eSMS API base.
pub const DEFAULT_ESMS_BASE_URL: &str = "https://rest.esms.vn";

/// The environment variable holding the ZNS template id of each template that may go out
/// through ZNS (templates are registered with, and approved by, Zalo one by one).
pub const ZNS_TEMPLATE_VARS: &[(TemplateKey, &str)] = &[
    (
        TemplateKey::AppointmentReminder,
        "ZNS_TEMPLATE_APPOINTMENT_REMINDER",
    ),
    (TemplateKey::CheckInPrompt, "ZNS_TEMPLATE_CHECK_IN_PROMPT"),
    (TemplateKey::CheckInNudge, "ZNS_TEMPLATE_CHECK_IN_NUDGE"),
    (
        TemplateKey::CheckInConfirmed,
        "ZNS_TEMPLATE_CHECK_IN_CONFIRMED",
    ),
    (
        TemplateKey::OptOutConfirmed,
        "ZNS_TEMPLATE_OPT_OUT_CONFIRMED",
    ),
    (
        TemplateKey::LoanInstalmentReminder,
        "ZNS_TEMPLATE_LOAN_INSTALMENT_REMINDER",
    ),
    (TemplateKey::ZaloInvitation, "ZNS_TEMPLATE_ZALO_INVITATION"),
    (TemplateKey::ZaloLinked, "ZNS_TEMPLATE_ZALO_LINKED"),
];

/// A credential: usable by the code, never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The credential itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Zalo (ZNS and OA share one app, one OA and one token pair).
#[derive(Debug, Clone)]
pub struct ZaloSettings {
    /// `ZALO_APP_ID`.
    pub app_id: String,
    /// `ZALO_SECRET_KEY`: the app's secret, sent as a header to the OAuth endpoint.
    pub secret_key: Secret,
    /// `ZALO_ACCESS_TOKEN`: seeds the token table when it is empty; ignored afterwards.
    pub seed_access_token: Option<Secret>,
    /// `ZALO_REFRESH_TOKEN`: seeds the token table when it is empty; ignored afterwards
    /// (the stored one is rotated on every refresh).
    pub seed_refresh_token: Option<Secret>,
    /// `ZALO_ZNS_BASE_URL`, without a trailing slash.
    pub zns_base_url: String,
    /// `ZALO_OA_BASE_URL`, without a trailing slash.
    pub oa_base_url: String,
    /// `ZALO_OAUTH_BASE_URL`, without a trailing slash.
    pub oauth_base_url: String,
    /// `ZNS_TEMPLATE_<KEY>`: Zalo's template id per template; a template without one is
    /// not sent through ZNS.
    pub zns_templates: HashMap<TemplateKey, String>,
}

/// eSMS.vn brandname SMS.
#[derive(Debug, Clone)]
pub struct EsmsSettings {
    /// `ESMS_BASE_URL`, without a trailing slash.
    pub base_url: String,
    /// `ESMS_API_KEY`.
    pub api_key: Secret,
    /// `ESMS_SECRET_KEY`.
    pub secret_key: Secret,
    /// `ESMS_BRANDNAME`: the sender name registered with the carriers.
    pub brandname: String,
    /// `ESMS_SMS_TYPE` (default 2, brandname customer care).
    pub sms_type: u8,
    /// `ESMS_CALLBACK_URL`: where delivery receipts go; it carries the callback secret.
    pub callback_url: Option<Secret>,
    /// `ESMS_SANDBOX`: eSMS accepts but does not deliver.
    pub sandbox: bool,
}

/// Settings of every outside gateway.
#[derive(Debug, Clone)]
pub struct GatewaySettings {
    /// Zalo ZNS and OA, if configured.
    pub zalo: Option<ZaloSettings>,
    /// eSMS, if configured.
    pub esms: Option<EsmsSettings>,
    /// `GATEWAY_TIMEOUT_SECONDS` (default 10): whole-request timeout of every gateway call.
    pub timeout: Duration,
}

impl GatewaySettings {
    /// Reads the settings; see the module documentation for what "configured" means.
    pub fn from_env(vars: &Source) -> Result<Self, ConfigError> {
        let timeout_seconds: u64 = vars.parse_or("GATEWAY_TIMEOUT_SECONDS", 10)?;
        if timeout_seconds == 0 {
            return Err(ConfigError {
                var: "GATEWAY_TIMEOUT_SECONDS",
                reason: "must be at least 1".into(),
            });
        }
        Ok(Self {
            zalo: zalo_from_env(vars)?,
            esms: esms_from_env(vars)?,
            timeout: Duration::from_secs(timeout_seconds),
        })
    }

    /// No provider configured: every channel goes to the console sink.
    pub fn console_only() -> Self {
        Self {
            zalo: None,
            esms: None,
            timeout: Duration::from_secs(10),
        }
    }

    /// Every provider configured with test credentials, Zalo's three bases at `zalo_base`
    /// and eSMS at `esms_base` (usually one wiremock server for both). The token table is
    /// seeded with `access-1` / `refresh-1`; every ZNS template id is `zns-<key>`, for
    /// example `zns-appointment_reminder`.
    pub fn for_tests(zalo_base: &str, esms_base: &str) -> Self {
        let zalo_base = zalo_base.trim_end_matches('/').to_owned();
        let zns_templates = ZNS_TEMPLATE_VARS
            .iter()
            .map(|(key, var)| {
                let name = var.trim_start_matches("ZNS_TEMPLATE_").to_ascii_lowercase();
                (*key, format!("zns-{name}"))
            })
            .collect();
        Self {
            zalo: Some(ZaloSettings {
                app_id: "test-app".into(),
                secret_key: Secret::new("test-app-secret"),
                seed_access_token: Some(Secret::new("access-1")),
                seed_refresh_token: Some(Secret::new("refresh-1")),
                zns_base_url: zalo_base.clone(),
                oa_base_url: zalo_base.clone(),
                oauth_base_url: zalo_base,
                zns_templates,
            }),
            esms: Some(EsmsSettings {
                base_url: esms_base.trim_end_matches('/').to_owned(),
                api_key: Secret::new("test-api-key"),
                secret_key: Secret::new("test-secret-key"),
                brandname: "DONGHANH".into(),
                sms_type: 2,
                callback_url: None,
                sandbox: false,
            }),
            timeout: Duration::from_secs(2),
        }
    }
}

fn zalo_from_env(vars: &Source) -> Result<Option<ZaloSettings>, ConfigError> {
    let access = vars.optional("ZALO_ACCESS_TOKEN");
    let refresh = vars.optional("ZALO_REFRESH_TOKEN");
    let Some([app_id, secret_key]) = all_or_none(
        [
            ("ZALO_APP_ID", vars.optional("ZALO_APP_ID")),
            ("ZALO_SECRET_KEY", vars.optional("ZALO_SECRET_KEY")),
        ],
        access.is_some() || refresh.is_some(),
    )?
    else {
        return Ok(None);
    };
    check_seed(access.is_some(), refresh.is_some())?;
    let mut zns_templates = HashMap::new();
    for (key, var) in ZNS_TEMPLATE_VARS {
        if let Some(id) = vars.optional(var) {
            zns_templates.insert(*key, id);
        }
    }
    Ok(Some(ZaloSettings {
        app_id,
        secret_key: Secret::new(secret_key),
        seed_access_token: access.map(Secret::new),
        seed_refresh_token: refresh.map(Secret::new),
        zns_base_url: base_url(vars, "ZALO_ZNS_BASE_URL", DEFAULT_ZNS_BASE_URL)?,
        oa_base_url: base_url(vars, "ZALO_OA_BASE_URL", DEFAULT_OA_BASE_URL)?,
        oauth_base_url: base_url(vars, "ZALO_OAUTH_BASE_URL", DEFAULT_OAUTH_BASE_URL)?,
        zns_templates,
    }))
}

fn esms_from_env(vars: &Source) -> Result<Option<EsmsSettings>, ConfigError> {
    let Some([api_key, secret_key, brandname]) = all_or_none(
        [
            ("ESMS_API_KEY", vars.optional("ESMS_API_KEY")),
            ("ESMS_SECRET_KEY", vars.optional("ESMS_SECRET_KEY")),
            ("ESMS_BRANDNAME", vars.optional("ESMS_BRANDNAME")),
        ],
        false,
    )?
    else {
        return Ok(None);
    };
    let callback_url = match vars.optional("ESMS_CALLBACK_URL") {
        Some(url) => Some(Secret::new(checked_url("ESMS_CALLBACK_URL", &url)?)),
        None => None,
    };
    Ok(Some(EsmsSettings {
        base_url: base_url(vars, "ESMS_BASE_URL", DEFAULT_ESMS_BASE_URL)?,
        api_key: Secret::new(api_key),
        secret_key: Secret::new(secret_key),
        brandname,
        sms_type: vars.parse_or("ESMS_SMS_TYPE", 2)?,
        callback_url,
        sandbox: vars.bool_or("ESMS_SANDBOX", false)?,
    }))
}

/// All of `required`, or `None` when none of them (and nothing `related`) is set; an error
/// naming the first missing variable when only some are.
fn all_or_none<const N: usize>(
    required: [(&'static str, Option<String>); N],
    related_set: bool,
) -> Result<Option<[String; N]>, ConfigError> {
    if !related_set && required.iter().all(|(_, value)| value.is_none()) {
        return Ok(None);
    }
    if let Some((var, _)) = required.iter().find(|(_, value)| value.is_none()) {
        return Err(ConfigError {
            var,
            reason: "missing, but other variables of the same provider are set".into(),
        });
    }
    Ok(Some(required.map(|(_, value)| value.unwrap_or_default())))
}

/// An access token alone would stop working within a day with no way to renew it.
fn check_seed(access_set: bool, refresh_set: bool) -> Result<(), ConfigError> {
    if access_set && !refresh_set {
        return Err(ConfigError {
            var: "ZALO_REFRESH_TOKEN",
            reason: "required with ZALO_ACCESS_TOKEN: an access token alone expires within a day"
                .into(),
        });
    }
    Ok(())
}

/// A base URL from `var` or its default, without a trailing slash.
fn base_url(vars: &Source, var: &'static str, default: &str) -> Result<String, ConfigError> {
    let url = vars.optional(var).unwrap_or_else(|| default.to_owned());
    Ok(checked_url(var, &url)?.trim_end_matches('/').to_owned())
}

fn checked_url(var: &'static str, url: &str) -> Result<String, ConfigError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| ConfigError {
        var,
        reason: format!("not a URL: {e}"),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(ConfigError {
            var,
            reason: "must start with http:// or https://".into(),
        });
    }
    Ok(url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::messaging::templates::TEMPLATES;

    fn some(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    #[test]
    fn a_provider_with_no_credentials_is_not_configured() {
        let block = all_or_none([("A", None), ("B", None)], false).expect("no error");
        assert!(block.is_none());
    }

    #[test]
    fn a_provider_with_all_credentials_is_configured() {
        let block = all_or_none([("A", some("a")), ("B", some("b"))], false).expect("no error");
        assert_eq!(block, Some(["a".to_owned(), "b".to_owned()]));
    }

    #[test]
    fn a_partly_configured_provider_names_the_missing_variable() {
        let err = all_or_none([("A", some("a")), ("B", None)], false).expect_err("partial");
        assert_eq!(err.var, "B");
        let err = all_or_none([("A", None), ("B", None)], true).expect_err("tokens only");
        assert_eq!(err.var, "A");
    }

    #[test]
    fn an_access_token_needs_its_refresh_token() {
        assert_eq!(
            check_seed(true, false).expect_err("alone").var,
            "ZALO_REFRESH_TOKEN"
        );
        assert!(check_seed(false, true).is_ok());
        assert!(check_seed(false, false).is_ok());
    }

    #[test]
    fn every_zns_template_has_a_variable() {
        for tpl in TEMPLATES.iter().filter(|t| t.zns_fields.is_some()) {
            assert!(
                ZNS_TEMPLATE_VARS.iter().any(|(key, _)| *key == tpl.key),
                "{:?}",
                tpl.key
            );
        }
    }

    #[test]
    fn urls_must_be_http() {
        assert!(checked_url("X", "https://rest.esms.vn").is_ok());
        assert_eq!(checked_url("X", "ftp://x").expect_err("scheme").var, "X");
        assert_eq!(checked_url("X", "rest.esms.vn").expect_err("bare").var, "X");
    }

    #[test]
    fn secrets_do_not_print() {
        assert_eq!(format!("{:?}", Secret::new("abc")), "Secret(***)");
    }
}
