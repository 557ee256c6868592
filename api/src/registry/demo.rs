//! Demo data for the embedded default: one officer, two clients with consent, their orders, a
//! daily check-in plan whose window opens now, and an appointment tomorrow, so `cargo run`
//! shows prompts and reminders in the console sink at once. Created through the same services
//! as the API, by a synthetic national administrator; never loaded when clients exist.

use chrono::{Days, Duration, Timelike};
use domain::{
    access::OfficerRole,
    order::RehabKind,
    person::Sex,
    schedule::CheckInRule,
    time::{VN_TZ, from_local, local_date},
};
use entities::client;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use store::occurrences::PlanningContext;
use uuid::Uuid;

use super::{
    clients::{self, Consent, ConsentMethod, NewClient, PreferredChannel},
    officers::{self, NewOfficer},
    orders::{self, AssignmentRole, Decision, NewOrder},
};
use crate::{
    auth::Principal,
    context::RequestContext,
    error::AppResult,
    schedules::{
        appointments::{self, AppointmentKind, NewAppointment},
        plans::{self, PlanInput},
    },
};

/// Loads the demo into a database without clients; returns whether it did.
pub async fn load(
    db: &DatabaseConnection,
    planning: &PlanningContext,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<bool> {
    if client::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    let admin = Principal::Administrator {
        account_id: Uuid::nil(),
        province: None,
    };
    let ctx = RequestContext::new(Some(admin), "demo-seed".into(), now);
    let today = local_date(now);
    let officer = officers::create(
        db,
        &ctx,
        NewOfficer {
            full_name: "Lê Văn Cường".into(),
            role: OfficerRole::CommunePoliceOfficer,
            commune_code: Some("00004".into()),
            province_code: None,
            phone: Some("0987 654 321".into()),
            zalo_user_id: None,
        },
    )
    .await?;
    let consent = Consent {
        given_at: now - Duration::days(1),
        method: ConsentMethod::InPersonSigned,
    };
    let people = [
        ("Nguyễn Văn An", "0912 345 678", PreferredChannel::Zalo),
        ("Trần Thị Bích", "0386 123 456", PreferredChannel::Sms),
    ];
    for (i, (name, phone, preferred)) in people.into_iter().enumerate() {
        let client = clients::create(
            db,
            &ctx,
            NewClient {
                commune_code: "00004".into(),
                full_name: name.into(),
                date_of_birth: chrono::NaiveDate::from_ymd_opt(1990, 5, 1).unwrap_or_default(),
                sex: if i == 0 { Sex::Male } else { Sex::Female },
                national_id: None,
                phone: Some(phone.into()),
                zalo_user_id: None,
                address: "Số 1 phố Đội Cấn, Ba Đình, Hà Nội".into(),
                sms_consent: Some(consent),
                zalo_consent: Some(consent),
                preferred_channel: Some(preferred),
            },
        )
        .await?;
        let order = orders::create(
            db,
            &ctx,
            NewOrder {
                client_id: client.id,
                rehab_kind: RehabKind::VoluntaryAtHome,
                rehab_facility: None,
                rehab_completed_on: today - Days::new(20),
                decision: Some(Decision {
                    number: format!("{}/QĐ-UBND", 100 + i),
                    date: today - Days::new(10),
                    signer_name: "Trần Văn Bình".into(),
                    signer_title: "Chủ tịch UBND phường Ba Đình".into(),
                    start_date: Some(today),
                }),
            },
        )
        .await?;
        orders::assign(db, &ctx, order.id, officer.id, AssignmentRole::CaseOfficer).await?;
        // A daily window opening this minute: the first prompt is due at once.
        let local_now = now
            .with_timezone(&VN_TZ)
            .time()
            .with_second(0)
            .unwrap_or_default()
            .with_nanosecond(0)
            .unwrap_or_default();
        plans::create(
            db,
            &ctx,
            planning,
            order.id,
            PlanInput {
                rule: CheckInRule::EveryNDays { n: 1 },
                opens_at: local_now,
                window_minutes: 240,
                starts_on: Some(today),
                ends_on: None,
                holiday_policy: None,
            },
        )
        .await?;
        let start = from_local(
            (today + Days::new(1))
                .and_hms_opt(9, 0, 0)
                .unwrap_or_default(),
        ) + Duration::hours(i as i64);
        appointments::create(
            db,
            &ctx,
            &planning.policy_defaults,
            NewAppointment {
                client_id: client.id,
                order_id: Some(order.id),
                kind: AppointmentKind::CaseOfficerMeeting,
                starts_at: start,
                ends_at: start + Duration::minutes(45),
                place: "Trụ sở UBND phường Ba Đình".into(),
                officer_id: Some(officer.id),
                provider_name: None,
                notes: None,
            },
        )
        .await?;
    }
    Ok(true)
}
