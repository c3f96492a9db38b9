/// What one destination of a tenant would do with some events: which it would not take and
/// why, and exactly what it would send for the rest. Built by `retention-router preview` and the
/// admin route `POST /v1/tenants/{tenant}/destinations/{destination}/preview`; nothing is stored
/// or sent.
public struct PreviewReport: Sendable {
    /// An event the destination would not take.
    public struct NotRouted: Sendable, Equatable {
        public var eventID: String
        public var why: String
    }

    /// The tenant.
    public var tenant: String
    /// The destination's id.
    public var destination: String
    /// The destination's module type.
    public var type: String
    /// The moment the preview was made for (`sentAt`, signature timestamps).
    public var now: Timestamp
    /// Events not routed to the destination.
    public var notRouted: [NotRouted]
    /// What it would send for the others.
    public var preview: DeliveryPreview

    /// Routes `events` as ingest would and asks the destination what it would send.
    public init(tenant: TenantConfiguration, destination: ConfiguredDestination, events: [RetentionEvent], now: Timestamp) {
        self.tenant = tenant.name
        self.destination = destination.id
        self.type = destination.type
        self.now = now
        var routed: [RoutedEvent] = []
        var notRouted: [NotRouted] = []
        for (index, event) in events.enumerated() {
            if let why = destination.exclusionReason(for: event) {
                notRouted.append(.init(eventID: event.id, why: why))
            } else {
                routed.append(RoutedEvent(event: event, sequence: Int64(index), attempt: 1))
            }
        }
        self.notRouted = notRouted
        self.preview = routed.isEmpty ? DeliveryPreview() : destination.destination.preview(routed, now: now)
    }

    /// The report as JSON: bodies and file bytes as exact text.
    public var json: JSONValue {
        func text(_ bytes: [UInt8]) -> JSONValue { .string(String(decoding: bytes, as: UTF8.self)) }
        return [
            "tenant": .string(self.tenant),
            "destination": .string(self.destination),
            "type": .string(self.type),
            "at": .string(self.now.iso8601),
            "notRouted": .array(self.notRouted.map { ["id": .string($0.eventID), "why": .string($0.why)] }),
            "requests": .array(
                self.preview.requests.map { request in
                    [
                        "method": .string(request.method),
                        "url": .string(request.url),
                        "headers": .array(request.headers.map { ["name": .string($0.name), "value": .string($0.value)] }),
                        "body": text(request.body),
                    ]
                }
            ),
            "fileWrites": .array(self.preview.fileWrites.map { ["path": .string($0.path), "text": text($0.bytes)] }),
            "unsent": .array(
                self.preview.unsent.map { ["id": .string($0.eventID), "code": .string($0.reason.code), "message": .string($0.reason.message)] }
            ),
        ]
    }

    /// The report for a terminal: each request as it would go on the wire (headers, a blank
    /// line, the body), each file write as its lines, and `#` lines for what is not sent.
    public var text: String {
        var output = "# preview of \(self.destination) (\(self.type)) for tenant \(self.tenant) at \(self.now.iso8601); nothing is sent\n"
        for skipped in self.notRouted {
            output += "# not routed: \(skipped.eventID): \(skipped.why)\n"
        }
        for unsent in self.preview.unsent {
            output += "# not sent: \(unsent.eventID): \(unsent.reason.code): \(unsent.reason.message)\n"
        }
        for request in self.preview.requests {
            output += "\n\(request.method) \(request.url)\n"
            for header in request.headers { output += "\(header.name): \(header.value)\n" }
            output += "\n" + String(decoding: request.body, as: UTF8.self) + "\n"
        }
        for write in self.preview.fileWrites {
            output += "\n# append to \(write.path)\n" + String(decoding: write.bytes, as: UTF8.self)
        }
        return output
    }
}
