//! Several workers on one database: claims skip the rows another worker holds, and a delivery
//! job runs at most once per claim, so the gateway sees each message exactly once — through
//! the sender directly, and through whole workers on the apalis queues.

use std::{collections::HashMap, sync::Arc, time::Duration as StdDuration};

use chrono::Duration;
use entities::outbox_message;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use store::settings::SenderSettings;
use tests::{
    Backend, TestApp, spawn_app,
    world::{COMMUNE_A, client_input},
};
use tokio_util::sync::CancellationToken;
use wiremock::{
    Mock, MockServer,
    matchers::{method, path},
};
use worker::{gateways::GatewaySettings, sender::Sender};

use crate::support::{DedupingEsms, ESMS_PATH, bodies, book, fake_gateways, sender_with};

/// Runs rounds until this worker finds nothing left to claim; returns how many it processed.
async fn work(sender: Sender) -> usize {
    let mut total = 0;
    loop {
        match sender.run_once().await.expect("sender round") {
            0 => return total,
            n => total += n,
        }
    }
}

/// 100 appointments for an SMS-only client in commune A, a minute apart from Tuesday 09:00,
/// two reminders each, all due now. Returns the 200 message ids and a fake eSMS that answers
/// after 5 ms and, like the real one, refuses a repeated `RequestId` (the requests it received
/// are in the returned `DedupingEsms`).
async fn two_hundred_due_sms(app: &TestApp) -> (Vec<uuid::Uuid>, MockServer, DedupingEsms) {
    let w = app.world().await;
    let client = app
        .create_client(&app.admin_token, sms_only_client_input(4))
        .await;
    let start = app.clock_now();
    let mut ids = Vec::new();
    for i in 0..100 {
        let at = start + Duration::hours(25) + Duration::minutes(i);
        let reminders = book(app, &w.officer_a_token, &client, at).await;
        assert_eq!(reminders.len(), 2);
        ids.extend(reminders.iter().map(|r| r.id));
    }
    // Tuesday 08:40 in Hà Nội: every reminder is due, no appointment has begun (so none is
    // too late to send), and it is not quiet hours.
    app.clock
        .set(start + Duration::hours(24) + Duration::minutes(40));
    let fake = fake_gateways().await;
    let esms = DedupingEsms {
        delay: StdDuration::from_millis(5),
        ..DedupingEsms::default()
    };
    Mock::given(method("POST"))
        .and(path(ESMS_PATH))
        .respond_with(esms.clone())
        .mount(&fake)
        .await;
    (ids, fake, esms)
}

/// Client `n` of commune A, reachable by SMS only.
fn sms_only_client_input(n: u32) -> serde_json::Value {
    let mut input = client_input(COMMUNE_A, n);
    let fields = input.as_object_mut().unwrap();
    fields.remove("zaloConsent");
    fields.insert("preferredChannel".into(), json!("SMS"));
    input
}

