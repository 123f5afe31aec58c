//! Prometheus metrics of this process: counters and latency histograms kept
//! by the `metrics` facade, and gauges that [`render`] reads from the hub
//! at scrape time, so that they cannot drift from the rooms they count.
//!
//! No label carries a name, room link (slug), email address, IP address or
//! room id. Labels are fixed words (roles, reasons, status classes) and route
//! templates such as `/r/{slug}`.

use std::fmt::Write;
use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::core::room::Refusal;
use crate::hub::HubStats;

pub const CALL_SETUPS: &str = "visite_call_setups_total";
pub const CALL_RESUMPTIONS: &str = "visite_call_resumptions_total";
pub const MESSAGES_REJECTED: &str = "visite_messages_rejected_total";
pub const SLOW_CONNECTIONS_DROPPED: &str = "visite_slow_connections_dropped_total";
pub const WEBSOCKETS_CLOSED: &str = "visite_websocket_closed_total";
pub const HTTP_REQUEST_DURATION: &str = "visite_http_request_duration_seconds";

/// Upper bounds of the HTTP latency histogram buckets, in seconds.
const LATENCY_BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// Reason a WebSocket connection ended: the `reason` label of
/// [`WEBSOCKETS_CLOSED`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// The browser closed the socket or the TCP connection ended.
    Client,
    /// No frame, not even a pong, arrived within the idle timeout.
    Idle,
    /// A frame could not be read, such as one over the size limit.
    Error,
    /// The connection stayed over the message rate limit.
    RateLimited,
    /// The connection sent too many invalid or forbidden messages.
    Invalid,
    /// The hub ended the connection because its outbox was full.
    TooSlow,
    /// The socket's writer stopped: the server closed the socket (the visit
    /// ended, the room closed, the server shuts down) or a write failed.
    Server,
}

impl CloseReason {
    fn label(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Idle => "idle",
            Self::Error => "error",
            Self::RateLimited => "rate_limited",
            Self::Invalid => "invalid_messages",
            Self::TooSlow => "too_slow",
            Self::Server => "server",
        }
    }
}

/// Returns the handle of the process-wide recorder, installing it on the
/// first call. The `metrics` macros write to one global recorder, so every
/// server of a process shares the counters and histograms. Only tests run
/// more than one server in a process.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_REQUEST_DURATION.to_owned()), &LATENCY_BUCKETS)
            .expect("the bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed, so /metrics shows only the gauges of the hub");
        }
        describe();
        handle
    })
}

fn describe() {
    metrics::describe_counter!(CALL_SETUPS, "Calls started by a provider admitting a patient.");
    metrics::describe_counter!(CALL_RESUMPTIONS, "Call sides taken back with a ticket after a lost connection or a restart.");
    metrics::describe_counter!(MESSAGES_REJECTED, "WebSocket messages the room rejected, by reason.");
    metrics::describe_counter!(SLOW_CONNECTIONS_DROPPED, "WebSocket connections closed because they read their messages too slowly.");
    metrics::describe_counter!(WEBSOCKETS_CLOSED, "WebSocket connections that ended, by reason.");
    metrics::describe_histogram!(
        HTTP_REQUEST_DURATION,
        metrics::Unit::Seconds,
        "Time to the response head, by route template, method and status class."
    );
}

/// Moves recorded histogram samples into their buckets every `period`, so
/// that memory stays bounded between scrapes, until the runtime ends.
pub fn spawn_upkeep(period: std::time::Duration) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        loop {
            interval.tick().await;
            handle().run_upkeep();
        }
    });
}

pub fn count_call_setup() {
    metrics::counter!(CALL_SETUPS).increment(1);
}

pub fn count_call_resumption() {
    metrics::counter!(CALL_RESUMPTIONS).increment(1);
}

