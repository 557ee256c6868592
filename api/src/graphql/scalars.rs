//! Enumerations shared by several GraphQL types, mirrored from the domain.

use async_graphql::Enum;

/// Sex as on the national ID.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::person::Sex")]
pub enum Sex {
    /// Nam.
    Male,
    /// Nữ.
    Female,
}

/// An officer's or supporter's role.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::access::OfficerRole")]
pub enum OfficerRole {
    /// Cán bộ công an xã (day-to-day operator).
    CommunePoliceOfficer,
    /// Trưởng công an xã.
    CommunePoliceChief,
    /// Chủ tịch UBND xã.
    CommuneChairman,
    /// Social-work volunteer.
    SocialWorkVolunteer,
    /// Member of a mass organisation.
    MassOrganisationMember,
    /// Family member.
    FamilyMember,
    /// Province PC04 officer.
    ProvincePc04Officer,
}

/// The rehab episode before an order.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::order::RehabKind")]
pub enum RehabKind {
    /// Voluntary, at home or in the community.
    VoluntaryAtHome,
    /// Voluntary, at a facility.
    VoluntaryAtFacility,
    /// Compulsory, at a facility.
    Compulsory,
    /// Methadone (substitution) treatment.
    Methadone,
}

/// Age group of a regime rule.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::order::AgeGroup")]
pub enum AgeGroup {
    /// Any age.
    Any,
    /// Under 18 on the decision date.
    Minor,
    /// 18 or older.
    Adult,
}

/// Lifecycle of a supervision order.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::order::OrderStatus")]
pub enum OrderStatus {
    /// Recorded; the chairman's decision is not yet signed.
    PendingDecision,
    /// Under management.
    Active,
    /// Suspended.
    Suspended,
    /// Completed, certificate issued.
    Completed,
    /// Relapsed and referred.
    RelapsedReferred,
    /// Transferred to another commune.
    TransferredOut,
    /// Ended early.
    Terminated,
}

/// A permission; API key scopes use the same names in `scope:form` (see README).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::access::Permission")]
pub enum Permission {
    /// officers:read
    OfficersRead,
    /// officers:write
    OfficersWrite,
    /// clients:read
    ClientsRead,
    /// clients:write
    ClientsWrite,
    /// clients:sensitive
    ClientsSensitiveRead,
    /// orders:read
    OrdersRead,
    /// orders:write
    OrdersWrite,
    /// schedules:read
    SchedulesRead,
    /// schedules:write
    SchedulesWrite,
    /// health:read
    HealthRead,
}
