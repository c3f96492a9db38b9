/// The ten event types a Chargebee Retention cancel flow emits.
public enum RetentionEventType: String, Sendable, CaseIterable, Codable, Hashable {
    /// A user visited a cancel page.
    case pageLoaded = "page_loaded"
    /// A user visited and did not cancel within 30 minutes.
    case watchlist
    /// A user confirmed the cancel request.
    case cancel
    /// The watch-list session expired and the user did not cancel.
    case save
    /// The user clicked any action that leaves the cancel page.
    case deflect
    /// The user submitted the modal feedback form.
    case email
    /// The user clicked a link (including modal actions and "Nevermind").
    case link
    /// The user clicked a chat request.
    case chat
    /// The user clicked an offer modal.
    case acceptOffer = "accept_offer"
    /// The user clicked a modal-based schedule request.
    case schedule

    /// The wire names of every type, for error messages.
    public static var names: String {
        Self.allCases.map(\.rawValue).joined(separator: ", ")
    }
}
