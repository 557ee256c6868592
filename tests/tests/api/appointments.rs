//! Appointments: their reminders in the outbox, rescheduling and cancelling, outcomes with the
//! drug test result as audited health data, bad input, commune scope, and the overdue detector.

use chrono::{DateTime, Duration, Utc};
use entities::{appointment, commune_policy, outbox_message};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::{Value, json};
use store::policy::Policy;
use tests::{
    TestApp, db_tests,
    world::{COMMUNE_A, COMMUNE_B},
};
use uuid::Uuid;

db_tests!(
    creating_an_appointment_queues_its_reminders,
    rescheduling_an_appointment_moves_its_reminders,
    cancelling_an_appointment_cancels_its_reminders,
    drug_test_results_need_health_read_and_every_read_is_audited,
    bad_appointment_input_is_refused_and_writes_nothing,
    appointments_of_another_commune_stay_hidden_and_unchanged,
    overdue_appointments_become_missed_exactly_once,
    a_place_that_reveals_the_reason_is_refused_when_entered,
);

const CREATE: &str = "mutation($input: CreateAppointmentInput!) { createAppointment(input: $input) { appointment { id status kind startsAt endsAt place communeCode client { id } officer { id } order { id } } } }";
const RESCHEDULE: &str = "mutation($input: RescheduleAppointmentInput!) { rescheduleAppointment(input: $input) { appointment { id status startsAt place rescheduledFrom { id status } } previous { id status outcomeNote } } }";
const CANCEL: &str = "mutation($input: CancelAppointmentInput!) { cancelAppointment(input: $input) { appointment { id status outcomeNote } } }";
const RECORD: &str = "mutation($input: RecordAppointmentOutcomeInput!) { recordAppointmentOutcome(input: $input) { appointment { id status outcomeNote outcomeRecordedAt } } }";
const GET: &str = "query($id: ID!) { appointment(id: $id) { id status kind } }";

/// Input of a one-hour appointment starting `from_now` after the app's clock.
fn input(app: &TestApp, client: &str, kind: &str, from_now: Duration) -> Value {
    let starts = app.clock_now() + from_now;
    json!({
        "clientId": client,
        "kind": kind,
        "startsAt": starts.to_rfc3339(),
        "endsAt": (starts + Duration::hours(1)).to_rfc3339(),
        "place": "Trụ sở UBND phường, phòng 2",
    })
}

