//! Loan instalments in the worker, end to end: the reminder three days before each
//! instalment (sent through the fake gateway, held back by quiet hours), and an unpaid
//! instalment past due marking the loan overdue once and alerting the case officer.

use chrono::{DateTime, TimeZone, Utc};
use entities::{loan_instalment, outbox_message};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use tests::{TestApp, db_tests, world::World};

use crate::support::{drain, fake_gateways, reload, sender, zns_ok, zns_to_client_a};

db_tests!(
    a_reminder_goes_three_days_before_each_instalment_once,
    a_reminder_planned_at_night_waits_for_the_morning,
    an_unpaid_instalment_past_due_makes_the_loan_overdue_and_alerts_once,
);

const PROGRAMMES: &str = "query { loanProgrammes(first: 50) { edges { node { id code } } } }";
const CREATE: &str = "mutation($input: CreateLoanApplicationInput!) { createLoanApplication(input: $input) { application { id } } }";
const CHANGE: &str = "mutation($input: ChangeLoanStatusInput!) { changeLoanStatus(input: $input) { application { id status } } }";
const DISBURSE: &str = "mutation($input: DisburseLoanInput!) { disburseLoan(input: $input) { application { id status } } }";
const REPAY: &str = "mutation($input: RecordLoanRepaymentInput!) { recordLoanRepayment(input: $input) { application { id status } } }";
const GET: &str = "query($id: ID!) { loanApplication(id: $id) { status outstandingVnd instalments { number dueOn totalVnd overdueAt } } }";

/// A 3,000,000 đ, three-month National Employment Fund loan of client A, disbursed on
/// Monday 30 November 2026: instalments due 30 December, 30 January and 28 February.
async fn disbursed_loan(app: &TestApp, w: &World) -> String {
    let admin = &app.admin_token;
    let data = app.ok(admin, PROGRAMMES, json!({})).await;
    let nef = data["loanProgrammes"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["code"] == "NEF_61_2015_WORKER")
        .unwrap()["node"]["id"]
        .clone();
    let input = json!({ "clientId": w.client_a, "programmeId": nef, "amountVnd": 3_000_000, "termMonths": 3, "purpose": "Mua dụng cụ sửa xe máy" });
    let id = app.ok(admin, CREATE, json!({ "input": input })).await["createLoanApplication"]
        ["application"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for status in ["SUBMITTED", "APPROVED"] {
        let input = json!({ "applicationId": id, "status": status });
        app.ok(admin, CHANGE, json!({ "input": input })).await;
    }
    let input = json!({ "applicationId": id, "disbursedOn": "2026-11-30", "frequency": "MONTHLY" });
    app.ok(admin, DISBURSE, json!({ "input": input })).await;
    id
}

/// The loan as the partner key of commune A sees it (keys do not expire when the clock moves
/// months ahead; bearer tokens do).
async fn loan(app: &TestApp, key: &str, id: &str) -> Value {
    app.ok(key, GET, json!({ "id": id })).await["loanApplication"].clone()
}

async fn messages(app: &TestApp, template: &str) -> Vec<outbox_message::Model> {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Template.eq(template))
        .order_by_asc(outbox_message::Column::DueAt)
        .all(&app.db)
        .await
        .unwrap()
}

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

async fn a_reminder_goes_three_days_before_each_instalment_once(app: TestApp) {
    let w = app.world().await;
    disbursed_loan(&app, &w).await;

    // Nothing on the day of disbursement, nor at 07:00 on 27 December (00:00 UTC).
    app.tick().await;
    app.clock.set(at(2026, 12, 27, 0));
    app.tick().await;
    assert!(messages(&app, "loan_instalment_reminder").await.is_empty());

    // 08:00 in Hà Nội on 27 December, three days before the first instalment.
    app.clock.set(at(2026, 12, 27, 1));
    let report = app.tick().await;
    assert_eq!(report.loan_reminders_queued, 1);
    assert_eq!(app.tick().await.loan_reminders_queued, 0);
    let reminders = messages(&app, "loan_instalment_reminder").await;
    assert_eq!(reminders.len(), 1);
    let reminder = reminders[0].clone();
    assert_eq!(reminder.client_id, Some(uuid_of("Client", &w.client_a)));
    assert_eq!(reminder.source_type, "loan_instalment");
    assert!(reminder.dedupe_key.starts_with("loan_instalment_reminder:"));
    let vars: Value = serde_json::from_str(&reminder.vars).unwrap();
    assert_eq!(vars["time"], "30/12/2026");
    // 1,000,000 principal + 3,000,000 × 7.92% / 12 = 19,800 interest.
    assert_eq!(vars["amount"], "1.019.800 đ");

    let fake = fake_gateways().await;
    zns_to_client_a(&reminder)
        .respond_with(zns_ok("zns-loan-1"))
        .expect(1)
        .mount(&fake)
        .await;
    let sender = sender(&app, &fake);
    assert_eq!(drain(&sender).await, 1);
    assert_eq!(reload(&app, reminder.id).await.status, "sent");

    // The second instalment's reminder waits for its own three days.
    app.clock.set(at(2027, 1, 26, 1));
    assert_eq!(app.tick().await.loan_reminders_queued, 0);
    app.clock.set(at(2027, 1, 27, 1));
    assert_eq!(app.tick().await.loan_reminders_queued, 1);
    assert_eq!(messages(&app, "loan_instalment_reminder").await.len(), 2);
}

