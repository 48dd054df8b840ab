/**
 * The data operations of the permission matrix (e2e/permission-matrix.e2e.test.ts), each tried as
 * one principal on one team's data over the real protocols: W&B GraphQL, file_stream, signed storage
 * URLs and Ballast's JSON API (judged by support/permission-judge.ts). Team management:
 * support/permission-team-operations.ts.
 */
import { createHash } from "node:crypto";
import { at } from "./api.ts";
import {
  denial,
  graphql,
  names,
  type Operation,
  rest,
  runAsRoot,
  useUrl,
  write,
} from "./permission-judge.ts";
import { PROJECT, SEED_HISTORY, seedFileText } from "./permission-world.ts";

const RUN_FILE_QUERY = `query($e: String!, $p: String!) { project(name: $p, entityName: $e) { run(name: "seed") {
  files(names: ["seed.txt"]) { edges { node { name directUrl url } } } } } }`;

// ---- the operations ----------------------------------------------------------------------------

export const DATA_OPERATIONS: Operation[] = [
  {
    name: "gql:project.runs",
    attempt: async (w, p, t) =>
      graphql(
        await w.gql(
          w.keys[p],
          `query($e: String!, $p: String!) { project(name: $p, entityName: $e) { runs { edges { node { name } } } } }`,
          { e: t, p: PROJECT },
        ),
        "project",
        (project) =>
          names(at(project, "runs", "edges")).includes("seed") ? undefined : "seed run not listed",
      ),
  },
  {
    name: "gql:run.history",
    attempt: async (w, p, t) =>
      graphql(
        await w.gql(
          w.keys[p],
          `query($e: String!, $p: String!) { project(name: $p, entityName: $e) { run(name: "seed") {
            history(samples: 100) sampledHistory(specs: ["{\\"keys\\": [\\"_step\\", \\"loss\\"]}"]) } } }`,
          { e: t, p: PROJECT },
        ),
        "project",
        (project) => {
          const history = at(project, "run", "history");
          return Array.isArray(history) && history.length === SEED_HISTORY.length
            ? undefined
            : `history: ${JSON.stringify(history)}`;
        },
      ),
  },
  {
    name: "gql:entity",
    attempt: async (w, p, t) =>
      graphql(
        await w.gql(w.keys[p], `query($e: String!) { entity(name: $e) { name } }`, { e: t }),
        "entity",
        (entity) => (at(entity, "name") === t ? undefined : `entity: ${JSON.stringify(entity)}`),
      ),
  },
  {
    name: "gql:artifact(id)",
    attempt: async (w, p, t) =>
      graphql(
        await w.gql(w.keys[p], `query($id: ID!) { artifact(id: $id) { id state } }`, {
          id: w.seeds[t].artifactId,
        }),
        "artifact",
        (artifact) =>
          at(artifact, "id") === w.seeds[t].artifactId ? undefined : `artifact: ${JSON.stringify(artifact)}`,
      ),
  },
  {
    name: "gql:file.directUrl+GET",
    attempt: async (w, p, t) =>
      graphql(await w.gql(w.keys[p], RUN_FILE_QUERY, { e: t, p: PROJECT }), "project", async (project) => {
        const url = at(project, "run", "files", "edges", 0, "node", "directUrl");
        if (typeof url !== "string") return `no directUrl: ${JSON.stringify(project)}`;
        const reply = await w.send(undefined, w.local(url));
        return reply.status === 200 && reply.text === seedFileText(t)
          ? undefined
          : `GET directUrl → ${reply.status}`;
      }),
  },
  {
    // `url(upload: true)` hands out a PUT URL for an existing run file: that is a write.
    name: "gql:file.url(upload)",
    attempt: async (w, p, t) => {
      const reply = await w.gql(
        w.keys[p],
        `query($e: String!, $p: String!) { project(name: $p, entityName: $e) { run(name: "seed") {
          files(names: ["seed.txt"]) { edges { node { url(upload: true) } } } } } }`,
        { e: t, p: PROJECT },
      );
      const url = at(reply.body, "data", "project", "run", "files", "edges", 0, "node", "url");
      if (typeof url === "string" && url.includes("/storage/")) {
        // Used with the same bytes, so the file's readers see no change.
        const wrong = await useUrl(w, url, "PUT", seedFileText(t));
        return { verdict: "allow", detail: "url", problems: wrong ? [wrong] : [] };
      }
      return denial(reply, []);
    },
  },
  {
    name: "gql:upsertBucket(new)",
    attempt: async (w, p, t) =>
      write(
        await graphql(
          await w.gql(
            w.keys[p],
            `mutation($e: String!, $p: String!, $r: String!) {
              upsertBucket(input: {name: $r, modelName: $p, entityName: $e}) { bucket { id } } }`,
            { e: t, p: PROJECT, r: `w-${p}` },
          ),
          "upsertBucket",
        ),
        async () => (await runAsRoot(w, t, `w-${p}`)) !== null,
      ),
  },
  {
    name: "gql:upsertBucket(update)",
    attempt: async (w, p, t) =>
      write(
        await graphql(
          await w.gql(
            w.keys[p],
            `mutation($e: String!, $p: String!, $r: String!, $d: String!) {
              upsertBucket(input: {name: $r, modelName: $p, entityName: $e, displayName: $d}) { bucket { id } } }`,
            { e: t, p: PROJECT, r: `fx-${p}`, d: `by-${p}` },
          ),
          "upsertBucket",
        ),
        async () => at(await runAsRoot(w, t, `fx-${p}`), "displayName") === `by-${p}`,
      ),
  },
  {
    name: "gql:deleteRun",
    attempt: async (w, p, t) =>
      write(
        await graphql(
          await w.gql(w.keys[p], `mutation($id: ID!) { deleteRun(input: {id: $id}) { clientMutationId } }`, {
            id: w.seeds[t].deleteRunIds[p],
          }),
          "deleteRun",
        ),
        async () => (await runAsRoot(w, t, `del-${p}`)) === null,
      ),
  },
  {
    name: "file_stream",
    attempt: async (w, p, t) =>
      write(
        await rest(await w.fileStream(w.keys[p], t, `fx-${p}`, ['{"_step":0,"x":1}']), 200),
        async () => Number(at(await runAsRoot(w, t, `fx-${p}`), "historyLineCount") ?? 0) > 0,
      ),
  },
  {
    name: "gql:createRunFiles+PUT",
    attempt: async (w, p, t) =>
      write(
        await graphql(
          await w.gql(
            w.keys[p],
            `mutation($e: String!, $p: String!, $r: String!, $f: [String!]!) {
              createRunFiles(input: {entityName: $e, projectName: $p, runName: $r, files: $f}) { files { uploadUrl } } }`,
            { e: t, p: PROJECT, r: `fx-${p}`, f: [`up-${p}.txt`] },
          ),
          "createRunFiles",
          (payload) => useUrl(w, at(payload, "files", 0, "uploadUrl"), "PUT", `uploaded by ${p}`),
        ),
        async () => names(at(await runAsRoot(w, t, `fx-${p}`), "files", "edges")).includes(`up-${p}.txt`),
      ),
  },
  {
    name: "gql:createArtifact",
    attempt: async (w, p, t) =>
      write(
        await graphql(
          await w.gql(
            w.keys[p],
            `mutation($e: String!, $p: String!, $r: String!, $c: String!, $d: String!) {
              createArtifact(input: {entityName: $e, projectName: $p, runName: $r, artifactTypeName: "dataset",
                artifactCollectionName: $c, digest: $d}) { artifact { id } } }`,
            { e: t, p: PROJECT, r: `fx-${p}`, c: `a-${p}`, d: `${p}-${t}`.padEnd(32, "0") },
          ),
          "createArtifact",
        ),
        async () => {
          const reply = await w.gql(
            w.keys.root,
            `query($e: String!, $p: String!, $c: String!) { project(name: $p, entityName: $e) {
              artifactCollection(name: $c) { id } } }`,
            { e: t, p: PROJECT, c: `a-${p}` },
          );
          return Boolean(at(reply.body, "data", "project", "artifactCollection", "id"));
        },
      ),
  },
  {
    name: "gql:useArtifact",
    attempt: async (w, p, t) =>
      write(
        await graphql(
          await w.gql(
            w.keys[p],
            `mutation($e: String!, $p: String!, $r: String!, $a: ID!) {
              useArtifact(input: {entityName: $e, projectName: $p, runName: $r, artifactID: $a}) { artifact { id } } }`,
            { e: t, p: PROJECT, r: `fx-${p}`, a: w.seeds[t].artifactId },
          ),
          "useArtifact",
        ),
        async () => names(at(await runAsRoot(w, t, `fx-${p}`), "inputArtifacts", "edges")).length > 0,
      ),
  },
  {
    // Each principal's own bytes: a digest already stored would get no upload URL (deduplication).
    name: "gql:createArtifactFiles+PUT",
    attempt: async (w, p, t) => {
      const body = `artifact file of ${p} in ${t}\n`;
      return graphql(
        await w.gql(
          w.keys[p],
          `mutation($a: ID!, $n: String!, $m: String!) { createArtifactFiles(input: {storageLayout: V2,
            artifactFiles: [{artifactID: $a, name: $n, md5: $m}]}) { files { edges { node { uploadUrl } } } } }`,
          { a: w.seeds[t].artifactId, n: `f-${p}.txt`, m: createHash("md5").update(body).digest("base64") },
        ),
        "createArtifactFiles",
        (payload) => useUrl(w, at(payload, "files", "edges", 0, "node", "uploadUrl"), "PUT", body),
      );
    },
  },
  {
    name: "api:GET project runs",
    attempt: async (w, p, t) =>
      rest(await w.send(w.keys[p], `/api/v1/projects/${t}/${PROJECT}/runs`), 200, (body) => {
        const runs = at(body, "runs");
        return Array.isArray(runs) && runs.some((run) => at(run, "name") === "seed")
          ? undefined
          : "seed not listed";
      }),
  },
  {
    name: "api:GET run",
    attempt: async (w, p, t) =>
      rest(await w.send(w.keys[p], `/api/v1/runs/${t}/${PROJECT}/seed`), 200, (body) =>
        at(body, "name") === "seed" ? undefined : `run: ${JSON.stringify(body).slice(0, 200)}`,
      ),
  },
  {
    name: "api:GET file url+GET",
    attempt: async (w, p, t) =>
      rest(
        await w.send(w.keys[p], `/api/v1/runs/${t}/${PROJECT}/seed/files/url?name=seed.txt`),
        200,
        (body) => useUrl(w, at(body, "url"), "GET"),
      ),
  },
  {
    name: "api:GET metric-keys",
    attempt: async (w, p, t) =>
      rest(await w.send(w.keys[p], `/api/v1/projects/${t}/${PROJECT}/metric-keys?run=seed`), 200, (body) => {
        const keys = at(body, "keys");
        return Array.isArray(keys) && keys.some((key) => at(key, "name") === "loss")
          ? undefined
          : `keys: ${JSON.stringify(body).slice(0, 200)}`;
      }),
  },
  {
    name: "api:GET artifacts",
    attempt: async (w, p, t) =>
      rest(await w.send(w.keys[p], `/api/v1/artifacts/${t}/${PROJECT}`), 200, (body) =>
        Array.isArray(at(body, "types")) ? undefined : `artifacts: ${JSON.stringify(body).slice(0, 200)}`,
      ),
  },
  {
    name: "api:PATCH run",
    attempt: async (w, p, t) =>
      write(
        await rest(
          await w.json(w.keys[p], "PATCH", `/api/v1/runs/${t}/${PROJECT}/fx-${p}`, { tags: [`tag-${p}`] }),
          200,
        ),
        async () => {
          const tags = at(await runAsRoot(w, t, `fx-${p}`), "tags");
          return Array.isArray(tags) && tags.includes(`tag-${p}`);
        },
      ),
  },
  {
    name: "api:GET team",
    attempt: async (w, p, t) =>
      rest(await w.send(w.keys[p], `/api/v1/teams/${t}`), 200, (body) =>
        at(body, "name") === t ? undefined : `team: ${JSON.stringify(body).slice(0, 200)}`,
      ),
  },
];
