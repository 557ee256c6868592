//! Loan support: programmes, applications and their lifecycle, disbursement with the
//! repayment schedule, and repayments.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{
    loan_application, loan_instalment, loan_programme, loan_programme_terms, loan_repayment,
};

use super::{
    clients::{Client, client_field},
    date::Date,
    env, ids,
    loaders::{InstalmentsOfLoan, LoanProgrammeKey, TermsOfProgramme, loader},
    pagination::{CountedConnection, connection, uuid_page},
    vnd::Vnd,
};
use crate::support::{loan_programmes, loans};

/// Where a loan application stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::loan::LoanStatus")]
pub enum LoanStatus {
    /// Being prepared.
    Draft,
    /// Sent to the lender.
    Submitted,
    /// The lender agreed.
    Approved,
    /// The lender refused.
    Rejected,
    /// Paid out; the schedule exists.
    Disbursed,
    /// Repayments under way, on time.
    Repaying,
    /// Paid back.
    Repaid,
    /// An instalment is past due.
    Overdue,
    /// Rescheduled by the lender.
    Restructured,
    /// Written off by the lender.
    WrittenOff,
}

/// Who borrows under a programme.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::loan::Borrower")]
pub enum Borrower {
    /// A person.
    Individual,
    /// A household.
    Household,
    /// A business employing people after rehab.
    Business,
}

/// How often instalments fall due.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::loan::RepaymentFrequency")]
pub enum RepaymentFrequency {
    /// Every month.
    Monthly,
    /// Every three months.
    Quarterly,
}

/// A loan programme: lender, cap, rate, term and eligibility rules.
pub struct LoanProgramme(pub loan_programme::Model);

impl LoanProgramme {
    /// The terms in force today (after any recorded change), batched for a page.
    async fn today(&self, ctx: &Context<'_>) -> Result<domain::loan::LoanProgramme> {
        let (_, rc) = env(ctx);
        let changes = self.changes(ctx).await?;
        let today = domain::time::local_date(rc.now);
        Ok(loan_programmes::rules_with(&self.0, &changes, today)?)
    }

    async fn changes(&self, ctx: &Context<'_>) -> Result<Vec<loan_programme_terms::Model>> {
        Ok(loader(ctx)
            .load_one(TermsOfProgramme(self.0.id))
            .await?
            .unwrap_or_default())
    }
}

fn small(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[Object]
impl LoanProgramme {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode("LoanProgramme", self.0.id)
    }
    /// Stable code, e.g. `QD_08_2026_INDIVIDUAL`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Lender, e.g. Ngân hàng Chính sách xã hội.
    async fn lender(&self) -> &str {
        &self.0.lender
    }
    /// Who may borrow.
    async fn borrower(&self) -> Option<Borrower> {
        domain::loan::Borrower::from_stored(&self.0.borrower).map(Into::into)
    }
    /// Largest amount per loan, for applications submitted today.
    async fn max_amount_vnd(&self, ctx: &Context<'_>) -> Result<Vnd> {
        Ok(Vnd(self.today(ctx).await?.max_amount.get()))
    }
    /// Longest term, for applications submitted today.
    async fn max_term_months(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(small(self.today(ctx).await?.max_term_months))
    }
    /// Yearly interest in basis points (660 = 6.60% a year), for applications submitted today.
    async fn annual_rate_bp(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(small(self.today(ctx).await?.annual_rate_bp))
    }
    /// Overdue interest as a percentage of the normal rate, for applications submitted today.
    async fn overdue_rate_percent(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(small(self.today(ctx).await?.overdue_rate_percent))
    }
    /// Recorded changes of cap, term or rates, oldest first; each applies to applications
    /// submitted on or after its day.
    async fn term_changes(&self, ctx: &Context<'_>) -> Result<Vec<LoanProgrammeTermsChange>> {
        Ok(self
            .changes(ctx)
            .await?
            .into_iter()
            .map(LoanProgrammeTermsChange::from)
            .collect())
    }
    /// Whether the borrower must be on a certified commune eligibility list.
    async fn requires_certified_list(&self) -> bool {
        self.0.requires_certified_list
    }
    /// Years after the post-rehab decision within which a person may apply.
    async fn max_years_since_decision(&self) -> Option<i32> {
        self.0.max_years_since_decision
    }
    /// Youngest age.
    async fn min_age(&self) -> Option<i32> {
        self.0.min_age
    }
    /// For businesses: smallest share (percent) of workers who are people after rehab.
    async fn min_rehab_workforce_percent(&self) -> Option<i32> {
        self.0.min_rehab_workforce_percent
    }
    /// First day of applications.
    async fn effective_from(&self) -> Date {
        self.0.effective_from.into()
    }
    /// Last day, when closed.
    async fn effective_to(&self) -> Option<Date> {
        self.0.effective_to.map(Into::into)
    }
}

