//! A commune's monthly messaging budget (issue 13, item 6): set or cleared by an
//! administrator or the commune's chairman (`domain::messaging::budget::may_set_budget`),
//! audited like a price.

use domain::messaging::budget::{MAX_MONTHLY_BUDGET_VND, may_set_budget};
use entities::commune_budget;
use sea_orm::{DatabaseConnection, EntityTrait, Set, sea_query::OnConflict};

use crate::{
    audit::{self, Subject},
    context::RequestContext,
    error::{AppError, AppResult},
    registry::places,
};

/// Sets (`Some`) or clears (`None`) the monthly budget of `commune_code`. Authority is checked
/// before the commune is looked up; a commune outside the caller's scope is `NOT_FOUND`.
/// Returns the budget now in force.
pub async fn set(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    commune_code: &str,
    monthly_budget_vnd: Option<i64>,
) -> AppResult<Option<i64>> {
    let principal = ctx.principal()?;
    if !principal.with_officer_actor(may_set_budget) {
        return Err(AppError::forbidden(
            "only administrators and the commune chairman may set a commune's budget",
        ));
    }
    if let Some(v) = monthly_budget_vnd
        && !(1..=MAX_MONTHLY_BUDGET_VND).contains(&v)
    {
        return Err(AppError::field(
            "monthlyBudgetVnd",
            format!(
                "must be between 1 and {MAX_MONTHLY_BUDGET_VND} đồng; to remove the budget, send null"
            ),
        ));
    }
    let commune = places::current_commune(db, "communeCode", commune_code).await?;
    if !principal
        .scope()
        .allows(&commune.code, &commune.province_code)
    {
        return Err(AppError::NotFound("commune"));
    }
    let txn = store::db::begin_write(db).await?;
    let actor = Some(principal.actor_id());
    match monthly_budget_vnd {
        Some(v) => {
            commune_budget::Entity::insert(commune_budget::ActiveModel {
                commune_code: Set(commune.code.clone()),
                monthly_budget_vnd: Set(v),
                alerted_month: Set(None),
                updated_by: Set(actor),
                updated_at: Set(ctx.now),
            })
            // A changed budget keeps `alerted_month`: the officers were told this month.
            .on_conflict(
                OnConflict::column(commune_budget::Column::CommuneCode)
                    .update_columns([
                        commune_budget::Column::MonthlyBudgetVnd,
                        commune_budget::Column::UpdatedBy,
                        commune_budget::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        }
        None => {
            commune_budget::Entity::delete_by_id(commune.code.clone())
                .exec(&txn)
                .await?;
        }
    }
    audit::record(
        &txn,
        ctx,
        if monthly_budget_vnd.is_some() {
            "commune_budget.set"
        } else {
            "commune_budget.clear"
        },
        Subject {
            entity_type: "commune_budget",
            entity_id: None,
            commune_code: Some(&commune.code),
        },
        monthly_budget_vnd.map(|v| format!("{v} per month")),
    )
    .await?;
    txn.commit().await?;
    Ok(monthly_budget_vnd)
}
