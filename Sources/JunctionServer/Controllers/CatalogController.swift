import Hummingbird
import JunctionCore

/// `/api/v1/connector-types`: each registered type's spec (fields, secrets, defaults).
struct CatalogController: Sendable {
    let registry: ConnectorRegistry

    func register(on group: RouterGroup<JunctionRequestContext>) {
        group.get("connector-types") { _, context in
            _ = try context.requirePrincipal()
            return JSONResponse.make(["connector_types": registry.specs])
        }
        group.get("connector-types/{type}") { _, context in
            _ = try context.requirePrincipal()
            let type = try context.parameters.require("type")
            guard let spec = registry.spec(for: type) else {
                throw JunctionError.notFound("No connector type '\(type.prefix(64))'.")
            }
            return JSONResponse.make(spec)
        }
    }
}
