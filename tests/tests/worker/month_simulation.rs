//! A month of one commune's messages (issue 13, the first required test): a realistic mix of
//! people — Zalo OA followers inside the interaction window, people on Zalo (ZNS), people not
//! on Zalo (SMS), unreachable numbers — and an SMS gateway outage of an hour, through the real
//! path: clients, orders, plans and appointments made by GraphQL mutations, the real planner
//! and sender on a moved clock, wiremock fakes of ZNS, OA and eSMS over HTTP, and the cost read
//! from the `messagingCosts` query and checked against a count made by hand.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc, Weekday};
use entities::{outbox_attempt, outbox_message};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use test_support::gateways::OA_PATH;
use tests::{
    TestApp, db_tests,
    world::{COMMUNE_A, client_input},
};
use uuid::Uuid;
use wiremock::{
    Mock, Request, Respond, ResponseTemplate,
    matchers::{method, path},
};

use crate::support::{ESMS_PATH, ZNS_PATH, book, esms, fake_gateways, sender, zns_error, zns_ok};

db_tests!(a_month_of_messages_reaches_the_reachable_at_the_hand_counted_cost);

/// Followers of the commune's OA who write to it every week: OA, free.
const OA_FOLLOWERS: i64 = 20;
/// On Zalo, not following the OA: ZNS.
const ON_ZALO: i64 = 60;
/// Not on Zalo (15 %): ZNS answers -118, SMS accepts.
const NOT_ON_ZALO: i64 = 15;
/// Unreachable numbers (5 %): ZNS -118, eSMS 108 (malformed number, permanent).
const UNREACHABLE: i64 = 5;
const PEOPLE: i64 = OA_FOLLOWERS + ON_ZALO + NOT_ON_ZALO + UNREACHABLE;

/// The seeded example prices (`channel_prices`, `example: true`), in đồng.
const OA_PRICE: i64 = 0;
const ZNS_CUSTOM_PRICE: i64 = 300;
const SMS_SEGMENT_PRICE: i64 = 1000;

/// The officer's phone (`World`): alerts go there by SMS (the officer has no Zalo id).
const OFFICER_PHONE: &str = "0987654321";

const REPORT: &str = "query($c: String!, $m: String!) { messagingCosts(communeCode: $c, month: $m) { messages deliveryRate costVnd people clientCostVnd costPerPersonVnd unreachablePeople budgetVnd heldMessages channels { channel messages deliveredMessages attempts accepted delivered failed costVnd } failures { channel outcome reason attempts } } }";
const REACHABILITY: &str = "query($id: ID!) { client(id: $id) { reachability { unreachable consecutiveFailures reasons { channel outcome } } } }";
const CREATE_PLAN: &str = "mutation($input: CreateCheckInPlanInput!) { createCheckInPlan(input: $input) { plan { id } } }";
const ASSIGN: &str =
    "mutation($input: AssignToOrderInput!) { assignToOrder(input: $input) { assignment { id } } }";
const ISSUE_TOKEN: &str =
    "mutation($input: IssueOfficerTokenInput!) { issueOfficerToken(input: $input) { token } }";
const SET_BUDGET: &str = "mutation($input: SetCommuneBudgetInput!) { setCommuneBudget(input: $input) { monthlyBudgetVnd } }";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    OaFollower,
    OnZalo,
    NotOnZalo,
    Unreachable,
}

#[derive(Debug, Clone)]
struct Person {
    kind: Kind,
    /// GraphQL id.
    gql: String,
    id: Uuid,
    /// 0912 xxx xxx as eSMS takes it.
    sms_phone: String,
    zalo_user: Option<String>,
}

/// What the fake providers accepted (each an answer that the provider would bill or send).
#[derive(Debug, Clone)]
struct Accepted {
    channel: &'static str,
    /// Our outbox id for ZNS (`tracking_id`) and eSMS (`RequestId`); the provider's id for OA.
    id: String,
    /// Phone (ZNS: 84…, SMS: 0…) or Zalo user id.
    to: String,
    /// SMS text.
    content: String,
}

