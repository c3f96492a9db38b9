import Signing
import Testing

struct SignatureSchemeTests {
    static let standardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let standardID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let standardTimestamp: Int64 = 1_614_265_330
    static let standardBody = Array(#"{"test": 2432232314}"#.utf8)

    private func headers(_ pairs: [(name: String, value: String)]) -> (String) -> String? {
        { name in pairs.first { $0.name == name }?.value }
    }

    @Test func standardWebhooksSpecVector() throws {
        let key = try SigningKey(secret: Self.standardSecret, scheme: .standardWebhooks)
        let signed = Signer(scheme: .standardWebhooks, keys: [key]).headers(body: Self.standardBody, id: Self.standardID, timestamp: Self.standardTimestamp)
        #expect(self.headers(signed)("webhook-signature") == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(self.headers(signed)("webhook-id") == Self.standardID)
        #expect(self.headers(signed)("webhook-timestamp") == "1614265330")
        let verifier = SignatureVerifier(scheme: .standardWebhooks, keys: [key])
        try verifier.verify(body: Self.standardBody, header: self.headers(signed), now: Self.standardTimestamp + 10)
    }

    @Test func aHeaderOfAnotherSchemeIsNamedInTheError() throws {
        let key = try SigningKey(secret: "demo-secret", scheme: .xHubSignature)
        let verifier = SignatureVerifier(scheme: .xHubSignature, keys: [key])
        do {
            try verifier.verify(body: Self.standardBody, header: self.headers([("x-hub-signature-256", "sha256=00")]), now: 0)
            Issue.record("a request without x-hub-signature verified")
        } catch {
            #expect(error.code == .missingHeader)
            #expect(error.message == "the x-hub-signature header is missing: this tenant expects the x-hub-signature scheme, but the request carries x-hub-signature-256 (the x-hub-signature-256 scheme)")
        }
        do {
            try verifier.verify(body: Self.standardBody, header: self.headers([]), now: 0)
        } catch {
            #expect(error.message == "the x-hub-signature header is missing")
        }
    }

    @Test func standardWebhooksRejectsTamperedBody() throws {
        let key = try SigningKey(secret: Self.standardSecret, scheme: .standardWebhooks)
        let signed = Signer(scheme: .standardWebhooks, keys: [key]).headers(body: Self.standardBody, id: Self.standardID, timestamp: Self.standardTimestamp)
        let verifier = SignatureVerifier(scheme: .standardWebhooks, keys: [key])
        #expect(throws: SignatureVerificationError.self) {
            try verifier.verify(body: Array(#"{"test": 2432232315}"#.utf8), header: self.headers(signed), now: Self.standardTimestamp)
        }
        do {
            try verifier.verify(body: Array(#"{"test": 2432232315}"#.utf8), header: self.headers(signed), now: Self.standardTimestamp)
        } catch {
            #expect(error.code == .mismatch)
        }
    }

    @Test(arguments: [(Int64(-301), SignatureVerificationError.Code.futureTimestamp), (Int64(301), .staleTimestamp)])
    func standardWebhooksEnforcesFiveMinuteTolerance(_ skew: Int64, _ expected: SignatureVerificationError.Code) throws {
        let key = try SigningKey(secret: Self.standardSecret, scheme: .standardWebhooks)
        let signed = Signer(scheme: .standardWebhooks, keys: [key]).headers(body: Self.standardBody, id: Self.standardID, timestamp: Self.standardTimestamp)
        let verifier = SignatureVerifier(scheme: .standardWebhooks, keys: [key])
        do {
            try verifier.verify(body: Self.standardBody, header: self.headers(signed), now: Self.standardTimestamp + skew)
            Issue.record("a timestamp \(skew) s away was accepted")
        } catch {
            #expect(error.code == expected)
        }
        try verifier.verify(body: Self.standardBody, header: self.headers(signed), now: Self.standardTimestamp + (skew > 0 ? 300 : -300))
    }

    @Test func standardWebhooksRotationSignsWithEveryKey() throws {
        let old = try SigningKey(secret: Self.standardSecret, scheme: .standardWebhooks)
        let new = SigningKey(bytes: Array("a-brand-new-key-of-32-bytes-long".utf8))
        let signed = Signer(scheme: .standardWebhooks, keys: [new, old]).headers(body: Self.standardBody, id: Self.standardID, timestamp: Self.standardTimestamp)
        let signatures = try #require(self.headers(signed)("webhook-signature")).split(separator: " ")
        #expect(signatures.count == 2)
        #expect(signatures.contains("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="))
        // A receiver that only knows the old key still verifies.
        try SignatureVerifier(scheme: .standardWebhooks, keys: [old]).verify(body: Self.standardBody, header: self.headers(signed), now: Self.standardTimestamp)
        try SignatureVerifier(scheme: .standardWebhooks, keys: [new]).verify(body: Self.standardBody, header: self.headers(signed), now: Self.standardTimestamp)
    }

    @Test(arguments: [
        ([("webhook-timestamp", "1614265330"), ("webhook-signature", "v1,abc=")], SignatureVerificationError.Code.missingHeader),
        ([("webhook-id", "x"), ("webhook-signature", "v1,abc=")], .missingHeader),
        ([("webhook-id", "x"), ("webhook-timestamp", "1614265330")], .missingHeader),
        ([("webhook-id", "x"), ("webhook-timestamp", "soon"), ("webhook-signature", "v1,abc=")], .malformedHeader),
        ([("webhook-id", "x"), ("webhook-timestamp", "1614265330"), ("webhook-signature", "nocomma")], .malformedHeader),
        ([("webhook-id", "x"), ("webhook-timestamp", "1614265330"), ("webhook-signature", "v2,abc=")], .malformedHeader),
    ])
    func standardWebhooksMalformedHeaders(_ pairs: [(String, String)], _ expected: SignatureVerificationError.Code) throws {
        let key = try SigningKey(secret: Self.standardSecret, scheme: .standardWebhooks)
        let verifier = SignatureVerifier(scheme: .standardWebhooks, keys: [key])
        do {
            try verifier.verify(body: Self.standardBody, header: { name in pairs.first { $0.0 == name }?.1 }, now: Self.standardTimestamp)
            Issue.record("malformed headers were accepted")
        } catch {
            #expect(error.code == expected)
        }
    }

    @Test func githubSha256Vector() throws {
        let key = try SigningKey(secret: "It's a Secret to Everybody", scheme: .xHubSignature256)
        let signed = Signer(scheme: .xHubSignature256, keys: [key]).headers(body: Array("Hello, World!".utf8), id: "", timestamp: 0)
        #expect(self.headers(signed)("x-hub-signature-256") == "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
        try SignatureVerifier(scheme: .xHubSignature256, keys: [key]).verify(body: Array("Hello, World!".utf8), header: self.headers(signed), now: 0)
    }

    @Test func xHubSignatureSha1VectorWithAndWithoutPrefix() throws {
        let key = try SigningKey(secret: "It's a Secret to Everybody", scheme: .xHubSignature)
        let signed = Signer(scheme: .xHubSignature, keys: [key]).headers(body: Array("Hello, World!".utf8), id: "", timestamp: 0)
        #expect(self.headers(signed)("x-hub-signature") == "01dc10d0c83e72ed246219cdd91669667fe2ca59")
        let verifier = SignatureVerifier(scheme: .xHubSignature, keys: [key])
        try verifier.verify(body: Array("Hello, World!".utf8), header: { _ in "01dc10d0c83e72ed246219cdd91669667fe2ca59" }, now: 0)
        try verifier.verify(body: Array("Hello, World!".utf8), header: { _ in "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59" }, now: 0)
        try verifier.verify(body: Array("Hello, World!".utf8), header: { _ in "SHA1=01DC10D0C83E72ED246219CDD91669667FE2CA59" }, now: 0)
    }

    @Test(arguments: [
        (nil as String?, SignatureVerificationError.Code.missingHeader),
        ("", .missingHeader),
        ("sha1=", .malformedHeader),
        ("01dc10d0", .malformedHeader),
        ("zzdc10d0c83e72ed246219cdd91669667fe2ca59", .malformedHeader),
        ("01dc10d0c83e72ed246219cdd91669667fe2ca58", .mismatch),
    ])
    func xHubSignatureRejects(_ value: String?, _ expected: SignatureVerificationError.Code) throws {
        let key = try SigningKey(secret: "It's a Secret to Everybody", scheme: .xHubSignature)
        do {
            try SignatureVerifier(scheme: .xHubSignature, keys: [key]).verify(body: Array("Hello, World!".utf8), header: { _ in value }, now: 0)
            Issue.record("\(value ?? "nil") was accepted")
        } catch {
            #expect(error.code == expected)
        }
    }

    @Test func xHubSignature256RequiresPrefix() throws {
        let key = try SigningKey(secret: "It's a Secret to Everybody", scheme: .xHubSignature256)
        do {
            try SignatureVerifier(scheme: .xHubSignature256, keys: [key]).verify(
                body: Array("Hello, World!".utf8),
                header: { _ in "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17" },
                now: 0
            )
            Issue.record("a signature without sha256= was accepted")
        } catch {
            #expect(error.code == .malformedHeader)
        }
    }

    @Test(arguments: ["", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_!!!", "whsec_c2hvcnQ="])
    func standardWebhooksSecretsAreValidated(_ secret: String) {
        #expect(throws: SigningKeyError.self) { try SigningKey(secret: secret, scheme: .standardWebhooks) }
    }

    @Test func errorMessagesNeverContainTheSecret() throws {
        let secret = "super-secret-value"
        let key = try SigningKey(secret: secret, scheme: .xHubSignature)
        do {
            try SignatureVerifier(scheme: .xHubSignature, keys: [key]).verify(body: [1, 2, 3], header: { _ in String(repeating: "0", count: 40) }, now: 0)
        } catch {
            #expect(!error.message.contains(secret))
            #expect(!"\(error)".contains(secret))
        }
    }
}
