//! `bench`: one command per scenario, against a database filled by the generator.
//!
//! ```text
//! cargo run --release -p bench -- generate --scale commune|province|national --database-url URL [--seed N] [--now RFC3339] [--tokens-out FILE]
//! cargo run --release -p bench -- commune-page --database-url URL [--connections 16] [--rate 500] [--seconds 10]
//! cargo run --release -p bench -- client-record | agenda | escalation-queue | write-mix | rss   --database-url URL …
//! cargo run --release -p bench -- monday-burst --database-url URL [--messages N] [--workers 1] [--graphile-worker 30000]
//! cargo run --release -p bench -- sweeps --database-url URL [--at RFC3339]
//! cargo run --release -p bench -- cold-start
//! ```
//!
//! Each prints its figures and appends them, with the machine, commit and command, to
//! `docs/benchmarks.md` (`--results FILE` elsewhere, `--no-record` nowhere). See that file.

use std::process::ExitCode;

use bench::{harness::options::Options, scenarios};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(scenario) = args.first() else {
        eprintln!(
            "usage: bench <scenario> [--option value …]; scenarios: {}",
            scenarios::NAMES.join(", ")
        );
        return ExitCode::from(2);
    };
    if scenario == "generate" {
        return match bench::generate::cli(&args[1..]).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("generate: {e}");
                ExitCode::from(2)
            }
        };
    }
    let mut options = match Options::parse(&args[1..]) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    options.command_line = format!("cargo run --release -p bench -- {}", args.join(" "));
    match scenarios::run(scenario, &options).await {
        Ok(report) => {
            if let Some(file) = options.results_file() {
                if let Err(e) = report.append_to(&file) {
                    eprintln!("cannot append to {}: {e}", file.display());
                    return ExitCode::FAILURE;
                }
                println!("appended to {}", file.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{scenario}: {e}");
            ExitCode::FAILURE
        }
    }
}
