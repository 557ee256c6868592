//! Loan applications: creation with the programme's cap and term, the lifecycle, disbursement
//! with its repayment schedule, and recorded repayments.
//!
//! Lifecycle rules are `domain::loan`; here they meet the database. Reading needs
//! `clients:read`, writing `clients:write`; every query is narrowed to the caller's communes
//! before the id is looked up, so a loan of another commune is "not found", never "forbidden".

use chrono::{Datelike, NaiveDate};
use domain::{
    access::Permission,
    bounds::{
        MAX_DESCRIPTION_CHARS, MAX_LOAN_AMOUNT_VND, MAX_LOAN_TERM_MONTHS, MAX_NAME_CHARS,
        MAX_REASON_CHARS,
    },
    loan::{
        Borrower, EligibilityListStatus, InterestMethod, LoanFacts, LoanStatus, RepaymentFrequency,
        ScheduleTerms, Vnd, accepts_repayment, check_application, loan_transition,
        repayment_schedule,
    },
    time::local_date,
};
use entities::{
    client, eligibility_list, eligibility_list_entry, employer, loan_application, loan_instalment,
    loan_repayment, placement, supervision_order,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set,
};
use uuid::Uuid;

use super::{loan_programmes, scoped_client};
use crate::{
    audit::{self, Subject},
    context::RequestContext,
    error::{AppError, AppResult},
    input::{optional_text, required_text},
    pagination::{Page, PageRequest, paginate},
    scope::commune_condition,
};

/// The audit subject of an application.
fn subject(a: &loan_application::Model) -> Subject<'_> {
    Subject {
        entity_type: "loan_application",
        entity_id: Some(a.id),
        commune_code: Some(&a.commune_code),
    }
}

fn scoped(ctx: &RequestContext, permission: Permission) -> AppResult<Condition> {
    let principal = ctx.principal()?;
    principal.require(permission)?;
    Ok(commune_condition(
        &principal.scope(),
        loan_application::Column::CommuneCode,
    ))
}

/// A stored status, parsed.
pub fn status_of(a: &loan_application::Model) -> AppResult<LoanStatus> {
    LoanStatus::from_stored(&a.status)
        .ok_or_else(|| AppError::Internal(format!("bad loan status {}", a.status).into()))
}

/// A whole-đồng amount from input, within the global bound.
pub fn amount(field: &'static str, value: i64, max: i64) -> AppResult<Vnd> {
    if value > max {
        return Err(AppError::field(
            field,
            format!("must be at most {max} đồng"),
        ));
    }
    Vnd::new(value).map_err(|e| AppError::field(field, e))
}

/// Filter of the applications list.
#[derive(Debug, Default, Clone)]
pub struct ApplicationFilter {
    /// Only this client's applications.
    pub client_id: Option<Uuid>,
    /// Only this commune.
    pub commune_code: Option<String>,
    /// Only this status.
    pub status: Option<LoanStatus>,
    /// Only this programme.
    pub programme_id: Option<Uuid>,
    /// Only applications submitted on or after this day.
    pub submitted_from: Option<NaiveDate>,
    /// Only applications submitted on or before this day.
    pub submitted_to: Option<NaiveDate>,
}

/// Lists applications inside the caller's scope.
pub async fn list(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    f: ApplicationFilter,
    page: PageRequest<Uuid>,
) -> AppResult<Page<loan_application::Model>> {
    let mut cond = scoped(ctx, Permission::ClientsRead)?;
    if let (Some(from), Some(to)) = (f.submitted_from, f.submitted_to)
        && to < from
    {
        return Err(AppError::field(
            "filter.submittedTo",
            "must not be before filter.submittedFrom",
        ));
    }
    use loan_application::Column as C;
    if let Some(c) = f.client_id {
        cond = cond.add(C::ClientId.eq(c));
    }
    if let Some(c) = f.commune_code {
        cond = cond.add(C::CommuneCode.eq(c));
    }
    if let Some(s) = f.status {
        cond = cond.add(C::Status.eq(s.as_str()));
    }
    if let Some(p) = f.programme_id {
        cond = cond.add(C::ProgrammeId.eq(p));
    }
    if let Some(d) = f.submitted_from {
        cond = cond.add(C::SubmittedOn.gte(d));
    }
    if let Some(d) = f.submitted_to {
        cond = cond.add(C::SubmittedOn.lte(d));
    }
    paginate(
        db,
        loan_application::Entity::find().filter(cond),
        C::Id,
        page,
    )
    .await
}

