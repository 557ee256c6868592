//! Placements through GraphQL: the training and job lifecycles (every allowed move, every
//! refused one), dates that cannot end before they start, the client's support summary, and
//! commune scope.

use serde_json::{Value, json};
use tests::{TestApp, db_tests};

db_tests!(
    placement_lifecycles_allow_each_listed_move_and_refuse_every_other,
    a_placement_cannot_end_before_it_starts,
    the_support_summary_shows_the_current_placement_and_loan_balance,
    placements_of_another_commune_stay_hidden_and_unchanged,
    providers_programmes_employers_and_openings_belong_to_their_commune,
);

const CREATE: &str = "mutation($input: CreatePlacementInput!) { createPlacement(input: $input) { placement { id kind status referredOn startsOn endsOn wageVnd communeCode } } }";
const UPDATE: &str = "mutation($input: UpdatePlacementInput!) { updatePlacement(input: $input) { placement { id status startsOn endsOn wageVnd tuitionPaidVnd } } }";
const GET: &str = "query($id: ID!) { placement(id: $id) { id status startsOn endsOn } }";
const SUMMARY: &str = "query($id: ID!) { clientSupportSummary(clientId: $id) { employed outstandingLoanVnd openLoans currentPlacement { id kind status } } }";

const ALL: [&str; 9] = [
    "REFERRED",
    "ENROLLED",
    "COMPLETED",
    "DROPPED_OUT",
    "INTERVIEWED",
    "HIRED",
    "NOT_HIRED",
    "EMPLOYED",
    "ENDED",
];

async fn create(app: &TestApp, secret: &str, client: &str, kind: &str) -> String {
    let input = json!({ "clientId": client, "kind": kind, "referredOn": "2026-11-20" });
    let data = app.ok(secret, CREATE, json!({ "input": input })).await;
    let p = &data["createPlacement"]["placement"];
    assert_eq!(p["status"], "REFERRED");
    assert_eq!(p["kind"], kind);
    p["id"].as_str().unwrap().to_owned()
}

async fn status(app: &TestApp, id: &str) -> Value {
    app.ok(&app.admin_token, GET, json!({ "id": id })).await["placement"]["status"].clone()
}

async fn move_to(app: &TestApp, id: &str, to: &str, details: Value) -> Value {
    let input = json!({ "placementId": id, "status": to, "details": details });
    let data = app
        .ok(&app.admin_token, UPDATE, json!({ "input": input }))
        .await;
    assert_eq!(data["updatePlacement"]["placement"]["status"], to);
    data["updatePlacement"]["placement"].clone()
}

/// Every status but `allowed` is refused with `CONFLICT` and changes nothing. Dates are sent
/// with each try so that an end-date check cannot be what refuses `ENDED`.
async fn refuses_all_but(app: &TestApp, id: &str, allowed: &[&str]) {
    let before = status(app, id).await;
    for to in ALL.iter().filter(|s| !allowed.contains(s)) {
        let input = json!({
            "placementId": id,
            "status": to,
            "details": { "startsOn": "2026-11-21", "endsOn": "2026-11-29" }
        });
        let code = app
            .error_code(&app.admin_token, UPDATE, json!({ "input": input }))
            .await;
        assert_eq!(code, "CONFLICT", "{before} -> {to}");
    }
    let after = app.ok(&app.admin_token, GET, json!({ "id": id })).await;
    assert_eq!(after["placement"]["status"], before);
}

