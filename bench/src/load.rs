//! The phases of one benchmark round against one server: idle connections,
//! calls one at a time, and many rooms calling at once.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::calls::{CallFigures, Room, Servers};
use crate::client::{self, Target};
use crate::proc_stat;
use crate::setup::Account;

/// Idle connections opened at once.
const IDLE_BATCH: usize = 250;

#[derive(Debug, Clone)]
pub struct Plan {
    pub servers: Servers,
    pub accounts: Vec<Account>,
    /// The servers' processes; their memory and CPU figures add up.
    pub server_pids: Vec<u32>,
    pub round: u64,
    /// Rooms calling at once in the load phase.
    pub rooms: usize,
    pub load_seconds: f64,
    pub single_calls: usize,
    /// Idle connections at which memory per connection is measured.
    pub idle_measured: usize,
    /// Idle connections the server must hold.
    pub idle_held: usize,
}

/// The figures of one round, one JSON line in the results file.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct RoundResult {
    pub target: Option<Target>,
    pub round: u64,
    pub calls_per_second: f64,
    pub cpu_ms_per_call: f64,
    pub load_calls: u64,
    pub load_failed_calls: u64,
    pub load_setup_p50_ms: f64,
    pub load_setup_p99_ms: f64,
    pub load_latency_p50_ms: f64,
    pub load_latency_p99_ms: f64,
    pub single_setup_p50_ms: f64,
    pub single_setup_p99_ms: f64,
    pub single_latency_p50_ms: f64,
    pub single_latency_p99_ms: f64,
    pub idle_connections: usize,
    pub idle_bytes_per_connection: f64,
    pub idle_held: usize,
    pub idle_held_target: usize,
    /// Share of one core the generator used during the load phase.
    pub generator_cpu_share: f64,
    pub generator_saturated: bool,
}

pub async fn run_round(plan: &Plan) -> anyhow::Result<RoundResult> {
    let mut result = RoundResult { target: Some(plan.servers.target), round: plan.round, ..RoundResult::default() };
    idle_phase(plan, &mut result).await?;
    single_phase(plan, &mut result).await?;
    load_phase(plan, &mut result).await?;
    Ok(result)
}

