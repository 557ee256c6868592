//! Loan programme terms changed through GraphQL: only a national administrator changes them,
//! every input is bounded, a change applies to applications submitted from its day on, and a
//! loan approved before keeps the rate it was approved at.

use chrono::Duration;
use entities::audit_entry;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tests::{TestApp, db_tests, world::COMMUNE_A};

db_tests!(
    programme_terms_are_changed_by_national_administrators_only_within_bounds,
    a_change_applies_from_its_day_and_approved_loans_keep_their_terms,
);

const CHANGE: &str = "mutation($input: ChangeLoanProgrammeTermsInput!) { changeLoanProgrammeTerms(input: $input) {
    programme { code maxAmountVnd maxTermMonths annualRateBp overdueRatePercent
      termChanges { effectiveFrom maxAmountVnd maxTermMonths annualRateBp overdueRatePercent reason } }
    change { effectiveFrom annualRateBp } } }";
const PROGRAMME: &str = "{ loanProgrammes(first: 50) { edges { node { id code maxAmountVnd maxTermMonths annualRateBp overdueRatePercent termChanges { effectiveFrom annualRateBp } } } } }";
const CREATE: &str = "mutation($input: CreateLoanApplicationInput!) { createLoanApplication(input: $input) { application { id } } }";
const STATUS: &str = "mutation($input: ChangeLoanStatusInput!) { changeLoanStatus(input: $input) { application { id status annualRateBp overdueRatePercent } } }";
const DISBURSE: &str = "mutation($input: DisburseLoanInput!) { disburseLoan(input: $input) { application { annualRateBp instalments { interestVnd } } } }";
const NEF: &str = "NEF_61_2015_WORKER";

async fn programme(app: &TestApp, code: &str) -> Value {
    let data = app.ok(&app.admin_token, PROGRAMME, json!({})).await;
    data["loanProgrammes"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["code"] == code)
        .map(|e| e["node"].clone())
        .unwrap()
}

fn day(app: &TestApp, days: i64) -> String {
    (domain::time::local_date(app.clock_now()) + Duration::days(days)).to_string()
}

async fn change_terms_audits(app: &TestApp) -> u64 {
    audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq("loan_programme.change_terms"))
        .count(&app.db)
        .await
        .unwrap()
}

async fn programme_terms_are_changed_by_national_administrators_only_within_bounds(app: TestApp) {
    let w = app.world().await;
    let nef = programme(&app, NEF).await;
    let id = nef["id"].as_str().unwrap();
    let tomorrow = day(&app, 1);
    let valid = json!({ "programmeId": id, "effectiveFrom": tomorrow, "annualRateBp": 700,
        "reason": "Quyết định của Thủ tướng điều chỉnh lãi suất" });
    let (_, provincial, _) = api::auth::credentials::bootstrap_administrator(
        &app.db,
        "Quản trị tỉnh",
        Some("01".to_owned()),
        app.clock_now(),
        Duration::days(1),
    )
    .await
    .map_err(|e| e.message())
    .unwrap();
    // Authority before existence: an officer, a partner key and a provincial administrator
    // are refused for a real and for an unknown programme alike.
    let unknown = json!({ "programmeId": api::graphql::ids::encode("LoanProgramme", uuid::Uuid::now_v7()),
        "effectiveFrom": tomorrow, "annualRateBp": 700, "reason": "x" });
    for secret in [&w.officer_a_token, &w.key_a, &provincial] {
        for input in [&valid, &unknown] {
            let code = app
                .error_code(secret, CHANGE, json!({ "input": input }))
                .await;
            assert_eq!(code, "FORBIDDEN", "{input}");
        }
    }
    assert_eq!(
        app.error_code(&app.admin_token, CHANGE, json!({ "input": unknown }))
            .await,
        "NOT_FOUND"
    );

    // Every bound names its field; nothing is written.
    let with = |patch: Value| {
        let mut input = valid.clone();
        input
            .as_object_mut()
            .unwrap()
            .extend(patch.as_object().unwrap().clone());
        input
    };
    let cases = [
        (json!({ "effectiveFrom": day(&app, -1) }), "effectiveFrom"),
        (json!({ "effectiveFrom": "2010-01-01" }), "effectiveFrom"),
        (json!({ "annualRateBp": 5001 }), "annualRateBp"),
        (json!({ "annualRateBp": -1 }), "annualRateBp"),
        (json!({ "overdueRatePercent": 99 }), "overdueRatePercent"),
        (json!({ "overdueRatePercent": 151 }), "overdueRatePercent"),
        (json!({ "maxTermMonths": 0 }), "maxTermMonths"),
        (json!({ "maxTermMonths": 241 }), "maxTermMonths"),
        (json!({ "maxAmountVnd": 0 }), "maxAmountVnd"),
        (
            json!({ "maxAmountVnd": 20_000_000_001_i64 }),
            "maxAmountVnd",
        ),
        (json!({ "reason": "   " }), "reason"),
        (json!({ "reason": "x".repeat(501) }), "reason"),
        (
            json!({ "annualRateBp": nef["annualRateBp"] }),
            "effectiveFrom",
        ),
    ];
    for (patch, field) in cases {
        let body = app
            .graphql(
                Some(&app.admin_token),
                CHANGE,
                json!({ "input": with(patch.clone()) }),
            )
            .await;
        let e = &body["errors"][0]["extensions"];
        assert_eq!(e["code"], "BAD_USER_INPUT", "{patch}: {body}");
        assert_eq!(e["field"], field, "{patch}: {body}");
    }
    assert_eq!(app.count("loan_programme_terms").await, 0);
    assert_eq!(change_terms_audits(&app).await, 0);

    // A national administrator's change is recorded and audited; a second one for the same
    // day is refused.
    let data = app
        .ok(&app.admin_token, CHANGE, json!({ "input": valid }))
        .await;
    let p = &data["changeLoanProgrammeTerms"]["programme"];
    assert_eq!(
        p["annualRateBp"], nef["annualRateBp"],
        "today's terms until tomorrow"
    );
    assert_eq!(p["maxAmountVnd"], nef["maxAmountVnd"]);
    assert_eq!(p["termChanges"][0]["effectiveFrom"], tomorrow.as_str());
    assert_eq!(p["termChanges"][0]["annualRateBp"], 700);
    assert_eq!(
        p["termChanges"][0]["maxTermMonths"], nef["maxTermMonths"],
        "carried over"
    );
    assert_eq!(change_terms_audits(&app).await, 1);
    let again = with(json!({ "annualRateBp": 710 }));
    let body = app
        .graphql(Some(&app.admin_token), CHANGE, json!({ "input": again }))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "effectiveFrom");
    assert_eq!(app.count("loan_programme_terms").await, 1);
    app.clock.advance(Duration::days(1));
    assert_eq!(programme(&app, NEF).await["annualRateBp"], 700);
}

