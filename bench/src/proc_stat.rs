//! CPU time and memory of a process, from Linux's /proc.

use anyhow::Context;

/// Clock ticks per second of `utime` and `stime` in /proc/PID/stat; 100 on
/// Linux for every architecture in use (USER_HZ).
const TICKS_PER_SECOND: f64 = 100.0;

/// Returns the user plus system CPU time of process `pid`, in seconds.
pub fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    // The command name in brackets may contain spaces: count fields after its end.
    let after_name = stat.rsplit_once(')').with_context(|| format!("unexpected format of {path}"))?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, indexes 11 and 12 after the name.
    let ticks = |index: usize| -> anyhow::Result<f64> {
        let field = fields.get(index).with_context(|| format!("missing field in {path}"))?;
        Ok(field.parse::<f64>()?)
    };
    Ok((ticks(11)? + ticks(12)?) / TICKS_PER_SECOND)
}

/// Returns the resident set size of process `pid`, in bytes.
pub fn rss_bytes(pid: u32) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:")).with_context(|| format!("no VmRSS in {path}"))?;
    let kilobytes: u64 = line.trim_start_matches("VmRSS:").trim().trim_end_matches("kB").trim().parse()?;
    Ok(kilobytes * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_process_figures() {
        let pid = std::process::id();
        let busy: u64 = (0..20_000_000u64).fold(0, |sum, value| sum.wrapping_add(value * value));
        assert!(busy > 0);
        assert!(cpu_seconds(pid).unwrap() >= 0.0);
        assert!(rss_bytes(pid).unwrap() > 1024 * 1024, "a test process has more than 1 MiB resident");
    }
}
