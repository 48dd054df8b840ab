/** The Files tab: the run's files as a folder tree with sizes; Download fetches a short-lived signed URL. */
import { useCallback, useState } from "react";
import { messageOf } from "../api/client.ts";
import { getRunFileLink, getRunFiles } from "../api/runs.ts";
import { storageHref } from "../artifacts/artifact-routes.ts";
import { ErrorNote } from "../components/form.tsx";
import { plural } from "../format.ts";
import { useLoad } from "../use-load.ts";
import { buildFileTree, formatBytes, type TreeFile, visibleRows } from "./file-tree.ts";
import type { RunTabContext } from "./tabs.tsx";

export function FilesTab({ entity, project, name }: RunTabContext) {
  const load = useCallback(() => getRunFiles(entity, project, name), [entity, project, name]);
  const { state } = useLoad(load);
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set());
  const [error, setError] = useState<string | null>(null);

  if (state.kind === "loading") return <p className="muted">Loading files…</p>;
  if (state.kind === "failed") return <ErrorNote message={messageOf(state.error)} />;
  const tree = buildFileTree(state.value.files);
  if (tree.fileCount === 0) return <p className="muted">The run has no files yet.</p>;

  const toggle = (path: string) =>
    setOpen((current) => {
      const next = new Set(current);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });

  const download = async (file: TreeFile) => {
    setError(null);
    try {
      const { url } = await getRunFileLink(entity, project, name, file.path);
      // An anchor with `download` saves the bytes instead of opening them in the app's tab.
      const anchor = document.createElement("a");
      // Same-origin, so `download` applies even when the server signs on another public host name.
      anchor.href = storageHref(url);
      anchor.download = file.name;
      anchor.rel = "noopener";
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
    } catch (failure) {
      setError(messageOf(failure));
    }
  };

  return (
    <div className="card run-files">
      <p className="muted">
        {plural(tree.fileCount, "file")}, {formatBytes(tree.size)}
        {state.value.truncated ? " (the first files only)" : null}
      </p>
      <ErrorNote message={error} />
      <table className="file-table" aria-label="Files">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col" className="number">
              Size
            </th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {visibleRows(tree, open).map(({ node, depth }) => (
            <tr key={node.path} data-testid="file-row" data-path={node.path}>
              <td style={{ paddingLeft: `${0.5 + depth * 1.25}rem` }}>
                {node.kind === "folder" ? (
                  <button
                    type="button"
                    className="link-button folder"
                    aria-expanded={open.has(node.path)}
                    onClick={() => toggle(node.path)}
                  >
                    {open.has(node.path) ? "▾" : "▸"} {node.name}/
                  </button>
                ) : (
                  <span className="file-name">{node.name}</span>
                )}
              </td>
              <td className="number">
                {formatBytes(node.size)}
                {node.kind === "folder" ? (
                  <span className="muted"> · {plural(node.fileCount, "file")}</span>
                ) : null}
              </td>
              <td>
                {node.kind === "file" ? (
                  <button
                    type="button"
                    aria-label={`Download ${node.path}`}
                    onClick={() => void download(node)}
                  >
                    Download
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
