import Foundation
import JunctionCore

/// Persistence for everything Junction keeps. Each write that changes state also records its
/// audit event in the same transaction, so a change and its audit trail land together or not
/// at all.
///
/// Drivers: `SQLiteStore` (embedded default). Every driver passes the same conformance suite.
public protocol Store: TenantStore, APIKeyStore, CredentialStore, ConnectorStore, TemplateStore, AgentStore, RunStore, TriggerStore, AuditStore,
    OAuthStore, PolicyStore, ApprovalStore, ConsoleSessionStore, OAuthConnectionStore
{
    /// Throws unless the store can serve queries (for `/ready`).
    func checkReadiness() async throws
}

/// Tenants.
public protocol TenantStore: Sendable {
    /// Inserts a tenant with its first API key. A duplicate name is `conflict` on `name`.
    func insertTenant(_ tenant: Tenant, firstKey: APIKey, audit: AuditEvent) async throws
    /// The tenant with this id or name.
    func tenant(idOrName: String) async throws -> Tenant?
    /// Every tenant, oldest first.
    func tenants() async throws -> [Tenant]
}

/// API keys (digests only).
public protocol APIKeyStore: Sendable {
    /// Inserts a key.
    func insertKey(_ key: APIKey, audit: AuditEvent) async throws
    /// The key with this id.
    func key(id: String) async throws -> APIKey?
    /// The keys of one tenant, or the platform keys when `tenantID` is `nil`.
    func keys(tenantID: String?) async throws -> [APIKey]
    /// Deletes a key: `not_found` when there is none with this id in that scope (any scope
    /// when `nil`), `conflict` when it is the last platform key.
    func deleteKey(id: String, scope: APIKey.Scope?, audit: AuditEvent) async throws
}

/// Credentials (secrets sealed by the caller).
public protocol CredentialStore: Sendable {
    /// Inserts a credential. A duplicate name in the tenant is `conflict` on `name`.
    func insertCredential(_ credential: Credential, audit: AuditEvent) async throws
    /// One credential by tenant and name.
    func credential(tenantID: String, name: Slug) async throws -> Credential?
    /// A tenant's credentials (every tenant's when `tenantID` is `nil`), by name.
    func credentials(tenantID: String?) async throws -> [Credential]
    /// Stores new values for an existing credential's fields (`config`, `hints`,
    /// `sealedSecrets`, `updatedAt`; its id, name, kind and binding stay): `not_found` when absent.
    func replaceCredentialFields(_ credential: Credential, audit: AuditEvent) async throws
    /// Deletes a credential: `not_found` when absent, `conflict` naming the connectors that
    /// use it (in `details.connectors`).
    func deleteCredential(tenantID: String, name: Slug, audit: AuditEvent) async throws
}

/// Which connectors to list.
public struct ConnectorQuery: Sendable, Hashable {
    /// One tenant's, or every tenant's when `nil`.
    public var tenantID: String?
    /// Only this type.
    public var type: String?
    /// Only enabled (or disabled) connectors.
    public var enabled: Bool?

    public init(tenantID: String?, type: String? = nil, enabled: Bool? = nil) {
        self.tenantID = tenantID
        self.type = type
        self.enabled = enabled
    }
}

/// Connectors.
public protocol ConnectorStore: Sendable {
    /// Inserts a connector: `conflict` on a duplicate name, `invalid_input` on `credential` when
    /// the credential does not exist in the tenant.
    func insertConnector(_ connector: ConnectorRecord, audit: AuditEvent) async throws
    /// Applies `change` to the stored connector inside one transaction and stores the result.
    /// `change` runs synchronously and may throw to abort.
    func updateConnector(
        tenantID: String,
        name: Slug,
        audit: AuditEvent,
        _ change: @Sendable (inout ConnectorRecord) throws -> Void
    ) async throws -> ConnectorRecord
    /// One connector by tenant and name.
    func connector(tenantID: String, name: Slug) async throws -> ConnectorRecord?
    /// Connectors matching `query`, by tenant and name.
    func connectors(_ query: ConnectorQuery) async throws -> [ConnectorRecord]
    /// Deletes a connector: `conflict` listing the agents linked to it (in `details.agents`)
    /// unless `force`, which removes those links too.
    func deleteConnector(tenantID: String, name: Slug, force: Bool, audit: AuditEvent) async throws
}

