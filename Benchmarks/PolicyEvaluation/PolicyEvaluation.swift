import Foundation
import JunctionCore

/// How long one policy decision takes in-process, the part of an invoke governance adds: the
/// same policies as `Benchmarks/policies` (rules that match no call, so every one is evaluated,
/// conditions on the arguments included), decided a million times each. Prints nanoseconds
/// per decision. Run by `Benchmarks/policies`, built in release mode.
@main
enum PolicyEvaluation {
    static func policy(rules count: Int) throws -> Policy {
        var rules: [JSONValue] = []
        for index in 0..<count {
            if index % 2 == 1 {
                rules.append(["id": .string("r\(index)"), "effect": "deny", "connector": .string("other-\(index)-*"), "kind": "write"])
            } else {
                rules.append([
                    "id": .string("r\(index)"), "effect": "require_approval", "resource": "get-*",
                    "when": [.string("data.id == 'never-\(index)'")],
                ])
            }
        }
        return try Policy(json: ["rules": .array(rules)])
    }

    static func main() throws {
        let call = PolicyCall(
            connector: "crm", resource: "get-customer", kind: .read, actor: "key_01a23c1908b0f1570097ef548ffe8dbd",
            data: ["id": "c-42"], isStructured: false)
        let iterations = 1_000_000
        let clock = ContinuousClock()
        print("rules  ns/decision")
        for count in [0, 10, 100] {
            let policy = try policy(rules: count)
            var allowed = 0
            let elapsed = clock.measure {
                for _ in 0..<iterations where policy.decide(call).effect == .allow { allowed += 1 }
            }
            precondition(allowed == iterations, "every call is allowed by the default")
            let (seconds, attoseconds) = elapsed.components
            let nanoseconds = (Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(iterations)
            print("\(String(count).padding(toLength: 5, withPad: " ", startingAt: 0))  \(String(format: "%.0f", nanoseconds))")
        }
    }
}
