//! Weekly check-in plans and their history: past windows mostly checked in (some late, some
//! missed), this week's and next week's windows still open, with the prompts and nudges the
//! worker would have sent and the alerts to the case officer when a window was missed.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use domain::schedule::CheckInRule;
use entities::{check_in, check_in_occurrence, check_in_plan};
use rand::{Rng, rngs::StdRng};

use super::{
    ClientCtx, Rows, local_instant,
    messages::{self, Message, Recipient},
    new_id,
};

/// Windows open 08:00–18:00 local time.
const OPENS_AT: (u32, u32) = (8, 0);
const WINDOW_MINUTES: i64 = 600;
/// Occurrences planned ahead of today (what the planner keeps ready).
const WEEKS_AHEAD: i64 = 2;

/// The client's current weekly plan, starting `history_weeks` before today (or at the order's
/// start), and its occurrences up to two weeks ahead.
pub fn plan_with_history(rng: &mut StdRng, rows: &mut Rows, c: &ClientCtx<'_>, history_weeks: i64) {
    let weekday = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ][rng.gen_range(0..5)];
    let starts_on = c.order_start.max(c.today - Duration::weeks(history_weeks));
    let plan_id = new_id(rng);
    let rule = CheckInRule::Weekly {
        weekdays: vec![weekday],
        interval_weeks: 1,
    };
    let last = c.today + Duration::weeks(WEEKS_AHEAD);
    let created_at = local_instant(starts_on - Duration::days(1), 9, 0);
    rows.plans.push(check_in_plan::Model {
        id: plan_id,
        order_id: c.order_id,
        client_id: c.client_id,
        commune_code: c.commune_code.to_owned(),
        rule: serde_json::to_string(&rule).unwrap_or_default(),
        window_opens_at: format!("{:02}:{:02}", OPENS_AT.0, OPENS_AT.1),
        window_minutes: WINDOW_MINUTES as i32,
        starts_on,
        ends_on: c.order_end,
        holiday_policy: "move_to_next_working_day".to_owned(),
        replaced_by: None,
        planned_until: Some(local_instant(last + Duration::days(1), 0, 0)),
        created_at,
        updated_at: created_at,
    });
    let mut day = first_on_or_after(starts_on, weekday);
    while day <= last && day <= c.order_end {
        occurrence(rng, rows, c, plan_id, day);
        day += Duration::weeks(1);
    }
}

fn occurrence(
    rng: &mut StdRng,
    rows: &mut Rows,
    c: &ClientCtx<'_>,
    plan_id: uuid::Uuid,
    day: NaiveDate,
) {
    let id = new_id(rng);
    let opens_at = local_instant(day, OPENS_AT.0, OPENS_AT.1);
    let closes_at = opens_at + Duration::minutes(WINDOW_MINUTES);
    let closed = closes_at <= c.now;
    let roll: f64 = rng.r#gen();
    let status = if !closed {
        "scheduled"
    } else if roll < 0.85 {
        "checked_in"
    } else if roll < 0.89 {
        "late"
    } else {
        "missed"
    };
    // A late check-in happened after the close, but not after now.
    let late_at = closes_at + Duration::minutes(rng.gen_range(10..2_000));
    let status = if status == "late" && late_at > c.now {
        "missed"
    } else {
        status
    };
    rows.occurrences.push(check_in_occurrence::Model {
        id,
        plan_id,
        client_id: c.client_id,
        commune_code: c.commune_code.to_owned(),
        scheduled_on: day,
        due_on: day,
        opens_at,
        closes_at,
        status: status.to_owned(),
        missed_at: (status == "missed").then_some(closes_at),
        created_at: opens_at - Duration::days(14),
    });
    let link = format!("https://dh.example.vn/c/{}", &id.simple().to_string()[..16]);
    let vars = messages::vars(&[("name", c.client_name), ("link", &link)]);
    let prompt = |template: &'static str, due_at| Message {
        dedupe_key: format!("{template}:{id}"),
        to: Recipient::Client(c.client_id),
        commune_code: c.commune_code,
        template,
        vars: vars.clone(),
        due_at,
        expires_at: Some(closes_at),
        source_type: "check_in_occurrence",
        source_id: id,
    };
    messages::add(rng, rows, prompt("check_in_prompt", opens_at), c.now);
    match status {
        "checked_in" | "late" => {
            let at = if status == "late" {
                late_at
            } else {
                opens_at + Duration::minutes(rng.gen_range(1..WINDOW_MINUTES))
            };
            let (method, by_kind, by_id) = match rng.gen_range(0..10) {
                0..=4 => ("link", "client", None),
                5..=6 => ("sms_reply", "client", None),
                7..=8 => ("in_person", "officer", Some(c.case_officer)),
                _ => ("phone_call", "officer", Some(c.case_officer)),
            };
            rows.check_ins.push(check_in::Model {
                id: new_id(rng),
                occurrence_id: id,
                client_id: c.client_id,
                commune_code: c.commune_code.to_owned(),
                method: method.to_owned(),
                checked_in_at: at,
                late: status == "late",
                wellbeing: Some(
                    if rng.gen_bool(0.97) {
                        "ok"
                    } else {
                        "need_help"
                    }
                    .to_owned(),
                ),
                note: None,
                recorded_by_kind: by_kind.to_owned(),
                recorded_by_id: by_id,
                created_at: at,
            });
        }
        "missed" => {
            messages::add(
                rng,
                rows,
                prompt("check_in_nudge", closes_at - Duration::hours(2)),
                c.now,
            );
            let alert_vars = messages::vars(&[
                ("client", c.client_name),
                ("date", &day.format("%d/%m/%Y").to_string()),
            ]);
            messages::add(
                rng,
                rows,
                Message {
                    dedupe_key: format!("officer_missed_check_in_alert:{id}:{}", c.case_officer),
                    to: Recipient::Officer(c.case_officer),
                    commune_code: c.commune_code,
                    template: "officer_missed_check_in_alert",
                    vars: alert_vars,
                    due_at: closes_at + Duration::minutes(1),
                    expires_at: None,
                    source_type: "check_in_occurrence",
                    source_id: id,
                },
                c.now,
            );
        }
        _ => {}
    }
}

fn first_on_or_after(day: NaiveDate, weekday: Weekday) -> NaiveDate {
    let ahead = (7 + weekday.num_days_from_monday() - day.weekday().num_days_from_monday()) % 7;
    day + Duration::days(i64::from(ahead))
}
