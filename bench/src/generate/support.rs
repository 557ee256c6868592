//! Reintegration support (issue #12) at realistic proportions: each commune's training
//! providers and programmes, employers and job openings, placements (about 15% of clients in
//! training, 7% with a job placement), the commune's eligibility list for Decision 08/2026, and
//! loans for about 4% of clients with their repayment schedules (paid, due and overdue
//! instalments) and repayments.
//!
//! Every commune draws from its own stream (seed and commune code), separate from the one the
//! clients came from, so adding these tables leaves the other tables' rows unchanged. Loan
//! programmes are the product's seeded ones; their ids are random, so they are left out of the
//! checksum.

use std::hash::{DefaultHasher, Hash, Hasher};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::{
    loan::{
        EligibilityListStatus, InterestMethod, LoanStatus, RepaymentFrequency, ScheduleTerms, Vnd,
        repayment_schedule,
    },
    placement::{FundingSource, PlacementKind, PlacementStatus, ProviderKind},
};
use entities::{
    client, eligibility_list, eligibility_list_entry, employer, job_opening, loan_application,
    loan_instalment, loan_programme, loan_repayment, placement, supervision_order,
    training_programme, training_provider,
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use uuid::Uuid;

use super::{Sink, local_instant, new_id, people::pick, places::Place};

/// Share of clients referred to vocational training.
const TRAINING_SHARE: f64 = 0.15;
/// Share of clients with a job placement.
const JOB_SHARE: f64 = 0.07;
/// Share of clients with a loan application.
const LOAN_SHARE: f64 = 0.04;

const TRADES: &[&str] = &[
    "Sửa chữa xe máy",
    "May công nghiệp",
    "Hàn điện",
    "Điện dân dụng",
    "Nấu ăn",
    "Trồng nấm",
    "Chăn nuôi gia cầm",
    "Mộc dân dụng",
    "Lái xe hạng B",
    "Tin học văn phòng",
];
const EMPLOYERS: &[&str] = &[
    "Công ty TNHH May mặc",
    "Xưởng cơ khí",
    "Hợp tác xã Nông nghiệp",
    "Công ty CP Xây dựng",
    "Garage ô tô",
    "Công ty TNHH Chế biến nông sản",
    "Xưởng mộc",
];
const JOBS: &[&str] = &[
    "Công nhân may",
    "Thợ hàn",
    "Phụ xe",
    "Thợ mộc",
    "Công nhân bốc xếp",
    "Nhân viên bảo vệ",
    "Thợ sửa xe máy",
];
const PURPOSES: &[&str] = &[
    "Mở tiệm sửa xe máy tại nhà",
    "Mua máy may để nhận hàng gia công",
    "Chăn nuôi gà thả vườn",
    "Trồng nấm rơm",
    "Mua xe máy chở hàng thuê",
    "Học nghề lái xe và mua xe",
];

/// The seeded loan programmes the generator lends under.
#[derive(Debug, Clone)]
pub struct SupportRun {
    /// Decision 08/2026, individuals (needs the certified commune list).
    decision_08: Option<loan_programme::Model>,
    /// Older individual programmes (Decision 29/2014, the National Employment Fund).
    older: Vec<loan_programme::Model>,
}

impl SupportRun {
    /// Reads the seeded programmes and leaves their random ids out of `sink`'s checksum.
    pub async fn load(db: &impl ConnectionTrait, sink: &mut Sink) -> Result<Self, DbErr> {
        let mut all = loan_programme::Entity::find().all(db).await?;
        all.sort_by(|a, b| a.code.cmp(&b.code));
        for p in &all {
            sink.leave_out_of_checksum(p.id.to_string());
        }
        let decision_08 = all
            .iter()
            .find(|p| p.code == "QD_08_2026_INDIVIDUAL")
            .cloned();
        let older = all
            .into_iter()
            .filter(|p| p.code == "QD_29_2014_INDIVIDUAL" || p.code == "NEF_61_2015_WORKER")
            .collect();
        Ok(Self { decision_08, older })
    }
}

/// Support rows of a group of communes, written after the clients they refer to.
#[derive(Debug, Default)]
pub struct SupportRows {
    providers: Vec<training_provider::Model>,
    programmes: Vec<training_programme::Model>,
    employers: Vec<employer::Model>,
    openings: Vec<job_opening::Model>,
    placements: Vec<placement::Model>,
    lists: Vec<eligibility_list::Model>,
    entries: Vec<eligibility_list_entry::Model>,
    applications: Vec<loan_application::Model>,
    instalments: Vec<loan_instalment::Model>,
    repayments: Vec<loan_repayment::Model>,
}

impl SupportRows {
    /// Writes every table, parents first.
    pub async fn write(self, db: &impl ConnectionTrait, sink: &mut Sink) -> Result<(), DbErr> {
        sink.put(db, "training_providers", self.providers).await?;
        sink.put(db, "training_programmes", self.programmes).await?;
        sink.put(db, "employers", self.employers).await?;
        sink.put(db, "job_openings", self.openings).await?;
        sink.put(db, "placements", self.placements).await?;
        sink.put(db, "eligibility_lists", self.lists).await?;
        sink.put(db, "eligibility_list_entries", self.entries)
            .await?;
        sink.put(db, "loan_applications", self.applications).await?;
        sink.put(db, "loan_instalments", self.instalments).await?;
        sink.put(db, "loan_repayments", self.repayments).await?;
        Ok(())
    }
}

/// What one commune's support rows need.
pub struct Commune<'a> {
    /// The place.
    pub place: &'a Place,
    /// Its clients, in generation order.
    pub clients: &'a [client::Model],
    /// Their orders (one per client, same order).
    pub orders: &'a [supervision_order::Model],
    /// The instant the data is as of.
    pub now: DateTime<Utc>,
    /// Its local date.
    pub today: NaiveDate,
}

