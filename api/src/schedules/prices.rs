//! The price table (issue 13): what each provider charges per unit on a channel, from a date.
//! Anyone signed in reads it; a national administrator sets a price from a day on (today or
//! later, so a price already used to bill attempts is never rewritten).

use chrono::{Duration, NaiveDate};
use domain::messaging::{
    Channel,
    pricing::{MAX_UNIT_PRICE_VND, PriceUnit, price_day},
};
use entities::channel_price;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::{
    audit::{self, Subject},
    context::RequestContext,
    error::{AppError, AppResult},
};

/// How far ahead a price may be set.
pub const MAX_DAYS_AHEAD: i64 = 366;

/// The providers we price, and the channels each serves.
pub const PROVIDERS: &[(&str, &[Channel])] = &[
    ("zalo", &[Channel::ZaloZns, Channel::ZaloOa]),
    ("esms", &[Channel::Sms]),
];

/// Every price row (current, past and future), by provider, channel, unit and date.
pub async fn list(
    db: &DatabaseConnection,
    ctx: &RequestContext,
) -> AppResult<Vec<channel_price::Model>> {
    ctx.principal()?;
    Ok(channel_price::Entity::find()
        .order_by_asc(channel_price::Column::Provider)
        .order_by_asc(channel_price::Column::Channel)
        .order_by_asc(channel_price::Column::Unit)
        .order_by_asc(channel_price::Column::EffectiveFrom)
        .all(db)
        .await?)
}

/// A price to set.
#[derive(Debug, Clone)]
pub struct NewPrice {
    /// `zalo` or `esms`.
    pub provider: String,
    /// The channel.
    pub channel: Channel,
    /// The unit billed.
    pub unit: PriceUnit,
    /// Whole đồng per unit.
    pub price_vnd: i64,
    /// First day (Asia/Ho_Chi_Minh) it applies.
    pub effective_from: NaiveDate,
}

/// Sets a price from a day on (national administrators). A price for the same provider,
/// channel, unit and day is replaced; an earlier one stays in force until that day.
pub async fn set(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: NewPrice,
) -> AppResult<channel_price::Model> {
    ctx.principal()?.require_admin(true)?;
    let channels = PROVIDERS
        .iter()
        .find(|(p, _)| *p == input.provider)
        .map(|(_, c)| *c)
        .ok_or_else(|| AppError::field("provider", "unknown provider"))?;
    if !channels.contains(&input.channel) {
        return Err(AppError::field(
            "channel",
            format!("{} does not send on this channel", input.provider),
        ));
    }
    if !input.unit.fits(input.channel) {
        return Err(AppError::field(
            "unit",
            "this unit is not billed on this channel (SMS: SMS_SEGMENT; Zalo OA: MESSAGE; ZNS: a ZNS template type)",
        ));
    }
    if !(0..=MAX_UNIT_PRICE_VND).contains(&input.price_vnd) {
        return Err(AppError::field(
            "priceVnd",
            format!("must be between 0 and {MAX_UNIT_PRICE_VND} đồng"),
        ));
    }
    let today = price_day(ctx.now);
    if input.effective_from < today {
        return Err(AppError::field(
            "effectiveFrom",
            "must be today or later: attempts already billed keep the price they were billed at",
        ));
    }
    if input.effective_from > today + Duration::days(MAX_DAYS_AHEAD) {
        return Err(AppError::field(
            "effectiveFrom",
            format!("at most {MAX_DAYS_AHEAD} days ahead"),
        ));
    }
    let txn = store::db::begin_write(db).await?;
    let existing = channel_price::Entity::find()
        .filter(channel_price::Column::Provider.eq(&input.provider))
        .filter(channel_price::Column::Channel.eq(input.channel.as_str()))
        .filter(channel_price::Column::Unit.eq(input.unit.as_str()))
        .filter(channel_price::Column::EffectiveFrom.eq(input.effective_from))
        .one(&txn)
        .await?;
    let actor = Some(ctx.principal()?.actor_id());
    let row = match existing {
        Some(row) => {
            let mut active: channel_price::ActiveModel = row.into();
            active.price_vnd = Set(input.price_vnd);
            active.example = Set(false);
            active.updated_by = Set(actor);
            active.updated_at = Set(ctx.now);
            active.update(&txn).await?
        }
        None => {
            channel_price::ActiveModel {
                id: Set(Uuid::now_v7()),
                provider: Set(input.provider.clone()),
                channel: Set(input.channel.as_str().to_owned()),
                unit: Set(input.unit.as_str().to_owned()),
                price_vnd: Set(input.price_vnd),
                effective_from: Set(input.effective_from),
                example: Set(false),
                updated_by: Set(actor),
                updated_at: Set(ctx.now),
            }
            .insert(&txn)
            .await?
        }
    };
    audit::record(
        &txn,
        ctx,
        "channel_price.set",
        Subject {
            entity_type: "channel_price",
            entity_id: Some(row.id),
            commune_code: None,
        },
        Some(format!(
            "{} {} {} {} from {}",
            row.provider, row.channel, row.unit, row.price_vnd, row.effective_from
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}
