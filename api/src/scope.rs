//! Authorization in the data layer: every query is narrowed to the caller's communes before it
//! runs. Services build their queries through these functions, so a resolver cannot forget.

use domain::access::Scope;
use entities::commune;
use sea_orm::{
    ColumnTrait, Condition,
    sea_query::{Expr, ExprTrait, Query},
};

/// A condition keeping only rows whose `column` (a commune code) is inside `scope`.
pub fn commune_condition(scope: &Scope, column: impl ColumnTrait) -> Condition {
    match scope {
        Scope::Everything => Condition::all(),
        Scope::Province(province) => Condition::all().add(
            column.in_subquery(
                Query::select()
                    .column(commune::Column::Code)
                    .from(commune::Entity)
                    .and_where(Expr::col(commune::Column::ProvinceCode).eq(province.as_str()))
                    .to_owned(),
            ),
        ),
        Scope::Communes(codes) => {
            Condition::all().add(column.is_in(codes.iter().map(String::as_str)))
        }
    }
}

/// Like [`commune_condition`] for records that belong to a province and maybe a commune
/// (officers: province-level officers have no commune and are seen only by province scopes).
pub fn officer_condition(
    scope: &Scope,
    commune_column: impl ColumnTrait,
    province_column: impl ColumnTrait,
) -> Condition {
    match scope {
        Scope::Everything => Condition::all(),
        Scope::Province(province) => Condition::all().add(province_column.eq(province.as_str())),
        Scope::Communes(codes) => {
            Condition::all().add(commune_column.is_in(codes.iter().map(String::as_str)))
        }
    }
}

/// Rows of `E` with these ids that `scope_condition` (the caller's scope) lets through: the
/// DataLoader batch of every scoped record type.
pub async fn find_in_scope_by_ids<E>(
    db: &impl sea_orm::ConnectionTrait,
    scope_condition: Condition,
    id_column: E::Column,
    ids: &[uuid::Uuid],
) -> crate::error::AppResult<Vec<E::Model>>
where
    E: sea_orm::EntityTrait,
{
    use sea_orm::QueryFilter;
    Ok(E::find()
        .filter(scope_condition)
        .filter(id_column.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}