async fn placement_lifecycles_allow_each_listed_move_and_refuse_every_other(app: TestApp) {
    let w = app.world().await;
    // Training: referred → enrolled → completed | dropped out.
    let t = create(&app, &app.admin_token, &w.client_a, "TRAINING").await;
    refuses_all_but(&app, &t, &["ENROLLED"]).await;
    move_to(
        &app,
        &t,
        "ENROLLED",
        json!({ "startsOn": "2026-11-23", "tuitionPaidVnd": 2_500_000 }),
    )
    .await;
    refuses_all_but(&app, &t, &["COMPLETED", "DROPPED_OUT"]).await;
    let done = move_to(&app, &t, "COMPLETED", json!({ "endsOn": "2026-11-28" })).await;
    assert_eq!(done["tuitionPaidVnd"], 2_500_000);
    refuses_all_but(&app, &t, &[]).await;

    let d = create(&app, &app.admin_token, &w.client_a, "TRAINING").await;
    move_to(&app, &d, "ENROLLED", json!({})).await;
    move_to(&app, &d, "DROPPED_OUT", json!({})).await;
    refuses_all_but(&app, &d, &[]).await;

    // Job: referred → interviewed → hired | not hired; hired → employed → ended.
    let j = create(&app, &app.admin_token, &w.client_a, "JOB").await;
    refuses_all_but(&app, &j, &["INTERVIEWED"]).await;
    move_to(&app, &j, "INTERVIEWED", json!({})).await;
    refuses_all_but(&app, &j, &["HIRED", "NOT_HIRED"]).await;
    move_to(&app, &j, "HIRED", json!({})).await;
    refuses_all_but(&app, &j, &["EMPLOYED"]).await;
    let employed = move_to(
        &app,
        &j,
        "EMPLOYED",
        json!({ "startsOn": "2026-11-24", "wageVnd": 6_500_000 }),
    )
    .await;
    assert_eq!(employed["wageVnd"], 6_500_000);
    refuses_all_but(&app, &j, &["ENDED"]).await;
    // Ending needs the end date.
    let input = json!({ "placementId": j, "status": "ENDED" });
    let body = app
        .graphql(Some(&app.admin_token), UPDATE, json!({ "input": input }))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "endsOn");
    move_to(&app, &j, "ENDED", json!({ "endsOn": "2026-11-29" })).await;
    refuses_all_but(&app, &j, &[]).await;

    let n = create(&app, &app.admin_token, &w.client_a, "JOB").await;
    move_to(&app, &n, "INTERVIEWED", json!({})).await;
    move_to(&app, &n, "NOT_HIRED", json!({})).await;
    refuses_all_but(&app, &n, &[]).await;
}

async fn a_placement_cannot_end_before_it_starts(app: TestApp) {
    let w = app.world().await;
    let input = json!({
        "clientId": w.client_a, "kind": "JOB",
        "details": { "startsOn": "2026-11-20", "endsOn": "2026-11-19" }
    });
    let body = app
        .graphql(Some(&app.admin_token), CREATE, json!({ "input": input }))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "endsOn");
    assert_eq!(app.count("placements").await, 0);

    let j = create(&app, &app.admin_token, &w.client_a, "JOB").await;
    move_to(&app, &j, "INTERVIEWED", json!({})).await;
    move_to(&app, &j, "HIRED", json!({})).await;
    move_to(&app, &j, "EMPLOYED", json!({ "startsOn": "2026-11-25" })).await;
    let input =
        json!({ "placementId": j, "status": "ENDED", "details": { "endsOn": "2026-11-24" } });
    let body = app
        .graphql(Some(&app.admin_token), UPDATE, json!({ "input": input }))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "endsOn",
        "{body:#}"
    );
    assert_eq!(status(&app, &j).await, "EMPLOYED");

    // Bounds: negative or huge amounts, a referral in the future, a job with a programme.
    let cases = [
        (
            json!({ "clientId": w.client_a, "kind": "JOB", "details": { "wageVnd": -1 } }),
            "wageVnd",
        ),
        (
            json!({ "clientId": w.client_a, "kind": "JOB", "details": { "stipendVnd": 1_000_000_001i64 } }),
            "stipendVnd",
        ),
        (
            json!({ "clientId": w.client_a, "kind": "JOB", "referredOn": "2027-01-01" }),
            "referredOn",
        ),
        (
            json!({ "clientId": w.client_a, "kind": "TRAINING", "details": { "supportNote": "x".repeat(501) } }),
            "supportNote",
        ),
    ];
    for (input, field) in cases {
        let body = app
            .graphql(Some(&app.admin_token), CREATE, json!({ "input": input }))
            .await;
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body:#}");
    }
    assert_eq!(app.count("placements").await, 1);
}

