//! `rekey add`: set up a provider's MCP server in the chosen clients. The key comes from stdin only and
//! goes into the keychain before the plan is shown; not confirmed, it is taken out again.

use super::output::note;
use super::*;
use crate::add::{self, AddPlan, AddRequest};

pub(super) fn execute(
    command: Command,
    out: &mut dyn Write,
    stdin: &mut dyn Read,
) -> Result<i32, CliError> {
    let Command::Add {
        provider,
        clients: client_names,
        name,
        ids,
        literal,
        base_url,
        yes,
        json,
        list,
        write_anyway,
    } = command
    else {
        return Err(CliError::Usage(format!("not an add command: {command:?}")));
    };
    if list {
        return print_list(out, json);
    }
    let provider =
        provider.ok_or_else(|| CliError::Usage("which provider? (rekey add --list)".into()))?;
    let mut clients_wanted = Vec::new();
    for c in &client_names {
        let id: clients::ClientId = serde_json::from_value(serde_json::Value::String(c.clone()))
            .map_err(|_| {
                CliError::Usage(format!(
                    "unknown client '{c}' (rekey add --list shows the clients)"
                ))
            })?;
        clients_wanted.push(id);
    }
    let mut fields = std::collections::BTreeMap::new();
    for kv in &ids {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| CliError::Usage(format!("--id takes field=value, not '{kv}'")))?;
        fields.insert(k.trim().to_string(), v.to_string());
    }
    let req = AddRequest {
        provider,
        name,
        ids: fields,
        clients: clients_wanted,
        literal,
        base_url,
    };
    let key = read_key(stdin)?;
    let ctx = Context::from_os()?;
    let vault = vault::Vault::default();
    let plan = add::plan_add(&ctx, &http(), &req, key).map_err(|e| match e {
        crate::Error::UnknownProvider(p) => CliError::Usage(format!(
            "unknown provider '{p}' (rekey add --list shows them)"
        )),
        e => e.into(),
    })?;
    // A key the provider refused is neither kept nor written unless the user says so: the plan (with the
    // provider's answer) is shown, then the refusal.
    if let Some(e) = plan.refusal(write_anyway) {
        if json {
            print_json(out, &plan)?;
        } else {
            print_plan(out, &plan)?;
        }
        return Err(e.into());
    }
    // The key is kept before anything is shown or asked: nothing that follows can lose it.
    let created = add::keep_key(&vault, &plan).map_err(keychain)?;
    if json && !yes {
        print_json(out, &plan)?;
        add::forget_key(&vault, &plan, created)?;
        return Ok(0);
    }
    if !json {
        print_plan(out, &plan)?;
    }
    if !yes
        && !confirm("Add this server?").inspect_err(|_| {
            let _ = add::forget_key(&vault, &plan, created);
        })?
    {
        add::forget_key(&vault, &plan, created)?;
        note("not confirmed; nothing changed (the key was taken out of the keychain again)");
        return Ok(EXIT_NOT_CONFIRMED);
    }
    let applied = add::apply_add(&ctx, &vault, &plan, write_anyway)?;
    if json {
        print_json(out, &applied)?;
    } else {
        for f in &applied.files {
            match &f.error {
                None => writeln!(out, "  written  {}", f.path.display())?,
                Some(e) => writeln!(out, "  FAILED   {}: {e}", f.path.display())?,
            }
        }
        if applied.linked {
            writeln!(
                out,
                "Linked {} to {}: `rekey rotate {}` rotates it.",
                applied.credential, plan.provider_name, applied.credential
            )?;
        }
        writeln!(out, "Restart the clients so they start the new server:")?;
        for (client, hint) in &applied.restart {
            writeln!(out, "  {client}: {hint}")?;
        }
    }
    Ok(match applied.files.iter().filter(|f| f.ok).count() {
        n if n == applied.files.len() => 0,
        0 => EXIT_ERROR,
        _ => EXIT_PARTIAL,
    })
}

/// A keychain that cannot keep the key stops everything, with its own exit code.
fn keychain(e: crate::Error) -> CliError {
    note(&format!(
        "the key could not be kept in the OS keychain, so nothing was written: {e}"
    ));
    CliError::Keychain
}

/// The key: one non-empty line on stdin (only the line ending is removed).
fn read_key(input: &mut dyn Read) -> Result<Secret, CliError> {
    let mut buf = zeroize::Zeroizing::new(String::new());
    input
        .read_to_string(&mut buf)
        .map_err(|e| CliError::Usage(format!("cannot read stdin: {e}")))?;
    let lines: Vec<&str> = buf
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.is_empty())
        .collect();
    match lines.as_slice() {
        [one] => Ok(Secret::new(one.to_string())),
        [] => Err(CliError::Usage(
            "no key on stdin: pipe it in (e.g. `rekey add bitscale --client cursor < key.txt`)"
                .into(),
        )),
        _ => Err(CliError::Usage(format!(
            "expected the key on one line of stdin, got {} lines",
            lines.len()
        ))),
    }
}

fn print_plan(out: &mut dyn Write, plan: &AddPlan) -> std::io::Result<()> {
    writeln!(
        out,
        "Add the {} server '{}' ({}) to {} client{}, {}:",
        plan.provider_name,
        plan.server,
        plan.masked,
        plan.files.len(),
        if plan.files.len() == 1 { "" } else { "s" },
        match &plan.reference {
            Some(r) => format!("protected (the configs hold rekey://{r})"),
            None => "literal (the configs hold the key itself)".into(),
        }
    )?;
    for f in &plan.files {
        writeln!(
            out,
            "  {} [{}]{}{}",
            f.path.display(),
            f.client_name,
            if f.created { " (new file)" } else { "" },
            if f.via_mcp_remote {
                " (through mcp-remote)"
            } else {
                ""
            }
        )?;
        for l in &f.diff {
            writeln!(out, "    {l}")?;
        }
    }
    for n in &plan.notes {
        writeln!(out, "  note: {n}")?;
    }
    let check = match &plan.verification {
        add::Verification::NotLinked => "not linked, so not checked".to_string(),
        add::Verification::NotChecked { reason } => format!("not checked: {reason}"),
        add::Verification::Verified { provider } => format!("{provider} accepts this key"),
        add::Verification::Failed {
            provider, message, ..
        } => format!("{provider} REFUSED this key: {message}"),
    };
    writeln!(out, "Provider check: {check}")
}

fn print_list(out: &mut dyn Write, json: bool) -> Result<i32, CliError> {
    let catalog = add::catalog();
    if json {
        print_json(out, &catalog)?;
        return Ok(0);
    }
    writeln!(
        out,
        "Providers `rekey add` can set up (--id field=value; * required):"
    )?;
    for t in catalog.templates.iter().map(|o| &o.template) {
        writeln!(out, "  {:<24} {}", t.provider, t.summary)?;
        for f in t.fields {
            writeln!(
                out,
                "  {:<24}   --id {}={}{}  {}",
                "",
                f.id,
                f.default.unwrap_or("…"),
                if f.required && f.default.is_none() {
                    " *"
                } else {
                    ""
                },
                f.help
            )?;
        }
    }
    writeln!(out, "Not offered:")?;
    for (p, why) in &catalog.left_out {
        writeln!(out, "  {p:<24} {why}")?;
    }
    let names: Vec<String> = add::supported_clients()
        .iter()
        .map(|c| {
            serde_json::to_value(c)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        })
        .collect();
    writeln!(out, "Clients (--client): {}", names.join(", "))?;
    Ok(0)
}
