//! Per-commune policy overrides: set by administrators or the police chief, refused when
//! invalid, scoped like everything else, and used by the rules.

use serde_json::json;
use tests::{
    TestApp, db_tests,
    world::{COMMUNE_A, COMMUNE_B},
};

db_tests!(commune_policy_overrides_defaults_within_scope);

const SET: &str = "mutation($input: SetCommunePolicyInput!) { setCommunePolicy(input: $input) { communeCode quietHoursStart quietHoursEnd appointmentGraceMinutes reminderOffsetsMinutes hasOverrides } }";
const GET: &str = "query($c: String!) { communePolicy(communeCode: $c) { quietHoursStart appointmentGraceMinutes reminderOffsetsMinutes holidayPolicy hasOverrides } }";

async fn commune_policy_overrides_defaults_within_scope(app: TestApp) {
    let w = app.world().await;
    let data = app
        .ok(&w.officer_a_token, GET, json!({ "c": COMMUNE_A }))
        .await;
    assert_eq!(
        data["communePolicy"],
        json!({ "quietHoursStart": "21:00", "appointmentGraceMinutes": 120, "reminderOffsetsMinutes": [1440, 120], "holidayPolicy": "SKIP", "hasOverrides": false })
    );
    let input = json!({ "communeCode": COMMUNE_A, "quietHoursStart": "22:00", "appointmentGraceMinutes": 30, "reminderOffsetsMinutes": [60] });
    for secret in [&w.officer_a_token, &w.key_a] {
        assert_eq!(
            app.error_code(secret, SET, json!({ "input": input })).await,
            "FORBIDDEN"
        );
    }
    let chief = app
        .create_officer(COMMUNE_A, "Đỗ Văn Hải", "COMMUNE_POLICE_CHIEF")
        .await;
    let chief = app.officer_token(&chief).await;
    let data = app.ok(&chief, SET, json!({ "input": input })).await;
    assert_eq!(data["setCommunePolicy"]["quietHoursStart"], "22:00");
    assert_eq!(
        data["setCommunePolicy"]["quietHoursEnd"], "07:00",
        "unset fields keep the default"
    );
    let data = app
        .ok(&w.officer_a_token, GET, json!({ "c": COMMUNE_A }))
        .await;
    assert_eq!(data["communePolicy"]["appointmentGraceMinutes"], 30);
    assert_eq!(data["communePolicy"]["reminderOffsetsMinutes"], json!([60]));
    // Commune B is outside the chief's scope and keeps the defaults.
    assert_eq!(
        app.error_code(
            &chief,
            SET,
            json!({ "input": { "communeCode": COMMUNE_B, "appointmentGraceMinutes": 1 } })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(&w.officer_a_token, GET, json!({ "c": COMMUNE_B }))
            .await,
        "NOT_FOUND"
    );
    let data = app
        .ok(&app.admin_token, GET, json!({ "c": COMMUNE_B }))
        .await;
    assert_eq!(data["communePolicy"]["hasOverrides"], false);
    // Invalid values change nothing.
    let audit_before = app.count("audit_log").await;
    for bad in [
        json!({ "communeCode": COMMUNE_A, "quietHoursEnd": "7am" }),
        json!({ "communeCode": COMMUNE_A, "reminderOffsetsMinutes": [0] }),
    ] {
        assert_eq!(
            app.error_code(&chief, SET, json!({ "input": bad })).await,
            "BAD_USER_INPUT"
        );
    }
    assert_eq!(app.count("audit_log").await, audit_before);
    assert_eq!(
        app.ok(&chief, GET, json!({ "c": COMMUNE_A })).await["communePolicy"]["quietHoursStart"],
        "22:00"
    );
    // The worker uses it: a new appointment gets one reminder, 60 minutes before.
    let m = "mutation($input: CreateAppointmentInput!) { createAppointment(input: $input) { appointment { id } } }";
    let input = json!({ "clientId": w.client_a, "kind": "COUNSELLING_SESSION", "startsAt": "2026-12-02T02:00:00Z", "endsAt": "2026-12-02T03:00:00Z", "place": "UBND phường" });
    app.ok(&w.officer_a_token, m, json!({ "input": input }))
        .await;
    let q = "SELECT COUNT(*) AS n FROM outbox_messages WHERE template = 'appointment_reminder'";
    use sea_orm::ConnectionTrait;
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            q.to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<i64>("", "n").unwrap(), 1);
}