/// The fake received each of `ids` exactly once, and every row is `sent`.
async fn assert_each_sent_once(app: &TestApp, fake: &MockServer, ids: &[uuid::Uuid]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for body in bodies(fake, ESMS_PATH).await {
        *seen
            .entry(body["RequestId"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let repeated: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "sent more than once: {repeated:?}");
    assert_eq!(seen.len(), ids.len(), "every message reached the gateway");
    for id in ids {
        assert_eq!(seen.get(&id.to_string()), Some(&1));
    }
    assert_eq!(sent_count(app, ids).await, ids.len(), "all rows sent");
}

async fn sent_count(app: &TestApp, ids: &[uuid::Uuid]) -> usize {
    try_sent_count(app, ids).await.unwrap()
}

async fn try_sent_count(app: &TestApp, ids: &[uuid::Uuid]) -> Result<usize, sea_orm::DbErr> {
    Ok(outbox_message::Entity::find()
        .filter(outbox_message::Column::Id.is_in(ids.to_vec()))
        .filter(outbox_message::Column::Status.eq("sent"))
        .all(&app.db)
        .await?
        .len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_send_each_of_200_messages_exactly_once() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        eprintln!("skipped: set TEST_DATABASE_URL to a PostgreSQL server to run");
        return;
    };
    let (ids, fake, _) = two_hundred_due_sms(&app).await;
    let settings = SenderSettings {
        batch: 20,
        concurrency: 4,
        ..SenderSettings::default()
    };
    let gateways = GatewaySettings::for_tests(&fake.uri(), &fake.uri());
    let one = tokio::spawn(work(sender_with(&app, gateways.clone(), settings.clone())));
    let two = tokio::spawn(work(sender_with(&app, gateways, settings)));
    let (one, two) = (one.await.unwrap(), two.await.unwrap());
    eprintln!("worker one processed {one}, worker two {two}");
    assert_eq!(one + two, 200, "each message was claimed once");
    assert_each_sent_once(&app, &fake, &ids).await;
}

/// Whole workers (`worker::run`: planner, dispatcher, apalis delivery workers on the
/// apalis-sqlite or apalis-postgres queue) until every message is sent. With `cut_connections`,
/// every database connection is killed once while messages are in flight (a PostgreSQL
/// restart or failover): the workers must reconnect and finish.
async fn deliver_through_apalis(app: &TestApp, workers: usize, cut_connections: bool) {
    // The fake refuses repeated ids, as the real eSMS does, so a send whose outcome was lost
    // with its connection is retried without a second SMS.
    let (ids, fake, esms) = two_hundred_due_sms(app).await;
    let mut settings = store::WorkerSettings::for_tests();
    settings.gateways = GatewaySettings::for_tests(&fake.uri(), &fake.uri());
    settings.tick = StdDuration::from_millis(50);
    settings.sender = SenderSettings {
        batch: 20,
        concurrency: 4,
        // Short, so a claim orphaned by a killed connection comes back within the test.
        lease: Duration::seconds(2),
        ..SenderSettings::default()
    };
    let shutdown = CancellationToken::new();
    let running: Vec<_> = (0..workers)
        .map(|_| {
            tokio::spawn(worker::run(
                app.db.clone(),
                Arc::new(app.clock.clone()),
                settings.clone(),
                shutdown.clone(),
            ))
        })
        .collect();
    let mut cut = false;
    // A deadline against a hang, not a speed target: 200 sends take about a second.
    for _ in 0..1500 {
        // The test watches through the workers' pool, so the cut reaches its own
        // connections too: a query on a killed connection fails once and is asked again.
        let sent = match try_sent_count(app, &ids).await {
            Ok(sent) => sent,
            Err(error) if cut => {
                eprintln!("watching query lost its connection: {error}");
                tokio::time::sleep(StdDuration::from_millis(20)).await;
                continue;
            }
            Err(error) => panic!("counting sent messages: {error}"),
        };
        if sent == ids.len() {
            break;
        }
        if cut_connections && !cut && sent >= 40 {
            cut = true;
            let killed = kill_other_connections(app).await;
            eprintln!("killed {killed} database connections after {sent} sends");
            assert!(killed > 0);
        }
        if cut {
            // Claims orphaned by the cut come back when their 2 s lease expires on the
            // app's clock, so the clock moves on (the appointments are 20 minutes away).
            app.clock.advance(Duration::milliseconds(100));
        }
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    shutdown.cancel();
    for w in running {
        w.await.unwrap().expect("the worker stops cleanly");
    }
    assert_eq!(sent_count(app, &ids).await, ids.len(), "all rows sent");
    let requests = esms.requests.lock().unwrap().clone();
    assert_eq!(
        requests.len(),
        ids.len(),
        "every message reached the gateway"
    );
    for id in &ids {
        assert!(requests.contains_key(&id.to_string()), "{id} accepted");
    }
    if cut_connections {
        return;
    }
    assert_each_sent_once(app, &fake, &ids).await;
    let queue = worker::queue::DeliveryQueue::open(&app.db, &settings.sender)
        .await
        .unwrap();
    let pruned = queue
        .prune(chrono::Utc::now() + Duration::minutes(1))
        .await
        .unwrap();
    // A job carries up to `MAX_MESSAGES_PER_JOB` messages of one claim.
    let fewest = 200_u64.div_ceil(worker::queue::MAX_MESSAGES_PER_JOB as u64);
    assert!(
        (fewest..=200).contains(&pruned),
        "every finished apalis job pruned ({pruned})"
    );
}

/// Terminates every other connection to the test's database; returns how many.
async fn kill_other_connections(app: &TestApp) -> usize {
    use sea_orm::ConnectionTrait;
    let killer = store::db::connect(&app.database_url(), 1).await.unwrap();
    let rows = killer
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        ))
        .await
        .unwrap();
    killer.close().await.ok();
    rows.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn apalis_workers_ride_out_killed_database_connections() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        eprintln!("skipped: set TEST_DATABASE_URL to a PostgreSQL server to run");
        return;
    };
    deliver_through_apalis(&app, 2, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_apalis_workers_on_postgres_deliver_each_message_once() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        eprintln!("skipped: set TEST_DATABASE_URL to a PostgreSQL server to run");
        return;
    };
    deliver_through_apalis(&app, 2, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_embedded_worker_delivers_through_apalis_sqlite() {
    let app = spawn_app(Backend::Sqlite)
        .await
        .expect("SQLite always runs");
    deliver_through_apalis(&app, 1, false).await;
}

/// Puts messages `ids` under a new lease token, as another dispatch or delivery taking them
/// over would; returns the token.
async fn take_over(app: &TestApp, ids: &[uuid::Uuid]) -> uuid::Uuid {
    let token = uuid::Uuid::now_v7();
    outbox_message::Entity::update_many()
        .col_expr(
            outbox_message::Column::LeaseToken,
            sea_orm::sea_query::Expr::value(token),
        )
        .filter(outbox_message::Column::Id.is_in(ids.to_vec()))
        .exec(&app.db)
        .await
        .unwrap();
    token
}

/// The ids of the messages `s` claims now for `dispatch` (the real claim, as the dispatcher's).
async fn claimed_ids(s: &Sender, dispatch: uuid::Uuid) -> Vec<uuid::Uuid> {
    s.claim_due(dispatch)
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect()
}

/// A delivery job takes its messages together: run again (apalis retried it, or it outlived
/// its lease), it takes none and calls nothing; a job whose claims went partly to a later
/// dispatch sends only the rest.
async fn a_job_takes_its_messages_once(app: TestApp) {
    let (ids, fake, esms) = two_hundred_due_sms(&app).await;
    let s = sender_with(
        &app,
        GatewaySettings::for_tests(&fake.uri(), &fake.uri()),
        SenderSettings {
            batch: 20,
            ..SenderSettings::default()
        },
    );
    let dispatch = uuid::Uuid::now_v7();
    let claimed = claimed_ids(&s, dispatch).await;
    assert_eq!(claimed.len(), 20);
    let (first, rest) = claimed.split_at(16);
    assert_eq!(s.deliver_all(first, dispatch).await.unwrap(), 16);
    assert_eq!(
        s.deliver_all(first, dispatch).await.unwrap(),
        0,
        "a job run twice"
    );
    assert_eq!(esms.requests.lock().unwrap().len(), 16);
    // Two of the rest were dispatched again under another token (their lease expired).
    take_over(&app, &rest[..2]).await;
    assert_eq!(s.deliver_all(rest, dispatch).await.unwrap(), 2);
    let requests = esms.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 18);
    assert!(!requests.contains_key(&rest[0].to_string()));
    assert!(requests.contains_key(&rest[3].to_string()));
    assert_eq!(sent_count(&app, &ids).await, 18);
}

/// Starts and outcomes written by one group statement each (PostgreSQL; SQLite writes them one
/// by one): each delivery's write is guarded by its own lease, so a message whose lease was
/// taken over keeps the new holder's state while its neighbours in the group are recorded,
/// and the call it made still gets its answer on the attempt row.
async fn grouped_writes_keep_each_delivery_to_its_own_lease(app: TestApp) {
    use domain::messaging::{channel::Channel, outcome::OutcomeClass};
    use store::outbox::{Attempt, Finish, GroupedWrites, Outcome};

    let (ids, fake, _) = two_hundred_due_sms(&app).await;
    let s = sender_with(
        &app,
        GatewaySettings::for_tests(&fake.uri(), &fake.uri()),
        SenderSettings::default(),
    );
    let dispatch = uuid::Uuid::now_v7();
    let claimed = s.claim_due(dispatch).await.unwrap();
    let takers: Vec<(uuid::Uuid, uuid::Uuid)> = claimed
        .iter()
        .take(3)
        .map(|m| (m.id, uuid::Uuid::now_v7()))
        .collect();
    let now = app.clock_now();
    let taken = store::outbox::take_all(
        &app.db,
        &takers,
        dispatch,
        s.worker_id(),
        now,
        now + Duration::minutes(5),
    )
    .await
    .unwrap();
    assert_eq!(taken.len(), 3);
    let token_of = |id: uuid::Uuid| takers.iter().find(|(m, _)| *m == id).unwrap().1;
    let writes = Arc::new(GroupedWrites::new(app.db.clone()));
    let prices = store::pricing::PriceTable::load(&app.db).await.unwrap();
    let started = futures::future::join_all(taken.iter().map(|m| {
        let (writes, prices) = (writes.clone(), &prices);
        async move {
            let start = store::outbox::Start {
                message_id: m.id,
                token: token_of(m.id),
                channel: Channel::Sms,
                at: now,
                billing: store::pricing::start_billing(prices, m, "esms", Channel::Sms, now),
            };
            writes.start(start).await.unwrap()
        }
    }))
    .await;
    assert!(started.iter().all(Option::is_some), "every lease held");
    // Another delivery takes the second message over.
    let thief = take_over(&app, &[taken[1].id]).await;
    let finished = futures::future::join_all(taken.iter().zip(&started).map(|(m, attempt)| {
        let (writes, prices) = (writes.clone(), &prices);
        async move {
            let provider_id = format!("esms-{}", m.id);
            let attempt = Attempt {
                id: attempt.unwrap(),
                channel: Channel::Sms,
                provider: "esms",
                class: OutcomeClass::Accepted {
                    provider_id: provider_id.clone(),
                },
            };
            let finish = Finish::sent(Some(provider_id), now);
            let outcome = Outcome::new(
                m.clone(),
                token_of(m.id),
                finish,
                now,
                Some((attempt, prices)),
            );
            writes.finish(outcome).await.unwrap()
        }
    }))
    .await;
    assert!(finished.iter().all(|billed| billed.is_some_and(|v| v > 0)));
    let rows = |id: uuid::Uuid| {
        let db = app.db.clone();
        async move {
            outbox_message::Entity::find_by_id(id)
                .one(&db)
                .await
                .unwrap()
                .unwrap()
        }
    };
    for i in [0, 2] {
        let m = rows(taken[i].id).await;
        assert_eq!(m.status, "sent");
        assert_eq!(m.lease_token, None);
        assert_eq!(m.provider_message_id, Some(format!("esms-{}", m.id)));
    }
    let stolen = rows(taken[1].id).await;
    assert_eq!(stolen.status, "sending", "the new holder's state stands");
    assert_eq!(stolen.lease_token, Some(thief));
    for (m, attempt) in taken.iter().zip(&started) {
        let a = entities::outbox_attempt::Entity::find_by_id(attempt.unwrap())
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a.message_id, m.id);
        assert_eq!(a.outcome, "accepted", "the call's answer is what happened");
        assert_eq!(a.provider_message_id, Some(format!("esms-{}", m.id)));
        assert!(a.billed_vnd.is_some_and(|v| v > 0));
        assert_eq!(a.commune_code.as_deref(), Some(m.commune_code.as_str()));
    }
    assert_eq!(sent_count(&app, &ids).await, 2);
}

