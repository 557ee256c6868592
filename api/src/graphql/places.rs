//! Provinces and communes.

use async_graphql::{ComplexObject, Context, InputObject, Object, Result, SimpleObject};
use entities::{commune, province};

use super::date::Date;
use super::{
    env,
    loaders::{CommuneKey, ProvinceKey, loader},
    pagination::{CountedConnection, code_page, connection},
};
use crate::registry::{import, place_cache::PlaceCache, places};

/// A province (tỉnh, thành phố).
#[derive(SimpleObject, Clone, Debug)]
pub struct Province {
    /// Two-digit code (Decision 19/2025/QĐ-TTg).
    pub code: String,
    /// Official name.
    pub name: String,
}

impl From<province::Model> for Province {
    fn from(m: province::Model) -> Self {
        Self {
            code: m.code,
            name: m.name,
        }
    }
}

/// A commune-level unit: xã (commune), phường (ward) or đặc khu (special zone).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Commune {
    /// Five-digit code.
    pub code: String,
    /// Official name.
    pub name: String,
    /// `commune`, `ward` or `special_zone`.
    pub kind: String,
    /// False for units abolished by the 2025 merger.
    pub is_current: bool,
    /// The unit that replaced a pre-merger one.
    pub successor_code: Option<String>,
    /// When a pre-merger unit ceased to exist.
    pub abolished_on: Option<Date>,
    #[graphql(skip)]
    pub province_code: String,
}

impl From<commune::Model> for Commune {
    fn from(m: commune::Model) -> Self {
        Self {
            code: m.code,
            name: m.name,
            kind: m.kind,
            is_current: m.is_current,
            successor_code: m.successor_code,
            abolished_on: m.abolished_on.map(Date),
            province_code: m.province_code,
        }
    }
}

#[ComplexObject]
impl Commune {
    /// The province.
    async fn province(&self, ctx: &Context<'_>) -> Result<Option<Province>> {
        let load = || loader(ctx).load_one(ProvinceKey(self.province_code.clone()));
        Ok(place_cache(ctx)
            .provinces
            .get_or_load(&self.province_code, load)
            .await?
            .map(Into::into))
    }

    /// The current unit that replaced this one, if it was merged.
    async fn successor(&self, ctx: &Context<'_>) -> Result<Option<Commune>> {
        match &self.successor_code {
            Some(code) => commune_field(ctx, code).await,
            None => Ok(None),
        }
    }
}

/// Loads a commune by code for a nested field (from this process's cache when it can).
pub(crate) async fn commune_field(ctx: &Context<'_>, code: &str) -> Result<Option<Commune>> {
    let load = || loader(ctx).load_one(CommuneKey(code.to_owned()));
    Ok(place_cache(ctx)
        .communes
        .get_or_load(code, load)
        .await?
        .map(Into::into))
}

fn place_cache<'a>(ctx: &'a Context<'_>) -> &'a PlaceCache {
    #[allow(clippy::expect_used)]
    ctx.data::<std::sync::Arc<PlaceCache>>()
        .expect("place cache in schema data")
}

/// Filter of `communes`.
#[derive(InputObject, Default)]
pub struct CommuneFilter {
    /// Only this province.
    pub province_code: Option<String>,
    /// Name contains, diacritics and case ignored.
    pub search: Option<String>,
    /// Include units abolished by the 2025 merger.
    #[graphql(default)]
    pub include_former: bool,
}

/// Place queries.
#[derive(Default)]
pub struct PlacesQuery;

#[Object]
impl PlacesQuery {
    /// Provinces, by code.
    async fn provinces(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CountedConnection<Province>> {
        let (db, rc) = env(ctx);
        let page = code_page(ctx, first, after)?;
        let page = places::list_provinces(db, rc, page).await?;
        Ok(connection(page, |p| p.code.clone(), Province::from))
    }

    /// Communes, by code.
    async fn communes(
        &self,
        ctx: &Context<'_>,
        filter: Option<CommuneFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CountedConnection<Commune>> {
        let (db, rc) = env(ctx);
        let page = code_page(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let filter = places::CommuneFilter {
            province_code: f.province_code,
            search: f.search,
            include_former: f.include_former,
        };
        let page = places::list_communes(db, rc, filter, page).await?;
        Ok(connection(page, |c| c.code.clone(), Commune::from))
    }

    /// One commune by code.
    async fn commune(&self, ctx: &Context<'_>, code: String) -> Result<Option<Commune>> {
        let (_, rc) = env(ctx);
        rc.principal()?;
        commune_field(ctx, &code).await
    }
}

/// Input of `importCommunes`.
#[derive(InputObject)]
pub struct ImportCommunesInput {
    /// The official list as CSV text (see README for the columns).
    pub csv: String,
}

/// Result of `importCommunes`.
#[derive(SimpleObject)]
pub struct ImportCommunesPayload {
    /// Provinces inserted or updated.
    pub provinces: u64,
    /// Current communes inserted or updated.
    pub communes: u64,
    /// Pre-merger units inserted or updated.
    pub former_communes: u64,
}

/// Place mutations.
#[derive(Default)]
pub struct PlacesMutation;

#[Object]
impl PlacesMutation {
    /// Imports the official list of provinces and communes (national administrators).
    async fn import_communes(
        &self,
        ctx: &Context<'_>,
        input: ImportCommunesInput,
    ) -> Result<ImportCommunesPayload> {
        let (db, rc) = env(ctx);
        let s = import::import_with_audit(db, rc, &input.csv).await?;
        place_cache(ctx).clear();
        Ok(ImportCommunesPayload {
            provinces: s.provinces,
            communes: s.communes,
            former_communes: s.former_communes,
        })
    }
}
