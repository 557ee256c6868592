//! Who one level of a chain alerts, for one escalation.

use std::collections::BTreeSet;

use domain::{access::OfficerRole, escalation::Level};
use entities::{commune, officer, order_assignment};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Stored role of a case officer's assignment (as in [`crate::alerts`]).
const CASE_OFFICER: &str = domain::order::AssignmentRole::CaseOfficer.as_str();

/// The active officers a level alerts for a client of `commune_code` under `order_id`:
/// the order's case officers, officers of the commune with one of the level's roles
/// (province-level roles: of the commune's province), and the named officers of the same
/// province. Sorted, without duplicates.
pub async fn officers_of_level(
    db: &impl ConnectionTrait,
    level: &Level,
    order_id: Uuid,
    commune_code: &str,
) -> Result<Vec<Uuid>, DbErr> {
    let mut ids = BTreeSet::new();
    let a = &level.audience;
    if a.case_officers {
        let assigned = order_assignment::Entity::find()
            .filter(order_assignment::Column::OrderId.eq(order_id))
            .filter(order_assignment::Column::EndedOn.is_null())
            .filter(order_assignment::Column::Role.eq(CASE_OFFICER))
            .all(db)
            .await?;
        ids.extend(assigned.into_iter().map(|x| x.officer_id));
    }
    let province = commune::Entity::find_by_id(commune_code.to_owned())
        .one(db)
        .await?
        .map(|c| c.province_code);
    let Some(province) = province else {
        return active_only(db, ids).await;
    };
    if !a.roles.is_empty() {
        let (province_roles, commune_roles): (Vec<OfficerRole>, Vec<OfficerRole>) =
            a.roles.iter().partition(|r| r.is_province_level());
        let by_role = officer::Entity::find()
            .filter(officer::Column::Active.eq(true))
            .filter(
                Condition::any()
                    .add(
                        Condition::all()
                            .add(officer::Column::CommuneCode.eq(commune_code))
                            .add(
                                officer::Column::Role
                                    .is_in(commune_roles.iter().map(|r| r.as_str())),
                            ),
                    )
                    .add(
                        Condition::all()
                            .add(officer::Column::ProvinceCode.eq(province.clone()))
                            .add(
                                officer::Column::Role
                                    .is_in(province_roles.iter().map(|r| r.as_str())),
                            ),
                    ),
            )
            .all(db)
            .await?;
        ids.extend(by_role.into_iter().map(|o| o.id));
    }
    let named: Vec<Uuid> = a
        .officers
        .iter()
        .filter_map(|s| Uuid::parse_str(s).ok())
        .collect();
    if !named.is_empty() {
        let found = officer::Entity::find()
            .filter(officer::Column::Id.is_in(named))
            .filter(officer::Column::ProvinceCode.eq(province))
            .all(db)
            .await?;
        ids.extend(found.into_iter().map(|o| o.id));
    }
    active_only(db, ids).await
}

async fn active_only(db: &impl ConnectionTrait, ids: BTreeSet<Uuid>) -> Result<Vec<Uuid>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut active: Vec<Uuid> = officer::Entity::find()
        .filter(officer::Column::Id.is_in(ids))
        .filter(officer::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    active.sort();
    Ok(active)
}
