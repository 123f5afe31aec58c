//! One room of the load generator and the calls it runs: a host (the
//! provider) that stays connected, and one patient connection per call.

use std::time::Instant;

use anyhow::Context;

use crate::client::{self, Dialect, Endpoint, Target, Ws, micros_between};
use crate::setup::Account;
use crate::workload::CANDIDATES_PER_SIDE;

/// Figures of one finished call.
#[derive(Debug, Default)]
pub struct CallFigures {
    /// From the patient's TCP connect to both sides holding all of the
    /// other side's candidates, in microseconds.
    pub setup_micros: u64,
    /// Relay latency of each offer, answer and candidate, in microseconds.
    pub latencies: Vec<u64>,
}

/// The servers that providers and patients connect to, which may differ
/// when servers share rooms through a bus.
#[derive(Debug, Clone)]
pub struct Servers {
    pub target: Target,
    pub provider: Endpoint,
    pub patient: Endpoint,
}

pub struct Room {
    servers: Servers,
    index: usize,
    /// The visite provider account; `None` for the references.
    account: Option<Account>,
    host: Ws,
    calls: u64,
}

impl Room {
    /// Connects the room's host. For visite that is the provider's dashboard socket.
    pub async fn open(servers: &Servers, index: usize, account: Option<Account>, round: u64) -> anyhow::Result<Self> {
        let host = match servers.target {
            Target::Visite | Target::VisiteBus => {
                let account = account.as_ref().context("visite needs an accounts file")?;
                let path = format!("/r/{}/host", account.slug);
                let mut host = client::connect(&servers.provider, &path, Some(&account.token)).await?;
                client::receive(&mut host, "queue", &mut Vec::new()).await?;
                host
            }
            Target::Peerjs => {
                let path = format!("/peerjs?key=peerjs&id=host-{round}-{index}&token=bench");
                let mut host = client::connect(&servers.provider, &path, None).await?;
                client::receive(&mut host, "OPEN", &mut Vec::new()).await?;
                host
            }
            Target::Relay => client::connect(&servers.provider, &format!("/room-{round}-{index}/host"), None).await?,
        };
        Ok(Self { servers: servers.clone(), index, account, host, calls: 0 })
    }

    /// Runs one whole call and returns its figures.
    pub async fn call(&mut self, round: u64) -> anyhow::Result<CallFigures> {
        self.calls += 1;
        let dialect = Dialect { target: self.servers.target };
        let start = Instant::now();
        let (mut patient, patient_name) = self.open_patient(round).await?;
        let host_name = format!("host-{round}-{}", self.index);
        let host = &mut self.host;
        let target = self.servers.target;

        let host_side = async {
            let mut latencies = Vec::with_capacity(CANDIDATES_PER_SIDE + 1);
            if target.is_visite() {
                admit_waiting_patient(host).await?;
                client::receive(host, "call_started", &mut latencies).await?;
            }
            client::send(host, dialect.offer(&patient_name)).await?;
            client::receive(host, dialect.description_type(true), &mut latencies).await?;
            for index in 1..=CANDIDATES_PER_SIDE {
                client::send(host, dialect.candidate(&patient_name, index)).await?;
            }
            for _ in 0..CANDIDATES_PER_SIDE {
                client::receive(host, dialect.candidate_type(), &mut latencies).await?;
            }
            anyhow::Ok((latencies, Instant::now()))
        };
        let patient_side = async {
            let mut latencies = Vec::with_capacity(CANDIDATES_PER_SIDE + 1);
            if target.is_visite() {
                client::receive(&mut patient, "call_started", &mut latencies).await?;
            }
            client::receive(&mut patient, dialect.description_type(false), &mut latencies).await?;
            client::send(&mut patient, dialect.answer(&host_name)).await?;
            for index in 1..=CANDIDATES_PER_SIDE {
                client::send(&mut patient, dialect.candidate(&host_name, 100 + index)).await?;
            }
            for _ in 0..CANDIDATES_PER_SIDE {
                client::receive(&mut patient, dialect.candidate_type(), &mut latencies).await?;
            }
            anyhow::Ok((latencies, Instant::now()))
        };
        let ((mut latencies, host_done), (patient_latencies, patient_done)) = tokio::try_join!(host_side, patient_side)?;
        latencies.extend(patient_latencies);
        let setup_micros = micros_between(start, host_done.max(patient_done));

        self.hang_up(patient).await?;
        Ok(CallFigures { setup_micros, latencies })
    }

    /// Opens this call's patient connection; for visite the patient also checks in.
    /// Returns the socket and the name the host addresses the patient by.
    async fn open_patient(&self, round: u64) -> anyhow::Result<(Ws, String)> {
        let servers = &self.servers;
        match servers.target {
            Target::Visite | Target::VisiteBus => {
                let account = self.account.as_ref().context("visite needs an accounts file")?;
                let mut patient = client::connect(&servers.patient, &format!("/r/{}/ws", account.slug), None).await?;
                client::send(&mut patient, r#"{"type":"check_in","name":"Bench Patient"}"#.to_owned()).await?;
                Ok((patient, String::new()))
            }
            Target::Peerjs => {
                let name = format!("patient-{round}-{}-{}", self.index, self.calls);
                let path = format!("/peerjs?key=peerjs&id={name}&token=bench");
                let mut patient = client::connect(&servers.patient, &path, None).await?;
                client::receive(&mut patient, "OPEN", &mut Vec::new()).await?;
                Ok((patient, name))
            }
            Target::Relay => {
                let path = format!("/room-{round}-{}/guest", self.index);
                let mut patient = client::connect(&servers.patient, &path, None).await?;
                // The relay sends the bare text `paired`, which `receive` does not match.
                let _ = futures_util::StreamExt::next(&mut patient).await;
                Ok((patient, String::new()))
            }
        }
    }

    /// Ends the call: visite's provider hangs up and the server closes the
    /// patient's socket; for the references the patient closes its socket.
    async fn hang_up(&mut self, mut patient: Ws) -> anyhow::Result<()> {
        match self.servers.target {
            Target::Visite | Target::VisiteBus => {
                client::send(&mut self.host, r#"{"type":"hang_up"}"#.to_owned()).await?;
                client::receive(&mut patient, "call_ended", &mut Vec::new()).await?;
                client::await_close(&mut patient).await;
                client::receive(&mut self.host, "call_ended", &mut Vec::new()).await?;
            }
            Target::Peerjs | Target::Relay => {
                patient.close(None).await?;
                client::await_close(&mut patient).await;
            }
        }
        Ok(())
    }
}

/// Waits for a queue with a waiting patient and admits the first one.
async fn admit_waiting_patient(host: &mut Ws) -> anyhow::Result<()> {
    loop {
        let text = client::receive(host, "queue", &mut Vec::new()).await?;
        let queue: serde_json::Value = serde_json::from_str(&text)?;
        if let Some(patient) = queue["patients"].get(0) {
            let admit = serde_json::json!({"type": "admit", "patient": patient["id"]});
            return client::send(host, admit.to_string()).await;
        }
    }
}