async fn the_support_summary_shows_the_current_placement_and_loan_balance(app: TestApp) {
    let w = app.world().await;
    let empty = app
        .ok(&app.admin_token, SUMMARY, json!({ "id": w.client_a }))
        .await;
    assert_eq!(
        empty["clientSupportSummary"],
        json!({ "employed": false, "outstandingLoanVnd": 0, "openLoans": 0, "currentPlacement": null })
    );
    let t = create(&app, &app.admin_token, &w.client_a, "TRAINING").await;
    move_to(&app, &t, "ENROLLED", json!({})).await;
    move_to(&app, &t, "COMPLETED", json!({})).await;
    let j = create(&app, &app.admin_token, &w.client_a, "JOB").await;
    move_to(&app, &j, "INTERVIEWED", json!({})).await;
    move_to(&app, &j, "HIRED", json!({})).await;
    move_to(
        &app,
        &j,
        "EMPLOYED",
        json!({ "startsOn": "2026-11-25", "wageVnd": 6_000_000 }),
    )
    .await;

    // A disbursed loan: 3,000,000 over three months at 7.92% owes 3,039,600 in all.
    let programmes = app
        .ok(&app.admin_token, "query { loanProgrammes(filter: { borrower: INDIVIDUAL }) { edges { node { id code } } } }", json!({}))
        .await;
    let nef = programmes["loanProgrammes"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["code"] == "NEF_61_2015_WORKER")
        .unwrap()["node"]["id"]
        .clone();
    let input = json!({ "clientId": w.client_a, "programmeId": nef, "amountVnd": 3_000_000, "termMonths": 3, "purpose": "Mua dụng cụ", "placementId": j });
    let id = app
        .ok(&app.admin_token, "mutation($input: CreateLoanApplicationInput!) { createLoanApplication(input: $input) { application { id } } }", json!({ "input": input }))
        .await["createLoanApplication"]["application"]["id"]
        .clone();
    for s in ["SUBMITTED", "APPROVED"] {
        app.ok(&app.admin_token, "mutation($input: ChangeLoanStatusInput!) { changeLoanStatus(input: $input) { application { id } } }", json!({ "input": { "applicationId": id, "status": s } })).await;
    }
    app.ok(&app.admin_token, "mutation($input: DisburseLoanInput!) { disburseLoan(input: $input) { application { id } } }", json!({ "input": { "applicationId": id, "disbursedOn": "2026-11-30", "frequency": "MONTHLY" } })).await;

    let s = app
        .ok(&app.admin_token, SUMMARY, json!({ "id": w.client_a }))
        .await;
    assert_eq!(
        s["clientSupportSummary"],
        json!({
            "employed": true,
            "outstandingLoanVnd": 3_039_600,
            "openLoans": 1,
            "currentPlacement": { "id": j, "kind": "JOB", "status": "EMPLOYED" }
        })
    );
    // The officer of commune A sees the same; the placements list filters by status.
    let s = app
        .ok(&w.officer_a_token, SUMMARY, json!({ "id": w.client_a }))
        .await;
    assert_eq!(s["clientSupportSummary"]["outstandingLoanVnd"], 3_039_600);
    let list = app
        .ok(&w.officer_a_token, "query { placements(filter: { status: COMPLETED, kind: TRAINING }) { totalCount edges { node { id } } } }", json!({}))
        .await;
    assert_eq!(list["placements"]["totalCount"], 1);
    assert_eq!(list["placements"]["edges"][0]["node"]["id"], t);
}

