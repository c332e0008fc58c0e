//! "Add a server" creates a missing config through a private temp file: the new file (it holds a token)
//! is never readable by others, not while it is written and not as a killed run's leftover. Its own test
//! binary, because it steers the write with the process-wide test-hook variables.
#![cfg(unix)] // file modes: Unix permissions
use rekey::clients::{ClientId, Format};
use rekey::edit::backup::Backups;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

#[test]
fn a_new_config_is_written_through_a_private_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let pause = tempfile::tempdir().unwrap();
    // Set before any other thread of this binary runs (it has only this test).
    std::env::set_var("REKEY_TEST_PAUSE_AFTER", "add-temp-write");
    std::env::set_var("REKEY_TEST_PAUSE_DIR", pause.path());
    let config = dir.path().join("cursor/mcp.json");
    let backups = Backups::new(dir.path().join("backups"));
    let writer = {
        let config = config.clone();
        std::thread::spawn(move || {
            rekey::edit::add::add_server(
                &config,
                ClientId::Cursor,
                Format::Jsonc,
                "ap",
                "https://cloud.activepieces.com/api/v1/mcp/tok3n/sse",
                &backups,
            )
        })
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !pause.path().join("paused").exists() {
        assert!(!writer.is_finished(), "the write never paused");
        assert!(Instant::now() < deadline, "the write never paused");
        std::thread::sleep(Duration::from_millis(10));
    }
    let temps: Vec<_> = std::fs::read_dir(config.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(temps.len(), 1, "only the temp file exists yet: {temps:?}");
    assert!(std::fs::read_to_string(&temps[0])
        .unwrap()
        .contains("tok3n"));
    assert_eq!(
        std::fs::metadata(&temps[0]).unwrap().permissions().mode() & 0o777,
        0o600
    );
    std::fs::write(pause.path().join("resume"), "").unwrap();
    writer.join().unwrap().unwrap();
    assert_eq!(
        std::fs::metadata(&config).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(!temps[0].exists());
}
