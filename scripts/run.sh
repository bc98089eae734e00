#!/usr/bin/env bash
# `make run`: the web server and the task worker together. Ctrl-C (or either one ending)
# stops both. PORT (default 5000) and BIN (default .venv/bin) may be set.
set -u
BIN=${BIN:-.venv/bin}
PORT=${PORT:-5000}
"$BIN/huey_consumer" consult.tasks.huey --workers 2 --worker-type thread --flush-locks &
worker=$!
"$BIN/flask" run --host 127.0.0.1 --port "$PORT" &
web=$!
stop() {
    trap - INT TERM
    kill -TERM "$web" "$worker" 2>/dev/null
    wait "$web" "$worker" 2>/dev/null
    echo "Rembuk stopped (web server and worker)."
    exit 0
}
trap stop INT TERM
# Whichever ends first (a crash, a port in use) takes the other down with it.
wait -n "$web" "$worker"
stop
