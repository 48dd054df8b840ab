/*
 * Injected by the web bench (bench/web/ballast-web.ts) into every page before the app's own scripts
 * run. It times in the page, with performance.now() (milliseconds since the navigation started), so
 * no round trip to the driver blurs the numbers:
 * - marks.firstRows: the first run row of the runs table is in the DOM (painted in the next frame);
 * - marks.firstDrawn: the first chart's uPlot draw hook ran with data (`data-drawn` > 0 on its
 *   .line-chart, set in apps/web/src/charts/line-chart.tsx);
 * - marks.viewportDrawn: every metric panel intersecting the viewport has drawn (checked at each draw,
 *   so it is the draw of the last of them).
 * window.__bench.sort() and .scroll() time a click on a column header and a scroll to the bottom.
 * Plain JavaScript: it runs in the browser as is, and the harness's TypeScript has no DOM types.
 */
(() => {
  const marks = { firstRows: null, firstDrawn: null, viewportDrawn: null, viewportPanels: 0 };

  const chartDrawn = (chart) => Number(chart.dataset.drawn ?? "0") > 0;
  const panelDrawn = (panel) => {
    const chart = panel.querySelector(".line-chart");
    return chart !== null && chartDrawn(chart);
  };
  const inViewport = (element) => {
    const box = element.getBoundingClientRect();
    return box.height > 0 && box.bottom > 0 && box.top < window.innerHeight;
  };

  const observer = new MutationObserver((records) => {
    const now = performance.now();
    if (marks.firstRows === null && document.querySelector('[data-testid="run-row"]') !== null) {
      marks.firstRows = now;
    }
    if (!records.some((r) => r.type === "attributes")) return;
    if (
      marks.firstDrawn === null &&
      [...document.querySelectorAll(".line-chart[data-drawn]")].some(chartDrawn)
    ) {
      marks.firstDrawn = now;
    }
    if (marks.viewportDrawn === null) {
      const panels = [...document.querySelectorAll('[data-testid="metric-panel"]')].filter(inViewport);
      if (panels.length > 0 && panels.every(panelDrawn)) {
        marks.viewportDrawn = now;
        marks.viewportPanels = panels.length;
      }
    }
  });
  observer.observe(document, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["data-drawn"],
  });

  const table = () => {
    const element = document.querySelector('[data-testid="runs-table"]');
    if (element === null) throw new Error("no runs table on the page");
    return element;
  };
  const rowIndex = (row) => Number(row.getAttribute("aria-rowindex"));

  /**
   * Clicks the sort button of `column` (ascending on the first click) and resolves with the
   * milliseconds until the table shows runs again, in ascending order of that column, with no
   * placeholder rows left on screen.
   */
  const sort = (column) =>
    new Promise((resolve, reject) => {
      const scroller = table();
      const head = scroller.querySelector(`th[data-column="${column}"]`);
      const button = head?.querySelector("button");
      if (!head || !button) {
        reject(new Error(`no sortable column ${column} in the runs table`));
        return;
      }
      const sorted = () => {
        if (head.getAttribute("aria-sort") !== "ascending") return false;
        if (scroller.querySelector('[data-testid="run-row-pending"]') !== null) return false;
        const rows = [...scroller.querySelectorAll('[data-testid="run-row"]')].sort(
          (a, b) => rowIndex(a) - rowIndex(b),
        );
        if (rows.length === 0) return false;
        const values = rows.map((row) =>
          Number(row.querySelector(`td[data-column="${column}"]`)?.textContent),
        );
        return values.every((v, i) => Number.isFinite(v) && (i === 0 || (values[i - 1] ?? v) <= v));
      };
      const started = performance.now();
      const timer = setTimeout(() => {
        done.disconnect();
        reject(new Error(`the table was not sorted by ${column} after 60 s`));
      }, 60_000);
      const done = new MutationObserver(() => {
        if (!sorted()) return;
        const ms = performance.now() - started;
        done.disconnect();
        clearTimeout(timer);
        resolve({ ms, rows: scroller.querySelectorAll('[data-testid="run-row"]').length });
      });
      done.observe(scroller, { subtree: true, childList: true, attributes: true, characterData: true });
      button.click();
    });

  /**
   * Scrolls the runs table from the top to the bottom, `pxPerFrame` pixels per animation frame, and
   * resolves with the intervals between the frames while scrolling, how many frames showed
   * placeholder rows (a window of runs still on its way), and the milliseconds from reaching the
   * bottom until the last rows were filled in.
   */
  const scroll = (pxPerFrame) =>
    new Promise((resolve, reject) => {
      const scroller = table();
      scroller.scrollTop = 0;
      const intervals = [];
      let previous = null;
      let pendingFrames = 0;
      let bottomAt = null;
      const deadline = performance.now() + 120_000;
      const frame = (time) => {
        if (performance.now() > deadline) {
          reject(new Error("scrolling the runs table took over 120 s"));
          return;
        }
        const pending = scroller.querySelector('[data-testid="run-row-pending"]') !== null;
        if (bottomAt === null) {
          if (previous !== null) intervals.push(time - previous);
          previous = time;
          if (pending) pendingFrames++;
          const max = scroller.scrollHeight - scroller.clientHeight;
          if (scroller.scrollTop >= max - 1) bottomAt = performance.now();
          else scroller.scrollTop = Math.min(max, scroller.scrollTop + pxPerFrame);
        } else if (!pending) {
          const rows = [...scroller.querySelectorAll('[data-testid="run-row"]')];
          resolve({
            intervals,
            pendingFrames,
            fillMs: performance.now() - bottomAt,
            lastRow: Math.max(...rows.map(rowIndex)),
            rowCount: Number(scroller.querySelector("table")?.getAttribute("aria-rowcount")),
          });
          return;
        }
        requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    });

  window.__bench = { marks, sort, scroll };
})();
