//! GraphQL subscriptions over WebSocket (`/graphql/ws`, graphql-transport-ws and the older
//! graphql-ws). The caller proves who they are in the `connection_init` payload with the same
//! credentials as over HTTP; a connection without valid ones is closed before any operation.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

use async_graphql::{Data, Executor, Request};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::{
    Extension,
    extract::{ConnectInfo, State, WebSocketUpgrade},
    http::HeaderMap,
    response::Response,
};
use futures::{StreamExt, stream::BoxStream};

use super::request_id;
use crate::{
    auth::{credentials, rate_limit},
    context::RequestContext,
    graphql::{AppSchema, response as finishing},
    schedules::escalation_feed::ConnectionSubscriptions,
    startup::AppState,
};

/// The secret in a `connection_init` payload: `{"authorization": "Bearer …"}` or
/// `{"token": "…"}` (a bearer token or an API key).
fn presented_secret(payload: &serde_json::Value) -> Option<String> {
    let field = |name: &str| {
        payload
            .get(name)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    if let Some(token) = field("token") {
        return Some(token.to_owned());
    }
    let auth = field("authorization").or_else(|| field("Authorization"))?;
    let (scheme, token) = auth.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// Upgrades to a GraphQL WebSocket.
pub async fn handler(
    State(state): State<AppState>,
    headers: HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let peer = peer.map_or(IpAddr::from([0, 0, 0, 0]), |Extension(ConnectInfo(a))| {
        a.ip()
    });
    let address = rate_limit::client_address(
        peer,
        &headers,
        &state.auth_limiter.settings().trusted_proxies,
    );
    let request_id = request_id(&headers);
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            let schema = Finished(state.schema.clone());
            GraphQLWebSocket::new(socket, schema, protocol)
                .on_connection_init(move |payload| async move {
                    connection_data(&state, address, request_id, &payload).await
                })
                .serve()
        })
}

/// The schema with every response finished (`graphql::response::finish`): fields in
/// selection order and named input errors, as over HTTP.
#[derive(Clone)]
struct Finished(AppSchema);

impl Executor for Finished {
    async fn execute(&self, mut request: Request) -> async_graphql::Response {
        let parsed = finishing::Parsed::keep(&mut request);
        let operation_name = request.operation_name.clone();
        let mut response = self.0.execute(request).await;
        finishing::finish(
            &mut response,
            parsed.as_ref(),
            finishing::registry(),
            operation_name.as_deref(),
        );
        response
    }

    fn execute_stream(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, async_graphql::Response> {
        let parsed = finishing::Parsed::keep(&mut request);
        let operation_name = request.operation_name.clone();
        Executor::execute_stream(&self.0, request, session_data)
            .map(move |mut response| {
                finishing::finish(
                    &mut response,
                    parsed.as_ref(),
                    finishing::registry(),
                    operation_name.as_deref(),
                );
                response
            })
            .boxed()
    }
}

/// Authenticates a connection and gives it what its subscriptions need; an error closes it
/// (graphql-transport-ws: 4403 Forbidden).
async fn connection_data(
    state: &AppState,
    address: IpAddr,
    request_id: String,
    payload: &serde_json::Value,
) -> async_graphql::Result<Data> {
    let secret = presented_secret(payload).ok_or_else(|| {
        async_graphql::Error::new("UNAUTHENTICATED: send a token in connection_init")
    })?;
    let limiter = &state.auth_limiter;
    let now = state.clock.now();
    if let Err(rate_limit::RetryAfter(seconds)) = limiter.check(address, &secret, now) {
        return Err(async_graphql::Error::new(format!(
            "RATE_LIMITED: too many failed authentications; retry after {seconds} s"
        )));
    }
    let principal = match credentials::authenticate(&state.db, &secret, now).await {
        Ok(Some(p)) => p,
        Ok(None) => {
            limiter.record_failure(address, &secret, now);
            return Err(async_graphql::Error::new(
                "UNAUTHENTICATED: the API key or token is unknown, revoked or expired",
            ));
        }
        Err(e) => {
            tracing::error!(error = %e.message(), "authentication failed");
            return Err(async_graphql::Error::new("INTERNAL: internal error"));
        }
    };
    let mut data = Data::default();
    data.insert(Arc::new(RequestContext::new(
        Some(principal),
        request_id,
        now,
    )));
    data.insert(state.clock.clone());
    data.insert(ConnectionSubscriptions::default());
    Ok(data)
}
