// Only the commands listed here get an `allow-*` permission; capabilities/main.json grants exactly these.
const COMMANDS: &[&str] = &[
    "engine_info",
    "keychain_status",
    "scan",
    "links",
    "plan_rotation",
    "cancel_rotation",
    "confirm_rotation",
    "reveal_new_key",
    "history",
    "subscribe",
    "recovery_report",
    "finish_rotation",
    "lost_usages",
    "dismiss_lost",
    "restore_backup",
    "app_mode",
    "providers",
    "link_credential",
    "verify_credential",
    "backups",
    "key_ages",
    "settings",
    "save_settings",
    "admin_credentials",
    "store_admin_credential",
    "open_folder",
    "first_run",
    "launch_at_login",
    "set_launch_at_login",
    "activepieces_servers",
    "add_activepieces_server",
    "not_scannable_clients",
    "due_rotatable",
    "rollback_rotation",
    "keep_both_keys",
    "revoke_old_key",
    "plan_protection",
    "confirm_protection",
    "cancel_protection",
    "plan_manual_replace",
    "confirm_manual_replace",
    "cancel_manual_replace",
    "server_catalog",
    "plan_add_server",
    "confirm_add_server",
    "cancel_add_server",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS))
        .windows_attributes(
            tauri_build::WindowsAttributes::new().window_icon_path("../icons/icon.ico"),
        );
    tauri_build::try_build(attributes).expect("failed to run tauri-build");
}
