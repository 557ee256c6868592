//! HTTP: the router, GraphQL over HTTP, health checks, request ids.

pub mod admission;
pub mod escalation_links;
pub mod graphql;
pub mod graphql_ws;
pub mod health;
pub mod limits;
pub mod links;
pub mod metrics;
pub mod webhook_settings;
pub mod webhooks;

use std::time::Duration;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{HeaderName, HeaderValue, Request, StatusCode, header},
    response::Response,
    routing::{get, post},
};
use tower_http::{
    catch_panic::CatchPanicLayer,
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::TraceLayer,
};

use crate::startup::AppState;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every request is cut after this long (408 without a body); GraphQL answers its own timeout
/// (`GRAPHQL_TIMEOUT_MS`, shorter) with a typed error first.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The application's routes with their middleware.
pub fn router(state: AppState) -> Router {
    let body_limit = state.settings.limits.max_body_bytes;
    metrics::install();
    Router::new()
        .route("/graphql", get(graphql::get_handler).post(graphql::post_handler))
        .route("/graphql/ws", get(graphql_ws::handler))
        .route("/c/{token}", get(links::show).post(links::confirm))
        .route("/e/{token}", get(escalation_links::show).post(escalation_links::confirm))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render))
        .route("/webhooks/zalo", post(webhooks::zalo))
        .route("/webhooks/esms/{secret}", get(webhooks::esms))
        .route("/webhooks/sms/{secret}", post(webhooks::sms))
        .with_state(state)
        .layer(DefaultBodyLimit::max(body_limit))
        // Answers 413 before the body is read when Content-Length is too large.
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(axum::middleware::map_response(close_after_refused_body))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(CatchPanicLayer::new())
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        // Spans carry method, path and request id; never bodies, headers or variables.
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let request_id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            // The route template, not the raw path: paths carry link tokens and callback secrets.
            let route = req.extensions().get::<axum::extract::MatchedPath>().map_or("-", |m| m.as_str());
            tracing::info_span!("http", method = %req.method(), route = %route, request_id = %request_id)
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// A 413 is sent before the body was read, so the connection cannot carry another request:
/// saying so lets the client open a fresh one instead of reusing a socket the server is closing.
async fn close_after_refused_body(mut response: Response) -> Response {
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// The request id set by the middleware.
pub(crate) fn request_id(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned()
}
