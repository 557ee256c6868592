//! A worker that dies holding claims delays nobody for long: every worker beats, a claim of a
//! worker whose heartbeat stopped is taken over after a few heartbeats, not after the lease,
//! and a live worker's slow delivery keeps its lease while its heartbeat goes on.

use std::time::Duration as StdDuration;

use chrono::Duration;
use store::settings::SenderSettings;
use tests::{TestApp, db_tests};
use uuid::Uuid;

use crate::support::{
    attempts, client_a_reminder_due, pairs, reload, sender, zns_ok, zns_to_client_a,
};

db_tests!(
    a_dead_workers_claim_is_taken_over_when_its_heartbeat_stops,
    a_slow_delivery_keeps_its_lease_while_its_worker_beats,
);

async fn a_dead_workers_claim_is_taken_over_when_its_heartbeat_stops(app: TestApp) {
    let (_, reminder, fake) = client_a_reminder_due(&app).await;
    zns_to_client_a(&reminder)
        .respond_with(zns_ok("zns-1"))
        .expect(1)
        .mount(&fake)
        .await;
    let settings = SenderSettings::default();
    let (heartbeat, stale_after, lease) =
        (settings.heartbeat, settings.stale_after, settings.lease);
    assert!(
        stale_after * 4 < lease,
        "the test must show more than the lease"
    );

    // A worker beats, claims the reminder, and dies before delivering it.
    let dead = sender(&app, &fake);
    dead.beat().await.unwrap();
    let claimed = dead.claim_due(Uuid::now_v7()).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].worker_id, Some(dead.worker_id()));
    drop(dead);

    let alive = sender(&app, &fake);
    alive.beat().await.unwrap();
    assert_eq!(
        alive.run_once().await.unwrap(),
        0,
        "a fresh claim is left alone"
    );

    // Within the staleness interval the claim is still the dead worker's.
    app.clock.advance(heartbeat);
    alive.beat().await.unwrap();
    assert_eq!(alive.run_once().await.unwrap(), 0, "not stale yet");

    // Past the staleness interval (seconds, not the two-minute lease) it is taken over.
    app.clock
        .advance(stale_after - heartbeat + Duration::seconds(1));
    alive.beat().await.unwrap();
    assert_eq!(alive.run_once().await.unwrap(), 1);
    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "sent");
    assert_eq!(row.worker_id, Some(alive.worker_id()));
    assert_eq!(
        attempts(&app, reminder.id).await,
        pairs(&[("zalo_zns", "accepted")])
    );
    fake.verify().await;
}

async fn a_slow_delivery_keeps_its_lease_while_its_worker_beats(app: TestApp) {
    let (_, reminder, fake) = client_a_reminder_due(&app).await;
    zns_to_client_a(&reminder)
        .respond_with(zns_ok("zns-slow").set_delay(StdDuration::from_millis(1500)))
        .expect(1)
        .mount(&fake)
        .await;
    let lease = SenderSettings::default().lease;
    let slow = sender(&app, &fake);
    slow.beat().await.unwrap();
    let delivering = tokio::spawn({
        let slow = slow.clone();
        async move { slow.run_once().await.unwrap() }
    });
    // The call is under way; the lease would have expired by now without the heartbeat.
    tokio::time::sleep(StdDuration::from_millis(500)).await;
    assert_eq!(reload(&app, reminder.id).await.status, "sending");
    app.clock.advance(lease + Duration::seconds(1));
    slow.beat().await.unwrap();

    let other = sender(&app, &fake);
    other.beat().await.unwrap();
    assert_eq!(other.run_once().await.unwrap(), 0, "the lease was renewed");
    assert_eq!(delivering.await.unwrap(), 1);
    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "sent");
    assert_eq!(
        attempts(&app, reminder.id).await,
        pairs(&[("zalo_zns", "accepted")])
    );
    fake.verify().await;
}
