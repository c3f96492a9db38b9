/// This server's name and version, as sent in `User-Agent` headers and Segment's
/// `context.library`.
public enum RouterIdentity {
    /// The product name.
    public static let name = "retention-router"
    /// The release version.
    public static let version = "0.1.0"
}