/// The support rows of one commune, from its own stream of `seed`.
pub fn commune(seed: u64, rows: &mut SupportRows, run: &SupportRun, c: &Commune<'_>) {
    let mut h = DefaultHasher::new();
    ("support", c.place.code.as_str()).hash(&mut h);
    let rng = &mut StdRng::seed_from_u64(seed ^ h.finish());
    let programmes = training(rng, rows, c);
    let openings = jobs(rng, rows, c);
    let mut trainees: Vec<Option<Uuid>> = vec![None; c.clients.len()];
    for (i, client) in c.clients.iter().enumerate() {
        if !programmes.is_empty() && rng.gen_bool(TRAINING_SHARE) {
            let p = &programmes[rng.gen_range(0..programmes.len())];
            trainees[i] = Some(training_placement(rng, rows, c, client, p));
        }
        if !openings.is_empty() && rng.gen_bool(JOB_SHARE) {
            let o = &openings[rng.gen_range(0..openings.len())];
            job_placement(rng, rows, c, client, o);
        }
    }
    fit_seats(rows, c);
    loans(rng, rows, run, c, &trainees);
}

/// 1–3 providers with 1–3 programmes each; returns what placements need of each programme.
fn training(rng: &mut StdRng, rows: &mut SupportRows, c: &Commune<'_>) -> Vec<ProgrammeRef> {
    let mut out = Vec::new();
    for _ in 0..rng.gen_range(1..=3) {
        let provider_id = new_id(rng);
        let kind = pick(
            rng,
            &[
                ProviderKind::VocationalCentre,
                ProviderKind::VocationalCentre,
                ProviderKind::Company,
                ProviderKind::Cooperative,
            ],
        );
        let created = c.now - Duration::days(rng.gen_range(200..900));
        rows.providers.push(training_provider::Model {
            id: provider_id,
            commune_code: c.place.code.clone(),
            name: format!("Trung tâm Giáo dục nghề nghiệp {}", c.place.name),
            kind: kind.as_str().to_owned(),
            address: Some(format!("Số {} {}", rng.gen_range(1..200), c.place.name)),
            phone: None,
            created_at: created,
            updated_at: created,
        });
        for _ in 0..rng.gen_range(1..=3) {
            let id = new_id(rng);
            let duration_days = pick(rng, &[60, 90, 90, 180]);
            let starts_on = c.today - Duration::days(rng.gen_range(-30..300));
            let ends_on = starts_on + Duration::days(duration_days);
            let cost = i64::from(rng.gen_range(20..80)) * 100_000;
            rows.programmes.push(training_programme::Model {
                id,
                provider_id,
                commune_code: c.place.code.clone(),
                trade: pick(rng, TRADES).to_owned(),
                duration_days: i32::try_from(duration_days).unwrap_or(90),
                schedule: Some("Thứ Hai đến thứ Sáu, 7:30–11:00".to_owned()),
                starts_on: Some(starts_on),
                ends_on: Some(ends_on),
                cost_vnd: cost,
                funding_source: pick(
                    rng,
                    &[
                        FundingSource::StateBudget,
                        FundingSource::StateBudget,
                        FundingSource::Provider,
                    ],
                )
                .as_str()
                .to_owned(),
                seats: rng.gen_range(15..40),
                created_at: created,
                updated_at: created,
            });
            out.push(ProgrammeRef {
                id,
                starts_on,
                ends_on,
                cost,
            });
        }
    }
    out
}

