//! GraphQL over HTTP (graphql-over-http): POST and GET, `application/graphql-response+json`
//! or `application/json`, credentials checked before execution, sensitive reads audited before
//! the answer leaves.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

use async_graphql::{ErrorExtensions, ServerError, http::GraphiQLSource};
use async_graphql_axum::GraphQLRequest;
use axum::{
    Extension,
    extract::{ConnectInfo, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{Html, IntoResponse, Response},
};

use super::{admission, limits, request_id};
use crate::{
    audit,
    auth::{Principal, credentials, rate_limit},
    context::RequestContext,
    error::AppError,
    graphql::{loaders::RegistryLoader, response as finishing},
    startup::AppState,
};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

fn wants_graphql_response(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains(GRAPHQL_RESPONSE))
}

fn json_response(
    status: StatusCode,
    headers: &HeaderMap,
    body: &impl serde::Serialize,
) -> Response {
    let content_type = if wants_graphql_response(headers) {
        GRAPHQL_RESPONSE
    } else {
        "application/json"
    };
    let body = serde_json::to_vec(body)
        .unwrap_or_else(|_| br#"{"errors":[{"message":"internal error"}]}"#.to_vec());
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

fn error_response(status: StatusCode, headers: &HeaderMap, code: &str, message: &str) -> Response {
    let err = async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code));
    let error = without_location(err);
    // A request that never executed has no `data` entry (graphql-over-http).
    json_response(status, headers, &serde_json::json!({ "errors": [error] }))
}

/// An error about the request as a whole: it has no place in the document, so no
/// `locations` (line 0, column 0 would be no valid place).
fn without_location(err: async_graphql::Error) -> async_graphql::ServerError {
    let mut error = err.into_server_error(async_graphql::Pos::default());
    error.locations.clear();
    error
}

/// graphql-over-http: a document that cannot run is a 400 with the GraphQL response media
/// type, and a 200 with plain `application/json` (whose clients read errors from the body).
fn document_error_status(headers: &HeaderMap) -> StatusCode {
    if wants_graphql_response(headers) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}

/// The presented secret: `Authorization: Bearer …` or `X-Api-Key: …`.
fn presented_secret(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Some(v.trim().to_owned());
    }
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = auth.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

async fn principal(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Result<Option<Principal>, Response> {
    let Some(secret) = presented_secret(headers) else {
        return Ok(None);
    };
    let limiter = &state.auth_limiter;
    let peer = peer.map_or(IpAddr::from([0, 0, 0, 0]), |Extension(ConnectInfo(a))| {
        a.ip()
    });
    let address = rate_limit::client_address(peer, headers, &limiter.settings().trusted_proxies);
    let now = state.clock.now();
    if let Err(rate_limit::RetryAfter(seconds)) = limiter.check(address, &secret, now) {
        let mut response = error_response(
            StatusCode::TOO_MANY_REQUESTS,
            headers,
            "RATE_LIMITED",
            &format!("too many failed authentications; retry after {seconds} s"),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        return Err(response);
    }
    match credentials::authenticate_cached(&state.db, &state.credentials, &secret, now).await {
        Ok(Some(p)) => Ok(Some(p)),
        Ok(None) => {
            limiter.record_failure(address, &secret, now);
            Err(error_response(
                StatusCode::UNAUTHORIZED,
                headers,
                "UNAUTHENTICATED",
                "the API key or token is unknown, revoked or expired",
            ))
        }
        Err(e) => {
            tracing::error!(error = ?e, "authentication failed");
            Err(error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                headers,
                "INTERNAL",
                "internal error",
            ))
        }
    }
}

/// GET: GraphiQL for browsers (when enabled), otherwise a query from the URL (never a mutation).
pub async fn get_handler(
    state: State<AppState>,
    method: Method,
    headers: HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    request: Result<GraphQLRequest, async_graphql_axum::rejection::GraphQLRejection>,
) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if wants_html && state.settings.graphiql {
        return Html(GraphiQLSource::build().endpoint("/graphql").finish()).into_response();
    }
    execute(state, method, headers, peer, request).await
}

/// POST: a GraphQL request; a body that is not `application/json` (or `application/graphql`)
/// is refused (415).
pub async fn post_handler(
    state: State<AppState>,
    method: Method,
    headers: HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    request: Result<GraphQLRequest, async_graphql_axum::rejection::GraphQLRejection>,
) -> Response {
    let json_or_graphql = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json") || t.starts_with("application/graphql"));
    if !json_or_graphql {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &headers,
            "BAD_REQUEST",
            "send the request as application/json",
        );
    }
    execute(state, method, headers, peer, request).await
}

