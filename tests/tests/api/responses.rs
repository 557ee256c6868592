//! The shape of answers: every bad-input error names its field, introspection off is an error
//! that suggests nothing, and fields come back in the order they were selected.

use serde_json::{Value, json};
use tests::{
    TestApp, db_tests, db_tests_with,
    world::{COMMUNE_A, client_input},
};

db_tests!(
    values_the_engine_cannot_parse_name_their_field,
    fields_come_back_in_selection_order,
);
db_tests_with!(introspection_off => introspection_off_is_an_error_without_suggestions);

const CREATE_CLIENT: &str =
    "mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } } }";
const CREATE_PLAN: &str = "mutation($input: CreateCheckInPlanInput!) { createCheckInPlan(input: $input) { plan { id } } }";
const SET_POLICY: &str =
    "mutation($input: SetCommunePolicyInput!) { setCommunePolicy(input: $input) { hasOverrides } }";

async fn values_the_engine_cannot_parse_name_their_field(app: TestApp) {
    let admin = app.admin_token.clone();
    let w = app.world().await;
    let client = |field: &str, value: Value| {
        let mut input = client_input(COMMUNE_A, 7);
        input[field] = value;
        json!({ "input": input })
    };
    let plan = |field: &str, value: Value| {
        let mut input = json!({ "orderId": w.order_a, "rule": { "everyNDays": 3 }, "opensAt": "08:00", "windowMinutes": 120 });
        input[field] = value;
        json!({ "input": input })
    };
    let compliance = "query($c: ID!, $from: NaiveDate!) { compliance(clientId: $c, from: $from, to: \"2026-12-01\") { due } }";
    let cases: Vec<(&str, &str, Value, &str)> = vec![
        (
            "int out of range, literal",
            "{ clients(first: 2147483648) { totalCount } }",
            json!({}),
            "first",
        ),
        (
            "int out of range, variable",
            "query($f: Int) { clients(first: $f) { totalCount } }",
            json!({ "f": 2_147_483_648_i64 }),
            "first",
        ),
        (
            "not an int",
            "query($f: Int) { clients(first: $f) { totalCount } }",
            json!({ "f": "x" }),
            "first",
        ),
        (
            "February 30th",
            CREATE_CLIENT,
            client("dateOfBirth", json!("1990-02-30")),
            "dateOfBirth",
        ),
        (
            "month 13",
            CREATE_CLIENT,
            client("dateOfBirth", json!("1990-13-01")),
            "dateOfBirth",
        ),
        (
            "not a date",
            CREATE_CLIENT,
            client("dateOfBirth", json!(19900501)),
            "dateOfBirth",
        ),
        (
            "not an instant",
            CREATE_CLIENT,
            client(
                "smsConsent",
                json!({ "givenAt": "yesterday", "method": "ONLINE_FORM" }),
            ),
            "smsConsent.givenAt",
        ),
        (
            "unknown enum value",
            CREATE_CLIENT,
            client("sex", json!("OTHER")),
            "sex",
        ),
        (
            "missing required field, literal",
            "mutation { createClient(input: { communeCode: \"00004\", fullName: \"A\", dateOfBirth: \"1990-02-30\", sex: MALE }) { client { id } } }",
            json!({}),
            "address",
        ),
        (
            "date in a literal",
            "query($c: ID!) { compliance(clientId: $c, from: \"2026-02-30\", to: \"2026-03-01\") { due } }",
            json!({ "c": w.client_a }),
            "from",
        ),
        (
            "date in a variable",
            compliance,
            json!({ "c": w.client_a, "from": "2026-13-01" }),
            "from",
        ),
        (
            "negative window",
            CREATE_PLAN,
            plan("windowMinutes", json!(-5)),
            "windowMinutes",
        ),
        (
            "negative day interval",
            CREATE_PLAN,
            plan("rule", json!({ "everyNDays": -1 })),
            "rule.everyNDays",
        ),
        (
            "plan end on a day that does not exist",
            CREATE_PLAN,
            plan("endsOn", json!("2027-04-31")),
            "endsOn",
        ),
        (
            "offset out of range in a list",
            SET_POLICY,
            json!({ "input": { "communeCode": COMMUNE_A, "reminderOffsetsMinutes": [60, 1e30] } }),
            "reminderOffsetsMinutes.1",
        ),
    ];
    let clients_before = app.count("clients").await;
    let plans_before = app.count("check_in_plans").await;
    for (name, query, variables, field) in cases {
        let body = app.graphql(Some(&admin), query, variables).await;
        assert_eq!(
            tests::first_error_code(&body).as_deref(),
            Some("BAD_USER_INPUT"),
            "{name}: {body:#}"
        );
        assert_eq!(
            body["errors"][0]["extensions"]["field"], field,
            "{name}: {body:#}"
        );
    }
    assert_eq!(app.count("clients").await, clients_before);
    assert_eq!(app.count("check_in_plans").await, plans_before);
}

