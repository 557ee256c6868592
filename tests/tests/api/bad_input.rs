//! Bad input gets a typed error, never a panic or a 500, and writes nothing.

use serde_json::{Value, json};
use tests::{
    TestApp, db_tests,
    world::{COMMUNE_A, client_input},
};

db_tests!(
    invalid_clients_are_refused_with_their_field,
    invalid_orders_and_pauses_are_refused,
    oversized_pages_deep_queries_and_aliases_are_refused,
    malformed_requests_are_client_errors,
);

const CREATE_CLIENT: &str =
    "mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } } }";

fn with(mut input: Value, field: &str, value: Value) -> Value {
    input[field] = value;
    input
}

async fn invalid_clients_are_refused_with_their_field(app: TestApp) {
    let admin = app.admin_token.clone();
    let base = client_input(COMMUNE_A, 5);
    let cases = [
        (
            "phone",
            with(base.clone(), "phone", json!("0241 234 567")),
            "phone",
        ),
        (
            "old 11-digit phone",
            with(base.clone(), "phone", json!("0165 234 5678")),
            "phone",
        ),
        (
            "cccd length",
            with(base.clone(), "nationalId", json!("00109000000")),
            "nationalId",
        ),
        (
            "cccd province",
            with(base.clone(), "nationalId", json!("099090000005")),
            "nationalId",
        ),
        (
            "cccd vs birth year",
            with(base.clone(), "nationalId", json!("001091000005")),
            "nationalId",
        ),
        (
            "birth in future",
            with(
                with(base.clone(), "dateOfBirth", json!("2030-01-01")),
                "nationalId",
                json!(null),
            ),
            "dateOfBirth",
        ),
        (
            "unknown commune",
            with(base.clone(), "communeCode", json!("99999")),
            "communeCode",
        ),
        (
            "malformed commune",
            with(base.clone(), "communeCode", json!("4")),
            "communeCode",
        ),
        (
            "empty name",
            with(base.clone(), "fullName", json!("   ")),
            "fullName",
        ),
        (
            "consent in future",
            with(
                base.clone(),
                "smsConsent",
                json!({ "givenAt": "2027-01-01T00:00:00Z", "method": "ONLINE_FORM" }),
            ),
            "smsConsent",
        ),
        (
            "zalo id",
            with(base.clone(), "zaloUserId", json!("abc")),
            "zaloUserId",
        ),
    ];
    let clients_before = app.count("clients").await;
    let audit_before = app.count("audit_log").await;
    for (name, input, field) in cases {
        let (status, body) = app
            .graphql_status(Some(&admin), CREATE_CLIENT, json!({ "input": input }))
            .await;
        assert_eq!(status, 200, "{name}");
        assert_eq!(
            tests::first_error_code(&body).as_deref(),
            Some("BAD_USER_INPUT"),
            "{name}: {body:#}"
        );
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{name}");
    }
    let body = app
        .graphql(
            Some(&admin),
            CREATE_CLIENT,
            json!({ "input": with(base.clone(), "dateOfBirth", json!("1990-13-45")) }),
        )
        .await;
    assert_eq!(
        tests::first_error_code(&body).as_deref(),
        Some("BAD_USER_INPUT"),
        "{body:#}"
    );
    assert_eq!(app.count("clients").await, clients_before);
    assert_eq!(app.count("audit_log").await, audit_before);
    // A duplicate national ID is a conflict, without saying where the other record lives.
    app.create_client(&admin, base.clone()).await;
    let body = app
        .graphql(
            Some(&admin),
            CREATE_CLIENT,
            json!({ "input": with(base, "fullName", json!("Người khác")) }),
        )
        .await;
    assert_eq!(tests::first_error_code(&body).as_deref(), Some("CONFLICT"));
    assert!(
        !body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(COMMUNE_A)
    );
}

