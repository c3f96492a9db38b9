import Signing
import Testing

/// FIPS 180-2 example digests, and the same digest from every kind of collection.
struct SHA256Tests {
    @Test func emptyInput() {
        #expect(Hex.encode(SHA256.digest([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func abc() {
        #expect(Hex.encode(SHA256.digest(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func twoBlockMessage() {
        let message = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(Hex.encode(SHA256.digest(message)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func aCollectionWithoutContiguousStorageHashesTheSame() {
        let bytes = Array("abc".utf8)
        #expect(SHA256.digest(bytes.lazy.map { $0 }) == SHA256.digest(bytes))
        #expect(SHA256.digest("abc".utf8) == SHA256.digest(bytes))
    }
}