async fn a_reminder_planned_at_night_waits_for_the_morning(app: TestApp) {
    let w = app.world().await;
    disbursed_loan(&app, &w).await;
    // 22:00 in Hà Nội on 27 December: the reminder is queued, and the sender holds it back
    // until quiet hours end at 07:00.
    app.clock.set(at(2026, 12, 27, 15));
    assert_eq!(app.tick().await.loan_reminders_queued, 1);
    let reminder = messages(&app, "loan_instalment_reminder").await[0].clone();
    let fake = fake_gateways().await;
    zns_to_client_a(&reminder)
        .respond_with(zns_ok("zns-loan-morning"))
        .expect(1)
        .mount(&fake)
        .await;
    let sender = sender(&app, &fake);
    sender.run_once().await.unwrap();
    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "deferred");
    assert_eq!(row.next_attempt_at, at(2026, 12, 28, 0));
    app.clock.set(at(2026, 12, 28, 0));
    drain(&sender).await;
    assert_eq!(reload(&app, reminder.id).await.status, "sent");
}

async fn an_unpaid_instalment_past_due_makes_the_loan_overdue_and_alerts_once(app: TestApp) {
    let w = app.world().await;
    let id = disbursed_loan(&app, &w).await;

    // Due on 30 December: still not overdue that day.
    app.clock.set(at(2026, 12, 30, 10));
    assert_eq!(app.tick().await.loan_instalments_overdue, 0);
    assert_eq!(loan(&app, &w.key_a, &id).await["status"], "DISBURSED");

    // 08:00 on 31 December: overdue, once, however many workers look.
    app.clock.set(at(2026, 12, 31, 1));
    let now = app.clock_now();
    let (a, b) = tokio::join!(
        store::loans::mark_overdue(&app.db, now),
        store::loans::mark_overdue(&app.db, now)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert_eq!(app.tick().await.loan_instalments_overdue, 0);
    let l = loan(&app, &w.key_a, &id).await;
    assert_eq!(l["status"], "OVERDUE");
    assert!(l["instalments"][0]["overdueAt"].is_string());
    assert!(l["instalments"][1]["overdueAt"].is_null());

    let alerts = messages(&app, "officer_loan_overdue").await;
    assert_eq!(alerts.len(), 1, "one alert, to the case officer of order A");
    assert_eq!(alerts[0].officer_id, Some(uuid_of("Officer", &w.officer_a)));
    assert_eq!(alerts[0].source_type, "loan_instalment");
    let vars: Value = serde_json::from_str(&alerts[0].vars).unwrap();
    assert_eq!(vars["name"], "Nguyễn Văn An 1");

    // Paying the overdue instalment puts the loan back to repaying.
    let first = l["instalments"][0]["totalVnd"].as_i64().unwrap();
    let input = json!({ "applicationId": id, "amountVnd": first, "paidOn": "2026-12-31" });
    let data = app.ok(&w.key_a, REPAY, json!({ "input": input })).await;
    assert_eq!(
        data["recordLoanRepayment"]["application"]["status"],
        "REPAYING"
    );

    // The second instalment is missed too: overdue again, then restructured, then written off.
    app.clock.set(at(2027, 1, 31, 1));
    assert_eq!(app.tick().await.loan_instalments_overdue, 1);
    assert_eq!(loan(&app, &w.key_a, &id).await["status"], "OVERDUE");
    assert_eq!(messages(&app, "officer_loan_overdue").await.len(), 2);
    for status in ["RESTRUCTURED", "WRITTEN_OFF"] {
        let input = json!({ "applicationId": id, "status": status });
        let data = app.ok(&w.key_a, CHANGE, json!({ "input": input })).await;
        assert_eq!(data["changeLoanStatus"]["application"]["status"], status);
    }
    // A written-off loan owes nothing the worker chases: no more overdue marks or alerts.
    app.clock.set(at(2027, 3, 5, 1));
    assert_eq!(app.tick().await.loan_instalments_overdue, 0);
    let unpaid_overdue = loan_instalment::Entity::find()
        .filter(loan_instalment::Column::OverdueAt.is_not_null())
        .all(&app.db)
        .await
        .unwrap()
        .len();
    assert_eq!(unpaid_overdue, 2);
}

fn uuid_of(kind: &str, id: &str) -> uuid::Uuid {
    api::graphql::ids::decode(kind, "id", &id.to_owned().into()).unwrap()
}
