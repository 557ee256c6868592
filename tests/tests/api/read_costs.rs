//! What a read costs (issue 9): the total is counted only when `totalCount` is selected, and
//! nested lists keep each parent's own first rows, in one statement for the whole batch.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Duration;
use entities::{appointment, check_in_occurrence};
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter};
use serde_json::json;
use tests::{
    TestApp, db_tests,
    world::{COMMUNE_A, client_input},
};
use uuid::Uuid;

db_tests!(
    the_total_is_counted_only_when_asked_for,
    one_client_with_many_open_windows_does_not_crowd_out_the_others,
);

const CREATE_PLAN: &str = "mutation($input: CreateCheckInPlanInput!) { createCheckInPlan(input: $input) { plan { id } } }";

async fn the_total_is_counted_only_when_asked_for(app: TestApp) {
    let _ = app.world().await;
    let with_total = app
        .statements_for(
            &app.admin_token,
            "{ clients(first: 5) { totalCount edges { node { fullName } } } }",
            json!({}),
        )
        .await;
    let without_total = app
        .statements_for(
            &app.admin_token,
            "{ clients(first: 5) { edges { node { fullName } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        with_total,
        without_total + 1,
        "one count statement, and only when totalCount is selected"
    );
    // Through a fragment too.
    let data = app
        .ok(
            &app.admin_token,
            "{ clients(first: 1) { ...T } } fragment T on ClientConnection { totalCount }",
            json!({}),
        )
        .await;
    assert_eq!(data["clients"]["totalCount"], 2);
}

/// The database id inside a GraphQL id (`base64url("Kind:uuid")`).
fn raw(kind: &str, id: &str) -> Uuid {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(id).unwrap()).unwrap();
    Uuid::parse_str(text.strip_prefix(&format!("{kind}:")).unwrap()).unwrap()
}

/// A client with 120 more open windows and 120 appointments ahead, and one whose windows and
/// single appointment come after most of them: each gets its own first rows.
async fn one_client_with_many_open_windows_does_not_crowd_out_the_others(app: TestApp) {
    let _ = app.world().await;
    let now = app.clock_now();
    let mut clients = Vec::new();
    for n in 0..2 {
        let client = app
            .create_client(&app.admin_token, client_input(COMMUNE_A, 700 + n))
            .await;
        let order = app.create_order(&app.admin_token, &client).await;
        let input = json!({ "orderId": order, "rule": { "everyNDays": 1 }, "opensAt": "08:00", "windowMinutes": 60 });
        let data = app
            .ok(&app.admin_token, CREATE_PLAN, json!({ "input": input }))
            .await;
        let plan = data["createCheckInPlan"]["plan"]["id"].as_str().unwrap();
        clients.push((
            client.clone(),
            raw("Client", &client),
            raw("SupervisionOrder", &order),
            raw("CheckInPlan", plan),
        ));
    }
    let windows = |(_, client, _, plan): &(String, Uuid, Uuid, Uuid), from: i64, count: i64| {
        (0..count)
            .map(|i| {
                let opens_at = now + Duration::hours(from + i);
                check_in_occurrence::Model {
                    id: Uuid::now_v7(),
                    plan_id: *plan,
                    client_id: *client,
                    commune_code: COMMUNE_A.to_owned(),
                    scheduled_on: (now + Duration::days(400 + from + i)).date_naive(),
                    due_on: opens_at.date_naive(),
                    opens_at,
                    closes_at: opens_at + Duration::minutes(60),
                    status: "scheduled".to_owned(),
                    missed_at: None,
                    created_at: now,
                }
                .into_active_model()
            })
            .collect::<Vec<_>>()
    };
    let meetings = |(_, client, order, _): &(String, Uuid, Uuid, Uuid), from: i64, count: i64| {
        (0..count)
            .map(|i| {
                let starts_at = now + Duration::hours(from + i);
                appointment::Model {
                    id: Uuid::now_v7(),
                    client_id: *client,
                    order_id: Some(*order),
                    commune_code: COMMUNE_A.to_owned(),
                    kind: "case_officer_meeting".to_owned(),
                    starts_at,
                    ends_at: starts_at + Duration::minutes(30),
                    place: "Trụ sở Công an phường".to_owned(),
                    officer_id: None,
                    provider_name: None,
                    notes: None,
                    status: "scheduled".to_owned(),
                    rescheduled_from_id: None,
                    outcome_note: None,
                    drug_test_result: None,
                    outcome_recorded_at: None,
                    created_at: now,
                    updated_at: now,
                }
                .into_active_model()
            })
            .collect::<Vec<_>>()
    };
    check_in_occurrence::Entity::insert_many(windows(&clients[0], 1, 120))
        .exec_without_returning(&app.db)
        .await
        .unwrap();
    check_in_occurrence::Entity::insert_many(windows(&clients[1], 200, 1))
        .exec_without_returning(&app.db)
        .await
        .unwrap();
    appointment::Entity::insert_many(meetings(&clients[0], 1, 120))
        .exec_without_returning(&app.db)
        .await
        .unwrap();
    appointment::Entity::insert_many(meetings(&clients[1], 200, 1))
        .exec_without_returning(&app.db)
        .await
        .unwrap();

    let query = "query($a: ID!, $b: ID!) {
        a: client(id: $a) { id }
        b: client(id: $b) { id }
        clients(first: 50) { edges { node { id
            upcomingCheckIns(first: 50) { dueOn }
            two: upcomingCheckIns(first: 2) { dueOn }
            upcomingAppointments(first: 50) { startsAt }
            three: upcomingAppointments(first: 3) { startsAt } } } } }";
    let data = app
        .ok(
            &app.admin_token,
            query,
            json!({ "a": clients[0].0, "b": clients[1].0 }),
        )
        .await;
    let node = |id: &str| {
        data["clients"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["node"])
            .find(|n| n["id"] == id)
            .cloned()
            .unwrap()
    };
    let many = node(&clients[0].0);
    let one = node(&clients[1].0);
    assert_eq!(many["upcomingCheckIns"].as_array().unwrap().len(), 50);
    assert_eq!(many["upcomingAppointments"].as_array().unwrap().len(), 50);
    // Fields asking for fewer share the batch and get the first of the same rows.
    let first = |node: &serde_json::Value, field: &str, n: usize| {
        node[field].as_array().unwrap()[..n].to_vec()
    };
    assert_eq!(
        many["two"].as_array().unwrap().to_vec(),
        first(&many, "upcomingCheckIns", 2)
    );
    assert_eq!(
        many["three"].as_array().unwrap().to_vec(),
        first(&many, "upcomingAppointments", 3)
    );
    // The plan scheduled the second client's next fortnight too: all of its open windows
    // are listed (with one overall limit, client A's 120 took the first hundred places).
    let open = check_in_occurrence::Entity::find()
        .filter(check_in_occurrence::Column::ClientId.eq(clients[1].1))
        .filter(check_in_occurrence::Column::Status.eq("scheduled"))
        .filter(check_in_occurrence::Column::ClosesAt.gt(now))
        .count(&app.db)
        .await
        .unwrap();
    assert!(open > 1 && open < 50, "{open} open windows");
    assert_eq!(
        one["upcomingCheckIns"].as_array().unwrap().len() as u64,
        open,
        "the other client's windows are not crowded out"
    );
    assert_eq!(one["upcomingAppointments"].as_array().unwrap().len(), 1);
}
