import Foundation
import RouterCore

/// Shared test inputs: the reference sample event and builders around it.
public enum Fixtures {
    /// The golden Track sample from `reference/samples/segment-track-accept_offer.json`, verbatim:
    /// the accept_offer event as Segment shows it, and the shape ingest accepts.
    public static let sampleEventJSON = #"""
        {
          "event": "accept_offer",
          "integrations": {},
          "messageId": "1c296cd0-509f-477e-bbc2-bd07e5b33d06",
          "originalTimestamp": "2020-11-06T00:53:10.886Z",
          "properties": {
            "app_id": "9Nyv3KZvQJ",
            "client_timestamp": "2020-11-06T00:53:10.815Z",
            "field.cancel.account.billing_id": "",
            "field.cancel.account.company_domain": "http://example.com",
            "field.cancel.account.company_name": "Chargebee Retention",
            "field.cancel.account.created_at": "1604621298",
            "field.cancel.account.internal_id": "9f827f6",
            "field.cancel.account.plan": "Premium",
            "field.cancel.account.plan_term": "monthly",
            "field.cancel.account.value": "1234",
            "field.cancel.app_id": "9Nyv3KZvQJ",
            "field.cancel.cancel_confirmation_url": "http://example.com?cancel_confirmation_url",
            "field.cancel.custom.test": "value",
            "field.cancel.email": "jane@example.com",
            "field.cancel.first_name": "Jane",
            "field.cancel.last_name": "Brighteyes",
            "field.cancel.save_return_url": "http://example.com?save_return_url",
            "field.cancel.subscription_id": "",
            "field.cancel.timestamp": "2020-11-06T00:50:48.207Z",
            "field.cookie": "86807c85-294c-4007-8a1d-9218dd52a714",
            "field.integrations.intercom.app_id": "vqcjqxff",
            "field.session_id": "1kbVVDN7b6",
            "field.standard.Cancel confirmation URL": "http://example.com?cancel_confirmation_url",
            "field.standard.Contract Value": 1234,
            "field.standard.Domain": "http://example.com",
            "field.standard.First Purchase Date": "2020-11-06T00:08:18.000Z",
            "field.standard.Instance ID": "9f827f6",
            "field.standard.Organization Name": "Chargebee Retention",
            "field.standard.Owner Email": "jane@example.com",
            "field.standard.Owner First Name": "Jane",
            "field.standard.Owner Last Name": "Brighteyes",
            "field.standard.Save return URL": "http://example.com?save_return_url",
            "funnel_id": 769,
            "modal_name": "25_discount.modal_email_send.a5ce8f6c-f35e-4112-80ba-75ccaa75a8f5",
            "session": "1kbVVDN7b6",
            "survey.brightback_reason": "too_expensive",
            "survey.competition": "",
            "survey.confirmation": "false",
            "survey.display_reason": "Pricing - don't see value",
            "survey.feedback": "",
            "survey.reason_for_leaving[0].lives_on": "tier0",
            "survey.reason_for_leaving[0].name": "reason_for_leaving",
            "survey.reason_for_leaving[0].tier": "tier0",
            "survey.reason_for_leaving[0].value": "pricing_dont_see_value.1834045247",
            "survey.selected_reason": "pricing_dont_see_value.1834045247",
            "survey.sentiment": 0,
            "user_cookie": "86807c85-294c-4007-8a1d-9218dd52a714",
            "user_id": "KD21akKyAZ",
            "version": "5a68148b"
          }
        }
        """#

    /// The sample's properties, parsed.
    public static var sampleProperties: [String: JSONValue] {
        guard case .object(let root)? = try? JSONParser.parse(Array(Self.sampleEventJSON.utf8)),
            case .object(let properties)? = root["properties"]
        else { preconditionFailure("the sample fixture is valid JSON") }
        return properties
    }

    /// The sample event body with another event type and id.
    public static func eventBody(type: RetentionEventType, id: String) -> [UInt8] {
        var writer = JSONWriter()
        writer.write(Self.event(type: type, id: id))
        return writer.bytes
    }

    /// The sample event as a JSON object with another event type and id.
    public static func event(type: RetentionEventType, id: String) -> JSONValue {
        [
            "event": .string(type.rawValue),
            "messageId": .string(id),
            "originalTimestamp": "2020-11-06T00:53:10.886Z",
            "properties": .object(Self.sampleProperties),
        ]
    }

    /// A `{"batch": [...]}` body.
    public static func batchBody(_ events: [JSONValue]) -> [UInt8] {
        JSONWriter.serialize(["batch": .array(events)])
    }

    /// A tenant file with the given destinations (JSON objects).
    public static func tenantJSON(
        name: String,
        secret: String = "test-secret",
        scheme: String = "x-hub-signature",
        destinations: [JSONValue]
    ) -> String {
        let tenant: JSONValue = [
            "name": .string(name),
            "ingest": ["scheme": .string(scheme), "secrets": [.string(secret)]],
            "destinations": .array(destinations),
        ]
        return String(decoding: JSONWriter.serialize(tenant), as: UTF8.self)
    }

    /// A StoredEvent built from the sample with the given type, id and sequence.
    public static func storedEvent(type: RetentionEventType = .acceptOffer, id: String, sequence: Int64, tenant: String = "acme") -> StoredEvent {
        StoredEvent(
            sequence: sequence,
            event: RetentionEvent(
                id: id,
                type: type,
                tenant: tenant,
                occurredAt: Timestamp(millisecondsSince1970: 1_604_623_990_886),
                receivedAt: Timestamp(millisecondsSince1970: 1_604_624_000_000),
                properties: Self.sampleProperties
            )
        )
    }
}

extension DeliveryCommit {
    /// Takes every event of `head` off the partition's head into its retry set, as a batch that
    /// failed once at `at` would: each due again at `at`, with `reason`.
    public static func failedOnce(_ head: [StoredEvent], of partition: PartitionKey, at: Timestamp, reason: FailureReason) -> DeliveryCommit {
        DeliveryCommit(
            partition: partition,
            state: PartitionState(),
            taken: head.map(\.sequence),
            retries: head.map { .init(sequence: $0.sequence, failures: 1, nextAttempt: at, firstFailure: at, reason: reason) }
        )
    }
}
