/** The run page's "Artifacts" tab: the versions this run logged and the ones it used. */
import "./artifacts.css";
import { useCallback } from "react";
import { getRunArtifacts, type VersionSummary } from "../api/artifacts.ts";
import { Loaded } from "../components/loaded.tsx";
import { Link } from "../router.tsx";
import type { RunTabContext } from "../run/tabs.tsx";
import { useLoad } from "../use-load.ts";
import { formatBytes, versionRoute } from "./artifact-routes.ts";
import { Aliases, Time } from "./artifacts.page.tsx";

export function RunArtifactsTab({ ctx }: { readonly ctx: RunTabContext }) {
  const { entity, project, name } = ctx;
  const load = useCallback(() => getRunArtifacts(entity, project, name), [entity, project, name]);
  const { state } = useLoad(load);
  return (
    <Loaded state={state} what="artifacts">
      {({ logged, used }) => (
        <div className="artifacts">
          <VersionList title="Logged by this run" versions={logged} testId="logged-artifact" />
          <VersionList title="Used by this run" versions={used} testId="used-artifact" />
        </div>
      )}
    </Loaded>
  );
}

function VersionList(props: {
  readonly title: string;
  readonly versions: readonly VersionSummary[];
  readonly testId: string;
}) {
  return (
    <section className="card" aria-label={props.title}>
      <h2>{props.title}</h2>
      {props.versions.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Artifact</th>
              <th scope="col">Type</th>
              <th scope="col">Aliases</th>
              <th scope="col">Size</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {props.versions.map((v) => (
              <tr key={`${v.entity}/${v.project}/${v.collection}:${v.version}`} data-testid={props.testId}>
                <td>
                  <Link to={versionRoute(v)}>
                    {v.collection}:{v.version}
                  </Link>
                </td>
                <td>{v.type}</td>
                <td>
                  <Aliases aliases={v.aliases} />
                </td>
                <td className="num">{formatBytes(v.size)}</td>
                <td>
                  <Time value={v.createdAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
