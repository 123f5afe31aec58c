#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use visite::config::{Overrides, Settings};
use visite::retention::Retention;
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
    /// Write a backup of the database into DATA_DIR/backups/, also while the server runs.
    Backup(Overrides),
    /// Replace the database with a backup; the server must be stopped.
    Restore {
        /// Backup file to restore, such as data/backups/visite-20261204T030000Z.db.
        file: std::path::PathBuf,
        #[command(flatten)]
        overrides: Overrides,
    },
    /// Print a coturn configuration that accepts the TURN credentials visite
    /// mints, from the [turn] settings. Without a configured secret it
    /// generates one and explains where to keep it.
    TurnConfig(Overrides),
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(overrides) => serve(overrides).await,
        Command::Backup(overrides) => backup(overrides).await,
        Command::Restore { file, overrides } => restore(file, overrides).await,
        Command::TurnConfig(overrides) => turn_config(overrides),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("visite: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn backup(overrides: Overrides) -> anyhow::Result<()> {
    let settings = Settings::load(overrides)?;
    let store = visite::store::Store::open(&settings.data_dir).await?;
    let path = visite::backup::create(&store, &settings.data_dir, settings.backup_keep.max(1), Retention::from_settings(&settings)).await?;
    store.close().await;
    println!("{}", path.display());
    Ok(())
}

async fn restore(file: std::path::PathBuf, overrides: Overrides) -> anyhow::Result<()> {
    let settings = Settings::load(overrides)?;
    let replaced = visite::backup::restore(&file, &settings.data_dir).await?;
    if !replaced.as_os_str().is_empty() {
        // The replaced database stays up to `backup_keep` days, like a backup.
        let keep = settings.backup_keep.max(1);
        let now = visite::store::unix_now();
        visite::backup::remove_expiring(&replaced, keep, Retention::from_settings(&settings), now).await?;
    }
    if replaced.as_os_str().is_empty() {
        println!("restored {} into {}", file.display(), settings.data_dir.display());
    } else {
        println!("restored {}; the previous database is in {}", file.display(), replaced.display());
    }
    Ok(())
}

fn turn_config(overrides: Overrides) -> anyhow::Result<()> {
    let settings = Settings::load(overrides)?;
    let turn = &settings.turn;
    if !turn.is_enabled() {
        eprintln!(
            "visite: [turn] urls is empty, so this configuration uses the placeholder host turn.praxis.example \
             and browsers get no TURN server until you set [turn] urls"
        );
    }
    let secret = match &turn.secret {
        Some(secret) => secret.clone(),
        None => {
            let secret = visite::turn::Secret::generate();
            eprintln!(
                "visite: no TURN secret is configured, so this configuration contains a new random one.\n\
                 Give visite the same secret, readable only by visite's user, for example:\n\
                 \n    (umask 077; printf '%s\\n' '{}' > /etc/visite/turn-secret)\n\n\
                 and set secret_file = \"/etc/visite/turn-secret\" in the [turn] table of visite's settings file.",
                secret.expose()
            );
            secret
        }
    };
    print!("{}", visite::turn::coturn_config(turn, &secret));
    Ok(())
}

async fn serve(overrides: Overrides) -> anyhow::Result<()> {
    let settings = Settings::load(overrides)?;
    init_logging(settings.log_format);

    let server = Server::bind(settings).await?;
    tracing::info!(address = %server.local_addr(), origin = server.link_origin(), "visite listening");
    eprintln!("visite is ready: open {}/ in a browser", server.link_origin());
    server.run(shutdown_signal()).await
}
