import RouterCore
import Signing

/// Builds `"webhook"` destinations: one signed JSON POST per event.
public struct WebhookDestinationFactory: DestinationFactory {
    public static let type = "webhook"

    public static func make(_ settings: WebhookSettings, context: DestinationContext) throws -> any Destination {
        // Every problem is collected, so one does not hide another.
        var problems = SettingsProblems()
        if let problem = context.addressGuard.validate(url: settings.url) {
            problems.add("url", problem)
        }
        var keys: [SigningKey] = []
        for (index, secret) in settings.secrets.enumerated() {
            do {
                keys.append(try SigningKey(secret: secret.value, scheme: settings.scheme))
            } catch {
                problems.add("secrets[\(index)]", error.message)
            }
        }
        for name in settings.headers.keys.sorted() {
            if name.isEmpty || !name.utf8.allSatisfy(Self.isTokenByte) {
                problems.add("headers.\(name)", "is not a valid header name")
            } else if WebhookSettings.reservedHeaders.contains(name.lowercased()) {
                problems.add("headers.\(name)", "is set by the router and cannot be overridden")
            }
        }
        for (name, value) in settings.headers.sorted(by: { $0.key < $1.key })
        where value.value.utf8.contains(where: { $0 == 0x0a || $0 == 0x0d || $0 == 0 }) {
            problems.add("headers.\(name)", "must not contain line breaks")
        }
        try problems.throwIfAny()
        return WebhookDestination(
            url: settings.url,
            signer: Signer(scheme: settings.scheme, keys: keys),
            headers: settings.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value.value) },
            secretHeaders: Set(settings.headers.compactMap { $0.value.source == .inline ? nil : $0.key.lowercased() }),
            timeout: .milliseconds(Int64(settings.timeout * 1000)),
            concurrency: settings.concurrency,
            retryPolicy: ScheduledRetryPolicy(delays: settings.retrySchedule.map { .milliseconds(Int64($0 * 1000)) }, jitter: 0.2),
            context: context
        )
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