/// A change of a programme's terms from a day on.
#[derive(SimpleObject)]
pub struct LoanProgrammeTermsChange {
    /// First day of submission the terms apply to.
    pub effective_from: Date,
    /// Largest amount per loan.
    pub max_amount_vnd: Vnd,
    /// Longest term.
    pub max_term_months: i32,
    /// Yearly interest in basis points.
    pub annual_rate_bp: i32,
    /// Overdue interest as a percentage of the normal rate.
    pub overdue_rate_percent: i32,
    /// Why (the decision that changed them).
    pub reason: String,
    /// When recorded.
    pub created_at: DateTime<Utc>,
}

impl From<loan_programme_terms::Model> for LoanProgrammeTermsChange {
    fn from(m: loan_programme_terms::Model) -> Self {
        Self {
            effective_from: m.effective_from.into(),
            max_amount_vnd: Vnd(m.max_amount_vnd),
            max_term_months: m.max_term_months,
            annual_rate_bp: m.annual_rate_bp,
            overdue_rate_percent: m.overdue_rate_percent,
            reason: m.reason,
            created_at: m.created_at,
        }
    }
}

/// One instalment of a repayment schedule.
pub struct LoanInstalment(pub loan_instalment::Model);

#[Object]
impl LoanInstalment {
    /// 1-based position.
    async fn number(&self) -> i32 {
        self.0.number
    }
    /// Due day.
    async fn due_on(&self) -> Date {
        self.0.due_on.into()
    }
    /// Principal part.
    async fn principal_vnd(&self) -> Vnd {
        Vnd(self.0.principal_vnd)
    }
    /// Interest part.
    async fn interest_vnd(&self) -> Vnd {
        Vnd(self.0.interest_vnd)
    }
    /// Principal plus interest.
    async fn total_vnd(&self) -> Vnd {
        Vnd(self.0.principal_vnd + self.0.interest_vnd)
    }
    /// Paid so far.
    async fn paid_vnd(&self) -> Vnd {
        Vnd(self.0.paid_vnd)
    }
    /// Day it was paid in full.
    async fn paid_on(&self) -> Option<Date> {
        self.0.paid_on.map(Into::into)
    }
    /// When the worker found it past due and alerted the case officer.
    async fn overdue_at(&self) -> Option<DateTime<Utc>> {
        self.0.overdue_at
    }
}

/// A recorded repayment.
#[derive(SimpleObject)]
pub struct LoanRepayment {
    /// Opaque id.
    pub id: ID,
    /// Amount.
    pub amount_vnd: Vnd,
    /// Day paid.
    pub paid_on: Date,
    /// Note.
    pub note: Option<String>,
}

impl From<loan_repayment::Model> for LoanRepayment {
    fn from(r: loan_repayment::Model) -> Self {
        Self {
            id: ids::encode("LoanRepayment", r.id),
            amount_vnd: Vnd(r.amount_vnd),
            paid_on: r.paid_on.into(),
            note: r.note,
        }
    }
}

/// A loan application of a client.
pub struct LoanApplication(pub loan_application::Model);

impl LoanApplication {
    /// The schedule, batched with every other loan of the page (one statement per page).
    async fn schedule(&self, ctx: &Context<'_>) -> Result<Vec<loan_instalment::Model>> {
        Ok(loader(ctx)
            .load_one(InstalmentsOfLoan(self.0.id))
            .await?
            .unwrap_or_default())
    }
}