async fn placements_of_another_commune_stay_hidden_and_unchanged(app: TestApp) {
    let w = app.world().await;
    let b = create(&app, &app.admin_token, &w.client_b, "JOB").await;
    let officer = &w.officer_a_token;
    let input = json!({ "clientId": w.client_b, "kind": "JOB" });
    assert_eq!(
        app.error_code(officer, CREATE, json!({ "input": input }))
            .await,
        "NOT_FOUND"
    );
    let input = json!({ "placementId": b, "status": "INTERVIEWED" });
    assert_eq!(
        app.error_code(officer, UPDATE, json!({ "input": input }))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(status(&app, &b).await, "REFERRED");
    assert_eq!(
        app.ok(officer, GET, json!({ "id": b })).await["placement"],
        Value::Null
    );
    assert_eq!(
        app.error_code(officer, SUMMARY, json!({ "id": w.client_b }))
            .await,
        "NOT_FOUND"
    );
    let list = app
        .ok(officer, "query { placements { totalCount } }", json!({}))
        .await;
    assert_eq!(list["placements"]["totalCount"], 0);
    // A read-only partner key is refused writing before anything is looked up.
    let unknown = api::graphql::ids::encode("Placement", uuid::Uuid::now_v7());
    let input = json!({ "placementId": unknown, "status": "INTERVIEWED" });
    assert_eq!(
        app.error_code(&w.key_a_readonly, UPDATE, json!({ "input": input }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(app.count("placements").await, 1);
}

async fn providers_programmes_employers_and_openings_belong_to_their_commune(app: TestApp) {
    let w = app.world().await;
    let officer = &w.officer_a_token;
    let a = tests::world::COMMUNE_A;
    let b = tests::world::COMMUNE_B;
    let provider = "mutation($input: CreateTrainingProviderInput!) { createTrainingProvider(input: $input) { id communeCode kind } }";
    let programme = "mutation($input: CreateTrainingProgrammeInput!) { createTrainingProgramme(input: $input) { id communeCode costVnd fundingSource } }";
    let employer = "mutation($input: CreateEmployerInput!) { createEmployer(input: $input) { id communeCode } }";
    let opening = "mutation($input: CreateJobOpeningInput!) { createJobOpening(input: $input) { id communeCode wageVnd } }";

    let p = app.ok(officer, provider, json!({ "input": { "communeCode": a, "name": "Trung tâm GDNN quận Ba Đình", "kind": "VOCATIONAL_CENTRE" } })).await;
    let p = p["createTrainingProvider"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.error_code(
            officer,
            provider,
            json!({ "input": { "communeCode": b, "name": "X", "kind": "COMPANY" } })
        )
        .await,
        "NOT_FOUND"
    );
    let input = json!({ "providerId": p, "trade": "May công nghiệp", "durationDays": 90, "startsOn": "2026-12-07",
        "costVnd": 4_500_000, "fundingSource": "STATE_BUDGET", "seats": 20 });
    let prog =
        app.ok(officer, programme, json!({ "input": input })).await["createTrainingProgramme"]
            .clone();
    assert_eq!(prog["communeCode"], a);
    assert_eq!(prog["costVnd"], 4_500_000);
    for (bad, field) in [
        (json!({ "seats": 0 }), "seats"),
        (json!({ "durationDays": 0 }), "durationDays"),
        (json!({ "costVnd": -1 }), "costVnd"),
    ] {
        let mut input = input.clone();
        for (k, v) in bad.as_object().unwrap() {
            input[k] = v.clone();
        }
        let body = app
            .graphql(Some(officer), programme, json!({ "input": input }))
            .await;
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body:#}");
    }

    let e = app.ok(&app.admin_token, employer, json!({ "input": { "communeCode": b, "name": "Công ty May Ngọc Hà", "workforceTotal": 40, "workforceAfterRehab": 5 } })).await;
    let e_b = e["createEmployer"]["id"].as_str().unwrap().to_owned();
    let body = app.graphql(Some(officer), employer, json!({ "input": { "communeCode": a, "name": "X", "workforceTotal": 4, "workforceAfterRehab": 5 } })).await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "workforceAfterRehab"
    );
    // Officer A cannot add an opening to B's employer, nor refer a client to it.
    let input = json!({ "employerId": e_b, "title": "Công nhân may", "seats": 5, "opensOn": "2026-11-30", "wageVnd": 7_000_000 });
    assert_eq!(
        app.error_code(officer, opening, json!({ "input": input }))
            .await,
        "NOT_FOUND"
    );
    let o_b = app
        .ok(&app.admin_token, opening, json!({ "input": input }))
        .await["createJobOpening"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refer = json!({ "clientId": w.client_a, "kind": "JOB", "openingId": o_b });
    assert_eq!(
        app.error_code(officer, CREATE, json!({ "input": refer }))
            .await,
        "NOT_FOUND"
    );
    // Referring to A's programme works; a job placement cannot name a programme.
    let prog_id = prog["id"].as_str().unwrap();
    let refer = json!({ "clientId": w.client_a, "kind": "TRAINING", "programmeId": prog_id });
    app.ok(officer, CREATE, json!({ "input": refer })).await;
    let refer = json!({ "clientId": w.client_a, "kind": "JOB", "programmeId": prog_id });
    let body = app
        .graphql(Some(officer), CREATE, json!({ "input": refer }))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "programmeId");

    // Lists are scoped: officer A sees A's provider and programme, none of B's employers.
    let lists = app
        .ok(officer, "{ trainingProviders { totalCount } trainingProgrammes(filter: { from: \"2026-12-01\" }) { totalCount } employers { totalCount } jobOpenings { totalCount } }", json!({}))
        .await;
    assert_eq!(
        lists,
        json!({ "trainingProviders": { "totalCount": 1 }, "trainingProgrammes": { "totalCount": 1 }, "employers": { "totalCount": 0 }, "jobOpenings": { "totalCount": 0 } })
    );
    let all = app
        .ok(&app.admin_token, "{ employers { totalCount } jobOpenings(filter: { from: \"2026-12-01\", to: \"2026-12-31\" }) { totalCount } }", json!({}))
        .await;
    assert_eq!(
        all,
        json!({ "employers": { "totalCount": 1 }, "jobOpenings": { "totalCount": 1 } })
    );
}