fn introspection_off(settings: &mut api::settings::Settings) {
    settings.introspection = false;
}

async fn introspection_off_is_an_error_without_suggestions(app: TestApp) {
    let admin = app.admin_token.clone();
    for query in [
        "{ __schema { types { name } } }",
        "{ __type(name: \"Client\") { name } }",
        "{ me { kind } ...S } fragment S on QueryRoot { __schema { queryType { name } } }",
    ] {
        let (status, body) = app.graphql_status(Some(&admin), query, json!({})).await;
        assert_eq!(status, 200, "{query}");
        assert_eq!(
            tests::first_error_code(&body).as_deref(),
            Some("GRAPHQL_VALIDATION_FAILED"),
            "{query}: {body:#}"
        );
        assert!(body.get("data").is_none(), "{query}: {body:#}");
    }
    let body = app
        .graphql(Some(&admin), "{ clientz { totalCount } }", json!({}))
        .await;
    assert_eq!(
        tests::first_error_code(&body).as_deref(),
        Some("GRAPHQL_VALIDATION_FAILED")
    );
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(!message.contains("Did you mean"), "{message}");
    assert!(!message.contains("\"clients\""), "{message}");
    // Ordinary queries, `__typename` included, still run.
    let data = app
        .ok(&admin, "{ __typename me { kind } }", json!({}))
        .await;
    assert_eq!(data["__typename"], "QueryRoot");
}

/// Where each key first appears in the raw body: the keys of the test are unique in it.
fn positions(body: &str, keys: &[&str]) -> Vec<usize> {
    keys.iter()
        .map(|key| {
            body.find(&format!("\"{key}\":"))
                .unwrap_or_else(|| panic!("{key} missing from {body}"))
        })
        .collect()
}

async fn fields_come_back_in_selection_order(app: TestApp) {
    let w = app.world().await;
    // Fields loaded through DataLoaders (commune, client, pauses, assignments) finish last
    // inside the engine; they are selected first and between the plain ones.
    let order_query = "query($o: ID!) { supervisionOrder(id: $o) { commune { name } decisionNumber client { fullName } status pauses { reason } endDate assignments { role } rehabKind } }";
    let order_keys = [
        "supervisionOrder",
        "commune",
        "name",
        "decisionNumber",
        "client",
        "fullName",
        "status",
        "pauses",
        "endDate",
        "assignments",
        "role",
        "rehabKind",
    ];
    let client_query = "query($c: ID!) { client(id: $c) { orders { periodMonths } sex commune { code } dateOfBirth ... on Client { address } } }";
    let client_keys = [
        "client",
        "orders",
        "periodMonths",
        "sex",
        "commune",
        "code",
        "dateOfBirth",
        "address",
    ];
    for _ in 0..5 {
        for (query, variables, keys) in [
            (order_query, json!({ "o": w.order_a }), &order_keys[..]),
            (client_query, json!({ "c": w.client_a }), &client_keys[..]),
        ] {
            let body = app
                .http
                .post(format!("{}/graphql", app.address))
                .bearer_auth(&app.admin_token)
                .json(&json!({ "query": query, "variables": variables }))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(!body.contains("\"errors\""), "{body}");
            let found = positions(&body, keys);
            let mut sorted = found.clone();
            sorted.sort_unstable();
            assert_eq!(found, sorted, "keys out of selection order: {body}");
        }
    }
}
