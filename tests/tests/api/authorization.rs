//! The authorization matrix: an officer of commune A, a partner key limited to A, and an
//! administrator, against every query and mutation. Nothing of commune B leaks or changes,
//! through lists, id lookups, nested fields or connections.

use serde_json::{Value, json};
use tests::{
    TestApp, db_tests,
    world::{COMMUNE_A, COMMUNE_B, World, client_input, order_input},
};

db_tests!(
    lists_show_only_the_callers_commune,
    lookups_by_id_of_another_commune_return_null,
    nested_fields_obey_the_scope,
    an_assignment_shows_its_officer_as_the_caller_may_see_them,
    mutations_on_another_commune_change_nothing,
    administration_is_for_administrators,
    anonymous_callers_get_nothing,
    officer_and_key_work_in_their_own_commune,
    province_administrator_sees_only_their_province,
);

/// The two restricted principals of the matrix.
fn restricted(world: &World) -> [(&'static str, String); 2] {
    [
        ("officer A", world.officer_a_token.clone()),
        ("key A", world.key_a.clone()),
    ]
}

const LISTS: &str = "{
  clients { totalCount edges { node { communeCode } } }
  supervisionOrders { totalCount edges { node { communeCode } } }
  officers { totalCount edges { node { communeCode } } }
  b: clients(filter: { communeCode: \"00008\" }) { totalCount }
  bo: supervisionOrders(filter: { communeCode: \"00008\" }) { totalCount }
}";

fn communes_of(list: &Value) -> Vec<String> {
    list["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["communeCode"].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn lists_show_only_the_callers_commune(app: TestApp) {
    let world = app.world().await;
    for (who, secret) in restricted(&world) {
        let data = app.ok(&secret, LISTS, json!({})).await;
        for list in ["clients", "supervisionOrders", "officers"] {
            let communes = communes_of(&data[list]);
            assert!(!communes.is_empty(), "{who} sees its own {list}");
            assert!(
                communes.iter().all(|c| c == COMMUNE_A),
                "{who} sees only commune A in {list}: {communes:?}"
            );
            assert_eq!(
                data[list]["totalCount"],
                communes.len(),
                "{who}: totalCount counts only the scope"
            );
        }
        assert_eq!(
            data["b"]["totalCount"], 0,
            "{who}: filtering by commune B yields nothing"
        );
        assert_eq!(data["bo"]["totalCount"], 0, "{who}");
        let q = "query($o: ID!) { clients(filter: { officerId: $o }) { totalCount } supervisionOrders(filter: { officerId: $o }) { totalCount } }";
        let data = app.ok(&secret, q, json!({ "o": world.officer_b })).await;
        assert_eq!(
            data["clients"]["totalCount"], 0,
            "{who}: officer B's caseload stays hidden"
        );
        assert_eq!(data["supervisionOrders"]["totalCount"], 0, "{who}");
        let q = "query($c: ID!) { supervisionOrders(filter: { clientId: $c }) { totalCount } }";
        let data = app.ok(&secret, q, json!({ "c": world.client_b })).await;
        assert_eq!(data["supervisionOrders"]["totalCount"], 0, "{who}");
    }
    let data = app.ok(&app.admin_token, LISTS, json!({})).await;
    assert_eq!(
        data["clients"]["totalCount"], 2,
        "the administrator sees both communes"
    );
    assert_eq!(data["b"]["totalCount"], 1);
}

async fn lookups_by_id_of_another_commune_return_null(app: TestApp) {
    let world = app.world().await;
    let q = "query($c: ID!, $o: ID!, $f: ID!) { client(id: $c) { id } supervisionOrder(id: $o) { id } officer(id: $f) { id } }";
    let vars = json!({ "c": world.client_b, "o": world.order_b, "f": world.officer_b });
    for (who, secret) in restricted(&world) {
        let data = app.ok(&secret, q, vars.clone()).await;
        assert!(data["client"].is_null(), "{who}");
        assert!(data["supervisionOrder"].is_null(), "{who}");
        assert!(data["officer"].is_null(), "{who}");
    }
    let data = app.ok(&app.admin_token, q, vars).await;
    assert!(
        !data["client"].is_null()
            && !data["supervisionOrder"].is_null()
            && !data["officer"].is_null()
    );
}

/// A query reaching an assignment, where to find it in the answer, and the index of `officer`
/// in an error's path.
#[derive(Clone, Copy)]
struct AssignmentRead {
    query: &'static str,
    assignment: fn(&Value) -> Value,
    officer_at: usize,
}

/// Assignments are read with their officer in one statement (with the client's orders, or on
/// their own under an order): the officer's own scope and the caller's permission to read
/// officers still decide what the officer field shows.
async fn an_assignment_shows_its_officer_as_the_caller_may_see_them(app: TestApp) {
    let world = app.world().await;
    let through_client = "query($c: ID!) { client(id: $c) { orders { assignments { role officer { fullName } } } } }";
    let through_orders = "query($c: ID!) { client(id: $c) { id } supervisionOrders(filter: { communeCode: \"00004\" }) { edges { node { assignments { role officer { fullName } } } } } }";
    let vars = json!({ "c": world.client_a });
    let reads = [
        AssignmentRead {
            query: through_client,
            assignment: |b| b["data"]["client"]["orders"][0]["assignments"][0].clone(),
            officer_at: 5,
        },
        AssignmentRead {
            query: through_orders,
            assignment: |b| {
                b["data"]["supervisionOrders"]["edges"][0]["node"]["assignments"][0].clone()
            },
            officer_at: 6,
        },
    ];
    let no_officers = app
        .api_key(&["CLIENTS_READ", "ORDERS_READ"], &[COMMUNE_A])
        .await;
    for AssignmentRead {
        query: q,
        assignment,
        officer_at,
    } in reads
    {
        let body = app.graphql(Some(&world.key_a), q, vars.clone()).await;
        assert_eq!(
            assignment(&body)["officer"]["fullName"],
            "Lê Văn Cường",
            "{body:#}"
        );

        // A key that may read orders but not officers: the assignment, and a refusal for the
        // officer (not a silent null).
        let body = app.graphql(Some(&no_officers), q, vars.clone()).await;
        assert_eq!(assignment(&body)["role"], "CASE_OFFICER", "{body:#}");
        assert!(assignment(&body)["officer"].is_null(), "{body:#}");
        assert_eq!(
            tests::first_error_code(&body).as_deref(),
            Some("FORBIDDEN"),
            "{body:#}"
        );
        assert_eq!(body["errors"][0]["path"][officer_at], "officer", "{body:#}");
    }

    // The officer now belongs to commune B (records corrected by the province): commune A's
    // keys still see the assignment, and no longer the officer.
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared(&format!(
            "UPDATE officers SET commune_code = '{COMMUNE_B}' WHERE full_name = 'Lê Văn Cường'"
        ))
        .await
        .unwrap();
    for AssignmentRead {
        query: q,
        assignment,
        ..
    } in reads
    {
        for secret in [&world.key_a, &world.key_a_readonly] {
            let body = app.graphql(Some(secret), q, vars.clone()).await;
            assert!(body.get("errors").is_none(), "{body:#}");
            assert_eq!(assignment(&body)["role"], "CASE_OFFICER", "{body:#}");
            assert!(assignment(&body)["officer"].is_null(), "{body:#}");
        }
        let body = app.graphql(Some(&app.admin_token), q, vars.clone()).await;
        assert_eq!(
            assignment(&body)["officer"]["fullName"],
            "Lê Văn Cường",
            "{body:#}"
        );
    }
}

async fn nested_fields_obey_the_scope(app: TestApp) {
    let world = app.world().await;
    let q = "query($c: ID!) { client(id: $c) { orders { id client { id } assignments { officer { id communeCode } } } transfers { toCommuneCode } commune { code } } }";
    for (who, secret) in restricted(&world) {
        let data = app.ok(&secret, q, json!({ "c": world.client_a })).await;
        let orders = data["client"]["orders"].as_array().unwrap();
        assert_eq!(orders.len(), 1, "{who}");
        assert_eq!(
            orders[0]["assignments"][0]["officer"]["communeCode"], COMMUNE_A,
            "{who}"
        );
    }
    // Move client B's history through an order of A: officer B was assigned only in B.
    // An order that a transfer brought into A must not reveal B's assignments or order.
    let m = "mutation($input: TransferClientInput!) { transferClient(input: $input) { newOrder { id } } }";
    let input = json!({ "clientId": world.client_b, "toCommuneCode": COMMUNE_A, "decidedOn": "2026-11-28", "reason": "Chuyển đến" });
    let data = app.ok(&app.admin_token, m, json!({ "input": input })).await;
    let new_order = data["transferClient"]["newOrder"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let q = "query($o: ID!, $c: ID!) { supervisionOrder(id: $o) { previousOrder { id assignments { id } } client { orders { id communeCode } } } client(id: $c) { id transfers { fromCommuneCode } } }";
    for (who, secret) in restricted(&world) {
        let data = app
            .ok(&secret, q, json!({ "o": new_order, "c": world.client_b }))
            .await;
        assert!(
            data["supervisionOrder"]["previousOrder"].is_null(),
            "{who}: B's closed order stays in B"
        );
        let orders = data["supervisionOrder"]["client"]["orders"]
            .as_array()
            .unwrap();
        assert!(
            orders.iter().all(|o| o["communeCode"] == COMMUNE_A),
            "{who}: {orders:?}"
        );
        assert_eq!(
            data["client"]["transfers"][0]["fromCommuneCode"], COMMUNE_B,
            "{who}: the move itself is the new commune's history"
        );
    }
}

async fn snapshot_b(app: &TestApp, world: &World) -> Value {
    let q = "query($c: ID!, $o: ID!, $f: ID!) {
      client(id: $c) { fullName address status updatedAt communeCode orders { id } }
      supervisionOrder(id: $o) { status endDate pauses { startsOn } assignments { endedOn } }
      officer(id: $f) { fullName active }
      officers(filter: { communeCode: \"00008\" }) { totalCount }
      clients(filter: { communeCode: \"00008\" }) { totalCount }
    }";
    app.ok(
        &app.admin_token,
        q,
        json!({ "c": world.client_b, "o": world.order_b, "f": world.officer_b }),
    )
    .await
}

async fn mutations_on_another_commune_change_nothing(app: TestApp) {
    let world = app.world().await;
    let before = snapshot_b(&app, &world).await;
    let attempts: Vec<(&str, &str, Value, &[&str])> = vec![
        (
            "updateClient",
            "mutation($i: UpdateClientInput!) { updateClient(input: $i) { client { id } } }",
            json!({ "id": world.client_b, "address": "Hacked" }),
            &["NOT_FOUND"],
        ),
        (
            "createClient in B",
            "mutation($i: CreateClientInput!) { createClient(input: $i) { client { id } } }",
            client_input(COMMUNE_B, 99),
            &["FORBIDDEN"],
        ),
        (
            "transferClient",
            "mutation($i: TransferClientInput!) { transferClient(input: $i) { client { id } } }",
            json!({ "clientId": world.client_b, "toCommuneCode": COMMUNE_A, "decidedOn": "2026-11-28", "reason": "x" }),
            &["NOT_FOUND"],
        ),
        (
            "createSupervisionOrder",
            "mutation($i: CreateSupervisionOrderInput!) { createSupervisionOrder(input: $i) { order { id } } }",
            order_input(&world.client_b),
            &["NOT_FOUND"],
        ),
        (
            "decideSupervisionOrder",
            "mutation($i: DecideSupervisionOrderInput!) { decideSupervisionOrder(input: $i) { order { id } } }",
            json!({ "orderId": world.order_b, "decision": { "number": "1", "date": "2026-11-01", "signerName": "x", "signerTitle": "y" } }),
            &["NOT_FOUND"],
        ),
        (
            "changeSupervisionOrderStatus",
            "mutation($i: ChangeSupervisionOrderStatusInput!) { changeSupervisionOrderStatus(input: $i) { order { id } } }",
            json!({ "orderId": world.order_b, "status": "TERMINATED", "reason": "x" }),
            &["NOT_FOUND"],
        ),
        (
            "addOrderPause",
            "mutation($i: AddOrderPauseInput!) { addOrderPause(input: $i) { order { id } } }",
            json!({ "orderId": world.order_b, "startsOn": "2026-11-01", "endsOn": "2026-11-02", "reason": "x" }),
            &["NOT_FOUND"],
        ),
        (
            "assignToOrder B order",
            "mutation($i: AssignToOrderInput!) { assignToOrder(input: $i) { assignment { id } } }",
            json!({ "orderId": world.order_b, "officerId": world.officer_a, "role": "SUPPORTER" }),
            &["NOT_FOUND"],
        ),
        (
            "assignToOrder B officer",
            "mutation($i: AssignToOrderInput!) { assignToOrder(input: $i) { assignment { id } } }",
            json!({ "orderId": world.order_a, "officerId": world.officer_b, "role": "SUPPORTER" }),
            &["NOT_FOUND"],
        ),
        (
            "endAssignment",
            "mutation($i: EndAssignmentInput!) { endAssignment(input: $i) { assignment { id } } }",
            json!({ "assignmentId": world.assignment_b }),
            &["NOT_FOUND"],
        ),
        (
            "updateOfficer",
            "mutation($i: UpdateOfficerInput!) { updateOfficer(input: $i) { officer { id } } }",
            json!({ "id": world.officer_b, "active": false }),
            &["NOT_FOUND"],
        ),
        (
            "createOfficer in B",
            "mutation($i: CreateOfficerInput!) { createOfficer(input: $i) { officer { id } } }",
            json!({ "fullName": "X", "role": "COMMUNE_POLICE_OFFICER", "communeCode": COMMUNE_B }),
            &["FORBIDDEN"],
        ),
        (
            "issueOfficerToken",
            "mutation($i: IssueOfficerTokenInput!) { issueOfficerToken(input: $i) { token } }",
            json!({ "officerId": world.officer_b }),
            &["FORBIDDEN"],
        ),
    ];
    for (who, secret) in restricted(&world) {
        let clients_before = app.count("clients").await;
        let audit_before = app.count("audit_log").await;
        for (name, query, input, codes) in &attempts {
            let body = app
                .graphql(Some(&secret), query, json!({ "i": input }))
                .await;
            let code = tests::first_error_code(&body)
                .unwrap_or_else(|| panic!("{who} {name}: expected an error, got {body:#}"));
            assert!(codes.contains(&code.as_str()), "{who} {name}: got {code}");
            assert!(body["data"].is_null(), "{who} {name}: no payload");
        }
        assert_eq!(
            app.count("clients").await,
            clients_before,
            "{who}: no client written"
        );
        assert_eq!(
            app.count("audit_log").await,
            audit_before,
            "{who}: no audited change happened"
        );
    }
    assert_eq!(
        snapshot_b(&app, &world).await,
        before,
        "commune B is unchanged"
    );
}

async fn administration_is_for_administrators(app: TestApp) {
    let world = app.world().await;
    let queries = [
        "{ auditLog { totalCount } }",
        "{ apiKeys { totalCount } }",
        "mutation { createApiKey(input: { name: \"x\", scopes: [CLIENTS_READ], communeCodes: [\"00004\"] }) { secret } }",
        "mutation { importCommunes(input: { csv: \"province_code,province_name,commune_code,commune_name,kind\\n01,HN,00099,X,xa\" }) { communes } }",
        "mutation { createLegalRegime(input: { code: \"X\", name: \"X\", effectiveFrom: \"2027-01-01\", rules: [{ rehabKind: METHADONE, ageGroup: ANY, months: 3 }] }) { legalRegime { code } } }",
    ];
    for (who, secret) in restricted(&world) {
        for q in queries {
            assert_eq!(
                app.error_code(&secret, q, json!({})).await,
                "FORBIDDEN",
                "{who}: {q}"
            );
        }
    }
    // The read-only key may read but not write, and not read sensitive fields.
    let code = app
        .error_code(
            &world.key_a_readonly,
            "mutation($i: CreateClientInput!) { createClient(input: $i) { client { id } } }",
            json!({ "i": client_input(COMMUNE_A, 50) }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
}

async fn anonymous_callers_get_nothing(app: TestApp) {
    app.world().await;
    let body = app.graphql(None, LISTS, json!({})).await;
    assert_eq!(
        tests::first_error_code(&body).as_deref(),
        Some("UNAUTHENTICATED")
    );
    assert!(body["data"].is_null());
    let (status, _) = app
        .graphql_status(Some("dhk_not-a-real-key"), "{ me { kind } }", json!({}))
        .await;
    assert_eq!(status, 401);
}

async fn officer_and_key_work_in_their_own_commune(app: TestApp) {
    let world = app.world().await;
    for (n, (who, secret)) in restricted(&world).into_iter().enumerate() {
        let client = app
            .create_client(&secret, client_input(COMMUNE_A, 60 + n as u32))
            .await;
        let order = app.create_order(&secret, &client).await;
        let m = "mutation($i: AssignToOrderInput!) { assignToOrder(input: $i) { assignment { officer { id } } } }";
        let data = app.ok(&secret, m, json!({ "i": { "orderId": order, "officerId": world.officer_a, "role": "CASE_OFFICER" } })).await;
        assert_eq!(
            data["assignToOrder"]["assignment"]["officer"]["id"],
            world.officer_a.as_str(),
            "{who}"
        );
    }
}

async fn province_administrator_sees_only_their_province(app: TestApp) {
    let world = app.world().await;
    let (_, token, _) = api::auth::credentials::bootstrap_administrator(
        &app.db,
        "HCMC admin",
        Some("79".into()),
        tests::test_start(),
        chrono::Duration::days(1),
    )
    .await
    .map_err(|e| e.message())
    .unwrap();
    let data = app.ok(&token, LISTS, json!({})).await;
    assert_eq!(data["clients"]["totalCount"], 0);
    assert_eq!(data["officers"]["totalCount"], 0);
    let q = "query($c: ID!) { client(id: $c) { id } }";
    assert!(app.ok(&token, q, json!({ "c": world.client_a })).await["client"].is_null());
    let code = app
        .error_code(
            &token,
            "mutation($i: CreateClientInput!) { createClient(input: $i) { client { id } } }",
            json!({ "i": client_input(COMMUNE_A, 70) }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    let code = app.error_code(&token, "mutation { createApiKey(input: { name: \"x\", scopes: [CLIENTS_READ], communeCodes: [\"00004\"] }) { secret } }", json!({})).await;
    assert_eq!(
        code, "FORBIDDEN",
        "keys only for the administrator's own province"
    );
}
