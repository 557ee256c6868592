//! Loans through GraphQL: the lifecycle (every allowed move, every refused one), the
//! programme's cap and term, the repayment schedule written on disbursement, repayments, and
//! commune scope.

use serde_json::{Value, json};
use tests::{TestApp, db_tests};

db_tests!(
    loan_lifecycle_allows_each_listed_move_and_refuses_every_other,
    a_rejected_loan_cannot_be_disbursed_and_a_repaid_loan_takes_no_repayment,
    a_programmes_cap_and_term_are_enforced_with_the_field_named,
    loans_of_another_commune_stay_hidden_and_unchanged,
    a_decision_08_loan_needs_the_client_on_a_certified_list_exported_as_csv,
);

const PROGRAMMES: &str = "query { loanProgrammes(first: 50) { totalCount edges { node { id code maxAmountVnd maxTermMonths annualRateBp } } } }";
const CREATE: &str = "mutation($input: CreateLoanApplicationInput!) { createLoanApplication(input: $input) { application { id status amountVnd termMonths communeCode } } }";
const CHANGE: &str = "mutation($input: ChangeLoanStatusInput!) { changeLoanStatus(input: $input) { application { id status } } }";
const DISBURSE: &str = "mutation($input: DisburseLoanInput!) { disburseLoan(input: $input) { application { id status disbursedOn frequency outstandingVnd instalments { number dueOn principalVnd interestVnd totalVnd } } } }";
const REPAY: &str = "mutation($input: RecordLoanRepaymentInput!) { recordLoanRepayment(input: $input) { application { id status outstandingVnd } repayment { amountVnd paidOn } } }";
const GET: &str = "query($id: ID!) { loanApplication(id: $id) { id status outstandingVnd } }";

/// Statuses a caller can ask `changeLoanStatus` for.
const ALL: [&str; 10] = [
    "DRAFT",
    "SUBMITTED",
    "APPROVED",
    "REJECTED",
    "DISBURSED",
    "REPAYING",
    "REPAID",
    "OVERDUE",
    "RESTRUCTURED",
    "WRITTEN_OFF",
];

async fn programme(app: &TestApp, code: &str) -> String {
    let data = app.ok(&app.admin_token, PROGRAMMES, json!({})).await;
    data["loanProgrammes"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["code"] == code)
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("programme {code} is seeded"))
}

fn input(client: &str, programme: &str, amount: i64, months: i64) -> Value {
    json!({
        "clientId": client,
        "programmeId": programme,
        "amountVnd": amount,
        "termMonths": months,
        "purpose": "Mua máy may để mở tiệm may tại nhà",
    })
}

