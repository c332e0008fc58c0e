//! Credential ids: a keyed fingerprint (HMAC-SHA256 with a per-install key), never the value or a
//! plain hash of it, so an id in a log or a screenshot cannot be checked against a guessed key.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::Path;

pub struct Fingerprinter {
    key: zeroize::Zeroizing<Vec<u8>>,
}

impl Fingerprinter {
    /// Load the per-install key from `data_dir/fingerprint.key` (0600), creating it on first use.
    pub fn load_or_create(data_dir: &Path) -> std::io::Result<Self> {
        let path = data_dir.join("fingerprint.key");
        match std::fs::read(&path) {
            Ok(key) if key.len() == 32 => return Ok(Fingerprinter { key: key.into() }),
            Ok(_) => {
                return Err(std::io::Error::other(format!(
                    "{} is damaged (expected 32 bytes)",
                    path.display()
                )))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        crate::paths::ensure_private_dir(data_dir)?;
        let mut key = vec![0u8; 32];
        getrandom::fill(&mut key).map_err(|e| std::io::Error::other(e.to_string()))?;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        use std::io::Write;
        match opts.open(&path) {
            Ok(mut f) => {
                f.write_all(&key)?;
                f.sync_all()?;
                Ok(Fingerprinter { key: key.into() })
            }
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Self::load_or_create(data_dir)
            }
            Err(e) => Err(e),
        }
    }

    /// A fixed key, for tests and benchmarks.
    pub fn with_key(key: [u8; 32]) -> Self {
        Fingerprinter {
            key: key.to_vec().into(),
        }
    }

    /// `cred_` + 12 hex digits of HMAC-SHA256(key, value).
    pub fn id(&self, value: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(value.as_bytes());
        let out = mac.finalize().into_bytes();
        let hex: String = out[..6].iter().map(|b| format!("{b:02x}")).collect();
        format!("cred_{hex}")
    }
}
