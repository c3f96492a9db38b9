import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the configuration on SIGHUP.
struct ReloadSignalService: Service {
    let reloader: ConfigReloader
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            self.logger.notice("SIGHUP received; reloading the configuration")
            _ = await self.reloader.reload()
        }
    }
}
