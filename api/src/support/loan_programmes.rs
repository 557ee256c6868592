//! Loan programmes as national reference data: the seeded ones are added at start-up when
//! missing; anyone who may read clients may read them.

use chrono::{DateTime, NaiveDate, Utc};
use domain::{
    access::Permission,
    loan::{Borrower, LoanProgramme, Vnd, seeded_programmes},
};
use entities::loan_programme;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

use crate::{
    context::RequestContext,
    error::{AppError, AppResult},
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
