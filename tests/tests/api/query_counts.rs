//! A page costs a fixed number of SQL statements whatever its size: every relation loads in
//! one batched statement per page (DataLoaders, or joined with its parent).

use serde_json::json;
use tests::{
    TestApp,
    world::{COMMUNE_A, client_input},
};

// Batching is timed (a DataLoader gathers keys for `loader_delay`), so these tests give it a
// delay no loaded CI machine can outrun; the number of statements is then exact.
pub(crate) fn patient(settings: &mut api::settings::Settings) {
    settings.limits.loader_delay = std::time::Duration::from_millis(300);
}

tests::db_tests_with!(patient =>
    a_page_costs_the_same_statements_for_5_and_25_clients,
    pages_of_placements_and_eligibility_lists_cost_the_same_for_2_and_10,
    a_loan_page_costs_the_same_statements_for_2_and_10_loans,
    the_commune_page_costs_one_statement_on_postgres_four_on_sqlite,
);

/// `bench`'s commune page (`bench/src/scenarios/reads.rs`).
pub(crate) const COMMUNE_PAGE: &str = "query($commune: String!) {
  clients(first: 50, filter: { communeCode: $commune }) { edges { node {
    id fullName status commune { name }
    orders { status assignments { role officer { fullName } } }
    upcomingCheckIns(first: 2) { dueOn opensAt }
    upcomingAppointments(first: 2) { kind startsAt place } } } } }";

/// The page of the benchmarks (issue 9): the clients, their orders with assignments and
/// officers, and the two upcoming lists; the commune's name comes from the process's place
/// cache once it has been read.
async fn the_commune_page_costs_one_statement_on_postgres_four_on_sqlite(app: TestApp) {
    let w = app.world().await;
    add_clients(&app, &w.officer_a, 0, 4).await;
    let vars = json!({ "commune": COMMUNE_A });
    let page = |data: &serde_json::Value| data["clients"]["edges"].as_array().unwrap().clone();
    let data = app.ok(&w.key_a, COMMUNE_PAGE, vars.clone()).await;
    let clients = page(&data);
    assert_eq!(clients.len(), 5, "the world's client and four more");
    let staffed = clients
        .iter()
        .filter(|c| {
            c["node"]["orders"][0]["assignments"][0]["officer"]["fullName"] == "Lê Văn Cường"
        })
        .count();
    assert!(staffed >= 4, "case officers shown: {data:#}");
    assert!(
        clients
            .iter()
            .all(|c| c["node"]["commune"]["name"].is_string())
    );
    assert!(
        clients
            .iter()
            .filter(|c| c["node"]["upcomingAppointments"].as_array().unwrap().len() == 1)
            .count()
            >= 4
    );
    let statements = app.statements_for(&w.key_a, COMMUNE_PAGE, vars).await;
    // PostgreSQL reads the page's relations with the clients (`GRAPHQL_ONE_STATEMENT_PAGES`);
    // SQLite reads the clients, then the three relations in one batched statement each.
    let expected = if app.backend == tests::Backend::Postgres {
        1
    } else {
        4
    };
    assert_eq!(
        statements, expected,
        "page, orders with assignments and officers, upcoming check-ins, upcoming appointments"
    );
}

const CLIENTS_PAGE: &str = "{ clients(first: 50) { totalCount edges { node {
    fullName commune { name province { name } }
    orders { status assignments { officer { fullName } } checkInPlans { opensAt } pauses { reason } }
    upcomingCheckIns { dueOn checkIn { method } }
    transfers { reason }
    reachability { unreachable consecutiveFailures reasons { channel outcome } } } } } }";

const APPOINTMENTS_PAGE: &str = "{ appointments(first: 100) { totalCount edges { node {
    startsAt status client { fullName } officer { fullName } order { decisionNumber } } } } }";

const MESSAGES_PAGE: &str = "{ messages(first: 100) { totalCount edges { node {
    template status dueAt heldReason attempts { outcome } } } } }";

