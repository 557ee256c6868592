//! Escalations of the generated missed check-ins, as the product's sweep would have left them
//! under the default policy (two misses in a row or three in 30 days, an hour of grace; level
//! 1 the case officer for 4 h, level 2 the commune police chief and chairman for 24 h, level 3
//! the province PC04 — whom the generator has none of — for 24 h): the escalation row, its
//! history (`opened`, `missed`, `level_raised`, `top_reported`, `acknowledged`, `resolved`), its
//! acknowledgement code (hashed) and the alerts it caused in the outbox.
//!
//! Each client's escalations come from a stream seeded by the client's id, so the other
//! tables' rows are the same as without them. How long officers take to acknowledge and to
//! resolve is drawn per escalation; where "now" falls in that timeline decides whether it is
//! still open (at the level its age reached), acknowledged or resolved — about 2% of clients
//! have one unresolved, and most escalations of the check-in history are resolved.

use chrono::{DateTime, Duration, Utc};
use domain::escalation::{AckCode, AckMethod, Outcome};
use entities::{escalation, escalation_ack_code, escalation_event};
use rand::{Rng, SeedableRng, rngs::StdRng};
use uuid::Uuid;

use super::{
    ClientCtx, Rows,
    messages::{self, Message, Recipient},
    new_id,
    officers::Staff,
};

/// The default policy's numbers (`domain::escalation::EscalationPolicy::default`).
const GRACE: Duration = Duration::minutes(60);
const CONSECUTIVE_TO_OPEN: u32 = 2;
const MISSES_TO_OPEN: usize = 3;
const LOOKBACK: Duration = Duration::days(30);
/// Minutes at levels 1 and 2 before moving up; level 3 times out (is reported) after a day.
const LEVEL_MINUTES: [i64; 3] = [4 * 60, 24 * 60, 24 * 60];
/// Share of escalations nobody acknowledges (they climb to the top and stay open).
const NEVER_ACKNOWLEDGED: f64 = 0.05;

/// One escalation being built, with its timeline drawn in advance.
struct Building {
    id: Uuid,
    opened_at: DateTime<Utc>,
    /// When an officer takes it (`None`: never).
    acknowledged_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    misses: i32,
    events: Vec<escalation_event::Model>,
}

impl Building {
    /// Unresolved at `at`: later misses attach to it.
    fn unresolved_at(&self, at: DateTime<Utc>) -> bool {
        self.resolved_at.is_none_or(|r| at < r)
    }
}

/// The level an unacknowledged escalation reached `elapsed` after opening, and since when.
fn level_after(opened_at: DateTime<Utc>, until: DateTime<Utc>) -> (i32, DateTime<Utc>) {
    let mut level = 1;
    let mut since = opened_at;
    for minutes in &LEVEL_MINUTES[..2] {
        let next = since + Duration::minutes(*minutes);
        if next > until {
            break;
        }
        level += 1;
        since = next;
    }
    (level, since)
}

/// The escalations of the client whose occurrences were just generated.
pub fn for_client(rows: &mut Rows, c: &ClientCtx<'_>, staff: &Staff) {
    let mut rng = StdRng::seed_from_u64(u64::from_le_bytes(
        c.client_id.as_bytes()[..8].try_into().unwrap_or_default(),
    ));
    let mut windows: Vec<(DateTime<Utc>, bool, Uuid)> = rows
        .occurrences
        .iter()
        .rev()
        .take_while(|o| o.client_id == c.client_id)
        .filter(|o| o.closes_at + GRACE <= c.now)
        .map(|o| (o.closes_at, o.status == "missed", o.id))
        .collect();
    windows.sort();
    let chiefs: Vec<Uuid> = staff
        .rows
        .iter()
        .filter(|o| matches!(o.role.as_str(), "commune_police_chief" | "commune_chairman"))
        .map(|o| o.id)
        .collect();
    let mut current: Option<Building> = None;
    let mut streak = 0u32;
    let mut recent: Vec<DateTime<Utc>> = Vec::new();
    for (closes_at, missed, occurrence) in windows {
        if !missed {
            streak = 0;
            continue;
        }
        streak += 1;
        recent.push(closes_at);
        recent.retain(|at| *at > closes_at - LOOKBACK);
        let settled = closes_at + GRACE;
        if let Some(e) = current.as_mut().filter(|e| e.unresolved_at(settled)) {
            e.misses += 1;
            let climbed = e.acknowledged_at.map_or(settled, |a| a.min(settled));
            let (level, _) = level_after(e.opened_at, climbed);
            let missed = event(
                &mut rng,
                e.id,
                "missed",
                level,
                settled,
                None,
                Some(occurrence),
                None,
            );
            e.events.push(missed);
            continue;
        }
        if streak < CONSECUTIVE_TO_OPEN && recent.len() < MISSES_TO_OPEN {
            continue;
        }
        if let Some(done) = current.take() {
            finish(&mut rng, rows, c, &chiefs, done);
        }
        current = Some(open(&mut rng, settled, occurrence));
    }
    if let Some(done) = current {
        finish(&mut rng, rows, c, &chiefs, done);
    }
}

