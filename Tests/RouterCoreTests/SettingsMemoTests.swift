import Foundation
import Synchronization
import Testing

@testable import RouterCore

/// The loader decodes each settings text once per load, also when its lanes meet the same
/// template at the same moment.
struct SettingsMemoTests {
    @Test(.timeLimit(.minutes(1)))
    func lanesMeetingOneTextDecodeItOnce() throws {
        let memo = SettingsMemo()
        let key = SettingsMemo.Key(type: "file", settings: ["path": "out/{tenant}.ndjson"])
        let decodes = Atomic<Int>(0)
        let answers = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let settings = try? memo.settings(for: key) { () -> (settings: String, keep: Bool) in
                decodes.add(1, ordering: .relaxed)
                // A slow decode: every lane arrives while the first is still at it.
                Thread.sleep(forTimeInterval: 0.05)
                return ("decoded", true)
            }
            answers.withLock { $0.append(settings ?? "none") }
        }
        #expect(decodes.load(ordering: .relaxed) == 1)
        #expect(answers.withLock { $0 } == Array(repeating: "decoded", count: 8))
    }

    @Test func aTextWithAProblemIsDecodedByEveryCaller() throws {
        let memo = SettingsMemo()
        let key = SettingsMemo.Key(type: "file", settings: ["path": "", "unknown": 1])
        var decodes = 0
        for _ in 0..<3 {
            _ = try memo.settings(for: key) { () -> (settings: String, keep: Bool) in
                decodes += 1
                return ("decoded with a problem", false)
            }
        }
        #expect(decodes == 3)
    }
}
