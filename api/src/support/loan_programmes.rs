//! Loan programmes as national reference data: the seeded ones are added at start-up when
//! missing; anyone who may read clients may read them; a national administrator changes
//! their terms (cap, term, rates) from a day on (`change_terms`).

use chrono::{DateTime, NaiveDate, Utc};
use domain::{
    access::Permission,
    bounds::{MAX_LOAN_AMOUNT_VND, MAX_REASON_CHARS},
    loan::{
        Borrower, LoanProgramme, ProgrammeTerms, TermsChange, Vnd, check_change, seeded_programmes,
        terms_on,
    },
    time::local_date,
};
use entities::{loan_programme, loan_programme_terms};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::{
    audit::{self, Subject},
    context::RequestContext,
    error::{AppError, AppResult},
    input::required_text,
    pagination::{Page, PageRequest, paginate},
};

/// Adds each seeded programme whose code is not stored yet; stored ones are left as edited.
pub async fn ensure_seeded(db: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<()> {
    for seed in seeded_programmes() {
        let exists = loan_programme::Entity::find()
            .filter(loan_programme::Column::Code.eq(seed.code))
            .one(db)
            .await?
            .is_some();
        if exists {
            continue;
        }
        let p = &seed.programme;
        let small = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
        loan_programme::ActiveModel {
            id: Set(Uuid::now_v7()),
            code: Set(seed.code.to_owned()),
            name: Set(seed.name.to_owned()),
            lender: Set(seed.lender.to_owned()),
            borrower: Set(p.borrower.as_str().to_owned()),
            max_amount_vnd: Set(p.max_amount.get()),
            max_term_months: Set(small(p.max_term_months)),
            annual_rate_bp: Set(small(p.annual_rate_bp)),
            overdue_rate_percent: Set(small(p.overdue_rate_percent)),
            interest_method: Set(seed.interest_method.as_str().to_owned()),
            requires_certified_list: Set(p.requires_certified_list),
            max_years_since_decision: Set(p.max_years_since_decision.map(small)),
            min_age: Set(p.min_age.map(small)),
            min_rehab_workforce_percent: Set(p.min_rehab_workforce_percent.map(small)),
            effective_from: Set(p.effective_from),
            effective_to: Set(p.effective_to),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// A stored programme's rules, parsed.
pub fn rules(p: &loan_programme::Model) -> AppResult<LoanProgramme> {
    let bad =
        |what: &str| AppError::Internal(format!("loan programme {}: bad {what}", p.code).into());
    let unsigned = |n: i32| u32::try_from(n).unwrap_or(0);
    Ok(LoanProgramme {
        borrower: Borrower::from_stored(&p.borrower).ok_or_else(|| bad("borrower"))?,
        max_amount: Vnd::new(p.max_amount_vnd).map_err(|_| bad("max amount"))?,
        max_term_months: unsigned(p.max_term_months),
        annual_rate_bp: unsigned(p.annual_rate_bp),
        overdue_rate_percent: unsigned(p.overdue_rate_percent),
        requires_certified_list: p.requires_certified_list,
        max_years_since_decision: p.max_years_since_decision.map(unsigned),
        min_age: p.min_age.map(unsigned),
        min_rehab_workforce_percent: p.min_rehab_workforce_percent.map(unsigned),
        effective_from: p.effective_from,
        effective_to: p.effective_to,
    })
}

/// A programme by id, without a permission check (the caller already holds the loan).
pub async fn by_id(db: &impl ConnectionTrait, id: Uuid) -> AppResult<loan_programme::Model> {
    loan_programme::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("loan programme"))
}

/// A programme by id: national reference data, readable with `clients:read`.
pub async fn get(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<Option<loan_programme::Model>> {
    ctx.principal()?.require(Permission::ClientsRead)?;
    Ok(loan_programme::Entity::find_by_id(id).one(db).await?)
}

/// Programmes by id (a page's `programme` fields in one statement); `clients:read`.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ids: &[Uuid],
) -> AppResult<Vec<loan_programme::Model>> {
    ctx.principal()?.require(Permission::ClientsRead)?;
    Ok(loan_programme::Entity::find()
        .filter(loan_programme::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// Filter of the programmes list.
#[derive(Debug, Default, Clone)]
pub struct ProgrammeFilter {
    /// Only programmes for this kind of borrower.
    pub borrower: Option<Borrower>,
    /// Only programmes accepting applications on this day.
    pub open_on: Option<NaiveDate>,
}

/// Lists programmes (national reference data; `clients:read`).
pub async fn list(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    f: ProgrammeFilter,
    page: PageRequest<Uuid>,
) -> AppResult<Page<loan_programme::Model>> {
    ctx.principal()?.require(Permission::ClientsRead)?;
    use loan_programme::Column as C;
    let mut cond = Condition::all();
    if let Some(b) = f.borrower {
        cond = cond.add(C::Borrower.eq(b.as_str()));
    }
    if let Some(d) = f.open_on {
        cond = cond.add(C::EffectiveFrom.lte(d)).add(
            Condition::any()
                .add(C::EffectiveTo.is_null())
                .add(C::EffectiveTo.gte(d)),
        );
    }
    paginate(db, loan_programme::Entity::find().filter(cond), C::Id, page).await
}

/// The recorded changes of a programme's terms, oldest first.
pub async fn term_changes(
    db: &impl ConnectionTrait,
    programme_id: Uuid,
) -> AppResult<Vec<loan_programme_terms::Model>> {
    Ok(loan_programme_terms::Entity::find()
        .filter(loan_programme_terms::Column::ProgrammeId.eq(programme_id))
        .order_by_asc(loan_programme_terms::Column::EffectiveFrom)
        .all(db)
        .await?)
}

/// The changes of every programme of `ids` (a page's programmes in one statement);
/// `clients:read`, like the programmes.
pub async fn term_changes_by_programme_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ids: &[Uuid],
) -> AppResult<Vec<loan_programme_terms::Model>> {
    ctx.principal()?.require(Permission::ClientsRead)?;
    use loan_programme_terms::Column as C;
    Ok(loan_programme_terms::Entity::find()
        .filter(C::ProgrammeId.is_in(ids.iter().copied()))
        .order_by_asc(C::ProgrammeId)
        .order_by_asc(C::EffectiveFrom)
        .all(db)
        .await?)
}

/// Stored changes, parsed.
pub fn changes(rows: &[loan_programme_terms::Model]) -> Vec<TermsChange> {
    let unsigned = |n: i32| u32::try_from(n).unwrap_or(0);
    rows.iter()
        .map(|r| TermsChange {
            effective_from: r.effective_from,
            terms: ProgrammeTerms {
                max_amount: Vnd::new(r.max_amount_vnd).unwrap_or(Vnd::ZERO),
                max_term_months: unsigned(r.max_term_months),
                annual_rate_bp: unsigned(r.annual_rate_bp),
                overdue_rate_percent: unsigned(r.overdue_rate_percent),
            },
        })
        .collect()
}

/// A programme's rules with the terms in force on `day` (see `domain::loan::terms_on`).
pub fn rules_with(
    p: &loan_programme::Model,
    rows: &[loan_programme_terms::Model],
    day: NaiveDate,
) -> AppResult<LoanProgramme> {
    let rules = rules(p)?;
    Ok(terms_on(ProgrammeTerms::of(&rules), &changes(rows), day).apply(&rules))
}

/// A programme's rules with the terms in force on `day`, read from the database.
pub async fn rules_on(
    db: &impl ConnectionTrait,
    p: &loan_programme::Model,
    day: NaiveDate,
) -> AppResult<LoanProgramme> {
    rules_with(p, &term_changes(db, p.id).await?, day)
}

/// A change of terms as received from the edge; what is left out stays as in force on
/// `effective_from`.
#[derive(Debug, Clone)]
pub struct NewTerms {
    /// The programme.
    pub programme_id: Uuid,
    /// First day of application the new terms apply to (today or later).
    pub effective_from: NaiveDate,
    /// New cap, in đồng.
    pub max_amount_vnd: Option<i64>,
    /// New longest term.
    pub max_term_months: Option<i32>,
    /// New yearly rate in basis points.
    pub annual_rate_bp: Option<i32>,
    /// New overdue rate, percent of the normal rate.
    pub overdue_rate_percent: Option<i32>,
    /// Why (the decision or circular that changed it).
    pub reason: String,
}

/// Records a change of a programme's terms (national administrators only: the programmes
/// are national reference data, lent by the Bank for Social Policies under national
/// decisions). It applies to applications submitted on or after its day; applications
/// approved before keep the terms fixed on them at approval.
pub async fn change_terms(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: NewTerms,
) -> AppResult<(loan_programme::Model, loan_programme_terms::Model)> {
    ctx.principal()?.require_admin(true)?;
    let reason = required_text("reason", &input.reason, MAX_REASON_CHARS)?;
    let unsigned = |field: &'static str, v: Option<i32>| -> AppResult<Option<u32>> {
        v.map(|n| u32::try_from(n).map_err(|_| AppError::field(field, "must not be negative")))
            .transpose()
    };
    let max_term = unsigned("maxTermMonths", input.max_term_months)?;
    let rate = unsigned("annualRateBp", input.annual_rate_bp)?;
    let overdue = unsigned("overdueRatePercent", input.overdue_rate_percent)?;
    let cap = input
        .max_amount_vnd
        .map(|v| super::loans::amount("maxAmountVnd", v, MAX_LOAN_AMOUNT_VND))
        .transpose()?;
    let today = local_date(ctx.now);
    let txn = store::db::begin_write(db).await?;
    // The programme row is locked so two changes for one day are checked one after the other.
    let programme = loan_programme::Entity::find_by_id(input.programme_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("loan programme"))?;
    let stored = term_changes(&txn, programme.id).await?;
    let rules = rules(&programme)?;
    let existing = changes(&stored);
    let before = terms_on(ProgrammeTerms::of(&rules), &existing, input.effective_from);
    let change = TermsChange {
        effective_from: input.effective_from,
        terms: ProgrammeTerms {
            max_amount: cap.unwrap_or(before.max_amount),
            max_term_months: max_term.unwrap_or(before.max_term_months),
            annual_rate_bp: rate.unwrap_or(before.annual_rate_bp),
            overdue_rate_percent: overdue.unwrap_or(before.overdue_rate_percent),
        },
    };
    check_change(&rules, &existing, &change, today).map_err(|e| AppError::field(e.field(), e))?;
    let small = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    let row = loan_programme_terms::ActiveModel {
        id: Set(Uuid::now_v7()),
        programme_id: Set(programme.id),
        effective_from: Set(change.effective_from),
        max_amount_vnd: Set(change.terms.max_amount.get()),
        max_term_months: Set(small(change.terms.max_term_months)),
        annual_rate_bp: Set(small(change.terms.annual_rate_bp)),
        overdue_rate_percent: Set(small(change.terms.overdue_rate_percent)),
        reason: Set(reason),
        created_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    let detail = format!(
        "{} from {}: cap {} đ, {} months, {} bp, overdue {}%",
        programme.code,
        change.effective_from,
        row.max_amount_vnd,
        row.max_term_months,
        row.annual_rate_bp,
        row.overdue_rate_percent
    );
    audit::record(
        &txn,
        ctx,
        "loan_programme.change_terms",
        Subject {
            entity_type: "loan_programme",
            entity_id: Some(programme.id),
            commune_code: None,
        },
        Some(detail),
    )
    .await?;
    txn.commit().await?;
    Ok((programme, row))
}
