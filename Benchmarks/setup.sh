# Sourced by Benchmarks/run and Benchmarks/hostile: installs wrk, nginx and curl if missing,
# builds the release binary (unless $junction names one), and starts on loopback an nginx
# upstream serving one small JSON document, an nginx proxy in front of it, and Junction
# (optionally with the soft open-file limit $junction_soft_nofile) with a tenant, a bearer
# credential, the http connector `crm` (resource get-customer), the inbound webhook `events`
# and the workflow agent `ingest` linked to it, and an MCP session. Sets junction_pid,
# JUNCTION_URL, key, hook_url, hook_secret, session, work; stops everything on exit, keeping
# Junction's log as /tmp/junction-bench-last.log.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ -z "${junction:-}" ]; then
  echo "== building junction (release)"
  swift build -c release --product junction >/dev/null
  junction="$(swift build -c release --show-bin-path)/junction"
fi

work="$(mktemp -d /tmp/junction-bench.XXXXXX)"
chmod 755 "$work"  # nginx's workers (another user when started as root) read the upstream's file
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # The server's log outlives the run, for what went wrong.
  [ -f "$work/junction.log" ] && cp "$work/junction.log" /tmp/junction-bench-last.log
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
upstream_port=$(free_port)
proxy_port=$(free_port)
junction_port=$(free_port)

# The upstream: nginx serving one small JSON document; the proxy: nginx adding a header.
mkdir -p "$work/www" "$work/nginx"
python3 - "$work/www/customer.json" <<'PY'
import json, sys
body = {"id": "c-42", "name": "Ada Lovelace", "email": "ada@example.com", "plan": "enterprise",
        "active": True, "tags": ["vip", "emea"], "created_at": "2026-01-05T10:00:00Z", "balance": 1234.5}
open(sys.argv[1], "w").write(json.dumps(body))
PY
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body; proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi; uwsgi_temp_path $work/nginx/uwsgi; scgi_temp_path $work/nginx/scgi;
  keepalive_requests 1000000;
  upstream backend { server 127.0.0.1:$upstream_port; keepalive 64; }
  server {
    listen 127.0.0.1:$upstream_port;
    default_type application/json;
    location / { root $work/www; }
  }
  server {
    listen 127.0.0.1:$proxy_port;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "Bearer upstream-token-0001";
    }
  }
}
CONF
setsid nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
pids+=($!)

# Junction: time from start to /ready.
mkdir -p "$work/junction"
start_ns=$(date +%s%N)
(cd "$work/junction" && { [ -z "${junction_soft_nofile:-}" ] || ulimit -Sn "$junction_soft_nofile"; } \
  && JUNCTION_LOG_LEVEL=error exec "$junction" serve --port "$junction_port") > "$work/junction.log" 2>&1 &
junction_pid=$!
pids+=($junction_pid)
until curl -fsS "http://127.0.0.1:$junction_port/ready" >/dev/null 2>&1; do sleep 0.005; done
ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
until curl -fsS "http://127.0.0.1:$upstream_port/customer.json" >/dev/null 2>&1; do sleep 0.05; done

export JUNCTION_URL="http://127.0.0.1:$junction_port"
export JUNCTION_API_KEY="$(cat "$work/junction/junction-data/admin.key")"
key=$("$junction" tenants create bench --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')
export JUNCTION_API_KEY="$key"
echo -n "upstream-token-0001" | "$junction" credentials create upstream --kind bearer --field token=@- >/dev/null
"$junction" connectors create crm --type http --connection-url "http://127.0.0.1:$upstream_port" --credential upstream \
  --max-retries 0 --body '{"options":{"resources":[{"slug":"get-customer","path":"/customer.json",
  "input_schema":{"type":"object","properties":{"id":{"type":"string"}}}}]}}' >/dev/null
hook=$("$junction" connectors create events --type webhook --mode inbound --json)
hook_url=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["webhook_url"])' "$hook")
hook_secret=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["secret"])' "$hook")
printf 'name: ingest\ntype: workflow\nsteps:\n  - id: look\n    connector: crm\n    resource: get-customer\n' > "$work/ingest.yaml"
"$junction" agents apply "$work/ingest.yaml" >/dev/null
"$junction" agents link ingest events >/dev/null

idle_rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$junction_pid/status")
idle_anon_kb=$(awk '/RssAnon/ {print $2}' "/proc/$junction_pid/status")

# An MCP session for tools/call.
session=$(curl -sS -D - -o /dev/null -X POST "$JUNCTION_URL/mcp" -H "Authorization: Bearer $key" \
  -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
  -d '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}' \
  | awk 'tolower($1) == "mcp-session-id:" {print $2}' | tr -d '\r')
curl -sS -o /dev/null -X POST "$JUNCTION_URL/mcp" -H "Authorization: Bearer $key" -H "Mcp-Session-Id: $session" \
  -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-06-18' \
  -d '{"jsonrpc":"2.0","method":"notifications/initialized"}'

