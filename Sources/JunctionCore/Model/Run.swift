import Foundation

/// One execution of one agent for one trigger event: durable from the moment it is queued,
/// `queued → running → completed | failed`, with `running → waiting_approval → queued` while a
/// call it makes waits for a person's approval.
public struct Run: Sendable, Hashable {
    /// Where a run is in its life.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case queued
        case running
        case completed
        case failed
        /// A call the run made waits for an approval; the run goes on from where it stopped
        /// once the approval is decided.
        case waitingApproval = "waiting_approval"

        /// Whether the run has ended.
        public var isTerminal: Bool { self == .completed || self == .failed }
    }

    /// What started the run.
    public struct Trigger: Sendable, Hashable {
        /// `api` (a direct request), `webhook`, `cron`, …
        public var kind: String
        /// The inbound connector, when one started it.
        public var connector: Slug?

        public init(kind: String, connector: Slug? = nil) {
            self.kind = kind
            self.connector = connector
        }
    }

    /// Why a run failed.
    public struct Failure: Sendable, Hashable {
        /// A stable code such as `upstream_error` or `invalid_output`.
        public var code: ErrorCode
        public var message: String

        public init(code: ErrorCode, message: String) {
            self.code = code
            self.message = message
        }

        /// The failure `error` describes.
        public init(_ error: JunctionError) {
            self.init(code: error.code, message: error.message)
        }
    }

    /// Tokens a run's model calls used.
    public struct Usage: Sendable, Hashable {
        public var inputTokens: Int
        public var outputTokens: Int

        public init(inputTokens: Int = 0, outputTokens: Int = 0) {
            self.inputTokens = inputTokens
            self.outputTokens = outputTokens
        }
    }

    /// The run's id (`run_…`).
    public var id: String
    public var tenantID: String
    /// The agent it runs (its name at the time).
    public var agent: Slug
    public var trigger: Trigger
    public var status: Status
    /// What the trigger passed in (a webhook's body, a cron prompt, …).
    public var input: JSONValue
    /// The result, once completed.
    public var output: JSONValue?
    /// Why it failed, once failed.
    public var failure: Failure?
    /// What happened, step by step: model calls and tool calls with their durations.
    public var trace: [JSONValue]
    public var usage: Usage
    /// How many times a worker has taken it (more than one after a crash).
    public var attempts: Int
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    /// The approval the run waits for (or last waited for).
    public var approvalID: String?
    /// Where the run stopped to wait, for its runner to go on from (the runner's own format).
    public var checkpoint: JSONValue?

    public init(
        id: String = Identifier.make("run"), tenantID: String, agent: Slug, trigger: Trigger, input: JSONValue,
        status: Status = .queued, output: JSONValue? = nil, failure: Failure? = nil, trace: [JSONValue] = [],
        usage: Usage = Usage(), attempts: Int = 0, createdAt: Date = Timestamp.now(), startedAt: Date? = nil,
        finishedAt: Date? = nil, approvalID: String? = nil, checkpoint: JSONValue? = nil
    ) {
        self.approvalID = approvalID
        self.checkpoint = checkpoint
        self.id = id
        self.tenantID = tenantID
        self.agent = agent
        self.trigger = trigger
        self.input = input
        self.status = status
        self.output = output
        self.failure = failure
        self.trace = trace
        self.usage = usage
        self.attempts = attempts
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// How a run ended, as its worker reports it.
public enum RunOutcome: Sendable {
    case completed(output: JSONValue)
    case failed(Run.Failure)
    /// A call waits for approval `approvalID`; `checkpoint` is where to go on from.
    case waiting(approvalID: String, checkpoint: JSONValue)
}