/// Agent definitions and their links to connectors.
public protocol AgentStore: Sendable {
    /// Stores `agent`. With `replacing`, an agent of the same name in the tenant is replaced
    /// (keeping its id, creation time and links); without, it is `conflict` on `name`.
    /// Answers the agent as stored and whether it is new.
    @discardableResult
    func saveAgent(_ agent: Agent, replacing: Bool, audit: AuditEvent) async throws -> (agent: Agent, created: Bool)
    /// One agent by tenant and name.
    func agent(tenantID: String, name: Slug) async throws -> Agent?
    /// A tenant's agents (every tenant's when `tenantID` is `nil`), by name.
    func agents(tenantID: String?) async throws -> [Agent]
    /// Deletes an agent and its links; `not_found` when absent.
    func deleteAgent(tenantID: String, name: Slug, audit: AuditEvent) async throws
    /// Links an agent and a connector of the tenant; `not_found` naming whichever is missing.
    /// Answers whether the link is new (linking twice is not an error).
    @discardableResult
    func linkAgent(tenantID: String, agent: Slug, connector: Slug, audit: AuditEvent) async throws -> Bool
    /// Removes a link; `not_found` when there is none.
    func unlinkAgent(tenantID: String, agent: Slug, connector: Slug, audit: AuditEvent) async throws
    /// The tenant's links (of one agent, when given), by agent and connector name.
    func agentLinks(tenantID: String, agent: Slug?) async throws -> [AgentLink]
}

/// Which runs to list.
public struct RunQuery: Sendable, Hashable {
    /// One tenant's runs, or every tenant's when `nil`.
    public var tenantID: String?
    /// Only this agent's.
    public var agent: Slug?
    /// Only runs in these states (any when empty).
    public var statuses: Set<Run.Status>
    /// Only runs started by this inbound connector.
    public var connector: Slug?
    /// Only runs created at or after this time.
    public var since: Date?
    /// Only runs created before this time.
    public var until: Date?
    /// Only runs listed after this one (its id), for paging backwards through runs that share
    /// a creation time.
    public var after: String?
    /// At most this many, newest first.
    public var limit: Int

    public init(
        tenantID: String?, agent: Slug? = nil, statuses: Set<Run.Status> = [], connector: Slug? = nil, since: Date? = nil,
        until: Date? = nil, after: String? = nil, limit: Int = 100
    ) {
        self.after = after
        self.tenantID = tenantID
        self.agent = agent
        self.statuses = statuses
        self.connector = connector
        self.since = since
        self.until = until
        self.limit = limit
    }
}

/// Runs: a durable queue that workers claim with a lease they keep renewing.
public protocol RunStore: Sendable {
    /// Queues `runs` in one transaction, with `audit` when given: all of them or none.
    func insertRuns(_ runs: [Run], audit: AuditEvent?) async throws
    /// One run (of one tenant, when given).
    func run(tenantID: String?, id: String) async throws -> Run?
    /// Runs matching `query`, newest first.
    func runs(_ query: RunQuery) async throws -> [Run]
    /// Gives `worker` the oldest queued run (or a running one whose lease has expired) until
    /// `leaseUntil`, counting the attempt. A run already taken `maximumAttempts` times fails
    /// instead, as abandoned, since its workers kept dying.
    func claimRun(worker: String, now: Date, leaseUntil: Date, maximumAttempts: Int) async throws -> Run?
    /// Extends `worker`'s lease on a run; `false` when the run is no longer its own.
    func renewLease(runID: String, worker: String, until: Date) async throws -> Bool
    /// Records how `worker`'s run ended, queueing its delivery to every enabled outbound
    /// connector linked to its agent in the same transaction; `false` (and nothing is written)
    /// when the run is no longer its own. A run that waits for an approval keeps its
    /// checkpoint and is queued again when the approval is decided (`decideApproval`).
    func finishRun(runID: String, worker: String, outcome: RunOutcome, trace: [JSONValue], usage: Run.Usage, at: Date) async throws -> Bool
    /// Fails every run waiting for an approval that expired undecided before `now`, queueing
    /// their deliveries; how many.
    func failRunsWaitingOnExpiredApprovals(now: Date) async throws -> Int
    /// Hands `worker`'s run back to the queue unfinished (its server is stopping), not counting
    /// the attempt; `false` when the run is no longer its own.
    func releaseRun(runID: String, worker: String) async throws -> Bool
    /// Puts every running run whose lease expired before `now` back in the queue; how many.
    func requeueExpiredRuns(now: Date) async throws -> Int
}

