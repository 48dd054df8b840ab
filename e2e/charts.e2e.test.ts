/**
 * The Helm charts, rendered by the real helm and checked by a real kube-apiserver: `helm lint`,
 * `helm template` with the seed's examples and a matrix of values, every rendered object sent to
 * the API server as a strict dry-run create (its own OpenAPI schemas), the app's environment
 * resolved and parsed by the server's own loadConfig, and the fail-fast validations.
 */
import assert from "node:assert/strict";
import { globSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadConfig } from "../apps/server/src/config.ts";
import type { KubeObject } from "../packages/deploy/src/kube/kube-client.ts";
import { parseHcl } from "../scripts/terraform/hcl.ts";
import { APP_CHART, helm, OPERATOR_CHART, seedResource, template } from "./support/helm.ts";
import { ensureNamespace, type KubeCluster, startKubeCluster } from "./support/kube.ts";
import {
  container,
  envAsWritten,
  find,
  kinds,
  podSpec,
  resolvedEnv,
  validateOnServer,
} from "./support/manifests.ts";
import { installCrd } from "./support/operator.ts";
import { REPO_ROOT } from "./support/server.ts";

/** Every environment variable the server reads (`env.NAME` in apps/server/src), plus Node's own. */
function serverEnvNames(): Set<string> {
  const names = new Set(["NODE_EXTRA_CA_CERTS"]);
  for (const file of globSync("apps/server/src/**/*.ts", { cwd: REPO_ROOT })) {
    if (file.endsWith(".test.ts")) continue;
    for (const m of readFileSync(join(REPO_ROOT, file), "utf8").matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g))
      names.add(m[1] ?? "");
  }
  return names;
}

const PEM = "-----BEGIN CERTIFICATE-----\nMIIBnDCCAUKgAwIBAgIRAOp1\n-----END CERTIFICATE-----";

let cluster: KubeCluster;
before(async () => {
  cluster = await startKubeCluster();
  await ensureNamespace(cluster.admin, "charts");
});
after(async () => {
  await cluster?.dispose();
});

async function renderAndValidate(values: unknown, namespace = "charts"): Promise<KubeObject[]> {
  const objects = await template(APP_CHART, values, { namespace });
  await validateOnServer(cluster.admin, objects, namespace);
  return objects;
}

/** What the app container sees, fed to the server's own configuration parser. */
function appConfig(objects: KubeObject[], name = "wandb-app") {
  const env = resolvedEnv(container(find(objects, "Deployment", name)), objects);
  return { env, config: loadConfig({ env, cwd: "/" }) };
}

/** No Deployment, StatefulSet or ConfigMap carries any of these strings. */
function assertSecretsOnlyInSecrets(objects: KubeObject[], secrets: string[]): void {
  for (const object of objects.filter((o) => o.kind !== "Secret")) {
    const text = JSON.stringify(object);
    for (const secret of secrets)
      assert.ok(!text.includes(secret), `${object.kind}/${object.metadata.name} carries a secret`);
  }
}

