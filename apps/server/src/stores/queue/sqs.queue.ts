/**
 * The SQS queue of the bucket's object-created notifications (`BUCKET_QUEUE=sqs://…`). Only this
 * file knows the SQS SDK. Faults are translated like the S3 store's: transient ones to UNAVAILABLE,
 * naming the SQS error code but never a credential.
 */
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { AppError } from "@ballast/core";
import { type ReadinessCheck, readinessFailure } from "../readiness.ts";

export interface SqsQueueOptions {
  /** A queue name (resolved with GetQueueUrl) or a full queue URL. */
  readonly queue: string;
  readonly region: string;
  /** An SQS-compatible endpoint (an emulator); undefined for AWS. */
  readonly endpoint?: string | undefined;
  /** Explicit keys; undefined uses the SDK's default chain (IAM role, IRSA, environment). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
}

export interface QueueMessage {
  readonly receiptHandle: string;
  readonly body: string;
  /** How many times the message has been received, this time included. */
  readonly receiveCount: number;
}

export class SqsQueue {
  private readonly client: SQSClient;
  private readonly queue: string;
  private url: string | undefined;

  constructor(options: SqsQueueOptions) {
    this.queue = options.queue;
    if (/^https?:\/\//.test(options.queue)) this.url = options.queue;
    this.client = new SQSClient({
      region: options.region,
      ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
      ...(options.credentials !== undefined ? { credentials: { ...options.credentials } } : {}),
      maxAttempts: 3,
    });
  }

  private async queueUrl(): Promise<string> {
    if (this.url) return this.url;
    const answer = await send("find the queue", () =>
      this.client.send(new GetQueueUrlCommand({ QueueName: this.queue })),
    );
    if (!answer.QueueUrl) throw new AppError("INTERNAL", "SQS returned no queue URL.");
    this.url = answer.QueueUrl;
    return this.url;
  }

  /**
   * Up to `max` messages, waiting up to `waitSeconds` for the first (long polling). A message not
   * deleted within `visibilitySeconds` is delivered again.
   */
  async receive(max: number, waitSeconds: number, visibilitySeconds: number, signal?: AbortSignal) {
    const url = await this.queueUrl();
    const answer = await send("receive messages", () =>
      this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: waitSeconds,
          VisibilityTimeout: visibilitySeconds,
          MessageSystemAttributeNames: ["ApproximateReceiveCount"],
        }),
        signal ? { abortSignal: signal } : {},
      ),
    );
    return (answer.Messages ?? []).map(
      (message): QueueMessage => ({
        receiptHandle: message.ReceiptHandle ?? "",
        body: message.Body ?? "",
        receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
      }),
    );
  }

  async delete(receiptHandle: string): Promise<void> {
    const url = await this.queueUrl();
    await send("delete a message", () =>
      this.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: receiptHandle })),
    );
  }

  /** Messages waiting and in flight (SQS's approximate counts), for /metrics and the admin overview. */
  async depth(signal?: AbortSignal): Promise<{ waiting: number; inFlight: number }> {
    const url = await this.queueUrl();
    const answer = await send("read the queue's attributes", () =>
      this.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }),
        signal ? { abortSignal: signal } : {},
      ),
    );
    return {
      waiting: Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
    };
  }

  /** For /readyz: the queue exists and these credentials may read it. */
  readiness(): ReadinessCheck {
    return {
      name: "queue",
      check: async (signal) => {
        try {
          await this.depth(signal);
        } catch (error) {
          throw readinessFailure("queue: the SQS queue did not answer", error);
        }
      },
    };
  }

  close(): void {
    this.client.destroy();
  }
}

interface SdkError {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

async function send<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof AppError) throw error;
    const sdk = (typeof error === "object" && error !== null ? error : {}) as SdkError;
    const status = sdk.$metadata?.httpStatusCode;
    const code = typeof sdk.Code === "string" ? sdk.Code : (sdk.name ?? "Error");
    if (status === undefined || status >= 500 || status === 429 || sdk.$retryable !== undefined) {
      throw new AppError("UNAVAILABLE", `The queue is unavailable (could not ${action}); try again.`, {
        sqsCode: code,
      });
    }
    throw new AppError(
      "INTERNAL",
      `SQS refused to ${action} (${code}, HTTP ${status}); check the queue, its policy and the credentials.`,
      { sqsCode: code, sqsStatus: status },
    );
  }
}
