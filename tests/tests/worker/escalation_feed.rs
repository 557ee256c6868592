//! The `escalationChanged` subscription over a real WebSocket (graphql-transport-ws): the
//! officer of the client's commune sees the escalation the worker opens and its
//! acknowledgement; an officer of another commune sees nothing; no credentials, no connection;
//! a value the engine cannot parse is named as over HTTP.

use std::time::Duration as StdDuration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tests::{TestApp, db_tests_with};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

use crate::escalation::{escalated_in, one_miss_opens};

db_tests_with!(one_miss_opens =>
    the_commune_officer_sees_the_escalation_open_and_its_acknowledgement,
    a_connection_without_credentials_is_refused,
    a_value_the_engine_cannot_parse_names_its_field_over_the_socket,
);

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const SUBSCRIBE: &str =
    "subscription { escalationChanged { id communeCode status level ackMethod } }";
const ACK: &str = "mutation($id: ID!) { acknowledgeEscalation(id: $id) { status } }";

async fn connect(app: &TestApp) -> Socket {
    let url = format!("{}/graphql/ws", app.address.replacen("http", "ws", 1));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    connect_async(request).await.unwrap().0
}

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .unwrap();
}

/// The next protocol message (pings answered), or `None` when nothing comes in `wait`.
async fn next(socket: &mut Socket, wait: StdDuration) -> Option<Message> {
    loop {
        match tokio::time::timeout(wait, socket.next()).await {
            Err(_) => return None,
            Ok(None) => return None,
            Ok(Some(message)) => {
                let message = message.unwrap();
                if matches!(message, Message::Ping(_) | Message::Pong(_)) {
                    continue;
                }
                return Some(message);
            }
        }
    }
}

fn json_of(message: Message) -> Value {
    match message {
        Message::Text(text) => serde_json::from_str(&text).unwrap(),
        other => panic!("expected a text message, got {other:?}"),
    }
}

/// Connects with `token`, waits for the ack and subscribes.
async fn subscribed(app: &TestApp, token: &str) -> Socket {
    let mut socket = connect(app).await;
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } }),
    )
    .await;
    let ack = json_of(next(&mut socket, StdDuration::from_secs(10)).await.unwrap());
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": SUBSCRIBE } }),
    )
    .await;
    socket
}

/// The next pushed escalation.
async fn pushed(socket: &mut Socket) -> Value {
    let message = next(socket, StdDuration::from_secs(15))
        .await
        .expect("a pushed escalation");
    let body = json_of(message);
    assert_eq!(body["type"], "next", "{body}");
    body["payload"]["data"]["escalationChanged"].clone()
}

async fn the_commune_officer_sees_the_escalation_open_and_its_acknowledgement(app: TestApp) {
    let w = app.world().await;
    let officer_b_token = app.officer_token(&w.officer_b).await;
    let mut officer_a = subscribed(&app, &w.officer_a_token).await;
    let mut officer_b = subscribed(&app, &officer_b_token).await;
    // Let both subscriptions start before anything changes.
    tokio::time::sleep(StdDuration::from_millis(300)).await;

    let officer_a_token = w.officer_a_token.clone();
    let s = escalated_in(&app, w).await;
    let id = api::graphql::ids::encode("Escalation", s.escalation.id).to_string();
    let opened = pushed(&mut officer_a).await;
    assert_eq!(opened["id"], id.as_str());
    assert_eq!(opened["communeCode"], tests::world::COMMUNE_A);
    assert_eq!(opened["status"], "OPEN");
    assert_eq!(opened["level"], 1);

    let data = app.ok(&officer_a_token, ACK, json!({ "id": id })).await;
    assert_eq!(data["acknowledgeEscalation"]["status"], "ACKNOWLEDGED");
    let acknowledged = pushed(&mut officer_a).await;
    assert_eq!(acknowledged["id"], id.as_str());
    assert_eq!(acknowledged["status"], "ACKNOWLEDGED");
    assert_eq!(acknowledged["ackMethod"], "MUTATION");

    // Nothing more for A (each version once), nothing at all for B (another commune), over
    // more than two polls.
    assert!(
        next(&mut officer_a, StdDuration::from_millis(2500))
            .await
            .is_none()
    );
    assert!(
        next(&mut officer_b, StdDuration::from_millis(500))
            .await
            .is_none()
    );
}

async fn a_connection_without_credentials_is_refused(app: TestApp) {
    for payload in [
        json!({}),
        json!({ "authorization": "Bearer dht_not-a-real-token" }),
    ] {
        let mut socket = connect(&app).await;
        send(
            &mut socket,
            json!({ "type": "connection_init", "payload": payload }),
        )
        .await;
        match next(&mut socket, StdDuration::from_secs(10)).await {
            Some(Message::Close(Some(frame))) => {
                assert!(frame.reason.starts_with("UNAUTHENTICATED"), "{frame:?}");
                assert_ne!(u16::from(frame.code), 1000, "{frame:?}");
            }
            other => panic!("expected the connection closed, got {other:?}"),
        }
        // Nothing can be subscribed on it.
        let _ = socket
            .send(Message::text(
                json!({ "id": "1", "type": "subscribe", "payload": { "query": SUBSCRIBE } })
                    .to_string(),
            ))
            .await;
        if let Some(message) = next(&mut socket, StdDuration::from_millis(500)).await {
            assert!(
                matches!(message, Message::Close(_)),
                "no data after refusal: {message:?}"
            );
        }
    }
}

async fn a_value_the_engine_cannot_parse_names_its_field_over_the_socket(app: TestApp) {
    let w = app.world().await;
    let mut socket = connect(&app).await;
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "token": w.officer_a_token } }),
    )
    .await;
    let ack = json_of(next(&mut socket, StdDuration::from_secs(10)).await.unwrap());
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    // Refused by validation (named from its message), and while the resolver parses its
    // arguments (named from the document and the schema's types).
    let cases = [
        (
            "{ clients(first: 2147483648) { totalCount } }",
            json!({}),
            "first",
        ),
        (
            "query($c: ID!) { compliance(clientId: $c, from: \"2026-02-30\", to: \"2026-03-01\") { due } }",
            json!({ "c": w.client_a }),
            "from",
        ),
    ];
    for (id, (query, variables, field)) in cases.into_iter().enumerate() {
        let id = id.to_string();
        send(
            &mut socket,
            json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } }),
        )
        .await;
        let body = json_of(next(&mut socket, StdDuration::from_secs(10)).await.unwrap());
        assert_eq!(body["type"], "next", "{body}");
        assert_eq!(body["id"], id.as_str(), "{body}");
        let error = &body["payload"]["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert_eq!(error["extensions"]["field"], field, "{body}");
        let done = json_of(next(&mut socket, StdDuration::from_secs(10)).await.unwrap());
        assert_eq!(done["type"], "complete", "{done}");
    }
}
