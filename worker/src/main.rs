//! `worker`: the Đồng Hành worker alone (production: any number of copies on PostgreSQL).

use std::{process::ExitCode, sync::Arc};

use domain::SystemClock;
use store::env::{self, Source};
use tokio_util::sync::CancellationToken;
use worker::binary::{self, Settings, StartupError};

#[tokio::main]
async fn main() -> ExitCode {
    match start().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn start() -> Result<(), StartupError> {
    env::load_dotenv();
    let settings = Settings::from_env(&Source::process())?;
    store::telemetry::init(settings.process.log_json);
    let shutdown = CancellationToken::new();
    tokio::spawn(store::signals::cancel_on_signal(shutdown.clone()));
    binary::run(settings, Arc::new(SystemClock), shutdown).await
}
