//! Loan programmes as reference data: the seeded ones are added at start-up when missing.

use chrono::{DateTime, Utc};
use domain::loan::seeded_programmes;
use entities::loan_programme;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::error::AppResult;

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
