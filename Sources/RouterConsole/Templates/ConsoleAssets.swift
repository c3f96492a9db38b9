/// The console's one style sheet and its little script, compiled into the binary.
enum ConsoleAssets {
    static let css = """
        :root { color-scheme: light dark; --bg: #ffffff; --fg: #1d2330; --muted: #5c6577; --line: #d9dde5;
          --panel: #f5f7fa; --accent: #2457c5; --on-accent: #ffffff; --ok: #1d7a3e; --bad: #b42318; --warn: #9a5b00; --font: system-ui, -apple-system, "Segoe UI", sans-serif; }
        @media (prefers-color-scheme: dark) {
          :root { --bg: #14171d; --fg: #e6e9ef; --muted: #9aa3b5; --line: #2d3340; --panel: #1c2029; --accent: #7da2ff; --on-accent: #10131a;
            --ok: #5fd08a; --bad: #ff8a7a; --warn: #f2b64c; }
        }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.45 var(--font); }
        a { color: var(--accent); }
        a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
        .skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: var(--panel); padding: 4px 8px; }
        header.top { display: flex; flex-wrap: wrap; gap: 12px 20px; align-items: center; padding: 10px 20px; border-bottom: 1px solid var(--line); background: var(--panel); }
        .brand { font-weight: 700; text-decoration: none; color: var(--fg); }
        nav { display: flex; flex-wrap: wrap; gap: 14px; flex: 1; }
        nav a[aria-current="page"] { font-weight: 700; text-decoration: none; }
        main { padding: 16px 20px 32px; max-width: 1600px; }
        footer { padding: 8px 20px 24px; color: var(--muted); font-size: 13px; }
        h1 { font-size: 22px; margin: 8px 0 12px; } h2 { font-size: 18px; margin-top: 28px; } h3 { font-size: 16px; margin: 0 0 6px; }
        .muted { color: var(--muted); } .small { font-size: 12.5px; } .ok { color: var(--ok); } .bad { color: var(--bad); }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
        .table-wrap { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; vertical-align: top; padding: 7px 10px; border-bottom: 1px solid var(--line); }
        thead th { font-size: 12.5px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); white-space: nowrap; }
        td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
        .type { font-size: 12px; color: var(--muted); border: 1px solid var(--line); border-radius: 4px; padding: 0 5px; margin-left: 4px; }
        .badge { display: inline-block; font-size: 12.5px; font-weight: 600; border-radius: 10px; padding: 1px 9px; margin: 1px 0; border: 1px solid currentColor; white-space: nowrap; }
        .badge-delivered, .badge-delivering, .badge-idle { color: var(--ok); }
        .badge-pending, .badge-retrying, .badge-retry { color: var(--warn); }
        .badge-dead, .badge-failing, .badge-paused, .badge-rejected { color: var(--bad); }
        .badge-not_routed { color: var(--muted); }
        tr.condition-paused th, tr.condition-failing th { border-left: 4px solid var(--bad); }
        tr.condition-retrying th { border-left: 4px solid var(--warn); }
        .hint { margin: 6px 0 2px; max-width: 70ch; }
        table.overview { font-size: 14px; }
        table.overview th, table.overview td { padding: 6px 8px; }
        table.overview td.state { min-width: 15rem; max-width: 24rem; }
        table.overview .hint { font-size: 13px; }
        table.events td:first-child, table.dead-letters td:nth-child(2), td a { white-space: nowrap; }
        pre.excerpt:empty { display: none; }
        caption { text-align: left; font-weight: 600; padding: 6px 0; }
        form + form, .table-wrap + button { margin-top: 10px; }
        .notice { background: var(--panel); border-left: 4px solid var(--ok); padding: 8px 12px; }
        .error { background: var(--panel); border-left: 4px solid var(--bad); padding: 8px 12px; }
        form.inline { display: inline-block; margin: 4px 0; }
        .filters { display: flex; flex-wrap: wrap; gap: 10px 14px; align-items: end; margin-bottom: 14px; padding: 12px; background: var(--panel); border-radius: 6px; }
        .filters label { display: flex; flex-direction: column; font-size: 13px; color: var(--muted); gap: 2px; }
        input, select, button { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: 5px; padding: 5px 8px; }
        button { background: var(--accent); color: var(--on-accent); border-color: var(--accent); cursor: pointer; font-weight: 600; }
        .sign-out button { background: transparent; color: var(--accent); }
        .sign-in { max-width: 520px; } .sign-in form { display: flex; flex-direction: column; gap: 8px; }
        pre { background: var(--panel); padding: 10px; border-radius: 6px; overflow-x: auto; white-space: pre-wrap; word-break: break-word; }
        pre.excerpt { margin: 0; padding: 4px 6px; max-width: 48ch; max-height: 9em; overflow: auto; font-size: 12.5px; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; }
        dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
        .role { font-size: 12.5px; font-weight: 700; color: var(--warn); border: 1px solid currentColor; border-radius: 10px; padding: 1px 9px; }
        .masked-note { background: var(--panel); border-left: 4px solid var(--warn); padding: 4px 12px; margin: 10px 0; }
        .result { background: var(--panel); border-radius: 6px; padding: 4px 14px 12px; margin: 12px 0; border-left: 4px solid var(--muted); }
        .result-good { border-left-color: var(--ok); } .result-bad { border-left-color: var(--bad); }
        .result pre.excerpt { max-width: none; }
        .actions { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0; }
        .tail-controls { display: flex; gap: 12px; align-items: center; margin: 8px 0 12px; }
        tr.tail-skipped td { color: var(--warn); font-style: italic; }
        ul.changes { padding-left: 20px; }
        details.danger { margin: 14px 0; padding: 6px 12px; border: 1px solid var(--bad); border-radius: 6px; }
        details.danger summary { color: var(--bad); font-weight: 600; cursor: pointer; }
        button.secondary { background: transparent; color: var(--accent); font-weight: 500; font-size: 13px; padding: 2px 8px; }
        button.danger { background: var(--bad); border-color: var(--bad); color: var(--on-accent); }
        table.audit td { white-space: nowrap; } table.audit td.detail { white-space: normal; }
        section.destination { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin: 12px 0; }
        td.chart svg { display: block; }
        svg .delivered { fill: var(--ok); } svg .failed { fill: var(--bad); } svg .axis { stroke: var(--line); }
        @media (max-width: 700px) {
          main { padding: 12px; } th, td { padding: 6px; }
          table.overview thead { display: none; }
          table.overview tr { display: block; border-bottom: 2px solid var(--line); padding: 6px 0; }
          table.overview th, table.overview td { display: block; border: 0; text-align: left; }
          table.overview td.num { text-align: left; }
          table.overview td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); font-size: 12.5px; }
        }
        """

