//! Input is bounded and canonical: lists and durations past their bound, long searches and
//! invisible names are refused with their field; text is stored in NFC; LIKE wildcards in a
//! search match literally; usual phone spellings are accepted; dates are strictly YYYY-MM-DD.

use serde_json::{Value, json};
use tests::{
    TestApp, db_tests,
    world::{COMMUNE_A, client_input},
};

db_tests!(
    policy_lists_and_durations_are_bounded,
    pauses_appointments_and_rules_far_out_are_refused,
    long_searches_are_refused_and_wildcards_match_literally,
    names_are_stored_in_nfc_and_invisible_names_refused,
    identifiers_and_dates_are_parsed_consistently,
);

const SET_POLICY: &str = "mutation($input: SetCommunePolicyInput!) { setCommunePolicy(input: $input) { reminderOffsetsMinutes } }";
const CREATE_CLIENT: &str = "mutation($input: CreateClientInput!) { createClient(input: $input) { client { id fullName } } }";
const CLIENT: &str = "query($id: ID!) { client(id: $id) { fullName nationalId phone } }";
const SEARCH: &str = "query($s: String) { clients(filter: { search: $s }) { totalCount edges { node { fullName } } } }";

/// Sends `query` and asserts one `BAD_USER_INPUT` error naming `field`.
async fn assert_refused(app: &TestApp, query: &str, variables: Value, field: &str) -> Value {
    let body = app.graphql(Some(&app.admin_token), query, variables).await;
    assert_eq!(
        tests::first_error_code(&body).as_deref(),
        Some("BAD_USER_INPUT"),
        "{field}: {body:#}"
    );
    assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body:#}");
    body
}

fn with(mut input: Value, field: &str, value: Value) -> Value {
    input[field] = value;
    input
}

async fn policy_lists_and_durations_are_bounded(app: TestApp) {
    let offsets: Vec<u32> = (1..=1000).collect();
    let cases = [
        (
            json!({ "reminderOffsetsMinutes": offsets }),
            "reminderOffsetsMinutes",
        ),
        (
            json!({ "reminderOffsetsMinutes": [60, 60] }),
            "reminderOffsetsMinutes",
        ),
        (
            json!({ "reminderOffsetsMinutes": [20_161] }),
            "reminderOffsetsMinutes",
        ),
        (
            json!({ "appointmentGraceMinutes": 10_081 }),
            "appointmentGraceMinutes",
        ),
        (
            json!({ "nudgeBeforeCloseMinutes": 10_081 }),
            "nudgeBeforeCloseMinutes",
        ),
    ];
    for (mut input, field) in cases {
        input["communeCode"] = json!(COMMUNE_A);
        assert_refused(&app, SET_POLICY, json!({ "input": input }), field).await;
    }
    assert_eq!(app.count("commune_policies").await, 0);
    // The bound itself is accepted.
    let data = app
        .ok(
            &app.admin_token,
            SET_POLICY,
            json!({ "input": { "communeCode": COMMUNE_A, "reminderOffsetsMinutes": [10080, 1440, 240, 60, 15] } }),
        )
        .await;
    assert_eq!(
        data["setCommunePolicy"]["reminderOffsetsMinutes"],
        json!([10080, 1440, 240, 60, 15])
    );
}

