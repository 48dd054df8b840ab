/**
 * `/:entity/:project/artifacts` — the project's artifact collections grouped by type — and
 * `/:entity/:project/artifacts/:type/:collection` — one collection's versions with their aliases.
 */
import "./artifacts.css";
import { useCallback, useEffect, useState } from "react";
import { listArtifactTypes, listVersions, type VersionList } from "../api/artifacts.ts";
import { Loaded } from "../components/loaded.tsx";
import { absoluteTime, isoTime, plural, relativeTime } from "../format.ts";
import { Link } from "../router.tsx";
import { useLoad } from "../use-load.ts";
import { artifactsRoute, collectionRoute, formatBytes, runRoute, versionRoute } from "./artifact-routes.ts";

export function Breadcrumbs({ parts }: { readonly parts: readonly { label: string; to?: string }[] }) {
  return (
    <nav aria-label="Breadcrumb" className="breadcrumbs">
      {parts.map((part, i) => (
        <span
          key={parts
            .slice(0, i + 1)
            .map((p) => p.label)
            .join("/")}
        >
          {i > 0 ? <span aria-hidden="true"> / </span> : null}
          {part.to === undefined ? <span>{part.label}</span> : <Link to={part.to}>{part.label}</Link>}
        </span>
      ))}
    </nav>
  );
}

export function Time({ value }: { readonly value: string | null }) {
  if (value === null) return <span className="muted">—</span>;
  return (
    <time dateTime={isoTime(value)} title={absoluteTime(value)}>
      {relativeTime(value)}
    </time>
  );
}

export function ArtifactsPage({ entity, project }: { readonly entity: string; readonly project: string }) {
  const load = useCallback(() => listArtifactTypes(entity, project), [entity, project]);
  const { state } = useLoad(load);
  useEffect(() => {
    document.title = `Artifacts · ${project} · Ballast`;
  }, [project]);
  return (
    <section aria-labelledby="artifacts-title" className="artifacts">
      <Breadcrumbs
        parts={[
          { label: entity },
          { label: project, to: `/${encodeURIComponent(entity)}/${encodeURIComponent(project)}` },
        ]}
      />
      <h1 id="artifacts-title">Artifacts</h1>
      <Loaded state={state} what="artifacts">
        {({ types }) =>
          types.length === 0 ? (
            <div className="card empty">
              <p>
                No artifacts in this project yet. Log one with <code>run.log_artifact(artifact)</code>.
              </p>
            </div>
          ) : (
            types.map((type) => (
              <section key={type.name} className="card artifact-type" aria-label={`Type ${type.name}`}>
                <h2>
                  {type.name} <span className="muted">{plural(type.totalCollections, "collection")}</span>
                </h2>
                <table className="data-table">
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Versions</th>
                      <th scope="col">Latest</th>
                      <th scope="col">Updated</th>
                    </tr>
                  </thead>
                  <tbody>
                    {type.collections.map((c) => (
                      <tr key={c.name} data-testid="collection">
                        <td>
                          <Link
                            to={collectionRoute({ entity, project, type: type.name, collection: c.name })}
                          >
                            {c.name}
                          </Link>
                          {c.description ? <div className="muted">{c.description}</div> : null}
                        </td>
                        <td className="num">{c.versionCount}</td>
                        <td>{c.latest ?? "—"}</td>
                        <td>
                          <Time value={c.updatedAt} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {type.totalCollections > type.collections.length ? (
                  <p className="muted">
                    Showing the newest {type.collections.length} of {type.totalCollections}.
                  </p>
                ) : null}
              </section>
            ))
          )
        }
      </Loaded>
    </section>
  );
}

const VERSIONS_PAGE = 50;

export function CollectionPage(props: {
  readonly entity: string;
  readonly project: string;
  readonly type: string;
  readonly collection: string;
}) {
  const { entity, project, type, collection } = props;
  const [offset, setOffset] = useState(0);
  const load = useCallback(
    () => listVersions({ entity, project, type, collection }, offset, VERSIONS_PAGE),
    [entity, project, type, collection, offset],
  );
  const { state } = useLoad(load);
  useEffect(() => {
    document.title = `${collection} · Artifacts · Ballast`;
  }, [collection]);
  return (
    <section aria-labelledby="collection-title" className="artifacts">
      <Breadcrumbs
        parts={[
          { label: entity },
          { label: project, to: `/${encodeURIComponent(entity)}/${encodeURIComponent(project)}` },
          { label: "Artifacts", to: artifactsRoute(entity, project) },
          { label: type },
        ]}
      />
      <h1 id="collection-title">{collection}</h1>
      <Loaded state={state} what="versions">
        {(list) => <VersionTable list={list} entity={entity} project={project} onOffset={setOffset} />}
      </Loaded>
    </section>
  );
}

function VersionTable(props: {
  readonly list: VersionList;
  readonly entity: string;
  readonly project: string;
  readonly onOffset: (offset: number) => void;
}) {
  const { list, entity, project, onOffset } = props;
  return (
    <div className="card">
      {list.collection.description ? <p>{list.collection.description}</p> : null}
      <p className="muted">
        {list.collection.type} · {plural(list.total, "version")}
      </p>
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Aliases</th>
            <th scope="col">Size</th>
            <th scope="col">Files</th>
            <th scope="col">Created</th>
            <th scope="col">Created by</th>
          </tr>
        </thead>
        <tbody>
          {list.versions.map((v) => (
            <tr key={v.version} data-testid="version">
              <td>
                <Link
                  to={versionRoute({
                    entity,
                    project,
                    type: v.type,
                    collection: v.collection,
                    version: v.version,
                  })}
                >
                  {v.version}
                </Link>
              </td>
              <td>
                <Aliases aliases={v.aliases} />
              </td>
              <td className="num">{formatBytes(v.size)}</td>
              <td className="num">{v.fileCount}</td>
              <td>
                <Time value={v.createdAt} />
              </td>
              <td>{v.createdBy ? <Link to={runRoute(v.createdBy)}>{v.createdBy.displayName}</Link> : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager
        offset={list.offset}
        shown={list.versions.length}
        total={list.total}
        size={VERSIONS_PAGE}
        onOffset={onOffset}
      />
    </div>
  );
}

export function Aliases({ aliases }: { readonly aliases: readonly string[] }) {
  return (
    <span className="aliases">
      {aliases.map((alias) => (
        <span key={alias} className="alias" data-testid="alias">
          {alias}
        </span>
      ))}
    </span>
  );
}

export function Pager(props: {
  readonly offset: number;
  readonly shown: number;
  readonly total: number;
  readonly size: number;
  readonly onOffset: (offset: number) => void;
}) {
  const { offset, shown, total, size, onOffset } = props;
  if (total <= size) return null;
  return (
    <div className="pager">
      <button type="button" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - size))}>
        Previous
      </button>
      <span className="muted">
        {offset + 1}–{offset + shown} of {total}
      </span>
      <button type="button" disabled={offset + shown >= total} onClick={() => onOffset(offset + size)}>
        Next
      </button>
    </div>
  );
}
