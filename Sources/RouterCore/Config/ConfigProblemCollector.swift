import Synchronization

/// Collects the problems found while decoding one destination's settings, so `validate` and a
/// refused reload list every problem at once: an unknown key no longer hides a bad value next to it.
///
/// `rejectUnknownKeys` records unknown keys here (instead of throwing) when the decoder carries a
/// collector; the registry adds what the module's `make` reports and throws them together as
/// `SettingsErrors`.
public final class ConfigProblemCollector: Sendable {
    private let problems = Mutex<[any Error & Sendable]>([])

    /// Creates an empty collector.
    public init() {}

    /// Records a problem and lets decoding go on.
    public func record(_ problem: any Error & Sendable) {
        self.problems.withLock { $0.append(problem) }
    }

    /// Everything recorded, in order.
    public var recorded: [any Error & Sendable] { self.problems.withLock { $0 } }
}

/// Several problems in one destination's settings: `DecodingError`s (with their coding paths)
/// and `SettingsError`s (with their keys), in the order they were found.
public struct SettingsErrors: Error, Sendable, CustomStringConvertible {
    /// The problems.
    public var errors: [any Error & Sendable]

    /// Creates the list.
    public init(_ errors: [any Error & Sendable]) {
        self.errors = errors
    }

    public var description: String { self.errors.map { "\($0)" }.joined(separator: "; ") }
}

/// Gathers the problems a factory's `make` finds, so it can report all of them at once.
public struct SettingsProblems: Sendable {
    private(set) var errors: [SettingsError] = []

    /// Creates an empty list.
    public init() {}

    /// Records that `key` is wrong.
    public mutating func add(_ key: String, _ message: String) {
        self.errors.append(SettingsError(key: key, message: message))
    }

    /// Throws `SettingsErrors` when anything was recorded.
    public func throwIfAny() throws {
        guard !self.errors.isEmpty else { return }
        throw SettingsErrors(self.errors)
    }
}

extension CodingUserInfoKey {
    /// Where a decoder carries its `ConfigProblemCollector`.
    public static let configProblems: CodingUserInfoKey = {
        guard let key = CodingUserInfoKey(rawValue: "retention-router.config-problems") else {
            preconditionFailure("a fixed, valid user-info key")
        }
        return key
    }()
}
