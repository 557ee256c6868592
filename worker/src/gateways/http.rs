//! The one HTTP client of the gateways, and how a transport failure is classified.

use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::messaging::outcome::{OutcomeClass, classify_transport_error, parse_retry_after};
use reqwest::{Client, RequestBuilder, header::RETRY_AFTER, redirect};

/// What came back over HTTP, before the provider's classifier reads it.
pub(crate) struct HttpAnswer {
    pub status: u16,
    pub body: String,
    pub retry_after: Option<Duration>,
}

/// Builds the client shared by every gateway and the token store. Redirects are not
/// followed: a POST answered with 3xx means a wrong base URL, which the classifiers
/// report as a channel problem rather than silently re-sending as GET.
pub(crate) fn client(timeout: Duration) -> Result<Client, reqwest::Error> {
    Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(redirect::Policy::none())
        .user_agent(concat!("dong-hanh-worker/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Sends `request` and reads the whole answer. A failure before the request left is
/// `Retryable`; one after (timeout, reset, body cut short) is `Ambiguous`, since the
/// provider may have acted on it.
pub(crate) async fn execute(
    request: RequestBuilder,
    now: DateTime<Utc>,
) -> Result<HttpAnswer, OutcomeClass> {
    let response = request.send().await.map_err(|e| transport_failure(&e))?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, now));
    let body = response
        .text()
        .await
        .map_err(|_| classify_transport_error(true))?;
    Ok(HttpAnswer {
        status,
        body,
        retry_after,
    })
}

fn transport_failure(error: &reqwest::Error) -> OutcomeClass {
    if error.is_builder() {
        // The request could not even be built: a configuration problem, nothing was sent.
        return OutcomeClass::ChannelUnavailable {
            reason: "gateway request could not be built".into(),
        };
    }
    // A connect error (refused, DNS, TLS, connect timeout) means nothing left; anything
    // later may have reached the provider.
    classify_transport_error(!error.is_connect())
}
