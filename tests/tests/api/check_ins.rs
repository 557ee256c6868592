//! Check-in plans, occurrences and check-ins, end to end: plan, move the clock, check in by
//! mutation, by link and by reply, let a window close and see it missed exactly once.

use chrono::Duration;
use serde_json::{Value, json};
use tests::{TestApp, db_tests};

db_tests!(
    check_in_by_mutation_link_and_reply_then_a_miss,
    missed_detection_runs_once_even_concurrently,
    plan_changes_move_only_future_occurrences,
    bad_plans_and_check_ins_are_refused,
    pauses_and_suspension_withdraw_future_check_ins,
    free_text_replies_are_kept_for_the_officer,
);

const CREATE_PLAN: &str = "mutation($input: CreateCheckInPlanInput!) { createCheckInPlan(input: $input) { plan { id startsOn endsOn opensAt rule { weekly { weekdays intervalWeeks } } } } }";
const UPCOMING: &str = "query($c: ID!) { client(id: $c) { upcomingCheckIns(first: 3) { id dueOn opensAt closesAt status } } }";
const RECORD: &str = "mutation($input: RecordCheckInInput!) { recordCheckIn(input: $input) { occurrence { status } checkIn { method late wellbeing } } }";

fn weekly_plan(order: &str) -> Value {
    json!({ "orderId": order, "rule": { "weekly": { "weekdays": ["MON", "THU"] } }, "opensAt": "08:00", "windowMinutes": 240 })
}

async fn upcoming(app: &TestApp, secret: &str, client: &str) -> Vec<Value> {
    let data = app.ok(secret, UPCOMING, json!({ "c": client })).await;
    data["client"]["upcomingCheckIns"]
        .as_array()
        .unwrap()
        .clone()
}

