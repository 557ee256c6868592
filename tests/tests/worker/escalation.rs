//! Escalation of missed check-ins (issue 11) through the planner tick, the outbox and the fake
//! gateways, with the clock moved: a miss opens an escalation that alerts the case officer,
//! climbs to the commune's chief when nobody takes it, and stops when someone does.

use chrono::Duration;
use domain::escalation::{AckMethod, Outcome, ack_code::CodeRefused};
use entities::{check_in_occurrence, escalation, escalation_ack_code, outbox_message};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde_json::{Value, json};
use store::escalation::{self as esc, CodeReply};
use tests::{TestApp, db_tests_with, world::COMMUNE_A};
use uuid::Uuid;
use wiremock::{
    Mock,
    matchers::{body_partial_json, method, path},
};

use crate::support::{
    ESMS_PATH, bodies, book, check_in_prompt_due, drain, esms, fake_gateways, sender,
};

db_tests_with!(one_miss_opens =>
    misses_climb_the_chain_until_a_reply_code_stops_it,
    two_sweeps_at_once_open_one_escalation_and_alert_once,
    an_acknowledgement_at_the_timeout_instant_leaves_no_live_alert_above_it,
    a_late_check_in_is_recorded_and_told_but_leaves_the_escalation_open,
    an_officer_with_three_escalations_at_once_gets_one_digest,
    a_missed_appointment_attaches_to_the_open_escalation,
    a_help_reply_during_an_unowned_escalation_tells_the_case_officer_once,
    a_help_reply_during_an_owned_escalation_tells_its_owner_instead_of_the_help_alert,
    an_escalation_whose_code_another_holds_gets_its_own,
);

db_tests_with!(one_miss_opens_help_apart =>
    a_help_reply_keeps_its_own_alert_when_the_policy_does_not_attach_it,
);

/// [`one_miss_opens`], with help requests kept apart from escalations.
fn one_miss_opens_help_apart(settings: &mut api::settings::Settings) {
    one_miss_opens(settings);
    settings.worker.escalation.attach_help_requests = false;
}

/// One settled miss opens an escalation (the default waits for two in a row).
pub(crate) fn one_miss_opens(settings: &mut api::settings::Settings) {
    settings.worker.escalation.consecutive_misses_to_open = 1;
    settings.worker.escalation.grace_minutes = 60;
}

fn uuid(kind: &str, id: &str) -> Uuid {
    api::graphql::ids::decode(kind, "id", &id.to_owned().into()).unwrap()
}

pub(crate) struct Escalated {
    pub(crate) officer_a: Uuid,
    pub(crate) chief: Uuid,
    pub(crate) client: Uuid,
    pub(crate) escalation: escalation::Model,
    pub(crate) occurrence: check_in_occurrence::Model,
    pub(crate) world: tests::world::World,
}

/// Client A misses Monday's window (08:00–12:00); an hour later (the grace) the tick opens an
/// escalation.
pub(crate) async fn escalated(app: &TestApp) -> Escalated {
    let w = app.world().await;
    escalated_in(app, w).await
}