/// Imported templates (built-in ones are data files, not stored).
public protocol TemplateStore: Sendable {
    /// Stores `template` (its `document`), replacing one with the same slug in the same scope.
    func saveTemplate(_ template: Template, audit: AuditEvent) async throws
    /// The template with `slug` in the tenant's scope, else the platform-wide one.
    func template(tenantID: String?, slug: Slug) async throws -> StoredTemplate?
    /// The tenant's templates and the platform-wide ones (only those when `tenantID` is nil).
    func templates(tenantID: String?) async throws -> [StoredTemplate]
    /// Deletes the tenant's (or the platform-wide, when `tenantID` is nil) template; `not_found` when absent.
    func deleteTemplate(tenantID: String?, slug: Slug, audit: AuditEvent) async throws
}

/// A template as stored: its scope and document, parsed by the caller with the type's fields.
public struct StoredTemplate: Sendable, Hashable {
    public var tenantID: String?
    public var slug: Slug
    public var document: JSONValue
    public var updatedAt: Date

    public init(tenantID: String?, slug: Slug, document: JSONValue, updatedAt: Date) {
        self.tenantID = tenantID
        self.slug = slug
        self.document = document
        self.updatedAt = updatedAt
    }
}

/// Which audit events to list.
public struct AuditQuery: Sendable, Hashable {
    /// One tenant's events, or all when `nil`.
    public var tenantID: String?
    /// Only these actions (any when empty).
    public var actions: Set<String>
    /// Only events by these actors (any when empty).
    public var actors: Set<String>
    /// Only events by actors of these scopes (any when empty).
    public var actorScopes: Set<AuditEvent.ActorScope>
    /// Only events about these targets (a connector's name, a key's id; any when empty).
    public var targets: Set<String>
    /// Only events with these outcomes (`ok` or an error code; any when empty).
    public var outcomes: Set<String>
    /// Only events at or after this time.
    public var since: Date?
    /// Only events before this time.
    public var until: Date?
    /// Only events older than this sequence number (for paging backwards).
    public var before: Int64?
    /// Only events newer than this sequence number (for reading forwards, oldest first).
    public var after: Int64?
    /// At most this many: newest first, or oldest first when `after` is given.
    public var limit: Int

    public init(
        tenantID: String?,
        actions: Set<String> = [],
        actors: Set<String> = [],
        actorScopes: Set<AuditEvent.ActorScope> = [],
        targets: Set<String> = [],
        outcomes: Set<String> = [],
        since: Date? = nil,
        until: Date? = nil,
        before: Int64? = nil,
        after: Int64? = nil,
        limit: Int = 100
    ) {
        self.tenantID = tenantID
        self.actions = actions
        self.actors = actors
        self.actorScopes = actorScopes
        self.targets = targets
        self.outcomes = outcomes
        self.since = since
        self.until = until
        self.before = before
        self.after = after
        self.limit = limit
    }
}

/// What checking an audit chain found.
public struct AuditVerification: Sendable, Hashable {
    /// A place where the chain does not hold.
    public struct Problem: Sendable, Hashable {
        /// The event at fault (`nil`: the chain's end).
        public var sequence: Int64?
        /// What is wrong, in a sentence.
        public var message: String

        public init(sequence: Int64?, message: String) {
            self.sequence = sequence
            self.message = message
        }
    }

    /// Chained events checked.
    public var events: Int
    /// Events written before chaining began (not checked).
    public var unchained: Int
    /// The chain's newest digest (hex), to keep elsewhere and compare later.
    public var head: String?
    /// The first problem found, `nil` when the chain holds.
    public var problem: Problem?