/// Opens idle connections and reads the server's memory growth per
/// connection, then counts how many of the full number stay open.
async fn idle_phase(plan: &Plan, result: &mut RoundResult) -> anyhow::Result<()> {
    if plan.idle_held == 0 {
        return Ok(());
    }
    let alive = Rc::new(RefCell::new(0usize));
    let mut tasks = Vec::with_capacity(plan.idle_held);
    let before = rss_bytes(&plan.server_pids)?;
    let mut opened = 0;
    let mut rss_at_measure = None;

    while opened < plan.idle_held {
        let batch = IDLE_BATCH.min(plan.idle_held - opened);
        let connects = (opened..opened + batch).map(|index| open_idle(plan, index));
        for socket in futures_util::future::join_all(connects).await {
            let mut socket = socket?;
            let alive = alive.clone();
            *alive.borrow_mut() += 1;
            tasks.push(tokio::task::spawn_local(async move {
                client::await_close(&mut socket).await;
                *alive.borrow_mut() -= 1;
            }));
        }
        opened += batch;
        if opened == plan.idle_measured {
            tokio::time::sleep(Duration::from_secs(1)).await;
            rss_at_measure = Some(rss_bytes(&plan.server_pids)?);
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    if let Some(rss) = rss_at_measure {
        result.idle_connections = plan.idle_measured;
        result.idle_bytes_per_connection = rss.saturating_sub(before) as f64 / plan.idle_measured as f64;
    }
    result.idle_held = *alive.borrow();
    result.idle_held_target = plan.idle_held;
    for task in tasks {
        task.abort();
    }
    // Give the server time to notice the closed sockets before the next phase.
    tokio::time::sleep(Duration::from_secs(2)).await;
    Ok(())
}

/// Opens one idle connection: a patient page that has not checked in, a
/// PeerJS peer, or a relay host without a guest.
async fn open_idle(plan: &Plan, index: usize) -> anyhow::Result<client::Ws> {
    let servers = &plan.servers;
    let round = plan.round;
    let mut socket = match servers.target {
        Target::Visite | Target::VisiteBus => {
            let account = &plan.accounts[index % plan.accounts.len()];
            client::connect(&servers.patient, &format!("/r/{}/ws", account.slug), None).await?
        }
        Target::Peerjs => client::connect(&servers.patient, &format!("/peerjs?key=peerjs&id=idle-{round}-{index}&token=bench"), None).await?,
        Target::Relay => client::connect(&servers.patient, &format!("/idle-{round}-{index}/host"), None).await?,
    };
    if servers.target == Target::Peerjs {
        client::receive(&mut socket, "OPEN", &mut Vec::new()).await?;
    }
    Ok(socket)
}

/// Runs calls one after the other in one room, for latency without load.
async fn single_phase(plan: &Plan, result: &mut RoundResult) -> anyhow::Result<()> {
    if plan.single_calls == 0 {
        return Ok(());
    }
    let mut room = Room::open(&plan.servers, 0, plan.accounts.first().cloned(), plan.round).await?;
    let mut setups = Vec::with_capacity(plan.single_calls);
    let mut latencies = Vec::new();
    for _ in 0..plan.single_calls {
        let CallFigures { setup_micros, latencies: call_latencies } = room.call(plan.round).await.context("single call failed")?;
        setups.push(setup_micros);
        latencies.extend(call_latencies);
    }
    result.single_setup_p50_ms = percentile_ms(&mut setups, 50.0);
    result.single_setup_p99_ms = percentile_ms(&mut setups, 99.0);
    result.single_latency_p50_ms = percentile_ms(&mut latencies, 50.0);
    result.single_latency_p99_ms = percentile_ms(&mut latencies, 99.0);
    Ok(())
}

#[derive(Default)]
struct LoadTally {
    measuring: bool,
    calls: u64,
    failed: u64,
    setups: Vec<u64>,
    latencies: Vec<u64>,
}

/// Runs calls in many rooms at once for `load_seconds` and counts the calls
/// that finish, with the server's CPU time over the same span.
async fn load_phase(plan: &Plan, result: &mut RoundResult) -> anyhow::Result<()> {
    if plan.rooms == 0 || plan.load_seconds <= 0.0 {
        return Ok(());
    }
    // Room 0 ran the single calls; the load uses rooms 1 and up where accounts allow.
    let mut rooms = Vec::with_capacity(plan.rooms);
    for index in 0..plan.rooms {
        let account = plan.accounts.get((index + 1) % plan.accounts.len().max(1)).cloned();
        rooms.push(Room::open(&plan.servers, index + 1, account, plan.round).await?);
    }

    let tally = Rc::new(RefCell::new(LoadTally::default()));
    let stop = Rc::new(RefCell::new(false));
    let mut tasks = Vec::new();
    for mut room in rooms {
        let tally = tally.clone();
        let stop = stop.clone();
        let round = plan.round;
        tasks.push(tokio::task::spawn_local(async move {
            while !*stop.borrow() {
                let figures = room.call(round).await;
                let mut tally = tally.borrow_mut();
                if !tally.measuring {
                    continue;
                }
                match figures {
                    Ok(figures) => {
                        tally.calls += 1;
                        tally.setups.push(figures.setup_micros);
                        tally.latencies.extend(figures.latencies);
                    }
                    Err(error) => {
                        tally.failed += 1;
                        if tally.failed <= 3 {
                            eprintln!("call failed: {error:#}");
                        }
                        // The room's host socket may be gone: end this room.
                        return;
                    }
                }
            }
        }));
    }

    // One second of warm-up, then the measured span.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let server_before = cpu_seconds(&plan.server_pids)?;
    let generator_before = proc_stat::cpu_seconds(std::process::id())?;
    let started = Instant::now();
    tally.borrow_mut().measuring = true;

    tokio::time::sleep(Duration::from_secs_f64(plan.load_seconds)).await;

    let elapsed = started.elapsed().as_secs_f64();
    let mut measured = std::mem::take(&mut *tally.borrow_mut());
    let server_cpu = cpu_seconds(&plan.server_pids)? - server_before;
    let generator_cpu = proc_stat::cpu_seconds(std::process::id())? - generator_before;
    *stop.borrow_mut() = true;
    let _ = tokio::time::timeout(Duration::from_secs(10), futures_util::future::join_all(tasks)).await;

    result.load_calls = measured.calls;
    result.load_failed_calls = measured.failed;
    result.calls_per_second = measured.calls as f64 / elapsed;
    result.cpu_ms_per_call = if measured.calls > 0 { server_cpu * 1000.0 / measured.calls as f64 } else { 0.0 };
    result.load_setup_p50_ms = percentile_ms(&mut measured.setups, 50.0);
    result.load_setup_p99_ms = percentile_ms(&mut measured.setups, 99.0);
    result.load_latency_p50_ms = percentile_ms(&mut measured.latencies, 50.0);
    result.load_latency_p99_ms = percentile_ms(&mut measured.latencies, 99.0);
    result.generator_cpu_share = generator_cpu / elapsed;
    result.generator_saturated = result.generator_cpu_share > GENERATOR_SATURATED_SHARE;
    Ok(())
}

/// Share of its core above which the generator, not the server, may limit the rate.
const GENERATOR_SATURATED_SHARE: f64 = 0.9;

/// Returns the `percent` percentile (nearest rank) of microsecond values, in milliseconds.
fn percentile_ms(values: &mut [u64], percent: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_unstable();
    let rank = ((percent / 100.0) * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1] as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::percentile_ms;

    #[test]
    fn percentile_nearest_rank() {
        let mut values: Vec<u64> = (1..=100).map(|value| value * 1000).collect();
        assert_eq!(percentile_ms(&mut values, 50.0), 50.0);
        assert_eq!(percentile_ms(&mut values, 99.0), 99.0);
        assert_eq!(percentile_ms(&mut [], 99.0), 0.0);
    }
}

/// Returns the summed resident memory of the servers.
fn rss_bytes(pids: &[u32]) -> anyhow::Result<u64> {
    pids.iter().map(|pid| proc_stat::rss_bytes(*pid)).sum()
}

/// Returns the summed user and system CPU time of the servers.
fn cpu_seconds(pids: &[u32]) -> anyhow::Result<f64> {
    pids.iter().map(|pid| proc_stat::cpu_seconds(*pid)).sum()
}
