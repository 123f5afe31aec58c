//! visite's load benchmark: account setup, the load generator, a minimal
//! WebSocket relay as the ceiling, and the report. `./scripts/bench` runs them.

mod calls;
mod client;
mod load;
mod proc_stat;
mod relay;
mod report;
mod setup;
mod workload;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::calls::Servers;
use crate::client::{Endpoint, Target};

#[derive(Parser)]
#[command(about = "Load benchmark for visite against PeerJS and a minimal relay")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create provider accounts with sessions in a fresh data folder, before the server starts.
    Setup {
        #[arg(long)]
        data_dir: PathBuf,
        /// Database of the servers, such as postgres://..., when not the SQLite file in the data folder.
        #[arg(long)]
        database_url: Option<String>,
        /// Number of rooms (provider accounts) to create.
        #[arg(long, default_value_t = 65)]
        rooms: usize,
        /// File to write the rooms' slugs and session tokens to.
        #[arg(long)]
        accounts: PathBuf,
    },
    /// Run the minimal relay.
    Relay {
        #[arg(long)]
        listen: SocketAddr,
    },
    /// Run one round against one server and append its figures as a JSON line.
    Load(LoadArgs),
    /// Summarise a results file as Markdown.
    Report {
        #[arg(long)]
        results: PathBuf,
    },
}

#[derive(clap::Args)]
struct LoadArgs {
    #[arg(long, value_enum)]
    target: Target,
    /// Server the providers (hosts) connect to, such as http://127.0.0.1:8080.
    #[arg(long)]
    provider_url: String,
    /// Server the patients (guests) connect to [default: the provider URL].
    #[arg(long)]
    patient_url: Option<String>,
    /// Process id of the server, for its CPU time and memory. Give it once
    /// per server when several share the rooms, so the figures add up.
    #[arg(long, required = true)]
    server_pid: Vec<u32>,
    /// Accounts file from `setup`; visite only.
    #[arg(long)]
    accounts: Option<PathBuf>,
    /// Round number, for the results and for unique peer names.
    #[arg(long, default_value_t = 1)]
    round: u64,
    /// Rooms calling at once in the load phase.
    #[arg(long, default_value_t = 64)]
    rooms: usize,
    /// Length of the measured load phase, in seconds.
    #[arg(long, default_value_t = 5.0)]
    load_seconds: f64,
    /// Calls run one at a time for the latency without load.
    #[arg(long, default_value_t = 200)]
    single_calls: usize,
    /// Idle connections at which memory per connection is measured.
    #[arg(long, default_value_t = 10_000)]
    idle_measured: usize,
    /// Idle connections the server must hold; 0 skips the idle phase.
    #[arg(long, default_value_t = 19_000)]
    idle_held: usize,
    /// File to append the round's JSON line to.
    #[arg(long)]
    results: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // One thread: the generator and the relay each get one core of their own.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    match cli.command {
        Command::Setup { data_dir, database_url, rooms, accounts } => {
            runtime.block_on(setup::create_accounts(&data_dir, database_url.as_deref(), rooms, &accounts))
        }
        Command::Relay { listen } => runtime.block_on(relay::serve(listen)),
        Command::Load(args) => tokio::task::LocalSet::new().block_on(&runtime, run_load(args)),
        Command::Report { results } => {
            print!("{}", report::summarise(&results)?);
            Ok(())
        }
    }
}

async fn run_load(args: LoadArgs) -> anyhow::Result<()> {
    let provider = Endpoint::parse(&args.provider_url)?;
    let patient = match &args.patient_url {
        Some(url) => Endpoint::parse(url)?,
        None => provider.clone(),
    };
    let accounts = match &args.accounts {
        Some(path) => setup::read_accounts(path)?,
        None => Vec::new(),
    };
    if args.target.is_visite() && accounts.is_empty() {
        anyhow::bail!("--accounts with at least one account is required for --target visite");
    }
    let plan = load::Plan {
        servers: Servers { target: args.target, provider, patient },
        accounts,
        server_pids: args.server_pid,
        round: args.round,
        rooms: args.rooms,
        load_seconds: args.load_seconds,
        single_calls: args.single_calls,
        idle_measured: args.idle_measured.min(args.idle_held),
        idle_held: args.idle_held,
    };
    let result = load::run_round(&plan).await?;
    let line = serde_json::to_string(&result)?;
    eprintln!("{line}");
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&args.results)?;
    writeln!(file, "{line}")?;
    Ok(())
}
