//! On PostgreSQL a page of `clients` reads the relations its selection asks for in the same
//! statement as the clients, and on both databases objects whose selected fields only read
//! what they hold resolve field after field (`GRAPHQL_ONE_STATEMENT_PAGES`). Whatever the
//! selection and the caller, the answer must be the engine's own: a replica with the setting
//! off, on the same database, is the reference.

use serde_json::{Value, json};
use tests::{
    Backend, TestApp,
    world::{COMMUNE_A, COMMUNE_B, World},
};

use crate::query_counts::{COMMUNE_PAGE, add_clients, patient};

/// Every field the one-statement read serves, through aliases, fragments, both `edges` and
/// `nodes`, two `first:` of the same list, a cursor and the count.
const EVERY_FIELD: &str = "query($commune: String!, $after: String, $n: Int!) {
  clients(first: 4, after: $after, filter: { communeCode: $commune }) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { ...Listed soon: upcomingCheckIns(first: 1) { id } } }
    nodes { __typename id upcomingAppointments(first: $n) { ...Appointment } } } }
  fragment Listed on Client {
    id fullName
    orders { __typename id decisionNumber startDate endDate status statusReason certificateNumber
             statusChangedAt communeCode
             assignments { __typename id role assignedOn endedOn officer { __typename id fullName role phone zaloUserId active provinceCode communeCode createdAt commune { code } } } }
    later: upcomingCheckIns(first: 3) { __typename id scheduledOn dueOn opensAt closesAt status missedAt }
    upcomingAppointments { ... on Appointment { id kind startsAt endsAt place status providerName communeCode createdAt updatedAt } }
  }
  fragment Appointment on Appointment { __typename id kind }";

/// Fields the one-statement read does not serve: those lists load as before, the others
/// still come from the statement.
const OTHER_FIELDS: &str = "query($commune: String!) {
  clients(first: 50, filter: { communeCode: $commune }) { edges { node {
    id orders { status pauses { reason } assignments { officer { fullName } } }
    upcomingCheckIns(first: 2) { dueOn checkIn { method } }
    upcomingAppointments(first: 2) { kind client { fullName } } } } } }";

/// A directive: the engine applies it, so the page is read as before.
const DIRECTIVES: &str = "query($commune: String!, $yes: Boolean!) {
  clients(first: 50, filter: { communeCode: $commune }) { edges { node {
    id orders @include(if: $yes) { status } upcomingCheckIns(first: 2) @skip(if: $yes) { dueOn } } } } }";

/// A `first:` the field refuses.
const BAD_FIRST: &str = "query($commune: String!) {
  clients(first: 50, filter: { communeCode: $commune }) { edges { node {
    id upcomingCheckIns(first: -1) { dueOn } upcomingAppointments(first: 1) { kind } } } } }";

tests::db_tests_with!(patient => one_statement_pages_answer_as_the_engine_does);

