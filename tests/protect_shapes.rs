//! Protect in the clients whose entries are shaped differently, through the `rekey` CLI and the real
//! Secret Service: Goose (`extensions`, `cmd`/`args`/`envs`, YAML), Continue (a YAML list of entries found by
//! `name`) and Zed's older `command` object (`path`/`args`/`env`). Each server, started exactly as its
//! client would start it from the rewritten file, receives the real key through `rekey exec`; Unprotect
//! puts every file back byte for byte.
mod common;
use common::fixture::*;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const GOOSE: &str = "config/goose/config.yaml";
const CONTINUE: &str = "home/.continue/config.yaml";
const ZED: &str = "config/zed/settings.json";

/// `sh -c` that writes the sha256 of `$BITSCALE_API_KEY` to `out/<name>`.
fn script(home: &TempHome, name: &str) -> (String, String) {
    let out = home.dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    (
        "printf %s \"$BITSCALE_API_KEY\" | sha256sum > \"$0\"".into(),
        out.join(name).display().to_string(),
    )
}

fn configs(home: &TempHome, key: &str) -> [PathBuf; 3] {
    let (g, go) = script(home, "goose");
    let (c, co) = script(home, "continue");
    let (z, zo) = script(home, "zed");
    [
        home.write(
            GOOSE,
            &format!("# goose\nextensions:\n  bitscale:\n    type: stdio\n    enabled: true\n    cmd: sh # shell\n    args:\n      - -c\n      - '{g}'\n      - {go}\n    envs:\n      BITSCALE_API_KEY: {key}\n    timeout: 300\n"),
        ),
        home.write(
            CONTINUE,
            &format!("name: Local\r\nversion: 1.0.0\r\nschema: v1\r\nmcpServers:\r\n  - name: bitscale\r\n    command: sh\r\n    args: [-c, '{c}', \"{co}\"]\r\n    env:\r\n      BITSCALE_API_KEY: \"{key}\"\r\n"),
        ),
        home.write(
            ZED,
            &format!("// Zed settings\n{{\n  \"theme\": \"One Dark\",\n  \"context_servers\": {{\n    \"bitscale\": {{\n      \"command\": {{\n        \"path\": \"sh\",\n        \"args\": [\"-c\", {}, \"{zo}\"],\n        \"env\": {{ \"BITSCALE_API_KEY\": \"{key}\" }}\n      }}\n    }}\n  }}\n}}\n", serde_json::to_string(&z).unwrap()),
        ),
    ]
}

/// Start a server from its program, arguments and environment, as a client does.
fn start(home: &TempHome, program: &str, args: &[String], env: &[(String, String)]) {
    let mut cmd = Command::new(program);
    home.apply(&mut cmd);
    cmd.args(args).envs(env.iter().cloned());
    let o = cmd.output().unwrap();
    assert!(
        o.status.success(),
        "{program}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn strings(v: &serde_norway::Value) -> Vec<String> {
    v.as_sequence()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

fn pairs(v: &serde_norway::Value) -> Vec<(String, String)> {
    v.as_mapping()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().into(), v.as_str().unwrap().into()))
        .collect()
}

fn start_all(home: &TempHome, files: &[PathBuf; 3]) {
    let goose: serde_norway::Value = serde_norway::from_str(&read(&files[0])).unwrap();
    let g = &goose["extensions"]["bitscale"];
    start(
        home,
        g["cmd"].as_str().unwrap(),
        &strings(&g["args"]),
        &pairs(&g["envs"]),
    );
    let cont: serde_norway::Value = serde_norway::from_str(&read(&files[1])).unwrap();
    let c = &cont["mcpServers"][0];
    start(
        home,
        c["command"].as_str().unwrap(),
        &strings(&c["args"]),
        &pairs(&c["env"]),
    );
    let zed = read(&files[2]);
    let zed: Value = serde_json::from_str(zed.split_once('\n').unwrap().1).unwrap();
    let z = &zed["context_servers"]["bitscale"]["command"];
    let args: Vec<String> = z["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().into())
        .collect();
    let env: Vec<(String, String)> = z["env"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().into()))
        .collect();
    start(home, z["path"].as_str().unwrap(), &args, &env);
}

fn sha(s: &str) -> String {
    use sha2::Digest;
    let h: String = sha2::Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{h}  -\n")
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn goose_continue_and_zed_object_entries_are_protected_and_come_back() {
    require_keyring();
    let home = TempHome::new();
    let key = "bs_live_shapes_0123456789abcdef";
    let files = configs(&home, key);
    let before: Vec<String> = files.iter().map(|p| read(p)).collect();
    let cred = credential_of(&home, &key[..4]);
    let plan: Value =
        serde_json::from_str(&ok(&run(&home, &["protect", &cred, "--json"], "", &[]))).unwrap();
    assert_eq!(plan["files"].as_array().unwrap().len(), 3, "{plan}");
    assert!(plan["cannot"].as_array().unwrap().is_empty(), "{plan}");

    let out = ok(&run(&home, &["protect", &cred, "--yes"], "", &[]));
    assert!(!out.contains(key), "{out}");
    let bin = env!("CARGO_BIN_EXE_rekey");
    for p in &files {
        let text = read(p);
        assert!(
            !text.contains(key) && text.contains("rekey://") && text.contains(bin),
            "{text}"
        );
    }
    assert!(read(&files[0]).contains("    cmd: \"") && read(&files[0]).contains("# shell"));
    assert_eq!(
        read(&files[1]).matches("\r\n").count(),
        before[1].matches("\r\n").count()
    );
    start_all(&home, &files);
    for which in ["goose", "continue", "zed"] {
        let got = std::fs::read_to_string(home.dir.path().join("out").join(which)).unwrap();
        assert_eq!(got, sha(key), "{which}");
    }

    ok(&run(&home, &["unprotect", &cred, "--yes"], "", &[]));
    for (p, b) in files.iter().zip(&before) {
        assert_eq!(&read(p), b, "{}", p.display());
    }
}
