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
    private let cache: Mutex<Decoded?>

    /// The decoded values, or why the text could not be decoded.
    private struct Decoded {
        var values: [String: JSONValue]
        var problem: JSONParseError?
    }

    /// Properties built from values.
    init(values: [String: JSONValue], encoded: [UInt8]? = nil) {
        self.encoded = encoded
        self.cache = Mutex(Decoded(values: values, problem: nil))
    }

    /// Properties known only as text that is a valid JSON object (checked at ingest, and again
    /// when the store reads a row back).
    init(encoded: [UInt8]) {
        self.encoded = encoded
        self.cache = Mutex(nil)
    }

    /// The decoded values; empty when the text cannot be decoded, which `problem` then says:
    /// a destination that reads values must check it, so nothing is sent emptier than it came.
    var values: [String: JSONValue] { self.decoded.values }

    /// Why the text is not a JSON object, when it is not; nil for sound properties.
    var problem: JSONParseError? { self.decoded.problem }

    private var decoded: Decoded {
        self.cache.withLock { cache in
            if let cache { return cache }
            var decoded = Decoded(values: [:], problem: nil)
            if let encoded = self.encoded {
                do throws(JSONParseError) {
                    if case .object(let members) = try JSONParser.parse(encoded, maxDepth: 1024) {
                        decoded.values = members
                    } else {
                        decoded.problem = JSONParseError(code: .syntax, offset: 0, message: "the properties are not a JSON object")
                    }
                } catch {
                    decoded.problem = error
                }
            }
            cache = decoded
            return decoded
        }
    }
}