#[derive(Debug, Clone, Copy)]
struct ProgrammeRef {
    id: Uuid,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    cost: i64,
}

#[derive(Debug, Clone, Copy)]
struct OpeningRef {
    id: Uuid,
    opens_on: NaiveDate,
    wage: i64,
}

/// 2–4 employers (a few hundred per province) with 1–2 openings each.
fn jobs(rng: &mut StdRng, rows: &mut SupportRows, c: &Commune<'_>) -> Vec<OpeningRef> {
    let mut out = Vec::new();
    for n in 0..rng.gen_range(2..=4) {
        let id = new_id(rng);
        let total = rng.gen_range(8..200);
        let created = c.now - Duration::days(rng.gen_range(100..900));
        rows.employers.push(employer::Model {
            id,
            commune_code: c.place.code.clone(),
            name: format!("{} {} {}", pick(rng, EMPLOYERS), c.place.name, n + 1),
            address: Some(format!("Số {} {}", rng.gen_range(1..300), c.place.name)),
            phone: None,
            workforce_total: Some(total),
            workforce_after_rehab: Some(rng.gen_range(0..=total / 5)),
            created_at: created,
            updated_at: created,
        });
        for _ in 0..rng.gen_range(1..=2) {
            let opening = new_id(rng);
            let opens_on = c.today - Duration::days(rng.gen_range(0..300));
            let wage = i64::from(rng.gen_range(50..120)) * 100_000;
            rows.openings.push(job_opening::Model {
                id: opening,
                employer_id: id,
                commune_code: c.place.code.clone(),
                title: pick(rng, JOBS).to_owned(),
                description: None,
                wage_vnd: Some(wage),
                seats: rng.gen_range(3..20),
                opens_on,
                closes_on: None,
                created_at: created,
                updated_at: created,
            });
            out.push(OpeningRef {
                id: opening,
                opens_on,
                wage,
            });
        }
    }
    out
}

fn training_placement(
    rng: &mut StdRng,
    rows: &mut SupportRows,
    c: &Commune<'_>,
    client: &client::Model,
    p: &ProgrammeRef,
) -> Uuid {
    use PlacementStatus as S;
    let referred_on = (p.starts_on - Duration::days(rng.gen_range(3..30))).min(c.today);
    let started = p.starts_on <= c.today;
    let status = match rng.gen_range(0..100) {
        _ if !started => S::Referred,
        0..10 => S::Referred,
        10..22 => S::DroppedOut,
        _ if p.ends_on < c.today => S::Completed,
        _ => S::Enrolled,
    };
    let starts_on = (status != S::Referred).then_some(p.starts_on);
    let ends_on = match status {
        S::Completed => Some(p.ends_on),
        S::DroppedOut => Some(
            (p.starts_on + Duration::days(rng.gen_range(1..30)))
                .min(c.today)
                .max(p.starts_on),
        ),
        _ => None,
    };
    let id = new_id(rng);
    let at = super::local_instant(referred_on, 9, 0).min(c.now);
    rows.placements.push(placement::Model {
        id,
        client_id: client.id,
        commune_code: c.place.code.clone(),
        kind: PlacementKind::Training.as_str().to_owned(),
        programme_id: Some(p.id),
        opening_id: None,
        status: status.as_str().to_owned(),
        referred_on,
        starts_on,
        ends_on,
        wage_vnd: None,
        tuition_paid_vnd: if starts_on.is_some() { p.cost } else { 0 },
        stipend_vnd: if starts_on.is_some() {
            i64::from(rng.gen_range(0..10)) * 100_000
        } else {
            0
        },
        tools_vnd: 0,
        support_note: None,
        created_at: at,
        updated_at: at,
    });
    id
}

