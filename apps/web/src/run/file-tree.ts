/**
 * The run's files as a tree: folders from the `/`-separated names, each folder with the total size
 * and count of the files under it; folders first, then files, each by name. Pure (file-tree.test.ts).
 */

export interface TreeFile {
  readonly kind: "file";
  /** The last path segment. */
  readonly name: string;
  /** The file's full name in the run. */
  readonly path: string;
  readonly size: number;
}

export interface TreeFolder {
  readonly kind: "folder";
  readonly name: string;
  readonly path: string;
  readonly size: number;
  readonly fileCount: number;
  readonly children: readonly TreeNode[];
}

export type TreeNode = TreeFile | TreeFolder;

interface Building {
  folders: Map<string, Building>;
  files: TreeFile[];
}

export function buildFileTree(
  files: readonly { readonly name: string; readonly size: number }[],
): TreeFolder {
  const root: Building = { folders: new Map(), files: [] };
  for (const file of files) {
    const parts = file.name.split("/").filter((p) => p !== "");
    const leaf = parts.pop();
    if (leaf === undefined) continue;
    let folder = root;
    for (const part of parts) {
      let next = folder.folders.get(part);
      if (next === undefined) {
        next = { folders: new Map(), files: [] };
        folder.folders.set(part, next);
      }
      folder = next;
    }
    folder.files.push({ kind: "file", name: leaf, path: file.name, size: file.size });
  }
  return finish(root, "", "");
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function finish(building: Building, name: string, path: string): TreeFolder {
  const folders = [...building.folders].map(([child, b]) =>
    finish(b, child, path === "" ? child : `${path}/${child}`),
  );
  folders.sort(byName);
  const files = [...building.files].sort(byName);
  return {
    kind: "folder",
    name,
    path,
    size: folders.reduce((n, f) => n + f.size, 0) + files.reduce((n, f) => n + f.size, 0),
    fileCount: folders.reduce((n, f) => n + f.fileCount, 0) + files.length,
    children: [...folders, ...files],
  };
}

/** The rows shown: a depth-first walk that enters only the folders in `open`. */
export function visibleRows(
  root: TreeFolder,
  open: ReadonlySet<string>,
): { node: TreeNode; depth: number }[] {
  const rows: { node: TreeNode; depth: number }[] = [];
  const walk = (folder: TreeFolder, depth: number) => {
    for (const node of folder.children) {
      rows.push({ node, depth });
      if (node.kind === "folder" && open.has(node.path)) walk(node, depth + 1);
    }
  };
  walk(root, 0);
  return rows;
}

/** "0 B", "21 B", "1.5 KiB", "20.0 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
