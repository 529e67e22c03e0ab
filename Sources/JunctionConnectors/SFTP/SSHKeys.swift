import Crypto
import Foundation
import JunctionCore
import NIOCore
import NIOSSH

/// SSH keys as users keep them: private keys in OpenSSH's own format (`ssh-keygen`'s default,
/// unencrypted) or, for ECDSA, PEM; host keys shown and pinned by their OpenSSH fingerprint.
enum SSHKeys {
    /// `SHA256:…`, as `ssh-keygen -lf` and OpenSSH's prompts print it.
    static func fingerprint(_ key: NIOSSHPublicKey) -> String {
        let blob = String(openSSHPublicKey: key).split(separator: " ").dropFirst().first.flatMap { Data(base64Encoded: String($0)) } ?? Data()
        let digest = Data(SHA256.hash(data: blob)).base64EncodedString()
        return "SHA256:" + digest.replacingOccurrences(of: "=", with: "")
    }

    /// A private key from its text: `-----BEGIN OPENSSH PRIVATE KEY-----` (Ed25519 or ECDSA,
    /// without a passphrase) or a PEM ECDSA key. RSA keys are not supported by the SSH
    /// implementation Junction uses; `field` names the input at fault.
    static func privateKey(_ text: String, field: String) throws(JunctionError) -> NIOSSHPrivateKey {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("-----BEGIN OPENSSH PRIVATE KEY-----") { return try openSSH(trimmed, field: field) }
        if let key = try? P256.Signing.PrivateKey(pemRepresentation: trimmed) { return NIOSSHPrivateKey(p256Key: key) }
        if let key = try? P384.Signing.PrivateKey(pemRepresentation: trimmed) { return NIOSSHPrivateKey(p384Key: key) }
        if let key = try? P521.Signing.PrivateKey(pemRepresentation: trimmed) { return NIOSSHPrivateKey(p521Key: key) }
        if trimmed.contains("RSA") {
            throw .invalidInput("RSA keys are not supported: use an Ed25519 or ECDSA key (ssh-keygen -t ed25519).", field: field)
        }
        throw .invalidInput("Expected an OpenSSH private key (-----BEGIN OPENSSH PRIVATE KEY-----) or a PEM ECDSA key.", field: field)
    }

    private static func openSSH(_ text: String, field: String) throws(JunctionError) -> NIOSSHPrivateKey {
        let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let data = Data(base64Encoded: body) else { throw .invalidInput("The key's base64 is damaged.", field: field) }
        var buffer = ByteBuffer(bytes: data)
        let magic = Array("openssh-key-v1\0".utf8)
        guard buffer.readBytes(length: magic.count) == magic else { throw .invalidInput("Not an openssh-key-v1 key.", field: field) }
        guard let cipher = buffer.readSSHString(), let _ = buffer.readSSHString(), let _ = buffer.readSSHBytes(),
              let count = buffer.readInteger(as: UInt32.self), count == 1, buffer.readSSHBytes() != nil,
              var secret = buffer.readSSHBytes()
        else { throw .invalidInput("The OpenSSH key is malformed.", field: field) }
        guard cipher == "none" else {
            throw .invalidInput("The key is protected by a passphrase: give it without one (ssh-keygen -p -N '' -f KEY).", field: field)
        }
        guard let check1 = secret.readInteger(as: UInt32.self), let check2 = secret.readInteger(as: UInt32.self), check1 == check2,
              let type = secret.readSSHString()
        else { throw .invalidInput("The OpenSSH key is malformed.", field: field) }
        do {
            switch type {
            case "ssh-ed25519":
                guard secret.readSSHBytes() != nil, let pair = secret.readSSHBytes(), pair.readableBytes == 64 else { break }
                return NIOSSHPrivateKey(ed25519Key: try Curve25519.Signing.PrivateKey(rawRepresentation: pair.getBytes(at: pair.readerIndex, length: 32)!))
            case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521":
                guard secret.readSSHString() != nil, secret.readSSHBytes() != nil, var scalar = secret.readSSHBytes() else { break }
                var bytes = scalar.readBytes(length: scalar.readableBytes) ?? []
                let size = type.hasSuffix("256") ? 32 : type.hasSuffix("384") ? 48 : 66
                while bytes.count > size, bytes.first == 0 { bytes.removeFirst() }
                bytes = Array(repeating: 0, count: max(0, size - bytes.count)) + bytes
                switch size {
                case 32: return NIOSSHPrivateKey(p256Key: try P256.Signing.PrivateKey(rawRepresentation: bytes))
                case 48: return NIOSSHPrivateKey(p384Key: try P384.Signing.PrivateKey(rawRepresentation: bytes))
                default: return NIOSSHPrivateKey(p521Key: try P521.Signing.PrivateKey(rawRepresentation: bytes))
                }
            case "ssh-rsa":
                throw JunctionError.invalidInput("RSA keys are not supported: use an Ed25519 or ECDSA key (ssh-keygen -t ed25519).", field: field)
            default:
                throw JunctionError.invalidInput("Keys of type \(type.prefix(40)) are not supported: use Ed25519 or ECDSA.", field: field)
            }
        } catch let error as JunctionError {
            throw error
        } catch {
            throw .invalidInput("The key's numbers are not a valid key.", field: field)
        }
        throw .invalidInput("The OpenSSH key is malformed.", field: field)
    }
}

extension ByteBuffer {
    /// An SSH `string` (uint32 length, then bytes) as bytes.
    mutating func readSSHBytes() -> ByteBuffer? {
        let start = readerIndex
        guard let length = readInteger(as: UInt32.self), let bytes = readSlice(length: Int(length)) else {
            moveReaderIndex(to: start)
            return nil
        }
        return bytes
    }

    /// An SSH `string` as UTF-8 text.
    mutating func readSSHString() -> String? {
        guard var bytes = readSSHBytes() else { return nil }
        return bytes.readString(length: bytes.readableBytes)
    }

    /// Writes an SSH `string`.
    @discardableResult
    mutating func writeSSHString(_ text: String) -> Int {
        writeInteger(UInt32(text.utf8.count)) + writeString(text)
    }
}