const OCCURRENCES_PAGE: &str = "{ checkInOccurrences(first: 100) { totalCount edges { node {
    dueOn status checkIn { method } client { fullName commune { name } } } } } }";

pub(crate) async fn add_clients(app: &TestApp, officer: &str, from: u32, to: u32) {
    let plan = "mutation($input: CreateCheckInPlanInput!) { createCheckInPlan(input: $input) { plan { id } } }";
    let assign = "mutation($input: AssignToOrderInput!) { assignToOrder(input: $input) { assignment { id } } }";
    let appointment = "mutation($input: CreateAppointmentInput!) { createAppointment(input: $input) { appointment { id } } }";
    for n in from..to {
        let client = app
            .create_client(&app.admin_token, client_input(COMMUNE_A, 100 + n))
            .await;
        let order = app.create_order(&app.admin_token, &client).await;
        app.ok(
            &app.admin_token,
            assign,
            json!({ "input": { "orderId": order, "officerId": officer, "role": "CASE_OFFICER" } }),
        )
        .await;
        let input = json!({ "orderId": order, "rule": { "everyNDays": 2 }, "opensAt": "08:00", "windowMinutes": 240 });
        app.ok(&app.admin_token, plan, json!({ "input": input }))
            .await;
        let starts = app.clock_now() + chrono::Duration::days(2);
        let input = json!({
            "clientId": client, "orderId": order, "officerId": officer, "kind": "COUNSELLING_SESSION",
            "startsAt": starts.to_rfc3339(),
            "endsAt": (starts + chrono::Duration::hours(1)).to_rfc3339(),
            "place": "Trụ sở UBND xã"
        });
        app.ok(&app.admin_token, appointment, json!({ "input": input }))
            .await;
    }
}

/// Every client gets a running count of failed messages, so each page also reads the
/// reachability watch's refusals (one batched statement, whatever the page size).
async fn failing(app: &TestApp) {
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared(
            "INSERT INTO client_reachability (client_id, consecutive_failures, updated_at) \
             SELECT id, 1, created_at FROM clients \
             WHERE id NOT IN (SELECT client_id FROM client_reachability)",
        )
        .await
        .unwrap();
}

async fn a_page_costs_the_same_statements_for_5_and_25_clients(app: TestApp) {
    let w = app.world().await;
    add_clients(&app, &w.officer_a, 0, 3).await;
    failing(&app).await;
    // Communes and provinces come from the process's cache once read; both sizes count
    // with it warm.
    app.ok(&app.admin_token, CLIENTS_PAGE, json!({})).await;
    let small_clients = app
        .statements_for(&app.admin_token, CLIENTS_PAGE, json!({}))
        .await;
    let small_occurrences = app
        .statements_for(&app.admin_token, OCCURRENCES_PAGE, json!({}))
        .await;
    let small_appointments = app
        .statements_for(&app.admin_token, APPOINTMENTS_PAGE, json!({}))
        .await;
    let small_messages = app
        .statements_for(&app.admin_token, MESSAGES_PAGE, json!({}))
        .await;
    add_clients(&app, &w.officer_a, 3, 23).await;
    failing(&app).await;
    let data = app
        .ok(&app.admin_token, "{ clients { totalCount } }", json!({}))
        .await;
    assert_eq!(data["clients"]["totalCount"], 25);
    let large_clients = app
        .statements_for(&app.admin_token, CLIENTS_PAGE, json!({}))
        .await;
    let large_occurrences = app
        .statements_for(&app.admin_token, OCCURRENCES_PAGE, json!({}))
        .await;
    assert_eq!(
        small_clients, large_clients,
        "clients page: {small_clients} statements for 5 clients, {large_clients} for 25"
    );
    assert_eq!(small_occurrences, large_occurrences, "occurrences page");
    let large_appointments = app
        .statements_for(&app.admin_token, APPOINTMENTS_PAGE, json!({}))
        .await;
    let large_messages = app
        .statements_for(&app.admin_token, MESSAGES_PAGE, json!({}))
        .await;
    assert_eq!(small_appointments, large_appointments, "appointments page");
    assert_eq!(small_messages, large_messages, "messages page");
    assert!(
        large_clients <= 16,
        "a bounded handful of statements: {large_clients}"
    );
}

