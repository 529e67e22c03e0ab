import JunctionCore
import NIOSSL

/// The TLS client context of the families that speak their own protocol (PostgreSQL, SMTP,
/// FTP): the system's roots plus an option's PEM certificates, or no verification at all.
enum ClientTLS {
    /// A context trusting `caPEM` (the `tls_ca` option) besides the system's roots, checking
    /// certificates unless `verify` is false; a bad PEM is `invalid_input` on `options.tls_ca`.
    static func context(caPEM: String?, verify: Bool = true) throws(JunctionError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if !verify { configuration.certificateVerification = .none }
        if let caPEM, !caPEM.isEmpty {
            do {
                configuration.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)))]
            } catch {
                throw .invalidInput("Not a PEM certificate: \(error).", field: "options.tls_ca")
            }
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw .invalidInput("The TLS settings cannot be used: \(error).", field: "options.tls")
        }
    }
}