async fn loan(app: &TestApp, serial: u32, programme: &str, amount: i64) -> String {
    let client = app
        .create_client(
            &app.admin_token,
            tests::world::client_input(COMMUNE_A, 900 + serial),
        )
        .await;
    let input = json!({ "clientId": client, "programmeId": programme, "amountVnd": amount,
        "termMonths": 12, "purpose": "Mua máy hàn để nhận việc tại nhà" });
    let data = app
        .ok(&app.admin_token, CREATE, json!({ "input": input }))
        .await;
    data["createLoanApplication"]["application"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn to(app: &TestApp, id: &str, status: &str) -> Value {
    let input = json!({ "applicationId": id, "status": status });
    let data = app
        .ok(&app.admin_token, STATUS, json!({ "input": input }))
        .await;
    data["changeLoanStatus"]["application"].clone()
}

async fn disburse(app: &TestApp, id: &str) -> Value {
    let input = json!({ "applicationId": id, "disbursedOn": day(app, 0), "frequency": "MONTHLY" });
    let data = app
        .ok(&app.admin_token, DISBURSE, json!({ "input": input }))
        .await;
    data["disburseLoan"]["application"].clone()
}

fn interest(a: &Value) -> i64 {
    a["instalments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["interestVnd"].as_i64().unwrap())
        .sum()
}

async fn a_change_applies_from_its_day_and_approved_loans_keep_their_terms(app: TestApp) {
    app.world().await;
    let nef = programme(&app, NEF).await;
    let id = nef["id"].as_str().unwrap().to_owned();
    let old_rate = nef["annualRateBp"].as_i64().unwrap();
    let new_rate = old_rate + 300;
    // Before the change: A approved, B submitted, C a draft over the coming cap.
    let a = loan(&app, 1, &id, 10_000_000).await;
    to(&app, &a, "SUBMITTED").await;
    let approved = to(&app, &a, "APPROVED").await;
    assert_eq!(approved["annualRateBp"], old_rate);
    assert_eq!(approved["overdueRatePercent"], nef["overdueRatePercent"]);
    let b = loan(&app, 2, &id, 10_000_000).await;
    to(&app, &b, "SUBMITTED").await;
    let c = loan(&app, 3, &id, 10_000_000).await;
    let input = json!({ "programmeId": id, "effectiveFrom": day(&app, 1), "annualRateBp": new_rate,
        "overdueRatePercent": 150, "maxAmountVnd": 8_000_000, "reason": "Điều chỉnh lãi suất cho vay" });
    app.ok(&app.admin_token, CHANGE, json!({ "input": input }))
        .await;

    app.clock.advance(Duration::days(1));
    let now = programme(&app, NEF).await;
    assert_eq!(now["annualRateBp"], new_rate);
    assert_eq!(now["maxAmountVnd"], 8_000_000);
    // A keeps the rate it was approved at; B was submitted before the change, so it is
    // approved at the old terms too.
    let a = disburse(&app, &a).await;
    assert_eq!(a["annualRateBp"], old_rate);
    let b_approved = to(&app, &b, "APPROVED").await;
    assert_eq!(b_approved["annualRateBp"], old_rate);
    assert_eq!(b_approved["overdueRatePercent"], nef["overdueRatePercent"]);
    let b = disburse(&app, &b).await;
    assert_eq!(interest(&a), interest(&b), "same amount, term and rate");
    // C is submitted after the change: the new cap refuses it, with nothing changed.
    let input = json!({ "applicationId": c, "status": "SUBMITTED" });
    let body = app
        .graphql(Some(&app.admin_token), STATUS, json!({ "input": input }))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    // A new application over the new cap is refused at once; one under it gets the new rate.
    let client = app
        .create_client(&app.admin_token, tests::world::client_input(COMMUNE_A, 904))
        .await;
    let over = json!({ "clientId": client, "programmeId": id, "amountVnd": 10_000_000,
        "termMonths": 12, "purpose": "Mua máy hàn" });
    let body = app
        .graphql(Some(&app.admin_token), CREATE, json!({ "input": over }))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "amountVnd",
        "{body}"
    );
    let d = loan(&app, 5, &id, 8_000_000).await;
    to(&app, &d, "SUBMITTED").await;
    let d_approved = to(&app, &d, "APPROVED").await;
    assert_eq!(d_approved["annualRateBp"], new_rate);
    assert_eq!(d_approved["overdueRatePercent"], 150);
    let d = disburse(&app, &d).await;
    assert_eq!(d["annualRateBp"], new_rate);
    assert!(
        interest(&d) > interest(&b) * 8 / 10,
        "a higher rate on 80% of the amount"
    );
}