describe("helm lint", () => {
  it("passes for both charts, with defaults and with the seed's example values", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ballast-lint-"));
    try {
      const seeds = ["operator.yaml", "operator-gcp.yaml"].map((file) => {
        const path = join(dir, `${file}.json`);
        writeFileSync(path, JSON.stringify(seedResource(file).spec.values));
        return ["--values", path];
      });
      for (const args of [[APP_CHART], ...seeds.map((values) => [APP_CHART, ...values]), [OPERATOR_CHART]]) {
        const result = await helm(["lint", "--strict", ...args]);
        assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.match(result.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("charts/ballast renders the seed's examples", () => {
  it("operator.yaml (S3-compatible bucket with keys, external MySQL, nginx ingress): objects the API server accepts, secrets in Secrets", async () => {
    const values = seedResource("operator.yaml").spec.values;
    const objects = await renderAndValidate(values);
    assert.deepEqual(kinds(objects), [
      "Deployment/wandb-app",
      "Ingress/wandb",
      "Secret/wandb-bucket",
      "Secret/wandb-license",
      "Secret/wandb-mysql",
      "Secret/wandb-password",
      "Service/wandb-app",
      "Service/wandb-console",
      "ServiceAccount/wandb-app",
    ]);
    const app = container(find(objects, "Deployment", "wandb-app"));
    assert.equal(app.image, "registry.yourdomain.com/local:0.59.2");
    const env = envAsWritten(app);
    assert.equal(env.HOST, "https://wandb.yourdomain.com");
    assert.equal(env.MYSQL, "mysql://wandb@mysql.home.lab:3306/wandb?tls=preferred");
    assert.equal(env.MYSQL_PASSWORD, "secret:wandb-mysql/MYSQL_PASSWORD");
    assert.equal(
      env.BUCKET,
      "s3://$(BUCKET_ACCESS_KEY):$(BUCKET_SECRET_KEY)@s3.yourdomain.com:port/bucket_name",
    );
    assert.equal(env.AWS_REGION, "us-east-1");
    assert.equal(env.LICENSE, "secret:wandb-license/license");
    assert.equal(env.ENABLE_REGISTRY_UI, "true");
    const ingress = find<{ spec: { ingressClassName: string; rules: { host: string }[] } }>(
      objects,
      "Ingress",
      "wandb",
    );
    assert.equal(ingress.spec.ingressClassName, "nginx");
    assert.equal(ingress.metadata.annotations?.["nginx.ingress.kubernetes.io/proxy-body-size"], "64m");
    assert.equal(ingress.spec.rules[0]?.host, "wandb.yourdomain.com");
    // The example's license and bucket keys are all "xxx…" (its MySQL password, "password", is too
    // common a word to search for; the GCP example checks a real one).
    assertSecretsOnlyInSecrets(objects, ["xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]);
    assert.equal(resolvedEnv(app, objects).MYSQL_PASSWORD, "password");
  });

  it("the GCP example (GCS bucket, GCE ingress): gs:// bucket, no keys, and a configuration the server accepts", async () => {
    const objects = await renderAndValidate(seedResource("operator-gcp.yaml").spec.values);
    const { env, config } = appConfig(objects);
    assert.equal(env.BUCKET, "gs://abc-wandb-moving-pipefish");
    assert.equal(env.BUCKET_ACCESS_KEY, undefined);
    assert.equal(config.bucket?.provider, "gs");
    assert.equal(config.mysql?.host, "10.218.0.2");
    assert.equal(config.mysql?.database, "wandb_local");
    assert.equal(config.mysql?.password, "8wtX6cJHizAZvYScjDzZcUarK4zZGjpV");
    assert.equal(config.license, "eyJhbGnUzaHgyQjQyQWhEU3...ZieKQ2x5GGfw");
    const ingress = find(objects, "Ingress", "wandb");
    assert.equal(ingress.metadata.annotations?.["kubernetes.io/ingress.class"], "gce");
    assertSecretsOnlyInSecrets(objects, ["8wtX6cJHizAZvYScjDzZcUarK4zZGjpV", "eyJhbGnUzaHgyQjQyQWhEU3"]);
  });

  it("every generated variable is one the server reads", async () => {
    const known = serverEnvNames();
    const matrix = [
      seedResource("operator.yaml").spec.values,
      seedResource("operator-gcp.yaml").spec.values,
      FULL,
    ];
    for (const values of matrix) {
      const objects = await template(APP_CHART, values);
      for (const deployment of objects.filter(
        (o) => o.kind === "Deployment" && o.metadata.name?.startsWith("wandb-app"),
      )) {
        const userGiven = new Set(
          Object.keys(((values as { global?: { extraEnv?: object } }).global?.extraEnv ?? {}) as object),
        );
        const env = envAsWritten(container(deployment));
        // Parts the chart composes others from, as W&B's chart does: BUCKET from $(BUCKET_ACCESS_KEY)…
        const composedFrom = new Set(
          Object.values(env).flatMap((v) => [...v.matchAll(/\$\(([A-Z0-9_]+)\)/g)].map((m) => m[1])),
        );
        for (const name of Object.keys(env)) {
          if (userGiven.has(name) || composedFrom.has(name)) continue;
          assert.ok(known.has(name), `the chart renders ${name}, which the server does not read`);
        }
      }
    }
  });
});

/** External MySQL (password in a Secret), S3 by IAM role with KMS and SQS, Redis with TLS, OIDC, LDAP, SMTP, TLS ingress, HPA, PDB, ingestion. */
const FULL = {
  global: {
    host: "https://ballast.example.com",
    licenseSecret: { name: "license-secret", key: "CUSTOMER_WANDB_LICENSE" },
    bucket: {
      provider: "s3",
      name: "ballast-bucket",
      path: "runs",
      region: "eu-west-1",
      kmsKey: "arn:aws:kms:eu-west-1:111122223333:key/abc",
    },
    bucketQueue: "sqs://ballast-events",
    mysql: {
      host: "aurora.example.com",
      port: 3306,
      database: "wandb_local",
      user: "wandb",
      passwordSecret: { name: "database-secret", passwordKey: "MYSQL_WANDB_PASSWORD" },
    },
    redis: { host: "redis.example.com", port: "6380?tls=true", password: "r3dis-pass", caCert: PEM },
    auth: {
      sessionLengthHours: 12,
      oidc: {
        clientId: "ballast",
        secret: "oidc-client-secret",
        issuer: "https://id.example.com",
        authMethod: "pkce",
        allowedDomains: "example.com, example.org",
      },
    },
    ldap: {
      enabled: true,
      host: "ldaps://ldap.example.com",
      baseDN: "dc=example,dc=com",
      bindDN: "cn=admin,dc=example,dc=com",
      bindPW: "ldap-bind-pw",
      groupAllowList: "ml",
      tls: true,
      tlsCert: { configMap: { name: "ldap-tls-cert", key: "certificate.crt" } },
    },
    email: {
      smtp: {
        host: "smtp.example.com",
        port: 587,
        user: "ballast",
        password: "smtp-pass",
        mailFrom: "ballast@example.com",
      },
    },
    extraEnv: { GLOBAL_ENV: "example" },
  },
  app: {
    autoscaling: { horizontal: { enabled: true, minReplicas: 2, maxReplicas: 5 } },
    podDisruptionBudget: { enabled: true },
    serviceAccount: {
      name: "custom-service-account",
      create: true,
      annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/ballast" },
    },
  },
  ingestion: { install: true },
  ingress: {
    class: "nginx",
    tls: [{ secretName: "wandb-ingress-tls", hosts: ["ballast.example.com"] }],
    additionalHosts: ["ml.example.com"],
  },
};

describe("charts/ballast values matrix", () => {
  it("external MySQL/S3/Redis with SSO, TLS ingress, HPA, PDB and an ingestion deployment", async () => {
    const objects = await renderAndValidate(FULL);
    for (const expected of [
      "HorizontalPodAutoscaler/wandb-app",
      "PodDisruptionBudget/wandb-app",
      "Deployment/wandb-ingestion",
      "ServiceAccount/custom-service-account",
      "Secret/wandb-redis-secret",
      "Secret/wandb-oidc-secret",
      "Secret/wandb-ldap-secret",
      "Secret/wandb-smtp-secret",
      "ConfigMap/wandb-redis-ca-cert",
    ]) {
      assert.ok(kinds(objects).includes(expected), `missing ${expected}`);
    }
    const deployment = find(objects, "Deployment", "wandb-app");
    assert.equal(
      (deployment.spec as { replicas?: number }).replicas,
      undefined,
      "the HPA owns the replica count",
    );
    assert.equal(podSpec(deployment).serviceAccountName, "custom-service-account");
    const { env, config } = appConfig(objects);
    assert.equal(env.MYSQL_PASSWORD, "<external database-secret/MYSQL_WANDB_PASSWORD>");
    assert.equal(env.LICENSE, "<external license-secret/CUSTOMER_WANDB_LICENSE>");
    assert.equal(
      env.REDIS,
      "redis://:r3dis-pass@redis.example.com:6380?caCertPath=/etc/ballast/redis-ca/ca.pem&tls=true",
    );
    assert.equal(config.bucket?.provider, "s3");
    assert.equal(config.queue.kind, "sqs");
    assert.equal(config.cache.redis?.tls, true);
    assert.equal(config.queue.kind, "sqs");
    assert.equal(config.sessionLengthHours, 12);
    assert.equal(config.identity.oidc?.issuer, "https://id.example.com");
    assert.equal(config.identity.oidc?.clientSecret, "oidc-client-secret");
    assert.deepEqual(config.identity.oidc?.allowedDomains, ["example.com", "example.org"]);
    assert.equal(config.identity.ldap?.caCertPath, "/etc/ballast/ldap-ca/certificate.crt");
    assert.equal(config.identity.smtp?.password, "smtp-pass");
    assert.equal(env.GLOBAL_ENV, "example");
    const s3 = config.bucket?.provider === "s3" ? config.bucket : undefined;
    assert.equal(s3?.credentials, undefined, "no keys: the pod's IAM role");
    const ingress = find<{
      spec: {
        tls: unknown[];
        rules: {
          host: string;
          http: { paths: { path: string; backend: { service: { name: string } } }[] };
        }[];
      };
    }>(objects, "Ingress", "wandb");
    assert.deepEqual(ingress.spec.tls, FULL.ingress.tls);
    assert.deepEqual(
      ingress.spec.rules.map((r) => r.host),
      ["ballast.example.com", "ml.example.com"],
    );
    assert.deepEqual(
      ingress.spec.rules[0]?.http.paths.map((p) => [p.path, p.backend.service.name]),
      [
        ["/files", "wandb-ingestion"],
        ["/console", "wandb-app"],
        ["/", "wandb-app"],
      ],
    );
    assertSecretsOnlyInSecrets(objects, ["r3dis-pass", "oidc-client-secret", "ldap-bind-pw", "smtp-pass"]);
  });

  it("bundled development databases: MySQL StatefulSet and Redis, objects on the data volume", async () => {
    const objects = await renderAndValidate({
      global: { host: "http://ballast.local" },
      mysql: { install: true },
      redis: { install: true },
    });
    for (const expected of [
      "StatefulSet/wandb-mysql",
      "Service/wandb-mysql",
      "Deployment/wandb-redis",
      "Service/wandb-redis",
      "PersistentVolumeClaim/wandb-data",
    ]) {
      assert.ok(kinds(objects).includes(expected), `missing ${expected}`);
    }
    const { env, config } = appConfig(objects);
    assert.equal(config.mysql?.host, "wandb-mysql");
    assert.equal(config.mysql?.password.length, 48);
    assert.equal(config.cache.redis?.host, "wandb-redis");
    assert.equal(config.bucket, undefined, "no bucket: local disk on the data volume");
    assert.equal(env.BALLAST_DATA_DIR, "/data");
    assert.equal(
      (find(objects, "Deployment", "wandb-app").spec as { strategy?: { type: string } }).strategy?.type,
      "Recreate",
    );
  });

  it("the embedded default: one pod on a kept data volume, a console password, nothing else to configure", async () => {
    const objects = await renderAndValidate({});
    const pvc = find(objects, "PersistentVolumeClaim", "wandb-data");
    assert.equal(pvc.metadata.annotations?.["helm.sh/resource-policy"], "keep");
    const { config } = appConfig(objects);
    assert.equal(config.mysql, undefined);
    assert.equal(config.identity.console.password?.length, 32);
    assert.equal(config.identity.console.resource, undefined, "not run by the operator");
  });

  it("an Azure container: az://account/container with the key from the secretKey slot", async () => {
    const objects = await renderAndValidate({
      global: {
        bucket: { provider: "az", name: "ballaststore", path: "runs", secretKey: "YXp1cmUta2V5" },
        mysql: { host: "db", password: "pw-pw-pw-pw" },
      },
    });
    const { env, config } = appConfig(objects);
    assert.equal(env.BUCKET, "az://ballaststore/runs");
    assert.equal(env.AZURE_STORAGE_KEY, "YXp1cmUta2V5");
    assert.equal(config.bucket?.provider, "az");
  });

  it("custom CAs: inline PEMs and a ConfigMap joined into NODE_EXTRA_CA_CERTS by an init container", async () => {
    const objects = await renderAndValidate({
      global: { customCACerts: [PEM, PEM], caCertsConfigMap: "custom-ca-certs" },
    });
    const cm = find<{ data: Record<string, string> }>(objects, "ConfigMap", "wandb-ca-certs");
    assert.deepEqual(Object.keys(cm.data), ["customCA0.crt", "customCA1.crt"]);
    const pod = podSpec(find(objects, "Deployment", "wandb-app"));
    assert.equal(pod.initContainers?.[0]?.name, "ca-bundle");
    assert.equal(
      envAsWritten(container(find(objects, "Deployment", "wandb-app"))).NODE_EXTRA_CA_CERTS,
      "/etc/ballast/ca/bundle.pem",
    );
    assert.ok(pod.volumes?.some((v) => v.name === "ca-configmap"));
  });

  it("security contexts in W&B's spelling (pod/container) and wandb-base's, over non-root defaults", async () => {
    // The seed's example of a custom security context.
    const podContext = {
      runAsNonRoot: true,
      runAsUser: 1001,
      runAsGroup: 0,
      fsGroup: 1001,
      fsGroupChangePolicy: "Always",
      seccompProfile: { type: "RuntimeDefault" },
    };
    const objects = await renderAndValidate({
      app: {
        pod: { securityContext: podContext },
        container: {
          securityContext: {
            capabilities: { drop: ["ALL"] },
            readOnlyRootFilesystem: false,
            allowPrivilegeEscalation: false,
          },
        },
      },
    });
    const deployment = find(objects, "Deployment", "wandb-app");
    assert.deepEqual(podSpec(deployment).securityContext, podContext);
    assert.equal(
      (container(deployment).securityContext as { readOnlyRootFilesystem: boolean }).readOnlyRootFilesystem,
      false,
    );
    const defaults = await template(APP_CHART, {});
    const sc = container(find(defaults, "Deployment", "wandb-app")).securityContext as Record<
      string,
      unknown
    >;
    assert.equal(sc.readOnlyRootFilesystem, true);
    assert.equal(podSpec(find(defaults, "Deployment", "wandb-app")).securityContext?.runAsUser, 1001);
  });
});

describe("charts/ballast refuses bad values with the fix", () => {
  const refusals: [string, unknown, RegExp][] = [
    [
      "runAsGroup other than 0",
      { app: { pod: { securityContext: { runAsGroup: 1000 } } } },
      /app: runAsGroup must be 0 \(got 1000\)/,
    ],
    [
      "runAsGroup in the container context",
      { app: { container: { securityContext: { runAsGroup: 5 } } } },
      /runAsGroup must be 0/,
    ],
    ["replicas on the embedded store", { app: { replicaCount: 3 } }, /needs MySQL .* and a bucket/],
    [
      "a host without scheme",
      { global: { host: "wandb.example.com" } },
      /global.host|host.*pattern|does not match/,
    ],
    ["a provider Ballast cannot serve", { global: { bucket: { provider: "cw", name: "b" } } }, /provider/],
    [
      "half the S3 keys",
      { global: { bucket: { name: "b", accessKey: "AK" } } },
      /both accessKey and secretKey/,
    ],
    [
      "an Azure bucket without a key",
      { global: { bucket: { provider: "az", name: "acct", path: "c" } } },
      /storage account key/,
    ],
    [
      "your MySQL and the bundled one",
      { global: { mysql: { host: "db" } }, mysql: { install: true } },
      /both set/,
    ],
    ["a CA that is not PEM", { global: { customCACerts: ["not a cert"] } }, /not a PEM certificate/],
    ["OIDC without an issuer", { global: { auth: { oidc: { clientId: "x" } } } }, /issuer/],
    ["an SQS queue without an S3 bucket", { global: { bucketQueue: "sqs://q" } }, /bucketQueue/],
  ];
  for (const [what, values, message] of refusals) {
    it(what, async () => {
      await assert.rejects(template(APP_CHART, values), message);
    });
  }
});

describe("charts/ballast-operator", () => {
  it("renders the CRD, a controller-manager, cluster RBAC and leader election that the API server accepts", async () => {
    const objects = await template(
      OPERATOR_CHART,
      { channel: { url: "https://channel.example.com" } },
      { release: "operator", namespace: "charts", extra: ["--include-crds"] },
    );
    const crd = objects.filter((o) => o.kind === "CustomResourceDefinition");
    assert.equal(crd.length, 1);
    // CRDs and cluster roles are created for real (dry-run of cluster objects is fine too, but the RoleBinding needs the role's rules to exist for escalation checks).
    await validateOnServer(cluster.admin, objects, "charts");
    const deployment = find(objects, "Deployment", "ballast-controller-manager");
    const manager = container(deployment, "manager");
    assert.deepEqual(manager.args ?? [], [
      "operator",
      "--leader-elect",
      "--health-probe-bind-address=:8081",
      "--metrics-bind-address=:8080",
      "--reconcile-frequency=1h",
    ]);
    assert.equal(envAsWritten(manager).DEPLOYER_CHANNEL_URL, "https://channel.example.com");
    assert.ok(kinds(objects).includes("ClusterRole/ballast-manager-role"));
    assert.ok(kinds(objects).includes("Role/ballast-leader-election-role"));
  });

  it("namespace isolation: Roles in each watched namespace and --isolation-namespaces; air-gapped with CAs", async () => {
    const objects = await template(
      OPERATOR_CHART,
      {
        namespaceIsolation: { enabled: true, additionalNamespaces: ["team-a"] },
        airgapped: true,
        customCACerts: [PEM],
        caCertsConfigMap: "corp-cas",
      },
      { release: "operator", namespace: "wandb-cr" },
    );
    const roles = objects
      .filter((o) => o.kind === "Role" && o.metadata.name === "ballast-manager-role")
      .map((o) => o.metadata.namespace);
    assert.deepEqual(roles, ["wandb-cr", "team-a"]);
    assert.ok(!kinds(objects).some((k) => k.startsWith("ClusterRole")));
    const manager = container(find(objects, "Deployment", "ballast-controller-manager"), "manager");
    assert.ok((manager.args ?? []).includes("--isolation-namespaces=wandb-cr,team-a"));
    const env = envAsWritten(manager);
    assert.equal(env.AIRGAPPED, "true");
    assert.equal(env.SSL_CERT_DIR, "/certs");
    assert.equal(env.NODE_EXTRA_CA_CERTS, "/ca/bundle.pem");
    assert.ok(
      podSpec(find(objects, "Deployment", "ballast-controller-manager")).volumes?.some(
        (v) => v.name === "charts",
      ),
    );
    await assert.rejects(
      template(OPERATOR_CHART, { airgapped: true, channel: { url: "https://x" } }),
      /air-gapped operator calls no release channel/,
    );
  });
});

/**
 * The spec deploy/terraform/aws/app.tf hands the operator, read from the file itself: its object
 * literals parsed with the HCL parser, each Terraform expression replaced by a sample of what it
 * evaluates to (an expression without a sample fails the test, so a new value must be looked at).
 */
const TERRAFORM_SAMPLES: Record<string, unknown> = {
  "${local.url}": "https://wandb-aws.wandb.ml",
  "${var.license}": "license-from-terraform-0123456789",
  "${var.size}": "small",
  "${var.other_wandb_env}": { GORILLA_CUSTOM_SETTING: "1" },
  "${local.bucket_name}": "wandb-file-storage-tidy-cat",
  "${var.bucket_path}": "",
  "${local.region}": "eu-central-1",
  "${local.bucket_kms_key}": "arn:aws:kms:eu-central-1:123456789012:key/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab",
  "${local.bucket_queue}": "sqs://wandb-file-storage-tidy-cat",
  "${aws_rds_cluster.main.endpoint}": "wandb.cluster-c1a2b3.eu-central-1.rds.amazonaws.com",
  "${aws_rds_cluster.main.port}": 3306,
  "${aws_rds_cluster.main.master_username}": "wandb",
  "${random_password.database.result}": "DatabasePasswordFromTerraform0123",
  "${var.database_name}": "wandb_local",
  // local.redis with a cache (create_elasticache), in redis.tf's shape.
  "${local.redis}": {
    host: "master.wandb-rep-group.abc123.euc1.cache.amazonaws.com",
    port: 6379,
    password: "RedisAuthTokenFromTerraform0123456789",
    params: { tls: "true" },
  },
  "${var.app_wandb_env}": {},
  '${aws_iam_role.irsa["app"].arn}': "arn:aws:iam::123456789012:role/wandb-app",
  "${local.ingress_annotations}": {
    "alb.ingress.kubernetes.io/scheme": "internet-facing",
    "alb.ingress.kubernetes.io/target-type": "ip",
    "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
    "external-dns.alpha.kubernetes.io/hostname": "wandb-aws.wandb.ml",
  },
  "${var.extra_fqdn}": [],
};

function sampled(value: unknown, path: string): unknown {
  if (typeof value === "string" && value.startsWith("${")) {
    assert.ok(value in TERRAFORM_SAMPLES, `${path}: no sample for the expression ${value}`);
    return TERRAFORM_SAMPLES[value];
  }
  if (Array.isArray(value)) return value.map((v, i) => sampled(v, `${path}[${i}]`));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sampled(v, `${path}.${k}`)]));
  return value;
}

describe("the Terraform modules against the charts, the API server and the server's configuration", () => {
  let spec: { values: Record<string, unknown> };
  before(async () => {
    const file = join(REPO_ROOT, "deploy", "terraform", "aws", "app.tf");
    const parsed = (await parseHcl(file, readFileSync(file, "utf8"))) as {
      locals?: Record<string, unknown>[];
    };
    const raw = parsed.locals?.find((block) => "wandb_spec" in block)?.wandb_spec;
    assert.ok(raw, "deploy/terraform/aws/app.tf defines local.wandb_spec");
    spec = sampled(raw, "wandb_spec") as typeof spec;
  });

  it("the aws module's spec installs the app on Aurora, S3 with KMS and SQS, ElastiCache and IRSA", async () => {
    const objects = await renderAndValidate(spec.values);
    const { env, config } = appConfig(objects);
    assert.equal(env.HOST, "https://wandb-aws.wandb.ml");
    assert.equal(
      env.MYSQL,
      "mysql://wandb@wandb.cluster-c1a2b3.eu-central-1.rds.amazonaws.com:3306/wandb_local?tls=preferred",
    );
    assert.equal(config.mysql?.password, "DatabasePasswordFromTerraform0123");
    assert.equal(env.BUCKET, "s3://wandb-file-storage-tidy-cat");
    assert.equal(env.AWS_REGION, "eu-central-1");
    assert.match(env.AWS_S3_KMS_ID ?? "", /^arn:aws:kms:/);
    assert.equal(env.BUCKET_QUEUE, "sqs://wandb-file-storage-tidy-cat");
    assert.match(
      env.REDIS ?? "",
      /^redis:\/\/:RedisAuthTokenFromTerraform0123456789@master\..*:6379\?.*tls=true/,
    );
    assert.equal(env.LICENSE, "license-from-terraform-0123456789");
    assert.equal(env.GORILLA_CUSTOM_SETTING, "1");
    assert.equal(config.mysql?.host, "wandb.cluster-c1a2b3.eu-central-1.rds.amazonaws.com");
    assert.equal(config.bucket?.provider, "s3");
    assert.equal(config.cache.redis?.tls, true);
    assert.equal(config.queue.kind, "sqs");
    const account = find(objects, "ServiceAccount", "wandb-app");
    assert.equal(
      account.metadata.annotations?.["eks.amazonaws.com/role-arn"],
      "arn:aws:iam::123456789012:role/wandb-app",
    );
    const ingress = find<{ spec: { ingressClassName: string } }>(objects, "Ingress", "wandb");
    assert.equal(ingress.spec.ingressClassName, "alb");
    assertSecretsOnlyInSecrets(objects, [
      "DatabasePasswordFromTerraform0123",
      "RedisAuthTokenFromTerraform0123456789",
      "license-from-terraform-0123456789",
    ]);
  });

  it("the kubernetes module sets only variables the server reads", async () => {
    const file = join(REPO_ROOT, "deploy", "terraform", "kubernetes", "main.tf");
    const parsed = (await parseHcl(file, readFileSync(file, "utf8"))) as {
      locals?: Record<string, unknown>[];
    };
    const locals = Object.assign({}, ...(parsed.locals ?? [])) as Record<string, unknown>;
    // local.env and local.secret_env are merge(...) expressions: their keys are `NAME = value`.
    const names = [String(locals.env), String(locals.secret_env)].flatMap((text) =>
      [...text.matchAll(/[\s{]([A-Z][A-Z0-9_]+)\s*=(?!=)/g)].map((m) => m[1] ?? ""),
    );
    assert.deepEqual([...names].sort(), [
      "AWS_REGION",
      "AWS_S3_KMS_ID",
      "BUCKET",
      "BUCKET_QUEUE",
      "HOST",
      "LICENSE",
      "MYSQL",
      "OIDC_AUTH_METHOD",
      "OIDC_CLIENT_ID",
      "OIDC_ISSUER",
      "OIDC_SECRET",
      "REDIS",
    ]);
    const read = serverEnvNames();
    assert.deepEqual(
      names.filter((name) => !read.has(name)),
      [],
      "the server reads every variable the kubernetes module sets",
    );
  });

  it("the helm module's wandb-cr chart renders a WeightsAndBiases resource the API server accepts", async () => {
    await installCrd(cluster.admin).catch((error: unknown) => {
      if (!String(error).includes("AlreadyExists") && !String(error).includes("already exists")) throw error;
    });
    const chart = join(REPO_ROOT, "deploy", "terraform", "helm", "wandb-cr");
    const objects = await template(
      chart,
      { name: "wandb", spec },
      { release: "wandb-cr", namespace: "charts" },
    );
    assert.deepEqual(kinds(objects), ["WeightsAndBiases/wandb"]);
    await validateOnServer(cluster.admin, objects, "charts");
    const resource = objects[0] as KubeObject & { spec: typeof spec };
    assert.deepEqual(resource.spec, spec);
  });
});