async fn create(app: &TestApp, secret: &str, input: Value) -> String {
    let data = app.ok(secret, CREATE, json!({ "input": input })).await;
    data["createAppointment"]["appointment"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn uuid_of(kind: &str, id: &str) -> Uuid {
    api::graphql::ids::decode(kind, "id", &id.to_owned().into()).unwrap()
}

/// The reminders of an appointment, earliest first.
async fn reminders(app: &TestApp, appointment: &str) -> Vec<outbox_message::Model> {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::SourceType.eq("appointment"))
        .filter(outbox_message::Column::SourceId.eq(uuid_of("Appointment", appointment)))
        .order_by_asc(outbox_message::Column::DueAt)
        .all(&app.db)
        .await
        .unwrap()
}

fn statuses(rows: &[outbox_message::Model]) -> Vec<&str> {
    rows.iter().map(|r| r.status.as_str()).collect()
}

fn instant(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

async fn status(app: &TestApp, id: &str) -> Value {
    app.ok(&app.admin_token, GET, json!({ "id": id })).await["appointment"]["status"].clone()
}

async fn creating_an_appointment_queues_its_reminders(app: TestApp) {
    let world = app.world().await;
    let mut i = input(
        &app,
        &world.client_a,
        "CASE_OFFICER_MEETING",
        Duration::days(3),
    );
    i["officerId"] = json!(world.officer_a);
    i["orderId"] = json!(world.order_a);
    let data = app
        .ok(&world.officer_a_token, CREATE, json!({ "input": i }))
        .await;
    let a = &data["createAppointment"]["appointment"];
    assert_eq!(a["status"], "SCHEDULED");
    assert_eq!(a["communeCode"], COMMUNE_A);
    assert_eq!(a["client"]["id"], world.client_a.as_str());
    assert_eq!(a["officer"]["id"], world.officer_a.as_str());
    assert_eq!(a["order"]["id"], world.order_a.as_str());
    let id = a["id"].as_str().unwrap();
    let uuid = uuid_of("Appointment", id);
    let starts = instant(&a["startsAt"]);
    let rows = reminders(&app, id).await;
    assert_eq!(rows.len(), 2, "one reminder per default offset");
    assert_eq!(
        rows.iter()
            .map(|r| r.dedupe_key.as_str())
            .collect::<Vec<_>>(),
        [
            format!("appointment_reminder:{uuid}:1440"),
            format!("appointment_reminder:{uuid}:120")
        ]
    );
    assert_eq!(rows[0].due_at, starts - Duration::days(1));
    assert_eq!(rows[1].due_at, starts - Duration::hours(2));
    let client = uuid_of("Client", &world.client_a);
    for r in &rows {
        assert_eq!(r.status, "queued");
        assert_eq!(r.recipient_kind, "client");
        assert_eq!(r.client_id, Some(client));
        assert_eq!(r.commune_code, COMMUNE_A);
        assert_eq!(r.template, "appointment_reminder");
        let vars: Value = serde_json::from_str(&r.vars).unwrap();
        assert_eq!(vars["name"], "Nguyễn Văn An 1");
        assert_eq!(vars["time"], "08:00 thứ Năm, 03/12/2026");
        assert_eq!(vars["place"], "Trụ sở UBND phường, phòng 2");
    }
    // Five hours ahead: the day-before reminder is already past and is not written.
    let soon = create(
        &app,
        &world.key_a,
        input(
            &app,
            &world.client_a,
            "COUNSELLING_SESSION",
            Duration::hours(5),
        ),
    )
    .await;
    let rows = reminders(&app, &soon).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].dedupe_key.ends_with(":120"));
    // One hour ahead: no reminder at all.
    let now = create(
        &app,
        &world.key_a,
        input(&app, &world.client_a, "JOB_INTERVIEW", Duration::hours(1)),
    )
    .await;
    assert!(reminders(&app, &now).await.is_empty());
    let q = "{ auditLog(filter: { entityType: \"appointment\", action: \"appointment.create\" }) { totalCount } }";
    assert_eq!(
        app.ok(&app.admin_token, q, json!({})).await["auditLog"]["totalCount"],
        3
    );
}

async fn rescheduling_an_appointment_moves_its_reminders(app: TestApp) {
    let world = app.world().await;
    let old = create(
        &app,
        &world.officer_a_token,
        input(&app, &world.client_a, "VOCATIONAL_CLASS", Duration::days(3)),
    )
    .await;
    let starts = app.clock_now() + Duration::days(5);
    let change = json!({
        "appointmentId": old,
        "startsAt": starts.to_rfc3339(),
        "endsAt": (starts + Duration::hours(2)).to_rfc3339(),
        "reason": "Lớp học dời lịch",
    });
    let data = app
        .ok(
            &world.officer_a_token,
            RESCHEDULE,
            json!({ "input": change.clone() }),
        )
        .await;
    let p = &data["rescheduleAppointment"];
    assert_eq!(p["previous"]["status"], "RESCHEDULED");
    assert_eq!(p["previous"]["outcomeNote"], "Lớp học dời lịch");
    assert_eq!(p["appointment"]["status"], "SCHEDULED");
    assert_eq!(
        p["appointment"]["place"], "Trụ sở UBND phường, phòng 2",
        "the place stays"
    );
    assert_eq!(p["appointment"]["rescheduledFrom"]["id"], old.as_str());
    assert_eq!(p["appointment"]["rescheduledFrom"]["status"], "RESCHEDULED");
    let new = p["appointment"]["id"].as_str().unwrap();
    assert_ne!(new, old);
    assert_eq!(
        statuses(&reminders(&app, &old).await),
        ["cancelled", "cancelled"]
    );
    let rows = reminders(&app, new).await;
    assert_eq!(statuses(&rows), ["queued", "queued"]);
    assert_eq!(rows[0].due_at, starts - Duration::days(1));
    assert_eq!(rows[1].due_at, starts - Duration::hours(2));
    let new_uuid = uuid_of("Appointment", new);
    assert!(rows.iter().all(|r| {
        r.dedupe_key
            .starts_with(&format!("appointment_reminder:{new_uuid}:"))
    }));
    // The old appointment is closed: moving it again is a conflict that writes nothing.
    let outbox = app.count("outbox_messages").await;
    let appointments = app.count("appointments").await;
    assert_eq!(
        app.error_code(
            &world.officer_a_token,
            RESCHEDULE,
            json!({ "input": change })
        )
        .await,
        "CONFLICT"
    );
    assert_eq!(app.count("outbox_messages").await, outbox);
    assert_eq!(app.count("appointments").await, appointments);
}

