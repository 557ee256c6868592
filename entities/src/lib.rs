//! SeaORM entities: the shapes of Đồng Hành's tables, nothing more.
//!
//! Rules live in the `domain` crate; GraphQL types in `api`. Enumerations are stored as
//! strings and parsed by the domain's `from_stored` functions.

pub mod access_token;
pub mod account;
pub mod api_key;
pub mod api_key_commune;
pub mod app_secret;
pub mod appointment;
pub mod audit_entry;
pub mod channel_price;
pub mod check_in;
pub mod check_in_link;
pub mod check_in_occurrence;
pub mod check_in_plan;
pub mod client;
pub mod client_reachability;
pub mod client_transfer;
pub mod commune;
pub mod commune_budget;
pub mod commune_policy;
pub mod eligibility_list;
pub mod eligibility_list_entry;
pub mod employer;
pub mod escalation;
pub mod escalation_ack_code;
pub mod escalation_ack_failure;
pub mod escalation_ack_link;
pub mod escalation_event;
pub mod escalation_policy;
pub mod job_opening;
pub mod legal_regime;
pub mod legal_regime_rule;
pub mod loan_application;
pub mod loan_instalment;
pub mod loan_programme;
pub mod loan_programme_terms;
pub mod loan_repayment;
pub mod officer;
pub mod order_assignment;
pub mod order_pause;
pub mod outbox_attempt;
pub mod outbox_message;
pub mod placement;
pub mod province;
pub mod reply_note;
pub mod supervision_order;
pub mod training_programme;
pub mod training_provider;
pub mod webhook_event;
pub mod worker;
pub mod zalo_invitation;
pub mod zalo_invitation_failure;
pub mod zalo_token;
