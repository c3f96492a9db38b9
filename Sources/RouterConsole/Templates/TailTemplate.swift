/// A tenant's live tail: events appear as they are accepted, newest on top.
enum TailTemplate {
    static let page = """
        <h1>Live: events of {{tenant}}</h1>
        <p class="muted">Events appear here as they are accepted, by this instance or any other sharing the store, newest on top.
          At most {{perSecond}} a second are shown; the rest are counted. No property values are shown here: open an event for them.</p>
        <div class="tail-controls" id="tail" data-stream="/console/tenants/{{tenant}}/tail/stream" data-after="{{after}}" data-per-second="{{perSecond}}" data-events="/console/tenants/{{tenant}}/events/">
          <button type="button" id="tail-toggle" data-test="tail-toggle" aria-pressed="false">Pause</button>
          <span id="tail-status" role="status" data-test="tail-status">Connecting…</span>
        </div>
        <div class="table-wrap">
        <table class="events tail">
          <thead><tr><th scope="col">Received</th><th scope="col">Event id</th><th scope="col">Type</th><th scope="col">Destinations</th></tr></thead>
          <tbody id="tail-rows" data-test="tail-rows">
          <tr class="tail-empty"><td colspan="4" class="muted">Waiting for events…</td></tr>
          </tbody>
        </table>
        </div>
        <noscript><p class="error">The live tail needs JavaScript; the <a href="/console/tenants/{{tenant}}/events">events list</a> works without it.</p></noscript>
        """
}
