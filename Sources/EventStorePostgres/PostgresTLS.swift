import NIOSSL
import PostgresNIO
import RouterCore

/// Turns a URL's `sslmode` into the driver's TLS setting.
enum PostgresTLS {
    /// The pool's setting.
    static func configuration(for mode: PostgresURL.TLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(Self.tls(verifying: false))
        case .require: .require(Self.tls(verifying: false))
        case .verifyFull: .require(Self.tls(verifying: true))
        }
    }

    /// The same setting for a single connection (the reachability probe).
    static func connectionConfiguration(for mode: PostgresURL.TLSMode) throws -> PostgresConnection.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: Self.tls(verifying: false)))
        case .require: .require(try NIOSSLContext(configuration: Self.tls(verifying: false)))
        case .verifyFull: .require(try NIOSSLContext(configuration: Self.tls(verifying: true)))
        }
    }

    /// As libpq: `prefer` and `require` encrypt without checking the certificate; `verify-full`
    /// checks it against the system's roots and the host name.
    private static func tls(verifying: Bool) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = verifying ? .fullVerification : .none
        return tls
    }
}

extension PostgresURL {
    /// A single connection to this database (the reachability probe, the arrival listener).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        PostgresConnection.Configuration(
            host: self.host,
            port: self.port,
            username: self.user,
            password: self.password,
            database: self.database,
            tls: try PostgresTLS.connectionConfiguration(for: self.tls)
        )
    }
}
