//! Summarises the rounds of a results file: median and range per server and
//! figure, the ratios of visite against the references, and the targets.

use std::fmt::Write;
use std::path::Path;

use anyhow::Context;

use crate::client::Target;
use crate::load::RoundResult;

/// visite's full visits per second must reach this multiple of PeerJS's signaling-only calls.
const MIN_RATIO_TO_PEERJS: f64 = 3.5;
/// visite's full visits per second must reach this share of the minimal relay's calls.
const MIN_SHARE_OF_RELAY: f64 = 0.6;
const MAX_SINGLE_LATENCY_P99_MS: f64 = 1.0;
const MAX_IDLE_BYTES_PER_CONNECTION: f64 = 12.0 * 1024.0;

struct Figure {
    label: &'static str,
    value: fn(&RoundResult) -> f64,
    decimals: usize,
}

const FIGURES: &[Figure] = &[
    Figure { label: "calls per second", value: |r| r.calls_per_second, decimals: 0 },
    Figure { label: "server CPU per call (ms)", value: |r| r.cpu_ms_per_call, decimals: 3 },
    Figure { label: "calls per second of CPU (1000 / CPU ms per call)", value: |r| per_cpu_second(r), decimals: 0 },
    Figure { label: "relay latency p50, one call (ms)", value: |r| r.single_latency_p50_ms, decimals: 3 },
    Figure { label: "relay latency p99, one call (ms)", value: |r| r.single_latency_p99_ms, decimals: 3 },
    Figure { label: "call setup p50, one call (ms)", value: |r| r.single_setup_p50_ms, decimals: 2 },
    Figure { label: "call setup p99, one call (ms)", value: |r| r.single_setup_p99_ms, decimals: 2 },
    Figure { label: "relay latency p50, under load (ms)", value: |r| r.load_latency_p50_ms, decimals: 2 },
    Figure { label: "relay latency p99, under load (ms)", value: |r| r.load_latency_p99_ms, decimals: 2 },
    Figure { label: "call setup p50, under load (ms)", value: |r| r.load_setup_p50_ms, decimals: 1 },
    Figure { label: "call setup p99, under load (ms)", value: |r| r.load_setup_p99_ms, decimals: 1 },
    Figure { label: "memory per idle connection (KB)", value: |r| r.idle_bytes_per_connection / 1024.0, decimals: 1 },
    Figure { label: "idle connections held", value: |r| r.idle_held as f64, decimals: 0 },
    Figure { label: "generator CPU (share of its core)", value: |r| r.generator_cpu_share, decimals: 2 },
];

const TARGETS: [Target; 4] = [Target::Visite, Target::VisiteBus, Target::Peerjs, Target::Relay];

/// Reads the results file and returns the report as Markdown.
pub fn summarise(results: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(results).with_context(|| format!("cannot read results file {}", results.display()))?;
    let rounds: Vec<RoundResult> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()
        .with_context(|| format!("invalid line in {}", results.display()))?;
    let of = |target: Target| -> Vec<&RoundResult> { rounds.iter().filter(|round| round.target == Some(target)).collect() };

    let mut out = String::new();
    let present: Vec<Target> = TARGETS.into_iter().filter(|target| !of(*target).is_empty()).collect();
    writeln!(out, "Median [min - max] over the rounds of each server.\n")?;
    write!(out, "| figure |")?;
    for target in &present {
        write!(out, " {} ({} rounds) |", name(*target), of(*target).len())?;
    }
    writeln!(out)?;
    writeln!(out, "|---|{}", "---|".repeat(present.len()))?;
    for figure in FIGURES {
        write!(out, "| {} |", figure.label)?;
        for target in &present {
            let values: Vec<f64> = of(*target).iter().map(|round| (figure.value)(round)).collect();
            let (median, min, max) = spread(&values);
            let decimals = figure.decimals;
            write!(out, " {median:.decimals$} [{min:.decimals$} - {max:.decimals$}] |")?;
        }
        writeln!(out)?;
    }

    let saturated: Vec<String> = rounds
        .iter()
        .filter(|round| round.generator_saturated)
        .map(|round| format!("{} round {}", name(round.target.unwrap_or(Target::Visite)), round.round))
        .collect();
    let failed: u64 = rounds.iter().map(|round| round.load_failed_calls).sum();
    writeln!(out)?;
    if saturated.is_empty() {
        writeln!(out, "No round saturated the load generator (its CPU stayed under 90% of its core).")?;
    } else {
        writeln!(out, "Rounds where the load generator used over 90% of its core (the rate may be the generator's): {}.", saturated.join(", "))?;
    }
    writeln!(out, "Failed calls in all rounds: {failed}.")?;

    write_targets(&mut out, "visite", &of(Target::Visite), &of(Target::Peerjs), &of(Target::Relay))?;
    write_targets(&mut out, "two visite servers on Redis", &of(Target::VisiteBus), &of(Target::Peerjs), &of(Target::Relay))?;
    Ok(out)
}

