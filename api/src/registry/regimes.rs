//! Legal regimes as data: the period rules an operator can add without a code change.

use chrono::NaiveDate;
use domain::{
    bounds::{MAX_CODE_CHARS, MAX_ORGANISATION_NAME_CHARS, MAX_REGIME_MONTHS, MAX_REGIME_RULES},
    order::{AgeGroup, LegalRegime, RegimeRule, RehabKind},
};
use entities::{legal_regime, legal_regime_rule};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use crate::{
    audit::{self, Subject},
    context::RequestContext,
    error::{AppError, AppResult},
    input::{bounded_list, required_text},
};

/// A stored regime with its id.
#[derive(Debug, Clone)]
pub struct StoredRegime {
    /// Row id.
    pub id: Uuid,
    /// Human name.
    pub name: String,
    /// The rules.
    pub regime: LegalRegime,
}

/// Every regime, oldest first.
pub async fn all(db: &impl ConnectionTrait) -> AppResult<Vec<StoredRegime>> {
    let regimes = legal_regime::Entity::find()
        .order_by_asc(legal_regime::Column::EffectiveFrom)
        .all(db)
        .await?;
    let rules = legal_regime_rule::Entity::find().all(db).await?;
    regimes
        .into_iter()
        .map(|r| {
            let rules = rules
                .iter()
                .filter(|rule| rule.regime_id == r.id)
                .map(|rule| {
                    Ok(RegimeRule {
                        rehab_kind: RehabKind::from_stored(&rule.rehab_kind).ok_or_else(|| {
                            AppError::Internal(format!("bad rehab kind {}", rule.rehab_kind).into())
                        })?,
                        age_group: AgeGroup::from_stored(&rule.age_group).ok_or_else(|| {
                            AppError::Internal(format!("bad age group {}", rule.age_group).into())
                        })?,
                        months: u32::try_from(rule.months).unwrap_or(0),
                    })
                })
                .collect::<AppResult<Vec<_>>>()?;
            Ok(StoredRegime {
                id: r.id,
                name: r.name,
                regime: LegalRegime {
                    code: r.code,
                    effective_from: r.effective_from,
                    effective_to: r.effective_to,
                    rules,
                },
            })
        })
        .collect()
}

/// Input of a new regime.
#[derive(Debug, Clone)]
pub struct NewRegime {
    /// Stable code.
    pub code: String,
    /// Human name, e.g. "Luật Phòng, chống ma túy 2025".
    pub name: String,
    /// First decision date covered.
    pub effective_from: NaiveDate,
    /// Last decision date covered.
    pub effective_to: Option<NaiveDate>,
    /// Period rules.
    pub rules: Vec<RegimeRule>,
}

/// Stores a regime (national administrators only).
pub async fn create(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: NewRegime,
) -> AppResult<StoredRegime> {
    ctx.principal()?.require_admin(true)?;
    let code = input.code.trim().to_uppercase();
    if code.is_empty()
        || code.len() > MAX_CODE_CHARS
        || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(AppError::field(
            "code",
            format!(
                "use up to {MAX_CODE_CHARS} letters, digits and underscores, e.g. LAW_120_2025"
            ),
        ));
    }
    let name = required_text("name", &input.name, MAX_ORGANISATION_NAME_CHARS)?;
    if input
        .effective_to
        .is_some_and(|to| to < input.effective_from)
    {
        return Err(AppError::field(
            "effectiveTo",
            "must not be before effectiveFrom",
        ));
    }
    if input.rules.is_empty() {
        return Err(AppError::field("rules", "a regime needs at least one rule"));
    }
    bounded_list("rules", &input.rules, MAX_REGIME_RULES)?;
    if let Some(bad) = input
        .rules
        .iter()
        .find(|r| r.months == 0 || r.months > MAX_REGIME_MONTHS)
    {
        return Err(AppError::field(
            "rules",
            format!(
                "months must be between 1 and {MAX_REGIME_MONTHS} (got {})",
                bad.months
            ),
        ));
    }
    let txn = store::db::begin_write(db).await?;
    let id = Uuid::now_v7();
    legal_regime::ActiveModel {
        id: Set(id),
        code: Set(code.clone()),
        name: Set(name.clone()),
        effective_from: Set(input.effective_from),
        effective_to: Set(input.effective_to),
        created_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    insert_rules(&txn, id, &input.rules).await?;
    audit::record(
        &txn,
        ctx,
        "legal_regime.create",
        Subject {
            entity_type: "legal_regime",
            entity_id: Some(id),
            commune_code: None,
        },
        Some(code.clone()),
    )
    .await?;
    txn.commit().await?;
    Ok(StoredRegime {
        id,
        name,
        regime: LegalRegime {
            code,
            effective_from: input.effective_from,
            effective_to: input.effective_to,
            rules: input.rules,
        },
    })
}

async fn insert_rules(
    db: &impl ConnectionTrait,
    regime_id: Uuid,
    rules: &[RegimeRule],
) -> AppResult<()> {
    legal_regime_rule::Entity::insert_many(rules.iter().map(|r| legal_regime_rule::ActiveModel {
        id: Set(Uuid::now_v7()),
        regime_id: Set(regime_id),
        rehab_kind: Set(r.rehab_kind.as_str().to_owned()),
        age_group: Set(r.age_group.as_str().to_owned()),
        months: Set(i32::try_from(r.months).unwrap_or(i32::MAX)),
    }))
    .exec(db)
    .await?;
    Ok(())
}

/// Stores a built-in regime if its code is not there yet (start-up reference data).
pub async fn ensure(
    db: &impl ConnectionTrait,
    name: &str,
    regime: &LegalRegime,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let exists = legal_regime::Entity::find()
        .filter(legal_regime::Column::Code.eq(regime.code.as_str()))
        .one(db)
        .await?;
    if exists.is_some() {
        return Ok(());
    }
    let id = Uuid::now_v7();
    legal_regime::ActiveModel {
        id: Set(id),
        code: Set(regime.code.clone()),
        name: Set(name.to_owned()),
        effective_from: Set(regime.effective_from),
        effective_to: Set(regime.effective_to),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    insert_rules(db, id, &regime.rules).await
}
