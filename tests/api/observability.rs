//! `/metrics`, `/healthz` and `/readyz` on the main listener and on the
//! admin listener.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use visite::turn::Secret;

use crate::helpers::*;

const TOKEN: &str = "metrics-token-4f9c2a7e1b";

fn with_token(settings: &mut visite::config::Settings) {
    settings.metrics_token = Some(Secret::new(TOKEN));
}

fn with_admin_listener(settings: &mut visite::config::Settings) {
    settings.admin_listen = Some("127.0.0.1:0".parse().unwrap());
}

async fn get_with_authorization(url: &str, authorization: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(url);
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.send().await.unwrap()
}

/// Returns the value of a metric line without labels, such as `visite_call_setups_total 3`.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn metrics_without_token_setting_is_404() {
    let app = spawn_app().await;
    let response = get_with_authorization(&app.url("/metrics"), None).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = get_with_authorization(&app.url("/metrics"), Some("Bearer anything-at-all-123")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.admin_address, None, "an admin listener opened without admin_listen");
}

#[tokio::test]
async fn metrics_token_is_required() {
    let app = spawn_app_with(with_token).await;
    let url = app.url("/metrics");

    let missing = get_with_authorization(&url, None).await;
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");
    assert!(!missing.text().await.unwrap().contains("visite_"), "a rejected scrape got metrics");

    let wrong = get_with_authorization(&url, Some(&format!("Bearer {TOKEN}0"))).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let prefix = get_with_authorization(&url, Some(&format!("Bearer {}", &TOKEN[..TOKEN.len() - 1]))).await;
    assert_eq!(prefix.status(), StatusCode::UNAUTHORIZED);
    let basic = get_with_authorization(&url, Some(&format!("Basic {TOKEN}"))).await;
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);

    let right = get_with_authorization(&url, Some(&format!("Bearer {TOKEN}"))).await;
    assert_eq!(right.status(), StatusCode::OK);
    assert_eq!(right.headers()["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    let text = right.text().await.unwrap();
    assert!(text.contains("# TYPE visite_waiting_patients gauge"), "{text}");
}

#[tokio::test]
async fn metrics_after_visit_count_without_personal_data() {
    let slug = "praxis-kennzahlen";
    let email = format!("{slug}@praxis.example");
    let name = "Wilhelmine Zählerstand";
    let app = spawn_app_with(|settings| {
        with_token(settings);
        with_admin_listener(settings);
    })
    .await;
    let admin = app.admin_address.expect("the admin listener is bound");
    let provider = app.provider(slug).await;
    let (status, _) = app.client().get_text(&format!("/r/{slug}")).await;
    assert_eq!(status, StatusCode::OK);

    let mut host = provider.host_socket(slug).await;
    let mut patient = Socket::patient(&app, slug).await;
    patient.check_in(name).await;
    let id = host.queue_of(1).await["patients"][0]["id"].clone();

    let waiting = reqwest::get(format!("http://{admin}/metrics")).await.unwrap().text().await.unwrap();
    assert_eq!(sample(&waiting, "visite_waiting_patients"), Some(1.0), "{waiting}");
    assert_eq!(sample(&waiting, "visite_active_calls"), Some(0.0), "{waiting}");

    host.send(json!({"type": "admit", "patient": id})).await;
    patient.recv_type("call_started").await;
    host.recv_type("call_started").await;
    let in_call = reqwest::get(format!("http://{admin}/metrics")).await.unwrap().text().await.unwrap();
    assert_eq!(sample(&in_call, "visite_active_calls"), Some(1.0), "{in_call}");
    assert_eq!(sample(&in_call, "visite_waiting_patients"), Some(0.0), "{in_call}");
    assert!(in_call.contains("visite_websocket_connections{role=\"provider\"} 1\n"), "{in_call}");
    assert!(in_call.contains("visite_websocket_connections{role=\"patient\"} 1\n"), "{in_call}");

    // A provider command from the patient's side is rejected and counted.
    patient.send(json!({"type": "admit", "patient": id})).await;
    patient.recv_type("error").await;
    patient.send(json!({"type": "hang_up"})).await;
    host.recv_type("call_ended").await;
    drop(patient);
    drop(host);

    let response = get_with_authorization(&app.url("/metrics"), Some(&format!("Bearer {TOKEN}"))).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let setups = sample(&text, "visite_call_setups_total").expect("call setups are counted");
    assert!(setups >= 1.0, "{text}");
    assert!(text.contains("visite_messages_rejected_total{reason=\"not_provider\"}"), "{text}");
    assert!(text.contains("visite_http_request_duration_seconds_bucket{route=\"/r/{slug}\",method=\"GET\",status=\"2xx\""), "{text}");
    assert!(text.contains("route=\"/r/{slug}/host\""), "{text}");

    let admin_text = reqwest::get(format!("http://{admin}/metrics")).await.unwrap().text().await.unwrap();
    for (what, value) in [("patient name", name), ("room link", slug), ("provider email", email.as_str()), ("IP address", "127.0.0.1")] {
        assert!(!text.contains(value), "the {what} appears in /metrics:\n{text}");
        assert!(!admin_text.contains(value), "the {what} appears in the admin listener's /metrics:\n{admin_text}");
    }
}

#[tokio::test]
async fn health_probes_on_both_listeners() {
    let app = spawn_app_with(with_admin_listener).await;
    let admin = app.admin_address.expect("the admin listener is bound");

    // Probing as a load balancer does, many times in a row, never fails.
    for _ in 0..30 {
        for url in [app.url("/healthz"), app.url("/readyz"), format!("http://{admin}/healthz"), format!("http://{admin}/readyz")] {
            let response = reqwest::get(&url).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{url}");
            assert_eq!(response.text().await.unwrap(), "ok", "{url}");
        }
    }
    let metrics = reqwest::get(format!("http://{admin}/metrics")).await.unwrap();
    assert_eq!(metrics.status(), StatusCode::OK);
    let pages = reqwest::get(format!("http://{admin}/")).await.unwrap();
    assert_eq!(pages.status(), StatusCode::NOT_FOUND, "the admin listener serves pages");
}

#[tokio::test]
async fn readyz_fails_when_database_closes() {
    let app = spawn_app_with(with_admin_listener).await;
    let admin = app.admin_address.expect("the admin listener is bound");
    assert_eq!(reqwest::get(app.url("/readyz")).await.unwrap().status(), StatusCode::OK);

    app.close_database().await;

    for url in [app.url("/readyz"), format!("http://{admin}/readyz")] {
        let response = reqwest::get(&url).await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{url}");
        assert_eq!(response.text().await.unwrap(), "database unavailable", "{url}");
    }
    for url in [app.url("/healthz"), format!("http://{admin}/healthz")] {
        assert_eq!(reqwest::get(&url).await.unwrap().status(), StatusCode::OK, "{url}");
    }
    let logs = captured_logs();
    assert!(logs.contains("not ready: the readiness check failed"), "the failed check was not logged");
}

/// The real binary with `--admin-listen` and `--metrics-token-file`, logging at
/// info level: probes and scrapes leave no access log line there.
#[tokio::test]
async fn flags_open_admin_listener_and_token() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("metrics-token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    let flags = ["--admin-listen".as_ref(), "127.0.0.1:0".as_ref(), "--metrics-token-file".as_ref(), token_file.as_os_str()];
    let server = crate::process::ServerProcess::start(&dir.path().join("data"), &flags);
    server.wait_for_stderr("admin listener serving").await;
    let stderr = server.stderr();
    let admin_line = stderr.lines().find(|line| line.contains("admin listener serving")).unwrap();
    let admin = admin_line.split("address=").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();

    let main = format!("http://127.0.0.1:{}", server.port);
    let scrape = get_with_authorization(&format!("{main}/metrics"), Some(&format!("Bearer {TOKEN}"))).await;
    assert_eq!(scrape.status(), StatusCode::OK);
    for path in ["/healthz", "/readyz", "/metrics"] {
        let response = reqwest::get(format!("http://{admin}{path}")).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path} on the admin listener");
    }
    for path in ["/healthz", "/readyz"] {
        assert_eq!(reqwest::get(format!("{main}{path}")).await.unwrap().status(), StatusCode::OK, "{path}");
    }

    // A page request afterwards shows that access lines reach the log at all.
    let page = reqwest::get(format!("{main}/terms")).await.unwrap();
    let request_id = page.headers()["x-request-id"].to_str().unwrap().to_owned();
    server.wait_for_stderr(&request_id).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stderr = server.stderr();
    for path in ["/healthz", "/readyz", "/metrics"] {
        if let Some(line) = stderr.lines().find(|line| line.contains(&format!("path={path}}}"))) {
            panic!("a probe or scrape wrote an info log line: {line}");
        }
    }
}

