//! Appointments: two a month with the case officer (every other one a drug test), the past
//! ones attended or missed, the next ones scheduled, each with its reminder the day before.

use chrono::{Datelike, Duration, Weekday};
use entities::appointment;
use rand::{Rng, rngs::StdRng};

use super::{
    ClientCtx, Rows, local_instant,
    messages::{self, Message, Recipient},
    new_id,
};

/// Appointments from `history_days` before today (or the order's start) to a month ahead.
pub fn schedule(rng: &mut StdRng, rows: &mut Rows, c: &ClientCtx<'_>, history_days: i64) {
    let first = c.order_start.max(c.today - Duration::days(history_days));
    let mut day = first + Duration::days(rng.gen_range(0..15));
    let mut n = 0u32;
    while day <= c.today + Duration::days(30) && day <= c.order_end {
        let weekday = day.weekday();
        let day_on = match weekday {
            Weekday::Sat => day + Duration::days(2),
            Weekday::Sun => day + Duration::days(1),
            _ => day,
        };
        let hour = if rng.gen_bool(0.5) { 9 } else { 14 };
        let starts_at = local_instant(day_on, hour, 0);
        let ends_at = starts_at + Duration::hours(1);
        let drug_test = n % 2 == 1;
        let kind = if drug_test {
            "drug_test"
        } else {
            "case_officer_meeting"
        };
        let over = ends_at <= c.now;
        let roll: f64 = rng.r#gen();
        let status = if !over {
            "scheduled"
        } else if roll < 0.88 {
            "attended"
        } else if roll < 0.96 {
            "missed"
        } else {
            "cancelled"
        };
        let id = new_id(rng);
        let created_at = (starts_at - Duration::days(14)).min(c.now);
        let place = format!("Trụ sở Công an {}", c.commune_name);
        rows.appointments.push(appointment::Model {
            id,
            client_id: c.client_id,
            order_id: Some(c.order_id),
            commune_code: c.commune_code.to_owned(),
            kind: kind.to_owned(),
            starts_at,
            ends_at,
            place: place.clone(),
            officer_id: Some(c.case_officer),
            provider_name: None,
            notes: None,
            status: status.to_owned(),
            rescheduled_from_id: None,
            outcome_note: None,
            drug_test_result: (drug_test && status == "attended").then(|| "negative".to_owned()),
            outcome_recorded_at: matches!(status, "attended" | "missed").then_some(ends_at),
            created_at,
            updated_at: if over { ends_at } else { created_at },
        });
        if status != "cancelled" {
            let time = (starts_at + Duration::hours(7))
                .format("%H:%M %d/%m/%Y")
                .to_string();
            messages::add(
                rng,
                rows,
                Message {
                    dedupe_key: format!("appointment_reminder:{id}:1440"),
                    to: Recipient::Client(c.client_id),
                    commune_code: c.commune_code,
                    template: "appointment_reminder",
                    vars: messages::vars(&[
                        ("name", c.client_name),
                        ("time", &time),
                        ("place", &place),
                    ]),
                    due_at: starts_at - Duration::days(1),
                    expires_at: Some(starts_at),
                    source_type: "appointment",
                    source_id: id,
                },
                c.now,
            );
        }
        day += Duration::days(15);
        n += 1;
    }
}