/// One application in the caller's scope.
pub async fn get(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<Option<loan_application::Model>> {
    Ok(loan_application::Entity::find_by_id(id)
        .filter(scoped(ctx, Permission::ClientsRead)?)
        .one(db)
        .await?)
}

async fn for_update(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<loan_application::Model> {
    loan_application::Entity::find_by_id(id)
        .filter(scoped(ctx, Permission::ClientsWrite)?)
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(AppError::NotFound("loan application"))
}

/// A new application as received from the edge.
#[derive(Debug, Clone)]
pub struct NewApplication {
    /// The client.
    pub client_id: Uuid,
    /// The programme.
    pub programme_id: Uuid,
    /// Amount in đồng.
    pub amount_vnd: i64,
    /// Term in months.
    pub term_months: i32,
    /// What the money is for.
    pub purpose: String,
    /// The training or job placement the loan supports.
    pub placement_id: Option<Uuid>,
    /// For a business borrower: the employer.
    pub employer_id: Option<Uuid>,
    /// Business plan, when the programme asks for one.
    pub business_plan: Option<String>,
    /// Guarantor's name, where required.
    pub guarantor: Option<String>,
    /// Savings and loan group (tổ tiết kiệm và vay vốn), where required.
    pub group_name: Option<String>,
}

/// Creates a draft application; the programme's cap and term are checked now.
pub async fn create(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: NewApplication,
) -> AppResult<loan_application::Model> {
    ctx.principal()?.require(Permission::ClientsWrite)?;
    let amount_vnd = amount("amountVnd", input.amount_vnd, MAX_LOAN_AMOUNT_VND)?;
    let term = u32::try_from(input.term_months)
        .ok()
        .filter(|t| (1..=MAX_LOAN_TERM_MONTHS).contains(t))
        .ok_or_else(|| {
            AppError::field(
                "termMonths",
                format!("must be 1–{MAX_LOAN_TERM_MONTHS} months"),
            )
        })?;
    let purpose = required_text("purpose", &input.purpose, MAX_DESCRIPTION_CHARS)?;
    let business_plan = optional_text("businessPlan", input.business_plan, MAX_DESCRIPTION_CHARS)?;
    let guarantor = optional_text("guarantor", input.guarantor, MAX_NAME_CHARS)?;
    let group_name = optional_text("groupName", input.group_name, MAX_NAME_CHARS)?;
    let txn = store::db::begin_write(db).await?;
    let client = scoped_client(&txn, ctx, input.client_id).await?;
    let programme = loan_programmes::get(&txn, ctx, input.programme_id)
        .await?
        .ok_or(AppError::NotFound("loan programme"))?;
    // Checked against the terms a submission today would get; submission checks again.
    let rules = loan_programmes::rules_on(&txn, &programme, local_date(ctx.now)).await?;
    if amount_vnd > rules.max_amount {
        return Err(AppError::field(
            "amountVnd",
            format!("is over this programme's cap of {}", rules.max_amount),
        ));
    }
    if amount_vnd == Vnd::ZERO {
        return Err(AppError::field("amountVnd", "must be more than 0 đồng"));
    }
    if term > rules.max_term_months {
        return Err(AppError::field(
            "termMonths",
            format!(
                "is over this programme's maximum of {} months",
                rules.max_term_months
            ),
        ));
    }
    if let Some(p) = input.placement_id {
        let found = placement::Entity::find_by_id(p)
            .filter(placement::Column::ClientId.eq(client.id))
            .one(&txn)
            .await?;
        if found.is_none() {
            return Err(AppError::field(
                "placementId",
                "must be a placement of the same client",
            ));
        }
    }
    if rules.borrower == Borrower::Business {
        let Some(e) = input.employer_id else {
            return Err(AppError::field(
                "employerId",
                "a business loan needs the employer that borrows",
            ));
        };
        super::scoped_employer(&txn, ctx, e).await?;
    } else if input.employer_id.is_some() {
        return Err(AppError::field(
            "employerId",
            "only a business loan names an employer",
        ));
    }
    let a = loan_application::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(client.id),
        commune_code: Set(client.commune_code.clone()),
        programme_id: Set(programme.id),
        borrower: Set(rules.borrower.as_str().to_owned()),
        amount_vnd: Set(amount_vnd.get()),
        term_months: Set(input.term_months),
        purpose: Set(purpose),
        placement_id: Set(input.placement_id),
        employer_id: Set(input.employer_id),
        business_plan: Set(business_plan),
        guarantor: Set(guarantor),
        group_name: Set(group_name),
        status: Set(LoanStatus::Draft.as_str().to_owned()),
        status_reason: Set(None),
        submitted_on: Set(None),
        decided_on: Set(None),
        disbursed_on: Set(None),
        frequency: Set(None),
        annual_rate_bp: Set(None),
        overdue_rate_percent: Set(None),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, ctx, "loan_application.create", subject(&a), None).await?;
    txn.commit().await?;
    Ok(a)
}

/// A lifecycle error as a conflict with the stored state.
fn conflict(e: impl std::fmt::Display) -> AppError {
    AppError::Conflict(e.to_string())
}

/// The facts of an application for the programme's eligibility check, on `today`.
async fn facts(
    db: &impl ConnectionTrait,
    a: &loan_application::Model,
    client: &client::Model,
    today: NaiveDate,
) -> AppResult<LoanFacts> {
    let decision_on = supervision_order::Entity::find()
        .filter(supervision_order::Column::ClientId.eq(client.id))
        .filter(supervision_order::Column::DecisionDate.is_not_null())
        .order_by_desc(supervision_order::Column::DecisionDate)
        .one(db)
        .await?
        .and_then(|o| o.decision_date);
    let certified = [
        EligibilityListStatus::Certified.as_str(),
        EligibilityListStatus::SentToBank.as_str(),
    ];
    let lists: Vec<Uuid> = eligibility_list::Entity::find()
        .filter(eligibility_list::Column::ProgrammeId.eq(a.programme_id))
        .filter(eligibility_list::Column::CommuneCode.eq(&client.commune_code))
        .filter(eligibility_list::Column::Status.is_in(certified))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.id)
        .collect();
    let on_certified_list = !lists.is_empty()
        && eligibility_list_entry::Entity::find()
            .filter(eligibility_list_entry::Column::ClientId.eq(client.id))
            .filter(eligibility_list_entry::Column::ListId.is_in(lists))
            .one(db)
            .await?
            .is_some();
    let workforce = match a.employer_id {
        Some(id) => employer::Entity::find_by_id(id)
            .one(db)
            .await?
            .and_then(|e| Some((e.workforce_total?, e.workforce_after_rehab?)))
            .map(|(t, r)| (u32::try_from(t).unwrap_or(0), u32::try_from(r).unwrap_or(0))),
        None => None,
    };
    let dob = client.date_of_birth;
    let mut age = today.year() - dob.year();
    if (today.month(), today.day()) < (dob.month(), dob.day()) {
        age -= 1;
    }
    Ok(LoanFacts {
        borrower: Borrower::from_stored(&a.borrower).unwrap_or(Borrower::Individual),
        amount: Vnd::new(a.amount_vnd).unwrap_or(Vnd::ZERO),
        term_months: u32::try_from(a.term_months).unwrap_or(0),
        applied_on: today,
        decision_on,
        age: u32::try_from(age).ok(),
        on_certified_list,
        workforce,
    })
}