/// The admin listener closes a connection that sends no request head within
/// the header read timeout, and one over its per-client cap at once, while
/// probes from elsewhere keep working.
#[tokio::test]
async fn admin_listener_closes_silent_and_surplus_connections() {
    use crate::limits::{FLOODER, time_until_closed};

    let app = spawn_app_with(|settings| {
        with_admin_listener(settings);
        settings.header_read_timeout_seconds = 1;
    })
    .await;
    let admin = app.admin_address.expect("the admin listener is bound");
    let connect = || async move {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind((FLOODER.parse::<std::net::IpAddr>().unwrap(), 0).into()).unwrap();
        socket.connect(admin).await.unwrap()
    };

    let mut silent = Vec::new();
    for _ in 0..8 {
        silent.push(connect().await);
    }
    let mut surplus = connect().await;
    let elapsed = time_until_closed(&mut surplus, Duration::from_secs(5)).await;
    let elapsed = elapsed.expect("a ninth connection from one client stayed open on the admin listener");
    assert!(elapsed < Duration::from_millis(500), "the ninth connection closed only after {elapsed:?}, not at once");
    assert_eq!(reqwest::get(format!("http://{admin}/healthz")).await.unwrap().status(), StatusCode::OK);

    for stream in &mut silent {
        let elapsed = time_until_closed(stream, Duration::from_secs(5)).await;
        let elapsed = elapsed.expect("a silent connection stayed open on the admin listener for five seconds");
        assert!(elapsed < Duration::from_secs(3), "closed after {elapsed:?}, long after the one-second timeout");
    }
    let response = reqwest::get(format!("http://{admin}/readyz")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "the admin listener stopped serving after closing connections");
}
