//! Registry workflows: communes, officers, clients, orders, transfers, search, audit.

use serde_json::json;
use tests::{
    TestApp, db_tests,
    world::{COMMUNE_A, COMMUNE_B, client_input},
};

db_tests!(
    health_and_readiness_answer,
    search_ignores_diacritics_and_case,
    order_period_follows_the_legal_regime_and_pauses,
    pending_order_is_decided_later,
    completing_needs_a_certificate_and_the_end_of_term,
    transfer_moves_client_and_keeps_history,
    sensitive_reads_are_audited_and_need_the_scope,
    former_communes_link_to_their_successor,
    api_key_revocation_takes_effect_at_once,
    administrator_adds_a_legal_regime_without_code,
    pagination_walks_every_client_once,
);

async fn health_and_readiness_answer(app: TestApp) {
    for path in ["/healthz", "/readyz"] {
        let res = app
            .http
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert!(res.headers().contains_key("x-request-id"));
    }
}

async fn search_ignores_diacritics_and_case(app: TestApp) {
    let admin = app.admin_token.clone();
    let mut other = client_input(COMMUNE_A, 7);
    other["fullName"] = json!("Đặng Thị Hường");
    app.create_client(&admin, client_input(COMMUNE_A, 3)).await;
    app.create_client(&admin, other).await;
    let q = "query($s: String) { clients(filter: { search: $s }) { totalCount edges { node { fullName } } } }";
    for needle in ["nguyen van an", "NGUYỄN VĂN", "an 3"] {
        let data = app.ok(&admin, q, json!({ "s": needle })).await;
        assert_eq!(data["clients"]["totalCount"], 1, "{needle}");
        assert_eq!(
            data["clients"]["edges"][0]["node"]["fullName"],
            "Nguyễn Văn An 3"
        );
    }
    let data = app.ok(&admin, q, json!({ "s": "dang thi huong" })).await;
    assert_eq!(
        data["clients"]["edges"][0]["node"]["fullName"],
        "Đặng Thị Hường"
    );
    let data = app.ok(&admin, q, json!({ "s": "100%_" })).await;
    assert_eq!(
        data["clients"]["totalCount"], 0,
        "LIKE wildcards are escaped"
    );
}

const ORDER_FIELDS: &str =
    "id status periodMonths startDate endDate decisionNumber pauses { startsOn endsOn reason }";

async fn order_period_follows_the_legal_regime_and_pauses(app: TestApp) {
    let admin = app.admin_token.clone();
    let client = app.create_client(&admin, client_input(COMMUNE_A, 10)).await;
    // Adult after compulsory rehab under Law 73/2021: 24 months from 2026-10-20.
    let order = app.create_order(&admin, &client).await;
    let q = format!("query($id: ID!) {{ supervisionOrder(id: $id) {{ {ORDER_FIELDS} }} }}");
    let data = app.ok(&admin, &q, json!({ "id": order })).await;
    let o = &data["supervisionOrder"];
    assert_eq!(o["status"], "ACTIVE");
    assert_eq!(o["periodMonths"], 24);
    assert_eq!(o["startDate"], "2026-10-20");
    assert_eq!(o["endDate"], "2028-10-19");
    let m = "mutation($input: AddOrderPauseInput!) { addOrderPause(input: $input) { order { endDate pauses { startsOn } } } }";
    let input = json!({ "orderId": order, "startsOn": "2026-11-10", "endsOn": "2026-11-19", "reason": "Nằm viện" });
    let data = app.ok(&admin, m, json!({ "input": input })).await;
    assert_eq!(
        data["addOrderPause"]["order"]["endDate"], "2028-10-29",
        "ten paused days push the end back"
    );
    let input = json!({ "orderId": order, "startsOn": "2026-11-15", "endsOn": "2026-11-25", "reason": "Trùng" });
    assert_eq!(
        app.error_code(&admin, m, json!({ "input": input })).await,
        "CONFLICT"
    );
    // A minor after compulsory rehab: 12 months.
    let mut minor = client_input(COMMUNE_A, 11);
    minor["dateOfBirth"] = json!("2010-03-01");
    minor["nationalId"] = json!("001210000011");
    let minor = app.create_client(&admin, minor).await;
    let order = app.create_order(&admin, &minor).await;
    let data = app.ok(&admin, &q, json!({ "id": order })).await;
    assert_eq!(data["supervisionOrder"]["periodMonths"], 12);
    // One open order per client.
    let m = "mutation($input: CreateSupervisionOrderInput!) { createSupervisionOrder(input: $input) { order { id } } }";
    let input =
        json!({ "clientId": minor, "rehabKind": "METHADONE", "rehabCompletedOn": "2026-10-01" });
    assert_eq!(
        app.error_code(&admin, m, json!({ "input": input })).await,
        "CONFLICT"
    );
}

