//! The OS's light/dark preference for the window's "System" theme. On Linux, GNOME 42+ and KDE state their
//! dark style through the XDG desktop portal (`org.freedesktop.appearance` `color-scheme`), which WebKitGTK's
//! `prefers-color-scheme` does not read: it follows the GTK theme. Tauri's window layer (tao) mirrors the
//! portal into GTK, but only through the deprecated `Read` call, so Rekey reads the setting itself
//! (`ReadOne` first) and follows its changes. Elsewhere the WebView's media query follows the OS: the answer
//! is always "none".

use std::sync::Mutex;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime, State};

/// The portal's latest answer ("dark", "light", or "none": no portal, no preference, an error) and the
/// window's channel for changes.
#[derive(Default)]
pub struct OsScheme(Mutex<Latest>);

#[derive(Default)]
struct Latest {
    scheme: Option<&'static str>,
    channel: Option<Channel<String>>,
}

/// The OS's colour scheme now; later changes go to `on_change`. One lock for both, so a change is either
/// in the answer or sent on the channel, never lost in between.
#[tauri::command]
pub fn os_color_scheme(on_change: Channel<String>, state: State<'_, OsScheme>) -> String {
    let mut latest = crate::lock(&state.0);
    latest.channel = Some(on_change);
    latest.scheme.unwrap_or("none").to_string()
}

/// Keep `scheme` and tell the window if it changed.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn set<R: Runtime>(app: &AppHandle<R>, scheme: &'static str) {
    let state = app.state::<OsScheme>();
    let mut latest = crate::lock(&state.0);
    if latest.scheme.replace(scheme) != Some(scheme) {
        if let Some(channel) = &latest.channel {
            let _ = channel.send(scheme.to_string());
        }
    }
}

/// Manage the state (here, so the shell's builder stays as it is) and, on Linux, follow the portal on a
/// thread of its own: the bus and a portal being started on demand must not hold up start-up.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    app.manage(OsScheme::default());
    #[cfg(target_os = "linux")]
    {
        let app = app.clone();
        // No session bus, no portal (a bare window manager, the test bus) or a lost connection: nothing to
        // say, the state keeps "none" or the last answer and "System" is the media query or that answer.
        std::thread::spawn(move || {
            let _ = portal::follow(|scheme| set(&app, scheme));
        });
    }
}

#[cfg(target_os = "linux")]
mod portal {
    use zbus::blocking::{proxy, Connection, Proxy};
    use zbus::zvariant::{OwnedValue, Value};

    const NAMESPACE: &str = "org.freedesktop.appearance";
    const KEY: &str = "color-scheme";

    /// Read the setting, then pass on every change until the bus connection ends.
    pub fn follow(mut on: impl FnMut(&'static str)) -> zbus::Result<()> {
        let conn = Connection::session()?;
        let settings: Proxy = proxy::Builder::new(&conn)
            .destination("org.freedesktop.portal.Desktop")?
            .path("/org/freedesktop/portal/desktop")?
            .interface("org.freedesktop.portal.Settings")?
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()?;
        // Read first: the call starts the portal if needed, and subscribing needs it running (its name
        // owned). Read again once subscribed, so that a change in between is not missed; the window hears
        // only that second answer, so by the time it shows one, changes are followed.
        let first = read(&settings)?;
        let changes =
            settings.receive_signal_with_args("SettingChanged", &[(0, NAMESPACE), (1, KEY)]);
        on(read(&settings).unwrap_or(first));
        for msg in changes? {
            if let Ok((_, _, value)) = msg.body().deserialize::<(String, String, OwnedValue)>() {
                on(scheme(&value));
            }
        }
        Ok(())
    }

    /// `ReadOne` (portal version 2), else the older `Read`, whose answer is a variant in a variant.
    fn read(settings: &Proxy) -> zbus::Result<&'static str> {
        let value: OwnedValue = match settings.call("ReadOne", &(NAMESPACE, KEY)) {
            Ok(v) => v,
            Err(_) => settings.call("Read", &(NAMESPACE, KEY))?,
        };
        Ok(scheme(&value))
    }

    /// 1 prefers dark, 2 prefers light; 0 (no preference) and anything unknown leave it to the media query.
    pub fn scheme(value: &Value) -> &'static str {
        match value {
            Value::Value(inner) => scheme(inner),
            Value::U32(1) => "dark",
            Value::U32(2) => "light",
            _ => "none",
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_portal_values_and_the_old_read_s_variant_in_a_variant() {
            assert_eq!(scheme(&Value::U32(1)), "dark");
            assert_eq!(scheme(&Value::U32(2)), "light");
            assert_eq!(scheme(&Value::U32(0)), "none");
            assert_eq!(scheme(&Value::U32(7)), "none");
            assert_eq!(scheme(&Value::from("dark")), "none");
            let old = Value::Value(Box::new(Value::U32(1)));
            assert_eq!(scheme(&old), "dark");
        }
    }
}
