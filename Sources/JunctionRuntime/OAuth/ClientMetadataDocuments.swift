import Foundation
import JunctionConnectors
import JunctionCore

/// OAuth clients identified by the HTTPS URL of their metadata document (the OAuth Client ID
/// Metadata Document draft MCP recommends): the document is fetched, as any outbound call is
/// (the network policy applies, certificates are verified), checked (its `client_id` is its
/// URL, it names the client and its redirect URIs), and kept for five minutes.
struct ClientMetadataDocuments: Sendable {
    /// The largest document read.
    static let maximumBytes = 64 << 10

    private let sender: HTTPSender
    private let cache = ExpiringCache<OAuthClient>(timeToLive: .seconds(300), capacity: 1000)

    init(sender: HTTPSender) {
        self.sender = sender
    }

    /// Whether `clientID` is a metadata document's URL: https, with a host and a path beyond `/`,
    /// no fragment, no user or password.
    static func isDocumentURL(_ clientID: String) -> Bool {
        guard clientID.hasPrefix("https://"), clientID.utf8.count <= 2000, let components = URLComponents(string: clientID),
              components.host?.isEmpty == false, components.path.count > 1, components.fragment == nil,
              components.user == nil, components.password == nil
        else { return false }
        return true
    }

    /// The client the document at `url` describes.
    func client(at url: String) async throws -> OAuthClient {
        if let cached = cache.value(for: url) { return cached }
        let answer: HTTPSender.Answer
        do {
            answer = try await sender.get(
                url, headers: [("Accept", "application/json")], timeout: .seconds(5), context: "the client's metadata document")
        } catch let error as JunctionError {
            throw OAuthError(.invalidClient, "The client's metadata document at \(url) could not be read: \(error.message)")
        }
        guard answer.isSuccess else {
            throw OAuthError(.invalidClient, "The client's metadata document at \(url) answered HTTP \(answer.status).")
        }
        guard answer.body.count <= Self.maximumBytes, case .object(let document)? = answer.json else {
            throw OAuthError(.invalidClient, "The client's metadata document at \(url) is not a JSON object of at most 64 KiB.")
        }
        guard document["client_id"] == .string(url) else {
            throw OAuthError(.invalidClient, "The client's metadata document names another client_id than its own URL, \(url).")
        }
        guard case .string(let name)? = document["client_name"], !name.isEmpty else {
            throw OAuthError(.invalidClientMetadata, "The client's metadata document at \(url) has no client_name.")
        }
        guard case .array(let listed)? = document["redirect_uris"], !listed.isEmpty,
              let uris = Optional(listed.compactMap(\.stringValue)), uris.count == listed.count,
              uris.allSatisfy(OAuthAuthority.isAcceptableRedirect)
        else {
            throw OAuthError(.invalidRedirectURI, "The client's metadata document at \(url) lists no acceptable redirect_uris.")
        }
        if let method = document["token_endpoint_auth_method"]?.stringValue, method != "none" {
            throw OAuthError(.invalidClientMetadata, "Only public clients (token_endpoint_auth_method none) are supported, not \(method).")
        }
        let client = OAuthClient(id: url, name: String(name.prefix(100)), redirectURIs: uris)
        cache.insert(client, for: url)
        return client
    }
}
