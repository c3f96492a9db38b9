import RouterCore
import Testing

/// Which properties a bulk erasure takes: a top-level member named exactly so, whose value is
/// the string (after JSON escapes) or the number written so.
struct PropertyValueMatchTests {
    static let userU1 = PropertyValueMatch(property: "user_id", value: "u_1")

    @Test(arguments: [
        #"{"user_id":"u_1"}"#,
        #"{"app_id":"a","user_id":"u_1","note":"x"}"#,
        #"{ "user_id" : "u_1" }"#,
        #"{"user\u005fid":"u_1"}"#,
        #"{"user_id":"u\u005f1"}"#,
        #"{"other":"\"quoted\"","user_id":"u_1"}"#,
    ])
    func matchesTheMemberWithTheValue(_ json: String) {
        #expect(Self.userU1.matches(Array(json.utf8)))
    }

    @Test(arguments: [
        #"{"user_id":"u_2"}"#,
        #"{"user_id":"u_1x"}"#,
        #"{"user_id":"U_1"}"#,
        #"{"user.id":"u_1"}"#,
        #"{"user_id_2":"u_1"}"#,
        #"{"nested":{"user_id":"u_1"}}"#,
        #"{"list":["user_id","u_1"]}"#,
        #"{"note":"user_id u_1"}"#,
        #"{"user_id":["u_1"]}"#,
        #"{"user_id":null,"x":"u_1"}"#,
        #"{}"#,
        #"{"user_id":"u_1""#,
        "",
    ])
    func leavesEverythingElse(_ json: String) {
        #expect(!Self.userU1.matches(Array(json.utf8)))
    }

    @Test func namesWithDotsAreOneName() {
        let email = PropertyValueMatch(property: "field.cancel.email", value: "ann@example.com")
        #expect(email.matches(Array(#"{"field.cancel.email":"ann@example.com"}"#.utf8)))
        #expect(!email.matches(Array(#"{"field":{"cancel":{"email":"ann@example.com"}}}"#.utf8)))
    }

    @Test func numbersMatchByTheirTextAsWritten() {
        let id = PropertyValueMatch(property: "n", value: "42")
        #expect(id.matches(Array(#"{"n":42}"#.utf8)))
        #expect(id.matches(Array(#"{"n":"42"}"#.utf8)))
        #expect(!id.matches(Array(#"{"n":42.0}"#.utf8)))
        #expect(!id.matches(Array(#"{"n":4.2e1}"#.utf8)))
        #expect(PropertyValueMatch(property: "n", value: "-1.5").matches(Array(#"{"n":-1.5}"#.utf8)))
        #expect(!PropertyValueMatch(property: "n", value: "true").matches(Array(#"{"n":true}"#.utf8)))
    }

    @Test func textIsComparedByItsScalarsWithoutNormalizing() {
        let composed = PropertyValueMatch(property: "city", value: "Z\u{FC}rich")
        #expect(composed.matches(Array("{\"city\":\"Z\u{FC}rich\"}".utf8)))
        #expect(composed.matches(Array(#"{"city":"Z\u00fcrich"}"#.utf8)))
        #expect(!composed.matches(Array("{\"city\":\"Zu\u{0308}rich\"}".utf8)), "a decomposed ü is other scalars")
    }
}
