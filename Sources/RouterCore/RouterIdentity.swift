import CRouterBuild

/// This server's name and version, as sent in `User-Agent` headers and Segment's
/// `context.library`, printed by `--version` and served by `/healthz` and `router_build_info`.
public enum RouterIdentity {
    /// The product name.
    public static let name = "retention-router"
    /// The release version.
    public static let version = "0.1.0"
    /// The commit the binary was built from: `ROUTER_BUILD_COMMIT=… swift build` stamps it (as
    /// `scripts/package.sh` does); `unknown` for a plain `swift build`.
    public static let commit = String(cString: router_build_commit())
    /// `0.1.0 (commit abc1234)`: what `--version` prints.
    public static var versionLine: String { "\(Self.version) (commit \(Self.commit))" }
}
