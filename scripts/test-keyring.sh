#!/usr/bin/env bash
# Sourced inside the private D-Bus session by test-session.sh (`./dev test`) and test-env.sh: starts the
# throwaway gnome-keyring (its files live in the temp XDG_DATA_HOME) and keeps it running while the test
# command runs.
#
# Why a loop: gnome-keyring-daemon can abort when a client vanishes while it is still opening that client's
# Secret Service session (upstream gnome-keyring #190/#196/#199: "gkd_secret_service_get_pkcs11_session:
# assertion 'client' failed"), and the crash tests SIGKILL `rekey` at random instants. Once, in CI, the
# daemon went away mid-suite and every later keychain test failed with "no credential store could be opened".
# On a desktop, systemd restarts it (its user unit has Restart=on-failure); this loop does the same, with the
# same password, so the on-disk login keyring and every item in it come back. Every exit is written to
# $REKEY_KEYRING_LOG (with the daemon's own messages in $REKEY_KEYRING_LOG.daemon) and reported at the end.

# start_test_keyring MAIN_PID: supervise the daemon while MAIN_PID (the test command, which execs in place)
# lives; return once the Secret Service answers on the bus.
start_test_keyring() {
  local main=$1
  export REKEY_KEYRING_LOG="${REKEY_TEST_RUN:-${TMPDIR:-/tmp}}/keyring-restarts.log"
  : > "$REKEY_KEYRING_LOG"
  (
    set +e +o pipefail  # (test-session.sh runs with set -e: the daemon's exit must not end this loop)
    local n=0 rc
    while kill -0 "$main" 2>/dev/null; do
      echo -n rekey-test-keyring |
        gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>>"$REKEY_KEYRING_LOG.daemon"
      rc=$?
      kill -0 "$main" 2>/dev/null || break
      n=$((n + 1))
      echo "$(date +%T) gnome-keyring-daemon exited with status $rc; restarted it (restart $n)" >> "$REKEY_KEYRING_LOG"
      if [ "$n" -ge 50 ]; then echo "gave up after $n restarts" >> "$REKEY_KEYRING_LOG"; break; fi
      sleep 0.05
    done
  ) </dev/null 2>>"$REKEY_KEYRING_LOG.daemon" &
  wait_for_test_keyring 20
}

# wait_for_test_keyring SECONDS: until org.freedesktop.secrets has an owner on the session bus.
wait_for_test_keyring() {
  local deadline=$((SECONDS + $1))
  while [ $SECONDS -lt $deadline ]; do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
         org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
      return 0
    fi
    sleep 0.1
  done
  echo "the private gnome-keyring did not come up on the session bus within $1 s" >&2
  cat "$REKEY_KEYRING_LOG.daemon" >&2 2>/dev/null || true
  return 1
}

# report_test_keyring: say whether the daemon had to be restarted (and what it printed).
report_test_keyring() {
  if [ -s "$REKEY_KEYRING_LOG" ]; then
    echo "note: the test keyring daemon was restarted during this run (tests/keychain_restart.rs aborts it" \
         "twice on purpose; any other restart is gnome-keyring crashing):" >&2
    cat "$REKEY_KEYRING_LOG" >&2
    echo "its messages:" >&2
    tail -n 40 "$REKEY_KEYRING_LOG.daemon" >&2 2>/dev/null || true
  fi
}
