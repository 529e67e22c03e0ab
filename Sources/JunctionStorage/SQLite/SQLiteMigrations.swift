import GRDB

/// The versioned schema of the embedded store. Migrations only ever append.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation") { db in
            try db.execute(sql: """
                CREATE TABLE tenants (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL UNIQUE,
                    created_at DATETIME NOT NULL
                );
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY NOT NULL,
                    tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    digest BLOB NOT NULL,
                    created_at DATETIME NOT NULL
                );
                CREATE INDEX api_keys_tenant ON api_keys(tenant_id);
                CREATE TABLE credentials (
                    id TEXT PRIMARY KEY NOT NULL,
                    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    config TEXT NOT NULL,
                    hints TEXT NOT NULL,
                    sealed_secrets BLOB NOT NULL,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL,
                    UNIQUE (tenant_id, name)
                );
                CREATE TABLE connectors (
                    id TEXT PRIMARY KEY NOT NULL,
                    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    type TEXT NOT NULL,
                    template TEXT,
                    display_name TEXT,
                    description TEXT,
                    connection_url TEXT,
                    options TEXT NOT NULL,
                    secret_option_hints TEXT NOT NULL,
                    sealed_secret_options BLOB NOT NULL,
                    credential TEXT,
                    timeout_ms INTEGER NOT NULL,
                    max_retries INTEGER NOT NULL,
                    enabled BOOLEAN NOT NULL,
                    mode TEXT,
                    health_status TEXT NOT NULL,
                    last_health_check DATETIME,
                    last_error TEXT,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL,
                    UNIQUE (tenant_id, name),
                    FOREIGN KEY (tenant_id, credential) REFERENCES credentials(tenant_id, name)
                );
                CREATE INDEX connectors_credential ON connectors(tenant_id, credential);
                CREATE TABLE agent_links (
                    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                    agent_name TEXT NOT NULL,
                    connector_id TEXT NOT NULL REFERENCES connectors(id),
                    created_at DATETIME NOT NULL,
                    PRIMARY KEY (connector_id, agent_name)
                );
                CREATE TABLE audit_events (
                    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                    at DATETIME NOT NULL,
                    tenant_id TEXT,
                    actor TEXT NOT NULL,
                    actor_scope TEXT NOT NULL,
                    action TEXT NOT NULL,
                    target_type TEXT NOT NULL,
                    target TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    request_id TEXT,
                    details TEXT
                );
                CREATE INDEX audit_events_tenant ON audit_events(tenant_id, sequence);
                """)
        }
        migrator.registerMigration("v2-templates") { db in
            try db.execute(sql: """
                CREATE TABLE templates (
                    scope TEXT NOT NULL,
                    tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,
                    slug TEXT NOT NULL,
                    document TEXT NOT NULL,
                    updated_at DATETIME NOT NULL,
                    PRIMARY KEY (scope, slug)
                );
                """)
        }
        migrator.registerMigration("v3-agents") { db in
            try db.execute(sql: """
                CREATE TABLE agents (
                    id TEXT PRIMARY KEY NOT NULL,
                    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    type TEXT NOT NULL,
                    document TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL,
                    UNIQUE (tenant_id, name)
                );
                CREATE INDEX agent_links_agent ON agent_links(tenant_id, agent_name);
                """)
        }
        migrator.registerMigration("v4-runs") { db in
            try db.execute(sql: """
                CREATE TABLE runs (
                    id TEXT PRIMARY KEY NOT NULL,
                    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                    agent_name TEXT NOT NULL,
                    trigger_kind TEXT NOT NULL,
                    trigger_connector TEXT,
                    status TEXT NOT NULL,
                    input TEXT NOT NULL,
                    output TEXT,
                    failure_code TEXT,
                    failure_message TEXT,
                    trace TEXT NOT NULL,
                    input_tokens INTEGER NOT NULL,
                    output_tokens INTEGER NOT NULL,
                    attempts INTEGER NOT NULL,
                    lease_owner TEXT,
                    lease_until DATETIME,
                    created_at DATETIME NOT NULL,
                    started_at DATETIME,
                    finished_at DATETIME
                );
                CREATE INDEX runs_queue ON runs(status, created_at) WHERE status IN ('queued', 'running');
                CREATE INDEX runs_tenant ON runs(tenant_id, created_at);
                """)
        }
        migrator.registerMigration("v5-triggers") { db in
            try db.execute(sql: """
                CREATE TABLE trigger_events (
                    connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
                    idempotency_key TEXT NOT NULL,
                    run_ids TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    PRIMARY KEY (connector_id, idempotency_key)
                );
                CREATE TABLE deliveries (
                    id TEXT PRIMARY KEY NOT NULL,
                    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                    connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
                    run_id TEXT NOT NULL,
                    status TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    attempts INTEGER NOT NULL,
                    next_attempt_at DATETIME,
                    last_error TEXT,
                    created_at DATETIME NOT NULL,
                    delivered_at DATETIME
                );
                CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE status = 'pending';
                CREATE INDEX deliveries_tenant ON deliveries(tenant_id, created_at);
                """)
        }
        migrator.registerMigration("v6-run-queue-order") { db in
            // Claiming reads the oldest queued run straight off this index; the old one made
            // every claim sort the whole queue (slower the longer the queue).
            try db.execute(sql: """
                DROP INDEX runs_queue;
                CREATE INDEX runs_queue ON runs(status, created_at, id) WHERE status IN ('queued', 'running');
                """)
        }
        migrator.registerMigration("v7-run-queue-depth") { db in
            // How many runs wait, per tenant and trigger connector ('' for runs started otherwise),
            // kept by triggers on every way a run enters or leaves the queue, so that limiting the
            // queue never counts it (the total is the sum of these few rows).
            try db.execute(sql: """
                CREATE TABLE run_queue (
                    tenant_id TEXT NOT NULL,
                    connector TEXT NOT NULL,
                    queued INTEGER NOT NULL,
                    PRIMARY KEY (tenant_id, connector)
                ) WITHOUT ROWID;
                INSERT INTO run_queue (tenant_id, connector, queued)
                    SELECT tenant_id, COALESCE(trigger_connector, ''), COUNT(*) FROM runs WHERE status = 'queued' GROUP BY 1, 2;
                CREATE TRIGGER run_queue_insert AFTER INSERT ON runs WHEN NEW.status = 'queued' BEGIN
                    INSERT INTO run_queue (tenant_id, connector, queued) VALUES (NEW.tenant_id, COALESCE(NEW.trigger_connector, ''), 1)
                        ON CONFLICT (tenant_id, connector) DO UPDATE SET queued = queued + 1;
                END;
                CREATE TRIGGER run_queue_enter AFTER UPDATE OF status ON runs
                    WHEN NEW.status = 'queued' AND OLD.status != 'queued' BEGIN
                    INSERT INTO run_queue (tenant_id, connector, queued) VALUES (NEW.tenant_id, COALESCE(NEW.trigger_connector, ''), 1)
                        ON CONFLICT (tenant_id, connector) DO UPDATE SET queued = queued + 1;
                END;
                CREATE TRIGGER run_queue_leave AFTER UPDATE OF status ON runs
                    WHEN OLD.status = 'queued' AND NEW.status != 'queued' BEGIN
                    UPDATE run_queue SET queued = queued - 1
                        WHERE tenant_id = OLD.tenant_id AND connector = COALESCE(OLD.trigger_connector, '');
                END;
                CREATE TRIGGER run_queue_delete AFTER DELETE ON runs WHEN OLD.status = 'queued' BEGIN
                    UPDATE run_queue SET queued = queued - 1
                        WHERE tenant_id = OLD.tenant_id AND connector = COALESCE(OLD.trigger_connector, '');
                END;
                """)
        }
        migrator.registerMigration("v8-oauth") { db in
            // Junction as an OAuth 2.1 authorization server for remote MCP clients: codes and
            // tokens are kept only as SHA-256 digests; a grant's revocation ends all of them.
            try db.execute(sql: """
                CREATE TABLE oauth_clients (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    redirect_uris TEXT NOT NULL,
                    created_at DATETIME NOT NULL
                );
                CREATE TABLE oauth_grants (
                    id TEXT PRIMARY KEY,
                    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                    key_id TEXT NOT NULL,
                    client_id TEXT NOT NULL,
                    scope TEXT NOT NULL,
                    resource TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    revoked_at DATETIME
                );
                CREATE TABLE oauth_codes (
                    digest BLOB PRIMARY KEY,
                    grant_id TEXT NOT NULL REFERENCES oauth_grants(id) ON DELETE CASCADE,
                    redirect_uri TEXT NOT NULL,
                    code_challenge TEXT NOT NULL,
                    expires_at DATETIME NOT NULL,
                    used_at DATETIME
                ) WITHOUT ROWID;
                CREATE TABLE oauth_tokens (
                    digest BLOB PRIMARY KEY,
                    kind TEXT NOT NULL,
                    grant_id TEXT NOT NULL REFERENCES oauth_grants(id) ON DELETE CASCADE,
                    expires_at DATETIME NOT NULL,
                    used_at DATETIME
                ) WITHOUT ROWID;
                CREATE INDEX oauth_tokens_grant ON oauth_tokens(grant_id);
                CREATE INDEX oauth_tokens_expiry ON oauth_tokens(expires_at);
                CREATE INDEX oauth_codes_expiry ON oauth_codes(expires_at);
                """)
        }
        migrator.registerMigration("v9-governance") { db in
            // Policies are versioned documents, one row per saved version. Approvals bind one
            // exact call (its arguments' digest). Audit events form a hash chain per tenant
            // (the platform's events, with no tenant, form their own): each stores its digest
            // and its predecessor's, and audit_chains keeps each chain's length and head, so
            // removing the newest events shows too. Events written before this migration stay
            // unchained. A run waiting for an approval keeps the approval's id and where it stopped.
            // Keys get a role and optional allow-lists (existing keys stay admins); credentials
            // the hosts and connectors they may be sent to (existing ones stay unbound).
            try db.execute(sql: """
                CREATE TABLE policies (
                    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                    version INTEGER NOT NULL,
                    document TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    created_by TEXT NOT NULL,
                    PRIMARY KEY (tenant_id, version)
                ) WITHOUT ROWID;
                CREATE TABLE approvals (
                    id TEXT PRIMARY KEY NOT NULL,
                    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                    connector TEXT NOT NULL,
                    resource TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    arguments_digest TEXT NOT NULL,
                    arguments TEXT NOT NULL,
                    credential TEXT,
                    rule TEXT,
                    run_id TEXT,
                    request_id TEXT,
                    status TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    expires_at DATETIME NOT NULL,
                    decided_at DATETIME,
                    decided_by TEXT,
                    decision_reason TEXT,
                    used_at DATETIME
                );
                CREATE INDEX approvals_call ON approvals(tenant_id, connector, resource, actor, arguments_digest);
                CREATE INDEX approvals_tenant ON approvals(tenant_id, created_at);
                ALTER TABLE audit_events ADD COLUMN previous_digest BLOB;
                ALTER TABLE audit_events ADD COLUMN digest BLOB;
                CREATE TABLE audit_chains (
                    chain TEXT PRIMARY KEY NOT NULL,
                    length INTEGER NOT NULL,
                    head BLOB NOT NULL
                ) WITHOUT ROWID;
                ALTER TABLE api_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'admin';
                ALTER TABLE api_keys ADD COLUMN access TEXT;
                ALTER TABLE credentials ADD COLUMN binding TEXT;
                ALTER TABLE runs ADD COLUMN approval_id TEXT;
                ALTER TABLE runs ADD COLUMN checkpoint TEXT;
                CREATE INDEX runs_waiting ON runs(approval_id) WHERE status = 'waiting_approval';
                """)
        }
        migrator.registerMigration("v10-console") { db in
            // Web console sessions: the digest of the cookie's token, the key acting, and the
            // tenant a platform key chose. A session ends with its key or its tenant.
            try db.execute(sql: """
                CREATE TABLE console_sessions (
                    digest BLOB PRIMARY KEY NOT NULL,
                    key_id TEXT NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
                    tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,
                    created_at DATETIME NOT NULL,
                    expires_at DATETIME NOT NULL,
                    ends_at DATETIME NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX console_sessions_expiry ON console_sessions(expires_at);
                """)
        }
        migrator.registerMigration("v11-oauth-connect") { db in
            // Junction as an OAuth client: tenants' apps at providers, the tokens of `oauth2`
            // credentials (sealed, versioned for compare-and-swap refreshes), and authorizations
            // under way, found by the digest of their state.
            try db.execute(sql: """
                CREATE TABLE oauth_apps (
                    id TEXT PRIMARY KEY NOT NULL,
                    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    template TEXT,
                    client_id TEXT NOT NULL,
                    sealed_secret BLOB,
                    secret_hint TEXT,
                    authorize_url TEXT NOT NULL,
                    token_url TEXT NOT NULL,
                    settings TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL,
                    UNIQUE (tenant_id, name)
                );
                CREATE TABLE oauth_token_states (
                    credential_id TEXT PRIMARY KEY NOT NULL REFERENCES credentials(id) ON DELETE CASCADE,
                    tenant_id TEXT NOT NULL,
                    status TEXT NOT NULL,
                    sealed_tokens BLOB NOT NULL,
                    expires_at DATETIME,
                    scope TEXT,
                    extra TEXT NOT NULL,
                    last_error TEXT,
                    version INTEGER NOT NULL,
                    connected_at DATETIME,
                    refreshed_at DATETIME,
                    refreshing_until DATETIME,
                    app TEXT
                ) WITHOUT ROWID;
                CREATE TABLE oauth_connect_attempts (
                    state_digest BLOB PRIMARY KEY NOT NULL,
                    tenant_id TEXT NOT NULL,
                    credential_id TEXT NOT NULL REFERENCES credentials(id) ON DELETE CASCADE,
                    sealed_verifier BLOB NOT NULL,
                    redirect_uri TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    actor_scope TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    expires_at DATETIME NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX oauth_connect_attempts_expiry ON oauth_connect_attempts(expires_at);
                """)
        }
        return migrator
    }
}
