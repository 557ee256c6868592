//! Existence and counts do not leak (issue 8, defect 4): counts are taken inside the scope,
//! and an unknown id and one outside the scope answer the same, whatever the caller's
//! permissions.

use serde_json::json;
use tests::{TestApp, db_tests};

db_tests!(
    province_administrators_count_only_their_provinces_keys,
    end_assignment_answers_alike_for_unknown_and_other_communes,
    compliance_of_an_unknown_or_out_of_scope_client_is_not_found,
    assigning_needs_no_officer_read_permission_to_answer_alike,
);

/// An opaque id of `kind` that names nothing.
fn unknown_id(kind: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("{kind}:0193a000-0000-7000-8000-000000000000"))
}

async fn province_administrator(app: &TestApp, province: &str) -> String {
    let (_, token, _) = api::auth::credentials::bootstrap_administrator(
        &app.db,
        "Province admin",
        Some(province.into()),
        tests::test_start(),
        chrono::Duration::days(1),
    )
    .await
    .map_err(|e| e.message())
    .unwrap();
    token
}

async fn province_administrators_count_only_their_provinces_keys(app: TestApp) {
    app.world().await; // two keys of Hà Nội (01)
    app.api_key(&["CLIENTS_READ"], &["26734"]).await; // one of Hồ Chí Minh City (79)
    app.api_key(&["CLIENTS_READ"], &["00004", "26734"]).await; // one spanning both
    let q = "query($first: Int) { apiKeys(first: $first) { totalCount pageInfo { hasNextPage } edges { node { communeCodes } } } }";
    for (province, expected) in [("01", 2), ("79", 1), ("48", 0)] {
        let token = province_administrator(&app, province).await;
        let data = app.ok(&token, q, json!({ "first": 1 })).await;
        assert_eq!(
            data["apiKeys"]["totalCount"], expected,
            "province {province}: {data}"
        );
        assert_eq!(
            data["apiKeys"]["pageInfo"]["hasNextPage"],
            expected > 1,
            "province {province}"
        );
        let data = app.ok(&token, q, json!({ "first": 10 })).await;
        assert_eq!(
            data["apiKeys"]["edges"].as_array().unwrap().len(),
            expected as usize
        );
    }
    let data = app.ok(&app.admin_token, q, json!({ "first": 10 })).await;
    assert_eq!(
        data["apiKeys"]["totalCount"], 4,
        "the national administrator sees all"
    );
}

async fn end_assignment_answers_alike_for_unknown_and_other_communes(app: TestApp) {
    let w = app.world().await;
    let m = "mutation($i: EndAssignmentInput!) { endAssignment(input: $i) { assignment { id } } }";
    let unknown = unknown_id("Assignment");
    for (who, secret, code) in [
        ("read-only key", &w.key_a_readonly, "FORBIDDEN"),
        ("officer A", &w.officer_a_token, "NOT_FOUND"),
        ("key A", &w.key_a, "NOT_FOUND"),
    ] {
        for id in [&w.assignment_b, &unknown] {
            let got = app
                .error_code(secret, m, json!({ "i": { "assignmentId": id } }))
                .await;
            assert_eq!(got, code, "{who}, assignment {id}");
        }
    }
    let data = app
        .ok(
            &app.admin_token,
            m,
            json!({ "i": { "assignmentId": w.assignment_b } }),
        )
        .await;
    assert_eq!(
        data["endAssignment"]["assignment"]["id"],
        w.assignment_b.as_str()
    );
}

async fn compliance_of_an_unknown_or_out_of_scope_client_is_not_found(app: TestApp) {
    let w = app.world().await;
    let q = "query($c: ID!) { compliance(clientId: $c, from: \"2026-11-01\", to: \"2026-11-30\") { due onTime } }";
    for (who, secret) in [("officer A", &w.officer_a_token), ("key A", &w.key_a)] {
        for client in [&w.client_b, &unknown_id("Client")] {
            assert_eq!(
                app.error_code(secret, q, json!({ "c": client })).await,
                "NOT_FOUND",
                "{who}, client {client}"
            );
        }
        let data = app.ok(secret, q, json!({ "c": w.client_a })).await;
        assert_eq!(
            data["compliance"],
            json!({ "due": 0, "onTime": 0 }),
            "{who}"
        );
    }
    assert_eq!(
        app.error_code(&app.admin_token, q, json!({ "c": unknown_id("Client") }))
            .await,
        "NOT_FOUND"
    );
}

async fn assigning_needs_no_officer_read_permission_to_answer_alike(app: TestApp) {
    let w = app.world().await;
    let key = app.api_key(&["ORDERS_WRITE"], &["00004"]).await;
    let m =
        "mutation($i: AssignToOrderInput!) { assignToOrder(input: $i) { assignment { role } } }";
    let input = |order: &str, officer: &str| json!({ "i": { "orderId": order, "officerId": officer, "role": "SUPPORTER" } });
    for order in [&w.order_b, &unknown_id("SupervisionOrder")] {
        assert_eq!(
            app.error_code(&key, m, input(order, &w.officer_a)).await,
            "NOT_FOUND",
            "order {order}"
        );
    }
    for officer in [&w.officer_b, &unknown_id("Officer")] {
        assert_eq!(
            app.error_code(&key, m, input(&w.order_a, officer)).await,
            "NOT_FOUND",
            "officer {officer}"
        );
    }
    let other = app
        .create_officer("00004", "Vũ Thị Hoa", "SOCIAL_WORK_VOLUNTEER")
        .await;
    let data = app.ok(&key, m, input(&w.order_a, &other)).await;
    assert_eq!(data["assignToOrder"]["assignment"]["role"], "SUPPORTER");
}