fn job_placement(
    rng: &mut StdRng,
    rows: &mut SupportRows,
    c: &Commune<'_>,
    client: &client::Model,
    o: &OpeningRef,
) {
    use PlacementStatus as S;
    let referred_on =
        o.opens_on + Duration::days(rng.gen_range(0..=(c.today - o.opens_on).num_days()));
    let days_since = (c.today - referred_on).num_days();
    let status = match rng.gen_range(0..100) {
        _ if days_since < 7 => S::Referred,
        0..10 => S::Referred,
        10..18 => S::Interviewed,
        18..30 => S::NotHired,
        30..38 => S::Hired,
        38..48 if days_since > 60 => S::Ended,
        _ => S::Employed,
    };
    let starts_on = matches!(status, S::Employed | S::Ended)
        .then(|| referred_on + Duration::days(rng.gen_range(3..=7)));
    let ends_on = (status == S::Ended)
        .then(|| referred_on + Duration::days(rng.gen_range(30..=days_since.max(31))))
        .map(|d| d.min(c.today));
    let at = local_instant(referred_on, 9, 0).min(c.now);
    rows.placements.push(placement::Model {
        id: new_id(rng),
        client_id: client.id,
        commune_code: c.place.code.clone(),
        kind: PlacementKind::Job.as_str().to_owned(),
        programme_id: None,
        opening_id: Some(o.id),
        status: status.as_str().to_owned(),
        referred_on,
        starts_on,
        ends_on,
        wage_vnd: starts_on.map(|_| o.wage),
        tuition_paid_vnd: 0,
        stipend_vnd: 0,
        tools_vnd: if starts_on.is_some() && rng.gen_bool(0.2) {
            1_500_000
        } else {
            0
        },
        support_note: None,
        created_at: at,
        updated_at: at,
    });
}

/// Raises each programme's and opening's seats of this commune to the placements holding
/// one, so the generated data obeys the seat rule the API enforces.
fn fit_seats(rows: &mut SupportRows, c: &Commune<'_>) {
    let here = |code: &str| code == c.place.code;
    for p in rows.programmes.iter_mut().filter(|p| here(&p.commune_code)) {
        let held = rows
            .placements
            .iter()
            .filter(|x| x.programme_id == Some(p.id) && holds_seat(&x.status))
            .count();
        p.seats = p.seats.max(i32::try_from(held).unwrap_or(i32::MAX));
    }
    for o in rows.openings.iter_mut().filter(|o| here(&o.commune_code)) {
        let held = rows
            .placements
            .iter()
            .filter(|x| x.opening_id == Some(o.id) && holds_seat(&x.status))
            .count();
        o.seats = o.seats.max(i32::try_from(held).unwrap_or(i32::MAX));
    }
}

fn holds_seat(status: &str) -> bool {
    PlacementStatus::from_stored(status).is_some_and(PlacementStatus::holds_seat)
}

