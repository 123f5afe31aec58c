//! Creates benchmark provider accounts in a fresh data folder with visite's
//! own store API, before the server starts. Each account is verified and has
//! an authenticator app enrolled, so its room is open. Each also has a session
//! at the full stage, whose cookie the load generator sends.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use visite::store::{NewProvider, SessionStage, Store, unix_now};

/// Name of visite's session cookie (`__Host-` prefixed, see src/http/session.rs).
pub const SESSION_COOKIE: &str = "__Host-visite-session";

/// Writes one line per room to `accounts`: the room's slug and the provider's
/// session token.
pub async fn create_accounts(data_dir: &Path, database_url: Option<&str>, rooms: usize, accounts: &Path) -> anyhow::Result<()> {
    let database = database_url.map(visite::store::DatabaseUrl::parse).transpose()?;
    let store = Store::connect(database.as_ref(), data_dir).await?;
    // One real Argon2id hash for all accounts, because the benchmark never logs in with a password.
    let password_hash = visite::password::hash("bench password not used for login".into()).await?;
    let now = unix_now();
    let mut lines = String::new();

    for room in 0..rooms {
        let slug = room_slug(room);
        let email = format!("{slug}@bench.invalid");
        let provider = store
            .create_provider(NewProvider {
                email: &email,
                name: "Bench Provider",
                practice_name: "Bench Practice",
                slug: &slug,
                password_hash: &password_hash,
                locale: "en",
            })
            .await
            .map_err(|error| anyhow::anyhow!("cannot create provider {slug}: {error:?}"))?;
        store.mark_email_verified(provider, now).await?;

        let mut totp_secret = [0u8; 20];
        rand::rng().fill_bytes(&mut totp_secret);
        store.enrol_totp(provider, &totp_secret, 0, &[], now).await?;

        let mut token_bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut token_bytes);
        let token = URL_SAFE_NO_PAD.encode(token_bytes);
        let token_hash = Sha256::digest(token.as_bytes()).to_vec();
        store.create_session(&token_hash, provider, SessionStage::Full, "visite-bench", now).await?;
        lines.push_str(&format!("{slug} {token}\n"));
    }
    store.close().await;

    let mut file = std::fs::File::create(accounts).with_context(|| format!("cannot create {}", accounts.display()))?;
    file.write_all(lines.as_bytes())?;
    Ok(())
}

/// Returns the slug of benchmark room `room`.
pub fn room_slug(room: usize) -> String {
    format!("bench-room-{room}")
}

/// One room's slug and provider session token, as `create_accounts` wrote them.
#[derive(Debug, Clone)]
pub struct Account {
    pub slug: String,
    pub token: String,
}

/// Reads the accounts file that `create_accounts` wrote.
pub fn read_accounts(path: &Path) -> anyhow::Result<Vec<Account>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read accounts file {}", path.display()))?;
    text.lines()
        .map(|line| {
            let (slug, token) = line.split_once(' ').with_context(|| format!("invalid line in {}: {line:?}", path.display()))?;
            Ok(Account { slug: slug.to_owned(), token: token.to_owned() })
        })
        .collect()
}
