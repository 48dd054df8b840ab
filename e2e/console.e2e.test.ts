/**
 * The management console against a real kube-apiserver: the operator (air-gapped, the app chart from
 * a local path) installs Ballast's chart, including the console's narrowly scoped Role; a Ballast
 * server then acts as the chart's app service account (a token for
 * system:serviceaccount:default:wandb-app, so RBAC applies) with the chart's console password. The
 * console reads the active spec and writes the user-input layer, which the operator applies; the
 * browser test drives the page.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  KubeClient,
  type KubeObject,
  loadKubeConfig,
  SECRETS,
  WEIGHTS_AND_BIASES,
} from "../packages/deploy/src/index.ts";
import { startTestServer, type TestServer } from "./support/api.ts";
import { buildWebApp, launchBrowser } from "./support/browser.ts";
import { APP_CHART } from "./support/helm.ts";
import { eventually, type KubeCluster, startKubeCluster } from "./support/kube.ts";
import { container, envAsWritten } from "./support/manifests.ts";
import { installCrd, startOperator } from "./support/operator.ts";

interface Secret extends KubeObject {
  data?: Record<string, string>;
}
const DEPLOYMENTS = { group: "apps", version: "v1", plural: "deployments", namespaced: true };
const text = (b64: string | undefined) => Buffer.from(b64 ?? "", "base64").toString("utf8");

let cluster: KubeCluster;
let operator: Awaited<ReturnType<typeof startOperator>>;
let server: TestServer;
let url: string;
let password: string;

before(async () => {
  await buildWebApp();
  cluster = await startKubeCluster({ serviceAccounts: [{ namespace: "default", name: "wandb-app" }] });
  await installCrd(cluster.admin);
  await cluster.admin.request("POST", "/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "wandb-cr" },
  });
  operator = await startOperator({ kubeconfig: cluster.kubeconfig, namespace: "wandb-cr" });
  await cluster.admin.create(WEIGHTS_AND_BIASES, "default", {
    apiVersion: "apps.wandb.com/v1",
    kind: "WeightsAndBiases",
    metadata: { name: "wandb" },
    spec: {
      chart: { path: APP_CHART },
      values: {
        global: {
          host: "https://ballast.example.com",
          license: "license-abc-123",
          mysql: { host: "db.example.com", password: "db-password-1" },
        },
        app: { image: { tag: "0.1.0" } },
      },
    },
  });
  await eventually("the release", async () => {
    const cr = await cluster.admin.get<KubeObject & { status?: { phase?: string } }>(
      WEIGHTS_AND_BIASES,
      "default",
      "wandb",
    );
    return cr.status?.phase === "Completed" ? true : undefined;
  });
  password = text((await cluster.admin.get<Secret>(SECRETS, "default", "wandb-password")).data?.password);
  server = await startTestServer({
    BALLAST_CONSOLE_RESOURCE: "default/wandb",
    BALLAST_CONSOLE_PASSWORD: password,
    KUBECONFIG: cluster.serviceAccountKubeconfig("default", "wandb-app"),
  });
  url = server.server.url;
});

after(async () => {
  await server?.close();
  await operator?.stop();
  await cluster?.dispose();
});

async function signIn(): Promise<string> {
  const res = await fetch(`${url}/api/v1/console/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ password }),
  });
  assert.equal(res.status, 200);
  return (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
}

async function putValues(cookie: string, values: unknown): Promise<Response> {
  return fetch(`${url}/api/v1/console/user-values`, {
    method: "PUT",
    headers: { "content-type": "application/json", cookie },
    body: JSON.stringify({ values }),
  });
}

describe("the management console", () => {
  it("asks for a sign-in and refuses a wrong password; the chart's password (or W&B's direct link) lets one in", async () => {
    assert.equal((await fetch(`${url}/api/v1/console`)).status, 401);
    const wrong = await fetch(`${url}/api/v1/console/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ password: "not-the-password" }),
    });
    assert.equal(wrong.status, 401);
    assert.equal(password.length, 32);
    const link = await fetch(
      `${url}/console/login?password=${encodeURIComponent(Buffer.from(password).toString("base64"))}`,
      { redirect: "manual" },
    );
    assert.equal(link.status, 303);
    const cookie = (link.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    assert.equal((await fetch(`${url}/api/v1/console`, { headers: { cookie } })).status, 200);
    // An instance admin's API key works too.
    assert.equal(
      (await fetch(`${url}/api/v1/console`, { headers: { authorization: server.auth } })).status,
      200,
    );
  });

  it("shows the active spec: status, values with secrets masked, and the layer of each", async () => {
    const cookie = await signIn();
    const view = (await (await fetch(`${url}/api/v1/console`, { headers: { cookie } })).json()) as {
      mode: string;
      resource: { phase: string; observedGeneration: number };
      values: { global: { license: string; mysql: { password: string }; host: string } };
      origins: Record<string, string>;
      pending: boolean;
    };
    assert.equal(view.mode, "operator");
    assert.equal(view.resource.phase, "Completed");
    assert.equal(view.values.global.host, "https://ballast.example.com");
    assert.equal(view.values.global.license, "********");
    assert.equal(view.values.global.mysql.password, "********");
    assert.equal(view.origins["global.host"], "resource");
    assert.equal(view.origins["global.operator.namespace"], "operator defaults");
    assert.equal(view.pending, false);
    const body = JSON.stringify(view);
    assert.ok(
      !body.includes("license-abc-123") && !body.includes("db-password-1"),
      "no secret leaves the server",
    );
  });

  it("writes the user-input Secret, which the operator applies; masked values round-trip unchanged", async () => {
    const cookie = await signIn();
    const put = await putValues(cookie, {
      global: {
        extraEnv: { FROM_CONSOLE: "1" },
        email: { smtp: { host: "smtp.example.com", password: "smtp-secret-9" } },
      },
    });
    assert.equal(put.status, 200, await put.clone().text());
    const view = (await put.json()) as { userValues: { global: { email: { smtp: { password: string } } } } };
    assert.equal(view.userValues.global.email.smtp.password, "********");
    await eventually("the operator to apply the console's values", async () => {
      const env = envAsWritten(container(await cluster.admin.get(DEPLOYMENTS, "default", "wandb-app")));
      return env.FROM_CONSOLE === "1" && env.SMTP_HOST === "smtp.example.com" ? true : undefined;
    });
    // The form sends the masked view back: the stored password stays.
    assert.equal((await putValues(cookie, view.userValues)).status, 200);
    const stored = await cluster.admin.get<Secret>(SECRETS, "default", "wandb-spec-user");
    assert.equal(JSON.parse(text(stored.data?.values)).global.email.smtp.password, "smtp-secret-9");
    // A value that cannot merge is refused with the path, and nothing is written.
    const clash = await putValues(cookie, { global: "not-a-map" });
    assert.equal(clash.status, 400);
    assert.match(await clash.text(), /values\.global: the console layer sets a string/);
  });

  it("its service account may touch only the resource's console Secrets", async () => {
    const sa = new KubeClient(
      loadKubeConfig({ KUBECONFIG: cluster.serviceAccountKubeconfig("default", "wandb-app") }),
    );
    try {
      await sa.get(SECRETS, "default", "wandb-spec-user");
      await assert.rejects(sa.get(SECRETS, "default", "wandb-mysql"), /forbidden/);
      await assert.rejects(sa.list(SECRETS, "default"), /forbidden/);
      await assert.rejects(sa.patch(SECRETS, "default", "wandb-spec-active", { data: {} }), /forbidden/);
      await assert.rejects(sa.patch(WEIGHTS_AND_BIASES, "default", "wandb", { spec: {} }), /forbidden/);
    } finally {
      sa.close();
    }
  });

  it("in the browser: sign in with the console password, read the values and their layers, save", async () => {
    const browser = await launchBrowser();
    try {
      const { page } = browser;
      await page.goto(`${url}/console`);
      await page.getByLabel("Console password").fill(password);
      await page.getByRole("button", { name: "Sign in" }).click();
      const values = page.getByRole("table", { name: "Applied values" });
      await values
        .getByRole("row", { name: /global\.host .*https:\/\/ballast\.example\.com.*resource/ })
        .waitFor();
      await page.getByRole("row", { name: /Phase Completed/ }).waitFor();
      const editor = page.getByLabel("Values (JSON)");
      const current = JSON.parse(await editor.inputValue());
      current.global.extraEnv.FROM_BROWSER = "yes";
      await editor.fill(JSON.stringify(current));
      await page.getByRole("button", { name: "Save" }).click();
      await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
      await page.screenshot({ path: join("test-results", "screenshots", "console.png"), fullPage: true });
      assert.deepEqual(browser.pageErrors, []);
      const stored = await cluster.admin.get<Secret>(SECRETS, "default", "wandb-spec-user");
      assert.equal(JSON.parse(text(stored.data?.values)).global.extraEnv.FROM_BROWSER, "yes");
    } finally {
      await browser.close();
    }
  });
});

describe("the management console without an operator", () => {
  it("shows the configuration the server runs with and keeps its layer in the server's settings", async () => {
    const standalone = await startTestServer({
      HOST: "https://solo.example.com",
      LICENSE: "solo-license-xyz",
    });
    try {
      const headers = { authorization: standalone.auth, "content-type": "application/json" };
      const base = standalone.server.url;
      const view = (await (await fetch(`${base}/api/v1/console`, { headers })).json()) as {
        mode: string;
        values: { global: { host: string; license: string } };
        origins: Record<string, string>;
      };
      assert.equal(view.mode, "standalone");
      assert.equal(view.values.global.host, "https://solo.example.com");
      assert.equal(view.values.global.license, "********");
      assert.equal(view.origins["global.host"], "server environment");
      const put = await fetch(`${base}/api/v1/console/user-values`, {
        method: "PUT",
        headers,
        body: JSON.stringify({ values: { global: { email: { smtp: { password: "solo-smtp" } } } } }),
      });
      assert.equal(put.status, 200);
      const saved = (await put.json()) as { userValues: unknown };
      assert.deepEqual(saved.userValues, { global: { email: { smtp: { password: "********" } } } });
      // Sent back masked, the stored password stays; a mask with nothing behind it is refused.
      assert.equal(
        (
          await fetch(`${base}/api/v1/console/user-values`, {
            method: "PUT",
            headers,
            body: JSON.stringify({ values: saved.userValues }),
          })
        ).status,
        200,
      );
      const bad = await fetch(`${base}/api/v1/console/user-values`, {
        method: "PUT",
        headers,
        body: JSON.stringify({ values: { global: { license: "********" } } }),
      });
      assert.equal(bad.status, 400);
      // Without a console password, only admins get in.
      assert.equal((await fetch(`${base}/api/v1/console`)).status, 401);
    } finally {
      await standalone.close();
    }
  });
});
