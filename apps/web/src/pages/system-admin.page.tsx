import { type FormEvent, useEffect, useState } from "react";
import { messageOf } from "../api/client.ts";
import { systemOverview, updateStorage } from "../api/endpoints.ts";
import type { SettingSource, SystemOverview } from "../api/types.ts";
import { ErrorNote, Field } from "../components/form.tsx";
import { KeyValueTable } from "../components/key-value-table.tsx";
import { Link } from "../router.tsx";
import { useAction } from "../use-action.ts";
import { useLoad } from "../use-load.ts";

const SOURCE_LABEL: Readonly<Record<SettingSource, string>> = {
  environment: "set by the server's environment",
  settings: "set here",
  default: "default",
};

/** Instance admins: the overview, and the external file storage (bucket, region, KMS key, queue). */
export function SystemAdminPage() {
  const { state, reload } = useLoad(systemOverview);

  useEffect(() => {
    document.title = "System admin · Ballast";
  }, []);

  return (
    <section aria-labelledby="system-admin-title">
      <h1 id="system-admin-title">System admin</h1>
      <p>
        <Link to="/system-admin/users">Users</Link>: admins, sign-in providers, API keys for people, and
        whether users may create their own keys.
      </p>
      <p>
        <Link to="/system-admin/audit">Audit log</Link>: sign-ins, keys, teams, deletions and settings
        changes.
      </p>
      {state.kind === "loading" ? <p className="muted">Loading…</p> : null}
      {state.kind === "failed" ? <ErrorNote message={messageOf(state.error)} /> : null}
      {state.kind === "ready" ? (
        <>
          <Overview overview={state.value} />
          <StorageForm overview={state.value} onSaved={reload} />
        </>
      ) : null}
    </section>
  );
}

function Overview({ overview }: { readonly overview: SystemOverview }) {
  const { storage, database, queue } = overview;
  const rows: [string, string][] = [
    ["Version", overview.version],
    ["License", overview.license.present ? "installed" : "none"],
    ["Users", String(overview.users)],
    ["Database", database.label],
    [
      "File storage",
      storage.kind === "s3"
        ? `S3 bucket ${storage.bucket} (${storage.region}) — ${SOURCE_LABEL[storage.source.bucket]}`
        : storage.kind === "azure"
          ? `Azure container ${storage.bucket} — ${SOURCE_LABEL[storage.source.bucket]}`
          : storage.kind === "gcs"
            ? `GCS bucket ${storage.bucket} — ${SOURCE_LABEL[storage.source.bucket]}`
            : `local disk — ${SOURCE_LABEL[storage.source.bucket]}`,
    ],
    ["Notifications", `${storage.queue} — ${SOURCE_LABEL[storage.source.queue]}`],
    ["Queue", `${queue.jobs.total} jobs waiting (${queue.jobs.due} due), ${queue.deadLetters} dead letters`],
    [
      "Direct uploads",
      `${queue.uploads.confirmed} recorded, ${queue.uploads.expired} expired unused, ${queue.uploads.failed} failed look-ups`,
    ],
  ];
  const { cors } = storage;
  if (cors !== null) {
    rows.push([
      "Bucket CORS",
      cors.status === "ok"
        ? "allows this UI to load and upload files"
        : cors.status === "missing"
          ? cors.problem
          : `not checked: ${cors.reason}`,
    ]);
  }
  return (
    <>
      <KeyValueTable label="Instance overview" rows={rows} />
      {cors?.status === "missing" ? (
        <figure className="card">
          <figcaption>Bucket CORS fix</figcaption>
          <pre>{cors.fix}</pre>
        </figure>
      ) : null}
    </>
  );
}

function StorageForm({
  overview,
  onSaved,
}: {
  readonly overview: SystemOverview;
  readonly onSaved: () => void;
}) {
  const { storage } = overview;
  const [bucket, setBucket] = useState(storage.bucket);
  const [region, setRegion] = useState(storage.region);
  const [kmsKeyId, setKmsKeyId] = useState(storage.kmsKeyId);
  const [queue, setQueue] = useState(storage.queue);
  const [saved, setSaved] = useState(false);
  const { busy, error, run } = useAction();
  const editable = storage.editable.bucket && storage.editable.queue;

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSaved(false);
    await run(async () => {
      const result = await updateStorage({ bucket, region, kmsKeyId, queue });
      // The secret key leaves the page once saved: the field shows the masked URL (sent back as is,
      // it keeps the stored key).
      setBucket(result.storage.bucket);
      setSaved(true);
      onSaved();
    });
  };

  return (
    <form className="card" onSubmit={submit} aria-label="File storage">
      <h2>File storage</h2>
      {editable ? (
        <p className="muted">
          Ballast checks these by writing, reading and deleting a test object in the bucket (and reading the
          queue) before it saves them. New files go to the new storage at once; files written before stay
          where they are and are still served.
        </p>
      ) : (
        <p className="muted">
          The server's environment sets the file storage (BUCKET, BUCKET_QUEUE: the chart's global.bucket);
          change it there.
        </p>
      )}
      <Field
        label="Bucket"
        value={bucket}
        onValue={setBucket}
        name="bucket"
        placeholder="s3://my-bucket/path, or empty for the local disk"
        hint="s3://KEY:SECRET@bucket/path, or s3://KEY:SECRET@host:port/bucket for MinIO and other S3-compatible stores; gs://bucket/path for Google Cloud Storage (the server's Google credentials); az://account/container/path for Azure (the key from the server's AZURE_STORAGE_KEY)."
        disabled={!editable}
      />
      <Field
        label="Region"
        value={region}
        onValue={setRegion}
        name="region"
        placeholder="us-east-1"
        disabled={!editable}
      />
      <Field
        label="KMS key"
        value={kmsKeyId}
        onValue={setKmsKeyId}
        name="kmsKeyId"
        placeholder="optional: the key id or ARN for SSE-KMS"
        disabled={!editable}
      />
      <Field
        label="Notification subscription"
        value={queue}
        onValue={setQueue}
        name="queue"
        placeholder="internal:// or sqs://queue-name"
        hint="Where the bucket's object-created notifications arrive (sqs://), or internal:// to look uploads up."
        disabled={!editable}
      />
      {editable ? (
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Checking…" : "Check and save"}
        </button>
      ) : null}
      {saved ? <p role="status">Saved and applied.</p> : null}
      <ErrorNote message={error} />
    </form>
  );
}
