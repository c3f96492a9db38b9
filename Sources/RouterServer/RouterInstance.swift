import Foundation

/// Names this process among router instances that share a store.
public enum RouterInstance {
    /// `HOST-PID-RANDOM`: unique across machines and restarts, readable in the lease table.
    public static func defaultID() -> String {
        let host = ProcessInfo.processInfo.hostName
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(random)"
    }
}
