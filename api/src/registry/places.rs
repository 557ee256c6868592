//! Provinces and communes: public reference data any signed-in caller may read.

use domain::place::PlaceCodeError;
use entities::{commune, province};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

use crate::{
    context::RequestContext,
    error::{AppError, AppResult},
    pagination::{Page, PageRequest, paginate},
};

/// Filter of the communes list.
#[derive(Debug, Default, Clone)]
pub struct CommuneFilter {
    /// Only this province's communes.
    pub province_code: Option<String>,
    /// Name contains (diacritics and case ignored).
    pub search: Option<String>,
    /// Also list pre-merger units.
    pub include_former: bool,
}

/// Lists provinces.
pub async fn list_provinces(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    page: PageRequest<String>,
) -> AppResult<Page<province::Model>> {
    ctx.principal()?;
    paginate(db, province::Entity::find(), province::Column::Code, page).await
}

/// Lists communes.
pub async fn list_communes(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    filter: CommuneFilter,
    page: PageRequest<String>,
) -> AppResult<Page<commune::Model>> {
    ctx.principal()?;
    let mut cond = Condition::all();
    if let Some(p) = filter.province_code {
        cond = cond.add(commune::Column::ProvinceCode.eq(p));
    }
    if let Some(search) = crate::input::name_search(commune::Column::NameSearch, filter.search)? {
        cond = cond.add(search);
    }
    if !filter.include_former {
        cond = cond.add(commune::Column::IsCurrent.eq(true));
    }
    paginate(
        db,
        commune::Entity::find().filter(cond),
        commune::Column::Code,
        page,
    )
    .await
}

/// Finds communes by code (reference data: no scope applies).
pub async fn communes_by_codes(
    db: &impl ConnectionTrait,
    codes: &[String],
) -> AppResult<Vec<commune::Model>> {
    Ok(commune::Entity::find()
        .filter(commune::Column::Code.is_in(codes.iter().cloned()))
        .all(db)
        .await?)
}

/// Finds provinces by code.
pub async fn provinces_by_codes(
    db: &impl ConnectionTrait,
    codes: &[String],
) -> AppResult<Vec<province::Model>> {
    Ok(province::Entity::find()
        .filter(province::Column::Code.is_in(codes.iter().cloned()))
        .all(db)
        .await?)
}

/// A current commune by code, for input that names one; BAD_USER_INPUT when unknown or former.
pub async fn current_commune(
    db: &impl ConnectionTrait,
    field: &'static str,
    code: &str,
) -> AppResult<commune::Model> {
    let code =
        domain::CommuneCode::parse(code).map_err(|e: PlaceCodeError| AppError::field(field, e))?;
    let found = commune::Entity::find_by_id(code.as_str().to_owned())
        .one(db)
        .await?;
    match found {
        None => Err(AppError::field(
            field,
            format!("unknown commune code {code}"),
        )),
        Some(c) if !c.is_current => Err(AppError::field(
            field,
            format!(
                "commune {code} no longer exists since the 2025 merger{}",
                c.successor_code
                    .as_deref()
                    .map(|s| format!("; its successor is {s}"))
                    .unwrap_or_default()
            ),
        )),
        Some(c) => Ok(c),
    }
}