/// Moves an application to `to`: submitted (the programme's eligibility rules are checked),
/// approved, rejected, restructured or written off. Disbursement, repayments and overdue
/// marking have their own paths, so the schedule and the payments stay consistent.
pub async fn change_status(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    to: LoanStatus,
    reason: Option<String>,
) -> AppResult<loan_application::Model> {
    let reason = optional_text("reason", reason, MAX_REASON_CHARS)?;
    let txn = store::db::begin_write(db).await?;
    let current = for_update(&txn, ctx, id).await?;
    let from = status_of(&current)?;
    loan_transition(from, to).map_err(conflict)?;
    let automatic = match to {
        LoanStatus::Disbursed => Some("disburseLoan, which makes the repayment schedule"),
        LoanStatus::Repaying | LoanStatus::Repaid => Some("recordLoanRepayment"),
        LoanStatus::Overdue => Some("the worker when an instalment is past due"),
        _ => None,
    };
    if let Some(path) = automatic {
        return Err(AppError::Conflict(format!(
            "a loan becomes {} through {path}, not by a status change",
            to.as_str()
        )));
    }
    let today = local_date(ctx.now);
    // The terms are those in force on the day of submission.
    let terms_day = current.submitted_on.unwrap_or(today);
    let programme = loan_programmes::by_id(&txn, current.programme_id).await?;
    let rules = loan_programmes::rules_on(&txn, &programme, terms_day).await?;
    if to == LoanStatus::Submitted {
        let client = client::Entity::find_by_id(current.client_id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("client"))?;
        let facts = facts(&txn, &current, &client, today).await?;
        check_application(&rules, &facts).map_err(|e| AppError::field(e.field(), e))?;
    }
    let mut m: loan_application::ActiveModel = current.into();
    m.status = Set(to.as_str().to_owned());
    m.status_reason = Set(reason);
    match to {
        LoanStatus::Submitted => m.submitted_on = Set(Some(today)),
        LoanStatus::Approved => {
            m.decided_on = Set(Some(today));
            // Approved terms are the loan's: a later change of the programme never reaches it.
            let small = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
            m.annual_rate_bp = Set(Some(small(rules.annual_rate_bp)));
            m.overdue_rate_percent = Set(Some(small(rules.overdue_rate_percent)));
        }
        LoanStatus::Rejected => m.decided_on = Set(Some(today)),
        _ => {}
    }
    m.updated_at = Set(ctx.now);
    let a = m.update(&txn).await?;
    let action = format!("loan_application.{}", to.as_str());
    audit::record(&txn, ctx, &action, subject(&a), None).await?;
    txn.commit().await?;
    Ok(a)
}

