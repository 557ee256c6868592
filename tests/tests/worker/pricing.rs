//! Prices as data (issue 13, item 1): a national administrator sets a price from a day on, and
//! every gateway attempt records its provider, segments and the price in force at its time —
//! through GraphQL, the planner, the sender and the fake gateways.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use entities::{channel_price, outbox_attempt};
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::json;
use tests::{TestApp, db_tests};

use crate::support::{
    check_in_prompt_due, drain, esms, fake_gateways, sender, zns_and_sms_answer, zns_error,
};

db_tests!(
    a_price_change_mid_month_bills_each_attempt_at_the_price_in_force_at_its_time,
    prices_are_set_by_national_administrators_within_bounds,
    the_monthly_report_counts_and_costs_a_communes_messages,
);

const REPORT: &str = "query($c: String!, $m: String!) { messagingCosts(communeCode: $c, month: $m) { communeCode month messages deliveryRate costVnd people clientCostVnd costPerPersonVnd channels { channel messages deliveredMessages attempts accepted delivered failed costVnd } failures { channel outcome reason attempts } } }";

const SET_PRICE: &str = "mutation($input: SetChannelPriceInput!) { setChannelPrice(input: $input) { price { provider channel unit priceVnd effectiveFrom example } } }";
const PRICES: &str = "{ channelPrices { provider channel unit priceVnd effectiveFrom example } }";
const ATTEMPTS: &str = "query($c: ID!) { messages(filter: { clientId: $c }, first: 100) { edges { node { attempts { channel provider segments priceVnd billedVnd outcome } } } } }";

fn price_input(
    provider: &str,
    channel: &str,
    unit: &str,
    price: i64,
    from: &str,
) -> serde_json::Value {
    json!({ "input": { "provider": provider, "channel": channel, "unit": unit, "priceVnd": price, "effectiveFrom": from } })
}

/// 08:00 in Hà Nội on `day`.
fn morning(day: &str) -> DateTime<Utc> {
    let d: NaiveDate = day.parse().unwrap();
    Utc.from_utc_datetime(&d.and_hms_opt(1, 0, 0).unwrap())
}

/// The price in force for `unit` on `day`, read from the table the way a person would.
async fn price_on(app: &TestApp, provider: &str, unit: &str, day: NaiveDate) -> Option<i64> {
    channel_price::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.provider == provider && p.unit == unit && p.effective_from <= day)
        .max_by_key(|p| p.effective_from)
        .map(|p| p.price_vnd)
}

async fn a_price_change_mid_month_bills_each_attempt_at_the_price_in_force_at_its_time(
    app: TestApp,
) {
    let w = app.world().await;
    // From 15 December an SMS segment costs 1,200 đ and a ZNS message 250 đ (the seeded
    // examples are 1,000 and 300).
    for (provider, channel, unit, price) in [
        ("ESMS", "SMS", "SMS_SEGMENT", 1200),
        ("ZALO", "ZALO_ZNS", "ZNS_CUSTOM", 250),
    ] {
        let data = app
            .ok(
                &app.admin_token,
                SET_PRICE,
                price_input(provider, channel, unit, price, "2026-12-15"),
            )
            .await;
        assert_eq!(data["setChannelPrice"]["price"]["example"], false);
    }
    // Client A is not on Zalo (ZNS -118, not billed) and gets each prompt by SMS (billed).
    let fake = fake_gateways().await;
    zns_and_sms_answer(&fake, zns_error(-118), esms("100", "sms-1")).await;
    let sender = sender(&app, &fake);
    check_in_prompt_due(&app, &w).await;
    drain(&sender).await;
    // Mondays and Thursdays across the change: the 14th (before), the 17th and 21st (after).
    // The client checks in each time by SMS reply, so no miss and no escalation interferes.
    for day in [
        "2026-12-03",
        "2026-12-07",
        "2026-12-10",
        "2026-12-14",
        "2026-12-17",
        "2026-12-21",
    ] {
        app.clock.set(morning(day));
        app.tick().await;
        drain(&sender).await;
        api::schedules::check_ins::record_reply(
            &app.db,
            api::schedules::check_ins::ReplySender::Phone(
                domain::Phone::parse("0912000001").unwrap(),
            ),
            "co",
            app.clock_now(),
            &app.planning.escalation_defaults,
        )
        .await
        .map_err(|e| e.message())
        .unwrap();
        app.clock.advance(Duration::minutes(5));
        drain(&sender).await;
    }
    let attempts = outbox_attempt::Entity::find()
        .order_by_asc(outbox_attempt::Column::AttemptedAt)
        .all(&app.db)
        .await
        .unwrap();
    let mut sms_before = 0;
    let mut sms_after = 0;
    for a in &attempts {
        let day = domain::messaging::pricing::price_day(a.attempted_at);
        let (provider, unit, billed) = match a.channel.as_str() {
            "sms" => ("esms", "sms_segment", true),
            "zalo_zns" => ("zalo", "zns_custom", false),
            other => panic!("unexpected channel {other}"),
        };
        let segments = i64::from(a.segments.unwrap_or(1));
        let expected = price_on(&app, provider, unit, day)
            .await
            .map(|p| p * segments);
        assert_eq!(a.provider.as_deref(), Some(provider), "{a:?}");
        assert_eq!(a.unit.as_deref(), Some(unit), "{a:?}");
        assert_eq!(a.price_vnd, expected, "{a:?}");
        assert_eq!(
            a.billed_vnd,
            expected.map(|p| if billed { p } else { 0 }),
            "{a:?}"
        );
        assert_eq!(a.commune_code.as_deref(), Some(tests::world::COMMUNE_A));
        if a.channel == "sms" {
            assert_eq!(
                a.segments,
                Some(1),
                "every client template fits one segment"
            );
            if day < "2026-12-15".parse().unwrap() {
                assert_eq!(a.billed_vnd, Some(1000));
                sms_before += 1;
            } else {
                assert_eq!(a.billed_vnd, Some(1200));
                sms_after += 1;
            }
        } else {
            assert_eq!(a.outcome, "recipient_unreachable");
            assert_eq!(a.segments, None);
        }
    }
    assert!(
        sms_before >= 4 && sms_after >= 2,
        "{sms_before} before, {sms_after} after"
    );
    // The same figures through GraphQL.
    let data = app
        .ok(&w.officer_a_token, ATTEMPTS, json!({ "c": w.client_a }))
        .await;
    let billed: i64 = data["messages"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["node"]["attempts"].as_array().unwrap().clone())
        .map(|a| a["billedVnd"].as_i64().unwrap())
        .sum();
    let stored: i64 = attempts.iter().map(|a| a.billed_vnd.unwrap_or(0)).sum();
    assert_eq!(billed, stored);
    assert_eq!(stored, 1000 * sms_before + 1200 * sms_after);
}