async fn pending_order_is_decided_later(app: TestApp) {
    let admin = app.admin_token.clone();
    let client = app.create_client(&admin, client_input(COMMUNE_A, 12)).await;
    let m = "mutation($input: CreateSupervisionOrderInput!) { createSupervisionOrder(input: $input) { order { id status endDate } } }";
    let input = json!({ "clientId": client, "rehabKind": "VOLUNTARY_AT_HOME", "rehabCompletedOn": "2026-11-01" });
    let data = app.ok(&admin, m, json!({ "input": input })).await;
    let order = data["createSupervisionOrder"]["order"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        data["createSupervisionOrder"]["order"]["status"],
        "PENDING_DECISION"
    );
    assert!(data["createSupervisionOrder"]["order"]["endDate"].is_null());
    let m = "mutation($input: DecideSupervisionOrderInput!) { decideSupervisionOrder(input: $input) { order { status periodMonths startDate endDate } } }";
    let decision = json!({ "number": "88/QĐ-UBND", "date": "2026-11-05", "signerName": "Trần Văn Bình", "signerTitle": "Chủ tịch" });
    let data = app
        .ok(
            &admin,
            m,
            json!({ "input": { "orderId": order, "decision": decision } }),
        )
        .await;
    let o = &data["decideSupervisionOrder"]["order"];
    assert_eq!(o["status"], "ACTIVE");
    assert_eq!(o["periodMonths"], 12);
    assert_eq!(o["startDate"], "2026-11-05");
    assert_eq!(o["endDate"], "2027-11-04");
    assert_eq!(
        app.error_code(
            &admin,
            m,
            json!({ "input": { "orderId": order, "decision": decision } })
        )
        .await,
        "CONFLICT"
    );
}

async fn completing_needs_a_certificate_and_the_end_of_term(app: TestApp) {
    let admin = app.admin_token.clone();
    let client = app.create_client(&admin, client_input(COMMUNE_A, 13)).await;
    let order = app.create_order(&admin, &client).await;
    let m = "mutation($input: ChangeSupervisionOrderStatusInput!) { changeSupervisionOrderStatus(input: $input) { order { status certificateNumber statusReason } } }";
    let complete = json!({ "orderId": order, "status": "COMPLETED" });
    assert_eq!(
        app.error_code(&admin, m, json!({ "input": complete }))
            .await,
        "BAD_USER_INPUT"
    );
    let complete =
        json!({ "orderId": order, "status": "COMPLETED", "certificateNumber": "54/GCN" });
    assert_eq!(
        app.error_code(&admin, m, json!({ "input": complete }))
            .await,
        "CONFLICT",
        "term not over"
    );
    let suspend = json!({ "orderId": order, "status": "SUSPENDED", "reason": "Tạm giữ" });
    let data = app.ok(&admin, m, json!({ "input": suspend })).await;
    assert_eq!(
        data["changeSupervisionOrderStatus"]["order"]["status"],
        "SUSPENDED"
    );
    let resume = json!({ "orderId": order, "status": "ACTIVE" });
    app.ok(&admin, m, json!({ "input": resume })).await;
    // Two years later the term is over and the certificate can be issued.
    app.clock.advance(chrono::Duration::days(2 * 366));
    let (status, _) = app
        .graphql_status(Some(&admin), "{ me { kind } }", json!({}))
        .await;
    assert_eq!(status, 401, "the 30-day token has expired");
    let (_, admin, _) = api::auth::credentials::bootstrap_administrator(
        &app.db,
        "Admin 2028",
        None,
        app.clock_now(),
        chrono::Duration::days(1),
    )
    .await
    .map_err(|e| e.message())
    .unwrap();
    let data = app.ok(&admin, m, json!({ "input": complete })).await;
    assert_eq!(
        data["changeSupervisionOrderStatus"]["order"]["status"],
        "COMPLETED"
    );
    assert_eq!(
        data["changeSupervisionOrderStatus"]["order"]["certificateNumber"],
        "54/GCN"
    );
    let reopen = json!({ "orderId": order, "status": "ACTIVE" });
    assert_eq!(
        app.error_code(&admin, m, json!({ "input": reopen })).await,
        "CONFLICT"
    );
}