async fn cancelling_an_appointment_cancels_its_reminders(app: TestApp) {
    let world = app.world().await;
    let id = create(
        &app,
        &world.key_a,
        input(&app, &world.client_a, "LOAN_MEETING", Duration::days(2)),
    )
    .await;
    assert_eq!(statuses(&reminders(&app, &id).await), ["queued", "queued"]);
    let data = app
        .ok(
            &world.key_a,
            CANCEL,
            json!({ "input": { "appointmentId": id, "reason": "Ngân hàng đổi lịch" } }),
        )
        .await;
    assert_eq!(
        data["cancelAppointment"]["appointment"]["status"],
        "CANCELLED"
    );
    assert_eq!(
        statuses(&reminders(&app, &id).await),
        ["cancelled", "cancelled"]
    );
    assert_eq!(
        app.error_code(
            &world.key_a,
            CANCEL,
            json!({ "input": { "appointmentId": id } })
        )
        .await,
        "CONFLICT",
        "a cancelled appointment stays cancelled"
    );
    app.clock.advance(Duration::days(3));
    let outcome = json!({ "appointmentId": id, "outcome": "ATTENDED" });
    assert_eq!(
        app.error_code(&world.key_a, RECORD, json!({ "input": outcome }))
            .await,
        "CONFLICT"
    );
}

