import RouterCore

/// Encodes events as the file sink's NDJSON lines:
/// `{"id","type","tenant","occurred_at","received_at","properties"}` followed by a newline.
public enum FileLineEncoder {
    /// Appends one line per event to a single buffer.
    public static func encode(_ events: [RoutedEvent]) -> [UInt8] {
        var writer = JSONWriter(capacity: events.count * 2048)
        for routed in events {
            let event = routed.event
            writer.raw("{\"id\":")
            writer.string(event.id)
            writer.raw(",\"type\":")
            writer.string(event.eventName)
            writer.raw(",\"tenant\":")
            writer.string(event.tenant)
            writer.raw(",\"occurred_at\":")
            writer.string(event.occurredAt.iso8601)
            writer.raw(",\"received_at\":")
            writer.string(event.receivedAt.iso8601)
            writer.raw(",\"properties\":")
            writer.properties(of: event)
            writer.raw("}\n")
        }
        return writer.bytes
    }
}