/// Pays out an approved loan and writes its repayment schedule.
pub async fn disburse(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    disbursed_on: NaiveDate,
    frequency: RepaymentFrequency,
) -> AppResult<(loan_application::Model, Vec<loan_instalment::Model>)> {
    let today = local_date(ctx.now);
    if disbursed_on > today {
        return Err(AppError::field("disbursedOn", "must not be in the future"));
    }
    let txn = store::db::begin_write(db).await?;
    let current = for_update(&txn, ctx, id).await?;
    loan_transition(status_of(&current)?, LoanStatus::Disbursed).map_err(conflict)?;
    if current.submitted_on.is_some_and(|s| disbursed_on < s) {
        return Err(AppError::field(
            "disbursedOn",
            "must not be before the application was submitted",
        ));
    }
    let programme = loan_programmes::by_id(&txn, current.programme_id).await?;
    let method = InterestMethod::from_stored(&programme.interest_method)
        .unwrap_or(InterestMethod::ReducingBalance);
    // The rate fixed at approval; a loan approved before rates were fixed on it takes the
    // terms in force on its submission day.
    let approved = match (current.annual_rate_bp, current.overdue_rate_percent) {
        (Some(rate), Some(overdue)) => (rate, overdue),
        _ => {
            let day = current.submitted_on.unwrap_or(today);
            let r = loan_programmes::rules_on(&txn, &programme, day).await?;
            let small = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
            (small(r.annual_rate_bp), small(r.overdue_rate_percent))
        }
    };
    let rate = u32::try_from(approved.0).unwrap_or(0);
    let terms = ScheduleTerms {
        principal: Vnd::new(current.amount_vnd).unwrap_or(Vnd::ZERO),
        annual_rate_bp: rate,
        term_months: u32::try_from(current.term_months).unwrap_or(0),
        frequency,
        method,
        disbursed_on,
    };
    let schedule = repayment_schedule(&terms).map_err(|e| AppError::field("frequency", e))?;
    let mut rows = Vec::with_capacity(schedule.len());
    for i in schedule {
        let row = loan_instalment::ActiveModel {
            id: Set(Uuid::now_v7()),
            application_id: Set(current.id),
            client_id: Set(current.client_id),
            commune_code: Set(current.commune_code.clone()),
            number: Set(i32::try_from(i.number).unwrap_or(i32::MAX)),
            due_on: Set(i.due_on),
            principal_vnd: Set(i.principal.get()),
            interest_vnd: Set(i.interest.get()),
            paid_vnd: Set(0),
            paid_on: Set(None),
            reminded_at: Set(None),
            overdue_at: Set(None),
            created_at: Set(ctx.now),
        };
        rows.push(row.insert(&txn).await?);
    }
    let mut m: loan_application::ActiveModel = current.into();
    m.status = Set(LoanStatus::Disbursed.as_str().to_owned());
    m.disbursed_on = Set(Some(disbursed_on));
    m.frequency = Set(Some(frequency.as_str().to_owned()));
    m.annual_rate_bp = Set(Some(approved.0));
    m.overdue_rate_percent = Set(Some(approved.1));
    m.updated_at = Set(ctx.now);
    let a = m.update(&txn).await?;
    audit::record(&txn, ctx, "loan_application.disburse", subject(&a), None).await?;
    txn.commit().await?;
    Ok((a, rows))
}

