#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use visite::admin::{Admin, Delivery, NewAccount};
use visite::config::{Overrides, Settings};
use visite::mail::{MailSettings, Mailer};
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
    /// Manage provider accounts, also while the server runs.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
        #[command(flatten)]
        overrides: Overrides,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// List every account: email, room link, name, practice, whether the
    /// email is verified, second-factor kinds, when disabled, when created.
    List,
    /// Create a verified account and mail its owner a link to choose a
    /// password. The first login then sets up the second factor.
    Create {
        /// Login email address of the provider.
        #[arg(long)]
        email: String,
        /// The provider's name, as patients see it.
        #[arg(long)]
        name: String,
        /// The practice's name, as patients see it.
        #[arg(long)]
        practice: String,
        /// Room link: the part after /r/, such as dr-muster.
        #[arg(long)]
        slug: String,
        /// Language of the account's mails: de or en.
        #[arg(long, default_value = "de")]
        locale: String,
    },
    /// Disable an account: its login fails, its sessions end, and the
    /// running server closes its room and sockets within a few seconds.
    Disable { email: String },
    /// Enable a disabled account again.
    Enable { email: String },
    /// Remove the authenticator app, passkeys and recovery codes of an
    /// account and end its sessions, after you checked the provider's
    /// identity in person or by phone. The provider sets up a new factor at
    /// the next login.
    ResetSecondFactor {
        email: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(overrides) => serve(overrides).await,
        Command::Backup(overrides) => backup(overrides).await,
        Command::Restore { file, overrides } => restore(file, overrides).await,
        Command::TurnConfig(overrides) => turn_config(overrides),
        Command::Admin { command, overrides } => admin(command, overrides).await,
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
    reject_postgres_backup(&settings)?;
    let store = visite::store::Store::connect(settings.database_url.as_ref(), &settings.data_dir).await?;
    let path = visite::backup::create(&store, &settings.data_dir, settings.backup_keep.max(1), Retention::from_settings(&settings)).await?;
    store.close().await;
    println!("{}", path.display());
    Ok(())
}

async fn restore(file: std::path::PathBuf, overrides: Overrides) -> anyhow::Result<()> {
    let settings = Settings::load(overrides)?;
    reject_postgres_backup(&settings)?;
    if let Some(url) = &settings.database_url {
        anyhow::bail!(
            "visite restore replaces only the default database DATA_DIR/visite.db, but database_url names {url}: \
             stop visite and copy the backup file over that database yourself"
        );
    }
    let replaced = visite::backup::restore(&file, &settings.data_dir).await?;
    if !replaced.as_os_str().is_empty() {
        // The replaced database stays up to `backup_keep` days, like a backup.
        let keep = settings.backup_keep.max(1);
        let now = visite::store::unix_now();
        visite::backup::remove_expiring(&replaced, keep, Retention::from_settings(&settings), now).await?;
    }
    if replaced.as_os_str().is_empty() {
        println!("restored {} into {}; providers sign in again", file.display(), settings.data_dir.display());
    } else {
        println!("restored {}; providers sign in again; the previous database is in {}", file.display(), replaced.display());
    }
    Ok(())
}

/// Stops `visite backup` and `visite restore` on PostgreSQL, which has its
/// own tools for this.
fn reject_postgres_backup(settings: &Settings) -> anyhow::Result<()> {
    match &settings.database_url {
        Some(url) if url.backend() == visite::store::Backend::Postgres => anyhow::bail!("{}", visite::store::POSTGRES_BACKUP_HINT),
        _ => Ok(()),
    }
}

async fn admin(command: AdminCommand, overrides: Overrides) -> anyhow::Result<()> {
    let settings = Settings::load(overrides)?;
    if let AdminCommand::ResetSecondFactor { email, yes: false } = &command {
        confirm_reset(email)?;
    }
    // A mistyped folder must not get a new, empty database of its own. An
    // explicit database_url creates no database unless it ends in ?mode=rwc.
    let database = settings.data_dir.join(visite::store::DATABASE_FILE);
    if settings.database_url.is_none() && !database.is_file() {
        anyhow::bail!(
            "{} contains no visite database: give the data folder of the server with --data-dir or --config",
            settings.data_dir.display()
        );
    }
    if matches!(command, AdminCommand::Create { .. }) && settings.public_origin.is_none() {
        eprintln!(
            "visite: no public_origin is set, so the link below points to {}; set public_origin to the address providers use",
            settings.link_origin(settings.listen)
        );
    }
    let store = visite::store::Store::connect(settings.database_url.as_ref(), &settings.data_dir).await?;
    let mail_settings = MailSettings { smtp_url: settings.smtp_url.clone(), from: settings.mail_from.clone() };
    let admin = Admin {
        store: store.clone(),
        mailer: Mailer::new(&mail_settings, &settings.data_dir)?,
        // Links use the configured public origin, or the listen port on localhost.
        link_origin: settings.link_origin(settings.listen),
    };
    let result = run_admin(&admin, command).await;
    store.close().await;
    result
}

async fn run_admin(admin: &Admin, command: AdminCommand) -> anyhow::Result<()> {
    match command {
        AdminCommand::List => print!("{}", admin.list().await?),
        AdminCommand::Create { email, name, practice, slug, locale } => {
            let account = NewAccount { email, name, practice_name: practice, slug, locale };
            let delivery = admin.create(&account).await?;
            println!("created the account {}", account.email.trim().to_lowercase());
            print_delivery(&delivery, "a link to choose a password, valid for 7 days");
        }
        AdminCommand::Disable { email } => {
            let ended = admin.disable(&email).await?;
            println!("disabled {email}; {ended} sessions ended; a running server closes the room within a few seconds");
        }
        AdminCommand::Enable { email } => {
            admin.enable(&email).await?;
            println!("enabled {email}");
        }
        AdminCommand::ResetSecondFactor { email, .. } => {
            let (removed, delivery) = admin.reset_second_factor(&email).await?;
            println!(
                "removed from {email}: {} authenticator app, {} passkeys, {} recovery codes; {} sessions ended",
                removed.totp, removed.passkeys, removed.recovery_codes, removed.sessions
            );
            print_delivery(&delivery, "a notice");
        }
    }
    Ok(())
}

/// Tell the operator where the mail went; without SMTP also print its link,
/// so they can pass it on another way.
fn print_delivery(delivery: &Delivery, mail_description: &str) {
    match delivery {
        Delivery::Smtp => println!("mailed {mail_description} to the provider through the SMTP relay"),
        Delivery::Outbox { folder, link } => {
            println!("no SMTP relay is configured, so {mail_description} was written to {} instead of being sent", folder.display());
            if let Some(link) = link {
                println!("give the provider this link: {link}");
            }
        }
    }
}

/// Ask on the terminal before removing a provider's second factors.
fn confirm_reset(email: &str) -> anyhow::Result<()> {
    use std::io::Write;
    eprint!(
        "This removes every second factor of {email} and ends all their sessions.\n\
         Only do this after you checked the provider's identity in person or by phone.\n\
         Type yes to continue: "
    );
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    if answer.trim() != "yes" {
        anyhow::bail!("cancelled: nothing was changed (pass --yes to skip this question)");
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
    if let Some(address) = server.admin_addr() {
        tracing::info!(%address, "admin listener serving /metrics, /healthz and /readyz");
    }
    eprintln!("visite is ready: open {}/ in a browser", server.link_origin());
    server.run(shutdown_signal()).await
}