async fn prices_are_set_by_national_administrators_within_bounds(app: TestApp) {
    let w = app.world().await;
    let data = app.ok(&w.officer_a_token, PRICES, json!({})).await;
    let seeded = data["channelPrices"].as_array().unwrap();
    assert!(seeded.iter().all(|p| p["example"] == true), "{seeded:?}");
    assert!(
        seeded
            .iter()
            .any(|p| p["unit"] == "SMS_SEGMENT" && p["priceVnd"] == 1000)
    );
    let good = price_input("ESMS", "SMS", "SMS_SEGMENT", 900, "2026-12-01");
    assert_eq!(
        app.error_code(&w.officer_a_token, SET_PRICE, good.clone())
            .await,
        "FORBIDDEN"
    );
    let (_, province_admin, _) = api::auth::credentials::bootstrap_administrator(
        &app.db,
        "Province admin",
        Some("01".into()),
        app.clock_now(),
        Duration::days(1),
    )
    .await
    .map_err(|e| e.message())
    .unwrap();
    assert_eq!(
        app.error_code(&province_admin, SET_PRICE, good.clone())
            .await,
        "FORBIDDEN"
    );
    for (input, field) in [
        (
            price_input("ESMS", "SMS", "ZNS_CUSTOM", 900, "2026-12-01"),
            "unit",
        ),
        (
            price_input("ESMS", "ZALO_ZNS", "ZNS_CUSTOM", 900, "2026-12-01"),
            "channel",
        ),
        (
            price_input("ESMS", "SMS", "SMS_SEGMENT", -1, "2026-12-01"),
            "priceVnd",
        ),
        (
            price_input("ESMS", "SMS", "SMS_SEGMENT", 100_001, "2026-12-01"),
            "priceVnd",
        ),
        (
            price_input("ESMS", "SMS", "SMS_SEGMENT", 900, "2026-11-29"),
            "effectiveFrom",
        ),
        (
            price_input("ESMS", "SMS", "SMS_SEGMENT", 900, "2028-01-01"),
            "effectiveFrom",
        ),
    ] {
        let body = app.graphql(Some(&app.admin_token), SET_PRICE, input).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{body}"
        );
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    assert_eq!(
        app.count("channel_prices WHERE NOT example").await,
        0,
        "nothing written"
    );
    // Set twice for the same day: one row, the last price; audited each time.
    app.ok(&app.admin_token, SET_PRICE, good.clone()).await;
    let again = price_input("ESMS", "SMS", "SMS_SEGMENT", 950, "2026-12-01");
    let data = app.ok(&app.admin_token, SET_PRICE, again).await;
    assert_eq!(data["setChannelPrice"]["price"]["priceVnd"], 950);
    assert_eq!(app.count("channel_prices WHERE NOT example").await, 1);
    assert_eq!(
        app.count("audit_log WHERE action = 'channel_price.set'")
            .await,
        2
    );
}