async fn transfer_moves_client_and_keeps_history(app: TestApp) {
    let world = app.world().await;
    let admin = app.admin_token.clone();
    let m = "mutation($input: TransferClientInput!) { transferClient(input: $input) { client { communeCode transfers { fromCommuneCode toCommuneCode } } newOrder { id status endDate communeCode previousOrder { status } } } }";
    let input = json!({ "clientId": world.client_a, "toCommuneCode": COMMUNE_B, "decidedOn": "2026-11-28", "reason": "Chuyển nơi cư trú" });
    let data = app.ok(&admin, m, json!({ "input": input })).await;
    let t = &data["transferClient"];
    assert_eq!(t["client"]["communeCode"], COMMUNE_B);
    assert_eq!(t["client"]["transfers"][0]["fromCommuneCode"], COMMUNE_A);
    assert_eq!(t["newOrder"]["status"], "PENDING_DECISION");
    assert_eq!(t["newOrder"]["communeCode"], COMMUNE_B);
    assert_eq!(t["newOrder"]["endDate"], "2028-10-19", "the term continues");
    assert_eq!(t["newOrder"]["previousOrder"]["status"], "TRANSFERRED_OUT");
    // Commune A no longer sees the client, only its own closed order.
    let q = "query($c: ID!, $o: ID!) { client(id: $c) { id } supervisionOrder(id: $o) { status client { id } assignments { endedOn } } }";
    let data = app
        .ok(
            &world.officer_a_token,
            q,
            json!({ "c": world.client_a, "o": world.order_a }),
        )
        .await;
    assert!(data["client"].is_null());
    assert_eq!(data["supervisionOrder"]["status"], "TRANSFERRED_OUT");
    assert!(data["supervisionOrder"]["client"].is_null());
    assert_eq!(
        data["supervisionOrder"]["assignments"][0]["endedOn"],
        "2026-11-28"
    );
}