    public init(events: Int, unchained: Int, head: String?, problem: Problem?) {
        self.events = events
        self.unchained = unchained
        self.head = head
        self.problem = problem
    }
}

/// Which deliveries to list.
public struct DeliveryQuery: Sendable, Hashable {
    /// One tenant's deliveries, or every tenant's when `nil`.
    public var tenantID: String?
    /// Only deliveries in these states (any when empty).
    public var statuses: Set<Delivery.Status>
    /// Only deliveries to this outbound connector.
    public var connector: Slug?
    /// Only the deliveries of this run.
    public var runID: String?
    /// At most this many, newest first.
    public var limit: Int

    public init(tenantID: String?, statuses: Set<Delivery.Status> = [], connector: Slug? = nil, runID: String? = nil, limit: Int = 100) {
        self.tenantID = tenantID
        self.statuses = statuses
        self.connector = connector
        self.runID = runID
        self.limit = limit
    }
}

/// Inbound events that start runs, and the deliveries of run results to outbound connectors.
public protocol TriggerStore: Sendable {
    /// The connector with this id, in whichever tenant.
    func connector(id: String) async throws -> ConnectorRecord?
    /// In one transaction, for each event in order: queues a run of every agent linked to the
    /// event's connector and remembers the event's idempotency key. A repeat of a remembered key
    /// (also of an earlier event in `events`) queues nothing and answers the earlier event's runs.
    /// An event whose runs would exceed `limits` (counting the runs queued at that moment, by
    /// any server sharing the store) is refused, storing nothing, with the error
    /// `RunQueueLimits.refusal` gives. Nothing is accepted if it throws.
    func acceptEvents(_ events: [TriggerEvent], limits: RunQueueLimits) async throws -> [Result<AcceptedEvent, JunctionError>]
    /// When the connector's latest event with an idempotency key was accepted (a cron
    /// connector's latest tick), or `nil` if none was.
    func latestEventTime(connectorID: String) async throws -> Date?
    /// Gives out the pending delivery due first (its next attempt at or before `now`), moving
    /// its next attempt to `leaseUntil`: no one else takes it meanwhile, and it is tried again
    /// then if its worker dies.
    func claimDelivery(now: Date, leaseUntil: Date) async throws -> Delivery?
    /// Records how an attempt at `delivery` (as claimed) went; nothing when the claim has since
    /// run out and the delivery was claimed again.
    func recordDelivery(_ delivery: Delivery, attempt: DeliveryAttempt, at: Date) async throws
    /// Forgets idempotency keys remembered before `keysBefore` (but each connector's latest:
    /// a cron connector's last tick) and deliveries delivered before `deliveredBefore`.
    func purgeTriggerHistory(keysBefore: Date, deliveredBefore: Date) async throws
    /// Deliveries matching `query`, newest first.
    func deliveries(_ query: DeliveryQuery) async throws -> [Delivery]
    /// Queues a dead delivery again, due `now` with its attempts reset; `not_found` for no such
    /// delivery, `conflict` when it is not dead.
    func redriveDelivery(tenantID: String, id: String, now: Date, audit: AuditEvent) async throws -> Delivery
}

extension TriggerStore {
    /// `acceptEvents` for one event; a refusal is thrown.
    public func acceptEvent(_ event: TriggerEvent, limits: RunQueueLimits = .unlimited) async throws -> AcceptedEvent {
        try await acceptEvents([event], limits: limits)[0].get()
    }

    /// `acceptEvents` without limits.
    public func acceptEvents(_ events: [TriggerEvent]) async throws -> [AcceptedEvent] {
        try await acceptEvents(events, limits: .unlimited).map { try $0.get() }
    }
}

/// The audit log.
public protocol AuditStore: Sendable {
    /// Appends an event that has no state change of its own (e.g. a failed login).
    func recordAudit(_ event: AuditEvent) async throws
    /// Appends several such events in one transaction, in order.
    func recordAudits(_ events: [AuditEvent]) async throws
    /// Events matching `query`, newest first (oldest first when `query.after` is given).
    func auditEvents(_ query: AuditQuery) async throws -> [AuditEvent]
    /// Checks the hash chain of one tenant's events (the platform's when `nil`): every event's
    /// digest recomputed, every link to its predecessor, and the chain's recorded length and head.
    func verifyAuditChain(tenantID: String?) async throws -> AuditVerification
}

