/**
 * A real OpenLDAP server (Debian's slapd, installed by scripts/setup-services.sh) for the LDAP
 * sign-in tests: a private slapd per test file, run as the current user on two free loopback ports
 * (ldap:// with StartTLS, and ldaps://), configured by a slapd.conf generated into a temp dir (mdb
 * backend, the memberof overlay), with a throwaway CA and server certificate made by openssl. The
 * directory is seeded through slapd itself with ldapadd (so the overlay fills in memberOf):
 * `dc=example,dc=com` with `ou=people` (inetOrgPerson + posixAccount, {SSHA} passwords from
 * slappasswd), `ou=groups` (groupOfNames or posixGroup) and a read-only service account.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./ports.ts";
import { stopProcess } from "./processes.ts";
import { makeCertificates } from "./redis.ts";

const SLAPD = "/usr/sbin/slapd";
const SLAPPASSWD = "/usr/sbin/slappasswd";
const run = promisify(execFile);

export const BASE_DN = "dc=example,dc=com";

export interface LdapTestUser {
  readonly uid: string;
  readonly password: string;
  /** Left out: the entry has no mail attribute. */
  readonly mail?: string;
  readonly gidNumber?: number;
}

export interface LdapTestGroup {
  readonly cn: string;
  /** groupOfNames lists members by DN (`member`, hence memberOf); posixGroup by uid (`memberUid`). */
  readonly kind: "groupOfNames" | "posixGroup";
  readonly members: readonly string[];
  readonly gidNumber?: number;
}

export interface Slapd {
  /** `ldap://127.0.0.1:<port>` (StartTLS offered). */
  readonly url: string;
  /** `ldaps://127.0.0.1:<port>`. */
  readonly ldapsUrl: string;
  /** The PEM of the CA that signed the server's certificate (for 127.0.0.1 and localhost). */
  readonly caCertPath: string;
  readonly baseDn: string;
  /** A service account that may read the directory (not passwords). */
  readonly bindDn: string;
  readonly bindPassword: string;
  userDn(uid: string): string;
  groupDn(cn: string): string;
  /** SIGTERM: a clean stop; `start` brings it back with its data on the same ports. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP: the process hangs with its ports open, the case only a timeout catches. */
  freeze(): void;
  thaw(): void;
  dispose(): Promise<void>;
}

