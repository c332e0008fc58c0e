//! Writes one config file for every supported client into the home that `HOME`/`XDG_CONFIG_HOME`/`APPDATA`
//! point at (each client's first per-user location on this OS), each with a local server holding KEY in
//! `env` and `--api-key=`, and a remote server holding it in a Bearer header, in the client's own format and
//! server root. Used by `bench/run.sh config` for the "every client installed" scan.
//!
//! Usage: HOME=… XDG_CONFIG_HOME=… cargo run --release --example bench_home -- KEY

use rekey::clients::{self, Env, Format};
use serde_json::{json, Map, Value};

fn servers(key: &str) -> Value {
    json!({
        "local": {
            "command": "npx",
            "args": ["-y", "example-mcp", format!("--api-key={key}")],
            "env": { "EXAMPLE_API_KEY": key }
        },
        "remote": {
            "url": "https://mcp.example.com/mcp",
            "headers": { "Authorization": format!("Bearer {key}") }
        }
    })
}

/// `value` nested under the root's keys.
fn nest(root: &[&str], value: Value) -> Value {
    root.iter().rev().fold(value, |v, k| {
        let mut m = Map::new();
        m.insert((*k).to_string(), v);
        Value::Object(m)
    })
}

fn yaml(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match v {
                    Value::Object(_) | Value::Array(_) => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        yaml(v, indent + 2, out);
                    }
                    _ => out.push_str(&format!("{pad}{k}: {v}\n")),
                }
            }
        }
        Value::Array(a) => {
            for v in a {
                out.push_str(&format!("{pad}- {v}\n"));
            }
        }
        _ => out.push_str(&format!("{pad}{v}\n")),
    }
}

fn toml(root: &[&str], servers: &Value) -> String {
    let mut out = String::new();
    let prefix = root.join(".");
    for (name, entry) in servers.as_object().into_iter().flatten() {
        out.push_str(&format!("[{prefix}.{name}]\n"));
        let mut tables = Vec::new();
        for (k, v) in entry.as_object().into_iter().flatten() {
            match v {
                Value::Object(t) => tables.push((k, t)),
                other => out.push_str(&format!("{k} = {other}\n")),
            }
        }
        for (k, t) in tables {
            let k = if k == "headers" { "http_headers" } else { k };
            out.push_str(&format!("[{prefix}.{name}.{k}]\n"));
            for (tk, tv) in t {
                out.push_str(&format!("{tk} = {tv}\n"));
            }
        }
    }
    out
}

fn main() {
    let key = std::env::args()
        .nth(1)
        .expect("usage: bench_home KEY (with HOME etc. set)");
    let env = Env::from_os().expect("a home dir");
    let mut written = 0;
    for c in clients::all() {
        let Some(loc) = c.user_locations(&env).into_iter().next() else {
            continue;
        };
        let root: Vec<&str> = c
            .server_roots()
            .iter()
            .find(|r| !r.contains(&"*"))
            .map(|r| r.to_vec())
            .unwrap_or_else(|| vec!["mcpServers"]);
        let doc = nest(&root, servers(&key));
        let text = match loc.format {
            Format::Json | Format::Jsonc => serde_json::to_string_pretty(&doc).unwrap(),
            Format::Toml => toml(&root, &servers(&key)),
            Format::Yaml => {
                let mut s = String::new();
                yaml(&doc, 0, &mut s);
                s
            }
        };
        std::fs::create_dir_all(loc.path.parent().unwrap()).unwrap();
        std::fs::write(&loc.path, text).unwrap();
        written += 1;
    }
    println!("{written}");
}