#[Object]
impl LoanApplication {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode("LoanApplication", self.0.id)
    }
    /// Where it stands.
    async fn status(&self) -> Option<LoanStatus> {
        domain::loan::LoanStatus::from_stored(&self.0.status).map(Into::into)
    }
    /// Why it last changed status, when given.
    async fn status_reason(&self) -> Option<&str> {
        self.0.status_reason.as_deref()
    }
    /// Who borrows.
    async fn borrower(&self) -> Option<Borrower> {
        domain::loan::Borrower::from_stored(&self.0.borrower).map(Into::into)
    }
    /// Amount.
    async fn amount_vnd(&self) -> Vnd {
        Vnd(self.0.amount_vnd)
    }
    /// Term.
    async fn term_months(&self) -> i32 {
        self.0.term_months
    }
    /// What the money is for.
    async fn purpose(&self) -> &str {
        &self.0.purpose
    }
    /// Business plan.
    async fn business_plan(&self) -> Option<&str> {
        self.0.business_plan.as_deref()
    }
    /// Guarantor.
    async fn guarantor(&self) -> Option<&str> {
        self.0.guarantor.as_deref()
    }
    /// Savings and loan group.
    async fn group_name(&self) -> Option<&str> {
        self.0.group_name.as_deref()
    }
    /// Commune code.
    async fn commune_code(&self) -> &str {
        &self.0.commune_code
    }
    /// Day submitted.
    async fn submitted_on(&self) -> Option<Date> {
        self.0.submitted_on.map(Into::into)
    }
    /// Day approved or rejected.
    async fn decided_on(&self) -> Option<Date> {
        self.0.decided_on.map(Into::into)
    }
    /// Day disbursed.
    async fn disbursed_on(&self) -> Option<Date> {
        self.0.disbursed_on.map(Into::into)
    }
    /// Instalment frequency, once disbursed.
    async fn frequency(&self) -> Option<RepaymentFrequency> {
        self.0
            .frequency
            .as_deref()
            .and_then(domain::loan::RepaymentFrequency::from_stored)
            .map(Into::into)
    }
    /// Yearly rate in basis points, fixed at approval (the terms in force on the day of
    /// submission); later changes of the programme do not reach it.
    async fn annual_rate_bp(&self) -> Option<i32> {
        self.0.annual_rate_bp
    }
    /// Overdue interest as a percentage of the rate, fixed at approval.
    async fn overdue_rate_percent(&self) -> Option<i32> {
        self.0.overdue_rate_percent
    }
    /// The client; null if outside the caller's scope.
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<Client>> {
        client_field(ctx, self.0.client_id).await
    }
    /// The programme.
    async fn programme(&self, ctx: &Context<'_>) -> Result<Option<LoanProgramme>> {
        Ok(loader(ctx)
            .load_one(LoanProgrammeKey(self.0.programme_id))
            .await?
            .map(LoanProgramme))
    }
    /// The repayment schedule (empty before disbursement).
    async fn instalments(&self, ctx: &Context<'_>) -> Result<Vec<LoanInstalment>> {
        Ok(self
            .schedule(ctx)
            .await?
            .into_iter()
            .map(LoanInstalment)
            .collect())
    }
    /// Principal and interest still owed.
    async fn outstanding_vnd(&self, ctx: &Context<'_>) -> Result<Vnd> {
        Ok(Vnd(loans::outstanding(&self.schedule(ctx).await?)))
    }
    /// When recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Filter of `loanProgrammes`.
#[derive(InputObject, Default)]
pub struct LoanProgrammeFilter {
    /// Only programmes for this borrower.
    pub borrower: Option<Borrower>,
    /// Only programmes accepting applications on this day.
    pub open_on: Option<Date>,
}

/// Filter of `loanApplications`.
#[derive(InputObject, Default)]
pub struct LoanApplicationFilter {
    /// Only this client's applications.
    pub client_id: Option<ID>,
    /// Only this commune.
    pub commune_code: Option<String>,
    /// Only this status.
    pub status: Option<LoanStatus>,
    /// Only this programme.
    pub programme_id: Option<ID>,
    /// Only applications submitted on or after this day.
    pub submitted_from: Option<Date>,
    /// Only applications submitted on or before this day.
    pub submitted_to: Option<Date>,
}

/// Loan queries.
#[derive(Default)]
pub struct LoansQuery;

