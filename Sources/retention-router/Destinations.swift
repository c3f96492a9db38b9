import FileDestination
import RouterCore

/// The one place that lists the destination modules this executable ships.
enum Destinations {
    static var registry: DestinationRegistry {
        var registry = DestinationRegistry()
        registry.register(FileDestinationFactory.self)
        return registry
    }
}