/// A saved version of a tenant's policy.
public struct StoredPolicy: Sendable, Hashable {
    public var tenantID: String
    /// 1 for the first saved, then one more each save.
    public var version: Int
    public var document: JSONValue
    public var createdAt: Date
    /// The key that saved it.
    public var createdBy: String

    public init(tenantID: String, version: Int, document: JSONValue, createdAt: Date, createdBy: String) {
        self.tenantID = tenantID
        self.version = version
        self.document = document
        self.createdAt = createdAt
        self.createdBy = createdBy
    }
}

/// Tenants' policies, every saved version kept.
public protocol PolicyStore: Sendable {
    /// Saves `document` as the tenant's next version and answers it. With `expectedVersion`,
    /// `conflict` unless that is the current version (0: none saved yet).
    func savePolicy(tenantID: String, document: JSONValue, expectedVersion: Int?, by actor: String, audit: AuditEvent) async throws -> StoredPolicy
    /// One version of the tenant's policy, the current one when `version` is `nil`.
    func policy(tenantID: String, version: Int?) async throws -> StoredPolicy?
    /// Every saved version, newest first.
    func policyVersions(tenantID: String) async throws -> [StoredPolicy]
}

/// Which approvals to list.
public struct ApprovalQuery: Sendable, Hashable {
    /// One tenant's, or every tenant's when `nil`.
    public var tenantID: String?
    /// Only approvals in these states at `now` (any when empty).
    public var statuses: Set<Approval.Status>
    /// Only those of this run.
    public var runID: String?
    /// At most this many, newest first.
    public var limit: Int

    public init(tenantID: String?, statuses: Set<Approval.Status> = [], runID: String? = nil, limit: Int = 100) {
        self.tenantID = tenantID
        self.statuses = statuses
        self.runID = runID
        self.limit = limit
    }
}

/// Approvals: requests for a person to let one exact call through.
public protocol ApprovalStore: Sendable {
    /// Stores a new approval request and, in the same transaction, queues `notice` for
    /// delivery to each enabled outbound connector named in `notify` and, for a run's call, to
    /// those linked to the run's agent.
    func insertApproval(_ approval: Approval, notify: [Slug], notice: JSONValue, audit: AuditEvent) async throws
    /// One approval (of one tenant, when given).
    func approval(tenantID: String?, id: String) async throws -> Approval?
    /// Approvals matching `query` at `now`, newest first.
    func approvals(_ query: ApprovalQuery, now: Date) async throws -> [Approval]
    /// The approval for exactly this call that no call has spent — approved and unexpired at
    /// `now` first, then denied, then pending and unexpired; the newest of its kind.
    func openApproval(
        tenantID: String, connector: Slug, resource: Slug, actor: String, argumentsDigest: String, now: Date
    ) async throws -> Approval?
    /// Records a decision on a pending approval and queues the runs waiting for it again (from
    /// their checkpoints, their attempts reset): `not_found`, or `conflict` when it was decided
    /// already or has expired.
    func decideApproval(
        tenantID: String, id: String, approve: Bool, by actor: String, reason: String?, now: Date, audit: AuditEvent
    ) async throws -> Approval
    /// Spends an approval for its call: an approved, unexpired one becomes `used`, a denied one
    /// is marked answered. `false` when another call spent it first (or it expired).
    func spendApproval(id: String, now: Date) async throws -> Bool
}

/// What a refresh token came to when it was used.
public enum RefreshOutcome: Sendable {
    /// It was current: it is spent, and the new tokens are stored, for this grant.
    case rotated(OAuthGrant)
    /// It had been used before (a stolen copy, or a client that lost the newer one): the
    /// whole grant is revoked, as OAuth 2.1 asks.
    case reused(OAuthGrant)
    /// Unknown, expired, or of a revoked grant.
    case invalid
}