export async function startSlapd(seed: {
  users: readonly LdapTestUser[];
  groups: readonly LdapTestGroup[];
}): Promise<Slapd> {
  if (!existsSync(SLAPD) || !existsSync(SLAPPASSWD)) {
    throw new Error(`OpenLDAP is not installed at ${SLAPD}; run: bash scripts/setup-services.sh`);
  }
  const root = await mkdtemp(join(tmpdir(), "ballast-slapd-"));
  const port = await freePort();
  const tlsPort = await freePort();
  const tls = await makeCertificates(root);
  const rootPassword = randomBytes(18).toString("base64url");
  const bindPassword = randomBytes(18).toString("base64url");
  const userDn = (uid: string) => `uid=${uid},ou=people,${BASE_DN}`;
  const groupDn = (cn: string) => `cn=${cn},ou=groups,${BASE_DN}`;
  const url = `ldap://127.0.0.1:${port}`;

  await mkdir(join(root, "db"));
  const conf = join(root, "slapd.conf");
  await writeFile(
    conf,
    [
      ...["core", "cosine", "inetorgperson", "nis"].map((s) => `include /etc/ldap/schema/${s}.schema`),
      "modulepath /usr/lib/ldap",
      "moduleload back_mdb",
      "moduleload memberof",
      `pidfile ${join(root, "slapd.pid")}`,
      `argsfile ${join(root, "slapd.args")}`,
      `TLSCACertificateFile ${tls.ca}`,
      `TLSCertificateFile ${tls.cert}`,
      `TLSCertificateKeyFile ${tls.key}`,
      "database mdb",
      "maxsize 67108864",
      `suffix "${BASE_DN}"`,
      `rootdn "cn=admin,${BASE_DN}"`,
      `rootpw ${await hash(rootPassword)}`,
      `directory ${join(root, "db")}`,
      "overlay memberof",
      // Passwords: only for binding; everything else readable (anonymous included, for anonymous-bind setups).
      "access to attrs=userPassword by self write by anonymous auth by * none",
      "access to * by * read",
      "",
    ].join("\n"),
  );

  let child: ChildProcess | undefined;
  let output = "";
  const start = async () => {
    output = "";
    // -d keeps slapd in the foreground (no daemon to lose track of); level 0 logs only problems.
    const proc = spawn(SLAPD, ["-f", conf, "-h", `${url}/ ldaps://127.0.0.1:${tlsPort}/`, "-d", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    proc.stdout?.on("data", collect);
    proc.stderr?.on("data", collect);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`slapd exited (${proc.exitCode}):\n${output}`);
      try {
        await run("ldapsearch", ["-x", "-H", url, "-b", "", "-s", "base", "-LLL", "namingContexts"]);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    proc.kill("SIGKILL");
    throw new Error(`slapd did not answer within 20 s:\n${output}`);
  };
  const stop = async () => {
    const proc = child;
    child = undefined;
    await stopProcess(proc);
  };

  try {
    await start();
    const entries = [
      `dn: ${BASE_DN}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example`,
      `dn: ou=people,${BASE_DN}\nobjectClass: organizationalUnit\nou: people`,
      `dn: ou=groups,${BASE_DN}\nobjectClass: organizationalUnit\nou: groups`,
      `dn: cn=reader,${BASE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: reader\nuserPassword: ${await hash(bindPassword)}`,
    ];
    let number = 10_000;
    for (const user of seed.users) {
      number += 1;
      entries.push(
        [
          `dn: ${userDn(user.uid)}`,
          "objectClass: inetOrgPerson",
          "objectClass: posixAccount",
          `uid: ${user.uid}`,
          `cn: ${user.uid}`,
          `sn: ${user.uid}`,
          ...(user.mail === undefined ? [] : [`mail: ${user.mail}`]),
          `uidNumber: ${number}`,
          `gidNumber: ${user.gidNumber ?? 100}`,
          `homeDirectory: /home/${user.uid}`,
          `userPassword: ${await hash(user.password)}`,
        ].join("\n"),
      );
    }
    for (const group of seed.groups) {
      number += 1;
      entries.push(
        group.kind === "groupOfNames"
          ? [
              `dn: ${groupDn(group.cn)}`,
              "objectClass: groupOfNames",
              `cn: ${group.cn}`,
              // groupOfNames needs a member: an empty group lists the base entry.
              ...(group.members.length === 0 ? [BASE_DN] : group.members.map(userDn)).map(
                (m) => `member: ${m}`,
              ),
            ].join("\n")
          : [
              `dn: ${groupDn(group.cn)}`,
              "objectClass: posixGroup",
              `cn: ${group.cn}`,
              `gidNumber: ${group.gidNumber ?? number}`,
              ...group.members.map((m) => `memberUid: ${m}`),
            ].join("\n"),
      );
    }
    const ldif = join(root, "seed.ldif");
    await writeFile(ldif, `${entries.join("\n\n")}\n`);
    await run("ldapadd", ["-x", "-H", url, "-D", `cn=admin,${BASE_DN}`, "-w", rootPassword, "-f", ldif]);
  } catch (error) {
    await stop();
    await rm(root, { recursive: true, force: true });
    throw error;
  }

  return {
    url,
    ldapsUrl: `ldaps://127.0.0.1:${tlsPort}`,
    caCertPath: tls.ca,
    baseDn: BASE_DN,
    bindDn: `cn=reader,${BASE_DN}`,
    bindPassword,
    userDn,
    groupDn,
    stop,
    start,
    freeze: () => child?.kill("SIGSTOP"),
    thaw: () => child?.kill("SIGCONT"),
    dispose: async () => {
      await stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** `{SSHA}…` of a password, as slappasswd makes it. */
async function hash(password: string): Promise<string> {
  const { stdout } = await run(SLAPPASSWD, ["-h", "{SSHA}", "-s", password]);
  return stdout.trim();
}
