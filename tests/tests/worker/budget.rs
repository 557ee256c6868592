//! A commune's monthly budget (issue 13, item 6), through GraphQL, the sender and the fake
//! gateways: at 80 % the commune's officers are told once; past 100 % a non-urgent SMS waits
//! for the next month with its reason, a person on Zalo gets Zalo instead (not someone
//! known not to be on Zalo), an opt-out confirmation still goes; next month the held SMS goes.

use chrono::{DateTime, Utc};
use entities::{outbox_attempt, outbox_message};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use tests::{
    TestApp, db_tests,
    webhooks::{inbound_sms, post_signed_sms},
    world::{COMMUNE_A, client_input},
};
use uuid::Uuid;
use wiremock::{
    Mock,
    matchers::{body_partial_json, method, path},
};

use crate::support::{
    CLIENT_A_SMS_PHONE, ESMS_PATH, ZNS_PATH, check_in_prompt_due, drain, esms, fake_gateways,
    reload, reminder_due, sender, zns_and_sms_answer, zns_error, zns_ok,
};

db_tests!(
    past_the_budget_non_urgent_sms_waits_for_next_month_and_urgent_messages_go,
    budgets_are_set_by_administrators_and_the_commune_chairman_within_bounds,
);

const SET_BUDGET: &str = "mutation($input: SetCommuneBudgetInput!) { setCommuneBudget(input: $input) { communeCode monthlyBudgetVnd } }";
const REPORT: &str = "query($c: String!, $m: String!) { messagingCosts(communeCode: $c, month: $m) { costVnd budgetVnd heldMessages } }";
const HELD: &str = "query($c: ID!) { messages(filter: { clientId: $c }, first: 50) { edges { node { template status heldReason nextAttemptAt } } } }";

fn budget(commune: &str, vnd: Option<i64>) -> serde_json::Value {
    json!({ "input": { "communeCode": commune, "monthlyBudgetVnd": vnd } })
}

async fn with_template(app: &TestApp, template: &str) -> Vec<outbox_message::Model> {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Template.eq(template))
        .all(&app.db)
        .await
        .unwrap()
}

async fn channels_tried(app: &TestApp, id: Uuid) -> Vec<String> {
    outbox_attempt::Entity::find()
        .filter(outbox_attempt::Column::MessageId.eq(id))
        .order_by_asc(outbox_attempt::Column::AttemptedAt)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.channel)
        .collect()
}

/// The errors of a request that must fail.
async fn errors(
    app: &TestApp,
    secret: &str,
    query: &str,
    variables: serde_json::Value,
) -> serde_json::Value {
    let body = app.graphql(Some(secret), query, variables).await;
    assert!(body["errors"].is_array(), "expected errors: {body:#}");
    body["errors"].clone()
}

/// Client A texts `text` to the two-way number.
async fn client_a_texts(app: &TestApp, text: &str) {
    let sms = inbound_sms(
        app,
        &format!("mo-{}", Uuid::new_v4().simple()),
        CLIENT_A_SMS_PHONE,
        text,
    );
    assert_eq!(post_signed_sms(app, &sms).await, 200, "{text}");
}

