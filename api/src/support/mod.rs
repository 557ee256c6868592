//! Reintegration support (issue #12): vocational training, employment and loans.
//!
//! Like the registry, each service function takes the request context, checks the caller's
//! permission before looking anything up, narrows every query to the caller's communes, and
//! does its writes (with their audit entries) in one transaction.

pub mod loan_programmes;
