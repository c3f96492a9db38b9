import RouterCore

/// Says in plain language what a failed attempt means and what to change, naming the setting and
/// the file: "Segment answered 401: the write key is wrong — check `settings.writeKey` ...".
public enum FailureHint {
    /// The sentence for `reason` at destination `id` of type `type`, configured in `file`.
    public static func explain(_ reason: FailureReason, type: String?, id: String, file: String?) -> String {
        let place = "destination `\(id)`" + (file.map { " in `\($0)`" } ?? "")
        let service = Self.serviceName(type)
        if let status = reason.status {
            switch status {
            case 401, 403:
                if type == "segment" {
                    return "Segment answered \(status): the write key is wrong — check `settings.writeKey` of \(place)."
                }
                return "\(service) answered \(status): it refused the request's credentials or signature — check that the receiver has the secret in `settings.secrets` of \(place)."
            case 404:
                let setting = type == "segment" ? "settings.endpoint" : "settings.url"
                return "\(service) answered 404: nothing is served at that address — check `\(setting)` of \(place)."
            case 408, 504:
                return "\(service) answered \(status): it timed out; the router retries with backoff."
            case 413:
                return "\(service) answered 413: the request was too large for it; lower the batch size of \(place) or raise the receiver's limit."
            case 429:
                return "\(service) answered 429: it is rate limiting; the router waits as its Retry-After says and tries again."
            case 400...499:
                return "\(service) answered \(status): it refused these events as invalid. The response in the attempt says why; fix the receiver and replay the dead letters."
            case 500...599:
                return "\(service) answered \(status): it failed on its side; the router retries with backoff until it recovers."
            default:
                return "\(service) answered \(status) (\(reason.code))."
            }
        }
        switch reason.code {
        case "connection_refused", "connection_failed", "network_error", "connection_closed":
            let setting = type == "segment" ? "settings.endpoint" : "settings.url"
            return "Could not reach \(Self.midSentence(service)) (\(reason.code)): is the receiver running and reachable? Check `\(setting)` of \(place)."
        case "timeout":
            return "\(service) did not answer in time: check that it is up, or raise `settings.timeout` of \(place)."
        case "private_address":
            return "The address of \(place) is private or loopback, which the router refuses unless `allowPrivateAddresses` is true in router.json."
        case "event_too_large":
            return "The event is larger than \(service) accepts; it is parked as a dead letter."
        case "file_write_failed":
            return "Writing the file failed (disk full or permissions): check the folder of `settings.path` of \(place)."
        case "missing_identity":
            return "Segment needs a user: the event has neither `user_id` nor `field.cancel.account.internal_id`."
        case "unreadable_event":
            return "The stored event could not be read back; it is parked so the rest of the queue moves on."
        case "replayed":
            return "Replayed by an operator."
        case "erased":
            return "An operator erased the event's payload before it was delivered; it is not sent and cannot be replayed."
        default:
            return "\(reason.code): \(reason.message)"
        }
    }

    /// A service name inside a sentence: "the webhook receiver", but "Segment".
    private static func midSentence(_ service: String) -> String {
        service.hasPrefix("The ") ? "the " + service.dropFirst(4) : service
    }

    private static func serviceName(_ type: String?) -> String {
        switch type {
        case "segment": "Segment"
        case "webhook": "The webhook receiver"
        case "file": "The file sink"
        default: "The destination"
        }
    }
}