fn write_targets(out: &mut String, title: &str, visite: &[&RoundResult], peerjs: &[&RoundResult], relay: &[&RoundResult]) -> anyhow::Result<()> {
    if visite.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nTargets for {title}:")?;
    let median = |rounds: &[&RoundResult], value: fn(&RoundResult) -> f64| spread(&rounds.iter().map(|round| value(round)).collect::<Vec<_>>()).0;
    let rate = median(visite, |r| r.calls_per_second);
    writeln!(out, "\n| target | measured | met |\n|---|---|---|")?;
    if !peerjs.is_empty() {
        let ratio = rate / median(peerjs, |r| r.calls_per_second);
        writeln!(out, "| visite visits/s at least {MIN_RATIO_TO_PEERJS}x PeerJS calls/s | {ratio:.2}x | {} |", yes(ratio >= MIN_RATIO_TO_PEERJS))?;
    }
    if !relay.is_empty() {
        let share = rate / median(relay, |r| r.calls_per_second);
        writeln!(out, "| visite visits/s at least {:.0}% of the relay's calls/s | {:.0}% | {} |", MIN_SHARE_OF_RELAY * 100.0, share * 100.0, yes(share >= MIN_SHARE_OF_RELAY))?;
    }

    // A server that did not use its whole core gave a rate below its capacity:
    // the same ratios per second of CPU compare what one core carries.
    let capacity = median(visite, per_cpu_second);
    if !peerjs.is_empty() {
        let ratio = capacity / median(peerjs, per_cpu_second);
        writeln!(out, "| the same per second of server CPU | {ratio:.2}x | {} |", yes(ratio >= MIN_RATIO_TO_PEERJS))?;
    }
    if !relay.is_empty() {
        let share = capacity / median(relay, per_cpu_second);
        writeln!(out, "| the same per second of server CPU | {:.0}% | {} |", share * 100.0, yes(share >= MIN_SHARE_OF_RELAY))?;
    }

    let latency = median(visite, |r| r.single_latency_p99_ms);
    writeln!(out, "| relay latency p99 with one call under {MAX_SINGLE_LATENCY_P99_MS} ms | {latency:.3} ms | {} |", yes(latency < MAX_SINGLE_LATENCY_P99_MS))?;
    let memory = median(visite, |r| r.idle_bytes_per_connection);
    writeln!(out, "| at most 12 KB per idle connection | {:.1} KB | {} |", memory / 1024.0, yes(memory <= MAX_IDLE_BYTES_PER_CONNECTION))?;
    let held = visite.iter().map(|round| round.idle_held).min().unwrap_or(0);
    let wanted = visite.iter().map(|round| round.idle_held_target).max().unwrap_or(0);
    writeln!(out, "| {wanted} idle connections held (fewest in a round) | {held} | {} |", yes(held >= wanted && wanted > 0))?;
    Ok(())
}

/// Returns the calls one second of server CPU time carried in this round.
fn per_cpu_second(round: &RoundResult) -> f64 {
    if round.cpu_ms_per_call > 0.0 { 1000.0 / round.cpu_ms_per_call } else { 0.0 }
}

fn yes(met: bool) -> &'static str {
    if met { "yes" } else { "no" }
}

fn name(target: Target) -> &'static str {
    match target {
        Target::Visite => "visite",
        Target::VisiteBus => "visite, 2 servers",
        Target::Peerjs => "PeerJS",
        Target::Relay => "relay",
    }
}

/// Returns the median, minimum and maximum of `values`.
fn spread(values: &[f64]) -> (f64, f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    let median = if sorted.len() % 2 == 0 { (sorted[middle - 1] + sorted[middle]) / 2.0 } else { sorted[middle] };
    (median, sorted[0], sorted[sorted.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::spread;

    #[test]
    fn spread_of_odd_and_even_counts() {
        assert_eq!(spread(&[3.0, 1.0, 2.0]), (2.0, 1.0, 3.0));
        assert_eq!(spread(&[4.0, 1.0, 2.0, 3.0]), (2.5, 1.0, 4.0));
    }
}
