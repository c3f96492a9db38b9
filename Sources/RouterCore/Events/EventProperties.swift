import Synchronization

/// An event's properties, held as the JSON text the source sent, decoded into values only when
/// something asks for them (and then once).
///
/// Ingest, the store and the text sinks (file, webhook) only ever move the text, so most events
/// are never decoded on the hot path; Segment's encoder and the operator API decode on demand.
/// `@unchecked`-free: the text is immutable and the decoded cache sits behind a `Mutex`.
final class EventProperties: Sendable {
    /// The JSON object text; nil for properties built in code.
    let encoded: [UInt8]?
    private let cache: Mutex<[String: JSONValue]?>

    /// Properties built from values.
    init(values: [String: JSONValue], encoded: [UInt8]? = nil) {
        self.encoded = encoded
        self.cache = Mutex(values)
    }

    /// Properties known only as text that is a valid JSON object (checked at ingest).
    init(encoded: [UInt8]) {
        self.encoded = encoded
        self.cache = Mutex(nil)
    }

    /// The decoded values.
    var values: [String: JSONValue] {
        self.cache.withLock { cache in
            if let cache { return cache }
            // The text was validated as an object when it entered the router.
            let decoded: [String: JSONValue]
            if let encoded = self.encoded, case .object(let members)? = try? JSONParser.parse(encoded, maxDepth: 1024) {
                decoded = members
            } else {
                decoded = [:]
            }
            cache = decoded
            return decoded
        }
    }
}
