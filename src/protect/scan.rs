//! The engine's scan: the configs' scan (`crate::scan`) joined with what Rekey knows above it: protected
//! usages under the key their reference holds (the protect index), each key's id for life (the key
//! registry), and protected entries whose `rekey` is gone. An inherent method of `Context`, defined here
//! beside the index it joins so that `context.rs` needs nothing above the scan.

use crate::context::Context;
use crate::scan::{self, fingerprint::Fingerprinter, ScanOptions, ScanReport};
use crate::{Error, Result};

impl Context {
    /// Protected entries whose `rekey` is gone ([`super::bin::stale_entries`]), for `rekey doctor`:
    /// a scan that writes nothing (no fingerprint key is created; credential ids are not needed here).
    pub fn stale_rekey(&self) -> Vec<crate::scan::StaleRekey> {
        super::bin::stale_entries(&scan::scan(&ScanOptions {
            env: self.env.clone(),
            project_folders: self.settings.project_folders.clone(),
            fingerprinter: Fingerprinter::with_key([0; 32]),
        }))
    }

    /// Scan every client's configs, joined with the protect index and the key registry.
    pub fn scan(&self) -> Result<ScanReport> {
        let fingerprinter = Fingerprinter::load_or_create(&self.data_dir)
            .map_err(|e| Error::io(&self.data_dir, e))?;
        let mut report = scan::scan_with(
            &ScanOptions {
                env: self.env.clone(),
                project_folders: self.settings.project_folders.clone(),
                fingerprinter,
            },
            Some(&self.scan_cache),
        );
        report.stale_rekey = super::bin::stale_entries(&report);
        // Protected usages (`rekey://<id>`) are reported under the credential their reference holds.
        let index = super::index::Index::new(&self.data_dir)
            .all()
            .map_err(|e| Error::io(self.data_dir.join("protected.json"), e))?;
        if !index.is_empty() {
            super::index::attach(&mut report, &index);
        }
        self.attach_keys(&mut report);
        Ok(report)
    }

    /// Where git stands on every usage and key of `report` ([`crate::exposure`]), histories read until
    /// `deadline`; a key found committed or pushed stays so until its value changes (protected since, its
    /// file cleaned: `ScanReport::remember_exposure`).
    pub fn assess_exposure(
        &self,
        report: &mut ScanReport,
        deadline: std::time::Instant,
    ) -> scan::ExposureStats {
        let stats = report.assess_exposure(&[], deadline);
        report.remember_exposure(&self.data_dir);
        stats
    }

    /// Give every credential of `report` its key's id for life (new keys get one now), its name, and
    /// whether its value is one the key had before (rotated or replaced away). A registry that cannot be
    /// read or written leaves the ids out (the fingerprints still work) rather than failing the scan.
    fn attach_keys(&self, report: &mut ScanReport) {
        let keys = crate::change::keys::Keys::new(&self.data_dir);
        let creds: Vec<(String, Option<&str>)> = report
            .credentials
            .iter()
            .map(|c| (c.id.clone(), c.provider))
            .collect();
        let (Ok(map), Ok(all)) = (keys.assign(&creds), keys.all()) else {
            return;
        };
        for c in report.credentials.iter_mut() {
            let Some(id) = map.get(&c.id) else { continue };
            if let Some(k) = all.get(id) {
                c.name = k.name.clone();
                c.superseded = k.current() != Some(c.id.as_str());
            }
            c.key = Some(id.clone());
        }
    }

    /// The id for life of the key `what` names (a key id or a credential id, as `resolve` takes them);
    /// a credential the registry does not know yet is looked for in a scan (which gives it an id).
    pub fn key_id(&self, what: &str) -> Result<String> {
        let keys = crate::change::keys::Keys::new(&self.data_dir);
        if let Ok(Some(r)) = keys.resolve(what) {
            return Ok(r.key);
        }
        let report = self.scan()?;
        report
            .credentials
            .iter()
            .find(|c| c.id == what)
            .and_then(|c| c.key.clone())
            .ok_or_else(|| Error::UnknownCredential(what.to_string()))
    }

    /// What a key named on the command line or by the app is now: a key id for life, an older
    /// credential id of the key (after a rotation), or a credential id as `rekey scan` prints it. Gives
    /// the credential id of the key's value now; a name the registry does not know is returned as it is
    /// (the operation then says it knows no such credential).
    ///
    /// An older credential id of a key names the key's value now only when no config holds that older
    /// value: a value restored from a backup is listed under its own id by the scan, and that id names
    /// that value (the dead one), never the key's current value.
    pub fn resolve(&self, what: &str) -> String {
        match crate::change::keys::Keys::new(&self.data_dir).resolve(what) {
            Ok(Some(r)) if r.credential != what && what.starts_with("cred_") => {
                let held = self
                    .scan()
                    .is_ok_and(|rep| rep.credentials.iter().any(|c| c.id == what));
                if held {
                    what.to_string()
                } else {
                    r.credential
                }
            }
            Ok(Some(r)) => r.credential,
            _ => what.to_string(),
        }
    }
}
