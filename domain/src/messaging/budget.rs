//! A commune's monthly messaging budget (issue 13, item 6). At 80 % of the month's billed
//! cost the commune's officers are told, once a month; past 100 % a non-urgent SMS goes by a
//! cheaper channel the person has (Zalo) or waits for the next month, never silently dropped.
//! Urgent messages always go.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::{
    Channel, TemplateKey,
    local_time::{local_to_utc, to_local},
    quiet_hours::QuietHours,
};

/// The largest monthly budget accepted, in đồng: ten times the SMS-only cost of a very large
/// commune (2,000 people × 10,000 đ), so a slipped digit is caught.
pub const MAX_MONTHLY_BUDGET_VND: i64 = 200_000_000;

/// Share of the budget, in percent, at which the officers are told.
pub const ALERT_PERCENT: i64 = 80;

/// Local hour of the first of the month at which held messages go.
pub const RESUME_HOUR: u32 = 8;

/// The reason stored on a message held for the budget (`outbox_messages.held_reason`).
pub const HELD_REASON: &str = "monthly budget spent";

/// `YYYY-MM` of the month (Hà Nội time) `at` falls in.
pub fn month_key(at: DateTime<Utc>) -> String {
    let local = to_local(at);
    format!("{:04}-{:02}", local.year(), local.month())
}

/// The first instant of the month (Hà Nội time) `at` falls in, and of the next one.
pub fn month_of(at: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let local = to_local(at).date_naive();
    let first = NaiveDate::from_ymd_opt(local.year(), local.month(), 1).unwrap_or(local);
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first);
    let midnight = |d: NaiveDate| local_to_utc(d.and_hms_opt(0, 0, 0).unwrap_or_default());
    (midnight(first), midnight(next))
}

/// Whether `spent` reached the alert share of `budget`.
pub fn alert_due(spent_vnd: i64, budget_vnd: i64) -> bool {
    budget_vnd > 0 && spent_vnd.saturating_mul(100) >= budget_vnd.saturating_mul(ALERT_PERCENT)
}

/// Whether the month's budget is spent.
pub fn spent(spent_vnd: i64, budget_vnd: i64) -> bool {
    spent_vnd >= budget_vnd
}

/// Messages that always go, whatever the budget: anything to an officer (alerts,
/// escalations, digests), anything marked urgent, and the confirmation of an opt-out (the
/// person must know it took effect; it is sent once). Everything else to a client (prompts,
/// nudges, reminders, thanks, instalment reminders) may wait.
pub fn always_goes(template: TemplateKey, to_officer: bool, urgent: bool) -> bool {
    to_officer || urgent || template == TemplateKey::OptOutConfirmed
}

/// When a held message goes: the first of the next month at 08:00 in Hà Nội, or the end of
/// the commune's quiet hours if they last past it.
pub fn resume_at(now: DateTime<Utc>, quiet_hours: &QuietHours) -> DateTime<Utc> {
    let (_, next) = month_of(now);
    let first = to_local(next).date_naive();
    let at = local_to_utc(first.and_hms_opt(RESUME_HOUR, 0, 0).unwrap_or_default());
    quiet_hours.next_allowed(at, false)
}

/// Who may set or clear a commune's budget: national administrators, the administrator of
/// the commune's province, and the commune's chairman (the commune pays; the chairman answers
/// for its spending). The commune police, who run the cases, do not set what the commune
/// spends, and a partner key never does. Where the commune must be the caller's own, the
/// scope check that follows says so.
pub fn may_set_budget(actor: crate::officer_rights::Actor<'_>) -> bool {
    use crate::{access::OfficerRole, officer_rights::Actor};
    match actor {
        Actor::NationalAdministrator | Actor::ProvinceAdministrator { .. } => true,
        Actor::Officer { role, commune, .. } => {
            role == OfficerRole::CommuneChairman && commune.is_some()
        }
        Actor::PartnerKey => false,
    }
}

/// What happens to a message about to go by `plan[index]` when the commune's budget is spent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverBudget {
    /// It goes as planned (not SMS, or a message that always goes).
    Send,
    /// It goes by the cheaper channel at this place of the plan instead of SMS.
    Switch { index: usize, channel: Channel },
    /// It waits until `until`.
    Hold { until: DateTime<Utc> },
    /// It would wait past its expiry: not sent, with the budget as the reason.
    Expire,
}