fn open(rng: &mut StdRng, at: DateTime<Utc>, occurrence: Uuid) -> Building {
    let id = new_id(rng);
    // Most are taken at level 1; some wait for the chief; a few are never taken.
    let acknowledged_at = (!rng.gen_bool(NEVER_ACKNOWLEDGED)).then(|| {
        let minutes = if rng.gen_bool(0.75) {
            rng.gen_range(5..LEVEL_MINUTES[0])
        } else {
            rng.gen_range(LEVEL_MINUTES[0]..LEVEL_MINUTES[0] + LEVEL_MINUTES[1])
        };
        at + Duration::minutes(minutes)
    });
    let resolved_at = acknowledged_at.map(|a| a + Duration::minutes(rng.gen_range(60..14 * 1440)));
    let events = vec![
        event(rng, id, "opened", 1, at, None, None, None),
        event(rng, id, "missed", 1, at, None, Some(occurrence), None),
    ];
    Building {
        id,
        opened_at: at,
        acknowledged_at,
        resolved_at,
        misses: 1,
        events,
    }
}

/// Settles the escalation as it stands at `now` and writes it, its history, code and alerts.
fn finish(rng: &mut StdRng, rows: &mut Rows, c: &ClientCtx<'_>, chiefs: &[Uuid], mut e: Building) {
    let now = c.now;
    let acknowledged = e.acknowledged_at.filter(|a| *a <= now);
    let resolved = e.resolved_at.filter(|r| *r <= now);
    // Climbing stops at the acknowledgement (or now).
    let climb_until = acknowledged.unwrap_or(now);
    let (level, level_since) = level_after(e.opened_at, climb_until);
    let code = loop {
        let code = AckCode::generate(rng);
        if rows
            .ack_codes_taken
            .insert(store::escalation::credentials::code_hash(&code))
        {
            break code;
        }
    };
    let case = store::alerts::case_reference(c.order_id);
    let (id, misses) = (e.id, e.misses);
    let alert = |level: i32| {
        messages::vars(&[
            ("name", c.client_name),
            ("place", c.commune_name),
            ("case", &case),
            ("time", &format!("{} lần", misses.max(1))),
            ("last", "chưa có"),
            ("level", &level.to_string()),
            ("code", code.as_str()),
        ])
    };
    let send = |rng: &mut StdRng,
                rows: &mut Rows,
                template: &'static str,
                kind: &str,
                level: i32,
                officer: Uuid,
                at| {
        messages::add(
            rng,
            rows,
            Message {
                dedupe_key: format!("escalation:{id}:{kind}:{level}:{officer}"),
                to: Recipient::Officer(officer),
                commune_code: c.commune_code,
                template,
                vars: alert(level),
                due_at: at,
                expires_at: None,
                source_type: "escalation",
                source_id: id,
            },
            now,
        );
    };
    send(
        rng,
        rows,
        "officer_escalation_alert",
        "reached",
        1,
        c.case_officer,
        e.opened_at,
    );
    if level >= 2 {
        let at = e.opened_at + Duration::minutes(LEVEL_MINUTES[0]);
        e.events.push(event(
            rng,
            e.id,
            "level_raised",
            2,
            at,
            None,
            None,
            Some("1->2"),
        ));
        for chief in chiefs {
            send(
                rng,
                rows,
                "officer_escalation_alert",
                "reached",
                2,
                *chief,
                at,
            );
        }
        send(
            rng,
            rows,
            "officer_escalation_raised",
            "moved_up",
            2,
            c.case_officer,
            at,
        );
    }
    if level >= 3 {
        // Level 3 (province PC04) has nobody in the generated data: only level 2 is told.
        e.events.push(event(
            rng,
            e.id,
            "level_raised",
            3,
            level_since,
            None,
            None,
            Some("2->3"),
        ));
        for chief in chiefs {
            send(
                rng,
                rows,
                "officer_escalation_raised",
                "moved_up",
                3,
                *chief,
                level_since,
            );
        }
    }
    let top_reported_at = (level == 3 && acknowledged.is_none())
        .then(|| level_since + Duration::minutes(LEVEL_MINUTES[2]))
        .filter(|at| *at <= now);
    if let Some(at) = top_reported_at {
        e.events
            .push(event(rng, e.id, "top_reported", 3, at, None, None, None));
    }
    let owner = if level == 1 {
        c.case_officer
    } else {
        chiefs.first().copied().unwrap_or(c.case_officer)
    };
    let method = [AckMethod::Mutation, AckMethod::ReplyCode, AckMethod::Link][rng.gen_range(0..3)];
    if let Some(at) = acknowledged {
        e.events.push(event(
            rng,
            e.id,
            "acknowledged",
            level,
            at,
            Some(owner),
            None,
            Some(method.as_str()),
        ));
    }
    let outcome = Outcome::ALL[rng.gen_range(0..Outcome::ALL.len())];
    let note = (outcome == Outcome::Other).then(|| "Đã trao đổi với gia đình".to_owned());
    if let Some(at) = resolved {
        e.events.push(event(
            rng,
            e.id,
            "resolved",
            level,
            at,
            Some(owner),
            None,
            Some(outcome.as_str()),
        ));
    }
    let status = if resolved.is_some() {
        "resolved"
    } else if acknowledged.is_some() {
        "acknowledged"
    } else {
        "open"
    };
    let updated_at = e
        .events
        .iter()
        .map(|ev| ev.occurred_at)
        .max()
        .unwrap_or(e.opened_at);
    rows.escalation_ack_codes.push(escalation_ack_code::Model {
        code_hash: store::escalation::credentials::code_hash(&code),
        escalation_id: e.id,
        created_at: e.opened_at,
    });
    rows.escalations.push(escalation::Model {
        id: e.id,
        client_id: c.client_id,
        order_id: c.order_id,
        commune_code: c.commune_code.to_owned(),
        status: status.to_owned(),
        level,
        level_since,
        opened_at: e.opened_at,
        top_reported_at,
        acknowledged_at: acknowledged,
        acknowledged_by: acknowledged.map(|_| owner),
        ack_method: acknowledged.map(|_| method.as_str().to_owned()),
        resolved_at: resolved,
        resolved_by: resolved.map(|_| owner),
        outcome: resolved.map(|_| outcome.as_str().to_owned()),
        note: resolved.and(note),
        misses: e.misses,
        updated_at,
    });
    rows.escalation_events.extend(e.events);
}

#[allow(clippy::too_many_arguments)]
fn event(
    rng: &mut StdRng,
    escalation_id: Uuid,
    kind: &str,
    level: i32,
    at: DateTime<Utc>,
    officer_id: Option<Uuid>,
    occurrence: Option<Uuid>,
    detail: Option<&str>,
) -> escalation_event::Model {
    escalation_event::Model {
        id: new_id(rng),
        escalation_id,
        kind: kind.to_owned(),
        level,
        occurred_at: at,
        officer_id,
        source_type: occurrence.map(|_| "check_in_occurrence".to_owned()),
        source_id: occurrence,
        detail: detail.map(str::to_owned),
    }
}