/// The state the three fakes share: who is not on Zalo, which numbers eSMS refuses, whether
/// eSMS is down, and what each accepted.
#[derive(Clone, Default)]
struct Fakes {
    not_on_zalo: Arc<HashSet<String>>,
    invalid_numbers: Arc<HashSet<String>>,
    sms_down: Arc<AtomicBool>,
    accepted: Arc<Mutex<Vec<Accepted>>>,
    oa_count: Arc<AtomicU64>,
    zns_requests: Arc<Mutex<HashMap<String, u32>>>,
}

impl Fakes {
    fn accept(&self, a: Accepted) {
        self.accepted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(a);
    }

    fn accepted(&self) -> Vec<Accepted> {
        self.accepted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

struct Zns(Fakes);
struct Sms(Fakes);
struct Oa(Fakes);

fn body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap_or_default()
}

impl Respond for Zns {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let b = body(request);
        let phone = b["phone"].as_str().unwrap_or_default().to_owned();
        *self
            .0
            .zns_requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(phone.clone())
            .or_insert(0) += 1;
        if self.0.not_on_zalo.contains(&phone) {
            return zns_error(-118);
        }
        let id = b["tracking_id"].as_str().unwrap_or_default().to_owned();
        self.0.accept(Accepted {
            channel: "zns",
            id: id.clone(),
            to: phone,
            content: String::new(),
        });
        zns_ok(&format!("zns-{id}"))
    }
}

impl Respond for Sms {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if self.0.sms_down.load(Ordering::SeqCst) {
            return ResponseTemplate::new(503);
        }
        let b = body(request);
        let phone = b["Phone"].as_str().unwrap_or_default().to_owned();
        if self.0.invalid_numbers.contains(&phone) {
            return esms("108", "");
        }
        let id = b["RequestId"].as_str().unwrap_or_default().to_owned();
        self.0.accept(Accepted {
            channel: "sms",
            id: id.clone(),
            to: phone,
            content: b["Content"].as_str().unwrap_or_default().to_owned(),
        });
        esms("100", &format!("sms-{id}"))
    }
}

impl Respond for Oa {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let b = body(request);
        let n = self.0.oa_count.fetch_add(1, Ordering::SeqCst);
        let id = format!("oa-{n}");
        self.0.accept(Accepted {
            channel: "oa",
            id: id.clone(),
            to: b["recipient"]["user_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            content: String::new(),
        });
        ResponseTemplate::new(200).set_body_json(
            json!({ "error": 0, "message": "Success", "data": { "message_id": id } }),
        )
    }
}

/// `HH:MM` on `day` of December 2026 in Hà Nội, as UTC.
fn december(day: u32, hour: u32) -> DateTime<Utc> {
    let local = NaiveDate::from_ymd_opt(2026, 12, day)
        .unwrap()
        .and_hms_opt(hour, 0, 0)
        .unwrap();
    Utc.from_utc_datetime(&(local - Duration::hours(7)))
}

/// Runs sender rounds at the current instant until one claims nothing.
async fn drain(sender: &worker::sender::Sender) {
    for _ in 0..200 {
        if sender.run_once().await.expect("sender round") == 0 {
            return;
        }
    }
    panic!("the outbox did not settle in 200 rounds");
}

async fn reply(app: &TestApp, p: &Person, text: &str) {
    let from = match &p.zalo_user {
        Some(u) => api::schedules::check_ins::ReplySender::ZaloUser(u.clone()),
        None => api::schedules::check_ins::ReplySender::Phone(
            domain::Phone::parse(&p.sms_phone).unwrap(),
        ),
    };
    api::schedules::check_ins::record_reply(
        &app.db,
        from,
        text,
        app.clock_now(),
        &app.planning.escalation_defaults,
    )
    .await
    .map_err(|e| e.message())
    .unwrap();
}

