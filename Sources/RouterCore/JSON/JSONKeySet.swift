/// The member names already seen in one JSON object, for the duplicate-key check that ingest
/// runs over every property of every event.
///
/// A `Set` of the names spent most of its time in `Hasher` (seeding, SipHash over each name,
/// finalizing): 14% of the processor when decoding batches of the sample event, whose properties
/// hold about 50 long names. This keeps up to `linearLimit` names in a list compared by length
/// and bytes, and beyond that an open-addressing table over a cheap multiplicative hash with a
/// random per-process seed. Names crafted to collide anyway (a probe longer than 32 slots)
/// move the object to a `Set` with Swift's seeded SipHash, so no input makes the check quadratic.
struct JSONKeySet {
    /// A name's bytes: a slice of the body when it has no escape (no copy), else decoded bytes.
    struct Key: Hashable {
        let raw: UnsafeRawBufferPointer?
        let owned: [UInt8]

        /// The name's bytes, copied (for error messages).
        var bytes: [UInt8] { self.raw.map { Array($0) } ?? self.owned }

        func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
            if let raw = self.raw { return body(raw) }
            return self.owned.withUnsafeBytes(body)
        }

        static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.withBytes { left in
                rhs.withBytes { right in
                    left.count == right.count && (left.count == 0 || memoryEqual(left, right))
                }
            }
        }

        func hash(into hasher: inout Hasher) {
            self.withBytes { hasher.combine(bytes: $0) }
        }
    }

    static let linearLimit = 8
    /// Chosen once per process, so which names collide cannot be known in advance.
    private static let processSeed = UInt64.random(in: .min ... .max)

    private let seed: UInt64
    private let maxProbe: Int
    private var keys: [Key] = []
    /// Indices into `keys` plus one (0 is empty); a power of two long, at most half full.
    private var slots: [Int32] = []
    private var fallback: Set<Key>?

    /// An empty set; tests pass a short `maxProbe` to reach the fallback.
    init(maxProbe: Int = 32) {
        self.seed = Self.processSeed
        self.maxProbe = maxProbe
    }

    /// True once crafted or unlucky names moved the object to a `Set`.
    var usesFallback: Bool { self.fallback != nil }

    /// Adds `key`; false when the object already had it.
    mutating func insert(_ key: Key) -> Bool {
        if self.fallback != nil {
            return self.fallback?.insert(key).inserted ?? false
        }
        if self.slots.isEmpty {
            for seen in self.keys where seen == key { return false }
            self.keys.append(key)
            if self.keys.count > Self.linearLimit { self.rebuild(capacity: 64) }
            return true
        }
        if (self.keys.count + 1) * 2 > self.slots.count {
            self.rebuild(capacity: self.slots.count * 2)
            if self.fallback != nil { return self.insert(key) }
        }
        switch self.find(key) {
        case .present:
            return false
        case .empty(let slot):
            self.keys.append(key)
            self.slots[slot] = Int32(self.keys.count)
            return true
        case .tooLong:
            self.useFallback()
            return self.insert(key)
        }
    }

    private enum Probe {
        case present
        case empty(Int)
        case tooLong
    }

    private func find(_ key: Key) -> Probe {
        let mask = self.slots.count - 1
        var slot = Int(truncatingIfNeeded: key.withBytes { Self.hash($0, seed: self.seed) }) & mask
        for _ in 0..<self.maxProbe {
            let entry = Int(self.slots[slot])
            if entry == 0 { return .empty(slot) }
            if self.keys[entry - 1] == key { return .present }
            slot = (slot + 1) & mask
        }
        return .tooLong
    }

    private mutating func rebuild(capacity: Int) {
        self.slots = [Int32](repeating: 0, count: capacity)
        for (index, key) in self.keys.enumerated() {
            guard case .empty(let slot) = self.find(key) else {
                self.useFallback()
                return
            }
            self.slots[slot] = Int32(index + 1)
        }
    }

    private mutating func useFallback() {
        self.fallback = Set(self.keys)
        self.keys = []
        self.slots = []
    }

    /// A seeded multiplicative hash over 8 bytes at a time.
    private static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
        var hash = seed ^ UInt64(bytes.count)
        var offset = 0
        while offset + 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            hash = (hash ^ word) &* multiplier
            hash ^= hash >> 29
            offset += 8
        }
        if offset < bytes.count {
            var word: UInt64 = 0
            for index in offset..<bytes.count { word = word << 8 | UInt64(bytes[index]) }
            hash = (hash ^ word) &* multiplier
        }
        hash ^= hash >> 32
        hash &*= 0xBF58_476D_1CE4_E5B9
        return hash ^ (hash >> 29)
    }
}

/// True when two buffers of the same length hold the same bytes.
private func memoryEqual(_ left: UnsafeRawBufferPointer, _ right: UnsafeRawBufferPointer) -> Bool {
    var offset = 0
    while offset + 8 <= left.count {
        if left.loadUnaligned(fromByteOffset: offset, as: UInt64.self) != right.loadUnaligned(fromByteOffset: offset, as: UInt64.self) {
            return false
        }
        offset += 8
    }
    while offset < left.count {
        if left[offset] != right[offset] { return false }
        offset += 1
    }
    return true
}