async fn check_in_by_mutation_link_and_reply_then_a_miss(app: TestApp) {
    let w = app.world().await;
    let data = app
        .ok(
            &w.officer_a_token,
            CREATE_PLAN,
            json!({ "input": weekly_plan(&w.order_a) }),
        )
        .await;
    assert_eq!(data["createCheckInPlan"]["plan"]["startsOn"], "2026-11-30");
    assert_eq!(
        data["createCheckInPlan"]["plan"]["endsOn"], "2028-10-19",
        "defaults to the order's end"
    );
    // Monday 30 Nov 2026, 08:00 in Hà Nội: today's window (08:00–12:00 local) is open.
    let next = upcoming(&app, &w.officer_a_token, &w.client_a).await;
    assert_eq!(next[0]["dueOn"], "2026-11-30");
    assert_eq!(next[0]["opensAt"], "2026-11-30T01:00:00+00:00");
    assert_eq!(next[0]["closesAt"], "2026-11-30T05:00:00+00:00");
    assert_eq!(next[1]["dueOn"], "2026-12-03");
    // Prompts and nudges are in the outbox, written with the plan.
    assert!(app.count("outbox_messages").await >= 4);

    // 1. By mutation, in person.
    let input = json!({ "occurrenceId": next[0]["id"], "method": "IN_PERSON", "wellbeing": "OK" });
    let data = app
        .ok(
            &w.officer_a_token,
            RECORD,
            json!({ "input": input.clone() }),
        )
        .await;
    assert_eq!(data["recordCheckIn"]["occurrence"]["status"], "CHECKED_IN");
    assert_eq!(data["recordCheckIn"]["checkIn"]["late"], false);
    assert_eq!(
        app.error_code(&w.officer_a_token, RECORD, json!({ "input": input }))
            .await,
        "CONFLICT"
    );

    // 2. By link, on Thursday.
    app.clock
        .set(tests::test_start() + Duration::days(3) + Duration::hours(1));
    app.tick().await;
    let thursday = upcoming(&app, &w.officer_a_token, &w.client_a).await[0].clone();
    assert_eq!(thursday["dueOn"], "2026-12-03");
    let m = "mutation($o: ID!) { checkInLink(occurrenceId: $o) { url expiresAt } }";
    let data = app.ok(&w.key_a, m, json!({ "o": thursday["id"] })).await;
    let url = data["checkInLink"]["url"]
        .as_str()
        .unwrap()
        .replace("http://127.0.0.1:8080", &app.address);
    let page = app.http.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("Nguyễn") && html.contains("Tôi xác nhận"),
        "the page names no one"
    );
    let status: Value = app.ok(&w.key_a, UPCOMING, json!({ "c": w.client_a })).await;
    assert_eq!(
        status["client"]["upcomingCheckIns"][0]["dueOn"], "2026-12-03",
        "GET changes nothing"
    );
    assert_eq!(app.http.post(&url).send().await.unwrap().status(), 200);
    let again = app.http.post(&url).send().await.unwrap();
    assert_eq!(again.status(), 410, "a link works once");
    assert!(!again.text().await.unwrap().contains("Nguyễn"));

    // 3. By SMS reply, next Monday, with "need help": the case officer is alerted.
    app.clock
        .set(tests::test_start() + Duration::days(7) + Duration::hours(2));
    app.tick().await;
    let phone = domain::Phone::parse("0912 000 001").unwrap();
    let outcome = api::schedules::check_ins::record_reply(
        &app.db,
        api::schedules::check_ins::ReplySender::Phone(phone.clone()),
        "Cần giúp",
        app.clock_now(),
        &app.planning.escalation_defaults,
    )
    .await
    .map_err(|e| e.message())
    .unwrap();
    assert!(
        matches!(
            outcome,
            api::schedules::check_ins::ReplyOutcome::CheckedIn(_)
        ),
        "{outcome:?}"
    );
    let alerts = "SELECT COUNT(*) AS n FROM outbox_messages WHERE template = 'officer_help_requested' AND urgent";
    assert_eq!(count_sql(&app, alerts).await, 1);
    let sender = worker::sender::Sender::new(
        app.db.clone(),
        worker::gateways::Gateways::console_only(),
        std::sync::Arc::new(app.clock.clone()),
        store::policy::Policy::defaults(),
        store::settings::SenderSettings::default(),
    );
    sender.run_once().await.unwrap();
    let sent = "SELECT COUNT(*) AS n FROM outbox_messages WHERE template = 'officer_help_requested' AND status = 'sent'";
    assert_eq!(
        count_sql(&app, sent).await,
        1,
        "the alert renders and reaches the officer"
    );

    // 4. Thursday 10 Dec: nobody checks in; at 12:00 local the window closes.
    app.clock
        .set(tests::test_start() + Duration::days(10) + Duration::hours(4));
    assert_eq!(app.tick().await.occurrences_missed, 1);
    assert_eq!(app.tick().await.occurrences_missed, 0, "missed once");
    let q = "query($c: ID!) { checkInOccurrences(filter: { clientId: $c, status: MISSED }) { totalCount edges { node { id missedAt closesAt } } } }";
    let data = app
        .ok(&w.officer_a_token, q, json!({ "c": w.client_a }))
        .await;
    let missed = &data["checkInOccurrences"]["edges"][0]["node"];
    assert_eq!(
        missed["missedAt"], missed["closesAt"],
        "missed at the deterministic instant"
    );
    // A late check-in is kept and marked late.
    let input = json!({ "occurrenceId": missed["id"], "method": "HOME_VISIT" });
    let data = app
        .ok(&w.officer_a_token, RECORD, json!({ "input": input }))
        .await;
    assert_eq!(data["recordCheckIn"]["occurrence"]["status"], "LATE");
    assert_eq!(data["recordCheckIn"]["checkIn"]["late"], true);

    let q = "query($c: ID!) { compliance(clientId: $c, from: \"2026-11-01\", to: \"2026-12-31\") { due onTime late missed onTimeRate } }";
    let data = app
        .ok(&w.officer_a_token, q, json!({ "c": w.client_a }))
        .await;
    assert_eq!(
        data["compliance"],
        json!({ "due": 4, "onTime": 3, "late": 1, "missed": 0, "onTimeRate": 0.75 })
    );
    // Another reply now finds no open window.
    let outcome = api::schedules::check_ins::record_reply(
        &app.db,
        api::schedules::check_ins::ReplySender::Phone(phone),
        "CO",
        app.clock_now(),
        &app.planning.escalation_defaults,
    )
    .await
    .map_err(|e| e.message())
    .unwrap();
    assert_eq!(
        outcome,
        api::schedules::check_ins::ReplyOutcome::NoOpenCheckIn
    );
}

