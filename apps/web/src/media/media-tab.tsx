/**
 * The run page's "Media" tab: every key the run logged media under, each with a step slider.
 * - Images (`wandb.Image`) show from their signed /storage URL with their caption as text.
 * - HTML (`wandb.Html`) shows in `<iframe sandbox="">`: the empty sandbox gives the frame an opaque
 *   origin and no script, forms, popups or top navigation, so `window.top` is out of its reach and
 *   the app's cookies and storage are not its own. `allow-scripts` is not granted: logged HTML is
 *   arbitrary user markup, and even with an opaque origin script could still phish inside the app's
 *   window or spin the CPU; static HTML is what the media is for. The answer also carries
 *   `Content-Security-Policy: sandbox; default-src 'none'` (apps/server/src/api/media.handler.ts),
 *   so the same holds when the URL is opened on its own.
 * - Tables (`wandb.Table`) are paged by the server, 50 rows at a time.
 */
import "./media.css";
import { useCallback, useId, useState } from "react";
import {
  getMediaSteps,
  getTablePage,
  htmlMediaUrl,
  listMediaKeys,
  type MediaItem,
  type MediaKind,
  type RunAddress,
} from "../api/media.ts";
import { storageHref } from "../artifacts/artifact-routes.ts";
import { Loaded } from "../components/loaded.tsx";
import type { RunTabContext } from "../run/tabs.tsx";
import { useLoad } from "../use-load.ts";
import { cellText, pageInfo } from "./media-steps.ts";

export function MediaTab({ ctx }: { readonly ctx: RunTabContext }) {
  const { entity, project, name } = ctx;
  const load = useCallback(() => listMediaKeys({ entity, project, run: name }), [entity, project, name]);
  const { state } = useLoad(load);
  return (
    <Loaded state={state} what="media">
      {({ keys }) =>
        keys.length === 0 ? (
          <p className="muted">This run logged no images, HTML or tables.</p>
        ) : (
          <div className="media-grid">
            {keys.map(({ key, kind }) => (
              <MediaPanel key={key} run={{ entity, project, run: name }} mediaKey={key} kind={kind} />
            ))}
          </div>
        )
      }
    </Loaded>
  );
}

function MediaPanel(props: {
  readonly run: RunAddress;
  readonly mediaKey: string;
  readonly kind: MediaKind;
}) {
  const { run, mediaKey, kind } = props;
  const { entity, project } = run;
  const runName = run.run;
  const load = useCallback(
    () => getMediaSteps({ entity, project, run: runName }, mediaKey),
    [entity, project, runName, mediaKey],
  );
  const { state } = useLoad(load);
  const sliderId = useId();
  const [chosen, setChosen] = useState<number | null>(null);
  return (
    <section className="card media-panel" aria-label={`Media ${mediaKey}`} data-testid="media-panel">
      <h2>
        {mediaKey} <span className="muted">{kind}</span>
      </h2>
      <Loaded state={state} what={mediaKey}>
        {({ steps }) => {
          if (steps.length === 0) return <p className="muted">No logged values.</p>;
          const index = Math.min(chosen ?? steps.length - 1, steps.length - 1);
          const current = steps[index];
          return (
            <>
              {steps.length > 1 ? (
                <div className="step-slider">
                  <label htmlFor={sliderId}>Step</label>
                  <input
                    id={sliderId}
                    type="range"
                    min={0}
                    max={steps.length - 1}
                    value={index}
                    aria-valuetext={`step ${current?.step ?? ""}`}
                    onChange={(event) => setChosen(Number(event.target.value))}
                  />
                </div>
              ) : null}
              <p className="muted" data-testid="media-step">
                step {current?.step}
              </p>
              {current?.items.map((item, i) => (
                <MediaView
                  key={`${current.step}-${item.path}`}
                  run={run}
                  item={item}
                  title={`${mediaKey} at step ${current.step}${current.items.length > 1 ? ` (${i + 1})` : ""}`}
                />
              ))}
            </>
          );
        }}
      </Loaded>
    </section>
  );
}

function MediaView(props: { readonly run: RunAddress; readonly item: MediaItem; readonly title: string }) {
  const { run, item, title } = props;
  switch (item.kind) {
    case "image":
      return (
        <figure className="media-image">
          {item.url === null ? (
            <p className="muted">The image file has not been uploaded yet.</p>
          ) : (
            <img
              src={storageHref(item.url)}
              alt={item.caption ?? title}
              width={item.width ?? undefined}
              height={item.height ?? undefined}
              className={(item.width ?? 0) > 0 && (item.width ?? 0) < 256 ? "upscaled" : undefined}
              referrerPolicy="no-referrer"
            />
          )}
          {item.caption === null ? null : <figcaption data-testid="media-caption">{item.caption}</figcaption>}
        </figure>
      );
    case "html":
      return (
        <iframe
          className="media-html"
          title={title}
          sandbox=""
          referrerPolicy="no-referrer"
          src={htmlMediaUrl(run, item.path)}
        />
      );
    case "table":
      return <TableView run={run} path={item.path} />;
  }
}

const TABLE_PAGE = 50;

function TableView({ run, path }: { readonly run: RunAddress; readonly path: string }) {
  const { entity, project } = run;
  const runName = run.run;
  const [offset, setOffset] = useState(0);
  const load = useCallback(
    () => getTablePage({ entity, project, run: runName }, path, offset, TABLE_PAGE),
    [entity, project, runName, path, offset],
  );
  const { state } = useLoad(load);
  return (
    <Loaded state={state} what="the table">
      {(page) => {
        const info = pageInfo(page.offset, page.rows.length, page.total, TABLE_PAGE);
        return (
          <div className="media-table">
            <div className="media-table-scroll">
              <table className="data-table">
                <thead>
                  <tr>
                    {page.columns.map((column, i) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: column names may repeat; the position is the identity
                      <th key={`${i}-${column}`} scope="col">
                        {column}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {page.rows.map((row, r) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: a row's identity is its position in the table
                    <tr key={page.offset + r} data-testid="table-row">
                      {row.map((cell, c) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: cells have no identity but their position
                        <td key={c}>{cellText(cell)}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div className="pager">
              <button
                type="button"
                disabled={!info.hasPrevious}
                onClick={() => setOffset(Math.max(0, offset - TABLE_PAGE))}
              >
                Previous
              </button>
              <span className="muted" data-testid="table-range">
                {info.label}
              </span>
              <button type="button" disabled={!info.hasNext} onClick={() => setOffset(offset + TABLE_PAGE)}>
                Next
              </button>
            </div>
          </div>
        );
      }}
    </Loaded>
  );
}