/// The commune's Decision 08 eligibility list and its loans.
fn loans(
    rng: &mut StdRng,
    rows: &mut SupportRows,
    run: &SupportRun,
    c: &Commune<'_>,
    trainees: &[Option<Uuid>],
) {
    let borrowers: Vec<usize> = (0..c.clients.len())
        .filter(|_| rng.gen_bool(LOAN_SHARE))
        .collect();
    // The certified list names the Decision 08 borrowers and a few more people.
    let mut listed = None;
    if let Some(p) = &run.decision_08 {
        let id = new_id(rng);
        let certified_on = c.today - Duration::days(rng.gen_range(20..150));
        let sent = rng.gen_bool(0.7);
        let created = local_instant(certified_on - Duration::days(10), 9, 0);
        rows.lists.push(eligibility_list::Model {
            id,
            commune_code: c.place.code.clone(),
            programme_id: p.id,
            title: format!("Danh sách đợt 1 năm {}", certified_on.format("%Y")),
            status: if sent {
                EligibilityListStatus::SentToBank
            } else {
                EligibilityListStatus::Certified
            }
            .as_str()
            .to_owned(),
            certified_on: Some(certified_on),
            certified_by: Some("Chủ tịch Ủy ban nhân dân".to_owned()),
            sent_on: sent.then(|| certified_on + Duration::days(rng.gen_range(1..10))),
            created_at: created,
            updated_at: created,
        });
        listed = Some((id, created, certified_on));
    }
    for (n, &i) in borrowers.iter().enumerate() {
        let client = &c.clients[i];
        let under_08 = listed.is_some() && n % 2 == 0;
        let programme = if under_08 {
            run.decision_08.as_ref()
        } else {
            run.older.get(n % run.older.len().max(1))
        };
        let Some(programme) = programme else { continue };
        if let (true, Some((list_id, created, _))) = (under_08, listed) {
            rows.entries.push(eligibility_list_entry::Model {
                id: new_id(rng),
                list_id,
                client_id: client.id,
                commune_code: c.place.code.clone(),
                note: None,
                created_at: created,
            });
        }
        let earliest = match (under_08, listed) {
            (true, Some((_, _, certified_on))) => certified_on,
            _ => programme
                .effective_from
                .max(c.orders[i].decision_date.unwrap_or(c.today)),
        }
        .max(c.today - Duration::days(720));
        loan(rng, rows, c, client, programme, earliest, trainees[i]);
    }
}

/// One application; when disbursed, its schedule, paid instalments and repayments.
fn loan(
    rng: &mut StdRng,
    rows: &mut SupportRows,
    c: &Commune<'_>,
    client: &client::Model,
    programme: &loan_programme::Model,
    earliest: NaiveDate,
    placement_id: Option<Uuid>,
) {
    use LoanStatus as S;
    let span = (c.today - earliest).num_days().max(1);
    let submitted_on = earliest + Duration::days(rng.gen_range(0..span));
    let cap = programme.max_amount_vnd.min(100_000_000);
    let amount = (i64::from(rng.gen_range(10..=100)) * 1_000_000).min(cap);
    let term = pick(rng, &[12, 24, 36, 36, 60]).min(programme.max_term_months);
    let decided_on = submitted_on + Duration::days(rng.gen_range(5..20));
    let disbursed_on = decided_on + Duration::days(rng.gen_range(3..15));
    let roll = rng.gen_range(0..100);
    let status = match roll {
        _ if decided_on > c.today => S::Submitted,
        0..4 => S::Draft,
        4..8 => S::Submitted,
        8..12 => S::Rejected,
        _ if disbursed_on > c.today => S::Approved,
        12..16 => S::Approved,
        _ => S::Disbursed,
    };
    let frequency = if term % 3 == 0 && rng.gen_bool(0.5) {
        RepaymentFrequency::Quarterly
    } else {
        RepaymentFrequency::Monthly
    };
    let id = new_id(rng);
    let created = local_instant(submitted_on - Duration::days(2), 10, 0);
    let mut a = loan_application::Model {
        id,
        client_id: client.id,
        commune_code: c.place.code.clone(),
        programme_id: programme.id,
        borrower: programme.borrower.clone(),
        amount_vnd: amount,
        term_months: term,
        purpose: pick(rng, PURPOSES).to_owned(),
        placement_id,
        employer_id: None,
        business_plan: None,
        guarantor: None,
        group_name: Some(format!("Tổ TK&VV {}", c.place.name)),
        status: status.as_str().to_owned(),
        status_reason: None,
        submitted_on: (status != S::Draft).then_some(submitted_on),
        decided_on: matches!(status, S::Approved | S::Rejected | S::Disbursed)
            .then_some(decided_on),
        disbursed_on: None,
        frequency: None,
        annual_rate_bp: matches!(status, S::Approved | S::Disbursed)
            .then_some(programme.annual_rate_bp),
        overdue_rate_percent: matches!(status, S::Approved | S::Disbursed)
            .then_some(programme.overdue_rate_percent),
        created_at: created,
        updated_at: created,
    };
    if status == S::Disbursed {
        a.disbursed_on = Some(disbursed_on);
        a.frequency = Some(frequency.as_str().to_owned());
        a.status = schedule(rng, rows, c, &a, programme, frequency, disbursed_on)
            .as_str()
            .to_owned();
    }
    rows.applications.push(a);
}