/// Junction's OAuth 2.1 authorization server: registered clients, grants, single-use codes,
/// and tokens, the last two only as digests.
public protocol OAuthStore: Sendable {
    /// Stores a registered client.
    func insertOAuthClient(_ client: OAuthClient, audit: AuditEvent) async throws
    /// The registered client `id`.
    func oauthClient(id: String) async throws -> OAuthClient?
    /// How many clients are registered.
    func oauthClientCount() async throws -> Int
    /// Stores a consent and the code it answers with.
    func insertOAuthGrant(_ grant: OAuthGrant, code: OAuthCode, audit: AuditEvent) async throws
    /// Spends the code with this digest if it exists, is unspent and unexpired at `now`; the
    /// code and its grant. A code presented again revokes its grant (and its tokens).
    func redeemOAuthCode(digest: [UInt8], now: Date) async throws -> (grant: OAuthGrant, code: OAuthCode)?
    /// Stores tokens issued for a grant.
    func insertOAuthTokens(_ tokens: [OAuthToken]) async throws
    /// Spends the refresh token with this digest and stores `tokens` in its place (see `RefreshOutcome`).
    func rotateOAuthRefreshToken(digest: [UInt8], now: Date, issuing tokens: [OAuthToken], audit: AuditEvent) async throws -> RefreshOutcome
    /// The grant of the unexpired, unrevoked access token with this digest.
    func oauthAccessGrant(digest: [UInt8], now: Date) async throws -> OAuthGrant?
    /// Forgets codes and tokens that expired before `cutoff`.
    func purgeOAuth(expiredBefore cutoff: Date) async throws
}

/// Web console sessions, stored as digests of their tokens.
public protocol ConsoleSessionStore: Sendable {
    /// Stores a new session, recording the sign-in.
    func insertConsoleSession(_ session: ConsoleSession, audit: AuditEvent) async throws
    /// The session with this digest if it has not expired at `now`.
    func consoleSession(digest: [UInt8], now: Date) async throws -> ConsoleSession?
    /// Stores the session's new expiry and chosen tenant (`not_found` when it is gone).
    func updateConsoleSession(_ session: ConsoleSession) async throws
    /// Ends the session with this digest (nothing when there is none), recording the sign-out.
    func deleteConsoleSession(digest: [UInt8], audit: AuditEvent?) async throws
    /// Forgets sessions that expired before `cutoff`.
    func purgeConsoleSessions(expiredBefore cutoff: Date) async throws
}

/// OAuth apps of tenants at providers, the tokens of `oauth2` credentials, and authorizations
/// under way (Junction as an OAuth client).
public protocol OAuthConnectionStore: Sendable {
    /// Inserts an app: `conflict` on a duplicate name in the tenant.
    func insertOAuthApp(_ app: OAuthApp, audit: AuditEvent) async throws
    /// One app by tenant and name.
    func oauthApp(tenantID: String, name: Slug) async throws -> OAuthApp?
    /// A tenant's apps, by name.
    func oauthApps(tenantID: String) async throws -> [OAuthApp]
    /// Stores an existing app's new settings: `not_found` when absent.
    func replaceOAuthApp(_ app: OAuthApp, audit: AuditEvent) async throws
    /// Deletes an app: `not_found` when absent, `conflict` naming the credentials that use it.
    func deleteOAuthApp(tenantID: String, name: Slug, audit: AuditEvent) async throws
    /// Stores an authorization under way.
    func insertConnectAttempt(_ attempt: OAuthConnectAttempt) async throws
    /// Takes (deletes and answers) the unexpired attempt with this state digest: each is used once.
    func takeConnectAttempt(stateDigest: [UInt8], now: Date) async throws -> OAuthConnectAttempt?
    /// The token state of an `oauth2` credential (`nil`: never connected).
    func oauthTokenState(credentialID: String) async throws -> OAuthTokenState?
    /// Stores `state` if the stored version is still `expectedVersion` (`nil`: none stored);
    /// `false`, storing nothing, when another writer changed it first. `notice` is queued for
    /// delivery to the outbound connectors named in `notify`, and `audit` recorded, in the
    /// same transaction.
    func storeOAuthTokenState(
        _ state: OAuthTokenState, expectedVersion: Int?, audit: AuditEvent?, notify: [Slug], notice: JSONValue?
    ) async throws -> Bool
    /// Forgets attempts that expired before `cutoff`.
    func purgeConnectAttempts(expiredBefore cutoff: Date) async throws
}