/// [`escalated`] in a world already built.
pub(crate) async fn escalated_in(app: &TestApp, w: tests::world::World) -> Escalated {
    let chief = app
        .create_officer(COMMUNE_A, "Trần Văn Trưởng", "COMMUNE_POLICE_CHIEF")
        .await;
    let prompt = check_in_prompt_due(app, &w).await;
    let occurrence = check_in_occurrence::Entity::find_by_id(prompt.source_id.unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    app.clock.set(occurrence.closes_at + Duration::minutes(59));
    let report = app.tick().await;
    assert_eq!(report.escalations.opened, 0, "still in its grace");
    app.clock.set(occurrence.closes_at + Duration::hours(1));
    let report = app.tick().await;
    assert_eq!(report.escalations.opened, 1, "{report:?}");
    let client = uuid("Client", &w.client_a);
    let escalation = escalation::Entity::find()
        .filter(escalation::Column::ClientId.eq(client))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    Escalated {
        officer_a: uuid("Officer", &w.officer_a),
        chief: uuid("Officer", &chief),
        client,
        escalation,
        occurrence,
        world: w,
    }
}

async fn escalation_messages(app: &TestApp) -> Vec<outbox_message::Model> {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Template.starts_with("officer_escalation"))
        .order_by_asc(outbox_message::Column::CreatedAt)
        .order_by_asc(outbox_message::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

/// `(template, officer)` of each escalation message.
async fn sent_to(app: &TestApp) -> Vec<(String, Uuid)> {
    escalation_messages(app)
        .await
        .into_iter()
        .map(|m| (m.template, m.officer_id.unwrap()))
        .collect()
}

fn code_of(m: &outbox_message::Model) -> String {
    let vars: Value = serde_json::from_str(&m.vars).unwrap();
    vars["code"].as_str().unwrap().to_owned()
}

async fn status(app: &TestApp, id: Uuid) -> escalation::Model {
    escalation::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn reply_code(app: &TestApp, officer: Uuid, code: &str) -> CodeReply {
    let txn = store::db::begin_write(&app.db).await.unwrap();
    let r = esc::acknowledge_by_code(&txn, "0987654321", officer, code, |_| true, app.clock_now())
        .await
        .unwrap();
    txn.commit().await.unwrap();
    r
}

async fn misses_climb_the_chain_until_a_reply_code_stops_it(app: TestApp) {
    let s = escalated(&app).await;
    assert_eq!(s.escalation.level, 1);
    assert_eq!(s.escalation.status, "open");
    // Level 1: the case officer, urgent, in Vietnamese with name, commune, code and link.
    let first = escalation_messages(&app).await;
    assert_eq!(
        sent_to(&app).await,
        vec![("officer_escalation_alert".into(), s.officer_a)]
    );
    assert!(first[0].urgent);
    let code = code_of(&first[0]);
    let fake = fake_gateways().await;
    Mock::given(method("POST"))
        .and(path(ESMS_PATH))
        .and(body_partial_json(json!({ "Phone": "0987654321" })))
        .respond_with(esms("100", "sms-officer"))
        .mount(&fake)
        .await;
    drain(&sender(&app, &fake)).await;
    let sms = bodies(&fake, ESMS_PATH).await;
    let text = sms
        .iter()
        .find(|b| b["Phone"] == "0987654321")
        .expect("the officer got an SMS")["Content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(text.contains("Nguyen Van An 1"), "{text}");
    assert!(text.contains("Ba Dinh"), "{text}");
    assert!(text.contains(&format!("XN {code}")), "{text}");
    assert!(text.contains("/e/"), "{text}");
    assert!(text.contains("chua co"), "last contact: none yet: {text}");

    // The same tick again changes and alerts nothing.
    let again = app.tick().await;
    assert_eq!(again.escalations, Default::default());

    // Nobody acknowledges for four hours: level 2 (the chief) is alerted, level 1 told.
    app.clock.advance(Duration::hours(4) - Duration::seconds(1));
    assert_eq!(app.tick().await.escalations.raised, 0);
    app.clock.advance(Duration::seconds(1));
    let report = app.tick().await.escalations;
    assert_eq!(report.raised, 1, "{report:?}");
    let mut later = sent_to(&app).await[1..].to_vec();
    later.sort();
    let mut expected = vec![
        ("officer_escalation_alert".to_owned(), s.chief),
        ("officer_escalation_raised".to_owned(), s.officer_a),
    ];
    expected.sort();
    assert_eq!(later, expected);
    assert_eq!(status(&app, s.escalation.id).await.level, 2);

    // The chief replies with the code: acknowledged, the chain stops.
    assert_eq!(
        reply_code(&app, s.chief, &code.to_lowercase()).await,
        CodeReply::Acknowledged(s.escalation.id)
    );
    let taken = status(&app, s.escalation.id).await;
    assert_eq!(taken.status, "acknowledged");
    assert_eq!(taken.acknowledged_by, Some(s.chief));
    assert_eq!(
        taken.ack_method.as_deref(),
        Some(AckMethod::ReplyCode.as_str())
    );
    app.clock.advance(Duration::days(3));
    let later = app.tick().await.escalations;
    assert_eq!(
        (later.raised, later.opened, later.alerts),
        (0, 0, 0),
        "{later:?}"
    );
    assert_eq!(
        later.attached, 1,
        "Thursday's miss is recorded on the same escalation"
    );
    assert_eq!(status(&app, s.escalation.id).await.misses, 2);
    assert_eq!(
        sent_to(&app).await.len(),
        3,
        "nothing after the acknowledgement"
    );

    // Resolved: closed, and its code is dead.
    let txn = store::db::begin_write(&app.db).await.unwrap();
    esc::resolve(
        &txn,
        s.escalation.id,
        s.chief,
        Outcome::ReachedByPhone,
        Some("Đã gọi điện, khỏe".into()),
        app.clock_now(),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(status(&app, s.escalation.id).await.status, "resolved");
    assert_eq!(
        reply_code(&app, s.chief, &code).await,
        CodeReply::Refused(CodeRefused::Closed)
    );
    let _ = (s.client, s.occurrence, s.world);
}

/// Codes are six characters, so two escalations will one day derive the same one (a few a
/// year at national scale). The one that comes second gets another code, and each code
/// acknowledges only its own escalation.
async fn an_escalation_whose_code_another_holds_gets_its_own(app: TestApp) {
    let s = escalated(&app).await;
    let first = code_of(&escalation_messages(&app).await[0]);
    // An earlier escalation of the same client, closed since, holds that code: as if it had
    // derived the same one first.
    let mut earlier = s.escalation.clone().into_active_model();
    earlier.id = Set(Uuid::now_v7());
    earlier.status = Set("resolved".into());
    let earlier = earlier.insert(&app.db).await.unwrap();
    escalation_ack_code::Entity::update_many()
        .col_expr(
            escalation_ack_code::Column::EscalationId,
            sea_orm::sea_query::Expr::value(earlier.id),
        )
        .filter(escalation_ack_code::Column::EscalationId.eq(s.escalation.id))
        .exec(&app.db)
        .await
        .unwrap();

    // Nobody acknowledges: the chief's alert carries a code of this escalation's own.
    app.clock.advance(Duration::hours(4));
    assert_eq!(app.tick().await.escalations.raised, 1);
    let to_chief = escalation_messages(&app)
        .await
        .into_iter()
        .find(|m| m.template == "officer_escalation_alert" && m.officer_id == Some(s.chief))
        .expect("the chief is alerted");
    let second = code_of(&to_chief);
    assert_ne!(second, first);
    assert_eq!(
        reply_code(&app, s.chief, &first).await,
        CodeReply::Refused(CodeRefused::Closed),
        "the taken code still names the earlier escalation"
    );
    assert_eq!(
        reply_code(&app, s.chief, &second).await,
        CodeReply::Acknowledged(s.escalation.id)
    );
    let _ = (s.client, s.occurrence, s.world, s.officer_a);
}

async fn two_sweeps_at_once_open_one_escalation_and_alert_once(app: TestApp) {
    let w = app.world().await;
    app.create_officer(COMMUNE_A, "Trần Văn Trưởng", "COMMUNE_POLICE_CHIEF")
        .await;
    app.create_officer(COMMUNE_A, "Hoàng Thị Chủ", "COMMUNE_CHAIRMAN")
        .await;
    let prompt = check_in_prompt_due(&app, &w).await;
    let occ = check_in_occurrence::Entity::find_by_id(prompt.source_id.unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    app.clock.set(occ.closes_at + Duration::hours(1));
    // Mark the miss first, then two sweeps race on it.
    store::occurrences::mark_missed(&app.db, app.clock_now())
        .await
        .unwrap();
    let now = app.clock_now();
    let (a, b) = tokio::join!(
        esc::sweep(&app.db, &app.planning, now),
        esc::sweep(&app.db, &app.planning, now)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.opened + b.opened, 1, "{a:?} {b:?}");
    assert_eq!(app.count("escalations").await, 1);
    assert_eq!(escalation_messages(&app).await.len(), 1);
    // And two sweeps at the timeout raise it once.
    app.clock.advance(Duration::hours(4));
    let now = app.clock_now();
    let (a, b) = tokio::join!(
        esc::sweep(&app.db, &app.planning, now),
        esc::sweep(&app.db, &app.planning, now)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.raised + b.raised, 1, "{a:?} {b:?}");
    let e = escalation::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.level, 2);
    let level_2: Vec<_> = escalation_messages(&app)
        .await
        .into_iter()
        .filter(|m| m.dedupe_key.contains(":reached:2:"))
        .collect();
    assert!(!level_2.is_empty());
    assert_eq!(
        level_2.len(),
        level_2
            .iter()
            .map(|m| m.officer_id)
            .collect::<std::collections::HashSet<_>>()
            .len(),
        "one level-2 alert per officer"
    );
}

async fn an_acknowledgement_at_the_timeout_instant_leaves_no_live_alert_above_it(app: TestApp) {
    let s = escalated(&app).await;
    app.clock.advance(Duration::hours(4));
    let now = app.clock_now();
    let ack = async {
        let txn = store::db::begin_write(&app.db).await?;
        let r =
            esc::acknowledge(&txn, s.escalation.id, s.officer_a, AckMethod::Mutation, now).await;
        txn.commit().await?;
        Ok::<_, sea_orm::DbErr>(r.is_ok())
    };
    let (acked, swept) = tokio::join!(ack, esc::sweep(&app.db, &app.planning, now));
    assert!(
        acked.unwrap(),
        "an open escalation can always be acknowledged"
    );
    swept.unwrap();
    let e = status(&app, s.escalation.id).await;
    assert_eq!(e.status, "acknowledged");
    // Whichever came first, no level-2 alert is left to send.
    for m in escalation_messages(&app).await {
        if m.dedupe_key.contains(":reached:2:") || m.dedupe_key.contains(":moved_up:") {
            assert_eq!(m.status, "cancelled", "{}", m.dedupe_key);
        }
    }
    // And it never climbs afterwards.
    app.clock.advance(Duration::days(2));
    assert_eq!(app.tick().await.escalations.raised, 0);
}

const RECORD: &str = "mutation($input: RecordCheckInInput!) { recordCheckIn(input: $input) { occurrence { status } } }";

async fn a_late_check_in_is_recorded_and_told_but_leaves_the_escalation_open(app: TestApp) {
    let s = escalated(&app).await;
    let occ = api::graphql::ids::encode("CheckInOccurrence", s.occurrence.id);
    let data = app
        .ok(
            &s.world.officer_a_token,
            RECORD,
            json!({ "input": { "occurrenceId": occ, "method": "PHONE_CALL" } }),
        )
        .await;
    assert_eq!(data["recordCheckIn"]["occurrence"]["status"], "LATE");
    let e = status(&app, s.escalation.id).await;
    assert_eq!(e.status, "open", "an officer still resolves it");
    let told: Vec<_> = sent_to(&app)
        .await
        .into_iter()
        .filter(|(t, _)| t == "officer_escalation_late_check_in")
        .collect();
    assert_eq!(
        told,
        vec![("officer_escalation_late_check_in".into(), s.officer_a)]
    );
    assert_eq!(
        app.count("escalation_events WHERE kind = 'late_check_in'")
            .await,
        1
    );
}

const ASSIGN: &str =
    "mutation($input: AssignToOrderInput!) { assignToOrder(input: $input) { assignment { id } } }";
const PLAN: &str = "mutation($input: CreateCheckInPlanInput!) { createCheckInPlan(input: $input) { plan { id } } }";

async fn an_officer_with_three_escalations_at_once_gets_one_digest(app: TestApp) {
    let w = app.world().await;
    let admin = app.admin_token.clone();
    let mut orders = vec![w.order_a.clone()];
    for n in [11, 12] {
        let client = app
            .create_client(&admin, tests::world::client_input(COMMUNE_A, n))
            .await;
        let order = app.create_order(&admin, &client).await;
        let input = json!({ "orderId": order, "officerId": w.officer_a, "role": "CASE_OFFICER" });
        app.ok(&admin, ASSIGN, json!({ "input": input })).await;
        orders.push(order);
    }
    for order in &orders {
        let input = json!({
            "orderId": order,
            "rule": { "weekly": { "weekdays": ["MON", "THU"] } },
            "opensAt": "08:00",
            "windowMinutes": 240
        });
        app.ok(&w.officer_a_token, PLAN, json!({ "input": input }))
            .await;
    }
    let closes = check_in_occurrence::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .closes_at;
    app.clock.set(closes + Duration::hours(1));
    let report = app.tick().await.escalations;
    assert_eq!(report.opened, 3, "{report:?}");
    assert_eq!(report.alerts, 1, "one digest instead of three alerts");
    let messages = escalation_messages(&app).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].template, "officer_escalation_digest");
    assert_eq!(messages[0].officer_id, Some(uuid("Officer", &w.officer_a)));
    let vars: Value = serde_json::from_str(&messages[0].vars).unwrap();
    let cases = vars["cases"].as_str().unwrap();
    assert_eq!(cases.matches("XN ").count(), 3, "{cases}");
    // Each code in the digest acknowledges its own escalation.
    let codes: Vec<String> = cases
        .split("XN ")
        .skip(1)
        .map(|rest| rest[..6].to_owned())
        .collect();
    let officer = uuid("Officer", &w.officer_a);
    let mut acknowledged = std::collections::HashSet::new();
    for code in codes {
        match reply_code(&app, officer, &code).await {
            CodeReply::Acknowledged(id) => assert!(acknowledged.insert(id)),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(acknowledged.len(), 3);
}

async fn a_missed_appointment_attaches_to_the_open_escalation(app: TestApp) {
    let s = escalated(&app).await;
    let starts = app.clock_now() + Duration::hours(1);
    book(&app, &s.world.officer_a_token, &s.world.client_a, starts).await;
    // One hour long, two hours of grace: missed three hours after it ends.
    app.clock.set(starts + Duration::hours(3));
    let report = app.tick().await;
    assert_eq!(report.appointments_missed, 1);
    assert_eq!(report.escalations.attached, 1, "{report:?}");
    assert_eq!(
        app.count("escalation_events WHERE kind = 'appointment_missed'")
            .await,
        1
    );
    assert_eq!(app.tick().await.escalations.attached, 0, "recorded once");
    assert_eq!(
        app.count("escalations").await,
        1,
        "attached, not a new escalation"
    );
}

/// The client replies "Cần giúp" by SMS (recorded late on the missed occurrence).
async fn help_reply(app: &TestApp) {
    let phone = domain::Phone::parse("0912 000 001").unwrap();
    let outcome = api::schedules::check_ins::record_reply(
        &app.db,
        api::schedules::check_ins::ReplySender::Phone(phone),
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
}

/// `(officer, source type, urgent)` of each help message.
async fn help_messages(app: &TestApp) -> Vec<(Uuid, String, bool)> {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Template.eq("officer_help_requested"))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.officer_id.unwrap(), m.source_type, m.urgent))
        .collect()
}

async fn event_kinds(app: &TestApp, id: Uuid) -> Vec<String> {
    entities::escalation_event::Entity::find()
        .filter(entities::escalation_event::Column::EscalationId.eq(id))
        .order_by_asc(entities::escalation_event::Column::OccurredAt)
        .order_by_asc(entities::escalation_event::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

async fn a_help_reply_during_an_unowned_escalation_tells_the_case_officer_once(app: TestApp) {
    let s = escalated(&app).await;
    app.clock.advance(Duration::minutes(10));
    help_reply(&app).await;
    // Told once, urgently, as part of the escalation: no separate help alert beside it.
    assert_eq!(
        help_messages(&app).await,
        vec![(s.officer_a, "escalation_help".to_owned(), true)]
    );
    assert!(
        event_kinds(&app, s.escalation.id)
            .await
            .contains(&"help_requested".to_owned())
    );
    // The sender delivers it like any officer alert.
    let fake = fake_gateways().await;
    Mock::given(method("POST"))
        .and(path(ESMS_PATH))
        .respond_with(esms("100", "sms-officer"))
        .mount(&fake)
        .await;
    drain(&sender(&app, &fake)).await;
    let sent: Vec<_> = outbox_message::Entity::find()
        .filter(outbox_message::Column::Template.eq("officer_help_requested"))
        .filter(outbox_message::Column::Status.eq("sent"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(sent.len(), 1);
    assert!(
        bodies(&fake, ESMS_PATH)
            .await
            .iter()
            .any(|b| b.to_string().contains("ho tro"))
    );
}

async fn a_help_reply_during_an_owned_escalation_tells_its_owner_instead_of_the_help_alert(
    app: TestApp,
) {
    let s = escalated(&app).await;
    // Level 1 lets it pass; the chief (level 2) takes it.
    app.clock.advance(Duration::hours(4));
    assert_eq!(app.tick().await.escalations.raised, 1);
    let txn = store::db::begin_write(&app.db).await.unwrap();
    esc::acknowledge(
        &txn,
        s.escalation.id,
        s.chief,
        AckMethod::Mutation,
        app.clock_now(),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    app.clock.advance(Duration::minutes(10));
    help_reply(&app).await;
    assert_eq!(
        help_messages(&app).await,
        vec![(s.chief, "escalation_help".to_owned(), true)],
        "the owner only, not the case officer's separate alert"
    );
    assert!(
        event_kinds(&app, s.escalation.id)
            .await
            .contains(&"help_requested".to_owned())
    );
}

async fn a_help_reply_keeps_its_own_alert_when_the_policy_does_not_attach_it(app: TestApp) {
    let s = escalated(&app).await;
    app.clock.advance(Duration::minutes(10));
    help_reply(&app).await;
    assert_eq!(
        help_messages(&app).await,
        vec![(s.officer_a, "check_in".to_owned(), true)],
        "the separate urgent help alert"
    );
    assert!(
        !event_kinds(&app, s.escalation.id)
            .await
            .contains(&"help_requested".to_owned())
    );
}