#[Object]
impl LoansQuery {
    /// Loan programmes (national reference data).
    async fn loan_programmes(
        &self,
        ctx: &Context<'_>,
        filter: Option<LoanProgrammeFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CountedConnection<LoanProgramme>> {
        let (db, rc) = env(ctx);
        let page = uuid_page(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let filter = loan_programmes::ProgrammeFilter {
            borrower: f.borrower.map(Into::into),
            open_on: f.open_on.map(Into::into),
        };
        let page = loan_programmes::list(db, rc, filter, page).await?;
        Ok(connection(page, |p| p.id.to_string(), LoanProgramme))
    }

    /// Loan applications in the caller's scope.
    async fn loan_applications(
        &self,
        ctx: &Context<'_>,
        filter: Option<LoanApplicationFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CountedConnection<LoanApplication>> {
        let (db, rc) = env(ctx);
        let page = uuid_page(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let filter = loans::ApplicationFilter {
            client_id: optional_id("Client", "filter.clientId", f.client_id.as_ref())?,
            commune_code: f.commune_code,
            status: f.status.map(Into::into),
            programme_id: optional_id(
                "LoanProgramme",
                "filter.programmeId",
                f.programme_id.as_ref(),
            )?,
            submitted_from: f.submitted_from.map(Into::into),
            submitted_to: f.submitted_to.map(Into::into),
        };
        let page = loans::list(db, rc, filter, page).await?;
        Ok(connection(page, |a| a.id.to_string(), LoanApplication))
    }

    /// One application; null when unknown or outside the caller's scope.
    async fn loan_application(&self, ctx: &Context<'_>, id: ID) -> Result<Option<LoanApplication>> {
        let (db, rc) = env(ctx);
        let id = ids::decode("LoanApplication", "id", &id)?;
        Ok(loans::get(db, rc, id).await?.map(LoanApplication))
    }
}

pub(super) fn optional_id(
    kind: &str,
    field: &'static str,
    id: Option<&ID>,
) -> Result<Option<uuid::Uuid>> {
    Ok(id.map(|id| ids::decode(kind, field, id)).transpose()?)
}

/// Input of `createLoanApplication`.
#[derive(InputObject)]
pub struct CreateLoanApplicationInput {
    /// The client.
    pub client_id: ID,
    /// The programme; its cap and term are enforced.
    pub programme_id: ID,
    /// Amount in whole đồng.
    pub amount_vnd: Vnd,
    /// Term in months.
    pub term_months: i32,
    /// What the money is for (vocational training, production, business).
    pub purpose: String,
    /// The placement the loan supports (the same client's).
    pub placement_id: Option<ID>,
    /// For a business loan: the employer that borrows.
    pub employer_id: Option<ID>,
    /// Business plan.
    pub business_plan: Option<String>,
    /// Guarantor's name.
    pub guarantor: Option<String>,
    /// Savings and loan group.
    pub group_name: Option<String>,
}

/// Input of `changeLoanStatus`.
#[derive(InputObject)]
pub struct ChangeLoanStatusInput {
    /// The application.
    pub application_id: ID,
    /// SUBMITTED (eligibility checked), APPROVED, REJECTED, RESTRUCTURED or WRITTEN_OFF.
    pub status: LoanStatus,
    /// Why.
    pub reason: Option<String>,
}

/// Input of `disburseLoan`.
#[derive(InputObject)]
pub struct DisburseLoanInput {
    /// The approved application.
    pub application_id: ID,
    /// Day the money was paid out (not in the future).
    pub disbursed_on: Date,
    /// Instalment frequency; the term must be a whole number of periods.
    pub frequency: RepaymentFrequency,
}

/// Input of `recordLoanRepayment`.
#[derive(InputObject)]
pub struct RecordLoanRepaymentInput {
    /// The disbursed application.
    pub application_id: ID,
    /// Amount, at most what is still owed.
    pub amount_vnd: Vnd,
    /// Day paid (not in the future, not before disbursement).
    pub paid_on: Date,
    /// Note.
    pub note: Option<String>,
}

/// Input of `changeLoanProgrammeTerms`: what is left out stays as in force on `effectiveFrom`.
#[derive(InputObject)]
pub struct ChangeLoanProgrammeTermsInput {
    /// The programme.
    pub programme_id: ID,
    /// First day of submission the new terms apply to: today or later, within the
    /// programme's period, and no other change on the same day.
    pub effective_from: Date,
    /// New cap, in whole đồng.
    pub max_amount_vnd: Option<Vnd>,
    /// New longest term, in months.
    pub max_term_months: Option<i32>,
    /// New yearly rate in basis points (0–5000).
    pub annual_rate_bp: Option<i32>,
    /// New overdue rate, percent of the normal rate (100–150).
    pub overdue_rate_percent: Option<i32>,
    /// Why: the decision or circular that changed the terms.
    pub reason: String,
}

/// Payload of `changeLoanProgrammeTerms`.
#[derive(SimpleObject)]
pub struct LoanProgrammeTermsPayload {
    /// The programme (its terms shown as in force today).
    pub programme: LoanProgramme,
    /// The recorded change.
    pub change: LoanProgrammeTermsChange,
}

/// Payload carrying an application.
#[derive(SimpleObject)]
pub struct LoanApplicationPayload {
    /// The application.
    pub application: LoanApplication,
}

/// Payload of `recordLoanRepayment`.
#[derive(SimpleObject)]
pub struct LoanRepaymentPayload {
    /// The application after the repayment.
    pub application: LoanApplication,
    /// The repayment.
    pub repayment: LoanRepayment,
}

/// Loan mutations.
#[derive(Default)]
pub struct LoansMutation;

#[Object]
impl LoansMutation {
    /// Changes a programme's cap, term or rates from a day on (national administrators).
    /// Applications submitted from that day get the new terms; approved ones keep theirs.
    async fn change_loan_programme_terms(
        &self,
        ctx: &Context<'_>,
        input: ChangeLoanProgrammeTermsInput,
    ) -> Result<LoanProgrammeTermsPayload> {
        let (db, rc) = env(ctx);
        let new = loan_programmes::NewTerms {
            programme_id: ids::decode("LoanProgramme", "programmeId", &input.programme_id)?,
            effective_from: input.effective_from.into(),
            max_amount_vnd: input.max_amount_vnd.map(|v| v.0),
            max_term_months: input.max_term_months,
            annual_rate_bp: input.annual_rate_bp,
            overdue_rate_percent: input.overdue_rate_percent,
            reason: input.reason,
        };
        let (programme, change) = loan_programmes::change_terms(db, rc, new).await?;
        Ok(LoanProgrammeTermsPayload {
            programme: LoanProgramme(programme),
            change: change.into(),
        })
    }

    /// Creates a draft application; the programme's cap and term are enforced.
    async fn create_loan_application(
        &self,
        ctx: &Context<'_>,
        input: CreateLoanApplicationInput,
    ) -> Result<LoanApplicationPayload> {
        let (db, rc) = env(ctx);
        let new = loans::NewApplication {
            client_id: ids::decode("Client", "clientId", &input.client_id)?,
            programme_id: ids::decode("LoanProgramme", "programmeId", &input.programme_id)?,
            amount_vnd: input.amount_vnd.0,
            term_months: input.term_months,
            purpose: input.purpose,
            placement_id: optional_id("Placement", "placementId", input.placement_id.as_ref())?,
            employer_id: optional_id("Employer", "employerId", input.employer_id.as_ref())?,
            business_plan: input.business_plan,
            guarantor: input.guarantor,
            group_name: input.group_name,
        };
        Ok(LoanApplicationPayload {
            application: LoanApplication(loans::create(db, rc, new).await?),
        })
    }

    /// Moves an application through its lifecycle (`CONFLICT` when the move is not allowed).
    async fn change_loan_status(
        &self,
        ctx: &Context<'_>,
        input: ChangeLoanStatusInput,
    ) -> Result<LoanApplicationPayload> {
        let (db, rc) = env(ctx);
        let id = ids::decode("LoanApplication", "applicationId", &input.application_id)?;
        let a = loans::change_status(db, rc, id, input.status.into(), input.reason).await?;
        Ok(LoanApplicationPayload {
            application: LoanApplication(a),
        })
    }

    /// Pays out an approved loan and writes its repayment schedule.
    async fn disburse_loan(
        &self,
        ctx: &Context<'_>,
        input: DisburseLoanInput,
    ) -> Result<LoanApplicationPayload> {
        let (db, rc) = env(ctx);
        let id = ids::decode("LoanApplication", "applicationId", &input.application_id)?;
        let (a, _) = loans::disburse(
            db,
            rc,
            id,
            input.disbursed_on.into(),
            input.frequency.into(),
        )
        .await?;
        Ok(LoanApplicationPayload {
            application: LoanApplication(a),
        })
    }

    /// Records a repayment; it pays the oldest unpaid instalments first.
    async fn record_loan_repayment(
        &self,
        ctx: &Context<'_>,
        input: RecordLoanRepaymentInput,
    ) -> Result<LoanRepaymentPayload> {
        let (db, rc) = env(ctx);
        let id = ids::decode("LoanApplication", "applicationId", &input.application_id)?;
        let (a, r) = loans::record_repayment(
            db,
            rc,
            id,
            input.amount_vnd.0,
            input.paid_on.into(),
            input.note,
        )
        .await?;
        Ok(LoanRepaymentPayload {
            application: LoanApplication(a),
            repayment: r.into(),
        })
    }
}
