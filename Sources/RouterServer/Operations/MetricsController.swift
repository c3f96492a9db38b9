import Hummingbird
import RouterConsole
import NIOCore
import Prometheus
import RouterCore

/// `GET /metrics` (Prometheus text) and `GET /readyz`; neither needs a token.
struct MetricsController: Sendable {
    let registry: PrometheusCollectorRegistry
    /// The counters and gauges (see `MetricSeriesTable`); the registry holds the histograms.
    let series: MetricSeriesTable
    let monitor: StoreMonitor

    func addRoutes(to router: Router<RouterRequestContext>) {
        router.get("/metrics") { _, _ in
            // Gauges are refreshed on scrape so they are never older than the request.
            _ = try? await self.monitor.refresh()
            var buffer: [UInt8] = []
            self.registry.emit(into: &buffer)
            self.series.emit(into: &buffer)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer))
            )
        }
        router.get("/readyz") { _, _ in
            guard self.monitor.isReady else {
                return JSONResponse.make(status: .serviceUnavailable, json: ["status": "shutting_down"])
            }
            return JSONResponse.make(status: .ok, json: ["status": "ready"])
        }
    }
}