async fn pauses_appointments_and_rules_far_out_are_refused(app: TestApp) {
    let admin = app.admin_token.clone();
    let client = app.create_client(&admin, client_input(COMMUNE_A, 11)).await;
    let order = app.create_order(&admin, &client).await;
    let pause = "mutation($input: AddOrderPauseInput!) { addOrderPause(input: $input) { order { endDate } } }";
    let input = json!({ "orderId": order, "startsOn": "2026-12-01", "endsOn": "3026-01-01", "reason": "Nằm viện" });
    assert_refused(&app, pause, json!({ "input": input }), "endsOn").await;
    assert_eq!(app.count("order_pauses").await, 0);
    // 366 days is the longest pause; the term's end moves back by as much as it lasts.
    let input = json!({ "orderId": order, "startsOn": "2026-12-01", "endsOn": "2027-12-02", "reason": "Nằm viện" });
    assert_refused(&app, pause, json!({ "input": input }), "endsOn").await;
    let input = json!({ "orderId": order, "startsOn": "2026-12-01", "endsOn": "2027-11-30", "reason": "Nằm viện" });
    let data = app.ok(&admin, pause, json!({ "input": input })).await;
    assert_eq!(data["addOrderPause"]["order"]["endDate"], "2029-10-19");

    let appointment = "mutation($input: CreateAppointmentInput!) { createAppointment(input: $input) { appointment { id } } }";
    let input = json!({ "clientId": client, "kind": "CASE_OFFICER_MEETING", "startsAt": "3026-01-01T02:00:00Z", "endsAt": "3026-01-01T03:00:00Z", "place": "UBND phường" });
    assert_refused(&app, appointment, json!({ "input": input }), "startsAt").await;
    assert_eq!(app.count("appointments").await, 0);

    let plan = "mutation($input: CreateCheckInPlanInput!) { createCheckInPlan(input: $input) { plan { id } } }";
    for rule in [
        json!({ "everyNDays": 100_000 }),
        json!({ "weekly": { "weekdays": ["MON"], "intervalWeeks": 53 } }),
    ] {
        let input =
            json!({ "orderId": order, "rule": rule, "opensAt": "08:00", "windowMinutes": 240 });
        assert_refused(&app, plan, json!({ "input": input }), "rule").await;
    }
    assert_eq!(app.count("check_in_plans").await, 0);

    let compliance = "query($c: ID!) { compliance(clientId: $c, from: \"1990-01-01\", to: \"3026-01-01\") { due } }";
    assert_refused(&app, compliance, json!({ "c": client }), "to").await;

    let key = "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }";
    let communes: Vec<&str> = vec![COMMUNE_A; 501];
    let input = json!({ "name": "App", "scopes": ["CLIENTS_READ"], "communeCodes": communes });
    assert_refused(&app, key, json!({ "input": input }), "communeCodes").await;
}

async fn long_searches_are_refused_and_wildcards_match_literally(app: TestApp) {
    let admin = app.admin_token.clone();
    let long = "a".repeat(50_000);
    for query in [
        SEARCH,
        "query($s: String) { officers(filter: { search: $s }) { totalCount } }",
        "query($s: String) { communes(filter: { search: $s }) { totalCount } }",
    ] {
        assert_refused(&app, query, json!({ "s": long }), "search").await;
    }
    for (n, name) in [
        (21, "Trần Văn 50% An"),
        (22, "Trần Văn 500 An"),
        (23, "Lê_Văn Bình"),
        (24, "Lê Văn Bình"),
    ] {
        app.create_client(
            &admin,
            with(client_input(COMMUNE_A, n), "fullName", json!(name)),
        )
        .await;
    }
    let found = |body: Value| -> Vec<String> {
        body["clients"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["fullName"].as_str().unwrap().to_owned())
            .collect()
    };
    let data = app.ok(&admin, SEARCH, json!({ "s": "50%" })).await;
    assert_eq!(found(data), ["Trần Văn 50% An"]);
    let data = app.ok(&admin, SEARCH, json!({ "s": "le_" })).await;
    assert_eq!(found(data), ["Lê_Văn Bình"]);
    let data = app.ok(&admin, SEARCH, json!({ "s": "_" })).await;
    assert_eq!(found(data), ["Lê_Văn Bình"]);
    let data = app.ok(&admin, SEARCH, json!({ "s": "%" })).await;
    assert_eq!(found(data), ["Trần Văn 50% An"]);
    let data = app.ok(&admin, SEARCH, json!({ "s": "le van" })).await;
    assert_eq!(found(data), ["Lê Văn Bình"]);
}