async fn drug_test_results_need_health_read_and_every_read_is_audited(app: TestApp) {
    let world = app.world().await;
    let id = create(
        &app,
        &world.key_a,
        input(&app, &world.client_a, "DRUG_TEST", Duration::hours(3)),
    )
    .await;
    assert_eq!(statuses(&reminders(&app, &id).await), ["queued"]);
    let outcome = json!({
        "appointmentId": id,
        "outcome": "ATTENDED",
        "note": "Đến đúng giờ",
        "drugTestResult": "NEGATIVE",
    });
    assert_eq!(
        app.error_code(&world.key_a, RECORD, json!({ "input": outcome.clone() }))
            .await,
        "CONFLICT",
        "no outcome before the appointment starts"
    );
    app.clock.advance(Duration::hours(4));
    // Writing health data needs health:read too.
    let no_health = app
        .api_key(&["SCHEDULES_READ", "SCHEDULES_WRITE"], &[COMMUNE_A])
        .await;
    assert_eq!(
        app.error_code(&no_health, RECORD, json!({ "input": outcome.clone() }))
            .await,
        "FORBIDDEN"
    );
    let data = app
        .ok(&world.key_a, RECORD, json!({ "input": outcome.clone() }))
        .await;
    let a = &data["recordAppointmentOutcome"]["appointment"];
    assert_eq!(a["status"], "ATTENDED");
    assert_eq!(a["outcomeNote"], "Đến đúng giờ");
    assert_eq!(instant(&a["outcomeRecordedAt"]), app.clock_now());
    assert_eq!(
        statuses(&reminders(&app, &id).await),
        ["cancelled"],
        "an outcome cancels what was not sent"
    );
    let q = "query($id: ID!) { appointment(id: $id) { kind drugTestResult } }";
    let audit = "{ auditLog(filter: { entityType: \"appointment\", action: \"read_sensitive\" }) { totalCount edges { node { entityId detail communeCode actorKind } } } }";
    let data = app.ok(&world.key_a, q, json!({ "id": id })).await;
    assert_eq!(data["appointment"]["drugTestResult"], "NEGATIVE");
    let log = app.ok(&app.admin_token, audit, json!({})).await;
    assert_eq!(log["auditLog"]["totalCount"], 1, "{log:#}");
    let entry = &log["auditLog"]["edges"][0]["node"];
    assert_eq!(
        entry["entityId"],
        uuid_of("Appointment", &id).to_string().as_str()
    );
    assert_eq!(entry["detail"], "drugTestResult");
    assert_eq!(entry["communeCode"], COMMUNE_A);
    assert_eq!(entry["actorKind"], "api_key");
    // Without health:read the result is refused and the rest is served; nothing is audited.
    let body = app.graphql(Some(&no_health), q, json!({ "id": id })).await;
    assert_eq!(body["data"]["appointment"]["kind"], "DRUG_TEST");
    assert_eq!(tests::first_error_code(&body).as_deref(), Some("FORBIDDEN"));
    let log = app.ok(&app.admin_token, audit, json!({})).await;
    assert_eq!(
        log["auditLog"]["totalCount"], 1,
        "refused reads are not reads"
    );
    // The write is audited by field name, never by value.
    let q = "{ auditLog(filter: { entityType: \"appointment\", action: \"appointment.record_outcome\" }) { edges { node { detail } } } }";
    let log = app.ok(&app.admin_token, q, json!({})).await;
    assert_eq!(
        log["auditLog"]["edges"][0]["node"]["detail"],
        "attended; drugTestResult"
    );
}

async fn bad_appointment_input_is_refused_and_writes_nothing(app: TestApp) {
    let world = app.world().await;
    let secret = world.officer_a_token.clone();
    let session = create(
        &app,
        &secret,
        input(
            &app,
            &world.client_a,
            "COUNSELLING_SESSION",
            Duration::hours(1),
        ),
    )
    .await;
    app.clock.advance(Duration::hours(2));
    let good = input(
        &app,
        &world.client_a,
        "COUNSELLING_SESSION",
        Duration::days(1),
    );
    let with = |field: &str, value: Value| {
        let mut i = good.clone();
        i[field] = value;
        i
    };
    let now = app.clock_now();
    let unknown_client = api::graphql::ids::encode("Client", Uuid::now_v7()).0;
    let cases = [
        (
            "ends before it starts",
            with("endsAt", json!((now + Duration::hours(20)).to_rfc3339())),
            "BAD_USER_INPUT",
        ),
        (
            "longer than 12 hours",
            with("endsAt", json!((now + Duration::hours(37)).to_rfc3339())),
            "BAD_USER_INPUT",
        ),
        ("empty place", with("place", json!("   ")), "BAD_USER_INPUT"),
        (
            "two days in the past",
            with("startsAt", json!((now - Duration::days(2)).to_rfc3339())),
            "BAD_USER_INPUT",
        ),
        (
            "not a client id",
            with("clientId", json!(world.order_a)),
            "BAD_USER_INPUT",
        ),
        (
            "unknown client",
            with("clientId", json!(unknown_client)),
            "NOT_FOUND",
        ),
        (
            "another commune's client",
            with("clientId", json!(world.client_b)),
            "NOT_FOUND",
        ),
        (
            "another commune's order",
            with("orderId", json!(world.order_b)),
            "BAD_USER_INPUT",
        ),
        (
            "another commune's officer",
            with("officerId", json!(world.officer_b)),
            "NOT_FOUND",
        ),
    ];
    let tables = ["appointments", "outbox_messages", "audit_log"];
    let mut before = Vec::new();
    for t in tables {
        before.push(app.count(t).await);
    }
    for (name, i, code) in cases {
        assert_eq!(
            app.error_code(&secret, CREATE, json!({ "input": i })).await,
            code,
            "{name}"
        );
    }
    // The administrator sees officer B, who still may not run commune A's appointments.
    assert_eq!(
        app.error_code(
            &app.admin_token,
            CREATE,
            json!({ "input": with("officerId", json!(world.officer_b)) })
        )
        .await,
        "BAD_USER_INPUT"
    );
    let outcome =
        json!({ "appointmentId": session, "outcome": "ATTENDED", "drugTestResult": "POSITIVE" });
    assert_eq!(
        app.error_code(&secret, RECORD, json!({ "input": outcome }))
            .await,
        "BAD_USER_INPUT",
        "a counselling session has no test result"
    );
    let outcome =
        json!({ "appointmentId": session, "outcome": "MISSED", "note": "x".repeat(2001) });
    assert_eq!(
        app.error_code(&secret, RECORD, json!({ "input": outcome }))
            .await,
        "BAD_USER_INPUT"
    );
    let filter = json!({ "from": now.to_rfc3339(), "to": (now - Duration::hours(1)).to_rfc3339() });
    assert_eq!(
        app.error_code(
            &secret,
            "query($f: AppointmentFilter) { appointments(filter: $f) { totalCount } }",
            json!({ "f": filter })
        )
        .await,
        "BAD_USER_INPUT"
    );
    for (t, n) in tables.iter().zip(before) {
        assert_eq!(app.count(t).await, n, "nothing written to {t}");
    }
    assert_eq!(status(&app, &session).await, "SCHEDULED");
}

