//! `visite admin`: account tasks for the operator of an installation.
//!
//! The commands open the database next to a running server, as `visite
//! backup` does: SQLite in WAL mode lets both processes write, and the
//! server's data-folder lock only keeps `visite restore` away. The server
//! learns of a disabled account or a removed second factor through its room
//! check, which closes that provider's live room within a few seconds.

use std::fmt::Write as _;

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

use crate::core::validate::Slug;
use crate::http::{check_text, collapse, is_plausible_email, new_token, rfc3339, slug_error_key};
use crate::i18n::{Lang, Tr};
use crate::mail::{Email, Mailer};
use crate::store::{AccountSummary, NewProvider, Provider, SecurityEvent, Store, TokenPurpose, UniqueViolation, WriteError, unix_now};

/// How long the link in the mail of a newly created account works. It is
/// longer than a password reset link because the provider may read the
/// mail days later.
pub const WELCOME_LINK_SECONDS: i64 = 7 * 24 * 60 * 60;

/// The store, mailer and link origin that the commands use.
pub struct Admin {
    pub store: Store,
    pub mailer: Mailer,
    /// The origin of links in mails, such as `https://video.praxis.example`.
    pub link_origin: String,
}

/// The details of `visite admin create`.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: String,
    pub name: String,
    pub practice_name: String,
    pub slug: String,
    /// Language of the account's mails: `de` or `en`.
    pub locale: String,
}

/// The destination of a command's mail, for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Sent to the SMTP relay.
    Smtp,
    /// Written as an `.eml` file to this folder because no SMTP relay is
    /// configured. The link is returned as well, so the operator can pass it on.
    Outbox { folder: std::path::PathBuf, link: Option<String> },
}

impl Admin {
    /// Format every account as a tab-separated table with a header line.
    /// It contains no password hash, factor secret or token.
    pub async fn list(&self) -> anyhow::Result<String> {
        let accounts = self.store.list_accounts().await.context("cannot read the accounts")?;
        let mut table = String::from("email\tslug\tname\tpractice\tverified\tsecond_factors\tdisabled\tcreated\n");
        for account in &accounts {
            let _ = writeln!(
                table,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                account.email,
                account.slug,
                account.name,
                account.practice_name,
                yes_no(account.email_verified_at.is_some()),
                factor_kinds(account),
                account.disabled_at.map_or_else(|| "no".to_owned(), rfc3339),
                rfc3339(account.created_at),
            );
        }
        Ok(table)
    }

    /// Create a verified account without a usable password and mail its
    /// owner a link to choose one. The next login then leads to the
    /// enrolment of a second factor, as after a signup.
    pub async fn create(&self, account: &NewAccount) -> anyhow::Result<Delivery> {
        let email = account.email.trim().to_lowercase();
        let name = collapse(&account.name);
        let practice_name = collapse(&account.practice_name);
        let slug = account.slug.trim().to_lowercase();
        let lang = Lang::from_code(&account.locale)
            .with_context(|| format!("invalid language {:?}: use de or en", account.locale))?;
        check_new_account(&email, &name, &practice_name, &slug)?;

        // The password is random and never stored or shown, so the account opens
        // only through the mailed link.
        let mut random = [0u8; 32];
        rand::rng().fill_bytes(&mut random);
        let password_hash = crate::password::hash(URL_SAFE_NO_PAD.encode(random)).await?;
        let new = NewProvider { email: &email, name: &name, practice_name: &practice_name, slug: &slug, password_hash: &password_hash, locale: lang.code() };
        let id = match self.store.create_provider(new).await {
            Ok(id) => id,
            Err(WriteError::Taken(UniqueViolation::Email)) => bail!("an account with the email address {email} already exists"),
            Err(WriteError::Taken(UniqueViolation::Slug)) => bail!("the room link {slug} is already taken or reserved: choose another --slug"),
            Err(WriteError::Database(error)) => return Err(error).context("cannot create the account"),
        };
        let now = unix_now();
        self.store.mark_email_verified(id, now).await?;
        self.store.record_security_event(id, SecurityEvent::CreatedByOperator, "", now).await?;
        tracing::info!(provider = id.0, "account created by the operator");

        let (token, hash) = new_token();
        self.store.create_email_token(&hash, id, TokenPurpose::Reset, now, now + WELCOME_LINK_SECONDS).await?;
        let link = format!("{}/password/reset?token={token}", self.link_origin);
        let args = [("link", link.clone()), ("room", format!("{}/r/{slug}", self.link_origin))];
        self.send(&email, Tr::new(lang), "admin-created", &args, Some(link)).await
    }