async fn names_are_stored_in_nfc_and_invisible_names_refused(app: TestApp) {
    let admin = app.admin_token.clone();
    let base = client_input(COMMUNE_A, 31);
    for name in [
        "\u{200B}\u{200B}\u{200B}",
        "\u{202E}",
        "\u{FEFF} \u{2060}",
        "Nguyễn\u{0000}An",
        "\u{001B}[2J",
    ] {
        assert_refused(
            &app,
            CREATE_CLIENT,
            json!({ "input": with(base.clone(), "fullName", json!(name)) }),
            "fullName",
        )
        .await;
    }
    assert_eq!(app.count("clients").await, 0);

    // Typed decomposed (as some keyboards and macOS file names do): stored precomposed.
    let nfd = "Nguye\u{0302}\u{0303}n Thi\u{0323} Ha\u{0300}";
    let nfc = "Nguy\u{1EC5}n Th\u{1ECB} H\u{00E0}";
    let data = app
        .ok(
            &admin,
            CREATE_CLIENT,
            json!({ "input": with(base.clone(), "fullName", json!(nfd)) }),
        )
        .await;
    assert_eq!(data["createClient"]["client"]["fullName"], nfc);
    let data = app.ok(&admin, SEARCH, json!({ "s": nfc })).await;
    assert_eq!(data["clients"]["totalCount"], 1);
    assert_eq!(data["clients"]["edges"][0]["node"]["fullName"], nfc);

    // Invisible characters inside a name or an address are dropped, not stored.
    let input = with(
        with(
            client_input(COMMUNE_A, 32),
            "fullName",
            json!("Ph\u{200B}ạm\u{202E} Văn Hải"),
        ),
        "address",
        json!("Số 2\u{FEFF} phố\u{00A0}Kim Mã"),
    );
    let id = app.create_client(&admin, input).await;
    let data = app
        .ok(
            &admin,
            "query($id: ID!) { client(id: $id) { fullName address } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["client"]["fullName"], "Phạm Văn Hải");
    assert_eq!(data["client"]["address"], "Số 2 phố Kim Mã");
}

async fn identifiers_and_dates_are_parsed_consistently(app: TestApp) {
    let admin = app.admin_token.clone();
    for (n, phone) in [(41, "(+84) 912 345 041"), (42, "0084 912 345 042")] {
        let id = app
            .create_client(
                &admin,
                with(client_input(COMMUNE_A, n), "phone", json!(phone)),
            )
            .await;
        let data = app.ok(&admin, CLIENT, json!({ "id": id })).await;
        assert_eq!(data["client"]["phone"], format!("0912 345 0{n}"), "{phone}");
    }
    let base = client_input(COMMUNE_A, 43);
    for (field, value) in [
        ("nationalId", ""),
        ("nationalId", "   "),
        ("phone", ""),
        ("zaloUserId", " "),
    ] {
        assert_refused(
            &app,
            CREATE_CLIENT,
            json!({ "input": with(base.clone(), field, json!(value)) }),
            field,
        )
        .await;
    }
    // Omitted or null means "none", and null clears on update.
    let id = app
        .create_client(&admin, with(base.clone(), "nationalId", Value::Null))
        .await;
    let data = app.ok(&admin, CLIENT, json!({ "id": id })).await;
    assert_eq!(data["client"]["nationalId"], Value::Null);
    let update =
        "mutation($input: UpdateClientInput!) { updateClient(input: $input) { client { id } } }";
    assert_refused(
        &app,
        update,
        json!({ "input": { "id": id, "nationalId": "" } }),
        "nationalId",
    )
    .await;

    // Dates are YYYY-MM-DD and nothing else, in every date input.
    for bad in ["1990-5-1", "1990-05-1", "+1990-05-01", "1990-02-30"] {
        let body = app
            .graphql(
                Some(&admin),
                CREATE_CLIENT,
                json!({ "input": with(client_input(COMMUNE_A, 44), "dateOfBirth", json!(bad)) }),
            )
            .await;
        assert_eq!(
            tests::first_error_code(&body).as_deref(),
            Some("BAD_USER_INPUT"),
            "{bad}: {body:#}"
        );
    }
    let body = app
        .graphql(
            Some(&admin),
            "{ compliance(clientId: \"x\", from: \"2026-1-1\", to: \"2026-12-31\") { due } }",
            json!({}),
        )
        .await;
    assert_eq!(
        tests::first_error_code(&body).as_deref(),
        Some("BAD_USER_INPUT")
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("YYYY-MM-DD"),
        "{body:#}"
    );
    assert_eq!(app.count("clients").await, 3);
}