tests::db_tests!(
    a_job_takes_its_messages_once,
    grouped_writes_keep_each_delivery_to_its_own_lease,
);

/// Grouped outcomes that end the failure runs of several clients lock their
/// `client_reachability` rows in client order, whatever the order of the group: two groups
/// sharing clients then queue behind each other instead of each holding a row the other needs
/// (a deadlock, which PostgreSQL breaks by failing one group's whole statement). Shown with a
/// third transaction holding the lower client's row: a group listing the higher client first
/// waits for the lower row without having locked the higher one.
async fn grouped_outcomes_lock_reachability_rows_in_client_order(app: TestApp) {
    use sea_orm::{ActiveModelTrait, ConnectionTrait, Statement};
    use store::outbox::{Finish, Outcome};

    let w = app.world().await;
    let start = app.clock_now();
    let mut messages = Vec::new();
    for n in [11, 12] {
        let client = app
            .create_client(&app.admin_token, sms_only_client_input(n))
            .await;
        let reminders = book(
            &app,
            &w.officer_a_token,
            &client,
            start + Duration::hours(25),
        )
        .await;
        messages.push(reminders[0].clone());
    }
    app.clock
        .set(start + Duration::hours(24) + Duration::minutes(40));
    // Higher client first: in the group, in the table, and so in any plan that follows either.
    messages.sort_by_key(|m| std::cmp::Reverse(m.client_id));
    let (hi, lo) = (
        messages[0].client_id.unwrap(),
        messages[1].client_id.unwrap(),
    );
    let now = app.clock_now();
    for client in [hi, lo] {
        entities::client_reachability::ActiveModel {
            client_id: sea_orm::Set(client),
            consecutive_failures: sea_orm::Set(2),
            unreachable_since: sea_orm::Set(None),
            updated_at: sea_orm::Set(now),
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    let fake = fake_gateways().await;
    let s = sender_with(
        &app,
        GatewaySettings::for_tests(&fake.uri(), &fake.uri()),
        SenderSettings::default(),
    );
    let dispatch = uuid::Uuid::now_v7();
    let claimed = claimed_ids(&s, dispatch).await;
    let takers: Vec<(uuid::Uuid, uuid::Uuid)> = messages
        .iter()
        .map(|m| (m.id, uuid::Uuid::now_v7()))
        .collect();
    assert!(takers.iter().all(|(id, _)| claimed.contains(id)));
    let taken = store::outbox::take_all(
        &app.db,
        &takers,
        dispatch,
        s.worker_id(),
        now,
        now + Duration::minutes(5),
    )
    .await
    .unwrap();
    assert_eq!(taken.len(), 2);
    let by_id = |id: uuid::Uuid| taken.iter().find(|m| m.id == id).unwrap().clone();
    let outcomes: Vec<Outcome> = takers
        .iter()
        .map(|&(id, token)| Outcome::new(by_id(id), token, Finish::sent(None, now), now, None))
        .collect();

    let holder = store::db::begin_write(&app.db).await.unwrap();
    let lock = |client: uuid::Uuid, nowait: &str| {
        Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            format!(
                "SELECT client_id FROM client_reachability WHERE client_id = $1 FOR UPDATE {nowait}"
            ),
            [client.into()],
        )
    };
    holder.execute_raw(lock(lo, "")).await.unwrap();
    let db = app.db.clone();
    let group = tokio::spawn(async move { store::outbox::finish_all(&db, outcomes).await });
    // Until the group waits for a lock.
    let waiting = Statement::from_string(
        sea_orm::DatabaseBackend::Postgres,
        "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
         AND datname = current_database()",
    );
    let mut blocked = false;
    for _ in 0..100 {
        let row = app
            .db
            .query_one_raw(waiting.clone())
            .await
            .unwrap()
            .unwrap();
        if row.try_get::<i64>("", "n").unwrap() > 0 {
            blocked = true;
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    assert!(blocked, "the group waits for the lower client's row");
    let higher_free = app.db.execute_raw(lock(hi, "NOWAIT")).await;
    holder.commit().await.unwrap();
    let held = group
        .await
        .unwrap()
        .expect("the group's statement succeeds");
    assert!(
        higher_free.is_ok(),
        "the group locked the higher client's row while waiting for the lower one: {higher_free:?}"
    );
    assert_eq!(held, vec![true, true]);
    for client in [hi, lo] {
        let row = entities::client_reachability::Entity::find_by_id(client)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.consecutive_failures, 0, "the run of failures ended");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn grouped_outcomes_lock_reachability_rows_in_client_order_on_postgres() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        eprintln!("skipped: set TEST_DATABASE_URL to a PostgreSQL server to run");
        return;
    };
    grouped_outcomes_lock_reachability_rows_in_client_order(app).await;
}