async fn execute(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    request: Result<GraphQLRequest, async_graphql_axum::rejection::GraphQLRejection>,
) -> Response {
    let mut request = match request {
        Ok(r) => r.into_inner(),
        Err(e) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                &headers,
                "BAD_REQUEST",
                &format!("not a GraphQL request: {}", e.0),
            );
        }
    };
    let principal = match principal(&state, &headers, peer).await {
        Ok(p) => p,
        Err(response) => return response,
    };
    let operation_name = request.operation_name.clone();
    let limits = &state.settings.limits;
    match request.parsed_query() {
        Ok(doc) => {
            if method == Method::GET && limits::is_mutation(doc, operation_name.as_deref()) {
                return error_response(
                    StatusCode::METHOD_NOT_ALLOWED,
                    &headers,
                    "BAD_REQUEST",
                    "mutations must be sent with POST",
                );
            }
            if let Some(message) = refusal(doc, operation_name.as_deref(), &state) {
                return error_response(
                    document_error_status(&headers),
                    &headers,
                    "GRAPHQL_VALIDATION_FAILED",
                    &message,
                );
            }
        }
        Err(e) => {
            let message = format!("syntax error: {}", e.message);
            return error_response(
                document_error_status(&headers),
                &headers,
                "GRAPHQL_PARSE_FAILED",
                &message,
            );
        }
    }
    let rc = Arc::new(RequestContext::new(
        principal,
        request_id(&headers),
        state.clock.now(),
    ));
    let loader = RegistryLoader::for_request(state.db.clone(), rc.clone(), limits.loader_delay);
    let schema = state.schema.clone();
    // The document was parsed above; the engine consumes it, the finishing reads this copy.
    let parsed = finishing::Parsed::keep(&mut request);
    let request = request
        .data(rc.clone())
        .data(loader)
        .data(state.credentials.clone());
    let mut response = match state
        .gate
        .run(async move { schema.execute(request).await })
        .await
    {
        Ok(response) => response,
        Err(refused) => return refused_response(refused, &headers),
    };
    finishing::finish(
        &mut response,
        parsed.as_ref(),
        finishing::registry(),
        operation_name.as_deref(),
    );
    // Fail closed: a sensitive read that cannot be audited is not sent.
    if let Err(e) = audit::flush_sensitive_reads(&state.db, &rc).await {
        let err: async_graphql::Error = e_into_internal(e).into();
        return json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &headers,
            &async_graphql::Response::from_errors(vec![without_location(err)]),
        );
    }
    // Errors without a path were raised before execution (validation, depth, complexity).
    let validation_failed = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    for err in &mut response.errors {
        tag_engine_error(err);
    }
    if validation_failed {
        let body = serde_json::json!({ "errors": response.errors });
        return json_response(document_error_status(&headers), &headers, &body);
    }
    json_response(StatusCode::OK, &headers, &response)
}

/// Why a parsed document is refused before the engine sees it: too many aliases, too large
/// once its fragments are expanded (the engine's own checks expand them, which can take
/// exponential time), or introspection while it is off (the engine would answer `null`).
fn refusal(
    doc: &async_graphql::parser::types::ExecutableDocument,
    operation_name: Option<&str>,
    state: &AppState,
) -> Option<String> {
    let limits = &state.settings.limits;
    if let Err(refused) = limits::check_expanded_size(doc, limits.max_expanded_fields) {
        return Some(refused.message());
    }
    let aliases = limits::count_aliases(doc);
    if aliases > limits.max_aliases {
        return Some(format!(
            "the query uses {aliases} aliases; at most {} are allowed",
            limits.max_aliases
        ));
    }
    if !state.settings.introspection && limits::selects_introspection(doc, operation_name) {
        return Some("introspection is disabled on this server".into());
    }
    None
}

/// Busy or too slow: 503, with a code the client can act on (retry later, or ask for less).
fn refused_response(refused: admission::Refused, headers: &HeaderMap) -> Response {
    let (code, message) = match refused {
        admission::Refused::Overloaded => (
            "OVERLOADED",
            "the server is busy with other requests; retry in a moment",
        ),
        admission::Refused::TimedOut => (
            "TIMEOUT",
            "the request took too long; ask for fewer records or fields",
        ),
    };
    let mut response = error_response(StatusCode::SERVICE_UNAVAILABLE, headers, code, message);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    response
}

fn e_into_internal(e: AppError) -> AppError {
    match e {
        AppError::Internal(_) => e,
        other => AppError::Internal(other.message().into()),
    }
}

/// Errors raised by the engine itself (validation, depth, complexity) carry no code: give them
/// one. Errors about input values already have theirs, and their field (`graphql::response`).
fn tag_engine_error(err: &mut ServerError) {
    let has_code = err
        .extensions
        .as_ref()
        .is_some_and(|e| e.get("code").is_some());
    if has_code {
        return;
    }
    let code = if err.path.is_empty() {
        "GRAPHQL_VALIDATION_FAILED"
    } else {
        "INTERNAL"
    };
    let mut ext = err.extensions.take().unwrap_or_default();
    ext.set("code", code);
    err.extensions = Some(ext);
}
