//! Seats of training programmes and job openings through GraphQL: enrolling or hiring past
//! the last seat is refused (`CONFLICT`), two enrolments racing for the last seat let exactly
//! one through, and leaving (dropping out, the employment ending) frees the seat.

use serde_json::{Value, json};
use tests::{TestApp, db_tests, first_error_code, world::COMMUNE_A, world::client_input};

db_tests!(
    two_enrolments_racing_for_the_last_seat_let_exactly_one_through,
    hiring_past_the_openings_seats_is_refused_until_a_job_ends,
);

const CREATE: &str = "mutation($input: CreatePlacementInput!) { createPlacement(input: $input) { placement { id } } }";
const UPDATE: &str = "mutation($input: UpdatePlacementInput!) { updatePlacement(input: $input) { placement { id status } } }";

fn id(v: &Value) -> String {
    v.as_str().unwrap().to_owned()
}

async fn refer(app: &TestApp, client: &str, kind: &str, place: (&str, &str)) -> String {
    let input = json!({ "clientId": client, "kind": kind, place.0: place.1 });
    id(&app
        .ok(&app.admin_token, CREATE, json!({ "input": input }))
        .await["createPlacement"]["placement"]["id"])
}

async fn try_move(app: &TestApp, placement: &str, to: &str, details: Value) -> Value {
    let input = json!({ "placementId": placement, "status": to, "details": details });
    app.graphql(Some(&app.admin_token), UPDATE, json!({ "input": input }))
        .await
}

async fn moved(app: &TestApp, placement: &str, to: &str, details: Value) {
    let body = try_move(app, placement, to, details).await;
    assert_eq!(
        body["data"]["updatePlacement"]["placement"]["status"], to,
        "{body:#}"
    );
}

async fn clients(app: &TestApp, n: u32) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(
            app.create_client(&app.admin_token, client_input(COMMUNE_A, 900 + i))
                .await,
        );
    }
    ids
}

async fn two_enrolments_racing_for_the_last_seat_let_exactly_one_through(app: TestApp) {
    app.world().await;
    let provider = app.ok(&app.admin_token, "mutation($input: CreateTrainingProviderInput!) { createTrainingProvider(input: $input) { id } }",
        json!({ "input": { "communeCode": COMMUNE_A, "name": "Trung tâm GDNN", "kind": "VOCATIONAL_CENTRE" } })).await;
    let programme = app.ok(&app.admin_token, "mutation($input: CreateTrainingProgrammeInput!) { createTrainingProgramme(input: $input) { id } }",
        json!({ "input": { "providerId": provider["createTrainingProvider"]["id"], "trade": "May công nghiệp", "durationDays": 90,
            "costVnd": 0, "fundingSource": "STATE_BUDGET", "seats": 2 } })).await;
    let programme = id(&programme["createTrainingProgramme"]["id"]);
    let people = clients(&app, 4).await;
    let mut placements = Vec::new();
    for c in &people {
        placements.push(refer(&app, c, "TRAINING", ("programmeId", &programme)).await);
    }
    moved(&app, &placements[0], "ENROLLED", json!({})).await;

    // Two enrolments for the one seat left, at the same time.
    let (a, b) = tokio::join!(
        try_move(&app, &placements[1], "ENROLLED", json!({})),
        try_move(&app, &placements[2], "ENROLLED", json!({})),
    );
    let codes = [first_error_code(&a), first_error_code(&b)];
    assert_eq!(
        codes.iter().filter(|c| c.is_none()).count(),
        1,
        "{a:#} {b:#}"
    );
    assert_eq!(
        codes.iter().flatten().collect::<Vec<_>>(),
        vec!["CONFLICT"],
        "{a:#} {b:#}"
    );
    let (winner, loser) = if codes[0].is_none() {
        (&placements[1], &placements[2])
    } else {
        (&placements[2], &placements[1])
    };
    let loser_body = if codes[0].is_none() { &b } else { &a };
    let message = loser_body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("no seat left"), "{message}");
    let enrolled = app
        .ok(&app.admin_token, "query($p: ID!) { placements(filter: { programmeId: $p, status: ENROLLED }) { totalCount } }", json!({ "p": programme }))
        .await;
    assert_eq!(enrolled["placements"]["totalCount"], 2);

    // Completing keeps the seat; dropping out frees it for the next person.
    moved(&app, &placements[0], "COMPLETED", json!({})).await;
    let body = try_move(&app, loser, "ENROLLED", json!({})).await;
    assert_eq!(first_error_code(&body).as_deref(), Some("CONFLICT"));
    moved(&app, winner, "DROPPED_OUT", json!({})).await;
    moved(&app, loser, "ENROLLED", json!({})).await;
    let body = try_move(&app, &placements[3], "ENROLLED", json!({})).await;
    assert_eq!(first_error_code(&body).as_deref(), Some("CONFLICT"));
}

async fn hiring_past_the_openings_seats_is_refused_until_a_job_ends(app: TestApp) {
    app.world().await;
    let employer = app
        .ok(
            &app.admin_token,
            "mutation($input: CreateEmployerInput!) { createEmployer(input: $input) { id } }",
            json!({ "input": { "communeCode": COMMUNE_A, "name": "Công ty May Ngọc Hà" } }),
        )
        .await;
    let opening = app.ok(&app.admin_token, "mutation($input: CreateJobOpeningInput!) { createJobOpening(input: $input) { id } }",
        json!({ "input": { "employerId": employer["createEmployer"]["id"], "title": "Công nhân may", "seats": 1, "opensOn": "2026-11-30", "wageVnd": 7_000_000 } })).await;
    let opening = id(&opening["createJobOpening"]["id"]);
    let people = clients(&app, 2).await;
    let first = refer(&app, &people[0], "JOB", ("openingId", &opening)).await;
    let second = refer(&app, &people[1], "JOB", ("openingId", &opening)).await;
    for p in [&first, &second] {
        moved(&app, p, "INTERVIEWED", json!({})).await;
    }
    moved(&app, &first, "HIRED", json!({})).await;
    let body = try_move(&app, &second, "HIRED", json!({})).await;
    assert_eq!(
        first_error_code(&body).as_deref(),
        Some("CONFLICT"),
        "{body:#}"
    );
    // Still interviewed: the refusal changed nothing.
    let still = app
        .ok(
            &app.admin_token,
            "query($id: ID!) { placement(id: $id) { status } }",
            json!({ "id": second }),
        )
        .await;
    assert_eq!(still["placement"]["status"], "INTERVIEWED");
    // Being employed keeps the position; the employment ending frees it.
    moved(
        &app,
        &first,
        "EMPLOYED",
        json!({ "startsOn": "2026-11-21" }),
    )
    .await;
    let body = try_move(&app, &second, "HIRED", json!({})).await;
    assert_eq!(first_error_code(&body).as_deref(), Some("CONFLICT"));
    moved(&app, &first, "ENDED", json!({ "endsOn": "2026-11-28" })).await;
    moved(&app, &second, "HIRED", json!({})).await;
}
