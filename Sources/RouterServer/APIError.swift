import HTTPTypes
import Hummingbird
import RouterCore

/// An error answered as `{"error": {"code", "message", "field"}}` with its own status.
public struct APIError: HTTPResponseError, CustomStringConvertible, Sendable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A bounded code, e.g. `invalid_field`, `signature_mismatch`.
    public var code: String
    /// A sentence for the sender.
    public var message: String
    /// The JSON path or header at fault, when there is one.
    public var field: String?
    /// Extra response headers (e.g. `Retry-After`).
    public var headers: HTTPFields

    /// Creates an error.
    public init(_ status: HTTPResponse.Status, code: String, message: String, field: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers
    }

    /// The response body bytes.
    public var body: [UInt8] {
        var members: [String: JSONValue] = ["code": .string(self.code), "message": .string(self.message)]
        if let field = self.field { members["field"] = .string(field) }
        return JSONWriter.serialize(["error": .object(members)])
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponse.make(status: self.status, bytes: self.body, headers: self.headers)
    }

    public var description: String { "\(self.status.code) \(self.code): \(self.message)" }
}

extension APIError {
    /// Maps an ingest validation error: 400 for bodies that are not JSON, 422 for bad fields.
    init(_ error: IngestError) {
        self.init(error.kind == .malformed ? .badRequest : .unprocessableContent, code: error.code.description, message: error.message, field: error.field)
    }
}

/// Builds JSON responses with a `Content-Length` body.
enum JSONResponse {
    static func make(status: HTTPResponse.Status, bytes: [UInt8], headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func make(status: HTTPResponse.Status, json: JSONValue) -> Response {
        Self.make(status: status, bytes: JSONWriter.serialize(json))
    }
}
