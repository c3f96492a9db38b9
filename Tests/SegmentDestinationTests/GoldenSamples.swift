import RouterCore
import RouterTesting

/// The golden samples from `reference/samples/`, copied verbatim: what Chargebee Retention's own
/// Segment integration produces, as Segment shows it after ingestion.
enum GoldenSamples {
    /// `segment-track-accept_offer.json`, kept once in `Fixtures` because it is also the shape
    /// ingest accepts.
    static let trackAcceptOfferJSON = Fixtures.sampleEventJSON

    /// `segment-identify.json`.
    static let identifyJSON = #"""
        {
          "anonymousId": "KD21akKyAZ",
          "context": {
            "library": {
              "name": "unknown",
              "version": "unknown"
            }
          },
          "integrations": {},
          "messageId": "61932cbd-de99-48d7-891e-2dfa0555c845",
          "originalTimestamp": "2020-11-06T00:52:40.831Z",
          "receivedAt": "2020-11-06T00:52:50.887Z",
          "sentAt": "2020-11-06T00:52:50.829Z",
          "timestamp": "2020-11-06T00:52:40.889Z",
          "traits": {
            "cancel.account.billing_id": "",
            "cancel.account.company_domain": "http://example.com",
            "cancel.account.company_name": "Example",
            "cancel.account.created_at": "1604621298",
            "cancel.account.internal_id": "9f827f6",
            "cancel.account.plan": "Premium",
            "cancel.account.plan_term": "monthly",
            "cancel.account.value": "1234",
            "cancel.app_id": "9Nyv3KZvQJ",
            "cancel.cancel_confirmation_url": "http://example.com?cancel_confirmation_url",
            "cancel.custom.test": "value",
            "cancel.email": "jane@example.com",
            "cancel.first_name": "Jane",
            "cancel.last_name": "Brighteyes",
            "cancel.save_return_url": "http://example.com?save_return_url",
            "cancel.subscription_id": "",
            "cancel.timestamp": "2020-11-06T00:50:48.207Z",
            "user_cookie": "86807c85-294c-4007-8a1d-9218dd52a714",
            "user_id": "KD21akKyAZ"
          },
          "type": "identify",
          "userId": "9f827f6"
        }
        """#

    /// The Track sample, parsed.
    static var trackAcceptOffer: JSONValue { Self.parse(Self.trackAcceptOfferJSON) }

    /// The Identify sample, parsed.
    static var identify: JSONValue { Self.parse(Self.identifyJSON) }

    private static func parse(_ text: String) -> JSONValue {
        do {
            return try JSONParser.parse(Array(text.utf8))
        } catch {
            preconditionFailure("the golden sample is valid JSON: \(error)")
        }
    }
}