// The hand count spells out its zero terms (refusals, the OA) on purpose.
#[allow(clippy::identity_op, clippy::erasing_op)]
async fn a_month_of_messages_reaches_the_reachable_at_the_hand_counted_cost(app: TestApp) {
    let started = std::time::Instant::now();
    let w = app.world().await;
    let admin = app.admin_token.clone();
    app.ok(
        &admin,
        SET_BUDGET,
        json!({ "input": { "communeCode": COMMUNE_A, "monthlyBudgetVnd": 500_000 } }),
    )
    .await;

    // The people of commune A, each with an order whose case officer is officer A, a weekly
    // Monday check-in (08:00–12:00) from 1 December, and two appointments in December.
    let mut people = Vec::new();
    let mut appointments: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
    let kinds = std::iter::repeat_n(Kind::OaFollower, OA_FOLLOWERS as usize)
        .chain(std::iter::repeat_n(Kind::OnZalo, ON_ZALO as usize))
        .chain(std::iter::repeat_n(Kind::NotOnZalo, NOT_ON_ZALO as usize))
        .chain(std::iter::repeat_n(Kind::Unreachable, UNREACHABLE as usize));
    for (i, kind) in kinds.enumerate() {
        let n = 100 + u32::try_from(i).unwrap();
        let mut input = client_input(COMMUNE_A, n);
        let zalo_user = (kind == Kind::OaFollower).then(|| format!("70{n:04}"));
        if let Some(u) = &zalo_user {
            input["zaloUserId"] = json!(u);
        }
        let gql = app.create_client(&admin, input).await;
        let order = app.create_order(&admin, &gql).await;
        app.ok(
            &admin,
            ASSIGN,
            json!({ "input": { "orderId": order, "officerId": w.officer_a, "role": "CASE_OFFICER" } }),
        )
        .await;
        let plan = json!({
            "orderId": order,
            "rule": { "weekly": { "weekdays": ["MON"] } },
            "opensAt": "08:00",
            "windowMinutes": 240,
            "startsOn": "2026-12-01",
        });
        app.ok(&w.officer_a_token, CREATE_PLAN, json!({ "input": plan }))
            .await;
        // Appointments on 9–13 and 21–25 December, 14:00–16:00.
        let offset = n % 5;
        let hour = 14 + n % 3;
        for day in [9 + offset, 21 + offset] {
            let starts = december(day, hour);
            let reminders = book(&app, &w.officer_a_token, &gql, starts).await;
            assert_eq!(reminders.len(), 2, "a day and two hours before");
            appointments.insert(reminders[0].source_id.unwrap(), starts);
        }
        let id = api::graphql::ids::decode("Client", "id", &gql.clone().into()).unwrap();
        people.push(Person {
            kind,
            gql,
            id,
            sms_phone: format!("0912{:03}{:03}", n / 1000 % 1000, n % 1000),
            zalo_user,
        });
    }
    let setup = started.elapsed();

    // The fakes: ZNS refuses the numbers not on Zalo, eSMS refuses the unreachable ones.
    let zns_phone = |p: &Person| format!("84{}", &p.sms_phone[1..]);
    let fakes = Fakes {
        not_on_zalo: Arc::new(
            people
                .iter()
                .filter(|p| matches!(p.kind, Kind::NotOnZalo | Kind::Unreachable))
                .map(zns_phone)
                .collect(),
        ),
        invalid_numbers: Arc::new(
            people
                .iter()
                .filter(|p| p.kind == Kind::Unreachable)
                .map(|p| p.sms_phone.clone())
                .collect(),
        ),
        ..Fakes::default()
    };
    let fake = fake_gateways().await;
    Mock::given(method("POST"))
        .and(path(ZNS_PATH))
        .respond_with(Zns(fakes.clone()))
        .mount(&fake)
        .await;
    Mock::given(method("POST"))
        .and(path(ESMS_PATH))
        .respond_with(Sms(fakes.clone()))
        .mount(&fake)
        .await;
    Mock::given(method("POST"))
        .and(path(OA_PATH))
        .respond_with(Oa(fakes.clone()))
        .mount(&fake)
        .await;
    let sender = sender(&app, &fake);

    // December in Hà Nội, an hour at a time: the planner's tick, then the sender until the
    // outbox settles. eSMS is down from 08:00 to 09:00 on Monday 14 December, the hour the
    // prompts go out. The reachable people check in at 09:00 on Mondays (followers by the OA,
    // which keeps their interaction window open; the others by an SMS reply); the followers
    // also write to the OA on 1 December.
    let outage = (december(14, 8), december(14, 9));
    let (month_start, month_end) = domain::messaging::pricing::month_bounds(2026, 12).unwrap();
    let mut at = month_start;
    let mut steps = 0;
    while at < month_end {
        app.clock.set(at);
        fakes
            .sms_down
            .store(at >= outage.0 && at < outage.1, Ordering::SeqCst);
        app.tick().await;
        drain(&sender).await;
        let local = domain::messaging::local_time::to_local(at);
        if local.hour() == 9 && (local.weekday() == Weekday::Mon || local.day() == 1) {
            for p in people.iter().filter(|p| p.kind != Kind::Unreachable) {
                if local.weekday() == Weekday::Mon {
                    reply(&app, p, "có").await;
                } else if p.zalo_user.is_some() {
                    reply(&app, p, "chào cán bộ").await;
                }
            }
            drain(&sender).await;
        }
        steps += 1;
        at += Duration::hours(1);
    }
    let simulated = started.elapsed() - setup;
    // The tokens of 30 November have expired by now: the officer is given a new one.
    let (_, admin, _) = api::auth::credentials::bootstrap_administrator(
        &app.db,
        "Quản trị",
        None,
        app.clock_now(),
        Duration::days(1),
    )
    .await
    .map_err(|e| e.message())
    .unwrap();
    let data = app
        .ok(
            &admin,
            ISSUE_TOKEN,
            json!({ "input": { "officerId": w.officer_a } }),
        )
        .await;
    let officer = data["issueOfficerToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        fakes.accepted().iter().any(|a| a.channel == "sms"),
        "SMS went out"
    );

    // The rows of December's client messages.
    let by_id: HashMap<Uuid, &Person> = people.iter().map(|p| (p.id, p)).collect();
    let messages: Vec<outbox_message::Model> = outbox_message::Entity::find()
        .filter(outbox_message::Column::CommuneCode.eq(COMMUNE_A))
        .all(&app.db)
        .await
        .unwrap();
    let attempts: Vec<outbox_attempt::Model> =
        outbox_attempt::Entity::find().all(&app.db).await.unwrap();
    let mut attempts_of: HashMap<Uuid, Vec<&outbox_attempt::Model>> = HashMap::new();
    for a in &attempts {
        attempts_of.entry(a.message_id).or_default().push(a);
    }

    // (a) Every due prompt and reminder to a reachable person, accepted within its window:
    // a prompt before its window closes (12:00 that Monday), a reminder before the appointment.
    let mut due = 0;
    let mut in_window = 0;
    let mut per_kind_templates: HashMap<(Kind, String), i64> = HashMap::new();
    for m in &messages {
        let Some(p) = m.client_id.and_then(|c| by_id.get(&c)) else {
            continue;
        };
        if m.due_at >= month_end {
            continue; // January's, planned ahead
        }
        *per_kind_templates
            .entry((p.kind, m.template.clone()))
            .or_insert(0) += 1;
        let deadline = match m.template.as_str() {
            // The nudge before a window closes: withdrawn once the person checked in, so
            // only the unreachable (who never do) are nudged.
            "check_in_nudge" => {
                assert_eq!(
                    m.status == "cancelled",
                    p.kind != Kind::Unreachable,
                    "{:?}: nudge {}",
                    p.kind,
                    m.status
                );
                continue;
            }
            "check_in_prompt" => {
                let local = domain::messaging::local_time::to_local(m.due_at);
                assert_eq!(local.weekday(), Weekday::Mon);
                assert_eq!(local.hour(), 8);
                m.due_at + Duration::hours(4)
            }
            "appointment_reminder" => {
                let starts = appointments[&m.source_id.unwrap()];
                assert_eq!(m.expires_at, Some(starts));
                starts
            }
            other => panic!("unexpected message to a client: {other} ({})", m.status),
        };
        if p.kind == Kind::Unreachable {
            continue;
        }
        due += 1;
        let accepted = attempts_of
            .get(&m.id)
            .into_iter()
            .flatten()
            .filter(|a| a.outcome == "accepted")
            .map(|a| a.attempted_at)
            .min();
        if accepted.is_some_and(|t| t <= deadline) {
            in_window += 1;
        }
    }
    // 4 Mondays (7, 14, 21, 28) and 2 appointments × 2 reminders per person.
    const MESSAGES_PER_PERSON: i64 = 4 + 2 * 2;
    let reachable = PEOPLE - UNREACHABLE;
    assert_eq!(
        due,
        reachable * MESSAGES_PER_PERSON,
        "{per_kind_templates:?}"
    );
    let rate = in_window as f64 / due as f64;
    assert!(rate >= 0.98, "{in_window} of {due} within their window");

    // The outage: SMS prompts of 14 December were refused (503) at 08:00 and went at 09:00.
    let outage_failures: Vec<_> = attempts
        .iter()
        .filter(|a| a.channel == "sms" && a.attempted_at >= outage.0 && a.attempted_at < outage.1)
        .collect();
    assert!(
        outage_failures.len() as i64 >= NOT_ON_ZALO,
        "{}",
        outage_failures.len()
    );
    assert!(outage_failures.iter().all(|a| a.outcome == "retryable"));

    // (b) Nothing reached a gateway twice: each outbox id accepted at most once across ZNS and
    // SMS; each OA acceptance is one message's, and one per message.
    let accepted = fakes.accepted();
    let mut accepted_ids: HashMap<Uuid, u32> = HashMap::new();
    for a in accepted.iter().filter(|a| a.channel != "oa") {
        *accepted_ids
            .entry(Uuid::parse_str(&a.id).unwrap())
            .or_insert(0) += 1;
    }
    let twice: Vec<_> = accepted_ids.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    let oa_accepted: Vec<&Accepted> = accepted.iter().filter(|a| a.channel == "oa").collect();
    let oa_sent: Vec<&outbox_message::Model> = messages
        .iter()
        .filter(|m| m.channel.as_deref() == Some("zalo_oa") && m.status == "sent")
        .collect();
    assert_eq!(oa_accepted.len(), oa_sent.len());
    let oa_ids: HashSet<_> = oa_sent
        .iter()
        .map(|m| m.provider_message_id.clone().unwrap())
        .collect();
    assert_eq!(oa_ids.len(), oa_accepted.len(), "one OA message each");
    // And the sent rows are exactly what the fakes accepted.
    let sent_ids: HashSet<Uuid> = messages
        .iter()
        .filter(|m| m.status == "sent" && m.channel.as_deref() != Some("zalo_oa"))
        .map(|m| m.id)
        .collect();
    assert_eq!(sent_ids, accepted_ids.keys().copied().collect());

    // "Not on Zalo" is learnt: one ZNS request for each such person in the whole month.
    let zns_requests = fakes
        .zns_requests
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    for p in &people {
        let expected = match p.kind {
            Kind::OaFollower => 0,
            Kind::OnZalo => MESSAGES_PER_PERSON as u32,
            Kind::NotOnZalo | Kind::Unreachable => 1,
        };
        assert_eq!(
            zns_requests.get(&zns_phone(p)).copied().unwrap_or(0),
            expected,
            "{:?}",
            p.kind
        );
    }

    // (c) The unreachable people are shown unreachable, with one officer alert each; nobody
    // else is.
    let mut alerts: HashMap<Uuid, Vec<&outbox_message::Model>> = HashMap::new();
    for m in messages
        .iter()
        .filter(|m| m.template == "officer_client_unreachable")
    {
        let client: Uuid = m.dedupe_key.split(':').nth(1).unwrap().parse().unwrap();
        alerts.entry(client).or_default().push(m);
    }
    for p in &people {
        let data = app.ok(&officer, REACHABILITY, json!({ "id": p.gql })).await;
        let r = &data["client"]["reachability"];
        let unreachable = p.kind == Kind::Unreachable;
        assert_eq!(r["unreachable"], unreachable, "{:?}: {r}", p.kind);
        let mine = alerts.get(&p.id).map_or(0, Vec::len);
        assert_eq!(mine, usize::from(unreachable), "{:?}", p.kind);
    }
    assert!(alerts.values().flatten().all(|m| m.status == "sent"));

    // (d) The cost, counted by hand from the category sizes and the seeded prices. Every
    // client text fits one GSM-7 segment (checked on what eSMS received).
    for a in accepted.iter().filter(|a| a.channel == "sms") {
        if a.to != OFFICER_PHONE {
            assert_eq!(
                domain::messaging::segments(&a.content).segments,
                1,
                "{}",
                a.content
            );
        }
    }
    let followers = OA_FOLLOWERS * MESSAGES_PER_PERSON * OA_PRICE; // OA inside the window: free
    let on_zalo = ON_ZALO * MESSAGES_PER_PERSON * ZNS_CUSTOM_PRICE; // one ZNS template each
    let not_on_zalo = NOT_ON_ZALO
        * (0 // the first message's ZNS attempt: -118, a refusal, not billed
            + MESSAGES_PER_PERSON * SMS_SEGMENT_PRICE); // then every message by SMS, 1 segment
    // (the outage's 503s are refusals: not billed)
    let unreachable = UNREACHABLE * 0; // ZNS -118 once, then eSMS 108 each time: never billed
    let client_cost = followers + on_zalo + not_on_zalo + unreachable;
    // PEOPLE clients were messaged; the cost per person rounded half up.
    let per_person = (2 * client_cost + PEOPLE) / (2 * PEOPLE);
    // The officer's alerts (unreachable clients, escalations of their missed check-ins) go by
    // SMS: each accepted text at its own segment count.
    let officer_cost: i64 = accepted
        .iter()
        .filter(|a| a.channel == "sms" && a.to == OFFICER_PHONE)
        .map(|a| i64::try_from(domain::messaging::segments(&a.content).segments).unwrap())
        .sum::<i64>()
        * SMS_SEGMENT_PRICE;

    let data = app
        .ok(&officer, REPORT, json!({ "c": COMMUNE_A, "m": "2026-12" }))
        .await;
    let r = &data["messagingCosts"];
    eprintln!(
        "month simulation ({:?}): {PEOPLE} people, setup {setup:?}, {steps} steps in {simulated:?}; \
         {in_window}/{due} within their window ({:.2} %); hand count {client_cost} đ, \
         {per_person} đ a person, officers {officer_cost} đ\n{r:#}",
        app.backend,
        rate * 100.0
    );
    assert_eq!(r["people"], PEOPLE);
    assert_eq!(r["clientCostVnd"], client_cost);
    assert_eq!(r["costPerPersonVnd"], per_person);
    assert_eq!(r["costVnd"], client_cost + officer_cost);
    assert_eq!(r["unreachablePeople"], UNREACHABLE);
    assert_eq!(r["budgetVnd"], 500_000);
    assert_eq!(r["heldMessages"], 0);
    let channels = r["channels"].as_array().unwrap();
    let channel = |c: &str| channels.iter().find(|x| x["channel"] == c).unwrap().clone();
    assert_eq!(
        channel("ZALO_OA")["accepted"],
        OA_FOLLOWERS * MESSAGES_PER_PERSON
    );
    assert_eq!(channel("ZALO_OA")["costVnd"], 0);
    assert_eq!(
        channel("ZALO_ZNS")["accepted"],
        ON_ZALO * MESSAGES_PER_PERSON
    );
    assert_eq!(
        channel("ZALO_ZNS")["failed"],
        NOT_ON_ZALO + UNREACHABLE,
        "ZNS is tried once on a number not on Zalo"
    );
    assert_eq!(channel("ZALO_ZNS")["costVnd"], on_zalo);
    // Against SMS only: every message one billed segment.
    let sms_only_per_person = MESSAGES_PER_PERSON * SMS_SEGMENT_PRICE;
    assert!(per_person * 3 < sms_only_per_person, "{per_person}");
}
