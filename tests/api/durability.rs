//! Account writes survive a crash: the real binary is killed with SIGKILL
//! while signups are in flight.
//!
//! NOTE: a killed process leaves its written pages in the OS page cache, so
//! this test proves that signups are acknowledged only after their commit and
//! that the database stays intact, not that `synchronous = FULL` survives a
//! power cut.

use std::str::FromStr;
use std::sync::{Arc, Mutex};

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Row};

use crate::process::ServerProcess;

/// Signups started in all. The server allows 20 signups and logins per
/// minute from one client address, so every one of them gets through.
const SIGNUPS: usize = 20;
/// Signups in flight at once.
const CONCURRENCY: usize = 4;
/// Acknowledged signups after which the server is killed.
const KILL_AFTER: usize = 10;

#[tokio::test]
async fn sigkill_during_signups_loses_no_acknowledged_account() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let mut server = ServerProcess::start(&data_dir, &[]);
    let origin = format!("http://127.0.0.1:{}", server.port);

    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    for number in 0..SIGNUPS {
        let (origin, acknowledged, done_tx, semaphore) =
            (origin.clone(), acknowledged.clone(), done_tx.clone(), semaphore.clone());
        tokio::spawn(async move {
            let _permit = semaphore.acquire_owned().await.unwrap();
            let email = format!("durable-{number}@praxis.example");
            let form = [
                ("name", "Dr. Erika Muster"),
                ("practice_name", "Praxis Muster"),
                ("email", email.as_str()),
                ("slug", &format!("durable-{number}")),
                ("password", "correct horse battery staple"),
            ];
            let response = reqwest::Client::new().post(format!("{origin}/signup")).form(&form).send().await;
            // A response with status 200 is the acknowledgement that the account exists.
            if let Ok(response) = response
                && response.status() == 200
            {
                acknowledged.lock().unwrap().push(email);
            }
            let _ = done_tx.send(());
        });
    }
    drop(done_tx);

    while acknowledged.lock().unwrap().len() < KILL_AFTER {
        done_rx.recv().await.expect("the server stopped acknowledging signups before it was killed");
    }
    server.kill();
    while done_rx.recv().await.is_some() {}
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() < SIGNUPS, "every signup finished before the kill, so the test proved nothing");

    let options = SqliteConnectOptions::from_str("sqlite://").unwrap().filename(data_dir.join("visite.db"));
    let mut database = options.connect().await.unwrap();
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut database).await.unwrap();
    assert_eq!(integrity, "ok");
    let rows = sqlx::query("SELECT email FROM providers").fetch_all(&mut database).await.unwrap();
    let stored: Vec<String> = rows.iter().map(|row| row.get("email")).collect();
    for email in &acknowledged {
        assert!(stored.contains(email), "acknowledged signup {email} is missing after the crash");
    }
}