async fn past_the_budget_non_urgent_sms_waits_for_next_month_and_urgent_messages_go(app: TestApp) {
    let w = app.world().await;
    // 1,250 đ a month: the first SMS (1,000 đ, the seeded example price) is 80 %.
    let data = app
        .ok(&app.admin_token, SET_BUDGET, budget(COMMUNE_A, Some(1250)))
        .await;
    assert_eq!(data["setCommuneBudget"]["monthlyBudgetVnd"], 1250);
    // Client C of commune A is on Zalo but prefers SMS.
    let mut input = client_input(COMMUNE_A, 3);
    input["preferredChannel"] = json!("SMS");
    let client_c = app.create_client(&app.admin_token, input).await;
    app.create_order(&app.admin_token, &client_c).await;
    let fake = fake_gateways().await;
    Mock::given(method("POST"))
        .and(path(ZNS_PATH))
        .and(body_partial_json(json!({ "phone": "84912000003" })))
        .respond_with(zns_ok("zns-c"))
        .mount(&fake)
        .await;
    // Client A is not on Zalo; every SMS is accepted.
    zns_and_sms_answer(&fake, zns_error(-118), esms("100", "sms-ok")).await;
    let sender = sender(&app, &fake);

    // The prompt goes by SMS: 1,000 đ of 1,250, 80 %. The commune's officer is told, once.
    let prompt = check_in_prompt_due(&app, &w).await;
    drain(&sender).await;
    assert_eq!(reload(&app, prompt.id).await.status, "sent");
    let alerts = with_template(&app, "officer_budget_threshold").await;
    assert_eq!(alerts.len(), 1, "one alert, to the commune's one officer");
    assert_eq!(
        alerts[0].status, "sent",
        "an officer's message is never held"
    );
    let bodies = crate::support::bodies(&fake, ESMS_PATH).await;
    let text = bodies
        .iter()
        .find(|b| b["Phone"] == "0987654321")
        .and_then(|b| b["Content"].as_str())
        .unwrap()
        .to_owned();
    assert!(text.contains("1.000 d tren 1.250 d"), "{text}");

    // The budget is spent (the prompt and the alert: 2,000 đ). The thanks for a check-in is
    // not urgent: it waits for 1 December, 08:00 in Hà Nội, with its reason.
    client_a_texts(&app, "co").await;
    drain(&sender).await;
    let thanks = with_template(&app, "check_in_confirmed").await;
    assert_eq!(thanks.len(), 1);
    let thanks = reload(&app, thanks[0].id).await;
    assert_eq!(thanks.status, "deferred");
    assert_eq!(thanks.held_reason.as_deref(), Some("monthly budget spent"));
    let december: DateTime<Utc> = "2026-12-01T01:00:00Z".parse().unwrap();
    assert_eq!(thanks.next_attempt_at, december);
    // Client A's prompt taught that they are not on Zalo, so ZNS is skipped (no wasted call)
    // and no other channel is left: nothing was tried.
    assert_eq!(
        channels_tried(&app, thanks.id).await,
        Vec::<String>::new(),
        "neither ZNS (known not on Zalo) nor SMS (budget spent) was tried"
    );
    let data = app
        .ok(&w.officer_a_token, HELD, json!({ "c": w.client_a }))
        .await;
    let held: Vec<_> = data["messages"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["heldReason"] == "monthly budget spent")
        .collect();
    assert_eq!(held.len(), 1, "{data}");
    assert_eq!(held[0]["node"]["template"], "CHECK_IN_CONFIRMED");
    assert_eq!(held[0]["node"]["status"], "DEFERRED");
    let report = app
        .ok(
            &w.officer_a_token,
            REPORT,
            json!({ "c": COMMUNE_A, "m": "2026-11" }),
        )
        .await;
    assert_eq!(
        report["messagingCosts"],
        json!({ "costVnd": 2000, "budgetVnd": 1250, "heldMessages": 1 })
    );

    // A person on Zalo who prefers SMS gets Zalo instead while the budget is spent.
    let reminder = reminder_due(&app, &app.admin_token, &client_c).await;
    drain(&sender).await;
    assert_eq!(reload(&app, reminder.id).await.status, "sent");
    assert_eq!(channels_tried(&app, reminder.id).await, vec!["zalo_zns"]);

    // Someone who prefers SMS and is not on Zalo: Zalo is tried instead and refuses, so the
    // SMS waits like any other — here a reminder that would be useless by December, so it is
    // not sent, with the budget as its reason, and no SMS goes.
    let mut input = client_input(COMMUNE_A, 4);
    input["preferredChannel"] = json!("SMS");
    let client_d = app.create_client(&app.admin_token, input).await;
    app.create_order(&app.admin_token, &client_d).await;
    let reminder = reminder_due(&app, &app.admin_token, &client_d).await;
    drain(&sender).await;
    let reminder = reload(&app, reminder.id).await;
    assert_eq!(reminder.status, "cancelled");
    assert_eq!(
        reminder.held_reason.as_deref(),
        Some("monthly budget spent")
    );
    assert_eq!(channels_tried(&app, reminder.id).await, vec!["zalo_zns"]);
    let sms = crate::support::bodies(&fake, ESMS_PATH).await;
    assert!(
        sms.iter().all(|b| b["Phone"] != "0912000004"),
        "no SMS to D"
    );
    // D is now known not to be on Zalo: the next reminder is not switched to ZNS only to be
    // refused again; it is left for the budget at once, with nothing tried.
    let again = reminder_due(&app, &app.admin_token, &client_d).await;
    drain(&sender).await;
    let again = reload(&app, again.id).await;
    assert_eq!(again.status, "cancelled");
    assert_eq!(again.held_reason.as_deref(), Some("monthly budget spent"));
    assert_eq!(
        channels_tried(&app, again.id).await,
        Vec::<String>::new(),
        "ZNS is known not to reach D"
    );

    // An opt-out confirmation always goes, by SMS here.
    client_a_texts(&app, "TU CHOI").await;
    drain(&sender).await;
    let confirmation = with_template(&app, "opt_out_confirmed").await;
    assert_eq!(confirmation.len(), 1);
    let confirmation = reload(&app, confirmation[0].id).await;
    assert_eq!(confirmation.status, "sent");
    assert_eq!(confirmation.channel.as_deref(), Some("sms"));
    assert_eq!(confirmation.held_reason, None);
    client_a_texts(&app, "DONG Y").await;

    // 1 December, 08:00: a new month, a new budget; the held thanks go by SMS, once.
    app.clock.set(december);
    drain(&sender).await;
    let thanks = reload(&app, thanks.id).await;
    assert_eq!(thanks.status, "sent");
    assert_eq!(thanks.channel.as_deref(), Some("sms"));
    assert_eq!(
        thanks.held_reason.as_deref(),
        Some("monthly budget spent"),
        "the message still shows it was held"
    );
    assert_eq!(
        channels_tried(&app, thanks.id).await,
        vec!["sms"],
        "SMS goes; ZNS is still skipped (known not on Zalo)"
    );
    // December's first SMS (1,000 đ of 1,250) reaches 80 % again: December's own alert.
    let mut months: Vec<String> = with_template(&app, "officer_budget_threshold")
        .await
        .into_iter()
        .map(|m| {
            m.dedupe_key
                .split(':')
                .nth(2)
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    months.sort();
    assert_eq!(months, vec!["2026-11", "2026-12"], "once a month");
}

async fn budgets_are_set_by_administrators_and_the_commune_chairman_within_bounds(app: TestApp) {
    let w = app.world().await;
    // A police officer may not, whether the commune exists or not (authority first).
    for commune in [COMMUNE_A, "99999"] {
        let errs = errors(
            &app,
            &w.officer_a_token,
            SET_BUDGET,
            budget(commune, Some(1000)),
        )
        .await;
        assert_eq!(errs[0]["extensions"]["code"], "FORBIDDEN", "{commune}");
    }
    // The commune chairman of A may, for A only (B is outside their scope).
    let chairman = app
        .create_officer(COMMUNE_A, "Đỗ Văn Hùng", "COMMUNE_CHAIRMAN")
        .await;
    let token = app.officer_token(&chairman).await;
    let data = app
        .ok(&token, SET_BUDGET, budget(COMMUNE_A, Some(500_000)))
        .await;
    assert_eq!(data["setCommuneBudget"]["monthlyBudgetVnd"], 500_000);
    let errs = errors(
        &app,
        &token,
        SET_BUDGET,
        budget(tests::world::COMMUNE_B, Some(1000)),
    )
    .await;
    assert_eq!(errs[0]["extensions"]["code"], "NOT_FOUND");
    // Bounded: zero, negative and absurd budgets are refused, naming the field.
    for bad in [0, -5, 200_000_001] {
        let errs = errors(
            &app,
            &app.admin_token,
            SET_BUDGET,
            budget(COMMUNE_A, Some(bad)),
        )
        .await;
        assert_eq!(errs[0]["extensions"]["code"], "BAD_USER_INPUT", "{bad}");
        assert_eq!(errs[0]["extensions"]["field"], "monthlyBudgetVnd", "{bad}");
    }
    // Null clears it; each change is audited.
    let data = app
        .ok(&app.admin_token, SET_BUDGET, budget(COMMUNE_A, None))
        .await;
    assert_eq!(
        data["setCommuneBudget"]["monthlyBudgetVnd"],
        serde_json::Value::Null
    );
    let report = app
        .ok(
            &w.officer_a_token,
            REPORT,
            json!({ "c": COMMUNE_A, "m": "2026-11" }),
        )
        .await;
    assert_eq!(
        report["messagingCosts"]["budgetVnd"],
        serde_json::Value::Null
    );
    let audited = entities::audit_entry::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.action.starts_with("commune_budget."))
        .count();
    assert_eq!(audited, 2);
}
