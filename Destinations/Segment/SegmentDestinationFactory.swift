import Logging
import RouterCore

/// Builds `"segment"` destinations: Track and Identify calls to Segment's HTTP Tracking API.
///
/// ```json
/// {"id": "segment", "type": "segment", "settings": {"writeKey": {"env": "ACME_SEGMENT_WRITE_KEY"}}}
/// ```
/// See `SegmentSettings` for every setting and its default.
public struct SegmentDestinationFactory: DestinationFactory {
    public static let type = "segment"

    public static func make(_ settings: SegmentSettings, context: DestinationContext) throws -> any Destination {
        if let problem = context.addressGuard.validate(url: settings.endpoint) {
            throw SettingsError(key: "endpoint", message: problem)
        }
        var context = context
        context.logger[metadataKey: "destination.type"] = "\(Self.type)"
        return SegmentDestination(settings: settings, context: context)
    }
}
