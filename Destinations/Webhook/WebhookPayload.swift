import RouterCore

/// The JSON body of a webhook request:
/// `{"id", "type", "tenant", "timestamp", "data": {…the event's properties…}}`.
public enum WebhookPayload {
    /// Encodes one event; `timestamp` is when it happened.
    public static func encode(_ event: RetentionEvent) -> [UInt8] {
        var writer = JSONWriter(capacity: 2560)
        writer.raw("{\"id\":")
        writer.string(event.id)
        writer.raw(",\"type\":")
        writer.string(event.eventName)
        writer.raw(",\"tenant\":")
        writer.string(event.tenant)
        writer.raw(",\"timestamp\":")
        writer.string(event.occurredAt.iso8601)
        writer.raw(",\"data\":")
        writer.properties(of: event)
        writer.raw("}")
        return writer.bytes
    }
}
