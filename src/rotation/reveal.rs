//! The app's one-time reveal of a new key: a random token handed out with the rotation's outcome (to the
//! window that ran it, nowhere else), honoured once, remembered across restarts (the journal keeps the
//! token's hash and whether it was used). The reveal command refuses anything else.

use super::account_of;
use super::journal::Journal;
use crate::context::Context;
use crate::vault::Vault;
use crate::{Error, Result, Secret};

/// A fresh token (256 random bits, hex), or None if the OS has no randomness to give.
pub(super) fn new_token() -> Option<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).ok()?;
    Some(b.iter().map(|x| format!("{x:02x}")).collect())
}

pub(super) fn hash(token: &str) -> String {
    blake3::hash(token.as_bytes()).to_hex().to_string()
}

/// The new key of the rotation `token` was issued for, once. The key is read before the token is spent
/// (a keychain error does not use it up), and the token is recorded as spent before the key is returned.
pub fn reveal(ctx: &Context, vault: &Vault, token: &str) -> Result<Secret> {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::InvalidInput("this is not a reveal token".into()));
    }
    let journal = Journal::new(&ctx.data_dir);
    let jio = |e: std::io::Error| Error::io(ctx.data_dir.join("journal"), e);
    let h = hash(token);
    let find = || -> Result<super::journal::Entry> {
        journal
            .all()
            .map_err(jio)?
            .into_iter()
            .find(|e| e.reveal_hash.as_deref() == Some(h.as_str()))
            .ok_or_else(|| {
                Error::InvalidInput(
                    "no rotation has this reveal token; the new key is in your OS keychain".into(),
                )
            })
    };
    // Under the rotation's lock (Finish and recovery save the same journal entry), read it again.
    let _lock = super::lock::RotationLock::acquire(&ctx.data_dir, &find()?.credential)?;
    let mut entry = find()?;
    if entry.revealed {
        return Err(Error::InvalidInput(
            "this key was already shown once; it is in your OS keychain".into(),
        ));
    }
    let secret = vault.get(&account_of(&entry))?;
    entry.revealed = true;
    journal.save(&entry).map_err(jio)?;
    Ok(secret)
}