async fn appointments_of_another_commune_stay_hidden_and_unchanged(app: TestApp) {
    let world = app.world().await;
    let mine = create(
        &app,
        &world.key_a,
        input(&app, &world.client_a, "HEALTH_VISIT", Duration::days(2)),
    )
    .await;
    let theirs = create(
        &app,
        &app.admin_token,
        input(&app, &world.client_b, "HEALTH_VISIT", Duration::days(2)),
    )
    .await;
    let lists = "query($b: ID!) { all: appointments { totalCount edges { node { id communeCode } } } b: appointments(filter: { communeCode: \"00008\" }) { totalCount } bc: appointments(filter: { clientId: $b }) { totalCount } }";
    let starts = app.clock_now() + Duration::days(4);
    let attempts = [
        (CANCEL, json!({ "appointmentId": theirs })),
        (
            RESCHEDULE,
            json!({ "appointmentId": theirs, "startsAt": starts.to_rfc3339(), "endsAt": (starts + Duration::hours(1)).to_rfc3339() }),
        ),
        (
            RECORD,
            json!({ "appointmentId": theirs, "outcome": "MISSED" }),
        ),
    ];
    let appointments = app.count("appointments").await;
    for secret in [&world.officer_a_token, &world.key_a] {
        let data = app.ok(secret, lists, json!({ "b": world.client_b })).await;
        assert_eq!(data["all"]["totalCount"], 1);
        assert_eq!(data["all"]["edges"][0]["node"]["id"], mine.as_str());
        assert_eq!(data["b"]["totalCount"], 0);
        assert_eq!(data["bc"]["totalCount"], 0);
        let data = app.ok(secret, GET, json!({ "id": theirs })).await;
        assert!(data["appointment"].is_null());
        let outbox = app.count("outbox_messages").await;
        for (q, i) in &attempts {
            assert_eq!(
                app.error_code(secret, q, json!({ "input": i })).await,
                "NOT_FOUND"
            );
        }
        assert_eq!(app.count("outbox_messages").await, outbox);
        assert_eq!(app.count("appointments").await, appointments);
    }
    // A key without schedules:read sees no appointment at all.
    assert_eq!(
        app.error_code(&world.key_a_readonly, GET, json!({ "id": mine }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(status(&app, &theirs).await, "SCHEDULED");
    assert_eq!(
        statuses(&reminders(&app, &theirs).await),
        ["queued", "queued"]
    );
    let data = app
        .ok(&app.admin_token, lists, json!({ "b": world.client_b }))
        .await;
    assert_eq!(data["all"]["totalCount"], 2);
    assert_eq!(data["bc"]["totalCount"], 1);
}

async fn overdue_appointments_become_missed_exactly_once(app: TestApp) {
    let world = app.world().await;
    let policy = Policy::defaults();
    // Commune B gives ten hours of grace instead of two.
    commune_policy::ActiveModel {
        commune_code: Set(COMMUNE_B.to_owned()),
        overrides: Set(r#"{"appointmentGraceMinutes":600}"#.to_owned()),
        updated_at: Set(app.clock_now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let soon = Duration::minutes(10);
    let early_a = create(
        &app,
        &world.key_a,
        input(&app, &world.client_a, "COUNSELLING_SESSION", soon),
    )
    .await;
    let late_a = create(
        &app,
        &world.key_a,
        input(
            &app,
            &world.client_a,
            "COUNSELLING_SESSION",
            Duration::hours(8),
        ),
    )
    .await;
    let early_b = create(
        &app,
        &app.admin_token,
        input(&app, &world.client_b, "COUNSELLING_SESSION", soon),
    )
    .await;
    let attended = create(
        &app,
        &world.key_a,
        input(&app, &world.client_a, "DRUG_TEST", soon),
    )
    .await;
    app.clock.advance(Duration::hours(1));
    let outcome =
        json!({ "appointmentId": attended, "outcome": "ATTENDED", "drugTestResult": "REFUSED" });
    app.ok(&world.key_a, RECORD, json!({ "input": outcome }))
        .await;
    let mark = || store::appointments::mark_overdue(&app.db, &policy, app.clock_now());
    assert_eq!(mark().await.unwrap(), 0, "within the grace period");
    // Ends at +1h10; two hours of grace in commune A.
    app.clock
        .advance(Duration::hours(2) + Duration::minutes(10));
    assert_eq!(mark().await.unwrap(), 1);
    assert_eq!(mark().await.unwrap(), 0, "a second run changes nothing");
    assert_eq!(status(&app, &early_a).await, "MISSED");
    assert_eq!(
        status(&app, &early_b).await,
        "SCHEDULED",
        "B's grace is longer"
    );
    assert_eq!(status(&app, &late_a).await, "SCHEDULED");
    assert_eq!(status(&app, &attended).await, "ATTENDED");
    // Past B's grace and the late appointment's: two detectors at once mark each once.
    app.clock.advance(Duration::hours(8));
    let (x, y) = tokio::join!(mark(), mark());
    assert_eq!(x.unwrap() + y.unwrap(), 2);
    assert_eq!(mark().await.unwrap(), 0);
    for id in [&early_a, &late_a, &early_b] {
        assert_eq!(status(&app, id).await, "MISSED");
    }
    let missed = appointment::Entity::find()
        .filter(appointment::Column::Status.eq("missed"))
        .all(&app.db)
        .await
        .unwrap();
    assert!(missed.iter().all(|a| a.outcome_recorded_at.is_none()));
    // An officer who saw the client may still record the visit over the automatic mark, once.
    let outcome = json!({ "appointmentId": early_a, "outcome": "ATTENDED", "note": "Đến muộn" });
    app.ok(&world.key_a, RECORD, json!({ "input": outcome.clone() }))
        .await;
    assert_eq!(status(&app, &early_a).await, "ATTENDED");
    assert_eq!(
        app.error_code(&world.key_a, RECORD, json!({ "input": outcome }))
            .await,
        "CONFLICT"
    );
}

/// Issue 14.2: "Trụ sở Công an phường" was accepted, and every reminder then failed at send
/// time without anyone being told. The place is refused when entered (create and reschedule),
/// naming the word and a neutral alternative, and nothing is written; a place too long for the
/// reminder's SMS budget is refused the same way instead of failing when sent.
async fn a_place_that_reveals_the_reason_is_refused_when_entered(app: TestApp) {
    let world = app.world().await;
    let secret = world.officer_a_token.clone();
    let good = input(
        &app,
        &world.client_a,
        "CASE_OFFICER_MEETING",
        Duration::days(2),
    );
    let tables = ["appointments", "outbox_messages", "audit_log"];
    let mut before = Vec::new();
    for t in tables {
        before.push(app.count(t).await);
    }
    let refused = |body: &Value, name: &str| {
        assert_eq!(
            tests::first_error_code(body).as_deref(),
            Some("BAD_USER_INPUT"),
            "{name}: {body:#}"
        );
        assert_eq!(body["errors"][0]["extensions"]["field"], "place", "{name}");
        body["errors"][0]["message"].as_str().unwrap().to_owned()
    };
    for place in [
        "Trụ sở Công an phường",
        "TRU SO CONG AN PHUONG",
        "Phòng xét-nghiệm, tầng 2",
    ] {
        let mut i = good.clone();
        i["place"] = json!(place);
        let body = app
            .graphql(Some(&secret), CREATE, json!({ "input": i }))
            .await;
        let message = refused(&body, place);
        assert!(
            message.contains("Trụ sở UBND phường")
                && message.contains("why the person is contacted"),
            "names a neutral alternative, in Vietnamese and English: {message}"
        );
    }
    let mut i = good.clone();
    i["place"] = json!("Trụ sở Công an phường");
    let body = app
        .graphql(Some(&secret), CREATE, json!({ "input": i }))
        .await;
    assert!(
        refused(&body, "word").contains("\"công an\""),
        "names the word: {body:#}"
    );
    let mut i = good.clone();
    i["place"] = json!("khu phố 3, ".repeat(25));
    let body = app
        .graphql(Some(&secret), CREATE, json!({ "input": i }))
        .await;
    assert!(refused(&body, "too long").contains("SMS"), "{body:#}");
    for (t, n) in tables.iter().zip(&before) {
        assert_eq!(app.count(t).await, *n, "{t}: nothing written");
    }

    // Rescheduling refuses it too, whether the place is new or kept.
    let id = create(&app, &secret, good.clone()).await;
    let starts = app.clock_now() + Duration::days(3);
    let moved = json!({
        "appointmentId": id,
        "startsAt": starts.to_rfc3339(),
        "endsAt": (starts + Duration::hours(1)).to_rfc3339(),
        "place": "Trụ sở công an phường",
    });
    let body = app
        .graphql(Some(&secret), RESCHEDULE, json!({ "input": moved }))
        .await;
    refused(&body, "reschedule");
    assert_eq!(
        status(&app, &id).await,
        "SCHEDULED",
        "the old one is untouched"
    );
    // A place stored before this check existed is checked when the appointment moves.
    let row = appointment::Entity::find_by_id(uuid_of("Appointment", &id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut row: appointment::ActiveModel = row.into();
    row.place = Set("Trụ sở Công an phường".into());
    row.update(&app.db).await.unwrap();
    let mut kept = moved.clone();
    kept.as_object_mut().unwrap().remove("place");
    let body = app
        .graphql(Some(&secret), RESCHEDULE, json!({ "input": kept }))
        .await;
    refused(&body, "kept place");
    // A neutral place is accepted and reaches the reminders.
    let mut i = good;
    i["place"] = json!("Trụ sở UBND phường Bến Thành");
    let id = create(&app, &secret, i).await;
    let vars: Value = serde_json::from_str(&reminders(&app, &id).await[0].vars).unwrap();
    assert_eq!(vars["place"], "Trụ sở UBND phường Bến Thành");
}