const LOANS_PAGE: &str = "{ loanApplications(first: 50) { totalCount edges { node {
    id status outstandingVnd instalments { number totalVnd paidVnd }
    programme { code maxAmountVnd } client { fullName } } } } }";

const PLACEMENTS_PAGE: &str = "{ placements(first: 50) { totalCount edges { node {
    id status client { fullName commune { name } } } } } }";

const LISTS_PAGE: &str = "{ eligibilityLists(first: 50) { totalCount edges { node {
    id title entries { note client { fullName } } csv } } } }";

/// Disbursed loans of `n` new clients, 3 monthly instalments each.
async fn add_loans(app: &TestApp, from: u32, to: u32) {
    let nef = programme_id(app, "NEF_61_2015_WORKER").await;
    let create = "mutation($input: CreateLoanApplicationInput!) { createLoanApplication(input: $input) { application { id } } }";
    let change = "mutation($input: ChangeLoanStatusInput!) { changeLoanStatus(input: $input) { application { id } } }";
    let disburse = "mutation($input: DisburseLoanInput!) { disburseLoan(input: $input) { application { id } } }";
    for n in from..to {
        let client = app
            .create_client(&app.admin_token, client_input(COMMUNE_A, 700 + n))
            .await;
        let input = json!({ "clientId": client, "programmeId": nef, "amountVnd": 3_000_000 + i64::from(n) * 300_000,
            "termMonths": 3, "purpose": "Mua máy may để mở tiệm may tại nhà" });
        let data = app
            .ok(&app.admin_token, create, json!({ "input": input }))
            .await;
        let id = data["createLoanApplication"]["application"]["id"].clone();
        for to in ["SUBMITTED", "APPROVED"] {
            app.ok(
                &app.admin_token,
                change,
                json!({ "input": { "applicationId": id, "status": to } }),
            )
            .await;
        }
        let input =
            json!({ "applicationId": id, "disbursedOn": "2026-11-30", "frequency": "MONTHLY" });
        app.ok(&app.admin_token, disburse, json!({ "input": input }))
            .await;
    }
}

async fn programme_id(app: &TestApp, code: &str) -> serde_json::Value {
    let programmes = app
        .ok(
            &app.admin_token,
            "{ loanProgrammes(first: 50) { edges { node { id code } } } }",
            json!({}),
        )
        .await;
    programmes["loanProgrammes"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["code"] == code)
        .map(|e| e["node"]["id"].clone())
        .expect("seeded programme")
}

/// Each loan of the page has its own schedule, and owes what its schedule says.
async fn check_loans_page(app: &TestApp, loans: usize) {
    let data = app.ok(&app.admin_token, LOANS_PAGE, json!({})).await;
    let edges = data["loanApplications"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), loans);
    let mut owed = Vec::new();
    for e in edges {
        let node = &e["node"];
        let instalments = node["instalments"].as_array().unwrap();
        let numbers: Vec<_> = instalments
            .iter()
            .map(|i| i["number"].as_i64().unwrap())
            .collect();
        assert_eq!(numbers, vec![1, 2, 3], "{node:#}");
        let total: i64 = instalments
            .iter()
            .map(|i| i["totalVnd"].as_i64().unwrap())
            .sum();
        assert_eq!(node["outstandingVnd"].as_i64().unwrap(), total, "{node:#}");
        assert_eq!(node["programme"]["code"], "NEF_61_2015_WORKER", "{node:#}");
        assert!(node["client"]["fullName"].is_string(), "{node:#}");
        owed.push(total);
    }
    owed.sort_unstable();
    owed.dedup();
    assert_eq!(
        owed.len(),
        loans,
        "every loan owes its own amount: {owed:?}"
    );
}