async fn create(app: &TestApp, secret: &str, input: Value) -> String {
    let data = app.ok(secret, CREATE, json!({ "input": input })).await;
    assert_eq!(
        data["createLoanApplication"]["application"]["status"],
        "DRAFT"
    );
    data["createLoanApplication"]["application"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn status(app: &TestApp, id: &str) -> Value {
    app.ok(&app.admin_token, GET, json!({ "id": id })).await["loanApplication"]["status"].clone()
}

async fn change(app: &TestApp, id: &str, to: &str) {
    let data = app
        .ok(
            &app.admin_token,
            CHANGE,
            json!({ "input": { "applicationId": id, "status": to } }),
        )
        .await;
    assert_eq!(data["changeLoanStatus"]["application"]["status"], to);
}

/// Asks for every status except `allowed` and expects each to be refused with `CONFLICT`,
/// leaving the loan where it was.
async fn refuses_all_but(app: &TestApp, id: &str, allowed: &[&str]) {
    let before = status(app, id).await;
    for to in ALL.iter().filter(|s| !allowed.contains(s)) {
        let code = app
            .error_code(
                &app.admin_token,
                CHANGE,
                json!({ "input": { "applicationId": id, "status": to } }),
            )
            .await;
        assert_eq!(code, "CONFLICT", "{before} -> {to}");
        assert_eq!(status(app, id).await, before);
    }
}

async fn disburse(app: &TestApp, id: &str, on: &str) -> Value {
    let input = json!({ "applicationId": id, "disbursedOn": on, "frequency": "MONTHLY" });
    app.ok(&app.admin_token, DISBURSE, json!({ "input": input }))
        .await["disburseLoan"]["application"]
        .clone()
}

async fn repay(app: &TestApp, id: &str, amount: i64, on: &str) -> Value {
    let input = json!({ "applicationId": id, "amountVnd": amount, "paidOn": on });
    app.ok(&app.admin_token, REPAY, json!({ "input": input }))
        .await["recordLoanRepayment"]
        .clone()
}

async fn loan_lifecycle_allows_each_listed_move_and_refuses_every_other(app: TestApp) {
    let w = app.world().await;
    let nef = programme(&app, "NEF_61_2015_WORKER").await;
    let id = create(
        &app,
        &app.admin_token,
        input(&w.client_a, &nef, 12_000_000, 12),
    )
    .await;

    refuses_all_but(&app, &id, &["SUBMITTED"]).await;
    change(&app, &id, "SUBMITTED").await;
    refuses_all_but(&app, &id, &["APPROVED", "REJECTED"]).await;
    change(&app, &id, "APPROVED").await;
    // Approved → disbursed only through disburseLoan, which writes the schedule.
    refuses_all_but(&app, &id, &[]).await;

    let loan = disburse(&app, &id, "2026-11-30").await;
    assert_eq!(loan["status"], "DISBURSED");
    assert_eq!(loan["frequency"], "MONTHLY");
    let instalments = loan["instalments"].as_array().unwrap();
    assert_eq!(instalments.len(), 12);
    assert_eq!(instalments[0]["dueOn"], "2026-12-30");
    assert_eq!(instalments[11]["dueOn"], "2027-11-30");
    let principal: i64 = instalments
        .iter()
        .map(|i| i["principalVnd"].as_i64().unwrap())
        .sum();
    let total: i64 = instalments
        .iter()
        .map(|i| i["totalVnd"].as_i64().unwrap())
        .sum();
    assert_eq!(principal, 12_000_000);
    // 7.92% a year on 12, 11, …, 1 million for a month each: 78 × 66,000 = 514,800 đ.
    assert_eq!(total, 12_000_000 + 514_800);
    assert_eq!(loan["outstandingVnd"], total);
    // Repaying, repaid and overdue follow from repayments and the worker.
    refuses_all_but(&app, &id, &[]).await;

    let first = instalments[0]["totalVnd"].as_i64().unwrap();
    let after = repay(&app, &id, first, "2026-11-30").await;
    assert_eq!(after["application"]["status"], "REPAYING");
    assert_eq!(after["application"]["outstandingVnd"], total - first);
    refuses_all_but(&app, &id, &[]).await;

    let after = repay(&app, &id, total - first, "2026-11-30").await;
    assert_eq!(after["application"]["status"], "REPAID");
    assert_eq!(after["application"]["outstandingVnd"], 0);
    refuses_all_but(&app, &id, &[]).await;

    // The other branch: submitted → rejected, final.
    let other = create(
        &app,
        &app.admin_token,
        input(&w.client_a, &nef, 5_000_000, 6),
    )
    .await;
    change(&app, &other, "SUBMITTED").await;
    change(&app, &other, "REJECTED").await;
    refuses_all_but(&app, &other, &[]).await;
}

async fn a_rejected_loan_cannot_be_disbursed_and_a_repaid_loan_takes_no_repayment(app: TestApp) {
    let w = app.world().await;
    let nef = programme(&app, "NEF_61_2015_WORKER").await;
    let id = create(
        &app,
        &app.admin_token,
        input(&w.client_a, &nef, 3_000_000, 3),
    )
    .await;
    let disburse_input =
        json!({ "applicationId": id, "disbursedOn": "2026-11-30", "frequency": "MONTHLY" });
    // Not yet approved.
    assert_eq!(
        app.error_code(
            &app.admin_token,
            DISBURSE,
            json!({ "input": disburse_input })
        )
        .await,
        "CONFLICT"
    );
    change(&app, &id, "SUBMITTED").await;
    change(&app, &id, "REJECTED").await;
    let body = app
        .graphql(
            Some(&app.admin_token),
            DISBURSE,
            json!({ "input": disburse_input }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "CONFLICT");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("only an approved loan can be disbursed"),
        "{body:#}"
    );
    assert_eq!(app.count("loan_instalments").await, 0);

    // A repaid loan takes no repayment; nor does one that was never disbursed.
    let repay_input = json!({ "applicationId": id, "amountVnd": 1000, "paidOn": "2026-11-30" });
    assert_eq!(
        app.error_code(&app.admin_token, REPAY, json!({ "input": repay_input }))
            .await,
        "CONFLICT"
    );
    let paid = create(
        &app,
        &app.admin_token,
        input(&w.client_a, &nef, 3_000_000, 3),
    )
    .await;
    change(&app, &paid, "SUBMITTED").await;
    change(&app, &paid, "APPROVED").await;
    // A quarterly schedule needs a whole number of quarters: 3 months is one.
    let q = json!({ "applicationId": paid, "disbursedOn": "2026-11-30", "frequency": "QUARTERLY" });
    let data = app
        .ok(&app.admin_token, DISBURSE, json!({ "input": q }))
        .await;
    let owed = data["disburseLoan"]["application"]["outstandingVnd"]
        .as_i64()
        .unwrap();
    assert_eq!(
        data["disburseLoan"]["application"]["instalments"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // More than is owed is refused, and nothing is recorded.
    let too_much = json!({ "applicationId": paid, "amountVnd": owed + 1, "paidOn": "2026-11-30" });
    assert_eq!(
        app.error_code(&app.admin_token, REPAY, json!({ "input": too_much }))
            .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(app.count("loan_repayments").await, 0);
    assert_eq!(
        repay(&app, &paid, owed, "2026-11-30").await["application"]["status"],
        "REPAID"
    );
    let again = json!({ "applicationId": paid, "amountVnd": 1000, "paidOn": "2026-11-30" });
    let body = app
        .graphql(Some(&app.admin_token), REPAY, json!({ "input": again }))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "CONFLICT");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("a repaid loan takes no repayment")
    );
    assert_eq!(app.count("loan_repayments").await, 1);
}

fn field_of(body: &Value) -> (String, String) {
    let e = &body["errors"][0]["extensions"];
    (
        e["code"].as_str().unwrap_or_default().to_owned(),
        e["field"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn a_programmes_cap_and_term_are_enforced_with_the_field_named(app: TestApp) {
    let w = app.world().await;
    let nef = programme(&app, "NEF_61_2015_WORKER").await;
    let d08 = programme(&app, "QD_08_2026_INDIVIDUAL").await;
    let cases = [
        (input(&w.client_a, &nef, 100_000_001, 12), "amountVnd"),
        (input(&w.client_a, &nef, 0, 12), "amountVnd"),
        (input(&w.client_a, &nef, -5, 12), "amountVnd"),
        (input(&w.client_a, &nef, 20_000_000_001, 12), "amountVnd"),
        (input(&w.client_a, &nef, 1_000_000, 121), "termMonths"),
        (input(&w.client_a, &nef, 1_000_000, 0), "termMonths"),
        (input(&w.client_a, &d08, 200_000_001, 12), "amountVnd"),
        (input(&w.client_a, &d08, 1_000_000, 121), "termMonths"),
        (
            json!({ "clientId": w.client_a, "programmeId": nef, "amountVnd": 1, "termMonths": 1, "purpose": "x".repeat(1001) }),
            "purpose",
        ),
    ];
    for (input, field) in cases {
        let body = app
            .graphql(Some(&app.admin_token), CREATE, json!({ "input": input }))
            .await;
        assert_eq!(
            field_of(&body),
            ("BAD_USER_INPUT".to_owned(), field.to_owned()),
            "{input}: {body:#}"
        );
    }
    assert_eq!(app.count("loan_applications").await, 0);

    // At the caps, a Decision 08 loan is created; submitting it needs a certified list entry.
    let id = create(
        &app,
        &app.admin_token,
        input(&w.client_a, &d08, 200_000_000, 120),
    )
    .await;
    let body = app
        .graphql(
            Some(&app.admin_token),
            CHANGE,
            json!({ "input": { "applicationId": id, "status": "SUBMITTED" } }),
        )
        .await;
    assert_eq!(
        field_of(&body),
        ("BAD_USER_INPUT".to_owned(), "clientId".to_owned()),
        "{body:#}"
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("certified eligibility list")
    );
    assert_eq!(status(&app, &id).await, "DRAFT");
}

async fn loans_of_another_commune_stay_hidden_and_unchanged(app: TestApp) {
    let w = app.world().await;
    let nef = programme(&app, "NEF_61_2015_WORKER").await;
    let loan_b = create(
        &app,
        &app.admin_token,
        input(&w.client_b, &nef, 2_000_000, 2),
    )
    .await;
    let loan_a = create(
        &app,
        &app.admin_token,
        input(&w.client_a, &nef, 2_000_000, 2),
    )
    .await;

    // Officer of commune A: B's client and loan do not exist for them.
    let officer = &w.officer_a_token;
    assert_eq!(
        app.error_code(
            officer,
            CREATE,
            json!({ "input": input(&w.client_b, &nef, 1_000_000, 2) })
        )
        .await,
        "NOT_FOUND"
    );
    let seen = app.ok(officer, GET, json!({ "id": loan_b })).await;
    assert_eq!(seen["loanApplication"], Value::Null);
    assert_eq!(
        app.error_code(
            officer,
            CHANGE,
            json!({ "input": { "applicationId": loan_b, "status": "SUBMITTED" } })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(status(&app, &loan_b).await, "DRAFT");
    let list = app
        .ok(
            officer,
            "query { loanApplications(first: 50) { totalCount edges { node { id communeCode } } } }",
            json!({}),
        )
        .await;
    assert_eq!(list["loanApplications"]["totalCount"], 1);
    assert_eq!(list["loanApplications"]["edges"][0]["node"]["id"], loan_a);
    // Filtering by B's commune finds nothing rather than widening the scope.
    let list = app
        .ok(
            officer,
            "query($c: String!) { loanApplications(filter: { communeCode: $c }) { totalCount } }",
            json!({ "c": tests::world::COMMUNE_B }),
        )
        .await;
    assert_eq!(list["loanApplications"]["totalCount"], 0);

    // Partner key of commune A: same scope; a read-only key may not write, and is told so
    // before anything is looked up (an unknown id gives FORBIDDEN, not NOT_FOUND).
    assert_eq!(
        app.ok(&w.key_a, GET, json!({ "id": loan_b })).await["loanApplication"],
        Value::Null
    );
    let unknown = api::graphql::ids::encode("LoanApplication", uuid::Uuid::now_v7());
    assert_eq!(
        app.error_code(
            &w.key_a_readonly,
            CHANGE,
            json!({ "input": { "applicationId": unknown, "status": "SUBMITTED" } })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(
            &w.key_a_readonly,
            CREATE,
            json!({ "input": input(&w.client_a, &nef, 1_000_000, 2) })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(app.count("loan_applications").await, 2);
}

const CREATE_LIST: &str = "mutation($input: CreateEligibilityListInput!) { createEligibilityList(input: $input) { list { id status } } }";
const ADD_ENTRY: &str = "mutation($input: AddEligibilityListEntryInput!) { addEligibilityListEntry(input: $input) { list { id entries { note client { id } } } } }";
const LIST_STATUS: &str = "mutation($input: ChangeEligibilityListStatusInput!) { changeEligibilityListStatus(input: $input) { list { id status certifiedBy certifiedOn sentOn } } }";
const LIST_CSV: &str = "query($id: ID!) { eligibilityList(id: $id) { status csv } }";

async fn a_decision_08_loan_needs_the_client_on_a_certified_list_exported_as_csv(app: TestApp) {
    let w = app.world().await;
    let admin = &app.admin_token;
    let d08 = programme(&app, "QD_08_2026_INDIVIDUAL").await;
    let officer = &w.officer_a_token;
    let input = json!({ "communeCode": tests::world::COMMUNE_A, "programmeId": d08, "title": "Danh sách đợt 1 năm 2026" });
    let list = app
        .ok(officer, CREATE_LIST, json!({ "input": input }))
        .await["createEligibilityList"]["list"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // An officer of A cannot start a list for B, nor put B's client on A's list.
    let input = json!({ "communeCode": tests::world::COMMUNE_B, "programmeId": d08, "title": "x" });
    assert_eq!(
        app.error_code(officer, CREATE_LIST, json!({ "input": input }))
            .await,
        "NOT_FOUND"
    );
    let input = json!({ "listId": list, "clientId": w.client_b });
    assert_eq!(
        app.error_code(officer, ADD_ENTRY, json!({ "input": input }))
            .await,
        "NOT_FOUND"
    );
    let input = json!({ "listId": list, "clientId": w.client_b });
    let body = app
        .graphql(Some(admin), ADD_ENTRY, json!({ "input": input }))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "clientId");

    // An empty list is not certified; a draft is not sent to the bank.
    let certify = json!({ "listId": list, "status": "CERTIFIED", "certifiedBy": "Trần Văn Bình" });
    assert_eq!(
        app.error_code(officer, LIST_STATUS, json!({ "input": certify }))
            .await,
        "CONFLICT"
    );
    let send = json!({ "listId": list, "status": "SENT_TO_BANK" });
    assert_eq!(
        app.error_code(officer, LIST_STATUS, json!({ "input": send }))
            .await,
        "CONFLICT"
    );

    // Applying before the list is certified: refused on submission.
    let loan = create(&app, officer, input_for(&w.client_a, &d08)).await;
    let submit = json!({ "input": { "applicationId": loan, "status": "SUBMITTED" } });
    assert_eq!(
        app.error_code(officer, CHANGE, submit.clone()).await,
        "BAD_USER_INPUT"
    );

    let input = json!({ "listId": list, "clientId": w.client_a, "note": "=HYPERLINK(\"x\")" });
    let data = app.ok(officer, ADD_ENTRY, json!({ "input": input })).await;
    assert_eq!(
        data["addEligibilityListEntry"]["list"]["entries"][0]["client"]["id"],
        w.client_a
    );
    let input = json!({ "listId": list, "clientId": w.client_a });
    assert_eq!(
        app.error_code(officer, ADD_ENTRY, json!({ "input": input }))
            .await,
        "CONFLICT"
    );
    // Certifying needs the signer.
    let unsigned = json!({ "listId": list, "status": "CERTIFIED" });
    let body = app
        .graphql(Some(officer), LIST_STATUS, json!({ "input": unsigned }))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "certifiedBy");
    let data = app
        .ok(officer, LIST_STATUS, json!({ "input": certify }))
        .await;
    assert_eq!(
        data["changeEligibilityListStatus"]["list"]["status"],
        "CERTIFIED"
    );
    assert_eq!(
        data["changeEligibilityListStatus"]["list"]["certifiedOn"],
        "2026-11-30"
    );
    // Frozen once certified.
    let input = json!({ "listId": list, "clientId": w.client_a });
    assert_eq!(
        app.error_code(officer, ADD_ENTRY, json!({ "input": input }))
            .await,
        "CONFLICT"
    );

    // Now the application goes through.
    let data = app.ok(officer, CHANGE, submit).await;
    assert_eq!(
        data["changeLoanStatus"]["application"]["status"],
        "SUBMITTED"
    );
    let data = app.ok(officer, LIST_STATUS, json!({ "input": send })).await;
    assert_eq!(
        data["changeEligibilityListStatus"]["list"]["status"],
        "SENT_TO_BANK"
    );

    // The CSV: a header and one row; the national ID only for a caller allowed to read it,
    // and a value that a spreadsheet would run as a formula is defused.
    let csv = app.ok(admin, LIST_CSV, json!({ "id": list })).await["eligibilityList"]["csv"]
        .as_str()
        .unwrap()
        .to_owned();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "STT,Họ và tên,Ngày sinh,Số CCCD,Địa chỉ,Ghi chú");
    assert_eq!(
        lines[1],
        "\"1\",\"Nguyễn Văn An 1\",\"01/05/1990\",\"001090000001\",\"Số 1 phố Đội Cấn\",\"'=HYPERLINK(\"\"x\"\")\""
    );
    assert_eq!(lines.len(), 2);
    let readonly = app
        .ok(&w.key_a_readonly, LIST_CSV, json!({ "id": list }))
        .await["eligibilityList"]["csv"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(readonly.contains("\"01/05/1990\",\"\","), "{readonly}");
    // Another commune's officer does not see the list at all.
    let officer_b = app.officer_token(&w.officer_b).await;
    assert_eq!(
        app.ok(&officer_b, LIST_CSV, json!({ "id": list })).await["eligibilityList"],
        Value::Null
    );
}

fn input_for(client: &str, programme: &str) -> Value {
    input(client, programme, 50_000_000, 60)
}
