/**
 * `/:entity/:project/artifacts/:type/:collection/:version`: one version's files (signed download
 * links, paged), its metadata as text, and its lineage — the run that logged it → this version →
 * the runs that used it.
 */
import "./artifacts.css";
import { useCallback, useEffect, useState } from "react";
import { type CollectionPath, getVersion, listVersionFiles, type VersionDetail } from "../api/artifacts.ts";
import { Loaded } from "../components/loaded.tsx";
import { plural } from "../format.ts";
import { Link } from "../router.tsx";
import { useLoad } from "../use-load.ts";
import { artifactsRoute, collectionRoute, formatBytes, runRoute, storageHref } from "./artifact-routes.ts";
import { Aliases, Breadcrumbs, Time } from "./artifacts.page.tsx";

const FILES_PAGE = 100;

export function VersionPage(props: CollectionPath & { readonly version: string }) {
  const { entity, project, type, collection, version } = props;
  const load = useCallback(
    () => getVersion({ entity, project, type, collection }, version),
    [entity, project, type, collection, version],
  );
  const { state } = useLoad(load);
  useEffect(() => {
    document.title = `${collection}:${version} · Artifacts · Ballast`;
  }, [collection, version]);
  return (
    <section aria-labelledby="version-title" className="artifacts">
      <Breadcrumbs
        parts={[
          { label: entity },
          { label: project, to: `/${encodeURIComponent(entity)}/${encodeURIComponent(project)}` },
          { label: "Artifacts", to: artifactsRoute(entity, project) },
          { label: type },
          { label: collection, to: collectionRoute({ entity, project, type, collection }) },
        ]}
      />
      <h1 id="version-title">
        {collection}:{version}
      </h1>
      <Loaded state={state} what="the version">
        {(detail) => (
          <>
            <Summary detail={detail} />
            <Lineage detail={detail} />
            <Files
              path={{ entity, project, type, collection }}
              version={detail.version}
              total={detail.fileCount}
            />
            <section className="card" aria-labelledby="metadata-title">
              <h2 id="metadata-title">Metadata</h2>
              <pre data-testid="metadata">{JSON.stringify(detail.metadata, null, 2)}</pre>
            </section>
          </>
        )}
      </Loaded>
    </section>
  );
}

function Summary({ detail }: { readonly detail: VersionDetail }) {
  return (
    <section className="card" aria-label="Summary">
      <dl className="facts">
        <dt>Type</dt>
        <dd>{detail.type}</dd>
        <dt>Aliases</dt>
        <dd>
          <Aliases aliases={detail.aliases} />
        </dd>
        <dt>Size</dt>
        <dd>
          {formatBytes(detail.size)} in {plural(detail.fileCount, "file")}
        </dd>
        <dt>Created</dt>
        <dd>
          <Time value={detail.createdAt} />
        </dd>
        <dt>Digest</dt>
        <dd>
          <code>{detail.digest}</code>
        </dd>
        {detail.description ? (
          <>
            <dt>Description</dt>
            <dd>{detail.description}</dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}

function Lineage({ detail }: { readonly detail: VersionDetail }) {
  return (
    <section className="card" aria-labelledby="lineage-title">
      <h2 id="lineage-title">Lineage</h2>
      <ol className="lineage">
        <li data-testid="lineage-producer">
          <span className="muted">Logged by</span>
          {detail.createdBy ? (
            <Link to={runRoute(detail.createdBy)}>{detail.createdBy.displayName}</Link>
          ) : (
            <span className="muted">no run</span>
          )}
        </li>
        <li aria-current="true" className="lineage-self">
          {detail.collection}:{detail.version}
        </li>
        <li data-testid="lineage-consumers">
          <span className="muted">Used by {plural(detail.usedByTotal, "run")}</span>
          <ul>
            {detail.usedBy.map((run) => (
              <li key={`${run.entity}/${run.project}/${run.name}`}>
                <Link to={runRoute(run)}>{run.displayName}</Link>
              </li>
            ))}
          </ul>
        </li>
      </ol>
    </section>
  );
}

function Files(props: { readonly path: CollectionPath; readonly version: string; readonly total: number }) {
  const { path, version, total } = props;
  // Cursors of the pages seen so far, so Previous goes back without offsets on the server.
  const [cursors, setCursors] = useState<readonly string[]>([""]);
  const after = cursors.at(-1) ?? "";
  const { entity, project, type, collection } = path;
  const load = useCallback(
    () => listVersionFiles({ entity, project, type, collection }, version, after, FILES_PAGE),
    [entity, project, type, collection, version, after],
  );
  const { state } = useLoad(load);
  return (
    <section className="card" aria-labelledby="files-title">
      <h2 id="files-title">
        Files <span className="muted">{total}</span>
      </h2>
      <Loaded state={state} what="files">
        {(page) => (
          <>
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">Path</th>
                  <th scope="col">Size</th>
                  <th scope="col">
                    <span className="visually-hidden">Download</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.files.map((file) => (
                  <tr key={file.path} data-testid="artifact-file">
                    <td>
                      <code>{file.path}</code>
                      {file.ref === null ? null : <div className="muted">reference: {file.ref}</div>}
                    </td>
                    <td className="num">{formatBytes(file.size)}</td>
                    <td>
                      {file.url === null ? null : (
                        <a
                          href={storageHref(file.url)}
                          download={file.path.split("/").at(-1)}
                          rel="noreferrer"
                        >
                          Download
                        </a>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {cursors.length > 1 || page.next !== null ? (
              <div className="pager">
                <button
                  type="button"
                  disabled={cursors.length <= 1}
                  onClick={() => setCursors((c) => c.slice(0, -1))}
                >
                  Previous
                </button>
                <span className="muted">Page {cursors.length}</span>
                <button
                  type="button"
                  disabled={page.next === null}
                  onClick={() => page.next !== null && setCursors((c) => [...c, page.next ?? ""])}
                >
                  Next
                </button>
              </div>
            ) : null}
          </>
        )}
      </Loaded>
    </section>
  );
}
