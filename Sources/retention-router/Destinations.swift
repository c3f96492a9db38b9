import FileDestination
import RouterCore
import SegmentDestination
import WebhookDestination

/// The one place that lists the destination modules this executable ships.
enum Destinations {
    static var registry: DestinationRegistry {
        var registry = DestinationRegistry()
        registry.register(FileDestinationFactory.self)
        registry.register(SegmentDestinationFactory.self)
        registry.register(WebhookDestinationFactory.self)
        return registry
    }
}
