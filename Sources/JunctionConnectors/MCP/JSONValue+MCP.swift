import Foundation
import JunctionCore
import MCP

extension JSONValue {
    /// The same JSON as the MCP SDK's value; `data` becomes its base64 text.
    public init(_ value: MCP.Value) {
        switch value {
        case .null: self = .null
        case .bool(let bool): self = .bool(bool)
        case .int(let int): self = .integer(int)
        case .double(let double): self = .number(double)
        case .string(let string): self = .string(string)
        case .data(_, let data): self = .string(data.base64EncodedString())
        case .array(let items): self = .array(items.map(JSONValue.init))
        case .object(let members): self = .object(members.mapValues(JSONValue.init))
        }
    }
}

extension MCP.Value {
    /// The same JSON as Junction's value.
    public init(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let bool): self = .bool(bool)
        case .integer(let int): self = .int(int)
        case .number(let double): self = .double(double)
        case .string(let string): self = .string(string)
        case .array(let items): self = .array(items.map(MCP.Value.init))
        case .object(let members): self = .object(members.mapValues(MCP.Value.init))
        }
    }
}