async fn sensitive_reads_are_audited_and_need_the_scope(app: TestApp) {
    let world = app.world().await;
    let q = "query($id: ID!) { client(id: $id) { fullName nationalId phone } }";
    let data = app
        .ok(&world.key_a, q, json!({ "id": world.client_a }))
        .await;
    assert_eq!(data["client"]["nationalId"], "001090000001");
    assert_eq!(data["client"]["phone"], "0912 000 001");
    let audit = "query($id: ID!) { auditLog(filter: { entityId: $id, action: \"read_sensitive\" }) { totalCount edges { node { actorKind detail communeCode requestId } } } }";
    let data = app
        .ok(&app.admin_token, audit, json!({ "id": world.client_a }))
        .await;
    assert_eq!(data["auditLog"]["totalCount"], 2, "{data:#}");
    let fields: Vec<_> = data["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["detail"].as_str().unwrap().to_owned())
        .collect();
    assert!(fields.contains(&"nationalId".to_owned()) && fields.contains(&"phone".to_owned()));
    assert_eq!(data["auditLog"]["edges"][0]["node"]["actorKind"], "api_key");
    // Without clients:sensitive the fields are refused, the rest of the record is served.
    let body = app
        .graphql(
            Some(&world.key_a_readonly),
            q,
            json!({ "id": world.client_a }),
        )
        .await;
    assert_eq!(body["data"]["client"]["fullName"], "Nguyễn Văn An 1");
    assert_eq!(tests::first_error_code(&body).as_deref(), Some("FORBIDDEN"));
    let data = app
        .ok(&app.admin_token, audit, json!({ "id": world.client_a }))
        .await;
    assert_eq!(
        data["auditLog"]["totalCount"], 2,
        "refused reads are not reads"
    );
    // Every mutation is audited.
    let q = "{ auditLog(filter: { entityType: \"client\", action: \"client.create\" }) { totalCount } }";
    assert_eq!(
        app.ok(&app.admin_token, q, json!({})).await["auditLog"]["totalCount"],
        2
    );
}

async fn former_communes_link_to_their_successor(app: TestApp) {
    let admin = app.admin_token.clone();
    let q = "{ commune(code: \"00001\") { isCurrent successor { code name } } communes(filter: { provinceCode: \"01\" }) { totalCount } }";
    let data = app.ok(&admin, q, json!({})).await;
    assert_eq!(data["commune"]["isCurrent"], false);
    assert_eq!(data["commune"]["successor"]["code"], "00004");
    assert_eq!(
        data["communes"]["totalCount"], 4,
        "former units are hidden by default"
    );
    let mut input = client_input("00001", 20);
    input["nationalId"] = json!(null);
    assert_eq!(
        app.error_code(&admin, "mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } } }", json!({ "input": input })).await,
        "BAD_USER_INPUT"
    );
    let csv =
        "Mã tỉnh,Tên tỉnh,Mã xã,Tên xã,Cấp\n01,Thành phố Hà Nội,00091,Phường Hồng Hà,Phường\n";
    let m = "mutation($csv: String!) { importCommunes(input: { csv: $csv }) { provinces communes formerCommunes } }";
    let data = app.ok(&admin, m, json!({ "csv": csv })).await;
    assert_eq!(data["importCommunes"]["communes"], 1);
    let data = app
        .ok(
            &admin,
            "{ commune(code: \"00091\") { name kind } }",
            json!({}),
        )
        .await;
    assert_eq!(data["commune"]["kind"], "ward");
}

async fn api_key_revocation_takes_effect_at_once(app: TestApp) {
    let key = app.api_key(&["CLIENTS_READ"], &[COMMUNE_A]).await;
    app.ok(&key, "{ clients { totalCount } }", json!({})).await;
    let data = app
        .ok(
            &app.admin_token,
            "{ apiKeys { edges { node { id revokedAt } } } }",
            json!({}),
        )
        .await;
    let id = data["apiKeys"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ok(
        &app.admin_token,
        "mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { revokedAt } } }",
        json!({ "id": id }),
    )
    .await;
    let (status, body) = app
        .graphql_status(Some(&key), "{ clients { totalCount } }", json!({}))
        .await;
    assert_eq!(status, 401);
    assert_eq!(
        tests::first_error_code(&body).as_deref(),
        Some("UNAUTHENTICATED")
    );
}

async fn administrator_adds_a_legal_regime_without_code(app: TestApp) {
    let admin = app.admin_token.clone();
    let m = "mutation($input: CreateLegalRegimeInput!) { createLegalRegime(input: $input) { legalRegime { code } } }";
    let rules = json!([
        { "rehabKind": "VOLUNTARY_AT_HOME", "ageGroup": "ANY", "months": 6 },
        { "rehabKind": "VOLUNTARY_AT_FACILITY", "ageGroup": "ANY", "months": 6 },
        { "rehabKind": "METHADONE", "ageGroup": "ANY", "months": 6 },
        { "rehabKind": "COMPULSORY", "ageGroup": "ANY", "months": 18 }
    ]);
    let input = json!({ "code": "law_120_2025", "name": "Luật 120/2025/QH15 (thử)", "effectiveFrom": "2026-07-01", "rules": rules });
    let data = app.ok(&admin, m, json!({ "input": input })).await;
    assert_eq!(
        data["createLegalRegime"]["legalRegime"]["code"],
        "LAW_120_2025"
    );
    let client = app.create_client(&admin, client_input(COMMUNE_A, 30)).await;
    let order = app.create_order(&admin, &client).await;
    let data = app
        .ok(
            &admin,
            "query($id: ID!) { supervisionOrder(id: $id) { periodMonths endDate } }",
            json!({ "id": order }),
        )
        .await;
    assert_eq!(
        data["supervisionOrder"]["periodMonths"], 18,
        "a decision dated 2026-10-20 falls under the new regime"
    );
    assert_eq!(
        app.error_code(&admin, m, json!({ "input": input })).await,
        "CONFLICT"
    );
}

async fn pagination_walks_every_client_once(app: TestApp) {
    let admin = app.admin_token.clone();
    for n in 40..47 {
        app.create_client(&admin, client_input(COMMUNE_B, n)).await;
    }
    let q = "query($after: String) { clients(first: 3, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { fullName } } } }";
    let mut after = serde_json::Value::Null;
    let mut names = Vec::new();
    loop {
        let data = app.ok(&admin, q, json!({ "after": after })).await;
        assert_eq!(data["clients"]["totalCount"], 7);
        for e in data["clients"]["edges"].as_array().unwrap() {
            names.push(e["node"]["fullName"].as_str().unwrap().to_owned());
        }
        if data["clients"]["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = data["clients"]["pageInfo"]["endCursor"].clone();
    }
    let expected: Vec<_> = (40..47).map(|n| format!("Nguyễn Văn An {n}")).collect();
    assert_eq!(names, expected);
}
