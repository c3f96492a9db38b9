import RouterCore
import Signing

/// Builds `"webhook"` destinations: one signed JSON POST per event.
public struct WebhookDestinationFactory: DestinationFactory {
    public static let type = "webhook"

    public static func make(_ settings: WebhookSettings, context: DestinationContext) throws -> any Destination {
        if let problem = context.addressGuard.validate(url: settings.url) {
            throw SettingsError(key: "url", message: problem)
        }
        var keys: [SigningKey] = []
        for (index, secret) in settings.secrets.enumerated() {
            do {
                keys.append(try SigningKey(secret: secret.value, scheme: settings.scheme))
            } catch {
                throw SettingsError(key: "secrets[\(index)]", message: error.message)
            }
        }
        for name in settings.headers.keys {
            let lower = name.lowercased()
            guard !name.isEmpty, name.utf8.allSatisfy(Self.isTokenByte) else {
                throw SettingsError(key: "headers.\(name)", message: "is not a valid header name")
            }
            guard !WebhookSettings.reservedHeaders.contains(lower) else {
                throw SettingsError(key: "headers.\(name)", message: "is set by the router and cannot be overridden")
            }
        }
        for (name, value) in settings.headers where value.utf8.contains(where: { $0 == 0x0a || $0 == 0x0d || $0 == 0 }) {
            throw SettingsError(key: "headers.\(name)", message: "must not contain line breaks")
        }
        return WebhookDestination(
            url: settings.url,
            signer: Signer(scheme: settings.scheme, keys: keys),
            headers: settings.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
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
