#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use visite::config::{Overrides, Settings};
use visite::server::{Server, init_logging, shutdown_signal};

/// visite: video consultations for practices, peer to peer.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server.
    Serve(Overrides),
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(overrides) => match serve(overrides).await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("visite: {error:#}");
                std::process::ExitCode::FAILURE
            }
        },
    }
}

async fn serve(overrides: Overrides) -> anyhow::Result<()> {
    let settings = Settings::load(overrides)?;
    init_logging(settings.log_format);

    let server = Server::bind(settings).await?;
    tracing::info!(address = %server.local_addr(), origin = server.link_origin(), "visite listening");
    eprintln!("visite is ready: open {}/ in a browser", server.link_origin());
    server.run(shutdown_signal()).await
}
