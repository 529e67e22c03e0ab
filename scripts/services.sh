# Real services the tests talk to, started on loopback for one test run (sourced by scripts/test).
# Each start_* function installs what is missing, starts the service in a temporary directory,
# waits until it answers, exports the JUNCTION_TEST_* variables the tests read, and registers
# its stop with stop_services (run on exit).

service_stops=()

stop_services() {
  local stop
  for stop in "${service_stops[@]}"; do eval "$stop" || true; done
  service_stops=()
}

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'
}

# PostgreSQL 15 with password (SCRAM) logins over TCP and TLS offered: a superuser `postgres`
# whose password is in JUNCTION_TEST_POSTGRES_URL, and a certificate for `localhost` signed by
# the CA in JUNCTION_TEST_POSTGRES_CA. Role `tls_only` may log in only over TLS.
start_postgres() {
  local bin=/usr/lib/postgresql/15/bin
  if [ ! -x "$bin/initdb" ]; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-client-15 >/dev/null
  fi
  local dir port password
  dir=$(mktemp -d /tmp/junction-postgres.XXXXXX)
  port=$(free_port)
  password=$(python3 -c 'import secrets;print(secrets.token_hex(16))')
  echo "$password" >"$dir/pwfile"
  # A CA and a server certificate for localhost, so that verify-full can be tested.
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Junction test CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost\n' >"$dir/san.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
    -extfile "$dir/san.ext" -out "$dir/server.crt" 2>/dev/null
  chmod 600 "$dir/server.key"
  local run=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || as_root useradd --system --no-create-home postgres
    chown -R postgres: "$dir"
    run=(su postgres -s /bin/sh -c)
  else
    run=(sh -c)
  fi
  "${run[@]}" "$bin/initdb -D $dir/data -U postgres --auth-local=trust --auth-host=scram-sha-256 --pwfile=$dir/pwfile --no-sync" >/dev/null
  cat >"$dir/data/pg_hba.conf" <<HBA
local   all  all                  trust
hostnossl all tls_only 127.0.0.1/32 reject
host    all  all      127.0.0.1/32 scram-sha-256
host    all  all      ::1/128      scram-sha-256
HBA
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
ssl = on
ssl_cert_file = '$dir/server.crt'
ssl_key_file = '$dir/server.key'
fsync = off
synchronous_commit = off
CONF
  "${run[@]}" "$bin/pg_ctl -D $dir/data -l $dir/log -w start" >/dev/null
  service_stops+=("${run[*]@Q} '$bin/pg_ctl -D $dir/data -m fast -w stop' >/dev/null; rm -rf '$dir'")
  export JUNCTION_TEST_POSTGRES_URL="postgres://postgres:$password@127.0.0.1:$port/postgres"
  export JUNCTION_TEST_POSTGRES_CA="$dir/ca.crt"
  echo "PostgreSQL 15 on 127.0.0.1:$port (TLS offered, CA $dir/ca.crt)"
}

# OpenSSH's sshd with its internal SFTP server: user `junction-sftp` logging in by password
# (JUNCTION_TEST_SFTP_PASSWORD) or by the Ed25519 key in JUNCTION_TEST_SFTP_KEY (the private
# key's path), at JUNCTION_TEST_SFTP (host:port), its host key's fingerprint in
# JUNCTION_TEST_SFTP_FINGERPRINT; files live in JUNCTION_TEST_SFTP_HOME.
start_sshd() {
  if [ ! -x /usr/sbin/sshd ] || ! command -v ssh-keygen >/dev/null 2>&1; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server openssh-client >/dev/null
  fi
  local dir port password user=junction-sftp
  dir=$(mktemp -d /tmp/junction-sshd.XXXXXX)
  port=$(free_port)
  password=$(python3 -c 'import secrets;print(secrets.token_hex(12))')
  id "$user" >/dev/null 2>&1 || as_root useradd -m -s /bin/sh "$user"
  echo "$user:$password" | as_root chpasswd
  ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
  ssh-keygen -q -t ed25519 -N '' -C junction-test -f "$dir/client_key"
  as_root mkdir -p /run/sshd
  local home
  home=$(getent passwd "$user" | cut -d: -f6)
  cp "$dir/client_key.pub" "$dir/authorized_keys"
  # sshd reads the keys file as the user.
  chmod 755 "$dir"
  chmod 644 "$dir/authorized_keys"
  cat >"$dir/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_key
PidFile $dir/pid
AuthorizedKeysFile $dir/authorized_keys
PasswordAuthentication yes
PubkeyAuthentication yes
KbdInteractiveAuthentication no
UsePAM no
StrictModes no

Subsystem sftp internal-sftp
CONF
  as_root /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/log"
  for _ in $(seq 1 50); do [ -s "$dir/pid" ] && break; sleep 0.1; done
  service_stops+=("as_root kill \$(cat '$dir/pid') 2>/dev/null; rm -rf '$dir'")
  export JUNCTION_TEST_SFTP="127.0.0.1:$port" JUNCTION_TEST_SFTP_USER="$user" JUNCTION_TEST_SFTP_PASSWORD="$password"
  export JUNCTION_TEST_SFTP_KEY="$dir/client_key" JUNCTION_TEST_SFTP_HOME="$home"
  JUNCTION_TEST_SFTP_FINGERPRINT=$(ssh-keygen -lf "$dir/host_key.pub" | awk '{print $2}')
  export JUNCTION_TEST_SFTP_FINGERPRINT
  echo "OpenSSH sftp on 127.0.0.1:$port (user $user, host key $JUNCTION_TEST_SFTP_FINGERPRINT)"
}
