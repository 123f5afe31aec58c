//! The server sends its mails through a real SMTP server process.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::*;

/// aiosmtpd from Debian, storing every message in a Maildir; killed on drop.
struct SmtpServer {
    child: Child,
    port: u16,
    maildir: tempfile::TempDir,
}

impl SmtpServer {
    async fn start() -> SmtpServer {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let maildir = tempfile::tempdir().unwrap();
        for folder in ["cur", "new", "tmp"] {
            std::fs::create_dir(maildir.path().join(folder)).unwrap();
        }
        let child = Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3-aiosmtpd is installed (scripts/test installs it)");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return SmtpServer { child, port, maildir };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("aiosmtpd did not start on port {port}");
    }

    /// Every delivered message, as raw text.
    fn messages(&self) -> Vec<String> {
        let new: PathBuf = self.maildir.path().join("new");
        std::fs::read_dir(new)
            .unwrap()
            .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap().replace("\r\n", "\n").replace('\n', "\r\n"))
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn verification_mail_goes_through_smtp() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|settings| {
        settings.smtp_url = Some(format!("smtp://127.0.0.1:{}", smtp.port));
        settings.mail_from = "Praxis Muster <video@praxis.example>".into();
    })
    .await;
    let signup = Signup::new("praxis-muster");
    let mut client = app.client();
    assert_eq!(client.post_form("/signup?lang=de", &[
        ("name", &signup.name),
        ("practice_name", &signup.practice_name),
        ("email", &signup.email),
        ("slug", &signup.slug),
        ("password", &signup.password),
    ]).await.status(), StatusCode::OK);

    let mut delivered = Vec::new();
    for _ in 0..100 {
        delivered = smtp.messages();
        if !delivered.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(delivered.len(), 1, "one verification mail expected");
    assert!(app.mails().is_empty(), "the mail went to the outbox despite SMTP");

    let mail = parse_mail(&delivered[0]);
    assert!(mail.to.contains(&signup.email));
    assert!(mail.body.contains("Guten Tag"), "the mail is not in the provider's language");
    let link = mail.link("/verify-email").expect("no verification link in the mail");
    let (status, _) = client.follow_link(&link).await;
    assert_eq!(status, StatusCode::OK);
    let response = client.login(&signup.email, &signup.password).await;
    assert_eq!(response.headers()["location"], "/account/setup", "the address was not verified");
}
