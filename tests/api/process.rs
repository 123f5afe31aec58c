//! The real `visite` binary as a child process on a free loopback port, for
//! tests that send it signals.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the binary gets to print its ready line.
const START_TIMEOUT: Duration = Duration::from_secs(30);

pub struct ServerProcess {
    child: Child,
    pub port: u16,
    /// Everything the process wrote to stderr so far.
    stderr: Arc<Mutex<String>>,
}

impl ServerProcess {
    /// Starts `visite serve` on 127.0.0.1 with an OS-chosen port, the given
    /// data folder and extra flags, and waits until it accepts connections.
    pub fn start(data_dir: &std::path::Path, flags: &[&std::ffi::OsStr]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_visite"))
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(data_dir)
            .args(flags)
            .env("VISITE_LOG", "info")
            .env_remove("VISITE_CONFIG")
            .env_remove("VISITE_LOG_FORMAT")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the visite binary starts");

        let stderr = Arc::new(Mutex::new(String::new()));
        let lines = BufReader::new(child.stderr.take().unwrap());
        let collected = stderr.clone();
        std::thread::spawn(move || {
            for line in lines.lines().map_while(Result::ok) {
                let mut text = collected.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        });

        let started = Instant::now();
        let port = loop {
            if let Some(port) = ready_port(&stderr.lock().unwrap()) {
                break port;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("visite exited with {status} before it was ready:\n{}", stderr.lock().unwrap());
            }
            assert!(started.elapsed() < START_TIMEOUT, "visite was not ready in time:\n{}", stderr.lock().unwrap());
            std::thread::sleep(Duration::from_millis(50));
        };
        Self { child, port, stderr }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Sends a signal by name, such as `HUP` or `KILL`, with the kill command.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill").arg(format!("-{name}")).arg(self.pid().to_string()).status().unwrap();
        assert!(status.success(), "kill -{name} {} failed", self.pid());
    }

    /// Waits until stderr contains `text`, for log lines written after a signal.
    pub async fn wait_for_stderr(&self, text: &str) {
        let started = Instant::now();
        while !self.stderr().contains(text) {
            assert!(started.elapsed() < Duration::from_secs(10), "no {text:?} in the log:\n{}", self.stderr());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Kills the process at once, as a power cut or the OOM killer would.
    pub fn kill(&mut self) {
        self.signal("KILL");
        self.child.wait().unwrap();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Parses the port from the line `visite is ready: open http://localhost:PORT/ …`.
fn ready_port(stderr: &str) -> Option<u16> {
    let line = stderr.lines().find(|line| line.starts_with("visite is ready: open "))?;
    let origin = line.trim_start_matches("visite is ready: open ").split('/').take(3).collect::<Vec<_>>().join("/");
    origin.rsplit(':').next()?.parse().ok()
}
