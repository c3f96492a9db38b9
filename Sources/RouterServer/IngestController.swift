import HTTPTypes
import CoreMetrics
import Hummingbird
import Logging
import NIOCore
import RouterConsole
import RouterCore
import Signing

/// `POST /v1/tenants/{tenant}/events`: authenticate, validate, route, store durably, answer 202.
///
/// Nothing is stored unless the whole request is valid; 202 is sent only after the store has
/// committed the events.
struct IngestController: Sendable {
    let tenants: TenantDirectory
    let store: any EventStore
    let supervisor: DeliverySupervisor
    let metrics: RouterMetrics
    let admission: IngestAdmission
    let maxRequestBytes: Int
    let decoder: IngestDecoder
    /// Wakes the console's live tails of the tenant (one atomic load when none is open).
    let arrivals: ArrivalBroadcast

    func addRoutes(to router: Router<RouterRequestContext>) {
        router.post("/v1/tenants/:tenant/events") { request, context in
            try await self.ingest(request, context: context)
        }
    }

    func ingest(_ request: Request, context: RouterRequestContext) async throws -> Response {
        let tenantName = context.parameters.get("tenant") ?? ""
        guard let tenant = self.tenants.tenant(named: tenantName) else {
            throw APIError(.notFound, code: "unknown_tenant", message: "no tenant named \"\(tenantName)\" is configured", field: "tenant")
        }
        if let refusal = self.admission.refusal(tenant: tenant.name) {
            self.reject(tenant: tenant.name, code: refusal.code)
            throw refusal
        }
        // The body is released once decoded, before the events wait for their commit: 64
        // batches in flight would otherwise hold their bodies and their events twice over.
        let events = try await self.receiveEvents(request, tenant: tenant, context: context)
        if let limit = tenant.rateLimit, events.count > limit.burst {
            self.reject(tenant: tenant.name, code: "batch_over_burst")
            throw APIError(
                .unprocessableContent,
                code: "batch_over_burst",
                message: "the batch holds \(events.count) events but tenant \(tenant.name) may send at most \(limit.burst) at once; send smaller batches",
                field: "batch"
            )
        }
        if let limit = tenant.rateLimit, let wait = self.admission.rateLimiter.admit(tenant: tenant.name, count: events.count, limit: limit) {
            self.reject(tenant: tenant.name, code: "rate_limited")
            throw APIError(
                .tooManyRequests,
                code: "rate_limited",
                message: "tenant \(tenant.name) is limited to \(limit.eventsPerSecond) events per second; retry later",
                headers: [.retryAfter: String(max(1, wait.components.seconds + (wait.components.attoseconds > 0 ? 1 : 0)))]
            )
        }
        let routes = events.map { tenant.routes(for: $0) }
        let inserted: [Bool]
        do {
            // Bounded by the store's own timeout: a store that does not answer (a database gone
            // away) gets a clear 503, not a hung request. If the commit lands after all, the
            // client's retry is a duplicate.
            inserted = try await self.store.append(events, routes: routes)
        } catch {
            self.reject(tenant: tenant.name, code: "store_unavailable")
            context.logger.error("Event store could not commit", metadata: ["tenant.id": "\(tenant.name)", "error": "\(error)"])
            throw APIError(
                .serviceUnavailable,
                code: "store_unavailable",
                message: "the event store could not commit the events, so none were accepted; retry (a resent id is never stored twice)",
                headers: [.retryAfter: "5"]
            )
        }
        var woken: Set<String> = []
        var duplicates = 0
        for (isNew, destinations) in zip(inserted, routes) {
            // Duplicates wake their destinations too: a resend after a 503 whose commit landed
            // late must not leave the first copy waiting for the next event.
            woken.formUnion(destinations)
            if !isNew { duplicates += 1 }
        }
        self.supervisor.notify(tenant: tenant.name, destinations: woken)
        if duplicates < events.count { self.arrivals.notify(tenant: tenant.name) }
        self.metrics.ingested(tenant: tenant.name).increment(by: events.count - duplicates)
        if duplicates > 0 {
            self.metrics.counter("router_events_duplicate_total", [("tenant", tenant.name)]).increment(by: duplicates)
        }
        context.logger.debug("Events accepted", metadata: ["tenant.id": "\(tenant.name)", "event.count": "\(events.count)", "duplicates": "\(duplicates)"])
        let response: JSONValue = [
            "accepted": .number(JSONNumber(Int64(events.count))),
            "duplicates": .number(JSONNumber(Int64(duplicates))),
            "ids": .array(events.map { .string($0.id) }),
        ]
        return JSONResponse.make(status: .accepted, json: response)
    }

    /// Collects the body, checks its signature and decodes its events; answers the client's
    /// mistakes with the error to send.
    private func receiveEvents(_ request: Request, tenant: TenantConfiguration, context: RouterRequestContext) async throws -> [RetentionEvent] {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: self.maxRequestBytes)
        } catch is NIOTooManyBytesError {
            self.reject(tenant: tenant.name, code: "body_too_large")
            throw APIError(
                .contentTooLarge,
                code: "body_too_large",
                message: "the body is larger than the limit of \(self.maxRequestBytes) bytes; send smaller batches"
            )
        }
        let receivedAt = Timestamp.now()
        let outcome = body.withUnsafeReadableBytes { bytes in
            self.authenticateAndDecode(bytes, tenant: tenant, request: request, receivedAt: receivedAt)
        }
        switch outcome {
        case .success(let decoded):
            return decoded
        case .failure(let error):
            self.reject(tenant: tenant.name, code: error.code)
            context.logger.debug("Ingest refused", metadata: ["tenant.id": "\(tenant.name)", "error.code": "\(error.code)"])
            throw error
        }
    }

    private func authenticateAndDecode(
        _ bytes: UnsafeRawBufferPointer,
        tenant: TenantConfiguration,
        request: Request,
        receivedAt: Timestamp
    ) -> Result<[RetentionEvent], APIError> {
        do {
            try tenant.ingest.verifier.verify(
                body: bytes,
                header: { name in HTTPField.Name(name).flatMap { request.headers[$0] } },
                now: receivedAt.secondsSince1970
            )
        } catch {
            return .failure(APIError(.unauthorized, code: error.code.description, message: error.message, field: error.header))
        }
        do {
            return .success(try self.decoder.decode(bytes, tenant: tenant.name, receivedAt: receivedAt))
        } catch {
            return .failure(APIError(error))
        }
    }

    private func reject(tenant: String, code: String) {
        self.metrics.rejected(tenant: tenant, reason: code).increment()
    }
}