async fn invalid_orders_and_pauses_are_refused(app: TestApp) {
    let admin = app.admin_token.clone();
    let client = app.create_client(&admin, client_input(COMMUNE_A, 6)).await;
    let m = "mutation($input: CreateSupervisionOrderInput!) { createSupervisionOrder(input: $input) { order { id } } }";
    let decision = |date: &str, start: Option<&str>| json!({ "number": "1/QĐ", "date": date, "signerName": "A", "signerTitle": "B", "startDate": start });
    let cases = [
        (
            "start before rehab ended",
            json!({ "clientId": client, "rehabKind": "COMPULSORY", "rehabCompletedOn": "2026-10-15", "decision": decision("2026-10-20", Some("2026-10-01")) }),
        ),
        (
            "decision in future",
            json!({ "clientId": client, "rehabKind": "COMPULSORY", "rehabCompletedOn": "2026-10-15", "decision": decision("2027-01-01", None) }),
        ),
        (
            "no regime for the date",
            json!({ "clientId": client, "rehabKind": "COMPULSORY", "rehabCompletedOn": "2020-10-15", "decision": decision("2021-01-01", None) }),
        ),
        (
            "rehab before birth",
            json!({ "clientId": client, "rehabKind": "COMPULSORY", "rehabCompletedOn": "1980-01-01" }),
        ),
        (
            "bad id",
            json!({ "clientId": "not-an-id", "rehabKind": "COMPULSORY", "rehabCompletedOn": "2026-10-15" }),
        ),
    ];
    let orders_before = app.count("supervision_orders").await;
    for (name, input) in cases {
        assert_eq!(
            app.error_code(&admin, m, json!({ "input": input })).await,
            "BAD_USER_INPUT",
            "{name}"
        );
    }
    assert_eq!(app.count("supervision_orders").await, orders_before);
    let order = app.create_order(&admin, &client).await;
    let m =
        "mutation($input: AddOrderPauseInput!) { addOrderPause(input: $input) { order { id } } }";
    let input = json!({ "orderId": order, "startsOn": "2026-11-10", "endsOn": "2026-11-01", "reason": "x" });
    assert_eq!(
        app.error_code(&admin, m, json!({ "input": input })).await,
        "BAD_USER_INPUT"
    );
    assert_eq!(app.count("order_pauses").await, 0);
}

async fn oversized_pages_deep_queries_and_aliases_are_refused(app: TestApp) {
    let admin = app.admin_token.clone();
    assert_eq!(
        app.error_code(&admin, "{ clients(first: 101) { totalCount } }", json!({}))
            .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(&admin, "{ clients(first: -1) { totalCount } }", json!({}))
            .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.error_code(
            &admin,
            "{ clients(after: \"garbage\") { totalCount } }",
            json!({})
        )
        .await,
        "BAD_USER_INPUT"
    );
    let deep = "{ clients { edges { node { orders { client { orders { client { orders { client { orders { client { id } } } } } } } } } } } }";
    assert_eq!(
        app.error_code(&admin, deep, json!({})).await,
        "GRAPHQL_VALIDATION_FAILED"
    );
    let aliases: String = (0..40).map(|i| format!("a{i}: me {{ kind }} ")).collect();
    let (status, body) = app
        .graphql_status(Some(&admin), &format!("{{ {aliases} }}"), json!({}))
        .await;
    assert_eq!(
        status, 200,
        "application/json clients read document errors from a 200"
    );
    assert!(
        body.get("data").is_none(),
        "a document that never ran has no data entry"
    );
    assert_eq!(
        tests::first_error_code(&body).as_deref(),
        Some("GRAPHQL_VALIDATION_FAILED")
    );
    assert_eq!(
        app.error_code(&admin, "{ client(id: \"x\") { id } }", json!({}))
            .await,
        "BAD_USER_INPUT"
    );
}

async fn malformed_requests_are_client_errors(app: TestApp) {
    let url = format!("{}/graphql", app.address);
    let res = app
        .http
        .post(&url)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let (status, body) = app
        .graphql_status(Some(&app.admin_token), "{ clients { ", json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        tests::first_error_code(&body).as_deref(),
        Some("GRAPHQL_PARSE_FAILED")
    );
    let big = "x".repeat(300 * 1024);
    let res = app
        .http
        .post(&url)
        .header("content-type", "application/json")
        .body(format!("{{\"query\":\"{big}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(
        res.headers()["connection"],
        "close",
        "the unread body makes the connection unusable, and the client is told so"
    );
    let res = app.http.post(&url).body("{}").send().await.unwrap();
    assert_eq!(
        res.status(),
        415,
        "a POST without a content type is refused"
    );
    let res = app
        .http
        .get(format!(
            "{url}?query=mutation%7BimportCommunes(input:%7Bcsv:%22%22%7D)%7Bcommunes%7D%7D"
        ))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    let res = app
        .http
        .get(format!("{url}?query=%7Bme%7Bkind%7D%7D"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = app
        .http
        .post(&url)
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ nope }" }))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.headers()["content-type"],
        "application/graphql-response+json"
    );
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body.get("data").is_none() && body["errors"].is_array());
    // An execution error is still a 200 with the new media type: the request ran.
    let res = app
        .http
        .post(&url)
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ clients { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        tests::first_error_code(&body).as_deref(),
        Some("UNAUTHENTICATED")
    );
}