/// The instalments of an application, in order.
pub async fn instalments(
    db: &impl ConnectionTrait,
    application_id: Uuid,
) -> AppResult<Vec<loan_instalment::Model>> {
    Ok(loan_instalment::Entity::find()
        .filter(loan_instalment::Column::ApplicationId.eq(application_id))
        .order_by_asc(loan_instalment::Column::Number)
        .all(db)
        .await?)
}

/// The instalments of every application of `ids` in the caller's scope, each schedule in
/// order, in one statement (for a page of loans).
pub async fn instalments_by_application_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ids: &[Uuid],
) -> AppResult<Vec<loan_instalment::Model>> {
    use loan_instalment::Column as C;
    let in_scope = loan_application::Entity::find()
        .select_only()
        .column(loan_application::Column::Id)
        .filter(loan_application::Column::Id.is_in(ids.iter().copied()))
        .filter(scoped(ctx, Permission::ClientsRead)?)
        .into_query();
    Ok(loan_instalment::Entity::find()
        .filter(C::ApplicationId.in_subquery(in_scope))
        .order_by_asc(C::ApplicationId)
        .order_by_asc(C::Number)
        .all(db)
        .await?)
}

/// What is still owed on a schedule (principal and interest), in đồng.
pub fn outstanding(instalments: &[loan_instalment::Model]) -> i64 {
    instalments
        .iter()
        .map(|i| i.principal_vnd + i.interest_vnd - i.paid_vnd)
        .sum()
}

