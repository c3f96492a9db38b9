import RouterCore
import Testing

@testable import RouterServer

/// The per-tenant token buckets behind `rateLimit`, on a clock the test moves.
struct RateLimiterTests {
    let start = ContinuousClock.now
    let limit = TenantConfiguration.RateLimit(eventsPerSecond: 10, burst: 5)

    func at(_ milliseconds: Int) -> ContinuousClock.Instant {
        self.start + .milliseconds(milliseconds)
    }

    @Test func aFullBucketAdmitsTheBurstAtOnceThenSaysHowLongToWait() {
        let limiter = RateLimiter()
        for _ in 0..<5 { #expect(limiter.admit(tenant: "acme", count: 1, limit: self.limit, now: self.at(0)) == nil) }
        #expect(limiter.admit(tenant: "acme", count: 1, limit: self.limit, now: self.at(0)) == .milliseconds(100))
        // A batch takes one token per event; the wait covers the missing ones.
        #expect(limiter.admit(tenant: "acme", count: 3, limit: self.limit, now: self.at(0)) == .milliseconds(300))
    }

    @Test func tokensComeBackAtTheRateUpToTheBurst() {
        let limiter = RateLimiter()
        #expect(limiter.admit(tenant: "acme", count: 5, limit: self.limit, now: self.at(0)) == nil)
        // 250 ms at 10/s: two and a half tokens.
        #expect(limiter.admit(tenant: "acme", count: 2, limit: self.limit, now: self.at(250)) == nil)
        #expect(limiter.admit(tenant: "acme", count: 1, limit: self.limit, now: self.at(250)) == .milliseconds(50))
        // A long quiet spell fills the bucket to the burst, no further.
        #expect(limiter.admit(tenant: "acme", count: 5, limit: self.limit, now: self.at(60_000)) == nil)
        #expect(limiter.admit(tenant: "acme", count: 1, limit: self.limit, now: self.at(60_000)) == .milliseconds(100))
    }

    @Test func aRefusedRequestTakesNothing() {
        let limiter = RateLimiter()
        #expect(limiter.admit(tenant: "acme", count: 4, limit: self.limit, now: self.at(0)) == nil)
        #expect(limiter.admit(tenant: "acme", count: 3, limit: self.limit, now: self.at(0)) == .milliseconds(200))
        #expect(limiter.admit(tenant: "acme", count: 1, limit: self.limit, now: self.at(0)) == nil)
    }

    @Test func eachTenantHasItsOwnBucket() {
        let limiter = RateLimiter()
        #expect(limiter.admit(tenant: "acme", count: 5, limit: self.limit, now: self.at(0)) == nil)
        #expect(limiter.admit(tenant: "acme", count: 1, limit: self.limit, now: self.at(0)) != nil)
        #expect(limiter.admit(tenant: "globex", count: 5, limit: self.limit, now: self.at(0)) == nil)
    }

    @Test func aSlowRateWaitsAtMostADay() {
        let limiter = RateLimiter()
        let slow = TenantConfiguration.RateLimit(eventsPerSecond: 0.000001, burst: 2)
        #expect(limiter.admit(tenant: "acme", count: 2, limit: slow, now: self.at(0)) == nil)
        #expect(limiter.admit(tenant: "acme", count: 1, limit: slow, now: self.at(0)) == .seconds(86_400))
    }
}
