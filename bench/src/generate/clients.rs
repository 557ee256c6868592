//! Clients under supervision: the person, their decided supervision order, the case officer
//! assigned to it; then their check-in plan, appointments and messages.

use chrono::Duration;
use domain::search::search_key;
use entities::{client, order_assignment, supervision_order};
use rand::{Rng, rngs::StdRng};

use super::{
    ClientCtx, Rows, RunCtx, appointments, check_ins, escalations, local_instant, messages, new_id,
    officers::Staff, people, places::Place,
};

const REHAB_KINDS: [&str; 3] = ["voluntary_at_home", "voluntary_at_facility", "compulsory"];

/// One client and everything that hangs off them. `serial` (unique in the run) makes the
/// phone and national ID unique.
pub fn client(
    rng: &mut StdRng,
    rows: &mut Rows,
    run: &RunCtx,
    place: &Place,
    staff: &Staff,
    serial: u64,
) {
    let now = run.now;
    let p = people::person(rng, 1970, 2005);
    let client_id = new_id(rng);
    let registered = now - Duration::days(rng.gen_range(30..400));
    let phone = people::phone(rng, serial);
    rows.clients.push(client::Model {
        id: client_id,
        commune_code: place.code.clone(),
        full_name: p.full_name.clone(),
        name_search: search_key(&p.full_name),
        date_of_birth: p.date_of_birth,
        sex: p.sex.as_str().to_owned(),
        national_id: Some(people::national_id(rng, &p, serial)),
        phone: Some(phone),
        zalo_user_id: None,
        address: people::address(rng, &place.name),
        sms_consent_at: Some(registered),
        sms_consent_method: Some("in_person_signed".to_owned()),
        zalo_consent_at: None,
        zalo_consent_method: None,
        preferred_channel: Some("sms".to_owned()),
        opted_out_at: None,
        zalo_last_interaction_at: None,
        zns_unreachable_until: None,
        zns_unreachable_reason: None,
        oa_refused_at: None,
        oa_refused_reason: None,
        status: "active".to_owned(),
        created_at: registered,
        updated_at: registered,
    });

    // The order started up to a year ago and runs for the regime's period.
    let rehab_kind = REHAB_KINDS[rng.gen_range(0..REHAB_KINDS.len())];
    let months = run.months.get(rehab_kind).copied().unwrap_or(24);
    let start = run.today - Duration::days(rng.gen_range(5..365));
    let end = start
        .checked_add_months(chrono::Months::new(u32::try_from(months).unwrap_or(24)))
        .unwrap_or(start)
        - Duration::days(1);
    let order_id = new_id(rng);
    let decided = local_instant(start - Duration::days(3), 10, 0);
    rows.orders.push(supervision_order::Model {
        id: order_id,
        client_id,
        commune_code: place.code.clone(),
        decision_number: Some(format!("{}/QĐ-UBND", serial + 1)),
        decision_date: Some(start - Duration::days(3)),
        signer_name: Some(staff.chairman.clone()),
        signer_title: Some("Chủ tịch Ủy ban nhân dân".to_owned()),
        rehab_kind: rehab_kind.to_owned(),
        rehab_facility: (rehab_kind != "voluntary_at_home")
            .then(|| "Cơ sở cai nghiện ma túy số 1".to_owned()),
        rehab_completed_on: start - Duration::days(rng.gen_range(10..60)),
        legal_regime_id: Some(run.regime_id),
        period_months: Some(months),
        start_date: Some(start),
        end_date: Some(end),
        previous_order_id: None,
        status: "active".to_owned(),
        status_reason: None,
        certificate_number: None,
        status_changed_at: decided,
        created_at: decided - Duration::days(7),
        updated_at: decided,
    });
    let case_officer = staff.case_officers[(serial % staff.case_officers.len() as u64) as usize];
    rows.assignments.push(order_assignment::Model {
        id: new_id(rng),
        order_id,
        officer_id: case_officer,
        role: "case_officer".to_owned(),
        assigned_on: start,
        ended_on: None,
        created_at: decided,
    });

    let c = ClientCtx {
        now,
        today: run.today,
        client_id,
        client_name: &p.full_name,
        order_id,
        order_start: start,
        order_end: end,
        commune_code: &place.code,
        commune_name: &place.name,
        case_officer,
    };
    // About 9 weeks of check-in history on average (1.1 million windows nationally) and
    // five months of appointments (two a month).
    let history_weeks = rng.gen_range(4..=14);
    check_ins::plan_with_history(rng, rows, &c, history_weeks);
    escalations::for_client(rows, &c, staff);
    appointments::schedule(rng, rows, &c, 140);
    if rng.gen_bool(0.05) {
        let at = now - Duration::days(rng.gen_range(1..60));
        messages::reply_note(rng, rows, client_id, &place.code, at);
    }
}