/// The step for a message about to go by `channel`, the `index`th of `plan`, in a commune
/// whose budget is spent. Only SMS is held: ZNS and OA cost a fraction of it. A channel that
/// `known_not_to_reach` (earlier sends taught it, `channel_knowledge`) is not switched to: it
/// would only refuse, and the SMS would wait all the same.
pub fn over_budget(
    plan: &[Channel],
    index: usize,
    channel: Channel,
    always: bool,
    expires_at: Option<DateTime<Utc>>,
    resume: DateTime<Utc>,
    known_not_to_reach: impl Fn(Channel) -> bool,
) -> OverBudget {
    if always || channel != Channel::Sms {
        return OverBudget::Send;
    }
    if let Some((i, c)) = plan
        .iter()
        .enumerate()
        .skip(index + 1)
        .find(|(_, c)| **c != Channel::Sms && !known_not_to_reach(**c))
    {
        return OverBudget::Switch {
            index: i,
            channel: *c,
        };
    }
    if expires_at.is_some_and(|at| at <= resume) {
        return OverBudget::Expire;
    }
    OverBudget::Hold { until: resume }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveTime;

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn quiet(start: &str, end: &str) -> QuietHours {
        QuietHours::new(
            NaiveTime::parse_from_str(start, "%H:%M").unwrap(),
            NaiveTime::parse_from_str(end, "%H:%M").unwrap(),
        )
    }

    #[test]
    fn months_are_counted_in_hanoi_time() {
        // 17:30 UTC on 30 November is 00:30 on 1 December in Hà Nội.
        assert_eq!(month_key(at("2026-11-30T17:30:00Z")), "2026-12");
        assert_eq!(month_key(at("2026-11-30T16:59:59Z")), "2026-11");
        let (start, end) = month_of(at("2026-12-31T10:00:00Z"));
        assert_eq!(start, at("2026-11-30T17:00:00Z"));
        assert_eq!(end, at("2026-12-31T17:00:00Z"));
    }

    #[test]
    fn the_alert_is_due_at_eighty_percent_and_holding_at_a_hundred() {
        assert!(!alert_due(79_999, 100_000));
        assert!(alert_due(80_000, 100_000));
        assert!(!spent(99_999, 100_000));
        assert!(spent(100_000, 100_000));
        assert!(!alert_due(0, 0));
    }

    #[test]
    fn held_messages_go_on_the_first_at_eight_or_when_quiet_hours_end() {
        let now = at("2026-12-20T03:00:00Z");
        // 08:00 on 1 January in Hà Nội is 01:00 UTC.
        assert_eq!(
            resume_at(now, &quiet("21:00", "07:00")),
            at("2027-01-01T01:00:00Z")
        );
        // A commune whose quiet hours last until 09:00.
        assert_eq!(
            resume_at(now, &quiet("21:00", "09:00")),
            at("2027-01-01T02:00:00Z")
        );
    }

    #[test]
    fn administrators_and_the_commune_chairman_set_the_budget() {
        use crate::{access::OfficerRole, officer_rights::Actor};
        let officer = |role| Actor::Officer {
            id: "x",
            role,
            commune: Some("26734"),
        };
        assert!(may_set_budget(Actor::NationalAdministrator));
        assert!(may_set_budget(Actor::ProvinceAdministrator {
            province: "01"
        }));
        assert!(may_set_budget(officer(OfficerRole::CommuneChairman)));
        assert!(!may_set_budget(officer(OfficerRole::CommunePoliceChief)));
        assert!(!may_set_budget(officer(OfficerRole::CommunePoliceOfficer)));
        assert!(!may_set_budget(Actor::PartnerKey));
    }

    #[test]
    fn urgent_messages_always_go() {
        assert!(always_goes(TemplateKey::OptOutConfirmed, false, false));
        assert!(always_goes(TemplateKey::OfficerEscalationAlert, true, true));
        assert!(always_goes(TemplateKey::OfficerDeliveryFailed, true, false));
        assert!(!always_goes(TemplateKey::CheckInPrompt, false, false));
        assert!(!always_goes(TemplateKey::AppointmentReminder, false, false));
    }

    #[test]
    fn past_the_budget_sms_switches_to_zalo_or_waits() {
        use Channel::*;
        let resume = at("2027-01-01T01:00:00Z");
        assert_eq!(
            over_budget(&[ZaloZns, Sms], 0, ZaloZns, false, None, resume, unknown),
            OverBudget::Send
        );
        assert_eq!(
            over_budget(&[Sms, ZaloZns], 0, Sms, false, None, resume, unknown),
            OverBudget::Switch {
                index: 1,
                channel: ZaloZns
            }
        );
        assert_eq!(
            over_budget(&[ZaloZns, Sms], 1, Sms, false, None, resume, unknown),
            OverBudget::Hold { until: resume }
        );
        assert_eq!(
            over_budget(&[Sms], 0, Sms, true, None, resume, unknown),
            OverBudget::Send
        );
        assert_eq!(
            over_budget(
                &[Sms],
                0,
                Sms,
                false,
                Some(at("2026-12-21T00:00:00Z")),
                resume,
                unknown
            ),
            OverBudget::Expire
        );
    }

    /// Nothing is known about the person's channels.
    fn unknown(_: Channel) -> bool {
        false
    }

    #[test]
    fn past_the_budget_a_channel_known_not_to_reach_is_not_switched_to() {
        use Channel::*;
        let resume = at("2027-01-01T01:00:00Z");
        let not_on_zalo = |c: Channel| c == ZaloZns;
        assert_eq!(
            over_budget(&[Sms, ZaloZns], 0, Sms, false, None, resume, not_on_zalo),
            OverBudget::Hold { until: resume }
        );
        // OA still reaches them: it goes by OA.
        assert_eq!(
            over_budget(
                &[Sms, ZaloZns, ZaloOa],
                0,
                Sms,
                false,
                None,
                resume,
                not_on_zalo
            ),
            OverBudget::Switch {
                index: 2,
                channel: ZaloOa
            }
        );
    }
}