async fn count_sql(app: &TestApp, sql: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

async fn missed_detection_runs_once_even_concurrently(app: TestApp) {
    let w = app.world().await;
    app.ok(
        &w.officer_a_token,
        CREATE_PLAN,
        json!({ "input": weekly_plan(&w.order_a) }),
    )
    .await;
    app.ok(
        &app.admin_token,
        CREATE_PLAN,
        json!({ "input": weekly_plan(&w.order_b) }),
    )
    .await;
    app.clock.set(tests::test_start() + Duration::days(4));
    // Two detectors at once (two workers on PostgreSQL; serialised by SQLite's single writer).
    let now = app.clock_now();
    let (a, b) = tokio::join!(
        store::occurrences::mark_missed(&app.db, now),
        store::occurrences::mark_missed(&app.db, now)
    );
    let total = a.unwrap().len() + b.unwrap().len();
    assert_eq!(
        total, 4,
        "Monday and Thursday of both clients, each exactly once"
    );
    assert_eq!(app.tick().await.occurrences_missed, 0);
}

async fn plan_changes_move_only_future_occurrences(app: TestApp) {
    let w = app.world().await;
    let data = app
        .ok(
            &w.officer_a_token,
            CREATE_PLAN,
            json!({ "input": weekly_plan(&w.order_a) }),
        )
        .await;
    let plan = data["createCheckInPlan"]["plan"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let today = upcoming(&app, &w.officer_a_token, &w.client_a).await[0].clone();
    app.ok(
        &w.officer_a_token,
        RECORD,
        json!({ "input": { "occurrenceId": today["id"], "method": "PHONE_CALL" } }),
    )
    .await;
    let m = "mutation($input: ChangeCheckInPlanInput!) { changeCheckInPlan(input: $input) { plan { id startsOn rule { everyNDays } } } }";
    let change = |from: &str| json!({ "planId": plan, "effectiveFrom": from, "rule": { "everyNDays": 3 }, "opensAt": "09:00", "windowMinutes": 120 });
    assert_eq!(
        app.error_code(
            &w.officer_a_token,
            m,
            json!({ "input": change("2026-11-30") })
        )
        .await,
        "BAD_USER_INPUT",
        "not today"
    );
    let data = app
        .ok(
            &w.officer_a_token,
            m,
            json!({ "input": change("2026-12-05") }),
        )
        .await;
    assert_eq!(data["changeCheckInPlan"]["plan"]["startsOn"], "2026-12-05");
    let q = "query($c: ID!) { checkInOccurrences(filter: { clientId: $c }, first: 100) { edges { node { dueOn status opensAt } } } }";
    let data = app
        .ok(&w.officer_a_token, q, json!({ "c": w.client_a }))
        .await;
    let rows: Vec<(String, String)> = data["checkInOccurrences"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["dueOn"].as_str().unwrap().to_owned(),
                e["node"]["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        rows.contains(&("2026-11-30".into(), "CHECKED_IN".into())),
        "the past check-in stays"
    );
    assert!(
        rows.contains(&("2026-12-03".into(), "SCHEDULED".into())),
        "before the change date nothing moves"
    );
    assert!(
        !rows
            .iter()
            .any(|(d, s)| d.as_str() >= "2026-12-05" && s == "SCHEDULED" && d == "2026-12-07"),
        "Monday 7 Dec of the old rule is withdrawn"
    );
    assert!(
        rows.contains(&("2026-12-05".into(), "SCHEDULED".into()))
            && rows.contains(&("2026-12-08".into(), "SCHEDULED".into())),
        "the new rule runs: {rows:?}"
    );
    assert_eq!(
        app.error_code(
            &w.officer_a_token,
            m,
            json!({ "input": change("2026-12-10") })
        )
        .await,
        "CONFLICT",
        "the old plan is replaced"
    );
}

async fn bad_plans_and_check_ins_are_refused(app: TestApp) {
    let w = app.world().await;
    let plans_before = app.count("check_in_plans").await;
    let outbox_before = app.count("outbox_messages").await;
    let mut closes_before_open = weekly_plan(&w.order_a);
    closes_before_open["windowMinutes"] = json!(0);
    let mut no_occurrence = weekly_plan(&w.order_a);
    no_occurrence["rule"] = json!({ "monthlyOnDay": 20 });
    no_occurrence["startsOn"] = json!("2026-12-01");
    no_occurrence["endsOn"] = json!("2026-12-05");
    let mut two_rules = weekly_plan(&w.order_a);
    two_rules["rule"]["everyNDays"] = json!(2);
    let mut bad_time = weekly_plan(&w.order_a);
    bad_time["opensAt"] = json!("25:00");
    let mut past = weekly_plan(&w.order_a);
    past["startsOn"] = json!("2026-11-01");
    for (name, input) in [
        ("window", closes_before_open),
        ("no occurrence", no_occurrence),
        ("two rules", two_rules),
        ("time", bad_time),
        ("past", past),
    ] {
        assert_eq!(
            app.error_code(&w.officer_a_token, CREATE_PLAN, json!({ "input": input }))
                .await,
            "BAD_USER_INPUT",
            "{name}"
        );
    }
    assert_eq!(
        app.error_code(
            &w.officer_a_token,
            CREATE_PLAN,
            json!({ "input": weekly_plan(&w.order_b) })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(app.count("check_in_plans").await, plans_before);
    assert_eq!(app.count("outbox_messages").await, outbox_before);
    // Another commune's occurrence cannot be checked in, seen or linked.
    app.ok(
        &app.admin_token,
        CREATE_PLAN,
        json!({ "input": weekly_plan(&w.order_b) }),
    )
    .await;
    let b_occ = upcoming(&app, &app.admin_token, &w.client_b).await[0]["id"].clone();
    for secret in [&w.officer_a_token, &w.key_a] {
        let input = json!({ "occurrenceId": b_occ, "method": "IN_PERSON" });
        assert_eq!(
            app.error_code(secret, RECORD, json!({ "input": input }))
                .await,
            "NOT_FOUND"
        );
        let data = app
            .ok(secret, "{ checkInOccurrences { totalCount } }", json!({}))
            .await;
        assert_eq!(data["checkInOccurrences"]["totalCount"], 0);
        assert_eq!(
            app.error_code(
                secret,
                "mutation($o: ID!) { checkInLink(occurrenceId: $o) { url } }",
                json!({ "o": b_occ })
            )
            .await,
            "NOT_FOUND"
        );
    }
    // A window closed more than a week ago.
    app.clock.advance(Duration::days(9));
    let input = json!({ "occurrenceId": b_occ, "method": "IN_PERSON" });
    assert_eq!(
        app.error_code(&app.admin_token, RECORD, json!({ "input": input }))
            .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(app.count("check_ins").await, 0);
}

async fn pauses_and_suspension_withdraw_future_check_ins(app: TestApp) {
    let w = app.world().await;
    app.ok(
        &w.officer_a_token,
        CREATE_PLAN,
        json!({ "input": weekly_plan(&w.order_a) }),
    )
    .await;
    let m = "mutation($input: AddOrderPauseInput!) { addOrderPause(input: $input) { order { endDate } } }";
    let pause = json!({ "orderId": w.order_a, "startsOn": "2026-12-02", "endsOn": "2026-12-06", "reason": "Nằm viện" });
    app.ok(&w.officer_a_token, m, json!({ "input": pause }))
        .await;
    let due: Vec<String> = upcoming(&app, &w.officer_a_token, &w.client_a)
        .await
        .iter()
        .map(|o| o["dueOn"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        due,
        ["2026-11-30", "2026-12-07", "2026-12-10"],
        "Thursday 3 Dec falls in the pause"
    );
    let m = "mutation($input: ChangeSupervisionOrderStatusInput!) { changeSupervisionOrderStatus(input: $input) { order { status } } }";
    app.ok(
        &w.officer_a_token,
        m,
        json!({ "input": { "orderId": w.order_a, "status": "SUSPENDED", "reason": "Tạm giữ" } }),
    )
    .await;
    let due = upcoming(&app, &w.officer_a_token, &w.client_a).await;
    assert_eq!(due.len(), 1, "only today's open window stays: {due:?}");
    app.clock.advance(Duration::days(3));
    assert_eq!(
        app.tick().await.plans_planned,
        0,
        "an ended plan is not planned further"
    );
    let queued = "SELECT COUNT(*) AS n FROM outbox_messages WHERE status = 'queued' AND source_type = 'check_in_occurrence'";
    assert_eq!(
        count_sql(&app, queued).await,
        0,
        "the withdrawn windows' prompts are cancelled"
    );
}

async fn free_text_replies_are_kept_for_the_officer(app: TestApp) {
    let w = app.world().await;
    let phone = domain::Phone::parse("0912 000 001").unwrap();
    let sender = api::schedules::check_ins::ReplySender::Phone(phone);
    let outcome = api::schedules::check_ins::record_reply(
        &app.db,
        sender,
        "Hôm nay tôi bị ốm, xin hẹn lại",
        app.clock_now(),
        &app.planning.escalation_defaults,
    )
    .await
    .map_err(|e| e.message())
    .unwrap();
    assert_eq!(outcome, api::schedules::check_ins::ReplyOutcome::Note);
    let q = "query($c: ID!) { client(id: $c) { replyNotes { channel text } } }";
    let data = app.ok(&w.key_a, q, json!({ "c": w.client_a })).await;
    assert_eq!(
        data["client"]["replyNotes"],
        json!([{ "channel": "sms", "text": "Hôm nay tôi bị ốm, xin hẹn lại" }])
    );
    let body = app
        .graphql(Some(&w.key_a_readonly), q, json!({ "c": w.client_a }))
        .await;
    assert_eq!(tests::first_error_code(&body).as_deref(), Some("FORBIDDEN"));
    let data = app
        .ok(&w.officer_a_token, q, json!({ "c": w.client_b }))
        .await;
    assert!(
        data["client"].is_null(),
        "another commune's client and notes stay hidden"
    );
}
