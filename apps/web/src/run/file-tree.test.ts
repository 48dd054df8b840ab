import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { buildFileTree, formatBytes, type TreeNode, visibleRows } from "./file-tree.ts";

const names = (nodes: readonly TreeNode[]) => nodes.map((n) => `${n.kind === "folder" ? "/" : ""}${n.name}`);

describe("buildFileTree", () => {
  const tree = buildFileTree([
    { name: "wandb-metadata.json", size: 700 },
    { name: "outputs/predictions.csv", size: 21 },
    { name: "outputs/deep/a.bin", size: 1000 },
    { name: "config.yaml", size: 1651 },
    { name: "media/images/x.png", size: 5 },
  ]);

  test("folders first, then files, each by name", () => {
    assert.deepEqual(names(tree.children), ["/media", "/outputs", "config.yaml", "wandb-metadata.json"]);
    const outputs = tree.children[1];
    assert.ok(outputs?.kind === "folder");
    assert.deepEqual(names(outputs.children), ["/deep", "predictions.csv"]);
    assert.equal(outputs.path, "outputs");
    const deep = outputs.children[0];
    assert.ok(deep?.kind === "folder");
    assert.equal(deep.path, "outputs/deep");
    assert.equal(deep.children[0]?.kind === "file" ? deep.children[0].path : "", "outputs/deep/a.bin");
  });

  test("folders carry the total size and count of the files under them", () => {
    assert.equal(tree.size, 700 + 21 + 1000 + 1651 + 5);
    assert.equal(tree.fileCount, 5);
    const outputs = tree.children[1];
    assert.ok(outputs?.kind === "folder");
    assert.equal(outputs.size, 1021);
    assert.equal(outputs.fileCount, 2);
  });

  test("visibleRows enters only open folders", () => {
    const closed = visibleRows(tree, new Set());
    assert.deepEqual(
      closed.map((r) => r.node.path),
      ["media", "outputs", "config.yaml", "wandb-metadata.json"],
    );
    const open = visibleRows(tree, new Set(["outputs"]));
    assert.deepEqual(
      open.map((r) => [r.node.path, r.depth]),
      [
        ["media", 0],
        ["outputs", 0],
        ["outputs/deep", 1],
        ["outputs/predictions.csv", 1],
        ["config.yaml", 0],
        ["wandb-metadata.json", 0],
      ],
    );
  });

  test("an empty run has an empty tree", () => {
    assert.deepEqual(buildFileTree([]).children, []);
  });
});

test("formatBytes", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(20 * 1024 * 1024), "20.0 MiB");
});
