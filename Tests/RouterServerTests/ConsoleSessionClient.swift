import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RouterTesting

/// A browser-like console session for end-to-end tests: signs in with a token, keeps the
/// session cookie, reads a page's CSRF token and posts forms, without following redirects.
final class ConsoleSessionClient: Sendable {
    let baseURL: String
    let cookie: String
    private let client: HTTPClient

    /// Signs in with `token`; throws when the router does not set a session cookie.
    init(baseURL: String, token: String) async throws {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.client = client
        self.baseURL = baseURL
        let answer = try await Self.send(client, .POST, baseURL + "/console/sign-in", body: "token=\(token)&next=/console/", cookie: nil)
        guard let setCookie = answer.header("set-cookie"), let pair = setCookie.split(separator: ";").first else {
            try? await client.shutdown()
            throw TestServerError(message: "sign-in answered \(answer.status) without a cookie")
        }
        self.cookie = String(pair)
    }

    func get(_ path: String) async throws -> TestResponse {
        try await Self.send(self.client, .GET, self.baseURL + path, body: nil, cookie: self.cookie)
    }

    /// Posts a form with the CSRF token read from `csrfFrom` (a page of this session).
    func post(_ path: String, fields: [(String, String)] = [], csrfFrom page: String = "/console/") async throws -> TestResponse {
        let csrf = try await self.csrf(from: page)
        let form = ([("csrf", csrf)] + fields).map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return try await Self.send(self.client, .POST, self.baseURL + path, body: form, cookie: self.cookie)
    }

    /// The CSRF token of the sign-out form every page of a session carries.
    func csrf(from page: String) async throws -> String {
        let html = String(decoding: try await self.get(page).body, as: UTF8.self)
        guard let range = html.range(of: #"name="csrf" value=""#) else { throw TestServerError(message: "no CSRF token on \(page)") }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    /// Opens a streaming GET (the live tail) and hands its body chunks, as text, to `read`
    /// until it returns false.
    func stream(_ path: String, headers: [(String, String)] = [], read: (String) async throws -> Bool) async throws -> Int {
        var request = HTTPClientRequest(url: self.baseURL + path)
        request.headers.add(name: "cookie", value: self.cookie)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await self.client.execute(request, timeout: .seconds(60))
        guard response.status == .ok else { return Int(response.status.code) }
        for try await chunk in response.body {
            if try await !read(String(buffer: chunk)) { break }
        }
        return Int(response.status.code)
    }

    func shutdown() async throws {
        try await self.client.shutdown()
    }

    private static func send(_ client: HTTPClient, _ method: HTTPMethod, _ url: String, body: String?, cookie: String?) async throws -> TestResponse {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let cookie { request.headers.add(name: "cookie", value: cookie) }
        if let body {
            request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let collected = try await response.body.collect(upTo: 16 << 20)
        return TestResponse(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: Array(collected.readableBytesView))
    }
}