/// December for client A: each prompt tried on ZNS (not on Zalo, free) then sent by SMS; the
/// SMS receipts come back; the report's figures match a count made by hand from the attempts.
/// ZNS is rechecked after a day here (prompts are days apart), so each prompt tries it.
async fn the_monthly_report_counts_and_costs_a_communes_messages(app: TestApp) {
    let w = app.world().await;
    let fake = fake_gateways().await;
    zns_and_sms_answer(&fake, zns_error(-118), esms("100", "sms-dec")).await;
    let sender = crate::support::sender_with(
        &app,
        worker::gateways::GatewaySettings::for_tests(&fake.uri(), &fake.uri()),
        store::settings::SenderSettings {
            zns_recheck: Duration::days(1),
            ..Default::default()
        },
    );
    check_in_prompt_due(&app, &w).await; // 30 November: not December.
    drain(&sender).await;
    for day in ["2026-12-03", "2026-12-07"] {
        app.clock.set(morning(day));
        app.tick().await;
        drain(&sender).await;
        api::schedules::check_ins::record_reply(
            &app.db,
            api::schedules::check_ins::ReplySender::Phone(
                domain::Phone::parse("0912000001").unwrap(),
            ),
            "co",
            app.clock_now(),
            &app.planning.escalation_defaults,
        )
        .await
        .map_err(|e| e.message())
        .unwrap();
        drain(&sender).await;
    }
    // eSMS reports every SMS it accepted as delivered.
    let url = format!(
        "{}/webhooks/esms/test-esms-secret?SMSID=sms-dec&SendStatus=5",
        app.address
    );
    assert_eq!(
        app.http.get(url).send().await.unwrap().status().as_u16(),
        200
    );

    // The hand count, from the attempt rows of December (Hà Nội time).
    let (start, end) = domain::messaging::pricing::month_bounds(2026, 12).unwrap();
    let december: Vec<_> = outbox_attempt::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.attempted_at >= start && a.attempted_at < end)
        .collect();
    let sms: Vec<_> = december.iter().filter(|a| a.channel == "sms").collect();
    let zns: Vec<_> = december
        .iter()
        .filter(|a| a.channel == "zalo_zns")
        .collect();
    assert_eq!(sms.len(), 2, "the two December prompts");
    assert_eq!(zns.len(), sms.len(), "each tried on ZNS first");
    assert!(december.iter().all(|a| a.channel != "zalo_oa"));
    let cost = 1000 * i64::try_from(sms.len()).unwrap();

    let data = app
        .ok(
            &w.officer_a_token,
            REPORT,
            json!({ "c": tests::world::COMMUNE_A, "m": "2026-12" }),
        )
        .await;
    let r = &data["messagingCosts"];
    assert_eq!(
        r["messages"],
        sms.len(),
        "a message tried on two channels counts once"
    );
    assert_eq!(r["deliveryRate"], 1.0);
    assert_eq!(r["costVnd"], cost);
    assert_eq!(r["people"], 1);
    assert_eq!(r["clientCostVnd"], cost);
    assert_eq!(r["costPerPersonVnd"], cost);
    let channels = r["channels"].as_array().unwrap();
    let by = |c: &str| channels.iter().find(|x| x["channel"] == c).unwrap().clone();
    let s = by("SMS");
    assert_eq!(
        (
            s["messages"].as_u64(),
            s["deliveredMessages"].as_u64(),
            s["attempts"].as_u64()
        ),
        (
            Some(sms.len() as u64),
            Some(sms.len() as u64),
            Some(sms.len() as u64)
        )
    );
    assert_eq!(
        (s["accepted"].as_u64(), s["failed"].as_u64()),
        (Some(sms.len() as u64), Some(0))
    );
    assert_eq!(s["costVnd"], cost);
    let z = by("ZALO_ZNS");
    assert_eq!(
        (z["accepted"].as_u64(), z["failed"].as_u64()),
        (Some(0), Some(zns.len() as u64))
    );
    assert_eq!(z["costVnd"], 0);
    let failures = r["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0]["outcome"], "recipient_unreachable");
    assert_eq!(failures[0]["reason"].as_str(), zns[0].reason.as_deref());
    assert_eq!(failures[0]["attempts"], zns.len());

    // November holds only the 30 November prompt.
    let data = app
        .ok(
            &w.officer_a_token,
            REPORT,
            json!({ "c": tests::world::COMMUNE_A, "m": "2026-11" }),
        )
        .await;
    assert_eq!(data["messagingCosts"]["costVnd"], 1000);
    // Scoped like the rest: another commune's officer does not see it; bad months are refused.
    let officer_b_token = app.officer_token(&w.officer_b).await;
    let body = app
        .graphql(
            Some(&officer_b_token),
            REPORT,
            json!({ "c": tests::world::COMMUNE_A, "m": "2026-12" }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{body}"
    );
    let body = app
        .graphql(
            Some(&app.admin_token),
            REPORT,
            json!({ "c": tests::world::COMMUNE_A, "m": "2026-13" }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "month", "{body}");
    // And the cost is a Prometheus counter.
    let metrics = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("donghanh_message_cost_vnd_total{channel=\"sms\",provider=\"esms\"}"),
        "{metrics}"
    );
}