async fn one_statement_pages_answer_as_the_engine_does(app: TestApp) {
    let loaders = app
        .replica(|s| {
            patient(s);
            s.one_statement_pages = false;
        })
        .await;
    let w = app.world().await;
    add_clients(&app, &w.officer_a, 0, 6).await;
    widen(&app, &w).await;

    let no_officers = app
        .api_key(
            &["CLIENTS_READ", "ORDERS_READ", "SCHEDULES_READ"],
            &[COMMUNE_A],
        )
        .await;
    let no_schedules = app
        .api_key(
            &["CLIENTS_READ", "ORDERS_READ", "OFFICERS_READ"],
            &[COMMUNE_A],
        )
        .await;
    let callers = [
        ("administrator", app.admin_token.clone()),
        ("commune A key", w.key_a.clone()),
        ("officer A", w.officer_a_token.clone()),
        ("key without officers", no_officers),
        ("key without schedules", no_schedules),
        ("key of commune A read-only", w.key_a_readonly.clone()),
    ];
    let first_page = json!({ "commune": COMMUNE_A, "after": null, "n": 2 });
    let cursor = app
        .ok(&app.admin_token, EVERY_FIELD, first_page.clone())
        .await["clients"]["pageInfo"]["endCursor"]
        .clone();
    assert!(cursor.is_string());
    let reads = [
        (
            "commune page",
            COMMUNE_PAGE,
            json!({ "commune": COMMUNE_A }),
        ),
        (
            "commune B's page",
            COMMUNE_PAGE,
            json!({ "commune": COMMUNE_B }),
        ),
        ("every field", EVERY_FIELD, first_page),
        (
            "every field, second page",
            EVERY_FIELD,
            json!({ "commune": COMMUNE_A, "after": cursor, "n": 0 }),
        ),
        (
            "other fields",
            OTHER_FIELDS,
            json!({ "commune": COMMUNE_A }),
        ),
        (
            "directives",
            DIRECTIVES,
            json!({ "commune": COMMUNE_A, "yes": true }),
        ),
        ("bad first", BAD_FIRST, json!({ "commune": COMMUNE_A })),
    ];
    let mut served = 0;
    for (caller, secret) in &callers {
        for (read, query, vars) in &reads {
            let one = app.graphql(Some(secret), query, vars.clone()).await;
            let reference = loaders.graphql(Some(secret), query, vars.clone()).await;
            assert_eq!(
                comparable(&one),
                comparable(&reference),
                "{read} as {caller}"
            );
            if has_rows(&one) {
                served += 1;
            }
        }
    }
    assert!(served >= 20, "most reads return clients: {served}");

    // On PostgreSQL the page really is one statement (the commune's name is cached after the
    // first read).
    let vars = json!({ "commune": COMMUNE_A });
    app.ok(&w.key_a, COMMUNE_PAGE, vars.clone()).await;
    let expected = if app.backend == Backend::Postgres {
        1
    } else {
        4
    };
    assert_eq!(
        app.statements_for(&w.key_a, COMMUNE_PAGE, vars).await,
        expected
    );
}

/// Data the plain fixture lacks: a client whose order has no assignment, an officer of commune B
/// assigned in commune A (outside the scope of commune A's callers), a cancelled appointment
/// that must not show.
async fn widen(app: &TestApp, w: &World) {
    use sea_orm::ConnectionTrait;
    let unassigned = app
        .create_client(&app.admin_token, tests::world::client_input(COMMUNE_A, 90))
        .await;
    app.create_order(&app.admin_token, &unassigned).await;
    let assign = "mutation($input: AssignToOrderInput!) { assignToOrder(input: $input) { assignment { id } } }";
    let moved = app
        .create_officer(COMMUNE_A, "Đỗ Thị Hằng", "COMMUNE_POLICE_OFFICER")
        .await;
    let input = json!({ "orderId": w.order_a, "officerId": moved, "role": "SUPPORTER" });
    app.ok(&app.admin_token, assign, json!({ "input": input }))
        .await;
    // The supporter's records now say commune B (corrected by the province).
    app.db
        .execute_unprepared(&format!(
            "UPDATE officers SET commune_code = '{COMMUNE_B}' WHERE full_name = 'Đỗ Thị Hằng'"
        ))
        .await
        .unwrap();
    app.db
        .execute_unprepared(
            "UPDATE appointments SET status = 'cancelled' \
             WHERE id = (SELECT id FROM appointments ORDER BY id LIMIT 1)",
        )
        .await
        .unwrap();
    app.tick().await;
}

/// The body with its errors sorted: the engine reports field errors in the order their
/// fields finish, which varies from run to run on either path.
fn comparable(body: &Value) -> Value {
    let mut body = body.clone();
    if let Some(errors) = body.get_mut("errors").and_then(Value::as_array_mut) {
        errors.sort_by_key(Value::to_string);
    }
    body
}

fn has_rows(body: &Value) -> bool {
    body["data"]["clients"]["edges"]
        .as_array()
        .is_some_and(|edges| !edges.is_empty())
}