async fn a_loan_page_costs_the_same_statements_for_2_and_10_loans(app: TestApp) {
    app.world().await;
    add_loans(&app, 0, 2).await;
    check_loans_page(&app, 2).await;
    let small = app
        .statements_for(&app.admin_token, LOANS_PAGE, json!({}))
        .await;
    add_loans(&app, 2, 10).await;
    check_loans_page(&app, 10).await;
    let large = app
        .statements_for(&app.admin_token, LOANS_PAGE, json!({}))
        .await;
    assert_eq!(
        small, large,
        "loans page: {small} statements for 2 loans, {large} for 10"
    );
}

/// For each of `n` new clients, a placement and an eligibility list naming them (and, from
/// the second list on, the previous client too, so lists have different entries).
async fn add_placements_and_lists(app: &TestApp, from: u32, to: u32) {
    let d08 = programme_id(app, "QD_08_2026_INDIVIDUAL").await;
    let placement = "mutation($input: CreatePlacementInput!) { createPlacement(input: $input) { placement { id } } }";
    let list = "mutation($input: CreateEligibilityListInput!) { createEligibilityList(input: $input) { list { id } } }";
    let entry = "mutation($input: AddEligibilityListEntryInput!) { addEligibilityListEntry(input: $input) { list { id } } }";
    let mut previous = None;
    for n in from..to {
        let client = app
            .create_client(&app.admin_token, client_input(COMMUNE_A, 800 + n))
            .await;
        let input = json!({ "clientId": client, "kind": "TRAINING", "referredOn": "2026-11-20" });
        app.ok(&app.admin_token, placement, json!({ "input": input }))
            .await;
        let input =
            json!({ "communeCode": COMMUNE_A, "programmeId": d08, "title": format!("Đợt {n}") });
        let data = app
            .ok(&app.admin_token, list, json!({ "input": input }))
            .await;
        let id = data["createEligibilityList"]["list"]["id"].clone();
        for c in std::iter::once(&client).chain(previous.as_ref()) {
            let input = json!({ "listId": id, "clientId": c, "note": format!("Mục {n}") });
            app.ok(&app.admin_token, entry, json!({ "input": input }))
                .await;
        }
        previous = Some(client);
    }
}

/// Every list of the page shows its own entries, in its CSV too.
fn check_lists_page(data: &serde_json::Value, lists: usize) {
    let edges = data["eligibilityLists"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), lists);
    for e in edges {
        let node = &e["node"];
        let entries = node["entries"].as_array().unwrap();
        assert!(!entries.is_empty(), "{node:#}");
        let csv = node["csv"].as_str().unwrap();
        assert_eq!(csv.lines().count(), entries.len() + 1, "{node:#}");
        for entry in entries {
            let name = entry["client"]["fullName"].as_str().unwrap();
            assert!(csv.contains(name), "{name} in {csv}");
        }
    }
}

async fn pages_of_placements_and_eligibility_lists_cost_the_same_for_2_and_10(app: TestApp) {
    app.world().await;
    add_placements_and_lists(&app, 0, 2).await;
    check_lists_page(&app.ok(&app.admin_token, LISTS_PAGE, json!({})).await, 2);
    // Warms the place cache (clients' communes), as the larger page will find it.
    app.ok(&app.admin_token, PLACEMENTS_PAGE, json!({})).await;
    let small_placements = app
        .statements_for(&app.admin_token, PLACEMENTS_PAGE, json!({}))
        .await;
    let small_lists = app
        .statements_for(&app.admin_token, LISTS_PAGE, json!({}))
        .await;
    add_placements_and_lists(&app, 2, 10).await;
    check_lists_page(&app.ok(&app.admin_token, LISTS_PAGE, json!({})).await, 10);
    let data = app
        .ok(&app.admin_token, "{ placements { totalCount } }", json!({}))
        .await;
    assert_eq!(data["placements"]["totalCount"], 10);
    let large_placements = app
        .statements_for(&app.admin_token, PLACEMENTS_PAGE, json!({}))
        .await;
    let large_lists = app
        .statements_for(&app.admin_token, LISTS_PAGE, json!({}))
        .await;
    assert_eq!(small_placements, large_placements, "placements page");
    assert_eq!(small_lists, large_lists, "eligibility lists page");
}
