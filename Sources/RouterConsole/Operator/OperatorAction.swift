/// What an operator did, as the audit log names it.
public enum OperatorAction: String, Sendable, CaseIterable {
    case signIn = "sign_in"
    case signInFailed = "sign_in_failed"
    case replay
    case retryNow = "retry_now"
    case testSend = "test_send"
    case validate
    case reload
    case reveal
    case erase
    case eraseMatching = "erase_matching"
}
