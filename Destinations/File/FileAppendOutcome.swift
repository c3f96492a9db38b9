/// What became of lines handed to `FileSyncCoordinator.append`.
public enum FileAppendOutcome: Sendable, Equatable {
    /// Written and durable.
    case durable
    /// Not written (the file could not be opened, rotated or written); the reason says why.
    case writeFailed(String)
    /// Written but not made durable, and cut off again; the reason says why.
    case syncFailed(String)
}