pub fn count_rejected(refusal: Refusal) {
    let reason = match refusal {
        Refusal::NotProvider => "not_provider",
        Refusal::NotAdmitted => "not_admitted",
        Refusal::NotPatient => "not_patient",
        Refusal::NoCall => "no_call",
        Refusal::NotCheckedIn => "not_checked_in",
        Refusal::AlreadyCheckedIn => "already_checked_in",
    };
    metrics::counter!(MESSAGES_REJECTED, "reason" => reason).increment(1);
}

pub fn count_slow_connection_dropped() {
    metrics::counter!(SLOW_CONNECTIONS_DROPPED).increment(1);
}

pub fn count_websocket_closed(reason: CloseReason) {
    metrics::counter!(WEBSOCKETS_CLOSED, "reason" => reason.label()).increment(1);
}

/// Records one HTTP response. `route` must be a route template, never the
/// request's path, which may carry a room link.
pub fn record_http_request(route: String, method: &'static str, status: u16, seconds: f64) {
    let class = match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    };
    metrics::histogram!(HTTP_REQUEST_DURATION, "route" => route, "method" => method, "status" => class).record(seconds);
}

/// Renders every metric in the Prometheus text format (version 0.0.4): the
/// recorder's counters and histograms, then this server's hub gauges.
pub fn render(stats: &HubStats) -> String {
    let mut text = handle().render();
    let gauges: [(&str, &str, Option<(&str, &str)>, usize); 5] = [
        ("visite_rooms", "Rooms with a connection, a waiting patient or a call.", None, stats.rooms),
        (
            "visite_websocket_connections",
            "Open WebSocket connections by role.",
            Some(("role", "provider")),
            stats.provider_connections,
        ),
        ("visite_websocket_connections", "", Some(("role", "patient")), stats.patient_connections),
        ("visite_waiting_patients", "Patients in waiting rooms, connected or within their grace period.", None, stats.waiting_patients),
        ("visite_active_calls", "Calls this server holds, including calls whose sides are reconnecting.", None, stats.active_calls),
    ];
    for (name, help, label, value) in gauges {
        // An empty help continues the metric family above it.
        if !help.is_empty() {
            let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} gauge");
        }
        match label {
            Some((key, label_value)) => {
                let _ = writeln!(text, "{name}{{{key}=\"{label_value}\"}} {value}");
            }
            None => {
                let _ = writeln!(text, "{name} {value}");
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_writes_hub_gauges() {
        let stats = HubStats { rooms: 2, provider_connections: 1, patient_connections: 3, waiting_patients: 4, active_calls: 1 };
        let text = render(&stats);
        assert!(text.contains("# TYPE visite_websocket_connections gauge\n"), "{text}");
        assert!(text.contains("visite_websocket_connections{role=\"provider\"} 1\n"), "{text}");
        assert!(text.contains("visite_websocket_connections{role=\"patient\"} 3\n"), "{text}");
        assert!(text.contains("visite_waiting_patients 4\n"), "{text}");
        assert!(text.contains("visite_active_calls 1\n"), "{text}");
        assert!(text.contains("visite_rooms 2\n"), "{text}");
        assert_eq!(text.matches("# TYPE visite_websocket_connections").count(), 1, "{text}");
    }

    #[test]
    fn http_histogram_uses_status_classes() {
        // Samples recorded before the recorder is installed are lost.
        handle();
        record_http_request("/unit-test/{id}".to_owned(), "GET", 204, 0.003);
        record_http_request("/unit-test/{id}".to_owned(), "GET", 503, 0.2);
        let text = render(&HubStats::default());
        assert!(text.contains("# TYPE visite_http_request_duration_seconds histogram"), "{text}");
        let two = "visite_http_request_duration_seconds_count{route=\"/unit-test/{id}\",method=\"GET\",status=\"2xx\"} 1";
        assert!(text.contains(two), "{text}");
        let five = "visite_http_request_duration_seconds_count{route=\"/unit-test/{id}\",method=\"GET\",status=\"5xx\"} 1";
        assert!(text.contains(five), "{text}");
    }
}