/// Writes the schedule of a disbursed loan: instalments due before today are paid (most on
/// time) or left unpaid and marked overdue; returns the loan's status that follows.
fn schedule(
    rng: &mut StdRng,
    rows: &mut SupportRows,
    c: &Commune<'_>,
    a: &loan_application::Model,
    programme: &loan_programme::Model,
    frequency: RepaymentFrequency,
    disbursed_on: NaiveDate,
) -> LoanStatus {
    let terms = ScheduleTerms {
        principal: Vnd::new(a.amount_vnd).unwrap_or(Vnd::ZERO),
        annual_rate_bp: u32::try_from(programme.annual_rate_bp).unwrap_or(0),
        term_months: u32::try_from(a.term_months).unwrap_or(12),
        frequency,
        method: InterestMethod::from_stored(&programme.interest_method)
            .unwrap_or(InterestMethod::ReducingBalance),
        disbursed_on,
    };
    let Ok(schedule) = repayment_schedule(&terms) else {
        return LoanStatus::Disbursed;
    };
    // One borrower in six falls behind from some instalment on.
    let behind_from = rng.gen_bool(1.0 / 6.0).then(|| rng.gen_range(1..=3));
    let mut any_paid = false;
    let mut overdue = false;
    let mut all_paid = true;
    for i in schedule {
        let number = i32::try_from(i.number).unwrap_or(i32::MAX);
        let past = i.due_on < c.today;
        let late = behind_from.is_some_and(|from| i.number >= from);
        let total = i.principal.get() + i.interest.get();
        let paid_on = (past && !late).then(|| i.due_on - Duration::days(rng.gen_range(0..5)));
        let reminder = super::local_instant(i.due_on - Duration::days(3), 8, 0);
        let id = new_id(rng);
        if let Some(day) = paid_on {
            any_paid = true;
            rows.repayments.push(loan_repayment::Model {
                id: new_id(rng),
                application_id: a.id,
                commune_code: a.commune_code.clone(),
                amount_vnd: total,
                paid_on: day,
                note: None,
                created_at: local_instant(day, 15, 0),
            });
        } else {
            all_paid = false;
        }
        let overdue_at = (past && paid_on.is_none())
            .then(|| local_instant(i.due_on + Duration::days(1), 6, 0).min(c.now));
        overdue |= overdue_at.is_some();
        rows.instalments.push(loan_instalment::Model {
            id,
            application_id: a.id,
            client_id: a.client_id,
            commune_code: a.commune_code.clone(),
            number,
            due_on: i.due_on,
            principal_vnd: i.principal.get(),
            interest_vnd: i.interest.get(),
            paid_vnd: if paid_on.is_some() { total } else { 0 },
            paid_on,
            reminded_at: (reminder <= c.now).then_some(reminder),
            overdue_at,
            created_at: local_instant(disbursed_on, 10, 0),
        });
    }
    if overdue {
        LoanStatus::Overdue
    } else if all_paid {
        LoanStatus::Repaid
    } else if any_paid {
        LoanStatus::Repaying
    } else {
        LoanStatus::Disbursed
    }
}