    /// Disable an account: its login fails, its sessions end now, and a
    /// running server closes its room within a few seconds. Returns how many
    /// sessions ended.
    pub async fn disable(&self, email: &str) -> anyhow::Result<u64> {
        let provider = self.provider(email).await?;
        if provider.disabled_at.is_some() {
            bail!("the account {} is already disabled", provider.email);
        }
        let now = unix_now();
        let ended = self.store.disable_provider(provider.id, now).await?;
        self.store.record_security_event(provider.id, SecurityEvent::AccountDisabled, "", now).await?;
        tracing::warn!(provider = provider.id.0, sessions_ended = ended, "account disabled by the operator");
        Ok(ended)
    }

    pub async fn enable(&self, email: &str) -> anyhow::Result<()> {
        let provider = self.provider(email).await?;
        if provider.disabled_at.is_none() {
            bail!("the account {} is not disabled", provider.email);
        }
        self.store.enable_provider(provider.id).await?;
        self.store.record_security_event(provider.id, SecurityEvent::AccountEnabled, "", unix_now()).await?;
        tracing::info!(provider = provider.id.0, "account enabled by the operator");
        Ok(())
    }

    /// Remove every second factor of an account and end its sessions, after
    /// a person has checked the provider's identity, and mail the provider
    /// a notice. The next login leads to the enrolment of a new factor.
    pub async fn reset_second_factor(&self, email: &str) -> anyhow::Result<(crate::store::RemovedFactors, Delivery)> {
        let provider = self.provider(email).await?;
        let removed = self.store.remove_second_factors(provider.id).await?;
        let now = unix_now();
        self.store.record_security_event(provider.id, SecurityEvent::SecondFactorReset, "", now).await?;
        tracing::warn!(provider = provider.id.0, sessions_ended = removed.sessions, "second factor reset by the operator");

        let tr = Tr::new(Lang::from_code(&provider.locale).unwrap_or(Lang::En));
        let args = [("link", format!("{}/login", self.link_origin))];
        let delivery = self.send(&provider.email, tr, "factor-reset", &args, None).await?;
        Ok((removed, delivery))
    }

    async fn provider(&self, email: &str) -> anyhow::Result<Provider> {
        let email = email.trim().to_lowercase();
        self.store
            .provider_by_email(&email)
            .await?
            .with_context(|| format!("no account has the email address {email}: see `visite admin list`"))
    }

    /// Send the mail `mail-{key}-subject` and `mail-{key}-body`, and return
    /// where it went. `link` is handed back in outbox mode only.
    async fn send(&self, to: &str, tr: Tr, key: &str, args: &[(&'static str, String)], link: Option<String>) -> anyhow::Result<Delivery> {
        let email = Email {
            to: to.to_owned(),
            subject: tr.t(&format!("mail-{key}-subject")),
            text: tr.with_args(&format!("mail-{key}-body"), args),
        };
        self.mailer.send(email).await.context("cannot send the mail")?;
        Ok(match self.mailer.outbox_dir() {
            Some(folder) => Delivery::Outbox { folder, link },
            None => Delivery::Smtp,
        })
    }
}

/// Check the details of a new account as the signup form does, with the
/// English error text.
fn check_new_account(email: &str, name: &str, practice_name: &str, slug: &str) -> anyhow::Result<()> {
    let tr = Tr::new(Lang::En);
    if !is_plausible_email(email) {
        bail!("invalid --email {email:?}: {}", tr.t("email-invalid"));
    }
    if let Some(key) = check_text(name, "name") {
        bail!("invalid --name: {}", tr.t(key));
    }
    if let Some(key) = check_text(practice_name, "practice-name") {
        bail!("invalid --practice: {}", tr.t(key));
    }
    if let Err(error) = Slug::parse(slug) {
        bail!("invalid --slug {slug:?}: {}", tr.t(slug_error_key(error)));
    }
    Ok(())
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

/// Formats the kinds of second factor an account has, such as `totp,passkeys(2),recovery_codes(10)`, or `none`.
fn factor_kinds(account: &AccountSummary) -> String {
    let mut kinds = Vec::new();
    if account.totp {
        kinds.push("totp".to_owned());
    }
    if account.passkeys > 0 {
        kinds.push(format!("passkeys({})", account.passkeys));
    }
    if account.recovery_codes > 0 {
        kinds.push(format!("recovery_codes({})", account.recovery_codes));
    }
    if kinds.is_empty() { "none".to_owned() } else { kinds.join(",") }
}
