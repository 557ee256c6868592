//! The worker's periodic sweeps at `--at` (default: now), timed one by one on the whole
//! database: missed check-in detection (one guarded UPDATE), overdue appointments, then
//! planner ticks until no plan needs planning. The sweeps change the database like the worker
//! would at that instant (that is what is measured), so run this last on a generated database.

use std::time::Instant;

use chrono::{DateTime, Utc};
use store::{WorkerSettings, occurrences::PlanningContext};

use crate::harness::{machine::Machine, options::Options, report::Report};

/// Runs the sweeps.
pub async fn run(options: &Options) -> Result<Report, String> {
    let url = options.database_url()?;
    let db = store::db::connect(&url, 10)
        .await
        .map_err(|e| e.to_string())?;
    let machine = Machine::describe(&db).await;
    let mut report = Report::new("sweeps", machine, &options.command_line);
    let at: DateTime<Utc> = match options.get("at") {
        Some(v) => DateTime::parse_from_rfc3339(v)
            .map_err(|e| format!("--at: {e}"))?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    let vars = store::env::Source::process();
    let environment = store::Environment::from_env(&vars).map_err(|e| e.to_string())?;
    let settings = WorkerSettings::from_env(&vars, environment).map_err(|e| e.to_string())?;
    let ctx = PlanningContext {
        calendar: settings.calendar(),
        link_key: store::links::key(&db, at)
            .await
            .map_err(|e| e.to_string())?,
        public_base_url: settings.public_base_url.clone(),
        policy_defaults: settings.policy.clone(),
        escalation_defaults: settings.escalation.clone(),
    };
    let setup = format!("whole database, at {}", at.format("%Y-%m-%d %H:%M UTC"));

    let t = Instant::now();
    let missed = store::occurrences::mark_missed(&db, at)
        .await
        .map_err(|e| e.to_string())?
        .len();
    report.row(
        "missed check-in detection",
        &setup,
        format!(
            "{:.2} s, {missed} occurrences marked missed",
            t.elapsed().as_secs_f64()
        ),
    );

    let t = Instant::now();
    let overdue = store::appointments::mark_overdue(&db, &ctx.policy_defaults, at)
        .await
        .map_err(|e| e.to_string())?;
    report.row(
        "overdue appointments",
        &setup,
        format!(
            "{:.2} s, {overdue} appointments marked missed",
            t.elapsed().as_secs_f64()
        ),
    );

    let t = Instant::now();
    let (mut ticks, mut planned) = (0, 0);
    let max_ticks: usize = options.num("max-ticks", 1_000)?;
    loop {
        let r = worker::planner::tick(&db, &ctx, at)
            .await
            .map_err(|e| e.to_string())?;
        ticks += 1;
        planned += r.plans_planned;
        if r.plans_planned == 0 || ticks >= max_ticks {
            break;
        }
    }
    report.row(
        "planner sweep (ticks until nothing is left to plan)",
        &setup,
        format!(
            "**{:.2} s**, {ticks} tick(s), {planned} plans extended",
            t.elapsed().as_secs_f64()
        ),
    );
    let t = Instant::now();
    worker::planner::tick(&db, &ctx, at)
        .await
        .map_err(|e| e.to_string())?;
    report.row(
        "planner tick with nothing to do (steady state)",
        &setup,
        format!("{:.3} s", t.elapsed().as_secs_f64()),
    );
    Ok(report)
}