    static let javascript = """
        "use strict";
        document.addEventListener("DOMContentLoaded", () => {
          const refresh = Number(document.body.dataset.refresh || 0);
          if (refresh > 0) {
            let touched = false;
            document.addEventListener("focusin", () => { touched = true; });
            setInterval(() => { if (!touched && document.visibilityState === "visible") { location.reload(); } }, refresh * 1000);
          }
          const tail = document.getElementById("tail");
          if (tail) { startTail(tail); }
          const all = document.getElementById("select-all");
          if (all) {
            all.addEventListener("change", () => {
              document.querySelectorAll('input[name="select"]').forEach((box) => { box.checked = all.checked; });
            });
          }
        });

        // The live tail: rows are built with textContent only, so nothing from an event is ever
        // read as HTML. Pause closes the stream; Resume opens it after the last event shown.
        function startTail(tail) {
          const rows = document.getElementById("tail-rows");
          const status = document.getElementById("tail-status");
          const toggle = document.getElementById("tail-toggle");
          const maxRows = 200;
          let after = tail.dataset.after || "0";
          let shown = 0;
          let source = null;
          const say = (text) => { status.textContent = text; };
          const cell = (row, text) => { const td = document.createElement("td"); td.textContent = text; row.appendChild(td); return td; };
          const prepend = (row) => {
            const empty = rows.querySelector(".tail-empty");
            if (empty) { empty.remove(); }
            rows.insertBefore(row, rows.firstChild);
            while (rows.children.length > maxRows) { rows.removeChild(rows.lastChild); }
          };
          const open = () => {
            source = new EventSource(tail.dataset.stream + "?after=" + encodeURIComponent(after));
            source.addEventListener("open", () => say("Live · " + shown + " shown"));
            source.addEventListener("error", () => say("Reconnecting…"));
            source.addEventListener("arrival", (message) => {
              const event = JSON.parse(message.data);
              after = String(event.sequence);
              shown += 1;
              const row = document.createElement("tr");
              row.dataset.eventId = event.id;
              cell(row, event.receivedAt.replace("T", " ").replace("Z", " UTC"));
              const link = document.createElement("a");
              link.href = tail.dataset.events + encodeURIComponent(event.id);
              link.textContent = event.id;
              cell(row, "").appendChild(link);
              cell(row, event.type);
              const states = cell(row, "");
              event.destinations.forEach((destination) => {
                const badge = document.createElement("span");
                badge.className = "badge badge-" + destination.state.replace(/[^a-z_]/g, "");
                badge.textContent = destination.id + ": " + destination.state;
                states.appendChild(badge);
                states.appendChild(document.createTextNode(" "));
              });
              prepend(row);
              say("Live · " + shown + " shown");
            });
            source.addEventListener("skipped", (message) => {
              const skipped = JSON.parse(message.data);
              const row = document.createElement("tr");
              row.className = "tail-skipped";
              const td = cell(row, (skipped.atLeast ? "At least " : "") + skipped.count + " more not shown (the tail shows at most " + tail.dataset.perSecond + " a second); the events list has them all.");
              td.colSpan = 4;
              prepend(row);
            });
          };
          toggle.addEventListener("click", () => {
            if (source) {
              source.close();
              source = null;
              toggle.textContent = "Resume";
              toggle.setAttribute("aria-pressed", "true");
              say("Paused · " + shown + " shown");
            } else {
              toggle.textContent = "Pause";
              toggle.setAttribute("aria-pressed", "false");
              open();
            }
          });
          open();
        }
        """
}