/// Records a repayment: it pays the oldest unpaid instalments first; the loan becomes
/// repaying, or repaid when nothing is owed, or back to repaying when no unpaid instalment
/// is past due any more.
pub async fn record_repayment(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    amount_vnd: i64,
    paid_on: NaiveDate,
    note: Option<String>,
) -> AppResult<(loan_application::Model, loan_repayment::Model)> {
    let paid = amount("amountVnd", amount_vnd, MAX_LOAN_AMOUNT_VND)?;
    if paid == Vnd::ZERO {
        return Err(AppError::field("amountVnd", "must be more than 0 đồng"));
    }
    let note = optional_text("note", note, MAX_REASON_CHARS)?;
    let today = local_date(ctx.now);
    if paid_on > today {
        return Err(AppError::field("paidOn", "must not be in the future"));
    }
    let txn = store::db::begin_write(db).await?;
    let current = for_update(&txn, ctx, id).await?;
    let status = status_of(&current)?;
    accepts_repayment(status).map_err(conflict)?;
    if current.disbursed_on.is_some_and(|d| paid_on < d) {
        return Err(AppError::field(
            "paidOn",
            "must not be before the loan was disbursed",
        ));
    }
    let schedule = instalments(&txn, current.id).await?;
    let owed = outstanding(&schedule);
    if paid.get() > owed {
        return Err(AppError::field(
            "amountVnd",
            format!(
                "is more than the {} still owed",
                Vnd::new(owed).unwrap_or(Vnd::ZERO)
            ),
        ));
    }
    let mut left = paid.get();
    let mut past_due_unpaid = false;
    for i in schedule {
        let due = i.principal_vnd + i.interest_vnd - i.paid_vnd;
        let take = left.min(due);
        left -= take;
        if due - take > 0 && i.due_on < today {
            past_due_unpaid = true;
        }
        if take > 0 {
            let fully = take == due;
            let new_paid = i.paid_vnd + take;
            let mut m: loan_instalment::ActiveModel = i.into();
            m.paid_vnd = Set(new_paid);
            if fully {
                m.paid_on = Set(Some(paid_on));
            }
            let i = m.update(&txn).await?;
            if fully {
                // A reminder of a paid instalment must not go out.
                store::outbox::cancel_for_source(&txn, "loan_instalment", i.id, ctx.now).await?;
            }
        }
    }
    let repayment = loan_repayment::ActiveModel {
        id: Set(Uuid::now_v7()),
        application_id: Set(current.id),
        commune_code: Set(current.commune_code.clone()),
        amount_vnd: Set(paid.get()),
        paid_on: Set(paid_on),
        note: Set(note),
        created_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    let next = if paid.get() == owed {
        LoanStatus::Repaid
    } else if past_due_unpaid || status == LoanStatus::Restructured {
        status
    } else {
        LoanStatus::Repaying
    };
    let mut m: loan_application::ActiveModel = current.into();
    if next != status {
        loan_transition(status, next).map_err(conflict)?;
        m.status = Set(next.as_str().to_owned());
    }
    m.updated_at = Set(ctx.now);
    let a = m.update(&txn).await?;
    audit::record(&txn, ctx, "loan_application.repayment", subject(&a), None).await?;
    txn.commit().await?;
    Ok((a, repayment))
}

/// What a client still owes on all loans with a debt, and how many such loans there are.
pub async fn outstanding_of_client(
    db: &impl ConnectionTrait,
    client_id: Uuid,
) -> AppResult<(i64, u64)> {
    let debt: Vec<&str> = LoanStatus::ALL
        .into_iter()
        .filter(|s| s.has_outstanding_debt())
        .map(LoanStatus::as_str)
        .collect();
    let open: Vec<Uuid> = loan_application::Entity::find()
        .filter(loan_application::Column::ClientId.eq(client_id))
        .filter(loan_application::Column::Status.is_in(debt))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    if open.is_empty() {
        return Ok((0, 0));
    }
    let rows = loan_instalment::Entity::find()
        .filter(loan_instalment::Column::ApplicationId.is_in(open.iter().copied()))
        .all(db)
        .await?;
    Ok((outstanding(&rows), open.len() as u64))
}
