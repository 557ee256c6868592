//! Message history in GraphQL: each client's messages with status and attempts, scoped by
//! commune like everything else, and never the text or its variables.

use std::sync::Arc;

use serde_json::{Value, json};
use store::settings::SenderSettings;
use tests::{TestApp, db_tests};
use worker::{gateways::Gateways, sender::Sender};

db_tests!(
    message_history_is_visible_in_the_clients_commune_only,
    reading_messages_needs_schedules_read,
);

const CREATE_PLAN: &str = "mutation($input: CreateCheckInPlanInput!) { createCheckInPlan(input: $input) { plan { id } } }";
const MESSAGES: &str = "query($f: MessageFilter, $first: Int, $after: String) { messages(filter: $f, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id template status channel dueAt nextAttemptAt sentAt deliveredAt lastOutcome lastReason attempts { channel attemptedAt outcome reason } } } } }";

fn plan(order: &str) -> Value {
    json!({ "input": { "orderId": order, "rule": { "weekly": { "weekdays": ["MON", "THU"] } }, "opensAt": "08:00", "windowMinutes": 240 } })
}

async fn messages(app: &TestApp, secret: &str, filter: Value, first: i32) -> Value {
    let data = app
        .ok(secret, MESSAGES, json!({ "f": filter, "first": first }))
        .await;
    data["messages"].clone()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

async fn message_history_is_visible_in_the_clients_commune_only(app: TestApp) {
    let w = app.world().await;
    app.ok(&w.officer_a_token, CREATE_PLAN, plan(&w.order_a))
        .await;
    app.ok(&app.admin_token, CREATE_PLAN, plan(&w.order_b))
        .await;
    // Today's prompts are due; the console sink stands in for the gateways.
    let sender = Sender::new(
        app.db.clone(),
        Gateways::console_only(),
        Arc::new(app.clock.clone()),
        app.planning.policy_defaults.clone(),
        SenderSettings::default(),
    );
    assert_eq!(sender.run_once().await.unwrap(), 2);

    let of_a = count(
        &app,
        "SELECT COUNT(*) AS n FROM outbox_messages WHERE commune_code = '00004'",
    )
    .await;
    let history = messages(
        &app,
        &w.officer_a_token,
        json!({ "clientId": w.client_a }),
        2,
    )
    .await;
    assert_eq!(history["totalCount"], of_a);
    assert_eq!(history["pageInfo"]["hasNextPage"], true);
    let first = &history["edges"][0]["node"];
    assert_eq!(first["template"], "CHECK_IN_PROMPT");
    assert_eq!(first["status"], "SENT");
    assert_eq!(first["channel"], "ZALO_ZNS");
    assert_eq!(first["sentAt"], "2026-11-30T01:00:00+00:00");
    assert_eq!(first["dueAt"], "2026-11-30T01:00:00+00:00");
    assert_eq!(first["nextAttemptAt"], Value::Null, "settled");
    assert_eq!(first["lastOutcome"], "accepted");
    assert_eq!(
        first["attempts"],
        json!([{ "channel": "ZALO_ZNS", "attemptedAt": "2026-11-30T01:00:00+00:00", "outcome": "ACCEPTED", "reason": null }])
    );
    let second = &history["edges"][1]["node"];
    assert_eq!(second["template"], "CHECK_IN_NUDGE");
    assert_eq!(second["status"], "QUEUED");
    assert_eq!(second["nextAttemptAt"], "2026-11-30T03:00:00+00:00");
    assert_eq!(second["attempts"], json!([]));

    // The next page follows the cursor.
    let after = history["pageInfo"]["endCursor"].clone();
    let data = app
        .ok(
            &w.officer_a_token,
            MESSAGES,
            json!({ "f": { "clientId": w.client_a }, "first": 1, "after": after }),
        )
        .await;
    assert_eq!(
        data["messages"]["edges"][0]["node"]["template"],
        "CHECK_IN_PROMPT"
    );

    // Filters.
    let sent = messages(
        &app,
        &w.officer_a_token,
        json!({ "clientId": w.client_a, "status": "SENT", "channel": "ZALO_ZNS" }),
        10,
    )
    .await;
    assert_eq!(sent["totalCount"], 1);
    let none = messages(&app, &w.officer_a_token, json!({ "channel": "SMS" }), 10).await;
    assert_eq!(none["totalCount"], 0);

    // Officer A sees nothing of client B, by filter or without one.
    let other = messages(
        &app,
        &w.officer_a_token,
        json!({ "clientId": w.client_b }),
        10,
    )
    .await;
    assert_eq!(other["totalCount"], 0);
    assert_eq!(other["edges"], json!([]));
    let all = messages(&app, &w.officer_a_token, json!({}), 10).await;
    assert_eq!(all["totalCount"], of_a);
    // The administrator sees both communes.
    let everything = messages(&app, &app.admin_token, Value::Null, 10).await;
    let total = count(&app, "SELECT COUNT(*) AS n FROM outbox_messages").await;
    assert_eq!(everything["totalCount"], total);
    assert!(total > of_a);
}

async fn reading_messages_needs_schedules_read(app: TestApp) {
    let w = app.world().await;
    assert_eq!(
        app.error_code(&w.key_a_readonly, MESSAGES, json!({})).await,
        "FORBIDDEN"
    );
    let body = app.graphql(None, MESSAGES, json!({})).await;
    assert_eq!(
        tests::first_error_code(&body).as_deref(),
        Some("UNAUTHENTICATED")
    );
    // The history carries delivery facts only: no text, no variables, no phone.
    let sdl = api::graphql::sdl();
    let message = sdl
        .split("type Message {")
        .nth(1)
        .and_then(|rest| rest.split('}').next())
        .expect("a Message type");
    let fields: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('"'))
        .filter_map(|l| l.split([':', '(']).next())
        .collect();
    assert!(fields.contains(&"attempts"), "{fields:?}");
    for field in ["text", "vars", "body", "content", "phone"] {
        assert!(!fields.contains(&field), "Message exposes {field}");
    }
}
