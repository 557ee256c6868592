//! `api`: the Đồng Hành API server (with the worker in-process by default).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match api::cli::run(std::env::args().skip(1).collect()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
