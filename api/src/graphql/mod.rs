//! The GraphQL schema: thin resolvers that parse input, call one service function, and map
//! the result. Authorization and scope live in the services, not here.

pub mod admin;
pub mod appointments;
pub mod check_ins;
pub mod client_prefetch;
pub mod clients;
pub mod date;
pub mod eligibility_lists;
pub mod escalations;
pub mod ids;
pub mod loaders;
pub mod loans;
pub mod messages;
pub mod officers;
pub mod orders;
pub mod pagination;
pub mod placements;
pub mod places;
pub mod plain;
pub mod policies;
pub mod prices;
pub mod response;
pub mod scalars;
pub mod training;
pub mod viewer;
pub mod vnd;
pub mod zalo_invitations;

use std::sync::Arc;

use async_graphql::{Context, MergedObject, MergedSubscription, Schema};
use sea_orm::DatabaseConnection;

use crate::{context::RequestContext, settings::Settings};

/// All queries.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    viewer::ViewerQuery,
    places::PlacesQuery,
    officers::OfficersQuery,
    clients::ClientsQuery,
    orders::OrdersQuery,
    check_ins::CheckInsQuery,
    policies::PoliciesQuery,
    appointments::AppointmentsQuery,
    messages::MessagesQuery,
    admin::AdminQuery,
    escalations::EscalationsQuery,
    loans::LoansQuery,
    placements::PlacementsQuery,
    eligibility_lists::EligibilityListsQuery,
    training::TrainingQuery,
    prices::PricesQuery,
);

/// All mutations.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    places::PlacesMutation,
    officers::OfficersMutation,
    clients::ClientsMutation,
    orders::OrdersMutation,
    check_ins::CheckInsMutation,
    policies::PoliciesMutation,
    appointments::AppointmentsMutation,
    admin::AdminMutation,
    escalations::EscalationsMutation,
    loans::LoansMutation,
    placements::PlacementsMutation,
    eligibility_lists::EligibilityListsMutation,
    training::TrainingMutation,
    prices::PricesMutation,
    zalo_invitations::ZaloInvitationsMutation,
);

/// All subscriptions (served on `/graphql/ws`).
#[derive(MergedSubscription, Default)]
pub struct SubscriptionRoot(escalations::EscalationsSubscription);

/// The schema type.
pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Settings the resolvers need at run time.
#[derive(Debug, Clone)]
pub struct ResolverSettings {
    /// Page size when `first` is absent.
    pub default_page_size: usize,
    /// Largest `first`.
    pub max_page_size: usize,
    /// Bearer token lifetime.
    pub access_token_ttl_days: i64,
    /// Read pages of clients with their relations in one statement (PostgreSQL), and resolve
    /// plain objects field after field ([`plain`]); off, the engine's own path everywhere.
    pub one_statement_pages: bool,
}

/// Builds the schema with the limits from the settings.
pub fn build_schema(
    settings: &Settings,
    db: DatabaseConnection,
    planning: store::occurrences::PlanningContext,
) -> AppSchema {
    let mut builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .data(db)
    .data(crate::schedules::escalation_feed::SubscriptionGate::new(
        settings.limits.max_subscriptions,
    ))
    .data(settings.worker.policy.clone())
    .data(planning)
    .data(settings.zalo_invitations.clone())
    .data(Arc::new(crate::registry::place_cache::PlaceCache::default()))
    .data(ResolverSettings {
        default_page_size: settings.limits.default_page_size,
        max_page_size: settings.limits.max_page_size,
        access_token_ttl_days: settings.access_token_ttl_days,
        one_statement_pages: settings.one_statement_pages,
    })
    .limit_depth(settings.limits.max_depth)
    .limit_complexity(settings.limits.max_complexity)
    .limit_recursive_depth(32)
    .limit_directives(20);
    // No `.extension(..)`: in async-graphql 7.2 any extension takes every field off the
    // engine's fast path (a registry lookup, a `ResolveInfo` and the extension chain per
    // field). Response finishing runs after the engine instead (`response::finish`, called
    // by `http::graphql` and `http::graphql_ws`).
    if !settings.introspection {
        // Introspection off also answers a `__schema` query with an error (see
        // `http::limits::selects_introspection`) …
        builder = builder.disable_introspection();
    }
    if !settings.introspection
        || settings.process.environment == crate::settings::Environment::Production
    {
        // … and validation errors stop naming real fields ("Did you mean …").
        builder = builder.disable_suggestions();
    }
    builder.finish()
}

/// The SDL of the schema, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .finish()
    .sdl()
}

/// The database and the request context of a resolver.
pub(crate) fn env<'a>(ctx: &'a Context<'_>) -> (&'a DatabaseConnection, &'a RequestContext) {
    // Both are inserted by the HTTP handler for every request; their absence is a wiring bug
    // caught by every integration test, so the resolvers can rely on them.
    #[allow(clippy::expect_used)]
    let db = ctx
        .data::<DatabaseConnection>()
        .expect("database in schema data");
    #[allow(clippy::expect_used)]
    let rc = ctx
        .data::<Arc<RequestContext>>()
        .expect("request context in request data");
    (db, rc.as_ref())
}

/// Deployment policy defaults (communes may override them).
pub(crate) fn policy_defaults<'a>(ctx: &'a Context<'_>) -> &'a store::policy::Policy {
    #[allow(clippy::expect_used)]
    ctx.data::<store::policy::Policy>()
        .expect("policy in schema data")
}

/// Resolver settings.
/// Empties this process's credential cache after a change that may revoke or narrow a
/// credential (other replicas see it when their entries lapse, within the cache's TTL).
pub(crate) fn forget_credentials(ctx: &Context<'_>) {
    if let Ok(cache) = ctx.data::<std::sync::Arc<crate::auth::cache::CredentialCache>>() {
        cache.clear();
    }
}

pub(crate) fn resolver_settings<'a>(ctx: &'a Context<'_>) -> &'a ResolverSettings {
    resolver_settings_of(ctx)
}

/// [`resolver_settings`] from any context (a selection set's as well as a field's).
pub(crate) fn resolver_settings_of<'a, T>(
    ctx: &async_graphql::context::ContextBase<'a, T>,
) -> &'a ResolverSettings {
    #[allow(clippy::expect_used)]
    ctx.data::<ResolverSettings>()
        .expect("resolver settings in schema data")
}
