import Crypto
import Foundation
import JunctionCore

/// Seals secrets with AES-256-GCM under a keyring.
///
/// Every ciphertext names the key that sealed it, so older keys can stay in the ring while
/// `secrets rotate` re-seals under a new primary. Each seal binds a context string (such as
/// the credential's id) as authenticated data, so a ciphertext copied to another row fails to open.
///
/// Layout: `"jx1"`, one byte key-id length, the key id, then nonce ‖ ciphertext ‖ tag.
public struct SecretBox: Sendable {
    /// A 256-bit key and its id (the first 8 hex digits of its SHA-256).
    public struct Key: Sendable {
        /// A short, stable id derived from the key.
        public let id: String
        /// The raw key material; `SymmetricKey` is made from it per use, as it is not `Sendable`.
        private let material: [UInt8]
        var key: SymmetricKey { SymmetricKey(data: material) }

        /// Wraps 32 bytes of key material.
        public init(bytes: some ContiguousBytes) throws(JunctionError) {
            let key = SymmetricKey(data: bytes)
            guard key.bitCount == 256 else {
                throw .invalidInput("A master key must be exactly 32 bytes (base64 of 32 random bytes).")
            }
            self.material = key.withUnsafeBytes { Array($0) }
            self.id = HexDigits.lowercase(key.withUnsafeBytes { SHA256.hash(data: $0) }.prefix(4))
        }

        /// A new random key.
        public static func random() -> Key {
            // A 32-byte SymmetricKey always satisfies init(bytes:).
            try! Key(bytes: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
        }
    }

    private static let magic: [UInt8] = Array("jx1".utf8)

    /// The key new secrets are sealed with.
    public let primary: Key
    private let keys: [String: Key]

    /// A keyring: `primary` seals, and every key (primary and `previous`) opens.
    public init(primary: Key, previous: [Key] = []) {
        self.primary = primary
        var keys = Dictionary(previous.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        keys[primary.id] = primary
        self.keys = keys
    }

    /// Encrypts `plaintext`, binding `context` as authenticated data.
    public func seal(_ plaintext: some DataProtocol, context: String) throws -> [UInt8] {
        let box = try AES.GCM.seal(plaintext, using: primary.key, authenticating: Array(context.utf8))
        guard let combined = box.combined else { throw JunctionError.internal("AES-GCM produced no output.") }
        var out = SecretBox.magic
        out.append(UInt8(primary.id.utf8.count))
        out.append(contentsOf: primary.id.utf8)
        out.append(contentsOf: combined)
        return out
    }

    /// Decrypts what `seal` produced with the same `context`.
    public func open(_ sealed: [UInt8], context: String) throws -> [UInt8] {
        let keyID = try Self.keyID(of: sealed)
        guard let key = keys[keyID] else {
            throw JunctionError.internal("A secret is sealed with key \(keyID), which is not in the keyring.")
        }
        let body = sealed.dropFirst(SecretBox.magic.count + 1 + keyID.utf8.count)
        do {
            let box = try AES.GCM.SealedBox(combined: body)
            return Array(try AES.GCM.open(box, using: key.key, authenticating: Array(context.utf8)))
        } catch {
            throw JunctionError.internal("A sealed secret failed to open (wrong key or tampered data).", cause: error)
        }
    }

    /// The id of the key that sealed `sealed`.
    public static func keyID(of sealed: [UInt8]) throws -> String {
        guard sealed.count > magic.count + 1, sealed.starts(with: magic) else {
            throw JunctionError.internal("Not a sealed secret.")
        }
        let length = Int(sealed[magic.count])
        let start = magic.count + 1
        guard sealed.count > start + length else { throw JunctionError.internal("Truncated sealed secret.") }
        return String(decoding: sealed[start..<(start + length)], as: UTF8.self)
    }

    /// Seals a JSON object (an empty object seals to no bytes at all).
    public func sealJSON(_ object: [String: JSONValue], context: String) throws -> [UInt8] {
        guard !object.isEmpty else { return [] }
        return try seal(JSONCoding.encode(JSONValue.object(object)), context: context)
    }

    /// Opens what `sealJSON` produced.
    public func openJSON(_ sealed: [UInt8], context: String) throws -> [String: JSONValue] {
        guard !sealed.isEmpty else { return [:] }
        let bytes = try open(sealed, context: context)
        guard case .object(let object) = try JSONCoding.decodeStored(bytes) else {
            throw JunctionError.internal("A sealed secret is not a JSON object.")
        }
        return object
    }
}
